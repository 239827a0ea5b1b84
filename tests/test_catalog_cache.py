"""The bundled catalogue kept between runs (catalog_cache): used only when nothing it was made from has changed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nanchang_incentives import catalog_cache
from nanchang_incentives.catalog_cache import ENV_CACHE_DIR, ENV_NO_CACHE, cached, entry_path, stamp
from nanchang_incentives.policy import _load_catalog, load_catalog, package_policies_dir

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).parent / "incentives"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv(ENV_CACHE_DIR, str(d))
    monkeypatch.delenv(ENV_NO_CACHE, raising=False)
    monkeypatch.delenv("INCENTIVES_POLICIES_DIR", raising=False)
    return d


@pytest.fixture
def base(tmp_path):
    """A copy of the bundled directory, to change files in."""
    d = tmp_path / "policies"
    shutil.copytree(package_policies_dir(), d)
    return d


def counting(base: Path):
    calls = []

    def build():
        calls.append(1)
        return _load_catalog(base, [])

    return build, calls


def test_a_second_load_answers_from_the_entry_and_equals_the_files(cache):
    first = load_catalog()
    assert entry_path(cache, package_policies_dir()).is_file()
    build, calls = counting(package_policies_dir())
    again = cached(package_policies_dir(), build)
    assert calls == []  # not read again
    assert again == first == _load_catalog(package_policies_dir(), [])
    assert list(again.policies) == list(first.policies)
    nanchang = again.get("nanchang-electronic-information-2023")
    assert [c.id for c in nanchang.clauses] == [c.id for c in first.get(nanchang.id).clauses]


def test_a_changed_table_is_read_again(cache, base):
    build, calls = counting(base)
    cached(base, build)
    cached(base, build)
    assert len(calls) == 1
    table = base / "nanchang-electronic-information-2023.toml"
    text = table.read_text(encoding="utf-8")
    table.write_text(text + "\n# an edit\n", encoding="utf-8")  # the size changes
    cached(base, build)
    assert len(calls) == 2
    st = table.stat()
    os.utime(table, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # same size, a later time
    cached(base, build)
    assert len(calls) == 3
    before = stamp(base)
    (base / "reference" / "extra.toml").write_text("", encoding="utf-8")  # a file added anywhere below
    assert stamp(base) != before


def test_changed_code_is_a_miss(cache, base, monkeypatch, tmp_path):
    build, calls = counting(base)
    cached(base, build)
    code = tmp_path / "pkg"
    shutil.copytree(catalog_cache.PACKAGE, code, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(catalog_cache, "PACKAGE", code)
    cached(base, build)  # a copy with the same files, sizes and times is the same code
    assert len(calls) == 1
    (code / "engine.py").write_text((code / "engine.py").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    cached(base, build)
    assert len(calls) == 2
    (code / "render" / "new.py").write_text("", encoding="utf-8")  # a module added in a subpackage
    cached(base, build)
    assert len(calls) == 3
    cached(base, build)
    assert len(calls) == 3


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05garbage"])
def test_a_damaged_entry_is_a_miss_and_is_replaced(cache, base, damage):
    build, calls = counting(base)
    good = cached(base, build)
    entry = entry_path(cache, base)
    entry.write_bytes(damage)
    assert cached(base, build) == good
    assert len(calls) == 2
    assert entry.stat().st_size > 1000  # written again
    cached(base, build)
    assert len(calls) == 2


def test_a_cache_that_cannot_be_written_is_no_cache(tmp_path, monkeypatch, base):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv(ENV_CACHE_DIR, str(blocker / "cache"))  # its parent is a file: mkdir fails
    build, calls = counting(base)
    assert cached(base, build) == cached(base, build)
    assert len(calls) == 2
    assert blocker.read_text() == "x"
    assert not list(tmp_path.glob("**/.catalog-*"))  # no temporary file left behind


def test_turned_off_writes_nothing(cache, base, monkeypatch):
    monkeypatch.setenv(ENV_NO_CACHE, "1")
    build, calls = counting(base)
    cached(base, build)
    cached(base, build)
    assert len(calls) == 2
    assert not cache.exists()


def test_added_directories_are_always_read(cache, tmp_path, monkeypatch):
    extra = tmp_path / "mine"
    extra.mkdir()
    load_catalog([extra])
    monkeypatch.setenv("INCENTIVES_POLICIES_DIR", str(extra))
    load_catalog()
    assert not cache.exists()


def test_calc_prints_the_same_cold_warm_and_without_cache(tmp_path):
    samples = sorted((ROOT / "samples").glob("*.toml"))
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120", ENV_CACHE_DIR: str(tmp_path / "c")}
    env.pop("INCENTIVES_POLICIES_DIR", None)

    def run(extra: dict[str, str]) -> list[str]:
        out = []
        for s in samples:
            res = subprocess.run([str(EXE), "calc", str(s), "--format", "json"], capture_output=True, text=True,
                                 env={**env, **extra}, check=False)
            assert res.returncode == 0, res.stderr
            out.append(res.stdout)
        return out

    cold = run({})
    assert list((tmp_path / "c").glob("catalog-*.pickle"))
    assert run({}) == cold
    assert run({ENV_NO_CACHE: "1"}) == cold


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_fifo_in_the_entrys_place_neither_blocks_nor_is_read(cache, base):
    build, calls = counting(base)
    cache.mkdir()
    os.mkfifo(entry_path(cache, base))
    assert cached(base, build) == _load_catalog(base, [])  # returns: open() did not wait for a writer
    assert len(calls) == 1
    assert cached(base, build) is not None  # the FIFO was replaced by an entry
    assert len(calls) == 1
