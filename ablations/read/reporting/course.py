"""Report section ``course_findings``: the course's two claims, tested on this run's records.

Does normalizing the inputs make training faster (two measures, defined on the page) and
better (the test metric), and does cross-entropy beat squared error on one-hot targets
(squared against absolute error for regression)? Cells that differ in one setting ran the same
seeds (same initialization and data order), so each comparison is a paired t-test over seeds
(:func:`ablations.read.stats.compare`), Holm-corrected within each question.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ablations.describe.status import Status
from ablations.read.reporting.context import ReportContext
from ablations.read.stats import Comparison, compare, holm_adjust, wording

SHARE = 0.95  # "reached": within 5 % of the run's own best validation metric
BASELINE_NORMALIZATION = "none"
LOSS_PAIRS = {"classification": ("squared_error", "cross_entropy"), "regression": ("absolute_error", "squared_error")}
# The val metric whose speed is measured, and the test metric that says "better".
TASK_METRICS = {
    "classification": ("val_accuracy", "validation accuracy", "accuracy", "test accuracy", True),
    "regression": ("val_mae", "validation MAE", "mse", "test MSE", False),
}
COURSE_CONTEXT = (
    "the course says normalizing inputs makes gradient descent converge faster and to a better "
    "model, and that cross-entropy suits classification with one-hot targets better than squared error."
)


def epochs_to_share(curve: list[float], *, higher_is_better: bool, share: float = SHARE) -> float:
    """First epoch (1-based) within ``1 - share`` of the run's own best; nan without a finite value.

    Higher-is-better: value >= share x best; lower-is-better: value <= best / share.
    """
    values = np.asarray([v if v is not None else math.nan for v in curve], dtype=float)
    if not np.isfinite(values).any():
        return math.nan
    if higher_is_better:
        best = float(np.nanmax(values))
        hit = values >= share * best
    else:
        best = float(np.nanmin(values))
        hit = values <= best / share
    return float(np.argmax(hit & np.isfinite(values)) + 1)


def early_mean(curve: list[float], epochs: int) -> float:
    """Mean validation metric over the first ``epochs`` epochs (nan if the run has fewer)."""
    values = [math.nan if v is None else float(v) for v in curve[:epochs]]
    return float(np.mean(values)) if len(values) == epochs and epochs > 0 else math.nan


def _task(record: dict[str, Any]) -> str:
    return "classification" if "val_accuracy" in (record.get("history") or {}) else "regression"


def _runs(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for record in records:
        if record.get("status") != Status.OK:
            continue
        s = record["settings"]
        task = _task(record)
        val_key, _, test_key, _, higher = TASK_METRICS[task]
        curve = list((record.get("history") or {}).get(val_key, []))
        rows.append(
            {
                "dataset": s.get("dataset"),
                "normalization": s.get("normalization"),
                "loss": s.get("loss"),
                "seed": record.get("seed"),
                "task": task,
                "curve": curve,
                "higher": higher,
                "test": (record.get("test") or {}).get(test_key, math.nan),
            }
        )
    return rows


def _pair(rows: list[dict[str, Any]], a: dict[str, Any], b: dict[str, Any], value: Any) -> Comparison:
    """``value(row)`` of the runs matching ``b`` against those matching ``a``, paired by seed."""

    def side(match: dict[str, Any]) -> tuple[list[float], list[int]]:
        picked = [r for r in rows if all(r[k] == v for k, v in match.items())]
        return [float(value(r)) for r in picked], [int(r["seed"]) for r in picked]

    (va, sa), (vb, sb) = side(a), side(b)
    return compare(va, vb, seeds_a=sa, seeds_b=sb)


def _question(title: str, items: list[tuple[str, str, str, Comparison, bool]]) -> list[str]:
    """One bullet per comparison, Holm-corrected over the question's comparisons."""
    if not items:
        return []
    tested = holm_adjust([c for *_, c, _ in items])
    m = sum(1 for c in tested if c.p is not None)
    lines = [f"**{title}** (Holm over {m} tests)\n"]
    for (where, a, b, _, higher), c in zip(items, tested, strict=True):
        lines.append(f"- {where}: {wording(a, b, c, higher_is_better=higher)}.")
    return [*lines, ""]


