"""The budget view of ``incentives batch`` (Rich), and its progress bar.

What every clause would cost if every company in the file claimed, how much
each kind of cap saved (raw − final), and how many companies hit the
company cap.  The figures come from ``batch.BatchReport``; this module only
lays them out.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .. import explain
from ..batch import WARNING_KINDS, BatchReport, PolicyBudget
from ..csvio import SkipReason
from ..money import format_fen_grouped
from ..policy import Policy
from ..text import quoted, visible
from .terminal import default_console, print_message
from .terminal import progress as _terminal_progress
from .wrap import Prose


def _money(fen: int) -> str:
    return format_fen_grouped(fen)


#: the columns of the budget view; the first (the clause) is repeated in every part
HEADERS = ("clause", "basis", "companies", "outlay (final)", "raw (before caps)", "saved: clause caps",
           "saved: 就高不就低", "saved: company cap")
#: the same with --lang zh (the words of the .xlsx budget sheet's Chinese headings); clause ids stay
HEADERS_ZH = ("条款", "性质", "企业数", "金额（封顶后）", "封顶前金额", "节省：条款封顶", "节省：就高不就低",
              "节省：企业上限")
#: the total rows' labels and the companies cell, per language
_WORDS = {
    "en": {**explain.TOTAL_LABELS["en"], "total": "total", "listed": "{:,} listed", "capped": " ({:,} capped)",
           "outlay": "exact outlay"},
    "zh": {**explain.TOTAL_LABELS["zh"], "total": "合计", "listed": "列入 {:,}", "capped": "（封顶 {:,}）",
           "outlay": "确定金额"},
}


def headers(lang: str = "en") -> tuple[str, ...]:
    return HEADERS_ZH if lang == "zh" else HEADERS
RIGHT = {2, 3, 4, 5, 6, 7}


def budget_rows(b: PolicyBudget, lang: str = "en") -> tuple[list[list[str]], list[list[str]]]:
    """(a row per clause, the total rows) as cells, every figure in full."""
    words = _WORDS.get(lang, _WORDS["en"])
    rows = []
    for c in b.clauses.values():
        if c.basis == "discretionary":
            who = words["listed"].format(c.statuses[5])
        else:
            who = f"{c.granted:,}" + (words["capped"].format(c.statuses[1]) if c.statuses[1] else "")
        if c.basis == "discretionary":  # no amount in the text: no figure, as calc shows "—" (SPEC §3)
            amount = raw = "—"
        else:  # an up-to clause's outlay is a sum of ceilings: never shown as certain (SPEC §3)
            amount, raw = (explain.total_figure(x, c.basis == "up_to" and x > 0, lang) for x in (c.amount, c.raw))
            if c.is_range:  # SPEC 9.2: cut by company caps that counted up-to ceilings: a lower bound, and its top
                amount = explain.outlay_range(c.amount, c.amount_max, lang)
        rows.append([c.id, explain.basis_label(c.basis, lang), who, amount, raw,
                     _money(c.saved_item_cap + c.saved_clause_cap), _money(c.saved_group), _money(c.saved_company_cap)])
    exact = [[words["exact"], "", "", _money(b.total_exact), "", "", "", ""]]
    if b.exact_is_range:  # SPEC 9.2: some company's exact outlay depends on its up-to awards
        exact = [[words["at_least"], "", "", _money(b.total_exact), "", "", "", ""],
                 [words["at_most"], "", "", _money(b.exact_max), "", "", "", ""]]
    totals = [
        *exact,
        [words["up_to"], "", "", _money(b.total_up_to), "", "", "", ""],  # (its label says "up to")
        # the total counts the up-to ceilings: it is an "up to" figure too (SPEC §3), and so is the raw total
        [words["total"], "", f"{b.with_amount:,}", explain.total_figure(b.total, b.total_up_to > 0, lang),
         explain.total_figure(b.raw, any(c.basis == "up_to" and c.raw for c in b.clauses.values()), lang),
         _money(sum(c.saved_item_cap + c.saved_clause_cap for c in b.clauses.values())),
         _money(sum(c.saved_group for c in b.clauses.values())),
         _money(sum(c.saved_company_cap for c in b.clauses.values()))],
    ]
    return rows, totals


def column_groups(widths: list[int], available: int, gap: int = 2) -> list[list[int]]:
    """Split columns 1… into groups that fit beside column 0 in ``available`` cells (never dropping one).

    >>> column_groups([10, 5, 5, 5], 40)
    [[1, 2, 3]]
    >>> column_groups([10, 12, 12, 12], 40)
    [[1, 2], [3]]
    """
    groups: list[list[int]] = []
    used = widths[0]
    for k in range(1, len(widths)):
        need = gap + widths[k]
        if groups and used + need <= available:
            groups[-1].append(k)
            used += need
        else:
            groups.append([k])
            used = widths[0] + need
    return groups


def policy_tables(b: PolicyBudget, width: int, lang: str = "en") -> list[Table]:
    """One policy's budget: a row per clause, then the totals; split into parts that fit ``width``."""
    rows, totals = budget_rows(b, lang)
    heads = headers(lang)
    widths = _widths(rows + totals, heads)
    tables = []
    for group in column_groups(widths, width - 2):
        t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True, header_style="bold")
        for k in [0, *group]:
            t.add_column(heads[k], justify="right" if k in RIGHT else "left", no_wrap=True, min_width=widths[k],
                         max_width=widths[k] if k not in RIGHT else None)
        for r in rows:
            t.add_row(*(r[k] for k in [0, *group]))
        t.add_section()
        for r in totals:
            t.add_row(*(r[k] for k in [0, *group]))
        tables.append(t)
    return tables


