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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ablations.executors.base import Executor, OnResult
from ablations.executors.workers import (
    group_trials,
    run_in_worker,
    skip_group,
    store_outcome,
    threads_per_worker,
    unavailable_reason,
    worker_died_record,
    worker_environment,
)
from ablations.store import ResultStore
from ablations.trial import TrialConfig

log = logging.getLogger(__name__)


class DaskExecutor(Executor):
    """``--executor dask [--scheduler tcp://host:port] [--jobs N]``."""

    def __init__(self, *, jobs: int = 1, scheduler: str | None = None, **options: Any) -> None:
        super().__init__(jobs=jobs, **options)
        self.scheduler = scheduler

    def run(
        self,
        trials: Sequence[TrialConfig],
        *,
        store: ResultStore,
        artifacts_dir: Path,
        on_result: OnResult,
    ) -> None:
        from distributed import Client, LocalCluster

        for (backend, _device), group in group_trials(trials).items():
            if self.scheduler is not None:
                with Client(self.scheduler) as client:
                    self._run_group(client, group, threads=1, store=store, artifacts_dir=artifacts_dir, on_result=on_result)
                continue
            reason = unavailable_reason(backend)
            if reason is not None:
                skip_group(group, reason, store=store, on_result=on_result)
                continue
            workers = max(1, min(self.jobs, len(group)))
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
                self._run_group(client, group, threads=threads, store=store, artifacts_dir=artifacts_dir, on_result=on_result)

    def _run_group(
        self,
        client: Any,
        trials: list[TrialConfig],
        *,
        threads: int,
        store: ResultStore,
        artifacts_dir: Path,
        on_result: OnResult,
    ) -> None:
        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        futures = {
            client.submit(
                run_in_worker, trial, store, artifacts_dir, threads, key=f"trial-{trial.trial_id}", pure=False
            ): trial
            for trial in trials
        }
        for future in as_completed(futures):
            trial = futures[future]
            try:
                record = future.result()
            except KilledWorker as exc:
                record = store_outcome(trial, store, worker_died_record(trial, str(exc)))
            if record is not None:
                on_result(record)
