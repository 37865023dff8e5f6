"""The executor interface: group the trials, skip what cannot run here, run each group.

:meth:`Executor.run` is a template method: it groups the trials by (backend, device), stores a
group whose backend is not installed as ``skipped`` (one shared helper) and hands every other
group to :meth:`Executor.dispatch_group`, the one method an executor implements.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ablations.describe.trial import TrialConfig
from ablations.run.executors.workers import (
    OnResult,
    group_trials,
    skip_group,
    stop_if_requested,
    unavailable_reason,
)
from ablations.run.store import ResultStore


class Executor(ABC):
    """Runs a list of trials, reporting each stored record through ``on_result``.

    ``run`` gets the whole list of pending trials, not one at a time, and groups them by
    (backend, device), because a worker process runs one Keras backend. Within a group,
    ``trainer = "fused"`` trials of one program train together as one task (``jax.vmap`` over
    the models, :mod:`ablations.run.fused`) that stores one record per trial. After a stop, an executor starts no further trial (those running may
    finish) and raises KeyboardInterrupt if any trial was left unstarted.
    """

    def __init__(self, *, jobs: int = 1, **options: Any) -> None:
        self.jobs = jobs
        self.options = options

    def run(
        self,
        trials: Sequence[TrialConfig],
        *,
        store: ResultStore,
        artifacts_dir: Path,
        on_result: OnResult,
    ) -> None:
        for (backend, _device), group in group_trials(trials).items():
            stop_if_requested()
            reason = self.unavailable_reason(backend)
            if reason is not None:
                skip_group(group, reason, store=store, on_result=on_result)
                continue
            self.dispatch_group(backend, group, store=store, artifacts_dir=artifacts_dir, on_result=on_result)

    def unavailable_reason(self, backend: str) -> str | None:
        """Why ``backend`` cannot run where this executor runs trials (None: it can)."""
        return unavailable_reason(backend)

    @abstractmethod
    def dispatch_group(
        self,
        backend: str,
        trials: list[TrialConfig],
        *,
        store: ResultStore,
        artifacts_dir: Path,
        on_result: OnResult,
    ) -> None:
        """Run one group's trials (one backend, one device); check :data:`STOP_REQUESTED` before each."""


__all__ = ["Executor"]
