"""`incentives calc` through the command line (typer's CliRunner on ``cli.app``).

The figures asserted here are the hand-computed ones of ``test_samples.py``
(see the arithmetic there); this module checks that each output format shows
them, labels them correctly and fails cleanly on bad input.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
from rich.console import Console
from typer.testing import CliRunner

from nanchang_incentives import api
from nanchang_incentives.cli import app
from nanchang_incentives.render.table import print_results
from nanchang_incentives.render.terminal import PIPE_WIDTH as WIDTH

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
GOLDEN = Path(__file__).resolve().parent / "golden"
SCHEMA = json.loads((ROOT / "schema" / "result.schema.json").read_text(encoding="utf-8"))
POLICY = "nanchang-electronic-information-2023"

#: SPEC §5: every clause id of the Nanchang policy
NANCHANG_IDS = {
    "one_firm_one_policy", "loan_interest", "ipo", "neeq_listing", "equity_investment", "equity_refinancing",
    "case_by_case", "major_project_award", "settlement", "si_led_rd", "si_led_sales", "rd_post_subsidy_topup",
    "rd_center", "innovation_platform", "major_tech_project", "smart_factory", "supply_chain_platform",
    "event_hosting", "event_attraction", "talent_and_jobs", "industry_fund",
}

#: sample -> (total, total_exact, total_up_to), worked out in test_samples.py
TOTALS = {
    "nanchang-si-led-maker": ("35339200.00", "31339200.00", "4000000.00"),
    "nanchang-mobile-odm": ("51252500.00", "49252500.00", "2000000.00"),
    "nanchang-vr-studio": ("6551500.00", "4551500.00", "2000000.00"),
    "nanchang-small-firm-capped": ("1592223.91", "925557.24", "666666.67"),
}

#: colour off, no forced terminal: what a pipe or a file gets; these tables were laid out at WIDTH columns
#: (render.terminal.PIPE_WIDTH, 120, the width of a pipe), and COLUMNS says so explicitly
PLAIN_ENV = {"NO_COLOR": "1", "FORCE_COLOR": None, "TTY_COMPATIBLE": None, "TTY_INTERACTIVE": None,
             "COLUMNS": str(WIDTH), "INCENTIVES_POLICIES_DIR": None}


def grouped(yuan: str) -> str:
    """ "1592223.91" -> "1,592,223.91" (the table form)."""
    whole, cents = yuan.split(".")
    return f"{int(whole):,}.{cents}"


def stripped(text: str) -> str:
    """The text without trailing spaces on each line."""
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


#: the first line of a clause's row: its id, then its status
ROW = re.compile(r"^[a-z][a-z0-9_]+\s{2,}(granted|capped|excluded|not eligible|missing input|discretionary|expired)\b")


def calc(*args: str):
    runner = CliRunner()
    return runner.invoke(app, ["calc", *args], env=PLAIN_ENV)


def sample(name: str) -> str:
    return str(SAMPLES / f"{name}.toml")


def nanchang(doc: dict) -> dict:
    return next(r for r in doc["results"] if r["policy"] == POLICY)


# ---------------------------------------------------------------- table


@pytest.mark.parametrize("name", sorted(TOTALS))
def test_table_shows_each_sample_with_its_totals(name: str) -> None:
    res = calc(sample(name))
    assert res.exit_code == 0, res.output
    out = res.stdout
    total, exact, up_to = TOTALS[name]
    # SPEC 9.2: the small firm's exact total is a lower bound (the cap counted equity_investment at its ceiling)
    upper = {"nanchang-small-firm-capped": ", up to 1,592,223.91 if the up-to awards are granted below their "
                                           "ceilings"}.get(name)
    figure = f"at least {grouped(exact)}{upper}" if upper else grouped(exact)
    assert f"exact clauses             {figure}" in out
    assert f"up to {grouped(up_to)}" in out
    assert f"total                     up to {grouped(total)}" in out
    assert "洪府发〔2023〕30号" in out and "2023-10-10 to 2025-12-31" in out
    if name in ("nanchang-si-led-maker", "nanchang-mobile-odm"):  # loan_interest computed: the LPR used is named
        assert "reference: lpr_1y = 3.10%: the rate in force on 2024-12-31" in out
    assert "\x1b[" not in out  # NO_COLOR / not a terminal: no escape codes
    assert max(len(line) for line in out.splitlines()) <= WIDTH


def test_table_key_figures_of_the_si_led_maker() -> None:
    out = calc(sample("nanchang-si-led-maker")).stdout
    # the group decision and the two Si-LED clause caps as footnotes
    flat = " ".join(out.split())  # footnotes wrap at the console width
    assert "exclusive group 'rd' (就高不就低, 三 (last paragraph)): rd_center 20,000,000.00 kept over si_led_rd " \
           "(10,000,000.00), rd_post_subsidy_topup (6,000,000.00)" in flat
    assert "si_led_sales: clause cap 10,000,000.00 per year applied (128,000,000.00 → 10,000,000.00)" in flat
    assert "[5] company annual cap (三 (last paragraph)): 5% × sales_revenue = 150,000,000.00; not reached" in flat
    # loan interest 1,339,200.00 granted: the amount on its row, and the calculation ends in it
    row = next(line for line in out.splitlines() if line.startswith("loan_interest"))
    assert row.rstrip().endswith("1,339,200.00") and "granted" in row
    md = calc(sample("nanchang-si-led-maker"), "--format", "markdown").stdout
    assert "86,400,000.00 × 50% × LPR 1y 3.10% = 1,339,200.00" in md
    # up-to clause is labelled "up to"; exact ones never are
    assert not re.search(r"up to\s+1,339,200\.00", out)


def test_table_hides_irrelevant_clauses_and_summarises_missing_input(tmp_path: Path) -> None:
    out = calc(sample("nanchang-vr-studio")).stdout
    rows = {line.split()[0] for line in out.splitlines() if ROW.match(line)}
    # granted/capped, discretionary, and not eligible on a missed threshold (loan growth, rd_center, 10亿 project)
    assert rows == {"one_firm_one_policy", "loan_interest", "neeq_listing", "equity_investment", "case_by_case",
                    "major_project_award", "rd_post_subsidy_topup", "rd_center", "innovation_platform",
                    "supply_chain_platform", "event_hosting", "event_attraction", "talent_and_jobs", "industry_fund"}
    # growth 4500万: 55,000,000.00 short of 1亿 (the cell may wrap between the two)
    assert "is 45,000,000.00, 55,000,000.00 short of 100,000,000.00" in " ".join(out.split())

    text = Path(sample("nanchang-vr-studio")).read_text(encoding="utf-8")
    partial = tmp_path / "partial.toml"
    partial.write_text(re.sub(r"(?m)^rd_post_subsidy_base = .*\n", "", text), encoding="utf-8")
    out = calc(str(partial)).stdout
    assert "not evaluated — add rd_post_subsidy_base: rd_post_subsidy_topup (研发费用后补助加计, 三(四))" in out


def test_all_lists_every_clause() -> None:
    default = calc(sample("nanchang-vr-studio")).stdout
    res = calc(sample("nanchang-vr-studio"), "--all")
    assert res.exit_code == 0
    rows = {line.split()[0] for line in res.stdout.splitlines() if ROW.match(line)}
    assert rows == NANCHANG_IDS
    assert not re.search(r"(?m)^ipo\s", default) and re.search(r"(?m)^ipo\s", res.stdout)


def test_golden_table_small_firm_capped() -> None:
    """The whole table of one sample, colour off, width 140 (not a terminal).

    Trailing spaces (Rich pads table cells) are not significant. Regenerate
    after an intended change, then review every figure against
    test_samples.py before committing:

        NO_COLOR=1 .venv/bin/incentives calc samples/nanchang-small-firm-capped.toml \\
            | sed 's/ *$//' > tests/golden/calc-small-firm-capped.txt

    (the part from "What would unlock more" on goes to calc-small-firm-capped-headroom.txt, COLUMNS=120)
    """
    expected = (GOLDEN / "calc-small-firm-capped.txt").read_text(encoding="utf-8")
    res = calc(sample("nanchang-small-firm-capped"))
    assert res.exit_code == 0
    # the report, then "What would unlock more" (planning.headroom; its own golden file, made the same way
    # from the part of the output that starts at that heading)
    report, _, room = stripped(res.stdout).partition("\nWhat would unlock more\n")
    assert report == expected  # the blank line between the two is the one the partition takes
    assert "What would unlock more\n" + room == (GOLDEN / "calc-small-firm-capped-headroom.txt").read_text(
        encoding="utf-8")
    # the same through the Python API with an explicit console
    catalog = api.load()
    profile = api.load_company(sample("nanchang-small-firm-capped"), catalog)
    results = api.calculate(profile, api.policies_for(profile, catalog), catalog)
    buf = io.StringIO()
    print_results(profile, results, console=Console(file=buf, width=WIDTH, no_color=True, highlight=False,
                                                    emoji=False, force_terminal=False))
    assert stripped(buf.getvalue()) == expected


# ---------------------------------------------------------------- json


@pytest.mark.parametrize("name", sorted(TOTALS))
def test_json_validates_against_the_schema_and_lists_every_clause(name: str) -> None:
    res = calc(sample(name), "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    jsonschema.validate(doc, SCHEMA)
    assert doc["year"] == 2024
    r = nanchang(doc)
    assert {c["id"] for c in r["clauses"]} == NANCHANG_IDS
    assert len(r["clauses"]) == len(NANCHANG_IDS)
    assert (r["total"], r["total_exact"], r["total_up_to"]) == TOTALS[name]
    # SPEC 9.5: every clause has a frequency; cap_scope only where there is a cap
    scopes = {c["id"]: (c["frequency"], c.get("cap_scope")) for c in r["clauses"]}
    assert scopes["loan_interest"] == ("annual", "year")  # 每家企业每年不超过200万元
    assert scopes["smart_factory"] == ("once", "project")  # 单个项目最高不超过500万元
    assert scopes["event_hosting"] == ("once", "event")  # 每项活动不超过100万元
    assert scopes["neeq_listing"] == ("once", None)  # 成功挂牌: a one-off award, no cap
    assert scopes["talent_and_jobs"] == ("annual", None)


def test_json_small_firm_cap_note() -> None:
    r = nanchang(json.loads(calc(sample("nanchang-small-firm-capped"), "-f", "json").stdout))
    cap = next(c for c in r["caps"] if c["kind"] == "company_annual")
    # 5% × 31,844,478.20 = 1,592,223.91; before 4,776,671.73 (test_samples.py)
    assert (cap["limit"], cap["before"], cap["after"], cap["applied"]) == \
        ("1592223.91", "4776671.73", "1592223.91", True)
    amounts = {c["id"]: c["amount"] for c in r["clauses"] if c["status"] == "capped"}
    assert amounts == {"equity_investment": "666666.67", "neeq_listing": "333333.33",
                       "smart_factory": "529473.88", "event_hosting": "62750.03"}


# ---------------------------------------------------------------- markdown


def test_markdown_report() -> None:
    res = calc(sample("nanchang-mobile-odm"), "--format", "markdown")
    assert res.exit_code == 0
    md = res.stdout
    assert md.startswith("# Subsidies for 赣江智能终端有限公司")
    assert "| Clause | Section | Status | Calculation | Raw | Cap / notes | Amount | Basis |" in md
    # smart_factory: raw 10,127,500.00, after the per-project cap 8,827,500.00
    assert re.search(r"\| `smart_factory` 5G\+智慧工厂补助 \| 三\(四\) · one-off award \| capped \|.*\| 10,127,500\.00 \| "
                     r"per-project cap \[\d\] \| 8,827,500\.00 \| exact \|", md)
    # major_tech_project is an up-to figure and says so
    assert re.search(r"\| `major_tech_project` .*\| up to 2,000,000\.00 \(at least 1,000,000\.00\) \| up_to \|", md)
    assert "- total: up to 51,252,500.00 (exact 49,252,500.00 + up to 2,000,000.00)" in md
    assert "**Caps and exclusive groups**" in md
    assert "smart_factory: 1 project(s) cut to the cap of 5,000,000.00 per project" in md


# ---------------------------------------------------------------- validity


def test_year_outside_validity_expires_every_clause_with_a_warning() -> None:
    res = calc(sample("nanchang-vr-studio"), "--year", "2026", "--format", "json")
    assert res.exit_code == 0
    r = nanchang(json.loads(res.stdout))
    assert {c["status"] for c in r["clauses"]} == {"expired"}
    assert r["total"] == "0.00" and r["hypothetical"] is False
    assert any("is in force for fiscal 2026: it ended on 2025-12-31" in w for w in r["warnings"])  # SPEC 9.3
    table = calc(sample("nanchang-vr-studio"), "--year", "2026").stdout
    assert "21 of 21 clauses expired" in table
    assert "fiscal year 2026 NOT covered" in table
    assert table.startswith("NOT IN FORCE: no clause of 洪府发〔2023〕30号 is in force for fiscal 2026")


def test_ignore_validity_computes_a_hypothetical_result() -> None:
    res = calc(sample("nanchang-vr-studio"), "--year", "2026", "--ignore-validity", "--format", "json")
    assert res.exit_code == 0
    r = nanchang(json.loads(res.stdout))
    assert r["hypothetical"] is True
    # nothing in this sample depends on the year (no loan interest): the 2024 figures
    assert (r["total"], r["total_exact"], r["total_up_to"]) == TOTALS["nanchang-vr-studio"]
    table = calc(sample("nanchang-vr-studio"), "--year", "2026", "--ignore-validity").stdout
    assert "*** HYPOTHETICAL: fiscal year 2026 is outside the policy's validity" in table
    md = calc(sample("nanchang-vr-studio"), "--year", "2026", "--ignore-validity", "-f", "markdown").stdout
    assert "> **HYPOTHETICAL" in md


# ---------------------------------------------------------------- errors


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "company.toml"
    path.write_text(text, encoding="utf-8")
    return path


HEAD = 'name = "X"\njurisdiction = "nanchang"\nyear = 2024\n'


@pytest.mark.parametrize("body, pieces", [
    ('revenu = "1亿"\n', ["company.toml:4", "field 'revenu'", "unknown field", 'did you mean "revenue"']),
    ('revenue = "1.2千万"\n', ["company.toml:4", "field 'revenue'", "unknown unit", "120万"]),
    ('revenue = "-5万"\n', ["company.toml:4", "field 'revenue'", "negative"]),
    ("rd_staff = 1.5\n", ["company.toml:4", "field 'rd_staff'", "whole number"]),
    ('revenue = = 3\n', ["company.toml:4", "not valid TOML"]),
])
def test_bad_profile_exits_1_naming_file_line_and_field(tmp_path: Path, body: str, pieces: list[str]) -> None:
    res = calc(str(write(tmp_path, HEAD + body)))
    assert res.exit_code == 1
    assert res.stdout == ""
    assert res.stderr.startswith("error: ")
    for piece in pieces:
        assert piece in res.stderr
    assert "Traceback" not in res.output


@pytest.mark.parametrize("name, data, what", [
    ("clients.csv", "企业名称,所在地,年度\n甲公司,南昌,2024\n".encode("utf-8-sig"), "is a CSV file (a spreadsheet)"),
    ("clients.xlsx", b"PK\x03\x04" + bytes(60), "is a workbook (.xlsx, a zip file)"),
    ("register.parquet", b"PAR1" + bytes(60) + b"PAR1", "is a Parquet file"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(60), "is an old Excel workbook (.xls)"),
])
def test_a_spreadsheet_given_to_calc_is_sent_to_batch(tmp_path: Path, name: str, data: bytes, what: str) -> None:
    """A spreadsheet is not a profile: calc said "not valid TOML" (CSV) or "save the TOML file as UTF-8" (.xlsx,
    Parquet), advice that leads nowhere; it now says what the file is and the batch command that reads it."""
    path = tmp_path / name
    path.write_bytes(data)
    res = calc(str(path))
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert res.stderr.startswith(f"error: {path}: {what}, not a company profile: calc, compare and explore read one "
                                 "company from a TOML file")
    assert f"run incentives batch {name} -o results.csv" in " ".join(res.stderr.split())
    toml = tmp_path / "profile.csv"  # a TOML profile under another suffix, a comment with a comma first, is read
    toml.write_text("# 甲, 乙\n" + HEAD, encoding="utf-8")
    assert "not a company profile" not in calc(str(toml)).stderr


def test_missing_file_exits_1(tmp_path: Path) -> None:
    res = calc(str(tmp_path / "nope.toml"))
    assert res.exit_code == 1
    assert "nope.toml: file not found" in res.stderr
    assert "Traceback" not in res.output


def test_unknown_policy_exits_2_with_a_hint() -> None:
    res = calc(sample("nanchang-vr-studio"), "--policy", "nanchang-electronic-information-2032")
    assert res.exit_code == 2
    assert 'did you mean "nanchang-electronic-information-2023"' in res.stderr


@pytest.mark.parametrize("args", [["--format", "xml"], ["--frobnicate"], ["--year", "twenty"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    res = calc(sample("nanchang-vr-studio"), *args)
    assert res.exit_code == 2
    assert "Traceback" not in res.output


def test_no_profile_is_a_usage_error() -> None:
    res = calc()
    assert res.exit_code == 2


def test_a_field_of_another_citys_policy_is_named_as_unread_not_silently_ignored(tmp_path: Path) -> None:
    """A Nanchang profile given Beijing's breakthrough_investment and Wuhan's paid_in_capital: Nanchang reads
    neither, so the figures are those of the sample, and a warning says which fields changed nothing and why."""
    body = Path(sample("nanchang-vr-studio")).read_text(encoding="utf-8")
    path = tmp_path / "vr.toml"
    path.write_text(body + 'breakthrough_investment = "2000万"\npaid_in_capital = "1亿"\n', encoding="utf-8")
    plain = json.loads(calc(sample("nanchang-vr-studio"), "--format", "json").stdout)["results"][0]
    res = calc(str(path), "--format", "json")
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)["results"][0]
    assert (got["total"], got["total_exact"]) == (plain["total"], plain["total_exact"])
    assert got["warnings"][0] == (
        "not read by the policies evaluated here, so they change nothing in this result: breakthrough_investment "
        "(read by beijing-robotics-2023); paid_in_capital (read by wuhan-east-lake-software-2023); to apply those "
        "policies as well, name them too (calc --policy nanchang-electronic-information-2023,beijing-robotics-2023,"
        "wuhan-east-lake-software-2023; or compare their cities)")
    both = json.loads(calc(str(path), "--policy", "nanchang,beijing", "--format", "json").stdout)["results"]
    assert [w for r in both for w in r["warnings"] if "breakthrough_investment" in w] == []
    assert all("paid_in_capital (read by wuhan-east-lake-software-2023)" in r["warnings"][0] for r in both)
    compared = CliRunner().invoke(app, ["compare", str(path), "--format", "json"])
    assert compared.exit_code == 0, compared.output
    assert "not read by the policies" not in compared.stdout


def test_markdown_reference_line_keeps_its_capitals() -> None:
    # capitalize() made the reference line's "WARNING: the table is confirmed only to …" read "warning: …"
    res = CliRunner().invoke(app, ["calc", "samples/nanchang-si-led-maker.toml", "--year", "2026",
                                   "--ignore-validity", "-f", "markdown"], env={"INCENTIVES_LANG": ""})
    [line] = [x for x in res.stdout.splitlines() if x.startswith("Reference: ")]
    assert "; WARNING: the table is confirmed only to" in line
