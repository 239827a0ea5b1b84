"""``batch``: a block of CSV cells -> the columns of a ``profile.Table``.

Every column of the header is a profile field.  Plain numbers are parsed
vectorised (``csvio.parse_numbers``), booleans, rates, tags and codes once
per distinct text; every other non-empty cell goes through the same
``profile.parse_values`` as a TOML profile, so a value means the same thing
in ``calc`` and ``batch`` and is refused with the same message.  A bad cell
makes its row a problem (row, field, value, message); the rest of the block
continues.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import operator
import re
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import csvio
from . import fields as F
from .csvio import Cells, RowProblem, SkippedRow, SkipReason
from .errors import InputError, Location, raise_unheld
from .money import MAX_COUNT, MAX_UNITS, MONEY_EXAMPLE
from .plausibility import TableWarnings, check_table
from .policy import Catalog
from .profile import Column, ListColumn, ProfileProblems, Table, TagColumn, TextColumn, parse_values
from .text import column_letter

NUMERIC_WIDTH = 32  # cells longer than this are never plain numbers


# ---------------------------------------------------------------- the header


@dataclass(frozen=True)
class Header:
    """The CSV's columns bound to profile fields."""

    names: tuple[str, ...]
    fields: tuple[F.Field, ...]
    #: per column, what a heading's unit adds to a bare number of the column ("营业收入（万元）": "万", so that 25000
    #: reads as 25000万; "贷款利率(%)": "%"), "" when the heading names none
    units: tuple[str, ...] = ()
    #: per column, its heading as the file writes it ("营业收入（万元）" for revenue), for messages
    headings: tuple[str, ...] = ()
    #: the headings of the sheet's own bookkeeping columns (序号, 备注, 联系电话 …), read past (``F.IGNORED``)
    ignored: tuple[str, ...] = ()
    #: the columns (1 for the first) with no heading, between or before named ones (an empty column A): read past
    unnamed: tuple[int, ...] = ()

    def index(self, name: str) -> int | None:
        return self.names.index(name) if name in self.names else None

    @functools.cached_property
    def counted(self) -> tuple[bool, ...]:
        """Per column, whether a value in it makes a row a company: False for the sheet's bookkeeping columns
        (序号, 备注 …), a column with no heading, and the columns a template fills in for every row before any
        company is typed (所在地, 年度, 行业), so that a row with values there only (a template's numbered rows
        below the data, 南昌 / 2024 filled down) is blank, not a company listed under every discretionary clause."""
        return tuple(f.type != F.IGNORED and f.name not in _TEMPLATE_FIELDS for f in self.fields)

    @functools.cached_property
    def unread(self) -> tuple[bool, ...]:
        """Per column, whether it is the sheet's own (序号, 备注 …, or no heading): a column batch reads past, where
        a note on the sheet's unit may still be typed ("金额单位：万元" in a 备注 cell)."""
        return tuple(f.type == F.IGNORED for f in self.fields)

    @functools.cached_property
    def forms(self) -> tuple[frozenset[str], ...]:
        """Per column, every heading that names its field, folded (``heading_form``): the field's name, its
        aliases and the heading the file gives it (name, Name, 企业名称, 公司名称 … for the name column)."""
        headings = self.headings or self.names
        return tuple(frozenset(heading_form(x) for x in (f.name, *f.aliases, h) if x)
                     for f, h in zip(self.fields, headings))


#: the fields a template fills in for every row (filled down) before the companies are typed: alone, no company
_TEMPLATE_FIELDS = frozenset({"jurisdiction", "year", "industries"})


def heading_form(text: str) -> str:
    """A heading as headings are compared: NFKC (full-width letters), case-blind, no surrounding spaces, nor
    the byte-order mark a second "CSV UTF-8" file brings along when two are joined (``copy /b a.csv+b.csv``).

    >>> heading_form("\ufeff企业名称 "), heading_form("ＮＡＭＥ")
    ('企业名称', 'name')
    """
    return unicodedata.normalize("NFKC", text).strip().strip("\ufeff\u200b").strip().casefold()


#: headings of the columns a consultant's sheet often has beside the profile (compared without spaces, case-blind)
_BOOKKEEPING = ("序号", "编号", "行号", "no", "no.", "#", "id", "备注", "说明", "联系人", "联系电话", "电话", "手机",
                "邮箱", "地址", "统一社会信用代码", "信用代码", "负责人", "对接人", "remark", "remarks", "note", "notes",
                "contact", "phone", "email", "address",
                # a register's own columns (法定代表人, 纳税人识别号, 所属县区 …): nothing a policy reads
                "法定代表人", "法人代表", "纳税人识别号", "税号", "所属县区", "所属区县", "县区", "区县", "所属区域",
                "所在区县", "经办人", "填报人", "填表人", "填报日期", "填表日期", "成立日期", "成立时间", "注册日期",
                "企业类型", "企业性质", "登记注册类型", "注册地址", "经营地址", "办公地址", "邮编", "邮政编码", "传真",
                "网址", "主营业务", "主营产品", "经营范围")


def _bookkeeping(name: str) -> bool:
    """Is ``name`` (``序号``, ``备注``, ``No.``, ``联系电话（手机）`` …) the heading of one of those columns?

    >>> _bookkeeping("序 号"), _bookkeeping("No."), _bookkeeping("联系电话（手机）"), _bookkeeping("revenu")
    (True, True, True, False)
    """
    key = "".join(name.split()).casefold()
    return key in _BOOKKEEPING or any(key.startswith(b) and _BOOKKEEPING_TAIL.fullmatch(key[len(b):])
                                      for b in _BOOKKEEPING if len(b) >= 2 and not b.isascii())


#: what may follow a bookkeeping heading's word (联系电话（手机）, 联系人1, 手机号码); anything else (手机产品销售额) is a
#: heading of its own, refused with its did-you-mean, never read past
_BOOKKEEPING_TAIL = re.compile(r"(?:[（(【\[].*|号码?|\d*|[:：])")


#: a heading that names its unit: "营业收入（万元）", "研发费用 (万元)", "研发人员(人)", "利率（%）", "revenue [yuan]"
_UNIT_HEADING = re.compile(r"^(?P<stem>.+?)\s*[（(\[【]\s*(?P<unit>[^()（）\[\]【】]{1,8}?)\s*[)）\]】]\s*$")
#: per field type, the units a heading may name and what each adds to a bare number of the column
_HEADING_UNITS: dict[str, dict[str, str]] = {
    F.MONEY: {"元": "", "人民币元": "", "rmb": "", "yuan": "", "cny": "", "万元": "万", "万": "万",
              "万元人民币": "万", "亿元": "亿", "亿": "亿", "千元": "千", "百万元": "百万", "百万": "百万"},
    F.COUNT: {u: "" for u in ("人", "名", "个", "家", "项", "台", "套", "件", "次")},
    F.RATE: {"%": "%", "％": "%"},
}
_HEADING_UNITS[F.MONEY_LIST] = _HEADING_UNITS[F.MONEY]


_MARKS = "*＊※ \t\u3000"  # a template's "required" star and spaces around a heading
_UNIT_WORDS = "万元|亿元|千元|百万元|元|万|亿|%|％|人|名|个|家|项|台|套|件|次"
_LOOSE_UNIT = re.compile(rf"^(?P<stem>.+?)\s*(?:[/／]\s*|\s+)(?P<unit>{_UNIT_WORDS})$")  # 营业收入/万元, 营业收入 万元
_OPEN_UNIT = re.compile(rf"^(?P<stem>.+?)\s*[（(\[【]\s*(?P<unit>{_UNIT_WORDS})\s*$")  # 营业收入(万元 (never closed)


def canonical_heading(name: str) -> str:
    """A heading as ``heading_unit`` reads it: the star of a required column dropped, a unit written after a
    slash or a space, or in a bracket left open, put in brackets.

    >>> canonical_heading("*营业收入（万元）"), canonical_heading("营业收入/万元"), canonical_heading("营业收入(万元")
    ('营业收入（万元）', '营业收入（万元）', '营业收入（万元）')
    """
    text = name.strip(_MARKS)
    m = _LOOSE_UNIT.match(text) or _OPEN_UNIT.match(text)
    return f"{m.group('stem')}（{m.group('unit')}）" if m else text


