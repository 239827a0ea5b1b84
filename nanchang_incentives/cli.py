"""The `incentives` command line: parse arguments, call the API, hand results to a renderer.

Every command is a plain function in ``commands/`` (which never imports this
module); they are registered here, explicitly, in the order ``--help`` lists
them. The root callback builds the one :class:`~.render.terminal.Terminal` of
the invocation and stores it on the Click context, where each command finds it.

Exit codes: 0 success; 1 bad input (the message names file, line/row, field and
what is expected); 2 usage error: an unknown option, a missing argument or a bad
option value, always as ONE line ``error: …`` on stderr (help output is Typer's).
"""

from __future__ import annotations

import contextlib
import copy
import errno
import gc
import importlib
import os
import re
import sys
from collections.abc import Iterator, Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from . import __version__
from .cli_options import OptionValueError
from .commands.common import EXIT_BAD_INPUT, EXIT_USAGE, guarded
from .render.terminal import Terminal

try:  # Typer >= 0.20 carries its own copy of Click
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - older Typer on the separate click package
    from click import exceptions as click_exceptions  # type: ignore[no-redef]

__all__ = ["app", "build_app", "console", "guarded", "main"]  # noqa: F822 - `app` is built on first use (__getattr__)

CONTEXT = {"help_option_names": ["-h", "--help"]}


def _untyped(params: list[Any]) -> list[Any]:
    """Help without internal type names: a flag shows none, every value option its metavar (YEAR, DIR …); a file
    is the command's to read."""
    for p in params:
        if getattr(p.type, "readable", None) is True:
            p.type = _reads_files_itself(p.type)
        if getattr(p, "metavar", "x") is None:
            p.metavar = "" if getattr(p, "is_flag", False) else (p.name or "value").upper()
        if getattr(p, "param_type_name", "") == "argument":
            p.display_type_rich = _no_type  # the argument's metavar (COMPANY.toml) says it all
            if not getattr(p.type, "_untyped", False):  # Typer 0.28 shows the type as <path> otherwise
                p.type = copy.copy(p.type)
                p.type.get_metavar = _no_metavar
                p.type._untyped = True
    return params


def _reads_files_itself(path_type: Any) -> Any:
    """A copy of Typer's Path type (``readable=True`` by default) that leaves a file to the command.

    It refused a file the process may not read as a usage error (``Invalid value for 'COMPANY.toml': Path
    'x.toml' is not readable``, exit 2), and an output (``-o``) it may write but not read; the command opens the
    file and says why it cannot (``x.toml: cannot read: Permission denied``, exit 1), as for any other bad file.
    A directory is checked as before. An empty value (``calc ""``, ``-o ""``), which ``Path("")`` turns into
    ``.``, the directory, is a usage error that says so (it was ``.: is a directory``)."""
    relaxed = copy.copy(path_type)
    relaxed.readable = False
    convert = relaxed.convert

    def check(value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, (str, bytes)) and not value:
            path_type.fail("the path is empty", param, ctx)
        return path_type.convert(value, param, ctx) if os.path.isdir(value) else convert(value, param, ctx)

    relaxed.convert = check
    return relaxed


def _plain_usage(pieces: list[str]) -> list[str]:
    """``COMPANY.toml``, not Typer 0.28's ``{COMPANY.toml}`` for a required argument."""
    return [p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in pieces]


def _no_metavar(*args: Any, **kwargs: Any) -> str:
    return ""


def _no_type(ctx: Any = None) -> None:
    return None


def _folding_help() -> None:
    """Typer lays the help out in Rich tables whose cells end a word longer than the column with "…"
    (``$INCENTIVES_POLIC…`` at 80 columns, ``--ignore-valid…`` at 60): their text folds instead, so nothing of
    the help is lost at any width. Done when a help is shown, never at a command's start."""
    from typer import rich_utils

    if getattr(rich_utils.Table, "folds", False):
        return
    from rich.table import Table

    class FoldingTable(Table):
        folds = True

        def add_row(self, *renderables: Any, **kwargs: Any) -> None:
            super().add_row(*renderables, **kwargs)
            for column in self.columns:
                column.overflow = "fold"

    rich_utils.Table = FoldingTable  # type: ignore[misc]
    from rich.text import Text

    parameter_help = rich_utils._get_parameter_help

    def folding_parameter_help(*args: Any, **kwargs: Any) -> Any:
        columns = parameter_help(*args, **kwargs)  # a Columns of Texts, laid out in a grid that crops too
        for item in getattr(columns, "renderables", ()):
            if isinstance(item, Text):
                item.overflow = "fold"
        return columns

    rich_utils._get_parameter_help = folding_parameter_help


