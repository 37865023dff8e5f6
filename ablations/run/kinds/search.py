"""Kind ``search``: the axis ``strategy`` names a hyperparameter search over ``[search].space``.

Each (cell, seed) is one search (:mod:`ablations.run.search`); its trials are normal stored trials,
picked while it runs, so a search matrix lists no trials before running. Everything of the
search package is imported when asked for: loading a matrix file never imports Optuna.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ablations.describe.kinds import Matrix, MatrixKind, Profile
from ablations.describe.run_summary import RunRequest, RunSummary

if TYPE_CHECKING:
    from ablations.describe.trial import TrialConfig


class SearchKind(MatrixKind):
    name = "search"
    parallel_workers = False

    def check_profile(self, matrix: Matrix, profile: Profile) -> None:
        from ablations.run.search.plan import check_search_profile

        check_search_profile(matrix, profile)

    def trials(self, matrix: Matrix, profile: Profile) -> list[TrialConfig]:
        self.check_profile(matrix, profile)  # every cell and the space are checked; no trials yet
        return []

    def list_row(self, matrix: Matrix) -> list[str]:
        from ablations.run.search.records import list_row

        return list_row(matrix)

    def show(self, matrix: Matrix, profile: str, runs_dir: Path) -> str:
        from ablations.run.search.records import show_search_matrix

        return show_search_matrix(matrix, profile, runs_dir)

    def run(self, matrix: Matrix, profile: str, request: RunRequest) -> RunSummary:
        from ablations.run.search.run import run_search_matrix

        return run_search_matrix(
            matrix,
            profile,
            runs_dir=request.runs_dir,
            storage=request.search_storage,
            jobs=request.jobs,
            executor=request.executor,
            force=request.force,
            quiet=request.quiet,
        )

    def records(self, matrix: Matrix, profile: str, runs_dir: Path) -> tuple[list[Any], list[dict[str, Any]]]:
        from ablations.run.search.records import search_profile_records

        return [], search_profile_records(matrix, profile, runs_dir)


SEARCH = SearchKind()
