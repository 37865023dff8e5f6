"""Dropout where nets overfit: per cell, how far training accuracy ends above validation
accuracy, where validation accuracy peaked, and the test accuracy of the weights tested.

Training accuracy is the one ``fit`` logs for the epoch, with dropout active: it is what the
course's learning curves show, and it understates how well a dropout net fits its training
data in inference mode, so the gap of a dropout net is a lower bound.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ablations.read.claims.records import finished_by_cell
from ablations.read.reporting.context import ReportContext
from ablations.read.reporting.tables import markdown_table

HEADING = "## Overfitting"


def _mean_sd(values: list[float], digits: int = 3) -> str:
    data = np.asarray(values, dtype=float)
    if not len(data):
        return "–"
    sd = f" ± {data.std(ddof=1):.{digits}f}" if len(data) > 1 else ""
    return f"{data.mean():.{digits}f}{sd}"


def _last(history: dict, key: str) -> float:
    series = history.get(key) or []
    return float(series[-1]) if series and series[-1] is not None else float("nan")


def overfitting(ctx: ReportContext) -> str:
    """The overfitting table: one row per cell, mean ± sd over the seeds that finished."""
    cells = finished_by_cell(ctx.records, ctx.axes)
    if not cells:
        return f"{HEADING}\n\nNo finished trials.\n"
    rows = []
    for key, runs in cells.items():
        histories = [r.get("history") or {} for r in runs]
        train = [_last(h, "accuracy") for h in histories]
        val = [_last(h, "val_accuracy") for h in histories]
        best = [max((v for v in h.get("val_accuracy") or [] if v is not None), default=np.nan) for h in histories]
        best_epoch = [
            int(np.nanargmax(np.asarray(h["val_accuracy"], dtype=float))) + 1 if h.get("val_accuracy") else np.nan
            for h in histories
        ]
        rows.append(
            {
                **dict(zip(ctx.axes, key, strict=True)),
                "seeds": len(runs),
                "epochs trained": _mean_sd([float(r.get("epochs_run") or np.nan) for r in runs], 1),
                "training accuracy, last epoch": _mean_sd(train),
                "validation accuracy, last epoch": _mean_sd(val),
                "gap": _mean_sd([t - v for t, v in zip(train, val, strict=True)]),
                "best validation accuracy (epoch)": f"{_mean_sd(best)} ({_mean_sd(best_epoch, 1)})",
                "test accuracy": _mean_sd([float((r.get("test") or {}).get("accuracy", np.nan)) for r in runs]),
            }
        )
    return "\n".join(
        [
            f"{HEADING}\n",
            "Per cell, mean ± sd over the seeds that finished. *Gap*: training minus validation "
            "accuracy at the last epoch; training accuracy is the one `fit` logs, with dropout "
            "active, so a dropout net's gap is a lower bound. *Best validation accuracy*: the "
            "curve's peak and the epoch it came at; where that epoch is far before the last, "
            "the net went on fitting its training data after it stopped generalizing better.\n",
            markdown_table(pd.DataFrame(rows)) + "\n",
        ]
    )
