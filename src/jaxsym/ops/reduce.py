"""Reductions: sum, mean, max, min, prod, nansum, nanprod, norm, argmax, argmin.

MXNet 1.9.1 conventions: reducing every axis without keepdims gives shape (1,), never
a 0-d array; `axis=()` means every axis (and then `exclude` is ignored); duplicate or
out-of-range axes are errors; the output keeps the input dtype (argmax included, whose
indices come back as float32 for float32 data). Gradients are MXNet's closed forms:
max/min send the full gradient to every tied element, prod uses out / x (nan where
x is 0), and the 2-norm uses x / out (nan at the origin).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp

from . import attrs as A
from .registry import Param, Params, register

Array = jax.Array
Axes = tuple[int, ...]


def normalize_axes(axis: Axes | None, ndim: int, exclude: bool = False) -> Axes:
    """MXNet's reduction axes: sorted, non-negative, unique and in range."""
    if axis is None or axis == ():
        return tuple(range(ndim))
    for a in axis:
        if not -ndim <= a < ndim:
            raise ValueError(f"Reduction axis {a} exceeds input dimensions (ndim {ndim})")
    axes = tuple(sorted(a % ndim for a in axis))
    if len(set(axes)) != len(axes):
        raise ValueError(f"Reduction axes have duplicates {list(axis)}")
    if exclude:
        axes = tuple(i for i in range(ndim) if i not in axes)
    return axes


def reduced_shape(shape: tuple[int, ...], axes: Axes, keepdims: bool) -> tuple[int, ...]:
    """The output shape; MXNet returns (1,) rather than a 0-d array."""
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes) or (1,)


def _with_partial(fn: Callable[..., Array], partial: Callable[[Array, Array], Array]
                  ) -> Callable[[Array, Axes], Array]:
    """A keepdims reduction whose backward is `g * partial(x, out)`."""
    @functools.partial(jax.custom_vjp, nondiff_argnums=(1,))
    def reduce(x: Array, axes: Axes) -> Array:
        return fn(x, axis=axes, keepdims=True)

    def fwd(x: Array, axes: Axes) -> tuple[Array, tuple[Array, Array]]:
        out = reduce(x, axes)
        return out, (x, out)

    def bwd(axes: Axes, res: tuple[Array, Array], g: Array) -> tuple[Array]:
        x, out = res
        return (g * partial(x, out),)

    reduce.defvjp(fwd, bwd)
    return reduce


def _plain(fn: Callable[..., Array]) -> Callable[[Array, Axes], Array]:
    return lambda x, axes: fn(x, axis=axes, keepdims=True)


def _tied(x: Array, out: Array) -> Array:
    return (x == out).astype(x.dtype)


def _l2(x: Array, axis: Axes, keepdims: bool) -> Array:
    return jnp.sqrt(jnp.sum(x * x, axis=axis, keepdims=keepdims))


REDUCERS: dict[str, Callable[[Array, Axes], Array]] = {
    "sum": _plain(jnp.sum), "mean": _plain(jnp.mean), "nansum": _plain(jnp.nansum),
    "max": _with_partial(jnp.max, _tied), "min": _with_partial(jnp.min, _tied),
    "prod": _with_partial(jnp.prod, lambda x, out: out / x),
    "nanprod": _with_partial(jnp.nanprod,
                             lambda x, out: jnp.where(jnp.isnan(x), jnp.zeros_like(x), out / x)),
    "norm1": _plain(lambda x, axis, keepdims: jnp.sum(jnp.sign(x) * x, axis, keepdims=keepdims)),
    "norm2": _with_partial(_l2, lambda x, out: x / out),
}


def _reduce(kind: str, data: Array, axes: Axes, keepdims: bool) -> Array:
    out = REDUCERS[kind](data, axes)
    return out.reshape(reduced_shape(data.shape, axes, keepdims)).astype(data.dtype)


def _reducer(kind: str) -> Callable[..., Array]:
    def forward(p: Params, data: Array) -> Array:
        return _reduce(kind, data, normalize_axes(p.axis, data.ndim, p.exclude), p.keepdims)
    return forward


_REDUCE_PARAMS = {"axis": Param(A.parse_axis, None, "axes to reduce, all by default"),
                  "keepdims": Param(A.parse_bool, False, "keep reduced axes as size 1"),
                  "exclude": Param(A.parse_bool, False, "reduce all axes but `axis`")}

for _name, _aliases in [("sum", ("sum_axis",)), ("mean", ()), ("max", ("max_axis",)),
                        ("min", ("min_axis",)), ("prod", ()), ("nansum", ()), ("nanprod", ())]:
    register(_name, _reducer(_name), params=_REDUCE_PARAMS, aliases=_aliases,
             doc=f"{_name} over the given axes.")


_OUT_DTYPES = ("float16", "float32", "float64", "int32", "int64", "int8")


def _norm(p: Params, data: Array) -> Array:
    if p.ord not in (1, 2):
        raise ValueError(f"norm only supports ord=1 and ord=2, got ord={p.ord}")
    if p.out_dtype is not None and p.out_dtype != data.dtype:
        # MXNet 1.9.1's CPU kernel fails for any out_dtype other than the input's.
        raise TypeError(f"norm: out_dtype={p.out_dtype} differs from the input dtype "
                        f"{data.dtype}, which MXNet rejects")
    return _reduce(f"norm{p.ord}", data, normalize_axes(p.axis, data.ndim), p.keepdims)


register("norm", _norm,
         params={"ord": Param(A.parse_int, 2, "order of the norm: 1 or 2"),
                 "axis": Param(A.parse_axis, None, "axes to reduce, all by default"),
                 "out_dtype": Param(A.optional(A.enum(*_OUT_DTYPES)), None, "output dtype"),
                 "keepdims": Param(A.parse_bool, False, "keep reduced axes as size 1")},
         doc="L1 or L2 norm over the given axes (all axes flattened by default).")


def _arg_search(fn: Callable[..., Array], name: str, data: Array, axis: int | None,
                keepdims: bool) -> Array:
    if axis is None:
        flat = fn(data.reshape(-1), axis=0)
        return flat.reshape((1,) * data.ndim if keepdims else (1,)).astype(data.dtype)
    if not -data.ndim <= axis < data.ndim:
        raise ValueError(f"{name}: axis {axis} exceeds the input dimension of {data.ndim}")
    out = fn(data, axis=axis, keepdims=keepdims)
    return out.reshape(out.shape or (1,)).astype(data.dtype)


_ARG_PARAMS = {"axis": Param(A.optional(A.parse_int), None, "axis to search, flattened if None"),
               "keepdims": Param(A.parse_bool, False, "keep the reduced axis as size 1")}
register("argmax", lambda p, data: _arg_search(jnp.argmax, "argmax", data, p.axis, p.keepdims),
         params=_ARG_PARAMS, doc="Index of the maximum along an axis, in the input dtype.")
register("argmin", lambda p, data: _arg_search(jnp.argmin, "argmin", data, p.axis, p.keepdims),
         params=_ARG_PARAMS, doc="Index of the minimum along an axis, in the input dtype.")
register("argmax_channel",
         lambda p, data: _arg_search(jnp.argmax, "argmax_channel", data, 1, False),
         doc="argmax over axis 1, in the input dtype.")
