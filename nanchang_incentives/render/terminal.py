"""The one terminal of a command: its two Rich consoles, width, colour, quiet mode and progress bar.

Built once per invocation (in the root callback of ``cli.py``), stored on the
Click context and handed to every command, as hatch's ``Application`` /
``Terminal`` do. Renderers receive ``terminal.out`` (a ``rich.console.Console``)
and never build a console of their own.

Width: a real terminal gives its own width; anything else (a pipe, a file, a
test) gets ``$COLUMNS`` when it is set to a positive number, else
:data:`PIPE_WIDTH` columns, the same for every command, so that captured
output is the same on every machine.

Colour: none when ``NO_COLOR`` is set (to anything non-empty, https://no-color.org);
otherwise on when ``FORCE_COLOR`` is set non-empty (https://force-color.org), even
into a pipe; otherwise on exactly when the stream is a terminal.
"""

from __future__ import annotations

import codecs
import os
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from typing import IO, TextIO

from rich.console import Console
from rich.text import Text

from ..text import json_safe, visible
from .wrap import Prose

#: width of output that does not go to a terminal and has no $COLUMNS
PIPE_WIDTH = 120

#: update(bytes done, bytes total, rows done, bad rows) -- what batch reports while it runs
ProgressUpdate = Callable[[int, int, int, int], None]


def _isatty(stream: IO[str] | None) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (ValueError, OSError):  # a closed or odd stream
        return False


def _size_of(stream: TextIO | None, environ: Mapping[str, str], which: str, variable: str, least: int,
             otherwise: int) -> int:
    """A terminal's own columns or lines (at least ``least``); else the environment ``variable`` when it is a
    positive number; else ``otherwise``. A terminal that reports a size of 0 (the pseudo-terminal of ``script``
    run without one, ``docker exec -t``, some CI runners) has none: it was laid out at ``least`` (20 columns,
    ids split) and ``COLUMNS=80`` was not looked at."""
    if _isatty(stream):
        try:
            assert stream is not None
            size = getattr(os.get_terminal_size(stream.fileno()), which)
            if size > 0:
                return max(size, least)
        except (OSError, ValueError, AttributeError):
            pass
    given = environ.get(variable, "").strip()
    return int(given) if given.isdigit() and int(given) > 0 else otherwise


def width_of(stream: TextIO | None, environ: Mapping[str, str]) -> int:
    """A terminal's own width; else $COLUMNS when it is a positive number; else PIPE_WIDTH."""
    return _size_of(stream, environ, "columns", "COLUMNS", 20, PIPE_WIDTH)


def height_of(stream: TextIO | None, environ: Mapping[str, str]) -> int:
    """A terminal's own height; else $LINES; else 25. Given to Rich with the width: with only a width, Rich
    lays a TERM=dumb terminal out at 80 columns whatever its size."""
    return _size_of(stream, environ, "lines", "LINES", 1, 25)


def colour_for(stream: TextIO | None, environ: Mapping[str, str]) -> bool:
    """NO_COLOR wins; then FORCE_COLOR; else colour exactly when the stream is a terminal."""
    if environ.get("NO_COLOR", ""):
        return False
    if environ.get("FORCE_COLOR", ""):
        return True
    return _isatty(stream)


def make_console(stream: TextIO | None, *, stderr: bool, environ: Mapping[str, str]) -> Console:
    """A Rich console for stdout or stderr, following the width and colour rules above."""
    colour = colour_for(stream, environ)
    tty = _isatty(stream)
    return Console(
        stderr=stderr,
        width=width_of(stream, environ),
        height=height_of(stream, environ),
        # a forced colour into a pipe needs Rich to treat the pipe as a terminal
        force_terminal=tty or colour,
        color_system="auto" if colour else None,
        no_color=not colour,
        highlight=False,
        emoji=False,
        _environ={k: v for k, v in environ.items() if k not in ("COLUMNS", "LINES")},
    )


