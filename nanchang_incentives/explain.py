"""The one wording: the engine's facts (``trace``) turned into the sentences every output shows.

The Rich table, the Markdown report, JSON ``explanation`` and ``warnings``, the
batch long layout, ``compare`` and ``policies show`` all word a clause, a cap,
a group decision or a notice through these functions, so they can never say
different things. Nothing here computes an amount; nothing elsewhere writes a
sentence about one.

Profile text (company names, tags) goes through ``text.visible`` so that no
control character reaches a terminal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from .money import format_fen_grouped, format_rate
from .text import column_letter, visible
from .trace import (
    Basis,
    Calculation,
    CapEvent,
    CapKind,
    CapState,
    ClauseResult,
    CompanyCap,
    ConditionResult,
    Factor,
    GroupDecision,
    Kind,
    Notice,
    NoticeKind,
    PolicyResult,
    ReferenceUse,
    Source,
    Status,
)

if TYPE_CHECKING:  # pragma: no cover
    from .batch import BatchReport, PolicyBudget
    from .policy import Policy, Successor

OPS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "!=": "≠"}

STATUS_TEXT = {
    Status.GRANTED: "granted",
    Status.CAPPED: "capped",
    Status.EXCLUDED: "excluded",
    Status.NOT_ELIGIBLE: "not eligible",
    Status.MISSING_INPUT: "missing input",
    Status.DISCRETIONARY: "discretionary",
    Status.EXPIRED: "expired",
}
#: the same in Chinese, for the clause table under --lang zh (JSON and batch status cells keep the English codes)
STATUS_TEXT_ZH = {
    Status.GRANTED: "符合条件",  # eligible: an up-to figure is not "given" (SPEC §3)
    Status.CAPPED: "已封顶",
    Status.EXCLUDED: "就高不叠加",
    Status.NOT_ELIGIBLE: "不符合条件",
    Status.MISSING_INPUT: "缺少数据",
    Status.DISCRETIONARY: "酌情，无金额",
    Status.EXPIRED: "不在有效期",
}


#: the budget's total rows, as the terminal's budget view and the .xlsx budget sheet label them (--lang)
TOTAL_LABELS = {
    "en": {"exact": "total, exact", "at_least": "total, exact (at least)", "at_most": "total, exact (at most)",
           "up_to": "total, up to"},
    "zh": {"exact": "确定金额合计", "at_least": "确定金额合计（至少）", "at_most": "确定金额合计（至多）",
           "up_to": "最高限额合计"},
}


def related_hint(pol: Policy, industries: Sequence[str] | None, lang: str = "en") -> str:
    """For a company not targeted whose tags the text counts within the policy's industries (Nanchang: LED, VR,
    software …): "; the text counts …: if this firm is an electronic-information enterprise, add …"; else ""
    (under --lang zh the advice in Chinese, with the industries' Chinese names, which a profile may write too;
    the note, policy data, as written)."""
    if not any(t in pol.related_industries for t in industries or ()):
        return ""
    if lang == "zh":
        names = _names_zh(pol.industries, pol.industries_zh)
        return (f"；{pol.related_industries_note}：如本企业属于{_inline('或'.join(names))}企业，请在行业中加上"
                f"“{names[0]}”")
    return (f"; {pol.related_industries_note}: if this firm is an {' or '.join(pol.industries)} enterprise, add "
            f"\"{pol.industries[0]}\" to its industries")


def _names_zh(tags: Sequence[str], names_zh: Sequence[str]) -> tuple[str, ...]:
    """The Chinese names of ``tags`` where they came with them (the loader's, the engine's), else the tags."""
    return tuple(names_zh) if names_zh and len(names_zh) == len(tags) else tuple(tags)


def _inline(text: str) -> str:
    """A name inside a Chinese sentence: set off by a space where it begins or ends in Latin letters or digits
    (本政策适用于 LED 企业, 本政策适用于 5G、物联网企业), run in where it is Chinese (本政策适用于电子信息企业).

    >>> _inline("电子信息"), _inline("LED"), _inline("5G、物联网"), _inline("")
    ('电子信息', ' LED ', ' 5G、物联网', '')
    """
    if not text:
        return text
    return (" " if text[0].isascii() else "") + text + (" " if text[-1].isascii() else "")


def policy_industries(pol: Policy, lang: str = "en") -> str:
    """The industries a policy is for, as a sentence names them: ``electronic-information``, or under --lang zh
    by their Chinese names, set for a Chinese sentence (``_inline``): 本政策适用于{…}企业."""
    if lang == "zh":
        return _inline("、".join(_names_zh(pol.industries, pol.industries_zh)))
    return ", ".join(pol.industries)


def company_industries(r: PolicyResult, lang: str = "en") -> str:
    """The company's industry tags, safe to print: ``led, vr``, or under --lang zh by their Chinese names
    (``LED、VR``; a tag no vocabulary knows, such as 纺织, as written)."""
    if lang == "zh":
        return "、".join(visible(t) for t in _names_zh(r.industries, r.industries_zh))
    return value(r.industries, Kind.TAGS)


def status_label(status: Status, lang: str = "en") -> str:
    """A clause's status as the clause table shows it: ``capped``, or under ``--lang zh`` ``已封顶``.

    >>> status_label(Status.CAPPED), status_label(Status.CAPPED, "zh")
    ('capped', '已封顶')
    """
    return (STATUS_TEXT_ZH if lang == "zh" else STATUS_TEXT)[status]


# ---------------------------------------------------------------- figures


#: the words that qualify a figure, per output language (--lang): an up-to ceiling is never shown as certain
#: (SPEC §3), in Chinese as in English (最高 as the texts say it: "最高1000万元")
#: ("at most": the upper end of an exact range, SPEC 9.2: "up to" in English, 至多 in Chinese, never 最高)
QUALIFIERS = {"en": {"up to": "up to", "at least": "at least", "at most": "up to"},
              "zh": {"up to": "最高", "at least": "至少", "at most": "至多"}}
#: the legend of the totals charts (compare, explore)
CHART_LEGEND = {"en": "{exact} exact   {up_to} up to (ceiling)", "zh": "{exact} 确定金额   {up_to} 最高（上限）"}


#: a clause's basis as the Markdown table and the budget view show it, per output language (SPEC §3)
BASIS_TEXT = {"en": {"exact": "exact", "up_to": "up_to", "discretionary": "discretionary"},
              "zh": {"exact": "确定", "up_to": "最高", "discretionary": "酌情"}}


def basis_label(basis: str, lang: str = "en") -> str:
    """A basis code in the output language: ``up_to``, or under ``--lang zh`` ``最高``.

    >>> basis_label("up_to"), basis_label("up_to", "zh"), basis_label("discretionary", "zh")
    ('up_to', '最高', '酌情')
    """
    return BASIS_TEXT.get(lang, BASIS_TEXT["en"]).get(str(basis), str(basis))


def qualifier(word: str, lang: str = "en") -> str:
    """``"up to"``, ``"at least"`` or ``"at most"`` in the output language.

    >>> qualifier("up to"), qualifier("up to", "zh"), qualifier("at least", "zh"), qualifier("at most", "zh")
    ('up to', '最高', '至少', '至多')
    """
    return QUALIFIERS.get(lang, QUALIFIERS["en"])[word]


def money(fen: int, basis: str, lang: str = "en") -> str:
    """A clause or total figure: up-to ceilings say so, exact figures never do.

    >>> money(123456789, "exact"), money(200000000, "up_to"), money(200000000, "up_to", "zh")
    ('1,234,567.89', 'up to 2,000,000.00', '最高 2,000,000.00')
    """
    text = format_fen_grouped(fen)
    return f"{qualifier('up to', lang)} {text}" if basis == Basis.UP_TO else text


def yuan(v: Fraction) -> str:
    """Exact yuan, grouped, two places (more only when the value has them).

    >>> yuan(Fraction(86_400_000)), yuan(Fraction(-12345, 100)), yuan(Fraction(1, 3))
    ('86,400,000.00', '-123.45', '0.333333…')
    """
    fen = v * 100
    if fen.denominator == 1:
        return format_fen_grouped(fen.numerator)
    units = v * 10_000
    if units.denominator == 1:
        sign = "-" if units < 0 else ""
        whole, frac = divmod(abs(units.numerator), 10_000)
        return f"{sign}{whole:,}.{frac:04d}".rstrip("0")
    d = Decimal(v.numerator) / Decimal(v.denominator)
    return f"{d:,.6f}…"


def value(v: object, kind: Kind) -> str:
    """A profile or computed value in its own unit ("missing" when absent).

    >>> value(Fraction(31, 1000), Kind.RATE), value(Fraction(92), Kind.COUNT), value(True, Kind.BOOL)
    ('3.1%', '92', 'true')
    >>> value(None, Kind.MONEY), value(("led", "electronic-information"), Kind.TAGS)
    ('missing', 'led, electronic-information')
    """
    if v is None:
        return "missing"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, tuple):
        if kind == Kind.MONEY_LIST:
            return "; ".join(yuan(Fraction(x)) for x in v)
        return ", ".join(visible(x) for x in v)
    if isinstance(v, Fraction | int):
        f = Fraction(v)
        if kind == Kind.RATE:
            return format_rate(f)
        if kind in (Kind.COUNT, Kind.YEAR) or (kind == Kind.NUMBER and f.denominator == 1 and abs(f) < 10_000):
            return str(f.numerator) if f.denominator == 1 else yuan(f)
        if kind == Kind.NUMBER and abs(f) < 1:
            return format_rate(f)
        return yuan(f)
    return visible(str(v))


# ---------------------------------------------------------------- ranges (SPEC 9.2)

#: the condition under which an exact clause cut by the company cap gets more than its amount
BELOW_CEILINGS = "if the up-to awards are granted below their ceilings"


#: the same condition in Chinese (--lang zh)
BELOW_CEILINGS_ZH = "若最高限额条款低于上限给予"


def at_least(amount: int, amount_max: int, lang: str = "en") -> str:
    """An exact figure that is a lower bound because the company cap counted up-to ceilings (SPEC 9.2).

    >>> at_least(33333333, 100000000)
    'at least 333,333.33 (up to 1,000,000.00 if the up-to awards are granted below their ceilings)'
    >>> at_least(33333333, 100000000, "zh")
    '至少 333,333.33（若最高限额条款低于上限给予，至多 1,000,000.00）'
    """
    if lang == "zh":
        return f"至少 {format_fen_grouped(amount)}（{BELOW_CEILINGS_ZH}，至多 {format_fen_grouped(amount_max)}）"
    return f"at least {format_fen_grouped(amount)} (up to {format_fen_grouped(amount_max)} {BELOW_CEILINGS})"


def exact_total_range(total_exact: int, total_exact_max: int, lang: str = "en") -> str:
    """The exact clauses' total when it is a range (the totals lines of the table and Markdown).

    >>> exact_total_range(92555724, 159222391)
    'at least 925,557.24, up to 1,592,223.91 if the up-to awards are granted below their ceilings'
    >>> exact_total_range(92555724, 159222391, "zh")
    '至少 925,557.24（若最高限额条款低于上限给予，至多 1,592,223.91）'
    """
    if lang == "zh":
        return f"至少 {format_fen_grouped(total_exact)}（{BELOW_CEILINGS_ZH}，至多 {format_fen_grouped(total_exact_max)}）"
    return f"at least {format_fen_grouped(total_exact)}, up to {format_fen_grouped(total_exact_max)} {BELOW_CEILINGS}"


def outlay_range(amount: int, amount_max: int, lang: str = "en") -> str:
    """A clause's outlay over many companies when some are lower bounds (the budget view's cell, SPEC 9.2): two
    lines, each figure whole on its own.

    >>> outlay_range(18181818, 40000000).split("\\n")
    ['at least 181,818.18', '(up to 400,000.00)']
    >>> outlay_range(18181818, 40000000, "zh").split("\\n")
    ['至少 181,818.18', '（至多 400,000.00）']
    """
    least, most = qualifier("at least", lang), qualifier("at most", lang)
    opening, closing = ("（", "）") if lang == "zh" else ("(", ")")
    return f"{least} {format_fen_grouped(amount)}\n{opening}{most} {format_fen_grouped(amount_max)}{closing}"


def amount_text(c: ClauseResult, lang: str = "en") -> str:
    """A clause's figure in words, with its range when it has one (the Markdown amount cell).

    >>> from .trace import Status
    >>> amount_text(ClauseResult("x", "", "", Status.GRANTED, Basis.UP_TO, 400000000, 400000000, "", "", (), (),
    ...                          None, amount_min=200000000))
    'up to 4,000,000.00 (at least 2,000,000.00)'
    """
    if c.amount_max is not None:
        return at_least(c.amount, c.amount_max, lang)
    if c.amount_min is not None:
        least = f"{qualifier('at least', lang)} {format_fen_grouped(c.amount_min)}"
        return f"{money(c.amount, c.basis, lang)}" + (f"（{least}）" if lang == "zh" else f" ({least})")
    return money(c.amount, c.basis, lang)


def amount_lines(c: ClauseResult, lang: str = "en") -> tuple[str, ...]:
    """The same figure as lines that never split a number (the Rich table's amount cell): "up to" and
    "at least" on their own line above the figure they qualify, the other end of a range in parentheses, so
    that the lines joined read as ``amount_text`` does: "up to 4,000,000.00 (at least 2,000,000.00)"; under
    --lang zh 最高 / 至少, the top of an exact range 至多 (never 最高, the text's ceiling), in （full-width brackets）.

    >>> from .trace import Status
    >>> amount_lines(ClauseResult("x", "", "", Status.GRANTED, Basis.UP_TO, 400000000, 400000000, "", "", (), (),
    ...                           None, amount_min=200000000))
    ('up to', '4,000,000.00', '(at least', '2,000,000.00)')
    """
    up_to, least = qualifier("up to", lang), qualifier("at least", lang)
    opening, closing = ("（", "）") if lang == "zh" else ("(", ")")
    if c.amount_max is not None:  # the top of a range is "at most" (至多), not the text's ceiling (最高)
        return (least, format_fen_grouped(c.amount), f"{opening}{qualifier('at most', lang)}",
                format_fen_grouped(c.amount_max) + closing)
    head = (up_to, format_fen_grouped(c.amount)) if c.basis == Basis.UP_TO else (format_fen_grouped(c.amount),)
    if c.amount_min is not None:
        return (*head, f"{opening}{least}", format_fen_grouped(c.amount_min) + closing)
    return head


def joined_lines(lines: Sequence[str]) -> list[str]:
    """:func:`amount_lines` for a column with room: each qualifier on its figure's line.

    >>> joined_lines(("up to", "4,000,000.00", "(at least", "2,000,000.00)"))
    ['up to 4,000,000.00', '(at least 2,000,000.00)']
    >>> joined_lines(("至少", "333,333.33", "（至多", "573,428.93）"))
    ['至少 333,333.33', '（至多 573,428.93）']
    """
    words = {w for q in QUALIFIERS.values() for w in q.values()}
    out: list[str] = []
    for line in lines:
        if out and out[-1].lstrip("(（") in words:
            out[-1] += " " + line
        else:
            out.append(line)
    return out


def range_note(c: ClauseResult, lang: str = "en") -> str:
    """Why a clause's figure is a range ("" when it is not); ``lang``: the calc table's footnote in that language."""
    if lang == "zh" and c.amount_max is not None:
        return (f"{at_least(c.amount, c.amount_max, lang)}：企业年度上限按最高限额条款的上限计入；若各最高限额条款按其最低额"
                f"（条文未规定最低额的按 0）给予，本条款为 {format_fen_grouped(c.amount_max)}")
    if lang == "zh" and c.amount_min is not None:
        return f"至少 {format_fen_grouped(c.amount_min)}：条文规定的最低额"
    if c.amount_max is not None:
        return (f"{at_least(c.amount, c.amount_max)}: the company cap counted the up-to clauses at their "
                f"ceilings; run again with each at its stated minimum (0 unless the text states one), this "
                f"clause keeps {format_fen_grouped(c.amount_max)}")
    if c.amount_min is not None:
        return f"at least {format_fen_grouped(c.amount_min)}: the minimum the text states"
    return ""


def successor(s: Successor) -> str:
    """What is known of a policy's successor, dated (JSON ``successor``, policies show)."""
    return f"{s.note} (as of {s.as_of})"


def not_computed(year: int, valid_from: dt.date, valid_until: dt.date | None, succ: Successor | None) -> str:
    """An expired clause of the batch long layout, in the words of SPEC 9.3: the end and the successor note.

    >>> import datetime as dt
    >>> not_computed(2026, dt.date(2023, 10, 10), dt.date(2025, 12, 31), None)
    'not computed: no clause is in force for fiscal 2026: the policy ended on 2025-12-31'
    >>> not_computed(2022, dt.date(2023, 10, 10), dt.date(2025, 12, 31), None)
    'not computed: fiscal 2022 is before the policy took effect on 2023-10-10'
    """
    if valid_until is not None and year > valid_until.year:
        text = f"not computed: no clause is in force for fiscal {year}: the policy ended on {valid_until}"
        return text + (f"; successor: {successor(succ)}" if succ is not None else "")
    return f"not computed: fiscal {year} is before the policy took effect on {valid_from}"


def not_in_force(companies: int, years: dict[int, int], valid_until: dt.date | None, succ: Successor | None,
                 lang: str = "en", computed: int | None = None, ceiling: bool = False) -> str:
    """The batch budget's line about the companies whose fiscal year the policy does not cover (SPEC 9.3).

    A year not covered is either after the end or (up to the end's year, or whatever the end when it is
    unknown) before the policy took effect; each is named for what it is.

    >>> import datetime as dt
    >>> not_in_force(3, {2026: 3}, dt.date(2025, 12, 31), None)
    '3 companies with fiscal 2026: no clause in force (the policy ended on 2025-12-31); nothing is counted for them'
    >>> not_in_force(2, {2022: 1, 2026: 1}, dt.date(2025, 12, 31), None)
    '2 companies with fiscal 2022 (1), 2026 (1): no clause in force (2022: before the policy took effect; 2026: the policy ended on 2025-12-31); nothing is counted for them'
    >>> not_in_force(2, {2022: 1, 2026: 1}, dt.date(2025, 12, 31), None, "zh")
    '2家企业（2022 财年 1家、2026 财年 1家）：没有条款在有效期内（2022：早于政策生效；2026：政策已于 2025-12-31 终止），不计入任何金额'

    ``computed``: under --ignore-validity they were computed all the same, and that much (fen) is in the totals:

    >>> not_in_force(1, {2026: 1}, dt.date(2025, 12, 31), None, computed=150000000, ceiling=True)
    '1 company with fiscal 2026: no clause in force (the policy ended on 2025-12-31); computed all the same under --ignore-validity (hypothetical): up to 1,500,000.00 of the totals is theirs'
    """
    if lang == "zh":
        return _not_in_force_zh(companies, years, valid_until, succ, computed, ceiling)
    which = ", ".join(f"{y} ({k:,})" if len(years) > 1 else str(y) for y, k in sorted(years.items()))
    word = "company" if companies == 1 else "companies"
    after = sorted(y for y in years if valid_until is not None and y > valid_until.year)
    before = sorted(y for y in years if y not in after)
    ended = f"the policy ended on {valid_until}"
    started = "before the policy took effect"
    if after and before:
        why = (f"{', '.join(map(str, before))}: {started}; {', '.join(map(str, after))}: {ended}")
    else:
        why = ended if after else started
    if computed is None:
        text = f"{companies:,} {word} with fiscal {which}: no clause in force ({why}); nothing is counted for them"
    else:
        text = (f"{companies:,} {word} with fiscal {which}: no clause in force ({why}); computed all the same "
                f"under --ignore-validity (hypothetical): {'up to ' if ceiling else ''}"
                f"{format_fen_grouped(computed)} of the totals is theirs")
    if succ is not None and valid_until is not None and any(y > valid_until.year for y in years):
        text += f"; successor: {successor(succ)}"
    return text


def _years_zh(years: dict[int, int]) -> str:
    """``2025 财年``, or by year with the companies of each: ``2025 财年 2家、2026 财年 1家``."""
    if len(years) == 1:
        return f"{next(iter(years))} 财年"
    return "、".join(f"{y} 财年 {k:,}家" for y, k in sorted(years.items()))


def _not_in_force_zh(companies: int, years: dict[int, int], valid_until: dt.date | None,
                     succ: Successor | None, computed: int | None = None, ceiling: bool = False) -> str:
    """:func:`not_in_force` in Chinese: the same facts, in the same order."""
    after = sorted(y for y in years if valid_until is not None and y > valid_until.year)
    before = sorted(y for y in years if y not in after)
    ended, started = f"政策已于 {valid_until} 终止", "早于政策生效"
    if after and before:
        why = f"{'、'.join(map(str, before))}：{started}；{'、'.join(map(str, after))}：{ended}"
    else:
        why = ended if after else started
    text = f"{_companies_zh(companies)}（{_years_zh(years)}）：没有条款在有效期内（{why}），" + (
        "不计入任何金额" if computed is None else
        f"因 --ignore-validity 仍按假设计算：合计中{'最高 ' if ceiling else ''}{format_fen_grouped(computed)} 属于这些企业")
    if succ is not None and after:
        text += f"；{_successor_zh(succ)}"
    return text


def may_be_superseded(years: dict[int, int], reported: dt.date | None, succ: Successor | None,
                      lang: str = "en") -> str:
    """The batch budget's line about the companies whose results may be superseded (SPEC 9.3).

    >>> import datetime as dt
    >>> may_be_superseded({2025: 2, 2026: 1}, dt.date(2025, 3, 20), None)
    "3 companies with fiscal 2025 (2), 2026 (1): their results may be superseded (the policy's end is unknown; a later text was reported on 2025-03-20)"
    >>> may_be_superseded({2025: 2, 2026: 1}, dt.date(2025, 3, 20), None, "zh")
    '3家企业（2025 财年 2家、2026 财年 1家）：结果可能已被新政策取代（政策终止日期未知；2025-03-20 已有后续文本的报道）'
    """
    companies = sum(years.values())
    if lang == "zh":
        return (f"{_companies_zh(companies)}（{_years_zh(years)}）：结果可能已被新政策取代（政策终止日期未知；{reported} "
                f"已有后续文本的报道）" + (f"；{_successor_zh(succ)}" if succ is not None else ""))
    which = ", ".join(f"{y} ({k:,})" if len(years) > 1 else str(y) for y, k in sorted(years.items()))
    word = "company" if companies == 1 else "companies"
    their = "its result" if companies == 1 else "their results"
    text = (f"{companies:,} {word} with fiscal {which}: {their} may be superseded (the policy's end is unknown; "
            f"a later text was reported on {reported})")
    return text + (f": {successor(succ)}" if succ is not None else "")


def likewise_years(years: Sequence[int], lang: str = "en") -> str:
    """What a sweep of the year adds to a notice that the later years swept share (runs of years as ranges).

    >>> likewise_years([2027, 2028, 2029, 2031]), likewise_years([2027], "zh")
    (' (likewise fiscal 2027–2029, 2031)', '（2027 财年同）')
    """
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    shown = ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
    return f"（{shown} 财年同）" if lang == "zh" else f" (likewise fiscal {shown})"


def validity_end_unknown(note: str | None, lang: str = "en") -> str:
    """The warning every result of a policy with no known end carries (calc, and once in the batch budget)."""
    if lang == "zh":
        return f"政策终止日期未确认：{note or '资料未载明终止日期'}"
    return f"Validity end not confirmed: {note or 'the sources give no end date'}"


def skipped_row(line: int, name: str, header: bool, lang: str = "en") -> str:
    """A row batch left out on purpose: the header again (``header``), or a totals row (合计)."""
    if lang == "zh":
        if header:
            return f"已跳过第 {line} 行：再次出现的表头（多段表格上下拼接？），不计算"
        return (f"已跳过第 {line} 行（{visible(name) or '无企业名称'}）：看来是合计行（企业名称或无名称行的第一格为合计字样，"
                f"或名称含合计/总计/小计/汇总/Total 且该行无年度、无所在地），不计算")
    if header:
        return f"skipped: line {line}: the header again (blocks pasted one under another, each with its header?); not evaluated"
    return (f"skipped: line {line} ({visible(name) or 'no name'}): looks like a totals row (the name, or the first "
            f"cell of a row without a name, is a totals label, or the name has 合计/总计/小计/汇总/Total in it and the "
            f"row has no year and no jurisdiction); not evaluated")


def more_skipped(more: int, lang: str = "en") -> str:
    """The rows skipped beyond those listed one by one."""
    if lang == "zh":
        return f"另有 {more:,} 行已跳过，不逐一列出"
    return f"skipped: … and {more:,} more row{'s' if more != 1 else ''}, not listed one by one"


def ignored_columns(headings: Sequence[str], lang: str = "en") -> str:
    """The note for the sheet's own bookkeeping columns batch read past."""
    if lang == "zh":
        return (f"说明：未读取列 {'、'.join(repr(visible(h[:60])) for h in headings)}（表格自用的序号、备注或联系方式），"
                f"不影响任何金额")
    return (f"note: not read: the column{'s' if len(headings) > 1 else ''} "
            f"{', '.join(repr(visible(h[:60])) for h in headings)} (the sheet's own: a serial number, a remark, "
            f"contact details); no figure depends on {'them' if len(headings) > 1 else 'it'}")


def unnamed_columns(columns: Sequence[int], lang: str = "en") -> str:
    """The note for the columns with no heading that batch read past (an empty column A, a gap), by the letters
    a spreadsheet shows (a CSV opened in Excel too).

    >>> unnamed_columns([1])
    "note: not read: column A, which has no heading; if it holds figures, give it the field's name (营业收入, revenue …)"
    """
    if lang == "zh":
        return (f"说明：未读取第 {'、'.join(column_letter(j - 1) for j in columns)} 列，该列没有表头；如其中有数据，请填写"
                f"字段名作表头（营业收入、revenue …）")
    which = [f"column {column_letter(j - 1)}" for j in columns]
    return (f"note: not read: {', '.join(which)}, which {'has' if len(which) == 1 else 'have'} no heading; if "
            f"{'it holds' if len(which) == 1 else 'they hold'} figures, give {'it' if len(which) == 1 else 'each'} "
            f"the field's name (营业收入, revenue …)")


def hidden_columns(headings: Sequence[str], lang: str = "en") -> str:
    """An .xlsx's columns hidden in the sheet, which batch reads as every other column.

    >>> hidden_columns(["新三板挂牌 (F)"])
    "warning: read although hidden in the sheet: the column '新三板挂牌 (F)'; its values count as every other column's"
    """
    if lang == "zh":
        return (f"提示：列 {'、'.join(map(repr, map(visible, headings)))} 在表格中已隐藏，仍照常读取并计入结果")
    which = "the column" if len(headings) == 1 else "the columns"
    return (f"warning: read although hidden in the sheet: {which} {', '.join(map(repr, map(visible, headings)))}; "
            f"{'its' if len(headings) == 1 else 'their'} values count as every other column's")


def other_sheets(read: str, others: Sequence[str]) -> str:
    """The workbook's other visible sheets, which batch did not read (one sheet per run).

    >>> other_sheets("xlsx, sheet '2024年'", ["2023年"])
    "note: only the first sheet is read (xlsx, sheet '2024年'); the workbook also has '2023年': --sheet NAME reads another"
    """
    return (f"note: only the first sheet is read ({read}); the workbook also has "
            f"{', '.join(map(repr, map(visible, others)))}: --sheet NAME reads another")


def duplicate_lines(r: BatchReport, first: int = 5, lang: str = "en") -> list[str]:
    """The warning of a batch whose rows repeat an earlier row's company (each counted again in every total),
    with the ``first`` of them (at most those the report keeps), and how many rows were past the check's limit;
    ``lang`` "zh": in Chinese (the budget view and the .xlsx budget sheet of ``batch --lang zh``)."""
    from .duplicates import CHECKED_ROWS

    zh = lang == "zh"
    out = []
    if r.duplicate_rows:
        n = r.duplicate_rows
        shown = r.duplicates[:first]
        errors = visible(str(r.errors_file)) if r.errors_file else ""
        if zh:
            where = f"；全部见 {errors}" if errors else "；加 --errors FILE 查看全部"
            out.append(f"提示：{n:,} 行与前面某行的企业相同（企业名称、年度和所在地相同），其金额在合计（汇总表和 "
                       f"--summary-json）中重复计算{where}")
            out += [f"  第 {d.line} 行（{visible(d.name)}）与第 {d.first_line} 行重复" for d in shown]
        else:
            where = f"; every one is in {errors}" if errors else "; pass --errors FILE to get every one"
            out.append(f"warning: {n:,} row{'s' if n != 1 else ''} repeat{'s' if n == 1 else ''} the company of an "
                       f"earlier row (the same name, year and jurisdiction), so {'its' if n == 1 else 'their'} "
                       f"amounts are counted again in the totals (the budget view and --summary-json){where}")
            out += [f"  line {d.line} ({visible(d.name)}) repeats line {d.first_line}" for d in shown]
        if n > len(shown):  # (the report keeps the first BAD_ROW_PREVIEW: "… more" counts from those shown)
            out.append(f"  … 另有 {n - len(shown):,} 行" if zh else f"  … {n - len(shown):,} more")
    if r.duplicates_unchecked:
        out.append(f"注：前 {CHECKED_ROWS:,} 家企业之后的 {r.duplicates_unchecked:,} 行未检查是否重复" if zh else
                   f"note: {r.duplicates_unchecked:,} rows after the first {CHECKED_ROWS:,} companies were not "
                   f"checked for repeated companies")
    return out


def budget_notices(b: PolicyBudget, warnings_column: str = "warnings", lang: str = "en") -> list[str]:
    """What a batch's results under one policy must be read with, worded once for all its companies.

    The warnings ``calc`` gives each result (SPEC 9.3: may be superseded, end unknown; the table's
    notices, such as Beijing's one funding direction a year), with the companies they concern. ``lang`` "zh"
    (the budget view and the .xlsx budget sheet of ``batch --lang zh``): the end unknown, the fields not given
    and the reference rates used in Chinese, as calc --lang zh words them (the table's notices, policy data,
    as written).
    """
    zh = lang == "zh"
    lines = []
    if b.superseded_years:
        reported = b.successor.reported if b.successor is not None else None
        lines.append(may_be_superseded(b.superseded_years, reported, b.successor, lang))
    if b.validity_unknown is not None and b.companies > b.not_in_force:
        lines.append(validity_end_unknown(b.validity_unknown, lang))
    if b.not_targeted:
        if zh:
            lines.append(_not_targeted_companies_zh(b.not_targeted, b.not_targeted_related,
                                                    _names_zh(b.industries, b.industries_zh),
                                                    _names_zh(b.related_industries, b.related_industries_zh),
                                                    warnings_column))
        else:
            lines.append(not_targeted_companies(b.not_targeted, b.not_targeted_related, b.industries,
                                                b.related_industries, warnings_column))
    companies, colon = (_companies_zh, "：") if zh else (_companies, ": ")
    for n, k in zip(b.notices, b.notice_companies):
        if k:
            lines.append(f"{companies(k)}{colon}{n.text}")
    for (kind, fields), k in sorted(b.assumed.items()):  # calc's DEFAULT_USED / EXEMPTION_ASSUMED_FALSE
        said = default_used(fields[0], fields[1], lang) if kind == "default" else assumed_false(fields, lang)
        lines.append(f"{companies(k)}{colon}{said}")
    for (name, series, year, rate, on, published, unconfirmed), k in sorted(b.references.items()):
        if zh:
            which = "" if series == name else f"（{series}）"
            line = (f"{companies(k)}（{year} 财年）：未填 {name}，采用参考利率表的 {format_rate(rate, 2)}{which}，"
                    f"即 {on} 适用的利率（{published} 公布）")
            if unconfirmed:
                line += f"；注意：{on} 的利率尚未确认，请在文件中填写 {name}"
            lines.append(line)
            continue
        which = "" if series == name else f" ({series})"
        line = (f"{_companies(k)} of fiscal {year}: {name} not given: the reference table's {format_rate(rate, 2)}"
                f"{which} is used, the rate in force on {on} (published {published})")
        if unconfirmed:
            line += f"; WARNING: the rate on {on} is not confirmed: give {name} in the file"
        lines.append(line)
    return lines


def not_targeted_companies(k: int, related: int, industries: Sequence[str], related_tags: Sequence[str],
                           warnings_column: str = "warnings") -> str:
    """A batch's companies outside the policy's industries (calc: NOT TARGETED), in the budget view; where the
    output says so: its warnings column (as headed: 提示 with --lang zh), or, in the long layout, which has none,
    each clause's explanation.

    >>> not_targeted_companies(1, 0, ["software"], [])
    '1 company not targeted: its industries are none of software, so no clause applies (not_targeted in the warnings column)'
    >>> not_targeted_companies(2, 0, ["software"], [], "")[-43:]
    "applies (each clause's explanation says so)"
    """
    where = f"not_targeted in the {warnings_column} column" if warnings_column else "each clause's explanation says so"
    line = (f"{_companies(k)} not targeted: {'its' if k == 1 else 'their'} industries are none of {' or '.join(industries)}, so no clause "
            f"applies ({where})")
    if related:
        line += (f"; {related:,} of them {'has' if related == 1 else 'have'} a tag the text counts within "
                 f"{' or '.join(industries)} ({', '.join(related_tags)}): if such a firm is an "
                 f"{' or '.join(industries)} enterprise, add \"{industries[0]}\" to its industries")
    return line


def _not_targeted_companies_zh(k: int, related: int, names: Sequence[str], related_names: Sequence[str],
                               warnings_column: str = "提示") -> str:
    """:func:`not_targeted_companies` in Chinese, the industries by their Chinese names (``names``).

    >>> _not_targeted_companies_zh(2, 1, ["电子信息"], ["LED", "VR"])
    '2家企业不适用：其行业均不属于电子信息，没有适用的条款（见“提示”列的 not_targeted）；其中1家的行业标签为政策文本计入电子信息的行业（LED、VR）：如此类企业属于电子信息企业，请在行业中加上“电子信息”'
    """
    where = f"见“{warnings_column}”列的 not_targeted" if warnings_column else "各条款的说明中已注明"
    inds = _inline("或".join(names))
    line = f"{_companies_zh(k)}不适用：其行业均不属于{inds}，没有适用的条款（{where}）"
    if related:
        line += (f"；其中{related:,}家的行业标签为政策文本计入{inds}的行业（{'、'.join(related_names)}）：如此类企业属于"
                 f"{inds}企业，请在行业中加上“{names[0]}”")
    return line


def default_used(name: str, source: str, lang: str = "en") -> str:
    """DEFAULT_USED, in calc's warnings and batch's budget: "sales_revenue not given: revenue is used in its place";
    under --lang zh "未填 sales_revenue，以 revenue 代替"."""
    if lang == "zh":
        return f"未填 {name}，以 {source} 代替"
    return f"{name} not given: {source} is used in its place"


def assumed_false(fields: Sequence[str], lang: str = "en") -> str:
    """EXEMPTION_ASSUMED_FALSE: "is_new_entrant not given: treated as false, so the company cap applies"; under
    --lang zh "未填 is_new_entrant，按“否”处理，因此适用企业年度上限"."""
    if lang == "zh":
        return f"未填 {'、'.join(fields)}，按“否”处理，因此适用企业年度上限"
    return f"{', '.join(fields)} not given: treated as false, so the company cap applies"


def _companies(k: int) -> str:
    return f"{k:,} {'company' if k == 1 else 'companies'}"


def _companies_zh(k: int) -> str:
    return f"{k:,}家企业"


def _policy_name(pol: Policy) -> str:
    return pol.document_number or pol.title_zh or pol.id


# ---------------------------------------------------------------- conditions


def shortfall(cd: ConditionResult, lang: str = "en") -> str:
    """How far below its threshold a failed ``>=`` / ``>`` condition is ("" when not such a failure).

    >>> from .trace import Side
    >>> cd = ConditionResult("growth", "g >= 1亿", False, ">=", Side("g", Fraction(45_000_000), Kind.MONEY),
    ...                      Side("1亿", Fraction(100_000_000), Kind.MONEY))
    >>> shortfall(cd)
    '55,000,000.00 short of 100,000,000.00'
    """
    gap = cd.shortfall
    if gap is None or cd.right is None or cd.right.value is None:
        return ""
    threshold = value(cd.right.value, cd.right.kind)
    zh = lang == "zh"
    if cd.op == ">" and gap == 0:
        return f"须大于 {threshold}" if zh else f"must be more than {threshold}"
    gap_text = value(gap, cd.left.kind if cd.left else Kind.MONEY)
    if zh:
        return f"差 {gap_text}（{'须大于' if cd.op == '>' else '门槛'} {threshold}）"
    return f"{gap_text} short of {threshold}" + (" (must be more than it)" if cd.op == ">" else "")


#: the words of a condition's sentence per output language (--lang): met / not met, "is", "must be"
_CONDITION_WORDS = {
    "en": {"met": "met: ", "not_met": "not met: ", "sep": ": ", "is": "is ", "comma": ", ", "must": "must be "},
    "zh": {"met": "已满足：", "not_met": "未满足：", "sep": "：", "is": "实际 ", "comma": "，", "must": "须 "},
}


def condition_label(cd: ConditionResult, lang: str = "en") -> str:
    """The condition's label: in Chinese under --lang zh where the policy table gives one (``label_zh``)."""
    return cd.label_zh if lang == "zh" and cd.label_zh else cd.label


def condition(cd: ConditionResult, lang: str = "en") -> str:
    """The condition with the values it read: "revenue growth … ≥ 1亿: 45,000,000.00 ≥ 100,000,000.00"."""
    label, w = condition_label(cd, lang), _CONDITION_WORDS["zh" if lang == "zh" else "en"]
    if cd.op is not None and cd.left is not None and cd.right is not None:
        if cd.left.value is None or cd.right.value is None:
            return label
        lv, rv = value(cd.left.value, cd.left.kind), value(cd.right.value, cd.right.kind)
        return f"{label}{w['sep']}{lv} {OPS.get(cd.op, cd.op)} {rv}"
    shown = w["comma"].join(f"{fv.field} = {value(fv.value, fv.kind)}" for fv in cd.values)
    if lang == "zh":
        return f"{label}（{shown}）" if shown else label
    return f"{label} ({shown})" if shown else label


def not_met(cd: ConditionResult, lang: str = "en") -> str:
    """ "not met: revenue growth ≥ 1亿: is 45,000,000.00, 55,000,000.00 short of 100,000,000.00"; under --lang zh
    "未满足：营业收入增长 ≥ 1亿元：实际 45,000,000.00，差 55,000,000.00（门槛 100,000,000.00）"."""
    w = _CONDITION_WORDS["zh" if lang == "zh" else "en"]
    label = condition_label(cd, lang)
    gap = shortfall(cd, lang)
    if gap and cd.left is not None and cd.left.value is not None:
        return f"{w['not_met']}{label}{w['sep']}{w['is']}{value(cd.left.value, cd.left.kind)}{w['comma']}{gap}"
    if cd.op in ("<=", "<", "==") and cd.left is not None and cd.right is not None \
            and cd.left.value is not None and cd.right.value is not None:
        # "4 ≤ 3" read as a false statement of the tool's; say what the value is and what it must be
        return (f"{w['not_met']}{label}{w['sep']}{w['is']}{value(cd.left.value, cd.left.kind)}{w['comma']}"
                f"{w['must']}{OPS[cd.op]} {value(cd.right.value, cd.right.kind)}")
    return f"{w['not_met']}{condition(cd, lang)}"


def met(cd: ConditionResult, lang: str = "en") -> str:
    return f"{_CONDITION_WORDS['zh' if lang == 'zh' else 'en']['met']}{condition(cd, lang)}"


# ---------------------------------------------------------------- amounts and caps


def factor(f: Factor, lang: str = "en") -> str:
    """One factor of an amount: "86,400,000.00", "50%", "LPR 1y 3.10%", "lpr_1y 3.45% (given)"."""
    if f.value is None:
        return (f.label_zh if lang == "zh" and f.label_zh else f.label) or f.text or "?"
    if f.source == Source.REFERENCE and f.series:
        head, _, tail = f.series.partition("_")
        if lang == "zh" and tail in _TERM_ZH:  # "一年期LPR 3.10%"
            return f"{_TERM_ZH[tail]}{head.upper()} {format_rate(f.value, 2)}"
        return f"{head.upper()} {tail} {format_rate(f.value, 2)}".replace("  ", " ")
    if f.kind == Kind.RATE and f.field:
        return f"{f.field} {format_rate(f.value, 2)}"
    if f.kind == Kind.RATE or (f.source == Source.CONSTANT and f.kind == Kind.NUMBER):
        return format_rate(f.value)
    return value(f.value, f.kind)


#: a reference rate's term in Chinese: lpr_1y is 一年期LPR
_TERM_ZH = {"1y": "一年期", "5y": "五年期"}


def calculation(c: ClauseResult, lang: str = "en") -> str:
    """ "loans used for projects in Nanchang 86,400,000.00 × 50% × LPR 1y 3.10% = 1,339,200.00"; under --lang zh
    with the table's Chinese labels: "实际用于在昌项目的银行贷款 86,400,000.00 × 50% × 一年期LPR 3.10% = …"."""
    calc = c.calculation
    if calc is None:
        return ""
    if not c.status.computed and calc.raw == 0 and all(f.value for f in calc.factors) and calc.items != 0:
        # not eligible: no amount was computed, so no "= 0.00" after a product that is not 0 (9,000,000.00 × 50%
        # × LPR 3.10% is 139,500.00); a product that is 0 (a base of 0.00) may say so
        return _calculation(calc, c.basis, lang, result=False)
    return _calculation(calc, c.basis, lang)


def _calculation(calc: Calculation, basis: str, lang: str = "en", result: bool = True) -> str:
    zh = lang == "zh"
    # the scope of an up_to clause's own ceiling (SPEC 9.1), after the ceiling: "5,000,000.00 per year"
    # (a one-off award says so elsewhere: its ceiling needs no "once")
    per = ""
    if calc.ceiling_scope and calc.ceiling_scope != "once":
        per = f"（{calc.ceiling_scope_zh or scope_words(calc.ceiling_scope, lang)}）" if zh \
            else f" {scope_words(calc.ceiling_scope)}"

    def shown(f: Factor) -> str:
        return factor(f, lang) + (per if f.source == Source.CONSTANT and f.kind == Kind.MONEY else "")

    if calc.items is None and len(calc.factors) == 1 and calc.factors[0].source == Source.CONSTANT \
            and calc.factors[0].kind == Kind.MONEY:
        if zh:
            return f"{'上限' if basis == Basis.UP_TO else '定额'} {shown(calc.factors[0])}"
        return f"{'ceiling' if basis == Basis.UP_TO else 'fixed amount'} {shown(calc.factors[0])}"
    pieces = [shown(f) for f in calc.factors]
    label = next(((f.label_zh if zh and f.label_zh else f.label) for f in calc.factors
                  if f.label and f.value is not None), "")
    if calc.items is not None:
        if zh:  # "2个项目（smart_factory_investments），各 × 50%"
            counted = f"个{calc.item_label_zh}" if calc.item_label_zh else ITEM_ZH.get(calc.item_label, "项")
            head = f"{calc.items}{counted}（{calc.items_field}）"
            body = head + ("，各 × " + " × ".join(pieces) if pieces else "")
        else:
            head = f"{calc.items} {calc.item_label}(s) in {calc.items_field}"
            body = head + (", each × " + " × ".join(pieces) if pieces else "")
    else:
        body = " × ".join(pieces)
        if label:
            body = f"{label} {body}"
    if any(f.value is None for f in calc.factors) or not result:
        return body
    return f"{body} = {money(calc.raw, basis, lang)}"


def cap_event(e: CapEvent, basis: str = Basis.EXACT, lang: str = "en") -> str:
    """An item or clause cap that cut an amount (``lang``: the calc table's footnote in that language)."""
    limit = format_fen_grouped(e.limit) if e.limit is not None else "?"
    if lang == "zh":
        if e.kind == CapKind.ITEM:
            return f"{e.count} {ITEM_ZH.get(e.scope, '项')}按{scope_words(e.scope, lang)}上限 {limit} 核减"
        if e.kind == CapKind.CLAUSE:
            return (f"条款上限 {scope_words(e.scope, lang)} {limit}（{money(e.before, basis, lang)} → "
                    f"{money(e.after, basis, lang)}）")
        return f"企业年度上限 {limit}"
    if e.kind == CapKind.ITEM:
        return f"{e.count} {e.scope}(s) cut to the cap of {limit} per {e.scope}"
    if e.kind == CapKind.CLAUSE:
        return f"clause cap {limit} {scope_words(e.scope)} applied ({money(e.before, basis)} → {money(e.after, basis)})"
    return f"company annual cap {limit}"


#: a cap's scope in Chinese (--lang zh), as the texts word it: 每年, 每个项目 …
SCOPE_ZH = {"year": "每年", "project": "每个项目", "event": "每场活动", "unit": "每台（套）", "once": "一次性",
            "firm": "每家企业", "product": "每个产品"}
#: what an item of each scope is counted in ("3 个项目")
ITEM_ZH = {"project": "个项目", "event": "场活动", "unit": "台（套）", "firm": "家企业", "product": "个产品"}


def section(source: str, source_zh: str, lang: str = "en") -> str:
    """A clause's section as a reader sees it: under --lang zh the table's ``section_zh`` where it gives one
    (calc's table, its not-evaluated list and planning section, compare's top clauses and unlocks).

    >>> section("三(一)", "", "zh"), section("设立机器人产业基金 (part heading not stated)", "设立机器人产业基金", "zh")
    ('三(一)', '设立机器人产业基金')
    """
    return source_zh or source if lang == "zh" else source


def scope_words(scope: str, lang: str = "en") -> str:
    """ "per year", "per project", "once" …; under --lang zh 每年, 每个项目, 一次性 …

    >>> scope_words("year"), scope_words("once"), scope_words(""), scope_words("project", "zh")
    ('per year', 'once', '', '每个项目')
    """
    if not scope:
        return ""
    if lang == "zh":
        return SCOPE_ZH.get(scope, f"每{scope}")
    return "once" if scope == "once" else f"per {scope}"


def cap_short(e: CapEvent, item_label: str = "", lang: str = "en") -> str:
    """A cap's short label for a table cell: "clause cap", "per-project cap"; 条款上限, 每个项目上限."""
    if lang == "zh":
        return f"{scope_words(e.scope or item_label, lang)}上限" if e.kind == CapKind.ITEM else "条款上限"
    return f"per-{e.scope or item_label} cap" if e.kind == CapKind.ITEM else "clause cap"


def group_decision(d: GroupDecision, status: Status) -> str:
    """The exclusive-group sentence as seen from one member."""
    if status == Status.EXCLUDED:
        why = "is equal and listed first in the group (a tie goes to the first listed)" if d.tie else "is higher"
        return (f"exclusive group '{d.group}' (就高不就低): {d.winner} {why}; this clause's "
                f"{format_fen_grouped(d.this_amount)} is forgone")
    return f"exclusive group '{d.group}' (就高不就低): kept over " + ", ".join(
        f"{cid} ({format_fen_grouped(fen)})" for cid, fen in d.forgone)


def group_footnote(winner: ClauseResult, d: GroupDecision, lang: str = "en") -> str:
    """The footnote of a group decision, from the winner's side."""
    if lang == "zh":
        where = f"（{d.section_zh or d.section}）" if d.section else ""
        forgone = "、".join(f"{cid}（{format_fen_grouped(fen)}）" for cid, fen in d.forgone)
        return (f"同组就高不就低 '{d.group}'{where}：保留 {winner.id} {money(winner.amount, winner.basis, lang)}，"
                f"不叠加 {forgone}")
    where = f", {d.section}" if d.section else ""
    kept = "kept over " + ", ".join(f"{cid} ({format_fen_grouped(fen)})" for cid, fen in d.forgone)
    return (f"exclusive group '{d.group}' (就高不就低{where}): {winner.id} {money(winner.amount, winner.basis)} "
            f"{kept}; the others are excluded")


def company_cut(c: ClauseResult) -> str:
    if c.company_cut is None:
        return ""
    before, after = c.company_cut
    return f"company annual cap: cut from {format_fen_grouped(before)} to {format_fen_grouped(after)}"


def times(formula: str) -> str:
    """A table's formula as the reader sees it: ``5% * sales_revenue`` is ``5% × sales_revenue``."""
    return formula.replace("*", "×")


#: the company cap's sentence per outcome and output language (--lang): {head}, {base} (its formula and
#: limit), {before} / {after} (the counted sum and what it was cut to), {note}, {missing}
_COMPANY_CAP_WORDS = {
    "en": {"head": "company annual cap", "section": "company annual cap ({section})",
           CapState.APPLIED: "{head}: {base}; the counted clauses summed to {before} and were cut proportionally "
                             "(largest remainder on the last fen) to {after}",
           "at_limit": "{head}: {base}; the counted clauses sum to exactly the limit, not above it: nothing cut",
           CapState.NOT_REACHED: "{head}: {base}; not reached",
           CapState.NOT_APPLICABLE: "{head}: not applicable: the year is outside the policy's validity",
           CapState.EXEMPT: "company annual cap not applied: {note}",
           CapState.WAIVED: "company annual cap waived: {note}",
           CapState.UNKNOWN: "company annual cap could not be checked: add {missing}", "sep": ", "},
    "zh": {"head": "企业年度上限", "section": "企业年度上限（{section}）",
           CapState.APPLIED: "{head}：{base}；计入的条款合计 {before}，按比例核减至 {after}（最后一分按最大余数分配）",
           "at_limit": "{head}：{base}；计入的条款合计正好等于上限，未超过，不核减",
           CapState.NOT_REACHED: "{head}：{base}；未达到",
           CapState.NOT_APPLICABLE: "{head}：不适用，年度不在政策有效期内",
           CapState.EXEMPT: "企业年度上限不适用：{note}",
           CapState.WAIVED: "企业年度上限不予适用（用户声明）：{note}",
           CapState.UNKNOWN: "企业年度上限无法核对：请补充 {missing}", "sep": "、"},
}


def company_cap(cc: CompanyCap, lang: str = "en") -> str:
    """The per-company cap in one sentence, whatever its outcome (``lang``: the calc table's footnote)."""
    w: dict[object, str] = _COMPANY_CAP_WORDS["zh" if lang == "zh" else "en"]  # type: ignore[assignment]
    limit = format_fen_grouped(cc.limit) if cc.limit is not None else "?"
    key: object = cc.state
    if cc.state == CapState.NOT_REACHED and cc.limit is not None and cc.before == cc.limit:
        key = "at_limit"  # at the limit, not above it: nothing to cut
    shape = w.get(key)
    if shape is None:
        return ""
    section = cc.section_zh if lang == "zh" and cc.section_zh else cc.section
    return shape.format(head=w["section"].format(section=section) if section else w["head"],
                        base=f"{times(cc.limit_text)} = {limit}", before=format_fen_grouped(cc.before),
                        after=format_fen_grouped(cc.after), note=cc.note, missing=w["sep"].join(cc.missing))


# ---------------------------------------------------------------- a clause


def clause_explanation(c: ClauseResult, lang: str = "en") -> str:
    """The whole explanation of one clause (JSON ``explanation``, the batch long layout: English, the
    contract's words); ``lang="zh"`` for calc's table of a clause not eligible with no condition failed (its
    conditions met, the industries the policy targets, its calculation, its caps and range in Chinese)."""
    zh = lang == "zh"
    parts: list[str] = []
    failed = [cd for cd in c.conditions if cd.held is False]
    held = [cd for cd in c.conditions if cd.held]
    if c.status == Status.EXPIRED:
        return f"not computed: {c.year} is outside the policy's validity"
    if c.status == Status.MISSING_INPUT:
        parts.append(missing_phrase(c.missing))
    sep = "；" if zh else "; "
    if failed:
        parts.append(sep.join(not_met(cd, lang) for cd in failed))
    elif held and c.status != Status.MISSING_INPUT:
        parts.append(sep.join(met(cd, lang) for cd in held))
    if c.status == Status.NOT_ELIGIBLE and not failed and c.not_targeted:
        parts.append(not_targeted_phrase(c.not_targeted, lang, c.not_targeted_zh))
    calc = calculation(c, lang)
    if c.status.computed and calc:
        parts.append(calc)
    if c.status == Status.NOT_ELIGIBLE and not failed and calc and not c.not_targeted:
        parts.append(f"{calc}：金额为零" if zh else f"{calc}: amount is zero")
    if c.status == Status.DISCRETIONARY:
        parts.append(discretionary_phrase(c.notes))
    elif c.basis == Basis.UP_TO and c.status.counted:
        parts.append(CEILING_OF_RANGE if c.amount_min is not None else CEILING)
    if c.caveat and c.status.counted:
        parts.append(c.caveat)
    parts.extend(cap_event(e, c.basis, lang) for e in c.caps)
    if c.group_decision is not None:
        parts.append(group_decision(c.group_decision, c.status))
    if c.company_cut is not None:
        parts.append(company_cut(c))
    parts.append(range_note(c, lang))
    return sep.join(p for p in parts if p)


CEILING = "the text sets only a ceiling: the amount shown is the most that can be granted"
#: an up_to clause whose text states a minimum too (SPEC 9.2: "每项给予100-200万元")
CEILING_OF_RANGE = "the text sets a range: the amount shown is its top, the most that can be granted"


def missing_phrase(fields: Sequence[str]) -> str:
    return f"not evaluated: add {', '.join(fields) or 'the missing field'} to the profile"


def not_targeted_phrase(industries: Sequence[str], lang: str = "en", names_zh: Sequence[str] = ()) -> str:
    """``the policy targets electronic-information enterprises``; under --lang zh by the industries' Chinese
    names (``names_zh``, the policy's: 本政策适用于电子信息企业), as the planning section's 本政策适用于 gives them."""
    if lang == "zh":
        return f"本政策适用于{_inline('、'.join(_names_zh(industries, names_zh)))}企业"
    return f"the policy targets {', '.join(industries)} enterprises"


def discretionary_phrase(notes: Sequence[str]) -> str:
    return "the text fixes no amount: " + (notes[0] if notes else "awarded case by case")


def outline(*, status: Status, year: int, missing: Sequence[str], failed: Sequence[str], held: Sequence[str],
            calc: str, item_cap: str, clause_cap: str, group: str, winner: str, tie: bool, company_cut: str,
            not_targeted: Sequence[str], basis: str, notes: Sequence[str],
            validity: tuple[dt.date, dt.date | None, Successor | None] | None = None,
            minimum: bool = False) -> str:
    """The explanation of the batch long layout, without per-row figures (they are in its amount columns).

    Built from the same phrases as ``clause_explanation``, for a combination of facts shared by many rows.
    ``validity``: the policy's start, end and successor, for an expired clause's words (SPEC 9.3);
    ``minimum``: an up_to clause's figure is the top of a range the text states (its row's ``amount_min``).
    """
    if status == Status.EXPIRED:
        return not_computed(year, *validity) if validity is not None else \
            f"not computed: {year} is outside the policy's validity"
    if status == Status.MISSING_INPUT:
        return missing_phrase(missing)
    if status == Status.NOT_ELIGIBLE:
        if failed:
            return "; ".join(f"not met: {label}" for label in failed)
        if not_targeted:
            return not_targeted_phrase(not_targeted)
        return f"{calc}: amount is zero" if calc else "not eligible"
    parts = ["met: " + "; ".join(held)] if held else []
    if status == Status.DISCRETIONARY:
        parts.append(discretionary_phrase(notes))
        return "; ".join(parts)
    parts += [calc, item_cap, clause_cap]
    if status == Status.EXCLUDED and winner:
        why = "is equal and listed first in the group (a tie goes to the first listed)" if tie else "is higher"
        parts.append(f"exclusive group '{group}' (就高不就低): {winner} {why}; this clause is forgone")
    parts.append(company_cut)
    if basis == Basis.UP_TO and status.counted:
        parts.append(f"{CEILING_OF_RANGE}; amount_min is the least the text states" if minimum else CEILING)
    return "; ".join(p for p in parts if p)


# ---------------------------------------------------------------- the whole result


def reference(ref: ReferenceUse) -> str:
    """ "lpr_1y = 3.45%: the rate in force on 2023-12-31 (published 2023-08-21; reference table)"."""
    if ref.source == Source.GIVEN:
        return f"{ref.field} = {format_rate(ref.rate, 2)}: given in the profile"
    text = (f"{ref.series} = {format_rate(ref.rate, 2)}: the rate in force on {ref.as_of} "
            f"(published {ref.effective}; reference table)")
    if ref.unconfirmed:
        text += (f"; WARNING: the table is confirmed only to {ref.confirmed_through}, the rate on {ref.as_of} "
                 f"may differ: give {ref.field} in the profile")
    return text


def _notice_zh(n: Notice, r: PolicyResult) -> str | None:
    """The warnings a Chinese reader meets most, in Chinese (None: the English sentence is kept, with its
    notes and quotes from the policy table)."""
    pol = r.policy
    period = f"{pol.valid_from} 至 {pol.valid_until or '终止日期未知'}"
    k = n.kind
    if k == NoticeKind.DEFAULT_USED:
        name, source = n.fields
        return default_used(name, source, "zh")
    if k == NoticeKind.EXEMPTION_ASSUMED_FALSE:
        return assumed_false(n.fields, "zh")
    if k == NoticeKind.COMPANY_CAP_UNCHECKED:
        return f"企业年度上限（{n.text}）未核对：缺少 {'、'.join(n.fields)}，合计可能偏高"
    if k == NoticeKind.NOT_TARGETED:
        return (f"本政策适用于{policy_industries(pol, 'zh')}企业；本企业的行业为 [{company_industries(r, 'zh')}]："
                f"没有适用的条款{related_hint(pol, r.industries, 'zh')}")
    if k == NoticeKind.INDUSTRIES_MISSING:
        return (f"未填行业（industries）：请填写，例如 \"行业\" = [\"{_names_zh(pol.industries, pol.industries_zh)[0]}\"]，"
                f"以确定适用的条款")
    if k == NoticeKind.OUTSIDE_VALIDITY:
        return f"{n.year} 财年不在政策有效期内（{period}）：所有条款均未计算（加 --ignore-validity 可作假设计算）"
    if k == NoticeKind.HYPOTHETICAL:
        return f"{n.year} 财年不在政策有效期内（{period}）：因 --ignore-validity 仍作计算，所有金额均为假设"
    if k == NoticeKind.REFERENCE_UNCONFIRMED:
        return f"{n.fields[0]}：{n.date} 之后的参考利率尚未确认；请在企业信息中填写 {n.fields[0]} = \"x.xx%\""
    if k == NoticeKind.GROUP_UNDECIDED:
        return (f"同组就高不就低 '{n.group}' 的选择未计入 {'、'.join(n.clauses)}（缺少数据）：补充 "
                f"{'、'.join(n.fields)} 后结果可能改变")
    if k == NoticeKind.COMPANY_CAP_EXEMPT:
        return f"企业年度上限不适用：{n.text}"
    if k == NoticeKind.COMPANY_CAP_WAIVED:
        return f"企业年度上限按用户声明不予适用：{n.text}"
    if k == NoticeKind.VALIDITY_END_UNKNOWN:
        return validity_end_unknown(n.text, "zh")
    if k == NoticeKind.PLAUSIBILITY and n.text_zh:
        return n.text_zh
    if k == NoticeKind.POLICY_ENDED:
        tail = "" if r.hypothetical else "；加 --ignore-validity 可作假设计算"
        return (f"{_policy_name(pol)}的条款均不适用于 {n.year} 财年：该政策已于 {n.date} 终止；"
                f"{_successor_zh(pol.successor)}{tail}")
    if k == NoticeKind.MAY_BE_SUPERSEDED:
        known = f"；{_successor_zh(pol.successor)}" if pol.successor is not None else ""
        return (f"结果可能已被新政策取代：{_policy_name(pol)}的终止日期未知，{n.date} 已有后续文本的报道（{n.year} "
                f"财年在此日期或之后）{known}")
    if k == NoticeKind.UNREAD_FIELDS:
        owners = list(dict.fromkeys(n.policies))
        named = "；".join(f"{'、'.join(f for f, o in zip(n.fields, n.policies) if o == pid)}（{pid} 读取）"
                         for pid in owners)
        one = len(owners) == 1
        return (f"本次计算的政策不读取以下字段，它们对本结果没有影响：{named}；如需一并适用{'该政策' if one else '这些政策'}，"
                f"请同时指定（calc --policy {','.join([pol.id, *owners])}；或用 compare 对比"
                f"{'其城市' if one else '这些城市'}）")
    if k == NoticeKind.REPLACES_BUNDLED:
        return (f"已替换内置政策表：此表（{visible(pol.path)}）由 --policies-dir / $INCENTIVES_POLICIES_DIR 载入，"
                f"取代内置的 {visible(n.text)}")
    return None


def notice(n: Notice, r: PolicyResult, lang: str = "en") -> str:
    """One warning about a result (``lang``: the common ones in Chinese, ``_notice_zh``)."""
    if lang == "zh" and (zh := _notice_zh(n, r)) is not None:
        return zh
    pol = r.policy
    period = f"{pol.valid_from} … {pol.valid_until or 'end unknown'}"
    k = n.kind
    if k == NoticeKind.REPLACES_BUNDLED:
        return (f"REPLACES BUNDLED POLICY: this table ({visible(pol.path)}) was loaded from --policies-dir / "
                f"$INCENTIVES_POLICIES_DIR in place of the bundled {visible(n.text)}")
    if k == NoticeKind.POLICY_ENDED:
        known = successor(pol.successor) if pol.successor is not None else "the policy table says nothing of a successor"
        tail = "" if r.hypothetical else "; --ignore-validity computes a hypothetical result"
        return (f"no clause of {_policy_name(pol)} is in force for fiscal {n.year}: it ended on {n.date}; "
                f"{known}{tail}")
    if k == NoticeKind.MAY_BE_SUPERSEDED:
        known = successor(pol.successor) if pol.successor is not None else ""
        return (f"the result may be superseded: the end of {_policy_name(pol)} is unknown and a later text was "
                f"reported on {n.date} (fiscal {n.year} is on or after it): {known}")
    if k == NoticeKind.OUTSIDE_VALIDITY:
        return (f"{n.year} is outside the policy's validity ({period}): every clause is expired "
                f"(use --ignore-validity to compute a hypothetical result)")
    if k == NoticeKind.HYPOTHETICAL:
        return (f"{n.year} is outside the policy's validity ({period}): computed anyway with --ignore-validity; "
                f"every figure is HYPOTHETICAL")
    if k == NoticeKind.VALIDITY_END_UNKNOWN:
        return validity_end_unknown(n.text)
    if k == NoticeKind.UNREAD_FIELDS:
        owners = list(dict.fromkeys(n.policies))
        named = "; ".join(f"{', '.join(f for f, o in zip(n.fields, n.policies) if o == pid)} (read by {pid})"
                          for pid in owners)
        return (f"not read by the policies evaluated here, so they change nothing in this result: {named}; to "
                f"apply {'that policy' if len(owners) == 1 else 'those policies'} as well, name {'it' if len(owners) == 1 else 'them'} "
                f"too (calc --policy {','.join([pol.id, *owners])}; or compare "
                f"{'its city' if len(owners) == 1 else 'their cities'})")
    if k == NoticeKind.NOT_TARGETED:
        return (f"This policy targets {', '.join(pol.industries)} enterprises; the company's industries are "
                f"[{value(r.industries, Kind.TAGS)}]: no clause applies{related_hint(pol, r.industries)}")
    if k == NoticeKind.INDUSTRIES_MISSING:
        return f"industries is missing: add it (e.g. industries = [\"{pol.industries[0]}\"]) to see which clauses apply"
    if k == NoticeKind.DEFAULT_USED:
        return default_used(*n.fields)
    if k == NoticeKind.REFERENCE_UNCONFIRMED:
        return (f"{n.fields[0]}: reference rate after {n.date} is unconfirmed; pass {n.fields[0]} = \"x.xx%\" "
                f"to be sure")
    if k == NoticeKind.COMPANY_CAP_EXEMPT:
        return f"Company cap not applied: {n.text}"
    if k == NoticeKind.COMPANY_CAP_WAIVED:
        return f"Company cap waived on the user's assertion: {n.text}"
    if k == NoticeKind.COMPANY_CAP_UNCHECKED:
        return (f"Company annual cap ({n.text}) not checked: {', '.join(n.fields)} missing; "
                f"the total may be too high")
    if k == NoticeKind.EXEMPTION_ASSUMED_FALSE:
        return assumed_false(n.fields)
    if k == NoticeKind.GROUP_UNDECIDED:
        return (f"exclusive group '{n.group}' (就高不就低) was decided without {', '.join(n.clauses)} (missing input): "
                f"the choice may change once {', '.join(n.fields)} is given")
    return n.text


def banner(r: PolicyResult, lang: str = "en") -> str:
    """The first line of a result that does not apply as is ("" when it does): NOT IN FORCE (SPEC 9.3: the end
    and what is known of a successor), NOT TARGETED, INDUSTRIES UNKNOWN. Under --lang zh the verdict is wholly
    Chinese (不在有效期内 / 不适用 / 行业未填), with the same facts as the English; the policy table's notes (the
    successor, the sentence counting related industries in) as written."""
    pol = r.policy
    zh = lang == "zh"
    ended = next((n for n in r.notices if n.kind == NoticeKind.POLICY_ENDED), None)
    if ended is not None:
        if not zh:
            return "NOT IN FORCE: " + notice(ended, r)
        until = pol.valid_until.isoformat() if pol.valid_until else "终止日期未知"
        then = "以下为假设计算（--ignore-validity），所有金额均为假设" if r.hypothetical else "不计算任何条款"
        tail = "" if r.hypothetical else "；加 --ignore-validity 可作假设计算"
        return (f"不在有效期内：{r.year} 财年不在{pol.document_number or pol.title_zh}有效期内"
                f"（{pol.valid_from.isoformat()} 至 {until}），{then}；{_successor_zh(pol.successor)}{tail}。")
    if r.targeted is False:
        if zh:
            return (f"不适用：本政策适用于{policy_industries(pol, lang)}企业，本企业的行业为 "
                    f"[{company_industries(r, lang) or '未填'}]，没有适用的条款{related_hint(pol, r.industries, lang)}。")
        return (f"NOT TARGETED: applies to {policy_industries(pol)} enterprises; this profile's industries: "
                f"{company_industries(r) or 'none'}{related_hint(pol, r.industries)}")
    if r.targeted is None and pol.industries:
        if zh:
            return (f"行业未填：本政策适用于{policy_industries(pol, lang)}企业，请填写行业（industries），例如 "
                    f"\"行业\" = [\"{_names_zh(pol.industries, pol.industries_zh)[0]}\"]。")
        return (f"INDUSTRIES UNKNOWN: applies to {policy_industries(pol)} enterprises; add industries = "
                f"[\"{pol.industries[0]}\"] to the profile")
    return ""


def _successor_zh(s: Successor | None) -> str:
    """What is known of a successor, under --lang zh: the table's note (policy data) as written, dated."""
    return f"后续政策（截至 {s.as_of}）：{s.note}" if s is not None else "政策表未载明后续政策"


def warnings(r: PolicyResult, lang: str = "en") -> tuple[str, ...]:
    """Every warning of a result, worded (JSON ``warnings``: English; compare's warning lines, in ``lang``)."""
    return tuple(notice(n, r, lang) for n in r.notices)


def city_statement(city: str, r: PolicyResult, company: str, industries: Sequence[str], lang: str = "en") -> str:
    """compare's plain-language status of a city's policy for this company ("" when it simply applies): not
    targeted, industries unknown, not in force, hypothetical. ``industries``: the profile's tags, safe to print
    (English); under --lang zh the result's, by their Chinese names."""
    pol = r.policy
    zh = lang == "zh"
    if r.targeted is False:
        if zh:
            return (f"{city}：{pol.id} 适用于{policy_industries(pol, lang)}企业；{_inline(company)}的行业为 "
                    f"[{company_industries(r, lang)}]：没有适用的条款，合计 0.00")
        return (f"{city}: {pol.id} targets {', '.join(pol.industries)} enterprises; {company}'s industries are "
                f"[{', '.join(industries)}]: no clause applies, total 0.00")
    if r.targeted is None and pol.industries:
        if zh:
            return (f"{city}：未填行业，无法确定 {pol.id}（适用于{policy_industries(pol, lang)}企业）是否适用：请填写，例如 "
                    f"\"行业\" = [\"{_names_zh(pol.industries, pol.industries_zh)[0]}\"]")
        return (f"{city}: industries not given, so it is unknown whether {pol.id} (for "
                f"{', '.join(pol.industries)} enterprises) applies: add industries = [\"{pol.industries[0]}\"]")
    ended = next((n for n in r.notices if n.kind == NoticeKind.POLICY_ENDED), None)
    if ended is not None and not r.hypothetical:  # SPEC 9.3: the end date and what is known of a successor
        return f"{city}{'：' if zh else ': '}{notice(ended, r, lang)}"
    if r.clauses and all(c.status == Status.EXPIRED for c in r.clauses):
        if zh:
            end = pol.valid_until.isoformat() if pol.valid_until else "终止日期未知"
            return (f"{city}：{r.year} 财年不在 {pol.id} 有效期内（{pol.valid_from} 至 {end}）：所有条款均未计算"
                    f"（加 --ignore-validity 可作假设计算）")
        end = pol.valid_until.isoformat() if pol.valid_until else "end unknown"
        return (f"{city}: {r.year} is outside the validity of {pol.id} ({pol.valid_from} … {end}): every clause "
                f"expired (--ignore-validity computes a hypothetical result)")
    if r.hypothetical:
        if zh:
            return f"{city}：假设计算：{r.year} 财年不在 {pol.id} 有效期内，因 --ignore-validity 仍作计算"
        return f"{city}: HYPOTHETICAL: {r.year} is outside the validity of {pol.id}, computed with --ignore-validity"
    return ""


def first_notices(r: PolicyResult, lang: str = "en") -> tuple[str, ...]:
    """The warnings a reader must see before the figures: a replaced bundled table, implausible inputs, a
    result that a later text may supersede (SPEC 9.3)."""
    return tuple(notice(n, r, lang) for n in r.notices if n.kind in FIRST)


def later_notices(r: PolicyResult) -> tuple[str, ...]:
    """The other warnings, shown after the totals."""
    return tuple(notice(n, r) for n in r.notices if n.kind not in FIRST)


FIRST = (NoticeKind.REPLACES_BUNDLED, NoticeKind.PLAUSIBILITY, NoticeKind.UNREAD_FIELDS, NoticeKind.MAY_BE_SUPERSEDED)


def company(r: PolicyResult) -> str:
    """The company's name, safe to print."""
    return visible(r.company)


def references(r: PolicyResult) -> tuple[str, ...]:
    """Every reference rate of a result, worded."""
    return tuple(reference(ref) for ref in r.references)


# ---------------------------------------------------------------- planning: what-if, headroom, cliffs (planning.py)


def signed(fen: int, ceiling: bool = False, lang: str = "en") -> str:
    """A difference of money: "+1,000.00", "-20,000,000.00", "0.00"; "up to +800.00" when it is the
    difference of up-to ceilings (SPEC §3: an up-to figure is never presented as certain, nor is a change of one);
    no difference at all is 0.00 either way.

    >>> signed(100000), signed(-2000000000), signed(0), signed(80000, ceiling=True), signed(0, ceiling=True)
    ('+1,000.00', '-20,000,000.00', '0.00', 'up to +800.00', '0.00')
    >>> signed(80000, ceiling=True, lang="zh")
    '最高 +800.00'
    """
    figure = ("+" if fen > 0 else "") + format_fen_grouped(fen)
    return f"{qualifier('up to', lang)} {figure}" if ceiling and fen else figure


def clause_change(d, lang: str = "en") -> str:
    """A clause's difference between two results (what-if, what would unlock more): :func:`signed`, and where
    either amount is a lower bound (SPEC 9.2: the company cap counted up-to ceilings), the difference between
    the upper figures too: "+3,947,368.42 (+4,411,764.71 if the up-to awards are granted below their
    ceilings)"."""
    low = signed(d.diff, d.counts_ceiling, lang)
    top = d.diff_max
    if top is None or top == d.diff:
        return low
    if lang == "zh":
        return f"{low}（{BELOW_CEILINGS_ZH}，{signed(top, lang='zh')}）"
    return f"{low} ({signed(top)} {BELOW_CEILINGS})"


def setting(s, lang: str = "en") -> str:
    """One --set: "rd_staff 420 → 99", "has_rd_center true → (removed)"; under --lang zh "rd_staff 420 → 99",
    "has_rd_center 是 → （已删除）", "is_new_entrant 未填 → 是" (a yes/no field as a Chinese profile writes it)."""
    if lang == "zh":
        def typed(v: object) -> str:
            return ("是" if v else "否") if isinstance(v, bool) else _typed(v, s.kind)

        after = "（已删除）" if s.after is None else typed(s.after)
        before = "未填" if s.before is None else typed(s.before)
        return f"{s.field}（{s.field_zh}） {before} → {after}" if s.field_zh else f"{s.field} {before} → {after}"
    after = "(removed)" if s.after is None else _typed(s.after, s.kind)
    before = "not given" if s.before is None else _typed(s.before, s.kind)
    return f"{s.field} {before} → {after}"


def _typed(v: object, kind: Kind) -> str:
    """A value as the profile holds it (money in 1/10000 yuan, rates in millionths) in its own unit."""
    if isinstance(v, bool) or kind in (Kind.TEXT, Kind.TAGS):
        return value(v, kind)
    if isinstance(v, tuple):
        return value(tuple(Fraction(int(x), 10_000) for x in v), Kind.MONEY_LIST)
    if kind == Kind.MONEY:
        return value(Fraction(int(v), 10_000), kind)  # type: ignore[call-overload]
    if kind == Kind.RATE:
        return value(Fraction(int(v), 1_000_000), kind)  # type: ignore[call-overload]
    return value(v, kind)


def move(m, lang: str = "en") -> str:
    """A field moved to meet a condition: "rd_staff 92 → 100 (+8)", "has_rd_center: false → true"; under
    --lang zh "rd_staff 92 → 100（+8）", "has_rd_center：未填 → true"."""
    from .planning import MoveKind

    zh = lang == "zh"
    # under --lang zh the field by its Chinese name too, as "需补充 ipo_completed（首发上市）" gives it
    name = f"{m.field}（{m.field_zh}）" if zh and m.field_zh else m.field
    if m.kind != MoveKind.NUMBER:
        if zh:  # 是 / 否, as a Chinese profile or sheet writes a yes/no field
            before = "未填" if m.before is None else "是" if m.before else "否"
            return f"{name}：{before} → {'是' if m.after else '否'}"
        return f"{m.field}: {value(m.before, Kind.BOOL)} → {value(m.after, Kind.BOOL)}"
    after = value(m.after, m.value_kind)
    if m.before is None:
        return f"{name} {'未填' if zh else 'missing'} → {after}"
    step = m.step
    sign = "+" if step >= 0 else "-"
    shown = f"{sign}{value(abs(step), m.value_kind)}"
    return f"{name} {value(m.before, m.value_kind)} → {after}" + (f"（{shown}）" if zh else f" ({shown})")


def change(ch, d=None, lang: str = "en") -> str:
    """Why a clause (or the company cap) moved between two results (``lang``: the company cap's in Chinese)."""
    from .planning import ChangeKind as K

    limit = format_fen_grouped(ch.limit) if ch.limit is not None else "?"
    k = ch.kind
    if lang == "zh":
        return _change_zh(ch, d, limit)
    if k == K.CONDITION_MET:
        return "condition now met: " + "; ".join(ch.conditions)
    if k == K.CONDITION_FAILED:
        return "condition now failed: " + "; ".join(ch.conditions)
    if k == K.INPUT_COMPLETE:
        return "now evaluated: its inputs are given"
    if k == K.INPUT_MISSING:
        fields = ", ".join(d.after.missing) if d is not None and d.after.missing else "the missing field"
        return f"not evaluated any more: add {fields}"
    if k == K.CAP_BINDING:
        return f"its cap of {limit} is now binding"
    if k == K.CAP_RELEASED:
        return f"its cap of {limit} no longer binds"
    if k == K.ITEM_CAP:
        return f"items cut to the per-item cap of {limit}: {ch.count_before} → {ch.count_after}"
    if k == K.VALIDITY:
        if d is not None and d.before.status == Status.EXPIRED:
            return "the policy is in force for the new fiscal year"
        return "the policy is not in force for the new fiscal year (outside its validity)"
    if k == K.GROUP_WINNER:
        return (f"group '{ch.group}' (就高不就低) winner changed from {ch.before or 'none'} to "
                f"{ch.after or 'none'}")
    if k == K.COMPANY_CAP_BINDING:
        return "company annual cap now binding" + (f" (limit {limit})" if ch.limit is not None else "")
    if k == K.COMPANY_CAP_RELEASED:
        return "company annual cap no longer binding" + (f" (limit {limit})" if ch.limit is not None else "")
    if k == K.COMPANY_CUT:
        return "the company annual cap cuts it differently"
    if k == K.AMOUNT:
        if d is not None:
            return (f"amount before caps {money(d.before.raw_amount, d.before.basis)} → "
                    f"{money(d.after.raw_amount, d.after.basis)}")
        return "the inputs of its amount changed"
    if d is not None:
        return f"status {STATUS_TEXT[d.before.status]} → {STATUS_TEXT[d.after.status]}"
    return "status changed"


def _change_zh(ch, d, limit: str) -> str:
    """``change`` under --lang zh: the conditions by their Chinese labels, the statuses as the clause table's."""
    from .planning import ChangeKind as K

    k = ch.kind
    shown = f"（上限 {limit}）" if ch.limit is not None else ""
    if k in (K.CONDITION_MET, K.CONDITION_FAILED):
        labels = "；".join(ch.conditions_zh or ch.conditions)
        return f"{'条件现已满足' if k == K.CONDITION_MET else '条件现已不满足'}：{labels}"
    if k == K.INPUT_MISSING:
        fields = "、".join(d.after.missing) if d is not None and d.after.missing else "所缺数据"
        return f"不再计算：需补充 {fields}"
    if k == K.ITEM_CAP:
        return f"按每项上限 {limit} 核减的项目：{ch.count_before} → {ch.count_after}"
    if k == K.VALIDITY:
        if d is not None and d.before.status == Status.EXPIRED:
            return "新的财年在政策有效期内"
        return "新的财年不在政策有效期内（超出有效期）"
    if k == K.GROUP_WINNER:
        return f"'{ch.group}' 组（就高不就低）保留的条款由 {ch.before or '无'} 改为 {ch.after or '无'}"
    if k == K.AMOUNT:
        if d is not None:
            return (f"封顶前金额 {money(d.before.raw_amount, d.before.basis, 'zh')} → "
                    f"{money(d.after.raw_amount, d.after.basis, 'zh')}")
        return "金额的计算数据有变化"
    if k == K.STATUS and d is not None:
        return f"状态 {STATUS_TEXT_ZH[d.before.status]} → {STATUS_TEXT_ZH[d.after.status]}"
    return {K.INPUT_COMPLETE: "现已计算：所需数据已填写",
            K.CAP_BINDING: f"现已达到本条款上限 {limit}",
            K.CAP_RELEASED: f"不再受本条款上限 {limit} 限制",
            K.COMPANY_CAP_BINDING: f"企业年度上限开始适用{shown}",
            K.COMPANY_CAP_RELEASED: f"企业年度上限不再适用{shown}",
            K.COMPANY_CUT: "企业年度上限的核减方式改变"}.get(k, "状态改变")


def clause_delta(d) -> str:
    """ "rd_center 20,000,000.00 → 0.00 (-20,000,000.00)"."""
    return (f"{d.id} {money(d.before.amount, d.before.basis)} → {money(d.after.amount, d.after.basis)} "
            f"({clause_change(d)})")


#: the words of "what would unlock more" under --lang zh (the English are in unlock itself)
_UNLOCK_ZH = {"add": "需补充 {fields}", "industries": "（本政策适用于{industries}企业）",
              "most_each": "{each}最高 {most}", "most": "最高 {most}", "most_scope": "{scope}最高 {most}",
              "no_ceiling": "条文未规定单一上限", "unsolved": "无法在此计算增加的金额（不是简单的门槛）",
              "becomes": "{id} 变为{status}", "winner_changes": "'{group}' 组就高改为 {id}（原为 {before}）",
              "winner": "{id} 成为 '{group}' 组保留的条款", "still_capped": "企业年度上限仍然适用",
              "others": "：另有 {n} 项条款相应核减", "would_still": "{id} 仍为{status}", "would_then": "{id} 将为{status}",
              "would_add": "（需补充 {fields}）", "zero": "：条件已满足，但 {calc}：金额为零",
              "no_change": "金额不变", "net": "净增 {net}", "cap_binds": "；企业年度上限已适用，合计不会增加"}


def unlock(u, lang: str = "en") -> str:
    """One line of "what would unlock more".

    A threshold: "rd_staff 92 → 100 (+8): rd_center +20,000,000.00; si_led_rd -10,000,000.00 (group 'rd' …);
    net +10,000,000.00". Missing input: "add has_rd_center (at most 20,000,000.00)".
    """
    from .planning import ChangeKind as K
    from .planning import UnlockKind

    if lang == "zh":
        return _unlock_zh(u)
    if u.kind == UnlockKind.MISSING_INPUT:
        text = f"add {', '.join(u.missing) or 'the missing field'}"
        if u.clause == "*":
            return text + f" (this policy is for {', '.join(u.industries)} enterprises)"
        binds = "; the company annual cap already binds: the total would not rise" if u.cap_binds else ""
        if u.most is not None:
            most = format_fen_grouped(u.most)
            if u.most_each:
                return text + f" (at most {most} per {u.most_each}{binds})"
            return text + f" (at most {most}{' ' + scope_words(u.most_scope) if u.most_scope else ''}{binds})"
        return text + f" (no single ceiling in the text{binds})"
    short = "; ".join(not_met(cd).removeprefix("not met: ") for cd in u.failed)
    if not u.solved or u.delta is None:
        return short + ("; " if short else "") + "the gain cannot be computed here (not a simple threshold)"
    still_capped = (u.delta.after.company_cap is not None and u.delta.after.company_cap.state == CapState.APPLIED
                    and not u.delta.company)
    shown = [d for d in u.delta.changed
             if not still_capped or d.id == u.clause or d.before.status != d.after.status]
    own = u.own
    stays = own is not None and own.after.status in (Status.NOT_ELIGIBLE, Status.MISSING_INPUT)
    parts = [f"{d.id} {clause_change(d)}" if d.diff else f"{d.id} becomes {STATUS_TEXT[d.after.status]}"
             for d in shown if d.diff or not (stays and d.id == u.clause)]  # (the note below says it of its own)
    notes: list[str] = []
    for d in u.delta.changed:
        for ch in d.changes:
            if ch.kind == K.GROUP_WINNER and ch.after == d.id:
                notes.append(f"group '{ch.group}' winner changes from {ch.before} to {d.id}" if ch.before
                             else f"{d.id} becomes the winner of group '{ch.group}'")
    for ch in u.delta.company:
        notes.append(change(ch))
    if still_capped:
        others = len(u.delta.changed) - len(shown)
        notes.append("the company annual cap still binds" + (
            f": {others} other clause(s) cut to make room" if others else ""))
    if own is not None and stays:
        after = own.after
        calc = calculation(after) if after.status == Status.NOT_ELIGIBLE else ""
        zero = calc and not any(cd.held is False for cd in after.conditions) and not after.not_targeted
        still = "still be" if own.before.status == after.status else "then be"
        notes.append(f"{u.clause} would {still} {STATUS_TEXT[after.status]}"
                     + (f" (add {', '.join(after.missing)})" if after.missing else "")
                     + (f": its conditions met, but {calc}: amount is zero" if zero else ""))
    body = ", ".join(parts) if parts else "no amount changes"
    return (", ".join(move(m) for m in u.moves) + f": {body}" + "".join(f"; {n}" for n in notes)
            + f"; net {signed(u.delta.diff, u.delta.ceiling_moved)}")


def _unlock_zh(u) -> str:
    """:func:`unlock` in Chinese: the same facts, in the same order."""
    from .planning import ChangeKind as K
    from .planning import UnlockKind

    w = _UNLOCK_ZH
    if u.kind == UnlockKind.MISSING_INPUT:
        zhs = (*u.missing_zh, *("",) * len(u.missing))
        named = [f"{f}（{zh}）" if zh else f for f, zh in zip(u.missing, zhs)]
        text = w["add"].format(fields="、".join(named) or "缺少的数据")
        if u.clause == "*":
            return text + w["industries"].format(industries=_inline("、".join(_names_zh(u.industries,
                                                                                       u.industries_zh))))
        if u.most is not None:
            most = format_fen_grouped(u.most)
            if u.most_each:
                said = w["most_each"].format(each=scope_words(u.most_each, "zh"), most=most)
            elif u.most_scope:
                said = w["most_scope"].format(scope=scope_words(u.most_scope, "zh"), most=most)
            else:
                said = w["most"].format(most=most)
        else:
            said = w["no_ceiling"]
        return f"{text}（{said}{w['cap_binds'] if u.cap_binds else ''}）"
    short = "；".join(not_met(cd, "zh").removeprefix("未满足：") for cd in u.failed)
    if not u.solved or u.delta is None:
        return short + ("；" if short else "") + w["unsolved"]
    still_capped = (u.delta.after.company_cap is not None and u.delta.after.company_cap.state == CapState.APPLIED
                    and not u.delta.company)
    shown = [d for d in u.delta.changed
             if not still_capped or d.id == u.clause or d.before.status != d.after.status]
    own = u.own
    stays = own is not None and own.after.status in (Status.NOT_ELIGIBLE, Status.MISSING_INPUT)
    parts = [f"{d.id} {clause_change(d, 'zh')}" if d.diff
             else w["becomes"].format(id=d.id, status=STATUS_TEXT_ZH[d.after.status]) for d in shown
             if d.diff or not (stays and d.id == u.clause)]
    notes: list[str] = []
    for d in u.delta.changed:
        for ch in d.changes:
            if ch.kind == K.GROUP_WINNER and ch.after == d.id:
                notes.append(w["winner_changes"].format(group=ch.group, id=d.id, before=ch.before) if ch.before
                             else w["winner"].format(id=d.id, group=ch.group))
    for ch in u.delta.company:
        notes.append(change(ch, lang="zh"))
    if still_capped:
        others = len(u.delta.changed) - len(shown)
        notes.append(w["still_capped"] + (w["others"].format(n=others) if others else ""))
    if own is not None and stays:
        after = own.after
        calc = calculation(after, "zh") if after.status == Status.NOT_ELIGIBLE else ""
        zero = calc and not any(cd.held is False for cd in after.conditions) and not after.not_targeted
        still = "would_still" if own.before.status == after.status else "would_then"
        notes.append(w[still].format(id=u.clause, status=STATUS_TEXT_ZH[after.status])
                     + (w["would_add"].format(fields="、".join(after.missing)) if after.missing else "")
                     + (w["zero"].format(calc=calc) if zero else ""))
    body = "，".join(parts) if parts else w["no_change"]
    return ("，".join(move(m, "zh") for m in u.moves) + f"：{body}" + "".join(f"；{n}" for n in notes)
            + "；" + w["net"].format(net=signed(u.delta.diff, u.delta.ceiling_moved, "zh")))


def unlock_with_shortfall(u, lang: str = "en") -> str:
    """A threshold unlock with how far off the profile is first (compare): "… 1 short of 100; if met: …"."""
    from .planning import UnlockKind

    if u.kind == UnlockKind.MISSING_INPUT:
        return unlock(u, lang)
    if lang == "zh":
        short = "；".join(not_met(cd, "zh").removeprefix("未满足：") for cd in u.failed)
    else:
        short = "; ".join(not_met(cd).removeprefix("not met: ") for cd in u.failed)
    if not u.solved or u.delta is None:
        return unlock(u, lang)
    if lang == "zh":
        return f"{short}；若达到：{unlock(u, lang)}" if short else unlock(u, lang)
    return f"{short}; if met: {unlock(u)}" if short else unlock(u)


def _status_zh(code: str) -> str:
    """A status code ("missing_input") as the Chinese table words it (缺少数据)."""
    try:
        return STATUS_TEXT_ZH[Status(code)]
    except ValueError:
        return code


def _labels_zh(c) -> tuple[str, ...]:
    """The conditions a cliff flipped, by their Chinese labels (the English ones where a table gives none)."""
    return c.conditions_zh or c.conditions


def _cliff_zh(c, at: str, limit: str) -> str:
    """What happens at a cliff, in Chinese (:func:`cliff`'s sentence without the totals)."""
    from .planning import CliffKind as K

    k = c.kind
    if k == K.CLAUSE_ON:
        return f"{at} 时 {c.clause} 符合条件" + (f"（满足：{'；'.join(_labels_zh(c))}）" if c.conditions else "") + (
            f"，且已达其上限 {limit}" if c.limit is not None else "")
    if k == K.CLAUSE_OFF:
        return f"{at} 时 {c.clause} 不再符合条件" + (f"（不再满足：{'；'.join(_labels_zh(c))}）" if c.conditions
                                                    else "")
    if k == K.CLAUSE_MISSING:
        return f"{at} 时 {c.clause} 由{_status_zh(c.before)}变为{_status_zh(c.after)}"
    if k == K.CAP_REACHED:
        return f"自 {at} 起 {c.clause} 达到上限 {limit}（低一个单位时为 {format_fen_grouped(c.amount_below)}）"
    if k == K.CAP_LEFT:
        return f"自 {at} 起 {c.clause} 低于上限 {limit}（{format_fen_grouped(c.amount_at)}）"
    if k == K.ITEM_CAP:
        return f"{at} 时 {c.clause} 按单项上限 {limit} 核减的项目：{c.count_below} → {c.count_at}"
    if k == K.GROUP_WINNER:
        return f"{at} 时 '{c.group}' 组就高不就低的保留条款由 {c.before or '无'} 变为 {c.after or '无'}"
    if k in (K.POLICY_IN_FORCE, K.POLICY_ENDED):
        names = "、".join(c.clauses) or "无条款"
        return (f"{at} 时 {c.policy} 生效：{names} 符合条件" if k == K.POLICY_IN_FORCE else
                f"{at} 时 {c.policy} 不再有效：{names} 不再符合条件")
    if k == K.COMPANY_CAP_BINDS:
        return f"自 {at} 起企业年度上限适用（上限 {limit} < 计入的条款合计 {format_fen_grouped(c.amount_at)}）"
    return f"自 {at} 起企业年度上限不再适用（上限 {limit} ≥ 计入的条款合计 {format_fen_grouped(c.amount_at)}）"


def cliff(c, field: str, kind: Kind, units_per: int, lang: str = "en") -> str:
    """One cliff of a sweep, with the totals one unit below and at it."""
    from .planning import CliffKind as K

    at = f"{field} = {value(Fraction(c.at, units_per), kind)}"
    limit = format_fen_grouped(c.limit) if c.limit is not None else "?"
    if lang == "zh":
        return (f"{_cliff_zh(c, at, limit)}：合计 低一个单位时 {total_figure(c.total_below, c.ceiling_below, lang)}，"
                f"此处 {total_figure(c.total_at, c.ceiling_at, lang)}（{signed(c.jump, c.ceiling_moved, lang)}）")
    k = c.kind
    if k == K.CLAUSE_ON:
        what = f"at {at} {c.clause} becomes eligible" + (f" ({'; '.join(c.conditions)} now met)" if c.conditions else "")
        if c.limit is not None:
            what += f", already at its {limit} cap"
    elif k == K.CLAUSE_OFF:
        what = f"at {at} {c.clause} stops being eligible" + (
            f" ({'; '.join(c.conditions)} no longer met)" if c.conditions else "")
    elif k == K.CLAUSE_MISSING:
        what = f"at {at} {c.clause} goes from {c.before.replace('_', ' ')} to {c.after.replace('_', ' ')}"
    elif k == K.CAP_REACHED:
        what = (f"from {at} {c.clause} stays at its {limit} cap ({format_fen_grouped(c.amount_below)} one unit "
                f"below)")
    elif k == K.CAP_LEFT:
        what = f"from {at} {c.clause} falls below its {limit} cap ({format_fen_grouped(c.amount_at)})"
    elif k == K.ITEM_CAP:
        what = f"at {at} the items of {c.clause} at the per-item cap of {limit}: {c.count_below} → {c.count_at}"
    elif k == K.GROUP_WINNER:
        what = (f"at {at} the 就高不就低 winner of group '{c.group}' changes from {c.before or 'none'} to "
                f"{c.after or 'none'}")
    elif k in (K.POLICY_IN_FORCE, K.POLICY_ENDED):
        names = f": {', '.join(c.clauses)} " if c.clauses else ": no clause "
        what = (f"at {at} {c.policy} comes into force{names}{'become' if len(c.clauses) != 1 else 'becomes'} "
                f"eligible" if k == K.POLICY_IN_FORCE else
                f"at {at} {c.policy} is no longer in force{names}{'stop' if len(c.clauses) != 1 else 'stops'} "
                f"being eligible")
    elif k == K.COMPANY_CAP_BINDS:
        what = (f"from {at} the company annual cap binds (limit {limit} < the counted clauses' "
                f"{format_fen_grouped(c.amount_at)})")
    else:
        what = (f"from {at} the company annual cap stops binding (limit {limit} ≥ the counted clauses' "
                f"{format_fen_grouped(c.amount_at)})")
    return f"{what}: total {total_figure(c.total_below, c.ceiling_below, lang)} just below, " \
           f"{total_figure(c.total_at, c.ceiling_at, lang)} at it ({signed(c.jump, c.ceiling_moved, lang)})"


def total_figure(total: int, ceiling: bool, lang: str = "en") -> str:
    """A total in fen, "up to …" when it counts an up-to ceiling (SPEC §3: never presented as certain), also
    one the company cap cut to 0.00 (PolicyResult.counts_ceiling, planning.Points.ceiling).

    >>> total_figure(250_000_000, True), total_figure(1_000, False), total_figure(0, True)
    ('up to 2,500,000.00', '10.00', 'up to 0.00')
    >>> total_figure(250_000_000, True, "zh")
    '最高 2,500,000.00'
    """
    return f"{qualifier('up to', lang)} {format_fen_grouped(total)}" if ceiling else format_fen_grouped(total)
