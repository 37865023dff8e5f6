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
        "course_findings": "ablations.reporting.course:findings",
        "deep_mlp_findings": "ablations.reporting.deep_mlp:findings",
        "deep_mlp_gradient_norms": "ablations.reporting.deep_mlp:gradient_norms",
        "deep_mlp_gradient_ratios": "ablations.reporting.deep_mlp:gradient_ratios",
        "deep_mlp_accuracy_heatmaps": "ablations.reporting.deep_mlp:accuracy_heatmaps",
        "deep_mlp_learning_curves": "ablations.reporting.deep_mlp:deep_learning_curves",
        "deep_mlp_activations": "ablations.reporting.deep_mlp:activation_stats",
        "deep_mlp_baselines": "ablations.reporting.deep_mlp:mnist1d_baselines",
        "wide_deep_mse": "ablations.reporting.wide_deep:wide_deep_mse",
        "determinism": "ablations.reporting.determinism:determinism",
        "search_strategies": "ablations.reporting.search:search_strategies",
    },
)

__all__ = ["SECTIONS", "ReportContext", "Section"]
