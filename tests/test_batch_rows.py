"""Bad rows never stop a batch: each kind is reported with row, field, value and message."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from nanchang_incentives import api, csvio
from nanchang_incentives.batch import BatchOptions, run_batch
from nanchang_incentives.errors import InputError

FIX = Path(__file__).parent / "fixtures" / "batch"


@pytest.fixture(scope="module")
def catalog():
    return api.load()


@pytest.fixture(scope="module")
def bad_run(catalog, tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    report = run_batch(FIX / "bad-rows.csv", d / "out.csv", catalog, errors_path=d / "bad.csv")
    with open(d / "bad.csv", newline="", encoding="utf-8") as f:
        errors = list(csv.DictReader(f))
    with open(d / "out.csv", newline="", encoding="utf-8") as f:
        out = list(csv.DictReader(f))
    return report, errors, out


# (data row, field, value, a piece of the message): one per kind of bad cell or row
EXPECTED = [
    (2, "revenue", "12美元", "unknown unit '美元'"),
    (3, "revenue", "-5", "is negative; money must be zero or more"),
    (4, "is_listed", "maybe", "expected true or false"),
    (5, "rd_staff", "3.5", "expected a whole number"),
    (6, "year", "20x4", "is not a number"),
    (7, "year", "", "missing; fill in the fiscal year"),
    (8, "jurisdiction", "shanghai", "no policy for jurisdiction 'shanghai'"),
    (9, "jurisdiction", "", "missing; fill in one of"),
    (10, "", "too few cells", "the row has 1 cell, the header has 9 columns: cells are missing"),
    (11, "smart_factory_investments", "300万;abc", "item 2: 'abc' is not an amount of money"),
    (12, "lpr_1y", "3.45", "expected a percentage string"),
    (13, "revenue", "1亿x", "unknown unit '亿x'"),
    (13, "rd_staff", "-1", "a count must be zero or more"),
]


@pytest.mark.parametrize("row,field,value,message", EXPECTED)
def test_each_kind_of_bad_row_is_reported(bad_run, row, field, value, message):
    _, errors, _ = bad_run
    hits = [e for e in errors if int(e["row"]) == row and e["field"] == field]
    assert len(hits) == 1, errors
    assert hits[0]["value"] == csvio.safe_text(value)  # "-5" is written "'-5": Excel would read a formula
    assert message in hits[0]["message"]


COMMA = ": a cell lies past the last column, or a cell with a comma in it (a name, 1,200,000) is not in double quotes"


def test_each_message_says_what_is_expected_once(bad_run):
    _, errors, _ = bad_run
    for e in errors:
        assert e["message"].count("expected ") <= 1, e["message"]
    bool_msg = next(e["message"] for e in errors if e["field"] == "is_listed")
    assert bool_msg.endswith("got 'maybe'"), bool_msg


def test_good_rows_are_all_written_and_counted(bad_run):
    report, errors, out = bad_run
    assert [(r["row"], r["name"]) for r in out] == [("1", "good row"), ("15", "last good row")]
    # good row: 300万 × 50% = 150万 (one project, under the 500万 cap); lpr_1y given as 3.45% is read
    assert (out[0]["smart_factory"], out[0]["total"]) == ("1500000.00", "1500000.00")
    assert len(errors) == len(EXPECTED)
    # 15 data rows: one blank (row 14, skipped), 12 bad (row 13 has two bad cells), 2 good
    assert (report.rows, report.good_rows, report.bad_rows, report.output_rows) == (14, 2, 12, 2)


def test_bad_rows_without_errors_file_are_previewed(catalog, tmp_path):
    report = run_batch(FIX / "bad-rows.csv", tmp_path / "out.csv", catalog)
    assert report.bad_rows == 12
    assert [p.row for p in report.problems] == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]  # the first ten problems


def test_year_option_repairs_missing_years_but_not_bad_ones(catalog, tmp_path):
    report = run_batch(FIX / "bad-rows.csv", tmp_path / "out.csv", catalog, BatchOptions(year=2024),
                       errors_path=tmp_path / "bad.csv")
    rows = {p.row for p in report.problems}
    assert 7 not in rows  # an empty year cell is fine with --year
    assert 6 in rows  # "20x4" is still a bad cell


def test_policy_option_makes_jurisdiction_irrelevant(catalog, tmp_path):
    report = run_batch(FIX / "bad-rows.csv", tmp_path / "out.csv", catalog,
                       BatchOptions(policy_ids=("nanchang-electronic-information-2023",)))
    assert not {8, 9} & {p.row for p in report.problems}


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_unknown_column_stops_before_any_row(catalog, tmp_path):
    src = write(tmp_path / "c.csv", "name,jurisdiction,year,revenu\nA,nanchang,2024,1\n")
    with pytest.raises(InputError, match=r'unknown column \(did you mean "revenue"\?\)'):
        run_batch(src, tmp_path / "out.csv", catalog)
    assert not (tmp_path / "out.csv").exists()


def test_duplicate_and_unnamed_columns(catalog, tmp_path):
    with pytest.raises(InputError, match="appears twice"):
        run_batch(write(tmp_path / "a.csv", "name,year,year\n"), tmp_path / "o.csv", catalog)
    # a column with no heading (an empty column A, a gap) is read past, and named (by its letter) in a note
    report = run_batch(write(tmp_path / "b.csv", ",name,jurisdiction,,year,industries,si_led_sales\n"
                                                 ",A,nanchang,x,2024,electronic-information,1000万\n"),
                       tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows, report.unnamed_columns) == (1, 0, [1, 4])
    from nanchang_incentives import explain

    assert explain.unnamed_columns(report.unnamed_columns).startswith(
        "note: not read: column A, column D, which have no heading")
    # 三(三): 1000万 × 10% = 1,000,000.00
    with (tmp_path / "o.csv").open(encoding="utf-8-sig") as f:
        assert next(csv.DictReader(f))["si_led_sales"] == "1000000.00"
    with pytest.raises(InputError, match="the first line is empty"):  # no heading at all: refused
        run_batch(write(tmp_path / "c.csv", ",,\nA,nanchang\n"), tmp_path / "o.csv", catalog)


def test_semicolon_separated_file_gets_a_hint(catalog, tmp_path):
    with pytest.raises(InputError, match="batch reads comma-separated files"):
        run_batch(write(tmp_path / "a.csv", "name;jurisdiction;year\nA;nanchang;2024\n"), tmp_path / "o.csv",
                  catalog)


def test_no_year_column_without_year_option(catalog, tmp_path):
    src = write(tmp_path / "a.csv", "name,jurisdiction\nA,nanchang\n")
    with pytest.raises(InputError, match="no year column"):
        run_batch(src, tmp_path / "o.csv", catalog)
    report = run_batch(src, tmp_path / "o.csv", catalog, BatchOptions(year=2024))
    assert report.good_rows == 1


def test_jurisdiction_case_and_spaces_do_not_matter_and_typos_get_a_hint(catalog, tmp_path):
    src = write(tmp_path / "a.csv", "name,jurisdiction,year\nA, Nanchang ,2024\nB,WUHAN-EAST-LAKE,2024\n"
                                    "C,nanchnag,2024\n")
    out = tmp_path / "o.csv"
    report = run_batch(src, out, catalog)
    with open(out, newline="", encoding="utf-8") as f:
        assert [r["policy"] for r in csv.DictReader(f)] == ["nanchang-electronic-information-2023",
                                                            "wuhan-east-lake-software-2023"]
    assert [(p.row, p.field) for p in report.problems] == [(3, "jurisdiction")]
    assert 'did you mean "nanchang"?' in report.problems[0].message


def test_no_jurisdiction_column_without_policy_option(catalog, tmp_path):
    src = write(tmp_path / "a.csv", "name,year\nA,2024\n")
    with pytest.raises(InputError, match="no jurisdiction column"):
        run_batch(src, tmp_path / "o.csv", catalog)


def test_empty_file_and_header_only(catalog, tmp_path):
    with pytest.raises(InputError, match="the file is empty"):
        run_batch(write(tmp_path / "a.csv", ""), tmp_path / "o.csv", catalog)
    report = run_batch(write(tmp_path / "b.csv", "name,jurisdiction,year\n"), tmp_path / "o.csv", catalog)
    assert report.rows == 0
    assert (tmp_path / "o.csv").read_text().startswith("row,name,warnings,policy,")


def test_extra_empty_cells_at_the_end_are_accepted(catalog, tmp_path):
    # Excel sometimes writes trailing empty cells; extra cells with content are a bad row
    src = write(tmp_path / "a.csv", "name,jurisdiction,year\nA,nanchang,2024,,\nB,nanchang,2024,x\n")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert report.good_rows == 1
    assert [(p.row, p.message) for p in report.problems] == [(2, "the row has 4 cells, the header has 3 columns"
                                                                 + COMMA)]


@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
def test_short_rows_as_excel_saves_them_have_their_last_cells_empty(catalog, tmp_path, quoted):
    # Excel's "CSV (逗号分隔)" leaves out the commas of empty cells at the end of a row after a block's first 16
    # rows; a row of one cell (a note under the table) is still a bad row
    name = '"短行{i}有限公司"' if quoted else "短行{i}有限公司"
    lines = ["企业名称,所在地,年度,行业,营业收入（万元）,新三板挂牌,首发上市"]
    lines += [name.format(i=i) + ",南昌,2024,电子信息,25000" + (",是,否" if i <= 2 else ",," if i <= 16 else "")
              for i in range(1, 21)]
    lines += ["短行21有限公司,南昌,2024,电子信息,25000,是", "备注：以上数据截至2024年"]
    src = tmp_path / "excel.csv"
    src.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    report = run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "e.csv")
    assert (report.good_rows, report.bad_rows, report.warned_rows) == (21, 1, 5)
    with open(tmp_path / "e.csv", newline="", encoding="utf-8-sig") as f:
        warned = [e for e in csv.DictReader(f) if e["message"].startswith("warning:")]
    # each padded row is said (a cell missing in the middle would have shifted the others): rows 17-21
    assert [(e["line"], e["field"]) for e in warned] == [("18", "neeq_listed"), ("19", "neeq_listed"),
                                                         ("20", "neeq_listed"), ("21", "neeq_listed"),
                                                         ("22", "ipo_completed")]
    assert warned[0]["message"].startswith("warning: the row has 5 of the header's 7 cells: its last cells "
                                           "(新三板挂牌 (neeq_listed), 首发上市 (ipo_completed)) were read as empty")
    assert warned[-1]["message"].startswith("warning: the row has 6 of the header's 7 cells: its last cell "
                                            "(首发上市 (ipo_completed)) was read as empty")
    [p] = report.problems
    assert (p.row, p.line, p.message) == (22, 23, ("the row has 1 cell, the header has 7 columns: cells are missing "
                                                   "(every row needs a cell, perhaps empty, for each column)"))
    with open(tmp_path / "o.csv", newline="", encoding="utf-8-sig") as f:
        out = {r["name"]: r for r in csv.DictReader(f)}
    assert len(out) == 21
    # NEEQ listing (三(一)): 100万 once; a row without the listing (short or not) gets nothing
    assert [out[f"短行{i}有限公司"]["neeq_listing"] for i in (1, 2, 3, 17, 20)] == [
        "1000000.00", "1000000.00", "0.00", "0.00", "0.00"]
    assert out["短行3有限公司"]["neeq_listing_status"] == out["短行20有限公司"]["neeq_listing_status"]
    assert out["短行20有限公司"]["warnings"].startswith("short_row:neeq_listed+ipo_completed")
    assert out["短行21有限公司"]["warnings"].startswith("short_row:ipo_completed")
    assert not out["短行3有限公司"]["warnings"].startswith("short_row")


def test_whitespace_only_cell_is_missing_and_padded_numbers_parse(catalog, tmp_path):
    src = write(tmp_path / "a.csv", "name,jurisdiction,year,industries,revenue,rd_staff,rd_expense,has_rd_center\n"
                                    "A,nanchang,2024,electronic-information,  ,\" 120 \",1亿,是\n"
                                    "B,nanchang,2024,electronic-information,  ,\" 12 \",1亿,是\n")
    out = tmp_path / "o.csv"
    report = run_batch(src, out, catalog, BatchOptions(layout="long"))
    assert report.bad_rows == 0
    with open(out, newline="", encoding="utf-8") as f:
        rows = {(r["row"], r["clause"]): r for r in csv.DictReader(f)}
    # revenue "  " is missing input: with an R&D centre, 120 staff and 1亿 R&D, only revenue ≥ 20亿 is unknown
    assert rows[("1", "rd_center")]["status"] == "missing_input"
    assert "add revenue" in rows[("1", "rd_center")]["explanation"]
    # " 12 " is 12 < 100: a failed condition decides, whatever revenue is
    assert rows[("2", "rd_center")]["status"] == "not_eligible"


def test_undecodable_row_is_a_bad_row_not_a_refused_file(catalog, tmp_path):
    src = tmp_path / "a.csv"
    src.write_bytes(b"name,jurisdiction,year\n" + bytes([0xFF, 0xFE, 0xFD, 0x80]) * 10 + b",nanchang,2024\n"
                    + "好公司,nanchang,2024\n".encode())
    report = run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "bad.csv")
    assert (report.encoding, report.good_rows, report.bad_rows) == ("UTF-8", 1, 1)
    assert report.problems[0].row == 1 and report.problems[0].line == 2
    assert report.problems[0].message == ("not UTF-8 text, which the rest of the file is; save it from Excel as "
                                          "'CSV UTF-8 (逗号分隔)' or as plain 'CSV (逗号分隔)' (GBK) so that every row "
                                          "is in one encoding")


def test_a_gbk_row_pasted_into_a_utf8_file_is_named_as_gbk_reads_it(catalog, tmp_path):
    """A consultant pastes rows from a client's GBK file into a UTF-8 one: the bad row shows the company's name
    (not ��) and says the cell is GBK text, so the cause is plain."""
    src = tmp_path / "a.csv"
    src.write_bytes("name,jurisdiction,year\n好公司,nanchang,2024\n".encode() + "南昌甲公司,nanchang,2024\n".encode("gbk"))
    report = run_batch(src, tmp_path / "o.csv", catalog)
    [p] = report.problems
    assert (p.row, p.line, p.name, p.field, p.value) == (2, 3, "南昌甲公司", "name", "南昌甲公司")
    assert p.message.startswith("not UTF-8 text, which the rest of the file is (this cell reads as GBK: rows from a "
                                "file saved another way were pasted in); save it from Excel")


def test_a_cp1252_row_in_a_utf8_file_is_not_called_gbk(catalog, tmp_path):
    """A German client's name saved from a Western Windows (cp1252) decodes as GB18030 too, into 'M黮ler' or
    'G鲞mann': the message does not send the user to --encoding gbk on the strength of that."""
    src = tmp_path / "a.csv"
    src.write_bytes("name,jurisdiction,year\n好公司,nanchang,2024\n乙公司,nanchang,2024\n丙公司,nanchang,2024\n".encode()
                    + "Müller GmbH,nanchang,2024\n".encode("cp1252") + "丁公司,nanchang,2024\n".encode()
                    + "Gößmann AG,nanchang,2024\n".encode("cp1252") + "戊公司,nanchang,2024\n".encode())
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert report.encoding == "UTF-8"
    assert [(p.line, p.field) for p in report.problems] == [(5, "name"), (7, "name")]
    for p in report.problems:  # (what it reads as instead: Windows-1252, with --encoding for a whole file so)
        assert p.message.startswith("not UTF-8 text, which the rest of the file is (this cell reads as "
                                    "Windows-1252: rows from a file saved another way were pasted in, or the whole "
                                    "file is Windows-1252, and then pass --encoding windows-1252); save it from "
                                    "Excel as "), p
        assert "GBK:" not in p.message and "黮" not in p.name and "鲞" not in p.name


def test_cp1252_rows_outnumbering_utf8_ones_do_not_make_the_file_gbk(catalog, tmp_path):
    """Two Western (cp1252) rows and one UTF-8 row: GB18030 decodes the two, into 'M黮ler' and 'G鲞mann', but
    that is not Chinese text, so the file stays UTF-8 and the two rows are the bad ones (not 好公司)."""
    src = tmp_path / "a.csv"
    src.write_bytes("name,jurisdiction,year\n好公司,nanchang,2024\n".encode()
                    + "Müller GmbH,nanchang,2024\r\nGößmann AG,nanchang,2024\n".encode("cp1252"))
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert (report.encoding, report.good_rows, report.bad_rows) == ("UTF-8", 1, 2)
    assert [(p.line, p.field) for p in report.problems] == [(3, "name"), (4, "name")]


def test_a_wholly_cp1252_file_is_read_with_a_warning_that_names_may_be_garbled(catalog, tmp_path):
    """A file saved on a Western-European Windows (cp1252) that GB18030 happens to decode throughout: it is read
    (the figures are plain digits), but the report carries the garbled word, and the summary says to pass
    --encoding; with --encoding cp1252 the names are right and there is no warning."""
    from rich.console import Console

    from nanchang_incentives.render.budget import print_report

    src = tmp_path / "a.csv"
    src.write_bytes("name,jurisdiction,year,revenue\nMüller GmbH,nanchang,2024,1200000\n"
                    "Gößmann AG,nanchang,2024,500000\n".encode("cp1252"))
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert (report.encoding, report.good_rows, report.encoding_doubt) == ("GB18030", 2, "M黮ler")
    assert report.as_dict()["encoding_doubt"] == "M黮ler"
    console = Console(width=200, record=True)
    print_report(report, console, budget=False)
    assert ("warning: the file was read as GB18030, but its non-ASCII text does not read as Chinese (e.g. 'M黮ler'): "
            "if names look garbled, it was saved in another code page; pass --encoding, e.g. --encoding cp1252"
            in " ".join(console.export_text().split()))
    right = run_batch(src, tmp_path / "o2.csv", catalog, BatchOptions(encoding="cp1252"))
    assert (right.encoding, right.encoding_doubt, right.as_dict()["encoding_doubt"]) == ("CP1252", "", None)
    with open(tmp_path / "o2.csv", encoding="utf-8-sig", newline="") as f:
        assert [r["name"] for r in csv.DictReader(f)] == ["Müller GmbH", "Gößmann AG"]


def test_a_gbk_file_of_chinese_names_or_full_width_figures_has_no_encoding_warning(catalog, tmp_path):
    src = tmp_path / "a.csv"
    src.write_bytes("name,jurisdiction,year,revenue\n南昌甲公司,nanchang,2024,120万\nABC Ltd,nanchang,2024,１２００\n"
                    "XYZ Ltd,nanchang,2024,１５００\n".encode("gbk"))
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert (report.encoding, report.good_rows, report.encoding_doubt) == ("GB18030", 3, "")


def test_utf16_file_is_refused_with_advice(catalog, tmp_path):
    src = tmp_path / "a.csv"
    src.write_bytes("name,year\nA,2024\n".encode("utf-16"))
    with pytest.raises(InputError, match=r"UTF-16 text \(Excel's 'Unicode 文本'\), which batch does not read, "
                                         r"whatever --encoding says; save it from Excel as 'CSV UTF-8") as exc:
        run_batch(src, tmp_path / "o.csv", catalog)
    assert "gb18030" not in str(exc.value)  # no --encoding reads it


def test_unknown_encoding_option(catalog, tmp_path):
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        run_batch(FIX / "bad-rows.csv", tmp_path / "o.csv", catalog, BatchOptions(encoding="klingon"))


def test_a_bad_jurisdiction_or_missing_year_is_listed_with_the_rows_other_problems(catalog, tmp_path):
    """Every problem at once: the jurisdiction and the year are row-level checks, listed beside a bad cell of the
    same row instead of appearing only once that cell is fixed; a refused cell is never reported twice."""
    src = write(tmp_path / "in.csv", "name,jurisdiction,year,industries,revenue,rd_staff\n"
                                     "Y,上海,2024,software,100万,3.5\n"
                                     "Z,,2024,software,abc,1\n"
                                     "W,nanchang,,electronic-information,1,2.5\n"
                                     "V,nanchang,20x4,electronic-information,1,1\n"
                                     "U,火星,20x4,electronic-information,1,1\n")
    report = run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "bad.csv")
    with (tmp_path / "bad.csv").open(encoding="utf-8") as f:
        got = sorted((r["name"], r["field"]) for r in csv.DictReader(f))
    assert got == sorted([("Y", "rd_staff"), ("Y", "jurisdiction"), ("Z", "revenue"), ("Z", "jurisdiction"),
                          ("W", "rd_staff"), ("W", "year"), ("V", "year"), ("U", "jurisdiction"), ("U", "year")])
    assert (report.good_rows, report.bad_rows) == (0, 5)


def test_a_line_of_spaces_or_commas_is_blank_whatever_its_cell_count(catalog, tmp_path):
    """" ", " , , , , , " (more cells than columns) and a trailing " " cell: Excel shows nothing there."""
    src = write(tmp_path / "in.csv", "name,jurisdiction,year,revenue\na,nanchang,2024,1亿\n \n , , , , , \n"
                                     "\t\nb,nanchang,2024,1亿, \n")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows, report.blank_rows) == (2, 0, 3)
    with (tmp_path / "o.csv").open(encoding="utf-8") as f:
        assert [r["row"] for r in csv.DictReader(f)] == ["1", "5"]


def test_a_stray_nul_byte_makes_only_its_row_bad(catalog, tmp_path):
    # one NUL pasted into a name refused the whole file ("the file contains NUL bytes"); the other rows are read
    src = tmp_path / "a.csv"
    src.write_bytes("name,jurisdiction,year,revenue\na\0b,nanchang,2024,1亿\nc,nanchang,2024,1亿\n".encode())
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows) == (1, 1)
    assert [(p.row, p.line) for p in report.problems] == [(1, 2)]
    assert "NUL byte" in report.problems[0].message


def test_a_row_with_an_undecodable_byte_and_a_nul_is_one_bad_row_in_the_errors_file(catalog, tmp_path):
    """A row holding both a byte that is not UTF-8 and a NUL crashed the errors file's writer (a surrogate
    reached it: UnicodeEncodeError) and neither file was written; now it is one bad row, the other written."""
    src = tmp_path / "a.csv"
    src.write_bytes("企业名称,所在地,年度,行业,营业收入\r\n甲公司,南昌,2024,电子信息,1亿\r\n".encode()
                    + "乙".encode() + b"\xff\x00,\xe5\x8d\x97\xe6\x98\x8c,2024,1,1\r\n")
    report = run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "bad.csv")
    assert (report.good_rows, report.bad_rows) == (1, 1)
    with open(tmp_path / "bad.csv", newline="", encoding="utf-8") as f:
        [bad] = list(csv.DictReader(f))
    assert (bad["row"], bad["line"], bad["field"], bad["name"], bad["value"]) == ("2", "3", "name", "乙\ufffd\\0",
                                                                                   "乙\ufffd\\0")
    assert bad["message"].startswith("not UTF-8 text, which the rest of the file is")
    with open(tmp_path / "o.csv", newline="", encoding="utf-8") as f:
        assert [r["name"] for r in csv.DictReader(f)] == ["甲公司"]


def test_a_utf8_row_in_a_gbk_file_is_named_as_utf8_reads_it(catalog, tmp_path):
    """The other way round: a GB18030 file with one row pasted in as UTF-8; and a UTF-8 file read with
    --encoding gbk is told to pass --encoding utf-8."""
    src = tmp_path / "a.csv"
    src.write_bytes("name,jurisdiction,year\n好公司,nanchang,2024\n南昌丙公司,nanchang,2024\n南昌丁公司,nanchang,2024\n"
                    .encode("gb18030") + "南昌乙公司,nanchang,2024\n".encode())
    report = run_batch(src, tmp_path / "o.csv", catalog)
    [p] = report.problems
    assert (report.encoding, p.row, p.name, p.value) == ("GB18030", 4, "南昌乙公司", "南昌乙公司")
    assert p.message.startswith("not GB18030 text, which the rest of the file is (this cell reads as UTF-8")
    utf8 = tmp_path / "u.csv"
    utf8.write_text("name,jurisdiction,year\n南昌甲公司,nanchang,2024\n", encoding="utf-8")
    [p] = run_batch(utf8, tmp_path / "o.csv", catalog, BatchOptions(encoding="gbk")).problems
    assert p.name == "南昌甲公司"
    assert "pass --encoding utf-8 if the whole file is UTF-8" in p.message


@pytest.mark.parametrize("tail", [b"\r\n\x1a", b"\x1a", b"\r\n\x1a\r\n", b"\n\x1a\x1a"])
def test_a_dos_end_of_file_mark_is_not_a_bad_row(catalog, tmp_path, tail):
    """A Ctrl-Z (0x1A) at the very end, which some DOS-era exports still add, was a bad row ("the row has 1
    cells", the name '\\x1a'); it is not a row at all, in one process and in worker processes."""
    src = tmp_path / "z.csv"
    body = "name,jurisdiction,year,revenue\r\n" + "".join(f"企业{k},nanchang,2024,1亿\r\n" for k in range(2000))
    src.write_bytes(body.encode("gb18030").rstrip(b"\r\n") + tail)
    for jobs in (1, 2):
        report = run_batch(src, tmp_path / "o.csv", catalog, BatchOptions(jobs=jobs, block_bytes=8 << 10))
        assert (report.rows, report.good_rows, report.bad_rows, report.blank_rows) == (2000, 2000, 0, 0)


def test_the_euro_sign_of_excels_gbk_is_read(catalog, tmp_path):
    """Excel on a Chinese Windows writes "CSV (逗号分隔)" in code page 936, where € is the single byte 0x80;
    Python's gbk/gb18030 have no 0x80, so the row was refused as "not GB18030 text", its name shown garbled, with
    advice to save it as the file already was. 0x80 as a second byte is part of a character (0x81 0x80 is 亐)."""
    src = tmp_path / "a.csv"
    rows = "企业名称,所在地,年度\r\n欧元€贸易有限公司,南昌,2024\r\n亐甲公司,南昌,2024\r\n"
    src.write_bytes(rows.encode("gb18030").replace("€".encode("gb18030"), b"\x80"))
    assert b"\x80" in src.read_bytes() and b"\x81\x80" in src.read_bytes()
    for encoding in (None, "gbk", "gb18030"):
        report = run_batch(src, tmp_path / "o.csv", catalog, BatchOptions(encoding=encoding))
        assert (report.good_rows, report.bad_rows) == (2, 0)
        with open(tmp_path / "o.csv", newline="", encoding="utf-8-sig") as f:
            assert [r["name"] for r in csv.DictReader(f)] == ["欧元€贸易有限公司", "亐甲公司"]
    assert csvio.detect_encoding(src).name == "gb18030"


def test_a_short_row_with_a_quoted_multi_line_cell_is_one_row(catalog, tmp_path):
    # "乙⏎公司" in a row of 5 of 8 cells was cut in two: an unclosed quote, and a made-up company 公司" with 3,000万
    src = tmp_path / "m.csv"
    src.write_text("name,jurisdiction,year,industries,revenue,revenue_prev,rd_expense,is_new_entrant\n"
                   "甲公司,nanchang,2024,electronic-information,1亿,,,\n"
                   '"乙\n公司",nanchang,2024,electronic-information,"3,000万"\n'
                   "丙公司,nanchang,2024,electronic-information,2亿,,,\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows) == (3, 0)
    with open(tmp_path / "o.csv", newline="", encoding="utf-8-sig") as f:
        assert [(r["row"], r["name"]) for r in csv.DictReader(f)] == [("1", "甲公司"), ("2", "乙\n公司"), ("3", "丙公司")]


def test_a_header_of_thousands_of_unknown_columns_lists_the_first_fifty_and_counts_the_rest(catalog, tmp_path):
    # Excel's 16,384 columns of nonsense: 16,384 did-you-means took 10 s and as many lines
    from nanchang_incentives.profile import ProfileProblems

    src = write(tmp_path / "w.csv", ",".join(f"c{i}" for i in range(16_384)) + "\n")
    with pytest.raises(ProfileProblems) as info:
        run_batch(src, tmp_path / "o.csv", catalog)
    problems = info.value.problems
    assert len(problems) == 51 and problems[49].location.field == "c49"
    assert str(problems[50]).endswith("… and 16,334 more columns naming no profile field, not listed one by one: "
                                      "is line 1 the header?")


@pytest.mark.parametrize(("text", "said"), [
    ("x" * 2_000_000 + "\n", "the first line is more than 1 MB long, which no header is"),
    ("name," + "x" * 200_000 + "\nA,1\n", "the header line cannot be read as column names (field larger than"),
])
def test_a_first_line_no_header_could_be_is_a_message_not_a_traceback(catalog, tmp_path, text, said):
    with pytest.raises(InputError, match=re.escape(said)):
        run_batch(write(tmp_path / "l.csv", text), tmp_path / "o.csv", catalog)
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize("text", [
    "name,jurisdiction,year,revenue\nA\r公司,nanchang,2024,5亿,extra\nC公司,nanchang,2024,1亿\n",  # a short/long row
    "name,jurisdiction,year,revenue\nA公司,nanchang,2024,5亿\rB公司,nanchang,2024,3亿\nC公司,nanchang,2024,1亿\n",
    # a line with quotes goes through the csv module, which ended a record at the CR: the first half was computed
    # as a company, the rest reported a line late, and every later line one off
    'name,jurisdiction,year,revenue\r\n"A公司",nanchang,2024,5亿\rx,extra\r\nC公司,nanchang,2024,1亿\r\n',
])
def test_a_lone_carriage_return_in_a_bad_line_is_a_bad_row_not_a_traceback(catalog, tmp_path, text):
    # csv refused the line to name its company ("new-line character seen in unquoted field"): a traceback, and
    # nothing was written; now the line is a bad row that says what the CR is, and C公司 is written
    src = write(tmp_path / "cr.csv", text)
    report = run_batch(src, tmp_path / "out.csv", catalog, errors_path=tmp_path / "bad.csv")
    with open(tmp_path / "bad.csv", newline="", encoding="utf-8") as f:
        [bad] = list(csv.DictReader(f))
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as f:
        [out] = list(csv.DictReader(f))
    assert (bad["row"], bad["line"], bad["name"].replace("\r", "")) == ("1", "2", "A公司")  # (a CR cell quoted)
    assert "lone carriage return" in bad["message"]
    assert (out["row"], out["name"], report.bad_rows) == ("2", "C公司", 1)


def test_the_errors_file_writes_escape_characters_of_a_name_or_value_out(catalog, tmp_path):
    # `cat bad.csv` ran the name's OSC sequence (retitled the terminal) and the value's colour: the message
    # column was escaped, the name and value columns were not
    src = tmp_path / "e.csv"
    src.write_bytes('name,jurisdiction,year,revenue\n"Evil\x1b]0;pwn\x07Co",nanchang,"20\x1b[8mx4",1亿\n'
                    .encode())
    run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "bad.csv")
    text = (tmp_path / "bad.csv").read_text(encoding="utf-8")
    assert "\x1b" not in text and "\x07" not in text
    assert "1,2,Evil\\x1b]0;pwn\\x07Co,year,20\\x1b[8mx4," in text


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


_CUT_HEAD = "name,jurisdiction,year,industries,hosted_event_expenses\r\n"


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_a_csv_cut_off_in_its_last_row_is_said(catalog, tmp_path, jobs, encoding):
    # an interrupted copy: 150万;80万 cut to 150万;8 was read as 150万 and 8 yuan (三(六): 750,004.00), exit 0 and
    # not a word; now the row has a code and a warning, and is still computed as read
    rows = "".join(f"甲{i}公司,nanchang,2024,electronic-information,150万;80万\r\n" for i in range(300))
    src = tmp_path / "cut.csv"
    src.write_bytes((_CUT_HEAD + rows + "乙公司,nanchang,2024,electronic-information,150万;8").encode(encoding))
    errors = tmp_path / "e.csv"
    report = run_batch(src, tmp_path / "o.csv", catalog, BatchOptions(jobs=jobs, block_bytes=4 << 10),
                       errors_path=errors)
    out = _read(tmp_path / "o.csv")
    assert len(out) == 301 and report.warned_rows == 1 and "unterminated_last_line" in report.warning_kinds
    assert [r["warnings"].split(";")[0] for r in out[-2:]] == ["assumed_false:is_new_entrant", "unterminated_last_line"]
    # 三(八) 给予活动承办单位50%活动经费补助，每项活动不超过100万元: 150万 × 50% + 80万 × 50% = 1,150,000.00; the cut
    # row as read: 150万 × 50% + 8 × 50% = 750,004.00
    assert [(r["name"], r["event_hosting"]) for r in out[-2:]] == [("甲299公司", "1150000.00"), ("乙公司", "750004.00")]
    (warning,) = _read(errors)
    assert (warning["row"], warning["line"], warning["name"]) == ("301", "302", "乙公司")
    assert warning["message"].startswith("warning: the file ends in this row, with no line break after it (Excel "
                                         "and WPS end every row with one): the file may have been cut off")


@pytest.mark.parametrize("end", ["\r\n", "\n", "\r\n\x1a", "\r\n\r\n"])
def test_a_csv_whose_last_row_ends_with_a_line_break_has_no_such_warning(catalog, tmp_path, end):
    src = tmp_path / "whole.csv"
    src.write_bytes((_CUT_HEAD + "乙公司,nanchang,2024,electronic-information,150万;80万" + end).encode())
    report = run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "e.csv")
    assert report.warned_rows == 0 and _read(tmp_path / "e.csv") == []
    assert _read(tmp_path / "o.csv")[0]["warnings"] == "assumed_false:is_new_entrant"


def test_a_bad_last_row_cut_off_gets_the_warning_beside_its_problem(catalog, tmp_path):
    src = tmp_path / "cut.csv"
    src.write_bytes((_CUT_HEAD + "甲公司,nanchang,2024,electronic-information,150万\r\n"
                     "乙公司,nanchang,20").encode())
    run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "e.csv")
    found = [(r["line"], r["name"], r["field"], r["message"][:40]) for r in _read(tmp_path / "e.csv")]
    assert found[0][:3] == ("3", "乙公司", "year")
    assert found[-1] == ("3", "乙公司", "", "warning: the file ends in this row, with")
