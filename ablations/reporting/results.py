"""Stored records -> one tidy pandas DataFrame per matrix profile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ablations.calibration import time_ratio
from ablations.store import ResultStore

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
    """The profile's trials and, for each, its stored record or a placeholder.

    The placeholder's status is ``missing`` (never started), ``running`` or ``killed`` (started,
    no record: its run died or was interrupted), so a report never hides an unfinished trial.
    """
    if matrix.spec.kind == "search":
        from ablations.search.records import search_profile_records

        return [], search_profile_records(matrix, profile, runs_dir)
    store = ResultStore(runs_dir, matrix.name)
    trials = matrix.trials(profile)
    records = []
    attempted = {a["trial_id"] for a in store.attempts()}
    for trial in trials:
        record = store.get(trial.trial_id)
        if record is None:
            status, reason = store.unfinished(trial.trial_id, attempted=attempted) or ("missing", "not run yet")
            record = {**trial.to_dict(), "status": status, "reason": reason}
        records.append(record)
    return trials, records


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
