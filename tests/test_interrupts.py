"""Ctrl-C at any moment of any command: one line on stderr and exit 130, never a KeyboardInterrupt traceback.

A Ctrl-C while typer, rich and numpy were imported (the first 0.1-0.4 s of every command) was a full traceback
and death by the signal; one while ``batch`` loaded the policies or showed its counts ended with exit 130 and
no word, although the README promises a line that says what the run left.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LED = str(ROOT / "samples" / "nanchang-si-led-maker.toml")
CSV = str(ROOT / "samples" / "companies.csv")
EXE = Path(sys.executable).parent / "incentives"
ENV = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "COLUMNS": "120", "INCENTIVES_POLICIES_DIR": ""}


def _default_sigint() -> None:
    """A test run started in the background (`pytest &`) inherits SIGINT ignored: give the command the default,
    as a terminal would."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _python_start() -> float:
    """How long this machine takes to start Python itself (before any of the program runs, a Ctrl-C is the
    interpreter's business): the delays below count from there."""
    took = []
    for _ in range(2):
        began = time.monotonic()
        # what the console script does before any of the program can act: start, `import re`, find the package
        subprocess.run([sys.executable, "-c", "import re, nanchang_incentives.entry"], check=True)
        took.append(time.monotonic() - began)
    return max(took)


# the command, and what a run that finished before the signal shows on stdout
RUNS = {
    "calc": ([str(EXE), "calc", LED], "fiscal year 2024"),
    "batch": ([str(EXE), "batch", CSV, "-o", "{out}"], "evaluated"),
    "python -m": ([sys.executable, "-m", "nanchang_incentives", "compare", LED], "Total"),
}


@pytest.mark.parametrize("name", RUNS)
def test_ctrl_c_at_any_moment_is_one_line_and_exit_130(name: str, tmp_path: Path) -> None:
    args, finished = RUNS[name]
    out = tmp_path / "r.csv"
    args = [a.format(out=out) for a in args]
    start = _python_start()
    for delay in (0.05, 0.2, 0.5):
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
                                cwd=tmp_path, preexec_fn=_default_sigint)  # noqa: PLW1509 - no threads here
        time.sleep(start + delay)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
        assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, (delay, stderr)
        if proc.returncode == 0:  # done before the signal came: the whole answer
            assert finished in stdout, (delay, stdout)
            continue
        assert proc.returncode == 130, (delay, proc.returncode, stderr)
        assert stderr.splitlines()[-1].startswith("error: interrupted (Ctrl-C)"), (delay, stderr)
        if name == "batch" and "after every file was written" not in stderr:
            assert not out.exists()


#: a sitecustomize that makes one Ctrl-C happen where $INCENTIVES_TEST_STOP says:
#: ``import:NAME`` raised when the module NAME is first imported; ``del:NAME`` raised then by a destructor, where
#: Python cannot let it propagate (it prints "Exception ignored …"); ``exec:NAME`` raised then inside code run
#: by ``exec`` of a string (as namedtuple and dataclasses build classes); ``call:MODULE.NAME`` raised when that
#: function is called; ``atexit``: SIGINT sent once the command is over, during the interpreter's teardown
INJECT = """
import importlib, importlib.abc, os, sys

how, _, what = os.environ["INCENTIVES_TEST_STOP"].partition(":")

def stop(*args, **kwargs):
    raise KeyboardInterrupt

class Dropped:
    def __del__(self):
        stop()

class Stop(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == what and self in sys.meta_path:
            sys.meta_path.remove(self)
            if how == "del":
                Dropped()
            elif how == "exec":
                exec("raise KeyboardInterrupt")
            else:
                stop()
        return None

if how in ("import", "del", "exec"):
    sys.meta_path.insert(0, Stop())
elif how == "call":
    module, _, name = what.rpartition(".")
    setattr(importlib.import_module(module), name, stop)
elif how == "atexit":
    import atexit, signal, time
    atexit.register(lambda: (os.kill(os.getpid(), signal.SIGINT), time.sleep(0.1)))
"""

RUNNERS = {"incentives": [str(EXE)], "python -m": [sys.executable, "-m", "nanchang_incentives"]}


