"""MXNet 1.9.1's `mx.image` functions and augmenters, on OpenCV and NDArray.

MXNet's behaviour kept here:

* `imdecode`/`imread` give RGB (`to_rgb=True`), HWC uint8; `flag=0` gives (h, w, 1), and
  `flag=1` gives three channels even for a grayscale file.
* `imresize` keeps the dtype, and its uint8 bicubic is the OpenCV 3.4.2 one MXNet links
  (formats/_cubic.py); `resize_short` scales the shorter edge to `size` and the
  longer one by integer division; interpolation 9 picks by direction, 10 at random.
* Crops take sizes as (width, height) and first shrink them to fit (`scale_down`), then
  resize the crop to the asked size.
* Random choices use Python's `random` module (and LightingAug numpy's global generator),
  as MXNet's, so `random.seed(n)` (and `np.random.seed(n)`) give MXNet's crops, flips
  and jitters.
* `color_normalize` subtracts and divides in place and returns `src`; an NDArray mean or
  std must have `src`'s dtype (MXNet cannot subtract float32 from uint8 either).

Unlike MXNet, a crop that leaves the image raises instead of being clipped.
"""

from __future__ import annotations

import json
import random
import warnings
from collections.abc import Sequence
from numbers import Number
from typing import Any

import numpy as np

from .. import ndarray as nd
from ..base import MXNetError, MXNetTypeError, MXNetValueError
from ..formats._cv2 import pick_interp, require_cv2, resize, short_edge_size
from ..ndarray.ndarray import NDArray, array

_INTERPS = (0, 1, 2, 3, 4)
_RESIZE_DTYPES = (np.uint8, np.float32, np.float64)
_BORDER_TYPES = (0, 1, 2, 3, 4)
Size = tuple[int, int]


def _pixels(src: Any, what: str) -> np.ndarray:
    """The host copy of an HWC image NDArray, or an error naming `what`."""
    if not isinstance(src, NDArray):
        raise MXNetTypeError(f"{what}: src must be an NDArray image (height, width, "
                             f"channels), got {type(src).__name__}")
    if src.ndim != 3:
        raise MXNetValueError(f"{what}: src must have shape (height, width, channels), "
                              f"got {src.shape}")
    return src.asnumpy()


def _result(pixels: np.ndarray, like: NDArray | None, out: NDArray | None,
            what: str) -> NDArray:
    """`pixels` as an NDArray (HWC kept for one channel), written into `out` if given."""
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    if out is None:
        return array(pixels, ctx=like.context if like is not None else None,
                     dtype=pixels.dtype)
    if out.shape != pixels.shape or out.dtype != pixels.dtype:
        raise MXNetValueError(f"{what}: out has shape {out.shape} and dtype "
                              f"{np.dtype(out.dtype).name}, the result {pixels.shape} "
                              f"{pixels.dtype.name}")
    out[:] = array(pixels, ctx=out.context, dtype=pixels.dtype)
    return out


def _check_interp(interp: int, what: str, extra: Sequence[int] = (9, 10)) -> None:
    if interp not in _INTERPS + tuple(extra):
        raise MXNetValueError(f"{what}: unknown interp {interp}; valid: "
                              f"{', '.join(map(str, _INTERPS + tuple(extra)))}")


def imdecode(buf: bytes | bytearray | np.ndarray | NDArray, flag: int = 1,
             to_rgb: bool = True, out: NDArray | None = None) -> NDArray:
    """Decodes an image file's bytes (JPEG, PNG, ...) with OpenCV.

    Args:
      buf: the encoded bytes, as bytes, bytearray, or a uint8 numpy array or NDArray.
      flag: 1 for three colour channels, 0 for grayscale.
      to_rgb: RGB channel order (MXNet's default); False gives OpenCV's BGR.
      out: optional NDArray to write into.

    Returns:
      A uint8 NDArray of shape (height, width, 3), or (height, width, 1) for flag=0.
    """
    if isinstance(buf, NDArray):
        data = buf.asnumpy().astype(np.uint8).ravel()
    elif isinstance(buf, (bytes, bytearray, np.ndarray)):
        data = np.frombuffer(bytes(buf) if not isinstance(buf, np.ndarray) else buf.tobytes(),
                             np.uint8)
    else:
        raise MXNetTypeError(f"imdecode: buf must be bytes, bytearray, numpy.ndarray or "
                             f"NDArray, got {type(buf).__name__}; encode a str to bytes first")
    if flag not in (0, 1):
        raise MXNetValueError(f"imdecode: flag must be 0 (grayscale) or 1 (colour), got {flag}")
    if data.size == 0:
        raise MXNetValueError("imdecode: buf is empty")
    cv2 = require_cv2("imdecode")
    img = cv2.imdecode(data, flag)
    if img is None:
        raise MXNetValueError(f"imdecode: OpenCV cannot decode these {data.size} bytes "
                              f"(starting {bytes(data[:8])!r}) as an image")
    if to_rgb and img.ndim == 3:
        img = img[:, :, ::-1]
    return _result(np.ascontiguousarray(img), None, out, "imdecode")


