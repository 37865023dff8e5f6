"""The published-baselines section: each published number this matrix reproduces, beside the
measured mean, with a miss beyond its tolerance flagged."""

from __future__ import annotations

import pandas as pd

from ablations.read.claims.published import published_rows, published_table
from ablations.read.reporting.context import ReportContext
from ablations.read.reporting.tables import markdown_table

HEADING = "## Published baselines"
EXPLAINED = (
    "Each published number (quoted from its source: context, not measured here) beside the mean "
    "this run measured in the cells that follow its recipe, with its 95 % interval over seeds. A "
    "mean further from the published number than the tolerance is flagged **missed**: then the "
    "harness, the recipe or the published number needs a look before the other pages are trusted."
)


def published_baselines(ctx: ReportContext) -> str:
    rows = published_rows({ctx.matrix.name: ctx.records}, matrix=ctx.matrix.name)
    if not rows:
        return f"{HEADING}\n\nNo published result names this matrix.\n"
    return "\n".join([f"{HEADING}\n", EXPLAINED + "\n", markdown_table(pd.DataFrame(published_table(rows))) + "\n"])
