"""`incentives explore company.toml --vary FIELD=FROM..TO [--steps N]`: a sweep, its chart and its cliffs."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from .. import api
from ..cli_options import (
    Format,
    IgnoreValidity,
    OptionValueError,
    Policies,
    PoliciesDir,
    Year,
    format_option,
    lang_option,
    split_names,
)
from ..engine import Options
from ..errors import InputError, Location, OptionError
from ..planning import DEFAULT_STEPS, MAX_POINTS, MIN_STEPS
from ..render import planning as views
from ..text import json_text, visible
from .common import guarded, load_company, terminal_of

EXAMPLES = """Examples:

  incentives explore samples/nanchang-small-firm-capped.toml --vary sales_revenue=1000万..10亿

  incentives explore samples/nanchang-si-led-maker.toml --vary rd_expense=5000万..3亿 --steps 500 -o sweep.csv

  incentives explore samples/nanchang-si-led-maker.toml --vary rd_staff=50..150 --vary 研发费用=5000万..2亿 --steps 50
"""

FORMATS = (Format.table, Format.json, Format.markdown)


def explore(
    ctx: typer.Context,
    company: Annotated[Path, typer.Argument(metavar="COMPANY.toml", help="Company profile (TOML; - reads standard input).",
                                            show_default=False)],
    vary: Annotated[list[str], typer.Option(
        "--vary", metavar="FIELD=FROM..TO",
        help="The field to sweep and its range, values as in the TOML (rd_expense=5000万..3亿; Chinese field "
             "names too). Twice: a grid of the two fields.", show_default=False)],
    steps: Annotated[int, typer.Option(
        "--steps", "-n", metavar="N", parser=parse_steps,
        help=f"Values per field, evenly spaced (default {DEFAULT_STEPS}); a grid has at most {MAX_POINTS:,} "
             f"points.")] = DEFAULT_STEPS,
    policy: Policies = None,
    year: Year = None,
    fmt: Annotated[Format, format_option(*FORMATS)] = Format.table,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="FILE.csv|FILE.jsonl",
        help="Also write one line per point (each field's value, total, total_exact, each clause's amount and "
             "status) to a .csv or .jsonl file.")] = None,
    ignore_validity: IgnoreValidity = False,
    policies_dir: PoliciesDir = None,
    lang: Annotated[str | None, lang_option(
        "the table and Markdown report (heading, chart legend, totals, cliffs)",
        "JSON and the --output file (English column names) do not change")] = None,
) -> None:
    """Sweep one field (or two) over a range in one batch: the total against it, and every cliff, exactly."""
    term = terminal_of(ctx)
    if lang is not None:
        term = dataclasses.replace(term, lang=lang)

    def run() -> None:
        if output is not None:
            _check_output(output, company)
        catalog = api.load(policies_dir or ())
        names = split_names(policy)
        chosen = api.resolve_policies(names, catalog) if policy else None  # an empty --policy: a usage error
        profile = load_company("explore", company, catalog, policy_given=bool(chosen), year_given=year is not None)
        sweep = api.explore(profile, vary, catalog, chosen, steps, Options(year=year, ignore_validity=ignore_validity))
        if output is not None:
            text = views.sweep_csv(sweep) if output.suffix.lower() == ".csv" else views.sweep_jsonl(sweep)
            _write(output, text)
        if fmt == Format.json:
            term.write(json_text(views.sweep_dict(sweep)))
        elif fmt == Format.markdown:
            term.write(views.sweep_markdown(sweep, term.lang), end="")
        else:
            views.print_sweep(sweep, term.out, term.lang)
            if output is not None:
                term.out.print(f"\n{sweep.points.n:,} points written to {output}")

    guarded(run, term)


def parse_steps(value: str | int) -> int:
    """A --steps value: a whole number of values per field, FROM and TO included."""
    text = str(value).strip()
    if text.isdigit() and MIN_STEPS <= int(text) <= MAX_POINTS:
        return int(text)
    raise OptionValueError(f"--steps {visible(str(value))}: expected a whole number of values from {MIN_STEPS} "
                           f"(FROM and TO) to {MAX_POINTS:,}, e.g. --steps 200")


def _check_output(path: Path, company: Path) -> None:
    """Before any work: a .csv or .jsonl name (a link's file too), in a directory that exists, not something
    other than a file, never the company profile itself."""
    import os
    import stat

    shown = visible(str(path))
    real = Path(os.path.realpath(path))
    if path.suffix.lower() not in (".csv", ".jsonl") or real.suffix.lower() not in (".csv", ".jsonl"):
        via = f" (a link to {visible(str(real))})" if real.suffix.lower() != path.suffix.lower() else ""
        raise OptionError(f"--output {shown}{via}: expected a .csv or .jsonl file, e.g. --output sweep.csv",
                          Location())
    try:
        same = os.path.samefile(real, company)
    except OSError:
        same = False
    if same:
        raise InputError(f"--output {shown} would overwrite the company profile; choose another name", Location())
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"--output {shown}: the directory {visible(str(parent))} does not exist",
                         Location())
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise InputError(f"--output {shown}: cannot use it ({exc.strerror})",
                         Location()) from None
    if not stat.S_ISREG(mode):
        raise InputError(f"--output {shown}: not a regular file; explore writes a .csv or .jsonl file",
                         Location())
    if not mode & stat.S_IWUSR:  # read-only (444, 只读): the rename would replace it, for root and others alike
        from ..batch import read_only

        raise InputError(f"--output {shown} {read_only(path, 'explore')}", Location())


def _write(path: Path, text: str) -> None:
    """All or nothing: a temporary file in the same directory, renamed over ``path`` once complete."""
    from ..batch import AtomicFile

    created: list = []
    target = None
    try:
        target = AtomicFile(path, created)  # (a symbolic link: the file it points to)
        target.write(text.encode("utf-8"))
        target.commit()
    except OSError as exc:
        if target is not None:
            target.discard()
        raise InputError(f"--output {visible(str(path))}: cannot write it ({exc.strerror})",
                         Location()) from None
