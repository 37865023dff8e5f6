"""When a claim applies. A condition is ``(stratum, control, treatment) -> reason or None``:
None where the claim applies to these runs, else the reason it cannot be tested on them, as
measured (a data set's feature ranges, the control's overfitting, the search's workers)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np

from ablations.read.claims.measures import train_validation_gap

# Features "differ in range" when the 90th percentile of the features' ranges (max - min) is
# at least this many times the 10th: California housing 1175, digits 2.7, MNIST-1D 1.3.
RANGE_SPREAD = 10.0
# A net "overfits" when its training accuracy ends at least this far above its validation accuracy.
OVERFIT_GAP = 0.05


@functools.lru_cache(maxsize=16)
def feature_range_spread(dataset: str) -> float:
    """90th over 10th percentile of the features' ranges, over features that vary."""
    from ablations.run.datasets.loading import load_dataset

    features = np.asarray(load_dataset(dataset).x, dtype=float)
    x = features.reshape(len(features), -1)
    ranges = x.max(axis=0) - x.min(axis=0)
    ranges = ranges[ranges > 0]
    return float(np.percentile(ranges, 90) / np.percentile(ranges, 10)) if len(ranges) else 1.0


def features_differ_in_range(
    stratum: Mapping[str, Any], control: list[dict[str, Any]], treatment: list[dict[str, Any]]
) -> str | None:
    dataset = stratum.get("dataset")
    if dataset is None:
        return "the rows name no data set"
    spread = feature_range_spread(str(dataset))
    if spread >= RANGE_SPREAD:
        return None
    return (
        f"{dataset}'s features share one range (90th/10th percentile of their ranges {spread:.2g}, "
        f"under {RANGE_SPREAD:g})"
    )


def control_overfits(
    stratum: Mapping[str, Any], control: list[dict[str, Any]], treatment: list[dict[str, Any]]
) -> str | None:
    gaps = [g for g in (train_validation_gap(r, 0) for r in control) if np.isfinite(g)]
    if not gaps:
        return "the control runs recorded no training and validation accuracy"
    gap = float(np.mean(gaps))
    if gap >= OVERFIT_GAP:
        return None
    return (
        f"the nets it is compared on do not overfit (training - validation accuracy {gap:+.3f}, under {OVERFIT_GAP:g})"
    )


def _workers(record: dict[str, Any]) -> int:
    seen = {
        (w.get("host"), w.get("pid"))
        for t in (record.get("search") or {}).get("trials", [])
        if t.get("counted") and (w := t.get("worker"))
    }
    return max(1, len(seen))


def control_runs_in_parallel(
    stratum: Mapping[str, Any], control: list[dict[str, Any]], treatment: list[dict[str, Any]]
) -> str | None:
    most = max((_workers(r) for r in control), default=0)
    if most > 1:
        return None
    return "every search it is compared with ran its trials one at a time, in one worker process"
