"""The policy tables' own words in Chinese (--lang zh): every condition label, base label, caveat and odd
section of the bundled tables has its Chinese form, the loader checks it, and the calc table shows it.

A Chinese user read ``not met: annual R&D expense ≥ 2000万: is 1,000,000.00, 19,000,000.00 short of …`` and
``loans used for projects in Nanchang 86,400,000.00 × 50% × LPR 1y 3.10%`` in an otherwise Chinese table.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from nanchang_incentives.cli import app
from nanchang_incentives.policy import load_catalog, load_general_fields, package_policies_dir, validate_policy

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def test_every_label_of_the_bundled_tables_has_its_chinese_form() -> None:
    missing = []
    for pol in load_catalog().policies.values():
        for c in pol.clauses:
            missing += [f"{pol.id} {c.id} condition {cd.label or cd!s}" for cd in c.conditions  # (a bare test
                        if not cd.label or not cd.label_zh]  # read "已满足：neeq_listed（neeq_listed = true）")
            if c.base_label and not c.base_label_zh and not any("\u4e00" <= ch <= "\u9fff" for ch in c.base_label):
                missing.append(f"{pol.id} {c.id} base_label {c.base_label!r}")
            if c.caveat and not c.caveat_zh:
                missing.append(f"{pol.id} {c.id} caveat")
            if any("a" <= ch <= "z" for ch in c.section) and not c.section_zh:
                missing.append(f"{pol.id} {c.id} section {c.section!r}")
        if pol.company_cap is not None and any("a" <= ch <= "z" for ch in pol.company_cap.section):
            assert pol.company_cap.section_zh, pol.id
    assert missing == []


def test_a_label_zh_that_is_not_text_is_an_error(tmp_path: Path) -> None:
    src = package_policies_dir() / "nanchang-electronic-information-2023.toml"
    text = src.read_text(encoding="utf-8").replace('label_zh = "年度研发费用 ≥ 2000万"', "label_zh = 2000", 1)
    text = text.replace('base_label_zh = "实际研发费用"', "base_label_zh = []", 1)
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    report = validate_policy(tmp_path / "p.toml", load_general_fields(package_policies_dir()))
    errors = [p.message for p in report.problems if p.level == "error"]
    assert "a condition's label_zh must be text, got 2000" in errors
    assert any(m.startswith("base_label_zh must be text") for m in errors), errors


def test_the_calc_table_words_conditions_and_calculations_in_chinese(tmp_path: Path) -> None:
    # 三(一): 营业收入较上年度增加1亿元以上 (5000万 → 5500万: 50,000,000.00 short); 三(四): 研发费用达到2000万元以上
    src = tmp_path / "c.toml"
    src.write_text('name = "甲"\njurisdiction = "nanchang"\nyear = 2024\nindustries = ["electronic-information"]\n'
                   'revenue = "5500万"\nrevenue_prev = "5000万"\nlocal_project_loans = "1000万"\nrd_expense = "100万"\n',
                   encoding="utf-8")
    env = {"COLUMNS": "250", "INCENTIVES_LANG": ""}
    zh = CliRunner().invoke(app, ["calc", str(src), "--lang", "zh"], env=env).stdout
    assert ("未满足：营业收入较上年度增加（revenue − revenue_prev）≥ 1亿：实际 5,000,000.00，差 95,000,000.00"
            "（门槛 100,000,000.00）") in zh
    assert "未满足：年度研发费用 ≥ 2000万：实际 1,000,000.00，差 19,000,000.00（门槛 20,000,000.00）" in zh
    assert "not met" not in zh and "short of" not in zh
    en = CliRunner().invoke(app, ["calc", str(src)], env=env).stdout
    assert "not met: annual R&D expense ≥ 2000万: is 1,000,000.00, 19,000,000.00 short of 20,000,000.00" in en
    # the planning section's shortfall too (it was English inside the Chinese sentence)
    assert "年度营业收入 ≥ 20亿" in zh.split("还可争取的补贴")[1] or "rd_center" in zh.split("还可争取的补贴")[1]
    led = CliRunner().invoke(app, ["calc", str(SAMPLES / "zh" / "nanchang-si-led-maker.toml"), "--lang", "zh"],
                             env=env).stdout
    assert "实际用于在昌项目的银行贷款 86,400,000.00 × 50% × 一年期LPR 3.10% = 1,339,200.00" in led
    assert "科技重大专项项目 2 × 2,000,000.00（每个项目） = 最高 4,000,000.00" in led
    assert "企业年度上限（三（末段））" in led and "last paragraph" not in led
    wuhan = CliRunner().invoke(app, ["calc", str(SAMPLES / "wuhan-software-firm.toml"), "--lang", "zh"],
                               env=env).stdout
    assert "xinchuang_solution：择优支持（每年择优支持若干）：金额为方案入选时可获得的奖励，不保证入选" in wuhan
    assert "上限 5,000,000.00（每年）" in wuhan and "ceiling" not in wuhan.split("提示")[0]
    # JSON keeps the contract's English words whatever --lang says
    js = CliRunner().invoke(app, ["calc", str(src), "--lang", "zh", "--format", "json"], env=env).stdout
    assert "short of" in js and "未满足" not in js


def test_a_clause_not_eligible_with_no_condition_failed_is_worded_in_chinese(tmp_path: Path) -> None:
    # a textile firm under the Nanchang measures (它们面向电子信息企业): the rows of clauses whose conditions all held
    # read "met: revenue growth … ≥ 1亿 …; the policy targets electronic-information enterprises" in --lang zh
    src = tmp_path / "t.toml"
    src.write_text('name = "甲纺织"\njurisdiction = "nanchang"\nyear = 2024\nindustries = ["纺织"]\n'
                   'revenue = "3亿"\nrevenue_prev = "1.5亿"\nlocal_project_loans = "1000万"\n', encoding="utf-8")
    env = {"COLUMNS": "250", "INCENTIVES_LANG": ""}
    zh = CliRunner().invoke(app, ["calc", str(src), "--lang", "zh", "--all", "--format", "markdown"], env=env).stdout
    [row] = [line for line in zh.splitlines() if line.startswith("| `loan_interest`")]
    assert ("已满足：营业收入较上年度增加（revenue − revenue_prev）≥ 1亿：150,000,000.00 ≥ 100,000,000.00；"
            "本政策适用于电子信息企业") in row
    assert "the policy targets" not in zh and "met:" not in zh
    en = CliRunner().invoke(app, ["calc", str(src), "--all", "--format", "markdown"], env=env).stdout
    assert "; the policy targets electronic-information enterprises" in en


def test_the_wuhan_product_ceiling_is_per_product_in_chinese() -> None:
    # 单个产品可获最高1000万元: the zh calculation read "10,000,000.00（每台（套））", a robot's words
    env = {"COLUMNS": "250", "INCENTIVES_LANG": ""}
    wuhan = CliRunner().invoke(app, ["calc", str(SAMPLES / "wuhan-software-firm.toml"), "--lang", "zh"],
                               env=env).stdout
    assert "符合条件的产品 1 × 10,000,000.00（单个产品） = 最高 10,000,000.00" in wuhan and "台（套）" not in wuhan


def test_a_ceiling_scope_zh_without_its_scope_is_an_error(tmp_path: Path) -> None:
    src = package_policies_dir() / "wuhan-east-lake-software-2023.toml"
    text = src.read_text(encoding="utf-8").replace('ceiling_scope = "unit"  #', "#", 1)
    path = tmp_path / "w.toml"
    path.write_text(text, encoding="utf-8")
    report = validate_policy(path, load_general_fields(package_policies_dir()))
    errors = [p.message for p in report.problems if p.level == "error"]
    assert any(m.startswith("ceiling_scope_zh words the scope") and m.endswith("give ceiling_scope too")
               for m in errors), errors


def test_beijing_chain_strengthening_quotes_the_firms_the_text_names(tmp_path: Path) -> None:
    # SPEC-wuhan-beijing: "首次纳入机器人整机和核心零部件配套的京津冀企业" (the label paraphrased it as 机器人产业链配套)
    src = tmp_path / "b.toml"
    src.write_text('name = "甲"\njurisdiction = "beijing"\nyear = 2024\nindustries = ["robotics"]\n'
                   'chain_first_included = false\nchain_contract_amount = "1亿"\n', encoding="utf-8")
    env = {"COLUMNS": "250", "INCENTIVES_LANG": ""}
    zh = CliRunner().invoke(app, ["calc", str(src), "--lang", "zh", "--all"], env=env).stdout
    assert "首次纳入机器人整机和核心零部件配套的京津冀企业" in zh and "产业链配套" not in zh


def test_the_planning_section_names_a_clause_by_its_chinese_section(tmp_path: Path) -> None:
    # "5. first_trial_product（创新产品首次试用 (首试首用); part heading not stated in the sources）：需补充 …": the
    # section_zh the table gives (来源未载明所属部分) was used in the clause table only
    src = tmp_path / "b.toml"
    src.write_text('name = "甲"\njurisdiction = "beijing"\nyear = 2024\nindustries = ["robotics"]\n', encoding="utf-8")
    env = {"COLUMNS": "250", "INCENTIVES_LANG": ""}
    zh = CliRunner().invoke(app, ["calc", str(src), "--lang", "zh"], env=env).stdout
    assert "first_trial_product（创新产品首次试用（首试首用；来源未载明所属部分））：需补充" in zh
    assert "part heading not stated" not in zh
    en = CliRunner().invoke(app, ["calc", str(src)], env=env).stdout
    assert "first_trial_product (创新产品首次试用 (首试首用); part heading not stated in the sources)" in en


def test_compare_names_the_top_clauses_by_their_chinese_section(tmp_path: Path) -> None:
    src = tmp_path / "ft.toml"
    src.write_text('name = "甲"\njurisdiction = "beijing"\nyear = 2024\nindustries = ["robotics"]\n'
                   'first_trial_unit_costs = ["500万"]\nfirst_trial_prior_funding = false\n', encoding="utf-8")
    env = {"COLUMNS": "200", "INCENTIVES_LANG": ""}
    for fmt in ("table", "markdown"):
        out = CliRunner().invoke(app, ["compare", str(src), "-c", "beijing", "--lang", "zh", "--format", fmt],
                                 env=env).stdout
        assert "创新产品首次试用（首试首用；来源未载明所属部分）" in out and "part heading not stated" not in out, fmt


def test_the_not_targeted_warning_is_chinese(tmp_path: Path) -> None:
    # "提示：This policy targets electronic-information enterprises; the company's industries are [纺织]: …"
    src = tmp_path / "t.toml"
    src.write_text('name = "甲纺织"\njurisdiction = "nanchang"\nyear = 2024\nindustries = ["纺织"]\nrevenue = "3亿"\n',
                   encoding="utf-8")
    env = {"COLUMNS": "200", "INCENTIVES_LANG": ""}
    zh = CliRunner().invoke(app, ["calc", str(src), "--lang", "zh"], env=env).stdout
    assert "提示：本政策适用于电子信息企业；本企业的行业为 [纺织]：没有适用的条款" in zh
    assert "This policy targets" not in zh
    en = CliRunner().invoke(app, ["calc", str(src)], env=env).stdout
    assert "This policy targets electronic-information enterprises; the company's industries are [纺织]" in en
