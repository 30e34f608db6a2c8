"""MXNet 1.9.1's default image augmenter (`aug_default`) and the random stream it draws from.

MXNet's ImageRecordIter augments each decoded image in C++ (src/io/image_aug_default.cc),
drawing from a `std::mt19937` through libstdc++'s distributions. `StdRandom` reproduces
those draws word for word (numpy's legacy MT19937 seeded with an int yields the words of
`std::mt19937` with that seed), so with one decoding thread the crops, angles and colour
shifts are MXNet's. `DefaultAugmenter.process` applies the steps in MXNet's order:

1. `resize`: shorter edge to `resize`, the longer by integer division.
2. Affine warp, when any of rotate/max_rotate_angle/max_shear_ratio/max_aspect_ratio/
   min_aspect_ratio/min_random_scale/max_random_scale/min_img_size/max_img_size is set:
   draws shear, angle, scale and aspect ratio; output size `scale * (w, h)` clamped to
   `[min_img_size, max_img_size]`; `cv2.warpAffine` with a `fill_value` border.
3. `pad` pixels of `fill_value` on every side.
4. Crop: a square of a size drawn from `[min_crop_size, max_crop_size]`, resized to
   `data_shape`; otherwise `data_shape` itself, after scaling up an image too small for it.
   Centred, or at a random position with `rand_crop`.
5. HSL jitter (`random_h`, `random_s`, `random_l`), in OpenCV's 8-bit HLS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from types import ModuleType

import numpy as np

from ..base import MXNetValueError
from ..formats._cv2 import pick_interp, resize, short_edge_size

_F = np.float32
_WORDS = 64  # words drawn from numpy at a time


_AB_BITS, _INTER_BITS = 10, 5  # OpenCV's warpAffine fixed point


def _affine_maps(m: np.ndarray, size: tuple[int, int],
                 nearest: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """OpenCV 3.4's warpAffine as remap tables: source pixel (int16 x, y) and the 5-bit
    fraction index per output pixel (none for nearest). OpenCV 4.11 and later interpolate
    bilinear warps in floating point, which moves MXNet's (3.4.2) pixels by a few steps."""
    a = m.astype(np.float64)
    det = a[0, 0] * a[1, 1] - a[0, 1] * a[1, 0]
    det = 1.0 / det if det != 0 else 0.0
    inv = np.empty((2, 3))
    inv[0, 0], inv[1, 1] = a[1, 1] * det, a[0, 0] * det
    inv[0, 1], inv[1, 0] = -a[0, 1] * det, -a[1, 0] * det
    inv[0, 2] = -inv[0, 0] * a[0, 2] - inv[0, 1] * a[1, 2]
    inv[1, 2] = -inv[1, 0] * a[0, 2] - inv[1, 1] * a[1, 2]
    scale = 1 << _AB_BITS
    width, height = size
    cols, rows = np.arange(width), np.arange(height)
    # cvRound: half to even, as numpy's rint.
    dx = np.rint(inv[0, 0] * cols * scale).astype(np.int64)
    dy = np.rint(inv[1, 0] * cols * scale).astype(np.int64)
    bits = _AB_BITS if nearest else _AB_BITS - _INTER_BITS
    half = 1 << (bits - 1)
    x0 = np.rint((inv[0, 1] * rows + inv[0, 2]) * scale).astype(np.int64) + half
    y0 = np.rint((inv[1, 1] * rows + inv[1, 2]) * scale).astype(np.int64) + half
    x = (x0[:, None] + dx[None, :]) >> bits
    y = (y0[:, None] + dy[None, :]) >> bits
    if nearest:
        return np.clip(np.stack([x, y], -1), -32768, 32767).astype(np.int16), None
    xy = np.stack([x >> _INTER_BITS, y >> _INTER_BITS], -1)
    xy = np.clip(xy, -32768, 32767).astype(np.int16)
    mask = (1 << _INTER_BITS) - 1
    frac = ((y & mask) << _INTER_BITS) + (x & mask)
    return xy, frac.astype(np.uint16)


