"""MXNet's binary NDArray list format, as written by `mx.nd.save` (`.params` files).

Pure numpy; byte-compatible both ways with MXNet 1.9.1. All integers are little-endian.

File layout::

    uint64 0x112                  list magic
    uint64 0                      reserved (MXNet writes 0 and never checks it)
    uint64 count                  number of array records
    count x record
    uint64 name_count             0 for a list, `count` for a dict
    name_count x (uint64 length, UTF-8 bytes)

Array record, V2 (0xF993FAC9, what `mx.nd.save` writes) or V3 (0xF993FACA, written under
`mx.util.set_np_shape(True)`)::

    uint32 magic, int32 storage type (0 = dense), int32 ndim, ndim x int64 dims,
    int32 dev_type, int32 dev_id, int32 dtype flag, raw C-order data

Older records that MXNet 1.9.1 still reads: V1 (0xF993FAC8) has no storage type; before
V1 the magic word *is* the ndim (uint32) and the dims are uint32.

Reading is strict: every declared length is checked against the bytes that remain
before it is used, and every defect raises `MXNetValueError` naming the source, the
record and the offset. Unlike MXNet, both V2 and V3 records are read in one process
(MXNet reads only the kind matching its current np-shape mode). Loaded arrays are views
of one private, page-aligned copy of the file: a single copy, and the fastest one. The
buffer of the last large load is reused by the next one once its arrays are all gone,
as MXNet's pooled allocator reuses memory.

Writing is atomic (`save_arrays`) and byte-identical to `mx.nd.save`.
"""

from __future__ import annotations

import functools
import math
import os
import struct
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence

import numpy as np

from jaxsym.base import (
    DTYPE_MX_TO_NP,
    DTYPE_NP_TO_MX,
    MXNetError,
    MXNetTypeError,
    MXNetValueError,
)

from ._atomic import write_atomic

__all__ = ["dumps_arrays", "load_arrays", "loads_arrays", "save_arrays"]

ArrayData = list[np.ndarray] | dict[str, np.ndarray]

LIST_MAGIC = 0x112
V1_MAGIC = 0xF993FAC8
V2_MAGIC = 0xF993FAC9
V3_MAGIC = 0xF993FACA

# numpy's own limit on ndim; MXNet itself saves and loads 40-d arrays.
MAX_NDIM = 64
# The smallest record MXNet can read: a pre-V1 0-d array of a 1-byte dtype.
_MIN_RECORD_BYTES = 4 + 12 + 1
_CPU_CONTEXT = (1, 0)
_PAGE = 4096
# The buffer of the last load of at least _SPARE_MIN bytes, for reuse (`_page_aligned`).
_SPARE_MIN = 1 << 20
_SPARE: list[np.ndarray] = []
_SPARE_LOCK = threading.Lock()
_SPARSE_STYPES = {1: "row_sparse", 2: "csr"}
# mshadow type flags MXNet 1.9.1 knows but cannot put in an NDArray file readable by
# its Python API (int16.. fail with "Unknown type enum", bfloat16 has no numpy dtype).
_UNSUPPORTED_FLAGS = {8: "int16", 9: "uint16", 10: "uint32", 11: "uint64",
                      12: "bfloat16"}
_SUPPORTED = ", ".join(dt.name for dt in DTYPE_MX_TO_NP.values())

_U32 = struct.Struct("<I")
_I32 = struct.Struct("<i")
_U64 = struct.Struct("<Q")
_V2_HEAD = struct.Struct("<Iii")  # magic, storage type, ndim
# The dtypes as stored: little-endian.
_WIRE = {flag: dtype.newbyteorder("<") for flag, dtype in DTYPE_MX_TO_NP.items()}
_LITTLE_ENDIAN = sys.byteorder == "little"


def _page_aligned(nbytes: int) -> np.ndarray:
    """An uninitialised uint8 buffer whose first byte is page-aligned.

    The file is read into it at offset 0, so each array's data lands at the same
    address modulo the page size as in the page cache. Linux copies up to 4x slower
    when the two are misaligned (a malloc'ed bytearray starts 16 bytes into a page).

    A large buffer comes from `_SPARE` when the arrays of that earlier load are all
    gone: fresh memory costs a page fault per 4 KiB, a third of the time to read a
    100 MB file, which MXNet's pooled allocator also avoids on repeated loads.
    (Transparent huge pages fault in faster on a quiet machine but stall 100-300 ms
    in memory compaction on a busy one.)
    """
    size = nbytes + _PAGE
    if size < _SPARE_MIN:
        raw = np.empty(size, dtype=np.uint8)
    else:
        with _SPARE_LOCK:
            spare = _SPARE.pop() if _SPARE else None
        # Free when only `spare` and getrefcount's argument refer to it: no array of the
        # earlier load, nor a device array aliasing one, is left.
        if spare is not None and sys.getrefcount(spare) == 2 and size <= spare.size <= 2 * size:
            raw = spare
        else:
            raw = np.empty(size, dtype=np.uint8)
        del spare
        with _SPARE_LOCK:
            _SPARE[:] = [raw]
    start = -raw.ctypes.data % _PAGE
    return raw[start:start + nbytes]


