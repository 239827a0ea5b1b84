"""Every clause of nanchang-electronic-information-2023, worked out by hand.

Each expected figure comes from sources/002_1ef662a3a919e830.txt section 三 and
SPEC §3/§5, with the arithmetic in a comment.  Amounts are integers of fen
(1 yuan = 100 fen).  The base profile has sales_revenue = 100亿, so the 5%
company cap (5亿) never binds here; the caps have their own module.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from nanchang_incentives import api, explain
from nanchang_incentives.engine import ClauseResult, Options, PolicyResult
from nanchang_incentives.profile import Profile, parse_values

POLICY_ID = "nanchang-electronic-information-2023"
CATALOG = api.load()
POLICY = CATALOG.get(POLICY_ID)
#: the policy text (a copy of ../shared/sources/002_…, as shipped for the tests)
SOURCE = Path(__file__).resolve().parent / "fixtures" / "nanchang" / "002_1ef662a3a919e830.txt"

BASE: dict[str, object] = {
    "name": "Test EI Co.",
    "jurisdiction": "nanchang",
    "year": 2024,
    "industries": ["electronic-information"],
    "sales_revenue": "100亿",  # 5% cap = 5亿: never binding in this module
    "is_new_entrant": False,
}

#: SPEC §5, in the order of the table
CLAUSE_IDS = (
    "one_firm_one_policy", "loan_interest", "ipo", "neeq_listing", "equity_investment", "equity_refinancing",
    "case_by_case", "major_project_award", "settlement", "si_led_rd", "si_led_sales", "rd_post_subsidy_topup",
    "rd_center", "innovation_platform", "major_tech_project", "smart_factory", "supply_chain_platform",
    "event_hosting", "event_attraction", "talent_and_jobs", "industry_fund",
)
#: the firm that rd_center is about: an R&D centre set up (联合设立或独立设立研发中心)
RD_CENTER = {"has_rd_center": True}


def yuan(text: str) -> int:
    """'1822.67' -> 182267 fen (test helper: exact decimal, no float)."""
    fen = Decimal(text) * 100
    assert fen == fen.to_integral_value(), text
    return int(fen)


def result(options: Options | None = None, **fields: object) -> PolicyResult:
    """The Nanchang result for BASE updated with ``fields`` (None removes a field)."""
    raw = {**BASE, **fields}
    raw = {k: v for k, v in raw.items() if v is not None}
    profile = Profile(parse_values(raw, CATALOG.registry))
    return api.calculate(profile, [POLICY], CATALOG, options or Options())[0]


def clause(cid: str, **fields: object) -> ClauseResult:
    return result(**fields).clause(cid)


def check(c: ClauseResult, status: str, amount: int, raw: int | None = None) -> None:
    assert (c.status, c.amount, c.raw_amount) == (status, amount, amount if raw is None else raw), explain.clause_explanation(c)


# ---------------------------------------------------------------- the catalogue


def test_every_clause_of_spec_5_is_listed_in_order() -> None:
    r = result()
    assert tuple(c.id for c in r.clauses) == CLAUSE_IDS


@pytest.mark.parametrize("cid,basis", [
    ("one_firm_one_policy", "discretionary"), ("loan_interest", "exact"), ("ipo", "up_to"),
    ("neeq_listing", "exact"), ("equity_investment", "up_to"), ("equity_refinancing", "up_to"),
    ("case_by_case", "discretionary"), ("major_project_award", "discretionary"), ("settlement", "exact"),
    ("si_led_rd", "exact"), ("si_led_sales", "exact"), ("rd_post_subsidy_topup", "exact"),
    ("rd_center", "exact"), ("innovation_platform", "discretionary"), ("major_tech_project", "up_to"),
    ("smart_factory", "exact"), ("supply_chain_platform", "discretionary"), ("event_hosting", "exact"),
    ("event_attraction", "exact"), ("talent_and_jobs", "discretionary"), ("industry_fund", "discretionary"),
])
def test_basis_of_each_clause_matches_spec(cid: str, basis: str) -> None:
    assert clause(cid).basis == basis


def test_sources_point_to_section_three() -> None:
    sections = {c.id: c.source for c in result().clauses}
    assert sections["loan_interest"] == "三(一)"
    assert sections["settlement"] == "三(二)"
    assert sections["si_led_sales"] == "三(三)"
    assert sections["smart_factory"] == "三(四)"
    assert sections["supply_chain_platform"] == "三(七)"
    assert sections["event_attraction"] == "三(八)"
    assert sections["talent_and_jobs"] == "三(五)"
    assert sections["industry_fund"] == "四(三)"


def test_every_quote_is_in_the_source_text() -> None:
    """Traceability: each quoted sentence occurs in 002_… (up to the PDF's spaces and line breaks)."""
    import re

    def squash(text: str) -> str:
        return re.sub(r"\s+", "", text)

    text = squash(SOURCE.read_text(encoding="utf-8"))
    for c in POLICY.clauses:  # a quote may leave out a passage, marked ……
        assert c.quote and all(part in text for part in squash(c.quote).split("……")), c.id


#: (frequency, clause-cap scope, per-item cap scope) as each sentence gives them (SPEC 9.1)
SCOPES = {
    "one_firm_one_policy": ("annual", None, None),     # 根据企业年度经营情况予以适当奖励
    "loan_interest": ("annual", "year", None),         # 每家企业每年不超过200万元
    "ipo": ("once", None, None),                       # 完成首发上市
    "neeq_listing": ("once", None, None),              # 成功挂牌
    "equity_investment": ("once", None, None),         # 引进…股权投资的 (each financing, in its year)
    "equity_refinancing": ("once", None, None),        # 实现股权再融资的
    "case_by_case": ("annual", None, None),            # 根据企业经营情况给予适当配套支持
    "major_project_award": ("annual", None, None),     # 自项目投产后…在政策有效期内根据企业年度经营情况
    "settlement": ("annual", "year", None),            # 每家公司每年不超过2000万元
    "si_led_rd": ("annual", "year", None),             # 每家企业每年不超过1000万元
    "si_led_sales": ("annual", "year", None),          # 每家企业每年不超过1000万元
    "rd_post_subsidy_topup": ("annual", "year", None),  # 每年最高不超过2000万元
    "rd_center": ("annual", "year", None),             # 给予每年不超过2000万元的补贴
    "innovation_platform": ("once", None, None),       # 认定 (a recognition)
    "major_tech_project": ("once", None, None),        # 每项给予100-200万元 (per project, once)
    "smart_factory": ("once", None, "project"),        # 单个项目最高不超过500万元
    "supply_chain_platform": ("annual", None, None),   # 根据企业年度经营情况予以适当支持
    "event_hosting": ("once", None, "event"),          # 每项活动不超过100万元
    "event_attraction": ("once", None, None),          # 每家企业50万元, in the year it became 规上
    "talent_and_jobs": ("annual", None, None),         # 按照现有人才政策
    "industry_fund": ("annual", None, None),           # 产业基金 (equity)
}


def test_cap_scopes_and_frequencies_follow_each_sentence() -> None:
    got = {c.id: (c.frequency.value, c.cap_period or None, c.item_cap_scope and c.item_cap_scope.value)
           for c in POLICY.clauses}
    assert got == SCOPES


# ---------------------------------------------------------------- discretionary clauses


@pytest.mark.parametrize("cid", ["one_firm_one_policy", "case_by_case", "innovation_platform",
                                 "supply_chain_platform", "talent_and_jobs", "industry_fund"])
def test_discretionary_clause_is_listed_without_amount(cid: str) -> None:
    # 适当奖励 / 一事一议 / 适当支持 / 认定: no number in the text -> listed, amount 0.00
    c = clause(cid)
    check(c, "discretionary", 0)
    assert "no amount" in explain.clause_explanation(c)


@pytest.mark.parametrize("cid", ["one_firm_one_policy", "case_by_case", "innovation_platform",
                                 "supply_chain_platform", "talent_and_jobs", "industry_fund"])
def test_discretionary_clause_not_eligible_outside_electronic_information(cid: str) -> None:
    check(clause(cid, industries=["software"]), "not_eligible", 0)


def test_an_led_maker_without_the_electronic_information_tag_is_not_targeted_but_told_why() -> None:
    """SPEC §5: industries must contain electronic-information; the text counts LED within 电子信息产业, so the
    warning quotes that and says to add the tag (the tool does not decide it): every figure stays 0."""
    res = result(industries=["led"], neeq_listed=True, si_led_rd_expense="1000万")
    assert res.targeted is False and res.total == 0
    assert {c.status for c in res.clauses} == {"not_eligible"}
    [w] = [w for w in explain.warnings(res) if w.startswith("This policy targets")]
    assert "全力聚焦移动智能终端、LED、VR²产业" in w and "软件和信息技术服务业" in w
    assert w.endswith('if this firm is an electronic-information enterprise, add "electronic-information" to its '
                      'industries')
    squashed = "".join(SOURCE.read_text(encoding="utf-8").split()).replace("**", "")  # the text's bold marks
    for part in ("全力聚焦移动智能终端、LED、VR²产业，探索发展5G、新型显示、物联网等新兴电子信息产业",
                 "汽车电子产业重点发展车载", "含电子信息制造业和电子信息服务业（信息传输、软件和信息技术服务业、新一代信息技术产业等）"):
        assert part in squashed and part in POLICY.related_industries_note  # quoted from the text
    tagged = result(industries=["led", "electronic-information"], neeq_listed=True)
    assert tagged.targeted is True and tagged.clause("neeq_listing").amount == 100_000_000
    assert not any(w.startswith("This policy targets") for w in explain.warnings(tagged))


def test_a_firm_of_an_unrelated_industry_gets_no_hint() -> None:
    res = result(industries=["robotics"], neeq_listed=True)
    [w] = [w for w in explain.warnings(res) if w.startswith("This policy targets")]
    assert w == "This policy targets electronic-information enterprises; the company's industries are [robotics]: " \
                "no clause applies"


def test_major_project_award_at_exactly_1bn_is_discretionary() -> None:
    # 10亿元以上 includes 10亿 (SPEC §3: 以上 = ≥), 自项目投产后: in production
    c = clause("major_project_award", major_project_investment="10亿", is_fortune500=False,
               project_in_production=True)
    check(c, "discretionary", 0)


def test_major_project_award_needs_the_project_in_production() -> None:
    # 自项目投产后: a 10亿 project not yet producing is not eligible; not saying is missing input
    c = clause("major_project_award", major_project_investment="10亿", is_fortune500=False,
               project_in_production=False)
    check(c, "not_eligible", 0)
    c = clause("major_project_award", major_project_investment="10亿", is_fortune500=False)
    check(c, "missing_input", 0)
    assert c.missing == ("project_in_production",)
    # an investment below 10亿 and no Fortune 500 decides it without the production status
    c = clause("major_project_award", major_project_investment="999999999.99", is_fortune500=False)
    check(c, "not_eligible", 0)


def test_major_project_award_one_fen_under_1bn_is_not_eligible() -> None:
    c = clause("major_project_award", major_project_investment="999999999.99", is_fortune500=False)
    check(c, "not_eligible", 0)
    assert "999,999,999.99" in explain.clause_explanation(c)


def test_major_project_award_fortune500_needs_no_investment_figure() -> None:
    # "is_fortune500 or …": true decides it (Kleene), the missing investment does not matter
    c = clause("major_project_award", is_fortune500=True, project_in_production=True)
    check(c, "discretionary", 0)
    assert c.missing == ()


def test_major_project_award_undecided_names_the_missing_field() -> None:
    # investment below 10亿 and is_fortune500 unknown: the condition is unknown, not false
    c = clause("major_project_award", major_project_investment="5亿", project_in_production=True)
    check(c, "missing_input", 0)
    assert c.missing == ("is_fortune500",)
    assert "is_fortune500" in explain.clause_explanation(c)


# ---------------------------------------------------------------- loan_interest 三(一)


def test_loan_interest_growth_exactly_100m_is_eligible() -> None:
    # revenue 6亿 − revenue_prev 5亿 = 1亿 ≥ 1亿 (增加1亿元以上 includes 1亿).
    # 2024: LPR1y on 2024-12-31 = 3.10% (published 2024-10-21);
    # 1亿 × 50% × 3.10% = 100,000,000 × 0.0155 = 1,550,000.00 ≤ 200万
    c = clause("loan_interest", revenue="6亿", revenue_prev="5亿", local_project_loans="1亿")
    check(c, "granted", yuan("1550000.00"))


def test_loan_interest_growth_one_fen_short_is_not_eligible() -> None:
    # 599,999,999.99 − 500,000,000 = 99,999,999.99 < 1亿: 0.01 short
    c = clause("loan_interest", revenue="599999999.99", revenue_prev="5亿", local_project_loans="1亿")
    check(c, "not_eligible", 0)
    assert c.conditions[0].held is False
    assert "0.01 short" in explain.clause_explanation(c)


def test_loan_interest_exactly_at_cap() -> None:
    # lpr_1y given as 4.00%: 1亿 × 50% × 4% = 1亿 × 2% = 2,000,000.00 = the cap 200万: not cut
    c = clause("loan_interest", revenue="6亿", revenue_prev="5亿", local_project_loans="1亿", lpr_1y="4.00%")
    check(c, "granted", yuan("2000000.00"))


def test_loan_interest_one_fen_over_cap_is_capped() -> None:
    # 100,000,000.50 × 2% = 2,000,000.01 -> cut to 2,000,000.00 (每年不超过200万元)
    c = clause("loan_interest", revenue="6亿", revenue_prev="5亿", local_project_loans="100000000.50",
               lpr_1y="4.00%")
    check(c, "capped", yuan("2000000.00"), yuan("2000000.01"))
    assert "clause cap" in explain.clause_explanation(c)


def test_loan_interest_rounds_half_fen_up() -> None:
    # 2023: LPR1y 3.45% -> rate 1.725%; 20 yuan × 1.725% = 0.345 yuan = 34.5 fen -> 35 fen
    c = clause("loan_interest", year=2023, revenue="6亿", revenue_prev="5亿", local_project_loans="20")
    check(c, "granted", 35)


@pytest.mark.parametrize("absent", ["local_project_loans", "revenue_prev", "revenue"])
def test_loan_interest_missing_input_names_the_field(absent: str) -> None:
    fields: dict[str, object] = {"revenue": "6亿", "revenue_prev": "5亿", "local_project_loans": "1亿"}
    fields[absent] = None
    c = clause("loan_interest", **fields)
    check(c, "missing_input", 0)
    assert c.missing == (absent,)
    assert absent in explain.clause_explanation(c)


# ---------------------------------------------------------------- listing rewards 三(一)


def test_ipo_is_an_up_to_ceiling_of_10m() -> None:
    # 首发上市 … 最高1000万元: an up_to figure, never presented as certain
    c = clause("ipo", ipo_completed=True)
    check(c, "granted", yuan("10000000.00"))
    assert c.basis == "up_to"
    assert "ceiling" in explain.clause_explanation(c)


def test_ipo_not_completed_is_not_eligible() -> None:
    check(clause("ipo", ipo_completed=False), "not_eligible", 0)


def test_ipo_missing_names_the_field() -> None:
    c = clause("ipo")
    check(c, "missing_input", 0)
    assert c.missing == ("ipo_completed",)


def test_neeq_listing_is_exactly_1m() -> None:
    # 在“新三板”成功挂牌的，给予100万元奖励: exact
    c = clause("neeq_listing", neeq_listed=True)
    check(c, "granted", yuan("1000000.00"))
    assert c.basis == "exact"


def test_neeq_listing_not_listed_is_not_eligible() -> None:
    check(clause("neeq_listing", neeq_listed=False), "not_eligible", 0)


@pytest.mark.parametrize("cid,field", [("equity_investment", "equity_investment_raised"),
                                       ("equity_refinancing", "equity_refinancing_raised")])
def test_equity_rewards_up_to_2m_from_the_first_fen(cid: str, field: str) -> None:
    # 最高给予200万元奖励: any amount raised > 0 qualifies, up to 200万
    c = clause(cid, **{field: "0.01"})
    check(c, "granted", yuan("2000000.00"))
    assert c.basis == "up_to"


@pytest.mark.parametrize("cid,field", [("equity_investment", "equity_investment_raised"),
                                       ("equity_refinancing", "equity_refinancing_raised")])
def test_equity_rewards_nothing_raised_is_not_eligible(cid: str, field: str) -> None:
    check(clause(cid, **{field: 0}), "not_eligible", 0)


@pytest.mark.parametrize("cid,field", [("equity_investment", "equity_investment_raised"),
                                       ("equity_refinancing", "equity_refinancing_raised")])
def test_equity_rewards_missing_names_the_field(cid: str, field: str) -> None:
    c = clause(cid)
    check(c, "missing_input", 0)
    assert c.missing == (field,)


# ---------------------------------------------------------------- settlement 三(二)


def test_settlement_rounds_half_fen_up() -> None:
    # 364,533.00 × 0.5% = 1,822.665 -> half-up to the fen: 1,822.67
    c = clause("settlement", is_listed=True, settlement_sales="364533.00")
    check(c, "granted", yuan("1822.67"))


def test_settlement_exactly_at_cap() -> None:
    # 40亿 × 0.5% = 20,000,000.00 = 每年不超过2000万元: not cut
    check(clause("settlement", is_listed=True, settlement_sales="40亿"), "granted", yuan("20000000.00"))


def test_settlement_one_fen_over_cap_is_capped() -> None:
    # 4,000,000,002 × 0.5% = 20,000,000.01 -> 20,000,000.00
    c = clause("settlement", is_fortune500=True, settlement_sales="4000000002")
    check(c, "capped", yuan("20000000.00"), yuan("20000000.01"))


def test_settlement_any_one_qualification_suffices() -> None:
    # top-100 electronics alone (the other two unknown): "a or b or c" is true
    c = clause("settlement", is_china_top100_electronics=True, settlement_sales="1亿")
    check(c, "granted", yuan("500000.00"))  # 1亿 × 0.5% = 500,000.00


def test_settlement_no_qualification_is_not_eligible() -> None:
    c = clause("settlement", is_fortune500=False, is_china_top100_electronics=False, is_listed=False,
               settlement_sales="1亿")
    check(c, "not_eligible", 0)


def test_settlement_undecided_qualification_is_missing_input() -> None:
    # false or unknown or unknown = unknown: never a silent zero
    c = clause("settlement", is_listed=False, settlement_sales="1亿")
    check(c, "missing_input", 0)
    assert c.missing == ("is_china_top100_electronics", "is_fortune500")


def test_settlement_missing_sales_names_only_the_sales() -> None:
    c = clause("settlement", is_listed=True)
    check(c, "missing_input", 0)
    assert c.missing == ("settlement_sales",)
    assert "settlement_sales" in explain.clause_explanation(c)


# ---------------------------------------------------------------- silicon-substrate LED 三(三)


def test_si_led_rd_exactly_at_cap() -> None:
    # 5000万 × 20% = 1000万 = 每年不超过1000万元
    check(clause("si_led_rd", si_led_rd_expense="5000万"), "granted", yuan("10000000.00"))


def test_si_led_rd_one_fen_over_cap_is_capped() -> None:
    # 50,000,000.05 × 20% = 10,000,000.01 -> 10,000,000.00
    c = clause("si_led_rd", si_led_rd_expense="50000000.05")
    check(c, "capped", yuan("10000000.00"), yuan("10000000.01"))


def test_si_led_rd_rounding() -> None:
    # 123,456.78 × 20% = 24,691.356 -> 24,691.36
    check(clause("si_led_rd", si_led_rd_expense="123456.78"), "granted", yuan("24691.36"))


def test_si_led_rd_zero_expense_is_not_eligible() -> None:
    check(clause("si_led_rd", si_led_rd_expense=0), "not_eligible", 0)


def test_si_led_rd_missing_names_the_field() -> None:
    c = clause("si_led_rd")
    check(c, "missing_input", 0)
    assert c.missing == ("si_led_rd_expense",)


def test_si_led_sales_exactly_at_cap() -> None:
    # 1亿 × 10% = 1000万 = 每年不超过1000万元
    check(clause("si_led_sales", si_led_sales="1亿"), "granted", yuan("10000000.00"))


def test_si_led_sales_one_fen_over_cap_is_capped() -> None:
    # 100,000,000.10 × 10% = 10,000,000.01 -> 10,000,000.00
    c = clause("si_led_sales", si_led_sales="100000000.10")
    check(c, "capped", yuan("10000000.00"), yuan("10000000.01"))


def test_si_led_sales_below_cap() -> None:
    # 250万元 × 10% = 250,000.00
    check(clause("si_led_sales", si_led_sales="250万元"), "granted", yuan("250000.00"))


def test_si_led_sales_missing_names_the_field() -> None:
    c = clause("si_led_sales")
    check(c, "missing_input", 0)
    assert c.missing == ("si_led_sales",)


# ---------------------------------------------------------------- R&D 三(四)


def test_rd_post_subsidy_topup_rd_exactly_20m_is_eligible() -> None:
    # 研发费用达到2000万元以上 includes 2000万; 再加计1倍: 1 × 300万 = 3,000,000.00
    c = clause("rd_post_subsidy_topup", rd_expense="2000万", rd_post_subsidy_base="300万")
    check(c, "granted", yuan("3000000.00"))


def test_rd_post_subsidy_topup_rd_one_fen_short_is_not_eligible() -> None:
    c = clause("rd_post_subsidy_topup", rd_expense="19999999.99", rd_post_subsidy_base="300万")
    check(c, "not_eligible", 0)
    assert "0.01 short" in explain.clause_explanation(c)


def test_rd_post_subsidy_topup_exactly_at_cap() -> None:
    # 1 × 2000万 = 2000万 = 每年最高不超过2000万元
    c = clause("rd_post_subsidy_topup", rd_expense="5亿", rd_post_subsidy_base="2000万")
    check(c, "granted", yuan("20000000.00"))


def test_rd_post_subsidy_topup_one_fen_over_cap_is_capped() -> None:
    c = clause("rd_post_subsidy_topup", rd_expense="5亿", rd_post_subsidy_base="20000000.01")
    check(c, "capped", yuan("20000000.00"), yuan("20000000.01"))


def test_rd_post_subsidy_topup_missing_base_names_it() -> None:
    c = clause("rd_post_subsidy_topup", rd_expense="5亿")
    check(c, "missing_input", 0)
    assert c.missing == ("rd_post_subsidy_base",)


def test_rd_center_exactly_at_every_threshold_is_eligible() -> None:
    # 营业收入达到20亿元以上、研发费用达到1亿元以上、全职研发人员达到100人以上: all ≥
    # 1亿 × 15% = 15,000,000.00 ≤ 2000万
    c = clause("rd_center", revenue="20亿", rd_expense="1亿", rd_staff=100, **RD_CENTER)
    check(c, "granted", yuan("15000000.00"))
    assert [cd.held for cd in c.conditions] == [True, True, True, True]


def test_rd_center_over_the_thresholds_without_saying_it_has_one_is_missing_input() -> None:
    # 鼓励电子信息企业与大院大所联合设立或独立设立研发中心，对…: the sentence is about firms with an R&D centre.
    # 2亿 × 15% = 3000万 would be capped at 2000万, but without has_rd_center nothing is granted
    r = result(revenue="20亿", rd_expense="2亿", rd_staff=100, si_led_rd_expense="3000万",
               rd_post_subsidy_base="500万")
    c = r.clause("rd_center")
    check(c, "missing_input", 0)
    assert c.missing == ("has_rd_center",)
    assert "has_rd_center" in explain.clause_explanation(c)


def test_rd_center_without_an_rd_center_is_not_eligible_and_the_group_picks_among_the_others() -> None:
    # has_rd_center = false: not eligible. The rd group (就高不就低) then keeps the highest of the others:
    # si_led_rd 3000万 × 20% = 6,000,000.00 > top-up 500万 × 1 = 5,000,000.00 (rd_expense 2亿 ≥ 2000万)
    r = result(revenue="20亿", rd_expense="2亿", rd_staff=100, si_led_rd_expense="3000万",
               rd_post_subsidy_base="500万", has_rd_center=False)
    check(r.clause("rd_center"), "not_eligible", 0)
    check(r.clause("si_led_rd"), "granted", yuan("6000000.00"))
    check(r.clause("rd_post_subsidy_topup"), "excluded", 0, yuan("5000000.00"))
    assert r.total == yuan("6000000.00")
    # with an R&D centre: rd_center 2000万 (capped) wins, the other two are excluded
    r = result(revenue="20亿", rd_expense="2亿", rd_staff=100, si_led_rd_expense="3000万",
               rd_post_subsidy_base="500万", has_rd_center=True)
    check(r.clause("rd_center"), "capped", yuan("20000000.00"), yuan("30000000.00"))
    assert (r.clause("si_led_rd").status, r.clause("rd_post_subsidy_topup").status) == ("excluded", "excluded")
    assert r.total == yuan("20000000.00")


def test_rd_center_below_a_threshold_needs_no_rd_center_flag() -> None:
    # revenue 1亿 < 20亿 decides it: not eligible whether or not the firm says it has an R&D centre
    check(clause("rd_center", revenue="1亿", rd_expense="2亿", rd_staff=100), "not_eligible", 0)


@pytest.mark.parametrize("fields,short", [
    ({"revenue": "1999999999.99", "rd_expense": "1亿", "rd_staff": 100}, "0.01 short"),
    ({"revenue": "20亿", "rd_expense": "99999999.99", "rd_staff": 100}, "0.01 short"),
    ({"revenue": "20亿", "rd_expense": "1亿", "rd_staff": 99}, "1 short"),
])
def test_rd_center_just_under_a_threshold_is_not_eligible(fields: dict[str, object], short: str) -> None:
    c = clause("rd_center", **fields, **RD_CENTER)
    check(c, "not_eligible", 0)
    assert short in explain.clause_explanation(c)


def test_rd_center_rounds_to_exactly_the_cap() -> None:
    # 133,333,333.33 × 15% = 19,999,999.9995 -> half-up 20,000,000.00: at the cap, not cut
    c = clause("rd_center", revenue="20亿", rd_expense="133333333.33", rd_staff=100, **RD_CENTER)
    check(c, "granted", yuan("20000000.00"))


def test_rd_center_one_fen_over_cap_is_capped() -> None:
    # 133,333,333.40 × 15% = 20,000,000.01 -> 20,000,000.00
    c = clause("rd_center", revenue="20亿", rd_expense="133333333.40", rd_staff=100, **RD_CENTER)
    check(c, "capped", yuan("20000000.00"), yuan("20000000.01"))


def test_rd_center_missing_staff_names_it() -> None:
    c = clause("rd_center", revenue="20亿", rd_expense="1亿", **RD_CENTER)
    check(c, "missing_input", 0)
    assert c.missing == ("rd_staff",)


def test_major_tech_project_count_times_up_to_2m() -> None:
    # 每项给予100-200万元: 3 projects × up to 200万 = 6,000,000.00, basis up_to
    c = clause("major_tech_project", major_tech_projects=3)
    check(c, "granted", yuan("6000000.00"))
    assert c.basis == "up_to"
    # a range the text states, not "only a ceiling" (its minimum is said right after): 3 × 100万
    said = explain.clause_explanation(c)
    assert "the text sets a range: the amount shown is its top, the most that can be granted" in said
    assert said.endswith("at least 3,000,000.00: the minimum the text states") and "only a ceiling" not in said


def test_major_tech_project_one_project() -> None:
    check(clause("major_tech_project", major_tech_projects=1), "granted", yuan("2000000.00"))


def test_major_tech_project_none_is_not_eligible() -> None:
    check(clause("major_tech_project", major_tech_projects=0), "not_eligible", 0)


def test_major_tech_project_missing_names_the_field() -> None:
    c = clause("major_tech_project")
    check(c, "missing_input", 0)
    assert c.missing == ("major_tech_projects",)


def test_smart_factory_cap_is_per_project() -> None:
    # 单个项目最高不超过500万元, per project, then summed:
    #   1000万        × 50% = 5,000,000.00  (exactly the cap: not cut)
    #   10,000,000.02 × 50% = 5,000,000.01  -> 5,000,000.00 (one fen over: cut)
    #   300万         × 50% = 1,500,000.00
    #   0.01          × 50% = 0.005         -> 0.01 (half-up, per project)
    # raw   = 5,000,000.00 + 5,000,000.01 + 1,500,000.00 + 0.01 = 11,500,000.02
    # final = 5,000,000.00 + 5,000,000.00 + 1,500,000.00 + 0.01 = 11,500,000.01
    c = clause("smart_factory", smart_factory_investments=["1000万", "10000000.02", "300万", "0.01"])
    check(c, "capped", yuan("11500000.01"), yuan("11500000.02"))
    assert "1 project(s) cut" in explain.clause_explanation(c)


def test_smart_factory_several_projects_at_cap_exceed_500万_in_total() -> None:
    # no annual cap: 3 projects × min(1200万 × 50%, 500万) = 3 × 5,000,000.00 = 15,000,000.00
    c = clause("smart_factory", smart_factory_investments=["1200万", "1200万", "1200万"])
    check(c, "capped", yuan("15000000.00"), yuan("18000000.00"))


def test_smart_factory_single_project_exactly_at_cap() -> None:
    check(clause("smart_factory", smart_factory_investments=["1000万"]), "granted", yuan("5000000.00"))


def test_smart_factory_no_project_is_not_eligible() -> None:
    check(clause("smart_factory", smart_factory_investments=[]), "not_eligible", 0)


def test_smart_factory_missing_names_the_field() -> None:
    c = clause("smart_factory")
    check(c, "missing_input", 0)
    assert c.missing == ("smart_factory_investments",)


# ---------------------------------------------------------------- events 三(八)


def test_event_hosting_cap_is_per_event() -> None:
    # 50%活动经费补助，每项活动不超过100万元:
    #   200万        × 50% = 1,000,000.00 (exactly the cap)
    #   2,000,000.02 × 50% = 1,000,000.01 -> 1,000,000.00
    #   50万         × 50% =   250,000.00
    # raw 2,250,000.01, final 2,250,000.00
    c = clause("event_hosting", hosted_event_expenses=["200万", "2000000.02", "50万"])
    check(c, "capped", yuan("2250000.00"), yuan("2250000.01"))
    assert "1 event(s) cut" in explain.clause_explanation(c)


def test_event_hosting_one_event_exactly_at_cap() -> None:
    check(clause("event_hosting", hosted_event_expenses=["200万"]), "granted", yuan("1000000.00"))


def test_event_hosting_missing_names_the_field() -> None:
    c = clause("event_hosting")
    check(c, "missing_input", 0)
    assert c.missing == ("hosted_event_expenses",)


def test_event_attraction_count_times_500k() -> None:
    # 按照每家企业50万元: 3 × 500,000.00 = 1,500,000.00 (exact)
    c = clause("event_attraction", attracted_firms_scaled_up=3)
    check(c, "granted", yuan("1500000.00"))
    assert c.basis == "exact"


def test_event_attraction_counts_firms_of_the_companys_own_events_in_the_year() -> None:
    # SPEC §5 [2026-12]: the count is of firms brought in through events the company organised that became
    # 规上 in the year; the field says so, and the award is one-off (50万 per firm, once)
    f = CATALOG.registry["attracted_firms_scaled_up"]
    assert "organised" in f.title and "in the year" in f.title
    assert POLICY.clause("event_attraction").one_off
    # one firm: 500,000.00
    check(clause("event_attraction", attracted_firms_scaled_up=1), "granted", yuan("500000.00"))


def test_event_attraction_none_is_not_eligible() -> None:
    check(clause("event_attraction", attracted_firms_scaled_up=0), "not_eligible", 0)


def test_event_attraction_missing_names_the_field() -> None:
    c = clause("event_attraction")
    check(c, "missing_input", 0)
    assert c.missing == ("attracted_firms_scaled_up",)


# ---------------------------------------------------------------- industry


def test_not_electronic_information_no_clause_applies() -> None:
    r = result(industries=["software"], neeq_listed=True, attracted_firms_scaled_up=2)
    assert {c.status for c in r.clauses} == {"not_eligible"}
    assert r.total == 0
    assert r.targeted is False
    assert any("electronic-information" in w for w in explain.warnings(r))


def test_missing_industries_every_clause_names_it() -> None:
    r = result(industries=None, neeq_listed=True)
    assert {c.status for c in r.clauses} == {"missing_input"}
    assert all("industries" in c.missing for c in r.clauses)
    assert r.total == 0


def test_missing_industries_does_not_hide_a_condition_already_false() -> None:
    # Three-valued logic: "targeted?" is unknown, but a clause whose own test is false
    # is not_eligible whatever the industries (SPEC §4: missing input only where needed).
    # revenue growth 1亿 − 1亿 = 0 < 1亿: loan_interest fails; ipo_completed = false: ipo fails;
    # revenue 1亿 < 20亿: rd_center fails. neeq_listed is not given: still missing input.
    r = result(industries=None, ipo_completed=False, revenue="1亿", revenue_prev="1亿")
    assert r.clause("loan_interest").status == "not_eligible"
    assert r.clause("ipo").status == "not_eligible"
    assert r.clause("rd_center").status == "not_eligible"
    neeq = r.clause("neeq_listing")
    assert neeq.status == "missing_input"
    assert set(neeq.missing) == {"industries", "neeq_listed"}


# ---------------------------------------------------------------- totals


def test_totals_split_exact_and_up_to() -> None:
    # exact: neeq 1,000,000.00 + event_attraction 2 × 500,000.00 = 2,000,000.00
    # up_to: ipo 10,000,000.00 + major_tech_project 1 × 2,000,000.00 = 12,000,000.00
    # total 14,000,000.00 (well under 5% × 100亿)
    r = result(neeq_listed=True, attracted_firms_scaled_up=2, ipo_completed=True, major_tech_projects=1)
    assert r.total_exact == yuan("2000000.00")
    assert r.total_up_to == yuan("12000000.00")
    assert r.total == yuan("14000000.00")


def test_fixture_profile_from_toml() -> None:
    # tests/fixtures/nanchang/led-2024.toml, by hand:
    #   loan_interest: growth 32亿 − 30亿 = 2亿 ≥ 1亿; 2024 LPR 3.10%: 8000万 × 1.55% = 1,240,000.00
    #   settlement: listed; 6亿 × 0.5% = 3,000,000.00
    #   si_led_rd 3000万 × 20% = 6,000,000.00 vs rd_center (has_rd_center) 1.2亿 ≥ 1亿, 32亿 ≥ 20亿, 150 ≥ 100:
    #     1.2亿 × 15% = 18,000,000.00 -> rd_center kept, si_led_rd excluded (rd_post_subsidy_base absent)
    #   si_led_sales 4000万 × 10% = 4,000,000.00
    #   smart_factory: 800万 × 50% = 4,000,000.00; 1200万 × 50% = 6,000,000.00 -> 5,000,000.00
    #     => 9,000,000.00
    #   event_hosting 150万 × 50% = 750,000.00
    #   event_attraction 1 × 500,000.00
    # total = 1,240,000 + 3,000,000 + 18,000,000 + 4,000,000 + 9,000,000 + 750,000 + 500,000
    #       = 36,490,000.00; cap 5% × sales_revenue 30亿 = 1.5亿: not reached
    from pathlib import Path

    profile = api.load_company(Path(__file__).parent / "fixtures" / "nanchang" / "led-2024.toml", CATALOG)
    r = api.calculate(profile, api.policies_for(profile, CATALOG), CATALOG)[0]
    assert r.policy.id == POLICY_ID
    amounts = {c.id: c.amount for c in r.clauses if c.amount}
    assert amounts == {
        "loan_interest": yuan("1240000.00"),
        "settlement": yuan("3000000.00"),
        "rd_center": yuan("18000000.00"),
        "si_led_sales": yuan("4000000.00"),
        "smart_factory": yuan("9000000.00"),
        "event_hosting": yuan("750000.00"),
        "event_attraction": yuan("500000.00"),
    }
    assert r.clause("si_led_rd").status == "excluded"
    assert r.total == yuan("36490000.00")
    assert r.total_exact == yuan("36490000.00")
