"""`incentives batch`: figures worked out by hand, the budget view, layouts, formats and encodings.

The fixture tests/fixtures/batch/companies-utf8.csv (and its GBK and BOM copies)
holds eleven companies; each figure below is worked out from the policy text
(SPEC §5-§7), in the comment next to it.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from nanchang_incentives import api
from nanchang_incentives.batch import BatchOptions, run_batch
from nanchang_incentives.profile import Profile, parse_values
from nanchang_incentives.render.json import result_dict

FIX = Path(__file__).parent / "fixtures" / "batch"
NANCHANG = "nanchang-electronic-information-2023"
WUHAN = "wuhan-east-lake-software-2023"
BEIJING = "beijing-robotics-2023"


@pytest.fixture(scope="module")
def catalog():
    return api.load()


def read_csv(path: Path, encoding: str = "utf-8-sig") -> list[dict[str, str]]:
    with open(path, newline="", encoding=encoding) as f:
        return list(csv.DictReader(f))


def wide(rows: list[dict[str, str]]) -> dict[int, dict[str, str]]:
    return {int(r["row"]): r for r in rows}


@pytest.fixture(scope="module")
def hand(catalog, tmp_path_factory) -> dict[int, dict[str, str]]:
    out = tmp_path_factory.mktemp("hand") / "results.csv"
    report = run_batch(FIX / "companies-utf8.csv", out, catalog)
    assert (report.rows, report.good_rows, report.bad_rows, report.output_rows) == (11, 11, 0, 11)
    return wide(read_csv(out))


# ---------------------------------------------------------------- figures by hand


def test_loan_interest_growth_above_100m_uses_lpr_at_2024_year_end(hand):
    # row 1: growth 3亿 − 1.8亿 = 1.2亿 ≥ 1亿; LPR1y on 2024-12-31 = 3.10% (published 2024-10-21);
    # 5000万 × 3.10% × 50% = 50,000,000 × 0.0155 = 775,000.00 (< the 200万 cap)
    r = hand[1]
    assert (r["loan_interest"], r["loan_interest_status"]) == ("775000.00", "granted")
    assert (r["total"], r["total_exact"], r["total_up_to"]) == ("775000.00", "775000.00", "0.00")
    # the company cap: sales_revenue defaults to revenue, 5% × 3亿 = 1500万 > 775,000: not reached
    assert r["company_cap"] == "not_reached"


def test_loan_interest_growth_exactly_100m_is_eligible_and_clause_capped(hand):
    # row 2: growth 200,000,000 − 1亿 = 1亿 exactly (以上 includes it); 2亿 × 1.55% = 3,100,000.00 → cap 2,000,000.00
    assert (hand[2]["loan_interest"], hand[2]["loan_interest_status"]) == ("2000000.00", "capped")


def test_loan_interest_growth_one_fen_short_is_not_eligible(hand):
    # row 9: growth 199,999,999.99 − 100,000,000 = 99,999,999.99 < 1亿
    assert (hand[9]["loan_interest"], hand[9]["loan_interest_status"]) == ("0.00", "not_eligible")


def test_company_cap_proportional_cut_with_largest_remainder(hand):
    # row 3: 5% × 1000万 = 500,000.00 = 50,000,000 fen; before: neeq 100万 + equity 200万 = 300,000,000 fen
    # neeq   100,000,000 × 50,000,000 / 300,000,000 = 16,666,666.67 → 16,666,666 (remainder 2/3)
    # equity 200,000,000 × 50,000,000 / 300,000,000 = 33,333,333.33 → 33,333,333 (remainder 1/3)
    # floors sum to 49,999,999: the last fen goes to the larger remainder (neeq) → 166,666.67 + 333,333.33
    r = hand[3]
    assert r["name"] == "南昌丙科技, 有限公司"
    assert (r["neeq_listing"], r["neeq_listing_status"]) == ("166666.67", "capped")
    assert (r["equity_investment"], r["equity_investment_status"]) == ("333333.33", "capped")
    assert (r["total"], r["total_exact"], r["total_up_to"]) == ("500000.00", "166666.67", "333333.33")
    assert r["company_cap"] == "applied"


def test_company_cap_exactly_reached_is_not_binding(hand):
    # row 10: 5% × 6000万 = 300万 = neeq 100万 + equity 200万: nothing is cut
    r = hand[10]
    assert (r["neeq_listing_status"], r["equity_investment_status"], r["company_cap"]) == \
        ("granted", "granted", "not_reached")
    assert r["total"] == "3000000.00"


def test_company_cap_one_fen_over_cuts_one_fen(hand):
    # row 11: 5% × 59,999,999.80 = 2,999,999.99 (299,999,999 fen) < 300,000,000 fen
    # neeq 100,000,000 × 299,999,999 / 300,000,000 = 99,999,999.67 → floor 99,999,999, remainder 2/3
    # equity 200,000,000 × … = 199,999,999.33 → floor 199,999,999, remainder 1/3; the spare fen goes to neeq
    r = hand[11]
    assert (r["neeq_listing"], r["neeq_listing_status"]) == ("1000000.00", "granted")
    assert (r["equity_investment"], r["equity_investment_status"]) == ("1999999.99", "capped")
    assert r["total"] == "2999999.99"


def test_exclusive_group_keeps_the_highest_and_new_entrant_is_exempt(hand):
    # row 4: si_led_rd 2000万 × 20% = 400万; top-up 300万 × 100% = 300万 (rd 1.2亿 ≥ 2000万);
    # rd_center 1.2亿 × 15% = 1800万 (has_rd_center 是, revenue 25亿 ≥ 20亿, rd ≥ 1亿, staff 150 ≥ 100): rd_center wins
    r = hand[4]
    assert (r["rd_center"], r["rd_center_status"]) == ("18000000.00", "granted")
    assert (r["si_led_rd"], r["si_led_rd_status"]) == ("0.00", "excluded")
    assert (r["rd_post_subsidy_topup"], r["rd_post_subsidy_topup_status"]) == ("0.00", "excluded")
    assert r["company_cap"] == "exempt"
    # growth 25亿 − 24.5亿 = 0.5亿 < 1亿; no loans given: the failed condition decides (not missing input)
    assert r["loan_interest_status"] == "not_eligible"


def test_per_project_and_per_event_caps(hand):
    # row 5: projects 1200万 × 50% = 600万 → 500万, 300万 × 50% = 150万: 650万
    # events (full-width ；) 300万 × 50% = 150万 → 100万, 50万 × 50% = 25万: 125万
    r = hand[5]
    assert (r["smart_factory"], r["smart_factory_status"]) == ("6500000.00", "capped")
    assert (r["event_hosting"], r["event_hosting_status"]) == ("1250000.00", "capped")


def test_wuhan_and_beijing_rows_use_their_own_policy(hand):
    # row 6: 信创 2000万 × 10% = 200万; HQ 8000万 × 10% = 800万 → cap 500万
    assert hand[6]["policy"] == WUHAN
    assert (hand[6]["xinchuang_solution"], hand[6]["hq_relocation"], hand[6]["hq_relocation_status"]) == \
        ("2000000.00", "5000000.00", "capped")
    assert hand[6]["loan_interest"] == ""  # a Nanchang column: empty on a Wuhan row
    # row 7: units 60万→50万, 30万, 45万, 80万→50万, 70万→50万 = 225万 → clause cap 200万 (up to)
    assert hand[7]["policy"] == BEIJING
    assert (hand[7]["first_trial_product"], hand[7]["first_trial_product_status"]) == ("2000000.00", "capped")
    assert (hand[7]["total_exact"], hand[7]["total_up_to"]) == ("0.00", "2000000.00")


def test_year_outside_validity_is_expired(hand):
    # row 8: fiscal 2022, before 洪府发〔2023〕30号 (2023-10-10 … 2025-12-31)
    r = hand[8]
    assert r["total"] == "0.00"
    assert r["loan_interest_status"] == "expired"


def test_wide_columns_follow_the_spec(hand, catalog):
    r = hand[1]
    assert list(r)[:10] == ["row", "name", "warnings", "policy", "year", "total", "total_exact", "total_up_to",
                            "total_exact_max",
                            "company_cap"]
    for p in (NANCHANG, WUHAN, BEIJING):
        for c in catalog.get(p).clauses:
            assert c.id in r and f"{c.id}_status" in r


# ---------------------------------------------------------------- the budget view


def test_budget_figures(catalog, tmp_path):
    out = tmp_path / "r.csv"
    summary = tmp_path / "s.json"
    report = run_batch(FIX / "companies-utf8.csv", out, catalog, errors_path=None, summary_path=summary)
    b = report.budgets[NANCHANG]
    # Nanchang rows: 1, 2, 3, 4, 5, 8, 9, 10, 11
    assert b.companies == 9
    loan = b.clauses["loan_interest"]
    # granted: row 1 (775,000.00) and row 2 (capped at 2,000,000.00 from 3,100,000.00)
    assert (loan.granted, loan.statuses[1]) == (2, 1)
    assert (loan.amount, loan.raw, loan.saved_clause_cap) == (277_500_000, 387_500_000, 110_000_000)
    neeq = b.clauses["neeq_listing"]
    # rows 3 (166,666.67 of 100万), 10 (100万), 11 (100万)
    assert (neeq.granted, neeq.amount, neeq.raw) == (3, 16_666_667 + 2 * 100_000_000, 300_000_000)
    assert neeq.saved_company_cap == 100_000_000 - 16_666_667  # 833,333.33
    eq = b.clauses["equity_investment"]
    # rows 3 (333,333.33), 10 (200万), 11 (1,999,999.99) of 3 × 200万
    assert eq.amount == 33_333_333 + 200_000_000 + 199_999_999
    assert eq.saved_company_cap == (200_000_000 - 33_333_333) + 1
    # 就高不就低 (row 4): si_led_rd 400万 and the top-up 300万 forgone
    assert b.clauses["si_led_rd"].saved_group == 400_000_000
    assert b.clauses["rd_post_subsidy_topup"].saved_group == 300_000_000
    assert b.clauses["si_led_rd"].statuses[2] == 1  # excluded
    # per-project / per-event caps (row 5): 100万 and 50万 saved
    sf, ev = b.clauses["smart_factory"], b.clauses["event_hosting"]
    assert (sf.raw, sf.amount, sf.saved_item_cap) == (750_000_000, 650_000_000, 100_000_000)
    assert (ev.raw, ev.amount, ev.saved_item_cap) == (175_000_000, 125_000_000, 50_000_000)
    # companies cut by the company cap: rows 3 and 11; row 4 is exempt (new entrant)
    assert b.company_cap_hits == 2
    assert b.cap_states["exempt"] == 1
    # total outlay: 775,000 + 2,000,000 + 500,000 + 18,000,000 + 6,500,000 + 1,250,000 + 3,000,000 + 2,999,999.99
    assert b.total == 3_502_499_999
    # up to: equity investment only (333,333.33 + 2,000,000 + 1,999,999.99)
    assert b.total_up_to == 433_333_332
    assert b.total_exact == b.total - b.total_up_to
    # raw − final is exactly the sum of what each kind of cap saved
    for c in b.clauses.values():
        assert c.raw - c.amount == c.saved_item_cap + c.saved_clause_cap + c.saved_group + c.saved_company_cap
    doc = json.loads(summary.read_text(encoding="utf-8"))
    pol = next(p for p in doc["policies"] if p["policy"] == NANCHANG)
    assert (pol["total"], pol["company_cap_hits"], pol["companies"]) == ("35024999.99", 2, 9)
    clause = next(c for c in pol["clauses"] if c["id"] == "loan_interest")
    assert (clause["amount"], clause["raw_amount"], clause["saved_by"]["clause_cap"]) == \
        ("2775000.00", "3875000.00", "1100000.00")
    assert (doc["rows"], doc["good_rows"], doc["bad_rows"]) == (11, 11, 0)


def test_budget_beijing_item_and_clause_caps(catalog, tmp_path):
    report = run_batch(FIX / "companies-utf8.csv", tmp_path / "r.csv", catalog)
    ft = report.budgets[BEIJING].clauses["first_trial_product"]
    # raw 60+30+45+80+70 = 285万; per unit cap 50万 saves 10+30+20 = 60万; the 200万 clause cap saves 25万
    assert (ft.raw, ft.saved_item_cap, ft.saved_clause_cap, ft.amount) == \
        (285_000_000, 60_000_000, 25_000_000, 200_000_000)


# ---------------------------------------------------------------- layouts, formats, encodings


def test_long_layout_agrees_with_wide_and_explains(catalog, tmp_path, hand):
    out = tmp_path / "long.csv"
    report = run_batch(FIX / "companies-utf8.csv", out, catalog, BatchOptions(layout="long"))
    rows = read_csv(out)
    assert list(rows[0]) == ["row", "name", "policy", "clause", "status", "basis", "raw_amount", "amount",
                             "explanation", "amount_min", "amount_max"]
    n_clauses = {p: len(catalog.get(p).clauses) for p in (NANCHANG, WUHAN, BEIJING)}
    assert report.output_rows == len(rows) == 9 * n_clauses[NANCHANG] + n_clauses[WUHAN] + n_clauses[BEIJING]
    for r in rows:
        w = hand[int(r["row"])]
        assert (r["amount"], r["status"]) == (w[r["clause"]], w[r["clause"] + "_status"])
        assert r["explanation"]
    by = {(int(r["row"]), r["clause"]): r for r in rows}
    assert by[(2, "loan_interest")]["raw_amount"] == "3100000.00"
    assert "clause cap 2,000,000.00 per year applied" in by[(2, "loan_interest")]["explanation"]
    assert "not met: revenue growth" in by[(9, "loan_interest")]["explanation"]
    assert "rd_center is higher" in by[(4, "si_led_rd")]["explanation"]
    assert "company annual cap" in by[(3, "neeq_listing")]["explanation"]
    # row 8 is fiscal 2022, before 洪府发〔2023〕30号 (2023-10-10 … 2025-12-31): SPEC 9.3 says which side of it
    assert by[(8, "loan_interest")]["explanation"] == "not computed: fiscal 2022 is before the policy took effect on " \
                                                      "2023-10-10"
    assert "add rd_expense" in by[(1, "rd_post_subsidy_topup")]["explanation"]
    # formulas read with ×, as calc writes them, never the table's * (the cap's "5% * sales_revenue")
    assert "× 50% × lpr_1y" in by[(2, "loan_interest")]["explanation"]
    assert "company annual cap (5% × sales_revenue)" in by[(3, "neeq_listing")]["explanation"]
    assert not any("*" in r["explanation"] for r in rows)


@pytest.mark.parametrize("name", ["companies-utf8.csv", "companies-utf8-bom.csv", "companies-gbk.csv"])
def test_encodings_are_detected_and_give_the_same_results(catalog, tmp_path, name, hand):
    out = tmp_path / "r.csv"
    report = run_batch(FIX / name, out, catalog)
    assert report.encoding == {"companies-utf8.csv": "UTF-8", "companies-utf8-bom.csv": "UTF-8 with BOM",
                               "companies-gbk.csv": "GB18030"}[name]
    assert wide(read_csv(out)) == hand


def test_gbk_file_with_forced_encoding(catalog, tmp_path, hand):
    out = tmp_path / "r.csv"
    run_batch(FIX / "companies-gbk.csv", out, catalog, BatchOptions(encoding="gbk"))
    assert wide(read_csv(out)) == hand


def test_wrong_forced_encoding_reports_rows_not_a_crash(catalog, tmp_path):
    # GBK bytes read as UTF-8: the rows with Chinese text cannot be decoded; each is a bad row
    report = run_batch(FIX / "companies-gbk.csv", tmp_path / "r.csv", catalog, BatchOptions(encoding="utf-8"),
                       errors_path=tmp_path / "bad.csv")
    assert report.bad_rows == 11
    # the message says which encoding the cell looks like, and --encoding gbk (not "pass --encoding": it was given)
    assert all(p.message.startswith("not UTF-8 text, as --encoding says the file is (this cell reads as GBK: rows "
                                    "from a file saved another way were pasted in); pass --encoding gbk if the "
                                    "whole file is GBK, or save it from Excel") for p in report.problems)
    assert all("�" not in p.name and "�" not in p.value for p in report.problems)  # the name shown as GBK reads it


def test_jsonl_wide_and_long(catalog, tmp_path, hand):
    out = tmp_path / "r.jsonl"
    run_batch(FIX / "companies-utf8.csv", out, catalog, BatchOptions(fmt="jsonl"))
    objs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(objs) == 11
    for o in objs:
        w = hand[o["row"]]
        for k, v in o.items():
            assert str(v) == w[k], k
        assert all(v == "" for k, v in w.items() if k not in o)  # other policies' clauses are left out
    assert objs[2]["name"] == "南昌丙科技, 有限公司"
    out = tmp_path / "long.jsonl"
    run_batch(FIX / "companies-utf8.csv", out, catalog, BatchOptions(fmt="jsonl", layout="long"))
    objs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {(o["row"], o["clause"]): o["amount"] for o in objs}[(3, "neeq_listing")] == "166666.67"


def test_xlsx_output(catalog, tmp_path, hand):
    import openpyxl  # a test dependency (and the xlsx extra)

    out = tmp_path / "r.xlsx"
    run_batch(FIX / "companies-utf8.csv", out, catalog, BatchOptions(fmt="xlsx"))
    ws = openpyxl.load_workbook(out, read_only=True)["results"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    got = {r[0]: dict(zip(header, r)) for r in rows[1:]}
    assert got[3]["neeq_listing"] == 166666.67  # amounts are numbers (SUM works), exact to the fen
    assert (got[3]["row"], got[3]["year"]) == (3, 2024)  # row and year are numbers
    amounts = {"total", "total_exact", "total_up_to", *(c for c in header if f"{c}_status" in header)}
    assert {k: ("" if v is None else f"{v:.2f}" if k in amounts else str(v)) for k, v in got[5].items()} == hand[5]


def test_excel_bom(catalog, tmp_path, hand):
    out = tmp_path / "r.csv"
    run_batch(FIX / "companies-utf8.csv", out, catalog, BatchOptions(excel=True))
    assert out.read_bytes().startswith(b"\xef\xbb\xbfrow,name,")
    assert wide(read_csv(out, "utf-8-sig")) == hand


def test_policy_option_applies_to_every_row(catalog, tmp_path):
    out = tmp_path / "r.csv"
    report = run_batch(FIX / "companies-utf8.csv", out, catalog, BatchOptions(policy_ids=(NANCHANG, WUHAN)))
    rows = read_csv(out)
    assert report.output_rows == len(rows) == 22
    assert [(r["row"], r["policy"]) for r in rows[:4]] == [("1", NANCHANG), ("1", WUHAN), ("2", NANCHANG),
                                                           ("2", WUHAN)]
    # the Wuhan company under the Nanchang policy: not an electronic-information firm
    r = next(r for r in rows if r["row"] == "6" and r["policy"] == NANCHANG)
    assert r["total"] == "0.00" and r["loan_interest_status"] == "not_eligible"


def test_year_option_overrides_every_row(catalog, tmp_path):
    out = tmp_path / "r.csv"
    run_batch(FIX / "companies-utf8.csv", out, catalog, BatchOptions(year=2023))
    r = wide(read_csv(out))
    # LPR1y on 2023-12-31 = 3.45%: 5000万 × 3.45% × 50% = 862,500.00 (row 8, year 2022 in the file, now 2023)
    assert (r[8]["year"], r[8]["loan_interest"]) == ("2023", "862500.00")


def test_ignore_validity_labels_hypothetical(catalog, tmp_path):
    out = tmp_path / "r.csv"
    run_batch(FIX / "companies-utf8.csv", out, catalog, BatchOptions(ignore_validity=True))
    r = wide(read_csv(out))
    # row 8 (2022): LPR1y on 2022-12-31 = 3.65%: 5000万 × 1.825% = 912,500.00, hypothetical
    assert (r[8]["loan_interest"], r[8]["hypothetical"]) == ("912500.00", "true")
    assert r[1]["hypothetical"] == "false"


RANGES_CSV = """name,jurisdiction,year,industries,revenue,revenue_prev,sales_revenue,neeq_listed,hosted_event_expenses,equity_investment_raised,major_tech_projects
范围甲,nanchang,2024,electronic-information,100万,100万,100万,true,200000,300万,
范围乙,nanchang,2024,electronic-information,10亿,10亿,10亿,,,,2
范围丙,nanchang,2024,electronic-information,100万,100万,100万,,,,1
"""


def test_the_long_layout_carries_the_ranges_calc_gives(catalog, tmp_path):
    """SPEC 9.2 per clause: `amount_max` on exact clauses cut by a company cap that counted up-to ceilings
    (sales 100万: limit 50,000.00; neeq 100万 + event 10万 + equity up to 200万 = 3,100,000 counted; neeq
    16,129.03 now, 45,454.55 were the equity award its minimum 0: 1,000,000 × 50,000 / 1,100,000), `amount_min`
    on an up-to clause with a stated minimum the cap did not cut (2 科技重大专项 × 100万 = 2,000,000.00), none on one
    it cut (范围丙). The same figures as calc's JSON, in CSV (empty cells) and JSON Lines (no key)."""
    src = tmp_path / "r.csv"
    src.write_text(RANGES_CSV, encoding="utf-8")
    run_batch(src, tmp_path / "long.csv", catalog, BatchOptions(layout="long"))
    run_batch(src, tmp_path / "long.jsonl", catalog, BatchOptions(layout="long", fmt="jsonl"))
    rows = read_csv(tmp_path / "long.csv")
    got = {(r["name"], r["clause"]): (r["amount"], r["amount_min"], r["amount_max"]) for r in rows
           if r["amount_min"] or r["amount_max"]}
    assert got == {("范围甲", "neeq_listing"): ("16129.03", "", "45454.55"),
                   ("范围甲", "event_hosting"): ("1612.90", "", "4545.45"),
                   ("范围乙", "major_tech_project"): ("4000000.00", "2000000.00", "")}
    lines = [json.loads(x) for x in (tmp_path / "long.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {(d["name"], d["clause"]): (d["amount"], d.get("amount_min", ""), d.get("amount_max", "")) for d in lines
            if "amount_min" in d or "amount_max" in d} == got
    # calc, a batch of one, says the same of each company
    for r in csv.DictReader(io.StringIO(RANGES_CSV)):
        values = {k: v for k, v in r.items() if v != ""}
        profile = Profile(parse_values(values, catalog.registry, csv=True))
        [result] = api.calculate(profile, api.policies_for(profile, catalog), catalog)
        for c in result_dict(result)["clauses"]:
            line = next(x for x in rows if x["name"] == r["name"] and x["clause"] == c["id"])
            assert (line["amount_min"], line["amount_max"]) == (c.get("amount_min", ""), c.get("amount_max", "")), c
