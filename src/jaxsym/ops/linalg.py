"""Matrix products (dot, batch_dot) and MXNet's linalg_* family (la_op).

MXNet's `dot` contracts the last axis of `lhs` with the first axis of `rhs`. With
`transpose_a` it contracts the *first* axis of `lhs` instead, and with `transpose_b` the
*last* axis of `rhs`; the remaining axes keep their order (lhs's, then rhs's). Two
vectors give shape (1,), and may not be transposed.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from . import attrs as A
from .registry import Param, Params, Shape, register

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


# -- linalg_*: MXNet's la_op family --------------------------------------------------------
# Every linalg op works on the last two axes (gemm/gemm2: on `axis` and the last axis) and
# maps over the leading batch axes, which must agree exactly (no broadcasting). MXNet names
# the ops `_linalg_<x>` and aliases them `linalg_<x>`; mx.sym.linalg.<x> reaches the former.

def _matrix(name: str, a: Array, square: bool = False) -> None:
    if a.ndim < 2:
        raise ValueError(f"{name}: input A must have at least 2 axes, got shape {a.shape}")
    if square and a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{name}: input A's last two dimensions must be equal, got shape "
                         f"{a.shape}")


def _t(a: Array) -> Array:
    return jnp.swapaxes(a, -1, -2)


def _gemm_operands(name: str, p: Params, a: Array, b: Array) -> tuple[Array, Array, int]:
    """A and B with the row axis moved next to the last; checks MXNet's shape rules."""
    for x in (a, b):
        _matrix(name, x)
    if a.ndim != b.ndim:
        raise ValueError(f"{name}: A and B must have the same rank, got {a.shape} and "
                         f"{b.shape}")
    axis = p.axis + a.ndim if p.axis < 0 else p.axis
    if not 0 <= axis < a.ndim - 1:
        raise ValueError(f"{name}: axis={p.axis} out of range for shape {a.shape}")
    a, b = jnp.moveaxis(a, axis, -2), jnp.moveaxis(b, axis, -2)
    if a.shape[:-2] != b.shape[:-2]:
        raise ValueError(f"{name}: shapes of A {a.shape} and B {b.shape} must be the same "
                         f"except on the row axis (axis={p.axis}) and the last axis")
    a = _t(a) if p.transpose_a else a
    b = _t(b) if p.transpose_b else b
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"{name}: incompatible matrix dimensions: A {a.shape} X B "
                         f"{b.shape} with transpose_a={p.transpose_a}, "
                         f"transpose_b={p.transpose_b}, axis={p.axis}")
    return a, b, axis


def _gemm(p: Params, a: Array, b: Array, c: Array) -> Array:
    a, b, axis = _gemm_operands("linalg_gemm", p, a, b)
    out = jnp.moveaxis(p.alpha * jnp.matmul(a, b), -2, axis)
    if c.shape != out.shape:
        raise ValueError(f"linalg_gemm: C has shape {c.shape}, expected {out.shape}")
    return out + p.beta * c


def _gemm_infer_c(p: Params, shapes: list[Shape | None]) -> list[Shape | None]:
    """MXNet infers C's shape from A's and B's (the product's shape)."""
    a, b, c = shapes
    if c is None and a is not None and b is not None:
        try:
            c = jax.eval_shape(lambda x, y: _gemm2(p, x, y), *(
                jax.ShapeDtypeStruct(s, jnp.float32) for s in (a, b))).shape
        except ValueError:
            pass  # reported by the op itself once every shape is known
    return [a, b, c]


def _gemm2(p: Params, a: Array, b: Array) -> Array:
    a, b, axis = _gemm_operands("linalg_gemm2", p, a, b)
    return jnp.moveaxis(p.alpha * jnp.matmul(a, b), -2, axis)


def _triangle(a: Array, lower: bool) -> Array:
    """The triangle MXNet's LAPACK/BLAS calls read (the other one is ignored)."""
    return jnp.tril(a) if lower else jnp.triu(a)


def _potrf(p: Params, a: Array) -> Array:
    _matrix("linalg_potrf", a, square=True)
    # LAPACK potrf reads the lower triangle only (the upper triangle of L is zero), yet
    # MXNet's gradient is symmetric: that of the symmetric part of A.
    sym = (a + _t(a)) / 2
    from_lower = jnp.tril(a) + _t(jnp.tril(a, -1))
    return jnp.linalg.cholesky(sym + jax.lax.stop_gradient(from_lower - sym))


