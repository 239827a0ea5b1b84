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

import codecs
import contextlib
import csv
import datetime as dt
import io
import itertools
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from . import arrowio, csvio, xlsxio
from . import fields as F
from .batch_output import CAP_STATE_NAMES, Evaluated, Output
from .batch_table import (
    HEADER_SEARCH_LINES,
    Chunk,
    Header,
    bind_header,
    build_chunk,
    chunk_checks,
    drop_rows,
    field_of,
    misplaced_header,
    select,
    unit_note_row,
    units_row,
)
from .csvio import Block, RowProblem, SkippedRow, SkipReason
from .duplicates import Finder, Repeat, RowKeys, row_keys
from .engine import (
    CAPPED,
    EXCLUDED,
    GRANTED,
    STATUS_NAMES,
    Options,
    PolicyRun,
    overflow_fields,
    run_policy,
)
from .errors import OVERFLOW_MESSAGE, InputError, Location, OptionError
from .money import UNITS_PER_YUAN, format_fen, format_rate
from .plausibility import TableWarnings, WarningKind
from .policy import Catalog, Policy, Successor
from .policy import Notice as PolicyNotice
from .profile import ProfileProblems
from .text import argument, json_text, visible
from .writing import write_all

LAYOUTS = ("wide", "long")
#: the signals that stop a run: Ctrl-C, SIGTERM and (POSIX) SIGHUP, sent when the terminal or SSH session closes;
#: each unwinds it, removing the temporary files (the CLI turns the last two into SystemExit(128 + signal))
STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM,
                                            *((signal.SIGHUP,) if hasattr(signal, "SIGHUP") else ()))
