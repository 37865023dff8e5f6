"""What every claim reads of a stored record, trial or search alike: its settings, its seed,
and whether it finished."""

from __future__ import annotations

from typing import Any

from ablations.describe.status import Status


def labels(record: dict[str, Any]) -> dict[str, Any]:
    """The settings a record's cell was made of (a search's cell and strategy for a search)."""
    search = record.get("search")
    if search:
        return {**(search.get("cell") or {}), "strategy": search.get("strategy")}
    return dict(record.get("settings") or {})


def seed(record: dict[str, Any]) -> int:
    search = record.get("search")
    return int(search["seed"] if search else record["seed"])


def finished(record: dict[str, Any]) -> bool:
    """An ``ok`` trial, or a complete search."""
    search = record.get("search")
    if search is not None:
        return search.get("status") == "complete"
    return record.get("status") == Status.OK


def outcome(record: dict[str, Any]) -> str:
    """The record's status for a count of what did not finish (``diverged``, ``missing``...)."""
    search = record.get("search")
    if search is not None:
        return str(search.get("status") or "missing")
    return str(record.get("status") or "missing")


def finished_by_cell(records: list[dict[str, Any]], axes: list[str]) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    """The finished records grouped by their values of ``axes``, in sorted cell order."""
    cells: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for record in records:
        if finished(record):
            have = labels(record)
            cells.setdefault(tuple(have.get(axis) for axis in axes), []).append(record)
    return {key: cells[key] for key in sorted(cells, key=str)}
