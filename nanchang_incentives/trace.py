"""The facts the engine hands to every output: what was computed, never how to say it.

The engine (``engine.explain``) fills these frozen dataclasses for one company
and one policy; ``explain`` turns them into words, and every renderer (Rich
table, Markdown, JSON ``explanation``, the batch long layout, ``compare``)
uses that one wording. No renderer reads a sentence another layer wrote.

Money is in fen (``int``) for amounts and in exact yuan (``Fraction``) for the
values a condition or a formula read; rates are exact fractions (0.031 for
3.1%).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .policy import Policy, Successor


class Status(StrEnum):
    """A clause's outcome (SPEC §8); the order is the engine's column code."""

    GRANTED = "granted"
    CAPPED = "capped"
    EXCLUDED = "excluded"
    NOT_ELIGIBLE = "not_eligible"
    MISSING_INPUT = "missing_input"
    DISCRETIONARY = "discretionary"
    EXPIRED = "expired"

    @property
    def counted(self) -> bool:
        """Granted or capped: the amount counts in the totals."""
        return self in (Status.GRANTED, Status.CAPPED)

    @property
    def computed(self) -> bool:
        """An amount was computed (even if a group then excluded it)."""
        return self in (Status.GRANTED, Status.CAPPED, Status.EXCLUDED)


#: engine status code (int8 column) -> Status
STATUS_BY_CODE: tuple[Status, ...] = tuple(Status)


class Basis(StrEnum):
    EXACT = "exact"
    UP_TO = "up_to"
    DISCRETIONARY = "discretionary"


class Kind(StrEnum):
    """What a value is, so that it is shown in its own unit."""

    MONEY = "money"  # exact yuan
    RATE = "rate"  # a fraction: 0.031 is 3.1%
    COUNT = "count"
    YEAR = "year"
    BOOL = "bool"
    TEXT = "text"
    TAGS = "tags"
    MONEY_LIST = "money_list"  # a tuple of exact yuan
    NUMBER = "number"  # a plain constant


class Source(StrEnum):
    """Where a value read by a formula came from."""

    GIVEN = "given"  # the profile
    DEFAULT = "default"  # another field stood in (sales_revenue <- revenue)
    REFERENCE = "reference"  # a dated reference table (the LPR)
    CONSTANT = "constant"  # the policy text


class CapKind(StrEnum):
    ITEM = "item"  # per project / event / unit
    CLAUSE = "clause"  # the clause's own cap
    COMPANY = "company_annual"  # the policy's per-company annual cap


class CapState(StrEnum):
    """The per-company cap's outcome; the order is the engine's column code."""

    NONE = "none"  # the policy has no company cap
    NOT_REACHED = "not_reached"
    APPLIED = "applied"  # binding: the counted clauses were cut to the limit
    EXEMPT = "exempt"  # e.g. a new entrant (除新引入企业外)
    WAIVED = "waived"  # the user asserts a key support area (可适当突破)
    UNKNOWN = "unknown"  # the limit's inputs are missing
    NOT_APPLICABLE = "not_applicable"  # no clause in force for the year


CAP_STATE_BY_CODE: tuple[CapState, ...] = tuple(CapState)


class NoticeKind(StrEnum):
    """A warning about the whole result (worded by ``explain.notice``)."""

    OUTSIDE_VALIDITY = "outside_validity"
    POLICY_ENDED = "policy_ended"  # SPEC 9.3: the year is after the policy's end; names the end and the successor
    MAY_BE_SUPERSEDED = "may_be_superseded"  # SPEC 9.3: end unknown, a successor reported in or before the year
    HYPOTHETICAL = "hypothetical"
    VALIDITY_END_UNKNOWN = "validity_end_unknown"
    NOT_TARGETED = "not_targeted"
    INDUSTRIES_MISSING = "industries_missing"
    DEFAULT_USED = "default_used"
    REFERENCE_UNCONFIRMED = "reference_unconfirmed"
    COMPANY_CAP_EXEMPT = "company_cap_exempt"
    COMPANY_CAP_WAIVED = "company_cap_waived"
    COMPANY_CAP_UNCHECKED = "company_cap_unchecked"
    EXEMPTION_ASSUMED_FALSE = "exemption_assumed_false"
    GROUP_UNDECIDED = "group_undecided"
    POLICY_NOTICE = "policy_notice"  # a notice written in the policy table (its text is policy data)
    REPLACES_BUNDLED = "replaces_bundled"  # the table came from --policies-dir in place of a bundled one
    PLAUSIBILITY = "plausibility"  # a profile value out of scale (its text is the input check's message)
    UNREAD_FIELDS = "unread_fields"  # fields given that only a policy not evaluated reads (``policies``: which)


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    fields: tuple[str, ...] = ()  # the profile fields concerned
    clauses: tuple[str, ...] = ()
    group: str = ""
    text: str = ""  # policy data: a note or notice written in the table (never engine prose)
    year: int = 0
    date: dt.date | None = None
    policies: tuple[str, ...] = ()  # UNREAD_FIELDS: the policy that reads each of ``fields``
    text_zh: str = ""  # PLAUSIBILITY: the input check's message in Chinese (--lang zh)


@dataclass(frozen=True)
class FieldValue:
    """A profile value as a condition read it (None: missing)."""

    field: str
    kind: Kind
    value: Fraction | bool | int | str | tuple | None


@dataclass(frozen=True)
class Side:
    """One side of a numeric comparison."""

    text: str  # the policy's expression text ("revenue - revenue_prev", "1亿")
    value: Fraction | None  # None: unknown
    kind: Kind
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConditionResult:
    """One condition of a clause, decided for one company."""

    label: str  # the policy table's label for it
    text: str  # the condition as written in the table
    held: bool | None  # None: unknown (missing input)
    op: str | None = None  # ">=", ">", "<=", "<", "==", "!=" for a numeric comparison
    left: Side | None = None
    right: Side | None = None
    values: tuple[FieldValue, ...] = ()  # the fields read by a non-comparison test
    #: the test compares a field with a non-zero constant somewhere ("x or y >= 10亿"): a threshold that
    #: can be missed, unlike a yes/no test or "x > 0" (having none of x is not a missed threshold)
    has_threshold: bool = False
    label_zh: str = ""  # the policy table's label in Chinese (--lang zh), "" when it gives none

    @property
    def shortfall(self) -> Fraction | None:
        """How far below a failed ``>=`` / ``>`` threshold the value is (0 for a ``> x`` failed at x)."""
        if self.held is not False or self.op not in (">=", ">") or self.left is None or self.right is None:
            return None
        if self.left.value is None or self.right.value is None:
            return None
        return self.right.value - self.left.value

    @property
    def is_threshold(self) -> bool:
        """A threshold the company can miss (see ``has_threshold``)."""
        return self.has_threshold


@dataclass(frozen=True)
class Factor:
    """One factor of an amount: a base, a rate, a fixed sum."""

    text: str  # the policy's expression text ("local_project_loans", "50%", "lpr_1y")
    value: Fraction | None
    kind: Kind
    source: Source
    field: str = ""  # the field read, when it is one
    label: str = ""  # the policy's label for the base ("loans used for projects in Nanchang")
    as_of: dt.date | None = None  # a reference rate: the day it was looked up for
    series: str = ""  # a reference rate's series ("lpr_1y")
    label_zh: str = ""  # the label in Chinese ("实际用于在昌项目的银行贷款"), "" when the table gives none


@dataclass(frozen=True)
class Calculation:
    """How a clause's raw amount was reached."""

    factors: tuple[Factor, ...]  # multiplied together (per item for an itemised clause)
    raw: int  # fen, before any cap
    items: int | None = None  # number of projects / events / units, for an itemised clause
    items_field: str = ""
    item_label: str = ""
    #: the scope of an up_to clause's own ceiling ("year", "project" …; SPEC 9.1), "" when it has none
    ceiling_scope: str = ""
    item_label_zh: str = ""  # the item label in Chinese ("项目"), "" when the table gives none
    ceiling_scope_zh: str = ""  # the ceiling's scope in the text's words ("单个产品"), "" for the usual ones


