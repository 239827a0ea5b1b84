"""``incentives batch``: the engine over a CSV of any size, streamed in chunks.

Each block of the CSV (a few MB, tens of thousands of rows) becomes one
columnar ``profile.Table`` and goes through ``engine.run_policy``, the very
function ``calc`` uses (``calc`` is a table of one row), so the two cannot
disagree.  Memory stays flat: a block is read, evaluated, written and
forgotten; the budget view keeps only running integer totals.

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
import operator
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
from .csvio import Block, Cells, RowProblem
from .engine import (
    CAP_BINDING,
    CAP_EXEMPT,
    CAP_NONE,
    CAP_NOT_BINDING,
    CAP_UNKNOWN,
    CAP_WAIVED,
    CAPPED,
    DISCRETIONARY,
    EXCLUDED,
    EXPIRED,
    GRANTED,
    MISSING,
    NOT_ELIGIBLE,
    STATUS_NAMES,
    Options,
    PolicyRun,
    run_policy,
)
from .errors import InputError, Location, ValueProblem
from .money import MAX_COUNT, MAX_UNITS, UNITS_PER_YUAN, format_fen, format_rate, format_units
from .policy import BASES, Catalog, Policy
from .profile import Column, ListColumn, Table, TagColumn, TextColumn

LAYOUTS = ("wide", "long")
FORMATS = ("csv", "jsonl", "xlsx")
CAP_STATE_NAMES = {CAP_NONE: "none", CAP_NOT_BINDING: "not_reached", CAP_BINDING: "applied",
                   CAP_EXEMPT: "exempt", CAP_WAIVED: "waived", CAP_UNKNOWN: "unknown"}
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
    cap_states: dict[str, int] = field(default_factory=lambda: {v: 0 for v in CAP_STATE_NAMES.values()})
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
    b.cap_states = {name: int(states[k]) for k, name in CAP_STATE_NAMES.items()}
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


# ---------------------------------------------------------------- the header


@dataclass(frozen=True)
class Header:
    """The CSV's columns bound to profile fields."""

    names: tuple[str, ...]
    fields: tuple[F.Field, ...]

    def index(self, name: str) -> int | None:
        return self.names.index(name) if name in self.names else None


def bind_header(names: Sequence[str], catalog: Catalog, path: str) -> Header:
    """Every column must be a profile field (did-you-mean for typos), once."""
    out: list[F.Field] = []
    seen: set[str] = set()
    if len(names) == 1 and any(sep in names[0] for sep in (";", "\t", "|")):
        raise InputError(f"the header is one column {names[0][:60]!r}: batch reads comma-separated files "
                         f"(save from Excel as CSV, not as text with ';' or tabs)", Location(file=path, line=1))
    for j, name in enumerate(names):
        loc = Location(file=path, line=1, field=name or f"column {j + 1}")
        if not name:
            raise InputError(f"column {j + 1} of the header has no name; every column must be a profile field "
                             f"(name, jurisdiction, year, revenue, …)", loc)
        spec = catalog.registry.get(name)
        if spec is None:
            raise InputError(f"unknown column{catalog.registry.suggest(name)}: every column must be a profile "
                             f"field; see the field reference in the README", loc)
        if name in seen:
            raise InputError("the column appears twice in the header", loc)
        seen.add(name)
        out.append(spec)
    return Header(tuple(names), tuple(out))


# ---------------------------------------------------------------- cells -> columns


@dataclass
class Chunk:
    """The good rows of one block as a Table, plus what the output needs beside it."""

    table: Table
    rows: np.ndarray  # int64, data row numbers of the good rows
    names: np.ndarray  # S, the company names (stripped UTF-8), b"" when missing
    jurisdiction: list[str | None]  # per distinct code
    jcode: np.ndarray  # int64 code per good row (-1: none)
    problems: list[RowProblem]
    n_rows: int  # good + bad rows of the block


def _problem_message(spec: F.Field, exc: Exception) -> str:
    return f"{exc} (expected {F.EXAMPLES[spec.type]})"


def _parse_text(spec: F.Field, text: str) -> tuple[bool, object]:
    """(True, value) / (True, None) for an empty cell / (False, message): exactly like a TOML value."""
    if text.strip() == "":
        return True, None
    try:
        return True, spec.parse(text, csv=True)
    except ValueProblem as exc:
        return False, _problem_message(spec, exc)


