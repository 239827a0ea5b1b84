"""`incentives compare`: one company in several cities, side by side (Rich and Markdown).

``city_views`` turns an ``api.Comparison`` into plain records (no Rich): the
summary row of each city's policy, its top clauses, the caps that bit, and
"what would unlock more" (clauses not evaluated for missing input with the
fields to add; clauses failed on a threshold with how far off the profile is).
``renderables`` / ``print_comparison`` and ``markdown`` lay those records out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from .. import explain
from ..api import Comparison
from ..money import format_fen_grouped, format_units, round_half_up_div
from ..planning import Headroom
from ..policy import Clause
from ..text import markdown_text, visible
from ..trace import CapKind, ClauseResult, PolicyResult, Status
from .markdown import DASH, TOTAL_WORDS
from .wrap import Prose, table_fits, widest_piece

TOP_N = 5
BAR_WIDTH = 40
EXACT_BAR = "█"
UP_TO_BAR = "░"
COUNTED = (Status.GRANTED, Status.CAPPED)


@dataclass(frozen=True)
class Unlock:
    """One thing the company could do (or report) to get more under a clause."""

    clause: str
    title: str
    source: str
    text: str


@dataclass(frozen=True)
class CityView:
    """Everything the comparison shows about one city's policy."""

    city: str
    result: PolicyResult
    granted: int  # clauses granted (or granted but capped)
    discretionary: tuple[str, ...]  # clause ids listed without an amount
    biggest: ClauseResult | None
    caps_bit: tuple[str, ...]
    top: tuple[ClauseResult, ...]
    missing: tuple[Unlock, ...]  # not evaluated: fields to add
    shortfalls: tuple[Unlock, ...]  # failed on a threshold: how far off
    statement: str  # not targeted / industries unknown / expired / hypothetical; "" when none
    expired: bool

    @property
    def policy_id(self) -> str:
        return self.result.policy.id


def _industries(comparison: Comparison) -> tuple[str, ...]:
    tags = comparison.profile.get("industries")
    return tuple(visible(t) for t in tags) if isinstance(tags, (tuple, list)) else ()


def statement(city: str, r: PolicyResult, company: str, industries: Sequence[str], lang: str = "en") -> str:
    """The plain-language status of a city's policy for this company ("" when it simply applies):
    ``explain.city_statement``."""
    return explain.city_statement(city, r, company, industries, lang)


def ceiling(clause: Clause) -> str:
    """What the text allows at most under a clause, in words ("" when it gives no single figure)."""
    if clause.basis == "discretionary":
        return "no amount in the text"
    if clause.cap:
        return f"at most {format_units(clause.cap)} {explain.scope_words(clause.cap_period)}"
    if clause.item_cap:
        return f"at most {format_units(clause.item_cap)} per {clause.item_label}"
    if clause.fixed is not None and clause.base is None:
        return f"{'up to ' if clause.basis == 'up_to' else ''}{format_units(clause.fixed)}"
    if clause.fixed is not None:
        return f"{'up to ' if clause.basis == 'up_to' else ''}{format_units(clause.fixed)} each"
    return ""


def cap_labels(r: PolicyResult, lang: str = "en") -> tuple[str, ...]:
    """The caps that actually cut an amount (item, clause, company) and the exclusive groups that bit."""
    out: list[str] = []
    zh = lang == "zh"
    for cap in r.caps:
        if not cap.applied:
            continue
        limit = format_fen_grouped(cap.limit) if cap.limit is not None else "?"
        if cap.kind == CapKind.ITEM and cap.clause:
            out.append(f"{cap.clause}：{explain.scope_words(cap.scope, lang)} {limit}" if zh
                       else f"{cap.clause}: {limit} per {cap.scope}")
        elif cap.kind == CapKind.CLAUSE and cap.clause:
            out.append(f"{cap.clause}：{explain.scope_words(cap.scope, lang)} {limit}" if zh
                       else f"{cap.clause}: {limit} {explain.scope_words(cap.scope)}")
        elif cap.kind == CapKind.COMPANY:
            before, after = format_fen_grouped(cap.before), format_fen_grouped(cap.after)
            out.append(f"企业年度上限 {limit}（{before} 核减至 {after}）" if zh
                       else f"company cap {limit} (cut {before} to {after})")
    for c in r.clauses:
        if c.status == "excluded" and c.group:
            out.append(f"{c.group} 组就高不就低：{c.id} 不叠加" if zh else f"group {c.group} (就高不就低): {c.id} excluded")
    return tuple(out)


