"""The lesson scorecard: one row per claim and the data it was tested on, at the top of
``reports/README.md``, and each matrix page's own rows at the top of that page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ablations.describe.claims import TESTS, claims_in_order
from ablations.read.claims.measures import measure_label
from ablations.read.claims.published import MISSED, published_rows, published_table
from ablations.read.claims.verdicts import Row, effect_text, n_text, scorecard, verdict_text
from ablations.read.reporting.tables import markdown_table

SCORECARD_HEADING = "## Lesson scorecard"
PAGE_HEADING = "## Lessons this page tests"
PUBLISHED_HEADING = "### Published results, reproduced"

HOW_TO_READ = (
    "Each row tests one of the course's lessons on the cells named under *tested on*: the "
    "*treatment* against the *control* (they differ in that one setting), on the measure named, "
    "with a {test}. *Effect* is treatment minus control with its 95 % interval. **holds**: a "
    "significant difference the way the lesson says; **does not hold**: a significant "
    "difference the other way; **not detected**: no significant difference, and the smallest "
    "effect this run could have detected (80 % power); **not testable**: the reason, measured "
    "on this run. Rows on a share of runs (*share of runs that diverged*) count every run that "
    "ended, finished or diverged, and use {fisher}: their effect is the difference in shares "
    "(Newcombe's interval), their size Cohen's h, and *not detected* gives the smallest "
    "difference the counts could make significant. Every word of a verdict is computed from the "
    "stored records."
)


def rows_table(rows: Iterable[Row], *, link: bool) -> str:
    table = []
    for row in rows:
        claim = row.claim
        lesson = f"[{claim.claim}]({claim.matrix}.md#{claim.section})" if link else claim.claim
        table.append(
            {
                "lesson": lesson,
                "tested on": row.tested_on,
                "treatment vs control": f"{claim.axis} = {claim.treatment!r} vs {claim.control!r}",
                "measure": row.measure or measure_label(claim.measure),
                "verdict": verdict_text(row),
                "effect [95% CI]": effect_text(row),
                "n": n_text(row),
            }
        )
    return markdown_table(pd.DataFrame(table))


def scorecard_section(records_of: Mapping[str, list[dict[str, Any]]]) -> str:
    """The scorecard of every registered claim whose matrix was reported."""
    rows = scorecard(claims_in_order(), records_of)
    published = published_rows(records_of)
    if not rows and not published:
        return ""
    counts = pd.Series([r.verdict for r in rows]).value_counts()
    tally = ", ".join(f"{n} {verdict}" for verdict, n in counts.items())
    parts = [
        SCORECARD_HEADING + "\n",
        HOW_TO_READ.format(test=TESTS["t"], fisher=TESTS["fisher"]) + "\n",
        f"{len(rows)} rows: {tally}.\n",
        rows_table(rows, link=True) + "\n",
    ]
    if published:
        missed = sum(r.verdict == MISSED for r in published)
        parts += [
            PUBLISHED_HEADING + "\n",
            f"Can the harness reproduce a published number at all? {len(published)} published results, "
            f"{missed} missed by more than their tolerance"
            + (" (flagged below)" if missed else "")
            + "; see [baselines](baselines.md#published-baselines) for the recipe.\n",
            markdown_table(pd.DataFrame(published_table(published))) + "\n",
        ]
    return "\n".join(parts)


def page_claims(matrix_name: str, records: list[dict[str, Any]]) -> str:
    """A matrix page's own rows of the scorecard ('' when no claim uses the matrix)."""
    claims = [c for c in claims_in_order() if c.matrix == matrix_name]
    if not claims:
        return ""
    rows = scorecard(claims, {matrix_name: records})
    return "\n".join(
        [
            PAGE_HEADING + "\n",
            "The rows of the [lesson scorecard](README.md#lesson-scorecard) this page's runs test; "
            "the sections below give the detail.\n",
            rows_table(rows, link=False) + "\n",
        ]
    )
