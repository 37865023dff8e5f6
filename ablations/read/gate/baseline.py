"""Baselines: per matrix and cell, trial statuses and every seed's value of each metric.

A baseline is a small JSON file (``bench/baselines/<profile>.json``) written from stored
results by ``ablations baseline`` and committed, so ``ablations check`` can compare fresh
results against it on another day or machine. Per-seed values (not only mean and spread) let
the check pair seeds when both sides ran the same ones. The file also carries its provenance
(machine, versions, commit, from the records' ``env``), so a check on another machine can say
so. It is written deterministically (sorted keys, no timestamps). Tolerance overrides edited
into it by hand (top-level or per matrix ``tolerances``) survive regeneration.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ablations.describe.status import Status
from ablations.describe.tolerance import ToleranceError, parse_tolerance
from ablations.read.gate.cells import NOT_RUN, CellResult
from ablations.read.reporting.results import flatten, profile_records
from ablations.run.untrusted import UntrustedFileError, read_json_data

BASELINE_SCHEMA_VERSION = 2
BASELINES_DIR = Path("bench") / "baselines"
MAX_BASELINE_BYTES = 64 * 1024 * 1024
# What the provenance keeps of a record's ``env``, and which of it should match to compare.
PROVENANCE_KEYS = (
    "cpu",
    "cpu_count",
    "platform",
    "python",
    "keras",
    "backend",
    "backend_version",
    "ablations",
    "git_commit",
)
COMPARABLE_KEYS = ("cpu", "cpu_count", "keras", "backend", "backend_version")


class BaselineError(ValueError):
    """A baseline file that is missing or malformed; ``str()`` says the fix."""


def default_path(profile: str) -> Path:
    return BASELINES_DIR / f"{profile}.json"


def summarize(records: list[dict[str, Any]]) -> dict[str, CellResult]:
    """Records (stored or placeholders for trials not run) -> cells in first-seen order."""
    cells: dict[str, CellResult] = {}
    for record in records:
        result = cells.setdefault(record["cell_id"], CellResult(dict(record.get("cell") or {}), Counter()))
        result.statuses[str(record.get("status"))] += 1
        if record.get("status") != Status.OK:
            continue
        for key, value in flatten(record).items():
            is_metric = key.startswith("test_") or key == "time_ratio"
            if is_metric and isinstance(value, (int, float)) and math.isfinite(value):
                result.values.setdefault(key, {})[int(record["seed"])] = float(value)
    for result in cells.values():
        result.statuses = dict(result.statuses)
    return cells


def provenance(records: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Each provenance field's distinct values over the stored records (sorted, as strings)."""
    seen: dict[str, set[str]] = {key: set() for key in PROVENANCE_KEYS}
    for record in records:
        env = record.get("env") or {}
        for key in PROVENANCE_KEYS:
            if env.get(key) is not None:
                seen[key].add(str(env[key]))
    return {key: sorted(values) for key, values in seen.items() if values}


def provenance_differences(baseline: dict[str, list[Any]], current: dict[str, list[Any]]) -> list[str]:
    """One line per comparable field that differs: results may move for reasons other than code."""
    lines = []
    for key in COMPARABLE_KEYS:
        old, new = baseline.get(key), current.get(key)
        if old and new and old != new:
            lines.append(f"{key}: baseline {', '.join(old)}; now {', '.join(new)}")
    return lines


@dataclass
class Current:
    """Fresh results of one matrix profile: cells, and the provenance of its stored records."""

    cells: dict[str, CellResult]
    provenance: dict[str, list[Any]]
    stored: int  # records actually in the store (not placeholders)


def current_results(matrix: Any, profile: str, runs_dir: Path) -> Current:
    _, records = profile_records(matrix, profile, runs_dir)
    stored = [r for r in records if r.get("status") not in (NOT_RUN, "running", Status.KILLED)]
    return Current(summarize(records), provenance(stored), len(stored))


