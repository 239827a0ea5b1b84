"""`incentives policies list | show | validate | test` on the bundled tables, the guide's example and fixtures."""

from __future__ import annotations

import itertools
import json
import re
import shutil
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from nanchang_incentives.cli import app

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
EXAMPLE = ROOT / "docs" / "example" / "policies"
EXAMPLE_TABLE = EXAMPLE / "example-city-software-2024.toml"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "policies"
BROKEN = FIXTURES / "broken-many-problems.toml"
NANCHANG = "nanchang-electronic-information-2023"

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None):
    # wide enough that no row or quote wraps (test_render_widths checks the narrow layouts)
    return runner.invoke(app, list(args), env={"INCENTIVES_POLICIES_DIR": "", "COLUMNS": "4000", **(env or {})})


# ---------------------------------------------------------------- list


def test_list_shows_each_bundled_policy_with_its_document_validity_clauses_and_status() -> None:
    result = invoke("policies", "list", "--on", "2024-06-30")
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.rstrip() for line in result.output.splitlines()[2:]}
    assert set(rows) == {NANCHANG, "wuhan-east-lake-software-2023", "beijing-robotics-2023"}
    # SPEC §5: 21 clause ids (19, and talent_and_jobs, industry_fund [2026-12]); 洪府发〔2023〕30号, 2023-10-10 … 2025-12-31
    assert re.search(r"洪府发〔2023〕30号\s+2023-10-10 … 2025-12-31\s+21\s+in force$", rows[NANCHANG])
    # SPEC-wuhan-beijing: 14 Wuhan clause ids and 9 Beijing ones, no confirmed end
    assert re.search(r"2023-08-17 … end unknown\s+14\s+in force, end unknown$", rows["wuhan-east-lake-software-2023"])
    assert re.search(r"2023-08-16 … end unknown\s+9\s+in force, end unknown$", rows["beijing-robotics-2023"])


@pytest.mark.parametrize(("day", "status"), [
    ("2023-10-09", "not yet in force"),  # the day before 印发之日
    ("2023-10-10", "in force"),
    ("2025-12-31", "in force"),  # 有效期至2025年12月31日止: the last day is included
    ("2026-01-01", "expired"),
])
def test_list_status_around_the_nanchang_validity_dates(day: str, status: str) -> None:
    result = invoke("policies", "list", "--on", day, "--format", "json")
    assert result.exit_code == 0, result.output
    [row] = [r for r in json.loads(result.output) if r["id"] == NANCHANG]
    assert row["status"] == status
    assert row["clauses"] == 21
    assert row["document_number"] == "洪府发〔2023〕30号"


def test_list_includes_a_policies_dir_and_the_environment_variable() -> None:
    by_option = invoke("policies", "list", "--policies-dir", str(EXAMPLE), "--format", "json")
    by_env = invoke("policies", "list", "--format", "json", env={"INCENTIVES_POLICIES_DIR": str(EXAMPLE)})
    for result in (by_option, by_env):
        assert result.exit_code == 0, result.output
        [row] = [r for r in json.loads(result.output) if r["id"] == "example-city-software-2024"]
        assert (row["jurisdiction"], row["clauses"], row["valid_until"]) == ("example-city", 5, "2026-12-31")


def test_list_rejects_a_bad_date() -> None:
    result = invoke("policies", "list", "--on", "2024-13-01")
    assert result.exit_code == 2
    assert "--on 2024-13-01: expected a date as YYYY-MM-DD (or 2024年12月31日), e.g. --on 2024-12-31" in result.output


# ---------------------------------------------------------------- show


