"""Data sets as the matrix parser knows them: one registry entry each, nothing loaded.

``DATASETS`` maps a name to a :class:`DatasetSpec`, whose metadata (task, version) is cheap, so
a matrix can be validated and its trial ids computed without loading any data. Each spec names
its loader as ``"module:function"`` (imported on first load, from :mod:`ablations.run.datasets`),
so this bottom layer imports nothing that runs. Adding a data set is adding one entry here (or,
from a plugin, ``DATASETS.register(name, DatasetSpec(...))``, whose loader may be a function).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ablations.describe.registry import Registry

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
    loader: Callable[[], Dataset] | str  # a function, or "module:function" imported when loading
    sha256: str
    description: str
    n_classes: int | None = None
    source: str = ""
    verify_arrays: bool = True
    # Rows a split starts from (all rows, or the training pool where the source fixes the test
    # split), so a matrix whose split leaves too few training rows is refused when it is read.
    # None (a plugin's data set that does not say) skips that check.
    n_rows: int | None = None
    fixed_test: bool = False  # whether the source fixes the test split (test_fraction unused)

    @property
    def version(self) -> str:
        return f"{self.name}-{self.sha256[:16]}"


def split_sizes(
    n_rows: int,
    *,
    fixed_test: bool,
    test_fraction: float,
    validation_fraction: float,
    max_train_samples: int | None = None,
) -> tuple[int, int, int]:
    """(test, validation, training) rows of a split of ``n_rows``: the one rule that
    :func:`ablations.run.datasets.loading.load_splits` cuts by and the parser checks with."""
    n_test = 0 if fixed_test else max(1, int(round(test_fraction * n_rows)))
    rest = n_rows - n_test
    n_val = max(1, int(round(validation_fraction * rest)))
    n_train = max(0, rest - n_val)
    if max_train_samples is not None:
        n_train = min(n_train, max_train_samples)
    return n_test, n_val, n_train


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


_SPECS = [
    DatasetSpec(
        name="digits",
        task="classification",
        loader="ablations.run.datasets.sources:load_digits",
        sha256="f38847c6aba029dc9090407fce6a77fc8ed26fa4d379645c122bb560c49d7f83",
        n_classes=10,
        description="8x8 handwritten digits, 1,797 images (scikit-learn)",
        source="sklearn.datasets.load_digits",
        n_rows=1797,
    ),
    DatasetSpec(
        name="diabetes",
        task="regression",
        loader="ablations.run.datasets.sources:load_diabetes",
        sha256="44e5b0f3150c56863ef2188f5727a11f639313b0f065f878428e46c8eb8b8c0b",
        description="diabetes progression, 442 patients x 10 raw features (scikit-learn)",
        source="sklearn.datasets.load_diabetes(scaled=False)",
        n_rows=442,
    ),
    DatasetSpec(
        name="breast_cancer",
        task="classification",
        loader="ablations.run.datasets.sources:load_breast_cancer",
        sha256="d74d253234bd2f851ead53bbbf95ffa4338920faf5e165eb90f841eac2d9847c",
        n_classes=2,
        description="Wisconsin breast cancer, 569 tumours x 30 raw measurements (scikit-learn)",
        source="sklearn.datasets.load_breast_cancer",
        n_rows=569,
    ),
    DatasetSpec(
        name="wine",
        task="classification",
        loader="ablations.run.datasets.sources:load_wine",
        sha256="d347d01e13494d261f1cb74d7690d8e5c458bf0db257080523d679e0278ff65b",
        n_classes=3,
        description="wine cultivars, 178 wines x 13 raw chemical measurements (scikit-learn)",
        source="sklearn.datasets.load_wine",
        n_rows=178,
    ),
    DatasetSpec(
        name="mnist1d",
        task="classification",
        loader="ablations.run.datasets.sources:load_mnist1d",
        sha256="70116abcfe53bc995603be224e1dbcfd8556e3820ff4062199fea14c457c755e",
        n_classes=10,
        description="MNIST-1D, 4,000 train + 1,000 test sequences of 40 (Greydanus 2020)",
        source="mnist1d.data.make_dataset(get_dataset_args()), generated locally",
        n_rows=4000,
        fixed_test=True,
    ),
    DatasetSpec(
        name="california_housing",
        task="regression",
        loader="ablations.run.datasets.sources:load_california_housing",
        sha256="671ca0ca00d4a7bc3e945c5a1fa26b2f3a89ea1e00ec9cc656ba47ed15e5b3df",
        description="California housing, 20,640 block groups x 8 features (Pace & Barry 1997)",
        source="StatLib cal_housing, shipped in the package; scikit-learn's 8 features",
        n_rows=20640,
    ),
    DatasetSpec(
        name="fashion_mnist",
        task="classification",
        loader="ablations.run.datasets.sources:load_fashion_mnist",
        # The arrays are verified through the four files' published MD5s instead.
        sha256="0672bae8f496889010b9117db3338de091484577ce78e068003816fef74ae0d2",
        n_classes=10,
        description="Fashion-MNIST, 60,000 + 10,000 28x28 images (Zalando); Keras cache",
        source="keras.datasets.fashion_mnist (needs the Keras cache or the internet)",
        verify_arrays=False,
        n_rows=60000,
        fixed_test=True,
    ),
]

DATASETS: Registry[DatasetSpec] = Registry("dataset", {})
for _spec in _SPECS:
    DATASETS.register(_spec.name, _spec)
