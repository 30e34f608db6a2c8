"""The optional image codec: OpenCV, as MXNet decodes, encodes and resizes with it.

OpenCV (not Pillow) because MXNet's files are made and read by OpenCV: the same JPEG
encoder settings, the same bilinear `resize`, the same decoded pixels.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import numpy as np

from ..base import MXNetError
from ._cubic import resize_cubic_u8

INSTALL_HINT = "pip install 'jaxsym[image]' (or: pip install opencv-python-headless)"


def require_cv2(what: str) -> ModuleType:
    """Import OpenCV for `what` ("unpack_img"), or raise an MXNetError saying what to install."""
    try:
        import cv2
    except ImportError as err:
        raise MXNetError(f"{what} needs OpenCV to decode and encode images: "
                         f"{INSTALL_HINT}") from err
    return cv2


def short_edge_size(height: int, width: int, size: int) -> tuple[int, int]:
    """MXNet's (width, height) with the shorter edge `size`, the longer by integer division."""
    if height > width:
        return size, size * height // width
    return size * width // height, size


def pick_interp(method: int, old: tuple[int, int], new: tuple[int, int],
                randint: Callable[[int, int], int]) -> int:
    """MXNet's interpolation choice from two sizes in the same order: 9 picks by direction
    (cubic up, area down, else bilinear), 10 draws `randint(0, 4)` (inclusive), others pass."""
    if method == 9:
        if new[0] > old[0] and new[1] > old[1]:
            return 2
        return 3 if new[0] < old[0] and new[1] < old[1] else 1
    if method == 10:
        return int(randint(0, 4))
    return method


def resize(cv2: ModuleType, pixels: np.ndarray, size: tuple[int, int], interp: int) -> np.ndarray:
    """`cv2.resize(pixels, size (w, h), interp)` with MXNet's pixels: its OpenCV 3.4.2
    bicubic for uint8 (see _cubic.py), the installed OpenCV otherwise."""
    if interp == 2 and pixels.dtype == np.uint8:
        return resize_cubic_u8(pixels.reshape(pixels.shape[:2] + (-1,)), *size)
    return cv2.resize(pixels, size, interpolation=interp)