def heading_unit(name: str, catalog: Catalog) -> tuple[str, str, str] | None:
    """(the field, the unit as written, what it adds to a bare number) of a heading that names a field and its
    unit, else None.

    >>> from nanchang_incentives.policy import load_catalog
    >>> heading_unit("营业收入（万元）", load_catalog()), heading_unit("研发人员(人)", load_catalog())
    (('revenue', '万元', '万'), ('rd_staff', '人', ''))
    """
    m = _UNIT_HEADING.match(canonical_heading(name))
    if m is None:
        return None
    field = catalog.registry.resolve(m.group("stem"))
    if field is None:
        return None
    unit = m.group("unit")
    kind = catalog.registry[field].type
    if kind not in _HEADING_UNITS:  # 企业名称（全称）, 年度（年）, 已设立研发中心（是/否）: a note, no number to scale
        return field, unit, ""
    adds = _HEADING_UNITS[kind].get(unit_key(unit))
    return (field, unit, adds) if adds is not None else None


#: traditional characters of the units and words a heading may use (單位：萬元) -> simplified
_TRADITIONAL = str.maketrans({"萬": "万", "億": "亿", "單": "单", "幣": "币"})


def unit_key(unit: str) -> str:
    """A heading's unit as ``_HEADING_UNITS`` knows it: "单位：万元", "人民币万元", "万元（人民币）" -> "万元".

    >>> unit_key("单位：万元"), unit_key("单位:人民币万元"), unit_key("人民币万元"), unit_key("RMB"), unit_key("單位：萬元")
    ('万元', '万元', '万元', 'rmb', '万元')
    """
    key = re.sub(r"^单位\s*[:：]?\s*", "", unit.strip().translate(_TRADITIONAL)).casefold()
    return re.sub(r"^人民币\s*(?=\S)", "", key)


def _unknown_column(name: str, catalog: Catalog, loc: Location, names: Sequence[str] = ()) -> InputError:
    """Why a heading names no field, with what to write instead: a unit batch cannot read, a unit written in a
    form it does not read (never a did-you-mean to the bare name, whose numbers would be yuan), a column of the
    sheet's own (序号, 备注), a note on the sheet's unit (单位：万元) typed as a heading, or a typo with its
    did-you-mean."""
    if _YUAN_NOTE.fullmatch(name.strip()):  # 单位：元, 单位（元）, 單位：元: nothing to scale, nothing to read
        return InputError(f"the heading {name.strip()!r} is a note that the amounts are in yuan, not a column: delete "
                          f"the column (a bare amount is read as yuan)", loc)
    if ("单位" in name or "單位" in name) and len(name) <= 40 and (note := _unit_note([[name]])) is not None:
        # (deleting the column, the obvious fix, read the amounts as yuan)
        if names and _amounts_have_units(names, catalog):
            return InputError(f"the heading {name.strip()!r} is a note on the sheet's unit ({note[2]}), not a column; "
                              f"the amounts' headings name their units already: delete the column", loc)
        return InputError(f"the heading {name.strip()!r} is a note on the sheet's unit ({note[2]}), not a column: "
                          f"batch reads the unit of an amount from its own heading only. Write the unit into each "
                          f"amount's heading (营业收入（{note[2]}）, …) and delete this column; deleting only the "
                          f"column would read the amounts as yuan", loc)
    stem = _UNIT_HEADING.match(canonical_heading(name))
    known = catalog.registry.resolve(stem.group("stem")) if stem is not None else None
    if stem is not None and known is not None:
        kinds = _HEADING_UNITS.get(catalog.registry[known].type, {})
        shown = sorted(k for k in kinds if not k.isascii() or not k.isalpha())  # not rmb / yuan / cny
        return InputError(f"the heading names {known} with the unit {stem.group('unit')!r}, which batch cannot "
                          f"read: expected one of {', '.join(shown)} (e.g. 营业收入（万元）), or the heading without "
                          f"a unit and the unit in each cell (25000万)", loc)
    hint = catalog.registry.suggest(name)
    if hint and re.search(r"万|亿|千元|百万", name):
        return InputError("the heading seems to name an amount with its unit in a form batch does not read: write "
                          "the unit in brackets after the field's name (营业收入（万元）), or the bare name with the "
                          "unit in each cell (25000万); renaming it to the bare name would read its numbers as yuan",
                          loc)
    if not catalog.registry.suggest(name, strict=True) and _bookkeeping(name):  # 序号, 备注 …: the user's own
        return InputError(f"the column {name[:60]!r} is not a profile field (a serial number, a remark or contact "
                          f"details are not read): delete the column, or save a copy of the sheet without it; every "
                          f"column must be a profile field (see the field reference in the README)", loc)
    return InputError(f"unknown column{hint}: every column must be a profile field; see the field reference in "
                      f"the README", loc)


#: "单位：万元", "金额单位:万元", "（单位：人民币万元）", "金额：万元", "金额单位为万元" in a line above the header (or a
#: note under the table): the unit of the sheet's
#: amounts; never 填报单位 / 申报单位 … (the organisation that fills the form in: "填报单位：万年县工信局"), and the unit
#: ends the phrase
_UNIT_NOTE = re.compile(r"(?<!填报)(?<!申报)(?<!制表)(?<!报送)(?<!编制)(?<!填表)(?:单位|單位|金额|金額)\s*[:：]?\s*"
                        r"(?:均|都|统一|統一|全部|一律)?\s*(?:为|為|是)?\s*[:：]?\s*(?:人民币|人民幣)?\s*"
                        r"(千元|万元|亿元|百万元|萬元|億元|万|亿|萬|億|元)\s*(?:人民币|人民幣)?(?=$|[\s)）\]】,，;；。、/])")
#: a cell that is only a unit: "万元", "（万元）", "人民币万元"
_UNIT_CELL = re.compile(r"^[\s(（\[【]*(?:人民币|人民幣)?\s*(千元|万元|亿元|百万元|萬元|億元|万|亿|萬|億|元)\s*(?:人民币|人民幣)?[\s)）\]】]*$")
#: a unit said otherwise in a title or group cell: "财务数据（万元）", "2024年企业名单（单位：万元）", "人民币：万元",
#: "金额以万元计" (a bare 万 / 亿 only with 单位 or 金额, above)
_UNIT_PHRASE = re.compile(r"[(（\[【]\s*(?:单位|單位|金额|金額)?\s*[:：]?\s*(?:人民币|人民幣)?\s*"
                          r"(千元|万元|亿元|百万元|萬元|億元)\s*[)）\]】]"
                          r"|(?:人民币|人民幣)\s*[:：]\s*(千元|万元|亿元|百万元|萬元|億元)"
                          r"|以\s*(?:人民币|人民幣)?\s*(千元|万元|亿元|百万元|萬元|億元)\s*(?:计|計|为单位|為單位)"
                          r"|以上\s*(?:金额|金額|数据|數據|数字|數字|数值|數值)?\s*(?:均|都|全部|一律)?\s*(?:为|為|是)\s*"
                          r"(?:人民币|人民幣)?\s*(千元|万元|亿元|百万元|萬元|億元)")
#: the lines looked at for the header when the first one is not it
HEADER_SEARCH_LINES = 6


def field_of(name: str, catalog: Catalog) -> tuple[str, str] | None:
    """(the field, what its heading's unit adds to a bare number: "万", "%" or "") of a heading, else None.

    A field's name or any alias of it (营业收入 -> revenue), with a template's required star (*营业收入), or with
    its unit (营业收入（万元）: revenue, each bare number in 万).
    """
    field = catalog.registry.resolve(name) or catalog.registry.resolve(name.strip(_MARKS))
    if field is not None:
        return field, ""
    given = heading_unit(name, catalog)
    return (given[0], given[2]) if given is not None else None


def _names_field(name: str, catalog: Catalog) -> bool:
    return bool(name.strip()) and field_of(name.strip(), catalog) is not None


