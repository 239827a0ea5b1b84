"""Exact money, rates and the other scalar values of a profile.

Money is held as an integer number of *units* of 1/10000 yuan (a hundredth of
a fen), so any input with up to four decimals is exact and the result of every
clause can be rounded half-up to the fen without binary floating point.
Clause amounts and totals are integers of fen.

>>> parse_money("120万")
12000000000
>>> parse_money("2.5亿元") // UNITS_PER_YUAN
250000000
>>> parse_money("1,200,000") == parse_money(1200000)
True
>>> format_fen(123456789)
'1234567.89'
>>> parse_rate("3.45%")
Fraction(69, 2000)
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from .errors import ValueProblem
from .text import compiled_later

UNITS_PER_YUAN = 10_000
UNITS_PER_FEN = 100
#: 10万亿 yuan: the largest money value a field may hold (keeps int64 exact).
MAX_YUAN = 10**13
MAX_UNITS = MAX_YUAN * UNITS_PER_YUAN
#: the largest count (projects, staff, events) a field may hold
MAX_COUNT = 10_000_000
#: rates are exact to 0.0001 percentage point
RATE_DENOMINATOR = 1_000_000

_UNIT_FACTORS = {"": 1, "元": 1, "千": 1_000, "千元": 1_000, "万": 10_000, "万元": 10_000,
                 "百万": 1_000_000, "百万元": 1_000_000, "亿": 100_000_000, "亿元": 100_000_000,
                 "万亿": 10**12, "万亿元": 10**12}
#: the money units, as error messages and the README name them
MONEY_UNITS = "元, 千/千元, 万/万元, 百万/百万元, 亿/亿元, 万亿/万亿元 (also 萬/億)"
#: the traditional characters of the units (繁體, as Hong Kong and Taiwan write them) -> simplified
_TRADITIONAL_UNITS = str.maketrans({"萬": "万", "億": "亿"})
#: the currency written before an amount (¥1.2亿, RMB 1.2亿, 人民币1.2亿)
_CURRENCY_PREFIXES = ("¥", "￥", "RMB", "CNY", "人民币", "人民幣")
#: the currency written after an amount's unit (1.2亿元人民币, 1.2亿RMB), or alone (1200000 RMB)
_CURRENCY_SUFFIXES = ("人民币", "人民幣", "RMB", "CNY")
#: Chinese numerals written as words: the 大写 of a cheque (壹佰贰拾万元) and the everyday ones (一百二十万); never
#: read (a slip in them cannot be checked against the figure), the error says to write the digits. 百/千/万/亿 are
#: not among them: they are units after digits ("12.5百万")
_NUMERAL_WORDS = frozenset("零〇一二三四五六七八九十壹贰貳叁參叄肆伍陆陸柒捌玖拾佰仟两兩")
#: what a count may end with ("150人", "3个", "2项", "5家", "4台", "2套")
COUNT_SUFFIXES = ("人", "名", "位", "个", "项", "家", "台", "套", "场", "次", "件", "款")  # (150名, 1场, 2款 …)
_COUNT_TRADITIONAL = str.maketrans("個項臺場", "个项台场")
_NUMBER = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?|[+-]?\.\d+"
_MONEY_RE = re.compile(rf"^(?P<num>{_NUMBER})\s*(?P<unit>[^\d\s.,+-]*)$")
#: words for "none" typed in a number cell (无, 暂无, N/A): not read as 0 (nobody can tell "none" from "not known"),
#: but refused with that advice rather than a list of number forms
NONE_WORDS = frozenset({"无", "没有", "暂无", "空", "不适用", "n/a", "na", "none", "nil", "null"})
MONEY_EXAMPLE = ('a number of yuan such as 1200000, or a string such as "1,200,000", "120万", "120万元", '
                 '"2.5亿", "3500千元" or "12.5百万"')
#: full-width forms (as a Chinese IME types them) -> ASCII; every other non-ASCII digit is refused
_FULL_WIDTH = {**{0xFF10 + d: str(d) for d in range(10)}, ord("．"): ".", ord("，"): ",", ord("％"): "%",
               ord("＋"): "+", ord("－"): "-", ord("\u2212"): "-", ord("\u3000"): " ", ord("\u00a0"): " "}
_INNER_SPACE = re.compile(r"[\d.,]\s+[\d.,]")
_EXPONENT = re.compile(r"\d[eE][+-]?\d")
_DIGIT_HELP = "write the digits 0-9 (full-width ０-９ are fine too)"


def normalize_number_text(text: str) -> str:
    """A typed number as ASCII: full-width digits, ％, ，and ．become 0-9, %, ',' and '.'.

    Digits of other scripts (Arabic-Indic ١٢٣, mathematical 𝟏𝟐𝟑, superscripts …)
    and spaces inside a number ("1 0000") are refused rather than guessed at.

    >>> normalize_number_text("３.４５％"), normalize_number_text("１，２００万")
    ('3.45%', '1,200万')
    """
    out = text.translate(_FULL_WIDTH).strip()
    if out[:1] in ("'", "\u2018", "\u2019") and len(out) > 1:
        raise ValueProblem(f"{text!r} starts with an apostrophe, which a spreadsheet uses to keep a cell as text: "
                           f"remove it ({out[1:].strip()!r})")
    for ch in out:
        if ch > "\x7f" and unicodedata.category(ch) in ("Nd", "No"):  # digits of any other script
            raise ValueProblem(f"{text!r} contains the digit {ch!r} ({unicodedata.name(ch, 'another script')}); "
                                   f"{_DIGIT_HELP}")
    if _INNER_SPACE.search(out):
        raise ValueProblem(f"{text!r} has a space inside the number; write it without spaces "
                           f"(\"10000\" or \"10,000\")")
    return out


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueProblem(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise ValueProblem(f"{text!r} is not a finite number")
    # "1e999999999" would overflow the decimal context (a traceback) and
    # "1e-999999999%" would build a 10**999999999 Fraction (a hang): no real
    # amount, rate or count is anywhere near 10**±30.
    if value and abs(value.adjusted()) > 30:
        raise ValueProblem(f"{text!r} is out of range (far too large or too small)")
    return value


#: the exponent as Excel writes it ("E+09", "E-05": a sign and two digits or more); Java's Double.toString
#: ("3.685E9", Spark's CSV) writes neither
_EXCEL_EXPONENT = re.compile(r"E[+-]\d{2,}$")  # (upper case: R's write.csv, printf's %e write 3.2e+09, exactly)


def _excel_rounded(num: str) -> bool:
    """Whether a number is in scientific notation as Excel saves it in a CSV ("1.23457E+11", "3.69E+09",
    "1.234E+11"): the text of a cell shown in 科学记数 (Scientific) format, or of a number too long for its cell
    in General format, rounded to the digits shown before the file was saved. Excel shows 15 significant
    digits at most, so more ("1.2345678901234567E+12") came from a program, exactly; so did an exponent
    written otherwise ("3.685E9", Java's and Spark's).

    >>> _excel_rounded("1.23457E+11"), _excel_rounded("3.69E+09"), _excel_rounded("1.2E+07"), _excel_rounded("123457")
    (True, True, True, False)
    >>> _excel_rounded("1.2345678901234567E+12"), _excel_rounded("1.23450E+11"), _excel_rounded("3.685E9")
    (False, True, False)
    >>> _excel_rounded("3.2e+09")  # R's write.csv, C's %e: exact
    False
    """
    m = _EXCEL_EXPONENT.search(num.strip())
    if not m:
        return False
    mantissa = num.strip()[:m.start()].replace(",", "").replace(".", "").lstrip("+-").lstrip("0")
    return len(mantissa) <= 15


_TWO_UNITS = compiled_later(r"(\d+(?:\.\d+)?)\s*[亿億]\s*(\d+(?:\.\d+)?)\s*[万萬]\s*元?")
_ODD_GROUPS = re.compile(r"\d+(?:,\d+)+(?:\.\d+)?")


def _money_hint(text: str) -> str:
    """Advice for two common ways of writing an amount that are not read (never a guess at the figure itself).

    >>> _money_hint("1亿2000万"), _money_hint("abc")
    (': write it with one unit, as 12000万 (or 1.2亿)', '')
    >>> _money_hint("1,2345.67")
    ': its commas do not group the digits in threes: write 12345.67 (or 12,345.67)'
    >>> _money_hint("12,34")
    ': its commas do not group the digits in threes: write 1234 (or 1,234); if the last comma is a decimal point, write 12.34'
    >>> _money_hint("0,5")
    ': a comma is not a decimal point here: write 0.5'
    >>> _money_hint("12,345,67")
    ': its commas do not group the digits in threes: write 1234567 (or 1,234,567); if the last comma is a decimal point, write 12345.67'
    """
    two = _TWO_UNITS().fullmatch(text.strip())
    if two:
        wan = Decimal(two.group(1)) * 10_000 + Decimal(two.group(2))
        yi = format((wan / 10_000).normalize(), "f")
        return f": write it with one unit, as {format(wan.normalize(), 'f')}万 (or {yi}亿)"
    odd = _ODD_GROUPS.fullmatch(text.strip())
    if odd:
        written = text.strip()
        head, _, last = written.rpartition(",")
        decimal = f"{head.replace(',', '')}.{last}" if "." not in written and len(last) <= 2 else ""
        if decimal and head.lstrip("0") == "" and head:  # 0,5: a decimal comma, or nothing a thousands one makes
            return f": a comma is not a decimal point here: write {decimal}"
        plain = written.replace(",", "")
        whole, _, frac = plain.partition(".")
        grouped = f"{int(whole):,}" + (f".{frac}" if frac else "")
        point = f"; if the last comma is a decimal point, write {decimal}" if decimal else ""
        return f": its commas do not group the digits in threes: write {plain} (or {grouped}){point}"
    return ""


class NumberText(str):
    """An unquoted TOML number kept as the text it was written in (``tomlio``: a float no binary float holds),
    so that the number parsers read it exactly; the text parsers still refuse it as the number it is."""


def given(value: object) -> str:
    """A refused value as a message names it: a text quoted (``'abc'``), a TOML boolean, date or time in words,
    never Python's ``True`` or ``datetime.date(2024, 1, 1)``.

    >>> import datetime as dt
    >>> given("abc"), given(True), given(dt.date(2024, 1, 1)), given(dt.time(12, 0)), given([1, 2]), given(3.5)
    ("'abc'", 'the boolean true', 'the date 2024-01-01', 'the time 12:00:00', 'a list', '3.5')
    """
    import datetime as dt

    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dt.datetime):
        return f"the date and time {value.isoformat(sep=' ')}"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, dt.time):
        return f"the time {value.isoformat()}"
    if isinstance(value, NumberText):
        return f"the number {value}"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return repr(value)


def money_decimal(value: object) -> Decimal:
    """The exact yuan value of a money input (number or string with unit)."""
    if isinstance(value, bool):
        raise ValueProblem(f"expected money, got the boolean {str(value).lower()}; expected {MONEY_EXAMPLE}")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueProblem(f"{value!r} is not a finite amount; expected {MONEY_EXAMPLE}")
        amount = Decimal(repr(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueProblem(f"{value!r} is not a finite amount; expected {MONEY_EXAMPLE}")
        amount = value
    elif isinstance(value, str):
        if "," in value and "，" in value:  # 1,200,000，300,000: two amounts, or a typo; never one 1.2万亿 figure
            parts = [p.strip() for p in value.split("，")]
            raise ValueProblem(f"{value!r} mixes ',' and '，': if it is several amounts, separate them with ';' "
                               f"({';'.join(parts)!r}); if it is one, group its digits with one kind of comma")
        text = normalize_number_text(value)
        if not _NUMERAL_WORDS.isdisjoint(text):
            words = [ch for ch in dict.fromkeys(text) if ch in _NUMERAL_WORDS]
            raise ValueProblem(f"{value!r} has Chinese numerals ({', '.join(map(repr, words))}), which are not read: "
                               f"write the amount in digits 0-9, as in \"120万元\" or \"1200000\" for 壹佰贰拾万元 "
                               f"(一百二十万)")
        sign = "-" if text.startswith("-") else ""  # -¥1,200.00: the sign before the currency
        text = text.removeprefix(sign).lstrip()
        for prefix in _CURRENCY_PREFIXES:
            if text.upper().startswith(prefix):
                text = text[len(prefix):].lstrip()
        bracketed = _MONEY_RE.match(text[1:-1].strip()) if len(text) > 2 and text[0] in "(（" and text[-1] in ")）" \
            else None
        if bracketed:
            if _decimal(bracketed.group("num")) == 0:
                raise ValueProblem(f"{value!r} is in accounting brackets, which mark a negative amount: write the "
                                   f"amount without them (0)")
            raise ValueProblem(f"{value!r} is an amount in accounting brackets, a negative one; money must be zero "
                               f"or more")
        text = sign + text
        match = _MONEY_RE.match(text)
        unit = match.group("unit") if match else ""
        known = _known_unit(unit) if match else None
        if not match or (unit != "整" and known not in _UNIT_FACTORS):
            inexact = _inexact(text, "amount", "1000万")
            if inexact:  # 约1000万, ≥1000万, 1000万以上, 1000万+, 1000~2000万: a bound, a guess or a range
                raise ValueProblem(f"{value!r} {inexact}")
        if not match and text.strip().casefold() in NONE_WORDS:
            raise ValueProblem(f"{value!r} is not an amount of money: type 0 if there is none, or leave the cell "
                               f"empty if it is not known (a clause that needs it then says missing_input)")
        if not match:
            raise ValueProblem(f"{value!r} is not an amount of money{_money_hint(text)}; expected {MONEY_EXAMPLE}")
        if unit == "整":  # "120整" under 营业收入（万元）would keep its "own unit" and read as 120 yuan: never guessed
            num = match.group("num").strip()
            raise ValueProblem(f"{value!r} has 整 with no unit before it: write the unit, as on a cheque "
                               f"({num + '元整'!r} or {num + '万元整'!r}), or leave 整 out")
        if known not in _UNIT_FACTORS:
            meant = _SHORTHAND.get(unit.strip())
            num = match.group("num").strip()
            hint = f": if {unit.strip()!r} means {meant}, write {num + meant!r}" if meant else ""
            if unit.strip() in ("千万", "千万元") and _DECIMAL_TEXT.fullmatch(num):  # 3千万: ten million, said in 万
                in_wan = format((Decimal(num) * 1000).normalize(), "f")
                hint = f": 千万 (ten million) is not read; write it in 万, {in_wan}万"
            raise ValueProblem(f"{value!r} has the unknown unit {unit!r}{hint} (known: {MONEY_UNITS}); "
                               f"expected {MONEY_EXAMPLE}")
        if known and _EXPONENT.search(match.group("num")):
            raise ValueProblem(_exponent_with_unit(value, match.group("num"), unit))
        if _excel_rounded(match.group("num")) and not match.group("num").lstrip().startswith("-"):
            raise ValueProblem(_EXCEL_ROUNDED.format(value=value))
        amount = _decimal(match.group("num")) * _UNIT_FACTORS[known]
    else:
        raise ValueProblem(f"expected money, got {given(value)}; expected {MONEY_EXAMPLE}")
    if amount < 0:
        raise ValueProblem(f"{value!r} is negative; money must be zero or more")
    if amount > MAX_YUAN:
        raise ValueProblem(f"{value!r} is more than 10万亿 yuan, which no profile can hold; check the unit")
    return amount


def _known_unit(unit: str) -> str:
    """A unit as written after a number -> its key in ``_UNIT_FACTORS`` (unknown ones are returned for refusal):
    traditional 萬/億 as 万/亿; a cheque's closing 整 ("exactly") and a currency written after the unit dropped.

    >>> _known_unit("萬元"), _known_unit("亿元人民币"), _known_unit("万元整"), _known_unit("RMB"), _known_unit("k")
    ('万元', '亿元', '万元', '', 'k')
    """
    key = unit.translate(_TRADITIONAL_UNITS).removesuffix("整")
    for currency in _CURRENCY_SUFFIXES:
        if key.upper().endswith(currency):
            key = key[:-len(currency)]
            break
    return "" if key.upper() == "YUAN" else key


#: why "3.69E+09" is refused (money and counts)
_EXCEL_ROUNDED = ("{value!r} is in scientific notation as Excel saves a number shown in 科学记数 (Scientific) format, "
                  "or too long for its cell in General format: the figure was rounded to the digits shown when the "
                  "file was saved; format the column as a number (数值, 0 or 0.00) in Excel, save again and check "
                  "the figure")


def _exponent_with_unit(value: str, num: str, unit: str) -> str:
    """Why "2.5E+05万" is refused, with the same amount written without the exponent (from ``num``)."""
    try:
        plain = f"{_decimal(num).normalize():f}"
    except ValueProblem:  # pragma: no cover - the pattern matched a number
        plain = "250000"
    return (f"{value!r} combines scientific notation with the unit {unit!r} (written after the number, or given "
            f"by the column's heading, as in 营业收入（万元）); write the number without the exponent: {plain!r} "
            f"under such a heading, {plain + unit!r} anywhere; expected {MONEY_EXAMPLE}")


#: words that make a money cell a guess or a bound rather than an amount (约1000万, 1000万以上, ≥1000万)
_APPROXIMATE = ("不少于", "不低于", "不超过", "大约", "左右", "以上", "以下", "超过", "将近", "接近", "约", "近", "≥", "≤", ">",
                "<")
#: 多/余 right after a number (1000多万, 1000余万元, 150多人; not 余额, 多个); a range (1000~2000万, 100至200人)
_MORE_OR_LESS = re.compile(r"(?<=[\d.])\s*[多余]")
_RANGE = compiled_later(r"[~～]|\d\s*[万亿千元人]*\s*[至到—–]\s*\d")  # a dash is not read as one: 2024-12-31 is a date


def _inexact(text: str, what: str, example: str) -> str:
    """Why ``text`` (refused already) is not one figure, as the rest of a message, or "": a guess (约, 多),
    a bound (以上, ≥, a trailing +) or a range (1000~2000万).

    >>> _inexact("1000~2000万", "amount", "1000万"), _inexact("余额1000万", "amount", "1000万")
    ('is a range, not one amount: write the figure itself, as in "1000万", so that the result is exact', '')
    """
    rest = f'write the figure itself, as in "{example}", so that the result is exact'
    if _RANGE().search(text):
        return f"is a range, not one {what}: {rest}"
    word = next((w for w in _APPROXIMATE if w in text), None)
    more = _MORE_OR_LESS.search(text)
    if word is None and more is not None:
        word = more.group().strip()
    if word is None and text.rstrip().endswith(("+", "＋")):
        word = text.rstrip()[-1]
    return f"is not one {what} ({word!r} makes it approximate or a bound): {rest}" if word else ""
#: shorthand written in place of a unit (1000w for 1000万): named in the message, never read as that unit
_SHORTHAND = {"w": "万", "W": "万", "k": "千", "K": "千"}
_DECIMAL_TEXT = re.compile(r"\d+(\.\d+)?")


def parse_money(value: object) -> int:
    """Money input -> integer units of 1/10000 yuan; a finer amount (0.99995, 1.234567891万) is refused, never
    rounded: a CSV cell gave 1.0000 where the same number in an ``.xlsx`` cell was refused.

    >>> parse_money("0.0001"), parse_money("1.23456789万")
    (1, 123456789)
    >>> parse_money("0.99995")
    Traceback (most recent call last):
    ...
    nanchang_incentives.errors.ValueProblem: '0.99995' is 0.99995 yuan, more than 4 decimals of a yuan: amounts are exact to 1/10000 yuan; round the figure (in a spreadsheet: =ROUND(…, 2) for yuan) or type the amount meant
    """
    amount = money_decimal(value)
    units = amount * UNITS_PER_YUAN
    whole = units.to_integral_value(rounding=ROUND_HALF_UP)
    if units != whole:
        shown = repr(value) if isinstance(value, str) else str(value)
        raise ValueProblem(f"{shown} is {format(amount.normalize(), 'f')} yuan, more than 4 decimals of a yuan: "
                           f"amounts are exact to 1/10000 yuan; round the figure (in a spreadsheet: =ROUND(…, 2) "
                           f"for yuan) or type the amount meant")
    return int(whole)


RATE_EXAMPLE = '"3.45%" (also "３.４５％")'


def parse_rate(value: object) -> Fraction:
    """A rate written as a percentage string ("3.45%") -> exact Fraction.

    A bare number is refused, with the percentage it probably means: Excel
    writes a percent cell in General format as 0.031, so 0.031 suggests "3.1%".

    >>> parse_rate("50%"), parse_rate("３.４５％")
    (Fraction(1, 2), Fraction(69, 2000))
    """
    if isinstance(value, str):
        text = normalize_number_text(value)
        if text.endswith("%"):
            if "," in text:  # no rate has thousands: a decimal comma (European or a slip), never guessed
                hint = f'; did you mean "{text.replace(",", ".")}"?' if text.count(",") == 1 else ""
                raise ValueProblem(f"{value!r} has a comma; a rate is written with a decimal point{hint} "
                                   f"(expected {RATE_EXAMPLE})")
            number = _decimal(text[:-1].strip())
            if number < 0 or number > 100:
                raise ValueProblem(f"{value!r} is outside 0% … 100%")
            rate = Fraction(number) / 100
            if (rate * RATE_DENOMINATOR).denominator != 1:
                raise ValueProblem(f"{value!r} has more than four decimals after the percent point")
            return rate
        if _EXPONENT.search(text) is None and re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
            raise ValueProblem(_bare_rate(value, Decimal(text)))
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if number.is_finite() and abs(number) < 10**6:
            raise ValueProblem(_bare_rate(value, number))
    raise ValueProblem(f"expected a percentage string such as {RATE_EXAMPLE}, got {given(value)}")


def _bare_rate(value: object, number: Decimal) -> str:
    """'0.031' (a fraction) and '3.1' both suggest "3.1%"."""
    pct = number * 100 if abs(number) < 1 else number
    shown = format(pct.normalize(), "f")
    return (f"{value!r} has no percent sign; a rate is written with % — did you mean \"{shown}%\"? "
            f"(expected a percentage string such as {RATE_EXAMPLE})")


#: (1.0 / 0.0: how pandas writes a column of booleans that has an empty cell, a float column)
#: ☑ / ☐: a checkbox ticked or empty, as WPS's and Word's symbols write one (☒ is left out: ticked in some
#: forms, struck out in others)
_TRUE = {"true", "1", "1.0", "yes", "y", "是", "t", "√", "✓", "✔", "有", "对", "☑", "✅"}
_FALSE = {"false", "0", "0.0", "no", "n", "否", "f", "×", "✗", "✘", "无", "没有", "错", "☐"}
BOOL_FORMS = "true/false, 1/0, yes/no, 是/否, 有/无, √/×"
#: a letter x means no where it stands for ×, and yes where it ticks a box: never guessed
_AMBIGUOUS = {"x"}


def parse_bool(value: object) -> bool:
    """true/false (also 1/0, yes/no, 是/否, 有/无, √/×).

    >>> parse_bool("√"), parse_bool("否"), parse_bool("有"), parse_bool("1.0"), parse_bool(0.0), parse_bool("Ｙ")
    (True, False, True, True, False, True)
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        # (NFKC: a full-width Ｙ / ＴＲＵＥ, typed with a Chinese input method, is Y / TRUE)
        text = value.translate(_FULL_WIDTH).strip().lower()
        folded = unicodedata.normalize("NFKC", text)
        text = folded if folded.isascii() and folded.isalpha() else text  # (letters only: ① is no 1)
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        if text in _AMBIGUOUS:
            raise ValueProblem(f"{value!r} is ambiguous: a letter x stands for × (no) in some sheets and ticks a "
                               f"box (yes) in others; expected 是 or 否 (also √/×, true/false)")
    raise ValueProblem(f"expected true or false (also {BOOL_FORMS[len('true/false, '):]}), got {given(value)}")


