"""A plugin can add or wrap a data set, probe, optimizer, loss or callback through ``register``.

Each test registers what a plugin module would (see ``ablations_test_plugin.py``), checks that
settings validation and a trial use it, and restores the registry afterwards.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from ablations.describe.datasets import DATASETS, Dataset, DatasetSpec
from ablations.describe.losses import LOSSES, LossParts, LossSpec
from ablations.describe.optimizers import OPTIMIZERS
from ablations.describe.settings import SettingsError, resolve_settings
from ablations.describe.spec import load_matrix
from ablations.describe.trial import TrialConfig
from ablations.run.callbacks import BUILTIN_ORDER, CALLBACKS
from ablations.run.lifecycle import train_trial
from ablations.run.losses import regression_metrics
from ablations.run.probes import PROBES

TINY = {
    "depth": 1,
    "width": 4,
    "epochs": 2,
    "checkpoint": False,
    "steps_per_execution": 1,
    "backend": keras.backend.backend(),
}


@pytest.fixture
def restore(monkeypatch):
    """Undo every ``register`` a test makes on the registries it names."""

    def keep(*registries):
        for registry in registries:
            monkeypatch.setattr(registry, "_targets", dict(registry._targets))
            monkeypatch.setattr(registry, "_loaded", dict(registry._loaded))

    return keep


def trial_record(values: dict) -> dict:
    settings = resolve_settings({**TINY, **values})
    record = train_trial(TrialConfig("plugin", {}, settings, 0, DATASETS[settings["dataset"]].version))
    assert record["status"] == "ok", record.get("error")
    return record


def blobs() -> Dataset:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=120)
    x = (rng.normal(size=(120, 3)) + y[:, None]).astype(np.float32)
    return Dataset(name="blobs", task="classification", x=x, y=y, feature_names=("a", "b", "c"), n_classes=2)


def test_a_plugin_adds_a_data_set(restore):
    restore(DATASETS)
    DATASETS.register(
        "blobs",
        DatasetSpec(
            name="blobs",
            task="classification",
            loader=blobs,
            sha256=blobs().checksum(),
            description="two blobs",
            n_classes=2,
        ),
    )
    assert "blobs" in DATASETS and DATASETS["blobs"].version.startswith("blobs-")
    record = trial_record({"dataset": "blobs"})
    assert record["n_train"] + record["n_val"] + record["n_test"] == 120


def test_a_plugin_adds_and_wraps_an_optimizer(restore, write_matrix):
    restore(OPTIMIZERS)
    with pytest.raises(SettingsError, match=r"optimizer: Input should be .*'sgd' \(got 'nesterov'\)"):
        resolve_settings({"dataset": "digits", "optimizer": "nesterov"})
    built = []
    OPTIMIZERS.register("nesterov", lambda s: keras.optimizers.SGD(s["learning_rate"], momentum=0.9, nesterov=True))
    adam = OPTIMIZERS.get("adam")
    OPTIMIZERS.register("adam", lambda s: built.append(s["learning_rate"]) or adam(s))
    # Usable from a matrix file once registered.
    matrix = load_matrix(write_matrix("seeds = [0]\n[fixed]\ndataset = 'digits'\noptimizer = 'nesterov'\n"))
    assert matrix.trials()[0].settings["optimizer"] == "nesterov"
    trial_record({"dataset": "digits", "max_train_samples": 100, "optimizer": "nesterov"})
    trial_record({"dataset": "digits", "max_train_samples": 100, "learning_rate": 0.01})
    assert built == [0.01]


def test_a_plugin_adds_a_loss_for_the_tasks_it_fits(restore):
    restore(LOSSES)
    LOSSES.register(
        "huber", LossSpec(("regression",), lambda task: LossParts(keras.losses.Huber(), regression_metrics(), False))
    )
    with pytest.raises(
        SettingsError, match="'huber' does not fit classification .*; allowed: cross_entropy, squared_error$"
    ):
        resolve_settings({"dataset": "digits", "loss": "huber"})
    with pytest.raises(SettingsError, match="allowed: squared_error, absolute_error, huber$"):
        resolve_settings({"dataset": "diabetes", "loss": "cross_entropy"})
    record = trial_record({"dataset": "diabetes", "loss": "huber"})
    assert record["settings"]["loss"] == "huber" and {"loss", "mse", "mae"} <= set(record["test"])


def test_a_plugin_adds_and_wraps_a_callback(restore):
    restore(CALLBACKS)
    seen: list[str] = []

    class Marker(keras.callbacks.Callback):
        def on_train_end(self, logs=None):
            seen.append("marker")

    early_stopping = CALLBACKS.get("early_stopping")

    def counted_early_stopping(trial):
        seen.append("early_stopping")
        return early_stopping(trial)

    CALLBACKS.register("marker", lambda trial: [Marker()])
    CALLBACKS.register("early_stopping", counted_early_stopping)
    assert set(BUILTIN_ORDER) < set(CALLBACKS.names())
    trial_record({"dataset": "digits", "max_train_samples": 100})
    assert seen == ["early_stopping", "marker"]


def test_a_plugin_adds_and_wraps_a_probe(restore):
    restore(PROBES)

    class EpochCounter(keras.callbacks.Callback):
        def __init__(self, record):
            super().__init__()
            self.record = record

        def on_epoch_end(self, epoch, logs=None):
            self.record.setdefault("epochs_seen", []).append(epoch)

    gradients = PROBES.get("gradients")
    wrapped: list[int] = []

    def gradients_with_batch_size(trial):
        callbacks = gradients(trial)
        wrapped.extend(len(callback.x) for callback in callbacks)
        return callbacks

    PROBES.register("epochs", lambda trial: [EpochCounter(trial.record)])
    PROBES.register("gradients", gradients_with_batch_size)
    record = trial_record({"dataset": "digits", "max_train_samples": 100, "probe_every": 1, "probe_batch_size": 20})
    assert record["epochs_seen"] == [0, 1] and wrapped == [20]
    assert {r["epoch"] for r in record["probes"]} == {0, 1, 2}
