"""codecache: the package's dataclass methods compiled once and kept; classes built exactly as without it."""

from __future__ import annotations

import dataclasses
import marshal
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from nanchang_incentives import codecache

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "nanchang-si-led-maker.toml"
METHODS = 6 if sys.version_info < (3, 13) else 1  # texts dataclasses compiles for a frozen class

CLASS = '''
from __future__ import annotations
from dataclasses import dataclass, field

@dataclass(frozen=True)
class Probe:
    """A frozen dataclass as the package writes them."""
    name: str
    fen: int = 0
    tags: tuple[str, ...] = field(default_factory=tuple)
'''


def build(module_name: str) -> type:
    """Class ``Probe`` defined in a fresh module called ``module_name``."""
    module = types.ModuleType(module_name)
    sys.modules[module_name] = module
    try:
        exec(compile(CLASS, module_name, "exec"), module.__dict__)  # noqa: S102 - a module of our own text
    finally:
        del sys.modules[module_name]
    return module.Probe


@pytest.fixture
def table(tmp_path):
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o700)
    codecache.uninstall()  # a test before may have run the console script in this process
    yield directory
    codecache.uninstall()


def test_classes_come_from_the_table_on_the_next_run_and_behave_the_same(table):
    assert codecache.install(table)
    first = build("nanchang_incentives._probe")
    hits, compiled = codecache.stats()
    # __init__, __repr__, __eq__, __hash__, __setattr__, __delattr__ (Python 3.13 compiles them in one text)
    assert (hits, compiled) == (0, METHODS)
    codecache.save()
    assert codecache.entry_path(table).is_file()
    codecache.uninstall()

    assert codecache.install(table)
    second = build("nanchang_incentives._probe")
    assert codecache.stats() == (METHODS, 0)
    for cls in (first, second):
        a, b = cls("甲公司", 150, ("a",)), cls("甲公司", 150, ("a",))
        assert a == b and hash(a) == hash(b) and a != cls("乙公司")
        assert repr(a) == "Probe(name='甲公司', fen=150, tags=('a',))"
        assert cls("x").tags == ()
        with pytest.raises(dataclasses.FrozenInstanceError):
            a.fen = 1  # type: ignore[misc]
        assert dataclasses.replace(a, fen=1).fen == 1
    # compiled as exec(text) would: without this module's `from __future__ import annotations` (the generated
    # __init__'s annotations are the field types, not strings naming its locals)
    codecache.uninstall()
    plain = build("somebody_else.probe")  # no table at all
    assert first.__init__.__annotations__ == second.__init__.__annotations__ == plain.__init__.__annotations__
    codecache.install(table)
    other = build("somebody_else.probe")  # passed through
    assert other.__init__.__annotations__ == plain.__init__.__annotations__


def test_other_packages_classes_are_not_looked_up(table):
    codecache.install(table)
    build("somebody_else.models")
    assert codecache.stats() == (0, 0)
    exec("x = 1", {})  # noqa: S102 - nor any other exec
    assert codecache.stats() == (0, 0)


def test_installed_once_and_off_with_no_cache(table, monkeypatch):
    assert codecache.install(table)
    assert not codecache.install(table)
    codecache.uninstall()
    monkeypatch.setenv("INCENTIVES_NO_CACHE", "1")
    monkeypatch.delenv("INCENTIVES_CACHE_DIR", raising=False)
    assert not codecache.install()
    assert "exec" not in vars(dataclasses)


def fill(table: Path) -> Path:
    codecache.install(table)
    build("nanchang_incentives._probe")
    codecache.save()
    codecache.uninstall()
    return codecache.entry_path(table)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX owners and modes")
def test_an_entry_others_may_write_is_never_loaded(table):
    entry = fill(table)
    entry.chmod(0o666)
    codecache.install(table)
    build("nanchang_incentives._probe")
    assert codecache.stats() == (0, METHODS)


@pytest.mark.parametrize("content", [
    b"",
    b"\x00garbage",
    marshal.dumps((codecache.FORMAT, "2.7.18 (default)", {})),
    marshal.dumps((codecache.FORMAT + 1, sys.version, {})),
    marshal.dumps((codecache.FORMAT, sys.version, {"def f(): pass": "not code"})),
    marshal.dumps([1, 2, 3]),
], ids=["empty", "corrupt", "other-python", "other-format", "not-code", "not-a-table"])
def test_a_broken_or_foreign_entry_is_a_miss(table, content):
    entry = fill(table)
    entry.write_bytes(content)
    codecache.install(table)
    build("nanchang_incentives._probe")
    assert codecache.stats() == (0, METHODS)
    codecache.save()  # and is replaced by a good one
    codecache.uninstall()
    codecache.install(table)
    build("nanchang_incentives._probe")
    assert codecache.stats() == (METHODS, 0)


def test_the_console_script_keeps_the_table_and_prints_the_same(tmp_path):
    def calc(**env: str) -> str:
        run = subprocess.run([sys.executable, "-m", "nanchang_incentives", "calc", str(SAMPLE)],
                             check=False, capture_output=True, text=True, encoding="utf-8",
                             env={**os.environ, "COLUMNS": "120", **env}, cwd=ROOT)
        assert run.returncode == 0, run.stderr
        return run.stdout

    cache = str(tmp_path / "c")
    plain = calc(INCENTIVES_NO_CACHE="1")
    assert calc(INCENTIVES_CACHE_DIR=cache) == plain  # compiles and writes the table
    entries = list((tmp_path / "c").glob("code-*.marshal"))
    assert len(entries) == 1
    texts = marshal.loads(entries[0].read_bytes())[2]
    assert len(texts) > 200 and all("def __create_fn__" in text for text in texts)
    assert calc(INCENTIVES_CACHE_DIR=cache) == plain  # from the table
    assert "LPR 1y 3.10% = 1,339,200.00" in " ".join(plain.split())  # a real report: 86,400,000.00 × 50% × 3.10%
