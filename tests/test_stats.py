"""The statistics module against scipy and textbook numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from ablations.read import stats

A = [0.80, 0.81, 0.79, 0.82, 0.78]
B = [0.70, 0.74, 0.69, 0.73, 0.71]


def test_cell_stats_is_the_student_t_interval() -> None:
    s = stats.cell_stats(A)
    low, high = sps.t.interval(0.95, 4, loc=np.mean(A), scale=sps.sem(A))
    assert (s.n, s.mean, s.sd) == (5, pytest.approx(0.80), pytest.approx(np.std(A, ddof=1)))
    assert (s.low, s.high) == (pytest.approx(low), pytest.approx(high))
    one = stats.cell_stats([0.5, float("nan")])
    assert one.n == 1 and one.mean == 0.5 and math.isnan(one.low)


def test_welch_matches_scipy() -> None:
    c = stats.welch(A, B)
    ref = sps.ttest_ind(B, A, equal_var=False)
    assert c.test == "welch" and c.p == pytest.approx(ref.pvalue)
    ci = ref.confidence_interval(0.95)
    assert (c.low, c.high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert c.diff == pytest.approx(np.mean(B) - np.mean(A))


def test_paired_matches_scipy() -> None:
    c = stats.paired(A, B)
    ref = sps.ttest_rel(B, A)
    assert c.test == "paired" and c.p == pytest.approx(ref.pvalue)
    ci = ref.confidence_interval(0.95)
    assert (c.low, c.high) == (pytest.approx(ci.low), pytest.approx(ci.high))


def test_one_sided_matches_scipy() -> None:
    for alternative in ("greater", "less"):
        assert stats.welch(A, B, alternative=alternative).p == pytest.approx(
            sps.ttest_ind(B, A, equal_var=False, alternative=alternative).pvalue
        )
        assert stats.paired(A, B, alternative=alternative).p == pytest.approx(
            sps.ttest_rel(B, A, alternative=alternative).pvalue
        )
    assert stats.welch([0.5] * 3, [0.4] * 3, alternative="less").p == 0.0
    assert stats.welch([0.5] * 3, [0.4] * 3, alternative="greater").p == 1.0
    # One-sided needs a smaller effect: 50 per group detect d = 0.5 at 0.05 one-sided (Cohen).
    assert stats.mde_for(50, 50, 1.0) > stats.minimum_detectable_effect(math.sqrt(2 / 50), 98, sides=1)
    assert stats.minimum_detectable_effect(math.sqrt(2 / 50), 98, sides=1) == pytest.approx(0.5, abs=0.01)


def test_compare_pairs_only_the_same_seeds() -> None:
    assert stats.compare(A, B, seeds_a=range(5), seeds_b=range(5)).test == "paired"
    assert stats.compare(A, B, seeds_a=range(5), seeds_b=range(5, 10)).test == "welch"
    assert stats.compare(A, B).test == "welch"
    # Seeds given in another order are matched by seed, not by position.
    c = stats.compare([1.0, 2.0, 3.0], [3.1, 1.1, 2.1], seeds_a=[0, 1, 2], seeds_b=[2, 0, 1])
    assert c.p == 0.0 and c.diff == pytest.approx(0.1)


def test_zero_variance_is_one_defined_case() -> None:
    assert stats.welch([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]).p == 1.0
    assert stats.welch([0.5, 0.5, 0.5], [0.4, 0.4, 0.4]).p == 0.0
    assert stats.paired([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]).p == 1.0
    assert stats.paired([1.0, 2.0, 3.0], [1.5, 2.5, 3.5]).p == 0.0
    under_two = stats.welch([0.5], [0.4, 0.4])
    assert under_two.p is None and under_two.test == "none" and under_two.mde == math.inf


def test_effect_sizes_textbook() -> None:
    # Pooled sd 1, difference 3: d = 3; Hedges' J = 1 - 3 / (4 * 4 - 1) = 0.8.
    assert stats.cohens_d([1, 2, 3], [4, 5, 6]) == pytest.approx(3.0)
    assert stats.hedges_g([1, 2, 3], [4, 5, 6]) == pytest.approx(2.4)


def test_minimum_detectable_effect_textbook() -> None:
    # Cohen (1988): 64 per group detect d = 0.5 with power 0.80 at alpha 0.05 two-sided.
    assert stats.mde_for(64, 64, 1.0) == pytest.approx(0.5, abs=0.005)
    # 26 per group: d = 0.8.
    assert stats.mde_for(26, 26, 1.0) == pytest.approx(0.8, abs=0.01)
    # The definition: at the MDE, the noncentral t gives power 0.8.
    se, df = 0.1, 4.0
    mde = stats.minimum_detectable_effect(se, df)
    crit = sps.t.ppf(0.975, df)
    assert sps.nct.sf(crit, df, mde / se) + sps.nct.cdf(-crit, df, mde / se) == pytest.approx(0.8)
    assert stats.mde_for(3, 3, 0.0) == 0.0 and stats.mde_for(1, 3, 1.0) == math.inf


def test_mann_whitney_cannot_reach_005_with_three_a_side() -> None:
    """Why the module offers t-tests only: the most extreme ordering of 3 vs 3 gives p = 0.1."""
    assert sps.mannwhitneyu([1, 2, 3], [4, 5, 6], alternative="two-sided").pvalue == pytest.approx(0.1)


def test_holm_textbook() -> None:
    # Sorted 0.005, 0.01, 0.03, 0.04 -> 0.02, 0.03, 0.06, max(0.04, 0.06) = 0.06.
    assert stats.holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert stats.holm([0.5, None, 0.9]) == [1.0, None, 1.0]  # 2 * 0.5 capped; monotone
    family = stats.holm_adjust([stats.welch(A, B), stats.welch(A, A)])
    assert family[0].p_adjusted == pytest.approx(2 * stats.welch(A, B).p)


def test_wording() -> None:
    better = stats.wording("A", "B", stats.welch(B, A), higher_is_better=True)
    assert better.startswith("B beats A (p < 0.001, effect +0.086 [") and "n = 5)" in better and "g = " in better
    lower = stats.wording("A", "B", stats.welch(B, A), higher_is_better=False)
    assert lower.startswith("A beats B")
    none = stats.wording("A", "B", stats.welch(A, [0.81, 0.79, 0.80, 0.83, 0.77]), higher_is_better=True)
    assert "no difference detected at n = 5" in none and "smallest detectable effect" in none
    assert "supported" not in none
    assert "no test possible" in stats.wording("A", "B", stats.welch([1.0], [2.0]), higher_is_better=True)


def test_detectable_effect_with_two_paired_seeds_is_finite():
    """df = 1: scipy's noncentral t returns NaN for large noncentrality; the power is integrated."""
    import math as _math

    from ablations.read import stats as _stats

    mde = _stats.minimum_detectable_effect(1.0, 1)
    assert _math.isfinite(mde) and 16.0 < mde < 16.7  # crit 12.7 x ~1.28
    assert _math.isfinite(_stats.paired([1.0, 2.0], [1.5, 2.7]).mde)


def test_effect_text_with_two_paired_seeds_is_not_g_zero():
    from ablations.read import stats as _stats

    c = _stats.paired([0.1, 0.1], [0.6, 0.61])
    assert c.g == 0.0 and c.d > 0  # Hedges' factor 1 - 3 / (4 df - 1) is 0 at df = 1
    assert _stats.effect_text(c).startswith("d = ") and "g = 0" not in _stats.wording(
        "a", "b", c, higher_is_better=True
    )
