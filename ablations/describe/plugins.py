"""Extensions named in ``ABLATIONS_PLUGINS``: modules imported when the command starts.

A plugin module adds or wraps entries of the registries when imported (``DATASETS``,
``MODELS``, ``OPTIMIZERS``, ``LOSSES``, ``CALLBACKS``, ``PROBES``, ``EXECUTORS``, ``STRATEGIES``,
``SECTIONS``, ``MATRIX_KINDS``), so a team can use its own data sets, models or training pieces
from matrix files without forking the suite. The variable holds module names separated by commas; a module
that cannot be imported is a :class:`PluginError` (one line, exit code 2), never a traceback.
"""

from __future__ import annotations

import importlib
import os
import re

PLUGINS_ENV = "ABLATIONS_PLUGINS"
MODULE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class PluginError(ImportError):
    """A plugin named in ``ABLATIONS_PLUGINS`` that cannot be loaded; the message names it."""


def plugin_names(value: str | None = None) -> list[str]:
    """The module names in ``value`` (default: the environment variable), in order."""
    value = os.environ.get(PLUGINS_ENV, "") if value is None else value
    names = [part.strip() for part in value.split(",") if part.strip()]
    for name in names:
        if not MODULE_RE.match(name):
            raise PluginError(f"{PLUGINS_ENV}: {name!r} is not a module name (a.b.c, comma-separated)")
    return names


def load_plugins(value: str | None = None) -> list[str]:
    """Import every plugin module once; return their names."""
    names = plugin_names(value)
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:
            raise PluginError(
                f"{PLUGINS_ENV}: cannot import {name!r} ({type(exc).__name__}: {exc}); is it on PYTHONPATH?".replace(
                    "\n", " "
                )
            ) from None
    return names
