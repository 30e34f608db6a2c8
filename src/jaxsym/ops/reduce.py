"""Reductions: sum, mean, max, min, prod, norm, argmax, argmin."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from . import attrs as A
from .registry import Param, Params, register

Array = jax.Array


def _axes(p: Params, ndim: int) -> tuple[int, ...]:
    if p.axis is None or p.axis == ():
        axes: tuple[int, ...] = tuple(range(ndim))
    else:
        axes = tuple(a % ndim for a in p.axis)
    if p.exclude:
        axes = tuple(i for i in range(ndim) if i not in axes)
    return axes


def _reducer(fn):
    def forward(p: Params, data: Array) -> Array:
        return fn(data, axis=_axes(p, data.ndim), keepdims=p.keepdims)
    return forward


_REDUCE_PARAMS = {"axis": Param(A.parse_axis, None, "axes to reduce, all by default"),
                  "keepdims": Param(A.parse_bool, False, "keep reduced axes as size 1"),
                  "exclude": Param(A.parse_bool, False, "reduce all axes but `axis`")}

for _name, _fn, _aliases in [("sum", jnp.sum, ("sum_axis",)), ("mean", jnp.mean, ()),
                             ("max", jnp.max, ("max_axis",)), ("min", jnp.min, ("min_axis",)),
                             ("prod", jnp.prod, ()), ("nansum", jnp.nansum, ()),
                             ("nanprod", jnp.nanprod, ())]:
    register(_name, _reducer(_fn), params=_REDUCE_PARAMS, aliases=_aliases,
             doc=f"{_name} over the given axes.")
