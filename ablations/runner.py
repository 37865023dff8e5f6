"""One trial: seed, data, model, fit with the course's callbacks, evaluate, record.

:func:`run_trial` returns the result record (a JSON-ready dict). It never raises for a trial's
own failure: an exception becomes status ``failed`` with its traceback, NaN becomes
``diverged``, an exhausted ``time_limit_s`` becomes ``timeout`` (also when the trial is stuck
outside ``fit``: see :mod:`ablations.deadline`), a backend other than this
process's becomes ``skipped``. Only KeyboardInterrupt and SystemExit pass through.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from ablations import SCHEMA_VERSION
from ablations.deadline import DeadlineExceeded, deadline, hard_limit_s
from ablations.trial import TrialConfig


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def seed_everything(seed: int, backend: str) -> None:
    """Python, NumPy and the backend's RNGs from one seed; TensorFlow ops made deterministic."""
    import keras

    keras.utils.set_random_seed(seed)
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        # Each trial builds a new model, so tf.function "retracing" warnings are expected noise.
        tf.get_logger().setLevel("ERROR")


def loss_and_metrics(task: str, loss: str) -> tuple[Any, list[Any], bool]:
    """The Keras loss, the metrics recorded for the task, and whether targets are one-hot."""
    import keras

    if task == "classification":
        if loss == "cross_entropy":
            return (
                keras.losses.SparseCategoricalCrossentropy(),
                [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
                False,
            )
        # The course's comparison: squared error against one-hot targets.
        return keras.losses.MeanSquaredError(), [keras.metrics.CategoricalAccuracy(name="accuracy")], True
    metrics = [keras.metrics.MeanSquaredError(name="mse"), keras.metrics.MeanAbsoluteError(name="mae")]
    if loss == "absolute_error":
        return keras.losses.MeanAbsoluteError(), metrics, False
    return keras.losses.MeanSquaredError(), metrics, False


def make_optimizer(settings: dict[str, Any]):
    import keras

    name, lr = settings["optimizer"], settings["learning_rate"]
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=lr, momentum=settings["momentum"])
    classes = {
        "adam": keras.optimizers.Adam,
        "nadam": keras.optimizers.Nadam,
        "rmsprop": keras.optimizers.RMSprop,
        "adamw": keras.optimizers.AdamW,
    }
    return classes[name](learning_rate=lr)


def effective_steps_per_execution(settings: dict[str, Any], record: dict[str, Any]) -> int:
    """Keras' PyTorch trainer supports only one step per execution; say so instead of failing."""
    steps = settings["steps_per_execution"]
    if settings["backend"] == "torch" and steps != 1:
        record.setdefault("warnings", []).append(
            f"steps_per_execution={steps} is not supported by Keras on torch; ran with 1"
        )
        return 1
    return steps


def _floats(values: Any) -> list[float]:
    return [float(v) for v in values]


def best_epoch(history: dict[str, list[float]], monitor: str) -> int | None:
    """1-based epoch with the best monitored value (what early stopping restores)."""
    values = history.get(monitor)
    if not values:
        return None
    array = np.asarray(values, dtype=float)
    if np.all(np.isnan(array)):
        return None
    pick = np.nanargmax if monitor.endswith("accuracy") else np.nanargmin
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