def release_spare() -> None:
    """Stop keeping the last load's buffer for reuse (called once `mx.nd.load`'s arrays
    are all on the device, when it is garbage or pinned by device arrays aliasing it)."""
    with _SPARE_LOCK:
        _SPARE.clear()


class _Reader:
    """A bounds-checked cursor over a private copy of the file; defects are MXNetErrors.

    Every length is checked against the bytes left before it is used. Arrays are views
    of the buffer, so the data is copied once, from the file into the buffer.
    """

    def __init__(self, buf: np.ndarray, source: str) -> None:
        self.buf = buf
        self.view = memoryview(buf)
        self.pos = 0
        self.source = source
        self.where = "header"

    @property
    def remaining(self) -> int:
        return len(self.buf) - self.pos

    def fail(self, what: str) -> MXNetValueError:
        return MXNetValueError(
            f"{self.source}: invalid NDArray file: {self.where}: {what} "
            f"(at byte offset {self.pos} of {len(self.buf)})")

    def need(self, nbytes: int, what: str | Callable[[], str]) -> None:
        if nbytes > len(self.buf) - self.pos:
            what = what if isinstance(what, str) else what()
            raise self.fail(f"{what} needs {nbytes} bytes but only {self.remaining} "
                            "remain (truncated or corrupted file)")

    def unpack(self, fmt: struct.Struct, what: str) -> int:
        self.need(fmt.size, what)
        (value,) = fmt.unpack_from(self.view, self.pos)
        self.pos += fmt.size
        return value

    def dims(self, ndim: int, code: str) -> tuple[int, ...]:
        """Read `ndim` dims of struct `code` ('q' or 'I'); ndim is checked first."""
        if ndim > MAX_NDIM:
            raise self.fail(f"ndim {ndim} is absurd (at most {MAX_NDIM} supported)")
        fmt = struct.Struct(f"<{ndim}{code}")
        self.need(fmt.size, f"{ndim} dims")
        dims = fmt.unpack_from(self.view, self.pos)
        self.pos += fmt.size
        return dims

    def name(self, length: int) -> str:
        self.need(length, "name")
        raw = self.view[self.pos:self.pos + length].tobytes()
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise self.fail(f"name {raw[:40]!r} is not valid UTF-8") from err
        self.pos += length
        return name

    def data(self, shape: tuple[int, ...], flag: int) -> np.ndarray:
        dtype = DTYPE_MX_TO_NP.get(flag)
        if dtype is None:
            known = f" ({_UNSUPPORTED_FLAGS[flag]})" if flag in _UNSUPPORTED_FLAGS else ""
            raise self.fail(f"unsupported dtype flag {flag}{known}; supported: "
                            + ", ".join(f"{k}={v.name}" for k, v in DTYPE_MX_TO_NP.items()))
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes > sys.maxsize or not nbytes and (
                math.prod(max(dim, 1) for dim in shape) * dtype.itemsize > sys.maxsize):
            # numpy refuses such a shape even when a zero dimension makes it empty.
            raise self.fail(f"shape {shape} is too large for a {dtype.name} array")
        self.need(nbytes, lambda: f"data of shape {shape} {dtype.name}")
        arr = np.ndarray(shape, _WIRE[flag], self.buf, self.pos)
        self.pos += nbytes
        if not _LITTLE_ENDIAN or not arr.flags.aligned:
            # A big-endian host, or an 8-byte dtype at an offset that is only 4-aligned.
            arr = arr.astype(dtype)
        return arr


@functools.cache
def _v2_tail(ndim: int) -> struct.Struct:
    """A V2/V3 record after its magic, storage type and ndim: dims, device, dtype."""
    return struct.Struct(f"<{ndim}qiii")


def _read_record(r: _Reader) -> np.ndarray:
    """Read one array record at the reader's position."""
    # Fast path: a well-formed dense V2/V3 record of at least one dimension, read with
    # two unpacks. Anything else, defects included, goes the field-by-field way.
    left = len(r.buf) - r.pos
    if left >= _V2_HEAD.size:
        magic, stype, ndim = _V2_HEAD.unpack_from(r.view, r.pos)
        if (magic == V2_MAGIC or magic == V3_MAGIC) and stype == 0 and 0 < ndim <= MAX_NDIM:
            tail = _v2_tail(ndim)
            if left >= _V2_HEAD.size + tail.size:
                *dims, _, _, flag = tail.unpack_from(r.view, r.pos + _V2_HEAD.size)
                if min(dims) >= 0:
                    r.pos += _V2_HEAD.size + tail.size
                    return r.data(tuple(dims), flag)
    return _read_record_fields(r)


