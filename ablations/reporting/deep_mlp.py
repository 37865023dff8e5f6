"""Report sections of the deep-MLP matrix: vanishing gradients, measured by the probe.

Every number and sentence here is computed from stored records (``record["probes"]``, see
:mod:`ablations.probes`); the same results give the same page. Gradient norms span many
orders of magnitude, so seeds are averaged geometrically (mean of log10) and ratios are
reported in powers of ten. "First" and "last" layer are the first hidden Dense layer and the
output layer: the layers with a kernel, in model order.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ablations.reporting.context import ReportContext
from ablations.reporting.tables import fmt, markdown_table
from ablations.stats import compare, holm_adjust, wording
from ablations.status import Status

SETTING_KEYS = ("depth", "activation", "batch_norm", "dropout")
# Published MNIST-1D test accuracies (Greydanus 2020; the mnist1d README).
MNIST1D_BASELINES = (("logistic regression", 0.32), ("MLP", 0.68), ("CNN", 0.94))
# A first-layer gradient at most this fraction of the last layer's counts as vanished.
VANISHED = 1e-2
NO_PROBES = "_No probe data: set `probe_every` > 0 and run the matrix._\n"

_cache: dict[int, tuple[list[dict[str, Any]], dict[str, pd.DataFrame]]] = {}


# -- tidy frames ------------------------------------------------------------------------------
def _trials(records: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for record in records:
        if record.get("status") != Status.OK:
            continue
        s = record["settings"]
        history = record.get("history") or {}
        rows.append(
            {
                "trial_id": record["trial_id"],
                "cell_id": record["cell_id"],
                "seed": record["seed"],
                **{key: s.get(key) for key in SETTING_KEYS},
                "dataset": s.get("dataset"),
                "accuracy": (record.get("test") or {}).get("accuracy"),
                "epochs_run": record.get("epochs_run"),
                "steps_per_epoch": math.ceil(record.get("n_train", 0) / s.get("batch_size", 1)),
                "val_accuracy": history.get("val_accuracy"),
                "val_loss": history.get("val_loss"),
                "probe_steady_s": (record.get("probe_timing") or {}).get("steady_s"),
                "steady_epoch_s": (record.get("timing") or {}).get("steady_epoch_s"),
            }
        )
    return pd.DataFrame(rows)


def _probes(records: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for record in records:
        if record.get("status") != Status.OK or not record.get("probes"):
            continue
        s = record["settings"]
        labels = {key: s.get(key) for key in SETTING_KEYS}
        last_epoch = max(p["epoch"] for p in record["probes"])
        for p in record["probes"]:
            rows.append(
                {
                    "trial_id": record["trial_id"],
                    "cell_id": record["cell_id"],
                    "seed": record["seed"],
                    **labels,
                    **p,
                    "final": p["epoch"] == last_epoch,
                }
            )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")  # None: not finite
    frame["phase"] = np.where(
        frame["epoch"] == 0, "initialization", np.where(frame["final"], "after training", "during")
    )
    return frame


def _frames(ctx: ReportContext) -> dict[str, pd.DataFrame]:
    """Trials, probe rows, Dense-kernel gradients and first/last ratios; built once per page."""
    cached = _cache.get(id(ctx))
    if cached is not None and cached[0] is ctx.records:
        return cached[1]
    trials, probes = _trials(ctx.records), _probes(ctx.records)
    grads = ratios = pd.DataFrame()
    if not probes.empty:
        grads = probes[probes["kind"] == "grad_kernel"].copy()
        grads["position"] = grads.groupby(["trial_id", "epoch"])["layer_index"].rank(method="dense").astype(int)
        grads["log10"] = np.log10(grads["value"].astype(float).where(grads["value"] > 0))
        ends = grads.groupby(["trial_id", "epoch"])["position"].agg(["min", "max"]).reset_index()
        merged = grads.merge(ends, on=["trial_id", "epoch"])
        first = merged[merged["position"] == merged["min"]].set_index(["trial_id", "epoch"])
        last = merged[merged["position"] == merged["max"]].set_index(["trial_id", "epoch"])
        ratios = first[["cell_id", "seed", *SETTING_KEYS, "phase"]].copy()
        ratios["log10_ratio"] = first["log10"] - last["log10"]
        ratios = ratios.reset_index()
    frames = {"trials": trials, "probes": probes, "grads": grads, "ratios": ratios}
    _cache.clear()
    _cache[id(ctx)] = (ctx.records, frames)
    return frames


def _order(ctx: ReportContext, key: str, values: Any) -> list[Any]:
    """Values in the matrix's axis order when the key is an axis, else sorted."""
    present = list(pd.unique(pd.Series(list(values)).dropna()))
    axis = ctx.matrix.profile(ctx.profile).axes.get(key)
    if axis:
        return [v for v in axis if v in present] + sorted(v for v in present if v not in axis)
    return sorted(present)


