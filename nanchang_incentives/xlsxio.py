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

Writing (``XlsxSink``: the worksheet XML is made directly, row by row, and
zipped; no spreadsheet library): amounts are numbers with the format
``#,##0.00`` (a double holds 15 significant digits, so every amount below
10^13 yuan is exact to the fen), counts and years are numbers, text is
always an inline string (a name ``=HYPERLINK(…)`` stays text, never a
formula; control characters as ``_xHHHH_``); the header row is frozen and has an autofilter,
column widths fit the content, and a second sheet holds the budget view.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import math
import re
import tempfile
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from . import csvio, explain
from . import fields as F
from .errors import InputError, Location
from .filekinds import OLE2_MAGIC, ZIP_MAGIC
from .money import EXCEL_DAY_YEARS, format_fen_grouped
from .text import column_letter

#: a money cell of a workbook holding a float finer than the 1/10000 yuan amounts are exact to
INEXACT_MESSAGE = ("the cell holds a number with more than 4 decimals (a result of floating-point arithmetic?); "
                   "amounts are exact to 1/10000 yuan: round it in the sheet (=ROUND(…,2)) or type the amount")

if TYPE_CHECKING:
    from .batch import BatchReport, PolicyBudget
    from .batch_table import Header

XLSX_MAX_ROWS = 1_048_575  # an Excel sheet's 1,048,576 rows, less the header
INSTALL_HINT = "pip install 'nanchang-incentives[xlsx]' (from a checkout: pip install '.[xlsx]')"
ROWS_PER_CHUNK = 10_000
WIDTH_SAMPLE = 500  # column widths are fitted to the header and the first rows


#: the start of an HTML page or an XML document (after a BOM and white space): never a CSV's or a workbook's
_MARKUP = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<(?:!doctype\s+html|html|head|body|table|meta|\?xml|style)\b",
                     re.IGNORECASE)


def refuse_compound_file(path: Path, shown: str) -> None:
    """An old-format (.xls, .et) or password-protected workbook is refused with what to do, not read as CSV text.

    Both are stored as an OLE2 Compound File, which no reader here opens: read as text, it would be called
    "not UTF-8", and openpyxl calls it "not a zip file".
    """
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return
    save = "save it as 'Excel 工作簿 (*.xlsx)' or as 'CSV UTF-8 (逗号分隔)'"
    if _MARKUP.match(head):  # an HTML table or an Excel 2003 XML sheet, as government systems export under .xls
        raise InputError(f"is a web page (HTML) or an XML spreadsheet, not a workbook or CSV, although it may be "
                         f"named .xls: systems that export a table often write one; open it in Excel or WPS and "
                         f"{save}", Location(file=shown))
    if not head.startswith(OLE2_MAGIC):
        return
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        msg = ("is a password-protected workbook (or an old .xls renamed), which cannot be read: open it in Excel "
               "or WPS, remove the password (Excel: 文件 → 信息 → 保护工作簿 → 用密码进行加密, clear it; WPS: 文件 → "
               f"文档加密) and {save}")
    else:
        msg = ("is an Excel 97–2003 (.xls) or WPS (.et) workbook, which is not read: open it in Excel or WPS and "
               f"{save} (if it asks for a password, remove that first)")
    raise InputError(msg, Location(file=shown))


def is_xlsx(path: Path) -> bool:
    """An .xlsx (a zip file) by its first bytes, else by its suffix (``csvio.is_kind``)."""
    return csvio.is_kind(path, (".xlsx", ".xlsm"), ZIP_MAGIC)


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
        shown = _percent_sign(number_format, value) if number_format and "%" in number_format else None
        if shown == "scaled":
            return percent_text(value)
        if shown == "literal":  # 3.45 shown as "3.45%" by 0.00"%": the rate the sheet shows, not 345%
            return number_text(value) + "%"
        return number_text(value)
    if isinstance(value, (dt.datetime, dt.date)):
        if spec is not None and spec.type == F.YEAR:  # the year; a year typed into a date cell shows as 1905-07-16
            # (1909-07-17 in a workbook of the 1904 date system)
            return value.isoformat()[:10] if value.year in EXCEL_DAY_YEARS else str(value.year)
        return value.isoformat()
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    text = str(value)
    return _OOXML_CHAR.sub(_ooxml_char, _OOXML_PAIR.sub(_ooxml_pair, text)) if "_x" in text else text


#: a character Excel stored the OOXML way, _xHHHH_: a CR (Alt+Enter on some systems, text pasted from other
#: programs, "\r" from XlsxWriter), a tab, a control character. openpyxl turns back only the escaped underscore
#: (_x005F_), so "25亿_x000D_" would be no amount; a text typed as "_x000D_" is thus read as the character, a
#: price of openpyxl having already dropped the _x005F_ that told the two apart
_OOXML_CHAR = re.compile(r"_x([0-9A-Fa-f]{4})_")


_OOXML_PAIR = re.compile(r"_x(D[89AB][0-9A-F]{2})__x(D[C-F][0-9A-F]{2})_", re.IGNORECASE)  # a UTF-16 surrogate pair


def _ooxml_char(m: re.Match[str]) -> str:
    code = int(m.group(1), 16)
    return m.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)  # half a pair stays as it was written


def _ooxml_pair(m: re.Match[str]) -> str:
    return chr(0x10000 + ((int(m.group(1), 16) - 0xD800) << 10) + int(m.group(2), 16) - 0xDC00)


def _format_section(number_format: str, value: float) -> str:
    """The section of a number format that shows ``value`` (positive;negative;zero;text)."""
    sections, start, i, n = [], 0, 0, len(number_format)
    while i < n:
        ch = number_format[i]
        if ch == '"':
            close = number_format.find('"', i + 1)
            i = n if close < 0 else close + 1
            continue
        if ch in "\\_*":
            i += 2
            continue
        if ch == "[":
            close = number_format.find("]", i + 1)
            i = n if close < 0 else close + 1
            continue
        if ch == ";":
            sections.append(number_format[start:i])
            start = i + 1
        i += 1
    sections.append(number_format[start:])
    if len(sections) >= 3 and value == 0:
        return sections[2]
    if len(sections) >= 2 and value < 0:
        return sections[1]
    return sections[0]


def _percent_sign(number_format: str, value: float) -> str | None:
    """How the format shows a ``%`` for ``value``: "scaled" (``0.00%``: the number × 100, as Excel does),
    "literal" (``0.00"%"``, ``0.00\\%``: text after the number as it is), or None.

    >>> [_percent_sign(f, 0.5) for f in ('0.00%', '0.00"%"', '0.00\\\\%', '0.0"%";-0.0%', '[Red]0%', '#,##0.00', '0_%')]
    ['scaled', 'literal', 'literal', 'literal', 'scaled', None, None]
    >>> _percent_sign('0.0"%";-0.0%', -0.5)
    'scaled'
    """
    section = _format_section(number_format, value)
    literal = False
    i, n = 0, len(section)
    while i < n:
        ch = section[i]
        if ch == '"':
            close = section.find('"', i + 1)
            literal = literal or "%" in section[i + 1:(n if close < 0 else close)]
            i = n if close < 0 else close + 1
            continue
        if ch in "\\_*":  # an escaped character (shown as it is), a space as wide as one, a fill character
            literal = literal or (ch == "\\" and section[i + 1:i + 2] == "%")
            i += 2
            continue
        if ch == "[":  # [Red], [$-804], [>=100]
            close = section.find("]", i + 1)
            i = n if close < 0 else close + 1
            continue
        if ch == "%":
            return "scaled"
        i += 1
    return "literal" if literal else None


#: what openpyxl raises on a cell it cannot parse (a number cell holding text, a bad shared-string index …)
#: what openpyxl raises on a workbook not written as Excel writes one: a malformed or cut XML part (an
#: ElementTree/lxml ParseError is a SyntaxError), a damaged compressed part (zlib.error, a bad CRC, a cut file)
_PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, SyntaxError, zlib.error,
                 zipfile.BadZipFile, EOFError)



def _holds_cells(ws: Any, rows: int = 20) -> bool:
    """Whether a sheet has a value in its first ``rows`` rows (a table, a title, a note); an unreadable one
    counts as holding something."""
    try:
        return any(v is not None and str(v).strip() for row in ws.iter_rows(max_row=rows, values_only=True)
                   for v in row)
    except _PARSE_ERRORS:
        return True


def _why(exc: Exception) -> str:
    """An openpyxl failure in words: a ParseError's "line 1, column 201" is of an XML part inside the file."""
    if isinstance(exc, SyntaxError):
        return f"a damaged XML part inside the file: {exc}"
    if isinstance(exc, zlib.error):
        return f"a damaged compressed part inside the file: {exc}"
    return str(exc)


def _not_a_workbook(path: Path) -> str | None:
    """Why a file that openpyxl cannot open, and that starts as a zip file (an .xlsx is one), is no workbook:
    a zip cut short or damaged (a download or copy that broke off: its directory, at the end, is missing), or a
    zip archive of something else (CSV files zipped, an OpenDocument .ods); None for anything else."""
    try:
        with open(path, "rb") as f:
            if f.read(len(ZIP_MAGIC)) != ZIP_MAGIC:
                return None
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            mimetype = z.read("mimetype")[:200] if "mimetype" in names else b""
    except OSError:
        return None
    except (zipfile.BadZipFile, EOFError, ValueError, KeyError, zlib.error):
        return ("not a readable .xlsx workbook: the file begins as a zip file, as an .xlsx does, but is damaged or "
                "incomplete (a download or a copy cut short?); download or copy it again, or save it again from Excel or WPS "
                "as 'Excel 工作簿 (*.xlsx)' or as CSV")
    if any(n.lower() == "[content_types].xml" for n in names):
        return None  # a workbook's frame (openpyxl's own message says what is wrong inside)
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        return ("not an Excel workbook: it is an OpenDocument file (.ods, saved by LibreOffice or WPS), a zip archive "
                "batch does not read; open it in WPS, Excel or LibreOffice and save it as 'Excel 工作簿 (*.xlsx)' or "
                "as CSV")
    held = ", ".join(repr(n) for n in names[:3]) + (" …" if len(names) > 3 else "")
    return (f"not an Excel workbook: it is a zip archive{f' (holding {held})' if names else ' (empty)'}, not an "
            f".xlsx; unzip it and give batch the file inside, or open the table in Excel or WPS and save it as "
            f"'Excel 工作簿 (*.xlsx)' or as CSV")


