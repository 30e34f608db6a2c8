"""Atomic file writes shared by the format writers: a crash leaves the old file or the new."""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from collections.abc import Iterable
from typing import BinaryIO

from ..base import MXNetError


def _open_temp(path: str) -> tuple[str, int]:
    """Create a fresh temporary file beside `path`; returns its name and descriptor."""
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    # os.open with mode 0o666 lets the umask apply, as for an ordinary open().
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    return tmp, fd


def _sync_dir(path: str) -> None:
    """Make a rename into `path`'s directory durable."""
    if sys.platform != "win32":
        # A filesystem that cannot fsync a directory still holds a complete file.
        with contextlib.suppress(OSError):
            dir_fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


def _unlink_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def write_atomic(path: str, chunks: Iterable[bytes | memoryview], what: str) -> None:
    """Write `chunks` to a fsynced temporary file beside `path`, then rename it over `path`.

    Raises:
      MXNetError: naming `path` and `what` ("symbol file"), when the OS refuses.
    """
    tmp = ""
    try:
        tmp, fd = _open_temp(path)
        with open(fd, "wb") as f:
            f.writelines(chunks)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as err:
        if tmp:
            _unlink_quietly(tmp)
        if isinstance(err, OSError):
            raise MXNetError(f"{path}: cannot write {what}: {err.strerror or err}") from err
        raise
    _sync_dir(path)


class AtomicStream:
    """A file written as a stream into a temporary beside `path` and renamed over it by
    `commit()`; `abort()` (or a crash) leaves whatever was at `path` before."""

    def __init__(self, path: str, what: str) -> None:
        self.path = path
        self.what = what
        try:
            self._tmp, fd = _open_temp(path)
        except OSError as err:
            raise self._error(err) from err
        self.file: BinaryIO = open(fd, "wb")  # noqa: SIM115  (closed by commit/abort)

    def _error(self, err: OSError) -> MXNetError:
        return MXNetError(f"{self.path}: cannot write {self.what}: {err.strerror or err}")

    def commit(self) -> None:
        """Flush, fsync and rename the temporary over `path`."""
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            os.replace(self._tmp, self.path)
        except OSError as err:
            self.abort()
            raise self._error(err) from err
        _sync_dir(self.path)

    def abort(self) -> None:
        """Drop what was written; `path` is left as it was."""
        self.file.close()
        _unlink_quietly(self._tmp)
