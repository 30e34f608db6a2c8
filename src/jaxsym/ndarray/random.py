"""`mx.nd.random`: draws from the process-wide key (`mx.random.seed`)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import jax

from .. import _rng
from ..base import Context, dtype_np
from .ndarray import NDArray, _place, _shape


# One compiled draw per (shape, dtype): eager jax.random would dispatch (and compile)
# several small programs per call.
@functools.partial(jax.jit, static_argnames=("shape", "dtype"))
def _uniform(key: jax.Array, low: jax.Array, high: jax.Array, shape: tuple[int, ...],
             dtype: Any) -> jax.Array:
    return jax.random.uniform(key, shape, dtype, low, high)


@functools.partial(jax.jit, static_argnames=("shape", "dtype"))
def _normal(key: jax.Array, loc: jax.Array, scale: jax.Array, shape: tuple[int, ...],
            dtype: Any) -> jax.Array:
    return (jax.random.normal(key, shape, dtype) * scale + loc).astype(dtype)


def uniform(low: float = 0.0, high: float = 1.0, shape: int | Sequence[int] = (1,),
            dtype: Any = "float32", ctx: Context | None = None, out: NDArray | None = None,
            **kwargs: Any) -> NDArray:
    """Uniform draws in [low, high), seeded by `mx.random.seed`."""
    data = _uniform(_rng.next_key(), low, high, _shape(shape), dtype_np(dtype or "float32"))
    return _maybe_out(_place(data, ctx), out)


def normal(loc: float = 0.0, scale: float = 1.0, shape: int | Sequence[int] = (1,),
           dtype: Any = "float32", ctx: Context | None = None, out: NDArray | None = None,
           **kwargs: Any) -> NDArray:
    """Normal draws with mean `loc` and standard deviation `scale`."""
    data = _normal(_rng.next_key(), loc, scale, _shape(shape), dtype_np(dtype or "float32"))
    return _maybe_out(_place(data, ctx), out)


def _maybe_out(result: NDArray, out: NDArray | None) -> NDArray:
    if out is None:
        return result
    out[:] = result
    return out
