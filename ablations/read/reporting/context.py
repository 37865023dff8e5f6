"""What a report section gets: the matrix, its stored records and a tidy frame of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd


@dataclass
class ReportContext:
    matrix: Any  # ablations.describe.spec.Matrix
    profile: str
    records: list[dict[str, Any]]  # stored records of this profile's trials (finished or not)
    frame: pd.DataFrame  # one row per trial of the profile, see results.trial_frame
    axes: list[str]  # the profile's axis names, in file order
    out_dir: Path  # reports/
    figure_dir: Path  # reports/<matrix>/
    runs_dir: Path | None = None  # the result store, for sections that read more than records

    def save_figure(self, fig: Any, name: str) -> str:
        """Save a matplotlib figure reproducibly; return its path relative to ``out_dir``."""
        import matplotlib.pyplot as plt

        self.figure_dir.mkdir(parents=True, exist_ok=True)
        path = self.figure_dir / f"{name}.png"
        # No creation time or software version in the PNG: same results, same bytes.
        fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        return path.relative_to(self.out_dir).as_posix()


Section = Callable[[ReportContext], str]