def findings(ctx: ReportContext) -> str:
    """The "What this run shows" section: normalization's speed and quality, and the loss comparison."""
    rows = _runs(ctx.records)
    title = "## What this run shows\n"
    if not rows:
        return title + "\n_No finished trials yet._\n"
    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    speed: list[tuple[str, str, str, Comparison, bool]] = []
    quality: list[tuple[str, str, str, Comparison, bool]] = []
    losses: list[tuple[str, str, str, Comparison, bool]] = []
    windows = []
    for dataset in datasets:
        here = [r for r in rows if r["dataset"] == dataset]
        task = here[0]["task"]
        _, val_name, _, test_name, higher = TASK_METRICS[task]
        n_epochs = min(len(r["curve"]) for r in here)
        windows.append(f"{dataset}: {val_name}, N = {n_epochs}")
        norms = list(dict.fromkeys(r["normalization"] for r in here))
        for loss in dict.fromkeys(r["loss"] for r in here):
            if BASELINE_NORMALIZATION not in norms:
                continue
            base = {"dataset": dataset, "loss": loss, "normalization": BASELINE_NORMALIZATION}
            for norm in norms:
                if norm == BASELINE_NORMALIZATION:
                    continue
                other = {**base, "normalization": norm}
                where = f"{dataset}, {loss}"
                speed.append(
                    (
                        f"{where}, epochs to {SHARE:.0%} of best",
                        f"`{BASELINE_NORMALIZATION}`",
                        f"`{norm}`",
                        _pair(here, base, other, lambda r: epochs_to_share(r["curve"], higher_is_better=r["higher"])),
                        False,
                    )
                )
                speed.append(
                    (
                        f"{where}, mean {val_name} over epochs 1-{n_epochs}",
                        f"`{BASELINE_NORMALIZATION}`",
                        f"`{norm}`",
                        _pair(here, base, other, lambda r, n=n_epochs: early_mean(r["curve"], n)),
                        higher,
                    )
                )
                quality.append(
                    (
                        f"{where}, {test_name}",
                        f"`{BASELINE_NORMALIZATION}`",
                        f"`{norm}`",
                        _pair(here, base, other, lambda r: r["test"]),
                        higher,
                    )
                )
        worse, better = LOSS_PAIRS[task]
        for norm in norms:
            a = {"dataset": dataset, "normalization": norm, "loss": worse}
            b = {**a, "loss": better}
            if any(r["loss"] == worse for r in here) and any(r["loss"] == better for r in here):
                losses.append(
                    (
                        f"{dataset}, normalization {norm}, {test_name}",
                        f"`{worse}`",
                        f"`{better}`",
                        _pair(here, a, b, lambda r: r["test"]),
                        higher,
                    )
                )
    intro = (
        "_Generated from this run's records with `ablations.read.stats`:_ each line compares two cells "
        "that differ in one setting and ran the same seeds, with a paired t-test over seeds "
        "(two-sided, 0.05 level; Welch's test where the seeds that finished differ), "
        "Holm-corrected within each question. Only `ok` trials count.\n\n"
        f"Definitions. *Epochs to {SHARE:.0%} of best*: the first epoch at which a run's validation "
        f"metric is within {1 - SHARE:.0%} of that run's own best (accuracy at least {SHARE:g} x its "
        f"best; MAE at most its best / {SHARE:g}); fewer is faster. *Mean over epochs 1-N*: the "
        "validation metric averaged over the first N epochs, N being the fewest epochs any run of "
        f"the data set trained (early stopping), so every run is measured on the same epochs "
        f"({'; '.join(windows)}).\n"
    )
    parts = [title, intro]
    parts += _question("Does normalization make training faster?", speed)
    parts += _question("Does normalization give a better model?", quality)
    parts += _question("Cross-entropy against squared error (squared against absolute error for regression)", losses)
    if speed or losses:
        parts.append(f"_Context, not computed from this run:_ {COURSE_CONTEXT}\n")
    return "\n".join(parts)
