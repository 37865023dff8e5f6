"""One number per finished trial or search, as a claim's ``measure`` names it.

Each measure is ``(record, window) -> float``; ``window`` is the fewest epochs any compared run
trained (early stopping ends runs at different epochs, so curves are compared on the epochs
they all have). :data:`HIGHER_IS_BETTER` gives each measure's direction, None where it follows
the task (validation accuracy up, validation MAE down).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ablations.describe.status import Status
from ablations.read.claims.records import finished, outcome

# How many epochs "the first epochs" are, for the early gain of a learning curve.
EARLY_EPOCHS = 5

HIGHER_IS_BETTER: dict[str, bool | None] = {
    "test_accuracy": True,
    "test_mse": False,
    "test_score": None,
    "early_validation": None,
    "early_gain": None,
    "epochs_run": False,
    "gradient_ratio_at_init": True,
    "train_validation_gap": False,
    "search_best": False,
    "search_wall_s": False,
    "diverged": False,
}

LABELS = {
    "test_accuracy": "test accuracy",
    "test_mse": "test MSE",
    "test_score": "test {score}",
    "early_validation": "mean validation {metric} over the first {window} epochs",
    "early_gain": "validation {metric} gained from epoch 1 to {early}",
    "epochs_run": "epochs trained",
    "gradient_ratio_at_init": "log10 first/last layer gradient norm at initialization",
    "train_validation_gap": "training - validation accuracy at the last epoch",
    "search_best": "best validation loss found",
    "search_wall_s": "time of the search's trials (s)",
    "diverged": "share of runs that diverged",
}


def validation_key(record: dict[str, Any]) -> str:
    """The validation curve of the task: accuracy for a classifier, MAE for a regressor."""
    history = record.get("history") or {}
    return "val_accuracy" if "val_accuracy" in history else "val_mae"


def task_higher_is_better(record: dict[str, Any]) -> bool:
    return validation_key(record) == "val_accuracy"


def _curve(record: dict[str, Any]) -> np.ndarray:
    values = (record.get("history") or {}).get(validation_key(record)) or []
    return np.asarray([math.nan if v is None else float(v) for v in values], dtype=float)


def _test(record: dict[str, Any], key: str) -> float:
    value = (record.get("test") or {}).get(key)
    return math.nan if value is None else float(value)


def test_accuracy(record: dict[str, Any], window: int) -> float:
    return _test(record, "accuracy")


def test_mse(record: dict[str, Any], window: int) -> float:
    return _test(record, "mse")


def test_score(record: dict[str, Any], window: int) -> float:
    """Test accuracy for a classifier, test MSE for a regressor (the direction follows the task)."""
    return _test(record, "accuracy" if task_higher_is_better(record) else "mse")


def early_validation(record: dict[str, Any], window: int) -> float:
    curve = _curve(record)[:window]
    return float(curve.mean()) if window > 0 and len(curve) == window else math.nan


def early_gain(record: dict[str, Any], window: int) -> float:
    curve = _curve(record)
    last = min(EARLY_EPOCHS, window)
    return float(curve[last - 1] - curve[0]) if last >= 2 and len(curve) >= last else math.nan


def epochs_run(record: dict[str, Any], window: int) -> float:
    value = record.get("epochs_run")
    return math.nan if value is None else float(value)


def gradient_ratio_at_init(record: dict[str, Any], window: int) -> float:
    """log10 of the first Dense kernel's gradient norm over the last one's, at epoch 0."""
    kernels = sorted(
        (p["layer_index"], p["value"])
        for p in record.get("probes") or []
        if p.get("kind") == "grad_kernel" and p.get("epoch") == 0
    )
    if len(kernels) < 2 or not kernels[0][1] or not kernels[-1][1]:
        return math.nan
    return math.log10(float(kernels[0][1])) - math.log10(float(kernels[-1][1]))


def train_validation_gap(record: dict[str, Any], window: int) -> float:
    history = record.get("history") or {}
    train, val = history.get("accuracy") or [], history.get("val_accuracy") or []
    if not train or not val or train[-1] is None or val[-1] is None:
        return math.nan
    return float(train[-1]) - float(val[-1])


def search_best(record: dict[str, Any], window: int) -> float:
    best = (record.get("search") or {}).get("best") or {}
    value = best.get("validation")
    return math.nan if value is None else float(value)


def search_wall_s(record: dict[str, Any], window: int) -> float:
    """The summed duration of the search's counted trials, sampling and training included."""
    value = ((record.get("search") or {}).get("time") or {}).get("elapsed_s")
    return math.nan if value is None else float(value)


def diverged(record: dict[str, Any], window: int) -> float:
    """1 for a run that diverged (its loss or a metric became NaN or infinite), 0 for one that finished;
    NaN for any other outcome (failed, timed out, missing), which says nothing of divergence."""
    status = outcome(record)
    if status == Status.DIVERGED:
        return 1.0
    return 0.0 if finished(record) else math.nan


def measure_label(name: str, record: dict[str, Any] | None = None, window: int | None = None) -> str:
    """The measure's name for a table: its metric and window where known, else in general terms."""
    metric = validation_key(record).removeprefix("val_").replace("mae", "MAE") if record else "metric"
    score = ("accuracy" if task_higher_is_better(record) else "MSE") if record else "accuracy or MSE"
    return LABELS[name].format(
        metric=metric,
        score=score,
        window=window if window is not None else "N",
        early=min(window, EARLY_EPOCHS) if window is not None else EARLY_EPOCHS,
    )
