"""`incentives batch` on the command line: exit codes, the summary, atomic and safe output, signals."""

from __future__ import annotations

import csv
import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nanchang_incentives import api
from nanchang_incentives import batch as batch_mod
from nanchang_incentives.batch import BatchOptions, run_batch
from nanchang_incentives.cli import app

FIX = Path(__file__).parent / "fixtures" / "batch"
EXE = Path(sys.executable).parent / "incentives"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, ["batch", *args])


def test_success_prints_the_budget_view_and_exits_0(tmp_path):
    out = tmp_path / "r.csv"
    res = invoke(str(FIX / "companies-utf8.csv"), "-o", str(out), "--summary-json", str(tmp_path / "s.json"))
    assert res.exit_code == 0, res.output
    assert "nanchang-electronic-information-2023: 9 companies evaluated" in res.output
    assert "11 rows read (UTF-8): 11 evaluated, 0 bad; 11 result rows written to" in res.output
    assert json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))["good_rows"] == 11


def test_bad_rows_exit_1_with_counts_and_errors_file(tmp_path):
    out, bad = tmp_path / "r.csv", tmp_path / "bad.csv"
    res = invoke(str(FIX / "bad-rows.csv"), "-o", str(out), "--errors", str(bad), "--quiet")
    assert res.exit_code == 1
    assert "14 rows read (UTF-8): 2 evaluated, 12 bad (see" in res.output
    assert f"bad row: {FIX / 'bad-rows.csv'} line 3 (row 2, unknown unit), field 'revenue' (value '12美元')" in res.output
    assert out.exists() and bad.read_text(encoding="utf-8").count("\n") == 14  # header + 13 problems


def test_quiet_prints_no_budget_table_and_no_progress(tmp_path):
    res = invoke(str(FIX / "companies-utf8.csv"), "-o", str(tmp_path / "r.csv"), "-q")
    assert res.exit_code == 0
    assert "companies evaluated" not in res.output and "rows/s" not in res.output
    assert "11 rows read" in res.output


def test_format_follows_the_suffix(tmp_path):
    res = invoke(str(FIX / "companies-utf8.csv"), "-o", str(tmp_path / "r.jsonl"), "-q")
    assert res.exit_code == 0
    first = json.loads((tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert (first["row"], first["loan_interest"]) == (1, "775000.00")


def test_usage_errors_exit_2(tmp_path):
    assert invoke(str(FIX / "companies-utf8.csv"), "-o", str(tmp_path / "r.csv"), "--layout", "tall").exit_code == 2
    assert invoke(str(FIX / "companies-utf8.csv")).exit_code == 2  # no -o


def _batch_into(args: list[str], stdin, stdout) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nanchang_incentives", "batch", *args, "-q"], check=False, stdin=stdin,
                          stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=60)


def test_standard_output_redirected_to_the_input_or_to_another_output_is_refused(tmp_path):
    # `-o - >> companies.csv` appended the results to the input (read back as bad rows on the next run: 200,001 of
    # them on a 200,000-row sheet); `-o - --errors e.csv > e.csv` renamed the errors file over the results
    src = tmp_path / "c.csv"
    src.write_bytes((FIX / "companies-utf8.csv").read_bytes())
    before = src.read_bytes()
    with open(src, "ab") as out:
        done = _batch_into([str(src), "-o", "-"], subprocess.DEVNULL, out)
    assert done.returncode == 1 and src.read_bytes() == before
    assert done.stderr == (f"error: {src}, option --output: standard output (--output -) is redirected to the input "
                           f"file (the shell's > or >> names it): the results would be read back as rows or written "
                           f"over the companies; write to another file (--output results.csv)\n")
    with open(src, "rb") as inp, open(src, "ab") as out:  # batch - < c.csv >> c.csv
        done = _batch_into(["-", "-o", "-"], inp, out)
    assert done.returncode == 1 and src.read_bytes() == before
    assert done.stderr.startswith("error: <stdin>, option --output: standard output (--output -) is redirected to")
    errors = tmp_path / "e.csv"
    with open(errors, "wb") as out:
        done = _batch_into([str(src), "-o", "-", "--errors", str(errors)], subprocess.DEVNULL, out)
    assert done.returncode == 1 and errors.read_bytes() == b""
    assert done.stderr == (f"error: {errors}, option --errors: --errors and --output - (standard output, redirected "
                           f"to that file) name the same file\n")
    with open(tmp_path / "r.csv", "wb") as out:  # another file: as before
        done = _batch_into([str(src), "-o", "-", "--errors", str(errors)], subprocess.DEVNULL, out)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "r.csv").read_text(encoding="utf-8").startswith("row,name,warnings,policy,year,total,")


@pytest.mark.parametrize(("given", "option", "name"), [
    ("-", "-o", "c.csv"), ("-", "--errors", "c.csv"), ("/dev/stdin", "-o", "c.csv"), ("-", "-o", "link.csv"),
    ("-", "--summary-json", "c.json"), ("-", "-o", "c.xlsx")])
