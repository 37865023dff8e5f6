"""The accuracy tests under the findings: the chapter's pairs of cells, tested over seeds."""

from __future__ import annotations

import pandas as pd

from ablations.read.stats import compare, holm_adjust, wording

# (a, b): dropout 0 unless named; the pairs the chapter asks about, at the deepest depth.
ACCURACY_PAIRS = (
    (("sigmoid", "none", 0.0), ("sigmoid", "before", 0.0), "batch norm before the activation"),
    (("sigmoid", "none", 0.0), ("sigmoid", "after", 0.0), "batch norm after the activation"),
    (("relu", "none", 0.0), ("selu", "none", 0.0), "SELU instead of ReLU"),
    (("relu", "none", 0.0), ("relu", "none", 0.2), "dropout 0.2 on the last two layers (ReLU)"),
    (("selu", "none", 0.0), ("selu", "none", 0.2), "alpha dropout 0.2 on the last two layers (SELU)"),
)


def accuracy_tests(trials: pd.DataFrame) -> str:
    """Test accuracy of the chapter's pairs at the deepest depth, with :mod:`ablations.read.stats`.

    Cells differing in one setting ran the same seeds (same initialization draw and data order),
    so each pair is a paired t-test over seeds (Welch's where the finished seeds differ),
    Holm-corrected over the pairs present on the page.
    """
    if trials.empty or trials["accuracy"].isna().all():
        return ""
    deepest = int(trials["depth"].max())
    deep = trials[trials["depth"] == deepest]

    def side(key: tuple[str, str, float]) -> tuple[list[float], list[int]]:
        activation, batch_norm, dropout = key
        rows = deep[
            (deep["activation"] == activation)
            & (deep["batch_norm"] == batch_norm)
            & (deep["dropout"].astype(float) == dropout)
        ].dropna(subset=["accuracy"])
        return rows["accuracy"].astype(float).tolist(), rows["seed"].astype(int).tolist()

    present = []
    for a, b, name in ACCURACY_PAIRS:
        (va, sa), (vb, sb) = side(a), side(b)
        if va and vb:
            present.append((a, b, name, compare(va, vb, seeds_a=sa, seeds_b=sb)))
    if not present:
        return ""
    tested = holm_adjust([c for *_, c in present])

    def label(key: tuple[str, str, float]) -> str:
        activation, batch_norm, dropout = key
        parts = (
            [activation]
            + ([f"BN {batch_norm}"] if batch_norm != "none" else [])
            + ([f"dropout {dropout:g}"] if dropout else [])
        )
        return "`" + ", ".join(parts) + "`"

    lines = [
        f"Test accuracy at depth {deepest}, tested (paired t-test over seeds, two-sided, 0.05 level, "
        f"Holm over {len(present)} pairs):\n"
    ]
    for (a, b, name, _), c in zip(present, tested, strict=True):
        lines.append(f"- {name}: {wording(label(a), label(b), c, higher_is_better=True)}.")
    return "\n".join(lines) + "\n"