def misplaced_header(lines: Sequence[Sequence[str]], catalog: Catalog, path: str) -> InputError | None:
    """When the first of ``lines`` (a sheet's first rows, as cell texts) is not the header and a later one is:
    the error that says which line it is, and what a title line above it says of the unit of the amounts.

    A title such as ``2024年度企业申报汇总表,,,,,单位：万元`` above the header made every column of line 1 an unknown
    or unnamed one; deleting the line as told then read the 万元 figures as yuan, 10,000 times too small.
    """
    def known(cells: Sequence[str]) -> tuple[int, int]:
        filled = [c for c in cells if c.strip()]
        return sum(_names_field(c, catalog) for c in filled), len(filled)

    if not lines:
        return None
    hits, filled = known(lines[0])
    if filled and hits * 2 >= filled:
        return None  # line 1 is the header, with mistakes of its own (bind_header names them)
    for k, cells in enumerate(lines[1:HEADER_SEARCH_LINES], start=2):
        hits, filled = known(cells)
        if hits >= 2 and hits * 5 >= filled * 3:
            break
    else:
        return None
    named = [c.strip() for c in cells if _names_field(c, catalog)]
    above = "line 1" if k == 2 else f"lines 1-{k - 1}"
    message = (f"line {k} looks like the header ({', '.join(named[:3])}{', …' if len(named) > 3 else ''}), not "
               f"line 1: the first line must name the columns; delete {above} above it")
    note = _unit_note(lines[:k - 1])
    if note is not None and not _amounts_have_units(cells, catalog):
        i, cell, word = note
        message += (f". Line {i} says {cell[:40]!r}: without it the amounts would be read as yuan, so first write "
                    f"the unit into each amount's heading (营业收入（{word}）, 上年营业收入（{word}）, …), or after "
                    f"each figure")
    return InputError(message, Location(file=path, line=1))


#: a cell of a units row under the header that names no money unit: 单位, %, 人, 个 …
_OTHER_UNIT_CELL = re.compile(r"^[\s(（\[【]*(?:单位|單位|%|％|‰|人|个|個|项|項|家|台|套|年|次)?[\s)）\]】]*$")


def units_row(lines: Sequence[Sequence[str]], header: Header, catalog: Catalog, path: str,
              line: int = 2) -> InputError | None:
    """The error for a units row right under the header (``,,,,万元,万元,%``, as many templates have; ``line``: the
    sheet line it is on, 3 under a heading with a line break in it) when it gives an amount column a unit (万元,
    亿元 …) that its heading does not: its companies' figures would be read as yuan, 10,000 times too small, and
    the row itself was only a bad row ("missing jurisdiction"), with no warning. A heading that names another
    unit (营业收入（元） over 万元) contradicts the row: that is said instead."""
    if len(lines) < 2:
        return None
    filled = [(j, c.strip()) for j, c in enumerate(lines[1]) if c.strip()]
    if not filled or not all(_UNIT_CELL.match(c) or _OTHER_UNIT_CELL.match(c) for _, c in filled):
        return None
    scaled: list[tuple[str, str]] = []
    for j, cell in filled:
        unit = _UNIT_CELL.match(cell)
        if unit is None or j >= len(header.fields) or header.fields[j].type not in (F.MONEY, F.MONEY_LIST):
            continue
        heading = header.headings[j] if j < len(header.headings) else header.names[j]
        named = heading_unit(heading, catalog)  # (营业收入（元）: its unit, which adds nothing to a bare number)
        if named is not None:
            if unit_key(named[1]) != unit_key(unit.group(1)):
                return InputError(f"line {line} gives {heading} the unit {unit.group(1)}, but its heading says "
                                  f"{named[1]}: which is it? Correct the heading (or the figures), then delete "
                                  f"line {line}", Location(file=path, line=line))
            continue  # the heading names the same unit (营业收入（万元）): read as it says
        if _HEADING_UNITS[F.MONEY].get(unit_key(unit.group(1))):  # not 元: the figures would be scaled wrong
            scaled.append((heading, unit.group(1)))
    if not scaled:
        return None
    shown = ", ".join(f"{h} {w}" for h, w in scaled[:3]) + (", …" if len(scaled) > 3 else "")
    heading, word = scaled[0]
    word = word if word.endswith("元") else word + "元"
    return InputError(f"line {line} gives the columns' units ({shown}), not a company: the amounts below it would "
                      f"be read as yuan. Write the unit into each amount's heading ({heading}（{word}）, …), then "
                      f"delete line {line}", Location(file=path, line=line))


def unit_note_row(text: str, header: Header, catalog: Catalog, title: bool = False) -> str | None:
    """The unit (万元, 亿元 …) a bad row's text gives the sheet's amounts ("注：金额单位为万元", "单位：万元" under the
    table), when the header's amount headings name none: their figures were read as yuan. None otherwise.
    ``title``: the text is a sheet's name or a heading, where a unit in brackets says it too ("测算表(万元)")."""
    if not text or len(text) > 200:
        return None
    if not title and not ("单位" in text or "單位" in text or "金额" in text or "以" in text):
        return None
    note = _unit_note([[text]])
    if note is None or _amounts_have_units(header.headings or header.names, catalog):
        return None
    return note[2]


def _unit_note(lines: Sequence[Sequence[str]]) -> tuple[int, str, str] | None:
    """(line, cell, unit such as 万元) of the first cell above a header that gives the amounts a unit other than 元."""
    for i, row in enumerate(lines, start=1):
        for cell in row:
            unit = _UNIT_NOTE.search(cell) or _UNIT_CELL.match(cell) or _UNIT_PHRASE.search(cell)
            said = next((g for g in unit.groups() if g), "") if unit else ""
            if said and _HEADING_UNITS[F.MONEY].get(unit_key(said)):  # not 元: nothing to scale
                word = said if said.endswith("元") else said + "元"
                return i, cell.strip(), word
    return None


def _amounts_have_units(cells: Sequence[str], catalog: Catalog) -> bool:
    """Whether every heading of an amount in a header line names its unit (营业收入（万元）): nothing to add then."""
    amounts = [found for c in cells if (found := field_of(c.strip(), catalog)) is not None
               and catalog.registry[found[0]].type in (F.MONEY, F.MONEY_LIST)]
    return bool(amounts) and all(adds for _, adds in amounts)


#: columns of batch's own output (wide and long layouts, English or Chinese headings), none a profile field
_RESULT_COLUMNS = ("total", "total_exact", "total_up_to", "company_cap", "validity", "clause", "status", "basis",
                   "raw_amount")


def _refuse_results_file(names: Sequence[str], catalog: Catalog, path: str) -> None:
    """A results file given back to batch (``batch results.csv``, ``.xlsx``, ``.parquet``): one line saying so,
    not an "unknown column" for each of its 50 columns."""
    zh = catalog.registry.columns_zh
    ours = {heading_form(x) for c in _RESULT_COLUMNS for x in (c, zh.get(c, "")) if x}
    found = [n for n in names if n and heading_form(n) in ours]
    if len(found) >= 3:
        raise InputError(f"this is a results file written by incentives batch (its columns "
                         f"{', '.join(found[:3])} …), not a list of companies: give batch the sheet of the companies' "
                         f"profiles (name, jurisdiction, year, revenue …)", Location(file=path, line=1))


#: the header's problems worded one by one; unknown columns beyond them are counted
HEADER_PROBLEMS_SHOWN = 50
#: a heading that only says the amounts are in yuan (单位：元, （金额单位：人民币元）)
_YUAN_NOTE = re.compile(r"[(（]?\s*(?:金额|金額)?[单單]位\s*(?:[:：]\s*(?:人民币|人民幣)?元|[(（]\s*(?:人民币|人民幣)?元\s*[)）])"
                        r"\s*[)）]?")


