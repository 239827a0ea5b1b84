"""Hostile policy files: refused by `validate` and by loading, quickly and in little memory.

A policy table is data written by someone else. Whatever it contains, loading
it must never run code, never take more than a moment or a few megabytes, and
never end in anything but the project's own ``PolicyError`` (``validate``: a
report with errors, exit 1).
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nanchang_incentives.cli import app
from nanchang_incentives.errors import PolicyError
from nanchang_incentives.policy import (
    load_catalog,
    load_general_fields,
    load_policy,
    load_references,
    package_policies_dir,
    validate_policy,
)

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "policies" / "hostile"
GENERAL = load_general_fields(package_policies_dir())
REFERENCES = load_references(package_policies_dir())
SECONDS = 1.0
MEGABYTES = 64

HEAD = """[policy]
id = "hostile"
title_zh = "恶意"
jurisdiction = "hostile"
valid_from = 2024-01-01
industries = ["x"]
"""


def clause(**keys: str) -> str:
    """A [[clauses]] entry; values are TOML literals."""
    body = {"id": '"c"', "section": '"一"', "basis": '"exact"', "quote": '"q"', **keys}
    return "[[clauses]]\n" + "".join(f"{k} = {v}\n" for k, v in body.items())


def toml_str(text: str) -> str:
    """A TOML basic string (control characters escaped)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(f"\\u{ord(ch):04x}" if ord(ch) < 32 else ch for ch in escaped) + '"'


def expr_clause(key: str, expression: str) -> str:
    """A clause whose ``key`` (conditions, base or rate) is the hostile expression."""
    if key == "conditions":
        return clause(conditions=f"[{toml_str(expression)}]", fixed='"1元"')
    if key == "base":
        return clause(base=toml_str(expression), rate='"10%"')
    return clause(base='"revenue"', rate=toml_str(expression))


#: (name, where, expression, a piece of the expected message)
EXPRESSIONS = [
    ("import", "conditions", "__import__('os').system('touch PWNED') == 0", "is not allowed"),
    ("eval", "conditions", "eval('1') == 1", "calling 'eval' is not allowed"),
    ("open", "base", "open('/etc/passwd')", "calling 'open' is not allowed"),
    ("attribute", "base", "revenue.real", "(Attribute) is not allowed"),
    ("dunder attribute", "conditions", "revenue.__class__.__mro__ == 1", "(Attribute) is not allowed"),
    ("dunder name", "rate", "__builtins__", "names may not start with '_'"),
    ("private name", "base", "_secret", "names may not start with '_'"),
    ("subscript", "base", "industries[0]", "(Subscript) is not allowed"),
    ("lambda", "base", "(lambda: 1)()", "is not allowed"),
    ("walrus", "conditions", "(x := 1) > 0", "(NamedExpr) is not allowed"),
    ("comprehension", "base", "max([x for x in industries])", "(ListComp) is not allowed"),
    ("starred", "base", "max(*industries)", "(Starred) is not allowed"),
    ("keyword argument", "base", "max(revenue, key=1)", "takes 1 to 8 plain arguments"),
    ("string", "conditions", "'a' == 'a'", "only numbers are allowed"),
    ("None", "base", "None", "only numbers are allowed"),
    ("ellipsis", "base", "...", "only numbers are allowed"),
    ("power", "rate", "9 ** 9 ** 9", "(BinOp) is not allowed"),
    ("shift", "base", "revenue << 100000", "(BinOp) is not allowed"),
    ("huge exponent literal", "conditions", "revenue >= 1e99999999", "too large"),
    ("tiny exponent literal", "rate", "1e-99999999", "too large or too small"),
    ("long literal", "base", "9" * 30, "too large"),
    ("division by zero", "base", "revenue / 0", "non-zero constant"),
    ("division by a field", "base", "revenue / rd_staff", "only by a non-zero constant"),
    ("chained comparison", "conditions", "1 < revenue < 3", "chained comparisons"),
    ("null byte", "base", "revenue\x00", "cannot parse"),
    ("deep negation", "base", "-" * 20 + "revenue", "nested too deeply"),
    ("deep not", "conditions", "not " * 40 + "is_new_entrant", "nested too deeply"),
    ("deep parentheses", "base", "(" * 300 + "revenue" + ")" * 300, "characters long"),
    ("many nodes", "base", "1+" * 100 + "revenue", "too complex"),
    ("very long", "base", "revenue + " * 20_000 + "revenue", "characters long"),
    ("unknown field", "base", "revenu", 'did you mean "revenue"'),
    ("money times money", "base", "revenue * revenue", "multiplies money by money"),
    ("absurd multiplier", "base", "revenue * 10000000000000000 * 10000000000000000", "can reach"),
    ("constant rate of 10^224", "rate", "1" + " * 9999999999999999" * 14, "is more than 1000%"),
]


