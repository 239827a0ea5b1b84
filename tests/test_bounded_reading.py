"""Bounded reading: every TOML file (profile, policy, cases, reference) is read from a regular file of bounded
size, and refused before parsing when its nesting is deeper than tomlio.MAX_NESTING.

The cases of issue 11: ``calc`` on a FIFO hung forever; a profile with 20,000-level dotted keys
(``revenue.a.a…``) took 7 s and 1.6 GB, 50,000 levels more than 30 s and 6 GB.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tomllib
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nanchang_incentives.cases import load_cases
from nanchang_incentives.cli import app
from nanchang_incentives.errors import InputError, PolicyError
from nanchang_incentives.policy import load_catalog
from nanchang_incentives.profile import load_profile
from nanchang_incentives.reference import load_reference
from nanchang_incentives.tomlio import MAX_NESTING, TomlKind, check_nesting, read_toml

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = load_catalog([]).registry
SECONDS = 1.0
MEGABYTES = 64
GOOD = 'name = "Deep Co"\njurisdiction = "nanchang"\nyear = 2024\n'
ENV = {"INCENTIVES_POLICIES_DIR": "", "NO_COLOR": "1", "COLUMNS": "200"}


def _bounded(fn):
    """(seconds, peak MB, outcome) of fn: timed on its own, then measured under tracemalloc."""
    def call():
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - the caller checks the type
            return exc
    start = time.perf_counter()
    outcome = call()
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    try:
        call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return elapsed, peak / 1e6, outcome


def _deep_revenue(levels: int) -> str:
    return GOOD + "revenue." + ".".join(["a"] * levels) + ' = "1亿"\n'


@pytest.mark.parametrize("levels", [11, 20_000, 50_000, 450_000], ids=lambda n: f"{n} levels")
def test_a_profile_with_deep_dotted_keys_is_refused_at_once(tmp_path: Path, levels: int) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(_deep_revenue(levels), encoding="utf-8")
    assert path.stat().st_size < TomlKind.PROFILE.max_bytes  # 450,000 levels: about 900 KB
    elapsed, peak, outcome = _bounded(lambda: load_profile(path, REGISTRY))
    assert elapsed < SECONDS and peak < MEGABYTES, (elapsed, peak)
    assert isinstance(outcome, InputError), repr(outcome)
    assert (outcome.location.file, outcome.location.line) == (str(path), 4)
    assert outcome.message.startswith("nested too deeply: this key goes more than 10 levels deep; at most 10 are "
                                      "allowed in a company profile")


def test_ten_levels_are_accepted_and_eleven_refused() -> None:
    """The bound itself, for a dotted key, a table header, arrays and inline tables (hand-counted levels)."""
    assert MAX_NESTING == 10
    accepted = [
        "a.b.c.d.e.f.g.h.i.j = 1",  # 10 parts
        "[a.b.c.d.e.f.g.h.i]\nj = 1",  # 9 header parts + 1 key
        "[[a.b.c.d.e.f.g.h]]\ni = 1",  # 8 header parts, the array, 1 key
        "x = [[[[[[[[[1]]]]]]]]]",  # the key, 9 arrays
        "x = {a = {b = {c = {d = 1}}}}",  # x, {, a, {, b, {, c, {, d: 9
        "x = [{a = [{b = [{c = 1}]}]}]",  # x, [, {, a, [, {, b, [, {, c: 10
        "[a.b.c.d.e.f.g.h.i.j]",  # 10 header parts
        "[[a.b.c.d.e.f.g.h.i]]",  # 9 header parts and the array
    ]
    refused = [
        "a.b.c.d.e.f.g.h.i.j.k = 1",
        "[a.b.c.d.e.f.g.h.i]\nj.k = 1",
        "[a.b.c.d.e.f.g.h.i.j.k]",
        "[[a.b.c.d.e.f.g.h.i.j]]",
        "x = [[[[[[[[[[1]]]]]]]]]]",
        "x = {a = {b = {c = {d = {e = 1}}}}}",
        "x = [{a = [{b = [{c = [1]}]}]}]",
    ]
    for text in accepted:
        check_nesting(text + "\n", "t.toml", TomlKind.POLICY)
        tomllib.loads(text)  # and each is TOML
    for text in refused:
        with pytest.raises(InputError, match="nested too deeply"):
            check_nesting(text + "\n", "t.toml", TomlKind.POLICY)
        tomllib.loads(text)  # valid TOML, refused only for its depth


def test_brackets_and_dots_inside_strings_and_comments_do_not_count() -> None:
    deep = "[" * 50 + "a." * 50
    text = (f'a = "{deep}"\nb = \'{deep}\'\n# {deep}\nc = """\n{deep}\n"""\nd = \'\'\'\n{deep}\n\'\'\'\n'
            f'"{"a." * 50}" = 1\ne = "\\"[[[[[[[[[[[["  # {deep}\n[t]\nf = """x\\"""{deep}"""\n')
    check_nesting(text, "t.toml", TomlKind.POLICY)
    assert tomllib.loads(text)["a"] == deep


def test_the_line_counts_lines_inside_multi_line_strings() -> None:
    text = 'a = """\n1\n2\n3\n"""\nb = \'\'\'\n4\n\'\'\'\n' + "x." * 20 + "y = 1\n"
    with pytest.raises(InputError) as info:
        check_nesting(text, "t.toml", TomlKind.POLICY)
    assert info.value.location.line == 9


