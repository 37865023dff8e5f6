"""Aggregate trials into cells: mean and standard deviation over seeds, failures counted."""

from __future__ import annotations

import math

import pandas as pd
from tabulate import tabulate

from ablations.describe.status import Status


def metric_columns(frame: pd.DataFrame) -> list[str]:
    return sorted(c for c in frame.columns if c.startswith("test_"))


def fmt(value: float, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}g}"


def cell_summary(frame: pd.DataFrame, axes: list[str], metrics: list[str]) -> pd.DataFrame:
    """One row per cell (in the matrix's order): seeds ok / total, mean ± std of each metric."""
    rows = []
    keys = axes or ["cell_id"]
    for _, group in frame.groupby("cell_id", sort=False):
        ok = group[group["status"] == Status.OK]
        row = {axis: group[axis].iloc[0] for axis in keys}
        statuses = group["status"].value_counts()
        row["seeds ok"] = f"{len(ok)}/{len(group)}"
        others = [f"{n} {s}" for s, n in sorted(statuses.items()) if s != Status.OK]
        row["problems"] = ", ".join(others)
        for metric in metrics:
            values = pd.to_numeric(ok[metric], errors="coerce").dropna() if metric in ok else pd.Series([], dtype=float)
            if len(values) == 0:
                row[metric] = "–"
            elif len(values) == 1:
                row[metric] = fmt(values.iloc[0])
            else:
                row[metric] = f"{fmt(values.mean())} ± {fmt(values.std(ddof=1), 2)}"
        rows.append(row)
    return pd.DataFrame(rows)


def markdown_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "_(no rows)_"
    return tabulate(frame, headers="keys", tablefmt="github", showindex=False, disable_numparse=True)
