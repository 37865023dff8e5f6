"""The package's public Python API: what a researcher calls from a notebook.

Imported lazily by ``ablations/__init__.py``, so ``import ablations`` stays cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ablations.describe.matrix_files import find_matrix
from ablations.run.checkpoints import load_trial_model

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["load_results", "load_trial_model"]


def load_results(matrix: Any, profile: str = "default", runs_dir: str | Path = "runs") -> pd.DataFrame:
    """The stored results of a matrix profile as one tidy frame: one row per trial.

    Args:
        matrix: a shipped matrix's name, a ``.toml`` path, or a loaded :class:`ablations.describe.spec.Matrix`.
        profile: the profile whose trials are rows (``default``, ``smoke``, ...).
        runs_dir: the result store ``ablations run`` wrote to.

    Columns: ``trial_id``, ``cell_id``, ``seed``, the cell's labels and every other setting,
    ``status`` and ``reason`` (a trial not finished is a row with status ``missing``,
    ``running`` or ``killed``), ``test_<metric>``, ``final_val_<metric>`` (the last epoch's
    validation value), ``best_epoch``, ``epochs_run``, and timing in seconds (``wall_s``,
    ``setup_s``, ``first_epoch_s``, ``steady_epoch_s``, ``fit_s``, ``evaluation_s``, ``total_s``).
    A search matrix has one row per search: the trial it selected. Raises MatrixError
    for a bad matrix or profile. Plugins named in ``ABLATIONS_PLUGINS`` are loaded first.
    """
    from ablations.describe.plugins import load_plugins
    from ablations.read.reporting.results import results_frame

    load_plugins()  # a matrix may name a plugin's data set or model, as on the command line
    if isinstance(matrix, (str, Path)):
        matrix = find_matrix(str(matrix))
    return results_frame(matrix, profile, Path(runs_dir))
