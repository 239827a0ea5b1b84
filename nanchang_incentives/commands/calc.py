"""`incentives calc company.toml`"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

import typer

from .. import api
from ..cli_options import (
    Format,
    IgnoreValidity,
    Policies,
    PoliciesDir,
    Settings,
    Year,
    format_option,
    lang_option,
    split_names,
)
from ..engine import Options, PolicyResult
from ..profile import Profile
from ..render.terminal import Terminal
from .common import guarded, load_company, terminal_of

EXAMPLES = """Examples:

  incentives calc samples/nanchang-si-led-maker.toml

  incentives calc samples/beijing-robot-maker.toml --format markdown > report.md

  incentives calc samples/multi-industry.toml --policy 武汉,beijing --year 2024 --format json

  incentives calc samples/nanchang-si-led-maker.toml --set rd_staff=99
"""

Renderer = Callable[[Terminal, Profile, Sequence[PolicyResult], bool], None]


def _table(term: Terminal, profile: Profile, results: Sequence[PolicyResult], show_all: bool) -> None:
    from ..render.table import print_results

    print_results(profile, results, show_all=show_all, console=term.out, lang=term.lang)


def _json(term: Terminal, profile: Profile, results: Sequence[PolicyResult], show_all: bool) -> None:
    from ..render.json import dumps

    term.write(dumps(profile.name, results[0].year, results))


def _markdown(term: Terminal, profile: Profile, results: Sequence[PolicyResult], show_all: bool) -> None:
    from ..render.markdown import render_results

    term.write(render_results(profile, results, show_all=show_all, lang=term.lang))


RENDERERS: dict[Format, Renderer] = {Format.table: _table, Format.json: _json, Format.markdown: _markdown}


def calc(
    ctx: typer.Context,
    company: Annotated[Path, typer.Argument(metavar="COMPANY.toml", help="Company profile (TOML; - reads standard input).",
                                            show_default=False)],
    policy: Policies = None,
    year: Year = None,
    fmt: Annotated[Format, format_option(*RENDERERS)] = Format.table,
    ignore_validity: IgnoreValidity = False,
    show_all: Annotated[bool, typer.Option(
        "--all", help="List every clause, including those not evaluated for missing input.")] = False,
    policies_dir: PoliciesDir = None,
    lang: Annotated[str | None, lang_option(
        "the table and Markdown report (headings, status words, conditions, calculations, common warnings)",
        "JSON does not change")] = None,
    settings: Settings = None,
) -> None:
    """Compute every clause of the company's policy (or --policy) and explain each figure."""
    term = terminal_of(ctx)
    if lang is not None:
        term = dataclasses.replace(term, lang=lang)

    def run() -> None:
        catalog = api.load(policies_dir or ())
        names = split_names(policy)
        # a bad (or empty) --policy fails before the file is read
        chosen = api.resolve_policies(names, catalog) if policy else None
        profile = load_company("calc", company, catalog, policy_given=bool(chosen), year_given=year is not None)
        options = Options(year=year, ignore_validity=ignore_validity)
        if settings:
            from . import planning_views

            planning_views.calc_what_if(term, fmt, profile, settings, chosen, catalog, options)
            return
        results = api.calculate(profile, chosen or api.policies_for(profile, catalog), catalog, options)
        from . import planning_views

        # the report, then "What would unlock more" (JSON: a `headroom` list in each result)
        planning_views.calc_headroom(term, fmt, profile, results, catalog, options,
                                     lambda: RENDERERS[fmt](term, profile, results, show_all))

    guarded(run, term)