def bind_header(names: Sequence[str], catalog: Catalog, path: str, hidden: Collection[int] = ()) -> Header:
    """Every column must be a profile field (did-you-mean for typos), once, or a sheet's own bookkeeping column
    (序号, 备注, 联系电话 …: ``_bookkeeping``), which is read past, as is a column with no heading (an empty column
    A: ``Header.unnamed``); every problem is reported at once (the first HEADER_PROBLEMS_SHOWN worded).
    ``hidden``: the indices (from 0) of a workbook's hidden columns, whose unknown headings say so."""
    out: list[F.Field] = []
    units: list[str] = []
    seen: dict[str, str] = {}  # field -> the header name it was given by
    seen_at: dict[str, int] = {}  # field -> its column (0 for A)
    ignored: list[str] = []
    unnamed: list[int] = []
    problems: list[InputError] = []
    more = 0  # unknown columns past the first HEADER_PROBLEMS_SHOWN problems: counted, not worded
    sep = max("，、；", key=names[0].count) if len(names) == 1 else ""
    if sep and sum(field_of(part.strip(), catalog) is not None for part in names[0].split(sep)) >= 2:
        raise InputError(f"the header is one column {names[0][:60]!r}: its names are separated by {sep!r} (a "
                         f"full-width {'comma' if sep == '，' else 'mark'}, typed with a Chinese input method), but "
                         f"the columns of a CSV are separated by ',' (the ASCII comma): replace every {sep!r} between "
                         f"cells by ',' (a ',' inside a cell's text goes in double quotes), or save the sheet from "
                         f"Excel or WPS as CSV", Location(file=path, line=1))
    if len(names) == 1 and any(sep in names[0] for sep in (";", "\t", "|")):
        raise InputError(f"the header is one column {names[0][:60]!r}: batch reads comma-separated files "
                         f"(save from Excel as CSV, not as text with ';' or tabs)", Location(file=path, line=1))
    _refuse_results_file(names, catalog, path)
    filled = [name for name in names if name]
    if len(filled) == 1 and catalog.registry.resolve(filled[0]) is None and not catalog.registry.suggest(filled[0]):
        # 2024年度申报企业清单 above the header (a typo of a field gets its did-you-mean below instead)
        raise InputError(f"the first line holds only {filled[0][:60]!r}, which looks like a title: the first line "
                         f"must name the columns (企业名称,所在地,年度,… or name,jurisdiction,year,…); delete the "
                         f"lines above the header", Location(file=path, line=1, field=filled[0][:60]))
    for j, name in enumerate(names):
        loc = Location(file=path, line=1, field=name or f"column {j + 1}")
        if not name:  # an empty column A (the table starts in B), or a gap: read past, and said so
            out.append(F.Field(f"{csvio.IGNORED_PREFIX}{j + 1}", F.IGNORED, title=""))
            units.append("")
            unnamed.append(j + 1)
            continue
        found = field_of(name, catalog)
        exact = "".join(name.split()).casefold() in _BOOKKEEPING  # remark: never "did you mean year?"
        if found is None and _bookkeeping(name) and (exact or not catalog.registry.suggest(name, strict=True)):
            # 序号, 备注, 联系人 …: a column of the user's own, not a typo of a field: read past, and said so
            out.append(F.Field(f"{csvio.IGNORED_PREFIX}{j + 1}", F.IGNORED, title=name))
            units.append("")
            ignored.append(name)
            continue
        if found is None:
            if len(problems) >= HEADER_PROBLEMS_SHOWN:  # (a sheet of 16,384 columns: not 16,384 did-you-means)
                more += 1
                continue
            problems.append(_unknown_column(name, catalog, loc, names))
            if j in hidden:  # 辅助列: a helper column hidden in the sheet, which nobody looking at it sees
                problems[-1] = InputError(f"{problems[-1].message}. The column is hidden in the sheet (column "
                                          f"{column_letter(j)}): unhide it to see it (select the columns on both "
                                          f"sides, 右键 → 取消隐藏), and delete it if it is a helper column of the "
                                          f"sheet's own, or save a copy of the sheet without it", loc)
            continue  # (no local holds the error: raised from this frame, it would keep the frame alive)
        field, unit = found
        if field in seen:
            first = column_letter(seen_at[field])
            twice = (f"the column appears twice in the header, as columns {first} and {column_letter(j)} (in a "
                     f"workbook, one may be hidden: unhide the columns to see it); keep one") if seen[field] == name else \
                (f"{field} is given twice: as column {seen[field]!r} ({first}) and as column {name!r} "
                 f"({column_letter(j)}); keep one")
            problems.append(InputError(twice, loc))
            continue
        seen[field] = name
        seen_at[field] = j
        out.append(catalog.registry[field])
        units.append(unit)
    if ignored and len(ignored) + len(unnamed) == len(out):  # only the sheet's own columns: not a list of companies
        problems = [_unknown_column(name, catalog, Location(file=path, line=1, field=name)) for name in ignored] + \
            problems
    if more:
        problems.append(InputError(f"… and {more:,} more column{'s' if more != 1 else ''} naming no profile field, "
                                   f"not listed one by one: is line 1 the header?", Location(file=path, line=1)))
    if len(problems) == 1:
        raise_unheld(problems.pop())
    if problems:
        raise ProfileProblems(problems, Location(file=path, line=1))
    return Header(tuple(f.name for f in out), tuple(out), tuple(units),
                  tuple(seen.get(f.name, f.title) for f in out), tuple(ignored), tuple(unnamed))


# ---------------------------------------------------------------- cells -> columns


@dataclass
class Chunk:
    """The good rows of one block as a Table, plus what the output needs beside it."""

    table: Table
    rows: np.ndarray  # int64, data row numbers of the good rows
    names: np.ndarray  # S, the company names (stripped UTF-8), b"" when missing
    jurisdiction: list[str | None]  # per distinct code
    jcode: np.ndarray  # int64 code per good row (-1: none)
    problems: list[RowProblem]
    lines: np.ndarray | None = None  # int64, the spreadsheet line of each good row (header = line 1)
    skipped: list[SkippedRow] = field(default_factory=list)  # totals rows, not evaluated
    blank: int = 0  # rows with every cell empty, skipped
    named: bool = False  # the sheet has a name column (``names`` b"" is then a row left without one)


def _parse_text(spec: F.Field, text: str) -> tuple[bool, object]:
    """(True, value) / (True, None) for an empty cell / (False, message).

    The very function that reads a TOML profile's values (``parse_values``,
    in its CSV mode) reads the cell, so a value means the same in calc and
    batch and is refused with the same message.
    """
    try:
        values = parse_values({spec.name: text}, F.Registry({spec.name: spec}), csv=True)
    except InputError as exc:
        if len(text) > 200:  # a long cell is quoted in the message: clip it there too
            return False, exc.message.replace(text, csvio._clip(text, 60)).replace(text.strip(), csvio._clip(text, 60))
        return False, exc.message
    return True, values.get(spec.name)


