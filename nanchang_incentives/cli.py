"""The `incentives` command line: parse arguments, call the API, hand results to a renderer.

Exit codes: 0 success; 1 bad input (the message names file, line/row, field and
what is expected); 2 usage error (Typer/Click's own).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

import typer

from .errors import IncentivesError

app = typer.Typer(
    name="incentives",
    help="Subsidies an enterprise is entitled to under Chinese local industrial policies: "
    "exact figures, each traced to a sentence of the policy text.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")


@app.callback()
def _root() -> None:
    """Subsidies an enterprise is entitled to under Chinese local industrial policies."""


def fail(message: str, code: int = 1) -> None:
    """Print an error message to stderr and exit (no traceback)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def guarded(fn: Callable[[], T]) -> T:
    """Run fn; the project's own errors become exit 1 with their message."""
    try:
        return fn()
    except IncentivesError as exc:
        fail(str(exc))
        raise  # pragma: no cover


# every command lives in its own module and registers itself on `app`
from .commands import calc as _calc  # noqa: F401

for _name in ("compare", "batch", "policies"):
    try:
        __import__(f"{__package__}.commands.{_name}")
    except ModuleNotFoundError as _exc:  # pragma: no cover - command not built yet
        if _exc.name != f"{__package__}.commands.{_name}":
            raise


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        typer.echo("interrupted", err=True)
        sys.exit(130)
