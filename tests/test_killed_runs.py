"""Runs that are killed, interrupted or doubled: no result is lost, corrupted or run twice."""

from __future__ import annotations

import json
import random
import signal
import socket
import time
from pathlib import Path

import pytest
from robustness_helpers import cli, popen, tiny_matrix

from ablations.run.store import ResultStore
from ablations.run.untrusted import check_record, read_json_data


def wait_for_attempts(store: ResultStore, pid: int, count: int, proc, timeout: float = 180) -> bool:
    """Until ``pid`` has claimed ``count`` trials; False if the process ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(a["pid"] == pid for a in store.attempts()) >= count:
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.05)
    raise AssertionError(f"pid {pid} claimed fewer than {count} trials in {timeout} s")


def assert_every_result_parses(store: ResultStore) -> None:
    for path in store.dir.glob("*.json"):
        check_record(read_json_data(path), path.stem)


def test_sigkill_at_random_points_then_rerun(tmp_path: Path):
    matrix = tiny_matrix(tmp_path, "killed", widths=4)  # 16 trials
    runs = tmp_path / "runs"
    store = ResultStore(runs, "killed")
    rng = random.Random(8)
    killed: set[int] = set()
    for _ in range(4):
        proc = popen("run", str(matrix), "--runs-dir", str(runs), "-q")
        # Mostly mid-trial: after its 1st to 3rd claim, within about a trial's time.
        if wait_for_attempts(store, proc.pid, rng.randint(1, 3), proc):
            time.sleep(rng.uniform(0.0, 0.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed.add(proc.pid)
        proc.communicate(timeout=60)
        assert_every_result_parses(store)
        # The trial the kill interrupted shows as killed, not as missing or running.
        started = {a["trial_id"] for a in store.attempts() if a["pid"] == proc.pid}
        for trial_id in started - set(store.ids()):
            assert store.unfinished(trial_id)[0] == "killed"
    assert len(killed) >= 3, "the runs finished before they could be killed"
    assert len(store.ids()) < 16

    final = cli("run", str(matrix), "--runs-dir", str(runs), "-q")
    assert final.returncode == 0, final.stderr
    assert_every_result_parses(store)
    records = list(store.records())
    assert len(records) == 16 and {r["status"] for r in records} == {"ok"}
    assert not list(store.dir.glob(".*.tmp")), "temporary files left behind"
    assert not list(store.dir.glob("*.rejected-*"))
    for claim in store.dir.glob("*.claim"):  # only a kill between store and release leaves one
        assert claim.stem in store.ids()

    # No finished trial ran twice: a trial is claimed again only after its earlier runner
    # was killed while running it (the killed process's last claim).
    attempts = store.attempts()
    last_claim = {}
    for a in attempts:
        last_claim[a["pid"]] = a["trial_id"]
    seen: dict[str, dict] = {}
    for a in attempts:
        earlier = seen.get(a["trial_id"])
        if earlier is not None:
            assert earlier["pid"] in killed and last_claim[earlier["pid"]] == a["trial_id"], (
                f"trial {a['trial_id']} ran twice although its first run finished"
            )
        seen[a["trial_id"]] = a
    assert 16 < len(attempts) <= 16 + len(killed), "no kill landed mid-trial"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_interrupt_stops_cleanly_and_rerun_resumes(tmp_path: Path, signum: int):
    matrix = tiny_matrix(tmp_path, "interrupted", seeds=1)  # 6 trials
    runs = tmp_path / "runs"
    store = ResultStore(runs, "interrupted")
    proc = popen("run", str(matrix), "--runs-dir", str(runs), "-q")
    assert wait_for_attempts(store, proc.pid, 3, proc), "the run ended before it was interrupted"
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted; finished trials are stored, rerun to resume" in err
    assert "Traceback" not in err
    assert not list(store.dir.glob("*.claim")), "an interrupted run must release its claims"
    assert not list(store.dir.glob(".*.tmp"))
    assert_every_result_parses(store)
    stored = len(store.ids())
    assert 2 <= stored < 6

    rerun = cli("run", str(matrix), "--runs-dir", str(runs), "-q")
    assert rerun.returncode == 0, rerun.stderr
    assert f"6 trials, {stored} already stored, ran {6 - stored} ({6 - stored} ok)" in rerun.stdout
    ran_twice = [t for t in store.ids() if sum(a["trial_id"] == t for a in store.attempts()) > 1]
    assert len(ran_twice) <= 1  # at most the trial that was interrupted


QUEUED = """
seeds = [0]
[fixed]
dataset = "digits"
depth = 1
epochs = 3
max_train_samples = 300
early_stopping_patience = 0
checkpoint = false
[axes]
width = [8, 9, 10, 11, 12, 13]
"""


def test_sigterm_to_a_process_run_starts_no_queued_trial(tmp_path: Path):
    """The stop is asked of the parent; before, the trial already queued in the pool ran anyway."""
    matrix = tmp_path / "queued.toml"
    matrix.write_text(QUEUED, encoding="utf-8")
    runs = tmp_path / "runs"
    store = ResultStore(runs, "queued")
    proc = popen("run", str(matrix), "--runs-dir", str(runs), "-q", "-e", "process", "-j", "1")
    deadline = time.monotonic() + 180
    while not store.attempts() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.attempts(), "the worker started no trial"
    time.sleep(0.5)  # mid-trial: the next trial is queued behind it
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)  # a trial handed out before the signal arrived has claimed by now
    started = len(store.attempts())
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted; finished trials are stored, rerun to resume" in err
    assert len(store.attempts()) == started, "a queued trial started after the stop"
    assert len(store.ids()) == started, "the running trial finishes and is stored"
    assert not list(store.dir.glob("*.claim"))


def test_two_runs_of_one_matrix_at_once_share_the_work(tmp_path: Path):
    matrix = tiny_matrix(tmp_path, "shared")  # 12 trials
    runs = tmp_path / "runs"
    procs = [popen("run", str(matrix), "--runs-dir", str(runs), "-q") for _ in range(2)]
    outputs = [proc.communicate(timeout=300) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], [err for _, err in outputs]
    store = ResultStore(runs, "shared")
    assert_every_result_parses(store)
    assert len(store.ids()) == 12
    claimed = [a["trial_id"] for a in store.attempts()]
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 12, "a trial ran twice"
    assert {a["pid"] for a in store.attempts()} <= {proc.pid for proc in procs}
    assert not list(store.dir.glob("*.claim"))


def test_a_result_stored_by_a_concurrent_run_is_not_run_again(tmp_path: Path):
    trial_id = "0123456789abcdef"
    first = ResultStore(tmp_path, "m")  # opened, pending trials chosen...
    time.sleep(0.02)
    second = ResultStore(tmp_path, "m")  # ...then another run does the trial meanwhile
    assert second.claim(trial_id)
    second.put({"trial_id": trial_id, "status": "ok"})
    second.release(trial_id)
    assert not first.claim(trial_id)
    assert not (tmp_path / "m" / f"{trial_id}.claim").exists()
    time.sleep(0.02)
    assert ResultStore(tmp_path, "m").claim(trial_id)  # a later run (--force) may rerun it


CLAIMER = """
import sys, time
from pathlib import Path
from ablations.run.store import ResultStore
root, start = sys.argv[1], Path(sys.argv[2])
store = ResultStore(root, "m")
while not start.exists():
    time.sleep(0.005)
print(store.claim("0123456789abcdef"), flush=True)
time.sleep(3)  # hold the claim while the others try
"""


def test_a_dead_owners_claim_is_taken_over_by_exactly_one_run(tmp_path: Path):
    import subprocess
    import sys

    from robustness_helpers import cli_env

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    store = ResultStore(tmp_path, "m")
    store.dir.mkdir(parents=True)
    (store.dir / "0123456789abcdef.claim").write_text(
        json.dumps({"pid": int(dead.stdout), "host": socket.gethostname(), "time": 0})
    )
    start = tmp_path / "start"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIMER, str(tmp_path), str(start)], stdout=subprocess.PIPE, text=True, env=cli_env()
        )
        for _ in range(4)
    ]
    time.sleep(1.0)
    start.touch()
    results = [proc.communicate(timeout=60)[0].strip() for proc in procs]
    assert sorted(results) == ["False", "False", "False", "True"]
    assert len(store.attempts()) == 1
