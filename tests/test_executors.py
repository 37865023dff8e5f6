"""Executors: process pool and Dask give inline's results; kills, dead workers, missing backends."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar

import pytest
from robustness_helpers import ROOT, cli, cli_env, write_matrix

from ablations.describe.matrix_files import resolve_matrices
from ablations.run.execute import run_matrix
from ablations.run.executors import EXECUTORS
from ablations.run.store import ResultStore

pytestmark = pytest.mark.timeout(300)

TINY = """
seeds = [0, 1]
report_sections = ["determinism"]
[fixed]
dataset = "digits"
depth = 1
epochs = 2
max_train_samples = 200
early_stopping_patience = 0
checkpoint = false
[axes]
width = [8, 12]
"""
COMPARED = ("status", "history", "test", "weights_sha256")


@pytest.fixture(scope="module")
def dask_scheduler():
    """One local Dask cluster (2 single-threaded worker processes) for the module's tests."""
    from distributed import LocalCluster

    from ablations.run.executors.workers import worker_environment

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        env=worker_environment("tensorflow", 1),
    ) as cluster:
        yield cluster.scheduler_address


def _outcomes(runs: Path, matrix: str) -> dict[str, tuple]:
    return {
        r["trial_id"]: tuple(json.dumps(r.get(k), sort_keys=True) for k in COMPARED)
        for r in ResultStore(runs, matrix).records()
    }


@pytest.mark.slow
def test_process_pool_reproduces_inline_exactly(tmp_path: Path):
    matrix = resolve_matrices([str(write_matrix(tmp_path, "tiny", TINY))])[0]
    runs = {name: tmp_path / name for name in ("inline", "process")}
    options = {"inline": {}, "process": {}}
    for name, runs_dir in runs.items():
        summary = run_matrix(
            matrix, "default", runs_dir=runs_dir, executor=name, jobs=2, quiet=True, executor_options=options[name]
        )
        assert summary.statuses == {"ok": 4}, (name, summary.failures)
    inline = _outcomes(runs["inline"], "tiny")
    assert len(inline) == 4 and all(v[3] != "null" for v in inline.values())
    assert _outcomes(runs["process"], "tiny") == inline

    from ablations.read.reporting.determinism import determinism
    from ablations.read.reporting.pages import build_context
    from ablations.run.verify import all_reproduced, verify_matrix

    outcome = verify_matrix(matrix, "default", runs_dir=runs["process"], sample=2, seed=1)
    assert outcome["backends"] == {"tensorflow": {"checked": 2, "reproduced": 2, "not_run": 0}}
    assert all_reproduced(outcome)
    section = determinism(build_context(matrix, "default", runs["process"], tmp_path / "reports"))
    assert "| tensorflow | 2       | 2" in section


@pytest.mark.slow
def test_dask_reproduces_inline_exactly(tmp_path: Path, dask_scheduler: str):
    matrix = resolve_matrices([str(write_matrix(tmp_path, "tiny", TINY))])[0]
    for name, options in (("inline", {}), ("dask", {"scheduler": dask_scheduler})):
        summary = run_matrix(
            matrix, "default", runs_dir=tmp_path / name, executor=name, jobs=2, quiet=True, executor_options=options
        )
        assert summary.statuses == {"ok": 4}, (name, summary.failures)
    assert _outcomes(tmp_path / "dask", "tiny") == _outcomes(tmp_path / "inline", "tiny")


def test_verify_catches_a_changed_result(tmp_path: Path):
    from ablations.run.verify import differences

    stored = {"status": "ok", "history": {"loss": [0.5]}, "test": {"loss": 0.25}, "weights_sha256": "a"}
    assert differences(stored, dict(stored)) == []
    assert differences(stored, {**stored, "test": {"loss": 0.25000000000000006}}) == ["test"]
    assert differences(stored, {**stored, "weights_sha256": "b"}) == ["weights_sha256"]
    assert differences({**stored, "weights_sha256": None}, {**stored, "weights_sha256": "b"}) == []


def _missing_backend() -> str:
    for backend in ("jax", "torch"):
        if importlib.util.find_spec(backend) is None:
            return backend
    pytest.skip("jax and torch are both installed here")


@pytest.mark.parametrize("executor", ["inline", "process", "dask"])
def test_a_backend_that_is_not_installed_is_skipped_with_the_reason(tmp_path: Path, executor: str):
    backend = _missing_backend()
    body = TINY.replace("[axes]", f'backend = "{backend}"\n[axes]')
    matrix = resolve_matrices([str(write_matrix(tmp_path, "nobackend", body))])[0]
    summary = run_matrix(matrix, "default", runs_dir=tmp_path / "runs", executor=executor, jobs=2, quiet=True)
    assert summary.statuses == {"skipped": 4}
    for record in ResultStore(tmp_path / "runs", "nobackend").records():
        assert record["status"] == "skipped"
        assert f"backend {backend} is not installed" in record["reason"]


JAX = """
seeds = [0]
[fixed]
dataset = "digits"
depth = 1
width = 8
epochs = 1
max_train_samples = 64
early_stopping_patience = 0
checkpoint = false
[axes]
backend = ["tensorflow", "jax"]
"""


