"""The one statistics module: every number a report or the gate draws a conclusion from.

Per cell: the mean and its Student-t confidence interval over seeds. Per pair of cells:
Welch's t-test (unequal variances), or a paired t-test where both sides ran the same seeds
(seed ``s`` on one side shares its initialization and data order with seed ``s`` on the
other, so differences within a seed cancel that noise); the raw difference with its
interval; an effect size (Cohen's d, Hedges' g); and the smallest effect the comparison
could have detected. For a share of runs (how many diverged), Fisher's exact test on the
counts (:func:`compare_shares`). Holm's step-down correction when many pairs are tested at once, and
:func:`wording`, the one way a conclusion is written.

Zero variance (seeds that agree exactly, as deterministic smoke runs often do) is one
defined case, not a NaN: equal constants give p = 1, different constants give p = 0 (with
no spread, any difference is real). A rank test is not offered: Mann-Whitney U with 3 seeds
a side has 20 orderings, so its smallest two-sided p is 0.1 and it can never reach 0.05.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy import stats as sps

ALPHA = 0.05
POWER = 0.8
LEVEL = 0.95


def _array(values: Sequence[float] | np.ndarray) -> np.ndarray:
    data = np.asarray(values, dtype=float).ravel()
    return data[np.isfinite(data)]


@dataclass(frozen=True)
class CellStats:
    """A metric of one cell over its seeds: mean, sample sd (ddof=1) and a t interval."""

    n: int
    mean: float
    sd: float  # 0.0 for a single value
    low: float  # nan below two values
    high: float

    def __str__(self) -> str:
        if self.n < 2:
            return f"{self.mean:.4g} (n = {self.n})"
        return f"{self.mean:.4g} [{self.low:.4g}, {self.high:.4g}] (n = {self.n})"


def cell_stats(values: Sequence[float] | np.ndarray, level: float = LEVEL) -> CellStats:
    """Mean and two-sided Student-t interval of the finite ``values``."""
    data = _array(values)
    n = len(data)
    if n == 0:
        return CellStats(0, math.nan, math.nan, math.nan, math.nan)
    mean = float(data.mean())
    if n < 2:
        return CellStats(1, mean, 0.0, math.nan, math.nan)
    sd = float(data.std(ddof=1))
    half = float(sps.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return CellStats(n, mean, sd, mean - half, mean + half)


@dataclass(frozen=True)
class Comparison:
    """``b`` against ``a``: difference ``b - a``, its interval, test, effect size and power.

    ``p`` is None where no test is possible (under two values a side, or under two pairs).
    ``mde`` is the smallest absolute difference this design (test, n, observed sd) detects
    with probability ``POWER`` at ``ALPHA``; inf where no test is possible.
    """

    test: str  # "welch", "paired", "fisher" (shares of runs: :func:`compare_shares`) or "none"
    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    diff: float
    low: float
    high: float
    p: float | None
    d: float  # Cohen's d (pooled sd; for paired: mean difference / sd of differences)
    g: float  # Hedges' g: d with the small-sample correction
    mde: float
    p_adjusted: float | None = None  # set by :func:`holm_adjust` over a family

    @property
    def p_final(self) -> float | None:
        return self.p if self.p_adjusted is None else self.p_adjusted

    def significant(self, alpha: float = ALPHA) -> bool:
        p = self.p_final
        return p is not None and p < alpha


def _var(data: np.ndarray) -> float:
    """Sample variance; exactly 0 for equal values (numpy's mean can leave ~1e-33 of rounding)."""
    return 0.0 if np.ptp(data) == 0 else float(data.var(ddof=1))


ALTERNATIVES = ("two-sided", "greater", "less")  # scipy's words, for b - a


def _zero_variance_p(diff: float, alternative: str = "two-sided") -> float:
    if alternative == "greater":
        return 0.0 if diff > 0 else 1.0
    if alternative == "less":
        return 0.0 if diff < 0 else 1.0
    return 1.0 if diff == 0 else 0.0


def _t_p(t: float, df: float, alternative: str) -> float:
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {', '.join(ALTERNATIVES)} (got {alternative!r})")
    if alternative == "greater":
        return float(sps.t.sf(t, df))
    if alternative == "less":
        return float(sps.t.cdf(t, df))
    return float(2 * sps.t.sf(abs(t), df))


def welch(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    level: float = LEVEL,
    alternative: str = "two-sided",
) -> Comparison:
    """Welch's t-test of ``b`` against ``a`` (independent seeds); ``alternative`` as scipy's
    ("greater": b's mean is larger). The interval is two-sided at ``level`` either way."""
    x, y = _array(a), _array(b)
    na, nb = len(x), len(y)
    ma = float(x.mean()) if na else math.nan
    mb = float(y.mean()) if nb else math.nan
    diff = mb - ma
    if na < 2 or nb < 2:
        return Comparison("none", na, nb, ma, mb, diff, math.nan, math.nan, None, math.nan, math.nan, math.inf)
    va, vb = _var(x), _var(y)
    d, g = _effect(diff, math.sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2)), na + nb - 2)
    se2 = va / na + vb / nb
    if se2 == 0:
        return Comparison("welch", na, nb, ma, mb, diff, diff, diff, _zero_variance_p(diff, alternative), d, g, 0.0)
    df = se2**2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
    se = math.sqrt(se2)
    p = _t_p(diff / se, df, alternative)
    half = float(sps.t.ppf(0.5 + level / 2, df)) * se
    mde = minimum_detectable_effect(se, df, sides=1 if alternative != "two-sided" else 2)
    return Comparison("welch", na, nb, ma, mb, diff, diff - half, diff + half, p, d, g, mde)


