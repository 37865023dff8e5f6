"""Helpers several deep-MLP sections share: wording constants, axis order, powers of ten, pyplot."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ablations.read.reporting.context import ReportContext

# A first-layer gradient at most this fraction of the last layer's counts as vanished.
VANISHED = 1e-2
NO_PROBES = "_No probe data: set `probe_every` > 0 and run the matrix._\n"


def order(ctx: ReportContext, key: str, values: Any) -> list[Any]:
    """Values in the matrix's axis order when the key is an axis, else sorted."""
    present = list(pd.unique(pd.Series(list(values)).dropna()))
    axis = ctx.matrix.profile(ctx.profile).axes.get(key)
    if axis:
        return [v for v in axis if v in present] + sorted(v for v in present if v not in axis)
    return sorted(present)


def power(log10: float) -> str:
    """A log10 value written as the power of ten it stands for; a dash where it is missing."""
    if log10 is None or not math.isfinite(log10):
        return "–"
    return f"{10**log10:.1e}"


def pyplot():
    """matplotlib's pyplot on the Agg backend, imported only when a figure is drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
