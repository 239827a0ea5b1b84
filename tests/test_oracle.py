"""An independent second calculation (an "oracle") of all three policies.

Written from SPEC.md §3 + §5 + §9.1 (the [2026-12] revision: has_rd_center, project_in_production,
chain_first_included, talent_and_jobs, industry_fund, per-project caps for Beijing's platform and
benchmark factory, each clause's frequency and cap scope; §9.2's ranges: ``amount_min`` of an up_to clause with a
stated minimum, ``amount_max`` and ``total_exact_max`` when the company cap binds with up-to ceilings counted),
SPEC-wuhan-beijing.md §6 + §7, the source texts in
/work/shared/sources and the README's "How amounts, caps and groups are computed"
only: it does not read the policy tables or the engine. It uses nothing but
``decimal.Decimal`` and plain Python, clause by clause, so that an encoding error
in a policy table (a wrong rate, cap, threshold, ≥ written as >, a missing
per-item cap) or in the engine's cap order shows up as a disagreement.

Hypothesis then generates realistic profiles for each policy (amounts exactly at,
one fen under and over each threshold and cap, fields missing, lists of items,
years 2022–2026) and checks that ``nanchang_incentives.api.calculate`` gives the
same status, raw amount and amount for every clause, and the same totals. A
planted error (a copy of a bundled table with one SPEC rule undone) must make the
comparison fail, so the oracle is known to look.

Choices the SPEC leaves open. The README ("How amounts, caps and groups are
computed") settles these, and the oracle follows it:
- a clause whose result needs a missing field is ``missing_input``; one already
  decided false by the fields present is ``not_eligible``;
- equal amounts in the ``rd`` group: the first in table order wins;
- the company cap: Nanchang 5% × ``sales_revenue`` (else ``revenue``), rounded
  down to the fen (the sum ≤ 5%: never a fen above it), not applied when ``is_new_entrant`` or ``key_support_area``
  is true, applied when they are missing, not checked when both revenues are
  missing; Wuhan 1亿 with no exemption; every amount counts, ``exact`` and
  ``up_to`` alike; the cut: shares rounded down, leftover fen to the largest
  remainders, equal remainders in table order;
- Wuhan and Beijing: every year from 2023 is covered (end unknown).
The README is silent on these; the oracle reads the SPEC's wording so, and the
engine agrees:
- an amount that comes out as zero (base 0, an empty list, a count of 0, or a
  positive base that rounds to 0.00) is ``not_eligible``: nothing to claim;
- an amount that rounds to exactly its cap is ``granted``, not ``capped``;
  ``capped`` means the figure was reduced (a clause the company cap's last fen
  leaves whole stays ``granted``);
- a year outside the validity period: every clause ``expired``, whether or not
  the policy targets the company's industries.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nanchang_incentives import api
from nanchang_incentives.engine import PolicyResult
from nanchang_incentives.policy import Catalog
from nanchang_incentives.profile import Profile, parse_values

D = Decimal
FEN = D("0.01")
WAN = D(10_000)
YI = D(100_000_000)
ZERO = D(0)

NANCHANG = "nanchang-electronic-information-2023"
WUHAN = "wuhan-east-lake-software-2023"
BEIJING = "beijing-robotics-2023"


def r2(x: Decimal) -> Decimal:
    """Half-up to the fen (SPEC §3).

    >>> r2(D("0.005")), r2(D("4999999.995")), r2(D("1.2349"))
    (Decimal('0.01'), Decimal('5000000.00'), Decimal('1.23'))
    """
    with localcontext() as ctx:
        ctx.prec = 60
        return x.quantize(FEN, rounding=ROUND_HALF_UP)


# ------------------------------------------------------------------ LPR
# research-notes.md §5, typed by hand: (effective date, 1Y %, 5Y+ %). The rate in
# force on 31 December of a year is the last change on or before that day.
LPR_CHANGES = [
    ("2019-08-20", "4.25", "4.85"),
    ("2019-09-20", "4.20", "4.85"),
    ("2019-11-20", "4.15", "4.80"),
    ("2020-02-20", "4.05", "4.75"),
    ("2020-04-20", "3.85", "4.65"),
    ("2021-12-20", "3.80", "4.65"),
    ("2022-01-20", "3.70", "4.60"),
    ("2022-05-20", "3.70", "4.45"),
    ("2022-08-22", "3.65", "4.30"),
    ("2023-06-20", "3.55", "4.20"),
    ("2023-08-21", "3.45", "4.20"),
    ("2024-02-20", "3.45", "3.95"),
    ("2024-07-22", "3.35", "3.85"),
    ("2024-10-21", "3.10", "3.60"),
    ("2025-05-20", "3.00", "3.50"),
]


def lpr_on_dec31(year: int, tenor: int) -> Decimal:
    """The 1Y (tenor 1) or 5Y+ (tenor 5) LPR in force on 31 December of ``year``, as a fraction.

    >>> lpr_on_dec31(2024, 1), lpr_on_dec31(2023, 5), lpr_on_dec31(2026, 1)
    (Decimal('0.031'), Decimal('0.042'), Decimal('0.03'))
    """
    found = None
    for date, one, five in LPR_CHANGES:
        if date <= f"{year}-12-31":
            found = one if tenor == 1 else five
    assert found is not None
    return D(found) / 100


# ------------------------------------------------------------------ three-valued logic
Tri = bool | None  # None: unknown (a field it needs is missing)


def k_and(*xs: Tri) -> Tri:
    if any(x is False for x in xs):
        return False
    return None if any(x is None for x in xs) else True


def k_or(*xs: Tri) -> Tri:
    if any(x is True for x in xs):
        return True
    return None if any(x is None for x in xs) else False


def k_not(x: Tri) -> Tri:
    return None if x is None else not x


class P:
    """A profile as the oracle sees it: typed values, ``None`` when missing."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self.v = dict(values)

    def __getitem__(self, name: str) -> object:
        return self.v.get(name)

    def ge(self, name: str, threshold: Decimal) -> Tri:  # 以上 / 达到
        x = self.v.get(name)
        return None if x is None else x >= threshold

    def gt(self, name: str, threshold: Decimal) -> Tri:  # 超过
        x = self.v.get(name)
        return None if x is None else x > threshold

    def flag(self, name: str) -> Tri:
        x = self.v.get(name)
        return None if x is None else bool(x)


# ------------------------------------------------------------------ one clause before group / company caps


@dataclass
class Pre:
    status: str
    raw: Decimal = ZERO
    amount: Decimal = ZERO


NOT = Pre("not_eligible")
MISSING = Pre("missing_input")
DISC = Pre("discretionary")


def gate(cond: Tri, *needed: object) -> Pre | None:
    """not_eligible / missing_input decided by the conditions and the inputs the amount needs."""
    if cond is False:
        return NOT
    if cond is None or any(n is None for n in needed):
        return MISSING
    return None


def discretionary(cond: Tri = True) -> Pre:
    return {True: DISC, False: NOT, None: MISSING}[cond]


def capped_at(raw: Decimal, cap: Decimal | None) -> Pre:
    """A clause amount (already rounded) against its clause cap; zero is nothing to claim."""
    if raw == 0:
        return Pre("not_eligible")
    if cap is not None and raw > cap:
        return Pre("capped", raw, cap)
    return Pre("granted", raw, raw)


def rate_clause(cond: Tri, base: object, rate: Decimal, cap: Decimal | None) -> Pre:
    """按照 base 的 rate … 不超过 cap: round(base × rate) to the fen, then the cap."""
    g = gate(cond, base)
    if g:
        return g
    return capped_at(r2(base * rate), cap)


def fixed_clause(cond: Tri, amount: Decimal) -> Pre:
    g = gate(cond)
    return g if g else capped_at(amount, None)


def count_clause(cond: Tri, count: object, each: Decimal) -> Pre:
    g = gate(cond, count)
    return g if g else capped_at(each * count, None)


