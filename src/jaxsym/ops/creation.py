"""Creation ops: `_zeros`, `_ones`, `_full`, `_arange`, `_linspace`, `_eye`.

They take no inputs; the output's shape and values follow from the parameters alone.
`mx.sym.zeros`... and `mx.nd.eye`... are MXNet's Python wrappers around these ops
(symbol/creation.py, ndarray/ndarray.py).
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import attrs as A
from .registry import REQUIRED, Param, Params, register
from .shape import _dtype_choice, _jnp_dtype

Array = jax.Array

_NUMERIC = ("float16", "float32", "float64", "int32", "int64", "int8", "uint8")
_CTX = Param(A.parse_str, "", "context of an imperative call's output; unused in a graph")


def _dtype(choices: tuple[str, ...]) -> Param:
    return Param(_dtype_choice(*choices), "float32", "output dtype")


def _out_dtype(p: Params) -> Any:
    """The dtype the output is computed in (float64 is float32 unless x64 is on)."""
    return jax.dtypes.canonicalize_dtype(_jnp_dtype(p.dtype))


def _infer_dtype(p: Params, dtypes: list[Any]) -> Any:
    return _jnp_dtype(p.dtype)


def _cast_host(values: Any, dtype: Any) -> np.ndarray:
    """Numbers (float64) as MXNet's C++ casts them: to an integer type by truncation and
    then wrapping (-3.7 is 253 as uint8, 300.7 is 44), to bool by != 0."""
    values = np.asarray(values, np.float64)
    if dtype == np.bool_:
        return values != 0
    if jnp.issubdtype(dtype, jnp.integer):
        return np.trunc(values).astype(np.int64).astype(dtype)
    return values.astype(dtype)


# -- _zeros / _ones / _full ----------------------------------------------------------------
def _fill_shape(p: Params) -> tuple[int, ...]:
    # MXNet (legacy shapes) reads () and 0 dimensions as unknown; it completes them from
    # the node's consumers in a graph and fails where nothing does (an imperative call).
    if not p.shape or any(d <= 0 for d in p.shape):
        raise ValueError(f"shape={p.shape} has unknown dimensions (0 or an empty shape); "
                         "jaxsym does not infer a creation op's shape from its consumers")
    return tuple(p.shape)


def _filled(value: float) -> Any:
    def forward(p: Params) -> Array:
        dtype = _out_dtype(p)
        return jnp.full(_fill_shape(p), _cast_host(value, dtype)[()], dtype)
    return forward


_FILL_DTYPES = ("bfloat16", "bool", *_NUMERIC)
for _name, _value in (("_zeros", 0.0), ("_ones", 1.0)):
    register(_name, _filled(_value), inputs=(),
             params={"shape": Param(A.parse_shape, (), "output shape"), "ctx": _CTX,
                     "dtype": _dtype(_FILL_DTYPES)},
             infer_dtype=_infer_dtype, doc=f"An array of {_value:g}s of the given shape.")


def _full(p: Params) -> Array:
    dtype = _out_dtype(p)
    return jnp.full(_fill_shape(p), _cast_host(p.value, dtype)[()], dtype)


register("_full", _full, inputs=(),
         params={"shape": Param(A.parse_shape, (), "output shape"), "ctx": _CTX,
                 "dtype": _dtype(_FILL_DTYPES),
                 "value": Param(A.parse_float, REQUIRED, "fill value")},
         infer_dtype=_infer_dtype, doc="An array of the given shape filled with value.")


# -- _arange -------------------------------------------------------------------------------
def _range_bounds(p: Params) -> tuple[float, float]:
    """(start, stop): without stop, MXNet counts from 0 to start."""
    start, stop = (0.0, p.start) if p.stop is None else (p.start, p.stop)
    if p.step == 0:
        raise ValueError(f"Range does not support step=0, received {p.step:g}")
    if p.repeat <= 0:
        raise ValueError(f"Range only supports repeat > 0, received {p.repeat}")
    if p.infer_range and p.stop is None:
        raise ValueError("infer_range=True without stop: MXNet takes the length from the "
                         "node's consumers, which jaxsym does not")
    if (p.step > 0 and not start < stop) or (p.step < 0 and not start > stop):
        raise ValueError(f"Invalid range (start, stop, step) = ({start:g}, {stop:g}, "
                         f"{p.step:g})")
    return start, stop


def _arange(p: Params) -> Array:
    start, stop = _range_bounds(p)
    length = math.ceil((stop - start) / p.step)
    dtype = _out_dtype(p)
    # MXNet computes start + i * step in the output type, with start and step cast to it
    # first: an integer type truncates them (arange(0.5, 3.2, 0.7) in int32 is all 0),
    # and so does float16 (its kernel converts through int).
    if dtype == np.float16 or jnp.issubdtype(dtype, jnp.integer):
        start, step = math.trunc(start), math.trunc(p.step)
        work = jnp.float32 if dtype == np.float16 else dtype
    else:
        step = p.step
        work = jnp.float32 if dtype == jnp.bfloat16 else dtype
    index = (jnp.arange(length * p.repeat) // p.repeat).astype(work)
    values = jnp.asarray(_cast_host(start, work)) + index * jnp.asarray(_cast_host(step, work))
    return values.astype(dtype)


register("_arange", _arange, inputs=(),
         params={"start": Param(A.parse_float, REQUIRED, "start, or stop when stop is None"),
                 "stop": Param(A.optional(A.parse_float), None, "end (excluded)"),
                 "step": Param(A.parse_float, 1.0, "spacing"),
                 "repeat": Param(A.parse_int, 1, "copies of each value"),
                 "infer_range": Param(A.parse_bool, False,
                                      "take the length from the consumers (unsupported)"),
                 "ctx": _CTX, "dtype": _dtype(("bfloat16", *_NUMERIC))},
         infer_dtype=_infer_dtype, doc="Evenly spaced values in [start, stop), repeated.")


# -- _linspace -----------------------------------------------------------------------------
def _linspace(p: Params) -> Array:
    if p.num < 0:
        raise ValueError(f"Number of sequence should be non-negative, received {p.num}")
    steps = p.num - 1 if p.endpoint else p.num
    step = (p.stop - p.start) / steps if steps > 0 else 0.0
    # MXNet computes start + i * step in double and then casts (an integer type
    # truncates), so the values are a constant from the parameters, made on the host.
    dtype = _out_dtype(p)
    return jnp.asarray(_cast_host(p.start + np.arange(p.num) * step, dtype))


register("_linspace", _linspace, inputs=(),
         params={"start": Param(A.parse_float, REQUIRED, "first value"),
                 "stop": Param(A.parse_float, REQUIRED, "last value (with endpoint)"),
                 "num": Param(A.parse_int, REQUIRED, "number of values"),
                 "endpoint": Param(A.parse_bool, True, "whether stop is the last value"),
                 "ctx": _CTX, "dtype": _dtype(("bfloat16", *_NUMERIC))},
         infer_dtype=_infer_dtype, doc="num evenly spaced values from start to stop.")


# -- _eye ----------------------------------------------------------------------------------
def _eye(p: Params) -> Array:
    if p.N < 0 or p.M < 0:
        raise ValueError(f"N and M must be non-negative, got N={p.N}, M={p.M}")
    return jnp.eye(p.N, p.M or p.N, p.k, _out_dtype(p))


register("_eye", _eye, inputs=(),
         params={"N": Param(A.parse_int, REQUIRED, "rows"),
                 "M": Param(A.parse_int, 0, "columns; 0 means N"),
                 "k": Param(A.parse_int, 0, "diagonal: > 0 above the main one, < 0 below"),
                 "ctx": _CTX, "dtype": _dtype(_NUMERIC)},
         infer_dtype=_infer_dtype, doc="A 2-D array with ones on the k-th diagonal.")
