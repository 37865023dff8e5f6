"""The loss registry: a name maps to the tasks it fits, the Keras loss, metrics and targets.

Each entry is a :class:`LossSpec`; its ``make(task)`` returns the Keras loss, the metrics the
record keeps for that task, and whether targets are one-hot. Settings validation checks a
matrix's ``loss`` against this registry and ``tasks``, so a plugin's
``LOSSES.register("huber", LossSpec(...))`` is usable from a matrix file. Keras is imported
inside ``make`` only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ablations.registry import Registry

# The task's usual loss: what ``loss`` unset means, and listed first where losses are listed.
DEFAULT_LOSS = {"classification": "cross_entropy", "regression": "squared_error"}


@dataclass(frozen=True)
class LossParts:
    """What compile needs from a loss entry for one task."""

    loss: Any
    metrics: list[Any]
    one_hot: bool


@dataclass(frozen=True)
class LossSpec:
    """``tasks``: the tasks the loss fits; ``make(task)``: fresh Keras objects for one trial."""

    tasks: tuple[str, ...]
    make: Callable[[str], LossParts]


def regression_metrics() -> list[Any]:
    import keras

    return [keras.metrics.MeanSquaredError(name="mse"), keras.metrics.MeanAbsoluteError(name="mae")]


def _cross_entropy(task: str) -> LossParts:
    import keras

    return LossParts(
        keras.losses.SparseCategoricalCrossentropy(),
        [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        False,
    )


def _squared_error(task: str) -> LossParts:
    import keras

    if task == "classification":
        # The course's comparison: squared error against one-hot targets.
        return LossParts(keras.losses.MeanSquaredError(), [keras.metrics.CategoricalAccuracy(name="accuracy")], True)
    return LossParts(keras.losses.MeanSquaredError(), regression_metrics(), False)


def _absolute_error(task: str) -> LossParts:
    import keras

    return LossParts(keras.losses.MeanAbsoluteError(), regression_metrics(), False)


LOSSES: Registry[LossSpec] = Registry("loss", {})
LOSSES.register("cross_entropy", LossSpec(("classification",), _cross_entropy))
LOSSES.register("squared_error", LossSpec(("classification", "regression"), _squared_error))
LOSSES.register("absolute_error", LossSpec(("regression",), _absolute_error))


def losses_for(task: str) -> list[str]:
    """The registered losses that fit ``task``: its usual loss first, then by name."""
    fitting = [name for name in LOSSES.names() if task in LOSSES.get(name).tasks]
    return sorted(fitting, key=lambda name: name != DEFAULT_LOSS.get(task))


def loss_parts(task: str, loss: str) -> LossParts:
    """The Keras loss, metrics and one-hot flag of a resolved ``loss`` setting for ``task``."""
    return LOSSES.get(loss).make(task)
