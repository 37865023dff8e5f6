"""Wide vs deep vs Wide & Deep: test MSE with 95% intervals over seeds, and what they support.

Seeds vary only the training (the split is fixed by ``split_seed``), so the intervals measure
training variance. Differences are tested with Welch's t-test (unequal variances) per pair;
with 5 seeds only large, consistent differences come out significant, and a test
that finds nothing says the smallest effect it could have detected.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ablations.describe.status import Status
from ablations.read.reporting.context import ReportContext
from ablations.read.reporting.tables import fmt, markdown_table
from ablations.read.stats import cell_stats, holm_adjust, wording
from ablations.read.stats import welch as stats_welch

REFERENCES = ("deep", "wide_deep")
ALPHA = 0.05
# Shown only under California housing: the probe's MSEs are of that data set.
PAPER_CONTEXT = (
    "Not like-for-like: the Wide & Deep paper (Cheng et al. 2016, Table 1) "
    "reports offline AUC on Google Play app acquisitions of 0.726 (wide), 0.722 (deep) and "
    "0.728 (wide & deep), a classification task on billions of sparse examples; a quick "
    "probe on this data (scikit-learn's split, random_state 42; run on this project's 2-core CPU "
    "machine, 2026-11) measured test MSE 0.385 "
    "for the course MLP and 0.329 for functional wide & deep. This suite uses its own fixed "
    "split (`split_seed`), so its numbers are close to, not equal to, the probe's."
)


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Student-t interval for the mean; (nan, nan) with fewer than two values."""
    cell = cell_stats(values, level)
    return cell.low, cell.high


