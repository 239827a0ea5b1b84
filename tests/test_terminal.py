"""The one Terminal (render/terminal.py) and text.visible: width, colour, quiet, progress, errors."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nanchang_incentives.render.terminal import PIPE_WIDTH, Terminal, colour_for, width_of
from nanchang_incentives.text import visible

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- visible


@pytest.mark.parametrize(("raw", "shown"), [
    ("plain 南昌 Co.", "plain 南昌 Co."),
    ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),                  # OSC title + BEL
    ("\x1b[2J", "\\x1b[2J"),                                      # clear screen
    ("\x1b]52;c;ZXZpbA==\x07", "\\x1b]52;c;ZXZpbA==\\x07"),      # OSC 52: write the clipboard
    ("a\x00b\x7fc", "a\\x00b\\x7fc"),                             # NUL, DEL
    ("\x9b31m\x9d", "\\x9b31m\\x9d"),                             # C1 CSI and OSC
    ("abc\u202edcba", "abc\\u202edcba"),                          # RIGHT-TO-LEFT OVERRIDE
    ("\u2066x\u2069", "\\u2066x\\u2069"),                          # isolates
    ("a\u2028b", "a\\u2028b"),                                    # line separator
    ("a\nb\tc\r", "a\\x0ab\\x09c\\x0d"),                          # nothing kept unless asked
    ("C:\\data\\公司.toml", "C:\\data\\公司.toml"),                # backslashes stay
])
def test_visible(raw: str, shown: str) -> None:
    assert visible(raw) == shown


def test_visible_keeps_only_what_the_caller_allows() -> None:
    assert visible("a\nb\tc\x1b", allow="\n") == "a\nb\\x09c\\x1b"
    assert visible("a\nb\tc", allow="\n\t") == "a\nb\tc"


# ---------------------------------------------------------------- width and colour


def test_width_not_a_terminal_is_columns_else_120() -> None:
    pipe = io.StringIO()
    assert PIPE_WIDTH == 120
    assert width_of(pipe, {}) == 120
    assert width_of(pipe, {"COLUMNS": "80"}) == 80
    assert width_of(pipe, {"COLUMNS": "200"}) == 200
    assert width_of(pipe, {"COLUMNS": "wide"}) == 120
    assert width_of(pipe, {"COLUMNS": "0"}) == 120


def test_width_of_a_real_terminal_is_its_own() -> None:
    """A pseudo-terminal of 93 columns: its width wins over $COLUMNS."""
    import fcntl  # POSIX only, like the pseudo-terminal itself
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    try:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 93, 0, 0))
        with os.fdopen(os.dup(slave), "w") as tty:
            assert width_of(tty, {"COLUMNS": "200"}) == 93
            assert colour_for(tty, {}) is True
            assert colour_for(tty, {"NO_COLOR": "1"}) is False
    finally:
        os.close(master)
        os.close(slave)


def test_a_terminal_that_reports_no_size_takes_columns_or_the_pipe_width() -> None:
    """`script -qc … /dev/null`, `docker exec -t`, some CI runners: a pseudo-terminal of 0 × 0 was laid out at 20
    columns (ids split: rd_post_subsidy_topu / p), whatever $COLUMNS said."""
    import fcntl
    import pty
    import struct
    import termios

    from nanchang_incentives.render.terminal import height_of

    master, slave = pty.openpty()
    try:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 0, 0, 0, 0))
        with os.fdopen(os.dup(slave), "w") as tty:
            assert (width_of(tty, {"COLUMNS": "60"}), width_of(tty, {}), width_of(tty, {"COLUMNS": "0"})) == (
                60, PIPE_WIDTH, PIPE_WIDTH)
            assert (height_of(tty, {"LINES": "40"}), height_of(tty, {})) == (40, 25)
    finally:
        os.close(master)
        os.close(slave)


@pytest.mark.parametrize("env", [{"TERM": "dumb"}, {"TERM": "dumb", "COLUMNS": "40"}, {"TERM": "xterm-256color"}])
def test_a_dumb_terminal_is_laid_out_at_its_own_width(env) -> None:
    """TERM=dumb (Emacs shells, some CI logs): Rich alone lays it out at 80 columns whatever its size, so a
    figure near the end of an 80-column line was cut by a 60-column terminal."""
    import fcntl
    import pty
    import struct
    import termios

    from nanchang_incentives.render.terminal import make_console

    master, slave = pty.openpty()
    try:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 60, 0, 0))
        with os.fdopen(os.dup(slave), "w") as tty:
            console = make_console(tty, stderr=False, environ=env)
            assert (console.width, console.height) == (60, 30)
            assert make_console(io.StringIO(), stderr=False, environ={**env, "LINES": "40"}).height == 40
    finally:
        os.close(master)
        os.close(slave)


@pytest.mark.parametrize(("env", "colour"), [
    ({}, False),                                    # a pipe: no colour
    ({"FORCE_COLOR": "1"}, True),                   # forced
    ({"FORCE_COLOR": ""}, False),                   # empty is unset
    ({"NO_COLOR": "1"}, False),
    ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),  # NO_COLOR wins
])
def test_colour_rule_for_a_pipe(env: dict[str, str], colour: bool) -> None:
    out, err = io.StringIO(), io.StringIO()
    term = Terminal.create(environ=env, stdout=out, stderr=err)
    assert term.colour is colour
    term.out.print("[bold red]x[/]")
    assert ("\x1b[" in out.getvalue()) is colour


def test_both_consoles_follow_the_rule() -> None:
    term = Terminal.create(environ={"COLUMNS": "88"}, stdout=io.StringIO(), stderr=io.StringIO())
    assert term.width == term.out.width == term.err.width == 88
    assert not term.quiet


def test_the_same_width_for_every_command_when_piped(tmp_path: Path) -> None:
    """calc, compare, batch's budget view: each line of each is at most $COLUMNS (or 120) wide, never Rich's 80."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR", "INCENTIVES_POLICIES_DIR")}
    env["NO_COLOR"] = "1"
    exe = str(Path(sys.executable).parent / "incentives")
    runs = [[exe, "calc", str(ROOT / "samples" / "nanchang-si-led-maker.toml")],
            [exe, "compare", str(ROOT / "samples" / "multi-industry.toml")],
            [exe, "batch", str(ROOT / "samples" / "companies.csv"), "-o", "r.csv"]]  # a short name: its summary
    # line is never wrapped, so that the file name can be copied
    for cmd in runs:
        for columns in (None, "200"):
            run_env = dict(env, **({"COLUMNS": columns} if columns else {}))
            res = subprocess.run(cmd, capture_output=True, text=True, env=run_env, check=False, cwd=tmp_path)
            assert res.returncode == 0, res.stderr
            widest = max(len(line) for line in res.stdout.splitlines())
            assert widest <= int(columns or PIPE_WIDTH), (cmd, columns)
            assert widest > 80  # laid out for the documented width, not Rich's default