FORMATS = ("csv", "jsonl", "xlsx", "parquet")
CITY_ORDER = ("nanchang", "wuhan-east-lake", "beijing")  # SPEC §2: the order of the wide columns
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
    excel: bool = False  # the older spelling of bom=True
    encoding: str | None = None
    jobs: int = 1  # worker processes (0: one per core, up to 2, for big files; never more than the cores)
    block_bytes: int = csvio.BLOCK_BYTES
    bom: bool | None = None  # CSV output with a UTF-8 BOM; None: as the input (GBK or UTF-8 with BOM -> BOM)
    sheet: str | None = None  # the worksheet of an .xlsx input (default: the first)
    lang: str = "en"  # headings of the CSV/xlsx output: en, or zh (Chinese column names)
    # the processes that compute keep freed memory for the next block (keep_freed_memory); the command sets
    # it, the library leaves the caller's process alone
    reuse_memory: bool = False

    @property
    def engine(self) -> Options:
        return Options(year=self.year, ignore_validity=self.ignore_validity)

    def output_bom(self, enc: csvio.Encoding | None) -> bool:
        """Whether the CSV output (and the errors file) starts with a UTF-8 BOM.

        Excel opens a UTF-8 CSV without a BOM as the ANSI code page (GBK on a
        Chinese Windows): a file that came from Excel (GBK, UTF-8 with BOM,
        .xlsx) goes back with a BOM; a plain UTF-8 file stays plain.
        """
        if self.excel:
            return True
        if self.bom is not None:
            return self.bom
        return enc is None or bool(enc.bom) or not enc.is_utf8


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
    #: SPEC 9.2: an exact clause's outlay if every up_to clause the company cap counted were granted its minimum
    #: (the sum of its amount_max; ``amount`` where none): above ``amount``, the outlay is a lower bound
    amount_max: int = 0

    @property
    def is_range(self) -> bool:
        """Some company's amount of this (exact) clause is a lower bound (SPEC 9.2)."""
        return self.amount_max > self.amount

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
        self.amount_max += other.amount_max

    def as_dict(self) -> dict:
        return {
            "id": self.id, "basis": self.basis, "companies_granted": self.granted,
            "statuses": {name: self.statuses[k] for k, name in enumerate(STATUS_NAMES)},
            "amount": format_fen(self.amount), **({"amount_max": format_fen(self.amount_max)} if self.is_range else {}),
            "raw_amount": format_fen(self.raw), "saved": format_fen(self.saved),
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
    #: SPEC 9.2: the exact outlay if every counted up_to clause were granted its minimum (sum of total_exact_max)
    exact_max: int = 0
    #: SPEC 9.3: companies whose fiscal year the policy does not cover (nothing in force for them)
    not_in_force: int = 0
    #: the fiscal years of those companies, with their counts
    not_in_force_years: dict[int, int] = field(default_factory=dict)
    #: under --ignore-validity, what those companies were computed to get all the same (fen; in the totals), and
    #: whether it counts an up-to ceiling
    not_in_force_amount: int = 0
    not_in_force_ceiling: bool = False
    #: the policy's end (None: unknown) and what its table says of a successor, for the words about those companies
    valid_until: dt.date | None = None
    successor: Successor | None = None
    #: SPEC 9.3: companies in force whose fiscal year is on or after a reported successor (end unknown), by year
    superseded_years: dict[int, int] = field(default_factory=dict)
    #: the policy's notices (its table's [[notices]]) with, per notice, the companies it applies to
    notices: tuple[PolicyNotice, ...] = ()
    notice_companies: list[int] = field(default_factory=list)
    #: the policy's validity note when its end is unknown (every result carries it), else None
    validity_unknown: str | None = None
    #: companies whose industries are given and none of the policy's (calc: NOT TARGETED), and of them those
    #: with a tag the text counts within the policy's industries (LED, VR …: add the policy's industry)
    not_targeted: int = 0
    not_targeted_related: int = 0
    #: the policy's industries and the tags its text counts within them (for the words about those companies)
    industries: tuple[str, ...] = ()
    related_industries: tuple[str, ...] = ()
    #: their Chinese names (Policy.industries_zh, related_industries_zh), for --lang zh
    industries_zh: tuple[str, ...] = ()
    related_industries_zh: tuple[str, ...] = ()
    #: what stood in for a missing field, as calc warns of it per result: (kind, fields) of an ``Assumption``
    #: -> companies
    assumed: dict[tuple[str, tuple[str, ...]], int] = field(default_factory=dict)
    #: a reference rate used for a missing rate field: (field, series, fiscal year, rate, in force on, published,
    #: unconfirmed) -> companies whose computed clauses read it, as calc names it per result
    references: dict[tuple[str, str, int, Fraction, dt.date, dt.date, bool], int] = field(default_factory=dict)

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

    @classmethod
    def of(cls, pol: Policy) -> PolicyBudget:
        """A policy's budget before any company: what the policy itself says is there from the start."""
        return cls(pol.id, pol.title_zh, valid_until=pol.valid_until, successor=pol.successor, notices=pol.notices,
                   industries=pol.industries, related_industries=pol.related_industries,
                   industries_zh=pol.industries_zh, related_industries_zh=pol.related_industries_zh,
                   notice_companies=[0] * len(pol.notices),
                   validity_unknown=(pol.validity_note or "the sources give no end date")
                   if pol.valid_until is None else None)

    @property
    def superseded(self) -> int:
        return sum(self.superseded_years.values())

    @property
    def company_cap_hits(self) -> int:
        return self.cap_states["applied"]

    @property
    def exact_is_range(self) -> bool:
        """Some company's exact outlay is a lower bound (SPEC 9.2)."""
        return self.exact_max != self.total_exact

    def merge(self, other: PolicyBudget) -> None:
        self.companies += other.companies
        self.with_amount += other.with_amount
        self.exact_max += other.exact_max
        self.valid_until = self.valid_until or other.valid_until
        self.successor = self.successor or other.successor
        self.not_in_force += other.not_in_force
        self.not_in_force_amount += other.not_in_force_amount
        self.not_in_force_ceiling = self.not_in_force_ceiling or other.not_in_force_ceiling
        self.not_targeted += other.not_targeted
        self.not_targeted_related += other.not_targeted_related
        for y, count in other.not_in_force_years.items():
            self.not_in_force_years[y] = self.not_in_force_years.get(y, 0) + count
        for y, count in other.superseded_years.items():
            self.superseded_years[y] = self.superseded_years.get(y, 0) + count
        self.notices = self.notices or other.notices
        self.notice_companies = [a + b for a, b in itertools.zip_longest(self.notice_companies,
                                                                           other.notice_companies, fillvalue=0)]
        self.validity_unknown = self.validity_unknown or other.validity_unknown
        for code, count in other.assumed.items():
            self.assumed[code] = self.assumed.get(code, 0) + count
        for ref, count in other.references.items():
            self.references[ref] = self.references.get(ref, 0) + count
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
            "total_up_to": format_fen(self.total_up_to),
            **({"total_exact_max": format_fen(self.exact_max)} if self.exact_is_range else {}),
            "companies_not_in_force": self.not_in_force,
            # industries given and none of the policy's (calc: NOT TARGETED); of them, with a related tag
            "companies_not_targeted": self.not_targeted,
            "companies_not_targeted_related": self.not_targeted_related,
            "not_in_force_years": {str(y): k for y, k in sorted(self.not_in_force_years.items())},
            # --ignore-validity: what those companies were computed to get all the same (in the totals)
            **({"not_in_force_total": format_fen(self.not_in_force_amount)} if self.not_in_force_amount else {}),
            # SPEC 9.3: results that may be superseded (end unknown, a successor reported), by fiscal year
            "companies_may_be_superseded": self.superseded,
            "may_be_superseded_years": {str(y): k for y, k in sorted(self.superseded_years.items())},
            "notices": [{"text": n.text, "companies": k} for n, k in zip(self.notices, self.notice_companies)],
            "validity_end_unknown": self.validity_unknown,
            # what stood in for missing fields, as calc's warnings say it (codes as in the wide warnings column)
            "assumed": [{"kind": kind, "fields": list(fields), "companies": k}
                        for (kind, fields), k in sorted(self.assumed.items())],
            "references": [{"field": f, "series": series, "year": y, "rate": format_rate(rate, 2),
                            "in_force_on": on.isoformat(), "published": published.isoformat(),
                            "unconfirmed": unconfirmed, "companies": k}
                           for (f, series, y, rate, on, published, unconfirmed), k in sorted(self.references.items())],
            "raw_amount": format_fen(self.raw),
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


@dataclass(frozen=True)
class Assumption:
    """Rows of a run for which calc warns that something stood in for a missing field."""

    kind: str  # "default": another field stood in; "assumed_false": a company-cap exemption taken as false
    fields: tuple[str, ...]  # default: (the missing field, the one used in its place); else the missing fields
    rows: np.ndarray  # bool, per row of the run

    @property
    def code(self) -> str:
        """The wide layout's ``warnings`` code: ``default:sales_revenue``, ``assumed_false:is_new_entrant``."""
        return f"{self.kind}:{self.fields[0] if self.kind == 'default' else '+'.join(self.fields)}"


def assumptions(run: PolicyRun) -> list[Assumption]:
    """The defaults calc words per result (engine.explain: DEFAULT_USED, EXEMPTION_ASSUMED_FALSE), for every row
    at once: a field given in place of a missing one, and a company-cap exemption taken as false."""
    out = [Assumption("default", (name, run.default_sources[name]), rows) for name, rows in run.defaults_used().items()]
    assumed_false = run.exemption_assumed_false()
    if assumed_false is not None:
        cap = run.policy.company_cap
        assert cap is not None and cap.exempt_if is not None
        out.append(Assumption("assumed_false", tuple(sorted(cap.exempt_if.names)), assumed_false))
    return [a for a in out if a.rows.any()]


def not_targeted_code(run: PolicyRun) -> tuple[tuple[str, np.ndarray], ...]:
    """The wide layout's ``not_targeted`` code for the rows whose industries are none of the policy's (every
    clause ``not_eligible``, as for a company that fails every condition: the code tells the two apart)."""
    rows = run.not_targeted()
    return (("not_targeted", rows),) if rows.any() else ()


def reference_uses(run: PolicyRun) -> dict[tuple[str, str, int, Fraction, dt.date, dt.date, bool], int]:
    """The reference rates that stood in for a missing rate field, per fiscal year, with the companies whose
    computed clauses read them (calc: the header's "LPR 1y: …" line)."""
    out: dict[tuple[str, str, int, Fraction, dt.date, dt.date, bool], int] = {}
    for name, rows in run.defaulted.items():
        source = run.default_sources[name]
        if not source.startswith("reference:"):
            continue
        computed = np.zeros(run.n, dtype=bool)
        for cr in run.clauses:
            if name in cr.clause.names():
                computed |= cr.status <= EXCLUDED
        used = rows & computed
        if not used.any():
            continue
        series = source.split(":", 1)[1]
        years, counts = np.unique(run.years[used], return_counts=True)
        for y, k in zip(years.tolist(), counts.tolist()):
            look = run.lookups.get((series, y))
            if look is not None:
                key = (name, series, y, look.rate, look.as_of, look.effective, look.unconfirmed)  # type: ignore[attr-defined]
                out[key] = out.get(key, 0) + k
    return out


def budget_of(run: PolicyRun, assumed: Sequence[Assumption] = ()) -> PolicyBudget:
    """Totals of one run (one chunk, one policy).

    Only the rows with an amount before the caps (granted, capped or
    excluded) are read for the sums: that is where raw − final can differ.
    """
    assert (GRANTED, CAPPED, EXCLUDED) == (0, 1, 2)
    pol = run.policy
    b = PolicyBudget.of(pol)
    b.companies = run.n
    any_amount = np.zeros(run.n, dtype=bool)
    with_amount = np.zeros(run.n, dtype=np.int64)  # per company, the clauses with an amount (the notices' test)
    outside = ~run.covered
    any_outside = bool(outside.any())  # (once per policy, not per clause)
    hypothetical: list[np.ndarray] = []  # the amounts of the companies outside the validity (--ignore-validity)
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
            cb.amount_max = _sum(cr.amount_max[rows]) if cr.amount_max is not None else cb.amount
            cb.raw = _sum(raw)
            cb.saved_item_cap = _sum(raw - item)
            cb.saved_clause_cap = _sum(item - clause)
            cb.saved_group = _sum(clause[excluded])
            cb.saved_company_cap = _sum((clause - amount)[~excluded])
            any_amount[rows[amount > 0]] = True
            with_amount[rows[amount > 0]] += 1
            if any_outside:
                there = outside[rows] & (amount > 0)
                if there.any():
                    hypothetical.append(amount[there])
                    b.not_in_force_ceiling |= c.basis == "up_to"
        b.clauses[c.id] = cb
    b.with_amount = int(any_amount.sum())
    b.exact_max = _sum(run.exact_max())
    b.not_in_force_amount = sum(_sum(a) for a in hypothetical)
    b.not_in_force = int(outside.sum())
    if b.not_in_force:
        years, counts = np.unique(run.years[outside], return_counts=True)
        b.not_in_force_years = {int(y): int(k) for y, k in zip(years, counts)}
    if pol.valid_until is None and pol.successor is not None and pol.successor.reported is not None:
        years, counts = np.unique(run.years[run.covered], return_counts=True)
        b.superseded_years = {int(y): int(k) for y, k in zip(years, counts) if pol.may_be_superseded(int(y))}
    b.notice_companies = [int((with_amount >= n.min_clauses_with_amount).sum()) for n in pol.notices]
    states = np.bincount(run.cap_state, minlength=len(CAP_STATE_NAMES))
    b.cap_states = {name: int(states[k]) for k, name in enumerate(CAP_STATE_NAMES)}
    b.assumed = {(a.kind, a.fields): int(a.rows.sum()) for a in assumed}
    b.not_targeted = int(run.not_targeted().sum())
    if b.not_targeted:
        b.not_targeted_related = int(run.related_not_targeted().sum())
    b.references = reference_uses(run)
    return b


@dataclass
class BatchReport:
    """What a run did: counts, the budget per policy, the bad rows (first few) and where things went."""

    input: str
    output: str
    encoding: str
    rows: int = 0  # the rows read as companies: good + bad (blank and skipped rows are counted apart)
    good_rows: int = 0
    bad_rows: int = 0
    output_rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)  # the first BAD_ROW_PREVIEW
    blank_rows: int = 0  # rows with every cell empty (Excel's ,,,, lines): skipped, not errors
    skipped_rows: int = 0  # rows left out on purpose (totals rows, the header again): not evaluated, not errors
    header_rows: int = 0  # of them, the header repeated (pasted blocks)
    skipped: list[SkippedRow] = field(default_factory=list)  # the first BAD_ROW_PREVIEW of them
    duplicate_rows: int = 0  # rows repeating the company (name, year, jurisdiction) of an earlier row
    duplicates: list[Repeat] = field(default_factory=list)  # the first BAD_ROW_PREVIEW of them
    duplicates_unchecked: int = 0  # named rows beyond duplicates.CHECKED_ROWS companies: not looked up
    #: the headings of the sheet's own bookkeeping columns (序号, 备注, 联系电话 …), read past
    ignored_columns: list[str] = field(default_factory=list)
    #: the columns (1 for the first) with no heading (an empty column A), read past
    unnamed_columns: list[int] = field(default_factory=list)
    #: an .xlsx: the headings of its columns hidden in the sheet (read all the same), and, when no --sheet was
    #: given, the workbook's other visible sheets (not read)
    hidden_columns: list[str] = field(default_factory=list)
    other_sheets: list[str] = field(default_factory=list)
    #: "UTF-8 with BOM" when the CSV starts with a BOM; None for a binary output (.xlsx, Parquet)
    output_encoding: str | None = "UTF-8"
    to_stdout: bool = False  # the results went to standard output (the summary belongs on stderr)
    #: the outputs (--output, --errors) named by a link to /dev/null: written there, as -o /dev/null is, and kept
    #: nowhere, which the summary line says (it said "7 result rows written to devlink.csv")
    discarded: list[str] = field(default_factory=list)
    budgets: dict[str, PolicyBudget] = field(default_factory=dict)
    errors_file: str | None = None
    layout: str = "wide"
    fmt: str = "csv"
    #: the heading of the output's warnings column ("warnings", 提示 with --lang zh), "" when it has none (long)
    warnings_column: str = "warnings"
    #: the language of the output's headings (--lang), which the budget view's headings follow
    lang: str = "en"
    #: --jobs N was given but the run used one process: why (xlsx_output, parquet_input, xlsx_input), else ""
    one_process: str = ""
    hypothetical: bool = False
    warned_rows: int = 0  # rows with a plausibility or short-row warning (evaluated all the same)
    warning_kinds: set[str] = field(default_factory=set)  # what they were about (codes of WARNING_KINDS)
    #: the policies evaluated whose table replaced a bundled one (--policies-dir): every output says so
    replacing: list[Policy] = field(default_factory=list)
    #: field -> its column's heading as the file writes it, where that differs (revenue: 营业收入（万元）)
    headings: dict[str, str] = field(default_factory=dict)
    #: a detected GB18030 whose non-ASCII text does not read as Chinese: a word as it was read ('M黮ler'), else ""
    encoding_doubt: str = ""

    def as_dict(self) -> dict:
        return {
            "input": self.input, "output": self.output, "encoding": self.encoding, "format": self.fmt,
            "layout": self.layout, "rows": self.rows, "good_rows": self.good_rows, "bad_rows": self.bad_rows,
            "output_rows": self.output_rows, "errors_file": self.errors_file, "hypothetical": self.hypothetical,
            "blank_rows": self.blank_rows, "skipped_rows": self.skipped_rows, "header_rows": self.header_rows,
            "warned_rows": self.warned_rows,
            "skipped": [{"row": k.row, "line": k.line, "name": k.name, "reason": k.reason.value}
                        for k in self.skipped],
            "ignored_columns": self.ignored_columns, "unnamed_columns": self.unnamed_columns,
            "hidden_columns": self.hidden_columns,
            "other_sheets": self.other_sheets, "duplicate_rows": self.duplicate_rows,
            "duplicates_unchecked": self.duplicates_unchecked,
            "duplicates": [{"row": d.row, "line": d.line, "name": d.name, "first_line": d.first_line}
                           for d in self.duplicates],
            "output_encoding": self.output_encoding, "encoding_doubt": self.encoding_doubt or None,
            "replaced_bundled": [{"policy": p.id, "table": p.path, "replaces": p.replaces_bundled}
                                 for p in self.replacing],
            "policies": [b.as_dict() for b in self.budgets.values()],
        }


# ---------------------------------------------------------------- evaluation of one chunk


def evaluate_chunk(chunk: Chunk, catalog: Catalog, policies: Sequence[Policy],
                   options: BatchOptions, *, keep_runs: bool = False) -> tuple[list[Evaluated], Chunk]:
    """Run each applicable policy over its rows of the chunk (the engine of ``calc``).

    A row whose amount would go above 10万亿 yuan under any policy becomes a
    bad row (line, field, value) and the chunk is evaluated again without it:
    returns the results and the chunk they are about.
    """
    out, over = _evaluate(chunk, catalog, policies, options, keep_runs)
    if not over:
        return out, chunk
    chunk = drop_rows(chunk, np.array(sorted(over)), [over[i] for i in sorted(over)])
    out, again = _evaluate(chunk, catalog, policies, options, keep_runs)
    assert not again, "a row's amounts do not depend on the other rows"
    return out, chunk