def per_item(cond: Tri, items: object, item_amount: Callable[[Decimal], Decimal], item_cap: Decimal,
             cap: Decimal | None) -> Pre:
    """Per project / event / unit: round each item, cap each item, then the clause cap.

    One amount (not a list) is one project (SPEC 9.1: "one amount (one project) or a list").
    """
    g = gate(cond, items)
    if g:
        return g
    if isinstance(items, Decimal):
        items = [items]
    raws = [r2(item_amount(x)) for x in items]
    raw = sum(raws, D(0))
    kept = [min(x, item_cap) for x in raws]
    amount = sum(kept, D(0))
    if amount == 0:
        return Pre("not_eligible", raw, D(0)) if raw == 0 else Pre("capped", raw, D(0))
    cut = kept != raws
    if cap is not None and amount > cap:
        amount, cut = cap, True
    return Pre("capped" if cut else "granted", raw, amount)


# ------------------------------------------------------------------ the three policies (SPEC table order)

Rule = Callable[[P], Pre]


def nanchang_rules(lpr_1y: Decimal) -> list[tuple[str, str, Rule]]:
    """SPEC §5; source 002_…, section 三."""

    def topup(p: P) -> Pre:  # 再加计1倍 of the base scheme's grant, ≤2000万
        return rate_clause(p.ge("rd_expense", 2000 * WAN), p["rd_post_subsidy_base"], D(1), 2000 * WAN)

    def rd_center(p: P) -> Pre:  # [2026-12] 设立研发中心, and 20亿以上, 1亿以上, 100人以上 → 15%, ≤2000万
        cond = k_and(p.flag("has_rd_center"), p.ge("revenue", 20 * YI), p.ge("rd_expense", YI),
                     p.ge("rd_staff", D(100)))
        return rate_clause(cond, p["rd_expense"], D("0.15"), 2000 * WAN)

    def major_project(p: P) -> Pre:  # (世界500强 or 10亿元以上) and [2026-12] 自项目投产后
        return discretionary(k_and(k_or(p.flag("is_fortune500"), p.ge("major_project_investment", 10 * YI)),
                                   p.flag("project_in_production")))

    def loan(p: P) -> Pre:  # 营业收入较上年度增加1亿元以上 → loans × LPR1y × 50%, ≤200万
        grew = None if p["revenue"] is None or p["revenue_prev"] is None else p["revenue"] - p["revenue_prev"] >= YI
        return rate_clause(grew, p["local_project_loans"], lpr_1y * D("0.5"), 200 * WAN)

    def settlement(p: P) -> Pre:  # 世界500强、中国电子信息100强、上市公司 → 0.5%, ≤2000万
        cond = k_or(p.flag("is_fortune500"), p.flag("is_china_top100_electronics"), p.flag("is_listed"))
        return rate_clause(cond, p["settlement_sales"], D("0.005"), 2000 * WAN)

    return [
        ("one_firm_one_policy", "discretionary", lambda p: DISC),
        ("loan_interest", "exact", loan),
        ("ipo", "up_to", lambda p: fixed_clause(p.flag("ipo_completed"), 1000 * WAN)),
        ("neeq_listing", "exact", lambda p: fixed_clause(p.flag("neeq_listed"), 100 * WAN)),
        ("equity_investment", "up_to", lambda p: fixed_clause(p.gt("equity_investment_raised", D(0)), 200 * WAN)),
        ("equity_refinancing", "up_to",
         lambda p: fixed_clause(p.gt("equity_refinancing_raised", D(0)), 200 * WAN)),
        ("case_by_case", "discretionary", lambda p: DISC),
        ("major_project_award", "discretionary", major_project),
        ("settlement", "exact", settlement),
        ("si_led_rd", "exact", lambda p: rate_clause(True, p["si_led_rd_expense"], D("0.20"), 1000 * WAN)),
        ("si_led_sales", "exact", lambda p: rate_clause(True, p["si_led_sales"], D("0.10"), 1000 * WAN)),
        ("rd_post_subsidy_topup", "exact", topup),
        ("rd_center", "exact", rd_center),
        ("innovation_platform", "discretionary", lambda p: DISC),
        ("major_tech_project", "up_to", lambda p: count_clause(True, p["major_tech_projects"], 200 * WAN)),
        ("smart_factory", "exact",
         lambda p: per_item(True, p["smart_factory_investments"], lambda x: x * D("0.5"), 500 * WAN, None)),
        ("supply_chain_platform", "discretionary", lambda p: DISC),
        ("event_hosting", "exact",
         lambda p: per_item(True, p["hosted_event_expenses"], lambda x: x * D("0.5"), 100 * WAN, None)),
        ("event_attraction", "exact", lambda p: count_clause(True, p["attracted_firms_scaled_up"], 50 * WAN)),
        ("talent_and_jobs", "discretionary", lambda p: DISC),  # [2026-12] 三(五), under the talent policies
        ("industry_fund", "discretionary", lambda p: DISC),  # [2026-12] 四(三), equity, not a grant
    ]


def wuhan_rules() -> list[tuple[str, str, Rule]]:
    """SPEC-wuhan-beijing §6; source 000_… (光谷软件十条) and research notes §2."""
    return [
        ("scale_up_award", "up_to",
         lambda p: fixed_clause(k_and(p.flag("key_software_field"), p.flag("scale_milestone")), 500 * WAN)),
        ("major_project", "discretionary", lambda p: DISC),
        ("software_spin_off", "up_to", lambda p: fixed_clause(p.flag("software_spin_off"), 200 * WAN)),
        ("hq_relocation", "exact",
         lambda p: rate_clause(p.flag("new_headquarters"), p["paid_in_capital"], D("0.10"), 500 * WAN)),
        ("open_source_product", "up_to", lambda p: count_clause(True, p["open_source_products"], 1000 * WAN)),
        ("open_source_platform", "up_to", lambda p: fixed_clause(p.flag("open_source_platform_built"), 3000 * WAN)),
        ("xinchuang_solution", "exact",
         lambda p: rate_clause(True, p["xinchuang_contract_non_hardware"], D("0.10"), 500 * WAN)),
        ("software_park_core", "up_to", lambda p: fixed_clause(p.flag("core_park_enterprise"), 500 * WAN)),
        ("park_operator", "up_to", lambda p: fixed_clause(p.flag("is_park_operator"), 100 * WAN)),
        ("talent_onboarding", "discretionary", lambda p: DISC),
        ("new_scale_employment", "up_to", lambda p: fixed_clause(p.flag("newly_above_scale"), 50 * WAN)),
        ("event_hosting", "up_to", lambda p: count_clause(True, p["hosted_national_events"], 300 * WAN)),
        ("student_contest", "up_to", lambda p: fixed_clause(p.flag("hosted_student_contest"), 100 * WAN)),
        ("software_fund", "discretionary", lambda p: DISC),
    ]


def beijing_rules(lpr_5y: Decimal) -> list[tuple[str, str, Rule]]:
    """SPEC-wuhan-beijing §7; source 000_… and research notes §1."""

    def interest(p: P) -> Pre:  # 贴息期限不超过3年 → years 1–3; loans × LPR5y, ≤3000万 a year
        y = p["major_project_interest_year"]
        cond = None if y is None else 1 <= y <= 3
        return rate_clause(cond, p["major_project_loans"], lpr_5y, 3000 * WAN)

    def first_trial(p: P) -> Pre:  # per unit ≤ min(制备成本, 50万); ≤200万 a year; not with prior funding
        return per_item(k_not(p.flag("first_trial_prior_funding")), p["first_trial_unit_costs"],
                        lambda x: x, 50 * WAN, 200 * WAN)

    return [
        ("key_tech_breakthrough", "up_to",
         lambda p: rate_clause(p.gt("breakthrough_investment", D(0)), p["breakthrough_investment"], D(1), 3000 * WAN)),
        ("enterprise_tech_center", "discretionary", lambda p: discretionary(p.ge("revenue", YI))),
        # [2026-12] per project: each rounded, then capped at 3000万; no cap over the year
        ("public_platform", "up_to",
         lambda p: per_item(True, p["platform_investment"], lambda x: x * D("0.30"), 3000 * WAN, None)),
        ("specialized_scale_up", "discretionary",
         lambda p: discretionary(k_and(p.flag("is_specialized"),
                                       k_or(p.flag("first_time_above_scale"), p.flag("output_first_over_100m"))))),
        ("benchmark_factory", "up_to",
         lambda p: per_item(True, p["benchmark_factory_investment"], lambda x: x * D("0.30"), 3000 * WAN, None)),
        ("major_project_interest", "up_to", interest),
        # [2026-12] 首次纳入…配套的京津冀企业; nothing performed is nothing to claim, whatever the flag
        ("chain_strengthening", "up_to",
         lambda p: rate_clause(p.flag("chain_first_included"),  # (SPEC: eligible if chain_first_included)
                               p["chain_contract_amount"], D("0.05"), 3000 * WAN)),
        ("first_trial_product", "up_to", first_trial),
        ("robot_fund", "discretionary", lambda p: DISC),
    ]


