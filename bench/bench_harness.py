"""Harness overhead: one trial through ``run_trial`` versus a bare ``model.fit`` of the same model.

The number that matters is the ratio (stored in the benchmark's ``extra_info``), not seconds:
both are measured in the same process, one after the other.
"""

from __future__ import annotations

import time
from pathlib import Path

from ablations.spec import matrix_from_dict

ROUNDS = 3
MATRIX = {
    "seeds": [0],
    "fixed": {"dataset": "digits", "depth": 2, "width": 32, "epochs": 3, "batch_size": 32,
              "optimizer": "sgd", "learning_rate": 0.01},
}


def _bare_fit(settings: dict) -> None:
    """What a user would write by hand: same data, architecture, optimizer, epochs, evaluation."""
    import keras

    from ablations.datasets import load_splits

    splits = load_splits(
        settings["dataset"], split_seed=settings["split_seed"], test_fraction=settings["test_fraction"],
        validation_fraction=settings["validation_fraction"], normalization=settings["normalization"],
        max_train_samples=settings["max_train_samples"],
    )
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input(splits.x_train.shape[1:])]
        + [keras.layers.Dense(settings["width"], activation="relu") for _ in range(settings["depth"])]
        + [keras.layers.Dense(splits.n_classes, activation="softmax")]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(settings["learning_rate"]),
        loss="sparse_categorical_crossentropy", metrics=["accuracy"],
    )
    model.fit(splits.x_train, splits.y_train, validation_data=(splits.x_val, splits.y_val),
              epochs=settings["epochs"], batch_size=settings["batch_size"], verbose=0)
    model.evaluate(splits.x_test, splits.y_test, verbose=0)


def test_harness_overhead(benchmark, tmp_path: Path) -> None:
    from ablations.runner import run_trial

    trial = matrix_from_dict(tmp_path / "overhead.toml", MATRIX).trials()[0]
    run_trial(trial)  # warm-up: imports, data cache, calibration
    _bare_fit(trial.settings)

    harness: list[float] = []

    def through_suite() -> None:
        start = time.perf_counter()
        record = run_trial(trial)
        harness.append(time.perf_counter() - start)
        assert record["status"] == "ok", record.get("reason")

    benchmark.pedantic(through_suite, rounds=ROUNDS, iterations=1)
    bare = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        _bare_fit(trial.settings)
        bare.append(time.perf_counter() - start)
    ratio = min(harness) / min(bare)
    benchmark.extra_info.update(harness_s=min(harness), bare_fit_s=min(bare), overhead_ratio=ratio)
    assert ratio < 5, f"the harness costs {ratio:.2f}x a bare fit"
