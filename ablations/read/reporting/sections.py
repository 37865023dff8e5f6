"""Report sections any matrix can name in ``report_sections``."""

from __future__ import annotations

import pandas as pd

from ablations.describe.status import Status
from ablations.read.reporting.context import ReportContext

CURVE_METRIC = {
    "classification": ("val_accuracy", "validation accuracy", "linear"),
    "regression": ("val_mae", "validation MAE", "log"),
}


def learning_curves(ctx: ReportContext) -> str:
    """A task metric per epoch, one line per cell (mean ± sd over seeds), one panel per data set.

    The metric is the task's, not the training loss, so cells trained with different losses
    (cross-entropy versus squared error) share one scale.
    """
    import matplotlib

    matplotlib.use("Agg")
    import seaborn as sns

    from ablations.describe.datasets import DATASETS

    rows = []
    for record in ctx.records:
        if record.get("status") not in (Status.OK, Status.DIVERGED, Status.TIMEOUT):
            continue
        dataset = record["settings"]["dataset"]
        key, _, _ = CURVE_METRIC[DATASETS[dataset].task]
        label = " ".join(f"{k}={v}" for k, v in record["cell"].items() if k != "dataset")
        for epoch, value in enumerate(record.get("history", {}).get(key, []), start=1):
            rows.append({"dataset": dataset, "cell": label or "all", "epoch": epoch, "value": value})
    if not rows:
        return "## Learning curves\n\n_No finished trials yet._\n"
    frame = pd.DataFrame(rows)
    datasets = list(dict.fromkeys(frame["dataset"]))
    grid = sns.relplot(
        data=frame,
        x="epoch",
        y="value",
        hue="cell",
        col="dataset",
        col_order=datasets,
        kind="line",
        facet_kws={"sharey": False},
        col_wrap=min(3, len(datasets)),
        errorbar="sd",
        height=3.2,
        aspect=1.3,
    )
    for dataset, ax in zip(datasets, grid.axes.flat, strict=False):  # the grid may have spare axes
        _, ylabel, scale = CURVE_METRIC[DATASETS[dataset].task]
        ax.set_ylabel(ylabel)
        ax.set_yscale(scale)
    grid.figure.suptitle(f"{ctx.matrix.name}: learning curves (mean ± sd over seeds)", y=1.03)
    path = ctx.save_figure(grid.figure, "learning_curves")
    return (
        "## Learning curves\n\nValidation accuracy (classification) or validation MAE "
        f"(regression, log scale) per epoch.\n\n![learning curves]({path})\n"
    )
