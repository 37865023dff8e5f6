"""Report section ``determinism``: what the last ``ablations verify`` of this profile found."""

from __future__ import annotations

from ablations.read.reporting.context import ReportContext
from ablations.read.reporting.tables import markdown_table
from ablations.run.untrusted import UntrustedFileError, read_json_data


def determinism(ctx: ReportContext) -> str:
    """Per backend: finished trials rerun in a fresh process, and how many matched bit for bit."""
    import pandas as pd

    from ablations.run.verify import verify_path

    command = f"`ablations verify {ctx.matrix.name} --profile {ctx.profile}`"
    head = "## Determinism\n\n"
    title = "## Determinism\n"
    if ctx.runs_dir is None:
        return head + f"_Not verified: no runs directory given. Run {command}._\n"
    try:
        outcome = read_json_data(verify_path(ctx.runs_dir, ctx.matrix.name, ctx.profile))
        backends, trials = dict(outcome["backends"]), list(outcome["trials"])
    except FileNotFoundError:
        return head + f"_Not verified yet. Run {command}._\n"
    except (UntrustedFileError, KeyError, TypeError, ValueError) as exc:
        return head + f"_The stored verification is unreadable ({exc}); rerun {command}._\n"
    rows = [
        {"backend": b, "rerun": c.get("checked"), "bit-identical": c.get("reproduced"), "not run": c.get("not_run")}
        for b, c in backends.items()
    ]
    lines = [
        title,
        f"{len(trials)} finished trials (sample seed {outcome.get('seed')}) were rerun in a fresh worker "
        f"process and compared exactly: {', '.join(outcome.get('compared', []))}.\n",
        markdown_table(pd.DataFrame(rows)) + "\n",
    ]
    for row in trials:
        if row.get("reproduced") is False:
            lines.append(f"- `{row['trial_id']}` {row['label']}: differs in {', '.join(row['differences'])}")
        elif row.get("not_run"):
            lines.append(f"- `{row['trial_id']}` {row['label']}: not rerun ({row['not_run']})")
    return "\n".join(lines).rstrip() + "\n"
