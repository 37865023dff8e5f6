"""What every trainer's record shares: the skeleton, seeding, best epoch, NaN check, weights hash.

A leaf below :mod:`ablations.runner` (``fit``) and :mod:`ablations.fused` (the fused trainer),
so both write the same record and the runner can hand a fused trial to the fused trainer
without an import cycle. :mod:`ablations.runner` re-exports these names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from typing import Any

import numpy as np

from ablations import SCHEMA_VERSION
from ablations.metrics import higher_is_better
from ablations.trial import TrialConfig


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


def _has_nan(history: dict[str, list[float]], test: dict[str, float]) -> bool:
    values = [v for series in history.values() for v in series] + list(test.values())
    return any(not math.isfinite(v) for v in values)


def weights_sha256(model: Any) -> str:
    """Hash of the final weights' bytes: ``ablations verify`` compares it bit for bit."""
    import keras

    digest = hashlib.sha256()
    for weight in model.weights:
        digest.update(np.ascontiguousarray(keras.ops.convert_to_numpy(weight)).tobytes())
    return digest.hexdigest()