def test_the_default_executor_runs_another_backends_trials_in_a_worker_quietly(tmp_path: Path):
    """This process runs TensorFlow: its trials run inline, the JAX ones in a JAX worker (were skipped)."""
    path = write_matrix(tmp_path, "jax", JAX)
    runs = tmp_path / "runs"
    result = cli("run", str(path), "--runs-dir", str(runs), "-q", quiet_env=True)
    assert result.returncode == 0, result.stderr
    assert "2 trials, 0 already stored, ran 2 (2 ok)" in result.stdout
    assert result.stderr == "", "-q must print nothing but errors"
    records = {r["settings"]["backend"]: r for r in ResultStore(runs, "jax").records()}
    assert set(records) == {"tensorflow", "jax"}
    for backend, record in records.items():
        assert record["status"] == "ok", record.get("reason")
        assert record["env"]["backend"] == backend


def test_process_workers_are_quiet(tmp_path: Path):
    """TensorFlow's native start-up lines (oneDNN, absl) went to the terminal from every worker."""
    path = write_matrix(tmp_path, "quiet", TINY.replace("width = [8, 12]", "width = [8]"))
    result = cli(
        "run", str(path), "--runs-dir", str(tmp_path / "runs"), "-q", "-e", "process", "-j", "2", quiet_env=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", "-q must print nothing but errors"


def test_startup_noise_filter_keeps_real_errors(capfd: pytest.CaptureFixture[str]):
    from ablations.run.executors.workers import filtered_native_stderr

    noise = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1796044690.391302   10721 port.cc:153] oneDNN custom operations are on.\n"
    )
    with filtered_native_stderr():
        os.write(2, (noise + "E0000 00:00:1.2   1 x.cc:1] a real error\nUserWarning: kept\n").encode())
    assert capfd.readouterr().err == "E0000 00:00:1.2   1 x.cc:1] a real error\nUserWarning: kept\n"


def test_workers_cap_jax_threads_too(monkeypatch: pytest.MonkeyPatch):
    from ablations.run.executors.workers import worker_environment

    monkeypatch.delenv("XLA_FLAGS", raising=False)
    env = worker_environment("jax", 1)
    assert env["NPROC"] == "1"  # XLA's CPU client sizes its intra-op pool from NPROC
    assert env["XLA_FLAGS"] == "--xla_cpu_multi_thread_eigen=false"
    assert worker_environment("jax", 4)["NPROC"] == "4"
    assert "XLA_FLAGS" not in worker_environment("jax", 4)
    monkeypatch.setenv("XLA_FLAGS", "--xla_force_host_platform_device_count=2")
    assert worker_environment("jax", 1)["XLA_FLAGS"] == (
        "--xla_force_host_platform_device_count=2 --xla_cpu_multi_thread_eigen=false"
    )


def test_every_executor_shares_the_group_and_skip_loop(tmp_path: Path):
    """A new executor writes only ``dispatch_group``; grouping and skipping are the base class's."""
    from ablations.run.executors import Executor

    class Recording(Executor):
        groups: ClassVar[list[tuple[str, int]]] = []

        def dispatch_group(self, backend, trials, *, store, artifacts_dir, on_result):
            self.groups.append((backend, len(trials)))

    body = TINY.replace("[axes]", '[axes]\nbackend = ["tensorflow", "torch", "jax"]')
    matrix = resolve_matrices([str(write_matrix(tmp_path, "groups", body))])[0]
    store = ResultStore(tmp_path / "runs", "groups")
    seen: list[dict] = []
    Recording().run(matrix.trials("default"), store=store, artifacts_dir=tmp_path, on_result=seen.append)
    expected = (
        [("tensorflow", 4), ("jax", 4)]
        if importlib.util.find_spec("torch") is None
        else [("tensorflow", 4), ("torch", 4), ("jax", 4)]
    )
    assert Recording.groups == expected
    assert len(seen) == 12 - 4 * len(expected)
    assert {r["status"] for r in seen} <= {"skipped"}


@pytest.fixture
def stop_event():
    from ablations.run.executors.workers import STOP_REQUESTED

    STOP_REQUESTED.clear()
    yield STOP_REQUESTED
    STOP_REQUESTED.clear()


STOP = TINY.replace("seeds = [0, 1]", "seeds = [0, 1, 2]")  # 6 trials


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["process", "dask"])
def test_after_a_stop_the_parent_starts_no_queued_trial(tmp_path: Path, executor: str, stop_event, request):
    """The stop flag is set in the parent (as the CLI's signal handler does); workers never see it."""
    options = {"scheduler": request.getfixturevalue("dask_scheduler")} if executor == "dask" else {}
    matrix = resolve_matrices([str(write_matrix(tmp_path, "stop", STOP))])[0]
    runs = tmp_path / "runs"
    results: list[dict] = []

    def stop_after_first(record: dict) -> None:
        results.append(record)
        stop_event.set()

    runner = EXECUTORS.get(executor)(jobs=2, **options)
    with pytest.raises(KeyboardInterrupt):
        runner.run(
            matrix.trials("default"),
            store=ResultStore(runs, "stop"),
            artifacts_dir=runs / "stop",
            on_result=stop_after_first,
        )
    started = ResultStore(runs, "stop").attempts()
    # Two workers: the trial that finished and at most the one running beside it. Before, the
    # queued trials were already in the pool (process) or on the cluster (Dask) and ran anyway.
    assert 1 <= len(started) <= 2, [a["trial_id"] for a in started]
    assert len(ResultStore(runs, "stop").ids()) == len(started), "a running trial must finish and be stored"


