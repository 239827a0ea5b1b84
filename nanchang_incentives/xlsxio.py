"""``.xlsx`` input and output for ``incentives batch``.

Reading (openpyxl, read-only): each cell becomes the text a CSV export of
the same sheet holds, and that text goes through the very same field
parsers as a CSV cell, so a workbook and its CSV give the same results.
Numbers are stored in the file as binary floats: they are turned into text
by their shortest round-trip form (``repr``), never by float arithmetic
(``1234.56`` stays ``1234.56``; ``0.1 + 0.2`` computed in Excel is
``0.30000000000000004`` and is refused as money with more than 4 decimals).
A percent-formatted number is a rate (``0.0345`` -> ``3.45%``); a date in the
``year`` column is its year; TRUE/FALSE are booleans.  The stored value is
read, not the displayed one (a cell showing ``1,234.57`` may hold
``1234.5678``).

Writing (XlsxWriter, constant-memory mode): amounts are numbers with the
format ``#,##0.00`` (a double holds 15 significant digits, so every amount
below 10^13 yuan is exact to the fen), counts and years are numbers, text is
always written as text (``write_string``: a name ``=HYPERLINK(…)`` stays
text, never a formula); the header row is frozen and has an autofilter,
column widths fit the content, and a second sheet holds the budget view.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import unicodedata
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from . import csvio, explain
from . import fields as F
from .errors import InputError, Location

if TYPE_CHECKING:
    from .batch import BatchReport
    from .batch_table import Header

XLSX_MAX_ROWS = 1_048_575  # an Excel sheet's 1,048,576 rows, less the header
ZIP_MAGIC = b"PK\x03\x04"
INSTALL_HINT = "pip install 'nanchang-incentives[xlsx]'"
ROWS_PER_CHUNK = 10_000
WIDTH_SAMPLE = 500  # column widths are fitted to the header and the first rows


def is_xlsx(path: Path) -> bool:
    """An .xlsx (a zip file) by its suffix or its first bytes."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return True
    try:
        with open(path, "rb") as f:
            return f.read(4) == ZIP_MAGIC
    except OSError:
        return False


# ---------------------------------------------------------------- reading


def number_text(value: float) -> str:
    """A stored number as the decimal text it was typed as (shortest round trip; no exponent).

    >>> number_text(1234.56), number_text(12.0), number_text(1e16), number_text(0.1 + 0.2), number_text(7)
    ('1234.56', '12', '10000000000000000', '0.30000000000000004', '7')
    """
    if isinstance(value, int):
        return str(value)
    d = Decimal(repr(value))
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    return format(d.normalize(), "f")


def percent_text(value: float) -> str:
    """A percent-formatted number as a rate cell: 0.0345 -> '3.45%' (exactly, by decimal shifting).

    >>> percent_text(0.0345), percent_text(1), percent_text(0.001)
    ('3.45%', '100%', '0.1%')
    """
    d = (Decimal(repr(value)) if isinstance(value, float) else Decimal(value)).scaleb(2)
    text = format(d.normalize(), "f")
    return text + "%"


