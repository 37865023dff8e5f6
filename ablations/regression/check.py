"""Compare fresh results with a baseline, per cell and metric, and mark what changed (as asv does).

Marks: ``+`` worse beyond tolerance and significant across seeds (a regression), ``-`` better,
``!`` newly failing (more failed, diverged or timed-out trials than the baseline), ``~`` beyond
tolerance but not statistically significant (Welch's t-test p >= 0.05, or under two seeds on
either side), ``x`` not comparable (a cell or metric missing on one side). Only ``!`` and an
enforced ``+`` make the check fail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ablations.regression.baseline import Baseline, CellResult, current_results
from ablations.regression.metrics import metric_for
from ablations.regression.tolerance import Stat, Tolerance, parse_tolerance
from ablations.trial import canonical_json

ALPHA = 0.05
MARKS = {
    "+": "worse",
    "-": "better",
    "!": "newly failing",
    "~": "beyond tolerance, not significant",
    "x": "not comparable",
    "": "within tolerance",
}


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
    enforced: bool = True

    @property
    def regression(self) -> bool:
        return self.mark == "!" or (self.mark == "+" and self.enforced)


def welch_p(a: Stat, b: Stat) -> float | None:
    """Two-sided Welch t-test p-value from summary statistics; None below two seeds a side."""
    if a.n < 2 or b.n < 2:
        return None
    if a.std == 0 and b.std == 0:
        return 1.0 if a.mean == b.mean else 0.0  # deterministic seeds: any difference is real
    from scipy.stats import ttest_ind_from_stats

    result = ttest_ind_from_stats(a.mean, a.std, a.n, b.mean, b.std, b.n, equal_var=False)
    return float(result.pvalue)


def _fmt(stat: Stat | None) -> str:
    if stat is None:
        return "–"
    if stat.n == 1:
        return f"{stat.mean:.4g}"
    return f"{stat.mean:.4g} ± {stat.std:.2g} (n={stat.n})"


def resolve_tolerance(
    metric: str, matrix: Any | None, baseline: Baseline, matrix_name: str
) -> tuple[Tolerance, bool]:
    """Baseline per-matrix > baseline global > matrix file > the metric's default; and enforced."""
    declared = [
        baseline.matrix_tolerances.get(matrix_name, {}).get(metric),
        baseline.tolerances.get(metric),
        (matrix.spec.tolerances.get(metric) if matrix is not None else None),
    ]
    for text in declared:
        if text is not None:
            return parse_tolerance(text), True
    info = metric_for(metric)
    return info.default_tolerance, info.enforced_by_default


def compare_cell(
    matrix_name: str, matrix: Any | None, baseline: Baseline, base: CellResult | None, new: CellResult | None
) -> list[Row]:
    cell = (new or base).label()  # type: ignore[union-attr]
    if base is None:
        return [Row("x", matrix_name, cell, "(cell)", "–", "new cell", "", None, "not in the baseline")]
    if new is None:
        return [Row("x", matrix_name, cell, "(cell)", "in baseline", "–", "", None, "no longer in the matrix")]
    rows = []
    if new.bad > base.bad:
        bad = ", ".join(f"{n} {s}" for s, n in sorted(new.statuses.items()) if s != "ok")
        rows.append(Row(
            "!", matrix_name, cell, "(status)", f"{base.ok} ok", f"{new.ok} ok", "", None,
            f"newly failing: {bad} (baseline {base.bad} not ok)",
        ))
    for metric in sorted(set(base.metrics) | set(new.metrics)):
        b, c = base.metrics.get(metric), new.metrics.get(metric)
        tolerance, enforced = resolve_tolerance(metric, matrix, baseline, matrix_name)
        if b is None or c is None:
            why = "not in the baseline" if b is None else (
                "no ok trial stored" if new.ok == 0 else "metric not recorded"
            )
            if c is None and new.ok == 0 and new.bad > base.bad:
                continue  # already reported as newly failing
            rows.append(Row("x", matrix_name, cell, metric, _fmt(b), _fmt(c), str(tolerance), None, why, enforced))
            continue
        message = tolerance.fails(b, c)
        p = welch_p(b, c)
        if message is None:
            mark = ""
        elif p is None or p >= ALPHA or math.isnan(p):
            mark = "~"
            message += " but not significant across seeds" + (f" (p={p:.2g})" if p is not None else " (under 2 seeds)")
        else:
            mark = "+" if metric_for(metric).worse(b.mean, c.mean) else "-"
            message += f", p={p:.2g}"
            if mark == "+" and not enforced:
                message += " (reported only: declare a tolerance to enforce it)"
        rows.append(Row(mark, matrix_name, cell, metric, _fmt(b), _fmt(c), str(tolerance), p, message or "", enforced))
    return rows


def check(matrices: list[Any], profile: str, runs_dir: Path, baseline: Baseline, *, only: bool) -> list[Row]:
    """Rows for every cell and metric of ``matrices`` (and of the baseline's other matrices unless ``only``)."""
    rows: list[Row] = []
    by_name = {m.name: m for m in matrices}
    names = list(by_name) + ([] if only else sorted(set(baseline.matrices) - set(by_name)))
    for name in names:
        matrix = by_name.get(name)
        if matrix is None:
            rows.append(Row("x", name, "(matrix)", "(matrix)", "in baseline", "–", "", None, "matrix not found"))
            continue
        if name not in baseline.matrices:
            rows.append(Row("x", name, "(matrix)", "(matrix)", "–", "new matrix", "", None, "not in the baseline"))
            continue
        # Cells are matched by their labels, not their ids: a change to the matrix's fixed
        # settings (or a settings default) is exactly what the check should catch.
        base_cells = {canonical_json(c.cell): c for c in baseline.matrices[name].values()}
        new_cells = {canonical_json(c.cell): c for c in current_results(matrix, profile, runs_dir).values()}
        for key in list(new_cells) + sorted(set(base_cells) - set(new_cells)):
            rows.extend(compare_cell(name, matrix, baseline, base_cells.get(key), new_cells.get(key)))
    return rows


def render(rows: list[Row], *, show_all: bool = False) -> str:
    """The asv-style table (changed rows, or all), a plain list of what crossed a threshold, a summary."""
    from tabulate import tabulate

    shown = [r for r in rows if show_all or r.mark]
    lines = []
    if shown:
        table = [
            [r.mark, r.matrix, r.cell, r.metric, r.baseline, r.current, r.tolerance,
             "–" if r.p_value is None else f"{r.p_value:.2g}"]
            for r in shown
        ]
        headers = ["", "matrix", "cell", "metric", "baseline", "current", "tolerance", "p"]
        lines.append(tabulate(table, headers=headers, tablefmt="github", disable_numparse=True))
        lines.append("")
    crossed = [r for r in rows if r.mark in ("+", "-", "!", "~")]
    if crossed:
        lines.append("Crossed a threshold:")
        lines += [f"  {r.mark} {r.matrix}: {r.cell}: {r.metric}: {r.message}" for r in crossed]
        lines.append("")
    counts = {mark: sum(1 for r in rows if r.mark == mark) for mark in MARKS}
    summary = ", ".join(f"{counts[m]} {MARKS[m]} ({m or 'blank'})" for m in ("+", "!", "-", "~", "x", ""))
    regressions = sum(1 for r in rows if r.regression)
    verdict = f"FAIL: {regressions} regression(s)" if regressions else "OK: no regression"
    lines.append(f"{verdict}; {len(rows)} comparisons: {summary}")
    return "\n".join(lines)
