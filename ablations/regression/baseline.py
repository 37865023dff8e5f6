"""Baselines: per matrix and cell, each metric's mean, spread and seed count over ``ok`` trials.

A baseline is a small JSON file (``bench/baselines/<profile>.json``) written from stored
results by ``ablations baseline`` and committed, so ``ablations check`` can compare fresh
results against it on another day or machine. It is written deterministically (sorted keys,
no timestamps): the same results give the same file. Tolerance overrides edited into it by
hand (top-level or per matrix ``tolerances``) survive regeneration.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ablations.regression.tolerance import Stat, ToleranceError, parse_tolerance
from ablations.reporting.results import flatten, profile_records
from ablations.untrusted import UntrustedFileError, read_json_data

BASELINE_SCHEMA_VERSION = 1
BASELINES_DIR = Path("bench") / "baselines"
MAX_BASELINE_BYTES = 64 * 1024 * 1024
BAD_STATUSES = frozenset({"failed", "diverged", "timeout"})


class BaselineError(ValueError):
    """A baseline file that is missing or malformed; ``str()`` says the fix."""


def default_path(profile: str) -> Path:
    return BASELINES_DIR / f"{profile}.json"


@dataclass
class CellResult:
    """One cell of one matrix: its labels, trial statuses and metric statistics."""

    cell: dict[str, Any]
    statuses: dict[str, int]
    metrics: dict[str, Stat] = field(default_factory=dict)

    @property
    def bad(self) -> int:
        return sum(n for status, n in self.statuses.items() if status in BAD_STATUSES)

    @property
    def ok(self) -> int:
        return self.statuses.get("ok", 0)

    def label(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.cell.items()) or "(single cell)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "cell": self.cell,
            "statuses": dict(sorted(self.statuses.items())),
            "metrics": {
                name: {"mean": s.mean, "std": s.std, "n": s.n} for name, s in sorted(self.metrics.items())
            },
        }


def _stat(values: list[float]) -> Stat:
    n = len(values)
    mean = math.fsum(values) / n
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return Stat(mean, std, n)


def summarize(records: list[dict[str, Any]]) -> dict[str, CellResult]:
    """Records (stored or placeholders for trials not run) -> cells in first-seen order."""
    cells: dict[str, CellResult] = {}
    values: dict[str, dict[str, list[float]]] = {}
    for record in records:
        cell_id = record["cell_id"]
        result = cells.setdefault(cell_id, CellResult(dict(record.get("cell") or {}), Counter()))
        result.statuses[str(record.get("status"))] += 1
        if record.get("status") != "ok":
            continue
        for key, value in flatten(record).items():
            if (key.startswith("test_") or key == "time_ratio") and isinstance(value, (int, float)):
                if math.isfinite(value):
                    values.setdefault(cell_id, {}).setdefault(key, []).append(float(value))
    for cell_id, result in cells.items():
        result.statuses = dict(result.statuses)
        result.metrics = {name: _stat(vals) for name, vals in values.get(cell_id, {}).items()}
    return cells


def current_results(matrix: Any, profile: str, runs_dir: Path) -> dict[str, CellResult]:
    _, records = profile_records(matrix, profile, runs_dir)
    return summarize(records)


# -- the file ------------------------------------------------------------------------------
class _StatShape(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    mean: float
    std: float = Field(ge=0)
    n: int = Field(ge=1)


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
    tolerances: dict[str, str] = {}
    matrices: dict[str, _MatrixShape]


@dataclass
class Baseline:
    profile: str
    matrices: dict[str, dict[str, CellResult]]
    tolerances: dict[str, str] = field(default_factory=dict)  # every matrix
    matrix_tolerances: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": BASELINE_SCHEMA_VERSION,
            "profile": self.profile,
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


def build_baseline(
    matrices: list[Any], profile: str, runs_dir: Path, *, previous: Baseline | None = None
) -> Baseline:
    """The baseline of ``profile`` from stored results; hand-set tolerances of ``previous`` kept."""
    baseline = Baseline(profile, {m.name: current_results(m, profile, runs_dir) for m in matrices})
    if previous is not None:
        baseline.tolerances = dict(previous.tolerances)
        baseline.matrix_tolerances = {
            k: dict(v) for k, v in previous.matrix_tolerances.items() if k in baseline.matrices
        }
    return baseline


def load_baseline(path: Path) -> Baseline:
    try:
        raw = read_json_data(path, max_bytes=MAX_BASELINE_BYTES)
    except FileNotFoundError:
        raise BaselineError(
            f"{path}: no baseline; write one with `ablations baseline --profile <profile>`"
        ) from None
    except UntrustedFileError as exc:
        raise BaselineError(f"{path}: {exc}") from None
    try:
        shape = _BaselineShape.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise BaselineError(f"{path}: {where}: {error['msg']}; regenerate it with `ablations baseline`") from None
    if shape.schema_version != BASELINE_SCHEMA_VERSION:
        raise BaselineError(
            f"{path}: schema_version {shape.schema_version}, this version reads {BASELINE_SCHEMA_VERSION}; "
            "regenerate it with `ablations baseline`"
        )
    for where, table in [("tolerances", shape.tolerances)] + [
        (f"matrices.{name}.tolerances", m.tolerances) for name, m in shape.matrices.items()
    ]:
        for metric, text in table.items():
            try:
                parse_tolerance(text)
            except ToleranceError as exc:
                raise BaselineError(f"{path}: {where}.{metric}: {exc}") from None
    matrices = {
        name: {
            cid: CellResult(
                c.cell, dict(c.statuses), {k: Stat(s.mean, s.std, s.n) for k, s in c.metrics.items()}
            )
            for cid, c in m.cells.items()
        }
        for name, m in shape.matrices.items()
    }
    return Baseline(
        shape.profile, matrices, dict(shape.tolerances), {n: dict(m.tolerances) for n, m in shape.matrices.items()}
    )
