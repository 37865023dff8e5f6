"""The fused program: K same-shape Keras models trained as one ``jit(vmap(...))`` on JAX.

Needs only numpy, keras (JAX backend) and jax, so ``bench/gpu_fused.py`` can use it on a machine
without the rest of the suite. State is three lists of stacked arrays (leading axis: slot):
trainable weights, non-trainable state (batch-norm statistics, dropout seed states) and
optimizer variables (iteration count, learning rate, momenta). Every computation is per slot
under ``vmap``: a slot's numbers never mix with another's, so a slot's result does not depend
on which trials share its group (tests/test_fused.py measures it bit for bit).

One epoch is one call: a ``lax.scan`` over the epoch's batches, each gathered on the device
from a per-slot permutation. Where the rows do not fill the last batch, ``fit`` trains on the
rows left; here that batch is padded to full size and the padding masked out (a Keras mask:
batch normalization's moments and the loss count only the real rows), so one training step
compiles, not two. A slot whose ``active`` flag is off keeps its state unchanged (early
stopping and divergence freeze a slot while its neighbours go on). Losses and metrics follow
``fit`` and ``evaluate``: Keras' own metric objects through their stateless API, the loss
averaged over batches weighted by batch size.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class State:
    """Stacked per-slot variables; ``tv``/``ntv`` in the model's order, ``ov`` the optimizer's."""

    tv: list[Any]
    ntv: list[Any]
    ov: list[Any]

    @property
    def size(self) -> int:
        return int(self.tv[0].shape[0])


def _register_state() -> None:
    import jax

    if not getattr(State, "_registered", False):
        jax.tree_util.register_pytree_node(
            State, lambda s: ((s.tv, s.ntv, s.ov), None), lambda _, c: State(list(c[0]), list(c[1]), list(c[2]))
        )
        State._registered = True  # type: ignore[attr-defined]


def slot_values(model: Any, optimizer: Any) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """One slot's initial values, read from its freshly built model and built optimizer."""
    import keras

    def read(variables: list[Any]) -> list[np.ndarray]:
        return [np.asarray(keras.ops.convert_to_numpy(v.value)) for v in variables]

    return read(model.trainable_variables), read(model.non_trainable_variables), read(optimizer.variables)


def stack(
    slots: list[tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]], *, pad_to: int | None = None
) -> State:
    """Stack slot values; padding slots (copies of slot 0, never active) fill up to ``pad_to``."""
    import jax.numpy as jnp

    _register_state()
    slots = list(slots) + [slots[0]] * max(0, (pad_to or 0) - len(slots))
    columns = list(zip(*slots, strict=True))
    return State(*[[jnp.asarray(np.stack(values)) for values in zip(*column, strict=True)] for column in columns])


@functools.cache
def _chunking() -> tuple[Any, Any]:
    """``(split, join)``: cut slot-stacked arrays into chunks of W slots, and put chunks back.

    Data movement only, compiled once per shape, so a slot's numbers are its chunk program's.
    """
    import jax
    import jax.numpy as jnp

    def split(batched: Any, width: int) -> list[Any]:
        size = jax.tree.leaves(batched)[0].shape[0]
        return [jax.tree.map(lambda a, i=i: a[i : i + width], batched) for i in range(0, size, width)]

    def join(chunks: list[Any]) -> Any:
        return jax.tree.map(lambda *parts: jnp.concatenate(parts), *chunks)

    return jax.jit(split, static_argnums=1), jax.jit(join)


