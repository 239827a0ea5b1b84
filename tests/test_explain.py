"""The one wording, from hand-built facts: what each kind of fact reads like, independent of the engine."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from typer.testing import CliRunner

from nanchang_incentives import api, explain
from nanchang_incentives.cli import app
from nanchang_incentives.trace import (
    Basis,
    Calculation,
    CapEvent,
    CapKind,
    CapState,
    ClauseResult,
    CompanyCap,
    ConditionResult,
    Factor,
    FieldValue,
    GroupDecision,
    Kind,
    Side,
    Source,
    Status,
)

GROWTH = ConditionResult("revenue growth (revenue − revenue_prev) ≥ 1亿", "revenue - revenue_prev >= 1亿", False,
                         ">=", Side("revenue - revenue_prev", Fraction(-2_299_750_000), Kind.MONEY,
                                    ("revenue", "revenue_prev")),
                         Side("1亿", Fraction(100_000_000), Kind.MONEY), has_threshold=True)
LOAN = Calculation((Factor("local_project_loans", Fraction(86_400_000), Kind.MONEY, Source.GIVEN,
                           "local_project_loans", "loans used for projects in Nanchang"),
                    Factor("", Fraction(1, 2), Kind.RATE, Source.CONSTANT),
                    Factor("lpr_1y", Fraction(31, 1000), Kind.RATE, Source.REFERENCE, "lpr_1y", series="lpr_1y")),
                   133_920_000)


def clause(**kw) -> ClauseResult:
    base = {"id": "loan_interest", "title_zh": "贷款利息补贴", "title_en": "", "status": Status.GRANTED, "basis": Basis.EXACT,
                "amount": 133_920_000, "raw_amount": 133_920_000, "source": "三(一)", "quote": "", "conditions": (), "missing": (),
                "calculation": LOAN, "year": 2024}
    base.update(kw)
    return ClauseResult(**base)  # type: ignore[arg-type]


def test_calculation_names_each_factor_with_its_value_and_the_result() -> None:
    assert explain.calculation(clause()) == (
        "loans used for projects in Nanchang 86,400,000.00 × 50% × LPR 1y 3.10% = 1,339,200.00")


def test_a_clause_not_eligible_shows_its_product_without_a_false_result() -> None:
    # JSON said "… 9,000,000.00 × 50% × LPR 1y 3.10% = 0.00" for a clause whose condition failed: false
    # arithmetic (the product is 139,500.00); no amount was computed, so no result is written
    loans = Calculation((Factor("local_project_loans", Fraction(9_000_000), Kind.MONEY, Source.GIVEN,
                                "local_project_loans", "loans used for projects in Nanchang"), *LOAN.factors[1:]), 0)
    c = clause(status=Status.NOT_ELIGIBLE, amount=0, raw_amount=0, calculation=loans, conditions=(GROWTH,))
    assert explain.calculation(c) == "loans used for projects in Nanchang 9,000,000.00 × 50% × LPR 1y 3.10%"
    # (a factor without label_zh keeps the English label under --lang zh)
    assert explain.calculation(c, "zh") == "loans used for projects in Nanchang 9,000,000.00 × 50% × 一年期LPR 3.10%"
    # a product that is 0 (the base is 0.00) may say so: "= 0.00" is true
    zero = Calculation((Factor("local_project_loans", Fraction(0), Kind.MONEY, Source.GIVEN, "local_project_loans",
                               "loans used for projects in Nanchang"), *LOAN.factors[1:]), 0)
    assert explain.calculation(clause(status=Status.NOT_ELIGIBLE, amount=0, raw_amount=0, calculation=zero)) == (
        "loans used for projects in Nanchang 0.00 × 50% × LPR 1y 3.10% = 0.00")


def test_an_up_to_result_says_up_to_and_a_fixed_ceiling_says_ceiling() -> None:
    c = clause(basis=Basis.UP_TO, calculation=Calculation(
        (Factor("200万", Fraction(2_000_000), Kind.MONEY, Source.CONSTANT),), 200_000_000))
    assert explain.calculation(c) == "ceiling 2,000,000.00"
    assert explain.money(200_000_000, Basis.UP_TO) == "up to 2,000,000.00"


def test_a_shortfall_names_the_actual_value_and_the_gap() -> None:
    assert explain.shortfall(GROWTH) == "2,399,750,000.00 short of 100,000,000.00"
    assert explain.not_met(GROWTH) == ("not met: revenue growth (revenue − revenue_prev) ≥ 1亿: is "
                                       "-2,299,750,000.00, 2,399,750,000.00 short of 100,000,000.00")


def test_more_than_zero_failed_at_zero_is_worded_as_must_be_more() -> None:
    cd = ConditionResult("raised", "equity_investment_raised > 0", False, ">",
                         Side("equity_investment_raised", Fraction(0), Kind.MONEY, ("equity_investment_raised",)),
                         Side("0", Fraction(0), Kind.MONEY))
    assert explain.shortfall(cd) == "must be more than 0.00" and not cd.is_threshold


def test_a_yes_no_condition_shows_the_values_it_read() -> None:
    cd = ConditionResult("Fortune 500, or a project of 10亿 or more", "is_fortune500 or major_project_investment >= 10亿",
                         False, values=(FieldValue("is_fortune500", Kind.BOOL, False),
                                        FieldValue("major_project_investment", Kind.MONEY, Fraction(80_000_000))),
                         has_threshold=True)
    assert explain.not_met(cd) == ("not met: Fortune 500, or a project of 10亿 or more (is_fortune500 = false, "
                                   "major_project_investment = 80,000,000.00)")


def test_group_decision_a_tie_is_not_called_higher() -> None:
    tie = GroupDecision("rd", "三", "si_led_rd", 1_000_000_000, 1_000_000_000)
    higher = GroupDecision("rd", "三", "rd_center", 2_000_000_000, 1_000_000_000)
    assert "is equal and listed first" in explain.group_decision(tie, Status.EXCLUDED)
    assert "rd_center is higher; this clause's 10,000,000.00 is forgone" in explain.group_decision(
        higher, Status.EXCLUDED)
    kept = GroupDecision("rd", "三", "rd_center", 2_000_000_000, 2_000_000_000, (("si_led_rd", 1_000_000_000),))
    assert explain.group_decision(kept, Status.CAPPED) == ("exclusive group 'rd' (就高不就低): kept over si_led_rd "
                                                           "(10,000,000.00)")


def test_caps_are_worded_with_their_scope() -> None:
    assert explain.cap_event(CapEvent(CapKind.CLAUSE, "public_platform", 3_000_000_000, 3_600_000_000,
                                      3_000_000_000, scope="project"), Basis.UP_TO) == (
        "clause cap 30,000,000.00 per project applied (up to 36,000,000.00 → up to 30,000,000.00)")
    assert "5,000,000.00 once applied" in explain.cap_event(
        CapEvent(CapKind.CLAUSE, "hq_relocation", 500_000_000, 600_000_000, 500_000_000, scope="once"))
    assert explain.cap_event(CapEvent(CapKind.ITEM, "first_trial_product", 50_000_000, 0, 0, scope="unit",
                                      count=2)) == "2 unit(s) cut to the cap of 500,000.00 per unit"


def test_company_cap_in_each_state() -> None:
    applied = CompanyCap(CapState.APPLIED, "三", "5% * sales_revenue", 159_222_391, 477_667_173, 159_222_391)
    assert explain.company_cap(applied) == (
        "company annual cap (三): 5% × sales_revenue = 1,592,223.91; the counted clauses summed to 4,776,671.73 and "
        "were cut proportionally (largest remainder on the last fen) to 1,592,223.91")
    unknown = CompanyCap(CapState.UNKNOWN, "三", "5% * sales_revenue", None, 100, 100, ("sales_revenue",))
    assert explain.company_cap(unknown) == "company annual cap could not be checked: add sales_revenue"
    na = CompanyCap(CapState.NOT_APPLICABLE, "三", "5% * sales_revenue", 0, 0, 0)
    assert "not applicable" in explain.company_cap(na)


def test_clause_explanation_puts_facts_in_reading_order() -> None:
    c = clause(status=Status.CAPPED, amount=100_000_000, conditions=(
        ConditionResult("growth", "g >= 1亿", True, ">=", Side("g", Fraction(100_000_000), Kind.MONEY),
                        Side("1亿", Fraction(100_000_000), Kind.MONEY)),),
        caps=(CapEvent(CapKind.CLAUSE, "loan_interest", 200_000_000, 133_920_000, 100_000_000, scope="year"),),
        company_cut=(133_920_000, 100_000_000))
    assert explain.clause_explanation(c) == (
        "met: growth: 100,000,000.00 ≥ 100,000,000.00; loans used for projects in Nanchang 86,400,000.00 × 50% × "
        "LPR 1y 3.10% = 1,339,200.00; clause cap 2,000,000.00 per year applied (1,339,200.00 → 1,000,000.00); "
        "company annual cap: cut from 1,339,200.00 to 1,000,000.00")


def test_expired_and_missing_input_say_why_nothing_was_computed() -> None:
    assert explain.clause_explanation(clause(status=Status.EXPIRED, year=2026)) == (
        "not computed: 2026 is outside the policy's validity")
    assert explain.clause_explanation(clause(status=Status.MISSING_INPUT, missing=("has_rd_center",))) == (
        "not evaluated: add has_rd_center to the profile")


def test_the_outline_of_the_long_layout_uses_the_same_group_words() -> None:
    words = explain.outline(status=Status.EXCLUDED, year=2024, missing=(), failed=(), held=(), calc="x", item_cap="",
                            clause_cap="", group="rd", winner="si_led_rd", tie=True, company_cut="",
                            not_targeted=(), basis=Basis.EXACT, notes=())
    assert "si_led_rd is equal and listed first in the group" in words


# ---------------------------------------------------------------- control characters never reach a terminal

HOSTILE = "\u001b]0;X\u0007Evil\u001b[2J \u001b]52;c;ZXZpbA==\u0007Co"


def _hostile_profile(tmp_path: Path) -> Path:
    text = Path("samples/nanchang-si-led-maker.toml").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("name ")]
    p = tmp_path / "hostile.toml"
    p.write_text(f"name = {json.dumps(HOSTILE)}\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_a_name_with_escape_sequences_is_shown_escaped_in_table_markdown_and_compare(tmp_path: Path) -> None:
    p = _hostile_profile(tmp_path)
    runner = CliRunner()
    for args in (["calc", str(p)], ["calc", str(p), "--format", "markdown"], ["compare", str(p)],
                 ["compare", str(p), "--format", "markdown"]):
        res = runner.invoke(app, args, env={"NO_COLOR": "1"})
        assert res.exit_code == 0, res.output
        assert "\x1b" not in res.stdout and "\x07" not in res.stdout, args
        # Markdown shows the same text: its own markup characters (\\, ]) are backslash-escaped
        shown = "\\\\x1b\\]0;X\\\\x07Evil" if "markdown" in args else "\\x1b]0;X\\x07Evil"
        assert shown in res.stdout, args
    doc = json.loads(runner.invoke(app, ["calc", str(p), "--format", "json"]).stdout)
    assert doc["company"] == HOSTILE  # JSON escapes them itself


def test_api_results_keep_the_name_as_given(tmp_path: Path) -> None:
    catalog = api.load()
    profile = api.load_company(_hostile_profile(tmp_path), catalog)
    [r] = api.calculate(profile, api.policies_for(profile, catalog), catalog)
    assert r.company == HOSTILE and explain.company(r).startswith("\\x1b]0;X")


# ---------------------------------------------------------------- --lang zh: headings, never JSON keys


def test_lang_zh_gives_chinese_headings_in_the_table_and_the_batch_header(tmp_path: Path) -> None:
    import csv

    runner = CliRunner()
    res = runner.invoke(app, ["calc", "samples/nanchang-vr-studio.toml", "--lang", "zh"], env={"COLUMNS": "120"})
    assert res.exit_code == 0 and "条款" in res.stdout and "金额" in res.stdout
    out = tmp_path / "zh.csv"
    res = runner.invoke(app, ["batch", "samples/companies.csv", "-o", str(out), "-q"], env={"INCENTIVES_LANG": "zh"})
    assert res.exit_code == 0, res.output
    header = next(csv.reader(out.open(encoding="utf-8-sig")))
    assert header[:6] == ["序号", "企业名称", "提示", "政策", "年度", "合计"] and "loan_interest_状态" in header
    en = tmp_path / "en.csv"
    runner.invoke(app, ["batch", "samples/companies.csv", "-o", str(en), "-q", "--lang", "en"],
                  env={"INCENTIVES_LANG": "zh"})
    assert en.read_text(encoding="utf-8-sig").splitlines()[1:] == out.read_text(encoding="utf-8-sig").splitlines()[1:]
    doc = json.loads(runner.invoke(app, ["calc", "samples/nanchang-vr-studio.toml", "--format", "json", "--lang",
                                         "zh"]).stdout)
    assert "results" in doc and "total" in doc["results"][0]  # JSON keys never change
    bad = runner.invoke(app, ["calc", "samples/nanchang-vr-studio.toml", "--lang", "fr"])
    assert bad.exit_code == 2 and "--lang fr: expected en or zh" in bad.output


def test_the_overflow_limit_in_the_message_is_the_engines() -> None:
    from nanchang_incentives.engine import MAX_FEN
    from nanchang_incentives.errors import OVERFLOW_MESSAGE

    assert f"{MAX_FEN // 100:,} yuan" in OVERFLOW_MESSAGE


def test_an_amount_beyond_the_limit_names_the_value_in_yuan_not_in_the_engines_units(tmp_path: Path) -> None:
    # 三(四) smart factories: three projects of 10万亿 each; the message showed 100000000000000000 (1/10000 yuan)
    profile = tmp_path / "big.toml"
    profile.write_text('name = "x"\njurisdiction = "nanchang"\nyear = 2024\nindustries = ["electronic-information"]\n'
                       'smart_factory_investments = ["10万亿", "10万亿", "10万亿"]\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["calc", str(profile)])
    assert res.exit_code == 1
    said = " ".join(res.stderr.split())
    assert f"{profile}:5, field 'smart_factory_investments': clause smart_factory: an amount of more than" in said
    assert said.endswith("(smart_factory_investments = 10,000,000,000,000.00;10,000,000,000,000.00;"
                         "10,000,000,000,000.00)"), said
    assert "100000000000000000" not in said


def test_an_unknown_INCENTIVES_LANG_is_named_once_and_every_command_goes_on_in_english(tmp_path: Path) -> None:
    """A stray setting (INCENTIVES_LANG=fr) used to be silent in calc and stop batch with 'unknown language'."""
    runner = CliRunner()
    want = "warning: INCENTIVES_LANG='fr' is not a language of this tool (en or zh, e.g. INCENTIVES_LANG=zh)"
    calc = runner.invoke(app, ["calc", "samples/nanchang-vr-studio.toml"], env={"INCENTIVES_LANG": "fr", "COLUMNS": "120"})
    assert calc.exit_code == 0 and "Clause" in calc.stdout and "条款" not in calc.stdout
    assert calc.stderr.count(want) == 1
    out = tmp_path / "out.csv"
    batch = runner.invoke(app, ["batch", "samples/companies.csv", "-o", str(out), "-q"], env={"INCENTIVES_LANG": "fr"})
    assert batch.exit_code == 0 and batch.stderr.count(want) == 1
    assert out.read_text(encoding="utf-8-sig").startswith("row,name,warnings,policy,year,total,")
    zh = tmp_path / "zh.csv"  # --lang wins over the setting
    runner.invoke(app, ["batch", "samples/companies.csv", "-o", str(zh), "-q", "--lang", "zh"],
                  env={"INCENTIVES_LANG": "fr"})
    assert zh.read_text(encoding="utf-8-sig").startswith("序号,企业名称")
