"""Model families: one registry entry each (``MODELS``), imported lazily.

A family is a :class:`~ablations.models.base.ModelFamily`: its ``Params`` (pydantic, the
family's own settings, validated with the matrix) and a ``build`` function.
"""

from __future__ import annotations

from ablations.models.base import ModelFamily
from ablations.registry import Registry

MODELS: Registry[ModelFamily] = Registry(
    "model",
    {
        "mlp": "ablations.models.mlp:FAMILY",
        "wide": "ablations.models.wide_deep:WIDE",
        "deep": "ablations.models.wide_deep:DEEP",
        "wide_deep": "ablations.models.wide_deep:WIDE_DEEP",
        "wide_deep_subclass": "ablations.models.wide_deep:WIDE_DEEP_SUBCLASS",
        "wide_deep_multi_input": "ablations.models.wide_deep:WIDE_DEEP_MULTI_INPUT",
        "wide_deep_multi_output": "ablations.models.wide_deep:WIDE_DEEP_MULTI_OUTPUT",
        "wide_deep_crossed": "ablations.models.wide_deep:WIDE_DEEP_CROSSED",
    },
)

__all__ = ["MODELS", "ModelFamily"]
