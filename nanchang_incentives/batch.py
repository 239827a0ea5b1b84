"""``incentives batch``: the engine over a CSV of any size, streamed in blocks.

Each block of the CSV (2 MB, some ten thousand rows) becomes one columnar
``profile.Table`` (``batch_table``) and goes through ``engine.run_policy``,
the very function ``calc`` uses (``calc`` is a table of one row), so the two
cannot disagree; ``batch_output`` writes the lines.  Memory stays flat: a
block is read, evaluated, written and forgotten; the budget view keeps only
running integer totals.  Large files are processed by two worker processes
that append their blocks to the output in order.

Bad cells never stop the run: a row with a bad cell is reported (row, field,
value, message) and left out, every other row is written.  Output goes to a
temporary file that is renamed over the final name only when the run
succeeds.  Everything here is callable from Python (``run_batch``); the CLI in
``commands/batch.py`` only parses options and renders the summary.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import signal
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import csvio
from . import fields as F
from .batch_output import CAP_STATE_NAMES, Evaluated, Output
from .batch_table import Chunk, Header, bind_header, build_chunk, select
from .csvio import Block, RowProblem
from .engine import (
    CAPPED,
    EXCLUDED,
    GRANTED,
    STATUS_NAMES,
    Options,
    PolicyRun,
    run_policy,
)
from .errors import InputError, Location
from .money import UNITS_PER_YUAN, format_fen, format_rate
from .policy import Catalog, Policy

LAYOUTS = ("wide", "long")
FORMATS = ("csv", "jsonl", "xlsx")
CITY_ORDER = ("nanchang", "wuhan-east-lake", "beijing")  # SPEC §2: the order of the wide columns
XLSX_MAX_ROWS = 1_048_575  # Excel's limit, less the header
NUMERIC_WIDTH = 32  # cells longer than this are never plain numbers
BAD_ROW_PREVIEW = 10


@dataclass(frozen=True)
class BatchOptions:
    """What to compute and how to write it (the command's options)."""

    policy_ids: tuple[str, ...] = ()
    year: int | None = None
    ignore_validity: bool = False
    layout: str = "wide"
    fmt: str = "csv"
    excel: bool = False  # UTF-8 with BOM, for Excel
    encoding: str | None = None
    jobs: int = 1  # worker processes (0: one per core, up to 2, for big files)
    block_bytes: int = csvio.BLOCK_BYTES

    @property
    def engine(self) -> Options:
        return Options(year=self.year, ignore_validity=self.ignore_validity)


# ---------------------------------------------------------------- budget


@dataclass
class ClauseBudget:
    """Running totals of one clause over every evaluated company (fen, counts)."""

    id: str
    basis: str
    statuses: list[int] = field(default_factory=lambda: [0] * len(STATUS_NAMES))
    amount: int = 0
    raw: int = 0
    saved_item_cap: int = 0
    saved_clause_cap: int = 0
    saved_group: int = 0
    saved_company_cap: int = 0

    @property
    def granted(self) -> int:
        """Companies with an amount (granted or capped)."""
        return self.statuses[GRANTED] + self.statuses[CAPPED]

    @property
    def saved(self) -> int:
        return self.raw - self.amount

    def merge(self, other: ClauseBudget) -> None:
        self.statuses = [a + b for a, b in zip(self.statuses, other.statuses)]
        self.amount += other.amount
        self.raw += other.raw
        self.saved_item_cap += other.saved_item_cap
        self.saved_clause_cap += other.saved_clause_cap
        self.saved_group += other.saved_group
        self.saved_company_cap += other.saved_company_cap

    def as_dict(self) -> dict:
        return {
            "id": self.id, "basis": self.basis, "companies_granted": self.granted,
            "statuses": {name: self.statuses[k] for k, name in enumerate(STATUS_NAMES)},
            "amount": format_fen(self.amount), "raw_amount": format_fen(self.raw), "saved": format_fen(self.saved),
            "saved_by": {"item_cap": format_fen(self.saved_item_cap), "clause_cap": format_fen(self.saved_clause_cap),
                         "group": format_fen(self.saved_group), "company_cap": format_fen(self.saved_company_cap)},
        }


@dataclass
class PolicyBudget:
    """Running totals of one policy: what every clause would cost and what the caps save."""

    policy: str
    title: str
    companies: int = 0
    with_amount: int = 0
    cap_states: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CAP_STATE_NAMES, 0))
    clauses: dict[str, ClauseBudget] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(c.amount for c in self.clauses.values())

    @property
    def total_exact(self) -> int:
        return sum(c.amount for c in self.clauses.values() if c.basis == "exact")

    @property
    def total_up_to(self) -> int:
        return sum(c.amount for c in self.clauses.values() if c.basis == "up_to")

    @property
    def raw(self) -> int:
        return sum(c.raw for c in self.clauses.values())

    @property
    def company_cap_hits(self) -> int:
        return self.cap_states["applied"]

    def merge(self, other: PolicyBudget) -> None:
        self.companies += other.companies
        self.with_amount += other.with_amount
        for k, v in other.cap_states.items():
            self.cap_states[k] += v
        for cid, c in other.clauses.items():
            if cid in self.clauses:
                self.clauses[cid].merge(c)
            else:
                self.clauses[cid] = c

    def as_dict(self) -> dict:
        saved = {k: format_fen(sum(getattr(c, f"saved_{k}") for c in self.clauses.values()))
                 for k in ("item_cap", "clause_cap", "group", "company_cap")}
        return {
            "policy": self.policy, "title": self.title, "companies": self.companies,
            "companies_with_amount": self.with_amount, "company_cap_hits": self.company_cap_hits,
            "company_cap": dict(self.cap_states),
            "total": format_fen(self.total), "total_exact": format_fen(self.total_exact),
            "total_up_to": format_fen(self.total_up_to), "raw_amount": format_fen(self.raw),
            "saved": format_fen(self.raw - self.total), "saved_by": saved,
            "clauses": [c.as_dict() for c in self.clauses.values()],
        }