# ------------------------------------------------------------------ policy level


@dataclass
class Out:
    id: str
    basis: str
    status: str
    raw: Decimal
    amount: Decimal
    amount_min: Decimal | None = None  # SPEC 9.2: an up_to clause's stated minimum, when the company cap leaves it
    amount_max: Decimal | None = None  # SPEC 9.2: an exact clause's amount if the up-to awards were at their minimum


@dataclass
class PolicyOut:
    clauses: list[Out]

    @property
    def total_exact_max(self) -> Decimal | None:
        """SPEC 9.2: Σ over exact clauses of amount_max (amount where there is none); None when equal."""
        high = sum((c.amount_max if c.amount_max is not None else c.amount
                    for c in self.clauses if c.basis == "exact"), D(0))
        return None if high == self.total_exact else high

    @property
    def total(self) -> Decimal:
        return sum((c.amount for c in self.clauses), D(0))

    @property
    def total_exact(self) -> Decimal:
        return sum((c.amount for c in self.clauses if c.basis == "exact"), D(0))


def proportional_cut(amounts: Sequence[Decimal], limit: Decimal) -> list[Decimal]:
    """Scale ``amounts`` (fen-exact, summing above ``limit``) to sum to ``limit`` exactly.

    Each share is rounded down to the fen; the fen left over go one by one to the
    largest remainders, equal remainders in table order.

    >>> proportional_cut([D("1.00"), D("1.00"), D("1.00")], D("2.00"))
    [Decimal('0.67'), Decimal('0.67'), Decimal('0.66')]
    """
    with localcontext() as ctx:
        ctx.prec = 80
        fen = [a * 100 for a in amounts]
        total, lim = sum(fen, D(0)), limit * 100
        shares = [(f * lim / total).to_integral_value(rounding=ROUND_FLOOR) for f in fen]
        rests = [f * lim - s * total for f, s in zip(fen, shares)]
        left = int(lim - sum(shares, D(0)))
        for i in sorted(range(len(fen)), key=lambda i: (-rests[i], i))[:left]:
            shares[i] += 1
        return [s / 100 for s in shares]


def covered(policy: str, year: int) -> bool:
    """Nanchang 2023-10-10 … 2025-12-31 → fiscal 2023–2025; Wuhan, Beijing from 2023, end unknown."""
    return 2023 <= year <= 2025 if policy == NANCHANG else year >= 2023


TAG = {NANCHANG: "electronic-information", WUHAN: "software", BEIJING: "robotics"}
GROUPS = {NANCHANG: [("si_led_rd", "rd_post_subsidy_topup", "rd_center")]}

#: SPEC 9.1 / 9.5: each clause's (frequency, cap_scope), the JSON keys; cap_scope None: no cap. Read from the
#: SPEC rows: 每年/年度 -> year, 单个项目/每项/建设项目 -> project, 每项活动 -> event, 单台（套） -> unit; a cap whose
#: sentence names no period is per project when the base is a project's investment, otherwise once. One-off
#: (落地, 首发上市, 挂牌, 入驻, 新建, 剥离, 新入规, 首次, a project, an event, a firm brought in): once.
SCOPES: dict[str, dict[str, tuple[str, str | None]]] = {
    NANCHANG: {
        "one_firm_one_policy": ("annual", None), "loan_interest": ("annual", "year"),
        "ipo": ("once", "once"),  # 首发上市…最高1000万元: an up-to ceiling (its scope, also as ceiling_scope)
        "neeq_listing": ("once", None), "equity_investment": ("once", "once"), "equity_refinancing": ("once", "once"),
        "case_by_case": ("annual", None), "major_project_award": ("annual", None),
        "settlement": ("annual", "year"), "si_led_rd": ("annual", "year"), "si_led_sales": ("annual", "year"),
        "rd_post_subsidy_topup": ("annual", "year"), "rd_center": ("annual", "year"),
        "innovation_platform": ("once", None),
        "major_tech_project": ("once", "project"),  # 每项给予100-200万元: a ceiling per project (SPEC 9.1: 每项)
        "smart_factory": ("once", "project"), "supply_chain_platform": ("annual", None),
        "event_hosting": ("once", "event"), "event_attraction": ("once", None),
        "talent_and_jobs": ("annual", None), "industry_fund": ("annual", None),
    },
    WUHAN: {
        "scale_up_award": ("annual", "year"),  # 单个企业每年最高500万元: a ceiling per year
        "major_project": ("once", None), "software_spin_off": ("once", "once"),
        "hq_relocation": ("once", "once"),  # 落地奖励: capped once, never per year
        "open_source_product": ("once", "unit"),  # 单个产品可获最高1000万元: a ceiling per product
        "open_source_platform": ("once", "once"),
        "xinchuang_solution": ("annual", "year"),  # 每年择优支持…给予最高500万元
        "software_park_core": ("once", "once"), "park_operator": ("annual", "year"),
        "talent_onboarding": ("once", None), "new_scale_employment": ("once", "once"),
        "event_hosting": ("once", "event"),  # 举办…活动最高给予300万元: a ceiling per event
        "student_contest": ("once", "once"), "software_fund": ("annual", None),
    },
    BEIJING: {
        "key_tech_breakthrough": ("once", "project"),  # 根据攻关投入…最高3000万: a project's investment
        "enterprise_tech_center": ("once", None), "public_platform": ("once", "project"),
        "specialized_scale_up": ("once", None), "benchmark_factory": ("once", "project"),
        "major_project_interest": ("annual", "year"),  # 年度最高3000万元
        "chain_strengthening": ("once", "once"),  # 首次纳入; 最高3000万 names no period, no investment
        "first_trial_product": ("once", "year"),  # 每家企业年度奖励最高200万元 (per unit 50万 inside it)
        "robot_fund": ("annual", None),
    },
}


