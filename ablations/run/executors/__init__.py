"""Executors: where trials run. One registry entry each.

An executor receives the whole list of pending trials (not one at a time), so it may group
them (by backend, or into one program for same-shape trials) as it sees fit. Workers write
results through the same atomic :class:`~ablations.run.store.ResultStore`.
"""

from __future__ import annotations

from ablations.describe.registry import Registry
from ablations.run.executors.base import Executor

EXECUTORS: Registry[type[Executor]] = Registry(
    "executor",
    {
        "inline": "ablations.run.executors.inline:InlineExecutor",
        "process": "ablations.run.executors.process:ProcessExecutor",
        "dask": "ablations.run.executors.dask:DaskExecutor",
    },
)

__all__ = ["EXECUTORS", "Executor"]
