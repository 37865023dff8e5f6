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
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ablations.executors.base import STOP_POLL_S, STOP_REQUESTED, Executor, OnResult, stop_if_requested
from ablations.executors.workers import (
    configure_worker,
    execute_one,
    store_outcome,
    threads_per_worker,
    worker_died_record,
)
from ablations.status import Status
from ablations.store import ResultStore
from ablations.trial import TrialConfig

log = logging.getLogger(__name__)


def worker_context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def worker_pool(backend: str, workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes set up for ``backend`` (shared with ``ablations verify``)."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=worker_context(),
        initializer=configure_worker,
        initargs=(backend, threads_per_worker(workers)),
    )


class ProcessExecutor(Executor):
    """``--executor process --jobs N``: N worker processes on this machine."""

    def run_group(
        self, backend: str, trials: list[TrialConfig], *, store: ResultStore, artifacts_dir: Path, on_result: OnResult
    ) -> None:
        queue = list(trials)
        suspects: list[TrialConfig] = []
        while queue or suspects:
            stop_if_requested()
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
                elif (store.unfinished(trial.trial_id, attempted=set()) or ("",))[0] == Status.KILLED:
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
        """Run ``trials`` in one pool; return those it did not finish because the pool broke.

        A trial is submitted only when a worker is free, so none waits inside the pool: after a
        stop no further trial is submitted, and a broken pool loses no queued trial.
        """
        pool = worker_pool(backend, workers)
        pending: dict[Future, TrialConfig] = {}
        todo = list(reversed(trials))
        interrupted: list[TrialConfig] = []
        try:
            while todo or pending:
                while todo and len(pending) < workers and not STOP_REQUESTED.is_set():
                    trial = todo.pop()
                    pending[pool.submit(execute_one, trial, store, artifacts_dir)] = trial
                if not pending:  # stopped, and what was running has finished
                    break
                done, _ = wait(pending, timeout=STOP_POLL_S, return_when=FIRST_COMPLETED)
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
        if todo:  # left unstarted by a stop
            stop_if_requested()
        return interrupted