def test_show_lists_every_clause_with_section_quote_rule_caps_basis_and_group() -> None:
    result = invoke("policies", "show", NANCHANG)
    assert result.exit_code == 0, result.output
    out = result.output
    for cid in ("one_firm_one_policy", "loan_interest", "ipo", "neeq_listing", "equity_investment",
                "equity_refinancing", "case_by_case", "major_project_award", "settlement", "si_led_rd",
                "si_led_sales", "rd_post_subsidy_topup", "rd_center", "innovation_platform", "major_tech_project",
                "smart_factory", "supply_chain_platform", "event_hosting", "event_attraction"):
        assert re.search(rf"^{cid} — ", out, re.MULTILINE), cid
    assert "按照全国银行间同业拆借中心公布的一年期贷款市场报价利率的50%" in out
    assert "amount: loans used for projects in Nanchang [local_project_loans] × 50% * lpr_1y" in out
    assert "caps: 2,000,000.00 yuan per year" in out  # 每年不超过200万元
    assert "group: rd (exclusive" in out
    assert "exclusive group rd (三 (last paragraph)): si_led_rd, rd_post_subsidy_topup, rd_center" in out
    assert "company annual cap (三 (last paragraph)): the counted clauses sum to at most 5% * sales_revenue" in out
    assert "not applied when is_new_entrant" in out
    assert "not counted: one_firm_one_policy, case_by_case" in out


@pytest.mark.parametrize("pid", [NANCHANG, "wuhan-east-lake-software-2023", "beijing-robotics-2023"])
def test_show_prints_every_clauses_frequency_and_cap_scope(pid: str) -> None:
    # SPEC 9.1: each clause says whether it is annual or one-off, and each cap what it limits
    out = invoke("policies", "show", pid).output
    blocks = re.split(r"(?m)^(?=[a-z][a-z0-9_]* — )", out.split("\nClauses (", 1)[1].split("\nPolicy-wide", 1)[0])
    blocks = [b for b in blocks if " — " in b.splitlines()[0]]
    assert len(blocks) == {NANCHANG: 21, "wuhan-east-lake-software-2023": 14, "beijing-robotics-2023": 9}[pid]
    for block in blocks:
        assert re.search(r"(?m)^  frequency: (annual|once) ", block), block
        caps = re.search(r"(?m)^  caps: (.*)$", block)
        if caps and caps.group(1) != "none at clause level":
            scopes = caps.group(1).count("(cap scope: ") + caps.group(1).count("(ceiling scope: ")
            assert scopes == caps.group(1).count(" yuan "), block


def test_show_names_the_scope_of_one_off_and_per_project_caps() -> None:
    out = invoke("policies", "show", "wuhan-east-lake-software-2023", "--clause", "hq_relocation").output
    # 给予最高500万元落地奖励: a one-off award, capped once (not per year)
    assert "frequency: once (a one-off award" in out
    assert "caps: 5,000,000.00 yuan once (cap scope: once)" in out
    out = invoke("policies", "show", "beijing-robotics-2023", "--clause", "public_platform").output
    assert "caps: 30,000,000.00 yuan per project (cap scope: project)" in out
    out = invoke("policies", "show", "beijing-robotics-2023", "--clause", "first_trial_product").output
    # 单台（套）产品最高50万元，每家企业年度奖励最高200万元
    assert "caps: 500,000.00 yuan per unit (cap scope: unit); 2,000,000.00 yuan per year (cap scope: year)" in out
    out = invoke("policies", "show", NANCHANG, "--clause", "loan_interest").output
    assert "frequency: annual (claimable every year the conditions hold)" in out


def test_show_one_clause() -> None:
    result = invoke("policies", "show", NANCHANG, "--clause", "smart_factory")
    assert result.exit_code == 0, result.output
    assert "smart_factory — 5G+智慧工厂补助" in result.output
    # 单个项目最高不超过500万元: a cap per project
    assert "caps: 5,000,000.00 yuan per project" in result.output
    assert "amount: for each project in smart_factory_investments" in result.output
    assert "loan_interest" not in result.output


def test_show_a_discretionary_and_an_up_to_clause_in_words() -> None:
    out = invoke("policies", "show", NANCHANG, "--clause", "case_by_case").output
    assert "amount: none fixed by the text (discretionary)" in out
    out = invoke("policies", "show", NANCHANG, "--clause", "major_tech_project").output
    # 每项给予100-200万元: a ceiling of 200万 per project
    assert "amount: at most projects [major_tech_projects] × 2,000,000.00 yuan" in out
    assert "basis: up_to" in out