@dataclass(frozen=True)
class CapEvent:
    """A cap that was checked (and whether it cut the amount)."""

    kind: CapKind
    clause: str | None
    limit: int | None  # fen; None: not known
    before: int  # fen
    after: int  # fen
    applied: bool = True  # it cut the amount
    scope: str = ""  # item/clause caps: "project", "event", "unit", "year", "once"
    count: int = 0  # items cut by an item cap
    state: CapState | None = None  # the company cap's outcome

    def as_dict(self, note: str = "") -> dict:
        from .money import format_fen

        d: dict = {"kind": str(self.kind)}
        if self.clause:
            d["clause"] = self.clause
        d["limit"] = format_fen(self.limit) if self.limit is not None else None
        d["before"] = format_fen(self.before)
        d["after"] = format_fen(self.after)
        d["applied"] = self.applied
        if self.state is not None:
            d["state"] = str(self.state)
        if note:
            d["note"] = note
        return d


@dataclass(frozen=True)
class GroupDecision:
    """An exclusive group (就高不就低) as seen from one member."""

    group: str
    section: str
    winner: str
    winner_amount: int  # fen, after the winner's clause cap
    this_amount: int  # fen, this member's amount before the group
    forgone: tuple[tuple[str, int], ...] = ()  # (clause, fen) excluded, as seen from the winner
    section_zh: str = ""  # the section in Chinese (--lang zh), "" when the table gives none

    @property
    def tie(self) -> bool:
        return self.winner_amount == self.this_amount


