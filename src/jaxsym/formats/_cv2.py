"""The optional image codec: OpenCV, as MXNet decodes, encodes and resizes with it.

OpenCV (not Pillow) because MXNet's files are made and read by OpenCV: the same JPEG
encoder settings, the same bilinear `resize`, the same decoded pixels.
"""

from __future__ import annotations

from types import ModuleType

from ..base import MXNetError

INSTALL_HINT = "pip install 'jaxsym[image]' (or: pip install opencv-python-headless)"


def require_cv2(what: str) -> ModuleType:
    """Import OpenCV for `what` ("unpack_img"), or raise an MXNetError saying what to install."""
    try:
        import cv2
    except ImportError as err:
        raise MXNetError(f"{what} needs OpenCV to decode and encode images: "
                         f"{INSTALL_HINT}") from err
    return cv2
