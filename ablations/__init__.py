"""keras-ablations: declarative, reproducible ablation matrices for Keras 3.

The Python API for analysing stored results is small:

- :func:`load_results` ``(matrix, profile="default", runs_dir="runs")``: the stored results
  of a matrix profile as one tidy pandas DataFrame, one row per trial (the frame the reports
  use, plus every setting and the final validation metrics);
- :func:`load_trial_model` ``(record, runs_dir)``: a stored trial's model with its best
  weights, rebuilt from the record's settings (the checkpoint is loaded only from inside the
  runs directory);
- :data:`SCHEMA_VERSION`: the version of the stored result records.

Running matrices is the ``ablations`` command's job (``ablations run``, ``report``,
``export``). Importing the package imports neither Keras nor pandas: the Keras backend is
chosen per worker process through ``KERAS_BACKEND`` before Keras is first imported (the
CLI's ``main`` sets it, and each executor's workers inherit it), and ``load_results`` imports
pandas when first used.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from ablations.describe.version import SCHEMA_VERSION, __version__

# TensorFlow's C++ logging floods every worker's stderr; level 3 is needed once op determinism is
# on. Set before TensorFlow is imported anywhere; a user's explicit setting wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__all__ = ["SCHEMA_VERSION", "__version__", "load_results", "load_trial_model"]


# The public functions and where they live, imported on first use (as registry entries are), so
# ``import ablations`` stays cheap (no pandas) and the package root depends only on its version.
_LAZY = {"load_results": "ablations.read.api", "load_trial_model": "ablations.read.api"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ablations' has no attribute {name!r}")
