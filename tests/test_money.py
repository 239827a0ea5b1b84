"""Money, rates, booleans and counts as a profile gives them (SPEC §4).

Money is held in units of 1/10000 yuan: 1 yuan = 10,000 units.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanchang_incentives.errors import ValueProblem
from nanchang_incentives.money import (
    MAX_YUAN,
    UNITS_PER_YUAN,
    format_fen,
    format_fen_grouped,
    format_rate,
    parse_bool,
    parse_count,
    parse_money,
    parse_rate,
    parse_year,
    round_half_up_div,
)

Y = UNITS_PER_YUAN  # units per yuan


# ---------------------------------------------------------------- money accepted


@pytest.mark.parametrize("value,yuan", [
    ("1200000", 1_200_000),
    (1200000, 1_200_000),
    ("1,200,000", 1_200_000),
    ("120万", 1_200_000),  # 120 × 10,000
    ("120万元", 1_200_000),
    ("2.5亿", 250_000_000),  # 2.5 × 100,000,000
    ("2.5亿元", 250_000_000),
    ("1200000元", 1_200_000),
    (" 120 万 ", 1_200_000),
    ("0", 0),
    (0, 0),
])
def test_money_forms_from_spec(value: object, yuan: int) -> None:
    assert parse_money(value) == yuan * Y


@pytest.mark.parametrize("value", ["-", " ￥-   ", "--", "- -", "—", "-x"])
def test_a_dash_is_not_an_amount(value: str) -> None:
    # (in a spreadsheet cell, Excel's accounting zero " ￥-   " is an empty cell: profile.ACCOUNTING_DASH)
    with pytest.raises(ValueProblem, match="is not an amount of money"):
        parse_money(value)


def test_money_float_from_toml_is_exact() -> None:
    # TOML 1200000.5 is a float; read through its shortest repr, not its binary value
    assert parse_money(1200000.5) == 12_000_005_000
    # 0.1 + 0.2 in binary is 0.30000000000000004; the input 0.3 stays 0.3 yuan = 3,000 units
    assert parse_money(0.3) == 3_000
    assert parse_money(364533.0) == 364_533 * Y


def test_money_decimals_are_exact() -> None:
    assert parse_money("0.01") == 100  # one fen
    assert parse_money("1,234,567.89") == 12_345_678_900
    assert parse_money("1.2345万") == 12_345 * Y  # 1.2345 × 10,000 yuan


def test_money_beyond_four_decimals_is_refused_not_rounded() -> None:
    # units are 1/10000 yuan: 0.00005 yuan was rounded to 1 unit, 0.99995 to 1.0000 (a CSV cell; the same number
    # in an .xlsx cell was refused): 0.99995 × 0.5% = 0.00499975 is 0.00, the rounded 1.0000 × 0.5% gave 0.01
    for text, yuan in (("0.00005", "0.00005"), ("0.99995", "0.99995"), ("1.234567891万", "12345.67891")):
        with pytest.raises(ValueProblem) as info:
            parse_money(text)
        assert str(info.value) == (f"{text!r} is {yuan} yuan, more than 4 decimals of a yuan: amounts are exact to "
                                   f"1/10000 yuan; round the figure (in a spreadsheet: =ROUND(…, 2) for yuan) or "
                                   f"type the amount meant")
    # trailing zeros, and a unit that makes the decimals whole, are exact
    assert (parse_money("0.00010000"), parse_money("1.23456789万"), parse_money(Decimal("1234.500000"))) == (
        1, 123_456_789, 12_345_000)


def test_money_upper_bound_is_inclusive() -> None:
    # 10万亿 = 10 × 10^4 × 10^8 = 10^13 yuan is the largest money value
    assert MAX_YUAN == 10**13
    assert parse_money("100000亿") == 10**13 * Y  # 10^5 × 10^8
    assert parse_money(10**13) == 10**13 * Y


# ---------------------------------------------------------------- money rejected


@pytest.mark.parametrize("value", [
    -1, "-1", "-0.01", -0.01, "-120万",  # negative
    float("nan"), "nan", "NaN",  # not a number
    float("inf"), float("-inf"), "inf", "Infinity",  # infinite
    "120k", "12 dollars", "120千万", "120万元整整", "120万元整人民币",  # unknown unit
    "1,20,000", "12,0000", "1,2", ",100",  # bad grouping
    10**13 + 1, "100000.01亿", "10000000000000.01", 1e14,  # more than 10万亿
    True, False,  # booleans are not money
    "", "   ", "万", "abc", None, [1], {"a": 1},
    "1e999999999", "1e-999999999",  # out of range: no traceback, no 10**999999999 Fraction
])
def test_money_rejected(value: object) -> None:
    with pytest.raises(ValueProblem):
        parse_money(value)


def test_money_error_messages_say_what_is_wrong() -> None:
    with pytest.raises(ValueProblem, match="negative"):
        parse_money("-5")
    with pytest.raises(ValueProblem, match="unknown unit 'k'.*千/千元"):
        parse_money("120k")
    with pytest.raises(ValueProblem, match="10万亿"):
        parse_money(10**14)
    with pytest.raises(ValueProblem, match="boolean"):
        parse_money(True)
    with pytest.raises(ValueProblem, match="120万"):  # the example of a valid value
        parse_money("abc")


# ---------------------------------------------------------------- money properties (bounded)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**13))
def test_money_integer_forms_agree(n: int) -> None:
    assert parse_money(n) == parse_money(str(n)) == parse_money(f"{n:,}") == n * Y


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**9 - 1), st.integers(min_value=0, max_value=9999))
def test_money_wan_is_ten_thousand_exactly(whole: int, frac: int) -> None:
    text = f"{whole}.{frac:04d}"
    assert parse_money(text + "万") == parse_money(text) * 10_000


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**15))
def test_format_fen_round_trips(fen: int) -> None:
    assert parse_money(format_fen(fen)) == fen * 100
    assert parse_money(format_fen_grouped(fen)) == fen * 100


def test_format_fen() -> None:
    assert format_fen(182267) == "1822.67"
    assert format_fen(5) == "0.05"
    assert format_fen(0) == "0.00"
    assert format_fen_grouped(100000001) == "1,000,000.01"


# ---------------------------------------------------------------- rounding


@pytest.mark.parametrize("num,den,expected", [
    (5, 2, 3),  # 2.5 -> 3 (half up)
    (3, 2, 2),  # 1.5 -> 2
    (7, 4, 2),  # 1.75 -> 2
    (5, 4, 1),  # 1.25 -> 1
    (1, 3, 0),
    (2, 3, 1),
    (0, 7, 0),
    (1822665, 1000, 1823),  # 1822.665 fen-thousandths -> 1823
])
def test_round_half_up_div(num: int, den: int, expected: int) -> None:
    assert round_half_up_div(num, den) == expected


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**20), st.integers(min_value=1, max_value=10**12))
def test_round_half_up_div_matches_exact_fractions(num: int, den: int) -> None:
    floor = num // den
    expected = floor + (1 if Fraction(num, den) - floor >= Fraction(1, 2) else 0)
    assert round_half_up_div(num, den) == expected


# ---------------------------------------------------------------- rates


@pytest.mark.parametrize("value,rate", [
    ("3.10%", Fraction(31, 1000)),
    ("3.1%", Fraction(31, 1000)),
    ("3.45%", Fraction(69, 2000)),
    (" 4.85 %", Fraction(97, 2000)),
    ("50%", Fraction(1, 2)),
    ("0%", Fraction(0)),
    ("100%", Fraction(1)),
    ("0.0001%", Fraction(1, 1_000_000)),
])
def test_rate_accepted(value: str, rate: Fraction) -> None:
    assert parse_rate(value) == rate


@pytest.mark.parametrize("value", [
    0.031, "0.031", "3.10", 3, True, None,  # no percent sign
    "-1%", "100.01%", "nan%", "inf%", "%", "abc%",
    "0.00001%",  # more than four decimals of a percent
    "1e-999999999%", "1e999999999%",
])
def test_rate_rejected(value: object) -> None:
    with pytest.raises(ValueProblem):
        parse_rate(value)


def test_format_rate() -> None:
    assert format_rate(Fraction(69, 4000)) == "1.725%"  # 50% × 3.45%
    assert format_rate(Fraction(1, 2)) == "50%"


# ---------------------------------------------------------------- booleans and counts


@pytest.mark.parametrize("value,expected", [
    (True, True), (False, False),
    ("true", True), ("false", False), ("TRUE", True), ("False", False),
    ("1", True), ("0", False), (1, True), (0, False),
    ("yes", True), ("no", False), ("Yes", True), ("NO", False),
    ("是", True), ("否", False), (" 是 ", True),
    # pandas writes a boolean column with an empty cell as floats (1.0 / 0.0), as a count 3.0 is read as 3
    ("1.0", True), ("0.0", False), (1.0, True), (0.0, False),
])
def test_bool_accepted(value: object, expected: bool) -> None:
    assert parse_bool(value) is expected


@pytest.mark.parametrize("value", [2, -1, "2", "maybe", "", "真", None, 2.0, 0.5, "1.5", [True]])
def test_bool_rejected(value: object) -> None:
    with pytest.raises(ValueProblem, match="true or false"):
        parse_bool(value)


@pytest.mark.parametrize("value,expected", [(3, 3), ("3", 3), (3.0, 3), ("3.0", 3), (0, 0), ("1e3", 1000),
                                            (10_000_000, 10_000_000)])
def test_count_accepted(value: object, expected: int) -> None:
    assert parse_count(value) == expected


@pytest.mark.parametrize("value", [3.5, "3.5", -1, "-1", True, False, "three", "", None, float("nan"),
                                   float("inf"), 10_000_001, "1e999999999"])
def test_count_rejected(value: object) -> None:
    with pytest.raises(ValueProblem):
        parse_count(value)


@pytest.mark.parametrize("value", [1989, 2101, "20x4", 2024.5, "二〇二", "二〇二四五", "两千零二十四", "二〇二四月"])
def test_year_rejected(value: object) -> None:
    with pytest.raises(ValueProblem):
        parse_year(value)


def test_year_accepted() -> None:
    assert parse_year(2024) == 2024
    assert parse_year("2023") == 2023


@pytest.mark.parametrize(("text", "year"), [("二〇二四", 2024), ("二〇二四年", 2024), ("二零二五年度", 2025),
                                            ("二○二三年", 2023), (" 二〇二四 ", 2024)])
def test_a_year_in_chinese_digits_is_read(text: str, year: int) -> None:
    """Chinese documents write the year digit by digit (二〇二四年度); 〇 is also typed ○ or 零."""
    assert parse_year(text) == year


@pytest.mark.parametrize("text, hint", [("3,10%", 'did you mean "3.10%"?'), ("3,1%", 'did you mean "3.1%"?'),
                                        ("３，１０％", 'did you mean "3.10%"?'), ("1,000,5%", "")])
def test_a_rate_with_a_comma_is_refused_with_the_decimal_point_it_probably_means(text: str, hint: str) -> None:
    """'3,10%' used to be read as 310% and reported as out of range; a rate has no thousands."""
    with pytest.raises(ValueProblem) as info:
        parse_rate(text)
    assert "has a comma; a rate is written with a decimal point" in str(info.value)
    assert hint in str(info.value) and "outside" not in str(info.value)
    if not hint:
        assert "did you mean" not in str(info.value)


def test_a_figure_excel_rounded_to_scientific_notation_is_refused() -> None:
    # Excel's General format shows 123,456,789,012 as 1.23457E+11 and saves that text in a CSV: the figure lost
    # its last six digits before incentives saw it. Its 科学记数 format (0.00E+00) saves 3,685,000,000 as
    # 3.69E+09 (18,450,000.00 of settlement for 18,425,000.00), and General drops trailing zeros: 123,400,000,001
    # is saved as 1.234E+11. Any "E+NN" with at most 15 digits (what Excel shows) may be rounded: refused
    for text in ("1.23457E+11", "3.69E+09", "1.234E+11", "1.23450E+11", "1.1E+11", "1.2E+07"):
        with pytest.raises(ValueProblem, match=rf"'{re.escape(text)}' is in scientific notation as Excel saves .*"
                                               r"科学记数 .* rounded to the digits shown"):
            parse_money(text)
    with pytest.raises(ValueProblem, match="scientific notation as Excel saves"):
        parse_count("1.2E+02")
    # a program's exact forms: Java's / Spark's Double.toString, or more digits than Excel ever shows
    assert parse_money("3.685E9") == 3_685_000_000 * 10_000
    assert parse_money("3.2e+09") == 3_200_000_000 * 10_000  # R's write.csv, printf's %e: lower case, exact
    assert parse_money("1.2345678901234567E+12") == 12_345_678_901_234_567


def test_a_leading_apostrophe_is_named_as_the_problem() -> None:
    # a spreadsheet's "keep as text" mark: the message says to remove it rather than "not an amount of money"
    with pytest.raises(ValueProblem, match=r"starts with an apostrophe, which a spreadsheet uses to keep a cell as "
                                           r"text: remove it \('25亿'\)"):
        parse_money("'25亿")


@pytest.mark.parametrize(("value", "said"), [
    ("2024.5", "'2024.5' is not a whole year; expected a fiscal year such as 2024"),
    (2024.5, "expected a fiscal year between 1990 and 2100 such as 2024, got 2024.5"),  # TOML year = 2024.5
    ("-2024", "expected a fiscal year between 1990 and 2100 such as 2024, got '-2024'"),  # not "a count"
    ("20241231", ("'20241231' looks like a date written without separators; expected the fiscal year alone, "
                 "such as 2024")),
    ("1905/7/16", ("'1905/7/16' is a date in 1905: a year typed into a cell formatted as a date is stored as a day "
                  "of 1905 (2024 becomes 1905-07-16): format the cell as a number (or text) and type the year "
                  "again; expected a fiscal year such as 2024")),
    # the same cell of a workbook of the 1904 date system (Excel for Mac's), exported: day 2024 after 1904-01-01
    ("1909/7/17", ("'1909/7/17' is a date in 1909: a year typed into a cell formatted as a date is stored as a day "
                  "of 1909 in a workbook that uses the 1904 date system (date1904: Excel for Mac's, or 使用1904年日期系统 "
                  "ticked; 2024 becomes 1909-07-17): format the cell as a number (or text) and type the year again; "
                  "expected a fiscal year such as 2024")),
    # a date cell exported with the General format is its day number (1899-12-30 + 45657 days = 2024-12-31)
    ("45657", ("'45657' looks like an Excel date number (day 45657 is 2024-12-31: a date cell saved with the "
               "General format); expected the fiscal year, such as 2024")),
    (32874, "32874 looks like an Excel date number (day 32874 is 1990-01-01"),
    ("32873", "expected a fiscal year between 1990 and 2100 such as 2024, got '32873'"),
])
def test_a_refused_year_is_said_as_a_year(value: object, said: str) -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_year(value)
    assert str(exc.value).startswith(said) and (str(exc.value) == said or isinstance(value, int))


@pytest.mark.parametrize(("date1904", "shown"), [(False, "1905-07-16"), (True, "1909-07-17")])
def test_a_year_typed_into_a_date_cell_of_a_workbook_is_explained(catalog, tmp_path, date1904, shown) -> None:
    # a workbook of the 1904 date system (workbookPr date1904="1") shows day 2024 as 1909-07-17: the message was
    # only "expected a fiscal year between 1990 and 2100 …, got '1909'"
    openpyxl = pytest.importorskip("openpyxl")
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    from nanchang_incentives.batch import run_batch

    wb = openpyxl.Workbook()
    if date1904:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.append(["企业名称", "所在地", "年度", "营业收入"])
    ws.append(["甲", "南昌", 2024, "5亿"])
    ws["C2"].number_format = "yyyy-mm-dd"  # Excel shows 1905-07-16
    ws.append(["乙", "南昌", 2024, "5亿"])
    wb.save(tmp_path / "d.xlsx")
    report = run_batch(tmp_path / "d.xlsx", tmp_path / "o.csv", catalog)
    assert report.good_rows == 1
    (p,) = report.problems
    assert (p.line, p.field, p.value) == (2, "year", shown)
    assert f"a year typed into a cell formatted as a date is stored as a day of {shown[:4]}" in p.message
    assert ("in a workbook that uses the 1904 date system" in p.message) == date1904
    assert "format the cell as a number (or text) and type the year again" in p.message


@pytest.mark.parametrize(("text", "said"), [
    ("−500", "'−500' is negative; money must be zero or more"),  # U+2212, the minus sign of Word and WPS
    ("-¥1,200.00", "'-¥1,200.00' is negative; money must be zero or more"),  # the sign before the currency
    ("(1,200)", "'(1,200)' is an amount in accounting brackets, a negative one; money must be zero or more"),
])
def test_a_negative_amount_however_written_is_called_negative(text: str, said: str) -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_money(text)
    assert str(exc.value) == said


def test_a_currency_sign_after_the_minus_of_zero_is_still_zero() -> None:
    assert parse_money("-¥0.00") == 0 and parse_money("¥1,200.00") == 1200 * 10_000


def test_zero_in_accounting_brackets_is_not_called_negative() -> None:
    for text in ("(0)", "（0.00）"):
        with pytest.raises(ValueProblem, match=r"is in accounting brackets, which mark a negative amount: write the "
                                               r"amount without them \(0\)"):
            parse_money(text)
    with pytest.raises(ValueProblem, match="is an amount in accounting brackets, a negative one"):
        parse_money("（1,200）")  # full-width brackets, as a Chinese input method types them


# ---------------------------------------------------------------- forms finance staff type (人民币, 万亿, 萬/億, 整)


@pytest.mark.parametrize(("text", "units"), [
    ("人民币1.2亿", 120_000_000 * Y),  # 1.2 × 10^8 yuan
    ("1.2亿元人民币", 120_000_000 * Y),
    ("RMB 1.2亿", 120_000_000 * Y),
    ("¥1.2亿", 120_000_000 * Y),
    ("1.2亿RMB", 120_000_000 * Y),
    ("人民幣1.2億元", 120_000_000 * Y),  # traditional throughout
    ("1.2万亿", 1_200_000_000_000 * Y),  # 万亿 = 10^12: 1,200,000,000,000.00 yuan
    ("1.2万亿元", 1_200_000_000_000 * Y),
    ("1.2萬億", 1_200_000_000_000 * Y),
    ("0.0001万亿", 100_000_000 * Y),  # 10^-4 × 10^12 = 1亿
    ("10万亿", 10**13 * Y),  # the largest amount, inclusive
    ("1.2億", 120_000_000 * Y),
    ("500萬元", 5_000_000 * Y),
    ("１２０萬", 1_200_000 * Y),  # full-width digits with a traditional unit
    ("120万元整", 1_200_000 * Y),  # 整: "exactly", as a cheque ends
    ("人民币120万元整", 1_200_000 * Y),
    ("￥1,200,000.00元整", 1_200_000 * Y),
    ("1200000元整", 1_200_000 * Y),
    ("120万整", 1_200_000 * Y),
    ("1200000RMB整", 1_200_000 * Y),
    ("120万元人民币整", 1_200_000 * Y),
    ("1.23456789万亿", 1_234_567_890_000 * Y),  # 8 decimals of 万亿 are whole yuan: exact
])
def test_the_forms_finance_staff_type_read_exactly(text: str, units: int) -> None:
    assert parse_money(text) == units


def test_wan_yi_is_ten_to_the_twelve() -> None:
    assert parse_money("1万亿") == 10**12 * Y == parse_money("1,000,000,000,000")
    assert format_fen(parse_money("1.2万亿") // 100) == "1200000000000.00"


@pytest.mark.parametrize(("text", "said"), [
    ("-1.2万亿", "negative"), ("人民币-5万", "negative"), ("-人民币5万", "negative"), ("-120万元整", "negative"),
    ("（1.2亿元人民币）", "accounting brackets"),
    ("10.0001万亿", "more than 10万亿"), ("12萬億", "more than 10万亿"),
    ("1e5万亿", "combines scientific notation with the unit '万亿'"),
    ("1.2E+04萬", "combines scientific notation with the unit '萬'"),
    ("2.5E+05元整", "combines scientific notation with the unit '元整'"),
    ("1.23457E+11人民币", "scientific notation as Excel saves"),
    ("120万 整", "not an amount of money"),
    ("1200000整", (r"has 整 with no unit before it: write the unit, as on a cheque \('1200000元整' or "
                   r"'1200000万元整'\), or leave 整 out")),
    ("1.2E+09整", "has 整 with no unit before it"),
    ("5千万", "unknown unit '千万'"), ("5万万", "unknown unit '万万'"),
])
def test_the_new_forms_keep_every_refusal(text: str, said: str) -> None:
    with pytest.raises(ValueProblem, match=said):
        parse_money(text)


@pytest.mark.parametrize("text", ["壹佰贰拾万元", "壹佰贰拾万元整", "一百二十万", "人民币叁仟元", "两亿", "1亿五千万",
                                  "120万元（壹佰贰拾万元整）", "〇"])
def test_chinese_numerals_in_words_are_refused_with_digits_to_write(text: str) -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_money(text)
    said = str(exc.value)
    assert said.startswith(f"{text!r} has Chinese numerals (")
    assert 'write the amount in digits 0-9, as in "120万元" or "1200000" for 壹佰贰拾万元 (一百二十万)' in said


@pytest.mark.parametrize(("text", "advice"), [
    ("1亿2000万", "write it with one unit, as 12000万 (or 1.2亿)"),
    ("3亿5000万元", "write it with one unit, as 35000万 (or 3.5亿)"),
    ("1,2345.67", "its commas do not group the digits in threes: write 12345.67 (or 12,345.67)"),
    ("1，2345.67", "its commas do not group the digits in threes: write 12345.67 (or 12,345.67)"),
    ("12,34", "write 1234 (or 1,234); if the last comma is a decimal point, write 12.34"),
    ("0,5", "a comma is not a decimal point here: write 0.5"),  # (never "write 05")
    ("12,345,67", "write 1234567 (or 1,234,567); if the last comma is a decimal point, write 12345.67"),
])
def test_two_units_and_commas_every_four_digits_are_refused_with_what_to_write(text: str, advice: str) -> None:
    """Common Chinese ways of writing an amount (1亿2000万; commas every 万, 1,2345.67) are not read, never
    guessed: the message says how to write them."""
    with pytest.raises(ValueProblem) as exc:
        parse_money(text)
    assert str(exc.value).startswith(f"{text!r} is not an amount of money: ") and advice in str(exc.value)


def test_the_new_forms_in_set_and_vary(catalog) -> None:
    """--set and --vary read a value as a profile does."""
    from nanchang_incentives import planning

    changes = planning.parse_settings(["营业收入=1.2万亿", "rd_expense=人民币500萬元整"], catalog.registry)
    assert changes == {"revenue": 1_200_000_000_000 * Y, "rd_expense": 5_000_000 * Y}
    axis = planning.parse_axis("revenue=1.2億..1.2万亿", 5, catalog.registry)
    assert (axis.start, axis.stop) == (120_000_000 * Y, 1_200_000_000_000 * Y)
    with pytest.raises(planning.OptionError, match=r"^--set revenue=壹佰贰拾万元: '壹佰贰拾万元' has Chinese numerals"):
        planning.parse_settings(["revenue=壹佰贰拾万元"], catalog.registry)


@pytest.mark.parametrize("year", ["2024年", "２０２４", "2024年度", " 2024 ", "二〇二四年"])
def test_the_year_option_reads_a_year_as_the_year_field_does(year: str) -> None:
    from nanchang_incentives.cli_options import parse_year as year_option

    assert year_option(year) == parse_year(year) == 2024


@pytest.mark.parametrize("year", ["1989年", "2101年", "20245", "一九八九年", "2024.5", "-2024", "20241231"])
def test_the_year_option_keeps_its_range_and_message(year: str) -> None:
    from nanchang_incentives.cli_options import OptionValueError
    from nanchang_incentives.cli_options import parse_year as year_option

    with pytest.raises(OptionValueError) as exc:
        year_option(year)
    assert exc.value.message == f"--year {year}: expected a fiscal year between 1990 and 2100, e.g. --year 2024"


@pytest.mark.parametrize(("text", "says"), [
    ("约1000万", "'约1000万' is not one amount ('约' makes it approximate or a bound): write the figure itself"),
    ("1000万以上", "('以上' makes it approximate or a bound)"),
    ("≥1000万", "('≥' makes it approximate or a bound)"),
    ("1000多万", "('多' makes it approximate or a bound)"),
    ("大约1000万", "('大约' makes it approximate or a bound)"),
    ("1000~2000万", "'1000~2000万' is a range, not one amount: write the figure itself"),
    ("1000万~2000万", "is a range, not one amount"),
    ("1000至2000万", "is a range, not one amount"),
    ("1000w", "'1000w' has the unknown unit 'w': if 'w' means 万, write '1000万'"),
    ("50K", "if 'K' means 千, write '50千'"),
    ("3千万", "千万 (ten million) is not read; write it in 万, 3000万"),
    ("1.5千万元", "千万 (ten million) is not read; write it in 万, 1500万"),
])
def test_a_guess_a_bound_or_a_shorthand_is_refused_with_what_to_write(text: str, says: str) -> None:
    """Finance staff type 约1000万 or 1000w in a hurry: never read as an amount, and the message says what to
    write instead (the result must be exact)."""
    with pytest.raises(ValueProblem) as exc:
        parse_money(text)
    assert says in str(exc.value)


def test_a_trailing_plus_is_a_bound_but_a_formula_is_not_called_one() -> None:
    with pytest.raises(ValueProblem, match=r"\('\+' makes it approximate or a bound\)"):
        parse_money("1000万+")
    with pytest.raises(ValueProblem) as exc:
        parse_money("=1+1")
    assert "approximate" not in str(exc.value)


@pytest.mark.parametrize(("text", "says"), [
    ("约150人", "'约150人' is not one number ('约' makes it approximate or a bound): write the figure itself"),
    ("150人以上", "('以上' makes it approximate or a bound)"),
    ("150+", "('+' makes it approximate or a bound)"),
    ("十五人", "'十五人' is written in Chinese numerals, which are not read: write the count in digits 0-9"),
    ("一百五十", "written in Chinese numerals"),
])
def test_a_count_that_is_a_guess_or_in_chinese_numerals_says_so(text: str, says: str) -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_count(text)
    assert says in str(exc.value)
    assert parse_count("150人") == 150 and parse_count("+3") == 3


@pytest.mark.parametrize(("text", "number"), [("第2年", "2"), ("第 3 年", "3"), ("第１个", "1"), ("第12项", "12")])
def test_an_ordinal_count_says_to_write_the_number_alone(text: str, number: str) -> None:
    # 贴息年度 = "第2年" (the 2nd year of interest subsidy) is the natural way to write it
    with pytest.raises(ValueProblem) as exc:
        parse_count(text)
    assert f"is an ordinal (第…): write the number alone, as in \"{number}\"" in str(exc.value)
    with pytest.raises(ValueProblem) as exc:
        parse_count("第一年")
    assert "Chinese numerals" in str(exc.value)


@pytest.mark.parametrize("text", ["余额1000万", "1000万(多个)", "多1000万"])
def test_a_word_that_only_contains_a_guess_character_is_not_called_a_guess(text: str) -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_money(text)
    assert "approximate" not in str(exc.value) and "range" not in str(exc.value)


@pytest.mark.parametrize("text", ["2024-12-31", "0791-88888888", "1-2-3"])
def test_dashed_numbers_are_not_called_ranges(text: str) -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_money(text)
    assert "range" not in str(exc.value)


def test_a_refused_toml_value_is_named_in_words_not_in_python() -> None:
    # `year = true`, `rd_staff = 2024-01-01` said "got True" / "got datetime.date(2024, 1, 1)"
    import datetime as dt

    from nanchang_incentives.money import parse_count, parse_year

    with pytest.raises(ValueProblem, match=r"got the boolean true$"):
        parse_year(True)
    with pytest.raises(ValueProblem, match=r"got the date 2024-01-01$"):
        parse_count(dt.date(2024, 1, 1))
    with pytest.raises(ValueProblem, match=r"^expected money, got the time 12:00:00; expected a number of yuan"):
        parse_money(dt.time(12, 0))


@pytest.mark.parametrize(("text", "value"), [("Ｙ", True), ("Ｎ", False), ("ＴＲＵＥ", True), ("ｎｏ", False),
                                             ("☑", True), ("☐", False)])
def test_full_width_and_checkbox_booleans(text, value):
    # full-width letters (a Chinese input method) were refused while full-width digits were read; so were the
    # ticked and empty checkboxes WPS inserts as symbols
    assert parse_bool(text) is value


@pytest.mark.parametrize("text", ["2024年1月", "2024-01", "2024/1", "2024年1月份"])
def test_a_month_in_the_year_column_is_named_as_a_month(text):
    # "'2024年1月' is not a number" did not say what was wrong with it
    with pytest.raises(ValueProblem, match=r"is a month, not a year; expected the fiscal year the figures describe, "
                                           r"such as 2024"):
        parse_year(text)


def test_fy_before_a_year_is_the_fiscal_year():
    assert (parse_year("FY2024"), parse_year("FY 2025"), parse_year("fy2023")) == (2024, 2025, 2023)


def test_a_circled_digit_is_no_boolean():
    # NFKC folds ① to 1: only letters are folded (Ｙ, ＴＲＵＥ), a list marker stays refused
    with pytest.raises(ValueProblem):
        parse_bool("①")


def test_counts_take_the_measure_words_a_finance_clerk_writes() -> None:
    # "1场" (an event), "150名" (staff), "2款" (products) were "not a number"
    from nanchang_incentives.money import parse_count

    assert [parse_count(t) for t in ("1场", "150名", "3位", "2款", "4件", "2次")] == [1, 150, 3, 2, 4, 2]


def test_amounts_joined_by_both_kinds_of_comma_are_refused_not_read_as_one() -> None:
    # "1,200,000，300,000" (two projects, the second comma full-width) read as one project of 1,200,000,300,000
    # yuan: smart_factory 5,000,000.00 (its cap) where the two projects give 600,000 + 150,000 = 750,000.00
    for text in ("1,200,000，300,000", "35,000，120,000"):
        with pytest.raises(ValueProblem, match=r"mixes ',' and '，': if it is several amounts, separate them with ';'"):
            parse_money(text)
    assert parse_money("1，200，000") == 1_200_000 * 10_000  # full-width thousands separators alone: one amount


def test_counts_take_traditional_measure_words() -> None:
    assert [parse_count(t) for t in ("2場", "3個", "2項", "4臺")] == [2, 3, 2, 4]
