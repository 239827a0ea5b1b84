"""`incentives compare company.toml [--cities nanchang,wuhan-east-lake,beijing]`"""

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


def split_cities(value: str | None) -> list[str]:
    """"nanchang, beijing" -> ["nanchang", "beijing"] (empty: every city)."""
    return [c.strip() for c in (value or "").split(",") if c.strip()]


@app.command()
def compare(
    company: Annotated[Path, typer.Argument(help="Company profile (TOML).", show_default=False)],
    cities: Annotated[str | None, typer.Option(
        "--cities", "-c",
        help="Comma-separated jurisdictions, e.g. nanchang,wuhan-east-lake,beijing; default: every one.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Fiscal year (overrides the profile's year).")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, json or markdown.")] = Format.table,
    ignore_validity: Annotated[bool, typer.Option(
        "--ignore-validity", help="Compute years outside a policy's validity (labelled hypothetical).")] = False,
    policies_dir: Annotated[list[Path] | None, typer.Option(
        "--policies-dir", help="Extra policy tables (also $INCENTIVES_POLICIES_DIR).")] = None,
) -> None:
    """Evaluate the same company as if it were located in each city, side by side (site selection)."""

    def run() -> None:
        catalog = api.load(policies_dir or ())
        wanted = split_cities(cities)
        if cities is not None:
            api.check_cities(wanted, catalog)  # a bad (or empty) --cities fails before the profile is read
        profile = api.load_company(company, catalog)
        result = api.compare(profile, wanted, catalog, Options(year=year, ignore_validity=ignore_validity))
        if fmt == Format.json:
            from ..render.json import dumps

            typer.echo(dumps(profile.name, result.results[0].year, result.results))
        elif fmt == Format.markdown:
            from ..render.compare import markdown

            typer.echo(markdown(result), nl=False)
        else:
            from ..render.compare import print_comparison

            print_comparison(result)

    guarded(run)
