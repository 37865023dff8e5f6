"""Scale: expanding a 10,000-cell matrix and loading 10,000 stored results."""

from __future__ import annotations

from pathlib import Path

import pytest

from ablations.describe.spec import matrix_from_dict
from ablations.read.reporting.results import load_frame
from ablations.run.store import ResultStore

N = 10_000
BIG = {
    "seeds": [0],
    "cell_limit": N,
    "fixed": {"dataset": "digits", "epochs": 1},
    "axes": {
        "width": list(range(8, 8 + 100)),
        "batch_size": [16, 32, 64, 128, 256],
        "learning_rate": [
            1e-4,
            3e-4,
            1e-3,
            3e-3,
            1e-2,
            3e-2,
            1e-1,
            3e-1,
            0.5,
            0.9,
            0.05,
            0.005,
            0.0005,
            0.07,
            0.007,
            0.0007,
            0.02,
            0.002,
            0.0002,
            0.04,
        ][:20],
    },
}


def test_expand_10000_cells(benchmark, tmp_path: Path) -> None:
    def expand() -> int:
        matrix = matrix_from_dict(tmp_path / "big.toml", BIG)  # validation expands every profile too
        return len(matrix.trials())

    assert benchmark.pedantic(expand, rounds=3, iterations=1) == N


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10,000 synthetic records of the big matrix, as the runner would store them."""
    runs = tmp_path_factory.mktemp("runs")
    matrix = matrix_from_dict(runs / "big.toml", BIG)
    store = ResultStore(runs, matrix.name)
    for i, trial in enumerate(matrix.trials()):
        store.put(
            {
                **trial.to_dict(),
                "status": "ok",
                "reason": None,
                "calibration_s": 0.02,
                "test": {"accuracy": 0.5 + (i % 100) / 1000, "loss": 1.0},
                "history": {"val_accuracy": [0.4, 0.5], "loss": [1.2, 1.0]},
                "timing": {"steady_epoch_s": 0.1},
                "epochs_run": 2,
                "finished_at": "2025-01-01T00:00:00+00:00",
            }
        )
    return runs


def test_load_10000_results(benchmark, stored: Path) -> None:
    frame = benchmark.pedantic(load_frame, args=(stored, "big"), rounds=3, iterations=1)
    assert len(frame) == N