def oracle(policy: str, values: Mapping[str, object]) -> PolicyOut:
    """Every clause of ``policy`` for one company (typed values; a missing field is absent)."""
    p = P(values)
    year = int(values["year"])
    if policy == NANCHANG:
        lpr = values.get("lpr_1y")
        rules = nanchang_rules(lpr_on_dec31(year, 1) if lpr is None else lpr)  # type: ignore[arg-type]
    elif policy == WUHAN:
        rules = wuhan_rules()
    else:
        lpr = values.get("lpr_5y")
        rules = beijing_rules(lpr_on_dec31(year, 5) if lpr is None else lpr)  # type: ignore[arg-type]
    if not covered(policy, year):
        return PolicyOut([Out(cid, basis, "expired", D(0), D(0)) for cid, basis, _ in rules])
    industries = values.get("industries")
    if industries is not None and TAG[policy] not in industries:
        return PolicyOut([Out(cid, basis, "not_eligible", D(0), D(0)) for cid, basis, _ in rules])
    outs = []
    for cid, basis, rule in rules:
        pre = rule(p)
        if industries is None and pre.status != "not_eligible":  # targeted? unknown AND the clause's own test
            pre = MISSING
        outs.append(Out(cid, basis, pre.status, pre.raw, pre.amount))
    by_id = {o.id: o for o in outs}

    # exclusive groups (就高不就低): the highest amount wins, ties to the first in table order
    for members in GROUPS.get(policy, []):
        live = [by_id[m] for m in members if by_id[m].amount > 0]
        if live:
            winner = max(live, key=lambda o: (o.amount, -members.index(o.id)))
            for o in live:
                if o is not winner:
                    o.status, o.amount = "excluded", D(0)

    # the per-company annual cap
    limit: Decimal | None = None
    if policy == NANCHANG:
        sales = values.get("sales_revenue", values.get("revenue"))
        exempt = values.get("is_new_entrant") is True or values.get("key_support_area") is True
        if sales is not None and not exempt:
            limit = (sales * D("0.05")).quantize(FEN, rounding=ROUND_FLOOR)  # 不得超过 5% × 销售收入(不含税)
    elif policy == WUHAN:
        limit = YI  # 单个企业每年最高可获1亿元奖励
    counted = [o for o in outs if o.amount > 0]
    floors = {o.id: minimum(policy, o, values) for o in counted}
    cut: set[str] = set()  # the clauses the company cap cut
    if limit is not None and sum((o.amount for o in counted), D(0)) > limit:
        # SPEC 9.2, the second set: every up_to clause at its stated minimum (0 unless stated), the others as
        # they were before the company cap; the same cut applies when they too sum above the limit
        second = [floors[o.id] if o.basis == "up_to" else o.amount for o in counted]
        highs = proportional_cut(second, limit) if sum(second, D(0)) > limit else second
        for o, share, high in zip(counted, proportional_cut([o.amount for o in counted], limit), highs):
            if share < o.amount:  # a clause the last fen leaves whole is not cut
                o.amount, o.status = share, "capped"
                cut.add(o.id)
            if o.basis == "exact" and high > o.amount:
                o.amount_max = high
    for o in counted:
        if o.basis == "up_to" and floors[o.id] > 0 and o.id not in cut:  # under the cut, a ceiling only
            o.amount_min = floors[o.id]
    return PolicyOut(outs)


def minimum(policy: str, o: Out, values: Mapping[str, object]) -> Decimal:
    """SPEC 9.2: an up_to clause's stated minimum: major_tech_project "每项给予100-200万元", 100万 per project;
    0 for every other clause (the texts state none), and never above the clause's own amount."""
    if policy == NANCHANG and o.id == "major_tech_project":
        return min(100 * WAN * values["major_tech_projects"], o.amount)  # type: ignore[operator]
    return D(0)


# ------------------------------------------------------------------ the engine side


@functools.cache
def catalog() -> Catalog:
    """The bundled policies, loaded once."""
    return api.load()


def as_raw(values: Mapping[str, object]) -> dict[str, object]:
    """Typed oracle values -> the raw TOML values a profile file would hold."""
    raw: dict[str, object] = {}
    for k, v in values.items():
        if k in ("lpr_1y", "lpr_5y"):
            raw[k] = f"{v * 100}%"
        elif isinstance(v, Decimal):
            raw[k] = str(v)
        elif isinstance(v, list) and v and isinstance(v[0], Decimal):  # a lone Decimal is one amount (above)
            raw[k] = [str(x) for x in v]
        else:
            raw[k] = v
    return raw


def engine(policy: str, values: Mapping[str, object], cat: Catalog | None = None) -> PolicyResult:
    """``api.calculate`` on the same values, given as a profile file would give them."""
    cat = cat or catalog()
    profile = Profile(parse_values(as_raw(values), cat.registry))
    return api.calculate(profile, [cat.get(policy)], cat)[0]


def fen(x: Decimal) -> int:
    return int(x * 100)


def check(policy: str, values: Mapping[str, object], cat: Catalog | None = None) -> None:
    """The engine and the oracle agree on every clause's status, raw amount and amount, and on the totals."""
    want = oracle(policy, values)
    got = engine(policy, values, cat)
    got_rows = [(c.id, c.status, c.raw_amount, c.amount, c.amount_min, c.amount_max) for c in got.clauses]
    want_rows = [(o.id, o.status, fen(o.raw), fen(o.amount), opt_fen(o.amount_min), opt_fen(o.amount_max))
                 for o in want.clauses]
    diff = [f"{w[0]}: oracle {w[1:]} engine {g[1:]}" for w, g in zip(want_rows, got_rows) if w != g]
    where = f"profile {as_raw(values)!r}\n" + "\n".join(diff)
    assert [g[0] for g in got_rows] == [w[0] for w in want_rows], where
    assert not diff, where
    assert (got.total, got.total_exact) == (fen(want.total), fen(want.total_exact)), where
    assert got.total_exact_max == opt_fen(want.total_exact_max), where


def opt_fen(x: Decimal | None) -> int | None:
    return None if x is None else fen(x)


# ------------------------------------------------------------------ hand-worked edges (the oracle itself is checked)


def amounts(out: PolicyOut) -> dict[str, tuple[str, str]]:
    """id -> (status, amount as a two-place string), for the clauses with something to say."""
    return {o.id: (o.status, f"{o.amount:.2f}") for o in out.clauses if o.status not in ("not_eligible",
                                                                                           "missing_input")}


BIG_SALES = {"sales_revenue": 10 * YI}  # 5% = 5000万: the company cap stays out of the way


def test_loan_interest_growth_exactly_1yi_and_interest_exactly_at_the_cap() -> None:
    # 增加1亿元以上: growth 100,000,000.00 is eligible; 1亿 × 4% × 50% = 2,000,000.00 = the 200万 cap: granted
    v = {"year": 2024, "industries": ["electronic-information"], "revenue": 3 * YI, "revenue_prev": 2 * YI,
         "local_project_loans": YI, "lpr_1y": D("0.04"), **BIG_SALES}
    assert amounts(oracle(NANCHANG, v))["loan_interest"] == ("granted", "2000000.00")
    check(NANCHANG, v)
    # one fen more of loans: 2,000,000.0002 rounds to 2,000,000.00, still exactly the cap: granted
    v["local_project_loans"] = YI + FEN
    assert amounts(oracle(NANCHANG, v))["loan_interest"] == ("granted", "2000000.00")
    check(NANCHANG, v)
    # 0.50 yuan more: 2,000,000.01 before the cap: capped at 2,000,000.00
    v["local_project_loans"] = YI + D("0.5")
    assert amounts(oracle(NANCHANG, v))["loan_interest"] == ("capped", "2000000.00")
    check(NANCHANG, v)
    # growth one fen short of 1亿: not eligible, whatever the loans
    v["revenue_prev"] = 2 * YI + FEN
    assert oracle(NANCHANG, v).clauses[1].status == "not_eligible"
    check(NANCHANG, v)


def test_loan_interest_uses_the_lpr_in_force_on_31_december() -> None:
    # 2024-12-31: 1Y LPR 3.10% (since 2024-10-21): 1亿 × 3.10% × 50% = 1,550,000.00
    # 2023-12-31: 3.45% (since 2023-08-21): 1亿 × 3.45% × 50% = 1,725,000.00
    # 2025-12-31: 3.00% (since 2025-05-20): 1,500,000.00
    for year, want in ((2024, "1550000.00"), (2023, "1725000.00"), (2025, "1500000.00")):
        v = {"year": year, "industries": ["electronic-information"], "revenue": 3 * YI, "revenue_prev": YI,
             "local_project_loans": YI, **BIG_SALES}
        assert amounts(oracle(NANCHANG, v))["loan_interest"] == ("granted", want)
        check(NANCHANG, v)


