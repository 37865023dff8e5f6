"""Hyperparameter search as an ablation axis: strategies behind one interface, equal budgets.

A matrix of ``kind = "search"`` has an axis ``strategy`` and a ``[search]`` table (the space,
the budget). Each (cell, seed) is one search; each of its trials is a normal trial of the core
runner, stored in the matrix's ResultStore, while the search's own state lives in an Optuna
storage (SQLite under ``runs/<matrix>/search.db``, or a server URL shared by workers).
"""

from __future__ import annotations

from ablations.registry import Registry

STRATEGIES: Registry[type] = Registry(
    "search strategy",
    {
        "grid": "ablations.search.strategies:GridStrategy",
        "random": "ablations.search.strategies:RandomStrategy",
        "tpe": "ablations.search.strategies:TPEStrategy",
        "tpe_pruned": "ablations.search.strategies:PrunedTPEStrategy",
        "genetic": "ablations.search.strategies:GeneticStrategy",
        "cmaes": "ablations.search.strategies:CmaEsStrategy",
        "manual": "ablations.search.strategies:ManualStrategy",
        "sklearn_random": "ablations.search.sklearn_random:SklearnRandomStrategy",
    },
)

__all__ = ["STRATEGIES"]
