"""The bundled catalogue kept between runs (catalog_cache): used only when nothing it was made from has changed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nanchang_incentives import catalog_cache
from nanchang_incentives.catalog_cache import (
    ENV_CACHE_DIR,
    ENV_NO_CACHE,
    MAX_ENTRY_BYTES,
    STALE_SECONDS,
    cache_dir,
    cached,
    entry_path,
    stamp,
)
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
    os.utime(table, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # touched, the same bytes: still current
    cached(base, build)
    assert len(calls) == 2
    # one digit of a rate changed, the same size, copied back with its old time (cp -p, rsync -a, unzip)
    st = table.stat()
    edited = table.read_text(encoding="utf-8")
    assert 'rate = "50% * lpr_1y"' in edited
    table.write_text(edited.replace('rate = "50% * lpr_1y"', 'rate = "90% * lpr_1y"', 1), encoding="utf-8")
    os.utime(table, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert table.stat().st_size == st.st_size
    again = cached(base, build)
    assert len(calls) == 3
    loan = next(c for c in again.get("nanchang-electronic-information-2023").clauses if c.id == "loan_interest")
    assert "90%" in str(loan.rate)
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


def test_a_package_without_its_sources_is_not_cached(cache, base, monkeypatch, tmp_path):
    """Frozen into one executable, or compiled and stripped of its .py files: no module to stamp, so no cache."""
    bare = tmp_path / "frozen"
    bare.mkdir()
    (bare / "engine.pyc").write_bytes(b"")
    monkeypatch.setattr(catalog_cache, "PACKAGE", bare)
    build, calls = counting(base)
    cached(base, build)
    cached(base, build)
    assert len(calls) == 2
    assert not cache.exists()


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX owners and modes")
def test_an_entry_others_may_write_is_never_loaded(cache, base):
    build, calls = counting(base)
    cached(base, build)
    assert cache.stat().st_mode & 0o777 == 0o700  # created private
    entry = entry_path(cache, base)
    os.chmod(entry, 0o666)
    cached(base, build)  # a file anybody may have written: not read (and replaced by a private one)
    assert len(calls) == 2
    assert entry.stat().st_mode & 0o022 == 0
    cached(base, build)
    assert len(calls) == 2
    os.chmod(cache, 0o777)  # a directory anybody may write (a shared /tmp-like INCENTIVES_CACHE_DIR)
    cached(base, build)
    cached(base, build)
    assert len(calls) == 4  # neither read nor written


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symbolic links")
def test_a_symbolic_link_in_the_entry_s_place_is_not_followed(cache, base, tmp_path):
    build, calls = counting(base)
    cached(base, build)
    entry = entry_path(cache, base)
    elsewhere = tmp_path / "elsewhere.pickle"
    entry.rename(elsewhere)
    entry.symlink_to(elsewhere)
    cached(base, build)
    assert len(calls) == 2


def test_an_entry_too_big_to_be_a_catalogue_is_not_read(cache, base):
    build, calls = counting(base)
    cached(base, build)
    entry = entry_path(cache, base)
    with open(entry, "ab") as f:
        f.truncate(MAX_ENTRY_BYTES + 1)
    cached(base, build)
    assert len(calls) == 2
    assert entry.stat().st_size < 1 << 20  # replaced


def test_writing_an_entry_removes_others_long_unused_and_leftover_temporary_files(cache, base):
    build, _ = counting(base)
    cache.mkdir(mode=0o700)
    old, recent, part = cache / "catalog-00000001.pickle", cache / "catalog-00000002.pickle", cache / ".catalog-x.part"
    mine = cache / "notes.txt"  # not the cache's: left alone, however old
    for f in (old, recent, part, mine):
        f.write_bytes(b"x")
    long_ago = time.time() - STALE_SECONDS - 60
    for f in (old, part, mine):
        os.utime(f, (long_ago, long_ago))
    cached(base, build)
    assert sorted(p.name for p in cache.iterdir()) == sorted([entry_path(cache, base).name, recent.name, mine.name])


def test_where_the_cache_is(monkeypatch, tmp_path):
    for name in (ENV_CACHE_DIR, ENV_NO_CACHE, "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(ENV_CACHE_DIR, str(tmp_path / "here"))
    assert cache_dir() == tmp_path / "here"
    for off in ("1", "yes"):
        monkeypatch.setenv(ENV_NO_CACHE, off)
        assert cache_dir() is None
    monkeypatch.setenv(ENV_NO_CACHE, "0")
    assert cache_dir() == tmp_path / "here"
    monkeypatch.delenv(ENV_CACHE_DIR)
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        assert cache_dir() == tmp_path / "home" / ".cache" / "incentives"
        monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # not absolute: ignored, as the XDG rules say
        assert cache_dir() == tmp_path / "home" / ".cache" / "incentives"
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert cache_dir() == tmp_path / "xdg" / "incentives"
