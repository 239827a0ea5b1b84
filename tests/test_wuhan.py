"""Policy `wuhan-east-lake-software-2023` (SPEC-wuhan-beijing.md §6), clause by clause.

Every expected figure is worked out by hand from the quoted sentence (source:
sources/000_b0675a43eee67fbd.txt, the seed report, and research-notes.md §2);
the arithmetic is in the comment next to it.  Amounts are in fen.
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

PID = "wuhan-east-lake-software-2023"
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cities"
WAN = 10_000 * 100  # 1万 yuan in fen
YI = 10_000 * WAN  # 1亿 yuan in fen

CLAUSE_IDS = [
    "scale_up_award", "major_project", "software_spin_off", "hq_relocation", "open_source_product",
    "open_source_platform", "xinchuang_solution", "software_park_core", "park_operator", "talent_onboarding",
    "new_scale_employment", "event_hosting", "student_contest", "software_fund",
]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return api.load()


def result(catalog: Catalog, options: Options | None = None, **fields: object) -> PolicyResult:
    """Evaluate a software firm in Wuhan East Lake (2024) with the given extra fields."""
    raw: dict[str, object] = {"name": "t", "jurisdiction": "wuhan-east-lake", "year": 2024,
                              "industries": ["software"]}
    raw.update(fields)
    profile = Profile(parse_values(raw, catalog.registry))
    (res,) = api.calculate(profile, [catalog.get(PID)], catalog, options or Options())
    return res


def clause(res: PolicyResult, cid: str) -> tuple[str, int, int]:
    c = res.clause(cid)
    return c.status, c.amount, c.raw_amount


# ---------------------------------------------------------------- the table itself


def test_every_clause_id_of_spec_section_6_in_order(catalog: Catalog) -> None:
    pol = catalog.get(PID)
    assert [c.id for c in pol.clauses] == CLAUSE_IDS
    assert pol.jurisdiction == "wuhan-east-lake"
    assert pol.industries == ("software",)
    assert str(pol.valid_from) == "2023-08-17" and pol.valid_until is None
    assert "2025-03" in pol.validity_note and "14" in pol.validity_note and "NOT encoded" in pol.validity_note
    assert pol.company_cap is not None and pol.company_cap.limit.text == "1亿"


def test_declares_exactly_the_spec_fields(catalog: Catalog) -> None:
    names = {f.name for f in catalog.get(PID).fields}
    assert names == {"key_software_field", "scale_milestone", "software_spin_off", "new_headquarters",
                     "paid_in_capital", "open_source_products", "open_source_platform_built",
                     "xinchuang_contract_non_hardware", "core_park_enterprise", "is_park_operator",
                     "newly_above_scale", "hosted_national_events", "hosted_student_contest"}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_quote_is_in_the_sources(catalog: Catalog) -> None:
    """Traceability: each quoted sentence occurs (up to the PDF's line breaks) in a source text."""
    sources = _squash((FIXTURES / "000_b0675a43eee67fbd.txt").read_text(encoding="utf-8")
                      + (FIXTURES / "research-notes.md").read_text(encoding="utf-8"))
    pol = catalog.get(PID)
    for c in pol.clauses:
        assert c.quote and _squash(c.quote) in sources, c.id
    assert pol.company_cap is not None and _squash(pol.company_cap.quote) in sources


def test_bases_follow_the_legal_language(catalog: Catalog) -> None:
    # 按照 X 的10%，给予最高 C -> exact; 最高 C with no rate -> up_to; 一事一议 / no figure -> discretionary
    basis = {c.id: c.basis for c in catalog.get(PID).clauses}
    assert {k for k, v in basis.items() if v == "exact"} == {"hq_relocation", "xinchuang_solution"}
    assert {k for k, v in basis.items() if v == "discretionary"} == {"major_project", "talent_onboarding",
                                                                      "software_fund"}


# ---------------------------------------------------------------- 规模提升


def test_scale_up_award_both_conditions_up_to_500wan(catalog: Catalog) -> None:
    # 单个企业每年最高500万元: ceiling 500万 = 500 × 1,000,000 fen
    res = result(catalog, key_software_field=True, scale_milestone=True)
    assert clause(res, "scale_up_award") == ("granted", 500 * WAN, 500 * WAN)
    assert res.clause("scale_up_award").basis == "up_to"
    assert "ceiling" in explain.clause_explanation(res.clause("scale_up_award"))


def test_scale_up_award_not_a_key_field_is_not_eligible(catalog: Catalog) -> None:
    res = result(catalog, key_software_field=False, scale_milestone=True)
    assert clause(res, "scale_up_award") == ("not_eligible", 0, 0)


def test_scale_up_award_milestone_missing_is_missing_input(catalog: Catalog) -> None:
    res = result(catalog, key_software_field=True)
    assert res.clause("scale_up_award").status == "missing_input"
    assert res.clause("scale_up_award").missing == ("scale_milestone",)


def test_major_project_is_discretionary_and_names_the_1yi_ceiling(catalog: Catalog) -> None:
    res = result(catalog)
    c = res.clause("major_project")
    assert (c.status, c.amount) == ("discretionary", 0)
    assert "1亿" in explain.clause_explanation(c) and "一事一议" in explain.clause_explanation(c)


def test_software_spin_off_up_to_200wan(catalog: Catalog) -> None:
    assert clause(result(catalog, software_spin_off=True), "software_spin_off") == ("granted", 200 * WAN, 200 * WAN)
    assert clause(result(catalog, software_spin_off=False), "software_spin_off") == ("not_eligible", 0, 0)


# ---------------------------------------------------------------- 突破性引进头部企业 (10% of paid-in capital, cap 500万)


def test_hq_relocation_ten_percent_of_paid_in_capital(catalog: Catalog) -> None:
    # 2000万 × 10% = 200万
    res = result(catalog, new_headquarters=True, paid_in_capital="2000万")
    assert clause(res, "hq_relocation") == ("granted", 200 * WAN, 200 * WAN)
    assert res.clause("hq_relocation").basis == "exact"


def test_hq_relocation_exactly_at_the_500wan_cap(catalog: Catalog) -> None:
    # 5000万 × 10% = 500万 = the cap: granted in full, not capped
    res = result(catalog, new_headquarters=True, paid_in_capital="5000万")
    assert clause(res, "hq_relocation") == ("granted", 500 * WAN, 500 * WAN)


def test_hq_relocation_one_fen_over_the_cap(catalog: Catalog) -> None:
    # 50,000,000.10 × 10% = 5,000,000.01 -> capped at 5,000,000.00
    res = result(catalog, new_headquarters=True, paid_in_capital="50000000.10")
    assert clause(res, "hq_relocation") == ("capped", 500 * WAN, 500 * WAN + 1)
    assert "clause cap" in explain.clause_explanation(res.clause("hq_relocation"))


def test_hq_relocation_not_a_new_headquarters(catalog: Catalog) -> None:
    res = result(catalog, new_headquarters=False, paid_in_capital="2000万")
    assert clause(res, "hq_relocation") == ("not_eligible", 0, 0)


def test_hq_relocation_is_one_off_and_its_cap_is_once_not_per_year(catalog: Catalog) -> None:
    # SPEC 9.1: 给予最高500万元落地奖励: a one-off award, claimed in the year the headquarters settles, capped
    # at 500万 once (the cap used to read "per year"): 8000万 × 10% = 800万 -> 500万, in the JSON as "once"
    res = result(catalog, new_headquarters=True, paid_in_capital="8000万")
    assert clause(res, "hq_relocation") == ("capped", 500 * WAN, 800 * WAN)
    c = catalog.get(PID).clause("hq_relocation")
    assert (c.frequency, c.cap_scope, c.cap_period) == ("once", "once", "once")
    assert "in the year" in catalog.registry["new_headquarters"].title
    out = {x["id"]: x for x in document("t", 2024, [res])["results"][0]["clauses"]}["hq_relocation"]
    assert (out["frequency"], out["cap_scope"]) == ("once", "once")


def test_cap_scopes_and_frequencies_follow_each_sentence(catalog: Catalog) -> None:
    # (frequency, clause cap scope) from each quoted sentence (SPEC 9.1): 每年 -> annual; 落地 / 剥离 / 新建 /
    # 入驻 / 新入规 / each product, event, contest -> once. Only hq_relocation and xinchuang_solution have a cap
    # beside a rate: 落地奖励 once; 每年择优支持…最高500万元 per year (the sentence's 每年)
    got = {c.id: (c.frequency.value, c.cap_period or None) for c in catalog.get(PID).clauses}
    assert got == {
        "scale_up_award": ("annual", None), "major_project": ("once", None), "software_spin_off": ("once", None),
        "hq_relocation": ("once", "once"), "open_source_product": ("once", None),
        "open_source_platform": ("once", None), "xinchuang_solution": ("annual", "year"),
        "software_park_core": ("once", None), "park_operator": ("annual", None),
        "talent_onboarding": ("once", None), "new_scale_employment": ("once", None),
        "event_hosting": ("once", None), "student_contest": ("once", None), "software_fund": ("annual", None),
    }


# ---------------------------------------------------------------- 重点突破


def test_open_source_product_per_product(catalog: Catalog) -> None:
    # 单个产品可获最高1000万元: 3 products × 1000万 = 3000万
    res = result(catalog, open_source_products=3)
    assert clause(res, "open_source_product") == ("granted", 3000 * WAN, 3000 * WAN)
    assert clause(result(catalog, open_source_products=0), "open_source_product") == ("not_eligible", 0, 0)


def test_open_source_platform_up_to_3000wan(catalog: Catalog) -> None:
    res = result(catalog, open_source_platform_built=True)
    assert clause(res, "open_source_platform") == ("granted", 3000 * WAN, 3000 * WAN)


def test_xinchuang_ten_percent_rounded_half_up(catalog: Catalog) -> None:
    # 1,234,567.85 × 10% = 123,456.785 -> half-up to the fen: 123,456.79
    res = result(catalog, xinchuang_contract_non_hardware="1,234,567.85")
    assert clause(res, "xinchuang_solution") == ("granted", 12_345_679, 12_345_679)
    assert "择优" in " ".join(res.clause("xinchuang_solution").notes)


def test_xinchuang_exactly_at_the_cap_and_one_fen_over(catalog: Catalog) -> None:
    # 5000万 × 10% = 500万 exactly; 50,000,000.10 × 10% = 5,000,000.01 -> 5,000,000.00
    assert clause(result(catalog, xinchuang_contract_non_hardware="5000万"),
                  "xinchuang_solution") == ("granted", 500 * WAN, 500 * WAN)
    assert clause(result(catalog, xinchuang_contract_non_hardware="50000000.10"),
                  "xinchuang_solution") == ("capped", 500 * WAN, 500 * WAN + 1)


# ---------------------------------------------------------------- 产业集聚, 要素保障, 开放交流


def test_park_and_employment_ceilings(catalog: Catalog) -> None:
    res = result(catalog, core_park_enterprise=True, is_park_operator=True, newly_above_scale=True)
    assert clause(res, "software_park_core") == ("granted", 500 * WAN, 500 * WAN)  # 最高500万
    assert clause(res, "park_operator") == ("granted", 100 * WAN, 100 * WAN)  # 每年最高100万
    assert clause(res, "new_scale_employment") == ("granted", 50 * WAN, 50 * WAN)  # 最高50万


def test_talent_and_fund_are_discretionary_for_software_firms(catalog: Catalog) -> None:
    res = result(catalog)
    assert res.clause("talent_onboarding").status == "discretionary"
    assert res.clause("software_fund").status == "discretionary"
    assert "not a grant" in explain.clause_explanation(res.clause("software_fund"))


def test_event_hosting_per_event(catalog: Catalog) -> None:
    # 最高给予300万元 per event: 2 events × 300万 = 600万
    res = result(catalog, hosted_national_events=2)
    assert clause(res, "event_hosting") == ("granted", 600 * WAN, 600 * WAN)
    assert clause(result(catalog, hosted_national_events=0), "event_hosting") == ("not_eligible", 0, 0)


def test_student_contest_up_to_100wan(catalog: Catalog) -> None:
    assert clause(result(catalog, hosted_student_contest=True), "student_contest") == ("granted", 100 * WAN, 100 * WAN)


# ---------------------------------------------------------------- the 1亿 company cap


def test_company_cap_exactly_1yi_is_not_cut(catalog: Catalog) -> None:
    # 7 products × 1000万 + platform 3000万 = 1亿 exactly: the cap is reached, not exceeded
    res = result(catalog, open_source_products=7, open_source_platform_built=True)
    assert res.total == YI
    assert clause(res, "open_source_product") == ("granted", 7000 * WAN, 7000 * WAN)
    cap = next(c for c in res.caps if c.kind == "company_annual")
    assert not cap.applied and cap.before == YI


def test_company_cap_one_fen_over_cuts_by_largest_remainder(catalog: Catalog) -> None:
    # counted, in clause order: hq 0.10 × 10% = 0.01 yuan = 1 fen; products 7e9 fen; platform 3e9 fen.
    # T = 10,000,000,001 fen, L = 10,000,000,000 fen; share = a × L / T:
    #   hq       1 × L / T          = 0.9999999999        -> 0, remainder 0.9999999999
    #   products 7e9 − 7e9 / T      = 6,999,999,999.30    -> 6,999,999,999, remainder 0.30
    #   platform 3e9 − 3e9 / T      = 2,999,999,999.70    -> 2,999,999,999, remainder 0.70
    # floors sum to 9,999,999,998: 2 fen go to the largest remainders, hq then platform.
    res = result(catalog, open_source_products=7, open_source_platform_built=True, new_headquarters=True,
                 paid_in_capital="0.10")
    assert clause(res, "hq_relocation")[:2] == ("granted", 1)
    assert clause(res, "open_source_product") == ("capped", 6_999_999_999, 7000 * WAN)
    assert clause(res, "open_source_platform") == ("granted", 3000 * WAN, 3000 * WAN)
    assert res.total == YI


def test_company_cap_binding_proportional_cut_sums_to_1yi(catalog: Catalog) -> None:
    # hq: 100万 × 10% = 10万 = 10,000,000 fen; products 9 × 1000万 = 9e9 fen; platform 3e9 fen.
    # T = 12,010,000,000 fen, L = 1e10 fen, L / T = 1 / 1.201:
    #   hq       1e7 / 1.201 = 8,326,394.671...     -> 8,326,394 (rem .671)
    #   products 9e9 / 1.201 = 7,493,755,203.997... -> 7,493,755,203 (rem .997)
    #   platform 3e9 / 1.201 = 2,497,918,401.332... -> 2,497,918,401 (rem .332)
    # floors: 9,999,999,998 -> 2 fen to the largest remainders: products, then hq.
    res = result(catalog, open_source_products=9, open_source_platform_built=True, new_headquarters=True,
                 paid_in_capital="100万")
    assert clause(res, "hq_relocation") == ("capped", 8_326_395, 10 * WAN)
    assert clause(res, "open_source_product") == ("capped", 7_493_755_204, 9000 * WAN)
    assert clause(res, "open_source_platform") == ("capped", 2_497_918_401, 3000 * WAN)
    # 8,326,395 + 7,493,755,204 + 2,497,918,401 = 10,000,000,000
    assert res.total == YI
    assert res.total_exact == 8_326_395
    cap = next(c for c in res.caps if c.kind == "company_annual")
    assert cap.applied and (cap.limit, cap.before, cap.after) == (YI, 12_010_000_000, YI)
    assert "largest remainder" in explain.company_cap(res.company_cap)
    assert "company annual cap" in explain.clause_explanation(res.clause("open_source_product"))


# ---------------------------------------------------------------- validity and targeting


def test_validity_end_unknown_is_warned_every_year(catalog: Catalog) -> None:
    res = result(catalog, options=Options(year=2026), software_spin_off=True)
    assert clause(res, "software_spin_off") == ("granted", 200 * WAN, 200 * WAN)
    assert any("Validity end not confirmed" in w and "2025-03" in w for w in explain.warnings(res))


def test_year_before_release_is_expired(catalog: Catalog) -> None:
    res = result(catalog, options=Options(year=2022), software_spin_off=True)
    assert {c.status for c in res.clauses} == {"expired"}
    assert res.total == 0
    assert any("outside the policy's validity" in w for w in explain.warnings(res))


def test_year_before_release_with_ignore_validity_is_hypothetical(catalog: Catalog) -> None:
    res = result(catalog, options=Options(year=2022, ignore_validity=True), software_spin_off=True)
    assert res.hypothetical
    assert clause(res, "software_spin_off") == ("granted", 200 * WAN, 200 * WAN)


def test_led_maker_is_not_targeted(catalog: Catalog) -> None:
    res = result(catalog, industries=["electronic-information", "led"], software_spin_off=True,
                 open_source_products=2)
    assert res.targeted is False
    assert {c.status for c in res.clauses} == {"not_eligible"}
    assert res.total == 0
    assert any("targets software" in w for w in explain.warnings(res))


# ---------------------------------------------------------------- the sample


def test_sample_wuhan_software_firm(catalog: Catalog) -> None:
    profile = api.load_company(ROOT / "samples" / "wuhan-software-firm.toml", catalog)
    (res,) = api.calculate(profile, api.policies_for(profile, catalog), catalog)
    # scale_up 500万 + hq 2000万 × 10% = 200万 + 1 product × 1000万 + 信创 123,456.79 (1,234,567.85 × 10%)
    # + software park 500万 + 2 events × 300万 = 600万 + student contest 100万
    # = 29,000,000.00 + 123,456.79 = 29,123,456.79; exact: 2,000,000.00 + 123,456.79 = 2,123,456.79
    assert res.policy.id == PID
    assert res.total == 2_912_345_679
    assert res.total_exact == 212_345_679
    assert res.total_up_to == 2_700_000_000
    statuses = {c.id: c.status for c in res.clauses}
    assert [k for k, v in statuses.items() if v == "not_eligible"] == [
        "software_spin_off", "open_source_platform", "park_operator", "new_scale_employment"]
    assert "missing_input" not in statuses.values()
    doc = json.loads(json.dumps(document(profile.name, res.year, [res]), ensure_ascii=False))
    schema = json.loads((ROOT / "schema" / "result.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)
    assert [c["id"] for c in doc["results"][0]["clauses"]] == CLAUSE_IDS
    assert doc["results"][0]["total"] == "29123456.79"


# ---------------------------------------------------------------- property (bounded)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(products=st.integers(min_value=0, max_value=12), platform=st.booleans(),
       capital_fen=st.integers(min_value=0, max_value=80_000 * WAN))
def test_company_cap_never_exceeded_and_cut_is_proportional(catalog: Catalog, products: int, platform: bool,
                                                            capital_fen: int) -> None:
    """Σ amounts = min(Σ before, 1亿); each clause keeps floor or floor + 1 fen of its proportional share."""
    res = result(catalog, open_source_products=products, open_source_platform_built=platform,
                 new_headquarters=True, paid_in_capital=f"{capital_fen // 100}.{capital_fen % 100:02d}")
    # before the company cap: 10% of capital, half-up to the fen, at most 500万; 1000万 per product; 3000万
    hq = min((capital_fen + 5) // 10, 500 * WAN)
    before = {"hq_relocation": hq, "open_source_product": products * 1000 * WAN,
              "open_source_platform": 3000 * WAN if platform else 0}
    total_before = sum(before.values())
    assert res.total == min(total_before, YI)
    for cid, amount in before.items():
        got = res.clause(cid).amount
        if total_before <= YI:
            assert got == amount
        else:
            floor = amount * YI // total_before
            assert floor <= got <= floor + 1


def test_xinchuang_says_it_is_awarded_by_selection(catalog: Catalog) -> None:
    """SPEC §6: xinchuang_solution is exact "; note that it is awarded by selection" — in the output itself.

    50,000,000.05 of non-hardware contract × 10% = 5,000,000.005 → 5,000,000.01 (half-up), capped at 500万 a year.
    """
    from nanchang_incentives.render.markdown import report_of

    res = result(catalog, xinchuang_contract_non_hardware="50,000,000.05")
    c = res.clause("xinchuang_solution")
    assert (c.status, c.amount, c.raw_amount) == ("capped", 500_000_000, 500_000_001)
    assert "awarded by selection (每年择优支持若干)" in explain.clause_explanation(c)
    assert any(f.startswith("xinchuang_solution: awarded by selection") for f in report_of(res).footnotes)


def test_a_result_with_an_amount_says_the_measures_are_east_lakes_only(catalog: Catalog, tmp_path: Path) -> None:
    # 所在地 = "武汉市" is read as 东湖高新区 (the policy's jurisdiction_names): a firm of 江汉区 that wrote the city
    # got East Lake's 500,000.00 with no word that the measures are the zone's only
    from typer.testing import CliRunner

    from nanchang_incentives.cli import app
    from nanchang_incentives.trace import NoticeKind

    def east_lake_notice(res: PolicyResult) -> list[str]:
        return [n.text for n in res.notices if n.kind == NoticeKind.POLICY_NOTICE and "东湖高新区 only" in n.text]

    assert catalog.registry["jurisdiction"].parse("武汉市") == "wuhan-east-lake"
    granted = result(catalog, hosted_student_contest=True)
    assert granted.total == 100 * WAN and len(east_lake_notice(granted)) == 1
    assert "a company registered elsewhere in Wuhan (江汉区, 洪山区 or any other district) is not covered" in (
        east_lake_notice(granted)[0])
    assert east_lake_notice(result(catalog)) == []  # nothing granted: nothing to warn of
    src = tmp_path / "c.csv"
    src.write_text("企业名称,所在地,年度,行业,大学生创新创业大赛\n江汉软件有限公司,武汉市,2024,软件,是\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv")], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "东湖高新区 only: these are the measures of 武汉东湖新技术开发区 (光谷)" in " ".join(res.output.split())
