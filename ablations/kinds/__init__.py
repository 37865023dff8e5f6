"""Matrix kinds: what a matrix file's ``kind`` names, as an extension point.

A kind knows how to check, expand, list, show, run and load the results of its matrices
(:class:`~ablations.kinds.base.MatrixKind`). The suite ships ``trials`` (the Cartesian product
of the axes, seeds innermost) and ``search`` (one hyperparameter search per cell and seed); a
plugin adds another with ``MATRIX_KINDS.register("name", "module:OBJECT")``, and matrix files
may then say ``kind = "name"``.
"""

from __future__ import annotations

from ablations.kinds.base import MatrixKind
from ablations.registry import Registry

MATRIX_KINDS: Registry[MatrixKind] = Registry(
    "matrix kind",
    {
        "trials": "ablations.kinds.trials:TRIALS",
        "search": "ablations.kinds.search:SEARCH",
    },
)

__all__ = ["MATRIX_KINDS", "MatrixKind"]