def test_show_a_table_file_that_is_not_installed() -> None:
    result = invoke("policies", "show", str(EXAMPLE_TABLE))
    assert result.exit_code == 0, result.output
    assert "cloud_subsidy — 云服务补贴" in result.output
    assert "caps: 200,000.00 yuan per contract" in result.output
    assert "company annual cap (六): the counted clauses sum to at most 1000万" in result.output


@pytest.mark.parametrize(("args", "code", "message"), [
    (("policies", "show", "nanchang-electronic-information-2024"), 2,
     ("unknown policy or jurisdiction 'nanchang-electronic-information-2024' "
      '(did you mean "nanchang-electronic-information-2023"?)')),
    (("policies", "show", NANCHANG, "--clause", "smart_factroy"), 2,
     "has no clause 'smart_factroy' (did you mean \"smart_factory\"?)"),
    (("policies", "show", str(BROKEN)), 1, "run: incentives policies validate"),
])
def test_show_errors(args: tuple[str, ...], code: int, message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- validate


def test_validate_accepts_the_bundled_tables_and_the_guides_example() -> None:
    result = invoke("policies", "validate", str(POLICIES), str(EXAMPLE_TABLE))
    assert result.exit_code == 0, result.output
    for name in (f"{NANCHANG}.toml", "wuhan-east-lake-software-2023.toml", "beijing-robotics-2023.toml",
                 f"{NANCHANG}.cases.toml", "example-city-software-2024.toml"):
        assert re.search(rf"{re.escape(name)}: OK", result.output), name
    assert "example-city-software-2024.toml: OK (policy 'example-city-software-2024'): 0 error(s), 0 warning(s)" \
        in result.output


def test_validate_reports_every_problem_with_line_clause_and_key() -> None:
    result = invoke("policies", "validate", "--format", "json", str(BROKEN))
    assert result.exit_code == 1
    [report] = json.loads(result.output)
    errors = {(p["line"], p["clause"], p["key"]) for p in report["problems"] if p["level"] == "error"}
    # each mistake planted in the fixture, at its line
    assert errors == {
        (7, None, "titel_en"),  # misspelt key
        (11, None, "valid_until"),  # before valid_from
        (14, None, "type"),  # "mony"
        (25, "first", "conditions"),  # unknown field "revenu"
        (30, "first", "cap"),  # negative cap, and no cap_scope (SPEC 9.1)
        (33, "first", "id"),  # duplicate id
        (35, "first", "basis"),  # "exactly"
        (43, "third", "fixed"),  # money base × fixed money
        (44, "third", "conditions"),  # __import__(...)
        (49, None, "clauses"),  # group names the missing clause "fourth"
    }
    messages = " | ".join(p["message"] for p in report["problems"])
    assert 'did you mean "title_en"' in messages and 'did you mean "revenue"' in messages
    assert 'did you mean "money"' in messages and 'did you mean "exact"' in messages
    assert 'cap needs cap_scope = "year", "project", "event", "unit" or "once"' in messages
    warnings = {(p["line"], p["key"]) for p in report["problems"] if p["level"] == "warning"}
    assert (32, "quote") in warnings  # the second clause has no quote


def test_validate_text_output_names_file_line_level_clause_and_key() -> None:
    result = invoke("policies", "validate", "--quiet", str(BROKEN))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{BROKEN}:25: error: clause 'first', key 'conditions': conditions: 'revenu >= 1亿': unknown field " \
           f"'revenu' (did you mean \"revenue\"?)" in lines
    # 10 planted mistakes + the cap without a scope; 11 warnings + no frequency on each of the three clauses
    assert lines[-1] == f"{BROKEN}: FAILED: 11 error(s), 14 warning(s)"
    assert not [line for line in lines if ": warning: " in line]  # --quiet


def test_validate_strict_fails_on_warnings(tmp_path: Path) -> None:
    table = tmp_path / "t.toml"
    # the example without its quote for clause major_project: a warning, not an error
    table.write_text(EXAMPLE_TABLE.read_text(encoding="utf-8").replace(
        'quote = "对重大项目，采取“一事一议”方式给予支持。"\n', ""), encoding="utf-8")
    plain = invoke("policies", "validate", str(table))
    assert plain.exit_code == 0, plain.output
    assert f"{table}:" in plain.output and "warning: clause 'major_project', key 'quote': no quote" in plain.output
    strict = invoke("policies", "validate", "--strict", str(table))
    assert strict.exit_code == 1
    assert "FAILED" in strict.output


def test_validate_strict_catches_a_ceiling_coded_exact_and_a_threshold_against_its_words(tmp_path: Path) -> None:
    """SPEC §3 read against the quotes: 三(一) "给予最高1000万元奖励" coded basis = "exact", and "增加1亿元以上"
    (the number itself included) coded with '>': both warnings, so --strict fails; the bundled table passes."""
    text = (POLICIES / f"{NANCHANG}.toml").read_text(encoding="utf-8")
    ipo = text.index('quote = "对完成首发上市的')
    start = text.rindex('basis = "up_to"', 0, ipo)
    text = text[:start] + 'basis = "exact"' + text[start + len('basis = "up_to"'):]
    text = text.replace('test = "revenue - revenue_prev >= 1亿"', 'test = "revenue - revenue_prev > 1亿"')
    table = tmp_path / "changed.toml"
    table.write_text(text.replace(f'id = "{NANCHANG}"', 'id = "changed-copy"'), encoding="utf-8")
    res = invoke("policies", "validate", "--strict", str(table))
    out = " ".join(res.output.split())
    assert res.exit_code == 1, res.output
    assert ("clause 'ipo', key 'basis': the quote fixes a ceiling (最高 / 不超过) and the clause has no rate: SPEC §3 "
            "makes its amount an up_to figure, never certain") in out
    assert ("clause 'loan_interest', key 'conditions': the quote says 以上 / 达到 (the number itself included, SPEC §3) "
            "and a condition compares with '>': write '>='") in out
    # (and an error: ipo's ceiling_scope belongs to an up_to clause)
    assert out.endswith("FAILED: 1 error(s), 2 warning(s)"), out


def test_validate_two_files_with_one_id(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE_TABLE, tmp_path / "a.toml")
    shutil.copy(EXAMPLE_TABLE, tmp_path / "b.toml")
    result = invoke("policies", "validate", str(tmp_path / "a.toml"), str(tmp_path / "b.toml"))
    assert result.exit_code == 1
    assert f"policy id 'example-city-software-2024' is also used by {tmp_path / 'a.toml'}" in result.output


def test_validate_a_field_declared_with_another_type_than_a_bundled_policy(tmp_path: Path) -> None:
    table = tmp_path / "t.toml"
    text = EXAMPLE_TABLE.read_text(encoding="utf-8").replace(
        "[fields.is_new_software_hq]\ntype = \"bool\"", "[fields.paid_in_capital]\ntype = \"count\"").replace(
        "is_new_software_hq", "paid_in_capital > 0")
    table.write_text(text, encoding="utf-8")
    result = invoke("policies", "validate", str(table))
    assert result.exit_code == 1
    assert "field 'paid_in_capital' is count here but money in policy 'wuhan-east-lake-software-2023'" \
        in result.output


def test_validate_a_cases_file_naming_an_unknown_clause(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE_TABLE, tmp_path / "example-city-software-2024.toml")
    cases = tmp_path / "example-city-software-2024.cases.toml"
    cases.write_text("[[cases]]\nname = 'x'\n[cases.profile]\nyear = 2024\n[cases.expect.clauses]\n"
                     "rd_subsidi = 'granted'\n", encoding="utf-8")
    result = invoke("policies", "validate", str(cases))
    assert result.exit_code == 1
    assert "case 'x': unknown clause 'rd_subsidi' (did you mean \"rd_subsidy\"?)" in result.output


def test_validate_a_missing_file_and_a_file_that_is_not_toml(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[policy\nid = 1\n", encoding="utf-8")
    result = invoke("policies", "validate", str(tmp_path / "nope.toml"), str(bad))
    assert result.exit_code == 1
    assert f"{tmp_path / 'nope.toml'}: error: file not found" in result.output
    assert f"{bad}:1: error: not valid TOML" in result.output


def test_validate_without_files_is_a_usage_error() -> None:
    assert invoke("policies", "validate").exit_code == 2


# ---------------------------------------------------------------- test


def test_test_runs_every_bundled_cases_file() -> None:
    result = invoke("policies", "test")
    assert result.exit_code == 0, result.output
    assert re.search(rf"^{NANCHANG}: (\d+)/\1 cases pass", result.output, re.MULTILINE)
    assert re.search(r"^wuhan-east-lake-software-2023: (\d+)/\1 cases pass", result.output, re.MULTILINE)
    assert re.search(r"^beijing-robotics-2023: (\d+)/\1 cases pass", result.output, re.MULTILINE)
    assert re.search(r"^\d+ passed, 0 failed$", result.output, re.MULTILINE)


def test_test_the_guides_example_by_table_by_cases_file_and_by_id() -> None:
    for args in (("policies", "test", str(EXAMPLE_TABLE)),
                 ("policies", "test", str(EXAMPLE / "example-city-software-2024.cases.toml")),
                 ("policies", "test", "example-city-software-2024", "--policies-dir", str(EXAMPLE))):
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        assert "example-city-software-2024: 5/5 cases pass" in result.output


def test_test_prints_a_diff_and_fails() -> None:
    result = invoke("policies", "test", str(FIXTURES / "wrong-expectations.cases.toml"))
    assert result.exit_code == 1
    out = result.output
    assert f"{NANCHANG}: 1/2 cases pass" in out
    assert "FAIL neeq listing expected at a wrong amount and status" in out
    assert re.search(r"neeq_listing\.amount\s+expected: 900000\.00\n\s+got: 1000000\.00", out)
    assert out.rstrip().endswith("1 passed, 1 failed")


def test_test_verbose_lists_passing_cases() -> None:
    result = invoke("policies", "test", "-v", str(EXAMPLE_TABLE))
    assert result.exit_code == 0
    assert "  PASS company cap: exactly 1000万 is not cut" in result.output


def test_test_a_policy_without_cases(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE_TABLE, tmp_path / "example-city-software-2024.toml")
    result = invoke("policies", "test", "example-city-software-2024", "--policies-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "policy 'example-city-software-2024' has no cases file: write example-city-software-2024.cases.toml" \
        in result.output


def test_the_bundled_tables_pass_strict_validation() -> None:
    """A table an author copies must itself be clean: Wuhan's and Beijing's sources state no 文号, and the tables
    say so (document_number_note) instead of leaving a warning."""
    result = invoke("policies", "validate", "--strict", str(POLICIES))
    assert result.exit_code == 0, result.output
    assert " warning: " not in result.output
    shown = invoke("policies", "show", "beijing")
    assert "document: none (the sources state no 文号)" in shown.output


@pytest.mark.parametrize(("number", "note", "warning"), [
    ("", "", ("key 'document_number': no document number (文号): give it, or say why there is none in "
              "document_number_note")),
    ("示例府发〔2024〕1号", "the sources state no 文号",
     "key 'document_number_note': document_number_note is for a policy without a document number"),
    ("", "the sources state no 文号", None),
])
def test_a_missing_document_number_is_either_given_or_explained(tmp_path: Path, number, note, warning) -> None:
    table = tmp_path / "t.toml"
    text = EXAMPLE_TABLE.read_text(encoding="utf-8")
    old = 'document_number = "示例府发〔2024〕1号"'
    assert old in text
    new = f'document_number = "{number}"' + (f'\ndocument_number_note = "{note}"' if note else "")
    table.write_text(text.replace(old, new), encoding="utf-8")
    result = invoke("policies", "validate", "--strict", str(table))
    if warning is None:
        assert result.exit_code == 0, result.output
        assert " warning: " not in result.output
    else:
        assert result.exit_code == 1
        assert warning in result.output


@pytest.mark.parametrize(("pid", "day", "superseded"), [
    ("wuhan-east-lake-software-2023", "2025-03-19", False),
    ("wuhan-east-lake-software-2023", "2025-03-20", True),  # the 14-measure text reported that day (SPEC 9.3)
    ("beijing-robotics-2023", "2026-01-22", False),
    ("beijing-robotics-2023", "2026-01-23", True),  # the 2026 funding guides
    ("nanchang-electronic-information-2023", "2026-06-30", False),  # it ended: expired says it all
])
def test_list_says_when_a_policy_with_no_known_end_may_be_superseded(pid: str, day: str, superseded: bool) -> None:
    result = invoke("policies", "list", "--on", day, "--format", "json")
    assert result.exit_code == 0, result.output
    [row] = [r for r in json.loads(result.output) if r["id"] == pid]
    assert row["may_be_superseded"] is superseded
    text = invoke("policies", "list", "--on", day).output  # a wide terminal: a table row per policy
    line = next(x for x in text.splitlines() if x.startswith(pid))
    assert ("in force; may be superseded (successor reported 20" in line) is superseded, line


_CUT = re.compile(r"[0-9０-９]$")  # a line that ends in a digit …
_GOES_ON = re.compile(r"^[0-9０-９%％万亿千元,.]")  # … continued at the start of the next one


@pytest.mark.parametrize("width", [40, 52, 60, 72, 79, 80, 100, 132])
@pytest.mark.parametrize("policy", ["nanchang", "wuhan-east-lake", "beijing"])
def test_policies_show_never_splits_a_figure_of_the_chinese_text(policy, width):
    # Rich folds text without spaces anywhere: 给予5⏎0%补助, 最高1⏎000万元; figures are kept whole
    res = invoke("policies", "show", policy, env={"COLUMNS": str(width)})
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert max(cell_len(line) for line in lines) <= width  # cells: a hanzi is two
    for a, b in itertools.pairwise(lines):
        assert not (_CUT.search(a.rstrip()) and _GOES_ON.match(b.lstrip())), (a, b)
    text = res.output.replace("\n", "")
    assert "最高" in text and "quote: “" in text


def test_a_range_and_a_rank_stay_whole():
    from nanchang_incentives.render.policies import wrap_unbroken

    for width in range(12, 40):  # (below 11 cells the figure is wider than a line: folded where it must be)
        lines = wrap_unbroken("每项给予科技重大专项100-200万元资助，世界500强及中国电子信息100强企业", width)
        assert "".join(lines) == "每项给予科技重大专项100-200万元资助，世界500强及中国电子信息100强企业"
        assert any("100-200万元" in x for x in lines) and any("500强" in x for x in lines), (width, lines)


def test_show_finds_a_clause_by_its_chinese_title_and_suggests_the_nearest() -> None:
    # `policies show 南昌 -c 研发中心补贴` was refused: only ids were looked up
    by_title = invoke("policies", "show", NANCHANG, "-c", "研发中心补贴")
    by_id = invoke("policies", "show", NANCHANG, "-c", "rd_center")
    assert by_title.exit_code == 0 and by_title.stdout == by_id.stdout
    near = invoke("policies", "show", NANCHANG, "-c", "研发中心")
    assert near.exit_code == 2
    assert 'has no clause \'研发中心\' (did you mean "研发中心补贴", that is rd_center?)' in " ".join(near.output.split())


def test_policies_show_names_each_field_by_its_chinese_name_too() -> None:
    # a user who fills in 在昌项目银行贷款 could not find it: the list gave only local_project_loans
    res = CliRunner().invoke(app, ["policies", "show", "nanchang"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "  local_project_loans / 在昌项目银行贷款 (money): average balance" in res.stdout


def test_a_profile_where_a_policy_table_is_read_says_so(tmp_path):
    # --policies-dir naming a folder of profiles: "field 'name': unknown table 'name'; allowed: clauses, …"
    from typer.testing import CliRunner

    from nanchang_incentives.cli import app

    sample = Path(__file__).parent.parent / "samples" / "beijing-robot-maker.toml"
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "firm.toml").write_bytes(sample.read_bytes())
    res = CliRunner().invoke(app, ["calc", str(sample), "--policies-dir", str(tmp_path / "p")],
                             env={"COLUMNS": "300"})
    assert res.exit_code == 1
    assert res.output.strip() == (
        f"error: {tmp_path / 'p' / 'firm.toml'}: this is a company profile (its keys name, jurisdiction, year are "
        f"profile fields), not a policy table (--policies-dir and policies validate read policy tables: see "
        f"docs/authoring.md); compute a profile with incentives calc firm.toml")
