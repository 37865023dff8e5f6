"""Stored searches for ``list``, ``show`` and reports, read from ``runs/<matrix>/searches/``.

For reports, a search stands for one row: the record of the trial it selected (its validation
and test scores), labelled with the search's cell and seed, and carrying the search record
under ``"search"``; a search not finished yet is a ``missing`` row, as an unrun trial is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ablations.run.search.plan import RECORD_DIR, searches
from ablations.run.store import ResultStore


def load_search_record(runs_dir: Path, matrix: str, search_id: str) -> dict[str, Any] | None:
    path = Path(runs_dir) / matrix / RECORD_DIR / f"{search_id}.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return record if isinstance(record, dict) and record.get("search_id") == search_id else None


def search_profile_records(matrix: Any, profile: str, runs_dir: Path) -> list[dict[str, Any]]:
    store = ResultStore(runs_dir, matrix.name)
    rows = []
    for search in searches(matrix, profile):
        record = load_search_record(runs_dir, matrix.name, search.search_id)
        label = {
            "trial_id": search.search_id,
            "cell_id": search.cell_id,
            "matrix": matrix.name,
            "cell": search.cell,
            "seed": search.seed,
        }
        best = (record or {}).get("best") or {}
        inner = store.get(best["trial_id"]) if best.get("trial_id") else None
        if record is None or record["status"] != "complete" or inner is None:
            done = (record or {}).get("n_counted", 0)
            rows.append(
                {
                    **label,
                    "settings": search.resolved_base,
                    "status": "missing",
                    "reason": f"search at {done}/{search.table.budget} trials",
                    "search": record,
                }
            )
            continue
        rows.append({**inner, **label, "inner_trial_id": inner["trial_id"], "search": record})
    return rows


def list_row(matrix: Any) -> list[str]:
    counts = []
    for profile in matrix.profile_names():
        todo = searches(matrix, profile)
        cells = len({s.cell_id for s in todo})
        budget = todo[0].table.budget if todo else 0
        counts.append(f"{profile}: {cells} cells / {len(todo)} searches x {budget} trials")
    return [matrix.name, "; ".join(counts), matrix.spec.description.strip().split("\n")[0][:70]]


def show_search_matrix(matrix: Any, profile: str, runs_dir: Path) -> str:
    """The ``show`` table of a search matrix: one row per search, its progress and best value."""
    from tabulate import tabulate

    todo = searches(matrix, profile)
    axes = list(matrix.profile(profile).axes)
    rows = []
    for search in todo:
        record = load_search_record(runs_dir, matrix.name, search.search_id)
        status = "-" if record is None else f"{record['status']} {record['n_counted']}/{search.table.budget}"
        best = ((record or {}).get("best") or {}).get("value")
        rows.append(
            [
                search.search_id,
                *(search.cell.get(a, "-") for a in axes),
                search.seed,
                status,
                "-" if best is None else f"{best:.4g}",
            ]
        )
    table = tabulate(rows, headers=["search", *axes, "seed", "status", "best"], tablefmt="github")
    return f"# {matrix.name} [{profile}]: {len(todo)} searches\n{table}"