def _read_record_fields(r: _Reader) -> np.ndarray:
    """Read one array record field by field, naming the first defect."""
    magic = r.unpack(_U32, "record magic")
    if magic in (V2_MAGIC, V3_MAGIC):
        stype = r.unpack(_I32, "storage type")
        if stype in _SPARSE_STYPES:
            raise r.fail(f"storage type {stype} ({_SPARSE_STYPES[stype]}) is sparse; "
                         "only dense arrays are supported")
        if stype != 0:
            raise r.fail(f"unknown storage type {stype} (expected 0, dense)")
        ndim = r.unpack(_I32, "ndim")
        if ndim < 0:
            raise r.fail(f"ndim {ndim}: the shape is unknown, so MXNet wrote no data")
        shape = r.dims(ndim, "q")
        if ndim == 0 and magic == V2_MAGIC:
            # MXNet 1.9.1 writes a 0-d array outside np-shape mode like any other, but
            # its reader takes ndim 0 to mean "no array" and stops before the data,
            # so `mx.nd.load` of such a file fails.
            raise r.fail("0-d array in a V2 record: MXNet writes these outside np-shape "
                         "mode but cannot load them; save it with shape (1,) or in "
                         "np-shape mode (V3)")
    elif magic == V1_MAGIC:
        ndim = r.unpack(_I32, "ndim")
        if ndim < 0:
            raise r.fail(f"ndim {ndim}: the shape is unknown, so MXNet wrote no data")
        shape = r.dims(ndim, "q")
    else:
        # Before V1 there was no magic: the first word is the ndim.
        if magic > MAX_NDIM:
            raise r.fail(f"unknown record magic {magic:#010x} (expected 0xf993fac9 or "
                         "0xf993faca; as a pre-V1 ndim it is absurd)")
        shape = r.dims(magic, "I")
    if any(dim < 0 for dim in shape):
        raise r.fail(f"shape {shape} has a negative (unknown) dimension")
    r.unpack(_I32, "device type")  # the device is ignored: arrays load on the host,
    r.unpack(_I32, "device id")    # as in a CPU build of MXNet
    flag = r.unpack(_I32, "dtype flag")
    return r.data(shape, flag)


def _parse(r: _Reader) -> ArrayData:
    """Parse a whole NDArray file."""
    magic = r.unpack(_U64, "list magic")
    if magic != LIST_MAGIC:
        raise r.fail(f"list magic is {magic:#x}, expected {LIST_MAGIC:#x} "
                     "(not an MXNet NDArray file)")
    r.unpack(_U64, "reserved word")
    count = r.unpack(_U64, "array count")
    if count * _MIN_RECORD_BYTES + _U64.size > r.remaining:
        raise r.fail(f"{count} arrays declared but only {r.remaining} bytes remain "
                     f"(a record takes at least {_MIN_RECORD_BYTES})")
    arrays = []
    for i in range(count):
        r.where = f"array {i} of {count}"
        arrays.append(_read_record(r))
    r.where = "names"
    n_names = r.unpack(_U64, "name count")
    if n_names not in (0, count):
        raise r.fail(f"{n_names} names for {count} arrays (expected 0 or {count})")
    names = []
    for i in range(n_names):
        r.where = f"name {i} of {n_names}"
        names.append(r.name(r.unpack(_U64, "name length")))
    # Trailing bytes are ignored, as MXNet ignores them. Duplicate names: the last
    # array wins, as in `mx.nd.load`.
    return dict(zip(names, arrays)) if names else arrays


def loads_arrays(buf: bytes | bytearray | memoryview, source: str = "<bytes>") -> ArrayData:
    """Parse the contents of an `mx.nd.save` file.

    Args:
      buf: the file's bytes (any buffer object).
      source: the name used in error messages.

    Returns:
      A list of arrays, or a dict name -> array when the file stores names. A saved
      empty dict loads as `[]`, as in MXNet. The arrays are writable and share one
      private copy of `buf`, which lives as long as any of them.

    Raises:
      MXNetValueError: the bytes are not a readable NDArray file.
    """
    if isinstance(buf, str):
        raise MXNetTypeError(f"{source}: loads_arrays needs bytes, got str")
    view = memoryview(buf).cast("B")
    copy = _page_aligned(len(view))
    copy[:] = np.frombuffer(view, dtype=np.uint8)
    return _parse(_Reader(copy, source))


