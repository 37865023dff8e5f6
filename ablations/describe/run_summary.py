"""What ``ablations run`` asks of a matrix kind, and what it gets back: a leaf module.

Both the trials and the search kind fill a :class:`RunSummary`; keeping it here (not in
``execute``) lets the search package build one without importing the module that dispatches to it.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ablations.describe.status import Status


@dataclass(frozen=True)
class RunRequest:
    """The options of one ``ablations run``; a kind uses those that apply to it."""

    runs_dir: Path
    executor: str = "inline"
    jobs: int = 1
    force: bool = False
    retry_failed: bool = False
    quiet: bool = False
    executor_options: dict[str, Any] | None = None
    search_storage: str | None = None  # search matrices: an Optuna storage URL


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
        return sum(n for status, n in self.statuses.items() if status in (Status.FAILED, Status.TIMEOUT))

    def line(self) -> str:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(self.statuses.items())) or "nothing to run"
        return (
            f"{self.matrix} [{self.profile}]: {self.total} trials, {self.already_done} already stored, "
            f"ran {self.ran} ({counts}) in {self.wall_s:.1f} s"
        )


__all__ = ["RunRequest", "RunSummary"]