def _potri(p: Params, a: Array) -> Array:
    _matrix("linalg_potri", a, square=True)
    eye = jnp.broadcast_to(jnp.eye(a.shape[-1], dtype=a.dtype), a.shape)
    inv_l = jax.lax.linalg.triangular_solve(jnp.tril(a), eye, left_side=True, lower=True)
    return jnp.matmul(_t(inv_l), inv_l)


def _tri_operands(name: str, p: Params, a: Array, b: Array) -> Array:
    _matrix(name, a, square=True)
    _matrix(name, b)
    n = b.shape[-1] if p.rightside else b.shape[-2]
    if a.shape[:-2] != b.shape[:-2] or a.shape[-1] != n:
        raise ValueError(f"{name}: incompatible matrix dimensions: A {a.shape}, B {b.shape} "
                         f"with rightside={p.rightside}")
    return _triangle(a, p.lower)


def _trmm(p: Params, a: Array, b: Array) -> Array:
    a = _tri_operands("linalg_trmm", p, a, b)
    a = _t(a) if p.transpose else a
    return p.alpha * (jnp.matmul(b, a) if p.rightside else jnp.matmul(a, b))


def _trsm(p: Params, a: Array, b: Array) -> Array:
    a = _tri_operands("linalg_trsm", p, a, b)
    return jax.lax.linalg.triangular_solve(a, p.alpha * b, left_side=not p.rightside,
                                           lower=p.lower, transpose_a=p.transpose)


def _syrk(p: Params, a: Array) -> Array:
    _matrix("linalg_syrk", a)
    return p.alpha * (jnp.matmul(_t(a), a) if p.transpose else jnp.matmul(a, _t(a)))


def _batch_shape(a: Array) -> tuple[int, ...]:
    """MXNet's shape for one number per matrix: the batch shape, (1,) for a lone matrix."""
    return a.shape[:-2] or (1,)


def _sumlogdiag(p: Params, a: Array) -> Array:
    _matrix("linalg_sumlogdiag", a, square=True)
    return jnp.sum(jnp.log(jnp.diagonal(a, 0, -2, -1)), axis=-1).reshape(_batch_shape(a))


def _check_offset(name: str, n: int, offset: int) -> int:
    """The side of the diagonal matrix left after `offset`; MXNet rejects an empty one."""
    m = n - abs(offset)
    if m <= 0:
        raise ValueError(f"{name}: illegal offset {offset} for a matrix of dimension {n}")
    return m


def _extractdiag(p: Params, a: Array) -> Array:
    _matrix("linalg_extractdiag", a)
    _check_offset("linalg_extractdiag", min(a.shape[-2:]), p.offset)
    return jnp.diagonal(a, p.offset, -2, -1)


def _makediag(p: Params, a: Array) -> Array:
    if a.ndim < 1:
        raise ValueError("linalg_makediag: input A must have at least 1 axis")
    k = a.shape[-1]
    n = k + abs(p.offset)
    idx = np.arange(k)
    rows, cols = (idx, idx + p.offset) if p.offset >= 0 else (idx - p.offset, idx)
    return jnp.zeros((*a.shape[:-1], n, n), a.dtype).at[..., rows, cols].set(a)


def _trian_indices(n: int, p: Params) -> tuple[np.ndarray, np.ndarray]:
    """The triangle's indices in MXNet's order: below the diagonal for a negative offset,
    above it for a positive one (`lower` only decides at offset 0). MXNet walks an upper
    triangle as the lower one of the transpose, so column by column."""
    if p.offset < 0 or (p.offset == 0 and p.lower):
        return np.tril_indices(n, p.offset)
    cols, rows = np.tril_indices(n, -p.offset)
    return rows, cols


def _extracttrian(p: Params, a: Array) -> Array:
    _matrix("linalg_extracttrian", a, square=True)
    _check_offset("linalg_extracttrian", a.shape[-1], p.offset)
    rows, cols = _trian_indices(a.shape[-1], p)
    return a[..., rows, cols]