def load_arrays(fname: str | os.PathLike[str]) -> ArrayData:
    """Load a file written by `mx.nd.save` (or `save_arrays`).

    Args:
      fname: the file; error messages name it.

    Returns:
      As `loads_arrays`: a list, or a dict name -> array; the arrays are writable views
      of one private copy of the file, kept alive by any of them.

    Raises:
      MXNetError: the file cannot be read (MXNetValueError: it is not a valid file).
    """
    path = os.fspath(fname)
    try:
        with open(path, "rb", buffering=0) as f:
            buf = _page_aligned(os.fstat(f.fileno()).st_size)
            view = memoryview(buf)
            nread = 0
            while nread < len(buf):  # one read() returns at most 2 GiB
                got = f.readinto(view[nread:])
                if not got:
                    break
                nread += got
    except OSError as err:
        raise MXNetError(f"{path}: cannot read NDArray file: {err.strerror or err}") from err
    return _parse(_Reader(buf[:nread], path))


def _normalise(data: object) -> tuple[list[str], list[np.ndarray]]:
    """Names (empty for a list) and little-endian C-contiguous arrays, validated."""
    if isinstance(data, Mapping):
        names = list(data.keys())
        values = list(data.values())
        for name in names:
            if not isinstance(name, str):
                raise MXNetTypeError(f"save: dict keys must be str, got {name!r} "
                                     f"(of type {type(name).__name__})")
    elif isinstance(data, Sequence) and not isinstance(data, str | bytes):
        names, values = [], list(data)
    elif hasattr(data, "__array__"):
        names, values = [], [data]  # a bare array saves as a 1-item list, as in MXNet
    else:
        raise MXNetTypeError("save: data must be an array, a list of arrays or a dict "
                             f"str -> array; got {type(data).__name__}")
    arrays = []
    for i, value in enumerate(values):
        label = repr(names[i]) if names else str(i)
        if not hasattr(value, "__array__"):
            raise MXNetTypeError(f"save: array {label} is not an array "
                                 f"(got {type(value).__name__})")
        arr = np.asarray(value)
        if arr.dtype.newbyteorder("=") not in DTYPE_NP_TO_MX:
            raise MXNetTypeError(f"save: array {label} has dtype {arr.dtype}, which the "
                                 f"NDArray format cannot store; supported: {_SUPPORTED}")
        # np.asarray, not np.ascontiguousarray, which turns 0-d arrays into 1-d.
        arrays.append(np.asarray(arr, dtype=arr.dtype.newbyteorder("<"), order="C"))
    return names, arrays


def _chunks(names: list[str], arrays: list[np.ndarray], np_shape: bool
            ) -> Iterator[bytes | memoryview]:
    """The file's bytes, in pieces; array data is passed through without copying."""
    magic = V3_MAGIC if np_shape else V2_MAGIC
    yield struct.pack("<QQQ", LIST_MAGIC, 0, len(arrays))
    for arr in arrays:
        flag = DTYPE_NP_TO_MX[arr.dtype.newbyteorder("=")]
        yield struct.pack(f"<IiI{arr.ndim}qiii", magic, 0, arr.ndim, *arr.shape,
                          *_CPU_CONTEXT, flag)
        yield memoryview(arr.reshape(-1).view(np.uint8))
    yield _U64.pack(len(names))
    for name in names:
        raw = name.encode("utf-8")
        yield _U64.pack(len(raw)) + raw


def dumps_arrays(data: ArrayData | np.ndarray, *, np_shape: bool = False) -> bytes:
    """The bytes `mx.nd.save` writes for `data`.

    Args:
      data: a list of arrays, a dict str -> array (saved in insertion order), or a
        single array (saved as a 1-item list). Dtypes: float16/32/64, uint8, int8,
        int32, int64, bool.
      np_shape: write V3 records, as `mx.nd.save` does under
        `mx.util.set_np_shape(True)`; the default writes V2 records, as plain MXNet.

    Returns:
      The file contents, byte-identical to MXNet 1.9.1's. A 0-d array is written
      as MXNet writes it, but only in V3 (np_shape=True) can MXNet or
      `loads_arrays` read it back.

    Raises:
      MXNetTypeError: data is not arrays, a key is not a str, or a dtype is unsupported.
    """
    names, arrays = _normalise(data)
    return b"".join(_chunks(names, arrays, np_shape))


def save_arrays(fname: str | os.PathLike[str], data: ArrayData | np.ndarray, *,
                np_shape: bool = False) -> None:
    """Write `dumps_arrays(data)` to `fname` atomically.

    The bytes go to a temporary file in the same directory, are fsynced and then
    renamed over `fname`, so a crash leaves either the old file or the new one.
    """
    names, arrays = _normalise(data)
    write_atomic(os.fspath(fname), _chunks(names, arrays, np_shape), "NDArray file")
