"""Shared by the robustness tests: run the CLI in a subprocess, write tiny matrices."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent

# One-epoch MLPs on 64 samples: a trial takes about a second, mostly Keras' first trace.
TINY_FIXED = """
depth = 1
width = 8
epochs = 1
max_train_samples = 64
early_stopping_patience = 0
checkpoint = false
"""


def cli_env(*, plugins: str | None = None, quiet_env: bool = False) -> dict[str, str]:
    """The test process's environment for a CLI run; ``quiet_env``: without the log-level
    variables the tests set, as a user's shell has it, to see what a user would see."""
    env = dict(os.environ)
    if quiet_env:
        for name in ("TF_CPP_MIN_LOG_LEVEL", "GLOG_minloglevel", "PYTHONWARNINGS"):
            env.pop(name, None)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(TESTS)])
    env["KERAS_BACKEND"] = "tensorflow"
    env.pop("ABLATIONS_PLUGINS", None)
    if plugins:
        env["ABLATIONS_PLUGINS"] = plugins
    return env


def cli(
    *args: str, plugins: str | None = None, timeout: float = 240, quiet_env: bool = False
) -> subprocess.CompletedProcess:
    """``python -m ablations ARGS`` in a fresh interpreter, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "ablations", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=cli_env(plugins=plugins, quiet_env=quiet_env),
        cwd=ROOT,
    )


def popen(*args: str, plugins: str | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "ablations", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(plugins=plugins),
        cwd=ROOT,
    )


def write_matrix(directory: Path, name: str, body: str) -> Path:
    path = directory / f"{name}.toml"
    path.write_text(body, encoding="utf-8")
    return path


def tiny_matrix(directory: Path, name: str, *, seeds: int = 2, widths: int = 3) -> Path:
    """digits and diabetes x ``widths`` widths x ``seeds`` seeds of one-epoch MLPs."""
    width_values = ", ".join(str(8 + i) for i in range(widths))
    body = (
        f"seeds = {list(range(seeds))}\n[fixed]\n{TINY_FIXED.replace('width = 8', '')}\n"
        f'[axes]\ndataset = ["digits", "diabetes"]\nwidth = [{width_values}]\n'
    )
    return write_matrix(directory, name, body)