def imread(filename: str, flag: int = 1, to_rgb: bool = True,
           out: NDArray | None = None) -> NDArray:
    """Reads and decodes an image file; see `imdecode` for the arguments and result."""
    try:
        with open(filename, "rb") as f:
            buf = f.read()
    except OSError as err:
        raise MXNetValueError(f"imread: cannot open {filename!r}: {err.strerror}") from err
    try:
        return imdecode(buf, flag, to_rgb, out)
    except MXNetError as err:
        raise type(err)(f"imread {filename!r}: {err}") from err


def imresize(src: NDArray, w: int, h: int, interp: int = 1,
             out: NDArray | None = None) -> NDArray:
    """Resizes an HWC image to width `w` and height `h` with OpenCV, keeping its dtype.

    Args:
      src: the image, uint8, float32 or float64.
      w, h: the new width and height (at least 1).
      interp: 0 nearest, 1 bilinear, 2 bicubic, 3 area, 4 Lanczos.
      out: optional NDArray to write into.

    Returns:
      An NDArray of shape (h, w, channels).
    """
    pixels = _pixels(src, "imresize")
    if int(w) < 1 or int(h) < 1:
        raise MXNetValueError(f"imresize: w and h must be at least 1, got w={w}, h={h}")
    _check_interp(interp, "imresize", extra=())
    if pixels.dtype not in _RESIZE_DTYPES:
        raise MXNetTypeError(f"imresize: src dtype must be uint8, float32 or float64, got "
                             f"{pixels.dtype.name}")
    if 0 in pixels.shape:
        raise MXNetValueError(f"imresize: src is empty, shape {pixels.shape}")
    cv2 = require_cv2("imresize")
    resized = resize(cv2, pixels, (int(w), int(h)), interp)
    return _result(resized, src, out, "imresize")


def scale_down(src_size: Size, size: Size) -> Size:
    """Shrinks a (width, height) crop size, keeping its aspect ratio, to fit `src_size`."""
    w, h = size
    sw, sh = src_size
    if sh < h:
        w, h = float(w * sh) / h, sh
    if sw < w:
        w, h = sw, float(h * sw) / w
    return int(w), int(h)


def resize_short(src: NDArray, size: int, interp: int = 2) -> NDArray:
    """Resizes so that the shorter edge is `size`; the longer one by integer division."""
    _check_interp(interp, "resize_short")
    h, w = _pixels(src, "resize_short").shape[:2]
    new_w, new_h = short_edge_size(h, w, size)
    return imresize(src, new_w, new_h, interp=pick_interp(interp, (h, w), (new_h, new_w),
                                                          random.randint))


def fixed_crop(src: NDArray, x0: int, y0: int, w: int, h: int, size: Size | None = None,
               interp: int = 2) -> NDArray:
    """Crops `w` x `h` pixels at column `x0`, row `y0`, then resizes to `size` (w, h) if given.

    Raises:
      MXNetValueError: the crop is empty or leaves the image (MXNet clips it silently).
    """
    rows, cols = _pixels(src, "fixed_crop").shape[:2]
    if w < 1 or h < 1 or x0 < 0 or y0 < 0 or x0 + w > cols or y0 + h > rows:
        raise MXNetValueError(f"fixed_crop: the crop x0={x0}, y0={y0}, w={w}, h={h} is empty "
                              f"or leaves the {cols}x{rows} (width x height) image")
    _check_interp(interp, "fixed_crop")
    out = src[y0:y0 + h, x0:x0 + w]
    if size is not None and (w, h) != tuple(size):
        method = pick_interp(interp, (h, w), (size[1], size[0]), random.randint)
        out = imresize(out, size[0], size[1], interp=method)
    return out


