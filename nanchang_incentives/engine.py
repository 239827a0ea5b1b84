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
from decimal import Decimal
from fractions import Fraction

import numpy as np

from . import expr
from . import fields as F
from .errors import InputError
from .expr import Bool, Num
from .money import MAX_UNITS, UNITS_PER_FEN, format_fen_grouped, format_rate, format_units
from .policy import ITEM, Catalog, Clause, Policy
from .profile import ListColumn, Table, TagColumn

GRANTED, CAPPED, EXCLUDED, NOT_ELIGIBLE, MISSING, DISCRETIONARY, EXPIRED = range(7)
#: the largest clause amount, in fen: the largest money value a profile can hold (10万亿 yuan)
MAX_FEN = MAX_UNITS // UNITS_PER_FEN
STATUS_NAMES = ("granted", "capped", "excluded", "not_eligible", "missing_input", "discretionary", "expired")

# company-cap outcomes
CAP_NONE, CAP_NOT_BINDING, CAP_BINDING, CAP_EXEMPT, CAP_WAIVED, CAP_UNKNOWN = range(6)


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
            for year in np.unique(self.years):
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


def to_fen(v: Num, n: int) -> np.ndarray:
    """Round an exact yuan column half-up to whole fen (negative -> 0)."""
    num = v.num
    if not isinstance(num, np.ndarray):
        num = np.full(n, num, dtype=np.int64 if abs(num) < 2**62 else object)
    den = v.den
    if num.dtype != object and len(num) and (den > 2**40 or int(np.abs(num).max()) // den > 2**62 // 200):
        num = num.astype(object)  # q * 100 (or 2 * r * 100) could overflow int64 silently: go exact
    q = num // den
    r = num - q * den
    fen = q * 100 + (2 * r * 100 + den) // (2 * den)
    fen = _check_fen(np.maximum(fen, 0))
    if fen.dtype == object:
        fen = fen.astype(np.int64)
    return fen


def _check_fen(fen: np.ndarray) -> np.ndarray:
    """Refuse amounts above MAX_FEN (so sums of clauses can never overflow int64)."""
    if len(fen) and fen.max() > MAX_FEN:
        raise InputError(f"an amount of more than {MAX_FEN // 100:,} yuan, the largest the tool handles: check the "
                         f"profile's values (a unit or a count) and the policy's formula")
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
        raise ValueError("every company needs a year (or pass --year)")
    return col.values.astype(np.int64)


def run_policy(table: Table, policy: Policy, catalog: Catalog, options: Options = Options()) -> PolicyRun:
    n = table.n
    years = years_of(table, options)
    covered = np.array([policy.covers(int(y)) for y in np.unique(years)])
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

    runs = [_run_clause(c, ctx, n, active, industry) for c in policy.clauses]
    winners = _apply_groups(policy, runs, n)
    state, limit, before, after, exempt, waived = _apply_company_cap(policy, runs, ctx, n)
    return PolicyRun(policy, table, years, covered, options, industry, runs, state, limit, before, after,
                     exempt, waived, ctx.defaulted, ctx.default_sources, ctx.lookups, winners)


def _year_map(years: np.ndarray, per_unique: np.ndarray) -> np.ndarray:
    uniq = np.unique(years)
    return per_unique[np.searchsorted(uniq, years)]


def _run_clause(c: Clause, ctx: _Context, n: int, active: np.ndarray, industry: Bool) -> ClauseRun:
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
            item_fen = to_fen(value, len(flat)) if len(flat) else np.zeros(0, np.int64)
            item_known = _full(value.known, len(flat), bool)
            capped_items = np.minimum(item_fen, c.item_cap // UNITS_PER_FEN) if c.item_cap else item_fen
            raw = _segment_sum(item_fen, offsets)
            after_item = _segment_sum(capped_items, offsets)
            unknown_items = _segment_sum((~item_known).astype(np.int64), offsets)
            amount_known = present & (unknown_items == 0)
            items_count = counts
            items_capped = _segment_sum((capped_items < item_fen).astype(np.int64), offsets)
            base = value
        else:
            value = _amount_value(c, ctx)
            raw = to_fen(value, n)
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
    return ClauseRun(c, status, raw, np.where(counted, after_item, 0), after_cap, after_cap.copy(),
                     conds, base, rate, items_count, items_capped)


def ctx_value_or_none(e: expr.Expression | None, ctx: _Context) -> Num | None:
    return expr.evaluate(e.tree, ctx) if e is not None else None  # type: ignore[return-value]


def _amount_value(c: Clause, ctx: _Context) -> Num:
    """base × rate, base × fixed, or fixed (exact, unrounded)."""
    value = expr.evaluate(c.base.tree, ctx) if c.base is not None else None
    if c.rate is not None:
        r = expr.evaluate(c.rate.tree, ctx)
        value = expr.mul(value, r) if value is not None else r  # type: ignore[arg-type]
    if c.fixed is not None:
        f = Num.const(Fraction(c.fixed, 10**4))
        value = expr.mul(value, f) if value is not None else f  # type: ignore[arg-type]
    assert isinstance(value, Num)
    return value


def _segment_sum(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    cs = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(values, out=cs[1:])  # may wrap, but each row's difference is exact (items <= MAX_FEN, <= 1000)
    return _check_fen(cs[offsets[1:]] - cs[offsets[:-1]])


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


def _apply_company_cap(policy: Policy, runs: list[ClauseRun], ctx: _Context, n: int):
    cap = policy.company_cap
    zeros = np.zeros(n, dtype=np.int64)
    counted = [r for r in runs if not cap or r.clause.id not in cap.excludes]
    before = zeros.copy()
    for r in counted:
        before += r.amount
    if cap is None:
        return np.full(n, CAP_NONE, np.int8), zeros, before, before.copy(), None, None
    lim = expr.evaluate(cap.limit.tree, ctx)
    assert isinstance(lim, Num)
    limit = to_fen(lim, n)
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
        amounts = np.stack([r.amount[rows] for r in counted]).astype(object)  # k × m, exact Python ints
        lim_rows = limit[rows].astype(object)
        total = before[rows].astype(object)
        prod = amounts * lim_rows
        share = prod // total
        rem = prod - share * total
        extra = lim_rows - share.sum(axis=0)
        # largest remainder first; equal remainders go in clause order
        order = np.argsort(-rem, axis=0, kind="stable")
        rank = np.empty_like(order)
        np.put_along_axis(rank, order, np.arange(len(counted))[:, None].repeat(len(rows), axis=1), axis=0)
        share = share + (rank < extra.astype(np.int64)[None, :])
        share = share.astype(np.int64)
        for k, r in enumerate(counted):
            cut = share[k] < r.amount[rows]
            r.status[rows[cut]] = CAPPED
            r.amount = r.amount.copy()
            r.amount[rows] = share[k]
        after[rows] = limit[rows]
    return state, limit, before, after, exempt, waived


# ---------------------------------------------------------------- per-row results


@dataclass(frozen=True)
class CapNote:
    kind: str  # clause | item | group | company_annual
    clause: str | None
    limit: int | None  # fen
    before: int  # fen
    after: int  # fen
    note: str = ""
    applied: bool = True

    def as_dict(self) -> dict:
        from .money import format_fen

        d: dict = {"kind": self.kind}
        if self.clause:
            d["clause"] = self.clause
        d["limit"] = format_fen(self.limit) if self.limit is not None else None
        d["before"] = format_fen(self.before)
        d["after"] = format_fen(self.after)
        d["applied"] = self.applied
        if self.note:
            d["note"] = self.note
        return d


@dataclass(frozen=True)
class ConditionResult:
    label: str
    text: str
    held: bool | None  # None: unknown (missing input)
    detail: str  # "revenue − revenue_prev = 80,000,000.00 ≥ 100,000,000.00"
    shortfall: str = ""  # "20,000,000.00 short of 100,000,000.00"
    value: str = ""  # the compared value when known: "80,000,000.00"


@dataclass(frozen=True)
class ClauseResult:
    id: str
    title_zh: str
    title_en: str
    status: str
    basis: str
    amount: int  # fen
    raw_amount: int  # fen
    explanation: str
    source: str
    quote: str
    conditions: tuple[ConditionResult, ...]
    missing: tuple[str, ...]
    calculation: str  # "base × rate" in words
    caps: tuple[str, ...]
    group: str | None
    notes: tuple[str, ...]


@dataclass(frozen=True)
class PolicyResult:
    policy: Policy
    company: str
    year: int
    total: int
    total_exact: int
    caps: tuple[CapNote, ...]
    warnings: tuple[str, ...]
    clauses: tuple[ClauseResult, ...]
    hypothetical: bool
    targeted: bool | None  # does the policy target the company's industries?
    references: tuple[str, ...]  # "LPR 1y 3.45% (in force since 2023-08-21, on 2023-12-31)"
    row: int | None = None

    def clause(self, cid: str) -> ClauseResult:
        return next(c for c in self.clauses if c.id == cid)

    @property
    def total_up_to(self) -> int:
        return sum(c.amount for c in self.clauses if c.basis == "up_to")


def _fmt_num(v: Num, i: int, ftype: str | None = None) -> str:
    num = v.num[i] if isinstance(v.num, np.ndarray) else v.num
    f = Fraction(int(num), v.den)
    if ftype == F.RATE:
        return format_rate(f)
    if f.denominator == 1 and ftype in (F.COUNT, F.YEAR, None) and abs(f) < 10_000:
        return str(f.numerator)
    units = f * 10_000
    if units.denominator == 1:
        return format_units(int(units))
    return format_rate(f) if abs(f) < 1 else f"{Decimal(f.numerator) / Decimal(f.denominator):,.6f}"


def _known(v, i: int) -> bool:
    return bool(v[i]) if isinstance(v, np.ndarray) else bool(v)


def _side_text(node: expr.Node, catalog: Catalog) -> tuple[str, str | None]:
    """A readable name for one side of a comparison and its field type."""
    if isinstance(node, expr.Name):
        spec = catalog.registry.get(node.name)
        return node.name, spec.type if spec else None
    if isinstance(node, expr.Const):
        return "", None
    return "", F.MONEY


def explain(run: PolicyRun, i: int, catalog: Catalog) -> PolicyResult:
    """The full result for row ``i``: statuses, amounts, caps and explanations."""
    pol = run.policy
    table = run.table
    year = int(run.years[i])
    hypothetical = bool(not run.covered[i] and run.options.ignore_validity)
    warnings: list[str] = []
    caps: list[CapNote] = []
    refs: list[str] = []

    if not run.covered[i]:
        period = f"{pol.valid_from} … {pol.valid_until or 'end unknown'}"
        if run.options.ignore_validity:
            warnings.append(f"{year} is outside the policy's validity ({period}): computed anyway with "
                            f"--ignore-validity; every figure is HYPOTHETICAL")
        else:
            warnings.append(f"{year} is outside the policy's validity ({period}): every clause is expired "
                            f"(use --ignore-validity to compute a hypothetical result)")
    if pol.valid_until is None:
        warnings.append(f"Validity end not confirmed: {pol.validity_note or 'the sources give no end date'}")
    targeted = None
    if pol.industries:
        if _known(run.industry.known, i):
            targeted = _known(run.industry.val, i)
            if not targeted:
                tags = table.python_value("industries", i) or ()
                warnings.append(f"This policy targets {', '.join(pol.industries)} enterprises; the company's "
                                f"industries are [{', '.join(tags)}]: no clause applies")  # type: ignore[arg-type]
        else:
            warnings.append("industries is missing: add it (e.g. industries = [\"" + pol.industries[0]
                            + "\"]) to see which clauses apply")
    # fields read by the clauses that produced an amount for this row
    computed_fields: set[str] = set().union(*(cr.clause.names() for cr in run.clauses
                                             if int(cr.status[i]) in (GRANTED, CAPPED, EXCLUDED)))
    for name, rows in run.defaulted.items():
        if rows[i]:
            source = run.default_sources[name]
            if source.startswith("reference:") and name not in computed_fields:
                continue
            if source.startswith("reference:"):
                series = source.split(":", 1)[1]
                look = run.lookups.get((series, year))
                if look is not None:
                    text = (f"{series} = {format_rate(look.rate, 2)}: the rate in force on {look.as_of} "  # type: ignore[attr-defined]
                            f"(published {look.effective}; reference table)")  # type: ignore[attr-defined]
                    if look.unconfirmed:  # type: ignore[attr-defined]
                        table_ = next(t for t in catalog.references.values() if series in t.series)
                        text += (f"; WARNING: the table is confirmed only to {table_.confirmed_through}, "
                                 f"the rate on {look.as_of} may differ: give {name} in the profile")  # type: ignore[attr-defined]
                        warnings.append(f"{name}: reference rate after {table_.confirmed_through} is unconfirmed; "
                                        f"pass {name} = \"x.xx%\" to be sure")
                    refs.append(text)
            else:
                warnings.append(f"{name} not given: {source} is used in its place")
    used_fields = set().union(*(c.names() for c in pol.clauses))
    for series_field in ("lpr_1y", "lpr_5y"):
        if series_field in used_fields & computed_fields and table.python_value(series_field, i) is not None:
            refs.append(f"{series_field} = {format_rate(Fraction(int(table.python_value(series_field, i)), F.DENOMINATOR[F.RATE]), 2)}: "  # type: ignore[call-overload]
                        f"given in the profile")

    clause_results: list[ClauseResult] = []
    for cr in run.clauses:
        clause_results.append(_explain_clause(run, cr, i, catalog, caps))

    # company cap
    cap = pol.company_cap
    state = int(run.cap_state[i])
    if cap is not None:
        limit = int(run.cap_limit[i])
        before, after = int(run.cap_before[i]), int(run.cap_after[i])
        base_note = f"{cap.limit.text} = {format_fen_grouped(limit)}"
        if state == CAP_BINDING:
            note = (f"company annual cap ({cap.section}): {base_note}; the counted clauses summed to "
                    f"{format_fen_grouped(before)} and were cut proportionally (largest remainder on the "
                    f"last fen) to {format_fen_grouped(after)}")
            caps.append(CapNote("company_annual", None, limit, before, after, note))
        elif state == CAP_NOT_BINDING:
            reached = "not reached" if run.covered[i] or run.options.ignore_validity else \
                "not applicable: the year is outside the policy's validity"
            caps.append(CapNote("company_annual", None, limit, before, after,
                                f"company annual cap ({cap.section}): {base_note}; {reached}", applied=False))
        elif state == CAP_EXEMPT:
            caps.append(CapNote("company_annual", None, limit, before, after,
                                f"company annual cap not applied: {cap.exempt_note or cap.exempt_if}",
                                applied=False))
            warnings.append(f"Company cap not applied: {cap.exempt_note or cap.exempt_if}")
        elif state == CAP_WAIVED:
            caps.append(CapNote("company_annual", None, limit, before, after,
                                f"company annual cap waived: {cap.waived_note or cap.waived_if}", applied=False))
            warnings.append(f"Company cap waived on the user's assertion: {cap.waived_note or cap.waived_if}")
        elif state == CAP_UNKNOWN:
            missing = sorted(n for n in cap.limit.names if table.python_value(n, i) is None
                             and not (n in run.defaulted and run.defaulted[n][i]))
            caps.append(CapNote("company_annual", None, None, before, after,
                                f"company annual cap could not be checked: add {', '.join(missing)}", applied=False))
            if before > 0:
                warnings.append(f"Company annual cap ({cap.limit.text}) not checked: {', '.join(missing)} missing; "
                                f"the total may be too high")
        if state in (CAP_NOT_BINDING, CAP_BINDING, CAP_UNKNOWN) and cap.exempt_if is not None:
            ex = run.exempt
            if ex is not None and not _known(ex.known, i):
                warnings.append(f"{', '.join(sorted(cap.exempt_if.names))} not given: treated as false, "
                                f"so the company cap applies")

    by_id = {c.id: c for c in clause_results}
    for g in pol.groups:
        pending = [m for m in g.clauses if by_id[m].status == "missing_input"]
        if pending and any(by_id[m].amount > 0 for m in g.clauses):
            warnings.append(f"exclusive group '{g.id}' (就高不就低) was decided without {', '.join(pending)} "
                            f"(missing input): the choice may change once "
                            f"{', '.join(sorted({f for m in pending for f in by_id[m].missing}))} is given")

    n_with = sum(1 for c in clause_results if c.amount > 0)
    for notice in pol.notices:
        if n_with >= notice.min_clauses_with_amount:
            warnings.append(notice.text)

    total = sum(c.amount for c in clause_results)
    total_exact = sum(c.amount for c in clause_results if c.basis == "exact")
    return PolicyResult(pol, str(table.text("name", i) or "company"), year, total, total_exact, tuple(caps),
                        tuple(warnings), tuple(clause_results), hypothetical, targeted, tuple(refs), table.rows[i])


def _explain_clause(run: PolicyRun, cr: ClauseRun, i: int, catalog: Catalog, caps: list[CapNote]) -> ClauseResult:
    c = cr.clause
    table = run.table
    status = STATUS_NAMES[int(cr.status[i])]
    amount, raw = int(cr.amount[i]), int(cr.raw[i])

    conds: list[ConditionResult] = []
    for cond, trace in zip(c.conditions, cr.conditions):
        known = _known(trace.value.known, i)
        held = _known(trace.value.val, i) if known else None
        detail, short, value = cond.expr.text, "", ""
        if trace.left is None:
            shown = ", ".join(f"{n} = {_cell_text(table.python_value(n, i), catalog.registry.get(n))}" for n in sorted(cond.expr.names))
            detail = f"{cond.label or cond.expr.text} ({shown})" if shown else (cond.label or cond.expr.text)
        if trace.left is not None and trace.right is not None:
            sides = expr.comparison_sides(cond.expr)
            assert sides is not None
            _, ltype = _side_text(sides[0], catalog)
            if _known(trace.left.known, i) and _known(trace.right.known, i):
                lv, rv = _fmt_num(trace.left, i, ltype), _fmt_num(trace.right, i, ltype)
                detail = f"{cond.expr.text}: {lv} {sides[1]} {rv}"
                value = lv
                if held is False and sides[1] in (">=", ">"):
                    lf = Fraction(int(_at(trace.left.num, i)), trace.left.den)
                    rf = Fraction(int(_at(trace.right.num, i)), trace.right.den)
                    short = _shortfall_text(rf - lf, sides[1], rv, ltype)
        label = cond.label or cond.expr.text
        conds.append(ConditionResult(label, cond.expr.text, held, detail, short, value))

    # a field is missing only where it matters: in the amount, or in a condition that is still
    # undecided ("is_fortune500 or is_listed" with is_listed = true does not need is_fortune500)
    decided = set().union(*(cd.expr.names for cd, r in zip(c.conditions, conds) if r.held is not None))
    undecided = set().union(*(cd.expr.names for cd, r in zip(c.conditions, conds) if r.held is None))
    amount_names = set().union(*(e.names for e in (c.base, c.rate) if e is not None), {c.items} if c.items else set())
    wanted = (c.names() - (decided - undecided)) | (amount_names & c.names())
    missing = tuple(sorted(n for n in wanted if table.python_value(n, i) is None
                           and not (n in run.defaulted and run.defaulted[n][i])))
    if pol_ind := run.policy.industries:
        if not _known(run.industry.known, i):
            missing = tuple(sorted(set(missing) | {"industries"}))
        del pol_ind

    calc = _calculation_text(cr, i, catalog)
    cap_notes: list[str] = []
    if status in ("granted", "capped", "excluded"):
        if cr.items_capped is not None and int(cr.items_capped[i]) > 0 and c.item_cap:
            note = (f"{int(cr.items_capped[i])} {c.item_label}(s) cut to the cap of "
                    f"{format_units(c.item_cap)} per {c.item_label}")
            cap_notes.append(note)
            caps.append(CapNote("item", c.id, c.item_cap // 100, raw, int(cr.after_item_cap[i]), note))
        if c.cap and int(cr.after_clause_cap[i]) < int(cr.after_item_cap[i]):
            note = f"clause cap {format_units(c.cap)} per {c.cap_period} applied"
            cap_notes.append(note)
            caps.append(CapNote("clause", c.id, c.cap // 100, int(cr.after_item_cap[i]),
                                int(cr.after_clause_cap[i]), note))
    if status == "excluded" and c.group:
        g = next(g for g in run.policy.groups if g.id == c.group)
        w = int(run.group_winner[g.id][i])
        winner = g.clauses[w]
        win_fen = int(next(r for r in run.clauses if r.clause.id == winner).after_clause_cap[i])
        why = "is higher" if win_fen > int(cr.after_clause_cap[i]) else \
            "is equal and listed first in the group (a tie goes to the first listed)"
        cap_notes.append(f"exclusive group '{g.id}' (就高不就低): {winner} {why}; this clause's "
                         f"{format_fen_grouped(int(cr.after_clause_cap[i]))} is forgone")
    elif status in ("granted", "capped") and c.group:
        g = next(g for g in run.policy.groups if g.id == c.group)
        others = [m for m in g.clauses if m != c.id]
        forgone = [r for r in run.clauses if r.clause.id in others and int(r.status[i]) == EXCLUDED]
        if forgone:
            cap_notes.append(f"exclusive group '{g.id}' (就高不就低): kept over " + ", ".join(
                f"{r.clause.id} ({format_fen_grouped(int(r.after_clause_cap[i]))})" for r in forgone))
    if status == "capped" and int(run.cap_state[i]) == CAP_BINDING and int(cr.amount[i]) < int(cr.after_clause_cap[i]):
        cap_notes.append(f"company annual cap: cut from {format_fen_grouped(int(cr.after_clause_cap[i]))} to "
                         f"{format_fen_grouped(amount)}")

    explanation = _explanation(c, status, conds, missing, calc, cap_notes, run, i)
    return ClauseResult(c.id, c.title_zh, c.title_en, status, c.basis, amount, raw, explanation, c.section,
                        c.quote, tuple(conds), missing, calc, tuple(cap_notes), c.group, c.notes)


def _shortfall_text(gap: Fraction, op: str, threshold: str, ftype: str | None) -> str:
    """How far below a ``>=`` / ``>`` threshold a value is, in the value's own unit.

    >>> _shortfall_text(Fraction(20_000_000), ">=", "100,000,000.00", "money")
    '20,000,000.00 short of 100,000,000.00'
    >>> _shortfall_text(Fraction(0), ">", "0.00", "money")
    'must be more than 0.00'
    >>> _shortfall_text(Fraction(20), ">=", "100", "count")
    '20 short of 100'
    """
    if op == ">" and gap == 0:
        return f"must be more than {threshold}"
    if ftype == F.RATE:
        gap_text = format_rate(gap)
    elif ftype in (F.COUNT, F.YEAR):
        gap_text = str(gap)
    else:  # money, or an expression of money fields
        units = gap * 10_000
        gap_text = format_units(int(units)) if units.denominator == 1 else str(gap)
    return f"{gap_text} short of {threshold}" + (" (must be more than it)" if op == ">" else "")


def _at(a, i: int):
    return a[i] if isinstance(a, np.ndarray) else a


def _cell_text(v: object, spec: F.Field | None) -> str:
    """One profile value as shown in an explanation."""
    if v is None:
        return "missing"
    if isinstance(v, bool):
        return str(v).lower()
    if spec is not None and spec.type == F.MONEY:
        return format_units(int(v))  # type: ignore[call-overload]
    if spec is not None and spec.type == F.RATE:
        return format_rate(Fraction(int(v), F.DENOMINATOR[F.RATE]))  # type: ignore[call-overload]
    if isinstance(v, tuple):
        return "; ".join(str(x) for x in v)
    return str(v)


def _calculation_text(cr: ClauseRun, i: int, catalog: Catalog) -> str:
    c = cr.clause
    if not c.computes_amount:
        return ""
    if c.items:
        count = int(cr.items_count[i]) if cr.items_count is not None else 0
        parts = [f"{count} {c.item_label}(s) from {c.items}"]
        if c.rate is not None:
            parts.append(f"each × {c.rate.text}")
        if c.item_cap:
            parts.append(f"capped at {format_units(c.item_cap)} per {c.item_label}")
        return ", ".join(parts)
    pieces = []
    if c.base is not None and cr.base is not None:
        if _known(cr.base.known, i):
            btype = catalog.registry[c.base.text].type if c.base.text in catalog.registry else F.MONEY
            pieces.append(f"{c.base_label or c.base.text} {_fmt_num(cr.base, i, btype)}")
        else:
            pieces.append(c.base_label or c.base.text)
    if c.rate is not None and cr.rate is not None:
        if _known(cr.rate.known, i):
            num = Fraction(int(_at(cr.rate.num, i)), cr.rate.den)
            shown = format_rate(num)
            if c.rate.text.replace(" ", "") != shown.replace(" ", ""):
                shown = f"{c.rate.text} = {shown}"
            pieces.append(shown)
        else:
            pieces.append(c.rate.text)
    elif c.fixed is not None:
        pieces.append(format_units(c.fixed))
    return " × ".join(pieces)


def _explanation(c: Clause, status: str, conds: list[ConditionResult], missing: tuple[str, ...], calc: str,
                 cap_notes: list[str], run: PolicyRun, i: int) -> str:
    parts: list[str] = []
    if status == "expired":
        parts.append(f"not computed: {int(run.years[i])} is outside the policy's validity")
    elif status == "missing_input":
        parts.append(f"not evaluated: add {', '.join(missing) or 'the missing field'} to the profile")
    held = [cd for cd in conds if cd.held]
    failed = [cd for cd in conds if cd.held is False]
    if status not in ("expired",):
        if failed:
            parts.append("; ".join(f"not met: {cd.detail}" + (f" ({cd.shortfall})" if cd.shortfall else "")
                                   for cd in failed))
        elif held and status != "missing_input":
            parts.append("; ".join(f"met: {cd.detail}" for cd in held))
    if run.policy.industries and status == "not_eligible" and not failed and _known(run.industry.known, i) \
            and not _known(run.industry.val, i):
        parts.append(f"the policy targets {', '.join(run.policy.industries)} enterprises")
    if status in ("granted", "capped", "excluded") and calc:
        parts.append(calc)
    if status == "not_eligible" and not failed and calc and run.policy.industries and _known(run.industry.val, i):
        parts.append(f"{calc}: amount is zero")
    if status == "discretionary":
        parts.append("the text fixes no amount: " + (c.notes[0] if c.notes else "awarded case by case"))
    elif c.basis == "up_to" and status in ("granted", "capped"):
        parts.append("the text sets only a ceiling: the amount shown is the most that can be granted")
    parts.extend(cap_notes)
    return "; ".join(p for p in parts if p)
