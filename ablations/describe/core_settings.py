"""The settings every trial has, whatever its model: :class:`CoreSettings`, checked by pydantic.

Separate from :mod:`ablations.describe.settings` (which adds each model family's own settings
and resolves the whole set) so that the model-family interface can name this type without an
import circle.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ablations.describe.datasets import DATASETS
from ablations.describe.losses import DEFAULT_LOSS, LOSSES
from ablations.describe.optimizers import OPTIMIZERS
from ablations.describe.registry import Registry

TASK_METRICS = {
    "classification": ("loss", "accuracy"),
    "regression": ("loss", "mse", "mae"),
}


def _choices(registry: Registry[Any]) -> str:
    """``'a', 'b' or 'c'``: pydantic's wording for a Literal, so every choice error reads alike."""
    names = [repr(name) for name in registry.names()]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


class CoreSettings(BaseModel):
    """Settings every trial has, whatever its model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: str
    model: str = "mlp"
    backend: Literal["tensorflow", "jax", "torch"] = "tensorflow"
    device: Literal["cpu", "gpu"] = "cpu"
    # Data: the split is fixed by split_seed, so training seeds measure training variance only.
    normalization: Literal["none", "minmax", "zscore"] = "zscore"
    test_fraction: float = Field(0.2, gt=0, lt=1)
    validation_fraction: float = Field(0.2, gt=0, lt=1)
    split_seed: int = Field(42, ge=0, lt=2**32)
    max_train_samples: int | None = Field(None, ge=1)
    # Optimization. loss None means the task's usual loss (cross-entropy / squared error).
    # loss and optimizer: names in ablations.describe.losses.LOSSES / ablations.describe.optimizers.OPTIMIZERS.
    loss: str | None = None
    optimizer: str = "adam"
    learning_rate: float = Field(1e-3, gt=0, le=10)
    momentum: float = Field(0.0, ge=0, lt=1)
    epochs: int = Field(20, ge=1, le=10_000)
    batch_size: int = Field(32, ge=1, le=1_000_000)
    # Several steps per compiled call; measured here to halve steady epochs, identical weights.
    steps_per_execution: int = Field(32, ge=1, le=10_000)
    # Callbacks of the course: EarlyStopping (patience None, "off" in a matrix file, disables it:
    # every epoch trains and the last epoch's weights are tested; with it, the best weights by the
    # monitor are restored), best-weights checkpoint, optional TensorBoard logs with the HParams
    # dashboard. TerminateOnNaN is always on.
    early_stopping_monitor: Literal["val_loss", "val_accuracy", "val_mae", "val_mse"] = "val_loss"
    early_stopping_min_delta: float = Field(0.0, ge=0)
    early_stopping_patience: int | Literal["off"] | None = Field(5, ge=0)
    checkpoint: bool = True
    tensorboard: bool = False
    # Wall-clock budget for training; exceeded, the trial stops and is recorded as timeout.
    time_limit_s: float | None = Field(None, gt=0)
    # Gradient-norm probe (ablations.run.probes): every N epochs and at initialization; 0 is off.
    probe_every: int = Field(0, ge=0)
    probe_batch_size: int = Field(256, ge=1)
    # How the trial trains: "fit" (Keras' model.fit) or "fused" (ablations.run.fused: same-program
    # trials trained together as one vmapped JAX program). A fused slot does not reproduce fit's
    # numbers bit for bit, so the trainer is a setting and part of the trial id; "auto" resolves
    # (in resolve_settings, from the settings alone) to "fused" where the backend has a fused
    # trainer (jax), the model family supports fusion and tensorboard is off, else to "fit".
    # Opt out with trainer = "fit": the executor never decides it, because an executor choice
    # must not change a trial's result (a lone fused trial trains as a fused group of one).
    trainer: Literal["auto", "fit", "fused"] = "auto"
    # Slots per vectorized chunk of a fused group (ablations.run.fused.engine): fixed per trial, so a
    # slot's bits do not depend on how many trials share its group. Unset, it resolves (in
    # resolve_settings) to FUSED_SLOT_WIDTH for a fused trial and to 1 (unused) for fit.
    fused_slot_width: int | None = Field(None, ge=1, le=1024)

    @field_validator("early_stopping_patience", mode="before")
    @classmethod
    def _patience_off(cls, value: Any) -> Any:
        """TOML has no null: ``"off"`` is how a matrix file switches early stopping off."""
        if isinstance(value, str) and value != "off":
            raise ValueError(f"must be a number or 'off', not a string (got {value!r})")
        return None if value == "off" else value

    @field_validator("dataset")
    @classmethod
    def _known_dataset(cls, value: str) -> str:
        if value not in DATASETS:
            raise ValueError(f"unknown dataset {value!r}; known: {', '.join(sorted(DATASETS))}")
        return value

    @field_validator("optimizer")
    @classmethod
    def _known_optimizer(cls, value: str) -> str:
        if value not in OPTIMIZERS:
            raise ValueError(f"Input should be {_choices(OPTIMIZERS)} (got {value!r})")
        return value

    @field_validator("loss")
    @classmethod
    def _known_loss(cls, value: str | None) -> str | None:
        if value is not None and value not in LOSSES:
            raise ValueError(f"Input should be {_choices(LOSSES)} (got {value!r})")
        return value

    @property
    def task(self) -> str:
        return DATASETS[self.dataset].task

    @property
    def resolved_loss(self) -> str:
        return self.loss or DEFAULT_LOSS[self.task]


CORE_FIELDS = frozenset(CoreSettings.model_fields)