class XlsxSource:
    """The first sheet (or ``sheet``) of a workbook: the header and then chunks of cells."""

    def __init__(self, path: Path, sheet: str | None = None):
        try:
            from openpyxl import load_workbook
        except ImportError:  # pragma: no cover - depends on the install
            raise InputError(f"reading .xlsx needs openpyxl: {INSTALL_HINT}", Location(file=str(path))) from None

        from openpyxl.utils.exceptions import InvalidFileException

        self.path = path
        self._files: list[BinaryIO] = []
        self.formulas: Iterator[tuple] | None = None
        # openpyxl's warnings are about what it would drop on writing the workbook back (a 是/否 drop-down list:
        # "Data Validation extension is not supported"), or a default style: nothing of what is read; they are
        # not the user's business and reached the terminal, -q or not
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl(\.|$)")
        try:
            # from an open file: openpyxl refuses a name without an Excel suffix (standard input is read from a
            # temporary '.part' file, a workbook may be saved as 'clients' or 'clients.xlsx.bak')
            self.book = load_workbook(self._open(), read_only=True, data_only=True)
        except (OSError, AttributeError, InvalidFileException, *_PARSE_ERRORS) as exc:
            self._close_files()
            raise InputError(_not_a_workbook(path) or f"not a readable .xlsx workbook ({_why(exc)}); save it from "
                             f"Excel as 'Excel 工作簿 (*.xlsx)' or as CSV", Location(file=str(path))) from None
        names = self.book.sheetnames
        tables = [ws.title for ws in self.book.worksheets]  # (a chart sheet is not one)
        if not tables:
            why = (" (it was saved as 'Strict Open XML 电子表格', which openpyxl does not read)" if _is_strict(self.book)
                   else "")
            self.close()
            raise InputError(f"the workbook has no worksheet that can be read{why}: save it from Excel or WPS as "
                             f"'Excel 工作簿 (*.xlsx)' or as CSV", Location(file=str(path)))
        if sheet is not None and sheet not in names:  # Excel's sheet names ignore case: "data" is "Data"; and a
            same = [n for n in names if n.strip().casefold() == sheet.strip().casefold()]  # space typed after one
            if len(same) == 1:
                sheet = same[0]
        if sheet is not None and sheet in names and sheet not in tables:
            self.close()
            raise InputError(f"sheet {sheet!r} is a chart sheet, not a table of companies; choose a worksheet: "
                             f"{', '.join(map(repr, tables))}", Location(file=str(path), field="--sheet"))
        if sheet is None:  # the first sheet Excel shows: a hidden one (a lookup table, a template) is not it
            self.ws = next((ws for ws in self.book.worksheets if ws.sheet_state == "visible"),
                           self.book.worksheets[0])
        elif sheet in names:
            self.ws = self.book[sheet]
        else:
            import difflib

            close = difflib.get_close_matches(sheet, names, n=1, cutoff=0.4)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            raise InputError(f"no sheet named {sheet!r}{hint}; the workbook has {', '.join(map(repr, names))}",
                             Location(file=str(path), field="--sheet"))
        self.sheet = self.ws.title
        # the sheet's stated dimension (A1:XFD1048576 when one cell far away is formatted) is an upper bound only:
        # read the rows and cells the file holds, never a 1,048,576 × 16,384 grid of empty cells padded to it
        self.dimension_rows = self.ws.max_row or 1
        (has_formulas, self.merged, self.hidden, self.hidden_columns, self.heading_spans,
         self.raised_cells) = _scan_sheet(self.book, self.ws)
        self.ws.reset_dimensions()
        self.rows = self.ws.iter_rows()
        self.footnoted = _raised_runs(self.book)
        self.struck_styles = _struck_styles(self.book)  # a whole cell struck through by its font (Ctrl+5)
        # Formulas: data_only gives each one's saved result, or None when none was saved (a workbook written by
        # openpyxl); a workbook that asks to be recalculated on opening (fullCalcOnLoad: XlsxWriter, openpyxl)
        # was never calculated by a spreadsheet, so its saved results (XlsxWriter writes 0) are not the figures.
        # Only a sheet that has formulas is read a second time, for them.
        self.recalc = False
        if has_formulas:
            self.recalc = _asks_recalculation(self.book)
            from openpyxl import load_workbook as _load

            try:
                self.formula_book = _load(self._open(), read_only=True, data_only=False)
            except (OSError, AttributeError, *_PARSE_ERRORS) as exc:
                self.close()
                raise InputError(f"not a readable .xlsx workbook ({_why(exc)}); save it from Excel as 'Excel 工作簿 "
                                 f"(*.xlsx)' or as CSV", Location(file=str(path))) from None
            formula_sheet = self.formula_book[self.sheet]
            formula_sheet.reset_dimensions()  # as the sheet itself: the rows the file holds
            self.formulas = formula_sheet.iter_rows()
            next(self.formulas, None)
        try:
            head = next(self.rows)
        except StopIteration:
            others = self.other_sheets()  # a cover sheet first, the data on the next: say where else to look
            which = (f" (this is sheet {self.sheet!r} of the workbook, which also has {', '.join(map(repr, others))}: "
                     f"another is read with --sheet NAME)") if others else ""
            self.close()
            raise InputError(f"the sheet is empty; its first row must name the columns (name,jurisdiction,year,…)"
                             f"{which}", Location(file=str(path), line=1)) from None
        except _PARSE_ERRORS as exc:
            raise self._unreadable(exc, 1) from None
        names_row = [csvio.heading(cell_text(c.value, None, None)) for c in head]
        while names_row and not names_row[-1] and len(names_row) - 1 not in self.heading_spans:
            names_row.pop()
        # the second half of a heading merged across the last columns is a column (the file may hold no cell
        # for it in line 1)
        names_row += [""] * (max((j + 1 for j, (first, _) in self.heading_spans.items() if first < len(names_row)),
                                 default=0) - len(names_row))
        self.names = names_row  # [] for an empty first row: batch._bound_header says where the header is

    def first_rows(self, n: int) -> list[list[str]]:
        """The sheet's first ``n`` rows as headings (for saying where its header is)."""
        return [[csvio.heading(cell_text(c.value, None, None)) for c in row]
                for row in self._readable(self.ws.iter_rows(min_row=1, max_row=n), 0)]

    def other_sheets(self) -> list[str]:
        """The workbook's other visible sheets that hold something (what --sheet could have chosen): not the
        empty Sheet2 and Sheet3 that Excel 2010 and WPS put in every new workbook."""
        return [ws.title for ws in self.book.worksheets
                if ws.title != self.sheet and ws.sheet_state == "visible" and _holds_cells(ws)]

    def estimated_rows(self) -> int:
        """The data rows the sheet says it has (its dimension; an upper bound)."""
        return max(self.dimension_rows - 1, 0)

    def filled_rows(self) -> int:
        """The data rows with at least one value (a sheet formatted far below its data says it has more)."""
        return sum(1 for row in self._readable(self.ws.iter_rows(min_row=2, values_only=True))
                   if any(v is not None and (not isinstance(v, str) or v.strip()) for v in row))

    def _readable(self, rows: Iterator[tuple], line: int = 1) -> Iterator[tuple]:
        """The sheet's rows (after line ``line``), or a message naming the line openpyxl could not parse: a cell
        that is not what its type says (``<c t="n"><v>INF</v></c>``), which Excel and WPS never write."""
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                return
            except _PARSE_ERRORS as exc:
                raise self._unreadable(exc, line + 1) from None
            line += 1
            yield cells

    def _unreadable(self, exc: Exception, line: int) -> InputError:
        return InputError(f"this row of sheet {self.ws.title!r} cannot be read ({_why(exc)}): the workbook was not written "
                          f"the way Excel or WPS writes one; open it in Excel or WPS and save it again (or save it "
                          f"as CSV)", Location(file=str(self.path), line=line))

    def chunks(self, header: Header, size: int = ROWS_PER_CHUNK) -> Iterator[csvio.Cells]:
        """The data rows as ``csvio.Cells``, ``size`` rows at a time (row 1 is the sheet's line 2)."""
        k = len(header.names)
        specs: list[F.Field | None] = list(header.fields)
        money = [spec is not None and spec.type in (F.MONEY, F.MONEY_LIST) for spec in specs]
        counted = header.counted if any(header.counted) else (True,) * k
        # a 行业 of a line's own under a merged name is its own (a second industry), not the name's filled down
        template = [spec is not None and spec.type == F.TAGS and not counted[j] for j, spec in enumerate(specs)]
        aside = [j for j, own in enumerate(header.unread) if own]  # 序号, 备注 …: a unit note there too
        good = csvio.CellRows()
        problems: list[csvio.RowProblem] = []
        blank = 0
        # empty rows are counted as skipped only when a row with a value follows: the rows a sheet formatted far
        # below its data holds (to line 1,048,576) are not rows anybody left blank
        pending = 0
        tops: dict[int, str] = {}  # column -> the text of the first row of the merged range it is in
        name_j = header.index("name")
        company: list[str] = []
        notes: list[tuple[int, int, str]] = []  # Cells.notes
        # a name merged down over several lines: its last line, by its first; and the first line's row while it is
        # open (line, index in ``good`` or -1, data row, name, the range), so that it is refused too when a line
        # below holds a figure of its own (it alone is not the company: its total would be short by those figures)
        name_spans: dict[int, int] = {}
        if name_j is not None:
            for (at, j), (first, _ref) in self.merged.items():
                if j == name_j and at > first:
                    name_spans[first] = max(name_spans.get(first, first), at)
        open_name: tuple[int, int, int, str, str] | None = None
        year_j = header.index("year")
        refused_first: set[int] = set()
        for line, cells in enumerate(self._readable(self.rows), start=2):
            texts = [cell_text(c.value, getattr(c, "number_format", None), specs[j] if j < k else None)
                     for j, c in enumerate(cells)]
            row = line - 1
            merged = self._merged_cells(line, texts, tops, k)
            if name_j is not None and self.merged.get((line, name_j), (0, ""))[0] == line:
                company = list(texts)  # the first row of a name merged over several: its projects' first figures
            while len(texts) > k and not texts[-1].strip():  # (a space typed right of the table: as in the CSV)
                texts.pop()
            formulas = next(self.formulas, ()) if self.formulas is not None else ()
            if merged and not any(t.strip() for j, t in enumerate(texts) if j >= k or counted[j]
                                  or (template[j] and t.strip() != (company[j].strip() if j < len(company) else ""))):
                pending += 1  # only the lower part of merged cells (a row made tall): nothing of its own, blank
                continue  # (a 行业 of its own under a merged name is its own, not the name's filled down)
            # what only a workbook can hold wrong: formulas with no trustworthy result, floats finer than
            # 1/10000 yuan, amounts whose number format shows them in 万 (every such cell of the row)
            sheet: list[tuple[int, str, str]] = []  # (column, value, message)
            for j, (ref, top) in merged.items():  # a cell below the first of a merged range (SheetMerge)
                spec = specs[j]
                if spec is not None and spec.type in _FILLED_DOWN:
                    texts[j] = top  # 所在地 / 年度 / 行业 merged over several companies: each has that value
                elif top.strip() and not (spec is not None and spec.type == F.IGNORED):  # (备注 merged: not read)
                    why = (f"the cell is part of the merged range {ref}, whose value {top!r} is in its first row "
                           f"only: an amount is never copied to the other rows; unmerge the cells (取消合并单元格) and "
                           f"give each row its own figure")
                    if name_j is not None and name_j in merged:  # the company's name merged over it too
                        why += _projects_advice(texts, specs, header, merged[name_j][0], company)
                    sheet.append((j, "", why))
            other_year = (year_j is not None and year_j not in merged and year_j < min(len(texts), len(company))
                          and bool(texts[year_j].strip()) and texts[year_j].strip() != company[year_j].strip())
            if name_j is not None and name_j in merged and not other_year:  # a line under a merged name, with
                name_ref = merged[name_j][0]  # figures of its own (another year's line is the company's own)
                if not sheet:  # (its amount cells are its own: two lines of one company, its cap counted twice)
                    sheet.append((name_j, "", (
                        f"the company's name is merged over this line ({name_ref}), which holds figures of its own: "
                        f"read as a company it would be the same company twice, each line with part of its "
                        f"figures (its revenue-based clauses and its cap counted twice)"
                        + _projects_advice(texts, specs, header, name_ref, company))))
                if open_name is not None and open_name[0] not in refused_first and open_name[1] >= 0:
                    first_line, at, first_row, first_name, _ = open_name
                    refused_first.add(first_line)
                    good.refused.append((at, (name_j,)))
                    problems.append(csvio.RowProblem(first_row, header.names[name_j], first_name, (
                        f"the company's name is merged over lines {first_line}-{name_spans[first_line]} "
                        f"({name_ref}) and line {line} below holds figures of its own: this line alone is not "
                        f"the whole company, so it is not computed (its total would leave those figures "
                        f"out); give the company one row, with each project's amount in the same cell "
                        f"separated by ';'"), first_line, first_name))
            for j, (first_col, ref) in self.heading_spans.items():  # under a heading merged across line 1
                spec = specs[first_col] if first_col < len(specs) else None  # (not the second half of a merged
                if spec is None or spec.type == F.IGNORED or spec.name == "name":  # 备注 or 企业名称: text, not read)
                    continue
                if j < min(len(texts), k) and texts[j].strip() and (j + 1) in header.unnamed and first_col < k:
                    heading = (header.headings or header.names)[first_col]
                    why = (f"the cell is under the heading {heading!r}, which is merged over {ref}: batch reads one "
                           f"column per heading, so this one has none and its figure would be left out; unmerge "
                           f"the heading (取消合并单元格) and give the column its own heading")
                    if spec.type in (F.MONEY_LIST, F.TAGS):
                        lead = texts[first_col].strip() if first_col < len(texts) else ""
                        what = "industries" if spec.type == F.TAGS else "projects"
                        why += f", or write several {what} in one cell separated by ';' ({heading} {lead};" \
                               f"{texts[j].strip()})"
                    sheet.append((first_col, csvio._clip(texts[j]), why))  # (the field the heading names)
            if not _totals_like(texts, header):  # a totals row is skipped unread (batch_table._drop_totals)
                sheet += _error_values(cells, texts, specs)
                sheet += self._formula_problems(formulas, cells, texts, header)
                for j, c in enumerate(cells[:k]):
                    if not money[j] or any(j == s[0] for s in sheet):
                        continue
                    if isinstance(c.value, (dt.date, dt.time)):  # "1-9" or "3/4" typed in a General cell
                        shown = c.value.isoformat().removesuffix("T00:00:00")
                        sheet.append((j, shown, (
                            f"the cell holds a date ({shown}), not an amount: Excel turns what looks like a date "
                            f"(1-9, 3/4) into one as it is typed; format the cell as 文本 (text) or 数值 (number) "
                            f"and type the amount again (e.g. 25000万 or 250000000)")))
                    elif _beyond_units(c.value, UNIT_DECIMALS.get(header.units[j] if j < len(header.units) else "",
                                                                0)):
                        sheet.append((j, csvio._clip(texts[j]), INEXACT_MESSAGE))
                    elif isinstance(c.value, (int, float)) and not isinstance(c.value, bool) and c.value != 0 \
                            and (power := format_scale(getattr(c, "number_format", None), c.value)):
                        sheet.append((j, csvio._clip(texts[j]), _scaled_message(texts[j], power, str(
                            getattr(c, "number_format", "")), c.value)))
                    elif isinstance(c.value, (int, float)) and c.value != 0 \
                            and _unit_in_format(getattr(c, "number_format", None), c.value):
                        fmt = str(getattr(c, "number_format", ""))
                        unit = _unit_in_format(fmt, c.value)
                        sheet.append((j, csvio._clip(texts[j]), (
                            f"the cell holds the number {texts[j]}, which its number format {fmt!r} shows in {unit}; "
                            f"the stored number is what is read, and whether it is yuan or {unit} depends on the "
                            f"format: type the amount with its unit as text (e.g. {texts[j]}{unit}) or in yuan with "
                            f"a plain number format")))
                for j, c in enumerate(cells[:k]):  # 0"0000" shows 40000 as 400000000, ;;; shows nothing
                    spec = specs[j]
                    if spec is None or spec.type not in _NUMERIC or isinstance(c.value, bool) \
                            or not isinstance(c.value, (int, float)) or any(j == s[0] for s in sheet):
                        continue
                    code = getattr(c, "number_format", None)
                    if (hidden := hidden_figure(code, c.value)) is not None:
                        sheet.append((j, csvio._clip(texts[j]), _hidden_message(texts[j], str(code), *hidden)))
                for j, c in enumerate(cells[:k]) if self.struck_styles else ():  # a cell struck through (Ctrl+5)
                    spec = specs[j]
                    if spec is None or spec.type not in _STRUCK_READ or getattr(c, "_style_id", 0) not in \
                            self.struck_styles or not texts[j].strip() or any(j == s[0] for s in sheet):
                        continue
                    sheet.append((j, csvio._clip(texts[j]), _struck_message(texts[j], texts[j])))
                for j, c in enumerate(cells[:k]) if self.footnoted or self.raised_cells else ():  # 5000000¹
                    spec = specs[j]
                    marks = self.raised_cells.get((line, j)) or self.footnoted.get(c.value) \
                        if isinstance(c.value, str) else None
                    if marks is None or spec is None or any(j == s[0] for s in sheet):
                        continue
                    up, struck = marks
                    if struck.strip() and spec.type in _STRUCK_READ:  # 300万;~~900万~~
                        sheet.append((j, csvio._clip(texts[j]), _struck_message(c.value, struck)))
                    elif up.strip() and spec.type in _NUMERIC:
                        sheet.append((j, csvio._clip(texts[j]), _raised_message(c.value, up)))
            # empty, or spaces only, or values in bookkeeping columns only (a template's 序号 1, 2, 3 … below the
            # data): looks empty
            # (a totals row whose figures are formulas with no saved result, 合计 in its 序号 cell, is a totals row:
            # skipped and said, as its CSV export is, never dropped unsaid)
            if not any(t.strip() for j, t in enumerate(texts) if j >= k or counted[j]) and not sheet \
                    and not _totals_like(texts, header):
                pending += 1
                text = " ".join(t.strip() for t in texts if t.strip())  # a 序号 cell, or a unit note typed there
                if csvio.maybe_note(text):
                    notes.append((row, line, text))
                continue
            for j in aside:  # a company's row with a note on the unit in its 备注 cell (csvio._aside_notes)
                if j < len(texts) and csvio.maybe_aside_note(texts[j].strip()):
                    notes.append((row, line, texts[j].strip()))
            blank += pending
            pending = 0
            if name_j is not None and line in name_spans:  # the first line of a name merged down
                open_name = (line, -1 if sheet or len(texts) > k else len(good), row, _name(texts, header),
                             self.merged[(name_spans[line], name_j)][1])
            elif open_name is not None and line > name_spans[open_name[0]]:
                open_name = None
            if sheet:  # reported here; the row's other cells are parsed for their problems (Cells.refused)
                for j, value, message in sorted(sheet):
                    problems.append(csvio.RowProblem(row, header.names[j], value, message, line, _name(texts, header)))
                if len(texts) <= k:
                    cols = sorted({s[0] for s in sheet})
                    texts = [("" if j in cols else t) for j, t in enumerate(texts + [""] * (k - len(texts)))]
                    good.add(row, line, texts, refused=cols, hidden=line in self.hidden)
            elif len(texts) > k:
                problems.append(csvio.RowProblem(row, "", csvio._clip(csvio.joined(texts)),
                                                 csvio._count_message(len(texts), k, sheet=True),
                                                 line, _name(texts, header)))
            else:
                texts += [""] * (k - len(texts))
                good.add(row, line, texts, hidden=line in self.hidden)
            if len(good) + len(problems) + blank >= size and open_name is None:  # (never inside a merged name)
                yield replace(good.cells(k, problems, blank), notes=tuple(notes))
                good, problems, blank, notes = csvio.CellRows(), [], 0, []
        if len(good) or problems or blank or notes:
            yield replace(good.cells(k, problems, blank), notes=tuple(notes))

    def _merged_cells(self, line: int, texts: list[str], tops: dict[int, str], k: int) -> dict[int, tuple[str, str]]:
        """The cells of sheet line ``line`` that lie below the first row of a merged range of one column:
        column -> (the range, its value). The first row's text is remembered as it is read."""
        out: dict[int, tuple[str, str]] = {}
        for j in range(k):
            span = self.merged.get((line, j))
            if span is None:
                continue
            first, ref = span
            if first == line:
                tops[j] = texts[j] if j < len(texts) else ""
            elif j >= len(texts) or not texts[j].strip():
                out[j] = (ref, tops.get(j, ""))
        while len(texts) < max(out, default=-1) + 1:
            texts.append("")
        return out

    def _formula_problems(self, formulas: Sequence, cells: Sequence, texts: Sequence[str],
                          header: Header) -> list[tuple[int, str, str]]:
        """(column, formula, message) for each cell of the row whose formula has no trustworthy result."""
        out = []
        for j, fc in enumerate(formulas[:len(header.names)]):
            formula = fc.value
            if not (getattr(fc, "data_type", None) == "f" and isinstance(formula, str)) \
                    or header.fields[j].type == F.IGNORED:  # (a 序号 of =ROW()-1 is never read)
                continue
            value = cells[j].value if j < len(cells) else None
            # Excel saves a formula whose result is "" (=IF(…,"",…)) as t="str" with an empty <v/>: openpyxl
            # gives None, as for a formula never calculated (no t, <v/>, as openpyxl and other programs write it)
            empty_text = value is None and j < len(cells) and getattr(cells[j], "data_type", None) == "str"
            if value is None and not empty_text:
                out.append((j, csvio._clip(formula), (
                    f"the cell holds the formula {csvio._clip(formula, 60)} but no saved result (the workbook was "
                    f"written by a program that does not calculate formulas): open it in Excel or WPS and save it, "
                    f"or replace the formula by its value")))
            elif self.recalc:
                out.append((j, csvio._clip(formula), (
                    f"the cell holds the formula {csvio._clip(formula, 60)}, whose saved result ({texts[j]!r}) no "
                    f"spreadsheet has calculated (the workbook asks to be recalculated when it is opened: it was "
                    f"written by a program, e.g. XlsxWriter, which saves 0): open it in Excel or WPS and save it, "
                    f"or replace the formula by its value")))
        return out

    def _open(self) -> BinaryIO:
        f = open(self.path, "rb")  # noqa: SIM115 - kept open with the workbook, closed in close()
        self._files.append(f)
        return f

    def _close_files(self) -> None:
        for f in self._files:
            f.close()
        self._files.clear()

    def close(self) -> None:
        self.book.close()
        if self.formulas is not None:
            self.formula_book.close()
        self._close_files()


