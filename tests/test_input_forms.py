"""Every accepted (and refused) way of writing a value reads the same in calc (TOML) and batch (CSV).

The README's input-forms table is generated from ``docs.INPUT_FORMS``; each row
is checked here through both paths, and hypothesis builds further forms
(units, full-width digits, suffixes, scientific notation) and checks that a TOML
profile and a CSV cell give the same value or both refuse it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nanchang_incentives import api, csvio
from nanchang_incentives import fields as F
from nanchang_incentives.batch_table import bind_header, build_chunk
from nanchang_incentives.docs import INPUT_FORMS
from nanchang_incentives.errors import InputError
from nanchang_incentives.profile import load_profile

CATALOG = api.load()
#: one field of each type to carry the forms
FIELD_OF = {F.MONEY: "revenue", F.RATE: "lpr_1y", F.BOOL: "is_new_entrant", F.COUNT: "rd_staff", F.YEAR: "year"}


def calc_value(tmp_path: Path, field: str, text: str) -> object:
    """The value a TOML profile gives ``field = "text"`` (an InputError when refused)."""
    path = tmp_path / "p.toml"
    path.write_text(f"{field} = {json.dumps(text, ensure_ascii=False)}\n", encoding="utf-8")
    try:
        return load_profile(path, CATALOG.registry).values.get(field)
    except InputError as exc:
        return exc


def batch_values(tmp_path: Path, field: str, texts: list[str]) -> list[object]:
    """The values a CSV column ``field`` gives each cell (an error message for a refused cell)."""
    path = tmp_path / "c.csv"
    body = "".join(csvio.quote_csv(t) + "\n" for t in texts)
    path.write_bytes(f"{field}\n{body}".encode())
    enc = csvio.detect_encoding(path)
    with path.open("rb") as f:
        names, start = csvio.read_header(f, enc, path)
        header = bind_header(names, CATALOG, str(path))
        out: list[object] = []
        for block in csvio.iter_blocks(f, enc, start):
            chunk = build_chunk(csvio.split_block(block, header.names), header, CATALOG, year_given=True,
                                policy_given=True)
            bad = {p.row: p.message for p in chunk.problems}
            good = iter(range(chunk.table.n))
            for row in range(block.first_row, block.first_row + len(texts)):
                out.append(bad[row] if row in bad else chunk.table.python_value(header.fields[0].name, next(good)))
    return out


@pytest.mark.parametrize("form", INPUT_FORMS, ids=lambda f: f"{f.type}-{f.example}")
def test_each_documented_form_reads_as_documented_in_calc_and_batch(tmp_path: Path, form) -> None:
    field = FIELD_OF[form.type]
    got_calc = calc_value(tmp_path, field, form.example)
    (got_batch,) = batch_values(tmp_path, field, [form.example])
    if form.value is None:
        assert isinstance(got_calc, InputError), got_calc
        assert isinstance(got_batch, str)
        assert got_calc.message == got_batch  # the same message in calc and in the errors file
    else:
        stored = form.value
        if form.type == F.BOOL:
            assert got_calc is stored and got_batch is stored
        else:
            assert got_calc == got_batch == stored


def test_refusals_name_the_accepted_forms(tmp_path: Path) -> None:
    msg = {f.example: calc_value(tmp_path, FIELD_OF[f.type], f.example).message  # type: ignore[union-attr]
           for f in INPUT_FORMS if f.value is None}
    assert "write the number without the exponent: '100000' under such a heading, '100000万' anywhere" in msg["1e5万"]
    assert "space inside the number" in msg["1 0000"] and '"10,000"' in msg["1 0000"]
    assert "ARABIC-INDIC DIGIT ONE" in msg["١٢٣"] and "0-9" in msg["١٢٣"]
    assert "千/千元" in msg["120k"] and "百万/百万元" in msg["120k"]
    assert 'did you mean "3.1%"?' in msg["0.031"]
    assert "150人" in msg["3.5"]
    assert "Chinese numerals" in msg["壹佰贰拾万元"] and '"120万元"' in msg["壹佰贰拾万元"]


def test_mathematical_digits_are_refused_not_read(tmp_path: Path) -> None:
    err = calc_value(tmp_path, "revenue", "𝟏𝟐𝟑")
    assert isinstance(err, InputError) and "MATHEMATICAL BOLD DIGIT ONE" in err.message


def test_excel_scientific_notation_is_exact_not_float(tmp_path: Path) -> None:
    # 1,234,567,890,123.4567 yuan: 17 significant digits, which a float cannot hold (it reads ...123.4568)
    assert calc_value(tmp_path, "revenue", "1.2345678901234567E+12") == 12_345_678_901_234_567


DIGITS = "0123456789"
FULL = "０１２３４５６７８９"


def _full_width(text: str) -> str:
    return text.translate(str.maketrans(DIGITS + ".,%", FULL + "．，％"))


money_forms = st.one_of(
    st.builds(lambda n, d, u: f"{n}{d}{u}", st.integers(0, 99_999), st.sampled_from(["", ".5", ".25", ".0001"]),
              st.sampled_from(["", "元", "千", "千元", "万", "万元", "百万", "百万元", "亿", "亿元", "万亿", "萬元", "億",
                               "万元整", "亿元人民币"])),
    st.builds(lambda m, e: f"{m}E+{e:02d}", st.sampled_from(["1.2", "3", "9.99", "1.23456"]), st.integers(0, 12)),
    st.builds(lambda n, u: f"{n}e{u}", st.integers(1, 99), st.sampled_from(["3万", "2亿", "1千元"])),  # refused
    st.builds(lambda n, m: f"{n} {m:04d}", st.integers(1, 99), st.integers(0, 9999)),  # refused
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(money_forms, money_forms.map(_full_width)), min_size=1, max_size=8))
def test_money_forms_parse_identically_in_calc_and_batch(tmp_path: Path, texts: list[str]) -> None:
    batch = batch_values(tmp_path, "revenue", texts)
    for text, b in zip(texts, batch):
        c = calc_value(tmp_path, "revenue", text)
        if isinstance(c, InputError):
            assert b == c.message, text
        else:
            assert b == c, text


count_forms = st.builds(lambda n, s: f"{n}{s}", st.integers(0, 99_999),
                        st.sampled_from(["", "人", "个", "项", "家", "台", "套", ".0", ".5", "e2", "e2人"]))
rate_forms = st.builds(lambda n, d, p: f"{n}{d}{p}", st.integers(0, 120), st.sampled_from(["", ".1", ".0001", ".00001"]),
                       st.sampled_from(["%", " %", ""]))
bool_forms = st.sampled_from(["true", "FALSE", "1", "0", "yes", "No", "是", "否", "有", "无", "√", "×", "maybe", "2"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from([("rd_staff", count_forms), ("lpr_1y", rate_forms), ("is_new_entrant", bool_forms)])
       .flatmap(lambda fs: st.tuples(st.just(fs[0]), st.lists(st.one_of(fs[1], fs[1].map(_full_width)),
                                                               min_size=1, max_size=6))))
def test_count_rate_and_bool_forms_parse_identically_in_calc_and_batch(tmp_path: Path, case) -> None:
    field, texts = case
    batch = batch_values(tmp_path, field, texts)
    for text, b in zip(texts, batch):
        c = calc_value(tmp_path, field, text)
        if isinstance(c, InputError):
            assert b == c.message, text
        else:
            assert b == c, text


def test_forms_table_values_are_exact_decimals() -> None:
    # the documented values are the exact decimal reading of the examples (no binary float anywhere)
    form = next(f for f in INPUT_FORMS if f.example == "12.5百万")
    assert form.value == int(Decimal("12.5") * 1_000_000 * 10_000)
