"""Stored files are untrusted data: a malicious or broken one is set aside, never executed,
never followed out of the runs directory, and never crashes a run or a report."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from robustness_helpers import cli, tiny_matrix

from ablations.describe.spec import load_matrix
from ablations.read.reporting.results import profile_records
from ablations.run.checkpoints import UnsafeModelPathError, confined, load_saved_model
from ablations.run.store import ResultStore, StoreError
from ablations.run.untrusted import MAX_RECORD_BYTES, UntrustedFileError, check_record, read_json_data


@pytest.fixture
def setup(tmp_path: Path):
    matrix = load_matrix(tiny_matrix(tmp_path, "untrusted", seeds=1, widths=1))
    store = ResultStore(tmp_path / "runs", "untrusted")
    store.dir.mkdir(parents=True)
    trial = matrix.trials()[0]
    return matrix, store, trial


def valid_record(trial) -> dict:
    return {
        **trial.to_dict(),
        "schema_version": 1,
        "status": "ok",
        "reason": None,
        "error": None,
        "test": {"loss": 0.5, "accuracy": 0.9},
        "history": {"loss": [1.0, 0.5]},
        "timing": {"total_s": 1.0},
        "epochs_run": 2,
        "wall_s": 1.0,
    }


def bad_contents(trial) -> dict[str, bytes]:
    good = valid_record(trial)
    return {
        "not json": b"{'status': 'ok'}",
        "truncated": json.dumps(good).encode()[:-10],
        "a list": b"[1, 2, 3]",
        "a string": b'"ok"',
        "null": b"null",
        "status is a list": json.dumps({**good, "status": ["ok"]}).encode(),
        "cell is a list": json.dumps({**good, "cell": ["width", 8]}).encode(),
        "test is a string": json.dumps({**good, "test": "0.9"}).encode(),
        "seed is a string": json.dumps({**good, "seed": "0"}).encode(),
        "history of strings": json.dumps({**good, "history": {"loss": ["x"]}}).encode(),
        "another trial": json.dumps({**good, "trial_id": "0" * 16}).encode(),
        "traversal id": json.dumps({**good, "trial_id": "../../etc/passwd"}).encode(),
        "deep nesting": b"[" * 200_000 + b"]" * 200_000,
        "huge integer": b'{"seed": ' + b"9" * 5000 + b"}",
        "not utf-8": b'{"status": "\xff\xfe"}',
        "pickle": b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00\x8c\x01x\x94.",
    }


def test_malicious_result_files_are_set_aside_and_rerun(setup, tmp_path: Path):
    _, store, trial = setup
    path = store.dir / f"{trial.trial_id}.json"
    for name, content in bad_contents(trial).items():
        path.write_bytes(content)
        assert store.get(trial.trial_id) is None, name
        assert not path.exists(), f"{name}: not set aside"
        assert not store.is_done(trial.trial_id, retry_failed=False)
    assert len(list(store.dir.glob("*.rejected-*"))) == len(bad_contents(trial))
    # A valid record is accepted (extra fields from probes pass through).
    store.put({**valid_record(trial), "probe": {"anything": [1, 2]}})
    assert store.get(trial.trial_id)["probe"] == {"anything": [1, 2]}


def test_reports_survive_malicious_files(setup):
    matrix, store, trial = setup
    (store.dir / f"{trial.trial_id}.json").write_bytes(b'{"status": ["ok"]}')
    _, records = profile_records(matrix, "default", store.root)
    assert [r["status"] for r in records] == ["missing"] * len(records)


def test_symlinks_fifos_and_huge_files_are_not_read(setup, tmp_path: Path):
    _, store, trial = setup
    path = store.dir / f"{trial.trial_id}.json"
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps(valid_record(trial)))
    for target in (outside, Path("/dev/zero"), Path("/etc/passwd")):
        path.symlink_to(target)
        started = time.monotonic()
        assert store.get(trial.trial_id) is None
        assert time.monotonic() - started < 5
        assert not path.is_symlink()
    assert json.loads(outside.read_text())["status"] == "ok", "the symlink's target must be untouched"

    os.mkfifo(path)
    assert store.get(trial.trial_id) is None  # would block forever if opened for reading
    path.mkdir()
    assert store.get(trial.trial_id) is None
    with open(path, "wb") as handle:
        handle.truncate(MAX_RECORD_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(UntrustedFileError, match="over the"):
        read_json_data(path)
    assert store.get(trial.trial_id) is None

    # put() replaces a planted symlink itself, never writes through it.
    path.symlink_to(outside)
    store.put({**valid_record(trial), "status": "failed", "reason": "x"})
    assert not path.is_symlink() and json.loads(outside.read_text())["status"] == "ok"


def test_planted_claim_and_log_files_do_not_hang_or_redirect_writes(setup, tmp_path: Path):
    _, store, trial = setup
    claim = store.dir / f"{trial.trial_id}.claim"
    claim.symlink_to("/dev/zero")
    os.utime(claim, (0, 0), follow_symlinks=False)  # old and unreadable: stale
    assert store.claim(trial.trial_id)
    store.release(trial.trial_id)

    victim = tmp_path / "victim.txt"
    victim.write_text("keep\n")
    (store.dir / "attempts.log").unlink()
    (store.dir / "attempts.log").symlink_to(victim)
    with pytest.raises(StoreError, match="must be a regular file"):
        store.claim(trial.trial_id)
    assert victim.read_text() == "keep\n"
    assert not claim.exists(), "a failed claim must not stay behind"


@pytest.mark.parametrize("bad", ["../evil", "a/b", "/abs", "..", "", "UPPER", "x" * 65, "a\nb", "-x"])
def test_names_never_become_paths_outside_the_runs_dir(tmp_path: Path, bad: str):
    with pytest.raises(StoreError):
        ResultStore(tmp_path, bad)
    store = ResultStore(tmp_path, "fine")
    for trial_id in (bad, "../" + "0" * 13, "0" * 15 + "/"):
        with pytest.raises(StoreError, match="16 hex digits"):
            store.get(trial_id)
        with pytest.raises(StoreError):
            store.claim(trial_id)
        with pytest.raises(StoreError):
            store.put({"trial_id": trial_id})
    assert list(tmp_path.iterdir()) == []


def test_a_run_writes_only_inside_its_runs_dir(tmp_path: Path):
    matrix_path = tiny_matrix(tmp_path, "confined", seeds=1, widths=1)
    text = matrix_path.read_text().replace("checkpoint = false", "checkpoint = true")
    matrix_path.write_text(text.replace('["digits", "diabetes"]', '["digits"]'))
    work = tmp_path / "work"
    work.mkdir()
    before = {p for p in tmp_path.rglob("*")}
    result = cli("run", str(matrix_path), "--runs-dir", str(work / "runs"), "-q")
    assert result.returncode == 0, result.stderr
    created = {p for p in tmp_path.rglob("*")} - before
    assert created and all(p.is_relative_to(work / "runs" / "confined") or p in {work / "runs"} for p in created)
    assert any(p.name.endswith(".weights.h5") for p in created)


def test_runs_dir_that_is_a_file_is_one_error_line(tmp_path: Path):
    matrix_path = tiny_matrix(tmp_path, "runsfile", seeds=1, widths=1)
    (tmp_path / "afile").write_text("")
    result = cli("show", str(matrix_path), "--runs-dir", str(tmp_path / "afile"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: runs directory ")


def test_records_are_checked_against_their_trial():
    with pytest.raises(UntrustedFileError, match="a JSON list"):
        check_record([], "0" * 16)


def test_saved_models_load_in_safe_mode_only_from_the_runs_dir(tmp_path: Path):
    import keras

    inputs = keras.Input(shape=(3,))
    plain = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    plain.save(tmp_path / "plain.keras")
    assert load_saved_model("plain.keras", root=tmp_path).count_params() == plain.count_params()

    lam = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
    lam.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="safe_mode"):
        load_saved_model(tmp_path / "lambda.keras", root=tmp_path)

    (tmp_path / "inner").mkdir()
    with pytest.raises(UnsafeModelPathError, match="outside"):
        load_saved_model("../plain.keras", root=tmp_path / "inner")
    (tmp_path / "inner" / "link.keras").symlink_to(tmp_path / "plain.keras")
    with pytest.raises(UnsafeModelPathError, match="outside"):
        confined("link.keras", tmp_path / "inner")
    with pytest.raises(UnsafeModelPathError, match="only .keras"):
        load_saved_model("plain.h5", root=tmp_path)
