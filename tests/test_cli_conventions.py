"""CLI conventions (issue 8, item 5): --version/-V, -h, completion, help without type names, one-line
usage errors with exit 2, names matched the same way in every command, no control characters on stderr."""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from nanchang_incentives import __version__
from nanchang_incentives.cli import app

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
LED = str(SAMPLES / "nanchang-si-led-maker.toml")
MULTI = str(SAMPLES / "multi-industry.toml")
CSV = str(SAMPLES / "companies.csv")
EXE = Path(sys.executable).parent / "incentives"
ENV = {"INCENTIVES_POLICIES_DIR": "", "NO_COLOR": "1", "FORCE_COLOR": None, "COLUMNS": "120"}

NANCHANG = "nanchang-electronic-information-2023"
WUHAN = "wuhan-east-lake-software-2023"
BEIJING = "beijing-robotics-2023"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env=ENV)


def command_paths() -> list[tuple[str, ...]]:
    """Every command of the tree, the root first: (), ("calc",), …, ("policies", "list"), …"""
    out: list[tuple[str, ...]] = []

    def walk(cmd, path: tuple[str, ...]) -> None:
        out.append(path)
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return out


# ---------------------------------------------------------------- version, help, completion


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag: str) -> None:
    res = invoke(flag)
    assert res.exit_code == 0
    assert res.stdout == f"incentives {__version__}\n"


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "incentives")
def test_dash_h_is_help_and_names_no_internal_type(path: tuple[str, ...]) -> None:
    long = invoke(*path, "--help")
    short = invoke(*path, "-h")
    assert long.exit_code == 0 and short.exit_code == 0
    assert short.stdout == long.stdout
    assert "Usage: incentives" in long.stdout
    # Typer's <bool>, <int>, <path>, <list[str]>, <text> … never appear
    assert not re.search(r"<[A-Za-z_][\w\[\]|, .]*>", long.stdout), long.stdout


@pytest.mark.parametrize("path", [p for p in command_paths() if p and p != ("policies",)],
                         ids=lambda p: " ".join(p))
def test_every_command_help_has_an_example(path: tuple[str, ...]) -> None:
    out = invoke(*path, "--help").stdout
    assert "Examples:" in out
    assert f"incentives {' '.join(path)} " in out.split("Examples:")[1]


def test_shell_completion_is_offered(monkeypatch) -> None:
    out = invoke("--help").stdout
    assert "--install-completion" in out and "--show-completion" in out
    # Typer detects the shell from the processes above this one, which a test run may not have
    import shellingham

    monkeypatch.setattr(shellingham, "detect_shell", lambda: ("bash", "/bin/bash"))
    res = invoke("--show-completion")
    assert res.exit_code == 0, (res.output, res.exception)
    assert "_INCENTIVES_COMPLETE" in res.stdout


@pytest.mark.parametrize("name", [NANCHANG, WUHAN, BEIJING])
def test_policies_show_names_no_internal_type(name: str) -> None:
    out = invoke("policies", "show", name).stdout
    assert not re.search(r"<(bool|int|str|text|path|float|list\[[^\]]*\])>", out)


# ---------------------------------------------------------------- bad option values: exit 2, one line

