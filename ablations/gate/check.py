"""Compare fresh results with a baseline, per cell and metric, and decide (the regression gate).

Rules (each a row; marks as asv's): ``!`` a baseline cell that had ``ok`` trials now has fewer
(missing, skipped, failed, diverged, timed out) or vanished from the matrix; ``+`` a metric
moved the wrong way beyond its tolerance and, with at least ``MIN_SEEDS`` seeds a side, a
one-sided t-test ("is it worse?") says so after Holm's correction over every comparison tested
in this check (paired by seed where both sides ran the same seeds, else Welch); with fewer
seeds the tolerance alone decides, and the output says so. ``-`` better beyond tolerance (not
tested: the gate asks only about regressions), ``~`` worse beyond tolerance but not
significant, ``x`` not comparable (a new cell, a metric one side lacks). ``!`` and ``+`` fail.
Holm's family is the comparisons worse beyond tolerance (only those are tested): a metric
inside its tolerance passes whatever its p-value.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ablations import stats
from ablations.gate.baseline import (
    Baseline,
    CellResult,
    Current,
    current_results,
    provenance_differences,
)
from ablations.gate.metrics import Metric, metric_for
from ablations.gate.tolerance import Stat, Tolerance, parse_tolerance
from ablations.status import Status
from ablations.trial import canonical_json

ALPHA = stats.ALPHA
MIN_SEEDS = 3
MARKS = {
    "+": "worse",
    "-": "better",
    "!": "newly failing or missing",
    "~": "beyond tolerance, not significant",
    "x": "not comparable",
    "": "within tolerance",
}


class GateError(ValueError):
    """Nothing to compare (an empty store, another profile's results): exit 2, never a pass."""


@dataclass
class Row:
    mark: str
    matrix: str
    cell: str
    metric: str
    baseline: str
    current: str
    tolerance: str
    p_value: float | None
    message: str
    basis: str = ""  # "status", "test", "tolerance alone (n < 3)" or ""

    @property
    def regression(self) -> bool:
        return self.mark in ("!", "+")


@dataclass
class Outcome:
    profile: str
    rows: list[Row]
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    baseline_provenance: dict[str, list[Any]] = field(default_factory=dict)
    current_provenance: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def failures(self) -> list[Row]:
        return [r for r in self.rows if r.regression]

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": "fail" if self.failures else "ok",
            "exit_code": self.exit_code,
            "profile": self.profile,
            "failures": [asdict(r) for r in self.failures],
            "notes": self.notes,
            "warnings": self.warnings,
            "provenance": {"baseline": self.baseline_provenance, "current": self.current_provenance},
            "rows": [asdict(r) for r in self.rows],
        }


def _fmt(stat: Stat | None) -> str:
    if stat is None:
        return "–"
    if stat.n == 1:
        return f"{stat.mean:.4g}"
    return f"{stat.mean:.4g} ± {stat.std:.2g} (n={stat.n})"


def resolve_tolerance(metric: str, matrix: Any | None, baseline: Baseline, matrix_name: str) -> Tolerance:
    """Baseline per-matrix > baseline global > matrix file > the metric's default."""
    declared = [
        baseline.matrix_tolerances.get(matrix_name, {}).get(metric),
        baseline.tolerances.get(metric),
        (matrix.spec.tolerances.get(metric) if matrix is not None else None),
    ]
    for text in declared:
        if text is not None:
            return parse_tolerance(text)
    return metric_for(metric).default_tolerance


def _status_counts(cell: CellResult) -> str:
    return ", ".join(f"{n} {s}" for s, n in sorted(cell.statuses.items()) if s != Status.OK) or "none other"


@dataclass
class _Pending:
    row: Row
    comparison: stats.Comparison