def fits_as_table(b: PolicyBudget, width: int, gap: int = 2, lang: str = "en") -> bool:
    """Whether every column fits beside the clause column in ``width`` cells (else :func:`policy_blocks`)."""
    rows, totals = budget_rows(b, lang)
    widths = _widths(rows + totals, headers(lang))
    return widths[0] + gap + max(widths[1:]) <= width - 2


def _widths(every: list[list[str]], heads: tuple[str, ...] = HEADERS) -> list[int]:
    """Each column's width in the table: its longest cell, its heading's first word, up to 18 of the heading."""
    widths = [max([cell_len(h) for h in heads[k].split(" ", 1)[:1]]
                  + [cell_len(line) for r in every for line in r[k].split("\n")])
              for k in range(len(heads))]
    return [max(w, min(cell_len(heads[k]), 18)) for k, w in enumerate(widths)]


def policy_blocks(b: PolicyBudget, lang: str = "en") -> list[Text]:
    """One policy's budget for a terminal too narrow for even two columns: a block per clause, a line per figure.

    Each figure is one word on its line ("outlay (final): 14,655,037,500,000.00"), so wrapping moves it whole.
    """
    rows, totals = budget_rows(b, lang)
    heads = headers(lang)
    lines: list[Text] = []
    for r in [*rows, None, *totals]:
        if r is None:
            lines.append(Prose(""))
            continue
        head = Prose(r[0], style="bold")
        if r[1]:
            head.append(f" ({r[1]})")
        lines.append(head)
        for k in range(2, len(heads)):
            if r[k]:
                lines.append(Prose(f"  {heads[k]}: {' '.join(r[k].split(chr(10)))}"))
    return lines


def policy_title(b: PolicyBudget, lang: str = "en") -> str:
    if lang == "zh":  # (the xlsx budget sheet's words: 合计（5家企业，5家有金额；企业上限适用于1家）)
        return (f"{b.policy}：计算 {b.companies:,} 家企业，{b.with_amount:,} 家有金额，"
                f"{b.company_cap_hits:,} 家按企业年度上限核减")
    return (f"{b.policy}: {b.companies:,} compan{'y' if b.companies == 1 else 'ies'} evaluated, "
            f"{b.with_amount:,} with an amount, "
            f"{b.company_cap_hits:,} cut by the company cap")


#: the summary's words for the kinds of row warning (batch.WARNING_KINDS) and for why --jobs was not used
_WARNING_WORDS = {"plausibility": "plausibility", "unknown_tag": "unknown industry tag", "no_name": "no name",
                  "short_row": "short row", "hidden_row": "hidden row",
                  "unterminated_last_line": "no line break after the last row: cut off?"}
_ONE_PROCESS = {"xlsx_output": "a workbook is written", "parquet_input": "Parquet input is read",
                "xlsx_input": "a workbook is read"}


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


