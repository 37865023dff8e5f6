"""Test set-up: TensorFlow backend, quiet logs, data cache in a per-session folder."""

from __future__ import annotations

import os

# Before anything imports Keras: the backend is fixed at import time.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from pathlib import Path

import pytest


@pytest.fixture
def write_matrix(tmp_path: Path):
    """Write a matrix file named ``name``.toml with the given text; return its path."""

    def write(text: str, name: str = "m") -> Path:
        path = tmp_path / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


TINY = """
seeds = [0]
[fixed]
dataset = "digits"
depth = 1
width = 8
epochs = 2
max_train_samples = 200
"""
