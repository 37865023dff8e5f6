"""Whether a metric is better higher or lower: the one place that decides it.

A metric's direction is a property of its name (AlgoPerf keeps it with the workload, never in
the scoring code): accuracy-like names are better higher; losses, errors and times lower.
Prefixes such as ``test_``, ``val_`` or ``best_`` do not change it.
"""

from __future__ import annotations

HIGHER_IS_BETTER_SUFFIXES = ("accuracy", "auc", "precision", "recall", "r2")


def higher_is_better(metric: str) -> bool:
    """True for accuracy-like metrics, False for losses, errors (mse, mae, rmse) and times."""
    return metric.endswith(HIGHER_IS_BETTER_SUFFIXES)


def is_worse(metric: str, current: float, reference: float) -> bool:
    """Whether ``current`` is worse than ``reference`` for ``metric`` (equal is not worse)."""
    return current < reference if higher_is_better(metric) else current > reference


def optimization_direction(metric: str) -> str:
    """Optuna's word for the metric's direction: ``maximize`` or ``minimize``."""
    return "maximize" if higher_is_better(metric) else "minimize"


__all__ = ["HIGHER_IS_BETTER_SUFFIXES", "higher_is_better", "is_worse", "optimization_direction"]