def unlocks(r: PolicyResult, room: Headroom | None, lang: str = "en") -> tuple[tuple[Unlock, ...], tuple[Unlock, ...]]:
    """(clauses not evaluated for missing input, clauses failed on a threshold) of one result.

    The items are ``planning.headroom``'s (the code calc's "What would unlock more" uses): a threshold
    says how far off the profile is, then the gain of meeting it. A failed ``x > 0`` test at 0 (nothing
    raised, no project) is not listed as a threshold.
    """
    if room is None:
        return (), ()
    missing = tuple(Unlock(u.clause, u.title_en, explain.section(u.source, u.source_zh, lang), explain.unlock(u, lang))
                    for u in room.missing)
    short = tuple(Unlock(u.clause, u.title_en, explain.section(u.source, u.source_zh, lang),
                         explain.unlock_with_shortfall(u, lang)) for u in room.thresholds)
    return missing, short


def city_views(comparison: Comparison, lang: str = "en") -> list[CityView]:
    """One view per (city, policy), cities in the order asked for."""
    company = visible(comparison.profile.name)
    industries = _industries(comparison)
    views: list[CityView] = []
    rooms = dict(zip((id(r) for r in comparison.results), comparison.headroom))
    for city in comparison.cities:
        for r in comparison.for_city(city):
            with_amount = sorted((c for c in r.clauses if c.amount > 0), key=lambda c: -c.amount)
            missing, short = unlocks(r, rooms.get(id(r)), lang)
            views.append(CityView(
                city=city,
                result=r,
                granted=sum(1 for c in r.clauses if c.status in COUNTED),
                discretionary=tuple(c.id for c in r.clauses if c.status == "discretionary"),
                biggest=with_amount[0] if with_amount else None,
                caps_bit=cap_labels(r, lang),
                top=tuple(with_amount[:TOP_N]),
                missing=missing,
                shortfalls=short,
                statement=statement(city, r, company, industries, lang),
                expired=bool(r.clauses) and all(c.status == "expired" for c in r.clauses),
            ))
    return views


def bar_lengths(total_exact: int, total: int, largest: int, width: int = BAR_WIDTH) -> tuple[int, int]:
    """(exact, up-to) bar lengths in characters, scaled so ``largest`` fills ``width`` (half-up rounding).

    A part that is not zero always shows at least one character.

    >>> bar_lengths(500, 1000, 1000, 40)
    (20, 20)
    >>> bar_lengths(1, 1, 10**9, 40)
    (1, 0)
    >>> bar_lengths(843, 943, 5850, 40)   # exact 5.76 -> 6; total 6.45 -> 6, but the up-to part shows
    (6, 1)
    """
    if largest <= 0 or total <= 0:
        return 0, 0
    full = round_half_up_div(total * width, largest)
    exact = round_half_up_div(total_exact * width, largest)
    if total_exact > 0:
        exact = max(1, exact)
    up_to = full - exact
    if total > total_exact:
        up_to = max(1, up_to)
    return exact, max(0, up_to)


def _doc(r: PolicyResult) -> str:
    return f" ({r.policy.document_number})" if r.policy.document_number else ""


def biggest_text(c: ClauseResult | None, lang: str = "en") -> str:
    if c is None:
        return "—"
    word = explain.qualifier("at least", lang) if c.ranged else explain.qualifier("up to", lang) \
        if c.basis == "up_to" else ""
    return f"{c.id} {word} {format_fen_grouped(c.amount)}" if word else f"{c.id} {format_fen_grouped(c.amount)}"


def clause_amount(c: ClauseResult, lines: bool = False, lang: str = "en") -> str:
    """A top clause's figure: "up to" on a ceiling, with its range (SPEC 9.2) when it has one, "at least …"
    above "up to …" (as calc writes it; 最高 / 至少 with --lang zh)."""
    return "\n".join(explain.amount_lines(c, lang)) if lines else explain.amount_text(c, lang)


def exact_range_line(r: PolicyResult, lang: str = "en") -> str:
    """SPEC 9.2: the exact total is a lower bound when the company cap counted up-to ceilings ("" otherwise)."""
    if r.total_exact_max is None:
        return ""
    label = TOTAL_WORDS.get(lang, TOTAL_WORDS["en"])["exact"]  # calc's label for the same figure
    return f"{label}{'：' if lang == 'zh' else ': '}{explain.exact_total_range(r.total_exact, r.total_exact_max, lang)}"


def _label(v: CityView, several: bool) -> str:
    return f"{v.city} / {v.policy_id}" if several else v.city


