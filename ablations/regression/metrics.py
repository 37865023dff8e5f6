"""What ``check`` compares: each metric knows which direction is better and its default tolerance.

Direction is a property of the metric (accuracy up, errors and time down), so scoring has no
special cases. Names are the flattened record columns: ``test_<metric>`` and ``time_ratio``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ablations.regression.tolerance import Tolerance, parse_tolerance


@dataclass(frozen=True)
class Metric:
    name: str
    higher_is_better: bool
    default_tolerance: Tolerance
    # A metric that is reported but fails the check only where a matrix or baseline declares
    # its tolerance (time: machines differ even as ratios).
    enforced_by_default: bool = True

    def worse(self, baseline: float, current: float) -> bool:
        return current < baseline if self.higher_is_better else current > baseline


def _metric(name: str, higher: bool, tolerance: str, enforced: bool = True) -> Metric:
    return Metric(name, higher, parse_tolerance(tolerance), enforced)


# Defaults sized for smoke runs on another machine: a 1-2 epoch accuracy moves a few points
# between CPUs (float summation order), errors move by a few percent.
METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        _metric("test_accuracy", True, "abs:0.05"),
        _metric("test_auc", True, "abs:0.05"),
        _metric("test_loss", False, "rel:20%"),
        _metric("test_mse", False, "rel:20%"),
        _metric("test_mae", False, "rel:20%"),
        _metric("test_rmse", False, "rel:20%"),
        _metric("time_ratio", False, "rel:100%", enforced=False),
    )
}

_SUFFIX_HIGHER = ("accuracy", "auc", "precision", "recall", "r2")


def metric_for(name: str) -> Metric:
    """The known metric, or one inferred from the name's suffix (accuracy-like: higher)."""
    if name in METRICS:
        return METRICS[name]
    higher = name.endswith(_SUFFIX_HIGHER)
    return _metric(name, higher, "abs:0.05" if higher else "rel:20%")