def random_crop(src: NDArray, size: Size, interp: int = 2) -> tuple[NDArray, tuple[int, ...]]:
    """Crops `size` (w, h), shrunk to fit, at a random place; resized up to `size` if shrunk.

    Returns:
      The crop, and (x0, y0, width, height) of the region taken from `src`.
    """
    h, w = _pixels(src, "random_crop").shape[:2]
    new_w, new_h = scale_down((w, h), size)
    x0 = random.randint(0, w - new_w)
    y0 = random.randint(0, h - new_h)
    return fixed_crop(src, x0, y0, new_w, new_h, size, interp), (x0, y0, new_w, new_h)


def center_crop(src: NDArray, size: Size, interp: int = 2) -> tuple[NDArray, tuple[int, ...]]:
    """Crops `size` (w, h), shrunk to fit, at the centre; resized up to `size` if shrunk.

    Returns:
      The crop, and (x0, y0, width, height) of the region taken from `src`.
    """
    h, w = _pixels(src, "center_crop").shape[:2]
    new_w, new_h = scale_down((w, h), size)
    x0, y0 = (w - new_w) // 2, (h - new_h) // 2
    return fixed_crop(src, x0, y0, new_w, new_h, size, interp), (x0, y0, new_w, new_h)


def random_size_crop(src: NDArray, size: Size, area: float | tuple[float, float],
                     ratio: tuple[float, float], interp: int = 2, **kwargs: Any
                     ) -> tuple[NDArray, tuple[int, ...]]:
    """Crops a random region of random area (a fraction of the image's, or a range) and
    aspect ratio (a (min, max) range, drawn uniformly in log space), resized to `size`
    (w, h). After 10 draws that do not fit, falls back to `center_crop`.

    Returns:
      The crop, and (x0, y0, width, height) of the region taken from `src`.
    """
    h, w = _pixels(src, "random_size_crop").shape[:2]
    if "min_area" in kwargs:
        warnings.warn("`min_area` is deprecated. Please use `area` instead.",
                      DeprecationWarning, stacklevel=2)
        area = kwargs.pop("min_area")
    if kwargs:
        raise MXNetTypeError(f"random_size_crop: unexpected keyword arguments {sorted(kwargs)}")
    low, high = (area, 1.0) if isinstance(area, (int, float)) else area
    log_ratio = (np.log(ratio[0]), np.log(ratio[1]))
    for _ in range(10):  # MXNet's draw order: area, ratio, then x0 and y0 if it fits
        target_area = random.uniform(low, high) * h * w
        new_ratio = np.exp(random.uniform(*log_ratio))
        new_w = round(float(np.sqrt(target_area * new_ratio)))
        new_h = round(float(np.sqrt(target_area / new_ratio)))
        if new_w <= w and new_h <= h:
            x0 = random.randint(0, w - new_w)
            y0 = random.randint(0, h - new_h)
            return fixed_crop(src, x0, y0, new_w, new_h, size, interp), (x0, y0, new_w, new_h)
    return center_crop(src, size, interp)


def color_normalize(src: NDArray, mean: NDArray | float | None,
                    std: NDArray | float | None = None) -> NDArray:
    """`(src - mean) / std` per channel, in place on `src` (as MXNet), which is returned."""
    for name, value in (("mean", mean), ("std", std)):
        if isinstance(value, NDArray):
            if value.dtype != src.dtype:
                raise MXNetTypeError(f"color_normalize: {name} has dtype "
                                     f"{np.dtype(value.dtype).name}, src "
                                     f"{np.dtype(src.dtype).name}; cast src first "
                                     "(src.astype('float32'))")
        elif value is not None and not isinstance(value, (int, float)):
            raise MXNetTypeError(f"color_normalize: {name} must be an NDArray, a number or "
                                 f"None, got {type(value).__name__}")
    if mean is not None:
        src -= mean
    if std is not None:
        src /= std
    return src


