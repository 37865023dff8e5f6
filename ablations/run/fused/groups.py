"""Which trials fuse, and into which groups.

A group is a set of trials that compile to the same program. The group key is every setting
except those a slot can hold as a value of its own (:data:`VARIES`), plus the data set's
version and the record schema. What may differ within a group, and why the rest may not:

- ``seed`` (not a setting): initial weights, data order and dropout masks are per-slot arrays.
- ``learning_rate``: Keras keeps it as an optimizer variable, stacked per slot.
- early stopping (monitor, patience, min_delta) and ``checkpoint``: decided on the host
  between epochs, per slot.

Not variable (part of the key): ``momentum`` (and Adam's betas, AdamW's weight decay) are
Python floats of the Keras optimizer, read at trace time (``if self.momentum != 0`` picks the
code path), so one compiled program has one value; ``dropout`` likewise (``Dropout.call``
tests ``self.rate > 0`` in Python); the MLP family has no L2 setting. Making them per-slot
would need our own optimizer and dropout layers, which would stop fused and ``fit`` trials
from sharing initial weights and code. ``time_limit_s`` is in the key because a group has one
clock. ``steps_per_execution`` only exists for ``fit`` and is in the key too (it is in the
trial id, so leaving it out would fuse trials that ``fit`` treats as different).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from ablations.describe.settings import why_not_fusable
from ablations.describe.trial import TrialConfig, short_hash
from ablations.describe.version import SCHEMA_VERSION

VARIES = frozenset(
    {"learning_rate", "early_stopping_monitor", "early_stopping_min_delta", "early_stopping_patience", "checkpoint"}
)
# Largest group by default: on 2 CPU cores, 8-16 paid off (bench/bench_fused.py); on a GPU
# size it from the compiled program's memory.
DEFAULT_MAX_GROUP = 16
# Slots per vectorized chunk (see ablations.run.fused.engine.FusedProgram): fixed, so a slot's bits
# do not depend on its group's size. A trial's own width is its ``fused_slot_width`` setting.
DEFAULT_SLOT_WIDTH: int | None = 1


def why_not_fused(config: TrialConfig) -> str | None:
    """Why this trial trains alone with ``fit`` (None: it trains with the fused trainer)."""
    reason = why_not_fusable(config.settings)
    if reason is not None:
        return reason
    if config.settings.get("trainer", "fused") != "fused":
        return f"trainer = {config.settings['trainer']!r}"
    if config.meta.get("callbacks"):
        return "per-run callbacks (a search's pruning) need fit"
    return None


def group_key(config: TrialConfig) -> str:
    """Equal for trials that compile to the same fused program."""
    fixed = {k: v for k, v in config.settings.items() if k not in VARIES}
    return short_hash({"schema": SCHEMA_VERSION, "settings": fixed, "dataset_version": config.dataset_version})


def group_id(configs: list[TrialConfig]) -> str:
    return short_hash(sorted(c.trial_id for c in configs))


def plan_groups(
    configs: list[TrialConfig], *, max_size: int = DEFAULT_MAX_GROUP
) -> tuple[list[list[TrialConfig]], list[TrialConfig]]:
    """``(groups, alone)``: groups of 1..max_size fused trials, and the trials that train with fit.

    Trials of one key are sorted by trial id and cut into balanced chunks, so the same pending
    trials always give the same groups, whatever order they came in. A key with one trial is a
    group of one: it still trains with the fused trainer (its ``trainer`` setting says so), and
    at a fixed slot width its bits are those it would have in any group.
    """
    if max_size < 1:
        raise ValueError(f"max_size must be >= 1 (got {max_size})")
    by_key: dict[str, list[TrialConfig]] = defaultdict(list)
    alone: list[TrialConfig] = []
    for config in configs:
        if why_not_fused(config) is None:
            by_key[group_key(config)].append(config)
        else:
            alone.append(config)
    groups: list[list[TrialConfig]] = []
    for key in sorted(by_key):
        members = sorted(by_key[key], key=lambda c: c.trial_id)
        n_chunks = math.ceil(len(members) / max_size)
        for i in range(n_chunks):
            groups.append(members[i * len(members) // n_chunks : (i + 1) * len(members) // n_chunks])
    return groups, alone


def describe(groups: list[list[TrialConfig]], alone: list[TrialConfig]) -> dict[str, Any]:
    """Counts for a plan, for logs and reports."""
    return {"groups": len(groups), "fused_trials": sum(map(len, groups)), "alone": len(alone)}


def plan_tasks(trials: Sequence[TrialConfig], *, max_group: int | None = None) -> list[list[TrialConfig]]:
    """The trials as tasks: fused groups (:func:`plan_groups`) and single fit trials.

    Tasks keep the order of their first trial in ``trials``. ``max_group`` (a run option, not
    part of any trial's id) caps a fused group; default ``DEFAULT_MAX_GROUP``.
    """
    groups, alone = plan_groups(list(trials), max_size=max_group or DEFAULT_MAX_GROUP)
    position = {trial.trial_id: i for i, trial in enumerate(trials)}
    tasks = [list(group) for group in groups] + [[trial] for trial in alone]
    return sorted(tasks, key=lambda task: min(position[t.trial_id] for t in task))
