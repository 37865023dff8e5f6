"""Matrix kinds: what a matrix file's ``kind`` names, as an extension point.

A kind checks, expands, lists, shows, runs and loads the results of its matrices
(:class:`MatrixKind`: one small base class, as an Optuna sampler has). The suite ships
``trials`` (the Cartesian product of the axes, seeds innermost) and ``search`` (one
hyperparameter search per cell and seed), both in :mod:`ablations.run.kinds` and imported on
first use; a plugin adds another with ``MATRIX_KINDS.register("name", "module:OBJECT")``, and
matrix files may then say ``kind = "name"``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ablations.describe.registry import Registry

if TYPE_CHECKING:
    from ablations.describe.run_summary import RunRequest, RunSummary
    from ablations.describe.trial import TrialConfig

# What a kind is handed: an ablations.describe.spec.Matrix and one of its Profiles. Not imported: spec
# depends on the kinds (a file's ``kind`` is checked against MATRIX_KINDS), never the reverse.
Matrix = Any
Profile = Any


class MatrixKind(ABC):
    """What ``kind = "..."`` in a matrix file selects. Stateless: one instance serves every matrix."""

    name: str = ""
    # Whether ``--jobs auto`` may hand this kind's units to worker processes (a search runs in
    # the ablations process itself).
    parallel_workers: bool = True

    def check_file(self, matrix: Matrix) -> None:
        """Checks of the whole file before any profile is expanded (a no-op by default)."""

    @abstractmethod
    def check_profile(self, matrix: Matrix, profile: Profile) -> None:
        """Raise MatrixError unless every cell of ``profile`` can run."""

    @abstractmethod
    def trials(self, matrix: Matrix, profile: Profile) -> list[TrialConfig]:
        """The trials known before running (a search picks its own while it runs: none)."""

    @abstractmethod
    def list_row(self, matrix: Matrix) -> list[str]:
        """``ablations list``: [name, counts per profile, first line of the description]."""

    @abstractmethod
    def show(self, matrix: Matrix, profile: str, runs_dir: Path) -> str:
        """``ablations show``: a title line and a table of the profile's units with stored status."""

    @abstractmethod
    def run(self, matrix: Matrix, profile: str, request: RunRequest) -> RunSummary:
        """``ablations run``: run what has no stored result yet."""

    @abstractmethod
    def records(self, matrix: Matrix, profile: str, runs_dir: Path) -> tuple[list[Any], list[dict[str, Any]]]:
        """For reports: the profile's trials and one record per report row (placeholders for unfinished)."""


def description_line(matrix: Matrix) -> str:
    return matrix.spec.description.strip().split("\n")[0][:70]


MATRIX_KINDS: Registry[MatrixKind] = Registry(
    "matrix kind",
    {
        "trials": "ablations.run.kinds.trials:TRIALS",
        "search": "ablations.run.kinds.search:SEARCH",
    },
)
