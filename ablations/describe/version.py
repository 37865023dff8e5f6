"""The package version and the version of stored result records (part of every trial id)."""

from __future__ import annotations

__version__ = "0.1.0"
SCHEMA_VERSION = 1
