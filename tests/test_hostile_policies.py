"""Hostile policy files: refused by `validate` and by loading, quickly and in little memory.

A policy table is data written by someone else. Whatever it contains, loading
it must never run code, never take more than a moment or a few megabytes, and
never end in anything but the project's own ``PolicyError`` (``validate``: a
report with errors, exit 1).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nanchang_incentives.cli import app
from nanchang_incentives.errors import PolicyError
from nanchang_incentives.policy import (
    Problem,
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
    ("clause id with a final newline", HEAD + clause(id='"c\\n"', fixed='"1元"'), "must be lower_snake_case text"),
    ("field name with a final newline", HEAD + '[fields."f\\n"]\ntype = "money"\n' + clause(fixed='"1元"'),
     "must be lower_snake_case"),
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


# ---------------------------------------------------------------- nesting, checked before the TOML parser runs

#: a hostile file may be up to 1 MB; refusing it must stay far from the seconds and gigabytes tomllib would take
BIG_SECONDS = 2.0
NEAR_LIMIT = 990_000  # bytes: just under the 1,000,000-byte limit of a policy table


def _dotted(levels: int) -> str:
    return "notes." + ".".join(["a"] * levels) + " = 1\n"


#: (name, text, the line the message must name); HEAD is lines 1-6, so its [policy] table's next line is 7;
#: clause() is [[clauses]] on line 7, then id, section, basis, quote and its own keys from line 12
DEEP = [
    ("dotted key of 1000 levels (2 KB)", HEAD + _dotted(1000), 7),
    ("dotted keys of 40 KB", HEAD + _dotted(20_000), 7),
    ("dotted key of 1 MB", HEAD + _dotted((NEAR_LIMIT - len(HEAD)) // 2 - 10), 7),
    ("dotted key after 900 KB of ordinary lines",
     HEAD + 'notes = ["x"]\n' + "# a comment line\n" * 52_000 + 'validity_note = "x"\n' + _dotted(2_000),
     6 + 1 + 52_000 + 1 + 1),
    ("quoted dotted key", HEAD + 'notes.' + ".".join(['"a.b"'] * 5_000) + " = 1\n", 7),
    ("deep [table] header", HEAD + clause(fixed='"1元"') + "[" + ".".join(["a"] * 100_000) + "]\nx = 1\n", 13),
    ("deep [[array of tables]] header", HEAD + "[[" + ".".join(["clauses"] * 50_000) + "]]\n", 7),
    ("deep arrays (1 MB)", HEAD + clause(conditions="[" * 400_000 + "]" * 400_000, fixed='"1元"'), 12),
    ("deep inline tables", HEAD + clause(fixed='"1元"') + "x = " + "{a = " * 100_000 + "1" + "}" * 100_000 + "\n",
     13),
    ("arrays of inline tables", HEAD + clause(fixed='"1元"') + "x = " + "[{a = " * 50_000 + "\n", 13),
    # [[clauses]] is 2 levels, x the 3rd, so the 8th "[" is the 11th level, on the 8th line from x's
    ("deep arrays spread over lines", HEAD + clause(fixed='"1元"') + "x = " + "[\n" * 5_000, 13 + 7),
]


@pytest.mark.parametrize(("text", "line"), [pytest.param(*d[1:], id=d[0]) for d in DEEP])
def test_deep_nesting_is_refused_before_parsing_with_its_line(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size < 1_000_000
    for run in (lambda: validate_policy(path, GENERAL, REFERENCES), lambda: load_policy(path, GENERAL, REFERENCES)):
        elapsed, peak, outcome = _bounded(run)
        assert elapsed < BIG_SECONDS and peak < MEGABYTES, (elapsed, peak)
        error = outcome.errors[0] if not isinstance(outcome, Exception) else outcome
        assert isinstance(error, Problem if not isinstance(outcome, Exception) else PolicyError), repr(outcome)
        assert error.location.file == str(path)
        assert error.location.line == line, str(error)
        assert error.message.startswith("nested too deeply: ")
        assert "at most 10 are allowed in a policy table" in error.message


def test_the_nesting_message_says_what_the_bound_is_and_why(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(HEAD + _dotted(1000), encoding="utf-8")
    assert [str(p) for p in validate_policy(path, GENERAL, REFERENCES).errors] == [
        (f"{path}:7: error: nested too deeply: this key goes more than 10 levels deep; at most 10 are allowed in a "
         "policy table (each part of a dotted key or [table.name], each array and each {inline table} is a level); "
         "deeper nesting is refused before parsing, because the TOML parser slows down and runs out of memory on it")]


@pytest.mark.parametrize("where", ["--policies-dir", "INCENTIVES_POLICIES_DIR", "validate"])
def test_a_deep_table_is_refused_by_every_way_in(tmp_path: Path, where: str) -> None:
    """The issue's crash: a 2 KB table of 1000-level dotted keys beside a bundled sample's calc."""
    tables = tmp_path / "tables"
    tables.mkdir()
    (tables / "deep.toml").write_text(HEAD + _dotted(1000), encoding="utf-8")
    sample = Path(__file__).resolve().parent.parent / "samples" / "nanchang-small-firm-capped.toml"
    if where == "validate":
        args, env = ["policies", "validate", str(tables / "deep.toml")], {"INCENTIVES_POLICIES_DIR": ""}
    elif where == "--policies-dir":
        args, env = ["calc", str(sample), "--policies-dir", str(tables)], {"INCENTIVES_POLICIES_DIR": ""}
    else:
        args, env = ["calc", str(sample)], {"INCENTIVES_POLICIES_DIR": str(tables)}
    start = time.perf_counter()
    result = CliRunner().invoke(app, args, env={**env, "COLUMNS": "200", "NO_COLOR": "1"})
    assert time.perf_counter() - start < 10  # the whole command, startup included
    assert result.exit_code == 1, result.output
    assert f"{tables / 'deep.toml'}:7" in result.output and "nested too deeply" in result.output
    assert "Traceback" not in result.output and "RecursionError" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


# ---------------------------------------------------------------- what a reviewer reads is what runs

LOOKALIKES = [
    ("full-width name", "base", "ｒｅｖｅｎｕｅ", "'ｒ' (U+FF52 FULLWIDTH LATIN SMALL LETTER R) is not allowed"),
    ("mathematical bold name", "conditions", "𝐫𝐞𝐯𝐞𝐧𝐮𝐞 >= 1亿", "'𝐫' (U+1D42B MATHEMATICAL BOLD SMALL R)"),
    ("one Cyrillic letter", "base", "rеvenue", "'е' (U+0435 CYRILLIC SMALL LETTER IE) is not allowed"),
    ("full-width percent", "rate", "50％", "'％' (U+FF05 FULLWIDTH PERCENT SIGN) is not allowed"),
    ("ideographic space", "base", "revenue\u3000", "U+3000 IDEOGRAPHIC SPACE"),
    ("comment tail", "conditions", "revenue >= 1亿 # or rd_staff >= 1", "'#' is not allowed in an expression"),
    ("comment hiding a clause", "base", "revenue #* 0", "everything after it would be a comment"),
    ("lookalike tag", "conditions", '"ｌｅｄ" in industries', "U+FF4C FULLWIDTH LATIN SMALL LETTER L) in a quoted tag"),
    ("escaped tag", "conditions", '"\\x6ced" in industries', "a backslash is not allowed in a quoted tag"),
]


@pytest.mark.parametrize(("where", "expression", "expected"), [pytest.param(*e[1:], id=e[0]) for e in LOOKALIKES])
def test_lookalikes_and_comments_in_expressions_are_refused(tmp_path: Path, where: str, expression: str,
                                                            expected: str) -> None:
    path = tmp_path / "hostile.toml"
    path.write_text(HEAD + expr_clause(where, expression), encoding="utf-8")
    _assert_refused(path, expected, tmp_path)
    problem = validate_policy(path, GENERAL, REFERENCES).errors[0]
    assert problem.location.line == {"conditions": 12, "base": 12, "rate": 13}[where], str(problem)
    assert problem.location.clause == "c"


def test_a_full_width_name_would_otherwise_mean_the_ascii_one() -> None:
    """Why the check exists: Python's parser reads ｒｅｖｅｎｕｅ as revenue (NFKC)."""
    import ast

    assert ast.dump(ast.parse("ｒｅｖｅｎｕｅ", mode="eval").body) == "Name(id='revenue', ctx=Load())"


