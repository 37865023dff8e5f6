"""The data set types shared by every loader."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

Task = Literal["classification", "regression"]


class DatasetUnavailableError(RuntimeError):
    """The data cannot be had here (not cached and no internet); the message names the fix."""


class DatasetChecksumError(RuntimeError):
    """The loaded data is not the data the suite's results were measured on."""


def array_checksum(*arrays: np.ndarray) -> str:
    """sha256 over dtype, shape and bytes of each array: a stable fingerprint of loaded data."""
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Dataset:
    """Features and targets as loaded; ``x_test``/``y_test`` only where the source fixes a split."""

    name: str
    task: Task
    x: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    n_classes: int | None = None

    def checksum(self) -> str:
        arrays = [self.x, self.y]
        if self.x_test is not None and self.y_test is not None:
            arrays += [self.x_test, self.y_test]
        return array_checksum(*arrays)


@dataclass(frozen=True)
class DatasetSpec:
    """What the suite knows about a data set without loading it.

    ``sha256`` is the checksum of the loaded arrays (:func:`array_checksum`); it makes the data
    set's version part of every trial id, and loading verifies it.
    """

    name: str
    task: Task
    loader: Callable[[], Dataset]
    sha256: str
    description: str
    n_classes: int | None = None
    source: str = ""
    verify_arrays: bool = True

    @property
    def version(self) -> str:
        return f"{self.name}-{self.sha256[:16]}"


@dataclass(frozen=True)
class Splits:
    """Train / validation / test arrays after splitting, subsampling and normalization."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    task: Task
    feature_names: tuple[str, ...]
    n_classes: int | None

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])
