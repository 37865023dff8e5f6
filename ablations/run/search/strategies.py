"""Search strategies behind one interface; every optimizer is Optuna's, none is hand-written.

A :class:`Strategy` runs one search through a :class:`~ablations.run.search.session.SearchSession`.
The Optuna-driven ones differ only in their sampler, pruner or fixed plan. Each trial's sampler
is built from the search seed and the trial's number (:class:`PerTrialSeedSampler`): a resumed
search draws new points instead of the start-up points it already ran (Optuna #3255, where a
re-seeded sampler repeats them), and two workers never draw with the same random state.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.samplers import BaseSampler
from optuna.trial import FrozenTrial

from ablations.describe.search_space import SearchTable, grid_points, manual_points
from ablations.run.search.session import SearchSession


def distributions(table: SearchTable) -> dict[str, BaseDistribution]:
    """Optuna distributions of the space, by sorted name."""
    out: dict[str, BaseDistribution] = {}
    for name in table.names():
        p = table.space[name]
        if p.type == "float":
            out[name] = FloatDistribution(p.low, p.high, log=p.log)
        elif p.type == "int":
            out[name] = IntDistribution(p.low, p.high, log=p.log)
        else:
            out[name] = CategoricalDistribution(p.choices)
    return out


def trial_seed(seed: int, number: int) -> int:
    """A seed for one trial's sampler, independent between numbers (NumPy's SeedSequence)."""
    return int(np.random.SeedSequence([seed, number]).generate_state(1)[0])


class PerTrialSeedSampler(BaseSampler):
    """Delegates each trial to a sampler made for it from (search seed, trial number).

    Samplers keep their model in the study (TPE, NSGA-II's generations, CMA-ES's state are
    stored there), so a fresh sampler per trial loses nothing but the random state, which is
    exactly what must not carry over a restart.
    """

    def __init__(self, factory: Callable[[int], BaseSampler], seed: int) -> None:
        self._factory = factory
        self._seed = seed
        self._samplers: dict[int, BaseSampler] = {}

    def _for(self, trial: FrozenTrial) -> BaseSampler:
        if trial.number not in self._samplers:
            self._samplers = {trial.number: self._factory(trial_seed(self._seed, trial.number))}
        return self._samplers[trial.number]

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        return self._for(trial).infer_relative_search_space(study, trial)

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return self._for(trial).sample_relative(study, trial, search_space)

    def sample_independent(
        self, study: optuna.Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution
    ) -> Any:
        return self._for(trial).sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self._for(trial).before_trial(study, trial)

    def after_trial(self, study: optuna.Study, trial: FrozenTrial, state: Any, values: Any) -> None:
        self._for(trial).after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        """Nothing to do: every trial's random state already comes from its number."""


class PlanSampler(optuna.samplers.RandomSampler):
    """The trial numbered ``n`` gets point ``n - r`` of a fixed plan, ``r`` the requeued trials before it.

    Trial numbers are unique in the storage, so no two workers get the same point of a grid
    (Optuna's GridSampler picks unvisited points at random and can: #4627, #5489). A requeued
    trial (an interrupted point run again) carries its point and takes no slot. A slot past the
    plan gets the random draw: past the budget the session drops it, and below it (a space with
    fewer grid points than the budget) the rest of the budget is filled at random.
    """

    def __init__(self, plan: list[dict[str, Any]], seed: int) -> None:
        super().__init__(seed=seed)
        self._plan = plan
        self._slots: dict[int, int] = {}

    def _slot(self, study: optuna.Study, trial: FrozenTrial) -> int:
        if trial.number not in self._slots:
            requeued = sum(
                1 for t in study.get_trials(deepcopy=False) if t.number < trial.number and "retry_of" in t.user_attrs
            )
            self._slots[trial.number] = trial.number - requeued
        return self._slots[trial.number]

    def sample_independent(
        self, study: optuna.Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution
    ) -> Any:
        slot = self._slot(study, trial)
        if slot < len(self._plan):
            return self._plan[slot][param_name]
        return super().sample_independent(study, trial, param_name, param_distribution)


class Strategy(ABC):
    """Runs one search to its budget; ``name`` is its registry name."""

    name: ClassVar[str] = ""

    @abstractmethod
    def run(self, session: SearchSession) -> None: ...


class OptunaStrategy(Strategy):
    """Ask a point, evaluate it as a trial, tell the result, until the budget is used."""

    def sampler(self, table: SearchTable, seed: int) -> BaseSampler:
        return optuna.samplers.RandomSampler(seed=seed)

    def pruner(self, table: SearchTable) -> optuna.pruners.BasePruner:
        return optuna.pruners.NopPruner()

    def plan(self, table: SearchTable, seed: int) -> list[dict[str, Any]] | None:
        """A fixed list of points to queue instead of sampling (grid, manual)."""
        return None

    def run(self, session: SearchSession) -> None:
        table, seed = session.search.table, session.search.seed
        session.recover()
        plan = self.plan(table, seed)
        factory = (lambda s: self.sampler(table, s)) if plan is None else (lambda s: PlanSampler(plan, s))
        session.study.sampler = PerTrialSeedSampler(factory, seed)
        session.study.pruner = self.pruner(table)
        dists = distributions(table)
        while session.remaining() > 0:
            if session.run_one(dists) is None:
                break


class RandomStrategy(OptunaStrategy):
    name = "random"


class GridStrategy(OptunaStrategy):
    """A grid sized to the budget (see :func:`~ablations.describe.search_space.grid_points`)."""

    name = "grid"

    def plan(self, table: SearchTable, seed: int) -> list[dict[str, Any]]:
        return grid_points(table.space, table.budget, seed)


class ManualStrategy(OptunaStrategy):
    """The course's loop: one setting (the learning rate) swept, the rest at their defaults."""

    name = "manual"

    def plan(self, table: SearchTable, seed: int) -> list[dict[str, Any]]:
        return manual_points(table.space, table.budget, table.manual_setting)


def startup_trials(budget: int) -> int:
    """Random start-up trials of the model-based samplers: a third of the budget, at least 2.

    Optuna's defaults (10 for TPE) would make a 10-trial search purely random.
    """
    return max(2, budget // 3)


class TPEStrategy(OptunaStrategy):
    name = "tpe"

    def sampler(self, table: SearchTable, seed: int) -> BaseSampler:
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup_trials(table.budget))


class PrunedTPEStrategy(TPEStrategy):
    """TPE whose trials report the metric each epoch and stop below the median of earlier ones."""

    name = "tpe_pruned"

    def pruner(self, table: SearchTable) -> optuna.pruners.BasePruner:
        return optuna.pruners.MedianPruner(n_startup_trials=startup_trials(table.budget), n_warmup_steps=1)


class GeneticStrategy(OptunaStrategy):
    """NSGA-II (single objective: a plain genetic algorithm), generations of a third of the budget."""

    name = "genetic"

    def sampler(self, table: SearchTable, seed: int) -> BaseSampler:
        return optuna.samplers.NSGAIISampler(population_size=max(2, table.budget // 3), seed=seed)


class CmaEsStrategy(OptunaStrategy):
    """CMA-ES over the numeric settings; categorical ones are drawn at random (CMA-ES has none)."""

    name = "cmaes"

    def sampler(self, table: SearchTable, seed: int) -> BaseSampler:
        return optuna.samplers.CmaEsSampler(
            seed=seed,
            n_startup_trials=1,
            popsize=max(4, table.budget // 3),
            warn_independent_sampling=False,
            independent_sampler=optuna.samplers.RandomSampler(seed=seed),
        )
