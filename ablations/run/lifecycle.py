"""One trial's lifecycle, in order: config -> record opened -> train -> record closed -> store.

Every trial takes this path, whichever trainer trains it. :func:`train_trials` opens one
record per config (:func:`~ablations.run.trial_record.base_record`), hands the configs to
their :class:`Trainer` (``TRAINERS``: ``fit`` trains one trial with Keras ``fit``, ``fused`` a
group as one vmapped JAX program; each builds its :class:`~ablations.run.program.TrialProgram`
and fills the records), turns a failure or a timeout into a recorded status the same way for
both, and closes the records. :func:`train_and_store` wraps that in the store's claim and the
atomic write. Nothing here raises for a trial's own failure: an exception becomes ``failed``
with its traceback, an exhausted ``time_limit_s`` ``timeout`` (also when a trial is stuck
outside the framework, see :mod:`ablations.run.deadline`); only KeyboardInterrupt and
SystemExit pass through. A group that fails (compilation, out of memory) is split in halves
down to one trial, and each record says so under ``fused.splits``.
"""

from __future__ import annotations

import time
import traceback
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from ablations.describe.registry import Registry
from ablations.describe.status import Status
from ablations.describe.trial import TrialConfig
from ablations.run.deadline import DeadlineExceeded, deadline, hard_limit_s
from ablations.run.store import ResultStore
from ablations.run.trial_record import base_record, utc_now


class Trainer(ABC):
    """What trains a task's trials: fills each open record with history, test metrics, timing.

    ``train`` may raise: the lifecycle records the failure. A trainer that does not train
    several trials together (``together = False``) is handed one config at a time.
    """

    name: ClassVar[str] = ""
    together: ClassVar[bool] = False  # whether one call trains several configs as one program
    what: ClassVar[str] = "trial"  # how a timeout message names what ran out of time

    def refuses(self, configs: Sequence[TrialConfig]) -> str | None:
        """Why these configs cannot train here at all (None: they can); recorded as ``failed``."""
        return None

    @abstractmethod
    def train(self, configs: Sequence[TrialConfig], records: list[dict[str, Any]], artifacts_dir: Path | None) -> None:
        """Train ``configs`` and fill ``records`` (one per config, in order) in place."""

    def close(
        self,
        configs: Sequence[TrialConfig],
        records: list[dict[str, Any]],
        *,
        wall_s: float,
        splits: tuple[dict[str, Any], ...],
    ) -> None:
        """The trainer's own fields of the finished records (the fused group's, say); none by default."""


TRAINERS: Registry[Trainer] = Registry(
    "trainer",
    {
        "fit": "ablations.run.fit_trainer:FIT",
        "fused": "ablations.run.fused.trainer:FUSED",
    },
)


def trainer_for(configs: Sequence[TrialConfig]) -> Trainer:
    """The trainer a task's resolved ``trainer`` setting names (a task shares one)."""
    return TRAINERS.get("fused" if configs[0].settings.get("trainer") == "fused" else "fit")


def _failed(record: dict[str, Any], exc: BaseException) -> None:
    record["status"] = Status.FAILED
    record["reason"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
    record["error"] = {"type": type(exc).__name__, "message": str(exc), "traceback": traceback.format_exc()}


def train_trials(
    configs: Sequence[TrialConfig],
    *,
    artifacts_dir: Path | None = None,
    trainer: Trainer | None = None,
    _splits: tuple[dict[str, Any], ...] = (),
) -> list[dict[str, Any]]:
    """Train one task's trials (a fused group, or fit trials one by one); one record each, in order."""
    configs = list(configs)
    trainer = trainer or trainer_for(configs)
    if not trainer.together and len(configs) > 1:
        return [record for c in configs for record in train_trials([c], artifacts_dir=artifacts_dir, trainer=trainer)]
    records = [base_record(c) for c in configs]
    refusal = trainer.refuses(configs)
    if refusal is not None:
        for record in records:
            record.update(status=Status.FAILED, reason=refusal, wall_s=0.0, finished_at=utc_now())
        return records
    t0 = time.perf_counter()
    try:
        with deadline(hard_limit_s(configs[0].settings.get("time_limit_s")), what=trainer.what):
            trainer.train(configs, records, artifacts_dir)
    except (KeyboardInterrupt, SystemExit):
        raise
    except DeadlineExceeded as exc:
        for record in records:
            if record["status"] is None:
                record["status"], record["reason"] = Status.TIMEOUT, str(exc)
    except Exception as exc:
        if len(configs) > 1:
            split = {"group_size": len(configs), "reason": f"{type(exc).__name__}: {exc}".splitlines()[0][:300]}
            half = len(configs) // 2
            more = (*_splits, split)
            return train_trials(
                configs[:half], artifacts_dir=artifacts_dir, trainer=trainer, _splits=more
            ) + train_trials(configs[half:], artifacts_dir=artifacts_dir, trainer=trainer, _splits=more)
        for record in records:
            _failed(record, exc)
    wall = time.perf_counter() - t0
    trainer.close(configs, records, wall_s=wall, splits=_splits)
    for record in records:
        record["wall_s"] = wall / len(configs)
        record["finished_at"] = utc_now()
    return records


def train_trial(config: TrialConfig, *, artifacts_dir: Path | None = None) -> dict[str, Any]:
    """Train one trial and return its record (a fused trial trains as a fused group of one).

    At a fixed ``fused_slot_width`` a fused slot's bits do not depend on its group, so search,
    verify and resume need no case of their own.
    """
    return train_trials([config], artifacts_dir=artifacts_dir)[0]


def train_and_store(task: Sequence[TrialConfig], store: ResultStore, artifacts_dir: Path) -> list[dict[str, Any]]:
    """Claim each trial of a task, train the claimed ones, store each record atomically, release.

    A trial another process holds (or already stored) is left out; the rest train (each fused
    slot's bits do not depend on its neighbours at a fixed slot width). Records are stored when
    the task ends, so a kill mid-task leaves every member unstored and a rerun trains them again
    to the same bits. Runs where the task runs (this process or a worker); whether to start a
    task at all after a stop was asked for is decided by whoever hands out the tasks.
    """
    claimed = [trial for trial in task if store.claim(trial.trial_id)]
    try:
        if not claimed:
            return []
        records = train_trials(claimed, artifacts_dir=artifacts_dir)
        for record in records:
            store.put(record)
        return records
    finally:
        for trial in claimed:
            store.release(trial.trial_id)