def _cell_ratios(ctx: ReportContext) -> pd.DataFrame:
    """Per cell: log10 first/last ratio (mean over seeds) at initialization and after training."""
    ratios = _frames(ctx)["ratios"]
    if ratios.empty:
        return ratios
    picked = ratios[ratios["phase"].isin(["initialization", "after training"])]
    table = picked.pivot_table(index=["cell_id", *SETTING_KEYS], columns="phase", values="log10_ratio", aggfunc="mean")
    return table.reset_index()


def _power(log10: float) -> str:
    if log10 is None or not math.isfinite(log10):
        return "–"
    return f"{10**log10:.1e}"


def _orders(log10: float) -> str:
    return f"{abs(log10):.1f}"


def _label(row: Any, *, depth: bool = True) -> str:
    parts = [f"{row['depth']}-layer {row['activation']}" if depth else str(row["activation"])]
    if row["batch_norm"] != "none":
        parts.append(f"BN {row['batch_norm']}")
    if row["dropout"]:
        parts.append(f"dropout {row['dropout']:g}")
    return ", ".join(parts)


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# -- sections ---------------------------------------------------------------------------------
def findings(ctx: ReportContext) -> str:
    """A generated "what this run shows" paragraph: vanished cells, orders of magnitude."""
    cells = _cell_ratios(ctx)
    trials = _frames(ctx)["trials"]
    if cells.empty or "initialization" not in cells:
        tests = accuracy_tests(trials)
        return "## What this run shows\n\n" + NO_PROBES + (f"\n{tests}" if tests else "")
    deepest = int(cells["depth"].max())
    plain = cells[(cells["dropout"] == 0)]
    lines = []
    vanished = plain[plain["initialization"] <= math.log10(VANISHED)].sort_values(
        ["initialization", "depth", "activation", "batch_norm"]
    )
    if vanished.empty:
        lines.append(f"No cell's first-layer gradient started below {VANISHED:g} of its last layer's.")
    else:
        listed = "; ".join(f"{_label(row)} ({_orders(row['initialization'])})" for _, row in vanished.iterrows())
        lines.append(
            f"At initialization, {len(vanished)} of {len(plain)} cells without dropout had a first-layer "
            f"gradient norm at least {1 / VANISHED:g} times smaller than the output layer's "
            f"(orders of magnitude in brackets): {listed}."
        )
    deep = plain[plain["depth"] == deepest].set_index(["activation", "batch_norm"])
    if ("sigmoid", "none") in deep.index:
        row = deep.loc[("sigmoid", "none")]
        text = (
            f"The {deepest}-layer sigmoid network without batch norm starts with a first/last gradient "
            f"ratio of {_power(row['initialization'])}"
        )
        if "after training" in row and math.isfinite(row["after training"]):
            text += f" and ends training at {_power(row['after training'])}"
        closers = []
        for key, name in (
            (("sigmoid", "before"), "batch norm before the activation"),
            (("sigmoid", "after"), "batch norm after it"),
            (("selu", "none"), "SELU instead of sigmoid"),
        ):
            if key in deep.index:
                other = deep.loc[key]["initialization"]
                change = other - row["initialization"]
                closers.append(
                    f"{name} gives {_power(other)} ({_orders(change)} orders of magnitude "
                    f"{'higher' if change > 0 else 'lower'})"
                )
        lines.append(text + (": " + "; ".join(closers) if closers else "") + ".")
    if not trials.empty and trials["accuracy"].notna().any():
        acc = trials[(trials["depth"] == deepest) & (trials["dropout"] == 0)]
        acc = acc.groupby(["activation", "batch_norm"])["accuracy"].mean().sort_values(kind="stable")
        if len(acc):
            (worst_a, worst_b), (best_a, best_b) = acc.index[0], acc.index[-1]
            lines.append(
                f"After {int(trials['epochs_run'].max())} epochs the {deepest}-layer cells reach test accuracy "
                f"from {acc.iloc[0]:.1%} ({worst_a}, batch norm {worst_b}) to {acc.iloc[-1]:.1%} "
                f"({best_a}, batch norm {best_b}), mean over seeds."
            )
    tests = accuracy_tests(trials)
    return (
        "## What this run shows\n\n_Generated from the measured numbers below._ "
        + " ".join(lines)
        + "\n"
        + (f"\n{tests}" if tests else "")
    )