def _call(fn):
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - the caller checks the type
        return exc


def _bounded(fn):
    """Run fn twice: timed (seconds), then under tracemalloc (peak MB); return both and the outcome."""
    start = time.perf_counter()
    outcome = _call(fn)
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    try:
        _call(fn)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return elapsed, peak / 1e6, outcome


def _assert_refused(path: Path, expected: str, tmp_path: Path) -> None:
    elapsed, peak, report = _bounded(lambda: validate_policy(path, GENERAL, REFERENCES))
    assert elapsed < SECONDS and peak < MEGABYTES, (elapsed, peak)
    assert not report.ok and report.policy is None
    assert any(expected in p.message for p in report.errors), [str(p) for p in report.errors]
    elapsed, peak, outcome = _bounded(lambda: load_policy(path, GENERAL, REFERENCES))
    assert elapsed < SECONDS and peak < MEGABYTES, (elapsed, peak)
    assert isinstance(outcome, PolicyError), repr(outcome)
    assert outcome.location.file == str(path)
    assert not (tmp_path / "PWNED").exists() and not Path("PWNED").exists()


@pytest.mark.parametrize(("where", "expression", "expected"), [pytest.param(*e[1:], id=e[0]) for e in EXPRESSIONS])
def test_hostile_expression_is_refused(tmp_path: Path, where: str, expression: str, expected: str) -> None:
    path = tmp_path / "hostile.toml"
    path.write_text(HEAD + expr_clause(where, expression), encoding="utf-8")
    _assert_refused(path, expected, tmp_path)


FIELDS = [
    ("default loop", '[fields.a]\ntype = "money"\ndefault = "b"\n[fields.b]\ntype = "money"\ndefault = "a"\n',
     clause(base='"a"', rate='"10%"'), "defaults go round in a loop: a -> b -> a"),
    ("self default", '[fields.a]\ntype = "money"\ndefault = "a"\n', clause(base='"a"', rate='"10%"'),
     "defaults go round in a loop: a -> a"),
    ("default of another type", '[fields.a]\ntype = "money"\ndefault = "is_new_entrant"\n',
     clause(base='"a"', rate='"10%"'), "is money but its default 'is_new_entrant' is bool"),
    ("unknown reference series", '[fields.r]\ntype = "rate"\ndefault = "reference:lpr_10y"\n',
     clause(base='"revenue"', rate='"r"'), "unknown reference series 'lpr_10y'"),
    ("reference default on money", '[fields.m]\ntype = "money"\ndefault = "reference:lpr_1y"\n',
     clause(base='"m"', rate='"10%"'), "a reference default is for rate fields"),
    ("default that is not text", '[fields.m]\ntype = "money"\ndefault = 5\n',
     clause(base='"m"', rate='"10%"'), "default must be text"),
    ("dunder field name", '[fields.__class__]\ntype = "money"\n', clause(fixed='"1元"'),
     "must be lower_snake_case"),
    ("general field retyped", '[fields.revenue]\ntype = "bool"\n', clause(fixed='"1元"'),
     "already declared as money"),
]


@pytest.mark.parametrize(("fields", "clauses", "expected"), [pytest.param(*f[1:], id=f[0]) for f in FIELDS])
def test_hostile_field_declarations_are_refused(tmp_path: Path, fields: str, clauses: str, expected: str) -> None:
    path = tmp_path / "hostile.toml"
    path.write_text(HEAD + fields + clauses, encoding="utf-8")
    _assert_refused(path, expected, tmp_path)


def _many(n: int, text: str) -> str:
    return "".join(text.replace("#", str(i)) for i in range(n))