def _compare_cell(
    name: str,
    matrix: Any | None,
    baseline: Baseline,
    base: CellResult | None,
    new: CellResult | None,
    pending: list[_Pending],
    min_seeds: int,
) -> list[Row]:
    cell = (new or base).label()  # type: ignore[union-attr]
    if base is None:
        return [
            Row(
                "x",
                name,
                cell,
                "(cell)",
                "–",
                "new cell",
                "",
                None,
                "not in the baseline; `ablations baseline --accept` adds it",
            )
        ]
    if new is None:
        if base.ok:
            return [
                Row(
                    "!",
                    name,
                    cell,
                    "(cell)",
                    f"{base.ok} ok",
                    "–",
                    "",
                    None,
                    "vanished from the matrix (was ok in the baseline)",
                    "status",
                )
            ]
        return [Row("x", name, cell, "(cell)", "not ok", "–", "", None, "no longer in the matrix")]
    rows = []
    if base.ok and new.ok < base.ok:
        rows.append(
            Row(
                "!",
                name,
                cell,
                "(status)",
                f"{base.ok} ok",
                f"{new.ok} ok",
                "",
                None,
                f"was {base.ok} ok, now {new.ok} ok ({_status_counts(new)})",
                "status",
            )
        )
    for metric in sorted(set(base.values) | set(new.values)):
        b, c = base.stat(metric), new.stat(metric)
        tolerance = resolve_tolerance(metric, matrix, baseline, name)
        if b is None or c is None:
            if rows:
                continue  # the status row already says why
            why = "not in the baseline" if b is None else "not recorded now"
            rows.append(Row("x", name, cell, metric, _fmt(b), _fmt(c), str(tolerance), None, why))
            continue
        message = tolerance.fails(b, c)
        row = Row("", name, cell, metric, _fmt(b), _fmt(c), str(tolerance), None, message or "")
        rows.append(row)
        if message is None:
            continue
        info = metric_for(metric)
        if not info.worse(b.mean, c.mean):
            row.mark, row.basis = "-", "tolerance"
            row.message += "; better (the gate tests only regressions)"
            continue
        if min(b.n, c.n) < min_seeds:
            row.mark, row.basis = "+", f"tolerance alone (n < {min_seeds})"
            row.message += f"; under {min_seeds} seeds a side, the tolerance alone decides"
            continue
        bs, cs = sorted(base.values[metric]), sorted(new.values[metric])
        comparison = stats.compare(
            test_scale(info, [base.values[metric][s] for s in bs]),
            test_scale(info, [new.values[metric][s] for s in cs]),
            seeds_a=bs,
            seeds_b=cs,
            alternative="less" if info.higher_is_better else "greater",
        )
        if info.log_scale:
            row.message += " (tested on the log scale)"
        pending.append(_Pending(row, comparison))
    return rows


def test_scale(info: Metric, values: list[float]) -> list[float]:
    """The values the test sees: logs for a metric whose noise is multiplicative (time).

    A neighbour's load slows an epoch by a factor, not by an amount; on the log scale one slow
    seed weighs what it should (measured in ``nox -s gate``: a slowdown whose per-seed ratios were
    1.7, 2.3 and 2.9 gave p = 0.074 in the raw paired test and p = 0.017 in the log one).
    """
    if info.log_scale and values and all(v > 0 for v in values):
        return [math.log(v) for v in values]
    return values


def _decide(pending: list[_Pending], alpha: float) -> None:
    """Holm over every tested comparison of this check (one-sided: is it worse?), then mark each row."""
    adjusted = stats.holm_adjust([p.comparison for p in pending])
    for item, comparison in zip(pending, adjusted, strict=True):
        row = item.row
        row.p_value = comparison.p_final
        test = ("paired t" if comparison.test == "paired" else "Welch t") + " one-sided"
        detail = (
            f"{test} {stats.p_text(comparison.p)}, Holm over {len(pending)}: {stats.p_text(comparison.p_final)}, "
            f"{stats.effect_text(comparison)}, {stats.sample_size(comparison)}"
        )
        if comparison.significant(alpha):
            row.mark, row.basis = "+", "test"
            row.message += f"; {detail}"
        else:
            row.mark, row.basis = "~", "test"
            row.message += f"; not significant ({detail}; smallest detectable effect {comparison.mde:.3g})"


def check(
    matrices: list[Any],
    profile: str,
    runs_dir: Path,
    baseline: Baseline,
    *,
    only: bool,
    min_seeds: int = MIN_SEEDS,
    alpha: float = ALPHA,
) -> Outcome:
    """The gate's rows for ``matrices`` (and the baseline's other matrices unless ``only``).

    Raises GateError when the baseline is of another profile or the store holds no result of
    this profile for these matrices.
    """
    if baseline.profile != profile:
        raise GateError(
            f"the baseline is of profile {baseline.profile!r}, the check of {profile!r}; "
            f"pass --profile {baseline.profile} or the {profile} baseline"
        )
    by_name = {m.name: m for m in matrices}
    names = list(by_name) + ([] if only else sorted(set(baseline.matrices) - set(by_name)))
    current: dict[str, Current] = {name: current_results(m, profile, runs_dir) for name, m in by_name.items()}
    if not any(c.stored for c in current.values()):
        held = sorted(p.name for p in Path(runs_dir).iterdir() if p.is_dir()) if Path(runs_dir).is_dir() else []
        raise GateError(
            f"{runs_dir}: no stored result of profile {profile!r} for {', '.join(by_name) or 'any matrix'}"
            + (f" (it holds results of: {', '.join(held)}, none of this profile's trials)" if held else " (empty)")
            + f"; run `ablations run --profile {profile} --runs-dir {runs_dir}` first"
        )
    outcome = Outcome(profile, [], baseline_provenance=baseline.provenance)
    pending: list[_Pending] = []
    merged: dict[str, set[str]] = {}
    for name in names:
        matrix = by_name.get(name)
        if matrix is None:
            base_ok = sum(c.ok for c in baseline.matrices[name].values())
            outcome.rows.append(
                Row(
                    "!" if base_ok else "x",
                    name,
                    "(matrix)",
                    "(matrix)",
                    "in baseline",
                    "–",
                    "",
                    None,
                    "matrix not found",
                    "status" if base_ok else "",
                )
            )
            continue
        if name not in baseline.matrices:
            outcome.rows.append(
                Row("x", name, "(matrix)", "(matrix)", "–", "new matrix", "", None, "not in the baseline")
            )
            continue
        for key, values in current[name].provenance.items():
            merged.setdefault(key, set()).update(values)
        # Cells are matched by their labels, not their ids: a change to the matrix's fixed
        # settings (or a settings default) is exactly what the check should catch.
        base_cells = {canonical_json(c.cell): c for c in baseline.matrices[name].values()}
        new_cells = {canonical_json(c.cell): c for c in current[name].cells.values()}
        for key in list(new_cells) + sorted(set(base_cells) - set(new_cells)):
            outcome.rows.extend(
                _compare_cell(name, matrix, baseline, base_cells.get(key), new_cells.get(key), pending, min_seeds)
            )
    _decide(pending, alpha)
    outcome.current_provenance = {k: sorted(v) for k, v in merged.items()}
    alone = [r for r in outcome.rows if r.basis.startswith("tolerance alone")]
    if alone:
        outcome.notes.append(
            f"{len(alone)} comparison(s) beyond tolerance had under {min_seeds} seeds a side: "
            "the tolerance alone decided them (no test)"
        )
    if pending:
        outcome.notes.append(
            f"{len(pending)} comparison(s) beyond tolerance were tested at alpha {alpha:g}, "
            "Holm-corrected over all of them"
        )
    differences = provenance_differences(baseline.provenance, outcome.current_provenance)
    if differences:
        outcome.warnings.append(
            "the environment differs from the baseline's (results may move for that reason): " + "; ".join(differences)
        )
    return outcome


