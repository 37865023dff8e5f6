"""Run trials one after another in this process (the framework is imported once)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ablations.executors.base import Executor, OnResult, execute_one
from ablations.store import ResultStore
from ablations.trial import TrialConfig


class InlineExecutor(Executor):
    def run(
        self,
        trials: Sequence[TrialConfig],
        *,
        store: ResultStore,
        artifacts_dir: Path,
        on_result: OnResult,
    ) -> None:
        for trial in trials:
            record = execute_one(trial, store, artifacts_dir)
            if record is not None:
                on_result(record)