COUNT_EXAMPLE = '3 (also "150人", "3个", "2项", "5家", "4台", "2套")'


#: "第2年", "第 3 个": an ordinal, which a count field cannot take as it is
_ORDINAL = re.compile(r"第\s*([0-9]+)\s*\S{0,2}")


def parse_count(value: object) -> int:
    """A whole number of things (projects, staff, events), 0 … 10,000,000.

    >>> parse_count("150人"), parse_count("１２项"), parse_count("1,200")
    (150, 12, 1200)
    """
    number: Decimal
    if isinstance(value, bool):
        raise ValueProblem(f"expected a whole number, got the boolean {str(value).lower()}")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float) and math.isfinite(value):
        number = Decimal(repr(value))
    elif isinstance(value, str) and value.strip():
        text = normalize_number_text(value)
        text = text.translate(_COUNT_TRADITIONAL)  # 2場, 3個, 2項: the same measure words in traditional characters
        suffix = next((s for s in COUNT_SUFFIXES if text.endswith(s)), "")
        if suffix:
            text = text[:-len(suffix)].rstrip()
            if _EXPONENT.search(text):
                raise ValueProblem(f"{value!r} combines scientific notation with {suffix!r}; "
                                   f"expected a whole number such as {COUNT_EXAMPLE}")
        if _excel_rounded(text):
            raise ValueProblem(_EXCEL_ROUNDED.format(value=value))
        if not re.fullmatch(_NUMBER, text):
            bare = value.strip()
            inexact = _inexact(bare, "number", "150")
            if inexact:  # 约150人, 150人以上, 150+, 100~200人: a bound, a guess or a range
                raise ValueProblem(f"{value!r} {inexact}")
            if not _NUMERAL_WORDS.isdisjoint(bare) and not any(ch.isdigit() for ch in bare):
                raise ValueProblem(f"{value!r} is written in Chinese numerals, which are not read: write the count "
                                   f"in digits 0-9, as in \"15\" for 十五")
            if bare.casefold() in NONE_WORDS:
                raise ValueProblem(f"{value!r} is not a number: type 0 if there is none, or leave the cell empty if "
                                   f"it is not known (a clause that needs it then says missing_input)")
            if ordinal := _ORDINAL.fullmatch(normalize_number_text(bare)):  # 第2年: the ordinal of a year or an item
                raise ValueProblem(f"{value!r} is an ordinal (第…): write the number alone, as in "
                                   f"\"{ordinal.group(1)}\"")
            raise ValueProblem(f"{value!r} is not a number; expected a whole number such as {COUNT_EXAMPLE}")
        number = _decimal(text)
    else:
        raise ValueProblem(f"expected a whole number such as {COUNT_EXAMPLE}, got {given(value)}")
    if number != number.to_integral_value():
        raise ValueProblem(f"expected a whole number such as {COUNT_EXAMPLE}, got {given(value)}")
    if number < 0:
        raise ValueProblem(f"{value!r} is negative; a count must be zero or more")
    if number > MAX_COUNT:
        raise ValueProblem(f"{value!r} is more than {MAX_COUNT:,}; check the value")
    return int(number)


