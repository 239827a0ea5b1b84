"""Exit codes and messages for every kind of bad input, across calc, compare, batch and policies.

0: success. 1: bad input — the message names the file, line or row, the field
and what is expected, with no traceback. 2: usage error (a missing argument,
an unknown option, a value of the wrong kind for an option). The README's
table "What you see for bad input" lists the same cases.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nanchang_incentives.cli import app

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "example" / "policies"
BROKEN = ROOT / "tests" / "fixtures" / "policies" / "broken-many-problems.toml"
HOSTILE = ROOT / "tests" / "fixtures" / "policies" / "hostile" / "code-injection.toml"
WRONG_CASES = ROOT / "tests" / "fixtures" / "policies" / "wrong-expectations.cases.toml"

GOOD = """name = "Good Co"
jurisdiction = "nanchang"
year = 2024
industries = ["electronic-information"]
revenue = "10亿"
neeq_listed = true
"""
CSV_HEADER = "name,jurisdiction,year,industries,revenue,neeq_listed\n"
CSV_GOOD_ROW = "A,nanchang,2024,electronic-information,10亿,true\n"

#: files written into the test's directory before the command runs: name -> text (or bytes)
FILES: dict[str, str | bytes] = {
    "good.toml": GOOD,
    "unknown-field.toml": GOOD + 'revenu = "1亿"\n',
    "negative.toml": GOOD.replace('revenue = "10亿"', 'revenue = "-5万"'),
    "unknown-unit.toml": GOOD.replace('revenue = "10亿"', 'revenue = "10千万"'),
    "nan.toml": GOOD.replace('revenue = "10亿"', "revenue = nan"),
    "bad-bool.toml": GOOD.replace("neeq_listed = true", 'neeq_listed = "maybe"'),
    "bad-rate.toml": GOOD + 'lpr_1y = "3.45"\n',
    "bad-count.toml": GOOD + "rd_staff = 2.5\n",
    "no-year.toml": GOOD.replace("year = 2024\n", ""),
    "no-jurisdiction.toml": GOOD.replace('jurisdiction = "nanchang"\n', ""),
    "unknown-jurisdiction.toml": GOOD.replace('"nanchang"', '"shanghai"'),
    "not-toml.toml": GOOD + "revenue_prev = \n",
    "not-utf8.toml": GOOD.encode("gb18030"),
    "deep.toml": "x = " + "[" * 2000 + "]" * 2000 + "\n",
    "big.toml": GOOD + "# " + "x" * 1_000_000 + "\n",
    "absurd-count.toml": GOOD + "major_tech_projects = 10000000\n",
    "good.csv": CSV_HEADER + CSV_GOOD_ROW,
    "bad-rows.csv": CSV_HEADER + CSV_GOOD_ROW + "B,nanchang,2024,electronic-information,-5,true\n",
    "unknown-column.csv": "name,revenu\nA,1\n",
    "no-year.csv": "name,jurisdiction\nA,nanchang\n",
    "policies/broken.toml": BROKEN.read_text(encoding="utf-8"),
    "hostile/hostile.toml": HOSTILE.read_text(encoding="utf-8"),
}


@dataclass(frozen=True)
class Bad:
    """One kind of bad input: the command, the exit code and a piece of what the user sees."""

    what: str
    args: tuple[str, ...]
    code: int
    says: str


CASES = [
    # ---- calc
    Bad("calc: a good profile", ("calc", "good.toml", "--format", "json"), 0, '"total": "1000000.00"'),
    Bad("calc: no profile given", ("calc",), 2, "Missing argument"),
    Bad("calc: unknown option", ("calc", "good.toml", "--colour"), 2, "No such option"),
    Bad("calc: --format not one of table/json/markdown", ("calc", "good.toml", "--format", "xml"), 2,
        "error: --format xml: expected table, json or markdown, e.g. --format markdown"),
    Bad("calc: --year not a number", ("calc", "good.toml", "--year", "abc"), 2, "--year"),
    Bad("calc: file not found", ("calc", "missing.toml"), 1, "missing.toml: file not found"),
    Bad("calc: a directory instead of a file", ("calc", "policies"), 1, "policies: is a directory"),
    Bad("calc: an empty path (it was '.: is a directory')", ("calc", ""), 2,
        "error: Invalid value for 'COMPANY.toml': the path is empty (see: incentives calc --help)"),
    Bad("calc: an empty --policies-dir", ("calc", "good.toml", "--policies-dir", ""), 2,
        "error: --policies-dir: the path is empty (see: incentives calc --help)"),
    Bad("calc: a device instead of a file", ("calc", "/dev/zero"), 1,
        "/dev/zero: is a character device, not a regular file"),
    Bad("compare: a device instead of a file", ("compare", "/dev/zero"), 1, "/dev/zero: is a character device"),
    Bad("calc: a file over the size limit", ("calc", "big.toml"), 1,
        "big.toml: is larger than 1,000,000 bytes, the limit for a company profile"),
    Bad("calc: not UTF-8", ("calc", "not-utf8.toml"), 1, "not-utf8.toml: is not UTF-8 text"),
    Bad("calc: not valid TOML", ("calc", "not-toml.toml"), 1, "not-toml.toml:7: not valid TOML"),
    Bad("calc: TOML nested too deeply", ("calc", "deep.toml"), 1,
        "deep.toml:1: nested too deeply: this array goes more than 10 levels"),
    Bad("calc: unknown field", ("calc", "unknown-field.toml"), 1,
        "unknown-field.toml:7, field 'revenu': unknown field (did you mean \"revenue\"?)"),
    Bad("calc: negative money", ("calc", "negative.toml"), 1, "negative.toml:5, field 'revenue': '-5万' is negative"),
    Bad("calc: unknown money unit", ("calc", "unknown-unit.toml"), 1, "has the unknown unit '千万'"),
    Bad("calc: NaN money", ("calc", "nan.toml"), 1, "field 'revenue'"),
    Bad("calc: bad boolean", ("calc", "bad-bool.toml"), 1, "field 'neeq_listed': expected true or false"),
    Bad("calc: rate without %", ("calc", "bad-rate.toml"), 1, "field 'lpr_1y'"),
    Bad("calc: count that is not whole", ("calc", "bad-count.toml"), 1, "field 'rd_staff': expected a whole number"),
    Bad("calc: no year", ("calc", "no-year.toml"), 1, "field 'year': missing; add year = 2024"),
    Bad("calc: no jurisdiction", ("calc", "no-jurisdiction.toml"), 1, "field 'jurisdiction': missing"),
    Bad("calc: unknown jurisdiction", ("calc", "unknown-jurisdiction.toml"), 1,
        "no policy for jurisdiction 'shanghai'"),
    Bad("calc: unknown --policy", ("calc", "good.toml", "--policy", "nanchang-electronic-information-2024"), 2,
        "unknown policy or jurisdiction 'nanchang-electronic-information-2024' "
        '(did you mean "nanchang-electronic-information-2023"?)'),
    Bad("calc: --policies-dir not found", ("calc", "good.toml", "--policies-dir", "nowhere"), 1,
        "nowhere: policies directory not found"),
    Bad("calc: a broken table in --policies-dir", ("calc", "good.toml", "--policies-dir", "policies"), 1,
        "broken.toml:7, field 'titel_en': unknown key 'titel_en' (did you mean \"title_en\"?)"),
    Bad("calc: a hostile table in --policies-dir", ("calc", "good.toml", "--policies-dir", "hostile"), 1,
        "is not allowed"),
    Bad("calc: an amount beyond 10万亿 yuan", ("calc", "absurd-count.toml"), 1,
        "absurd-count.toml:7, field 'major_tech_projects': clause major_tech_project: an amount of more than "
        "10,000,000,000,000 yuan"),
    # ---- compare
    Bad("compare: good", ("compare", "good.toml", "--format", "json"), 0, '"policy": "beijing-robotics-2023"'),
    Bad("compare: no profile given", ("compare",), 2, "Missing argument"),
    Bad("compare: unknown city", ("compare", "good.toml", "--cities", "nanchang,wuhn"), 2,
        "unknown policy or jurisdiction 'wuhn' (did you mean \"wuhan-east-lake\"?)"),
    Bad("compare: bad profile", ("compare", "negative.toml"), 1, "'-5万' is negative"),
    # ---- batch
    Bad("batch: good", ("batch", "good.csv", "-o", "out.csv", "-q"), 0, ""),
    Bad("batch: no --output", ("batch", "good.csv"), 2, "Missing option '--output'"),
    Bad("batch: file not found", ("batch", "missing.csv", "-o", "out.csv"), 1, "missing.csv: file not found"),
    Bad("batch: an empty input path", ("batch", "", "-o", "out.csv"), 2,
        "error: Invalid value for 'COMPANIES.csv': the path is empty (see: incentives batch --help)"),
    Bad("batch: an empty -o (it was '.: --output is a directory')", ("batch", "good.csv", "-o", ""), 2,
        "error: --output: the path is empty (see: incentives batch --help)"),
    Bad("batch: an empty --errors", ("batch", "good.csv", "-o", "out.csv", "--errors", ""), 2,
        "error: --errors: the path is empty (see: incentives batch --help)"),
    Bad("batch: an empty --summary-json", ("batch", "good.csv", "-o", "out.csv", "--summary-json", ""), 2,
        "error: --summary-json: the path is empty (see: incentives batch --help)"),
    Bad("batch: some bad rows (the good ones are written)", ("batch", "bad-rows.csv", "-o", "out.csv", "-q"), 1,
        "line 3 (row 2, B), field 'revenue' (value '-5'): '-5' is negative"),
    Bad("batch: unknown column", ("batch", "unknown-column.csv", "-o", "out.csv"), 1,
        "unknown-column.csv:1, field 'revenu': unknown column (did you mean \"revenue\"?)"),
    Bad("batch: no year column", ("batch", "no-year.csv", "-o", "out.csv"), 1, "the CSV has no year column"),
    Bad("batch: unknown --policy", ("batch", "good.csv", "-o", "out.csv", "--policy", "nope"), 2,
        "unknown policy or jurisdiction 'nope'"),
    # ---- policies
    Bad("policies: no subcommand", ("policies",), 2, "Usage"),
    Bad("policies: unknown subcommand", ("policies", "lint"), 2, "No such command"),
    Bad("policies list: good", ("policies", "list"), 0, "nanchang-electronic-information-2023"),
    Bad("policies list: bad --on date", ("policies", "list", "--on", "tomorrow"), 2,
        "error: --on tomorrow: expected a date as YYYY-MM-DD"),
    Bad("policies show: unknown id", ("policies", "show", "shenzhen-robotics"), 2,
        "unknown policy or jurisdiction 'shenzhen-robotics'"),
    Bad("policies show: unknown --clause", ("policies", "show", "beijing-robotics-2023", "--clause", "robot_fnd"), 2,
        "has no clause 'robot_fnd' (did you mean \"robot_fund\"?)"),
    Bad("policies validate: a broken table", ("policies", "validate", "policies/broken.toml"), 1,
        "policies/broken.toml: FAILED: 11 error(s)"),
    Bad("policies validate: a hostile table", ("policies", "validate", "hostile/hostile.toml"), 1,
        "calling '__import__(\"os\").system' is not allowed"),
    Bad("policies validate: an empty path (it validated the current directory)", ("policies", "validate", ""), 2,
        "the path is empty (see: incentives policies validate --help)"),
    Bad("policies validate: file not found", ("policies", "validate", "missing.toml"), 1,
        "missing.toml: error: file not found"),
    Bad("policies validate: good", ("policies", "validate", str(EXAMPLE)), 0, "OK"),
    Bad("policies test: all bundled cases", ("policies", "test"), 0, " 0 failed"),
    Bad("policies test: a failing case", ("policies", "test", str(WRONG_CASES)), 1, "1 passed, 1 failed"),
    Bad("policies test: unknown id", ("policies", "test", "nanchan9"), 2, "unknown policy or jurisdiction 'nanchan9'"),
]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, content in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _registered(command: str) -> bool:
    return any((c.name or getattr(c.callback, "__name__", "")) == command for c in app.registered_commands) or \
        any(g.name == command for g in app.registered_groups)


def test_every_command_of_the_spec_is_registered() -> None:
    assert all(_registered(c) for c in ("calc", "compare", "batch", "policies"))


@pytest.mark.parametrize("bad", CASES, ids=lambda b: b.what)
def test_exit_code_and_message(workdir: Path, bad: Bad) -> None:
    result = CliRunner().invoke(app, list(bad.args), env={"INCENTIVES_POLICIES_DIR": "", "NO_COLOR": "1",
                                                          "COLUMNS": "200"})
    assert result.exit_code == bad.code, result.output
    assert bad.says in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if bad.code == 1 and bad.args[0] != "policies":
        assert "error: " in result.output or "bad row: " in result.output


def test_a_batch_with_bad_rows_still_writes_every_good_row(workdir: Path) -> None:
    result = CliRunner().invoke(app, ["batch", "bad-rows.csv", "-o", "out.csv", "-q", "--errors", "bad.csv"],
                                env={"INCENTIVES_POLICIES_DIR": ""})
    assert result.exit_code == 1
    with (workdir / "out.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    # row 1 (A): neeq_listing 100万 = 1,000,000.00; row 2 (B) is bad and left out
    assert [(r["row"], r["name"], r["policy"], r["total"], r["neeq_listing"]) for r in rows] == \
        [("1", "A", "nanchang-electronic-information-2023", "1000000.00", "1000000.00")]
    assert "'-5' is negative" in (workdir / "bad.csv").read_text(encoding="utf-8")


# ---------------------------------------------------------------- a file that exists but may not be read

EXE = Path(sys.executable).parent / "incentives"
NO_READ_OVERRIDE = ("--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search")


def _unable_to_read(path: Path) -> list[str] | None:
    """What runs a command that cannot read ``path`` (chmod 000): nothing more for a user; for root, setpriv
    without the two capabilities that let it read any file; None when neither is possible here."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            return None
        prefix = [setpriv, *NO_READ_OVERRIDE]
    probe = subprocess.run([*prefix, sys.executable, "-c", "import sys; open(sys.argv[1], 'rb')", str(path)],
                           capture_output=True, check=False)
    return prefix if probe.returncode != 0 and b"PermissionError" in probe.stderr else None


