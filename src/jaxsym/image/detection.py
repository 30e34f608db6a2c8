"""MXNet 1.9.1's `mx.image` object-detection pipeline: the detection augmenters and
`ImageDetIter`.

MXNet's behaviour kept here:

* A raw label is `[header_width, object_width, header..., objects...]`; each object is
  `[class, xmin, ymin, xmax, ymax, extra...]` in coordinates normalised to [0, 1].
  Objects with `xmax <= xmin` or `ymax <= ymin` are dropped. The label batch is
  (batch, max objects, object_width), the rows past an image's objects set to -1.
* A detection augmenter maps `(src, label) -> (src, label)`, label a numpy array of object
  rows. `DetHorizontalFlipAug` flips the label in place, as MXNet's.
* Random choices use Python's `random` (colour augmenters borrowed from `mx.image` as
  there), in MXNet's order, so the same seeds give MXNet's crops, pads and flips.
  `DetRandomSelectAug` shuffles its own list (`random.shuffle`) and applies the first.
* `ImageDetIter` reads every label once at construction for the label shape, resetting
  (and so shuffling) before and after; an image whose label is unusable after
  augmentation is skipped while batching.
* MXNet 1.9.1 raises TypeError (a broken `warnings.warn` call) for an invalid crop or pad
  range; so do these, with a message saying why.

`ImageDetIter.draw_next` (an OpenCV preview window) is not provided.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator, Sequence
from math import sqrt
from typing import Any

import numpy as np

from ..base import MXNetTypeError, MXNetValueError
from ..io.io import DataDesc
from ..ndarray.ndarray import NDArray, array
from .image import (
    Augmenter,
    ForceResizeAug,
    ResizeAug,
    _check_create,
    _colour_augs,
    _Dumpable,
    _pixels,
    copyMakeBorder,
    fixed_crop,
)
from .image_iter import ImageIter

Label = np.ndarray
_LOG = logging.getLogger(__name__)
_CREATE_OPTIONS = ("resize", "rand_crop", "rand_pad", "rand_gray", "rand_mirror", "mean",
                   "std", "brightness", "contrast", "saturation", "pca_noise", "hue",
                   "inter_method", "min_object_covered", "aspect_ratio_range", "area_range",
                   "min_eject_coverage", "max_attempts", "pad_val")


class _SkippedSample(MXNetValueError):
    """A sample ImageDetIter skips while batching (MXNet's RuntimeError there)."""


class DetAugmenter(_Dumpable):
    """A detection transform: `aug(src, label) -> (src, label)`; `dumps()` as JSON."""

    def __call__(self, src: NDArray, label: Label) -> tuple[NDArray, Label]:
        raise NotImplementedError(f"{type(self).__name__} must define __call__")


class DetBorrowAug(DetAugmenter):
    """Applies a classification `Augmenter` to the image; the label passes through."""

    def __init__(self, augmenter: Augmenter) -> None:
        if not isinstance(augmenter, Augmenter):
            raise MXNetTypeError(f"DetBorrowAug: augmenter must be an mx.image.Augmenter, got "
                                 f"{type(augmenter).__name__}")
        super().__init__(augmenter=augmenter.dumps())
        self.augmenter = augmenter

    def dumps(self) -> list[Any]:  # type: ignore[override]
        """`["detborrowaug", augmenter.dumps()]`: a list holding the string, as MXNet's."""
        return [self.__class__.__name__.lower(), self.augmenter.dumps()]

    def __call__(self, src: NDArray, label: Label) -> tuple[NDArray, Label]:
        return self.augmenter(src), label


class DetRandomSelectAug(DetAugmenter):
    """With probability `skip_prob` nothing; else one augmenter of `aug_list` at random.

    MXNet draws `random.random()` for the skip, then shuffles `aug_list` itself and applies
    its first entry, so the list's order changes (and shows in `dumps()`). An empty list
    always skips.
    """

    def __init__(self, aug_list: DetAugmenter | Sequence[DetAugmenter],
                 skip_prob: float = 0) -> None:
        super().__init__(skip_prob=skip_prob)
        augs = list(aug_list) if isinstance(aug_list, (list, tuple)) else [aug_list]
        for aug in augs:
            if not isinstance(aug, DetAugmenter):
                raise MXNetValueError(f"DetRandomSelectAug: aug_list holds DetAugmenters "
                                      f"only, got {type(aug).__name__}")
        self.aug_list = augs
        self.skip_prob = skip_prob if augs else 1

    def dumps(self) -> list[Any]:  # type: ignore[override]
        return [self.__class__.__name__.lower(), [aug.dumps() for aug in self.aug_list]]

    def __call__(self, src: NDArray, label: Label) -> tuple[NDArray, Label]:
        if random.random() < self.skip_prob:
            return src, label
        random.shuffle(self.aug_list)
        return self.aug_list[0](src, label)


def _objects(label: Any, what: str) -> np.ndarray:
    """`label` checked to be a numpy array of object rows [class, xmin, ymin, xmax, ymax, ...]."""
    if not isinstance(label, np.ndarray) or label.ndim != 2 or label.shape[1] < 5:
        shape = label.shape if isinstance(label, np.ndarray) else type(label).__name__
        raise MXNetValueError(f"{what}: label must be a numpy array of shape (objects, 5+) "
                              f"rows [class, xmin, ymin, xmax, ymax, ...], got {shape}")
    return label


class DetHorizontalFlipAug(DetAugmenter):
    """Mirrors the image and its boxes with probability `p` (`random.random() < p`)."""

    def __init__(self, p: float) -> None:
        super().__init__(p=p)
        self.p = p

    def __call__(self, src: NDArray, label: Label) -> tuple[NDArray, Label]:
        label = _objects(label, "DetHorizontalFlipAug")
        if random.random() < self.p:
            src = array(_pixels(src, "DetHorizontalFlipAug")[:, ::-1], ctx=src.context,
                        dtype=src.dtype)
            # In place, as MXNet's: the caller's label array is flipped too.
            xmin = 1.0 - label[:, 1]
            label[:, 1] = 1.0 - label[:, 3]
            label[:, 3] = xmin
        return src, label


def _pair(value: Any, name: str, what: str) -> tuple[float, float]:
    """A (low, high) range; one number means (number, number), as MXNet's."""
    pair = value if isinstance(value, (tuple, list)) and len(value) == 2 else (value, value)
    if not all(_is_number(v) for v in pair):
        raise MXNetTypeError(f"{what}: {name} must be a number or a (low, high) pair of "
                             f"numbers, got {value!r}")
    return pair[0], pair[1]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, bool)


