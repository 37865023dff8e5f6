"""The shipped losses' Keras side: what each entry of :data:`~ablations.describe.losses.LOSSES` builds.

Keras is imported inside each ``make`` only, so the matrix parser can read an entry's ``tasks``
without importing Keras.
"""

from __future__ import annotations

from typing import Any

from ablations.describe.losses import LOSSES, LossParts, LossSpec


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


CROSS_ENTROPY = LossSpec(("classification",), _cross_entropy)
SQUARED_ERROR = LossSpec(("classification", "regression"), _squared_error)
ABSOLUTE_ERROR = LossSpec(("regression",), _absolute_error)


def loss_parts(task: str, loss: str) -> LossParts:
    """The Keras loss, metrics and one-hot flag of a resolved ``loss`` setting for ``task``."""
    return LOSSES.get(loss).make(task)