def paired(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    level: float = LEVEL,
    alternative: str = "two-sided",
) -> Comparison:
    """Paired t-test of ``b - a``; ``a[i]`` and ``b[i]`` ran the same seed."""
    x, y = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    if len(x) != len(y):
        raise ValueError(f"paired samples differ in length ({len(x)} and {len(y)})")
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = len(x)
    ma = float(x.mean()) if n else math.nan
    mb = float(y.mean()) if n else math.nan
    diff = mb - ma
    if n < 2:
        return Comparison("none", n, n, ma, mb, diff, math.nan, math.nan, None, math.nan, math.nan, math.inf)
    deltas = y - x
    sd = math.sqrt(_var(deltas))
    d, g = _effect(diff, sd, n - 1)
    if sd == 0:
        return Comparison("paired", n, n, ma, mb, diff, diff, diff, _zero_variance_p(diff, alternative), d, g, 0.0)
    se = sd / math.sqrt(n)
    p = _t_p(diff / se, n - 1, alternative)
    half = float(sps.t.ppf(0.5 + level / 2, n - 1)) * se
    return Comparison(
        "paired",
        n,
        n,
        ma,
        mb,
        diff,
        diff - half,
        diff + half,
        p,
        d,
        g,
        minimum_detectable_effect(se, n - 1, sides=1 if alternative != "two-sided" else 2),
    )


def compare(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    *,
    seeds_a: Sequence[int] | None = None,
    seeds_b: Sequence[int] | None = None,
    alternative: str = "two-sided",
) -> Comparison:
    """Paired test where both sides ran the same seeds (at least two), else Welch's test."""
    if seeds_a is not None and seeds_b is not None and sorted(seeds_a) == sorted(seeds_b) and len(seeds_a) >= 2:
        by_seed_a, by_seed_b = dict(zip(seeds_a, a, strict=True)), dict(zip(seeds_b, b, strict=True))
        order = sorted(by_seed_a)
        return paired([by_seed_a[s] for s in order], [by_seed_b[s] for s in order], alternative=alternative)
    return welch(a, b, alternative=alternative)


def _wilson(events: int, n: int, z: float) -> tuple[float, float]:
    """Wilson's score interval of a share ``events / n``."""
    share = events / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def smallest_significant_share_difference(n_a: int, n_b: int, alpha: float = ALPHA) -> float:
    """The smallest ``|events_b / n_b - events_a / n_a|`` Fisher's exact test calls significant
    at these sizes (inf where none is): a floor under any effect these counts can show."""
    best = math.inf
    for events_a in range(n_a + 1):
        for events_b in range(n_b + 1):
            diff = abs(events_b / n_b - events_a / n_a)
            if (
                diff < best
                and sps.fisher_exact([[events_a, n_a - events_a], [events_b, n_b - events_b]]).pvalue < alpha
            ):
                best = diff
    return best


def smallest_attainable_share_p(n_a: int, n_b: int, events: int) -> float:
    """The smallest two-sided p Fisher's exact test can reach with ``events`` events among
    ``n_a + n_b`` runs (1 with no event at all: every arrangement is the same table).

    A test that cannot reach ``ALPHA`` cannot reject at any corrected level either, so it may
    leave the family a correction counts (Tarone 1990): :func:`correction_family`.
    """
    low, high = max(0, events - n_b), min(events, n_a)
    return min(
        float(sps.fisher_exact([[k, n_a - k], [events - k, n_b - events + k]]).pvalue) for k in range(low, high + 1)
    )