def _check_ranges(what: str, area: tuple[float, float], area_ok: bool,
                  ratio: tuple[float, float]) -> None:
    """MXNet 1.9.1 means to warn and disable the augmenter here, but its `warnings.warn`
    call is broken and raises TypeError; the error is kept, with the reason."""
    if not area_ok:
        raise MXNetTypeError(f"{what}: invalid area_range {area}")
    if ratio[0] <= 0 or ratio[0] > ratio[1]:
        raise MXNetTypeError(f"{what}: invalid aspect_ratio_range {ratio}: need "
                             "0 < low <= high")


def _areas(boxes: np.ndarray) -> np.ndarray:
    """Areas of [xmin, ymin, xmax, ymax, ...] rows, 0 for empty boxes."""
    return np.maximum(0, boxes[:, 3] - boxes[:, 1]) * np.maximum(0, boxes[:, 2] - boxes[:, 0])


def _region_draws(aug: DetRandomCropAug | DetRandomPadAug, height: int, width: int
                  ) -> Iterator[tuple[float, int, int, float, float]]:
    """Per attempt of a crop or pad: the drawn aspect ratio, the heights giving the least
    and the most area at it, and those areas in pixels (none for an empty image)."""
    if height <= 0 or width <= 0:
        return
    min_area = aug.area_range[0] * height * width
    max_area = aug.area_range[1] * height * width
    for _ in range(aug.max_attempts):
        ratio = random.uniform(*aug.aspect_ratio_range)
        yield (ratio, round(sqrt(min_area / ratio)), round(sqrt(max_area / ratio)), min_area,
               max_area)


