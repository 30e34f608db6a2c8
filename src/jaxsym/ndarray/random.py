"""`mx.nd.random`: draws from the process-wide key (`mx.random.seed`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax

from .. import _rng
from ..base import Context, dtype_np
from .ndarray import NDArray, _place, _shape


def uniform(low: float = 0.0, high: float = 1.0, shape: int | Sequence[int] = (1,),
            dtype: Any = "float32", ctx: Context | None = None, out: NDArray | None = None,
            **kwargs: Any) -> NDArray:
    data = jax.random.uniform(_rng.next_key(), _shape(shape), dtype_np(dtype or "float32"),
                              low, high)
    return _maybe_out(_place(data, ctx), out)


def normal(loc: float = 0.0, scale: float = 1.0, shape: int | Sequence[int] = (1,),
           dtype: Any = "float32", ctx: Context | None = None, out: NDArray | None = None,
           **kwargs: Any) -> NDArray:
    dt = dtype_np(dtype or "float32")
    data = jax.random.normal(_rng.next_key(), _shape(shape), dt) * scale + loc
    return _maybe_out(_place(data.astype(dt), ctx), out)


def _maybe_out(result: NDArray, out: NDArray | None) -> NDArray:
    if out is None:
        return result
    out[:] = result
    return out