def _train(config: TrialConfig, record: dict[str, Any], artifacts_dir: Path | None) -> None:
    import keras

    from ablations.calibration import calibration_s
    from ablations.callbacks import EpochTimer, TimeLimit, tensorboard_callbacks
    from ablations.datasets import load_splits
    from ablations.environment import fingerprint
    from ablations.models import MODELS
    from ablations.settings import CoreSettings

    s = config.settings
    t_start = time.perf_counter()
    record["env"] = fingerprint()
    record["calibration_s"] = calibration_s()
    if keras.backend.backend() != config.backend:
        record["status"] = "skipped"
        record["reason"] = (
            f"backend {config.backend} needs its own worker process; this one runs "
            f"{keras.backend.backend()} (use --executor process)"
        )
        return
    if config.settings["device"] == "gpu" and not any("GPU" in d.upper() or "cuda" in d for d in record["env"]["devices"]):
        record["status"] = "skipped"
        record["reason"] = f"no GPU visible to {config.backend} here ({', '.join(record['env']['devices'])})"
        return

    # Data first, seeding second: loading may touch global RNGs (mnist1d reseeds numpy).
    splits = load_splits(
        s["dataset"],
        split_seed=s["split_seed"],
        test_fraction=s["test_fraction"],
        validation_fraction=s["validation_fraction"],
        normalization=s["normalization"],
        max_train_samples=s["max_train_samples"],
    )
    seed_everything(config.seed, config.backend)
    family = MODELS.get(s["model"])
    core = CoreSettings(**{k: v for k, v in s.items() if k in CoreSettings.model_fields})
    params = family.Params(**{k: v for k, v in s.items() if k in family.Params.model_fields})

    loss, metrics, one_hot = loss_and_metrics(core.task, s["loss"])

    def targets(y: np.ndarray) -> Any:
        if one_hot:
            y = keras.utils.to_categorical(y, splits.n_classes)
        elif core.task == "regression":
            y = y.reshape(-1, 1)
        return family.targets(y, params)

    x_train = family.inputs(splits.x_train, params, splits)
    x_val = family.inputs(splits.x_val, params, splits)
    x_test = family.inputs(splits.x_test, params, splits)
    y_train, y_val, y_test = targets(splits.y_train), targets(splits.y_val), targets(splits.y_test)

    model = family.build(core, params, splits)
    family.adapt(model, splits.x_train, params)
    model.compile(
        optimizer=make_optimizer(s),
        steps_per_execution=effective_steps_per_execution(s, record),
        **family.compile_args(params, loss, metrics),
    )

    timer = EpochTimer()
    callbacks: list[Any] = [timer, keras.callbacks.TerminateOnNaN()]
    monitor = s["early_stopping_monitor"]
    if s["early_stopping_patience"] is not None:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=monitor,
                min_delta=s["early_stopping_min_delta"],
                patience=s["early_stopping_patience"],
                restore_best_weights=True,
            )
        )
    if s["checkpoint"] and artifacts_dir is not None:
        checkpoint = artifacts_dir / "checkpoints" / f"{config.trial_id}.weights.h5"
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        callbacks.append(
            keras.callbacks.ModelCheckpoint(
                str(checkpoint), monitor=monitor, save_best_only=True, save_weights_only=True
            )
        )
        record["checkpoint"] = str(checkpoint.relative_to(artifacts_dir))
    if s["tensorboard"] and artifacts_dir is not None:
        log_dir = artifacts_dir / "tensorboard" / config.trial_id
        try:
            callbacks += tensorboard_callbacks(log_dir, {**config.cell, "seed": config.seed}, config.trial_id)
        except ImportError as exc:  # e.g. the JAX backend without TensorFlow: train anyway
            record.setdefault("warnings", []).append(f"ran without TensorBoard: {exc}")
    limit = None
    if s["time_limit_s"] is not None:
        limit = TimeLimit(s["time_limit_s"], t_start)
        callbacks.append(limit)
    callbacks += extra_callbacks(config, model, splits, record)
    callbacks += list(config.meta.get("callbacks", ()))  # per-run callbacks (a search's pruning)

    t_fit = time.perf_counter()
    fit = model.fit(
        x_train,
        y_train,
        validation_data=(x_val, y_val),
        epochs=s["epochs"],
        batch_size=s["batch_size"],
        callbacks=callbacks,
        shuffle=True,
        verbose=0,
    )
    t_eval = time.perf_counter()
    test = model.evaluate(x_test, y_test, batch_size=max(256, s["batch_size"]), verbose=0, return_dict=True)
    t_end = time.perf_counter()

    history = family.record_metrics({key: _floats(values) for key, values in sorted(fit.history.items())}, params)
    test = family.record_metrics({key: float(value) for key, value in sorted(test.items())}, params)
    if core.task == "regression" and "mse" in test:
        test["rmse"] = math.sqrt(test["mse"]) if math.isfinite(test["mse"]) and test["mse"] >= 0 else float("nan")
    durations = timer.durations
    steady = durations[1:]
    record.update(
        history=history,
        epochs_run=len(durations),
        best_epoch=best_epoch(history, monitor),
        test=test,
        param_count=int(model.count_params()),
        weights_sha256=weights_sha256(model),
        n_train=int(len(splits.x_train)),
        n_val=int(len(splits.x_val)),
        n_test=int(len(splits.x_test)),
        timing={
            "setup_s": t_fit - t_start,
            "first_epoch_s": durations[0] if durations else None,
            "steady_epoch_s": float(np.mean(steady)) if steady else None,
            "fit_s": t_eval - t_fit,
            "evaluation_s": t_end - t_eval,
            "total_s": t_end - t_start,
        },
    )
    per_epoch = float(np.mean(steady)) if steady else (durations[0] if durations else None)
    record["samples_per_s"] = len(splits.x_train) / per_epoch if per_epoch else None
    if _has_nan(history, test):
        record["status"], record["reason"] = "diverged", "loss or metric became NaN or infinite"
    elif limit is not None and limit.timed_out:
        record["status"] = "timeout"
        record["reason"] = (
            f"time_limit_s={s['time_limit_s']} reached after {len(durations)} of {s['epochs']} epochs"
        )
    else:
        record["status"] = "ok"


def weights_sha256(model: Any) -> str:
    """Hash of the final weights' bytes: ``ablations verify`` compares it bit for bit."""
    import keras

    digest = hashlib.sha256()
    for weight in model.weights:
        digest.update(np.ascontiguousarray(keras.ops.convert_to_numpy(weight)).tobytes())
    return digest.hexdigest()


def extra_callbacks(config: TrialConfig, model: Any, splits: Any, record: dict[str, Any]) -> list[Any]:
    """Probes that write into ``record`` while training (see ablations.probes)."""
    from ablations.probes import probe_callbacks

    return probe_callbacks(config, model, splits, record)


def run_trial(config: TrialConfig, *, artifacts_dir: Path | None = None) -> dict[str, Any]:
    """Run one trial and return its record; failures are recorded, not raised."""
    record = base_record(config)
    t0 = time.perf_counter()
    try:
        with deadline(hard_limit_s(config.settings.get("time_limit_s"))):
            _train(config, record, artifacts_dir)
    except (KeyboardInterrupt, SystemExit):
        raise
    except DeadlineExceeded as exc:
        record["status"], record["reason"] = "timeout", str(exc)
    except Exception as exc:
        record["status"] = "failed"
        record["reason"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
        record["error"] = {
            "type": type(exc).__name__,
            "message": str(exc),
            "traceback": traceback.format_exc(),
        }
    record["wall_s"] = time.perf_counter() - t0
    record["finished_at"] = utc_now()
    return record
