"""The Rich table of ``calc``: what a person reads in a terminal.

The content (which clauses are rows, footnotes, totals) comes from
``render.markdown.report_of``, so the table and the Markdown report always
agree; this module only lays it out. Colour follows Rich's rules (``NO_COLOR``
turns it off; nothing is forced), and when the output is not a terminal the
width is fixed at ``WIDTH`` columns so piped or captured output is the same on
every machine.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..engine import PolicyResult
from ..profile import Profile
from .markdown import STATUS_TEXT, Report, report_of

#: width when stdout is not a terminal (pipes, files, tests)
WIDTH = 140

STATUS_STYLE = {
    "granted": "green",
    "capped": "yellow",
    "excluded": "magenta",
    "not_eligible": "dim",
    "missing_input": "red",
    "discretionary": "cyan",
    "expired": "red",
}


def make_console() -> Console:
    """A console for stdout: the terminal's own width, or ``WIDTH`` when not a terminal."""
    console = Console(highlight=False, emoji=False)
    if not console.is_terminal:
        console = Console(highlight=False, emoji=False, width=WIDTH)
    return console


def _figure(text: str) -> Text:
    """A money cell: "up to" on its own line above the figure, so a number is never split."""
    return Text(text.replace("up to ", "up to\n"), justify="right")


def _table(rep: Report) -> Table:
    id_width = max(len(r.clause.id) for r in rep.rows)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
                  header_style="bold")
    table.add_column("Clause", min_width=id_width, max_width=id_width, overflow="fold")
    table.add_column("Sect.", no_wrap=True, min_width=6)
    table.add_column("Status", no_wrap=True, min_width=13)
    table.add_column("Calculation", min_width=16, overflow="fold")
    table.add_column("Raw", justify="right", no_wrap=True)
    table.add_column("Cap / notes", min_width=22, overflow="fold")
    table.add_column("Amount", justify="right", no_wrap=True)
    table.add_column("Basis", no_wrap=True, min_width=13)
    for r in rep.rows:
        clause = Text(r.clause.id, style="bold")
        clause.append("\n" + r.clause.title_zh, style="")
        status = Text(STATUS_TEXT.get(r.status, r.status), style=STATUS_STYLE.get(r.status, ""))
        amount = _figure(r.amount)
        if r.status in ("granted", "capped"):
            amount.stylize("bold")
        table.add_row(clause, Text(r.section), status, Text(r.calculation), _figure(r.raw),
                      Text("\n".join(r.notes)), amount, Text(r.basis.replace("_", " ")))
    return table


def print_report(rep: Report, console: Console) -> None:
    """One policy result: header, clause table, footnotes, not-evaluated list, totals, warnings."""
    pol = rep.result.policy
    console.print(Text(rep.title, style="bold"))
    console.print(Text("  ".join(x for x in (pol.title_zh, pol.document_number) if x)))
    console.print(Text(pol.issuer))
    console.print(Text(rep.validity_line))
    for ref in rep.references:
        console.print(Text(f"reference: {ref}"))
    if rep.hypothetical:
        console.print(Text(f"*** {rep.hypothetical} ***", style="bold reverse red"))
    console.print()
    if rep.rows:
        console.print(_table(rep))
        console.print()
    for line in (rep.expired, rep.empty):
        if line:
            console.print(Text(line, style="italic"))
            console.print()
    for i, text in enumerate(rep.footnotes, 1):
        console.print(Text(f"[{i}] {text}"))
    if rep.footnotes:
        console.print()
    for line in rep.not_evaluated:
        console.print(Text(line, style="red"))
    if rep.not_evaluated:
        console.print()
    width = max(len(label) for label, _ in rep.totals)
    for label, figure in rep.totals:
        console.print(Text(f"{label.ljust(width)}  {figure}", style="bold" if label == "total" else ""))
    if rep.warnings:
        console.print()
        for w in rep.warnings:
            console.print(Text(f"warning: {w}", style="yellow"))


def print_results(profile: Profile, results: Sequence[PolicyResult], show_all: bool = False,
                  console: Console | None = None) -> None:
    """Print every policy result of one company as Rich tables (``calc --format table``)."""
    console = console or make_console()
    for k, result in enumerate(results):
        if k:
            console.rule()
        print_report(report_of(result, show_all, profile.name), console)
