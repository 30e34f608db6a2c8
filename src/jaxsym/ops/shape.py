"""Shape manipulation: Flatten, Reshape, Concat, SliceChannel, ..."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from . import attrs as A
from .registry import REQUIRED, Param, Params, register

Array = jax.Array


register("Flatten", lambda p, data: data.reshape(data.shape[0], -1), aliases=("flatten",),
         doc="Collapse all but the first axis.")


def _concat(p: Params, *arrays: Array) -> Array:
    return jnp.concatenate(arrays, axis=p.dim)


register(
    "Concat", _concat, variadic="num_args", aliases=("concat",),
    params={"num_args": Param(A.parse_int, REQUIRED, "number of inputs"),
            "dim": Param(A.parse_int, 1, "axis to concatenate along")},
    doc="Join arrays along `dim`.")


def _slice_channel(p: Params, data: Array) -> tuple[Array, ...]:
    axis = p.axis % data.ndim
    if data.shape[axis] % p.num_outputs:
        raise ValueError(f"axis {p.axis} of size {data.shape[axis]} does not split into "
                         f"{p.num_outputs} equal parts")
    parts = jnp.split(data, p.num_outputs, axis=axis)
    if p.squeeze_axis:
        parts = [jnp.squeeze(x, axis) for x in parts]
    return tuple(parts)


register(
    "SliceChannel", _slice_channel, aliases=("split",),
    params={"num_outputs": Param(A.parse_int, REQUIRED, "number of parts"),
            "axis": Param(A.parse_int, 1, "axis to split"),
            "squeeze_axis": Param(A.parse_bool, False, "drop the split axis")},
    num_outputs=lambda p: p.num_outputs,
    doc="Split an array into equal parts along an axis.")
