"""The console script (``incentives``) and ``python -m nanchang_incentives``: the process's first code.

It imports nothing of its own, so that what it sets up holds while :mod:`.cli` imports typer, rich and numpy
(most of the time ``calc`` takes): a Ctrl-C at any moment, even in the middle of those imports, ends with one
line on stderr and exit 130, never a ``KeyboardInterrupt`` traceback. Inside a command the command line itself
says it (``cli.Group``; ``batch`` says what it left); here is only what comes before and after.

A process started with standard output closed (``incentives calc x.toml >&-``) gets, instead of Python's
``sys.stdout = None`` (into which Rich wrote nothing without a word, and ``batch -o -`` failed with an
AttributeError), a stream whose every write fails as a write to the closed descriptor does (EBADF): the
command then says ``error: standard output: cannot write: Bad file descriptor`` and exits 1, as for a full
disk. A closed descriptor 0, 1 or 2 is also held on /dev/null, so that no file the run opens takes its number
(and a worker process its output). Unbuffered (``python -u``, ``PYTHONUNBUFFERED=1``), standard output and
error write every byte or fail (``writing.whole_writes``): a short write to a full disk was dropped unseen.
"""

from __future__ import annotations

import _thread
import errno
import io  # (imported by the interpreter itself, as os is by site: no cost)
import os
import sys
import time

TYPE_CHECKING = False  # (typing itself is not imported: a Ctrl-C while it were would come before the try below)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

#: the exit code of a run ended by Ctrl-C (128 + SIGINT, 2 on every system), as a shell reports it
EXIT_INTERRUPTED = 130

#: the line an interrupted command ends with, when it has nothing more precise to say (batch has)
INTERRUPTED = "interrupted (Ctrl-C)"


def console() -> None:
    """:func:`cli.console`, with a Ctrl-C outside a command (imports, start-up) a line and exit 130.

    Once the command is over (its SystemExit), Ctrl-C is ignored: what is left is the interpreter's teardown,
    during which Python restores the signal's default action, and a Ctrl-C then killed the process by the
    signal after the command had done all its work (and said so).
    """
    sys.unraisablehook = _redelivering(sys.unraisablehook)
    try:
        _closed_streams()
        from .writing import whole_writes  # (two stdlib imports: errno, io)

        whole_writes()
        from .cli import console as run

        run()
    except KeyboardInterrupt:
        interrupted()
    except SystemExit:
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _handled()
        raise


def _handled() -> None:
    """Tell CPython the Ctrl-C was handled. A KeyboardInterrupt that leaves code run by ``exec`` or ``eval``
    of a string (namedtuple, dataclasses and the like build classes so, at every import) sets the interpreter's
    "unhandled KeyboardInterrupt" flag, even when it is then caught; under ``python -m`` the process then killed
    itself with SIGINT at exit, after the message and whatever exit code the command had. Each ``exec`` of a
    string starts by clearing that flag."""
    exec("pass")  # noqa: S102 - a constant string


def _redelivering(previous: Callable[[Any], object]) -> Callable[[Any], None]:
    """An unraisable-exception hook that delivers a swallowed Ctrl-C again.

    A Ctrl-C that comes while Python runs a callback or a destructor (a module lock's weakref callback, at
    every import) raises KeyboardInterrupt there, where it cannot propagate: Python printed ``Exception ignored
    in: … Traceback … KeyboardInterrupt`` and went on as if nothing had been pressed. The interrupt is
    delivered once more, a moment later (from another thread: delivered at once, it would be raised in this
    hook, which is no better a place), to the code that runs then, which unwinds as from any other Ctrl-C."""

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            _thread.start_new_thread(_interrupt_soon, ())
            return
        previous(unraisable)

    return hook


def _interrupt_soon() -> None:
    time.sleep(0.005)
    _thread.interrupt_main()  # (nothing once the command is over: SIGINT is ignored then)


def _closed_streams() -> None:
    """Standard output closed: a stream that says so at its first write; each closed descriptor 0-2 held."""
    if sys.stdout is not None and sys.stdin is not None and sys.stderr is not None:
        return  # (Python sets a stream None when its descriptor is not open at the start)
    for fd, stream in enumerate((sys.stdin, sys.stdout, sys.stderr)):
        if stream is None:
            try:
                os.fstat(fd)
            except OSError:
                held = os.open(os.devnull, os.O_RDWR)
                if held != fd:
                    os.dup2(held, fd)
                    os.close(held)
    if sys.stdout is None:
        # write_through: a failed write drops its text, so that the flush at exit does not fail once more
        sys.stdout = io.TextIOWrapper(_ClosedOutput(), encoding="utf-8", write_through=True)


class _ClosedOutput(io.RawIOBase):
    """The binary side of a closed standard output: every write fails with EBADF, as ``write(1, …)`` does."""

    name = "<stdout>"

    def writable(self) -> bool:
        return True

    def write(self, data: object, /) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))


def interrupted() -> None:
    """Say that Ctrl-C stopped the run and exit 130; a second Ctrl-C meanwhile ends the process at once (by the
    signal, without a traceback)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    stream = sys.stderr
    if stream is not None:  # None: started with stderr closed
        try:
            stream.write(f"error: {INTERRUPTED}\n")
            stream.flush()
        except (OSError, ValueError):
            pass
    _handled()
    sys.exit(EXIT_INTERRUPTED)
