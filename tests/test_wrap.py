"""Messages and notes wrap at words and between Chinese characters, never inside a figure, an id or an escape.

Before, a ``bad row:`` or ``error:`` line went to the terminal unwrapped and the terminal cut it at its edge
(``12,345,`` / ``678.90``), and Rich folded a Chinese sentence wherever its line ended (``2023—202`` / ``5年``).
"""

from __future__ import annotations

import io
import re

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from nanchang_incentives.batch import BatchReport
from nanchang_incentives.csvio import RowProblem
from nanchang_incentives.render.budget import print_problems
from nanchang_incentives.render.terminal import Terminal, print_message
from nanchang_incentives.render.wrap import Prose, break_offsets, widest_piece, wrap_unbroken

#: what must never be cut: amounts, ranges of years, ids, escapes, quoted error values, line numbers
WHOLE = ["12,345,678.90", "2023—2025年", "1,200,000", "120万元", "nanchang-electronic-information-2023",
         r"\x07", "'#N/A'", "1.2E+09", "3.10%", "1048576"]
TEXT = ("bad row: 企业名单.csv line 1048576 (row 3, 南昌某某电子信息科技有限公司), field 'rd_expense' (value '#N/A'): "
        "'#N/A' is not an amount of money; expected 1,200,000 or 120万元 or 1.2E+09; 有效期为2023—2025年，"
        "按一年期LPR 3.10%计算，合计12,345,678.90元；policy nanchang-electronic-information-2023 "
        r"name has \x07 in it")


def lines_of(text: str | Text, width: int, terminal: bool = True) -> list[str]:
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=terminal, color_system=None, highlight=False)
    print_message(console, text)
    return buf.getvalue().splitlines()


@pytest.mark.parametrize("width", range(40, 121, 4))
def test_a_message_on_a_terminal_wraps_within_its_width_and_keeps_every_figure_whole(width: int) -> None:
    lines = lines_of(TEXT, width)
    assert len(lines) > 1
    assert max(cell_len(x) for x in lines) <= width
    for figure in WHOLE:
        assert any(figure in x for x in lines), (figure, width, lines)
    # nothing lost or added but the spaces the lines were broken at
    assert re.sub(r"\s", "", "".join(lines)) == re.sub(r"\s", "", TEXT)


def test_a_message_into_a_file_or_pipe_is_one_line() -> None:
    assert lines_of(TEXT, 40, terminal=False) == [TEXT]


def test_continuation_lines_of_an_indented_line_keep_its_indentation() -> None:
    lines = lines_of(Prose("  why: the clause cap 10,000,000.00 per year applied to 15,000,000.00"), 30)
    assert lines == ["  why: the clause cap", "  10,000,000.00 per year", "  applied to 15,000,000.00"]


def test_a_year_range_inside_chinese_text_is_not_split() -> None:
    """The case a terminal review found at 42-46 columns (a policy note in the batch budget view)."""
    text = "(the companion 《北京市机器人产业创新发展行动方案（2023—2025年）》 runs 2023–2025, which"
    for width in range(30, 60):
        buf = io.StringIO()
        Console(file=buf, width=width, force_terminal=True, color_system=None).print(Prose(text, style="yellow"))
        out = buf.getvalue()
        assert "2023—2025年" in out and "2023–2025" in out, (width, out)


