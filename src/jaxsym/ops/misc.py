"""Miscellaneous MXNet ops: `_split_v2` (behind `split_v2`), AMP's `amp_cast` and
`amp_multicast`, the finiteness/sum-of-squares helpers and `khatri_rao`.

Shapes are static under tracing: every rule is plain Python on the input shapes and
raises ValueError, which the lowering turns into an MXNetError naming the node.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import attrs as A
from .registry import REQUIRED, Param, Params, register
from .shape import _DTYPES, _dtype_choice, _norm_axis

Array = jax.Array


# -- _split_v2 ------------------------------------------------------------------------
def _split_v2_bounds(p: Params, size: int) -> list[tuple[int, int]]:
    """(start, end) of each part along the axis, with MXNet's checks."""
    if p.sections > 0:
        # MXNet's symbolic op does not require equal parts: the first size % sections
        # parts get one extra element, as numpy's array_split.
        step, extra = divmod(size, p.sections)
        starts = [i * step + min(i, extra) for i in range(p.sections + 1)]
        return list(zip(starts[:-1], starts[1:]))
    if not p.indices or p.indices[0] != 0:
        # MXNet back-infers the axis size from the parts, so the parts must start at 0.
        raise ValueError(f"indices={p.indices} must start at 0 so that the parts cover "
                         f"the axis of size {size}")
    ends = (*p.indices[1:], size)
    bounds = list(zip(p.indices, ends))
    for i, (start, end) in enumerate(bounds):
        if end > size:
            raise ValueError(f"indices={p.indices}: end {end} exceeds the axis size {size}")
        if start > end:
            raise ValueError(f"indices={p.indices}: start {start} is after end {end} for "
                             f"part {i}")
    return bounds


def _split_v2(p: Params, data: Array) -> tuple[Array, ...]:
    axis = _norm_axis(p.axis, data.ndim)
    bounds = _split_v2_bounds(p, data.shape[axis])
    if p.squeeze_axis and any(end - start != 1 for start, end in bounds):
        raise ValueError(f"squeeze_axis=True needs parts of size 1 along axis {p.axis}, "
                         f"got sizes {[end - start for start, end in bounds]}")
    parts = [jax.lax.slice_in_dim(data, start, end, axis=axis) for start, end in bounds]
    if p.squeeze_axis:
        parts = [jnp.squeeze(x, axis) for x in parts]
    return tuple(parts)


def _split_v2_count(p: Params) -> int:
    return p.sections if p.sections > 0 else len(p.indices)


register(
    "_split_v2", _split_v2,
    params={"indices": Param(A.parse_shape, REQUIRED, "start of each part along axis"),
            "axis": Param(A.parse_int, 1, "axis to split"),
            "squeeze_axis": Param(A.parse_bool, False, "drop the split axis"),
            "sections": Param(A.parse_int, 0, "equal parts; 0 splits by indices")},
    num_outputs=_split_v2_count,
    doc="Split an array at the given indices, or into equal sections, along an axis.")


def split_v2_wrapper(call: Callable[..., Any]) -> Callable[..., Any]:
    """MXNet's Python `split_v2(ary, indices_or_sections, axis=0, squeeze_axis=False)`
    over the `_split_v2` op function `call` (of mx.sym or mx.nd)."""

    def split_v2(ary: Any, indices_or_sections: int | tuple[int, ...], axis: int = 0,
                 squeeze_axis: bool = False, **kwargs: Any) -> Any:
        # As MXNet's wrapper: an int is a section count, a tuple gets a leading 0, and
        # all four parameters are stored (indices as a list, '[]' for sections).
        indices: list[int] = []
        sections = 0
        if isinstance(indices_or_sections, (int, np.integer)):
            sections = int(indices_or_sections)
        elif isinstance(indices_or_sections, tuple):
            indices = [0, *indices_or_sections]
        else:
            raise ValueError("indices_or_sections must either int or tuple of ints")
        return call(ary, indices=indices, axis=axis, squeeze_axis=squeeze_axis,
                    sections=sections, **kwargs)

    return split_v2


# -- AMP casts ------------------------------------------------------------------------
# MXNet's AMP casts touch only float32/float16/bfloat16 inputs; others pass unchanged.
_AMP_FLOATS = ("float32", "float16", "bfloat16")


def _amp_target(source: Any, target: Any) -> Any:
    return jnp.dtype(target) if np.dtype(source).name in _AMP_FLOATS else np.dtype(source)


def _amp_cast(p: Params, data: Array) -> Array:
    return data.astype(_amp_target(data.dtype, p.dtype))


register("amp_cast", _amp_cast,
         params={"dtype": Param(_dtype_choice(*_DTYPES), REQUIRED, "output dtype")},
         infer_dtype=lambda p, dtypes: _amp_target(dtypes[0], p.dtype),
         doc="Cast between low-precision floats and float32 (AMP); other dtypes pass "
             "through.")