#: the fields whose text is read as a number: a superscript or subscript run in it is read as its digits
_NUMERIC = frozenset({F.MONEY, F.MONEY_LIST, F.COUNT, F.RATE, F.YEAR})


def _raised_runs(book: object) -> dict[str, tuple[str, str]]:
    """The workbook's shared strings that hold a run in superscript or subscript (a footnote mark: 5000000¹, a
    rich-text cell) or struck through (删除线: 300万;~~900万~~, a figure crossed out), each as openpyxl reads it
    (its runs' text joined: "50000001", "300万;900万") -> (the raised or lowered text "1", the struck text
    "900万"). Read-only openpyxl gives the joined text only, so 5000000 with the mark ¹ was read as 50,000,001,
    and the crossed-out 900万 as a second project. The part is read a megabyte at a time, and only an ``<si>``
    with the word vertAlign or strike is parsed; a text that is also a plain string of the workbook (a cell
    typed 50000001) is left out: which of the two a cell holds cannot be told from its value."""
    archive = getattr(book, "_archive", None)
    if archive is None:  # pragma: no cover - another openpyxl
        return {}
    name = next((n for n in archive.namelist() if n.lower().endswith("sharedstrings.xml")), None)
    if name is None:
        return {}
    out: dict[str, tuple[str, str]] = {}
    for block in _si_blocks(archive, name, (b"vertAlign", b"strike")):
        text, raised, struck = _run_texts(block)
        if not _NUMBER_LIKE.fullmatch(text):  # (a footnote in a 备注 or a name: never read as one)
            raised = ""
        if raised.strip() or struck.strip():
            out[text] = (raised, struck)
    if out:  # a plain string with the same text: ambiguous, left out
        from xml.sax.saxutils import escape

        keys = {form: k for k in out for form in {k.encode("utf-8"), escape(k).encode("utf-8")}}
        for body in _si_bodies(archive, name):
            for found in keys.keys() & set(_PLAIN_SI.findall(body)):
                out.pop(keys[found], None)
    return out


