"""The lesson scorecard on fabricated records with a known effect: every claim's verdict words
and interval, and the reasons a row is not testable."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest

from ablations.describe.claims import CLAIMS, MEASURES, claims_in_order
from ablations.read.claims.measures import HIGHER_IS_BETTER
from ablations.read.claims.verdicts import (
    DOES_NOT_HOLD,
    HOLDS,
    NOT_DETECTED,
    NOT_TESTABLE,
    claim_rows,
    effect_text,
    n_text,
    verdict_text,
)
from ablations.read.reporting.scorecard import page_claims, scorecard_section

SEEDS = range(5)
# A measure's typical value, the effect fabricated, and the seeds' noise (sd), in its units.
SCALE = {
    "test_accuracy": (0.6, 0.05, 0.005),
    "test_mse": (0.5, 0.05, 0.005),
    "test_score": (0.5, 0.05, 0.005),  # on California: a regression, its test MSE
    "early_validation": (0.6, 0.05, 0.005),
    "early_gain": (0.2, 0.05, 0.005),
    "epochs_run": (15.0, 3.0, 0.3),
    "gradient_ratio_at_init": (-1.0, 0.5, 0.05),
    "train_validation_gap": (0.2, 0.05, 0.005),
    "search_best": (0.5, 0.05, 0.005),
    "search_wall_s": (60.0, 10.0, 1.0),
}
# Measures of a share of runs, tested with Fisher's exact test on counts (not by fabricated values).
SHARE_MEASURES = {"diverged"}


def fabricate(measure: str, settings: dict[str, Any], seed: int, value: float, *, pid: int = 1) -> dict[str, Any]:
    """A finished record whose ``measure`` is ``value`` (a search record for search measures)."""
    if measure.startswith("search_"):
        return {
            "search": {
                "cell": {"dataset": settings["dataset"]},
                "strategy": settings["strategy"],
                "seed": seed,
                "status": "complete",
                "best": {"validation": value},
                "time": {"elapsed_s": value},
                "trials": [{"counted": True, "worker": {"host": "h", "pid": pid + k % 2}} for k in range(4)],
            }
        }
    record: dict[str, Any] = {"status": "ok", "seed": seed, "settings": settings, "test": {}, "history": {}}
    if measure == "test_accuracy":
        record["test"]["accuracy"] = value
        record["history"] = {"accuracy": [0.9], "val_accuracy": [0.6]}  # a net that overfits
    elif measure == "test_mse":
        record["test"]["mse"] = value
    elif measure == "test_score":  # California: a regression, scored by its test MSE
        record["test"]["mse"] = value
        record["history"]["val_mae"] = [0.5]
    elif measure == "early_validation":  # California: a regression, its validation MAE
        record["history"]["val_mae"] = [value] * 10
    elif measure == "early_gain":
        record["history"]["val_accuracy"] = [0.1 + value * k / 4 for k in range(10)]
    elif measure == "epochs_run":
        record["epochs_run"] = value
    elif measure == "gradient_ratio_at_init":
        record["probes"] = [
            {"epoch": 0, "layer_index": 1, "kind": "grad_kernel", "value": 10.0**value},
            {"epoch": 0, "layer_index": 9, "kind": "grad_kernel", "value": 1.0},
        ]
    elif measure == "train_validation_gap":
        record["history"] = {"accuracy": [0.5 + value], "val_accuracy": [0.5]}
    else:
        raise AssertionError(f"no fabricator for {measure}")
    return record


def claimed_sign(claim: Any) -> int:
    """+1 where the claim says the treatment's measure is higher, -1 where lower."""
    higher = HIGHER_IS_BETTER[claim.measure]
    if higher is None:  # follows the task: the fabricated early_validation and test_score are a regression's
        higher = claim.measure not in ("early_validation", "test_score")
    if claim.expect in ("higher", "lower"):
        return 1 if claim.expect == "higher" else -1
    return 1 if (claim.expect == "better") == higher else -1