def _overflow_problem(chunk: Chunk, i: int, run: PolicyRun, r: int, catalog: Catalog) -> RowProblem:
    """The bad row for row ``r`` of ``run`` (chunk row ``i``): the clause, and the field that makes it."""
    pol = run.policy
    assert run.overflow_clause is not None
    k = int(run.overflow_clause[r])
    fields = overflow_fields(pol, k)
    table = run.table
    given = [f for f in fields if f in table.columns and table.columns[f].present[r]] or list(fields)
    name = given[0] if given else ""
    value = _value_text(table, catalog, name, r) if name else ""
    clause = pol.clauses[k].id if k < len(pol.clauses) else "company cap"
    assert chunk.lines is not None
    return RowProblem(int(chunk.rows[i]), name, csvio._clip(value), f"{pol.id}, clause {clause}: {OVERFLOW_MESSAGE}",
                      int(chunk.lines[i]), chunk.names[i].decode("utf-8", "replace"))


def _value_text(table, catalog: Catalog, name: str, r: int) -> str:
    """A field's value in row ``r`` as the CSV cell that reads back to it."""
    from .profile import Column, ListColumn, TagColumn, TextColumn

    col = table.columns.get(name)
    spec = catalog.registry.get(name)
    if col is None or spec is None or not col.present[r]:
        return ""
    if isinstance(col, Column):
        return cell_text(spec, int(col.values[r]) if spec.type != F.BOOL else bool(col.values[r]))
    if isinstance(col, ListColumn):
        return cell_text(spec, col.flat[col.offsets[r]:col.offsets[r + 1]].tolist())
    if isinstance(col, (TagColumn, TextColumn)):
        return cell_text(spec, col.values[r])
    return ""  # pragma: no cover - every column kind is listed above


def _evaluate(chunk: Chunk, catalog: Catalog, policies: Sequence[Policy], options: BatchOptions,
              keep_runs: bool) -> tuple[list[Evaluated], dict[int, RowProblem]]:
    n = chunk.table.n
    out: list[Evaluated] = []
    over: dict[int, RowProblem] = {}
    for pol in policies:
        if options.policy_ids:
            idx = np.arange(n)
        else:
            codes = [k for k, v in enumerate(chunk.jurisdiction) if v == pol.jurisdiction]
            idx = np.flatnonzero(np.isin(chunk.jcode, codes)) if codes else np.zeros(0, dtype=np.int64)
        if len(idx) == 0:
            continue
        table = chunk.table if len(idx) == n else select(chunk.table, idx)
        run = run_policy(table, pol, catalog, options.engine, flag_overflow=True)
        if run.overflow is not None and run.overflow.any():
            for r in np.flatnonzero(run.overflow).tolist():
                i = int(idx[r])
                if i not in over:
                    over[i] = _overflow_problem(chunk, i, run, r, catalog)
            continue  # evaluated again without those rows
        assumed = assumptions(run)
        out.append(Evaluated(pol, idx, budget_of(run, assumed), np.stack([cr.amount for cr in run.clauses], axis=1),
                             np.stack([cr.status for cr in run.clauses], axis=1), run.years, run.covered,
                             run.cap_state, run if keep_runs else None, run.exact_max(),
                             tuple((a.code, a.rows) for a in assumed) + not_targeted_code(run)))
        del run  # the next policy's intermediate columns reuse the memory
    return out, over


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
    blank: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)  # plausibility warnings: the row is still evaluated
    warned_rows: int = 0
    keys: RowKeys | None = None  # the named rows' company keys, for the parent's duplicate check
    warned_kinds: frozenset[str] = frozenset()  # what the warnings were about (``warning_kinds``)
    notes: tuple[tuple[int, int, str], ...] = ()  # rows read as blank that may note the unit (``Cells.notes``)


@dataclass
class _Job:
    """Everything a block needs besides its bytes (shared with worker processes)."""

    header: Header
    catalog: Catalog
    policies: list[Policy]
    options: BatchOptions
    output: Output
    #: an errors file is written: the warnings' lines are worded (else only the warned rows are counted, which
    #: is all the summary shows: a register where most rows have a plausibility warning spent 30 µs a row on
    #: lines nobody would read)
    errors: bool = True
    #: where the CSV's data ends when its last line has no line break (0: it has one): ``open_last_row``
    open_end: int = 0


def process_block(block: Block, job: _Job) -> BlockResult:
    raw_end = block.raw_end
    open_row = 0
    if job.open_end and raw_end >= job.open_end and block.data and not block.data.endswith((b"\n", b"\r")):
        open_row = block.first_row + csvio.count_records(block.data) - 1  # (the file's last record)
    cells = csvio.split_block(block, job.header.names, job.header.counted, job.header.unread)
    del block
    return process_cells(cells, job, raw_end, open_row)


def process_cells(cells: csvio.Cells, job: _Job, raw_end: int = 0, open_row: int = 0) -> BlockResult:
    """A block's cells (from a CSV block or a run of .xlsx rows) -> its output lines and counts; ``open_row``:
    the data row the file ends in without a line break (``open_last_row``), 0 for none."""
    short, hidden, notes = cells.short, cells.hidden, cells.notes
    if short:  # a row short only of the sheet's own columns (备注 left empty at its end) lost nothing to warn of
        read = [j for j, n in enumerate(job.header.names) if not n.startswith(csvio.IGNORED_PREFIX)]
        last = max(read, default=-1)
        short = {row: got for row, got in short.items() if got <= last}
    chunk = build_chunk(cells, job.header, job.catalog, year_given=job.options.year is not None,
                        policy_given=bool(job.options.policy_ids))
    del cells  # only the chunk's columns are needed from here on
    evaluated, chunk = evaluate_chunk(chunk, job.catalog, job.policies, job.options,
                                      keep_runs=job.options.layout == "long")
    checks = chunk_checks(chunk, job.catalog.registry)
    codes = checks.codes()
    padded = short_row_lines(chunk, short, job.header, codes) if short else []
    short_rows = bool(padded)  # (of the evaluated rows: a short row that was bad is said as bad, not short)
    padded += hidden_row_lines(chunk, hidden, codes) if hidden else []
    open_line = open_last_row(chunk, open_row, codes) if open_row else []
    padded += open_line
    data, lines = job.output.chunk_bytes(chunk, evaluated, codes)
    budgets = [ev.budget for ev in evaluated]
    bad_rows = len({p.row for p in chunk.problems})
    implausible = chunk.rows[checks.mask()] if len(chunk.rows) else np.zeros(0, dtype=np.int64)
    warned = len(np.union1d(implausible, np.array([p.row for p in padded], dtype=np.int64)))
    warnings = plausibility_lines(chunk, checks) if job.errors else []
    warnings += padded
    kinds = {_WARNING_KIND.get(h.kind, "plausibility") for h in checks.hits if h.mask.any()}
    kinds |= {"short_row"} if short_rows else set()
    kinds |= {"hidden_row"} if hidden else set()
    kinds |= {OPEN_LAST_ROW} if open_line else set()
    return BlockResult(data, lines, chunk.problems, budgets, chunk.table.n + bad_rows, chunk.table.n, raw_end,
                       chunk.blank, chunk.skipped, warnings, warned,
                       company_keys(chunk, job.options.year, bool(job.options.policy_ids)), frozenset(kinds), notes)


#: the kinds of row warning a run counts (``BatchReport.warning_kinds``), in the order the summary lists them:
#: the plausibility rules proper are one kind; an unknown tag and a missing name are kinds of their own
WARNING_KINDS = ("plausibility", "unknown_tag", "no_name", "short_row", "hidden_row", "unterminated_last_line")
OPEN_LAST_ROW = WARNING_KINDS[-1]
_WARNING_KIND = {WarningKind.UNKNOWN_TAG: "unknown_tag", WarningKind.NO_NAME: "no_name"}


def company_keys(chunk: Chunk, year: int | None, policy_given: bool = False) -> RowKeys:
    """The keys (name, year, jurisdiction) of the chunk's named rows (``duplicates``; the names are trimmed, of
    full-width spaces too, by ``_ColumnBuilder.text``). With --policy every row is evaluated under the same
    policies, so its jurisdiction does not tell two rows apart."""
    col = chunk.table.scalar("year")
    years = np.full(chunk.table.n, year or 0, dtype=np.int64)
    if col is not None and year is None:
        years = np.where(col.present, col.values, 0).astype(np.int64)
    lines = chunk.lines if chunk.lines is not None else chunk.rows + 1
    jcode = np.full(len(chunk.jcode), -1, dtype=np.int64) if policy_given else chunk.jcode
    return row_keys(chunk.names, years, jcode, chunk.jurisdiction, chunk.rows, lines)


def short_row_lines(chunk: Chunk, short: dict[int, int], header: Header, codes: list[str]) -> list[RowProblem]:
    """The errors file's ``warning:`` lines for the evaluated rows that had fewer cells than the header (their
    last cells read as empty, as Excel's CSV export means them), and a ``short_row:<fields>`` code in ``codes``."""
    k = len(header.names)
    said: dict[int, tuple[str, str, str]] = {}  # cells -> (first missing field, code, message)
    out = []
    rows = np.flatnonzero(np.isin(chunk.rows, np.fromiter(short, dtype=np.int64, count=len(short))))
    for i in rows.tolist():
        row = int(chunk.rows[i])
        got = short[row]
        if got not in said:
            cut = [j for j in range(got, k) if not header.names[j].startswith(csvio.IGNORED_PREFIX)]
            missing = tuple(header.names[j] for j in cut)  # (the sheet's own columns are no field: not named)
            heads = tuple((header.headings or header.names)[j] for j in cut)
            shown = ", ".join(f"{h} ({f})" if h != f else f for f, h in zip(missing, heads))
            many = len(cut) > 1
            said[got] = (missing[0], f"short_row:{'+'.join(missing)}", (
                f"warning: the row has {got} of the header's {k} cells: its last {'cells' if many else 'cell'} "
                f"({shown}) {'were' if many else 'was'} read as empty, as Excel's CSV export leaves out empty "
                f"cells at the end of a row; if a cell is missing in the middle instead, the cells after it are "
                f"in the wrong columns: check the row"))
        field_, code, message = said[got]
        codes[i] = f"{codes[i]};{code}" if codes[i] else code
        line = int(chunk.lines[i]) if chunk.lines is not None else row + 1
        out.append(RowProblem(row, field_, "", message, line, chunk.names[i].decode("utf-8", "replace")))
    return out