def test_smart_factory_rounds_and_caps_each_project() -> None:
    # 1000万 × 50% = 5,000,000.00 (at the 500万 per-project cap); 10,000,000.01 × 50% = 5,000,000.005
    # -> 5,000,000.01, cut to 5,000,000.00; 999.99万 × 50% = 4,999,950.00.
    # raw 5,000,000 + 5,000,000.01 + 4,999,950 = 14,999,950.01; amount 14,999,950.00 (capped)
    v = {"year": 2024, "industries": ["electronic-information"], **BIG_SALES,
         "smart_factory_investments": [1000 * WAN, 1000 * WAN + FEN, D(9_999_900)]}
    out = {o.id: o for o in oracle(NANCHANG, v).clauses}["smart_factory"]
    assert (out.status, out.raw, out.amount) == ("capped", D("14999950.01"), D("14999950.00"))
    check(NANCHANG, v)
    # one project of 9,999,999.99: 4,999,999.995 rounds half-up to 5,000,000.00, exactly the cap: granted
    v["smart_factory_investments"] = [1000 * WAN - FEN]
    assert amounts(oracle(NANCHANG, v))["smart_factory"] == ("granted", "5000000.00")
    check(NANCHANG, v)


def test_event_hosting_per_event_cap_and_attracted_firms() -> None:
    # events: 200万 × 50% = 100万 (at the per-event cap), 300万 × 50% = 150万 -> 100万, 1万 × 50% = 5000:
    # 2,005,000.00 (capped); 3 firms × 50万 = 1,500,000.00
    v = {"year": 2025, "industries": ["electronic-information"], **BIG_SALES,
         "hosted_event_expenses": [200 * WAN, 300 * WAN, WAN], "attracted_firms_scaled_up": 3}
    got = amounts(oracle(NANCHANG, v))
    assert got["event_hosting"] == ("capped", "2005000.00")
    assert got["event_attraction"] == ("granted", "1500000.00")
    check(NANCHANG, v)


def test_rd_group_tie_goes_to_the_first_in_table_order() -> None:
    # si_led_rd: 5000万 × 20% = 1000万 (at its cap); rd_center: 1亿 × 15% = 1500万 (20亿 / 1亿 / 100 staff,
    # every threshold exactly met); topup: base 1500万 × 1 = 1500万 (rd_expense 1亿 >= 2000万).
    # Highest 1500万, tied: rd_post_subsidy_topup comes before rd_center in the table, so it wins.
    v = {"year": 2024, "industries": ["electronic-information"], **BIG_SALES, "revenue": 20 * YI, "has_rd_center": True,
         "rd_expense": YI, "rd_staff": 100, "si_led_rd_expense": 5000 * WAN, "rd_post_subsidy_base": 1500 * WAN}
    got = amounts(oracle(NANCHANG, v))
    assert got["si_led_rd"] == ("excluded", "0.00")
    assert got["rd_post_subsidy_topup"] == ("granted", "15000000.00")
    assert got["rd_center"] == ("excluded", "0.00")
    check(NANCHANG, v)
    # 99 staff: rd_center is not eligible (100人以上), the top-up still wins over si_led_rd
    v["rd_staff"] = 99
    got = amounts(oracle(NANCHANG, v))
    assert "rd_center" not in got and got["rd_post_subsidy_topup"] == ("granted", "15000000.00")
    check(NANCHANG, v)


def test_nanchang_company_cap_cut_with_largest_remainder() -> None:
    # sales 1000万 -> limit 5% = 500,000.00. neeq 1,000,000 + attraction 1 × 500,000 = 1,500,000 > limit.
    # shares: 1,000,000 × 1/3 = 333,333.333… -> 333,333.33 (rest .33 fen); 500,000 × 1/3 = 166,666.666… ->
    # 166,666.66 (rest .67 fen); 1 fen left goes to the larger rest: 166,666.67. Sum 500,000.00.
    v = {"year": 2024, "industries": ["electronic-information"], "sales_revenue": 1000 * WAN,
         "neeq_listed": True, "attracted_firms_scaled_up": 1}
    got = amounts(oracle(NANCHANG, v))
    assert got["neeq_listing"] == ("capped", "333333.33")
    assert got["event_attraction"] == ("capped", "166666.67")
    assert oracle(NANCHANG, v).total == D("500000.00")
    check(NANCHANG, v)
    # 除新引入企业外 / 重点支持领域可适当突破: no cut, 1,500,000.00
    for waiver in ("is_new_entrant", "key_support_area"):
        w = {**v, waiver: True}
        assert oracle(NANCHANG, w).total == D("1500000.00")
        check(NANCHANG, w)
    # sales_revenue missing: revenue stands in (1000万 -> the same 500,000.00 limit)
    sales = v.pop("sales_revenue")
    w = {**v, "revenue": sales}
    assert oracle(NANCHANG, w).total == D("500000.00")
    check(NANCHANG, w)


def test_nanchang_company_cap_equal_remainders_go_in_table_order() -> None:
    # sales 0.60 -> limit 0.03. equity_investment and equity_refinancing: up to 200万 each, 4,000,000.00 in all.
    # each share 2,000,000.00 × 0.03 / 4,000,000.00 = 0.015 -> 0.01, rests equal (half a fen each);
    # the 1 fen left goes to the first in table order: equity_investment 0.02, equity_refinancing 0.01
    v = {"year": 2024, "industries": ["electronic-information"], "sales_revenue": D("0.6"),
         "equity_investment_raised": WAN, "equity_refinancing_raised": WAN}
    got = amounts(oracle(NANCHANG, v))
    assert got["equity_investment"] == ("capped", "0.02")
    assert got["equity_refinancing"] == ("capped", "0.01")
    check(NANCHANG, v)


def test_nanchang_limit_is_rounded_down_to_the_fen() -> None:
    # sales 0.1 yuan -> 5% = 0.005 -> limit 0.00 (0.01 would exceed 5%); neeq 100万 alone is cut to 0.00
    v = {"year": 2024, "industries": ["electronic-information"], "sales_revenue": D("0.1"), "neeq_listed": True}
    assert amounts(oracle(NANCHANG, v))["neeq_listing"] == ("capped", "0.00")
    check(NANCHANG, v)
    # sales 0.2 yuan -> 5% = 0.01 exactly -> limit 0.01
    v["sales_revenue"] = D("0.2")
    assert amounts(oracle(NANCHANG, v))["neeq_listing"] == ("capped", "0.01")
    check(NANCHANG, v)


def test_wuhan_one_yi_cap_binds_one_fen_over() -> None:
    # 10 open-source products × 1000万 = 100,000,000.00: exactly the 1亿 company cap, nothing cut
    v = {"year": 2024, "industries": ["software"], "open_source_products": 10}
    assert amounts(oracle(WUHAN, v))["open_source_product"] == ("granted", "100000000.00")
    check(WUHAN, v)
    # + park operator 100万: 101,000,000 > 1亿. products 1亿 × 100/101 = 99,009,900.990099… -> 99,009,900.99;
    # operator 100万 × 100/101 = 990,099.0099… -> 990,099.00 (larger rest .99 fen) + 1 fen = 990,099.01
    v["is_park_operator"] = True
    got = amounts(oracle(WUHAN, v))
    assert got["open_source_product"] == ("capped", "99009900.99")
    assert got["park_operator"] == ("capped", "990099.01")
    check(WUHAN, v)
    # 信创 contract 0.10 yuan × 10% = 0.01: 100,000,000.01 in all. 1亿 × 1e10/(1e10+1) fen loses 0.9999 fen,
    # the others next to nothing: the products give up the one fen, the 0.01 and the operator keep theirs
    w = {"year": 2024, "industries": ["software"], "open_source_products": 10,
         "xinchuang_contract_non_hardware": D("0.1")}
    got = amounts(oracle(WUHAN, w))
    assert got["open_source_product"] == ("capped", "99999999.99")
    assert got["xinchuang_solution"] == ("granted", "0.01")
    check(WUHAN, w)


def test_wuhan_hq_relocation_rate_and_cap() -> None:
    # 实缴注册资本 5000万 × 10% = 500万 (at the cap, granted); 5000万 + 0.10 -> 5,000,000.01 -> capped
    v = {"year": 2023, "industries": ["software"], "new_headquarters": True, "paid_in_capital": 5000 * WAN}
    assert amounts(oracle(WUHAN, v))["hq_relocation"] == ("granted", "5000000.00")
    check(WUHAN, v)
    v["paid_in_capital"] += D("0.1")
    assert amounts(oracle(WUHAN, v))["hq_relocation"] == ("capped", "5000000.00")
    check(WUHAN, v)


