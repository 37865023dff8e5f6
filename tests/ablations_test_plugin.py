"""A plugin for the robustness tests (``ABLATIONS_PLUGINS=ablations_test_plugin``).

It adds a model family that fails on purpose, so a matrix file can make a trial fail
deterministically in a subprocess.
"""

from __future__ import annotations

from ablations.describe.model_family import MODELS, ModelFamily


class ExplodeFamily(ModelFamily):
    name = "explode"

    def build(self, core, params, splits):
        raise RuntimeError("explode model: failing on purpose")


MODELS.register("explode", ExplodeFamily())
