"""The ``fit`` trainer: one trial with Keras ``model.fit`` and the course's callbacks.

What is trained comes from :func:`ablations.run.program.build_program`; this module seeds,
compiles, fits with the registered callbacks and probes, evaluates, and fills the record that
:mod:`ablations.run.lifecycle` opened (NaN becomes ``diverged``, a backend other than this
process's ``skipped``); the lifecycle records failures and timeouts.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ablations.describe.status import Status
from ablations.describe.trial import TrialConfig
from ablations.run.lifecycle import Trainer
from ablations.run.trial_record import add_rmse, best_epoch, has_nan, seed_everything, timing_split, weights_sha256


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


def _train(config: TrialConfig, record: dict[str, Any], artifacts_dir: Path | None) -> None:
    import keras

    from ablations.run.calibration import calibration_s
    from ablations.run.callbacks import TrialContext, trial_callbacks
    from ablations.run.environment import fingerprint
    from ablations.run.keras_callbacks import EpochTimer, TimeLimit
    from ablations.run.probes import probe_callbacks
    from ablations.run.program import build_program

    s = config.settings
    t_start = time.perf_counter()
    record["env"] = fingerprint()
    record["calibration_s"] = calibration_s()
    if keras.backend.backend() != config.backend:
        record["status"] = Status.SKIPPED
        record["reason"] = (
            f"backend {config.backend} needs its own worker process; this one runs "
            f"{keras.backend.backend()} (the executors start one; train_trial alone cannot)"
        )
        return
    if config.settings["device"] == "gpu" and not any(
        "GPU" in d.upper() or "cuda" in d for d in record["env"]["devices"]
    ):
        record["status"] = Status.SKIPPED
        record["reason"] = f"no GPU visible to {config.backend} here ({', '.join(record['env']['devices'])})"
        return

    # Data first, seeding second: loading may touch global RNGs (mnist1d reseeds numpy).
    program = build_program(s)
    seed_everything(config.seed, config.backend)
    splits = program.splits
    model = program.build_model()
    program.compile(model, steps_per_execution=effective_steps_per_execution(s, record))

    timer = EpochTimer()
    trial = TrialContext(config, program, model, record, artifacts_dir, t_start)
    callbacks: list[Any] = [timer, *trial_callbacks(trial), *probe_callbacks(trial)]
    limit = next((callback for callback in callbacks if isinstance(callback, TimeLimit)), None)
    callbacks += list(config.meta.get("callbacks", ()))  # per-run callbacks (a search's pruning)

    t_fit = time.perf_counter()
    fit = model.fit(
        program.x_train,
        program.y_train,
        validation_data=(program.x_val, program.y_val),
        epochs=s["epochs"],
        batch_size=s["batch_size"],
        callbacks=callbacks,
        shuffle=True,
        verbose=0,
    )
    t_eval = time.perf_counter()
    test = model.evaluate(
        program.x_test, program.y_test, batch_size=max(256, s["batch_size"]), verbose=0, return_dict=True
    )
    t_end = time.perf_counter()

    family, params = program.family, program.params
    history = family.record_metrics({key: _floats(values) for key, values in sorted(fit.history.items())}, params)
    test = family.record_metrics({key: float(value) for key, value in sorted(test.items())}, params)
    add_rmse(program.core.task, test)
    durations = timer.durations
    steady = durations[1:]
    record.update(
        history=history,
        epochs_run=len(durations),
        best_epoch=best_epoch(history, s["early_stopping_monitor"]),
        test=test,
        param_count=int(model.count_params()),
        weights_sha256=weights_sha256(model),
        n_train=len(splits.x_train),
        n_val=len(splits.x_val),
        n_test=len(splits.x_test),
        timing=timing_split(durations, t_start=t_start, t_fit=t_fit, t_eval=t_eval, t_end=t_end),
    )
    per_epoch = float(np.mean(steady)) if steady else (durations[0] if durations else None)
    record["samples_per_s"] = len(splits.x_train) / per_epoch if per_epoch else None
    if has_nan(history, test):
        record["status"], record["reason"] = Status.DIVERGED, "loss or metric became NaN or infinite"
    elif limit is not None and limit.timed_out:
        record["status"] = Status.TIMEOUT
        record["reason"] = f"time_limit_s={s['time_limit_s']} reached after {len(durations)} of {s['epochs']} epochs"
    else:
        record["status"] = Status.OK


class FitTrainer(Trainer):
    """Keras ``fit``, one trial per call (the lifecycle hands it one config at a time)."""

    name = "fit"

    def train(self, configs: Sequence[TrialConfig], records: list[dict[str, Any]], artifacts_dir: Path | None) -> None:
        (config,), (record,) = configs, records
        _train(config, record, artifacts_dir)


FIT = FitTrainer()
