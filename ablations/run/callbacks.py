"""The callback registry: each entry turns a trial into the Keras callbacks it adds to ``fit``.

An entry is a factory ``(TrialContext) -> list[keras.callbacks.Callback]``, returning ``[]``
when the trial's settings leave it off. The runner asks the built-in entries in
:data:`BUILTIN_ORDER` (the order the course's callbacks always ran in), then any other
entry by name, then the probes (:data:`ablations.run.probes.PROBES`), then a run's own callbacks
(``config.meta["callbacks"]``, e.g. a search's pruning). A plugin adds a callback with
``CALLBACKS.register(name, factory)`` and wraps one by registering a factory that calls
``CALLBACKS.get(name)``. The epoch timer is not an entry: the record's timings need it.

This module does not import Keras (plugins import it when the command starts); the Keras
classes are in :mod:`ablations.run.keras_callbacks`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ablations.describe.registry import Registry

if TYPE_CHECKING:
    from ablations.describe.trial import TrialConfig
    from ablations.run.program import TrialProgram


@dataclass
class TrialContext:
    """What a callback factory may look at; ``record`` is the trial's record, to write into."""

    config: TrialConfig
    program: TrialProgram
    model: Any
    record: dict[str, Any]
    artifacts_dir: Path | None
    started: float  # time.perf_counter() when the trial began: the time limit counts set-up

    @property
    def settings(self) -> dict[str, Any]:
        return self.config.settings


CallbackFactory = Callable[[TrialContext], list[Any]]


def terminate_on_nan(trial: TrialContext) -> list[Any]:
    """Always on: a diverged trial stops at once and is recorded as ``diverged``."""
    import keras

    return [keras.callbacks.TerminateOnNaN()]


def early_stopping(trial: TrialContext) -> list[Any]:
    import keras

    s = trial.settings
    if s["early_stopping_patience"] is None:
        return []
    return [
        keras.callbacks.EarlyStopping(
            monitor=s["early_stopping_monitor"],
            min_delta=s["early_stopping_min_delta"],
            patience=s["early_stopping_patience"],
            restore_best_weights=True,
        )
    ]


def checkpoint(trial: TrialContext) -> list[Any]:
    """Best weights to ``checkpoints/<trial_id>.weights.h5`` (see :mod:`ablations.run.checkpoints`)."""
    import keras

    if not trial.settings["checkpoint"] or trial.artifacts_dir is None:
        return []
    path = trial.artifacts_dir / "checkpoints" / f"{trial.config.trial_id}.weights.h5"
    path.parent.mkdir(parents=True, exist_ok=True)
    trial.record["checkpoint"] = str(path.relative_to(trial.artifacts_dir))
    return [
        keras.callbacks.ModelCheckpoint(
            str(path), monitor=trial.settings["early_stopping_monitor"], save_best_only=True, save_weights_only=True
        )
    ]


def tensorboard(trial: TrialContext) -> list[Any]:
    from ablations.run.keras_callbacks import tensorboard_callbacks

    if not trial.settings["tensorboard"] or trial.artifacts_dir is None:
        return []
    config = trial.config
    try:
        return tensorboard_callbacks(
            trial.artifacts_dir / "tensorboard" / config.trial_id, {**config.cell, "seed": config.seed}, config.trial_id
        )
    except ImportError as exc:  # e.g. the JAX backend without TensorFlow: train anyway
        trial.record.setdefault("warnings", []).append(f"ran without TensorBoard: {exc}")
        return []


def time_limit(trial: TrialContext) -> list[Any]:
    """A :class:`~ablations.run.keras_callbacks.TimeLimit`; the runner reads its ``timed_out``."""
    from ablations.run.keras_callbacks import TimeLimit

    if trial.settings["time_limit_s"] is None:
        return []
    return [TimeLimit(trial.settings["time_limit_s"], trial.started)]


CALLBACKS: Registry[CallbackFactory] = Registry("callback", {})
for _factory in (terminate_on_nan, early_stopping, checkpoint, tensorboard, time_limit):
    CALLBACKS.register(_factory.__name__, _factory)
BUILTIN_ORDER = ("terminate_on_nan", "early_stopping", "checkpoint", "tensorboard", "time_limit")


def trial_callbacks(trial: TrialContext) -> list[Any]:
    """Every registered entry's callbacks: the built-ins in their order, then the others by name."""
    names = [name for name in BUILTIN_ORDER if name in CALLBACKS]
    names += [name for name in CALLBACKS.names() if name not in BUILTIN_ORDER]
    return [callback for name in names for callback in CALLBACKS.get(name)(trial)]
