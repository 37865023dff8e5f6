"""One cell's results as the gate reads them, and which values it compares: cells matched by
their labels, seeds in order.

Reading only, no verdict: the rules in :mod:`ablations.read.gate.decide` and the test in
:mod:`ablations.read.gate.significance` get their baseline and current values from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ablations.describe.status import Status
from ablations.describe.tolerance import Stat
from ablations.describe.trial import canonical_json

NOT_RUN = "missing"  # a placeholder's status: the trial has no stored record


@dataclass
class CellResult:
    """One cell of one matrix: its labels, trial statuses and each metric's value per seed."""

    cell: dict[str, Any]
    statuses: dict[str, int]
    values: dict[str, dict[int, float]] = field(default_factory=dict)  # metric -> seed -> value

    @property
    def ok(self) -> int:
        return self.statuses.get(Status.OK, 0)

    @property
    def stored(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != NOT_RUN)

    def stat(self, metric: str) -> Stat | None:
        seeds = self.values.get(metric)
        if not seeds:
            return None
        vals = list(seeds.values())
        n = len(vals)
        mean = math.fsum(vals) / n
        spread = n > 1 and min(vals) != max(vals)  # equal seeds: exactly 0, not 1e-16 of rounding
        std = math.sqrt(math.fsum((v - mean) ** 2 for v in vals) / (n - 1)) if spread else 0.0
        return Stat(mean, std, n)

    def label(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.cell.items()) or "(single cell)"

    def to_dict(self) -> dict[str, Any]:
        metrics = {}
        for name in sorted(self.values):
            stat = self.stat(name)
            assert stat is not None
            metrics[name] = {
                "mean": stat.mean,
                "std": stat.std,
                "n": stat.n,
                "seeds": {str(s): v for s, v in sorted(self.values[name].items())},
            }
        return {"cell": self.cell, "statuses": dict(sorted(self.statuses.items())), "metrics": metrics}


def cell_pairs(
    base_cells: dict[str, CellResult], new_cells: dict[str, CellResult]
) -> list[tuple[CellResult | None, CellResult | None]]:
    """(baseline, current) per cell: the current cells in order, then those only the baseline has.

    Cells are matched by their labels, not their ids: a change to the matrix's fixed settings
    (or a settings default) is exactly what the check should catch.
    """
    base = {canonical_json(c.cell): c for c in base_cells.values()}
    new = {canonical_json(c.cell): c for c in new_cells.values()}
    return [(base.get(key), new.get(key)) for key in list(new) + sorted(set(base) - set(new))]


def seed_values(cell: CellResult, metric: str) -> tuple[list[int], list[float]]:
    """The cell's seeds of ``metric`` in order, and its value at each."""
    seeds = sorted(cell.values[metric])
    return seeds, [cell.values[metric][s] for s in seeds]