def copyMakeBorder(src: NDArray, top: int, bot: int, left: int, right: int,
                   type: int = 0, value: float = 0.0,
                   values: Sequence[float] = (), out: NDArray | None = None) -> NDArray:
    """Pads an HWC image with OpenCV's copyMakeBorder.

    Args:
      src: the image.
      top, bot, left, right: the border widths.
      type: 0 constant, 1 reflect, 2 reflect-101, 3 replicate, 4 wrap; + 16 isolated.
      value: the constant for every channel; `values` gives one per channel (up to 4).
      out: optional NDArray to write into.
    """
    pixels = _pixels(src, "copyMakeBorder")
    # 16 is OpenCV's BORDER_ISOLATED flag, which MXNet's DetRandomPadAug ORs in.
    if type & ~16 not in _BORDER_TYPES:
        raise MXNetValueError(f"copyMakeBorder: unknown type {type}; valid: 0 to 4, "
                              "optionally + 16 (isolated)")
    if min(top, bot, left, right) < 0:
        raise MXNetValueError(f"copyMakeBorder: negative border top={top}, bot={bot}, "
                              f"left={left}, right={right}")
    if len(values) > 4:
        raise MXNetValueError(f"copyMakeBorder: values holds up to 4 numbers, got {values}")
    # MXNet's `value` fills every channel; OpenCV's scalar only the first.
    fill = tuple(float(v) for v in values) if values else (float(value),) * 4
    cv2 = require_cv2("copyMakeBorder")
    padded = cv2.copyMakeBorder(pixels, top, bot, left, right, type, value=fill)
    return _result(padded, src, out, "copyMakeBorder")


def imrotate(src: NDArray, rotation_degrees: float | NDArray, zoom_in: bool = False,
             zoom_out: bool = False) -> NDArray:
    """Rotates channels-first float32 image(s) about their centre, with BilinearSampler.

    Args:
      src: one image (channels, height, width) or a batch (batch, channels, height,
        width), float32.
      rotation_degrees: counter-clockwise degrees: a number, or for a batch an NDArray
        of one angle per image.
      zoom_in: scale so that no padding shows (the largest inside rectangle).
      zoom_out: scale so that the whole image stays inside the output.

    Returns:
      The rotated image(s), of `src`'s shape; pixels from outside `src` are zero.
    """
    if zoom_in and zoom_out:
        raise MXNetValueError("imrotate: `zoom_in` and `zoom_out` cannot be both True")
    if not isinstance(src, NDArray) or src.dtype != np.float32:
        got = np.dtype(src.dtype).name if isinstance(src, NDArray) else type(src).__name__
        raise MXNetTypeError(f"imrotate: Only `float32` images are supported by this function; "
                             f"got {got}, cast first (src.astype('float32'))")
    expanded = src.ndim == 3
    if expanded:
        if not isinstance(rotation_degrees, Number):
            raise MXNetTypeError(
                "imrotate: When a single image is passed the rotation angle is required to "
                f"be a scalar; got {type(rotation_degrees).__name__}")
        src = src.expand_dims(axis=0)
    elif src.ndim != 4:
        raise MXNetValueError(f"imrotate: Only 3D and 4D are supported by this function: "
                              f"(channels, height, width) or (batch, channels, height, "
                              f"width); got shape {src.shape}")
    if isinstance(rotation_degrees, Number):
        rotation_degrees = array([rotation_degrees] * len(src), ctx=src.context)
    _check_angles(rotation_degrees, len(src))
    degrees = rotation_degrees.as_in_context(src.context)
    radians = (np.pi * degrees / 180).expand_dims(axis=1).expand_dims(axis=2)
    h, w = src.shape[2:]
    hscale, wscale = (h - 1) / 2, (w - 1) / 2
    # Pixel offsets from the centre: exact in float32, so computed on the host.
    rows = array(np.broadcast_to(np.arange(h, dtype=np.float32)[:, None] - hscale,
                                 (1, h, w)), ctx=src.context)
    cols = array(np.broadcast_to(np.arange(w, dtype=np.float32)[None, :] - wscale,
                                 (1, h, w)), ctx=src.context)
    cos, sin = nd.cos(radians), nd.sin(radians)
    # MXNet rotates first and normalises after, keeping the aspect ratio.
    grid = nd.concat(((cols * cos - rows * sin) / wscale).expand_dims(axis=1),
                     ((cols * sin + rows * cos) / hscale).expand_dims(axis=1), dim=1)
    if zoom_in or zoom_out:
        grid = grid * _rotate_zoom(radians, h, w, zoom_out, src.context)
    rotated = nd.BilinearSampler(src, grid)
    return rotated[0] if expanded else rotated


