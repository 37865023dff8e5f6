"""Modules that moved: importing an old path says where the module went, instead of "No module".

The finder sits after the path finder in ``sys.meta_path``, so it is asked only when the module
is not in the package's directory: a path in the table costs nothing while its module still
exists (a rename not merged yet) and never shadows a module that does. The table is the one record of renames: a helper that
moves a module adds its row here.
"""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

SINCE = "keras-ablations 0.2"

# Old module path -> new module path. A submodule of an old package moves with it
# (ablations.regression.check -> ablations.gate.check) unless it has a row of its own.
MOVED: dict[str, str] = {
    "ablations.catalog": "ablations.matrix_files",
    "ablations.datasets.catalog": "ablations.datasets.registry",
    "ablations.regression": "ablations.gate",
    "ablations.regression.baseline": "ablations.gate.baseline",
    "ablations.regression.check": "ablations.gate.check",
    "ablations.regression.tolerance": "ablations.gate.tolerance",
    "ablations.regression.metrics": "ablations.gate.metrics",
    "ablations.search.report": "ablations.reporting.search",
}


def new_path(old: str) -> str | None:
    """Where ``old`` moved, or None if it did not."""
    if old in MOVED:
        return MOVED[old]
    parent = old.rpartition(".")[0]
    while parent:
        if parent in MOVED:
            return f"{MOVED[parent]}.{old[len(parent) + 1 :]}"
        parent = parent.rpartition(".")[0]
    return None


class MovedModuleError(ModuleNotFoundError):
    """An import of a module path that moved; the message names the new path."""


class MovedFinder(importlib.abc.MetaPathFinder):
    """Raises :class:`MovedModuleError` for a moved path that nothing else could find."""

    def find_spec(self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None) -> Any:
        new = new_path(fullname)
        if new is None:
            return None
        raise MovedModuleError(f"{fullname} moved to {new} ({SINCE}); update the import", name=fullname)


def install() -> None:
    """Put the finder once right after the path finder, so an existing module always wins.

    Right after it, not last: an editable install of another checkout adds a finder that
    would otherwise serve that checkout's copy of a module this one has moved.
    """
    if any(isinstance(finder, MovedFinder) for finder in sys.meta_path):
        return
    from importlib.machinery import PathFinder

    at = next((i + 1 for i, finder in enumerate(sys.meta_path) if finder is PathFinder), len(sys.meta_path))
    sys.meta_path.insert(at, MovedFinder())


__all__ = ["MOVED", "MovedFinder", "MovedModuleError", "install", "new_path"]