def runs(claim: Any, effect: float, *, seed: int = 0) -> list[dict[str, Any]]:
    """Both sides of the claim's first stratum; treatment = control + ``effect`` (+ noise)."""
    base, _, sd = SCALE[claim.measure]
    rng = np.random.default_rng(seed)
    stratum = dict(claim.strata[0])
    records = []
    for s in SEEDS:
        shared = base + rng.normal(0, sd)  # the seed's own level, shared by both sides (paired)
        for value, offset, pid in ((claim.control, 0.0, 10), (claim.treatment, effect, 1)):
            settings = {**stratum, claim.axis: value}
            records.append(fabricate(claim.measure, settings, s, shared + offset + rng.normal(0, sd / 3), pid=pid))
    return records


CLAIM_KEYS = [c.key for c in claims_in_order() if c.test == "t"]
SHARE_KEYS = [c.key for c in claims_in_order() if c.test == "fisher"]


def share_runs(
    claim: Any, control_diverged: int, treatment_diverged: int, *, failed: int = 0, stratum: int = 0
) -> list[dict[str, Any]]:
    """Five runs a side in one of the claim's strata, the first N of each side diverged; the
    last ``failed`` control runs failed (an outcome that says nothing of divergence)."""
    records = []
    for value, diverged in ((claim.control, control_diverged), (claim.treatment, treatment_diverged)):
        for s in SEEDS:
            status = "diverged" if s < diverged else "ok"
            if value == claim.control and s >= len(SEEDS) - failed:
                status = "failed"
            settings = {**claim.strata[stratum], claim.axis: value}
            records.append({"status": status, "seed": s, "settings": settings, "history": {}, "test": {}})
    return records


def test_every_claim_has_a_fabricator_and_a_known_measure() -> None:
    assert len(CLAIM_KEYS) >= 13 and SHARE_KEYS
    for claim in claims_in_order():
        assert claim.measure in MEASURES and (claim.measure in SCALE or claim.measure in SHARE_MEASURES), claim.key
        assert (claim.test == "fisher") == (claim.measure in SHARE_MEASURES), claim.key


@pytest.mark.parametrize("key", CLAIM_KEYS)
def test_a_known_effect_the_claimed_way_holds_with_its_interval(key: str) -> None:
    claim = CLAIMS.get(key)
    effect = claimed_sign(claim) * SCALE[claim.measure][1]
    row = claim_rows(claim, runs(claim, effect))[0]
    assert row.verdict == HOLDS, verdict_text(row)
    assert row.comparison is not None and row.comparison.test == "paired"
    assert row.comparison.low <= effect <= row.comparison.high
    assert math.copysign(1, row.comparison.diff) == math.copysign(1, effect)
    assert verdict_text(row).startswith("**holds** (p ")
    assert effect_text(row).startswith(f"{row.comparison.diff:+.3g} [")


@pytest.mark.parametrize("key", CLAIM_KEYS)
def test_the_effect_the_other_way_does_not_hold(key: str) -> None:
    claim = CLAIMS.get(key)
    effect = -claimed_sign(claim) * SCALE[claim.measure][1]
    row = claim_rows(claim, runs(claim, effect))[0]
    assert row.verdict == DOES_NOT_HOLD, verdict_text(row)
    assert row.comparison is not None and row.comparison.low <= effect <= row.comparison.high


@pytest.mark.parametrize("key", CLAIM_KEYS)
def test_no_effect_is_not_detected_with_the_smallest_detectable_effect(key: str) -> None:
    claim = CLAIMS.get(key)
    row = claim_rows(claim, runs(claim, 0.0))[0]
    assert row.verdict == NOT_DETECTED, verdict_text(row)
    assert row.comparison is not None and row.comparison.low <= 0.0 <= row.comparison.high
    assert "smallest detectable effect" in verdict_text(row)
    assert 0 < row.comparison.mde < SCALE[claim.measure][1]


def test_a_deliberately_broken_claim_is_caught() -> None:
    """A claim registered the wrong way round reads 'does not hold' on the same records."""
    claim = CLAIMS.get("cross_entropy_for_classification")
    records = runs(claim, +0.05)
    broken = dataclasses.replace(claim, expect="lower")
    assert claim_rows(claim, records)[0].verdict == HOLDS
    assert claim_rows(broken, records)[0].verdict == DOES_NOT_HOLD