def _run_stopped(tmp_path: Path, stop: str, args: list[str], runner: str = "incentives"):
    inject = tmp_path / "inject"
    inject.mkdir(exist_ok=True)
    (inject / "sitecustomize.py").write_text(INJECT, encoding="utf-8")
    return subprocess.run([*RUNNERS[runner], *args], capture_output=True, text=True, check=False, cwd=tmp_path,
                          env={**ENV, "PYTHONPATH": str(inject), "INCENTIVES_TEST_STOP": stop},
                          preexec_fn=_default_sigint)


BATCH = ["batch", CSV, "-o", "r.csv"]
NOTHING_WRITTEN = "error: interrupted (Ctrl-C): nothing was written: --output r.csv is as before the run\n"


@pytest.mark.parametrize("stop,args,says", [
    # while the command line loads (before: a traceback through the import machinery, death by SIGINT)
    ("import:typer", ["calc", LED], "error: interrupted (Ctrl-C)\n"),
    ("import:numpy", BATCH, "error: interrupted (Ctrl-C)\n"),
    # inside a command (before: exit 130 without a word, Typer's own handling)
    ("import:nanchang_incentives.render.table", ["calc", LED], "error: interrupted (Ctrl-C)\n"),
    # in a destructor or a callback, as a module lock's at each import (before: "Exception ignored in: …
    # KeyboardInterrupt" and the command went on as if nothing had been pressed)
    ("del:rich", ["calc", LED], "error: interrupted (Ctrl-C)\n"),
    ("del:nanchang_incentives.render.table", ["calc", LED], "error: interrupted (Ctrl-C)\n"),
    # batch loading its machinery and the policies, before its run (before: exit 130 without a word)
    ("import:nanchang_incentives.batch", BATCH, NOTHING_WRITTEN),
    ("call:nanchang_incentives.api.load", BATCH, NOTHING_WRITTEN),
    # batch showing its counts, every file written (before: exit 130 without a word)
    ("call:nanchang_incentives.render.budget.print_problems", BATCH,
     ("error: interrupted (Ctrl-C) after every file was written: --output r.csv complete; only the counts were "
      "not shown\n")),
], ids=["typer", "numpy", "calc-render", "del-rich", "del-calc-render", "batch-import", "batch-load",
        "batch-report"])
def test_ctrl_c_while_a_module_loads_or_a_step_runs(tmp_path: Path, stop: str, args: list[str], says: str) -> None:
    res = _run_stopped(tmp_path, stop, args)
    assert res.returncode == 130, res.stderr
    assert res.stderr == says
    assert (tmp_path / "r.csv").is_file() == ("every file was written" in says)


@pytest.mark.parametrize("runner", RUNNERS)
@pytest.mark.parametrize("stop,args,says", [
    ("exec:rich", ["calc", LED], "error: interrupted (Ctrl-C)\n"),  # while the command line loads
    ("exec:nanchang_incentives.batch", BATCH, NOTHING_WRITTEN),  # in batch, which exits the normal way
], ids=["loading", "batch"])
def test_ctrl_c_inside_code_built_from_a_string_still_exits_130(tmp_path: Path, stop: str, args: list[str],
                                                                says: str, runner: str) -> None:
    """A KeyboardInterrupt that left an `exec` of a string sets CPython's "unhandled KeyboardInterrupt" flag even
    when it is caught: under `python -m` the process then killed itself with SIGINT at exit, after the message."""
    res = _run_stopped(tmp_path, stop, args, runner)
    assert (res.returncode, res.stderr) == (130, says)


def test_ctrl_c_after_the_command_is_over_changes_nothing(tmp_path: Path) -> None:
    """A Ctrl-C during the interpreter's teardown (batch, which exits the normal way) came after the work and
    its counts, yet printed a KeyboardInterrupt "Exception ignored in atexit callback" (or, later in the
    teardown, killed the process by the signal)."""
    res = _run_stopped(tmp_path, "atexit", BATCH)
    assert res.returncode == 0, res.stderr
    assert "KeyboardInterrupt" not in res.stderr and "Traceback" not in res.stderr
    assert "7 evaluated" in res.stdout and (tmp_path / "r.csv").is_file()
