"""The loss registry: a name maps to the tasks it fits, the Keras loss, metrics and targets.

Each entry is a :class:`LossSpec` (its Keras side lives in :mod:`ablations.run.losses` and is
imported on first use); its ``make(task)`` returns the Keras loss, the metrics the record keeps
for that task, and whether targets are one-hot. Settings validation checks a matrix's ``loss``
against this registry and ``tasks``, so a plugin's ``LOSSES.register("huber", LossSpec(...))``
is usable from a matrix file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ablations.describe.registry import Registry

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


LOSSES: Registry[LossSpec] = Registry(
    "loss",
    {
        "cross_entropy": "ablations.run.losses:CROSS_ENTROPY",
        "squared_error": "ablations.run.losses:SQUARED_ERROR",
        "absolute_error": "ablations.run.losses:ABSOLUTE_ERROR",
    },
)


def losses_for(task: str) -> list[str]:
    """The registered losses that fit ``task``: its usual loss first, then by name."""
    fitting = [name for name in LOSSES.names() if task in LOSSES.get(name).tasks]
    return sorted(fitting, key=lambda name: name != DEFAULT_LOSS.get(task))