@dataclass(frozen=True)
class CompanyCap:
    """The policy's per-company annual cap for one company."""

    state: CapState
    section: str
    limit_text: str  # the policy's formula ("5% * sales_revenue")
    limit: int | None  # fen
    before: int  # fen: the counted clauses before the cap
    after: int  # fen
    missing: tuple[str, ...] = ()  # fields the limit needs (state UNKNOWN)
    note: str = ""  # policy data: the exemption's or waiver's note
    section_zh: str = ""  # the section in Chinese (--lang zh), "" when the table gives none


@dataclass(frozen=True)
class ReferenceUse:
    """A reference rate the result used (or a rate the profile gave)."""

    field: str
    series: str
    rate: Fraction
    source: Source  # REFERENCE or GIVEN
    as_of: dt.date | None = None
    effective: dt.date | None = None
    unconfirmed: bool = False
    confirmed_through: dt.date | None = None


@dataclass(frozen=True)
class ClauseResult:
    id: str
    title_zh: str
    title_en: str
    status: Status
    basis: Basis
    amount: int  # fen, final
    raw_amount: int  # fen, before caps
    source: str  # the section ("三(一)")
    quote: str
    conditions: tuple[ConditionResult, ...]
    missing: tuple[str, ...]  # fields to add (missing_input)
    calculation: Calculation | None  # None: no amount computed
    caps: tuple[CapEvent, ...] = ()  # item / clause caps that cut this clause
    group: str | None = None
    group_decision: GroupDecision | None = None
    company_cut: tuple[int, int] | None = None  # (before, after) fen when the company cap cut it
    notes: tuple[str, ...] = ()  # policy data
    year: int = 0
    not_targeted: tuple[str, ...] = ()  # the policy's industries, when the company is outside them
    cap_scope: str = ""  # the clause cap's scope word (project / year / once …)
    one_off: bool = False  # a one-off award (frequency once): claimable in the fiscal year of the event
    #: SPEC 9.2: an up_to clause's stated minimum (fen), when the company cap does not cut it
    amount_min: int | None = None
    #: SPEC 9.2: an exact clause cut by a binding company cap while up_to clauses were counted: its amount (fen)
    #: if those were granted their stated minimum (the company cap run again); None when it would not differ
    amount_max: int | None = None
    #: policy data: a sentence shown beside the amount whenever the clause carries one (an interpretation of the
    #: text, an award by selection); "" when the table gives none
    caveat: str = ""
    #: the Chinese names of ``missing`` (their first Chinese alias: 新三板挂牌 for neeq_listed), "" for one without
    missing_zh: tuple[str, ...] = ()
    #: the section and the caveat in Chinese (--lang zh), "" where the table gives none
    source_zh: str = ""
    caveat_zh: str = ""
    #: the Chinese names of ``not_targeted`` (``Policy.industries_zh``: 电子信息), for --lang zh
    not_targeted_zh: tuple[str, ...] = ()

    @property
    def ranged(self) -> bool:
        """The amount is a lower bound: it could be up to ``amount_max``."""
        return self.amount_max is not None


@dataclass(frozen=True)
class PolicyResult:
    policy: Policy
    company: str
    year: int
    total: int  # fen
    total_exact: int  # fen
    caps: tuple[CapEvent, ...]
    notices: tuple[Notice, ...]
    clauses: tuple[ClauseResult, ...]
    hypothetical: bool
    targeted: bool | None  # does the policy target the company's industries? None: unknown
    references: tuple[ReferenceUse, ...]
    row: int | None = None
    company_cap: CompanyCap | None = None
    industries: tuple[str, ...] = ()  # the profile's tags
    in_force: bool = True
    defaults: tuple[tuple[str, str], ...] = field(default=())  # (field, the field that stood in)
    #: SPEC 9.2: total_exact if the counted up_to clauses were granted their stated minimum; None when equal
    total_exact_max: int | None = None
    #: SPEC 9.3: what the policy table says of its successor (note and date), None when it says nothing
    successor: Successor | None = None
    #: the Chinese names of ``industries`` (the industries vocabulary's; a tag it does not know as written), for
    #: --lang zh: 本企业的行业为 [LED], not [led]
    industries_zh: tuple[str, ...] = ()

    def clause(self, cid: str) -> ClauseResult:
        return next(c for c in self.clauses if c.id == cid)

    @property
    def total_up_to(self) -> int:
        return sum(c.amount for c in self.clauses if c.basis == Basis.UP_TO)

    @property
    def counts_ceiling(self) -> bool:
        """The total counts an up-to ceiling (SPEC §3: never certain), also one the company cap cut to 0.00."""
        return any(c.basis == Basis.UP_TO and c.status.counted for c in self.clauses)
