"""Print the tables of trial settings, generated from the pydantic models.

Usage: ``PYTHONPATH=. python docs/settings_table.py core`` prints the README's table of core
settings; ``... models > docs/model-settings.md`` writes the page of model-family settings. Types, choices, defaults and bounds come
from :class:`ablations.describe.settings.CoreSettings` and each model family's ``Params``; only the
one-line meanings below are written by hand, and a setting without one is an error, so a new
setting cannot reach the README undocumented.
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any, Literal

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel

from ablations.describe.datasets import DATASETS
from ablations.describe.losses import LOSSES
from ablations.describe.model_family import MODELS
from ablations.describe.optimizers import OPTIMIZERS
from ablations.describe.settings import CoreSettings

MEANING = {
    "dataset": "data set",
    "model": "model family",
    "backend": "Keras backend the trial runs on",
    "device": "device the trial runs on",
    "normalization": "input scaling, fitted on the training split only",
    "test_fraction": "share of the data held out for test",
    "validation_fraction": "share of the rest held out for validation",
    "split_seed": "seed of the split (the same for every training seed)",
    "max_train_samples": "subsample the training split to this many rows",
    "loss": "loss; unset: cross_entropy (classification), squared_error (regression)",
    "optimizer": "optimizer",
    "learning_rate": "learning rate",
    "momentum": "momentum (sgd only)",
    "epochs": "maximum epochs",
    "batch_size": "batch size",
    "steps_per_execution": "batches per compiled call",
    "early_stopping_monitor": "what early stopping watches",
    "early_stopping_min_delta": "smallest change that counts as improvement",
    "early_stopping_patience": "epochs without improvement before stopping; unset: no early stopping",
    "checkpoint": "save the best weights (`checkpoints/<trial_id>.weights.h5`)",
    "tensorboard": "write TensorBoard logs with the HParams dashboard",
    "time_limit_s": "wall-clock budget; past it the trial is `timeout`",
    "probe_every": "gradient-norm probe every N epochs and at initialization; 0 is off",
    "probe_batch_size": "rows of the probe's fixed batch",
    "trainer": "`auto`: `fused` for a JAX trial of a family that supports fusion (MLP) without TensorBoard, else `fit`",
    "fused_slot_width": "slots vectorized together in a fused program; a slot's bits depend on it, not on its "
    "group; unset: `FUSED_SLOT_WIDTH` for a fused trial (measured on [reports/fused.md](reports/fused.md)), 1 for `fit`",
}
REGISTRY_CHOICES = {"dataset": DATASETS, "optimizer": OPTIMIZERS, "loss": LOSSES, "model": MODELS}


def _accepts(name: str, annotation: Any, metadata: list[Any]) -> str:
    if name in REGISTRY_CHOICES:
        return "one of " + ", ".join(f"`{n}`" for n in REGISTRY_CHOICES[name].names())
    parts, optional = [], False
    args = (
        typing.get_args(annotation)
        if typing.get_origin(annotation) in (typing.Union, types.UnionType)
        else (annotation,)
    )
    for arg in args:
        if arg is type(None):
            optional = True
        elif typing.get_origin(arg) is Literal:
            parts.append(", ".join(f"`{v}`" if isinstance(v, str) else f"`{v!r}`" for v in typing.get_args(arg)))
        else:
            parts.append(arg.__name__)
    bounds = []
    for item in metadata:
        for cls, attr, op in ((Ge, "ge", ">="), (Gt, "gt", ">"), (Le, "le", "<="), (Lt, "lt", "<")):
            if isinstance(item, cls):
                value = getattr(item, attr)
                bounds.append(f"{op} {value:,}" if isinstance(value, int) else f"{op} {value:g}")
    text = " or ".join(parts) + (f" ({', '.join(bounds)})" if bounds else "")
    return text + (", or unset" if optional else "")


def _default(field: Any) -> str:
    if field.is_required():
        return "required"
    return "unset" if field.default is None else f"`{json.dumps(field.default)}`"  # as TOML writes it


def table(model: type[BaseModel], meanings: dict[str, str] | None) -> str:
    rows = [
        "| setting | accepts | default | meaning |" if meanings else "| setting | accepts | default |",
        "|---|---|---|---|" if meanings else "|---|---|---|",
    ]
    for name, field in model.model_fields.items():
        cells = [f"`{name}`", _accepts(name, field.annotation, field.metadata), _default(field)]
        if meanings is not None:
            if name not in meanings:
                raise SystemExit(f"docs/settings_table.py: write a meaning for the new setting {name!r}")
            cells.append(meanings[name])
        elif field.description:
            cells[1] += f"; {field.description}"
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(which: str) -> None:
    if which == "core":
        print(table(CoreSettings, MEANING))
        return
    print("# Model-family settings\n")
    print(
        "Generated from each family's `Params` (`ablations/describe/model_family/`) by `python docs/settings_table.py models`;"
    )
    print("do not edit by hand. The core settings every trial has are in the README.\n")
    # Model settings: one row per (setting, accepts, default), with the families that have it.
    rows: dict[tuple[str, str, str], list[str]] = {}
    for family in MODELS.names():
        params = MODELS.get(family).Params
        for name, field in params.model_fields.items():
            accepts = _accepts(name, field.annotation, field.metadata)
            if field.description:
                accepts += f"; {field.description}"
            rows.setdefault((name, accepts, _default(field)), []).append(family)
    print("| setting | accepts | default | model families |")
    print("|---|---|---|---|")
    for (name, accepts, default), families in rows.items():
        print(f"| `{name}` | {accepts} | {default} | {', '.join(families)} |")


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 2 or sys.argv[1] not in ("core", "models"):
        raise SystemExit("usage: python docs/settings_table.py core|models")
    main(sys.argv[1])
