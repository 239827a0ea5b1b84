"""Rows repeating the company of an earlier row (same name, year, jurisdiction): warned, counted, never silent."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from nanchang_incentives.batch import BatchOptions, run_batch
from nanchang_incentives.cli import app
from nanchang_incentives.duplicates import Finder, row_keys

HEADER = "企业名称,所在地,年度,行业,营业收入,上年营业收入,在昌项目银行贷款\n"
# revenue growth 13亿 ≥ 1亿: 在昌项目银行贷款 3亿 × 50% × LPR 1y (3.10% for 2024, 3.00% for 2025) (三(一)) =
# 4,650,000.00 / 4,500,000.00, capped at 200万 a year
ROW = "{name},南昌,{year},电子信息,25亿,12亿,3亿\n"


def read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def test_a_row_pasted_twice_is_warned_and_still_evaluated(catalog, tmp_path):
    src = tmp_path / "d.csv"
    src.write_text(HEADER + "".join(ROW.format(name=n, year=y) for n, y in [
        ("重复甲有限公司", 2024), ("乙有限公司", 2024), ("重复甲有限公司", 2024), ("重复甲有限公司 ", 2024),
        ("重复甲有限公司", 2025),  # another year: another claim
    ]) + "重复甲有限公司,武汉东湖,2024,软件,25亿,,\n", encoding="gbk")  # another jurisdiction: a comparison
    report = run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "e.csv",
                       summary_path=tmp_path / "s.json")
    assert (report.good_rows, report.bad_rows, report.duplicate_rows) == (6, 0, 2)
    assert [(d.row, d.line, d.name, d.first_line) for d in report.duplicates] == [
        (3, 4, "重复甲有限公司", 2), (4, 5, "重复甲有限公司", 2)]
    out = read(tmp_path / "o.csv")
    assert [r["loan_interest"] for r in out[:5]] == ["2000000.00"] * 5  # every row keeps its figures
    # the budget counts each row, so the repeated rows are in it twice over: which is what the warning says
    assert report.budgets["nanchang-electronic-information-2023"].clauses["loan_interest"].amount == 5 * 2_000_000 * 100  # fen
    warned = [e for e in read(tmp_path / "e.csv")]
    assert [(e["line"], e["field"]) for e in warned] == [("4", "name"), ("5", "name")]
    assert warned[0]["message"].startswith("warning: the same company as line 2: the same name, year and")
    summary = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert (summary["duplicate_rows"], summary["duplicates_unchecked"]) == (2, 0)
    assert summary["duplicates"][0] == {"row": 3, "line": 4, "name": "重复甲有限公司", "first_line": 2}


@pytest.mark.parametrize("jobs", [1, 2])
def test_repeats_are_found_across_blocks_and_workers(catalog, tmp_path, jobs):
    names = [f"企业{i}有限公司" for i in range(3000)]
    rows = names + names[10:13] + ["新企业"] + names[2999:]
    src = tmp_path / "big.csv"
    src.write_text(HEADER + "".join(ROW.format(name=n, year=2024) for n in rows), encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog, BatchOptions(jobs=jobs, block_bytes=8 << 10))
    assert report.duplicate_rows == 4
    assert [(d.line, d.first_line) for d in report.duplicates] == [(3002, 12), (3003, 13), (3004, 14), (3006, 3001)]


def test_the_budget_view_says_so(tmp_path):
    src = tmp_path / "d.csv"
    src.write_text(HEADER + ROW.format(name="甲有限公司", year=2024) * 3, encoding="utf-8")
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv")], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert ("warning: 2 rows repeat the company of an earlier row (the same name, year and jurisdiction), so their "
            "amounts are counted again in the totals (the budget view and --summary-json); pass --errors FILE to get "
            "every one") in " ".join(res.output.split())
    assert "  line 3 (甲有限公司) repeats line 2\n  line 4 (甲有限公司) repeats line 2" in res.output
    assert "3 evaluated, 0 bad; 2 repeating an earlier row's company;" in res.output


def test_beyond_the_limit_rows_are_counted_as_unchecked():
    f = Finder(limit=3)
    names = np.array([b"a", b"b", b"c", b"a", b"d"], dtype="S")
    keys = row_keys(names, np.full(5, 2024), np.zeros(5, dtype=np.int64), ["nanchang"], np.arange(1, 6),
                    np.arange(2, 7))
    assert [(r.row, r.first_line) for r in f.add(keys)] == []  # only the first 3 were looked up
    assert f.unchecked == 2
    again = row_keys(np.array([b"b"], dtype="S"), np.full(1, 2024), np.zeros(1, dtype=np.int64), ["nanchang"],
                     np.array([9]), np.array([10]))
    assert f.add(again) == [] and f.unchecked == 3


def test_keys_tell_names_years_and_places_apart():
    names = np.array([b"ab", b"ab\xe5\x85\xac", b"ab", b"ab", b"ba"], dtype="S")
    k = row_keys(names, np.array([2024, 2024, 2025, 2024, 2024]), np.array([0, 0, 0, 1, 0]),
                 ["nanchang", "wuhan-east-lake"], np.arange(5), np.arange(5)).keys
    assert len(set(k.tolist())) == 5


def test_the_xlsx_budget_sheet_says_so_too(catalog, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    src = tmp_path / "d.csv"
    src.write_text(HEADER + ROW.format(name="=甲有限公司", year=2024) * 2, encoding="utf-8")
    run_batch(src, tmp_path / "o.xlsx", catalog, BatchOptions(fmt="xlsx"))
    budget = openpyxl.load_workbook(tmp_path / "o.xlsx").worksheets[1]
    texts = [c for row in budget.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert texts[-2].startswith("warning: 1 row repeats the company of an earlier row")
    assert texts[-1] == "line 3 (=甲有限公司) repeats line 2"  # an inline string: text, never a formula
    assert all(c.data_type != "f" for row in budget.iter_rows() for c in row)


def test_full_width_spaces_and_policy_given(catalog, tmp_path):
    # WPS leaves a full-width space after a name; under --policy a row's jurisdiction changes nothing it is paid
    src = tmp_path / "d.csv"
    src.write_text(HEADER + ROW.format(name="甲公司\u3000", year=2024) + ROW.format(name="甲公司", year=2024)
                   + "甲公司,北京,2024,电子信息,25亿,12亿,3亿\n", encoding="utf-8")
    assert run_batch(src, tmp_path / "o.csv", catalog).duplicate_rows == 1
    report = run_batch(src, tmp_path / "p.csv", catalog, BatchOptions(policy_ids=("nanchang-electronic-information-2023",)))
    assert [(d.line, d.first_line) for d in report.duplicates] == [(3, 2), (4, 2)]


def test_merged_runs_find_every_repeat_of_many_blocks():
    f = Finder()
    rng = np.random.default_rng(7)
    ids = rng.integers(0, 5000, size=20_000)  # many repeats, spread over 40 blocks of 500
    seen: dict[int, int] = {}
    expected, found = [], []
    for b in range(40):
        part = ids[b * 500:(b + 1) * 500]
        names = np.array([f"企业{i}".encode() for i in part], dtype="S")
        lines = np.arange(b * 500, (b + 1) * 500) + 2
        for i, line in zip(part.tolist(), lines.tolist()):
            if i in seen:
                expected.append((line, seen[i]))
            else:
                seen[i] = line
        keys = row_keys(names, np.full(500, 2024), np.zeros(500, dtype=np.int64), ["nanchang"], lines - 1, lines)
        found += [(r.line, r.first_line) for r in f.add(keys)]
    assert sorted(found) == sorted(expected) and len(expected) > 10_000


def test_names_differing_only_in_full_width_forms_or_ascii_case_are_one_company(catalog, tmp_path):
    # （南昌） and (南昌), ＡＢＣ and abc: the same company typed twice, not warned before
    src = tmp_path / "d.csv"
    src.write_text(HEADER + "".join(ROW.format(name=n, year=2024) for n in [
        "甲科技（南昌）有限公司", "ABC Ltd", "甲科技(南昌)有限公司", "abc ltd", "ＡＢＣ　Ｌｔｄ", "乙科技（南昌）有限公司",
        "甲科技（南昌）有限公司（一期）",
    ]), encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    # ＡＢＣ　Ｌｔｄ has a full-width space (U+3000), not a full-width ASCII form: another name
    assert [(d.line, d.name, d.first_line) for d in report.duplicates] == [
        (4, "甲科技(南昌)有限公司", 2), (5, "abc ltd", 3)]
    assert [r["loan_interest"] for r in read(tmp_path / "o.csv")] == ["2000000.00"] * 7


def test_the_folded_key_of_a_name_is_the_key_of_its_half_width_form():
    names = np.array([n.encode() for n in ["Ｘ（１）有限", "x(1)有限", "Ｘ（１）有限公司" + "很" * 60]], dtype="S")
    z = np.zeros(3, dtype=np.int64)
    keys = row_keys(names, z + 2024, z, ["nanchang"], np.arange(1, 4), np.arange(2, 5)).keys
    assert keys[0] == keys[1] != keys[2]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_xlsx_budget_sheet_counts_the_repeats_it_does_not_list(catalog, tmp_path, lang):
    # 12 repeats: the sheet listed 10 (the report keeps 10) and said nothing of the other 2; 29: "… 9 more"
    openpyxl = pytest.importorskip("openpyxl")
    src = tmp_path / "d.csv"
    src.write_text(HEADER + "".join(ROW.format(name=f"D{i}有限公司", year=2024) * 2 for i in range(12)),
                   encoding="utf-8")
    run_batch(src, tmp_path / "o.xlsx", catalog, BatchOptions(fmt="xlsx", lang=lang))
    budget = openpyxl.load_workbook(tmp_path / "o.xlsx").worksheets[1]
    texts = [c for row in budget.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    listed = [t for t in texts if t.endswith(("repeats line 20", "与第 20 行重复"))]
    assert len(listed) == 1
    assert texts[-1] == {"en": "… 2 more", "zh": "… 另有 2 行"}[lang]
    head = next(t for t in texts if t.startswith(("warning: 12 rows", "提示：12 行")))
    assert head.startswith({"en": "warning: 12 rows repeat the company of an earlier row",
                            "zh": "提示：12 行与前面某行的企业相同（企业名称、年度和所在地相同）"}[lang])


def test_an_xlsx_budget_total_beyond_a_spreadsheet_number_s_digits_is_written_exactly_as_text(catalog, tmp_path):
    # 25 firms each bringing in 9,999,999 firms scaled up (三(八) 每家企业50万元): a raw total of 1.25 × 10^14 yuan with
    # fen from the loan interest was written as a double, a fen off (…171.69 for …171.68)
    openpyxl = pytest.importorskip("openpyxl")
    rows = [("name,jurisdiction,year,industries,revenue,revenue_prev,sales_revenue,local_project_loans,lpr_1y,"
            "is_new_entrant,attracted_firms_scaled_up")]
    rows += [f"巨{i}公司,nanchang,2024,electronic-information,9000亿,1000亿,9000亿,{129032257 + i * 37}.{i:02d},3.10%,"
             f"true,{9999999 - i}" for i in range(25)]
    src = tmp_path / "big.csv"
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    summary = tmp_path / "s.json"
    run_batch(src, tmp_path / "o.xlsx", catalog, BatchOptions(fmt="xlsx"), summary_path=summary)
    raw = json.loads(summary.read_text(encoding="utf-8"))["policies"][0]["raw_amount"]
    budget = openpyxl.load_workbook(tmp_path / "o.xlsx").worksheets[1]
    cells = [c for row in budget.iter_rows(values_only=True) for c in row]
    whole, fen = raw.split(".")
    assert len(whole + fen) > 15 and f"{int(whole):,}.{fen}" in cells  # its exact figure, grouped, as text


@pytest.mark.parametrize(("lang", "word"), [("en", "up to "), ("zh", "最高 ")])
def test_a_ceiling_total_written_as_text_still_says_it_is_a_ceiling(catalog, tmp_path, lang, word):
    # six firms with 4,999,999 major projects each (三(四) 每项给予最高200万元): up to 59,999,958,000,000.00 in all,
    # beyond a spreadsheet number's digits; as text it lost the "up to" its number format showed
    openpyxl = pytest.importorskip("openpyxl")
    src = tmp_path / "big.csv"
    src.write_text("name,jurisdiction,year,industries,major_tech_projects,is_new_entrant\n" + "".join(
        f"巨{i}公司,nanchang,2024,electronic-information,{4999999 - i},true\n" for i in range(6)), encoding="utf-8")
    run_batch(src, tmp_path / "o.xlsx", catalog, BatchOptions(fmt="xlsx", lang=lang))
    cells = [c for row in openpyxl.load_workbook(tmp_path / "o.xlsx").worksheets[1].iter_rows(values_only=True)
             for c in row]
    # 2,000,000 × (4,999,999 + … + 4,999,994) = 2,000,000 × 29,999,979 = 59,999,958,000,000.00
    assert f"{word}59,999,958,000,000.00" in cells
