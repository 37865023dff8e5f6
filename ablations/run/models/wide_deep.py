"""Wide, deep and Wide & Deep (Cheng et al. 2016), built every way the course builds them.

The deep path is the MLP's ``dense_block`` (layers ``dense_{i}``, ``act_{i}``), so probes and
the ``deep`` baseline see the same layers. The wide path is the raw features (or a declared
subset, or the paper's one-hot bucket crosses) fed straight to the output unit, which makes the
output a linear model of the wide features plus whatever the deep path adds.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ablations.describe.model_family import Metric, ModelFamily, output_layer
from ablations.run.models.mlp import MLPFamily, MLPParams, dense_block

Activation = Literal["relu", "elu", "selu", "gelu", "swish", "tanh"]


class WideParams(BaseModel):
    """A linear model has nothing to choose."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DeepParams(MLPParams):
    """The MLP with the Wide & Deep chapter's deep path as its default (2 x 30 ReLU)."""

    width: int = Field(30, ge=1, le=8192, description="units per hidden layer")


class WideDeepParams(BaseModel):
    """The deep path of every Wide & Deep variant (the course: two hidden layers of 30)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    depth: int = Field(2, ge=1, le=200, description="hidden layers of the deep path")
    width: int = Field(30, ge=1, le=8192, description="units per hidden layer of the deep path")
    activation: Activation = "relu"


class MultiInputParams(WideDeepParams):
    """Which columns each path sees: comma-separated feature names, declared in the matrix."""

    wide_features: str = Field(min_length=1)
    deep_features: str = Field(min_length=1)


class MultiOutputParams(WideDeepParams):
    """The course's weights: the main head counts 0.9, the auxiliary (deep-only) head 0.1."""

    main_loss_weight: float = Field(0.9, ge=0, le=1000)
    aux_loss_weight: float = Field(0.1, ge=0, le=1000)


class CrossedParams(WideDeepParams):
    """Two features bucketized at train quantiles, crossed, one-hot (wide) and embedded (deep)."""

    cross_features: str = Field(min_length=1, description="two comma-separated feature names")
    n_buckets: int = Field(10, ge=2, le=1000, description="quantile buckets per crossed feature")
    embedding_dim: int = Field(4, ge=1, le=1024)


