"""Atomic file writes shared by the format writers: a crash leaves the old file or the new."""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from collections.abc import Iterable

from ..base import MXNetError


def write_atomic(path: str, chunks: Iterable[bytes | memoryview], what: str) -> None:
    """Write `chunks` to a fsynced temporary file beside `path`, then rename it over `path`.

    Raises:
      MXNetError: naming `path` and `what` ("symbol file"), when the OS refuses.
    """
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    try:
        # os.open with mode 0o666 lets the umask apply, as for an ordinary open().
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o666)
        with open(fd, "wb") as f:
            f.writelines(chunks)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as err:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(err, OSError):
            raise MXNetError(f"{path}: cannot write {what}: {err.strerror or err}") from err
        raise
    if sys.platform != "win32":
        # Make the rename itself durable.
        # A filesystem that cannot fsync a directory still holds a complete file.
        with contextlib.suppress(OSError):
            dir_fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