def test_beijing_first_trial_per_unit_then_yearly_cap() -> None:
    # units: 50万, 50万 + 0.01 (-> 50万), 30万, 60万 (-> 50万), 10万: 1,900,000.00 (capped), raw 2,000,000.01
    v = {"year": 2024, "industries": ["robotics"], "first_trial_prior_funding": False,
         "first_trial_unit_costs": [50 * WAN, 50 * WAN + FEN, 30 * WAN, 60 * WAN, 10 * WAN]}
    out = {o.id: o for o in oracle(BEIJING, v).clauses}["first_trial_product"]
    assert (out.status, out.raw, out.amount) == ("capped", D("2000000.01"), D("1900000.00"))
    check(BEIJING, v)
    # four units of exactly 50万: 2,000,000.00 = the 200万 yearly cap: granted; a fifth unit of 0.01 -> capped
    v["first_trial_unit_costs"] = [50 * WAN] * 4
    assert amounts(oracle(BEIJING, v))["first_trial_product"] == ("granted", "2000000.00")
    check(BEIJING, v)
    v["first_trial_unit_costs"] = [50 * WAN] * 4 + [FEN]
    assert amounts(oracle(BEIJING, v))["first_trial_product"] == ("capped", "2000000.00")
    check(BEIJING, v)
    # 未获得财政资金支持: with prior funding it is not available
    v["first_trial_prior_funding"] = True
    assert oracle(BEIJING, v).clauses[7].status == "not_eligible"
    check(BEIJING, v)


def test_beijing_interest_subsidy_years_one_to_three_at_the_5y_lpr() -> None:
    # 2024-12-31: 5Y+ LPR 3.60%; 1亿 × 3.60% = 3,600,000.00 in subsidy year 3; year 4 is past 不超过3年
    v = {"year": 2024, "industries": ["robotics"], "major_project_loans": YI, "major_project_interest_year": 3}
    assert amounts(oracle(BEIJING, v))["major_project_interest"] == ("granted", "3600000.00")
    check(BEIJING, v)
    v["major_project_interest_year"] = 4
    assert oracle(BEIJING, v).clauses[5].status == "not_eligible"
    check(BEIJING, v)
    # 833,333,333.33 × 3.60% = 29,999,999.99988 -> 30,000,000.00: exactly the 3000万 yearly cap, granted
    v.update(major_project_interest_year=1, major_project_loans=D("833333333.33"))
    assert amounts(oracle(BEIJING, v))["major_project_interest"] == ("granted", "30000000.00")
    check(BEIJING, v)


def test_beijing_breakthrough_is_at_most_the_investment_and_3000wan() -> None:
    # 攻关投入 2000万 -> up to 2000万; 3000万 + 0.01 -> capped at 3000万
    v = {"year": 2023, "industries": ["robotics"], "breakthrough_investment": 2000 * WAN}
    assert amounts(oracle(BEIJING, v))["key_tech_breakthrough"] == ("granted", "20000000.00")
    check(BEIJING, v)
    v["breakthrough_investment"] = 3000 * WAN + FEN
    assert amounts(oracle(BEIJING, v))["key_tech_breakthrough"] == ("capped", "30000000.00")
    check(BEIJING, v)


def test_validity_and_targeting() -> None:
    # Nanchang covers fiscal 2023–2025 (有效期至2025年12月31日): 2026 and 2022 expired, whatever the industries
    for year in (2022, 2026):
        for industries in (["electronic-information"], ["other"]):
            v = {"year": year, "industries": industries, "neeq_listed": True}
            assert {o.status for o in oracle(NANCHANG, v).clauses} == {"expired"}
            check(NANCHANG, v)
    # Wuhan / Beijing: from 2023, end unknown: 2026 computed, 2022 expired
    assert amounts(oracle(WUHAN, {"year": 2026, "industries": ["software"], "software_spin_off": True}))[
        "software_spin_off"] == ("granted", "2000000.00")
    check(WUHAN, {"year": 2026, "industries": ["software"], "software_spin_off": True})
    check(BEIJING, {"year": 2022, "industries": ["robotics"], "breakthrough_investment": WAN})
    # not targeted: every clause not eligible, the discretionary ones too
    v = {"year": 2024, "industries": ["led"], "neeq_listed": True}
    assert {o.status for o in oracle(NANCHANG, v).clauses} == {"not_eligible"}
    check(NANCHANG, v)


def test_missing_input_only_when_the_result_needs_the_field() -> None:
    # growth 0 decides loan_interest without the loans; revenue_prev missing leaves it open
    v = {"year": 2024, "industries": ["electronic-information"], "revenue": YI, "revenue_prev": YI}
    assert oracle(NANCHANG, v).clauses[1].status == "not_eligible"
    check(NANCHANG, v)
    del v["revenue_prev"]
    assert oracle(NANCHANG, v).clauses[1].status == "missing_input"
    check(NANCHANG, v)
    # settlement: is_listed true decides eligibility with the other two flags missing; then the sales are needed
    v = {"year": 2024, "industries": ["electronic-information"], "is_listed": True}
    assert oracle(NANCHANG, v).clauses[8].status == "missing_input"
    check(NANCHANG, v)
    # 40亿 × 0.5% = 2000万: exactly the cap
    v["settlement_sales"] = 40 * YI
    v["sales_revenue"] = 40 * YI
    assert amounts(oracle(NANCHANG, v))["settlement"] == ("granted", "20000000.00")
    check(NANCHANG, v)


def test_rd_center_needs_an_rd_center_and_the_group_then_picks_among_the_others() -> None:
    # [2026-12] 鼓励…联合设立或独立设立研发中心，对…: 25亿 / 1.2亿 / 150 staff are over every threshold;
    # rd_center 1.2亿 × 15% = 18,000,000.00; si_led_rd 2000万 × 20% = 4,000,000.00; top-up 300万 × 1
    v = {"year": 2024, "industries": ["electronic-information"], **BIG_SALES, "revenue": 25 * YI,
         "rd_expense": D(120_000_000), "rd_staff": 150, "si_led_rd_expense": 2000 * WAN,
         "rd_post_subsidy_base": 300 * WAN}
    out = {o.id: o for o in oracle(NANCHANG, v).clauses}
    # has_rd_center not given: rd_center is missing input (never 18,000,000.00 on a guess)
    assert out["rd_center"].status == "missing_input"
    check(NANCHANG, v)
    # false: not eligible, and 就高不就低 keeps si_led_rd 4,000,000.00 over the top-up 3,000,000.00
    got = amounts(oracle(NANCHANG, {**v, "has_rd_center": False}))
    assert "rd_center" not in got
    assert (got["si_led_rd"], got["rd_post_subsidy_topup"]) == (("granted", "4000000.00"), ("excluded", "0.00"))
    check(NANCHANG, {**v, "has_rd_center": False})
    # true: rd_center 18,000,000.00 wins
    assert amounts(oracle(NANCHANG, {**v, "has_rd_center": True}))["rd_center"] == ("granted", "18000000.00")
    check(NANCHANG, {**v, "has_rd_center": True})


def test_major_project_award_from_production_on() -> None:
    # [2026-12] 自项目投产后: a 10亿 project (以上 includes it) is discretionary only once in production
    v = {"year": 2024, "industries": ["electronic-information"], "is_fortune500": False,
         "major_project_investment": 10 * YI}
    for production, status in ((True, "discretionary"), (False, "not_eligible"), (None, "missing_input")):
        w = v if production is None else {**v, "project_in_production": production}
        assert oracle(NANCHANG, w).clauses[7].status == status
        check(NANCHANG, w)


