"""A heading that names its unit (营业收入（万元）, 研发人员(人), 一年期LPR(%)): each bare number of the column is read
in that unit, in CSV, .xlsx and Parquet alike; a cell that gives its own unit keeps it.

Before, such a heading was an unknown column whose did-you-mean ("营业收入") led the user to rename it, and then
every amount was read as yuan: 10,000 times too small, with no warning.
"""

from __future__ import annotations

import csv
import decimal
from pathlib import Path

import pytest

from nanchang_incentives import batch_table
from nanchang_incentives.batch import run_batch
from nanchang_incentives.errors import InputError

HEAD = ("企业名称,所在地,年度,行业,营业收入（万元）,上年营业收入(万元),研发费用 (万元),研发人员(人),已设立研发中心,"
        "在昌项目银行贷款【万元】,智慧工厂投入（万元）,一年期LPR(%)")


def results(path: Path) -> dict[str, dict[str, str]]:
    return {r["name"]: r for r in csv.DictReader(path.open(encoding="utf-8-sig"))}


def test_bare_numbers_are_read_in_the_heading_s_unit(catalog, tmp_path):
    src = tmp_path / "u.csv"
    src.write_text(HEAD + "\n"
                   # 25亿 revenue, growth 3亿; rd 1.2亿 (a trailing space); loans 3亿; two projects 300万 and 1.5亿;
                   # LPR 3.1 under (%)
                   "甲,南昌,2024,电子信息,250000,220000,12000 ,150,是,30000,300；1.5亿,3.1\n"
                   # the same company with its own units in every cell: they are kept
                   "乙,南昌,2024,电子信息,25亿,22亿,1.2亿,150,是,3亿,300万;1.5亿,3.1%\n"
                   # full-width digits; 12000.25万 = 120,002,500.00 yuan exactly
                   "丙,南昌,2024,电子信息,２５００００,220000,12000.25,150,是,30000,,\n"
                   "丁,南昌,2024,电子信息,250000,220000,-5,150,是,30000,,\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "bad.csv")
    rows = results(tmp_path / "o.csv")
    for name in ("甲", "乙"):
        r = rows[name]
        # loan_interest 3亿 × 50% × 3.1% = 4,650,000.00, capped at 2,000,000.00; rd_center 1.2亿 × 15% =
        # 18,000,000.00; smart_factory 300万 × 50% = 1,500,000.00 + min(1.5亿 × 50%, 500万) = 6,500,000.00
        assert (r["loan_interest"], r["rd_center"], r["smart_factory"]) == ("2000000.00", "18000000.00",
                                                                            "6500000.00"), name
        assert r["total"] == "26500000.00", name
    # rd_center 120,002,500.00 × 15% = 18,000,375.00; loan_interest with no LPR cell: 2024's 3.10%, capped
    assert (rows["丙"]["rd_center"], rows["丙"]["loan_interest"]) == ("18000375.00", "2000000.00")
    # the bad cell is shown as the file has it, the message reads it in the column's unit
    (bad,) = report.problems
    assert (bad.name, bad.field, bad.value) == ("丁", "rd_expense", "-5")
    assert bad.message.startswith("'-5万' is negative")


@pytest.mark.parametrize("kind", ["xlsx", "parquet"])
def test_workbooks_and_parquet_read_the_heading_s_unit_too(catalog, tmp_path, kind):
    heads = HEAD.split(",")[:10]
    values = [["甲", "南昌", 2024, "电子信息", 250000, 220000, 12000, 150, "是", 30000],
              ["乙", "南昌", 2024, "电子信息", 250000.5, 220000, 12000.25, 150, "是", 30000]]
    src = tmp_path / f"u.{kind}"
    if kind == "xlsx":
        openpyxl = pytest.importorskip("openpyxl")
        wb = openpyxl.Workbook()
        wb.active.append(heads)
        for v in values:
            wb.active.append(v)
        wb.save(src)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        cols: dict[str, object] = {h: [v[k] for v in values] for k, h in enumerate(heads)}
        cols["营业收入（万元）"] = pa.array([decimal.Decimal(250000), decimal.Decimal("250000.5")], pa.decimal128(12, 2))
        cols["研发费用 (万元)"] = pa.array([12000.0, 12000.25], pa.float64())
        cols["已设立研发中心"] = pa.array([True, True])
        pq.write_table(pa.table(cols), src)
    run_batch(src, tmp_path / "o.csv", catalog)
    rows = results(tmp_path / "o.csv")
    # 甲: rd_center 1.2亿 × 15% = 18,000,000.00; 乙: 120,002,500.00 × 15% = 18,000,375.00; loans 3亿: capped 200万
    assert [(r["rd_center"], r["loan_interest"]) for r in rows.values()] == [("18000000.00", "2000000.00"),
                                                                            ("18000375.00", "2000000.00")]


def test_a_unit_the_heading_cannot_have_is_named_with_what_it_may_be(header_problems):
    text = header_problems("企业名称,所在地,年度,营业收入（千万元）,研发人员(万人)\na,南昌,2024,1,1\n")
    assert "field '营业收入（千万元）': the heading names revenue with the unit '千万元', which batch cannot read: " \
           "expected one of 万, 万元" in text
    assert "field '研发人员(万人)': the heading names rd_staff with the unit '万人'" in text
    assert "did you mean" not in text  # never the bare heading, whose numbers would then be yuan


def test_a_bare_number_ending_in_any_space_still_takes_the_heading_s_unit(catalog, tmp_path):
    # "250000" followed by spaces, a full-width space or a no-break space was read as 250,000 yuan (the unit
    # was only added after ASCII digits): the company cap then came out at 5% of 25万 instead of 25亿
    src = tmp_path / "s.csv"
    cells = ["250000", "250000     ", "250000\u3000", "250000\u00a0", "２５００００", "25亿 "]
    src.write_text("企业名称,所在地,年度,行业,营业收入（万元）,新三板挂牌\n" + "".join(
        f"c{k},南昌,2024,电子信息,{c},是\n" for k, c in enumerate(cells)), encoding="utf-8")
    run_batch(src, tmp_path / "o.csv", catalog)
    rows = results(tmp_path / "o.csv")
    # neeq_listing 1,000,000.00 under a cap of 5% × 25亿 = 125,000,000.00: not reached, for every form
    assert {(r["total"], r["company_cap"]) for r in rows.values()} == {("1000000.00", "not_reached")}
    assert len(rows) == len(cells)


def test_a_note_in_a_text_or_year_heading_is_fine_and_a_wan_cell_may_have_eight_decimals(catalog, tmp_path):
    # 企业名称（全称） and 年度（年） were refused as "units"; an .xlsx float 12000.12345678 under 营业收入（万元） was
    # refused as finer than 1/10000 yuan, though 12000.12345678万 is exactly 120,001,234.5678 yuan
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.append(["企业名称（全称）", "所在地", "年度（年）", "行业", "研发费用（万元）", "营业收入（万元）", "上年营业收入（万元）",
                      "研发人员(人)", "已设立研发中心（是/否）"])
    wb.active.append(["甲", "南昌", 2024, "电子信息", 12000.12345678, 250000, 220000, 150, "是"])
    src = tmp_path / "n.xlsx"
    wb.save(src)
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert report.bad_rows == 0, [p.message for p in report.problems]
    # rd_center: 120,001,234.5678 × 15% = 18,000,185.18517 → 18,000,185.19 (half-up)
    assert results(tmp_path / "o.csv")["甲"]["rd_center"] == "18000185.19"


def test_a_unit_written_loosely_is_read_and_never_answered_with_the_bare_name(catalog, tmp_path, header_problems):
    # a template's required star (*营业收入（万元）), a unit after a slash or a space, a bracket left open: read in
    # 万; before, the did-you-mean said "营业收入", and renaming to it read every figure as yuan
    src = tmp_path / "star.csv"
    src.write_text("name,jurisdiction,year,industries,*营业收入（万元）,研发费用/万元,研发人员 人,has_rd_center,"
                   "上年营业收入(万元\nA,nanchang,2024,electronic-information,250000,12000,150,true,220000\n",
                   encoding="utf-8")
    run_batch(src, tmp_path / "o.csv", catalog)
    assert results(tmp_path / "o.csv")["A"]["rd_center"] == "18000000.00"  # 1.2亿 × 15%
    text = header_problems("name,jurisdiction,year,营业收入（万元）注\nA,nanchang,2024,1\n")
    assert "did you mean" not in text
    assert "renaming it to the bare name would read its numbers as yuan" in text


def test_parquet_floats_under_a_unit_heading_may_have_the_unit_s_decimals(catalog, tmp_path):
    # 0.12345678亿 is 12,345,678 yuan exactly: refused before as "a binary float with more than 4 decimals"
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = tmp_path / "p.parquet"
    pq.write_table(pa.table({"name": ["A"], "jurisdiction": ["nanchang"], "year": [2024],
                             "industries": [["electronic-information"]], "revenue（亿元）": [3.0],
                             "revenue_prev（亿元）": [1.0], "local_project_loans【亿元】": [0.12345678]}), src)
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert report.bad_rows == 0, [p.message for p in report.problems]
    # loan_interest: growth 2亿 ≥ 1亿; 12,345,678 × 50% × LPR 1y 3.10% (2024) = 191,358.009 → 191,358.01
    assert results(tmp_path / "o.csv")["A"]["loan_interest"] == "191358.01"


def test_scientific_notation_under_a_unit_heading_is_refused_with_what_to_type_instead(catalog, tmp_path):
    src = tmp_path / "e.csv"
    src.write_text("企业名称,所在地,年度,营业收入（万元）\n甲,南昌,2024,2.5E+05\n乙,南昌,2024,250000\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "bad.csv")
    assert (report.good_rows, report.bad_rows) == (1, 1)
    bad = list(csv.DictReader((tmp_path / "bad.csv").open(encoding="utf-8-sig")))
    assert [(b["line"], b["name"], b["field"], b["value"]) for b in bad] == [("2", "甲", "revenue", "2.5E+05")]
    assert "without the exponent: '250000' under such a heading, '250000万' anywhere" in bad[0]["message"]


def test_the_unit_may_be_written_as_government_forms_write_it(catalog, tmp_path):
    """（单位：万元）, (人民币万元), （万元人民币）, （单位：人）: the forms of official 申报表 headings."""
    plain = tmp_path / "p.csv"
    plain.write_text("企业名称,所在地,年度,行业,营业收入,上年营业收入,研发费用,研发人员,在昌项目银行贷款\n"
                     "甲,南昌,2024,电子信息,5亿,3.8亿,1200万,30,1.2亿\n", encoding="utf-8")
    forms = tmp_path / "f.csv"
    forms.write_text("企业名称,所在地,年度,行业,营业收入（单位：万元）,上年营业收入(人民币万元),研发费用（万元人民币）,"
                     "研发人员（单位：人）,在昌项目银行贷款（单位:亿元）\n"
                     "甲,南昌,2024,电子信息,50000,38000,1200,30,1.2\n", encoding="utf-8")
    run_batch(plain, tmp_path / "p_out.csv", catalog)
    run_batch(forms, tmp_path / "f_out.csv", catalog)
    expected, got = results(tmp_path / "p_out.csv")["甲"], results(tmp_path / "f_out.csv")["甲"]
    assert decimal.Decimal(expected["loan_interest"]) > 0  # the loans were read: 1.2亿
    assert got == expected


def test_a_cell_with_its_own_unit_and_zheng_keeps_it_and_a_bare_zheng_is_refused(catalog, tmp_path):
    """Under 营业收入（万元）"1.2億元整" keeps its own unit; "25000整" gives none, and as a cell with its own unit it
    would be read as 25000 yuan: refused, never guessed."""
    src = tmp_path / "u.csv"
    src.write_text("企业名称,所在地,年度,行业,营业收入（万元）,研发费用（万元）,研发人员(人),已设立研发中心\n"
                   "甲,南昌,2024,电子信息,25亿元整,1.2億元整,150,是\n"
                   "乙,南昌,2024,电子信息,250000,12000,150,是\n"
                   "丙,南昌,2024,电子信息,250000,12000整,150,是\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "bad.csv")
    rows = results(tmp_path / "o.csv")
    assert rows["甲"]["rd_center"] == rows["乙"]["rd_center"] == "18000000.00"  # 1.2亿 × 15%
    (bad,) = report.problems
    assert (bad.name, bad.field, bad.value) == ("丙", "rd_expense", "12000整")
    assert "has 整 with no unit before it" in bad.message


def test_traditional_units_in_headings_and_in_a_title_line(catalog, tmp_path):
    """萬元 / 億元 (as Hong Kong and Taiwan write them, and as some templates do) are the same units: 營業收入 under
    （萬元） is read in 万元, and a title line 單位：萬元 above the header gets the unit advice, not "delete it"."""
    src = tmp_path / "t.csv"
    src.write_text("企业名称,所在地,年度,行业,营业收入（萬元）,上年营业收入（萬元）,研发费用(億元),研发人员,已设立研发中心\n"
                   "甲,南昌,2024,电子信息,250000,220000,1.2,150,是\n", encoding="utf-8")
    run_batch(src, tmp_path / "o.csv", catalog)
    # revenue 25亿, rd 1.2亿, 150 staff: rd_center 1.2亿 × 15% = 18,000,000.00 (under its 2000万 cap)
    assert results(tmp_path / "o.csv")["甲"]["rd_center"] == "18000000.00"
    titled = tmp_path / "titled.csv"
    titled.write_text("單位：萬元\n企业名称,所在地,年度,营业收入\n甲,南昌,2024,250000\n", encoding="utf-8")
    with pytest.raises(Exception, match="without it the amounts would be read as yuan") as info:
        run_batch(titled, tmp_path / "o2.csv", catalog)
    assert "單位：萬元" in str(info.value)


@pytest.mark.parametrize("units", [",,,,万元,万元,万元,人,,万元,万元,%", ",单位,,,（万元）,（万元）,（万元）,（人）,,,,（%）"])
def test_a_units_row_under_the_header_stops_the_run_before_figures_are_read_as_yuan(catalog, tmp_path, units):
    # a template's units row (营业收入 over 万元): line 2 was a bad row ("missing jurisdiction") and 250000 under
    # 营业收入 was 250,000 yuan, loan_interest not eligible and the total 0.00, with no warning at all
    plain = HEAD.replace("（万元）", "").replace("(万元)", "").replace(" (万元)", "").replace("【万元】", "")
    src = tmp_path / "u.csv"
    src.write_text(plain + "\n" + units + "\n甲,南昌,2024,电子信息,250000,220000,12000,150,是,30000,300,3.1\n",
                   encoding="utf-8")
    with pytest.raises(InputError) as caught:
        run_batch(src, tmp_path / "o.csv", catalog)
    assert (caught.value.location.line, caught.value.location.file) == (2, str(src))
    assert "line 2 gives the columns' units (营业收入 万元, 上年营业收入 万元" in caught.value.message
    assert "Write the unit into each amount's heading (营业收入（万元）" in caught.value.message
    assert not (tmp_path / "o.csv").exists()
    # with the units in the headings, the same row is only a bad row and the figures are read in 万
    src.write_text(HEAD + "\n" + units + "\n甲,南昌,2024,电子信息,250000,220000,12000,150,是,30000,300,3.1\n",
                   encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "bad.csv")
    assert report.bad_rows == 1 and results(tmp_path / "o.csv")["甲"]["rd_center"] == "18000000.00"


def test_a_unit_note_under_the_table_stops_the_run_before_figures_are_read_as_yuan(catalog, tmp_path):
    # "注：金额单位为万元" below the data was a bad row ("missing jurisdiction") and 50000 under 营业收入 was 50,000 yuan:
    # both companies written with totals of 0.00 instead of 862,500.00 and 1,380,000.00, with no warning
    plain = "企业名称,所在地,年度,行业,营业收入,上年营业收入,在昌项目银行贷款,一年期LPR\n"
    rows = "甲,南昌,2024,电子信息,50000,38000,5000,3.45%\n乙,南昌,2024,电子信息,60000,38000,8000,3.45%\n"
    src = tmp_path / "f.csv"
    src.write_text(plain + rows + "注：金额单位为万元,,,,,,,\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "bad.csv")
    assert caught.value.location.line == 4
    assert caught.value.message.startswith("line 4 says '注：金额单位为万元': the amounts of this sheet are in 万元")
    assert "(营业收入（万元）, …)" in caught.value.message
    assert not (tmp_path / "o.csv").exists() and not (tmp_path / "bad.csv").exists()
    # with the unit in the headings the note is only a bad row, and the figures are read in 万:
    # loan_interest 5000万 × 50% × 3.45% = 862,500.00; 8000万 × 50% × 3.45% = 1,380,000.00
    src.write_text(plain.replace("营业收入,上年营业收入,在昌项目银行贷款", "营业收入（万元）,上年营业收入（万元）,在昌项目银行贷款（万元）")
                   + rows + "注：金额单位为万元,,,,,,,\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "bad.csv")
    got = results(tmp_path / "o.csv")
    assert (got["甲"]["loan_interest"], got["乙"]["loan_interest"], report.bad_rows) == ("862500.00", "1380000.00", 1)
    # a company whose name holds 单位 is a company: 南昌单位元件有限公司 is no unit note
    assert batch_table.unit_note_row("南昌单位元件有限公司", batch_table.Header((), ()), catalog) is None


@pytest.mark.parametrize("note", ["注：金额单位为万元,,,,,,,,", "注：金额单位为万元", ",,,,,,,,单位：万元", "金额单位均为万元",
                                  "单位均为：万元", "金额均为万元", "金额单位统一为万元", "金额单位：万元人民币",
                                  ",,,,,,,,备注：以上均为万元"])
def test_a_unit_note_in_a_column_that_is_not_read_stops_the_run_too(catalog, tmp_path, note):
    # typed into the 序号 column (or 备注), the note made a row with nothing in the columns that are read: it was
    # a blank row, skipped, and 5000 under 在昌项目银行贷款 was 5,000 yuan (loan_interest 86.25 instead of 862,500.00)
    head = "序号,企业名称,所在地,年度,行业,营业收入,上年营业收入,在昌项目银行贷款,备注\n"
    rows = "1,甲,南昌,2024,电子信息,50000,38000,5000,\n2,乙,南昌,2024,电子信息,60000,38000,8000,\n"
    src = tmp_path / "s.csv"
    src.write_text(head + rows + note + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        run_batch(src, tmp_path / "o.csv", catalog)
    assert caught.value.location.line == 4 and "the amounts of this sheet are in 万元" in caught.value.message
    assert not (tmp_path / "o.csv").exists()
    # a 序号 below the data with nothing else is still a blank row, and 备注 text that names no unit is no note
    src.write_text(head + rows + "3,,,,,,,,\n4,,,,,,,,以上企业均已核实\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.blank_rows, report.bad_rows) == (2, 2, 0)


def test_a_unit_note_in_the_serial_column_above_the_companies_stops_the_run(catalog, tmp_path):
    # 单位：万元 in the 序号 column right under the header: a blank row, and every amount read as yuan, exit 0
    # (a note in the name column counts only below every company: a company may be named 金额亿)
    src = tmp_path / "t.csv"
    src.write_text("序号,企业名称,所在地,年度,行业,营业收入,上年营业收入,在昌项目银行贷款\n单位：万元,,,,,,,\n"
                   "1,甲,南昌,2024,电子信息,50000,38000,5000\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        run_batch(src, tmp_path / "o.csv", catalog)
    assert caught.value.location.line == 2 and caught.value.message.startswith("line 2 says '单位：万元'")
    assert not (tmp_path / "o.csv").exists()


def test_a_unit_note_in_the_serial_column_of_a_workbook_stops_the_run(catalog, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    for merged in (False, True):  # (the note merged across the row, as a note usually is)
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["序号", "企业名称", "所在地", "年度", "行业", "营业收入", "上年营业收入", "在昌项目银行贷款"])
        ws.append([1, "甲", "南昌", 2024, "电子信息", 50000, 38000, 5000])
        ws.append(["注：金额单位为万元"])
        if merged:
            ws.merge_cells("A3:H3")
        wb.save(tmp_path / "n.xlsx")
        with pytest.raises(InputError) as caught:
            run_batch(tmp_path / "n.xlsx", tmp_path / "o.csv", catalog)
        assert caught.value.location.line == 3 and "are in 万元" in caught.value.message
        assert not (tmp_path / "o.csv").exists()


def test_a_units_row_is_named_by_its_own_line_and_a_heading_that_disagrees_is_said_to(catalog, tmp_path):
    # under a heading typed with Alt+Enter the units row is line 3, not 2; and 营业收入（元） over 万元 was told
    # to become 营业收入（元）（万元）
    src = tmp_path / "m.csv"
    src.write_text('"企业\n名称",所在地,年度,营业收入\n,,,万元\nA,南昌,2024,25000\n', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        run_batch(src, tmp_path / "o.csv", catalog)
    assert caught.value.location.line == 3 and caught.value.message.startswith("line 3 gives the columns' units")
    assert caught.value.message.endswith("then delete line 3")
    src.write_text("企业名称,所在地,年度,营业收入（元）\n,,,万元\nA,南昌,2024,25000\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        run_batch(src, tmp_path / "o.csv", catalog)
    assert caught.value.message == ("line 2 gives 营业收入（元） the unit 万元, but its heading says 元: which is it? "
                                    "Correct the heading (or the figures), then delete line 2")


def test_a_unit_note_counts_only_below_every_company(catalog, tmp_path):
    # a company named 金额亿 (with a bad year) in line 2 stopped the whole run, "the amounts are in 亿元"
    src = tmp_path / "e.csv"
    src.write_text('name,jurisdiction,year,revenue,revenue_prev\n"金额亿 (Jine Yi)",nanchang,20x4,32000,29500\n'
                   "甲公司,nanchang,2024,3亿,2亿\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "bad.csv")
    assert (report.good_rows, report.bad_rows) == (1, 1) and results(tmp_path / "o.csv")["甲公司"]


@pytest.mark.parametrize("note", ["单位：万元", "（金额单位：万元）", "金额单位:万元"])
def test_a_unit_note_typed_as_a_heading_says_where_the_unit_goes(catalog, tmp_path, note):
    # it was "unknown column" only, and deleting the column (the obvious fix) read every 万元 figure as yuan
    src = tmp_path / "t.csv"
    src.write_text(f"企业名称,所在地,年度,行业,营业收入,硅衬底LED销售额,{note}\n甲公司,南昌,2024,电子信息,30000,500,\n",
                   encoding="utf-8")
    with pytest.raises(InputError) as info:
        run_batch(src, tmp_path / "o.csv", catalog)
    assert str(info.value) == (
        f"{src}:1, field '{note}': the heading '{note}' is a note on the sheet's unit (万元), not a column: batch "
        f"reads the unit of an amount from its own heading only. Write the unit into each amount's heading "
        f"(营业收入（万元）, …) and delete this column; deleting only the column would read the amounts as yuan")
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize(("amount", "note", "said"), [
    ("营业收入（万元）", "单位：万元", ("the heading '单位：万元' is a note on the sheet's unit (万元), not a column; the amounts' "
                               "headings name their units already: delete the column")),
    *(("营业收入", note, (f"the heading '{note}' is a note that the amounts are in yuan, not a column: delete the "
                        f"column (a bare amount is read as yuan)")) for note in ("单位：元", "单位（元）", "單位：元"))])
def test_a_unit_note_heading_is_told_what_deleting_it_does(catalog, tmp_path, amount, note, said):
    # "deleting only the column would read the amounts as yuan" was said where the headings had their unit, and
    # 单位：元 got "did you mean 单位名称, that is name?"
    src = tmp_path / "t.csv"
    src.write_text(f"企业名称,所在地,年度,{amount},{note}\n甲公司,南昌,2024,3000,\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        run_batch(src, tmp_path / "o.csv", catalog)
    assert str(info.value) == f"{src}:1, field '{note}': {said}"
