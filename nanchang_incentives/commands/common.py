"""What every command does around its work: get the terminal, turn the project's errors into exit codes."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from ..errors import IncentivesError, InputError, OptionError
from ..render.terminal import Terminal

if TYPE_CHECKING:
    from ..policy import Catalog
    from ..profile import Profile

T = TypeVar("T")

#: exit codes (README "Exit codes and errors")
EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE = 0, 1, 2


def terminal_of(ctx: typer.Context, quiet: bool = False) -> Terminal:
    """The terminal built by the root callback (a fresh one when a command is invoked on its own)."""
    found = ctx.find_object(Terminal)
    if found is None:
        found = Terminal.create()
        ctx.obj = found
    return found.quieted(quiet)


def guarded(fn: Callable[[], T], terminal: Terminal | None = None) -> T:
    """Run fn; a bad command-line value exits 2, any other bad input exits 1, each with a one-line message."""
    try:
        return fn()
    except OptionError as exc:
        option = exc.location.field or ""
        (terminal or Terminal.create()).error(f"{option}: {exc.message}" if option else exc.message)
        raise typer.Exit(EXIT_USAGE) from None
    except IncentivesError as exc:
        (terminal or Terminal.create()).error(str(exc))
        raise typer.Exit(EXIT_BAD_INPUT) from None


def load_company(command: str, path: Path, catalog: Catalog, *, policy_given: bool = True,
                 year_given: bool = True) -> Profile:
    """``api.load_company`` for ``calc``, ``compare`` and ``explore``; a profile named as a pipe or a socket
    (``… | incentives calc /dev/stdin``), which is never read, gets the way to read one: ``-``."""
    from .. import api

    try:
        return api.load_company(path, catalog, policy_given=policy_given, year_given=year_given)
    except InputError as exc:
        try:
            stream = exc.location.file == str(path) and (stat.S_ISFIFO(mode := os.stat(path).st_mode)
                                                         or stat.S_ISSOCK(mode))
        except OSError:
            stream = False
        if not stream:
            raise
        hint = f"; use - to read standard input (… | incentives {command} -)"
        raise InputError(exc.message + hint, exc.location) from None
