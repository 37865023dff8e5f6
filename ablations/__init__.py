"""keras-ablations: declarative, reproducible ablation matrices for Keras 3.

Importing the package does not import Keras: the backend is chosen per worker process through
``KERAS_BACKEND`` before Keras is first imported (see :mod:`ablations.backend`).
"""

from __future__ import annotations

import os

# TensorFlow's C++ logging floods every worker's stderr; level 3 is needed once op determinism is
# on. Set before TensorFlow is imported anywhere; a user's explicit setting wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__version__ = "0.1.0"
SCHEMA_VERSION = 1

__all__ = ["SCHEMA_VERSION", "__version__"]
