"""The optimizer registry: a name maps to a factory ``settings -> keras optimizer``.

A plugin adds one with ``OPTIMIZERS.register("lion", lambda s: keras.optimizers.Lion(...))``
and can then name it in a matrix (settings validation asks this registry); wrapping one is
registering a function that calls the old entry. Keras is imported inside the factories, so
importing this module (settings validation does) costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ablations.registry import Registry

OptimizerFactory = Callable[[dict[str, Any]], Any]


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


OPTIMIZERS: Registry[OptimizerFactory] = Registry("optimizer", {})
OPTIMIZERS.register("sgd", sgd)
for _name, _class in {"adam": "Adam", "nadam": "Nadam", "rmsprop": "RMSprop", "adamw": "AdamW"}.items():
    OPTIMIZERS.register(_name, _plain(_class))


def make_optimizer(settings: dict[str, Any]) -> Any:
    """The optimizer a trial's settings name, freshly built."""
    return OPTIMIZERS.get(settings["optimizer"])(settings)
