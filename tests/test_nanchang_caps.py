"""Nanchang policy-wide rules: the rd exclusive group, the 5% company cap,
validity, defaults and the JSON form, all worked out by hand.

Source: sources/002_1ef662a3a919e830.txt, 三 (last paragraph) and 五; SPEC §3/§5.
Amounts are fen (1 yuan = 100 fen).
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanchang_incentives import api, explain
from nanchang_incentives.engine import Options, PolicyResult
from nanchang_incentives.profile import Profile, parse_values
from nanchang_incentives.render.json import document

CATALOG = api.load()
POLICY = CATALOG.get("nanchang-electronic-information-2023")
SCHEMA = Path(__file__).resolve().parent.parent / "schema" / "result.schema.json"

BASE: dict[str, object] = {
    "name": "Cap Test Co.",
    "jurisdiction": "nanchang",
    "year": 2024,
    "industries": ["electronic-information"],
    "is_new_entrant": False,
}


def yuan(text: str) -> int:
    """'1000000.01' -> 100000001 fen."""
    fen = Decimal(text) * 100
    assert fen == fen.to_integral_value(), text
    return int(fen)


def result(options: Options | None = None, **fields: object) -> PolicyResult:
    raw = {k: v for k, v in {**BASE, **fields}.items() if v is not None}
    return api.calculate(Profile(parse_values(raw, CATALOG.registry)), [POLICY], CATALOG, options or Options())[0]


def company_cap(r: PolicyResult):
    return next(c for c in r.caps if c.kind == "company_annual")


# ---------------------------------------------------------------- rd group (就高不就低)


def test_rd_group_keeps_the_highest_after_clause_caps() -> None:
    # si_led_rd 1000万 × 20% = 2,000,000.00
    # rd_post_subsidy_topup 1 × 500万 = 5,000,000.00 (rd_expense 2亿 ≥ 2000万)
    # rd_center 2亿 × 15% = 30,000,000.00 -> clause cap 20,000,000.00 (clause cap before the group)
    # highest: rd_center 20,000,000.00; the other two excluded, amount 0, raw kept
    r = result(sales_revenue="100亿", si_led_rd_expense="1000万", rd_expense="2亿",
               rd_post_subsidy_base="500万", revenue="30亿", rd_staff=150, has_rd_center=True)
    kept, a, b = r.clause("rd_center"), r.clause("si_led_rd"), r.clause("rd_post_subsidy_topup")
    assert (kept.status, kept.amount, kept.raw_amount) == ("capped", yuan("20000000.00"), yuan("30000000.00"))
    assert (a.status, a.amount, a.raw_amount) == ("excluded", 0, yuan("2000000.00"))
    assert (b.status, b.amount, b.raw_amount) == ("excluded", 0, yuan("5000000.00"))
    for loser in (a, b):
        assert "rd_center is higher" in explain.clause_explanation(loser)
    assert "kept over" in explain.clause_explanation(kept)
    assert r.total == yuan("20000000.00")


def test_rd_group_topup_wins_when_highest() -> None:
    # si_led_rd 1000万 × 20% = 2,000,000.00 < topup 1 × 300万 = 3,000,000.00;
    # rd_center not eligible (revenue 1亿 < 20亿, rd_staff 10 < 100)
    r = result(sales_revenue="100亿", si_led_rd_expense="1000万", rd_expense="2000万",
               rd_post_subsidy_base="300万", rd_staff=10, revenue="1亿")
    assert r.clause("rd_post_subsidy_topup").status == "granted"
    assert r.clause("rd_post_subsidy_topup").amount == yuan("3000000.00")
    assert r.clause("si_led_rd").status == "excluded"
    assert "rd_post_subsidy_topup is higher" in explain.clause_explanation(r.clause("si_led_rd"))
    assert r.clause("rd_center").status == "not_eligible"


def test_rd_group_tie_goes_to_the_first_in_table_order() -> None:
    # si_led_rd 1000万 × 20% = 2,000,000.00 = topup 1 × 200万 = 2,000,000.00:
    # equal, si_led_rd comes first (三(三) before 三(四)) and is kept
    r = result(sales_revenue="100亿", si_led_rd_expense="1000万", rd_expense="2000万",
               rd_post_subsidy_base="200万")
    first, second = r.clause("si_led_rd"), r.clause("rd_post_subsidy_topup")
    assert (first.status, first.amount) == ("granted", yuan("2000000.00"))
    assert (second.status, second.amount, second.raw_amount) == ("excluded", 0, yuan("2000000.00"))
    assert "si_led_rd" in explain.clause_explanation(second)
    assert "higher" not in explain.clause_explanation(second)  # a tie, not a higher amount
    assert r.total == yuan("2000000.00")


def test_si_led_sales_is_not_in_the_rd_group() -> None:
    # the sales reward is kept next to the R&D subsidy:
    # si_led_sales 1000万 × 10% = 1,000,000.00; si_led_rd 1000万 × 20% = 2,000,000.00
    r = result(sales_revenue="100亿", si_led_rd_expense="1000万", si_led_sales="1000万")
    assert r.clause("si_led_sales").status == "granted"
    assert r.clause("si_led_rd").status == "granted"
    assert r.total == yuan("3000000.00")


# ---------------------------------------------------------------- 5% company cap


def test_company_cap_binding_largest_remainder_on_the_last_fen() -> None:
    # clauses: neeq 1,000,000.00; event_attraction 1 × 500,000.00; major_tech_project 1 × 2,000,000.00
    # before = 3,500,000.00 = 350,000,000 fen
    # sales_revenue 20,000,000.20 × 5% = 1,000,000.01 = limit L = 100,000,001 fen
    # exact shares, amount × L / before (fen):
    #   neeq         100,000,000 × 100,000,001 / 350,000,000 = 200,000,002/7 = 28,571,428 + 6/7
    #   attraction    50,000,000 × …                          = 100,000,001/7 = 14,285,714 + 3/7
    #   tech project 200,000,000 × …                          = 400,000,004/7 = 57,142,857 + 5/7
    # floors sum to 99,999,999: 2 fen left, to the largest remainders 6/7 (neeq) and 5/7 (tech);
    # attraction (3/7) keeps its floor even though it comes before tech in the table.
    r = result(sales_revenue="20000000.2", neeq_listed=True, attracted_firms_scaled_up=1, major_tech_projects=1)
    got = {cid: r.clause(cid).amount for cid in ("neeq_listing", "event_attraction", "major_tech_project")}
    assert got == {"neeq_listing": 28_571_429, "event_attraction": 14_285_714, "major_tech_project": 57_142_858}
    assert sum(got.values()) == yuan("1000000.01")
    assert r.total == yuan("1000000.01")
    for cid in got:
        c = r.clause(cid)
        assert c.status == "capped"
        assert "company annual cap" in explain.clause_explanation(c)
    cap = company_cap(r)
    assert (cap.limit, cap.before, cap.after, cap.applied) == (yuan("1000000.01"), yuan("3500000.00"),
                                                              yuan("1000000.01"), True)
    assert "proportionally" in explain.company_cap(r.company_cap)


def test_company_cap_equal_remainders_go_in_table_order() -> None:
    # neeq 1,000,000.00 and event_attraction 2 × 500,000.00 = 1,000,000.00; before 2,000,000.00
    # limit 20,000,000.20 × 5% = 1,000,000.01: each share is 50,000,000 + 1/2 fen;
    # the one fen left goes to the first in table order (neeq_listing, 三(一) before 三(八))
    r = result(sales_revenue="20000000.2", neeq_listed=True, attracted_firms_scaled_up=2)
    assert r.clause("neeq_listing").amount == 50_000_001
    assert r.clause("event_attraction").amount == 50_000_000
    assert r.total == yuan("1000000.01")


def test_company_cap_after_clause_cap_and_group() -> None:
    # order: clause cap -> group -> company cap
    # rd_center 2亿 × 15% = 3000万 -> 2000万 (clause cap); kept over si_led_rd 1000万 × 20% = 200万
    # neeq 100万; before = 2000万 + 100万 = 21,000,000.00
    # limit: sales 2亿 × 5% = 10,000,000.00 = 1,000,000,000 fen
    #   rd_center 2,000,000,000 × 10/21 = 20,000,000,000/21 = 952,380,952 + 8/21
    #   neeq        100,000,000 × 10/21 =  1,000,000,000/21 =  47,619,047 + 13/21
    # floors sum 999,999,999: the last fen to neeq (13/21 > 8/21)
    r = result(sales_revenue="2亿", revenue="30亿", rd_expense="2亿", rd_staff=150, has_rd_center=True,
               si_led_rd_expense="1000万",
               neeq_listed=True)
    assert r.clause("rd_center").amount == 952_380_952
    assert r.clause("neeq_listing").amount == 47_619_048
    assert r.clause("si_led_rd").status == "excluded"
    assert r.total == yuan("10000000.00")
    cap = company_cap(r)
    assert (cap.before, cap.after) == (yuan("21000000.00"), yuan("10000000.00"))


def test_company_cap_exactly_at_limit_is_not_binding() -> None:
    # 2000万 × 5% = 1,000,000.00 = neeq 1,000,000.00: "不得超过" allows the limit itself
    r = result(sales_revenue="2000万", neeq_listed=True)
    assert (r.clause("neeq_listing").status, r.clause("neeq_listing").amount) == ("granted", yuan("1000000.00"))
    cap = company_cap(r)
    assert cap.applied is False
    assert cap.limit == yuan("1000000.00")
    assert "the counted clauses sum to exactly the limit, not above it: nothing cut" in explain.company_cap(r.company_cap)


def test_company_cap_one_fen_under_the_total_binds() -> None:
    # 19,999,999.80 × 5% = 999,999.99 < 1,000,000.00: neeq cut to 999,999.99
    r = result(sales_revenue="19999999.80", neeq_listed=True)
    c = r.clause("neeq_listing")
    assert (c.status, c.amount, c.raw_amount) == ("capped", yuan("999999.99"), yuan("1000000.00"))
    assert company_cap(r).applied is True


def test_company_cap_limit_is_rounded_down_never_above_five_percent() -> None:
    # 三, last paragraph: 累计奖补资金原则上不得超过企业销售收入（不含税）5% (SPEC: the sum ≤ 5% × sales_revenue).
    # 19,999,999.90 × 5% = 999,999.995: 1,000,000.00 would exceed it, so the limit is 999,999.99 and the
    # 100万 neeq award is cut by one fen
    r = result(sales_revenue="19999999.90", neeq_listed=True)
    assert company_cap(r).limit == yuan("999999.99")
    assert (r.clause("neeq_listing").status, r.clause("neeq_listing").amount) == ("capped", yuan("999999.99"))
    # exactly 5%: 20,000,000.00 × 5% = 1,000,000.00, not cut
    r = result(sales_revenue="20000000.00", neeq_listed=True)
    assert company_cap(r).limit == yuan("1000000.00")
    assert (r.clause("neeq_listing").status, r.clause("neeq_listing").amount) == ("granted", yuan("1000000.00"))
    # one fen more of sales: 999,999.995 + 0.0005 = 1,000,000.0005 -> limit 1,000,000.00
    r = result(sales_revenue="20000000.01", neeq_listed=True)
    assert company_cap(r).limit == yuan("1000000.00")


def test_company_cap_does_not_count_discretionary_clauses() -> None:
    # “一企一策”“一事一议”除外, and discretionary clauses carry no amount anyway:
    # limit 2000万 × 5% = 1,000,000.00; counted before the cap: neeq 1,000,000.00 only
    r = result(sales_revenue="2000万", neeq_listed=True, is_fortune500=True, project_in_production=True)
    assert r.clause("one_firm_one_policy").status == "discretionary"
    assert r.clause("case_by_case").status == "discretionary"
    assert r.clause("major_project_award").status == "discretionary"
    assert company_cap(r).before == yuan("1000000.00")


def test_company_cap_exempt_for_new_entrant() -> None:
    # 除新引入企业外: 100万 × 5% = 50,000.00 would cut neeq, but a new entrant is exempt
    r = result(sales_revenue="100万", neeq_listed=True, is_new_entrant=True)
    assert (r.clause("neeq_listing").status, r.clause("neeq_listing").amount) == ("granted", yuan("1000000.00"))
    cap = company_cap(r)
    assert cap.applied is False
    assert "新引入企业" in explain.company_cap(r.company_cap)
    assert any("not applied" in w for w in explain.warnings(r))


def test_company_cap_waived_for_key_support_area_is_a_user_assertion() -> None:
    # 重点支持领域可适当突破: waived on the profile's say-so, and the output says so
    r = result(sales_revenue="100万", neeq_listed=True, key_support_area=True)
    assert r.clause("neeq_listing").amount == yuan("1000000.00")
    cap = company_cap(r)
    assert cap.applied is False
    assert "waived" in explain.company_cap(r.company_cap)
    assert any("assertion" in w for w in explain.warnings(r))


def test_company_cap_unknown_when_sales_and_revenue_are_missing() -> None:
    r = result(neeq_listed=True)
    assert r.clause("neeq_listing").amount == yuan("1000000.00")
    cap = company_cap(r)
    assert cap.limit is None
    assert cap.applied is False
    assert "sales_revenue" in explain.company_cap(r.company_cap)
    assert any("not checked" in w for w in explain.warnings(r))


def test_sales_revenue_defaults_to_revenue_and_says_so() -> None:
    # no sales_revenue: revenue 19,999,999.80 stands in; × 5% = 999,999.99 < neeq 1,000,000.00
    r = result(revenue="19999999.80", neeq_listed=True)
    assert company_cap(r).limit == yuan("999999.99")
    assert r.clause("neeq_listing").amount == yuan("999999.99")
    assert "sales_revenue not given: revenue is used in its place" in explain.warnings(r)


def test_sales_revenue_given_is_used_over_revenue() -> None:
    r = result(revenue="100亿", sales_revenue="2000万", neeq_listed=True)
    assert company_cap(r).limit == yuan("1000000.00")
    assert not any("sales_revenue not given" in w for w in explain.warnings(r))


# ---------------------------------------------------------------- validity (五: 有效期至2025年12月31日)


@pytest.mark.parametrize("year", [2022, 2026])
def test_year_outside_validity_every_clause_expired(year: int) -> None:
    r = result(year=year, sales_revenue="100亿", neeq_listed=True, ipo_completed=True, major_tech_projects=2)
    assert {c.status for c in r.clauses} == {"expired"}
    assert all(c.amount == 0 and c.raw_amount == 0 for c in r.clauses)
    assert r.total == 0
    assert r.hypothetical is False
    # 2022: before the start; 2026: after the end, which names the end and the successor (SPEC 9.3)
    word = "outside the policy's validity" if year < 2023 else "it ended on 2025-12-31"
    assert any(word in w for w in explain.warnings(r))


def test_year_option_overrides_the_profile_year() -> None:
    r = result(Options(year=2026), sales_revenue="100亿", neeq_listed=True)
    assert r.year == 2026
    assert r.clause("neeq_listing").status == "expired"


@pytest.mark.parametrize("year", [2022, 2026])
def test_ignore_validity_computes_a_hypothetical_result(year: int) -> None:
    # neeq 1,000,000.00 + 2 × 2,000,000.00 up to = 5,000,000.00
    r = result(Options(ignore_validity=True), year=year, sales_revenue="100亿", neeq_listed=True,
               major_tech_projects=2)
    assert r.hypothetical is True
    assert r.clause("neeq_listing").status == "granted"
    assert r.total == yuan("5000000.00")
    assert any("HYPOTHETICAL" in w for w in explain.warnings(r))


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_covered_years(year: int) -> None:
    # issued 2023-10-10, in force to 2025-12-31; awards are paid after the year (事后奖补)
    r = result(year=year, sales_revenue="100亿", neeq_listed=True)
    assert r.clause("neeq_listing").amount == yuan("1000000.00")
    assert r.hypothetical is False
    assert not any("validity" in w for w in explain.warnings(r))


# ---------------------------------------------------------------- JSON (SPEC §8)


def test_json_of_a_capped_result_matches_the_schema_and_the_numbers() -> None:
    r = result(sales_revenue="20000000.2", neeq_listed=True, attracted_firms_scaled_up=1, major_tech_projects=1)
    doc = document("Cap Test Co.", 2024, [r])
    jsonschema.validate(doc, json.loads(SCHEMA.read_text(encoding="utf-8")))
    out = doc["results"][0]
    # amounts from test_company_cap_binding_largest_remainder_on_the_last_fen
    assert out["total"] == "1000000.01"
    # exact: neeq 285,714.29 + attraction 142,857.14 = 428,571.43; up_to: tech 571,428.58
    assert out["total_exact"] == "428571.43"
    assert out["total_up_to"] == "571428.58"
    by_id = {c["id"]: c for c in out["clauses"]}
    assert by_id["neeq_listing"]["amount"] == "285714.29"
    assert by_id["neeq_listing"]["raw_amount"] == "1000000.00"
    assert by_id["one_firm_one_policy"]["amount"] == "0.00"
    assert len(by_id) == 21


# ---------------------------------------------------------------- property: the cut is exact


@settings(max_examples=60, deadline=None)
@given(neeq=st.booleans(), firms=st.integers(0, 40), projects=st.integers(0, 10),
       settlement=st.integers(0, 10**10), sales=st.integers(0, 10**9))
def test_company_cap_cut_sums_to_the_limit_and_is_proportional(neeq: bool, firms: int, projects: int,
                                                              settlement: int, sales: int) -> None:
    # amounts before the cap, by hand: neeq 100万; firms × 50万; projects × 200万;
    # settlement fen (listed) × 0.5%: settlement fen / 200, half-up
    before = {
        "neeq_listing": 100_000_000 if neeq else 0,
        "event_attraction": firms * 50_000_000,
        "major_tech_project": projects * 200_000_000,
        "settlement": min((2 * settlement + 200) // 400, 2_000_000_000),
    }
    # limit: sales fen × 5% = sales / 20, rounded down (the sum may not exceed 5%)
    limit = sales // 20
    r = result(sales_revenue=f"{sales // 100}.{sales % 100:02d}", neeq_listed=neeq, attracted_firms_scaled_up=firms,
               major_tech_projects=projects, is_listed=True, settlement_sales=f"{settlement // 100}.{settlement % 100:02d}")
    got = {cid: r.clause(cid).amount for cid in before}
    total = sum(before.values())
    if total <= limit:
        assert got == before
        return
    assert sum(got.values()) == limit == r.total
    for cid, amount in before.items():
        share = Fraction(amount * limit, total)
        assert got[cid] in (math.floor(share), math.floor(share) + 1)
        assert got[cid] <= amount


@pytest.mark.parametrize("fields,options", [
    ({"neeq_listed": True}, Options()),  # cap unknown: limit null
    ({"year": 2026, "neeq_listed": True, "sales_revenue": "1亿"}, Options()),  # expired
    ({"year": 2026, "neeq_listed": True, "sales_revenue": "1亿"}, Options(ignore_validity=True)),  # hypothetical
    ({"industries": ["software"], "neeq_listed": True}, Options()),  # not targeted
    ({"sales_revenue": "100万", "neeq_listed": True, "key_support_area": True}, Options()),  # waived
])
def test_json_of_edge_results_matches_the_schema(fields: dict[str, object], options: Options) -> None:
    r = result(options, **fields)
    doc = document("Cap Test Co.", r.year, [r])
    jsonschema.validate(doc, json.loads(SCHEMA.read_text(encoding="utf-8")))
    ids = [c["id"] for c in doc["results"][0]["clauses"]]
    assert len(ids) == 21
    assert ids[0] == "one_firm_one_policy"
    assert ids[-1] == "industry_fund"


def test_company_cap_note_for_an_expired_year_says_not_applicable() -> None:
    # 2026 is outside 2023-10-10 … 2025-12-31: every clause expired, so the cap has nothing to
    # limit; the note must not claim it was checked ("not reached").
    r = result(Options(year=2026), neeq_listed=True, revenue="1亿")
    assert {c.status for c in r.clauses} == {"expired"}
    note = explain.company_cap(r.company_cap)
    assert "not applicable" in note and "not reached" not in note