POLICY_IDS = [
    ("65 characters", "a" * 65, "must be at most 64 characters (this one has 65) of lower-case letters"),
    ("a thousand characters", "a" * 1000, "(this one has 1,000)"),
    ("upper case", "Nanchang-2023", "must be at most 64 characters of lower-case letters, digits and '-'"),
    ("underscore", "nanchang_2023", "lower-case letters, digits and '-'"),
    ("a slash", "../etc/passwd", "lower-case letters, digits and '-'"),
    ("a final newline", "nanchang\\n", "lower-case letters, digits and '-'"),
    ("a digit first", "2023-nanchang", "starting with a letter"),
    ("full-width letters", "ｎａｎｃｈａｎｇ", "lower-case letters, digits and '-'"),
]


@pytest.mark.parametrize(("pid", "expected"), [pytest.param(*p[1:], id=p[0]) for p in POLICY_IDS])
def test_bad_policy_ids_are_refused(tmp_path: Path, pid: str, expected: str) -> None:
    path = tmp_path / "hostile.toml"
    path.write_text(HEAD.replace('id = "hostile"', f'id = "{pid}"') + clause(fixed='"1元"'), encoding="utf-8")
    _assert_refused(path, expected, tmp_path)
    problem = next(p for p in validate_policy(path, GENERAL, REFERENCES).errors if p.location.field == "id")
    assert problem.location.line == 2


