"""Planning: what if a figure changed, where the cliffs are, and what would unlock more.

Pure computations over the engine (no I/O, no words: ``explain`` words these facts):

- ``what_if``: the profile and a changed copy, evaluated as one table of two rows, with the per-clause
  difference and the reason each clause moved (a condition now met, a cap now binding, the 就高不就低
  winner changed, the company cap now binding …);
- ``headroom``: for every clause not eligible on a numeric threshold, the field(s) to move, to which
  value, and the exact gain (the profile evaluated with the field set to the threshold, all else equal);
  for every clause not evaluated for missing input, the fields to add and the most it could bring;
- ``explore``: the profile with one field (or two, a grid) taking many values, as ONE table through
  ``engine.run_policy``, and the cliffs found exactly (see ``find_cliffs``).

Values are exact: money in units of 1/10000 yuan, counts in whole numbers, rates in millionths, as
the profile holds them (``fields.DENOMINATOR``).

Which field moves (``threshold_move``): a failed comparison is solved for one field, all others kept.
For a side such as ``revenue - revenue_prev >= 1亿`` the field is the first one, in the order the
condition is written, whose increase helps (here ``revenue``, with a + sign); when none does (only
``x <= c``-like tests), the first field. The value is the smallest representable one that meets the
comparison (for ``>``, one unit above the threshold: 0.0001 yuan, one person or project, 0.0001
percentage point). An ``or`` of tests is met through its first numeric comparison; a yes/no field is
set to true (``not x``: to false).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction

import numpy as np

from . import expr
from . import fields as F
from .engine import (
    CAP_BINDING,
    CAPPED,
    DISCRETIONARY,
    EXCLUDED,
    GRANTED,
    MISSING,
    AmountOverflow,
    Options,
    PolicyRun,
    explain,
    run_policy,
    to_fen,
)
from .errors import IncentivesError, InputError, Location, OptionError
from .money import UNITS_PER_FEN
from .policy import Catalog, Clause, Policy
from .profile import Column, ListColumn, Profile, Table, TagColumn, TextColumn, parse_values, table_of
from .text import visible
from .trace import Basis, CapKind, CapState, ClauseResult, Kind, PolicyResult, Status

#: the most points a sweep (or a grid) evaluates
MAX_POINTS = 10_000
DEFAULT_STEPS = 200
#: field types a sweep can vary
NUMERIC = (F.MONEY, F.COUNT, F.RATE, F.YEAR, F.MONEY_LIST)
KIND_OF = {F.MONEY: Kind.MONEY, F.MONEY_LIST: Kind.MONEY, F.RATE: Kind.RATE, F.COUNT: Kind.COUNT,
           F.YEAR: Kind.YEAR, F.BOOL: Kind.BOOL, F.TEXT: Kind.TEXT, F.TAGS: Kind.TAGS}


# ---------------------------------------------------------------- evaluating variants of one profile


def evaluate(profiles: Sequence[Profile], policies: Sequence[Policy], catalog: Catalog,
             options: Options) -> list[list[PolicyResult]]:
    """Several profiles as ONE table through the engine: ``out[row][k]`` is row's result under policies[k].

    Each result carries its profile's plausibility warnings first, as ``api.calculate`` does.
    """
    table = table_of(profiles, catalog.registry)
    try:
        runs = [run_policy(table, p, catalog, options) for p in policies]
    except AmountOverflow as exc:
        from .api import overflow_error

        row = int(exc.rows[0]) if len(exc.rows) else 0
        raise overflow_error(exc, profiles[min(row, len(profiles) - 1)], catalog.registry) from None
    from .api import leading_notices

    out: list[list[PolicyResult]] = []
    for i, prof in enumerate(profiles):
        first = leading_notices(prof, policies, catalog)
        out.append([replace(r, notices=first + r.notices) if first else r
                    for r in (explain(run, i, catalog) for run in runs)])
    return out


def with_changes(profile: Profile, changes: Mapping[str, object], registry: F.Registry) -> Profile:
    """The profile with typed values changed (None removes a field), its plausibility warnings recomputed."""
    from .plausibility import check_table

    changed = profile.with_values(**changes)
    warnings = check_table(table_of([changed], registry), registry).for_row(0)
    return Profile(changed.values, changed.source, changed.lines, changed.row, warnings)


def parse_settings(settings: Iterable[str] | Mapping[str, object], registry: F.Registry,
                   option: str = "--set") -> dict[str, object | None]:
    """``["rd_staff=99", "研发费用=1.2亿"]`` (or a mapping) -> typed values by canonical field name.

    A value is written as in a TOML profile or a CSV cell ("1.2亿", "120万", "true", "a;b" for a list);
    an empty value removes the field. A bad one is an ``OptionError`` (exit 2) carrying the message the
    profile would get.
    """
    pairs: list[tuple[str, str, object]] = []
    if isinstance(settings, Mapping):
        pairs = [(f"{k}={v}", str(k), v) for k, v in settings.items()]
    else:
        for text in settings:
            key, sep, raw = text.partition("=")
            if not sep and "＝" in text:  # typed with a Chinese input method (as --vary reads it)
                key, sep, raw = text.partition("＝")
            if not sep or not key.strip():
                typed = next((c for c in "：:" if c in text), "")
                why = f" (not {typed!r})" if typed else ""
                raise OptionError(f"{option} {visible(text)}: expected FIELD=VALUE with '='{why}, e.g. {option} "
                                  f"rd_staff=120", Location())
            raw = raw.strip()
            value: object = raw
            if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
                value = raw[1:-1]
            elif raw.startswith("[") and raw.endswith("]"):  # ["300万", "200万"], as the TOML profile writes a list
                import tomllib

                try:
                    value = tomllib.loads(f"v = {raw}")["v"]
                except tomllib.TOMLDecodeError:
                    value = raw  # (then refused by the field, as the profile's text would be)
            pairs.append((text, key.strip(), value))
    out: dict[str, object | None] = {}
    given: dict[str, str] = {}  # field -> the setting that gave it
    problems: list[str] = []  # every bad setting, said at once (as a profile's problems are)
    for text, key, value in pairs:
        where = f"{option} {visible(text)}"
        name = registry.resolve(key)
        if name is None:
            problems.append(f"{where}: unknown field{registry.suggest(key)}; see the field reference in the README")
            continue
        if name in given:  # as in a profile: one value per field, never the last one silently
            problems.append(f"{where}: {name} is already set by {option} {visible(given[name])}; give it once")
            continue
        given[name] = text
        if isinstance(value, str) and value == "":
            out[name] = None
            continue
        try:
            parsed = parse_values({key: value}, registry, csv=isinstance(value, str))
        except InputError as exc:
            problems.append(f"{where}: {exc.message}")
            continue
        out.update(parsed)
    if len(problems) == 1:
        raise OptionError(problems[0], Location())
    if problems:
        raise OptionError(f"{len(problems)} problems; fix them all before running again:\n"
                          + "\n".join(f"  {p}" for p in problems), Location())
    return out


# ---------------------------------------------------------------- why a clause moved


class ChangeKind(StrEnum):
    """Why a clause's amount (or the policy's total) changed between two results."""

    CONDITION_MET = "condition_now_met"
    CONDITION_FAILED = "condition_now_failed"
    INPUT_COMPLETE = "input_now_complete"
    INPUT_MISSING = "input_now_missing"
    CAP_BINDING = "cap_now_binding"
    CAP_RELEASED = "cap_no_longer_binding"
    ITEM_CAP = "item_caps_changed"
    GROUP_WINNER = "group_winner_changed"
    COMPANY_CAP_BINDING = "company_cap_now_binding"
    COMPANY_CAP_RELEASED = "company_cap_no_longer_binding"
    COMPANY_CUT = "company_cap_cut_changed"
    AMOUNT = "amount_inputs_changed"
    STATUS = "status_changed"
    VALIDITY = "validity_changed"  # the year moved into or out of the policy's validity


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    conditions: tuple[str, ...] = ()  # labels of the conditions that flipped
    group: str = ""
    before: str = ""  # group winner before ("" none)
    after: str = ""  # group winner after
    limit: int | None = None  # fen: the cap concerned
    count_before: int = 0  # items cut by the item cap
    count_after: int = 0
    conditions_zh: tuple[str, ...] = ()  # the same conditions by their Chinese labels (--lang zh)


@dataclass(frozen=True)
class ClauseDelta:
    before: ClauseResult
    after: ClauseResult
    changes: tuple[Change, ...]

    @property
    def id(self) -> str:
        return self.after.id

    @property
    def diff(self) -> int:
        return self.after.amount - self.before.amount

    @property
    def diff_max(self) -> int | None:
        """SPEC 9.2: the difference between the two amounts' upper figures (amount_max, the amount where none)
        when either is a lower bound, else None."""
        if self.before.amount_max is None and self.after.amount_max is None:
            return None
        top = (self.after.amount if self.after.amount_max is None else self.after.amount_max)
        return top - (self.before.amount if self.before.amount_max is None else self.before.amount_max)

    @property
    def changed(self) -> bool:
        return self.diff != 0 or self.before.status != self.after.status

    @property
    def counts_ceiling(self) -> bool:
        """Either side counts an up-to ceiling, so the difference is a change of ceilings (SPEC §3)."""
        return any(c.basis == Basis.UP_TO and c.status.counted for c in (self.before, self.after))


@dataclass(frozen=True)
class PolicyDelta:
    before: PolicyResult
    after: PolicyResult
    clauses: tuple[ClauseDelta, ...]  # every clause, in the policy's order
    company: tuple[Change, ...]  # the company cap's change

    @property
    def policy(self) -> Policy:
        return self.after.policy

    @property
    def diff(self) -> int:
        return self.after.total - self.before.total

    @property
    def diff_exact(self) -> int:
        return self.after.total_exact - self.before.total_exact

    @property
    def counts_ceiling(self) -> bool:
        """Either total counts an up-to ceiling (SPEC §3: never presented as certain)."""
        return self.before.counts_ceiling or self.after.counts_ceiling

    @property
    def ceiling_moved(self) -> bool:
        """The totals' difference is a change of up-to ceilings, not certain either: their up-to parts differ.
        (When only exact clauses moved, the difference is exact although both totals are "up to".)"""
        return self.counts_ceiling and self.diff != self.diff_exact

    @property
    def changed(self) -> tuple[ClauseDelta, ...]:
        return tuple(d for d in self.clauses if d.changed)

    def clause(self, cid: str) -> ClauseDelta:
        return next(d for d in self.clauses if d.id == cid)


def _winner(r: PolicyResult, group: str) -> str:
    """The member of an exclusive group that counts ("" when none does)."""
    return next((c.id for c in r.clauses if c.group == group and c.status.counted), "")


def _cap_event(c: ClauseResult, kind: CapKind):
    return next((e for e in c.caps if e.kind == kind), None)


def clause_changes(b: ClauseResult, a: ClauseResult, before: PolicyResult, after: PolicyResult) -> tuple[Change, ...]:
    """The reasons a clause differs between two results (empty when it does not)."""
    if (b.status == Status.EXPIRED) != (a.status == Status.EXPIRED):  # the year moved: that is the one reason
        return (Change(ChangeKind.VALIDITY),)
    out: list[Change] = []
    on = [x for x, y in zip(b.conditions, a.conditions) if x.held is not True and y.held is True]
    off = [x for x, y in zip(b.conditions, a.conditions) if x.held is not False and y.held is False]
    flipped_on, flipped_off = tuple(x.label for x in on), tuple(x.label for x in off)
    on_zh, off_zh = (tuple(x.label_zh or x.label for x in xs) for xs in (on, off))
    if b.status != a.status:
        if a.status == Status.MISSING_INPUT:
            out.append(Change(ChangeKind.INPUT_MISSING))
        elif b.status == Status.MISSING_INPUT and a.status != Status.NOT_ELIGIBLE:
            out.append(Change(ChangeKind.INPUT_COMPLETE, flipped_on, conditions_zh=on_zh))
        elif flipped_off and a.status == Status.NOT_ELIGIBLE:
            out.append(Change(ChangeKind.CONDITION_FAILED, flipped_off, conditions_zh=off_zh))
        elif flipped_on and b.status == Status.NOT_ELIGIBLE:
            out.append(Change(ChangeKind.CONDITION_MET, flipped_on, conditions_zh=on_zh))
    cb, ca = _cap_event(b, CapKind.CLAUSE), _cap_event(a, CapKind.CLAUSE)
    if ca is not None and cb is None:
        out.append(Change(ChangeKind.CAP_BINDING, limit=ca.limit))
    elif cb is not None and ca is None and a.status.computed:
        out.append(Change(ChangeKind.CAP_RELEASED, limit=cb.limit))
    ib, ia = _cap_event(b, CapKind.ITEM), _cap_event(a, CapKind.ITEM)
    nb, na = (ib.count if ib else 0), (ia.count if ia else 0)
    if nb != na and a.status.computed:
        out.append(Change(ChangeKind.ITEM_CAP, limit=(ia or ib).limit, count_before=nb,  # type: ignore[union-attr]
                          count_after=na))
    if a.group:
        wb, wa = _winner(before, a.group), _winner(after, a.group)
        if wb != wa and (a.id in (wb, wa) or b.status != a.status):
            out.append(Change(ChangeKind.GROUP_WINNER, group=a.group, before=wb, after=wa))
    if a.company_cut is not None and b.company_cut is None and a.status.counted:
        out.append(Change(ChangeKind.COMPANY_CAP_BINDING))
    elif b.company_cut is not None and a.company_cut is None and a.status.counted:
        out.append(Change(ChangeKind.COMPANY_CAP_RELEASED))
    elif a.company_cut is not None and b.company_cut is not None and a.company_cut != b.company_cut:
        out.append(Change(ChangeKind.COMPANY_CUT))
    if a.raw_amount != b.raw_amount and a.status.computed and b.status.computed:
        out.append(Change(ChangeKind.AMOUNT))
    if not out and (b.status != a.status or b.amount != a.amount):
        out.append(Change(ChangeKind.STATUS))
    return tuple(out)


def delta(before: PolicyResult, after: PolicyResult) -> PolicyDelta:
    """The per-clause difference between two results of the same policy, with the reasons."""
    clauses = tuple(ClauseDelta(b, a, clause_changes(b, a, before, after)) for b, a in zip(before.clauses, after.clauses))
    company: list[Change] = []
    sb = before.company_cap.state if before.company_cap else None
    sa = after.company_cap.state if after.company_cap else None
    if sa == CapState.APPLIED and sb != CapState.APPLIED:
        company.append(Change(ChangeKind.COMPANY_CAP_BINDING, limit=after.company_cap.limit))  # type: ignore[union-attr]
    elif sb == CapState.APPLIED and sa != CapState.APPLIED:
        company.append(Change(ChangeKind.COMPANY_CAP_RELEASED, limit=before.company_cap.limit))  # type: ignore[union-attr]
    return PolicyDelta(before, after, clauses, tuple(company))


# ---------------------------------------------------------------- what-if


@dataclass(frozen=True)
class Setting:
    """One --set: the field, its value before (None: not given) and after (None: removed)."""

    field: str
    kind: Kind
    before: object
    after: object
    field_zh: str = ""  # the field's Chinese name, for --lang zh


@dataclass(frozen=True)
class WhatIf:
    profile: Profile
    changed: Profile
    settings: tuple[Setting, ...]
    base: tuple[PolicyResult, ...]
    new: tuple[PolicyResult, ...]
    deltas: tuple[PolicyDelta, ...]

    @property
    def diff(self) -> int:
        return sum(d.diff for d in self.deltas)


def what_if(profile: Profile, changes: Mapping[str, object | None], policies: Sequence[Policy], catalog: Catalog,
            options: Options) -> WhatIf:
    """The profile and the profile with ``changes`` (typed values), one table of two rows."""
    changed = with_changes(profile, changes, catalog.registry)
    base, new = evaluate([profile, changed], policies, catalog, options)
    settings = tuple(Setting(name, KIND_OF.get(catalog.registry[name].type, Kind.TEXT), profile.get(name), v,
                             _zh_name(catalog.registry, name))
                     for name, v in changes.items())
    return WhatIf(profile, changed, settings, tuple(base), tuple(new),
                  tuple(delta(b, a) for b, a in zip(base, new)))


# ---------------------------------------------------------------- headroom


class MoveKind(StrEnum):
    NUMBER = "number"  # a numeric field set to a threshold
    TRUE = "true"  # a yes/no field set to true
    FALSE = "false"


@dataclass(frozen=True)
class Move:
    """One field set to the value that meets a condition."""

    field: str
    kind: MoveKind
    value_kind: Kind  # the field's unit
    before: Fraction | bool | None  # exact (yuan, count, rate); None: not given
    after: Fraction | bool
    condition: str  # the condition's label
    units: int | bool = 0  # ``after`` as the profile holds it
    field_zh: str = ""  # the field's Chinese name (Field.zh), for --lang zh; "" where it has none

    @property
    def step(self) -> Fraction | None:
        if self.kind != MoveKind.NUMBER or self.before is None:
            return None
        return Fraction(self.after) - Fraction(self.before)  # type: ignore[arg-type]


class UnlockKind(StrEnum):
    THRESHOLD = "threshold"  # not eligible on a threshold: the fields to move
    MISSING_INPUT = "missing_input"  # not evaluated: the fields to add


@dataclass(frozen=True)
class Unlock:
    """One clause that could bring more, and how."""

    kind: UnlockKind
    clause: str
    title_zh: str
    title_en: str
    source: str
    failed: tuple  # the ConditionResults that failed (their shortfalls)
    moves: tuple[Move, ...] = ()
    solved: bool = True  # every failed condition could be solved for a field
    delta: PolicyDelta | None = None  # the profile evaluated with the moves
    missing: tuple[str, ...] = ()
    most: int | None = None  # fen: the most the clause could bring (missing input); None: no single figure
    most_each: str = ""  # "project" when ``most`` is per item / unit of the base
    most_scope: str = ""  # the clause cap's scope word ("year", "once") when ``most`` is that cap
    basis: Basis = Basis.EXACT
    industries: tuple[str, ...] = ()  # clause "*": the policy's industries (industries not given)
    industries_zh: tuple[str, ...] = ()  # their Chinese names (Policy.industries_zh), for --lang zh
    source_zh: str = ""  # the section in Chinese (--lang zh), "" where the table gives none
    missing_zh: tuple[str, ...] = ()  # the Chinese names of ``missing`` (ClauseResult.missing_zh), "" for none
    #: missing input: the company annual cap binds already and counts this clause, so adding the field cannot
    #: raise the policy's total (the clause's share is taken from the others)
    cap_binds: bool = False

    @property
    def net(self) -> int | None:
        return self.delta.diff if self.delta is not None else None

    @property
    def own(self) -> ClauseDelta | None:
        """The clause's own change when the moves are made."""
        if self.delta is None:
            return None
        return next(d for d in self.delta.clauses if d.id == self.clause)

    @property
    def unlocks_own(self) -> bool:
        """The moves make the clause itself eligible (not, say, a revenue move whose only gain is another
        clause's, while this one stays not eligible for want of a base); unknown (not computed) counts as yes."""
        own = self.own
        return own is None or own.after.status not in (Status.NOT_ELIGIBLE, Status.MISSING_INPUT)


