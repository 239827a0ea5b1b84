"""A header that is not on line 1 (a title, a unit line above it), and a workbook whose first sheet is not the list.

Chinese registers put a title and the unit above the table (``2024年度企业申报汇总表,,,,,单位：万元``); batch used to
report every cell of that line as an unknown or unnamed column, or say "delete the lines above the header", after
which the 万元 figures were read as yuan, 10,000 times too small, with exit 0.
"""

from __future__ import annotations

import pytest

from nanchang_incentives.batch import run_batch
from nanchang_incentives.errors import InputError

HEADER = "企业名称,所在地,年度,行业,营业收入,上年营业收入,在昌项目银行贷款"
ROW = "甲,南昌,2024,电子信息,50000,38000,120"


def refusal(tmp_path, catalog, name: str, text: str, encoding: str = "utf-8") -> str:
    src = tmp_path / name
    src.write_bytes(text.encode(encoding))
    with pytest.raises(InputError) as exc:
        run_batch(src, tmp_path / "o.csv", catalog)
    assert not (tmp_path / "o.csv").exists()
    return str(exc.value).replace(str(src), name)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_title_with_the_unit_above_the_header_says_where_the_header_is_and_to_keep_the_unit(
        catalog, tmp_path, encoding):
    message = refusal(tmp_path, catalog, "t.csv", f"2024年度企业申报汇总表,,,,,单位：万元,\n{HEADER}\n{ROW}\n",
                      encoding)
    assert message == (
        "t.csv:1: line 2 looks like the header (企业名称, 所在地, 年度, …), not line 1: the first line must name the "
        "columns; delete line 1 above it. Line 1 says '单位：万元': without it the amounts would be read as yuan, so "
        "first write the unit into each amount's heading (营业收入（万元）, 上年营业收入（万元）, …), or after each "
        "figure")


@pytest.mark.parametrize(("above", "unit"), [
    ("金额单位:亿元", "亿元"), ("（单位：人民币万元）", "万元"), ("单位：千元", "千元"), ("单位：万", "万元")])
def test_the_unit_line_may_be_written_several_ways(catalog, tmp_path, above, unit):
    message = refusal(tmp_path, catalog, "t.csv", f"申报汇总表\n{above}\n{HEADER}\n{ROW}\n")
    assert "line 3 looks like the header" in message and "delete lines 1-2 above it" in message
    assert f"Line 2 says {above!r}" in message and f"营业收入（{unit}）" in message


def test_a_title_without_a_unit_or_in_yuan_only_says_where_the_header_is(catalog, tmp_path):
    for above in ("2024年度申报企业清单", "2024年度申报企业清单,,,单位：元"):
        message = refusal(tmp_path, catalog, "t.csv", f"{above}\n{HEADER}\n{ROW}\n")
        assert message.endswith("not line 1: the first line must name the columns; delete line 1 above it")


def test_a_header_with_mistakes_of_its_own_is_still_the_header(catalog, tmp_path):
    message = refusal(tmp_path, catalog, "t.csv", "企业名称,所在地,年度,营业收人,备注\n甲,南昌,2024,1亿,x\n")
    assert "looks like the header" not in message
    assert "营业收人" in message  # (备注, the sheet's own column, is read past)