def _check_angles(degrees: Any, count: int) -> None:
    """A batch's angles: an NDArray of `count` float32 numbers."""
    if not isinstance(degrees, NDArray):
        # MXNet fails here with AttributeError ('list' object has no attribute ...).
        raise MXNetTypeError(f"imrotate: rotation_degrees must be a number or an NDArray, "
                             f"got {type(degrees).__name__}")
    if degrees.ndim != 1 or len(degrees) != count:
        raise MXNetValueError(f"imrotate: The number of images must be equal to the number "
                              f"of rotation angles; got {count} images, angles of shape "
                              f"{degrees.shape}")
    if degrees.dtype != np.float32:
        raise MXNetTypeError(f"imrotate: rotation_degrees must be float32 as the images, "
                             f"got {np.dtype(degrees.dtype).name}")


def _rotate_zoom(radians: NDArray, h: int, w: int, zoom_out: bool, ctx: Any) -> NDArray:
    """The per-image grid scale (batch, 1, 1, 1) of imrotate's zoom_in/zoom_out, from
    where the rotated corners land, in MXNet's float32 steps."""
    height, width = array([h], ctx=ctx), array([w], ctx=ctx)
    rho = nd.sqrt(height * height + width * width)
    corner = nd.arctan(height / width)
    turn = nd.abs(radians)
    max_x = nd.maximum(nd.abs(rho * nd.cos(corner + turn)), nd.abs(rho * nd.cos(corner - turn)))
    max_y = nd.maximum(nd.abs(rho * nd.sin(corner + turn)), nd.abs(rho * nd.sin(corner - turn)))
    if zoom_out:
        scale = nd.maximum(max_x / width, max_y / height)
    else:
        scale = nd.minimum(width / max_x, height / max_y)
    return scale.expand_dims(axis=3)


def random_rotate(src: NDArray, angle_limits: tuple[float, float], zoom_in: bool = False,
                  zoom_out: bool = False) -> NDArray:
    """Rotates `src` (as `imrotate`) by angles drawn uniformly from `angle_limits`.

    The angles come from numpy's global generator, as MXNet's, so `np.random.seed(n)`
    gives MXNet's rotations: one draw for a single image, `batch` draws for a batch.
    """
    if src.ndim == 3:
        degrees: float | NDArray = np.random.uniform(*angle_limits)
    else:
        degrees = array(np.random.uniform(*angle_limits, size=src.shape[0]))
    return imrotate(src, degrees, zoom_in=zoom_in, zoom_out=zoom_out)


# --- augmenters --------------------------------------------------------------------------


class _Dumpable:
    """Keeps the constructor's arguments for `dumps()`, as MXNet's augmenters."""

    def __init__(self, **kwargs: Any) -> None:
        self._kwargs = {k: _plain(v) for k, v in kwargs.items()}

    def dumps(self) -> str:
        """`["classname", {arguments}]` as a JSON string, as MXNet's."""
        return json.dumps([self.__class__.__name__.lower(), self._kwargs])


class Augmenter(_Dumpable):
    """An image transform: `aug(src) -> NDArray`; `dumps()` describes it as JSON."""

    def __call__(self, src: NDArray) -> NDArray:
        raise NotImplementedError(f"{type(self).__name__} must define __call__")


def _plain(value: Any) -> Any:
    """Arrays as lists, so that `dumps` can write them."""
    if isinstance(value, NDArray):
        value = value.asnumpy()
    return value.tolist() if isinstance(value, np.ndarray) else value


class SequentialAug(Augmenter):
    """Applies `ts` in order."""

    def __init__(self, ts: Sequence[Augmenter]) -> None:
        super().__init__()
        self.ts = list(ts)

    def dumps(self) -> list[Any]:  # type: ignore[override]
        """`["sequentialaug", [each dumps()]]`: a list, not a string, as MXNet's."""
        return [self.__class__.__name__.lower(), [t.dumps() for t in self.ts]]

    def __call__(self, src: NDArray) -> NDArray:
        for aug in self.ts:
            src = aug(src)
        return src


class _SizedAug(Augmenter):
    """An augmenter configured by a target `size` and an interpolation `interp`."""

    def __init__(self, size: Any, interp: int = 2) -> None:
        super().__init__(size=size, interp=interp)
        self.size, self.interp = size, interp