@pytest.mark.parametrize("args,name", [
    (("calc", "{}"), "good.toml"), (("compare", "{}"), "good.toml"),
    (("explore", "{}", "--vary", "revenue=1亿..2亿"), "good.toml"),
    (("batch", "{}", "-o", "out.csv"), "good.csv"), (("batch", "{}", "-o", "out.xlsx"), "good.csv"),
])
def test_a_file_that_cannot_be_read_is_bad_input_not_a_usage_error(workdir: Path, args: tuple[str, ...],
                                                                   name: str) -> None:
    """A profile or CSV with no read permission was Typer's usage error: `Invalid value for 'COMPANY.toml':
    Path 'good.toml' is not readable`, exit 2; it is the message every other unreadable file gets, exit 1."""
    (workdir / name).chmod(0)
    prefix = _unable_to_read(workdir / name)
    if prefix is None:
        pytest.skip("no way here to run without the permission to read any file (root without setpriv)")
    res = subprocess.run([*prefix, str(EXE), *(a.format(name) for a in args)], capture_output=True, text=True,
                         check=False, cwd=workdir, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1",
                                                        "INCENTIVES_POLICIES_DIR": ""})
    assert res.stderr == f"error: {name}: cannot read: Permission denied\n", res.stderr
    assert res.returncode == 1
    assert not (workdir / "out.csv").exists() and not (workdir / "out.xlsx").exists()


