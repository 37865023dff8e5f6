"""Trials on a Dask distributed cluster: ``--scheduler tcp://host:port``, or a local one.

Without ``--scheduler`` a ``LocalCluster`` of ``--jobs`` single-threaded worker processes is
started per (backend, device) group, with ``KERAS_BACKEND`` and thread limits in the workers'
environment before they import anything. With ``--scheduler`` the cluster is the user's: its
workers must share the runs directory (a shared file system) and run one backend (start them
with ``KERAS_BACKEND`` set); a trial of another backend is recorded ``skipped`` with the reason.
Scheduling, retries and worker loss are Dask's; a task whose workers kept dying
(``KilledWorker``) is recorded ``failed`` with reason "worker died".
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ablations.describe.trial import TrialConfig
from ablations.run.executors.base import Executor
from ablations.run.executors.workers import (
    STOP_REQUESTED,
    OnResult,
    stop_if_requested,
    store_outcome,
    threads_per_worker,
    train_task_in_worker,
    worker_died_record,
    worker_environment,
)
from ablations.run.fused.groups import group_id, plan_tasks
from ablations.run.store import ResultStore

log = logging.getLogger(__name__)


class DaskExecutor(Executor):
    """``--executor dask [--scheduler tcp://host:port] [--jobs N]``."""

    def __init__(self, *, jobs: int = 1, scheduler: str | None = None, **options: Any) -> None:
        super().__init__(jobs=jobs, **options)
        self.scheduler = scheduler

    def unavailable_reason(self, backend: str) -> str | None:
        # A user's cluster may have a backend this machine lacks: its workers check for themselves.
        return None if self.scheduler is not None else super().unavailable_reason(backend)

    def dispatch_group(
        self, backend: str, trials: list[TrialConfig], *, store: ResultStore, artifacts_dir: Path, on_result: OnResult
    ) -> None:
        from distributed import Client, LocalCluster

        if self.scheduler is not None:
            with Client(self.scheduler) as client:
                self._run_on(client, trials, threads=1, store=store, artifacts_dir=artifacts_dir, on_result=on_result)
            return
        workers = max(1, min(self.jobs, len(trials)))
        threads = threads_per_worker(workers)
        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                env=worker_environment(backend, threads),
            ) as cluster,
            Client(cluster) as client,
        ):
            self._run_on(client, trials, threads=threads, store=store, artifacts_dir=artifacts_dir, on_result=on_result)

    def _run_on(
        self,
        client: Any,
        trials: list[TrialConfig],
        *,
        threads: int,
        store: ResultStore,
        artifacts_dir: Path,
        on_result: OnResult,
    ) -> None:
        """Keep one task (a trial, or a fused group) per worker thread submitted, and submit no more after a stop.

        Dask would queue every submitted task on the workers; submitting as slots free up means
        a stop leaves no queued trial behind to start later.
        """
        from distributed import as_completed, wait
        from distributed.scheduler import KilledWorker

        slots = max(self.jobs, sum(client.nthreads().values()), 1)
        todo = list(reversed(plan_tasks(trials, max_group=self.options.get("max_group"))))
        running: dict[Any, list[TrialConfig]] = {}
        finished = as_completed()

        def submit_while_free() -> None:
            while todo and len(running) < slots and not STOP_REQUESTED.is_set():
                task = todo.pop()
                key = f"trial-{task[0].trial_id}" if len(task) == 1 else f"group-{group_id(task)}"
                future = client.submit(train_task_in_worker, task, store, artifacts_dir, threads, key=key, pure=False)
                running[future] = task
                finished.add(future)

        try:
            submit_while_free()
            for future in finished:
                task = running.pop(future)
                try:
                    records = future.result()
                except KilledWorker as exc:
                    records = [store_outcome(trial, store, worker_died_record(trial, str(exc))) for trial in task]
                for record in records:
                    on_result(record)
                submit_while_free()
        except KeyboardInterrupt:
            STOP_REQUESTED.set()
            log.warning("stopping: waiting for the %d running trials", len(running))
            wait(list(running))  # their records are stored by the workers
            raise
        if todo:  # left unstarted by a stop
            stop_if_requested()