@dataclass(frozen=True)
class Headroom:
    result: PolicyResult
    #: thresholds ranked by net gain (those that unlock their own clause first), then missing input by the most
    #: it could bring
    unlocks: tuple[Unlock, ...]
    #: "not_targeted" / "expired" / "out_of_reach" (every missed threshold needs a fact that only moves on with
    #: time to go back) / "" (facts, worded by the renderer)
    statement: str = ""

    @property
    def policy(self) -> Policy:
        return self.result.policy

    @property
    def thresholds(self) -> tuple[Unlock, ...]:
        return tuple(u for u in self.unlocks if u.kind == UnlockKind.THRESHOLD)

    @property
    def missing(self) -> tuple[Unlock, ...]:
        return tuple(u for u in self.unlocks if u.kind == UnlockKind.MISSING_INPUT)


def _linear(node: expr.Node) -> tuple[dict[str, Fraction], Fraction] | None:
    """A side as ``sum(coef * field) + const`` (fields in written order); None when not linear."""
    if isinstance(node, expr.Const):
        return {}, Fraction(node.value)
    if isinstance(node, expr.Name):
        return {node.name: Fraction(1)}, Fraction(0)
    if isinstance(node, expr.Neg):
        inner = _linear(node.operand)
        return None if inner is None else ({k: -v for k, v in inner[0].items()}, -inner[1])
    if isinstance(node, expr.BinOp):
        a, b = _linear(node.left), _linear(node.right)
        if a is None or b is None:
            return None
        if node.op in "+-":
            sign = 1 if node.op == "+" else -1
            coefs = dict(a[0])
            for k, v in b[0].items():
                coefs[k] = coefs.get(k, Fraction(0)) + sign * v
            return coefs, a[1] + sign * b[1]
        if node.op == "*":
            if not b[0]:
                return {k: v * b[1] for k, v in a[0].items()}, a[1] * b[1]
            if not a[0]:
                return {k: v * a[1] for k, v in b[0].items()}, a[1] * b[1]
            return None
        if node.op == "/" and not b[0] and b[1] != 0:
            return {k: v / b[1] for k, v in a[0].items()}, a[1] / b[1]
    return None


