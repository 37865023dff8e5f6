"""Probes: callbacks that measure a model while it trains and write the numbers into the record.

:func:`probe_callbacks` is what :func:`ablations.runner.extra_callbacks` attaches. With
``probe_every = 0`` (the default) it attaches nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ablations.probes.callback import GradientProbe

__all__ = ["GradientProbe", "probe_batch", "probe_callbacks"]


def probe_batch(n: int, size: int, seed: int) -> np.ndarray:
    """Sorted row indices of the probe batch: fixed by the trial's seed, global RNGs untouched."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=min(size, n), replace=False))


def probe_callbacks(config: Any, model: Any, splits: Any, record: dict[str, Any]) -> list[Any]:
    """The probes a trial's settings ask for; rows go to ``record["probes"]``.

    ``record["probe_timing"]`` gets the probe count, the first probe's seconds (tracing
    included) and the mean of the others, to compare with ``timing.steady_epoch_s``.
    """
    s = config.settings
    if not s.get("probe_every"):
        return []
    import keras

    from ablations.models import MODELS
    from ablations.runner import loss_and_metrics
    from ablations.settings import CoreSettings

    family = MODELS.get(s["model"])
    params = family.Params(**{k: v for k, v in s.items() if k in family.Params.model_fields})
    task = CoreSettings(**{k: v for k, v in s.items() if k in CoreSettings.model_fields}).task
    loss, _, one_hot = loss_and_metrics(task, s["loss"])
    rows = probe_batch(len(splits.x_train), s["probe_batch_size"], config.seed)
    y = splits.y_train[rows]
    # The targets the fit sees, built the way the runner builds them.
    if one_hot:
        y = keras.utils.to_categorical(y, splits.n_classes)
    elif task == "regression":
        y = y.reshape(-1, 1)
    x = family.inputs(splits.x_train[rows], params, splits)
    y = family.targets(y, params)
    record["probes"] = []
    probe = TimedProbe(x, y, loss=loss, every=s["probe_every"], rows=record["probes"], record=record)
    return [probe]


class TimedProbe(GradientProbe):
    """A GradientProbe that also writes its timings into the record when training ends."""

    def __init__(self, *args: Any, record: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.record = record

    def on_train_end(self, logs: dict | None = None) -> None:
        t = self.timings
        self.record["probe_timing"] = {
            "n": len(t),
            "first_s": t[0] if t else None,
            "steady_s": float(np.mean(t[1:])) if len(t) > 1 else None,
        }