def _sum(a: np.ndarray) -> int:
    """Exact sum of a non-negative int64 array (Python ints when int64 could overflow)."""
    if len(a) == 0:
        return 0
    if int(a.max()) * len(a) < 2**62:
        return int(a.sum())
    return int(a.astype(object).sum())  # pragma: no cover - more than 4.6e18 fen in one block


def budget_of(run: PolicyRun) -> PolicyBudget:
    """Totals of one run (one chunk, one policy).

    Only the rows with an amount before the caps (granted, capped or
    excluded) are read for the sums: that is where raw − final can differ.
    """
    assert (GRANTED, CAPPED, EXCLUDED) == (0, 1, 2)
    pol = run.policy
    b = PolicyBudget(pol.id, pol.title_zh, companies=run.n)
    any_amount = np.zeros(run.n, dtype=bool)
    for cr in run.clauses:
        c = cr.clause
        cb = ClauseBudget(c.id, c.basis)
        cb.statuses = np.bincount(cr.status, minlength=len(STATUS_NAMES)).tolist()
        rows = np.flatnonzero(cr.status <= EXCLUDED)
        if len(rows):
            st = cr.status[rows]
            raw, item, clause, amount = (cr.raw[rows], cr.after_item_cap[rows], cr.after_clause_cap[rows],
                                         cr.amount[rows])
            excluded = st == EXCLUDED
            cb.amount = _sum(amount)
            cb.raw = _sum(raw)
            cb.saved_item_cap = _sum(raw - item)
            cb.saved_clause_cap = _sum(item - clause)
            cb.saved_group = _sum(clause[excluded])
            cb.saved_company_cap = _sum((clause - amount)[~excluded])
            any_amount[rows[amount > 0]] = True
        b.clauses[c.id] = cb
    b.with_amount = int(any_amount.sum())
    states = np.bincount(run.cap_state, minlength=len(CAP_STATE_NAMES))
    b.cap_states = {name: int(states[k]) for k, name in enumerate(CAP_STATE_NAMES)}
    return b


@dataclass
class BatchReport:
    """What a run did: counts, the budget per policy, the bad rows (first few) and where things went."""

    input: str
    output: str
    encoding: str
    rows: int = 0
    good_rows: int = 0
    bad_rows: int = 0
    output_rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)  # the first BAD_ROW_PREVIEW
    budgets: dict[str, PolicyBudget] = field(default_factory=dict)
    errors_file: str | None = None
    layout: str = "wide"
    fmt: str = "csv"
    hypothetical: bool = False

    def as_dict(self) -> dict:
        return {
            "input": self.input, "output": self.output, "encoding": self.encoding, "format": self.fmt,
            "layout": self.layout, "rows": self.rows, "good_rows": self.good_rows, "bad_rows": self.bad_rows,
            "output_rows": self.output_rows, "errors_file": self.errors_file, "hypothetical": self.hypothetical,
            "policies": [b.as_dict() for b in self.budgets.values()],
        }


