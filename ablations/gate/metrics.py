"""What ``check`` compares, and the default tolerance of each metric.

The direction of a metric (accuracy up; losses, errors and time down) is decided in one place,
:mod:`ablations.metrics`; this module only adds tolerances. Names are the flattened record
columns: ``test_<metric>`` and ``time_ratio``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ablations import metrics as directions
from ablations.gate.tolerance import Tolerance, parse_tolerance

# time_ratio: a trial's steady epoch time over a fixed matmul timed in the same process. Run to
# run on the shared 2-core CI machine its per-cell mean over 3 seeds moved by up to ±24 %
# (bench/baselines/NOISE.md, measured with bench/gate.py --noise); a 2x slowdown is +100 %.
# 50 % sits between them: twice the worst noise seen, half the slowdown that must fail.
TIME_TOLERANCE = "rel:50%"


@dataclass(frozen=True)
class Metric:
    name: str
    default_tolerance: Tolerance

    @property
    def higher_is_better(self) -> bool:
        return directions.higher_is_better(self.name)

    def worse(self, baseline: float, current: float) -> bool:
        return directions.is_worse(self.name, current, baseline)


# Defaults sized for smoke runs on another machine: a 1-2 epoch accuracy moves a few points
# between CPUs (float summation order), errors move by a few percent.
DEFAULT_TOLERANCES = {"time_ratio": TIME_TOLERANCE}


def metric_for(name: str) -> Metric:
    """The metric with its default tolerance: accuracy-like abs:0.05, others rel:20%."""
    text = DEFAULT_TOLERANCES.get(name) or ("abs:0.05" if directions.higher_is_better(name) else "rel:20%")
    return Metric(name, parse_tolerance(text))
