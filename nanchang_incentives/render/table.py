"""The Rich view of ``calc``: what a person reads in a terminal.

The content (which clauses are rows, footnotes, totals) comes from
``render.markdown.report_of``, so the table and the Markdown report always
agree; this module only lays it out, for the width of the console it is given.

A figure or a clause id is never cropped: every column that holds one is as
wide as its longest figure or id, and text (titles, calculations, notes)
wraps. When the console is too narrow for the table with those columns in
full, each clause becomes a block of lines instead ("stacked"), the id,
status and amount on the first line and the rest wrapped below.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..explain import joined_lines, status_label
from ..profile import Profile
from ..trace import PolicyResult, Status
from .markdown import DASH, TOTAL_WORDS, Report, Row, report_of, table_words
from .wrap import Prose, table_fits, widest_piece

STATUS_STYLE = {
    Status.GRANTED: "green",
    Status.CAPPED: "yellow",
    Status.EXCLUDED: "magenta",
    Status.NOT_ELIGIBLE: "dim",
    Status.MISSING_INPUT: "red",
    Status.DISCRETIONARY: "cyan",
    Status.EXPIRED: "red",
}
#: the table's headings, per output language (--lang)
HEADINGS = {"en": ("Clause", "Status", "Calculation", "Cap / notes", "Amount"),
            "zh": ("条款", "状态", "计算", "封顶与说明", "金额")}
#: the grand total's label in each language (printed bold)
GRAND_TOTAL = frozenset(w["total"] for w in TOTAL_WORDS.values())
#: the narrowest a wrapping text column of the table may get before the view stacks instead
TEXT_MIN = 18


#: how much wider than its least a text column must be for the amount column to take "up to 4,000,000.00"
#: on one line instead of two
JOINED_SLACK = 4


def _amount_lines(r: Row, joined: bool = False) -> list[str]:
    """The amount cell: "up to" / "at least" on their own line above the figure, so a number is never split;
    ``joined``: each on the figure's line ("up to 4,000,000.00", "(at least 2,000,000.00)"), where there is room."""
    lines = list(r.amount_lines) if r.amount_lines else r.amount.replace("up to ", "up to\n").split("\n")
    return joined_lines(lines) if joined else lines


def _widths(rep: Report, lang: str = "en", joined: bool = False) -> tuple[int, int, int]:
    ids = max(cell_len(r.clause.id) for r in rep.rows)
    status = max(cell_len(status_label(r.status, lang)) for r in rep.rows)
    amount = max(max(cell_len(x) for x in _amount_lines(r, joined)) for r in rep.rows)
    return ids, status, amount


def table_width_needed(rep: Report, lang: str = "en", joined: bool = False) -> int:
    """The narrowest console on which the table shows every id and figure in full."""
    ids, status, amount = _widths(rep, lang, joined)
    return ids + status + amount + 2 * TEXT_MIN + 4 * 3


def _title_cell(r: Row) -> Text:
    t = Prose(r.clause.id, style="bold")
    t.append(f"\n{r.clause.title_zh}")
    t.append(f"\n{r.section}", style="dim")
    return t


def _table(rep: Report, lang: str = "en", joined: bool = False) -> Table:
    ids, status, amount = _widths(rep, lang, joined)
    h = HEADINGS.get(lang, HEADINGS["en"])
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
                  header_style="bold")
    table.add_column(h[0], min_width=ids, overflow="fold")
    table.add_column(h[1], no_wrap=True, min_width=status)
    table.add_column(h[2], min_width=TEXT_MIN, ratio=1, overflow="fold")
    table.add_column(h[3], min_width=TEXT_MIN, ratio=1, overflow="fold")
    table.add_column(h[4], justify="right", no_wrap=True, min_width=amount)
    for r in rep.rows:
        status_text = Prose(status_label(r.status, lang), style=STATUS_STYLE[r.status])
        figure = Prose("\n".join(_amount_lines(r, joined)), justify="right",
                      style="bold" if r.status.counted else "")
        table.add_row(_title_cell(r), status_text, Prose(r.calculation), Prose("\n".join(r.notes)), figure)
    return table


