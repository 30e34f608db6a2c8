"""Spatial-transformer ops: GridGenerator, BilinearSampler, SpatialTransformer.

A sampling grid is (batch, 2, H, W) of source coordinates normalised to [-1, 1]: channel 0
is x (column), channel 1 is y (row), and -1/1 are the centres of the first/last pixels.
MXNet's bilinear sampling reads zero outside the image, per corner. Its backward is the
derivative of that same formula with floor() held constant (the weight of the corner at
floor(x) is 1 - (x - floor(x))), which is what autodiff of the forward below gives, so no
custom gradient is needed; the recorded fixtures check it at integer and border
coordinates.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import attrs as A
from .registry import REQUIRED, Param, Params, register

Array = jax.Array
Shape = tuple[int, ...]


def _check_target(p: Params) -> tuple[int, int]:
    if len(p.target_shape) != 2 or min(p.target_shape) <= 0:
        raise ValueError(f"incorrect target_shape={p.target_shape}: transform_type="
                         f"{p.transform_type!r} needs a positive (height, width)")
    return p.target_shape


def _check_affine(what: str, loc: Array) -> None:
    if loc.ndim != 2 or loc.shape[1] != 6:
        raise ValueError(f"{what} has shape {loc.shape}; an affine transform needs "
                         "(batch, 6), the 2x3 matrices flattened row-major")


def _affine_grid(loc: Array, dst: np.ndarray, h: int, w: int) -> Array:
    """Source grid (batch, 2, h, w) of the 2x3 matrices `loc` applied to `dst` (3, h*w)."""
    theta = loc.reshape(loc.shape[0], 2, 3, 1)
    dst = jnp.asarray(dst, loc.dtype)
    # Three products summed elementwise rather than a matmul: exact float32 on every
    # backend (a GPU matmul may round its inputs to TF32 and shift the coordinates).
    src = theta[:, :, 0] * dst[0] + theta[:, :, 1] * dst[1] + theta[:, :, 2] * dst[2]
    return src.reshape(loc.shape[0], 2, h, w)


def _dst_single(h: int, w: int) -> np.ndarray:
    """GridGenerator's target grid (x, y, 1) rows, each step rounded to float32 first
    as MXNet's mshadow expression does (2/(w-1) is a float32 scalar)."""
    i = np.arange(h * w, dtype=np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.float32(-1) + (i % w) * np.float32(2.0 / (w - 1) if w > 1 else np.inf)
        y = np.float32(-1) + (i // w) * np.float32(2.0 / (h - 1) if h > 1 else np.inf)
    return np.stack([x, y, np.ones_like(x)])


def _dst_double(h: int, w: int) -> np.ndarray:
    """SpatialTransformer's target grid: computed in double, then cast, as MXNet's."""
    i = np.arange(h * w)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = -1.0 + (i % w) * 2.0 / np.float64(w - 1)
        y = -1.0 + (i // w) * 2.0 / np.float64(h - 1)
    return np.stack([x, y, np.ones_like(x)]).astype(np.float32)


# -- GridGenerator ----------------------------------------------------------------------
def _grid_generator(p: Params, data: Array) -> Array:
    if p.transform_type == "affine":
        _check_affine("data", data)
        h, w = _check_target(p)
        return _affine_grid(data, _dst_single(h, w), h, w)
    if data.ndim != 4 or data.shape[1] != 2:
        raise ValueError(f"data has shape {data.shape}; transform_type='warp' needs an "
                         "optical flow (batch, 2, height, width)")
    h, w = data.shape[2:]
    xs = jnp.broadcast_to(jnp.arange(w, dtype=data.dtype), (h, w))
    ys = jnp.broadcast_to(jnp.arange(h, dtype=data.dtype)[:, None], (h, w))
    # MXNet divides by the half extents (a float32 scalar each), then subtracts 1.
    half = jnp.asarray([(w - 1.0) / 2.0, (h - 1.0) / 2.0], data.dtype).reshape(1, 2, 1, 1)
    return (data + jnp.stack([xs, ys])[None]) / half - 1


_TARGET = Param(A.parse_shape, (0, 0), "output (height, width); affine only")
_CUDNN_OFF = Param(A.optional(A.parse_bool), None, "ignored")

register(
    "GridGenerator", _grid_generator,
    params={"transform_type": Param(A.enum("affine", "warp"), REQUIRED,
                                    "affine: data (batch, 6); warp: flow (batch, 2, h, w)"),
            "target_shape": _TARGET},
    hidden_outputs=1,
    doc="Sampling grid for BilinearSampler from affine matrices or an optical flow.")


# -- BilinearSampler --------------------------------------------------------------------
def _bilinear_sample(data: Array, grid: Array) -> Array:
    """Sample NCHW `data` at the normalised (x, y) of `grid` (N, 2, Ho, Wo), zero outside."""
    n, c, h, w = data.shape
    # MXNet's order of operations: (g + 1) * (size - 1) / 2.
    x = (grid[:, 0] + 1) * (w - 1) / 2
    y = (grid[:, 1] + 1) * (h - 1) / 2
    x0, y0 = jnp.floor(x), jnp.floor(y)
    wx, wy = 1 - (x - x0), 1 - (y - y0)
    flat = data.reshape(n, c, h * w)
    xi, yi = x0.astype(jnp.int32), y0.astype(jnp.int32)

    def corner(dy: int, dx: int) -> Array:
        cy, cx = yi + dy, xi + dx
        inside = (cx >= 0) & (cx <= w - 1) & (cy >= 0) & (cy <= h - 1)
        index = (jnp.clip(cy, 0, h - 1) * w + jnp.clip(cx, 0, w - 1)).reshape(n, 1, -1)
        values = jnp.take_along_axis(flat, jnp.broadcast_to(index, (n, c, index.shape[2])),
                                     axis=2).reshape(n, c, *x.shape[1:])
        return jnp.where(inside[:, None], values, 0)

    wx, wy = wx[:, None], wy[:, None]
    return (corner(0, 0) * wy * wx + corner(0, 1) * wy * (1 - wx)
            + corner(1, 0) * (1 - wy) * wx + corner(1, 1) * (1 - wy) * (1 - wx))


def _bilinear_sampler(p: Params, data: Array, grid: Array) -> Array:
    if data.ndim != 4:
        raise ValueError(f"data has shape {data.shape}; expected 4-D (batch, channels, "
                         "height, width)")
    if grid.ndim != 4 or grid.shape[1] != 2 or grid.shape[0] != data.shape[0]:
        raise ValueError(f"grid has shape {grid.shape}; expected ({data.shape[0]}, 2, "
                         f"height, width) from data {data.shape}")
    return _bilinear_sample(data, grid)


register(
    "BilinearSampler", _bilinear_sampler,
    params={"cudnn_off": _CUDNN_OFF},
    inputs=("data", "grid"), hidden_outputs=1,
    doc="Bilinear sampling of NCHW data at a normalised grid; zero outside the image.")


# -- SpatialTransformer -----------------------------------------------------------------
def _spatial_transformer(p: Params, data: Array, loc: Array) -> Array:
    if data.ndim != 4:
        raise ValueError(f"data has shape {data.shape}; expected 4-D (batch, channels, "
                         "height, width)")
    _check_affine("loc", loc)
    h, w = _check_target(p)
    if loc.shape[0] != data.shape[0]:
        raise ValueError(f"loc has shape {loc.shape}; expected ({data.shape[0]}, 6) from "
                         f"data {data.shape}")
    return _bilinear_sample(data, _affine_grid(loc, _dst_double(h, w), h, w))


register(
    "SpatialTransformer", _spatial_transformer,
    params={"target_shape": _TARGET,
            "transform_type": Param(A.enum("affine"), REQUIRED, "transformation type"),
            "sampler_type": Param(A.enum("bilinear"), REQUIRED, "sampling type"),
            "cudnn_off": _CUDNN_OFF},
    inputs=("data", "loc"), hidden_outputs=2,
    doc="Warp NCHW data by per-sample affine matrices loc (batch, 6), sampled bilinearly.")