def welch(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided p-value of Welch's t-test (:func:`ablations.read.stats.welch`); nan below two seeds."""
    p = stats_welch(b, a).p
    return math.nan if p is None else p


# The score per task: test MSE for a regressor (lower is better), test accuracy for a classifier.
SCORES = {"test_mse": ("test MSE", False), "test_accuracy": ("test accuracy", True)}


def score_column(ok: pd.DataFrame) -> str:
    """``test_accuracy`` where these trials are classifiers, else ``test_mse``."""
    if "test_accuracy" in ok and pd.to_numeric(ok["test_accuracy"], errors="coerce").notna().any():
        return "test_accuracy"
    return "test_mse"


def model_summary(ok: pd.DataFrame, models: list[str], column: str = "test_mse") -> pd.DataFrame:
    rows = []
    for model in models:
        group = ok[ok["model"] == model]
        mse = pd.to_numeric(group.get(column), errors="coerce").dropna().to_numpy(dtype=float)
        low, high = t_interval(mse)
        rows.append(
            {
                "model": model,
                "seeds": len(mse),
                "mse": float(mse.mean()) if len(mse) else math.nan,
                "sd": float(mse.std(ddof=1)) if len(mse) > 1 else math.nan,
                "low": low,
                "high": high,
                "mae": float(pd.to_numeric(group.get("test_mae"), errors="coerce").mean()) if len(group) else math.nan,
                "params": int(group["param_count"].iloc[0]) if len(group) else None,
                "time": float(group["total_s"].mean()) if len(group) else math.nan,
                "epochs": float(group["epochs_run"].mean()) if len(group) else math.nan,
            }
        )
    return pd.DataFrame(rows)


def verdicts(ok: pd.DataFrame, models: list[str], column: str = "test_mse") -> str:
    """One line per reference model, worded by :func:`ablations.read.stats.wording`.

    Welch's test per pair (the models differ in architecture, so a seed's initialization does
    not pair), Holm-corrected over every pair on the page: with 7 models and 2 references that
    is 11 tests, and one of them at p < 0.05 by chance alone is likely.
    """

    label, higher = SCORES[column]

    def mse(model: str) -> np.ndarray:
        return pd.to_numeric(ok[ok["model"] == model][column], errors="coerce").dropna().to_numpy(dtype=float)

    pairs = [(ref, model) for ref in REFERENCES if ref in models for model in models if model != ref]
    tested = holm_adjust([stats_welch(mse(ref), mse(model)) for ref, model in pairs])
    lines = []
    for ref in REFERENCES:
        sentences = [
            wording(f"`{r}`", f"`{model}`", c, higher_is_better=higher)
            for (r, model), c in zip(pairs, tested, strict=True)
            if r == ref
        ]
        if sentences:
            lines.append(f"- Against `{ref}` ({label}; Holm over {len(pairs)} tests): " + "; ".join(sentences) + ".")
    return "\n".join(lines)


def bar_chart(ctx: ReportContext, summary: pd.DataFrame, dataset: str, label: str = "test MSE") -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    y = np.arange(len(summary))
    err = np.vstack([summary["mse"] - summary["low"], summary["high"] - summary["mse"]])
    ax.barh(y, summary["mse"], xerr=np.nan_to_num(err), color="#4c72b0", capsize=4)
    ax.set_yticks(y, summary["model"])
    ax.invert_yaxis()
    ax.set_xlabel(f"{label} (mean, 95% t-interval over seeds)")
    ax.set_title(f"{ctx.matrix.name}: {dataset}")
    return ctx.save_figure(fig, f"wide_deep_mse_{dataset}")


def wide_deep_mse(ctx: ReportContext) -> str:
    """Per data set: the MSE table with intervals, a bar chart and the supported differences."""
    frame = ctx.frame
    parts = ["## Wide vs deep vs wide & deep\n"]
    if "model" not in frame or not ({"test_mse", "test_accuracy"} & set(frame)):
        return parts[0] + "\n_No finished trials yet._\n"
    ok = frame[frame["status"] == Status.OK]
    datasets = list(dict.fromkeys(r["settings"]["dataset"] for r in ctx.records))
    dataset_of = {r["trial_id"]: r["settings"]["dataset"] for r in ctx.records}
    ok = ok.assign(dataset=ok["trial_id"].map(dataset_of))
    findings = [
        "## What this run shows\n",
        "_Generated from this run's test scores with `ablations.read.stats`_ (Welch's t-test over seeds, "
        "Holm-corrected over each data set's pairs).\n",
    ]
    parts.append(
        "The test score over seeds (MSE for a regression, accuracy for a classification): mean, "
        "standard deviation and a 95% Student-t interval for the mean; parameters, mean wall time "
        "per trial (data, build, fit and evaluation) and epochs run before early stopping. "
        f"Differences are judged with Welch's t-test (two-sided, {ALPHA:g} level, Holm-corrected "
        "over each data set's pairs) on the per-seed scores.\n"
    )
    for dataset in datasets:
        models = list(dict.fromkeys(r["settings"]["model"] for r in ctx.records if r["settings"]["dataset"] == dataset))
        here = ok[ok["dataset"] == dataset]
        column = score_column(here)
        label, _ = SCORES[column]
        summary = model_summary(here, models, column)
        table = pd.DataFrame(
            {
                "model": summary["model"],
                "seeds ok": summary["seeds"],
                label: summary["mse"].map(lambda v: fmt(v, 4)),
                "sd": summary["sd"].map(lambda v: fmt(v, 2)),
                "95% interval": [
                    f"[{fmt(lo, 4)}, {fmt(hi, 4)}]" for lo, hi in zip(summary["low"], summary["high"], strict=True)
                ],
                **({"test MAE": summary["mae"].map(lambda v: fmt(v, 4))} if column == "test_mse" else {}),
                "params": summary["params"].map(lambda v: "–" if v is None or pd.isna(v) else f"{int(v):,}"),
                "time/trial (s)": summary["time"].map(lambda v: fmt(v, 3)),
                "epochs": summary["epochs"].map(lambda v: fmt(v, 3)),
            }
        )
        parts.append(f"### {dataset}\n")
        parts.append(markdown_table(table) + "\n")
        if summary["seeds"].sum():
            parts.append(f"![{label} per model]({bar_chart(ctx, summary, dataset, label)})\n")
        findings.append(f"### {dataset}\n")
        findings.append(verdicts(here, models, column) + "\n")
        if dataset == "california_housing":
            findings.append(f"_Context, not computed from this run:_ {PAPER_CONTEXT}\n")
    return "\n".join(findings + parts)
