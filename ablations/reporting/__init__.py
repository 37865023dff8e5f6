"""Reports: markdown pages and figures generated from stored results only.

Scoring is separate from running (as in AlgoPerf): nothing here trains or imports Keras.
A matrix's page is the generic cell table plus the sections its file names in
``report_sections``; ``SECTIONS`` is the registry of those.
"""

from __future__ import annotations

from ablations.registry import Registry
from ablations.reporting.context import ReportContext, Section

SECTIONS: Registry[Section] = Registry(
    "report section",
    {
        "learning_curves": "ablations.reporting.sections:learning_curves",
        "search_strategies": "ablations.search.report:search_strategies",
    },
)

__all__ = ["SECTIONS", "ReportContext", "Section"]