def _current(profile: Profile, registry: F.Registry, name: str) -> Fraction | None:
    """A numeric field's exact value as the engine reads it (another field standing in when it has a default)."""
    spec = registry.get(name)
    if spec is None or spec.type not in (F.MONEY, F.COUNT, F.RATE, F.YEAR):
        return None
    v = profile.get(name)
    if v is None and spec.default and not spec.default.startswith("reference:"):
        v = profile.get(spec.default)
    return None if v is None else Fraction(int(v), F.DENOMINATOR[spec.type])  # type: ignore[call-overload]


def solve_comparison(node: expr.Compare, profile: Profile, registry: F.Registry,
                     field_name: str | None = None) -> tuple[str, int] | None:
    """(field, value in the field's units) meeting ``node`` with every other field as in the profile.

    The field is ``field_name`` or the one the module docstring describes; None when the test is not
    linear, an == / != test, or another field it reads is not given.

    >>> from nanchang_incentives.api import load
    >>> cat = load()
    >>> tree = expr.parse("revenue - revenue_prev >= 1亿", cat.registry.kind_of).tree
    >>> p = Profile({"revenue": 3_312 * 10**8, "revenue_prev": 2_950 * 10**8})   # 3312万, 2950万 in units
    >>> name, units = solve_comparison(tree, p, cat.registry); name, units / 10**4
    ('revenue', 129500000.0)
    """
    if node.op not in (">=", ">", "<=", "<"):
        return None
    left, right = _linear(node.left), _linear(node.right)
    if left is None or right is None:
        return None
    coefs = dict(left[0])
    for k, v in right[0].items():
        coefs[k] = coefs.get(k, Fraction(0)) - v
    const = left[1] - right[1]
    up = node.op in (">=", ">")  # the difference left - right must rise
    names = [k for k, v in coefs.items() if v != 0 and registry.get(k) is not None
             and registry[k].type in (F.MONEY, F.COUNT, F.RATE, F.YEAR)]
    if field_name is not None:
        names = [k for k in names if k == field_name]
    if not names:
        return None
    helpful = [k for k in names if (coefs[k] > 0) == up]
    chosen = (helpful or names)[0]
    rest = const
    for k in names if field_name is None else [k for k, v in coefs.items() if v != 0]:
        if k == chosen:
            continue
        value = _current(profile, registry, k)
        if value is None:
            return None
        rest += coefs[k] * value
    for k, v in coefs.items():  # fields the filter above left out (not numeric): cannot be solved
        if v != 0 and k not in names and k != chosen and field_name is None:
            return None
    c = coefs[chosen]
    exact = -rest / c * F.DENOMINATOR[registry[chosen].type]
    rising = (c > 0) == up
    strict = node.op in (">", "<")
    if rising:
        units = math.ceil(exact)
        units += 1 if strict and units == exact else 0
    else:
        units = math.floor(exact)
        units -= 1 if strict and units == exact else 0
    return chosen, units