def _several(views: Sequence[CityView]) -> bool:
    return len({v.city for v in views}) != len(views)


#: the city cell's note on a policy that does not apply as is, per output language
NOTES = {"en": {"not_targeted": "NOT TARGETED", "unknown": "industries unknown", "expired": "expired",
                "hypothetical": "HYPOTHETICAL"},
         "zh": {"not_targeted": "不适用", "unknown": "行业未填", "expired": "不在有效期", "hypothetical": "假设计算"}}


def _note(v: CityView, lang: str = "en") -> str:
    r = v.result
    words = NOTES.get(lang, NOTES["en"])
    if r.targeted is False:
        return words["not_targeted"]
    if r.targeted is None and r.policy.industries:
        return words["unknown"]
    if v.expired:
        return words["expired"]
    if r.hypothetical:
        return words["hypothetical"]
    return ""


# ---------------------------------------------------------------- Rich


WIDE = 120  # below this console width the summary table stacks its amounts


def _money_cells(v: CityView, lang: str = "en") -> list[str]:
    """Total, exact, up to; an exact total that is a range (SPEC 9.2) is "at least" above "up to" lines."""
    r = v.result
    if v.expired:  # SPEC 9.3: no clause in force this year: nothing is computed, not a total of 0.00
        return [DASH, DASH, DASH]
    exact = format_fen_grouped(r.total_exact)
    if r.total_exact_max is not None:
        exact = (f"{explain.qualifier('at least', lang)}\n{exact}\n{explain.qualifier('at most', lang)}\n"
                 f"{format_fen_grouped(r.total_exact_max)}")
    return [total_text(r, lang), exact, format_fen_grouped(r.total_up_to)]


def total_text(r: PolicyResult, lang: str = "en") -> str:
    """A city's total: "up to …" when it counts up-to ceilings (as calc's total line says), else the figure.

    The total is then a ceiling, never a certain amount (SPEC §3), whatever share of it is exact.
    """
    return explain.total_figure(r.total, r.counts_ceiling, lang)


def _stacked_money(cells: list[str], lang: str = "en") -> str:
    """The three totals in one cell (narrow tables): "total …", "exact …" ("exact at least", the figure and
    "(up to …)" below it for a range), "up to …"."""
    words = _BLOCK_WORDS.get(lang, _BLOCK_WORDS["en"])  # (the narrow blocks' words: one set for both)
    total, exact, up_to = cells
    least, most = _exact_range(exact)
    exact_lines = [words["exact at least"], least, _bracketed(f"{explain.qualifier('at most', lang)} {most}", lang)] \
        if most \
        else [f"{words['exact']} {exact}"]
    return "\n".join([f"{words['total']} {total}", *exact_lines, f"{words['up to']} {up_to}"])


def _bracketed(text: str, lang: str) -> str:
    """``(text)``, or under --lang zh ``（text）``, as calc writes a range's other end."""
    return f"（{text}）" if lang == "zh" else f"({text})"


def _exact_range(exact: str) -> tuple[str, str | None]:
    """The exact cell of ``_money_cells`` as (its figure, None), or (at least, up to) for a range."""
    parts = exact.split("\n")
    return (parts[1], parts[3]) if len(parts) == 4 else (exact, None)


#: the city column's narrowest width: a policy id longer than this is broken after a hyphen, never inside a word
ID_WIDTH = 21