# ---------------------------------------------------------------- errors, quiet, progress


def test_error_is_one_line_with_controls_made_visible() -> None:
    err = io.StringIO()
    term = Terminal.create(environ={"COLUMNS": "40"}, stdout=io.StringIO(), stderr=err)
    term.error("evil\x1b[2J.toml:3, field 'name': " + "x" * 80)
    assert err.getvalue() == "error: evil\\x1b[2J.toml:3, field 'name': " + "x" * 80 + "\n"


def test_quiet_hides_warnings_and_the_progress_bar() -> None:
    err = io.StringIO()
    term = Terminal.create(environ={}, stdout=io.StringIO(), stderr=err)
    quiet = term.quieted(True)
    assert quiet.quiet and not term.quiet and term.quieted(False) is term
    quiet.warning("hidden")
    term.warning("shown\x07")
    assert err.getvalue() == "warning: shown\\x07\n"
    with quiet.progress() as update:
        update(1, 2, 3, 0)
    assert err.getvalue() == "warning: shown\\x07\n"


def test_progress_is_a_no_op_when_stderr_is_not_a_terminal() -> None:
    err = io.StringIO()
    term = Terminal.create(environ={"FORCE_COLOR": "1"}, stdout=io.StringIO(), stderr=err)
    with term.progress() as update:
        update(10, 100, 5, 1)
    assert err.getvalue() == ""


