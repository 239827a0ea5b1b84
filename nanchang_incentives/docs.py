"""The README's generated parts: the field reference and the table of accepted input forms.

Both come from data (the field registry; ``INPUT_FORMS`` below, which the
tests also parse through ``calc`` and ``batch``), so the README cannot drift
from the code. Regenerate with::

    python -m nanchang_incentives.docs README.md
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from . import fields as F
from .money import RATE_DENOMINATOR, format_rate
from .policy import Catalog, load_catalog

FIELDS_START, FIELDS_END = "<!-- field-reference:start -->", "<!-- field-reference:end -->"
FORMS_START, FORMS_END = "<!-- input-forms:start -->", "<!-- input-forms:end -->"


@dataclass(frozen=True)
class InputForm:
    """One accepted (or refused) way of writing a value, with an example and the value it gives."""

    type: str  # a field type (fields.MONEY …)
    form: str
    example: str  # as typed in a CSV cell, or as a TOML string
    #: the stored value (money in 1/10000 yuan, rates in 1/1,000,000) or None when the example is refused
    value: object


Y = 10_000  # money units per yuan
INPUT_FORMS: tuple[InputForm, ...] = (
    InputForm(F.MONEY, "yuan, plain or with thousands separators", "1,200,000", 1_200_000 * Y),
    InputForm(F.MONEY, "decimals (exact to 1/10000 yuan)", "1234.56", 12_345_600),
    InputForm(F.MONEY, "元", "3500元", 3500 * Y),
    InputForm(F.MONEY, "千 / 千元 (×1,000)", "3500千元", 3_500_000 * Y),
    InputForm(F.MONEY, "万 / 万元 (×10,000)", "120万", 1_200_000 * Y),
    InputForm(F.MONEY, "百万 / 百万元 (×1,000,000)", "12.5百万", 12_500_000 * Y),
    InputForm(F.MONEY, "亿 / 亿元 (×100,000,000)", "2.5亿元", 250_000_000 * Y),
    InputForm(F.MONEY, "万亿 / 万亿元 (×1,000,000,000,000)", "1.2万亿", 1_200_000_000_000 * Y),
    InputForm(F.MONEY, "traditional 萬 / 億 (萬元, 億元, 萬億 …)", "1.2億", 120_000_000 * Y),
    InputForm(F.MONEY, "traditional 萬元", "500萬元", 5_000_000 * Y),
    InputForm(F.MONEY, "¥ / ￥ / CNY / RMB before the number", "¥120万", 1_200_000 * Y),
    InputForm(F.MONEY, "人民币 before the number", "人民币1.2亿", 120_000_000 * Y),
    InputForm(F.MONEY, "人民币 / RMB / CNY after the unit", "1.2亿元人民币", 120_000_000 * Y),
    InputForm(F.MONEY, "整 (a cheque's \"exactly\") after the unit", "120万元整", 1_200_000 * Y),
    InputForm(F.MONEY, "scientific notation as a program writes it (Java, Spark: exact, no unit)", "3.685E9",
              3_685_000_000 * Y),
    InputForm(F.MONEY, "scientific notation in lower case (R's write.csv, printf's %e: exact, no unit)", "3.2e+09",
              3_200_000_000 * Y),
    InputForm(F.MONEY, "full-width digits, ，and ．", "１，２００．５万", 12_005_000 * Y),
    InputForm(F.MONEY, "a space between the number and its unit", "120 万", 1_200_000 * Y),
    InputForm(F.MONEY, "refused: scientific notation with a unit", "1e5万", None),
    InputForm(F.MONEY, "refused: scientific notation as Excel saves it, E+NN with at most 15 digits (科学记数 "
                       "format, or General for a number too long for its cell: rounded to the digits shown before "
                       "it was saved)", "3.69E+09", None),
    InputForm(F.MONEY, "refused: a space inside the number", "1 0000", None),
    InputForm(F.MONEY, "refused: digits of other scripts (Arabic-Indic, mathematical …)", "١٢٣", None),
    InputForm(F.MONEY, "refused: other units, negative amounts, above 10万亿 (1000w, 50k and 3千万 get the form "
              "to write: 1000万, 50千, 3000万)", "120k", None),
    InputForm(F.MONEY, "refused: a guess, a bound or a range (约, 1000多万, 以上, ≥, a trailing +, 1000~2000万, 1000至2000万): the error asks for the "
              "figure itself", "约1000万", None),
    InputForm(F.MONEY, "refused: Chinese numerals in words (大写 壹佰贰拾, 一百二十): the error says to write digits",
              "壹佰贰拾万元", None),
    InputForm(F.MONEY, "refused: 整 with no unit before it (under a 营业收入（万元） heading it would read as yuan)",
              "25000整", None),
    InputForm(F.RATE, "percent", "3.45%", 34_500),
    InputForm(F.RATE, "full-width digits and ％", "３.４５％", 34_500),
    InputForm(F.RATE, "refused: a bare fraction (Excel's 0.031 for 3.1%): the error suggests \"3.1%\"", "0.031",
              None),
    InputForm(F.BOOL, "true / false, 1 / 0, yes / no", "yes", True),
    InputForm(F.BOOL, "是 / 否", "否", False),
    InputForm(F.BOOL, "有 / 无", "有", True),
    InputForm(F.BOOL, "√ / ×", "×", False),
    InputForm(F.BOOL, "对 / 错", "错", False),
    InputForm(F.BOOL, "1.0 / 0.0 (pandas' booleans in a column with an empty cell)", "1.0", True),
    InputForm(F.BOOL, "refused: a letter x (× for no in some sheets, a ticked box in others)", "x", None),
    InputForm(F.COUNT, "a whole number", "150", 150),
    InputForm(F.COUNT, "with 人 / 名 / 位 / 个 / 项 / 家 / 台 / 套", "150人", 150),
    InputForm(F.COUNT, "with 场 / 次 / 件 / 款 (events, times, items, products)", "1场", 1),
    InputForm(F.COUNT, "full-width digits", "１２项", 12),
    InputForm(F.COUNT, "scientific notation as a program writes it (exact, no suffix)", "1.5E2", 150),
    InputForm(F.COUNT, "refused: scientific notation as Excel saves it (rounded to the digits shown)", "1.5E+02",
              None),
    InputForm(F.COUNT, "refused: a fraction of a thing", "3.5", None),
    InputForm(F.YEAR, "a year, also with 年", "2024年", 2024),
    InputForm(F.YEAR, "a fiscal year as said: 年度, 财年 (as the output writes it), FY", "2024财年", 2024),
    InputForm(F.YEAR, "a year in Chinese digits, one per digit (〇 also ○ or 零)", "二〇二四年度", 2024),
    InputForm(F.YEAR, "a date (as Excel exports a date cell, or 2024-12-31, 2024年12月31日): its year, as a "
              "date cell of an .xlsx", "2024/12/31", 2024),
    InputForm(F.YEAR, "a date with Excel's time of day", "2024/12/31 0:00", 2024),
    InputForm(F.YEAR, "refused: a date that does not exist", "2024/2/30", None),
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def field_reference(catalog: Catalog) -> str:
    """The Markdown of the field reference: one table per declaring policy, Chinese names included."""
    groups: dict[str, list[F.Field]] = {}
    for f in catalog.registry.fields.values():
        groups.setdefault(f.declared_by, []).append(f)
    out: list[str] = []
    for owner in ["general"] + sorted(k for k in groups if k != "general"):
        if owner not in groups:
            continue
        out.append("**General (SPEC §4)**" if owner == "general" else f"**{owner}**")
        out.append("")
        out.append("| field | 中文名 (also accepted) | type | meaning |")
        out.append("|---|---|---|---|")
        for f in groups[owner]:
            ftype = f.type + (f" (default: `{f.default}`)" if f.default else "")
            names = f.zh if f.zh != f.name else ""
            others = [a for a in f.aliases if a != names]
            if others:
                names += " (" + ", ".join(others) + ")"
            out.append(f"| `{f.name}` | {_cell(names)} | {ftype} | {_cell(f.title)} |")
        out.append("")
    return "\n".join(out)


def input_forms() -> str:
    """The Markdown table of every accepted (and refused) way of writing a value."""
    out = ["| type | form | example | reads as |", "|---|---|---|---|"]
    for form in INPUT_FORMS:
        if form.value is None:
            shown = "error"
        elif form.type == F.MONEY:
            shown = f"{form.value // Y:,}" + (f".{form.value % Y:04d}".rstrip("0") if form.value % Y else "") + " yuan"  # type: ignore[operator]
        elif form.type == F.RATE:
            shown = format_rate(Fraction(int(form.value), RATE_DENOMINATOR))  # type: ignore[call-overload]
        else:
            shown = str(form.value).lower()
        out.append(f"| {form.type} | {_cell(form.form)} | `{form.example}` | {shown} |")
    return "\n".join(out) + "\n"


def replace_between(text: str, start: str, end: str, body: str) -> str:
    """``text`` with everything between the markers replaced by ``body``."""
    i, j = text.index(start) + len(start), text.index(end)
    return text[:i] + "\n" + body + "\n" + text[j:]


def render_readme(text: str, catalog: Catalog) -> str:
    text = replace_between(text, FIELDS_START, FIELDS_END, field_reference(catalog))
    return replace_between(text, FORMS_START, FORMS_END, input_forms())


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0] if args else "README.md")
    text = path.read_text(encoding="utf-8")
    new = render_readme(text, load_catalog())
    if new != text:
        path.write_text(new, encoding="utf-8")
        print(f"{path}: field reference and input forms regenerated")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
