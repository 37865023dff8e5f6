"""What the gradient-norm probe costs, as a fraction of the training epoch it rides on.

Run: ``python -m pytest bench/bench_probe.py -q`` (pytest-benchmark). Each case builds the
trial the runner would build, times steady epochs (validation included, as the runner's
EpochTimer does) and the compiled probe; ``extra_info`` holds the epoch time and the ratios,
the first probe's (tracing included) and the steady one's. The aim: under 10 %, or under the
probe batch's share of an epoch's rows where that is larger (``rows_share``).

``test_fused_probe_cost_per_epoch`` measures the same for a fused group of 5 slots (run with
``KERAS_BACKEND=jax``; skipped otherwise): the group's probe against the group's steady epoch,
from the timings the fused trainer records. It reports the ratio and asserts no goal: a probe
is a forward and backward pass over ``probe_batch_size`` rows, so on a small data set its floor
is that batch's share of an epoch's rows (``rows_share`` in ``extra_info``).
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


def case_settings(case: str, **more: object) -> dict:
    """A case's resolved settings: SGD with momentum, probed every epoch."""
    fixed = {"optimizer": "sgd", "momentum": 0.9, "learning_rate": 0.01, "probe_every": 1, "checkpoint": False}
    return resolve_settings({**CASES[case], **fixed, **more})


@pytest.mark.parametrize("case", sorted(CASES))
def test_probe_cost_per_epoch(benchmark, case):
    settings = case_settings(case)
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
    # A probe is a forward and backward pass over its batch: where that batch is more than a
    # tenth of an epoch's rows (digits: 256 of 1,149), the aim is the batch's share instead.
    rows_share = s["probe_batch_size"] / len(program.splits.x_train)
    benchmark.extra_info.update(
        epoch_s=epoch_s,
        probe_s=probe_s,
        first_probe_s=first_s,
        ratio_to_epoch=ratio,
        first_ratio_to_epoch=first_s / epoch_s,
        rows_per_probe=sum(r["epoch"] == 0 for r in record["probes"]),
        rows_share=rows_share,
    )
    aim = max(0.10, rows_share)
    assert ratio < aim, (
        f"{case}: a probe costs {ratio:.1%} of an epoch ({probe_s * 1e3:.1f} ms vs {epoch_s:.3f} s); "
        f"the aim is {aim:.0%}"
    )


FUSED_CASES = {k: v for k, v in CASES.items() if k.startswith("mnist1d")}


@pytest.mark.parametrize("case", sorted(FUSED_CASES))
def test_fused_probe_cost_per_epoch(benchmark, case):
    if keras.backend.backend() != "jax":
        pytest.skip("the fused trainer runs on JAX: run with KERAS_BACKEND=jax")
    from ablations.run.fused.trainer import train_group

    settings = case_settings(case, epochs=EPOCHS + 2, backend="jax")
    configs = [TrialConfig("bench", {}, settings, seed, DATASETS[settings["dataset"]].version) for seed in range(5)]
    records = benchmark.pedantic(train_group, args=(configs,), rounds=1, iterations=1)
    assert all(r["status"] == "ok" for r in records), [r.get("reason") for r in records]
    record = records[0]  # timings are each slot's share of the group's, so the ratio is the group's
    epoch_s, probe_s = record["timing"]["steady_epoch_s"], record["probe_timing"]["steady_s"]
    benchmark.extra_info.update(
        group_size=len(configs),
        group_epoch_s=epoch_s * len(configs),
        group_probe_s=probe_s * len(configs),
        ratio_to_epoch=probe_s / epoch_s,
        rows_share=settings["probe_batch_size"] / record["n_train"],
    )