def feature_list(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _check_names(field: str, text: str, dataset: str | None, *, count: int | None = None) -> None:
    """Names well formed, and known to the data set where its names are cheap to have."""
    from ablations.describe.settings_error import SettingsError

    names = feature_list(text)
    if not names:
        raise SettingsError(field, "give comma-separated feature names, e.g. 'MedInc,HouseAge'")
    if len(set(names)) != len(names):
        raise SettingsError(field, f"duplicate feature names in {text!r}")
    if count is not None and len(names) != count:
        raise SettingsError(field, f"needs exactly {count} feature names (got {len(names)}: {text!r})")
    if dataset is not None:
        from ablations.describe.datasets import DatasetUnavailableError
        from ablations.run.datasets.loading import load_dataset

        try:
            known = load_dataset(dataset).feature_names
        except DatasetUnavailableError:
            return  # checked again when the trial runs (feature_indices)
        unknown = [n for n in names if n not in known]
        if unknown:
            raise SettingsError(
                field, f"unknown feature {unknown[0]!r} for data set {dataset!r}; features: {', '.join(known)}"
            )


def feature_indices(text: str, feature_names: tuple[str, ...], *, field: str) -> list[int]:
    """Column indices of the named features; a clear error names the data set's features."""
    names = feature_list(text)
    unknown = [n for n in names if n not in feature_names]
    if unknown:
        raise ValueError(f"{field}: unknown feature {unknown[0]!r}; features: {', '.join(feature_names)}")
    return [feature_names.index(n) for n in names]


def deep_path(x: Any, params: WideDeepParams) -> Any:
    """The MLP's hidden layers, with the MLP's resolved choices for the activation."""
    mlp = MLPFamily().finalize(None, MLPParams(depth=params.depth, width=params.width, activation=params.activation))
    for i in range(params.depth):
        x = dense_block(x, i, mlp, dropout=0.0)
    return x


class WideFamily(ModelFamily):
    """A linear model (logistic for classification): the output unit on the raw features."""

    name = "wide"
    Params = WideParams

    def build(self, core, params: WideParams, splits):
        import keras

        inputs = keras.Input(shape=(splits.n_features,), name="features")
        return keras.Model(inputs, output_layer(core.task, splits.n_classes)(inputs), name="wide")


class DeepFamily(MLPFamily):
    """The MLP alone: the Wide & Deep model without its wide path."""

    name = "deep"
    Params = DeepParams


class WideDeepFamily(ModelFamily):
    """Functional API: one input, wide (identity) and deep paths concatenated before the head."""

    name = "wide_deep"
    Params = WideDeepParams

    def build(self, core, params: WideDeepParams, splits):
        import keras

        inputs = keras.Input(shape=(splits.n_features,), name="features")
        hidden = deep_path(inputs, params)
        concat = keras.layers.Concatenate(name="concat")([inputs, hidden])
        outputs = output_layer(core.task, splits.n_classes)(concat)
        return keras.Model(inputs, outputs, name="wide_deep")


def _subclass_model(params: WideDeepParams, task: str, n_classes: int | None, n_features: int):
    import keras

    class WideDeepModel(keras.Model):
        """The same layers as ``wide_deep``, created in the same order (so weights line up)."""

        def __init__(self) -> None:
            super().__init__(name="wide_deep_subclass")
            mlp = MLPFamily().finalize(
                None, MLPParams(depth=params.depth, width=params.width, activation=params.activation)
            )
            self.hidden = [
                keras.layers.Dense(mlp.width, kernel_initializer=mlp.kernel_initializer, name=f"dense_{i}")
                for i in range(params.depth)
            ]
            self.activations = [keras.layers.Activation(mlp.activation, name=f"act_{i}") for i in range(params.depth)]
            self.concat = keras.layers.Concatenate(name="concat")
            self.head = output_layer(task, n_classes)

        def call(self, inputs):
            hidden = inputs
            for dense, activation in zip(self.hidden, self.activations, strict=True):
                hidden = activation(dense(hidden))
            return self.head(self.concat([inputs, hidden]))

    model = WideDeepModel()
    model(keras.ops.zeros((1, n_features)))  # creates the weights, as the functional model has them
    return model


class WideDeepSubclassFamily(WideDeepFamily):
    """Subclassing API: a ``keras.Model`` subclass computing exactly what ``wide_deep`` computes."""

    name = "wide_deep_subclass"

    def build(self, core, params: WideDeepParams, splits):
        return _subclass_model(params, core.task, splits.n_classes, splits.n_features)


class WideDeepMultiInputFamily(ModelFamily):
    """Two inputs: the wide path sees ``wide_features``, the deep path ``deep_features``."""

    name = "wide_deep_multi_input"
    Params = MultiInputParams

    def finalize(self, core, params: MultiInputParams) -> MultiInputParams:
        _check_names("wide_features", params.wide_features, core.dataset)
        _check_names("deep_features", params.deep_features, core.dataset)
        return params

    def inputs(self, x: np.ndarray, params: MultiInputParams, splits) -> dict[str, np.ndarray]:
        wide = feature_indices(params.wide_features, splits.feature_names, field="wide_features")
        deep = feature_indices(params.deep_features, splits.feature_names, field="deep_features")
        return {"wide": np.ascontiguousarray(x[:, wide]), "deep": np.ascontiguousarray(x[:, deep])}

    def build(self, core, params: MultiInputParams, splits):
        import keras

        wide = keras.Input(shape=(len(feature_list(params.wide_features)),), name="wide")
        deep = keras.Input(shape=(len(feature_list(params.deep_features)),), name="deep")
        concat = keras.layers.Concatenate(name="concat")([wide, deep_path(deep, params)])
        outputs = output_layer(core.task, splits.n_classes)(concat)
        return keras.Model({"wide": wide, "deep": deep}, outputs, name="wide_deep_multi_input")


class WideDeepMultiOutputFamily(WideDeepFamily):
    """A main head on wide + deep and an auxiliary head on the deep path alone.

    The auxiliary loss regularizes the deep path (it must be useful on its own). Keras names
    metrics per head (``output_mse``, ``aux_output_mse``); :meth:`record_metrics` also files the
    main head's under the plain names, so tables and ``rmse`` treat it like any other model.
    """

    name = "wide_deep_multi_output"
    Params = MultiOutputParams
    heads = ("output", "aux_output")

    def finalize(self, core, params: MultiOutputParams) -> MultiOutputParams:
        from ablations.describe.settings_error import SettingsError

        if core.early_stopping_monitor != "val_loss":
            raise SettingsError(
                "early_stopping_monitor",
                "wide_deep_multi_output monitors the weighted total 'val_loss' only (each head has its own metrics)",
            )
        if params.main_loss_weight + params.aux_loss_weight <= 0:
            raise SettingsError("main_loss_weight", "the loss weights must not both be 0")
        return params

    def build(self, core, params: WideDeepParams, splits):
        assert isinstance(params, MultiOutputParams), "finalize made the settings MultiOutputParams"
        import keras

        inputs = keras.Input(shape=(splits.n_features,), name="features")
        hidden = deep_path(inputs, params)
        concat = keras.layers.Concatenate(name="concat")([inputs, hidden])
        main = output_layer(core.task, splits.n_classes, name="output")(concat)
        aux = output_layer(core.task, splits.n_classes, name="aux_output")(hidden)
        return keras.Model(inputs, {"output": main, "aux_output": aux}, name="wide_deep_multi_output")

    def targets(self, y: Any, params: MultiOutputParams) -> dict[str, Any]:
        return {head: y for head in self.heads}

    def compile_args(self, params: MultiOutputParams, loss: Any, metrics: list[Any]) -> dict[str, Any]:

        # Each head needs its own metric objects (they hold state).
        aux_metrics = [metric.__class__.from_config(metric.get_config()) for metric in metrics]
        return {
            "loss": {head: loss for head in self.heads},
            "loss_weights": {"output": params.main_loss_weight, "aux_output": params.aux_loss_weight},
            "metrics": {"output": metrics, "aux_output": aux_metrics},
        }

    def record_metrics(self, values: dict[str, Metric], params: Any) -> dict[str, Metric]:
        aliases: dict[str, Metric] = {}
        for key, value in values.items():
            prefix = "val_" if key.startswith("val_") else ""
            rest = key.removeprefix(prefix)
            if rest.startswith("output_") and not rest.endswith("_loss"):
                aliases[prefix + rest.removeprefix("output_")] = value
        return dict(sorted((values | aliases).items()))


def cross_layer(n_buckets: int):
    """A layer mapping two bucket ids (a, b) to the cross id ``a * n_buckets + b``."""
    import keras

    class BucketCross(keras.layers.Layer):
        def call(self, inputs):
            a, b = inputs
            return keras.ops.cast(a, "int32") * n_buckets + keras.ops.cast(b, "int32")

        def compute_output_shape(self, input_shapes):
            return input_shapes[0]

    return BucketCross(name="cross")


def bucket_boundaries(column: np.ndarray, n_buckets: int) -> list[float]:
    """Interior quantiles of a (training) column, duplicates removed.

    The splits hold z-scored columns; a per-column z-score is monotone, so quantile buckets of
    the normalized column are the same buckets as those of the raw one.
    """
    quantiles = np.quantile(np.asarray(column, dtype=np.float64), np.linspace(0, 1, n_buckets + 1)[1:-1])
    return [float(q) for q in np.unique(quantiles)]


class WideDeepCrossedFamily(ModelFamily):
    """The paper's design: bucketized features crossed and one-hot (wide), embedded (deep).

    Two features (California: latitude and longitude) are cut at quantiles of the training
    split (``adapt``), their bucket pair is crossed into one id (an exact cross product:
    ``n_buckets**2`` ids, so no hashing and no collisions), one-hot encoded for the wide
    path beside the raw features, and each bucket embedded for the deep path. Every layer is a
    backend-neutral Keras layer or ``keras.ops`` call; ``keras.layers.HashedCrossing`` is not
    used because it runs only on TensorFlow inside a model.
    """

    name = "wide_deep_crossed"
    Params = CrossedParams

    def finalize(self, core, params: CrossedParams) -> CrossedParams:
        _check_names("cross_features", params.cross_features, core.dataset, count=2)
        return params

    def inputs(self, x: np.ndarray, params: CrossedParams, splits) -> dict[str, np.ndarray]:
        cols = feature_indices(params.cross_features, splits.feature_names, field="cross_features")
        return {
            "features": x,
            "cross_0": np.ascontiguousarray(x[:, cols[0] : cols[0] + 1]),
            "cross_1": np.ascontiguousarray(x[:, cols[1] : cols[1] + 1]),
        }

    def build(self, core, params: CrossedParams, splits):
        import keras

        n = params.n_buckets
        features = keras.Input(shape=(splits.n_features,), name="features")
        raw = [keras.Input(shape=(1,), name=f"cross_{i}") for i in range(2)]
        # Placeholder boundaries (n buckets) until adapt() sets the training quantiles.
        placeholder = [float(b) for b in np.linspace(-1, 1, n - 1)]
        buckets = [
            keras.layers.Discretization(bin_boundaries=placeholder, output_mode="int", name=f"bucket_{i}")(r)
            for i, r in enumerate(raw)
        ]
        crossed = cross_layer(n)(buckets)
        one_hot = [
            keras.layers.CategoryEncoding(n, output_mode="one_hot", name=f"one_hot_{i}")(b)
            for i, b in enumerate(buckets)
        ]
        one_hot_cross = keras.layers.CategoryEncoding(n * n, output_mode="one_hot", name="one_hot_cross")(crossed)
        embedded = [
            keras.layers.Flatten(name=f"flat_{i}")(
                keras.layers.Embedding(n, params.embedding_dim, name=f"embedding_{i}")(b)
            )
            for i, b in enumerate(buckets)
        ]
        deep_in = keras.layers.Concatenate(name="deep_inputs")([features, *embedded])
        wide = keras.layers.Concatenate(name="wide")([features, *one_hot, one_hot_cross])
        concat = keras.layers.Concatenate(name="concat")([wide, deep_path(deep_in, params)])
        outputs = output_layer(core.task, splits.n_classes)(concat)
        model = keras.Model(
            {"features": features, "cross_0": raw[0], "cross_1": raw[1]}, outputs, name="wide_deep_crossed"
        )
        # adapt() gets the training array only; it needs to know which columns are crossed.
        model.cross_columns = tuple(
            feature_indices(params.cross_features, splits.feature_names, field="cross_features")
        )
        return model

    def adapt(self, model, x_train: np.ndarray, params: CrossedParams) -> None:
        """Bucket boundaries from the training split only (the runner passes nothing else)."""
        for i, column in enumerate(model.cross_columns):
            model.get_layer(f"bucket_{i}").bin_boundaries = bucket_boundaries(x_train[:, column], params.n_buckets)


FAMILIES = {
    family.name: family
    for family in (
        WideFamily(),
        DeepFamily(),
        WideDeepFamily(),
        WideDeepSubclassFamily(),
        WideDeepMultiInputFamily(),
        WideDeepMultiOutputFamily(),
        WideDeepCrossedFamily(),
    )
}
WIDE = FAMILIES["wide"]
DEEP = FAMILIES["deep"]
WIDE_DEEP = FAMILIES["wide_deep"]
WIDE_DEEP_SUBCLASS = FAMILIES["wide_deep_subclass"]
WIDE_DEEP_MULTI_INPUT = FAMILIES["wide_deep_multi_input"]
WIDE_DEEP_MULTI_OUTPUT = FAMILIES["wide_deep_multi_output"]
WIDE_DEEP_CROSSED = FAMILIES["wide_deep_crossed"]