class DetRandomCropAug(DetAugmenter):
    """Crops a random region that covers more than `min_object_covered` of every box it
    touches, keeping the boxes still covered more than `min_eject_coverage`.

    Args:
      min_object_covered: the least fraction of each touched box inside the crop.
      aspect_ratio_range: (low, high) width / height of the crop, or one number.
      area_range: (low, high) crop area as a fraction of the image's, or one number.
      min_eject_coverage: boxes keeping no more than this fraction are dropped.
      max_attempts: draws before giving up (the image and label pass unchanged).
    """

    def __init__(self, min_object_covered: float = 0.1,
                 aspect_ratio_range: Any = (0.75, 1.33), area_range: Any = (0.05, 1.0),
                 min_eject_coverage: float = 0.3, max_attempts: int = 50) -> None:
        what = "DetRandomCropAug"
        ratio = _pair(aspect_ratio_range, "aspect_ratio_range", what)
        area = _pair(area_range, "area_range", what)
        super().__init__(min_object_covered=min_object_covered, aspect_ratio_range=ratio,
                         area_range=area, min_eject_coverage=min_eject_coverage,
                         max_attempts=max_attempts)
        _check_ranges(what, area, 0 < area[1] and area[0] <= area[1], ratio)
        self.min_object_covered = min_object_covered
        self.min_eject_coverage = min_eject_coverage
        self.max_attempts = max_attempts
        self.aspect_ratio_range = ratio
        self.area_range = area
        self.enabled = True

    def __call__(self, src: NDArray, label: Label) -> tuple[NDArray, Label]:
        label = _objects(label, "DetRandomCropAug")
        crop = self._propose(label, src.shape[0], src.shape[1])
        if crop:
            x, y, w, h, label = crop
            src = fixed_crop(src, x, y, w, h, None)
        return src, label

    def _covers(self, label: Label, box: tuple[int, int, int, int], width: int,
                height: int) -> bool:
        """Whether the pixel box (xmin, ymin, xmax, ymax) covers more than
        `min_object_covered` of each box it touches (boxes of at most 2 pixels ignored)."""
        xmin, ymin, xmax, ymax = box
        if (xmax - xmin) * (ymax - ymin) < 2:
            return False
        areas = _areas(label[:, 1:])
        boxes = label[np.where(areas * width * height > 2)[0], 1:]
        if not boxes.shape[0]:
            return False
        left = np.maximum(boxes[:, 0], float(xmin) / width)
        right = np.minimum(boxes[:, 2], float(xmax) / width)
        top = np.maximum(boxes[:, 1], float(ymin) / height)
        bot = np.minimum(boxes[:, 3], float(ymax) / height)
        inter = boxes.copy()
        inter[:, 0], inter[:, 1], inter[:, 2], inter[:, 3] = left, top, right, bot
        inter[np.logical_or(left >= right, top >= bot)] = 0
        coverages = _areas(inter) / areas[areas * width * height > 2]
        coverages = coverages[coverages > 0]
        return coverages.size > 0 and np.amin(coverages) > self.min_object_covered

    def _crop_label(self, label: Label, box: tuple[int, int, int, int], height: int,
                    width: int) -> Label | None:
        """The boxes in the crop's coordinates, clipped; None if none is kept."""
        x0, y0 = float(box[0]) / width, float(box[1]) / height
        w, h = float(box[2]) / width, float(box[3]) / height
        out = label.copy()
        out[:, (1, 3)] -= x0
        out[:, (2, 4)] -= y0
        out[:, (1, 3)] /= w
        out[:, (2, 4)] /= h
        out[:, 1:5] = np.minimum(1, np.maximum(0, out[:, 1:5]))
        coverage = _areas(out[:, 1:]) * w * h / _areas(label[:, 1:])
        keep = (out[:, 3] > out[:, 1]) & (out[:, 4] > out[:, 2]) & (
            coverage > self.min_eject_coverage)
        return out[np.where(keep)[0]] if keep.any() else None

    def _propose(self, label: Label, height: int, width: int) -> tuple[Any, ...]:
        """(x, y, w, h, new label) of a crop meeting the constraints, or ()."""
        # MXNet's draws: ratio, then h if its range is not one value, then y and x.
        for ratio, h, max_h, min_area, max_area in _region_draws(self, height, width):
            if round(max_h * ratio) > width:
                max_h = int((width + 0.4999999) / ratio)
            max_h = min(max_h, height)
            h = min(h, max_h)
            if h < max_h:
                h = random.randint(h, max_h)
            w = round(h * ratio)
            # MXNet's correction of the rounding, one step each way.
            if w * h < min_area:
                h += 1
                w = round(h * ratio)
            if w * h > max_area:
                h -= 1
                w = round(h * ratio)
            if not (min_area <= w * h <= max_area and 0 <= w <= width and 0 <= h <= height):
                continue
            y = random.randint(0, max(0, height - h))
            x = random.randint(0, max(0, width - w))
            if self._covers(label, (x, y, x + w, y + h), width, height):
                new_label = self._crop_label(label, (x, y, w, h), height, width)
                if new_label is not None:
                    return x, y, w, h, new_label
        return ()


