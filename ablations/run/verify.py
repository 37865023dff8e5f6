"""``ablations verify``: rerun a seeded sample of finished trials and compare bit for bit.

Each backend's sample reruns in a fresh worker process (set up like the process executor's),
never in the process that may already hold compiled functions or RNG state, and nothing is
written to the store: the rerun's record is compared with the stored one and dropped. Compared
exactly: the training history, the test metrics and the hash of the final weights.
A fused trial (``trainer = "fused"``) reruns alone, as a fused group of one at its recorded
``fused_slot_width`` (``train_trial`` does that): at a fixed slot width a slot's bits do not
depend on which trials shared its group, so it must reproduce bit for bit.
The outcome is stored as ``runs/<matrix>/verify-<profile>.json`` for the report's
``determinism`` section.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from typing import Any

from ablations.describe.status import FINISHED
from ablations.describe.trial import TrialConfig
from ablations.run.executors.workers import group_trials, unavailable_reason, worker_pool
from ablations.run.store import ResultStore, atomic_write_json
from ablations.run.trial_record import utc_now

COMPARED = ("history", "test", "weights_sha256")


def verify_path(runs_dir: Path, matrix: str, profile: str) -> Path:
    return Path(runs_dir) / matrix / f"verify-{profile}.json"


def differences(stored: dict[str, Any], rerun: dict[str, Any]) -> list[str]:
    """What differs between two records of one trial (empty: reproduced exactly).

    Floats compare with ``==`` after the JSON round trip, so a difference in the last bit counts.
    A record stored before weight hashes were kept is compared without one.
    """
    if rerun.get("status") != stored.get("status"):
        return [f"status {stored.get('status')} -> {rerun.get('status')} ({rerun.get('reason')})"]
    out = []
    for key in COMPARED:
        if key == "weights_sha256" and stored.get(key) is None:
            continue
        if stored.get(key) != rerun.get(key):
            out.append(key)
    return out


def _rerun(trial: TrialConfig) -> dict[str, Any]:
    import json

    from ablations.run.lifecycle import train_trial

    with tempfile.TemporaryDirectory(prefix="ablations-verify-") as tmp:
        record = train_trial(trial, artifacts_dir=Path(tmp))
    return json.loads(json.dumps(record, allow_nan=True))  # as stored: same float round trip


def sample_finished(
    matrix: Any, profile: str, store: ResultStore, *, sample: int, seed: int
) -> list[tuple[TrialConfig, dict[str, Any]]]:
    finished = []
    for trial in matrix.trials(profile):
        record = store.get(trial.trial_id)
        if record is not None and record.get("status") in FINISHED:
            finished.append((trial, record))
    return random.Random(seed).sample(finished, min(sample, len(finished)))


def verify_matrix(matrix: Any, profile: str, *, runs_dir: Path, sample: int = 4, seed: int = 0) -> dict[str, Any]:
    """Rerun ``sample`` finished trials per the seeded draw; store and return the outcome."""
    store = ResultStore(runs_dir, matrix.name)
    picked = sample_finished(matrix, profile, store, sample=sample, seed=seed)
    stored = {trial.trial_id: record for trial, record in picked}
    results = []
    for (backend, _device), trials in group_trials([t for t, _ in picked]).items():
        reason = unavailable_reason(backend)
        if reason is not None:
            results += [_row(t, None, reason) for t in trials]
            continue
        with worker_pool(backend, 1) as pool:
            for trial, rerun in zip(trials, pool.map(_rerun, trials), strict=True):
                results.append(_row(trial, differences(stored[trial.trial_id], rerun), None))
    by_backend: dict[str, dict[str, int]] = {}
    for row in results:
        counts = by_backend.setdefault(row["backend"], {"checked": 0, "reproduced": 0, "not_run": 0})
        if row["reproduced"] is None:
            counts["not_run"] += 1
        else:
            counts["checked"] += 1
            counts["reproduced"] += int(row["reproduced"])
    outcome = {
        "matrix": matrix.name,
        "profile": profile,
        "sample": sample,
        "seed": seed,
        "finished_at": utc_now(),
        "compared": list(COMPARED),
        "backends": dict(sorted(by_backend.items())),
        "trials": sorted(results, key=lambda r: r["trial_id"]),
    }
    atomic_write_json(verify_path(runs_dir, matrix.name, profile), outcome)
    return outcome


def _row(trial: TrialConfig, diffs: list[str] | None, not_run: str | None) -> dict[str, Any]:
    return {
        "trial_id": trial.trial_id,
        "label": trial.label,
        "backend": trial.backend,
        "device": trial.settings["device"],
        "reproduced": None if diffs is None else not diffs,
        "differences": diffs or [],
        "not_run": not_run,
    }


def all_reproduced(outcome: dict[str, Any]) -> bool:
    return all(row["reproduced"] is not False for row in outcome["trials"])
