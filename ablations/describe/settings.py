"""The settings of one trial: a flat, validated, frozen set of named values.

Core settings (data, optimization, callbacks) live in :class:`CoreSettings`; each model family
adds its own pydantic ``Params`` class. Every key of a matrix's ``fixed`` table and every axis
is one of these names, so the matrix loader can reject an unknown name before anything runs.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from ablations.describe.core_settings import CORE_FIELDS, TASK_METRICS, CoreSettings
from ablations.describe.datasets import DATASETS, split_sizes
from ablations.describe.losses import LOSSES, losses_for
from ablations.describe.model_family import MODELS
from ablations.describe.settings_error import SettingsError


def _first_error(exc: ValidationError, prefix: str = "") -> SettingsError:
    error = exc.errors()[0]
    field = ".".join(str(part) for part in error["loc"]) or prefix
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown setting"
    elif error["type"] == "missing":
        message = "required but missing; set it in [fixed] or as an axis"
    elif "input" in error and error["type"] != "value_error":  # value errors name the value
        message = f"{message} (got {error['input']!r})"
    return SettingsError(field, message)


def _takes_bool(annotation: Any) -> bool:
    if annotation is bool:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_takes_bool(arg) for arg in typing.get_args(annotation))
    return False


def _check_booleans(model: type[BaseModel], values: dict[str, Any]) -> None:
    """true/false only where a setting is a flag: pydantic's lax mode would read true as 1
    (``depth = true``) and "yes" or 1 as true, silently running something else."""
    for key, value in values.items():
        field = model.model_fields.get(key)
        if field is None:
            continue
        takes_bool = _takes_bool(field.annotation)
        if isinstance(value, bool) and not takes_bool:
            raise SettingsError(key, f"must not be true/false (got {value!r})")
        if takes_bool and not isinstance(value, bool) and value is not None and not _takes_other(field.annotation):
            raise SettingsError(key, f"must be true or false (got {value!r})")


def type_leaves(annotation: Any) -> list[Any]:
    """The types a (possibly Optional or union) annotation is made of; Literals kept whole."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [leaf for arg in typing.get_args(annotation) for leaf in type_leaves(arg)]
    if typing.get_origin(annotation) is typing.Annotated:
        return type_leaves(typing.get_args(annotation)[0])
    return [annotation]


def _check_types(model: type[BaseModel], values: dict[str, Any]) -> None:
    """No string where a number is expected, no number where a string is: pydantic's lax mode
    reads ``batch_size = "32"`` as 32, so a quoted number would silently run as a number.

    Run after pydantic accepted the values, so what it refuses keeps its own message. Ints
    stay accepted for floats (``learning_rate = 1``).
    """
    for key, value in values.items():
        field = model.model_fields.get(key)
        if field is None or isinstance(value, bool) or value is None:
            continue
        leaves = type_leaves(field.annotation)
        numeric = any(leaf in (int, float) for leaf in leaves)
        words = [
            arg
            for leaf in leaves
            if typing.get_origin(leaf) is Literal
            for arg in typing.get_args(leaf)
            if isinstance(arg, str)
        ]
        takes_str = str in leaves or bool(words)
        if isinstance(value, str) and numeric and str not in leaves and value not in words:
            choices = "".join(f" or {word!r}" for word in words)
            raise SettingsError(key, f"must be a number{choices}, not a string (got {value!r})")
        if isinstance(value, (int, float)) and takes_str and not numeric:
            raise SettingsError(key, f"must be a string, not a number (got {value!r})")


def _takes_other(annotation: Any) -> bool:
    """Whether a bool-taking annotation also takes something other than bool and None."""
    args = typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, types.UnionType) else ()
    return any(arg not in (bool, type(None)) for arg in args)


def _check_split(core: CoreSettings) -> None:
    """A split that leaves fewer training rows than one batch trains on (almost) nothing and
    would be stored ``ok``: refuse it when the matrix is read, naming the field that cut it."""
    spec = DATASETS.get(core.dataset)
    if spec.n_rows is None:
        return
    n_test, n_val, n_train = split_sizes(
        spec.n_rows,
        fixed_test=spec.fixed_test,
        test_fraction=core.test_fraction,
        validation_fraction=core.validation_fraction,
        max_train_samples=core.max_train_samples,
    )
    if n_train >= core.batch_size:
        return
    if core.max_train_samples is not None and core.max_train_samples < core.batch_size:
        field = "max_train_samples"
    elif spec.n_rows - n_test < core.batch_size + 1:
        field = "test_fraction"
    else:
        field = "validation_fraction"
    raise SettingsError(
        field,
        f"leaves {n_train} training rows of {core.dataset}'s {spec.n_rows} (test {n_test}, validation {n_val}), "
        f"fewer than one batch of {core.batch_size}",
    )