#: a text that a number cell could hold (digits, separators, a unit or a sign): the only footnoted ones looked at
_NUMBER_LIKE = re.compile(r"[\s0-9０-９.,，．;；%％+\-万亿千百元萬億]+")
#: a shared string of one plain text run (the bulk of a workbook's)
_PLAIN_SI = re.compile(rb"<(?:\w+:)?si>\s*<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)</(?:\w+:)?t>\s*</(?:\w+:)?si>")


_SI_BLOCK = re.compile(rb"<(?:\w+:)?si\b[^>]*>.*?</(?:\w+:)?si>", re.DOTALL)
_SI_END = re.compile(rb"</(?:\w+:)?si>")
_PREFIX = re.compile(rb"<(/?)\w+:")


def _si_blocks(archive: Any, name: str, needles: tuple[bytes, ...]) -> Iterator[bytes]:
    """The ``<si>…</si>`` elements of the part ``name`` holding one of ``needles``, read a megabyte at a time."""
    for body in _si_bodies(archive, name):
        if any(needle in body for needle in needles):
            for m in _SI_BLOCK.finditer(body):
                if any(needle in m.group(0) for needle in needles):
                    yield m.group(0)


def _si_bodies(archive: Any, name: str) -> Iterator[bytes]:
    """The part ``name`` a megabyte at a time, each piece cut after an ``</si>`` (no element in two pieces)."""
    carry = b""
    with archive.open(name) as f:
        while True:
            chunk = f.read(1 << 20)
            data = carry + chunk
            end = data.rfind(b"</si>") + 5 if chunk else len(data)
            if chunk and end < 5:  # (a prefixed </x:si>, or none in this megabyte)
                ends = [m.end() for m in _SI_END.finditer(data)]
                end = ends[-1] if ends else -1
            if end < 0:
                carry = data
                continue
            body, carry = data[:end], data[end:]
            yield body
            if not chunk:
                return


def _run_texts(block: bytes) -> tuple[str, str, str]:
    """(the text as openpyxl joins it, the text of its superscript and subscript runs, the text of its struck
    through runs) of an ``<si>`` or an inline string's ``<is>`` element; ("", "", "") when it does not parse."""
    import xml.etree.ElementTree as ET

    try:
        el = ET.fromstring(_PREFIX.sub(rb"<\1", block))
    except ET.ParseError:
        return "", "", ""
    container = el if el.tag in ("si", "is") else el.find("is")
    if container is None:
        return "", "", ""
    text, raised, struck = [], [], []
    for child in container:
        if child.tag == "t":
            text.append(child.text or "")
        elif child.tag == "r":
            t = "".join(x.text or "" for x in child.iter("t"))
            text.append(t)
            align = child.find("rPr/vertAlign")
            if align is not None and align.get("val") in ("superscript", "subscript"):
                raised.append(t)
            strike = child.find("rPr/strike")  # <strike/>, <strike val="1"/>; val="0" or "false" is none
            if strike is not None and strike.get("val", "1").lower() not in ("0", "false"):
                struck.append(t)
    return "".join(text), "".join(raised), "".join(struck)


def _raised_message(value: str, raised: str) -> str:
    return (f"the cell's text {csvio._clip(value, 40)!r} holds {raised!r} in superscript or subscript (a footnote "
            f"mark?), which is read as part of the number: delete the mark from the cell (a note goes in a 备注 "
            f"column) and run again")


def _struck_styles(book: object) -> frozenset[int]:
    """The cell styles (openpyxl's style ids) whose font is struck through: a cell crossed out whole (Ctrl+5, 删除线
    in the font dialog), which a withdrawn figure often is; empty when the workbook has none (most do not)."""
    fonts = getattr(book, "_fonts", ())
    struck = {k for k, f in enumerate(fonts) if getattr(f, "strike", False)}
    if not struck:
        return frozenset()
    return frozenset(k for k, st in enumerate(getattr(book, "_cell_styles", ())) if getattr(st, "fontId", 0) in struck)


def _struck_message(value: str, struck: str) -> str:
    what = ("the cell's text is struck through (删除线)" if struck.strip() == value.strip() else
            f"part of the cell's text is struck through (删除线): {csvio._clip(struck, 40)!r}")
    return (f"{what}, which is not guessed at (crossed out, or still meant? a CSV saved from the sheet keeps it "
            f"as {csvio._clip(value, 40)!r}): delete the struck text from the cell, or remove the strikethrough if "
            f"it counts, and run again")


#: the fields whose text a struck-through part would change: numbers, lists of amounts, industries, yes/no
_STRUCK_READ = _NUMERIC | {F.TAGS, F.BOOL}


def _projects_advice(texts: Sequence[str], specs: Sequence[F.Field | None], header: Header, name_ref: str,
                     first: Sequence[str]) -> str:
    """What to write when a company's name is merged over several rows, each with one project's figures: one
    row, each list's amounts separated by ';' (two rows of one company would count its figures twice)."""
    lists = [j for j, spec in enumerate(specs) if spec is not None and j < len(texts) and texts[j].strip()
             and (spec.type == F.MONEY_LIST or spec.type == F.TAGS  # (an industry of the line's own, not filled down)
                  and texts[j].strip() != (first[j].strip() if j < len(first) else ""))]
    shown = header.headings or header.names
    example = "; ".join(f"{shown[j]} {first[j].strip() + ';' if j < len(first) and first[j].strip() else ''}"
                        f"{texts[j].strip()}" for j in lists[:2])
    tags = any(specs[j] is not None and specs[j].type == F.TAGS for j in lists)  # type: ignore[union-attr]
    return (f". If the rows merged under the company's name ({name_ref}) are its projects, give the company one "
            f"row instead, with each project's amount{' (and each industry)' if tags else ''} in the same cell "
            f"separated by ';'{f' ({example})' if example else ''}")


def _error_values(cells: Sequence, texts: Sequence[str], specs: Sequence[F.Field | None]) -> list[tuple[int, str, str]]:
    """(column, value, message) for each cell of the row that holds one of Excel's error values (``#N/A``,
    ``#DIV/0!``, ``#REF!`` …: its formula failed), whatever the column: a company named ``#N/A`` (a VLOOKUP that
    found nothing) was evaluated as a company of that name."""
    out = []
    for j, c in enumerate(cells[:len(specs)]):
        spec = specs[j]
        if getattr(c, "data_type", None) == "e" and not (spec is not None and spec.type == F.IGNORED):
            out.append((j, texts[j], F.excel_error_message(texts[j])))
    return out


#: the decimals a heading's unit adds to a money cell (营业收入（万元）: 12000.12345678 is 120,001,234.5678 yuan)
UNIT_DECIMALS = {"千": 3, "万": 4, "百万": 6, "亿": 8}


def _beyond_units(value: object, extra: int = 0) -> bool:
    """A stored float whose exact decimal form has more than 4 decimals (money is kept in 1/10000 yuan), or
    4 + ``extra`` when the heading gives the column's unit."""
    if not isinstance(value, float) or not math.isfinite(value):
        return False
    exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    return isinstance(exponent, int) and exponent < -4 - extra


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")
#: an inline-string cell (``<c r="E2" t="inlineStr"><is>…</is></c>``) and its reference
_INLINE_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\bt="inlineStr"[^>]*(?<!/)>.*?</(?:\w+:)?c>', re.DOTALL)  # (not <c …/>)
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_FORMAT_UNITS = ("百万", "万", "亿", "千", "萬", "億")  # 萬/億: the traditional units the money parser reads too