def _multicast_dtypes(p: Params, dtypes: list[Any]) -> list[Any]:
    """MXNet 1.9.1's AMPMultiCastType: the target starts as float32 under cast_narrow,
    else as the FIRST input's dtype (so `(int32, float16)` casts the float16 to int32);
    any float32 input (float16/bfloat16 under cast_narrow) then sets it."""
    names = [np.dtype(d).name for d in dtypes]
    target = "float32" if p.cast_narrow else names[0]
    for name in names:
        if not p.cast_narrow and name == "float32":
            target = "float32"
        elif p.cast_narrow and name in ("float16", "bfloat16"):
            target = name
    return [_amp_target(name, target) for name in names]


def _amp_multicast(p: Params, *arrays: Array) -> tuple[Array, ...]:
    targets = _multicast_dtypes(p, [x.dtype for x in arrays])
    return tuple(x.astype(t) for x, t in zip(arrays, targets))


register("amp_multicast", _amp_multicast,
         params={"num_outputs": Param(A.parse_int, REQUIRED, "number of inputs/outputs"),
                 "cast_narrow": Param(A.parse_bool, False, "cast to the narrowest type")},
         inputs=lambda p: [f"data_{i}" for i in range(p.num_outputs)],
         num_outputs=lambda p: p.num_outputs,
         infer_dtype=_multicast_dtypes,
         doc="Cast the inputs to their common widest (or narrowest) float type (AMP).")


# -- gradient-scaling helpers (AMP / LAMB) ----------------------------------------------
# MXNet registers no gradient for these (backward through them fails there); jaxsym
# differentiates them mathematically.
def _finite_flag(arrays: tuple[Array, ...]) -> Array:
    """MXNet's (1,) float32 flag: 1 when every element of every array is finite."""
    ok = jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in arrays]))
    return ok.astype(jnp.float32).reshape(1)


# init_output=False leaves MXNet's output buffer as it was (to AND flags across calls);
# a functional graph has no previous buffer, so the flag is always computed afresh.
_INIT_OUTPUT = Param(A.parse_bool, True, "initialize the output to 1 first")


def _array_inputs(p: Params) -> list[str]:
    # Not variadic in MXNet's sense: num_arrays is not counted from the inputs (extra
    # inputs are an error), and missing ones become `<node>_array_<i>` variables.
    return [f"array_{i}" for i in range(p.num_arrays)]

register("all_finite", lambda p, data: _finite_flag((data,)),
         params={"init_output": _INIT_OUTPUT},
         infer_dtype=lambda p, dtypes: np.dtype("float32"),
         doc="(1,) float32: 1 if every element of data is finite, else 0.")
register("multi_all_finite", lambda p, *arrays: _finite_flag(arrays), inputs=_array_inputs,
         params={"num_arrays": Param(A.parse_int, 1, "number of arrays"),
                 "init_output": _INIT_OUTPUT},
         infer_dtype=lambda p, dtypes: np.dtype("float32"),
         doc="(1,) float32: 1 if every element of every array is finite, else 0.")


def _multi_sum_sq(p: Params, *arrays: Array) -> Array:
    # Accumulated in float32 whatever the input dtype, as MXNet's output is float32.
    return jnp.stack([jnp.sum(jnp.square(x.astype(jnp.float32))) for x in arrays])


register("multi_sum_sq", _multi_sum_sq, inputs=_array_inputs,
         params={"num_arrays": Param(A.parse_int, REQUIRED, "number of arrays")},
         infer_dtype=lambda p, dtypes: np.dtype("float32"),
         doc="(num_arrays,) float32: the sum of squares of each array.")


def _khatri_rao(p: Params, *arrays: Array) -> Array:
    for x in arrays:
        if x.ndim != 2 or x.shape[1] != arrays[0].shape[1]:
            raise ValueError("khatri_rao needs 2-D inputs with the same number of columns, "
                             f"got shapes {[tuple(a.shape) for a in arrays]}")
    out = arrays[0]
    for x in arrays[1:]:
        # Column-wise Kronecker product: the earlier inputs' rows vary slowest.
        out = (out[:, None, :] * x[None, :, :]).reshape(-1, out.shape[1])
    return out


register("khatri_rao", _khatri_rao, variadic="num_args",
         params={"num_args": Param(A.parse_int, 1, "number of inputs")},
         doc="Column-wise Khatri-Rao product of 2-D matrices with the same column count.")


# -- storage ------------------------------------------------------------------------------
_STYPES = ("default", "row_sparse", "csr")


def _parse_dense_stype(value: Any) -> str:
    """MXNet's stype enum, of which jaxsym (dense arrays only) supports 'default'."""
    stype = A.enum(*_STYPES)(value)
    if stype != "default":
        raise ValueError(f"stype={stype!r} needs sparse storage, which jaxsym does not "
                         "have; only 'default' (dense) is supported")
    return stype


_parse_dense_stype.choices = _STYPES  # type: ignore[attr-defined]

register("cast_storage", lambda p, data: data,
         params={"stype": Param(_parse_dense_stype, REQUIRED, "output storage type")},
         doc="Change the storage type; with dense arrays only, the identity.")