def test_a_policy_id_of_exactly_64_characters_is_accepted(tmp_path: Path) -> None:
    pid = "a" + "-b" * 31 + "c"
    assert len(pid) == 64
    path = tmp_path / "long-id.toml"
    path.write_text(HEAD.replace('id = "hostile"', f'id = "{pid}"') + clause(fixed='"1元"'), encoding="utf-8")
    assert load_policy(path, GENERAL, REFERENCES).id == pid


# ---------------------------------------------------------------- only regular files


def test_a_fifo_a_directory_and_a_device_are_refused_by_validate_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)  # nobody ever writes to it: reading it would block forever
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    expected = {
        fifo: "is a FIFO (named pipe), not a regular file; expected a policy table saved as a .toml file",
        folder: "is a directory, expected a policy table saved as a .toml file",
        Path("/dev/zero"): "is a character device, not a regular file; expected a policy table saved as a .toml file",
    }
    for path, message in expected.items():
        elapsed, _, report = _bounded(lambda p=path: validate_policy(p, GENERAL, REFERENCES))
        assert elapsed < SECONDS
        assert [(p.message, p.location.file) for p in report.errors] == [(message, str(path))]
    result = _run_with_timeout([sys.executable, "-m", "nanchang_incentives", "policies", "validate", str(fifo)])
    assert result.returncode == 1
    assert f"{fifo}: error: is a FIFO (named pipe)" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def _run_with_timeout(args: list[str]) -> subprocess.CompletedProcess:
    """A real process (a hang must fail the test, not stop the suite)."""
    env = {**os.environ, "INCENTIVES_POLICIES_DIR": "", "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(args, capture_output=True, text=True, timeout=60, env=env, check=False)


def test_a_fifo_in_a_policies_dir_is_refused_not_waited_for(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.toml")
    with pytest.raises(PolicyError, match=r"pipe\.toml: is a FIFO \(named pipe\), not a regular file"):
        load_catalog([tmp_path])


# ---------------------------------------------------------------- a table that replaces a bundled policy


def test_a_table_replacing_a_bundled_id_says_which_file_it_replaces(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = package_policies_dir() / "nanchang-electronic-information-2023.toml"
    mine = tmp_path / "my-nanchang.toml"
    mine.write_text(bundled.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "new.toml").write_text(HEAD + clause(fixed='"1元"'), encoding="utf-8")
    monkeypatch.setenv("INCENTIVES_POLICIES_DIR", "")
    plain = load_catalog()
    assert all(p.replaces_bundled is None for p in plain.policies.values())
    for catalog in (load_catalog([tmp_path]), _with_env(monkeypatch, tmp_path)):
        replaced = catalog.policies["nanchang-electronic-information-2023"]
        assert replaced.path == str(mine)
        assert replaced.replaces_bundled == str(bundled)
        assert catalog.policies["hostile"].replaces_bundled is None  # a new id replaces nothing
        assert catalog.policies["beijing-robotics-2023"].replaces_bundled is None
    # a second directory replacing the first one's replacement still names the bundled file
    again = tmp_path / "again"
    again.mkdir()
    (again / "n.toml").write_text(bundled.read_text(encoding="utf-8"), encoding="utf-8")
    twice = load_catalog([tmp_path, again]).policies["nanchang-electronic-information-2023"]
    assert (twice.path, twice.replaces_bundled) == (str(again / "n.toml"), str(bundled))


def _with_env(monkeypatch: pytest.MonkeyPatch, directory: Path):
    monkeypatch.setenv("INCENTIVES_POLICIES_DIR", str(directory))
    try:
        return load_catalog()
    finally:
        monkeypatch.setenv("INCENTIVES_POLICIES_DIR", "")


def test_validate_warns_that_a_table_replaces_a_bundled_policy(tmp_path: Path) -> None:
    bundled = package_policies_dir() / "wuhan-east-lake-software-2023.toml"
    mine = tmp_path / "wuhan.toml"
    mine.write_text(bundled.read_text(encoding="utf-8") + "\n# my edit\n", encoding="utf-8")
    catalog = load_catalog()
    report = validate_policy(mine, GENERAL, REFERENCES, catalog)
    assert report.ok
    replacing = [p for p in report.warnings if p.location.field == "id"]
    assert [str(p) for p in replacing] == [
        (f"{mine}:{_line_of(mine, 'id = ')}: warning: key 'id': policy id 'wuhan-east-lake-software-2023' is the "
         f"id of the bundled policy {bundled}: in --policies-dir or $INCENTIVES_POLICIES_DIR this table replaces it")]
    assert not [p for p in validate_policy(bundled, GENERAL, REFERENCES, catalog).warnings
                if "replaces" in p.message]
    # a byte-identical copy (a checkout's policies/ beside an installed package) replaces nothing: --strict passes
    copy = tmp_path / "copy.toml"
    copy.write_bytes(bundled.read_bytes())
    assert not [p for p in validate_policy(copy, GENERAL, REFERENCES, catalog).warnings if "replaces" in p.message]


def _line_of(path: Path, start: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.startswith(start))