#: the fiscal years the project computes (a profile's year, a CSV year cell, --year)
YEAR_MIN, YEAR_MAX = 1990, 2100


#: a whole date as Excel and WPS export a date cell to CSV (2024/12/31, 2024-12-31, 2024年12月31日, 2024.12.31)
#: (also with the time Excel adds to a date-time cell: 2024/12/31 0:00)
_DATE = re.compile(r"(\d{4})\s*([-/.年])\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")


#: the Chinese digits a year is written with, one character per digit (二〇二四年); 〇 also as ○ or 零
_CHINESE_DIGITS = str.maketrans({**{ch: str(d) for d, ch in enumerate("〇一二三四五六七八九")}, "○": "0", "零": "0"})
_CHINESE_YEAR = re.compile("[〇○零一二三四五六七八九]{4}")


def parse_year(value: object) -> int:
    """A fiscal year, YEAR_MIN … YEAR_MAX (also "2024年", "２０２４", and a date: its year).

    A date is read as its year, as a date cell of an .xlsx is, so that a
    workbook and its CSV export (where Excel writes the cell as 2024/12/31)
    give the same results; a date that does not exist is refused.

    >>> parse_year("2024年"), parse_year(2023), parse_year("2024/12/31"), parse_year("2025年1月1日")
    (2024, 2023, 2024, 2025)
    >>> parse_year("2024/12/31 0:00"), parse_year("二〇二四年"), parse_year("二零二五年度"), parse_year("FY2024")
    (2024, 2024, 2025, 2024)
    >>> parse_year("2024财年"), parse_year("2024 财年"), parse_year("2024財年")
    (2024, 2024, 2024)
    """
    import datetime as dt

    if isinstance(value, dt.date):  # a TOML date (datetimes are dates too)
        if value.year in EXCEL_DAY_YEARS:
            raise ValueProblem(_day_year(value.isoformat()[:10], value.year))
        value = value.year
    text = value
    if isinstance(value, str):
        date = _DATE.fullmatch(value.translate(_FULL_WIDTH).strip())
        if date:
            try:
                dt.date(int(date[1]), int(date[3]), int(date[4]))
            except ValueError:
                raise ValueProblem(f"{value!r} is not a date that exists; expected a fiscal year such as 2024 "
                                   f"(a date is read as its year)") from None
            if int(date[1]) in EXCEL_DAY_YEARS:
                raise ValueProblem(_day_year(value.strip(), int(date[1])))
            text = date[1]
        else:
            text = normalize_number_text(value)
        text = re.sub(r"^\s*(?:FY|fy|Fy)\s*-?\s*", "", text)  # FY2024, FY 2024: the fiscal year, as said
        month = re.fullmatch(r"\s*((?:19|20)\d\d)\s*(?:年|[-/]|\.(?=\s*\d+\s*月))\s*(0?[1-9]|1[0-2])\s*月?(?:份)?\s*", text)
        if month:  # 2024年1月, 2024-01: a month, whose year may or may not be the fiscal year of the figures
            raise ValueProblem(f"{value!r} is a month, not a year; expected the fiscal year the figures describe, "
                               f"such as {month[1]}")
        text = re.sub(r"\s*(?:财年|財年|财政年度|財政年度|年度|年)\s*$", "", text)  # 2024财年: as the output writes it
        if _CHINESE_YEAR.fullmatch(text.strip()):  # 二〇二四年, 二零二四: a year written digit by digit
            text = text.strip().translate(_CHINESE_DIGITS)
        if re.fullmatch(r"[+-]?\d+\.\d*[1-9]\d*", text.strip()):
            raise ValueProblem(f"{value!r} is not a whole year; expected a fiscal year such as 2024")
        if not re.fullmatch(r"[+-]?\d+(\.0*)?", text.strip()):
            raise ValueProblem(f"{value!r} is not a number; expected a fiscal year such as 2024")
        squeezed = re.fullmatch(r"((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])", text.strip())
        if squeezed:
            raise ValueProblem(f"{value!r} looks like a date written without separators; expected the fiscal year "
                               f"alone, such as {squeezed[1]}")
    try:
        year = parse_count(text)
    except ValueProblem:  # a negative or fractional number, a float: said as a year, not as a count
        year = None
    if year is not None and _EXCEL_SERIAL_MIN <= year <= _EXCEL_SERIAL_MAX:  # 45657: a date cell shown as General
        import datetime as dt

        day = dt.date(1899, 12, 30) + dt.timedelta(days=year)
        raise ValueProblem(f"{value!r} looks like an Excel date number (day {year} is {day.isoformat()}: a date cell "
                           f"saved with the General format); expected the fiscal year, such as {day.year}")
    if year is None or not YEAR_MIN <= year <= YEAR_MAX:
        raise ValueProblem(f"expected a fiscal year between {YEAR_MIN} and {YEAR_MAX} such as 2024, got {given(value)}")
    return year


