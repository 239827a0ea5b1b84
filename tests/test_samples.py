"""The Nanchang samples, computed by hand from the policy text (洪府发〔2023〕30号, section 三).

Every expected figure below is worked out in the comment next to it from the
sentence of the policy it applies; the program's output is only compared with
it. Money is in yuan with two places (the JSON form); LPR 1y on 2024-12-31 is
3.10% (the quote of 2024-10-21, in force until the change of 2025-05-20: see
policies/reference/lpr.toml), so loan_interest uses 50% × 3.10% = 1.55%.

The edge tests at the end move one sample's input to exactly a threshold or a
cap, and one fen (or one unit) past it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nanchang_incentives import api, explain
from nanchang_incentives.engine import Options, PolicyResult
from nanchang_incentives.money import format_fen, parse_money
from nanchang_incentives.profile import Profile

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
POLICY = "nanchang-electronic-information-2023"
NANCHANG_SAMPLES = ("nanchang-si-led-maker", "nanchang-mobile-odm", "nanchang-vr-studio", "nanchang-small-firm-capped")

DISCRETIONARY = ("one_firm_one_policy", "case_by_case", "innovation_platform", "supply_chain_platform",
                 "talent_and_jobs", "industry_fund")


@pytest.fixture(scope="module")
def catalog():
    return api.load()


def profile_of(name: str, catalog) -> Profile:
    return api.load_company(SAMPLES / f"{name}.toml", catalog)


def run(profile: Profile, catalog, **options) -> PolicyResult:
    [result] = api.calculate(profile, [catalog.get(POLICY)], catalog, Options(**options))
    return result


def figures(result: PolicyResult) -> dict[str, tuple[str, str, str]]:
    """clause id -> (status, raw_amount, amount) in the JSON form."""
    return {c.id: (c.status, format_fen(c.raw_amount), format_fen(c.amount)) for c in result.clauses}


def totals(result: PolicyResult) -> tuple[str, str, str]:
    return format_fen(result.total), format_fen(result.total_exact), format_fen(result.total_up_to)


def company_cap(result: PolicyResult):
    return next(cap for cap in result.caps if cap.kind == "company_annual")


# ---------------------------------------------------------------- the samples as files


@pytest.mark.parametrize("name", NANCHANG_SAMPLES)
def test_sample_starts_with_a_comment_and_loads(name: str, catalog) -> None:
    text = (SAMPLES / f"{name}.toml").read_text(encoding="utf-8")
    assert text.startswith("# ") and len(text.splitlines()[0]) > 20
    profile = profile_of(name, catalog)
    assert profile.get("jurisdiction") == "nanchang"
    assert profile.get("year") == 2024
    result = run(profile, catalog)
    # every field the clauses read is given: nothing is missing_input, no default stands in silently
    assert [c.id for c in result.clauses if c.status == "missing_input"] == []
    assert not any("not given" in w for w in explain.warnings(result))
    assert result.targeted is True and not result.hypothetical


# ---------------------------------------------------------------- nanchang-si-led-maker


def test_si_led_maker_every_clause(catalog) -> None:
    result = run(profile_of("nanchang-si-led-maker", catalog), catalog)
    got = figures(result)
    expected = {
        # 三(一) growth 32亿 − 29.5亿 = 2.5亿 ≥ 1亿; 86,400,000 × 50% × 3.10% = 86,400,000 × 0.0155
        # = 1,339,200.00 ≤ 200万 cap
        "loan_interest": ("granted", "1339200.00", "1339200.00"),
        # 三(三) 75,000,000 × 20% = 15,000,000.00, cut to 1000万 by the clause cap, then lost in group rd
        "si_led_rd": ("excluded", "15000000.00", "0.00"),
        # 三(三) 1,280,000,000 × 10% = 128,000,000.00 -> clause cap 1000万
        "si_led_sales": ("capped", "128000000.00", "10000000.00"),
        # 三(四) rd_expense 2.6亿 ≥ 2000万; 6,000,000 × 1 = 6,000,000.00 (≤ 2000万), lost in group rd
        "rd_post_subsidy_topup": ("excluded", "6000000.00", "0.00"),
        # 三(四) an R&D centre (has_rd_center), 32亿 ≥ 20亿, 2.6亿 ≥ 1亿, 420 ≥ 100: 260,000,000 × 15%
        # = 39,000,000.00 -> cap 2000万;
        # group rd (就高不就低): max(10,000,000, 6,000,000, 20,000,000) = rd_center
        "rd_center": ("capped", "39000000.00", "20000000.00"),
        # 三(四) 每项100-200万元: 2 projects × up to 2,000,000 = up to 4,000,000.00
        "major_tech_project": ("granted", "4000000.00", "4000000.00"),
        # 三(二) project of 12亿 ≥ 10亿, in production (自项目投产后): 适当奖励, no amount
        "major_project_award": ("discretionary", "0.00", "0.00"),
        # false flags, zero raised, no projects or events
        "ipo": ("not_eligible", "0.00", "0.00"),
        "neeq_listing": ("not_eligible", "0.00", "0.00"),
        "equity_investment": ("not_eligible", "0.00", "0.00"),
        "equity_refinancing": ("not_eligible", "0.00", "0.00"),
        "settlement": ("not_eligible", "0.00", "0.00"),
        "smart_factory": ("not_eligible", "0.00", "0.00"),
        "event_hosting": ("not_eligible", "0.00", "0.00"),
        "event_attraction": ("not_eligible", "0.00", "0.00"),
        **{cid: ("discretionary", "0.00", "0.00") for cid in DISCRETIONARY},
    }
    assert got == expected
    # exact: 1,339,200 + 10,000,000 + 20,000,000 = 31,339,200.00; up to: 4,000,000.00; total 35,339,200.00
    assert totals(result) == ("35339200.00", "31339200.00", "4000000.00")
    # 5% × 30亿 = 150,000,000.00 ≥ 35,339,200.00: not reached
    cap = company_cap(result)
    assert (cap.limit, cap.before, cap.after, cap.applied) == (15_000_000_000, 3_533_920_000, 3_533_920_000, False)
    assert any("2024-12-31" in ref and "3.10%" in ref for ref in explain.references(result))
    rd_center = result.clause("rd_center")
    assert "si_led_rd (10,000,000.00)" in explain.clause_explanation(rd_center)
    assert "rd_post_subsidy_topup (6,000,000.00)" in explain.clause_explanation(rd_center)


def test_si_led_maker_lpr_given_in_profile_overrides_the_table(catalog) -> None:
    profile = profile_of("nanchang-si-led-maker", catalog)
    result = run(profile.with_values(lpr_1y=catalog.registry["lpr_1y"].parse("3.45%")), catalog)
    # 86,400,000 × 50% × 3.45% = 86,400,000 × 0.01725 = 1,490,400.00
    assert figures(result)["loan_interest"] == ("granted", "1490400.00", "1490400.00")
    assert any("lpr_1y = 3.45%" in ref and "given in the profile" in ref for ref in explain.references(result))


# ---------------------------------------------------------------- nanchang-mobile-odm


def test_mobile_odm_every_clause(catalog) -> None:
    result = run(profile_of("nanchang-mobile-odm", catalog), catalog)
    got = figures(result)
    expected = {
        # growth 156亿 − 148亿 = 8亿 ≥ 1亿; 240,000,000 × 1.55% = 3,720,000.00 -> 200万 cap
        "loan_interest": ("capped", "3720000.00", "2000000.00"),
        # 三(二) China top-100 / listed: 3,685,000,000 × 0.5% = 18,425,000.00 ≤ 2000万
        "settlement": ("granted", "18425000.00", "18425000.00"),
        # its own R&D centre, 156亿 ≥ 20亿, 5.2亿 ≥ 1亿, 1800 ≥ 100: 520,000,000 × 15% = 78,000,000.00 -> 2000万
        "rd_center": ("capped", "78000000.00", "20000000.00"),
        # 3,500,000 × 1 = 3,500,000.00 < rd_center's 20,000,000.00: excluded (就高不就低)
        "rd_post_subsidy_topup": ("excluded", "3500000.00", "0.00"),
        # si_led_rd_expense 0: amount zero, not a group member with an amount
        "si_led_rd": ("not_eligible", "0.00", "0.00"),
        "si_led_sales": ("not_eligible", "0.00", "0.00"),
        # 1 × up to 2,000,000.00
        "major_tech_project": ("granted", "2000000.00", "2000000.00"),
        # 三(四) per project, 50%, 单个项目最高不超过500万元:
        #   12,600,000 × 50% = 6,300,000 -> 5,000,000; 6,800,000 × 50% = 3,400,000; 855,000 × 50% = 427,500
        #   raw 6,300,000 + 3,400,000 + 427,500 = 10,127,500.00; after 5,000,000 + 3,400,000 + 427,500 = 8,827,500.00
        "smart_factory": ("capped", "10127500.00", "8827500.00"),
        # 35亿 ≥ 10亿, in production
        "major_project_award": ("discretionary", "0.00", "0.00"),
        "ipo": ("not_eligible", "0.00", "0.00"),
        "neeq_listing": ("not_eligible", "0.00", "0.00"),
        "equity_investment": ("not_eligible", "0.00", "0.00"),
        "equity_refinancing": ("not_eligible", "0.00", "0.00"),
        "event_hosting": ("not_eligible", "0.00", "0.00"),
        "event_attraction": ("not_eligible", "0.00", "0.00"),
        **{cid: ("discretionary", "0.00", "0.00") for cid in DISCRETIONARY},
    }
    assert got == expected
    # exact 2,000,000 + 18,425,000 + 20,000,000 + 8,827,500 = 49,252,500.00; up to 2,000,000.00
    assert totals(result) == ("51252500.00", "49252500.00", "2000000.00")
    # 5% × 152亿 = 760,000,000.00: not reached
    cap = company_cap(result)
    assert (cap.limit, cap.applied) == (76_000_000_000, False)
    item = next(c for c in result.caps if c.kind == "item")
    assert (item.clause, item.before, item.after) == ("smart_factory", 1_012_750_000, 882_750_000)


# ---------------------------------------------------------------- nanchang-vr-studio


def test_vr_studio_every_clause(catalog) -> None:
    result = run(profile_of("nanchang-vr-studio", catalog), catalog)
    got = figures(result)
    expected = {
        # growth 1.65亿 − 1.2亿 = 4500万 < 1亿: not eligible, 5500万 short
        "loan_interest": ("not_eligible", "0.00", "0.00"),
        # 在“新三板”成功挂牌的，给予100万元奖励
        "neeq_listing": ("granted", "1000000.00", "1000000.00"),
        # 最高给予200万元奖励: up to 2,000,000.00
        "equity_investment": ("granted", "2000000.00", "2000000.00"),
        "equity_refinancing": ("not_eligible", "0.00", "0.00"),
        # rd_expense 2100万 ≥ 2000万: 840,000 × 1 = 840,000.00; the only rd-group member with an amount
        "rd_post_subsidy_topup": ("granted", "840000.00", "840000.00"),
        # revenue 1.65亿 < 20亿, rd 2100万 < 1亿, 65 < 100
        "rd_center": ("not_eligible", "0.00", "0.00"),
        "si_led_rd": ("not_eligible", "0.00", "0.00"),
        "si_led_sales": ("not_eligible", "0.00", "0.00"),
        # 三(八) 50% per event, 每项活动不超过100万元:
        #   2,360,000 × 50% = 1,180,000 -> 1,000,000; 423,000 × 50% = 211,500
        #   raw 1,180,000 + 211,500 = 1,391,500.00; after 1,000,000 + 211,500 = 1,211,500.00
        "event_hosting": ("capped", "1391500.00", "1211500.00"),
        # 每家企业50万元: 3 × 500,000 = 1,500,000.00
        "event_attraction": ("granted", "1500000.00", "1500000.00"),
        # not Fortune 500 and 8000万 < 10亿
        "major_project_award": ("not_eligible", "0.00", "0.00"),
        "ipo": ("not_eligible", "0.00", "0.00"),
        "settlement": ("not_eligible", "0.00", "0.00"),
        "major_tech_project": ("not_eligible", "0.00", "0.00"),
        "smart_factory": ("not_eligible", "0.00", "0.00"),
        **{cid: ("discretionary", "0.00", "0.00") for cid in DISCRETIONARY},
    }
    assert got == expected
    # exact 1,000,000 + 840,000 + 1,211,500 + 1,500,000 = 4,551,500.00; up to 2,000,000.00; total 6,551,500.00
    assert totals(result) == ("6551500.00", "4551500.00", "2000000.00")
    # 5% × 1.6亿 = 8,000,000.00 ≥ 6,551,500.00: not reached
    cap = company_cap(result)
    assert (cap.limit, cap.before, cap.applied) == (800_000_000, 655_150_000, False)
    loan = result.clause("loan_interest")
    assert [explain.shortfall(cd) for cd in loan.conditions] == ["55,000,000.00 short of 100,000,000.00"]


# ---------------------------------------------------------------- nanchang-small-firm-capped


def test_small_firm_company_cap_cuts_proportionally_with_largest_remainder(catalog) -> None:
    result = run(profile_of("nanchang-small-firm-capped", catalog), catalog)
    got = figures(result)
    # Before the company cap (fen):
    #   equity_investment  up to 2,000,000.00           = 200,000,000
    #   neeq_listing       100万                         = 100,000,000
    #   smart_factory      3,176,843.26 × 50% = 1,588,421.63 = 158,842,163
    #   event_hosting      376,500.20 × 50%   =   188,250.10 =  18,825,010
    #   sum T = 477,667,173 fen = 4,776,671.73
    # Limit: 5% × 31,844,478.20 = 1,592,223.91 = 159,222,391 fen = T / 3 exactly, so each share is a / 3:
    #   equity  200,000,000 / 3 = 66,666,666 rem 2/3
    #   neeq    100,000,000 / 3 = 33,333,333 rem 1/3
    #   smart   158,842,163 / 3 = 52,947,387 rem 2/3   (3 × 52,947,387 = 158,842,161)
    #   event    18,825,010 / 3 =  6,275,003 rem 1/3   (3 × 6,275,003 = 18,825,009)
    #   floors sum to 159,222,389: 2 fen left, to the two largest remainders (2/3): equity and smart
    expected = {
        "equity_investment": ("capped", "2000000.00", "666666.67"),
        "neeq_listing": ("capped", "1000000.00", "333333.33"),
        "smart_factory": ("capped", "1588421.63", "529473.88"),
        "event_hosting": ("capped", "188250.10", "62750.03"),
        # revenue 33,120,000 − 29,500,000 = 3,620,000 < 1亿
        "loan_interest": ("not_eligible", "0.00", "0.00"),
        # rd 260万 < 2000万 (top-up) and < 1亿 (centre)
        "rd_post_subsidy_topup": ("not_eligible", "0.00", "0.00"),
        "rd_center": ("not_eligible", "0.00", "0.00"),
        "si_led_rd": ("not_eligible", "0.00", "0.00"),
        "si_led_sales": ("not_eligible", "0.00", "0.00"),
        "ipo": ("not_eligible", "0.00", "0.00"),
        "equity_refinancing": ("not_eligible", "0.00", "0.00"),
        "settlement": ("not_eligible", "0.00", "0.00"),
        "major_project_award": ("not_eligible", "0.00", "0.00"),
        "major_tech_project": ("not_eligible", "0.00", "0.00"),
        "event_attraction": ("not_eligible", "0.00", "0.00"),
        **{cid: ("discretionary", "0.00", "0.00") for cid in DISCRETIONARY},
    }
    assert got == expected
    # 666,666.67 + 333,333.33 + 529,473.88 + 62,750.03 = 1,592,223.91 = the limit exactly
    # exact (neeq, smart, event) = 333,333.33 + 529,473.88 + 62,750.03 = 925,557.24; up to 666,666.67
    assert totals(result) == ("1592223.91", "925557.24", "666666.67")
    cap = company_cap(result)
    assert (cap.limit, cap.before, cap.after, cap.applied) == (159_222_391, 477_667_173, 159_222_391, True)
    assert "proportionally" in explain.company_cap(result.company_cap)
    assert "cut from 1,588,421.63 to 529,473.88" in explain.clause_explanation(result.clause("smart_factory"))


# ---------------------------------------------------------------- edges on the samples


def test_company_cap_exactly_at_the_limit_is_not_binding(catalog) -> None:
    profile = profile_of("nanchang-small-firm-capped", catalog)
    # 5% × 95,533,434.60 = 4,776,671.73 = the sum before the cap: 以内/不得超过 includes the limit
    result = run(profile.with_values(sales_revenue=parse_money("95,533,434.60")), catalog)
    got = figures(result)
    assert got["equity_investment"] == ("granted", "2000000.00", "2000000.00")
    assert got["neeq_listing"] == ("granted", "1000000.00", "1000000.00")
    assert got["smart_factory"] == ("granted", "1588421.63", "1588421.63")
    assert got["event_hosting"] == ("granted", "188250.10", "188250.10")
    assert totals(result)[0] == "4776671.73"
    assert company_cap(result).applied is False


def test_company_cap_one_fen_under_the_sum_takes_the_fen_from_the_largest_clause(catalog) -> None:
    profile = profile_of("nanchang-small-firm-capped", catalog)
    # 5% × 95,533,434.40 = 4,776,671.72 = T − 1 fen (T = 477,667,173 fen).
    # share_k = a_k × (T − 1) / T = a_k − a_k / T: floor a_k − 1 for each of the 4 clauses, remainder T − a_k;
    # floors sum to T − 4, so 3 fen go back to the three largest remainders, i.e. the three smallest a_k:
    # only the largest clause (equity_investment, 2,000,000.00) keeps its −1 fen.
    result = run(profile.with_values(sales_revenue=parse_money("95,533,434.40")), catalog)
    got = figures(result)
    assert got["equity_investment"] == ("capped", "2000000.00", "1999999.99")
    assert got["neeq_listing"] == ("granted", "1000000.00", "1000000.00")
    assert got["smart_factory"] == ("granted", "1588421.63", "1588421.63")
    assert got["event_hosting"] == ("granted", "188250.10", "188250.10")
    assert totals(result) == ("4776671.72", "2776671.73", "1999999.99")


def test_company_cap_not_applied_to_new_entrant_or_key_support_area(catalog) -> None:
    profile = profile_of("nanchang-small-firm-capped", catalog)
    # 除新引入企业外 / 重点支持领域可适当突破: the full 4,776,671.73 (sum above)
    for change, kind in (({"is_new_entrant": True}, "not applied"), ({"key_support_area": True}, "waived")):
        result = run(profile.with_values(**change), catalog)
        assert totals(result) == ("4776671.73", "2776671.73", "2000000.00")
        assert kind in explain.company_cap(result.company_cap)
        assert any("Company cap" in w for w in explain.warnings(result))


def test_loan_interest_growth_exactly_100m_is_eligible_and_one_fen_less_is_not(catalog) -> None:
    profile = profile_of("nanchang-vr-studio", catalog)
    # 增加1亿元以上 includes 1亿: 165,000,000 − 65,000,000 = 100,000,000; 15,000,000 × 1.55% = 232,500.00
    at = run(profile.with_values(revenue_prev=parse_money("6500万")), catalog)
    assert figures(at)["loan_interest"] == ("granted", "232500.00", "232500.00")
    # 165,000,000 − 65,000,000.01 = 99,999,999.99 < 1亿
    under = run(profile.with_values(revenue_prev=parse_money("65,000,000.01")), catalog)
    assert figures(under)["loan_interest"] == ("not_eligible", "0.00", "0.00")
    assert explain.shortfall(under.clause("loan_interest").conditions[0]) == "0.01 short of 100,000,000.00"


def test_settlement_exactly_at_cap_is_granted_and_one_fen_over_is_capped(catalog) -> None:
    profile = profile_of("nanchang-mobile-odm", catalog)
    # 4,000,000,000 × 0.5% = 20,000,000.00 = 每年不超过2000万元: granted in full
    at = run(profile.with_values(settlement_sales=parse_money("40亿")), catalog)
    assert figures(at)["settlement"] == ("granted", "20000000.00", "20000000.00")
    # 4,000,000,002 × 0.5% = 20,000,000.01: one fen over, cut to 20,000,000.00
    over = run(profile.with_values(settlement_sales=parse_money("4,000,000,002")), catalog)
    assert figures(over)["settlement"] == ("capped", "20000000.01", "20000000.00")


def test_smart_factory_project_exactly_at_the_per_project_cap_and_one_fen_over(catalog) -> None:
    profile = profile_of("nanchang-mobile-odm", catalog)
    # 10,000,000 × 50% = 5,000,000.00 = 单个项目最高不超过500万元: granted
    at = run(profile.with_values(smart_factory_investments=(parse_money("1000万"),)), catalog)
    assert figures(at)["smart_factory"] == ("granted", "5000000.00", "5000000.00")
    # 10,000,000.02 × 50% = 5,000,000.01 -> 5,000,000.00
    over = run(profile.with_values(smart_factory_investments=(parse_money("10,000,000.02"),)), catalog)
    assert figures(over)["smart_factory"] == ("capped", "5000000.01", "5000000.00")


def test_rd_center_thresholds_exactly_met_and_one_staff_short(catalog) -> None:
    profile = profile_of("nanchang-si-led-maker", catalog)
    # 达到20亿元以上 / 1亿元以上 / 100人以上 include the numbers: 100,000,000 × 15% = 15,000,000.00,
    # higher than si_led_rd's 10,000,000.00 and the top-up's 6,000,000.00: rd_center wins group rd
    at = profile.with_values(revenue=parse_money("20亿"), revenue_prev=parse_money("19亿"),
                             rd_expense=parse_money("1亿"), rd_staff=100)
    got = figures(run(at, catalog))
    assert got["rd_center"] == ("granted", "15000000.00", "15000000.00")
    assert got["si_led_rd"] == ("excluded", "15000000.00", "0.00")
    assert got["rd_post_subsidy_topup"] == ("excluded", "6000000.00", "0.00")
    # 99 staff < 100: rd_center not eligible; si_led_rd (capped at 10,000,000.00) beats the top-up
    for short in (at.with_values(rd_staff=99), at.with_values(has_rd_center=False)):
        # the same with no R&D centre (联合设立或独立设立研发中心): the rd group picks among the other two
        got = figures(run(short, catalog))
        assert got["rd_center"] == ("not_eligible", "0.00", "0.00")
        assert got["si_led_rd"] == ("capped", "15000000.00", "10000000.00")
        assert got["rd_post_subsidy_topup"] == ("excluded", "6000000.00", "0.00")