STRUCTURES = [
    ("deep TOML arrays", HEAD + "[[clauses]]\nid = \"c\"\nconditions = " + "[" * 5000 + "]" * 5000 + "\n",
     "nested too deeply"),
    ("deep TOML inline tables", HEAD + "x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n", "nested too deeply"),
    ("integer of 5000 digits", HEAD + clause(fixed="9" * 5000), "a number is too long"),
    ("file over 1 MB", HEAD + "# " + "x" * 1_100_000 + "\n" + clause(fixed='"1元"'), "is larger than 1,000,000 bytes"),
    ("two thousand clauses", HEAD + _many(2_000, '[[clauses]]\nid = "c#"\n'), "at most 300 are allowed"),
    ("two thousand conditions", HEAD + clause(conditions="[" + ", ".join(['"revenue > 0"'] * 2_000) + "]",
                                              fixed='"1元"'), "at most 50 are allowed"),
    ("two thousand fields", HEAD + _many(2_000, '[fields.f#]\ntype = "money"\n') + clause(fixed='"1元"'),
     "at most 300 are allowed"),
    ("two thousand groups", HEAD + clause(fixed='"1元"') + _many(2_000, '[[groups]]\nid = "g#"\n'),
     "at most 100 are allowed"),
    ("a group of itself", HEAD + clause(fixed='"1元"', group='"g"') + '[[groups]]\nid = "g"\nclauses = ["g", "c"]\n',
     "names the unknown clause 'g'"),
    ("clauses as a string", HEAD + 'clauses = "rm -rf /"\n', "at least one [[clauses]]"),
    ("groups as numbers", "groups = [1, 2]\n" + HEAD + clause(fixed='"1元"'), "must be a table"),
    ("company cap as a list", "company_cap = [1]\n" + HEAD + clause(fixed='"1元"'), "company_cap must be a table"),
    ("notices as text", 'notices = "x"\n' + HEAD + clause(fixed='"1元"'), "notices must be"),
    ("policy as a number", "policy = 1\n" + clause(fixed='"1元"'), "missing the [policy] table"),
    ("negative cap", HEAD + clause(base='"revenue"', rate='"10%"', cap='"-1"'), "negative"),
    ("infinite cap", HEAD + clause(base='"revenue"', rate='"10%"', cap="inf"), "not a finite amount"),
    ("NaN fixed", HEAD + clause(fixed="nan"), "not a finite amount"),
    ("negative rate", HEAD + clause(base='"revenue"', rate='"-5%"'), "is negative"),
    ("rate without %", HEAD + clause(base='"revenue"', rate='"50"'), 'write a share with % (e.g. "50%")'),
    ("a bound beyond any float", HEAD + clause(base=toml_str("revenue" + " * 9999999999999999" * 14),
                                               rate=toml_str("rd_staff" + " * 9999999999999999" * 14)),
     "can reach about 1e+467 yuan"),
    ("not UTF-8", None, "is not UTF-8"),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(*s[1:], id=s[0]) for s in STRUCTURES])
def test_hostile_structure_is_refused(tmp_path: Path, text: str | None, expected: str) -> None:
    path = tmp_path / "hostile.toml"
    if text is None:
        path.write_bytes(b"\xff\xfe[policy]\n\x00\x00")
    else:
        path.write_text(text, encoding="utf-8")
    _assert_refused(path, expected, tmp_path)


@pytest.mark.parametrize("path", sorted(HOSTILE.glob("*.toml")), ids=lambda p: p.stem)
def test_hostile_fixture_files_are_refused_by_validate_and_by_loading(path: Path, tmp_path: Path) -> None:
    _assert_refused(path, "", tmp_path)
    result = CliRunner().invoke(app, ["policies", "validate", str(path)], env={"INCENTIVES_POLICIES_DIR": ""})
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert not Path("/tmp/incentives-pwned").exists()


def test_a_hostile_table_in_a_policies_dir_stops_calc_with_a_message(tmp_path: Path) -> None:
    (tmp_path / "hostile.toml").write_text((HOSTILE / "code-injection.toml").read_text(encoding="utf-8"),
                                           encoding="utf-8")
    with pytest.raises(PolicyError, match="is not allowed"):
        load_catalog([tmp_path])
    profile = tmp_path.parent / f"{tmp_path.name}-company.toml"
    profile.write_text('jurisdiction = "nanchang"\nyear = 2024\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["calc", str(profile), "--policies-dir", str(tmp_path)],
                                env={"INCENTIVES_POLICIES_DIR": ""})
    assert result.exit_code == 1
    assert "hostile.toml:20" in result.output and "is not allowed" in result.output


def test_device_files_are_refused_before_reading() -> None:
    zero = Path("/dev/zero")
    if not zero.exists():  # pragma: no cover - not a POSIX system
        pytest.skip("no /dev/zero")
    elapsed, peak, report = _bounded(lambda: validate_policy(zero, GENERAL, REFERENCES))
    assert elapsed < SECONDS and peak < MEGABYTES
    assert report.errors[0].message == ("is a character device, not a regular file; expected a policy table "
                                        "saved as a .toml file")