def _holds(node: expr.Node, profile: Profile, registry: F.Registry) -> bool | None:
    """Does a part of a condition hold for the profile (None: cannot tell here)?"""
    if isinstance(node, expr.Name):
        v = profile.get(node.name)
        return v if isinstance(v, bool) else None
    if isinstance(node, expr.Not):
        inner = _holds(node.operand, profile, registry)
        return None if inner is None else not inner
    if isinstance(node, expr.Compare):
        left, right = _linear(node.left), _linear(node.right)
        if left is None or right is None:
            return None
        total = left[1] - right[1]
        for side, sign in ((left, 1), (right, -1)):
            for k, c in side[0].items():
                v = _current(profile, registry, k)
                if v is None:
                    return None
                total += sign * c * v
        return {">=": total >= 0, ">": total > 0, "<=": total <= 0, "<": total < 0,
                "==": total == 0, "!=": total != 0}[node.op]
    return None


def _zh_name(registry: F.Registry, name: str) -> str:
    spec = registry.get(name)
    return spec.zh if spec is not None and spec.zh != name else ""


def _move_for(node: expr.Node, label: str, profile: Profile, registry: F.Registry) -> list[Move] | None:
    """The moves that make a condition (sub)tree hold; None when it cannot be solved."""
    if isinstance(node, expr.Name) and registry.get(node.name) is not None and registry[node.name].type == F.BOOL:
        before = profile.get(node.name)
        return [Move(node.name, MoveKind.TRUE, Kind.BOOL, before, True, label, True,  # type: ignore[arg-type]
                     _zh_name(registry, node.name))]
    if isinstance(node, expr.Not) and isinstance(node.operand, expr.Name):
        before = profile.get(node.operand.name)
        return [Move(node.operand.name, MoveKind.FALSE, Kind.BOOL, before, False, label, False,  # type: ignore[arg-type]
                     _zh_name(registry, node.operand.name))]
    if isinstance(node, expr.Compare):
        solved = solve_comparison(node, profile, registry)
        if solved is None:
            return None
        name, units = solved
        spec = registry[name]
        before = _current(profile, registry, name)
        if _goes_back(spec, before, units):
            return None  # (a project in its 4th year of interest subsidy cannot go back to its 3rd)
        return [Move(name, MoveKind.NUMBER, KIND_OF[spec.type], before,
                     Fraction(units, F.DENOMINATOR[spec.type]), label, units, _zh_name(registry, name))]
    if isinstance(node, expr.BoolOp) and node.op == "and":
        moves: list[Move] = []
        for part in node.operands:
            if _holds(part, profile, registry) is True:
                continue
            got = _move_for(part, label, profile, registry)
            if got is None:
                return None
            moves += got
        return moves
    if isinstance(node, expr.BoolOp) and node.op == "or":
        ordered = sorted(node.operands, key=lambda part: not isinstance(part, expr.Compare))
        for part in ordered:
            got = _move_for(part, label, profile, registry)
            if got is not None:
                return got
    return None


def threshold_moves(clause: Clause, c: ClauseResult, profile: Profile,
                    registry: F.Registry) -> tuple[tuple[Move, ...], bool]:
    """The moves meeting every condition of ``clause`` that is not met (failed or unknown), and whether all
    could be solved."""
    moves: list[Move] = []
    solved = True
    for cond, cd in zip(clause.conditions, c.conditions):
        if cd.held is True:
            continue
        got = _move_for(cond.expr.tree, cd.label, profile, registry)
        if got is None:
            solved = False
            continue
        for m in got:
            if all(m.field != x.field for x in moves):
                moves.append(m)
            else:  # the same field in two conditions: the stricter value
                k = next(i for i, x in enumerate(moves) if x.field == m.field)
                if m.kind == MoveKind.NUMBER and Fraction(m.after) > Fraction(moves[k].after):  # type: ignore[arg-type]
                    moves[k] = m
    return tuple(moves), solved


def _only_by_going_back(clause: Clause, c: ClauseResult, profile: Profile, registry: F.Registry) -> bool:
    """Whether a failed condition could be met only by lowering a field that only moves on with time
    (``Field.grows_only``: major_project_interest_year 4 → 3 would "unlock" the 3-year interest subsidy)."""
    for cond, cd in zip(clause.conditions, c.conditions):
        node = cond.expr.tree
        if cd.held is not False or not isinstance(node, expr.Compare):
            continue
        solved = solve_comparison(node, profile, registry)
        if solved is None:
            continue
        name, units = solved
        if _goes_back(registry[name], _current(profile, registry, name), units):
            return True
    return False


def _goes_back(spec: F.Field, before: Fraction | None, units: int) -> bool:
    """Whether moving a field from ``before`` to ``units`` (its own units) lowers one that only moves on with time."""
    return spec.grows_only and before is not None and units < before * F.DENOMINATOR[spec.type]


def is_threshold_miss(c: ClauseResult) -> bool:
    """Not eligible because a threshold was missed (not a yes/no test, not a failed "x > 0" at 0)."""
    return c.status == Status.NOT_ELIGIBLE and any(cd.held is False and cd.is_threshold for cd in c.conditions)


def ceiling_fen(clause: Clause) -> tuple[int | None, str]:
    """(the most a clause can bring in fen, the item it is per: "" for the whole clause); None: no figure."""
    if clause.cap:
        return clause.cap // UNITS_PER_FEN, ""
    if clause.item_cap:
        return clause.item_cap // UNITS_PER_FEN, clause.item_label
    if clause.fixed is not None and clause.base is None and not clause.items:
        return clause.fixed // UNITS_PER_FEN, ""
    if clause.fixed is not None:  # a fixed sum per counted thing: "per project", not "per projects"
        return clause.fixed // UNITS_PER_FEN, _one(clause.base_label) if clause.base_label else clause.item_label
    return None, ""


def _one(label: str) -> str:
    """The singular of a count's label ("projects" -> "project", "firms" -> "firm"); other labels unchanged.

    >>> _one("projects"), _one("events"), _one("process"), _one("攻关投入")
    ('project', 'event', 'process', '攻关投入')
    """
    if label.isascii() and label.isalpha() and label.endswith("s") and not label.endswith("ss"):
        return label[:-1]
    return label


def unlocks_of(r: PolicyResult, profile: Profile, registry: F.Registry) -> Headroom:
    """The unlocks of one result, without evaluating them (``headroom`` adds the gains)."""
    if r.targeted is False:
        return Headroom(r, (), "not_targeted")
    if r.clauses and all(c.status == Status.EXPIRED for c in r.clauses):
        return Headroom(r, (), "expired")
    out: list[Unlock] = []
    out_of_reach = False
    if r.targeted is None and r.policy.industries:
        return Headroom(r, (Unlock(UnlockKind.MISSING_INPUT, "*", "", "every clause", "", (),
                                   missing=("industries",), missing_zh=("行业",), industries=tuple(r.policy.industries),
                                   industries_zh=tuple(r.policy.industries_zh)),))
    for c in r.clauses:
        clause = r.policy.clause(c.id)
        if is_threshold_miss(c):
            if _only_by_going_back(clause, c, profile, registry):
                out_of_reach = True  # nothing the company can do (its project is past the subsidy period)
                continue
            moves, solved = threshold_moves(clause, c, profile, registry)
            failed = tuple(cd for cd in c.conditions if cd.held is False and cd.is_threshold)
            out.append(Unlock(UnlockKind.THRESHOLD, c.id, c.title_zh, c.title_en, c.source, failed, moves,
                              solved and bool(moves), basis=c.basis, source_zh=c.source_zh))
        elif c.status == Status.MISSING_INPUT:
            most, each = ceiling_fen(clause)
            cap = r.policy.company_cap
            binds = (r.company_cap is not None and r.company_cap.state == CapState.APPLIED and cap is not None
                     and c.id not in cap.excludes)
            out.append(Unlock(UnlockKind.MISSING_INPUT, c.id, c.title_zh, c.title_en, c.source, (),
                              missing=c.missing, missing_zh=c.missing_zh, most=most, most_each=each,
                              most_scope=clause.cap_period if clause.cap else
                              # 单个企业每年最高500万元: the ceiling the clause's own figure is has its scope too
                              clause.ceiling_scope.value if clause.ceiling_scope and not each else "",
                              basis=c.basis,
                              source_zh=c.source_zh, cap_binds=binds))
    return Headroom(r, tuple(out), "out_of_reach" if out_of_reach and not out else "")