class StdRandom:
    """`std::mt19937` with libstdc++'s uniform_int, uniform_real<float> and bernoulli (GCC < 11,
    as MXNet 1.9.1's wheels are built)."""

    def __init__(self, seed: int) -> None:
        self.seed(seed)

    def seed(self, seed: int) -> None:
        """Restart the stream; `std::mt19937::seed` keeps the low 32 bits."""
        self._state = np.random.RandomState(seed % 2**32)
        self._words: list[int] = []

    def word(self) -> int:
        """The next 32-bit word."""
        if not self._words:
            # randint over the full uint32 range returns the generator's raw words, in order.
            self._words = self._state.randint(0, 2**32, _WORDS, np.uint32).tolist()[::-1]
        return self._words.pop()

    def randint(self, low: int, high: int) -> int:
        """uniform_int_distribution(low, high), inclusive: rejection, then integer division."""
        span = high - low + 1
        if span == 2**32:
            return self.word() + low
        scaling = 0xFFFFFFFF // span
        past = span * scaling
        while (word := self.word()) >= past:
            pass
        return word // scaling + low

    def uniform(self) -> np.float32:
        """uniform_real_distribution<float>(0, 1): one word over 2**32, in float32."""
        value = _F(self.word()) / _F(2**32)
        return min(value, np.nextafter(_F(1), _F(0)))

    def coin(self) -> bool:
        """bernoulli_distribution(0.5): a double from two words."""
        low, high = self.word(), self.word()
        return (low + high * 2.0**32) / 2.0**64 < 0.5


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


@dataclass(frozen=True)
class AugParams:
    """The default augmenter's options, as MXNet names them (defaults turn a step off)."""

    data_shape: tuple[int, int, int]
    resize: int = -1
    rand_crop: bool = False
    max_rotate_angle: int = 0
    rotate: int = -1
    max_shear_ratio: float = 0.0
    max_aspect_ratio: float = 0.0
    min_aspect_ratio: float | None = None
    max_random_scale: float = 1.0
    min_random_scale: float = 1.0
    max_img_size: float = 1e10
    min_img_size: float = 0.0
    max_crop_size: int = -1
    min_crop_size: int = -1
    random_h: int = 0
    random_s: int = 0
    random_l: int = 0
    fill_value: int = 255
    pad: int = 0
    inter_method: int = 1

    @property
    def aspect_range(self) -> tuple[np.float32, np.float32]:
        """(min, max) aspect ratio: `1 -/+ max_aspect_ratio` unless min_aspect_ratio is set."""
        if self.min_aspect_ratio is not None:
            return _F(self.min_aspect_ratio), _F(self.max_aspect_ratio)
        return _F(1) - _F(self.max_aspect_ratio), _F(1) + _F(self.max_aspect_ratio)

    @property
    def warps(self) -> bool:
        """MXNet's condition for the affine step (float32 comparisons, as in C++)."""
        low, high = self.aspect_range
        return (self.max_rotate_angle > 0 or self.max_shear_ratio > 0 or self.rotate > 0
                or _F(self.max_random_scale) != 1 or _F(self.min_random_scale) != 1
                or low != 1 or high != 1 or _F(self.max_img_size) != _F(1e10)
                or _F(self.min_img_size) != 0)

    @property
    def crops_square(self) -> bool:
        return self.max_crop_size != -1 or self.min_crop_size != -1

    @property
    def jitters_hsl(self) -> bool:
        return bool(self.random_h or self.random_s or self.random_l)

    def validate(self) -> None:
        """Reject what MXNet fails on, or draws undefined values for, before any image."""
        def bad(option: str, why: str) -> MXNetValueError:
            return MXNetValueError(f"ImageRecordIter: {option} {why}")

        for field in fields(self):
            value = getattr(self, field.name)
            # MXNet parses str(value): "30.0" or "True" is no int, "True" no float.
            if field.type == "int" and not _is_int(value):
                raise bad(f"{field.name}={value!r}", "must be an int")
            if field.type.startswith("float") and value is not None \
                    and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise bad(f"{field.name}={value!r}", "must be a number")
        if self.inter_method not in (0, 1, 2, 3, 4, 9, 10):
            raise bad(f"inter_method={self.inter_method}", "is invalid; valid: 0, 1, 2, 3, 4, "
                      "9, 10")
        if self.warps and self.inter_method == 0:
            # MXNet's affine step checks this (its resize and crops accept 0, nearest).
            raise bad("inter_method=0", "cannot be used with rotation, shear, aspect, scale or "
                      "img_size augmentation; valid there: 1, 2, 3, 4, 9, 10")
        if self.warps and self.max_rotate_angle < 0:
            raise bad(f"max_rotate_angle={self.max_rotate_angle}", "must be >= 0")
        if self.crops_square and not 1 <= self.min_crop_size <= self.max_crop_size:
            raise bad(f"min_crop_size={self.min_crop_size}, max_crop_size={self.max_crop_size}",
                      "must satisfy 1 <= min_crop_size <= max_crop_size")
        if self.jitters_hsl and self.data_shape[0] != 3:
            raise bad(f"random_h/random_s/random_l ({self.random_h}, {self.random_s}, "
                      f"{self.random_l})", f"need 3 channels, data_shape has "
                      f"{self.data_shape[0]}")
        if self.pad < 0:
            raise bad(f"pad={self.pad}", "must be >= 0")


