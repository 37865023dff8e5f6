"""Regression checking: baselines of stored results, tolerances, and the comparison.

``ablations baseline`` summarizes stored results per cell and metric (mean, spread, seeds);
``ablations check`` compares fresh results against it and exits 1 only on a real regression.
"""

from __future__ import annotations

from ablations.regression.metrics import METRICS, Metric, metric_for
from ablations.regression.tolerance import Tolerance, ToleranceError, parse_tolerance

__all__ = ["METRICS", "Metric", "Tolerance", "ToleranceError", "metric_for", "parse_tolerance"]
