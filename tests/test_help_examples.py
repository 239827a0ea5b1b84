"""Every example in a command's --help that names files of this checkout runs, and succeeds.

``policies show 北京 --clause first_trial`` was an example that exited 2 (no such clause).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nanchang_incentives.cli import app

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ROOT / "nanchang_incentives" / "commands"


def examples() -> list[str]:
    found = []
    for module in sorted(COMMANDS.glob("*.py")):
        found += re.findall(r"(?m)^ {2}(incentives [^\n]+)$", module.read_text(encoding="utf-8"))
    return found


def test_the_help_texts_have_examples() -> None:
    assert len(examples()) >= 15


def _runnable(example: str) -> list[str] | None:
    """The example's arguments with this checkout's paths made absolute; None when it names a file of the user's."""
    words = shlex.split(example.split(" > ", 1)[0])[1:]
    args = []
    for k, w in enumerate(words):
        given = k > 0 and words[k - 1] in ("-o", "--output", "--errors", "--summary-json")
        if not given and (w.startswith(("samples/", "docs/")) or re.search(r"\.(toml|csv|xlsx|parquet)$", w)):
            if not (ROOT / w).exists():
                return None
            w = str(ROOT / w)
        elif not given and w.endswith("/"):
            return None  # a directory of the user's (my-policies/)
        args.append(w)
    return args


RUNNABLE = [e for e in examples() if _runnable(e) is not None]


def test_most_examples_run_on_the_checkout() -> None:
    assert len(RUNNABLE) >= 12, RUNNABLE


@pytest.mark.parametrize("example", RUNNABLE)
def test_each_example_runs(example: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = _runnable(example)
    assert args is not None
    res = CliRunner().invoke(app, args, env={"COLUMNS": "120", "NO_COLOR": "1"})
    assert res.exit_code == 0, (example, res.output[-2000:])
    assert res.stdout or any(tmp_path.iterdir()), example


HELPS = (["calc"], ["compare"], ["explore"], ["batch"], ["policies"], ["policies", "list"], ["policies", "show"],
         ["policies", "validate"], ["policies", "test"], [])


@pytest.mark.parametrize("width", (40, 60, 80, 120, 200))
@pytest.mark.parametrize("command", HELPS, ids=lambda c: "-".join(c) or "root")
def test_help_loses_nothing_at_any_width(command: list[str], width: int) -> None:
    """Typer's help tables ended a word longer than their column with '…' ($INCENTIVES_POLIC… at 80 columns,
    --ignore-valid… at 60); now the word folds, and every option and its help are there in full."""
    res = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": str(width), "NO_COLOR": "1"})
    assert res.exit_code == 0, res.output
    assert "…" not in res.stdout
    assert max(len(line) for line in res.stdout.splitlines()) <= width
    # the text inside the boxes, joined again: a folded word reads whole
    inner = "".join(line.strip().strip("│").strip() for line in res.stdout.splitlines())
    squeezed = re.sub(r"\s+", "", inner)
    if command in (["batch"], ["calc"], ["explore"]) and width >= 80:  # narrower, option names fold beside help
        assert "$INCENTIVES_POLICIES_DIR" in squeezed
        assert "--ignore-validity" in squeezed and "--policies-dir" in squeezed


def test_the_policies_group_help_ends_with_examples() -> None:
    # `incentives policies --help` was the one help without an Examples section
    res = CliRunner().invoke(app, ["policies", "--help"], env={"COLUMNS": "120", "NO_COLOR": "1"})
    assert res.exit_code == 0
    tail = res.output.split("Examples:", 1)[1]
    assert "incentives policies show 南昌 --clause rd_center" in tail and "incentives policies test nanchang" in tail
