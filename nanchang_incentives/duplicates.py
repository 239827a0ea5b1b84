"""Rows that repeat a company of an earlier row: the same name, fiscal year and jurisdiction.

A register with a row pasted twice, or two sheets' rows put together, would have
the company's amounts counted twice in every total of the budget, with nothing
to say so. Each later row of such a company is evaluated as it stands (its
figures are the same) and gets a warning naming the first row; the budget view
and the summary count them.

Workers compute a 64-bit key per named row (a polynomial hash of the name's bytes,
with the year and the jurisdiction mixed in, vectorised over the block); the parent,
which sees the blocks in input order, keeps the keys of the first occurrences as
a few sorted runs (merged as they grow, so a check costs O(log n) per row) and
looks each new block up in them. The keys of at most ``CHECKED_ROWS`` companies
are kept (12 bytes each: 24 MB, and about as much again while two runs merge);
rows after those are not checked, and the report says so. Two different companies
share a key with a chance of about n²/2⁶⁵ (10⁻⁸ for a million rows) for names not
made to collide; such a pair would get a warning it does not deserve, never a
changed figure.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

CHECKED_ROWS = 2_000_000
_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd: its powers are distinct modulo 2^64


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every bit of the key depends on every bit of ``h``."""
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


@dataclass(frozen=True)
class RowKeys:
    """A block's named rows: their keys, data row numbers, spreadsheet lines and names (what a warning needs)."""

    keys: np.ndarray  # uint64
    rows: np.ndarray  # int64
    lines: np.ndarray  # int64
    names: np.ndarray  # S

    @staticmethod
    def empty() -> RowKeys:
        z = np.zeros(0, dtype=np.int64)
        return RowKeys(np.zeros(0, dtype=np.uint64), z, z, np.zeros(0, dtype="S1"))


def row_keys(names: np.ndarray, years: np.ndarray, jcode: np.ndarray, jurisdictions: list[str | None],
             rows: np.ndarray, lines: np.ndarray) -> RowKeys:
    """The keys of the rows with a name (``names``: S, stripped UTF-8; ``years``: int64, 0 when not given;
    ``jcode``: a code per row into ``jurisdictions``, -1 for none)."""
    named = np.flatnonzero(names != b"")
    if len(named) == 0:
        return RowKeys.empty()
    sel = np.ascontiguousarray(names[named])
    width = sel.dtype.itemsize
    matrix, wide = _folded(sel.view(np.uint8).reshape(len(sel), width))
    with np.errstate(over="ignore"):
        # Σ byte·M^c (mod 2^64) over each name's bytes: the zero padding after a name adds nothing, so a name
        # has one key whatever the block's longest name; then mixed (splitmix64) with the year and jurisdiction
        powers = np.cumprod(np.full(width, _MULT, dtype=np.uint64), dtype=np.uint64)
        h = np.zeros(len(sel), dtype=np.uint64)
        for c in range(0, width, 16):  # 16 byte columns at a time: 128 bytes a row held, however long a name
            h += matrix[:, c:c + 16].astype(np.uint64) @ powers[c:c + 16]
        if len(wide):  # a full-width form became one byte and two dropped ones: the later bytes move up
            m = matrix[wide]
            at = np.maximum(np.cumsum(m != 0, axis=1) - 1, 0)
            h[wide] = (m.astype(np.uint64) * powers[at]).sum(axis=1, dtype=np.uint64)
        place = np.array([zlib.crc32((j or "").encode("utf-8")) for j in jurisdictions] + [0], dtype=np.uint64)
        h ^= (years[named].astype(np.uint64) << np.uint64(32)) | place[jcode[named]]
        h = _mix(h)
    return RowKeys(h, rows[named], lines[named], sel)