# ---------------------------------------------------------------- evaluation of one chunk


def evaluate_chunk(chunk: Chunk, catalog: Catalog, policies: Sequence[Policy],
                   options: BatchOptions, *, keep_runs: bool = False) -> list[Evaluated]:
    """Run each applicable policy over its rows of the chunk (the engine of ``calc``)."""
    n = chunk.table.n
    out: list[Evaluated] = []
    for pol in policies:
        if options.policy_ids:
            idx = np.arange(n)
        else:
            codes = [k for k, v in enumerate(chunk.jurisdiction) if v == pol.jurisdiction]
            idx = np.flatnonzero(np.isin(chunk.jcode, codes)) if codes else np.zeros(0, dtype=np.int64)
        if len(idx) == 0:
            continue
        table = chunk.table if len(idx) == n else select(chunk.table, idx)
        run = run_policy(table, pol, catalog, options.engine)
        out.append(Evaluated(pol, idx, budget_of(run), np.stack([cr.amount for cr in run.clauses], axis=1),
                             np.stack([cr.status for cr in run.clauses], axis=1), run.years, run.covered,
                             run.cap_state, run if keep_runs else None))
        del run  # the next policy's intermediate columns reuse the memory
    return out


# ---------------------------------------------------------------- one block, start to end


@dataclass
class BlockResult:
    data: list[bytes]
    lines: int
    problems: list[RowProblem]
    budgets: list[PolicyBudget]
    rows: int
    good: int
    raw_end: int


@dataclass
class _Job:
    """Everything a block needs besides its bytes (shared with worker processes)."""

    header: Header
    catalog: Catalog
    policies: list[Policy]
    options: BatchOptions
    output: Output


def process_block(block: Block, job: _Job) -> BlockResult:
    raw_end = block.raw_end
    cells = csvio.split_block(block, job.header.names)
    chunk = build_chunk(cells, job.header, job.catalog, year_given=job.options.year is not None,
                        policy_given=bool(job.options.policy_ids))
    del cells, block  # only the chunk's columns are needed from here on
    evaluated = evaluate_chunk(chunk, job.catalog, job.policies, job.options, keep_runs=job.options.layout == "long")
    data, lines = job.output.chunk_bytes(chunk, evaluated)
    budgets = [ev.budget for ev in evaluated]
    bad_rows = len({p.row for p in chunk.problems})
    return BlockResult(data, lines, chunk.problems, budgets, chunk.table.n + bad_rows, chunk.table.n, raw_end)


@dataclass
class _Shared:
    """What worker processes share: the job, the file they append to, and whose turn it is to write."""

    job: _Job
    source: Path  # the input: each worker reads its blocks itself (only their places cross over)
    encoding: csvio.Encoding
    path: Path | None  # the temporary output file, or None: results carry their bytes back
    turn: object  # multiprocessing Value: the next block to be written
    abort: object  # multiprocessing Value: set when the run stops early
    cond: object  # multiprocessing Condition guarding both


_SHARED: _Shared | None = None
_SOURCE_FD: int | None = None


def _worker_init(shared: _Shared) -> None:
    """In each worker: Ctrl-C is the parent's business; die with the parent; remember the job."""
    global _SHARED, _SOURCE_FD
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:  # Linux: get SIGTERM when the parent dies, whatever killed it
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    _SHARED = shared
    _SOURCE_FD = os.open(shared.source, os.O_RDONLY)


class _Aborted(Exception):
    """The run stopped early (an error elsewhere, or Ctrl-C): this worker's block is dropped."""


def _worker(k: int, ref: csvio.BlockRef) -> BlockResult:
    """Read and process block ``k``, then append its lines to the output when every earlier block has been."""
    sh = _SHARED
    assert sh is not None and _SOURCE_FD is not None
    try:
        res = process_block(csvio.read_block(_SOURCE_FD, ref, sh.encoding), sh.job)
    except BaseException:
        with sh.cond:  # type: ignore[attr-defined]
            sh.abort.value = 1  # type: ignore[attr-defined]
            sh.cond.notify_all()  # type: ignore[attr-defined]
        raise
    if sh.path is None:
        return res
    with sh.cond:  # type: ignore[attr-defined]
        sh.cond.wait_for(lambda: sh.turn.value == k or sh.abort.value)  # type: ignore[attr-defined]
        if sh.abort.value:  # type: ignore[attr-defined]
            raise _Aborted()
        with open(sh.path, "ab") as f:
            f.writelines(res.data)
        sh.turn.value = k + 1  # type: ignore[attr-defined]
        sh.cond.notify_all()  # type: ignore[attr-defined]
    res.data = []
    return res


