"""Stored records -> one tidy pandas DataFrame per matrix profile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ablations.run.calibration import time_ratio
from ablations.run.store import ResultStore

TIMING_KEYS = ("setup_s", "first_epoch_s", "steady_epoch_s", "fit_s", "evaluation_s", "total_s")


def flatten(record: dict[str, Any]) -> dict[str, Any]:
    """One row: cell labels as columns, ``test_<metric>``, timing and bookkeeping."""
    row: dict[str, Any] = {
        "trial_id": record["trial_id"],
        "cell_id": record["cell_id"],
        "seed": record["seed"],
        "status": record.get("status"),
        "reason": record.get("reason"),
        **record.get("cell", {}),
    }
    for key, value in (record.get("test") or {}).items():
        row[f"test_{key}"] = value
    for key in ("best_epoch", "epochs_run", "param_count", "samples_per_s", "n_train", "wall_s"):
        row[key] = record.get(key)
    for key in TIMING_KEYS:
        row[key] = (record.get("timing") or {}).get(key)
    row["time_ratio"] = time_ratio(record)
    return row


def profile_records(matrix: Any, profile: str, runs_dir: Path) -> tuple[list[Any], list[dict[str, Any]]]:
    """The profile's trials and one record per report row, as the matrix's kind stores them.

    A row not finished yet is a placeholder whose status says why (``missing``, ``running``,
    ``killed``), so a report never hides an unfinished trial.
    """
    return matrix.kind.records(matrix, profile, runs_dir)


def trial_frame(records: list[dict[str, Any]], axes: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame([flatten(r) for r in records])
    for axis in axes:
        if axis not in frame:
            frame[axis] = None
    return frame


def load_frame(runs_dir: Path, matrix: str) -> pd.DataFrame:
    """Every stored record of a matrix, whatever profile made it."""
    store = ResultStore(runs_dir, matrix)
    return pd.DataFrame([flatten(r) for r in store.records()])


def tidy_row(record: dict[str, Any]) -> dict[str, Any]:
    """:func:`flatten` plus every setting and the last epoch's validation metrics (``final_val_*``)."""
    row = flatten(record)
    for key, value in (record.get("settings") or {}).items():
        row.setdefault(key, value)
    for key, series in (record.get("history") or {}).items():
        if key.startswith("val_") and isinstance(series, list) and series:
            row[f"final_{key}"] = series[-1]
    return row


def results_frame(matrix: Any, profile: str, runs_dir: Path) -> pd.DataFrame:
    """The tidy frame of :func:`ablations.read.api.load_results` for a loaded matrix."""
    _, records = profile_records(matrix, profile, Path(runs_dir))
    axes = list(matrix.profile(profile).axes)
    frame = pd.DataFrame([tidy_row(r) for r in records])
    for axis in axes:
        if axis not in frame:
            frame[axis] = None
    frame.attrs.update(matrix=matrix.name, profile=profile, axes=axes)
    return frame
