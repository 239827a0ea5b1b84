"""Inputs in the user's own words (issue 11): Chinese names, industry tags, every problem at once."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nanchang_incentives import api, docs
from nanchang_incentives import fields as F
from nanchang_incentives.cli import app
from nanchang_incentives.errors import InputError
from nanchang_incentives.plausibility import WarningKind
from nanchang_incentives.profile import ProfileProblems, load_profile

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CATALOG = api.load()
REG = CATALOG.registry


def write(tmp_path: Path, text: str, name: str = "company.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- Chinese names of fields


@pytest.mark.parametrize("alias,field", [
    ("营业收入", "revenue"), ("上年营业收入", "revenue_prev"), ("研发费用", "rd_expense"), ("研发人员", "rd_staff"),
    ("企业名称", "name"), ("所在地", "jurisdiction"), ("辖区", "jurisdiction"), ("年度", "year"),
    ("行业", "industries"), ("销售收入（不含税）", "sales_revenue"), ("一年期LPR", "lpr_1y"),
    ("实缴注册资本", "paid_in_capital"), ("首试首用制备成本", "first_trial_unit_costs"),
])
def test_the_chinese_names_of_the_issue_resolve_to_their_fields(alias: str, field: str) -> None:
    assert REG.resolve(alias) == field


def test_every_field_has_a_chinese_name_and_no_alias_names_two_fields() -> None:
    owners: dict[str, str] = {}
    for f in REG.fields.values():
        assert f.zh != f.name, f"{f.name} has no Chinese alias"
        for alias in f.aliases:
            assert owners.setdefault(alias, f.name) == f.name, alias
            assert alias not in REG.fields


def test_an_alias_naming_two_fields_is_a_policy_error(tmp_path: Path) -> None:
    src = (ROOT / "docs" / "example" / "policies").glob("*.toml")
    text = next(iter(src)).read_text(encoding="utf-8")
    head, _, rest = text.partition("[fields.")
    bad = head + '[fields.dup_field]\naliases = ["营业收入"]\ntype = "money"\ntitle = "x"\n\n[fields.' + rest
    path = write(tmp_path, bad, "dup.toml")
    res = CliRunner().invoke(app, ["policies", "validate", str(path)])
    assert res.exit_code == 1
    assert "alias '营业收入' already names field 'revenue'" in res.output


def test_toml_with_chinese_keys_gives_the_english_profile(tmp_path: Path) -> None:
    zh = write(tmp_path, '"企业名称" = "甲"\n"所在地" = "南昌"\n"年度" = 2024\n"行业" = ["电子信息"]\n'
                         '"营业收入" = "25亿"\n"上年营业收入" = "22亿"\n"研发费用" = "1.2亿"\n"研发人员" = 150\n', "zh.toml")
    en = write(tmp_path, 'name = "甲"\njurisdiction = "nanchang"\nyear = 2024\nindustries = ["electronic-information"]\n'
                         'revenue = "25亿"\nrevenue_prev = "22亿"\nrd_expense = "1.2亿"\nrd_staff = 150\n', "en.toml")
    a, b = load_profile(zh, REG), load_profile(en, REG)
    assert a.values == b.values
    assert a.lines["revenue"] == 5 and a.lines["营业收入"] == 5  # the line under both names


def test_a_field_given_under_two_names_is_an_error_naming_both(tmp_path: Path) -> None:
    path = write(tmp_path, 'year = 2024\nrevenue = "25亿"\n"营业收入" = "25亿"\n')
    with pytest.raises(InputError) as info:
        load_profile(path, REG)
    assert str(info.value) == (f"{path}:3, field '营业收入 (revenue)': revenue is given twice: as 'revenue' (line 2) "
                               f"and as '营业收入'; keep one")


def test_a_bare_chinese_toml_key_gets_the_advice_to_quote_it(tmp_path: Path) -> None:
    path = write(tmp_path, 'year = 2024\n营业收入 = "25亿"\n')
    with pytest.raises(InputError) as info:
        load_profile(path, REG)
    assert info.value.location.line == 2
    assert 'must be quoted: "营业收入" = …' in str(info.value)


def test_a_near_miss_chinese_name_gets_a_did_you_mean(tmp_path: Path) -> None:
    path = write(tmp_path, 'year = 2024\n"营业收人" = "25亿"\n')  # 人 for 入
    with pytest.raises(InputError, match='did you mean "营业收入", that is revenue'):
        load_profile(path, REG)


@pytest.mark.parametrize(("written", "meant", "field"), [("营业额", "营业收入", "revenue"),
                                                         ("销售额", "销售收入", "sales_revenue")])
def test_an_everyday_chinese_word_for_a_field_gets_a_did_you_mean(tmp_path: Path, written, meant, field) -> None:
    # 营业额 shares 营业 with 营业收入 (4 of 7 characters): below the bar for ASCII names, so it got no hint
    path = write(tmp_path, f'year = 2024\n"{written}" = "25亿"\n')
    with pytest.raises(InputError, match=f'did you mean "{meant}", that is {field}'):
        load_profile(path, REG)


def test_csv_headers_accept_chinese_names_mixed_with_english(tmp_path: Path) -> None:
    zh = write(tmp_path, "企业名称,jurisdiction,年度,行业,revenue,上年营业收入\n甲,南昌,2024,电子信息,25亿,22亿\n", "zh.csv")
    en = write(tmp_path, "name,jurisdiction,year,industries,revenue,revenue_prev\n"
                         "甲,nanchang,2024,electronic-information,25亿,22亿\n", "en.csv")
    for src in (zh, en):
        res = CliRunner().invoke(app, ["batch", str(src), "-o", str(src.with_suffix(".out.csv")), "--quiet"])
        assert res.exit_code == 0, res.output
    assert zh.with_suffix(".out.csv").read_bytes() == en.with_suffix(".out.csv").read_bytes()


def test_traditional_characters_name_the_same_fields_places_and_tags(tmp_path: Path) -> None:
    # 營業收入 got 'did you mean "销售收入" (sales_revenue)?', a different field, from a sheet typed in traditional
    trad = write(tmp_path, "企業名稱,所在地,年度,行業,營業收入（萬元）,上年營業收入,研發費用\n"
                           "甲,武漢東湖高新區,2024,軟件,32000,2.5億,6800萬\n", "trad.csv")
    simp = write(tmp_path, "企业名称,所在地,年度,行业,营业收入（万元）,上年营业收入,研发费用\n"
                           "甲,武汉东湖高新区,2024,软件,32000,2.5亿,6800万\n", "simp.csv")
    for src in (trad, simp):
        res = CliRunner().invoke(app, ["batch", str(src), "-o", str(src.with_suffix(".out.csv")), "--quiet"])
        assert res.exit_code == 0, res.output
    assert trad.with_suffix(".out.csv").read_bytes() == simp.with_suffix(".out.csv").read_bytes()
    assert ",wuhan-east-lake-software-2023,2024," in simp.with_suffix(".out.csv").read_text(encoding="utf-8")
    assert [REG.resolve(k) for k in ("營業收入", "研發人員", "銷售收入（不含稅）", "實繳註冊資本")] == [
        "revenue", "rd_staff", "sales_revenue", "paid_in_capital"]
    assert REG["industries"].parse(["電子信息", "機器人"]) == ("electronic-information", "robotics")
    path = write(tmp_path, '"年度" = 2024\n"所在地" = "南昌市"\n"行業" = ["電子信息"]\n"新三板掛牌" = true\n')
    (res,) = api.calculate(p := load_profile(path, REG), api.policies_for(p, CATALOG), CATALOG)
    assert {c.id: c.amount for c in res.clauses}["neeq_listing"] == 100_000_000  # 100万 in fen


def test_a_csv_column_given_under_two_names_is_an_error_naming_both(tmp_path: Path) -> None:
    src = write(tmp_path, "name,year,jurisdiction,revenue,营业收入\n甲,2024,nanchang,1,1\n", "c.csv")
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 1
    assert "revenue is given twice: as column 'revenue' (D) and as column '营业收入' (E); keep one" in " ".join(
        res.output.split())


@pytest.mark.parametrize("written,code", [("南昌", "nanchang"), ("南昌市", "nanchang"), ("武汉", "wuhan-east-lake"),
                                          ("东湖", "wuhan-east-lake"), ("光谷", "wuhan-east-lake"), ("北京", "beijing"),
                                          ("Beijing", "beijing"), ("nanchang", "nanchang")])
def test_jurisdictions_by_their_chinese_names(written: str, code: str) -> None:
    assert REG["jurisdiction"].parse(written) == code


def test_an_ambiguous_jurisdiction_name_is_refused_with_both() -> None:
    vocab = F.vocabulary_from("jurisdictions", {"wuhan-east-lake": {"aliases": ["武汉"]},
                                                "wuhan-city": {"aliases": ["武汉"]}})
    with pytest.raises(F.ValueProblem, match="'武汉' could mean wuhan-east-lake or wuhan-city"):
        vocab.lookup("武汉")


# ---------------------------------------------------------------- industry tags


@pytest.mark.parametrize("written,tag", [("电子信息", "electronic-information"), ("软件", "software"),
                                         ("软件和信息技术服务", "software"), ("机器人", "robotics"), ("LED", "led"),
                                         ("半导体照明", "led"), ("Robotics", "robotics")])
def test_industry_tags_by_their_chinese_names(written: str, tag: str) -> None:
    assert REG["industries"].parse([written]) == (tag,)


@pytest.mark.parametrize("written", ["wuhan_east_lake", "Wuhan East Lake", "ＷＵＨＡＮ-east-lake", " 东湖 "])
def test_a_jurisdiction_is_read_as_the_options_read_a_place(written: str) -> None:
    # as --cities and --policy: case, full-width letters, "_" and spaces for "-" do not matter
    assert REG["jurisdiction"].parse(written) == "wuhan-east-lake"


@pytest.mark.parametrize("written,meant", [("electronic_information", "electronic-information"),
                                           ("electronics", "electronic-information"), ("robot", "robotics"),
                                           ("softwares", "software")])
def test_a_tag_close_to_a_known_one_is_an_error_with_did_you_mean(written: str, meant: str) -> None:
    with pytest.raises(F.ValueProblem, match=f'unknown industry tag {written!r} \\(did you mean "{meant}"\\?\\)'):
        REG["industries"].parse([written])


def test_a_list_item_holding_two_tags_is_split_as_a_text_is() -> None:
    # "行业" = ["电子信息、软件"] was one unknown tag '电子信息、软件', where "电子信息、软件" is two
    assert REG["industries"].parse(["电子信息、软件"]) == ("electronic-information", "software")
    assert REG["industries"].parse(["电子信息；LED", "软件"]) == ("electronic-information", "led", "software")


def test_a_tag_far_from_all_is_kept_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, 'year = 2024\njurisdiction = "nanchang"\nindustries = ["电子信息", "biotech"]\n')
    p = load_profile(path, REG)
    assert p.values["industries"] == ("electronic-information", "biotech")
    (w,) = p.warnings
    assert w.kind is WarningKind.UNKNOWN_TAG and w.fields == ("industries",) and w.values == ("biotech",)


def test_the_policies_industries_are_known_tags() -> None:
    for pol in CATALOG.policies.values():
        for tag in pol.industries:
            assert REG["industries"].known_value(tag)


def test_chinese_industry_computes_as_the_english_tag(tmp_path: Path) -> None:
    path = write(tmp_path, 'year = 2024\njurisdiction = "南昌"\n"行业" = ["电子信息"]\nneeq_listed = true\n')
    (res,) = api.calculate(p := load_profile(path, REG), api.policies_for(p, CATALOG), CATALOG)
    assert res.targeted
    assert {c.id: c.amount for c in res.clauses}["neeq_listing"] == 100_000_000  # 100万 in fen


# ---------------------------------------------------------------- every problem at once


SIX_MISTAKES = """name = "六错有限公司"
jurisdiction = "nanchang"
year = 2024
revenue = "25千万"
revenue_prev = "-3亿"
rd_staff = "3.5"
lpr_1y = "0.031"
is_listed = "maybe"
reveneu = "1亿"
"""


def test_a_profile_with_six_mistakes_lists_six_problems(tmp_path: Path) -> None:
    path = write(tmp_path, SIX_MISTAKES)
    with pytest.raises(ProfileProblems) as info:
        load_profile(path, REG)
    problems = info.value.problems
    assert [(p.location.line, p.location.field) for p in problems] == [
        (4, "revenue"), (5, "revenue_prev"), (6, "rd_staff"), (7, "lpr_1y"), (8, "is_listed"), (9, "reveneu")]
    text = [p.message for p in problems]
    assert "unknown unit '千万'" in text[0] and '"120万"' in text[0]
    assert "negative" in text[1]
    assert "expected a whole number such as 3" in text[2]
    assert 'did you mean "3.1%"?' in text[3]
    assert "expected true or false" in text[4]
    assert 'did you mean "revenue"?' in text[5]


def test_six_mistakes_exit_1_and_print_all_six(tmp_path: Path) -> None:
    path = write(tmp_path, SIX_MISTAKES)
    res = CliRunner().invoke(app, ["calc", str(path)])
    assert res.exit_code == 1
    lines = res.output.splitlines()
    assert lines[0] == f"error: {path}: 6 problems; fix them all before running again:"
    assert [ln.split(",")[0].strip() for ln in lines[1:7]] == [f"{path}:{n}" for n in range(4, 10)]


@pytest.mark.parametrize("command, extra, want", [
    ("calc", [], ["revenu", "jurisdiction", "year"]),
    ("calc", ["--policy", "wuhan"], ["revenu", "year"]),
    ("calc", ["--year", "2024"], ["revenu", "jurisdiction"]),
    ("compare", [], ["revenu", "year"]),  # every city: no jurisdiction needed
    ("explore", ["--vary", "revenue=1亿..2亿"], ["revenu", "jurisdiction", "year"]),
])
def test_a_missing_year_and_jurisdiction_are_listed_with_the_other_problems(tmp_path: Path, command, extra,
                                                                             want) -> None:
    """README: a profile with several bad fields lists all of them at once, the fields it lacks included."""
    path = write(tmp_path, 'name = "x"\nindustries = ["software"]\nrevenu = 1\n')
    res = CliRunner().invoke(app, [command, str(path), *extra])
    assert res.exit_code == 1
    lines = res.output.splitlines()
    assert lines[0] == f"error: {path}: {len(want)} problems; fix them all before running again:"
    assert [ln.split("field '")[1].split("'")[0] for ln in lines[1:]] == want
    assert lines[1] == (f"  {path}:3, field 'revenu': unknown field (did you mean \"revenue\"?); "
                        "see the field reference in the README")
    if "year" in want:
        assert lines[-1] == (f"  {path}, field 'year': missing; add year = 2024 (the fiscal year the figures "
                             "describe) or pass --year")


def test_a_profile_lacking_only_its_year_says_that_alone(tmp_path: Path) -> None:
    path = write(tmp_path, 'name = "x"\njurisdiction = "wuhan"\nindustries = ["software"]\nrevenue = 1\n')
    res = CliRunner().invoke(app, ["calc", str(path)])
    assert res.exit_code == 1
    assert res.output == (f"error: {path}, field 'year': missing; add year = 2024 (the fiscal year the figures "
                          "describe) or pass --year\n")


# ---------------------------------------------------------------- samples in Chinese


def test_the_chinese_sample_profile_gives_exactly_the_english_results() -> None:
    outs = []
    for path in (SAMPLES / "zh" / "nanchang-si-led-maker.toml", SAMPLES / "nanchang-si-led-maker.toml"):
        res = CliRunner().invoke(app, ["calc", str(path), "--format", "json"])
        assert res.exit_code == 0, res.output
        outs.append(json.loads(res.output))
    assert outs[0] == outs[1]
    assert outs[0]["results"][0]["total"] == "35339200.00"  # the hand-worked total (tests/test_sample_csv.py)


def test_the_chinese_sample_csv_gives_exactly_the_english_results(tmp_path: Path) -> None:
    with (SAMPLES / "zh" / "companies.csv").open(encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert all(not h.isascii() for h in header)  # written entirely with Chinese names
    outs = []
    for src in (SAMPLES / "zh" / "companies.csv", SAMPLES / "companies.csv"):
        out = tmp_path / f"{src.parent.name}.csv"
        res = CliRunner().invoke(app, ["batch", str(src), "-o", str(out), "--quiet"])
        assert res.exit_code == 0, res.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


# ---------------------------------------------------------------- the README and --lang zh data


def test_the_readme_field_reference_and_input_forms_are_generated() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert docs.render_readme(text, CATALOG) == text, "run: python -m nanchang_incentives.docs README.md"
    assert "| `revenue` | 营业收入 (年度营业收入, 本年营业收入) | money |" in text


def test_chinese_labels_for_fields_and_output_columns() -> None:
    zh = F.Lang.ZH
    assert [REG.label(n, zh) for n in ("revenue", "rd_staff", "total", "row", "warnings", "loan_interest_status")] \
        == ["营业收入", "研发人员", "合计", "序号", "提示", "loan_interest_状态"]
    assert REG.label("revenue", F.Lang.EN) == "revenue"


def test_output_language_from_option_or_environment() -> None:
    assert F.output_lang("zh") is F.Lang.ZH
    assert F.output_lang(None, {"INCENTIVES_LANG": "zh_CN.UTF-8"}) is F.Lang.ZH
    assert F.output_lang("en", {"INCENTIVES_LANG": "zh"}) is F.Lang.EN  # the option wins
    with pytest.raises(F.ValueProblem, match="expected en or zh"):
        F.output_lang("fr")


def test_lang_zh_gives_the_markdown_clause_table_chinese_headings_too() -> None:
    sample = str(SAMPLES / "zh" / "nanchang-si-led-maker.toml")
    zh = CliRunner().invoke(app, ["calc", sample, "--format", "markdown", "--lang", "zh"]).stdout
    en = CliRunner().invoke(app, ["calc", sample, "--format", "markdown"], env={"INCENTIVES_LANG": ""}).stdout
    assert "| 条款 | 章节 | 状态 | 计算 | 封顶前金额 | 封顶与说明 | 金额 | 金额性质 |" in zh.splitlines()
    assert "| Clause | Section | Status | Calculation | Raw | Cap / notes | Amount | Basis |" in en.splitlines()
    # the calculation in the policy table's Chinese words (base_label_zh, 一年期LPR), the English one in English
    assert ("| `loan_interest` 贷款利息补贴 | 三(一) | 符合条件 | 实际用于在昌项目的银行贷款 86,400,000.00 × 50% × "
            "一年期LPR 3.10% = 1,339,200.00 |") in zh
    assert "| `loan_interest` 贷款利息补贴 | 三(一) | granted | loans used for projects in Nanchang 86,400,000.00" in en
    # 《意见》三(四): 每项给予100-200万元 -> an up-to figure with a stated minimum, marked 最高 / 至少 in the amount,
    # raw and basis cells (SPEC §3, 9.2)
    assert ("| 最高 4,000,000.00 |   | 最高 4,000,000.00（至少 2,000,000.00） | 最高 |" in zh
            and "| up to 4,000,000.00 |   | up to 4,000,000.00 (at least 2,000,000.00) | up_to |" in en)
    assert "**合计**" in zh and "- 合计：最高 35,339,200.00（确定 31,339,200.00 + 最高 4,000,000.00）" in zh
    assert "- total: up to 35,339,200.00 (exact 31,339,200.00 + up to 4,000,000.00)" in en
    # the figures are the same, in the same order
    figures = re.compile(r"\d[\d,]*\.\d\d")
    assert figures.findall(zh) == figures.findall(en) and len(figures.findall(en)) > 20


def test_lang_zh_marks_every_ceiling_in_chinese_in_the_calc_table() -> None:
    """Wuhan's 规模提升 award (单个企业每年最高500万元) is a ceiling: under --lang zh its amount cell reads 最高 above
    the figure, never the English "up to" beside a Chinese status, and the totals block is Chinese (SPEC §3)."""
    sample = str(SAMPLES / "wuhan-software-firm.toml")
    for width in (200, 70):
        zh = CliRunner().invoke(app, ["calc", sample, "--lang", "zh"], env={"COLUMNS": str(width)}).stdout
        table = zh.split("[1] xinchuang_solution")[0]
        lines = [ln.rstrip() for ln in table.splitlines()]
        if width == 200:
            k = next(i for i, ln in enumerate(lines) if ln.startswith("scale_up_award"))
            # wide: the qualifier on the figure's line (narrower, on its own line above it: a figure is never split)
            assert "符合条件" in lines[k] and lines[k].endswith(" 最高 5,000,000.00"), table
            assert sum(bool(re.search(r" 最高 [\d,]+\.\d\d$", ln)) for ln in lines) == 5, table
            assert not any(re.search(r"up to( [\d,]+\.\d\d)?$", ln) for ln in lines)  # (the amount cell)
        else:  # stacked: the amount after the status, qualifier and figure on one line
            for figure in ("5,000,000.00", "10,000,000.00", "6,000,000.00", "1,000,000.00"):
                assert re.search(rf"符合条件 +最高 {figure}$", zh, re.MULTILINE), table
        assert "确定金额条款" in zh and "最高限额条款（上限）  最高 27,000,000.00" in zh
        total = "合计                  最高 29,123,456.79（确定 2,123,456.79 + 最高 27,000,000.00）"
        assert total in zh if width == 200 else total.split("（")[0] in zh
        assert "酌情条款              3 项条款文本无金额，不计入合计" in zh


def test_lang_zh_says_in_chinese_when_no_clause_is_in_force() -> None:
    """洪府发〔2023〕30号 ended on 2025-12-31: for fiscal 2026 the total says, in Chinese, that nothing is computed."""
    sample = str(SAMPLES / "zh" / "nanchang-si-led-maker.toml")
    zh = CliRunner().invoke(app, ["calc", sample, "--lang", "zh", "--year", "2026"]).stdout
    assert "合计  无：2026 财年没有条款在有效期内，未计算" in zh
    # the first line says it in Chinese only (SPEC 9.3: the end date, the successor: the table's note as written)
    flat = " ".join(zh.split())
    assert flat.startswith("不在有效期内：2026 财年不在洪府发〔2023〕30号有效期内（2023-10-10 至 2025-12-31），不计算任何条款；"
                           "后续政策（截至 2026-12）：no successor has been published, and none was found in the sources; "
                           "the text says it will be evaluated and revised when it expires；加 --ignore-validity 可作假设计算。 "
                           "洪城硅衬底光电股份有限公司"), flat[:300]
    assert "NOT IN FORCE" not in zh
    wuhan = CliRunner().invoke(app, ["calc", str(SAMPLES / "wuhan-software-firm.toml"), "--lang", "zh", "--policy",
                                     "nanchang"]).stdout
    flat = " ".join(wuhan.split())
    assert flat.startswith("不适用：本政策适用于电子信息企业，本企业的行业为 [软件和信息技术服务]，没有适用的条款；the text counts ")
    assert "如本企业属于电子信息企业，请在行业中加上“电子信息”。 提示：" in flat, flat[:900]
    assert "NOT TARGETED" not in wuhan


def test_lang_zh_gives_the_terminal_clause_table_chinese_status_words() -> None:
    """给予, 已封顶, 不符合条件, 酌情，无金额 … in the status column, at 200 columns (the table) and at 70 (stacked);
    the figures are those of the English table."""
    sample = str(SAMPLES / "nanchang-small-firm-capped.toml")
    for width in (200, 70):
        env = {"COLUMNS": str(width), "INCENTIVES_LANG": ""}
        zh = CliRunner().invoke(app, ["calc", sample, "--lang", "zh"], env=env).stdout
        en = CliRunner().invoke(app, ["calc", sample], env=env).stdout
        assert "已封顶" in zh and "不符合条件" in zh and "酌情，无金额" in zh, zh
        table = zh.split("[1] 企业年度上限")[0]
        assert not any(w in table for w in ("granted", "not eligible", "discretionary", "  capped")), table
        assert "project(s)" not in table and "1个项目（smart_factory_investments），各 × 50%" in table
        # the same figures (the Chinese calculation, shorter, may fit a line the English one wraps)
        figures = re.compile(r"\d[\d,]*\.\d\d")
        assert sorted(figures.findall(zh)) == sorted(figures.findall(en)) and len(figures.findall(en)) > 20


def test_an_xlsx_with_chinese_headers_gives_exactly_the_english_results(tmp_path: Path) -> None:
    """The Chinese sample CSV saved as a workbook the way a consultant types it (text cells as typed,
    years as numbers) is read through the same header aliases and field parsers."""
    import openpyxl

    with (SAMPLES / "zh" / "companies.csv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append([int(c) if c.isdigit() and len(c) == 4 else c for c in r])
    book = tmp_path / "clients.xlsx"
    wb.save(book)
    outs = []
    for src in (book, SAMPLES / "companies.csv"):
        out = tmp_path / f"{src.stem}-out.csv"
        res = CliRunner().invoke(app, ["batch", str(src), "-o", str(out), "--quiet", "--no-bom"])
        assert res.exit_code == 0, res.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_a_jurisdiction_no_policy_is_for_is_listed_with_the_other_problems(tmp_path: Path) -> None:
    """Not found only once the other problems are fixed, as before: 上海 is listed beside them (calc), and left
    alone when --policy makes the jurisdiction irrelevant."""
    path = write(tmp_path, 'name = "x"\njurisdiction = "上海"\nyear = "20x4"\nrd_staff = 3.5\n')
    res = CliRunner().invoke(app, ["calc", str(path)])
    assert res.exit_code == 1
    lines = res.output.splitlines()
    assert lines[0] == f"error: {path}: 3 problems; fix them all before running again:"
    assert lines[1] == (f"  {path}:2, field 'jurisdiction': no policy for jurisdiction '上海'; known: beijing, "
                        "nanchang, wuhan-east-lake")
    res = CliRunner().invoke(app, ["calc", str(path), "--policy", "nanchang"])
    assert res.output.splitlines()[0] == f"error: {path}: 2 problems; fix them all before running again:"


def test_the_enumeration_comma_separates_list_items_but_a_comma_never_does() -> None:
    # 电子信息、LED as typed in Chinese; "1,200,000" and the full-width "１，２００" stay one amount
    assert REG["industries"].parse("电子信息、LED", csv=True) == ("electronic-information", "led")
    assert REG["smart_factory_investments"].parse("300万、150万", csv=True) == (3_000_000_0000, 1_500_000_0000)
    assert REG["smart_factory_investments"].parse("1,200,000;１，２００", csv=True) == (1_200_000_0000, 1_200_0000)


def test_a_registers_own_columns_and_official_place_names_are_read(tmp_path: Path) -> None:
    # a register exported from a government system: 法定代表人, 纳税人识别号, 所属县区, 成立日期 stopped the run as
    # unknown columns, and 江西省南昌市 / 武汉东湖新技术开发区 (the zone's official name) were unknown jurisdictions
    src = tmp_path / "register.csv"
    src.write_text("企业名称,所在地,年度,行业,营业收入,硅衬底LED销售额,法定代表人,纳税人识别号,所属县区,成立日期,企业类型\n"
                   "甲,江西省南昌市,2024,电子信息,3亿,1000万,张三,91360100MA00000000,红谷滩区,2010-01-01,民营\n"
                   "乙,武汉东湖新技术开发区,2024,软件,3亿,,李四,91420100MA00000000,洪山区,2012-05-01,国有\n"
                   "丙,南昌高新区,2024,电子信息,3亿,200万,,,,,\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(out)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    rows = {r["name"]: r for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    assert {n: r["policy"] for n, r in rows.items()} == {
        "甲": "nanchang-electronic-information-2023", "乙": "wuhan-east-lake-software-2023",
        "丙": "nanchang-electronic-information-2023"}
    # 三(三): 1000万 × 10% = 1,000,000.00; 200万 × 10% = 200,000.00
    assert (rows["甲"]["si_led_sales"], rows["丙"]["si_led_sales"]) == ("1000000.00", "200000.00")
    assert "note: not read: the columns '法定代表人', '纳税人识别号', '所属县区', '成立日期', '企业类型'" in " ".join(
        res.output.split())


def test_lang_zh_gives_the_what_if_view_chinese_totals_status_words_and_qualifiers() -> None:
    """calc --set revenue=3亿 on the Si-LED maker (营业收入 32亿 → 3亿): loan_interest loses its growth of 1亿
    (3亿 − 29.5亿 < 1亿) and rd_center its 20亿; si_led_rd (1000万 cap) wins the 'rd' group: 31,339,200.00 exact
    → 20,000,000.00; the 科技重大专项 ceilings stay up to 4,000,000.00 (SPEC §3: 最高 in Chinese)."""
    sample = str(SAMPLES / "zh" / "nanchang-si-led-maker.toml")
    zh = CliRunner().invoke(app, ["calc", sample, "--lang", "zh", "--set", "revenue=3亿"],
                            env={"COLUMNS": "120"}).stdout
    lines = [ln.rstrip() for ln in zh.splitlines()]
    assert "loan_interest  符合条件 → 不符合条件" in lines
    assert "  原值 1,339,200.00，新值 —，差额 -1,339,200.00" in lines
    assert re.search(r"^确定金额条款 +31,339,200\.00 +20,000,000\.00 +-11,339,200\.00$", zh, re.MULTILINE), zh
    assert re.search(r"^最高限额条款 +最高 4,000,000\.00 +最高 4,000,000\.00 +0\.00$", zh, re.MULTILINE), zh
    assert re.search(r"^合计 +最高 35,339,200\.00 +最高 24,000,000\.00 +-11,339,200\.00$", zh, re.MULTILINE), zh
    md = CliRunner().invoke(app, ["calc", sample, "--lang", "zh", "--set", "revenue=3亿", "-f", "markdown"]).stdout
    assert "| 条款 | 状态 | 原值 | 新值 | 差额 | 原因 |" in md
    assert "| **合计** | | 最高 35,339,200.00 | 最高 24,000,000.00 | -11,339,200.00 |" in md


def test_explore_takes_lang_zh_for_its_legend_and_the_totals_at_each_cliff() -> None:
    # 三(一): growth ≥ 1亿 from revenue 30.5亿 (revenue_prev 29.5亿): 34,000,000.00 → 35,339,200.00, each total
    # counting the 科技重大专项 ceilings (最高)
    sample = str(SAMPLES / "zh" / "nanchang-si-led-maker.toml")
    for args, env in ((["--lang", "zh"], {}), ([], {"INCENTIVES_LANG": "zh"})):
        res = CliRunner().invoke(app, ["explore", sample, "--vary", "revenue=29亿..32亿", *args],
                                 env={"COLUMNS": "120", **env})
        assert res.exit_code == 0, res.output
        flat = " ".join(res.stdout.split())
        assert "revenue → █ 确定金额 ░ 最高（上限）" in flat
        squeezed = "".join(res.stdout.split())  # (Chinese wraps without spaces)
        assert "合计低一个单位时最高34,000,000.00，此处最高35,339,200.00（+1,339,200.00）" in squeezed
        assert "revenue的跳变点" in squeezed and "just below" not in flat
    en = CliRunner().invoke(app, ["explore", sample, "--vary", "revenue=29亿..32亿"], env={"COLUMNS": "120"}).stdout
    assert "total up to 34,000,000.00 just below, up to 35,339,200.00 at it" in " ".join(en.split())


def test_lang_zh_names_the_fields_to_add_by_their_chinese_names_too(tmp_path: Path) -> None:
    """A profile written with Chinese keys got 'not evaluated — add neeq_listed': under --lang zh the advice also
    gives the name it writes (新三板挂牌); English and JSON keep the field ids."""
    profile = tmp_path / "zh.toml"
    profile.write_text('name = "甲"\n"所在地" = "南昌"\n"年度" = 2024\n"行业" = ["电子信息"]\n', encoding="utf-8")
    zh = CliRunner().invoke(app, ["calc", str(profile), "--lang", "zh"], env={"COLUMNS": "200"}).stdout
    en = CliRunner().invoke(app, ["calc", str(profile)], env={"COLUMNS": "200", "INCENTIVES_LANG": ""}).stdout
    assert "未计算 — 需补充 neeq_listed（新三板挂牌）：neeq_listing（新三板挂牌奖励，三(一)）" in zh
    assert "需补充 local_project_loans（在昌项目银行贷款）、revenue（营业收入）、revenue_prev（上年营业收入）：" in zh
    assert "not evaluated — add neeq_listed: neeq_listing (新三板挂牌奖励, 三(一))" in en
    doc = json.loads(CliRunner().invoke(app, ["calc", str(profile), "--lang", "zh", "-f", "json"]).stdout)
    neeq = next(c for c in doc["results"][0]["clauses"] if c["id"] == "neeq_listing")
    assert neeq["missing"] == ["neeq_listed"]


def test_lang_zh_gives_the_batch_summary_and_policy_lines_in_chinese(tmp_path: Path) -> None:
    # the budget view was Chinese under --lang zh, its first and last lines English ("5 companies evaluated",
    # "7 rows read (UTF-8)"); the counts are the same in both languages
    out = tmp_path / "o.csv"
    env = {"COLUMNS": "120", "INCENTIVES_LANG": ""}
    zh = CliRunner().invoke(app, ["batch", str(SAMPLES / "zh" / "companies.csv"), "-o", str(out), "--lang", "zh"],
                            env=env).output
    en = CliRunner().invoke(app, ["batch", str(SAMPLES / "zh" / "companies.csv"), "-o", str(out)], env=env).output
    flat = " ".join(zh.split())
    assert "nanchang-electronic-information-2023：计算 5 家企业，5 家有金额，1 家按企业年度上限核减" in flat
    assert f"读取 7 行（UTF-8）：计算 7 行，0 行有问题；7 行结果已写入 {out}（UTF-8）" in flat
    assert "nanchang-electronic-information-2023: 5 companies evaluated, 5 with an amount, 1 cut by the company cap" \
        in " ".join(en.split())


def test_lang_zh_gives_compare_s_own_lines_in_chinese() -> None:
    # the tables were Chinese, the lines around them English ("site comparison, fiscal year 2024", "Top clauses
    # (5 of 5 with an amount)", "What would unlock more", "per project"); the figures are the English view's
    tri = "tests/fixtures/compare/tri-city.toml"
    env = {"COLUMNS": "120", "INCENTIVES_LANG": ""}
    zh = CliRunner().invoke(app, ["compare", tri, "--lang", "zh"], env=env).stdout
    en = CliRunner().invoke(app, ["compare", tri], env=env).stdout
    squeezed = re.sub(r"[\s│]+", "", zh)  # (the cells of the side-by-side table wrap)
    for words in ("三城测试集团：2024 财年各地对比", "金额最大的条款（有金额的 5 项中的前 5 项）", "酌情条款（条文无金额）：",
                  "── 还可争取的补贴", "至少 5,000,000.00", "（至多 5,593,119.81）"):
        assert re.sub(r"\s+", "", words) in squeezed, words
    for words in ("site comparison", "Top clauses", "What would unlock more", "per project"):
        assert words not in zh, words
    figures = re.compile(r"\d[\d,]*\.\d\d")
    assert sorted(figures.findall(zh)) == sorted(figures.findall(en))
    md = CliRunner().invoke(app, ["compare", tri, "--lang", "zh", "--format", "markdown"], env=env).stdout
    assert md.startswith("# 三城测试集团：2024 财年各地对比\n") and "## 还可争取的补贴" in md
    assert "benchmark_factory：每个项目 30,000,000.00" in md and "rd 组就高不就低：rd_post_subsidy_topup 不叠加" in md


def test_lang_zh_words_the_common_warnings_in_chinese(tmp_path: Path) -> None:
    # "提示：sales_revenue not given: revenue is used in its place" under a Chinese table; JSON keeps English
    profile = tmp_path / "p.toml"
    profile.write_text('name = "甲"\njurisdiction = "nanchang"\nyear = 2024\nindustries = ["electronic-information"]\n'
                       'revenue = "9000万"\n', encoding="utf-8")
    env = {"COLUMNS": "120", "INCENTIVES_LANG": ""}
    zh = CliRunner().invoke(app, ["calc", str(profile), "--lang", "zh"], env=env).stdout
    assert "提示：未填 sales_revenue，以 revenue 代替" in zh
    assert "提示：未填 is_new_entrant，按“否”处理，因此适用企业年度上限" in zh
    doc = json.loads(CliRunner().invoke(app, ["calc", str(profile), "--lang", "zh", "-f", "json"], env=env).stdout)
    assert "sales_revenue not given: revenue is used in its place" in doc["results"][0]["warnings"]


def test_lang_zh_range_footnotes_and_yes_no_moves_are_chinese() -> None:
    # the cells said 至少：取决于最高限额条款 [2] while footnote [2] read "at least 333,333.33 (up to 573,428.93 if
    # the up-to awards …)", a range's top worded as the text's ceiling; and "has_rd_center：false → true"
    env = {"COLUMNS": "200", "INCENTIVES_LANG": ""}
    capped = CliRunner().invoke(app, ["calc", str(SAMPLES / "nanchang-small-firm-capped.toml"), "--lang", "zh"],
                                env=env).stdout
    flat = " ".join(capped.split())
    assert "neeq_listing：至少 333,333.33（若最高限额条款低于上限给予，至多 573,428.93）：企业年度上限按最高限额条款的上限计入" in flat
    assert "up to 573,428.93" not in flat
    multi = CliRunner().invoke(app, ["calc", str(SAMPLES / "multi-industry.toml"), "--lang", "zh"], env=env).stdout
    assert "has_rd_center（已设立研发中心）：否 → 是" in multi


def test_a_district_of_a_city_is_the_city_where_its_policy_covers_all_of_it(tmp_path: Path) -> None:
    # 南昌市青山湖区, 南昌县, 北京市海淀区 were "no policy for jurisdiction"; the Nanchang and Beijing measures are
    # the whole city's (南昌市人民政府, 北京市经济和信息化局). The Wuhan measures are East Lake's only: 武汉市江汉区 is
    # refused, with why; 武汉市东湖高新区 is East Lake
    catalog = api.load()
    reg = catalog.registry
    for text, want in (("南昌市青山湖区", "nanchang"), ("南昌县", "nanchang"), ("江西省南昌市红谷滩新区", "nanchang"),
                       ("北京市海淀区", "beijing"), ("武汉市东湖高新区", "wuhan-east-lake"), ("光谷", "wuhan-east-lake")):
        assert reg["jurisdiction"].vocabulary.lookup(text) == want, text
    assert reg["jurisdiction"].vocabulary.lookup("武汉市江汉区") is None
    # an address typed in parts: a space, a full-width space, a dash between them were "no policy"
    for text, want in (("南昌市 青山湖区", "nanchang"), ("江西省　南昌市　红谷滩新区", "nanchang"), ("北京市-海淀区", "beijing"),
                       ("武汉市 东湖高新区", "wuhan-east-lake"), ("南昌市（青山湖区）", "nanchang")):
        assert reg["jurisdiction"].vocabulary.lookup(text) == want, text
    assert reg["jurisdiction"].vocabulary.lookup("武汉市 江汉区") is None
    for two in ("南昌，武汉东湖高新区", "南昌市/武汉市东湖高新区", "北京市、南昌市红谷滩新区"):  # two places: refused
        assert reg["jurisdiction"].vocabulary.lookup(two) is None, two
    src = tmp_path / "d.csv"
    src.write_text("企业名称,所在地,年度,行业,业务结算销售收入,上市公司\n甲,南昌市青山湖区,2024,电子信息,1234567,是\n"
                   "乙,武汉市江汉区,2024,软件,1亿,否\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv"), "--errors",
                                   str(tmp_path / "e.csv")], env={"COLUMNS": "200"})
    assert res.exit_code == 1
    with (tmp_path / "o.csv").open(encoding="utf-8") as f:
        assert [(r["name"], r["policy"], r["settlement"]) for r in csv.DictReader(f)] == [
            ("甲", "nanchang-electronic-information-2023", "6172.84")]  # 1,234,567 × 0.5%
    errors = (tmp_path / "e.csv").read_text(encoding="utf-8")
    assert "no policy for jurisdiction '武汉市江汉区'" in errors and "cover 东湖高新区 (光谷) only" in errors


def test_a_policy_table_s_tag_in_traditional_characters_targets_the_profile_that_names_it(tmp_path: Path) -> None:
    # the profile's tags are folded to simplified characters (電子商務 -> 电子商务); the table's were only
    # lower-cased, so a table of one's own with industries = ["電子商務"] targeted nobody
    text = (ROOT / "policies" / "wuhan-east-lake-software-2023.toml").read_text(encoding="utf-8")
    text = text.replace('id = "wuhan-east-lake-software-2023"', 'id = "tw-test-2023"', 1)
    text = text.replace('industries = ["software"]', 'industries = ["電子商務"]', 1)
    pols = tmp_path / "pol"
    pols.mkdir()
    (pols / "tw-test-2023.toml").write_text(text, encoding="utf-8")
    catalog = api.load([pols])
    for tag in ("電子商務", "电子商务"):
        path = write(tmp_path, f'year = 2024\njurisdiction = "wuhan-east-lake"\nindustries = ["{tag}"]\n'
                               f'hosted_student_contest = true\n')
        profile = load_profile(path, catalog.registry)
        (res,) = api.calculate(profile, [catalog.get("tw-test-2023")], catalog)
        assert res.targeted and res.total == 100_000_000, tag  # 赛事 最高100万: up to 1,000,000.00
