"""The data set registry: adding a data set is adding one entry here (or, from a plugin,
``DATASETS.register(name, DatasetSpec(...))``; wrapping one is registering a changed copy)."""

from __future__ import annotations

from ablations.datasets.base import DatasetSpec
from ablations.datasets.sources import (
    load_california_housing,
    load_diabetes,
    load_digits,
    load_fashion_mnist,
    load_mnist1d,
)
from ablations.registry import Registry

_SPECS = [
    DatasetSpec(
        name="digits",
        task="classification",
        loader=load_digits,
        sha256="f38847c6aba029dc9090407fce6a77fc8ed26fa4d379645c122bb560c49d7f83",
        n_classes=10,
        description="8x8 handwritten digits, 1,797 images (scikit-learn)",
        source="sklearn.datasets.load_digits",
    ),
    DatasetSpec(
        name="diabetes",
        task="regression",
        loader=load_diabetes,
        sha256="44e5b0f3150c56863ef2188f5727a11f639313b0f065f878428e46c8eb8b8c0b",
        description="diabetes progression, 442 patients x 10 raw features (scikit-learn)",
        source="sklearn.datasets.load_diabetes(scaled=False)",
    ),
    DatasetSpec(
        name="mnist1d",
        task="classification",
        loader=load_mnist1d,
        sha256="70116abcfe53bc995603be224e1dbcfd8556e3820ff4062199fea14c457c755e",
        n_classes=10,
        description="MNIST-1D, 4,000 train + 1,000 test sequences of 40 (Greydanus 2020)",
        source="mnist1d.data.make_dataset(get_dataset_args()), generated locally",
    ),
    DatasetSpec(
        name="california_housing",
        task="regression",
        loader=load_california_housing,
        sha256="671ca0ca00d4a7bc3e945c5a1fa26b2f3a89ea1e00ec9cc656ba47ed15e5b3df",
        description="California housing, 20,640 block groups x 8 features (Pace & Barry 1997)",
        source="StatLib cal_housing, shipped in the package; scikit-learn's 8 features",
    ),
    DatasetSpec(
        name="fashion_mnist",
        task="classification",
        loader=load_fashion_mnist,
        # The arrays are verified through the four files' published MD5s instead.
        sha256="0672bae8f496889010b9117db3338de091484577ce78e068003816fef74ae0d2",
        n_classes=10,
        description="Fashion-MNIST, 60,000 + 10,000 28x28 images (Zalando); Keras cache",
        source="keras.datasets.fashion_mnist (needs the Keras cache or the internet)",
        verify_arrays=False,
    ),
]

DATASETS: Registry[DatasetSpec] = Registry("dataset", {})
for _spec in _SPECS:
    DATASETS.register(_spec.name, _spec)