class _ColumnBuilder:
    """Turns one column of cells into engine columns; bad cells are recorded, not raised."""

    def __init__(self, cells: Cells, header: Header, shown: Cells | None = None):
        self.cells = cells
        self.shown = shown or cells  # the cells as the file has them (before with_heading_units), for messages
        self.header = header
        self.n = cells.n
        self.bad = np.zeros(self.n, dtype=bool)
        self.problems: list[tuple[int, int, str, str]] = []  # (row index, column, value, message)

    def fail(self, i: np.ndarray | list[int], j: int, messages: Sequence[str]) -> None:
        for ii, msg in zip(np.asarray(i).tolist(), messages):
            self.bad[ii] = True
            self.problems.append((ii, j, csvio._clip(self.shown.text(ii, j)), msg))

    def column(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        return self.cells.start[:, j], self.cells.length[:, j]

    def unique(self, j: int, idx: np.ndarray | None = None) -> tuple[list[tuple[bool, object]], np.ndarray]:
        """Parse each distinct cell once: (results per distinct value, inverse index).

        Without ``idx`` every row of the column is indexed, and empty cells
        (missing input) share one entry without being read.
        """
        spec = self.header.fields[j]
        start, length = self.column(j)
        if idx is not None:
            start, length = start[idx], length[idx]
        n = len(start)
        filled = np.flatnonzero(length > 0)
        if len(filled) < n:
            texts, inv = csvio.distinct(self.cells.buf, start[filled], length[filled])
            texts.append(b"")
            inverse = np.full(n, len(texts) - 1, dtype=np.int64)
            inverse[filled] = inv
        else:
            texts, inverse = csvio.distinct(self.cells.buf, start, length)
        return [_parse_text(spec, u.decode("utf-8", errors="replace")) for u in texts], inverse

    def _filled(self, js: Sequence[int]) -> tuple[list, np.ndarray, np.ndarray]:
        """The non-empty cells of columns ``js``: per column (rows, starts, lengths), and all starts/lengths."""
        filled = []
        for j in js:
            start, length = self.column(j)
            idx = np.flatnonzero(length > 0)
            filled.append((idx, start[idx], length[idx]))
        starts = np.concatenate([f[1] for f in filled]) if filled else np.zeros(0, np.int64)
        lengths = np.concatenate([f[2] for f in filled]) if filled else np.zeros(0, np.int64)
        return filled, starts, lengths

    def scalars(self, js: Sequence[int]) -> list[Column]:
        """bool or rate columns: each distinct cell text of all of them parsed once per type."""
        filled, starts, lengths = self._filled(js)
        texts, inverse_all = csvio.distinct(self.cells.buf, starts, lengths)
        parsed: dict[str, list[tuple[bool, object]]] = {}
        out = []
        at = 0
        for j, (idx, _, _) in zip(js, filled):
            spec = self.header.fields[j]
            if spec.type not in parsed:
                parsed[spec.type] = [_parse_text(spec, t.decode("utf-8", errors="replace")) for t in texts]
            results = parsed[spec.type]
            inverse = inverse_all[at:at + len(idx)]
            at += len(idx)
            dtype = bool if spec.type == F.BOOL else np.int64
            uvals = np.array([v if ok and v is not None else 0 for ok, v in results], dtype=dtype)
            upresent = np.array([ok and v is not None for ok, v in results], dtype=bool)
            values = np.zeros(self.n, dtype=dtype)
            present = np.zeros(self.n, dtype=bool)
            values[idx] = uvals[inverse]
            present[idx] = upresent[inverse]
            ubad = np.array([not ok for ok, _ in results], dtype=bool)
            if len(idx) and ubad[inverse].any():
                self._fail_unique(j, results, inverse, ubad, idx)
            out.append(Column(values, present))
        return out

    def _fail_unique(self, j: int, results: list, inverse: np.ndarray, ubad: np.ndarray,
                     idx: np.ndarray | None = None) -> None:
        if ubad.any():
            rows = np.flatnonzero(ubad[inverse])
            msgs = [str(results[k][1]) for k in inverse[rows].tolist()]
            self.fail(rows if idx is None else idx[rows], j, msgs)

    def numeric(self, js: Sequence[int]) -> list[Column]:
        """money, or count and year columns: plain numbers vectorised (all the columns in one pass, so
        that sparse columns cost little), every other cell through Field.parse."""
        kinds = {self.header.fields[j].type for j in js}
        money = kinds == {F.MONEY}
        assert money or kinds <= {F.COUNT, F.YEAR}
        filled, starts, lengths = self._filled(js)
        if money:
            v_all, ok_all = csvio.parse_numbers(self.cells.buf, starts, lengths, scale=4, units=True,
                                                max_value=MAX_UNITS, width=NUMERIC_WIDTH)
        else:
            v_all, ok_all = csvio.parse_numbers(self.cells.buf, starts, lengths, scale=0, units=False,
                                                max_value=MAX_COUNT, width=NUMERIC_WIDTH)
        out = []
        at = 0
        for j, (idx, _, _) in zip(js, filled):
            v, ok = v_all[at:at + len(idx)], ok_all[at:at + len(idx)]
            at += len(idx)
            if self.header.fields[j].type == F.YEAR:
                ok = ok & (v >= 1990) & (v <= 2100)
            values = np.zeros(self.n, dtype=np.int64)
            present = np.zeros(self.n, dtype=bool)
            values[idx] = v
            present[idx] = ok
            rest = idx[~ok]
            if len(rest):
                results, inverse = self.unique(j, rest)
                uvals = np.array([v if ok_ and v is not None else 0 for ok_, v in results], dtype=np.int64)
                upresent = np.array([ok_ and v is not None for ok_, v in results], dtype=bool)
                values[rest] = uvals[inverse]
                present[rest] = upresent[inverse]
                self._fail_unique(j, results, inverse, np.array([not r[0] for r in results]), rest)
            values[~present] = 0
            out.append(Column(values, present))
        return out

    def money_list(self, j: int) -> ListColumn:
        """';'-separated amounts: plain items vectorised, other cells through Field.parse."""
        start, length = self.column(j)
        n = self.n
        counts = np.zeros(n, dtype=np.int64)
        present = np.zeros(n, dtype=bool)
        cand = np.flatnonzero(length > 0)
        per_row: dict[int, tuple[int, ...]] = {}
        fast_vals = fast_rows = fast_cells = np.zeros(0, dtype=np.int64)
        if len(cand):
            m = csvio.gather(self.cells.buf, start[cand], length[cand])
            w = m.shape[1]
            L = length[cand]
            mm = np.concatenate([m, np.zeros((len(cand), 1), dtype=np.uint8)], axis=1)
            boundary = (mm == 59) | (np.arange(w + 1)[None, :] == L[:, None])  # ';' or the end of the cell
            cell_of, col_of = np.nonzero(boundary)  # row-major: the items in order
            first = np.ones(len(cell_of), dtype=bool)
            first[1:] = cell_of[1:] != cell_of[:-1]
            item_start = np.where(first, 0, np.concatenate(([0], col_of[:-1] + 1)))
            item_len = col_of - item_start
            vals, ok = csvio.parse_numbers(self.cells.buf, start[cand][cell_of] + item_start, item_len, scale=4,
                                           units=True, max_value=MAX_UNITS, width=NUMERIC_WIDTH)
            nitems = np.bincount(cell_of, minlength=len(cand))
            cell_ok = (np.bincount(cell_of, weights=~ok, minlength=len(cand)) == 0) & (nitems <= 1000)
            item_cell_ok = cell_ok[cell_of]
            fast_vals = vals[item_cell_ok]
            fast_cells = cell_of[item_cell_ok]
            fast_rows = cand[fast_cells]
            counts[cand[cell_ok]] = nitems[cell_ok]
            present[cand[cell_ok]] = True
            slow = cand[~cell_ok]
            if len(slow):
                results, inverse = self.unique(j, slow)
                self._fail_unique(j, results, inverse, np.array([not r[0] for r in results]), slow)
                for r, k in zip(slow.tolist(), inverse.tolist()):
                    ok_, v = results[k]
                    if ok_ and v is not None:
                        per_row[r] = v  # type: ignore[assignment]
                        counts[r] = len(v)  # type: ignore[arg-type]
                        present[r] = True
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        flat = np.zeros(int(offsets[-1]), dtype=np.int64)
        if len(fast_vals):
            first_item = np.ones(len(fast_rows), dtype=bool)
            first_item[1:] = fast_cells[1:] != fast_cells[:-1]
            group_start = np.flatnonzero(first_item)
            sizes = np.diff(np.append(group_start, len(fast_rows)))
            within = np.arange(len(fast_rows)) - np.repeat(group_start, sizes)
            flat[offsets[fast_rows] + within] = fast_vals
        for r, v in per_row.items():
            flat[offsets[r]:offsets[r] + len(v)] = v
        return ListColumn(offsets, flat, present)

    def tags(self, j: int) -> TagColumn:
        results, inverse = self.unique(j)
        self._fail_unique(j, results, inverse, np.array([not r[0] for r in results]))
        vocab: dict[str, int] = {}
        umasks = np.zeros(len(results), dtype=np.int64)
        uvalues: list[tuple[str, ...] | None] = []
        for k, (ok, v) in enumerate(results):
            tags: tuple | None = tuple(v) if ok and v is not None else None  # type: ignore[arg-type]
            uvalues.append(tags)
            m = 0
            for t in tags or ():
                if t not in vocab:
                    vocab[t] = len(vocab)
                if vocab[t] < 62:
                    m |= 1 << vocab[t]
            umasks[k] = m
        upresent = np.array([v is not None for v in uvalues], dtype=bool)
        values = [uvalues[k] for k in inverse.tolist()]
        return TagColumn(umasks[inverse], vocab, upresent[inverse], values)

    def text(self, j: int) -> np.ndarray:
        """A text column as stripped UTF-8 bytes (b"" when empty); a too-long cell is bad.

        Only the cells that may need it (leading or trailing white space,
        more than 500 bytes) go through the general parser.
        """
        spec = self.header.fields[j]
        start, length = self.column(j)
        raw = csvio.gather(self.cells.buf, start, length)
        s = csvio.as_bytes(raw)
        n = self.n
        if raw.shape[1] == 0:
            return s
        at = np.arange(n)
        last = raw[at, np.maximum(length - 1, 0)]
        odd = (length > 0) & ((raw[:, 0] <= 32) | (last <= 32) | (length > 500))
        if raw.shape[1] >= 2:  # a full-width (U+3000, E3 80 80) or no-break (U+00A0, C2 A0) space at either end
            wide = ((raw[:, 0] == 0xE3) & (raw[:, 1] == 0x80)) | ((raw[:, 0] == 0xC2) & (raw[:, 1] == 0xA0)) \
                | ((last == 0x80) & (raw[at, np.maximum(length - 2, 0)] == 0x80)
                   & (raw[at, np.maximum(length - 3, 0)] == 0xE3)) \
                | ((last == 0xA0) & (raw[at, np.maximum(length - 2, 0)] == 0xC2))
            # zero-width characters (U+200B-U+200D E2 80 8x, U+2060 E2 81 A0, U+FEFF EF BB BF) at either end, and
            # a few other E2 80 / E2 81 characters with them (— …: read by the slow path all the same)
            before = raw[at, np.maximum(length - 2, 0)]
            wide |= ((raw[:, 0] == 0xE2) & ((raw[:, 1] == 0x80) | (raw[:, 1] == 0x81))) \
                | ((raw[:, 0] == 0xEF) & (raw[:, 1] == 0xBB)) \
                | (((before == 0x80) | (before == 0x81)) & (raw[at, np.maximum(length - 3, 0)] == 0xE2)) \
                | ((last == 0xBF) & (before == 0xBB))
            odd |= (length > 1) & wide
        rows = np.flatnonzero(odd)
        if len(rows):
            s = s.astype(object)
            bad_rows, msgs = [], []
            for i in rows.tolist():
                ok, v = _parse_text(spec, self.cells.text(i, j))
                if not ok:
                    bad_rows.append(i)
                    msgs.append(str(v))
                    s[i] = b""
                else:
                    s[i] = (v or "").encode("utf-8")  # type: ignore[attr-defined]
            if bad_rows:
                self.fail(bad_rows, j, msgs)
            s = s.astype(bytes)
        return s


def build_chunk(cells: Cells, header: Header, catalog: Catalog, *, year_given: bool, policy_given: bool) -> Chunk:
    """Columns of the block's good rows; every bad cell becomes a problem of its row.

    ``year_given`` (--year) makes an empty year cell fine; ``policy_given``
    (--policy) makes the jurisdiction irrelevant.
    """
    cells, skipped = _drop_totals(cells, header, catalog)
    shown = cells
    cells = with_heading_units(cells, header)
    b = _ColumnBuilder(cells, header, shown)
    n = cells.n
    refused = cells.refused  # cells the reader reported (a formula with no result …): never evaluated
    if refused is not None:
        b.bad |= refused.any(axis=1)
    columns: dict[str, Column | ListColumn | TagColumn | TextColumn] = {}
    names = np.zeros(n, dtype="S1")
    jur_codes = np.full(n, -1, dtype=np.int64)
    jur_values: list[str | None] = []
    jur_ok: list[bool] = []  # per distinct jurisdiction cell: did it parse (a refused one is reported already)
    for group in ([F.MONEY], [F.COUNT, F.YEAR]):
        js = [j for j, spec in enumerate(header.fields) if spec.type in group]
        for j, col in zip(js, b.numeric(js)):
            columns[header.fields[j].name] = col
    for ftype in (F.BOOL, F.RATE):
        js = [j for j, spec in enumerate(header.fields) if spec.type == ftype]
        for j, col in zip(js, b.scalars(js)):
            columns[header.fields[j].name] = col
    for j, spec in enumerate(header.fields):
        if spec.type in (F.MONEY, F.COUNT, F.YEAR):
            continue
        if spec.type == F.MONEY_LIST:
            columns[spec.name] = b.money_list(j)
        elif spec.type == F.TAGS:
            columns[spec.name] = b.tags(j)
        elif spec.type in (F.BOOL, F.RATE):
            continue
        elif spec.name == "jurisdiction":
            results, inverse = b.unique(j)
            b._fail_unique(j, results, inverse, np.array([not r[0] for r in results]))
            # as in calc: case and surrounding spaces do not matter
            jur_values = [str(v).strip().lower() if ok and v is not None else None for ok, v in results]
            jur_ok = [bool(ok) for ok, _ in results]
            jur_codes = inverse.astype(np.int64)
        elif spec.type == F.TEXT:
            text = b.text(j)
            if spec.name == "name":
                names = text
    # row-level checks: the fiscal year, the jurisdiction; listed with the row's other problems (every problem at
    # once), but never a second time for a cell already refused
    year_j = header.index("year")
    if not year_given:
        missing_year = ~columns["year"].present if "year" in columns else np.ones(n, dtype=bool)  # type: ignore[union-attr]
        said = refused[:, year_j].copy() if refused is not None and year_j is not None else np.zeros(n, dtype=bool)
        said[[i for i, j, _, _ in b.problems if j == year_j]] = True
        rows = np.flatnonzero(missing_year & ~said)
        if len(rows):
            b.fail(rows, year_j if year_j is not None else -1,
                   ["missing; fill in the fiscal year (e.g. 2024) or pass --year"] * len(rows))
    if not policy_given:
        jj = header.index("jurisdiction")
        known = catalog.jurisdictions()
        policy_of = [bool(catalog.for_jurisdiction(v)) if v is not None else False for v in jur_values]
        for k, v in enumerate(jur_values):
            rows = np.flatnonzero(jur_codes == k) if jur_ok[k] else np.zeros(0, dtype=np.int64)
            if refused is not None and jj is not None:
                rows = rows[~refused[rows, jj]]
            if not len(rows) or policy_of[k]:
                continue
            if v is None:
                msg = f"missing; fill in one of {', '.join(known)} or pass --policy ID"
            else:
                close = difflib.get_close_matches(v, known, n=1, cutoff=0.3)
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                msg = (f"no policy for jurisdiction {v!r}{hint}{F.district_hint(v)}; known: {', '.join(known)} (or "
                       f"pass --policy ID)")
            b.fail(rows, jj if jj is not None else -1, [msg] * len(rows))

    problems = list(cells.problems)
    assert cells.lines is not None
    name_j = header.index("name")
    for i, j, value, msg in b.problems:
        name = names[i].decode("utf-8", "replace") if len(names) == n and names[i] else (
            csvio._clip(cells.text(i, name_j).strip(), 60) if name_j is not None else "")
        if (0 <= j < len(header.units) and header.units[j] and header.fields[j].type in (F.MONEY, F.MONEY_LIST)
                and msg.endswith(_YUAN_EXAMPLES)):
            # the message's examples are bare numbers of yuan (1200000), which under 营业收入（万元） would be read
            # in 万元: say so wherever such examples end the message (not after "enter 0 for none" and the like)
            msg += (f" (the column's heading {header.headings[j]!r} gives a bare number the unit "
                    f"{header.units[j]}元: write 120 for 120{header.units[j]}元, or a unit in the cell)")
        problems.append(RowProblem(int(cells.rows[i]), header.names[j] if j >= 0 else "year", value, msg,
                                   int(cells.lines[i]), name))
    at = {name: j for j, name in enumerate(header.names)}
    problems.sort(key=lambda p: (p.row, at.get(p.field, len(at))))  # a row's problems in column order
    good = np.flatnonzero(~b.bad)
    table = Table(n, columns, cells.rows.tolist())
    if len(good) < n:
        table = select(table, good)
    return Chunk(table, cells.rows[good], names[good] if len(names) == n else np.zeros(len(good), "S1"),
                 jur_values, jur_codes[good], problems, cells.lines[good], skipped, cells.blank,
                 named=header.index("name") is not None)


#: the endings of a money message whose examples are bare numbers of yuan (the long and the short form)
_YUAN_EXAMPLES = (MONEY_EXAMPLE, f"(expected {F.EXAMPLES[F.MONEY]})")

#: the last byte of a plain number: an ASCII digit or '.'
_NUMBER_END = np.zeros(256, dtype=bool)
_NUMBER_END[list(b"0123456789.")] = True


def with_heading_units(cells: Cells, header: Header) -> Cells:
    """The cells with a heading's unit written after each bare number of its column ("25000" in a 营业收入（万元）
    column reads as "25000万"; "3.45" under 利率(%) as "3.45%"). A cell that gives its own unit ("25亿") keeps it.

    Scalar columns are rewritten vectorised (a new stretch of the buffer for the cells that change); list
    columns ("300;150") item by item, once per distinct cell.
    """
    js = [j for j, u in enumerate(header.units) if u]
    if not js or cells.n == 0:
        return cells
    buf, start, length = cells.buf, cells.start.copy(), cells.length.copy()
    pieces = [buf]
    at = len(buf)
    for j in js:
        word = header.units[j]
        unit = word.encode("utf-8")
        if header.fields[j].type == F.MONEY_LIST:
            rows = np.flatnonzero(length[:, j] > 0)
            if len(rows):
                at = _rewrite(buf, start, length, j, rows, functools.partial(_list_with_unit, unit=word), pieces, at)
            continue
        m = csvio.gather(buf, start[:, j], length[:, j])
        if m.shape[1] == 0:
            continue
        filled = length[:, j] > 0
        last = m[np.arange(cells.n), np.maximum(length[:, j] - 1, 0)]
        plain = filled & _NUMBER_END[last]  # ends in an ASCII digit or '.': the unit goes right after it
        # ends in a space (ASCII, full-width, no-break …) or in any other character: read as text, once per
        # distinct cell ("250000　" -> "250000万", "２５００００" -> "２５００００万", "25亿" stays)
        odd = np.flatnonzero(filled & ~plain)
        if len(odd):
            at = _rewrite(buf, start, length, j, odd, functools.partial(_bare_with_unit, unit=word), pieces, at)
        rows = np.flatnonzero(plain)
        if not len(rows):
            continue
        ends = length[rows, j]
        w = m.shape[1] + len(unit)
        out = np.zeros((len(rows), w), dtype=np.uint8)
        out[:, :m.shape[1]] = m[rows]
        cols = ends[:, None] + np.arange(len(unit))[None, :]
        out[np.arange(len(rows))[:, None], cols] = np.frombuffer(unit, dtype=np.uint8)[None, :]
        pieces.append(out.reshape(-1))
        start[rows, j] = at + np.arange(len(rows)) * w
        length[rows, j] = ends + len(unit)
        at += out.size
    return dataclasses.replace(cells, buf=np.concatenate(pieces), start=start, length=length)


def _rewrite(buf: np.ndarray, start: np.ndarray, length: np.ndarray, j: int, rows: np.ndarray,
             text: Callable[[str], str | None], pieces: list[np.ndarray], at: int) -> int:
    """Cells ``rows`` of column ``j`` as ``text`` makes each distinct one (None: left as it is): the new texts
    are appended to ``pieces`` (the buffer's stretch from offset ``at``) and ``start``/``length`` point at them.
    Returns the offset after them."""
    texts, inverse = csvio.distinct(buf, start[rows, j], length[rows, j])
    new = [text(t.decode("utf-8", "replace")) for t in texts]
    data = [x.encode("utf-8") for x in new if x is not None]
    if not data:
        return at
    changed = np.array([x is not None for x in new], dtype=bool)
    sizes = np.zeros(len(new), dtype=np.int64)
    sizes[changed] = [len(b) for b in data]
    offsets = at + np.cumsum(sizes) - sizes
    mine = changed[inverse]
    start[rows[mine], j], length[rows[mine], j] = offsets[inverse[mine]], sizes[inverse[mine]]
    pieces.append(np.frombuffer(b"".join(data), dtype=np.uint8))
    return at + int(sizes.sum())


def _bare_with_unit(text: str, unit: str) -> str | None:
    """ "250000　" -> "250000万" (any trailing space dropped); None for a cell that is not a bare number ("25亿")."""
    text = text.rstrip()
    return text + unit if text and _ends_in_digit(text) else None


def _ends_in_digit(text: str) -> bool:
    """ "250000", "12.", "２５００００": a bare number's last character (a digit of 0-9 or full-width, or '.')."""
    return text[-1] in "0123456789." or "０" <= text[-1] <= "９" or text[-1] == "．"


def _list_with_unit(text: str, unit: str) -> str:
    """ "300;150" -> "300万;150万" (each item that is a bare number; "2亿" keeps its own unit).

    >>> _list_with_unit("300；1.5亿、 20 ", "万")
    '300万；1.5亿、 20万 '
    """
    return re.sub(r"([0-9０-９.．])([ \t\u3000]*)(?=[;；、\r\n]|\Z)", lambda m: m.group(1) + unit + m.group(2), text)


#: bytes every totals label holds one of (in ASCII lower case): 计 (合计, 总计, 小计, 共计, 累计), 汇 (汇总), 总 (总数,
#: 总额), 均 (平均, 均值), 其中 (其中：高新区), "otal" (total, subtotal), "sum", "aver", "mean" — a quick filter before
#: ``csvio.is_totals_label`` reads a name
_LABEL_NEEDLES = tuple(x.encode("utf-8") for x in ("计", "汇", "总", "均", "其中", "otal", "sum", "aver", "mean"))
assert all(any(n.decode() in label for n in _LABEL_NEEDLES) for label in csvio.TOTALS_LABELS)


def _drop_totals(cells: Cells, header: Header, catalog: Catalog) -> tuple[Cells, list[SkippedRow]]:
    """Leave out the rows that look like a spreadsheet's totals row (``csvio.names_a_total``, a column at a
    time): a name that is only a totals label (``csvio.is_totals_label``), whatever else the row holds; no name
    and only such a label in the first column; or
    合计/总计/小计/汇总/Total in the name (``csvio.names_a_total``: spaces ignored, "total" as a word, no company word
    unless the name ends with 合计 …) and neither a year nor a jurisdiction (a real company always has both, or
    gets them from --year/--policy)."""
    name_j = header.index("name")
    if name_j is None or cells.n == 0:
        return cells, []
    hit = np.zeros(cells.n, dtype=bool)
    again, other = _repeated_header(cells, header, name_j, catalog)
    # a name that is only 合计 / Total … (whatever else the row holds): the few short names, each distinct one once
    short = np.flatnonzero((cells.length[:, name_j] > 0) & (cells.length[:, name_j] <= csvio.TOTALS_LABEL_BYTES))
    if len(short):  # first the names with a label's word in them (one scan of their bytes), then those in Python
        m = np.ascontiguousarray(csvio.gather(cells.buf, cells.start[short, name_j], cells.length[short, name_j]))
        near = np.zeros(len(short), dtype=bool)
        if m.size:  # a row per name, zero-padded: a match's offset // width is its name; then on to the next name
            data, w = m.tobytes().lower(), m.shape[1]  # ASCII case folded, as is_totals_label reads a name
            for needle in _LABEL_NEEDLES:
                i = data.find(needle)
                while i >= 0:
                    near[i // w] = True
                    i = data.find(needle, (i // w + 1) * w)
        short = short[near]
    if len(short):
        texts, inverse = csvio.distinct(cells.buf, cells.start[short, name_j], cells.length[short, name_j])
        label = np.array([csvio.is_totals_label(t.decode("utf-8", "replace")) for t in texts], dtype=bool)
        hit[short[label[inverse]]] = True
    if name_j != 0:  # no name, and only a totals label in the first column (所在地 or 序号 first: 合计 spans them)
        first = np.flatnonzero((cells.length[:, name_j] == 0) & (cells.length[:, 0] > 0)
                               & (cells.length[:, 0] <= csvio.TOTALS_LABEL_BYTES))
        if len(first):
            texts, inverse = csvio.distinct(cells.buf, cells.start[first, 0], cells.length[first, 0])
            label = np.array([csvio.is_totals_label(t.decode("utf-8", "replace")) for t in texts], dtype=bool)
            hit[first[label[inverse]]] = True
    # 合计 … in a longer name (no company word in it: names_a_total), when the row has neither a year nor a
    # jurisdiction (with --year and --policy a sheet needs neither column)
    cand = (cells.length[:, name_j] > 0) & ~hit
    for col in ("year", "jurisdiction"):  # cheap first: only rows with neither are read
        j = header.index(col)
        if j is not None:
            cand &= cells.length[:, j] == 0
    rows = np.flatnonzero(cand)
    if len(rows) == 0:
        return _without_totals(cells, name_j, hit, again, other)
    start, length = cells.start[rows, name_j], cells.length[rows, name_j]
    head = np.minimum(length, csvio.TOTALS_NAME_BYTES)
    names = np.char.lower(csvio.as_bytes(csvio.gather(cells.buf, start, head)))

    def has_word(names: np.ndarray) -> np.ndarray:  # vectorised: every row is a candidate under --year --policy
        found = np.zeros(len(names), dtype=bool)
        for word in csvio.TOTALS_WORDS:
            found |= np.char.find(names, word.encode("utf-8")) >= 0
        return found

    found = has_word(names)
    spaces = (b" ", b"\t", "\u3000".encode("utf-8"))  # as names_a_total: "合  计", "合　计" are 合计
    spaced = ~found & np.logical_or.reduce([np.char.find(names, sp) >= 0 for sp in spaces])
    if spaced.any():
        packed = names[spaced]
        for sp in spaces:
            packed = np.char.replace(packed, sp, b"")
        found[spaced] = has_word(packed)
    rows = rows[found]
    if len(rows):  # the few with a word: read as names_a_total does (a company word, "total" as a word)
        texts, inverse = csvio.distinct(cells.buf, cells.start[rows, name_j], cells.length[rows, name_j])
        total = np.array([csvio.names_a_total(t.decode("utf-8", "replace")) for t in texts], dtype=bool)
        hit[rows[total[inverse]]] = True
    return _without_totals(cells, name_j, hit, again, other)


def _repeated_header(cells: Cells, header: Header, name_j: int,
                     catalog: Catalog) -> tuple[np.ndarray, dict[int, str]]:
    """The rows that are the header again (blocks pasted one under another, each with its header): the name
    column holds a heading of its field (its own, another alias, in another case: ``Header.forms``), and at
    least half the row's filled cells (two or more) hold one of theirs. They
    were bad rows with a problem per column ("'营业收入' is not an amount of money" …). With them, per row whose
    headings are not the first header's (``_other_headings``), what differs: the run is refused."""
    hit = np.zeros(cells.n, dtype=bool)
    other: dict[int, str] = {}
    forms = header.forms
    needles = sorted({f.encode("utf-8") for f in forms[name_j] if f})
    if not needles:
        return hit, other
    rows = np.flatnonzero(cells.length[:, name_j] >= min(map(len, needles)))  # (spaces may be around the name)
    if len(rows) == 0:
        return hit, other
    m = csvio.gather(cells.buf, cells.start[rows, name_j], cells.length[rows, name_j])
    m = np.where((m >= 65) & (m <= 90), m | 0x20, m)  # ASCII case-blind (Name, NAME); the rest in Python below
    near = np.zeros(len(rows), dtype=bool)
    data, w = np.ascontiguousarray(m, dtype=np.uint8).tobytes(), m.shape[1]
    for own in needles:
        i = data.find(own)
        while i >= 0:  # a row per name, zero-padded: a match's offset // width is its name
            near[i // w] = True
            i = data.find(own, (i // w + 1) * w)
    for i in rows[near].tolist():
        texts = [heading_form(cells.text(i, j)) for j in range(len(forms))]
        filled = sum(bool(t) for t in texts)
        same = sum(bool(t) and t in f for t, f in zip(texts, forms))
        if texts[name_j] in forms[name_j] and same >= 2 and same * 2 >= filled:
            hit[i] = True
            shown = [cells.text(i, j).strip() for j in range(len(forms))]
            if differs := _other_headings(shown, header, catalog):
                other[i] = differs
    return hit, other


def _other_headings(shown: list[str], header: Header, catalog: Catalog) -> str:
    """What a repeated header (its cells as written) changes, "" when each of its headings names the field and
    the unit the first header's heading of that column names (any alias or spelling of them: 营业收入 （万元）,
    revenue (万元), 营业收入【万元】 under 营业收入（万元）): ``column E '营业收入（万元）' (the header: '营业收入')``. A
    header with other units or its columns in another order, with the rows under it read by the first header,
    put 10000 万元 as 10000 yuan, or one column's figures in another's field."""
    headings = header.headings or header.names
    out = []
    for j, (text, f) in enumerate(zip(shown, header.fields)):
        if not text:
            continue  # (no heading there: the first header's stands)
        named = field_of(csvio.heading(text).strip("\ufeff\u200b").strip(), catalog)
        if f.type == F.IGNORED or not headings[j]:  # the sheet's own 序号/备注 column, or one without a heading:
            if named is not None:  # a field's heading there would go unread (硅衬底LED销售额 over 备注)
                out.append(f"column {column_letter(j)} {csvio._clip(text, 40)!r} (the header: "
                           f"{headings[j] or 'no heading'!r}, not read)")
            continue
        unit = header.units[j] if j < len(header.units) else ""
        if named != (f.name, unit):
            out.append(f"column {column_letter(j)} {csvio._clip(text, 40)!r} (the header: {headings[j]!r})")
    return "; ".join(out[:3]) + ("; …" if len(out) > 3 else "")


def _without_totals(cells: Cells, name_j: int, hit: np.ndarray, again: np.ndarray,
                    other: dict[int, str]) -> tuple[Cells, list[SkippedRow]]:
    if not (hit.any() or again.any()):
        return cells, []
    assert cells.lines is not None
    skipped = [SkippedRow(int(cells.rows[i]), int(cells.lines[i]),
                          csvio._clip((cells.text(i, name_j) or cells.text(i, 0)).strip(), 60),
                          (SkipReason.OTHER_HEADER if i in other else SkipReason.HEADER) if again[i] else
                          SkipReason.TOTALS, other.get(i, ""))
               for i in np.flatnonzero(hit | again).tolist()]
    return csvio.keep_rows(cells, ~(hit | again)), skipped


def chunk_checks(chunk: Chunk, registry: F.Registry) -> TableWarnings:
    """The plausibility warnings of a chunk's rows, a row left without a name in a sheet that has a name column
    among them (an unlabelled subtotal, a note: ``plausibility.WarningKind.NO_NAME``)."""
    return check_table(chunk.table, registry, nameless=(chunk.names == b"") if chunk.named else None)


def drop_rows(chunk: Chunk, idx: np.ndarray, problems: Sequence[RowProblem]) -> Chunk:
    """The chunk without its rows ``idx`` (sorted), which become ``problems``."""
    keep = np.ones(chunk.table.n, dtype=bool)
    keep[idx] = False
    good = np.flatnonzero(keep)
    assert chunk.lines is not None
    merged = sorted([*chunk.problems, *problems], key=lambda p: p.row)
    return Chunk(select(chunk.table, good), chunk.rows[good], chunk.names[good], chunk.jurisdiction,
                 chunk.jcode[good], merged, chunk.lines[good], chunk.skipped, chunk.blank, chunk.named)


def select(table: Table, idx: np.ndarray) -> Table:
    """The rows ``idx`` of a table (in that order)."""
    cols: dict[str, Column | ListColumn | TagColumn | TextColumn] = {}
    for name, col in table.columns.items():
        if isinstance(col, Column):
            cols[name] = Column(col.values[idx], col.present[idx])
        elif isinstance(col, ListColumn):
            counts = np.diff(col.offsets)[idx]
            offsets = np.zeros(len(idx) + 1, dtype=np.int64)
            np.cumsum(counts, out=offsets[1:])
            src = np.repeat(col.offsets[:-1][idx] - offsets[:-1], counts) + np.arange(int(offsets[-1]))
            cols[name] = ListColumn(offsets, col.flat[src], col.present[idx])
        elif isinstance(col, TagColumn):
            cols[name] = TagColumn(col.masks[idx], col.vocab, col.present[idx], _take_list(col.values, idx))
        else:
            cols[name] = TextColumn(_take_list(col.values, idx), col.present[idx])
    return Table(len(idx), cols, _take_list(table.rows, idx))


def _take_list(values: list, idx: np.ndarray) -> list:
    if len(idx) == 0:
        return []
    if len(idx) == 1:
        return [values[int(idx[0])]]
    return list(operator.itemgetter(*idx.tolist())(values))
