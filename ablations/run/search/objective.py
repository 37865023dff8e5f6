"""Evaluate a point of the space as a normal trial of the core runner, stored like any other.

The trial's settings are the cell's plus the point; its id is the usual content hash, so a
point that was already trained with the same seed (by this search before an interruption, or by
another strategy) is read back from the store instead of trained again, and charged the time it
took when it was trained.
"""

from __future__ import annotations

import math
import time
from typing import Any

import optuna
from optuna.trial import TrialState

from ablations.describe.status import FINAL, Status
from ablations.describe.trial import TrialConfig
from ablations.run.executors.workers import stop_if_requested
from ablations.run.search.session import Outcome, SearchSession, SearchStopped, should_prune
from ablations.run.store import ResultStore

CLAIM_POLL_S = 0.5


def trial_config(session: SearchSession, params: dict[str, Any], number: int | str) -> TrialConfig:
    from ablations.describe.settings import resolve_settings

    search = session.search
    settings = resolve_settings({**search.base, **params})
    cell = {**search.cell, "search_trial": number}
    return TrialConfig(search.matrix, cell, settings, search.seed, search.dataset_version)


def best_value(series: list[float], *, minimize: bool) -> float | None:
    finite = [v for v in series if math.isfinite(v)]
    if not finite:
        return None
    return min(finite) if minimize else max(finite)


def charged_time(record: dict[str, Any], epochs: int | None = None) -> float:
    """The seconds a trial cost; cut to its first ``epochs`` when a replay pruned it there."""
    wall = float(record.get("wall_s") or 0.0)
    timing = record.get("timing") or {}
    if epochs is None or timing.get("first_epoch_s") is None:
        return wall
    steady = timing.get("steady_epoch_s") or 0.0
    return timing["setup_s"] + timing["first_epoch_s"] + (epochs - 1) * steady + timing["evaluation_s"]


def core_objective(session: SearchSession, params: dict[str, Any], trial: Any) -> Outcome:
    """Train the point through :func:`ablations.run.lifecycle.train_trial`, or read it back from the store.

    ``trial`` is an ``optuna.Trial``, or a stand-in with a ``number`` for a refit outside the study.
    """
    search, store = session.search, session.store
    assert store is not None, "the core objective needs a ResultStore"
    metric, minimize = search.table.metric, search.table.direction == "minimize"
    pruning = not isinstance(session.study.pruner, optuna.pruners.NopPruner)
    config = trial_config(session, params, trial.number)

    pruned_at: int | None = None
    record = store.get(config.trial_id)
    cached = record is not None and record.get("status") in FINAL
    if record is not None and cached and pruning and record.get("status") == Status.OK:
        # A trained point is replayed through the pruner: the same decision a fresh run makes.
        for epoch, value in enumerate(record["history"].get(metric, [])):
            if should_prune(trial, epoch, value):
                pruned_at = epoch + 1
                break
    if not cached:
        record, cached, pruned_at = _run_stored(config, store, session, trial, metric, pruning)

    assert record is not None  # stored, read back or just run
    status = record.get("status", Status.FAILED)
    if status == Status.SKIPPED:
        raise SearchStopped(f"trial {config.trial_id} was skipped: {record.get('reason')}")
    series = (record.get("history") or {}).get(metric, [])
    train_s = charged_time(record, pruned_at if cached else None)
    if pruned_at is not None:
        value = best_value(series[:pruned_at], minimize=minimize)
        return Outcome(TrialState.PRUNED, value, "pruned", config.trial_id, train_s, cached, {"pruned_at": pruned_at})
    value = best_value(series, minimize=minimize) if status == Status.OK else None
    if status != Status.OK or value is None:
        return Outcome(
            TrialState.FAIL, None, status if status != Status.OK else Status.FAILED, config.trial_id, train_s, cached
        )
    return Outcome(TrialState.COMPLETE, value, status, config.trial_id, train_s, cached)


def _run_stored(
    config: TrialConfig, store: ResultStore, session: SearchSession, trial: optuna.Trial, metric: str, pruning: bool
) -> tuple[dict[str, Any], bool, int | None]:
    """Claim, run, store, release (as lifecycle.train_and_store does), with a pruning callback if asked."""
    from ablations.run.lifecycle import train_trial

    while not store.claim(config.trial_id):  # another worker trains the same point: wait for it
        record = store.get(config.trial_id)
        if record is not None and record.get("status") in FINAL:
            return record, True, None
        time.sleep(CLAIM_POLL_S)
    try:
        callbacks = []
        if pruning:
            from ablations.run.search.pruning import PruningCallback

            callbacks.append(PruningCallback(trial, metric))
        run = TrialConfig(
            config.matrix,
            config.cell,
            config.settings,
            config.seed,
            config.dataset_version,
            meta={"callbacks": callbacks},
        )
        stop_if_requested()
        record = train_trial(run, artifacts_dir=session.artifacts_dir)
        pruned_at = callbacks[0].pruned_at if callbacks else None
        if pruned_at is not None and record["status"] == Status.OK:
            # Not a final status: another search that needs this point trains it to the end.
            record["status"] = "pruned"
            record["reason"] = f"pruned by {type(session.study.pruner).__name__} after epoch {pruned_at}"
        store.put(record)
        return record, False, pruned_at
    finally:
        store.release(config.trial_id)