# -- the file ------------------------------------------------------------------------------
class _StatShape(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    mean: float
    std: float
    n: int
    seeds: dict[str, float]


class _CellShape(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cell: dict[str, Any]
    statuses: dict[str, int]
    metrics: dict[str, _StatShape] = {}


class _MatrixShape(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tolerances: dict[str, str] = {}
    cells: dict[str, _CellShape]


class _BaselineShape(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: int
    profile: str
    provenance: dict[str, list[str]] = {}
    tolerances: dict[str, str] = {}
    matrices: dict[str, _MatrixShape]


@dataclass
class Baseline:
    profile: str
    matrices: dict[str, dict[str, CellResult]]
    tolerances: dict[str, str] = field(default_factory=dict)  # every matrix
    matrix_tolerances: dict[str, dict[str, str]] = field(default_factory=dict)
    provenance: dict[str, list[Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": BASELINE_SCHEMA_VERSION,
            "profile": self.profile,
            "provenance": dict(sorted(self.provenance.items())),
            "tolerances": dict(sorted(self.tolerances.items())),
            "matrices": {
                name: {
                    "tolerances": dict(sorted(self.matrix_tolerances.get(name, {}).items())),
                    "cells": {cid: c.to_dict() for cid, c in sorted(cells.items())},
                }
                for name, cells in sorted(self.matrices.items())
            },
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_dict(), indent=1, sort_keys=True, allow_nan=False)
        path.write_text(text + "\n", encoding="utf-8")


def merge_provenance(parts: list[dict[str, list[Any]]]) -> dict[str, list[Any]]:
    """Each provenance field's distinct values over ``parts`` (sorted), fields in first-seen order."""
    merged: dict[str, set[str]] = {}
    for part in parts:
        for key, values in part.items():
            merged.setdefault(key, set()).update(values)
    return {key: sorted(values) for key, values in merged.items()}


def build_baseline(matrices: list[Any], profile: str, runs_dir: Path, *, previous: Baseline | None = None) -> Baseline:
    """The baseline of ``profile`` from stored results; hand-set tolerances of ``previous`` kept.

    Raises BaselineError when the store holds no record of the profile (a baseline of nothing
    would make every later check compare nothing).
    """
    current = {m.name: current_results(m, profile, runs_dir) for m in matrices}
    if not any(c.stored for c in current.values()):
        raise BaselineError(
            f"{runs_dir}: no stored results of profile {profile!r} for {', '.join(current) or 'any matrix'}; "
            f"run `ablations run --profile {profile} --runs-dir {runs_dir}` first"
        )
    baseline = Baseline(
        profile,
        {name: c.cells for name, c in current.items()},
        provenance=merge_provenance([c.provenance for c in current.values()]),
    )
    if previous is not None:
        baseline.tolerances = dict(previous.tolerances)
        baseline.matrix_tolerances = {
            k: dict(v) for k, v in previous.matrix_tolerances.items() if k in baseline.matrices
        }
    return baseline


def accept_cells(previous: Baseline, fresh: Baseline, selectors: list[str]) -> tuple[Baseline, list[str]]:
    """``previous`` with the cells that ``selectors`` name taken from ``fresh``: an intended change.

    A selector is ``MATRIX`` (every cell), ``MATRIX:CELL_ID`` or ``MATRIX:key=value[,key=value]``
    (every cell whose labels include those). Returns the new baseline and one line per cell taken.
    """
    matrices = {name: dict(cells) for name, cells in previous.matrices.items()}
    taken = []
    for selector in selectors:
        name, _, rest = selector.partition(":")
        if name not in fresh.matrices:
            raise BaselineError(f"--accept {selector}: no current results of matrix {name!r}")
        wanted = dict(part.split("=", 1) for part in rest.split(",") if "=" in part)
        matched = [
            (cid, cell)
            for cid, cell in fresh.matrices[name].items()
            if not rest or cid == rest or (wanted and all(str(cell.cell.get(k)) == v for k, v in wanted.items()))
        ]
        if not matched:
            raise BaselineError(
                f"--accept {selector}: matches no cell of {name} (write MATRIX:key=value or MATRIX:CELL_ID)"
            )
        target = matrices.setdefault(name, {})
        for cid, cell in matched:
            # The baseline is keyed by cell labels too: drop the old entry with these labels.
            for old_id in [k for k, c in target.items() if c.cell == cell.cell]:
                del target[old_id]
            target[cid] = cell
            taken.append(f"{name}: {cell.label()}")
    accepted = Baseline(
        previous.profile,
        matrices,
        dict(previous.tolerances),
        {k: dict(v) for k, v in previous.matrix_tolerances.items()},
        merge_provenance([previous.provenance, fresh.provenance]),
    )
    return accepted, taken


def load_baseline(path: Path) -> Baseline:
    try:
        raw = read_json_data(path, max_bytes=MAX_BASELINE_BYTES)
    except FileNotFoundError:
        raise BaselineError(f"{path}: no baseline; write one with `ablations baseline --profile <profile>`") from None
    except UntrustedFileError as exc:
        raise BaselineError(f"{path}: {exc}") from None
    if isinstance(raw, dict) and raw.get("schema_version") != BASELINE_SCHEMA_VERSION:
        raise BaselineError(
            f"{path}: schema_version {raw.get('schema_version')}, this version reads {BASELINE_SCHEMA_VERSION} "
            "(per-seed values); regenerate it with `ablations baseline`"
        )
    try:
        shape = _BaselineShape.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise BaselineError(f"{path}: {where}: {error['msg']}; regenerate it with `ablations baseline`") from None
    for where, table in [("tolerances", shape.tolerances)] + [
        (f"matrices.{name}.tolerances", m.tolerances) for name, m in shape.matrices.items()
    ]:
        for metric, text in table.items():
            try:
                parse_tolerance(text)
            except ToleranceError as exc:
                raise BaselineError(f"{path}: {where}.{metric}: {exc}") from None
    matrices: dict[str, dict[str, CellResult]] = {}
    for name, m in shape.matrices.items():
        matrices[name] = {}
        for cid, c in m.cells.items():
            try:
                values = {k: {int(seed): v for seed, v in s.seeds.items()} for k, s in c.metrics.items()}
            except ValueError:
                raise BaselineError(f"{path}: matrices.{name}.cells.{cid}: a seed that is not an integer") from None
            matrices[name][cid] = CellResult(c.cell, dict(c.statuses), values)
    return Baseline(
        shape.profile,
        matrices,
        dict(shape.tolerances),
        {n: dict(m.tolerances) for n, m in shape.matrices.items()},
        dict(shape.provenance),
    )
