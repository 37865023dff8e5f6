"""What every trainer's record shares: the skeleton, seeding, best epoch, NaN check, weights hash.

A leaf below :mod:`ablations.run.fit_trainer` (``fit``) and :mod:`ablations.run.fused` (the fused trainer),
so both write the same record and the runner can hand a fused trial to the fused trainer
without an import cycle. :mod:`ablations.run.fit_trainer` re-exports these names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import sys
from typing import Any

import numpy as np

from ablations.describe.metrics import higher_is_better
from ablations.describe.trial import TrialConfig
from ablations.describe.version import SCHEMA_VERSION


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def seed_everything(seed: int, backend: str) -> None:
    """Python, NumPy and the backend's RNGs from one seed; TensorFlow ops made deterministic.

    Off TensorFlow, and while nothing has imported it, this is ``keras.utils.set_random_seed``
    without its TensorFlow seed: that call imports TensorFlow (3 s measured on the 2-core
    machine) into every JAX worker only to seed a library the trial never runs.
    """
    import keras

    if backend == "tensorflow" or "tensorflow" in sys.modules:
        keras.utils.set_random_seed(seed)
    else:
        _seed_keras_without_tensorflow(seed, backend)
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        # Each trial builds a new model, so tf.function "retracing" warnings are expected noise.
        tf.get_logger().setLevel("ERROR")


def _seed_keras_without_tensorflow(seed: int, backend: str) -> None:
    """What ``keras.utils.set_random_seed`` (Keras 3.15) does, less ``tf.random.set_seed``."""
    import random

    from keras.src.backend.common import global_state
    from keras.src.random import seed_generator
    from keras.src.utils import rng_utils

    global_state.set_global_attribute(rng_utils.GLOBAL_RANDOM_SEED, seed)
    global_state.set_global_attribute(seed_generator.GLOBAL_SEED_GENERATOR, None)
    random.seed(seed)
    np.random.seed(seed)
    if backend == "torch":
        import torch

        torch.manual_seed(seed)


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