def hidden_row_lines(chunk: Chunk, hidden: frozenset[int], codes: list[str]) -> list[RowProblem]:
    """The errors file's ``warning:`` lines for the evaluated rows hidden in the workbook's sheet, and a
    ``hidden_row`` code in ``codes``: a sheet filtered to some companies, or with rows hidden by hand or in a
    collapsed group, is computed whole (nothing is left out unsaid), and the rows nobody saw are named."""
    out = []
    rows = np.flatnonzero(np.isin(chunk.rows, np.fromiter(hidden, dtype=np.int64, count=len(hidden))))
    for i in rows.tolist():
        codes[i] = f"{codes[i]};hidden_row" if codes[i] else "hidden_row"
        line = int(chunk.lines[i]) if chunk.lines is not None else int(chunk.rows[i]) + 1
        out.append(RowProblem(int(chunk.rows[i]), "", "", HIDDEN_ROW_MESSAGE, line,
                              chunk.names[i].decode("utf-8", "replace")))
    return out


def open_last_row(chunk: Chunk, row: int, codes: list[str]) -> list[RowProblem]:
    """The errors file's ``warning:`` line for the data row the file ends in without a line break, and an
    ``unterminated_last_line`` code in ``codes`` (when the row is evaluated): a copy, download or export cut
    off in that row is read up to where it stops (``150万;80万`` cut to ``150万;8`` is 150万 and 8 yuan), and
    nothing else tells it from a whole file. (Excel and WPS end every row of a CSV with a line break; a file
    typed in a text editor may not.)"""
    at = np.flatnonzero(chunk.rows == row)
    if len(at):
        i = int(at[0])
        codes[i] = f"{codes[i]};{OPEN_LAST_ROW}" if codes[i] else OPEN_LAST_ROW
        name = chunk.names[i].decode("utf-8", "replace")
        line = int(chunk.lines[i]) if chunk.lines is not None else 0
    else:  # a bad row: its problems name it; the warning says why it may be
        found = next((p for p in chunk.problems if p.row == row), None)
        if found is None:
            return []
        name, line = found.name, found.line
    return [RowProblem(row, "", "", OPEN_LAST_ROW_MESSAGE, line or row + 1, name)]


OPEN_LAST_ROW_MESSAGE = ("warning: the file ends in this row, with no line break after it (Excel and WPS end every "
                         "row with one): the file may have been cut off (an interrupted copy, download or export), "
                         "and the row read up to where it stops; check its last cells against the spreadsheet")

HIDDEN_ROW_MESSAGE = ("warning: the row is hidden in the sheet (by hand, by a filter or in a collapsed group) and is "
                      "computed as every other row: delete it from the sheet if it is not meant to be")


def plausibility_lines(chunk: Chunk, checks: TableWarnings) -> list[RowProblem]:
    """The errors file's ``warning:`` lines for the chunk's implausible values (the rows are still evaluated)."""
    rows = np.flatnonzero(checks.mask())
    out = []
    for i in rows.tolist():
        line = int(chunk.lines[i]) if chunk.lines is not None else 0
        name = chunk.names[i].decode("utf-8", "replace") if len(chunk.names) > i else ""
        for w in checks.for_row(i):
            value = "; ".join(str(v) for v in w.values)
            out.append(RowProblem(int(chunk.rows[i]), w.fields[0] if w.fields else "", value,
                                  f"warning: {w.message}", line, name))
    return out


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


PARENT_POLL_SECONDS = 0.5


def _worker_init(shared: _Shared, parent: int) -> None:
    """In each worker: Ctrl-C is the parent's business; die with the parent; remember the job.

    The parent's own SIGTERM handler (which unwinds the CLI) is inherited by
    the fork: in a worker it would only turn SIGTERM into an exception that
    the pool sends back, leaving the worker alive, so SIGTERM is reset to its
    default (end the process).  Linux sends it when the parent dies, whatever
    killed it (PR_SET_PDEATHSIG); everywhere, a thread also watches the
    parent's pid and ends the worker when the parent is gone (kill -9 included).
    """
    global _SHARED, _SOURCE_FD
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sig in STOP_SIGNALS[1:]:  # SIGTERM, SIGHUP (a closed terminal): end the worker
        if signal.getsignal(sig) != signal.SIG_IGN:  # `nohup incentives batch …`: SIGHUP stays ignored
            signal.signal(sig, signal.SIG_DFL)
    try:  # Linux: get SIGTERM when the parent dies
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    if os.getppid() != parent:  # the parent died before the watch began
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    _SHARED = shared
    _SOURCE_FD = os.open(shared.source, os.O_RDONLY)
    if shared.job.options.reuse_memory:
        keep_freed_memory()


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
        if sh.job.output.arrow:  # record batches: pickled compactly (amounts as their fen)
            from .arrowio import Portable

            res.data = [Portable(b) for b in res.data]  # type: ignore[misc]
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
    pool = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_worker_init, initargs=(shared, os.getpid()))
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
    """Ctrl-C and SIGTERM wait (they are not lost) while temporary files are created or renamed.

    Blocking them in this thread's signal mask is not enough: the kernel then hands a signal to any
    thread that does not block it (numpy's OpenBLAS starts one at import), and Python runs the handler
    in the main thread all the same, e.g. between ``mkstemp`` and the file's registration, which left
    a ``.part`` file behind. So in the main thread the handlers themselves are also replaced by one
    that only notes the signal; the first noted one is handed to the previous handler on the way out.
    """
    held = set(STOP_SIGNALS)
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError):  # pragma: no cover - no POSIX signal masks
        old = None
    noted: list[int] = []
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in held:
            previous[sig] = signal.signal(sig, lambda signum, frame: noted.append(signum))
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if old is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)  # a signal pending in the mask is handled now
        if noted:
            handler = previous[noted[0]]
            if callable(handler):
                handler(noted[0], None)  # KeyboardInterrupt, or the CLI's SystemExit(128 + SIGTERM)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), noted[0])


class AtomicFile:
    """A file written under a temporary name and renamed over ``path`` only on commit.

    ``created`` receives the file as soon as it exists, with signals held, so
    that whoever removes temporary files on an interruption always knows it.
    Only a regular file (or nothing) is ever replaced (``check_paths``); an
    existing file's permission bits are kept, and the data reach the disk
    (fsync) before the rename. A symbolic link is followed: the file it
    points to is replaced, beside itself, and the link stays.
    """

    def __init__(self, path: Path, created: list):
        path = Path(os.path.realpath(path)) if path.is_symlink() else path
        self.path = path
        self._writeback: Any = None  # the thread of start_writeback (set before the file is known to others)
        parent = path.parent if str(path.parent) else Path(".")
        with _signals_held():
            fd, tmp = tempfile.mkstemp(prefix=f".{_short_name(path.name)}.", suffix=".part", dir=parent)
            self.tmp: Path | None = Path(tmp)
            _TEMP_NAMES[os.path.basename(tmp)] = path.name
            self.file: BinaryIO = os.fdopen(fd, "wb", buffering=1 << 20)
            created.append(self)

    @contextlib.contextmanager
    def _named(self) -> Iterator[None]:
        """An OSError of this file (a full disk) names it: the --errors file, not the results."""
        try:
            yield
        except OSError as exc:
            if not exc.filename:
                exc.filename = str(self.path)
            raise

    def write(self, data: bytes | memoryview) -> None:
        with self._named():
            self.file.write(data)

    #: bytes written since the last writeback that make the next one worth its while
    WRITEBACK_BYTES = 32 << 20
    WRITEBACK_SECONDS = 0.2

    def start_writeback(self) -> None:
        """Send the data to the disk while the run goes on (a thread calling fdatasync as the file grows),
        so that commit's fsync finds little left to write instead of the whole output at the end.

        What has reached the disk is then dropped from the page cache (``posix_fadvise(DONTNEED)``): the
        output of a big run is written once and not read again by this run, so it should not push the
        user's other files out of memory, and the next megabytes are written into pages just given back
        instead of fresh ones. Fresh pages are what cost: on the project's virtual machine, writing 1 GB
        into never-used memory took 2.3–4.5 s, and 1.0–1.2 s when each 32 MB was dropped once on disk.

        The file may be appended to by worker processes too: fdatasync writes
        the file's pages, whoever wrote them.  Where there is no fdatasync
        (not POSIX), commit's fsync does it all, as before.
        """
        if not hasattr(os, "fdatasync"):
            return
        self._stop = threading.Event()
        fd = self.file.fileno()
        drop = getattr(os, "posix_fadvise", None)  # Linux, BSD; not macOS or Windows

        def run() -> None:
            nonlocal drop
            # Ctrl-C and SIGTERM stay the main thread's: delivered here, they would get past _signals_held
            with contextlib.suppress(AttributeError, OSError, ValueError):
                signal.pthread_sigmask(signal.SIG_BLOCK, set(STOP_SIGNALS))
            synced = 0
            while not self._stop.wait(self.WRITEBACK_SECONDS):
                try:
                    size = os.fstat(fd).st_size
                    if size - synced >= self.WRITEBACK_BYTES:
                        os.fdatasync(fd)
                        synced = size
                        if drop is not None:  # whole megabytes only: the last page may be being appended to
                            try:
                                drop(fd, 0, size - size % (1 << 20), os.POSIX_FADV_DONTNEED)
                            except OSError:  # a file system that cannot: the writeback goes on without it
                                drop = None
                except OSError:  # closed under us, or a file system that cannot: commit's fsync still runs
                    return

        thread = threading.Thread(target=run, name="writeback", daemon=True)
        thread.start()
        self._writeback = thread  # only once started: a Ctrl-C in between leaves nothing to join

    def _stop_writeback(self) -> None:
        if self._writeback is not None:
            self._stop.set()
            self._writeback.join()
            self._writeback = None

    _prepared = False

    def prepare(self) -> None:
        """Everything but the rename: the data on the disk, the file closed with its permissions. Every output is
        prepared before any is renamed, so that a full disk on the last (the --errors file) replaces none."""
        assert self.tmp is not None
        self._stop_writeback()
        with self._named():
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
        try:
            mode = stat.S_IMODE(os.stat(self.path).st_mode)  # an existing file keeps its permissions
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask  # mkstemp makes 0600; a new file follows the umask
        os.chmod(self.tmp, mode)
        self._prepared = True

    def commit(self) -> None:
        if not self._prepared:
            self.prepare()
        assert self.tmp is not None
        os.replace(self.tmp, self.path)
        _TEMP_NAMES.pop(self.tmp.name, None)
        _fsync_dir(self.path)

    def discard(self) -> None:
        self._stop_writeback()
        try:
            self.file.close()
        except OSError:  # the disk was full: the file goes anyway
            pass
        finally:
            if self.tmp is not None:
                self.tmp.unlink(missing_ok=True)
                _TEMP_NAMES.pop(self.tmp.name, None)


