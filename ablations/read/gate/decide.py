"""The gate's rules: which row each comparison of a baseline and a current cell gets.

Rules (each a row; marks as asv's): ``!`` a baseline cell that had ``ok`` trials now has fewer
(missing, skipped, failed, diverged, timed out) or vanished from the matrix; ``+`` a metric
moved the wrong way beyond its tolerance and, with at least ``MIN_SEEDS`` seeds a side, a
one-sided t-test ("is it worse?") says so after Holm's correction over every comparison tested
in this check (paired by seed where both sides ran the same seeds, else Welch); with fewer
seeds the tolerance alone decides, and the output says so. ``-`` better beyond tolerance (not
tested: the gate asks only about regressions), ``~`` worse beyond tolerance but not
significant, ``x`` not comparable (a new cell, a metric one side lacks). ``!`` and ``+`` fail.
Holm's family is the comparisons worse beyond tolerance (only those are tested): a metric
inside its tolerance passes whatever its p-value. The test itself is
:mod:`ablations.read.gate.significance`'s.
"""

from __future__ import annotations

from typing import Any

from ablations.describe.status import Status
from ablations.describe.tolerance import Stat, Tolerance, parse_tolerance
from ablations.read.gate.baseline import Baseline
from ablations.read.gate.cells import CellResult
from ablations.read.gate.metrics import metric_for
from ablations.read.gate.outcome import Row
from ablations.read.gate.significance import Pending, worse_test

MIN_SEEDS = 3


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


def matrix_row(name: str, matrix: Any | None, baseline: Baseline) -> Row | None:
    """The one row of a matrix that is not compared cell by cell (gone, or not in the baseline)."""
    if matrix is None:
        base_ok = sum(c.ok for c in baseline.matrices[name].values())
        return Row(
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
    if name not in baseline.matrices:
        return Row("x", name, "(matrix)", "(matrix)", "–", "new matrix", "", None, "not in the baseline")
    return None


def compare_cell(
    name: str,
    matrix: Any | None,
    baseline: Baseline,
    base: CellResult | None,
    new: CellResult | None,
    pending: list[Pending],
    min_seeds: int,
) -> list[Row]:
    """The rows of one cell; each worse beyond tolerance with enough seeds joins ``pending``."""
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
        comparison = worse_test(info, base, new)
        if info.log_scale:
            row.message += " (tested on the log scale)"
        pending.append(Pending(row, comparison))
    return rows


def decision_notes(rows: list[Row], tested: int, min_seeds: int, alpha: float) -> list[str]:
    """What decided the comparisons beyond tolerance: the tolerance alone, or a corrected test."""
    notes = []
    alone = [r for r in rows if r.basis.startswith("tolerance alone")]
    if alone:
        notes.append(
            f"{len(alone)} comparison(s) beyond tolerance had under {min_seeds} seeds a side: "
            "the tolerance alone decided them (no test)"
        )
    if tested:
        notes.append(
            f"{tested} comparison(s) beyond tolerance were tested at alpha {alpha:g}, Holm-corrected over all of them"
        )
    return notes