def _results(blocks: Iterator[tuple[csvio.BlockRef, bytes]], source: Path, enc: csvio.Encoding, job: _Job,
             jobs: int, append_to: Path | None) -> Iterator[BlockResult]:
    """Each block's result, in input order.

    With ``jobs`` > 1 the blocks go to worker processes, which read them from
    the file themselves; with ``append_to`` they also append their lines to
    that file, in block order, so no data crosses a process boundary.
    """
    if jobs <= 1:
        for ref, data in blocks:
            yield process_block(csvio.decode_block(ref, data, enc), job)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("fork")
    shared = _Shared(job, source, enc, append_to, ctx.Value("q", 0, lock=False), ctx.Value("b", 0, lock=False),
                     ctx.Condition())
    pool = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_worker_init, initargs=(shared,))
    pending: deque = deque()
    try:
        for k, (ref, _) in enumerate(blocks):
            pending.append(pool.submit(_worker, k, ref))
            while len(pending) > jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        if pending:  # stopped early: wake the workers waiting for their turn and let them go
            with shared.cond:  # type: ignore[attr-defined]
                shared.abort.value = 1  # type: ignore[attr-defined]
                shared.cond.notify_all()  # type: ignore[attr-defined]
        pool.shutdown(wait=True, cancel_futures=True)


