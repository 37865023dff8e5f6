"""Run trials one after another in this process (the framework is imported once).

Keras runs one backend per process, so a group of another backend (``backend = "jax"`` in a
TensorFlow process) runs in one worker process of its own backend, as ``--executor process
--jobs 1`` would run it, instead of being skipped.
"""

from __future__ import annotations

from pathlib import Path

from ablations.executors.base import Executor, OnResult, stop_if_requested
from ablations.executors.process import ProcessExecutor
from ablations.executors.workers import execute_one, import_framework, process_backend
from ablations.store import ResultStore
from ablations.trial import TrialConfig


class InlineExecutor(Executor):
    def run_group(
        self,
        backend: str,
        trials: list[TrialConfig],
        *,
        store: ResultStore,
        artifacts_dir: Path,
        on_result: OnResult,
    ) -> None:
        if backend != process_backend():
            ProcessExecutor(jobs=1).run_group(
                backend, trials, store=store, artifacts_dir=artifacts_dir, on_result=on_result
            )
            return
        import_framework()
        for trial in trials:
            stop_if_requested()
            record = execute_one(trial, store, artifacts_dir)
            if record is not None:
                on_result(record)
