"""Baselines and ``ablations check``: tolerances, marks, exit codes, and a real regression."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ablations.cli import main
from ablations.regression.baseline import load_baseline
from ablations.regression.check import welch_p
from ablations.regression.metrics import metric_for
from ablations.regression.tolerance import Stat, ToleranceError, parse_tolerance
from ablations.spec import MatrixError, load_matrix
from tests.regression_helpers import TWO_CELLS, accuracies, store_results, two_cell_matrix

BASE = accuracies([0.80, 0.81, 0.79], [0.90, 0.91, 0.89])


# -- the tolerance mini-language ------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [("abs:0.02", "abs", 0.02), ("rel:10%", "rel", 0.10), ("rel:0.1", "rel", 0.1), ("sigma:3", "sigma", 3.0),
     (" abs : 1e-3 ", "abs", 0.001)],
)
def test_tolerance_parses(text: str, kind: str, value: float) -> None:
    rule = parse_tolerance(text)
    assert (rule.kind, rule.value) == (kind, pytest.approx(value))


@pytest.mark.parametrize("text", ["", "abs", "abs:", "abs:-1", "pct:3", "sigma:3%", "abs:0.1x", "rel:10 %%"])
def test_bad_tolerance_says_the_fix(text: str) -> None:
    with pytest.raises(ToleranceError, match="abs:0.02|only rel"):
        parse_tolerance(text)


def test_tolerance_rules() -> None:
    base = Stat(0.80, 0.01, 3)
    assert parse_tolerance("abs:0.02").fails(base, Stat(0.79, 0.01, 3)) is None
    assert "beyond abs:0.02" in parse_tolerance("abs:0.02").fails(base, Stat(0.75, 0.01, 3))
    assert parse_tolerance("rel:10%").fails(Stat(2.0, 0, 1), Stat(2.19, 0, 1)) is None
    assert parse_tolerance("rel:10%").fails(Stat(2.0, 0, 1), Stat(2.21, 0, 1)) is not None
    assert parse_tolerance("sigma:3").fails(base, Stat(0.775, 0.005, 3)) is None  # 0.025 <= 3 * 0.01
    assert parse_tolerance("sigma:3").fails(base, Stat(0.76, 0.005, 3)) is not None


def test_direction_is_a_property_of_the_metric() -> None:
    assert metric_for("test_accuracy").worse(0.9, 0.8)
    assert not metric_for("test_accuracy").worse(0.8, 0.9)
    for name in ("test_loss", "test_mse", "test_mae", "test_rmse", "time_ratio"):
        assert metric_for(name).worse(1.0, 2.0)
    assert not metric_for("time_ratio").enforced_by_default


def test_welch() -> None:
    assert welch_p(Stat(0.8, 0.01, 3), Stat(0.7, 0.01, 3)) < 0.01
    assert welch_p(Stat(0.8, 0.2, 3), Stat(0.7, 0.2, 3)) > 0.05
    assert welch_p(Stat(0.8, 0.0, 1), Stat(0.7, 0.0, 3)) is None
    assert welch_p(Stat(0.8, 0.0, 2), Stat(0.7, 0.0, 2)) == 0.0


def test_matrix_tolerances_are_validated(write_matrix) -> None:
    good = write_matrix('seeds = [0]\n[fixed]\ndataset = "digits"\n[tolerances]\ntest_accuracy = "abs:0.02"\n')
    assert load_matrix(good).spec.tolerances == {"test_accuracy": "abs:0.02"}
    bad = write_matrix('seeds = [0]\n[fixed]\ndataset = "digits"\n[tolerances]\ntest_accuracy = "2 points"\n')
    with pytest.raises(MatrixError, match=r"tolerances\.test_accuracy: cannot parse tolerance '2 points'"):
        load_matrix(bad)


# -- the command, on crafted stored results -------------------------------------------------
def _write(tmp_path: Path, **overrides) -> Path:
    path = tmp_path / "two.toml"
    path.write_text(_toml({**TWO_CELLS, **overrides}), encoding="utf-8")
    return path


def _toml(data: dict) -> str:
    lines = [f"seeds = {json.dumps(data['seeds'])}",
             f"report_sections = {json.dumps(data['report_sections'])}", "[fixed]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in data["fixed"].items()]
    lines += ["[axes]"] + [f"{k} = {json.dumps(v)}" for k, v in data["axes"].items()]
    if "tolerances" in data:
        lines += ["[tolerances]"] + [f"{k} = {json.dumps(v)}" for k, v in data["tolerances"].items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def baseline(tmp_path: Path) -> tuple[Path, Path]:
    """A matrix file and its baseline written from crafted results by ``ablations baseline``."""
    path = _write(tmp_path)
    store_results(two_cell_matrix(tmp_path), tmp_path / "base_runs", BASE)
    out = tmp_path / "baseline.json"
    assert main(["baseline", str(path), "--runs-dir", str(tmp_path / "base_runs"), "--out", str(out)]) == 0
    return path, out


def _check(path: Path, baseline: Path, runs: Path, capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["check", str(path), "--runs-dir", str(runs), "--baseline", str(baseline)])
    return code, capsys.readouterr().out


def test_baseline_file(baseline) -> None:
    _, out = baseline
    data = json.loads(out.read_text())
    assert data["schema_version"] == 1 and data["profile"] == "default"
    cells = data["matrices"]["two"]["cells"]
    assert len(cells) == 2
    stats = {c["cell"]["width"]: c["metrics"]["test_accuracy"] for c in cells.values()}
    assert stats[8]["mean"] == pytest.approx(0.80) and stats[8]["n"] == 3
    assert stats[8]["std"] == pytest.approx(0.01)
    assert {c["cell"]["width"]: c["metrics"]["time_ratio"]["mean"] for c in cells.values()}[8] == pytest.approx(5.0)
    assert load_baseline(out).profile == "default"


def test_unchanged_results_pass(tmp_path: Path, baseline, capsys) -> None:
    path, out = baseline
    code, text = _check(path, out, tmp_path / "base_runs", capsys)
    assert code == 0, text
    assert "OK: no regression" in text


def test_regression_fails_with_a_readable_table(tmp_path: Path, baseline, capsys) -> None:
    path, out = baseline
    store_results(two_cell_matrix(tmp_path), tmp_path / "new", accuracies([0.70, 0.71, 0.69], [0.90, 0.91, 0.89]))
    code, text = _check(path, out, tmp_path / "new", capsys)
    assert code == 1, text
    row = next(line for line in text.splitlines() if "test_accuracy" in line and line.startswith("| +"))
    assert "width=8" in row and "0.8 ± 0.01 (n=3)" in row and "0.7 ± 0.01 (n=3)" in row
    assert "Crossed a threshold:" in text
    assert "+ two: width=8: test_accuracy: changed by -0.1" in text
    assert "width=16" not in text.split("Crossed a threshold:")[1]  # unchanged cell not listed
    assert "FAIL: 1 regression(s)" in text


def test_improvement_is_marked_and_passes(tmp_path: Path, baseline, capsys) -> None:
    path, out = baseline
    store_results(two_cell_matrix(tmp_path), tmp_path / "new", accuracies([0.90, 0.91, 0.89], [0.90, 0.91, 0.89]))
    code, text = _check(path, out, tmp_path / "new", capsys)
    assert code == 0, text
    assert "- two: width=8: test_accuracy" in text


def test_change_beyond_tolerance_but_noisy_is_tilde(tmp_path: Path, baseline, capsys) -> None:
    path, out = baseline
    # Mean 0.70 (0.1 below) but seeds spread so widely that Welch's test cannot tell.
    store_results(two_cell_matrix(tmp_path), tmp_path / "new", accuracies([0.40, 0.95, 0.75], [0.90, 0.91, 0.89]))
    code, text = _check(path, out, tmp_path / "new", capsys)
    assert code == 0, text
    assert "~ two: width=8: test_accuracy" in text and "not significant across seeds (p=" in text


def test_newly_failing_and_missing(tmp_path: Path, baseline, capsys) -> None:
    path, out = baseline
    store_results(
        two_cell_matrix(tmp_path), tmp_path / "new", BASE, status={(8, 1): "diverged", (16, 0): "missing"}
    )
    (tmp_path / "new" / "two").joinpath(f"{_trial_id(tmp_path, 16, 0)}.json").unlink()
    code, text = _check(path, out, tmp_path / "new", capsys)
    assert code == 1, text
    assert "! two: width=8: (status): newly failing: 1 diverged" in text


def test_tolerance_declared_in_matrix_and_overridden_in_baseline(tmp_path: Path, baseline, capsys) -> None:
    path, out = baseline
    store_results(two_cell_matrix(tmp_path), tmp_path / "new", accuracies([0.70, 0.71, 0.69], [0.90, 0.91, 0.89]))
    loose = _write(tmp_path, tolerances={"test_accuracy": "abs:0.2", "test_loss": "rel:50%"})
    code, text = _check(loose, out, tmp_path / "new", capsys)
    assert code == 0, text
    data = json.loads(out.read_text())
    data["matrices"]["two"]["tolerances"] = {"test_accuracy": "rel:5%"}
    out.write_text(json.dumps(data))
    code, text = _check(loose, out, tmp_path / "new", capsys)
    assert code == 1 and "rel:5%" in text, text
    # Regenerating the baseline keeps the hand-set override.
    assert main(["baseline", str(loose), "--runs-dir", str(tmp_path / "base_runs"), "--out", str(out)]) == 0
    assert json.loads(out.read_text())["matrices"]["two"]["tolerances"] == {"test_accuracy": "rel:5%"}


def test_time_ratio_is_reported_not_enforced_unless_declared(tmp_path: Path, baseline, capsys) -> None:
    path, out = baseline
    matrix = two_cell_matrix(tmp_path)
    store_results(matrix, tmp_path / "new", BASE)
    for record_path in (tmp_path / "new" / "two").glob("*.json"):
        record = json.loads(record_path.read_text())
        record["timing"]["steady_epoch_s"] = 0.3 + 0.001 * record["seed"]  # 3x slower
        record_path.write_text(json.dumps(record))
    code, text = _check(path, out, tmp_path / "new", capsys)
    assert code == 0, text
    assert "time_ratio" in text and "reported only" in text
    strict = _write(tmp_path, tolerances={"time_ratio": "rel:100%"})
    code, text = _check(strict, out, tmp_path / "new", capsys)
    assert code == 1, text


def test_missing_baseline_says_how_to_make_one(tmp_path: Path, capsys) -> None:
    path = _write(tmp_path)
    assert main(["check", str(path), "--runs-dir", str(tmp_path), "--baseline", str(tmp_path / "no.json")]) == 2
    assert "ablations baseline" in capsys.readouterr().err


def _trial_id(tmp_path: Path, width: int, seed: int) -> str:
    return next(t.trial_id for t in two_cell_matrix(tmp_path).trials() if t.cell["width"] == width and t.seed == seed)


@pytest.mark.slow
def test_a_real_regression_is_caught_and_an_unchanged_rerun_passes(tmp_path: Path, capsys) -> None:
    """Train for real: baseline, rerun unchanged (passes), then cripple the learning rate (fails)."""
    matrix = {
        "seeds": [0, 1], "report_sections": [],
        "fixed": {"dataset": "digits", "depth": 1, "width": 16, "epochs": 3, "max_train_samples": 300,
                  "optimizer": "adam", "learning_rate": 0.01},
        "axes": {"normalization": ["zscore"]},
    }
    path = _write(tmp_path, **matrix)
    args = ["--runs-dir", str(tmp_path / "a")]
    assert main(["run", str(path), "-q", *args]) == 0
    out = tmp_path / "baseline.json"
    assert main(["baseline", str(path), *args, "--out", str(out)]) == 0
    assert main(["run", str(path), "-q", "--runs-dir", str(tmp_path / "b")]) == 0
    code, text = _check(path, out, tmp_path / "b", capsys)
    assert code == 0, text
    matrix["fixed"]["learning_rate"] = 1e-5
    path = _write(tmp_path, **matrix)
    assert main(["run", str(path), "-q", "--runs-dir", str(tmp_path / "c")]) == 0
    code, text = _check(path, out, tmp_path / "c", capsys)
    assert code == 1, text
    assert "+ two: normalization=zscore: test_accuracy" in text