def test_rows_that_cannot_be_tested_say_why() -> None:
    claim = CLAIMS.get("normalization_speeds_training")
    records = runs(claim, -0.05)
    # Four of five unnormalized runs diverge: under two seeds a side, counted by status.
    controls = [r for r in records if r["settings"]["normalization"] == "none"]
    for record in controls[1:]:
        record["status"] = "diverged"
    rows = claim_rows(claim, records)
    assert rows[0].verdict == NOT_TESTABLE
    assert "1 of 5 normalization = 'none' runs measured (4 diverged)" in rows[0].reason
    # The other strata ran nothing, or the claim does not apply to their data.
    assert rows[1].reason == "this run has no course trials with normalization = 'none'"
    digits = dataclasses.replace(claim, strata=({"dataset": "digits", "loss": "cross_entropy"},))
    digits_records = [
        fabricate("test_accuracy", {"dataset": "digits", "loss": "cross_entropy", "normalization": n}, s, 0.9)
        for n in ("none", "zscore")
        for s in SEEDS
    ]
    (row,) = claim_rows(digits, digits_records)
    assert row.verdict == NOT_TESTABLE and row.reason.startswith("digits's features share one range")


def test_conditions_refuse_nets_that_do_not_overfit_and_searches_run_one_at_a_time() -> None:
    dropout = CLAIMS.get("dropout_reduces_overfitting")
    records = [
        fabricate("train_validation_gap", {**dropout.strata[0], "dropout": d}, s, 0.01)
        for d in (dropout.control, dropout.treatment)
        for s in SEEDS
    ]
    (row,) = claim_rows(dropout, records)
    assert row.verdict == NOT_TESTABLE and row.reason.startswith("the nets it is compared on do not overfit")
    manual = CLAIMS.get("manual_loop_costs_time")
    records = runs(manual, 10.0)
    for record in records:
        for trial in record["search"]["trials"]:
            trial["worker"] = {"host": "h", "pid": 1}
    (row,) = claim_rows(manual, records)
    assert row.verdict == NOT_TESTABLE and "one at a time" in row.reason


@pytest.mark.parametrize("key", SHARE_KEYS)
def test_a_share_of_runs_is_tested_on_counts_with_fishers_exact_test(key: str) -> None:
    """4 of 5 unnormalized runs diverge, none normalized: p = 10/210 (the hypergeometric tail)."""
    claim = CLAIMS.get(key)
    row = claim_rows(claim, share_runs(claim, 4, 0))[0]
    assert row.verdict == HOLDS, verdict_text(row)
    c = row.comparison
    assert c is not None and c.test == "fisher" and c.p == pytest.approx(10 / 210) and c.diff == pytest.approx(-0.8)
    assert c.low < -0.8 < c.high < 0
    assert verdict_text(row) == "**holds** (p = 0.048 Holm-corrected, h = -2.2)"
    assert n_text(row) == "0 of 5 vs 4 of 5"
    # The other way round, it does not hold; equal shares are not detected, with the floor.
    assert claim_rows(claim, share_runs(claim, 0, 4))[0].verdict == DOES_NOT_HOLD
    row = claim_rows(claim, share_runs(claim, 2, 2))[0]
    assert row.verdict == NOT_DETECTED and "smallest significant difference 0.8" in verdict_text(row)
    # A failed run is not counted: 3 of 4 against 0 of 5, p = 4/84.
    row = claim_rows(claim, share_runs(claim, 3, 0, failed=1))[0]
    assert n_text(row) == "0 of 5 vs 3 of 4" and row.comparison is not None
    assert row.comparison.p == pytest.approx(4 / 84)


def test_rows_where_nothing_diverged_do_not_dilute_the_correction() -> None:
    """A row with no divergence on either side cannot reach p < 0.05, so Holm leaves it out
    (Tarone 1990); the same counts in a second row that can be significant halve the power."""
    claim = CLAIMS.get("normalization_prevents_divergence")
    quiet = share_runs(claim, 0, 0, stratum=2)
    (row, _, other, _) = claim_rows(claim, share_runs(claim, 4, 0) + quiet)
    assert row.verdict == HOLDS and row.comparison is not None and row.comparison.p_adjusted == pytest.approx(10 / 210)
    assert other.verdict == NOT_DETECTED and other.comparison is not None and other.comparison.p_adjusted is None
    assert (
        verdict_text(other)
        == "**not detected** (p = 1.00: these counts cannot reach p < 0.05, so no correction counts them)"
    )
    (row, _, other, _) = claim_rows(claim, share_runs(claim, 4, 0) + share_runs(claim, 4, 0, stratum=2))
    assert row.verdict == other.verdict == NOT_DETECTED and row.comparison is not None
    assert row.comparison.p_adjusted == pytest.approx(20 / 210)