def hyphen_lines(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken only after a hyphen (a longer piece stays whole).

    >>> hyphen_lines("nanchang-electronic-information-2023", 21)
    ['nanchang-electronic-', 'information-2023']
    >>> hyphen_lines("beijing-robotics-2023", 21)
    ['beijing-robotics-2023']
    """
    lines: list[str] = []
    for piece in re.findall(r"[^-]*-|[^-]+$", text):
        if lines and len(lines[-1]) + len(piece) <= width:
            lines[-1] += piece
        else:
            lines.append(piece)
    return lines


def _city_width(views: Sequence[CityView], break_ids: bool) -> int:
    """The city column: the longest city, and the longest policy id (or, ``break_ids``, its longest line)."""
    if break_ids:
        ids = [len(p) for v in views for p in re.findall(r"[^-]*-|[^-]+$", v.policy_id)] + [ID_WIDTH]
    else:
        ids = [len(v.policy_id) for v in views]
    return max([8, *ids] + [len(v.city) for v in views])


def _city_cell(v: CityView, width: int, lang: str = "en") -> Text:
    city = Prose(v.city, style="bold") + Prose("\n" + "\n".join(hyphen_lines(v.policy_id, width)), style="dim")
    note = _note(v, lang)
    if note:
        city += Prose(f"\n{note}", style="bold red")
    return city


#: the tables' headings under --lang zh (as calc's clause table: headings and status words)
HEADINGS_ZH = {"City / policy": "城市 / 政策", "Total": "合计", "Exact": "确定金额", "Up to": "最高限额",
               "Total / exact / up to": "合计 / 确定 / 最高", "Granted": "符合条件条款", "Biggest clause": "最大条款",
               "Caps that bit": "触及的上限", "Clause": "条款", "Source": "出处", "Status": "状态", "Basis": "性质",
               "Amount": "金额", "Side by side": "对比", "Totals": "合计"}
#: the lines around the tables, per output language
LEAD = {"en": ("Each city's policy evaluated as if the company were located there; 'Up to' sums ceilings "
               "(最高/不超过), not certain amounts."),
        "zh": "按企业落户各城市分别计算各地政策；“最高”为上限之和（最高/不超过），不是确定金额。"}


def heading(text: str, lang: str = "en") -> str:
    return HEADINGS_ZH.get(text, text) if lang == "zh" else text


def summary_table(views: Sequence[CityView], width: int = 200, stacked: bool | None = None,
                  break_ids: bool = False, lang: str = "en") -> Table:
    """The side-by-side table: one row per city (and policy).

    The city cell also names the policy and any NOT TARGETED / expired note.
    Money is never shortened: below ``WIDE`` columns the three totals stack in
    one cell (total / exact / up to) so that the table still fits; text folds.
    """
    money = [_money_cells(v, lang) for v in views]
    wide = width >= WIDE if stacked is None else not stacked
    t = Table(title=heading("Side by side", lang), title_justify="left", show_lines=True, collapse_padding=not wide,
              pad_edge=wide)
    # the city (its jurisdiction id) never splits; the policy id under it breaks after a hyphen (hyphen_lines)
    city_w = _city_width(views, break_ids)
    t.add_column(heading("City / policy", lang), overflow="fold", min_width=city_w)
    if wide:
        for k, header in enumerate(("Total", "Exact", "Up to")):
            w = max([cell_len(heading(header, lang))] + [cell_len(line) for row in money for line in row[k].split("\n")])
            t.add_column(heading(header, lang), justify="right", no_wrap=True, min_width=w)
    else:
        w = max([13 + 6] + [cell_len(line) for row in money for line in _stacked_money(row, lang).split("\n")])
        t.add_column(heading("Total / exact / up to", lang), justify="right", no_wrap=True, min_width=w)
    t.add_column(heading("Granted", lang), justify="right", no_wrap=True, min_width=7)
    # the longest amount these columns show fits on one line, so it never splits
    longest = max([13] + [len(format_fen_grouped(x)) for v in views
                          for cap in v.result.caps for x in (cap.before, cap.limit or 0)]
                  + [_longest_token([biggest_text(v.biggest, lang), *v.caps_bit]) for v in views])  # nor an id
    t.add_column(heading("Biggest clause", lang), overflow="fold", min_width=longest)
    t.add_column(heading("Caps that bit", lang), overflow="fold", min_width=longest)
    for v, cells in zip(views, money):
        amounts = cells if wide else [_stacked_money(cells, lang)]
        # (Prose: a Chinese cell breaks between its characters, never inside an id or a figure)
        t.add_row(_city_cell(v, city_w, lang), *amounts, str(v.granted), Prose(biggest_text(v.biggest, lang)),
                  Prose("\n".join(v.caps_bit) or "—"))
    return t


#: the narrow summary's labels, per output language
_BLOCK_WORDS = {
    "en": {"title": "Side by side", "total": "total", "total up to": "total up to", "exact": "exact",
           "exact at least": "exact at least", "up to": "up to", "granted": "granted",
           "biggest": "biggest clause", "caps": "caps that bit"},
    "zh": {"title": "对比", "total": "合计", "total up to": "合计 最高", "exact": "确定金额",
           "exact at least": "确定金额 至少", "up to": "最高限额", "granted": "符合条件条款",
           "biggest": "最大条款", "caps": "触及的上限"},
}


def _legend(lang: str) -> str:
    """The totals chart's legend (explain.CHART_LEGEND, as explore's)."""
    return explain.CHART_LEGEND.get(lang, explain.CHART_LEGEND["en"]).format(exact=EXACT_BAR, up_to=UP_TO_BAR)


def summary_blocks(views: Sequence[CityView], lang: str = "en") -> list[Text]:
    """The side-by-side summary for a narrow terminal: one block per city, every figure on a line of its own."""
    words = _BLOCK_WORDS.get(lang, _BLOCK_WORDS["en"])
    out: list[Text] = [Prose(words["title"], style="bold")]
    for v in views:
        head = Prose(v.city, style="bold") + Prose(f"  {v.policy_id}", style="dim")
        note = _note(v, lang)
        if note:
            head += Prose(f"  {note}", style="bold red")
        out.append(head)
        total, exact, up_to = _money_cells(v, lang)
        least, most = _exact_range(exact)  # a range (SPEC 9.2): at least …, (up to …) under it
        if v.result.counts_ceiling and not v.expired:  # a ceiling: "up to" in the label, the figure aligned
            total_label, total = words["total up to"], format_fen_grouped(v.result.total)
        else:
            total_label = words["total"]
        rows = [(total_label, total),
                *([(words["exact at least"], least), ("", _bracketed(f"{explain.qualifier('at most', lang)} {most}", lang))] if most
                  else [(words["exact"], exact)]), (words["up to"], up_to)]
        label_w = max(cell_len(label) for label, _ in rows)
        w = max(len(x) for label, x in rows if label)
        out += [Prose(f"  {label}{' ' * (label_w - cell_len(label))} {x.rjust(w) if label else x}")
                for label, x in rows]
        out.append(Prose(f"  {words['granted']} {v.granted}"))
        out.append(Prose(f"  {words['biggest']}: {biggest_text(v.biggest, lang)}"))
        caps = v.caps_bit or ("—",)
        out.append(Prose(f"  {words['caps']}: {caps[0]}"))
        out += [Prose(f"    {c}") for c in caps[1:]]
    return out


class _Summary:
    """The summary table, laid out for the width it is rendered at (blocks when the table cannot fit)."""

    def __init__(self, views: Sequence[CityView], lang: str = "en"):
        self.views = views
        self.lang = lang

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # three amount columns when there is room, else the amounts stacked in one, else one block per city
        # and the policy ids whole when there is room, else broken after a hyphen
        for stacked in ((False, True) if options.max_width >= WIDE else (True,)):
            for break_ids in (False, True):
                table = summary_table(self.views, options.max_width, stacked, break_ids, self.lang)
                if table_fits(table, console, options, [c.min_width or 1 for c in table.columns]):
                    yield table
                    return
        yield from summary_blocks(self.views, self.lang)


def bar_chart(views: Sequence[CityView], width: int = 200, lang: str = "en") -> Table:
    """Horizontal bars of the totals: the exact part solid, the up-to part shaded.

    The bars are at most ``BAR_WIDTH`` long and shorter where the console is narrow, so that the totals
    beside them are never cut; the labels wrap.
    """
    largest = max((v.result.total for v in views), default=0)
    several = _several(views)
    amount = max((cell_len(total_text(v.result, lang)) for v in views), default=4)
    label = max((len(_label(v, several)) for v in views), default=4)
    # the labels may wrap (at a space or a hyphen), never inside a word: "wuhan-east-l" / "ake" at 41-59 columns
    whole = _longest_token(_label(v, several) for v in views)
    label_w = max(whole, min(label, max(8, width // 4)))
    # (two gaps of two cells: the grid pads each column by one on both inner sides; "- 2" cut the totals'
    # last digit at 41-48 columns, "up to 51,252,500.0")
    bar_width = max(1, min(BAR_WIDTH, width - amount - label_w - 4))
    t = Table.grid(padding=(0, 1))
    t.add_column(overflow="fold", min_width=whole)
    t.add_column(no_wrap=True, min_width=min(bar_width, 6))
    t.add_column(justify="right", no_wrap=True, min_width=amount)
    for v in views:
        exact, up_to = bar_lengths(v.result.total_exact, v.result.total, largest, bar_width)
        bar = Prose(EXACT_BAR * exact, style="green") + Prose(UP_TO_BAR * up_to, style="yellow")
        if not exact and not up_to:  # (a word no wider than the bars: wider, it pushed the totals off the line)
            word = _no_bar(v, lang)
            bar = Prose(word if cell_len(word) <= bar_width else "·", style="dim")
        t.add_row(_label(v, several), bar, DASH if v.expired else total_text(v.result, lang))
    return t


def _no_bar(v: CityView, lang: str = "en") -> str:
    """The totals chart's word for a city with no bar: not in force, or nothing counted."""
    if lang == "zh":
        return "（不在有效期内）" if v.expired else "（无）"
    return "(not in force)" if v.expired else "(none)"


