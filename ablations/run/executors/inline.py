"""Run trials one after another in this process (the framework is imported once).

Keras runs one backend per process, so a group of another backend (``backend = "jax"`` in a
TensorFlow process) runs in one worker process of its own backend, as ``--executor process
--jobs 1`` would run it, instead of being skipped. Fused trials (``trainer = "fused"``) train
in groups here too (:func:`~ablations.run.fused.groups.plan_tasks`): the executor never
changes what a trial computes.
"""

from __future__ import annotations

from pathlib import Path

from ablations.describe.trial import TrialConfig
from ablations.run.executors.base import Executor
from ablations.run.executors.process import ProcessExecutor
from ablations.run.executors.workers import OnResult, import_framework, process_backend, stop_if_requested
from ablations.run.fused.groups import plan_tasks
from ablations.run.lifecycle import train_and_store
from ablations.run.store import ResultStore


class InlineExecutor(Executor):
    def dispatch_group(
        self,
        backend: str,
        trials: list[TrialConfig],
        *,
        store: ResultStore,
        artifacts_dir: Path,
        on_result: OnResult,
    ) -> None:
        if backend != process_backend():
            ProcessExecutor(jobs=1, **self.options).dispatch_group(
                backend, trials, store=store, artifacts_dir=artifacts_dir, on_result=on_result
            )
            return
        import_framework()
        for task in plan_tasks(trials, max_group=self.options.get("max_group")):
            stop_if_requested()
            for record in train_and_store(task, store, artifacts_dir):
                on_result(record)
