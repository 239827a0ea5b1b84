"""A refused value must not leave its caller's stack alive.

An exception raised from a local of a frame its traceback passes through
makes a reference cycle (frame -> exception -> traceback -> frame, and every
caller's frame through ``f_back``), so until a full garbage collection a
batch block's columns stayed alive per bad cell: one process grew to 230 MB
on the 1M-row benchmark instead of ~120 MB.  With the collector off, anything
left in such a cycle stays: these tests would see it.
"""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from nanchang_incentives.batch import run_batch
from nanchang_incentives.batch_table import bind_header
from nanchang_incentives.errors import InputError
from nanchang_incentives.profile import parse_values


class Marker:
    """Something in the caller's frame: it must go when the caller returns."""


@pytest.fixture
def no_collector():
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _caller_keeps_nothing(call) -> bool:
    def caller() -> weakref.ref:
        marker = Marker()
        with pytest.raises(InputError) as info:
            call()
        assert info.value.message  # the error itself is fine: it says what is wrong
        del info
        return weakref.ref(marker)

    return caller()() is None


@pytest.mark.parametrize("raw", [{"revenue": "abc"}, {"revenue": "abc", "rd_staff": "3.5"}], ids=["one", "several"])
def test_a_refused_value_leaves_no_cycle(catalog, no_collector, raw):
    assert _caller_keeps_nothing(lambda: parse_values(raw, catalog.registry, csv=True))


def test_a_refused_header_leaves_no_cycle(catalog, no_collector):
    assert _caller_keeps_nothing(lambda: bind_header(["name", "revnue"], catalog, "c.csv"))


def test_a_batch_with_bad_cells_leaves_no_frames_behind(catalog, no_collector, tmp_path: Path):
    rows = [f"企业{i},南昌,2024,{'abc' if i % 3 == 0 else '1.2亿'},{'maybe' if i % 5 == 0 else '是'}" for i in range(60)]
    src = tmp_path / "c.csv"
    src.write_text("name,jurisdiction,year,revenue,is_listed\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", catalog)
    assert (report.good_rows, report.bad_rows) == (32, 28)
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        frames = [g for g in gc.garbage if type(g).__name__ == "frame"]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert frames == []


def test_the_batch_command_keeps_freed_memory_for_the_next_block_on_glibc():
    """glibc's default returns each block's ~100 MB of arrays to the kernel and faults them in again for the
    next block; the batch command fixes the mmap threshold instead (elsewhere it changes nothing)."""
    import platform

    from nanchang_incentives.batch import keep_freed_memory

    on_glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    assert keep_freed_memory() is on_glibc


def test_only_the_command_tunes_the_allocator_of_the_process_that_computes(catalog, tmp_path: Path, monkeypatch):
    from typer.testing import CliRunner

    from nanchang_incentives import batch
    from nanchang_incentives.cli import app

    calls: list[int] = []
    monkeypatch.setattr(batch, "keep_freed_memory", lambda: calls.append(1) or True)
    run_batch("samples/companies.csv", tmp_path / "lib.csv", catalog)  # a library call: the caller's process
    assert calls == []
    res = CliRunner().invoke(app, ["batch", "samples/companies.csv", "-o", str(tmp_path / "cli.csv"), "-q"])
    assert res.exit_code == 0, res.output
    assert calls == [1]  # one process computed every block (a small file): tuned once
    assert (tmp_path / "lib.csv").read_bytes() == (tmp_path / "cli.csv").read_bytes()
