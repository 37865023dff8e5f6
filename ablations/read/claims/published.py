"""The measured mean beside each published number: within its tolerance, or a flagged miss."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ablations.describe.claims import MEASURES
from ablations.describe.published import PUBLISHED, PublishedResult
from ablations.read.claims.records import finished, labels
from ablations.read.stats import CellStats, cell_stats

WITHIN, MISSED, NOT_MEASURED = "within", "missed", "not measured"


@dataclass(frozen=True)
class PublishedRow:
    """A published result and what this run measured in its cells."""

    result: PublishedResult
    stats: CellStats
    runs: int  # every run of the cells, finished or not

    @property
    def verdict(self) -> str:
        if self.stats.n == 0:
            return NOT_MEASURED
        return WITHIN if abs(self.stats.mean - self.result.value) <= self.result.tolerance else MISSED

    def text(self) -> str:
        """``within 3 points (-2.7)``, ``**missed by 5.1 points**`` or why nothing was measured."""
        if self.verdict == NOT_MEASURED:
            return f"**not measured**: 0 of {self.runs} runs finished" if self.runs else "**not measured**: no runs"
        diff = self.stats.mean - self.result.value
        points, tolerance = 100 * diff, 100 * self.result.tolerance
        if self.verdict == WITHIN:
            s = self.stats
            outside = s.n > 1 and not s.low <= self.result.value <= s.high
            return f"within {tolerance:.0f} points ({points:+.1f}" + ("; its interval excludes it)" if outside else ")")
        return f"**missed by {abs(points):.1f} points** (tolerance {tolerance:.0f})"


def published_rows(records_of: Mapping[str, list[dict[str, Any]]], matrix: str | None = None) -> list[PublishedRow]:
    """A row per published result whose matrix has records (only ``matrix``'s, when given)."""
    rows = []
    for name in PUBLISHED.names():
        result = PUBLISHED.get(name)
        if result.matrix not in records_of or (matrix is not None and result.matrix != matrix):
            continue
        runs = [r for r in records_of[result.matrix] if all(labels(r).get(k) == v for k, v in result.cell.items())]
        measure = MEASURES.get(result.measure)
        values = [measure(r, 0) for r in runs if finished(r)]
        rows.append(PublishedRow(result, cell_stats([v for v in values if math.isfinite(v)]), len(runs)))
    return rows


def published_table(rows: list[PublishedRow]) -> list[dict[str, str]]:
    """The rows as table cells: published beside measured (mean and 95 % interval), and the verdict."""
    table = []
    for row in rows:
        s = row.stats
        measured = "–" if s.n == 0 else f"{s.mean:.1%}" + (f" [{s.low:.1%}, {s.high:.1%}]" if s.n > 1 else "")
        where = ", ".join(f"{k}={v}" for k, v in row.result.cell.items())
        table.append(
            {
                "published result": row.result.what,
                "published": f"{row.result.value:.0%}",
                "source (context)": row.result.source,
                "measured [95% CI]": measured,
                "cells": f"{row.result.matrix}: {where}",
                "n": f"{s.n} of {row.runs} runs",
                "verdict": row.text(),
            }
        )
    return table