class Command(TyperCommand):
    """A command whose help shows metavars, never Typer's ``<bool>`` / ``<list[str]>``."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _untyped(super().get_params(ctx))

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _folding_help()
        super().format_help(ctx, formatter)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return _plain_usage(super().collect_usage_pieces(ctx))


class Group(TyperGroup):
    """The same for a group; the root group also turns usage errors into one line and an exit code."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _untyped(super().get_params(ctx))

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _folding_help()
        super().format_help(ctx, formatter)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return _plain_usage(super().collect_usage_pieces(ctx))

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _interruptible():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _interruptible():
            return super().invoke(ctx)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, windows_expand_args: bool = True, **extra: Any) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False,
                                  windows_expand_args=windows_expand_args, **extra)
            code = result if isinstance(result, int) else 0
        except click_exceptions.NoArgsIsHelpError as exc:
            # `incentives` / `incentives policies` alone: the help, as --help gives it, once. Typer's rich help
            # prints itself when the error is built (ctx.get_help() in its constructor; the message is then
            # empty); a plain help is the message.
            if exc.format_message().strip():
                typer.echo(exc.format_message(), nl=False)
            code = EXIT_USAGE
        except click_exceptions.UsageError as exc:
            Terminal.create().error(usage_message(exc))
            code = EXIT_USAGE
        except click_exceptions.ClickException as exc:
            Terminal.create().error(" ".join(exc.format_message().split()))
            code = exc.exit_code
        except typer.Abort:
            Terminal.create().error("aborted")
            code = EXIT_BAD_INPUT
        except OSError as exc:  # standard output on a full disk (`> /dev/full`), a device that fails: no traceback
            if exc.filename:
                Terminal.create().error(f"{exc.filename}: {exc.strerror or exc}")
            elif exc.errno in _WRITE_ERRNOS:
                _quiet_stdout()
                Terminal.create().error(f"standard output: cannot write: {exc.strerror or exc}")
            else:
                Terminal.create().error(f"{exc.strerror or exc}")
            code = EXIT_BAD_INPUT
        if standalone_mode:
            sys.exit(code)
        return code


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """Ctrl-C while the command line is parsed or a command runs: one line and exit 130 (Typer's own handling
    ends the run without a word). ``batch`` says more itself: what its outputs are left as."""
    try:
        yield
    except KeyboardInterrupt:
        from .entry import EXIT_INTERRUPTED, INTERRUPTED

        with contextlib.suppress(OSError, ValueError):
            Terminal.create().error(INTERRUPTED)
        raise typer.Exit(EXIT_INTERRUPTED) from None


#: the errors of a write that standard output gives (a full disk, a quota, a file too large, a failing device)
_WRITE_ERRNOS = frozenset(getattr(errno, name) for name in ("ENOSPC", "EDQUOT", "EFBIG", "EIO", "EBADF", "EROFS")
                          if hasattr(errno, name))


