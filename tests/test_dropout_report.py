"""The dropout page's overfitting table, on fabricated records with known curves."""

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
