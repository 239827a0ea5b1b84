"""`batch -o -` on a terminal: a cell's control characters are written out, not run by the terminal.

A cell can hold ESC sequences (a CSV's raw bytes, an .xlsx's ``_x001B_``) that clear the screen, retitle the
window or, with a lone carriage return, write over the start of the line: a figure on the screen could be
overwritten by a company's name. Into a file or a pipe the data stay byte for byte what the cell held.
"""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from nanchang_incentives.batch import StreamTarget

NAME = "Evil\x1b[2J\x1b]0;pwn\x07 Co\rX"
SHOWN = r"Evil\x1b[2J\x1b]0;pwn\x07 Co\x0dX"


def _sheet(tmp_path: Path) -> Path:
    src = tmp_path / "ctl.csv"
    src.write_text(f'name,jurisdiction,year,industries,sales_revenue\n"{NAME}",nanchang,2024,'
                   f"electronic-information,1亿\n", encoding="utf-8")
    return src


def _on_a_terminal(cmd: list[str], stderr_too: bool = False, cwd: Path | None = None) -> bytes:
    """What ``cmd`` writes with its standard output (and, ``stderr_too``, its standard error) on a terminal."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, stdout=slave, stderr=slave if stderr_too else subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, close_fds=True, cwd=cwd, env={**os.environ, "COLUMNS": "200"})
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    return b"".join(chunks)


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_control_characters_of_a_cell_are_written_out_on_a_terminal_and_kept_in_a_pipe(tmp_path):
    src = _sheet(tmp_path)
    cmd = [sys.executable, "-m", "nanchang_incentives", "batch", str(src), "-o", "-", "-q"]
    shown = _on_a_terminal(cmd).decode("utf-8")
    assert SHOWN in shown and "\x1b" not in shown and "\x07" not in shown
    piped = subprocess.run(cmd, capture_output=True, timeout=120, check=True).stdout.decode("utf-8")
    assert f'"{NAME}"' in piped  # the data, as the cell held it


def test_a_character_split_between_two_writes_is_still_one_character():
    buf = io.BytesIO()
    target = StreamTarget(buf, [], shown=True)  # type: ignore[arg-type]
    data = "南昌\x1b甲".encode()
    target.write(data[:4])  # half of 昌
    target.write(data[4:])
    assert buf.getvalue().decode("utf-8") == "南昌\\x1b甲"
    plain = io.BytesIO()
    StreamTarget(plain, [], shown=False).write(data)  # type: ignore[arg-type]
    assert plain.getvalue() == data


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_no_progress_bar_sits_on_the_results_shown_on_the_terminal(tmp_path):
    # `batch x.csv -o -` in a terminal: the screen's first line was "batch ━━━… 0:00:00row,name,warnings,…"
    cmd = [sys.executable, "-m", "nanchang_incentives", "batch", "samples/companies.csv", "-o", "-"]
    screen = _on_a_terminal(cmd, stderr_too=True, cwd=Path(__file__).resolve().parent.parent).decode("utf-8")
    assert screen.startswith("row,name,warnings,policy"), screen[:200]
    assert "━" not in screen
