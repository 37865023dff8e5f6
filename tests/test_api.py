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
from ablations import _moved
from ablations.cli import main

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
    from ablations.errors import MatrixError

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


# -- moved modules -------------------------------------------------------------------------


def test_moved_module_names_its_new_path() -> None:
    sys.modules.pop("ablations.catalog", None)
    with pytest.raises(
        ImportError,
        match=r"^ablations.catalog moved to ablations.matrix_files "
        r"\(keras-ablations 0.2\); update the import$",
    ):
        import ablations.catalog  # noqa: F401
    with pytest.raises(ImportError, match="ablations.catalog moved to ablations.matrix_files"):
        from ablations.catalog import resolve_matrices  # noqa: F401


def test_every_row_of_the_table_raises_once_its_module_is_gone() -> None:
    """Rows whose rename is not merged yet still import; gone ones name their new path."""
    for old in _moved.MOVED:
        try:
            importlib.import_module(old)
        except ImportError as exc:  # the message names the first gone package on the path
            assert " moved to ablations." in str(exc) and str(exc).endswith("; update the import")
    assert _moved.new_path("ablations.regression.check") == "ablations.gate.check"
    assert _moved.new_path("ablations.regression.deep.x") == "ablations.gate.deep.x"
    assert _moved.new_path("ablations.search.report") == "ablations.reporting.search"
    assert _moved.new_path("ablations.spec") is None


def test_a_gone_package_and_its_submodules_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    """The mechanism, shown on a made-up row (the real renames land on other branches)."""
    monkeypatch.setitem(_moved.MOVED, "ablations.old_package", "ablations.kinds")
    with pytest.raises(ImportError, match="^ablations.old_package moved to ablations.kinds"):
        from ablations.old_package import thing  # noqa: F401
    with pytest.raises(ImportError, match="^ablations.old_package moved to ablations.kinds"):
        importlib.import_module("ablations.old_package.sub")


def test_a_module_that_exists_is_never_shadowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(_moved.MOVED, "ablations.names", "ablations.elsewhere")
    sys.modules.pop("ablations.names", None)
    module = importlib.import_module("ablations.names")
    assert hasattr(module, "NAME_RE")


def test_moved_import_from_the_cli_is_one_line(tmp_path: Path) -> None:
    """A plugin importing an old path: the CLI's one-line plugin error carries the new path."""
    plugin = tmp_path / "old_plugin.py"
    plugin.write_text("from ablations.catalog import find_matrix\n")
    env = {
        "PYTHONPATH": f"{Path(__file__).resolve().parent.parent}:{tmp_path}",
        "ABLATIONS_PLUGINS": "old_plugin",
        "PATH": "/usr/bin:/bin",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "ablations", "list"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        (
            "error: ABLATIONS_PLUGINS: cannot import 'old_plugin' (MovedModuleError: ablations.catalog moved to "
            "ablations.matrix_files (keras-ablations 0.2); update the import); is it on PYTHONPATH?"
        )
    ]
