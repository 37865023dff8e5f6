"""Run a matrix profile: the matrix's kind expands it, skips what is stored, runs the rest.

The kinds live in :mod:`ablations.describe.kinds` (``trials`` hands its trials to an executor,
``search`` runs one search per cell and seed); this is the one entry point the CLI calls.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ablations.describe.run_summary import RunRequest, RunSummary
from ablations.describe.spec import Matrix


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


__all__ = ["RunRequest", "RunSummary", "run_matrix"]