class ResizeAug(_SizedAug):
    """`resize_short(src, size, interp)`: `size` is the shorter edge."""

    def __call__(self, src: NDArray) -> NDArray:
        return resize_short(src, self.size, self.interp)


class ForceResizeAug(_SizedAug):
    """Resizes to `size` (width, height), ignoring the aspect ratio."""

    def __call__(self, src: NDArray) -> NDArray:
        _check_interp(self.interp, "ForceResizeAug")
        old = tuple(src.shape[:2])
        method = pick_interp(self.interp, old, (self.size[1], self.size[0]), random.randint)
        return imresize(src, self.size[0], self.size[1], interp=method)


class RandomCropAug(_SizedAug):
    """`random_crop(src, size, interp)`, the crop only; `size` is (width, height)."""

    def __call__(self, src: NDArray) -> NDArray:
        return random_crop(src, self.size, self.interp)[0]


class CenterCropAug(_SizedAug):
    """`center_crop(src, size, interp)`, the crop only; `size` is (width, height)."""

    def __call__(self, src: NDArray) -> NDArray:
        return center_crop(src, self.size, self.interp)[0]


class HorizontalFlipAug(Augmenter):
    """Mirrors left to right with probability `p` (drawn with `random.random()`)."""

    def __init__(self, p: float) -> None:
        super().__init__(p=p)
        self.p = p

    def __call__(self, src: NDArray) -> NDArray:
        if random.random() < self.p:
            src = array(_pixels(src, "HorizontalFlipAug")[:, ::-1], ctx=src.context,
                        dtype=src.dtype)
        return src


class CastAug(Augmenter):
    """Casts to `typ` (float32)."""

    def __init__(self, typ: str = "float32") -> None:
        super().__init__(type=typ)
        self.typ = typ

    def __call__(self, src: NDArray) -> NDArray:
        return src.astype(self.typ)


class ColorNormalizeAug(Augmenter):
    """`color_normalize(src, mean, std)`; arrays become float32 NDArrays."""

    def __init__(self, mean: Any, std: Any) -> None:
        super().__init__(mean=mean, std=std)
        self.mean = mean if mean is None or isinstance(mean, NDArray) else array(mean)
        self.std = std if std is None or isinstance(std, NDArray) else array(std)

    def __call__(self, src: NDArray) -> NDArray:
        return color_normalize(src, self.mean, self.std)


class RandomSizedCropAug(Augmenter):
    """`random_size_crop(src, size, area, ratio, interp)`, the crop only."""

    def __init__(self, size: Size, area: float | tuple[float, float],
                 ratio: tuple[float, float], interp: int = 2, **kwargs: Any) -> None:
        super().__init__(size=size, area=area, ratio=ratio, interp=interp)
        if "min_area" in kwargs:
            warnings.warn("`min_area` is deprecated. Please use `area` instead.",
                          DeprecationWarning, stacklevel=2)
            area = kwargs.pop("min_area")
        if kwargs:
            raise MXNetTypeError(f"RandomSizedCropAug: unexpected keyword arguments "
                                 f"{sorted(kwargs)}")
        self.size, self.area, self.ratio, self.interp = size, area, ratio, interp

    def __call__(self, src: NDArray) -> NDArray:
        return random_size_crop(src, self.size, self.area, self.ratio, self.interp)[0]


class RandomOrderAug(Augmenter):
    """Applies `ts` in a random order: MXNet shuffles the list itself (`random.shuffle`),
    so the order drawn last stays, and shows in `dumps()`."""

    def __init__(self, ts: list[Augmenter]) -> None:
        super().__init__()
        self.ts = ts

    def dumps(self) -> list[Any]:  # type: ignore[override]
        return [self.__class__.__name__.lower(), [t.dumps() for t in self.ts]]

    def __call__(self, src: NDArray) -> NDArray:
        random.shuffle(self.ts)
        for aug in self.ts:
            src = aug(src)
        return src


# The luma weights MXNet's contrast and saturation jitters use (ITU-R BT.601).
_LUMA = (0.299, 0.587, 0.114)


def _jitter(spread: float) -> float:
    return 1.0 + random.uniform(-spread, spread)


class BrightnessJitterAug(Augmenter):
    """Scales by 1 + U(-brightness, brightness); in place, as MXNet's (float input)."""

    def __init__(self, brightness: float) -> None:
        super().__init__(brightness=brightness)
        self.brightness = brightness

    def __call__(self, src: NDArray) -> NDArray:
        src *= _jitter(self.brightness)
        return src


