"""The Keras side of pruning: report each epoch to the Optuna trial, stop when it says so."""

from __future__ import annotations

import keras
import optuna

from ablations.run.search.session import should_prune


class PruningCallback(keras.callbacks.Callback):
    """Optuna's per-epoch report; ``pruned_at`` is the 1-based epoch training stopped after."""

    def __init__(self, trial: optuna.Trial, monitor: str) -> None:
        super().__init__()
        self.trial = trial
        self.monitor = monitor
        self.pruned_at: int | None = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        value = (logs or {}).get(self.monitor)
        if value is not None and should_prune(self.trial, epoch, float(value)):
            self.pruned_at = epoch + 1
            self.model.stop_training = True