def test_budget_keeps_its_progress_name() -> None:
    from nanchang_incentives.render import budget, terminal

    assert budget.progress is terminal.progress


def test_write_is_exact() -> None:
    out = io.StringIO()
    term = Terminal.create(environ={"COLUMNS": "10"}, stdout=out, stderr=io.StringIO())
    term.write('{"name": "[bold]a very long line that is not wrapped"}')
    term.write("no newline", end="")
    assert out.getvalue() == '{"name": "[bold]a very long line that is not wrapped"}\nno newline'


# ---------------------------------------------------------------- a stream in a legacy encoding (Chinese Windows)

GBK_RUNS = [
    ("calc", "samples/nanchang-small-firm-capped.toml"),  # "−" in its range figures
    ("calc", "samples/nanchang-small-firm-capped.toml", "--format", "markdown", "--all"),
    ("calc", "samples/nanchang-si-led-maker.toml", "--format", "json"),
    ("calc", "samples/nanchang-si-led-maker.toml", "--set", "rd_staff=99"),
    ("compare", "samples/multi-industry.toml"),  # "░" in its bars
    ("compare", "samples/multi-industry.toml", "--format", "json"),
    ("explore", "samples/nanchang-small-firm-capped.toml", "--vary", "sales_revenue=1000万..10亿"),
    ("policies", "show", "nanchang"),
    ("batch", "samples/companies.csv", "-o", "/dev/null"),  # its summary tables (the CSV keeps its encoding)
]


@pytest.mark.parametrize("args", GBK_RUNS, ids=lambda a: " ".join(a[:2]))
def test_output_redirected_in_gbk_is_whole_and_never_a_traceback(args, tmp_path):
    """Chinese Windows writes redirected output in cp936: characters GBK lacks (−, ░) become look-alikes;
    every figure and every Chinese word of the UTF-8 run is there, JSON still parses."""
    import json
    import re

    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NO_COLOR": "1", "COLUMNS": "120"}
    exe = [sys.executable, "-m", "nanchang_incentives", *args]
    gbk = subprocess.run(exe, capture_output=True, cwd=ROOT, env={**env, "PYTHONIOENCODING": "cp936"}, check=False)
    utf = subprocess.run(exe, capture_output=True, cwd=ROOT, env={**env, "PYTHONIOENCODING": "utf-8"}, check=False)
    assert b"Traceback" not in gbk.stderr, gbk.stderr.decode("gbk", "replace")
    assert gbk.returncode == utf.returncode == 0
    got = gbk.stdout.decode("gbk") + gbk.stderr.decode("gbk")
    want = (utf.stdout.decode("utf-8") + utf.stderr.decode("utf-8")).replace("\u2212", "-")
    figures = re.compile(r"-?\d[\d,]*\.\d{2}\b|[\u4e00-\u9fff]+")  # every amount and every Chinese word
    assert figures.findall(got) == figures.findall(want)
    assert len(figures.findall(got)) > 10
    if "json" in args:
        assert json.loads(got) == json.loads(want)


def test_the_substitutes_are_in_gbk_and_a_utf8_stream_is_left_alone():
    from nanchang_incentives.render.terminal import SUBSTITUTES, fit_stream

    for sub in SUBSTITUTES.values():
        sub.encode("gbk")
    buf = io.BytesIO()
    stream = io.TextIOWrapper(buf, encoding="gbk")
    fit_stream(stream)
    stream.write("−1,234.00 ░█ 南昌 \U0001d41e \u0e01")
    stream.flush()
    assert buf.getvalue().decode("gbk") == "-1,234.00 .█ 南昌 e ?"
    utf = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    fit_stream(utf)
    assert utf.errors == "strict"


# ---------------------------------------------------------------- Markdown: a company name is text, not markup

EVIL_NAME = "*ST 康美_A* <img src=x onerror=alert(1)> [点我](http://evil.example) `x` | &amp;"
EVIL_SHOWN = ("\\*ST 康美\\_A\\* \\<img src=x onerror=alert(1)\\> \\[点我\\](http://evil.example) \\`x\\` \\| "
              "\\&amp;")


