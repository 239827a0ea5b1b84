"""Writes that keep every byte or fail: batch's streamed outputs, and (unbuffered) standard output and error.

Unbuffered (``python -u``, ``PYTHONUNBUFFERED=1``), ``sys.stdout.buffer`` is the raw file itself, and a write
the file takes only part of (a disk that fills up, a file-size limit, a quota) returns the count written and
raises nothing; the text layer above it does not even look at the count. ``-o - > out.csv`` on a full disk
kept the first 100 KB of 1.6 MB and exited 0. Written again, the rest is what reports the file's error.

No imports of the package: the console script sets the standard streams up with it before anything else.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from typing import Any


def write_all(stream: Any, data: bytes | bytearray | memoryview) -> None:
    """Write all of ``data`` to the binary ``stream``, or raise ``OSError`` (the file's own error: the write of
    the remainder after a short one is what reports it; ENOSPC, EFBIG, …).

    >>> import io
    >>> class Short(io.BytesIO):  # a file that takes 3 bytes a write
    ...     def write(self, b): return super().write(bytes(b)[:3])
    >>> s = Short(); write_all(s, b"0123456789"); s.getvalue()
    b'0123456789'
    """
    view = memoryview(data).cast("B")
    while view:
        n = stream.write(view)
        if n is None:  # a non-blocking raw file that took nothing (BufferedWriter raises BlockingIOError itself)
            raise BlockingIOError(errno.EAGAIN, os.strerror(errno.EAGAIN))
        if n <= 0:  # nothing taken and no error: writing again would go on forever
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        view = view[n:]


class WholeWrites(io.RawIOBase):
    """A raw file whose every write takes all it is given or raises: what an unbuffered standard stream's text
    layer writes into instead of the raw file itself (``whole_writes``)."""

    def __init__(self, raw: io.FileIO):
        super().__init__()
        self.raw = raw

    @property
    def name(self) -> Any:
        return self.raw.name

    def write(self, data: Any, /) -> int:
        write_all(self.raw, data)
        return len(memoryview(data).cast("B"))

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.raw.fileno()

    def isatty(self) -> bool:
        return self.raw.isatty()


def whole_writes() -> None:
    """Unbuffered standard output and error (``python -u``, ``PYTHONUNBUFFERED=1``) write every byte or fail.

    Their text layer writes straight into the raw file and drops the count a short write returns: ``calc
    x.toml > out.txt`` on a full disk kept its first kilobyte and exited 0. Each is the same stream again (its
    encoding, errors, line buffering and descriptor) over ``WholeWrites``. A buffered stream is left as it is:
    its BufferedWriter writes the rest itself, or raises; so is a stream that is not the interpreter's own."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        raw = getattr(stream, "buffer", None)
        if type(stream) is not io.TextIOWrapper or type(raw) is not io.FileIO:
            continue
        stream.flush()
        setattr(sys, name, io.TextIOWrapper(WholeWrites(raw), encoding=stream.encoding, errors=stream.errors,
                                            newline=None if os.name == "nt" else "\n",
                                            line_buffering=stream.line_buffering, write_through=True))
