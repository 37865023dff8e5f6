"""Faults for ``nox -s gate``, injected through the suite's extension points (a plugin).

Loaded with ``ABLATIONS_PLUGINS=ablations_gate_faults``; it wraps the ``mlp`` entry of
``MODELS`` with a family that behaves exactly like it unless ``ABLATIONS_GATE_FAULT`` names a
fault when a model is built. The package is not edited: this is what a bug in a model or a
training setting would look like from the outside.
"""

from __future__ import annotations

import os
from typing import Any

from ablations.describe.model_family import MODELS

FAULT_ENV = "ABLATIONS_GATE_FAULT"
# Twenty-four: three passes slowed the step 1.7-3.1x depending on the load, too close to the 90 %
# time tolerance; six measured 3.75x on a quiet machine but +104 % / +188 % in a clean clone, where
# 3 seeds' noise left the log-scale paired test short of significance; twelve measured 3.9-4.0x
# (bench/baselines/NOISE.md). The slowdown grows slower than the passes; 24 keep it far from noise.
EXTRA_PASSES = 24
FAULTS = {
    "lr_10x": "learning rate 10x too high",
    "output_activation": "output activation linear instead of softmax",
    "no_batch_norm": "batch norm silently dropped",
    "dropout_at_eval": "dropout left on at evaluation",
    "slow_many_x": "training several times slower (24 redundant forward passes in the step)",
    "fail_cell": "one cell's trials fail (activation=sigmoid)",
}

_base = MODELS.get("mlp")


def _fault() -> str:
    fault = os.environ.get(FAULT_ENV, "")
    if fault and fault not in FAULTS:
        raise ValueError(f"{FAULT_ENV}={fault!r}; known: {', '.join(FAULTS)}")
    return fault


class FaultyMLP(type(_base)):  # type: ignore[misc]
    """The shipped MLP family, with one fault switched on by the environment."""

    def build(self, core: Any, params: Any, splits: Any):
        import keras

        fault = _fault()
        if fault == "fail_cell" and params.activation == "sigmoid":
            raise RuntimeError("injected fault: this cell's model cannot be built")
        if fault == "no_batch_norm":
            params = params.model_copy(update={"batch_norm": "none"})
        model = super().build(core, params, splits)
        if fault == "output_activation":
            model.layers[-1].activation = keras.activations.get("linear")
        if fault == "dropout_at_eval":
            for layer in model.layers:
                if isinstance(layer, keras.layers.Dropout):
                    _always_training(layer)
        if fault == "slow_many_x":
            model = _redundant_passes(keras, model, EXTRA_PASSES)
        if fault == "lr_10x":
            _scale_learning_rate(model, 10.0)
        return model


def _redundant_passes(keras: Any, model: Any, extra: int) -> Any:
    """``model`` plus ``extra`` redundant passes of itself whose output is multiplied by 0.

    The extra passes run in inference mode: batch norm's moving statistics are updated once
    per step, as before, and dropout draws no extra masks; ``0 * pass`` keeps each pass (and
    its backward pass, a product with zeros) in the computation. Each pass's input is scaled
    by a different factor so that the graph optimizer cannot merge it with another (measured:
    with the same input the sigmoid cell ran no slower). Same function, more work.
    """
    inputs = keras.Input(shape=model.input_shape[1:], name="features")
    out = model(inputs)
    for k in range(extra):
        nudged = keras.layers.Lambda(lambda t, f=1.0 + 1e-6 * (k + 1): t * f)(inputs)
        again = model(nudged, training=False)
        out = keras.layers.Add()([out, keras.layers.Lambda(lambda t: 0.0 * t)(again)])
    return keras.Model(inputs, out)


def _always_training(layer: Any) -> None:
    call = layer.call

    def call_training(inputs: Any, training: Any = None) -> Any:
        return call(inputs, training=True)

    object.__setattr__(layer, "call", call_training)


def _scale_learning_rate(model: Any, factor: float) -> None:
    """The optimizer the runner passes to ``compile`` gets ``factor`` times its learning rate."""
    compile_ = model.compile

    def compile_scaled(*args: Any, optimizer: Any = None, **kwargs: Any) -> Any:
        optimizer.learning_rate = float(optimizer.learning_rate) * factor
        return compile_(*args, optimizer=optimizer, **kwargs)

    object.__setattr__(model, "compile", compile_scaled)


MODELS.register("mlp", FaultyMLP())