#: the Excel day numbers of 1990-01-01 … 2100-12-31: a year column holding one is a date shown as a number
_EXCEL_SERIAL_MIN, _EXCEL_SERIAL_MAX = 32874, 73415


#: the years of the dates a year typed into a cell formatted as a date becomes: Excel stores 2024 as day 2024
#: after 1899-12-31, 1905-07-16, or in a workbook of the 1904 date system (date1904: Excel for Mac's, or 使用1904
#: 年日期系统 ticked) day 2024 after 1904-01-01, 1909-07-17 (no fiscal year is in them: YEAR_MIN is 1990)
EXCEL_DAY_YEARS = range(1900, 1910)
_EXCEL_DAY_YEAR = ("{value!r} is a date in 1905: a year typed into a cell formatted as a date is stored as a day of "
                   "1905 (2024 becomes 1905-07-16): format the cell as a number (or text) and type the year again; "
                   "expected a fiscal year such as 2024")
_MAC_DAY_YEAR = ("{value!r} is a date in {year}: a year typed into a cell formatted as a date is stored as a day "
                 "of {year} in a workbook that uses the 1904 date system (date1904: Excel for Mac's, or 使用1904年日期系统 "
                 "ticked; 2024 becomes 1909-07-17): format the cell as a number (or text) and type the year again; "
                 "expected a fiscal year such as 2024")


