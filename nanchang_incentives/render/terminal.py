"""The width and colour rules of every console (until the Terminal object owns them)."""

from __future__ import annotations

import os

from rich.console import Console

#: width when the output is not a terminal and $COLUMNS is not set (pipes, files, tests)
PIPE_WIDTH = 120


def pipe_width() -> int:
    cols = os.environ.get("COLUMNS", "")
    return int(cols) if cols.isdigit() and int(cols) > 0 else PIPE_WIDTH


def default_console(stderr: bool = False) -> Console:
    """A console: the terminal's own width, else $COLUMNS, else ``PIPE_WIDTH``."""
    console = Console(highlight=False, emoji=False, stderr=stderr)
    if not console.is_terminal:
        console = Console(highlight=False, emoji=False, stderr=stderr, width=pipe_width())
    return console