def test_every_bundled_and_sample_file_is_within_the_bound() -> None:
    files = [p for d in ("policies", "samples", "docs", "tests/fixtures") for p in (ROOT / d).rglob("*.toml")]
    assert len(files) > 20
    for path in files:
        check_nesting(path.read_text(encoding="utf-8", errors="replace"), str(path), TomlKind.CASES)


def test_an_unterminated_string_is_left_to_the_parser(tmp_path: Path) -> None:
    path = tmp_path / "open.toml"
    path.write_text(GOOD + 'revenue = "1亿\n' + "x." * 5000 + "y = 1\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid TOML") as info:
        read_toml(path, TomlKind.PROFILE)
    assert info.value.location.line == 4


def test_a_profile_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_text(GOOD + "# " + "x" * 1_000_000 + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"is larger than 1,000,000 bytes, the limit for a company profile"):
        load_profile(path, REGISTRY)


def test_a_deep_cases_file_and_a_deep_reference_table_are_refused(tmp_path: Path) -> None:
    cases = tmp_path / "x.cases.toml"
    cases.write_text('policy = "x"\n[[cases]]\nname = "a"\n' + "expect." * 3000 + "total = 1\n", encoding="utf-8")
    with pytest.raises(InputError, match="nested too deeply.*in a cases file") as info:
        load_cases(cases)
    assert info.value.location.line == 4
    reference = tmp_path / "lpr.toml"
    reference.write_text("[reference]\nid = " + "[" * 3000 + "\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="nested too deeply: this array.*in a reference table") as info:
        load_reference(reference)
    assert info.value.location.line == 2


# ---------------------------------------------------------------- only regular files, for calc and compare


def _not_regular(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)  # nobody writes to it: a blocking open or read would wait forever
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    return {
        "fifo": (fifo, "is a FIFO (named pipe), not a regular file; expected a company profile saved as a .toml file"),
        "directory": (folder, "is a directory, expected a company profile saved as a .toml file"),
        "device": (Path("/dev/zero"),
                   "is a character device, not a regular file; expected a company profile saved as a .toml file"),
    }


@pytest.mark.parametrize("what", ["fifo", "directory", "device"])
def test_a_profile_that_is_not_a_regular_file_is_refused_at_once(tmp_path: Path, what: str) -> None:
    path, message = _not_regular(tmp_path)[what]
    elapsed, peak, outcome = _bounded(lambda: load_profile(path, REGISTRY))
    assert elapsed < SECONDS and peak < MEGABYTES
    assert isinstance(outcome, InputError) and (outcome.message, outcome.location.file) == (message, str(path))
    for command in ("calc", "compare"):
        result = CliRunner().invoke(app, [command, str(path)], env=ENV)
        assert result.exit_code == 1, result.output
        assert f"{path}: {message}" in result.output
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


@pytest.mark.parametrize("command", ["calc", "compare"])
def test_calc_and_compare_on_a_fifo_exit_1_instead_of_hanging(tmp_path: Path, command: str) -> None:
    """In a real process with a timeout: before, ``calc pipe.toml`` never returned."""
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    result = subprocess.run([sys.executable, "-m", "nanchang_incentives", command, str(fifo)], capture_output=True,
                            text=True, timeout=60, env={**os.environ, **ENV}, check=False)
    assert result.returncode == 1
    assert f"{fifo}: is a FIFO (named pipe), not a regular file" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_calc_refuses_a_deep_profile_with_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(_deep_revenue(20_000), encoding="utf-8")
    start = time.perf_counter()
    result = CliRunner().invoke(app, ["calc", str(path)], env=ENV)
    assert time.perf_counter() - start < 10
    assert result.exit_code == 1
    assert f"{path}:4: nested too deeply" in result.output and "Traceback" not in result.output


# ---------------------------------------------------------------- the scan never counts fewer levels than the data has

def _depth(value: object) -> int:
    """Levels of tables and arrays in parsed TOML (the root table is one)."""
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


_TRICKY = st.sampled_from(['"[[["', "'{{.'", '"a.b"', '"\\"]]"', '"""\n[[x\n"""', "'''\n]{.\n'''", '"#"', "1", "1.5",
                           "2024-01-01", "true"])
_KEYS = st.sampled_from(["a", "b-c", '"q.d"', "'l[i]'", '"x#y"', "1"])


def _value(depth: int):
    if depth <= 0:
        return _TRICKY
    inner = _value(depth - 1)
    return st.one_of(
        _TRICKY,
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(st.tuples(_KEYS, inner), min_size=1, max_size=3, unique_by=lambda kv: kv[0]).map(
            lambda kvs: "{" + ", ".join(f"{k} = {v}" for k, v in kvs) + "}"),
    )


@st.composite
def _documents(draw) -> str:
    lines: list[str] = []
    for i in range(draw(st.integers(1, 4))):
        header = ".".join(draw(st.lists(_KEYS, min_size=1, max_size=4)))
        lines.append(f"[[t{i}.{header}]]" if draw(st.booleans()) else f"[t{i}.{header}]")
        for j, (key, value) in enumerate(draw(st.lists(st.tuples(st.lists(_KEYS, min_size=1, max_size=5),
                                                                 _value(5)), max_size=3))):
            lines.append(f"k{j}." + ".".join(key) + f" = {value}  # [[[ {{{{")
    return "\n".join(lines) + "\n"


@settings(max_examples=100, deadline=None)
@given(_documents())
def test_what_the_scan_accepts_is_never_deeper_than_the_bound(text: str) -> None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return  # a drawn key repeated: not TOML, nothing to compare
    try:
        check_nesting(text, "t.toml", TomlKind.POLICY)
    except InputError:
        return
    assert _depth(data) <= MAX_NESTING, text