def test_an_output_naming_the_file_standard_input_is_redirected_from_is_refused(tmp_path, given, option, name):
    # `batch - -o c.csv < c.csv` renamed the results over the companies: the input is read from a copy, so the
    # name comparison that refuses `batch c.csv -o c.csv` never saw it
    src = tmp_path / ("c.xlsx" if name.endswith(".xlsx") else "c.json" if name.endswith(".json") else "c.csv")
    if src.suffix == ".xlsx":  # the companies as a workbook
        import openpyxl

        wb = openpyxl.Workbook()
        with open(FIX / "companies-utf8.csv", encoding="utf-8", newline="") as f:
            for record in csv.reader(f):
                wb.active.append(record)
        wb.save(src)
    else:
        src.write_bytes((FIX / "companies-utf8.csv").read_bytes())
    (tmp_path / "link.csv").symlink_to(src)
    before = src.read_bytes()
    args = [given, "-o", str(tmp_path / "r.csv")] if option != "-o" else [given]
    with open(src, "rb") as inp:
        done = _batch_into([*args, option, str(tmp_path / name)], inp, subprocess.DEVNULL)
    assert done.returncode == 1 and src.read_bytes() == before
    long = {"-o": "--output"}.get(option, option)
    assert done.stderr == (f"error: {tmp_path / name}, option {long}: {long} would overwrite the input file (standard "
                           f"input is redirected from it: the shell's < names it); choose another name\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({src.name, "link.csv"})
    with open(src, "rb") as inp:  # another file: written as before
        done = _batch_into([given, "-o", str(tmp_path / "other.csv")], inp, subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr


def _file_size_limit(limit: int):
    """For a child process whose files (its standard output redirected to one too) cannot grow past ``limit``
    bytes: a write across the limit is a short one (its count returned, no error) and the next one fails with
    EFBIG, as on a disk that fills up (Python ignores SIGXFSZ)."""
    import resource

    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))


#: a child's environment for _file_size_limit; PYTHONUNBUFFERED as `python -u`: standard output's binary layer is
#: the raw file, whose short write was dropped unseen; no .pyc written (one cut short is a broken import)
UNBUFFERED = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}


