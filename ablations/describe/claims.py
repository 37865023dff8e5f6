"""The course's claims as data: what each says, which cells of which shipped matrix test it,
on what measure, with which test, which way, and when the claim applies at all.

A claim compares two values of one setting (``axis``: ``treatment`` against ``control``) in
cells that share the settings of a ``stratum``; each stratum is one row of the scorecard. The
measure, the condition and the test are names: their implementations live in the reading
layer (:mod:`ablations.read.claims`), imported when a scorecard is written, so describing a
claim imports nothing of pandas or Keras. Verdicts are never written here: the scorecard
computes every word of them from the stored records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ablations.describe.registry import Registry

# "better" and "worse" follow the measure's own direction (accuracy up, error down).
Expect = Literal["higher", "lower", "better", "worse"]


@dataclass(frozen=True)
class Claim:
    """One lesson of the course, stated so that a run can test it."""

    key: str
    claim: str  # the lesson in one sentence
    matrix: str  # the shipped matrix whose cells test it
    axis: str  # the setting the compared cells differ in
    treatment: Any  # the value the claim is about
    control: Any  # the value it is compared with
    measure: str  # a name in MEASURES: one number per finished trial (or search)
    expect: Expect  # the claim holds when the treatment's measure is this, against the control's
    strata: tuple[Mapping[str, Any], ...]  # settings the compared cells share; one scorecard row each
    condition: str | None = None  # a name in CONDITIONS: when the claim applies (else "not testable")
    test: str = "t"  # a name in TESTS: "t" on the measure per run, "fisher" on a share of runs
    section: str = "what-this-run-shows"  # the anchor of the page section with the detail


# What the names refer to; the claims' parser-free check below asks these.
MEASURES: Registry[Any] = Registry(
    "claim measure",
    {
        name: f"ablations.read.claims.measures:{name}"
        for name in (
            "test_accuracy",
            "test_mse",
            "test_score",
            "early_validation",
            "early_gain",
            "epochs_run",
            "gradient_ratio_at_init",
            "train_validation_gap",
            "search_best",
            "search_wall_s",
            "diverged",
        )
    },
)
CONDITIONS: Registry[Any] = Registry(
    "claim condition",
    {
        name: f"ablations.read.claims.conditions:{name}"
        for name in ("features_differ_in_range", "control_overfits", "control_runs_in_parallel")
    },
)
TESTS = {
    "t": "paired t-test over seeds (Welch's where the finished seeds differ), two-sided, Holm over the claim's rows",
    "fisher": (
        "Fisher's exact test on the counts of runs, two-sided, Holm over the claim's rows whose "
        "counts could reach significance (Tarone 1990: not those where no run diverged on either side)"
    ),
}

COURSE_STRATA_CLASSIFICATION = ({"dataset": "digits"}, {"dataset": "mnist1d"})
# Where the features differ in range (the claim's condition measures it) and where they do not.
COURSE_NORMALIZATION_STRATA = (
    {"dataset": "california_housing", "loss": "absolute_error"},
    {"dataset": "california_housing", "loss": "squared_error"},
    {"dataset": "breast_cancer", "loss": "cross_entropy"},
    {"dataset": "wine", "loss": "cross_entropy"},
    {"dataset": "digits", "loss": "cross_entropy"},
    {"dataset": "mnist1d", "loss": "cross_entropy"},
)


def _course_claims() -> list[Claim]:
    return [
        Claim(
            key="normalization_speeds_training",
            claim="Normalizing the inputs speeds up training where features differ in range.",
            matrix="course",
            axis="normalization",
            treatment="zscore",
            control="none",
            measure="early_validation",
            expect="better",
            strata=COURSE_NORMALIZATION_STRATA,
            condition="features_differ_in_range",
        ),
        Claim(
            key="normalization_prevents_divergence",
            claim="Normalizing the inputs keeps gradient descent from diverging where features differ in range.",
            matrix="course",
            axis="normalization",
            treatment="zscore",
            control="none",
            measure="diverged",
            expect="lower",
            strata=COURSE_NORMALIZATION_STRATA[:4],
            condition="features_differ_in_range",
            test="fisher",
        ),
        Claim(
            key="cross_entropy_for_classification",
            claim="Cross-entropy trains a better classifier than squared error on one-hot targets.",
            matrix="course",
            axis="loss",
            treatment="cross_entropy",
            control="squared_error",
            measure="test_accuracy",
            expect="higher",
            strata=tuple({**s, "normalization": "zscore"} for s in COURSE_STRATA_CLASSIFICATION),
        ),
        Claim(
            key="early_stopping_saves_epochs",
            claim="Early stopping saves training epochs.",
            matrix="course",
            axis="early_stopping_patience",
            treatment=5,
            control=None,
            measure="epochs_run",
            expect="lower",
            strata=({"dataset": "digits", "loss": "cross_entropy", "normalization": "zscore"},),
        ),
    ]


DEEP = {"depth": 20, "batch_norm": "none", "dropout": 0.0}


def _deep_claims() -> list[Claim]:
    return [
        Claim(
            key="sigmoid_gradients_vanish",
            claim="In a deep sigmoid net the first layers' gradients vanish: far smaller than the last layer's.",
            matrix="deep_mlp",
            axis="activation",
            treatment="sigmoid",
            control="relu",
            measure="gradient_ratio_at_init",
            expect="lower",
            strata=(DEEP,),
            section="first--last-layer-gradient-ratio",
        ),
        Claim(
            key="deep_curves_start_flat",
            claim="A deep net's learning curve starts flat: it gains less in its first epochs than a shallow one.",
            matrix="deep_mlp",
            axis="depth",
            treatment=20,
            control=2,
            measure="early_gain",
            expect="lower",
            strata=({"activation": "relu", "batch_norm": "none", "dropout": 0.0},),
            section="learning-curves-of-the-deepest-networks",
        ),
        Claim(
            key="batch_norm_eases_vanishing_gradients",
            claim="Batch normalization eases vanishing gradients in a deep sigmoid net.",
            matrix="deep_mlp",
            axis="batch_norm",
            treatment="before",
            control="none",
            measure="gradient_ratio_at_init",
            expect="higher",
            strata=({"depth": 20, "activation": "sigmoid", "dropout": 0.0},),
            section="first--last-layer-gradient-ratio",
        ),
        Claim(
            key="batch_norm_trains_deep_nets",
            claim="Batch normalization lets a deep net train to a better model.",
            matrix="deep_mlp",
            axis="batch_norm",
            treatment="before",
            control="none",
            measure="test_accuracy",
            expect="higher",
            strata=(
                {"depth": 20, "activation": "sigmoid", "dropout": 0.0},
                {"depth": 20, "activation": "relu", "dropout": 0.0},
            ),
        ),
        Claim(
            key="selu_trains_deep_nets",
            claim="SELU trains a deep net without batch normalization better than ReLU does.",
            matrix="deep_mlp",
            axis="activation",
            treatment="selu",
            control="relu",
            measure="test_accuracy",
            expect="higher",
            strata=(DEEP,),
        ),
    ]


def _dropout_claims() -> list[Claim]:
    return [
        Claim(
            key="dropout_reduces_overfitting",
            claim="Dropout reduces overfitting: a smaller gap between training and validation accuracy.",
            matrix="dropout",
            axis="dropout",
            treatment=0.5,
            control=0.0,
            measure="train_validation_gap",
            expect="lower",
            strata=({"dropout_layers": 2},),
            condition="control_overfits",
            section="overfitting",
        ),
        Claim(
            key="dropout_improves_overfitting_nets",
            claim="Dropout gives a net that overfits a better model.",
            matrix="dropout",
            axis="dropout",
            treatment=0.5,
            control=0.0,
            measure="test_accuracy",
            expect="higher",
            strata=({"dropout_layers": 2},),
            condition="control_overfits",
            section="overfitting",
        ),
        Claim(
            key="dropout_on_last_layers",
            claim="Dropout belongs on the last layers: there it gives a better model than on every layer.",
            matrix="dropout",
            axis="dropout_layers",
            treatment=2,
            control="all",
            measure="test_accuracy",
            expect="higher",
            strata=({"dropout": 0.5},),
            section="overfitting",
        ),
    ]


def _wide_deep_claims() -> list[Claim]:
    return [
        Claim(
            key=f"wide_deep_beats_{alone}",
            claim=(
                f"Wide & Deep predicts better than the {alone} model alone: the course expects it on "
                "tabular data (California housing), not on images (digits)."
            ),
            matrix="wide_deep",
            axis="model",
            treatment="wide_deep",
            control=alone,
            measure="test_score",
            expect="better",
            strata=({"dataset": "california_housing"}, {"dataset": "digits"}),
            section="wide-vs-deep-vs-wide--deep",
        )
        for alone in ("deep", "wide")
    ]


def _search_claims() -> list[Claim]:
    claims = [
        Claim(
            key=f"{better}_beats_{worse}_search",
            claim=f"{label} finds better settings than {worse} search at equal budget.",
            matrix="search",
            axis="strategy",
            treatment=better,
            control=worse,
            measure="search_best",
            expect="lower",
            strata=({"dataset": "california_housing"},),
            section="search-strategies-at-equal-budget",
        )
        for better, worse, label in (
            ("random", "grid", "Random search"),
            ("genetic", "random", "A genetic search"),
            ("tpe", "random", "A model-based search (TPE)"),
        )
    ]
    claims.append(
        Claim(
            key="manual_loop_costs_time",
            claim="A manual loop over settings costs more wall time than a parallel search at equal budget.",
            matrix="search",
            axis="strategy",
            treatment="manual",
            control="sklearn_random",
            measure="search_wall_s",
            expect="higher",
            strata=({"dataset": "california_housing"},),
            condition="control_runs_in_parallel",
            section="search-strategies-at-equal-budget",
        )
    )
    return claims


CLAIMS: Registry[Claim] = Registry("claim", {})
# The scorecard's order: the course's order of lessons; claims a plugin registers come after.
_SHIPPED = (*_course_claims(), *_deep_claims(), *_dropout_claims(), *_wide_deep_claims(), *_search_claims())
ORDER = [c.key for c in _SHIPPED]
for _claim in _SHIPPED:
    CLAIMS.register(_claim.key, _claim)


def claims_in_order() -> list[Claim]:
    """Every registered claim, the shipped ones in the course's order first."""
    names = [n for n in ORDER if n in CLAIMS] + [n for n in CLAIMS.names() if n not in ORDER]
    return [CLAIMS.get(n) for n in names]
