"""`mx.nd.<Op>` functions, built from the op registry (no per-op code here).

Each (op, parameters) pair compiles once with jax.jit; later calls only dispatch.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax

from .. import _rng
from ..base import MXNetError, MXNetValueError
from ..ops import registry
from .ndarray import NDArray


@functools.cache
def _kernel(op_name: str, params: registry.Params, n_inputs: int) -> Callable[..., Any]:
    opdef = registry.get(op_name)

    def run(key: jax.Array, *operands: jax.Array):
        outs, new_aux = opdef.apply(params, operands[:n_inputs], operands[n_inputs:],
                                    False, key)
        return tuple(outs), tuple(new_aux)
    return jax.jit(run)


@functools.cache
def _zero_key() -> jax.Array:
    return jax.random.PRNGKey(0)


@functools.cache
def make(op_name: str, hint: str) -> Callable[..., Any]:
    opdef = registry.get(op_name)

    def call(*args: Any, out: NDArray | None = None, name: str | None = None,
             **kwargs: Any) -> Any:
        where = f"(mx.nd.{hint})"
        operands, _raw, params = registry.split_call(
            opdef, args, kwargs, lambda v: isinstance(v, NDArray), where)
        in_slots = opdef.input_names(params)
        aux_slots = opdef.aux_names(params)
        missing = [s for s in in_slots + aux_slots if s not in operands]
        if missing:
            raise MXNetValueError(f"{opdef.name} {where}: missing input(s) {missing}")
        arrays = [operands[s]._data for s in in_slots + aux_slots]
        key = _rng.next_key() if opdef.random else _zero_key()
        try:
            outs, _ = _kernel(opdef.name, params, len(in_slots))(key, *arrays)
        except (TypeError, ValueError) as err:
            shapes = ", ".join(f"{s} {tuple(a.shape)} {a.dtype}"
                               for s, a in zip(in_slots + aux_slots, arrays))
            raise MXNetError(f"Error in operator {opdef.name} {where}: {err}. "
                             f"Inputs: {shapes}") from err
        ctx = operands[in_slots[0]].context if in_slots else None
        results = [NDArray(o, ctx) for o in outs]
        if out is not None:
            targets = out if isinstance(out, (list, tuple)) else [out]
            for target, result in zip(targets, results):
                target[:] = result
            return out
        return results[0] if len(results) == 1 else results

    call.__name__ = call.__qualname__ = hint  # repr and help show the op, as in MXNet
    call.__doc__ = opdef.signature_doc()
    return call


def install(namespace: dict[str, Any]) -> None:
    for name in registry.all_names():
        if name not in namespace:
            namespace[name] = make(name, name)
