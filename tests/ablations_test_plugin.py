"""A plugin for the robustness tests (``ABLATIONS_PLUGINS=ablations_test_plugin``).

It adds two model families that fail on purpose, so a matrix file can make a trial fail
deterministically in a subprocess: ``explode`` raises while building, ``stall`` sleeps while
building (outside ``fit``, where only the hard time limit can stop it).
"""

from __future__ import annotations

import time

from pydantic import BaseModel, ConfigDict, Field

from ablations.models import MODELS, ModelFamily


class ExplodeFamily(ModelFamily):
    name = "explode"

    def build(self, core, params, splits):
        raise RuntimeError("explode model: failing on purpose")


class StallParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    stall_s: float = Field(60.0, ge=0)


class StallFamily(ModelFamily):
    name = "stall"
    Params = StallParams

    def build(self, core, params: StallParams, splits):
        time.sleep(params.stall_s)
        raise RuntimeError("stall model: woke up, which the hard time limit should prevent")


MODELS.register("explode", ExplodeFamily())
MODELS.register("stall", StallFamily())
