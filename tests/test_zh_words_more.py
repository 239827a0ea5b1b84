"""More of what a Chinese user meets under --lang zh, in Chinese: the plausibility warnings of calc, the what-if
view (calc --set) and the .xlsx budget sheet's notes of batch --lang zh (the English output is unchanged).

A clerk who wrote ``"研发费用" = "60000万"`` beside ``"营业收入" = "5亿"`` read
``提示：rd_expense (6亿) is above revenue (5亿); check both amounts and their units`` in an otherwise Chinese table.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from nanchang_incentives.cli import app

ENV = {"COLUMNS": "250", "INCENTIVES_LANG": ""}

HEAD = '"企业名称" = "甲公司"\n"所在地" = "南昌"\n"年度" = "2024年"\n"行业" = ["电子信息"]\n'


def _calc(tmp_path: Path, body: str, *args: str) -> str:
    src = tmp_path / "c.toml"
    src.write_text(HEAD + body, encoding="utf-8")
    result = CliRunner().invoke(app, ["calc", str(src), *args], env=ENV)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_calc_lang_zh_words_the_plausibility_warnings_in_chinese(tmp_path: Path) -> None:
    body = '"营业收入" = "5亿"\n"研发费用" = "60000万"\n"研发人员" = 2000000\nlpr_1y = "31%"\n'
    zh = _calc(tmp_path, body, "--lang", "zh")
    assert zh.splitlines()[:3] == [
        "提示：rd_expense（研发费用） = 6亿，高于 revenue（营业收入） = 5亿：请核对两项金额及其单位",
        "提示：rd_staff（研发人员） = 2,000,000 超过 1,000,000：请核对数值",
        "提示：lpr_1y（一年期LPR） = 31% 不在 0.5% … 15% 之内（历来的 LPR 都在此范围）：请写成 \"3.45%\" 的形式",
    ]
    assert "is above" not in zh and "check the value" not in zh and "every LPR" not in zh
    en = _calc(tmp_path, body)
    assert en.splitlines()[:3] == [
        "warning: rd_expense (6亿) is above revenue (5亿); check both amounts and their units",
        "warning: rd_staff = 2,000,000 is more than 1,000,000; check the value",
        "warning: lpr_1y = 31% is outside 0.5% … 15%, where every LPR has been; write it like \"3.45%\"",
    ]
    # JSON keeps the English sentences whatever --lang says
    assert "rd_expense (6亿) is above revenue (5亿)" in _calc(tmp_path, body, "--lang", "zh", "--format", "json")


def test_calc_lang_zh_words_unit_slips_and_project_scale_in_chinese(tmp_path: Path) -> None:
    slip = _calc(tmp_path, '"营业收入" = "25万"\n"上年营业收入" = "22亿"\n"5G+智慧工厂投入" = ["3亿"]\n', "--lang", "zh")
    assert ("提示：revenue_prev（上年营业收入） = 22亿 与 revenue（营业收入） = 25万 相差约 10,000 倍：是否把“亿”写成了“万”，"
            "或把“万”写成了“元”？（1亿 = 10,000万）") in slip.splitlines()
    assert ("提示：smart_factory_investments（5G+智慧工厂投入）中的一个项目 = 3亿，超过 revenue（营业收入） = 25万 的 10 倍："
            "请核对金额及其单位") in slip.splitlines()
    change = _calc(tmp_path, '"营业收入" = "1000万"\n"上年营业收入" = "5亿"\n', "--lang", "zh")
    assert ("提示：revenue_prev（上年营业收入） = 5亿 与 revenue（营业收入） = 1000万 相差超过 20 倍："
            "请核对两项金额及其单位") in change.splitlines()
    yuan = _calc(tmp_path, '"营业收入" = "3亿"\n"上年营业收入" = "2.8元"\n', "--lang", "zh")
    assert ("提示：revenue_prev（上年营业收入） = 2.8元 与 revenue（营业收入） = 3亿 相差约 100,000,000 倍："
            "是否把“亿”写成了“元”？（1亿 = 100,000,000元）") in yuan.splitlines()
    en = _calc(tmp_path, '"营业收入" = "25万"\n"上年营业收入" = "22亿"\n"5G+智慧工厂投入" = ["3亿"]\n')
    assert ("warning: one project of smart_factory_investments (3亿) is more than 10× revenue (25万); check the "
            "amount and its unit") in en.splitlines()


SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _what_if(path: Path, *args: str) -> list[str]:
    result = CliRunner().invoke(app, ["calc", str(path), *args], env=ENV)
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_the_what_if_view_under_lang_zh_is_in_chinese(tmp_path: Path) -> None:
    led = SAMPLES / "zh" / "nanchang-si-led-maker.toml"
    zh = _what_if(led, "--lang", "zh", "--set", "营业收入=5000万")
    assert "  revenue（营业收入） 3,200,000,000.00 → 50,000,000.00" in zh
    assert "新值：rd_expense（研发费用） = 2.6亿，高于 revenue（营业收入） = 5000万：请核对两项金额及其单位" in zh
    assert "  原因：条件现已不满足：营业收入较上年度增加（revenue − revenue_prev）≥ 1亿" in zh
    assert "  原因：条件现已不满足：年度营业收入 ≥ 20亿" in zh
    assert "  原因：'rd' 组（就高不就低）保留的条款由 rd_center 改为 si_led_rd" in zh
    assert any(line.startswith("未变：one_firm_one_policy, ipo") for line in zh)
    assert not [line for line in zh if line.startswith(("new:", "base:", "  why:"))]
    en = _what_if(led, "--set", "营业收入=5000万")
    assert "new: rd_expense (2.6亿) is above revenue (5000万); check both amounts and their units" in en
    assert "  why: condition now failed: revenue growth (revenue − revenue_prev) ≥ 1亿" in en
    assert "  why: group 'rd' (就高不就低) winner changed from rd_center to si_led_rd" in en

    year = _what_if(led, "--lang", "zh", "--set", "年度=2026")
    assert "  year（年度） 2024 → 2026" in year
    assert year[4].startswith("新值：不在有效期内：2026 财年不在洪府发〔2023〕30号有效期内（2023-10-10 至 2025-12-31）")
    assert year.count("  原因：新的财年不在政策有效期内（超出有效期）") == 21
    assert ("  why: the policy is not in force for the new fiscal year (outside its validity)"
            in _what_if(led, "--set", "年度=2026"))


def test_the_what_if_view_words_the_company_cap_and_a_yes_no_setting_in_chinese(tmp_path: Path) -> None:
    capped = (SAMPLES / "nanchang-small-firm-capped.toml").read_text(encoding="utf-8")
    unset = tmp_path / "unset.toml"
    unset.write_text("\n".join(line for line in capped.splitlines() if not line.startswith("is_new_entrant")),
                     encoding="utf-8")
    new = _what_if(unset, "--lang", "zh", "--set", "新引入企业=是")
    assert new[1] == "  is_new_entrant（新引入企业） 未填 → 是"
    assert "  原因：企业年度上限不再适用" in new and "企业年度上限不再适用（上限 1,592,223.91）" in new
    assert _what_if(unset, "--set", "is_new_entrant=true")[1] == "  is_new_entrant not given → true"
    entrant = tmp_path / "entrant.toml"
    entrant.write_text(capped.replace("is_new_entrant = false", "is_new_entrant = true"), encoding="utf-8")
    zh = _what_if(entrant, "--lang", "zh", "--set", "新引入企业=否")
    assert zh[1] == "  is_new_entrant（新引入企业） 是 → 否"
    assert zh.count("  原因：企业年度上限开始适用") == 4 and "企业年度上限开始适用（上限 1,592,223.91）" in zh
    en = _what_if(entrant, "--set", "is_new_entrant=false")
    assert en[1] == "  is_new_entrant true → false"
    assert en.count("  why: company annual cap now binding") == 4
    assert "company annual cap now binding (limit 1,592,223.91)" in en
    removed = _what_if(entrant, "--lang", "zh", "--set", "新引入企业=")
    assert removed[1] == "  is_new_entrant（新引入企业） 是 → （已删除）"
    md = CliRunner().invoke(app, ["calc", str(entrant), "--lang", "zh", "--set", "新引入企业=否", "-f", "markdown"],
                            env=ENV).stdout
    assert "- is\\_new\\_entrant（新引入企业） 是 → 否" in md and "| 企业年度上限开始适用（上限 1,592,223.91） |" in md
    assert "now binding" not in md


SHEET = ("企业名称,所在地,年度,行业,营业收入,上年营业收入,在昌项目银行贷款,研发费用\n"
         "甲公司,南昌,2024,电子信息,3亿,1.5亿,2000万,1000万\n"
         "乙公司,南昌,2024,电子信息,5亿,3亿,1000万,3000万\n"
         "丙公司,南昌,2024,电子信息,2.5亿,1亿,800万,500万\n"
         "丁公司,南昌,2024,电子信息,8000万,7000万,,200万\n")


def _budget_notes(tmp_path: Path, *args: str) -> tuple[list[str], list[tuple]]:
    openpyxl = pytest.importorskip("openpyxl")
    src = tmp_path / "c.csv"
    src.write_text(SHEET, encoding="utf-8")
    out = tmp_path / f"o{len(args)}.xlsx"
    result = CliRunner().invoke(app, ["batch", str(src), "-o", str(out), "--format", "xlsx", *args], env=ENV)
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    notes = [str(r[1]) for r in wb["budget"].iter_rows(values_only=True)
             if r[0] == "nanchang-electronic-information-2023" and r[2] is None and r[5] is None]
    return notes, list(wb["results"].iter_rows(values_only=True))


def test_the_xlsx_budget_sheet_of_batch_lang_zh_words_its_notes_in_chinese(tmp_path: Path) -> None:
    zh, results = _budget_notes(tmp_path, "--lang", "zh")
    assert zh == ["4家企业：未填 is_new_entrant，按“否”处理，因此适用企业年度上限",
                  "4家企业：未填 sales_revenue，以 revenue 代替",
                  "3家企业（2024 财年）：未填 lpr_1y，采用参考利率表的 3.10%，即 2024-12-31 适用的利率（2024-10-21 公布）"]
    # the warnings column keeps its codes (the contract), whatever --lang says
    column = list(results[0]).index("提示")
    assert results[1][column] == "default:sales_revenue;assumed_false:is_new_entrant"
    en, _ = _budget_notes(tmp_path)
    assert en == ["4 companies: is_new_entrant not given: treated as false, so the company cap applies",
                  "4 companies: sales_revenue not given: revenue is used in its place",
                  ("3 companies of fiscal 2024: lpr_1y not given: the reference table's 3.10% is used, the rate in "
                   "force on 2024-12-31 (published 2024-10-21)")]


def test_the_terminal_budget_view_of_batch_lang_zh_says_the_same_in_chinese(tmp_path: Path) -> None:
    src = tmp_path / "c.csv"
    src.write_text(SHEET, encoding="utf-8")
    zh = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv"), "--lang", "zh"], env=ENV)
    assert "4家企业：未填 is_new_entrant，按“否”处理，因此适用企业年度上限" in zh.output.splitlines()
    assert "not given" not in zh.output
    wuhan = tmp_path / "w.csv"
    wuhan.write_text("企业名称,所在地,年度,行业,营业收入\n甲公司,武汉东湖高新区,2024,软件和信息技术服务,1亿\n",
                     encoding="utf-8")
    out = CliRunner().invoke(app, ["batch", str(wuhan), "-o", str(tmp_path / "w.out.csv"), "--lang", "zh"],
                             env=ENV).output
    assert "政策终止日期未确认：released 2023-08-17 with its 实施细则" in out and "Validity end not confirmed" not in out


# ---------------------------------------------------------------- industries by their Chinese names (--lang zh)

NANCHANG_NOTE = ("the text counts mobile terminals, LED, VR, 5G, new displays and IoT as 电子信息产业 (一（一）: "
                 "全力聚焦移动智能终端、LED、VR²产业，探索发展5G、新型显示、物联网等新兴电子信息产业), automotive electronics too "
                 "(一、产业布局: 汽车电子产业重点发展车载…), and software and IT services (footnote 1: "
                 "含电子信息制造业和电子信息服务业（信息传输、软件和信息技术服务业、新一代信息技术产业等）)")


def _calc_tags(tmp_path: Path, tags: str, *args: str, place: str = "南昌") -> str:
    src = tmp_path / "t.toml"
    src.write_text(f'"企业名称" = "甲公司"\n"所在地" = "{place}"\n"年度" = "2024年"\n{tags}"营业收入" = "3亿"\n',
                   encoding="utf-8")
    result = CliRunner().invoke(app, ["calc", str(src), *args], env=ENV)
    assert result.exit_code == 0, result.output
    return " ".join(result.stdout.split())


def test_the_not_targeted_warning_names_the_industries_in_chinese(tmp_path: Path) -> None:
    # "提示：本政策适用于 electronic-information 企业；本企业的行业为 [led]：…请在行业中加上 "electronic-information""
    zh = _calc_tags(tmp_path, '"行业" = ["半导体照明"]\n', "--lang", "zh")
    assert (f"提示：本政策适用于电子信息企业；本企业的行业为 [LED]：没有适用的条款；{NANCHANG_NOTE}："
            "如本企业属于电子信息企业，请在行业中加上“电子信息”") in zh
    assert "不适用：本政策适用于电子信息企业" in zh.split("还可争取的补贴")[1]
    assert "适用于 electronic-information" not in zh and "[led]" not in zh and '加上 "electronic' not in zh
    en = _calc_tags(tmp_path, '"行业" = ["半导体照明"]\n')
    assert (f"warning: This policy targets electronic-information enterprises; the company's industries are [led]: no "
            f"clause applies; {NANCHANG_NOTE}: if this firm is an electronic-information enterprise, add "
            f"\"electronic-information\" to its industries") in en
    assert "not targeted: the policy is for electronic-information enterprises" in en


def test_the_chinese_name_the_advice_gives_is_one_a_profile_may_write(tmp_path: Path) -> None:
    # 请在行业中加上“电子信息”: written so, the company is targeted
    zh = _calc_tags(tmp_path, '"行业" = ["半导体照明", "电子信息"]\n', "--lang", "zh")
    assert "不适用" not in zh and "请在行业中加上" not in zh


def test_beijing_and_wuhan_name_their_industries_and_the_companys_in_chinese(tmp_path: Path) -> None:
    zh = _calc_tags(tmp_path, '"行业" = ["纺织"]\n', "--lang", "zh", place="北京")
    assert "本政策适用于机器人企业" in zh and "适用于 robotics" not in zh
    assert "提示：本政策适用于机器人企业；本企业的行业为 [纺织]：没有适用的条款" in zh
    wuhan = _calc_tags(tmp_path, '"行业" = ["纺织", "5G"]\n', "--lang", "zh", place="武汉")
    assert "提示：本政策适用于软件和信息技术服务企业；本企业的行业为 [纺织、5G]：没有适用的条款" in wuhan


def test_missing_industries_are_asked_for_by_their_chinese_names(tmp_path: Path) -> None:
    zh = _calc_tags(tmp_path, "", "--lang", "zh")
    assert '提示：未填行业（industries）：请填写，例如 "行业" = ["电子信息"]，以确定适用的条款' in zh
    assert "1. 所有条款：需补充 industries（行业）（本政策适用于电子信息企业）" in zh
    assert '["electronic-information"]' not in zh
    en = _calc_tags(tmp_path, "")
    assert ('warning: industries is missing: add it (e.g. industries = ["electronic-information"]) to see which '
            'clauses apply') in en
    assert "1. every clause: add industries (this policy is for electronic-information enterprises)" in en


def test_a_tag_no_vocabulary_names_stays_as_written_and_set_off_by_spaces(tmp_path: Path) -> None:
    from nanchang_incentives.explain import policy_industries
    from nanchang_incentives.policy import load_catalog

    catalog = load_catalog()
    assert catalog.policies["nanchang-electronic-information-2023"].industries_zh == ("电子信息",)
    assert catalog.policies["wuhan-east-lake-software-2023"].industries_zh == ("软件和信息技术服务",)
    assert catalog.policies["beijing-robotics-2023"].related_industries_zh == ()
    nanchang = catalog.policies["nanchang-electronic-information-2023"]
    assert nanchang.related_industries_zh[:3] == ("LED", "VR", "移动智能终端")
    from dataclasses import replace
    ai = replace(nanchang, industries=("ai", "led"), industries_zh=("ai", "LED"))
    assert f"本政策适用于{policy_industries(ai, 'zh')}企业" == "本政策适用于 ai、LED 企业"
    assert policy_industries(ai) == "ai, led"


# ---------------------------------------------------------------- the first line's verdict, wholly Chinese

def test_the_first_line_says_not_targeted_in_chinese_only(tmp_path: Path) -> None:
    # "不适用：本政策适用于电子信息企业，本企业行业为 纺织。NOT TARGETED: applies to electronic-information enterprises; …"
    src = tmp_path / "t.toml"
    src.write_text('"企业名称" = "甲纺织"\n"所在地" = "南昌"\n"年度" = "2024年"\n"行业" = ["纺织"]\n', encoding="utf-8")
    for fmt in ("table", "markdown"):
        zh = CliRunner().invoke(app, ["calc", str(src), "--lang", "zh", "--format", fmt], env=ENV).stdout
        line = "不适用：本政策适用于电子信息企业，本企业的行业为 [纺织]，没有适用的条款。"
        assert (zh.splitlines()[0] == line) if fmt == "table" else (f"> **{line}**" in zh.splitlines()), (fmt, zh)
        assert "NOT TARGETED" not in zh
    en = CliRunner().invoke(app, ["calc", str(src)], env=ENV).stdout
    assert en.splitlines()[0] == "NOT TARGETED: applies to electronic-information enterprises; this profile's industries: 纺织"


def test_the_first_line_asks_for_the_industries_in_chinese_only(tmp_path: Path) -> None:
    zh = _calc_tags(tmp_path, "", "--lang", "zh")
    assert zh.startswith('行业未填：本政策适用于电子信息企业，请填写行业（industries），例如 "行业" = ["电子信息"]。 甲公司')
    assert "INDUSTRIES UNKNOWN" not in zh and "electronic-information enterprises" not in zh
    en = _calc_tags(tmp_path, "")
    assert en.startswith('INDUSTRIES UNKNOWN: applies to electronic-information enterprises; add industries = '
                         '["electronic-information"] to the profile 甲公司')


def test_the_what_if_sides_open_with_the_chinese_verdict(tmp_path: Path) -> None:
    src = tmp_path / "t.toml"
    src.write_text('"企业名称" = "甲"\n"所在地" = "南昌"\n"年度" = "2024年"\n"行业" = ["电子信息"]\n"营业收入" = "3亿"\n',
                   encoding="utf-8")
    zh = CliRunner().invoke(app, ["calc", str(src), "--lang", "zh", "--set", "industries=纺织"], env=ENV).stdout
    assert "新值：不适用：本政策适用于电子信息企业，本企业的行业为 [纺织]，没有适用的条款。" in zh
    assert "NOT TARGETED" not in zh


# ---------------------------------------------------------------- compare --lang zh: the warning lines

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
WUHAN_2025 = ("结果可能已被新政策取代：加快促进软件和信息技术服务业创新发展的若干措施的终止日期未知，2025-03-20 已有后续文本的报道"
              "（2025 财年在此日期或之后）；后续政策（截至 2026-12）：a 14-measure text of 东湖高新区 with the same title")


def _compare(*args: str) -> str:
    result = CliRunner().invoke(app, ["compare", *args], env=ENV)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_compare_lang_zh_words_its_warnings_in_chinese() -> None:
    # "提示：Validity end not confirmed: …", "提示：the result may be superseded: …" under Chinese headings
    sample = str(SAMPLES / "multi-industry.toml")
    for fmt in ("table", "markdown"):
        zh = " ".join(_compare(sample, "--lang", "zh", "--year", "2025", "--format", fmt).split())
        assert f"提示：{WUHAN_2025}" in zh, fmt
        assert "提示：政策终止日期未确认：released 2023-08-17" in zh and "提示：政策终止日期未确认：issued 2023-08-16" in zh
        assert "Validity end not confirmed" not in zh and "may be superseded" not in zh
        en = " ".join(_compare(sample, "--year", "2025", "--format", fmt).split())
        assert ("warning: the result may be superseded: the end of 加快促进软件和信息技术服务业创新发展的若干措施 is unknown "
                "and a later text was reported on 2025-03-20 (fiscal 2025 is on or after it): a 14-measure") in en
        assert "warning: Validity end not confirmed: released 2023-08-17" in en


def test_compare_lang_zh_says_why_a_city_does_not_apply_in_chinese(tmp_path: Path) -> None:
    src = tmp_path / "t.toml"
    src.write_text('name = "甲公司"\njurisdiction = "nanchang"\nyear = 2024\nindustries = ["led", "software"]\n'
                   'revenue = "3亿"\n', encoding="utf-8")
    zh = " ".join(_compare(str(src), "--lang", "zh").split())
    assert ("! nanchang：nanchang-electronic-information-2023 适用于电子信息企业；甲公司的行业为 [LED、软件和信息技术服务]："
            "没有适用的条款，合计 0.00") in zh
    assert "! beijing：beijing-robotics-2023 适用于机器人企业；甲公司的行业为 [LED、软件和信息技术服务]：没有适用的条款" in zh
    assert "提示：本政策适用于机器人企业；本企业的行业为 [LED、软件和信息技术服务]：没有适用的条款" in zh
    assert "nanchang （无） 0.00" in zh and "NOT TARGETED" not in zh and "targets" not in zh
    md = _compare(str(src), "--lang", "zh", "--format", "markdown")
    assert "| 0 | — | — | 不适用 |" in md and "nanchang        （无）" in md
    en = " ".join(_compare(str(src)).split())
    assert ("! nanchang: nanchang-electronic-information-2023 targets electronic-information enterprises; 甲公司's "
            "industries are [led, software]: no clause applies, total 0.00") in en
    assert "NOT TARGETED" in en and "(none)" in en


def test_compare_lang_zh_says_a_policy_ended_in_chinese() -> None:
    sample = str(SAMPLES / "multi-industry.toml")
    zh = " ".join(_compare(sample, "--lang", "zh", "--year", "2026").split())
    assert ("! nanchang：洪府发〔2023〕30号的条款均不适用于 2026 财年：该政策已于 2025-12-31 终止；后续政策（截至 2026-12）：no "
            "successor has been published") in zh
    assert "evaluated and revised when it expires；加 --ignore-validity 可作假设计算" in zh
    assert "nanchang （不在有效期内） —" in zh and "不在有效期" in zh and "no clause of" not in zh
    hypo = " ".join(_compare(sample, "--lang", "zh", "--year", "2026", "--ignore-validity").split())
    assert "! nanchang：假设计算：2026 财年不在 nanchang-electronic-information-2023 有效期内，因 --ignore-validity 仍作计算" in hypo
    en = " ".join(_compare(sample, "--year", "2026").split())
    assert "! nanchang: no clause of 洪府发〔2023〕30号 is in force for fiscal 2026: it ended on 2025-12-31" in en


def test_compare_lang_zh_asks_for_the_industries_in_chinese(tmp_path: Path) -> None:
    src = tmp_path / "t.toml"
    src.write_text('name = "甲公司"\njurisdiction = "nanchang"\nyear = 2024\nrevenue = "3亿"\n', encoding="utf-8")
    zh = " ".join(_compare(str(src), "--lang", "zh", "-c", "beijing").split())
    assert '! beijing：未填行业，无法确定 beijing-robotics-2023（适用于机器人企业）是否适用：请填写，例如 "行业" = ["机器人"]' in zh
    assert "行业未填" in zh and "industries unknown" not in zh
    en = " ".join(_compare(str(src), "-c", "beijing").split())
    assert ('! beijing: industries not given, so it is unknown whether beijing-robotics-2023 (for robotics enterprises) '
            'applies: add industries = ["robotics"]') in en


def test_calc_lang_zh_says_the_result_may_be_superseded_in_chinese() -> None:
    zh = " ".join(CliRunner().invoke(app, ["calc", str(SAMPLES / "wuhan-software-firm.toml"), "--lang", "zh", "--year",
                                           "2025"], env=ENV).stdout.split())
    assert zh.startswith(f"提示：{WUHAN_2025}")


def test_calc_lang_zh_words_the_unread_fields_and_a_replaced_table_in_chinese(tmp_path: Path) -> None:
    wuhan = str(SAMPLES / "wuhan-software-firm.toml")
    zh = " ".join(CliRunner().invoke(app, ["calc", wuhan, "--lang", "zh", "--policy", "nanchang"], env=ENV).stdout.split())
    assert "提示：本次计算的政策不读取以下字段，它们对本结果没有影响：key_software_field、scale_milestone、" in zh
    assert ("（wuhan-east-lake-software-2023 读取）；如需一并适用该政策，请同时指定（calc --policy "
            "nanchang-electronic-information-2023,wuhan-east-lake-software-2023；或用 compare 对比其城市）") in zh
    en = " ".join(CliRunner().invoke(app, ["calc", wuhan, "--policy", "nanchang"], env=ENV).stdout.split())
    assert "not read by the policies evaluated here, so they change nothing in this result: key_software_field" in en
    (tmp_path / "pd").mkdir()
    table = tmp_path / "pd" / "beijing-robotics-2023.toml"
    table.write_text((SAMPLES.parent / "policies" / "beijing-robotics-2023.toml").read_text(encoding="utf-8"),
                     encoding="utf-8")
    beijing = str(SAMPLES / "beijing-robot-maker.toml")
    zh = " ".join(CliRunner().invoke(app, ["calc", beijing, "--lang", "zh", "--policies-dir", str(tmp_path / "pd")],
                                     env=ENV).stdout.split())
    assert zh.startswith(f"提示：已替换内置政策表：此表（{table}）由 --policies-dir / $INCENTIVES_POLICIES_DIR 载入，取代内置的 ")
    en = " ".join(CliRunner().invoke(app, ["calc", beijing, "--policies-dir", str(tmp_path / "pd")],
                                     env=ENV).stdout.split())
    assert en.startswith(f"warning: REPLACES BUNDLED POLICY: this table ({table}) was loaded from --policies-dir")


# ---------------------------------------------------------------- batch --lang zh: the budget view's notes

MIXED = ("企业名称,所在地,年度,行业,营业收入\n甲公司,南昌,2024,LED,3亿\n乙公司,南昌,2024,纺织,3亿\n"
         "丙公司,武汉,2025,软件,3亿\n丁公司,武汉,2026,软件,3亿\n戊公司,南昌,2026,电子信息,3亿\n己公司,南昌,2022,电子信息,3亿\n")
RELATED_ZH = "LED、VR、移动智能终端、新型显示、物联网、5G、汽车电子、软件和信息技术服务"
WUHAN_SUCCESSOR = ("后续政策（截至 2026-12）：a 14-measure text of 东湖高新区 with the same title "
                   "(《关于加快促进软件和信息技术服务业创新发展的若干措施》) was reported on 2025-03-20")
NANCHANG_ENDED = ("2家企业（2022 财年 1家、2026 财年 1家）：没有条款在有效期内（2022：早于政策生效；2026：政策已于 2025-12-31 终止），"
                  "不计入任何金额；后续政策（截至 2026-12）：no successor has been published")


def _batch(tmp_path: Path, *args: str) -> str:
    src = tmp_path / "m.csv"
    src.write_text(MIXED, encoding="utf-8")
    result = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / f"o{len(args)}.csv"), *args], env=ENV)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_budget_view_of_batch_lang_zh_says_not_targeted_and_may_be_superseded_in_chinese(tmp_path: Path) -> None:
    # "2 companies not targeted: their industries are none of electronic-information, …", "2 companies with fiscal
    # 2025 (1), 2026 (1): their results may be superseded …" under Chinese headings
    zh = " ".join(_batch(tmp_path, "--lang", "zh").split())
    assert ("2家企业不适用：其行业均不属于电子信息，没有适用的条款（见“提示”列的 not_targeted）；其中1家的行业标签为政策文本计入"
            f"电子信息的行业（{RELATED_ZH}）：如此类企业属于电子信息企业，请在行业中加上“电子信息”") in zh
    assert ("2家企业（2025 财年 1家、2026 财年 1家）：结果可能已被新政策取代（政策终止日期未知；2025-03-20 已有后续文本的报道）；"
            f"{WUHAN_SUCCESSOR}") in zh
    assert NANCHANG_ENDED in zh
    assert "not targeted" not in zh and "may be superseded" not in zh and "no clause in force" not in zh
    en = " ".join(_batch(tmp_path).split())
    assert ("2 companies not targeted: their industries are none of electronic-information, so no clause applies "
            "(not_targeted in the warnings column); 1 of them has a tag the text counts within electronic-information "
            "(led, vr, mobile-terminal, new-display, iot, 5g, automotive-electronics, software): if such a firm is an "
            "electronic-information enterprise, add \"electronic-information\" to its industries") in en
    assert ("2 companies with fiscal 2025 (1), 2026 (1): their results may be superseded (the policy's end is unknown; "
            "a later text was reported on 2025-03-20): a 14-measure text") in en
    assert ("2 companies with fiscal 2022 (1), 2026 (1): no clause in force (2022: before the policy took effect; 2026: "
            "the policy ended on 2025-12-31); nothing is counted for them; successor: no successor") in en


def test_the_long_layout_budget_says_where_not_targeted_is_told_in_chinese(tmp_path: Path) -> None:
    zh = " ".join(_batch(tmp_path, "--lang", "zh", "--layout", "long").split())
    assert "2家企业不适用：其行业均不属于电子信息，没有适用的条款（各条款的说明中已注明）" in zh


def test_the_xlsx_budget_sheet_of_batch_lang_zh_says_the_same(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    src = tmp_path / "m.csv"
    src.write_text(MIXED, encoding="utf-8")
    out = tmp_path / "o.xlsx"
    result = CliRunner().invoke(app, ["batch", str(src), "-o", str(out), "--lang", "zh"], env=ENV)
    assert result.exit_code == 0, result.output
    notes = [str(r[1]) for r in openpyxl.load_workbook(out)["budget"].iter_rows(values_only=True)
             if r[2] is None and r[5] is None and r[1]]
    assert any(n.startswith("2家企业不适用：其行业均不属于电子信息") for n in notes), notes
    assert any(n.startswith("2家企业（2025 财年 1家、2026 财年 1家）：结果可能已被新政策取代") for n in notes), notes
    assert any(n.startswith(NANCHANG_ENDED) for n in notes), notes


def test_the_markdown_title_is_chinese_under_lang_zh() -> None:
    # it stayed "# Subsidies for … (fiscal year 2024)" under a Chinese report; compare's and explore's were Chinese
    from typer.testing import CliRunner

    from nanchang_incentives.cli import app

    sample = str(Path(__file__).parent.parent / "samples" / "zh" / "nanchang-si-led-maker.toml")
    zh = CliRunner().invoke(app, ["calc", sample, "--format", "markdown", "--lang", "zh"]).output
    en = CliRunner().invoke(app, ["calc", sample, "--format", "markdown"]).output
    assert zh.splitlines()[0] == "# 洪城硅衬底光电股份有限公司 (Hongcheng Si-Substrate Optoelectronics)：2024 财年可获补贴"
    assert en.splitlines()[0] == ("# Subsidies for 洪城硅衬底光电股份有限公司 (Hongcheng Si-Substrate Optoelectronics) "
                                  "(fiscal year 2024)")


def test_explore_names_the_conditions_a_cliff_flips_by_their_chinese_labels() -> None:
    # 满足：annual R&D expense ≥ 2000万 — the cliff's conditions kept their English labels under --lang zh
    from typer.testing import CliRunner

    from nanchang_incentives.cli import app

    sample = str(Path(__file__).parent.parent / "samples" / "nanchang-small-firm-capped.toml")
    args = ["explore", sample, "--vary", "rd_expense=0..3亿"]
    zh = " ".join(CliRunner().invoke(app, [*args, "--lang", "zh"], env={"COLUMNS": "200"}).output.split())
    en = " ".join(CliRunner().invoke(app, args, env={"COLUMNS": "200"}).output.split())
    assert "rd_expense = 20,000,000.00 时 rd_post_subsidy_topup 符合条件（满足：年度研发费用 ≥ 2000万）" in zh
    assert "annual R&D" not in zh
    assert "rd_post_subsidy_topup becomes eligible (annual R&D expense ≥ 2000万 now met)" in en


def test_the_unlock_for_a_missing_field_names_it_in_chinese_too() -> None:
    # 需补充 has_rd_center: the id alone in a Chinese sentence (the not-evaluated list named it 已设立研发中心 already)
    from typer.testing import CliRunner

    from nanchang_incentives.cli import app

    sample = str(Path(__file__).parent.parent / "samples" / "zh" / "nanchang-si-led-maker.toml")
    zh = " ".join(CliRunner().invoke(app, ["calc", sample, "--set", "已设立研发中心=", "--lang", "zh"],
                                     env={"COLUMNS": "200"}).output.split())
    # 三(四) 研发中心: 每年最高2000万元
    assert "1. rd_center（三(四)）：需补充 has_rd_center（已设立研发中心）（每年最高 20,000,000.00）" in zh


def test_a_per_product_ceiling_is_worded_in_chinese(tmp_path: Path) -> None:
    # 需补充 open_source_products（每product最高 10,000,000.00）: the item's scope fell back to its English word
    from typer.testing import CliRunner

    from nanchang_incentives.cli import app

    profile = tmp_path / "os.toml"
    profile.write_text('name = "开源软件公司"\njurisdiction = "wuhan-east-lake"\nyear = 2024\nindustries = ["software"]\n',
                       encoding="utf-8")
    zh = " ".join(CliRunner().invoke(app, ["calc", str(profile), "--lang", "zh"], env={"COLUMNS": "200"}).output.split())
    # 单个产品可获最高1000万元
    assert "open_source_products（原创开源项目软件产品数）（每个产品最高 10,000,000.00）" in zh and "每product" not in zh


def test_an_unknown_tag_s_warning_lists_the_known_industries_by_their_chinese_names(tmp_path: Path) -> None:
    # （已知：5g, automotive-electronics, electronic-information, …）: the ids inside a Chinese sentence
    from typer.testing import CliRunner

    from nanchang_incentives.cli import app

    profile = tmp_path / "tag.toml"
    profile.write_text('name="A"\njurisdiction="nanchang"\nyear=2024\nindustries=["电子信息","区块链"]\n', encoding="utf-8")
    zh = " ".join(CliRunner().invoke(app, ["calc", str(profile), "--lang", "zh"], env={"COLUMNS": "300"}).output.split())
    assert ("区块链 不是任何政策或行业词表所知的行业；按原样保留，没有政策面向它（已知：5G、汽车电子、电子信息、集成电路、物联网、LED、"
            "移动智能终端、新型显示、开源软件、机器人、软件和信息技术服务、VR、信创）") in zh


def test_headroom_under_lang_zh_names_the_field_to_move_in_chinese_too() -> None:
    # "rd_staff 92 → 100（+8）": a user who wrote 研发人员 never saw rd_staff; the missing-input lines already
    # gave "ipo_completed（首发上市）"
    res = CliRunner().invoke(app, ["calc", str(Path(__file__).resolve().parent.parent / "samples" / "zh" / "nanchang-si-led-maker.toml"), "--lang",
                                   "zh", "--set", "研发人员=92"], env=ENV)
    assert res.exit_code == 0, res.output
    flat = " ".join(res.stdout.split())
    assert "rd_staff（研发人员） 420 → 92" in flat
    assert "rd_center（三(四)）：rd_staff（研发人员） 92 → 100（+8）：" in flat


def test_batch_lang_zh_says_what_it_read_past_in_chinese(tmp_path: Path) -> None:
    # "note: not read: the column '序号' …" and "skipped: line 4 (合计): looks like a totals row …" in English,
    # right above the Chinese summary line
    src = tmp_path / "z.csv"
    src.write_text("序号,企业名称,所在地,年度,行业,营业收入\n1,甲,南昌,2024,电子信息,3亿\n2,乙,南昌,2024,电子信息,2亿\n"
                   ",合计,,,,5亿\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv"), "--lang", "zh"], env=ENV)
    assert res.exit_code == 0, res.output
    flat = " ".join(res.output.split())
    assert "说明：未读取列 '序号'（表格自用的序号、备注或联系方式），不影响任何金额" in flat
    assert "已跳过第 4 行（合计）：看来是合计行" in flat
    assert "note: not read" not in flat and "skipped:" not in flat
