"""`incentives batch companies.csv -o results.csv`"""

from __future__ import annotations

import signal
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from .. import api
from ..batch import BatchOptions, run_batch
from ..cli import app, guarded


class Layout(str, Enum):
    wide = "wide"
    long = "long"


class BatchFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"
    xlsx = "xlsx"


def _format_for(output: Path, fmt: BatchFormat | None) -> str:
    """--format, else the output's suffix (.jsonl/.ndjson, .xlsx), else csv."""
    if fmt is not None:
        return fmt.value
    suffix = output.suffix.lower()
    return {".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx"}.get(suffix, "csv")


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM: unwind like Ctrl-C, so that temporary files are removed."""
    raise SystemExit(128 + signum)


@app.command()
def batch(
    companies: Annotated[Path, typer.Argument(
        help="Companies, one per row (CSV or .xlsx; the columns are profile fields; - reads standard input).",
        show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Results file (written atomically; - for standard "
                                         "output).", show_default=False)],
    policy: Annotated[list[str] | None, typer.Option(
        "--policy", "-p", help="Policy id(s) for every row; default: each row's jurisdiction.")] = None,
    year: Annotated[int | None, typer.Option(help="Fiscal year for every row (overrides the year column).")] = None,
    layout: Annotated[Layout, typer.Option(
        help="wide: a row per company and policy; long: a row per company and clause.")] = Layout.wide,
    errors: Annotated[Path | None, typer.Option(
        help="Write every bad row (row, field, value, message) to this CSV.")] = None,
    fmt: Annotated[BatchFormat | None, typer.Option(
        "--format", "-f", help="csv, jsonl or xlsx (default: from the output's suffix, else csv).")] = None,
    bom: Annotated[bool | None, typer.Option(
        "--bom/--no-bom", help="CSV output with a UTF-8 BOM (default: as the input; GBK, UTF-8 with BOM and .xlsx "
        "input give a BOM, so that Excel shows Chinese correctly).", show_default=False)] = None,
    excel: Annotated[bool, typer.Option("--excel", help="Same as --bom.")] = False,
    sheet: Annotated[str | None, typer.Option(help="The worksheet of an .xlsx input (default: the first).")] = None,
    encoding: Annotated[str | None, typer.Option(
        help="Input encoding (default: detected; UTF-8, UTF-8 with BOM or GB18030/GBK).")] = None,
    summary_json: Annotated[Path | None, typer.Option(
        help="Write the budget view and the counts as JSON to this file.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no budget table.")] = False,
    ignore_validity: Annotated[bool, typer.Option(
        "--ignore-validity", help="Compute years outside a policy's validity (labelled hypothetical).")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0,
                                      help="Worker processes (0: up to two when the file is large).")] = 0,
    policies_dir: Annotated[list[Path] | None, typer.Option(
        help="Extra policy tables (also $INCENTIVES_POLICIES_DIR).")] = None,
) -> None:
    """Compute every company of a CSV (as `calc` does for one) and show what each clause would cost.

    Bad rows never stop the run: each is reported (row, field, value, message),
    every good row is written, and the exit code is 1 if any row was bad.
    """
    from rich.console import Console

    from ..render.budget import print_problems, print_report, progress

    def run() -> int:
        catalog = api.load(policies_dir or ())
        options = BatchOptions(policy_ids=tuple(policy or ()), year=year, ignore_validity=ignore_validity,
                               layout=layout.value, fmt=_format_for(output, fmt), excel=excel, encoding=encoding,
                               jobs=jobs, bom=bom, sheet=sheet)
        previous = signal.signal(signal.SIGTERM, _terminate)
        try:
            with progress(not quiet) as update:
                report = run_batch(companies, output, catalog, options, errors_path=errors,
                                   summary_path=summary_json, progress=update)
        finally:
            signal.signal(signal.SIGTERM, previous)
        err = Console(stderr=True)
        print_problems(report, err)
        if quiet:
            print_report(report, err, budget=False)
        else:  # with -o - the results own standard output
            print_report(report, err) if report.to_stdout else print_report(report)
        return 1 if report.bad_rows else 0

    code = guarded(run)
    if code:
        raise typer.Exit(code)