def test_the_command_line_leaves_reading_a_file_to_the_command(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever os.access says (it refused a readable file under some ACLs and capability sets, and an output
    one may write but not read), the command line passes the file on; the command's own reading decides."""
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: False if mode == os.R_OK else real_access(path, mode))
    for args in (["calc", "good.toml", "--format", "json"], ["batch", "good.csv", "-o", "out.csv", "-q"]):
        res = CliRunner().invoke(app, args, env={"INCENTIVES_POLICIES_DIR": "", "NO_COLOR": "1"})
        assert res.exit_code == 0, res.output
    (workdir / "out.csv").chmod(0o200)  # written by the last run; now write-only: -o replaces it all the same
    res = CliRunner().invoke(app, ["batch", "good.csv", "-o", "out.csv", "-q"], env={"INCENTIVES_POLICIES_DIR": ""})
    assert res.exit_code == 0, res.output


def test_batch_says_a_csv_it_cannot_open_cannot_be_read(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The open itself failing (here faked, for a test run that may read anything): one line, exit 1, nothing
    written; before, the first reader's bare `good.csv: Permission denied`."""
    import builtins

    real_open = builtins.open

    def refuse(file, *args, **kwargs):
        if str(file) == "good.csv":
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refuse)
    res = CliRunner().invoke(app, ["batch", "good.csv", "-o", "out.csv"], env={"INCENTIVES_POLICIES_DIR": ""})
    assert res.exit_code == 1
    assert res.output == "error: good.csv: cannot read: Permission denied\n"
    assert not (workdir / "out.csv").exists()


@pytest.mark.parametrize("command", ["calc", "compare", "explore"])
def test_a_profile_named_as_a_pipe_says_to_use_dash(workdir: Path, command: str) -> None:
    """`cat company.toml | incentives calc /dev/stdin`: a pipe is never read as a profile (it could block); the
    message now says how to read one, `-`."""
    args = [str(EXE), command, "/dev/stdin"] + (["--vary", "revenue=1亿..2亿"] if command == "explore" else [])
    res = subprocess.run(args, input=GOOD, capture_output=True, text=True, check=False, cwd=workdir,
                         env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "INCENTIVES_POLICIES_DIR": ""})
    assert res.stderr == ("error: /dev/stdin: is a FIFO (named pipe), not a regular file; expected a company profile "
                          f"saved as a .toml file; use - to read standard input (… | incentives {command} -)\n")
    assert res.returncode == 1
    dash = subprocess.run([*args[:2], "-", *args[3:]], input=GOOD, capture_output=True, text=True, check=False,
                          cwd=workdir, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "INCENTIVES_POLICIES_DIR": ""})
    assert dash.returncode == 0, dash.stderr
