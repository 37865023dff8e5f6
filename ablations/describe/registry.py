"""One small registry type for every extension point (datasets, models, executors, strategies...).

Entries are ``"module:attribute"`` strings imported on first use, so an entry whose framework
is not installed costs nothing until it is asked for (as AlgoPerf does).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class UnknownNameError(KeyError):
    """A name that is not in a registry; the message lists the names that are."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class Registry(Generic[T]):
    """Maps a stable name to a lazily imported object."""

    def __init__(self, kind: str, entries: dict[str, str]) -> None:
        self.kind = kind
        self._targets = dict(entries)
        self._loaded: dict[str, T] = {}

    def names(self) -> list[str]:
        return sorted(self._targets)

    def __contains__(self, name: object) -> bool:
        return name in self._targets

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def register(self, name: str, target: str | T) -> None:
        """Add an entry: a ``"module:attr"`` string or the object itself (tests, plugins)."""
        if isinstance(target, str):
            self._targets[name] = target
            self._loaded.pop(name, None)
        else:
            self._targets[name] = f"<object {name}>"
            self._loaded[name] = target

    def get(self, name: str) -> T:
        if name not in self._targets:
            raise UnknownNameError(f"unknown {self.kind} {name!r}; known {self.kind}s: {', '.join(self.names())}")
        if name not in self._loaded:
            self._loaded[name] = load_object(self._targets[name])  # type: ignore[assignment]
        return self._loaded[name]

    def __getitem__(self, name: str) -> T:
        """``REGISTRY[name]``: the same as :meth:`get` (callers written for a dict keep working)."""
        return self.get(name)


def load_object(reference: str) -> object:
    """The object a ``"module:attribute"`` reference names, importing its module."""
    module, _, attr = reference.partition(":")
    return getattr(importlib.import_module(module), attr)
