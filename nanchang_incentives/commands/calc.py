"""`incentives calc company.toml`"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from .. import api
from ..cli import app, guarded
from ..engine import Options


class Format(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


@app.command()
def calc(
    company: Annotated[Path, typer.Argument(help="Company profile (TOML).", show_default=False)],
    policy: Annotated[list[str] | None, typer.Option(
        "--policy", "-p", help="Policy id(s); default: the profile's jurisdiction.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Fiscal year (overrides the profile's year).")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, json or markdown.")] = Format.table,
    ignore_validity: Annotated[bool, typer.Option(
        "--ignore-validity", help="Compute years outside the policy's validity (labelled hypothetical).")] = False,
    show_all: Annotated[bool, typer.Option(
        "--all", help="List every clause, including those not evaluated for missing input.")] = False,
    policies_dir: Annotated[list[Path] | None, typer.Option(
        "--policies-dir", help="Extra policy tables (also $INCENTIVES_POLICIES_DIR).")] = None,
) -> None:
    """Compute every clause of the company's policy (or --policy) and explain each figure."""

    def run() -> None:
        catalog = api.load(policies_dir or ())
        profile = api.load_company(company, catalog)
        options = Options(year=year, ignore_validity=ignore_validity)
        results = api.calculate(profile, api.policies_for(profile, catalog, policy or ()), catalog, options)
        if fmt == Format.json:
            from ..render.json import dumps

            typer.echo(dumps(profile.name, results[0].year, results))
        elif fmt == Format.markdown:
            from ..render.markdown import render_results

            typer.echo(render_results(profile, results, show_all=show_all))
        else:
            from ..render.table import print_results

            print_results(profile, results, show_all=show_all)

    guarded(run)
