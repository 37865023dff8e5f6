"""Synthetic stored results for report and check tests: no training, exact numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ablations.describe.spec import Matrix, matrix_from_dict
from ablations.run.store import ResultStore

TWO_CELLS = {
    "seeds": [0, 1, 2],
    "fixed": {"dataset": "digits", "depth": 1, "epochs": 2, "max_train_samples": 200},
    "axes": {"width": [8, 16]},
    "report_sections": ["learning_curves"],
}

ENV = {
    "python": "3.11.7",
    "platform": "Linux-test",
    "keras": "3.15.1",
    "backend": "tensorflow",
    "backend_version": "2.21.0",
    "devices": ["/device:CPU:0"],
    "cpu": "Test CPU",
    "cpu_count": 2,
    "hostname": "ci",
    "ablations": "0.1.0",
    "git_commit": "abc123",
}


def two_cell_matrix(tmp_path: Path, **overrides: Any) -> Matrix:
    return matrix_from_dict(tmp_path / "two.toml", {**TWO_CELLS, **overrides})


def store_results(
    matrix: Matrix,
    runs_dir: Path,
    accuracy: dict[tuple[int, int], float],
    *,
    status: dict[tuple[int, int], str] | None = None,
) -> None:
    """One record per trial; ``accuracy[(width, seed)]``, ``status[(width, seed)]`` (default ok)."""
    store = ResultStore(runs_dir, matrix.name)
    for i, trial in enumerate(matrix.trials()):
        key = (trial.cell["width"], trial.seed)
        acc = accuracy[key]
        record = {
            **trial.to_dict(),
            "status": (status or {}).get(key, "ok"),
            "reason": None,
            "env": ENV,
            "calibration_s": 0.02,
            "timing": {"steady_epoch_s": 0.1, "first_epoch_s": 0.5},
            "test": {"accuracy": acc, "loss": 2.0 - acc},
            "history": {"val_accuracy": [acc - 0.1, acc]},
            "epochs_run": 2,
            "finished_at": f"2025-01-01T00:00:{i:02d}+00:00",
        }
        store.put(record)


def accuracies(width8: list[float], width16: list[float]) -> dict[tuple[int, int], float]:
    return {**{(8, s): v for s, v in enumerate(width8)}, **{(16, s): v for s, v in enumerate(width16)}}