# (a, b): dropout 0 unless named; the pairs the chapter asks about, at the deepest depth.
ACCURACY_PAIRS = (
    (("sigmoid", "none", 0.0), ("sigmoid", "before", 0.0), "batch norm before the activation"),
    (("sigmoid", "none", 0.0), ("sigmoid", "after", 0.0), "batch norm after the activation"),
    (("relu", "none", 0.0), ("selu", "none", 0.0), "SELU instead of ReLU"),
    (("relu", "none", 0.0), ("relu", "none", 0.2), "dropout 0.2 on the last two layers (ReLU)"),
    (("selu", "none", 0.0), ("selu", "none", 0.2), "alpha dropout 0.2 on the last two layers (SELU)"),
)


def accuracy_tests(trials: pd.DataFrame) -> str:
    """Test accuracy of the chapter's pairs at the deepest depth, with :mod:`ablations.stats`.

    Cells differing in one setting ran the same seeds (same initialization draw and data order),
    so each pair is a paired t-test over seeds (Welch's where the finished seeds differ),
    Holm-corrected over the pairs present on the page.
    """
    if trials.empty or trials["accuracy"].isna().all():
        return ""
    deepest = int(trials["depth"].max())
    deep = trials[trials["depth"] == deepest]

    def side(key: tuple[str, str, float]) -> tuple[list[float], list[int]]:
        activation, batch_norm, dropout = key
        rows = deep[
            (deep["activation"] == activation)
            & (deep["batch_norm"] == batch_norm)
            & (deep["dropout"].astype(float) == dropout)
        ].dropna(subset=["accuracy"])
        return rows["accuracy"].astype(float).tolist(), rows["seed"].astype(int).tolist()

    present = []
    for a, b, name in ACCURACY_PAIRS:
        (va, sa), (vb, sb) = side(a), side(b)
        if va and vb:
            present.append((a, b, name, compare(va, vb, seeds_a=sa, seeds_b=sb)))
    if not present:
        return ""
    tested = holm_adjust([c for *_, c in present])

    def label(key: tuple[str, str, float]) -> str:
        activation, batch_norm, dropout = key
        parts = (
            [activation]
            + ([f"BN {batch_norm}"] if batch_norm != "none" else [])
            + ([f"dropout {dropout:g}"] if dropout else [])
        )
        return "`" + ", ".join(parts) + "`"

    lines = [
        f"Test accuracy at depth {deepest}, tested (paired t-test over seeds, two-sided, 0.05 level, "
        f"Holm over {len(present)} pairs):\n"
    ]
    for (a, b, name, _), c in zip(present, tested, strict=True):
        lines.append(f"- {name}: {wording(label(a), label(b), c, higher_is_better=True)}.")
    return "\n".join(lines) + "\n"


