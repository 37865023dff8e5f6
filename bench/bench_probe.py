"""What the gradient-norm probe costs, as a fraction of the training epoch it rides on.

Run: ``python -m pytest bench/bench_probe.py -q`` (pytest-benchmark). Each case builds the
trial the runner would build, times steady epochs (validation included, as the runner's
EpochTimer does) and the compiled probe; ``extra_info`` holds the epoch time and the ratios,
the first probe's (tracing included) and the steady one's. The aim: under 10 %.
"""

from __future__ import annotations

import time

import keras
import numpy as np
import pytest

from ablations.describe.datasets import DATASETS
from ablations.describe.settings import resolve_settings
from ablations.describe.trial import TrialConfig
from ablations.run.callbacks import TrialContext
from ablations.run.keras_callbacks import EpochTimer
from ablations.run.probes import probe_callbacks
from ablations.run.program import build_program
from ablations.run.trial_record import seed_everything

CASES = {
    "digits-depth2": {"dataset": "digits", "depth": 2},
    "mnist1d-depth20-bn": {"dataset": "mnist1d", "depth": 20, "batch_norm": "before"},
    "mnist1d-depth20-selu": {"dataset": "mnist1d", "depth": 20, "activation": "selu"},
}
EPOCHS = 4


@pytest.mark.parametrize("case", sorted(CASES))
def test_probe_cost_per_epoch(benchmark, case):
    settings = resolve_settings(
        {
            **CASES[case],
            "optimizer": "sgd",
            "momentum": 0.9,
            "learning_rate": 0.01,
            "probe_every": 1,
            "checkpoint": False,
        }
    )
    config = TrialConfig("bench", {}, settings, 0, DATASETS[settings["dataset"]].version)
    s = config.settings
    program = build_program(s)
    seed_everything(0, keras.backend.backend())
    model = program.build_model()
    program.compile(model, steps_per_execution=s["steps_per_execution"])

    timer = EpochTimer()
    model.fit(
        program.x_train,
        program.y_train,
        validation_data=(program.x_val, program.y_val),
        epochs=EPOCHS,
        batch_size=s["batch_size"],
        callbacks=[timer],
        verbose=0,
    )
    epoch_s = float(np.median(timer.durations[1:]))  # the first epoch traces the train step

    record: dict = {}
    (probe,) = probe_callbacks(TrialContext(config, program, model, record, None, time.perf_counter()))
    probe.set_model(model)
    start = time.perf_counter()
    probe.probe(0)
    first_s = time.perf_counter() - start
    benchmark.pedantic(probe.probe, args=(1,), rounds=15, iterations=1, warmup_rounds=2)
    probe_s = benchmark.stats.stats.median
    ratio = probe_s / epoch_s
    benchmark.extra_info.update(
        epoch_s=epoch_s,
        probe_s=probe_s,
        first_probe_s=first_s,
        ratio_to_epoch=ratio,
        first_ratio_to_epoch=first_s / epoch_s,
        rows_per_probe=sum(r["epoch"] == 0 for r in record["probes"]),
    )
    assert ratio < 0.10, f"{case}: a probe costs {ratio:.1%} of an epoch ({probe_s * 1e3:.1f} ms vs {epoch_s:.3f} s)"