def test_beijing_two_platforms_are_capped_per_project() -> None:
    # [2026-12] 按照不超过建设项目投资的30%予以补贴，最高3000万元, per project: 8000万 × 30% = 2400万;
    # 1.2亿 × 30% = 3600万 -> 3000万. 5400万 in all (raw 6000万), not 3000万
    v = {"year": 2024, "industries": ["robotics"], "platform_investment": [8000 * WAN, 12000 * WAN]}
    out = {o.id: o for o in oracle(BEIJING, v).clauses}["public_platform"]
    assert (out.status, out.raw, out.amount) == ("capped", D("60000000.00"), D("54000000.00"))
    check(BEIJING, v)
    # one amount is one project: 1亿 × 30% = 3000万 exactly, granted; one fen over (1亿 + 0.04): capped
    v = {"year": 2024, "industries": ["robotics"], "platform_investment": YI, "benchmark_factory_investment": [YI]}
    got = amounts(oracle(BEIJING, v))
    assert got["public_platform"] == got["benchmark_factory"] == ("granted", "30000000.00")
    check(BEIJING, v)
    v["benchmark_factory_investment"] = [YI, YI + D("0.04")]
    assert amounts(oracle(BEIJING, v))["benchmark_factory"] == ("capped", "60000000.00")
    check(BEIJING, v)


def test_beijing_chain_strengthening_needs_a_first_inclusion() -> None:
    # [2026-12] 首次纳入机器人整机和核心零部件配套的京津冀企业: 6亿 × 5% = 3000万 only when first included
    v = {"year": 2024, "industries": ["robotics"], "chain_contract_amount": 6 * YI}
    assert oracle(BEIJING, v).clauses[6].status == "missing_input"
    check(BEIJING, v)
    assert oracle(BEIJING, {**v, "chain_first_included": False}).clauses[6].status == "not_eligible"
    check(BEIJING, {**v, "chain_first_included": False})
    assert amounts(oracle(BEIJING, {**v, "chain_first_included": True}))["chain_strengthening"] == (
        "granted", "30000000.00")
    check(BEIJING, {**v, "chain_first_included": True})


@pytest.mark.parametrize("policy", [NANCHANG, WUHAN, BEIJING])
def test_frequency_and_cap_scope_in_the_json_agree_with_the_spec(policy: str) -> None:
    # SPEC 9.5: every clause carries frequency; cap_scope when it has a cap or an up-to ceiling of its own (9.1:
    # "每项" is major_tech_project's ceiling), the ceiling's also as ceiling_scope
    from nanchang_incentives.render.json import document

    result = engine(policy, {"year": 2024, "industries": [TAG[policy]]})
    (out,) = document("t", 2024, [result])["results"]
    got = {c["id"]: (c["frequency"], c.get("cap_scope")) for c in out["clauses"]}
    assert got == SCOPES[policy]
    ceilings = {c["id"]: c["ceiling_scope"] for c in out["clauses"] if "ceiling_scope" in c}
    assert ceilings == CEILING_SCOPES[policy]


#: SPEC 9.1: the scope an up-to ceiling's sentence gives it ("单个企业每年最高500万元": per year; "每项": per project;
#: no period named: once per qualifying event)
CEILING_SCOPES: dict[str, dict[str, str]] = {
    NANCHANG: {"ipo": "once", "equity_investment": "once", "equity_refinancing": "once", "major_tech_project": "project"},
    WUHAN: {"scale_up_award": "year", "software_spin_off": "once", "open_source_product": "unit",
            "open_source_platform": "once", "software_park_core": "once", "park_operator": "year",
            "new_scale_employment": "once", "event_hosting": "event", "student_contest": "once"},
    BEIJING: {},
}


# ------------------------------------------------------------------ a planted error must be caught

#: (policy, file, text in the bundled table, text planted instead, a profile on which the two must differ)
PLANTS = [
    # the bug: rd_center without its R&D-centre condition pays 18,000,000.00 to a firm without one
    (NANCHANG, "nanchang-electronic-information-2023.toml",
     ('  { test = "has_rd_center", label = "has set up an R&D centre, alone or with universities / institutes '
      '(设立研发中心)", label_zh = "与大院大所联合设立或独立设立研发中心" },\n'), "",
     {"year": 2024, "industries": ["electronic-information"], **BIG_SALES, "revenue": 25 * YI,
      "rd_expense": D(120_000_000), "rd_staff": 150, "has_rd_center": False}),
    # a wrong rate: 16% for 15%
    (NANCHANG, "nanchang-electronic-information-2023.toml", 'rate = "15%"', 'rate = "16%"',
     {"year": 2024, "industries": ["electronic-information"], **BIG_SALES, "revenue": 25 * YI,
      "rd_expense": YI, "rd_staff": 150, "has_rd_center": True}),
    # ≥ written as >: 10亿元以上 must include 10亿
    (NANCHANG, "nanchang-electronic-information-2023.toml", "major_project_investment >= 10亿",
     "major_project_investment > 10亿",
     {"year": 2024, "industries": ["electronic-information"], "is_fortune500": False,
      "major_project_investment": 10 * YI, "project_in_production": True}),
    # SPEC 9.2: a wrong stated minimum (150万 for 每项100-200万元): the second company-cap run counts the project at
    # 150万, so neeq_listing's amount_max is 60万, not 75万 (sales 3000万 -> limit 150万)
    (NANCHANG, "nanchang-electronic-information-2023.toml", 'minimum = "100万"', 'minimum = "150万"',
     {"year": 2024, "industries": ["electronic-information"], "sales_revenue": 3000 * WAN, "is_new_entrant": False,
      "key_support_area": False, "neeq_listed": True, "major_tech_projects": 1}),
    # SPEC 9.2: the stated minimum dropped from the table: no amount_min, and the second company-cap run counts
    # the project at 0, so neeq_listing's amount_max is 100万 (the oracle, reading 每项给予100-200万元: 75万)
    (NANCHANG, "nanchang-electronic-information-2023.toml", 'minimum = "100万"\n', "",
     {"year": 2024, "industries": ["electronic-information"], "sales_revenue": 3000 * WAN, "is_new_entrant": False,
      "key_support_area": False, "neeq_listed": True, "major_tech_projects": 1}),
    # the old Beijing cap: once over the year instead of per project
    (BEIJING, "beijing-robotics-2023.toml", 'item_cap = "3000万"\nitem_cap_scope = "project"',
     'item_cap = "3亿"\nitem_cap_scope = "project"\ncap = "3000万"\ncap_scope = "year"',
     {"year": 2024, "industries": ["robotics"], "platform_investment": [8000 * WAN, 12000 * WAN]}),
]


@pytest.mark.parametrize("plant", PLANTS, ids=lambda p: p[3][:40] or "removed condition")
def test_the_oracle_catches_a_planted_error(plant: tuple, tmp_path_factory: pytest.TempPathFactory) -> None:
    from pathlib import Path

    from nanchang_incentives.policy import load_catalog, package_policies_dir

    policy, name, old, new, values = plant
    text = (Path(package_policies_dir()) / name).read_text(encoding="utf-8")
    assert old in text, "the plant no longer matches the bundled table"
    honest, planted = tmp_path_factory.mktemp("honest"), tmp_path_factory.mktemp("planted")
    (honest / name).write_text(text, encoding="utf-8")
    (planted / name).write_text(text.replace(old, new, 1), encoding="utf-8")
    check(policy, values, load_catalog([honest]))  # the copy itself agrees
    with pytest.raises(AssertionError):
        check(policy, values, load_catalog([planted]))


# ------------------------------------------------------------------ generated profiles

EXAMPLES = int(os.environ.get("ORACLE_EXAMPLES", "300"))
ORACLE = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("ORACLE_RANDOM"),
                  suppress_health_check=[HealthCheck.too_slow])

#: one fen, half a fen, a ten-thousandth of a yuan and one yuan either side of a point
DELTAS = [D("0.01"), D("-0.01"), D("0.005"), D("-0.005"), D("0.0001"), D("-0.0001"), D(1), D(-1)]


