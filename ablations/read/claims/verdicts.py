"""One scorecard row per (claim, stratum): the runs it compares, its test, and the verdict.

The verdict is one of four words, each computed from the test:
*holds* (significant in the claimed direction), *does not hold* (significant the other way),
*not detected* (no significant difference; the row gives the smallest effect the run could have
detected) and *not testable* (the runs are missing, too few, or the claim does not apply to
them; the row gives the measured reason). p-values are Holm-corrected over a claim's rows.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ablations.describe.claims import CONDITIONS, MEASURES, Claim
from ablations.read.claims.measures import HIGHER_IS_BETTER, measure_label, task_higher_is_better, validation_key
from ablations.read.claims.records import finished, labels, outcome, seed
from ablations.read.stats import Comparison, compare, compare_shares, correction_family, holm_adjust, p_text

HOLDS, DOES_NOT_HOLD, NOT_DETECTED, NOT_TESTABLE = "holds", "does not hold", "not detected", "not testable"
VERDICTS = (HOLDS, DOES_NOT_HOLD, NOT_DETECTED, NOT_TESTABLE)
MIN_SEEDS = 2


@dataclass
class Row:
    """A scorecard row: the claim, the data it was tested on, and what the test found."""

    claim: Claim
    stratum: Mapping[str, Any]
    verdict: str
    reason: str = ""  # why not testable
    comparison: Comparison | None = None  # treatment against control: diff = treatment - control
    measure: str = ""  # the measure's label on these runs
    higher_is_better: bool = True  # the measure's direction on these runs
    n_control: int = 0
    n_treatment: int = 0

    @property
    def tested_on(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in self.stratum.items())
        return f"{self.claim.matrix}: {where}" if where else self.claim.matrix


def _matches(record: dict[str, Any], settings: Mapping[str, Any]) -> bool:
    have = labels(record)
    return all(k in have and have[k] == v for k, v in settings.items())


def _side(records: list[dict[str, Any]], stratum: Mapping[str, Any], axis: str, value: Any) -> list[dict[str, Any]]:
    return [r for r in records if _matches(r, {**stratum, axis: value})]


def _not_finished(side: list[dict[str, Any]]) -> str:
    counts = Counter(outcome(r) for r in side if not finished(r))
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))


def _window(runs: Iterable[dict[str, Any]]) -> int:
    lengths = [len((r.get("history") or {}).get(validation_key(r)) or []) for r in runs]
    return min(lengths, default=0)


def _expects_higher(claim: Claim, higher_is_better: bool) -> bool:
    if claim.expect in ("higher", "lower"):
        return claim.expect == "higher"
    return (claim.expect == "better") == higher_is_better


def _untestable(claim: Claim, stratum: Mapping[str, Any], reason: str) -> Row:
    return Row(claim, stratum, NOT_TESTABLE, reason=reason)


def test_row(claim: Claim, stratum: Mapping[str, Any], records: list[dict[str, Any]]) -> Row:
    """The row's test before the Holm correction over the claim's rows."""
    control_all = _side(records, stratum, claim.axis, claim.control)
    treatment_all = _side(records, stratum, claim.axis, claim.treatment)
    for value, side in ((claim.control, control_all), (claim.treatment, treatment_all)):
        if not side:
            return _untestable(claim, stratum, f"this run has no {claim.matrix} trials with {claim.axis} = {value!r}")
    control, treatment = [r for r in control_all if finished(r)], [r for r in treatment_all if finished(r)]
    if claim.condition is not None:
        reason = CONDITIONS.get(claim.condition)(stratum, control, treatment)
        if reason is not None:
            return _untestable(claim, stratum, reason)
    if claim.test == "fisher":
        return _share_row(claim, stratum, control_all, treatment_all)
    measure: Callable[[dict[str, Any], int], float] = MEASURES.get(claim.measure)
    window = _window([*control, *treatment])
    sides = []
    for runs in (control, treatment):
        pairs = [(measure(r, window), seed(r)) for r in runs]
        sides.append([(v, s) for v, s in pairs if math.isfinite(v)])
    (c_pairs, t_pairs) = sides
    higher = HIGHER_IS_BETTER[claim.measure]
    if higher is None:
        higher = task_higher_is_better((control or treatment or control_all)[0])
    label = measure_label(claim.measure, (control or treatment or control_all)[0], window)
    row = Row(
        claim,
        stratum,
        NOT_TESTABLE,
        measure=label,
        higher_is_better=higher,
        n_control=len(c_pairs),
        n_treatment=len(t_pairs),
    )
    if len(c_pairs) < MIN_SEEDS or len(t_pairs) < MIN_SEEDS:
        parts = []
        for value, measured, side in ((claim.control, c_pairs, control_all), (claim.treatment, t_pairs, treatment_all)):
            missing = _not_finished(side)
            parts.append(
                f"{len(measured)} of {len(side)} {claim.axis} = {value!r} runs measured"
                + (f" ({missing})" if missing else "")
            )
        row.reason = f"under {MIN_SEEDS} a side: " + "; ".join(parts)
        return row
    row.verdict = NOT_DETECTED
    row.comparison = compare(
        [v for v, _ in c_pairs],
        [v for v, _ in t_pairs],
        seeds_a=[s for _, s in c_pairs],
        seeds_b=[s for _, s in t_pairs],
    )
    return row


def _share_row(
    claim: Claim, stratum: Mapping[str, Any], control_all: list[dict[str, Any]], treatment_all: list[dict[str, Any]]
) -> Row:
    """A row on a share of runs (the measure is 1 or 0 per run, NaN where it says nothing):
    every run counts, finished or not, since not finishing may be the outcome."""
    measure: Callable[[dict[str, Any], int], float] = MEASURES.get(claim.measure)
    counts = []
    for runs in (control_all, treatment_all):
        values = [v for v in (measure(r, 0) for r in runs) if math.isfinite(v)]
        counts.append((int(sum(values)), len(values)))
    (c_events, c_n), (t_events, t_n) = counts
    row = Row(
        claim,
        stratum,
        NOT_TESTABLE,
        measure=measure_label(claim.measure),
        higher_is_better=bool(HIGHER_IS_BETTER[claim.measure]),
        n_control=c_n,
        n_treatment=t_n,
    )
    if c_n < MIN_SEEDS or t_n < MIN_SEEDS:
        row.reason = (
            f"under {MIN_SEEDS} runs a side with an outcome: {c_n} of {len(control_all)} {claim.axis} = "
            f"{claim.control!r}, {t_n} of {len(treatment_all)} {claim.axis} = {claim.treatment!r}"
        )
        return row
    row.verdict = NOT_DETECTED
    row.comparison = compare_shares(c_events, c_n, t_events, t_n)
    return row


def decide(row: Row) -> Row:
    """The verdict of a tested row from its (corrected) test."""
    c = row.comparison
    if c is None or c.p is None:
        if row.verdict != NOT_TESTABLE:
            row.verdict, row.reason = NOT_TESTABLE, "no test possible on these runs"
        return row
    if not c.significant():
        row.verdict = NOT_DETECTED
    elif (c.diff > 0) == _expects_higher(row.claim, row.higher_is_better):
        row.verdict = HOLDS
    else:
        row.verdict = DOES_NOT_HOLD
    return row


def claim_rows(claim: Claim, records: list[dict[str, Any]]) -> list[Row]:
    """Every stratum of ``claim`` tested on ``records``, Holm-corrected over the claim's tests
    (less the rows on counts that could never be significant: no run diverged on either side)."""
    rows = [test_row(claim, stratum, records) for stratum in claim.strata]
    tested = [r for r in rows if r.comparison is not None]
    family = correction_family([r.comparison for r in tested if r.comparison])
    tested = [r for r, keep in zip(tested, family, strict=True) if keep]
    for row, corrected in zip(tested, holm_adjust([r.comparison for r in tested if r.comparison]), strict=True):
        row.comparison = corrected
    return [decide(r) for r in rows]


def scorecard(claims: Iterable[Claim], records_of: Mapping[str, list[dict[str, Any]]]) -> list[Row]:
    """The rows of ``claims`` whose matrix has records in ``records_of`` (matrix -> records)."""
    rows: list[Row] = []
    for claim in claims:
        if claim.matrix in records_of:
            rows.extend(claim_rows(claim, records_of[claim.matrix]))
    return rows


def effect_text(row: Row) -> str:
    """``+0.012 [+0.004, +0.020]``: treatment minus control, with its 95 % interval."""
    c = row.comparison
    if c is None:
        return "–"
    return f"{c.diff:+.3g} [{c.low:+.3g}, {c.high:+.3g}]"


def verdict_text(row: Row) -> str:
    """The verdict with what decided it: the test, or the smallest detectable effect, or the reason."""
    c = row.comparison
    if row.verdict == NOT_TESTABLE or c is None:
        return f"**{NOT_TESTABLE}**: {row.reason}"
    p = p_text(c.p_final) + (" Holm-corrected" if c.p_adjusted is not None else "")
    if c.test == "fisher" and c.p_adjusted is None:
        return f"**{NOT_DETECTED}** ({p}: these counts cannot reach p < 0.05, so no correction counts them)"
    if row.verdict == NOT_DETECTED:
        floor = "smallest significant difference" if c.test == "fisher" else "smallest detectable effect"
        return f"**{NOT_DETECTED}** ({p}; {floor} {c.mde:.3g})"
    size = "h" if c.test == "fisher" else "g"
    return f"**{row.verdict}** ({p}, {size} = {c.g:.2g})"


def n_text(row: Row) -> str:
    c = row.comparison
    if c is not None and c.test == "paired":
        return f"{c.n_a} paired seeds"
    if c is not None and c.test == "fisher":
        return f"{round(c.mean_b * c.n_b)} of {c.n_b} vs {round(c.mean_a * c.n_a)} of {c.n_a}"
    if row.n_treatment == row.n_control == 0:
        return "–"
    return f"{row.n_treatment} vs {row.n_control}"