#: the fields whose value a merged cell gives every row of its range (a label shared by several companies)
_FILLED_DOWN = (F.TEXT, F.TAGS, F.YEAR, F.BOOL)


_MERGE_TAG = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')
#: a row hidden in the sheet (by hand, by a filter, or in a collapsed outline): ``<row r="7" … hidden="1">``
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\bhidden=["\'](?:1|true)["\'][^>]*>')
_ROW_NUMBER = re.compile(rb'\br=["\']([0-9]+)["\']')
#: columns hidden in the sheet: ``<col min="6" max="7" width="0" hidden="1"/>`` (before the rows)
_HIDDEN_COLS = re.compile(rb'<(?:\w+:)?col\b[^>]*?\bhidden=["\'](?:1|true)["\'][^>]*>')
_COL_SPAN = (re.compile(rb'\bmin=["\']([0-9]+)["\']'), re.compile(rb'\bmax=["\']([0-9]+)["\']'))


def _is_strict(book: object) -> bool:
    """Whether workbook.xml is in the ISO 29500 Strict namespace (Excel's "Strict Open XML 电子表格")."""
    archive = getattr(book, "_archive", None)
    try:
        return archive is not None and b"purl.oclc.org/ooxml" in archive.read("xl/workbook.xml")[:4096]
    except KeyError:  # pragma: no cover - a workbook part under another name
        return False


def _scan_sheet(book: object, ws: object) -> tuple[bool, dict[tuple[int, int], tuple[int, str]], set[int],
                                                  set[int], dict[int, tuple[int, str]],
                                                  dict[tuple[int, int], tuple[str, str]]]:
    """One linear scan of the sheet's XML as it is decompressed, a megabyte at a time, for what read-only
    openpyxl does not give: whether it holds a formula (``<f>``); its merged ranges of one column over data
    rows (``<mergeCell ref="B2:B4"/>``, after the rows): (sheet line, column index) -> (the range's first line,
    the range as Excel names it), for every cell of such a range; the sheet lines of its hidden rows; the
    indices (from 0) of its hidden columns; and the columns under a heading merged across line 1 (G1:H1) but
    its first: column index -> (the heading's column, the range); and the inline-string cells (a workbook
    written by openpyxl or pandas) with a superscript or subscript run or a struck-through one: (sheet line,
    column index) -> (the raised or lowered text, the struck text)."""
    from openpyxl.utils.cell import column_index_from_string, range_boundaries

    archive, part = getattr(book, "_archive", None), getattr(ws, "_worksheet_path", None)
    if archive is None or part is None:  # pragma: no cover - another openpyxl: assume formulas, no merges
        return True, {}, set(), set(), {}, {}
    raised: dict[tuple[int, int], tuple[str, str]] = {}
    formulas = False
    hidden_cols: set[int] = set()
    merged: dict[tuple[int, int], tuple[int, str]] = {}
    across: dict[int, tuple[int, str]] = {}
    hidden: set[int] = set()
    tail = b""
    with archive.open(part) as f:
        while chunk := f.read(1 << 20):
            data = tail + chunk
            formulas = formulas or _FORMULA_TAG.search(data) is not None
            for m in _MERGE_TAG.finditer(data):  # a tag in the overlap is read twice, to the same effect
                ref = m.group(1).decode("ascii")
                min_col, min_row, max_col, max_row = range_boundaries(ref)
                if min_col == max_col and max_row > min_row and max_row >= 2:
                    for line in range(max(min_row, 2), max_row + 1):
                        merged[(line, min_col - 1)] = (min_row, ref)
                if min_row == 1 and max_col > min_col:  # a heading over several columns
                    for col in range(min_col, min(max_col, 16384)):
                        across[col] = (min_col - 1, ref)
            for m in _HIDDEN_ROW.finditer(data):  # (a row without its number, which Excel never writes: not said)
                number = _ROW_NUMBER.search(m.group(0))
                if number is not None:
                    hidden.add(int(number.group(1)))
            for m in _HIDDEN_COLS.finditer(data):
                lo, hi = (p.search(m.group(0)) for p in _COL_SPAN)
                if lo is not None and hi is not None:  # (Excel writes a span for every hidden column: no cap)
                    hidden_cols.update(range(int(lo.group(1)) - 1, min(int(hi.group(1)), 16384)))
            if b"vertAlign" in data or b"strike" in data:
                for m in _INLINE_CELL.finditer(data):
                    ref = _CELL_REF.search(m.group(0))
                    if (b"vertAlign" in m.group(0) or b"strike" in m.group(0)) and ref is not None:
                        _, up, struck = _run_texts(m.group(0))
                        if up.strip() or struck.strip():
                            raised[(int(ref.group(2)), column_index_from_string(ref.group(1).decode()) - 1)] = (
                                up, struck)
            tail = data[-_TAG_OVERLAP:]
    return formulas, merged, hidden, hidden_cols, across, raised


#: the bytes each megabyte of the sheet's XML is read with from the one before, so that no tag is cut in two
#: (a row's tag with every attribute Excel and WPS write is under 200 bytes)
_TAG_OVERLAP = 512


_FULL_CALC = re.compile(rb"<(?:\w+:)?calcPr\b[^>]*\bfullCalcOnLoad=[\"'](?:1|true)[\"']")


def _asks_recalculation(book: object) -> bool:
    """Whether workbook.xml asks for a full calculation on opening (``fullCalcOnLoad``), as files written by
    XlsxWriter and openpyxl do and files saved by Excel, WPS or LibreOffice do not (openpyxl's own reading
    of the attribute defaults to true, so the XML is read here)."""
    archive = getattr(book, "_archive", None)
    if archive is None:  # pragma: no cover - another openpyxl
        return False
    try:
        return bool(_FULL_CALC.search(archive.read("xl/workbook.xml")))
    except KeyError:  # pragma: no cover - a workbook part under another name
        return False


#: a number format's parts that show text, not digits: "quoted", \\x or !x (one character), [colour] / [$-804]
_FORMAT_LITERAL = re.compile(r'"[^"]*"|\\.|!.|\[[^\]]*\]|_.|\*.')


def format_scale(number_format: object, value: float = 1.0) -> int:
    """The power of ten ``number_format`` divides ``value`` by for display (``_section_scale`` of the section
    that shows it, ``_format_sections``), remembered per format: a workbook has a few formats and many cells.

    >>> format_scale('#,##0,'), format_scale('#,##0,;[Red]-#,##0,', -5), format_scale('General')
    (3, 3, 0)

    A conditional format shows each number by the section whose condition it meets, the last section (no
    condition) otherwise: ``[>=10000]0!.0,"万";0`` shows 300000000 as 30000.0万 but 5000 as 5000.

    >>> f = '[>=10000]0!.0,"万";0'
    >>> format_scale(f, 300000000), format_scale(f, 5000), format_scale('[<10000]0;0!.0,"万"', 300000000)
    (4, 0, 4)
    >>> format_scale('0;-0;0!.0000', 0), format_scale('0;0!.0000', -3), format_scale('0;0!.0000', 3)
    (4, 4, 0)
    """
    if not isinstance(number_format, str) or not number_format:
        return 0
    shown = _shown_section(number_format, value)
    return shown[1] if shown is not None else 0


def _shown_section(number_format: str, value: float) -> tuple[tuple[str, float] | None, int, str] | None:
    """The section of ``number_format`` (``_format_sections``) that shows ``value``, None for none."""
    sections = _format_sections(number_format)
    if any(cond is not None for cond, _, _ in sections):  # [>=10000] …;[<0] …;the rest
        for section in sections:
            if section[0] is not None and _CONDITION_TESTS[section[0][0]](value, section[0][1]):
                return section
        return next((s for s in sections if s[0] is None), None)
    if value < 0 and len(sections) >= 2:
        return sections[1]
    if value == 0 and len(sections) >= 3:
        return sections[2]
    return sections[0]


_CONDITION_TESTS = {">=": lambda v, x: v >= x, "<=": lambda v, x: v <= x, "<>": lambda v, x: v != x,
                    ">": lambda v, x: v > x, "<": lambda v, x: v < x, "=": lambda v, x: v == x}
_CONDITION = re.compile(r"\[(>=|<=|<>|>|<|=)\s*(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)\]")


@functools.lru_cache(maxsize=256)
def _format_sections(number_format: str) -> tuple[tuple[tuple[str, float] | None, int, str], ...]:
    """Each section of a number format (split at ";" outside quotes; the fourth, for text, aside): its
    condition ([>=10000] -> (">=", 10000.0)) or None, the power of ten it divides by (``_section_scale``) and its
    text."""
    sections: list[str] = []
    out: list[str] = []
    quoted = False
    for ch in number_format:
        if ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            sections.append("".join(out))
            out = []
            continue
        out.append(ch)
    sections.append("".join(out))
    result: list[tuple[tuple[str, float] | None, int, str]] = []
    for section in sections[:3]:
        m = _CONDITION.search(section)
        cond = (m.group(1), float(m.group(2))) if m is not None else None
        result.append((cond, _section_scale(_CONDITION.sub("", section)), section))
    return tuple(result)


def _section_scale(section: str) -> int:
    """The power of ten one section of a number format divides its number by for display: ``#,##0,`` shows
    300000000 as 300,000 (3), ``0.0,,`` as 300.0 (6), ``0!.0000`` (a literal "." four digits from the right, the
    Chinese Excel way of showing yuan in 万) as 30000.0000 (4); 0 for a section that shows the number as it is.

    >>> [_section_scale(f) for f in ('#,##0,', '0.0,,', '0!.0000', '0"."0000', '#,##0.00', '0.00"万元"', '0!.0,"万"')]
    [3, 6, 4, 4, 0, 0, 4]
    >>> _section_scale('[Red]-#,##0,'), _section_scale('General'), _section_scale('0.00%')
    (3, 0, 0)
    """
    power = 0
    # a literal "." (!. \. "."), with digit placeholders after it and no real decimal point: a shifted point
    dot = re.search(r'(?:!\.|\\\.|"\.")([0#?]+)', section)
    plain = _FORMAT_LITERAL.sub("", section)
    if dot is not None and "." not in plain:
        power += len(dot.group(1))
    # commas right after the last digit placeholder (before the decimal point or the end): 1000 each
    digits = re.search(r"[0#?](,+)(?=[^0#?]*$)|[0#?](,+)\.", plain)
    if digits is not None:
        power += 3 * len(digits.group(1) or digits.group(2))
    return power


#: the unit a number shown divided by 10^k is in, by k
_SCALE_UNITS = {3: "千", 4: "万", 6: "百万", 8: "亿"}


