"""Fuzzing the parsers: whatever the input, the only failure is the project's own error with a message.

Money strings, the scalar parsers, profile TOML (raw text and structured
values), CSV files through ``batch``, policy TOML (raw text and mutations of
the real tables) and cases files. Each test asserts that a call either returns
a well-formed value or raises an ``IncentivesError`` (``InputError``,
``PolicyError``, ``ValueProblem``) whose message is not empty; any other
exception (``KeyError``, ``TypeError``, ``RecursionError``…) fails the test.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nanchang_incentives import api
from nanchang_incentives import cases as C
from nanchang_incentives.batch import BatchOptions, run_batch
from nanchang_incentives.engine import Options
from nanchang_incentives.errors import IncentivesError, InputError, PolicyError, ValueProblem
from nanchang_incentives.money import (
    MAX_UNITS,
    UNITS_PER_YUAN,
    parse_bool,
    parse_count,
    parse_money,
    parse_rate,
    parse_year,
)
from nanchang_incentives.policy import (
    load_catalog,
    load_general_fields,
    load_policy,
    load_references,
    package_policies_dir,
    validate_policy,
)
from nanchang_incentives.profile import load_profile, parse_values

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog()
GENERAL = load_general_fields(package_policies_dir())
REFERENCES = load_references(package_policies_dir())
NANCHANG = ROOT / "policies" / "nanchang-electronic-information-2023.toml"
TABLES = sorted(p for p in (ROOT / "policies").glob("*.toml") if p.name != "fields.toml")
FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
FEW = settings(max_examples=40, deadline=None, derandomize=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def own_error(exc: BaseException) -> None:
    """The exception must be ours and say something."""
    assert isinstance(exc, IncentivesError), f"{type(exc).__name__}: {exc}"
    assert str(exc).strip()


def outcome(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - checked here
        own_error(exc)
        return exc


# ---------------------------------------------------------------- scalar values

MONEY_PIECES = ["1", "0", "12", "3.5", ",", "000", ".", "-", "+", "e", "E", "9", "万", "亿", "元", "万元", "亿元",
                "¥", "￥", "RMB", "CNY", " ", "\u00a0", "，", "%", "nan", "inf", "Infinity", "0x1", "1_000", "１",
                "٣", "e999999999", "e-99999", "\x00", "🙂", "万万", "'", '"']


def money_like() -> st.SearchStrategy:
    return st.lists(st.sampled_from(MONEY_PIECES), max_size=8).map("".join)


ANY_VALUE = st.one_of(
    st.text(max_size=40), money_like(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.none(), st.decimals(allow_nan=True, allow_infinity=True),
    st.lists(st.integers(), max_size=3), st.dates(), st.binary(max_size=8),
)


@FUZZ
@given(ANY_VALUE)
def test_parse_money_returns_units_in_range_or_says_why(value) -> None:
    result = outcome(parse_money, value)
    if not isinstance(result, Exception):
        assert isinstance(result, int) and 0 <= result <= MAX_UNITS


@FUZZ
@given(st.decimals(min_value=0, max_value=10**12, places=4, allow_nan=False),
       st.sampled_from([("", 1), ("元", 1), ("万", 10_000), ("万元", 10_000), ("亿", 10**8), ("亿元", 10**8)]))
def test_parse_money_is_exact_for_every_decimal_and_unit(amount: Decimal, unit: tuple[str, int]) -> None:
    suffix, factor = unit
    expected = amount * factor * UNITS_PER_YUAN
    assume(expected == expected.to_integral_value() and amount * factor <= 10**13)
    assert parse_money(f"{amount}{suffix}") == int(expected)
    assert parse_money(f"{amount:,f}{suffix}") == int(expected)  # with thousands separators


@FUZZ
@given(ANY_VALUE)
def test_the_other_scalar_parsers_fail_only_with_their_own_error(value) -> None:
    for parser in (parse_rate, parse_bool, parse_count, parse_year):
        result = outcome(parser, value)
        if isinstance(result, Exception):
            assert isinstance(result, ValueProblem)


@FUZZ
@given(st.dictionaries(st.sampled_from(sorted(CATALOG.registry.fields) + ["revenu", "Revenue", "x" * 60, ""]),
                       st.one_of(ANY_VALUE, st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)),
                       max_size=6),
       st.booleans())
def test_profile_values_typed_or_input_error(raw: dict, csv: bool) -> None:
    result = outcome(parse_values, raw, CATALOG.registry, csv=csv)
    if isinstance(result, Exception):
        assert isinstance(result, InputError)


# ---------------------------------------------------------------- profile TOML


def toml_value(v) -> str:
    """A TOML literal for a generated value."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + "}"
    text = str(v).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(f"\\u{ord(c):04x}" if ord(c) < 32 or ord(c) == 127 else c for c in text) + '"'


