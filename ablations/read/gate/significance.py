"""The gate's one statistical question, "is it worse?", asked of every comparison beyond tolerance.

One-sided t-tests (paired by seed where both sides ran the same seeds, else Welch) on the scale
the metric's noise is additive on, then Holm's correction over every test of one check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ablations.read import stats
from ablations.read.gate.cells import CellResult, seed_values
from ablations.read.gate.metrics import Metric
from ablations.read.gate.outcome import Row

ALPHA = stats.ALPHA


@dataclass
class Pending:
    """A row beyond tolerance, worse, and its test: marked once every test of the check is known."""

    row: Row
    comparison: stats.Comparison


def test_scale(info: Metric, values: list[float]) -> list[float]:
    """The values the test sees: logs for a metric whose noise is multiplicative (time).

    A neighbour's load slows an epoch by a factor, not by an amount; on the log scale one slow
    seed weighs what it should (measured in ``nox -s gate``: a slowdown whose per-seed ratios were
    1.7, 2.3 and 2.9 gave p = 0.074 in the raw paired test and p = 0.017 in the log one).
    """
    if info.log_scale and values and all(v > 0 for v in values):
        return [math.log(v) for v in values]
    return values


def worse_test(info: Metric, base: CellResult, new: CellResult) -> stats.Comparison:
    """The one-sided test of ``info`` between the two cells: is the current one worse?"""
    bs, base_values = seed_values(base, info.name)
    cs, new_values = seed_values(new, info.name)
    return stats.compare(
        test_scale(info, base_values),
        test_scale(info, new_values),
        seeds_a=bs,
        seeds_b=cs,
        alternative="less" if info.higher_is_better else "greater",
    )


def holm_decide(pending: list[Pending], alpha: float) -> None:
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
