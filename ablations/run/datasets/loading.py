"""Load a registered data set (verified, cached per process) and split it for one trial."""

from __future__ import annotations

import functools

import numpy as np

from ablations.describe.datasets import DATASETS, Dataset, DatasetChecksumError, DatasetSpec, Splits, split_sizes
from ablations.describe.registry import load_object


def dataset_spec(name: str) -> DatasetSpec:
    """The registry entry; an unknown name is an UnknownNameError listing the known ones."""
    return DATASETS.get(name)


@functools.lru_cache(maxsize=8)
def load_dataset(name: str) -> Dataset:
    """Load once per process and check the arrays against the registry's checksum."""
    spec = dataset_spec(name)
    loader = load_object(spec.loader) if isinstance(spec.loader, str) else spec.loader
    data = loader()  # type: ignore[operator]
    if spec.verify_arrays:
        actual = data.checksum()
        if actual != spec.sha256:
            raise DatasetChecksumError(
                f"{name}: loaded arrays have sha256 {actual}, expected {spec.sha256} "
                f"(source: {spec.source}); results would not be comparable"
            )
    return data


def _normalize(kind: str, train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """Fit the normalization on the training split only, apply it to every split."""
    if kind == "none":
        return [train, *others]
    if kind == "minmax":
        low, high = train.min(axis=0), train.max(axis=0)
        scale = np.where(high > low, high - low, 1.0)
        return [((a - low) / scale).astype(np.float32) for a in (train, *others)]
    if kind == "zscore":
        mean, std = train.mean(axis=0), train.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        return [((a - mean) / std).astype(np.float32) for a in (train, *others)]
    raise ValueError(f"unknown normalization {kind!r}; known: none, minmax, zscore")


def _take(rng: np.random.Generator, n: int, k: int | None) -> np.ndarray:
    order = rng.permutation(n)
    return order if k is None or k >= n else order[:k]


def load_splits(
    name: str,
    *,
    split_seed: int,
    test_fraction: float,
    validation_fraction: float,
    normalization: str,
    max_train_samples: int | None = None,
) -> Splits:
    """Deterministic train / validation / test split; the same for every training seed.

    A data set with a published test split (MNIST-1D, Fashion-MNIST) keeps it; otherwise
    ``test_fraction`` of the rows is held out. ``validation_fraction`` of what remains is the
    validation split. ``max_train_samples`` subsamples training rows only (smoke profiles).
    """
    data = load_dataset(name)
    rng = np.random.default_rng(split_seed)
    fixed_test = data.x_test is not None and data.y_test is not None
    n_test, n_val, _ = split_sizes(
        len(data.x), fixed_test=fixed_test, test_fraction=test_fraction, validation_fraction=validation_fraction
    )
    if fixed_test:
        assert data.x_test is not None and data.y_test is not None
        x, y, x_test, y_test = data.x, data.y, data.x_test, data.y_test
    else:
        order = rng.permutation(len(data.x))
        test_idx, rest = order[:n_test], order[n_test:]
        x, y, x_test, y_test = data.x[rest], data.y[rest], data.x[test_idx], data.y[test_idx]
    order = rng.permutation(len(x))
    val_idx, train_idx = order[:n_val], order[n_val:]
    train_idx = train_idx[_take(rng, len(train_idx), max_train_samples)]
    x_train, x_val, x_test = _normalize(normalization, x[train_idx], x[val_idx], x_test)
    return Splits(
        x_train=np.ascontiguousarray(x_train, dtype=np.float32),
        y_train=y[train_idx],
        x_val=np.ascontiguousarray(x_val, dtype=np.float32),
        y_val=y[val_idx],
        x_test=np.ascontiguousarray(x_test, dtype=np.float32),
        y_test=y_test,
        task=data.task,
        feature_names=data.feature_names,
        n_classes=data.n_classes,
    )