class ContrastJitterAug(Augmenter):
    """Blends with the image's mean luma: `alpha * src + (1 - alpha) * mean gray`."""

    def __init__(self, contrast: float) -> None:
        super().__init__(contrast=contrast)
        self.contrast = contrast
        self.coef = array([[_LUMA]])

    def __call__(self, src: NDArray) -> NDArray:
        alpha = _jitter(self.contrast)
        gray = src * self.coef
        # Summed over the three weighted channels, hence 3 / size for the mean luma.
        gray = (3.0 * (1.0 - alpha) / gray.size) * nd.sum(gray)
        src *= alpha
        src += gray
        return src


class SaturationJitterAug(Augmenter):
    """Blends each pixel with its own luma: `alpha * src + (1 - alpha) * gray`."""

    def __init__(self, saturation: float) -> None:
        super().__init__(saturation=saturation)
        self.saturation = saturation
        self.coef = array([[_LUMA]])

    def __call__(self, src: NDArray) -> NDArray:
        alpha = _jitter(self.saturation)
        gray = nd.sum(src * self.coef, axis=2, keepdims=True)
        gray *= 1.0 - alpha
        src *= alpha
        src += gray
        return src


class HueJitterAug(Augmenter):
    """Rotates the hue by U(-hue, hue) * 180 degrees, as a linear map in YIQ space."""

    _RGB_TO_YIQ = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.321],
                            [0.211, -0.523, 0.311]])
    _YIQ_TO_RGB = np.array([[1.0, 0.956, 0.621], [1.0, -0.272, -0.647],
                            [1.0, -1.107, 1.705]])

    def __init__(self, hue: float) -> None:
        super().__init__(hue=hue)
        self.hue = hue

    def __call__(self, src: NDArray) -> NDArray:
        angle = random.uniform(-self.hue, self.hue) * np.pi
        cos, sin = np.cos(angle), np.sin(angle)
        rotate = np.array([[1.0, 0.0, 0.0], [0.0, cos, -sin], [0.0, sin, cos]])
        # Composed in float64, applied in float32 (nd.array), as MXNet's.
        transform = (self._YIQ_TO_RGB @ rotate @ self._RGB_TO_YIQ).T
        return nd.dot(src, array(transform))


class ColorJitterAug(RandomOrderAug):
    """Brightness, contrast and saturation jitters (those > 0), in a random order."""

    def __init__(self, brightness: float, contrast: float, saturation: float) -> None:
        ts: list[Augmenter] = []
        if brightness > 0:
            ts.append(BrightnessJitterAug(brightness))
        if contrast > 0:
            ts.append(ContrastJitterAug(contrast))
        if saturation > 0:
            ts.append(SaturationJitterAug(saturation))
        super().__init__(ts)


class LightingAug(Augmenter):
    """AlexNet's PCA lighting noise: adds `eigvec * alpha @ eigval` per channel, alpha
    drawn from numpy's global generator (`np.random.normal`), as MXNet's."""

    def __init__(self, alphastd: float, eigval: Any, eigvec: Any) -> None:
        super().__init__(alphastd=alphastd, eigval=eigval, eigvec=eigvec)
        self.alphastd, self.eigval, self.eigvec = alphastd, eigval, eigvec

    def __call__(self, src: NDArray) -> NDArray:
        alpha = np.random.normal(0, self.alphastd, size=(3,))
        src += array(np.dot(self.eigvec * alpha, self.eigval))
        return src


class RandomGrayAug(Augmenter):
    """With probability `p`, replaces every channel by the luma 0.21 R + 0.72 G + 0.07 B."""

    def __init__(self, p: float) -> None:
        super().__init__(p=p)
        self.p = p
        self.mat = array([[0.21, 0.21, 0.21], [0.72, 0.72, 0.72], [0.07, 0.07, 0.07]])

    def __call__(self, src: NDArray) -> NDArray:
        if random.random() < self.p:
            src = nd.dot(src, self.mat)
        return src


_IMAGENET_MEAN = (123.68, 116.28, 103.53)
_IMAGENET_STD = (58.395, 57.12, 57.375)
# The principal components of ImageNet's RGB pixels (AlexNet's lighting noise).
_IMAGENET_EIGVAL = np.array([55.46, 4.794, 1.148])
_IMAGENET_EIGVEC = np.array([[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.8140],
                             [-0.5836, -0.6948, 0.4203]])


