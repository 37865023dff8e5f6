"""The fused trainer: grouping, reproducibility, independence of slots, records, equivalence with fit.

Training tests need the JAX backend (``KERAS_BACKEND=jax pytest tests/test_fused.py``); under
another backend they skip with the reason. Grouping tests run on any backend.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

from ablations.describe.datasets import DATASETS
from ablations.describe.settings import SettingsError, resolve_settings
from ablations.describe.trial import TrialConfig
from ablations.run.fused.groups import group_key, plan_groups, why_not_fused

BASE = {
    "dataset": "digits",
    "backend": "jax",
    "depth": 2,
    "width": 16,
    "epochs": 2,
    "optimizer": "sgd",
    "learning_rate": 0.05,
    "momentum": 0.9,
    "checkpoint": False,
    "early_stopping_patience": None,
    "max_train_samples": 600,
}


def config(seed: int = 0, **overrides: Any) -> TrialConfig:
    settings = resolve_settings({**BASE, **overrides})
    return TrialConfig("fused_test", dict(overrides), settings, seed, DATASETS[settings["dataset"]].version)


needs_jax = pytest.mark.skipif(
    os.environ.get("KERAS_BACKEND") != "jax",
    reason="the fused trainer runs on the JAX backend; run with KERAS_BACKEND=jax",
)


def hashes(records: list[dict[str, Any]]) -> dict[int, str]:
    assert all(r["status"] == "ok" for r in records), [(r["status"], r["reason"]) for r in records]
    return {r["seed"]: r["weights_sha256"] for r in records}


# -- grouping (no training) -------------------------------------------------------------------
def test_learning_rate_and_seed_share_a_group_momentum_does_not() -> None:
    a, b = config(0), config(1, learning_rate=0.01)
    assert group_key(a) == group_key(b)
    assert group_key(a) != group_key(config(0, momentum=0.5))
    assert group_key(a) != group_key(config(0, dropout=0.2))
    assert group_key(a) != group_key(config(0, depth=3))


def test_only_jax_and_fusable_families_fuse() -> None:
    assert why_not_fused(config(0)) is None
    assert "backend tensorflow" in why_not_fused(config(0, backend="tensorflow"))
    wide = TrialConfig(
        "m", {}, resolve_settings({"dataset": "california_housing", "model": "wide_deep", "backend": "jax"}), 0, "v"
    )
    assert "does not support fusion" in why_not_fused(wide)
    assert "tensorboard" in why_not_fused(config(0, tensorboard=True))
    assert "trainer = 'fit'" in why_not_fused(config(0, trainer="fit"))


def test_trainer_auto_resolves_from_the_settings_alone() -> None:
    assert config(0).settings["trainer"] == "fused"
    assert config(0, trainer="fit").settings["trainer"] == "fit"
    assert config(0, backend="tensorflow").settings["trainer"] == "fit"
    assert config(0, tensorboard=True).settings["trainer"] == "fit"
    deep = resolve_settings({"dataset": "california_housing", "model": "deep", "backend": "jax"})
    assert deep["trainer"] == "fused"  # the Wide & Deep suite's MLP alone is an MLP
    wide = resolve_settings({"dataset": "california_housing", "model": "wide_deep", "backend": "jax"})
    assert wide["trainer"] == "fit"
    assert resolve_settings(config(0).settings) == config(0).settings  # resolving is idempotent
    # the trainer and the slot width are settings, so part of the trial id
    assert len({config(0).trial_id, config(0, trainer="fit").trial_id, config(0, fused_slot_width=2).trial_id}) == 3


def test_an_impossible_fused_trainer_is_one_line_naming_the_field() -> None:
    with pytest.raises(SettingsError, match=r"^trainer: 'fused' is impossible here: backend tensorflow has no fused"):
        resolve_settings({**BASE, "backend": "tensorflow", "trainer": "fused"})
    with pytest.raises(SettingsError, match=r"^trainer: 'fused' is impossible here: tensorboard = true"):
        resolve_settings({**BASE, "tensorboard": True, "trainer": "fused"})
    with pytest.raises(SettingsError, match=r"^fused_slot_width: "):
        resolve_settings({**BASE, "fused_slot_width": 0})


def test_plan_groups_is_balanced_order_free_and_a_lone_fused_trial_is_a_group_of_one() -> None:
    trials = [config(seed) for seed in range(5)] + [config(0, depth=3), config(0, backend="tensorflow")]
    groups, alone = plan_groups(trials, max_size=2)
    assert sorted(map(len, groups)) == [1, 1, 2, 2]  # 5 seeds in balanced chunks (1, 2, 2); depth 3 alone
    assert [c.trial_id for c in alone] == [config(0, backend="tensorflow").trial_id]
    assert [config(0, depth=3).trial_id] in [[c.trial_id for c in g] for g in groups]
    again, _ = plan_groups(list(reversed(trials)), max_size=2)
    assert [[c.trial_id for c in g] for g in again] == [[c.trial_id for c in g] for g in groups]
    groups, alone = plan_groups([config(s) for s in range(5)], max_size=16)
    assert [len(g) for g in groups] == [5] and alone == []
    groups, alone = plan_groups([config(s, trainer="fit") for s in range(3)])
    assert groups == [] and len(alone) == 3


def test_plan_tasks_keeps_the_trials_order() -> None:
    from ablations.run.fused.groups import plan_tasks

    trials = [config(0, backend="tensorflow"), config(0), config(0, depth=3), config(1)]
    tasks = plan_tasks(trials)
    assert [[t.trial_id for t in task] for task in tasks] == [
        [trials[0].trial_id],
        sorted([trials[1].trial_id, trials[3].trial_id]),
        [trials[2].trial_id],
    ]


# -- training -------------------------------------------------------------------------------
@needs_jax
def test_rerun_reproduces_every_slot_bit_for_bit(tmp_path: Any) -> None:
    from ablations.run.fused.trainer import train_group
    from ablations.run.program import build_program
    from ablations.run.trial_record import weights_sha256

    trials = [config(seed, checkpoint=True, early_stopping_patience=5) for seed in range(3)]
    first, second = train_group(trials, artifacts_dir=tmp_path), train_group(trials)
    assert hashes(first) == hashes(second)
    # each trial's best-weights checkpoint, written from its own slice (= its restored weights)
    model = build_program(trials[2].settings).build_model()
    model.load_weights(str(tmp_path / first[2]["checkpoint"]))
    assert weights_sha256(model) == first[2]["weights_sha256"]
    assert [r["history"] for r in first] == [r["history"] for r in second]
    assert len(set(hashes(first).values())) == 3  # the seeds really differ
    record = first[1]
    for key in (
        "history",
        "test",
        "best_epoch",
        "epochs_run",
        "weights_sha256",
        "param_count",
        "n_train",
        "n_val",
        "n_test",
        "timing",
        "samples_per_s",
        "env",
        "calibration_s",
        "status",
        "reason",
    ):
        assert key in record, key
    assert set(record["history"]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert record["fused"]["group_size"] == 3 and record["fused"]["slot"] == 1
    assert record["fused"]["members"] == [t.trial_id for t in trials]
    assert record["timing"]["total_s"] == pytest.approx(record["fused"]["group_timing"]["total_s"] / 3)


@needs_jax
def test_a_slot_depends_only_on_its_own_trial() -> None:
    """Other seeds, another learning rate, or another group size leave a slot's bits alone."""
    from ablations.run.fused.trainer import train_group

    base = hashes(train_group([config(0), config(1), config(2), config(3)]))
    other_seed = hashes(train_group([config(0), config(7), config(2), config(3)]))
    other_lr = hashes(train_group([config(0), config(1), config(2, learning_rate=0.01), config(3)]))
    pair = hashes(train_group([config(5), config(0)]))
    assert other_seed[0] == base[0] and other_seed[2] == base[2] and other_seed[3] == base[3]
    assert other_lr[0] == base[0] and other_lr[1] == base[1] and other_lr[3] == base[3]
    assert other_lr[2] != base[2]  # the learning rate reached its slot
    assert pair[0] == base[0]  # group of 2 vs group of 4