class _Bars:
    def __init__(self, views: Sequence[CityView], lang: str = "en"):
        self.views = views
        self.lang = lang

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        several = _several(self.views)
        amount = max((cell_len(total_text(v.result, self.lang)) for v in self.views), default=4)
        label = max((_longest_token([_label(v, several)]) for v in self.views), default=4)
        if options.max_width >= label + amount + 2 + 6:  # a label, a bar of at least 6 and the total side by side
            yield bar_chart(self.views, options.max_width, self.lang)
            return
        for v in self.views:  # too narrow (20-28 columns cut the totals): the label, then its total on a line
            yield Prose(_label(v, several))
            yield Prose("  " + (DASH if v.expired else total_text(v.result, self.lang)))


def _longest_token(texts: Iterable[str]) -> int:
    """The widest run of the texts a line may not break (``wrap.widest_piece``): an id, a figure with its unit."""
    return max([1, *(widest_piece(text) for text in texts)])


class _Fitted:
    """A table whose ids and figures never split; below the width that needs, one block per row instead
    (``wide``: a table to try first, its figures on one line with their qualifiers)."""

    def __init__(self, table: Table, blocks: Sequence[RenderableType], wide: Table | None = None):
        self.table = table
        self.blocks = blocks
        self.wide = wide

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for table in (self.wide, self.table):
            if table is not None and table_fits(table, console, options, [c.min_width or 1 for c in table.columns]):
                yield table
                return
        yield from self.blocks