def resolve_settings(values: dict[str, Any]) -> dict[str, Any]:
    """Validate a flat dict of settings and return it complete (every default filled in).

    Raises :class:`SettingsError` naming the first bad field and what it accepts.
    """
    core_values = {k: v for k, v in values.items() if k in CORE_FIELDS}
    model_values = {k: v for k, v in values.items() if k not in CORE_FIELDS}
    _check_booleans(CoreSettings, core_values)
    try:
        core = CoreSettings(**core_values)
    except ValidationError as exc:
        raise _first_error(exc) from None
    _check_types(CoreSettings, core_values)
    _check_split(core)
    if core.model not in MODELS:
        raise SettingsError("model", f"unknown model {core.model!r}; known: {', '.join(MODELS.names())}")
    family = MODELS.get(core.model)
    unknown = sorted(set(model_values) - set(family.Params.model_fields))
    if unknown:
        known = sorted(CORE_FIELDS | set(family.Params.model_fields))
        close = difflib.get_close_matches(unknown[0], known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise SettingsError(
            unknown[0], f"unknown setting for model {core.model!r}; {hint}known settings: {', '.join(known)}"
        )
    _check_booleans(family.Params, model_values)
    try:
        params = family.Params(**model_values)
    except ValidationError as exc:
        raise _first_error(exc) from None
    _check_types(family.Params, model_values)
    loss = core.resolved_loss
    if core.task not in LOSSES.get(loss).tasks:
        raise SettingsError(
            "loss",
            f"{loss!r} does not fit {core.task} data set {core.dataset!r}; allowed: {', '.join(losses_for(core.task))}",
        )
    metric = core.early_stopping_monitor.removeprefix("val_")
    if metric not in TASK_METRICS[core.task]:
        raise SettingsError(
            "early_stopping_monitor",
            f"{core.early_stopping_monitor!r} is not recorded for {core.task}; allowed: "
            + ", ".join(f"val_{m}" for m in TASK_METRICS[core.task]),
        )
    params = family.finalize(core, params)
    resolved = core.model_dump() | params.model_dump()
    resolved["loss"] = loss
    resolved["trainer"] = _resolve_trainer(core.trainer, resolved)
    if core.fused_slot_width is None:
        resolved["fused_slot_width"] = FUSED_SLOT_WIDTH if resolved["trainer"] == "fused" else 1
    return dict(sorted(resolved.items()))


# A fused group's slots per vectorized chunk where a trial does not set fused_slot_width.
# Measured on the 2-core CPU machine (bench/bench_fused.py --widths, reports/fused.md): the
# shipped matrices' groups are 5 seeds, and a chunk of 5 trains them as one vectorized step,
# where 8 would compute 3 inert padding slots and 1 is a loop.
FUSED_SLOT_WIDTH = 5

# Backends with a fused trainer (ablations.run.fused). A model family opts in with
# ``ModelFamily.supports_fusion``.
FUSED_BACKENDS = frozenset({"jax"})


def why_not_fusable(settings: dict[str, Any]) -> str | None:
    """Why a trial with these resolved settings cannot use the fused trainer (None: it can).

    Fixed properties only (backend, model family, TensorBoard), so ``trainer = "auto"``
    resolves from the settings alone, the same way on every machine.
    """
    if settings["backend"] not in FUSED_BACKENDS:
        return f"backend {settings['backend']} has no fused trainer (only {', '.join(sorted(FUSED_BACKENDS))})"
    if settings["model"] not in MODELS or not MODELS.get(settings["model"]).supports_fusion:
        return f"model family {settings['model']} does not support fusion"
    if settings.get("tensorboard"):
        return "tensorboard = true: the fused trainer writes no TensorBoard logs yet"
    return None


def _resolve_trainer(trainer: str, resolved: dict[str, Any]) -> str:
    """``auto`` -> ``fused`` where the fused trainer can train these settings, else ``fit``."""
    reason = why_not_fusable(resolved)
    if trainer == "auto":
        return "fit" if reason else "fused"
    if trainer == "fused" and reason:
        raise SettingsError("trainer", f"'fused' is impossible here: {reason}; use 'auto' or 'fit'")
    return trainer