# ---------------------------------------------------------------- files


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait (they are not lost) while temporary files are created or renamed."""
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError):  # pragma: no cover - no POSIX signal masks
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class AtomicFile:
    """A file written under a temporary name and renamed over ``path`` only on commit.

    ``created`` receives the file as soon as it exists, with signals held, so
    that whoever removes temporary files on an interruption always knows it.
    """

    def __init__(self, path: Path, created: list[AtomicFile]):
        self.path = path
        parent = path.parent if str(path.parent) else Path(".")
        with _signals_held():
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=parent)
            self.tmp = Path(tmp)
            self.file = os.fdopen(fd, "wb", buffering=1 << 20)
            created.append(self)

    def write(self, data: bytes | memoryview) -> None:
        self.file.write(data)

    def commit(self) -> None:
        self.file.close()
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp, 0o666 & ~umask)  # mkstemp makes 0600; a normal file follows the umask
        os.replace(self.tmp, self.path)

    def discard(self) -> None:
        try:
            self.file.close()
        except OSError:  # the disk was full: the file goes anyway
            pass
        finally:
            self.tmp.unlink(missing_ok=True)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_paths(input_path: Path, outputs: Mapping[str, Path | None]) -> None:
    """Never overwrite the input, never write two outputs to one file."""
    if not input_path.is_file():
        what = "is a directory" if input_path.is_dir() else "file not found"
        raise InputError(what, Location(file=str(input_path)))
    seen: dict[Path, str] = {}
    for option, path in outputs.items():
        if path is None:
            continue
        if _same_file(input_path, path) or path.resolve() == input_path.resolve():
            raise InputError(f"{option} would overwrite the input file; choose another name",
                             Location(file=str(path), field=option))
        if path.is_dir():
            raise InputError(f"{option} is a directory; give a file name", Location(file=str(path), field=option))
        if not path.resolve().parent.is_dir():
            raise InputError(f"{option}: the directory does not exist", Location(file=str(path), field=option))
        key = path.resolve()
        if key in seen:
            raise InputError(f"{option} and {seen[key]} name the same file", Location(file=str(path), field=option))
        seen[key] = option


class _XlsxSink:
    """Rows to an .xlsx worksheet (openpyxl, write-only): amounts stay exact decimal text."""

    def __init__(self, path: Path, header: list[str]):
        try:
            from openpyxl import Workbook
        except ImportError:  # pragma: no cover - depends on the install
            raise InputError("--format xlsx needs openpyxl: pip install 'nanchang-incentives[xlsx]'",
                             Location(field="--format")) from None
        self.path = path
        self.wb = Workbook(write_only=True)
        self.ws = self.wb.create_sheet("results")
        self.ws.append(header)
        self.rows = 0
        self.ints = [k for k, name in enumerate(header) if name in ("row", "year")]  # numbers; amounts stay text

    def write(self, data: bytes) -> None:
        for record in csv.reader(io.StringIO(data.decode("utf-8"), newline="")):
            self.rows += 1
            if self.rows > XLSX_MAX_ROWS:
                raise InputError(f"more than {XLSX_MAX_ROWS:,} result rows do not fit in one Excel sheet; "
                                 f"use --format csv", Location(field="--format"))
            for k in self.ints:
                record[k] = int(record[k])  # type: ignore[call-overload]
            self.ws.append(record)

    def save(self, target: AtomicFile) -> None:
        self.wb.save(target.file)


def _errors_writer(target: AtomicFile, excel: bool) -> Callable[[Iterable[RowProblem]], None]:
    if excel:
        target.write(b"\xef\xbb\xbf")
    target.write(b"row,field,value,message\n")

    def write(problems: Iterable[RowProblem]) -> None:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        for p in problems:
            w.writerow([p.row, p.field, p.value, p.message])
        target.write(buf.getvalue().encode("utf-8"))

    return write


def choose_jobs(requested: int, size: int, block_bytes: int, load: float | None = None,
                cores: int | None = None) -> int:
    """Worker processes: as asked, or (0) one per free core, up to two, when the file spans several blocks.

    A core is free when the one-minute load average leaves it so: on a
    machine whose cores are busy with other work, extra processes only add
    overhead (measured: 1M rows took 7.5 s with two workers and one busy
    core, 5.4 s in one process).

    >>> choose_jobs(0, 10**9, 2 << 20, load=0.1, cores=2), choose_jobs(0, 10**9, 2 << 20, load=1.2, cores=2)
    (2, 1)
    >>> choose_jobs(0, 10**5, 2 << 20, load=0.0, cores=2), choose_jobs(3, 10**5, 2 << 20, load=5.0, cores=2)
    (1, 3)
    """
    if requested > 0:
        return requested
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if load is None:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    free = int(cores - load + 0.5)
    if size < 3 * block_bytes or free < 2:
        return 1
    return min(free, 2)


def policies_for_batch(catalog: Catalog, options: BatchOptions) -> list[Policy]:
    if options.policy_ids:
        out: list[Policy] = []
        for pid in options.policy_ids:
            p = catalog.get(pid)
            if p not in out:
                out.append(p)
        return out
    order = {j: k for k, j in enumerate(CITY_ORDER)}
    return sorted(catalog.policies.values(), key=lambda p: (order.get(p.jurisdiction, len(order)), p.jurisdiction))


def run_batch(input_path: str | Path, output_path: str | Path, catalog: Catalog, options: BatchOptions = BatchOptions(),
              *, errors_path: str | Path | None = None, summary_path: str | Path | None = None,
              progress: Callable[[int, int, int, int], None] | None = None) -> BatchReport:
    """Evaluate every row of ``input_path`` and write ``output_path`` (atomically).

    ``progress(bytes_done, bytes_total, rows, bad_rows)`` is called after each
    block.  Bad rows are written to ``errors_path`` (if given) and counted in
    the report; they never stop the run.
    """
    if options.layout not in LAYOUTS:
        raise InputError(f"unknown layout {options.layout!r}; use wide or long", Location(field="--layout"))
    if options.fmt not in FORMATS:
        raise InputError(f"unknown format {options.fmt!r}; use csv, jsonl or xlsx", Location(field="--format"))
    src = Path(input_path)
    dst = Path(output_path)
    err = Path(errors_path) if errors_path else None
    summ = Path(summary_path) if summary_path else None
    check_paths(src, {"--output": dst, "--errors": err, "--summary-json": summ})
    enc = csvio.detect_encoding(src, options.encoding)
    policies = policies_for_batch(catalog, options)
    size = src.stat().st_size
    with open(src, "rb") as f:
        names, data_start = csvio.read_header(f, enc, src)
        header = bind_header(names, catalog, str(src))
        if options.year is None and "year" not in header.names:
            raise InputError("the CSV has no year column: add one (the fiscal year, e.g. 2024) or pass --year",
                             Location(file=str(src), line=1))
        if not options.policy_ids and "jurisdiction" not in header.names:
            raise InputError(f"the CSV has no jurisdiction column: add one ({', '.join(catalog.jurisdictions())}) "
                             f"or pass --policy ID", Location(file=str(src), line=1))
        output = Output(policies, options, catalog)
        job = _Job(header, catalog, policies, options, output)
        report = BatchReport(str(src), str(dst), enc.label, errors_file=str(err) if err else None,
                             layout=options.layout, fmt=options.fmt, hypothetical=options.ignore_validity)
        report.budgets = {p.id: PolicyBudget(p.id, p.title_zh) for p in policies}
        for p in policies:
            report.budgets[p.id].clauses = {c.id: ClauseBudget(c.id, c.basis) for c in p.clauses}
        targets: list[AtomicFile] = []
        try:
            out = AtomicFile(dst, targets)
            xlsx = _XlsxSink(dst, output.header_columns()) if options.fmt == "xlsx" else None
            if xlsx is None:
                if options.excel and options.fmt == "csv":
                    out.write(b"\xef\xbb\xbf")
                out.write(output.header())
            write_errors = None
            if err is not None:
                err_file = AtomicFile(err, targets)
                write_errors = _errors_writer(err_file, options.excel)
            jobs = 1 if xlsx is not None else choose_jobs(options.jobs, size, options.block_bytes)
            append_to = None
            if jobs > 1:
                out.file.flush()  # the header first: the workers append after it
                append_to = out.tmp
            blocks = csvio.iter_raw_blocks(f, data_start, options.block_bytes)
            for res in _results(blocks, src, enc, job, jobs, append_to):
                for piece in res.data:
                    if xlsx is not None:
                        xlsx.write(piece)
                    else:
                        out.write(piece)
                report.output_rows += res.lines
                report.rows += res.rows
                report.good_rows += res.good
                bad = len({p.row for p in res.problems})
                report.bad_rows += bad
                if res.problems:
                    if write_errors is not None:
                        write_errors(res.problems)
                    room = BAD_ROW_PREVIEW - len(report.problems)
                    if room > 0:
                        report.problems.extend(res.problems[:room])
                for b in res.budgets:
                    report.budgets[b.policy].merge(b)
                if progress is not None:
                    progress(res.raw_end, size, report.rows, report.bad_rows)
            if xlsx is not None:
                xlsx.save(out)
            if summ is not None:
                import json

                s = AtomicFile(summ, targets)
                s.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
            with _signals_held():  # all the files, or none of them
                for t in targets:
                    t.commit()
                targets.clear()
        except OSError as exc:  # a full disk, a read-only directory, …: a message, not a traceback
            raise InputError(f"cannot write: {exc.strerror or exc}", Location(file=exc.filename or str(dst))) \
                from None
        finally:
            for t in targets:
                t.discard()
    return report


# ---------------------------------------------------------------- profiles -> CSV (tests, benchmarks)


def cell_text(spec: F.Field, value: object) -> str:
    """A typed profile value as a CSV cell that parses back to the same value."""
    if value is None:
        return ""
    if spec.type == F.MONEY:
        return _units_text(int(value))  # type: ignore[call-overload]
    if spec.type == F.MONEY_LIST:  # an empty list is ";" (an empty cell is missing input)
        return ";".join(_units_text(int(v)) for v in value) or ";"  # type: ignore[attr-defined]
    if spec.type == F.BOOL:
        return "true" if value else "false"
    if spec.type == F.RATE:
        from fractions import Fraction

        return format_rate(Fraction(int(value), F.DENOMINATOR[F.RATE]))  # type: ignore[call-overload]
    if spec.type == F.TAGS:  # no tags at all is ";" (an empty cell is missing input)
        return ";".join(value) or ";"  # type: ignore[arg-type]
    return str(value)


def _units_text(units: int) -> str:
    whole, frac = divmod(units, UNITS_PER_YUAN)
    return f"{whole}" if frac == 0 else f"{whole}.{frac:04d}".rstrip("0")


def write_profiles_csv(records: Sequence[Mapping[str, object]], catalog: Catalog, path: str | Path,
                       columns: Sequence[str] | None = None, encoding: str = "utf-8") -> list[str]:
    """Write typed profiles (``Profile.values``) as a batch input CSV; returns the columns."""
    cols = list(columns) if columns else sorted({k for r in records for k in r},
                                                key=lambda k: (k not in ("name", "jurisdiction", "year"), k))
    with open(path, "w", newline="", encoding=encoding) as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for r in records:
            w.writerow([cell_text(catalog.registry[c], r.get(c)) for c in cols])
    return cols