def correction_family(comparisons: Sequence[Comparison], alpha: float = ALPHA) -> list[bool]:
    """Which comparisons a multiple-testing correction counts: all, less the share comparisons
    whose counts could never reach ``alpha`` (Tarone 1990; a row where no run diverged on
    either side says nothing and should not dilute a row that can)."""
    keep = []
    for c in comparisons:
        if c.test != "fisher":
            keep.append(True)
            continue
        events = round(c.mean_a * c.n_a) + round(c.mean_b * c.n_b)
        keep.append(smallest_attainable_share_p(c.n_a, c.n_b, events) < alpha)
    return keep


def compare_shares(events_a: int, n_a: int, events_b: int, n_b: int, level: float = LEVEL) -> Comparison:
    """Shares ``events / n`` of two groups (say, runs that diverged): Fisher's exact test, two-sided.

    ``diff`` is share b - share a with Newcombe's hybrid score interval (from each share's
    Wilson interval: it stays inside [-1, 1] and is sound at 0 of 5); ``d`` and ``g`` hold
    Cohen's h (the difference of arcsine-root shares); ``mde`` is the smallest difference
    significant at these sizes, since no spread is estimated for a share.
    """
    if min(n_a, n_b) < 1:
        raise ValueError(f"compare_shares needs at least one run a side (got {n_a} and {n_b})")
    share_a, share_b = events_a / n_a, events_b / n_b
    z = float(sps.norm.ppf(1 - (1 - level) / 2))
    low_a, high_a = _wilson(events_a, n_a, z)
    low_b, high_b = _wilson(events_b, n_b, z)
    diff = share_b - share_a
    low = diff - math.sqrt((share_b - low_b) ** 2 + (high_a - share_a) ** 2)
    high = diff + math.sqrt((high_b - share_b) ** 2 + (share_a - low_a) ** 2)
    p = float(sps.fisher_exact([[events_a, n_a - events_a], [events_b, n_b - events_b]]).pvalue)
    h = 2 * math.asin(math.sqrt(share_b)) - 2 * math.asin(math.sqrt(share_a))
    return Comparison(
        "fisher",
        n_a,
        n_b,
        share_a,
        share_b,
        diff,
        low,
        high,
        min(1.0, p),
        h,
        h,
        smallest_significant_share_difference(n_a, n_b),
    )


def _effect(diff: float, sd: float, df: int) -> tuple[float, float]:
    """Cohen's d and Hedges' g (J = 1 - 3 / (4 df - 1)); +-inf for a difference without spread."""
    d = (0.0 if diff == 0 else math.copysign(math.inf, diff)) if sd == 0 else diff / sd
    return d, d * (1 - 3 / (4 * df - 1))


