"""MXNet's RecordIO files (`mx.recordio`): dmlc's record framing and the image record header.

Byte-compatible both ways with MXNet 1.9.1. All integers are little-endian.

A record on disk is one or more parts, each::

    uint32 0xced7230a                     magic
    uint32 cflag << 29 | length           cflag 0: whole record, 1/2/3: first/middle/last part
    length bytes, zero-padded to a multiple of 4

dmlc's writer splits a record wherever its payload holds the magic word at a 4-aligned
offset, dropping that word; the reader puts it back between the parts. So an aligned
magic word never occurs inside a part, and a reader can find record starts by scanning.

An image record's payload (`pack`) starts with the header `IRHeader`, 24 bytes
(`uint32 flag, float32 label, uint64 id, uint64 id2`); when `flag > 0` the label is
instead the `flag` float32 values that follow the header. Then come the image bytes.

The `.idx` file of `MXIndexedRecordIO` is text: one `key<TAB>byte offset` line per record.

Colour order: `unpack_img` returns OpenCV's BGR (HWC uint8), as MXNet's does, and
`pack_img` takes BGR. The ImageRecordIter (jaxsym.io) gives RGB.

Reading is strict: a wrong magic word, a truncated record, a misplaced continuation part or
a bad `.idx` line raises `MXNetValueError` naming the file and the byte offset or line.
Writing goes to a temporary file renamed over the target at `close()`, so a crash leaves
no half-written `.rec`/`.idx`.
"""

from __future__ import annotations

import numbers
import os
import struct
from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO, Self

import numpy as np

from ..base import MXNetError, MXNetTypeError, MXNetValueError
from ._atomic import AtomicStream
from ._cv2 import require_cv2

__all__ = ["IRHeader", "MXIndexedRecordIO", "MXRecordIO", "pack", "pack_img", "unpack",
           "unpack_img"]

MAGIC = 0xCED7230A
_MAGIC_BYTES = struct.pack("<I", MAGIC)
_HEAD = struct.Struct("<II")  # magic, cflag << 29 | length
_LENGTH_BITS = 29
_MAX_LENGTH = (1 << _LENGTH_BITS) - 1
_CFLAG_NAMES = {0: "whole record", 1: "first part", 2: "middle part", 3: "last part"}

IRHeader = namedtuple("HEADER", ["flag", "label", "id", "id2"])
IRHeader.__doc__ = """An image record's header, as `mx.recordio.IRHeader`.

flag: the number of float32 labels after the header (0: `label` is the one label);
label: a float, or an array of floats; id, id2: the record id (id2 is usually 0)."""
_IR = struct.Struct("<IfQQ")


def _frame(buf: bytes | bytearray | memoryview) -> list[bytes]:
    """dmlc's RecordIOWriter::WriteRecord: the on-disk parts of one record."""
    data = bytes(buf)
    if len(data) > _MAX_LENGTH:
        raise MXNetValueError(f"RecordIO: a record holds at most {_MAX_LENGTH} bytes, "
                              f"got {len(data)}")
    out = []
    start = 0
    pos = data.find(_MAGIC_BYTES)
    while pos != -1:
        # Only a 4-aligned magic word is escaped, as dmlc checks word by word.
        if pos % 4 == 0:
            cflag = 1 if start == 0 else 2
            out += [_HEAD.pack(MAGIC, cflag << _LENGTH_BITS | pos - start), data[start:pos]]
            start = pos + 4
            pos = data.find(_MAGIC_BYTES, start)
        else:
            pos = data.find(_MAGIC_BYTES, pos + 1)
    tail = len(data) - start
    out += [_HEAD.pack(MAGIC, (3 if start else 0) << _LENGTH_BITS | tail), data[start:],
            b"\0" * (-tail % 4)]
    return out


