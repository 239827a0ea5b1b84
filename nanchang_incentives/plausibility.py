"""Plausibility warnings: values that parse but are probably a slip (never errors, never silent).

A finance clerk who types revenue "25万" beside revenue_prev "22亿", or an LPR
of "31%", gets every figure computed, and a warning naming the fields. The
checks run over the columns of a ``profile.Table``, so ``calc`` (a table of
one row) and ``batch`` (a table per chunk) warn about exactly the same rows.

Which fields take part is declared in the field registry (``plausibility =
"within_revenue" | "project" | "interest_rate"`` in a ``[fields]`` table);
every count and every field with a vocabulary (industries) is checked too.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np

from . import fields as F
from .money import RATE_DENOMINATOR, UNITS_PER_YUAN, format_rate
from .profile import Column, ListColumn, Table, TagColumn
from .text import visible

#: more than this many times (or less than 1/this of) the previous year's revenue is suspicious
REVENUE_CHANGE_FACTOR = 20
#: one project above this many times the revenue is suspicious
PROJECT_FACTOR = 10
#: an interest rate outside this range (in 1/RATE_DENOMINATOR) is no LPR: 0.5% … 15%
RATE_RANGE = (RATE_DENOMINATOR * 5 // 1000, RATE_DENOMINATOR * 15 // 100)
#: a count above this is suspicious (no company has a million R&D staff)
LARGE_COUNT = 1_000_000
#: a ratio within these bounds of 10^4 (万 for 亿, 元 for 万) or 10^8 (元 for 亿) suggests a unit slip
SLIP_WINDOWS = ((2_000, 50_000), (20_000_000, 500_000_000))


class WarningKind(str, enum.Enum):
    """What a plausibility warning is about (its ``value`` is the code batch writes)."""

    ABOVE_REVENUE = "above_revenue"  # R&D expense, a product's sales or a project above the year's revenue
    PROJECT_SCALE = "project_scale"  # a single project above 10× revenue
    REVENUE_CHANGE = "revenue_change"  # revenue_prev more than 20× revenue, or less than 1/20 of it
    UNIT_SLIP = "unit_slip"  # two amounts ~10^4 or ~10^8 apart: 万/亿 (or 元/万) written for the other
    RATE_RANGE = "rate_range"  # an interest rate outside 0.5% … 15%
    LARGE_COUNT = "large_count"  # a count above 1,000,000
    UNKNOWN_TAG = "unknown_tag"  # an industry tag no policy and no vocabulary entry knows
    NO_NAME = "no_name"  # a batch row without a company name, in a sheet that has the column: a subtotal, a note?


@dataclass(frozen=True)
class PlausibilityWarning:
    """One warning about one profile: what, which fields, their values (as written in the message), why;
    ``message_zh``: the same sentence in Chinese, the same figures (calc and compare under --lang zh; batch's
    warnings column and errors file keep the English codes and ``message``)."""

    kind: WarningKind
    fields: tuple[str, ...]
    values: tuple[str, ...]
    message: str
    message_zh: str = ""

    @property
    def code(self) -> str:
        """``unit_slip:rd_expense+revenue``: the warning in a batch ``warnings`` cell."""
        return f"{self.kind.value}:{'+'.join(self.fields)}"


def yuan_text(units: int) -> str:
    """Money units as the clerk would write them: 25万, 22亿, 1200亿, 3500元 (exact).

    >>> yuan_text(250_000 * 10_000), yuan_text(2_200_000_000 * 10_000), yuan_text(35_005_000)
    ('25万', '22亿', '3500.5元')
    """
    yuan = Decimal(int(units)) / UNITS_PER_YUAN
    for factor, unit in ((10**8, "亿"), (10**4, "万")):
        if yuan >= factor:
            return format((yuan / factor).normalize(), "f") + unit
    return format(yuan.normalize(), "f") + "元"


@dataclass(frozen=True)
class _Hit:
    kind: WarningKind
    fields: tuple[str, ...]
    mask: np.ndarray  # bool per row


@dataclass
class TableWarnings:
    """The warnings of every row of a table: masks per rule, expanded into warnings on demand."""

    table: Table
    registry: F.Registry
    hits: list[_Hit]
    unknown_tags: dict[str, list[tuple[str, ...]]]  # field -> per row the tags nobody knows

    def mask(self) -> np.ndarray:
        """Rows with at least one warning."""
        out = np.zeros(self.table.n, dtype=bool)
        for h in self.hits:
            out |= h.mask
        return out

    def codes(self) -> list[str]:
        """Per row: the warning codes joined by ';' ('' when none), for a batch ``warnings`` column."""
        out = [""] * self.table.n
        for h in self.hits:
            code = f"{h.kind.value}:{'+'.join(h.fields)}"
            for i in np.flatnonzero(h.mask).tolist():
                out[i] = f"{out[i]};{code}" if out[i] else code
        return out

    def for_row(self, i: int) -> tuple[PlausibilityWarning, ...]:
        """The warnings of row ``i``, each with its message."""
        return tuple(self._warning(h, i) for h in self.hits if h.mask[i])

    def _value(self, name: str, i: int) -> str:
        v = self.table.python_value(name, i)
        spec = self.registry.get(name)
        if name in self.unknown_tags:
            return ", ".join(self.unknown_tags[name][i])
        if isinstance(v, tuple):
            return yuan_text(max(v)) if v else ""  # type: ignore[type-var]
        if spec is not None and spec.type == F.RATE:
            return format_rate(Fraction(int(v), RATE_DENOMINATOR))  # type: ignore[arg-type,call-overload]
        if spec is not None and spec.type in (F.MONEY, F.MONEY_LIST):
            return yuan_text(int(v))  # type: ignore[arg-type,call-overload]
        return f"{int(v):,}" if isinstance(v, int) else str(v)  # type: ignore[arg-type]

    def _units(self, name: str, i: int) -> int:
        v = self.table.python_value(name, i)
        return max(v, default=0) if isinstance(v, tuple) else int(v or 0)  # type: ignore[call-overload]

    def _warning(self, h: _Hit, i: int) -> PlausibilityWarning:
        if h.kind is WarningKind.NO_NAME:  # the names are not a column of the table (batch keeps them apart)
            return PlausibilityWarning(h.kind, h.fields, ("",), "the row has no company name: if it is a subtotal, a "
                                       "total or a note, delete it; otherwise write the company's name",
                                       "该行没有企业名称：如为小计、合计或备注，请删除；否则请填写企业名称")
        vals = tuple(self._value(f, i) for f in h.fields)
        a, b = (h.fields + ("", ""))[:2]
        va, vb = (vals + ("", ""))[:2]
        listed = self.registry.get(a) is not None and self.registry[a].type == F.MONEY_LIST
        one = "one project of " if listed else ""
        za, zb = self._zh_name(a), self._zh_name(b)
        one_zh = f"{za}中的一个项目" if listed else za
        if h.kind is WarningKind.ABOVE_REVENUE:
            msg = f"{one}{a} ({va}) is above {b} ({vb}); check both amounts and their units"
            zh = f"{one_zh} = {va}，高于 {zb} = {vb}：请核对两项金额及其单位"
        elif h.kind is WarningKind.PROJECT_SCALE:
            msg = f"{one}{a} ({va}) is more than {PROJECT_FACTOR}× {b} ({vb}); check the amount and its unit"
            zh = f"{one_zh} = {va}，超过 {zb} = {vb} 的 {PROJECT_FACTOR} 倍：请核对金额及其单位"
        elif h.kind is WarningKind.UNIT_SLIP:
            xa, xb = (self._units(f, i) for f in (a, b))
            if max(xa, xb) // max(min(xa, xb), 1) < SLIP_WINDOWS[1][0]:
                slip = "about 10,000 times apart: was 万 written for 亿, or 元 for 万? (1亿 = 10,000万)"
                slip_zh = "相差约 10,000 倍：是否把“亿”写成了“万”，或把“万”写成了“元”？（1亿 = 10,000万）"
            else:
                slip = "about 100,000,000 times apart: was 元 written for 亿? (1亿 = 100,000,000元)"
                slip_zh = "相差约 100,000,000 倍：是否把“亿”写成了“元”？（1亿 = 100,000,000元）"
            msg = f"{one}{a} ({va}) and {b} ({vb}) are {slip}"
            zh = f"{one_zh} = {va} 与 {zb} = {vb} {slip_zh}"
        elif h.kind is WarningKind.REVENUE_CHANGE:
            msg = (f"{a} ({va}) and {b} ({vb}) differ more than {REVENUE_CHANGE_FACTOR}-fold; "
                   f"check both amounts and their units")
            zh = f"{za} = {va} 与 {zb} = {vb} 相差超过 {REVENUE_CHANGE_FACTOR} 倍：请核对两项金额及其单位"
        elif h.kind is WarningKind.RATE_RANGE:
            lo, hi = (format_rate(Fraction(r, RATE_DENOMINATOR)) for r in RATE_RANGE)
            msg = f"{a} = {va} is outside {lo} … {hi}, where every LPR has been; write it like \"3.45%\""
            zh = f"{za} = {va} 不在 {lo} … {hi} 之内（历来的 LPR 都在此范围）：请写成 \"3.45%\" 的形式"
        elif h.kind is WarningKind.LARGE_COUNT:
            msg = f"{a} = {va} is more than {LARGE_COUNT:,}; check the value"
            zh = f"{za} = {va} 超过 {LARGE_COUNT:,}：请核对数值"
        else:
            spec = self.registry.get(a)
            known = ", ".join(sorted(spec.vocabulary.zh)) if spec is not None and spec.vocabulary else ""
            msg = (f"{a}: {va} is not an industry any policy or the tag vocabulary knows; kept as written, "
                   f"no policy targets it (known: {known})")
            vocab = spec.vocabulary.zh if spec is not None and spec.vocabulary else {}
            known_zh = "、".join(vocab[t] or t for t in sorted(vocab))  # (电子信息, not electronic-information)
            zh = f"{za}：{va} 不是任何政策或行业词表所知的行业；按原样保留，没有政策面向它（已知：{known_zh}）"
        # (a tag is the user's text: ESC shown)
        return PlausibilityWarning(h.kind, h.fields, vals, visible(msg), visible(zh))

    def _zh_name(self, name: str) -> str:
        """A field as a Chinese sentence names it: ``rd_expense（研发费用）`` (its id alone when it has no Chinese name)."""
        spec = self.registry.get(name)
        zh = spec.zh if spec is not None else name
        return f"{name}（{zh}）" if zh and zh != name else name


def _in_slip_window(big: np.ndarray, small: np.ndarray) -> np.ndarray:
    """big / small within a factor 5 of 10^4 or 10^8 (int64 arithmetic: small > 0)."""
    q = big // np.maximum(small, 1)
    out = np.zeros(len(big), dtype=bool)
    for lo, hi in SLIP_WINDOWS:
        out |= (q >= lo) & (q < hi)
    return out & (small > 0)


def _largest(col: Column | ListColumn) -> tuple[np.ndarray, np.ndarray]:
    """(value, present) per row: a money field's value, a list's largest item (absent when empty)."""
    if isinstance(col, Column):
        return col.values.astype(np.int64), col.present.copy()
    counts = np.diff(col.offsets)
    present = col.present & (counts > 0)
    values = np.zeros(len(counts), dtype=np.int64)
    if len(col.flat):
        starts = col.offsets[:-1][present]
        values[present] = np.maximum.reduceat(col.flat, starts) if len(starts) else values[present]
    return values, present


def check_table(table: Table, registry: F.Registry, nameless: np.ndarray | None = None) -> TableWarnings:
    """Every plausibility rule over every row of ``table`` (vectorised; int64, no floating point).

    ``nameless``: per row, whether a batch row has no company name (batch keeps names out of the table).
    """
    hits: list[_Hit] = []
    if nameless is not None:
        hits.append(_Hit(WarningKind.NO_NAME, ("name",), nameless))
    unknown: dict[str, list[tuple[str, ...]]] = {}
    rev_col = table.scalar("revenue")
    rev = rev_col.values.astype(np.int64) if rev_col is not None else np.zeros(table.n, dtype=np.int64)
    has_rev = rev_col.present & (rev > 0) if rev_col is not None else np.zeros(table.n, dtype=bool)

    prev_col = table.scalar("revenue_prev")
    if prev_col is not None and rev_col is not None:
        both = has_rev & prev_col.present & (prev_col.values > 0)
        big = np.maximum(rev, prev_col.values)
        small = np.minimum(rev, prev_col.values)
        slip = both & _in_slip_window(big, small)
        hits.append(_Hit(WarningKind.UNIT_SLIP, ("revenue_prev", "revenue"), slip))
        change = both & ~slip & (big // np.maximum(small, 1) >= REVENUE_CHANGE_FACTOR) & \
            (big > small * REVENUE_CHANGE_FACTOR)
        hits.append(_Hit(WarningKind.REVENUE_CHANGE, ("revenue_prev", "revenue"), change))

    # sales revenue is revenue less what is not sales: far below it by 10^4 or 10^8 is a unit slip too (3万 for
    # 3亿 made the 5% company cap 1,500.00 and cut loan_interest from 775,000.00 to it, without a word); above it,
    # the rule for every amount within revenue below says it
    sales_col = table.scalar("sales_revenue")
    if sales_col is not None and rev_col is not None:
        below = has_rev & sales_col.present & (sales_col.values > 0) & (sales_col.values < rev)
        hits.append(_Hit(WarningKind.UNIT_SLIP, ("sales_revenue", "revenue"),
                         below & _in_slip_window(rev, sales_col.values.astype(np.int64))))

    for name, spec in registry.fields.items():
        col = table.columns.get(name)
        if col is None:
            continue
        if spec.scale in (F.Scale.WITHIN_REVENUE, F.Scale.PROJECT) and isinstance(col, (Column, ListColumn)):
            x, present = _largest(col)
            on = present & has_rev & (x > rev)
            slip = on & _in_slip_window(x, rev)
            hits.append(_Hit(WarningKind.UNIT_SLIP, (name, "revenue"), slip))
            if spec.scale is F.Scale.PROJECT:
                scale = on & ~slip & (x // np.maximum(rev, 1) >= PROJECT_FACTOR) & (x > rev * PROJECT_FACTOR)
                hits.append(_Hit(WarningKind.PROJECT_SCALE, (name, "revenue"), scale))
                slip = slip | scale
            hits.append(_Hit(WarningKind.ABOVE_REVENUE, (name, "revenue"), on & ~slip))
        elif spec.scale is F.Scale.INTEREST_RATE and isinstance(col, Column):
            lo, hi = RATE_RANGE
            hits.append(_Hit(WarningKind.RATE_RANGE, (name,), col.present & ((col.values < lo) | (col.values > hi))))
        elif spec.type == F.COUNT and isinstance(col, Column):
            hits.append(_Hit(WarningKind.LARGE_COUNT, (name,), col.present & (col.values > LARGE_COUNT)))
        elif spec.type == F.TAGS and spec.vocabulary is not None and isinstance(col, TagColumn):
            strange = {t for t in col.vocab if not spec.known_value(t)}
            if strange:
                per_row = [tuple(t for t in (v or ()) if t in strange) for v in col.values]
                unknown[name] = per_row
                hits.append(_Hit(WarningKind.UNKNOWN_TAG, (name,),
                                 np.fromiter((bool(t) for t in per_row), dtype=bool, count=table.n)))
    return TableWarnings(table, registry, [h for h in hits if h.mask.any()], unknown)
