"""`mx.sym.zeros`, `ones`, `full`, `arange`, `linspace`, `eye`: MXNet's Python wrappers
around the creation ops (`_zeros`...), with their signatures and float32 default."""

from __future__ import annotations

from typing import Any

from .op_functions import make
from .symbol import Symbol


def _dtype(dtype: Any) -> Any:
    return "float32" if dtype is None else dtype


def zeros(shape: Any, dtype: Any = None, **kwargs: Any) -> Symbol:
    """A `_zeros` node: zeros of `shape`."""
    return make("_zeros", "_zeros")(shape=shape, dtype=_dtype(dtype), **kwargs)


def ones(shape: Any, dtype: Any = None, **kwargs: Any) -> Symbol:
    """A `_ones` node: ones of `shape`."""
    return make("_ones", "_ones")(shape=shape, dtype=_dtype(dtype), **kwargs)


def full(shape: Any, val: float, dtype: Any = None, **kwargs: Any) -> Symbol:
    """A `_full` node: `shape` filled with `val` (stored as a float, as MXNet)."""
    return make("_full", "_full")(shape=shape, dtype=_dtype(dtype), value=float(val),
                                  **kwargs)


def arange(start: float, stop: float | None = None, step: float = 1.0, repeat: int = 1,
           infer_range: bool = False, name: str | None = None, dtype: Any = None) -> Symbol:
    """An `_arange` node: [start, stop) by step, each value `repeat` times."""
    return make("_arange", "_arange")(start=start, stop=stop, step=step, repeat=repeat,
                                      infer_range=infer_range, name=name,
                                      dtype=_dtype(dtype))


def linspace(start: float, stop: float, num: int, endpoint: bool = True,
             name: str | None = None, dtype: Any = None) -> Symbol:
    """A `_linspace` node: `num` values from start to stop."""
    return make("_linspace", "_linspace")(start=start, stop=stop, num=num,
                                          endpoint=endpoint, name=name,
                                          dtype=_dtype(dtype))


def eye(N: int, M: int = 0, k: int = 0, dtype: Any = None, **kwargs: Any) -> Symbol:
    """An `_eye` node: N x M (M=0: N) with ones on diagonal k."""
    return make("_eye", "_eye")(N, M, k, dtype=_dtype(dtype), **kwargs)
