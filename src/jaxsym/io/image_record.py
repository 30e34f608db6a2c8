"""MXNet's ImageRecordIter: batches of decoded, cropped, normalised images from a `.rec` file.

Reproduces MXNet 1.9.1's C++ iterator (src/io/iter_image_recordio_2.cc and the default
augmenter) on OpenCV, serially:

* Colour: OpenCV decodes BGR and the iterator writes **RGB** (RGBA for 4 channels): NCHW,
  float32 (or uint8 with `dtype='uint8'`). `data_shape[0] == 1` decodes as grayscale.
* Per image: MXNet's default augmenter (_image_aug.py: resize, affine warp, pad, crop,
  HSL jitter), then `(pixel - mean) * (c * scale / std) + i * scale / std` per channel
  (or with `mean_img`), in float32, with `c` drawn in `1 +/- max_random_contrast` and `i`
  in `+/- max_random_illumination`; then mirror (`mirror`, or `rand_mirror`).
* Random draws: MXNet's stream for one decoding thread (`std::mt19937` seeded with 111 at
  construction, or with `slot + seed_aug + 111` before each image), in MXNet's order:
  the augmenter's draws, the mirror coin, then contrast and illumination (float32 only).
  A slot is the image's place in MXNet's batch buffer as its reader parses whole chunks
  (see `iter_next`), which is what makes `seed_aug` runs MXNet's.
* Labels: the record's header label, or its `flag` float32 labels, which must number
  `label_width`; shape (batch,) for `label_width=1`, else (batch, label_width).
* Order: file order; `shuffle` reorders every pass (not MXNet's order). Parts of
  `num_parts` hold a contiguous range of records: by bytes (dmlc's split, record-aligned)
  without `path_imgidx`, by record count with it.
* `round_batch=True` completes the last batch from the next pass and reports `pad`; the
  next epoch then goes on after those records, so 6 images in batches of 4 give 2, 1, 2,
  ... batches per epoch. `round_batch=False` gives a short batch with `pad=0`, as MXNet
  does; its tail is zero here, stale memory in MXNet.
* `mean_img` names a `mx.nd.save` file; when it is missing the mean of the part's images
  is computed, saved there, and used, as MXNet does.
"""

from __future__ import annotations

import bisect
import os
from collections import deque
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

import numpy as np

from ..base import MXNetError, MXNetValueError
from ..formats._cv2 import require_cv2
from ..formats.params import load_arrays, save_arrays
from ..formats.recordio import MXIndexedRecordIO, MXRecordIO, unpack
from ..ndarray.ndarray import NDArray, array
from ._image_aug import AugParams, DefaultAugmenter, StdRandom
from .io import DataBatch, DataDesc, DataIter

# MXNet options that change nothing here (threads, prefetching, logging, devices).
_IGNORED = {"preprocess_threads", "prefetch_buffer", "verbose", "ctx", "device_id",
            "shuffle_chunk_size", "shuffle_chunk_seed"}
# MXNet options jaxsym does not implement, with the defaults that turn them off.
_UNSUPPORTED = {"random_resized_crop": False, "max_random_area": 1.0, "min_random_area": 1.0,
                "brightness": 0.0, "contrast": 0.0, "saturation": 0.0, "pca_noise": 0.0,
                "path_imglist": "", "aug_seq": "aug_default"}
# The default augmenter's options (see _image_aug.AugParams), passed through **kwargs.
_AUG_OPTIONS = {f.name for f in fields(AugParams)} - {"data_shape", "resize", "rand_crop",
                                                       "inter_method"}
_CHUNK_BYTES = 8 << 20  # dmlc's buffer (MXNet's 64 MiB hint does not reach its threaded reader)
_RAND_MAGIC = 111  # MXNet's kRandMagic: the augmentation stream's seed offset
_DECODE_FLAG = {1: 0, 3: 1, 4: -1}  # channels -> cv2.imdecode flag


