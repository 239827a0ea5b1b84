"""batch on client lists as Excel, WPS and spreadsheet-writing programs leave them.

Hidden sheets, formulas with no (or a never-calculated) saved result, amounts shown in 万 by a number
format, empty columns right of the header, a title line above it, several header problems at once,
Chinese headings that keep the clause ids, an errors file named .xlsx, a write failure.

The companies claim Nanchang's settlement subsidy (三(二): 0.5% of ``settlement_sales``, listed
company): 1,234,567 yuan gives 6,172.835, half-up 6,172.84.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nanchang_incentives.batch import BatchOptions, run_batch
from nanchang_incentives.cli import app
from nanchang_incentives.errors import InputError

HEADER = ["企业名称", "所在地", "年度", "行业", "上市公司", "业务结算销售收入", "销售收入", "新引入企业"]


def company(name: str, settlement: object = 1234567, year: object = 2024) -> list[object]:
    return [name, "南昌", year, "电子信息", "是", settlement, "100亿", "否"]


def read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def settlement_of(path: Path) -> dict[str, str]:
    return {r["name"]: r["settlement"] for r in read(path)}


# ---------------------------------------------------------------- which sheet


def test_a_hidden_first_sheet_is_not_the_one_read(catalog, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    lookup = wb.active
    lookup.title = "代码表"
    lookup.append(["代码", "城市"])
    lookup.sheet_state = "hidden"
    clients = wb.create_sheet("客户")
    clients.append(HEADER)
    clients.append(company("甲公司"))
    wb.active = 1
    wb.save(tmp_path / "c.xlsx")
    report = run_batch(tmp_path / "c.xlsx", tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows) == (1, 0) and "'客户'" in report.encoding
    assert settlement_of(tmp_path / "o.csv") == {"甲公司": "6172.84"}
    # asked for by name, a hidden sheet is read
    with pytest.raises(InputError, match="field '代码'"):
        run_batch(tmp_path / "c.xlsx", tmp_path / "o2.csv", catalog, BatchOptions(sheet="代码表"))


# ---------------------------------------------------------------- formulas


def test_a_formula_with_no_saved_result_is_a_bad_row_naming_the_formula(catalog, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()  # openpyxl saves formulas without a result
    ws = wb.active
    ws.append(HEADER)
    ws.append(company("甲公司", "=100*12345.67"))
    ws.append(company("乙公司", year="=2020+4"))
    ws.append(company("丙公司"))
    ws.append(["合计", None, None, None, None, "=SUM(F2:F4)", 0.1 + 0.2, None])  # neither makes it a bad row
    wb.save(tmp_path / "f.xlsx")
    report = run_batch(tmp_path / "f.xlsx", tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows, report.skipped_rows) == (1, 2, 1)  # the totals row stays skipped
    a, b = report.problems
    assert (a.row, a.line, a.name, a.field, a.value) == (1, 2, "甲公司", "settlement_sales", "=100*12345.67")
    assert (b.row, b.line, b.name, b.field, b.value) == (2, 3, "乙公司", "year", "=2020+4")
    assert a.message.startswith("the cell holds the formula =100*12345.67 but no saved result")
    assert "open it in Excel or WPS and save it" in a.message
    assert settlement_of(tmp_path / "o.csv") == {"丙公司": "6172.84"}


def test_a_formula_whose_saved_result_is_empty_text_is_an_empty_cell_not_a_bad_row(catalog, tmp_path):
    """Excel saves =IF(…,"",…) with the result "" as <c t="str"><f>…</f><v/></c>: a calculated, empty result
    (re-saving in Excel changes nothing), unlike openpyxl's <c><f>…</f><v/></c>, which was never calculated.
    A row of such cells only (a template row below the data) is blank."""
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(company("甲公司", '=IF(1,"",0)'))
    ws.append(company("乙公司"))
    ws.append(['=IF(1,"",0)'] * len(HEADER))
    wb.save(tmp_path / "plain.xlsx")
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as src, zipfile.ZipFile(tmp_path / "e.xlsx", "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":  # as Excel writes an empty-text result
                data = data.replace(b'"><f>IF(1,"",0)</f><v /></c>', b'" t="str"><f>IF(1,"",0)</f><v /></c>')
                data = data.replace(b'"><f>IF(1,&quot;&quot;,0)</f><v /></c>',
                                    b'" t="str"><f>IF(1,&quot;&quot;,0)</f><v /></c>')
                assert data.count(b't="str"') == 1 + len(HEADER)
            if item.filename == "xl/workbook.xml":  # Excel does not ask to be recalculated on opening
                data = data.replace(b' fullCalcOnLoad="1"', b"")
            dst.writestr(item, data)
    report = run_batch(tmp_path / "e.xlsx", tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows, report.output_rows) == (2, 0, 2)
    # 甲公司's settlement sales are empty: the clause waits for them; 乙公司's: 1,234,567 × 0.5% = 6,172.835 → 6172.84
    rows = {r["name"]: r for r in read(tmp_path / "o.csv")}
    assert rows["甲公司"]["settlement_status"] == "missing_input" and rows["乙公司"]["settlement"] == "6172.84"
    # the workbook as openpyxl saved it (never calculated) still gives the bad row
    plain = run_batch(tmp_path / "plain.xlsx", tmp_path / "o2.csv", catalog)
    assert plain.bad_rows == 2 and plain.problems[0].message.startswith('the cell holds the formula =IF(1,"",0)')


def test_rows_with_only_a_serial_number_or_a_remark_are_blank_not_bad(catalog, tmp_path):
    """A consultant's template numbers its rows (序号 1 … 200) before anyone fills them in, and ends with 以下空白 in
    备注: those rows are no companies (every column the policies read is empty), so they are blank rows, not 200
    bad rows for a missing 所在地 and 年度; in a CSV saved from it, and in the workbook itself."""
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", *HEADER, "备注"])
    ws.append([1, *company("甲公司"), None])
    for r in range(2, 6):
        ws.append([r] + [None] * len(HEADER))
    ws.append([6] + [None] * len(HEADER) + ["以下空白"])
    ws.append([7, *company("乙公司"), "补录"])
    wb.save(tmp_path / "t.xlsx")
    with (tmp_path / "t.csv").open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([[("" if c.value is None else c.value) for c in row] for row in ws.iter_rows()])
    for src in ("t.xlsx", "t.csv"):
        report = run_batch(tmp_path / src, tmp_path / f"{src}.out.csv", catalog)
        assert (report.good_rows, report.bad_rows, report.blank_rows) == (2, 0, 5), src
        # 1,234,567 × 0.5% = 6,172.835 → 6,172.84 each; 乙公司 keeps its line (8) and its row (7)
        assert settlement_of(tmp_path / f"{src}.out.csv") == {"甲公司": "6172.84", "乙公司": "6172.84"}
        assert [r["row"] for r in read(tmp_path / f"{src}.out.csv")] == ["1", "7"]


def _xlsxwriter_book(path: Path) -> None:
    xlsxwriter = pytest.importorskip("xlsxwriter")
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("客户")
    ws.write_row(0, 0, HEADER)
    ws.write_row(1, 0, company("甲公司"))
    ws.write_formula(1, 5, "=100*12345.67")  # XlsxWriter saves the result 0
    ws.write_row(2, 0, company("乙公司"))
    ws.write_formula(2, 5, "=100*12345.67", None, 1234567)
    ws.write_row(3, 0, company("丙公司"))
    wb.close()


def test_formulas_no_spreadsheet_calculated_are_bad_rows_not_zeros(catalog, tmp_path):
    _xlsxwriter_book(tmp_path / "w.xlsx")  # the workbook asks to be recalculated on opening (fullCalcOnLoad)
    report = run_batch(tmp_path / "w.xlsx", tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows) == (1, 2)
    assert [(p.line, p.field, p.value) for p in report.problems] == [
        (2, "settlement_sales", "=100*12345.67"), (3, "settlement_sales", "=100*12345.67")]
    assert "whose saved result ('0') no spreadsheet has calculated" in report.problems[0].message
    assert settlement_of(tmp_path / "o.csv") == {"丙公司": "6172.84"}


def test_the_saved_results_of_a_workbook_excel_has_calculated_are_read(catalog, tmp_path):
    _xlsxwriter_book(tmp_path / "w.xlsx")
    # as Excel saves it: no request to recalculate on opening (and every result calculated; row 1's is fixed here)
    with zipfile.ZipFile(tmp_path / "w.xlsx") as z, zipfile.ZipFile(tmp_path / "e.xlsx", "w") as out:
        for item in z.infolist():
            data = z.read(item)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b' fullCalcOnLoad="1"', b"")
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>100*12345.67</f><v>0</v>", b"<f>100*12345.67</f><v>1234567</v>")
            out.writestr(item, data)
    report = run_batch(tmp_path / "e.xlsx", tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows) == (3, 0)
    assert settlement_of(tmp_path / "o.csv") == {"甲公司": "6172.84", "乙公司": "6172.84", "丙公司": "6172.84"}


# ---------------------------------------------------------------- number formats


def test_a_money_cell_shown_in_wan_by_its_number_format_is_a_bad_row(catalog, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(company("甲公司", 123.4567))  # shown as 123.4567万元: the CSV export says 1,234,567 yuan
    ws["F2"].number_format = '0.0000"万元"'
    ws.append(company("乙公司", 1234567))
    ws["F3"].number_format = '#,##0.00"元"'  # yuan: read as it is
    wb.save(tmp_path / "u.xlsx")
    report = run_batch(tmp_path / "u.xlsx", tmp_path / "o.csv", catalog)
    [p] = report.problems
    assert (p.row, p.line, p.name, p.field, p.value) == (1, 2, "甲公司", "settlement_sales", "123.4567")
    assert "number format '0.0000\"万元\"' shows in 万" in p.message and "(e.g. 123.4567万)" in p.message
    assert settlement_of(tmp_path / "o.csv") == {"乙公司": "6172.84"}


@pytest.mark.parametrize(("fmt", "stored", "shown"), [
    ("0!.0000", 300000000, "30000万"),  # Chinese Excel's 万 display: a literal "." four digits from the right
    ('0"."0000', 300000000, "30000万"),
    ("#,##0,", 50000000, "50000千"),  # a comma after the digits: thousands
    ("0.0,,", 3000000000, "3000百万"),
    ('0!.0,"万"', 300000000, "30000万"),  # (the comma and the shifted point together)
    ("[<10000]0;0!.0000", 300000000, "30000万"),  # a conditional format: the section that shows the number
])
def test_a_money_cell_whose_number_format_shows_it_divided_is_a_bad_row(catalog, tmp_path, fmt, stored, shown):
    # under 营业收入（万元） the stored yuan 300000000, shown as 30000.0000, was read as 300000000万 (3万亿 yuan):
    # loan_interest capped at 2,000,000.00 instead of 775,000.00, exit 0; the sheet's CSV export says 30000.0000
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业名称", "所在地", "年度", "行业", "营业收入（万元）", "上年营业收入（万元）", "在昌项目银行贷款（万元）"])
    ws.append(["甲", "南昌", 2024, "电子信息", stored, 18000, 5000])
    ws["E2"].number_format = fmt
    ws.append(["乙", "南昌", 2024, "电子信息", 30000, 18000, 5000])  # 5000万 × 50% × 3.10% = 775,000.00
    wb.save(tmp_path / "f.xlsx")
    report = run_batch(tmp_path / "f.xlsx", tmp_path / "o.csv", catalog)
    [p] = report.problems
    assert (p.line, p.name, p.field, p.value) == (2, "甲", "revenue", str(stored))
    assert f"number format {fmt!r} shows divided by" in p.message and f"(e.g. {shown})" in p.message
    assert [(r["name"], r["loan_interest"]) for r in read(tmp_path / "o.csv")] == [("乙", "775000.00")]


def test_a_conditional_format_that_shows_a_small_number_as_it_is_reads_it(catalog, tmp_path):
    # [>=10000]0!.0000;0: 5000 is shown "5000" (the second section); the first section's 万 display refused it
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业名称", "所在地", "年度", "行业", "营业收入（万元）", "上年营业收入（万元）", "在昌项目银行贷款（万元）"])
    ws.append(["甲", "南昌", 2024, "电子信息", 30000, 18000, 5000])
    ws["G2"].number_format = "[>=10000]0!.0000;0"
    ws.append(["乙", "南昌", 2024, "电子信息", 30000, 18000, 0])  # 0 is 0 whatever the format divides by
    ws["G3"].number_format = '0.00,,"百万"'
    ws.append(["丙", "南昌", 2024, "电子信息", 30000, 18000, 5000])  # (its 万 only in the section not shown)
    ws["G4"].number_format = '[>=10000]0!.0,"万";0'
    wb.save(tmp_path / "c.xlsx")
    report = run_batch(tmp_path / "c.xlsx", tmp_path / "o.csv", catalog)
    assert report.problems == []
    assert [(r["name"], r["loan_interest"]) for r in read(tmp_path / "o.csv")] == [("甲", "775000.00"),
                                                                                 ("乙", "0.00"), ("丙", "775000.00")]


def test_a_money_cell_excel_turned_into_a_date_says_so(catalog, tmp_path):
    # the message quoted '2024-01-09T00:00:00' as "not an amount of money", with no word of why
    import datetime

    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(company("甲公司", datetime.datetime(2024, 1, 9)))
    wb.save(tmp_path / "d.xlsx")
    [p] = run_batch(tmp_path / "d.xlsx", tmp_path / "o.csv", catalog).problems
    assert (p.field, p.value) == ("settlement_sales", "2024-01-09")
    assert p.message.startswith("the cell holds a date (2024-01-09), not an amount: Excel turns what looks like a "
                                "date (1-9, 3/4) into one as it is typed")


def test_a_money_cell_shown_in_traditional_wan_by_its_number_format_is_a_bad_row(catalog, tmp_path):
    """0.00"萬元" (繁體) was read as yuan, 10,000 times too small, while 0.00"万元" was refused."""
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(company("甲公司", 123.4567))
    ws["F2"].number_format = '0.0000"萬元"'
    ws.append(company("乙公司", "123.4567萬"))  # the text the message suggests reads as 1,234,567 yuan
    wb.save(tmp_path / "u.xlsx")
    report = run_batch(tmp_path / "u.xlsx", tmp_path / "o.csv", catalog)
    [p] = report.problems
    assert (p.line, p.value) == (2, "123.4567")
    assert "shows in 萬" in p.message and "(e.g. 123.4567萬)" in p.message
    assert settlement_of(tmp_path / "o.csv") == {"乙公司": "6172.84"}


@pytest.mark.parametrize(("fmt", "says"), [
    ('0"0000"', ("number format '0\"0000\"' shows as 400000000: the format writes digits of its own beside the "
                 "number's (an amount typed in 万 and shown in yuan?)")),
    ("0\\0\\0\\0\\0", "shows as 400000000: the format writes digits of its own"),
    ('#,##0"0000"', "shows as 40,0000000: the format writes digits of its own"),
    (";;;", ("number format ';;;' shows nothing for it: the cell looks empty (a CSV saved from the sheet holds "
             "nothing), and batch would read 40000")),
    ('"-"', "number format '\"-\"' shows it as '-', without its digits"),
])
def test_a_money_cell_whose_number_format_shows_another_figure_is_a_bad_row(catalog, tmp_path, fmt, says):
    # 0"0000" shows 40000 (typed in 万) as 400000000, and a CSV saved from the sheet holds 400000000: batch read
    # 40000 yuan (settlement 200.00); ;;; shows nothing and "-" a dash, and the stored number was read unseen
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(company("甲公司", 40000))
    ws["F2"].number_format = fmt
    ws.append(company("乙公司", 40000))
    wb.save(tmp_path / "h.xlsx")
    report = run_batch(tmp_path / "h.xlsx", tmp_path / "o.csv", catalog)
    [p] = report.problems
    assert (p.line, p.name, p.field, p.value) == (2, "甲公司", "settlement_sales", "40000")
    assert says in p.message, p.message
    assert "format the cells as 数值 (Number) and type the full amount" in p.message
    if "0000" in fmt or "\\" in fmt:
        assert p.message.endswith("type the full amount (e.g. 400000000)")
    assert settlement_of(tmp_path / "o.csv") == {"乙公司": "200.00"}  # 0.5% of 40,000


def test_ordinary_number_formats_are_read_as_the_number_stored(catalog, tmp_path):
    # the formats of everyday sheets show the number stored (with a currency sign, a unit of yuan, a count's
    # 项, a year's 年): read as before; the accounting format's "-" for a zero is still a zero
    openpyxl = pytest.importorskip("openpyxl")
    accounting = '_ * #,##0.00_ ;_ * -#,##0.00_ ;_ * "-"??_ ;_ @_ '
    formats = ["General", "0", "0.00", "#,##0.00", "¥#,##0.00", accounting, '#,##0"元"', 'G/通用格式"元"',
               "[Red]#,##0;[Red]-#,##0", "@"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([*HEADER, "科技重大专项数"])
    for k, fmt in enumerate(formats, start=2):
        ws.append([*company(f"公司{k}"), 1])
        ws.cell(row=k, column=6).number_format = fmt
    ws.append([*company("零", 0), 1])
    ws["F12"].number_format = accounting  # shown as "-"
    ws.append([*company("年份"), 1])
    ws["C13"].number_format = '0"年"'  # 2024年
    ws["I13"].number_format = '0"项"'
    ws.append([*company("十项"), 1])
    ws["I14"].number_format = '0"0"'  # 1 shown as 10: refused, as a money cell
    wb.save(tmp_path / "n.xlsx")
    report = run_batch(tmp_path / "n.xlsx", tmp_path / "o.csv", catalog)
    [p] = report.problems
    assert (p.line, p.name, p.field, p.value) == (14, "十项", "major_tech_projects", "1")
    assert "number format '0\"0\"' shows as 10: the format writes digits of its own" in p.message
    rows = {r["name"]: r for r in read(tmp_path / "o.csv")}
    assert {n: r["settlement"] for n, r in rows.items()} == {
        **{f"公司{k}": "6172.84" for k in range(2, 12)}, "零": "0.00", "年份": "6172.84"}
    assert rows["年份"]["year"] == "2024" and rows["年份"]["major_tech_project_status"] == rows["公司2"][
        "major_tech_project_status"]


# ---------------------------------------------------------------- the header line


ROW = "甲公司,南昌,2024,电子信息,是,1234567,100亿,否"


def test_empty_columns_right_of_the_header_are_ignored_as_in_an_xlsx(catalog, tmp_path):
    src = tmp_path / "t.csv"  # Excel saves the empty (formatted) columns right of the data
    src.write_bytes((",".join(HEADER) + ",,,\r\n" + ROW + ",,,\r\n" + ROW.replace("甲", "乙") + ",,备注,\r\n"
                     + ",,,,,,,,,,,\r\n").encode("gbk"))
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows, report.blank_rows) == (1, 1, 1)
    [p] = report.problems
    assert (p.row, p.line, p.name, p.message) == (2, 3, "乙公司", ("the row has 11 cells, the header has 8 columns"
                                                 ": a cell lies past the last column, or a cell with a comma in it "
                                                 "(a name, 1,200,000) is not in double quotes"))
    assert settlement_of(tmp_path / "o.csv") == {"甲公司": "6172.84"}


def test_every_header_problem_is_reported_at_once(header_problems, tmp_path):
    text = header_problems("序号,企业名称,所在地,年度,营业收入,营业收入,,备注,营收\n1,甲,南昌,2024,1亿,1亿,,x,1\n")
    assert text.startswith(f"{tmp_path / 'h.csv'}:1: 2 problems; fix them all before running again:")
    for part in ("field '营业收入': the column appears twice", "field '营收': unknown column"):
        assert part in text
    assert "column 7" not in text  # a column with no heading is read past (test_batch_rows), not a problem
    assert "序号" not in text and "备注" not in text  # the sheet's own columns are read past (next test)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_a_sheets_own_bookkeeping_columns_are_read_past_and_named(catalog, tmp_path, fmt, write_sheet):
    # 序号, 备注 and 联系电话 stood in a consultant's every sheet, and each made the whole batch refuse to start
    header = ["序号", *HEADER, "备注", "联系电话", "备注"]
    rows = [[1, *company("甲公司"), "重点企业", "13800000000", "x"], [2, *company("乙公司", 2469134), "", "", ""]]
    if fmt == "parquet":  # (Parquet column names are unique: the second 备注 gets a space, read the same)
        header[-1] += " "
    write_sheet(src := tmp_path / f"b.{fmt}", header, rows)
    report = run_batch(src, tmp_path / "o.csv", catalog, summary_path=tmp_path / "s.json")
    assert (report.good_rows, report.bad_rows) == (2, 0)
    assert report.ignored_columns[:3] == ["序号", "备注", "联系电话"]
    # 业务结算销售收入 × 0.5% (三(二)): 1,234,567 → 6,172.835 → 6,172.84; 2,469,134 → 12,345.67
    assert settlement_of(tmp_path / "o.csv") == {"甲公司": "6172.84", "乙公司": "12345.67"}


def test_a_title_line_above_the_header_gets_advice(catalog, tmp_path):
    src = tmp_path / "title.csv"
    src.write_bytes(("2024年度申报企业清单,,,,,,,\r\n" + ",".join(HEADER) + "\r\n" + ROW + "\r\n").encode("gbk"))
    with pytest.raises(InputError, match=r"title.csv:1: line 2 looks like the header \(企业名称, .*\), not line 1: "
                                         r"the first line must name the columns; delete line 1 above it$"):
        run_batch(src, tmp_path / "o.csv", catalog)
    alone = tmp_path / "alone.csv"  # a title and no header in the first lines: said as before
    alone.write_text("2024年度申报企业清单\n甲,南昌,2024\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"alone.csv:1, field '2024年度申报企业清单': the first line holds only "
                                         r"'2024年度申报企业清单', which looks like a title: .*delete the lines above"):
        run_batch(alone, tmp_path / "o.csv", catalog)
    typo = tmp_path / "typo.csv"  # one column that is a typo of a field: the did-you-mean, not the title advice
    typo.write_text("nmae\nx\n", encoding="utf-8")
    with pytest.raises(InputError, match='unknown column \\(did you mean "name"\\?\\)'):
        run_batch(typo, tmp_path / "o.csv", catalog)


# ---------------------------------------------------------------- outputs


def test_lang_zh_headings_keep_every_clause_id(catalog, tmp_path):
    out = tmp_path / "zh.csv"
    run_batch(Path("samples/zh/companies.csv"), out, catalog, BatchOptions(lang="zh"))
    header = next(csv.reader(out.open(encoding="utf-8-sig")))
    # the clause si_led_sales has the name of a field (硅衬底LED销售额): its column is still the clause
    assert "si_led_sales" in header and "硅衬底LED销售额" not in header
    assert header[:10] == ["序号", "企业名称", "提示", "政策", "年度", "合计", "确定金额合计", "最高限额合计",
                           "确定金额合计（至多）", "企业年度上限"]
    row = next(r for r in read(out) if r["政策"] == "nanchang-electronic-information-2023"
               and r["企业名称"].startswith("洪城"))
    assert (row["si_led_sales"], row["si_led_sales_状态"]) == ("10000000.00", "capped")


def test_an_errors_file_named_xlsx_is_a_usage_error(tmp_path):
    res = CliRunner().invoke(app, ["batch", "samples/companies.csv", "-o", str(tmp_path / "o.csv"),
                                   "--errors", "bad_rows.xlsx"])
    assert res.exit_code == 2
    assert "--errors bad_rows.xlsx: the errors file is CSV; expected a name ending in .csv, e.g. --errors " \
           "bad_rows.csv" in res.output
    assert not (tmp_path / "o.csv").exists()


def test_a_failed_write_names_the_users_file_not_the_temporary_one(catalog, tmp_path, monkeypatch):
    real = os.replace

    def refuse(src, dst):  # a read-only file on Windows, an immutable one, a directory one may not write in
        if str(dst).endswith("o.csv"):
            raise PermissionError(errno.EACCES, "Permission denied", str(src), None, str(dst))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(InputError) as exc:
        run_batch(Path("samples/companies.csv"), tmp_path / "o.csv", catalog)
    assert str(exc.value) == f"{tmp_path / 'o.csv'}: cannot write: Permission denied"
    assert list(tmp_path.iterdir()) == []  # and the temporary file is gone


def test_a_workbook_without_an_excel_suffix_or_from_standard_input_is_read(catalog, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    wb.active.append(company("甲公司"))
    wb.save(tmp_path / "clients")  # known by its zip magic; openpyxl itself refuses such a name (a traceback)
    report = run_batch(tmp_path / "clients", tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows) == (1, 0)
    assert settlement_of(tmp_path / "o.csv") == {"甲公司": "6172.84"}
    # batch - < clients.xlsx: standard input is copied to a temporary '.part' file first
    res = CliRunner().invoke(app, ["batch", "-", "-o", str(tmp_path / "s.csv"), "-q"],
                             input=(tmp_path / "clients").read_bytes())
    assert res.exit_code == 0, res.output
    assert settlement_of(tmp_path / "s.csv") == {"甲公司": "6172.84"}


def test_a_sheet_whose_dimension_reaches_the_last_cell_is_read_as_the_rows_it_holds(catalog, tmp_path):
    # one formatted cell at XFD1048576 made the sheet's dimension A1:XFD1048576, and reading padded every row to
    # 16,384 cells down to row 1,048,576: a 5 KB workbook ran for more than ten minutes
    openpyxl = pytest.importorskip("openpyxl")
    from openpyxl.styles import PatternFill

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["name", "jurisdiction", "year", "revenue"])
    ws.append(["甲", "nanchang", 2024, "1亿"])
    ws.append([])
    ws.append(["乙", "nanchang", 2024, None, None, None, "x"])  # a stray value right of the header: a bad row
    for row, col in ((1048576, 1), (1048576, 16384)):
        ws.cell(row, col).fill = PatternFill("solid", fgColor="FFFF00")
    src = tmp_path / "styled.xlsx"
    wb.save(src)
    report = run_batch(src, tmp_path / "o.xlsx", catalog, BatchOptions(fmt="xlsx"))
    assert report.good_rows == 1
    assert [(p.row, p.line, p.name, p.message) for p in report.problems] == [
        (3, 4, "乙", ("the row has 7 cells, the header has 4 columns: a cell lies past the last column of the "
                   "header: delete it or give its column a heading"))]
    # the blank row between the companies is skipped; the 1,048,572 formatted empty rows below them are not
    # rows anybody left blank (the budget view said "1,048,573 blank rows skipped")
    assert report.blank_rows == 1


def test_cells_merged_down_a_column_give_each_row_their_label_but_never_an_amount(catalog, tmp_path):
    # 所在地 / 年度 / 行业 / 研发中心 merged over three companies: openpyxl gives the value to the first row only, and
    # the other rows were bad ("jurisdiction: missing") or silently lost has_rd_center
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业名称", "所在地", "年度", "行业", "营业收入", "上年营业收入", "研发费用", "研发人员", "已设立研发中心"])
    ws.append(["甲", "南昌", 2024, "电子信息", "25亿", "22亿", "1.2亿", 150, "是"])
    ws.append(["乙", None, None, None, "25亿", "22亿", "1.2亿", 150, None])
    ws.append(["丙", None, None, None, None, "22亿", "1.2亿", 150, None])
    for ref in ("B2:B4", "C2:C4", "D2:D4", "I2:I4", "E3:E4"):
        ws.merge_cells(ref)
    src = tmp_path / "merged.xlsx"
    wb.save(src)
    report = run_batch(src, tmp_path / "o.csv", catalog)
    rows = {r["name"]: r for r in csv.DictReader((tmp_path / "o.csv").open(encoding="utf-8-sig"))}
    # 乙 has 甲's place, year, industry and R&D centre: rd_center 1.2亿 × 15% = 18,000,000.00
    assert (rows["乙"]["policy"], rows["乙"]["year"], rows["乙"]["rd_center"]) == (
        "nanchang-electronic-information-2023", "2024", "18000000.00")
    assert rows["甲"]["rd_center"] == "18000000.00"
    # 丙's revenue lies under 乙's in the merged E3:E4: never copied, a bad row naming the range
    (p,) = report.problems
    assert (p.row, p.line, p.name, p.field) == (3, 4, "丙", "revenue")
    assert p.message.startswith("the cell is part of the merged range E3:E4, whose value '25亿' is in its first row "
                                "only: an amount is never copied")


def test_the_summary_of_a_binary_output_names_no_text_encoding(tmp_path):
    for suffix, expected in (("xlsx", None), ("parquet", None), ("csv", "UTF-8"), ("jsonl", "UTF-8")):
        summary = tmp_path / f"s-{suffix}.json"
        res = CliRunner().invoke(app, ["batch", "samples/companies.csv", "-o", str(tmp_path / f"o.{suffix}"),
                                       "--summary-json", str(summary), "-q"])
        assert res.exit_code == 0, res.output
        import json

        assert json.loads(summary.read_text(encoding="utf-8"))["output_encoding"] == expected, suffix


def test_a_summary_named_csv_is_a_usage_error_and_the_advice_keeps_the_directory(tmp_path):
    res = CliRunner().invoke(app, ["batch", "samples/companies.csv", "-o", str(tmp_path / "o.csv"),
                                   "--summary-json", str(tmp_path / "summary.csv")])
    assert res.exit_code == 2
    said = " ".join(res.output.split())
    assert (f"--summary-json {tmp_path / 'summary.csv'}: the summary is one JSON document; expected a name ending "
            f"in .json, e.g. --summary-json {tmp_path / 'summary.json'}") in said
    res = CliRunner().invoke(app, ["batch", "samples/companies.csv", "-o", str(tmp_path / "o.csv"),
                                   "--errors", str(tmp_path / "bad.xlsx")])
    assert res.exit_code == 2 and f"e.g. --errors {tmp_path / 'bad.csv'}" in " ".join(res.output.split())
    assert not (tmp_path / "o.csv").exists()


def test_an_empty_first_sheet_names_the_sheets_with_the_data(catalog, tmp_path):
    """A cover sheet (封面) left empty before the data sheet: "the sheet is empty" said nothing of the workbook's
    other sheets, as a header problem's message does; it names them and --sheet."""
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.title = "封面"
    data = wb.create_sheet("数据")
    data.append(HEADER)
    data.append(company("洪都甲公司"))
    wb.save(tmp_path / "clients.xlsx")
    with pytest.raises(InputError) as info:
        run_batch(tmp_path / "clients.xlsx", tmp_path / "o.csv", catalog)
    assert info.value.message == ("the sheet is empty; its first row must name the columns (name,jurisdiction,year,…) "
                                  "(this is sheet '封面' of the workbook, which also has '数据': another is read with "
                                  "--sheet NAME)")
    run_batch(tmp_path / "clients.xlsx", tmp_path / "o.csv", catalog, BatchOptions(sheet="数据"))
    assert settlement_of(tmp_path / "o.csv") == {"洪都甲公司": "6172.84"}