def test_shares_compare_with_newcombes_interval() -> None:
    """Newcombe (1998), method 10, his example: 56/70 against 48/80."""
    from ablations.read.stats import compare_shares, smallest_significant_share_difference

    c = compare_shares(48, 80, 56, 70)
    assert (round(c.diff, 4), round(c.low, 4), round(c.high, 4)) == (0.2, 0.0524, 0.3339)
    assert smallest_significant_share_difference(5, 5) == 0.8
    assert smallest_significant_share_difference(2, 2) == math.inf  # no count of 2 a side is significant
    with pytest.raises(ValueError, match="at least one run"):
        compare_shares(0, 0, 1, 5)


def test_the_scorecard_and_a_page_render_every_row() -> None:
    records_of: dict[str, list[dict[str, Any]]] = {}
    for claim in claims_in_order():
        if claim.test == "fisher":
            # Its last stratum: the first is another claim's, whose fabricated runs all finish.
            records_of.setdefault(claim.matrix, []).extend(share_runs(claim, 4, 0, stratum=-1))
            continue
        records_of.setdefault(claim.matrix, []).extend(runs(claim, claimed_sign(claim) * SCALE[claim.measure][1]))
    text = scorecard_section(records_of)
    assert text.startswith("## Lesson scorecard")
    # Claims of one matrix share cells here, so some fabricated runs mix: each claim's verdict
    # is tested on its own above; this checks that every claim gets its rows on the page.
    assert all(claim.claim in text for claim in claims_in_order())
    assert text.count("**holds**") >= len(CLAIM_KEYS) + len(SHARE_KEYS) - 3
    assert "Fisher's exact test" in text
    assert "(course.md#what-this-run-shows)" in text
    page = page_claims("course", records_of["course"])
    assert page.startswith("## Lessons this page tests") and "deep_mlp" not in page
    assert page_claims("golden_trials", []) == ""


def github_anchor(heading: str) -> str:
    """GitHub's anchor of a markdown heading: lower case, punctuation dropped, spaces to '-'."""
    kept = "".join(ch for ch in heading.strip().lower() if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")


def test_every_claim_links_to_a_section_of_its_page() -> None:
    from pathlib import Path

    reports = Path(__file__).resolve().parent.parent / "reports"
    for claim in claims_in_order():
        page = (reports / f"{claim.matrix}.md").read_text(encoding="utf-8")
        anchors = {github_anchor(line[3:]) for line in page.splitlines() if line.startswith("## ")}
        assert claim.section in anchors, (claim.key, sorted(anchors))


def test_the_test_score_follows_the_task() -> None:
    """Accuracy (higher is better) for a classifier, MSE (lower) for a regressor: one claim can
    have a tabular regression row and an image classification row."""
    from ablations.read.claims.measures import measure_label, task_higher_is_better, test_score

    classifier = {"test": {"accuracy": 0.97, "mse": 9.0}, "history": {"val_accuracy": [0.9]}}
    regressor = {"test": {"mse": 0.33}, "history": {"val_mae": [0.4]}}
    assert test_score(classifier, 0) == 0.97 and task_higher_is_better(classifier)
    assert test_score(regressor, 0) == 0.33 and not task_higher_is_better(regressor)
    assert measure_label("test_score", classifier) == "test accuracy"
    assert measure_label("test_score", regressor) == "test MSE"
    claim = CLAIMS.get("wide_deep_beats_deep")
    records = [
        {
            "status": "ok",
            "seed": s,
            "settings": {"dataset": "digits", "model": m},
            **classifier,
            "test": {"accuracy": a},
        }
        for s in SEEDS
        for m, a in (("deep", 0.95 + 0.001 * s), ("wide_deep", 0.97 + 0.0012 * s))
    ]
    row = next(r for r in claim_rows(claim, records) if r.stratum == {"dataset": "digits"})
    assert row.verdict == HOLDS and row.measure == "test accuracy", verdict_text(row)