#: the summary line's words, per output language (--lang): each takes the count ``n``, the English ones their
#: plural through ``_plural``
_SUMMARY_WORDS = {
    "en": {"bad": "{n:,} bad", "see": " (see {file})", "blank": "{n:,} blank {rows} skipped",
           "totals": "{n:,} totals {rows} skipped", "headers": "{n:,} repeated {headers} skipped",
           "warned": "{n:,} {rows} with a warning{kinds}{where}", "kinds": " ({kinds})",
           "no_file": " (pass --errors FILE to see them)", "duplicates": "{n:,} repeating an earlier row's company",
           "also": "; {parts}", "sep": ", ", "kind_sep": ", ", "encoding": " ({encoding})",
           "discarded": "{file}, a link to {null}: not kept", "see_discarded": " (not kept: {file} is a link to {null})",
           "line": "{rows_read} read ({encoding}): {good:,} evaluated, {bad}{also}; {written} written to {output}"
                   "{out_encoding}"},
    "zh": {"bad": "{n:,} 行有问题", "see": "（见 {file}）", "blank": "跳过 {n:,} 个空行", "totals": "跳过 {n:,} 个合计行",
           "headers": "跳过 {n:,} 个重复的表头", "warned": "{n:,} 行有提示{kinds}{where}", "kinds": "（{kinds}）",
           "no_file": "（加 --errors FILE 查看）", "duplicates": "{n:,} 行与前面的企业重复", "also": "；{parts}",
           "sep": "，", "kind_sep": "、", "encoding": "（{encoding}）", "discarded": "{file}（指向 {null} 的链接，未保存）",
           "see_discarded": "（未保存：{file} 指向 {null}）",
           "line": "读取 {rows_read}（{encoding}）：计算 {good:,} 行，{bad}{also}；{written}已写入 {output}{out_encoding}"},
}
_WARNING_WORDS_ZH = {"plausibility": "数值可疑", "unknown_tag": "未知行业标签", "no_name": "无企业名称",
                     "short_row": "行缺单元格", "hidden_row": "隐藏行", "unterminated_last_line": "最后一行无换行符：文件可能不完整"}


def summary_line(r: BatchReport) -> str:
    """The counts, in one line (under --lang zh in Chinese, the same counts in the same order)."""
    zh = r.lang == "zh"
    w = _SUMMARY_WORDS["zh" if zh else "en"]
    errors = visible(str(r.errors_file)) if r.errors_file else ""
    see = w["see_discarded" if "--errors" in r.discarded else "see"]
    bad = w["bad"].format(n=r.bad_rows) + (see.format(file=errors, null=os.devnull) if errors and r.bad_rows else "")
    parts = []
    totals = r.skipped_rows - r.header_rows
    for key, n in (("blank", r.blank_rows), ("totals", totals), ("headers", r.header_rows)):
        if n:
            parts.append(w[key].format(n=n, rows=_plural(n, "row", "rows"), headers=_plural(n, "header", "headers")))
    if r.warned_rows:
        where = see.format(file=errors, null=os.devnull) if errors else w["no_file"]
        names = _WARNING_WORDS_ZH if zh else _WARNING_WORDS
        kinds = w["kind_sep"].join(names[k] for k in WARNING_KINDS if k in r.warning_kinds)
        parts.append(w["warned"].format(n=r.warned_rows, rows=_plural(r.warned_rows, "row", "rows"), where=where,
                                        kinds=w["kinds"].format(kinds=kinds) if kinds else ""))
    if r.duplicate_rows:
        parts.append(w["duplicates"].format(n=r.duplicate_rows))
    rows_read = f"{r.rows:,} 行" if zh else f"{r.rows:,} {_plural(r.rows, 'row', 'rows')}"
    written = (f"{r.output_rows:,} 行结果" if zh else
               f"{r.output_rows:,} result {_plural(r.output_rows, 'row', 'rows')}")
    return w["line"].format(rows_read=rows_read, encoding=r.encoding, good=r.good_rows, bad=bad,
                            also=w["also"].format(parts=w["sep"].join(parts)) if parts else "", written=written,
                            output=w["discarded"].format(file=visible(str(r.output)), null=os.devnull)
                            if "--output" in r.discarded else visible(str(r.output)),
                            out_encoding=w["encoding"].format(encoding=r.output_encoding) if r.fmt == "csv" else "")


