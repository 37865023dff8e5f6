"""Data sets: one registry entry each, loaded offline, verified against a checksum.

``DATASETS`` (a :class:`~ablations.registry.Registry`) maps a name to a :class:`DatasetSpec`,
whose metadata (task, version) is cheap, so a matrix can be validated and its trial ids
computed without loading any data.
"""

from __future__ import annotations

from ablations.datasets.base import (
    Dataset,
    DatasetChecksumError,
    DatasetSpec,
    DatasetUnavailableError,
    Splits,
    array_checksum,
)
from ablations.datasets.loading import load_dataset, load_splits
from ablations.datasets.registry import DATASETS

__all__ = [
    "DATASETS",
    "Dataset",
    "DatasetChecksumError",
    "DatasetSpec",
    "DatasetUnavailableError",
    "Splits",
    "array_checksum",
    "load_dataset",
    "load_splits",
]