class DetRandomPadAug(DetAugmenter):
    """Places the image at a random spot of a larger canvas filled with `pad_val`.

    Args:
      aspect_ratio_range: (low, high) width / height of the canvas, or one number.
      area_range: (low, high) canvas area as a multiple of the image's (high > 1).
      max_attempts: draws before giving up (the image and label pass unchanged).
      pad_val: the fill, one number or one per channel.
    """

    def __init__(self, aspect_ratio_range: Any = (0.75, 1.33), area_range: Any = (1.0, 3.0),
                 max_attempts: int = 50, pad_val: Any = (128, 128, 128)) -> None:
        what = "DetRandomPadAug"
        if not (_is_number(pad_val) or isinstance(pad_val, (list, tuple))):
            raise MXNetTypeError(f"{what}: pad_val must be a number or one per channel, got "
                                 f"{pad_val!r}")
        ratio = _pair(aspect_ratio_range, "aspect_ratio_range", what)
        area = _pair(area_range, "area_range", what)
        super().__init__(aspect_ratio_range=ratio, area_range=area,
                         max_attempts=max_attempts, pad_val=pad_val)
        _check_ranges(what, area, area[1] > 1.0 and area[0] <= area[1], ratio)
        self.pad_val = pad_val
        self.aspect_ratio_range = ratio
        self.area_range = area
        self.max_attempts = max_attempts
        self.enabled = True

    def __call__(self, src: NDArray, label: Label) -> tuple[NDArray, Label]:
        label = _objects(label, "DetRandomPadAug")
        height, width = src.shape[:2]
        pad = self._propose(label, height, width)
        if pad:
            x, y, w, h, label = pad
            # MXNet passes a number pad_val as a one-value `values`, which fills the first
            # channel only (the others 0 for uint8; uninitialised for float32 in MXNet).
            fill = tuple(self.pad_val) if isinstance(self.pad_val, (list, tuple)) else (
                self.pad_val,)
            # 16: OpenCV's BORDER_ISOLATED flag on a constant border, as MXNet passes.
            src = copyMakeBorder(src, y, h - y - height, x, w - x - width, 16, values=fill)
        return src, label

    def _propose(self, label: Label, height: int, width: int) -> tuple[Any, ...]:
        """(x, y, w, h, new label) of the canvas and the image's place on it, or ()."""
        for ratio, h, max_h, _, _ in _region_draws(self, height, width):
            if round(h * ratio) < width:
                h = int((width + 0.499999) / ratio)
            h = min(max(h, height), max_h)
            if h < max_h:
                h = random.randint(h, max_h)
            w = round(h * ratio)
            if h - height < 2 or w - width < 2:
                continue  # MXNet skips marginal padding
            y = random.randint(0, max(0, h - height))
            x = random.randint(0, max(0, w - width))
            out = label.copy()
            out[:, (1, 3)] = (out[:, (1, 3)] * width + x) / w
            out[:, (2, 4)] = (out[:, (2, 4)] * height + y) / h
            return x, y, w, h, out
        return ()


def CreateMultiRandCropAugmenter(min_object_covered: Any = 0.1,
                                 aspect_ratio_range: Any = (0.75, 1.33),
                                 area_range: Any = (0.05, 1.0), min_eject_coverage: Any = 0.3,
                                 max_attempts: Any = 50, skip_prob: float = 0
                                 ) -> DetRandomSelectAug:
    """A `DetRandomSelectAug` over `DetRandomCropAug`s, one per entry of the arguments given
    as lists (a non-list argument, a tuple range included, is shared by all)."""
    params = [p if isinstance(p, list) else [p] for p in
              (min_object_covered, aspect_ratio_range, area_range, min_eject_coverage,
               max_attempts)]
    count = max(len(p) for p in params)
    if any(len(p) not in (1, count) for p in params):
        lengths = [len(p) for p in params]
        raise MXNetValueError(f"CreateMultiRandCropAugmenter: the list arguments must have "
                              f"one length; got lengths {lengths} (min_object_covered, "
                              "aspect_ratio_range, area_range, min_eject_coverage, "
                              "max_attempts)")
    params = [p * count if len(p) == 1 else p for p in params]
    augs: list[DetAugmenter] = [
        DetRandomCropAug(min_object_covered=moc, aspect_ratio_range=arr, area_range=ar,
                         min_eject_coverage=mec, max_attempts=ma)
        for moc, arr, ar, mec, ma in zip(*params, strict=True)]
    return DetRandomSelectAug(augs, skip_prob=skip_prob)


