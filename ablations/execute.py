"""Run a matrix profile: expand, skip what is stored, hand the rest to an executor."""

from __future__ import annotations

import collections
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ablations.executors import EXECUTORS
from ablations.spec import Matrix
from ablations.store import ResultStore
from ablations.trial import TrialConfig


@dataclass
class RunSummary:
    matrix: str
    profile: str
    total: int
    already_done: int
    ran: int = 0
    statuses: collections.Counter = field(default_factory=collections.Counter)
    failures: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def problems(self) -> int:
        return sum(n for status, n in self.statuses.items() if status in ("failed", "timeout"))

    def line(self) -> str:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(self.statuses.items())) or "nothing to run"
        return (
            f"{self.matrix} [{self.profile}]: {self.total} trials, {self.already_done} already stored, "
            f"ran {self.ran} ({counts}) in {self.wall_s:.1f} s"
        )


def pending_trials(
    trials: list[TrialConfig], store: ResultStore, *, force: bool, retry_failed: bool
) -> list[TrialConfig]:
    if force:
        return trials
    return [t for t in trials if not store.is_done(t.trial_id, retry_failed=retry_failed)]


def run_matrix(
    matrix: Matrix,
    profile: str,
    *,
    runs_dir: Path,
    executor: str = "inline",
    jobs: int = 1,
    force: bool = False,
    retry_failed: bool = False,
    quiet: bool = False,
    executor_options: dict[str, Any] | None = None,
    search_storage: str | None = None,
) -> RunSummary:
    """Run every trial of ``profile`` that has no stored result yet (all with ``force``)."""
    from tqdm.auto import tqdm

    if matrix.spec.kind == "search":
        from ablations.search.run import run_search_matrix

        return run_search_matrix(
            matrix, profile, runs_dir=runs_dir, storage=search_storage, jobs=jobs, executor=executor,
            force=force, quiet=quiet,
        )
    trials = matrix.trials(profile)
    store = ResultStore(runs_dir, matrix.name)
    todo = pending_trials(trials, store, force=force, retry_failed=retry_failed)
    summary = RunSummary(matrix.name, profile, len(trials), len(trials) - len(todo))
    started = time.perf_counter()
    bar = tqdm(total=len(todo), desc=f"{matrix.name}[{profile}]", unit="trial", disable=quiet or not todo)

    def on_result(record: dict[str, Any]) -> None:
        summary.ran += 1
        summary.statuses[record["status"]] += 1
        if record["status"] in ("failed", "timeout"):
            summary.failures.append(f"{record['trial_id']} {record['status']}: {record.get('reason')}")
        bar.set_postfix_str(f"{record['status']}: {TrialConfig.from_dict(record).label}"[:80])
        bar.update(1)

    runner = EXECUTORS.get(executor)(jobs=jobs, **(executor_options or {}))
    try:
        runner.run(todo, store=store, artifacts_dir=runs_dir / matrix.name, on_result=on_result)
    finally:
        bar.close()
        summary.wall_s = time.perf_counter() - started
    return summary
