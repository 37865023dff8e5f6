"""Benchmarks of the suite itself (pytest-benchmark): ``nox -s bench`` or ``pytest bench``.

Files are named ``bench_*.py`` so the test session (``testpaths = ["tests"]``) never collects
them; this hook collects them when ``bench/`` is given on the command line.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from pathlib import Path

import pytest


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    if file_path.suffix == ".py" and file_path.name.startswith("bench_"):
        return pytest.Module.from_parent(parent, path=file_path)
    return None