def gradient_norms(ctx: ReportContext) -> str:
    """Gradient norm per Dense layer (log scale) of the deepest cells, init vs after training."""
    grads = _frames(ctx)["grads"]
    if grads.empty:
        return "## Gradient norm per layer\n\n" + NO_PROBES
    plt = _plt()
    import seaborn as sns

    deepest = int(grads["depth"].max())
    data = grads[(grads["depth"] == deepest) & (grads["dropout"] == 0) & (grads["phase"] != "during")]
    mean = data.groupby(["activation", "batch_norm", "phase", "position"])["log10"].mean().reset_index()
    mean["gradient norm"] = 10 ** mean["log10"]
    mean = mean.rename(columns={"position": "Dense layer (1 = first, last = output)"})
    bn_order = _order(ctx, "batch_norm", mean["batch_norm"])
    grid = sns.relplot(
        data=mean,
        x="Dense layer (1 = first, last = output)",
        y="gradient norm",
        hue="activation",
        hue_order=_order(ctx, "activation", mean["activation"]),
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
        f"{_overhead(_frames(ctx)['trials'])}\n\n"
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
    cells = _cell_ratios(ctx)
    if cells.empty:
        return "## First / last layer gradient ratio\n\n" + NO_PROBES
    trials = _frames(ctx)["trials"]
    acc = trials.groupby("cell_id")["accuracy"].agg(["mean", "std", "count"]) if not trials.empty else None
    rows = []
    for _, row in cells.iterrows():
        out = {key: row[key] for key in SETTING_KEYS}
        out["ratio at init"] = _power(row.get("initialization"))
        out["ratio after training"] = _power(row.get("after training"))
        if acc is not None and row["cell_id"] in acc.index:
            a = acc.loc[row["cell_id"]]
            out["test accuracy"] = fmt(a["mean"]) + (f" ± {fmt(a['std'], 2)}" if a["count"] > 1 else "")
        rows.append(out)
    table = pd.DataFrame(rows)
    keys = list(SETTING_KEYS)
    orders = {key: _order(ctx, key, table[key]) for key in keys}
    table = table.sort_values(keys, key=lambda col: col.map({v: i for i, v in enumerate(orders[col.name])}))
    return (
        "## First / last layer gradient ratio\n\n"
        "|dL/dW| of the first hidden layer divided by that of the output layer (geometric mean over "
        f"seeds). Below {VANISHED:g}, a plain SGD step moves the first layer's weights at least "
        f"{1 / VANISHED:g} times less than the output layer's.\n\n" + markdown_table(table) + "\n"
    )


def accuracy_heatmaps(ctx: ReportContext) -> str:
    """Test accuracy, depth x activation, one heatmap per batch-norm setting (no dropout)."""
    trials = _frames(ctx)["trials"]
    if trials.empty or trials["accuracy"].isna().all():
        return "## Test accuracy by depth and activation\n\n_No finished trials yet._\n"
    plt = _plt()
    import seaborn as sns

    data = trials[trials["dropout"] == 0]
    bn_order = _order(ctx, "batch_norm", data["batch_norm"])
    depths = _order(ctx, "depth", data["depth"])
    activations = _order(ctx, "activation", data["activation"])
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
    trials = _frames(ctx)["trials"]
    if trials.empty:
        return "## Learning curves of the deepest networks\n\n_No finished trials yet._\n"
    plt = _plt()
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
        hue_order=_order(ctx, "activation", frame["activation"]),
        style="dropout",
        col="batch_norm",
        col_order=_order(ctx, "batch_norm", frame["batch_norm"]),
        kind="line",
        errorbar=None,
        height=3.0,
        aspect=1.2,
    )
    grid.figure.suptitle(f"{ctx.matrix.name}: {metric} of the {deepest}-layer cells (mean over seeds)", y=1.03)
    path = ctx.save_figure(grid.figure, "deep_learning_curves")
    plt.close("all")
    return f"## Learning curves of the deepest networks\n\n![learning curves, {deepest} layers]({path})\n"


ACTIVATION_CASES = (("selu", "none", "selu"), ("relu", "none", "relu"), ("relu", "before", "relu + BN"))


def activation_stats(ctx: ReportContext) -> str:
    """Mean and std of each act_i output for selu vs relu vs relu+BN: self-normalization."""
    probes = _frames(ctx)["probes"]
    if probes.empty:
        return "## Activations per layer\n\n" + NO_PROBES
    plt = _plt()
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


def mnist1d_baselines(ctx: ReportContext) -> str:
    """The suite's shallow MLP beside the published MNIST-1D baselines."""
    trials = _frames(ctx)["trials"]
    rows = [
        {"model": name, "test accuracy": f"{acc:.0%}", "source": "Greydanus 2020, mnist1d README"}
        for name, acc in MNIST1D_BASELINES
    ]
    note = ""
    shallow = trials
    if not trials.empty:
        shallow = trials[
            (trials["dataset"] == "mnist1d")
            & (trials["activation"] == "relu")
            & (trials["batch_norm"] == "none")
            & (trials["dropout"] == 0)
        ]
    if not shallow.empty:
        depth = int(shallow["depth"].min())
        shallow = shallow[shallow["depth"] == depth]
        acc = shallow["accuracy"]
        spread = f" ± {acc.std(ddof=1):.1%}" if len(acc) > 1 else ""
        epochs = int(shallow["epochs_run"].max())
        steps = epochs * int(shallow["steps_per_epoch"].max())
        rows.append(
            {
                "model": f"this suite: MLP, {depth} hidden ReLU layers, SGD, {epochs} epochs ({steps} steps)",
                "test accuracy": f"{acc.mean():.1%}{spread}",
                "source": f"this run, {len(acc)} seeds",
            }
        )
    else:
        note = "_This profile has no shallow ReLU MLP on mnist1d to put beside them._\n\n"
    return (
        "## MNIST-1D baselines\n\n"
        "Published test accuracies on MNIST-1D beside this suite's shallowest ReLU MLP. The suite "
        "trains for the matrix's short budget, so its number is a floor, not a replication.\n\n"
        + note
        + markdown_table(pd.DataFrame(rows))
        + "\n"
    )
