"""What the gradient-norm probe costs, as a fraction of the training epoch it rides on.

Run: ``python -m pytest bench/bench_probe.py -q`` (pytest-benchmark). Each case builds the
trial the runner would build, times steady epochs (validation included, as the runner's
EpochTimer does) and the compiled probe; ``extra_info`` holds the epoch time and the ratios,
the first probe's (tracing included) and the steady one's. The issue's aim: under 10 %.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from ablations.callbacks import EpochTimer  # noqa: E402
from ablations.datasets import DATASETS, load_splits  # noqa: E402
from ablations.models import MODELS  # noqa: E402
from ablations.probes import probe_callbacks  # noqa: E402
from ablations.runner import loss_and_metrics, make_optimizer, seed_everything  # noqa: E402
from ablations.settings import CoreSettings, resolve_settings  # noqa: E402
from ablations.trial import TrialConfig  # noqa: E402

CASES = {
    "digits-depth2": {"dataset": "digits", "depth": 2},
    "mnist1d-depth20-bn": {"dataset": "mnist1d", "depth": 20, "batch_norm": "before"},
    "mnist1d-depth20-selu": {"dataset": "mnist1d", "depth": 20, "activation": "selu"},
}
EPOCHS = 4


@pytest.mark.parametrize("case", sorted(CASES))
def test_probe_cost_per_epoch(benchmark, case):
    settings = resolve_settings({**CASES[case], "optimizer": "sgd", "momentum": 0.9, "learning_rate": 0.01,
                                 "probe_every": 1, "checkpoint": False})
    config = TrialConfig("bench", {}, settings, 0, DATASETS[settings["dataset"]].version)
    s = config.settings
    splits = load_splits(s["dataset"], split_seed=s["split_seed"], test_fraction=s["test_fraction"],
                         validation_fraction=s["validation_fraction"], normalization=s["normalization"])
    seed_everything(0, "tensorflow")
    family = MODELS.get("mlp")
    core = CoreSettings(**{k: v for k, v in s.items() if k in CoreSettings.model_fields})
    params = family.Params(**{k: v for k, v in s.items() if k in family.Params.model_fields})
    model = family.build(core, params, splits)
    loss, metrics, _ = loss_and_metrics(core.task, s["loss"])
    model.compile(optimizer=make_optimizer(s), steps_per_execution=s["steps_per_execution"], loss=loss, metrics=metrics)

    timer = EpochTimer()
    model.fit(splits.x_train, splits.y_train, validation_data=(splits.x_val, splits.y_val), epochs=EPOCHS,
              batch_size=s["batch_size"], callbacks=[timer], verbose=0)
    epoch_s = float(np.median(timer.durations[1:]))  # the first epoch traces the train step

    record: dict = {}
    (probe,) = probe_callbacks(config, model, splits, record)
    probe.set_model(model)
    start = time.perf_counter()
    probe.probe(0)
    first_s = time.perf_counter() - start
    benchmark.pedantic(probe.probe, args=(1,), rounds=15, iterations=1, warmup_rounds=2)
    probe_s = benchmark.stats.stats.median
    ratio = probe_s / epoch_s
    benchmark.extra_info.update(
        epoch_s=epoch_s, probe_s=probe_s, first_probe_s=first_s,
        ratio_to_epoch=ratio, first_ratio_to_epoch=first_s / epoch_s, rows_per_probe=sum(r["epoch"] == 0 for r in record["probes"]),
    )
    assert ratio < 0.10, f"{case}: a probe costs {ratio:.1%} of an epoch ({probe_s * 1e3:.1f} ms vs {epoch_s:.3f} s)"
