"""Two figures about one trial, measured in one run, rounds interleaved so load hits all alike.

1. **Harness overhead**, like with like: a trial through ``train_trial`` against the same work
   written out (the same ``TrialProgram``, seeding, compile settings including
   ``steps_per_execution``, the same callbacks, fit and evaluation) without the harness around
   it. The ratio is the harness' own cost: record keeping, calibration, environment
   fingerprint, weight hash.
2. **Speed-up over the loop a user would write by hand**: plain ``model.compile`` (so
   ``steps_per_execution=1``), ``fit`` and ``evaluate`` of the same architecture on the same
   data, (a) in this warm process and (b) as a fresh ``python`` process per trial, which is
   what a script per experiment costs; the suite runs every trial of a matrix in one process.
   Fusion (``ablations/run/fused``) is not part of this figure.

Ratios (``benchmark.extra_info``), not seconds, are the result; minimum over rounds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ablations.describe.spec import matrix_from_dict

ROUNDS = 3
ROOT = Path(__file__).resolve().parent.parent
MATRIX = {
    "seeds": [0],
    "fixed": {
        "dataset": "digits",
        "depth": 2,
        "width": 32,
        "epochs": 3,
        "batch_size": 32,
        "optimizer": "sgd",
        "learning_rate": 0.01,
    },
}


def _same_work(trial: Any) -> None:
    """What ``train_trial`` does for this trial, without the harness: same program, compile and callbacks."""
    from ablations.run.callbacks import TrialContext, trial_callbacks
    from ablations.run.fit_trainer import effective_steps_per_execution
    from ablations.run.keras_callbacks import EpochTimer
    from ablations.run.probes import probe_callbacks
    from ablations.run.program import build_program
    from ablations.run.trial_record import seed_everything

    s = trial.settings
    program = build_program(s)
    seed_everything(trial.seed, trial.backend)
    model = program.build_model()
    scratch: dict[str, Any] = {}
    program.compile(model, steps_per_execution=effective_steps_per_execution(s, scratch))
    context = TrialContext(trial, program, model, scratch, None, time.perf_counter())
    callbacks = [EpochTimer(), *trial_callbacks(context), *probe_callbacks(context)]
    model.fit(
        program.x_train,
        program.y_train,
        validation_data=(program.x_val, program.y_val),
        epochs=s["epochs"],
        batch_size=s["batch_size"],
        callbacks=callbacks,
        shuffle=True,
        verbose=0,
    )
    model.evaluate(program.x_test, program.y_test, batch_size=max(256, s["batch_size"]), verbose=0)


def _bare_fit(settings: dict) -> None:
    """What a user would write by hand: same data, architecture, optimizer, epochs, evaluation."""
    import keras

    from ablations.run.datasets.loading import load_splits

    splits = load_splits(
        settings["dataset"],
        split_seed=settings["split_seed"],
        test_fraction=settings["test_fraction"],
        validation_fraction=settings["validation_fraction"],
        normalization=settings["normalization"],
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
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(
        splits.x_train,
        splits.y_train,
        validation_data=(splits.x_val, splits.y_val),
        epochs=settings["epochs"],
        batch_size=settings["batch_size"],
        verbose=0,
    )
    model.evaluate(splits.x_test, splits.y_test, verbose=0)


def _bare_fit_process(settings: dict) -> None:
    """The hand-written loop as its own ``python`` process: imports and data loading included."""
    code = (
        "import json, sys; sys.path[:0] = [sys.argv[1], sys.argv[1] + '/bench']; "
        "from bench_harness import _bare_fit; _bare_fit(json.loads(sys.argv[2]))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, "-c", code, str(ROOT), json.dumps(settings)], check=True, env=env)


def test_harness_overhead_and_speedup(benchmark, tmp_path: Path) -> None:
    from ablations.run.lifecycle import train_trial

    trial = matrix_from_dict(tmp_path / "overhead.toml", MATRIX).trials()[0]
    train_trial(trial)  # warm-up: imports, data cache, calibration
    _same_work(trial)
    _bare_fit(trial.settings)

    times: dict[str, list[float]] = {"suite": [], "same_work": [], "hand_loop": [], "hand_script": []}
    steps = {
        "same_work": lambda: _same_work(trial),
        "hand_loop": lambda: _bare_fit(trial.settings),
        "hand_script": lambda: _bare_fit_process(trial.settings),
    }

    def one_round() -> None:
        start = time.perf_counter()
        record = train_trial(trial)
        times["suite"].append(time.perf_counter() - start)
        assert record["status"] == "ok", record.get("reason")
        for name, step in steps.items():  # interleaved with the suite's run, round by round
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)

    benchmark.pedantic(one_round, rounds=ROUNDS, iterations=1)
    best = {name: min(values) for name, values in times.items()}
    overhead = best["suite"] / best["same_work"]
    speedup = best["hand_loop"] / best["suite"]
    speedup_process = best["hand_script"] / best["suite"]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    benchmark.extra_info.update(
        {f"{name}_s": value for name, value in best.items()},
        overhead_ratio=overhead,
        speedup_vs_hand_loop=speedup,
        speedup_vs_hand_script=speedup_process,
        steps_per_execution=trial.settings["steps_per_execution"],
        load_1min=load,
        cpus=os.cpu_count(),
    )
    print(
        f"\nharness overhead (suite / same work, same compile and callbacks): {overhead:.2f}x; "
        f"speed-up over a hand-written loop (steps_per_execution=1): {speedup:.2f}x in this process, "
        f"{speedup_process:.2f}x against a fresh process per trial; best of {ROUNDS}, seconds "
        + ", ".join(f"{k} {v:.2f}" for k, v in best.items())
        + f"; load {load:.1f} on {os.cpu_count()} CPUs"
    )
    assert overhead < 2, f"the harness costs {overhead:.2f}x the same work without it"
