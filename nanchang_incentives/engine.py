"""The engine: (companies, policy, options) -> amounts, statuses and a trace.

Pure functions, no I/O.  ``run_policy`` evaluates one policy over a ``Table``
of any number of companies at once (columns of exact integers); ``calc`` is a
table of one row and ``batch`` a table per chunk of its CSV, so the two can
never disagree.  ``explain`` turns one row of a run into the per-clause
result with its explanation (SPEC §8).

Order of caps (SPEC §3), each applied in exactly one place below:
1. clause caps: per item (project/event/unit) then per company and year;
2. exclusive groups ("就高不就低"): the highest amount wins, the others are
   ``excluded``;
3. the policy's per-company annual cap: a proportional cut with
   largest-remainder on the last fen, so the capped clauses sum to the limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from . import expr
from . import fields as F
from .errors import MISSING_YEAR, OVERFLOW_MESSAGE, InputError, Location
from .expr import Bool, Num
from .money import MAX_UNITS, UNITS_PER_FEN, format_units
from .policy import ITEM, Catalog, Clause, Policy
from .profile import ListColumn, Table, TagColumn
from .trace import (
    CAP_STATE_BY_CODE,
    STATUS_BY_CODE,
    Basis,
    Calculation,
    CapEvent,
    CapKind,
    CapState,
    ClauseResult,
    CompanyCap,
    ConditionResult,
    Factor,
    FieldValue,
    GroupDecision,
    Kind,
    Notice,
    NoticeKind,
    PolicyResult,
    ReferenceUse,
    Side,
    Source,
    Status,
)

GRANTED, CAPPED, EXCLUDED, NOT_ELIGIBLE, MISSING, DISCRETIONARY, EXPIRED = range(7)
#: the largest clause amount, in fen: the largest money value a profile can hold (10万亿 yuan)
MAX_FEN = MAX_UNITS // UNITS_PER_FEN
STATUS_NAMES = ("granted", "capped", "excluded", "not_eligible", "missing_input", "discretionary", "expired")

# company-cap outcomes
CAP_NONE, CAP_NOT_BINDING, CAP_BINDING, CAP_EXEMPT, CAP_WAIVED, CAP_UNKNOWN, CAP_NOT_APPLICABLE = range(7)


@dataclass(frozen=True)
class Options:
    year: int | None = None
    ignore_validity: bool = False


@dataclass
class CondTrace:
    value: Bool
    left: Num | None = None
    right: Num | None = None


@dataclass
class ClauseRun:
    clause: Clause
    status: np.ndarray  # int8
    raw: np.ndarray  # fen
    after_item_cap: np.ndarray  # fen
    after_clause_cap: np.ndarray  # fen
    amount: np.ndarray  # fen, final
    conditions: list[CondTrace]
    base: Num | None = None
    rate: Num | None = None
    items_count: np.ndarray | None = None
    items_capped: np.ndarray | None = None  # number of items cut by item_cap
    #: the factors of the amount (base, each factor of the rate, the fixed sum) with their values
    factors: list[tuple[expr.Node | None, str, Num | None]] = field(default_factory=list)
    #: SPEC 9.2: an up_to clause's stated minimum (fen; 0 where not counted), None when the text states none
    minimum: np.ndarray | None = None
    #: SPEC 9.2: an exact clause's amount (fen) if the counted up_to clauses were granted their minimum
    #: (the company-cap step run again); equal to ``amount`` outside ``PolicyRun.ranged`` rows
    amount_max: np.ndarray | None = None


@dataclass
class PolicyRun:
    policy: Policy
    table: Table
    years: np.ndarray
    covered: np.ndarray
    options: Options
    industry: Bool
    clauses: list[ClauseRun]
    cap_state: np.ndarray
    cap_limit: np.ndarray  # fen
    cap_before: np.ndarray  # fen
    cap_after: np.ndarray  # fen
    exempt: Bool | None
    waived: Bool | None
    defaulted: dict[str, np.ndarray]  # field -> rows where a default stood in
    default_sources: dict[str, str]
    lookups: dict[tuple[str, int], object]  # (series, year) -> reference Lookup
    group_winner: dict[str, np.ndarray] = field(default_factory=dict)  # group -> index into members (-1)
    #: rows whose amount went above MAX_FEN (run_policy(flag_overflow=True)); their amounts are not meaningful
    overflow: np.ndarray | None = None
    #: per row, the index of the first clause that overflowed (len(clauses): the company cap; -1: none)
    overflow_clause: np.ndarray | None = None
    #: SPEC 9.2: rows where the company cap bound while an up_to clause counted above its stated minimum, so
    #: that the exact clauses' amounts are lower bounds (their upper bounds: ClauseRun.amount_max)
    ranged: np.ndarray | None = None

    def defaults_used(self) -> dict[str, np.ndarray]:
        """Per field another field stood in for (``sales_revenue`` <- ``revenue``), the rows where it did: what
        ``explain`` says per result (DEFAULT_USED) and batch per line. A reference rate is not one of them."""
        # (not for a company the policy does not target, nor one of a year no clause is in force for: nothing it
        # gets depends on the stand-in, and a budget office would chase its 销售收入 for nothing)
        relevant = (self.covered | self.options.ignore_validity) & ~self.not_targeted()
        return {name: rows & relevant for name, rows in self.defaulted.items()
                if not self.default_sources[name].startswith("reference:")}

    def not_targeted(self) -> np.ndarray:
        """The rows whose industries are given and are none of the policy's (calc's NOT TARGETED): every clause
        is not_eligible for them, whatever else they hold."""
        if not self.policy.industries:
            return np.zeros(self.table.n, dtype=bool)
        return np.asarray(self.industry.known & ~self.industry.val, dtype=bool)

    def related_not_targeted(self) -> np.ndarray:
        """Of the rows not targeted, those with a tag the text counts within the policy's industries (Nanchang:
        LED, VR …; ``explain.related_hint``): likely such enterprises whose sheet names only the sub-sector."""
        out = np.zeros(self.table.n, dtype=bool)
        rows = self.not_targeted()
        if rows.any() and self.policy.related_industries:
            ctx = _Context(self.table, None, self.years)  # type: ignore[arg-type]  # (tags need no catalogue)
            for tag in self.policy.related_industries:
                out |= ctx.has_tag("industries", tag).val
        return out & rows

    def exemption_assumed_false(self) -> np.ndarray | None:
        """The rows whose company-cap exemption field is missing and taken as false, so that the cap was checked
        (EXEMPTION_ASSUMED_FALSE); None when the policy's cap has no exemption."""
        cap = self.policy.company_cap
        if cap is None or cap.exempt_if is None or self.exempt is None:
            return None
        checked = np.isin(self.cap_state, (CAP_NOT_BINDING, CAP_BINDING, CAP_UNKNOWN))
        return checked & ~self.exempt.known & ~self.not_targeted()

    def exact_max(self) -> np.ndarray:
        """SPEC 9.2: per row, the sum over exact clauses of amount_max (amount where there is none)."""
        out = np.zeros(self.n, dtype=np.int64)
        for c in self.clauses:
            if c.clause.basis == "exact":
                out += c.amount_max if c.amount_max is not None else c.amount
        return out

    @property
    def n(self) -> int:
        return self.table.n

    def totals(self) -> tuple[np.ndarray, np.ndarray]:
        total = np.zeros(self.n, dtype=np.int64)
        exact = np.zeros(self.n, dtype=np.int64)
        for c in self.clauses:
            total += c.amount
            if c.clause.basis == "exact":
                exact += c.amount
        return total, exact


