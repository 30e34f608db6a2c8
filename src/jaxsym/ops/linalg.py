"""Matrix products: dot, batch_dot.

MXNet's `dot` contracts the last axis of `lhs` with the first axis of `rhs`. With
`transpose_a` it contracts the *first* axis of `lhs` instead, and with `transpose_b` the
*last* axis of `rhs`; the remaining axes keep their order (lhs's, then rhs's). Two
vectors give shape (1,), and may not be transposed.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from . import attrs as A
from .registry import Param, Params, register

Array = jax.Array


def _check_dtypes(name: str, lhs: Array, rhs: Array) -> None:
    if lhs.dtype != rhs.dtype:
        raise TypeError(f"{name}: operands must have the same dtype, got lhs {lhs.dtype} "
                        f"and rhs {rhs.dtype}")


def _dot(p: Params, lhs: Array, rhs: Array) -> Array:
    _check_dtypes("dot", lhs, rhs)
    if lhs.ndim == 0 or rhs.ndim == 0:
        raise ValueError(f"dot: operands must have at least one axis, got {lhs.shape} X "
                         f"{rhs.shape}")
    if lhs.ndim == 1 and rhs.ndim == 1:
        if p.transpose_a or p.transpose_b:
            raise ValueError("dot: Cannot transpose vectors")
        if lhs.shape != rhs.shape:
            raise ValueError(f"dot shape error: {lhs.shape} X {rhs.shape}")
        return jnp.sum(lhs * rhs).reshape(1)
    l_axis = 0 if p.transpose_a else lhs.ndim - 1
    r_axis = rhs.ndim - 1 if p.transpose_b else 0
    if lhs.shape[l_axis] != rhs.shape[r_axis]:
        raise ValueError(f"dot shape error: {lhs.shape} X {rhs.shape} with transpose_a="
                         f"{p.transpose_a}, transpose_b={p.transpose_b}")
    return jnp.tensordot(lhs, rhs, axes=((l_axis,), (r_axis,)))


def _batch_dot(p: Params, lhs: Array, rhs: Array) -> Array:
    _check_dtypes("batch_dot", lhs, rhs)
    if lhs.ndim < 3 or lhs.ndim != rhs.ndim:
        raise ValueError(f"batch_dot needs operands of one rank >= 3, got {lhs.shape} and "
                         f"{rhs.shape}")
    a = jnp.swapaxes(lhs, -1, -2) if p.transpose_a else lhs
    b = jnp.swapaxes(rhs, -1, -2) if p.transpose_b else rhs
    if a.shape[:-2] != b.shape[:-2] or a.shape[-1] != b.shape[-2]:
        raise ValueError(f"batch_dot shape error: {lhs.shape} X {rhs.shape} with "
                         f"transpose_a={p.transpose_a}, transpose_b={p.transpose_b}")
    return jnp.matmul(a, b)


_PARAMS = {
    "transpose_a": Param(A.parse_bool, False, "transpose the first operand"),
    "transpose_b": Param(A.parse_bool, False, "transpose the second operand"),
    # Storage types are not modelled: every result is dense.
    "forward_stype": Param(A.optional(A.enum("csr", "default", "row_sparse")), None,
                           "storage type of the output (dense only)"),
}
register("dot", _dot, params=_PARAMS, inputs=("lhs", "rhs"),
         doc="Dot product: contracts lhs's last (or first) axis with rhs's first (or last).")
register("batch_dot", _batch_dot, params=_PARAMS, inputs=("lhs", "rhs"),
         doc="Batched matrix product over the leading axes.")
