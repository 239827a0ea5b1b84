"""`incentives compare`: one company evaluated in Nanchang, Wuhan East Lake and Beijing, side by side.

Every expected figure is worked out by hand from the policy texts (SPEC.md §5,
SPEC-wuhan-beijing.md §6–7); the arithmetic is in the comments.  Fiscal year
2024: the one-year LPR in force on 2024-12-31 is 3.10% and the five-year-and-above
LPR 3.60% (both published 2024-10-21, policies/reference/lpr.toml).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from nanchang_incentives import api, explain
from nanchang_incentives.cli import app
from nanchang_incentives.engine import Options
from nanchang_incentives.render.compare import bar_lengths, city_views, markdown, unlocks

ROOT = Path(__file__).resolve().parents[1]
FIX = Path(__file__).parent / "fixtures" / "compare"
TRI = FIX / "tri-city.toml"  # electronic-information + software + robotics: targeted in all three cities
EI_SW = FIX / "ei-software.toml"  # electronic-information + software: not a robotics firm
TESTVILLE = FIX / "policies"  # a fictional fourth jurisdiction, aaa-testville (biotech only)
SCHEMA = json.loads((ROOT / "schema" / "result.schema.json").read_text(encoding="utf-8"))

NANCHANG = "nanchang-electronic-information-2023"
WUHAN = "wuhan-east-lake-software-2023"
BEIJING = "beijing-robotics-2023"

runner = CliRunner()


def invoke(*args: str):
    """Run the CLI in-process, 200 columns wide, no colour."""
    return runner.invoke(app, ["compare", *args], env={"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})


def row_cells(output: str, first: str) -> list[str]:
    """The cells of the summary-table row whose first cell starts with the line ``first`` (lines joined).

    The first cell holds the city, its policy id and any note (NOT TARGETED, expired …).
    """
    rows: list[list[str]] = []
    found = False
    for line in output.splitlines():
        cells = [c.strip() for c in line.split("│")][1:-1]
        if found:
            if len(cells) != len(rows[0]):  # the rule under the row
                break
            rows.append(cells)
        elif cells and cells[0] == first:
            rows.append(cells)
            found = True
    if not rows:
        raise AssertionError(f"no table row for {first!r} in:\n{output}")
    return [" ".join(r[k] for r in rows if r[k]) for k in range(len(rows[0]))]


@pytest.fixture(scope="module")
def catalog():
    return api.load()


@pytest.fixture(scope="module")
def tri_json() -> dict:
    result = invoke(str(TRI), "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def tri_table() -> str:
    result = invoke(str(TRI))
    assert result.exit_code == 0, result.output
    return result.stdout


def by_id(result: dict) -> dict[str, dict]:
    return {c["id"]: c for c in result["clauses"]}


# ---------------------------------------------------------------- JSON: one entry per city


def test_json_has_one_result_per_city_in_default_order_and_validates(tri_json):
    jsonschema.validate(tri_json, SCHEMA)
    assert tri_json["company"] == "三城测试集团"
    assert tri_json["year"] == 2024
    assert [r["policy"] for r in tri_json["results"]] == [NANCHANG, WUHAN, BEIJING]
    assert [r["jurisdiction"] for r in tri_json["results"]] == ["nanchang", "wuhan-east-lake", "beijing"]
    for r in tri_json["results"]:
        assert r["targeted"] is True
        # every clause of each policy is listed, whatever its status (SPEC §8)
        assert len(r["clauses"]) == len(api.load().get(r["policy"]).clauses)


@pytest.mark.parametrize("sample", sorted((ROOT / "samples").glob("*.toml")), ids=lambda p: p.stem)
def test_every_sample_compares_to_schema_valid_json(sample):
    result = invoke(str(sample), "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, SCHEMA)
    assert [r["jurisdiction"] for r in doc["results"]] == ["nanchang", "wuhan-east-lake", "beijing"]
    for r in doc["results"]:  # total = exact + up to: discretionary clauses carry no amount
        assert Decimal(r["total"]) == Decimal(r["total_exact"]) + Decimal(r["total_up_to"])


def test_json_nanchang_company_cap_halves_every_counted_clause(tri_json):
    r = tri_json["results"][0]
    c = by_id(r)
    # loan_interest: growth 5亿 − 4亿 = 1亿 exactly, ≥ 1亿 (以上 includes it);
    #   1.2亿 × 50% × 3.10% = 120,000,000 × 0.0155 = 1,860,000.00 (< 200万 cap)
    assert c["loan_interest"]["raw_amount"] == "1860000.00"
    # smart_factory: 1000万 × 50% = 5,000,000.00 exactly at the 500万/project cap (kept);
    #   10,000,000.02 × 50% = 5,000,000.01, one fen over: cut to 5,000,000.00
    #   raw 10,000,000.01, after the item cap 10,000,000.00
    assert c["smart_factory"]["raw_amount"] == "10000000.01"
    # si_led_rd 2000万 × 20% = 4,000,000.00 beats rd_post_subsidy_topup 300万 × 1 = 3,000,000.00
    #   in the rd group (就高不就低): the top-up is excluded
    assert c["si_led_rd"]["raw_amount"] == "4000000.00"
    assert c["rd_post_subsidy_topup"]["status"] == "excluded"
    assert c["rd_post_subsidy_topup"]["amount"] == "0.00"
    # neeq 1,000,000.00; equity_investment up to 2,000,000.00
    # counted sum 1,860,000 + 10,000,000 + 4,000,000 + 1,000,000 + 2,000,000 = 18,860,000.00
    # company cap 5% × sales_revenue 188,600,000 = 9,430,000.00 = exactly half: every clause halves
    assert (c["loan_interest"]["amount"], c["smart_factory"]["amount"], c["si_led_rd"]["amount"],
            c["neeq_listing"]["amount"], c["equity_investment"]["amount"]) == (
        "930000.00", "5000000.00", "2000000.00", "500000.00", "1000000.00")
    assert all(c[k]["status"] == "capped" for k in ("loan_interest", "smart_factory", "si_led_rd", "neeq_listing",
                                                    "equity_investment"))
    cap = next(x for x in r["caps"] if x["kind"] == "company_annual")
    assert (cap["limit"], cap["before"], cap["after"], cap["applied"]) == (
        "9430000.00", "18860000.00", "9430000.00", True)
    # total 9,430,000.00; exact = all but equity_investment (up_to) = 9,430,000 − 1,000,000
    assert (r["total"], r["total_exact"], r["total_up_to"]) == ("9430000.00", "8430000.00", "1000000.00")


def test_json_wuhan_totals(tri_json):
    r = tri_json["results"][1]
    c = by_id(r)
    # hq_relocation: paid-in capital 4000万 × 10% = 4,000,000.00 (< 500万), exact
    # xinchuang_solution: 6000万 × 10% = 6,000,000.00, capped at 500万 -> 5,000,000.00, exact
    # open_source_product: 1 product × up to 1000万 = 10,000,000.00
    # event_hosting: 2 national events × up to 300万 = 6,000,000.00
    # new_scale_employment: newly above scale -> up to 500,000.00
    assert (c["hq_relocation"]["amount"], c["xinchuang_solution"]["raw_amount"], c["xinchuang_solution"]["amount"],
            c["open_source_product"]["amount"], c["event_hosting"]["amount"], c["new_scale_employment"]["amount"]) == (
        "4000000.00", "6000000.00", "5000000.00", "10000000.00", "6000000.00", "500000.00")
    assert c["xinchuang_solution"]["status"] == "capped"
    # exact 4,000,000 + 5,000,000 = 9,000,000.00; up to 10,000,000 + 6,000,000 + 500,000 = 16,500,000.00;
    # total 25,500,000.00, under the 1亿 per-company cap
    assert (r["total"], r["total_exact"], r["total_up_to"]) == ("25500000.00", "9000000.00", "16500000.00")
    assert not [x for x in r["caps"] if x["kind"] == "company_annual" and x["applied"]]


def test_json_beijing_totals(tri_json):
    r = tri_json["results"][2]
    c = by_id(r)
    # key_tech_breakthrough: up to min(2000万 invested, 3000万) = 20,000,000.00
    # benchmark_factory: 1.2亿 × 30% = 36,000,000.00, capped at 3000万 -> up to 30,000,000.00
    # major_project_interest: year 3 of 3 (不超过3年 includes 3): 2亿 × LPR5y 3.60% = 7,200,000.00 (< 3000万)
    # first_trial_product: per unit min(cost, 50万): 60万 -> 50万, 50万 (exactly at the cap), 30万
    #   = 1,300,000.00 (raw 1,400,000.00), under the 200万 annual cap
    assert (c["key_tech_breakthrough"]["amount"], c["benchmark_factory"]["raw_amount"],
            c["benchmark_factory"]["amount"], c["major_project_interest"]["amount"],
            c["first_trial_product"]["raw_amount"], c["first_trial_product"]["amount"]) == (
        "20000000.00", "36000000.00", "30000000.00", "7200000.00", "1400000.00", "1300000.00")
    # every Beijing amount is a ceiling: 20,000,000 + 30,000,000 + 7,200,000 + 1,300,000 = 58,500,000.00
    assert (r["total"], r["total_exact"], r["total_up_to"]) == ("58500000.00", "0.00", "58500000.00")
    assert c["enterprise_tech_center"]["status"] == "discretionary"  # revenue 5亿 ≥ 1亿
    # four clauses carry amounts: the 高精尖资金 one-direction-per-year notice is shown
    assert any("单个方向" in w for w in r["warnings"])


# ---------------------------------------------------------------- the table


def test_table_city_rows(tri_table):
    assert row_cells(tri_table, "nanchang") == [
        # SPEC 9.2: the exact total is a lower bound (equity_investment counted at its 200万 ceiling): see
        # test_exact_figures_cut_by_the_company_cap_are_shown_as_ranges
        f"nanchang {NANCHANG}", "up to 9,430,000.00", "at least 8,430,000.00 up to 9,430,000.00", "1,000,000.00", "5",
        # biggest after the cut: smart_factory 10,000,000.00 / 2, itself a lower bound
        "smart_factory at least 5,000,000.00",
        # the caps that bit: the per-project cap, the 5% company cap, the rd group
        ("smart_factory: 5,000,000.00 per project company cap 9,430,000.00 (cut 18,860,000.00 to 9,430,000.00) "
         "group rd (就高不就低): rd_post_subsidy_topup excluded")]
    assert row_cells(tri_table, "wuhan-east-lake") == [
        f"wuhan-east-lake {WUHAN}", "up to 25,500,000.00", "9,000,000.00", "16,500,000.00", "5",
        "open_source_product up to 10,000,000.00", "xinchuang_solution: 5,000,000.00 per year"]
    assert row_cells(tri_table, "beijing") == [
        f"beijing {BEIJING}", "up to 58,500,000.00", "0.00", "58,500,000.00", "4",
        "benchmark_factory up to 30,000,000.00",
        # 按照不超过建设项目投资的30%…最高3000万元: per construction project (SPEC 9.1)
        "benchmark_factory: 30,000,000.00 per project first_trial_product: 500,000.00 per unit"]


def test_exact_figures_cut_by_the_company_cap_are_shown_as_ranges(tri_json, tri_table):
    """SPEC 9.2 in compare as in calc: Nanchang's cap counted equity_investment at its 200万 ceiling, so every
    exact clause it cut is a lower bound, never shown as a certain figure.

    Run again with equity_investment at 0 (no stated minimum) and the others before the cap: 1,860,000 +
    1,000,000 + 4,000,000 + 10,000,000 = 16,860,000.00 > 9,430,000.00, cut again (largest remainder):
    loan_interest 9,430,000 × 1,860,000 / 16,860,000 = 1,040,320.2847 -> 1,040,320.28 (+1 fen: 1,040,320.29),
    neeq_listing 559,311.98, si_led_rd 2,237,247.92, smart_factory 5,593,119.81: sum 9,430,000.00.
    """
    c = by_id(tri_json["results"][0])
    assert tri_json["results"][0]["total_exact_max"] == "9430000.00"
    assert (c["loan_interest"]["amount_max"], c["neeq_listing"]["amount_max"], c["si_led_rd"]["amount_max"],
            c["smart_factory"]["amount_max"]) == ("1040320.29", "559311.98", "2237247.92", "5593119.81")
    flat = " ".join(tri_table.split())
    for cid, low, high in (("loan_interest (贷款利息补贴) 三(一)", "930,000.00", "1,040,320.29"),
                           ("neeq_listing (新三板挂牌奖励) 三(一)", "500,000.00", "559,311.98"),
                           ("si_led_rd (硅衬底LED技术研发补助) 三(三)", "2,000,000.00", "2,237,247.92")):
        assert f"{cid} capped exact at least {low} (up to {high})" in flat
    assert ("exact clauses: at least 8,430,000.00, up to 9,430,000.00 if the up-to awards are granted below "
            "their ceilings") in flat
    # Wuhan's 1亿 cap does not bind here: its exact total is certain, shown as one figure
    assert "total_exact_max" not in tri_json["results"][1]


def test_table_bar_chart(tri_table):
    # largest total 58,500,000.00 fills 40 characters (half-up):
    #   nanchang exact 8,430,000 × 40 / 58,500,000 = 5.76 -> 6; total 9,430,000 × 40 / 58,500,000 = 6.45 -> 6,
    #     but the non-zero up-to part shows one character
    #   wuhan exact 9,000,000 × 40 / 58,500,000 = 6.15 -> 6; total 25,500,000 × 40 / 58,500,000 = 17.4 -> 17
    #   beijing: no exact part, 40 up-to characters
    lines = tri_table.splitlines()
    bars = {line.split()[0]: [line.split()[1], " ".join(line.split()[2:])] for line in lines
            if line.split() and line.split()[0] in ("nanchang", "wuhan-east-lake", "beijing") and "│" not in line
            and ("█" in line or "░" in line)}
    assert bars["nanchang"] == ["█" * 6 + "░", "up to 9,430,000.00"]
    assert bars["wuhan-east-lake"] == ["█" * 6 + "░" * 11, "up to 25,500,000.00"]
    assert bars["beijing"] == ["░" * 40, "up to 58,500,000.00"]
    assert "█ exact ░ up to (ceiling)" in " ".join(tri_table.split())


def test_narrow_terminal_stacks_amounts_and_never_shortens_money():
    result = runner.invoke(app, ["compare", str(TRI)], env={"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"})
    assert result.exit_code == 0, result.output
    assert max(cell_len(line) for line in result.stdout.splitlines()) <= 80
    flat = " ".join(result.stdout.split())
    # the same hand-worked totals as test_json_*: stacked in one cell, never cut with "…"
    # Nanchang's exact total is a range (SPEC 9.2): "exact at least", the figure, "(up to …)" on three lines
    for text in ("total up to 9,430,000.00", "exact at least", "8,430,000.00", "(up to 9,430,000.00)", "up to 1,000,000.00",
                 "total up to 25,500,000.00", "exact 9,000,000.00", "up to 16,500,000.00",
                 "total up to 58,500,000.00", "exact 0.00", "up to 58,500,000.00"):
        assert text in flat
    assert "…" not in result.stdout


def test_bar_lengths_edges():
    assert bar_lengths(0, 0, 0) == (0, 0)
    assert bar_lengths(0, 0, 100) == (0, 0)
    assert bar_lengths(100, 100, 100) == (40, 0)
    assert bar_lengths(0, 100, 100) == (0, 40)
    # 1 fen of 40,000 fen: 0.001 of a character still shows one
    assert bar_lengths(1, 1, 40_000) == (1, 0)


def test_table_top_clauses_per_city(tri_table):
    flat = " ".join(tri_table.split())
    assert "Top clauses (5 of 5 with an amount)" in flat
    assert "Top clauses (4 of 4 with an amount)" in flat
    # Nanchang's list opens with its biggest clause after the cap, Beijing's with benchmark_factory
    assert "smart_factory (5G+智慧工厂补助) 三(四) capped exact at least 5,000,000.00 (up to 5,593,119.81)" in flat
    section = api.load().get(BEIJING).clause("benchmark_factory").section
    assert f"benchmark_factory (“机器人生产机器人”标杆工厂奖励) {section} capped up_to up to 30,000,000.00" in flat
    assert "Discretionary (no amount in the text): enterprise_tech_center, specialized_scale_up, robot_fund" in flat


def test_table_unlock_section_names_missing_fields_and_shortfalls():
    result = invoke(str(EI_SW))
    assert result.exit_code == 0, result.output
    flat = " ".join(result.stdout.split())
    assert "What would unlock more" in flat
    # Nanchang: revenue 5亿 − revenue_prev 4.2亿 = 80,000,000.00; the threshold is 1亿:
    #   100,000,000 − 80,000,000 = 20,000,000.00 short
    assert ("loan_interest 三(一) revenue growth (revenue − revenue_prev) ≥ 1亿: is 80,000,000.00, "
            "20,000,000.00 short of 100,000,000.00") in flat
    # rd_center: rd_staff 60, 100 − 60 = 40 short
    assert "full-time R&D staff ≥ 100: is 60, 40 short of 100" in flat
    # a clause not evaluated names the field to add and the ceiling of the text
    assert "settlement 三(二) add is_china_top100_electronics, is_fortune500, is_listed, settlement_sales " \
           "(at most 20,000,000.00 per year)" in flat
    # Wuhan: the profile gives none of its fields
    section = api.load().get(WUHAN).clause("hq_relocation").section
    assert f"hq_relocation {section} add new_headquarters, paid_in_capital" in flat


def test_table_not_targeted_statement_is_shown():
    result = invoke(str(EI_SW))
    assert result.exit_code == 0, result.output
    flat = " ".join(result.stdout.split())
    assert row_cells(result.stdout, "beijing")[0] == f"beijing {BEIJING} NOT TARGETED"
    assert row_cells(result.stdout, "beijing")[1] == "0.00"
    assert ("beijing: beijing-robotics-2023 targets robotics enterprises; 示例电子软件有限公司's industries are "
            "[electronic-information, software]: no clause applies, total 0.00") in flat
    assert "beijing / beijing-robotics-2023 not targeted: the policy is for robotics enterprises" in flat
    # Nanchang still applies: neeq 100万 + smart factory (1200万 × 50% = 600万 -> 500万) + 400万 × 50% = 200万
    #   + top-up 300万 × 1 + IPO up to 1000万 = 21,000,000.00; exact 11,000,000.00; cap 5% × 5亿 = 2500万 not reached
    assert row_cells(result.stdout, "nanchang")[1:5] == ["up to 21,000,000.00", "11,000,000.00", "10,000,000.00", "4"]


def test_json_not_targeted_is_false_with_every_clause_not_eligible():
    result = invoke(str(EI_SW), "--format", "json", "--cities", "beijing")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, SCHEMA)
    (r,) = doc["results"]
    assert r["targeted"] is False and r["total"] == "0.00"
    assert {c["status"] for c in r["clauses"]} == {"not_eligible"}


# ---------------------------------------------------------------- Markdown


def test_markdown():
    result = invoke(str(TRI), "--format", "markdown")
    assert result.exit_code == 0, result.output
    md = result.stdout
    assert md.startswith("# 三城测试集团: site comparison, fiscal year 2024\n")
    assert ("| wuhan-east-lake | wuhan-east-lake-software-2023 | up to 25,500,000.00 | 9,000,000.00 | 16,500,000.00 | 5 | "
            "open_source_product up to 10,000,000.00 | xinchuang_solution: 5,000,000.00 per year |  |") in md
    assert "beijing         " + "░" * 40 + " up to 58,500,000.00" in md
    assert ("| nanchang | nanchang-electronic-information-2023 | up to 9,430,000.00 | at least 8,430,000.00 (up to "
            "9,430,000.00 if the up-to awards are granted below their ceilings) | 1,000,000.00 | 5 | "
            "smart_factory at least 5,000,000.00 |") in md
    assert ("| `loan_interest` 贷款利息补贴 | 三(一) | capped | exact | at least 930,000.00 (up to 1,040,320.29 if "
            "the up-to awards are granted below their ceilings) |") in md
    assert ("exact clauses: at least 8,430,000.00, up to 9,430,000.00 if the up-to awards are granted below their "
            "ceilings") in md
    assert "## What would unlock more" in md
    assert "- `rd_center` (三(四)): annual revenue ≥ 20亿: is 500,000,000.00, 1,500,000,000.00 short of " \
           "2,000,000,000.00" in md


# ---------------------------------------------------------------- --cities, bad cities, exit codes


def test_cities_subset_keeps_the_order_given():
    result = invoke(str(TRI), "--format", "json", "--cities", "beijing, nanchang")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, SCHEMA)
    assert [r["policy"] for r in doc["results"]] == [BEIJING, NANCHANG]
    assert [r["total"] for r in doc["results"]] == ["58500000.00", "9430000.00"]


def test_cities_subset_table_has_only_those_rows():
    result = invoke(str(TRI), "--cities", "wuhan-east-lake")
    assert result.exit_code == 0, result.output
    assert row_cells(result.stdout, "wuhan-east-lake")[1] == "up to 25,500,000.00"
    with pytest.raises(AssertionError):
        row_cells(result.stdout, "nanchang")


@pytest.mark.parametrize("cities, suggestion", [
    ("nanchang,bejing", "beijing"),
    ("wuhan-east-lak3", "wuhan-east-lake"),
])
def test_unknown_city_exits_2_with_did_you_mean(cities, suggestion):
    result = invoke(str(TRI), "--cities", cities)
    assert result.exit_code == 2
    assert f'(did you mean "{suggestion}"?)' in result.stderr
    assert "jurisdictions: beijing, nanchang, wuhan-east-lake" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("cities, shown", [
    ("wuhan", ["wuhan-east-lake"]),            # an unambiguous prefix
    ("Nanchang", ["nanchang"]),                # case
    ("北京,武汉", ["beijing", "wuhan-east-lake"]),  # Chinese names, in the order given
])
def test_city_names_are_matched_like_every_other_name(cities, shown):
    result = invoke(str(TRI), "--cities", cities, "--format", "json")
    assert result.exit_code == 0, result.output
    import json
    assert [r["jurisdiction"] for r in json.loads(result.stdout)["results"]] == shown


def test_unknown_city_is_reported_before_the_profile_is_read():
    result = invoke(str(FIX / "no-such-file.toml"), "--cities", "shanghai")
    assert result.exit_code == 2
    assert "unknown policy or jurisdiction 'shanghai'" in result.stderr


def test_empty_cities_exits_2():
    result = invoke(str(TRI), "--cities", " , ")
    assert result.exit_code == 2
    assert "no city given" in result.stderr


def test_missing_profile_exits_1():
    result = invoke(str(FIX / "no-such-file.toml"))
    assert result.exit_code == 1
    assert "no-such-file.toml: file not found" in result.stderr


def test_bad_profile_value_exits_1(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nyear = 2024\nrevenue = "5亿美元"\n', encoding="utf-8")
    result = invoke(str(bad))
    assert result.exit_code == 1
    assert "bad.toml:3" in result.stderr and "'revenue'" in result.stderr


@pytest.mark.parametrize("args", [[], ["--format", "xml", str(TRI)], [str(TRI), "--no-such-option"]])
def test_usage_errors_exit_2(args):
    assert invoke(*args).exit_code == 2


# ---------------------------------------------------------------- validity


def test_year_outside_validity_is_expired_everywhere():
    # 2022 is before every policy's start (2023-10-10, 2023-08-17, 2023-08-16)
    result = invoke(str(TRI), "--year", "2022")
    assert result.exit_code == 0, result.output
    for city in ("nanchang", "wuhan-east-lake", "beijing"):
        assert row_cells(result.stdout, city)[1] == "—"  # not computed: not a total of 0.00
        assert row_cells(result.stdout, city)[0].endswith(" expired")


def test_ignore_validity_is_hypothetical():
    result = invoke(str(TRI), "--year", "2022", "--ignore-validity", "--format", "json", "--cities", "nanchang")
    assert result.exit_code == 0, result.output
    (r,) = json.loads(result.stdout)["results"]
    assert r["hypothetical"] is True
    # LPR1y on 2022-12-31: 3.65% (since 2022-08-22): 1.2亿 × 50% × 3.65% = 2,190,000.00 before caps,
    # over the 200万/year clause cap
    loan = by_id(r)["loan_interest"]
    assert loan["raw_amount"] == "2190000.00" and loan["status"] == "capped"
    table = invoke(str(TRI), "--year", "2022", "--ignore-validity", "--cities", "nanchang").stdout
    assert row_cells(table, "nanchang")[0] == f"nanchang {NANCHANG} HYPOTHETICAL"


# ---------------------------------------------------------------- the API and the shortfall edges


def test_default_cities_put_the_three_first_and_others_after(catalog):
    extended = api.load([TESTVILLE])
    assert api.default_cities(catalog) == ["nanchang", "wuhan-east-lake", "beijing"]
    # "aaa-testville" sorts first alphabetically, but comes after the three
    assert api.default_cities(extended) == ["nanchang", "wuhan-east-lake", "beijing", "aaa-testville"]
    result = invoke(str(EI_SW), "--policies-dir", str(TESTVILLE), "--format", "json")
    assert result.exit_code == 0, result.output
    assert [r["jurisdiction"] for r in json.loads(result.stdout)["results"]] == [
        "nanchang", "wuhan-east-lake", "beijing", "aaa-testville"]


def test_compare_ignores_the_profiles_own_jurisdiction(catalog):
    profile = api.load_company(TRI, catalog)  # located in beijing
    assert profile.get("jurisdiction") == "beijing"
    cmp = api.compare(profile, ["nanchang"], catalog)
    assert [r.policy.id for r in cmp.results] == [NANCHANG]
    assert cmp.results[0].total == 943_000_000  # fen: 9,430,000.00, as in the JSON test


def _nanchang(catalog, **changes):
    profile = api.load_company(EI_SW, catalog).with_values(**changes)
    comparison = api.compare(profile, ["nanchang"], catalog, Options())
    (r,) = comparison.results
    return r


def _unlocks(catalog, **changes):
    """compare's unlock lists, from the headroom api.compare computed (planning.headroom, as calc's)."""
    profile = api.load_company(EI_SW, catalog).with_values(**changes)
    comparison = api.compare(profile, ["nanchang"], catalog, Options())
    return unlocks(comparison.results[0], comparison.headroom[0])


def test_loan_interest_growth_exactly_1e8_is_granted_and_not_an_unlock(catalog):
    # revenue_prev 4亿: growth exactly 1亿 (以上 includes it);
    # 1亿 of loans × 50% × 3.10% = 1,550,000.00, under the 200万 cap
    r = _nanchang(catalog, revenue_prev=4_0000_0000 * 10_000)
    assert r.clause("loan_interest").status == "granted"
    assert r.clause("loan_interest").amount == 155_000_000
    assert "loan_interest" not in [u.clause for u in _unlocks(catalog, revenue_prev=4_0000_0000 * 10_000)[1]]


def test_loan_interest_growth_one_fen_short(catalog):
    # revenue_prev 4亿 + 0.01: growth 99,999,999.99, 0.01 short of 100,000,000.00
    (u,) = [u for u in _unlocks(catalog, revenue_prev=4_0000_0000 * 10_000 + 100)[1] if u.clause == "loan_interest"]
    # meeting it (planning.headroom): revenue one fen more, growth exactly 1亿;
    # loans 1亿 × 50% × 3.10% = 1,550,000.00 (under the 200万 cap), and nothing else moves
    assert u.text == ("revenue growth (revenue − revenue_prev) ≥ 1亿: is 99,999,999.99, "
                      "0.01 short of 100,000,000.00; if met: revenue 500,000,000.00 → 500,000,000.01 (+0.01): "
                      "loan_interest +1,550,000.00; net +1,550,000.00")


def test_presence_test_at_zero_is_not_a_threshold_to_unlock(catalog):
    # equity_investment_raised > 0 (引进……股权投资): 0 fails; the engine says "must be more than 0.00"
    # (not "0.00 short of 0.00"), and compare does not list it as a missed threshold
    r = _nanchang(catalog, equity_investment_raised=0)
    c = r.clause("equity_investment")
    assert c.status == "not_eligible"
    assert (c.conditions[0].left.value, explain.shortfall(c.conditions[0])) == (0, "must be more than 0.00")
    missing, short = _unlocks(catalog, equity_investment_raised=0)
    assert "equity_investment" not in [u.clause for u in short + missing]
    assert "equity_refinancing" in [u.clause for u in missing]


def test_rd_staff_one_short_is_the_only_rd_center_unlock(catalog):
    # rd_center: 20亿 revenue and 1亿 R&D met exactly; 99 staff, 1 short of 100
    (u,) = [u for u in _unlocks(catalog, revenue=20_0000_0000 * 10_000, revenue_prev=19_0000_0000 * 10_000,
                                rd_expense=1_0000_0000 * 10_000, rd_staff=99)[1] if u.clause == "rd_center"]
    # meeting it also needs has_rd_center (not given): rd_center 1亿 × 15% = 15,000,000.00 wins the rd group
    # over the post-subsidy top-up (300万 × 100% = 3,000,000.00): net 15,000,000 − 3,000,000 = 12,000,000.00
    assert u.text == ("full-time R&D staff ≥ 100: is 99, 1 short of 100; if met: has_rd_center: missing → true, "
                      "rd_staff 99 → 100 (+1): rd_post_subsidy_topup -3,000,000.00, rd_center +15,000,000.00; "
                      "group 'rd' winner changes from rd_post_subsidy_topup to rd_center; net +12,000,000.00")


def test_industries_missing_is_stated_not_hidden(catalog):
    profile = api.load_company(EI_SW, catalog).with_values(industries=None)
    views = city_views(api.compare(profile, ["beijing"], catalog))
    (v,) = views
    assert v.result.targeted is None
    assert v.statement == ("beijing: industries not given, so it is unknown whether beijing-robotics-2023 "
                           "(for robotics enterprises) applies: add industries = [\"robotics\"]")
    assert [u.text for u in v.missing] == ["add industries (this policy is for robotics enterprises)"]


def test_markdown_of_api_matches_cli(catalog):
    profile = api.load_company(TRI, catalog)
    text = markdown(api.compare(profile, [], catalog))
    assert text == invoke(str(TRI), "--format", "markdown").stdout


@pytest.mark.parametrize("width", range(40, 61))
def test_the_totals_chart_never_cuts_a_total(width: int) -> None:
    # the bars left two cells too few for the grid's padding: "up to 51,252,500.0" and "0.0" at 41-48 columns
    res = CliRunner().invoke(app, ["compare", "samples/nanchang-mobile-odm.toml", "--policies-dir",
                                   "tests/fixtures/compare/policies"], env={"COLUMNS": str(width)})
    chart = res.stdout.split("\nTotals\n", 1)[1].split("█ exact", 1)[0]
    assert "51,252,500.00" in chart and all(len(line) <= width for line in chart.splitlines()), chart
    assert not re.search(r"\d\.\d(?!\d)", chart), chart


@pytest.mark.parametrize(("name", "policy"), [
    ("南昌高新区", "nanchang-electronic-information-2023"), ("江西省南昌市", "nanchang-electronic-information-2023"),
    ("南昌县", "nanchang-electronic-information-2023"), ("北京市海淀区", "beijing-robotics-2023"),
    ("武汉东湖新技术开发区", "wuhan-east-lake-software-2023"), ("湖北省武汉市", "wuhan-east-lake-software-2023")])
def test_cities_and_policy_take_every_place_name_a_profile_takes(name, policy, tmp_path):
    # the README says --cities and --policy match names as a profile's jurisdiction does; these were exit 2
    # ("南昌高新区": did you mean "wuhan-east-lake"?)
    catalog = api.load()
    assert [p.id for p in api.resolve_policies([name], catalog, "--cities")] == [policy]
    (tmp_path / "c.toml").write_text(f'jurisdiction = "{name}"\nyear = 2024\n', encoding="utf-8")
    profile = api.load_profile(tmp_path / "c.toml", catalog.registry)
    assert [p.id for p in api.policies_for(profile, catalog)] == [policy]


def test_a_wuhan_district_given_as_a_city_is_told_the_measures_are_east_lake_s_only():
    from nanchang_incentives.errors import OptionError

    with pytest.raises(OptionError) as info:
        api.resolve_policies(["武汉市江汉区"], api.load(), "--cities")
    text = str(info.value)
    assert "the Wuhan measures cover 东湖高新区 (光谷) only" in text and "did you mean" not in text
