"""Model families as the matrix parser knows them: the interface and the ``MODELS`` registry.

A family is a :class:`ModelFamily`: its ``Params`` (pydantic, the family's own settings,
validated with the matrix) and a ``build`` function. The shipped families live in
:mod:`ablations.run.models` and are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict

from ablations.describe.registry import Registry

if TYPE_CHECKING:
    import keras

    from ablations.describe.datasets import Splits


# A metric's value: one float (test metrics) or one per epoch (the history).
Metric = TypeVar("Metric", float, list[float])


class CoreSettings(Protocol):
    """What a family reads of a trial's core settings (:class:`ablations.describe.core_settings.CoreSettings`
    is one): named here, not imported, so the family interface depends on no settings module."""

    @property
    def dataset(self) -> str: ...

    @property
    def task(self) -> str: ...

    @property
    def early_stopping_monitor(self) -> str: ...


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelFamily:
    """A family of models with its own settings.

    Subclasses set ``Params`` and implement :meth:`build`. The hooks with defaults let a family
    take several inputs (:meth:`inputs`), give several outputs (:meth:`compile_args`,
    :meth:`targets`) or fit preprocessing layers on training data (:meth:`adapt`).
    """

    name: ClassVar[str] = ""
    Params: ClassVar[type[BaseModel]] = NoParams
    # Whether the fused trainer (ablations.run.fused) can train this family's models as one vmapped
    # program: a functional model, one input, one output, no host-side state in training.
    supports_fusion: ClassVar[bool] = False

    def finalize(self, core: CoreSettings, params: Any) -> Any:
        """Resolve "auto" choices and check combinations; raise SettingsError if impossible."""
        return params

    def build(self, core: CoreSettings, params: Any, splits: Splits) -> keras.Model:
        raise NotImplementedError

    def inputs(self, x: np.ndarray, params: Any, splits: Splits) -> Any:
        """What ``model.fit`` receives as x; a dict for multi-input models."""
        return x

    def targets(self, y: Any, params: Any) -> Any:
        """What ``model.fit`` receives as y; a dict for multi-output models."""
        return y

    def compile_args(self, params: Any, loss: Any, metrics: list[Any]) -> dict[str, Any]:
        return {"loss": loss, "metrics": metrics}

    def adapt(self, model: keras.Model, x_train: np.ndarray, params: Any) -> None:
        """Fit preprocessing state on the training split only (never validation or test)."""

    def record_metrics(self, values: dict[str, Metric], params: Any) -> dict[str, Metric]:
        """History or test metrics as recorded; a multi-output family adds its main head's
        metrics under the plain names (``mse``, ``val_mae``) so reports compare it with others."""
        return values


def output_layer(task: str, n_classes: int | None, name: str = "output") -> keras.layers.Layer:
    """The head the task needs: softmax over classes, or one linear unit."""
    import keras

    if task == "classification":
        return keras.layers.Dense(n_classes, activation="softmax", name=name)
    return keras.layers.Dense(1, name=name)


MODELS: Registry[ModelFamily] = Registry(
    "model",
    {
        "mlp": "ablations.run.models.mlp:FAMILY",
        "wide": "ablations.run.models.wide_deep:WIDE",
        "deep": "ablations.run.models.wide_deep:DEEP",
        "wide_deep": "ablations.run.models.wide_deep:WIDE_DEEP",
        "wide_deep_subclass": "ablations.run.models.wide_deep:WIDE_DEEP_SUBCLASS",
        "wide_deep_multi_input": "ablations.run.models.wide_deep:WIDE_DEEP_MULTI_INPUT",
        "wide_deep_multi_output": "ablations.run.models.wide_deep:WIDE_DEEP_MULTI_OUTPUT",
        "wide_deep_crossed": "ablations.run.models.wide_deep:WIDE_DEEP_CROSSED",
    },
)