_PART = re.compile(r"\.(.+)\.[^.]+\.part")
#: the temporary file's name -> the name the user gave (``_named_file``: it may be shortened in the other)
_TEMP_NAMES: dict[str, str] = {}
#: a file name's longest form in a temporary name: 255 bytes (the common limit) less ".", ".", 8 random, ".part"
_TEMP_NAME_BYTES = 255 - 15


def _short_name(name: str) -> str:
    """``name`` cut to fit a temporary ``.NAME.xxxxxxxx.part`` within 255 bytes: an output named with 244 bytes
    (80 Chinese characters) was refused as "File name too long", for the temporary name only.

    >>> _short_name("results.csv"), len(_short_name("南" * 80 + ".csv").encode())
    ('results.csv', 240)
    """
    raw = os.fsencode(name)
    if len(raw) <= _TEMP_NAME_BYTES:
        return name
    return raw[:_TEMP_NAME_BYTES].decode("utf-8", "ignore") or "output"  # (never half a character)


def _named_file(filename: object, default: Path) -> str:
    """The file the user named, for an OSError on it or on its temporary ``.NAME.xxxx.part`` (never shown).

    >>> _named_file("out/.results.csv.k2j4l1.part", Path("x")), _named_file(None, Path("r.csv"))
    ('out/results.csv', 'r.csv')
    """
    if not filename:
        return str(default)
    path = Path(os.fsdecode(filename)) if isinstance(filename, (str, bytes)) else Path(str(filename))
    if path.name in _TEMP_NAMES:
        return str(path.with_name(_TEMP_NAMES[path.name]))
    m = _PART.fullmatch(path.name)
    return str(path.with_name(m.group(1))) if m else str(path)


def _fsync_dir(path: Path) -> None:
    """The rename itself reaches the disk (POSIX: fsync the directory)."""
    try:
        fd = os.open(path.parent if str(path.parent) else ".", os.O_RDONLY)
    except OSError:  # pragma: no cover - not POSIX
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems cannot
        pass
    finally:
        os.close(fd)


class StreamTarget(AtomicFile):
    """Standard output (``-o -``, ``-o /dev/stdout``) or ``/dev/null``: written as the run goes, no rename.

    ``shown``: the stream is a terminal, and the text written to it (CSV) is for the eye: the control,
    escape and bidi characters a cell held (an .xlsx's ``_x001B_``, a CSV's raw ESC) are written out as
    ``\x1b`` (``text.visible``), as every message does, instead of being run by the terminal, which could
    move the cursor and overwrite a figure on the screen. Into a file or a pipe the data stay as they are.
    """

    def __init__(self, stream: BinaryIO, created: list, shown: bool = False):
        self.path = Path("-")
        self.tmp = None
        self.file = stream
        self._decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape") if shown else None
        created.append(self)

    def write(self, data: bytes | memoryview) -> None:
        # every byte or an OSError (the "cannot write" message, exit 1): unbuffered (python -u, PYTHONUNBUFFERED)
        # standard output is the raw file, whose write to a full disk returned a short count and raised nothing,
        # and the results were cut off with exit 0
        if self._decoder is None:
            write_all(self.file, data)
            return
        text = self._decoder.decode(bytes(data))
        write_all(self.file, visible(text, allow="\n").encode("utf-8", "surrogateescape"))

    def prepare(self) -> None:
        self.file.flush()

    def commit(self) -> None:
        self.file.flush()

    def discard(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.file.flush()


STDIO = "-"
STDOUT_NAMES = ("/dev/stdout", "/proc/self/fd/1", "/dev/fd/1")
STDIN_NAMES = ("/dev/stdin", "/proc/self/fd/0", "/dev/fd/0")


class Place(str, Enum):
    """What a path given as input or output is."""

    FILE = "file"  # a regular file, or (output) nothing yet: read in place / replaced atomically
    STDOUT = "stdout"  # standard output: written as the run goes
    NULL = "null"  # /dev/null: written as the run goes
    STREAM = "stream"  # (input) standard input, a pipe or a FIFO: copied to a temporary file first


def is_stdout(path: Path | None) -> bool:
    return path is not None and (str(path) == STDIO or str(path) in STDOUT_NAMES)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _holds_parquet(directory: Path) -> bool:
    """Whether a directory (its first thousand entries, at any depth) holds Parquet files: a dataset."""
    try:
        return any(p.suffix.lower() == ".parquet" or p.name.startswith("part-")
                   for p in itertools.islice(directory.rglob("*"), 1000))
    except OSError:
        return False


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"  # pragma: no cover - every other kind is listed above


def check_output(option: str, path: Path, fmt: str = "csv") -> Place:
    """What ``path`` is as an output; a device (but /dev/null), a FIFO or a directory is refused (``fmt``: the
    output's format, for the file name a directory's message suggests)."""
    if is_stdout(path):
        return Place.STDOUT
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return Place.FILE
    except OSError as exc:
        raise InputError(f"{option}: cannot use it ({exc.strerror})", Location(file=str(path), field=option)) \
            from None
    if stat.S_ISREG(st.st_mode):
        if not st.st_mode & stat.S_IWUSR:  # (the rename would replace it all the same, for root and others alike)
            raise InputError(f"{option} {read_only(path, 'batch')}", Location(file=str(path), field=option))
        return Place.FILE
    if stat.S_ISCHR(st.st_mode) and os.path.realpath(path) == os.devnull:
        return Place.NULL
    name = _DEFAULT_NAME[option] if option != "--output" else f"results.{fmt}"
    where = f"; name a file in it, e.g. {option} {argument(str(path / name))}" \
        if stat.S_ISDIR(st.st_mode) and option in _DEFAULT_NAME else ""
    stdout = " (or standard output: -o -)" if option == "--output" and fmt in ("csv", "jsonl") else ""
    raise InputError(f"{option} is {_kind(st.st_mode)}; batch only writes regular files{stdout}{where}",
                     Location(file=str(path), field=option))


def read_only(path: Path, command: str) -> str:
    """The message for an output that is a read-only file (mode 444, Windows' 只读 attribute: no write permission
    for its owner, which is what both systems show of it, for root as for anyone). The atomic rename would replace
    it all the same (the directory's permission decides that); the mark is taken as the user's "keep this"."""
    return (f"is a read-only file; {command} does not replace it: make it writable (chmod u+w "
            f"{argument(str(path))}; on Windows clear its Read-only (只读) attribute) or choose another name")


#: a file name to suggest when an output option names a directory
_DEFAULT_NAME = {"--output": "results.csv", "--errors": "bad_rows.csv", "--summary-json": "summary.json"}  # -o: .fmt


def check_input(path: Path) -> Place:
    """What the input is: a regular file (read in place) or a stream (standard input, a pipe, a FIFO);
    a directory, a device or a missing file is a message."""
    if str(path) == STDIO or str(path) in STDIN_NAMES:
        stdin = sys.stdin
        if stdin is None:
            raise InputError("standard input is closed; give a file name or pipe a CSV in",
                             Location(file=str(path)))
        if stdin.isatty():
            raise InputError("standard input is a terminal; pipe a CSV in (… | incentives batch - -o out.csv) or "
                             "give a file name", Location(file=str(path)))
        return Place.STREAM  # copied as it is read (a pipe, or a file redirected with <)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError("file not found", Location(file=str(path))) from None
    except OSError as exc:
        raise InputError(f"cannot read it ({exc.strerror})", Location(file=str(path))) from None
    if stat.S_ISREG(st.st_mode):
        return Place.FILE
    if stat.S_ISFIFO(st.st_mode):
        return Place.STREAM
    if stat.S_ISDIR(st.st_mode) and _holds_parquet(Path(path)):
        raise InputError("the input is a directory of Parquet files (a partitioned dataset, as Spark, Hive or "
                         "DuckDB write one), which batch does not read: give one file (in DuckDB: COPY (SELECT * "
                         "FROM 'dir/**/*.parquet') TO 'register.parquet'), or use api.evaluate_arrow on the "
                         "dataset's batches (docs/scale.md)", Location(file=str(path)))
    raise InputError(f"the input is {_kind(st.st_mode)}, not a CSV, .xlsx or Parquet file", Location(file=str(path)))


def _file_id(fd: int | None = None, path: Path | None = None) -> tuple[int, int] | None:
    """(device, inode) of the regular file open as ``fd`` or named ``path``; None for anything else (a terminal,
    a pipe, /dev/null, a file that does not exist)."""
    try:
        st = os.fstat(fd) if fd is not None else os.stat(path) if path is not None else None
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino) if st is not None and stat.S_ISREG(st.st_mode) else None


def _stdio_id(stream: Any) -> tuple[int, int] | None:
    try:
        return _file_id(stream.fileno()) if stream is not None else None
    except (AttributeError, OSError, ValueError):  # (a stream without a descriptor: a test's)
        return None