def test_a_carriage_return_saved_as_x000d_reads_as_in_the_csv(catalog, tmp_path):
    # Excel and XlsxWriter store a CR (text pasted from another program) as _x000D_, which openpyxl leaves
    xlsxwriter = pytest.importorskip("xlsxwriter")
    rows = [company("甲公司\r", "1234567\r"), company("乙公司\r\n（分公司）"), company("丙_x00公司_x1_")]
    wb = xlsxwriter.Workbook(str(tmp_path / "cr.xlsx"))
    ws = wb.add_worksheet()
    for i, row in enumerate([HEADER, *rows]):
        ws.write_row(i, 0, row)
    wb.close()
    report = run_batch(tmp_path / "cr.xlsx", tmp_path / "x.csv", catalog)
    assert (report.good_rows, report.bad_rows) == (3, 0)
    with open(tmp_path / "cr.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *rows])
    run_batch(tmp_path / "cr.csv", tmp_path / "c.csv", catalog)
    assert read(tmp_path / "x.csv") == read(tmp_path / "c.csv")
    assert settlement_of(tmp_path / "x.csv") == {"甲公司": "6172.84", "乙公司\r\n（分公司）": "6172.84",
                                                  "丙_x00公司_x1_": "6172.84"}


def test_escapes_of_surrogates_in_a_cell_never_stop_the_batch(catalog, tmp_path):
    # _xD83D__xDE00_ is 😀 as UTF-16; a lone _xD800_ is no character: left as written (it stopped the whole run)
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    for name in ("名字_xD800_公司", "笑脸_xD83D__xDE00_公司", "合计_xDC00_"):
        wb.active.append(company(name))
    wb.save(tmp_path / "s.xlsx")
    report = run_batch(tmp_path / "s.xlsx", tmp_path / "o.csv", catalog)
    assert report.good_rows + report.bad_rows + report.skipped_rows == 3
    assert set(settlement_of(tmp_path / "o.csv")) >= {"名字_xD800_公司", "笑脸\U0001f600公司"}


def test_bookkeeping_columns_are_never_checked_and_only_their_own_headings_are_read_past(catalog, tmp_path,
                                                                                         header_problems):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", *HEADER, "备注"])
    ws.append(["=ROW()-1", *company("甲公司"), "重点"])  # a formula with no saved result, in a column never read
    ws.append(["=ROW()-1", *company("乙公司"), None])
    ws.merge_cells("J2:J3")  # 备注 merged over two companies
    wb.save(tmp_path / "b.xlsx")
    report = run_batch(tmp_path / "b.xlsx", tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows) == (2, 0)
    # a heading that only starts with a bookkeeping word is a heading of its own (手机产品销售额 is sales), and
    # an exact one is read past even when a field is near it (remark is no typo of year)
    text = header_problems("企业名称,所在地,年度,手机产品销售额,remark,联系电话（手机）\n甲,南昌,2024,1亿,x,1\n")
    assert "手机产品销售额" in text and "remark" not in text and "联系电话" not in text


def test_lower_case_surrogate_escapes_are_joined(catalog, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    wb.active.append(company("笑脸_xd83d__xde00_公司"))
    wb.save(tmp_path / "s.xlsx")
    run_batch(tmp_path / "s.xlsx", tmp_path / "o.csv", catalog)
    assert set(settlement_of(tmp_path / "o.csv")) == {"笑脸\U0001f600公司"}


def test_rows_hidden_in_the_sheet_are_computed_and_each_is_named(catalog, tmp_path):
    # a consultant filters the sheet to this year's clients (or hides rows by hand, or collapses a group): the
    # hidden rows are still in the file, and batch computes them; each is said, so a figure nobody saw in the
    # sheet is not a surprise in the results (it was computed without a word)
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for name in ("甲", "乙", "丙", "丁"):
        ws.append(company(name))
    ws.row_dimensions[3].hidden = True  # 乙, sheet line 3
    ws.row_dimensions[5].hidden = True  # 丁, sheet line 5
    src = tmp_path / "filtered.xlsx"
    wb.save(src)
    report = run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "e.csv")
    rows = {r["name"]: r for r in read(tmp_path / "o.csv")}
    assert set(rows) == {"甲", "乙", "丙", "丁"}
    # 三(二): 1,234,567 × 0.5% = 6,172.835 -> 6,172.84 for every row, hidden or not
    assert [rows[n]["settlement"] for n in ("甲", "乙", "丙", "丁")] == ["6172.84"] * 4
    assert ["hidden_row" in rows[n]["warnings"].split(";") for n in ("甲", "乙", "丙", "丁")] == [
        False, True, False, True]
    said = read(tmp_path / "e.csv")
    assert [(w["row"], w["line"], w["name"]) for w in said] == [("2", "3", "乙"), ("4", "5", "丁")]
    assert all(w["message"].startswith("warning: the row is hidden in the sheet") for w in said)
    assert report.warned_rows == 2 and report.bad_rows == 0


def test_a_hidden_row_tag_cut_by_a_megabyte_boundary_is_still_found(tmp_path):
    from nanchang_incentives import xlsxio

    class Book:
        def __init__(self, data: bytes):
            self._archive = zipfile.ZipFile(tmp_path / "b.zip", "w")
            self._archive.writestr("s.xml", data)
            self._archive.close()
            self._archive = zipfile.ZipFile(tmp_path / "b.zip")

    class Sheet:
        _worksheet_path = "s.xml"

    tag = b'<row r="7" spans="1:9" hidden="1" x14ac:dyDescent="0.25">'
    pad = b" " * ((1 << 20) - 20)  # the tag straddles the first megabyte's end
    book = Book(b"<sheetData>" + pad + tag + b"<c/></row></sheetData>")
    assert xlsxio._scan_sheet(book, Sheet())[2] == {7}


def _rewrite(src: Path, dst: Path, edit) -> None:
    """A copy of the workbook ``src`` with each XML part passed through ``edit(name, text)``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith((".xml", ".rels")):
                data = edit(info.filename, data.decode("utf-8")).encode("utf-8")
            zout.writestr(info, data)


def _book(tmp_path: Path, rows) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    path = tmp_path / "plain.xlsx"
    wb.save(path)
    return path


def test_a_strict_open_xml_workbook_is_refused_with_advice_not_a_traceback(tmp_path):
    # Excel's "Strict Open XML 电子表格" (ISO 29500 Strict namespaces): openpyxl finds no worksheet in it
    strict = tmp_path / "strict.xlsx"
    _rewrite(_book(tmp_path, [company("甲")]), strict, lambda name, text: text.replace(
        "http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main")
        .replace("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                 "http://purl.oclc.org/ooxml/officeDocument/relationships"))
    res = CliRunner().invoke(app, ["batch", str(strict), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 1, res.output
    flat = " ".join(res.output.split())
    assert "Traceback" not in flat
    assert ("the workbook has no worksheet that can be read (it was saved as 'Strict Open XML 电子表格', which "
            "openpyxl does not read): save it from Excel or WPS as 'Excel 工作簿 (*.xlsx)' or as CSV") in flat
    assert not (tmp_path / "o.csv").exists()



@pytest.mark.parametrize("part, says", [
    ("xl/workbook.xml", ": not a readable .xlsx workbook (a damaged XML part inside the file: "),
    ("xl/styles.xml", ": not a readable .xlsx workbook (a damaged XML part inside the file: "),
    ("xl/worksheets/sheet1.xml", ":1: this row of sheet '数据' cannot be read (a damaged XML part inside the file: "),
])
def test_a_workbook_with_a_cut_xml_part_is_refused_with_advice_not_a_traceback(tmp_path, part, says):
    # a workbook cut short in one of its parts (a copy broken off, a tool that wrote it badly): openpyxl's
    # ElementTree ParseError came out as a traceback
    cut = tmp_path / "cut.xlsx"
    _rewrite(_book(tmp_path, [company("甲")]), cut, lambda name, text: text[:len(text) // 2] if name == part else text)
    res = CliRunner().invoke(app, ["batch", str(cut), "-o", str(tmp_path / "o.csv")], env={"COLUMNS": "400"})
    assert res.exit_code == 1, res.output
    assert isinstance(res.exception, SystemExit), res.exception  # a message, not an exception out of openpyxl
    assert f"error: {cut}{says}" in res.output
    assert not (tmp_path / "o.csv").exists()


def test_a_workbook_with_a_damaged_compressed_part_is_refused_not_a_traceback(tmp_path):
    src = _book(tmp_path, [company(f"公司{k}") for k in range(200)])
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + 40, start + 60):  # inside the sheet's deflated bytes
        data[k] ^= 0x5A
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(bytes(data))
    res = CliRunner().invoke(app, ["batch", str(bad), "-o", str(tmp_path / "o.csv")], env={"COLUMNS": "400"})
    assert res.exit_code == 1, res.output
    assert isinstance(res.exception, SystemExit), res.exception
    assert res.output.startswith(f"error: {bad}")
    assert "not a readable .xlsx workbook (a damaged compressed part inside the file: " in res.output, res.output

def test_a_cut_short_download_and_a_zip_that_is_no_workbook_say_what_they_are(tmp_path):
    # all three said "not a readable .xlsx workbook (File is not a zip file)" or "(There is no item named
    # '[Content_Types].xml' in the archive)", then to save it from Excel: a file nobody could open in Excel
    src = _book(tmp_path, [company(f"公司{k}") for k in range(50)])
    cut = tmp_path / "cut.xlsx"  # a download broken off: the zip's directory, at its end, is missing
    cut.write_bytes(src.read_bytes()[:src.stat().st_size // 2])
    zipped = tmp_path / "companies.zip"  # a zip of the CSV export, named or renamed .xlsx or not
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("companies.csv", ",".join(HEADER) + "\n")
    ods = tmp_path / "companies.xlsx"  # LibreOffice's or WPS's OpenDocument spreadsheet under an .xlsx name
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    for path, says in [
        (cut, ("not a readable .xlsx workbook: the file begins as a zip file, as an .xlsx does, but is damaged or "
               "incomplete (a download or a copy cut short?); download or copy it again, or save it again from "
               "Excel or WPS as 'Excel 工作簿 (*.xlsx)' or as CSV")),
        (zipped, ("not an Excel workbook: it is a zip archive (holding 'companies.csv'), not an .xlsx; unzip it and "
                  "give batch the file inside, or open the table in Excel or WPS and save it as 'Excel 工作簿 "
                  "(*.xlsx)' or as CSV")),
        (ods, ("not an Excel workbook: it is an OpenDocument file (.ods, saved by LibreOffice or WPS), a zip archive "
               "batch does not read; open it in WPS, Excel or LibreOffice and save it as 'Excel 工作簿 (*.xlsx)' or "
               "as CSV")),
    ]:
        res = CliRunner().invoke(app, ["batch", str(path), "-o", str(tmp_path / "o.csv")], env={"COLUMNS": "1000"})
        assert res.exit_code == 1, res.output
        assert isinstance(res.exception, SystemExit), res.exception
        assert res.output.strip() == f"error: {path}: {says}"
        assert not (tmp_path / "o.csv").exists()


def _one_company_book(title: str):
    """(openpyxl, a workbook, its first sheet titled ``title`` holding the header and company 甲)."""
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws.append(HEADER)
    ws.append(company("甲"))
    return openpyxl, wb, ws


def test_a_chart_sheet_named_by_sheet_is_refused_naming_the_worksheets(tmp_path):
    openpyxl, wb, ws = _one_company_book("数据")
    chart = openpyxl.chart.BarChart()
    chart.add_data(openpyxl.chart.Reference(ws, min_col=6, min_row=1, max_row=2), titles_from_data=True)
    wb.create_chartsheet("图表").add_chart(chart)
    src = tmp_path / "chart.xlsx"
    wb.save(src)
    res = CliRunner().invoke(app, ["batch", str(src), "--sheet", "图表", "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 1, res.output
    assert "sheet '图表' is a chart sheet, not a table of companies; choose a worksheet: '数据'" in " ".join(
        res.output.split())


def test_openpyxl_warnings_about_what_it_would_not_write_back_never_reach_the_user(tmp_path, capfd):
    # a 是/否 drop-down list saved by Excel as an x14 extension: openpyxl warned "Data Validation extension is not
    # supported and will be removed" on the terminal, -q or not
    ext = ('<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
           'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:dataValidations count="1" '
           'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><x14:dataValidation type="list" '
           'allowBlank="1"><x14:formula1><xm:f>Lists!$A$1:$A$2</xm:f></x14:formula1><xm:sqref>E2:E100</xm:sqref>'
           '</x14:dataValidation></x14:dataValidations></ext></extLst>')
    src = tmp_path / "dv.xlsx"
    _rewrite(_book(tmp_path, [company("甲")]), src,
             lambda name, text: text.replace("</worksheet>", ext + "</worksheet>") if "worksheets/" in name else text)
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-m", "nanchang_incentives", "batch", str(src), "-o",
                           str(tmp_path / "o.csv"), "-q"], capture_output=True, text=True, encoding="utf-8", check=False)
    assert done.returncode == 0, done.stderr
    assert "UserWarning" not in done.stderr and "Data Validation" not in done.stderr
    assert done.stderr.startswith("1 row read (xlsx, sheet '数据'): 1 evaluated, 0 bad")
    assert settlement_of(tmp_path / "o.csv") == {"甲": "6172.84"}  # 1,234,567 × 0.5%


def test_an_unknown_heading_of_a_hidden_column_says_it_is_hidden_and_where(catalog, tmp_path):
    # a helper column 辅助列 hidden in the sheet got only "unknown column: every column must be a profile field",
    # and nobody looking at the sheet could see the column it was about
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([*HEADER[:4], "辅助列", *HEADER[4:]])
    ws.append([*company("甲")[:4], "x", *company("甲")[4:]])
    ws.column_dimensions["E"].hidden = True
    wb.save(tmp_path / "h.xlsx")
    with pytest.raises(InputError) as exc:
        run_batch(tmp_path / "h.xlsx", tmp_path / "o.csv", catalog)
    assert exc.value.location.field == "辅助列"
    assert exc.value.message == (
        "unknown column: every column must be a profile field; see the field reference in the README. The column "
        "is hidden in the sheet (column E): unhide it to see it (select the columns on both sides, 右键 → 取消隐藏), "
        "and delete it if it is a helper column of the sheet's own, or save a copy of the sheet without it")
    ws["I1"] = "备用"  # a second unknown column, not hidden: said as before, beside the hidden one
    ws["I2"] = "y"
    wb.save(tmp_path / "h2.xlsx")
    res = CliRunner().invoke(app, ["batch", str(tmp_path / "h2.xlsx"), "-o", str(tmp_path / "o.csv")],
                             env={"COLUMNS": "1000"})
    assert res.exit_code == 1, res.output
    lines = res.output.splitlines()
    assert lines[0] == f"error: {tmp_path / 'h2.xlsx'}:1: 2 problems; fix them all before running again:"
    assert lines[1].startswith(f"  {tmp_path / 'h2.xlsx'}:1, field '辅助列': unknown column: every column must be a "
                               f"profile field; see the field reference in the README. The column is hidden in the "
                               f"sheet (column E): unhide it")
    assert lines[2] == (f"  {tmp_path / 'h2.xlsx'}:1, field '备用': unknown column: every column must be a profile "
                        f"field; see the field reference in the README")


def test_a_space_typed_right_of_the_table_is_ignored_as_in_the_csv(catalog, tmp_path):
    # invisible in Excel; the row was bad ("the row has 9 cells, the header has 8") while its CSV export was read
    src = _book(tmp_path, [company("甲") + [" "], company("乙") + ["\u3000"]])
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert report.bad_rows == 0
    assert settlement_of(tmp_path / "o.csv") == {"甲": "6172.84", "乙": "6172.84"}


def test_excel_error_values_make_a_bad_row_naming_them(catalog, tmp_path):
    # a company named #N/A (a VLOOKUP that found nothing) was evaluated as a company of that name, and #DIV/0! in
    # an amount was "not an amount of money"; a 备注 cell holding #REF! is never read
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER + ["备注"])
    ws.append(["#N/A", "南昌", 2024, "电子信息", "是", "#DIV/0!", "100亿", "否", "#REF!"])
    ws.append(company("乙") + [None])
    for ref in ("A2", "F2", "I2"):
        ws[ref].data_type = "e"
    src = tmp_path / "errors.xlsx"
    wb.save(src)
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert [(p.line, p.field, p.value) for p in report.problems] == [(2, "name", "#N/A"), (2, "settlement_sales",
                                                                                          "#DIV/0!")]
    assert all(p.message.startswith("the cell holds Excel's error value #") for p in report.problems)
    assert settlement_of(tmp_path / "o.csv") == {"乙": "6172.84"}


def test_hidden_columns_and_the_other_sheets_are_said(tmp_path):
    _, wb, ws = _one_company_book("2024年")
    ws.column_dimensions["F"].hidden = True  # 业务结算销售收入: read, and its 6,172.84 counted
    other = wb.create_sheet("2023年")
    other.append(HEADER)
    other.append(company("乙", year=2023))
    wb.create_sheet("模板").sheet_state = "hidden"  # (not one a user sees: not named)
    wb.create_sheet("Sheet3")  # the empty sheet Excel 2010 and WPS put in a new workbook: not named either
    src = tmp_path / "two.xlsx"
    wb.save(src)
    summary = tmp_path / "s.json"
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv"), "-q", "--summary-json",
                                   str(summary)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    flat = " ".join(res.output.split())
    assert ("warning: read although hidden in the sheet: the column '业务结算销售收入 (F)'; its values count as "
            "every other column's") in flat
    assert ("note: only the first sheet is read (xlsx, sheet '2024年'); the workbook also has '2023年': --sheet NAME "
            "reads another") in flat
    doc = json.loads(summary.read_text(encoding="utf-8"))
    assert (doc["hidden_columns"], doc["other_sheets"]) == (["业务结算销售收入 (F)"], ["2023年"])
    assert settlement_of(tmp_path / "o.csv") == {"甲": "6172.84"}
    res = CliRunner().invoke(app, ["batch", str(src), "--sheet", "2023年", "-o", str(tmp_path / "o.csv"), "-q"],
                             env={"COLUMNS": "200"})
    assert "only the first sheet" not in res.output and "read although hidden" not in res.output
    assert settlement_of(tmp_path / "o.csv") == {"乙": "6172.84"}
    # Excel's sheet names ignore case, and a space typed after one is no other name: "sheet3" is Sheet3
    res = CliRunner().invoke(app, ["batch", str(src), "--sheet", " 2023年 ", "-o", str(tmp_path / "o.csv"), "-q"],
                             env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert settlement_of(tmp_path / "o.csv") == {"乙": "6172.84"}
    res = CliRunner().invoke(app, ["batch", str(src), "--sheet", "sheet3", "-o", str(tmp_path / "o.csv"), "-q"],
                             env={"COLUMNS": "200"})
    assert "no sheet named" not in res.output


def test_a_companys_projects_on_merged_rows_get_the_one_row_advice(catalog, tmp_path):
    # the name and revenue merged over two project rows: "give each row its own figure" made two copies of the
    # company (its revenue-based clauses and cap counted twice); the advice now says how to write one row
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业名称", "所在地", "年度", "行业", "营业收入", "5G+智慧工厂投入"])
    ws.append(["甲公司", "南昌", 2024, "电子信息", "3亿", "600万"])
    ws.append([None, None, None, None, None, "1200万"])
    for c in "ABCDE":
        ws.merge_cells(f"{c}2:{c}3")
    src = tmp_path / "projects.xlsx"
    wb.save(src)
    report = run_batch(src, tmp_path / "o.csv", catalog)
    first, p = report.problems
    assert (p.line, p.name, p.field) == (3, "甲公司", "revenue")
    # and line 2 alone is not the company: computed, its smart_factory (600万 only) left 1200万 out, with no word
    assert (first.line, first.name, first.field) == (2, "甲公司", "name")
    assert first.message.startswith("the company's name is merged over lines 2-3 (A2:A3) and line 3 below holds "
                                    "figures of its own: this line alone is not the whole company, so it is not "
                                    "computed")
    assert (report.good_rows, report.bad_rows) == (0, 2) and read(tmp_path / "o.csv") == []
    assert p.message.endswith("If the rows merged under the company's name (A2:A3) are its projects, give the "
                              "company one row instead, with each project's amount in the same cell separated by "
                              "';' (5G+智慧工厂投入 600万;1200万)")


def test_a_name_merged_over_a_line_with_its_own_figures_refuses_both_lines(catalog, tmp_path):
    # name, 所在地, 年度, 行业 merged over lines 2-3, the second project's 600万 in line 3's own cell: both lines were
    # computed as companies (5,000,000.00 + 3,000,000.00; its cap counted twice), with only a duplicate warning
    # whose advice ("delete one of the two rows") lost a project
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业名称", "所在地", "年度", "行业", "营业收入", "5G+智慧工厂投入"])
    ws.append(["甲公司", "南昌", 2024, "电子信息", "3亿", "1200万"])
    ws.append([None, None, None, None, None, "600万"])
    for c in "ABCD":
        ws.merge_cells(f"{c}2:{c}3")
    wb.save(tmp_path / "m.xlsx")
    report = run_batch(tmp_path / "m.xlsx", tmp_path / "o.csv", catalog)
    first, second = report.problems
    assert (first.line, first.field, second.line, second.field) == (2, "name", 3, "name")
    assert second.message.startswith("the company's name is merged over this line (A2:A3), which holds figures of "
                                     "its own")
    assert second.message.endswith("(5G+智慧工厂投入 1200万;600万)")
    assert (report.good_rows, report.bad_rows, report.duplicate_rows) == (0, 2, 0)
    # one company over two fiscal years, its name merged: each line is that year's, computed
    wb2 = openpyxl.Workbook()
    w2 = wb2.active
    w2.append(["企业名称", "所在地", "年度", "行业", "业务结算销售收入", "上市公司"])
    w2.append(["甲公司", "南昌", 2023, "电子信息", "1234567", "是"])
    w2.append([None, "南昌", 2024, "电子信息", "500万", "是"])
    w2.merge_cells("A2:A3")
    wb2.save(tmp_path / "y.xlsx")
    report = run_batch(tmp_path / "y.xlsx", tmp_path / "y.csv", catalog)
    assert (report.good_rows, report.bad_rows) == (2, 0)
    assert [(r["year"], r["settlement"]) for r in read(tmp_path / "y.csv")] == [("2023", "6172.84"),
                                                                              ("2024", "25000.00")]


def test_a_figure_under_the_second_half_of_a_heading_merged_across_is_a_bad_row(catalog, tmp_path):
    # 5G+智慧工厂投入（万元） merged over G1:H1, a project in each: column H had no heading and was not read (only a
    # note), so smart_factory was 1000万 × 50% capped at 5,000,000.00 without the 600万 project (8,000,000.00)
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业名称", "所在地", "年度", "行业", "营业收入", "上年营业收入", "5G+智慧工厂投入（万元）", None, "上市公司"])
    ws.merge_cells("G1:H1")
    ws.append(["甲公司", "南昌", 2024, "电子信息", "3亿", "2亿", 1000, 600, "是"])
    ws.append(["乙公司", "南昌", 2024, "电子信息", "3亿", "2亿", 1000, None, "是"])  # nothing under H: read
    wb.save(tmp_path / "h.xlsx")
    report = run_batch(tmp_path / "h.xlsx", tmp_path / "o.csv", catalog)
    [p] = report.problems
    assert (p.line, p.name, p.field, p.value) == (2, "甲公司", "smart_factory_investments", "600")
    assert "merged over G1:H1" in p.message and p.message.endswith("(5G+智慧工厂投入（万元） 1000;600)")
    assert [(r["name"], r["smart_factory"]) for r in read(tmp_path / "o.csv")] == [("乙公司", "5000000.00")]


def test_text_under_the_second_half_of_a_merged_text_heading_is_read_past(catalog, tmp_path):
    # 备注 merged over H1:I1 (the last columns) and 企业名称 over A1:B1 (a full name and a short one): every row was refused as if a
    # figure were left out, the message naming the column "_ignored_12"; only a figure's heading is a problem
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业名称", None, "所在地", "年度", "行业", "上市公司", "业务结算销售收入", "备注", None])
    ws.merge_cells("A1:B1")
    ws.merge_cells("H1:I1")
    ws.append(["甲有限公司", "甲", "南昌", 2024, "电子信息", "是", "1234567", "已申报", "2024-05"])
    ws.append(["乙有限公司", "乙", "南昌", 2024, "电子信息", "是", "500万", None, "待补"])
    wb.save(tmp_path / "t.xlsx")
    report = run_batch(tmp_path / "t.xlsx", tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows, report.problems) == (2, 0, [])
    assert settlement_of(tmp_path / "o.csv") == {"甲有限公司": "6172.84", "乙有限公司": "25000.00"}


def test_an_industry_under_the_second_half_of_a_merged_heading_is_a_bad_row(catalog, tmp_path):
    # 行业 merged over D1:E1 (纺织 | 电子信息): column E was read past as a column with no heading, so the company
    # was not targeted (0.00, no bad row); 所在地 merged over 省 | 市 likewise
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业名称", "所在地", "年度", "行业", None, "业务结算销售收入", "上市公司"])
    ws.merge_cells("D1:E1")
    ws.append(["甲有限公司", "南昌", 2024, "纺织", "电子信息", "1234567", "是"])
    wb.save(tmp_path / "i.xlsx")
    report = run_batch(tmp_path / "i.xlsx", tmp_path / "o.csv", catalog)
    [p] = report.problems
    assert (p.line, p.field, p.value) == (2, "industries", "电子信息")
    assert p.message.endswith("or write several industries in one cell separated by ';' (行业 纺织;电子信息)")


def test_a_count_under_the_second_half_of_a_merged_heading_is_a_bad_row(catalog, tmp_path):
    # 研发人员 merged over two columns (本科 / 硕士 under it): the second count would be left out of the condition
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业名称", "所在地", "年度", "行业", "业务结算销售收入", "研发人员", None])
    ws.merge_cells("F1:G1")
    ws.append(["甲公司", "南昌", 2024, "电子信息", "1234567", 30, 12])
    wb.save(tmp_path / "c.xlsx")
    report = run_batch(tmp_path / "c.xlsx", tmp_path / "o.csv", catalog)
    [p] = report.problems
    assert (p.line, p.name, p.field, p.value) == (2, "甲公司", "rd_staff", "12")
    assert "merged over F1:G1" in p.message and "';'" not in p.message


def test_a_row_made_tall_by_merging_every_cell_down_is_one_company(catalog, tmp_path):
    # every cell of 甲公司 merged over lines 2-3 (a tall row): line 3 was a bad row ("an amount is never copied"),
    # though it holds nothing of its own; a name alone merged down over an empty line was always fine
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业名称", "所在地", "年度", "行业", "业务结算销售收入", "上市公司"])
    ws.append(["甲公司", "南昌", 2024, "电子信息", "1234567", "是"])
    ws.append([None] * 6)
    ws.append(["乙公司", "南昌", 2024, "电子信息", "500万", "是"])
    ws.append([None] * 6)
    for c in "ABCDEF":
        ws.merge_cells(f"{c}2:{c}3")
    ws.merge_cells("A4:A5")
    wb.save(tmp_path / "tall.xlsx")
    report = run_batch(tmp_path / "tall.xlsx", tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows, report.problems) == (2, 0, [])
    assert settlement_of(tmp_path / "o.csv") == {"甲公司": "6172.84", "乙公司": "25000.00"}


def test_a_second_industry_under_a_merged_name_is_not_a_tall_row(catalog, tmp_path):
    # 甲公司 merged over lines 2-3, line 3 holding only 行业 软件: read as the lower half of a tall row (blank), so
    # 甲公司 was computed as 电子信息 alone; the industry is the line's own: both lines are refused, with the
    # one-row advice showing the industries together
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业名称", "所在地", "年度", "行业", "业务结算销售收入", "上市公司"])
    ws.append(["甲公司", "南昌", 2024, "电子信息", "1234567", "是"])
    ws.append([None, None, None, "软件", None, None])
    ws.append(["乙公司", "南昌", 2024, "电子信息", "500万", "是"])
    ws.append([None, "南昌", 2024, "电子信息", None, None])  # (filled down: the name's line, a tall row)
    ws.merge_cells("A2:A3")
    ws.merge_cells("A4:A5")
    wb.save(tmp_path / "i.xlsx")
    report = run_batch(tmp_path / "i.xlsx", tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows) == (1, 2)
    assert [(p.line, p.field) for p in report.problems][:2] == [(2, "name"), (3, "name")]
    assert report.problems[1].message.endswith("(and each industry) in the same cell separated by ';' (行业 电子信息;软件)")
    assert settlement_of(tmp_path / "o.csv") == {"乙公司": "25000.00"}


def test_a_place_or_year_under_a_merged_name_is_still_a_tall_row(catalog, tmp_path):
    # only 行业 of a line's own is a second value of the company's; 所在地 南昌市 under 南昌, or a 年度 alone, is
    # the lower half of a tall row, as before (both lines were refused, "holds figures of its own")
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业名称", "所在地", "年度", "行业", "业务结算销售收入", "上市公司"])
    ws.append(["丙公司", "南昌", 2024, "电子信息", "1234567", "是"])
    ws.append([None, "南昌市", None, None, None, None])
    ws.merge_cells("A2:A3")
    wb.save(tmp_path / "p.xlsx")
    report = run_batch(tmp_path / "p.xlsx", tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows, report.problems) == (1, 0, [])
    assert settlement_of(tmp_path / "o.csv") == {"丙公司": "6172.84"}


def test_bookkeeping_headings_near_a_field_name_are_still_read_past(catalog, tmp_path):
    # with the lower did-you-mean bar for Chinese names (营业额 -> 营业收入), 注册地址（详细） got "did you mean
    # 注册地 (jurisdiction)?" and refused the sheet: it is the sheet's own column, as before
    src = tmp_path / "b.csv"
    src.write_text("企业名称,所在地,年度,行业,业务结算销售收入,上市公司,注册地址（详细）,所在区县1,注册日期：\n"
                   "甲公司,南昌,2024,电子信息,1234567,是,红谷滩区,东湖区,2020-01-01\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert report.ignored_columns == ["注册地址（详细）", "所在区县1", "注册日期："]
    assert settlement_of(tmp_path / "o.csv") == {"甲公司": "6172.84"}  # 1,234,567 × 0.5% = 6,172.835


def test_template_rows_with_only_the_filled_down_city_year_and_industry_are_blank(catalog, tmp_path):
    """A template fills 所在地 / 年度 / 行业 down its rows before the companies are typed: such a row (no name, no
    figure) was evaluated as a company, listed under every discretionary clause (一企一策 "2 listed" for one
    company) and counted in "N evaluated"."""
    src = tmp_path / "t.csv"
    src.write_text("企业名称,所在地,年度,行业,业务结算销售收入,上市公司\n甲公司,南昌,2024,电子信息,1234567,是\n"
                   ",南昌,2024,电子信息,,\n,南昌,2024,,,\n,,2024,电子信息,,\n,南昌,2024,电子信息,500万,是\n",
                   encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows, report.blank_rows) == (2, 0, 3)
    b = report.budgets["nanchang-electronic-information-2023"]
    assert b.companies == 2 and b.clauses["one_firm_one_policy"].statuses[5] == 2  # the two rows with figures
    # the unnamed row with a figure is a company (with a no_name warning): 500万 × 0.5% = 25,000.00
    rows = read(tmp_path / "o.csv")
    assert [(r["row"], r["settlement"]) for r in rows] == [("1", "6172.84"), ("5", "25000.00")]


def test_the_errors_name_suggested_for_an_xlsx_one_is_never_the_input(tmp_path):
    # --errors companies.xlsx suggested --errors companies.csv: the input itself, which a copy-paste then refused
    res = CliRunner().invoke(app, ["batch", "samples/companies.csv", "-o", str(tmp_path / "o.csv"),
                                   "--errors", "samples/companies.xlsx"])
    assert res.exit_code == 2
    assert "e.g. --errors samples/companies.errors.csv" in " ".join(res.output.split())


def test_a_column_twice_in_a_workbook_names_both_letters_and_says_one_may_be_hidden(tmp_path):
    # "the column appears twice in the header" named neither column; the second was hidden, out of sight
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业名称", "所在地", "年度", "营业收入", "研发费用", "营业收入"])
    ws.append(["甲", "南昌", 2024, "1亿", "1000万", "1亿"])
    ws.column_dimensions["F"].hidden = True
    wb.save(tmp_path / "d.xlsx")
    res = CliRunner().invoke(app, ["batch", str(tmp_path / "d.xlsx"), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 1
    assert ("the column appears twice in the header, as columns D and F (in a workbook, one may be hidden: unhide "
            "the columns to see it); keep one") in " ".join(res.output.split())


def test_a_two_row_header_with_merged_cells_is_refused_before_any_row_is_read(tmp_path):
    # 营业收入 merged over 本年 / 上年, the other headings merged down over lines 1-2: line 2 was a bad row, column F
    # (上年) had no heading and was not read, and the company was computed without revenue_prev
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业名称", "所在地", "年度", "行业", "营业收入", None, "在昌项目银行贷款"])
    ws.append([None, None, None, None, "本年", "上年", None])
    ws.append(["甲", "南昌", 2024, "电子信息", "5亿", "3.8亿", "5000万"])
    for col in "ABCDG":
        ws.merge_cells(f"{col}1:{col}2")
    ws.merge_cells("E1:F1")
    wb.save(tmp_path / "h.xlsx")
    res = CliRunner().invoke(app, ["batch", str(tmp_path / "h.xlsx"), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 1 and not (tmp_path / "o.csv").exists()
    flat = " ".join(res.output.split())
    assert "h.xlsx:1: the header is two rows: its cells are merged down over lines 1 and 2 (A1:A2, B1:B2, C1:C2, …)" \
        in flat
    assert "营业收入 over 本年 / 上年 becomes 营业收入, 上年营业收入" in flat


UNIT_HEADER = ["企业名称", "所在地", "年度", "行业", "营业收入", "上年营业收入", "在昌项目银行贷款", "电子信息类上市公司", "业务结算销售收入"]
UNIT_ROWS = [["甲电子有限公司", "南昌", 2024, "电子信息", 50000, 38000, 8640, "是", 120000],
             ["乙电子有限公司", "南昌", 2024, "电子信息", 32000, 20000, 3000, "是", 5000]]


@pytest.mark.parametrize("where", ["remark cell", "remark heading", "sheet name", "amount column below",
                                   "right of the totals", "remark cell csv"])
def test_a_unit_note_anywhere_on_the_sheet_stops_the_run(catalog, tmp_path, where):
    # the amounts in 万元, said only by "金额单位：万元" in a company's 备注 cell, in the 备注 heading, in the sheet's
    # name 测算表(万元), under the table in an amount's column, or right of the 合计 row: 甲 got 600.00 (settlement
    # 120000 yuan × 0.5%; loan_interest 0, its growth read as 12,000 yuan) for 7,339,200.00
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    head, rows = list(UNIT_HEADER), [list(r) for r in UNIT_ROWS]
    if where.startswith("remark cell"):
        head.append("备注")
        rows[0].append("金额单位：万元")
    elif where == "remark heading":
        head.append("备注（金额单位：万元）")
    elif where == "sheet name":
        ws.title = "测算表(万元)"
    ws.append(head)
    for r in rows:
        ws.append(r)
    if where == "amount column below":
        ws.append([None] * 5 + ["单位：万元"])
    elif where == "right of the totals":
        ws.append(["合计"] + [None] * 9 + ["单位：万元"])
    src = tmp_path / "u.xlsx"
    wb.save(src)
    if where.endswith("csv"):
        src = tmp_path / "u.csv"
        with src.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows([head, *rows])
    with pytest.raises(InputError) as e:
        run_batch(src, tmp_path / "o.csv", catalog)
    assert "万元" in e.value.message and "nothing was written" in e.value.message
    assert "营业收入（万元）" in e.value.message and not (tmp_path / "o.csv").exists()


def test_a_remark_without_a_unit_is_read_past(catalog, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "测算表"
    ws.append([*UNIT_HEADER, "备注"])
    ws.append([*UNIT_ROWS[0], "以上数据经审计"])
    wb.save(tmp_path / "r.xlsx")
    report = run_batch(tmp_path / "r.xlsx", tmp_path / "o.csv", catalog)
    assert report.problems == [] and [r["settlement"] for r in read(tmp_path / "o.csv")] == ["600.00"]


def test_a_superscript_footnote_mark_in_a_number_cell_is_refused_not_read_as_digits(catalog, tmp_path):
    # a rich-text cell 5000000 with a superscript ¹ (a footnote): read-only openpyxl gives "50000001", and
    # si_led_sales was 5,000,000.10 (三(三) 10% of 50,000,001) instead of 500,000.00, exit 0
    xlsxwriter = pytest.importorskip("xlsxwriter")
    wb = xlsxwriter.Workbook(str(tmp_path / "sup.xlsx"))
    ws = wb.add_worksheet()
    sup, sub = wb.add_format({"font_script": 1}), wb.add_format({"font_script": 2})
    ws.write_row(0, 0, ["企业名称", "所在地", "年度", "行业", "硅衬底LED销售额"])
    ws.write_row(1, 0, ["甲公司", "南昌", "2024", "电子信息"])
    ws.write_rich_string(1, 4, "5000000", sup, "1")
    ws.write_row(2, 0, ["", "南昌", "2024", "电子信息", "300万"])
    ws.write_rich_string(2, 0, "H", sub, "2", "O科技有限公司")  # a name's subscript is its own: read as it is
    wb.close()
    report = run_batch(tmp_path / "sup.xlsx", tmp_path / "o.csv", catalog, errors_path=tmp_path / "e.csv")
    (bad,) = report.problems
    assert (bad.line, bad.name, bad.field, bad.value) == (2, "甲公司", "si_led_sales", "50000001")
    assert bad.message == ("the cell's text '50000001' holds '1' in superscript or subscript (a footnote mark?), "
                           "which is read as part of the number: delete the mark from the cell (a note goes in a 备注 "
                           "column) and run again")
    with open(tmp_path / "o.csv", newline="", encoding="utf-8-sig") as f:
        (row,) = list(csv.DictReader(f))
    # 三(三) 硅衬底LED产品 … 按销售额的10%: 300万 × 10% = 300,000.00
    assert (row["name"], row["si_led_sales"]) == ("H2O科技有限公司", "300000.00")


def test_a_superscript_in_an_inline_string_is_refused_and_a_plain_same_text_is_read(catalog, tmp_path):
    # openpyxl and pandas write rich text as inline strings, which the shared-strings check did not see (read as
    # 50,000,001, exit 0); a plain text cell 50000001 beside a rich 5000000¹ elsewhere was refused
    openpyxl = pytest.importorskip("openpyxl")
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    wb = openpyxl.Workbook()
    wb.active.append(["企业名称", "所在地", "年度", "行业", "硅衬底LED销售额"])
    wb.active.append(["甲公司", "南昌", "2024", "电子信息",
                      CellRichText("5000000", TextBlock(InlineFont(vertAlign="superscript"), "1"))])
    wb.save(tmp_path / "inline.xlsx")
    report = run_batch(tmp_path / "inline.xlsx", tmp_path / "o.csv", catalog)
    assert [(p.line, p.field, p.value) for p in report.problems] == [(2, "si_led_sales", "50000001")]
    xlsxwriter = pytest.importorskip("xlsxwriter")
    book = xlsxwriter.Workbook(str(tmp_path / "both.xlsx"))
    ws = book.add_worksheet()
    ws.write_row(0, 0, ["企业名称", "所在地", "年度", "行业", "硅衬底LED销售额", "备注"])
    ws.write_row(1, 0, ["甲公司", "南昌", "2024", "电子信息", "50000001"])
    ws.write_rich_string(1, 5, "5000000", book.add_format({"font_script": 1}), "1")
    book.close()
    report = run_batch(tmp_path / "both.xlsx", tmp_path / "b.csv", catalog)
    assert report.bad_rows == 0
    with open(tmp_path / "b.csv", newline="", encoding="utf-8-sig") as f:
        (row,) = list(csv.DictReader(f))
    # 三(三) 按销售额的10%: 50,000,001 × 10% = 5,000,000.10, below the 1000万 clause cap; the company cap (5% of
    # revenue) does not apply: no revenue given, the clause stays as computed
    assert row["si_led_sales"] == "5000000.10"


def test_a_struck_through_part_of_a_cell_is_refused_not_read_as_an_amount(catalog, tmp_path):
    # 300万; with 900万 struck through (删除线: a project crossed out, or not?) was read as two projects,
    # smart_factory 6,000,000.00 (50% of each, 150万 + 450万), exit 0; shared strings and inline strings alike
    xlsxwriter = pytest.importorskip("xlsxwriter")
    head = ["企业名称", "所在地", "年度", "行业", "5G+智慧工厂投入", "备注"]
    wb = xlsxwriter.Workbook(str(tmp_path / "s.xlsx"))
    ws = wb.add_worksheet()
    strike = wb.add_format({"font_strikeout": True})
    ws.write_row(0, 0, head)
    ws.write_row(1, 0, ["甲公司", "南昌", "2024", "电子信息"])
    ws.write_rich_string(1, 4, "300万;", strike, "900万")
    ws.write_row(2, 0, ["乙公司", "南昌", "2024"])
    ws.write_rich_string(2, 3, "电子信息;", strike, "软件")  # an industry crossed out
    ws.write_row(3, 0, ["丙公司", "南昌", "2024", "电子信息", "300万"])
    ws.write_rich_string(3, 5, "原", strike, "900万")  # a remark is never read: its strikethrough is its own
    wb.close()
    report = run_batch(tmp_path / "s.xlsx", tmp_path / "o.csv", catalog)
    assert [(p.line, p.name, p.field, p.value) for p in report.problems] == [
        (2, "甲公司", "smart_factory_investments", "300万;900万"), (3, "乙公司", "industries", "电子信息;软件")]
    assert report.problems[0].message == (
        "part of the cell's text is struck through (删除线): '900万', which is not guessed at (crossed out, or still "
        "meant? a CSV saved from the sheet keeps it as '300万;900万'): delete the struck text from the cell, or "
        "remove the strikethrough if it counts, and run again")
    # 三(四) 5G+智慧工厂: 50% of each project, at most 500万: 丙's one project of 300万 gets 150万
    assert [(r["name"], r["smart_factory"]) for r in read(tmp_path / "o.csv")] == [("丙公司", "1500000.00")]

    openpyxl = pytest.importorskip("openpyxl")  # openpyxl and pandas write rich text as inline strings
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    book = openpyxl.Workbook()
    book.active.append(head[:5])
    book.active.append(["甲公司", "南昌", "2024", "电子信息",
                        CellRichText("300万;", TextBlock(InlineFont(strike=True), "900万"))])
    book.active.append(["丁公司", "南昌", "2024", "电子信息",
                        CellRichText("300万;", TextBlock(InlineFont(strike=False), "900万"))])  # not struck
    book.save(tmp_path / "inline.xlsx")
    report = run_batch(tmp_path / "inline.xlsx", tmp_path / "i.csv", catalog)
    assert [(p.line, p.field, p.value) for p in report.problems] == [(2, "smart_factory_investments", "300万;900万")]
    assert [(r["name"], r["smart_factory"]) for r in read(tmp_path / "i.csv")] == [("丁公司", "6000000.00")]


def test_a_cell_struck_through_whole_by_its_font_is_refused_too(catalog, tmp_path):
    # Ctrl+5 strikes the whole cell through its font (no rich-text run): 300万;900万 crossed out was read as two
    # projects; a struck name is the name all the same
    openpyxl = pytest.importorskip("openpyxl")
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["企业名称", "所在地", "年度", "行业", "5G+智慧工厂投入", "营业收入"])
    ws.append(["甲公司", "南昌", 2024, "电子信息", "300万;900万", "3亿"])
    ws["E2"].font = Font(strike=True)
    ws.append(["乙公司", "南昌", 2024, "电子信息", 3_000_000, "3亿"])
    ws["E3"].font = Font(strike=True)  # a number cell crossed out
    ws.append(["丙公司", "南昌", 2024, "电子信息", "300万", "3亿"])
    ws["A4"].font = Font(strike=True)
    book.save(tmp_path / "s.xlsx")
    report = run_batch(tmp_path / "s.xlsx", tmp_path / "o.csv", catalog)
    assert [(p.line, p.name, p.field) for p in report.problems] == [
        (2, "甲公司", "smart_factory_investments"), (3, "乙公司", "smart_factory_investments")]
    assert report.problems[0].message.startswith("the cell's text is struck through (删除线), which is not guessed at")
    # 三(四): 50% of 丙's one 300万 project = 1,500,000.00
    assert [(r["name"], r["smart_factory"]) for r in read(tmp_path / "o.csv")] == [("丙公司", "1500000.00")]


def test_a_totals_row_labelled_in_the_serial_column_with_unsaved_formulas_is_skipped_and_said(catalog, tmp_path):
    # openpyxl writes =SUM(…) with no saved result: the 合计 row (label in 序号, figures formulas) read as empty
    # and, at the end of the sheet, vanished from every count; its CSV export said "1 totals row skipped"
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["序号", "企业名称", "所在地", "年度", "行业", "营业收入（万元）"])
    ws.append([1, "甲电子有限公司", "南昌市", 2024, "电子信息", 5000])
    ws.append([2, "乙电子有限公司", "南昌市", 2024, "电子信息", 6000])
    ws.append(["合计", None, None, None, None, "=SUM(F2:F3)"])
    book.save(tmp_path / "tot.xlsx")
    report = run_batch(tmp_path / "tot.xlsx", tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows, report.skipped_rows) == (2, 0, 1)
    assert [(k.line, k.name) for k in report.skipped] == [(4, "合计")]
