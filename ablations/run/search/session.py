"""One search's state in an Optuna study: budget accounting, recovery, the search record.

The study (SQLite under the runs directory, or a server URL) is the single source of truth, so
a search resumes where it stopped and several workers can share it:

* the budget counts finished trials (complete, pruned, or failed as a trial: diverged,
  failed, timeout); a trial interrupted by its worker does not count and its point is queued
  again, so a resumed search repeats no finished trial and loses no planned point;
* trial numbers are handed out by the storage, and a trial numbered past the budget is
  dropped, so racing workers never overrun it;
* after each trial the search record (``runs/<matrix>/searches/<id>.json``) is rewritten
  atomically from the study: best-so-far after each trial, the best configuration, its test
  score, and where the time went.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import socket
import sqlite3
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from ablations.describe.status import Status
from ablations.run.search.plan import SearchConfig
from ablations.run.store import ResultStore, atomic_write_json, pid_alive

COUNTED_FAILURES = frozenset({Status.DIVERGED, Status.FAILED, Status.TIMEOUT})


class SearchStopped(RuntimeError):
    """A search that cannot go on here (its trials are skipped); the message says why.

    A skipped trial uses no budget, so a search that went on would ask for trial after trial
    and never end; it stops at the first one instead, with the point requeued for a run where
    it can train.
    """


ACTIVE = (TrialState.RUNNING, TrialState.WAITING)

optuna.logging.set_verbosity(optuna.logging.WARNING)


@dataclass
class Outcome:
    """What one evaluation of a point gave; ``status`` is the inner trial's status (or "pruned")."""

    state: TrialState
    value: float | None
    status: str
    trial_id: str | None = None
    train_s: float = 0.0
    cached: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


Objective = Callable[["SearchSession", dict[str, Any], optuna.Trial], Outcome]


def should_prune(trial: optuna.Trial, step: int, value: float) -> bool:
    """Report one epoch's value to the study's pruner and ask it (a fresh run and a replay alike)."""
    if not math.isfinite(value):
        return False
    trial.report(value, step)
    return trial.should_prune()


def counts(trial: FrozenTrial) -> bool:
    """Whether a finished trial uses up one unit of the budget."""
    if trial.state in (TrialState.COMPLETE, TrialState.PRUNED):
        return True
    return trial.state == TrialState.FAIL and result(trial).get("outcome") in COUNTED_FAILURES


def result(trial: FrozenTrial) -> dict[str, Any]:
    """What the session stored about a finished trial: one user attribute, one write."""
    return trial.user_attrs.get("result") or {}