def test_a_piece_wider_than_the_line_is_folded_and_nothing_is_lost() -> None:
    assert wrap_unbroken("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert break_offsets("12,345,678.90", 5) == [5, 10]


def test_a_figure_and_its_unit_apart_by_a_space_stay_together() -> None:
    assert wrap_unbroken("给予最高不超过 200 万元奖励", 16) == ["给予最高不超过", "200 万元奖励"]


def test_error_and_warning_lines_of_the_terminal_wrap_on_a_terminal_only() -> None:
    for tty in (True, False):
        buf = io.StringIO()
        console = Console(file=buf, width=40, force_terminal=tty, color_system=None)
        term = Terminal(console, console, False, "en")
        term.error("a.toml: field 'revenue': '12,345,678.90美元' is not an amount of money")
        term.warning("policy nanchang-electronic-information-2023 ended on 2025-12-31")
        lines = buf.getvalue().splitlines()
        if tty:
            assert lines[0] == "error: a.toml: field 'revenue':"
            assert "'12,345,678.90美元' is not an amount of" in lines[1]
            assert any(x.startswith("nanchang-electronic-information-2023") for x in lines)
        else:
            assert len(lines) == 2


def test_bad_row_lines_keep_the_line_number_and_value_whole() -> None:
    problem = RowProblem(row=2, line=3, name="南昌乙公司", field="rd_expense", value="12,345,678.90美元",
                         message="'12,345,678.90美元' is not an amount of money")
    report = BatchReport(input="企业名单.csv", output="out.csv", encoding="UTF-8", bad_rows=1, problems=[problem])
    for width in range(30, 81, 5):
        buf = io.StringIO()
        print_problems(report, Console(file=buf, width=width, force_terminal=True, color_system=None))
        lines = buf.getvalue().splitlines()
        assert max(cell_len(x) for x in lines) <= width, (width, lines)  # the terminal cuts nothing
        assert any("line 3" in x for x in lines), (width, lines)
        assert sum(x.count("'12,345,678.90美元'") for x in lines) == 2, (width, lines)


def test_policies_output_said_on_a_terminal_wraps_and_keeps_its_figures_and_indentation() -> None:
    # `policies validate` / `policies test` went out unwrapped: the terminal cut 'scale_up_awar' / 'd' and
    # "expected: 3000000." / "01"
    for tty in (True, False):
        buf = io.StringIO()
        console = Console(file=buf, width=44, force_terminal=tty, color_system=None)
        Terminal(console, console, False, "en").say(
            "  FAIL hq_relocation: 10% of 3000万 paid-in capital = 300万 (exact) 2023—2025年 12,345,678.90元\n"
            "    total                 expected: 3000000.01\n"
            "                               got: 3000000.00")
        lines = buf.getvalue().splitlines()
        if not tty:
            assert len(lines) == 3
            continue
        assert max(cell_len(x) for x in lines) <= 44
        for figure in ("3000000.01", "3000000.00", "12,345,678.90元", "2023—2025年", "hq_relocation:"):
            assert any(figure in x for x in lines), (figure, lines)
        assert lines[1].startswith("  ") and lines[1].strip()  # a continuation keeps the line's indentation


def test_a_quoted_figure_and_an_escape_sequence_stay_whole() -> None:
    # "(value '12," / "345,678.90元多'):" at 20 columns, and "\x1b" / "[31m" in a name
    for width in range(18, 40):
        lines = wrap_unbroken("bad row: 企业.csv line 2 (value '12,345,678.90元多'): 恶意\\x1b[31m红色 name", width)
        assert any("'12,345,678.90元" in x for x in lines), (width, lines)
        assert any("\\x1b[31m" in x for x in lines), (width, lines)


def test_zero_width_characters_are_written_out_like_the_bidi_controls() -> None:
    # two names that differ only by a U+200B looked the same in every message (the bidi controls were escaped)
    from nanchang_incentives.text import visible

    assert visible("零宽\u200b公司\ufeff尾\u2060") == "零宽\\u200b公司\\ufeff尾\\u2060"
    assert visible("南昌甲公司") == "南昌甲公司"


@pytest.mark.parametrize(("text", "width", "lines"), [
    ("实际履约金额 80,000,000.00 × 5% = up to 4,000,000.00", 40,
     ["实际履约金额 80,000,000.00 × 5% = ", "up to 4,000,000.00"]),
    ("(exact 31,339,200.00 + up to 4,000,000.00)", 30, ["(exact 31,339,200.00 + ", "up to 4,000,000.00)"]),
    ("granted up to 4,000,000.00 (at least 2,000,000.00)", 40,
     ["granted up to 4,000,000.00 ", "(at least 2,000,000.00)"]),
    ("合计 最高 29,123,456.79 确定", 20, ["合计 ", "最高 29,123,456.79 ", "确定"]),
])
def test_a_qualifier_stays_with_the_figure_it_qualifies(text: str, width: int, lines: list[str]) -> None:
    # "= up" at a line's end and "to 4,000,000.00" on the next read as two things (SPEC §3: a ceiling is said)
    offsets = break_offsets(text, width)
    assert [text[a:b] for a, b in zip([0, *offsets], [*offsets, len(text)])] == lines


@pytest.mark.parametrize(("text", "width", "lines"), [
    ("0.00 (at least 2,000,000.00)", 8, ["0.00 ", "(at ", "least ", "2,000,00", "0.00)"]),
    ("set up to 5 items", 6, ["set ", "up to ", "5 ", "items"]),
    ("4,000,000.00 (at least 2,000,000.00)", 17, ["4,000,000.00 ", "(at least ", "2,000,000.00)"]),
])
def test_a_qualifier_wider_than_the_line_breaks_at_its_spaces_and_no_line_starts_with_one(text, width, lines):
    # narrower than "up to 5" a held space began a line (" to 5", " least"); "(at" / "least" was still split at 17
    offsets = break_offsets(text, width)
    got = [text[a:b] for a, b in zip([0, *offsets], [*offsets, len(text)])]
    assert got == lines and not any(line.startswith(" ") for line in got)


def test_a_totals_line_wraps_under_its_figure_and_a_chinese_label_counts_its_cells() -> None:
    # the totals block: 合计 is two characters and four cells; its continuation lines start under the figure,
    # and the line the label opens is cut where its cells (not its characters) reach the width
    line = "合计                  最高 35,339,200.00（确定 31,339,200.00 + 最高 4,000,000.00）"
    console = Console(width=60, record=True)
    for width, want in [
        (60, ["合计                  最高 35,339,200.00（确定 31,339,200.00",
              "                      + 最高 4,000,000.00）"]),
        (44, ["合计                  最高 35,339,200.00",
              "                      （确定 31,339,200.00 +",
              "                      最高 4,000,000.00）"]),
        (40, ["合计", "最高 35,339,200.00（确定 31,339,200.00 +", "最高 4,000,000.00）"]),  # no room: the margin
    ]:
        got = [x.plain for x in Prose(line, hang=22).wrap(console, width)]
        assert got == want and all(cell_len(x) <= width for x in got)


def test_a_count_stays_with_its_measure_word() -> None:
    # "7 项条款" at a line's end read "7" / "项条款文本…"
    assert wrap_unbroken("酌情条款              7 项条款文本无金额，不计入合计", 23) == [
        "酌情条款", "7 项条款文本无金额，不", "计入合计"]


def test_a_qualifier_written_against_its_figure_and_a_long_up_to_figure_stay_whole() -> None:
    # "最高" / "3000万元)" at 33 columns (a quoted sentence), and a calculation column sized to the figure alone
    # split "= up to" / "1,999,998,000,000.00" at 104-116 columns
    assert wrap_unbroken("rate (根据攻关投入予以支持，最高3000万元); the ceiling shown", 33) == [
        "rate (根据攻关投入予以支持，", "最高3000万元); the ceiling shown"]
    text = "projects 999999 × 2,000,000.00 per project = up to 1,999,998,000,000.00"
    assert widest_piece(text) == len("up to 1,999,998,000,000.00")
    assert wrap_unbroken(text, 30)[-1] == "up to 1,999,998,000,000.00"


@pytest.mark.parametrize(("text", "width", "kept"), [
    ("nanchang-electronic-information-2023：计算 5 家企业，5 家有金额，1 家按企业年度上限核减", 60, "1 家"),
    ("[4] smart_factory：1 个项目按每个项目上限 5,000,000.00 核减", 20, "1 个项目"),
    ("读取 7 行（UTF-8）：计算 7 行，0 行有问题", 28, "0 行有问题"),
    ("提示：2024 财年 1家、2026 财年 1家", 12, "2026 财年"),
])
def test_any_count_stays_with_its_measure_word(text: str, width: int, kept: str) -> None:
    # "…5 家有金额，1" / "家按企业年度上限核减" at 80 columns: the count on one line, what it counts on the next
    starts = break_offsets(text, width)
    lines = [text[a:b].strip() for a, b in zip(starts, [*starts[1:], len(text)])]
    assert any(kept in line for line in lines), lines