class DefaultAugmenter:
    """MXNet's `aug_default`: `process` turns one decoded HWC (BGR) uint8 image into a
    `data_shape` one, drawing from a `StdRandom` as MXNet does."""

    def __init__(self, params: AugParams, cv2: ModuleType) -> None:
        params.validate()
        self.p, self._cv2 = params, cv2

    def _interp(self, old: tuple[int, int], new: tuple[int, int], rng: StdRandom) -> int:
        return pick_interp(self.p.inter_method, old, new, rng.randint)

    def _resize(self, img: np.ndarray, size: tuple[int, int], interp: int) -> np.ndarray:
        """cv::resize to (w, h); the same size is a copy, as in OpenCV."""
        if size == (img.shape[1], img.shape[0]):
            return img
        out = resize(self._cv2, img, size, interp)
        return out.reshape(out.shape[:2] + (-1,))

    def _border(self, channels: int) -> tuple[float, ...]:
        # MXNet's cv::Scalar(v, v, v): the fourth (alpha) channel gets 0.
        return (float(self.p.fill_value),) * 3 + (0.0,) if channels == 4 \
            else (float(self.p.fill_value),) * 3

    def _warp(self, img: np.ndarray, rng: StdRandom) -> np.ndarray:
        """The affine step, in MXNet's float32 arithmetic and draw order."""
        p = self.p
        rows, cols = img.shape[:2]
        shear = rng.uniform() * _F(p.max_shear_ratio) * _F(2) - _F(p.max_shear_ratio)
        angle = rng.randint(-p.max_rotate_angle, p.max_rotate_angle)
        if p.rotate > 0:
            angle = p.rotate
        cos, sin = _F(math.cos(angle / 180.0 * math.pi)), _F(math.sin(angle / 180.0 * math.pi))
        scale = rng.uniform() * (_F(p.max_random_scale) - _F(p.min_random_scale)) \
            + _F(p.min_random_scale)
        low, high = p.aspect_range
        ratio = rng.uniform() * (high - low) + low
        hs = _F(2) * scale / (_F(1) + ratio)
        ws = ratio * hs
        width = max(_F(p.min_img_size), min(_F(p.max_img_size), scale * _F(cols)))
        height = max(_F(p.min_img_size), min(_F(p.max_img_size), scale * _F(rows)))
        m = np.zeros((2, 3), np.float32)
        m[0, 0] = hs * cos - shear * sin * ws
        m[1, 0] = -sin * ws
        m[0, 1] = hs * sin + shear * cos * ws
        m[1, 1] = cos * ws
        m[0, 2] = (width - (m[0, 0] * _F(cols) + m[0, 1] * _F(rows))) / _F(2)
        m[1, 2] = (height - (m[1, 0] * _F(cols) + m[1, 1] * _F(rows))) / _F(2)
        size = (int(width), int(height))  # cv::Size from floats truncates
        interp = self._interp((cols, rows), size, rng)
        if size[0] <= 0 or size[1] <= 0:
            size = (cols, rows)  # OpenCV's empty dsize: the source's
        xy, frac = _affine_maps(m, size, interp == 0)
        out = self._cv2.remap(img, xy, frac, interp, borderMode=self._cv2.BORDER_CONSTANT,
                              borderValue=self._border(img.shape[2]))
        return out.reshape(out.shape[:2] + (-1,))

    def _crop(self, img: np.ndarray, rng: StdRandom) -> np.ndarray:
        """Step 4: the square crop resized to data_shape, or data_shape's own crop."""
        p = self.p
        _, height, width = p.data_shape
        rows, cols = img.shape[:2]
        if p.crops_square:
            if min(rows, cols) < p.max_crop_size:
                raise MXNetValueError(f"ImageRecordIter: the image is {rows}x{cols} after "
                                      f"augmentation, smaller than max_crop_size="
                                      f"{p.max_crop_size}")
            side = rng.randint(p.min_crop_size, p.max_crop_size)
            y, x = self._corner(rows - side, cols - side, rng)
            interp = self._interp((side, side), (width, height), rng)
            return self._resize(img[y:y + side, x:x + side], (width, height), interp)
        interp = self._interp((cols, rows), (width, height), rng)
        # MXNet scales an image smaller than data_shape up (float32 sizes, truncated).
        if rows < height:
            img = self._resize(img, (int(_F(height) / _F(rows) * _F(cols)), height), interp)
            rows, cols = img.shape[:2]
        if cols < width:
            img = self._resize(img, (width, int(_F(width) / _F(cols) * _F(rows))), interp)
            rows, cols = img.shape[:2]
        if rows < height or cols < width:
            raise MXNetValueError(f"ImageRecordIter: the image is {rows}x{cols} after "
                                  f"augmentation, smaller than data_shape's {height}x{width}")
        y, x = self._corner(rows - height, cols - width, rng)
        return img[y:y + height, x:x + width]

    def _corner(self, y: int, x: int, rng: StdRandom) -> tuple[int, int]:
        """Top-left corner of a crop leaving (y, x) pixels: random or centred."""
        if self.p.rand_crop:
            y = rng.randint(0, y)
            return y, rng.randint(0, x)
        return y // 2, x // 2

    def _jitter_hsl(self, img: np.ndarray, rng: StdRandom) -> np.ndarray:
        """Shift OpenCV's 8-bit H, L and S by values drawn in [-random_x, random_x]."""
        p = self.p
        shifts = []
        for bound in (p.random_h, p.random_s, p.random_l):
            # MXNet's approximation of a bell curve: (u1 + 4 u2) / 5.
            u = rng.uniform()
            u = (u + _F(4) * rng.uniform()) / _F(5)
            shifts.append(int(u * _F(bound) * _F(2) - _F(bound)))
        h, s, l_ = shifts
        hls = self._cv2.cvtColor(np.ascontiguousarray(img), self._cv2.COLOR_BGR2HLS)
        hls = hls.astype(np.int32) + np.array([h, l_, s], np.int32)
        hls = np.clip(hls, 0, np.array([180, 255, 255])).astype(np.uint8)
        return self._cv2.cvtColor(hls, self._cv2.COLOR_HLS2BGR)

    def process(self, img: np.ndarray, rng: StdRandom) -> np.ndarray:
        """One decoded (h, w, c) uint8 image, augmented into data_shape's (height, width, c)."""
        p = self.p
        if p.resize != -1:
            rows, cols = img.shape[:2]
            size = short_edge_size(rows, cols, p.resize)
            img = self._resize(img, size, self._interp((cols, rows), size, rng))
        if p.warps:
            img = self._warp(img, rng)
        if p.pad > 0:
            img = self._cv2.copyMakeBorder(img, p.pad, p.pad, p.pad, p.pad,
                                           self._cv2.BORDER_CONSTANT,
                                           value=self._border(img.shape[2]))
            img = img.reshape(img.shape[:2] + (-1,))
        img = self._crop(img, rng)
        if p.jitters_hsl:
            img = self._jitter_hsl(img, rng)
        return img