#: what a stream that cannot encode a character (GBK: Chinese Windows' redirected output) gets instead
SUBSTITUTES = {"\u2212": "-", "\u2591": ".", "\u2592": ":", "\u2593": "#", "\u00a5": "\uffe5",
               "\u2713": "v", "\u2714": "v", "\u2717": "x", "\u2718": "x"}
SUBSTITUTE_ERRORS = "incentives-substitute"


def _substitute(exc: UnicodeError) -> tuple[str, int]:
    """A codec error handler: each character the encoding lacks as its nearest look-alike (− as -, ░ as .),
    its compatibility form, or ``?``; never an exception in the middle of a report."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    for ch in exc.object[exc.start:exc.end]:
        sub = SUBSTITUTES.get(ch) or unicodedata.normalize("NFKC", ch)
        try:
            sub.encode(exc.encoding)
        except (UnicodeEncodeError, LookupError):
            sub = "?"
        out.append(sub)
    return "".join(out), exc.end


codecs.register_error(SUBSTITUTE_ERRORS, _substitute)


def fit_stream(stream: TextIO | None) -> None:
    """Let a text stream in a legacy encoding (cp936/GBK when Chinese Windows redirects output to a file or
    a pipe) write every report: the characters it lacks are substituted (``_substitute``) instead of
    raising UnicodeEncodeError halfway through. UTF-8 streams and ones that cannot be reconfigured are
    left as they are."""
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
    if stream is None or not encoding or encoding.startswith("utf"):
        return
    try:
        stream.reconfigure(errors=SUBSTITUTE_ERRORS)  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        pass


#: the progress bar's columns, in order
PROGRESS_COLUMNS = ("label", "bar", "bytes", "rate", "bad", "elapsed")


def progress_columns(width: int) -> tuple[str, ...]:
    """The columns that fit on one line of ``width``: a line that wrapped would not be cleared as it updates.

    "batch", "123.4/456.7 MB", "1,234,567 rows/s", "12,345 bad" and "0:01:05" take ~60 cells; the bar takes 40.

    >>> progress_columns(120), progress_columns(80), progress_columns(40)
    (('label', 'bar', 'bytes', 'rate', 'bad', 'elapsed'), ('label', 'bytes', 'rate', 'bad', 'elapsed'), \
('label', 'bytes', 'bad'))
    """
    if width >= 104:
        return PROGRESS_COLUMNS
    if width >= 64:
        return ("label", "bytes", "rate", "bad", "elapsed")
    return ("label", "bytes", "bad")


@contextmanager
def progress(enabled: bool, console: Console | None = None) -> Iterator[ProgressUpdate]:
    """A progress bar on stderr (bytes read, rows/s, bad rows) when it is a terminal; else a no-op."""
    console = console or Console(stderr=True)
    if not enabled or not _isatty(console.file):
        yield lambda done, total, rows, bad: None
        return
    start = time.monotonic()
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn  # only batch needs it

    columns = [TextColumn("batch"), BarColumn(), DownloadColumn(), TextColumn("{task.fields[rate]}"),
               TextColumn("{task.fields[bad]}"), TimeElapsedColumn()]
    keep = progress_columns(console.width)
    with Progress(*(c for name, c in zip(PROGRESS_COLUMNS, columns) if name in keep), console=console,
                  transient=True) as bar:
        task = bar.add_task("rows", total=None, rate="", bad="")

        def update(done: int, total: int, rows: int, bad: int) -> None:
            elapsed = max(time.monotonic() - start, 1e-9)
            bar.update(task, completed=done, total=total, rate=f"{rows / elapsed:,.0f} rows/s",
                       bad=f"{bad:,} bad" if bad else "")

        yield update


@dataclass(frozen=True)
class Terminal:
    """stdout and stderr of one invocation.

    ``out``: the console every renderer prints to (tables, reports).
    ``err``: errors, warnings about the run, the progress bar.
    ``quiet``: the command was asked for less (no progress bar; what else is
    left out is the command's choice, e.g. batch's budget tables).
    """

    out: Console
    err: Console
    quiet: bool = False
    lang: str = "en"  # headings: en, or zh (--lang / $INCENTIVES_LANG)

    @classmethod
    def create(cls, *, quiet: bool = False, environ: Mapping[str, str] | None = None,
               stdout: TextIO | None = None, stderr: TextIO | None = None) -> Terminal:
        """The terminal of the current process (``sys.stdout`` / ``sys.stderr`` and ``os.environ``)."""
        env = os.environ if environ is None else environ
        if stdout is None and stderr is None:  # the process's own streams
            fit_stream(sys.stdout)
            fit_stream(sys.stderr)
        out = make_console(stdout or sys.stdout, stderr=False, environ=env)
        err = make_console(stderr or sys.stderr, stderr=True, environ=env)
        if stdout is not None:
            out.file = stdout
        if stderr is not None:
            err.file = stderr
        from ..errors import ValueProblem
        from ..fields import output_lang

        try:
            lang = output_lang(None, env).value
        except ValueProblem:  # a bad $INCENTIVES_LANG: English (--lang is checked as an option)
            lang = "en"
        return cls(out, err, quiet, lang)

    @property
    def width(self) -> int:
        """The width renderers lay out for (stdout's)."""
        return self.out.width

    @property
    def colour(self) -> bool:
        return self.out.color_system is not None

    def quieted(self, quiet: bool) -> Terminal:
        """This terminal, in quiet mode when ``quiet`` (a command's own --quiet)."""
        return replace(self, quiet=True) if quiet and not self.quiet else self

    def write(self, text: str, end: str = "\n") -> None:
        """Text exactly as given (JSON, Markdown, plain text) to stdout: no markup, wrapping or styling; a lone
        surrogate (a file name's byte that is not UTF-8) as its JSON escape, never the raw byte."""
        self.out.file.write(json_safe(text + end))
        self.out.file.flush()

    def say(self, text: str) -> None:
        """Plain text for people on stdout (``policies validate``, ``policies test``), already made visible: on a
        terminal, each line wrapped within its width at words and between Chinese characters (:class:`Prose`,
        indentation kept), never inside a figure, an id or a path; into a file or a pipe, as it is."""
        if self.out.is_terminal:
            self.out.print(Prose(text), markup=False, highlight=False)
        else:
            self.write(text)

    def error(self, message: str) -> None:
        """``error: <message>`` on stderr, with control and escape characters made visible.

        A message of several problems (a profile with six mistakes) keeps its line breaks: one problem a line.
        """
        line = Prose("error:", style="bold red")
        line.append(" " + visible(message, allow="\n"))
        print_message(self.err, line)

    def warning(self, message: str) -> None:
        """``warning: <message>`` on stderr (not shown in quiet mode)."""
        if self.quiet:
            return
        line = Prose("warning:", style="yellow")
        line.append(" " + visible(message))
        print_message(self.err, line)

    def progress(self, enabled: bool = True) -> AbstractContextManager[ProgressUpdate]:
        """A progress bar on stderr while the block runs, or a no-op (quiet, disabled, stderr not a terminal)."""
        return progress(enabled and not self.quiet, self.err)


def print_message(console: Console, message: Text | str) -> None:
    """A message (``error: …``, ``warning: …``, ``bad row: …``): on a terminal, wrapped within its width at
    words and between Chinese characters (:class:`~.wrap.Prose`), so that the terminal never cuts a line
    number, an amount or an escape in two; into a file or a pipe, one line a message, as a log is read."""
    text = message if isinstance(message, Prose) else Prose(str(message))
    if console.is_terminal:
        console.print(text, markup=False, highlight=False)
    else:
        console.print(text, soft_wrap=True, markup=False, highlight=False)


def default_console(stderr: bool = False) -> Console:
    """The console a renderer uses when it is called without one (the Python API): the same rules."""
    return make_console(sys.stderr if stderr else sys.stdout, stderr=stderr, environ=os.environ)
