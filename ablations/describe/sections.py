"""Report sections a matrix's ``report_sections`` may name: one registry entry each.

A section is a function ``ReportContext -> markdown`` (:mod:`ablations.read.reporting`),
imported when a page is written; the parser checks only the names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ablations.describe.registry import Registry

# ablations.read.reporting.context.Section: not imported, so describing a run never imports pandas.
Section = Callable[[Any], str]

SECTIONS: Registry[Section] = Registry(
    "report section",
    {
        "learning_curves": "ablations.read.reporting.sections:learning_curves",
        "course_findings": "ablations.read.reporting.course:findings",
        "deep_mlp_findings": "ablations.read.reporting.deep_mlp.findings:findings",
        "deep_mlp_gradient_norms": "ablations.read.reporting.deep_mlp.gradients:gradient_norms",
        "deep_mlp_gradient_ratios": "ablations.read.reporting.deep_mlp.gradients:gradient_ratios",
        "deep_mlp_accuracy_heatmaps": "ablations.read.reporting.deep_mlp.curves:accuracy_heatmaps",
        "deep_mlp_learning_curves": "ablations.read.reporting.deep_mlp.curves:deep_learning_curves",
        "deep_mlp_activations": "ablations.read.reporting.deep_mlp.activations:activation_stats",
        "deep_mlp_baselines": "ablations.read.reporting.deep_mlp.baselines:mnist1d_baselines",
        "deep_mlp_training_length": "ablations.read.reporting.deep_mlp.plateau:training_length",
        "wide_deep_mse": "ablations.read.reporting.wide_deep:wide_deep_mse",
        "dropout_overfitting": "ablations.read.reporting.dropout:overfitting",
        "published_baselines": "ablations.read.reporting.published:published_baselines",
        "determinism": "ablations.read.reporting.determinism:determinism",
        "search_strategies": "ablations.read.reporting.search:search_strategies",
    },
)
