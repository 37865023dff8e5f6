"""A local pool of long-lived worker processes, one pool per (backend, device) group.

Each worker imports the framework once (the pool's initializer) and then runs many trials, so
the ~7 s import and the process start are paid per worker, not per trial. Workers are started
with ``forkserver`` (``spawn`` where that is missing), never ``fork``: a forked TensorFlow
runtime deadlocks.

A worker that dies (killed, out of memory, a crash in native code) breaks the whole
``concurrent.futures`` pool, and the pool stops its other workers too. So the trials that were
running then are rerun one at a time in a fresh one-worker pool: the one whose worker dies again
there is recorded ``failed`` with reason "worker died"; the innocent ones finish normally.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ablations.executors.base import Executor, OnResult, execute_one
from ablations.executors.workers import (
    configure_worker,
    group_trials,
    skip_group,
    store_outcome,
    threads_per_worker,
    unavailable_reason,
    worker_died_record,
)
from ablations.store import ResultStore
from ablations.trial import TrialConfig

log = logging.getLogger(__name__)


def worker_context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class ProcessExecutor(Executor):
    """``--executor process --jobs N``: N worker processes on this machine."""

    def run(
        self,
        trials: Sequence[TrialConfig],
        *,
        store: ResultStore,
        artifacts_dir: Path,
        on_result: OnResult,
    ) -> None:
        for (backend, _device), group in group_trials(trials).items():
            reason = unavailable_reason(backend)
            if reason is not None:
                skip_group(group, reason, store=store, on_result=on_result)
                continue
            self._run_group(backend, group, store=store, artifacts_dir=artifacts_dir, on_result=on_result)

    def _run_group(
        self, backend: str, trials: list[TrialConfig], *, store: ResultStore, artifacts_dir: Path, on_result: OnResult
    ) -> None:
        queue = list(trials)
        suspects: list[TrialConfig] = []
        while queue or suspects:
            # A trial that was running when a pool broke is rerun alone, in a pool of its own:
            # if that pool breaks too, this trial killed its worker and nothing else is blamed.
            isolating = bool(suspects)
            if isolating:
                batch, workers = [suspects.pop(0)], 1
            else:
                batch, workers, queue = queue, min(self.jobs, len(queue)), []
            interrupted = self._run_pool(
                backend, batch, workers=workers, store=store, artifacts_dir=artifacts_dir, on_result=on_result
            )
            for trial in interrupted:
                if isolating:
                    detail = f"the worker process running trial {trial.trial_id} exited abruptly"
                    on_result(store_outcome(trial, store, worker_died_record(trial, detail)))
                elif (store.unfinished(trial.trial_id, attempted=set()) or ("",))[0] == "killed":
                    suspects.append(trial)
                else:
                    queue.append(trial)

    def _run_pool(
        self,
        backend: str,
        trials: list[TrialConfig],
        *,
        workers: int,
        store: ResultStore,
        artifacts_dir: Path,
        on_result: OnResult,
    ) -> list[TrialConfig]:
        """Run ``trials`` in one pool; return those it did not finish because the pool broke."""
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=worker_context(),
            initializer=configure_worker,
            initargs=(backend, threads_per_worker(workers)),
        )
        pending: dict[Future, TrialConfig] = {}
        # In order, at most a few per worker ahead: a broken pool then loses few queued trials.
        todo = list(reversed(trials))
        interrupted: list[TrialConfig] = []
        try:
            while todo or pending:
                while todo and len(pending) < 2 * workers:
                    trial = todo.pop()
                    pending[pool.submit(execute_one, trial, store, artifacts_dir)] = trial
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    trial = pending.pop(future)
                    try:
                        record = future.result()
                    except BrokenProcessPool:
                        interrupted.append(trial)
                        continue
                    if record is not None:
                        on_result(record)
                if interrupted:
                    interrupted += list(pending.values()) + list(reversed(todo))
                    log.warning("a worker died; %d unfinished trials go to a fresh pool", len(interrupted))
                    return interrupted
        finally:
            # Joins the workers, so a dead worker's claim reads as stale afterwards.
            pool.shutdown(wait=True, cancel_futures=True)
        return interrupted