def _scaled_message(stored: str, power: int, fmt: str, value: float) -> str:
    """Why a money cell whose number format shows it divided (``#,##0,``, ``0!.0000``) is refused, with the
    figure as the sheet shows it: reading the stored number under a heading such as 营业收入（万元） made it
    10,000 times too large, and a CSV saved from the same sheet holds the shown figure."""
    shown = format(Decimal(stored).scaleb(-power).normalize(), "f")
    unit = _unit_in_format(fmt, value) or _SCALE_UNITS.get(power, "")  # (``value``: which section shows it)
    example = f"{shown}{unit}" if unit else shown
    return (f"the cell holds the number {stored}, which its number format {fmt!r} shows divided by "
            f"{10 ** power:,} (as {shown}); the stored number and the figure shown differ, so which one is meant "
            f"cannot be told: type the amount with its unit as text (e.g. {example}) or in yuan with a plain number "
            f"format")


def _unit_in_format(number_format: object, value: float = 1.0) -> str | None:
    """The unit a number format shows ``value`` in (``0.00"万元"`` -> 万), or None: the section that shows it
    (``[>=10000]0!.0,"万";0`` shows 5000 as 5000, no unit).

    >>> _unit_in_format('0.00"万元"'), _unit_in_format('#,##0.00'), _unit_in_format('#,##0.00"元"')
    ('万', None, None)
    >>> _unit_in_format('0.00"萬元"'), _unit_in_format('[>=10000]0!.0,"万";0', 5000), _unit_in_format('[>=10000]0!.0,"万";0', 50000)
    ('萬', None, '万')
    """
    if not isinstance(number_format, str) or not number_format:
        return None
    shown = _shown_section(number_format, value)
    section = shown[2] if shown is not None else number_format
    return next((u for u in _FORMAT_UNITS if u in section), None)


#: one piece of a number format's section: a quoted text, an escaped character (\x, !x), a space as wide as a
#: character (_x), a fill character (*x), a bracket ([Red], [>=100], [$¥-804]), General (also as Chinese Excel
#: and WPS write it, G/通用格式), a digit placeholder, a decimal point or a thousands comma, or one character
_FORMAT_TOKEN = re.compile(r'"[^"]*"?|[\\!].|_.|\*.|\[[^\]]*\]?|(?i:general)|G/通用格式|G/標準|[0#?]|[.,]|.',
                           re.DOTALL)
_DIGIT = re.compile(r"[0-9０-９]")


@functools.lru_cache(maxsize=256)
def _format_tokens(section: str) -> tuple[tuple[str, str], ...]:
    """A section of a number format as (kind, text): "num" (0 # ? . , and General, as "G"), "lit" (what is
    shown as it is: quoted text, an escaped character, an unquoted sign or letter), "fill" (``*x``), "space"
    (``_x``), or "code" (a bracket, %, E+ …: neither digits nor text of the format's own)."""
    out: list[tuple[str, str]] = []
    for m in _FORMAT_TOKEN.finditer(section):
        t = m.group(0)
        if t in "0#?.,":
            out.append(("num", t))
        elif t.lower() == "general" or t.startswith("G/"):
            out.append(("num", "G"))
        elif t.startswith('"'):
            out.append(("lit", t[1:-1] if len(t) > 1 and t.endswith('"') else t[1:]))
        elif t[0] in "\\!":
            out.append(("lit", t[1:]))
        elif t[0] == "*":
            out.append(("fill", t[1:]))
        elif t[0] == "_":
            out.append(("space", " "))
        elif t[0] == "[" or t in "%eE+-@":
            out.append(("code", t) if t != "-" else ("lit", t))
        else:
            out.append(("lit", t))
    return tuple(out)


def hidden_figure(number_format: object, value: float) -> tuple[str, str | None] | None:
    """How a number format shows ``value`` other than as the number it is, or None when it shows the number:
    ("digits", the text shown or None when it cannot be worked out) for a format that writes digits of its own
    beside the number's (``0"0000"`` shows 40000 as 400000000: the 万 typed, yuan shown), ("none", the text
    shown) for a section with no digit placeholder (``;;;`` shows nothing, ``"-"`` a dash). A zero is left
    alone (it is zero however it is shown: the accounting format's ``"-"``), as are the percent, the year and
    the unit a format writes after the digits (``0.00%``, ``0"年"``, ``0"人"``, ``#,##0"元"``), and a format of
    text only (``@``: Excel shows a number in a 文本 cell as it is).

    >>> hidden_figure('0"0000"', 40000), hidden_figure('#,##0\\\\0\\\\0', 3), hidden_figure(';;;', 400000000)
    (('digits', '400000000'), ('digits', '300'), ('none', ''))
    >>> hidden_figure('"-"', 5), hidden_figure('0"0"0', 45), hidden_figure('*0#,##0', 7)
    (('none', '-'), ('digits', None), ('digits', None))
    >>> [hidden_figure(f, 40000) for f in ('General', '0', '0.00', '#,##0.00', '¥#,##0.00', '0"年"', '0"人"',
    ...                                    '#,##0"元"', '0.00%', '@', 'G/通用格式"元"', '[Red]#,##0;[Red]-#,##0')]
    [None, None, None, None, None, None, None, None, None, None, None, None]
    >>> acc = '_ * #,##0.00_ ;_ * -#,##0.00_ ;_ * "-"??_ ;_ @_ '
    >>> hidden_figure(acc, 40000), hidden_figure(acc, 0), hidden_figure(';;;', 0), hidden_figure('0.00" (2024)"', 5)
    (None, None, None, None)
    """
    if not isinstance(number_format, str) or number_format in ("", "General") or value == 0 \
            or not math.isfinite(value):
        return None
    if _shows_the_number(number_format, value < 0):  # (per format and sign, once: every numeric cell asks)
        return None
    return _hidden_figure(number_format, value)


@functools.lru_cache(maxsize=1024)
def _shows_the_number(number_format: str, negative: bool) -> bool:
    """Whether ``number_format`` shows every non-zero number of that sign as the number it is: what
    ``hidden_figure`` decides from the format alone (not for a format with a [condition], whose section depends on
    the value)."""
    return _CONDITION.search(number_format) is None and _hidden_figure(number_format, -1.0 if negative else 1.0) is None


def _hidden_figure(number_format: str, value: float) -> tuple[str, str | None] | None:
    sections = _format_sections(number_format)
    shown = _shown_section(number_format, value)
    if shown is None:
        return None
    tokens = _format_tokens(_CONDITION.sub("", shown[2]))
    nums = [i for i, (kind, _) in enumerate(tokens) if kind == "num" and tokens[i][1] not in ".,"]
    if not nums:
        if len(sections) == 1 and any(t == ("code", "@") for t in tokens):
            return None  # a text format: a number is shown as it is
        return "none", "".join(t for kind, t in tokens if kind in ("lit", "space")).strip()

    def touches(i: int, t: str) -> bool:  # a digit of the text right beside a digit placeholder (0"0000", "1"0)
        return (i > 0 and tokens[i - 1][0] == "num" and _DIGIT.match(t[0]) is not None
                or i + 1 < len(tokens) and tokens[i + 1][0] == "num" and _DIGIT.match(t[-1]) is not None)

    if not any(kind == "fill" and _DIGIT.match(t) or kind == "lit" and t and touches(i, t)
               for i, (kind, t) in enumerate(tokens)):
        return None
    first, last = nums[0], nums[-1]
    if any(kind != "num" for kind, _ in tokens[first:last + 1]) or any(k == "fill" for k, _ in tokens):
        return "digits", None  # digits of the format's own among the number's: not worked out here
    run = "".join(t for _, t in tokens[first:last + 1])
    number = Decimal(repr(abs(value))).scaleb(-_section_scale(run))
    if "G" in run:
        text = number_text(float(number))
    else:
        whole, _, fraction = run.partition(".")
        places = sum(fraction.count(p) for p in "0#?")
        rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        text = format(rounded, ",f" if "," in whole.rstrip(",") else "f")
    sign = "-" if value < 0 and len(sections) == 1 else ""
    before = "".join(t for kind, t in tokens[:first] if kind in ("lit", "space"))
    after = "".join(t for kind, t in tokens[last + 1:] if kind in ("lit", "space"))
    return "digits", (sign + before + text + after).strip()


def _hidden_message(stored: str, fmt: str, kind: str, shown: str | None) -> str:
    """Why a number cell whose format shows another figure (``hidden_figure``) is refused: the sheet and a CSV
    saved from it show that figure, batch would read the stored number."""
    todo = "format the cells as 数值 (Number) and type the full amount"
    if kind == "none":
        looks = ("shows nothing for it: the cell looks empty (a CSV saved from the sheet holds nothing)" if not shown
                 else f"shows it as {shown!r}, without its digits (a CSV saved from the sheet holds {shown!r})")
        return (f"the cell holds the number {stored}, but its number format {fmt!r} {looks}, and batch would read "
                f"{stored}: {todo}, or clear the cell if there is none")
    plain = shown.replace(",", "") if shown is not None else ""
    example = f" (e.g. {plain})" if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", plain) else ""
    return (f"the cell holds the number {stored}, which its number format {fmt!r} shows "
            f"{'as ' + shown if shown is not None else 'with other digits'}: the format writes digits of its own "
            f"beside the number's (an amount typed in 万 and shown in yuan?), so the sheet shows one figure and "
            f"batch would read another; {todo}{example}")


def _totals_like(texts: Sequence[str], header: Header) -> bool:
    """A spreadsheet's totals row (a name that is only 合计 …; or 合计 … in the name, no year, no jurisdiction):
    batch skips it unread, as ``batch_table._drop_totals`` does a CSV's."""
    j = header.index("name")
    if j is None or j >= len(texts):
        return False
    if len(texts[j].encode("utf-8")) <= csvio.TOTALS_LABEL_BYTES and csvio.is_totals_label(texts[j]):  # as a CSV's
        return True
    if j != 0 and not texts[j] and texts[0] and len(texts[0].encode("utf-8")) <= csvio.TOTALS_LABEL_BYTES \
            and csvio.is_totals_label(texts[0]):  # no name; 合计 in the first column
        return True
    if not csvio.names_a_total(texts[j]):
        return False
    wheres = [j for j in (header.index("year"), header.index("jurisdiction")) if j is not None]
    return not any(j < len(texts) and texts[j].strip() for j in wheres)


def _name(texts: Sequence[str], header: Header) -> str:
    j = header.index("name")
    return csvio._clip(texts[j].strip(), 60) if j is not None and j < len(texts) else ""


# ---------------------------------------------------------------- writing