def _rank(items: Sequence[Unlock]) -> tuple[Unlock, ...]:
    # a move that gains something first (one that unlocks its clause only for the company cap to take it all
    # back, net 0.00, came before a real +2,000,000.00); among them, one that unlocks its own clause first: one
    # that leaves the clause not eligible (its gain, if any, is another clause's) would send the reader after
    # the wrong lever
    thresholds = sorted((u for u in items if u.kind == UnlockKind.THRESHOLD),
                        key=lambda u: (u.net is None, (u.net or 0) <= 0, not u.unlocks_own, -(u.net or 0)))
    missing = sorted((u for u in items if u.kind == UnlockKind.MISSING_INPUT),
                     key=lambda u: (u.clause != "*", u.most is None, -(u.most or 0)))
    return tuple(thresholds) + tuple(missing)


def headroom(profile: Profile, results: Sequence[PolicyResult], catalog: Catalog,
             options: Options) -> tuple[Headroom, ...]:
    """For each result: what would unlock more, each threshold's gain computed by the engine.

    Every unlock's moves are applied to a copy of the profile (all else equal); all copies and the
    profile go through the engine as ONE table, and the gain is the difference of the policy's totals
    (so it includes group-winner changes and the company cap).
    """
    rooms = [unlocks_of(r, profile, catalog.registry) for r in results]
    variants: list[Profile] = [profile]
    where: list[tuple[int, int]] = []  # (room, unlock) of each variant row
    for k, room in enumerate(rooms):
        for j, u in enumerate(room.unlocks):
            if u.kind == UnlockKind.THRESHOLD and u.solved:
                variants.append(profile.with_values(**{m.field: m.units for m in u.moves}))
                where.append((k, j))
    if len(variants) == 1:
        return tuple(replace(room, unlocks=_rank(room.unlocks)) for room in rooms)
    policies = [r.policy for r in results]
    evaluated = evaluate([replace(v, warnings=()) for v in variants], policies, catalog, options)
    items = [list(room.unlocks) for room in rooms]
    for row, (k, j) in enumerate(where, 1):
        u = items[k][j]
        items[k][j] = replace(u, delta=delta(evaluated[0][k], evaluated[row][k]))
    return tuple(replace(room, unlocks=_rank(items[k])) for k, room in enumerate(rooms))


# ---------------------------------------------------------------- sweeps


