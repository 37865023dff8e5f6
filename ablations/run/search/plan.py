"""Expand a search matrix profile into searches: one per (cell, seed), with a stable id."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ablations.describe.errors import MatrixError
from ablations.describe.search_space import SearchTable
from ablations.describe.trial import short_hash
from ablations.describe.version import SCHEMA_VERSION

STRATEGY_AXIS = "strategy"
RECORD_DIR = "searches"  # runs/<matrix>/searches/<search id>.json: one record per search
SEARCH_VERSION = 1


@dataclass(frozen=True)
class SearchConfig:
    """One search: its strategy, the settings it does not search, the space, seed and budget.

    ``base`` holds the cell's settings before defaults (the search resolves each trial's full
    settings from ``base`` plus the sampled point, as the matrix loader would).
    """

    matrix: str
    cell: dict[str, Any]
    strategy: str
    base: dict[str, Any]
    resolved_base: dict[str, Any]
    table: SearchTable
    seed: int
    dataset_version: str
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def identity(self, *, with_seed: bool = True) -> dict[str, Any]:
        table = self.table.model_dump(mode="json")
        if self.strategy != "sklearn_random":
            table.pop("cv_folds")
        if self.strategy != "manual":
            table.pop("manual_setting")
        ident = {
            "schema": SCHEMA_VERSION,
            "search_version": SEARCH_VERSION,
            "strategy": self.strategy,
            "settings": self.resolved_base,
            "search": table,
            "dataset_version": self.dataset_version,
        }
        if with_seed:
            ident["seed"] = self.seed
        return ident

    @cached_property
    def search_id(self) -> str:
        return short_hash(self.identity())

    @cached_property
    def cell_id(self) -> str:
        return short_hash(self.identity(with_seed=False))

    @property
    def study_name(self) -> str:
        return f"{self.matrix}:{self.search_id}"

    @property
    def label(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.cell.items()) + f" seed={self.seed}"


def profile_table(matrix: Any, profile: Any) -> SearchTable:
    """The ``[search]`` table with the profile's overrides applied."""
    table = matrix.spec.search
    over = matrix.spec.profiles.get(profile.name)
    if over is not None and over.search is not None:
        table = table.model_copy(update=over.search.model_dump(exclude_none=True))
    return table


def searches(matrix: Any, profile_name: str) -> list[SearchConfig]:
    """Every search of a profile: cells in axis order, seeds innermost (as trials are)."""
    from ablations.describe.datasets import DATASETS

    profile = matrix.profile(profile_name)
    table = _check_table(matrix, profile)
    out = []
    for labels, values in matrix.cells(profile):
        strategy, base = _split(matrix, profile, values)
        resolved = matrix.resolve(profile, labels, base)
        version = DATASETS[resolved["dataset"]].version
        for seed in profile.seeds:
            out.append(SearchConfig(matrix.name, labels, strategy, base, resolved, table, seed, version))
    return out


def check_search_profile(matrix: Any, profile: Any) -> None:
    """Raise MatrixError unless every search of the profile can run (settings, space, strategy)."""
    from ablations.describe.settings import TASK_METRICS, SettingsError, resolve_settings

    table = _check_table(matrix, profile)
    for labels, values in matrix.cells(profile):
        strategy, base = _split(matrix, profile, values)
        resolved = matrix.resolve(profile, labels, base)
        task_metrics = TASK_METRICS[_task(resolved)]
        if table.metric.removeprefix("val_") not in task_metrics or not table.metric.startswith("val_"):
            raise MatrixError(
                matrix.path,
                "search.metric",
                f"{table.metric!r} is not recorded for {resolved['dataset']}; allowed: "
                + ", ".join(f"val_{m}" for m in task_metrics),
            )
        if strategy == "sklearn_random" and _task(resolved) != "regression":
            raise MatrixError(
                matrix.path,
                f"{profile.where.get('axes.strategy', 'fixed.strategy')}",
                f"sklearn_random wraps keras.wrappers.SKLearnRegressor: regression data sets only (got {resolved['dataset']})",
            )
        for name, param in sorted(table.space.items()):
            for value in param.corners():
                point = {n: p.centre() for n, p in table.space.items()} | {name: value}
                try:
                    resolve_settings({**base, **point})
                except SettingsError as exc:
                    bad = exc.field.split(".")[0]
                    at, shown = (bad, point[bad]) if bad in point else (name, value)
                    raise MatrixError(matrix.path, f"search.space.{at}", f"{shown!r}: {exc.message}") from None


def _task(resolved: dict[str, Any]) -> str:
    from ablations.describe.datasets import DATASETS

    return DATASETS[resolved["dataset"]].task


def _check_table(matrix: Any, profile: Any) -> SearchTable:
    from ablations.describe.strategies import STRATEGIES

    if matrix.spec.search is None:
        raise MatrixError(matrix.path, "search", 'kind = "search" needs a [search] table (budget, space)')
    table = profile_table(matrix, profile)
    if STRATEGY_AXIS not in profile.axes and STRATEGY_AXIS not in profile.fixed:
        raise MatrixError(matrix.path, "axes", f"a search matrix needs an axis {STRATEGY_AXIS!r}")
    values = profile.axes.get(STRATEGY_AXIS, [profile.fixed.get(STRATEGY_AXIS)])
    for i, value in enumerate(values):
        if value not in STRATEGIES:
            at = profile.where.get(f"axes.{STRATEGY_AXIS}", f"fixed.{STRATEGY_AXIS}")
            raise MatrixError(
                matrix.path, f"{at}[{i}]", f"unknown strategy {value!r}; known: {', '.join(STRATEGIES.names())}"
            )
    for name in table.space:
        if name in profile.axes or name in profile.fixed:
            raise MatrixError(
                matrix.path, f"search.space.{name}", "is searched, so it cannot also be fixed or an axis; keep one"
            )
    return table


def _split(matrix: Any, profile: Any, values: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    base = dict(values)
    return base.pop(STRATEGY_AXIS), base
