"""The budget view of ``incentives batch`` (Rich), and its progress bar.

What every clause would cost if every company in the file claimed, how much
each kind of cap saved (raw − final), and how many companies hit the
company cap.  The figures come from ``batch.BatchReport``; this module only
lays them out.
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from ..batch import BatchReport, PolicyBudget
from ..money import format_fen_grouped
from .terminal import progress as _terminal_progress


def _money(fen: int) -> str:
    return format_fen_grouped(fen)


def policy_table(b: PolicyBudget) -> Table:
    """One policy: a row per clause, then the totals."""
    title = (f"{b.policy}: {b.companies:,} companies evaluated, {b.with_amount:,} with an amount, "
             f"{b.company_cap_hits:,} cut by the company cap")
    t = Table(title=title, title_justify="left")
    t.add_column("clause")
    t.add_column("basis")
    t.add_column("companies", justify="right")
    t.add_column("outlay (final)", justify="right")
    t.add_column("raw (before caps)", justify="right")
    t.add_column("saved: clause caps", justify="right")
    t.add_column("saved: 就高不就低", justify="right")
    t.add_column("saved: company cap", justify="right")
    for c in b.clauses.values():
        if c.basis == "discretionary":
            who = f"{c.statuses[5]:,} listed"
        else:
            who = f"{c.granted:,}" + (f" ({c.statuses[1]:,} capped)" if c.statuses[1] else "")
        t.add_row(c.id, c.basis, who, _money(c.amount), _money(c.raw), _money(c.saved_item_cap + c.saved_clause_cap),
                  _money(c.saved_group), _money(c.saved_company_cap))
    t.add_section()
    t.add_row("total, exact", "", "", _money(b.total_exact), "", "", "", "")
    t.add_row("total, up to", "", "", _money(b.total_up_to), "", "", "", "")
    t.add_row("total", "", f"{b.with_amount:,}", _money(b.total), _money(b.raw),
              _money(sum(c.saved_item_cap + c.saved_clause_cap for c in b.clauses.values())),
              _money(sum(c.saved_group for c in b.clauses.values())),
              _money(sum(c.saved_company_cap for c in b.clauses.values())))
    return t


def summary_line(r: BatchReport) -> str:
    """The counts, in one line."""
    bad = f"{r.bad_rows:,} bad" + (f" (see {r.errors_file})" if r.errors_file and r.bad_rows else "")
    return (f"{r.rows:,} rows read ({r.encoding}): {r.good_rows:,} evaluated, {bad}; "
            f"{r.output_rows:,} result rows written to {r.output}")


def print_report(r: BatchReport, console: Console | None = None, *, budget: bool = True) -> None:
    """The budget view per policy, then the counts."""
    console = console or Console(width=None if sys.stdout.isatty() else 200)
    if budget:
        for b in r.budgets.values():
            if b.companies:
                console.print(policy_table(b))
        if r.hypothetical:
            console.print("[yellow]--ignore-validity: figures for years outside a policy's validity are "
                          "HYPOTHETICAL[/yellow]")
    console.print(summary_line(r), highlight=False, markup=False, soft_wrap=True)


def print_problems(r: BatchReport, console: Console) -> None:
    """The first bad rows on stderr (all of them are in --errors FILE)."""
    if not r.bad_rows:
        return
    for p in r.problems:
        where = f"row {p.row}" + (f", field {p.field!r}" if p.field else "")
        value = f" (value {p.value!r})" if p.value else ""
        console.print(f"bad row: {where}{value}: {p.message}", highlight=False, markup=False, soft_wrap=True)
    if r.bad_rows > len({p.row for p in r.problems}) and not r.errors_file:
        console.print(f"… {r.bad_rows:,} bad rows in all: pass --errors FILE to get every one", highlight=False,
                      soft_wrap=True)


# the progress bar moved to render.terminal (Terminal.progress); re-exported for existing callers
progress = _terminal_progress
