"""Trials that raise, diverge or run out of time: recorded with status and reason, the rest
of the matrix runs, the command says so and exits 1, the report shows it, and
``--retry-failed`` reruns exactly the failed and timed-out trials."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from robustness_helpers import cli, write_matrix

from ablations.describe.plugins import PluginError, load_plugins, plugin_names
from ablations.describe.spec import load_matrix
from ablations.run import deadline as deadline_module
from ablations.run.deadline import DeadlineExceeded, deadline, hard_limit_s
from ablations.run.store import ResultStore

PLUGIN = "ablations_test_plugin"

# Four cells of one seed: ok (Adam), diverged (SGD at learning rate 10 on raw features), timeout
# (a 1 ms budget stops a 30-epoch fit after its first batch) and failed (the plugin's model
# raises while building).
FAILING = """
seeds = [0]

[fixed]
dataset = "diabetes"
optimizer = "adam"
batch_size = 8
max_train_samples = 64
checkpoint = false
early_stopping_patience = 0

[axes]
model = ["mlp", "explode"]
learning_rate = [0.01, 10.0]
epochs = [1, 30]

[[exclude]]
model = "explode"
learning_rate = 10.0

[[exclude]]
model = "explode"
epochs = 30

[[exclude]]
learning_rate = 10.0
epochs = 30

[[include]]
model = "mlp"
depth = 1
width = 8

[[include]]
learning_rate = 10.0
optimizer = "sgd"
normalization = "none"

[[include]]
epochs = 30
time_limit_s = 0.001
"""


# One 30-epoch trial with a 1 ms budget, for the in-process tests.
SOFT = """
seeds = [0]

