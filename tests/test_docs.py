"""Every command and every option is in the README (sqlite-utils' test_docs.py idea).

The command tree is read from Click (what `--help` shows), and the README's
"Commands" block must give a synopsis for each command that names each of its
long options; a synopsis for a command that does not exist fails too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from nanchang_incentives.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def commands() -> dict[tuple[str, ...], list[str]]:
    """(path) -> its long options (without --help), for the root and every command and subcommand."""
    out: dict[tuple[str, ...], list[str]] = {}

    def walk(cmd, path: tuple[str, ...]) -> None:
        out[path] = [o for p in cmd.params for o in (*p.opts, *p.secondary_opts)
                     if o.startswith("--") and o != "--help"]
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return out


def synopses() -> dict[tuple[str, ...], str]:
    """The README's Commands block: a line starting with `incentives` begins a synopsis, indented lines continue it."""
    section = README.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```\n(.*?)```", section, re.DOTALL)
    assert block, "the Commands section has a ``` block"
    out: dict[tuple[str, ...], str] = {}
    path: tuple[str, ...] = ()
    for line in block.group(1).splitlines():
        if line.startswith("incentives"):
            words = line.split()[1:]
            path = tuple(w for w in words[:2] if re.fullmatch(r"[a-z]+", w))
            if path[:1] != ("policies",):
                path = path[:1]
            out[path] = out.get(path, "") + " " + line
        elif line.strip():
            out[path] += " " + line
    return out


TREE = commands()


@pytest.mark.parametrize("path", sorted(TREE), ids=lambda p: " ".join(p) or "incentives")
def test_every_command_and_option_is_in_the_readme(path: tuple[str, ...]) -> None:
    if path == ("policies",):  # a group: its subcommands have the synopses
        assert all((*path, sub) in synopses() for sub in ("list", "show", "validate", "test"))
        return
    text = synopses().get(path)
    assert text is not None, f"README: no synopsis for `incentives {' '.join(path)}` in ## Commands"
    missing = [o for o in TREE[path] if not re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", text)]
    assert not missing, f"README: `incentives {' '.join(path)}` does not name {', '.join(missing)}"


def test_no_synopsis_of_a_command_that_does_not_exist() -> None:
    assert set(synopses()) <= set(TREE)


def test_exit_codes_are_documented() -> None:
    section = README.split("\n## Exit codes and errors\n", 1)[1]
    for code in ("| 0 |", "| 1 |", "| 2 |"):
        assert code in section