def check_paths(input_path: Path, outputs: Mapping[str, Path | None], fmt: str = "csv",
                source: Path | None = None) -> dict[str, Place]:
    """Never overwrite the input, never write two outputs to one file, only ever replace regular files.

    Standard output redirected by the shell to a file (``-o - >> companies.csv``, ``-o - > bad_rows.csv``) is
    that file: appended to the input it was read back as rows of its own; under ``--errors`` of the same name
    the errors file was renamed over the results. ``source``: the input as given, when ``input_path`` is its
    copy (standard input, ``- < companies.csv``)."""
    seen: dict[object, str] = {}
    places: dict[str, Place] = {}
    given = source if source is not None else input_path
    stdin = str(given) == STDIO or str(given) in STDIN_NAMES
    input_id = _stdio_id(sys.stdin) if stdin else _file_id(path=input_path)
    stdout_id = None
    kinds = {option: check_output(option, path, fmt) for option, path in outputs.items() if path is not None}
    for option, kind in kinds.items():
        path = outputs[option]
        if kind == Place.STDOUT:
            stdout_id = _stdio_id(sys.stdout)
            if stdout_id is not None and stdout_id == input_id:
                what = {"--errors": "bad rows", "--summary-json": "summary"}.get(option, "results")
                name = _DEFAULT_NAME[option] if option != "--output" else f"results.{fmt}"  # (as check_output)
                raise InputError(f"standard output ({option} {path}) is redirected to the input file (the shell's > "
                                 f"or >> names it): the {what} would be read back as rows or written over the "
                                 f"companies; write to another file ({option} {name})",
                                 Location(file="<stdin>" if stdin else str(input_path), field=option))
            if stdout_id is not None:
                seen[stdout_id] = f"{option} {path} (standard output, redirected to that file)"
    for option, kind in kinds.items():
        path = outputs[option]
        assert path is not None
        places[option] = kind
        if kind == Place.STDOUT:
            if kind in seen:
                raise InputError(f"{option} and {seen[kind]} both go to standard output",
                                 Location(file=str(path), field=option))
            seen[kind] = option
            continue
        if kind == Place.NULL:
            continue
        if (file_id := _file_id(path=path)) is not None and file_id == stdout_id:
            raise InputError(f"{option} and {seen[file_id]} name the same file", Location(file=str(path), field=option))
        if stdin and file_id is not None and file_id == input_id:
            # `batch - -o c.csv < c.csv`: the input was read from a copy, so only the redirected file's identity
            # tells; the results were renamed over the companies
            raise InputError(f"{option} would overwrite the input file (standard input is redirected from it: the "
                             f"shell's < names it); choose another name", Location(file=str(path), field=option))
        if _same_file(input_path, path) or path.resolve() == input_path.resolve():
            raise InputError(f"{option} would overwrite the input file; choose another name",
                             Location(file=str(path), field=option))
        if not path.resolve().parent.is_dir():
            if path.is_symlink():
                raise InputError(f"{option} is a link to {os.readlink(path)}, whose directory does not exist",
                                 Location(file=str(path), field=option))
            raise InputError(f"the directory {visible(str(path.resolve().parent))} does not exist",
                             Location(file=str(path), field=option))
        key = path.resolve()
        if key in seen:
            raise InputError(f"{option} and {seen[key]} name the same file", Location(file=str(path), field=option))
        seen[key] = option
    return places


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _target(path: Path, place: Place, created: list, text: bool = True) -> AtomicFile:
    """Where an output goes; ``text``: it is CSV or JSON (not a workbook or Parquet), so that a terminal gets
    its control characters written out (``StreamTarget``)."""
    if place == Place.STDOUT:
        return StreamTarget(sys.stdout.buffer, created, shown=text and _isatty(sys.stdout))
    if place == Place.NULL:
        return StreamTarget(open(os.devnull, "wb"), created)
    return AtomicFile(path, created)


_KEEP = "\r\n\t"  # (the characters of a cell's own text an errors-file cell keeps as they are)


def _errors_writer(target: AtomicFile, bom: bool) -> Callable[[Iterable[RowProblem]], None]:
    """The errors file: one line per problem, ``row,line,name,field,value,message``; every text cell safe
    from Excel's formula reading (``csvio.safe_text``)."""
    if bom:
        target.write(b"\xef\xbb\xbf")
    target.write(b"row,line,name,field,value,message\n")
    safe = csvio.safe_text

    def write(problems: Iterable[RowProblem]) -> None:
        buf = io.StringIO()
        # "\r\n" as the writer's line end so that a cell holding a lone CR is quoted too (with "\n" alone, csv
        # left "A\r公司" bare, and a reader broke the row there); each line then ends in "\n", as the header
        w = csv.writer(buf, lineterminator="\r\n")
        for p in problems:
            # (an escape or bidi character in a name or value written out, as in the message: `cat bad.csv`
            # must not colour, hide or retitle the terminal; line breaks stay, the cell quoted)
            w.writerow([p.row, p.line, safe(visible(p.name, _KEEP)), safe(p.field), safe(visible(p.value, _KEEP)),
                        safe(p.message)])
            buf.seek(buf.tell() - 2)
            buf.write("\n")
            buf.truncate()
        # (a problem's text is made readable where it is found; "replace" is only a last guard: never a traceback)
        target.write(buf.getvalue().encode("utf-8", "replace"))

    return write


#: glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: a block's arrays of up to this size come from the heap and are reused by the next block (glibc's own
#: upper limit for the threshold on 64-bit systems)
HEAP_ARRAYS_BYTES = 32 << 20
#: freed heap memory kept for the next block rather than given back to the system
KEEP_FREED_BYTES = 64 << 20


def keep_freed_memory() -> bool:
    """Let the process reuse the memory of one block's arrays for the next (glibc only; True if set).

    glibc serves an allocation above its mmap threshold (128 kB at first,
    raised as such blocks are freed) with fresh pages from the kernel and
    returns them when it is freed, so every block of a batch paid page faults
    and zeroing for its ~100 MB of temporary arrays again: 20% of the CPU time
    of a 1M-row run, as system time.  With a fixed threshold of 32 MB and
    64 MB kept after a free, they are reused; the peak memory stays the
    same (~100 MB per worker on the benchmark).  `batch` calls this
    once in each process that computes blocks (each worker, or the one
    process), not in a parent that only hands out blocks and writes the
    results (it allocates little of its own), and only with
    ``BatchOptions.reuse_memory``, which the command sets: it is a setting of
    the whole process, which a library call leaves alone.
    """
    import platform

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, HEAP_ARRAYS_BYTES)) and \
            bool(libc.mallopt(_M_TRIM_THRESHOLD, KEEP_FREED_BYTES))
    except (OSError, AttributeError):  # pragma: no cover - no such libc after all
        return False


def running_elsewhere(samples: int = 10, interval: float = 0.01) -> int | None:
    """How many other processes are running now: the fewest seen in ``samples`` looks at the kernel's count
    of runnable tasks (Linux ``/proc/loadavg``, less this process), or None where it cannot be read."""
    seen = []
    for k in range(samples):
        try:
            with open("/proc/loadavg", "rb") as f:
                running = int(f.read().split()[3].split(b"/")[0])
        except (OSError, ValueError, IndexError):
            return None
        seen.append(max(running - 1, 0))
        if k + 1 < samples:
            time.sleep(interval)
    return min(seen)


def choose_jobs(requested: int, size: int, block_bytes: int, load: float | None = None,
                cores: int | None = None) -> int:
    """Worker processes: as asked, or (0) one per free core, up to two, when the file spans several blocks.

    A core is free when no other process is running on it now
    (:func:`running_elsewhere`; where that cannot be read, the one-minute
    load average): on a machine whose cores are busy with other work, extra
    processes only add overhead (measured: 1M rows took 7.5 s with two
    workers and one busy core, 5.4 s in one process).  The one-minute average
    alone was wrong the other way after a busy minute that had ended: a run
    started just after a long command stayed on one core.

    >>> choose_jobs(0, 10**9, 2 << 20, load=0.1, cores=2), choose_jobs(0, 10**9, 2 << 20, load=1.2, cores=2)
    (2, 1)
    >>> choose_jobs(0, 10**5, 2 << 20, load=0.0, cores=2), choose_jobs(3, 10**5, 2 << 20, load=5.0, cores=4)
    (1, 3)
    >>> choose_jobs(1000, 10**9, 2 << 20, load=0.0, cores=2)  # --jobs is capped at the number of cores
    2
    """
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if requested > 0:
        return max(1, min(requested, cores))  # more processes than cores only add overhead
    if size < 3 * block_bytes:
        return 1
    if load is None:
        load = running_elsewhere()
    if load is None:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    free = int(cores - load + 0.5)
    if free < 2:
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
    """Evaluate every row of ``input_path`` (CSV or .xlsx; ``-``: standard input) and write ``output_path``
    (atomically; ``-``: standard output).

    ``progress(bytes_done, bytes_total, rows, bad_rows)`` is called after each
    block.  Bad rows are written to ``errors_path`` (if given) and counted in
    the report; they never stop the run.
    """
    if options.layout not in LAYOUTS:
        raise InputError(f"unknown layout {options.layout!r}; use wide or long", Location(field="--layout"))
    if options.fmt not in FORMATS:
        raise InputError(f"unknown format {options.fmt!r}; use csv, jsonl, xlsx or parquet",
                         Location(field="--format"))
    src = Path(input_path)
    dst = Path(output_path)
    place = check_output("--output", dst, options.fmt) if options.fmt in ("xlsx", "parquet") else Place.FILE
    if place == Place.STDOUT or (options.fmt == "xlsx" and place != Place.FILE):
        # a usage error (the CLI's exit 2): neither is read before its end is written, so neither is streamed
        what = "an .xlsx workbook" if options.fmt == "xlsx" else "a Parquet file"
        raise OptionError(f"{what} cannot be streamed; give a file name (or use --format csv/jsonl for "
                          "standard output)", Location(file=str(dst), field="--output"))
    with _readable(src) as path:
        try:
            return _run(path, src, dst, catalog, options, Path(errors_path) if errors_path else None,
                        Path(summary_path) if summary_path else None, progress)
        except InputError as exc:
            if path == src:
                raise
            # standard input (or a pipe) was read from a temporary copy: a message names what the user gave
            exc.rename_file(str(path), "<stdin>" if str(src) == STDIO or str(src) in STDIN_NAMES else str(src))
            raise