AMOUNT, INTEGER, TEXT = range(3)
CELL_MAX_CHARS = 32_767  # Excel's limit on a cell's text
FLUSH_PIECES = 100_000  # XML pieces (about 2,000 wide rows) gathered before they are deflated to the file
CACHE_SIZE = 100_000  # distinct texts and amounts remembered per sheet (a few MB at most)
COMPRESS_LEVEL = 1  # deflate fast: the sheet XML is repetitive, level 1 already shrinks it ~10x

# XML 1.0 forbids most C0 control characters (and U+FFFE/U+FFFF) even as references; they are written the
# OOXML way, _xHHHH_, which Excel and LibreOffice turn back into the character.  A CR is written so too (an XML
# parser would turn a bare CR into LF).  A text that itself contains "_xHHHH_" gets its underscore escaped
# (_x005F_), so Excel shows it as typed.
_XML_TEXT = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"}
_XML_TEXT.update({c: f"_x{c:04X}_" for c in (*range(0x09), 0x0B, 0x0C, *range(0x0D, 0x20), 0xFFFE, 0xFFFF)})
_OOXML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def xml_text(text: str) -> str:
    """A cell's text for an inline string: XML-escaped, control characters as ``_xHHHH_``.

    >>> xml_text("A&B <1> \\x1b_x0041_")
    'A&amp;B &lt;1&gt; _x001B__x005F_x0041_'
    """
    if "_x" in text:
        text = _OOXML_ESCAPE.sub(r"_x005F_\1", text)
    return text.translate(_XML_TEXT)


def _excel_width(w: float) -> float:
    """A width in characters as Excel stores it (7-pixel digits and 5 pixels of padding, as XlsxWriter did)."""
    return int((int(w * 7 + 0.5) + 5) / 7 * 256) / 256


_DECIMAL = re.compile(r"-?\d{1,16}(?:\.\d{1,4})?")


def _number(v: str) -> str:
    """An amount's decimal text, as the cell's value: written as computed (exactly, in fen), never through a
    binary float here. Excel reads it into the double nearest to it, which shows the same text for every
    amount below 10^13 yuan (15 significant digits)."""
    if not _DECIMAL.fullmatch(v):
        raise ValueError(f"not a plain decimal amount: {v!r}")
    return v


_MONEY_STYLE, _BOLD_STYLE, _UP_TO_STYLE, _UP_TO_ZH_STYLE = 1, 2, 3, 4  # indexes into cellXfs of _STYLES
_AT_LEAST_STYLE, _AT_LEAST_ZH_STYLE = 5, 6  # a lower bound (SPEC 9.2), "at least 181,818.18"

_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_OPEN = f'{_XML_HEAD}<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
_FROZEN_HEADER = ('<sheetViews><sheetView {}workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                  'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
                  '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>')
_STYLES = (f'{_XML_HEAD}<styleSheet xmlns="{_NS_MAIN}">'
           # an up-to ceiling stays a number a formula can sum, shown "up to 2,500,000.00" (SPEC §3: never as certain)
           '<numFmts count="4"><numFmt numFmtId="164" formatCode="&quot;up to &quot;#,##0.00"/>'
           '<numFmt numFmtId="165" formatCode="&quot;最高 &quot;#,##0.00"/>'
           # an exact outlay the company cap cut while counting up-to ceilings: a lower bound (SPEC 9.2)
           '<numFmt numFmtId="166" formatCode="&quot;at least &quot;#,##0.00"/>'
           '<numFmt numFmtId="167" formatCode="&quot;至少 &quot;#,##0.00"/></numFmts>'
           '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
           '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill>'
           '<fill><patternFill patternType="gray125"/></fill></fills>'
           '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="7"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           # numFmtId 4 is the built-in "#,##0.00"
           '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
           '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
           '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
           '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
           '<xf numFmtId="167" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
           '</styleSheet>')
_CONTENT_TYPES = (f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  '<Default Extension="xml" ContentType="application/xml"/>'
                  '<Override PartName="/xl/workbook.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                  '<Override PartName="/xl/worksheets/sheet1.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                  '<Override PartName="/xl/worksheets/sheet2.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                  '<Override PartName="/xl/styles.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                  '<Override PartName="/docProps/core.xml" '
                  'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
                  '<Override PartName="/docProps/app.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
                  '</Types>')
_ROOT_RELS = (f'{_XML_HEAD}<Relationships xmlns="{_NS_PKG_REL}">'
              '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
              'officeDocument" Target="xl/workbook.xml"/>'
              '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
              'core-properties" Target="docProps/core.xml"/>'
              '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
              'extended-properties" Target="docProps/app.xml"/></Relationships>')
_WORKBOOK_RELS = (f'{_XML_HEAD}<Relationships xmlns="{_NS_PKG_REL}">'
                  f'<Relationship Id="rId1" Type="{_NS_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
                  f'<Relationship Id="rId2" Type="{_NS_REL}/worksheet" Target="worksheets/sheet2.xml"/>'
                  f'<Relationship Id="rId3" Type="{_NS_REL}/styles" Target="styles.xml"/></Relationships>')
