"""Result store: atomic writes, resume, exclusive claims."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from ablations.describe.spec import load_matrix
from ablations.run.kinds.trials import pending_trials
from ablations.run.store import ResultStore, StoreError, atomic_write_json
from tests.conftest import TINY


def test_atomic_write_keeps_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    atomic_write_json(path, {"v": 1})

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_json(path, {"v": 2})
    assert json.loads(path.read_text()) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left


def test_a_killed_writer_never_leaves_half_a_result(tmp_path):
    """SIGKILL a process in a tight loop of atomic writes: the file always parses."""
    path = tmp_path / "r.json"
    code = (
        "import sys; from pathlib import Path; from ablations.run.store import atomic_write_json\n"
        "p = Path(sys.argv[1]); i = 0\n"
        "while True:\n    atomic_write_json(p, {'i': i, 'pad': 'x' * 200000}); i += 1\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(path)])
    try:
        deadline = time.monotonic() + 60
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # mid-loop
    finally:
        proc.kill()
        proc.wait()
    record = json.loads(path.read_text())
    assert record["i"] >= 0 and len(record["pad"]) == 200000


def test_resume_skips_finished_and_retries_failed_only_when_asked(tmp_path, write_matrix):
    matrix = load_matrix(write_matrix(TINY + "[axes]\nbatch_size = [4, 8, 16]\n"))
    trials = matrix.trials()
    store = ResultStore(tmp_path, matrix.name)
    store.put({**trials[0].to_dict(), "status": "ok"})
    store.put({**trials[1].to_dict(), "status": "failed"})
    assert pending_trials(trials, store, force=False, retry_failed=False) == [trials[2]]
    assert pending_trials(trials, store, force=False, retry_failed=True) == trials[1:]
    assert pending_trials(trials, store, force=True, retry_failed=False) == trials


def test_claims_are_exclusive_and_dead_owners_are_taken_over(tmp_path):
    store = ResultStore(tmp_path, "m")
    trial_id = "0123456789abcdef"
    assert store.claim(trial_id)
    assert not store.claim(trial_id)  # held by this live process
    store.release(trial_id)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    claim = tmp_path / "m" / f"{trial_id}.claim"
    claim.write_text(json.dumps({"pid": int(dead.stdout), "host": socket.gethostname(), "time": 0}))
    assert store.claim(trial_id)  # its owner is gone


def test_store_refuses_unsafe_names(tmp_path):
    with pytest.raises(StoreError):
        ResultStore(tmp_path, "../escape")
    store = ResultStore(tmp_path, "m")
    with pytest.raises(StoreError):
        store.get("../../etc/passwd")


def test_corrupt_result_is_set_aside_and_rerun(tmp_path):
    store = ResultStore(tmp_path, "m")
    trial_id = "0123456789abcdef"
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / f"{trial_id}.json").write_text('{"trial_id": "0123')
    assert store.get(trial_id) is None
    assert not store.is_done(trial_id)
    assert list((tmp_path / "m").glob("*.rejected-*"))
