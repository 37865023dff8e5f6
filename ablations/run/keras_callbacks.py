"""The Keras callback classes of a trial: epoch timing, a wall-clock budget, TensorBoard HParams.

Which of them a trial gets is decided by the entries of :data:`ablations.run.callbacks.CALLBACKS`;
this module imports Keras, that one does not (plugins import it at start-up).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import keras


class EpochTimer(keras.callbacks.Callback):
    """Wall time of each epoch; the first one includes tracing and compilation."""

    def __init__(self) -> None:
        super().__init__()
        self.durations: list[float] = []
        self.train_begin = 0.0
        self._epoch_begin = 0.0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.durations = []
        self.train_begin = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch_begin = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.durations.append(time.perf_counter() - self._epoch_begin)


class TimeLimit(keras.callbacks.Callback):
    """Stops training once ``seconds`` have passed since ``start``; ``timed_out`` says so."""

    def __init__(self, seconds: float, start: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.start = start
        self.timed_out = False

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.timed_out = False

    def _check(self) -> None:
        if time.perf_counter() - self.start > self.seconds:
            self.timed_out = True
            self.model.stop_training = True

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._check()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._check()


def tensorboard_callbacks(log_dir: Path, hparams: dict[str, Any], trial_id: str) -> list[keras.callbacks.Callback]:
    """Keras' TensorBoard callback plus this trial's hyperparameters for the HParams dashboard.

    Both need TensorFlow (also on the JAX and PyTorch backends) and the ``tensorboard``
    package; without them this raises ImportError with the fix, which the runner records.
    """
    try:
        import tensorflow as tf
        from tensorboard.plugins.hparams import api as hp
    except ImportError as exc:
        raise ImportError(
            "tensorboard = true needs TensorFlow and the tensorboard package "
            "(pip install tensorflow tensorboard), also on the JAX and PyTorch backends"
        ) from exc
    log_dir.mkdir(parents=True, exist_ok=True)
    scalar = {k: v for k, v in hparams.items() if isinstance(v, (bool, int, float, str))}
    with tf.summary.create_file_writer(str(log_dir)).as_default():
        hp.hparams(scalar, trial_id=trial_id)
    return [keras.callbacks.TensorBoard(log_dir=str(log_dir))]
