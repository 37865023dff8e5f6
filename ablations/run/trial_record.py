"""What every trainer's record shares: the skeleton, seeding, best epoch, NaN check, weights hash.

A leaf below :mod:`ablations.run.fit_trainer` (``fit``) and :mod:`ablations.run.fused` (the fused trainer),
so both write the same record and the runner can hand a fused trial to the fused trainer
without an import cycle. :mod:`ablations.run.fit_trainer` re-exports these names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from typing import Any

import numpy as np

from ablations.describe.metrics import higher_is_better
from ablations.describe.trial import TrialConfig
from ablations.describe.version import SCHEMA_VERSION


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def seed_everything(seed: int, backend: str) -> None:
    """Python, NumPy and the backend's RNGs from one seed; TensorFlow ops made deterministic."""
    import keras

    keras.utils.set_random_seed(seed)
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        # Each trial builds a new model, so tf.function "retracing" warnings are expected noise.
        tf.get_logger().setLevel("ERROR")


def best_epoch(history: dict[str, list[float]], monitor: str) -> int | None:
    """1-based epoch with the best monitored value (what early stopping restores)."""
    values = history.get(monitor)
    if not values:
        return None
    array = np.asarray(values, dtype=float)
    if np.all(np.isnan(array)):
        return None
    pick = np.nanargmax if higher_is_better(monitor) else np.nanargmin
    return int(pick(array)) + 1


def base_record(config: TrialConfig) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        **config.to_dict(),
        "status": None,
        "reason": None,
        "error": None,
        "started_at": utc_now(),
    }


def add_rmse(task: str, test: dict[str, float]) -> dict[str, float]:
    """Regression test metrics gain ``rmse`` (NaN where ``mse`` is not a finite non-negative number)."""
    if task == "regression" and "mse" in test:
        mse = test["mse"]
        test["rmse"] = math.sqrt(mse) if math.isfinite(mse) and mse >= 0 else float("nan")
    return test


def timing_split(
    durations: list[float], *, t_start: float, t_fit: float, t_eval: float, t_end: float
) -> dict[str, float | None]:
    """The record's ``timing``: set-up, first epoch (compiling included), steady epochs, evaluation."""
    steady = durations[1:]
    return {
        "setup_s": t_fit - t_start,
        "first_epoch_s": durations[0] if durations else None,
        "steady_epoch_s": float(np.mean(steady)) if steady else None,
        "fit_s": t_eval - t_fit,
        "evaluation_s": t_end - t_eval,
        "total_s": t_end - t_start,
    }


def has_nan(history: dict[str, list[float]], test: dict[str, float]) -> bool:
    values = [v for series in history.values() for v in series] + list(test.values())
    return any(not math.isfinite(v) for v in values)


def weights_sha256(model: Any) -> str:
    """Hash of the final weights' bytes: ``ablations verify`` compares it bit for bit."""
    import keras

    digest = hashlib.sha256()
    for weight in model.weights:
        digest.update(np.ascontiguousarray(keras.ops.convert_to_numpy(weight)).tobytes())
    return digest.hexdigest()
