"""The search strategies a ``search`` matrix's axis ``strategy`` may name: one registry entry each.

The strategies themselves live in :mod:`ablations.run.search` and are imported on first use.
"""

from __future__ import annotations

from ablations.describe.registry import Registry

STRATEGIES: Registry[type] = Registry(
    "search strategy",
    {
        "grid": "ablations.run.search.strategies:GridStrategy",
        "random": "ablations.run.search.strategies:RandomStrategy",
        "tpe": "ablations.run.search.strategies:TPEStrategy",
        "tpe_pruned": "ablations.run.search.strategies:PrunedTPEStrategy",
        "genetic": "ablations.run.search.strategies:GeneticStrategy",
        "cmaes": "ablations.run.search.strategies:CmaEsStrategy",
        "manual": "ablations.run.search.strategies:ManualStrategy",
        "sklearn_random": "ablations.run.search.sklearn_random:SklearnRandomStrategy",
    },
)

__all__ = ["STRATEGIES"]