@pytest.mark.parametrize("extra", [(), ("--set", "revenue=6000万"), ("--vary", "revenue=1000万..1亿")],
                         ids=["calc", "what-if", "sweep"])
def test_markdown_headings_escape_the_company_name(tmp_path: Path, extra: tuple[str, ...]) -> None:
    profile = tmp_path / "evil.toml"
    profile.write_text(f'name = "{EVIL_NAME}"\njurisdiction = "nanchang"\nyear = 2025\n'
                       'industries = ["electronic-information"]\nrevenue = "5000万"\n', encoding="utf-8")
    command = "explore" if "--vary" in extra else "calc"
    exe = [sys.executable, "-m", "nanchang_incentives", command, str(profile), *extra, "--format", "markdown"]
    out = subprocess.run(exe, capture_output=True, text=True, cwd=ROOT, check=True).stdout
    heading = out.splitlines()[0]
    assert heading.startswith("# ") and EVIL_SHOWN in heading, heading
    assert not re.search(r"(?<!\\)<img|(?<!\\)\]\(http", out), "markup left unescaped"


def test_markdown_compare_escapes_the_name_in_its_heading_and_statements(tmp_path: Path) -> None:
    profile = tmp_path / "evil.toml"
    profile.write_text(f'name = "{EVIL_NAME}"\njurisdiction = "nanchang"\nyear = 2025\n'
                       'industries = ["led"]\nrevenue = "5000万"\n', encoding="utf-8")
    exe = [sys.executable, "-m", "nanchang_incentives", "compare", str(profile), "--format", "markdown"]
    out = subprocess.run(exe, capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.splitlines()[0] == f"# {EVIL_SHOWN}: site comparison, fiscal year 2025"
    assert not re.search(r"(?<!\\)<img|(?<!\\)\]\(http", out), "markup left unescaped"


def test_an_industry_tag_with_escape_codes_never_reaches_the_terminal_raw(tmp_path) -> None:
    # the unknown-tag warning wrote the tag as typed: \x1b[31m coloured, \x1b[8m hid the rest of the output
    src = tmp_path / "t.toml"
    src.write_text('name = "T"\njurisdiction = "nanchang"\nyear = 2024\n'
                   'industries = ["electronic-information", "x\\u001b[8mhidden\\u001b]0;owned\\u0007"]\n',
                   encoding="utf-8")
    from typer.testing import CliRunner

    from nanchang_incentives.cli import app

    for args in (["calc", str(src)], ["calc", str(src), "--format", "markdown"], ["compare", str(src)],
                 ["calc", str(src), "--lang", "zh"]):
        res = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
        assert "\x1b" not in res.output and "\x07" not in res.output, args
        said = "不是任何政策或行业词表所知的行业" if "zh" in args else "is not an industry"  # (--lang zh: in Chinese)
        # (the ';' inside the list item separates two tags, as it does in a text: each escaped)
        assert f"x\\x1b[8mhidden\\x1b]0, owned\\x07 {said}" in " ".join(res.output.split()), args  # (wrapped)


def test_json_output_escapes_the_characters_that_reorder_or_hide_text(tmp_path) -> None:
    # a name holding U+202E (right-to-left override) and U+200B reached the terminal raw in --format json, and
    # turned the rest of the line around; the data is the same to any JSON parser
    import json

    from typer.testing import CliRunner

    from nanchang_incentives.cli import app

    src = tmp_path / "t.toml"
    src.write_text('name = "Evil\\u202eCBA\\u200bX"\njurisdiction = "nanchang"\nyear = 2024\n'
                   'industries = ["electronic-information"]\n', encoding="utf-8")
    for args in (["calc", str(src), "--format", "json"], ["compare", str(src), "--format", "json"]):
        res = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
        assert res.exit_code == 0, res.output
        assert "\u202e" not in res.output and "\u200b" not in res.output
        assert "Evil\\u202eCBA\\u200bX" in res.output
        assert json.loads(res.output)["company"] == "Evil\u202eCBA\u200bX"
