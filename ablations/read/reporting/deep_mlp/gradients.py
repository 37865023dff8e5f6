"""The gradient sections: |dL/dW| per Dense layer, and the first / last layer ratio per cell."""

from __future__ import annotations

import pandas as pd

from ablations.read.reporting.context import ReportContext
from ablations.read.reporting.deep_mlp.common import NO_PROBES, VANISHED, order, power, pyplot
from ablations.read.reporting.deep_mlp.frames import SETTING_KEYS, cell_ratios, frames
from ablations.read.reporting.tables import fmt, markdown_table


def gradient_norms(ctx: ReportContext) -> str:
    """Gradient norm per Dense layer (log scale) of the deepest cells, init vs after training."""
    grads = frames(ctx)["grads"]
    if grads.empty:
        return "## Gradient norm per layer\n\n" + NO_PROBES
    plt = pyplot()
    import seaborn as sns

    deepest = int(grads["depth"].max())
    data = grads[(grads["depth"] == deepest) & (grads["dropout"] == 0) & (grads["phase"] != "during")]
    mean = data.groupby(["activation", "batch_norm", "phase", "position"])["log10"].mean().reset_index()
    mean["gradient norm"] = 10 ** mean["log10"]
    mean = mean.rename(columns={"position": "Dense layer (1 = first, last = output)"})
    bn_order = order(ctx, "batch_norm", mean["batch_norm"])
    grid = sns.relplot(
        data=mean,
        x="Dense layer (1 = first, last = output)",
        y="gradient norm",
        hue="activation",
        hue_order=order(ctx, "activation", mean["activation"]),
        col="batch_norm",
        col_order=bn_order,
        row="phase",
        row_order=[p for p in ("initialization", "after training") if p in set(mean["phase"])],
        kind="line",
        marker="o",
        height=3.0,
        aspect=1.25,
        facet_kws={"sharey": True},
    )
    grid.set(yscale="log")
    grid.set_titles(row_template="{row_name}", col_template="batch norm: {col_name}")
    grid.figure.suptitle(
        f"{ctx.matrix.name}: |dL/dW| per layer, {deepest} hidden layers (geometric mean over seeds)", y=1.02
    )
    path = ctx.save_figure(grid.figure, "gradient_norms")
    plt.close("all")
    return (
        "## Gradient norm per layer\n\n"
        f"L2 norm of the loss gradient with respect to each Dense kernel of the {deepest}-layer cells "
        "(no dropout), on the fixed probe batch in training mode, at initialization and after the "
        "last epoch. A line falling to the left is a vanishing gradient. "
        f"{_overhead(frames(ctx)['trials'])}\n\n"
        f"![gradient norm per layer]({path})\n"
    )


def _overhead(trials: pd.DataFrame) -> str:
    """The probe's measured cost in this run, from the records' timings."""
    if trials.empty:
        return ""
    timed = trials.dropna(subset=["probe_steady_s", "steady_epoch_s"])
    if timed.empty:
        return ""
    ratio = (timed["probe_steady_s"] / timed["steady_epoch_s"]).median()
    return f"A probe took a median {ratio:.1%} of a steady epoch's wall time in this run ({len(timed)} trials)."


def gradient_ratios(ctx: ReportContext) -> str:
    """The first-layer / last-layer gradient-norm ratio per cell, with its test accuracy."""
    cells = cell_ratios(ctx)
    if cells.empty:
        return "## First / last layer gradient ratio\n\n" + NO_PROBES
    trials = frames(ctx)["trials"]
    acc = trials.groupby("cell_id")["accuracy"].agg(["mean", "std", "count"]) if not trials.empty else None
    rows = []
    for _, row in cells.iterrows():
        out = {key: row[key] for key in SETTING_KEYS}
        out["ratio at init"] = power(row.get("initialization"))
        out["ratio after training"] = power(row.get("after training"))
        if acc is not None and row["cell_id"] in acc.index:
            a = acc.loc[row["cell_id"]]
            out["test accuracy"] = fmt(a["mean"]) + (f" ± {fmt(a['std'], 2)}" if a["count"] > 1 else "")
        rows.append(out)
    table = pd.DataFrame(rows)
    keys = list(SETTING_KEYS)
    orders = {key: order(ctx, key, table[key]) for key in keys}
    table = table.sort_values(keys, key=lambda col: col.map({v: i for i, v in enumerate(orders[col.name])}))
    return (
        "## First / last layer gradient ratio\n\n"
        "|dL/dW| of the first hidden layer divided by that of the output layer (geometric mean over "
        f"seeds). Below {VANISHED:g}, a plain SGD step moves the first layer's weights at least "
        f"{1 / VANISHED:g} times less than the output layer's.\n\n" + markdown_table(table) + "\n"
    )
