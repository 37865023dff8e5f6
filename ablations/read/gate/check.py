"""``ablations check``: fresh results against a baseline, per cell and metric (the regression gate).

The entry points the CLI calls: :func:`check` wires the reading (:mod:`.baseline` for the stored
results, :mod:`.pairs` for what to compare), the rules (:mod:`.decide`) and the test
(:mod:`.significance`) into an :class:`~ablations.read.gate.outcome.Outcome`; :func:`render` and
:func:`junit_xml` write it (:mod:`.output`). The rules themselves are documented in :mod:`.decide`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ablations.read.gate.baseline import Baseline, Current, current_results, merge_provenance, provenance_differences
from ablations.read.gate.cells import cell_pairs
from ablations.read.gate.decide import MIN_SEEDS, compare_cell, decision_notes, matrix_row
from ablations.read.gate.outcome import Outcome
from ablations.read.gate.output import junit_suite, summary_lines, table_lines, totals_line
from ablations.read.gate.significance import ALPHA, Pending, holm_decide


class GateError(ValueError):
    """Nothing to compare (an empty store, another profile's results): exit 2, never a pass."""


def check(
    matrices: list[Any],
    profile: str,
    runs_dir: Path,
    baseline: Baseline,
    *,
    only: bool,
    min_seeds: int = MIN_SEEDS,
    alpha: float = ALPHA,
) -> Outcome:
    """The gate's rows for ``matrices`` (and the baseline's other matrices unless ``only``).

    Raises GateError when the baseline is of another profile or the store holds no result of
    this profile for these matrices.
    """
    if baseline.profile != profile:
        raise GateError(
            f"the baseline is of profile {baseline.profile!r}, the check of {profile!r}; "
            f"pass --profile {baseline.profile} or the {profile} baseline"
        )
    by_name = {m.name: m for m in matrices}
    names = list(by_name) + ([] if only else sorted(set(baseline.matrices) - set(by_name)))
    current: dict[str, Current] = {name: current_results(m, profile, runs_dir) for name, m in by_name.items()}
    if not any(c.stored for c in current.values()):
        held = sorted(p.name for p in Path(runs_dir).iterdir() if p.is_dir()) if Path(runs_dir).is_dir() else []
        raise GateError(
            f"{runs_dir}: no stored result of profile {profile!r} for {', '.join(by_name) or 'any matrix'}"
            + (f" (it holds results of: {', '.join(held)}, none of this profile's trials)" if held else " (empty)")
            + f"; run `ablations run --profile {profile} --runs-dir {runs_dir}` first"
        )
    outcome = Outcome(profile, [], baseline_provenance=baseline.provenance)
    pending: list[Pending] = []
    compared: list[dict[str, list[Any]]] = []
    for name in names:
        matrix = by_name.get(name)
        row = matrix_row(name, matrix, baseline)
        if row is not None:
            outcome.rows.append(row)
            continue
        compared.append(current[name].provenance)
        for base, new in cell_pairs(baseline.matrices[name], current[name].cells):
            outcome.rows.extend(compare_cell(name, matrix, baseline, base, new, pending, min_seeds))
    holm_decide(pending, alpha)
    outcome.current_provenance = merge_provenance(compared)
    outcome.notes.extend(decision_notes(outcome.rows, len(pending), min_seeds, alpha))
    differences = provenance_differences(baseline.provenance, outcome.current_provenance)
    if differences:
        outcome.warnings.append(
            "the environment differs from the baseline's (results may move for that reason): " + "; ".join(differences)
        )
    return outcome


def render(outcome: Outcome, *, show_all: bool = False) -> str:
    """Summary first (verdict, each failure and why, notes, warnings), then the table, then totals."""
    shown = [r for r in outcome.rows if show_all or r.mark]
    return "\n".join([*summary_lines(outcome), "", *table_lines(shown), totals_line(outcome.rows)])


def junit_xml(outcome: Outcome) -> str:
    """One test case per comparison; a regression is a ``<failure>``, not comparable is skipped."""
    from xml.etree import ElementTree as ET

    root = ET.Element("testsuites")
    root.append(junit_suite(outcome))
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
