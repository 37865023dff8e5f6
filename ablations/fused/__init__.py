"""Fused trials: train a group of same-program trials as one compiled JAX program.

Trials whose settings fix the same compiled program (architecture, data, batch size, epochs,
optimizer class...) differ only in values that can live in arrays: the seed (initial weights,
data order, dropout masks) and the learning rate (Keras keeps it as an optimizer variable).
Such a group trains as ``jax.jit(jax.vmap(epoch))`` over Keras' ``stateless_call`` and
``stateless_apply``, one slot per trial, with a ``lax.scan`` over each epoch's batches.

- :mod:`ablations.fused.groups`: which trials fuse, and the group key.
- :mod:`ablations.fused.engine`: the compiled program (needs only numpy, keras and jax).
- :mod:`ablations.fused.trainer`: :func:`run_group`, one record per trial, same schema as the
  inline runner's plus ``fused``.

Importing this package imports neither Keras nor JAX.
"""

from __future__ import annotations

from ablations.fused.groups import (
    DEFAULT_MAX_GROUP,
    group_key,
    plan_groups,
    why_not_fusable,
    why_not_fused,
)

__all__ = ["DEFAULT_MAX_GROUP", "group_key", "plan_groups", "run_group", "why_not_fusable", "why_not_fused"]


def __getattr__(name: str):  # run_group imports Keras: only when asked for
    if name == "run_group":
        from ablations.fused.trainer import run_group

        return run_group
    raise AttributeError(name)
