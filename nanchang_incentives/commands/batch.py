"""`incentives batch companies.csv -o results.csv`"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .. import api
from ..cli_options import (
    IgnoreValidity,
    LangOption,
    Policies,
    PoliciesDir,
    choice_option,
    parse_encoding,
    parse_errors_path,
    parse_jobs,
    parse_summary_path,
    quiet_option,
    split_names,
    year_option,
)
from .common import guarded, terminal_of

EXAMPLES = """Examples:

  incentives batch samples/companies.csv -o results.csv

  incentives batch companies.csv -o results.xlsx --policy nanchang --year 2024 --errors bad_rows.csv

  incentives batch companies-gbk.csv -o results.csv --encoding gbk --excel --quiet

  incentives batch register.parquet -o results.parquet --policy nanchang
"""


class Layout(StrEnum):
    wide = "wide"
    long = "long"


class BatchFormat(StrEnum):
    """The file format of batch's output (not a terminal rendering: see cli_options.Format)."""

    csv = "csv"
    jsonl = "jsonl"
    xlsx = "xlsx"
    parquet = "parquet"


#: the output suffixes that name one of batch's formats (a contradicting --format is refused)
SUFFIX_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx", ".parquet": "parquet"}


def _format_for(output: Path, fmt: BatchFormat | None) -> str:
    """--format, else the output's suffix (.jsonl/.ndjson, .xlsx, .parquet), else csv.

    A --format that contradicts the suffix (``-o results.xlsx --format csv``) is refused: the file would be
    named one format and hold another, which Excel or WPS refuses to open or warns about."""
    from ..errors import Location, OptionError
    from ..text import argument, visible

    suffix = output.suffix.lower() if str(output) != "-" else ""
    named = SUFFIX_FORMATS.get(suffix)
    if fmt is not None:
        # the formats are named as their suffixes; a name with no name part (-o ., -o /) is checked later
        instead = argument(str(output.with_suffix("." + fmt.value))) if output.name else ""
        if named is not None and named != fmt.value:
            raise OptionError(f"{visible(output.name)!r} names {_NAMED[named]} file but --format is {fmt.value}: "
                              f"write -o {instead} instead, or leave out --format (the suffix decides)",
                              Location(file=str(output), field="--format"))
        if suffix in UNWRITTEN_SUFFIXES and not (suffix == ".json" and fmt.value == "jsonl"):
            # -o results.xls --format csv: CSV text under a name Excel or WPS opens as a workbook, and refuses
            raise OptionError(f"{visible(output.name)!r} names a {suffix} file, which batch does not write, and "
                              f"{fmt.value} under that name would not open as one: write -o {instead} instead",
                              Location(file=str(output), field="--format"))
        return fmt.value
    if suffix in UNWRITTEN_SUFFIXES:
        if suffix == ".json":
            why = ("JSON Lines (one JSON object per line) under that name would be taken for a single JSON "
                   "document: write {} instead")
        elif suffix in _TAB_SEPARATED:
            why = ("its comma-separated text under that name would be read as tab-separated, every row one "
                   "cell: write {} instead")
        else:
            why = ("CSV text under that name would make Excel or WPS warn that the file is not what its name "
                   "says: write {} instead (Excel and WPS open .xlsx)")
        instead = argument(str(output.with_suffix(".jsonl" if suffix == ".json" else ".csv" if suffix in _TAB_SEPARATED
                                                  else ".xlsx")))
        raise OptionError(f"{visible(output.name)!r}: batch cannot write {suffix} files (it writes .csv, .xlsx, "
                          f".jsonl and .parquet), and {why.format('-o ' + instead)}",
                          Location(file=str(output), field="--output"))
    return named or "csv"


_NAMED = {"csv": "a CSV", "jsonl": "a JSON Lines", "xlsx": "an .xlsx", "parquet": "a Parquet"}


#: output names that promise a format batch does not write: refused (.json takes --format jsonl)
UNWRITTEN_SUFFIXES = (".xls", ".xlsm", ".xlsb", ".et", ".ett", ".ods", ".numbers", ".json", ".tsv", ".tab")
_TAB_SEPARATED = (".tsv", ".tab")