def cell_text(value: object, number_format: str | None, spec: F.Field | None) -> str:
    """What a CSV export of the cell holds, for the field parsers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        if number_format and "%" in number_format:
            return percent_text(value)
        return number_text(value)
    if isinstance(value, (dt.datetime, dt.date)):
        if spec is not None and spec.type == F.YEAR:
            return str(value.year)
        return value.isoformat()
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    return str(value)


class XlsxSource:
    """The first sheet (or ``sheet``) of a workbook: the header and then chunks of cells."""

    def __init__(self, path: Path, sheet: str | None = None):
        try:
            from openpyxl import load_workbook
        except ImportError:  # pragma: no cover - depends on the install
            raise InputError(f"reading .xlsx needs openpyxl: {INSTALL_HINT}", Location(file=str(path))) from None
        import zipfile

        self.path = path
        try:
            self.book = load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise InputError(f"not a readable .xlsx workbook ({exc}); save it from Excel as 'Excel 工作簿 (*.xlsx)' "
                             f"or as CSV", Location(file=str(path))) from None
        names = self.book.sheetnames
        if sheet is None:
            self.ws = self.book.worksheets[0]
        elif sheet in names:
            self.ws = self.book[sheet]
        else:
            import difflib

            close = difflib.get_close_matches(sheet, names, n=1, cutoff=0.4)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            raise InputError(f"no sheet named {sheet!r}{hint}; the workbook has {', '.join(map(repr, names))}",
                             Location(file=str(path), field="--sheet"))
        self.sheet = self.ws.title
        self.rows = self.ws.iter_rows()
        try:
            head = next(self.rows)
        except StopIteration:
            raise InputError("the sheet is empty; its first row must name the columns (name,jurisdiction,year,…)",
                             Location(file=str(path), line=1)) from None
        names_row = [cell_text(c.value, None, None).strip() for c in head]
        while names_row and not names_row[-1]:
            names_row.pop()
        if not names_row:
            raise InputError("the first row of the sheet is empty; it must name the columns (name,jurisdiction,"
                             "year,…)", Location(file=str(path), line=1))
        self.names = names_row

    def estimated_rows(self) -> int:
        """The data rows the sheet says it has (its dimension; an upper bound)."""
        return max((self.ws.max_row or 1) - 1, 0)

    def chunks(self, header: Header, size: int = ROWS_PER_CHUNK) -> Iterator[csvio.Cells]:
        """The data rows as ``csvio.Cells``, ``size`` rows at a time (row 1 is the sheet's line 2)."""
        k = len(header.names)
        specs: list[F.Field | None] = list(header.fields)
        money = [spec is not None and spec.type in (F.MONEY, F.MONEY_LIST) for spec in specs]
        pieces: list[bytes] = []
        starts: list[int] = []
        lengths: list[int] = []
        rows: list[int] = []
        lines: list[int] = []
        problems: list[csvio.RowProblem] = []
        blank = 0
        pos = 0
        for line, cells in enumerate(self.rows, start=2):
            texts = [cell_text(c.value, getattr(c, "number_format", None), specs[j] if j < k else None)
                     for j, c in enumerate(cells)]
            row = line - 1
            while len(texts) > k and not texts[-1]:
                texts.pop()
            inexact = next((j for j, c in enumerate(cells[:k]) if money[j] and _beyond_units(c.value)), None)
            if not any(texts):
                blank += 1
            elif inexact is not None:
                problems.append(csvio.RowProblem(
                    row, header.names[inexact], csvio._clip(texts[inexact]),
                    "the cell holds a number with more than 4 decimals (a result of floating-point arithmetic?); "
                    "amounts are exact to 1/10000 yuan: round it in the sheet (=ROUND(…,2)) or type the amount",
                    line, _name(texts, header)))
            elif len(texts) > k:
                problems.append(csvio.RowProblem(row, "", csvio._clip(",".join(texts)),
                                                 f"the row has {len(texts)} cells, the header has {k} columns",
                                                 line, _name(texts, header)))
            else:
                texts += [""] * (k - len(texts))
                rows.append(row)
                lines.append(line)
                for t in texts:
                    b = t.encode("utf-8")
                    starts.append(pos)
                    lengths.append(len(b))
                    pieces.append(b)
                    pos += len(b)
            if len(rows) + len(problems) + blank >= size:
                yield csvio.cells_of(pieces, starts, lengths, rows, lines, k, problems, blank)
                pieces, starts, lengths, rows, lines, problems, blank, pos = [], [], [], [], [], [], 0, 0
        if rows or problems or blank:
            yield csvio.cells_of(pieces, starts, lengths, rows, lines, k, problems, blank)

    def close(self) -> None:
        self.book.close()


def _beyond_units(value: object) -> bool:
    """A stored float whose exact decimal form has more than 4 decimals (money is kept in 1/10000 yuan)."""
    if not isinstance(value, float) or not math.isfinite(value):
        return False
    exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    return isinstance(exponent, int) and exponent < -4


def _name(texts: Sequence[str], header: Header) -> str:
    j = header.index("name")
    return csvio._clip(texts[j].strip(), 60) if j is not None and j < len(texts) else ""


# ---------------------------------------------------------------- writing

AMOUNT, INTEGER, TEXT = range(3)


class XlsxSink:
    """Result rows (as the CSV lines ``batch_output`` makes) into a worksheet, typed."""

    def __init__(self, path: Path, header: Sequence[str], amount_columns: Sequence[str],
                 headings: Sequence[str] | None = None):
        """``header``: the column names (they decide each column's type); ``headings``: the header row as shown
        (the same names, or their Chinese names with --lang zh)."""
        try:
            import xlsxwriter
        except ImportError:  # pragma: no cover - depends on the install
            raise InputError(f"--format xlsx needs XlsxWriter: {INSTALL_HINT}", Location(field="--format")) from None
        self.wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                                  "strings_to_numbers": False, "strings_to_urls": False})
        self.ws = self.wb.add_worksheet("results")
        self.budget_ws = self.wb.add_worksheet("budget")
        self.money = self.wb.add_format({"num_format": "#,##0.00"})
        self.bold = self.wb.add_format({"bold": True})
        amounts = set(amount_columns)
        self.kinds = [AMOUNT if c in amounts else INTEGER if c in ("row", "year") else TEXT for c in header]
        shown = list(headings) if headings is not None else list(header)
        self.widths = [max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in c) + 3, 8)
                       for c in shown]  # room for the filter button
        for c, name in enumerate(shown):
            self.ws.write_string(0, c, name, self.bold)
        self.ncols = len(header)
        self.rows = 0

    def write(self, data: bytes) -> None:
        ws, money, kinds, widths = self.ws, self.money, self.kinds, self.widths
        write_number, write_string = ws.write_number, ws.write_string
        r = self.rows
        sample = r < WIDTH_SAMPLE
        for record in csv.reader(io.StringIO(data.decode("utf-8"), newline="")):
            r += 1
            if r > XLSX_MAX_ROWS:  # pragma: no cover - checked before writing starts (check_rows)
                raise InputError(f"more than {XLSX_MAX_ROWS:,} result rows do not fit in one Excel sheet; use "
                                 f"--format csv", Location(field="--format"))
            for c, v in enumerate(record):
                if not v:
                    continue
                kind = kinds[c]
                if kind == AMOUNT:
                    # Excel stores every number as an IEEE double: the decimal text "12345.67" (computed exactly,
                    # in fen) becomes the double nearest to it, which reads back as the same text for every
                    # amount below 10^13 yuan (15 significant digits); no arithmetic is done on it here
                    write_number(r, c, float(v), money)
                elif kind == INTEGER:
                    write_number(r, c, int(v))
                else:
                    write_string(r, c, v)
            if sample:
                for c, v in enumerate(record):
                    w = _display_width(v, kinds[c])
                    widths[c] = max(widths[c], w)
                sample = r < WIDTH_SAMPLE
        self.rows = r

    def write_budget(self, report: BatchReport) -> None:
        """The budget view: per policy, every clause's companies, outlay, raw amount and what caps saved."""
        ws, money, bold = self.budget_ws, self.money, self.bold
        cols = ["policy", "clause", "basis", "companies granted", "of which capped", "amount", "raw amount",
                "saved", "saved by item/clause caps", "saved by exclusive group", "saved by company cap"]
        for c, name in enumerate(cols):
            ws.write_string(0, c, name, bold)
        r = 0
        for b in report.budgets.values():
            for cb in b.clauses.values():
                r += 1
                ws.write_string(r, 0, b.policy)
                ws.write_string(r, 1, cb.id)
                ws.write_string(r, 2, cb.basis)
                ws.write_number(r, 3, cb.granted)
                ws.write_number(r, 4, cb.statuses[1])
                for c, fen in enumerate((cb.amount, cb.raw, cb.saved, cb.saved_item_cap + cb.saved_clause_cap,
                                         cb.saved_group, cb.saved_company_cap), start=5):
                    ws.write_number(r, c, fen / 100, money)
            r += 1
            ws.write_string(r, 0, b.policy, bold)
            ws.write_string(r, 1, f"total ({b.companies:,} companies, {b.with_amount:,} with an amount; "
                                  f"company cap applied to {b.company_cap_hits:,})", bold)
            for c, fen in ((5, b.total), (6, b.raw), (7, b.raw - b.total)):
                ws.write_number(r, c, fen / 100, money)
            if b.exact_is_range:  # SPEC 9.2: the exact outlay as a range
                for label, fen in (("total, exact (at least)", b.total_exact), ("total, exact (at most)", b.exact_max)):
                    r += 1
                    ws.write_string(r, 0, b.policy)
                    ws.write_string(r, 1, label)
                    ws.write_number(r, 5, fen / 100, money)
            if b.not_in_force:  # SPEC 9.3: the companies whose year the policy does not cover
                r += 1
                ws.write_string(r, 0, b.policy)
                ws.write_string(r, 1, explain.not_in_force(b.not_in_force, b.not_in_force_years, b.valid_until,
                                                           b.successor))
            r += 1
        ws.set_column(0, 0, max([len(p) for p in report.budgets] + [10]) + 2)
        ws.set_column(1, 1, 28)
        ws.set_column(2, 2, 8)
        ws.set_column(3, len(cols) - 1, 18)
        ws.freeze_panes(1, 0)

    def close(self) -> None:
        for c, w in enumerate(self.widths):
            self.ws.set_column(c, c, min(w, 60))
        self.ws.freeze_panes(1, 0)
        self.ws.autofilter(0, 0, max(self.rows, 1), self.ncols - 1)
        self.wb.close()


def _display_width(text: str, kind: int) -> int:
    if kind == AMOUNT and text:
        whole = text.split(".")[0]
        return len(whole) + (len(whole) - 1) // 3 + 5  # thousands separators, two decimals
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text) + 2  # CJK characters are two columns wide

