"""The gradient-norm probe: right numbers, and no effect on training."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from ablations.describe.datasets import DATASETS
from ablations.describe.settings import resolve_settings
from ablations.describe.trial import TrialConfig
from ablations.run.lifecycle import train_trial
from ablations.run.probes import GradientProbe, probe_batch
from ablations.run.trial_record import seed_everything

BACKEND = keras.backend.backend()

# Keras' PyTorch trainer accepts only steps_per_execution = 1.
STEPS = 1 if keras.backend.backend() == "torch" else 2


def rows_of(probe: GradientProbe, epoch: int) -> dict[tuple[str, str], float]:
    return {(r["layer"], r["kind"]): r["value"] for r in probe.rows if r["epoch"] == epoch}


def tiny_data(n: int = 24, features: int = 5, classes: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype(np.float32)
    y = rng.integers(0, classes, size=n)
    return x, y


def manual_gradients(x, y, w1, b1, w2, b2):
    """tanh hidden layer, softmax output, mean cross-entropy: backpropagation by hand, float64."""
    x, w1, b1, w2, b2 = (np.asarray(a, dtype=np.float64) for a in (x, w1, b1, w2, b2))
    h = np.tanh(x @ w1 + b1)
    z = h @ w2 + b2
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    onehot = np.eye(w2.shape[1])[y]
    dz = (p - onehot) / len(x)
    dh = dz @ w2.T
    dpre = dh * (1 - h**2)
    return {
        "dense_0": (x.T @ dpre, dpre.sum(axis=0)),
        "output": (h.T @ dz, dz.sum(axis=0)),
        "hidden": h,
    }


def test_probe_matches_backpropagation_by_hand():
    x, y = tiny_data()
    keras.utils.set_random_seed(3)
    inputs = keras.Input(shape=(5,))
    hidden = keras.layers.Dense(4, activation="tanh", name="dense_0", bias_initializer="random_normal")(inputs)
    outputs = keras.layers.Dense(3, activation="softmax", name="output")(hidden)
    model = keras.Model(inputs, outputs)
    probe = GradientProbe(x, y, loss=keras.losses.SparseCategoricalCrossentropy(), every=1)
    probe.set_model(model)
    probe.probe(0)

    w1, b1 = model.get_layer("dense_0").get_weights()
    w2, b2 = model.get_layer("output").get_weights()
    expected = manual_gradients(x, y, w1, b1, w2, b2)
    got = rows_of(probe, 0)
    for layer in ("dense_0", "output"):
        kernel, bias = expected[layer]
        assert got[(layer, "grad_kernel")] == pytest.approx(np.linalg.norm(kernel), rel=1e-4)
        assert got[(layer, "grad_bias")] == pytest.approx(np.linalg.norm(bias), rel=1e-4)
    for layer, weights in (("dense_0", (w1, b1)), ("output", (w2, b2))):  # computed in the compiled function
        for kind, value in zip(("weight_kernel", "weight_bias"), weights, strict=True):
            assert got[(layer, kind)] == pytest.approx(np.linalg.norm(value.astype(np.float64)), rel=1e-6)
    assert got[("dense_0", "act_mean")] == pytest.approx(expected["hidden"].mean(), abs=1e-6)
    assert got[("dense_0", "act_std")] == pytest.approx(expected["hidden"].std(), rel=1e-4)
    assert {r["layer_index"] for r in probe.rows if r["layer"] == "output"} == {2}


def numpy_bn_net_loss(params, x, y):
    """Dense (no bias) -> batch norm on batch statistics -> sigmoid -> softmax, float64."""
    kernel, gamma, beta, w2, b2 = params
    z = x @ kernel
    z = (z - z.mean(axis=0)) / np.sqrt(z.var(axis=0) + 1e-3) * gamma + beta
    h = 1 / (1 + np.exp(-z))
    logits = h @ w2 + b2
    logits = logits - logits.max(axis=1, keepdims=True)
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return -log_p[np.arange(len(y)), y].mean()


def finite_difference_norms(params, x, y, eps=1e-6):
    norms = []
    for i, array in enumerate(params):
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            up = [p.copy() for p in params]
            down = [p.copy() for p in params]
            up[i][index] += eps
            down[i][index] -= eps
            grad[index] = (numpy_bn_net_loss(up, x, y) - numpy_bn_net_loss(down, x, y)) / (2 * eps)
        norms.append(np.linalg.norm(grad))
    return norms


def test_probe_sees_training_mode_batch_norm_gradients():
    """Against central finite differences of a NumPy float64 forward pass with batch statistics."""
    x, y = tiny_data(n=16, features=4, classes=3, seed=2)
    keras.utils.set_random_seed(5)
    inputs = keras.Input(shape=(4,))
    h = keras.layers.Dense(5, use_bias=False, name="dense_0")(inputs)
    h = keras.layers.BatchNormalization(name="bn_0", beta_initializer="random_normal")(h)
    h = keras.layers.Activation("sigmoid", name="act_0")(h)
    outputs = keras.layers.Dense(3, activation="softmax", name="output")(h)
    model = keras.Model(inputs, outputs)
    probe = GradientProbe(x, y, loss=keras.losses.SparseCategoricalCrossentropy(), every=1)
    probe.set_model(model)
    probe.probe(0)

    params = [
        np.asarray(w, dtype=np.float64)
        for w in (
            model.get_layer("dense_0").kernel,
            model.get_layer("bn_0").gamma,
            model.get_layer("bn_0").beta,
            model.get_layer("output").kernel,
            model.get_layer("output").bias,
        )
    ]
    expected = finite_difference_norms(params, x.astype(np.float64), y)
    got = rows_of(probe, 0)
    names = [
        ("dense_0", "grad_kernel"),
        ("bn_0", "grad_gamma"),
        ("bn_0", "grad_beta"),
        ("output", "grad_kernel"),
        ("output", "grad_bias"),
    ]
    for name, value in zip(names, expected, strict=True):
        assert got[name] == pytest.approx(value, rel=1e-3), name
    # The moving statistics were not updated by the training-mode pass.
    assert np.all(np.asarray(model.get_layer("bn_0").moving_mean) == 0)


def test_tiny_gradients_do_not_underflow():
    """A gradient of 1e-25 per entry must come out as ~1e-25 * sqrt(n), not 0."""
    from keras import ops

    from ablations.run.probes.callback import l2_norm

    value = float(ops.convert_to_numpy(l2_norm(ops.full((100,), 1e-25))))
    assert value == pytest.approx(1e-24, rel=1e-3)


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_probe_is_compiled_once_on(backend: str):
    """The backend's compiled path (tf.function / jax.jit): traced at the first probe only.

    Run this file with ``KERAS_BACKEND=jax`` for the JAX case (``nox -s tests`` does); the
    PyTorch probe runs eagerly by design and is exercised by the other tests under torch.
    """
    if backend != BACKEND:
        pytest.skip(f"needs KERAS_BACKEND={backend}; this process runs {BACKEND}")
    from ablations.run.probes.callback import summarize
    from ablations.run.probes.gradients import make_probe_function

    traces = []

    def counting(*args):
        traces.append(1)  # Python runs only while tracing
        return summarize(*args)

    x, y = tiny_data()
    inputs = keras.Input(shape=(5,))
    hidden = keras.layers.Dense(4, activation="tanh", name="dense_0")(inputs)
    outputs = keras.layers.Dense(3, activation="softmax", name="output")(hidden)
    model = keras.Model(inputs, [outputs, hidden])
    function = make_probe_function(model, keras.losses.SparseCategoricalCrossentropy(), counting)
    x, y = keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(y)
    first = keras.ops.convert_to_numpy(function(x, y))
    for _ in range(2):
        assert np.array_equal(keras.ops.convert_to_numpy(function(x, y)), first)
    assert len(traces) == 1


def fit_weights(*, with_probe: bool):
    """A net with batch norm and dropout, fitted with and without the probe; all its state."""
    x, y = tiny_data(n=96, features=6, classes=3, seed=1)
    seed_everything(7, BACKEND)
    inputs = keras.Input(shape=(6,))
    h = keras.layers.Dense(8, name="dense_0", use_bias=False)(inputs)
    h = keras.layers.BatchNormalization(name="bn_0")(h)
    h = keras.layers.Activation("relu", name="act_0")(h)
    h = keras.layers.Dropout(0.3, name="dropout_0")(h)
    outputs = keras.layers.Dense(3, activation="softmax", name="output")(h)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy", steps_per_execution=STEPS
    )
    callbacks = []
    if with_probe:
        rows = probe_batch(len(x), 32, seed=7)
        callbacks.append(GradientProbe(x[rows], y[rows], loss=keras.losses.SparseCategoricalCrossentropy(), every=1))
    model.fit(x, y, batch_size=16, epochs=3, shuffle=True, verbose=0, callbacks=callbacks)
    state = [np.asarray(w) for w in model.get_weights()]
    state += [np.asarray(keras.ops.convert_to_numpy(v)) for v in model.optimizer.variables]
    return state, callbacks


def test_probe_leaves_training_bit_identical():
    without, _ = fit_weights(with_probe=False)
    with_probe, callbacks = fit_weights(with_probe=True)
    assert sorted({r["epoch"] for r in callbacks[0].rows}) == [0, 1, 2, 3]
    assert len(without) == len(with_probe)
    for a, b in zip(without, with_probe, strict=True):
        assert a.tobytes() == b.tobytes()


def test_probe_batch_is_fixed_by_seed():
    assert np.array_equal(probe_batch(100, 10, 3), probe_batch(100, 10, 3))
    assert not np.array_equal(probe_batch(100, 10, 3), probe_batch(100, 10, 4))
    assert len(probe_batch(5, 10, 0)) == 5


def test_runner_records_probe_rows_as_data():
    settings = resolve_settings(
        {
            "dataset": "digits",
            "depth": 3,
            "width": 8,
            "batch_norm": "before",
            "epochs": 3,
            "max_train_samples": 200,
            "probe_every": 2,
            "probe_batch_size": 50,
            "checkpoint": False,
            "backend": keras.backend.backend(),
            "steps_per_execution": STEPS,
        }
    )
    record = train_trial(TrialConfig("t", {}, settings, 0, DATASETS["digits"].version))
    assert record["status"] == "ok", record.get("error")
    rows = record["probes"]
    assert {r["epoch"] for r in rows} == {0, 2, 3}  # init, every 2, and the last epoch
    assert set(rows[0]) == {"epoch", "layer_index", "layer", "kind", "value"}
    kinds = {(r["layer"], r["kind"]) for r in rows}
    assert ("dense_0", "grad_kernel") in kinds and ("dense_0", "grad_bias") not in kinds  # no bias before BN
    assert ("bn_0", "grad_gamma") in kinds and ("act_2", "act_std") in kinds
    assert all(isinstance(r["value"], float) for r in rows)
    assert record["probe_timing"]["n"] == 3


def test_probe_off_by_default():
    settings = resolve_settings(
        {
            "dataset": "digits",
            "depth": 1,
            "width": 4,
            "epochs": 1,
            "max_train_samples": 50,
            "backend": keras.backend.backend(),
            "steps_per_execution": STEPS,
        }
    )
    assert settings["probe_every"] == 0
    record = train_trial(TrialConfig("t", {}, settings, 0, DATASETS["digits"].version))
    assert record["status"] == "ok" and "probes" not in record
