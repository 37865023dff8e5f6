"""Write ``reports/<matrix>.md`` for each matrix; same results, byte-identical pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ablations.read.reporting.context import ReportContext
from ablations.read.reporting.provenance import provenance
from ablations.read.reporting.results import profile_records, trial_frame
from ablations.read.reporting.scorecard import page_claims
from ablations.read.reporting.tables import cell_summary, markdown_table, metric_columns


def build_context(matrix: Any, profile: str, runs_dir: Path, out_dir: Path) -> ReportContext:
    _, records = profile_records(matrix, profile, runs_dir)
    axes = list(matrix.profile(profile).axes)
    return ReportContext(
        matrix=matrix,
        profile=profile,
        records=records,
        frame=trial_frame(records, axes),
        axes=axes,
        out_dir=out_dir,
        figure_dir=out_dir / matrix.name,
        runs_dir=runs_dir,
    )


# A section's block under this heading opens the page, before the cell table: the verdicts a
# reader came for, generated from the run's numbers (ablations.read.stats).
FINDINGS_HEADING = "## What this run shows"


def _blocks(text: str) -> list[str]:
    """A section's text cut at its level-2 headings, so each ``## `` block can be placed."""
    blocks: list[list[str]] = []
    for line in text.splitlines(keepends=True):
        if line.startswith("## ") or not blocks:
            blocks.append([])
        blocks[-1].append(line)
    return ["".join(b).rstrip("\n") + "\n" for b in blocks if "".join(b).strip()]


def render_page(ctx: ReportContext) -> str:
    """The matrix's page: title, status, its lessons' scorecard rows, findings, the cell table, the other sections, provenance."""
    from ablations.describe.sections import SECTIONS

    matrix = ctx.matrix
    frame = ctx.frame
    metrics = metric_columns(frame)
    opening: list[str] = []
    body: list[str] = []
    for name in getattr(matrix.spec, "report_sections", []):
        for block in _blocks(SECTIONS.get(name)(ctx)):
            (opening if block.startswith(FINDINGS_HEADING) else body).append(block)
    parts = [
        f"# {matrix.name}\n",
        f"{matrix.spec.description.strip()}\n" if matrix.spec.description else "",
        f"Profile `{ctx.profile}`: {frame['cell_id'].nunique()} cells x "
        f"{len(matrix.profile(ctx.profile).seeds)} seeds = {len(frame)} trials. "
        f"Status: {', '.join(f'{n} {s}' for s, n in sorted(frame['status'].value_counts().items()))}.\n",
        page_claims(matrix.name, ctx.records),
        *opening,
        "## Test metrics per cell\n",
        "Mean ± standard deviation over the seeds that finished (`ok`); other outcomes are "
        "counted under *problems*, never dropped.\n",
        markdown_table(cell_summary(frame, ctx.axes, metrics)) + "\n",
        *body,
        provenance(ctx.profile, ctx.records),
    ]
    return "\n".join(p for p in parts if p).rstrip() + "\n"


def write_matrix_report(matrix: Any, profile: str, runs_dir: Path, out_dir: Path) -> Path:
    ctx = build_context(matrix, profile, runs_dir, out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{matrix.name}.md"
    path.write_text(render_page(ctx), encoding="utf-8")
    return path