BAD_VALUES = [
    (("calc", LED, "--year", "20245"),
     "error: --year 20245: expected a fiscal year between 1990 and 2100, e.g. --year 2024"),
    (("calc", LED, "--year", "0"), "error: --year 0: expected a fiscal year between 1990 and 2100"),
    (("calc", LED, "--year", "-1"), "error: --year -1: expected a fiscal year between 1990 and 2100"),
    (("calc", LED, "--year", "2101"), "error: --year 2101: expected a fiscal year between 1990 and 2100"),
    (("calc", LED, "--year", "twenty"), "error: --year twenty: expected a fiscal year"),
    (("compare", MULTI, "--year", "0"), "error: --year 0: expected a fiscal year between 1990 and 2100"),
    (("batch", CSV, "-o", "out.csv", "--year", "99999"), "error: --year 99999: expected a fiscal year"),
    (("batch", CSV, "-o", "out.csv", "--encoding", "bogus"),
     "error: --encoding bogus: expected utf-8, utf-8-sig, gb18030 or gbk, e.g. --encoding gbk"),
    (("batch", CSV, "-o", "out.csv", "--encoding", "utf-16"), "error: --encoding utf-16: expected utf-8"),
    # codecs that are not text encodings (a LookupError traceback), and one that refuses a comma
    (("batch", CSV, "-o", "out.csv", "--encoding", "rot13"), "error: --encoding rot13: expected utf-8, utf-8-sig"),
    (("batch", CSV, "-o", "out.csv", "--encoding", "base64"), "error: --encoding base64: expected utf-8"),
    (("batch", CSV, "-o", "out.csv", "--encoding", "idna"), "error: --encoding idna: expected utf-8"),
    (("batch", CSV, "-o", "out.csv", "--layout", "tall"), "error: --layout tall: expected wide or long"),
    (("batch", CSV, "-o", "out.csv", "--format", "xls"), "error: --format xls: expected csv, jsonl, xlsx or parquet"),
    (("batch", CSV, "-o", "out.csv", "--jobs", "-3"),
     "error: --jobs -3: expected a number of worker processes from 0 (choose) to 256, e.g. --jobs 2"),
    (("calc", LED, "--format", "xml"), "error: --format xml: expected table, json or markdown, e.g. --format markdown"),
    (("compare", MULTI, "--format", "html"), "error: --format html: expected table, json or markdown"),
    (("policies", "list", "--format", "text"), "error: --format text: expected table, json or markdown"),
    (("policies", "validate", str(ROOT / "policies"), "--format", "markdown"),
     "error: --format markdown: expected table or json, e.g. --format json"),
    (("policies", "list", "--on", "30/06/2026"),  # (2026/06/30 and 2026年6月30日 are read)
     "error: --on 30/06/2026: expected a date as YYYY-MM-DD (or 2024年12月31日), e.g. --on 2024-12-31"),
    (("policies", "list", "--on", "2026-02-30"), "error: --on 2026-02-30: expected a date as YYYY-MM-DD"),
    (("compare", MULTI, "--cities", "shanghai"),
     "error: --cities: unknown policy or jurisdiction 'shanghai'; jurisdictions: beijing, nanchang, wuhan-east-lake"),
    (("compare", MULTI, "--cities", "nanchang,bejing"), '(did you mean "beijing"?)'),
    (("compare", MULTI, "--cities", ","), "error: --cities: no city given"),
    (("calc", LED, "--policy", "nanchang-electronic-information-2024"),
     ("error: --policy: unknown policy or jurisdiction 'nanchang-electronic-information-2024' "
      '(did you mean "nanchang-electronic-information-2023"?)')),
    (("batch", CSV, "-o", "out.csv", "--policy", "wuhan-west-lake"),
     "error: --policy: unknown policy or jurisdiction 'wuhan-west-lake' (did you mean \"wuhan-east-lake\"?)"),
    (("policies", "show", "shenzhen"), "error: POLICY: unknown policy or jurisdiction 'shenzhen'"),
    (("policies", "show", "nanchang", "--clause", "smart_factroy"),
     "has no clause 'smart_factroy' (did you mean \"smart_factory\"?)"),
    (("policies", "test", "shenzhen"), "error: POLICY: unknown policy or jurisdiction 'shenzhen'"),
    (("calc", LED, "--frobnicate"), "error: No such option: --frobnicate"),
    (("calc",), "error: Missing argument 'COMPANY.toml' (see: incentives calc --help)"),
    (("batch", CSV), "error: Missing option '--output'"),
    (("policies", "lint"), "error: No such command 'lint'"),
]


@pytest.mark.parametrize(("args", "says"), BAD_VALUES, ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_bad_option_value_exits_2_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                args: tuple[str, ...], says: str) -> None:
    monkeypatch.chdir(tmp_path)
    res = invoke(*args)
    assert res.exit_code == 2, res.output
    assert res.stdout == ""
    assert res.stderr.count("\n") == 1 and res.stderr.endswith("\n"), res.stderr
    assert res.stderr.startswith("error: ")
    assert says in res.stderr
    assert "Traceback" not in res.output
    assert not list(tmp_path.iterdir())  # nothing written (batch's output included)


