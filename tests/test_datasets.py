"""Data sets: shapes, checksums, deterministic splits, normalization fitted on train only."""

from __future__ import annotations

import gzip
import hashlib

import numpy as np
import pytest

from ablations.describe.datasets import DATASETS, DatasetChecksumError, DatasetUnavailableError
from ablations.run.datasets import sources
from ablations.run.datasets.loading import load_dataset, load_splits

SHAPES = {
    "digits": ((1797, 64), None, 10),
    "diabetes": ((442, 10), None, None),
    "breast_cancer": ((569, 30), None, 2),
    "wine": ((178, 13), None, 3),
    "mnist1d": ((4000, 40), (1000, 40), 10),
    "california_housing": ((20640, 8), None, None),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_offline_data_sets_have_their_shape_and_checksum(name):
    data = load_dataset(name)
    shape, test_shape, n_classes = SHAPES[name]
    assert data.x.shape == shape and data.x.dtype == np.float32
    assert len(data.y) == shape[0]
    assert (data.x_test.shape if data.x_test is not None else None) == test_shape
    assert data.n_classes == n_classes
    assert data.checksum() == DATASETS[name].sha256
    assert data.task == DATASETS[name].task
    # The sizes the matrix parser checks a split against are the loaded data's.
    assert (DATASETS[name].n_rows, DATASETS[name].fixed_test) == (len(data.x), data.x_test is not None)


def test_split_sizes_are_the_splits_load_splits_cuts():
    from ablations.describe.datasets import split_sizes

    for name, test_fraction, validation_fraction, cap in [
        ("digits", 0.2, 0.2, None),
        ("diabetes", 0.3, 0.1, 50),
        ("mnist1d", 0.2, 0.25, None),
        ("digits", 0.97, 0.5, None),
    ]:
        splits = load_splits(
            name,
            split_seed=1,
            test_fraction=test_fraction,
            validation_fraction=validation_fraction,
            normalization="none",
            max_train_samples=cap,
        )
        spec = DATASETS[name]
        expected = split_sizes(
            spec.n_rows,
            fixed_test=spec.fixed_test,
            test_fraction=test_fraction,
            validation_fraction=validation_fraction,
            max_train_samples=cap,
        )
        n_test = 0 if spec.fixed_test else len(splits.x_test)
        assert expected == (n_test, len(splits.x_val), len(splits.x_train)), name


def test_california_derives_scikit_learns_features():
    data = load_dataset("california_housing")
    assert data.feature_names[:2] == ("MedInc", "HouseAge")
    assert round(float(data.y.mean()), 4) == 2.0686
    assert float(data.y.max()) == pytest.approx(5.00001)
    # AveRooms of the first block group (StatLib row 1: 880 rooms, 126 households).
    assert data.x[0, 2] == pytest.approx(880 / 126)


def test_shipped_california_file_is_checksum_verified():
    raw = (sources.resources.files("ablations.run.datasets") / "files" / sources.CALIFORNIA_FILE).read_bytes()
    with pytest.raises(DatasetChecksumError, match="sha256"):
        sources.read_california_csv(raw[:-1] + bytes([raw[-1] ^ 1]))


def test_splits_are_deterministic_disjoint_and_normalized_on_train_only():
    kwargs = dict(split_seed=42, test_fraction=0.2, validation_fraction=0.25, normalization="zscore")
    a = load_splits("diabetes", **kwargs)
    b = load_splits("diabetes", **kwargs)
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_test, b.y_test)
    assert len(a.x_train) + len(a.x_val) + len(a.x_test) == 442
    assert np.allclose(a.x_train.mean(axis=0), 0, atol=1e-5)
    assert np.allclose(a.x_train.std(axis=0), 1, atol=1e-4)
    assert not np.allclose(a.x_test.mean(axis=0), 0, atol=1e-3)  # test rows were not used to fit
    other = load_splits("diabetes", **{**kwargs, "split_seed": 7})
    assert not np.array_equal(a.y_test, other.y_test)
    small = load_splits("diabetes", **kwargs, max_train_samples=50)
    assert len(small.x_train) == 50 and np.array_equal(small.y_test, a.y_test)
    minmax = load_splits("digits", **{**kwargs, "normalization": "minmax"})
    assert minmax.x_train.min() == 0 and minmax.x_train.max() == 1


def test_mnist1d_keeps_its_published_split():
    splits = load_splits("mnist1d", split_seed=0, test_fraction=0.5, validation_fraction=0.2, normalization="none")
    assert len(splits.x_test) == 1000 and len(splits.x_train) + len(splits.x_val) == 4000


def _idx(data: np.ndarray, magic: int) -> bytes:
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in data.shape)
    return gzip.compress(header + data.astype(np.uint8).tobytes())


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    import keras.src.backend.config as config

    monkeypatch.setattr(config, "_KERAS_DIR", str(tmp_path))
    return tmp_path / "datasets" / "fashion-mnist"


def test_fashion_mnist_real_parsing_path_on_small_files(keras_home):
    rng = np.random.default_rng(0)
    keras_home.mkdir(parents=True)
    images, labels = rng.integers(0, 256, (5, 28, 28)), rng.integers(0, 10, 5)
    test_images, test_labels = rng.integers(0, 256, (3, 28, 28)), rng.integers(0, 10, 3)
    files = {
        "train-images-idx3-ubyte.gz": _idx(images, 2051),
        "train-labels-idx1-ubyte.gz": _idx(labels, 2049),
        "t10k-images-idx3-ubyte.gz": _idx(test_images, 2051),
        "t10k-labels-idx1-ubyte.gz": _idx(test_labels, 2049),
    }
    for name, data in files.items():
        (keras_home / name).write_bytes(data)
    data = sources.load_fashion_mnist(verify=False)  # the tiny files are not the published ones
    assert data.x.shape == (5, 784) and data.x_test.shape == (3, 784)
    assert np.array_equal(data.x[2].reshape(28, 28), images[2]) and np.array_equal(data.y_test, test_labels)
    with pytest.raises(
        DatasetChecksumError, match="expected " + sources.FASHION_MNIST_MD5["train-labels-idx1-ubyte.gz"]
    ):
        sources.load_fashion_mnist()
    assert (
        hashlib.md5(files["t10k-labels-idx1-ubyte.gz"]).hexdigest()
        != sources.FASHION_MNIST_MD5["t10k-labels-idx1-ubyte.gz"]
    )


def test_fashion_mnist_offline_and_uncached_names_the_fix(keras_home, monkeypatch):
    import keras

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure: no internet")

    monkeypatch.setattr(keras.src.datasets.fashion_mnist, "get_file", offline)
    with pytest.raises(DatasetUnavailableError) as info:
        sources.load_fashion_mnist()
    message = str(info.value)
    assert str(keras_home) in message and "fashion_mnist.load_data()" in message and "KERAS_HOME" in message
