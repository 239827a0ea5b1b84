"""What every command does around its work: get the terminal, turn the project's errors into exit codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import typer

from ..errors import IncentivesError, OptionError
from ..render.terminal import Terminal

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