def _check_readable(path: Path) -> None:
    """A regular file the run may not open (``chmod 000``) is refused as every profile or table is
    (``x.csv: cannot read: Permission denied``), not with the bare error of whichever reader met it first."""
    from ..errors import InputError, Location

    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return  # a missing file …: its message comes later
    if not regular:
        return  # standard input, a FIFO, a directory: the same
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", Location(file=str(path))) from None


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM, SIGHUP: unwind like Ctrl-C, so that temporary files are removed."""
    raise SystemExit(128 + signum)


def _interrupted(number: int, outputs: dict[str, Path | None], written: bool) -> str:
    """The one line an interrupted run ends with: what stopped it, and what it left (never a half-written file).

    ``written``: the signal came while the finished files were renamed, which holds it until all of them are
    (batch._signals_held): every file is complete. Results streamed to standard output (``-o -``,
    ``--errors -``) are complete then, incomplete otherwise."""
    from ..batch import Place, check_output
    from ..text import visible

    files, streamed = [], []
    for option, path in outputs.items():
        if path is None:
            continue
        try:
            place = check_output(option, path)
        except Exception:  # noqa: BLE001 - only the wording depends on it
            place = Place.FILE
        if place == Place.FILE:
            files.append(f"{option} {visible(str(path))}")
        elif place == Place.STDOUT:
            streamed.append(option)
    why = f"interrupted ({_signal_name(number)})"
    if written:
        what = ", ".join(files + [f"{o} (standard output)" for o in streamed])
        return f"{why} after every file was written: {what} complete; only the counts were not shown"
    said = [f"nothing was written: {', '.join(files)} {'is' if len(files) == 1 else 'are'} as before the run"] \
        if files else []
    if streamed:
        said.append(f"what went to standard output ({', '.join(streamed)}) is incomplete")
    return f"{why}: " + ("; ".join(said) or "nothing was written")


def _signal_name(number: int) -> str:
    """'Ctrl-C' for SIGINT, else the signal's name (SIGTERM, SIGHUP)."""
    if number == signal.SIGINT:
        return "Ctrl-C"
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def batch(
    ctx: typer.Context,
    companies: Annotated[Path, typer.Argument(
        metavar="COMPANIES.csv", show_default=False,
        help="Companies, one per row (CSV, .xlsx or .parquet; the columns are profile fields; - reads standard "
        "input).")],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", show_default=False,
                                         help="Results file (written atomically; - for standard output).")],
    policy: Policies = None,
    year: Annotated[int | None, year_option("every row")] = None,
    layout: Annotated[Layout, choice_option(
        "--layout", allowed=list(Layout),
        help_="wide: a row per company and policy; long: a row per company and clause.")] = Layout.wide,
    errors: Annotated[Path | None, typer.Option(
        metavar="FILE", parser=parse_errors_path,
        help="Write every bad row (row, line, name, field, value, message) to this CSV.")] = None,
    fmt: Annotated[BatchFormat | None, choice_option(
        "--format", "-f", allowed=list(BatchFormat),
        help_="Output file format (default: from the output's suffix, else csv).")] = None,
    bom: Annotated[bool | None, typer.Option(
        "--bom/--no-bom", help="CSV output with a UTF-8 BOM (default: as the input; GBK, UTF-8 with BOM, .xlsx and "
        "Parquet input give a BOM, so that Excel shows Chinese correctly).", show_default=False)] = None,
    excel: Annotated[bool, typer.Option("--excel", help="Same as --bom.")] = False,
    lang: LangOption = None,
    sheet: Annotated[str | None, typer.Option(metavar="NAME",
                                              help="The worksheet of an .xlsx input (default: the first).")] = None,
    encoding: Annotated[str | None, typer.Option(
        metavar="ENCODING", parser=parse_encoding,
        help="Input encoding (default: detected; UTF-8, UTF-8 with BOM or GB18030/GBK).")] = None,
    summary_json: Annotated[Path | None, typer.Option(
        metavar="FILE", parser=parse_summary_path, help="Write the budget view and the counts as JSON to this file.")] = None,
    quiet: Annotated[bool, quiet_option(
        "No progress bar and no budget view; the bad rows, the warning: and note: lines about the input and the "
        "last line of counts still show (on stderr).")] = False,
    ignore_validity: IgnoreValidity = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", metavar="N", parser=parse_jobs,
                                      help="Worker processes (0: up to two when the file is large).")] = 0,
    policies_dir: PoliciesDir = None,
) -> None:
    """Compute every company of a CSV (as `calc` does for one) and show what each clause would cost.

    Bad rows never stop the run: each is reported (row, field, value, message),
    every good row is written, and the exit code is 1 if any row was bad.
    --quiet: no progress bar and no budget table (the counts, bad rows and warnings still go to stderr).
    """
    term = terminal_of(ctx, quiet)
    outputs = {"--output": output, "--errors": errors, "--summary-json": summary_json}
    written = False  # every file is complete: only the counts are left to show

    def run() -> int:
        nonlocal written
        from ..batch import (  # here, not at the top: `calc` does not import the batch machinery
            STOP_SIGNALS,
            BatchOptions,
            is_stdout,
            run_batch,
        )
        from ..render.budget import print_problems, print_report

        catalog = api.load(policies_dir or ())
        _check_readable(companies)
        names = split_names(policy)
        # --policy given but naming nothing (--policy '', --policy ,) is a usage error, not "every policy"
        ids = tuple(p.id for p in api.resolve_policies(names, catalog)) if policy else ()
        options = BatchOptions(policy_ids=ids, year=year, ignore_validity=ignore_validity,
                               layout=layout.value, fmt=_format_for(output, fmt), excel=excel, encoding=encoding,
                               jobs=jobs, bom=bom, sheet=sheet, lang=lang or term.lang, reuse_memory=True)
        # SIGTERM, SIGHUP unwind like Ctrl-C; one the run was started with ignored (`nohup`) stays ignored
        previous = {sig: signal.signal(sig, _terminate) for sig in STOP_SIGNALS[1:]
                    if signal.getsignal(sig) != signal.SIG_IGN}
        try:
            # the results on the terminal itself (-o -): a progress bar would sit on their first line
            on_screen = is_stdout(output) and term.out.is_terminal
            with term.progress(enabled=not on_screen) as update:
                report = run_batch(companies, output, catalog, options, errors_path=errors,
                                   summary_path=summary_json, progress=update)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        written = True
        print_problems(report, term.err)
        if term.quiet:
            print_report(report, term.err, budget=False)
        else:  # with -o - the results own standard output
            print_report(report, term.err if report.to_stdout else term.out)
        return 1 if report.bad_rows else 0

    def interruptible() -> int:
        """run(), with Ctrl-C (or SIGTERM, SIGHUP) at any moment of it one line that says what was left."""
        try:
            return run()
        except (KeyboardInterrupt, SystemExit) as stop:
            code = 130 if isinstance(stop, KeyboardInterrupt) else stop.code
            if isinstance(code, int) and code >= 128:  # interrupted: say so, rather than end without a word
                with contextlib.suppress(OSError, ValueError):  # SIGHUP: the terminal may be gone
                    term.error(_interrupted(code - 128, outputs, written or getattr(stop, "written", False)))
                raise typer.Exit(code) from None
            raise

    code = guarded(interruptible, term)
    if code:
        raise typer.Exit(code)