class MXRecordIO:
    """Reads or writes a RecordIO file sequentially, as `mx.recordio.MXRecordIO`.

    Args:
      uri: path of the `.rec` file.
      flag: 'r' to read, 'w' to write (the file appears, complete, at `close()`).
    """

    def __init__(self, uri: str | os.PathLike[str], flag: str) -> None:
        self.uri = os.fspath(uri)
        self.flag = flag
        self.is_open = False
        self.writable = False
        self.pid: int | None = None
        self._file: BinaryIO | None = None
        self._out: AtomicStream | None = None
        self._pos = 0
        self.open()

    def open(self) -> None:
        """Opens the file; a writer starts an empty one."""
        if self.flag == "w":
            self._out = AtomicStream(self.uri, "RecordIO file")
            self.writable = True
        elif self.flag == "r":
            try:
                self._file = open(self.uri, "rb")  # noqa: SIM115  (closed by close())
            except OSError as err:
                raise MXNetError(f"{self.uri}: cannot open RecordIO file: "
                                 f"{err.strerror or err}") from err
            self.writable = False
        else:
            raise MXNetValueError(f"MXRecordIO: invalid flag {self.flag!r}; use 'r' or 'w'")
        self._pos = 0
        self.pid = os.getpid()
        self.is_open = True

    def close(self) -> None:
        """Closes the file; a writer's file is then complete on disk."""
        if not self.is_open:
            return
        self.is_open = False
        self.pid = None
        if self._out is not None:
            out, self._out = self._out, None
            out.commit()
        if self._file is not None:
            self._file.close()
            self._file = None

    def _abort(self) -> None:
        """Closes without keeping what was written (the old file, if any, stays)."""
        if self._out is not None:
            self._out.abort()
            self._out = None
        self.is_open = False
        self.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        if exc_type is not None and self.writable:
            self._abort()
        else:
            self.close()

    def __del__(self) -> None:
        if getattr(self, "is_open", False):
            self.close()

    def reset(self) -> None:
        """Back to the first record; a writer starts the file again, empty."""
        self.close()
        self.open()

    def _check_pid(self, allow_reset: bool = False) -> None:
        """A forked process shares the file offset; MXNet reopens or refuses, as here."""
        if self.pid != os.getpid():
            if not allow_reset:
                raise MXNetError(f"{self.uri}: MXRecordIO opened in process {self.pid} cannot "
                                 f"be used in process {os.getpid()}; reopen it there")
            self.reset()

    def _require(self, writing: bool) -> None:
        if not self.is_open:
            raise MXNetError(f"{self.uri}: the RecordIO file is closed")
        if writing != self.writable:
            raise MXNetError(f"{self.uri}: opened with flag {self.flag!r}, cannot "
                             + ("write" if writing else "read"))

    def tell(self) -> int:
        """The byte offset of the next record to be written or read."""
        return self._pos

    def write(self, buf: bytes | bytearray | memoryview) -> None:
        """Appends `buf` as one record."""
        self._require(writing=True)
        self._check_pid()
        if not isinstance(buf, (bytes, bytearray, memoryview)):
            raise MXNetTypeError(f"MXRecordIO.write takes bytes, got {type(buf).__name__}")
        parts = _frame(buf)
        assert self._out is not None
        try:
            self._out.file.writelines(parts)
        except OSError as err:
            raise MXNetError(f"{self.uri}: cannot write record: {err.strerror or err}") from err
        self._pos += sum(map(len, parts))

    def read(self) -> bytes | None:
        """The next record's payload, or None at the end of the file."""
        self._require(writing=False)
        self._check_pid()
        return self._read_record(skip=False)

    def read_at(self, pos: int) -> bytes:
        """The payload of the record starting at byte offset `pos`; reading goes on after it."""
        self._require(writing=False)
        self._seek(pos)
        record = self._read_record(skip=False)
        if record is None:
            raise self._fail(pos, "no record here: it is the end of the file")
        return record

    def _seek(self, pos: int) -> None:
        assert self._file is not None
        self._file.seek(pos)
        self._pos = pos

    def _fail(self, pos: int, what: str) -> MXNetValueError:
        return MXNetValueError(f"{self.uri}: invalid RecordIO file at byte offset {pos}: {what}")

    def _read_record(self, skip: bool) -> bytes | None:
        """Reads (or, with `skip`, steps over) one record of one or more parts."""
        assert self._file is not None
        pieces: list[bytes] = []
        first = True
        while True:
            at = self._pos
            head = self._file.read(8)
            if not head and first:
                return None
            if len(head) < 8:
                raise self._fail(at, f"truncated record header ({len(head)} of 8 bytes)"
                                 + ("" if first else " inside a multi-part record"))
            magic, lrec = _HEAD.unpack(head)
            if magic != MAGIC:
                raise self._fail(at, f"found {magic:#010x} where the record magic "
                                     f"{MAGIC:#010x} should be (not a .rec file, or a "
                                     "wrong offset)")
            cflag, length = lrec >> _LENGTH_BITS, lrec & _MAX_LENGTH
            if cflag not in _CFLAG_NAMES or (cflag in (0, 1)) != first:
                expected = "a whole record or a first part" if first else "a middle or last part"
                raise self._fail(at, f"continuation flag {cflag} "
                                     f"({_CFLAG_NAMES.get(cflag, 'unknown')}), expected {expected}")
            padded = length + -length % 4
            if skip:
                self._file.seek(padded, os.SEEK_CUR)
            else:
                data = self._file.read(padded)
                if len(data) < padded:
                    raise self._fail(at, f"truncated record: its header declares {length} "
                                         f"bytes, only {len(data)} remain")
                pieces.append(data[:length])
            self._pos = at + 8 + padded
            if cflag in (0, 3):
                break
            if not skip:
                pieces.append(_MAGIC_BYTES)
            first = False
        if skip:
            if self._pos > os.fstat(self._file.fileno()).st_size:
                raise self._fail(at, "truncated record: it runs past the end of the file")
            return None
        return b"".join(pieces)

    def record_offsets(self) -> list[int]:
        """The byte offset of every record, scanning headers only (from the start)."""
        self._require(writing=False)
        self._seek(0)
        offsets = []
        while True:
            at = self._pos
            if not self._file.peek(1):  # type: ignore[union-attr]
                break
            self._read_record(skip=True)
            offsets.append(at)
        self._seek(0)
        return offsets


