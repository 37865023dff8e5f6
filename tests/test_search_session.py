"""Search sessions on an SQLite study with a stub objective: budgets, resume, parallel workers.

No training here: the objective is a cheap function of the point, so these tests pin down the
search bookkeeping itself (Optuna #3255, #4627/#5489 and #3516 are the peers' bugs checked).
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
from pathlib import Path

import optuna
import pytest
from search_helpers import StubObjective, config

from ablations.describe.strategies import STRATEGIES
from ablations.run.search.session import SearchSession, open_storage

OPTUNA_STRATEGIES = ["grid", "random", "tpe", "tpe_pruned", "genetic", "cmaes", "manual"]


def session(tmp_path: Path, strategy: str, objective, *, budget: int = 6, seed: int = 0) -> SearchSession:
    storage = open_storage(f"sqlite:///{tmp_path / 'search.db'}")
    return SearchSession(
        config(strategy, budget=budget, seed=seed),
        storage=storage,
        objective=objective,
        record_dir=tmp_path / "searches",
    )


def key(params: dict) -> tuple:
    return tuple(sorted(params.items()))


@pytest.mark.parametrize("strategy", OPTUNA_STRATEGIES)
def test_every_strategy_spends_exactly_its_budget(tmp_path: Path, strategy: str) -> None:
    objective = StubObjective()
    s = session(tmp_path, strategy, objective, budget=7)
    STRATEGIES.get(strategy)().run(s)
    record = s.record()
    assert record["status"] == "complete" and record["n_counted"] == 7 == len(objective.finished)
    curve = record["best_so_far"]
    assert len(curve) == 7 and all(b <= a for a, b in itertools.pairwise(curve))
    assert record["best"]["value"] == min(t["value"] for t in record["trials"])
    assert (tmp_path / "searches" / f"{s.search.search_id}.json").exists()


@pytest.mark.parametrize("strategy", ["random", "tpe", "grid"])
def test_an_interrupted_search_resumes_without_repeating_finished_trials(tmp_path: Path, strategy: str) -> None:
    first = StubObjective(interrupt_on=4)
    with pytest.raises(KeyboardInterrupt):
        STRATEGIES.get(strategy)().run(session(tmp_path, strategy, first, budget=8))
    assert len(first.finished) == 3

    second = StubObjective()
    resumed = session(tmp_path, strategy, second, budget=8)  # a new process would open it so
    STRATEGIES.get(strategy)().run(resumed)
    assert len(second.finished) == 5  # the 3 finished trials are not run again
    done = first.finished + second.finished
    assert len({key(p) for p in done}) == 8  # no repeated start-up points (Optuna #3255)
    record = resumed.record()
    assert record["n_counted"] == 8
    assert [t["outcome"] for t in record["trials"]].count("interrupted") == 1

    uninterrupted_dir = tmp_path / "straight"
    uninterrupted_dir.mkdir()
    straight = StubObjective()
    STRATEGIES.get(strategy)().run(session(uninterrupted_dir, strategy, straight, budget=8))
    if strategy == "grid":  # the interrupted point is queued again: the same plan is run
        assert {key(p) for p in done} == {key(p) for p in straight.finished}
    assert straight.finished[:3] == first.finished


def test_a_trial_left_running_by_a_dead_process_is_run_again(tmp_path: Path) -> None:
    s = session(tmp_path, "random", StubObjective(), budget=3)
    trial = s.study.ask({"learning_rate": optuna.distributions.FloatDistribution(1e-4, 1e-1, log=True)})
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    import socket

    trial.set_user_attr("worker", {"host": socket.gethostname(), "pid": int(dead.stdout)})
    objective = StubObjective()
    resumed = session(tmp_path, "random", objective, budget=3)
    STRATEGIES.get("random")().run(resumed)
    record = resumed.record()
    assert record["n_counted"] == 3 and len(objective.finished) == 3
    assert any(t.get("retry_of") == trial.number for t in record["trials"])


@pytest.mark.parametrize("strategy", ["grid", "random", "tpe"])
def test_parallel_workers_share_one_search_without_duplicates(tmp_path: Path, strategy: str) -> None:
    objective = StubObjective(delay_s=0.02)
    budget = 10
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            STRATEGIES.get(strategy)().run(session(tmp_path, strategy, objective, budget=budget))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(objective.finished) == budget  # nobody overran the budget
    assert len({key(p) for p in objective.finished}) == budget  # no point handed out twice
    if strategy == "grid":
        from ablations.describe.search_space import grid_points

        plan = grid_points(config("grid", budget=budget).table.space, budget, 0)
        assert {key(p) for p in objective.finished} == {key(p) for p in plan}


def test_trial_randomness_depends_on_seed_and_number_only(tmp_path: Path) -> None:
    a, b, c = StubObjective(), StubObjective(), StubObjective()
    for name, objective, seed in [("a", a, 1), ("b", b, 1), ("c", c, 2)]:
        (tmp_path / name).mkdir()
        STRATEGIES.get("tpe")().run(session(tmp_path / name, "tpe", objective, seed=seed))
    assert a.finished == b.finished
    assert a.finished != c.finished
