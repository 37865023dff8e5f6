"""The search table, grids and plans, and the matrix loader's checks of a search matrix."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from search_helpers import SPACE, table

from ablations.describe.matrix_files import find_matrix
from ablations.describe.search_space import SearchTable, grid_levels, grid_points, manual_points
from ablations.describe.spec import MatrixError, load_matrix
from ablations.run.search.plan import searches


def test_grid_is_reproducible_whatever_the_order_of_the_space() -> None:
    reordered = SearchTable.model_validate({"budget": 10, "space": dict(reversed(list(SPACE.items())))})
    assert grid_points(table(10).space, 10, seed=3) == grid_points(reordered.space, 10, seed=3)


def test_grid_is_sized_to_the_budget_and_each_seed_shuffles_it() -> None:
    space = table(10).space
    assert grid_levels(space, 10) == {"activation": 2, "depth": 2, "learning_rate": 2, "width": 2}
    a, b = grid_points(space, 10, seed=0), grid_points(space, 10, seed=1)
    assert len(a) == 10 and len({tuple(sorted(p.items())) for p in a}) == 10
    assert a != b
    assert grid_points(space, 8, seed=0) == grid_points(space, 8, seed=0)


def test_grid_of_a_tiny_categorical_space_stops_at_its_size() -> None:
    space = SearchTable.model_validate(
        {
            "budget": 9,
            "space": {"activation": {"type": "categorical", "choices": ["relu", "tanh"]}},
            "manual_setting": "activation",
        }
    ).space
    assert [p["activation"] for p in grid_points(space, 9, seed=0)] in (["relu", "tanh"], ["tanh", "relu"])


def test_float_grid_uses_cell_centres_in_log_space() -> None:
    lr = table().space["learning_rate"]
    assert lr.grid(3) == pytest.approx([10**-3.5, 10**-2.5, 10**-1.5])


def test_manual_sweeps_the_learning_rate_and_keeps_the_defaults() -> None:
    points = manual_points(table(4).space, 4, "learning_rate")
    rates = [p["learning_rate"] for p in points]
    assert rates == sorted(rates) and len(set(rates)) == 4
    assert {(p["depth"], p["width"], p["activation"]) for p in points} == {(1, 30, "relu")}


@pytest.mark.parametrize(
    ("space", "message"),
    [
        ({"learning_rate": {"type": "float", "low": 0.1, "high": 0.01}}, "must be below high"),
        ({"learning_rate": {"type": "float", "low": 0.0, "high": 0.1, "log": True}}, "log = true needs low > 0"),
        ({"learning_rate": {"type": "float", "low": 0.001, "high": 0.1, "default": 1.0}}, "outside"),
        ({"depth": {"type": "int", "low": 1, "high": 3}}, "manual_setting 'learning_rate' is not in the space"),
    ],
)
def test_search_table_rejects_bad_spaces(space: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SearchTable.model_validate({"budget": 3, "space": space})


def test_the_shipped_search_matrix_expands_into_searches() -> None:
    matrix = find_matrix("search")
    default = searches(matrix, "default")
    assert matrix.trials("default") == []
    assert {s.strategy for s in default} >= {"grid", "random", "tpe", "genetic", "cmaes", "manual", "sklearn_random"}
    assert len(matrix.profile("default").seeds) >= 5
    assert len({s.search_id for s in default}) == len(default)
    assert {s.resolved_base["dataset"] for s in default} == {"california_housing"}
    assert {s.resolved_base["dataset"] for s in searches(matrix, "smoke")} == {"diabetes"}
    assert searches(matrix, "smoke")[0].table.budget < default[0].table.budget


BASE = """
kind = "search"
seeds = [0]
[fixed]
dataset = "diabetes"
[axes]
strategy = ["random"]
[search]
budget = 3
[search.space.learning_rate]
type = "float"
low = 1e-4
high = 1e-1
log = true
"""


@pytest.mark.parametrize(
    ("edit", "field", "message"),
    [
        (
            lambda t: t.replace('["random"]', '["random", "annealing"]'),
            "axes.strategy[1]",
            "unknown strategy 'annealing'",
        ),
        (
            lambda t: t + '[search.space.widht]\ntype = "int"\nlow = 1\nhigh = 10\n',
            "search.space.widht",
            "unknown setting",
        ),
        (lambda t: t + '[search.space.width]\ntype = "int"\nlow = 1\nhigh = 10000\n', "search.space.width", "10000"),
        (
            lambda t: t + '[search.space.activation]\ntype = "categorical"\nchoices = ["relu", "rleu"]\n',
            "search.space.activation",
            "'rleu'",
        ),
        (
            lambda t: t.replace('dataset = "diabetes"', 'dataset = "diabetes"\nlearning_rate = 0.1'),
            "search.space.learning_rate",
            "cannot also be fixed",
        ),
        (lambda t: t.replace('kind = "search"\n', ""), "search", 'needs kind = "search"'),
        (lambda t: t.split("[search]")[0], "search", "needs a [search] table"),
        (lambda t: t.replace("[axes]\nstrategy", "[axes]\nnormalization"), "axes", "needs an axis 'strategy'"),
        (
            lambda t: t.replace('"diabetes"', '"digits"').replace('["random"]', '["sklearn_random"]'),
            "axes.strategy",
            "regression data sets only",
        ),
        (
            lambda t: t.replace("budget = 3", 'budget = 3\nmetric = "val_accuracy"\ndirection = "maximize"'),
            "search.metric",
            "not recorded for diabetes",
        ),
    ],
)
def test_search_matrix_errors_name_the_field(tmp_path: Path, edit, field: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(edit(BASE))
    with pytest.raises(MatrixError) as info:
        load_matrix(path)
    assert info.value.field == field, str(info.value)
    assert message in info.value.message


def test_a_valid_small_search_matrix_loads(tmp_path: Path) -> None:
    path = tmp_path / "ok.toml"
    path.write_text(BASE)
    assert [s.strategy for s in searches(load_matrix(path), "default")] == ["random"]