@contextlib.contextmanager
def _readable(src: Path) -> Iterator[Path]:
    """The input as a regular file: itself, or (standard input, a pipe, a FIFO) a temporary copy."""
    if check_input(src) == Place.FILE:
        yield src
        return
    fd, tmp = tempfile.mkstemp(prefix="incentives-input-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            if str(src) == STDIO or str(src) in STDIN_NAMES:
                shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
            else:
                with open(src, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
        yield Path(tmp)
    finally:
        Path(tmp).unlink(missing_ok=True)


def lines_per_row(policies: Sequence[Policy], options: BatchOptions) -> int:
    """The most output lines one input row can give (wide: a line per policy; long: per clause)."""
    if options.policy_ids:
        groups = [list(policies)]
    else:
        groups = [[p for p in policies if p.jurisdiction == j] for j in {p.jurisdiction for p in policies}]
    if options.layout == "long":
        return max((sum(len(p.clauses) for p in g) for g in groups), default=0)
    return max((len(g) for g in groups), default=0)


_FILLED_LINE = re.compile(rb'^[^\n]*[^,\s"][^\n]*$', re.MULTILINE)


def _note_texts(bad: RowProblem) -> list[str]:
    """The texts of a bad row that may be a note on the sheet's unit: its name; with no name, its value (a note
    alone on a row, or typed into an amount's column under the table: "'单位：万元' is not an amount of money"),
    and each cell of a row longer than the header ("合计 … 单位：万元" right of the totals)."""
    texts = [bad.name] if bad.name else [bad.value] if bad.value else []
    if not bad.field and "," in bad.value:  # (a whole row's problem: its cells, as read)
        texts += bad.value.split(",")
    return texts


def _no_unit_aside(header: Header, catalog: Catalog, shown: str, sheet: str | None) -> None:
    """Refuse a sheet whose amounts' headings name no unit while a column not read ("备注（金额单位：万元）") or the
    sheet's name ("测算表(万元)") gives one: a bare number would be read as yuan, 10,000 times too small."""
    amount = next((h for h, f in zip(header.headings or header.names, header.fields)
                   if f.type in (F.MONEY, F.MONEY_LIST)), "营业收入")
    for what, text in [*((f"the heading {h!r} (a column batch does not read)", h) for h in header.ignored),
                       *([(f"the sheet's name {sheet!r}", sheet)] if sheet else [])]:
        if (word := unit_note_row(text, header, catalog, title=True)) is None:
            continue
        word = word if word.endswith("元") else word + "元"
        raise InputError(f"{what} says the amounts are in {word}, but the amounts' headings name no unit, so a bare "
                         f"number in them would be read as yuan; nothing was written. Write the unit into each "
                         f"amount's heading ({amount}（{word}）, …) and run again; if the amounts are in yuan after all, "
                         f"take the unit out of {'the heading' if text != sheet else 'the sheet name'}",
                         Location(file=shown, line=1 if text != sheet else None))


def _count_filled_lines(path: Path, start: int, chunk_bytes: int = 8 << 20) -> int:
    """The lines after the header with something besides commas, quotes and spaces in them: an upper bound of
    the rows that can give results (Excel saves a formatted empty row as ",,,,")."""
    n = 0
    filled = False  # whether the line the last chunk ended in has something in it so far
    with open(path, "rb") as f:
        f.seek(start)
        while chunk := f.read(chunk_bytes):
            first = chunk.find(b"\n")
            if first < 0:  # the line goes on (a long one is never held whole)
                filled = filled or bool(_FILLED_LINE.search(chunk))
                continue
            n += filled or bool(_FILLED_LINE.search(chunk, 0, first))
            last = chunk.rfind(b"\n")
            n += len(_FILLED_LINE.findall(chunk, first + 1, last))
            filled = bool(_FILLED_LINE.search(chunk, last + 1))
    return n + filled


def check_xlsx_rows(data_rows: int, per_row: int, where: str) -> None:
    """Refuse, before anything is written, an input whose results cannot fit in one Excel sheet."""
    most = data_rows * per_row
    if most > xlsxio.XLSX_MAX_ROWS:
        raise InputError(f"{data_rows:,} input rows make up to {most:,} result rows, more than the "
                         f"{xlsxio.XLSX_MAX_ROWS:,} an Excel sheet holds below its header; use --format csv (or "
                         f"split the input)", Location(file=where, field="--format"))


def _bound_header(names: list[str], catalog: Catalog, shown: str, sheet: xlsxio.XlsxSource | arrowio.ParquetSource | None,
                  path: Path, enc: csvio.Encoding | None) -> Header:
    """``bind_header``, and when it fails: whether the header is on a later line (a title above it, perhaps with
    the unit of the amounts: ``batch_table.misplaced_header``), and for a workbook, which sheet was read."""
    error = InputError(csvio.EMPTY_FIRST_LINE, Location(file=shown, line=1))
    if any(names):
        try:
            return bind_header(names, catalog, shown,
                               sheet.hidden_columns if isinstance(sheet, xlsxio.XlsxSource) else ())
        except InputError as exc:
            error = exc
    first: list[list[str]] = []
    if isinstance(sheet, xlsxio.XlsxSource):
        first = sheet.first_rows(HEADER_SEARCH_LINES)
    elif sheet is None and enc is not None:
        first = csvio.first_records(path, enc, HEADER_SEARCH_LINES)
    error = misplaced_header(first, catalog, shown) or error
    others = sheet.other_sheets() if isinstance(sheet, xlsxio.XlsxSource) else []
    if others:  # not one more problem to fix: where they were found, and where else to look
        which = (f"this is sheet {sheet.sheet!r} of the workbook, which also has "  # type: ignore[union-attr]
                 f"{', '.join(map(repr, others))}: another is read with --sheet NAME")
        sep = "\n  " if isinstance(error, ProfileProblems) else " "
        error = InputError(f"{error.message}{sep}({which})", error.location)
    raise error


def _header_breaks(path: Path, enc: csvio.Encoding | None, data_start: int) -> int:
    """The line breaks inside a CSV's header record (quoted headings typed with Alt+Enter)."""
    if enc is None or data_start <= enc.bom:
        return 0
    with open(path, "rb") as f:
        f.seek(enc.bom)
        return f.read(data_start - enc.bom).rstrip(b"\r\n").count(b"\n")


#: a profile is a few KB: a larger file is not read as one
_PROFILE_BYTES = 256 << 10


def _is_profile(path: Path, catalog: Catalog) -> bool:
    """Whether the file is a company profile given to batch (TOML whose keys are profile fields: its first line
    "looked like a title"). A CSV is never valid TOML with two such keys; a file over 256 KB is not read."""
    import tomllib

    from .tomlio import HEADER_LINE, KEY_LINE

    try:
        if path.stat().st_size > _PROFILE_BYTES:
            return False
        raw = path.read_bytes()
    except OSError:
        return False
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):  # GBK, or revenue = 1.65亿 unquoted:
        lines = [ln for ln in raw.decode("utf-8-sig", "replace").splitlines()[:40]  # its lines' form tells
                 if ln.strip() and not ln.lstrip().startswith("#")]
        return len(lines) >= 2 and all(KEY_LINE.match(ln) or HEADER_LINE.match(ln) for ln in lines[:3])
    return sum(catalog.registry.resolve(str(k)) is not None for k in data) >= 2


def _open_end(f: BinaryIO) -> int:
    """Where the data of a CSV whose last line has no line break ends (the file's size less a DOS end-of-file
    mark, as ``csvio.iter_raw_blocks`` reads it), 0 when the last line has one or the file is only a header."""
    at = f.tell()
    size = f.seek(0, os.SEEK_END)
    f.seek(max(0, size - 4096))
    tail = csvio.without_dos_eof(f.read())
    f.seek(at)
    return max(0, size - 4096) + len(tail) if tail and not tail.endswith((b"\n", b"\r")) else 0


def _refuse_two_row_header(sheet: xlsxio.XlsxSource, shown: str) -> None:
    """A header of two rows (营业收入 merged over 本年 / 上年, the other headings merged down over both rows): line 2
    was a bad row ("'本年' is not an amount of money"), the column under the merged heading's second half had no
    heading and was not read, and the company was computed without it."""
    down = sorted({ref for (line, _), (first, ref) in sheet.merged.items() if line == 2 and first == 1})
    if not down:
        return
    refs = ", ".join(down[:3]) + (", …" if len(down) > 3 else "")
    raise InputError(f"the header is two rows: its cells are merged down over lines 1 and 2 ({refs}), as a heading "
                     f"over the headings under it is; batch reads one header row. Unmerge the cells (取消合并单元格), "
                     f"give each column one heading in line 1 (营业收入 over 本年 / 上年 becomes 营业收入, 上年营业收入), "
                     f"then delete line 2", Location(file=shown, line=1))


def _run(path: Path, src: Path, dst: Path, catalog: Catalog, options: BatchOptions, err: Path | None,
         summ: Path | None, progress: Callable[[int, int, int, int], None] | None) -> BatchReport:
    places = check_paths(path, {"--output": dst, "--errors": err, "--summary-json": summ}, options.fmt, src)
    shown = str(src) if str(src) != STDIO else "<stdin>"
    policies = policies_for_batch(catalog, options)
    size = path.stat().st_size
    with contextlib.ExitStack() as stack:
        sheet: xlsxio.XlsxSource | arrowio.ParquetSource | None = None
        enc: csvio.Encoding | None = None
        what = "CSV"
        xlsxio.refuse_compound_file(path, shown)
        if xlsxio.is_xlsx(path):
            sheet = xlsxio.XlsxSource(path, options.sheet)
            stack.callback(sheet.close)
            names, label, data_start = sheet.names, f"xlsx, sheet {sheet.sheet!r}", 0
            f = None
            what = "sheet"
        elif arrowio.is_parquet(path):
            for option, given in (("--sheet", options.sheet), ("--encoding", options.encoding)):
                if given is not None:
                    raise InputError(f"{option} is for {'.xlsx' if option == '--sheet' else 'CSV'} input; this "
                                     f"file is Parquet", Location(file=shown, field=option))
            sheet = arrowio.ParquetSource(path)
            stack.callback(sheet.close)
            names, label, data_start, f, what = sheet.names, "Parquet", 0, None, "Parquet file"
        else:
            if options.sheet is not None:
                raise InputError("--sheet is for .xlsx input; this file is CSV text", Location(file=shown,
                                                                                               field="--sheet"))
            if _is_profile(path, catalog):
                raise InputError("this is a company profile (TOML: key = value lines), not a list of companies: "
                                 f"compute it with incentives calc {argument(str(src))}; batch reads a CSV, .xlsx or "
                                 "Parquet file with a row per company (name, jurisdiction, year, …)",
                                 Location(file=shown))
            enc = csvio.detect_encoding(path, options.encoding)
            f = stack.enter_context(open(path, "rb"))
            names, data_start = csvio.read_header(f, enc, Path(shown))
            label = enc.label
        if isinstance(sheet, xlsxio.XlsxSource) and sum(field_of(n.strip(), catalog) is not None
                                                        for n in names if n.strip()) >= 2:
            _refuse_two_row_header(sheet, shown)  # (line 1 is the header: a title above it is said otherwise)
        header = _bound_header(names, catalog, shown, sheet, path, enc)
        second = (sheet.first_rows(2) if isinstance(sheet, xlsxio.XlsxSource)
                  else csvio.first_records(path, enc, 2) if enc is not None else [])
        # the sheet line of the first data row: 2, or more under a heading holding a line break (Alt+Enter)
        first_line = 2 if f is None else 2 + _header_breaks(path, enc, data_start)
        if (problem := units_row(second, header, catalog, shown, first_line)) is not None:
            raise problem
        if options.year is None and "year" not in header.names:
            raise InputError(f"the {what} has no year column: add one (the fiscal year, e.g. 2024) or pass --year",
                             Location(file=shown, line=1))
        if not options.policy_ids and "jurisdiction" not in header.names:
            raise InputError(f"the {what} has no jurisdiction column: add one "
                             f"({', '.join(catalog.jurisdictions())}) or pass --policy ID", Location(file=shown, line=1))
        output = Output(policies, options, catalog)
        job = _Job(header, catalog, policies, options, output, errors=err is not None,
                   open_end=_open_end(f) if sheet is None and f is not None else 0)
        bom = options.output_bom(enc)
        report = BatchReport(shown, str(dst), label, errors_file=str(err) if err else None,
                             layout=options.layout, fmt=options.fmt, hypothetical=options.ignore_validity,
                             output_encoding=None if options.fmt in ("xlsx", "parquet") else
                             "UTF-8 with BOM" if bom and options.fmt == "csv" else "UTF-8",
                             to_stdout=places["--output"] == Place.STDOUT, warnings_column=output.warnings_heading(),
                             lang=options.lang)
        report.discarded = [option for option, given in (("--output", dst), ("--errors", err))
                            if given is not None and places.get(option) == Place.NULL
                            and os.path.abspath(given) != os.devnull]
        report.budgets = {p.id: PolicyBudget.of(p) for p in policies}
        report.replacing = [p for p in policies if p.replaces_bundled]
        report.headings = {f: h for f, h in zip(header.names, header.headings) if h != f and f in catalog.registry}
        report.ignored_columns = list(header.ignored)
        _no_unit_aside(header, catalog, shown, sheet.sheet if isinstance(sheet, xlsxio.XlsxSource) else None)
        report.unnamed_columns = list(header.unnamed)
        if isinstance(sheet, xlsxio.XlsxSource):
            shown_heads = header.headings or header.names
            report.hidden_columns = [f"{shown_heads[j]} ({xlsxio.column_letter(j)})" for j in sorted(sheet.hidden_columns)
                                     if j < len(header.names) and header.fields[j].type != F.IGNORED]
            report.other_sheets = sheet.other_sheets() if options.sheet is None else []
        report.encoding_doubt = enc.doubt if enc is not None else ""
        for p in policies:
            report.budgets[p.id].clauses = {c.id: ClauseBudget(c.id, c.basis) for c in p.clauses}
        if options.fmt == "xlsx":
            per_row = lines_per_row(policies, options)
            if sheet is None:  # blank lines (",,,,") make no result rows
                rows = _count_filled_lines(path, data_start)
            else:  # the sheet's own count; over the limit, the rows with a value (a sheet formatted far below)
                rows = sheet.estimated_rows()
                if rows * per_row > xlsxio.XLSX_MAX_ROWS:
                    rows = sheet.filled_rows()
            check_xlsx_rows(rows, per_row, str(dst))
        targets: list[AtomicFile] = []
        try:
            out = _target(dst, places["--output"], targets, text=options.fmt in ("csv", "jsonl"))
            xlsx: xlsxio.XlsxSink | arrowio.ParquetSink | None = None
            if options.fmt == "xlsx":
                assert out.tmp is not None
                xlsx = xlsxio.XlsxSink(out.tmp, output.header_columns(), output.amount_columns(),
                                       headings=output.headings(), ceilings=output.ceilings(), lang=options.lang)
            elif options.fmt == "parquet":  # streamed by row groups, to the temporary file or standard output
                xlsx = arrowio.ParquetSink(out.tmp if out.tmp is not None else out.file, output)
            else:
                if bom and options.fmt == "csv":
                    out.write(b"\xef\xbb\xbf")
                out.write(output.header())
            if out.tmp is not None:
                out.start_writeback()
            write_errors = None
            if err is not None:
                write_errors = _errors_writer(_target(err, places["--errors"], targets), bom)
            streamed = out.tmp is None
            jobs = 1 if options.fmt == "xlsx" or sheet is not None else \
                choose_jobs(options.jobs, size, options.block_bytes)
            if options.jobs > 1 and (options.fmt == "xlsx" or sheet is not None):  # asked for, not used: said
                report.one_process = ("xlsx_output" if options.fmt == "xlsx" else
                                      "parquet_input" if isinstance(sheet, arrowio.ParquetSource) else "xlsx_input")
            append_to = None
            if jobs > 1 and not streamed and xlsx is None:
                out.file.flush()  # the header first: the workers append after it
                append_to = out.tmp
            results: Iterable[BlockResult]
            if options.reuse_memory and jobs <= 1:  # this process computes the blocks (workers: _worker_init)
                keep_freed_memory()
            if sheet is not None:
                results = (process_cells(cells, job) for cells in sheet.chunks(header))
            else:
                assert f is not None and enc is not None
                blocks = csvio.iter_raw_blocks(f, data_start, options.block_bytes, len(header.names))
                results = _results(blocks, path, enc, job, jobs, append_to)
            finder = Finder()
            footer: tuple[int, int, str, str] | None = None  # a "注：金额单位为万元" row: (row, line, text, unit)
            aside: tuple[int, int, str, str] | None = None  # the same in a 序号 / 备注 cell of a row read as blank
            last_named = 0  # the last evaluated row with a name (a unit note counts only below every company)
            other_header: SkippedRow | None = None  # the header again, with other units or columns
            for res in results:
                repeats = finder.add(res.keys) if res.keys is not None else []
                for piece in res.data:
                    if xlsx is not None:
                        xlsx.write(piece)  # type: ignore[arg-type]
                    else:
                        out.write(piece)
                report.output_rows += res.lines
                report.rows += res.rows
                report.good_rows += res.good
                report.blank_rows += res.blank
                report.skipped_rows += len(res.skipped)
                report.header_rows += sum(k.reason == SkipReason.HEADER for k in res.skipped)
                if other_header is None:
                    other_header = next((k for k in res.skipped if k.reason is SkipReason.OTHER_HEADER), None)
                room = BAD_ROW_PREVIEW - len(report.skipped)
                if res.skipped and room > 0:
                    report.skipped.extend(res.skipped[:room])
                bad = len({p.row for p in res.problems})
                report.bad_rows += bad
                if res.keys is not None and len(res.keys.rows):
                    last_named = max(last_named, int(res.keys.rows.max()))
                for bad_row in res.problems:  # the note in the name column, or alone on a row (the 序号 column's), or
                    for text in _note_texts(bad_row):  # in an amount's column of a row with no name, or past the
                        if (word := unit_note_row(text, header, catalog)) is not None:  # header's last column
                            footer = (bad_row.row, bad_row.line or bad_row.row, text, word)
                            break
                for row, line, text in res.notes:  # typed into a column that is not read (序号, 备注): no company's
                    if aside is None and (word := unit_note_row(text, header, catalog)) is not None:  # name, so
                        aside = (row, line, text, word)  # it counts above the companies too
                report.warned_rows += res.warned_rows
                report.warning_kinds |= res.warned_kinds
                report.duplicate_rows += len(repeats)
                room = BAD_ROW_PREVIEW - len(report.duplicates)
                if repeats and room > 0:
                    report.duplicates.extend(repeats[:room])
                if write_errors is not None and (res.warnings or res.problems or repeats):  # in row order
                    write_errors(sorted([*res.problems, *res.warnings,
                                         *(RowProblem(d.row, "name", d.name, d.message(), d.line, d.name)
                                           for d in repeats)], key=lambda p: p.row))
                if res.problems:
                    room = BAD_ROW_PREVIEW - len(report.problems)
                    if room > 0:
                        report.problems.extend(res.problems[:room])
                for b in res.budgets:
                    report.budgets[b.policy].merge(b)
                if progress is not None:
                    progress(res.raw_end or size, size, report.rows, report.bad_rows)
            report.duplicates_unchecked = finder.unchecked
            if footer is not None and footer[0] <= last_named:
                footer = None  # (a company named 金额亿, with a bad year, above others: a company, not a note)
            # (on standard output the lines went out as they were made: they are to be thrown away)
            unwritten = ("nothing was written" if Place.STDOUT not in places.values() else
                         "what was already written to standard output is not to be used")
            if other_header is not None:  # the rows under it were read by the first header: nothing is written
                raise InputError(f"line {other_header.line} repeats the header with other headings: "
                                 f"{other_header.detail}; the rows under it would be read by the first header's "
                                 f"columns and units, so {unwritten}. Make its headings the same as the "
                                 f"first header's (the same columns, in the same order, with the same units), or "
                                 f"put each table in a file of its own, and run again",
                                 Location(file=shown, line=other_header.line))
            if footer is not None or aside is not None:  # a bare amount was read as yuan: nothing is written
                _, line, text, word = footer or aside  # type: ignore[misc]
                word = word if word.endswith("元") else word + "元"
                amount = next((h for h, f in zip(header.headings or header.names, header.fields)
                               if f.type in (F.MONEY, F.MONEY_LIST)), "营业收入")
                raise InputError(f"line {line} says {text[:60]!r}: the amounts of this sheet are in {word}, but its "
                                 f"headings name no unit, so a bare number in them is read as yuan; {unwritten}. "
                                 f"Write the unit into each amount's heading ({amount}（{word}）, …) and run "
                                 f"again; if every figure carries its unit, or they are in yuan after all, delete the "
                                 f"note from line {line}", Location(file=shown, line=line))
            if isinstance(xlsx, xlsxio.XlsxSink):
                xlsx.write_budget(report, options.lang)
            if xlsx is not None:
                xlsx.close()
            if summ is not None:

                s = _target(summ, places["--summary-json"], targets)
                s.write(json_text(report.as_dict()).encode("utf-8") + b"\n")
            try:
                with _signals_held():  # all the files, or none of them: each on the disk before any is renamed
                    for t in targets:
                        t.prepare()
                    for t in targets:
                        t.commit()
                    targets.clear()
            except (KeyboardInterrupt, SystemExit) as stop:  # held during the renames, delivered after them
                stop.written = True  # type: ignore[union-attr]  # read by the CLI's "interrupted" line
                raise
        except BrokenPipeError:  # the reader stopped reading (`-o - | head`): quiet, as calc (Click: exit 1)
            raise
        except OSError as exc:  # a full disk, a read-only directory, …: a message, not a traceback
            raise InputError(f"cannot write: {exc.strerror or exc}",
                             Location(file=_named_file(exc.filename2 or exc.filename, dst))) from None
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