class MXIndexedRecordIO(MXRecordIO):
    """A RecordIO file with an `.idx` file of `key<TAB>offset` lines, for random access.

    Args:
      idx_path: path of the `.idx` file.
      uri: path of the `.rec` file.
      flag: 'r' or 'w'.
      key_type: converts keys (as read from the `.idx` file, or given to `write_idx`).
    """

    def __init__(self, idx_path: str | os.PathLike[str], uri: str | os.PathLike[str],
                 flag: str, key_type: Callable[[Any], Any] = int) -> None:
        self.idx_path = os.fspath(idx_path)
        self.idx: dict[Any, int] = {}
        self.keys: list[Any] = []
        self.key_type = key_type
        self._idx_out: AtomicStream | None = None
        super().__init__(uri, flag)

    def open(self) -> None:
        super().open()
        self.idx = {}
        self.keys = []
        if self.writable:
            self._idx_out = AtomicStream(self.idx_path, "RecordIO index")
            return
        try:
            with open(self.idx_path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except (OSError, UnicodeDecodeError) as err:
            super().close()
            raise MXNetError(f"{self.idx_path}: cannot read RecordIO index: "
                             f"{getattr(err, 'strerror', None) or err}") from err
        for number, line in enumerate(lines, 1):
            fields = line.strip().split("\t")
            try:
                key, pos = self.key_type(fields[0]), int(fields[1])
                if pos < 0:
                    raise ValueError("negative offset")
            except (ValueError, IndexError, TypeError) as err:
                super().close()
                raise MXNetValueError(f"{self.idx_path}: line {number}: expected "
                                      f"'key<TAB>offset', found {line!r} ({err})") from None
            self.idx[key] = pos
            self.keys.append(key)

    def close(self) -> None:
        if not self.is_open:
            return
        super().close()
        if self._idx_out is not None:
            out, self._idx_out = self._idx_out, None
            out.commit()

    def _abort(self) -> None:
        if self._idx_out is not None:
            self._idx_out.abort()
            self._idx_out = None
        super()._abort()

    def seek(self, idx: Any) -> None:
        """Moves the read position to the record with key `idx`."""
        self._require(writing=False)
        self._check_pid(allow_reset=True)
        if idx not in self.idx:
            shown = ", ".join(map(repr, self.keys[:8])) + (", ..." if len(self.keys) > 8 else "")
            raise MXNetValueError(f"{self.idx_path}: no record with key {idx!r} "
                                  f"({len(self.keys)} keys: {shown})")
        self._seek(self.idx[idx])

    def read_idx(self, idx: Any) -> bytes:
        """The payload of the record with key `idx`."""
        self.seek(idx)
        return self.read_at(self.idx[idx])

    def write_idx(self, idx: Any, buf: bytes | bytearray | memoryview) -> None:
        """Appends `buf` as a record under key `idx`."""
        key = self.key_type(idx)
        pos = self.tell()
        self.write(buf)
        assert self._idx_out is not None
        self._idx_out.file.write(f"{key}\t{pos}\n".encode())
        self.idx[key] = pos
        self.keys.append(key)


def _parse_lst_line(line: str) -> tuple[int, list[float], str]:
    """One line of an image list (`.lst`, as im2rec writes it): `key<TAB>label...<TAB>path`
    -> (key, labels, path). Raises ValueError saying what is wrong with it."""
    fields = [field.strip() for field in line.strip().split("\t")]
    if len(fields) < 3:
        # MXNet's im2rec words it so.
        raise ValueError(f"lst should have at least has three parts, but only has "
                         f"{len(fields)} parts for {fields}")
    return int(fields[0]), [float(field) for field in fields[1:-1]], fields[-1]


def pack(header: Sequence[Any], s: bytes) -> bytes:
    """An image record: `header` (an IRHeader) then `s`.

    A numeric `header.label` is stored in the header with flag 0 (whatever flag was
    given, as MXNet); a sequence of labels goes after the header as float32, with
    flag = their count.
    """
    header = IRHeader(*header)
    if isinstance(header.label, numbers.Number):
        header = header._replace(flag=0)
    else:
        label = np.asarray(header.label, dtype=np.float32)
        header = header._replace(flag=label.size, label=0)
        s = label.astype("<f4").tobytes() + bytes(s)
    return _IR.pack(*header) + bytes(s)


def unpack(s: bytes) -> tuple[IRHeader, bytes]:
    """Splits an image record into its IRHeader and the bytes after the header and labels."""
    if len(s) < _IR.size:
        raise MXNetValueError(f"unpack: an image record starts with a {_IR.size}-byte header, "
                              f"got {len(s)} bytes")
    header = IRHeader(*_IR.unpack_from(s))
    s = s[_IR.size:]
    if header.flag > 0:
        if len(s) < 4 * header.flag:
            raise MXNetValueError(f"unpack: header flag {header.flag} announces "
                                  f"{header.flag} float32 labels, only {len(s)} bytes follow")
        header = header._replace(label=np.frombuffer(s, "<f4", header.flag))
        s = s[header.flag * 4:]
    return header, s


def unpack_img(s: bytes, iscolor: int = -1) -> tuple[IRHeader, np.ndarray]:
    """An image record's header and its image, decoded by OpenCV: **BGR** HWC uint8.

    iscolor: OpenCV's imread flag: -1 as stored, 0 grayscale (HW), 1 three-channel BGR.
    """
    cv2 = require_cv2("unpack_img")
    header, s = unpack(s)
    img = cv2.imdecode(np.frombuffer(s, dtype=np.uint8), iscolor)
    if img is None:
        raise MXNetValueError(f"unpack_img: record id {header.id} holds {len(s)} bytes that "
                              "OpenCV cannot decode as an image")
    return header, img


def pack_img(header: Sequence[Any], img: np.ndarray, quality: int = 95,
             img_fmt: str = ".jpg") -> bytes:
    """Encodes `img` (**BGR** HWC, or HW gray, uint8) with OpenCV and packs it with `header`.

    quality: JPEG quality 1-100, or PNG compression level 0-9.
    img_fmt: '.jpg'/'.jpeg' or '.png' (another OpenCV extension is encoded with defaults).
    """
    cv2 = require_cv2("pack_img")
    params: list[int] = []
    if img_fmt.upper() in (".JPG", ".JPEG"):
        params = [cv2.IMWRITE_JPEG_QUALITY, quality]
    elif img_fmt.upper() == ".PNG":
        # OpenCV takes a level above 9 (im2rec's default quality 95) as 9; OpenCV 5 warns.
        params = [cv2.IMWRITE_PNG_COMPRESSION, min(quality, 9)]
    try:
        ok, buf = cv2.imencode(img_fmt, img, params)
    except cv2.error as err:
        raise MXNetValueError(f"pack_img: OpenCV cannot encode a {np.shape(img)} "
                              f"{getattr(img, 'dtype', '?')} image as {img_fmt!r}: {err}") from None
    if not ok:
        raise MXNetValueError(f"pack_img: OpenCV failed to encode the image as {img_fmt!r}")
    return pack(header, buf.tobytes())
