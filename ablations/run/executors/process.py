"""A local pool of long-lived worker processes, one pool per (backend, device) group.

Each worker imports the framework once (the pool's initializer) and then runs many trials, so
the ~7 s import and the process start are paid per worker, not per trial. Workers are started
with ``forkserver`` (``spawn`` where that is missing), never ``fork``: a forked TensorFlow
runtime deadlocks.

The unit a worker runs is a task (:func:`~ablations.run.fused.groups.plan_tasks`): one trial
that trains with ``fit``, or a whole fused group (``trainer = "fused"``), trained as one program.

A worker that dies (killed, out of memory, a crash in native code) breaks the whole
``concurrent.futures`` pool, and the pool stops its other workers too. So the trials that were
running then are rerun one at a time in a fresh one-worker pool: the one whose worker dies again
there is recorded ``failed`` with reason "worker died"; the innocent ones finish normally.
"""

from __future__ import annotations

import logging
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ablations.describe.status import Status
from ablations.describe.trial import TrialConfig
from ablations.run.executors.base import Executor
from ablations.run.executors.workers import (
    STOP_POLL_S,
    STOP_REQUESTED,
    OnResult,
    stop_if_requested,
    store_outcome,
    worker_died_record,
    worker_pool,
)
from ablations.run.fused.groups import plan_tasks
from ablations.run.lifecycle import train_and_store
from ablations.run.store import ResultStore

log = logging.getLogger(__name__)


class ProcessExecutor(Executor):
    """``--executor process --jobs N``: N worker processes on this machine."""

    def dispatch_group(
        self, backend: str, trials: list[TrialConfig], *, store: ResultStore, artifacts_dir: Path, on_result: OnResult
    ) -> None:
        queue = plan_tasks(trials, max_group=self.options.get("max_group"))
        suspects: list[list[TrialConfig]] = []
        while queue or suspects:
            stop_if_requested()
            # A task that was running when a pool broke is rerun alone, in a pool of its own:
            # if that pool breaks too, this task killed its worker and nothing else is blamed.
            isolating = bool(suspects)
            if isolating:
                batch, workers = [suspects.pop(0)], 1
            else:
                batch, workers, queue = queue, min(self.jobs, len(queue)), []
            interrupted = self._run_pool(
                backend, batch, workers=workers, store=store, artifacts_dir=artifacts_dir, on_result=on_result
            )
            for task in interrupted:
                if isolating:
                    for trial in task:
                        if store.get(trial.trial_id) is None:
                            detail = f"the worker process running trial {trial.trial_id} exited abruptly"
                            on_result(store_outcome(trial, store, worker_died_record(trial, detail)))
                elif any(
                    (store.unfinished(trial.trial_id, attempted=set()) or ("",))[0] == Status.KILLED for trial in task
                ):
                    suspects.append(task)
                else:
                    queue.append(task)

    def _run_pool(
        self,
        backend: str,
        tasks: list[list[TrialConfig]],
        *,
        workers: int,
        store: ResultStore,
        artifacts_dir: Path,
        on_result: OnResult,
    ) -> list[list[TrialConfig]]:
        """Run ``tasks`` in one pool; return those it did not finish because the pool broke.

        A task is submitted only when a worker is free, so none waits inside the pool: after a
        stop no further task is submitted, and a broken pool loses no queued task.
        """
        pool = worker_pool(backend, workers)
        pending: dict[Future, list[TrialConfig]] = {}
        todo = list(reversed(tasks))
        interrupted: list[list[TrialConfig]] = []
        try:
            while todo or pending:
                while todo and len(pending) < workers and not STOP_REQUESTED.is_set():
                    task = todo.pop()
                    pending[pool.submit(train_and_store, task, store, artifacts_dir)] = task
                if not pending:  # stopped, and what was running has finished
                    break
                done, _ = wait(pending, timeout=STOP_POLL_S, return_when=FIRST_COMPLETED)
                for future in done:
                    task = pending.pop(future)
                    try:
                        records = future.result()
                    except BrokenProcessPool:
                        interrupted.append(task)
                        continue
                    for record in records:
                        on_result(record)
                if interrupted:
                    interrupted += list(pending.values()) + list(reversed(todo))
                    log.warning("a worker died; %d unfinished tasks go to a fresh pool", len(interrupted))
                    return interrupted
        finally:
            # Joins the workers, so a dead worker's claim reads as stale afterwards.
            pool.shutdown(wait=True, cancel_futures=True)
        if todo:  # left unstarted by a stop
            stop_if_requested()
        return interrupted
