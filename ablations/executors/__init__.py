"""Executors: where trials run. One registry entry each.

An executor receives the whole list of pending trials (not one at a time), so it may group
them (by backend, or into one program for same-shape trials) as it sees fit. Workers write
results through the same atomic :class:`~ablations.store.ResultStore`.
"""

from __future__ import annotations

from ablations.executors.base import Executor
from ablations.executors.workers import execute_one
from ablations.registry import Registry

EXECUTORS: Registry[type[Executor]] = Registry(
    "executor",
    {
        "inline": "ablations.executors.inline:InlineExecutor",
        "process": "ablations.executors.process:ProcessExecutor",
        "dask": "ablations.executors.dask:DaskExecutor",
    },
)

__all__ = ["EXECUTORS", "Executor", "execute_one"]
