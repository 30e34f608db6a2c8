"""MXNet's bicubic resize of uint8 images, bit for bit.

MXNet 1.9.1 links OpenCV 3.4.2 built with SSE2, whose uint8 bicubic `resize` differs from
OpenCV 4 and 5 by one step on some pixels. Its horizontal pass is fixed point (11-bit
coefficients, integer sums); its vertical pass runs in float32 (SSE2) over each output row
in blocks of 8 values (width x channels), and the integer path finishes the remainder.
This module reproduces both passes in numpy.
"""

from __future__ import annotations

import numpy as np

_COEF_SCALE = 2048  # OpenCV's INTER_RESIZE_COEF_SCALE (11 bits)
_SIMD_BLOCK = 8  # values per SSE2 step of the vertical pass
_A = np.float32(-0.75)  # OpenCV's cubic kernel parameter


def _kernel(fraction: np.ndarray) -> np.ndarray:
    """OpenCV's four cubic weights for each fractional offset, in float32: shape (n, 4)."""
    x = fraction.astype(np.float32)
    one, two, three = np.float32(1), np.float32(2), np.float32(3)
    c0 = ((_A * (x + one) - np.float32(5) * _A) * (x + one) + np.float32(8) * _A) * (x + one) \
        - np.float32(4) * _A
    c1 = ((_A + two) * x - (_A + three)) * x * x + one
    c2 = ((_A + two) * (one - x) - (_A + three)) * (one - x) * (one - x) + one
    return np.stack([c0, c1, c2, one - c0 - c1 - c2], axis=1)


def _taps(src_len: int, dst_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Source indices (clamped to the edge) and fixed-point weights: two (dst_len, 4)."""
    scale = 1.0 / (dst_len / src_len)
    pos = ((np.arange(dst_len) + 0.5) * scale - 0.5).astype(np.float32)
    start = np.floor(pos).astype(np.int64)
    weights = np.rint(_kernel(pos - start.astype(np.float32)) * np.float32(_COEF_SCALE))
    index = np.clip(start[:, None] + np.arange(-1, 3), 0, src_len - 1)
    return index, weights.astype(np.int64)


def resize_cubic_u8(pixels: np.ndarray, width: int, height: int) -> np.ndarray:
    """`pixels` (h, w, c) uint8 resized to (height, width, c) as MXNet's `imresize(interp=2)`."""
    x_index, x_weight = _taps(pixels.shape[1], width)
    y_index, y_weight = _taps(pixels.shape[0], height)
    rows = (pixels.astype(np.int64)[:, x_index] * x_weight[None, :, :, None]).sum(axis=2)
    taps = rows[y_index]  # (height, 4, width, c)
    exact = (taps * y_weight[:, :, None, None]).sum(axis=1)
    exact = (exact + (1 << 21)) >> 22  # the integer path's rounding shift (2 x 11 bits)
    beta = y_weight.astype(np.float32) * np.float32(1.0 / (_COEF_SCALE * _COEF_SCALE))
    terms = taps.astype(np.float32) * beta[:, :, None, None]
    simd = np.rint(((terms[:, 0] + terms[:, 1]) + terms[:, 2]) + terms[:, 3])
    out = exact.reshape(height, -1)
    vectorised = out.shape[1] // _SIMD_BLOCK * _SIMD_BLOCK
    out[:, :vectorised] = simd.reshape(height, -1)[:, :vectorised]
    return np.clip(out, 0, 255).astype(np.uint8).reshape(exact.shape)