@dataclass(frozen=True)
class Axis:
    """One --vary: a numeric field from FROM to TO (values in the field's units) in ``steps`` values."""

    field: str
    type: str  # fields.MONEY …
    start: int
    stop: int
    steps: int

    @property
    def kind(self) -> Kind:
        return KIND_OF[self.type]

    @property
    def denominator(self) -> int:
        return F.DENOMINATOR[self.type]

    def values(self) -> np.ndarray:
        """``steps`` evenly spaced values, each rounded half-up to the field's unit (exact integers)."""
        n = self.steps
        if n == 1:
            return np.array([self.start], dtype=np.int64)
        span = self.stop - self.start
        out = [self.start + (2 * span * i + (n - 1)) // (2 * (n - 1)) for i in range(n)]
        return np.unique(np.array(out, dtype=np.int64))

    def exact(self, units: int) -> Fraction:
        return Fraction(int(units), self.denominator)


#: what separates FROM and TO in --vary (see parse_axis)
_RANGE_MARK = re.compile(r"\.{2,}|…+|。{2,}|．{2,}|[~～至到]")
_BARE = re.compile(r"[0-9０-９][0-9０-９,，.．]*")
_UNIT = re.compile(r"(?:千|百万|万|亿|萬|億)元?$")
#: the fewest values a sweep has per field: FROM and TO
MIN_STEPS = 2


#: the units of a sweep's bounds, largest first, in yuan
_SWEEP_UNITS = (("万亿", 10**12), ("亿", 10**8), ("百万", 10**6), ("万", 10**4), ("千", 10**3))


def _unit_for(start: str, to_unit: str, stop_units: int) -> str:
    """The unit a bare FROM most likely shares with TO: TO's own when FROM in it is not above TO, else the
    largest smaller one that keeps it so ("5000..2亿": 5000万, not 5000亿, which is above 2亿).

    >>> _unit_for("5000", "万", 200_000_000 * 10_000), _unit_for("5000", "亿", 200_000_000 * 10_000)
    ('万', '万')
    """
    try:
        number = Decimal(start.replace(",", ""))
    except InvalidOperation:
        return to_unit
    written = to_unit.replace("萬", "万").replace("億", "亿")
    first = next((k for k, (u, _) in enumerate(_SWEEP_UNITS) if written.startswith(u)), len(_SWEEP_UNITS))
    for u, factor in _SWEEP_UNITS[first:]:
        if u == "百万" and not written.startswith(u):  # (a unit few write: offered only when TO is in it)
            continue
        if number * factor * 10_000 <= stop_units:
            return u + ("元" if written.endswith("元") else "")
    return to_unit


def parse_axis(text: str, steps: int, registry: F.Registry) -> Axis:
    """``sales_revenue=1000万..10亿`` (also Chinese field names, and ``...`` or ``…`` for ``..``) -> an Axis;
    a bad one is an OptionError."""
    where = f"--vary {visible(text)}"
    key, sep, span = text.partition("=")
    if not sep and "＝" in text:  # typed with a Chinese input method
        key, sep, span = text.partition("＝")
    # any run of two or more dots, an ellipsis (…… as Chinese input methods type it), 。。 or ．．, and the range
    # marks of Chinese text (~, ～, 至, 到) separate FROM and TO: "1亿...5亿" was "1亿" to ".5亿" (FROM above TO),
    # and "1000万....5亿" swept up to 0.5亿 without a word
    parts = _RANGE_MARK.split(span)
    if not sep or len(parts) != 2 or not key.strip() or not parts[0].strip() or not parts[1].strip():
        raise OptionError(f"{where}: expected FIELD=FROM..TO with two dots between FROM and TO, e.g. --vary "
                          f"rd_expense=5000万..2亿", Location())
    start_text, stop_text = parts
    name = registry.resolve(key.strip())
    if name is None:
        raise OptionError(f"{where}: unknown field{registry.suggest(key.strip())}; see the field reference in the "
                          f"README", Location())
    spec = registry[name]
    if spec.type not in NUMERIC:
        raise OptionError(f"{where}: {name} is a {spec.type} field; a sweep varies a number (money, count, rate "
                          f"or year), e.g. --vary rd_staff=50..150", Location())
    bounds = []
    for part in (start_text.strip(), stop_text.strip()):
        try:
            parsed = spec.parse(part, csv=True)
        except IncentivesError as exc:
            raise OptionError(f"{where}: {name}: {exc}", Location()) from None
        if isinstance(parsed, tuple):  # a list field: one amount, every item takes it
            if len(parsed) != 1:
                raise OptionError(f"{where}: {name} is a list; give one amount for FROM and one for TO, e.g. "
                                  f"--vary {name}=100万..800万", Location())
            parsed = parsed[0]
        bounds.append(int(parsed))  # type: ignore[call-overload]
    if spec.type in (F.MONEY, F.MONEY_LIST) and bounds[0] and _BARE.fullmatch(start_text.strip()) \
            and (unit := _UNIT.search(stop_text.strip())):
        # "5000..20000万": in Chinese one writes the unit once, at the end; read literally FROM was 5,000 yuan
        meant = _unit_for(start_text.strip(), unit.group(), bounds[1])
        raise OptionError(f"{where}: FROM {start_text.strip()} has no unit and would be read as yuan, while TO is "
                          f"in {unit.group()}: write the unit on both, e.g. --vary {key.strip()}="
                          f"{start_text.strip()}{meant}..{stop_text.strip()} (or {start_text.strip()}元 for "
                          f"yuan)", Location())
    if bounds[1] < bounds[0]:
        raise OptionError(f"{where}: FROM is above TO; write the smaller value first", Location())
    if bounds[1] == bounds[0]:  # one point, drawn as a range of one value: calc --set says it plainly
        raise OptionError(f"{where}: FROM and TO are the same value, so there is nothing to sweep; for that one "
                          f"value use calc --set {key.strip()}={start_text.strip()}", Location())
    if not MIN_STEPS <= steps <= MAX_POINTS:
        raise OptionError(f"--steps {steps}: expected {MIN_STEPS} to {MAX_POINTS:,} (FROM and TO are both "
                          f"evaluated), e.g. --steps 200", Location())
    distinct = bounds[1] - bounds[0] + 1
    return Axis(name, spec.type, bounds[0], bounds[1], min(steps, distinct))


def _repeat(table: Table, n: int) -> Table:
    """A one-row table repeated n times (columns of n equal rows)."""
    cols: dict[str, Column | ListColumn | TagColumn | TextColumn] = {}
    for name, col in table.columns.items():
        present = np.repeat(col.present, n)
        if isinstance(col, Column):
            cols[name] = Column(np.repeat(col.values, n), present)
        elif isinstance(col, ListColumn):
            k = int(col.offsets[1] - col.offsets[0])
            cols[name] = ListColumn(np.arange(n + 1, dtype=np.int64) * k, np.tile(col.flat, n), present)
        elif isinstance(col, TagColumn):
            cols[name] = TagColumn(np.repeat(col.masks, n), col.vocab, present, list(col.values) * n)
        else:
            cols[name] = TextColumn(list(col.values) * n, present)
    return Table(n, cols, [table.rows[0]] * n)


def _set(table: Table, name: str, ftype: str, values: np.ndarray) -> None:
    """Give field ``name`` the value ``values[i]`` in row i (a list field: every item of the list)."""
    n = table.n
    if ftype == F.MONEY_LIST:
        old = table.columns.get(name)
        k = int(old.offsets[1] - old.offsets[0]) if isinstance(old, ListColumn) and old.present[0] else 0
        k = max(k, 1)
        table.columns[name] = ListColumn(np.arange(n + 1, dtype=np.int64) * k, np.repeat(values, k),
                                         np.ones(n, dtype=bool))
    else:
        table.columns[name] = Column(values.astype(np.int64), np.ones(n, dtype=bool))


def variant_table(profile: Profile, registry: F.Registry, axes: Sequence[Axis],
                  columns: Sequence[np.ndarray]) -> Table:
    """The profile repeated once per point, each axis's field taking its column's values."""
    n = len(columns[0])
    table = _repeat(table_of([replace(profile, warnings=())], registry), n)
    for axis, values in zip(axes, columns):
        _set(table, axis.field, axis.type, values)
    return table


@dataclass
class Points:
    """Many points through the engine: per policy, per clause, per point (the arrays of the runs)."""

    xs: tuple[np.ndarray, ...]  # per axis, the value at each point (field units)
    runs: list[PolicyRun]
    total: np.ndarray  # fen
    total_exact: np.ndarray  # fen

    @property
    def n(self) -> int:
        return len(self.total)

    @property
    def ceiling(self) -> np.ndarray:
        """Per point, whether its total counts an up-to ceiling (PolicyResult.counts_ceiling): never certain."""
        out = np.zeros(self.n, dtype=bool)
        for run in self.runs:
            for cr in run.clauses:
                if cr.clause.basis == "up_to":
                    out |= (cr.status == GRANTED) | (cr.status == CAPPED)
        return out


def run_points(profile: Profile, axes: Sequence[Axis], columns: Sequence[np.ndarray], policies: Sequence[Policy],
               catalog: Catalog, options: Options) -> Points:
    """Every point as one table through ``engine.run_policy`` (one run per policy)."""
    table = variant_table(profile, catalog.registry, axes, columns)
    runs = []
    for p in policies:
        run = run_policy(table, p, catalog, options, flag_overflow=True)
        if run.overflow is not None and run.overflow.any():
            i = int(np.flatnonzero(run.overflow)[0])
            from .explain import value as worded  # (the value as a message gives it: 5,025,125,628,140.7035)

            shown = ", ".join(f"{a.field} = {worded(a.exact(int(c[i])), a.kind)}" for a, c in zip(axes, columns))
            raise InputError(f"at {shown} an amount of {p.id} goes beyond the largest the tool handles; sweep a "
                             f"smaller range", Location(field=axes[0].field))
        runs.append(run)
    total = np.zeros(table.n, dtype=np.int64)
    exact = np.zeros(table.n, dtype=np.int64)
    for run in runs:
        t, e = run.totals()
        total += t
        exact += e
    return Points(tuple(np.asarray(c, dtype=np.int64) for c in columns), runs, total, exact)


class CliffKind(StrEnum):
    CLAUSE_ON = "clause_on"  # becomes eligible (an amount is computed)
    CLAUSE_OFF = "clause_off"  # stops being eligible
    CLAUSE_MISSING = "clause_missing"  # becomes / stops being not evaluated
    CAP_REACHED = "cap_reached"  # the clause's amount reaches its cap and stays there
    CAP_LEFT = "cap_left"  # falls back below its cap
    ITEM_CAP = "item_cap"  # the number of items at their per-item cap changes
    GROUP_WINNER = "group_winner"  # the 就高不就低 winner changes
    COMPANY_CAP_BINDS = "company_cap_binds"
    COMPANY_CAP_RELEASED = "company_cap_released"
    POLICY_IN_FORCE = "policy_in_force"  # the fiscal year enters the policy's validity: one cliff, not one per clause
    POLICY_ENDED = "policy_ended"  # the fiscal year leaves it


@dataclass(frozen=True)
class Cliff:
    """A value of the swept field where something switches, with the totals just below and at it.

    ``at`` is the first value (in the field's units) with the new state and ``below`` the one unit
    under it (0.0001 yuan, one count): exact, found by searching the engine's own results.
    """

    kind: CliffKind
    policy: str
    at: int
    below: int
    total_below: int  # fen, every policy swept
    total_at: int
    exact_below: int
    exact_at: int
    ceiling_below: bool = False  # the total just below counts an up-to ceiling (Points.ceiling)
    ceiling_at: bool = False
    clause: str = ""
    group: str = ""
    before: str = ""  # group winner before / status before
    after: str = ""
    amount_below: int = 0  # fen: the clause's amount
    amount_at: int = 0
    limit: int | None = None  # fen: the cap concerned
    conditions: tuple[str, ...] = ()  # labels of the conditions that flipped
    conditions_zh: tuple[str, ...] = ()  # their Chinese labels (label_zh, else the label), for --lang zh
    count_below: int = 0
    count_at: int = 0
    clauses: tuple[str, ...] = ()  # POLICY_IN_FORCE / POLICY_ENDED: the clauses that switch on or off with it

    @property
    def jump(self) -> int:
        return self.total_at - self.total_below

    @property
    def ceiling_moved(self) -> bool:
        """The jump is a change of up-to ceilings (SPEC §3: not certain): the totals' up-to parts differ."""
        return (self.ceiling_below or self.ceiling_at) and self.jump != self.exact_at - self.exact_below


_ON = (GRANTED, CAPPED, EXCLUDED)


def _items_at_cap(run: PolicyRun, k: int) -> np.ndarray | None:
    """Per row, the items of clause k whose amount before the per-item cap reaches the cap."""
    cr = run.clauses[k]
    c = cr.clause
    if not c.items or not c.item_cap or cr.base is None:
        return None
    col = run.table.columns.get(c.items)
    if not isinstance(col, ListColumn):
        return np.zeros(run.n, dtype=np.int64)
    flat = len(col.flat)
    fen = to_fen(cr.base, flat) if flat else np.zeros(0, dtype=np.int64)
    hit = (fen >= c.item_cap // UNITS_PER_FEN).astype(np.int64)
    sums = np.concatenate([[0], np.cumsum(hit)])
    return sums[col.offsets[1:]] - sums[col.offsets[:-1]]


def signatures(points: Points) -> dict[tuple, np.ndarray]:
    """Per event key, an integer state per point; a cliff is where a key's state changes."""
    out: dict[tuple, np.ndarray] = {}
    for run in points.runs:
        pid = run.policy.id
        for k, cr in enumerate(run.clauses):
            status = cr.status.astype(np.int64)
            # (a discretionary clause switching on is a cliff too: 10亿 of investment makes major_project_award
            # one to apply for, though it brings no amount)
            state = np.where(np.isin(status, _ON), 1, np.where(status == MISSING, 2,
                                                               np.where(status == DISCRETIONARY, 3, 0)))
            out[(pid, "clause", k)] = state
            if cr.clause.cap:
                out[(pid, "cap", k)] = ((cr.after_item_cap >= cr.clause.cap // UNITS_PER_FEN)
                                        & np.isin(status, _ON)).astype(np.int64)
            items = _items_at_cap(run, k)
            if items is not None:
                out[(pid, "items", k)] = np.where(np.isin(status, _ON), items, 0)
        for g, winners in run.group_winner.items():
            out[(pid, "group", g)] = np.asarray(winners, dtype=np.int64)
        if run.policy.company_cap is not None:
            out[(pid, "company")] = (run.cap_state == CAP_BINDING).astype(np.int64)
    return out


def _threshold_seeds(axis: Axis, policies: Sequence[Policy], profile: Profile, registry: F.Registry) -> set[int]:
    """The values of the axis's field at which a condition's comparison switches (and one unit under)."""
    seeds: set[int] = set()

    def walk(node: expr.Node) -> None:
        if isinstance(node, expr.Compare):
            for op in (node.op, {">=": "<", ">": "<=", "<=": ">", "<": ">="}.get(node.op, "")):
                if not op:
                    continue
                got = solve_comparison(expr.Compare(op, node.left, node.right), profile, registry, axis.field)
                if got is not None:
                    seeds.update((got[1] - 1, got[1]))
        elif isinstance(node, expr.BoolOp):
            for part in node.operands:
                walk(part)
        elif isinstance(node, expr.Not):
            walk(node.operand)

    for p in policies:
        for c in p.clauses:
            for cond in c.conditions:
                walk(cond.expr.tree)
    return {s for s in seeds if axis.start - 1 <= s <= axis.stop}


def find_cliffs(profile: Profile, axis: Axis, policies: Sequence[Policy], catalog: Catalog, options: Options,
                grid: np.ndarray) -> tuple[Cliff, ...]:
    """Every value of ``axis.field`` in (FROM - 1 unit, TO] where a clause switches on or off, a clause or
    item cap starts (or stops) being reached, a group's winner changes or the company cap starts or stops
    binding; exact to the field's unit.

    The sweep's points, FROM − 1 unit and the thresholds solved from the conditions are evaluated; between
    two neighbours whose state differs, the first value with the new state is found by a 64-way search,
    every pending interval in the same engine batch, until the two values are one unit apart.
    A cap "is reached" at the first value where the clause's amount before its cap, rounded half-up to the
    fen, is at least the cap: from there the amount stays at the cap (and one unit below it is the last
    amount under the cap). The company cap "binds" where the counted clauses exceed its limit (rounded to
    the fen) and is released where they no longer do.
    """
    xs = np.unique(np.concatenate([grid, np.array(sorted(_threshold_seeds(axis, policies, profile,
                                                                          catalog.registry)), dtype=np.int64),
                                   np.array([axis.start - 1], dtype=np.int64)]))
    xs = xs[(xs >= axis.start - 1) & (xs <= axis.stop)]
    pts = run_points(profile, [axis], [xs], policies, catalog, options)
    sigs = signatures(pts)
    pending: list[tuple[tuple, int, int, int]] = []  # (key, lo, hi, state at lo)
    for key, s in sigs.items():
        for i in np.flatnonzero(s[1:] != s[:-1]):
            pending.append((key, int(xs[i]), int(xs[i + 1]), int(s[i])))
    found: list[tuple[tuple, int]] = []
    while pending:
        todo = [(key, lo, hi, a) for key, lo, hi, a in pending if hi - lo > 1]
        found += [(key, hi) for key, lo, hi, a in pending if hi - lo <= 1]
        if not todo:
            break
        probes: list[np.ndarray] = []
        for _, lo, hi, _ in todo:
            m = min(hi - lo - 1, 63)
            probes.append(np.unique(np.array([lo + (hi - lo) * j // (m + 1) for j in range(1, m + 1)],
                                             dtype=np.int64)))
        flat = np.concatenate(probes)
        sub = signatures(run_points(profile, [axis], [flat], policies, catalog, options))
        pending = []
        offset = 0
        for (key, lo, hi, a), probe in zip(todo, probes):
            s = sub[key][offset:offset + len(probe)]
            offset += len(probe)
            changed = np.flatnonzero(s != a)
            if len(changed):
                j = int(changed[0])
                new_hi = int(probe[j])
                new_lo = int(probe[j - 1]) if j else lo
            else:
                new_lo, new_hi = int(probe[-1]), hi
            pending.append((key, new_lo, new_hi, a))
    return _describe(profile, axis, policies, catalog, options, sorted(set(found), key=lambda f: (f[1], str(f[0]))))


def _describe(profile: Profile, axis: Axis, policies: Sequence[Policy], catalog: Catalog, options: Options,
              found: Sequence[tuple[tuple, int]]) -> tuple[Cliff, ...]:
    if not found:
        return ()
    # a clause that switches on already at its cap (or off from it) is one event, not two: the cap cliff goes
    # and a clause switching on says it is at its cap
    switches = {(key[0], key[2], at) for key, at in found if key[1] == "clause"}
    found = [(key, at) for key, at in found if not (key[1] == "cap" and (key[0], key[2], at) in switches)]
    col = np.array([v for _, at in found for v in (at - 1, at)], dtype=np.int64)
    pts = run_points(profile, [axis], [col], policies, catalog, options)
    ceiling = pts.ceiling
    by_id = {run.policy.id: run for run in pts.runs}
    out: list[Cliff] = []
    first: dict[tuple[str, int], int] = {}  # (policy, at) where the fiscal year enters or leaves its validity
    switched: dict[tuple[str, int], list[str]] = {}
    for n, (key, at) in enumerate(found):
        run = by_id[key[0]]
        if run.policy.covers(int(run.years[2 * n])) != run.policy.covers(int(run.years[2 * n + 1])):
            first.setdefault((key[0], at), n)
            inside = 2 * n + 1 if run.policy.covers(int(run.years[2 * n + 1])) else 2 * n
            # (only the clauses with an amount or a decision in force: those waiting for input do not "become
            # eligible")
            if key[1] == "clause" and int(run.clauses[key[2]].status[inside]) in (*_ON, DISCRETIONARY):
                switched.setdefault((key[0], at), []).append(run.clauses[key[2]].clause.id)
    for n, (key, at) in enumerate(found):
        i, j = 2 * n, 2 * n + 1
        run = by_id[key[0]]
        common = {"policy": key[0], "at": at, "below": at - 1, "total_below": int(pts.total[i]), "total_at": int(pts.total[j]),
                      "exact_below": int(pts.total_exact[i]), "exact_at": int(pts.total_exact[j]),
                      "ceiling_below": bool(ceiling[i]), "ceiling_at": bool(ceiling[j])}
        if (key[0], at) in first:
            # every clause of the policy switches at once, for one reason: one cliff that says so
            if first[(key[0], at)] == n:
                kind = CliffKind.POLICY_IN_FORCE if run.policy.covers(int(run.years[j])) else CliffKind.POLICY_ENDED
                out.append(Cliff(kind, clauses=tuple(switched.get((key[0], at), ())),
                                 **common))  # type: ignore[arg-type]
            continue
        what = key[1]
        if what == "company":
            binds = int(run.cap_state[j]) == CAP_BINDING
            out.append(Cliff(CliffKind.COMPANY_CAP_BINDS if binds else CliffKind.COMPANY_CAP_RELEASED,
                             limit=int(run.cap_limit[j]), amount_below=int(run.cap_before[i]),
                             amount_at=int(run.cap_before[j]), **common))  # type: ignore[arg-type]
            continue
        if what == "group":
            g = next(g for g in run.policy.groups if g.id == key[2])
            wb, wa = int(run.group_winner[g.id][i]), int(run.group_winner[g.id][j])
            out.append(Cliff(CliffKind.GROUP_WINNER, group=g.id, before=g.clauses[wb] if wb >= 0 else "",
                             after=g.clauses[wa] if wa >= 0 else "", **common))  # type: ignore[arg-type]
            continue
        cr = run.clauses[key[2]]
        c = cr.clause
        amounts = {"clause": c.id, "amount_below": int(cr.amount[i]), "amount_at": int(cr.amount[j])}
        if what == "clause":
            sb, sa = int(cr.status[i]), int(cr.status[j])
            turned = [cd for cd, t in zip(c.conditions, cr.conditions)
                      if bool(t.value.val[i] & t.value.known[i]) != bool(t.value.val[j] & t.value.known[j])]
            flipped = tuple((cd.label or cd.expr.text) for cd in turned)
            flipped_zh = tuple((cd.label_zh or cd.label or cd.expr.text) for cd in turned)
            on_b, on_a = sb in _ON, sa in _ON
            kind = (CliffKind.CLAUSE_ON if on_a and not on_b else CliffKind.CLAUSE_OFF if on_b and not on_a
                    else CliffKind.CLAUSE_MISSING)
            at_cap = (kind == CliffKind.CLAUSE_ON and c.cap is not None
                      and bool(cr.after_item_cap[j] >= c.cap // UNITS_PER_FEN))
            out.append(Cliff(kind, before=str(_status(sb)), after=str(_status(sa)), conditions=flipped,
                             conditions_zh=flipped_zh, limit=c.cap // UNITS_PER_FEN if at_cap else None,  # type: ignore[operator]
                             **amounts, **common))  # type: ignore[arg-type]
        elif what == "cap":
            # the clause's own amount after its cap, before the 就高不就低 group and the company cap: what the cap
            # is about (an excluded or company-cut amount would not show it)
            reached = bool(cr.after_item_cap[j] >= c.cap // UNITS_PER_FEN)  # type: ignore[operator]
            capped = {"clause": c.id, "amount_below": int(cr.after_clause_cap[i]),
                      "amount_at": int(cr.after_clause_cap[j])}
            out.append(Cliff(CliffKind.CAP_REACHED if reached else CliffKind.CAP_LEFT,
                             limit=c.cap // UNITS_PER_FEN, **capped, **common))  # type: ignore[arg-type,operator]
        else:
            items = _items_at_cap(run, key[2])
            assert items is not None
            out.append(Cliff(CliffKind.ITEM_CAP, limit=c.item_cap // UNITS_PER_FEN,  # type: ignore[operator]
                             count_below=int(items[i]), count_at=int(items[j]), **amounts, **common))  # type: ignore[arg-type]
    return tuple(out)


def _status(code: int) -> Status:
    from .trace import STATUS_BY_CODE

    return STATUS_BY_CODE[code]


@dataclass(frozen=True)
class Sweep:
    """The result of ``explore``: every point, and the cliffs of each axis."""

    profile: Profile
    axes: tuple[Axis, ...]
    policies: tuple[Policy, ...]
    points: Points
    cliffs: tuple[tuple[Cliff, ...], ...]  # per axis (a grid: along each axis, the other held: held_units)
    year: int = 0  # the fiscal year evaluated; 0 when the sweep varies the year
    clause_ids: tuple[tuple[str, str], ...] = field(default=())  # (policy, clause) of each clause column
    #: the profile as given, evaluated as calc does: what must be read with the sweep (NOT IN FORCE, NOT TARGETED,
    #: the table's notices), worded by the renderers as calc's first lines
    base: tuple[PolicyResult, ...] = field(default=())
    #: a sweep of the year: the profile evaluated at each other year swept (at most YEAR_NOTES_MAX), whose
    #: notices (hypothetical, may be superseded, a reference rate unconfirmed …) the figures of those years carry
    by_year: tuple[tuple[int, tuple[PolicyResult, ...]], ...] = field(default=())


#: the most years a sweep of the year is evaluated at as calc would, for their notices
YEAR_NOTES_MAX = 200  # (a year is 1990 … 2100: every year swept)


def grid_columns(axes: Sequence[Axis]) -> list[np.ndarray]:
    """The points of a sweep (one axis) or of a grid (two: every pair, the first axis varying fastest)."""
    values = [a.values() for a in axes]
    if len(values) == 1:
        return values
    mesh = np.meshgrid(*values, indexing="xy")
    return [m.reshape(-1) for m in mesh]


def explore(profile: Profile, axes: Sequence[Axis], policies: Sequence[Policy], catalog: Catalog,
            options: Options, base: Sequence[PolicyResult] = ()) -> Sweep:
    """Evaluate the profile at every point of the axes (one table through the engine) and find the cliffs."""
    if not 1 <= len(axes) <= 2:
        raise OptionError("--vary: give one field (a sweep) or two (a grid)", Location())
    if len(axes) == 2 and axes[0].field == axes[1].field:
        raise OptionError(f"--vary: {axes[0].field} is given twice; a grid varies two different fields", Location())
    if options.year is not None and any(a.field == F.YEAR for a in axes):
        raise OptionError(f"--year {options.year} and --vary year both set the fiscal year; drop --year (the sweep "
                          f"gives the years)", Location())
    places = sorted({p.jurisdiction for p in policies})
    if len(places) > 1:
        raise OptionError(f"--policy: {', '.join(p.id for p in policies)} are policies of {len(places)} places "
                          f"({', '.join(places)}); a company is in one, so their totals do not add up: sweep one "
                          f"place at a time, or compare the places with `incentives compare`", Location())
    count = math.prod(len(a.values()) for a in axes)
    if count > MAX_POINTS:
        raise OptionError(f"--vary: the grid has {count:,} points; at most {MAX_POINTS:,} (lower --steps, e.g. "
                          f"--steps 100 for a 100 × 100 grid)", Location())
    columns = grid_columns(axes)
    points = run_points(profile, axes, columns, policies, catalog, options)
    cliffs: list[tuple[Cliff, ...]] = []
    for k, axis in enumerate(axes):
        held = profile
        for other in axes:
            if other is not axis:
                held = profile.with_values(**{other.field: _held_value(other, profile)})
        cliffs.append(find_cliffs(held, axis, policies, catalog, options, axis.values()))
    # a sweep of the fiscal year itself has no one year (0: the axis gives them)
    year = int(points.runs[0].years[0]) if points.runs and points.n and F.YEAR not in {a.field for a in axes} else 0
    ids = tuple((run.policy.id, cr.clause.id) for run in points.runs for cr in run.clauses)
    return Sweep(profile, tuple(axes), tuple(policies), points, tuple(cliffs), year, ids, tuple(base))


def held_units(axis: Axis, profile: Profile) -> int:
    """Where a grid holds its other axis while the cliffs of one are searched: the profile's own value when it
    is in the range, else TO (the end where most clauses are on)."""
    own = profile.get(axis.field)
    if isinstance(own, int) and not isinstance(own, bool) and axis.start <= own <= axis.stop:
        return own
    return axis.stop


def _held_value(axis: Axis, profile: Profile) -> object:
    units = held_units(axis, profile)
    return (units,) if axis.type == F.MONEY_LIST else units
