"""How ``ablations check`` reads to a person and to CI: the text summary and table, JUnit XML.

Formatting only: the rows and their marks come decided. The JSON form is the outcome's own
``to_dict``.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from ablations.read import stats
from ablations.read.gate.outcome import MARKS, Outcome, Row


def _provenance_line(prov: dict[str, list[Any]]) -> str:
    keys = ("cpu", "cpu_count", "backend", "backend_version", "keras", "python", "git_commit")
    return "; ".join(f"{k} {', '.join(map(str, prov[k]))}" for k in keys if prov.get(k)) or "unknown"


def summary_lines(outcome: Outcome) -> list[str]:
    """The verdict, each failure and why, the marked rows that pass, notes, warnings, provenance."""
    failures = outcome.failures
    lines = [f"FAIL: {len(failures)} regression(s)" if failures else "OK: no regression"]
    lines += [f"  {r.mark} {r.matrix}: {r.cell}: {r.metric}: {r.message}" for r in failures]
    for r in outcome.rows:
        if r.mark in ("-", "~"):
            lines.append(f"  {r.mark} {r.matrix}: {r.cell}: {r.metric}: {r.message}")
    lines += [f"note: {n}" for n in outcome.notes]
    lines += [f"warning: {w}" for w in outcome.warnings]
    lines.append(f"baseline made on: {_provenance_line(outcome.baseline_provenance)}")
    lines.append(f"current run on:   {_provenance_line(outcome.current_provenance)}")
    return lines


def table_lines(shown: list[Row]) -> list[str]:
    """The table of ``shown`` and a blank line after it; nothing when no row is shown."""
    from tabulate import tabulate

    if not shown:
        return []
    table = [
        [
            r.mark,
            r.matrix,
            r.cell,
            r.metric,
            r.baseline,
            r.current,
            r.tolerance,
            "–" if r.p_value is None else stats.fmt_p(r.p_value),
            r.basis,
        ]
        for r in shown
    ]
    headers = ["", "matrix", "cell", "metric", "baseline", "current", "tolerance", "p (Holm)", "decided by"]
    return [tabulate(table, headers=headers, tablefmt="github", disable_numparse=True), ""]


def totals_line(rows: list[Row]) -> str:
    counts = {mark: sum(1 for r in rows if r.mark == mark) for mark in MARKS}
    summary = ", ".join(f"{counts[m]} {MARKS[m]} ({m or 'blank'})" for m in ("+", "!", "-", "~", "x", ""))
    return f"{len(rows)} comparisons: {summary}"


def junit_suite(outcome: Outcome) -> ET.Element:
    """One test case per comparison; a regression is a ``<failure>``, not comparable is skipped."""
    suite = ET.Element(
        "testsuite",
        name=f"ablations check [{outcome.profile}]",
        tests=str(len(outcome.rows)),
        failures=str(len(outcome.failures)),
        errors="0",
        skipped=str(sum(1 for r in outcome.rows if r.mark == "x")),
    )
    for row in outcome.rows:
        case = ET.SubElement(suite, "testcase", classname=f"ablations.{row.matrix}", name=f"{row.cell} :: {row.metric}")
        if row.regression:
            ET.SubElement(
                case, "failure", message=row.message, type=MARKS[row.mark]
            ).text = f"baseline {row.baseline}; current {row.current}; tolerance {row.tolerance}"
        elif row.mark == "x":
            ET.SubElement(case, "skipped", message=row.message)
        elif row.message:
            ET.SubElement(case, "system-out").text = row.message
    if outcome.warnings:
        ET.SubElement(suite, "system-err").text = "\n".join(outcome.warnings)
    return suite