# ---------------------------------------------------------------- evaluation context


class _Context:
    """Field values as exact columns, with defaults (another field, a reference table)."""

    def __init__(self, table: Table, catalog: Catalog, years: np.ndarray):
        self.table = table
        self.catalog = catalog
        self.years = years
        self.cache: dict[str, Num | Bool] = {}
        self.defaulted: dict[str, np.ndarray] = {}
        self.default_sources: dict[str, str] = {}
        self.lookups: dict[tuple[str, int], object] = {}
        self.index: np.ndarray | None = None  # item level: row of each item
        self.item: Num | None = None

    def at_items(self, index: np.ndarray, item: Num) -> _Context:
        sub = _Context.__new__(_Context)
        sub.__dict__.update(self.__dict__)
        sub.cache = {}
        sub.index = index
        sub.item = item
        sub._parent = self  # type: ignore[attr-defined]
        return sub

    def value(self, name: str) -> Num | Bool:
        if name == ITEM:
            assert self.item is not None
            return self.item
        if self.index is not None:
            v = self._parent.value(name)  # type: ignore[attr-defined]
            return _take(v, self.index)
        if name not in self.cache:
            self.cache[name] = self._load(name)
        return self.cache[name]

    def _load(self, name: str) -> Num | Bool:
        spec = self.catalog.registry[name]
        n = self.table.n
        col = self.table.scalar(name)
        if col is not None:
            values, present = col.values, col.present
        else:
            values = np.zeros(n, dtype=bool if spec.type == F.BOOL else np.int64)
            present = np.zeros(n, dtype=bool)
        if spec.type == F.BOOL:
            result: Num | Bool = Bool(values, present)
        else:
            result = Num(values, F.DENOMINATOR[spec.type], present, _bound(values, F.BOUND[spec.type]))
        if spec.default and not present.all():
            missing = ~present
            fill = self._default(spec)
            if fill is not None:
                used = missing & fill.known
                if used.any():
                    self.defaulted[name] = used
                    self.default_sources[name] = spec.default
                if isinstance(result, Bool):
                    assert isinstance(fill, Bool)
                    result = Bool(np.where(present, values, fill.val), present | fill.known)
                else:
                    assert isinstance(fill, Num)
                    an, bn, den, bound = expr.common(result, fill)
                    result = Num(np.where(present, an, bn), den, present | fill.known, bound)
        return result

    def _default(self, spec: F.Field) -> Num | Bool | None:
        assert spec.default
        if spec.default.startswith("reference:"):
            series = spec.default.split(":", 1)[1]
            table = next((t for t in self.catalog.references.values() if series in t.series), None)
            if table is None:
                return None
            nums = np.zeros(self.table.n, dtype=np.int64)
            known = np.zeros(self.table.n, dtype=bool)
            for year in _distinct(self.years):
                look = table.year_end(series, int(year))
                self.lookups[(series, int(year))] = look
                if look is None:
                    continue
                sel = self.years == year
                nums[sel] = int(look.rate * F.DENOMINATOR[F.RATE])
                known[sel] = True
            return Num(nums, F.DENOMINATOR[F.RATE], known, _bound(nums, F.BOUND[F.RATE]))
        return self.value(spec.default)

    def has_tag(self, name: str, tag: str) -> Bool:
        col = self.table.columns.get(name)
        n = self.table.n
        if not isinstance(col, TagColumn):
            b = Bool(np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))
        else:
            bit = col.vocab.get(tag.lower())
            if bit is None:
                val = np.zeros(n, dtype=bool)
            elif bit < 62:
                val = (col.masks & (1 << bit)) != 0
            else:
                val = np.array([bool(v) and tag.lower() in v for v in col.values], dtype=bool)  # type: ignore[operator]
            b = Bool(val, col.present)
        return _take(b, self.index) if self.index is not None else b  # type: ignore[return-value]


def _take(v: Num | Bool, index: np.ndarray) -> Num | Bool:
    def t(a):
        return a[index] if isinstance(a, np.ndarray) else a

    if isinstance(v, Bool):
        return Bool(t(v.val), t(v.known))
    return Num(t(v.num), v.den, t(v.known), v.bound)


def _full(v, n: int, dtype) -> np.ndarray:
    if isinstance(v, np.ndarray):
        return v
    return np.full(n, v, dtype=dtype)


def _bound(values: np.ndarray, type_bound: int) -> int:
    """The largest |value| actually in a column (absent cells hold 0): a true bound, usually far below
    the field type's, so that products such as loans × LPR stay in int64 instead of Python integers."""
    if values.dtype == object:
        return max(type_bound, max((abs(int(v)) for v in values), default=0))
    if not len(values):
        return 0
    return int(np.abs(values).max()) if values.dtype != bool else 1