def _source(c: ClauseResult, lang: str) -> str:
    return explain.section(c.source, c.source_zh, lang)


def _top_table(v: CityView, lang: str = "en") -> _Fitted:
    head = {k: heading(k, lang) for k in ("Clause", "Source", "Status", "Basis", "Amount")}

    def table(joined: bool) -> Table:
        rows = [(f"{c.id} ({c.title_zh})", _source(c, lang), explain.status_label(c.status, lang),
                 explain.basis_label(c.basis, lang), "\n".join(explain.joined_lines(explain.amount_lines(c, lang))
                                                               if joined else explain.amount_lines(c, lang)))
                for c in v.top]
        t = Table(show_header=True, box=None, padding=(0, 1))
        t.add_column(head["Clause"], overflow="fold", min_width=_longest_token(r[0] for r in rows))
        t.add_column(head["Source"], overflow="fold", min_width=min(4, _longest_token(r[1] for r in rows)))
        t.add_column(head["Status"], no_wrap=True,
                     min_width=max(cell_len(head["Status"]), *(cell_len(r[2]) for r in rows)))
        t.add_column(head["Basis"], no_wrap=True, min_width=max(cell_len(head["Basis"]), *(cell_len(r[3]) for r in rows)))
        t.add_column(head["Amount"], justify="right", no_wrap=True,
                     min_width=max(cell_len(head["Amount"]), *(cell_len(x) for r in rows for x in r[4].splitlines())))
        for row in rows:
            t.add_row(Prose(row[0]), Prose(row[1]), *row[2:])  # (Prose: "(引进股权投资奖励)" keeps its ")")
        return t

    blocks: list[RenderableType] = []
    for c in v.top:
        blocks.append(Prose(f" {c.id}  {explain.status_label(c.status, lang)}  {explain.basis_label(c.basis, lang)}  "
                            f"{clause_amount(c, lang=lang)}"))
        blocks.append(Padding(Prose(f"{c.title_zh} · {_source(c, lang)}"), (0, 0, 0, 3)))
    return _Fitted(table(False), blocks, wide=table(True))


def _unlock_table(items: Sequence[Unlock]) -> _Fitted:
    t = Table(show_header=False, box=None, padding=(0, 1))
    t.add_column("Clause", overflow="fold", min_width=max(len(u.clause) for u in items))
    t.add_column("Source", overflow="fold", min_width=min(4, _longest_token(u.source for u in items)))
    t.add_column("What", overflow="fold", min_width=_longest_token(u.text for u in items))
    blocks: list[RenderableType] = []
    for u in items:
        t.add_row(u.clause, Prose(u.source), Prose(u.text))  # (Prose: never inside an id or a figure)
        blocks.append(Prose(f" {u.clause}  {u.source}"))
        blocks.append(Padding(Prose(u.text), (0, 0, 0, 3)))
    return _Fitted(t, blocks)