def _maketrian(p: Params, a: Array) -> Array:
    if a.ndim < 1:
        raise ValueError("linalg_maketrian: input A must have at least 1 axis")
    k = a.shape[-1]
    m = int((math.isqrt(8 * k + 1) - 1) // 2)
    if m * (m + 1) // 2 != k:
        raise ValueError(f"linalg_maketrian: the last axis of A has size {k}, which is not "
                         f"a triangular number m*(m+1)/2")
    n = m + abs(p.offset)
    rows, cols = _trian_indices(n, p)
    return jnp.zeros((*a.shape[:-1], n, n), a.dtype).at[..., rows, cols].set(a)


def _inverse(p: Params, a: Array) -> Array:
    _matrix("linalg_inverse", a, square=True)
    return jnp.linalg.inv(a)


def _det(p: Params, a: Array) -> Array:
    _matrix("linalg_det", a, square=True)
    return jnp.linalg.det(a).reshape(_batch_shape(a))


def _slogdet(p: Params, a: Array) -> tuple[Array, Array]:
    _matrix("linalg_slogdet", a, square=True)
    sign, logabs = jnp.linalg.slogdet(a)
    shape = _batch_shape(a)
    return jax.lax.stop_gradient(sign).reshape(shape), logabs.reshape(shape)


def _gelqf(p: Params, a: Array) -> tuple[Array, Array]:
    _matrix("linalg_gelqf", a)
    if a.shape[-2] > a.shape[-1]:
        raise ValueError(f"linalg_gelqf: input A of shape {a.shape} must not have more "
                         f"rows than columns")
    # A = L Q is the transpose of the QR factorisation A^T = Q^T L^T (same Householder
    # reflections, so LAPACK's signs).
    q, r = jnp.linalg.qr(_t(a))
    return _t(q), _t(r)


_ALPHA = {"alpha": Param(A.parse_float, 1.0, "scalar factor of the product")}
_GEMM = {
    "transpose_a": Param(A.parse_bool, False, "use the transpose of A"),
    "transpose_b": Param(A.parse_bool, False, "use the transpose of B"),
    **_ALPHA,
    "axis": Param(A.parse_int, -2, "the axis holding the matrices' rows"),
}
_TRI = {
    "transpose": Param(A.parse_bool, False, "use the transpose of A"),
    "rightside": Param(A.parse_bool, False, "A multiplies B from the right"),
    "lower": Param(A.parse_bool, True, "A is lower (else upper) triangular"),
    **_ALPHA,
}
_OFFSET = {"offset": Param(A.parse_int, 0, "diagonal offset: >0 above, <0 below the main")}
_TRIAN = {**_OFFSET, "lower": Param(A.parse_bool, True,
                                    "lower (else upper) triangle; only used at offset 0")}


def _linalg(short: str, forward, inputs: tuple[str, ...] = ("A",), **kwargs) -> None:
    register(f"_linalg_{short}", forward, inputs=inputs, aliases=(f"linalg_{short}",),
             **kwargs)


_linalg("gemm", _gemm, ("A", "B", "C"),
        params={**_GEMM, "beta": Param(A.parse_float, 1.0, "scalar factor of C")},
        infer_inputs=_gemm_infer_c,
        doc="alpha * op(A) op(B) + beta * C over the batch axes.")
_linalg("gemm2", _gemm2, ("A", "B"), params=_GEMM, doc="alpha * op(A) op(B).")
_linalg("potrf", _potrf, doc="Cholesky factor L (lower, zero above) of SPD matrices A.")
_linalg("potri", _potri, doc="(L L^T)^-1 from Cholesky factors L.")
_linalg("trmm", _trmm, ("A", "B"), params=_TRI,
        doc="alpha * op(A) B (or B op(A)) with triangular A.")
_linalg("trsm", _trsm, ("A", "B"), params=_TRI,
        doc="Solves op(A) X = alpha B (or X op(A) = alpha B) with triangular A.")
_linalg("syrk", _syrk, params={"transpose": Param(A.parse_bool, False, "A^T A, not A A^T"),
                               **_ALPHA}, doc="alpha * A A^T (or A^T A).")
_linalg("sumlogdiag", _sumlogdiag, doc="Sum of the logarithms of the diagonal.")
_linalg("extractdiag", _extractdiag, params=_OFFSET, doc="A diagonal of each matrix.")
_linalg("makediag", _makediag, params=_OFFSET, doc="Square matrices with A on a diagonal.")
_linalg("extracttrian", _extracttrian, params=_TRIAN,
        doc="A triangle of each matrix, flattened row by row.")
_linalg("maketrian", _maketrian, params=_TRIAN,
        doc="Square triangular matrices filled row by row from A.")
_linalg("inverse", _inverse, doc="Inverse of each matrix.")
# MXNet's det and slogdet also output the LU factors and pivots, hidden (JSON counts them).
_linalg("det", _det, num_outputs=1, hidden_outputs=2, output_names=lambda p: ["output0"],
        doc="Determinant of each matrix.")
_linalg("slogdet", _slogdet, num_outputs=2, hidden_outputs=2,
        doc="Sign and log of the absolute value of the determinant.")
_linalg("gelqf", _gelqf, num_outputs=2, doc="LQ factorisation A = L Q (Q: orthonormal rows).")
