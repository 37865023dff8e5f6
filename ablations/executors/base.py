"""The executor interface and the one function every worker runs per trial."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ablations.store import ResultStore
from ablations.trial import TrialConfig

OnResult = Callable[[dict[str, Any]], None]

# Set by the CLI's SIGINT/SIGTERM handler. The KeyboardInterrupt that handler raises can be
# swallowed when it lands inside framework code that ignores exceptions (seen with SIGTERM
# during a TensorFlow call), so every executor also checks this before starting a trial.
STOP_REQUESTED = threading.Event()


def stop_if_requested() -> None:
    """Raise KeyboardInterrupt once a stop was asked for, before the next trial starts."""
    if STOP_REQUESTED.is_set():
        raise KeyboardInterrupt


def execute_one(trial: TrialConfig, store: ResultStore, artifacts_dir: Path) -> dict[str, Any] | None:
    """Claim, run, store atomically, release. None if another process holds the trial."""
    from ablations.runner import run_trial

    stop_if_requested()
    if not store.claim(trial.trial_id):
        return None
    try:
        record = run_trial(trial, artifacts_dir=artifacts_dir)
        store.put(record)
        return record
    finally:
        store.release(trial.trial_id)


class Executor(ABC):
    """Runs a list of trials, reporting each stored record through ``on_result``.

    ``run`` gets the whole list of pending trials, not one at a time, so an executor decides how
    to group them: the ones here group by (backend, device), because a worker process runs one
    Keras backend. A future executor may run a group of same-shape cells (seeds, learning rates,
    dropout rates) as one program (e.g. ``jax.vmap`` over the models) and store one record per
    trial from it; callers need not change for that.
    """

    def __init__(self, *, jobs: int = 1, **options: Any) -> None:
        self.jobs = jobs
        self.options = options

    @abstractmethod
    def run(
        self,
        trials: Sequence[TrialConfig],
        *,
        store: ResultStore,
        artifacts_dir: Path,
        on_result: OnResult,
    ) -> None: ...
