"""The course's multilayer perceptron, with the deep-network chapter's knobs.

Initializer, dropout kind and bias follow the chapter: lecun_normal and AlphaDropout with
SELU, He initialization for the ReLU family, Glorot otherwise; no bias before batch norm.
The resolved choices are written back into the settings, so a trial's record says what ran.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ablations.describe.model_family import ModelFamily, output_layer

Activation = Literal["relu", "leaky_relu", "elu", "selu", "gelu", "swish", "sigmoid", "tanh", "softplus", "linear"]
HE_FAMILY = {"relu", "leaky_relu", "elu", "gelu", "swish"}


class MLPParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    depth: int = Field(2, ge=0, le=200, description="hidden layers")
    width: int = Field(100, ge=1, le=8192, description="units per hidden layer")
    activation: Activation = "relu"
    batch_norm: Literal["none", "before", "after"] = "none"
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    dropout_layers: int | Literal["all"] = "all"
    dropout_kind: Literal["auto", "dropout", "alpha_dropout"] = "auto"
    kernel_initializer: Literal[
        "auto", "glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal"
    ] = "auto"


def default_initializer(activation: str) -> str:
    if activation == "selu":
        return "lecun_normal"
    if activation in HE_FAMILY:
        return "he_normal"
    return "glorot_uniform"


class MLPFamily(ModelFamily):
    name = "mlp"
    Params = MLPParams
    supports_fusion = True  # and DeepFamily, the same MLP, inherits it

    def finalize(self, core, params: MLPParams) -> MLPParams:
        from ablations.describe.settings_error import SettingsError

        if isinstance(params.dropout_layers, int) and params.dropout_layers < 0:
            raise SettingsError("dropout_layers", f"must be 'all' or >= 0 (got {params.dropout_layers})")
        updates = {}
        if params.kernel_initializer == "auto":
            updates["kernel_initializer"] = default_initializer(params.activation)
        if params.dropout_kind == "auto":
            updates["dropout_kind"] = "alpha_dropout" if params.activation == "selu" else "dropout"
        return params.model_copy(update=updates)

    def build(self, core, params: MLPParams, splits):
        import keras

        inputs = keras.Input(shape=(splits.n_features,), name="features")
        x = inputs
        n_dropout = params.depth if params.dropout_layers == "all" else params.dropout_layers
        for i in range(params.depth):
            x = dense_block(x, i, params, dropout=params.dropout if i >= params.depth - n_dropout else 0.0)
        outputs = output_layer(core.task, splits.n_classes)(x)
        return keras.Model(inputs, outputs, name="mlp")


def dense_block(x, i: int, params: MLPParams, *, dropout: float):
    """Dense -> [BN] -> activation -> [BN] -> [dropout], named by layer index for the probes."""
    import keras

    bn_before = params.batch_norm == "before"
    x = keras.layers.Dense(
        params.width,
        kernel_initializer=params.kernel_initializer,
        use_bias=not bn_before,
        name=f"dense_{i}",
    )(x)
    if bn_before:
        x = keras.layers.BatchNormalization(name=f"bn_{i}")(x)
    x = keras.layers.Activation(params.activation, name=f"act_{i}")(x)
    if params.batch_norm == "after":
        x = keras.layers.BatchNormalization(name=f"bn_{i}")(x)
    if dropout > 0:
        layer = keras.layers.AlphaDropout if params.dropout_kind == "alpha_dropout" else keras.layers.Dropout
        x = layer(dropout, name=f"dropout_{i}")(x)
    return x


FAMILY = MLPFamily()
