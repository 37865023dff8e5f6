"""Published results the suite reproduces: a number from a paper or a data set's own page, the
cells of a shipped matrix that follow its recipe, and how far the measured mean may fall from it.

Like the claims, these are data: the reading layer (:mod:`ablations.read.claims.published`)
puts the measured mean beside the published number and flags a miss beyond ``tolerance``. The
published number is context, quoted from its source; the measured one comes from the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ablations.describe.registry import Registry

MNIST1D_SOURCE = "Greydanus 2020, MNIST-1D (the mnist1d README's table)"


@dataclass(frozen=True)
class PublishedResult:
    """One published number and the cells that reproduce it."""

    key: str
    what: str  # the model and data in a few words
    matrix: str  # the shipped matrix whose cells follow the recipe
    cell: Mapping[str, Any]  # the settings that pick those cells
    measure: str  # a name in ablations.describe.claims.MEASURES
    value: float  # the published number, in the measure's units
    source: str
    tolerance: float = 0.03  # a measured mean further than this from ``value`` is flagged


PUBLISHED: Registry[PublishedResult] = Registry("published result", {})
for _result in (
    PublishedResult(
        key="mnist1d_logistic_regression",
        what="logistic regression on MNIST-1D",
        matrix="baselines",
        cell={"depth": 0},
        measure="test_accuracy",
        value=0.32,
        source=MNIST1D_SOURCE,
    ),
    PublishedResult(
        key="mnist1d_mlp",
        what="MLP (2 hidden layers of 100, ReLU) on MNIST-1D",
        matrix="baselines",
        cell={"depth": 2},
        measure="test_accuracy",
        value=0.68,
        source=MNIST1D_SOURCE,
    ),
):
    PUBLISHED.register(_result.key, _result)
