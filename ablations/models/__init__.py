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
    },
)

__all__ = ["MODELS", "ModelFamily"]
