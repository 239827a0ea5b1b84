"""Plausibility warnings in batch: a `warnings` column in the wide layout and `warning:` lines in the errors
file; the row is still evaluated and never counted as bad (issue 11)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from nanchang_incentives.cli import app

SLIP = """name,jurisdiction,year,industries,revenue,revenue_prev,rd_expense,rd_staff,smart_factory_investments,lpr_1y
滑点公司,nanchang,2024,electronic-information,25万,22亿,12亿,150,1200亿,31%
正常公司,nanchang,2024,electronic-information,25亿,22亿,1.2亿,150,1200万,3.1%
"""


def test_warnings_column_and_errors_file_lines(tmp_path: Path) -> None:
    src = tmp_path / "slip.csv"
    src.write_text(SLIP, encoding="utf-8")
    out, err, summ = tmp_path / "out.csv", tmp_path / "err.csv", tmp_path / "s.json"
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(out), "--errors", str(err), "--summary-json",
                                   str(summ), "-q"])
    assert res.exit_code == 0, res.output  # warnings are not bad rows
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [r["name"] for r in rows] == ["滑点公司", "正常公司"]
    codes = rows[0]["warnings"].split(";")
    assert {"unit_slip:revenue_prev+revenue", "unit_slip:rd_expense+revenue", "rate_range:lpr_1y",
            "project_scale:smart_factory_investments+revenue"} <= set(codes)
    assert rows[1]["warnings"] == ""
    # the slip row is evaluated all the same: smart_factory 1200亿 × 50% is capped at 500万 per project, and then
    # the company cap (5% of sales_revenue, which defaults to revenue 25万) leaves 12,500.00 in all
    assert (rows[0]["smart_factory"], rows[0]["smart_factory_status"], rows[0]["total"]) == (
        "12500.00", "capped", "12500.00")
    lines = list(csv.DictReader(err.open(encoding="utf-8")))
    assert lines and all(r["message"].startswith("warning: ") for r in lines)
    assert {(r["row"], r["line"], r["name"]) for r in lines} == {("1", "2", "滑点公司")}
    assert {r["field"] for r in lines} >= {"revenue_prev", "rd_expense", "lpr_1y", "smart_factory_investments"}
    summary = json.loads(summ.read_text(encoding="utf-8"))
    assert summary["warned_rows"] == 1 and summary["bad_rows"] == 0
    assert "1 row with a plausibility warning" in res.output


def test_a_clean_file_has_an_empty_warnings_column(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    res = CliRunner().invoke(app, ["batch", "samples/companies.csv", "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert all(d["warnings"] == "" for d in docs) and len(docs) == 7


def test_the_errors_file_lists_warnings_and_bad_rows_in_row_order(tmp_path: Path) -> None:
    src = tmp_path / "mixed.csv"
    lines = SLIP.splitlines()
    # row 1: a plausibility warning; row 2: bad (not a number); row 3: another warning; row 4: fine
    src.write_text("\n".join([lines[0], lines[1], "坏公司,nanchang,2024,electronic-information,abc,,,,,",
                              lines[1].replace("滑点公司", "滑点二"), lines[2]]) + "\n", encoding="utf-8")
    err = tmp_path / "err.csv"
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "out.csv"), "--errors", str(err), "-q"])
    assert res.exit_code == 1, res.output
    rows = [(r["row"], r["name"], r["message"].startswith("warning: "))
            for r in csv.DictReader(err.open(encoding="utf-8"))]
    assert [r[0] for r in rows] == sorted((r[0] for r in rows), key=int)
    assert {r[:2] for r in rows} == {("1", "滑点公司"), ("2", "坏公司"), ("3", "滑点二")}
    assert [r[2] for r in rows if r[0] == "2"] == [False]