def to_fen(v: Num, n: int, over: np.ndarray | None = None, *, floor: bool = False) -> np.ndarray:
    """Round an exact yuan column half-up to whole fen (negative -> 0); with ``floor``, down (a limit that must
    not be exceeded: 5% × 1,000,000.10 = 50,000.005 allows 50,000.00, not 50,000.01).

    An amount above MAX_FEN raises ``AmountOverflow``; with ``over`` (a bool
    array of length n) its row is marked there instead and its fen set to 0.
    """
    num = v.num
    if not isinstance(num, np.ndarray):
        num = np.full(n, num, dtype=np.int64 if abs(num) < 2**62 else object)
    den = v.den
    if num.dtype != object and len(num) and (den > 2**40 or int(np.abs(num).max()) // den > 2**62 // 200):
        num = num.astype(object)  # q * 100 (or 2 * r * 100) could overflow int64 silently: go exact
    q = num // den
    r = num - q * den
    fen = q * 100 + ((r * 100) // den if floor else (2 * r * 100 + den) // (2 * den))
    fen = _check_fen(np.maximum(fen, 0), over)
    if fen.dtype == object:
        fen = fen.astype(np.int64)
    return fen


class AmountOverflow(InputError):
    """Some rows' amounts are beyond MAX_FEN: which rows, in which clause, from which fields."""

    def __init__(self, rows: np.ndarray, clause: str | None, fields: tuple[str, ...]):
        self.rows = rows
        self.clause = clause
        self.fields = fields
        super().__init__(OVERFLOW_MESSAGE, Location(clause=clause, field=fields[0] if fields else None))


def _check_fen(fen: np.ndarray, over: np.ndarray | None = None) -> np.ndarray:
    """Refuse amounts above MAX_FEN (so sums of clauses can never overflow int64).

    With ``over`` the rows above are marked there (and zeroed) instead of raising.
    """
    if len(fen) and fen.max() > MAX_FEN:
        if over is None:
            raise AmountOverflow(np.flatnonzero(fen > MAX_FEN), None, ())
        big = fen > MAX_FEN
        over |= big
        fen = np.where(big, 0, fen)
    return fen


def _eval_condition(cond: expr.Expression, ctx: _Context, n: int) -> CondTrace:
    """A condition's truth per row; for a numeric comparison also both sides (to say how far off)."""
    sides = expr.comparison_sides(cond)
    if sides is not None:
        left = expr.evaluate(sides[0], ctx)
        right = expr.evaluate(sides[2], ctx)
        if isinstance(left, Num) and isinstance(right, Num):
            return CondTrace(_bool_full(expr.compare(sides[1], left, right), n), left, right)
    b = expr.evaluate(cond.tree, ctx)
    return CondTrace(_bool_full(b, n))  # type: ignore[arg-type]


def _bool_full(b: Bool, n: int) -> Bool:
    return Bool(_full(b.val, n, bool), _full(b.known, n, bool))


def years_of(table: Table, options: Options) -> np.ndarray:
    """Fiscal year per row: --year wins over the profile's own ``year``."""
    if options.year is not None:
        return np.full(table.n, options.year, dtype=np.int64)
    col = table.scalar("year")
    if col is None or not col.present.all():
        raise ValueError(MISSING_YEAR)
    return col.values.astype(np.int64)


def overflow_fields(policy: Policy, k: int) -> tuple[str, ...]:
    """The fields whose values make clause ``k``'s amount (k == len(clauses): the company cap's limit)."""
    if k >= len(policy.clauses):
        cap = policy.company_cap
        return tuple(sorted(cap.limit.names)) if cap is not None else ()
    c = policy.clauses[k]
    names: list[str] = [c.items] if c.items else []
    for e in (c.base, c.rate):
        if e is not None:
            names += sorted(n for n in e.names if n != ITEM and n not in names)
    return tuple(names)


def run_policy(table: Table, policy: Policy, catalog: Catalog, options: Options = Options(), *,
               flag_overflow: bool = False) -> PolicyRun:
    """Evaluate ``policy`` over every row of ``table``.

    A row whose amount would go above MAX_FEN raises ``AmountOverflow``
    (naming the rows, the clause and its fields); with ``flag_overflow`` the
    run goes on and such rows are marked in ``PolicyRun.overflow`` instead,
    for the caller to report (``batch`` makes them bad rows).
    """
    n = table.n
    years = years_of(table, options)
    covered = np.array([policy.covers(int(y)) for y in _distinct(years)])
    covered = _year_map(years, covered)
    ctx = _Context(table, catalog, years)
    active = covered | options.ignore_validity

    if policy.industries:
        inds = [ctx.has_tag("industries", t) for t in policy.industries]
        industry = inds[0]
        for b in inds[1:]:
            industry = expr.kleene_or(industry, b)
    else:
        industry = Bool(np.ones(n, dtype=bool), np.ones(n, dtype=bool))
    industry = _bool_full(industry, n)

    overflow = np.zeros(n, dtype=bool)
    first_over = np.full(n, -1, dtype=np.int64)
    runs = []
    for k, c in enumerate(policy.clauses):
        over = np.zeros(n, dtype=bool)
        runs.append(_run_clause(c, ctx, n, active, industry, over))
        first_over[over & ~overflow] = k
        overflow |= over
    winners = _apply_groups(policy, runs, n)
    over = np.zeros(n, dtype=bool)
    state, limit, before, after, exempt, waived, ranged = _apply_company_cap(policy, runs, ctx, n, over)
    state[~active] = CAP_NOT_APPLICABLE  # SPEC 9.3: no clause in force, no cap outcome to report
    first_over[over & ~overflow] = len(policy.clauses)
    overflow |= over
    if overflow.any() and not flag_overflow:
        rows = np.flatnonzero(overflow)
        k = int(first_over[rows[0]])
        raise AmountOverflow(rows, policy.clauses[k].id if k < len(policy.clauses) else "company cap",
                             overflow_fields(policy, k))
    return PolicyRun(policy, table, years, covered, options, industry, runs, state, limit, before, after,
                     exempt, waived, ctx.defaulted, ctx.default_sources, ctx.lookups, winners, overflow, first_over,
                     ranged)


def _distinct(a: np.ndarray) -> np.ndarray:
    """``np.unique(a)`` for an int array, without numpy 2's detour through ``numpy.ma`` (whose import is a
    tenth of `calc`'s start-up)."""
    a = np.sort(np.asarray(a).reshape(-1))
    return a[np.concatenate(([True], a[1:] != a[:-1]))] if len(a) else a


def _year_map(years: np.ndarray, per_unique: np.ndarray) -> np.ndarray:
    uniq = _distinct(years)
    return per_unique[np.searchsorted(uniq, years)]


def _run_clause(c: Clause, ctx: _Context, n: int, active: np.ndarray, industry: Bool,
                over: np.ndarray) -> ClauseRun:
    """One clause over every row; rows whose amount overflows are marked in ``over`` (their amount is 0)."""
    zeros = np.zeros(n, dtype=np.int64)
    conds = [_eval_condition(cond.expr, ctx, n) for cond in c.conditions]
    ok = Bool(np.ones(n, dtype=bool), np.ones(n, dtype=bool))
    for t in conds:
        ok = expr.kleene_and(ok, t.value)
    ok = _bool_full(ok, n)

    raw = zeros.copy()
    after_item = zeros.copy()
    after_cap = zeros.copy()
    base = rate = None
    items_count = items_capped = None
    amount_known = np.ones(n, dtype=bool)

    if c.computes_amount:
        if c.items:
            col = ctx.table.columns.get(c.items)
            if isinstance(col, ListColumn):
                offsets, flat, present = col.offsets, col.flat, col.present
            else:
                offsets, flat, present = np.zeros(n + 1, dtype=np.int64), np.zeros(0, np.int64), np.zeros(n, bool)
            counts = np.diff(offsets)
            index = np.repeat(np.arange(n), counts)
            item = Num(flat, F.DENOMINATOR[F.MONEY_LIST], np.ones(len(flat), dtype=bool),
                       _bound(flat, F.BOUND[F.MONEY_LIST]))
            ictx = ctx.at_items(index, item)
            value = _amount_value(c, ictx)
            item_over = np.zeros(len(flat), dtype=bool)
            item_fen = to_fen(value, len(flat), item_over) if len(flat) else np.zeros(0, np.int64)
            if item_over.any():
                over[index[item_over]] = True
            item_known = _full(value.known, len(flat), bool)
            capped_items = np.minimum(item_fen, c.item_cap // UNITS_PER_FEN) if c.item_cap else item_fen
            raw = _segment_sum(item_fen, offsets, over)
            after_item = _segment_sum(capped_items, offsets, over)
            unknown_items = _segment_sum((~item_known).astype(np.int64), offsets)
            amount_known = present & (unknown_items == 0)
            items_count = counts
            items_capped = _segment_sum((capped_items < item_fen).astype(np.int64), offsets)
            base = value
        else:
            value = _amount_value(c, ctx)
            raw = to_fen(value, n, over)
            after_item = raw
            amount_known = _full(value.known, n, bool)
            base = ctx_value_or_none(c.base, ctx)
            rate = ctx_value_or_none(c.rate, ctx) if c.rate is not None else (
                Num.const(Fraction(c.fixed, 10**4)) if c.fixed is not None else None)
        after_cap = np.minimum(after_item, c.cap // UNITS_PER_FEN) if c.cap else after_item

    # status, most decisive first: expired > outside the targeted industries > industries unknown >
    # a condition fails > computed (granted / capped / zero) or discretionary > missing input
    eligible = ok.val & ok.known & industry.val & industry.known
    if c.computes_amount:
        computed = eligible & amount_known
        decided = np.where(raw == 0, NOT_ELIGIBLE, np.where(after_cap < raw, CAPPED, GRANTED))
    else:
        computed = eligible
        decided = DISCRETIONARY  # type: ignore[assignment]
    status = np.where(~active, EXPIRED,
                      np.where(industry.known & ~industry.val, NOT_ELIGIBLE,
                               # a condition already false decides the clause even without industries
                               np.where(ok.known & ~ok.val, NOT_ELIGIBLE,
                                        np.where(~industry.known, MISSING,
                                                 np.where(computed, decided, MISSING))))).astype(np.int8)
    counted = status <= CAPPED  # GRANTED or CAPPED
    raw = np.where(computed & active, raw, 0)
    after_cap = np.where(counted, after_cap, 0)
    minimum = None
    if c.minimum is not None and c.computes_amount and not c.items:
        # SPEC 9.2: the stated minimum on the footing of the ceiling (per unit of base, or in total), never
        # above the amount after the clause's own caps
        low = to_fen(_amount_value(c, ctx, c.minimum), n, over)
        minimum = np.where(counted, np.minimum(low, after_cap), 0)
    return ClauseRun(c, status, raw, np.where(counted, after_item, 0), after_cap, after_cap.copy(),
                     conds, base, rate, items_count, items_capped, _factor_values(c, ctx), minimum)


def _product(node: expr.Node) -> list[expr.Node]:
    """The factors of a product ("50% * lpr_1y" -> [50%, lpr_1y]); any other node is one factor."""
    if isinstance(node, expr.BinOp) and node.op == "*":
        return _product(node.left) + _product(node.right)
    return [node]


def _factor_values(c: Clause, ctx: _Context) -> list[tuple[expr.Node | None, str, Num | None]]:
    """(node, role, value) for each factor of a clause's amount; role is base, rate or fixed.

    Field values come from the context's cache (already loaded for the amount), so this costs no
    evaluation; an itemised clause's per-item base is left out (its items are counted instead).
    """
    if not c.computes_amount:
        return []
    out: list[tuple[expr.Node | None, str, Num | None]] = []
    if c.base is not None and not c.items:
        out.append((c.base.tree, "base", ctx_value_or_none(c.base, ctx)))
    if c.rate is not None:
        nodes = _product(c.rate.tree)
        for node in nodes:
            value = expr.evaluate(node, ctx) if not c.items or not (node_names(node) & {ITEM}) else None
            out.append((node, "rate", value if isinstance(value, Num) else None))
    if c.fixed is not None:
        out.append((None, "fixed", Num.const(Fraction(c.fixed, 10**4))))
    return out


def node_names(node: expr.Node) -> set[str]:
    """The field names a node reads."""
    if isinstance(node, expr.Name):
        return {node.name}
    out: set[str] = set()
    for v in vars(node).values():
        if isinstance(v, expr.Node):
            out |= node_names(v)
        elif isinstance(v, tuple):
            for x in v:
                if isinstance(x, expr.Node):
                    out |= node_names(x)
    return out


def ctx_value_or_none(e: expr.Expression | None, ctx: _Context) -> Num | None:
    return expr.evaluate(e.tree, ctx) if e is not None else None  # type: ignore[return-value]


def _amount_value(c: Clause, ctx: _Context, fixed: int | None = None) -> Num:
    """base × rate, base × fixed, or fixed (exact, unrounded); ``fixed`` in place of the clause's (its minimum)."""
    value = expr.evaluate(c.base.tree, ctx) if c.base is not None else None
    if c.rate is not None:
        r = expr.evaluate(c.rate.tree, ctx)
        value = expr.mul(value, r) if value is not None else r  # type: ignore[arg-type]
    fixed = c.fixed if fixed is None else fixed
    if fixed is not None:
        f = Num.const(Fraction(fixed, 10**4))
        value = expr.mul(value, f) if value is not None else f  # type: ignore[arg-type]
    assert isinstance(value, Num)
    return value


def _segment_sum(values: np.ndarray, offsets: np.ndarray, over: np.ndarray | None = None) -> np.ndarray:
    cs = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(values, out=cs[1:])  # may wrap, but each row's difference is exact (items <= MAX_FEN, <= 1000)
    return _check_fen(cs[offsets[1:]] - cs[offsets[:-1]], over)


def _apply_groups(policy: Policy, runs: list[ClauseRun], n: int) -> dict[str, np.ndarray]:
    """就高不就低: keep the single highest member of each group."""
    winners = {}
    by_id = {r.clause.id: r for r in runs}
    for g in policy.groups:
        members = [by_id[m] for m in g.clauses]
        amounts = np.stack([m.amount for m in members])
        best = np.argmax(amounts, axis=0)  # first of equal maxima: the clause order decides ties
        has = amounts.max(axis=0) > 0
        winners[g.id] = np.where(has, best, -1)
        for k, m in enumerate(members):
            lose = has & (best != k) & (m.amount > 0)
            m.status[lose] = EXCLUDED
            m.amount = np.where(lose, 0, m.amount)
    return winners


def _apply_company_cap(policy: Policy, runs: list[ClauseRun], ctx: _Context, n: int, over: np.ndarray):
    """The per-company annual cap (SPEC §3), then its second run for the ranges of SPEC 9.2.

    Returns (state, limit, before, after, exempt, waived, ranged): ``ranged`` marks the rows where the cap bound
    while an up_to clause was counted above its stated minimum; there every exact clause's ``amount_max`` is its
    share when ``_company_cut`` runs again on the second set of amounts (up_to clauses at their minimum, the
    others at their amount before the company cap).
    """
    cap = policy.company_cap
    zeros = np.zeros(n, dtype=np.int64)
    counted = [r for r in runs if not cap or r.clause.id not in cap.excludes]
    before = zeros.copy()
    for r in counted:
        before += r.amount
    ranged = np.zeros(n, dtype=bool)
    if cap is None:
        _amount_max(runs)
        return np.full(n, CAP_NONE, np.int8), zeros, before, before.copy(), None, None, ranged
    lim = expr.evaluate(cap.limit.tree, ctx)
    assert isinstance(lim, Num)
    limit = to_fen(lim, n, over, floor=True)  # SPEC §5: the sum ≤ 5% × sales_revenue, so never a fen above it
    limit_known = _full(lim.known, n, bool)
    exempt = _bool_full(expr.evaluate(cap.exempt_if.tree, ctx), n) if cap.exempt_if else None  # type: ignore[arg-type]
    waived = _bool_full(expr.evaluate(cap.waived_if.tree, ctx), n) if cap.waived_if else None  # type: ignore[arg-type]
    state = np.full(n, CAP_NOT_BINDING, np.int8)
    state[~limit_known] = CAP_UNKNOWN
    if waived is not None:
        state[waived.val & waived.known] = CAP_WAIVED
    if exempt is not None:
        state[exempt.val & exempt.known] = CAP_EXEMPT
    binding = (state == CAP_NOT_BINDING) & (before > limit)
    state[binding] = CAP_BINDING
    after = before.copy()
    rows = np.nonzero(binding)[0]
    if len(rows):
        # the second set of amounts (SPEC 9.2), before the first cut changes them
        low = [r.minimum[rows] if r.minimum is not None else np.zeros(len(rows), np.int64)
               if r.clause.basis == "up_to" else r.amount[rows] for r in counted]
        above = np.zeros(len(rows), dtype=bool)
        for r, x in zip(counted, low):
            if r.clause.basis == "up_to":
                above |= r.amount[rows] > x
        first = np.stack([r.amount[rows] for r in counted])
        share = _company_cut(first, limit[rows])
        was_cut = share < first  # per clause and row: cut by the cap
        for k, r in enumerate(counted):
            cut = was_cut[k]
            r.status[rows[cut]] = CAPPED
            r.amount = r.amount.copy()
            r.amount[rows] = share[k]
        after[rows] = limit[rows]
    _amount_max(runs)
    if len(rows):
        sub = np.flatnonzero(above)
        if len(sub):
            again = np.stack([x[sub] for x in low])
            binds = again.sum(axis=0) > limit[rows[sub]]
            share2 = again.copy()
            if binds.any():
                share2[:, binds] = _company_cut(again[:, binds], limit[rows[sub]][binds])
            for k, r in enumerate(counted):
                if r.clause.basis == "exact":  # only a clause the cap cut is a lower bound (SPEC 9.2); one it
                    assert r.amount_max is not None  # left whole keeps its amount, even where the run again would
                    cut = was_cut[k][sub]  # give it a fen less (its share of the largest remainder)
                    r.amount_max[rows[sub][cut]] = share2[k][cut]
            ranged[rows[sub]] = True
    return state, limit, before, after, exempt, waived, ranged


def _amount_max(runs: list[ClauseRun]) -> None:
    """Every exact clause's amount_max starts as its final amount (the ranged rows are set after)."""
    for r in runs:
        if r.clause.basis == "exact":
            r.amount_max = r.amount.copy()


def _company_cut(amounts: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """The company-cap cut (SPEC §3), one column per company: ``amounts`` (clauses × rows, fen, each column
    summing above its limit) scaled to sum to ``limit`` exactly. Each share is rounded down to the fen; the fen
    left over go to the largest remainders, equal remainders in table order.
    """
    k, m = amounts.shape
    exact = amounts.astype(object)  # k × m, exact Python ints
    lim_rows = limit.astype(object)
    total = exact.sum(axis=0)
    prod = exact * lim_rows
    share = prod // total
    rem = prod - share * total
    extra = lim_rows - share.sum(axis=0)
    # largest remainder first; equal remainders go in clause order
    order = np.argsort(-rem, axis=0, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(k)[:, None].repeat(m, axis=1), axis=0)
    share = share + (rank < extra.astype(np.int64)[None, :])
    return share.astype(np.int64)


# ---------------------------------------------------------------- per-row results (facts, no words)

#: a field type -> the kind a value of it is shown as
_KIND = {F.MONEY: Kind.MONEY, F.MONEY_LIST: Kind.MONEY_LIST, F.RATE: Kind.RATE, F.COUNT: Kind.COUNT,
         F.YEAR: Kind.YEAR, F.BOOL: Kind.BOOL, F.TEXT: Kind.TEXT, F.TAGS: Kind.TAGS}


def _at(a, i: int):
    return a[i] if isinstance(a, np.ndarray) else a


def _known(v, i: int) -> bool:
    return bool(v[i]) if isinstance(v, np.ndarray) else bool(v)


def _frac(v: Num, i: int) -> Fraction | None:
    """Row i of an exact column as a Fraction (yuan for money, 0.031 for 3.1%); None when unknown."""
    if not _known(v.known, i):
        return None
    return Fraction(int(_at(v.num, i)), v.den)


def _field_value(table: Table, name: str, i: int, catalog: Catalog) -> FieldValue:
    """A profile cell, typed: money and rates as exact Fractions."""
    spec = catalog.registry.get(name)
    kind = _KIND.get(spec.type, Kind.TEXT) if spec is not None else Kind.TEXT
    v = table.python_value(name, i)
    if v is not None and kind in (Kind.MONEY, Kind.RATE, Kind.COUNT, Kind.YEAR) and not isinstance(v, bool):
        v = Fraction(int(v), F.DENOMINATOR[spec.type]) if spec is not None else v  # type: ignore[arg-type,call-overload]
    elif v is not None and kind == Kind.MONEY_LIST:
        v = tuple(Fraction(int(x), F.DENOMINATOR[F.MONEY_LIST]) for x in v)  # type: ignore[union-attr,attr-defined]
    elif isinstance(v, np.str_):
        v = str(v)
    return FieldValue(name, kind, v)  # type: ignore[arg-type]


def _node_kind(node: expr.Node, catalog: Catalog) -> Kind:
    """The unit a side of a comparison or a factor is shown in."""
    if isinstance(node, expr.Name):
        spec = catalog.registry.get(node.name)
        return _KIND.get(spec.type, Kind.NUMBER) if spec is not None else Kind.NUMBER
    if isinstance(node, expr.Const):
        return Kind.NUMBER
    names = node_names(node)
    kinds = {_node_kind(expr.Name(n), catalog) for n in names}
    return Kind.MONEY if Kind.MONEY in kinds or not kinds else next(iter(kinds))


def _condition(cond, trace: CondTrace, i: int, table: Table, catalog: Catalog) -> ConditionResult:
    known = _known(trace.value.known, i)
    held = _known(trace.value.val, i) if known else None
    label = cond.label or cond.expr.text
    sides = expr.comparison_sides(cond.expr)
    if sides is not None and trace.left is not None and trace.right is not None:
        lnode, op, rnode = sides
        parts = cond.expr.text.split(op, 1)
        ltext, rtext = (parts[0].strip(), parts[1].strip()) if len(parts) == 2 else ("", "")
        lkind = _node_kind(lnode, catalog)
        rkind = _node_kind(rnode, catalog)
        if lkind == Kind.NUMBER:
            lkind = rkind
        if rkind == Kind.NUMBER:
            rkind = lkind
        left = Side(ltext, _frac(trace.left, i), lkind, tuple(sorted(node_names(lnode))))
        right = Side(rtext, _frac(trace.right, i), rkind, tuple(sorted(node_names(rnode))))
        return ConditionResult(label, cond.expr.text, held, op, left, right,
                               has_threshold=_has_threshold(cond.expr.tree), label_zh=cond.label_zh)
    values = tuple(_field_value(table, n, i, catalog) for n in sorted(cond.expr.names))
    return ConditionResult(label, cond.expr.text, held, values=values, has_threshold=_has_threshold(cond.expr.tree),
                           label_zh=cond.label_zh)


def _nonzero_constant(node: expr.Node) -> bool:
    """A side that reads no field ("1亿", "20 * 100000000") and is not zero."""
    if node_names(node) or isinstance(node, expr.BoolConst):
        return False
    v = expr.evaluate(node, None)  # type: ignore[arg-type]  # reads no field: the context is never asked
    return isinstance(v, Num) and v.num != 0


def _has_threshold(node: expr.Node) -> bool:
    """Does the test compare something with a non-zero constant anywhere in it?"""
    if isinstance(node, expr.Compare):
        return any(_nonzero_constant(s) for s in (node.left, node.right))
    if isinstance(node, expr.BoolOp):
        return any(_has_threshold(x) for x in node.operands)
    if isinstance(node, expr.Not):
        return _has_threshold(node.operand)
    return False


def _factor(node: expr.Node | None, role: str, value: Num | None, c: Clause, run: PolicyRun, i: int,
            catalog: Catalog) -> Factor:
    v = _frac(value, i) if value is not None else None
    if role == "fixed":
        return Factor(format_units(c.fixed or 0), v, Kind.MONEY, Source.CONSTANT)
    if role == "base" and c.base is not None:
        name = c.base.text if c.base.text in catalog.registry else ""
        kind = _node_kind(c.base.tree, catalog)
        return Factor(c.base.text, v, kind, _source_of(name, run, i), name, c.base_label, label_zh=c.base_label_zh)
    assert node is not None
    if isinstance(node, expr.Name):
        spec = catalog.registry.get(node.name)
        source = _source_of(node.name, run, i)
        as_of, series = None, ""
        if source == Source.REFERENCE and spec is not None and spec.default:
            series = spec.default.split(":", 1)[1]
            look = run.lookups.get((series, int(run.years[i])))
            as_of = look.as_of if look is not None else None  # type: ignore[attr-defined]
        return Factor(node.name, v, _node_kind(node, catalog), source, node.name, as_of=as_of, series=series)
    if isinstance(node, expr.Const):
        return Factor(c.rate.text if c.rate is not None and len(_product(c.rate.tree)) == 1 else "", v, Kind.RATE,
                      Source.CONSTANT)
    return Factor(c.rate.text if c.rate is not None else "", v, Kind.RATE, Source.CONSTANT)


def _source_of(name: str, run: PolicyRun, i: int) -> Source:
    if not name:
        return Source.CONSTANT
    if name in run.defaulted and run.defaulted[name][i]:
        return Source.REFERENCE if run.default_sources[name].startswith("reference:") else Source.DEFAULT
    return Source.GIVEN


def _calculation(cr: ClauseRun, run: PolicyRun, i: int, catalog: Catalog) -> Calculation | None:
    c = cr.clause
    if not c.computes_amount:
        return None
    factors = tuple(_factor(node, role, value, c, run, i, catalog) for node, role, value in cr.factors)
    if c.items:
        count = int(cr.items_count[i]) if cr.items_count is not None else 0
        return Calculation(factors, int(cr.raw[i]), count, c.items, c.item_label, item_label_zh=c.item_label_zh)
    return Calculation(factors, int(cr.raw[i]), ceiling_scope=c.ceiling_scope.value if c.ceiling_scope else "",
                       ceiling_scope_zh=c.ceiling_scope_zh)


def explain(run: PolicyRun, i: int, catalog: Catalog) -> PolicyResult:
    """The facts of row ``i``: statuses, amounts, conditions, caps, group decisions, notices.

    No words: ``nanchang_incentives.explain`` says them.
    """
    pol = run.policy
    table = run.table
    year = int(run.years[i])
    in_force = bool(run.covered[i])
    hypothetical = bool(not in_force and run.options.ignore_validity)
    notices: list[Notice] = []
    caps: list[CapEvent] = []
    refs: list[ReferenceUse] = []

    if pol.replaces_bundled:
        notices.append(Notice(NoticeKind.REPLACES_BUNDLED, text=pol.replaces_bundled))
    if not in_force:
        if pol.ended_before(year):  # SPEC 9.3: say it ended, when, and what is known of a successor
            notices.append(Notice(NoticeKind.POLICY_ENDED, year=year, date=pol.valid_until))
        if run.options.ignore_validity:
            notices.append(Notice(NoticeKind.HYPOTHETICAL, year=year))
        elif not pol.ended_before(year):
            notices.append(Notice(NoticeKind.OUTSIDE_VALIDITY, year=year))
    if pol.valid_until is None:
        notices.append(Notice(NoticeKind.VALIDITY_END_UNKNOWN, text=pol.validity_note))
    if pol.may_be_superseded(year):
        assert pol.successor is not None
        notices.append(Notice(NoticeKind.MAY_BE_SUPERSEDED, year=year, date=pol.successor.reported))
    tags = tuple(str(t) for t in (table.python_value("industries", i) or ()))  # type: ignore[attr-defined]
    targeted = None
    if pol.industries:
        if _known(run.industry.known, i):
            targeted = _known(run.industry.val, i)
            if not targeted:
                notices.append(Notice(NoticeKind.NOT_TARGETED, fields=("industries",)))
        else:
            notices.append(Notice(NoticeKind.INDUSTRIES_MISSING, fields=("industries",)))

    # fields read by the clauses that produced an amount for this row
    computed_fields: set[str] = set().union(*(cr.clause.names() for cr in run.clauses
                                             if int(cr.status[i]) in (GRANTED, CAPPED, EXCLUDED)))
    defaults: list[tuple[str, str]] = []
    used = run.defaults_used()
    for name, rows in run.defaulted.items():
        if not rows[i] or (name in used and not used[name][i]):
            continue
        source = run.default_sources[name]
        if name not in used:  # a reference rate stood in
            if name not in computed_fields:
                continue
            series = source.split(":", 1)[1]
            look = run.lookups.get((series, year))
            if look is not None:
                ref_table = next(t for t in catalog.references.values() if series in t.series)
                refs.append(ReferenceUse(name, series, look.rate, Source.REFERENCE, look.as_of,  # type: ignore[attr-defined]
                                         look.effective, look.unconfirmed,  # type: ignore[attr-defined]
                                         ref_table.confirmed_through))
                if look.unconfirmed:  # type: ignore[attr-defined]
                    notices.append(Notice(NoticeKind.REFERENCE_UNCONFIRMED, fields=(name,),
                                          date=ref_table.confirmed_through))
        else:
            defaults.append((name, source))
            notices.append(Notice(NoticeKind.DEFAULT_USED, fields=(name, source)))
    used_fields = set().union(*(c.names() for c in pol.clauses))
    for name in sorted(used_fields & computed_fields):
        spec = catalog.registry.get(name)
        if spec is not None and spec.type == F.RATE and spec.default and spec.default.startswith("reference:") \
                and table.python_value(name, i) is not None:
            refs.append(ReferenceUse(name, spec.default.split(":", 1)[1],
                                     Fraction(int(table.python_value(name, i)), F.DENOMINATOR[F.RATE]),  # type: ignore[call-overload]
                                     Source.GIVEN))

    clause_results = [_clause(run, cr, i, catalog, caps) for cr in run.clauses]

    cap = pol.company_cap
    company: CompanyCap | None = None
    if cap is not None:
        state = CAP_STATE_BY_CODE[int(run.cap_state[i])]
        limit = int(run.cap_limit[i])
        before, after = int(run.cap_before[i]), int(run.cap_after[i])
        missing: tuple[str, ...] = ()
        note = ""
        if state == CapState.UNKNOWN:
            missing = tuple(sorted(n for n in cap.limit.names if table.python_value(n, i) is None
                                   and not (n in run.defaulted and run.defaulted[n][i])))
            if before > 0:
                notices.append(Notice(NoticeKind.COMPANY_CAP_UNCHECKED, fields=missing, text=cap.limit.text))
        elif state == CapState.EXEMPT:
            note = cap.exempt_note or cap.exempt_if.text if cap.exempt_if else ""
            notices.append(Notice(NoticeKind.COMPANY_CAP_EXEMPT, text=note))
        elif state == CapState.WAIVED:
            note = cap.waived_note or cap.waived_if.text if cap.waived_if else ""
            notices.append(Notice(NoticeKind.COMPANY_CAP_WAIVED, text=note))
        company = CompanyCap(state, cap.section, cap.limit.text, None if state == CapState.UNKNOWN else limit,
                             before, after, missing, note, cap.section_zh)
        caps.append(CapEvent(CapKind.COMPANY, None, company.limit, before, after,
                             applied=state == CapState.APPLIED, state=state))
        assumed_false = run.exemption_assumed_false()
        if assumed_false is not None and assumed_false[i]:
            assert cap.exempt_if is not None
            notices.append(Notice(NoticeKind.EXEMPTION_ASSUMED_FALSE, fields=tuple(sorted(cap.exempt_if.names))))

    by_id = {c.id: c for c in clause_results}
    for g in pol.groups:
        pending = [m for m in g.clauses if by_id[m].status == Status.MISSING_INPUT]
        if pending and any(by_id[m].amount > 0 for m in g.clauses):
            notices.append(Notice(NoticeKind.GROUP_UNDECIDED, group=g.id, clauses=tuple(pending),
                                  fields=tuple(sorted({f for m in pending for f in by_id[m].missing}))))

    n_with = sum(1 for c in clause_results if c.amount > 0)
    for notice in pol.notices:
        if n_with >= notice.min_clauses_with_amount:
            notices.append(Notice(NoticeKind.POLICY_NOTICE, text=notice.text))

    total = sum(c.amount for c in clause_results)
    total_exact = sum(c.amount for c in clause_results if c.basis == Basis.EXACT)
    exact_max = int(run.exact_max()[i])  # (the clauses' amount_max is shown only above the amount)
    return PolicyResult(pol, str(table.text("name", i) or "company"), year, total, total_exact, tuple(caps),
                        tuple(notices), tuple(clause_results), hypothetical, targeted, tuple(refs), table.rows[i],
                        company, tags, in_force, tuple(defaults),
                        exact_max if exact_max != total_exact else None, pol.successor, _tags_zh(catalog, tags))


def _tags_zh(catalog: Catalog, tags: tuple[str, ...]) -> tuple[str, ...]:
    """The Chinese names of a company's industry tags (``PolicyResult.industries_zh``)."""
    spec = catalog.registry.get("industries")
    names = spec.vocabulary if spec is not None else None
    return tuple(names.name_zh(t) for t in tags) if names is not None else tags


def _clause(run: PolicyRun, cr: ClauseRun, i: int, catalog: Catalog, caps: list[CapEvent]) -> ClauseResult:
    c = cr.clause
    table = run.table
    status = STATUS_BY_CODE[int(cr.status[i])]
    amount, raw = int(cr.amount[i]), int(cr.raw[i])
    conds = tuple(_condition(cond, t, i, table, catalog) for cond, t in zip(c.conditions, cr.conditions))

    # a field is missing only where it matters: in the amount, or in a condition that is still
    # undecided ("is_fortune500 or is_listed" with is_listed = true does not need is_fortune500)
    decided = set().union(*(cd.expr.names for cd, r in zip(c.conditions, conds) if r.held is not None))
    undecided = set().union(*(cd.expr.names for cd, r in zip(c.conditions, conds) if r.held is None))
    amount_names = set().union(*(e.names for e in (c.base, c.rate) if e is not None), {c.items} if c.items else set())
    wanted = (c.names() - (decided - undecided)) | (amount_names & c.names())
    missing = {n for n in wanted if table.python_value(n, i) is None
               and not (n in run.defaulted and run.defaulted[n][i])}
    if run.policy.industries and not _known(run.industry.known, i):
        missing.add("industries")

    own_caps: list[CapEvent] = []
    scope = c.cap_period  # the clause cap's scope word ("" without a cap)
    if status.computed:
        if cr.items_capped is not None and int(cr.items_capped[i]) > 0 and c.item_cap:
            own_caps.append(CapEvent(CapKind.ITEM, c.id, c.item_cap // 100, raw, int(cr.after_item_cap[i]),
                                     scope=c.item_label, count=int(cr.items_capped[i])))
        if c.cap and int(cr.after_clause_cap[i]) < int(cr.after_item_cap[i]):
            own_caps.append(CapEvent(CapKind.CLAUSE, c.id, c.cap // 100, int(cr.after_item_cap[i]),
                                     int(cr.after_clause_cap[i]), scope=scope))
    caps.extend(own_caps)

    decision = None
    if c.group and status.computed:
        g = next(g for g in run.policy.groups if g.id == c.group)
        w = int(run.group_winner[g.id][i])
        if w >= 0:
            winner = next(r for r in run.clauses if r.clause.id == g.clauses[w])
            forgone = tuple((r.clause.id, int(r.after_clause_cap[i])) for r in run.clauses
                            if r.clause.id in g.clauses and r.clause.id != winner.clause.id
                            and int(r.status[i]) == EXCLUDED)
            if forgone or status == Status.EXCLUDED:
                decision = GroupDecision(g.id, g.section, winner.clause.id, int(winner.after_clause_cap[i]),
                                         int(cr.after_clause_cap[i]), forgone, g.section_zh)
    cut = None
    if status == Status.CAPPED and int(run.cap_state[i]) == CAP_BINDING and amount < int(cr.after_clause_cap[i]):
        cut = (int(cr.after_clause_cap[i]), amount)
    not_targeted = run.policy.industries if (run.policy.industries and _known(run.industry.known, i)
                                             and not _known(run.industry.val, i)) else ()
    # SPEC 9.2: a stated minimum, when the company cap leaves the clause whole; an upper bound, when the cap's
    # cut depends on up_to ceilings and granting them their minimum would leave this clause more
    amount_min = None
    if cr.minimum is not None and status.counted and cut is None:
        amount_min = int(cr.minimum[i])
    amount_max = None
    if cr.amount_max is not None and run.ranged is not None and run.ranged[i] and int(cr.amount_max[i]) > amount:
        amount_max = int(cr.amount_max[i])
    names = tuple(sorted(missing))
    specs = [catalog.registry.get(f) for f in names]
    names_zh = tuple(s.zh if s is not None and s.zh != s.name else "" for s in specs)
    return ClauseResult(c.id, c.title_zh, c.title_en, status, Basis(c.basis), amount, raw, c.section, c.quote, conds,
                        names, _calculation(cr, run, i, catalog), tuple(own_caps), c.group,
                        decision, cut, c.notes, int(run.years[i]), tuple(not_targeted), scope if c.cap else "",
                        c.one_off, amount_min, amount_max, c.caveat, names_zh if any(names_zh) else (),
                        c.section_zh, c.caveat_zh, run.policy.industries_zh if not_targeted else ())
