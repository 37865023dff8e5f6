"""A plugin for the executor tests: a model family whose build kills its worker process."""

from __future__ import annotations

import os

from ablations.describe.model_family import MODELS
from ablations.run.models.mlp import MLPFamily


class CrashFamily(MLPFamily):
    name = "crash"

    def build(self, core, params, splits):
        os._exit(3)  # what a segfault or the OOM killer looks like to the pool


MODELS.register("crash", CrashFamily())