def CreateDetAugmenter(data_shape: Sequence[int], resize: int = 0, rand_crop: float = 0,
                       rand_pad: float = 0, rand_gray: float = 0, rand_mirror: bool = False,
                       mean: Any = None, std: Any = None, brightness: float = 0,
                       contrast: float = 0, saturation: float = 0, pca_noise: float = 0,
                       hue: float = 0, inter_method: int = 2, min_object_covered: Any = 0.1,
                       aspect_ratio_range: Any = (0.75, 1.33), area_range: Any = (0.05, 3.0),
                       min_eject_coverage: Any = 0.3, max_attempts: Any = 50,
                       pad_val: Any = (127, 127, 127)) -> list[DetAugmenter]:
    """MXNet's detection augmenter list: resize, random crop, mirror, random pad, force
    resize to `data_shape` (c, h, w), then CreateAugmenter's cast, colour jitters, lighting
    noise, random gray and normalisation, each borrowed with `DetBorrowAug`.

    Args:
      data_shape: (channels, height, width) of the output.
      resize: resize the shorter edge to this first (0: off).
      rand_crop: probability of a `CreateMultiRandCropAugmenter` crop.
      rand_pad: probability of a `DetRandomPadAug` pad (area up to `area_range[1]`).
      rand_mirror: mirror with probability 0.5.
      mean, std: per-channel (RGB) arrays of 1 or 3 numbers, or True for ImageNet's.
      inter_method: interpolation for every resize (see `imresize`; 9 auto, 10 random).
      min_object_covered, aspect_ratio_range, area_range, min_eject_coverage, max_attempts:
        the crop's (and pad's) constraints; lists make one crop augmenter per entry.
      pad_val: the padding fill.
      brightness, contrast, saturation, hue, pca_noise, rand_gray: as in CreateAugmenter.
    """
    _check_create(data_shape, inter_method, "CreateDetAugmenter")
    augs: list[DetAugmenter] = []
    if resize > 0:
        augs.append(DetBorrowAug(ResizeAug(resize, inter_method)))
    if rand_crop > 0:
        augs.append(CreateMultiRandCropAugmenter(min_object_covered, aspect_ratio_range,
                                                 area_range, min_eject_coverage, max_attempts,
                                                 skip_prob=1 - rand_crop))
    if rand_mirror > 0:
        augs.append(DetHorizontalFlipAug(0.5))
    # MXNet pads as late as possible, to crop and flip fewer pixels.
    if rand_pad > 0:
        pad = DetRandomPadAug(aspect_ratio_range, (1.0, area_range[1]), max_attempts, pad_val)
        augs.append(DetRandomSelectAug([pad], 1 - rand_pad))
    augs.append(DetBorrowAug(ForceResizeAug((data_shape[2], data_shape[1]), inter_method)))
    augs += [DetBorrowAug(aug) for aug in _colour_augs(
        "CreateDetAugmenter", mean, std, brightness, contrast, saturation, hue, pca_noise,
        rand_gray)]
    return augs


