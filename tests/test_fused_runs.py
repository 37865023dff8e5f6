"""Fused trials through the CLI: the default executor groups them, verify and resume rerun them.

A fused trial reruns alone as a fused group of one at its recorded ``fused_slot_width``: at a
fixed slot width a slot's bits do not depend on its group, so verify and a rerun after a kill
reproduce what the uninterrupted group stored.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from robustness_helpers import ROOT, cli, cli_env, write_matrix

from ablations.run.store import ResultStore

FUSED_MATRIX = """seeds = [0, 1, 2]
[fixed]
backend = "jax"
dataset = "digits"
depth = 1
epochs = 2
max_train_samples = 64
early_stopping_patience = 0
checkpoint = false
[axes]
width = [8, 9]
"""
COMPARED = ("history", "test", "weights_sha256", "status")


def test_a_jax_mlp_matrix_trains_in_fused_groups_and_verify_reproduces_them(tmp_path: Path) -> None:
    matrix = write_matrix(tmp_path, "fusedcli", FUSED_MATRIX)
    runs = tmp_path / "runs"
    done = cli("run", str(matrix), "--runs-dir", str(runs), "-q")  # default executor, a TensorFlow process
    assert done.returncode == 0, done.stderr
    records = list(ResultStore(runs, "fusedcli").records())
    assert len(records) == 6 and {r["status"] for r in records} == {"ok"}
    assert {r["settings"]["trainer"] for r in records} == {"fused"}
    assert {r["fused"]["group_size"] for r in records} == {3}  # one group per width, three seeds each
    assert len({r["fused"]["group_id"] for r in records}) == 2

    checked = cli("verify", str(matrix), "--runs-dir", str(runs), "--sample", "3")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    outcome = json.loads((runs / "fusedcli" / "verify-default.json").read_text())
    assert [row["reproduced"] for row in outcome["trials"]] == [True, True, True], outcome["trials"]


KILL_MATRIX = FUSED_MATRIX.replace("seeds = [0, 1, 2]", "seeds = [0, 1, 2, 3]").replace(
    "width = [8, 9]", "width = [8, 9, 10]"
)


def _run_jax(*args: str) -> subprocess.Popen:
    """The CLI in a JAX process: the inline executor trains the fused groups in that process."""
    env = cli_env()
    env["KERAS_BACKEND"] = "jax"
    return subprocess.Popen(
        [sys.executable, "-m", "ablations", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def _results(store: ResultStore) -> dict[str, tuple]:
    return {r["trial_id"]: tuple(json.dumps(r[k], sort_keys=True) for k in COMPARED) for r in store.records()}


@pytest.mark.slow
def test_sigkill_mid_group_then_rerun_reruns_only_the_unfinished_trials(tmp_path: Path) -> None:
    matrix = write_matrix(tmp_path, "fusedkill", KILL_MATRIX)  # 3 groups of 4 seeds
    whole = _run_jax("run", str(matrix), "--runs-dir", str(tmp_path / "whole"), "-q")
    assert whole.wait(timeout=600) == 0, whole.communicate()[1]
    reference = _results(ResultStore(tmp_path / "whole", "fusedkill"))
    assert len(reference) == 12

    runs = tmp_path / "runs"
    store = ResultStore(runs, "fusedkill")
    proc = _run_jax("run", str(matrix), "--runs-dir", str(runs), "-q")
    deadline = time.monotonic() + 600
    # Kill once a group is stored and the next one is claimed (training, not yet stored).
    while time.monotonic() < deadline and proc.poll() is None:
        stored = len(store.ids())
        if stored >= 4 and len(store.attempts()) > stored:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    before = set(store.ids())
    claimed_at_kill = {a["trial_id"] for a in store.attempts()}
    assert 4 <= len(before) < 12 and claimed_at_kill - before, "the kill did not land mid-group"

    rerun = _run_jax("run", str(matrix), "--runs-dir", str(runs), "-q")
    assert rerun.wait(timeout=600) == 0, rerun.communicate()[1]
    reran = {a["trial_id"] for a in store.attempts() if a["pid"] == rerun.pid}
    assert reran == set(reference) - before  # only the unfinished trials ran again
    assert _results(store) == reference  # and they reproduce the uninterrupted run bit for bit