@needs_jax
def test_any_fixed_slot_width_keeps_a_slot_independent_of_group_size() -> None:
    from ablations.run.fused.trainer import train_group

    three = train_group([config(0), config(1), config(2)], slot_width=2)  # padded to 4
    two = train_group([config(9), config(0)], slot_width=2)
    assert hashes(three)[0] == hashes(two)[0]
    assert three[0]["fused"]["padded_to"] == 4 and three[0]["fused"]["slot_width"] == 2


@needs_jax
def test_each_slot_stops_diverges_and_restores_on_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    from ablations.run.fused import engine
    from ablations.run.fused.trainer import train_group

    real = engine.slot_values
    calls = []

    def poison_second_slot(model: Any, optimizer: Any) -> Any:
        """A NaN weight in slot 1 (cross-entropy on clipped softmax does not diverge on its own)."""
        tv, ntv, ov = real(model, optimizer)
        calls.append(1)
        if len(calls) == 2:
            tv[0] = tv[0] * np.nan
        return tv, ntv, ov

    monkeypatch.setattr(engine, "slot_values", poison_second_slot)
    steady = config(0, epochs=3)
    records = train_group(
        [steady, config(1, epochs=3), config(2, epochs=3, early_stopping_patience=0, early_stopping_min_delta=100.0)]
    )
    monkeypatch.setattr(engine, "slot_values", real)
    ok, diverged, stopped = records
    assert ok["status"] == "ok" and ok["epochs_run"] == 3
    assert diverged["status"] == "diverged" and diverged["epochs_run"] == 1, diverged["reason"]
    # patience 0 with a huge min_delta: no epoch after the first improves, stop after epoch 2
    assert stopped["status"] == "ok" and stopped["epochs_run"] == 2
    # ...and its restored best weights are the first epoch's: train 1 epoch to compare
    one_epoch = train_group([config(2, epochs=1), config(3, epochs=1)])[0]
    assert stopped["weights_sha256"] == one_epoch["weights_sha256"]
    # the neighbours of a diverging slot are unaffected
    assert hashes(train_group([steady, config(4, epochs=3)]))[0] == ok["weights_sha256"]