def CreateAugmenter(data_shape: Sequence[int], resize: int = 0,
                    rand_crop: bool = False, rand_resize: bool = False,
                    rand_mirror: bool = False, mean: Any = None, std: Any = None,
                    brightness: float = 0, contrast: float = 0, saturation: float = 0,
                    hue: float = 0, pca_noise: float = 0, rand_gray: float = 0,
                    inter_method: int = 2) -> list[Augmenter]:
    """MXNet's default augmenter list: resize, crop to `data_shape` (c, h, w), mirror, cast
    to float32, colour jitters, lighting noise, random gray, normalise.

    Args:
      data_shape: (channels, height, width) of the output.
      resize: resize the shorter edge to this first (0: off).
      rand_crop: crop at random instead of at the centre.
      rand_mirror: mirror with probability 0.5.
      mean, std: per-channel (RGB) arrays of 1 or 3 numbers, or True for ImageNet's.
      inter_method: interpolation for every resize (see `imresize`; 9 auto, 10 random).
      rand_resize: with rand_crop, a random-sized crop (area 8%-100%, ratio 3/4-4/3).
      brightness, contrast, saturation: ColorJitterAug's ranges; hue: HueJitterAug's.
      pca_noise: LightingAug's alphastd (ImageNet's eigenvalues and vectors).
      rand_gray: probability of RandomGrayAug.
    """
    if rand_resize and not rand_crop:
        raise MXNetValueError("CreateAugmenter: rand_resize needs rand_crop=True")
    _check_create(data_shape, inter_method, "CreateAugmenter")
    augs: list[Augmenter] = []
    if resize > 0:
        augs.append(ResizeAug(resize, inter_method))
    crop_size = (data_shape[2], data_shape[1])
    if rand_resize:
        augs.append(RandomSizedCropAug(crop_size, 0.08, (3.0 / 4.0, 4.0 / 3.0), inter_method))
    else:
        augs.append((RandomCropAug if rand_crop else CenterCropAug)(crop_size, inter_method))
    if rand_mirror:
        augs.append(HorizontalFlipAug(0.5))
    return augs + _colour_augs("CreateAugmenter", mean, std, brightness, contrast, saturation,
                               hue, pca_noise, rand_gray)


def _check_create(data_shape: Sequence[int], inter_method: int, what: str) -> None:
    """The arguments every augmenter-list factory checks first."""
    if len(data_shape) != 3:
        raise MXNetValueError(f"{what}: data_shape must be (channels, height, width), got "
                              f"{tuple(data_shape)}")
    _check_interp(inter_method, what)


def _colour_augs(what: str, mean: Any, std: Any, brightness: float, contrast: float,
                 saturation: float, hue: float, pca_noise: float, rand_gray: float
                 ) -> list[Augmenter]:
    """The tail CreateAugmenter and CreateDetAugmenter share: cast to float32, colour
    jitters, lighting noise, random gray, normalise (in MXNet's order)."""
    mean = _channel_stats(mean, _IMAGENET_MEAN, "mean", what)
    std = _channel_stats(std, _IMAGENET_STD, "std", what)
    augs: list[Augmenter] = [CastAug()]
    if brightness or contrast or saturation:
        augs.append(ColorJitterAug(brightness, contrast, saturation))
    if hue:
        augs.append(HueJitterAug(hue))
    if pca_noise > 0:
        augs.append(LightingAug(pca_noise, _IMAGENET_EIGVAL, _IMAGENET_EIGVEC))
    if rand_gray > 0:
        augs.append(RandomGrayAug(rand_gray))
    if mean is not None or std is not None:
        augs.append(ColorNormalizeAug(mean, std))
    return augs


def _channel_stats(value: Any, default: tuple[float, ...], name: str,
                   what: str) -> NDArray | None:
    """CreateAugmenter's mean/std: True for ImageNet's, else 1 or 3 numbers as an array."""
    if value is None:
        return None
    if value is True:
        return array(default)
    if not isinstance(value, (np.ndarray, NDArray)) or value.shape[0] not in (1, 3):
        raise MXNetValueError(f"{what}: {name} must be True, None, or a numpy array "
                              f"or NDArray of 1 or 3 numbers, got {value!r}")
    return value if isinstance(value, NDArray) else array(value)
