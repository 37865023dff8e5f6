"""A real small trial end to end, through the CLI and through the library."""

from __future__ import annotations

import json
import math
import subprocess
import sys

from ablations.describe.spec import load_matrix
from ablations.run.lifecycle import train_trial
from tests.conftest import TINY


def test_a_trial_records_everything_and_is_reproducible(write_matrix, tmp_path):
    trial = load_matrix(write_matrix(TINY)).trials()[0]
    first = train_trial(trial, artifacts_dir=tmp_path)
    assert first["status"] == "ok", first.get("error")
    assert first["epochs_run"] == 2 and first["best_epoch"] in (1, 2)
    assert set(first["history"]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert set(first["test"]) == {"loss", "accuracy"} and 0 <= first["test"]["accuracy"] <= 1
    assert first["param_count"] == 64 * 8 + 8 + 8 * 10 + 10
    assert first["n_train"] == 200
    timing = first["timing"]
    assert all(timing[k] > 0 for k in ("setup_s", "first_epoch_s", "steady_epoch_s", "evaluation_s"))
    assert first["env"]["backend"] == "tensorflow" and first["env"]["keras"].startswith("3.")
    assert (tmp_path / first["checkpoint"]).exists()
    second = train_trial(trial, artifacts_dir=tmp_path)
    assert second["history"] == first["history"] and second["test"] == first["test"]


def test_divergence_and_errors_are_recorded_not_raised(write_matrix):
    text = TINY.replace(
        'dataset = "digits"', 'dataset = "diabetes"\nnormalization = "none"\nlearning_rate = 10.0\noptimizer = "sgd"'
    )
    diverged = train_trial(load_matrix(write_matrix(text, "nan")).trials()[0])
    assert diverged["status"] == "diverged"
    assert any(not math.isfinite(v) for v in diverged["history"]["loss"])
    trial = load_matrix(write_matrix(TINY, "err")).trials()[0]
    broken = type(trial)(trial.matrix, trial.cell, {**trial.settings, "dataset": "gone"}, 0, "x")
    failed = train_trial(broken)
    assert failed["status"] == "failed" and "gone" in failed["reason"]
    assert "Traceback" in failed["error"]["traceback"]


def test_cli_runs_resumes_and_reports(write_matrix, tmp_path):
    path = write_matrix(TINY + "[axes]\nnormalization = ['none', 'zscore']\n", "tiny")
    runs, out = tmp_path / "runs", tmp_path / "reports"
    cmd = [sys.executable, "-m", "ablations"]
    first = subprocess.run(
        [*cmd, "run", str(path), "--runs-dir", str(runs), "-q"], capture_output=True, text=True, timeout=300
    )
    assert first.returncode == 0, first.stderr
    assert "2 trials, 0 already stored, ran 2 (2 ok)" in first.stdout
    again = subprocess.run(
        [*cmd, "run", str(path), "--runs-dir", str(runs), "-q"], capture_output=True, text=True, timeout=300
    )
    assert "2 trials, 2 already stored, ran 0" in again.stdout
    records = [json.loads(p.read_text()) for p in (runs / "tiny").glob("*.json")]
    assert sorted(r["cell"]["normalization"] for r in records) == ["none", "zscore"]
    report = subprocess.run(
        [*cmd, "report", str(path), "--runs-dir", str(runs), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert report.returncode == 0, report.stderr
    page = (out / "tiny.md").read_text()
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in page.splitlines() if line.startswith("|")]
    assert rows[0] == ["normalization", "seeds ok", "problems", "test_accuracy", "test_loss"]
    assert [row[:3] for row in rows[2:]] == [["none", "1/1", ""], ["zscore", "1/1", ""]]


def test_tensorboard_logs_carry_the_hparams(write_matrix, tmp_path):
    trial = load_matrix(write_matrix(TINY + "tensorboard = true\n[axes]\nactivation = ['tanh']\n", "tb")).trials()[0]
    record = train_trial(trial, artifacts_dir=tmp_path)
    assert record["status"] == "ok", record.get("error")
    events = list((tmp_path / "tensorboard" / trial.trial_id).rglob("events.out.tfevents.*"))
    assert len(events) >= 2  # the HParams summary and the TensorBoard callback's train/validation logs
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    hparams_file = min(events, key=lambda p: len(p.parts))
    accumulator = EventAccumulator(str(hparams_file.parent))
    accumulator.Reload()
    from tensorboard.plugins.hparams import plugin_data_pb2

    metadata = accumulator.SummaryMetadata("_hparams_/session_start_info")
    start = plugin_data_pb2.HParamsPluginData.FromString(metadata.plugin_data.content).session_start_info
    values = {
        name: value.WhichOneof("kind") and getattr(value, value.WhichOneof("kind"))
        for name, value in start.hparams.items()
    }
    assert values == {"activation": "tanh", "seed": 0.0}  # the cell's labels and the seed
    assert start.group_name == trial.trial_id


def test_torch_runs_one_step_per_execution_and_says_so():
    from ablations.run.fit_trainer import effective_steps_per_execution

    record: dict = {}
    assert effective_steps_per_execution({"backend": "torch", "steps_per_execution": 32}, record) == 1
    assert "not supported by Keras on torch" in record["warnings"][0]
    assert effective_steps_per_execution({"backend": "tensorflow", "steps_per_execution": 32}, {}) == 32