#: the comparison's own lines, per output language (--lang); the warnings in it are worded by explain in that
#: language too, but for the policy tables' own notes and the reference-rate line, which stay as written
VIEW_WORDS = {
    "en": {"title": "{name}: site comparison, fiscal year {year}", "not_applicable": "Not applicable as is",
           "top": "Top clauses ({n} of {m} with an amount)", "none": "No clause with an amount.",
           "discretionary": "Discretionary (no amount in the text): {ids}", "warning": "warning: {text}",
           "reference": "reference: {text}", "unlock": "What would unlock more",
           "not_targeted": "not targeted: the policy is for {industries} enterprises",
           "expired": "expired for this year",
           "nothing": "nothing: every clause was evaluated and no threshold was missed",
           "missing": "Not evaluated, missing input:", "failed": "Failed on a threshold:"},
    "zh": {"title": "{name}：{year} 财年各地对比", "not_applicable": "按现状不适用",
           "top": "金额最大的条款（有金额的 {m} 项中的前 {n} 项）", "none": "没有有金额的条款。",
           "discretionary": "酌情条款（条文无金额）：{ids}", "warning": "提示：{text}", "reference": "参考利率：{text}",
           "unlock": "还可争取的补贴", "not_targeted": "不适用：本政策适用于{industries}企业",
           "expired": "本年度不在政策有效期内", "nothing": "无：所有条款均已计算，也没有未达到的门槛",
           "missing": "未计算，缺少数据：", "failed": "未达到门槛："},
}


def view_words(lang: str) -> dict[str, str]:
    return VIEW_WORDS.get(lang, VIEW_WORDS["en"])


def renderables(comparison: Comparison, lang: str = "en") -> list[RenderableType]:
    """The whole comparison as Rich renderables, in reading order (``lang``: the tables' headings and status
    words, as in calc's clause table)."""
    views = city_views(comparison, lang)
    year = views[0].result.year if views else 0
    w = view_words(lang)
    out: list[RenderableType] = [
        Prose(w["title"].format(name=visible(comparison.profile.name), year=year), style="bold"),
        Prose(LEAD.get(lang, LEAD["en"]), style="dim"),
        _Summary(views, lang),
        Prose(heading("Totals", lang), style="bold"),
        _Bars(views, lang),
        Prose(_legend(lang), style="dim"),
    ]
    statements = [v.statement for v in views if v.statement]
    if statements:
        out.append(Prose(w["not_applicable"], style="bold"))
        out.extend(Prose(f"! {s}", style="yellow") for s in statements)
    for v in views:
        r = v.result
        out.append(Prose(f"\n── {v.city}: {r.policy.title_zh}{_doc(r)}", style="bold"))
        if v.top:
            out.append(Prose(w["top"].format(n=len(v.top), m=sum(1 for c in r.clauses if c.amount > 0)),
                             style="bold"))
            out.append(_top_table(v, lang))
        else:
            out.append(Prose(w["none"], style="dim"))
        if exact_range_line(r, lang):
            out.append(Prose(exact_range_line(r, lang)))
        if v.discretionary:
            out.append(Prose(w["discretionary"].format(ids=", ".join(v.discretionary))))
        for text in explain.warnings(r, lang):
            out.append(Prose(w["warning"].format(text=text), style="yellow"))
        for ref in r.references:
            out.append(Prose(w["reference"].format(text=explain.reference(ref)), style="dim"))
    out.append(Prose(f"\n── {w['unlock']}", style="bold"))
    for v in views:
        out.append(Prose(_label(v, True), style="bold"))
        if v.result.targeted is False:
            out.append(Prose("  " + w["not_targeted"].format(industries=explain.policy_industries(v.result.policy, lang))))
            continue
        if v.expired:
            out.append(Prose("  " + w["expired"]))
            continue
        if not v.missing and not v.shortfalls:
            out.append(Prose("  " + w["nothing"], style="dim"))
        if v.missing:
            out.append(Prose("  " + w["missing"]))
            out.append(_unlock_table(v.missing))
        if v.shortfalls:
            out.append(Prose("  " + w["failed"]))
            out.append(_unlock_table(v.shortfalls))
    return out


def print_comparison(comparison: Comparison, console: Console | None = None, lang: str = "en") -> None:
    """Print the comparison to the terminal (or the console given)."""
    from .terminal import default_console

    console = console or default_console()
    console.print(Group(*renderables(comparison, lang)))


# ---------------------------------------------------------------- Markdown


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> list[str]:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows]
    return lines


#: the Markdown comparison's section headings under --lang zh (as the terminal tables')
SECTIONS_ZH = {"Side by side": "对比", "Totals": "合计", "City": "城市", "Policy": "政策", "Note": "说明",
               "What would unlock more": "还可争取的补贴"}