def cohens_d(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """(mean b - mean a) / pooled sd."""
    return welch(a, b).d


def hedges_g(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    return welch(a, b).g


def minimum_detectable_effect(
    se: float, df: float, alpha: float = ALPHA, power: float = POWER, *, sides: int = 2
) -> float:
    """The difference a t-test (two- or one-sided) with standard error ``se`` and ``df`` degrees
    of freedom detects with probability ``power`` at ``alpha`` (exact, noncentral t)."""
    if se == 0:
        return 0.0
    if not math.isfinite(se) or df <= 0:
        return math.inf
    crit = float(sps.t.ppf(1 - alpha / sides, df))

    def shortfall(delta: float) -> float:
        lower = float(sps.nct.cdf(-crit, df, delta)) if sides == 2 else 0.0
        value = float(sps.nct.sf(crit, df, delta)) + lower
        if not math.isfinite(value):  # scipy's nct fails at df = 1 for large delta (2 paired seeds)
            value = _power_by_integration(crit, df, delta, sides)
        return value - power

    high = crit + 3.0  # power > 0.8 beyond here for df >= 2; widened for heavier tails
    while shortfall(high) < 0:
        high *= 2
    return float(optimize.brentq(shortfall, 0.0, high, xtol=1e-10)) * se


def _power_by_integration(crit: float, df: float, delta: float, sides: int) -> float:
    """P(T' > crit) (+ P(T' < -crit) two-sided) for T' = (Z + delta) / W, W = sqrt(chi2_df / df),
    by integrating the normal tail over W's density: no noncentral-t series to overflow."""
    from scipy import integrate

    def density(w: float) -> float:  # chi distribution with df degrees of freedom, scaled by 1/sqrt(df)
        return float(sps.chi.pdf(w * math.sqrt(df), df) * math.sqrt(df))

    upper = integrate.quad(lambda w: float(sps.norm.sf(crit * w - delta)) * density(w), 0, math.inf)[0]
    lower = integrate.quad(lambda w: float(sps.norm.cdf(-crit * w - delta)) * density(w), 0, math.inf)[0]
    return upper + (lower if sides == 2 else 0.0)


def mde_for(
    n_a: int, n_b: int, sd: float, *, paired_seeds: bool = False, alpha: float = ALPHA, power: float = POWER
) -> float:
    """Planning form: the smallest detectable difference for ``n`` seeds a side and spread ``sd``
    (for a paired design, ``sd`` is the spread of the per-seed differences)."""
    if paired_seeds:
        return minimum_detectable_effect(sd / math.sqrt(n_a), n_a - 1, alpha, power) if n_a >= 2 else math.inf
    if n_a < 2 or n_b < 2:
        return math.inf
    return minimum_detectable_effect(sd * math.sqrt(1 / n_a + 1 / n_b), n_a + n_b - 2, alpha, power)


def holm(pvalues: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjusted p-values (monotone, capped at 1); None stays None."""
    indexed = [(p, i) for i, p in enumerate(pvalues) if p is not None]
    m = len(indexed)
    adjusted: list[float | None] = [None] * len(pvalues)
    running = 0.0
    for rank, (p, i) in enumerate(sorted(indexed)):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted


def holm_adjust(comparisons: Sequence[Comparison]) -> list[Comparison]:
    """The same comparisons with ``p_adjusted`` set over the whole family."""
    from dataclasses import replace

    adjusted = holm([c.p for c in comparisons])
    return [replace(c, p_adjusted=p) for c, p in zip(comparisons, adjusted, strict=True)]


def fmt_p(p: float | None) -> str:
    """A p-value for a table cell: "< 0.001", "0.0042", "0.31"; "–" for no test."""
    if p is None:
        return "–"
    if p < 0.001:
        return "< 0.001"
    # Two significant digits below 0.1, so that 0.048 never prints as "0.05".
    return f"{p:.2g}" if p < 0.1 else f"{p:.2f}"


def p_text(p: float | None) -> str:
    """A p-value for a sentence: "p = 0.03" or "p < 0.001"."""
    text = fmt_p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def effect_text(c: Comparison) -> str:
    """Hedges' g; Cohen's d where g's small-sample factor is 0 (one degree of freedom: 2 seeds
    paired), which would print "g = 0" for any difference."""
    if c.test == "fisher":
        return f"h = {c.g:.2g}"
    if not math.isfinite(c.g):
        return "no spread over seeds"
    if c.g == 0 and c.d != 0:
        return f"d = {c.d:.2g} (too few seeds for Hedges' g)"
    return f"g = {c.g:.2g}"


def sample_size(c: Comparison, name_a: str = "A", name_b: str = "B") -> str:
    """The sample size for a sentence: "n = 5", "n = 3 paired seeds" or, when the sides differ,
    "n = 1 (B) vs 5 (A)", naming each side so the counts cannot be read the wrong way round."""
    if c.test == "paired":
        return f"n = {c.n_a} paired seeds"
    return f"n = {c.n_a}" if c.n_a == c.n_b else f"n = {c.n_b} ({name_b}) vs {c.n_a} ({name_a})"


def wording(
    name_a: str,
    name_b: str,
    c: Comparison,
    *,
    higher_is_better: bool,
    alpha: float = ALPHA,
    unit: str = "",
) -> str:
    """The one sentence for a comparison of ``b`` against ``a``.

    "A beats B (p = ..., effect ..., n = ...)" when the (corrected) test says so, else "no
    difference detected at n = ... (smallest detectable effect ...)". Never "no difference
    supported": a test that finds nothing says how large an effect it could have missed.
    """
    diff_text = f"{c.diff:+.3g}{unit}"
    if c.p is None:
        return (
            f"{name_b} vs {name_a}: no test possible at {sample_size(c, name_a, name_b)} "
            f"(difference {diff_text}; needs at least 2 seeds a side)"
        )
    if c.significant(alpha):
        b_better = (c.diff > 0) == higher_is_better
        winner, loser = (name_b, name_a) if b_better else (name_a, name_b)
        p = p_text(c.p_final) + (" Holm-corrected" if c.p_adjusted is not None else "")
        interval = f" [{c.low:+.3g}, {c.high:+.3g}]" if c.low != c.high else ""
        return f"{winner} beats {loser} ({p}, effect {diff_text}{interval}, {effect_text(c)}, {sample_size(c, name_a, name_b)})"
    return (
        f"{name_b} vs {name_a}: no difference detected at {sample_size(c, name_a, name_b)} "
        f"(difference {diff_text}, {p_text(c.p_final)}; smallest detectable effect {c.mde:.3g}{unit})"
    )


__all__ = [
    "ALPHA",
    "ALTERNATIVES",
    "CellStats",
    "Comparison",
    "cell_stats",
    "cohens_d",
    "compare",
    "effect_text",
    "fmt_p",
    "hedges_g",
    "holm",
    "holm_adjust",
    "mde_for",
    "minimum_detectable_effect",
    "p_text",
    "paired",
    "sample_size",
    "welch",
    "wording",
]
