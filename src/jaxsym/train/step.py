"""The jitted training step shared by Module and FeedForward.

One compiled function does forward, backward, the optimizer update, the new aux states
and, when the caller passes a metric's `_fold`, the metric's batch statistics:
`(params, states, other_args, aux, lrs, wds, ts, key) -> (params, states, aux, outputs,
stats, ts + 1)`, with params, optimizer states and aux donated. Learning rates, weight
decays and update counts are traced arguments, so schedules never recompile; they stay
on the device from step to step (see `_StepHyperparams`). Parameters stay
in the executor's NDArray handles, which are rebound to the new arrays each step.
Trainers of executors that share those handles (BucketingModule's buckets, a Module's
reshapes) also share one store of optimizer states, keyed by the optimizer's index.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .. import _rng
from ..base import MXNetError
from ..executor.executor import Executor
from ..executor.lower import compiler_options


class _StepHyperparams:
    """The optimizer's per-step `(lrs, wds, ts)` as device arrays, copied only on change.

    Each small host array passed to a jitted step is a host-to-device copy: three of
    them added about 15 us to a call's dispatch (28 against 13 us for a tiny jitted
    function here). Rates and decays usually stay the same from step to step, and a step
    returns its counts plus one, which are the next step's counts unless the optimizer's
    counters changed in between: the host values are always compared, never assumed.
    """

    def __init__(self, device: Any) -> None:
        self._device = device
        self._last: dict[str, tuple[bytes, jax.Array]] = {}

    def _put(self, kind: str, host: np.ndarray) -> jax.Array:
        key = host.tobytes()
        last = self._last.get(kind)
        if last is None or last[0] != key:
            last = self._last[kind] = (key, jax.device_put(host, self._device))
        return last[1]

    def __call__(self, lrs: np.ndarray, wds: np.ndarray, ts: np.ndarray
                 ) -> tuple[jax.Array, jax.Array, jax.Array]:
        return self._put("lrs", lrs), self._put("wds", wds), self._put("ts", ts)

    def returned(self, ts: np.ndarray, next_ts: jax.Array) -> None:
        """Keep a step's `ts + 1` (on the device) for the next step's counts."""
        self._last["ts"] = ((ts + 1).tobytes(), next_ts)


class FusedTrainer:
    """Owns optimizer states and runs updates on an executor's parameters.

    Args:
        executor: bound in training mode; its arg arrays hold the parameters.
        param_names: every parameter in MXNet's order (the optimizer's index is the
            position in this list, fixed parameters included, as in MXNet's Module).
        optimizer: a jaxsym Optimizer (functional `init_state`/`step`/`step_inputs`).
        fixed: parameters that are not updated (grad_req 'null').
        shared: a trainer whose optimizer states this one reads and updates too.
    """

    def __init__(self, executor: Executor, param_names: Sequence[str], optimizer: Any,
                 fixed: set[str] | frozenset[str] = frozenset(),
                 shared: FusedTrainer | None = None) -> None:
        self.executor = executor
        self.optimizer = optimizer
        arg_names = executor._program.lowered.arg_names
        position = {n: i for i, n in enumerate(arg_names)}
        self._position = position
        self.param_names = list(param_names)
        self.updated = [(index, position[name]) for index, name in enumerate(param_names)
                        if name not in fixed]
        self.indices = [index for index, _ in self.updated]
        self.arg_positions = tuple(pos for _, pos in self.updated)
        # Everything the step takes is committed to the executor's device: jit keys its
        # cache on committedness, and the step's outputs are committed, so uncommitted
        # first inputs would compile the whole step a second time on the second batch.
        self.device = next(iter(executor.arg_arrays[0]._data.devices()))
        for _, pos in self.updated:
            # The step donates parameter buffers: own them, whoever else held them.
            handle = executor.arg_arrays[pos]
            handle._data = jax.device_put(jnp.array(handle._data, copy=True), self.device)
        for handle in executor.aux_arrays:
            handle._data = jax.device_put(jnp.array(handle._data, copy=True), self.device)
        self._store: dict[int, Any] = shared._store if shared is not None else {}
        for index, pos in self.updated:
            if index not in self._store:
                self._store[index] = jax.device_put(
                    optimizer.init_state(executor.arg_arrays[pos]._data), self.device)
        self._cache: dict[tuple, Any] = {}
        self._hyperparams = _StepHyperparams(self.device)

    @property
    def states(self) -> list[Any]:
        """Optimizer states of the updated parameters, in `indices` order."""
        return [self._store[index] for index in self.indices]

    @states.setter
    def states(self, values: Sequence[Any]) -> None:
        for index, value in zip(self.indices, values, strict=True):
            self._store[index] = value

    def positions(self, names: Sequence[str]) -> tuple[int, ...]:
        """Argument positions of `names` (e.g. the labels a folded metric reads)."""
        return tuple(self._position[n] for n in names)

    # -- compiled functions --------------------------------------------------------------
    def _optimizer_update(self, params, grads, states, lrs, wds, ts):
        new_params, new_states = [], []
        for i, (w, g, s) in enumerate(zip(params, grads, states)):
            nw, ns = self.optimizer.step(w, g, s, lrs[i], wds[i], ts[i])
            new_params.append(nw)
            new_states.append(ns)
        return new_params, new_states

    def _fused(self, fold: tuple[Any, Any] | None = None,
               label_positions: tuple[int, ...] = ()):
        key = ("fused", self.optimizer.static_config(),
               None if fold is None else (fold[0], label_positions))
        if key not in self._cache:
            lowered = self.executor._program.lowered
            positions = self.arg_positions

            def metric_stats(args, outs):
                if fold is None:
                    return None
                try:
                    return fold[1]([args[pos] for pos in label_positions], list(outs))
                except Exception:  # noqa: BLE001
                    # The metric's own update reports (or handles on the host) what it
                    # cannot trace: the step then returns no statistics.
                    return None

            def step(params, states, args, aux, lrs, wds, ts, rng, materialize):
                def forward(p):
                    full = list(args)
                    for pos, value in zip(positions, p):
                        full[pos] = value
                    return lowered(full, aux, rng, True, materialize=materialize)
                outs, pullback, new_aux = jax.vjp(forward, list(params), has_aux=True)
                (grads,) = pullback([jnp.ones_like(o) for o in outs])
                new_params, new_states = self._optimizer_update(params, grads, states,
                                                                lrs, wds, ts)
                return (new_params, new_states, new_aux, outs, metric_stats(args, outs),
                        ts + 1)
            self._cache[key] = jax.jit(
                step, donate_argnums=(0, 1, 3),
                compiler_options=compiler_options(lowered, True, self.device))
        return self._cache[key]

    def _update_only(self):
        key = ("update", self.optimizer.static_config())
        if key not in self._cache:
            def update(params, grads, states, lrs, wds, ts):
                return (*self._optimizer_update(params, grads, states, lrs, wds, ts), ts + 1)
            self._cache[key] = jax.jit(update, donate_argnums=(0, 2))
        return self._cache[key]

    def _committed(self, values: Any) -> Any:
        """`values` with every array committed to the device (see __init__).

        Arrays that user code set between steps (a new batch, `set_params`) may be
        uncommitted; `device_put` costs tens of microseconds per array even when
        nothing moves, so only those go through it.
        """
        leaves, tree = jax.tree_util.tree_flatten(values)
        if all(getattr(x, "committed", True) for x in leaves):
            return values
        return jax.tree_util.tree_unflatten(
            tree, [x if getattr(x, "committed", True) else jax.device_put(x, self.device)
                   for x in leaves])

    # -- running ---------------------------------------------------------------------------
    def fused_step(self, fold: tuple[Any, Any] | None = None,
                   label_positions: tuple[int, ...] = ()) -> tuple[list[jax.Array], Any]:
        """Forward + backward + update on the executor's current inputs.

        Returns the outputs and the statistics of `fold` (a metric's `_fold()`) over the
        labels at `label_positions` and the outputs, or None (no fold, or the metric
        needs its host path).
        """
        ex = self.executor
        if not all(ex._program.lowered.loss_heads):
            raise MXNetError(
                "Because the last operator is not Loss function, head_gradient is required "
                "when calling backward. If you are attempting to minimize the output as an "
                "objective, please modify your network and pass it through the make_loss "
                "symbol.")
        host = self.optimizer.step_inputs(self.indices)
        lrs, wds, ts = self._hyperparams(*host)
        args = [a._data for a in ex.arg_arrays]
        params = [args[pos] for pos in self.arg_positions]
        for pos in self.arg_positions:
            args[pos] = None  # donated: the step gets them through `params` only
        args = self._committed(args)
        params = self._committed(params)
        rng = _rng.next_key() if ex._program.lowered.needs_key else None
        new_params, self.states, new_aux, outs, stats, next_ts = self._fused(
            fold, label_positions)(
            params, self._committed(self.states), args,
            self._committed([a._data for a in ex.aux_arrays]), lrs, wds, ts, rng,
            ex._materialize)
        self._hyperparams.returned(host[2], next_ts)
        for pos, value in zip(self.arg_positions, new_params):
            ex.arg_arrays[pos]._data = value
        for handle, value in zip(ex.aux_arrays, new_aux):
            handle._data = value
        ex._set_outputs(outs)
        return outs, stats

    def apply_gradients(self) -> None:
        """Update from the gradients the executor's backward left in its grad arrays."""
        ex = self.executor
        host = self.optimizer.step_inputs(self.indices)
        params = [ex.arg_arrays[pos]._data for pos in self.arg_positions]
        grads = [ex.grad_arrays[pos]._data for pos in self.arg_positions]  # type: ignore[union-attr]
        new_params, self.states, next_ts = self._update_only()(
            params, grads, self.states, *self._hyperparams(*host))
        self._hyperparams.returned(host[2], next_ts)
        for pos, value in zip(self.arg_positions, new_params):
            ex.arg_arrays[pos]._data = value
