"""The optimizer registry: a name maps to a factory ``settings -> keras optimizer``.

A plugin adds one with ``OPTIMIZERS.register("lion", lambda s: keras.optimizers.Lion(...))``
and can then name it in a matrix (settings validation asks this registry); wrapping one is
registering a function that calls the old entry. The shipped factories live in
:mod:`ablations.run.optimizers` and are imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ablations.describe.registry import Registry

OptimizerFactory = Callable[[dict[str, Any]], Any]

OPTIMIZERS: Registry[OptimizerFactory] = Registry(
    "optimizer",
    {name: f"ablations.run.optimizers:{name}" for name in ("adam", "adamw", "nadam", "rmsprop", "sgd")},
)
