"""Searches that train real (tiny) models through the core runner, the CLI and the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from ablations.describe.spec import load_matrix
from ablations.read.cli import main
from ablations.read.reporting.pages import write_matrix_report
from ablations.run.search.plan import searches
from ablations.run.search.records import load_search_record
from ablations.run.search.run import run_search
from ablations.run.store import ResultStore

MATRIX = """
description = "tiny search"
kind = "search"
seeds = [0]
report_sections = ["search_strategies"]

[fixed]
dataset = "diabetes"
max_train_samples = 60
epochs = 2
early_stopping_patience = 1
checkpoint = false

[axes]
strategy = ["grid", "random", "tpe_pruned", "manual", "sklearn_random"]

[search]
budget = 2
cv_folds = 2

[search.space.learning_rate]
type = "float"
low = 1e-3
high = 1e-1
log = true
default = 1e-2

[search.space.width]
type = "int"
low = 2
high = 8
default = 4
"""


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("search")
    path = root / "tiny.toml"
    path.write_text(MATRIX)
    assert main(["run", str(path), "--runs-dir", str(root / "runs"), "-q"]) == 0
    return path, root / "runs"


def test_every_inner_trial_is_a_stored_trial(ran: tuple[Path, Path]) -> None:
    path, runs = ran
    matrix = load_matrix(path)
    store = ResultStore(runs, "tiny")
    for search in searches(matrix, "default"):
        record = load_search_record(runs, "tiny", search.search_id)
        assert record["status"] == "complete" and record["n_counted"] == 2
        assert record["best"]["test"] and record["time"]["train_s"] > 0
        for trial in record["trials"]:
            if search.strategy != "sklearn_random":
                assert store.get(trial["trial_id"])["cell"]["strategy"] in {"grid", "random", "tpe_pruned", "manual"}
        assert store.get(record["best"]["trial_id"])["status"] == "ok"


def test_a_rerun_resumes_and_trains_nothing(ran: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    path, runs = ran
    assert main(["run", str(path), "--runs-dir", str(runs), "-q"]) == 0
    assert "10 already stored, ran 0" in capsys.readouterr().out


def test_list_show_and_report_work_for_a_search_matrix(
    ran: tuple[Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path, runs = ran
    assert main(["list", str(path)]) == 0
    assert "5 searches x 2 trials" in capsys.readouterr().out
    assert main(["show", str(path), "--runs-dir", str(runs)]) == 0
    assert capsys.readouterr().out.count("complete 2/2") == 5
    matrix = load_matrix(path)
    page = write_matrix_report(matrix, "default", runs, tmp_path / "a").read_text()
    again = write_matrix_report(matrix, "default", runs, tmp_path / "b").read_text()
    assert page == again
    assert (tmp_path / "a" / "tiny" / "search_best_so_far.png").read_bytes() == (
        tmp_path / "b" / "tiny" / "search_best_so_far.png"
    ).read_bytes()
    assert "## Search strategies at equal budget" in page and "sklearn_random" in page
    assert "Verdict: random against grid" in page and "one-sided Mann-Whitney U" not in page  # one seed only
    assert "5 cells x 1 seeds = 5 trials. Status: 5 ok." in page


def test_no_trial_leaks_state_into_the_next(ran: tuple[Path, Path], tmp_path: Path) -> None:
    """A trial gives the same result before and after an sklearn_random search in this process."""
    import keras
    import tensorflow as tf

    from ablations.describe.settings import resolve_settings
    from ablations.describe.trial import TrialConfig
    from ablations.run.lifecycle import train_trial

    path, _ = ran
    settings = resolve_settings({"dataset": "diabetes", "max_train_samples": 60, "epochs": 2, "checkpoint": False})
    trial = TrialConfig("leak", {}, settings, 3, searches(load_matrix(path), "default")[0].dataset_version)
    before = train_trial(trial)
    logging_before = keras.config.is_interactive_logging_enabled()

    search = next(s for s in searches(load_matrix(path), "default") if s.strategy == "sklearn_random")
    search = type(search)(
        search.matrix,
        search.cell,
        search.strategy,
        search.base,
        search.resolved_base,
        search.table,
        7,
        search.dataset_version,
    )
    run_search(search, runs_dir=tmp_path, storage=f"sqlite:///{tmp_path / 'leak.db'}")

    after = train_trial(trial)
    assert before["status"] == after["status"] == "ok"
    assert before["history"] == after["history"] and before["test"] == after["test"]
    assert keras.config.is_interactive_logging_enabled() == logging_before
    # Unseeded random ops still work: the search left no state that breaks them.
    tf.random.uniform((2,))
    keras.random.uniform((2,))


BACKEND_SEARCH = """
description = "a search on the backend it names"
kind = "search"
seeds = [0]

[fixed]
dataset = "diabetes"
max_train_samples = 60
epochs = 1
checkpoint = false
backend = "{backend}"
device = "{device}"

[axes]
strategy = ["random"]

[search]
budget = 3

[search.space.learning_rate]
type = "float"
low = 1e-3
high = 1e-1
log = true
"""


@pytest.mark.slow
def test_a_search_runs_on_the_backend_it_names(tmp_path: Path) -> None:
    """From a TensorFlow process, a JAX search trains in a JAX worker: budget trials, all ok."""
    from ablations.run.executors.workers import process_backend

    assert process_backend() == "tensorflow"
    path = tmp_path / "jaxsearch.toml"
    path.write_text(BACKEND_SEARCH.format(backend="jax", device="cpu"))
    runs = tmp_path / "runs"
    assert main(["run", str(path), "--runs-dir", str(runs), "-q"]) == 0
    records = list(ResultStore(runs, "jaxsearch").records())
    assert len(records) == 3
    assert {r["status"] for r in records} == {"ok"}
    assert {r["env"]["backend"] for r in records} == {"jax"}


def test_a_search_whose_trials_are_skipped_stops_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A skipped trial uses no budget: the search stops at the first, one record written, exit 2."""
    path = tmp_path / "gpusearch.toml"
    path.write_text(BACKEND_SEARCH.format(backend="tensorflow", device="gpu"))
    runs = tmp_path / "runs"
    assert main(["run", str(path), "--runs-dir", str(runs), "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {path}: search ")
    assert "stopped: trial " in err[0] and "was skipped: no GPU visible to tensorflow here" in err[0]
    assert len(list(ResultStore(runs, "gpusearch").records())) == 1