def test_the_console_script_gives_the_same_one_line() -> None:
    """main() runs the app with standalone_mode=False and turns the usage error into the line and exit 2."""
    res = subprocess.run([str(EXE), "calc", LED, "--year", "20245"], capture_output=True, text=True, check=False,
                         env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
    assert res.returncode == 2
    assert res.stderr == "error: --year 20245: expected a fiscal year between 1990 and 2100, e.g. --year 2024\n"
    assert res.stdout == ""


def test_python_m_runs_the_same_main() -> None:
    res = subprocess.run([sys.executable, "-m", "nanchang_incentives", "-V"], capture_output=True, text=True,
                         check=False)
    assert res.returncode == 0 and res.stdout == f"incentives {__version__}\n"


@pytest.mark.parametrize("year", ["0", "-1", "20245", "99999"])
def test_a_profile_year_out_of_range_is_bad_input_with_file_and_line(tmp_path: Path, year: str) -> None:
    text = Path(LED).read_text(encoding="utf-8")
    bad = tmp_path / "bad-year.toml"
    bad.write_text(re.sub(r"(?m)^year = .*$", f"year = {year}", text), encoding="utf-8")
    line = next(i for i, s in enumerate(bad.read_text(encoding="utf-8").splitlines(), 1) if s.startswith("year ="))
    for command in ("calc", "compare"):
        res = invoke(command, str(bad))
        assert res.exit_code == 1, res.output
        assert f"bad-year.toml:{line}, field 'year': " in res.stderr
        assert "Traceback" not in res.output


def test_a_csv_year_out_of_range_is_a_bad_row(tmp_path: Path) -> None:
    src = tmp_path / "c.csv"
    src.write_text("name,jurisdiction,year,industries,revenue\nA,nanchang,20245,electronic-information,10亿\n",
                   encoding="utf-8")
    res = invoke("batch", str(src), "-o", str(tmp_path / "out.csv"), "-q")
    assert res.exit_code == 1
    assert "line 2 (row 1, A), field 'year'" in res.stderr and "between 1990 and 2100" in res.stderr
    assert "Traceback" not in res.output


@pytest.mark.parametrize("year", ["1990", "2100"])
def test_the_edges_of_the_year_range_compute(year: str) -> None:
    """1990 and 2100 are accepted (expired, or hypothetical with --ignore-validity): no traceback."""
    res = invoke("calc", LED, "--year", year, "--ignore-validity", "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["year"] == int(year)


def test_the_year_option_takes_the_forms_a_year_field_takes() -> None:
    """--year 2024年 was refused while year = "2024年" in the profile was read: one parser for both now."""
    plain = invoke("calc", LED, "--year", "2024", "--format", "json")
    for year in ("2024年", "２０２４年"):
        res = invoke("calc", LED, "--year", year, "--format", "json")
        assert res.exit_code == 0, res.output
        assert res.stdout == plain.stdout


# ---------------------------------------------------------------- names: one matcher for every command


def policies_of(*args: str) -> list[str]:
    res = invoke(*args, "--format", "json")
    assert res.exit_code == 0, res.output
    return [r["policy"] for r in json.loads(res.stdout)["results"]]


@pytest.mark.parametrize(("names", "expected"), [
    (["--policy", "nanchang"], [NANCHANG]),
    (["--policy", "NANCHANG"], [NANCHANG]),
    (["--policy", "南昌"], [NANCHANG]),
    (["--policy", "武汉"], [WUHAN]),
    (["--policy", "东湖"], [WUHAN]),
    (["--policy", "北京"], [BEIJING]),
    (["--policy", "wuhan"], [WUHAN]),                       # unambiguous prefix of wuhan-east-lake
    (["--policy", "Beijing-Robotics-2023"], [BEIJING]),
    (["--policy", "nanchang,北京"], [NANCHANG, BEIJING]),   # a comma list …
    (["-p", "nanchang", "-p", "北京"], [NANCHANG, BEIJING]),  # … or the option repeated
    (["--policy", "北京，武汉"], [BEIJING, WUHAN]),           # a full-width comma
    (["--policy", "nanchang,南昌,nanchang-electronic-information-2023"], [NANCHANG]),  # no repeats
])
def test_calc_policy_names(names: list[str], expected: list[str]) -> None:
    assert policies_of("calc", MULTI, *names) == expected


@pytest.mark.parametrize(("cities", "expected"), [
    ("北京,武汉", [BEIJING, WUHAN]),
    ("Wuhan-East-Lake", [WUHAN]),
    ("wuhan_east_lake", [WUHAN]),
    ("nanchang-electronic-information-2023", [NANCHANG]),  # a policy id stands for its city
])
def test_compare_cities_use_the_same_names(cities: str, expected: list[str]) -> None:
    assert policies_of("compare", MULTI, "--cities", cities) == expected


def test_compare_cities_repeated() -> None:
    assert policies_of("compare", MULTI, "-c", "南昌", "-c", "beijing") == [NANCHANG, BEIJING]


def test_batch_policy_names(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    res = invoke("batch", CSV, "-o", str(out), "-q", "--policy", "北京,nanchang")
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {r["policy"] for r in rows} == {BEIJING, NANCHANG}


@pytest.mark.parametrize("name", ["南昌", "nanchang", "NanChang", "nanchang-electronic-information-2023", "nanch"])
def test_policies_show_names(name: str) -> None:
    res = invoke("policies", "show", name)
    assert res.exit_code == 0, res.output
    assert res.stdout == invoke("policies", "show", NANCHANG).stdout


def test_policies_test_names() -> None:
    res = invoke("policies", "test", "武汉")
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith(f"{WUHAN}: ")


def test_clause_names_are_case_insensitive() -> None:
    res = invoke("policies", "show", "nanchang", "--clause", "Smart_Factory")
    assert res.exit_code == 0, res.output
    assert "smart_factory — 5G+智慧工厂补助" in res.stdout


# ---------------------------------------------------------------- control characters never reach stderr


def test_a_file_name_with_escapes_is_shown_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = invoke("calc", "evil\x1b]0;pwned\x07\x1b[2J.toml")
    assert res.exit_code == 1
    assert "\x1b" not in res.stderr and "\x07" not in res.stderr
    assert "evil\\x1b]0;pwned\\x07\\x1b[2J.toml: file not found" in res.stderr


def test_profile_text_in_an_error_is_shown_escaped(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\njurisdiction = "nan\\u001b[2Jchang\\u202e"\nyear = 2024\n', encoding="utf-8")
    res = invoke("calc", str(bad))
    assert res.exit_code == 1
    assert "\x1b" not in res.stderr and "\u202e" not in res.stderr
    assert "\\x1b[2J" in res.stderr


def test_an_option_value_with_escapes_is_shown_escaped() -> None:
    res = invoke("calc", LED, "--year", "20\x1b[31m24")
    assert res.exit_code == 2
    assert res.stderr == "error: --year 20\\x1b[31m24: expected a fiscal year between 1990 and 2100, e.g. --year 2024\n"


@pytest.mark.parametrize("path", [p for p in command_paths() if p], ids=" ".join)
def test_the_one_command_app_helps_and_fails_as_the_whole_one(path):
    """`incentives calc …` builds only calc (cli.build_app(only=…)); its help and its usage errors are the
    whole app's, word for word, for every command and subcommand."""
    from nanchang_incentives.cli import build_app

    one = build_app(path[0])
    for args in ([*path, "--help"], [*path, "--no-such-option"]):
        whole, alone = (CliRunner().invoke(a, args, env=ENV) for a in (app, one))
        assert (alone.exit_code, alone.output) == (whole.exit_code, whole.output)
    assert whole.exit_code == 2 and "--no-such-option" in whole.output


def test_the_console_script_runs_the_one_command_it_is_given(monkeypatch, capsys):
    from nanchang_incentives import cli

    built: list[str | None] = []
    real = cli.build_app
    monkeypatch.setattr(cli, "build_app", lambda only=None: built.append(only) or real(only))
    for argv, want in ((["calc", LED, "--format", "json"], "calc"), (["policies", "list"], "policies"),
                       (["--version"], None), (["calcc"], None), ([], None)):
        monkeypatch.setattr(sys, "argv", ["incentives", *argv])
        with pytest.raises(SystemExit):
            cli.main()
        assert built[-1] == want, argv
    assert '"policy": "nanchang-electronic-information-2023"' in capsys.readouterr().out
    monkeypatch.setenv("_INCENTIVES_COMPLETE", "bash_complete")  # completion needs every command
    monkeypatch.setattr(sys, "argv", ["incentives", "calc"])
    with pytest.raises(SystemExit):
        cli.main()
    assert built[-1] is None


def _console(*args: str, **kw) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "COLUMNS": "120", "INCENTIVES_POLICIES_DIR": ""}
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, check=False, env=env, **kw)


@pytest.mark.parametrize("args", [
    ("calc", LED), ("calc", LED, "--format", "json"), ("calc", LED, "--format", "markdown", "--year", "2026"),
    ("compare", str(SAMPLES / "multi-industry.toml")), ("calc", str(SAMPLES / "no-such.toml")),
    ("calc", LED, "--year", "20245"), ("compare", LED, "--policy", "nowhere"),
])
def test_the_console_script_ends_a_print_only_command_with_its_output_and_code(args) -> None:
    """console() flushes and leaves without the interpreter's teardown for calc and compare: nothing of the
    output or the exit code may be lost on the way (0, 1 bad input, 2 usage), compared with the app itself."""
    got = _console(*args)
    want = CliRunner().invoke(app, list(args), env={**ENV, "COLUMNS": "120"})
    assert got.returncode == want.exit_code
    assert got.stdout == want.stdout and got.stderr == want.stderr
    assert "Traceback" not in got.stderr
    assert got.stdout or got.stderr


def test_the_console_script_into_a_closed_pipe_stops_quietly() -> None:
    """`incentives calc … | head -1` (or `batch -o - | head`) once the reader has gone: no traceback, no
    message, the code Click gives (1)."""
    import os

    for args in (("calc", LED), ("calc", LED, "--format", "json"), ("compare", str(SAMPLES / "multi-industry.toml")),
                 ("batch", str(SAMPLES / "companies.csv"), "-o", "-"),
                 ("batch", str(SAMPLES / "companies.csv"), "-o", "-", "--format", "jsonl", "--layout", "long")):
        r, w = os.pipe()
        os.close(r)  # the reader is gone before the first write
        try:
            p = subprocess.run([str(EXE), *args], stdout=w, stderr=subprocess.PIPE, check=False,
                               env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "COLUMNS": "120"})
        finally:
            os.close(w)
        assert p.returncode == 1, (args, p.returncode)
        assert b"Traceback" not in p.stderr, p.stderr.decode()
        assert b"Broken pipe" not in p.stderr, p.stderr.decode()  # the reader left on purpose: nothing to report


def test_the_console_script_keeps_numpy_to_one_blas_thread_unless_told(monkeypatch) -> None:
    from nanchang_incentives import cli

    for given, want in ((None, "1"), ("4", "4")):
        if given is None:
            monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
        else:
            monkeypatch.setenv("OPENBLAS_NUM_THREADS", given)
        monkeypatch.setattr(sys, "argv", ["incentives", "--version"])  # not print-only: main()'s own exit
        with pytest.raises(SystemExit):
            cli.console()
        assert cli.os.environ["OPENBLAS_NUM_THREADS"] == want


@pytest.mark.parametrize("args", [(), ("policies",)])
def test_a_group_alone_prints_its_help_once_and_exits_2(args) -> None:
    """README: `incentives` alone prints the help and exits 2 -- once (Typer's rich help prints itself)."""
    alone = _console(*args)
    helped = _console(*args, "--help")
    assert alone.returncode == 2 and helped.returncode == 0
    assert alone.stdout.count("Usage:") == 1
    assert alone.stdout.rstrip("\n") == helped.stdout.rstrip("\n")


@pytest.mark.parametrize("command", [
    ["calc", LED], ["explore", LED, "--vary", "rd_staff=1..200"],
    ["batch", str(SAMPLES / "companies.csv"), "-o", "/dev/null"],
])
@pytest.mark.parametrize("empty", ["", ",", " ，、 "])
def test_a_policy_option_naming_nothing_is_a_usage_error(command, empty) -> None:
    """--policy '' was silently ignored (the profile's jurisdiction, or every policy for batch), while
    --cities '' was an error; both say now that no policy was given."""
    res = CliRunner().invoke(app, [*command, "--policy", empty], env=ENV)
    assert res.exit_code == 2
    assert res.stderr == "error: --policy: no policy given; jurisdictions: beijing, nanchang, wuhan-east-lake\n"


def test_the_command_line_module_does_not_import_numpy_before_the_blas_setting() -> None:
    """console() sets OPENBLAS_NUM_THREADS before numpy starts: importing the CLI must not start it."""
    code = "import sys, nanchang_incentives.cli, nanchang_incentives.__init__; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "root")
def test_help_at_80_columns_shows_every_metavar_and_choice_whole(path):
    """`batch --help` folded --format's csv|jsonl|xlsx|parquet into `par` / `quet` at 80 columns."""
    res = CliRunner().invoke(app, [*path, "--help"], env={**ENV, "COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    words = set(re.findall(r"[\w|.<=\[\]-]+", res.output))
    cmd = typer.main.get_command(app)
    for name in path:
        cmd = cmd.commands[name]  # type: ignore[attr-defined]
    for param in cmd.params:
        metavar = getattr(param, "metavar", None)
        if metavar:
            assert metavar in words, (path, param.name, metavar)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="/dev/full is Linux's")
@pytest.mark.parametrize("args", [["calc", LED], ["calc", LED, "-f", "json"], ["compare", LED],
                                  ["explore", LED, "--vary", "revenue=29亿..32亿"], ["policies", "list"]])
def test_standard_output_on_a_full_disk_is_a_message_not_a_traceback(args: list[str]) -> None:
    """`incentives calc … > /dev/full` was a Python traceback ending in OSError (batch -o - already said it)."""
    with open("/dev/full", "w") as full:
        res = subprocess.run([str(EXE), *args], stdout=full, stderr=subprocess.PIPE, text=True, check=False,
                             env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
    assert res.returncode == 1
    assert res.stderr == "error: standard output: cannot write: No space left on device\n", res.stderr


def file_size_limit(limit: int):
    """For a child process whose files (its standard output redirected to one too) cannot grow past ``limit``
    bytes: a write across the limit is a short one (its count returned, no error) and the next one fails with
    EFBIG, as on a disk that fills up (Python ignores SIGXFSZ)."""
    import resource

    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))


#: a child's environment for file_size_limit: unbuffered, as `python -u` (standard output's binary layer the raw
#: file, whose short write was dropped unseen); no .pyc written (one cut short by the limit is a broken import)
UNBUFFERED = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}