def markdown(comparison: Comparison, lang: str = "en") -> str:
    """The comparison as GitHub-flavoured Markdown (same sections as the terminal view; ``lang``: the tables'
    headings, status and basis words and the figures' qualifiers, as there)."""
    def h(text: str) -> str:
        return (SECTIONS_ZH.get(text) or HEADINGS_ZH.get(text, text)) if lang == "zh" else text

    views = city_views(comparison, lang)
    year = views[0].result.year if views else 0
    several = _several(views)
    w = view_words(lang)
    zh = lang == "zh"

    def sentence(text: str) -> str:  # a line of its own: capitalised and closed in English, as it was
        return text if zh else text[0].upper() + text[1:].rstrip(":") + ("." if not text.endswith(":") else ":")

    lines = [f"# {w['title'].format(name=markdown_text(comparison.profile.name), year=year)}", "",
             LEAD["zh"] if lang == "zh" else LEAD["en"].replace("'Up to'", "*Up to*"), "",
             f"## {h('Side by side')}", ""]
    lines += _md_table(
        [h(x) for x in ("City", "Policy", "Total", "Exact", "Up to", "Granted", "Biggest clause", "Caps that bit",
                        "Note")],
        [[v.city, v.policy_id, *([DASH] * 3 if v.expired else [
            total_text(v.result, lang),
            explain.at_least(v.result.total_exact, v.result.total_exact_max, lang)
            if v.result.total_exact_max is not None else format_fen_grouped(v.result.total_exact),
            format_fen_grouped(v.result.total_up_to)]), str(v.granted), biggest_text(v.biggest, lang),
          "\n".join(v.caps_bit) or "—", _note(v, lang)] for v in views],
        right=(2, 3, 4, 5))
    largest = max((v.result.total for v in views), default=0)
    width = max((len(_label(v, several)) for v in views), default=0)
    lines += ["", f"## {h('Totals')}", "", "```"]
    for v in views:
        exact, up_to = bar_lengths(v.result.total_exact, v.result.total, largest)
        bar = EXACT_BAR * exact + UP_TO_BAR * up_to or _no_bar(v, lang)
        figure = DASH if v.expired else total_text(v.result, lang)
        pad = " " * max(0, BAR_WIDTH - cell_len(bar))  # (cells: 不在有效期内 is twice as wide as it is long)
        lines.append(f"{_label(v, several).ljust(width)} {bar}{pad} {figure}")
    lines += [_legend(lang), "```"]
    statements = [v.statement for v in views if v.statement]
    if statements:
        lines += ["", f"## {w['not_applicable']}", ""] + [f"- **{markdown_text(s)}**" for s in statements]
    for v in views:
        r = v.result
        lines += ["", f"## {v.city}: {r.policy.title_zh}{_doc(r)}", ""]
        if v.top:
            lines += _md_table([h(x) for x in ("Clause", "Source", "Status", "Basis", "Amount")],
                               [[f"`{c.id}` {c.title_zh}", _source(c, lang),
                                 explain.status_label(c.status, lang) if lang == "zh" else c.status,
                                 explain.basis_label(c.basis, lang), clause_amount(c, lang=lang)]
                                for c in v.top], right=(4,))
        else:
            lines.append(w["none"])
        if exact_range_line(r, lang):
            lines += ["", exact_range_line(r, lang)]
        if v.discretionary:
            lines += ["", w["discretionary"].format(ids=", ".join(f"`{d}`" for d in v.discretionary))]
        if r.notices or r.references:
            lines.append("")
            lines += [f"- {w['warning'].format(text=_md(text))}" for text in explain.warnings(r, lang)]
            lines += [f"- {w['reference'].format(text=_md(explain.reference(ref)))}" for ref in r.references]
    lines += ["", f"## {h('What would unlock more')}"]
    for v in views:
        lines += ["", f"### {_label(v, True)}", ""]
        if v.result.targeted is False:
            lines.append(sentence(w["not_targeted"].format(industries=explain.policy_industries(v.result.policy, lang))))
            continue
        if v.expired:
            lines.append(sentence(w["expired"]))
            continue
        if not v.missing and not v.shortfalls:
            lines.append(sentence(w["nothing"]))
        if v.missing:
            lines += [w["missing"], ""]
            lines += [f"- `{u.clause}` ({_md(u.source)}): {_md(u.text)}" for u in v.missing]
        if v.shortfalls:
            lines += ([""] if v.missing else []) + [w["failed"], ""]
            lines += [f"- `{u.clause}` ({_md(u.source)}): {_md(u.text)}" for u in v.shortfalls]
    return "\n".join(lines) + "\n"
