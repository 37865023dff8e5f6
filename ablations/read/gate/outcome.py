"""What ``ablations check`` found: one row per comparison, and the verdict they add up to.

The shared vocabulary of the gate's modules: the rules write rows, the tests mark them, the
outputs read them. The verdict and exit code follow from the marks alone (``!`` and ``+`` fail).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

MARKS = {
    "+": "worse",
    "-": "better",
    "!": "newly failing or missing",
    "~": "beyond tolerance, not significant",
    "x": "not comparable",
    "": "within tolerance",
}


@dataclass
class Row:
    mark: str
    matrix: str
    cell: str
    metric: str
    baseline: str
    current: str
    tolerance: str
    p_value: float | None
    message: str
    basis: str = ""  # "status", "test", "tolerance alone (n < 3)" or ""

    @property
    def regression(self) -> bool:
        return self.mark in ("!", "+")


@dataclass
class Outcome:
    profile: str
    rows: list[Row]
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    baseline_provenance: dict[str, list[Any]] = field(default_factory=dict)
    current_provenance: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def failures(self) -> list[Row]:
        return [r for r in self.rows if r.regression]

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": "fail" if self.failures else "ok",
            "exit_code": self.exit_code,
            "profile": self.profile,
            "failures": [asdict(r) for r in self.failures],
            "notes": self.notes,
            "warnings": self.warnings,
            "provenance": {"baseline": self.baseline_provenance, "current": self.current_provenance},
            "rows": [asdict(r) for r in self.rows],
        }