@pytest.mark.parametrize("args", [["calc", str(SAMPLES / "multi-industry.toml")],
                                  ["calc", str(SAMPLES / "multi-industry.toml"), "-f", "json"],
                                  ["calc", str(SAMPLES / "multi-industry.toml"), "-f", "markdown"],
                                  ["compare", str(SAMPLES / "multi-industry.toml")]])
@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_standard_output_cut_short_by_a_full_disk_is_a_message_not_a_truncated_answer(args: list[str],
                                                                                         unbuffered: str,
                                                                                         tmp_path: Path) -> None:
    """`PYTHONUNBUFFERED=1 incentives calc … > out.txt` on a disk with 1 KB left kept the first 1 KB and exited
    0: the text layer of an unbuffered stream drops the count of a short write."""
    env = {**UNBUFFERED, "PYTHONUNBUFFERED": unbuffered}
    whole = subprocess.run([str(EXE), *args], capture_output=True, check=False, env=env)
    assert whole.returncode == 0 and len(whole.stdout) > 4 * 1024
    out = tmp_path / "out"
    with open(out, "wb") as f:
        res = subprocess.run([str(EXE), *args], stdout=f, stderr=subprocess.PIPE, text=True, check=False, env=env,
                             preexec_fn=file_size_limit(1024))
    assert res.stderr == f"error: standard output: cannot write: {os.strerror(errno.EFBIG)}\n", res.stderr
    assert res.returncode == 1
    assert whole.stdout.startswith(out.read_bytes())