def _many_companies(path: Path, n: int) -> Path:
    """The sample sheet's rows repeated under distinct names, ``n`` of them."""
    with open(Path(__file__).parent.parent / "samples" / "companies.csv", encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i in range(n):
            w.writerow([f"{rows[i % len(rows)][0]} #{i}", *rows[i % len(rows)][1:]])
    return path


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_standard_output_cut_short_by_a_full_disk_is_an_error_not_lost_rows(tmp_path, fmt, unbuffered):
    """`incentives batch big.csv -o - > out.csv` with 64 KB left on the disk kept the first 64 KB of the results
    and exited 0 (unbuffered, standard output's write returned a short count and raised nothing)."""
    src = _many_companies(tmp_path / "big.csv", 400)
    env = {**UNBUFFERED, "PYTHONUNBUFFERED": unbuffered}
    args = [str(EXE), "batch", str(src), "-o", "-", "--format", fmt, "-q"]
    whole = subprocess.run(args, capture_output=True, check=False, env=env)
    assert whole.returncode == 0 and len(whole.stdout) > 2 * (64 << 10)
    out = tmp_path / f"out.{fmt}"
    with open(out, "wb") as f:
        done = subprocess.run(args, stdout=f, stderr=subprocess.PIPE, text=True, check=False, env=env,
                              preexec_fn=_file_size_limit(64 << 10))
    assert done.stderr == f"error: -: cannot write: {os.strerror(errno.EFBIG)}\n"
    assert done.returncode == 1
    assert whole.stdout.startswith(out.read_bytes())


def test_a_stream_target_writes_every_byte_or_raises():
    """A raw file that takes part of a write (a full pipe here; unbuffered standard output on a full disk) returns
    the count and raises nothing: the rest is written, or its error raised; it was dropped without a word."""
    r, w = os.pipe()
    try:
        os.set_blocking(w, False)
        data = bytes(range(256)) * 1024  # 256 KB, more than a pipe holds
        with open(w, "wb", buffering=0, closefd=False) as raw, pytest.raises(BlockingIOError):
            batch_mod.StreamTarget(raw, []).write(data)  # the pipe took its fill, and nothing reads it
        got = os.read(r, len(data))
        assert data.startswith(got) and 0 < len(got) < len(data)
    finally:
        os.close(r)
        os.close(w)


@pytest.mark.parametrize(("option", "name"), [("-o", "ro.csv"), ("-o", "ro.xlsx"), ("--errors", "ro.csv"),
                                            ("--summary-json", "ro.json"), ("-o", "link.csv")])
def test_a_read_only_output_file_is_not_replaced(tmp_path, option, name):
    # `-o ro.csv` with ro.csv at mode 444 (Windows: 只读) was renamed over, as root or as its owner alike (the
    # directory decides a rename): the read-only mark says to keep the file, and the mode bits say it to both
    for kept in ("ro.csv", "ro.xlsx", "ro.json"):
        (tmp_path / kept).write_bytes(b"keep me\n")
        (tmp_path / kept).chmod(0o444)
    (tmp_path / "link.csv").symlink_to(tmp_path / "ro.csv")  # a link to one: the file it points to is what counts
    args = ["-o", str(tmp_path / "r.csv")] if option != "-o" else []
    res = invoke(str(FIX / "companies-utf8.csv"), *args, option, str(tmp_path / name), "-q")
    long = {"-o": "--output"}.get(option, option)
    assert res.exit_code == 1
    assert " ".join(res.output.split()) == (
        f"error: {tmp_path / name}, option {long}: {long} is a read-only file; batch does not replace it: make it "
        f"writable (chmod u+w {tmp_path / name}; on Windows clear its Read-only (只读) attribute) or choose another "
        f"name")
    assert all((tmp_path / kept).read_bytes() == b"keep me\n" for kept in ("ro.csv", "ro.xlsx", "ro.json"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "ro.csv", "ro.json", "ro.xlsx"]
    (tmp_path / "ro.csv").chmod(0o644)  # made writable: replaced, and its permissions kept
    (tmp_path / "ro.json").chmod(0o644)
    (tmp_path / "ro.xlsx").chmod(0o644)
    res = invoke(str(FIX / "companies-utf8.csv"), *args, option, str(tmp_path / name), "-q")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "ro.csv" if name == "link.csv" else tmp_path / name).read_bytes() != b"keep me\n"


def test_an_output_through_a_link_to_a_device_is_treated_as_the_device_itself(tmp_path):
    # `-o devlink.csv` (a link to /dev/null) said "7 result rows written to devlink.csv", though nothing was kept;
    # a link to another device or a FIFO is refused as the device or FIFO is
    (tmp_path / "devlink.csv").symlink_to(os.devnull)
    res = invoke(str(FIX / "companies-utf8.csv"), "-o", str(tmp_path / "devlink.csv"), "-q")
    assert res.exit_code == 0, res.output
    assert " ".join(res.output.split()).endswith(f"11 result rows written to {tmp_path / 'devlink.csv'}, a link to "
                                                 f"/dev/null: not kept (UTF-8)")
    res = invoke(str(FIX / "bad-rows.csv"), "-o", str(tmp_path / "r.csv"), "--errors", str(tmp_path / "devlink.csv"),
                 "-q")
    assert res.exit_code == 1
    assert f"12 bad (not kept: {tmp_path / 'devlink.csv'} is a link to /dev/null);" in " ".join(res.output.split())
    res = invoke(str(FIX / "companies-utf8.csv"), "-o", os.devnull, "-q")  # the device by its name: as before
    assert res.exit_code == 0 and " ".join(res.output.split()).endswith("11 result rows written to /dev/null (UTF-8)")
    os.mkfifo(tmp_path / "fifo")
    for target, kind in (("/dev/zero", "a device"), (str(tmp_path / "fifo"), "a named pipe (FIFO)")):
        (tmp_path / "link.csv").unlink(missing_ok=True)
        (tmp_path / "link.csv").symlink_to(target)
        direct = invoke(str(FIX / "companies-utf8.csv"), "-o", target, "-q")
        linked = invoke(str(FIX / "companies-utf8.csv"), "-o", str(tmp_path / "link.csv"), "-q")
        assert direct.exit_code == linked.exit_code == 1
        assert linked.output == direct.output.replace(target, str(tmp_path / "link.csv"))
        assert f"--output is {kind}; batch only writes regular files" in " ".join(linked.output.split())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["devlink.csv", "fifo", "link.csv", "r.csv"]


def test_refuses_to_overwrite_the_input(tmp_path):
    src = tmp_path / "c.csv"
    src.write_bytes((FIX / "companies-utf8.csv").read_bytes())
    before = src.read_bytes()
    res = invoke(str(src), "-o", str(src))
    assert res.exit_code == 1 and "would overwrite the input file" in res.output
    res = invoke(str(src), "-o", str(tmp_path / "r.csv"), "--errors", str(tmp_path / ".." / tmp_path.name / "c.csv"))
    assert res.exit_code == 1 and "--errors would overwrite the input file" in res.output
    os.link(src, tmp_path / "hardlink.csv")
    res = invoke(str(src), "-o", str(tmp_path / "hardlink.csv"))
    assert res.exit_code == 1
    assert src.read_bytes() == before


def test_a_full_disk_under_the_errors_file_replaces_no_output_and_names_that_file(tmp_path, monkeypatch):
    """The results were renamed over the previous ones before the errors file failed to reach its (full) disk,
    and the message named the results file: now every output is on the disk before any is renamed."""
    out, errors = tmp_path / "r.csv", tmp_path / "e.csv"
    out.write_text("previous results\n")
    errors.write_text("previous errors\n")
    prepare = batch_mod.AtomicFile.prepare

    class Full:  # the errors file's last buffer does not fit on its disk
        def __init__(self, real):
            self.real = real

        def flush(self):
            raise OSError(28, "No space left on device")

        def close(self):
            self.real.close()

    def full_for_errors(self):
        if self.path == errors:
            self.file = Full(self.file)
        prepare(self)

    monkeypatch.setattr(batch_mod.AtomicFile, "prepare", full_for_errors)
    res = invoke(str(FIX / "bad-rows.csv"), "-o", str(out), "--errors", str(errors))
    assert res.exit_code == 1
    assert f"{errors}: cannot write: No space left on device" in " ".join(res.output.split()), res.output
    assert out.read_text() == "previous results\n" and errors.read_text() == "previous errors\n"
    assert leftovers(tmp_path) == []


def test_output_and_errors_cannot_be_the_same_file(tmp_path):
    res = invoke(str(FIX / "bad-rows.csv"), "-o", str(tmp_path / "r.csv"), "--errors", str(tmp_path / "r.csv"))
    assert res.exit_code == 1 and "name the same file" in res.output


def test_full_disk_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    out = tmp_path / "r.csv"
    out.write_text("previous results\n")

    def full(self, data):
        raise OSError(28, "No space left on device", str(self.tmp))

    monkeypatch.setattr(batch_mod.AtomicFile, "write", full)
    res = invoke(str(FIX / "companies-utf8.csv"), "-o", str(out))
    assert res.exit_code == 1
    assert "cannot write: No space left on device" in res.output
    assert out.read_text() == "previous results\n"
    assert leftovers(tmp_path) == []


def many_rows(tmp_path: Path) -> Path:
    """The sample companies 1,000 times over: an output of some 3 MB, written in many blocks."""
    lines = (Path(__file__).resolve().parent.parent / "samples" / "companies.csv").read_text(encoding="utf-8").splitlines()
    src = tmp_path / "many.csv"
    src.write_text("\n".join([lines[0]] + lines[1:] * 1000) + "\n", encoding="utf-8")
    return src


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="posix_fadvise is Linux/BSD only")
def test_what_reached_the_disk_leaves_the_page_cache_in_whole_megabytes(tmp_path, monkeypatch):
    """After each fdatasync the writeback thread drops the synced whole megabytes (POSIX_FADV_DONTNEED), never
    the part being appended to; the file is the same as without it."""
    dropped: list[tuple[int, int, int, int]] = []  # (offset, length, advice, size synced)
    sizes: list[int] = []
    real_sync, real_drop = os.fdatasync, os.posix_fadvise
    monkeypatch.setattr(os, "fdatasync", lambda fd: (sizes.append(os.fstat(fd).st_size), real_sync(fd))[1])
    monkeypatch.setattr(os, "posix_fadvise", lambda fd, off, n, adv: (dropped.append((off, n, adv, sizes[-1])),
                                                                      real_drop(fd, off, n, adv))[1])
    monkeypatch.setattr(batch_mod.AtomicFile, "WRITEBACK_BYTES", 1 << 20)
    monkeypatch.setattr(batch_mod.AtomicFile, "WRITEBACK_SECONDS", 0.001)
    src = many_rows(tmp_path)
    real_write = batch_mod.AtomicFile.write

    def slow_write(self, data):  # blocks of ~64 kB with time for the thread to see the file grow
        real_write(self, data)
        self.file.flush()
        time.sleep(0.01)

    monkeypatch.setattr(batch_mod.AtomicFile, "write", slow_write)
    catalog = api.load(())
    out = tmp_path / "r.csv"
    run_batch(src, out, catalog, BatchOptions(jobs=1, block_bytes=64 << 10))
    assert out.stat().st_size > 3 << 20 and dropped
    for off, n, adv, synced in dropped:
        assert (off, adv) == (0, os.POSIX_FADV_DONTNEED) and n % (1 << 20) == 0 and 0 < n <= synced
    monkeypatch.undo()
    expected = tmp_path / "expected.csv"
    run_batch(src, expected, catalog, BatchOptions(jobs=1))
    assert out.read_bytes() == expected.read_bytes()


