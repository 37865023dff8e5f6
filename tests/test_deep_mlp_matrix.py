"""The deep-MLP matrix expands to the cells the issue asks for, within its budgets."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from ablations.describe.spec import load_matrix

MATRIX = Path(__file__).resolve().parent.parent / "ablations" / "matrices" / "deep_mlp.toml"


@pytest.fixture(scope="module")
def matrix():
    return load_matrix(MATRIX)


@pytest.mark.parametrize(
    ("profile", "cells", "trials", "dataset"),
    [("default", 22, 110, "mnist1d"), ("smoke", 8, 24, "digits"), ("full", 90, 450, "fashion_mnist")],
)
def test_expansion_counts(matrix, profile, cells, trials, dataset):
    expanded = matrix.trials(profile)
    assert len(expanded) == trials
    assert len({t.cell_id for t in expanded}) == cells
    assert {t.settings["dataset"] for t in expanded} == {dataset}
    assert all(t.settings["probe_every"] >= 1 for t in expanded)


def test_default_covers_the_issue_axes(matrix):
    trials = matrix.trials("default")
    cells = {tuple(t.cell[k] for k in ("depth", "activation", "batch_norm", "dropout")) for t in trials}
    assert {c[0] for c in cells} == {2, 10, 20}
    assert {c[1] for c in cells} == {"relu", "sigmoid", "selu"}
    assert {c[2] for c in cells} == {"none", "before", "after"}
    # Every depth x activation with and without batch norm before the activation.
    for depth in (2, 10, 20):
        for activation in ("relu", "sigmoid", "selu"):
            for bn in ("none", "before"):
                assert (depth, activation, bn, 0.0) in cells
    dropout = [t for t in trials if t.cell["dropout"] > 0]
    assert {(t.cell["depth"], t.cell["batch_norm"]) for t in dropout} == {(20, "none")}
    kinds = {t.settings["activation"]: t.settings["dropout_kind"] for t in dropout}
    assert kinds == {"selu": "alpha_dropout", "relu": "dropout"}
    after = {(t.cell["depth"], t.cell["activation"]) for t in trials if t.cell["batch_norm"] == "after"}
    assert after == {(20, "sigmoid"), (20, "relu")}
    assert all(t.settings["dropout_layers"] == 2 for t in dropout)
    assert collections.Counter(t.seed for t in trials) == {seed: 22 for seed in range(5)}
    assert {t.settings["backend"] for t in trials} == {"jax"}  # each cell's seeds fuse


def test_shallow_baseline_cell_present(matrix):
    shallow = [
        t
        for t in matrix.trials("default")
        if t.cell == {"depth": 2, "activation": "relu", "batch_norm": "none", "dropout": 0.0}
    ]
    assert len(shallow) == 5 and shallow[0].settings["width"] == 100


def test_probe_settings_change_trial_ids(matrix):
    """probe_every is part of the id: records with and without probe rows never collide."""
    import dataclasses

    trial = matrix.trials("smoke")[0]
    assert trial.settings["probe_every"] == 1 and trial.settings["probe_batch_size"] == 64
    unprobed = dataclasses.replace(trial, settings={**trial.settings, "probe_every": 0})
    assert unprobed.trial_id != trial.trial_id
