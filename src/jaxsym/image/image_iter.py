"""MXNet 1.9.1's Python `mx.image.ImageIter`: images from a .rec file, a .lst file or a list.

MXNet's behaviour kept here:

* Each image is decoded RGB, run through `aug_list` (default `CreateAugmenter(data_shape,
  **kwargs)`), transposed to CHW and written into a float32 batch; labels are float32
  whatever `dtype` (which only types the list's labels on the way in).
* Order: a .rec file without index and without shuffle is read in file order; otherwise
  the record keys (the .idx order) or the list's keys, shuffled by `random.shuffle` at
  construction and on every reset. `num_parts` keeps `len // num_parts` keys per part.
* `last_batch_handle`: 'pad' completes the last batch from the next pass and reports
  `pad`; 'discard' drops it; 'roll_over' keeps it and completes it first in the next
  epoch, which then reports the pad of the kept part.
* A .lst line is `key<TAB>label...<TAB>path`; an `imglist` entry is `[label, path]`,
  `[[labels], path]` or `[label1, label2, ..., path]`, keyed '1', '2', ... in order.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..base import MXNetError, MXNetTypeError, MXNetValueError
from ..formats.recordio import MXIndexedRecordIO, MXRecordIO, _parse_lst_line, unpack
from ..io.io import DataBatch, DataDesc, DataIter
from ..ndarray.ndarray import NDArray, array
from .image import Augmenter, CreateAugmenter, imdecode

_LABEL_DTYPES = ("int32", "float32", "int64", "float64")
_LAST_BATCH = ("pad", "discard", "roll_over")
_AUG_OPTIONS = ("resize", "rand_crop", "rand_resize", "rand_mirror", "mean", "std",
                "brightness", "contrast", "saturation", "hue", "pca_noise", "rand_gray",
                "inter_method")


class ImageIter(DataIter):
    """Batches of augmented images, NCHW float32, as `mx.image.ImageIter`.

    Args:
      batch_size: images per batch.
      data_shape: (3, height, width) of each output image.
      label_width: labels per image; the label batch is (batch,) for 1, else
        (batch, label_width).
      path_imgrec, path_imgidx: a RecordIO file of images and its optional index.
      path_imglist: a .lst file; with `path_imgrec` it only supplies labels.
      path_root: the folder the list's image paths are relative to.
      imglist: the list as Python data instead of `path_imglist`.
      shuffle: reorder the keys with `random.shuffle` on every reset.
      part_index, num_parts: read part `part_index` of `num_parts` equal parts.
      aug_list: the augmenters; default `CreateAugmenter(data_shape, **kwargs)`.
      data_name, label_name: the names in `provide_data` and `provide_label`.
      dtype: the type the list's labels are parsed as.
      last_batch_handle: 'pad', 'discard' or 'roll_over'.
      **kwargs: `CreateAugmenter` options, used when `aug_list` is None.
    """

    def __init__(self, batch_size: int, data_shape: Sequence[int], label_width: int = 1,
                 path_imgrec: str | None = None, path_imglist: str | None = None,
                 path_root: str | None = None, path_imgidx: str | None = None,
                 shuffle: bool = False, part_index: int = 0, num_parts: int = 1,
                 aug_list: list[Augmenter] | None = None, imglist: list[Any] | None = None,
                 data_name: str = "data", label_name: str = "softmax_label",
                 dtype: str = "float32", last_batch_handle: str = "pad",
                 **kwargs: Any) -> None:
        super().__init__(batch_size)
        if not (path_imgrec or path_imglist or isinstance(imglist, list)):
            raise MXNetValueError("ImageIter: give path_imgrec, path_imglist or imglist")
        if dtype not in _LABEL_DTYPES:
            raise MXNetValueError(f"ImageIter: dtype {dtype!r} not supported for labels; "
                                  f"valid: {', '.join(_LABEL_DTYPES)}")
        if last_batch_handle not in _LAST_BATCH:
            raise MXNetValueError(f"ImageIter: last_batch_handle must be one of {_LAST_BATCH}, "
                                  f"got {last_batch_handle!r}")
        if len(data_shape) != 3 or data_shape[0] != 3:
            raise MXNetValueError(f"ImageIter: data_shape must be (3, height, width), got "
                                  f"{tuple(data_shape)}")
        if not 0 <= part_index < num_parts:
            raise MXNetValueError(f"ImageIter: part_index {part_index} is not in "
                                  f"[0, num_parts={num_parts})")
        unknown = sorted(set(kwargs) - set(_AUG_OPTIONS))
        if unknown:
            raise MXNetTypeError(f"ImageIter: unknown arguments {unknown}; the extra keyword "
                                 f"arguments are CreateAugmenter's: {', '.join(_AUG_OPTIONS)}")
        self.data_shape = tuple(int(d) for d in data_shape)
        self.label_width = label_width
        self.path_root = path_root or ""
        self.shuffle = shuffle
        self.last_batch_handle = last_batch_handle
        self.data_name, self.label_name = data_name, label_name
        self.imgrec: MXRecordIO | None = None
        keys: list[Any] | None = None
        if path_imgrec:
            if path_imgidx:
                self.imgrec = MXIndexedRecordIO(path_imgidx, path_imgrec, "r")
                keys = list(self.imgrec.keys)
            else:
                self.imgrec = MXRecordIO(path_imgrec, "r")
        self.imglist: dict[Any, tuple[np.ndarray, str]] | None = None
        list_keys: list[Any] = []
        if path_imglist:
            self.imglist, list_keys = _read_lst(path_imglist, dtype)
        elif isinstance(imglist, list):
            self.imglist, list_keys = _from_list(imglist, dtype)
        if self.imgrec is None:
            self.seq: list[Any] | None = list_keys
        elif shuffle or num_parts > 1 or path_imgidx:
            if keys is None:
                raise MXNetValueError("ImageIter: shuffle and num_parts over a .rec file need "
                                      "its index: give path_imgidx")
            self.seq = keys
        else:
            self.seq = None
        if num_parts > 1 and self.seq is not None:
            per_part = len(self.seq) // num_parts
            self.seq = self.seq[part_index * per_part:(part_index + 1) * per_part]
        self.auglist = (CreateAugmenter(self.data_shape, **kwargs) if aug_list is None
                        else aug_list)
        self.num_image = len(self.seq) if self.seq is not None else None
        self.cur = 0
        self._where = ""
        self._allow_read = True
        self._cache: tuple[np.ndarray, np.ndarray, int] | None = None
        self.reset()

    @property
    def provide_data(self) -> list[DataDesc]:
        return [DataDesc(self.data_name, (self.batch_size,) + self.data_shape)]

    @property
    def provide_label(self) -> list[DataDesc]:
        width = (self.label_width,) if self.label_width > 1 else ()
        return [DataDesc(self.label_name, (self.batch_size,) + width)]

    def reset(self) -> None:
        if self.seq is not None and self.shuffle:
            random.shuffle(self.seq)
        # A rolled-over batch keeps the read position: the next epoch completes it first.
        if self.last_batch_handle != "roll_over" or self._cache is None:
            if self.imgrec is not None:
                self.imgrec.reset()
            self.cur = 0
            self._allow_read = True

    def hard_reset(self) -> None:
        """Resets and drops a rolled-over batch."""
        self._cache = None
        self._allow_read = True
        self.reset()

    def next_sample(self) -> tuple[Any, bytes]:
        """The next image's label and encoded bytes; StopIteration at the end of a pass."""
        if not self._allow_read:
            raise StopIteration
        if self.seq is None:
            record = self.imgrec.read()  # type: ignore[union-attr]
            if record is None:
                if self.last_batch_handle != "discard":
                    self.imgrec.reset()  # type: ignore[union-attr]
                raise StopIteration
            header, img = unpack(record)
            self._where = f"record id {header.id}"
            return header.label, img
        if self.cur >= len(self.seq):
            if self.last_batch_handle != "discard":
                self.cur = 0
            raise StopIteration
        key = self.seq[self.cur]
        self.cur += 1
        self._where = f"key {key!r}"
        if self.imgrec is not None:
            header, img = unpack(self.imgrec.read_idx(key))  # type: ignore[attr-defined]
            return (header.label if self.imglist is None else self.imglist[key][0]), img
        label, fname = self.imglist[key]  # type: ignore[index]
        path = os.path.join(self.path_root, fname)
        self._where = f"key {key!r}, file {path!r}"
        try:
            with open(path, "rb") as f:
                return label, f.read()
        except OSError as err:
            raise MXNetValueError(f"ImageIter: cannot read image {path!r} (key {key!r}): "
                                  f"{err.strerror}") from err

    def _batchify(self, data: np.ndarray, label: np.ndarray, start: int = 0) -> int:
        """Fills batch slots from `start` until full or the pass ends; returns the count."""
        i = start
        try:
            while i < self.batch_size:
                raw_label, buf = self.next_sample()
                img = self.augmentation_transform(self._decode(buf))
                data[i] = self.postprocess_data(img).asnumpy()
                label[i] = self._label(raw_label)
                i += 1
        except StopIteration:
            if not i:
                raise
        return i

    def _decode(self, buf: bytes) -> NDArray:
        """The image read last, decoded RGB; errors name where it came from."""
        try:
            return imdecode(buf)
        except MXNetError as err:
            raise type(err)(f"{type(self).__name__}: broken image at {self._where}: "
                            f"{err}") from err

    def _label(self, raw: Any) -> np.ndarray:
        """One image's labels shaped as a slot of the label batch."""
        values = np.asarray(raw.asnumpy() if isinstance(raw, NDArray) else raw, np.float32)
        if values.size != self.label_width:
            raise MXNetValueError(f"ImageIter: an image has {values.size} labels "
                                  f"({values.ravel().tolist()}), label_width is {self.label_width}")
        return values.reshape(self.provide_label[0].shape[1:])

    def next(self) -> DataBatch:
        if self._cache is not None:
            data, label, i = self._cache
        else:
            data = np.zeros((self.batch_size,) + self.data_shape, np.float32)
            label = self._new_label_batch()
            i = self._batchify(data, label)
        pad = self.batch_size - i
        if pad:
            if self.last_batch_handle == "discard":
                raise StopIteration
            if self.last_batch_handle == "roll_over" and self._cache is None:
                self._cache = (data, label, i)
                raise StopIteration
            self._batchify(data, label, i)
            if self.last_batch_handle == "pad":
                self._allow_read = False
            else:
                self._cache = None
        return DataBatch([array(data)], [array(label)], pad=pad)

    def _new_label_batch(self) -> np.ndarray:
        """The label batch before any image is read."""
        return np.zeros(self.provide_label[0].shape, np.float32)

    def augmentation_transform(self, data: NDArray) -> NDArray:
        """Applies `auglist` in order."""
        for aug in self.auglist:
            data = aug(data)
        return data

    def postprocess_data(self, datum: NDArray) -> NDArray:
        """HWC to CHW, the last step before the batch."""
        return datum.transpose((2, 0, 1))


def _read_lst(path: str, dtype: str) -> tuple[dict[Any, tuple[np.ndarray, str]], list[Any]]:
    """A .lst file: int key -> (labels, path), and the keys in file order."""
    table, keys = {}, []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            try:
                key, labels, image = _parse_lst_line(line)
            except ValueError as err:
                raise MXNetValueError(f"ImageIter: {path}: line {number}: {err}") from err
            table[key] = (np.array(labels, dtype=np.float64).astype(dtype), image)
            keys.append(key)
    return table, keys


def _from_list(imglist: list[Any], dtype: str
               ) -> tuple[dict[Any, tuple[np.ndarray, str]], list[Any]]:
    """An `imglist`: keys '1', '2', ... -> (labels, path), as MXNet numbers them."""
    table, keys = {}, []
    for number, entry in enumerate(imglist, 1):
        if len(entry) > 2:
            labels = np.array(entry[:-1], dtype=dtype)
        elif isinstance(entry[0], (int, float, np.number)):
            labels = np.array([entry[0]], dtype=dtype)
        else:
            labels = np.array(entry[0], dtype=dtype)
        table[str(number)] = (labels, entry[-1])
        keys.append(str(number))
    return table, keys