def epoch_batches(perm: Any, batch_size: int) -> tuple[Any, Any]:
    """``(rows, masks)``: an epoch's row order as whole batches, ``(steps, batch_size)`` each.

    Where the rows do not fill the last batch, it is padded with rows from the start of the
    order and ``masks`` marks the real ones (None: every batch is full). One batch shape for the
    whole epoch, so the program compiles one training step, not a second one for the last
    partial batch as ``fit`` does: about 40 % less time tracing and compiling an epoch.
    """
    import jax.numpy as jnp

    n = perm.shape[0]
    steps = -(-n // batch_size)
    if steps * batch_size == n:
        return perm.reshape(steps, batch_size), None
    order = np.arange(steps * batch_size)
    return perm[order % n].reshape(steps, batch_size), jnp.asarray(order < n).reshape(steps, batch_size)


def get_keras_mask(tensor: Any) -> Any:
    """The Keras mask a layer attached to ``tensor`` (None: none); Keras has no public accessor."""
    from keras.src.backend.common.masking import get_keras_mask as keras_get_mask

    return keras_get_mask(tensor)


def padded_size(k: int, slot_width: int | None) -> int:
    """Slots the program computes for ``k`` trials: a multiple of ``slot_width`` (None: k)."""
    if not slot_width:
        return k
    return -(-k // slot_width) * slot_width


class FusedProgram:
    """The compiled functions of one group, over a template model and optimizer.

    ``model`` and ``optimizer`` only give structure (their variables are never read while
    training); ``loss`` and ``metrics`` are Keras objects, used statelessly.
    """

    def __init__(
        self,
        model: Any,
        optimizer: Any,
        loss: Any,
        metrics: list[Any],
        *,
        batch_size: int,
        eval_batch_size: int | None = None,
        slot_width: int | None = None,
    ) -> None:
        import jax

        _register_state()
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.metrics = list(metrics)
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size or max(256, batch_size)
        self.metric_names = ["loss"] + [m.name for m in self.metrics]
        self._metric_init = [[np.asarray(v.value) for v in m.variables] for m in self.metrics]
        self.slot_width = slot_width
        self._train = self._over_slots(self._slot_epoch, n_batched=3)
        self._evaluate = self._over_slots(self._slot_evaluate_chunk, n_batched=2)
        self._logs = self._over_slots(lambda _: self._empty_logs(), n_batched=1)
        self._final = self._over_slots(self._results, n_batched=1)
        self._select = jax.jit(
            jax.vmap(lambda keep, a, b: jax.tree.map(lambda x, y: jax.numpy.where(keep, x, y), a, b))
        )
        self._probe: Any = None

    def _over_slots(self, fn: Any, n_batched: int) -> Any:
        """``fn`` over the slot axis of its first ``n_batched`` arguments.

        ``slot_width`` None: one ``vmap`` over all K slots (XLA may pick other kernels for
        another K, so a slot's bits can depend on its group's size). An integer W: one compiled
        ``vmap`` of width W, called from Python once per chunk of W slots (K padded to a multiple
        of W), so every slot is computed by the same program whatever K is. A loop in Python
        rather than ``lax.map`` inside the program (the same bits, measured): the compiled
        program then does not depend on K at all, only on W.
        """
        import jax

        vmapped = jax.jit(lambda *args: jax.vmap(lambda *b: fn(*b, *args[n_batched:]))(*args[:n_batched]))
        if not self.slot_width:
            return vmapped
        width = self.slot_width
        split, join = _chunking()

        def call(*args: Any) -> Any:
            batched, rest = args[:n_batched], args[n_batched:]
            if jax.tree.leaves(batched)[0].shape[0] == width:
                return vmapped(*args)
            return join([vmapped(*chunk, *rest) for chunk in split(batched, width)])

        return call

    # -- one slot (vmapped) -------------------------------------------------------------
    def _forward(
        self, tv: list[Any], ntv: list[Any], x: Any, y: Any, training: bool, mask: Any = None
    ) -> tuple[Any, Any, Any]:
        """Loss (mean over the rows ``mask`` keeps), predictions and the new non-trainable state.

        ``mask`` goes to the model as a Keras mask: batch normalization takes its moments over
        the kept rows, and the loss averages over them, as over a batch of only those rows.
        """
        extra_args = {} if mask is None else {"mask": mask}
        y_pred, ntv, losses = self.model.stateless_call(tv, ntv, x, training=training, return_losses=True, **extra_args)
        if mask is not None and get_keras_mask(y_pred) is None:
            raise ValueError(
                f"model {self.model.name!r} drops the Keras mask before its output, so the fused trainer "
                "cannot pad the last batch of an epoch; train it with trainer = 'fit'"
            )
        loss = self.loss(y, y_pred)
        for extra in losses:  # regularization, as fit's compute_loss adds it
            loss = loss + extra
        return loss, y_pred, ntv

    def _update_logs(self, logs: tuple[Any, Any, list[Any]], loss: Any, y: Any, y_pred: Any, mask: Any) -> tuple:
        import jax.numpy as jnp

        total, count, metric_vars = logs
        if mask is None:
            n, weights = y_pred.shape[0], {}
        else:  # explicit weights: not every metric reads the Keras mask on y_pred (RMSE does not)
            weight = jnp.asarray(mask, "float32")
            n, weights = jnp.sum(weight), {"sample_weight": weight}
        metric_vars = [
            m.stateless_update_state(mv, y, y_pred, **weights) for m, mv in zip(self.metrics, metric_vars, strict=True)
        ]
        return total + loss * n, count + n, metric_vars

    def _results(self, logs: tuple[Any, Any, list[Any]]) -> dict[str, Any]:
        import jax.numpy as jnp

        total, count, metric_vars = logs
        out = {"loss": total / count}
        for m, mv in zip(self.metrics, metric_vars, strict=True):
            out[m.name] = jnp.asarray(m.stateless_result(mv), "float32")
        return out

    def _empty_logs(self) -> tuple[Any, Any, list[Any]]:
        import jax.numpy as jnp

        return jnp.float32(0), jnp.float32(0), [[jnp.asarray(v) for v in init] for init in self._metric_init]

    def _slot_epoch(self, state: State, perm: Any, active: Any, x: Any, y: Any) -> tuple[State, dict[str, Any], Any]:
        import jax
        import jax.numpy as jnp

        grad_fn = jax.value_and_grad(self._loss_aux, has_aux=True)

        def step(carry: tuple, batch: tuple[Any, Any]) -> tuple[tuple, None]:
            tv, ntv, ov, logs, finite = carry
            idx, mask = batch
            xb, yb = x[idx], y[idx]
            (loss, (y_pred, ntv)), grads = grad_fn(tv, ntv, xb, yb, mask)
            tv, ov = self.optimizer.stateless_apply(ov, grads, tv)
            logs = self._update_logs(logs, loss, yb, y_pred, mask)
            return (tv, ntv, ov, logs, finite & jnp.isfinite(loss)), None

        rows, masks = epoch_batches(perm, self.batch_size)
        carry = (state.tv, state.ntv, state.ov, self._empty_logs(), jnp.bool_(True))
        carry, _ = jax.lax.scan(step, carry, (rows, masks))
        tv, ntv, ov, logs, finite = carry
        new = State(list(tv), list(ntv), list(ov))
        new = jax.tree.map(lambda a, b: jnp.where(active, a, b), new, state)
        return new, self._results(logs), finite

    def _loss_aux(
        self, tv: list[Any], ntv: list[Any], xb: Any, yb: Any, mask: Any = None
    ) -> tuple[Any, tuple[Any, Any]]:
        loss, y_pred, ntv = self._forward(tv, ntv, xb, yb, training=True, mask=mask)
        return loss, (y_pred, ntv)

    def _slot_evaluate_chunk(self, state: State, logs: tuple, x: Any, y: Any, mask: Any) -> tuple:
        """Add one fixed-size chunk of evaluation rows (``mask`` 0 on padding) to ``logs``.

        One shape for every chunk of every split: validation and test share one compiled
        function. Inference mode, so padding rows change no statistics; the loss is summed per
        row as ``evaluate``'s batch-size-weighted mean of batch losses.
        """
        import jax.numpy as jnp

        y_pred, _, losses = self.model.stateless_call(state.tv, state.ntv, x, training=False, return_losses=True)
        total, count, metric_vars = logs
        n = jnp.sum(mask)
        total = total + self.loss(y, y_pred, sample_weight=mask) * mask.shape[0]
        for extra in losses:
            total = total + extra * n
        metric_vars = [
            m.stateless_update_state(mv, y, y_pred, sample_weight=mask)
            for m, mv in zip(self.metrics, metric_vars, strict=True)
        ]
        return total, count + n, metric_vars

    # -- the group ------------------------------------------------------------------------
    def train_epoch(
        self, state: State, perms: np.ndarray, active: np.ndarray, x: Any, y: Any
    ) -> tuple[State, dict[str, np.ndarray], np.ndarray]:
        """One epoch for every slot: ``perms`` (K, n) row orders, ``active`` (K,) bools."""
        import jax.numpy as jnp

        new, logs, finite = self._train(state, jnp.asarray(perms, "int32"), jnp.asarray(active), x, y)
        return new, {k: np.asarray(v, dtype=float) for k, v in logs.items()}, np.asarray(finite)

    def evaluate(self, state: State, x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        """Loss and metrics of every slot in inference mode, in chunks of ``eval_batch_size``."""
        import jax.numpy as jnp

        x, y = np.asarray(x), np.asarray(y)
        bs = self.eval_batch_size
        logs = self._logs(jnp.zeros(state.size))
        for start in range(0, len(x), bs):
            xb, yb = x[start : start + bs], y[start : start + bs]
            mask = np.zeros(bs, "float32")
            mask[: len(xb)] = 1
            if len(xb) < bs:
                xb = np.concatenate([xb, np.zeros((bs - len(xb),) + xb.shape[1:], xb.dtype)])
                yb = np.concatenate([yb, np.zeros((bs - len(yb),) + yb.shape[1:], yb.dtype)])
            logs = self._evaluate(state, logs, jnp.asarray(xb), jnp.asarray(yb), jnp.asarray(mask))
        return {k: np.asarray(v, dtype=float) for k, v in self._final(logs).items()}

    def select(self, keep: np.ndarray, a: State, b: State) -> State:
        """Slot-wise ``a if keep else b`` (best weights, restoring them)."""
        import jax.numpy as jnp

        return self._select(jnp.asarray(keep), a, b)

    def slot(self, state: State, k: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Slot ``k``'s trainable and non-trainable values (its own slice)."""
        return [np.asarray(v[k]) for v in state.tv], [np.asarray(v[k]) for v in state.ntv]

    def load_slot(self, state: State, k: int) -> None:
        """Write slot ``k`` into the template model's variables (to hash or save them)."""
        tv, ntv = self.slot(state, k)
        for variable, value in zip(self.model.trainable_variables, tv, strict=True):
            variable.assign(value)
        for variable, value in zip(self.model.non_trainable_variables, ntv, strict=True):
            variable.assign(value)

    # -- gradient-norm probe ----------------------------------------------------------------
    def probe(self, state: State, x: Any, y: Any, summarize: Any, watched_outputs: list[Any]) -> np.ndarray:
        """``summarize(loss, grads, activations, weights)`` per slot on its own probe batch (K, p, ...).

        Runs in training mode through ``stateless_call``; the returned state is dropped, so
        probing cannot change training (as :mod:`ablations.run.probes.gradients`).
        """
        import jax
        import keras

        if self._probe is None:
            model = self.model
            probe_model = keras.Model(model.inputs, [model.outputs[0], *watched_outputs], name="fused_probe")
            tv_pos = {id(v): i for i, v in enumerate(model.trainable_variables)}
            ntv_pos = {id(v): i for i, v in enumerate(model.non_trainable_variables)}
            tv_order = [tv_pos[id(v)] for v in probe_model.trainable_variables]
            ntv_order = [ntv_pos[id(v)] for v in probe_model.non_trainable_variables]
            self.probe_variables = list(probe_model.trainable_variables)

            def slot_probe(s: State, xp: Any, yp: Any) -> Any:
                ptv = [s.tv[i] for i in tv_order]
                pntv = [s.ntv[i] for i in ntv_order]

                def loss_fn(ptv: list[Any]) -> tuple[Any, Any]:
                    outputs, _ = probe_model.stateless_call(ptv, pntv, xp, training=True)
                    return self.loss(yp, outputs[0]), outputs

                (loss, outputs), grads = jax.value_and_grad(loss_fn, has_aux=True)(ptv)
                return summarize(loss, list(grads), list(outputs[1:]), ptv)

            self._probe = self._over_slots(slot_probe, n_batched=3)
        return np.asarray(self._probe(state, x, y), dtype=float)
