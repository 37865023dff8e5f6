"""The ``fused`` trainer: a group of trials as one program, one record per trial, in fit's schema.

Per slot, between epochs, on the host, :class:`FusedTrainer` does what ``fit``'s callbacks do:
TerminateOnNaN (a slot with a non-finite batch loss stops and is ``diverged``; its neighbours
go on), EarlyStopping with ``restore_best_weights`` (Keras 3 restores the best weights at the
end of training, whether or not it stopped early), the best-weights checkpoint (written from
the slot's own slice), the gradient-norm probe and the time limit (one clock for the group,
checked between epochs; unfinished slots become ``timeout``). Failures, timeouts and the split
of a failing group are :mod:`ablations.run.lifecycle`'s, as for every trainer.

Each record gets ``fused = {group_id, group_size, slot, members, group_timing, splits}``;
``timing`` holds the trial's share (the group's seconds over its size), so the timings of a
group's records add up to what the group cost.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ablations.describe.status import Status
from ablations.describe.trial import TrialConfig
from ablations.run.fused.groups import DEFAULT_SLOT_WIDTH
from ablations.run.fused.groups import group_id as make_group_id
from ablations.run.lifecycle import Trainer, train_trials


def slot_permutation(seed: int, epoch: int, n: int) -> np.ndarray:
    """A slot's row order for one epoch: its own seed's stream, whatever the group."""
    return np.random.default_rng((seed, 1, epoch)).permutation(n)


class FusedTrainer(Trainer):
    """Trains one group key's trials together as one vmapped JAX program (:mod:`.engine`).

    ``slot_width``: see :class:`ablations.run.fused.engine.FusedProgram`; ``"settings"`` (the
    default) takes the trials' ``fused_slot_width`` setting (part of their id, and of the group
    key, so the same for all).
    """

    name = "fused"
    together = True
    what = "fused group"

    def __init__(self, slot_width: int | str | None = "settings") -> None:
        self.slot_width = slot_width

    def refuses(self, configs: Sequence[TrialConfig]) -> str | None:
        if any(c.meta.get("callbacks") for c in configs):
            return "trainer = 'fused' runs no per-run callbacks (a search's pruning); set trainer = 'fit'"
        return None

    def train(self, configs: Sequence[TrialConfig], records: list[dict[str, Any]], artifacts_dir: Path | None) -> None:
        slot_width = self.slot_width
        if slot_width == "settings":
            slot_width = configs[0].settings.get("fused_slot_width", DEFAULT_SLOT_WIDTH)
        assert slot_width is None or isinstance(slot_width, int)
        _train_group(list(configs), records, artifacts_dir, slot_width)

    def close(
        self,
        configs: Sequence[TrialConfig],
        records: list[dict[str, Any]],
        *,
        wall_s: float,
        splits: tuple[dict[str, Any], ...],
    ) -> None:
        gid = make_group_id(list(configs))
        for slot, record in enumerate(records):
            fused = record.setdefault("fused", {})
            fused.update(group_id=gid, group_size=len(configs), slot=slot, members=[c.trial_id for c in configs])
            fused.setdefault("group_timing", {})["wall_s"] = wall_s
            if splits:
                fused["splits"] = list(splits)


FUSED = FusedTrainer()


def train_group(
    configs: Sequence[TrialConfig], *, artifacts_dir: Path | None = None, slot_width: int | str | None = "settings"
) -> list[dict[str, Any]]:
    """Train ``configs`` (one group key) together through the lifecycle; one record per config, in order."""
    return train_trials(configs, artifacts_dir=artifacts_dir, trainer=FusedTrainer(slot_width))


class _SlotStopper:
    """EarlyStopping's rule (Keras 3.15 ``MonitorCallback``) for one slot."""

    def __init__(self, settings: dict[str, Any]) -> None:
        from ablations.describe.metrics import higher_is_better

        self.monitor = settings["early_stopping_monitor"]
        self.patience = settings["early_stopping_patience"]
        self.higher = higher_is_better(self.monitor)
        self.min_delta = abs(settings["early_stopping_min_delta"])
        self.best: float | None = None
        self.wait = 0

    def improved(self, value: float) -> bool:
        """Whether ``value`` is a new best (the first value always is, as in Keras)."""
        if self.best is None:
            return True
        if self.higher:
            return bool(value - self.min_delta > self.best)
        return bool(value + self.min_delta < self.best)

    def update(self, epoch: int, value: float) -> tuple[bool, bool]:
        """``(improved, stop)`` after 0-based ``epoch``."""
        self.wait += 1
        if self.improved(value):
            self.best = value
            self.wait = 0
            return True, False
        stop = self.patience is not None and self.wait >= self.patience and epoch > 0
        return False, stop


