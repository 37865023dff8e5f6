"""The tolerance mini-language: ``abs:0.02``, ``rel:10%`` (or ``rel:0.1``), ``sigma:3``.

A tolerance bounds how far a metric's mean may move from its baseline before ``check`` looks at
it (in either direction; whether the move is worse is the metric's business, see
:mod:`ablations.describe.metrics`). Each rule is a small object whose :meth:`Tolerance.fails`
returns a readable message or None, as pytest-benchmark's compare thresholds do.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_RULE_RE = re.compile(r"^\s*(abs|rel|sigma)\s*:\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(%?)\s*$")


class ToleranceError(ValueError):
    """A tolerance string that does not parse; ``str()`` says what is allowed."""


@dataclass(frozen=True)
class Stat:
    """A metric of one cell over its ``ok`` seeds."""

    mean: float
    std: float  # sample standard deviation (ddof=1); 0.0 for a single seed
    n: int


@dataclass(frozen=True)
class Tolerance:
    """``kind`` abs (same units as the metric), rel (fraction of the baseline) or sigma.

    ``sigma`` allows k times the larger of the two spreads over seeds; with a single seed on
    both sides there is no spread, so any change exceeds it.
    """

    kind: str
    value: float
    text: str

    def limit(self, baseline: Stat, current: Stat) -> float:
        if self.kind == "abs":
            return self.value
        if self.kind == "rel":
            return self.value * abs(baseline.mean)
        return self.value * max(baseline.std, current.std)

    def fails(self, baseline: Stat, current: Stat) -> str | None:
        """A message if the means differ by more than the tolerance, else None."""
        change = current.mean - baseline.mean
        if not math.isfinite(change):
            return f"changed from {baseline.mean:.4g} to {current.mean:.4g}"
        limit = self.limit(baseline, current)
        if abs(change) <= limit:
            return None
        return (
            f"changed by {change:+.4g} ({baseline.mean:.4g} -> {current.mean:.4g}), beyond {self.text} (±{limit:.3g})"
        )

    def __str__(self) -> str:
        return self.text


def parse_tolerance(text: str) -> Tolerance:
    """``abs:X``, ``rel:X%`` / ``rel:X`` (a fraction) or ``sigma:K``; X, K non-negative numbers."""
    if not isinstance(text, str):
        raise ToleranceError(f'must be a string such as "abs:0.02", "rel:10%" or "sigma:3" (got {text!r})')
    match = _RULE_RE.match(text)
    if not match:
        raise ToleranceError(
            f'cannot parse tolerance {text!r}; write "abs:0.02", "rel:10%" (or "rel:0.1") or "sigma:3"'
        )
    kind, number, percent = match.groups()
    value = float(number)
    if percent and kind != "rel":
        raise ToleranceError(f'tolerance {text!r}: only rel takes a percentage; write "{kind}:{number}"')
    if percent:
        value /= 100.0
    canonical = f"{kind}:{number}{percent}"
    return Tolerance(kind, value, canonical)