def replaced_lines(policies: Sequence[Policy]) -> list[str]:
    """A line for each policy whose table replaced a bundled one (--policies-dir)."""
    return [f"policy {p.id}: from {visible(p.path)}, replacing the bundled table "
            f"{visible(Path(p.replaces_bundled).name)}" for p in policies if p.replaces_bundled]


def print_report(r: BatchReport, console: Console | None = None, *, budget: bool = True) -> None:
    """The budget view per policy, then the counts."""
    console = console or default_console()
    if budget:
        for b in r.budgets.values():
            if b.companies:
                console.print(Prose(policy_title(b, r.lang), style="bold"))
                if b.not_in_force:
                    console.print(Prose(explain.not_in_force(
                        b.not_in_force, b.not_in_force_years, b.valid_until, b.successor, r.lang,
                        b.not_in_force_amount if r.hypothetical else None, b.not_in_force_ceiling), style="yellow"))
                for line in explain.budget_notices(b, r.warnings_column, r.lang):
                    console.print(Prose(line, style="yellow"))
                if b.exact_is_range:
                    label = _WORDS.get(r.lang, _WORDS["en"])["outlay"]
                    console.print(Prose(f"{label}: {explain.exact_total_range(b.total_exact, b.exact_max, r.lang)}"))
                if fits_as_table(b, console.width, lang=r.lang):
                    for part in policy_tables(b, console.width, r.lang):
                        console.print(part)
                        console.print()
                else:  # not even the clause and one figure side by side: a line per figure
                    for block_line in policy_blocks(b, r.lang):
                        console.print(block_line)
                    console.print()
        if r.hypothetical:
            console.print("[yellow]--ignore-validity: figures for years outside a policy's validity are "
                          "HYPOTHETICAL[/yellow]")
    for line in replaced_lines(r.replacing):
        console.print(Prose(f"warning: {line}", style="yellow"))
    if r.encoding_doubt:
        console.print(Prose(f"warning: the file was read as {r.encoding}, but its non-ASCII text does not read as "
                           f"Chinese (e.g. {quoted(visible(r.encoding_doubt))}): if names look garbled, it was saved "
                           f"in another code page; pass --encoding, e.g. --encoding cp1252 (Western European "
                           f"Windows); amounts in plain digits read the same either way", style="yellow"))
    if r.ignored_columns:
        console.print(Prose(explain.ignored_columns(r.ignored_columns, r.lang)))
    if r.unnamed_columns:
        console.print(Prose(explain.unnamed_columns(r.unnamed_columns, r.lang), style="yellow"))
    if r.hidden_columns:
        console.print(Prose(explain.hidden_columns(r.hidden_columns, r.lang), style="yellow"))
    if r.other_sheets:
        console.print(Prose(explain.other_sheets(r.encoding, r.other_sheets)))
    for line in explain.duplicate_lines(r, lang=r.lang):
        console.print(Prose(line, style="yellow"))
    for k in r.skipped:
        console.print(Prose(explain.skipped_row(k.line, k.name, k.reason == SkipReason.HEADER, r.lang)))
    if r.one_process:
        console.print(Prose(f"note: --jobs not used: {_ONE_PROCESS[r.one_process]} in one process (several "
                            f"processes work on CSV input to CSV, JSONL or Parquet output)"))
    if r.skipped_rows > len(r.skipped):
        more = r.skipped_rows - len(r.skipped)
        console.print(Prose(explain.more_skipped(more, r.lang)))
    console.print(Prose(summary_line(r)))


def print_problems(r: BatchReport, console: Console) -> None:
    """The first bad rows on stderr (all of them are in --errors FILE)."""
    if not r.bad_rows:
        return
    source = visible(r.input) + " "
    for p in r.problems:
        who = f"row {p.row}" + (f", {visible(p.name)}" if p.name else "")
        where = source + (f"line {p.line} ({who})" if p.line else who)
        if p.field:
            heading = r.headings.get(p.field)
            where += f", field {quoted(visible(p.field))}" + (f" (column {quoted(visible(heading))})" if heading else "")
        value = f" (value {quoted(visible(p.value))})" if p.value else ""
        print_message(console, f"bad row: {where}{value}: {visible(p.message)}")
    if r.bad_rows > len({p.row for p in r.problems}) and not r.errors_file:
        print_message(console, f"… {r.bad_rows:,} bad rows in all: pass --errors FILE to get every one")


# the progress bar moved to render.terminal (Terminal.progress); re-exported for existing callers
progress = _terminal_progress