KILL = """
seeds = [0, 1, 2, 3]
[fixed]
dataset = "digits"
depth = 1
epochs = 2
max_train_samples = 200
early_stopping_patience = 0
checkpoint = false
[axes]
width = [8, 9, 10]
"""


@pytest.mark.slow
def test_killed_process_run_resumes_without_redoing_finished_trials(tmp_path: Path):
    path = write_matrix(tmp_path, "kill", KILL)
    runs = tmp_path / "runs"
    args = [
        sys.executable,
        "-m",
        "ablations",
        "run",
        str(path),
        "--runs-dir",
        str(runs),
        "-q",
        "-e",
        "process",
        "-j",
        "2",
    ]
    # Its own session: SIGKILL to the group takes the workers too, as a crash of the machine would.
    proc = subprocess.Popen(
        args, env=cli_env(), cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    store = ResultStore(runs, "kill")
    deadline = time.monotonic() + 150
    while len(store.ids()) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {i: (runs / "kill" / f"{i}.json").stat().st_mtime_ns for i in store.ids()}
    assert 3 <= len(finished) < 12, "the kill should land midway"

    again = cli("run", str(path), "--runs-dir", str(runs), "-q", "-e", "process", "-j", "2")
    assert again.returncode == 0, again.stderr
    assert f"{len(finished)} already stored" in again.stdout
    assert len(store.ids()) == 12
    for trial_id, mtime in finished.items():
        assert (runs / "kill" / f"{trial_id}.json").stat().st_mtime_ns == mtime, "a finished trial ran again"


CRASH = """
seeds = [0, 1]
[fixed]
dataset = "digits"
depth = 1
width = 8
epochs = 1
max_train_samples = 64
early_stopping_patience = 0
checkpoint = false
[axes]
model = ["mlp", "crash"]
"""


@pytest.mark.slow
def test_a_dead_worker_takes_only_its_own_trial(tmp_path: Path):
    path = write_matrix(tmp_path, "crash", CRASH)
    runs = tmp_path / "runs"
    result = cli(
        "run", str(path), "--runs-dir", str(runs), "-q", "-e", "process", "-j", "2", plugins="ablations_crash_plugin"
    )
    assert result.returncode == 1, result.stderr
    records = {(r["cell"]["model"], r["seed"]): r for r in ResultStore(runs, "crash").records()}
    assert len(records) == 4
    for seed in (0, 1):
        assert records[("mlp", seed)]["status"] == "ok", records[("mlp", seed)].get("reason")
        assert records[("crash", seed)]["status"] == "failed"
        assert records[("crash", seed)]["reason"] == "worker died"


def test_missing_tensorboard_is_a_warning_not_a_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import ablations.run.keras_callbacks
    from ablations.run.lifecycle import train_trial

    def no_tensorboard(*args, **kwargs):
        raise ImportError("tensorboard = true needs TensorFlow")

    monkeypatch.setattr(ablations.run.keras_callbacks, "tensorboard_callbacks", no_tensorboard)
    body = TINY.replace("checkpoint = false", "checkpoint = false\ntensorboard = true").replace(
        "seeds = [0, 1]", "seeds = [0]"
    )
    matrix = resolve_matrices([str(write_matrix(tmp_path, "tb", body))])[0]
    record = train_trial(matrix.trials("default")[0], artifacts_dir=tmp_path / "art")
    assert record["status"] == "ok", record["reason"]
    assert record["warnings"] == ["ran without TensorBoard: tensorboard = true needs TensorFlow"]


def test_jobs_auto_gives_trial_matrices_one_worker_per_core_and_searches_none(tmp_path: Path, monkeypatch):
    from ablations.run.execute import parallelism

    trials = resolve_matrices([str(write_matrix(tmp_path, "tiny", TINY))])[0]
    search = resolve_matrices(["search"])[0]
    assert not search.kind.parallel_workers
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert parallelism(trials, "inline", "auto") == ("process", 2)
    assert parallelism(trials, "dask", "auto") == ("dask", 2)
    assert parallelism(search, "inline", "auto") == ("inline", 1)
    assert parallelism(trials, "inline", 3) == ("inline", 3)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert parallelism(trials, "inline", "auto") == ("inline", 1)


@pytest.mark.parametrize("jobs", ["0", "two"])
def test_jobs_is_a_positive_number_or_auto(jobs: str):
    done = cli("run", "deep_mlp", "--jobs", jobs)
    assert done.returncode == 2
    assert f"expected a number of worker processes >= 1 or 'auto', got {jobs!r}" in done.stderr