@needs_jax
def test_time_limit_marks_unfinished_slots_timeout() -> None:
    from ablations.run.fused.trainer import train_group

    records = train_group([config(0, epochs=50, time_limit_s=0.01), config(1, epochs=50, time_limit_s=0.01)])
    assert [r["status"] for r in records] == ["timeout", "timeout"]
    assert all(r["epochs_run"] == 1 and len(r["history"]["loss"]) == 1 for r in records)
    assert "fused group" in records[0]["reason"]


@needs_jax
def test_a_failing_group_is_split_down_to_single_trials(monkeypatch: pytest.MonkeyPatch) -> None:
    from ablations.run.fused import engine
    from ablations.run.fused.trainer import train_group

    real = engine.FusedProgram.train_epoch

    def flaky(self: Any, state: Any, perms: Any, active: Any, x: Any, y: Any) -> Any:
        if int(np.sum(active)) > 1:
            raise RuntimeError("RESOURCE_EXHAUSTED: pretend out of memory")
        return real(self, state, perms, active, x, y)

    monkeypatch.setattr(engine.FusedProgram, "train_epoch", flaky)
    trials = [config(seed, epochs=1) for seed in range(3)]
    records = train_group(trials)
    assert [r["status"] for r in records] == ["ok"] * 3
    assert [r["fused"]["group_size"] for r in records] == [1, 1, 1]
    assert records[0]["fused"]["splits"][0] == {
        "group_size": 3,
        "reason": "RuntimeError: RESOURCE_EXHAUSTED: pretend out of memory",
    }
    monkeypatch.setattr(engine.FusedProgram, "train_epoch", real)
    assert hashes(records) == hashes(train_group(trials))  # the split changed no slot's bits


@needs_jax
def test_probe_rows_match_the_fit_probe() -> None:
    """Same rows as ablations.run.probes; at initialization the same numbers (same weights, batch)."""
    from ablations.run.fused.trainer import train_group
    from ablations.run.lifecycle import train_trial

    trial = config(0, epochs=2, probe_every=1, probe_batch_size=64)
    fused = train_group([trial, config(1, epochs=2, probe_every=1, probe_batch_size=64)])[0]
    fit = train_trial(config(0, epochs=2, probe_every=1, probe_batch_size=64, trainer="fit"))
    assert fit["status"] == "ok" and fused["status"] == "ok"

    def key(r):
        return (r["epoch"], r["layer_index"], r["layer"], r["kind"])

    assert sorted(map(key, fused["probes"])) == sorted(map(key, fit["probes"]))
    at_init = {key(r): r["value"] for r in fit["probes"] if r["epoch"] == 0}
    for row in fused["probes"]:
        if row["epoch"] == 0:
            assert row["value"] == pytest.approx(at_init[key(row)], rel=1e-4, abs=1e-6), key(row)
    assert fused["probe_timing"]["n"] == 3


