"""Plausibility warnings in batch: a `warnings` column in the wide layout and `warning:` lines in the errors
file; the row is still evaluated and never counted as bad (issue 11)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
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
    # no implausible value; what calc warns of for this profile too: no sales_revenue (revenue stands in) and no
    # is_new_entrant (taken as false, so the company cap applies)
    assert rows[1]["warnings"] == "default:sales_revenue;assumed_false:is_new_entrant"
    assert codes[-2:] == ["default:sales_revenue", "assumed_false:is_new_entrant"]  # after the plausibility codes
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
    assert "1 row with a warning (plausibility) (see" in res.output  # the kinds it had, not every kind


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


DEFAULTS = """name,jurisdiction,year,industries,revenue,revenue_prev,sales_revenue,is_new_entrant,neeq_listed,local_project_loans
无销售额,nanchang,2024,electronic-information,2000万,2000万,,,true,
齐全,nanchang,2024,electronic-information,3亿,1亿,2.5亿,false,true,1000万
去年,nanchang,2023,electronic-information,3亿,1亿,,true,false,1000万
武汉,wuhan-east-lake,2024,software,1亿,,,,,
"""


def test_what_stood_in_for_a_missing_field_is_said_per_row_and_counted(tmp_path: Path) -> None:
    # calc warns per result when revenue stands in for sales_revenue, when is_new_entrant is taken as false and
    # names the LPR it read; batch says the first two on the company's line and all three in the budget
    src = tmp_path / "d.csv"
    src.write_text(DEFAULTS, encoding="utf-8")
    out, summ = tmp_path / "out.csv", tmp_path / "s.json"
    runner = CliRunner()
    res = runner.invoke(app, ["batch", str(src), "-o", str(out), "--summary-json", str(summ)],
                        env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert res.exit_code == 0, res.output
    rows = {r["name"]: r for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    assert rows["无销售额"]["warnings"] == "default:sales_revenue;assumed_false:is_new_entrant"
    assert rows["齐全"]["warnings"] == ""
    assert rows["去年"]["warnings"] == "default:sales_revenue"  # a new entrant: the cap is not applied
    assert rows["武汉"]["warnings"] == ""  # Wuhan's cap is a fixed 1亿 with no exemption; no sales_revenue read
    # loan_interest (growth 2亿 ≥ 1亿): 1000万 × 50% × LPR 1y: 2024 3.10% → 155,000.00; 2023 3.45% → 172,500.00
    assert (rows["齐全"]["loan_interest"], rows["去年"]["loan_interest"]) == ("155000.00", "172500.00")
    flat = " ".join(res.output.split())
    assert "1 company: is_new_entrant not given: treated as false, so the company cap applies" in flat
    assert "2 companies: sales_revenue not given: revenue is used in its place" in flat
    assert ("1 company of fiscal 2023: lpr_1y not given: the reference table's 3.45% is used, the rate in force "
            "on 2023-12-31 (published 2023-08-21)") in flat
    assert "1 company of fiscal 2024: lpr_1y not given: the reference table's 3.10% is used" in flat
    nanchang = next(p for p in json.loads(summ.read_text(encoding="utf-8"))["policies"]
                    if p["policy"].startswith("nanchang"))
    assert nanchang["assumed"] == [{"kind": "assumed_false", "fields": ["is_new_entrant"], "companies": 1},
                                   {"kind": "default", "fields": ["sales_revenue", "revenue"], "companies": 2}]
    assert [(r["year"], r["rate"], r["companies"]) for r in nanchang["references"]] == [(2023, "3.45%", 1),
                                                                                         (2024, "3.10%", 1)]
    # calc of each company warns of exactly the same
    for name, row in rows.items():
        line = next(x for x in DEFAULTS.splitlines() if x.startswith(name + ","))
        cells = dict(zip(DEFAULTS.splitlines()[0].split(","), line.split(",")))
        profile = tmp_path / "p.toml"
        body = [f'name = "{name}"', f'jurisdiction = "{cells["jurisdiction"]}"', f'year = {cells["year"]}',
                f'industries = ["{cells["industries"]}"]']
        for k in ("revenue", "revenue_prev", "sales_revenue", "local_project_loans"):
            if cells[k]:
                body.append(f'{k} = "{cells[k]}"')
        for k in ("is_new_entrant", "neeq_listed"):
            if cells[k]:
                body.append(f"{k} = {cells[k]}")
        profile.write_text("\n".join(body) + "\n", encoding="utf-8")
        doc = json.loads(runner.invoke(app, ["calc", str(profile), "--format", "json"]).stdout)
        warned = " ".join(doc["results"][0]["warnings"])
        assert ("sales_revenue not given" in warned) == ("default:sales_revenue" in row["warnings"]), name
        assert ("is_new_entrant not given" in warned) == ("assumed_false:is_new_entrant" in row["warnings"]), name


def test_list_written_with_commas_and_escapes_in_messages(tmp_path: Path) -> None:
    # "1200万, 600万": the message names the comma between amounts (it said "a space inside the number"); a value
    # with an escape is written out once on stderr ('bad\x1b[2J', never 'bad\\x1b[2J')
    src = tmp_path / "l.csv"
    src.write_text('name,jurisdiction,year,revenue,smart_factory_investments\n'
                   'a,nanchang,2024,1亿,"1200万, 600万"\nb,nanchang,2024,"bad\x1b[2J",\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv"), "-q"])
    assert res.exit_code == 1
    flat = " ".join(res.output.split())
    assert ("(value '1200万, 600万'): '1200万, 600万' has a comma between amounts: separate a list's amounts with ';' "
            "(\"1200万;600万\")") in flat
    assert "(value 'bad\\x1b[2J'): 'bad\\x1b[2J' is not an amount of money" in flat
    assert "\x1b" not in res.output


def test_with_several_policies_each_line_warns_of_its_own_policy_s_defaults(tmp_path: Path) -> None:
    # calc -p nanchang,wuhan,beijing gives "sales_revenue not given" and "is_new_entrant not given" on the Nanchang
    # result only (its company cap reads them); the Wuhan and Beijing lines of the same company must not say so,
    # and say that they do not target an electronic-information firm
    import pyarrow.parquet as pq

    src = tmp_path / "a.csv"
    src.write_text("name,jurisdiction,year,industries,revenue\nA,nanchang,2024,electronic-information,1亿\n"
                   "B,nanchang,2024,electronic-information,1亿\n", encoding="utf-8")
    expected = [("A", "nanchang-electronic-information-2023", "default:sales_revenue;assumed_false:is_new_entrant"),
                ("A", "wuhan-east-lake-software-2023", "not_targeted"), ("A", "beijing-robotics-2023", "not_targeted")]
    expected += [("B", p, w) for _, p, w in expected]
    for suffix in ("csv", "jsonl", "parquet"):
        out = tmp_path / f"o.{suffix}"
        res = CliRunner().invoke(app, ["batch", str(src), "-o", str(out), "-q", "-p", "nanchang,wuhan,beijing"])
        assert res.exit_code == 0, res.output
        if suffix == "csv":
            got = [(r["name"], r["policy"], r["warnings"]) for r in csv.DictReader(out.open(encoding="utf-8-sig"))]
        elif suffix == "jsonl":
            got = [(d["name"], d["policy"], d["warnings"]) for d in map(json.loads, out.read_text("utf-8").splitlines())]
        else:
            t = pq.read_table(out).to_pydict()
            got = list(zip(t["name"], t["policy"], t["warnings"]))
        assert got == expected, suffix


def test_a_row_without_a_name_is_evaluated_with_a_warning(catalog, tmp_path):
    """An unlabelled subtotal (所在地 and 年度 filled down, no name) would otherwise count as a company."""
    import csv as _csv

    from nanchang_incentives.batch import run_batch

    src = tmp_path / "n.csv"
    src.write_text("name,jurisdiction,year,industries,revenue,revenue_prev,local_project_loans\n"
                   "甲,南昌,2024,电子信息,5亿,3.8亿,120万\n乙,南昌,2024,电子信息,5亿,3.8亿,120万\n"
                   ",南昌,2024,电子信息,10亿,7.6亿,240万\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "e.csv")
    assert (report.good_rows, report.warned_rows) == (3, 1)
    rows = list(_csv.DictReader((tmp_path / "o.csv").open(encoding="utf-8-sig")))
    assert [r["warnings"].split(";")[0] for r in rows] == ["default:sales_revenue", "default:sales_revenue",
                                                           "no_name:name"]
    (warning,) = list(_csv.DictReader((tmp_path / "e.csv").open(encoding="utf-8-sig")))
    assert (warning["row"], warning["line"], warning["name"], warning["field"]) == ("3", "4", "", "name")
    assert warning["message"].startswith("warning: the row has no company name: if it is a subtotal")
    # a sheet without a name column at all: nothing to warn about on each row
    bare = tmp_path / "b.csv"
    bare.write_text("jurisdiction,year,revenue\n南昌,2024,5亿\n", encoding="utf-8")
    assert run_batch(bare, tmp_path / "b_out.csv", catalog).warned_rows == 0


NOT_TARGETED = """企业名称,所在地,年度,行业,营业收入,销售收入,新引入企业,硅衬底LED销售额
LED公司,南昌,2024,LED,3亿,3亿,否,1000万
电子公司,南昌,2024,电子信息;LED,3亿,3亿,否,1000万
纺织公司,南昌,2024,textiles,3亿,3亿,否,
软件公司,南昌,2024,software,3亿,3亿,否,
"""


def test_companies_a_policy_does_not_target_are_said_per_line_and_counted(tmp_path: Path) -> None:
    # calc opens with NOT TARGETED; batch gave 0.00 and not_eligible everywhere, as for a company that failed
    # every condition, without a word
    src = tmp_path / "t.csv"
    src.write_text(NOT_TARGETED, encoding="utf-8")
    out, summ = tmp_path / "out.csv", tmp_path / "s.json"
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(out), "--summary-json", str(summ),
                                   "--policy", "nanchang-electronic-information-2023",
                                   "--policy", "wuhan-east-lake-software-2023"],
                             env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert res.exit_code == 0, res.output
    lines = {(r["name"], r["policy"][:5]): r for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    code = {k: "not_targeted" in r["warnings"].split(";") for k, r in lines.items()}
    assert code == {("LED公司", "nanch"): True, ("LED公司", "wuhan"): True,
                    ("电子公司", "nanch"): False, ("电子公司", "wuhan"): True,
                    ("纺织公司", "nanch"): True, ("纺织公司", "wuhan"): True,
                    ("软件公司", "nanch"): True, ("软件公司", "wuhan"): False}
    # 三(三): 硅衬底LED销售额 1000万 × 10% = 1,000,000.00 for the targeted one; nothing for the LED-only sheet row
    assert (lines[("电子公司", "nanch")]["si_led_sales"], lines[("LED公司", "nanch")]["si_led_sales"]) == (
        "1000000.00", "0.00")
    assert lines[("LED公司", "nanch")]["si_led_sales_status"] == "not_eligible"
    budgets = {b["policy"][:5]: b for b in json.loads(summ.read_text(encoding="utf-8"))["policies"]}
    assert (budgets["nanch"]["companies_not_targeted"], budgets["nanch"]["companies_not_targeted_related"]) == (3, 2)
    assert (budgets["wuhan"]["companies_not_targeted"], budgets["wuhan"]["companies_not_targeted_related"]) == (3, 0)
    flat = " ".join(res.output.split())
    assert ("3 companies not targeted: their industries are none of electronic-information, so no clause applies "
            "(not_targeted in the warnings column); 2 of them have a tag the text counts within "
            "electronic-information (") in flat
    assert 'add "electronic-information" to its industries' in flat
    assert "3 companies not targeted: their industries are none of software, so no clause applies" in flat



EN_LINE = "3 companies not targeted: their industries are none of software, so no clause applies {where}"


@pytest.mark.parametrize("options, line", [
    (["--layout", "long"], EN_LINE.format(where="(each clause's explanation says so)")),  # no warnings column
    # the column as --lang zh heads it, in the line's Chinese
    (["--lang", "zh"], "3家企业不适用：其行业均不属于软件和信息技术服务，没有适用的条款（见“提示”列的 not_targeted）"),
    (["--lang", "zh", "--layout", "long"], "3家企业不适用：其行业均不属于软件和信息技术服务，没有适用的条款（各条款的说明中已注明）"),
    (["--format", "jsonl"], EN_LINE.format(where="(not_targeted in the warnings column)")),
])
def test_the_not_targeted_line_points_to_where_the_output_says_it(tmp_path: Path, options, line) -> None:
    src = tmp_path / "t.csv"
    src.write_text(NOT_TARGETED, encoding="utf-8")
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "out"), *options,
                                   "--policy", "wuhan-east-lake-software-2023"], env={"COLUMNS": "300"})
    assert res.exit_code == 0, res.output
    assert line in res.output

def test_the_warned_rows_are_counted_alike_with_and_without_an_errors_file(tmp_path: Path) -> None:
    # without --errors the warnings' lines are not worded (only the count is shown); a row both implausible and
    # short counts once
    head = SLIP.splitlines()[0]
    slip = "滑点公司,nanchang,2024,electronic-information,25万,22亿,12亿,150,1200亿,31%"
    rows = [slip, slip.replace("滑点公司", "短滑点").rsplit(",", 2)[0],  # implausible and short (2 cells missing)
            "正常公司,nanchang,2024,electronic-information,25亿,22亿,1.2亿,150,1200万,3.1%",
            "短正常,nanchang,2024,electronic-information,25亿,22亿,1.2亿"]  # short only
    src = tmp_path / "w.csv"
    src.write_text(head + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    counts = []
    for extra in ([], ["--errors", str(tmp_path / "e.csv")]):
        summ = tmp_path / "s.json"
        res = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv"), "--summary-json",
                                       str(summ), "-q", *extra])
        assert res.exit_code == 0, res.output
        counts.append(json.loads(summ.read_text(encoding="utf-8"))["warned_rows"])
    assert counts == [3, 3]
    said = {r["name"] for r in csv.DictReader((tmp_path / "e.csv").open(encoding="utf-8"))}
    assert said == {"滑点公司", "短滑点", "短正常"}


def test_the_summary_names_the_kinds_of_warning_the_rows_had(tmp_path: Path) -> None:
    """It said "(plausibility, short row, hidden row)" whatever the warning was, "hidden row" of a CSV too."""
    src = tmp_path / "kinds.csv"
    src.write_text("name,jurisdiction,year,industries,sales_revenue\n"
                   "甲公司,nanchang,2024,electronic-information;quantum-foo,1亿\n"
                   "乙公司,nanchang,2024\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv")], env={"COLUMNS": "300"})
    assert res.exit_code == 0, res.output
    assert "2 rows with a warning (unknown industry tag, short row) (pass --errors FILE to see them)" in res.output
    src.write_text("name,jurisdiction,year,industries,sales_revenue\n甲公司,nanchang,2024,electronic-information;"
                   "quantum-foo,1亿\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv")], env={"COLUMNS": "300"})
    assert "1 row with a warning (unknown industry tag) (pass" in res.output and "hidden" not in res.output


def test_a_long_list_of_skipped_rows_says_how_many_it_left_out(tmp_path: Path) -> None:
    """The first ten skipped rows are listed; the list stopped there without a word."""
    src = tmp_path / "totals.csv"
    rows = ["name,jurisdiction,year,industries,sales_revenue"]
    for i in range(13):
        rows += [f"公司{i},nanchang,2024,electronic-information,1亿", "合计,,,,1亿"]
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv")], env={"COLUMNS": "300"})
    assert res.exit_code == 0, res.output
    listed = [x for x in res.output.splitlines() if x.startswith("skipped: line ")]
    assert [x.split()[2] for x in listed] == [str(3 + 2 * k) for k in range(10)]  # lines 3, 5 … 21
    assert "skipped: … and 3 more rows, not listed one by one" in res.output
    assert "13 totals rows skipped" in res.output


def test_jobs_asked_for_but_not_used_is_said(tmp_path: Path) -> None:
    """--jobs 2 with .xlsx output ran in one process without a word."""
    res = CliRunner().invoke(app, ["batch", "samples/companies.csv", "-o", str(tmp_path / "o.xlsx"), "--jobs", "2"],
                             env={"COLUMNS": "300"})
    assert res.exit_code == 0, res.output
    assert ("note: --jobs not used: a workbook is written in one process (several processes work on CSV input to "
            "CSV, JSONL or Parquet output)") in res.output
    res = CliRunner().invoke(app, ["batch", "samples/companies.csv", "-o", str(tmp_path / "o.csv"), "--jobs", "2"],
                             env={"COLUMNS": "300"})
    assert "--jobs not used" not in res.output


def test_a_row_short_only_of_the_sheets_own_columns_has_no_warning(tmp_path):
    # Excel leaves an empty 备注 out at a row's end: "short_row:_ignored_6", and "备注 (_ignored_6)" in the errors
    # file, named a column that is no field and of which no figure depends
    from typer.testing import CliRunner

    from nanchang_incentives.cli import app

    src = tmp_path / "short.csv"
    src.write_text("企业名称,所在地,年度,行业,营业收入（万元）,备注\n甲电子有限公司,南昌市,2024,电子信息,5000,已核实\n"
                   "乙电子有限公司,南昌市,2024,电子信息,6000\n丙电子有限公司,南昌市,2024,电子信息\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv"), "--errors",
                                   str(tmp_path / "e.csv")], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    out = (tmp_path / "o.csv").read_text(encoding="utf-8-sig") + (tmp_path / "e.csv").read_text(encoding="utf-8-sig")
    assert "_ignored_" not in out and "_ignored_" not in res.output
    lines = (tmp_path / "e.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    assert len(lines) == 1 and lines[0].startswith("3,4,丙电子有限公司,revenue,,")
    assert "its last cell (营业收入（万元） (revenue)) was read as empty" in lines[0]
