"""Did each cell train to its plateau? Epochs trained against the maximum, per cell.

The deep cells train until early stopping on the validation loss ends them (the best weights
restored), up to a maximum set high enough that most runs stop on their own: a verdict on a
cell whose runs all hit the maximum compares training that was still going.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ablations.read.claims.records import finished_by_cell
from ablations.read.reporting.context import ReportContext
from ablations.read.reporting.tables import markdown_table

HEADING = "## Trained to a plateau?"


def training_length(ctx: ReportContext) -> str:
    """Per cell: runs, epochs trained (mean, range), how many stopped before the maximum."""
    cells = finished_by_cell(ctx.records, ctx.axes)
    if not cells:
        return f"{HEADING}\n\nNo finished trials.\n"
    rows, stopped_all, runs_all = [], 0, 0
    maxima = set()
    for key, runs in cells.items():
        epochs = np.asarray([int(r.get("epochs_run") or 0) for r in runs])
        # The matrix's maximum; a record that does not say is taken to have trained to its end.
        maximum = int((runs[0].get("settings") or {}).get("epochs") or epochs.max())
        maxima.add(maximum)
        stopped = int((epochs < maximum).sum())
        stopped_all, runs_all = stopped_all + stopped, runs_all + len(runs)
        rows.append(
            {
                **dict(zip(ctx.axes, key, strict=True)),
                "runs": len(runs),
                "epochs trained (mean, range)": f"{epochs.mean():.0f} ({epochs.min()}-{epochs.max()})",
                "stopped before the maximum": f"{stopped} of {len(runs)}",
            }
        )
    maximum_text = ", ".join(str(m) for m in sorted(maxima))
    patience = sorted(
        {(r.get("settings") or {}).get("early_stopping_patience") for rs in cells.values() for r in rs}, key=str
    )
    return "\n".join(
        [
            f"{HEADING}\n",
            f"**{stopped_all} of {runs_all} finished runs stopped on their own** before the maximum of "
            f"{maximum_text} epochs (early stopping on the validation loss, patience "
            f"{', '.join(str(p) for p in patience)}; the best weights restored). A run that reached "
            "the maximum had still improved its validation loss within its last patience epochs: "
            "a cell of such runs is compared before its plateau.\n",
            markdown_table(pd.DataFrame(rows)) + "\n",
        ]
    )
