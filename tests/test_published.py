"""Published results beside the measured mean: within the tolerance, a flagged miss, or not measured."""

from __future__ import annotations

import dataclasses

import pytest

from ablations.describe.published import PUBLISHED
from ablations.read.claims.published import MISSED, NOT_MEASURED, WITHIN, published_rows, published_table
from ablations.read.reporting.scorecard import scorecard_section


def records(depth: int, accuracies: list[float], status: str = "ok") -> list[dict]:
    return [
        {"status": status, "seed": s, "settings": {"depth": depth}, "test": {"accuracy": a}, "history": {}}
        for s, a in enumerate(accuracies)
    ]


def rows_for(logistic: list[dict], mlp: list[dict]):
    return {r.result.key: r for r in published_rows({"baselines": logistic + mlp})}


def test_a_mean_within_three_points_passes_and_says_by_how_much() -> None:
    rows = rows_for(records(0, [0.31, 0.33, 0.32]), records(2, [0.66, 0.67, 0.66]))
    assert set(rows) == set(PUBLISHED.names())
    assert rows["mnist1d_logistic_regression"].verdict == WITHIN
    assert rows["mnist1d_logistic_regression"].text() == "within 3 points (+0.0)"
    mlp = rows["mnist1d_mlp"]
    assert mlp.verdict == WITHIN and mlp.text() == "within 3 points (-1.7; its interval excludes it)"


def test_a_miss_beyond_three_points_is_flagged_on_the_page_and_the_scorecard() -> None:
    logistic, mlp = records(0, [0.31, 0.33, 0.32]), records(2, [0.60, 0.61, 0.62])
    rows = rows_for(logistic, mlp)
    assert rows["mnist1d_mlp"].verdict == MISSED
    assert rows["mnist1d_mlp"].text() == "**missed by 7.0 points** (tolerance 3)"
    table = {r["published result"]: r for r in published_table(list(rows.values()))}
    assert table[PUBLISHED.get("mnist1d_mlp").what]["measured [95% CI]"].startswith("61.0% [")
    text = scorecard_section({"baselines": logistic + mlp})
    assert "2 published results, 1 missed by more than their tolerance (flagged below)" in text
    assert "**missed by 7.0 points**" in text
    # The same runs pass once the tolerance is wide enough: the flag follows the registered number.
    wide = dataclasses.replace(PUBLISHED.get("mnist1d_mlp"), tolerance=0.08)
    assert dataclasses.replace(rows["mnist1d_mlp"], result=wide).verdict == WITHIN


def test_runs_that_did_not_finish_are_not_measured() -> None:
    rows = rows_for(records(0, [0.3, 0.3], status="diverged"), [])
    assert rows["mnist1d_logistic_regression"].verdict == NOT_MEASURED
    assert rows["mnist1d_logistic_regression"].text() == "**not measured**: 0 of 2 runs finished"
    assert rows["mnist1d_mlp"].text() == "**not measured**: no runs"
    assert published_rows({"course": []}) == []


@pytest.mark.parametrize("key", PUBLISHED.names())
def test_every_published_result_names_a_shipped_matrix_cell_and_measure(key: str) -> None:
    from ablations.describe.claims import MEASURES
    from ablations.describe.matrix_files import resolve_matrices

    result = PUBLISHED.get(key)
    assert result.measure in MEASURES
    (matrix,) = resolve_matrices([result.matrix])
    cells = [t.cell for t in matrix.trials()]
    assert any(all(cell.get(k) == v for k, v in result.cell.items()) for cell in cells), key