def near(*points: Decimal) -> st.SearchStrategy[Decimal]:
    """Amounts exactly at, just under and just over the given points, and anything from 0 to ~1000亿."""
    points = tuple(min(x, 1000 * YI).quantize(D("0.0001")) for x in points)  # a cap over a tiny override rate
    at = st.sampled_from(points)
    close = st.builds(lambda x, d: max(x + d, D(0)), st.sampled_from(points), st.sampled_from(DELTAS))
    spread = st.builds(lambda m, e: D(m) * D(10) ** e / 100, st.integers(0, 9999), st.integers(0, 9))
    return st.one_of(at, close, close, spread, st.just(D(0)))


def override_rate() -> st.SearchStrategy[Decimal]:
    """An LPR override (as a fraction), exact to 0.0001 percentage point."""
    return st.one_of(st.sampled_from([D("0.0345"), D("0.04"), D("0.031"), D("0.036"), D(0)]),
                     st.integers(0, 80_000).map(lambda n: D(n) / 1_000_000))


def edges(cap: Decimal, rate: Decimal) -> tuple[Decimal, ...]:
    """Bases whose amount (base × rate, rounded half-up) lands on the cap, one fen under or over it, or exactly
    on the half fen that rounds up over it."""
    if rate == 0:
        return (YI,)
    return tuple((c / rate).quantize(D("0.0001"), rounding=ROUND_CEILING)
                 for c in (cap, cap - FEN, cap + FEN, cap + FEN / 2))


BOOL = st.booleans()


def items(points: Sequence[Decimal], top: int = 4) -> st.SearchStrategy[list[Decimal]]:
    return st.lists(near(*points), min_size=0, max_size=top)


def nanchang_fields(draw: st.DrawFn, year: int) -> dict[str, st.SearchStrategy]:
    prev = draw(near(19 * YI, 20 * YI))
    growth = draw(st.one_of(near(YI), st.sampled_from([2 * YI, 5 * YI])))  # 较上年度增加1亿元以上
    lpr = draw(st.one_of(st.none(), override_rate()))
    rate = lpr_on_dec31(year, 1) if lpr is None else lpr
    # the top-up's 2000万 threshold, rd_center's 1亿 threshold, and its 15% against the 2000万 cap
    rd = draw(st.one_of(near(2000 * WAN), near(YI), near(*edges(2000 * WAN, D("0.15")))))
    big = draw(st.integers(0, 2)) == 0  # a big R&D firm that meets rd_center's thresholds, exactly or well
    if big:
        rd = draw(st.sampled_from([YI, *edges(2000 * WAN, D("0.15"))]))
    si_rd = draw(near(*edges(1000 * WAN, D("0.2"))))
    fields: dict[str, st.SearchStrategy] = {
        "revenue": (st.sampled_from([20 * YI, 25 * YI]) if big
                    else near(20 * YI) if draw(st.integers(0, 2)) == 0 else st.just(prev + growth)),
        "revenue_prev": st.just(prev),
        # 3000万 and 4000万: limits of 150万 and 200万, where a listing and a project or an equity round bind the
        # cap with up-to ceilings counted (SPEC 9.2)
        "sales_revenue": near(2 * YI, 4 * YI, 20 * YI, 40 * WAN, 3000 * WAN, 4000 * WAN, 1000 * YI),
        "rd_expense": st.just(rd),
        "rd_staff": st.sampled_from([100, 150] if big else [99, 100, 101, 150, 0]),
        "has_rd_center": BOOL,
        "is_new_entrant": BOOL,
        "key_support_area": BOOL,
        "local_project_loans": near(*edges(200 * WAN, rate / 2)),
        "ipo_completed": BOOL,
        "neeq_listed": BOOL,
        "equity_investment_raised": near(D(0), 1000 * WAN),
        "equity_refinancing_raised": near(D(0), 1000 * WAN),
        "is_fortune500": BOOL,
        "major_project_investment": near(10 * YI),
        "project_in_production": BOOL,
        "is_china_top100_electronics": BOOL,
        "is_listed": BOOL,
        "settlement_sales": near(*edges(2000 * WAN, D("0.005"))),
        "si_led_rd_expense": st.just(si_rd),
        "si_led_sales": near(*edges(1000 * WAN, D("0.1"))),
        # ties in the rd group: the top-up equal to rd_center's or si_led_rd's amount
        "rd_post_subsidy_base": st.one_of(near(*edges(2000 * WAN, D(1)), 1500 * WAN),
                                          st.sampled_from([r2(rd * D("0.15")), r2(si_rd * D("0.2"))])),
        "major_tech_projects": st.integers(0, 5),
        "smart_factory_investments": items(edges(500 * WAN, D("0.5"))),
        "hosted_event_expenses": items(edges(100 * WAN, D("0.5"))),
        "attracted_firms_scaled_up": st.integers(0, 5),
    }
    if lpr is not None:
        fields["lpr_1y"] = st.just(lpr)
    return fields


def wuhan_fields(draw: st.DrawFn, year: int) -> dict[str, st.SearchStrategy]:
    return {
        "revenue": near(YI),
        "key_software_field": BOOL,
        "scale_milestone": BOOL,
        "software_spin_off": BOOL,
        "new_headquarters": BOOL,
        "paid_in_capital": near(*edges(500 * WAN, D("0.1"))),
        "open_source_products": st.integers(0, 11),
        "open_source_platform_built": BOOL,
        "xinchuang_contract_non_hardware": near(*edges(500 * WAN, D("0.1"))),
        "core_park_enterprise": BOOL,
        "is_park_operator": BOOL,
        "newly_above_scale": BOOL,
        "hosted_national_events": st.integers(0, 6),
        "hosted_student_contest": BOOL,
        "is_new_entrant": BOOL,
    }


def beijing_fields(draw: st.DrawFn, year: int) -> dict[str, st.SearchStrategy]:
    lpr = draw(st.one_of(st.none(), override_rate()))
    rate = lpr_on_dec31(year, 5) if lpr is None else lpr
    fields: dict[str, st.SearchStrategy] = {
        "revenue": near(YI),
        "breakthrough_investment": near(*edges(3000 * WAN, D(1))),
        # one amount (one project) or a list, one amount per project (SPEC 9.1)
        "platform_investment": st.one_of(near(*edges(3000 * WAN, D("0.3"))), items(edges(3000 * WAN, D("0.3")))),
        "is_specialized": BOOL,
        "first_time_above_scale": BOOL,
        "output_first_over_100m": BOOL,
        "benchmark_factory_investment": st.one_of(near(*edges(3000 * WAN, D("0.3"))),
                                                  items(edges(3000 * WAN, D("0.3")))),
        "major_project_loans": near(*edges(3000 * WAN, rate)),
        "major_project_interest_year": st.integers(0, 4),
        "chain_first_included": BOOL,
        "chain_contract_amount": near(*edges(3000 * WAN, D("0.05"))),
        "first_trial_unit_costs": items(edges(50 * WAN, D(1)), top=6),  # 5 units to pass the 200万 cap
        "first_trial_prior_funding": BOOL,
    }
    if lpr is not None:
        fields["lpr_5y"] = st.just(lpr)
    return fields


FIELDS = {NANCHANG: nanchang_fields, WUHAN: wuhan_fields, BEIJING: beijing_fields}


@st.composite
def profiles(draw: st.DrawFn, policy: str) -> dict[str, object]:
    """A profile for ``policy``: a year 2022–2026, industries usually with the policy's tag, each field
    present about 90% of the time."""
    tag = TAG[policy]
    year = draw(st.sampled_from([2022, 2023, 2024, 2024, 2025, 2025, 2026]))
    values: dict[str, object] = {
        "year": year,
        "industries": draw(st.sampled_from([[tag]] * 4 + [[tag, "led"], ["led", tag], ["other"], []])),
    }
    for name, strategy in FIELDS[policy](draw, year).items():
        if draw(st.integers(0, 9)) >= 1:
            values[name] = draw(strategy)
    return values


@pytest.mark.parametrize("policy", [NANCHANG, WUHAN, BEIJING])
@ORACLE
@given(data=st.data())
def test_engine_agrees_with_the_oracle(policy: str, data: st.DataObject) -> None:
    check(policy, data.draw(profiles(policy)))
