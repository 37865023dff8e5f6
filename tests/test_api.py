"""The package's public face: load_results, ``ablations export``, moved modules, a cheap import.

Everything here reads the committed golden records (tests/golden): no training.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import ablations
from ablations.read.cli import main

GOLDEN = Path(__file__).parent / "golden"
TRIALS = GOLDEN / "matrices" / "golden_trials.toml"
SEARCH = GOLDEN / "matrices" / "golden_search.toml"


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    shutil.copytree(GOLDEN / "records", tmp_path / "runs")
    return tmp_path / "runs"


def test_load_results_is_one_tidy_row_per_trial(runs: Path) -> None:
    frame = ablations.load_results(str(TRIALS), runs_dir=runs)
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == 4
    assert sorted(frame["status"]) == ["diverged", "missing", "ok", "ok"]
    for column in (
        "trial_id",
        "cell_id",
        "seed",
        "width",
        "dataset",
        "epochs",
        "learning_rate",
        "test_accuracy",
        "test_loss",
        "final_val_accuracy",
        "final_val_loss",
        "wall_s",
        "fit_s",
    ):
        assert column in frame, column
    ok = frame[frame["status"] == "ok"]
    assert ok["test_accuracy"].notna().all() and ok["final_val_loss"].notna().all()
    missing = frame[frame["status"] == "missing"].iloc[0]
    assert missing["width"] == 16 and missing["seed"] == 1 and pd.isna(missing["test_accuracy"])
    assert frame.attrs == {"matrix": "golden_trials", "profile": "default", "axes": ["width"]}


def test_load_results_of_a_search_matrix_is_one_row_per_search(runs: Path) -> None:
    frame = ablations.load_results(SEARCH, "default", runs)
    assert len(frame) == 4 and set(frame["strategy"]) == {"random", "grid"}
    assert (frame["status"] == "ok").all() and frame["test_rmse"].notna().all()


def test_load_results_names_a_bad_profile(runs: Path) -> None:
    from ablations.describe.errors import MatrixError

    with pytest.raises(MatrixError, match="no profile 'nope'"):
        ablations.load_results(TRIALS, "nope", runs)


def test_importing_the_package_imports_neither_pandas_nor_keras() -> None:
    code = "import sys, ablations; print(sorted(m for m in ('pandas', 'keras', 'tensorflow') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert ablations.__all__ == ["SCHEMA_VERSION", "__version__", "load_results", "load_trial_model"]
    assert "ablations.backend" not in (ablations.__doc__ or "")


def test_export_csv_round_trips(runs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "trials.csv"
    assert main(["export", str(TRIALS), "--runs-dir", str(runs), "--format", "csv", "--out", str(out)]) == 0
    assert f"wrote {out}: 4 trials of golden_trials [default]" in capsys.readouterr().out
    frame = pd.read_csv(out)
    expected = ablations.load_results(TRIALS, runs_dir=runs)
    assert list(frame.columns) == list(expected.columns)
    assert frame["trial_id"].tolist() == expected["trial_id"].tolist()
    assert frame["test_accuracy"].round(12).equals(expected["test_accuracy"].astype(float).round(12))


def test_export_csv_to_stdout(runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(TRIALS), "--runs-dir", str(runs), "--out", "-"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("trial_id,cell_id,seed,status") and len(lines) == 5


def test_export_parquet(runs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "trials.parquet"
    code = main(["export", str(TRIALS), "--runs-dir", str(runs), "--format", "parquet", "--out", str(out)])
    if importlib.util.find_spec("pyarrow") is None:
        assert code == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == ["error: --format parquet needs pyarrow; pip install pyarrow (or use --format csv)"]
        assert not out.exists()
    else:
        assert code == 0
        assert len(pd.read_parquet(out)) == 4


def test_export_parquet_without_pyarrow_is_one_line_exit_2(
    runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a))
    code = main(["export", str(TRIALS), "--runs-dir", str(runs), "--format", "parquet", "--out", str(tmp_path / "x")])
    assert code == 2
    assert "pip install pyarrow" in capsys.readouterr().err


def test_export_of_a_bad_matrix_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(tmp_path / "nope.toml"), "--runs-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == f"error: {tmp_path / 'nope.toml'}: no such matrix file"