def _provenance_line(prov: dict[str, list[Any]]) -> str:
    keys = ("cpu", "cpu_count", "backend", "backend_version", "keras", "python", "git_commit")
    return "; ".join(f"{k} {', '.join(map(str, prov[k]))}" for k in keys if prov.get(k)) or "unknown"


def render(outcome: Outcome, *, show_all: bool = False) -> str:
    """Summary first (verdict, each failure and why, notes, warnings), then the table, then totals."""
    from tabulate import tabulate

    rows = outcome.rows
    failures = outcome.failures
    lines = [f"FAIL: {len(failures)} regression(s)" if failures else "OK: no regression"]
    lines += [f"  {r.mark} {r.matrix}: {r.cell}: {r.metric}: {r.message}" for r in failures]
    for r in rows:
        if r.mark in ("-", "~"):
            lines.append(f"  {r.mark} {r.matrix}: {r.cell}: {r.metric}: {r.message}")
    lines += [f"note: {n}" for n in outcome.notes]
    lines += [f"warning: {w}" for w in outcome.warnings]
    lines.append(f"baseline made on: {_provenance_line(outcome.baseline_provenance)}")
    lines.append(f"current run on:   {_provenance_line(outcome.current_provenance)}")
    lines.append("")
    shown = [r for r in rows if show_all or r.mark]
    if shown:
        table = [
            [
                r.mark,
                r.matrix,
                r.cell,
                r.metric,
                r.baseline,
                r.current,
                r.tolerance,
                "–" if r.p_value is None else stats.fmt_p(r.p_value),
                r.basis,
            ]
            for r in shown
        ]
        headers = ["", "matrix", "cell", "metric", "baseline", "current", "tolerance", "p (Holm)", "decided by"]
        lines.append(tabulate(table, headers=headers, tablefmt="github", disable_numparse=True))
        lines.append("")
    counts = {mark: sum(1 for r in rows if r.mark == mark) for mark in MARKS}
    summary = ", ".join(f"{counts[m]} {MARKS[m]} ({m or 'blank'})" for m in ("+", "!", "-", "~", "x", ""))
    lines.append(f"{len(rows)} comparisons: {summary}")
    return "\n".join(lines)


def junit_xml(outcome: Outcome) -> str:
    """One test case per comparison; a regression is a ``<failure>``, not comparable is skipped."""
    from xml.etree import ElementTree as ET

    suite = ET.Element(
        "testsuite",
        name=f"ablations check [{outcome.profile}]",
        tests=str(len(outcome.rows)),
        failures=str(len(outcome.failures)),
        errors="0",
        skipped=str(sum(1 for r in outcome.rows if r.mark == "x")),
    )
    for row in outcome.rows:
        case = ET.SubElement(suite, "testcase", classname=f"ablations.{row.matrix}", name=f"{row.cell} :: {row.metric}")
        if row.regression:
            ET.SubElement(
                case, "failure", message=row.message, type=MARKS[row.mark]
            ).text = f"baseline {row.baseline}; current {row.current}; tolerance {row.tolerance}"
        elif row.mark == "x":
            ET.SubElement(case, "skipped", message=row.message)
        elif row.message:
            ET.SubElement(case, "system-out").text = row.message
    if outcome.warnings:
        ET.SubElement(suite, "system-err").text = "\n".join(outcome.warnings)
    root = ET.Element("testsuites")
    root.append(suite)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
