"""One compiled "forward + backward on the probe batch" function per Keras backend.

Each backend gets the same contract: ``make_probe_function(model, loss_fn, summarize)`` returns
``f(x, y) -> 1-D tensor`` where ``model`` maps inputs to ``[prediction, *activations]``,
``loss_fn(y, prediction)`` is the training loss and ``summarize(loss, grads, activations,
weights)`` reduces everything to one vector inside the compiled function (one transfer per probe).

The forward pass runs in training mode, because that is the gradient the optimizer gets: batch
norm normalizes with the batch's statistics (in inference mode at initialization its moving
statistics are 0 and 1, so it would do nothing and hide what it does to gradients). It runs
through ``model.stateless_call``, which hands every state update (moving statistics, dropout
seed) back as a value that is dropped: no variable is assigned, the optimizer is never touched,
so probing cannot change what training does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

ProbeFunction = Callable[[Any, Any], Any]
Summarize = Callable[[Any, list[Any], list[Any], list[Any]], Any]


def _tensorflow_step(model: Any, loss_fn: Any, summarize: Summarize, x: Any, y: Any) -> Any:
    import tensorflow as tf

    trainable = [tf.identity(v.value) for v in model.trainable_variables]
    non_trainable = [tf.identity(v.value) for v in model.non_trainable_variables]
    with tf.GradientTape() as tape:
        tape.watch(trainable)
        outputs, _ = model.stateless_call(trainable, non_trainable, x, training=True)
        loss = loss_fn(y, outputs[0])
    grads = tape.gradient(loss, trainable, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return summarize(loss, list(grads), list(outputs[1:]), trainable)


def _tensorflow(model: Any, loss_fn: Any, summarize: Summarize) -> ProbeFunction:
    import tensorflow as tf

    # Traced once per trial: run eagerly, a probe cost 15-53 % of a digits epoch (measured on
    # the 2-core CPU machine); compiled, a few per cent (bench/bench_probe.py).
    # A partial, not a closure: TensorFlow counts traces per code object, and one trace per
    # trial would read as "frequent retracing" after a few trials.
    return tf.function(functools.partial(_tensorflow_step, model, loss_fn, summarize), reduce_retracing=True)


def _jax(model: Any, loss_fn: Any, summarize: Summarize) -> ProbeFunction:
    import jax

    def loss_and_outputs(trainable: list[Any], non_trainable: list[Any], x: Any, y: Any) -> Any:
        outputs, _ = model.stateless_call(trainable, non_trainable, x, training=True)
        return loss_fn(y, outputs[0]), outputs

    @jax.jit
    def probe(trainable: list[Any], non_trainable: list[Any], x: Any, y: Any) -> Any:
        grad_fn = jax.value_and_grad(loss_and_outputs, has_aux=True)
        (loss, outputs), grads = grad_fn(trainable, non_trainable, x, y)
        return summarize(loss, list(grads), list(outputs[1:]), trainable)

    def call(x: Any, y: Any) -> Any:
        # Current values are read at each call; the stateless call returns new state we drop.
        trainable = [v.value for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]
        return probe(trainable, non_trainable, x, y)

    return call


def _torch(model: Any, loss_fn: Any, summarize: Summarize) -> ProbeFunction:
    import torch

    def probe(x: Any, y: Any) -> Any:
        # Detached leaves: autograd.grad returns their gradients without writing ``.grad`` on
        # the model's parameters, which the trainer owns.
        trainable = [v.value.detach().requires_grad_(True) for v in model.trainable_variables]
        non_trainable = [v.value.detach() for v in model.non_trainable_variables]
        # Unseeded Keras dropout draws from torch's global generator: fork it, so the draws
        # the probe makes are undone (measured: without this, probed training diverges).
        with torch.random.fork_rng(), torch.enable_grad():
            outputs, _ = model.stateless_call(trainable, non_trainable, x, training=True)
            loss = loss_fn(y, outputs[0])
            grads = torch.autograd.grad(loss, trainable, allow_unused=True)
        grads = [torch.zeros_like(v) if g is None else g for g, v in zip(grads, trainable, strict=True)]
        with torch.no_grad():
            return summarize(loss.detach(), grads, [o.detach() for o in outputs[1:]], [v.detach() for v in trainable])

    return probe


BACKENDS: dict[str, Callable[[Any, Any, Summarize], ProbeFunction]] = {
    "tensorflow": _tensorflow,
    "jax": _jax,
    "torch": _torch,
}


def make_probe_function(model: Any, loss_fn: Any, summarize: Summarize) -> ProbeFunction:
    """The probe function for the backend Keras runs on (``keras.backend.backend()``)."""
    import keras

    backend = keras.backend.backend()
    if backend not in BACKENDS:
        raise NotImplementedError(
            f"the gradient probe supports the {', '.join(BACKENDS)} backends, not {backend!r}; "
            "set probe_every = 0 for this backend"
        )
    return BACKENDS[backend](model, loss_fn, summarize)
