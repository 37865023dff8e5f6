"""The one place the fused trainer turns settings into data, model and optimizer.

Phase 1 builds them from today's runner helpers; once ``ablations.program`` exists this module
becomes ``from ablations.program import build_program as trial_program`` (same attributes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Program:
    """What training needs, built once per group (data and loss are the same for every slot)."""

    settings: dict[str, Any]
    core: Any
    params: Any
    family: Any
    splits: Any
    loss: Any
    metrics: list[Any]
    one_hot: bool
    x_train: Any
    y_train: Any
    x_val: Any
    y_val: Any
    x_test: Any
    y_test: Any

    def build_model(self) -> Any:
        """The family's model, adapted, uncompiled; seed the RNGs first (the runner's order)."""
        model = self.family.build(self.core, self.params, self.splits)
        self.family.adapt(model, self.splits.x_train, self.params)
        return model

    def make_optimizer(self, settings: dict[str, Any] | None = None) -> Any:
        """The optimizer of ``settings`` (a slot's own: its learning rate), else the group's."""
        from ablations.runner import make_optimizer

        return make_optimizer(settings or self.settings)

    def targets(self, y: np.ndarray) -> Any:
        import keras

        if self.one_hot:
            y = keras.utils.to_categorical(y, self.splits.n_classes)
        elif self.core.task == "regression":
            y = y.reshape(-1, 1)
        return self.family.targets(y, self.params)

    def probe_data(self, seed: int) -> tuple[Any, Any]:
        """The gradient probe's fixed batch for ``seed`` (as ablations.probes picks it)."""
        from ablations.probes import probe_batch

        rows = probe_batch(len(self.splits.x_train), self.settings["probe_batch_size"], seed)
        return (
            self.family.inputs(self.splits.x_train[rows], self.params, self.splits),
            self.targets(self.splits.y_train[rows]),
        )


def trial_program(settings: dict[str, Any]) -> Program:
    """Load the data and resolve loss, metrics and family for ``settings``; seeds nothing."""
    from ablations.datasets import load_splits
    from ablations.models import MODELS
    from ablations.runner import loss_and_metrics
    from ablations.settings import CoreSettings

    s = settings
    splits = load_splits(
        s["dataset"],
        split_seed=s["split_seed"],
        test_fraction=s["test_fraction"],
        validation_fraction=s["validation_fraction"],
        normalization=s["normalization"],
        max_train_samples=s["max_train_samples"],
    )
    family = MODELS.get(s["model"])
    core = CoreSettings(**{k: v for k, v in s.items() if k in CoreSettings.model_fields})
    params = family.Params(**{k: v for k, v in s.items() if k in family.Params.model_fields})
    loss, metrics, one_hot = loss_and_metrics(core.task, s["loss"])
    program = Program(s, core, params, family, splits, loss, metrics, one_hot, *([None] * 6))
    program.x_train = family.inputs(splits.x_train, params, splits)
    program.x_val = family.inputs(splits.x_val, params, splits)
    program.x_test = family.inputs(splits.x_test, params, splits)
    program.y_train = program.targets(splits.y_train)
    program.y_val = program.targets(splits.y_val)
    program.y_test = program.targets(splits.y_test)
    return program