def _folded(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Names (a zero-padded UTF-8 byte matrix) as the key reads them: ASCII letters in lower case, and the
    full-width forms of ASCII (（）, Ａ, １: U+FF01-U+FF5E, EF BC 81 … EF BD 9E) as ASCII, so that 甲科技（南昌）有限公司
    and 甲科技(南昌)有限公司, or ABC Ltd and abc ltd, are one company. A full-width form's three bytes become its
    ASCII byte and two zeros (which add nothing to a key); the rows holding one are returned, to be keyed by
    the positions of their bytes that are left. The input is not changed.

    >>> m, wide = _folded(np.frombuffer("Ａb（c）".encode() + bytes(3), dtype=np.uint8).reshape(1, -1))
    >>> bytes(m[0][m[0] != 0]).decode(), wide.tolist()
    ('ab(c)', [0])
    """
    out = matrix.copy()
    upper = (out >= 0x41) & (out <= 0x5A)
    out[upper] += 0x20
    w = out.shape[1]
    if w < 3:
        return out, np.zeros(0, dtype=np.int64)
    lead = (out[:, :-2] == 0xEF) & (((out[:, 1:-1] == 0xBC) & (out[:, 2:] >= 0x81))
                                     | ((out[:, 1:-1] == 0xBD) & (out[:, 2:] <= 0x9E) & (out[:, 2:] >= 0x80)))
    rows, cols = np.nonzero(lead)
    if len(rows) == 0:
        return out, np.zeros(0, dtype=np.int64)
    second, third = out[rows, cols + 1].astype(np.int64), out[rows, cols + 2].astype(np.int64)
    code = np.where(second == 0xBC, 0xFF00, 0xFF40) + third - 0x80  # U+FF01 …
    ascii_ = code - 0xFEE0
    ascii_ = np.where((ascii_ >= 0x41) & (ascii_ <= 0x5A), ascii_ + 0x20, ascii_)
    out[rows, cols] = ascii_.astype(np.uint8)
    out[rows, cols + 1] = 0
    out[rows, cols + 2] = 0
    return out, np.unique(rows)


@dataclass(frozen=True)
class Repeat:
    """A row that repeats the company of an earlier one."""

    row: int
    line: int
    name: str
    first_line: int

    def message(self) -> str:
        return (f"warning: the same company as line {self.first_line}: the same name, "
                f"year and jurisdiction, so its amounts are counted again in the budget's totals; delete one of "
                f"the two rows, or tell them apart in the name")


class Finder:
    """The first occurrences seen so far, as sorted runs of (key, line)."""

    def __init__(self, limit: int = CHECKED_ROWS) -> None:
        self.limit = limit
        self.kept = 0
        self.unchecked = 0  # rows not looked up: beyond the limit
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []

    def add(self, block: RowKeys) -> list[Repeat]:
        """The rows of ``block`` (the next block in input order) that repeat an earlier row's company."""
        n = len(block.keys)
        if n == 0:
            return []
        room = self.limit - self.kept
        if room < n:
            self.unchecked += n - max(room, 0)
            if room <= 0:
                return []
            block = RowKeys(block.keys[:room], block.rows[:room], block.lines[:room], block.names[:room])
            n = room
        keys = block.keys
        first_line = np.zeros(n, dtype=np.int64)  # 0: no earlier row (lines start at 2, below the header)
        for run_keys, run_lines in self._runs:  # earlier blocks
            at = np.minimum(np.searchsorted(run_keys, keys), len(run_keys) - 1)
            hit = (run_keys[at] == keys) & (first_line == 0)
            first_line[hit] = run_lines[at[hit]]
        order = np.argsort(keys, kind="stable")  # within the block: the first of equal keys is the earliest row
        sk = keys[order]
        same = np.zeros(n, dtype=bool)
        same[1:] = sk[1:] == sk[:-1]
        starts = np.maximum.accumulate(np.where(same, 0, np.arange(n)))  # where each key's group begins
        later = order[same]  # rows that repeat an earlier row of this block
        lead = order[starts[same]]  # and that row
        todo = first_line[later] == 0  # (when the key was in an earlier block, that block's row is the first)
        first_line[later[todo]] = block.lines[lead[todo]]
        repeated = first_line > 0
        new = ~repeated  # first occurrences: kept
        self._keep(keys[new], block.lines[new])
        return [Repeat(int(block.rows[i]), int(block.lines[i]), block.names[i].decode("utf-8", "replace"),
                       int(first_line[i])) for i in np.flatnonzero(repeated).tolist()]

    def _keep(self, keys: np.ndarray, lines: np.ndarray) -> None:
        """Add a run; merge the last two while the newer is at least half the older (a merge of two sorted runs
        in place of a sort: what a merge holds at once stays about twice the kept keys)."""
        if len(keys) == 0:
            return
        self.kept += len(keys)
        order = np.argsort(keys, kind="stable")
        self._runs.append((keys[order], lines[order].astype(np.uint32)))
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0]):
            (bk, bl), (ak, al) = self._runs.pop(), self._runs.pop()
            at = np.searchsorted(ak, bk, side="right") + np.arange(len(bk))  # b's places among a's (b is later)
            k = np.empty(len(ak) + len(bk), dtype=np.uint64)
            ln = np.empty(len(k), dtype=np.uint32)
            rest = np.ones(len(k), dtype=bool)
            rest[at] = False
            k[at], ln[at] = bk, bl
            k[rest], ln[rest] = ak, al
            del at, rest
            self._runs.append((k, ln))