def _train_group(
    configs: list[TrialConfig], records: list[dict[str, Any]], artifacts_dir: Path | None, slot_width: int | None
) -> None:
    import jax.numpy as jnp
    import keras

    from ablations.run.calibration import calibration_s
    from ablations.run.environment import fingerprint
    from ablations.run.fused.engine import FusedProgram, padded_size, slot_values, stack
    from ablations.run.optimizers import make_optimizer
    from ablations.run.program import build_program
    from ablations.run.trial_record import add_rmse, best_epoch, has_nan, seed_everything, timing_split, weights_sha256

    t_start = time.perf_counter()
    s = configs[0].settings
    K = len(configs)
    env, calib = fingerprint(), calibration_s()
    for record in records:
        record["env"], record["calibration_s"] = env, calib
    if keras.backend.backend() != "jax":
        for record in records:
            record["status"] = Status.SKIPPED
            record["reason"] = f"the fused trainer needs the JAX backend; this process runs {keras.backend.backend()}"
        return
    if s["device"] == "gpu" and not any("gpu" in d.lower() or "cuda" in d.lower() for d in env["devices"]):
        for record in records:
            record["status"] = Status.SKIPPED
            record["reason"] = f"no GPU visible to jax here ({', '.join(env['devices'])})"
        return

    t_program = time.perf_counter()
    program = build_program(s)  # data, loss and metrics: the same for every slot (group key)
    slots, template = [], None
    for config in configs:
        seed_everything(config.seed, "jax")  # the runner's order: data, then seed, then build
        model = program.build_model()
        optimizer = make_optimizer(config.settings)  # the slot's own learning rate
        optimizer.build(model.trainable_variables)
        slots.append(slot_values(model, optimizer))
        if template is None:
            template = (model, optimizer)
    assert template is not None
    t_built = time.perf_counter()
    engine = FusedProgram(
        template[0], template[1], program.loss, program.metrics, batch_size=s["batch_size"], slot_width=slot_width
    )
    P = padded_size(K, slot_width)  # padding slots copy slot 0 and never train
    state = stack(slots, pad_to=P)
    del slots
    x_train, y_train = jnp.asarray(program.x_train), jnp.asarray(program.y_train)
    x_val, y_val = program.x_val, program.y_val
    n_train = len(program.splits.x_train)

    probe = _Probe(program, engine, configs, records, P) if s["probe_every"] else None
    if probe is not None:
        probe(state, 0, np.ones(K, bool))

    def pad(mask: np.ndarray) -> np.ndarray:
        return np.concatenate([mask, np.zeros(P - K, bool)])

    stoppers = [_SlotStopper(c.settings) for c in configs]
    early = [c.settings["early_stopping_patience"] is not None for c in configs]
    histories: list[dict[str, list[float]]] = [{} for _ in configs]
    active = np.ones(K, bool)
    epochs_run = np.zeros(K, int)
    timed_out = np.zeros(K, bool)
    best = state
    durations: list[float] = []
    limit = s["time_limit_s"]
    t_fit = time.perf_counter()
    for epoch in range(s["epochs"]):
        t_epoch = time.perf_counter()
        perms = [slot_permutation(c.seed, epoch, n_train) for c in configs]
        ran = active.copy()
        perms += perms[:1] * (P - K)
        state, train_logs, finite = engine.train_epoch(state, np.stack(perms), pad(ran), x_train, y_train)
        val_logs = engine.evaluate(state, x_val, y_val)
        durations.append(time.perf_counter() - t_epoch)
        improved = np.zeros(K, bool)
        for k in map(int, np.flatnonzero(ran)):
            epochs_run[k] += 1
            logs = {**train_logs, **{f"val_{name}": values for name, values in val_logs.items()}}
            for name, values in logs.items():
                histories[k].setdefault(name, []).append(float(values[k]))
            monitor = logs.get(stoppers[k].monitor)
            if monitor is not None:
                improved[k], stop = stoppers[k].update(epoch, float(monitor[k]))
                if stop and early[k]:
                    active[k] = False
            if not finite[k]:  # TerminateOnNaN: this slot stops, its neighbours go on
                active[k] = False
        best = engine.select(pad(improved), state, best)
        if limit is not None and time.perf_counter() - t_start > limit:
            timed_out |= active
            active[:] = False
        if probe is not None:
            done = epoch + 1
            due = ran & ((done % s["probe_every"] == 0) | (done == s["epochs"]) | ~active)
            if due.any():
                probe(state, done, due)
        if not active.any():
            break
    t_eval = time.perf_counter()
    # Keras 3's EarlyStopping restores the best weights at the end of training, stopped or not.
    state = engine.select(pad(np.array(early)), best, state)
    test_logs = engine.evaluate(state, program.x_test, program.y_test)
    t_end = time.perf_counter()

    group_timing: dict[str, Any] = {
        **timing_split(durations, t_start=t_start, t_fit=t_fit, t_eval=t_eval, t_end=t_end),
        "epochs": len(durations),
        "data_and_models_s": t_built - t_program,
        "probe_s": sum(probe.seconds) if probe is not None else 0.0,
    }
    # The runner's timing keys, as this trial's share of the group's seconds.
    shared = ("setup_s", "first_epoch_s", "steady_epoch_s", "fit_s", "evaluation_s", "total_s")
    share = {k: (group_timing[k] / K if group_timing[k] is not None else None) for k in shared}
    family, params = program.family, program.params
    for k, (config, record) in enumerate(zip(configs, records, strict=True)):
        history = family.record_metrics(dict(sorted(histories[k].items())), params)
        test = family.record_metrics({name: float(values[k]) for name, values in sorted(test_logs.items())}, params)
        add_rmse(program.core.task, test)
        engine.load_slot(state, k)
        if config.settings["checkpoint"] and artifacts_dir is not None:
            record["checkpoint"] = _save_checkpoint(engine, best, k, config, artifacts_dir)
            engine.load_slot(state, k)
        per_epoch = share["steady_epoch_s"] or share["first_epoch_s"]
        record.update(
            history=history,
            epochs_run=int(epochs_run[k]),
            best_epoch=best_epoch(history, config.settings["early_stopping_monitor"]),
            test=test,
            param_count=int(engine.model.count_params()),
            weights_sha256=weights_sha256(engine.model),
            n_train=n_train,
            n_val=len(program.splits.x_val),
            n_test=len(program.splits.x_test),
            timing=dict(share),
            samples_per_s=n_train / per_epoch if per_epoch else None,
        )
        record["fused"] = {"group_timing": group_timing, "slot_width": slot_width, "padded_to": P}
        if probe is not None:
            record["probe_timing"] = probe.timing(k)
        if has_nan(history, test):
            record["status"], record["reason"] = Status.DIVERGED, "loss or metric became NaN or infinite"
        elif timed_out[k]:
            record["status"] = Status.TIMEOUT
            record["reason"] = (
                f"time_limit_s={limit} reached after {epochs_run[k]} of {s['epochs']} epochs (fused group)"
            )
        else:
            record["status"] = Status.OK