def toml_key(k: str) -> str:
    return k if k and all(c.isalnum() or c in "_-" for c in k) and k.isascii() else toml_value(k)


TOML_SCALAR = st.one_of(st.integers(-(10**30), 10**30), st.floats(), st.booleans(), st.text(max_size=20),
                        money_like(), st.dates())
TOML_VALUE = st.recursive(TOML_SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=2)), max_leaves=6)
FIELD_NAMES = st.sampled_from(sorted(CATALOG.registry.fields) + ["revenu", "is_listd", "年份"])


@FUZZ
@given(st.dictionaries(FIELD_NAMES, TOML_VALUE, max_size=8))
def test_profile_toml_loads_and_calculates_or_says_why(tmp_path_factory, values: dict) -> None:
    path = tmp_path_factory.mktemp("p") / "company.toml"
    path.write_text("\n".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in values.items()) + "\n",
                    encoding="utf-8")
    profile = outcome(load_profile, path, CATALOG.registry)
    if isinstance(profile, Exception):
        assert isinstance(profile, InputError) and profile.location.file == str(path)
        return
    result = outcome(lambda: api.calculate(profile, api.policies_for(profile, CATALOG, ()), CATALOG,
                                           Options(ignore_validity=True)))
    if not isinstance(result, Exception):
        assert all(r.total >= 0 for r in result)


TOML_NOISE = ["=", "[", "]", "[[", "]]", '"', "'", '"""', "\n", "#", "{", "}", ",", ".", "year", "revenue",
              " = ", "2024", "1e999", "9" * 5000, "\\u0000", "inf", "[[[[[[[[[[", "1979-05-27", "true", "万", "\x00"]


@FUZZ
@given(st.one_of(st.text(max_size=200), st.lists(st.sampled_from(TOML_NOISE), max_size=30).map("".join)),
       st.binary(max_size=4))
def test_profile_raw_text_is_loaded_or_refused(tmp_path_factory, text: str, prefix: bytes) -> None:
    path = tmp_path_factory.mktemp("p") / "company.toml"
    path.write_bytes(prefix + text.encode("utf-8", "surrogatepass"))
    result = outcome(load_profile, path, CATALOG.registry)
    if isinstance(result, Exception):
        assert isinstance(result, InputError)


# ---------------------------------------------------------------- CSV through batch

CELLS = st.one_of(money_like(), st.text(max_size=12), st.sampled_from(
    ["", "2024", "nanchang", "electronic-information;led", "是", "否", "1", "0", "yes", "3.45%", "1e999",
     '"quoted, with comma"', "120万;30万", "-5", "NaN", "\r", '"', "\ufeff"]))
CSV_FIELDS = ["year", "jurisdiction", "industries", "revenue", "revenue_prev", "local_project_loans", "neeq_listed",
              "smart_factory_investments", "lpr_1y", "rd_staff", "name", "revenu", ""]


def csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n\r') else text