def _dmlc_byte_chunks(offsets: list[int], end: int) -> list[int]:
    """Records per chunk of dmlc's RecordIO reader over `offsets` (ending at byte `end`):
    it reads 8 MiB at a time, doubled while no second record header starts in it, and
    leaves the last record whose header starts in the buffer to the next chunk."""
    sizes, i = [], 0
    while i < len(offsets):
        window = _CHUNK_BYTES
        while end - offsets[i] >= window:
            last = bisect.bisect_right(offsets, offsets[i] + window - 8) - 1
            if last > i:
                break
            window *= 2
        else:
            last = len(offsets)
        sizes.append(last - i)
        i = last
    return sizes


def _dmlc_byte_part(offsets: list[int], total: int, part: int, num_parts: int) -> list[int]:
    """dmlc's InputSplit: equal 4-aligned byte ranges, each moved to the next record start."""
    step = -(-total // num_parts)
    step += -step % 4
    begin, end = min(step * part, total), min(step * (part + 1), total)
    return [pos for pos in offsets if begin <= pos < end]


class ImageRecordIter(DataIter):
    """Iterates over a RecordIO file of images (from im2rec), as `mx.io.ImageRecordIter`.

    Args:
      path_imgrec: the `.rec` file.
      data_shape: (channels, height, width) of each output image; channels 1, 3 or 4.
      batch_size: images per batch.
      path_imgidx: its `.idx` file (optional; changes how `num_parts` splits).
      label_width: labels per image.
      shuffle, seed: reorder the records each pass, from numpy's RandomState(seed).
      rand_crop, rand_mirror, mirror: random crop position, random or forced mirror.
      resize: scale the shorter edge to this before augmenting (-1: off).
      inter_method: OpenCV interpolation for resizes and warps: 0 nearest (not for warps),
        1 bilinear, 2 cubic, 3 area, 4 lanczos4, 9 auto (cubic up, area down), 10 random.
      mean_r, mean_g, mean_b, mean_a, std_r, std_g, std_b, std_a, scale: normalisation.
      mean_img: a `mx.nd.save` file with one (c, h, w) mean image, made if missing.
      round_batch, data_name, label_name, num_parts, part_index: as MXNet.
      dtype: 'float32' or 'uint8' (raw RGB pixels, no normalisation or contrast).
      seed_aug: reseeds the random stream before each image (reproducible per slot).
      max_random_contrast, max_random_illumination: random `c` in `1 +/- contrast` and
        `i` in `+/- illumination` (pixel units): `(pixel - mean) * c + i`, before scale/std.
      **kwargs: the default augmenter's options, as MXNet: `rotate` (degrees, if > 0),
        `max_rotate_angle` (integer degrees in +/- it), `max_shear_ratio`,
        `max_aspect_ratio` (width/height in `1 +/- it`, or `[min_aspect_ratio, it]`),
        `min_random_scale`/`max_random_scale`, `min_img_size`/`max_img_size` (clamp the
        warped width and height), `fill_value` (border of warps and `pad`), `pad`,
        `min_crop_size`/`max_crop_size` (a random square resized to data_shape),
        `random_h`/`random_s`/`random_l` (OpenCV HLS shifts); and MXNet's threading options
        (`preprocess_threads`, `prefetch_buffer`, ...), which change nothing here.
    """

    def __init__(self, path_imgrec: str, data_shape: Sequence[int], batch_size: int,
                 path_imgidx: str = "", label_width: int = 1, shuffle: bool = False,
                 seed: int = 0, rand_crop: bool = False, rand_mirror: bool = False,
                 mirror: bool = False, resize: int = -1, inter_method: int = 1,
                 mean_img: str = "", mean_r: float = 0.0, mean_g: float = 0.0,
                 mean_b: float = 0.0, mean_a: float = 0.0, std_r: float = 1.0,
                 std_g: float = 1.0, std_b: float = 1.0, std_a: float = 1.0,
                 scale: float = 1.0, round_batch: bool = True, data_name: str = "data",
                 label_name: str = "softmax_label", num_parts: int = 1, part_index: int = 0,
                 dtype: str = "float32", seed_aug: int | None = None,
                 max_random_contrast: float = 0.0, max_random_illumination: float = 0.0,
                 **kwargs: Any) -> None:
        super().__init__(batch_size)
        aug_kwargs = self._check_options(kwargs)
        self.data_shape = tuple(int(d) for d in data_shape)
        if len(self.data_shape) != 3 or self.data_shape[0] not in _DECODE_FLAG \
                or min(self.data_shape) <= 0:
            raise MXNetValueError(f"ImageRecordIter: data_shape must be (channels, height, "
                                  f"width) with 1, 3 or 4 channels, got {data_shape}")
        if batch_size <= 0 or label_width <= 0:
            raise MXNetValueError(f"ImageRecordIter: batch_size and label_width must be "
                                  f"positive, got {batch_size} and {label_width}")
        if not 0 <= part_index < num_parts:
            raise MXNetValueError(f"ImageRecordIter: part_index {part_index} is not in "
                                  f"[0, num_parts={num_parts})")
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.uint8):
            raise MXNetValueError(f"ImageRecordIter: dtype must be 'float32' or 'uint8', "
                                  f"got {dtype!r}")
        self._cv2 = require_cv2("ImageRecordIter")
        self._aug = DefaultAugmenter(AugParams(self.data_shape, resize=resize,
                                               rand_crop=rand_crop, inter_method=inter_method,
                                               **aug_kwargs), self._cv2)
        self.label_width = label_width
        self.rand_mirror, self.mirror = rand_mirror, mirror
        self._contrast = np.float32(max_random_contrast)
        self._illumination = np.float32(max_random_illumination)
        self._scale = np.float32(scale)
        self.round_batch = round_batch
        self.data_name, self.label_name = data_name, label_name
        channels = self.data_shape[0]
        self._std = np.array([std_r, std_g, std_b, std_a][:channels], np.float32).reshape(-1, 1, 1)
        self._mean: np.ndarray = np.array([mean_r, mean_g, mean_b, mean_a][:channels],
                                          np.float32).reshape(-1, 1, 1)
        self._shuffle = shuffle
        self._rng = np.random.RandomState(seed)
        # MXNet's one decoding thread's stream: seeded once, or per image with seed_aug.
        self._aug_rng = StdRandom(_RAND_MAGIC)
        self._seed_aug = seed_aug
        self._parsed: deque[tuple[np.ndarray, np.ndarray]] = deque()
        if path_imgidx:
            self._rec: MXRecordIO = MXIndexedRecordIO(path_imgidx, path_imgrec, "r")
            offsets = sorted(set(self._rec.idx.values()))  # type: ignore[attr-defined]
            step = -(-len(offsets) // num_parts)
            self._offsets = offsets[step * part_index:step * (part_index + 1)]
        else:
            self._rec = MXRecordIO(path_imgrec, "r")
            every = self._rec.record_offsets()
            self._offsets = _dmlc_byte_part(every, os.path.getsize(path_imgrec), part_index,
                                            num_parts)
        if not self._offsets:
            raise MXNetValueError(f"ImageRecordIter: {path_imgrec}: part {part_index} of "
                                  f"{num_parts} holds no records")
        # How MXNet's reader groups records (see iter_next): by bytes without an index (the
        # records per chunk, by first record), by batch with one (or when shuffled here).
        self._byte_chunks: dict[int, int] | None = None
        if not path_imgidx and not shuffle:
            after = every.index(self._offsets[-1]) + 1
            end = every[after] if after < len(every) else os.path.getsize(path_imgrec)
            sizes = _dmlc_byte_chunks(self._offsets, end)
            self._byte_chunks = dict(zip(np.cumsum([0] + sizes[:-1]).tolist(), sizes))
        self._carry = 0  # dmlc's n_overflow_: records still owed from a short chunk
        if mean_img and self.dtype == np.float32:
            self._mean = self._mean_image(mean_img)
        self._overflow = False
        self._new_pass()
        self._batch: tuple[np.ndarray, np.ndarray, int] | None = None

    @staticmethod
    def _check_options(kwargs: dict[str, Any]) -> dict[str, Any]:
        """The augmenter's options from `kwargs`; raises on unknown or unsupported ones."""
        aug = {}
        for name, value in kwargs.items():
            if name in _IGNORED:
                continue
            if name in _AUG_OPTIONS:
                aug[name] = value
                continue
            if name in _UNSUPPORTED:
                if value != _UNSUPPORTED[name]:
                    raise MXNetValueError(f"ImageRecordIter: {name}={value!r} is not supported "
                                          f"by jaxsym (only its default {_UNSUPPORTED[name]!r})")
                continue
            raise MXNetValueError(f"ImageRecordIter: unknown argument {name!r}; see "
                                  "help(mx.io.ImageRecordIter)")
        return aug

    @property
    def provide_data(self) -> list[DataDesc]:
        return [DataDesc(self.data_name, (self.batch_size,) + self.data_shape,
                         self.dtype.type)]

    @property
    def provide_label(self) -> list[DataDesc]:
        shape = (self.batch_size,) + ((self.label_width,) if self.label_width > 1 else ())
        return [DataDesc(self.label_name, shape, np.float32)]

    # --- one image ----------------------------------------------------------------------

    def _image(self, pos: int) -> tuple[np.ndarray, np.ndarray, str]:
        """Decoded HWC (BGR order) image, its labels, and where it is for messages."""
        header, payload = unpack(self._rec.read_at(pos))
        where = f"{self._rec.uri}: record id {header.id} at byte offset {pos}"
        channels = self.data_shape[0]
        img = self._cv2.imdecode(np.frombuffer(payload, np.uint8), _DECODE_FLAG[channels])
        if img is None:
            raise MXNetValueError(f"{where}: OpenCV cannot decode its {len(payload)} image bytes")
        img = img.reshape(img.shape[:2] + (-1,))
        if img.shape[2] != channels:
            raise MXNetValueError(f"{where}: the image has {img.shape[2]} channels, "
                                  f"data_shape asks for {channels}")
        if header.flag > 0:
            if header.flag != self.label_width:
                raise MXNetValueError(f"{where}: the record has {header.flag} labels but "
                                      f"label_width is {self.label_width}")
            label = np.asarray(header.label, np.float32)
        elif self.label_width != 1:
            raise MXNetValueError(f"{where}: label_width must be 1 unless the records are "
                                  "packed with multi-dimensional labels")
        else:
            label = np.array([header.label], np.float32)
        return img, label, where

    def _process(self, pos: int, slot: int) -> tuple[np.ndarray, np.ndarray]:
        """One output image (CHW, RGB) and its labels; `slot` is MXNet's index of the image
        in its batch buffer, which seeds the stream when seed_aug is set."""
        img, label, where = self._image(pos)
        rng = self._aug_rng
        if self._seed_aug is not None:
            rng.seed(slot + self._seed_aug + _RAND_MAGIC)
        try:
            img = self._aug.process(img, rng)
        except MXNetValueError as err:
            raise MXNetValueError(f"{where}: {err}") from err
        # MXNet draws in this order: the mirror coin, then contrast and illumination.
        mirrored = bool(self.rand_mirror and rng.coin()) or self.mirror
        # OpenCV's BGR(A) to RGB(A).
        order = [2, 1, 0, 3][:img.shape[2]] if img.shape[2] > 1 else [0]
        chw = img[:, :, order].transpose(2, 0, 1)
        if self.dtype == np.float32:
            contrast = (rng.uniform() * self._contrast * np.float32(2) - self._contrast
                        + np.float32(1)) * self._scale
            illumination = (rng.uniform() * self._illumination * np.float32(2)
                            - self._illumination) * self._scale
            chw = ((chw.astype(np.float32) - self._mean) * (contrast / self._std)
                   + illumination / self._std)
        if mirrored:
            chw = chw[:, :, ::-1]
        return chw, label

    def _mean_image(self, path: str) -> np.ndarray:
        """MXNet's mean image: loaded from `path`, or the part's mean, saved to `path`."""
        if os.path.exists(path):
            loaded = load_arrays(path)
            arrays = list(loaded.values()) if isinstance(loaded, dict) else loaded
            if len(arrays) != 1 or arrays[0].shape != self.data_shape:
                raise MXNetValueError(f"ImageRecordIter: mean_img {path}: expected one array "
                                      f"of shape {self.data_shape}, found "
                                      f"{[a.shape for a in arrays]}")
            return arrays[0].astype(np.float32)
        total = np.zeros(self.data_shape, np.float32)
        # MXNet parses each chunk past the batch buffer: slots batch_size, batch_size + 1, ...
        self._new_pass()
        while chunk := self._next_chunk():
            for j, pos in enumerate(chunk):
                total += self._process(pos, self.batch_size + j)[0]
        # MXNet multiplies by the float32 reciprocal of the count.
        mean = total * (np.float32(1) / np.float32(len(self._offsets)))
        save_arrays(path, {"mean_img": mean})
        return mean

    # --- batches --------------------------------------------------------------------------

    def _next_chunk(self) -> list[int]:
        """The records MXNet's reader hands the parser next; empty at the end of the pass.
        With an index, a chunk short of batch_size at the end of a pass leaves the rest owed:
        the next pass starts with a chunk of that many records (dmlc's n_overflow_)."""
        if self._byte_chunks is not None:
            want = self._byte_chunks.get(self._cursor, 0)
        else:
            want = self._carry or self.batch_size
            self._carry = want - min(want, len(self._order) - self._cursor)
        chunk = self._order[self._cursor:self._cursor + want]
        self._cursor += len(chunk)
        return chunk

    def _new_pass(self) -> None:
        self._order = (list(self._rng.permutation(self._offsets)) if self._shuffle
                       else self._offsets)
        self._cursor = 0

    def reset(self) -> None:
        # After a batch completed from the next pass, MXNet's next epoch goes on from there.
        if self.round_batch and self._overflow:
            self._overflow = False
        else:
            self._parsed.clear()
            self._new_pass()

    def iter_next(self) -> bool:
        # MXNet parses whole chunks of records (see _next_chunk); what overflows the batch
        # starts the next one, and each image's slot is its position in the chunk plus the
        # batch's fill when the chunk was parsed.
        if self._overflow:
            return False
        done: list[tuple[np.ndarray, np.ndarray]] = []
        pad = 0
        while len(done) < self.batch_size:
            if self._parsed:
                while self._parsed and len(done) < self.batch_size:
                    done.append(self._parsed.popleft())
                continue
            if chunk := self._next_chunk():
                fill = len(done)
                for j, pos in enumerate(chunk):
                    item = self._process(pos, fill + j)
                    (done if fill + j < self.batch_size else self._parsed).append(item)
                continue
            if not done:
                return False
            if not self.round_batch:
                break  # a short batch; MXNet reports pad 0 for it
            if self._overflow:
                raise MXNetValueError("ImageRecordIter: number of input images must be "
                                      "bigger than the batch size")
            self._overflow = True
            pad = self.batch_size - len(done)
            self._new_pass()
        data = np.zeros((self.batch_size,) + self.data_shape, self.dtype)
        label = np.zeros((self.batch_size, self.label_width), np.float32)
        for i, (img, lab) in enumerate(done):
            data[i], label[i] = img, lab
        self._batch = (data, label[:, 0] if self.label_width == 1 else label, pad)
        return True

    def _current(self) -> tuple[np.ndarray, np.ndarray, int]:
        if self._batch is None:
            raise MXNetError("ImageRecordIter: no current batch; call iter_next() first")
        return self._batch

    def next(self) -> DataBatch:
        if not self.iter_next():
            raise StopIteration
        return DataBatch(data=self.getdata(), label=self.getlabel(), pad=self.getpad(),
                         index=self.getindex())

    def getdata(self) -> list[NDArray]:
        data = self._current()[0]
        return [array(data, dtype=data.dtype)]

    def getlabel(self) -> list[NDArray]:
        return [array(self._current()[1])]

    def getpad(self) -> int:
        return self._current()[2]

    def getindex(self) -> np.ndarray:
        # MXNet's image iterators report no record indices: all zeros.
        return np.zeros(self.batch_size, np.uint64)


class ImageRecordUInt8Iter(ImageRecordIter):
    """ImageRecordIter with uint8 RGB output and no normalisation (deprecated in MXNet)."""

    def __init__(self, path_imgrec: str, data_shape: Sequence[int], batch_size: int,
                 **kwargs: Any) -> None:
        super().__init__(path_imgrec, data_shape, batch_size, dtype="uint8", **kwargs)

