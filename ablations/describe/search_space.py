"""The search table of a matrix file: the space, the budget and what is optimized.

A space maps trial settings to ranges (float, optionally log-uniform; int; categorical). Every
strategy reads the same space, so the grid, the samplers and scikit-learn's distributions are
all derived here, from the parameter names in sorted order: a space written in another order
gives the same grid and the same trials (Optuna #3516 is a grid that did not).
"""

from __future__ import annotations

import itertools
import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ablations.describe.metrics import optimization_direction

Scalar = str | int | float | bool
# strict: "0.1" is not a number and 1 is not a string (pydantic's lax mode would convert them).
STRICT = ConfigDict(extra="forbid", frozen=True, strict=True)


def _check_range(low: float, high: float, log: bool, default: float | None) -> None:
    """The bounds every numeric parameter needs; a ValueError names what is wrong."""
    if not low < high:
        raise ValueError(f"low ({low}) must be below high ({high})")
    if log and low <= 0:
        raise ValueError(f"log = true needs low > 0 (got {low})")
    if default is not None and not low <= default <= high:
        raise ValueError(f"default {default} lies outside [{low}, {high}]")


class FloatParam(BaseModel):
    model_config = STRICT

    type: Literal["float"]
    low: float
    high: float
    log: bool = False
    default: float | None = None

    @model_validator(mode="after")
    def _check(self) -> FloatParam:
        _check_range(self.low, self.high, self.log, self.default)
        return self

    def levels(self) -> float:
        return math.inf

    def grid(self, n: int) -> list[float]:
        """Centres of ``n`` equal cells (in log space if ``log``): no point sits on an edge."""
        lo, hi = (math.log10(self.low), math.log10(self.high)) if self.log else (self.low, self.high)
        points = [lo + (i + 0.5) / n * (hi - lo) for i in range(n)]
        return [float(10**p) if self.log else float(p) for p in points]

    def centre(self) -> float:
        return self.default if self.default is not None else self.grid(1)[0]

    def corners(self) -> list[Any]:
        return [self.low, self.high]


class IntParam(BaseModel):
    model_config = STRICT

    type: Literal["int"]
    low: int
    high: int
    log: bool = False
    default: int | None = None

    @model_validator(mode="after")
    def _check(self) -> IntParam:
        _check_range(self.low, self.high, self.log, self.default)
        return self

    def levels(self) -> float:
        return self.high - self.low + 1

    def grid(self, n: int) -> list[int]:
        as_float = FloatParam(type="float", low=self.low - 0.5, high=self.high + 0.5)
        if self.log:
            as_float = FloatParam(type="float", low=self.low, high=self.high, log=True)
        values = [min(self.high, max(self.low, round(v))) for v in as_float.grid(n)]
        return sorted(set(values))

    def centre(self) -> int:
        return self.default if self.default is not None else self.grid(1)[0]

    def corners(self) -> list[Any]:
        return [self.low, self.high]


class CategoricalParam(BaseModel):
    model_config = STRICT

    type: Literal["categorical"]
    choices: list[Scalar] = Field(min_length=1)
    default: Scalar | None = None

    @model_validator(mode="after")
    def _check(self) -> CategoricalParam:
        if len(set(map(repr, self.choices))) != len(self.choices):
            raise ValueError("duplicate choices")
        if self.default is not None and self.default not in self.choices:
            raise ValueError(f"default {self.default!r} is not one of the choices")
        return self

    def levels(self) -> float:
        return len(self.choices)

    def grid(self, n: int) -> list[Scalar]:
        """``n`` choices spread over the list (all of them when ``n`` is its length)."""
        if n >= len(self.choices):
            return list(self.choices)
        picks = np.linspace(0, len(self.choices) - 1, n).round().astype(int)
        return [self.choices[i] for i in sorted(set(picks.tolist()))]

    def centre(self) -> Scalar:
        return self.default if self.default is not None else self.choices[0]

    def corners(self) -> list[Any]:
        return list(self.choices)


Param = Annotated[FloatParam | IntParam | CategoricalParam, Field(discriminator="type")]
PARAM_TYPES = ("float", "int", "categorical")


def clean_param_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """An error location without the parameter's type, which pydantic inserts after its name.

    ``search.space.learning_rate.float.low`` -> ``search.space.learning_rate.low``: the
    author wrote no table named ``float``.
    """
    for i in range(len(loc) - 3):
        if loc[i : i + 2] == ("search", "space") and loc[i + 3] in PARAM_TYPES:
            return (*loc[: i + 3], *loc[i + 4 :])
    return loc


class SearchTable(BaseModel):
    """``[search]``: what every strategy of the matrix searches, and for how many trials."""

    model_config = STRICT

    budget: int = Field(ge=1, le=100_000, description="trials per search, the same for every strategy")
    metric: str = Field("val_loss", description="a per-epoch series of the trial's history; its best epoch counts")
    direction: Literal["minimize", "maximize"] = "minimize"
    space: dict[str, Param] = Field(min_length=1)
    manual_setting: str = Field("learning_rate", description="the setting the manual loop sweeps")
    cv_folds: int = Field(3, ge=2, le=20, description="folds of sklearn_random's cross-validation")

    @model_validator(mode="after")
    def _check(self) -> SearchTable:
        if self.manual_setting not in self.space:
            raise ValueError(
                f"manual_setting {self.manual_setting!r} is not in the space ({', '.join(sorted(self.space))})"
            )
        expected = optimization_direction(self.metric)
        if self.direction != expected:
            raise ValueError(
                f"metric {self.metric!r} is {expected}d, not {self.direction}d (ablations.describe.metrics decides); "
                f"set direction = {expected!r}"
            )
        return self

    def names(self) -> list[str]:
        return sorted(self.space)


class SearchOverride(BaseModel):
    """A profile's changes to ``[search]`` (smoke runs a smaller budget)."""

    model_config = STRICT

    budget: int | None = Field(None, ge=1, le=100_000)
    cv_folds: int | None = Field(None, ge=2, le=20)


def grid_levels(space: dict[str, Any], budget: int) -> dict[str, int]:
    """Levels per parameter: one more for each name in turn (sorted) until the grid holds ``budget``."""
    names = sorted(space)
    levels = {name: 1 for name in names}
    while math.prod(levels.values()) < budget:
        grown = False
        for name in names:
            if levels[name] < space[name].levels():
                levels[name] += 1
                grown = True
                if math.prod(levels.values()) >= budget:
                    break
        if not grown:
            break
    return levels


def grid_points(space: dict[str, Any], budget: int, seed: int) -> list[dict[str, Any]]:
    """A grid sized to the budget, shuffled with the seed, cut to ``budget`` points.

    The smallest grid (levels grown name by name) with at least ``budget`` points; when it
    holds more, the seed's shuffle decides which are run, so each seed runs a different part.
    """
    names = sorted(space)
    levels = grid_levels(space, budget)
    axes = [space[name].grid(levels[name]) for name in names]
    points = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*axes)]
    order = np.random.default_rng(seed).permutation(len(points))
    return [points[i] for i in order[:budget]]


def manual_points(space: dict[str, Any], budget: int, setting: str) -> list[dict[str, Any]]:
    """The course's loop: ``budget`` values of one setting, in increasing order, the rest at their defaults."""
    base = {name: space[name].centre() for name in sorted(space)}
    param = space[setting]
    values = param.grid(int(min(budget, param.levels())))
    points = [{**base, setting: value} for value in values]
    return [points[i % len(points)] for i in range(budget)]