def test_output_goes_to_disk_as_it_grows_and_the_writer_thread_ends(tmp_path, monkeypatch):
    """The writeback thread fdatasyncs the temporary output as it grows (not only at commit), then stops."""
    import threading

    synced: list[int] = []
    real = os.fdatasync

    def counting(fd: int) -> None:
        synced.append(os.fstat(fd).st_size)
        real(fd)

    monkeypatch.setattr(os, "fdatasync", counting)
    monkeypatch.setattr(batch_mod.AtomicFile, "WRITEBACK_BYTES", 1)
    monkeypatch.setattr(batch_mod.AtomicFile, "WRITEBACK_SECONDS", 0.001)
    real_write = batch_mod.AtomicFile.write

    def slow_write(self, data):  # give the thread time to see the file grow
        real_write(self, data)
        self.file.flush()
        time.sleep(0.05)

    monkeypatch.setattr(batch_mod.AtomicFile, "write", slow_write)
    out = tmp_path / "r.csv"
    catalog = api.load(())
    run_batch(FIX / "companies-utf8.csv", out, catalog, BatchOptions(jobs=1))
    assert synced and all(size > 0 for size in synced)
    assert not [t for t in threading.enumerate() if t.name == "writeback"]
    expected = tmp_path / "expected.csv"
    monkeypatch.setattr(batch_mod.AtomicFile, "write", real_write)
    run_batch(FIX / "companies-utf8.csv", expected, catalog, BatchOptions(jobs=1))
    assert out.read_bytes() == expected.read_bytes()
    assert leftovers(tmp_path) == []


def test_missing_directory_and_missing_input(tmp_path):
    res = invoke(str(FIX / "companies-utf8.csv"), "-o", str(tmp_path / "nope" / "r.csv"))
    assert res.exit_code == 1 and f"the directory {tmp_path / 'nope'} does not exist" in " ".join(res.output.split())
    res = invoke(str(tmp_path / "none.csv"), "-o", str(tmp_path / "r.csv"))
    assert res.exit_code == 1 and "file not found" in res.output


# ---------------------------------------------------------------- atomic output


def leftovers(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir() if p.name.endswith(".part"))