def _quiet_stdout() -> None:
    """Standard output failed: what is still buffered for it goes nowhere (fd 1 onto /dev/null), so that the
    exit's flush does not fail again with "Exception ignored … OSError" after the message."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)
    except OSError:  # pragma: no cover - no /dev/null
        pass


def usage_message(exc: Any) -> str:
    """A usage error as one line: what is wrong, and where to read more."""
    text = " ".join(exc.format_message().split())
    if isinstance(exc, click_exceptions.BadParameter) and not text.startswith("-"):
        # Click's own wording ("Invalid value for '--layout': 'x' is not one of 'wide', 'long'.")
        text = re.sub(r"^Invalid value for '(-[\w-]+)'(?: / '-\w+')*: ", r"\1: ", text)
    if isinstance(exc, OptionValueError):
        return text  # names the option, the value, what is expected and an example
    text = text.rstrip(".")
    path = exc.ctx.command_path if getattr(exc, "ctx", None) is not None else "incentives"
    return f"{text} (see: {path} --help)"


def _new_app() -> typer.Typer:
    return typer.Typer(
        name="incentives",
        cls=Group,
        help="Subsidies an enterprise is entitled to under Chinese local industrial policies: "
        "exact figures, each traced to a sentence of the policy text.",
        epilog="Examples: incentives calc samples/nanchang-si-led-maker.toml · incentives compare "
        "samples/multi-industry.toml --cities 南昌,武汉 · incentives policies list. "
        "Shell completion: incentives --install-completion.",
        no_args_is_help=True,
        add_completion=True,
        pretty_exceptions_enable=False,
        context_settings=CONTEXT,
    )


def version() -> str:
    from importlib import metadata  # 60 ms of imports: only for --version

    try:
        return metadata.version("nanchang-incentives")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a checkout without installing
        return __version__


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"incentives {version()}")
        raise typer.Exit(0)


def _root(
    ctx: typer.Context,
    show_version: Annotated[bool, typer.Option(
        "--version", "-V", callback=_show_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """Subsidies an enterprise is entitled to under Chinese local industrial policies."""
    ctx.obj = term = Terminal.create()
    from .errors import ValueProblem
    from .fields import ENV_LANG, output_lang

    try:
        output_lang(None)
    except ValueProblem:  # a stray setting must not stop the tool, nor pass unseen
        from .text import visible

        term.warning(f"{ENV_LANG}={visible(os.environ.get(ENV_LANG, ''))!r} is not a language of this tool "
                     f"(en or zh, e.g. {ENV_LANG}=zh): English is used")


# ---------------------------------------------------------------- commands, registered explicitly

#: the top-level commands in the order --help lists them (each a module of commands/ with a function of that name)
COMMANDS = ("calc", "compare", "batch", "explore")


def _add(app: typer.Typer, name: str) -> None:
    module = importlib.import_module(f".commands.{name}", __package__)
    app.command(name, cls=Command, epilog=module.EXAMPLES)(getattr(module, name))


def _add_policies(app: typer.Typer) -> None:
    from .commands import policies

    policies_app = typer.Typer(name="policies", cls=Group, help=policies.HELP, no_args_is_help=True,
                               epilog=policies.GROUP_EXAMPLES,
                               add_completion=False, pretty_exceptions_enable=False, context_settings=CONTEXT)
    policies_app.command("list", cls=Command, epilog=policies.EXAMPLES["list"])(policies.list_)
    policies_app.command("show", cls=Command, epilog=policies.EXAMPLES["show"])(policies.show)
    policies_app.command("validate", cls=Command, epilog=policies.EXAMPLES["validate"])(policies.validate)
    policies_app.command("test", cls=Command, epilog=policies.EXAMPLES["test"])(policies.test)
    app.add_typer(policies_app, name="policies")


def build_app(only: str | None = None) -> typer.Typer:
    """The whole command line, or (``only``) the root with that one command: what ``incentives calc …`` needs.

    A one-command app parses, helps and fails exactly as the whole one does for that command, but neither
    imports the other commands' modules nor builds their options (some 10 ms of each ``calc``).
    """
    app = _new_app()
    app.callback()(_root)
    for name in COMMANDS:
        if only in (None, name):
            _add(app, name)
    if only in (None, "policies"):
        _add_policies(app)
    return app


_APP: typer.Typer | None = None


def __getattr__(name: str) -> typer.Typer:
    """``cli.app``: the whole command line, built on first use (the console script builds only what it runs)."""
    global _APP
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _APP is None:
        _APP = build_app()
    return _APP


def _wanted(argv: Sequence[str]) -> str | None:
    """The one command this invocation runs, when it is sure; None for the root, help or shell completion."""
    if not argv or "_INCENTIVES_COMPLETE" in os.environ:
        return None
    return argv[0] if argv[0] in (*COMMANDS, "policies") else None


def main() -> None:
    """Run the app on ``sys.argv`` without Click's standalone handling, exit (SystemExit) with its code."""
    code = build_app(_wanted(sys.argv[1:]))(prog_name="incentives", standalone_mode=False)
    sys.exit(code if isinstance(code, int) else 0)


PRINT_ONLY = ("calc", "compare")  # commands that write nothing but standard output and standard error


def console() -> None:
    """The console script and ``python -m nanchang_incentives`` (through :mod:`.entry`): :func:`main`, as a
    short-lived process.

    Start-up costs that buy nothing here (together about half of ``calc``'s wall time):

    * numpy's OpenBLAS starts a thread per core at import and joins them at exit; nothing in this
      package multiplies matrices, and ``batch`` runs its own worker processes. One thread, unless the
      environment says otherwise (``OPENBLAS_NUM_THREADS``; inherited by the worker processes).
    * Compiling the methods of the package's dataclasses, some 70 classes created at import: they come from
      :mod:`.codecache`'s table of what an earlier run compiled.
    * For a command that only prints (``PRINT_ONLY``), the cyclic garbage collector, which would run
      dozens of times over the objects import creates, and the interpreter's teardown of every module
      after the answer is out: the streams are flushed and the process ends with the command's exit
      code. If a flush fails (a closed pipe), the normal exit runs instead, with its usual handling.
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from . import codecache

    codecache.install()
    quick = _wanted(sys.argv[1:]) in PRINT_ONLY
    if quick:
        gc.disable()
    try:
        try:
            main()
        finally:
            codecache.save()
    except SystemExit as stop:
        if not quick or not isinstance(stop.code, int):
            raise
        try:
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:  # None: started with the stream closed
                    stream.flush()
        except (OSError, ValueError):
            raise stop from None
        os._exit(stop.code)