def test_in_a_workbook_too(catalog, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "申报表"
    ws.append(["2024年度企业申报汇总表"])
    ws.merge_cells("A1:G1")
    ws.append([None, None, None, None, None, "单位：万元"])
    ws.append(HEADER.split(","))
    ws.append(["甲", "南昌", 2024, "电子信息", 50000, 38000, 120])
    wb.save(tmp_path / "t.xlsx")
    with pytest.raises(InputError) as exc:
        run_batch(tmp_path / "t.xlsx", tmp_path / "o.csv", catalog)
    assert str(exc.value).replace(str(tmp_path / "t.xlsx"), "t.xlsx").startswith(
        "t.xlsx:1: line 3 looks like the header (企业名称, 所在地, 年度, …), not line 1: the first line must name the "
        "columns; delete lines 1-2 above it. Line 2 says '单位：万元': without it the amounts would be read as yuan")


def test_a_workbook_whose_first_sheet_is_not_the_list_names_the_sheet_read_and_the_others(catalog, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from nanchang_incentives.batch import BatchOptions

    wb = openpyxl.Workbook()
    wb.active.title = "填表说明"
    wb.active.append(["序号", "说明"])
    wb.active.append([1, "每家企业一行"])
    hidden = wb.create_sheet("代码表")
    hidden.sheet_state = "hidden"
    data = wb.create_sheet("企业名单")
    data.append(["企业名称", "所在地", "年度", "营业收入"])
    data.append(["甲", "南昌", 2024, "5亿"])
    wb.save(tmp_path / "c.xlsx")
    with pytest.raises(InputError) as exc:
        run_batch(tmp_path / "c.xlsx", tmp_path / "o.csv", catalog)
    lines = str(exc.value).replace(str(tmp_path / "c.xlsx"), "c.xlsx").splitlines()
    assert lines[0] == "c.xlsx:1: 2 problems; fix them all before running again:"  # 序号 and 说明: the sheet is none
    assert lines[-1] == ("  (this is sheet '填表说明' of the workbook, which also has '企业名单': another is read with "
                         "--sheet NAME)")  # the hidden sheet is not offered
    report = run_batch(tmp_path / "c.xlsx", tmp_path / "o.csv", catalog, BatchOptions(sheet="企业名单"))
    assert report.good_rows == 1


@pytest.mark.parametrize("text", ["\n\n\n", ",,,\n,,,\n", "\n甲,南昌,2024\n"])
def test_an_empty_first_line_is_said_to_be_empty(catalog, tmp_path, text):
    message = refusal(tmp_path, catalog, "e.csv", text)
    assert message == ("e.csv:1: the first line is empty: it must name the columns (name,jurisdiction,year,… or "
                       "企业名称,所在地,年度,…); delete any empty lines above the header")


def test_empty_lines_above_the_header_and_a_unit_line_among_them(catalog, tmp_path):
    message = refusal(tmp_path, catalog, "e.csv", "\r\n企业名称,所在地,年度\r\n甲,南昌,2024\r\n")
    assert message.endswith("line 2 looks like the header (企业名称, 所在地, 年度), not line 1: the first line must "
                            "name the columns; delete line 1 above it")
    message = refusal(tmp_path, catalog, "e.csv", f"\n单位：万元\n{HEADER}\n{ROW}\n")
    assert "delete lines 1-2 above it. Line 2 says '单位：万元': without it the amounts would be read as yuan" in message


@pytest.mark.parametrize(("above", "advice"), [
    ("填报单位：万年县工业和信息化局,,,,", None),  # the organisation (万年县, a county of Jiangxi), not a unit
    ("申报单位：南昌万达科技,单位：万元", "'单位：万元'"),
    ("金额：万元", "'金额：万元'"),
    (",,,万元", "'万元'"),  # a cell that is only the unit
    ("（单位：元）", None),  # yuan: nothing to scale
    # a unit in a group or title cell: the advice said only "delete line 1", and the 万元 figures were then yuan
    ("基本信息,,,,财务数据（万元）", "'财务数据（万元）'"),
    (",,,2024年企业名单（万元）", "'2024年企业名单（万元）'"),
    ("人民币：万元", "'人民币：万元'"),
    ("金额以万元计", "'金额以万元计'"),
    ("注：数据以亿元为单位", "'注：数据以亿元为单位'"),
    ("万元户企业名单", None),  # a title with 万元 in a word, not a unit
    ("财务数据（元）", None),
])
def test_only_a_line_that_gives_the_amounts_a_unit_is_advised_on(catalog, tmp_path, above, advice):
    message = refusal(tmp_path, catalog, "u.csv", f"{above}\n{HEADER}\n{ROW}\n")
    assert "line 2 looks like the header" in message
    if advice is None:
        assert "Line 1 says" not in message
    else:
        assert f"Line 1 says {advice}: without it the amounts would be read as yuan" in message


def test_no_unit_advice_when_the_amount_headings_name_their_unit(catalog, tmp_path):
    message = refusal(tmp_path, catalog, "u.csv", "申报表（单位：万元）\n企业名称,所在地,年度,营业收入（万元）,上年营业收入（万元）\n"
                                                  "甲,南昌,2024,50000,38000\n")
    assert message.endswith("not line 1: the first line must name the columns; delete line 1 above it")


@pytest.mark.parametrize(("name", "text"), [
    ("export.xls", "<html><body><table><tr><td>企业名称</td><td>年度</td></tr></table></body></html>"),
    ("export.xls", "\ufeff  <!DOCTYPE html>\n<html>"),
    ("sheet.xls", '<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'),
    ("t.csv", "<table border=1>\n<tr><td>企业名称</td></tr></table>"),
])
def test_a_web_page_or_xml_spreadsheet_named_xls_is_said_to_be_one(catalog, tmp_path, name, text):
    message = refusal(tmp_path, catalog, name, text)
    assert message.startswith(f"{name}: is a web page (HTML) or an XML spreadsheet, not a workbook or CSV")
    assert message.endswith("open it in Excel or WPS and save it as 'Excel 工作簿 (*.xlsx)' or as 'CSV UTF-8 (逗号分隔)'")


def test_a_csv_whose_first_cell_merely_starts_with_a_bracket_is_read(catalog, tmp_path):
    src = tmp_path / "b.csv"
    src.write_text("企业名称,所在地,年度,营业收入\n<甲>公司,南昌,2024,5亿\n", encoding="utf-8")
    assert run_batch(src, tmp_path / "o.csv", catalog).good_rows == 1


@pytest.mark.parametrize("sep", ["，", "；", "、"])
def test_a_header_typed_with_full_width_separators_is_said_to_be_so(catalog, tmp_path, sep):
    # typed with a Chinese input method: the advice was "looks like a title … delete the lines above the header"
    head = sep.join(["企业名称", "所在地", "年度", "行业", "营业收入"])
    message = refusal(tmp_path, catalog, "f.csv", f"{head}\n甲{sep}南昌{sep}2024{sep}电子信息{sep}3亿\n")
    assert message.startswith(f"f.csv:1: the header is one column {head!r}: its names are separated by {sep!r} (a full-width")
    assert "separated by ',' (the ASCII comma)" in message


def test_a_one_column_title_with_list_marks_is_still_a_title(catalog, tmp_path):
    message = refusal(tmp_path, catalog, "t.csv", f"2024年度南昌市、武汉市、北京市企业名单\n{HEADER}\n{ROW}\n")
    assert "line 2 looks like the header" in message and "full-width" not in message
