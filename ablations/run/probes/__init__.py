"""Probes: callbacks that measure a model while it trains and write the numbers into the record.

``PROBES`` maps a name to a factory ``(TrialContext) -> list[keras.callbacks.Callback]`` (the
signature of :data:`ablations.run.callbacks.CALLBACKS`' entries); each returns ``[]`` unless the
trial's settings ask for it. The runner attaches what :func:`probe_callbacks` returns. The one
built-in entry, ``gradients``, is off with ``probe_every = 0`` (the default). A plugin adds a
probe with ``PROBES.register(name, factory)`` or wraps one by registering a factory that calls
``PROBES.get(name)``. Importing this package does not import Keras.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ablations.describe.registry import Registry
from ablations.run.program import probe_batch

if TYPE_CHECKING:
    from ablations.run.callbacks import TrialContext

__all__ = ["PROBES", "GradientProbe", "TimedProbe", "gradient_probe", "probe_batch", "probe_callbacks"]

ProbeFactory = Callable[["TrialContext"], list[Any]]


def gradient_probe(trial: TrialContext) -> list[Any]:
    """The gradient-norm probe every ``probe_every`` epochs; rows go to ``record["probes"]``.

    ``record["probe_timing"]`` gets the probe count, the first probe's seconds (tracing
    included) and the mean of the others, to compare with ``timing.steady_epoch_s``.
    """
    from ablations.run.probes.callback import TimedProbe

    every = trial.settings.get("probe_every")
    if not every:
        return []
    x, y = trial.program.probe_data(trial.config.seed)
    record = trial.record
    record["probes"] = []
    return [TimedProbe(x, y, loss=trial.program.loss, every=every, rows=record["probes"], record=record)]


PROBES: Registry[ProbeFactory] = Registry("probe", {})
PROBES.register("gradients", gradient_probe)


def probe_callbacks(trial: TrialContext) -> list[Any]:
    """The callbacks of every registered probe, by name, for one trial."""
    return [callback for name in PROBES.names() for callback in PROBES.get(name)(trial)]


def __getattr__(name: str) -> Any:
    """``GradientProbe`` and ``TimedProbe`` on first use: they import Keras."""
    if name in ("GradientProbe", "TimedProbe"):
        from ablations.run.probes import callback

        return getattr(callback, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
