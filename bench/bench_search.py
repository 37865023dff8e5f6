"""Search overhead per trial, apart from training: each strategy with a zero-cost objective.

What is timed is everything a search adds around a trial: the sampler, the SQLite study (ask,
tell, the budget checks) and the atomic rewrite of the search record. Run:

    pytest bench/bench_search.py --benchmark-columns=median,iqr,rounds

``extra_info["per_trial_ms"]`` is the median search time divided by the budget.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from search_helpers import StubObjective, config

from ablations.describe.strategies import STRATEGIES
from ablations.run.search.session import SearchSession, open_storage

BUDGET = 20
STRATEGY_NAMES = ["grid", "random", "tpe", "tpe_pruned", "genetic", "cmaes", "manual"]


@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_search_overhead_per_trial(benchmark, tmp_path: Path, strategy: str) -> None:
    storage = open_storage(f"sqlite:///{tmp_path / 'search.db'}")
    seeds = itertools.count()

    def setup():
        search = config(strategy, budget=BUDGET, seed=next(seeds))
        session = SearchSession(search, storage=storage, objective=StubObjective(), record_dir=tmp_path / "searches")
        return (session,), {}

    def run(session: SearchSession) -> None:
        STRATEGIES.get(strategy)().run(session)
        assert session.is_complete()

    benchmark.pedantic(run, setup=setup, rounds=3, iterations=1)
    benchmark.extra_info["budget"] = BUDGET
    benchmark.extra_info["per_trial_ms"] = 1000 * benchmark.stats.stats.median / BUDGET