def _day_year(value: str, year: int) -> str:
    """Why a date in 1900-1909 in a year cell is refused: a year typed into a date cell, as a day of 1905 (the
    1900 date system) or of 1906-1909 (the 1904 one: 1990 … 2100 are days of 1909)."""
    return (_MAC_DAY_YEAR if year > 1905 else _EXCEL_DAY_YEAR).format(value=value, year=year)


def round_half_up_div(num: int, den: int) -> int:
    """round(num / den) with halves going up, for num >= 0, den > 0.

    >>> round_half_up_div(5, 2), round_half_up_div(7, 4), round_half_up_div(1, 3)
    (3, 2, 0)
    """
    return (2 * num + den) // (2 * den)


def format_fen(fen: int) -> str:
    """Fen -> the JSON decimal string in yuan with two places."""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def format_fen_grouped(fen: int) -> str:
    """Fen -> "1,234,567.89" for tables."""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def format_units(units: int) -> str:
    """Money units (1/10000 yuan) -> "1,234,567.89" (more places only if needed)."""
    units = int(units)
    if units % UNITS_PER_FEN == 0:
        return format_fen_grouped(units // UNITS_PER_FEN)
    whole, frac = divmod(abs(units), UNITS_PER_YUAN)
    sign = "-" if units < 0 else ""
    return f"{sign}{whole:,}.{frac:04d}".rstrip("0")


def format_rate(rate: Fraction, places: int = 0) -> str:
    """Fraction -> "3.45%" (exact, as many places as needed, at least ``places``).

    >>> format_rate(Fraction(69, 4000)), format_rate(Fraction(31, 1000), 2), format_rate(Fraction(3, 100), 2)
    ('1.725%', '3.10%', '3.00%')
    """
    pct = Fraction(rate) * 100
    if pct.denominator == 1 and places == 0:
        return f"{pct.numerator}%"
    dec = Decimal(pct.numerator) / Decimal(pct.denominator)
    text = format(dec.quantize(Decimal("0.000001")), "f").rstrip("0").rstrip(".")
    whole, _, frac = text.partition(".")
    if len(frac) < places:
        frac = frac + "0" * (places - len(frac))
    return f"{whole}.{frac}%" if frac else f"{whole}%"
