"""A trial's settings turned into everything training needs, in one place.

:func:`build_program` loads the splits and assembles the model family, its parameters, the
loss and metrics (:data:`ablations.describe.losses.LOSSES`) and the arrays ``fit`` and ``evaluate``
receive; :class:`TrialProgram` builds the model, the optimizer
(:data:`ablations.describe.optimizers.OPTIMIZERS`) and compiles. The runner, the gradient probe, the
scikit-learn search, the benches and the fused trainer all go through it, so they train the
same thing. It never seeds a random generator: seeding is the caller's (the runner loads data
first, then seeds, because loading may touch global RNGs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel

from ablations.describe.datasets import Splits
from ablations.describe.model_family import MODELS, ModelFamily
from ablations.describe.settings import CoreSettings
from ablations.run.datasets.loading import load_splits
from ablations.run.losses import loss_parts
from ablations.run.optimizers import make_optimizer

if TYPE_CHECKING:
    import keras


def probe_batch(n: int, size: int, seed: int) -> np.ndarray:
    """Sorted row indices of the probe batch: fixed by the trial's seed, global RNGs untouched."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=min(size, n), replace=False))


@dataclass
class TrialProgram:
    """One trial's data, model family and loss, ready to build, compile and fit."""

    settings: dict[str, Any]
    core: CoreSettings
    params: BaseModel
    family: ModelFamily
    splits: Splits
    loss: Any
    metrics: list[Any]
    one_hot: bool
    x_train: Any
    y_train: Any
    x_val: Any
    y_val: Any
    x_test: Any
    y_test: Any

    def inputs(self, x: np.ndarray) -> Any:
        """What ``fit`` receives as x for these rows (a dict for multi-input families)."""
        return self.family.inputs(x, self.params, self.splits)

    def targets(self, y: np.ndarray) -> Any:
        """What ``fit`` receives as y: one-hot where the loss wants it, a column for regression."""
        return _targets(self.family, self.params, self.core.task, self.one_hot, self.splits.n_classes, y)

    def build_model(self) -> keras.Model:
        """The family's model with its preprocessing adapted to the training split; uncompiled."""
        model = self.family.build(self.core, self.params, self.splits)
        self.family.adapt(model, self.splits.x_train, self.params)
        return model

    def make_optimizer(self) -> Any:
        return make_optimizer(self.settings)

    def compile(self, model: keras.Model, *, steps_per_execution: int) -> None:
        model.compile(
            optimizer=self.make_optimizer(),
            steps_per_execution=steps_per_execution,
            **self.family.compile_args(self.params, self.loss, self.metrics),
        )

    def probe_data(self, seed: int) -> tuple[Any, Any]:
        """The gradient probe's fixed batch of training rows, as ``fit`` sees them."""
        rows = probe_batch(len(self.splits.x_train), self.settings["probe_batch_size"], seed)
        return self.inputs(self.splits.x_train[rows]), self.targets(self.splits.y_train[rows])


def _targets(
    family: ModelFamily, params: BaseModel, task: str, one_hot: bool, n_classes: int | None, y: np.ndarray
) -> Any:
    import keras

    if one_hot:
        y = keras.utils.to_categorical(y, n_classes)
    elif task == "regression":
        y = y.reshape(-1, 1)
    return family.targets(y, params)


def build_program(settings: dict[str, Any], *, splits: Splits | None = None) -> TrialProgram:
    """The program of resolved ``settings``; ``splits`` reuses data already loaded for them.

    Loads and splits the data (cached per process) but seeds nothing.
    """
    s = settings
    if splits is None:
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
    parts = loss_parts(core.task, s["loss"])

    def inputs(x: np.ndarray) -> Any:
        return family.inputs(x, params, splits)

    def targets(y: np.ndarray) -> Any:
        return _targets(family, params, core.task, parts.one_hot, splits.n_classes, y)

    return TrialProgram(
        settings=s,
        core=core,
        params=params,
        family=family,
        splits=splits,
        loss=parts.loss,
        metrics=parts.metrics,
        one_hot=parts.one_hot,
        x_train=inputs(splits.x_train),
        y_train=targets(splits.y_train),
        x_val=inputs(splits.x_val),
        y_val=targets(splits.y_val),
        x_test=inputs(splits.x_test),
        y_test=targets(splits.y_test),
    )