[fixed]
dataset = "diabetes"
depth = 1
width = 8
batch_size = 8
max_train_samples = 64
checkpoint = false
early_stopping_patience = 0
epochs = 30
time_limit_s = 0.001
"""


def expected_status(cell: dict) -> str:
    if cell["model"] == "explode":
        return "failed"
    if cell["learning_rate"] == 10.0:
        return "diverged"
    return "timeout" if cell["epochs"] == 30 else "ok"


def snapshot(directory: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(directory.glob("*.json"))}


def test_failures_are_recorded_reported_and_retried_alone(tmp_path: Path):
    matrix_path = write_matrix(tmp_path, "failing", FAILING)
    runs = tmp_path / "runs"
    result = cli("run", str(matrix_path), "--runs-dir", str(runs), "-q", plugins=PLUGIN)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    summary = result.stdout.strip().splitlines()  # Keras' TerminateOnNaN prints a line too
    head = next(line for line in summary if line.startswith("failing [default]"))
    assert head.startswith("failing [default]: 4 trials, 0 already stored, ran 4 (")
    assert "1 diverged, 1 failed, 1 ok, 1 timeout" in head
    assert sum("failed: RuntimeError: explode model: failing on purpose" in line for line in summary) == 1
    assert sum("timeout: time_limit_s=0.001 reached after 1 of 30 epochs" in line for line in summary) == 1

    store = ResultStore(runs, "failing")
    records = {r["trial_id"]: r for r in store.records()}
    assert len(records) == 4
    for record in records.values():
        status = expected_status(record["cell"])
        assert record["status"] == status, record["reason"]
        if status != "ok":
            assert record["reason"]
    by_status = {r["status"]: r for r in records.values()}
    assert by_status["failed"]["error"]["type"] == "RuntimeError"
    assert "Traceback" in by_status["failed"]["error"]["traceback"]
    assert by_status["timeout"]["epochs_run"] == 1 and by_status["timeout"]["test"]
    assert by_status["diverged"]["reason"] == "loss or metric became NaN or infinite"

    report = cli(
        "report", str(matrix_path), "--runs-dir", str(runs), "--out", str(tmp_path / "reports"), plugins=PLUGIN
    )
    assert report.returncode == 0, report.stderr
    page = (tmp_path / "reports" / "failing.md").read_text()
    assert "Status: 1 diverged, 1 failed, 1 ok, 1 timeout." in page
    for status in ("1 diverged", "1 failed", "1 timeout"):
        assert f"| {status} " in page or f"| {status}|" in page, page

    # --retry-failed reruns the failed and timed-out trials and leaves the others' files alone.
    before = snapshot(store.dir)
    attempts_before = len(store.attempts())
    time.sleep(0.05)
    retry = cli("run", str(matrix_path), "--runs-dir", str(runs), "-q", "--retry-failed", plugins=PLUGIN)
    assert retry.returncode == 1, retry.stderr
    assert "4 trials, 2 already stored, ran 2 (1 failed, 1 timeout)" in retry.stdout
    after = snapshot(store.dir)
    rerun = {tid for tid, r in records.items() if r["status"] in ("failed", "timeout")}
    for name, (mtime, content) in before.items():
        if name.removesuffix(".json") in rerun:
            assert after[name][0] != mtime
            assert json.loads(after[name][1])["started_at"] >= json.loads(content)["started_at"]
        else:
            assert after[name] == (mtime, content), f"{name} was rewritten"
    new_attempts = [a["trial_id"] for a in store.attempts()[attempts_before:]]
    assert sorted(new_attempts) == sorted(rerun)

    # A plain rerun runs nothing: failures are final until asked to retry.
    again = cli("run", str(matrix_path), "--runs-dir", str(runs), "-q", plugins=PLUGIN)
    assert "4 already stored, ran 0 (nothing to run)" in again.stdout
    assert again.returncode == 0
    assert snapshot(store.dir) == after


def test_soft_time_limit_keeps_the_record_complete(tmp_path: Path):
    from ablations.run.lifecycle import train_trial

    [trial] = load_matrix(write_matrix(tmp_path, "soft", SOFT)).trials()
    record = train_trial(trial)
    assert record["status"] == "timeout"
    assert record["reason"] == "time_limit_s=0.001 reached after 1 of 30 epochs"
    assert record["epochs_run"] == 1 and set(record["history"]) >= {"loss", "val_loss"}
    assert set(record["test"]) >= {"loss", "mse", "mae"}
    assert record["error"] is None


def test_hard_limit_stops_a_trial_stuck_outside_fit(tmp_path: Path, monkeypatch):
    import ablations.run.program
    from ablations.run.lifecycle import train_trial

    def stuck(*args, **kwargs):
        time.sleep(60)
        raise AssertionError("the hard time limit did not fire")

    monkeypatch.setattr(ablations.run.program, "load_splits", stuck)  # data loading hangs
    monkeypatch.setattr(deadline_module, "HARD_LIMIT_GRACE_S", 0.5)
    [trial] = load_matrix(write_matrix(tmp_path, "stuck", SOFT)).trials()
    started = time.perf_counter()
    record = train_trial(trial)
    assert time.perf_counter() - started < 20
    assert record["status"] == "timeout"
    assert record["reason"] == "hard time limit of 0.502 s reached; the trial was stopped"
    import signal

    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_deadline_fires_and_disarms():
    assert hard_limit_s(None) is None
    assert hard_limit_s(100) == 2 * 100 + deadline_module.HARD_LIMIT_GRACE_S
    with pytest.raises(DeadlineExceeded, match="hard time limit of 0.2 s"), deadline(0.2):
        time.sleep(5)
    with deadline(0.2):
        pass
    time.sleep(0.3)  # disarmed: nothing fires after the block


def test_plugins_are_validated(tmp_path: Path):
    assert plugin_names(" a.b , c ,") == ["a.b", "c"]
    with pytest.raises(PluginError, match="not a module name"):
        plugin_names("os; rm -rf /")
    with pytest.raises(PluginError, match="cannot import 'no_such_plugin_module'"):
        load_plugins("no_such_plugin_module")
    result = cli("show", "course", "--runs-dir", str(tmp_path), plugins="no_such_plugin_module")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("error: ABLATIONS_PLUGINS: cannot import 'no_such_plugin_module'")
    )
