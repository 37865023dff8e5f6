"""Report sections any matrix can name in ``report_sections``."""

from __future__ import annotations

import pandas as pd

from ablations.reporting.context import ReportContext


def learning_curves(ctx: ReportContext) -> str:
    """Validation loss per epoch, one line per cell (mean over seeds), faceted by data set."""
    import matplotlib

    matplotlib.use("Agg")
    import seaborn as sns

    rows = []
    for record in ctx.records:
        if record.get("status") != "ok":
            continue
        label = " ".join(f"{k}={v}" for k, v in record["cell"].items() if k != "dataset")
        for epoch, value in enumerate(record["history"].get("val_loss", []), start=1):
            rows.append(
                {
                    "dataset": record["settings"]["dataset"],
                    "cell": label or "all",
                    "epoch": epoch,
                    "validation loss": value,
                }
            )
    if not rows:
        return "## Learning curves\n\n_No finished trials yet._\n"
    frame = pd.DataFrame(rows)
    grid = sns.relplot(
        data=frame, x="epoch", y="validation loss", hue="cell", col="dataset", kind="line",
        facet_kws={"sharey": False}, col_wrap=min(3, frame["dataset"].nunique()), errorbar="sd",
        height=3.2, aspect=1.3,
    )
    grid.set(yscale="log")
    grid.figure.suptitle(f"{ctx.matrix.name}: validation loss per epoch (mean ± sd over seeds)", y=1.03)
    path = ctx.save_figure(grid.figure, "learning_curves")
    return f"## Learning curves\n\n![learning curves]({path})\n"
