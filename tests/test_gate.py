"""The regression gate: tolerances, baselines with per-seed values, each rule failing on an
injected fault and passing unchanged, exit codes, output formats, accepting a change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ablations.describe.spec import MatrixError, load_matrix, matrix_from_dict
from ablations.describe.tolerance import Stat, ToleranceError, parse_tolerance
from ablations.read.cli import main
from ablations.read.gate.baseline import BaselineError, load_baseline
from ablations.read.gate.metrics import TIME_TOLERANCE, metric_for
from tests.regression_helpers import (
    TWO_CELLS,
    accuracies,
    store_results,
    two_cell_matrix,
)

BASE = accuracies([0.80, 0.81, 0.79], [0.90, 0.91, 0.89])


# -- the tolerance mini-language ------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("abs:0.02", "abs", 0.02),
        ("rel:10%", "rel", 0.10),
        ("rel:0.1", "rel", 0.1),
        ("sigma:3", "sigma", 3.0),
        (" abs : 1e-3 ", "abs", 0.001),
    ],
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


def test_direction_comes_from_the_one_place() -> None:
    assert metric_for("test_accuracy").worse(0.9, 0.8)
    assert not metric_for("test_accuracy").worse(0.8, 0.9)
    for name in ("test_loss", "test_mse", "test_mae", "test_rmse", "time_ratio"):
        assert metric_for(name).worse(1.0, 2.0)
    assert str(metric_for("time_ratio").default_tolerance) == TIME_TOLERANCE
    assert str(metric_for("test_r2").default_tolerance) == "abs:0.05"


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
    lines = [
        f"seeds = {json.dumps(data['seeds'])}",
        f"report_sections = {json.dumps(data['report_sections'])}",
        "[fixed]",
    ]
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


def _check_args(path: Path, baseline: Path, runs: Path, *extra: str) -> list[str]:
    return ["check", str(path), "--runs-dir", str(runs), "--baseline", str(baseline), *extra]


def _edit_records(runs: Path, edit) -> None:
    for record_path in (runs / "two").glob("*.json"):
        record = json.loads(record_path.read_text())
        edit(record)
        record_path.write_text(json.dumps(record))


def test_baseline_file_stores_seeds_and_provenance(baseline) -> None:
    _, out = baseline
    data = json.loads(out.read_text())
    assert data["schema_version"] == 2 and data["profile"] == "default"
    assert data["provenance"]["cpu"] == ["Test CPU"] and data["provenance"]["git_commit"] == ["abc123"]
    cells = data["matrices"]["two"]["cells"]
    assert len(cells) == 2
    stats = {c["cell"]["width"]: c["metrics"]["test_accuracy"] for c in cells.values()}
    assert stats[8]["seeds"] == {"0": 0.80, "1": 0.81, "2": 0.79}
    assert stats[8]["mean"] == pytest.approx(0.80) and stats[8]["n"] == 3 and stats[8]["std"] == pytest.approx(0.01)
    assert {c["cell"]["width"]: c["metrics"]["time_ratio"]["mean"] for c in cells.values()}[8] == pytest.approx(5.0)
    assert load_baseline(out).matrices["two"]


def test_old_baseline_schema_says_regenerate(tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"schema_version": 1, "profile": "smoke", "matrices": {}}))
    with pytest.raises(BaselineError, match="schema_version 1.*regenerate"):
        load_baseline(old)


def test_unchanged_results_pass(tmp_path: Path, baseline, capsys) -> None:
    path, out = baseline
    code, text = _check(path, out, tmp_path / "base_runs", capsys)
    assert code == 0, text
    assert text.splitlines()[1] == "OK: no regression"
    assert "baseline made on: cpu Test CPU" in text and "warning" not in text


def test_metric_regression_fails_summary_first(tmp_path: Path, baseline, capsys) -> None:
    path, out = baseline
    store_results(two_cell_matrix(tmp_path), tmp_path / "new", accuracies([0.70, 0.71, 0.69], [0.90, 0.91, 0.89]))
    code, text = _check(path, out, tmp_path / "new", capsys)
    assert code == 1, text
    lines = text.splitlines()
    assert lines[1] == "FAIL: 1 regression(s)"
    assert lines[2].startswith("  + two: width=8: test_accuracy: changed by -0.1")
    assert (
        "paired t one-sided p < 0.001, Holm over 1: p < 0.001" in lines[2]
    )  # same seeds: paired; the drop is the same per seed
    row = next(line for line in lines if "test_accuracy" in line and line.startswith("| +"))
    assert "width=8" in row and "0.8 ± 0.01 (n=3)" in row and "0.7 ± 0.01 (n=3)" in row and "| test" in row
    assert text.index("FAIL") < text.index("| +")  # the summary comes before the table


def test_improvement_is_marked_and_passes(tmp_path: Path, baseline, capsys) -> None:
    path, out = baseline
    store_results(two_cell_matrix(tmp_path), tmp_path / "new", accuracies([0.90, 0.91, 0.89], [0.90, 0.91, 0.89]))
    code, text = _check(path, out, tmp_path / "new", capsys)
    assert code == 0, text
    assert "- two: width=8: test_accuracy" in text


def test_change_beyond_tolerance_but_noisy_is_tilde(tmp_path: Path, baseline, capsys) -> None:
    path, out = baseline
    # Mean 0.70 (0.1 below) but seeds spread so widely that the test cannot tell.
    store_results(two_cell_matrix(tmp_path), tmp_path / "new", accuracies([0.40, 0.95, 0.75], [0.90, 0.91, 0.89]))
    code, text = _check(path, out, tmp_path / "new", capsys)
    assert code == 0, text
    assert "~ two: width=8: test_accuracy" in text and "not significant (paired t one-sided p = " in text
    assert "smallest detectable effect" in text


def test_disjoint_seeds_use_welch(tmp_path: Path, baseline, capsys) -> None:
    _path, out = baseline
    other = {(w, s + 3): v for (w, s), v in accuracies([0.70, 0.71, 0.69], [0.90, 0.91, 0.89]).items()}
    store_results(two_cell_matrix(tmp_path, seeds=[3, 4, 5]), tmp_path / "new", other)
    code, text = _check(_write(tmp_path, seeds=[3, 4, 5]), out, tmp_path / "new", capsys)
    assert code == 1 and "Welch t one-sided p < 0.001" in text, text
    same = {(w, s + 3): v for (w, s), v in BASE.items()}
    store_results(two_cell_matrix(tmp_path, seeds=[3, 4, 5]), tmp_path / "same", same)
    code, text = _check(_write(tmp_path, seeds=[3, 4, 5]), out, tmp_path / "same", capsys)
    assert code == 0, text


def test_holm_corrects_for_the_number_of_comparisons(tmp_path: Path, capsys) -> None:
    """A drop whose one-sided paired p is 0.0145 fails as the only test, not as one of four."""
    path = _write(tmp_path, tolerances={"test_loss": "rel:20%"})
    store_results(two_cell_matrix(tmp_path), tmp_path / "base", accuracies([0.80, 0.80, 0.80], [0.80, 0.80, 0.80]))
    out = tmp_path / "b.json"
    assert main(["baseline", str(path), "--runs-dir", str(tmp_path / "base"), "--out", str(out)]) == 0
    drop = [0.74, 0.72, 0.69]  # paired differences -0.06, -0.08, -0.11: one-sided p = 0.0145 alone
    store_results(two_cell_matrix(tmp_path), tmp_path / "one", accuracies(drop, [0.80, 0.80, 0.80]))
    code, text = _check(path, out, tmp_path / "one", capsys)
    assert code == 1 and "Holm over 1: p = 0.015," in text, text
    # Loss = 2 - accuracy: the same drop moves the loss beyond rel:20% too -> four tests.
    four = [0.50, 0.40, 0.25]  # five times the drop above: the same t, p = 0.0145 per test
    store_results(two_cell_matrix(tmp_path), tmp_path / "four", accuracies(four, four))
    code, text = _check(path, out, tmp_path / "four", capsys)
    assert code == 0 and "Holm over 4: p = 0.058," in text and text.count("~ two") == 4, text


def test_under_three_seeds_the_tolerance_alone_decides(tmp_path: Path, capsys) -> None:
    path = _write(tmp_path, seeds=[0, 1])
    matrix = two_cell_matrix(tmp_path, seeds=[0, 1])
    store_results(matrix, tmp_path / "base", accuracies([0.80, 0.81], [0.90, 0.91]))
    out = tmp_path / "b.json"
    assert main(["baseline", str(path), "--runs-dir", str(tmp_path / "base"), "--out", str(out)]) == 0
    # Noisy enough that no test would call it, but 0.1 beyond abs:0.05: the tolerance decides.
    store_results(matrix, tmp_path / "new", accuracies([0.60, 0.82], [0.90, 0.91]))
    code, text = _check(path, out, tmp_path / "new", capsys)
    assert code == 1, text
    assert "under 3 seeds a side, the tolerance alone decides" in text
    assert "note: 1 comparison(s) beyond tolerance had under 3 seeds a side" in text


@pytest.mark.parametrize("status", ["diverged", "failed", "timeout", "skipped", "missing"])
def test_a_cell_that_was_ok_and_is_not_fails(tmp_path: Path, baseline, capsys, status: str) -> None:
    path, out = baseline
    store_results(two_cell_matrix(tmp_path), tmp_path / "new", BASE, status={(8, 1): status})
    if status == "missing":
        (tmp_path / "new" / "two" / f"{_trial_id(tmp_path, 8, 1)}.json").unlink()
    code, text = _check(path, out, tmp_path / "new", capsys)
    assert code == 1, text
    assert f"! two: width=8: (status): was 3 ok, now 2 ok (1 {status})" in text


def test_a_cell_that_vanished_from_the_matrix_fails(tmp_path: Path, baseline, capsys) -> None:
    _, out = baseline
    narrower = _write(tmp_path, axes={"width": [16]})
    code, text = _check(narrower, out, tmp_path / "base_runs", capsys)
    assert code == 1, text
    assert "! two: width=8: (cell): vanished from the matrix" in text


def test_a_new_cell_is_reported_not_failed(tmp_path: Path, baseline, capsys) -> None:
    _, out = baseline
    data = json.loads(out.read_text())
    data["matrices"]["two"]["cells"] = {
        k: v for k, v in data["matrices"]["two"]["cells"].items() if v["cell"]["width"] == 16
    }
    out.write_text(json.dumps(data))
    code, text = _check(_write(tmp_path), out, tmp_path / "base_runs", capsys)
    assert code == 0 and "x two: width=8" not in text and "new cell" in text, text


@pytest.mark.parametrize("what", ["empty", "other_profile", "other_matrix"])
def test_nothing_to_compare_is_an_error_not_a_pass(tmp_path: Path, baseline, capsys, what: str) -> None:
    path, out = baseline
    runs = tmp_path / "runs"
    runs.mkdir()
    if what == "other_profile":
        # Results of other seeds (as another profile would have): none of this profile's trials.
        other = {(w, s + 3): v for (w, s), v in BASE.items()}
        store_results(two_cell_matrix(tmp_path, seeds=[3, 4, 5]), runs, other)
    elif what == "other_matrix":
        store_results(matrix_from_dict(tmp_path / "else.toml", TWO_CELLS), runs, BASE)
    capsys.readouterr()
    assert main(_check_args(path, out, runs)) == 2
    err = capsys.readouterr().err
    assert "no stored result of profile 'default' for two" in err
    if what == "other_matrix":
        assert "it holds results of: else" in err


def test_a_baseline_of_another_profile_is_an_error(tmp_path: Path, baseline, capsys) -> None:
    path, out = baseline
    assert main(_check_args(path, out, tmp_path / "base_runs", "--profile", "smoke")) == 2
    assert "the baseline is of profile 'default'" in capsys.readouterr().err


def test_baseline_of_an_empty_store_is_an_error(tmp_path: Path, capsys) -> None:
    path = _write(tmp_path)
    assert main(["baseline", str(path), "--runs-dir", str(tmp_path / "none"), "--out", str(tmp_path / "b.json")]) == 2
    assert "no stored results of profile 'default'" in capsys.readouterr().err


def test_time_ratio_is_enforced(tmp_path: Path, baseline, capsys) -> None:
    path, out = baseline
    matrix = two_cell_matrix(tmp_path)
    for factor, expected in ((2.0, 1), (1.2, 0)):
        runs = tmp_path / f"x{factor}"
        store_results(matrix, runs, BASE)
        # Baseline: 0.1 s per epoch over 0.02 s calibration = 5; jitter per seed keeps a spread.
        _edit_records(runs, lambda r, f=factor: r["timing"].update(steady_epoch_s=0.1 * f * (1 + 0.01 * r["seed"])))
        code, text = _check(path, out, runs, capsys)
        assert code == expected, text
    assert "+ two: width=8: time_ratio: changed by +5" in text or code == 0


def test_environment_difference_is_a_warning(tmp_path: Path, baseline, capsys) -> None:
    path, out = baseline
    runs = tmp_path / "amd"
    store_results(two_cell_matrix(tmp_path), runs, BASE)
    _edit_records(runs, lambda r: r["env"].update(cpu="AMD EPYC"))
    code, text = _check(path, out, runs, capsys)
    assert code == 0, text
    assert (
        "warning: the environment differs from the baseline's" in text
        and "cpu: baseline Test CPU; now AMD EPYC" in text
    )


def test_json_and_junit_outputs(tmp_path: Path, baseline, capsys) -> None:
    path, out = baseline
    store_results(two_cell_matrix(tmp_path), tmp_path / "new", BASE, status={(16, 0): "failed"})
    junit = tmp_path / "check.xml"
    capsys.readouterr()
    code = main(_check_args(path, out, tmp_path / "new", "--format", "json", "--junit-xml", str(junit)))
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["verdict"] == "fail" and data["exit_code"] == 1
    assert [f["message"] for f in data["failures"]] == ["was 3 ok, now 2 ok (1 failed)"]
    assert data["provenance"]["baseline"]["cpu"] == ["Test CPU"]
    from xml.etree import ElementTree as ET

    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite.get("failures") == "1"
    failed = [c for c in suite.iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["width=16 :: (status)"]


def test_accepting_an_intended_change(tmp_path: Path, baseline, capsys) -> None:
    path, out = baseline
    runs = tmp_path / "new"
    store_results(two_cell_matrix(tmp_path), runs, accuracies([0.70, 0.71, 0.69], [0.50, 0.51, 0.49]))
    assert _check(path, out, runs, capsys)[0] == 1
    capsys.readouterr()
    assert main(["baseline", str(path), "--runs-dir", str(runs), "--out", str(out), "--accept", "two:width=8"]) == 0
    assert "accepted two: width=8" in capsys.readouterr().out
    code, text = _check(path, out, runs, capsys)
    assert code == 1 and "width=16: test_accuracy" in text and "width=8: test_accuracy" not in text, text
    assert main(["baseline", str(path), "--runs-dir", str(runs), "--out", str(out), "--accept", "two:width=99"]) == 2


def _trial_id(tmp_path: Path, width: int, seed: int) -> str:
    return next(t.trial_id for t in two_cell_matrix(tmp_path).trials() if t.cell["width"] == width and t.seed == seed)


def test_time_is_tested_on_the_log_scale() -> None:
    """Measured in `nox -s gate` (2 busy cores): baseline and 2x-slower code interleaved by seed.

    One slow seed under a neighbour's load (62.4) swamps the raw paired test; on the log scale
    the slowdown is a consistent factor and both cells are significant after Holm over 2.
    """
    from ablations.read import stats
    from ablations.read.gate.significance import test_scale

    time = metric_for("time_ratio")
    assert time.log_scale and not metric_for("test_accuracy").log_scale
    cells = [([17.7, 12.1, 12.4], [25.8, 30.7, 37.6]), ([13.8, 11.7, 21.3], [23.6, 27.3, 62.4])]

    def tested(scale) -> list[bool]:
        comparisons = [stats.paired(scale(base), scale(slow), alternative="greater") for base, slow in cells]
        return [c.significant() for c in stats.holm_adjust(comparisons)]

    assert tested(lambda v: v) == [False, False]
    assert tested(lambda v: test_scale(time, v)) == [True, True]
    assert test_scale(metric_for("test_accuracy"), [0.5, 0.6]) == [0.5, 0.6]
