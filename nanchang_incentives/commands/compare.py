"""`incentives compare company.toml [--cities nanchang,wuhan-east-lake,beijing]`"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from .. import api
from ..cli_options import (
    NAMES_HELP,
    Format,
    IgnoreValidity,
    PoliciesDir,
    Settings,
    Year,
    format_option,
    lang_option,
    split_names,
)
from ..engine import Options
from ..render.terminal import Terminal
from .common import guarded, load_company, terminal_of

EXAMPLES = """Examples:

  incentives compare samples/multi-industry.toml

  incentives compare samples/multi-industry.toml --cities 南昌,武汉 --format markdown > sites.md

  incentives compare samples/multi-industry.toml --set rd_staff=120
"""

Renderer = Callable[[Terminal, api.Comparison], None]


def _table(term: Terminal, comparison: api.Comparison) -> None:
    from ..render.compare import print_comparison

    print_comparison(comparison, term.out, term.lang)


def _json(term: Terminal, comparison: api.Comparison) -> None:
    from ..render.json import document
    from ..render.planning import headroom_dicts
    from ..text import json_text

    doc = document(comparison.profile.name, comparison.results[0].year, comparison.results)
    for d, room in zip(doc["results"], comparison.headroom):  # the same headroom as calc's
        d["headroom"] = headroom_dicts(room)
    term.write(json_text(doc))


def _markdown(term: Terminal, comparison: api.Comparison) -> None:
    from ..render.compare import markdown

    term.write(markdown(comparison, term.lang), end="")


RENDERERS: dict[Format, Renderer] = {Format.table: _table, Format.json: _json, Format.markdown: _markdown}


def compare(
    ctx: typer.Context,
    company: Annotated[Path, typer.Argument(metavar="COMPANY.toml", help="Company profile (TOML; - reads standard input).",
                                            show_default=False)],
    cities: Annotated[list[str] | None, typer.Option(
        "--cities", "-c", metavar="NAME",
        help=f"The cities to compare: {NAMES_HELP}. Default: every jurisdiction.")] = None,
    year: Year = None,
    fmt: Annotated[Format, format_option(*RENDERERS)] = Format.table,
    ignore_validity: IgnoreValidity = False,
    policies_dir: PoliciesDir = None,
    settings: Settings = None,
    lang: Annotated[str | None, lang_option(
        "the table and Markdown report (headings, status words, the lines around the tables; the policies' "
        "notes stay English)", "JSON does not change")] = None,
) -> None:
    """Evaluate the same company as if it were located in each city, side by side (site selection)."""
    term = terminal_of(ctx)
    if lang is not None:
        term = dataclasses.replace(term, lang=lang)

    def run() -> None:
        catalog = api.load(policies_dir or ())
        wanted: list[str] = []
        if cities is not None:
            # a bad (or empty) --cities fails before the profile is read
            wanted = api.check_cities(split_names(cities), catalog)
        profile = load_company("compare", company, catalog, year_given=year is not None)  # each city: no jurisdiction
        if settings:
            from . import planning_views

            planning_views.compare_what_if(term, fmt, profile, settings, wanted, catalog,
                                           Options(year=year, ignore_validity=ignore_validity))
            return
        result = api.compare(profile, wanted, catalog, Options(year=year, ignore_validity=ignore_validity))
        RENDERERS[fmt](term, result)

    guarded(run, term)