def test_unbuffered_standard_streams_stay_unbuffered_and_the_same_streams() -> None:
    """What an unbuffered stream over WholeWrites writes is out at once, in the stream's encoding and errors."""
    code = ("import sys, os; from nanchang_incentives import writing; before = sys.stdout.encoding, "
            "sys.stdout.errors, sys.stdout.fileno(), sys.stderr.fileno(); writing.whole_writes(); "
            "sys.stdout.write('a\\udc9b'); os.write(1, b'|'); print(type(sys.stdout.buffer).__name__, "
            "before == (sys.stdout.encoding, sys.stdout.errors, sys.stdout.fileno(), sys.stderr.fileno()))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False, env=UNBUFFERED)
    assert res.returncode == 0, res.stderr
    assert res.stdout == b"a\x9b|WholeWrites True\n"


CLOSED_STDOUT = 'exec "$0" "$@" >&-'  # sh: run the command with standard output closed


@pytest.mark.parametrize("args", [["calc", LED], ["calc", LED, "-f", "json"], ["calc", LED, "-f", "markdown"],
                                  ["compare", LED], ["explore", LED, "--vary", "revenue=29亿..32亿"],
                                  ["policies", "list"], ["batch", CSV, "-o", "{tmp}/r.csv"], ["batch", CSV, "-o", "-"],
                                  ["--version"]])
def test_standard_output_closed_is_a_message_not_silence(args: list[str], tmp_path: Path) -> None:
    """`incentives calc … >&-` exited 0 with the answer lost without a word (Rich writes to no stream at all
    when sys.stdout is None), and `batch … -o - >&-` was an AttributeError traceback; each now says what a full
    disk makes it say, with the closed descriptor's error."""
    args = [a.format(tmp=tmp_path) for a in args]
    res = subprocess.run(["/bin/sh", "-c", CLOSED_STDOUT, str(EXE), *args], stderr=subprocess.PIPE, text=True,
                         check=False, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
    where = "-" if args[-1] == "-" else "standard output"  # batch names its -o as for > /dev/full
    assert res.stderr == f"error: {where}: cannot write: {os.strerror(errno.EBADF)}\n", res.stderr
    assert res.returncode == 1


def test_standard_output_closed_is_no_matter_to_a_command_that_writes_none(tmp_path: Path) -> None:
    """batch -q -o FILE writes nothing to standard output: closed, it is not missed."""
    out = tmp_path / "r.csv"
    res = subprocess.run(["/bin/sh", "-c", CLOSED_STDOUT, sys.executable, "-m", "nanchang_incentives", "batch", CSV,
                          "-o", str(out), "-q"], stderr=subprocess.PIPE, text=True, check=False,
                         env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
    assert res.returncode == 0, res.stderr
    assert "7 evaluated, 0 bad; 7 result rows written" in res.stderr
    assert out.read_text(encoding="utf-8").count("\n") == 8


def test_a_closed_standard_descriptor_is_never_taken_by_a_file_the_run_opens() -> None:
    """Started with descriptors 0 and 1 closed, the first file opened took descriptor 0 (then 1): a worker
    process inherits those as its standard input and output."""
    code = ("import os, sys\n"
            "from nanchang_incentives import entry\n"
            "entry._closed_streams()\n"
            "sys.stderr.write(str(os.open(os.devnull, os.O_RDONLY)))\n")
    res = subprocess.run(["/bin/sh", "-c", 'exec "$0" "$@" <&- >&-', sys.executable, "-c", code],
                         stderr=subprocess.PIPE, text=True, check=True)
    assert int(res.stderr) > 2


def test_a_file_name_byte_that_is_not_utf8_never_reaches_the_output_raw(tmp_path: Path) -> None:
    """A profile without a name is named after its file; a file name with the byte 0x9B (the 8-bit CSI control,
    not UTF-8) wrote that raw byte to the terminal and made the JSON invalid UTF-8."""
    text = Path(LED).read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("name"))
    path = bytes(tmp_path) + b"/red\x9b2J.toml"
    with open(path, "w", encoding="utf-8") as f:
        f.write(body + "\n")
    env = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "COLUMNS": "120"}
    table = subprocess.run([bytes(EXE), b"calc", path], capture_output=True, check=False, env=env)
    assert table.returncode == 0  # (strict decoding: a raw 0x9B outside a character would fail it)
    assert table.stdout.decode("utf-8").startswith("red\\x9b2J — fiscal year 2024")
    doc = subprocess.run([bytes(EXE), b"calc", path, b"-f", b"json"], capture_output=True, check=False, env=env)
    assert doc.returncode == 0
    assert json.loads(doc.stdout.decode("utf-8"))["company"] == "red\udc9b2J"  # the JSON escape of the byte


def test_calc_reads_a_profile_piped_into_standard_input() -> None:
    """`incentives calc - < company.toml` (batch reads `-` too): the same figures as the file; '-' said it was
    not found."""
    text = Path(LED).read_text(encoding="utf-8")
    piped = CliRunner().invoke(app, ["calc", "-", "-f", "json"], input=text)
    named = CliRunner().invoke(app, ["calc", LED, "-f", "json"])
    assert piped.exit_code == 0, piped.output
    assert json.loads(piped.stdout) == json.loads(named.stdout)
    bad = CliRunner().invoke(app, ["calc", "-"], input="year = 2024\nrevenu = 1\n")
    assert bad.exit_code == 1 and "-:2, field 'revenu': unknown field (did you mean \"revenue\"?)" in bad.stderr