@FEW
@given(st.lists(st.sampled_from(CSV_FIELDS), min_size=1, max_size=6),
       st.lists(st.lists(CELLS, max_size=7), max_size=6), st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_csv_rows_are_computed_or_reported(tmp_path_factory, header: list[str], rows: list[list[str]],
                                           encoding: str) -> None:
    folder = tmp_path_factory.mktemp("b")
    source = folder / "in.csv"
    text = "\n".join(",".join(csv_cell(c) for c in row) for row in [header, *rows]) + "\n"
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    source.write_bytes(data)
    options = BatchOptions(policy_ids=("nanchang-electronic-information-2023",), year=2024)
    report = outcome(run_batch, source, folder / "out.csv", CATALOG, options, errors_path=folder / "bad.csv")
    if not isinstance(report, Exception):
        assert report.good_rows + report.bad_rows == report.rows


# ---------------------------------------------------------------- policy TOML


def check_policy_file(path: Path) -> None:
    report = outcome(validate_policy, path, GENERAL, REFERENCES, CATALOG)
    assert not isinstance(report, Exception), "validate must report, not raise"
    assert all(p.message and p.location.file == str(path) for p in report.problems)
    loaded = outcome(load_policy, path, GENERAL, REFERENCES)
    if isinstance(loaded, Exception):
        assert isinstance(loaded, PolicyError)
        assert not report.ok, "load refused what validate accepted"
    else:
        assert report.ok, "validate refused what load accepted"


@FUZZ
@given(st.one_of(st.text(max_size=300), st.lists(st.sampled_from(TOML_NOISE + [
    "[policy]", "[[clauses]]", "[[groups]]", "[company_cap]", "[fields.x]", "id", "basis", "base", "rate", "cap",
    "conditions", "exact", "up_to", "valid_from = 2024-01-01", "type", "money"]), max_size=40).map("".join)))
def test_policy_raw_text_is_reported_never_raised(tmp_path_factory, text: str) -> None:
    path = tmp_path_factory.mktemp("pol") / "p.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    check_policy_file(path)


REPLACEMENTS = st.one_of(
    st.sampled_from(['"x"', "1", "-1", "0", "1e400", "true", "[]", "[1, 2]", "{}", '{ test = 1 }', "2024-01-01",
                     '"revenue >= 1亿"', '"revenu"', '"1 +"', '"__import__(1)"', '"-5万"', '"100%"', '"item"',
                     '["a", "a"]', '"rd"', '"reference:nope"', '"exactly"', "nan", '""']),
    st.text(max_size=10).map(toml_value),
)


@st.composite
def mutated_table(draw) -> str:
    """A real policy table with a few lines deleted, duplicated or given another value."""
    lines = draw(st.sampled_from(TABLES)).read_text(encoding="utf-8").splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "value", "key", "swap"]))
        line = lines[i]
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, line)
        elif action == "value" and " = " in line:
            lines[i] = line.split(" = ", 1)[0] + " = " + draw(REPLACEMENTS)
        elif action == "key" and " = " in line:
            key = draw(st.sampled_from(["idd", "basis", "group", "cap", "items", "default", "type", "clauses",
                                        "excludes", "limit", "valid_until", "x"]))
            lines[i] = key + " = " + line.split(" = ", 1)[1]
        elif action == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        if not lines:
            break
    return "\n".join(lines) + "\n"


@FUZZ
@given(mutated_table())
def test_mutated_policy_tables_are_reported_never_raised(tmp_path_factory, text: str) -> None:
    path = tmp_path_factory.mktemp("pol") / "p.toml"
    path.write_text(text, encoding="utf-8")
    check_policy_file(path)


@FEW
@given(mutated_table())
def test_a_mutated_table_that_loads_still_computes(tmp_path_factory, text: str) -> None:
    folder = tmp_path_factory.mktemp("dir")
    (folder / "p.toml").write_text(text, encoding="utf-8")
    catalog = outcome(load_catalog, [folder])
    if isinstance(catalog, Exception):
        return
    for policy in catalog.policies.values():
        for sample in sorted((ROOT / "samples").glob("*.toml")):
            profile = outcome(api.load_company, sample, catalog)
            if isinstance(profile, Exception):
                continue
            outcome(api.calculate, profile, [policy], catalog, Options(year=2024, ignore_validity=True))


# ---------------------------------------------------------------- cases files

CASES_TEXT = (ROOT / "policies" / "nanchang-electronic-information-2023.cases.toml").read_text(encoding="utf-8")


@FUZZ
@given(st.data())
def test_mutated_cases_files_load_and_run_or_say_why(tmp_path_factory, data: st.DataObject) -> None:
    lines = CASES_TEXT.splitlines()
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(lines) - 1))
        if " = " in lines[i] and data.draw(st.booleans()):
            lines[i] = lines[i].split(" = ", 1)[0] + " = " + data.draw(REPLACEMENTS)
        else:
            del lines[i]
    path = tmp_path_factory.mktemp("c") / "nanchang-electronic-information-2023.cases.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = outcome(C.load_cases, path)
    if isinstance(loaded, Exception):
        assert isinstance(loaded, InputError)
        return
    for o in C.run_file(loaded, CATALOG):  # a run never raises: errors become mismatches
        assert all(m.what and m.got is not None for m in o.mismatches)