def _save_checkpoint(engine: Any, best: Any, k: int, config: TrialConfig, artifacts_dir: Path) -> str:
    """The slot's best weights, as ModelCheckpoint(save_best_only=True) would have left them."""
    path = artifacts_dir / "checkpoints" / f"{config.trial_id}.weights.h5"
    path.parent.mkdir(parents=True, exist_ok=True)
    engine.load_slot(best, k)
    engine.model.save_weights(str(path))
    return str(path.relative_to(artifacts_dir))


class _Probe:
    """The gradient-norm probe for every slot: ablations.run.probes' rows, computed under vmap."""

    def __init__(
        self, program: Any, engine: Any, configs: list[TrialConfig], records: list[dict[str, Any]], padded: int
    ) -> None:
        import jax.numpy as jnp

        from ablations.run.probes.callback import NOISE_LAYERS

        self.engine = engine
        model = engine.model
        batches = [program.probe_data(c.seed) for c in configs]
        batches += batches[:1] * (padded - len(batches))
        self.x = jnp.asarray(np.stack([b[0] for b in batches]))
        self.y = jnp.asarray(np.stack([b[1] for b in batches]))
        layers = list(model.layers)
        self.weights = [(i, layer, w) for i, layer in enumerate(layers) for w in layer.trainable_weights]
        self.watched = [(i, layer) for i, layer in enumerate(layers) if not isinstance(layer, NOISE_LAYERS)]
        self.records = records
        for record in records:
            record["probes"] = []
        self.seconds: list[float] = []
        self.count = np.zeros(len(configs), int)
        self._order: list[int] | None = None

    def __call__(self, state: Any, epoch: int, slots: np.ndarray) -> None:
        from ablations.run.probes.callback import summarize, summary_rows

        start = time.perf_counter()
        vectors = self.engine.probe(state, self.x, self.y, summarize, [layer.output for _, layer in self.watched])
        if self._order is None:
            order = {id(v): i for i, v in enumerate(self.engine.probe_variables)}
            self._order = [order[id(w)] for _, _, w in self.weights]
        for k in map(int, np.flatnonzero(slots)):
            rows = summary_rows(epoch, vectors[k], self.weights, self._order, self.watched)
            self.records[k]["probes"].extend(rows)
            self.count[k] += 1
        self.seconds.append(time.perf_counter() - start)

    def timing(self, k: int) -> dict[str, Any]:
        """The slot's probe count and its share of the group's probe seconds."""
        K, t = len(self.records), self.seconds
        return {
            "n": int(self.count[k]),
            "first_s": t[0] / K if t else None,
            "steady_s": float(np.mean(t[1:])) / K if len(t) > 1 else None,
        }
