"""Trials per hour: the suite's process executor against the course's plain ``model.fit`` loop.

Run ``python bench/bench_throughput.py`` from the repository root (a few minutes on 2 cores).
Every variant starts in a fresh interpreter, so each pays the framework import once, as a
user's run does. Writes ``bench/results/throughput.json``. The 8 cells: MNIST-1D MLPs of depth
2, 5, 10, 20 with ReLU or sigmoid, width 32, 3 epochs, one seed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPTHS, ACTIVATIONS, WIDTH, EPOCHS = (2, 5, 10, 20), ("relu", "sigmoid"), 32, 3
MATRIX = f"""
description = "throughput benchmark cells"
seeds = [0]
[fixed]
dataset = "mnist1d"
width = {WIDTH}
epochs = {EPOCHS}
[axes]
depth = {list(DEPTHS)}
activation = {json.dumps(list(ACTIVATIONS))}
"""

# The course's way: one script, a Python loop of model.fit, default steps_per_execution=1.
COURSE_LOOP = f"""
import keras
from ablations.run.datasets.loading import load_splits
s = load_splits("mnist1d", split_seed=42, test_fraction=0.2, validation_fraction=0.2,
                normalization="zscore", max_train_samples=None)
for depth in {DEPTHS}:
    for activation in {ACTIVATIONS}:
        keras.utils.set_random_seed(0)
        layers = [keras.Input(s.x_train.shape[1:])]
        layers += [keras.layers.Dense({WIDTH}, activation=activation) for _ in range(depth)]
        model = keras.Sequential(layers + [keras.layers.Dense(s.n_classes, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(s.x_train, s.y_train, validation_data=(s.x_val, s.y_val), epochs={EPOCHS},
                  batch_size=32, verbose=0)
        model.evaluate(s.x_test, s.y_test, verbose=0)
"""

# clear_session between trials or not: the same 8 trials in one process, twice over each.
CLEAR_PROBE = """
import json, sys, time, keras
from ablations.describe.matrix_files import resolve_matrices
from ablations.run.lifecycle import train_trial
trials = resolve_matrices([sys.argv[1]])[0].trials("default")
train_trial(trials[0])  # warm up: the import and first trace are not what is compared
out = {}
for clear in (False, True, False, True):
    start = time.perf_counter()
    for trial in trials:
        if clear:
            keras.backend.clear_session()
        train_trial(trial)
    out.setdefault(str(clear), []).append(time.perf_counter() - start)
print(json.dumps(out))
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}


def timed(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, env=_env(), capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def main() -> dict:
    n = len(DEPTHS) * len(ACTIVATIONS)
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as tmp:
        matrix = Path(tmp) / "bench.toml"
        matrix.write_text(MATRIX, encoding="utf-8")
        course_s, _ = timed([sys.executable, "-c", COURSE_LOOP])
        suite = {}
        for jobs in (1, 2):
            suite[jobs], _ = timed(
                [
                    sys.executable,
                    "-m",
                    "ablations",
                    "run",
                    str(matrix),
                    "-q",
                    "-e",
                    "process",
                    "-j",
                    str(jobs),
                    "--runs-dir",
                    str(Path(tmp) / f"runs{jobs}"),
                ]
            )
        _, probe = timed([sys.executable, "-c", CLEAR_PROBE, str(matrix)])
    clear = json.loads(probe)
    result = {
        "cells": n,
        "course_loop_s": course_s,
        "suite_process_1_s": suite[1],
        "suite_process_2_s": suite[2],
        "trials_per_hour": {
            "course_loop": 3600 * n / course_s,
            "suite_1_worker": 3600 * n / suite[1],
            "suite_2_workers": 3600 * n / suite[2],
        },
        "ratio_suite_2_workers_vs_course": course_s / suite[2],
        "speedup_2_workers_vs_1": suite[1] / suite[2],
        "clear_session_s": {"without": min(clear["False"]), "with": min(clear["True"])},
        "cpu_count": os.cpu_count(),
        "note": "measured on a machine shared with other engineers' jobs",
    }
    out = ROOT / "bench" / "results" / "throughput.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=1))
