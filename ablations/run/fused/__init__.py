"""Fused trials: train a group of same-program trials as one compiled JAX program.

Trials whose settings fix the same compiled program (architecture, data, batch size, epochs,
optimizer class...) differ only in values that can live in arrays: the seed (initial weights,
data order, dropout masks) and the learning rate (Keras keeps it as an optimizer variable).
Such a group trains as ``jax.jit(jax.vmap(epoch))`` over Keras' ``stateless_call`` and
``stateless_apply``, one slot per trial, with a ``lax.scan`` over each epoch's batches.

- :mod:`ablations.run.fused.groups`: which trials fuse, and the group key.
- :mod:`ablations.run.fused.engine`: the compiled program (needs only numpy, keras and jax).
- :mod:`ablations.run.fused.trainer`: the ``fused`` :class:`~ablations.run.lifecycle.Trainer`
  and :func:`~ablations.run.fused.trainer.train_group`, one record per trial, same schema as
  the ``fit`` trainer's plus ``fused``.

Importing this package imports neither Keras nor JAX.
"""
