"""The shipped optimizers: the factories :data:`~ablations.describe.optimizers.OPTIMIZERS` names.

Keras is imported inside the factories, so importing this module costs nothing.
"""

from __future__ import annotations

from typing import Any

from ablations.describe.optimizers import OPTIMIZERS, OptimizerFactory


def sgd(settings: dict[str, Any]) -> Any:
    import keras

    return keras.optimizers.SGD(learning_rate=settings["learning_rate"], momentum=settings["momentum"])


def _plain(class_name: str) -> OptimizerFactory:
    """A factory for a Keras optimizer that takes only the learning rate from the settings."""

    def factory(settings: dict[str, Any]) -> Any:
        import keras

        return getattr(keras.optimizers, class_name)(learning_rate=settings["learning_rate"])

    factory.__name__ = class_name.lower()
    return factory


adam = _plain("Adam")
nadam = _plain("Nadam")
rmsprop = _plain("RMSprop")
adamw = _plain("AdamW")


def make_optimizer(settings: dict[str, Any]) -> Any:
    """The optimizer a trial's settings name, freshly built."""
    return OPTIMIZERS.get(settings["optimizer"])(settings)
