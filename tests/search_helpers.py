"""Shared pieces of the search tests: a stub objective and small search configs (no training)."""

from __future__ import annotations

import math
import threading
from typing import Any

from optuna.trial import TrialState

from ablations.describe.search_space import SearchTable
from ablations.run.search.plan import SearchConfig
from ablations.run.search.session import Outcome

SPACE = {
    "learning_rate": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True, "default": 1e-3},
    "depth": {"type": "int", "low": 1, "high": 5, "default": 1},
    "width": {"type": "int", "low": 1, "high": 100, "default": 30},
    "activation": {"type": "categorical", "choices": ["relu", "tanh", "sigmoid"], "default": "relu"},
}


def table(budget: int = 6, **extra: Any) -> SearchTable:
    return SearchTable.model_validate({"budget": budget, "space": SPACE, **extra})


def config(strategy: str, *, budget: int = 6, seed: int = 0) -> SearchConfig:
    base = {"dataset": "diabetes", "epochs": 1}
    return SearchConfig("stubmatrix", {"strategy": strategy}, strategy, base, base, table(budget), seed, "diabetes-x")


def loss(params: dict[str, Any]) -> float:
    """A smooth stand-in for a validation loss, best near lr=1e-2, depth 3, width 60, tanh."""
    return (
        (math.log10(params["learning_rate"]) + 2) ** 2
        + 0.1 * (params["depth"] - 3) ** 2
        + ((params["width"] - 60) / 50) ** 2
        + (0 if params["activation"] == "tanh" else 0.3)
    )


class StubObjective:
    """Zero-cost objective; records every finished evaluation, can interrupt on a given call."""

    def __init__(self, *, interrupt_on: int | None = None, delay_s: float = 0.0) -> None:
        self.finished: list[dict[str, Any]] = []
        self.calls = 0
        self.interrupt_on = interrupt_on
        self.delay_s = delay_s
        self.lock = threading.Lock()

    def __call__(self, session: Any, params: dict[str, Any], trial: Any) -> Outcome:
        with self.lock:
            self.calls += 1
            call = self.calls
        if self.interrupt_on is not None and call == self.interrupt_on:
            raise KeyboardInterrupt
        if self.delay_s:
            threading.Event().wait(self.delay_s)
        with self.lock:
            self.finished.append(dict(params))
        return Outcome(TrialState.COMPLETE, loss(params), "ok")