_APP = (f'{_XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        '<Application>incentives</Application></Properties>')


def _core(now: dt.datetime) -> str:
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (f'{_XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>incentives</dc:creator>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>')


def _inline(text: str) -> str:
    """The ``<is>`` element of an inline-string cell (spaces at either end kept).

    A cell holds at most 32,767 characters (Excel repairs a file with a longer one): the rest is cut, as XlsxWriter
    did before."""
    text = text[:CELL_MAX_CHARS]
    if text[:1].isspace() or text[-1:].isspace():
        return f'<is><t xml:space="preserve">{xml_text(text)}</t></is>'
    return f"<is><t>{xml_text(text)}</t></is>"


def _text_cell(ref: str, text: str, style: int = 0) -> str:
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="inlineStr">{_inline(text)}</c>'


def _cols(widths: Sequence[float]) -> str:
    if not widths:
        return ""  # <cols> must hold at least one <col>
    return "<cols>" + "".join(f'<col min="{c}" max="{c}" width="{_excel_width(w)}" customWidth="1"/>'
                              for c, w in enumerate(widths, start=1)) + "</cols>"


#: fen from which an amount has more significant digits than a spreadsheet's number keeps (15): 10^13 yuan
MONEY_CELL_LIMIT = 10**15


class _SheetCells:
    """A small sheet built in memory (the budget view): cells by row, in order."""

    def __init__(self) -> None:
        self.rows: list[list[str]] = []

    def text(self, r: int, c: int, value: str, style: int = 0) -> None:
        self._row(r).append(_text_cell(f"{column_letter(c)}{r + 1}", value, style))

    def number(self, r: int, c: int, value: float, style: int = 0) -> None:
        s = f' s="{style}"' if style else ""
        self._row(r).append(f'<c r="{column_letter(c)}{r + 1}"{s}><v>{value!r}</v></c>')

    def money(self, r: int, c: int, fen: int, style: int = 0) -> None:
        """An amount: a number cell while a spreadsheet holds it exactly (15 significant digits), else its exact
        figure as text, grouped, with the "up to" / 最高 its number format would show (a total above 10万亿 yuan
        was off by a fen as a double)."""
        if abs(fen) < MONEY_CELL_LIMIT:
            self.number(r, c, fen / 100, style)
        else:
            word = {_UP_TO_STYLE: "up to ", _UP_TO_ZH_STYLE: "最高 ", _AT_LEAST_STYLE: "at least ",
                    _AT_LEAST_ZH_STYLE: "至少 "}.get(style, "")
            self.text(r, c, word + format_fen_grouped(fen))

    def _row(self, r: int) -> list[str]:
        while len(self.rows) <= r:
            self.rows.append([])
        return self.rows[r]

    def xml(self, widths: Sequence[float]) -> str:
        rows = "".join(f'<row r="{r}">{"".join(cells)}</row>' for r, cells in enumerate(self.rows, start=1) if cells)
        return f'{_SHEET_OPEN}{_FROZEN_HEADER.format("")}{_cols(widths)}<sheetData>{rows}</sheetData></worksheet>'


def _en_total(b: PolicyBudget) -> str:
    return (f"total ({b.companies:,} {'company' if b.companies == 1 else 'companies'}, {b.with_amount:,} with an "
            f"amount; company cap applied to {b.company_cap_hits:,})")


def _zh_total(b: PolicyBudget) -> str:
    return f"合计（{b.companies:,}家企业，{b.with_amount:,}家有金额；企业上限适用于{b.company_cap_hits:,}家）"


#: the budget sheet's headings and total labels (--lang); the zh words are the results sheet's (确定金额合计 …)
_BUDGET_WORDS: dict[str, dict] = {
    "en": {"columns": ["policy", "clause", "basis", "companies granted", "of which capped", "amount", "raw amount",
                       "saved", "saved by item/clause caps", "saved by exclusive group", "saved by company cap",
                       "companies listed (discretionary)",
                       "amount at most (if the up-to awards are granted below their ceilings)"],
           **explain.TOTAL_LABELS["en"], "total": _en_total, "counts": "; counts the up-to ceilings"},
    "zh": {"columns": ["政策", "条款", "性质", "获得企业数", "其中封顶", "金额", "封顶前金额", "节省", "单项/条款封顶节省",
                       "就高不就低节省", "企业上限节省", "列入企业数（酌情条款）",
                       "金额至多（若最高限额条款低于上限给予）"],
           **explain.TOTAL_LABELS["zh"], "total": _zh_total, "counts": "；含最高额度（上限，非确定金额）"},
}


class XlsxSink:
    """Result rows (as the CSV lines ``batch_output`` makes) into a worksheet, typed.

    The workbook is written directly (no spreadsheet library: XlsxWriter's per-cell work held it to ~2,000 wide
    rows/s): each row's XML is made with string operations, the ``<sheetData>`` goes to an anonymous temporary
    file (the column widths, fitted to the first rows, must come before it), and ``close`` assembles the zip."""

    def __init__(self, path: Path, header: Sequence[str], amount_columns: Sequence[str],
                 headings: Sequence[str] | None = None, ceilings: Mapping[str, frozenset[str]] | None = None,
                 lang: str = "en"):
        """``header``: the column names (they decide each column's type); ``headings``: the header row as shown
        (the same names, or their Chinese names with --lang zh); ``ceilings``: per policy, its up-to clauses,
        whose amounts (and a total that counts one) are shown "up to 4,000,000.00" / "最高 …", still numbers
        (SPEC §3: a ceiling is never shown as certain)."""
        self.path = path
        amounts = set(amount_columns)
        self.up_to_style = _UP_TO_ZH_STYLE if lang == "zh" else _UP_TO_STYLE
        where = {c: k for k, c in enumerate(header)}
        # wide: per policy, the columns of its up-to clauses; the totals' columns; long: the basis column
        self.ceiling_columns = {pid: frozenset(where[c] for c in ids if c in where)
                                for pid, ids in (ceilings or {}).items()} if ceilings is not None else None
        self.policy_col = where.get("policy")
        self.total_cols = (where.get("total"), where.get("total_up_to"))
        self.basis_col = where.get("basis")
        self.long_cols = frozenset(where[c] for c in ("raw_amount", "amount") if c in where)
        self.kinds = [AMOUNT if c in amounts else INTEGER if c in ("row", "year") else TEXT for c in header]
        shown = list(headings) if headings is not None else list(header)
        self.widths = [max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in c) + 3, 8)
                       for c in shown]  # room for the filter button
        self.ncols = len(header)
        self.letters = [column_letter(c) for c in range(self.ncols)]
        self.rows = 0
        self.data = tempfile.TemporaryFile()  # noqa: SIM115 - kept open until close()
        head = "".join(_text_cell(f"{self.letters[c]}1", name, _BOLD_STYLE) for c, name in enumerate(shown))
        # the rows' XML is kept deflated (level 1) while it waits: ~2 kB a wide row would be ~2 GB at Excel's limit
        self.pack = zlib.compressobj(1)
        self.data.write(self.pack.compress(f'<row r="1">{head}</row>'.encode()))
        self.budget = ""
        self.texts: dict[str, str] = {}
        self.numbers: dict[str, str] = {}

    def write(self, data: bytes) -> None:
        kinds, widths, letters = self.kinds, self.widths, self.letters
        texts, numbers = self.texts, self.numbers  # status words and amounts repeat: each is escaped/parsed once
        out: list[str] = []
        add = out.append
        r = self.rows
        sample = r < WIDTH_SAMPLE
        for record in csv.reader(io.StringIO(data.decode("utf-8"), newline="")):
            r += 1
            if r > XLSX_MAX_ROWS:  # pragma: no cover - checked before writing starts (check_rows)
                raise InputError(f"more than {XLSX_MAX_ROWS:,} result rows do not fit in one Excel sheet; use "
                                 f"--format csv", Location(field="--format"))
            n = str(r + 1)
            add(f'<row r="{n}">')
            ceiling = self._ceiling_cells(record)
            for c, v in enumerate(record):
                if not v:
                    continue
                kind = kinds[c]
                if kind == TEXT:
                    t = texts.get(v)
                    if t is None:
                        t = _inline(v)
                        if len(texts) < CACHE_SIZE:
                            texts[v] = t
                    add(f'<c r="{letters[c]}{n}" t="inlineStr">{t}</c>')
                elif kind == AMOUNT:
                    t = numbers.get(v)
                    if t is None:
                        t = _number(v)
                        if len(numbers) < CACHE_SIZE:
                            numbers[v] = t
                    style = self.up_to_style if c in ceiling and v != "0.00" else _MONEY_STYLE
                    add(f'<c r="{letters[c]}{n}" s="{style}"><v>{t}</v></c>')
                else:
                    add(f'<c r="{letters[c]}{n}"><v>{int(v)}</v></c>')
            add("</row>")
            if len(out) > FLUSH_PIECES:  # a large block of lines is not held in memory as XML all at once
                self.data.write(self.pack.compress("".join(out).encode("utf-8")))
                out.clear()
            if sample:
                for c, v in enumerate(record):
                    w = _display_width(v, kinds[c])
                    widths[c] = max(widths[c], w)
                sample = r < WIDTH_SAMPLE
        self.data.write(self.pack.compress("".join(out).encode("utf-8")))
        self.rows = r

    def _ceiling_cells(self, record: Sequence[str]) -> frozenset[int]:
        """The columns of one result row that hold an up-to figure: its policy's up-to clauses and, when the row
        counts a ceiling (total_up_to is not 0.00), its total and total_up_to; in the long layout, the raw and
        final amounts of an up_to clause."""
        if self.ceiling_columns is None or self.policy_col is None or self.policy_col >= len(record):
            return frozenset()
        if self.basis_col is not None:
            return self.long_cols if self.basis_col < len(record) and record[self.basis_col] == "up_to" else frozenset()
        cols = self.ceiling_columns.get(record[self.policy_col], frozenset())
        total, up_to = self.total_cols
        if up_to is not None and up_to < len(record) and record[up_to] not in ("", "0.00") and total is not None:
            cols = cols | {total, up_to}
        return cols

    def write_budget(self, report: BatchReport, lang: str = "en") -> None:
        """The budget view: per policy, every clause's companies, outlay, raw amount and what caps saved.

        The rows and labels of the terminal's budget view (render/budget.py): an up-to clause's figures and every
        total that counts an up-to ceiling are shown "up to …" (still numbers), and the totals are split into
        the exact outlay and the up-to ceilings, so no ceiling is read as a certain amount (SPEC §3). With
        ``lang`` "zh" the headings, bases (最高 …) and total labels are Chinese, as the results sheet's are
        (--lang zh), and the notices calc --lang zh words in Chinese (fields not given, reference rates, an
        unknown end); clause ids and the policy tables' own notices stay as they are."""
        from .engine import DISCRETIONARY

        words = _BUDGET_WORDS[lang if lang in _BUDGET_WORDS else "en"]
        ws, money, bold = _SheetCells(), _MONEY_STYLE, _BOLD_STYLE
        up_to = _UP_TO_STYLE if lang != "zh" else _UP_TO_ZH_STYLE
        at_least = _AT_LEAST_STYLE if lang != "zh" else _AT_LEAST_ZH_STYLE
        for c, name in enumerate(words["columns"]):
            ws.text(0, c, name, bold)
        r = 0
        for b in report.budgets.values():
            for cb in b.clauses.values():
                r += 1
                ws.text(r, 0, b.policy)
                ws.text(r, 1, cb.id)
                ws.text(r, 2, explain.basis_label(cb.basis, lang))
                ws.number(r, 3, cb.granted)
                ws.number(r, 4, cb.statuses[1])
                ceiling = cb.basis == "up_to"
                for c, fen in enumerate((cb.amount, cb.raw, cb.saved, cb.saved_item_cap + cb.saved_clause_cap,
                                         cb.saved_group, cb.saved_company_cap), start=5):
                    ws.money(r, c, fen, up_to if ceiling and c in (5, 6) and fen else
                             at_least if c == 5 and cb.is_range else money)
                if cb.is_range:  # SPEC 9.2: the top of the lower bound's range
                    ws.money(r, 12, cb.amount_max, money)
                if cb.basis == "discretionary":  # no amount in the text: the companies listed for a decision, as
                    ws.number(r, 11, cb.statuses[DISCRETIONARY])  # the terminal's "5 listed"
            exact = [(words["exact"], b.total_exact)]
            if b.exact_is_range:  # SPEC 9.2: the exact outlay as a range
                exact = [(words["at_least"], b.total_exact), (words["at_most"], b.exact_max)]
            for label, fen, style in [*((lb, f, money) for lb, f in exact),
                                      (words["up_to"], b.total_up_to, up_to if b.total_up_to else money)]:
                r += 1
                ws.text(r, 0, b.policy)
                ws.text(r, 1, label)
                ws.money(r, 5, fen, style)
            r += 1
            raw_ceiling = any(c.basis == "up_to" and c.raw for c in b.clauses.values())
            ws.text(r, 0, b.policy, bold)
            ws.text(r, 1, words["total"](b) + (words["counts"] if b.total_up_to or raw_ceiling else ""), bold)
            for c, fen, style in ((5, b.total, up_to if b.total_up_to else money),
                                  (6, b.raw, up_to if raw_ceiling else money), (7, b.raw - b.total, money)):
                ws.money(r, c, fen, style)
            if b.not_in_force:  # SPEC 9.3: the companies whose year the policy does not cover
                r += 1
                ws.text(r, 0, b.policy)
                ws.text(r, 1, explain.not_in_force(b.not_in_force, b.not_in_force_years, b.valid_until, b.successor,
                                                   lang, b.not_in_force_amount if report.hypothetical else None,
                                                   b.not_in_force_ceiling))
            for line in explain.budget_notices(b, report.warnings_column, lang):  # SPEC 9.3 (may be superseded, end unknown) and the table's notices
                r += 1
                ws.text(r, 0, b.policy)
                ws.text(r, 1, line)
            r += 1
        for line in explain.duplicate_lines(report, first=20, lang=lang):  # rows counted twice: said with the totals
            r += 1
            ws.text(r, 1, line.strip())
        widths = [max([len(p) for p in report.budgets] + [10]) + 2, 28, 8] + [18] * (len(words["columns"]) - 3)
        self.budget = ws.xml(widths)

    def close(self) -> None:
        last = self.letters[-1] if self.letters else "A"
        ref = f"A1:{last}{max(self.rows, 1) + 1}"
        view = _FROZEN_HEADER.format('tabSelected="1" ')
        sheet_head = (f'{_SHEET_OPEN}<dimension ref="A1:{last}{self.rows + 1}"/>{view}'
                      f'{_cols([min(w, 60) for w in self.widths])}<sheetData>')
        sheet_tail = f'</sheetData><autoFilter ref="{ref}"/></worksheet>'
        workbook = (f'{_XML_HEAD}<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}"><bookViews><workbookView/>'
                    '</bookViews><sheets><sheet name="results" sheetId="1" r:id="rId1"/>'
                    '<sheet name="budget" sheetId="2" r:id="rId2"/></sheets><definedNames>'
                    f'<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">results!$A$1:'
                    f'${last}${max(self.rows, 1) + 1}</definedName></definedNames></workbook>')
        budget = self.budget or f"{_SHEET_OPEN}<sheetData/></worksheet>"
        with zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as zf:
            zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
            zf.writestr("_rels/.rels", _ROOT_RELS)
            zf.writestr("docProps/app.xml", _APP)
            zf.writestr("docProps/core.xml", _core(dt.datetime.now(dt.UTC)))
            zf.writestr("xl/workbook.xml", workbook)
            zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
            zf.writestr("xl/styles.xml", _STYLES)
            with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
                entry.write(sheet_head.encode("utf-8"))
                self.data.write(self.pack.flush())
                self.data.seek(0)
                unpack = zlib.decompressobj()
                while chunk := self.data.read(1 << 20):
                    entry.write(unpack.decompress(chunk))
                entry.write(unpack.flush())
                entry.write(sheet_tail.encode("utf-8"))
            zf.writestr("xl/worksheets/sheet2.xml", budget)
        self.data.close()


def _display_width(text: str, kind: int) -> int:
    if kind == AMOUNT and text:
        whole = text.split(".")[0]
        return len(whole) + (len(whole) - 1) // 3 + 5  # thousands separators, two decimals
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text) + 2  # CJK characters are two columns wide

