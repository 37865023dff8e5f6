"""Run a matrix profile: the matrix's kind expands it, skips what is stored, runs the rest.

The kinds live in :mod:`ablations.describe.kinds` (``trials`` hands its trials to an executor,
``search`` runs one search per cell and seed); this is the one entry point the CLI calls.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ablations.describe.run_summary import RunRequest, RunSummary
from ablations.describe.spec import Matrix

AUTO_JOBS = "auto"


def parallelism(matrix: Matrix, executor: str, jobs: int | str) -> tuple[str, int]:
    """The executor and worker count a run uses; ``jobs = "auto"`` picks them per matrix.

    Auto: one worker process per CPU core for a matrix whose trials can go to workers (the
    inline executor becomes ``process``; reports/fused.md measures 2 workers against 1 on 2
    cores), and this process alone for a search. Workers reproduce inline's bits (tested), so
    the choice changes how long a run takes, never its results.
    """
    if jobs != AUTO_JOBS:
        return executor, int(jobs)
    cores = os.cpu_count() or 1
    if not matrix.kind.parallel_workers or cores == 1:
        return executor, 1
    return ("process" if executor == "inline" else executor), cores


def run_matrix(
    matrix: Matrix,
    profile: str,
    *,
    runs_dir: Path,
    executor: str = "inline",
    jobs: int | str = 1,
    force: bool = False,
    retry_failed: bool = False,
    quiet: bool = False,
    executor_options: dict[str, Any] | None = None,
    search_storage: str | None = None,
) -> RunSummary:
    """Run every trial of ``profile`` that has no stored result yet (all with ``force``).

    ``jobs``: worker processes, or ``"auto"`` (:func:`parallelism`).
    """
    executor, jobs = parallelism(matrix, executor, jobs)
    request = RunRequest(
        runs_dir=Path(runs_dir),
        executor=executor,
        jobs=jobs,
        force=force,
        retry_failed=retry_failed,
        quiet=quiet,
        executor_options=executor_options,
        search_storage=search_storage,
    )
    return matrix.kind.run(matrix, profile, request)


__all__ = ["AUTO_JOBS", "RunRequest", "RunSummary", "parallelism", "run_matrix"]
