"""Report section ``search_strategies``: best-so-far curves, final best, time, a verdict.

Everything is computed from the stored search records (each report row carries one under
``"search"``), so the page is the same bytes for the same results. The verdict tests the claim
of Bergstra & Bengio (2012), that random search beats grid search on an equal budget, with a
paired t-test over seeds (:mod:`ablations.read.stats`) of the best validation score each search
found: both strategies ran the same seeds. (Mann-Whitney U cannot reach p < 0.05 with 3 seeds
a side.) The ``tpe_pruned`` saving is reported from trials this run trained, or not claimed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ablations.read.reporting.context import ReportContext
from ablations.read.reporting.tables import fmt, markdown_table
from ablations.read.stats import Comparison, compare, holm_adjust, wording

PRUNED, UNPRUNED = "tpe_pruned", "tpe"
BERGSTRA_CONTEXT = (
    "_Context, not computed from this run:_ Bergstra & Bengio (2012) found random search usually "
    "beats grid search at equal budget when few of the searched settings matter.\n"
)


def searches_frame(ctx: ReportContext) -> pd.DataFrame:
    rows = []
    for record in ctx.records:
        search = record.get("search")
        if not search or search.get("status") != "complete":
            continue
        best = search.get("best") or {}
        test = best.get("test") or {}
        counted = [t for t in search["trials"] if t["counted"]]
        rows.append(
            {
                "dataset": search["cell"].get("dataset", "-"),
                "strategy": search["strategy"],
                "seed": search["seed"],
                "curve": search["best_so_far"],
                "validation": best.get("validation"),
                "test_loss": test.get("loss"),
                "time_s": search["time"]["train_s"] + search["time"]["sample_s"],
                "sample_ms": (
                    1000 * search["time"]["sample_s"] / max(1, len(counted))
                    if search.get("value_kind", "validation") == "validation"
                    else None
                ),
                "pruned": sum(1 for t in counted if t["state"] == "pruned"),
                "pruned_here": sum(1 for t in counted if t["state"] == "pruned" and not t["cached"]),
                "trained": sum(1 for t in counted if not t["cached"]),
                "spent_s": sum(t["train_s"] for t in counted if not t["cached"]),
                "failed": sum(1 for t in counted if t["state"] == "fail"),
                "cached": search["time"]["cached_trials"],
                "value_kind": search.get("value_kind", "validation"),
                "direction": search["direction"],
                "metric": search["metric"],
            }
        )
    return pd.DataFrame(rows)


def _median_iqr(values: pd.Series) -> str:
    values = pd.to_numeric(values, errors="coerce").dropna()
    if values.empty:
        return "–"
    q1, q2, q3 = np.percentile(values, [25, 50, 75])
    return f"{fmt(q2)} [{fmt(q1)}, {fmt(q3)}]"


def _order(ctx: ReportContext, frame: pd.DataFrame) -> list[str]:
    axis = ctx.matrix.profile(ctx.profile).axes.get("strategy", [])
    return [s for s in axis if s in set(frame["strategy"])]


def _curves_figure(ctx: ReportContext, frame: pd.DataFrame, strategies: list[str]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    datasets = sorted(frame["dataset"].unique())
    fig, axes = plt.subplots(1, len(datasets), figsize=(6.4 * len(datasets), 4.2), squeeze=False)
    palette = dict(zip(strategies, sns.color_palette("tab10", len(strategies)), strict=False))
    for ax, dataset in zip(axes[0], datasets, strict=False):
        for strategy in strategies:
            group = frame[(frame["dataset"] == dataset) & (frame["strategy"] == strategy)]
            if group.empty:
                continue
            length = max(len(c) for c in group["curve"])
            matrix = np.array(
                [[np.nan if v is None else v for v in c] + [np.nan] * (length - len(c)) for c in group["curve"]]
            )
            steps = np.arange(1, length + 1)
            with np.errstate(all="ignore"):
                q1, q2, q3 = (np.nanpercentile(matrix, q, axis=0) for q in (25, 50, 75))
            dashed = "--" if group["value_kind"].iloc[0] != "validation" else "-"
            ax.plot(steps, q2, dashed, color=palette[strategy], label=strategy, marker="o", markersize=3)
            ax.fill_between(steps, q1, q3, color=palette[strategy], alpha=0.15)
        ax.set(title=dataset, xlabel="trials", ylabel=f"best {frame['metric'].iloc[0]} so far", yscale="log")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle(f"{ctx.matrix.name}: best so far, median and inter-quartile band over seeds", y=1.02)
    return ctx.save_figure(fig, "search_best_so_far")


def random_vs_grid_verdicts(frame: pd.DataFrame, datasets: list[str]) -> list[str]:
    """Random against grid per data set: a paired t-test over seeds (the strategies share them),
    worded by :func:`ablations.read.stats.wording`, Holm-corrected over the data sets."""
    pairs: list[tuple[str, Comparison, bool, str]] = []
    lines: dict[str, str] = {}
    for dataset in datasets:
        data = frame[frame["dataset"] == dataset]
        grid = data[data["strategy"] == "grid"].set_index("seed")["validation"].dropna()
        rand = data[data["strategy"] == "random"].set_index("seed")["validation"].dropna()
        if len(grid) < 2 or len(rand) < 2:
            lines[dataset] = (
                f"- **{dataset}**: no verdict on random against grid (needs both, with 2 or more finished seeds each)."
            )
            continue
        minimize = data["direction"].iloc[0] == "minimize"
        c = compare(
            grid.to_numpy(dtype=float),
            rand.to_numpy(dtype=float),
            seeds_a=[int(s) for s in grid.index],
            seeds_b=[int(s) for s in rand.index],
        )
        pairs.append((dataset, c, not minimize, str(data["metric"].iloc[0])))
    tested = holm_adjust([c for _, c, _, _ in pairs])
    for (dataset, _, higher, metric), c in zip(pairs, tested, strict=True):
        holm_note = f"; Holm over {len(pairs)} data sets" if len(pairs) > 1 else ""
        lines[dataset] = (
            f"- **{dataset}** (best validation `{metric}` per search{holm_note}): "
            f"{wording('grid', 'random', c, higher_is_better=higher)}."
        )
    return [lines[d] for d in datasets]


def pruning_saving(frame: pd.DataFrame, datasets: list[str]) -> list[str]:
    """What pruning saved, from trials this run actually trained: pruned counts and seconds spent.

    A reused trial (read back from the store, trained by another strategy) is charged the time it
    took then, cut at the epoch a replayed pruner would have stopped it: an extrapolation, not a
    measurement. So the saving is claimed only where neither search reused a trial.
    """
    lines = []
    for dataset in datasets:
        data = frame[frame["dataset"] == dataset]
        pruned = data[data["strategy"] == PRUNED].set_index("seed")
        plain = data[data["strategy"] == UNPRUNED].set_index("seed")
        if pruned.empty:
            continue
        seeds = sorted(set(pruned.index) & set(plain.index))
        trained = int(pruned["trained"].sum())
        head = (
            f"- **{dataset}**: `{PRUNED}` trained {trained} trials itself in {len(pruned)} searches and "
            f"stopped {int(pruned['pruned_here'].sum())} of them early"
        )
        reused = int(pruned["cached"].sum() + (plain.loc[seeds, "cached"].sum() if seeds else 0))
        if len(seeds) < 2:
            lines.append(head + f"; no time comparison (needs `{UNPRUNED}` on 2 or more of the same seeds).")
        elif reused:
            lines.append(
                head + f"; {reused} trials of the two strategies were reused from the store, so the time "
                "saved is not claimed (a reused trial's time is the stored run's, not this search's)."
            )
        else:
            c = compare(
                plain.loc[seeds, "spent_s"].to_numpy(dtype=float),
                pruned.loc[seeds, "spent_s"].to_numpy(dtype=float),
                seeds_a=seeds,
                seeds_b=seeds,
            )
            lines.append(
                head
                + f". Training time actually spent per search: median {fmt(pruned.loc[seeds, 'spent_s'].median())} s "
                f"against {fmt(plain.loc[seeds, 'spent_s'].median())} s for `{UNPRUNED}`; "
                f"{wording(f'`{UNPRUNED}`', f'`{PRUNED}`', c, higher_is_better=False, unit=' s')}."
            )
    return lines


def search_strategies(ctx: ReportContext) -> str:
    frame = searches_frame(ctx)
    title = "## Search strategies at equal budget\n"
    if frame.empty:
        return title + "\n_No finished searches yet._\n"
    strategies = _order(ctx, frame)
    budget = max(len(c) for c in frame["curve"])
    datasets = sorted(frame["dataset"].unique())
    saving = pruning_saving(frame, datasets)
    verdict = [
        "## What this run shows\n",
        "_Generated from this run's searches with `ablations.read.stats`._ Random against grid search at "
        "equal budget: the best validation score each search found, a paired t-test over seeds "
        "(both strategies ran the same seeds; two-sided, 0.05 level).\n",
        "### Verdict: random against grid search\n",
        "\n".join(random_vs_grid_verdicts(frame, datasets)) + "\n",
        *(
            [
                "Pruning, measured on the trials this run trained (reused trials are not counted):\n",
                "\n".join(saving) + "\n",
            ]
            if saving
            else []
        ),
        *([BERGSTRA_CONTEXT] if {"grid", "random"} <= set(frame["strategy"]) else []),
    ]
    parts = [
        *verdict,
        title,
        f"Each strategy searched the same space for {budget} trials per search, with the same seeds; a "
        "trial is a normal stored trial. *best validation* is the best epoch's "
        f"`{frame['metric'].iloc[0]}` of the configuration each search chose, *test loss* that "
        "configuration's test loss: median [inter-quartile range] over seeds.\n",
        f"![best so far]({_curves_figure(ctx, frame, strategies)})\n",
    ]
    if (frame["value_kind"] != "validation").any():
        kinds = sorted(set(frame.loc[frame["value_kind"] != "validation", "strategy"]))
        parts.append(
            f"Dashed ({', '.join(kinds)}): best-so-far values are "
            f"{frame.loc[frame['value_kind'] != 'validation', 'value_kind'].iloc[0]}, "
            "not the validation split; its chosen configuration was then trained once as a normal "
            "trial, whose validation and test scores the table shows.\n"
        )
    rows = []
    for (dataset, strategy), group in frame.groupby(["dataset", "strategy"], sort=False):
        rows.append(
            {
                "dataset": dataset,
                "strategy": strategy,
                "searches": str(len(group)),
                "best validation": _median_iqr(group["validation"]),
                "test loss": _median_iqr(group["test_loss"]),
                "time per search (s)": _median_iqr(group["time_s"]),
                "sampling ms/trial": _median_iqr(group["sample_ms"]),
                "pruned": str(int(group["pruned"].sum())),
                "failed": str(int(group["failed"].sum())),
                "reused": str(int(group["cached"].sum())),
            }
        )
    table = pd.DataFrame(rows)
    table["_order"] = table["strategy"].map({s: i for i, s in enumerate(strategies)})
    table = table.sort_values(["dataset", "_order"]).drop(columns="_order")
    parts += [
        "### Final best per strategy, and time\n",
        "*time per search* is the compute charged to the search: training of every trial (a trial "
        "reused from the store, because another strategy had trained the same point with the same "
        "seed, is charged the time it took then; *reused* counts them) plus the sampler's time. "
        "sklearn_random's includes its cross-validation fits and the run of its chosen configuration.\n",
        markdown_table(table) + "\n",
    ]
    return "\n".join(parts)
