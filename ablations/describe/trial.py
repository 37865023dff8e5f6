"""A trial: one frozen, fully resolved configuration and its content-hash id."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ablations.describe.version import SCHEMA_VERSION


def canonical_json(value: Any) -> str:
    """The one serialization that ids are hashed from: sorted keys, no whitespace."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def short_hash(value: Any, length: int = 16) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()[:length]


@dataclass(frozen=True)
class TrialConfig:
    """Everything that decides a trial's result, and the names a report groups it by.

    ``settings`` is complete (defaults filled in, "auto" choices resolved), so two configs that
    train the same thing have the same id whatever the matrix file spelled out. The id hashes
    settings (backend included), seed, the data set's version and the record schema; the matrix
    name and ``cell`` labels are not part of it, so a trial is found again across profiles.
    """

    matrix: str
    cell: dict[str, Any]
    settings: dict[str, Any]
    seed: int
    dataset_version: str
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def identity(self, *, with_seed: bool = True) -> dict[str, Any]:
        ident = {
            "schema": SCHEMA_VERSION,
            "settings": self.settings,
            "dataset_version": self.dataset_version,
        }
        if with_seed:
            ident["seed"] = self.seed
        return ident

    @cached_property
    def trial_id(self) -> str:
        return short_hash(self.identity())

    @cached_property
    def cell_id(self) -> str:
        """Shared by the seeds of one cell: what a report averages over."""
        return short_hash(self.identity(with_seed=False))

    @property
    def backend(self) -> str:
        return self.settings["backend"]

    @property
    def label(self) -> str:
        cell = " ".join(f"{k}={v}" for k, v in self.cell.items())
        return f"{cell} seed={self.seed}".strip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "trial_id": self.trial_id,
            "cell_id": self.cell_id,
            "matrix": self.matrix,
            "cell": self.cell,
            "settings": self.settings,
            "seed": self.seed,
            "dataset_version": self.dataset_version,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrialConfig:
        return cls(
            matrix=data["matrix"],
            cell=dict(data["cell"]),
            settings=dict(data["settings"]),
            seed=int(data["seed"]),
            dataset_version=data["dataset_version"],
        )
