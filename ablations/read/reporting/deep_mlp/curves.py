"""The accuracy figures: test accuracy heatmaps by depth and activation, learning curves."""

from __future__ import annotations

import pandas as pd

from ablations.read.reporting.context import ReportContext
from ablations.read.reporting.deep_mlp.common import order, pyplot
from ablations.read.reporting.deep_mlp.frames import SETTING_KEYS, frames


def accuracy_heatmaps(ctx: ReportContext) -> str:
    """Test accuracy, depth x activation, one heatmap per batch-norm setting (no dropout)."""
    trials = frames(ctx)["trials"]
    if trials.empty or trials["accuracy"].isna().all():
        return "## Test accuracy by depth and activation\n\n_No finished trials yet._\n"
    plt = pyplot()
    import seaborn as sns

    data = trials[trials["dropout"] == 0]
    bn_order = order(ctx, "batch_norm", data["batch_norm"])
    depths = order(ctx, "depth", data["depth"])
    activations = order(ctx, "activation", data["activation"])
    fig, axes = plt.subplots(1, len(bn_order), figsize=(4.2 * len(bn_order), 3.6), squeeze=False)
    for ax, bn in zip(axes[0], bn_order, strict=False):
        part = data[data["batch_norm"] == bn]
        stats = part.groupby(["depth", "activation"])["accuracy"].agg(["mean", "std"])
        mean = stats["mean"].unstack().reindex(index=depths, columns=activations)
        std = stats["std"].unstack().reindex(index=depths, columns=activations)
        notes = mean.map(lambda v: "" if pd.isna(v) else f"{v:.0%}").astype(str)
        notes = notes + std.map(lambda v: "" if pd.isna(v) else f"\n±{v:.0%}")
        sns.heatmap(
            mean,
            annot=notes,
            fmt="",
            vmin=0,
            vmax=1,
            cmap="viridis",
            cbar=bn == bn_order[-1],
            ax=ax,
            annot_kws={"fontsize": 7},
        )
        ax.set_title(f"batch norm: {bn}")
        ax.set_ylabel("hidden layers")
    fig.suptitle(f"{ctx.matrix.name}: test accuracy, mean over seeds (± sd)", y=1.02)
    path = ctx.save_figure(fig, "accuracy_heatmaps")
    return (
        "## Test accuracy by depth and activation\n\n"
        "Cells without dropout; blank where the profile has no such cell.\n\n"
        f"![test accuracy heatmaps]({path})\n"
    )


def deep_learning_curves(ctx: ReportContext) -> str:
    """Validation accuracy per epoch of the deepest cells: who learns at first and who does not."""
    trials = frames(ctx)["trials"]
    if trials.empty:
        return "## Learning curves of the deepest networks\n\n_No finished trials yet._\n"
    plt = pyplot()
    import seaborn as sns

    deepest = int(trials["depth"].max())
    metric = "val_accuracy" if trials["val_accuracy"].notna().any() else "val_loss"
    rows = []
    for _, t in trials[trials["depth"] == deepest].iterrows():
        for epoch, value in enumerate(t[metric] or [], start=1):
            rows.append({**{k: t[k] for k in SETTING_KEYS}, "seed": t["seed"], "epoch": epoch, metric: value})
    frame = pd.DataFrame(rows)
    frame["dropout"] = frame["dropout"].map(lambda v: f"{v:g}")
    grid = sns.relplot(
        data=frame,
        x="epoch",
        y=metric,
        hue="activation",
        hue_order=order(ctx, "activation", frame["activation"]),
        style="dropout",
        col="batch_norm",
        col_order=order(ctx, "batch_norm", frame["batch_norm"]),
        kind="line",
        errorbar=None,
        height=3.0,
        aspect=1.2,
    )
    grid.figure.suptitle(f"{ctx.matrix.name}: {metric} of the {deepest}-layer cells (mean over seeds)", y=1.03)
    path = ctx.save_figure(grid.figure, "deep_learning_curves")
    plt.close("all")
    return f"## Learning curves of the deepest networks\n\n![learning curves, {deepest} layers]({path})\n"
