"""Policy `beijing-robotics-2023` (SPEC-wuhan-beijing.md §7), clause by clause.

Every expected figure is worked out by hand from the quoted sentence (source:
sources/000_b0675a43eee67fbd.txt, the seed report, and research-notes.md §1,
§5 for the LPR); the arithmetic is in the comment next to it.  Amounts are in
fen.  The last test evaluates samples/multi-industry.toml under all three
cities' policies.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nanchang_incentives import api, explain
from nanchang_incentives.engine import Options, PolicyResult
from nanchang_incentives.policy import Catalog
from nanchang_incentives.profile import Profile, parse_values
from nanchang_incentives.render.json import document

PID = "beijing-robotics-2023"
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cities"
WAN = 10_000 * 100  # 1万 yuan in fen
YI = 10_000 * WAN  # 1亿 yuan in fen

CLAUSE_IDS = [
    "key_tech_breakthrough", "enterprise_tech_center", "public_platform", "specialized_scale_up",
    "benchmark_factory", "major_project_interest", "chain_strengthening", "first_trial_product", "robot_fund",
]
ONE_DIRECTION = "同一单位只能获得2024年内高精尖资金单个方向支持"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return api.load()


def result(catalog: Catalog, options: Options | None = None, **fields: object) -> PolicyResult:
    """Evaluate a robotics firm in Beijing (2024) with the given extra fields."""
    raw: dict[str, object] = {"name": "t", "jurisdiction": "beijing", "year": 2024, "industries": ["robotics"]}
    raw.update(fields)
    profile = Profile(parse_values(raw, catalog.registry))
    (res,) = api.calculate(profile, [catalog.get(PID)], catalog, options or Options())
    return res


def clause(res: PolicyResult, cid: str) -> tuple[str, int, int]:
    c = res.clause(cid)
    return c.status, c.amount, c.raw_amount


def notice_shown(res: PolicyResult) -> bool:
    return any(ONE_DIRECTION in w for w in explain.warnings(res))


# ---------------------------------------------------------------- the table itself


def test_every_clause_id_of_spec_section_7_in_order(catalog: Catalog) -> None:
    pol = catalog.get(PID)
    assert [c.id for c in pol.clauses] == CLAUSE_IDS
    assert pol.jurisdiction == "beijing" and pol.industries == ("robotics",)
    assert str(pol.valid_from) == "2023-08-16" and pol.valid_until is None
    assert pol.company_cap is None  # no per-company cap over the whole policy is stated
    assert [n.min_clauses_with_amount for n in pol.notices] == [2]


def test_declares_exactly_the_spec_fields(catalog: Catalog) -> None:
    pol = catalog.get(PID)
    assert {f.name for f in pol.fields} == {
        "breakthrough_investment", "platform_investment", "is_specialized", "first_time_above_scale",
        "output_first_over_100m", "benchmark_factory_investment", "major_project_loans",
        "major_project_interest_year", "lpr_5y", "chain_first_included", "chain_contract_amount",
        "first_trial_unit_costs", "first_trial_prior_funding"}
    lpr = next(f for f in pol.fields if f.name == "lpr_5y")
    assert (lpr.type, lpr.default) == ("rate", "reference:lpr_5y")
    # SPEC 9.1: the two project clauses take one amount per project
    types = {f.name: f.type for f in pol.fields}
    assert types["platform_investment"] == types["benchmark_factory_investment"] == "money_list"


def test_cap_scopes_and_frequencies_follow_each_sentence(catalog: Catalog) -> None:
    # SPEC 9.1. (frequency, clause cap scope, per-item cap scope), from each quoted sentence:
    # 揭榜挂帅 根据攻关投入…最高3000万: no period, the base is a project's investment -> per project, once;
    # 建设项目投资的30%…最高3000万 -> per construction project; 年度最高3000万 -> per year;
    # 首次纳入…最高3000万: no period, not an investment -> once; 单台（套）50万, 年度200万 -> unit, year
    got = {c.id: (c.frequency.value, c.cap_period or None, c.item_cap_scope and c.item_cap_scope.value)
           for c in catalog.get(PID).clauses}
    assert got == {
        "key_tech_breakthrough": ("once", "project", None),
        "enterprise_tech_center": ("once", None, None),
        "public_platform": ("once", None, "project"),
        "specialized_scale_up": ("once", None, None),
        "benchmark_factory": ("once", None, "project"),
        "major_project_interest": ("annual", "year", None),
        "chain_strengthening": ("once", "once", None),
        "first_trial_product": ("once", "year", "unit"),
        "robot_fund": ("annual", None, None),
    }
    # JSON's cap_scope: the clause cap's, else the per-item cap's
    scopes = {c.id: c.main_cap_scope for c in catalog.get(PID).clauses}
    assert (scopes["public_platform"], scopes["first_trial_product"], scopes["robot_fund"]) == (
        "project", "year", None)


def test_every_quote_is_in_the_sources(catalog: Catalog) -> None:
    """Traceability: each quoted sentence occurs (up to the PDF's line breaks) in a source text."""
    def squash(text: str) -> str:
        return re.sub(r"\s+", "", text)

    sources = squash((FIXTURES / "000_b0675a43eee67fbd.txt").read_text(encoding="utf-8")
                     + (FIXTURES / "research-notes.md").read_text(encoding="utf-8"))
    for c in catalog.get(PID).clauses:
        assert c.quote and squash(c.quote) in sources, c.id


def test_bases_follow_the_legal_language(catalog: Catalog) -> None:
    # every rate here is itself a ceiling (不超过 r%, 不超过 LPR) or there is only 最高 C: nothing is exact
    basis = {c.id: c.basis for c in catalog.get(PID).clauses}
    assert {k for k, v in basis.items() if v == "discretionary"} == {
        "enterprise_tech_center", "specialized_scale_up", "robot_fund"}
    assert "exact" not in basis.values()


# ---------------------------------------------------------------- key_tech_breakthrough: min(investment, 3000万)


def test_key_tech_breakthrough_up_to_the_investment(catalog: Catalog) -> None:
    # 1200万 invested < 3000万: up to 1200万 (support cannot exceed the investment: an interpretation)
    res = result(catalog, breakthrough_investment="1200万")
    assert clause(res, "key_tech_breakthrough") == ("granted", 1200 * WAN, 1200 * WAN)
    assert "interpretation" in res.clause("key_tech_breakthrough").notes[0].lower()


def test_key_tech_breakthrough_exactly_3000wan_and_one_fen_over(catalog: Catalog) -> None:
    assert clause(result(catalog, breakthrough_investment="3000万"),
                  "key_tech_breakthrough") == ("granted", 3000 * WAN, 3000 * WAN)
    # 30,000,000.01 × 100% -> capped at 30,000,000.00
    assert clause(result(catalog, breakthrough_investment="30000000.01"),
                  "key_tech_breakthrough") == ("capped", 3000 * WAN, 3000 * WAN + 1)


def test_key_tech_breakthrough_no_investment_not_eligible(catalog: Catalog) -> None:
    assert clause(result(catalog, breakthrough_investment=0), "key_tech_breakthrough") == ("not_eligible", 0, 0)


# ---------------------------------------------------------------- enterprise_tech_center: revenue 不低于1亿 (>=)


def test_enterprise_tech_center_exactly_1yi_revenue_is_eligible(catalog: Catalog) -> None:
    res = result(catalog, revenue="1亿")
    assert clause(res, "enterprise_tech_center") == ("discretionary", 0, 0)


def test_enterprise_tech_center_one_fen_below_1yi_is_not(catalog: Catalog) -> None:
    res = result(catalog, revenue="99999999.99")
    c = res.clause("enterprise_tech_center")
    assert c.status == "not_eligible"
    assert c.conditions[0].held is False and "0.01 short" in explain.shortfall(c.conditions[0])


def test_enterprise_tech_center_revenue_missing(catalog: Catalog) -> None:
    c = result(catalog).clause("enterprise_tech_center")
    assert (c.status, c.missing) == ("missing_input", ("revenue",))


# ---------------------------------------------------------------- 30% clauses, capped at 3000万


def test_public_platform_thirty_percent(catalog: Catalog) -> None:
    # 5000万 × 30% = 1500万
    assert clause(result(catalog, platform_investment="5000万"), "public_platform") == (
        "granted", 1500 * WAN, 1500 * WAN)


def test_public_platform_one_amount_as_a_number_a_text_or_a_list_of_one(catalog: Catalog) -> None:
    # SPEC 9.1: "one amount (one project) or a list": 50,000,000 × 30% = 15,000,000.00 every way
    for value in (50_000_000, "5000万", ["5000万"]):
        assert clause(result(catalog, platform_investment=value), "public_platform") == (
            "granted", 1500 * WAN, 1500 * WAN), value


def test_two_platforms_in_a_year_are_capped_per_project(catalog: Catalog) -> None:
    # 按照不超过建设项目投资的30%予以补贴，最高3000万元, per construction project:
    # 8000万 × 30% = 2400万 (under the cap); 1.2亿 × 30% = 3600万 -> 3000万. 2400万 + 3000万 = 5400万
    # (a single cap over the year would have given 3000万); raw 2400万 + 3600万 = 6000万
    res = result(catalog, platform_investment=["8000万", "12000万"])
    assert clause(res, "public_platform") == ("capped", 5400 * WAN, 6000 * WAN)
    item = next(c for c in res.caps if (c.kind, c.clause) == ("item", "public_platform"))
    assert (item.limit, item.before, item.after) == (3000 * WAN, 6000 * WAN, 5400 * WAN)
    # two platforms of exactly 1亿: 3000万 each, at the cap, granted: 6000万
    assert clause(result(catalog, platform_investment=["1亿", "1亿"]), "public_platform") == (
        "granted", 6000 * WAN, 6000 * WAN)
    # one of them one fen over: 100,000,000.04 × 30% = 30,000,000.012 -> 30,000,000.01 -> 30,000,000.00
    assert clause(result(catalog, platform_investment=["1亿", "100000000.04"]), "public_platform") == (
        "capped", 6000 * WAN, 6000 * WAN + 1)


def test_public_platform_no_project_and_missing(catalog: Catalog) -> None:
    assert clause(result(catalog, platform_investment=[]), "public_platform") == ("not_eligible", 0, 0)
    assert clause(result(catalog, platform_investment=0), "public_platform") == ("not_eligible", 0, 0)
    c = result(catalog).clause("public_platform")
    assert (c.status, c.missing) == ("missing_input", ("platform_investment",))


def test_public_platform_exactly_at_cap_and_one_fen_over(catalog: Catalog) -> None:
    # 1亿 × 30% = 3000万 exactly
    assert clause(result(catalog, platform_investment="1亿"), "public_platform") == ("granted", 3000 * WAN, 3000 * WAN)
    # 100,000,000.04 × 30% = 30,000,000.012 -> 30,000,000.01 (half-up) -> capped at 30,000,000.00
    assert clause(result(catalog, platform_investment="100000000.04"), "public_platform") == (
        "capped", 3000 * WAN, 3000 * WAN + 1)


def test_benchmark_factory_thirty_percent_and_cap(catalog: Catalog) -> None:
    # 2000万 × 30% = 600万; 2亿 × 30% = 6000万 -> 3000万
    assert clause(result(catalog, benchmark_factory_investment="2000万"), "benchmark_factory") == (
        "granted", 600 * WAN, 600 * WAN)
    assert clause(result(catalog, benchmark_factory_investment="2亿"), "benchmark_factory") == (
        "capped", 3000 * WAN, 6000 * WAN)


def test_benchmark_factory_is_capped_per_project(catalog: Catalog) -> None:
    # 按照不超过建设项目投资的30%予以奖励，最高3000万元, per project: 2亿 × 30% = 6000万 -> 3000万;
    # 2000万 × 30% = 600万. 3600万 (raw 6600万); 99,999,999.98 × 30% = 29,999,999.994 -> 29,999,999.99
    res = result(catalog, benchmark_factory_investment=["2亿", "2000万"])
    assert clause(res, "benchmark_factory") == ("capped", 3600 * WAN, 6600 * WAN)
    assert clause(result(catalog, benchmark_factory_investment=["99999999.98"]), "benchmark_factory") == (
        "granted", 3000 * WAN - 1, 3000 * WAN - 1)


def test_chain_strengthening_five_percent_and_cap(catalog: Catalog) -> None:
    # 首次纳入 (chain_first_included); 1亿 × 5% = 500万; 6亿 × 5% = 3000万 exactly;
    # 600,000,000.20 × 5% = 30,000,000.01 -> 30,000,000.00
    first = {"chain_first_included": True}
    assert clause(result(catalog, chain_contract_amount="1亿", **first), "chain_strengthening") == (
        "granted", 500 * WAN, 500 * WAN)
    assert clause(result(catalog, chain_contract_amount="6亿", **first), "chain_strengthening") == (
        "granted", 3000 * WAN, 3000 * WAN)
    assert clause(result(catalog, chain_contract_amount="600000000.20", **first), "chain_strengthening") == (
        "capped", 3000 * WAN, 3000 * WAN + 1)


def test_chain_strengthening_needs_a_first_inclusion(catalog: Catalog) -> None:
    # 首次纳入机器人整机和核心零部件配套的京津冀企业 (research notes §1, measure 7): a firm already in the
    # chain is not eligible; one that does not say is missing chain_first_included, never a silent amount
    c = result(catalog, chain_contract_amount="1亿", chain_first_included=False).clause("chain_strengthening")
    assert (c.status, c.amount) == ("not_eligible", 0)
    c = result(catalog, chain_contract_amount="1亿").clause("chain_strengthening")
    assert (c.status, c.amount, c.missing) == ("missing_input", 0, ("chain_first_included",))
    # SPEC-wuhan-beijing: eligible if chain_first_included, the contracts only its base: nothing performed and
    # no flag is the flag missing (as hq_relocation with paid_in_capital 0 and no new_headquarters), and with
    # the flag 5% × 0.00 is no amount
    c = result(catalog, chain_contract_amount=0).clause("chain_strengthening")
    assert (c.status, c.missing) == ("missing_input", ("chain_first_included",))
    c = result(catalog, chain_contract_amount=0, chain_first_included=True).clause("chain_strengthening")
    assert (c.status, c.amount) == ("not_eligible", 0)


# ---------------------------------------------------------------- specialized_scale_up


def test_specialized_scale_up(catalog: Catalog) -> None:
    assert result(catalog, is_specialized=True, first_time_above_scale=True,
                  output_first_over_100m=False).clause("specialized_scale_up").status == "discretionary"
    assert result(catalog, is_specialized=False, first_time_above_scale=True,
                  output_first_over_100m=True).clause("specialized_scale_up").status == "not_eligible"
    assert result(catalog, is_specialized=True, first_time_above_scale=False,
                  output_first_over_100m=False).clause("specialized_scale_up").status == "not_eligible"
    # "or" decides without the missing side: output first over 1亿 is enough
    assert result(catalog, is_specialized=True,
                  output_first_over_100m=True).clause("specialized_scale_up").status == "discretionary"


# ---------------------------------------------------------------- major_project_interest: loans × LPR5y, years 1–3


def test_interest_2024_uses_the_year_end_5y_lpr(catalog: Catalog) -> None:
    # LPR5y in force on 2024-12-31: 3.60% (published 2024-10-21); 2亿 × 3.60% = 720万
    res = result(catalog, major_project_loans="2亿", major_project_interest_year=2)
    assert clause(res, "major_project_interest") == ("granted", 720 * WAN, 720 * WAN)
    assert any(r.startswith("lpr_5y = 3.60%") and "2024-12-31" in r and "2024-10-21" in r for r in explain.references(res))


@pytest.mark.parametrize(("year", "expected_wan"), [
    (2023, 840),  # 2023-12-31: 4.20% (since 2023-06-20, unchanged 2023-08-21); 2亿 × 4.20% = 840万
    (2025, 700),  # 2025-12-31: 3.50% (since 2025-05-20); 2亿 × 3.50% = 700万
])
def test_interest_lpr_lookup_by_year(catalog: Catalog, year: int, expected_wan: int) -> None:
    res = result(catalog, options=Options(year=year), major_project_loans="2亿", major_project_interest_year=1)
    assert clause(res, "major_project_interest") == ("granted", expected_wan * WAN, expected_wan * WAN)


def test_interest_lpr_after_the_confirmed_table_is_warned(catalog: Catalog) -> None:
    # 2026-12-31 is after the last confirmed release (2026-02-24): 3.50% is used, with a warning
    res = result(catalog, options=Options(year=2026), major_project_loans="2亿", major_project_interest_year=1)
    assert clause(res, "major_project_interest") == ("granted", 700 * WAN, 700 * WAN)
    assert any("lpr_5y" in w and "unconfirmed" in w for w in explain.warnings(res))


def test_interest_lpr_5y_given_in_the_profile(catalog: Catalog) -> None:
    # 2亿 × 3.10% = 620万
    res = result(catalog, major_project_loans="2亿", major_project_interest_year=1, lpr_5y="3.10%")
    assert clause(res, "major_project_interest") == ("granted", 620 * WAN, 620 * WAN)
    assert "lpr_5y = 3.10%: given in the profile" in explain.references(res)


def test_interest_year_3_eligible_year_4_not(catalog: Catalog) -> None:
    # 贴息期限不超过3年: 不超过 includes 3
    assert clause(result(catalog, major_project_loans="2亿", major_project_interest_year=3),
                  "major_project_interest") == ("granted", 720 * WAN, 720 * WAN)
    res = result(catalog, major_project_loans="2亿", major_project_interest_year=4)
    c = res.clause("major_project_interest")
    assert (c.status, c.amount) == ("not_eligible", 0)
    assert "(贴息期限不超过3年): is 4, must be ≤ 3" in explain.clause_explanation(c)  # (it read "4 ≤ 3")
    assert clause(result(catalog, major_project_loans="2亿", major_project_interest_year=0),
                  "major_project_interest") == ("not_eligible", 0, 0)


def test_interest_annual_cap_exactly_and_one_fen_over(catalog: Catalog) -> None:
    # 10亿 × 3.60% = 3600万 -> 3000万
    assert clause(result(catalog, major_project_loans="10亿", major_project_interest_year=1),
                  "major_project_interest") == ("capped", 3000 * WAN, 3600 * WAN)
    # 10亿 × 3.00% = 3000万 exactly
    assert clause(result(catalog, major_project_loans="10亿", major_project_interest_year=1, lpr_5y="3.00%"),
                  "major_project_interest") == ("granted", 3000 * WAN, 3000 * WAN)
    # 1,000,000,000.34 × 3.00% = 30,000,000.0102 -> 30,000,000.01 -> capped at 30,000,000.00
    assert clause(result(catalog, major_project_loans="1000000000.34", major_project_interest_year=1, lpr_5y="3.00%"),
                  "major_project_interest") == ("capped", 3000 * WAN, 3000 * WAN + 1)


# ---------------------------------------------------------------- first_trial_product: per unit min(cost, 50万), 200万/yr


def test_first_trial_per_unit_cap_then_annual_cap(catalog: Catalog) -> None:
    # units 30万, 60万, 80万, 50万, 45万 -> min(cost, 50万) = 30 + 50 + 50 + 50 + 45 = 225万 -> 200万/yr
    # raw (before caps) = 30 + 60 + 80 + 50 + 45 = 265万
    res = result(catalog, first_trial_unit_costs=["30万", "60万", "80万", "50万", "45万"],
                 first_trial_prior_funding=False)
    assert clause(res, "first_trial_product") == ("capped", 200 * WAN, 265 * WAN)
    caps = {(c.kind, c.clause): c for c in res.caps}
    item, annual = caps[("item", "first_trial_product")], caps[("clause", "first_trial_product")]
    assert (item.limit, item.before, item.after) == (50 * WAN, 265 * WAN, 225 * WAN)
    assert (annual.limit, annual.before, annual.after) == (200 * WAN, 225 * WAN, 200 * WAN)
    assert "2 unit(s) cut" in explain.clause_explanation(res.clause("first_trial_product"))


def test_first_trial_under_both_caps(catalog: Catalog) -> None:
    # 10万 + 20万 = 30万
    res = result(catalog, first_trial_unit_costs=["10万", "20万"], first_trial_prior_funding=False)
    assert clause(res, "first_trial_product") == ("granted", 30 * WAN, 30 * WAN)


def test_first_trial_unit_exactly_50wan_and_one_fen_over(catalog: Catalog) -> None:
    assert clause(result(catalog, first_trial_unit_costs=["50万"], first_trial_prior_funding=False),
                  "first_trial_product") == ("granted", 50 * WAN, 50 * WAN)
    assert clause(result(catalog, first_trial_unit_costs=["500000.01"], first_trial_prior_funding=False),
                  "first_trial_product") == ("capped", 50 * WAN, 50 * WAN + 1)


def test_first_trial_annual_cap_exactly_and_one_fen_over(catalog: Catalog) -> None:
    # 4 × 50万 = 200万 exactly; one more unit costing 0.01 -> 200万 + 1 fen -> 200万
    four = ["50万"] * 4
    assert clause(result(catalog, first_trial_unit_costs=four, first_trial_prior_funding=False),
                  "first_trial_product") == ("granted", 200 * WAN, 200 * WAN)
    assert clause(result(catalog, first_trial_unit_costs=[*four, "0.01"], first_trial_prior_funding=False),
                  "first_trial_product") == ("capped", 200 * WAN, 200 * WAN + 1)


def test_first_trial_prior_funding_is_not_eligible(catalog: Catalog) -> None:
    res = result(catalog, first_trial_unit_costs=["30万"], first_trial_prior_funding=True)
    assert clause(res, "first_trial_product") == ("not_eligible", 0, 0)


def test_first_trial_prior_funding_unknown_is_missing_input(catalog: Catalog) -> None:
    c = result(catalog, first_trial_unit_costs=["30万"]).clause("first_trial_product")
    assert (c.status, c.missing) == ("missing_input", ("first_trial_prior_funding",))


# ---------------------------------------------------------------- the 高精尖 one-direction notice


def test_one_clause_with_an_amount_no_notice(catalog: Catalog) -> None:
    assert not notice_shown(result(catalog, breakthrough_investment="1200万", revenue="2亿"))


def test_two_clauses_with_amounts_show_the_one_direction_notice(catalog: Catalog) -> None:
    # 1200万 + 1亿 × 5% = 500万: two clauses carry amounts
    res = result(catalog, breakthrough_investment="1200万", chain_contract_amount="1亿", chain_first_included=True)
    assert res.total == 1700 * WAN
    assert notice_shown(res)


# ---------------------------------------------------------------- validity and targeting


def test_validity_end_unknown_is_warned(catalog: Catalog) -> None:
    res = result(catalog, breakthrough_investment="1200万")
    assert any("Validity end not confirmed" in w and "2023—2025" in w for w in explain.warnings(res))


def test_year_before_issue_is_expired(catalog: Catalog) -> None:
    res = result(catalog, options=Options(year=2022), breakthrough_investment="1200万")
    assert {c.status for c in res.clauses} == {"expired"} and res.total == 0


def test_software_firm_is_not_targeted(catalog: Catalog) -> None:
    res = result(catalog, industries=["software"], breakthrough_investment="1200万", revenue="2亿")
    assert res.targeted is False
    assert {c.status for c in res.clauses} == {"not_eligible"}
    assert any("targets robotics" in w for w in explain.warnings(res))


# ---------------------------------------------------------------- samples


def _schema() -> dict:
    return json.loads((ROOT / "schema" / "result.schema.json").read_text(encoding="utf-8"))


def test_sample_beijing_robot_maker(catalog: Catalog) -> None:
    profile = api.load_company(ROOT / "samples" / "beijing-robot-maker.toml", catalog)
    (res,) = api.calculate(profile, api.policies_for(profile, catalog), catalog)
    # key_tech 1200万 (< 3000万) + interest 2亿 × 3.60% = 720万 + chain 8000万 × 5% = 400万
    # + first trial min(200万, 30 + 50 + 50 + 50 + 45 = 225万) = 200万  = 2520万, all up_to
    assert res.policy.id == PID
    assert clause(res, "key_tech_breakthrough") == ("granted", 1200 * WAN, 1200 * WAN)
    assert clause(res, "major_project_interest") == ("granted", 720 * WAN, 720 * WAN)
    assert clause(res, "chain_strengthening") == ("granted", 400 * WAN, 400 * WAN)
    assert clause(res, "first_trial_product") == ("capped", 200 * WAN, 265 * WAN)
    assert (res.total, res.total_exact, res.total_up_to) == (2520 * WAN, 0, 2520 * WAN)
    assert res.clause("enterprise_tech_center").status == "discretionary"  # 1.8亿 >= 1亿
    assert res.clause("specialized_scale_up").status == "discretionary"
    assert notice_shown(res)
    doc = document(profile.name, res.year, [res])
    jsonschema.validate(doc, _schema())
    assert doc["results"][0]["total"] == "25200000.00"


def test_sample_multi_industry_under_each_city(catalog: Catalog) -> None:
    profile = api.load_company(ROOT / "samples" / "multi-industry.toml", catalog)
    pids = ["nanchang-electronic-information-2023", "wuhan-east-lake-software-2023", PID]
    nanchang, wuhan, beijing = api.calculate(profile, [catalog.get(p) for p in pids], catalog)
    # Nanchang (LPR1y 3.10% on 2024-12-31): growth 5亿 − 3.8亿 = 1.2亿 >= 1亿;
    #   loan_interest 1.5亿 × 3.10% × 50% = 232.5万 -> 200万; equity_investment up to 200万;
    #   rd_post_subsidy_topup 150万 × 1 = 150万 (rd_expense 3000万 >= 2000万); major_tech_project 1 × 200万;
    #   smart_factory 600万 × 50% = 300万 + min(1200万 × 50%, 500万) = 500万 -> 800万; event 80万 × 50% = 40万;
    #   total 200 + 200 + 150 + 200 + 800 + 40 = 1590万 <= 5% × 4.8亿 = 2400万; exact 200 + 150 + 800 + 40 = 1190万
    assert (nanchang.total, nanchang.total_exact) == (1590 * WAN, 1190 * WAN)
    assert clause(nanchang, "loan_interest") == ("capped", 200 * WAN, 2_325_000 * 100)
    # Wuhan: 信创 800万 × 10% = 80万 (exact) + 新入规 50万 + 1 event × 300万 = 430万
    assert (wuhan.total, wuhan.total_exact) == (430 * WAN, 80 * WAN)
    # Beijing: key_tech min(5000万, 3000万) = 3000万 + benchmark 4000万 × 30% = 1200万 + first trial 20万 = 4220万
    assert (beijing.total, beijing.total_exact) == (4220 * WAN, 0)
    assert clause(beijing, "key_tech_breakthrough") == ("capped", 3000 * WAN, 5000 * WAN)
    assert beijing.clause("major_project_interest").status == "not_eligible"  # interest year 0
    assert notice_shown(beijing)
    for res in (nanchang, wuhan, beijing):
        assert res.targeted is True
        assert not [c.id for c in res.clauses if c.status == "missing_input"]
    jsonschema.validate(document(profile.name, 2024, [nanchang, wuhan, beijing]), _schema())


# ---------------------------------------------------------------- property (bounded)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=0, max_value=120 * WAN), min_size=1, max_size=8))
def test_first_trial_is_min_of_annual_cap_and_per_unit_caps(catalog: Catalog, costs_fen: list[int]) -> None:
    """首试首用 = min(200万, Σ min(制备成本, 50万)), whatever the units cost."""
    costs = [f"{c // 100}.{c % 100:02d}" for c in costs_fen]
    res = result(catalog, first_trial_unit_costs=costs, first_trial_prior_funding=False)
    expected = min(200 * WAN, sum(min(c, 50 * WAN) for c in costs_fen))
    c = res.clause("first_trial_product")
    assert c.amount == expected
    assert c.raw_amount == sum(costs_fen)


def test_key_tech_breakthrough_says_its_ceiling_is_an_interpretation(catalog: Catalog) -> None:
    """SPEC §7: up to min(investment, 3000万) — "say that this is an interpretation", in the output itself.

    1200万 invested: up to 1200万 (below the 3000万 per-project ceiling); the explanation (JSON, batch of one)
    and the table's notes both carry the INTERPRETATION sentence; a clause without an amount does not.
    """
    from nanchang_incentives.render.markdown import report_of

    res = result(catalog, breakthrough_investment="1200万")
    c = res.clause("key_tech_breakthrough")
    assert (c.status, c.amount) == ("granted", 1200 * WAN)
    text = explain.clause_explanation(c)
    assert "INTERPRETATION" in text and "min(investment, 3000万)" in text
    assert any(f.startswith("key_tech_breakthrough: INTERPRETATION: the text gives no rate")
               for f in report_of(res).footnotes)
    none = result(catalog, breakthrough_investment=0).clause("key_tech_breakthrough")
    assert none.status == "not_eligible" and "INTERPRETATION" not in explain.clause_explanation(none)