class ImageDetIter(ImageIter):
    """Batches of augmented images and their boxes, as `mx.image.ImageDetIter`.

    The data batch is (batch, 3, height, width) float32; the label batch
    (batch, max objects, object width) float32, -1 past each image's objects.

    Args:
      batch_size, data_shape, path_imgrec, path_imglist, path_root, path_imgidx, shuffle,
      part_index, num_parts, imglist, data_name, last_batch_handle: as in ImageIter.
      aug_list: detection augmenters; default `CreateDetAugmenter(data_shape, **kwargs)`.
      label_name: the name in `provide_label`.
      **kwargs: `CreateDetAugmenter` options, used when `aug_list` is None.
    """

    def __init__(self, batch_size: int, data_shape: Sequence[int],
                 path_imgrec: str | None = None, path_imglist: str | None = None,
                 path_root: str | None = None, path_imgidx: str | None = None,
                 shuffle: bool = False, part_index: int = 0, num_parts: int = 1,
                 aug_list: list[DetAugmenter] | None = None, imglist: list[Any] | None = None,
                 data_name: str = "data", label_name: str = "label",
                 last_batch_handle: str = "pad", **kwargs: Any) -> None:
        unknown = sorted(set(kwargs) - set(_CREATE_OPTIONS))
        if unknown:
            raise MXNetTypeError(f"ImageDetIter: unknown arguments {unknown}; the extra keyword "
                                 f"arguments are CreateDetAugmenter's: "
                                 f"{', '.join(_CREATE_OPTIONS)}")
        self.label_shape: tuple[int, int] = (0, 0)
        super().__init__(batch_size=batch_size, data_shape=data_shape, path_imgrec=path_imgrec,
                         path_imglist=path_imglist, path_root=path_root,
                         path_imgidx=path_imgidx, shuffle=shuffle, part_index=part_index,
                         num_parts=num_parts, aug_list=[], imglist=imglist,
                         data_name=data_name, label_name=label_name,
                         last_batch_handle=last_batch_handle)
        self.auglist = (CreateDetAugmenter(data_shape, **kwargs) if aug_list is None
                        else aug_list)
        self.label_shape = self._estimate_label_shape()

    @property
    def provide_label(self) -> list[DataDesc]:
        return [DataDesc(self.label_name, (self.batch_size,) + self.label_shape)]

    def _estimate_label_shape(self) -> tuple[int, int]:
        """(most objects in one image, object width), reading every label once; MXNet resets
        before and after, which shuffles twice more."""
        most, width = 0, None
        self.reset()
        try:
            while True:
                raw, _ = self.next_sample()
                objects = self._parse_label(raw)
                most, width = max(most, objects.shape[0]), objects.shape[1]
        except StopIteration:
            pass
        self.reset()
        if width is None:
            raise MXNetValueError("ImageDetIter: the source holds no images")
        return most, width

    def _parse_label(self, raw: Any) -> np.ndarray:
        """A raw label's valid object rows, (objects, object width) float32."""
        values = np.asarray(raw.asnumpy() if isinstance(raw, NDArray) else raw).ravel()
        if values.size < 7:
            raise _SkippedSample(f"ImageDetIter: the label at {self._where} has {values.size} "
                                 f"numbers ({values.tolist()}); a detection label is [header "
                                 "width, object width, ..., class, xmin, ymin, xmax, ymax, "
                                 "...], at least 7")
        header, width = int(values[0]), int(values[1])
        if width < 5 or header < 2 or (values.size - header) % width:
            raise _SkippedSample(f"ImageDetIter: the label at {self._where} has {values.size} "
                                 f"numbers, header width {header} and object width {width}: "
                                 "need header width >= 2, object width >= 5 and objects that "
                                 "fill the rest")
        objects = values[header:].reshape(-1, width)
        objects = objects[(objects[:, 3] > objects[:, 1]) & (objects[:, 4] > objects[:, 2])]
        if not objects.shape[0]:
            raise _SkippedSample(f"ImageDetIter: the label at {self._where} has no valid box "
                                 "(each has xmax <= xmin or ymax <= ymin)")
        return objects

    def reshape(self, data_shape: Sequence[int] | None = None,
                label_shape: Sequence[int] | None = None) -> None:
        """Sets a new data shape (3, h, w) and/or label shape (objects, object width).

        The default augmenters still resize to the old data shape, as MXNet's.
        """
        if data_shape is not None:
            if len(data_shape) != 3 or data_shape[0] != 3:
                raise MXNetValueError(f"ImageDetIter.reshape: data_shape must be (3, height, "
                                      f"width), got {tuple(data_shape)}")
            self.data_shape = tuple(int(d) for d in data_shape)
        if label_shape is not None:
            self.check_label_shape(label_shape)
            self.label_shape = (int(label_shape[0]), int(label_shape[1]))

    def check_label_shape(self, label_shape: Sequence[int]) -> None:
        """Raises unless `label_shape` is (objects, object width) with no fewer objects and
        the same width as now."""
        if len(label_shape) != 2:
            raise MXNetValueError(f"ImageDetIter: label_shape must be (objects, object width), "
                                  f"got {tuple(label_shape)}")
        if label_shape[0] < self.label_shape[0]:
            raise MXNetValueError(f"ImageDetIter: label_shape {tuple(label_shape)} would reduce "
                                  f"the object count from {self.label_shape[0]} to "
                                  f"{label_shape[0]}, not allowed")
        if label_shape[1] != self.label_shape[1]:
            raise MXNetValueError(f"ImageDetIter: label_shape {tuple(label_shape)} has object "
                                  f"width {label_shape[1]}, the labels {self.label_shape[1]}")

    def sync_label_shape(self, it: ImageDetIter, verbose: bool = False) -> ImageDetIter:
        """Pads this iterator's and `it`'s label shapes to the larger object count (for
        training and validation iterators); returns `it`."""
        if not isinstance(it, ImageDetIter):
            raise MXNetTypeError(f"ImageDetIter.sync_label_shape: it must be an ImageDetIter, "
                                 f"got {type(it).__name__}")
        mine, theirs = self.label_shape, it.label_shape
        if mine[1] != theirs[1]:
            raise MXNetValueError(f"ImageDetIter.sync_label_shape: object width mismatch, "
                                  f"{mine[1]} here and {theirs[1]} in it")
        most = max(mine[0], theirs[0])
        if most > mine[0]:
            self.reshape(None, (most, mine[1]))
        if most > theirs[0]:
            it.reshape(None, (most, theirs[1]))
        if verbose and most > min(mine[0], theirs[0]):
            _LOG.info("Resized label_shape to (%d, %d).", most, mine[1])
        return it

    def _new_label_batch(self) -> np.ndarray:
        return np.full(self.provide_label[0].shape, -1, np.float32)

    def _batchify(self, data: np.ndarray, label: np.ndarray, start: int = 0) -> int:
        """Fills batch slots from `start`, skipping images whose label is unusable (MXNet
        logs those at debug level)."""
        i = start
        try:
            while i < self.batch_size:
                raw, buf = self.next_sample()
                img = self._decode(buf)
                try:
                    objects = self._parse_label(raw)
                    img, objects = self.augmentation_transform(img, objects)
                    self._check_valid_label(objects)
                except _SkippedSample as err:
                    _LOG.debug("Invalid image, skipping:  %s", err)
                    continue
                img = self.postprocess_data(img)
                if img.shape != self.data_shape:
                    raise MXNetValueError(f"ImageDetIter: the image at {self._where} is "
                                          f"{img.shape} after augmentation, data_shape is "
                                          f"{self.data_shape}; the augmenters must resize to it")
                if objects.shape[0] > self.label_shape[0] or (
                        objects.shape[1] != self.label_shape[1]):
                    raise MXNetValueError(f"ImageDetIter: the image at {self._where} has "
                                          f"labels {objects.shape}, more than label_shape "
                                          f"{self.label_shape} holds; see reshape()")
                data[i] = img.asnumpy()
                label[i, :objects.shape[0]] = objects
                label[i, objects.shape[0]:] = -1
                i += 1
        except StopIteration:
            if not i:
                raise
        return i

    def _check_valid_label(self, objects: Any) -> None:
        """An augmented label must be (objects, 5+) with a valid box of class >= 0."""
        if not isinstance(objects, np.ndarray) or objects.ndim != 2 or objects.shape[1] < 5:
            raise _SkippedSample(f"ImageDetIter: label with shape (1+, 5+) required, got "
                                 f"{objects!r}")
        valid = ((objects[:, 0] >= 0) & (objects[:, 3] > objects[:, 1])
                 & (objects[:, 4] > objects[:, 2]))
        if not valid.any():
            raise _SkippedSample("ImageDetIter: invalid label after augmentation")

    def augmentation_transform(self, data: NDArray,  # type: ignore[override]
                               label: Label) -> tuple[NDArray, Label]:
        """Applies `auglist` in order to the image and its label."""
        for aug in self.auglist:
            data, label = aug(data, label)
        return data, label

    def draw_next(self, *args: Any, **kwargs: Any) -> None:
        """Not provided: MXNet's draws boxes in an OpenCV window."""
        raise MXNetValueError("ImageDetIter.draw_next is not implemented in jaxsym")
