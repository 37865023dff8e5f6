"""The activations section: per-layer mean and std of the activations, selu vs relu vs relu + BN."""

from __future__ import annotations

import pandas as pd

from ablations.read.reporting.context import ReportContext
from ablations.read.reporting.deep_mlp.common import NO_PROBES, pyplot
from ablations.read.reporting.deep_mlp.frames import frames

ACTIVATION_CASES = (("selu", "none", "selu"), ("relu", "none", "relu"), ("relu", "before", "relu + BN"))


def activation_stats(ctx: ReportContext) -> str:
    """Mean and std of each act_i output for selu vs relu vs relu+BN: self-normalization."""
    probes = frames(ctx)["probes"]
    if probes.empty:
        return "## Activations per layer\n\n" + NO_PROBES
    plt = pyplot()
    import seaborn as sns

    deepest = int(probes["depth"].max())
    acts = probes[
        probes["kind"].isin(["act_mean", "act_std"])
        & probes["layer"].str.match(r"act_\d+$")
        & (probes["depth"] == deepest)
        & (probes["dropout"] == 0)
        & (probes["phase"] != "during")
    ].copy()
    parts = []
    for activation, bn, label in ACTIVATION_CASES:
        chosen = acts[(acts["activation"] == activation) & (acts["batch_norm"] == bn)]
        if chosen.empty and bn == "before":
            chosen = acts[(acts["activation"] == activation) & (acts["batch_norm"] == "after")]
        parts.append(chosen.assign(network=label))
    data = pd.concat(parts)
    if data.empty:
        return "## Activations per layer\n\n_No selu or relu cells at the deepest depth._\n"
    data["hidden layer"] = data["layer"].str.removeprefix("act_").astype(int) + 1
    data["statistic"] = data["kind"].map({"act_mean": "mean", "act_std": "standard deviation"})
    mean = data.groupby(["network", "phase", "statistic", "hidden layer"])["value"].mean().reset_index()
    labels = [c[2] for c in ACTIVATION_CASES if c[2] in set(mean["network"])]
    phases = [p for p in ("initialization", "after training") if p in set(mean["phase"])]
    grid = sns.relplot(
        data=mean,
        x="hidden layer",
        y="value",
        hue="network",
        hue_order=labels,
        col="statistic",
        row="phase",
        row_order=phases,
        kind="line",
        marker="o",
        height=2.8,
        aspect=1.4,
        facet_kws={"sharey": False},
    )
    grid.set_titles(row_template="{row_name}", col_template="{col_name}")
    grid.figure.suptitle(f"{ctx.matrix.name}: activation statistics per layer, {deepest} layers", y=1.02)
    path = ctx.save_figure(grid.figure, "activation_stats")
    plt.close("all")
    init = mean[(mean["phase"] == "initialization") & (mean["statistic"] == "standard deviation")]
    notes = []
    for label in labels:
        series = init[init["network"] == label].sort_values("hidden layer")["value"]
        if len(series):
            notes.append(f"{label} {series.iloc[0]:.3g} → {series.iloc[-1]:.3g}")
    text = (
        f"Standard deviation of the activations at initialization, first → last hidden layer: {'; '.join(notes)}.\n"
        if notes
        else ""
    )
    return (
        "## Activations per layer\n\n"
        "Mean and standard deviation of each hidden layer's activation output (`act_i`) on the probe "
        "batch. SELU is designed to keep them near mean 0 and standard deviation 1 without batch norm "
        "(self-normalization); the numbers say whether it does here.\n\n"
        f"{text}\n![activation statistics]({path})\n"
    )