def _sqlite_creator(url: str) -> Callable[[], sqlite3.Connection]:
    """SQLite connections in WAL mode with a long lock timeout.

    WAL lets readers and one writer work at once, and ``synchronous=NORMAL`` syncs at
    checkpoints instead of every commit: an Optuna trial makes some twenty commits, which took
    about 9 ms each here with the default journal. A crash may lose the last commits, never
    consistency; a lost trial is asked again with the same point and read back from the store.
    """
    path = url.removeprefix("sqlite:///")

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(path, timeout=60, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    return connect


def open_storage(url: str) -> optuna.storages.BaseStorage:
    """An RDB storage; SQLite files get WAL mode and a lock timeout so workers wait, not fail."""
    from sqlalchemy.exc import SQLAlchemyError

    kwargs = {"creator": _sqlite_creator(url)} if url.startswith("sqlite:///") else {}
    for attempt in range(5):
        try:
            return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
        except SQLAlchemyError:  # workers starting together race to create the tables
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


class SearchSession:
    """A search's study plus what running it needs (the result store, the objective)."""

    def __init__(
        self,
        search: SearchConfig,
        *,
        storage: str | optuna.storages.BaseStorage,
        objective: Objective,
        store: ResultStore | None = None,
        artifacts_dir: Path | None = None,
        record_dir: Path | None = None,
    ) -> None:
        self.search = search
        self.objective = objective
        self.store = store
        self.artifacts_dir = artifacts_dir
        self.record_dir = record_dir
        self.budget = search.table.budget
        self.created = False
        try:
            self.study = optuna.create_study(
                storage=storage, study_name=search.study_name, direction=search.table.direction
            )
            self.created = True
            self.study.set_user_attr("search", {"cell": search.cell, "seed": search.seed, "budget": self.budget})
        except optuna.exceptions.DuplicatedStudyError:
            self.study = optuna.load_study(storage=storage, study_name=search.study_name)

    # -- budget -------------------------------------------------------------------------------
    def trials(self) -> list[FrozenTrial]:
        return sorted(self.study.get_trials(deepcopy=False), key=lambda t: t.number)

    def counted(self) -> list[FrozenTrial]:
        return [t for t in self.trials() if counts(t)]

    def remaining(self) -> int:
        """Budget this worker may still take: not finished and not running elsewhere.

        Queued points (a plan, a requeued interrupted trial) are work to take, not used budget.
        """
        trials = self.trials()
        return self.budget - sum(1 for t in trials if counts(t) or t.state == TrialState.RUNNING)

    def is_complete(self) -> bool:
        return len(self.counted()) >= self.budget

    def _over_budget(self, number: int) -> bool:
        ahead = sum(1 for t in self.trials() if t.number < number and (counts(t) or t.state in ACTIVE))
        return ahead >= self.budget

    # -- recovery -----------------------------------------------------------------------------
    def recover(self) -> int:
        """Fail and requeue trials left running by a dead process of this host; return how many."""
        host, recovered = socket.gethostname(), 0
        for trial in self.trials():
            owner = trial.user_attrs.get("worker") or {}
            if trial.state != TrialState.RUNNING or owner.get("host") != host:
                continue
            if owner.get("pid") == os.getpid() or pid_alive(int(owner.get("pid", 0))):
                continue
            try:
                self.study.tell(trial.number, state=TrialState.FAIL)
            except (RuntimeError, ValueError):
                continue  # another worker recovered it first
            self.requeue(trial.params, trial.number)
            recovered += 1
        return recovered

    def requeue(self, params: dict[str, Any], number: int) -> None:
        self.study.enqueue_trial(params, user_attrs={"retry_of": number}, skip_if_exists=False)

    # -- one trial ----------------------------------------------------------------------------
    def run_one(self, distributions: dict[str, Any]) -> Outcome | None:
        """Ask a point, evaluate it, tell the result, rewrite the record. None if over budget."""
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            trial = self.study.ask(distributions)
        try:
            if self._over_budget(trial.number):
                trial.set_user_attr("result", {"outcome": "over_budget"})
                self.study.tell(trial, state=TrialState.FAIL)
                return None
            trial.set_user_attr("worker", {"host": socket.gethostname(), "pid": os.getpid()})
            params = {name: trial.params[name] for name in sorted(distributions)}
            sample_s = time.perf_counter() - t0
            try:
                outcome = self.objective(self, params, trial)
            except BaseException:
                trial.set_user_attr("result", {"outcome": "interrupted"})
                self.study.tell(trial, state=TrialState.FAIL)
                self.requeue(params, trial.number)
                self.write_record()
                raise
            self.finish(trial, outcome, sample_s=sample_s)
        except optuna.exceptions.UpdateFinishedTrialError:
            # A requeued point popped by two workers at once (SQLite cannot lock the row): the
            # other one finished it; the inner trial's claim file kept it from training twice.
            return None
        return outcome

    def finish(self, trial: optuna.Trial, outcome: Outcome, *, sample_s: float = 0.0) -> None:
        trial.set_user_attr(
            "result",
            {
                "outcome": outcome.status,
                "trial_id": outcome.trial_id,
                "train_s": outcome.train_s,
                "cached": outcome.cached,
                "sample_s": sample_s,
                **outcome.extra,
            },
        )
        if outcome.state == TrialState.COMPLETE:
            self.study.tell(trial, outcome.value)
        else:
            self.study.tell(trial, state=outcome.state)
        self.write_record()

    # -- the search record --------------------------------------------------------------------
    def record(self) -> dict[str, Any]:
        """The search's JSON record, rebuilt from the study (so any worker may write it)."""
        search = self.search
        minimize = search.table.direction == "minimize"
        entries, best_so_far, best = [], [], None
        trials = self.trials()
        for trial in trials:
            if trial.state in ACTIVE:
                continue
            attrs = result(trial)
            entry: dict[str, Any] = {
                "number": trial.number,
                "state": trial.state.name.lower(),
                "outcome": attrs.get("outcome"),
                "counted": counts(trial),
                "params": dict(sorted(trial.params.items())),
                "value": trial.value if trial.state == TrialState.COMPLETE else None,
                "trial_id": attrs.get("trial_id"),
                "train_s": attrs.get("train_s", 0.0),
                "sample_s": attrs.get("sample_s", 0.0),
                "cached": attrs.get("cached", False),
                "retry_of": trial.user_attrs.get("retry_of"),
                "worker": trial.user_attrs.get("worker"),
                **{k: attrs[k] for k in ("cv_scores", "pruned_at") if k in attrs},
            }
            entries.append(entry)
            if not entry["counted"]:
                continue
            value = entry["value"]
            if value is not None and (best is None or (value < best["value"] if minimize else value > best["value"])):
                best = entry
            best_so_far.append(None if best is None else best["value"])
        counted = [e for e in entries if e["counted"]]
        selected = self.study.user_attrs.get("selected")
        best_trial_id = selected["trial_id"] if selected else (best or {}).get("trial_id")
        best_record = self.store.get(best_trial_id) if (self.store is not None and best_trial_id) else None
        return {
            "search_id": search.search_id,
            "cell_id": search.cell_id,
            "matrix": search.matrix,
            "study": search.study_name,
            "strategy": search.strategy,
            "cell": search.cell,
            "seed": search.seed,
            "budget": self.budget,
            "metric": search.table.metric,
            "direction": search.table.direction,
            "value_kind": self.study.user_attrs.get("value_kind", "validation"),
            "status": "complete" if len(counted) >= self.budget else "running",
            "n_counted": len(counted),
            "trials": entries,
            "best_so_far": best_so_far,
            "best": None
            if best is None
            else {
                "number": best["number"],
                "params": best["params"],
                "value": best["value"],
                "trial_id": best_trial_id,
                "selected": selected,
                "validation": _best_metric(best_record, search.table.metric, minimize),
                "test": (best_record or {}).get("test"),
                "status": (best_record or {}).get("status"),
            },
            "time": {
                "train_s": sum(e["train_s"] for e in counted) + (selected or {}).get("train_s", 0.0),
                "sample_s": sum(e["sample_s"] for e in counted),
                "elapsed_s": _elapsed(trials) + (selected or {}).get("train_s", 0.0),
                "cached_trials": sum(1 for e in counted if e["cached"]),
            },
            "updated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }

    def write_record(self) -> dict[str, Any] | None:
        if self.record_dir is None:
            return None
        record = self.record()
        atomic_write_json(self.record_dir / f"{self.search.search_id}.json", record)
        return record


def _best_metric(record: dict[str, Any] | None, metric: str, minimize: bool) -> float | None:
    values = [v for v in ((record or {}).get("history") or {}).get(metric, []) if v == v]
    if not values:
        return None
    return min(values) if minimize else max(values)


def _elapsed(trials: list[FrozenTrial]) -> float:
    return sum(
        (t.datetime_complete - t.datetime_start).total_seconds()
        for t in trials
        if counts(t) and t.datetime_complete is not None and t.datetime_start is not None
    )