class _ColumnBuilder:
    """Turns one column of cells into engine columns; bad cells are recorded, not raised."""

    def __init__(self, cells: Cells, header: Header):
        self.cells = cells
        self.header = header
        self.n = cells.n
        self.bad = np.zeros(self.n, dtype=bool)
        self.problems: list[tuple[int, int, str, str]] = []  # (row index, column, value, message)

    def fail(self, i: np.ndarray | list[int], j: int, messages: Sequence[str]) -> None:
        for ii, msg in zip(np.asarray(i).tolist(), messages):
            self.bad[ii] = True
            self.problems.append((ii, j, csvio._clip(self.cells.text(ii, j)), msg))

    def column(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        return self.cells.start[:, j], self.cells.length[:, j]

    def unique(self, j: int, idx: np.ndarray | None = None) -> tuple[list[tuple[bool, object]], np.ndarray]:
        """Parse each distinct cell once: (results per distinct value, inverse index).

        Without ``idx`` every row of the column is indexed, and empty cells
        (missing input) share one entry without being read.
        """
        spec = self.header.fields[j]
        start, length = self.column(j)
        if idx is not None:
            start, length = start[idx], length[idx]
        n = len(start)
        filled = np.flatnonzero(length > 0)
        if len(filled) < n:
            texts, inv = csvio.distinct(self.cells.buf, start[filled], length[filled])
            texts.append(b"")
            inverse = np.full(n, len(texts) - 1, dtype=np.int64)
            inverse[filled] = inv
        else:
            texts, inverse = csvio.distinct(self.cells.buf, start, length)
        results = []
        for u in texts:
            text = u.decode("utf-8", errors="replace")
            if "\x00" in text:
                results.append((False, "contains a NUL character"))
            else:
                results.append(_parse_text(spec, text))
        return results, inverse

    def scalars(self, js: Sequence[int]) -> list[Column]:
        """bool or rate columns: each distinct cell text of all of them parsed once per type."""
        filled = []
        for j in js:
            start, length = self.column(j)
            idx = np.flatnonzero(length > 0)
            filled.append((idx, start[idx], length[idx]))
        starts = np.concatenate([f[1] for f in filled]) if filled else np.zeros(0, np.int64)
        lengths = np.concatenate([f[2] for f in filled]) if filled else np.zeros(0, np.int64)
        texts, inverse_all = csvio.distinct(self.cells.buf, starts, lengths)
        parsed: dict[str, list[tuple[bool, object]]] = {}
        out = []
        at = 0
        for j, (idx, _, _) in zip(js, filled):
            spec = self.header.fields[j]
            if spec.type not in parsed:
                parsed[spec.type] = [_parse_text(spec, t.decode("utf-8", errors="replace")) for t in texts]
            results = parsed[spec.type]
            inverse = inverse_all[at:at + len(idx)]
            at += len(idx)
            dtype = bool if spec.type == F.BOOL else np.int64
            uvals = np.array([v if ok and v is not None else 0 for ok, v in results], dtype=dtype)
            upresent = np.array([ok and v is not None for ok, v in results], dtype=bool)
            values = np.zeros(self.n, dtype=dtype)
            present = np.zeros(self.n, dtype=bool)
            values[idx] = uvals[inverse]
            present[idx] = upresent[inverse]
            ubad = np.array([not ok for ok, _ in results], dtype=bool)
            if len(idx) and ubad[inverse].any():
                self._fail_unique(j, results, inverse, ubad, idx)
            out.append(Column(values, present))
        return out

    def _fail_unique(self, j: int, results: list, inverse: np.ndarray, ubad: np.ndarray,
                     idx: np.ndarray | None = None) -> None:
        if ubad.any():
            rows = np.flatnonzero(ubad[inverse])
            msgs = [str(results[k][1]) for k in inverse[rows].tolist()]
            self.fail(rows if idx is None else idx[rows], j, msgs)

    def numeric(self, js: Sequence[int]) -> list[Column]:
        """money, or count and year columns: plain numbers vectorised (all the columns in one pass, so
        that sparse columns cost little), every other cell through Field.parse."""
        kinds = {self.header.fields[j].type for j in js}
        money = kinds == {F.MONEY}
        assert money or kinds <= {F.COUNT, F.YEAR}
        filled = []
        for j in js:
            start, length = self.column(j)
            idx = np.flatnonzero(length > 0)
            filled.append((idx, start[idx], length[idx]))
        starts = np.concatenate([f[1] for f in filled]) if filled else np.zeros(0, np.int64)
        lengths = np.concatenate([f[2] for f in filled]) if filled else np.zeros(0, np.int64)
        if money:
            v_all, ok_all = csvio.parse_numbers(self.cells.buf, starts, lengths, scale=4, units=True,
                                                max_value=MAX_UNITS, width=NUMERIC_WIDTH)
        else:
            v_all, ok_all = csvio.parse_numbers(self.cells.buf, starts, lengths, scale=0, units=False,
                                                max_value=MAX_COUNT, width=NUMERIC_WIDTH)
        out = []
        at = 0
        for j, (idx, _, _) in zip(js, filled):
            v, ok = v_all[at:at + len(idx)], ok_all[at:at + len(idx)]
            at += len(idx)
            if self.header.fields[j].type == F.YEAR:
                ok = ok & (v >= 1990) & (v <= 2100)
            values = np.zeros(self.n, dtype=np.int64)
            present = np.zeros(self.n, dtype=bool)
            values[idx] = v
            present[idx] = ok
            rest = idx[~ok]
            if len(rest):
                results, inverse = self.unique(j, rest)
                uvals = np.array([v if ok_ and v is not None else 0 for ok_, v in results], dtype=np.int64)
                upresent = np.array([ok_ and v is not None for ok_, v in results], dtype=bool)
                values[rest] = uvals[inverse]
                present[rest] = upresent[inverse]
                self._fail_unique(j, results, inverse, np.array([not r[0] for r in results]), rest)
            values[~present] = 0
            out.append(Column(values, present))
        return out

    def money_list(self, j: int) -> ListColumn:
        """';'-separated amounts: plain items vectorised, other cells through Field.parse."""
        start, length = self.column(j)
        n = self.n
        counts = np.zeros(n, dtype=np.int64)
        present = np.zeros(n, dtype=bool)
        cand = np.flatnonzero(length > 0)
        per_row: dict[int, tuple[int, ...]] = {}
        fast_vals = fast_rows = fast_cells = np.zeros(0, dtype=np.int64)
        if len(cand):
            m = csvio.gather(self.cells.buf, start[cand], length[cand])
            w = m.shape[1]
            L = length[cand]
            mm = np.concatenate([m, np.zeros((len(cand), 1), dtype=np.uint8)], axis=1)
            boundary = (mm == 59) | (np.arange(w + 1)[None, :] == L[:, None])  # ';' or the end of the cell
            cell_of, col_of = np.nonzero(boundary)  # row-major: the items in order
            first = np.ones(len(cell_of), dtype=bool)
            first[1:] = cell_of[1:] != cell_of[:-1]
            item_start = np.where(first, 0, np.concatenate(([0], col_of[:-1] + 1)))
            item_len = col_of - item_start
            vals, ok = csvio.parse_numbers(self.cells.buf, start[cand][cell_of] + item_start, item_len, scale=4,
                                           units=True, max_value=MAX_UNITS, width=NUMERIC_WIDTH)
            nitems = np.bincount(cell_of, minlength=len(cand))
            cell_ok = (np.bincount(cell_of, weights=~ok, minlength=len(cand)) == 0) & (nitems <= 1000)
            item_cell_ok = cell_ok[cell_of]
            fast_vals = vals[item_cell_ok]
            fast_cells = cell_of[item_cell_ok]
            fast_rows = cand[fast_cells]
            counts[cand[cell_ok]] = nitems[cell_ok]
            present[cand[cell_ok]] = True
            slow = cand[~cell_ok]
            if len(slow):
                results, inverse = self.unique(j, slow)
                self._fail_unique(j, results, inverse, np.array([not r[0] for r in results]), slow)
                for r, k in zip(slow.tolist(), inverse.tolist()):
                    ok_, v = results[k]
                    if ok_ and v is not None:
                        per_row[r] = v  # type: ignore[assignment]
                        counts[r] = len(v)  # type: ignore[arg-type]
                        present[r] = True
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        flat = np.zeros(int(offsets[-1]), dtype=np.int64)
        if len(fast_vals):
            first_item = np.ones(len(fast_rows), dtype=bool)
            first_item[1:] = fast_cells[1:] != fast_cells[:-1]
            group_start = np.flatnonzero(first_item)
            sizes = np.diff(np.append(group_start, len(fast_rows)))
            within = np.arange(len(fast_rows)) - np.repeat(group_start, sizes)
            flat[offsets[fast_rows] + within] = fast_vals
        for r, v in per_row.items():
            flat[offsets[r]:offsets[r] + len(v)] = v
        return ListColumn(offsets, flat, present)

    def tags(self, j: int) -> TagColumn:
        results, inverse = self.unique(j)
        self._fail_unique(j, results, inverse, np.array([not r[0] for r in results]))
        vocab: dict[str, int] = {}
        umasks = np.zeros(len(results), dtype=np.int64)
        uvalues: list[tuple[str, ...] | None] = []
        for k, (ok, v) in enumerate(results):
            tags = tuple(v) if ok and v is not None else None  # type: ignore[arg-type]
            uvalues.append(tags)
            m = 0
            for t in tags or ():
                if t not in vocab:
                    vocab[t] = len(vocab)
                if vocab[t] < 62:
                    m |= 1 << vocab[t]
            umasks[k] = m
        upresent = np.array([v is not None for v in uvalues], dtype=bool)
        values = [uvalues[k] for k in inverse.tolist()]
        return TagColumn(umasks[inverse], vocab, upresent[inverse], values)

    def text(self, j: int) -> np.ndarray:
        """A text column as stripped UTF-8 bytes (b"" when empty); too-long or NUL cells are bad."""
        spec = self.header.fields[j]
        start, length = self.column(j)
        raw = csvio.gather(self.cells.buf, start, length)
        s = csvio.as_bytes(raw)
        n = self.n
        if raw.shape[1] == 0:
            return s
        last = raw[np.arange(n), np.maximum(length - 1, 0)]
        odd = (length > 0) & ((raw[:, 0] <= 32) | (last <= 32) | (length > 500))
        odd |= ((raw == 0) & (np.arange(raw.shape[1])[None, :] < length[:, None])).any(axis=1)
        rows = np.flatnonzero(odd)
        if len(rows):
            s = s.astype(object)
            bad_rows, msgs = [], []
            for i in rows.tolist():
                text = self.cells.text(i, j)
                ok, v = (False, "contains a NUL character") if "\x00" in text else _parse_text(spec, text)
                if not ok:
                    bad_rows.append(i)
                    msgs.append(str(v))
                    s[i] = b""
                else:
                    s[i] = (v or "").encode("utf-8")  # type: ignore[union-attr]
            if bad_rows:
                self.fail(bad_rows, j, msgs)
            s = s.astype(bytes)
        return s


def build_chunk(cells: Cells, header: Header, catalog: Catalog, options: BatchOptions) -> Chunk:
    """Columns of the block's good rows; every bad cell becomes a problem of its row."""
    b = _ColumnBuilder(cells, header)
    n = cells.n
    columns: dict[str, Column | ListColumn | TagColumn | TextColumn] = {}
    names = np.zeros(n, dtype="S1")
    jur_codes = np.full(n, -1, dtype=np.int64)
    jur_values: list[str | None] = []
    for group in ([F.MONEY], [F.COUNT, F.YEAR]):
        js = [j for j, spec in enumerate(header.fields) if spec.type in group]
        for j, col in zip(js, b.numeric(js)):
            columns[header.fields[j].name] = col
    for ftype in (F.BOOL, F.RATE):
        js = [j for j, spec in enumerate(header.fields) if spec.type == ftype]
        for j, col in zip(js, b.scalars(js)):
            columns[header.fields[j].name] = col
    for j, spec in enumerate(header.fields):
        if spec.type in (F.MONEY, F.COUNT, F.YEAR):
            continue
        if spec.type == F.MONEY_LIST:
            columns[spec.name] = b.money_list(j)
        elif spec.type == F.TAGS:
            columns[spec.name] = b.tags(j)
        elif spec.type in (F.BOOL, F.RATE):
            continue
        elif spec.name == "jurisdiction":
            results, inverse = b.unique(j)
            b._fail_unique(j, results, inverse, np.array([not r[0] for r in results]))
            jur_values = [str(v) if ok and v is not None else None for ok, v in results]
            jur_codes = inverse.astype(np.int64)
        elif spec.type == F.TEXT:
            text = b.text(j)
            if spec.name == "name":
                names = text
    # row-level checks: the fiscal year, the jurisdiction
    year_j = header.index("year")
    if options.year is None:
        missing_year = ~columns["year"].present if "year" in columns else np.ones(n, dtype=bool)  # type: ignore[union-attr]
        rows = np.flatnonzero(missing_year & ~b.bad)
        if len(rows):
            b.fail(rows, year_j if year_j is not None else -1,
                   ["missing; fill in the fiscal year (e.g. 2024) or pass --year"] * len(rows))
    if not options.policy_ids:
        jj = header.index("jurisdiction")
        known = catalog.jurisdictions()
        policy_of = [bool(catalog.for_jurisdiction(v)) if v is not None else False for v in jur_values]
        for k, v in enumerate(jur_values):
            rows = np.flatnonzero((jur_codes == k) & ~b.bad)
            if not len(rows) or policy_of[k]:
                continue
            if v is None:
                msg = f"missing; fill in one of {', '.join(known)} or pass --policy ID"
            else:
                msg = f"no policy for jurisdiction {v!r}; known: {', '.join(known)} (or pass --policy ID)"
            b.fail(rows, jj if jj is not None else -1, [msg] * len(rows))

    problems = list(cells.problems)
    for i, j, value, msg in b.problems:
        problems.append(RowProblem(int(cells.rows[i]), header.names[j] if j >= 0 else "year", value, msg))
    problems.sort(key=lambda p: p.row)
    good = np.flatnonzero(~b.bad)
    table = Table(n, columns, cells.rows.tolist())
    if len(good) < n:
        table = select(table, good)
    return Chunk(table, cells.rows[good], names[good] if len(names) == n else np.zeros(len(good), "S1"),
                 jur_values, jur_codes[good], problems, n + sum(1 for p in cells.problems))


def select(table: Table, idx: np.ndarray) -> Table:
    """The rows ``idx`` of a table (in that order)."""
    cols: dict[str, Column | ListColumn | TagColumn | TextColumn] = {}
    for name, col in table.columns.items():
        if isinstance(col, Column):
            cols[name] = Column(col.values[idx], col.present[idx])
        elif isinstance(col, ListColumn):
            counts = np.diff(col.offsets)[idx]
            offsets = np.zeros(len(idx) + 1, dtype=np.int64)
            np.cumsum(counts, out=offsets[1:])
            src = np.repeat(col.offsets[:-1][idx] - offsets[:-1], counts) + np.arange(int(offsets[-1]))
            cols[name] = ListColumn(offsets, col.flat[src], col.present[idx])
        elif isinstance(col, TagColumn):
            cols[name] = TagColumn(col.masks[idx], col.vocab, col.present[idx], _take_list(col.values, idx))
        else:
            cols[name] = TextColumn(_take_list(col.values, idx), col.present[idx])
    return Table(len(idx), cols, _take_list(table.rows, idx))


def _take_list(values: list, idx: np.ndarray) -> list:
    if len(idx) == 0:
        return []
    if len(idx) == 1:
        return [values[int(idx[0])]]
    return list(operator.itemgetter(*idx.tolist())(values))


# ---------------------------------------------------------------- evaluation of one chunk


@dataclass
class Evaluated:
    """One policy's results over the chunk rows it applies to.

    The amounts and statuses are kept as ``(rows, clauses)`` matrices (the
    policy's clause order); the full run, which holds every intermediate
    column, only when the long layout needs it for the explanations.
    """

    policy: Policy
    rows: np.ndarray  # indices into the chunk's good rows
    budget: PolicyBudget
    amounts: np.ndarray  # (n, k) fen
    status: np.ndarray  # (n, k) int8
    years: np.ndarray
    covered: np.ndarray
    cap_state: np.ndarray
    run: PolicyRun | None = None


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


# ---------------------------------------------------------------- short explanations (long layout)


def _labels(c) -> list[str]:
    return [cond.label or cond.expr.text for cond in c.conditions]


def _calc_text(c) -> str:
    if not c.computes_amount:
        return ""
    if c.items:
        text = f"each {c.item_label} in {c.items}"
        if c.rate is not None:
            text += f" × {c.rate.text}"
        return text
    parts = []
    if c.base is not None:
        parts.append(c.base_label or c.base.text)
    if c.rate is not None:
        parts.append(c.rate.text)
    elif c.fixed is not None:
        parts.append(format_units(c.fixed))
    return " × ".join(parts)


def explanation_codes(ev: Evaluated, catalog: Catalog) -> list[tuple[np.ndarray, list[str]]]:
    """Per clause: a code per row and the distinct short explanations.

    Built from the run's arrays (no per-row Python): the status, which
    conditions failed, which fields are missing, which caps cut the amount.
    The figures themselves are in the raw_amount and amount columns.
    """
    run = ev.run
    assert run is not None, "evaluate_chunk(keep_runs=True) keeps the runs the explanations need"
    pol = run.policy
    n = run.n
    table = run.table
    years = run.years
    uyears, yidx = np.unique(years, return_inverse=True)
    industry_false = run.industry.known & ~run.industry.val if pol.industries else np.zeros(n, dtype=bool)
    industry_unknown = ~run.industry.known if pol.industries else np.zeros(n, dtype=bool)
    industry_false = np.broadcast_to(industry_false, (n,))
    industry_unknown = np.broadcast_to(industry_unknown, (n,))
    out = []
    for cr in run.clauses:
        c = cr.clause
        labels = _labels(c)
        fields = sorted(c.names())
        missing = np.zeros(n, dtype=np.int64)
        for k, name in enumerate(fields):
            have = table.present(name)
            if name in run.defaulted:
                have = have | run.defaulted[name]
            missing |= np.where(have, 0, 1 << k)
        missing |= np.where(industry_unknown, 1 << len(fields), 0)
        failed = np.zeros(n, dtype=np.int64)
        for k, t in enumerate(cr.conditions):
            known = np.broadcast_to(t.value.known, (n,))
            val = np.broadcast_to(t.value.val, (n,))
            failed |= np.where(known & ~val, 1 << k, 0)
        flags = np.zeros(n, dtype=np.int64)
        if cr.items_capped is not None:
            flags |= np.where(cr.items_capped > 0, 1, 0)
        flags |= np.where(cr.after_clause_cap < cr.after_item_cap, 2, 0)
        flags |= np.where((cr.status == CAPPED) & (run.cap_state == CAP_BINDING)
                          & (cr.amount < cr.after_clause_cap), 4, 0)
        flags |= np.where(industry_false, 8, 0)
        winner = np.full(n, -1, dtype=np.int64)
        if c.group and c.group in run.group_winner:
            winner = np.where(cr.status == EXCLUDED, run.group_winner[c.group], -1)
        st = cr.status.astype(np.int64)
        # only what the status's text uses goes into the key
        key_year = np.where(st == EXPIRED, yidx, 0)
        key_missing = np.where(st == MISSING, missing, 0)
        key_failed = np.where(st == NOT_ELIGIBLE, failed, 0)
        key_flags = np.where(np.isin(st, (GRANTED, CAPPED, EXCLUDED, NOT_ELIGIBLE)), flags, 0)
        key = np.stack([st, key_year, key_missing, key_failed, key_flags, winner + 1], axis=1)
        ukeys, inverse = np.unique(key, axis=0, return_inverse=True)
        texts = []
        group = next((g for g in pol.groups if g.id == c.group), None)
        miss_names = fields + ["industries"]
        for s, yk, mk, fk, fl, wk in ukeys.tolist():
            texts.append(_short_text(c, pol, s, int(uyears[yk]) if len(uyears) else 0,
                                     [miss_names[b] for b in range(len(miss_names)) if mk >> b & 1],
                                     [labels[b] for b in range(len(labels)) if fk >> b & 1], labels, fl,
                                     group.clauses[wk - 1] if group is not None and wk > 0 else None))
        out.append((inverse.reshape(-1), texts))
    return out


def _short_text(c, pol: Policy, status: int, year: int, missing: list[str], failed: list[str], labels: list[str],
                flags: int, winner: str | None) -> str:
    parts: list[str] = []
    if status == EXPIRED:
        return f"not computed: {year} is outside the policy's validity"
    if status == MISSING:
        return f"not evaluated: add {', '.join(missing) or 'the missing field'}"
    if status == NOT_ELIGIBLE:
        if failed:
            return "; ".join(f"not met: {label}" for label in failed)
        if flags & 8:
            return f"the policy targets {', '.join(pol.industries)} enterprises"
        return f"{_calc_text(c)}: amount is zero" if c.computes_amount else "not eligible"
    if labels:
        parts.append("met: " + "; ".join(labels))
    if status == DISCRETIONARY:
        parts.append("the text fixes no amount: " + (c.notes[0] if c.notes else "awarded case by case"))
        return "; ".join(parts)
    parts.append(_calc_text(c))
    if flags & 1 and c.item_cap:
        parts.append(f"{c.item_label}(s) cut to the cap of {format_units(c.item_cap)} per {c.item_label}")
    if flags & 2 and c.cap:
        parts.append(f"clause cap {format_units(c.cap)} per {c.cap_period} applied")
    if status == EXCLUDED and winner:
        parts.append(f"exclusive group '{c.group}' (就高不就低): {winner} is higher, this clause is forgone")
    if flags & 4 and pol.company_cap is not None:
        parts.append(f"company annual cap ({pol.company_cap.limit.text}): cut proportionally")
    if c.basis == "up_to" and status in (GRANTED, CAPPED):
        parts.append("the text sets only a ceiling: the amount is the most that can be granted")
    return "; ".join(p for p in parts if p)


# ---------------------------------------------------------------- output rows


class Output:
    """Formats the evaluated chunks as CSV or JSON Lines bytes (both layouts)."""

    SLICE = 8192  # output lines formatted at a time (bounds the byte matrices to a few MB)

    def __init__(self, policies: Sequence[Policy], options: BatchOptions, catalog: Catalog):
        self.policies = list(policies)
        self.options = options
        self.catalog = catalog
        self.layout = options.layout
        self.json = options.fmt == "jsonl"
        self.policy_index = {p.id: k for k, p in enumerate(self.policies)}
        clause_ids: list[str] = []
        for p in self.policies:
            for c in p.clauses:
                if c.id not in clause_ids:
                    clause_ids.append(c.id)
        self.clause_ids = clause_ids
        self.clause_col = {cid: k for k, cid in enumerate(clause_ids)}
        self.hypothetical_col = options.ignore_validity
        self.status_table = csvio.vocab_table(self._text(STATUS_NAMES))
        self.policy_table = csvio.vocab_table(self._text([p.id for p in self.policies]))
        self.cap_table = csvio.vocab_table(self._text([CAP_STATE_NAMES[k] for k in range(len(CAP_STATE_NAMES))]))
        self.basis_table = csvio.vocab_table(self._text(list(BASES)))
        self.bool_table = csvio.vocab_table([b"false", b"true"])
        self.status_bytes = self._text(STATUS_NAMES)
        if self.json:
            self.key_amount = [f',"{cid}":"'.encode() for cid in clause_ids]
            self.key_status = [f'","{cid}_status":'.encode() for cid in clause_ids]
        else:
            self.key_amount = [b","] * len(clause_ids)
            self.key_status = [b","] * len(clause_ids)

    # -- header
    def header_columns(self) -> list[str]:
        if self.layout == "long":
            return ["row", "name", "policy", "clause", "status", "basis", "raw_amount", "amount", "explanation"]
        cols = ["row", "name", "policy", "year", "total", "total_exact", "total_up_to", "company_cap"]
        if self.hypothetical_col:
            cols.append("hypothetical")
        for cid in self.clause_ids:
            cols += [cid, f"{cid}_status"]
        return cols

    def header(self) -> bytes:
        if self.json:
            return b""
        return (",".join(csvio.quote_csv(c) for c in self.header_columns()) + "\n").encode("utf-8")

    # -- cells
    def _text(self, values: Sequence[str]) -> list[bytes]:
        q = csvio.quote_json if self.json else csvio.quote_csv
        return [q(v).encode("utf-8") for v in values]

    def _names(self, names: np.ndarray) -> np.ndarray:
        """Name cells as a byte matrix: CSV-quoted or JSON strings (Python only for the few that need it)."""
        n = len(names)
        m = names.view(np.uint8).reshape(n, -1) if n else np.zeros((0, 1), np.uint8)
        if self.json:
            special = ((m == 34) | (m == 92) | ((m < 32) & (m > 0))).any(axis=1)
            q = np.full((n, 1), 34, dtype=np.uint8)
            cells = np.concatenate([q, m, q], axis=1)
            cells[special] = 0
        else:
            special = ((m == 34) | (m == 44) | (m == 10) | (m == 13)).any(axis=1)
            cells = m
        rows = np.flatnonzero(special)
        if len(rows):
            fixed = self._text([names[i].decode("utf-8") for i in rows.tolist()])
            w = max(cells.shape[1], max(len(x) for x in fixed))
            cells = np.concatenate([cells, np.zeros((n, w - cells.shape[1]), np.uint8)], axis=1)
            for i, x in zip(rows.tolist(), fixed):
                cells[i] = 0
                cells[i, :len(x)] = np.frombuffer(x, dtype=np.uint8)
        return cells

    def _put(self, lines: csvio.Lines, key: str, first: bool = False, quoted: bool = False) -> None:
        """Before a cell: the separator (CSV) or the key (JSON, with the opening quote of a string)."""
        if self.json:
            lines.const((("{" if first else ",") + f'"{key}":' + ('"' if quoted else "")).encode())
        elif not first:
            lines.const(b",")

    def _after(self, lines: csvio.Lines, quoted: bool) -> None:
        if quoted and self.json:
            lines.const(b'"')

    def _end(self, lines: csvio.Lines) -> bytes:
        self._end_matrix(lines)
        return lines.build()

    def _end_matrix(self, lines: csvio.Lines) -> None:
        lines.const(b"}\n" if self.json else b"\n")

    def chunk_bytes(self, chunk: Chunk, evaluated: Sequence[Evaluated]) -> tuple[list[bytes], int]:
        """The chunk's output lines (in pieces, in order) and their count."""
        if not evaluated:
            return [], 0
        if self.layout == "long":
            return self._long(chunk, evaluated)
        return self._wide(chunk, evaluated)

    def _order(self, evaluated: Sequence[Evaluated]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Output order: by input row, then policy; the position of each policy's rows in it."""
        rows = np.concatenate([ev.rows for ev in evaluated])
        pidx = np.concatenate([np.full(len(ev.rows), self.policy_index[ev.policy.id]) for ev in evaluated])
        order = np.lexsort((pidx, rows))
        where = np.empty(len(order), dtype=np.int64)
        where[order] = np.arange(len(order))
        positions, at = [], 0
        for ev in evaluated:
            positions.append(where[at:at + len(ev.rows)])
            at += len(ev.rows)
        return rows[order], positions

    def _segments(self, cols: list[int]) -> list[tuple[bool, list[int]]]:
        """The wide clause columns in order, as runs: (True, own columns) or (False, other policies' columns)."""
        own = set(cols)
        runs: list[tuple[bool, list[int]]] = []
        for c in range(len(self.clause_ids)):
            if runs and runs[-1][0] == (c in own):
                runs[-1][1].append(c)
            else:
                runs.append((c in own, [c]))
        return runs

    def _wide(self, chunk: Chunk, evaluated: Sequence[Evaluated]) -> tuple[list[bytes], int]:
        """One line per company and policy.

        Each run (policy) builds its own lines from its own clauses only (the
        other policies' columns are constant empty cells), so a line's byte
        matrix is as wide as its policy needs, not as all policies together.
        """
        crow, positions = self._order(evaluated)
        m = len(crow)
        src = np.empty(m, dtype=np.int64)  # the run each output line comes from
        at = np.empty(m, dtype=np.int64)  # and its row in that run
        runs = []
        for e, (ev, pos) in enumerate(zip(evaluated, positions)):
            src[pos] = e
            at[pos] = np.arange(len(pos))
            cols = [self.clause_col[c.id] for c in ev.policy.clauses]
            basis = np.array([c.basis for c in ev.policy.clauses])
            amounts = ev.amounts
            runs.append({
                "segments": self._segments(sorted(cols)), "where": {c: k for k, c in enumerate(cols)},
                "amounts": amounts, "status": ev.status,
                "totals": np.stack([amounts.sum(axis=1), amounts[:, basis == "exact"].sum(axis=1),
                                    amounts[:, basis == "up_to"].sum(axis=1)], axis=1),
                "policy": np.full(len(ev.rows), self.policy_index[ev.policy.id]), "year": ev.years,
                "covered": ev.covered.astype(np.int64), "cap": ev.cap_state,
            })
        out = []
        for a in range(0, m, self.SLICE):
            sl = slice(a, min(a + self.SLICE, m))
            n = sl.stop - sl.start
            pieces = []
            for e, r in enumerate(runs):
                sel = np.flatnonzero(src[sl] == e) if len(runs) > 1 else np.arange(n)
                if len(sel):
                    pieces.append((sel, self._wide_lines(chunk, crow[sl][sel], at[sl][sel], r)))
            out.append(self._merge(pieces, n))
        return out, m

    @staticmethod
    def _merge(pieces: list[tuple[np.ndarray, np.ndarray]], n: int) -> bytes:
        """The lines of several runs (each a byte matrix of its lines ``sel``) in output order."""
        if len(pieces) == 1:
            matrix = pieces[0][1]
        else:
            matrix = np.zeros((n, max(p.shape[1] for _, p in pieces)), dtype=np.uint8)
            for sel, p in pieces:
                matrix[sel, :p.shape[1]] = p
        return matrix.tobytes().translate(None, b"\0")  # drop the padding

    def _wide_lines(self, chunk: Chunk, crow: np.ndarray, rows: np.ndarray, r: dict) -> np.ndarray:
        """The byte matrix of some lines of one run (policy).

        Most companies get nothing under most policies: for a line whose
        amounts are all zero, everything after the name depends only on the
        year, the company-cap state and the clause statuses, of which a block
        has a handful of combinations.  Such lines take that part from a table
        built by formatting one line of each combination the ordinary way.
        """
        head = csvio.Lines(len(rows))
        self._put(head, "row", first=True)
        head.add(csvio.number_text(chunk.rows[crow]))
        self._put(head, "name")
        head.add(self._names(chunk.names[crow]))
        zero = np.flatnonzero(~r["amounts"][rows].any(axis=1))
        if len(zero) < 64:
            tail = self._tail(rows, r)
        else:
            zr = rows[zero]
            key = np.concatenate([r["status"][zr].astype(np.int16), r["year"][zr, None].astype(np.int16),
                                  r["cap"][zr, None].astype(np.int16), r["covered"][zr, None].astype(np.int16)],
                                 axis=1)
            key = np.ascontiguousarray(key).view(f"V{key.shape[1] * 2}").reshape(-1)
            _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
            table = self._tail(zr[first], r)
            items = np.ascontiguousarray(table).view(f"V{table.shape[1]}").reshape(-1)
            zero_tail = items[inverse.reshape(-1)].view(np.uint8).reshape(len(zero), table.shape[1])
            if len(zero) == len(rows):
                tail = zero_tail
            else:
                other = np.flatnonzero(r["amounts"][rows].any(axis=1))
                other_tail = self._tail(rows[other], r)
                tail = np.zeros((len(rows), max(zero_tail.shape[1], other_tail.shape[1])), dtype=np.uint8)
                tail[zero, :zero_tail.shape[1]] = zero_tail
                tail[other, :other_tail.shape[1]] = other_tail
        head.add(tail)
        return head.matrix()

    def _tail(self, rows: np.ndarray, r: dict) -> np.ndarray:
        """Everything after the name, for some lines of one run."""
        lines = csvio.Lines(len(rows))
        self._put(lines, "policy")
        lines.add(csvio.vocab_text(r["policy"][rows], self.policy_table))
        self._put(lines, "year")
        lines.add(csvio.number_text(r["year"][rows]))
        totals = r["totals"][rows]
        for key, t in (("total", 0), ("total_exact", 1), ("total_up_to", 2)):
            self._put(lines, key, quoted=True)
            lines.add(csvio.number_text(totals[:, t], fen=True))
            self._after(lines, True)
        self._put(lines, "company_cap")
        lines.add(csvio.vocab_text(r["cap"][rows], self.cap_table))
        if self.hypothetical_col:
            self._put(lines, "hypothetical")
            lines.add(csvio.vocab_text(1 - r["covered"][rows], self.bool_table))
        amounts, status = r["amounts"][rows], r["status"][rows]
        for own, cols in r["segments"]:
            if not own:  # other policies' clauses: empty cells in CSV, no keys in JSON
                if not self.json:
                    lines.const(b",," * len(cols))
                continue
            k = [r["where"][c] for c in cols]
            lines.add(csvio.amount_status_cells(amounts[:, k], status[:, k], [self.key_amount[c] for c in cols],
                                                [self.key_status[c] for c in cols], self.status_bytes))
        self._end_matrix(lines)
        return lines.matrix()

    def _long(self, chunk: Chunk, evaluated: Sequence[Evaluated]) -> tuple[list[bytes], int]:
        _, positions = self._order(evaluated)
        blocks = []
        vocab: list[str] = []
        clause_vocab: list[str] = []
        for ev, pos in zip(evaluated, positions):
            run = ev.run
            assert run is not None
            nk = len(run.clauses)
            n = run.n
            expl = np.zeros((n, nk), dtype=np.int64)
            for k, (codes, texts) in enumerate(explanation_codes(ev, self.catalog)):
                expl[:, k] = codes + len(vocab)
                vocab.extend(texts)
            first_clause = len(clause_vocab)
            clause_vocab.extend(cr.clause.id for cr in run.clauses)
            blocks.append({
                "sort": np.repeat(pos, nk) * 1000 + np.tile(np.arange(nk), n),
                "row": np.repeat(chunk.rows[ev.rows], nk),
                "name": np.repeat(ev.rows, nk),
                "policy": np.full(n * nk, self.policy_index[ev.policy.id]),
                "clause": np.tile(np.arange(nk) + first_clause, n),
                "status": np.stack([cr.status for cr in run.clauses], axis=1).reshape(-1).astype(np.int64),
                "basis": np.tile(np.array([BASES.index(cr.clause.basis) for cr in run.clauses]), n),
                "raw": np.stack([cr.raw for cr in run.clauses], axis=1).reshape(-1),
                "amount": np.stack([cr.amount for cr in run.clauses], axis=1).reshape(-1),
                "expl": expl.reshape(-1),
            })
        cat = {key: np.concatenate([b[key] for b in blocks]) for key in blocks[0]}
        order = np.argsort(cat["sort"], kind="stable")
        cat = {key: v[order] for key, v in cat.items()}
        total = len(order)
        vocab_t = csvio.vocab_table(self._text(vocab))
        clause_t = csvio.vocab_table(self._text(clause_vocab))
        out = []
        for a in range(0, total, self.SLICE):
            sl = slice(a, min(a + self.SLICE, total))
            lines = csvio.Lines(sl.stop - sl.start)
            self._put(lines, "row", first=True)
            lines.add(csvio.number_text(cat["row"][sl]))
            self._put(lines, "name")
            lines.add(self._names(chunk.names[cat["name"][sl]]))
            for key, table in (("policy", self.policy_table), ("clause", clause_t), ("status", self.status_table),
                               ("basis", self.basis_table)):
                self._put(lines, key)
                lines.add(csvio.vocab_text(cat[key][sl], table))
            for key, src in (("raw_amount", "raw"), ("amount", "amount")):
                self._put(lines, key, quoted=True)
                lines.add(csvio.number_text(cat[src][sl], fen=True))
                self._after(lines, True)
            self._put(lines, "explanation")
            lines.add(csvio.vocab_text(cat["expl"][sl], vocab_t))
            out.append(self._end(lines))
        return out, total


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
    chunk = build_chunk(cells, job.header, job.catalog, job.options)
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
    path: Path | None  # the temporary output file, or None: results carry their bytes back
    turn: object  # multiprocessing Value: the next block to be written
    abort: object  # multiprocessing Value: set when the run stops early
    cond: object  # multiprocessing Condition guarding both


_SHARED: _Shared | None = None


def _worker_init(shared: _Shared) -> None:
    """In each worker: Ctrl-C is the parent's business; die with the parent; remember the job."""
    global _SHARED
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:  # Linux: get SIGTERM when the parent dies, whatever killed it
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    _SHARED = shared


class _Aborted(Exception):
    """The run stopped early (an error elsewhere, or Ctrl-C): this worker's block is dropped."""


def _worker(k: int, block: Block) -> BlockResult:
    """Process block ``k``, then append its lines to the output when every earlier block has been."""
    sh = _SHARED
    assert sh is not None
    try:
        res = process_block(block, sh.job)
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


def _results(blocks: Iterator[Block], job: _Job, jobs: int, append_to: Path | None) -> Iterator[BlockResult]:
    """Each block's result, in input order.

    With ``jobs`` > 1 the blocks go to worker processes; with ``append_to``
    the workers append their lines to that file themselves, in block order,
    so no output crosses a process boundary.
    """
    if jobs <= 1:
        for block in blocks:
            yield process_block(block, job)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("fork")
    shared = _Shared(job, append_to, ctx.Value("q", 0, lock=False), ctx.Value("b", 0, lock=False), ctx.Condition())
    pool = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_worker_init, initargs=(shared,))
    pending: deque = deque()
    try:
        for k, block in enumerate(blocks):
            pending.append(pool.submit(_worker, k, block))
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

    def write(self, data: bytes) -> None:
        for record in csv.reader(io.StringIO(data.decode("utf-8"), newline="")):
            self.rows += 1
            if self.rows > XLSX_MAX_ROWS:
                raise InputError(f"more than {XLSX_MAX_ROWS:,} result rows do not fit in one Excel sheet; "
                                 f"use --format csv", Location(field="--format"))
            self.ws.append([int(v) if k == 0 else v for k, v in enumerate(record)])

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


def choose_jobs(requested: int, size: int, block_bytes: int) -> int:
    """Worker processes: as asked, or (0) up to two when the file spans several blocks."""
    if requested > 0:
        return requested
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if size < 3 * block_bytes or cores < 2:
        return 1
    return min(cores, 2)


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
            blocks = csvio.iter_blocks(f, enc, data_start, options.block_bytes)
            for res in _results(blocks, job, jobs, append_to):
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
        return _units_text(int(value))  # type: ignore[arg-type]
    if spec.type == F.MONEY_LIST:  # an empty list is ";" (an empty cell is missing input)
        return ";".join(_units_text(int(v)) for v in value) or ";"  # type: ignore[union-attr]
    if spec.type == F.BOOL:
        return "true" if value else "false"
    if spec.type == F.RATE:
        from fractions import Fraction

        return format_rate(Fraction(int(value), F.DENOMINATOR[F.RATE]))  # type: ignore[arg-type]
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