def test_a_failed_run_leaves_the_previous_output_untouched(tmp_path, monkeypatch):
    catalog = api.load()
    out = tmp_path / "r.csv"
    out.write_text("previous results\n")
    calls = {"n": 0}
    real = batch_mod.evaluate_chunk

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(batch_mod, "evaluate_chunk", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        run_batch(FIX / "companies-utf8.csv", out, catalog, BatchOptions(block_bytes=200),
                  errors_path=tmp_path / "bad.csv")
    assert out.read_text() == "previous results\n"
    assert not (tmp_path / "bad.csv").exists()
    assert leftovers(tmp_path) == []


def test_ctrl_c_during_the_run_leaves_no_output(tmp_path):
    catalog = api.load()
    out = tmp_path / "r.csv"

    def interrupt(done, total, rows, bad):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(FIX / "companies-utf8.csv", out, catalog, BatchOptions(block_bytes=200), progress=interrupt)
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_output_file_gets_normal_permissions(tmp_path):
    out = tmp_path / "r.csv"
    run_batch(FIX / "companies-utf8.csv", out, api.load())
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


def test_an_output_that_is_a_link_replaces_the_file_it_points_to(tmp_path):
    """README: only a regular file is ever replaced; a symbolic link is followed, and stays a link."""
    shared = tmp_path / "shared"
    shared.mkdir()
    target = shared / "results.csv"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "results.csv"
    link.symlink_to(target)
    errors_link = tmp_path / "errors.csv"
    errors_link.symlink_to(shared / "errors.csv")  # its file does not exist yet: it is created there
    res = invoke(str(FIX / "companies-utf8.csv"), "-o", str(link), "--errors", str(errors_link), "-q")
    assert res.exit_code in (0, 1), res.output
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8").startswith("row,name,")
    assert target.stat().st_mode & 0o777 == 0o640
    assert errors_link.is_symlink() and (shared / "errors.csv").read_text(encoding="utf-8").startswith("row,line,")
    assert sorted(p.name for p in shared.iterdir()) == ["errors.csv", "results.csv"]  # no .part left


def test_a_link_to_a_missing_directory_says_so(tmp_path):
    link = tmp_path / "r.csv"
    link.symlink_to(tmp_path / "gone" / "r.csv")
    res = invoke(str(FIX / "companies-utf8.csv"), "-o", str(link))
    assert res.exit_code == 1
    assert f"--output is a link to {tmp_path / 'gone' / 'r.csv'}, whose directory does not exist" in res.output


@pytest.fixture(scope="module")
def slow_input(tmp_path_factory) -> Path:
    """20 000 companies: about a second of work in the long layout under all three policies."""
    d = tmp_path_factory.mktemp("slow")
    lines = (FIX / "companies-utf8.csv").read_text(encoding="utf-8").splitlines()
    body = lines[1:]
    src = d / "companies.csv"
    with open(src, "w", encoding="utf-8") as f:
        f.write(lines[0] + "\n")
        f.writelines(body[i % len(body)] + "\n" for i in range(20_000))
    return src


@pytest.mark.parametrize("sig,code,name", [(signal.SIGTERM, 128 + signal.SIGTERM, "SIGTERM"),
                                           (signal.SIGINT, 130, "Ctrl-C"),
                                           (signal.SIGHUP, 128 + signal.SIGHUP, "SIGHUP")])
def test_signal_mid_run_leaves_no_output_under_the_final_name(slow_input, tmp_path, sig, code, name):
    """Ctrl-C, SIGTERM and SIGHUP (the terminal or SSH session closed) each unwind the run: no result under the
    final name, no .part file left, and one line that says so instead of silence."""
    out = tmp_path / "r.csv"
    cmd = [str(EXE), "batch", str(slow_input), "-o", str(out), "--layout", "long", "-q", "--jobs", "1"]
    for p in ("nanchang-electronic-information-2023", "wuhan-east-lake-software-2023", "beijing-robotics-2023"):
        cmd += ["--policy", p]
    # A test run started in the background by a shell (`pytest &`) inherits SIGINT ignored, and so would the
    # command (as POSIX wants of background jobs): give it the default disposition, as a terminal would.
    default_sigint = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"
    proc = subprocess.Popen([sys.executable, "-c", default_sigint, *cmd], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while not leftovers(tmp_path) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == code
    assert not out.exists()
    assert leftovers(tmp_path) == []
    said = " ".join(err.decode().split())
    assert f"interrupted ({name}): nothing was written: --output {out} is as before the run" in said, said
    assert "Traceback" not in said


def test_sigkill_never_leaves_a_partial_file_under_the_final_name(slow_input, tmp_path):
    out = tmp_path / "r.csv"
    proc = subprocess.Popen([str(EXE), "batch", str(slow_input), "-o", str(out), "--layout", "long", "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while not leftovers(tmp_path) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.kill()
    proc.wait(timeout=30)
    assert not out.exists()  # the temporary file may remain (nothing can clean up after SIGKILL), never the result


def test_free_cores_are_counted_from_what_runs_now(monkeypatch):
    """--jobs 0 looks at the processes running now (the fewest of a few looks), not the one-minute average."""
    import builtins

    texts = iter([b"1.90 1.20 0.80 3/200 999\n", b"1.90 1.20 0.80 1/200 999\n", b"1.90 1.20 0.80 2/200 999\n"])
    real_open = builtins.open

    class Fake:
        def __init__(self, data: bytes):
            self.data = data

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return self.data

    monkeypatch.setattr(builtins, "open", lambda path, *a, **k: Fake(next(texts)) if path == "/proc/loadavg"
                        else real_open(path, *a, **k))
    # a busy last minute (1.90) but only this process running at one of the looks: both cores are free
    assert batch_mod.running_elsewhere(samples=3, interval=0) == 0
    assert batch_mod.choose_jobs(0, 10**9, 2 << 20, load=0.0, cores=2) == 2

    def unreadable(path, *a, **k):
        raise OSError(2, "No such file or directory", path)

    monkeypatch.setattr(builtins, "open", unreadable)
    assert batch_mod.running_elsewhere(samples=2, interval=0) is None


def test_ctrl_c_while_the_writer_thread_starts_is_still_ctrl_c(tmp_path, monkeypatch):
    """A signal landing while the writeback thread is set up ends the run as Ctrl-C, with nothing left behind
    (it used to end in "cannot join thread before it is started")."""
    import threading

    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(threading.Thread, "start", interrupted)
    out = tmp_path / "r.csv"
    with pytest.raises(KeyboardInterrupt):
        run_batch(FIX / "companies-utf8.csv", out, api.load(()), BatchOptions(jobs=1))
    assert not out.exists()
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="posix_fadvise is Linux/BSD only")
def test_a_file_system_that_cannot_drop_pages_still_gets_its_writeback(tmp_path, monkeypatch):
    """posix_fadvise failing (EINVAL on some file systems) stops the dropping, not the fdatasync of the rest."""
    import errno

    synced: list[int] = []
    real_sync = os.fdatasync
    monkeypatch.setattr(os, "fdatasync", lambda fd: (synced.append(os.fstat(fd).st_size), real_sync(fd))[1])
    calls: list[int] = []

    def refuse(fd, off, n, adv):
        calls.append(n)
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(os, "posix_fadvise", refuse)
    monkeypatch.setattr(batch_mod.AtomicFile, "WRITEBACK_BYTES", 1)
    monkeypatch.setattr(batch_mod.AtomicFile, "WRITEBACK_SECONDS", 0.001)
    real_write = batch_mod.AtomicFile.write

    def slow_write(self, data):
        real_write(self, data)
        self.file.flush()
        time.sleep(0.01)

    monkeypatch.setattr(batch_mod.AtomicFile, "write", slow_write)
    src, out = many_rows(tmp_path), tmp_path / "r.csv"
    catalog = api.load(())
    run_batch(src, out, catalog, BatchOptions(jobs=1, block_bytes=64 << 10))
    assert len(calls) == 1 and len(synced) >= 10  # tried once, then fdatasync went on
    monkeypatch.undo()
    run_batch(src, tmp_path / "expected.csv", catalog, BatchOptions(jobs=1))
    assert out.read_bytes() == (tmp_path / "expected.csv").read_bytes()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_another_thread_receives_still_waits_for_the_held_section(sig):
    """The kernel hands a signal the main thread blocks to any thread that does not (numpy's OpenBLAS starts
    one); Python then ran the handler in the middle of the held section (between mkstemp and the file's
    registration: a .part file left behind). It now runs when the section ends."""
    import threading

    def terminate(signum, frame):  # what the CLI installs for SIGTERM during batch
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, terminate) if sig == signal.SIGTERM else None
    go, sent = threading.Event(), threading.Event()

    def sender() -> None:  # started before the section: its signal mask lets the signal in
        go.wait()
        os.kill(os.getpid(), sig)
        sent.set()

    t = threading.Thread(target=sender)
    t.start()
    steps: list[str] = []
    try:
        with pytest.raises(KeyboardInterrupt if sig == signal.SIGINT else SystemExit), batch_mod._signals_held():
            go.set()
            assert sent.wait(5)
            for _ in range(10_000):  # bytecodes at which the handler used to run
                steps.append("")
            steps.append("registered")
        assert steps[-1] == "registered"
    finally:
        t.join()
        if sig == signal.SIGTERM:
            signal.signal(signal.SIGTERM, previous)


@pytest.mark.parametrize(("name", "instead"), [("results.xls", "results.xlsx"), ("结果.et", "结果.xlsx"),
                                               ("r.XLSM", "r.xlsx"), ("r.json", "r.jsonl"), ("r.tsv", "r.csv"),
                                               ("r.tab", "r.csv")])
def test_an_output_name_promising_a_format_batch_does_not_write_is_refused(tmp_path, name, instead):
    """`-o results.xls` wrote CSV text under an Excel name (Excel then warns the file is not what it says)."""
    out = tmp_path / name
    res = invoke(str(FIX / "companies-utf8.csv"), "-o", str(out), "-q")
    assert res.exit_code == 2, res.output
    assert f"batch cannot write {out.suffix.lower()} files" in res.output
    assert f"write -o {tmp_path / instead} instead" in " ".join(res.output.split())
    assert not out.exists()
    # --format csv does not make CSV text under a workbook's name any better: refused too, with the name to use
    forced = invoke(str(FIX / "companies-utf8.csv"), "-o", str(out), "-q", "--format", "csv")
    assert forced.exit_code == 2, forced.output
    assert f"write -o {out.with_suffix('.csv')} instead" in " ".join(forced.output.split())
    assert not out.exists()
    if out.suffix == ".json":  # JSON Lines under .json, asked for: written
        jsonl = invoke(str(FIX / "companies-utf8.csv"), "-o", str(out), "-q", "--format", "jsonl")
        assert jsonl.exit_code == 0 and out.read_text(encoding="utf-8").startswith('{"row":')


@pytest.mark.parametrize(("name", "fmt", "named", "instead"), [
    ("r.xlsx", "csv", "an .xlsx", "r.csv"), ("r.csv", "parquet", "a CSV", "r.parquet"),
    ("r.CSV", "jsonl", "a CSV", "r.jsonl"), ("r.jsonl", "xlsx", "a JSON Lines", "r.xlsx"),
    ("r.parquet", "csv", "a Parquet", "r.csv"),
])
def test_a_format_that_contradicts_the_output_suffix_is_refused(tmp_path, name, fmt, named, instead):
    """`-o results.xlsx --format csv` wrote CSV text under an .xlsx name (exit 0): Excel then refuses the file."""
    res = invoke(str(FIX / "companies-utf8.csv"), "-o", str(tmp_path / name), "--format", fmt)
    out = " ".join(res.output.split())
    assert res.exit_code == 2, res.output
    assert f"'{name}' names {named} file but --format is {fmt}: write -o {tmp_path / instead} instead" in out
    assert list(tmp_path.iterdir()) == []


def test_a_format_that_agrees_or_an_unknown_suffix_is_written(tmp_path):
    for name, fmt in (("r.csv", "csv"), ("r.txt", "jsonl"), ("r.json", "jsonl"), ("r.dat", "csv")):
        res = invoke(str(FIX / "companies-utf8.csv"), "-o", str(tmp_path / name), "--format", fmt)
        assert res.exit_code == 0, res.output
        assert (tmp_path / name).stat().st_size > 0


@pytest.mark.parametrize(("fmt", "what"), [("xlsx", "an .xlsx workbook"), ("parquet", "a Parquet file")])
def test_a_workbook_or_parquet_file_to_standard_output_is_a_usage_error(fmt, what):
    res = invoke(str(FIX / "companies-utf8.csv"), "-o", "-", "--format", fmt)
    assert res.exit_code == 2
    assert f"{what} cannot be streamed; give a file name" in " ".join(res.output.split())


def test_the_json_refusal_advises_jsonl_only():
    res = invoke(str(FIX / "companies-utf8.csv"), "-o", "r.json")
    out = " ".join(res.output.split())
    assert res.exit_code == 2 and "write -o r.jsonl instead" in out and ".xlsx)" not in out


def test_an_interruption_during_the_final_rename_says_the_files_are_complete(tmp_path, monkeypatch):
    """A signal that arrives while the files are renamed waits until all of them are (batch._signals_held):
    the run then ends interrupted, but with every file complete, and must not claim nothing was written."""
    from nanchang_incentives import batch as batch_mod

    real = batch_mod.AtomicFile.commit

    def commit_then_interrupt(self):
        real(self)
        os.kill(os.getpid(), signal.SIGINT)  # noted, and delivered once every file is committed

    monkeypatch.setattr(batch_mod.AtomicFile, "commit", commit_then_interrupt)
    out = tmp_path / "r.csv"
    res = invoke(str(FIX / "companies-utf8.csv"), "-o", str(out), "--errors", str(tmp_path / "bad.csv"))
    said = " ".join(res.output.split())
    assert res.exit_code == 130, res.output
    assert f"interrupted (Ctrl-C) after every file was written: --output {out}, --errors {tmp_path / 'bad.csv'} " \
           "complete; only the counts were not shown" in said
    assert out.stat().st_size > 0 and (tmp_path / "bad.csv").exists()


def test_a_bad_row_names_the_file_the_column_as_headed_and_the_unit_it_gives(tmp_path):
    """A consultant with a dozen client files reads which file, which line and which column (as headed in the
    sheet, not only the field's English id); under 营业收入（万元） the yuan examples would mislead, so the
    message says what a bare number means there; cells split by a comma are shown as CSV, quoted."""
    src = tmp_path / "客户.csv"
    src.write_text("企业名称,营业收入（万元）,年度,所在地\n甲公司,abc,2024,南昌\n\"丙,公司\",100,2024,南昌,多余\n",
                   encoding="utf-8")
    res = invoke(str(src), "-o", str(tmp_path / "r.csv"), "--errors", str(tmp_path / "bad.csv"))
    out = " ".join(res.output.split())
    assert res.exit_code == 1
    assert (f"bad row: {src} line 2 (row 1, 甲公司), field 'revenue' (column '营业收入（万元）') (value 'abc'): "
            "'abc' is not an amount of money;") in out
    assert ("(the column's heading '营业收入（万元）' gives a bare number the unit 万元: write 120 for 120万元, or a "
            "unit in the cell)") in out
    assert (f"bad row: {src} line 3 (row 2, 丙,公司) (value '\"丙,公司\",100,2024,南昌,多余'): the row has 5 cells, "
            "the header has 4 columns: a cell lies past the last column, or a cell with a comma in it (a name, "
            "1,200,000) is not in double quotes") in out
    with open(tmp_path / "bad.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["line"], r["field"], r["value"]) for r in rows] == [("2", "revenue", "abc"),
                                                                   ("3", "", '"丙,公司",100,2024,南昌,多余')]


def test_a_guess_or_a_negative_amount_under_a_wan_heading_also_says_what_a_bare_number_means(tmp_path):
    """The short examples after a guess or a negative amount (1200000) are yuan too: under 营业收入（万元） they would
    be read as 1200000万, so the same note follows them."""
    src = tmp_path / "w.csv"
    src.write_text("name,jurisdiction,year,营业收入（万元）\nA,nanchang,2024,约120\nB,nanchang,2024,-5\n",
                   encoding="utf-8")
    res = invoke(str(src), "-o", str(tmp_path / "r.csv"))
    out = " ".join(res.output.split())
    note = ("(the column's heading '营业收入（万元）' gives a bare number the unit 万元: write 120 for 120万元, or a "
            "unit in the cell)")
    assert res.exit_code == 1
    assert ("'约120万' is not one amount ('约' makes it approximate or a bound): write the figure itself, as in "
            f"\"1000万\", so that the result is exact (expected 1200000, \"1,200,000\", \"120万\", \"2.5亿元\") {note}") in out
    assert ("'-5万' is negative; money must be zero or more (expected 1200000, \"1,200,000\", \"120万\", "
            f"\"2.5亿元\") {note}") in out


def test_the_interrupted_line_says_what_each_output_left():
    """Files renamed or not; standard output (-o -, --errors -) complete or not; /dev/null not mentioned."""
    from nanchang_incentives.commands.batch import _interrupted

    outs = {"--output": Path("r.csv"), "--errors": Path("-"), "--summary-json": None}
    assert _interrupted(signal.SIGTERM, outs, False) == (
        "interrupted (SIGTERM): nothing was written: --output r.csv is as before the run; what went to standard "
        "output (--errors) is incomplete")
    assert _interrupted(signal.SIGTERM, outs, True) == (
        "interrupted (SIGTERM) after every file was written: --output r.csv, --errors (standard output) complete; "
        "only the counts were not shown")
    outs = {"--output": Path(os.devnull), "--errors": Path("e.csv"), "--summary-json": Path("s.json")}
    assert _interrupted(signal.SIGHUP, outs, False) == (
        "interrupted (SIGHUP): nothing was written: --errors e.csv, --summary-json s.json are as before the run")
    assert _interrupted(signal.SIGINT, {"--output": Path("-")}, False) == (
        "interrupted (Ctrl-C): what went to standard output (--output) is incomplete")


def test_a_run_started_with_sighup_ignored_keeps_running_when_the_terminal_closes(slow_input, tmp_path):
    """`nohup incentives batch … &`: SIGHUP was ignored when the run began, and must stay ignored (in the
    workers too); before, the run stopped with "interrupted (SIGHUP)"."""
    out = tmp_path / "r.csv"
    nohup = ("import os, signal, sys; signal.signal(signal.SIGHUP, signal.SIG_IGN); "
             "signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])")
    cmd = [str(EXE), "batch", str(slow_input), "-o", str(out), "--layout", "long", "-q", "--jobs", "2"]
    proc = subprocess.Popen([sys.executable, "-c", nohup, *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 20
    while not leftovers(tmp_path) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "the run ended before the signal"
    os.killpg(proc.pid, signal.SIGHUP)  # the whole session, workers included, as a closing terminal does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    assert out.stat().st_size > 0 and leftovers(tmp_path) == []


@pytest.mark.parametrize("where", [".", "./"])
def test_a_directory_output_with_a_format_is_a_message_not_a_traceback(where):
    res = invoke(str(FIX / "companies-utf8.csv"), "-o", where, "--format", "xlsx")
    assert res.exit_code in (1, 2) and "is a directory" in " ".join(res.output.split())
    assert not isinstance(res.exception, ValueError)


@pytest.mark.parametrize("name", ["clients.xlsx", "clients.parquet", "clients.XLSX"])
def test_a_csv_named_as_a_workbook_or_parquet_file_is_read_as_the_csv_it_is(tmp_path, name):
    """A CSV renamed .xlsx (or .parquet) was refused ("File is not a zip file") while an .xlsx renamed .csv was
    read: the first bytes decide either way; the summary says how the file was read."""
    src = tmp_path / name
    src.write_bytes((FIX / "companies-utf8.csv").read_bytes())
    res = invoke(str(src), "-o", str(tmp_path / "o.csv"))
    ref = invoke(str(FIX / "companies-utf8.csv"), "-o", str(tmp_path / "ref.csv"))
    assert res.exit_code == ref.exit_code == 0, res.output
    assert "read (UTF-8)" in res.output
    assert (tmp_path / "o.csv").read_bytes() == (tmp_path / "ref.csv").read_bytes()


def test_an_empty_file_named_xlsx_is_said_to_be_empty_and_a_damaged_one_not_a_workbook(tmp_path):
    (tmp_path / "e.xlsx").write_bytes(b"")
    res = invoke(str(tmp_path / "e.xlsx"), "-o", str(tmp_path / "o.csv"))
    assert res.exit_code == 1 and "the file is empty" in res.output
    (tmp_path / "d.xlsx").write_bytes(bytes(range(256)) * 8)  # binary, not a zip: the workbook reader's message
    res = invoke(str(tmp_path / "d.xlsx"), "-o", str(tmp_path / "o.csv"))
    assert res.exit_code == 1 and "not a readable .xlsx workbook" in res.output


def test_a_parquet_file_named_xlsx_is_read_as_parquet(tmp_path):
    # the first bytes decide before the name: PAR1 went to the workbook reader ("File is not a zip file")
    pytest.importorskip("pyarrow")
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    ref = tmp_path / "in.parquet"
    pq.write_table(pacsv.read_csv(FIX / "companies-utf8.csv"), ref)
    named = tmp_path / "clients.xlsx"
    named.write_bytes(ref.read_bytes())
    a = invoke(str(ref), "-o", str(tmp_path / "a.csv"))
    b = invoke(str(named), "-o", str(tmp_path / "b.csv"))
    assert a.exit_code == b.exit_code and "not a zip file" not in b.output
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


@pytest.mark.parametrize("name", ["nanchang-vr-studio.toml", "zh/nanchang-si-led-maker.toml"])
def test_a_profile_given_to_batch_says_to_use_calc(tmp_path, name):
    # its first line "looked like a title … delete the lines above the header"
    sample = Path(__file__).parent.parent / "samples" / name
    (tmp_path / "profile.txt").write_bytes(sample.read_bytes())
    for src in (sample, tmp_path / "profile.txt"):  # by its suffix, or by its key = value lines
        res = invoke(str(src), "-o", str(tmp_path / "o.csv"))
        assert res.exit_code == 1 and not (tmp_path / "o.csv").exists()
        assert " ".join(res.output.split()) == (
            f"error: {src}: this is a company profile (TOML: key = value lines), not a list of companies: compute "
            f"it with incentives calc {src}; batch reads a CSV, .xlsx or Parquet file with a row per company "
            f"(name, jurisdiction, year, …)")


@pytest.mark.parametrize(("out", "extra", "columns"), [
    ("r.csv", [], "total, total_exact, total_up_to"), ("r.csv", ["--layout", "long"], "clause, status, basis"),
    ("r.xlsx", ["--lang", "zh"], "合计, 确定金额合计, 最高限额合计")])
def test_a_results_file_given_back_to_batch_is_one_line_saying_so(tmp_path, out, extra, columns):
    # it was an "unknown column" for each of its 50 columns
    sample = Path(__file__).parent.parent / "samples" / "companies.csv"
    assert invoke(str(sample), "-o", str(tmp_path / out), "-q", *extra).exit_code == 0
    res = invoke(str(tmp_path / out), "-o", str(tmp_path / "again.csv"))
    assert res.exit_code == 1 and not (tmp_path / "again.csv").exists()
    flat = " ".join(res.output.split())
    assert flat.startswith(f"error: {tmp_path / out}:1: this is a results file written by incentives batch (its "
                           f"columns {columns} …), not a list of companies: give batch the sheet of the companies' "
                           f"profiles (name, jurisdiction, year, revenue …)")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_output_name_near_the_file_system_s_limit_is_written(tmp_path, suffix):
    # 80 Chinese characters and .csv: 244 bytes, a name the file system takes; its temporary .NAME.xxxxxxxx.part
    # was not, and the run was refused "cannot write: File name too long"
    out = tmp_path / ("南" * 80 + suffix)
    res = invoke(str(FIX / "companies-utf8.csv"), "-o", str(out), "-q")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]
    too_long = tmp_path / ("南" * 84 + suffix)  # 256 bytes and more: the name itself cannot be
    res = invoke(str(FIX / "companies-utf8.csv"), "-o", str(too_long), "-q")
    assert res.exit_code == 1 and "File name too long" in res.output and "part" not in res.output


def test_a_profile_on_standard_input_or_with_a_multi_line_list_is_told_apart(tmp_path):
    profile = tmp_path / "firm.txt"  # no .toml suffix, its list over several lines
    profile.write_text('name = "A"\nindustries = [\n  "software",\n]\njurisdiction = "nanchang"\nyear = 2024\n',
                       encoding="utf-8")
    res = invoke(str(profile), "-o", str(tmp_path / "o.csv"))
    assert res.exit_code == 1 and "this is a company profile" in res.output
    with open(profile, "rb") as inp:
        done = _batch_into(["-", "-o", str(tmp_path / "o.csv")], inp, subprocess.DEVNULL)
    assert done.returncode == 1
    assert "compute it with incentives calc -;" in " ".join(done.stderr.split())


def test_a_csv_renamed_toml_is_read_by_batch_and_named_by_calc(tmp_path):
    # calc said "not valid TOML: Invalid statement"; batch, by the suffix, "this is a company profile … use calc"
    src = tmp_path / "companies.toml"
    src.write_bytes((Path(__file__).parent.parent / "samples" / "zh" / "companies.csv").read_bytes())
    res = invoke(str(src), "-o", str(tmp_path / "r.csv"), "-q")
    assert res.exit_code == 0, res.output
    calc = runner.invoke(app, ["calc", str(src)], env={"COLUMNS": "300"})
    assert calc.exit_code == 1 and "is a CSV file (a spreadsheet), not a company profile" in calc.output
    assert "run incentives batch companies.toml -o results.csv" in calc.output
