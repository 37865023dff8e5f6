"""The dropout page's overfitting table and the deep page's training-length table, on fabricated records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ablations.read.reporting.context import ReportContext
from ablations.read.reporting.dropout import overfitting


def record(dropout: float, seed: int, train: list[float], val: list[float], test: float, status: str = "ok") -> dict:
    return {
        "status": status,
        "seed": seed,
        "settings": {"dropout": dropout, "dropout_layers": 2},
        "epochs_run": len(train),
        "history": {"accuracy": train, "val_accuracy": val},
        "test": {"accuracy": test},
    }


def context(records: list[dict[str, Any]]) -> ReportContext:
    return ReportContext(
        matrix=None,
        profile="default",
        records=records,
        frame=pd.DataFrame(),
        axes=["dropout", "dropout_layers"],
        out_dir=Path("."),
        figure_dir=Path("."),
    )


def test_the_table_gives_gap_peak_and_test_accuracy_per_cell() -> None:
    records = [
        record(0.0, 0, [0.5, 0.9, 1.0], [0.4, 0.5, 0.3], 0.35),
        record(0.0, 1, [0.5, 0.9, 1.0], [0.4, 0.6, 0.5], 0.45),
        record(0.5, 0, [0.4, 0.7, 0.8], [0.4, 0.5, 0.6], 0.6),
        record(0.5, 1, [0.4, float("nan")], [0.1, float("nan")], 0.0, status="diverged"),
    ]
    text = overfitting(context(records))
    assert text.startswith("## Overfitting")
    rows = [line for line in text.splitlines() if line.startswith("| 0.")]
    assert len(rows) == 2
    none, half = rows
    # No dropout: gaps 0.7 and 0.5, peaks 0.5 and 0.6 at epoch 2, test 0.35 and 0.45.
    assert "| 2 " in none and "0.600 ± 0.141" in none and "0.550 ± 0.071 (2.0 ± 0.0)" in none
    assert "0.400 ± 0.071" in none
    # Dropout 0.5: the diverged seed is left out; one seed, no spread.
    assert "| 1 " in half and "| 0.200 " in half and "0.600 (3.0)" in half


def test_no_finished_trial_says_so() -> None:
    assert "No finished trials." in overfitting(context([record(0.0, 0, [0.5], [0.4], 0.4, status="failed")]))


def test_the_deep_page_counts_the_runs_that_stopped_before_the_maximum() -> None:
    from ablations.read.reporting.deep_mlp.plateau import training_length

    def run(depth: int, epochs_run: int, status: str = "ok") -> dict:
        settings = {"depth": depth, "epochs": 150, "early_stopping_patience": 10}
        return {"status": status, "seed": 0, "settings": settings, "epochs_run": epochs_run}

    ctx = context([run(2, 24), run(2, 31), run(20, 150), run(20, 97), run(20, 3, status="diverged")])
    ctx = ReportContext(**{**ctx.__dict__, "axes": ["depth"]})
    text = training_length(ctx)
    assert "**3 of 4 finished runs stopped on their own** before the maximum of 150 epochs" in text
    assert "patience 10" in text
    rows = [line for line in text.splitlines() if line.startswith("| 2") or line.startswith("| 20")]
    assert "28 (24-31)" in rows[0] and "2 of 2" in rows[0]
    assert "124 (97-150)" in rows[1] and "1 of 2" in rows[1]
