"""Loaders for each data set's source. All run offline; none downloads at run time by default."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
from importlib import resources
from pathlib import Path

import numpy as np

from ablations.describe.datasets import Dataset, DatasetChecksumError, DatasetUnavailableError

CALIFORNIA_FILE = "cal_housing.csv.gz"
CALIFORNIA_GZIP_SHA256 = "b2828a4e30b3d8eba3ffc9175a92327b57fc302812b75fbd84558d5ed94ba840"
CALIFORNIA_FEATURES = (
    "MedInc",
    "HouseAge",
    "AveRooms",
    "AveBedrms",
    "Population",
    "AveOccup",
    "Latitude",
    "Longitude",
)


def load_digits() -> Dataset:
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    return Dataset(
        name="digits",
        task="classification",
        x=bunch.data.astype(np.float32),
        y=bunch.target.astype(np.int64),
        feature_names=tuple(bunch.feature_names),
        n_classes=10,
    )


def _sklearn_classification(name: str, bunch: object) -> Dataset:
    """A scikit-learn classification bunch as raw float32 features and int64 labels."""
    return Dataset(
        name=name,
        task="classification",
        x=bunch.data.astype(np.float32),  # type: ignore[attr-defined]
        y=bunch.target.astype(np.int64),  # type: ignore[attr-defined]
        feature_names=tuple(bunch.feature_names),  # type: ignore[attr-defined]
        n_classes=len(bunch.target_names),  # type: ignore[attr-defined]
    )


def load_breast_cancer() -> Dataset:
    """Wisconsin breast cancer: 30 measurements whose ranges span five orders of magnitude."""
    from sklearn.datasets import load_breast_cancer as sk_load

    return _sklearn_classification("breast_cancer", sk_load())


def load_wine() -> Dataset:
    """Wine cultivars: 13 chemical measurements, from hue (about 1) to proline (about 1,000)."""
    from sklearn.datasets import load_wine as sk_load

    return _sklearn_classification("wine", sk_load())


def load_diabetes() -> Dataset:
    from sklearn.datasets import load_diabetes as sk_load_diabetes

    # scaled=False: the raw measurements, so the suite's own normalization axis means something.
    bunch = sk_load_diabetes(scaled=False)
    return Dataset(
        name="diabetes",
        task="regression",
        x=bunch.data.astype(np.float32),
        y=bunch.target.astype(np.float32),
        feature_names=tuple(bunch.feature_names),
    )


def _cache_dir() -> Path:
    root = os.environ.get("ABLATIONS_CACHE") or Path.home() / ".cache" / "keras-ablations"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_mnist1d() -> Dataset:
    """MNIST-1D generated locally with the package's default arguments (seed 42).

    ``mnist1d.data.get_dataset`` would download a pickle; ``make_dataset`` builds the same
    data offline in about two seconds, cached as ``.npz`` (plain arrays, no pickle).
    """
    cache = _cache_dir() / "mnist1d-default-v1.npz"
    if cache.exists():
        with np.load(cache, allow_pickle=False) as data:
            arrays = {key: data[key] for key in ("x", "y", "x_test", "y_test")}
    else:
        from mnist1d.data import get_dataset_args, make_dataset

        state = np.random.get_state()  # make_dataset reseeds numpy's global generator
        try:
            raw = make_dataset(get_dataset_args())
        finally:
            np.random.set_state(state)
        arrays = {
            "x": raw["x"].astype(np.float32),
            "y": raw["y"].astype(np.int64),
            "x_test": raw["x_test"].astype(np.float32),
            "y_test": raw["y_test"].astype(np.int64),
        }
        tmp = cache.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, cache)
    return Dataset(
        name="mnist1d",
        task="classification",
        feature_names=tuple(f"t{i}" for i in range(arrays["x"].shape[1])),
        n_classes=10,
        **arrays,
    )


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_california_csv(raw_gzip: bytes) -> Dataset:
    """Parse the StatLib file and derive scikit-learn's 8 features (see cal_housing.README.md)."""
    if _sha256_bytes(raw_gzip) != CALIFORNIA_GZIP_SHA256:
        raise DatasetChecksumError(
            f"{CALIFORNIA_FILE}: sha256 {_sha256_bytes(raw_gzip)} != expected "
            f"{CALIFORNIA_GZIP_SHA256}; reinstall keras-ablations to restore the shipped file"
        )
    with gzip.open(io.BytesIO(raw_gzip), "rt", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        raw = np.array([[float(v) for v in row] for row in reader], dtype=np.float64)
    col = {name: raw[:, i] for i, name in enumerate(header)}
    households = col["households"]
    features = np.column_stack(
        [
            col["median_income"],
            col["housing_median_age"],
            col["total_rooms"] / households,
            col["total_bedrooms"] / households,
            col["population"],
            col["population"] / households,
            col["latitude"],
            col["longitude"],
        ]
    )
    return Dataset(
        name="california_housing",
        task="regression",
        x=features.astype(np.float32),
        y=(col["median_house_value"] / 100_000).astype(np.float32),
        feature_names=CALIFORNIA_FEATURES,
    )


def load_california_housing() -> Dataset:
    raw = resources.files("ablations.run.datasets").joinpath("files", CALIFORNIA_FILE).read_bytes()
    return read_california_csv(raw)


FASHION_MNIST_MD5 = {
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
}


def fashion_mnist_dir() -> Path:
    """Where ``keras.datasets.fashion_mnist`` caches its files.

    Keras fixes its home (``KERAS_HOME`` or ``~/.keras``) when it is imported; ask it rather
    than recompute it, so the check and the loader look at the same folder.
    """
    from keras.src.backend.config import keras_home

    return Path(keras_home()).expanduser() / "datasets" / "fashion-mnist"


def load_fashion_mnist(*, verify: bool = True) -> Dataset:
    """The real Keras loader; offline and uncached it fails with a message naming the fix."""
    folder = fashion_mnist_dir()
    missing = [name for name in FASHION_MNIST_MD5 if not (folder / name).exists()]
    if missing:
        try:
            import keras

            (x, y), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
        except Exception as exc:
            raise DatasetUnavailableError(
                f"fashion_mnist: {', '.join(missing)} not cached under {folder} and the download "
                f"failed ({type(exc).__name__}). Fix: on a machine with internet run "
                "`python -c 'import keras; keras.datasets.fashion_mnist.load_data()'` and copy "
                f"~/.keras/datasets/fashion-mnist to {folder} (or point KERAS_HOME at a copy)"
            ) from exc
    else:
        if verify:
            for name, md5 in FASHION_MNIST_MD5.items():
                actual = hashlib.md5((folder / name).read_bytes()).hexdigest()
                if actual != md5:
                    raise DatasetChecksumError(
                        f"fashion_mnist: {folder / name} has md5 {actual}, expected {md5}; "
                        "delete it so that Keras downloads it again"
                    )
        import keras

        (x, y), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    return Dataset(
        name="fashion_mnist",
        task="classification",
        x=x.reshape(len(x), -1).astype(np.float32),
        y=y.astype(np.int64),
        x_test=x_test.reshape(len(x_test), -1).astype(np.float32),
        y_test=y_test.astype(np.int64),
        feature_names=tuple(f"px{i}" for i in range(28 * 28)),
        n_classes=10,
    )