@needs_jax
@pytest.mark.parametrize("batch_norm", ["before", "after"])
def test_a_padded_last_batch_trains_as_fit_trains_the_rows_left(batch_norm: str) -> None:
    """40 rows in batches of 32: the fused epoch's masked second batch is fit's batch of 8.

    Same weights, same row order: the weights, the batch-norm statistics and the epoch's loss
    and accuracy after one fused epoch equal two ``train_on_batch`` calls (32 rows, then 8).
    """
    import jax.numpy as jnp

    from ablations.run.fused.engine import FusedProgram, slot_values, stack
    from ablations.run.program import build_program
    from ablations.run.trial_record import seed_everything

    settings = config(0, depth=3, width=16, batch_norm=batch_norm, batch_size=32).settings
    program = build_program(settings)
    seed_everything(0, "jax")
    model = program.build_model()
    optimizer = program.make_optimizer()
    optimizer.build(model.trainable_variables)
    engine = FusedProgram(model, optimizer, program.loss, program.metrics, batch_size=32, slot_width=1)
    x, y = program.x_train[:40], program.y_train[:40]
    perm = np.random.default_rng(0).permutation(40)
    state, logs, finite = engine.train_epoch(
        stack([slot_values(model, optimizer)]), perm[None], np.ones(1, bool), jnp.asarray(x), jnp.asarray(y)
    )
    assert finite.all()
    tv, ntv = engine.slot(state, 0)

    reference = program.build_model()
    reference.set_weights(model.get_weights())
    program.compile(reference, steps_per_execution=1)
    first = reference.train_on_batch(x[perm[:32]], y[perm[:32]], return_dict=True)
    reference.reset_metrics()
    last = reference.train_on_batch(x[perm[32:]], y[perm[32:]], return_dict=True)
    variables = reference.trainable_variables + reference.non_trainable_variables
    for fused_value, variable in zip(tv + ntv, variables, strict=True):
        if variable.dtype.startswith("float"):
            actual = np.asarray(variable.value)
            np.testing.assert_allclose(fused_value, actual, rtol=2e-5, atol=2e-6, err_msg=variable.path)
    for name in ("loss", "accuracy"):
        expected = (32 * first[name] + 8 * last[name]) / 40
        assert logs[name][0] == pytest.approx(expected, rel=2e-5), name


# -- equivalence with fit (slow) ------------------------------------------------------------
EQUIVALENCE_CELLS = {
    "plain": {"depth": 3, "width": 32},
    "batch_norm": {"depth": 3, "width": 32, "batch_norm": "before"},
    "dropout": {"depth": 3, "width": 32, "dropout": 0.2},
}


@needs_jax
@pytest.mark.slow
@pytest.mark.parametrize("cell", sorted(EQUIVALENCE_CELLS))
def test_fused_and_fit_reach_the_same_mean_accuracy(cell: str) -> None:
    """Over 8 seeds, mean test accuracy of fused and fit differ by less than 0.02."""
    from ablations.run.fused.trainer import train_group
    from ablations.run.lifecycle import train_trial

    settings = {**EQUIVALENCE_CELLS[cell], "epochs": 5, "max_train_samples": None}
    trials = [config(seed, **settings) for seed in range(8)]
    fused = [r["test"]["accuracy"] for r in train_group(trials)]
    fit = [train_trial(config(seed, **settings, trainer="fit"))["test"]["accuracy"] for seed in range(8)]
    print(f"{cell}: fused {np.mean(fused):.4f} +- {np.std(fused):.4f}, fit {np.mean(fit):.4f} +- {np.std(fit):.4f}")
    assert np.mean(fit) > 0.8, "the cell must learn for the comparison to mean anything"
    assert abs(np.mean(fused) - np.mean(fit)) < 0.02
