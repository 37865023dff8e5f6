"""The gradient-norm probe: per-layer gradient, weight and activation statistics as data.

At initialization (before the first step) and every ``every`` epochs, on one fixed batch of
training data, it records for each layer with trainable weights the L2 norm of the loss
gradient with respect to each weight (``grad_kernel``, ``grad_bias``, ``grad_gamma``...) and of
the weight itself (``weight_kernel``...), and for each layer the mean and standard deviation of
its output (``act_mean``, ``act_std``). The pass runs in training mode without changing any
state (see :mod:`ablations.run.probes.gradients`). Rows are plain dicts: results store numbers,
not pictures.
"""

from __future__ import annotations

import itertools
import math
import time
from typing import Any

import keras
import numpy as np
from keras import ops

from ablations.run.probes.gradients import make_probe_function

# Not watched: the input, and noise layers that only mask or jitter the layer before them.
NOISE_LAYERS = (
    keras.layers.InputLayer,
    keras.layers.Dropout,
    keras.layers.AlphaDropout,
    keras.layers.GaussianDropout,
    keras.layers.GaussianNoise,
)


def l2_norm(x: Any) -> Any:
    """L2 norm scaled by the largest entry, so 1e-20 gradients do not square to zero."""
    return row_l2_norms(ops.reshape(x, (1, -1)))[0]


def row_l2_norms(rows: Any) -> Any:
    """:func:`l2_norm` of each row of a 2-D tensor."""
    top = ops.max(ops.abs(rows), axis=1, keepdims=True)
    safe = ops.where(top > 0, top, ops.ones_like(top))
    return top[:, 0] * ops.sqrt(ops.sum(ops.square(rows / safe), axis=1))


def per_tensor(tensors: list[Any], reduce: Any) -> Any:
    """``reduce`` applied to each tensor's flattened values, in order, as one 1-D tensor.

    Tensors of one shape are stacked and reduced together: the traced graph then grows with the
    number of distinct shapes rather than of layers (measured: summarizing layer by layer took
    about 40 % of the probe's tracing time on a 20-layer network).
    """
    if not tensors:
        return ops.zeros((0,), "float32")
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, tensor in enumerate(tensors):
        groups.setdefault(tuple(tensor.shape), []).append(i)
    parts, order = [], []
    for indices in groups.values():
        stacked = ops.stack([ops.cast(tensors[i], "float32") for i in indices])
        parts.append(reduce(ops.reshape(stacked, (len(indices), -1))))
        order += indices
    inverse = np.argsort(np.asarray(order))
    return ops.take(ops.concatenate(parts), ops.convert_to_tensor(inverse), axis=0)


def summarize(loss: Any, grads: list[Any], activations: list[Any], weights: list[Any]) -> Any:
    """``[loss, |grad| per variable..., mean per activation..., std per activation..., |weight| per variable...]``.

    The weight norms are computed here too, inside the compiled function: read on the host one
    weight at a time they cost more than the forward and backward pass itself (a fused group
    sliced every slot's every weight off the device).
    """
    return ops.concatenate(
        [
            ops.reshape(ops.cast(loss, "float32"), (1,)),
            per_tensor(grads, row_l2_norms),
            per_tensor(activations, lambda rows: ops.mean(rows, axis=1)),
            per_tensor(activations, lambda rows: ops.std(rows, axis=1)),
            per_tensor(weights, row_l2_norms),
        ]
    )


def summary_rows(
    epoch: int,
    vector: np.ndarray,
    weights: list[tuple[int, Any, Any]],
    order: list[int],
    watched: list[tuple[int, Any]],
) -> list[dict[str, Any]]:
    """The probe rows of one :func:`summarize` vector (the fit probe's and each fused slot's).

    ``weights``: ``(layer index, layer, variable)`` per trainable weight; ``order``: each one's
    position among the probe function's variables; ``watched``: ``(layer index, layer)`` per
    watched output.
    """
    bounds = np.cumsum([1, len(order), len(watched), len(watched), len(order)])
    if len(vector) != bounds[-1]:
        raise ValueError(f"a probe summary of {len(vector)} values, expected {bounds[-1]}")
    grads, means, stds, norms = (vector[a:b] for a, b in itertools.pairwise(bounds))
    rows = []
    for (index, layer, weight), position in zip(weights, order, strict=True):
        rows.append(_row(epoch, index, layer, f"grad_{weight.name}", grads[position]))
        rows.append(_row(epoch, index, layer, f"weight_{weight.name}", norms[position]))
    for (index, layer), mean, std in zip(watched, means, stds, strict=True):
        rows.append(_row(epoch, index, layer, "act_mean", mean))
        rows.append(_row(epoch, index, layer, "act_std", std))
    return rows


def _row(epoch: int, index: int, layer: Any, kind: str, value: float) -> dict[str, Any]:
    return {"epoch": epoch, "layer_index": index, "layer": layer.name, "kind": kind, "value": _finite(float(value))}


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


class GradientProbe(keras.callbacks.Callback):
    """Records probe rows into ``rows`` at epoch 0 and every ``every`` epochs.

    The final epoch of a fit is always probed (also when early stopping or a time limit ends
    it), so "after training" exists for every finished trial. ``timings`` holds the seconds of
    each probe; the first includes tracing.
    """

    def __init__(self, x: Any, y: Any, *, loss: Any, every: int, rows: list[dict[str, Any]] | None = None) -> None:
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be >= 1 (got {every}); leave the probe out to disable it")
        self.x = x
        self.y = y
        self.loss = loss
        self.every = every
        self.rows: list[dict[str, Any]] = rows if rows is not None else []
        self.timings: list[float] = []
        self._function: Any = None
        self._last_epoch: int | None = None

    def _build(self) -> None:
        model = self.model
        if len(model.outputs) != 1:
            raise ValueError(f"the gradient probe needs a single-output model; {model.name} has {len(model.outputs)}")
        layers = list(model.layers)
        self._weights = [
            (index, layer, weight) for index, layer in enumerate(layers) for weight in layer.trainable_weights
        ]
        self._watched = [(index, layer) for index, layer in enumerate(layers) if not isinstance(layer, NOISE_LAYERS)]
        # One sub-graph, built once: the prediction first, then every watched layer's output.
        probe_model = keras.Model(
            model.inputs, [model.outputs[0]] + [layer.output for _, layer in self._watched], name="gradient_probe"
        )
        order = {id(v): i for i, v in enumerate(probe_model.trainable_variables)}
        missing = [w.path for _, _, w in self._weights if id(w) not in order]
        if missing:
            raise ValueError(f"probe sub-model lost trainable weights {missing}; is the model functional?")
        self._order = [order[id(w)] for _, _, w in self._weights]
        self._function = make_probe_function(probe_model, self.loss, summarize)
        self._x = ops.convert_to_tensor(self.x)
        self._y = ops.convert_to_tensor(self.y)

    def probe(self, epoch: int) -> None:
        """Record the rows of one probe, labelled with the number of epochs trained."""
        if self._function is None:
            self._build()
        start = time.perf_counter()
        vector = ops.convert_to_numpy(self._function(self._x, self._y)).astype(float)
        rows = summary_rows(epoch, vector, self._weights, self._order, self._watched)
        self.rows.extend(rows)
        self.timings.append(time.perf_counter() - start)
        self._last_epoch = epoch

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.probe(0)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        done = epoch + 1
        if done % self.every == 0 or done == self.params.get("epochs") or self.model.stop_training:
            self.probe(done)


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