def _stacked(rep: Report, width: int, lang: str = "en") -> list[RenderableType]:
    """One block per clause: "id  status  amount", then the title, calculation and notes wrapped."""
    status = _widths(rep, lang)[1]
    out: list[RenderableType] = []
    for r in rep.rows:
        figure = " ".join(_amount_lines(r)) if r.amount != DASH else ""
        head = Prose(r.clause.id, style="bold")
        gap = width - cell_len(r.clause.id) - status - 2 - cell_len(figure)
        label = status_label(r.status, lang)
        tail = Prose(label + " " * (status - cell_len(label)), style=STATUS_STYLE[r.status])
        tail.append(("  " + figure) if figure else "", style="bold" if r.status.counted else "")
        if gap >= 2:
            head.append(" " * gap)
            head.append_text(tail)
            out.append(head)
        else:  # too narrow even for one line: the status and amount go on their own line
            out.append(head)
            out.append(Padding(tail, (0, 0, 0, 2), expand=False))
        body = [Prose(f"{r.clause.title_zh} · {r.section}")]
        if r.calculation:
            body.append(Prose(r.calculation))
        body += [Prose(n) for n in r.notes]
        out.append(Padding(Group(*body), (0, 0, 0, 2), expand=False))
    return out


def clause_view(rep: Report, width: int, lang: str = "en") -> list[RenderableType]:
    """The clause rows, as a table when it fits in ``width`` columns, else stacked."""
    if not rep.rows:
        return []
    # a wide console: "up to 4,000,000.00" on one line, where the text columns keep room to spare
    for joined in (True, False):
        if width < table_width_needed(rep, lang, joined) + (2 * JOINED_SLACK if joined else 0):
            continue
        # the estimate can be a few cells short of what Rich lays out (at 93-98 columns it cropped the Amount
        # column: "1,339,200.0"): the table only when Rich's own layout gives each column its width
        table = _table(rep, lang, joined)
        measure = Console(width=width, file=io.StringIO(), color_system=None, highlight=False)
        # each text column at least as wide as its widest id or figure, so that none is folded
        # ("major_project_investme" / "nt = 0.00" at 93-106 columns)
        calc = max((widest_piece(r.calculation) for r in rep.rows), default=0)
        notes = max((widest_piece(n) for r in rep.rows for n in r.notes), default=0)
        need = [c.min_width or 1 for c in table.columns]
        need[2], need[3] = max(need[2], calc), max(need[3], notes)
        if table_fits(table, measure, measure.options, need):
            return [table]
    return _stacked(rep, width, lang)


def print_report(rep: Report, console: Console, lang: str = "en") -> None:
    """One policy result: header, clause table, footnotes, not-evaluated list, totals, warnings."""
    pol = rep.result.policy
    tw = table_words(lang)
    if rep.banner:
        console.print(Prose(rep.banner, style="bold red"))
    for w in rep.first_warnings:
        console.print(Prose(tw["warning"].format(text=w), style="bold yellow"))
    console.print(Prose(rep.title, style="bold"))
    console.print(Prose("  ".join(x for x in (pol.title_zh, pol.document_number) if x)))
    console.print(Prose(pol.issuer))
    console.print(Prose(rep.validity_line))
    for ref in rep.references:
        console.print(Prose(tw["reference"].format(text=ref)))
    if rep.hypothetical:
        console.print(Prose(f"*** {rep.hypothetical} ***", style="bold reverse red"))
    console.print()
    for part in clause_view(rep, console.width, lang):
        console.print(part)
    if rep.rows:
        console.print()
    for line in (rep.expired, rep.empty):
        if line:
            console.print(Prose(line, style="italic"))
            console.print()
    for i, text in enumerate(rep.footnotes, 1):
        console.print(Prose(f"[{i}] {text}"))
    if rep.footnotes:
        console.print()
    for line in rep.not_evaluated:
        console.print(Prose(line, style="red"))
    if rep.not_evaluated:
        console.print()
    width = max(cell_len(label) for label, _ in rep.totals)
    for label, figure in rep.totals:
        console.print(Prose(f"{label}{' ' * (width - cell_len(label))}  {figure}", hang=width + 2,
                            style="bold" if label in GRAND_TOTAL else ""))
    if rep.warnings:
        console.print()
        for w in rep.warnings:
            console.print(Prose(tw["warning"].format(text=w), style="yellow"))


def print_results(profile: Profile, results: Sequence[PolicyResult], show_all: bool = False,
                  console: Console | None = None, lang: str = "en") -> None:
    """Print every policy result of one company (``calc --format table``)."""
    from .terminal import default_console

    console = console or default_console()
    for k, result in enumerate(results):
        if k:
            console.rule()
        print_report(report_of(result, show_all, profile.name, lang), console, lang)
