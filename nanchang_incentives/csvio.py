"""Fast, exact CSV input and output for ``incentives batch``.

Reading: the file is read in blocks that end on a record boundary, each block
is turned into UTF-8 bytes (GB18030/GBK is transcoded) and split into cells
*as byte offsets* with numpy when the block holds no quote character (the
common case: Excel quotes only cells that contain a comma, a quote or a line
break), or with Python's ``csv`` module otherwise.  Plain numbers (``1234.5``,
``120万``, ``2.5亿元``) are parsed vectorised into exact integer units; every
other non-empty cell goes through the very same ``fields.Field.parse`` as the
TOML profile, so a cell means the same thing in ``calc`` and ``batch``.

Writing: each output column is a byte matrix (one row per output line, zero
bytes as padding); the columns are laid side by side and the padding is
dropped in one numpy pass, so no Python code runs per cell.

Nothing here knows about policies: see ``batch.py``.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .errors import InputError, Location
from .filekinds import PARQUET_MAGIC, ZIP_MAGIC

# ---------------------------------------------------------------- encodings

UTF8 = "utf-8"
UTF8_BOM = "utf-8-sig"
GB18030 = "gb18030"
SNIFF_BYTES = 1 << 20

#: error handlers for GBK/GB18030 text: Windows' code page 936, which Excel on a Chinese Windows writes for "CSV
#: (逗号分隔)", has € as the single byte 0x80; Python's gbk and gb18030 codecs have no 0x80 (a lead byte there is
#: only ever cp936's €: as a second byte it is part of a two-byte character and decodes as such)
CP936_EURO = "incentives-cp936-euro"
CP936_EURO_ESCAPE = "incentives-cp936-euro-surrogateescape"
_CP936_FAMILY = ("gbk", "gb18030", "gb2312")


def _euro_or(fallback: str) -> Callable[[UnicodeError], tuple[str | bytes, int]]:
    then = codecs.lookup_error(fallback)

    def handler(exc: UnicodeError) -> tuple[str | bytes, int]:
        if isinstance(exc, UnicodeDecodeError) and exc.object[exc.start] == 0x80:
            return "€", exc.start + 1
        return then(exc)

    return handler


codecs.register_error(CP936_EURO, _euro_or("strict"))
codecs.register_error(CP936_EURO_ESCAPE, _euro_or("surrogateescape"))

_BOMS = ((codecs.BOM_UTF8, UTF8_BOM), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
         (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"))
SAVE_HELP = "save it from Excel as 'CSV UTF-8 (逗号分隔)' or as plain 'CSV (逗号分隔)' (GBK)"
ENCODING_HELP = f"{SAVE_HELP}, or pass --encoding (utf-8, utf-8-sig, gb18030, gbk)"


@dataclass(frozen=True)
class Encoding:
    """How the input's bytes are read: the codec and the length of its BOM."""

    name: str  # a Python codec name
    bom: int = 0  # bytes to skip at the start of the file
    detected: bool = True
    #: a detected GB18030 whose non-ASCII text does not read as Chinese: a word of it as GB18030 reads it
    #: (cp1252's Müller is 'M黮ler'), for a note that names may be garbled; "" otherwise
    doubt: str = ""

    @property
    def is_utf8(self) -> bool:
        return codecs.lookup(self.name).name == "utf-8"

    @property
    def errors(self) -> str:
        """The decoding error handler: strict, but for GBK's € (cp936's 0x80)."""
        return CP936_EURO if codecs.lookup(self.name).name in _CP936_FAMILY else "strict"

    @property
    def errors_escaped(self) -> str:
        """``errors`` with undecodable bytes kept as surrogates (the row is then refused, its cell shown)."""
        return CP936_EURO_ESCAPE if codecs.lookup(self.name).name in _CP936_FAMILY else "surrogateescape"

    @property
    def label(self) -> str:
        if self.bom and self.is_utf8:
            return "UTF-8 with BOM"
        if self.is_utf8:
            return "UTF-8"
        return codecs.lookup(self.name).name.upper()


def is_kind(path: Path, suffixes: Sequence[str], magic: bytes) -> bool:
    """Is ``path`` a file of a binary kind (an .xlsx, a Parquet file): by its first bytes, else by its suffix.

    A file named so that does not start as one (a CSV renamed ``clients.xlsx``, an empty file) is not, when
    it reads as text: it goes to the CSV reader, as an .xlsx renamed ``.csv`` goes to the workbook reader.
    A damaged workbook (binary, not a zip) still goes to the workbook reader, which says what is wrong.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError:
        return path.suffix.lower() in suffixes
    if head.startswith(magic):
        return True
    if path.suffix.lower() not in suffixes or head.startswith(_BINARY_MAGICS):  # (a Parquet file named .xlsx)
        return False
    return not _reads_as_text(head)


#: the first bytes of the binary kinds batch reads (an .xlsx is a zip file)
_BINARY_MAGICS = (ZIP_MAGIC, PARQUET_MAGIC)


def _reads_as_text(head: bytes) -> bool:
    """The first bytes of a file are text a CSV could hold (UTF-8, GB18030, UTF-16 with its BOM), or none."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\0" in head:
        return False
    for name in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(name)().decode(head)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _ascii_compatible(name: str) -> bool:
    try:
        return ',"\n\r;'.encode(name) == b',"\n\r;' and codecs.lookup(name).name not in ("utf-16", "utf-32")
    except (LookupError, UnicodeError):
        return False


def detect_encoding(path: Path, forced: str | None = None) -> Encoding:
    """UTF-8 (with or without BOM) or GB18030/GBK, from the first megabyte; or ``forced``.

    GB18030 is a superset of GBK (and of GB2312), which is what Excel on a
    Chinese Windows writes for "CSV (逗号分隔)".
    """
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    if forced:
        try:
            name = codecs.lookup(forced).name
        except LookupError:
            raise InputError(f"unknown encoding {forced!r}; use utf-8, utf-8-sig, gb18030 or gbk",
                             Location(field="--encoding")) from None
        if not _ascii_compatible(name):
            raise InputError(f"encoding {forced!r} is not supported for CSV (commas and line breaks must be "
                             f"single bytes); use utf-8, utf-8-sig, gb18030 or gbk", Location(field="--encoding"))
        bom = len(codecs.BOM_UTF8) if name == "utf-8" and head.startswith(codecs.BOM_UTF8) else 0
        if name == "utf-8-sig":
            name, bom = "utf-8", len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
        return Encoding(name, bom, detected=False)
    for mark, name in _BOMS:
        if head.startswith(mark):
            if name == UTF8_BOM:
                return Encoding(UTF8, len(mark))
            raise InputError(f"the file is {name.upper()} text (Excel's 'Unicode 文本'), which batch does not read, "
                             f"whatever --encoding says; save it from Excel as 'CSV UTF-8 (逗号分隔)' or as plain "
                             f"'CSV (逗号分隔)' (GBK)",
                             Location(file=str(path)))
    if head.count(b"\x00") > max(16, len(head) // 200):  # UTF-16 without a mark, a binary file: not text;
        # a stray NUL or two (a cell pasted from another program) makes only its row bad (split_block)
        raise InputError("the file contains NUL bytes: it is not a CSV text file (is it .xlsx, or UTF-16: Excel's "
                         "'Unicode 文本'?), which no --encoding reads; save it from Excel as 'CSV UTF-8 (逗号分隔)' or "
                         "as plain 'CSV (逗号分隔)' (GBK), or pass an .xlsx as it is", Location(file=str(path)))
    tail_ok = len(head) < SNIFF_BYTES
    if head.isascii() and not tail_ok:  # ASCII so far reads the same in both: decide on the first text that is not
        head, tail_ok = _first_non_ascii(path, len(head))
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=tail_ok)
        return Encoding(UTF8)
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder(GB18030)(CP936_EURO).decode(head, final=tail_ok)
        return Encoding(GB18030, doubt=_not_chinese(head, tail_ok))
    except UnicodeDecodeError:
        pass
    name = _majority_encoding(head, tail_ok)
    return Encoding(name, doubt=_not_chinese(head, tail_ok) if name == GB18030 else "")


_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


def _first_non_ascii(path: Path, start: int) -> tuple[bytes, bool]:
    """Up to a megabyte of whole lines from the line of the file's first non-ASCII byte at or after ``start``
    (b"" when there is none: the file is ASCII, which UTF-8 reads), and whether it runs to the end of the file.

    A GBK export whose first megabyte is ASCII (pinyin names, numbers) is told from UTF-8 by its first Chinese
    text, wherever it is, not read as UTF-8 with every Chinese row refused.
    """
    with open(path, "rb") as f:
        f.seek(start)
        at = start
        while chunk := f.read(SNIFF_BYTES):
            if not chunk.isascii():
                found = _HIGH_BYTE.search(chunk)
                assert found is not None
                first = at + found.start()
                line_start = chunk.rfind(b"\n", 0, first - at) + 1 + at
                f.seek(line_start)
                window = f.read(SNIFF_BYTES)
                return window, len(window) < SNIFF_BYTES
            at += len(chunk)
    return b"", True


def _non_ascii_lines(head: bytes, whole: bool) -> Iterator[bytes]:
    """The lines of ``head`` with a byte above ASCII, leaving out its last line unless ``head`` is ``whole``
    (the rest of the file follows: that line may be cut)."""
    lines = head.split(b"\n")
    return (line for line in (lines if whole else lines[:-1]) if not line.isascii())


def _majority_encoding(head: bytes, whole: bool) -> str:
    """Neither UTF-8 nor GB18030 reads every line (rows pasted from two files): the one that reads more
    of the lines with non-ASCII text (as Chinese, for GB18030); the lines it cannot read become bad rows, the
    file is not refused."""
    utf8 = gbk = 0
    for line in _non_ascii_lines(head, whole):
        try:
            line.decode("utf-8")
            utf8 += 1
            continue
        except UnicodeDecodeError:
            pass
        try:  # a line counts for GBK only if it reads as Chinese (GB18030 turns cp1252's Müller into 'M黮ler')
            gbk += _looks_chinese(line.decode(GB18030, CP936_EURO).rstrip("\r"))
        except UnicodeDecodeError:
            pass
    return UTF8 if utf8 >= gbk else GB18030


def _not_chinese(head: bytes, whole: bool) -> str:
    r"""A word of the first line whose non-ASCII text does not read as Chinese in GB18030, as GB18030 reads it,
    when such lines outnumber the Chinese ones; else "". A file saved in another code page (cp1252's Müller,
    François) that GB18030 happens to decode has its names garbled ('M黮ler'); amounts in plain digits are not.

    >>> _not_chinese("名称\n甲公司\n".encode("gb18030"), True), _not_chinese("n\nMüller\n".encode("cp1252"), True)
    ('', 'M黮ler')
    """
    chinese = other = 0
    example = ""
    for line in _non_ascii_lines(head, whole):
        try:
            text = line.decode(GB18030, CP936_EURO).rstrip("\r")
        except UnicodeDecodeError:
            continue
        if _looks_chinese(text):
            chinese += 1
            continue
        if all(ch.isascii() or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef" for ch in text):
            continue  # only full-width digits or punctuation (１，２００): no word to be garbled
        other += 1
        if not example:
            example = next((w for w in re.split(r"[\s,;\"]+", text) if not w.isascii()), text)[:24]
    return example if other > chinese else ""


# ---------------------------------------------------------------- blocks

BLOCK_BYTES = 2 << 20
MAX_BLOCK_BYTES = 256 << 20


@dataclass
class Block:
    """A whole number of records as UTF-8 bytes; ``first_row`` is the 1-based data row of the first.

    ``first_line`` is the spreadsheet line of the first record as Excel and WPS
    show it (the header is line 1; a record is one line however many line
    breaks its quoted cells hold).
    ``unterminated``: the block is the one line where a quote opens a cell
    that never closes (see ``iter_raw_blocks``).
    """

    data: bytes
    first_row: int
    raw_end: int  # offset in the file just after the block (for progress)
    bad_encoding: bool = False  # some bytes did not decode: see the records' problems
    first_line: int = 2
    unterminated: bool = False
    encoding: Encoding | None = None  # how the file is read (for the message about bytes that did not decode)


def read_header(f: BinaryIO, enc: Encoding, path: Path) -> tuple[list[str], int]:
    """The header record (the first line; more when a quoted heading holds a line break, as Excel writes a
    heading typed with Alt+Enter) as names, and the file offset of the first data row."""
    f.seek(enc.bom)
    line = f.readline(1 << 20)
    if b"\r" in line.rstrip(b"\r\n") and line.count(b'"') % 2 == 0:
        raise InputError("the lines end with carriage returns only (old Mac CSV); save the file as 'CSV UTF-8' "
                         "or 'CSV (逗号分隔)'", Location(file=str(path)))
    if not line:
        raise InputError("the file is empty; the first line must name the columns (name,jurisdiction,year,…)",
                         Location(file=str(path)))
    if len(line) == 1 << 20 and not line.endswith(b"\n") and line.count(b'"') % 2 == 0:
        raise InputError("the first line is more than 1 MB long, which no header is: the first line must name the "
                         "columns (name,jurisdiction,year,… or 企业名称,所在地,年度,…); is this a CSV of companies?",
                         Location(file=str(path), line=1))
    while line.count(b'"') % 2 and line.endswith(b"\n") and len(line) < MAX_RECORD_BYTES:
        more = f.readline(1 << 20)  # a heading's line break inside quotes: the record goes on
        if not more:
            break
        line += more
    if line.count(b'"') % 2:
        raise InputError('a quote (") in the header line opens a heading that never closes; remove it or close it',
                         Location(file=str(path), line=1))
    try:
        text = line.decode(enc.name, enc.errors)
    except UnicodeDecodeError:
        raise InputError(f"the header line is not {enc.label} text; {ENCODING_HELP}", Location(file=str(path))) \
            from None
    try:
        names = [heading(n) for n in next(csv.reader(io.StringIO(text, newline="")), [])]
    except csv.Error as exc:  # a heading longer than the csv module's limit (131,072 characters), a NUL byte
        raise InputError(f"the header line cannot be read as column names ({exc}): the first line must name the "
                         f"columns (name,jurisdiction,year,… or 企业名称,所在地,年度,…)",
                         Location(file=str(path), line=1)) from None
    while len(names) > 1 and not names[-1]:  # Excel's empty columns right of the data (",,,"), as in an .xlsx
        names.pop()
    return names, enc.bom + len(line)  # [""] for an empty line: batch._bound_header says where the header is


#: what batch says of a first line (or sheet row) with no column names, when no later line looks like the header
EMPTY_FIRST_LINE = ("the first line is empty: it must name the columns (name,jurisdiction,year,… or 企业名称,所在地,"
                    "年度,…); delete any empty lines above the header")


def first_records(path: Path, enc: Encoding, n: int) -> list[list[str]]:
    """The first ``n`` records of a CSV as headings (for saying where its header is); what cannot be read is
    left out (this only ever adds to an error message)."""
    try:
        with open(path, "rb") as f:
            f.seek(enc.bom)
            data = f.read(256 << 10)
    except OSError:
        return []
    text = data.decode(enc.name, "replace")
    out = []
    try:
        for record in csv.reader(io.StringIO(text, newline="")):
            out.append([heading(c) for c in record])
            if len(out) >= n:
                break
    except csv.Error:  # a NUL byte, a record cut by the read: what was read so far
        pass
    return out


def heading(text: str) -> str:
    """A column heading as a name: without the spaces around it and its line breaks (Alt+Enter in a cell).

    >>> heading(" 所在地\\n"), heading("营业\\r\\n收入"), heading("revenue")
    ('所在地', '营业收入', 'revenue')
    """
    return "".join(part.strip() for part in text.splitlines())


#: a record (one row, with the line breaks inside its quoted cells) longer than this is a quote left open
MAX_RECORD_BYTES = 128 << 10


def _record_ok(text: bytes, width: int) -> bool:
    """Whether ``text`` (several lines) is one well-quoted CSV record of ``width`` cells (0: any)."""
    if len(text) > MAX_RECORD_BYTES:
        return False
    try:
        records = list(csv.reader(io.StringIO(text.decode("latin-1"), newline=""), strict=True))
    except csv.Error:
        return False
    if len(records) != 1:
        return False
    cells = records[0]
    return (not width or len(cells) == width or (len(cells) > width and not any(cells[width:]))
            or MIN_SHORT_ROW <= len(cells) < width)  # Excel's short rows (MIN_SHORT_ROW)


def _scan(data: bytes, eof: bool, width: int) -> tuple[int, int | None]:
    """Where to cut ``data`` (which starts at a record): ``(cut, None)``, or ``(cut, line_end)`` when the
    record at ``cut`` opens a quote that never closes (it is the line ``data[cut:line_end]``).

    A newline ends a record when an even number of quote characters precedes
    it (quotes come in pairs in a well-formed CSV, and "" inside a quoted cell
    is two of them).  A record spanning several lines must be one well-quoted
    record of the header's width, at most MAX_RECORD_BYTES long; otherwise
    its first line is where a quote went wrong, and reading resynchronises at
    the next line.  ``cut`` 0 with None: more data is needed.
    """
    last_nl = data.rfind(b"\n")
    if data.find(b'"', 0, last_nl if not eof else len(data)) < 0:
        return (len(data) if eof else last_nl + 1), None
    arr = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(arr == 34)
    newlines = np.flatnonzero(arr == 10)
    if eof and not data.endswith(b"\n"):
        newlines = np.append(newlines, len(data) - 1 if len(data) else 0)
        ends = newlines + 1
        ends[-1] = len(data)
    else:
        ends = newlines + 1
    odd = (np.searchsorted(quotes, newlines) % 2) == 1
    i = 0
    n = len(newlines)
    while True:
        rest = np.flatnonzero(odd[i:])
        if not len(rest):  # every record from here on is one line
            return (len(data) if eof else (int(ends[n - 1]) if n else 0)), None
        i0 = i + int(rest[0])
        rs = int(ends[i0 - 1]) if i0 > 0 else 0
        closes = np.flatnonzero(~odd[i0:])
        if not len(closes):  # still open at the end of what was read
            if eof or len(data) - rs > MAX_RECORD_BYTES:
                return rs, int(ends[i0])
            return rs, None
        j = i0 + int(closes[0])
        if not _record_ok(data[rs:int(ends[j])], width):
            return rs, int(ends[i0])
        i = j + 1
        if i >= n:
            return (len(data) if eof else int(ends[j])), None


def _record_cut(data: bytes) -> int:
    """Offset just after the last record boundary in ``data`` (0: none found)."""
    return _scan(data, False, 0)[0]


@dataclass(frozen=True)
class BlockRef:
    """Where a block is in the file: enough for another process to read it itself."""

    offset: int
    size: int
    first_row: int
    first_line: int = 2
    unterminated: bool = False

    @property
    def end(self) -> int:
        return self.offset + self.size


def without_dos_eof(data: bytes) -> bytes:
    r"""The end of a file without DOS's end-of-file mark: Ctrl-Z (0x1A) bytes at its very end, on a line of their
    own or after the last record, which some exports still add and which is not a row.

    >>> without_dos_eof(b"a,b\r\n1,2\r\n\x1a"), without_dos_eof(b"a,b\n1,2\x1a"), without_dos_eof(b"a,b\n1,2\n")
    (b'a,b\r\n1,2\r\n', b'a,b\n1,2', b'a,b\n1,2\n')
    """
    body = data.rstrip(b"\r\n")
    if not body.endswith(b"\x1a"):
        return data
    body = body.rstrip(b"\x1a")
    return body if body.endswith(b"\n") or not body else body + data[len(body):].replace(b"\x1a", b"")


def iter_raw_blocks(f: BinaryIO, start: int, block_bytes: int = BLOCK_BYTES, width: int = 0,
                    first_line: int = 2) -> Iterator[tuple[BlockRef, bytes]]:
    """Blocks of whole records from ``start``: where each is, and its bytes as in the file.

    Newlines, commas and quotes are single bytes in every encoding read here
    (UTF-8, GB18030/GBK), so records are cut and counted before decoding.  A
    line where a quote opens a cell that never closes (``_scan``) comes as a
    block of its own, marked ``unterminated``; reading goes on at the next
    line, so every later row keeps its number.
    """
    f.seek(start)
    pending = b""
    row = 1
    line = first_line
    pos = start
    eof = False
    size = block_bytes

    def emit(data: bytes, unterminated: bool = False) -> tuple[BlockRef, bytes]:
        nonlocal row, line, pos
        ref = BlockRef(pos, len(data), row, line, unterminated)
        pos += len(data)
        records = 1 if unterminated else (data.count(b"\n") if b'"' not in data else count_records(data))
        row += records
        line += records  # a spreadsheet shows each record as one line (SPEC 9.4)
        return ref, data

    while not eof or pending:
        if not eof:
            chunk = f.read(size)
            pending += chunk
            if len(chunk) < size:  # (a buffered read returns less only at the end of the file)
                eof = True
                pending = without_dos_eof(pending)
        if not pending:
            break
        cut, bad_end = _scan(pending, eof, width)
        if bad_end is not None:
            if cut:
                yield emit(pending[:cut])
            yield emit(pending[cut:bad_end], True)
            pending = pending[bad_end:]
            size = block_bytes
            continue
        if cut == 0:
            size = min(size * 2, MAX_BLOCK_BYTES)
            continue
        data, pending = pending[:cut], pending[cut:]
        yield emit(data)
        size = block_bytes


def iter_blocks(f: BinaryIO, enc: Encoding, start: int, block_bytes: int = BLOCK_BYTES) -> Iterator[Block]:
    """Blocks of whole records from ``start``, as UTF-8 bytes."""
    for ref, data in iter_raw_blocks(f, start, block_bytes):
        yield decode_block(ref, data, enc)


def decode_block(ref: BlockRef, data: bytes, enc: Encoding) -> Block:
    """A block's bytes (as read from the file at ``ref``) as UTF-8."""
    text, bad = _to_utf8(data, enc)
    return Block(text, ref.first_row, ref.end, bad, ref.first_line, ref.unterminated, enc if bad else None)


def read_block(fd: int, ref: BlockRef, enc: Encoding) -> Block:
    """Read and decode a block by its place in the file (a worker process does this itself)."""
    data = os.pread(fd, ref.size, ref.offset)
    if len(data) != ref.size:  # pragma: no cover - the file changed under us
        raise InputError("the file changed while it was being read", Location(row=ref.first_row))
    return decode_block(ref, data, enc)


def _to_utf8(data: bytes, enc: Encoding) -> tuple[bytes, bool]:
    if enc.is_utf8:
        try:
            data.decode("utf-8")
            return data, False
        except UnicodeDecodeError:
            return data, True
    try:
        return data.decode(enc.name, enc.errors).encode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode(enc.name, errors=enc.errors_escaped).encode("utf-8", errors="surrogateescape"), True


def count_records(data: bytes) -> int:
    """Number of records in a block (newlines outside quotes; a final unterminated record counts)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(arr == 34)
    newlines = np.flatnonzero(arr == 10)
    n = int(((np.searchsorted(quotes, newlines) % 2) == 0).sum())
    if data and not data.endswith(b"\n"):
        n += 1
    return n


# ---------------------------------------------------------------- cells


@dataclass
class RowProblem:
    """One problem of one input row: the errors file gets one line per problem."""

    row: int
    field: str
    value: str
    message: str
    line: int = 0  # the spreadsheet line (header = 1) where the row starts
    name: str = ""  # the row's company name, as far as it could be read


class SkipReason(str, Enum):
    """Why a row was skipped without being evaluated (it is not a bad row)."""

    TOTALS = "totals"  # 合计 / 总计 / 小计 / Total in the name and no year and no jurisdiction, or only 合计 …
    HEADER = "header"  # the header again (blocks pasted one under another, each with its header)
    OTHER_HEADER = "other_header"  # a header again, with other units or columns: the run is refused


#: words that mark a spreadsheet's totals row (lower case; matched anywhere in the name)
TOTALS_WORDS = ("合计", "总计", "小计", "汇总", "共计", "累计", "total")
#: the words are looked for in the first bytes of the name only (a totals row's name is short)
TOTALS_NAME_BYTES = 200


def names_a_total(name: str) -> bool:
    """Whether a company name reads like a totals row's (合计, Total …), as ``batch_table._drop_totals`` tests
    a column of them: a word of ``TOTALS_WORDS`` in its first ``TOTALS_NAME_BYTES`` bytes, ASCII case and
    spaces ignored (a two-character label is often spread out: "合  计", "合　计"); "total" as a word of its own
    ("Grand Total", "Subtotal", not "TotalEnergies"), and no word that names a company (公司, 科技, 有限 …:
    "小计算机有限公司", "汇总天下科技" are companies).

    >>> names_a_total("合计"), names_a_total("GRAND TOTAL"), names_a_total("合　计"), names_a_total("南昌合力科技")
    (True, True, True, False)
    >>> names_a_total("小计算机有限公司"), names_a_total("TotalEnergies 中国"), names_a_total("南昌 subtotal")
    (False, False, True)
    >>> names_a_total("全部企业合计"), names_a_total("合计（共2家企业）"), names_a_total("汇总天下科技")
    (True, True, False)
    """
    head = name.encode("utf-8")[:TOTALS_NAME_BYTES].decode("utf-8", "ignore").lower()
    if _TOTAL_WORD.search(head):
        return not _COMPANY_WORD.search("".join(head.split()))
    key = _without_count("".join(ch for ch in head if ch.isalnum()))  # spaces, punctuation, "共2家企业" aside
    return _cjk_total(key)


def _without_count(key: str) -> str:
    """A name's letters without the count a totals label gives: "合计共2家企业" -> "合计", "小计3户" -> "小计"."""
    return _COUNT.sub("", key)


def _cjk_total(key: str) -> bool:
    """合计 / 小计 / 汇总 … in a name's letters: a totals label when the name ends with the word ("全部企业合计", "全厂合计")
    or, elsewhere in it, when no word names a company ("合计金额", not "小计算机有限公司", "汇总天下科技")."""
    return bool(_CJK_TOTAL_END.search(key)) or (bool(_CJK_TOTAL.search(key)) and not _COMPANY_WORD.search(key))


#: "total" as a word of its own (not "TotalEnergies", "totally"): subtotal, totals, grand total
_TOTAL_WORD = re.compile(r"(?<![a-z])(?:sub|grand)?totals?(?![a-z])")


#: a name that is only a totals label (spaces and punctuation aside) is a totals row even with a year and a
#: place filled in: Excel users fill 年度 and 所在地 down the whole sheet, the totals row included
TOTALS_LABELS = frozenset({"合计", "总计", "小计", "汇总", "总合计", "合计数", "总计数", "全部合计", "累计", "本页合计", "共计",
                           "总数", "总额", "平均", "平均值", "平均数", "均值",
                           "total", "totals", "grandtotal", "subtotal", "sum", "average", "mean"})
#: the longest such name, in bytes, with its spaces, punctuation and what it sums ("合计（共125家）": 22 bytes)
TOTALS_LABEL_BYTES = 60


_CJK_TOTAL = re.compile("合计|总计|小计|共计|汇总|累计")
_CJK_TOTAL_END = re.compile("(?:合计|总计|小计|共计|汇总|累计)$")
#: the count a totals label may give: "共2家", "25户", "3家企业", "125 companies" (in a name's letters)
_COUNT = re.compile(r"共?[0-9０-９]+(?:家|户|个|项|条|名|人|行|companies|company|firms|rows)(?:企业|公司|单位|工厂)?")
_COMPANY_WORD = re.compile("公司|集团|企业|厂|有限|股份|研究院|研究所|中心|事务所|合作社|工作室|商行|科技|实业|"
                           "ltd|inc|corp|co$|llc|gmbh")


def is_totals_label(name: str) -> bool:
    """Whether a name is nothing but a totals label: "合计", "合 计：", "（合计）", "Grand Total", "小计 ".

    A count beside the label is part of it: "合计（25家）", "合计 25 户".

    >>> is_totals_label("合　计："), is_totals_label("Grand Total"), is_totals_label("合计科技有限公司")
    (True, True, False)
    >>> is_totals_label("合计（25家）"), is_totals_label("小计:3户"), is_totals_label("合计25家科技")
    (True, True, False)
    >>> is_totals_label("@SUM(1+1)"), is_totals_label("Total 2"), is_totals_label("Total (25 companies)")
    (False, False, True)
    >>> is_totals_label("合计（共2家）"), is_totals_label("南昌合计"), is_totals_label("以上合计"), is_totals_label("共计")
    (True, True, True, True)
    >>> is_totals_label("汇总科技有限公司"), is_totals_label("南昌小计电子厂")
    (False, False)
    >>> is_totals_label("合计（共2家企业）"), is_totals_label("全部企业合计"), is_totals_label("全厂合计")
    (True, True, True)

    The rows a summary sheet adds: "其中：高新区" (the part of the total above that is one district's), "总数",
    "平均值"; a company is never named so ("其中科技有限公司" names one):

    >>> is_totals_label("其中：高新区"), is_totals_label("  平均值"), is_totals_label("总数"), is_totals_label("其中科技有限公司")
    (True, True, True, False)
    """
    key = "".join(ch for ch in name.lower() if ch.isalnum())
    if key in TOTALS_LABELS:
        return True
    if key.startswith("其中") and _part_of_total(name):  # 其中：高新区, 其中：规上企业
        return True
    bare = _without_count(key)
    if bare != key and bare in TOTALS_LABELS:  # "@SUM(1+1)" has no counter word: a name
        return True
    # 合计 / 共计 … with what it sums ("南昌合计", "以上合计", "全部企业合计", "合计（共2家）", "小计（南昌）", "合计金额"), and
    # unless the name ends with it, nothing that names a company (公司, 集团, 厂 …: "合计科技有限公司" is one)
    return _cjk_total(bare)


#: a legal form names a company even after "其中：" ("其中：南昌某某有限公司" is one, "其中：规上企业" is not)
_LEGAL_FORM = re.compile("公司|集团|有限|股份|研究院|研究所|事务所|合作社|工作室|商行|厂$")
_LATIN_FORM = re.compile(r"(?<![a-z])(?:ltd|inc|corp|llc|gmbh|co\.,? ?ltd)(?![a-z])")  # (words: not "incubator")
#: the words of a kind of company by its form of registration, a summary's breakdown ("其中：股份有限公司",
#: "其中：有限责任公司", "其中：集团企业", "其中：股份制企业"): what is left of a company's name without them is a name
_FORM_WORDS = re.compile("股份有限公司|有限责任公司|有限公司|股份公司|股份制|股份|集团|公司|企业|类|制|其他|外资|内资|国有|民营|私营")
#: 其中 as a word of its own: punctuation or a space after it ("其中：", "其中:", "其中，", "其中 ", "其中/"), a
#: bracket before it ("（其中：规上企业）")
_PART_OF = re.compile(r"^[\s(（\[【]*其中(?:[\s:：，,、。.;；（(\-—/／]|$)")


def _part_of_total(name: str) -> bool:
    """Whether a name starting with 其中 is the part of a total a summary sheet gives under it: "其中：高新区",
    "其中：规上企业", "其中：高新技术企业" (企业, 科技 there name a kind of company, not one); after "其中" with
    punctuation only a legal form (有限公司, 集团 …) names a company; run into the next word ("其中科技有限公司",
    "其中网络科技") only a name with no company word at all is a part ("其中高新区").

    >>> _part_of_total("其中：规上企业"), _part_of_total("其中：科技型中小企业"), _part_of_total("其中: 高新技术企业")
    (True, True, True)
    >>> _part_of_total("其中：南昌某某有限公司"), _part_of_total("其中科技有限公司"), _part_of_total("其中高新区")
    (False, False, True)

    A breakdown by form of registration names a kind too; brackets and a slash are punctuation:

    >>> _part_of_total("其中：股份有限公司"), _part_of_total("其中：集团企业"), _part_of_total("（其中：规上企业）")
    (True, True, True)
    >>> _part_of_total("其中/规上企业"), _part_of_total("其中：孵化器（incubator）"), _part_of_total("其中：Acme Inc")
    (True, True, False)
    """
    key = "".join(ch for ch in name.lower() if ch.isalnum())
    if _PART_OF.match(name):
        rest = key.removeprefix("其中")
        if _LATIN_FORM.search(name.lower()):
            return False
        return not _LEGAL_FORM.search(rest) or not _FORM_WORDS.sub("", rest)
    return not _COMPANY_WORD.search(key)


@dataclass(frozen=True)
class SkippedRow:
    """A row left out on purpose (a totals row): reported, never evaluated, not an error."""

    row: int
    line: int
    name: str
    reason: SkipReason
    detail: str = ""  # OTHER_HEADER: what differs from the first header


@dataclass
class Cells:
    """The cells of one block: cell (i, j) is ``buf[start[i, j] : start[i, j] + length[i, j]]`` (UTF-8)."""

    buf: np.ndarray  # uint8
    start: np.ndarray  # (n, k) int64
    length: np.ndarray  # (n, k) int64
    rows: np.ndarray  # (n,) int64, 1-based data row numbers
    problems: list[RowProblem] = field(default_factory=list)
    lines: np.ndarray | None = None  # (n,) int64, the spreadsheet line of each row (header = 1)
    blank: int = 0  # rows with every cell empty: skipped, not problems
    #: (n, k) bool, or None: cells the reader refused (a formula with no result, an inexact float …), reported in
    #: ``problems`` and left empty here; their rows are parsed for their other problems, then never evaluated
    refused: np.ndarray | None = None
    #: data row -> its number of cells, for the rows that had fewer than the header (read with empty last cells)
    short: dict[int, int] = field(default_factory=dict)
    #: the data rows hidden in the workbook's sheet (by hand, by a filter or in a collapsed group): read all the same
    hidden: frozenset[int] = frozenset()
    #: (data row, line, its text) of the rows read as blank whose only text, in columns that are not read (序号,
    #: 备注), may be a note on the sheet's unit ("注：金额单位为万元" typed into the 序号 column): ``maybe_note``
    notes: tuple[tuple[int, int, str], ...] = ()

    def __post_init__(self) -> None:
        if self.lines is None:
            self.lines = self.rows + 1

    @property
    def n(self) -> int:
        return len(self.rows)

    def text(self, i: int, j: int) -> str:
        s, n = int(self.start[i, j]), int(self.length[i, j])
        return self.buf[s:s + n].tobytes().decode("utf-8", errors="replace")


def split_block(block: Block, header: Sequence[str], counted: Sequence[bool] | None = None,
                unread: Sequence[bool] | None = None) -> Cells:
    """Cut a block into cells; rows with the wrong number of cells, or with NUL bytes, become problems.

    Rows whose cells are all empty (Excel's ``,,,,`` lines) are skipped and
    counted in ``Cells.blank``; they keep their row numbers. ``counted``: per
    column, whether it is read (False for a 序号 or 备注 column): a row with
    values in such columns only (a template's numbered empty rows) is blank too. ``unread``: per column,
    whether it is the sheet's own (序号, 备注), looked through for a note on the unit in every row.
    """
    if block.unterminated:
        cells = _split_unterminated(block, header)
    elif block.bad_encoding or b"\0" in block.data:
        cells = _split_with_csv(block, header)
    else:
        cells = _split_plain(block, header) or _split_with_csv(block, header)
    if unread is not None and unread and unread[0] and cells.problems:
        cells = _serial_only(cells)
    return _drop_blank(cells, counted, unread)


def _serial_only(cells: Cells) -> Cells:
    """A line of one cell that is only a number, under a first column that is not read (序号 21, 22 … of a
    template's rows below the data, whose trailing commas Excel's CSV export left out): blank, as in the .xlsx
    (a one-cell line is otherwise a problem: a note, or a line broken by an unquoted line break)."""
    # (a whole line's problem whose text is only digits: no comma, so one cell; no quote, no NUL)
    serial = [p for p in cells.problems if not p.field and p.value.strip().isdigit() and len(p.value.strip()) <= 7]
    if not serial:
        return cells
    drop = {id(p) for p in serial}
    return replace(cells, problems=[p for p in cells.problems if id(p) not in drop], blank=cells.blank + len(serial))


#: first bytes of a cell that may be only white space: space, tab, CR, LF, NBSP (C2 A0), U+3000 (E3 80 80) …
_SPACE_STARTS = np.zeros(256, dtype=bool)
_SPACE_STARTS[[0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C, 0xC2, 0xE1, 0xE2, 0xE3]] = True


def empty_rows(cells: Cells, counted: Sequence[bool] | None = None) -> np.ndarray:
    """Per row: is every cell empty or only spaces (`` , , ,`` or a full-width space: a row that looks empty)?

    The field parsers read such a cell as no value, so such a row is Excel's blank line, not a company.
    ``counted``: only those columns are looked at (a row with nothing but its 序号 is blank).
    """
    length = cells.length
    if not length.shape[1]:
        return np.ones(cells.n, dtype=bool)
    columns = list(range(length.shape[1]))
    if counted is not None and any(counted) and not all(counted[:len(columns)]):
        columns = [j for j in columns if j >= len(counted) or counted[j]]
    empty = (length[:, columns] == 0).all(axis=1)
    # only rows whose every filled cell starts like white space are read as text; a column at a time, so that
    # the first column with a name or a number leaves next to no rows to look at
    maybe = np.flatnonzero(~empty)
    last = len(cells.buf) - 1
    for j in columns:
        if not len(maybe):
            break
        filled = length[maybe, j] > 0
        starts_like_space = _SPACE_STARTS[cells.buf[np.minimum(cells.start[maybe, j], last)]]
        maybe = maybe[~filled | starts_like_space]
    for i in maybe.tolist():
        empty[i] = all(not cells.text(i, j).strip() for j in columns)
    return empty


def maybe_note(text: str) -> bool:
    """Whether a cell's text may say the sheet's unit ("注：金额单位为万元", "单位：万元", "以万元计"): a first,
    cheap look, before ``batch_table.unit_note_row`` reads it."""
    return bool(text) and len(text) <= 200 and any(w in text for w in ("单位", "單位", "金额", "金額", "以"))


#: the words a note on the unit typed beside a company's figures has (not "以": 以上, 以下 are everyday remarks)
_NOTE_WORDS = ("单位", "單位", "金额", "金額")
#: the same as bytes (a first scan of a whole column)
_NOTE_NEEDLES = tuple(w.encode("utf-8") for w in _NOTE_WORDS)


def maybe_aside_note(text: str) -> bool:
    """Whether a cell of a column not read (备注, 序号) in a company's row may say the sheet's unit
    ("金额单位：万元"): ``maybe_note`` with one of ``_NOTE_WORDS``."""
    return maybe_note(text) and any(w in text for w in _NOTE_WORDS)


def _aside_notes(cells: Cells, unread: Sequence[bool], empty: np.ndarray) -> list[tuple[int, int, str]]:
    """Notes on the unit in a column not read (备注, 序号) of a company's row ("金额单位：万元" in its 备注 cell):
    (row, line, text) for ``Cells.notes``. A byte scan of each such column, then only its hits in Python."""
    assert cells.lines is not None
    out = []
    for j, own in enumerate(unread[:cells.length.shape[1]]):
        if not own:
            continue
        rows = np.flatnonzero(~empty & (cells.length[:, j] > 0) & (cells.length[:, j] <= 600))
        if not len(rows):
            continue
        m = np.ascontiguousarray(gather(cells.buf, cells.start[rows, j], cells.length[rows, j]))
        if not m.size:
            continue
        data, w = m.tobytes(), m.shape[1]
        near = np.zeros(len(rows), dtype=bool)
        for needle in _NOTE_NEEDLES:
            i = data.find(needle)
            while i >= 0:
                near[i // w] = True
                i = data.find(needle, (i // w + 1) * w)
        for i in rows[near].tolist():
            text = cells.text(i, j).strip()
            if maybe_aside_note(text):
                out.append((int(cells.rows[i]), int(cells.lines[i]), text))
    return out


def _drop_blank(cells: Cells, counted: Sequence[bool] | None = None, unread: Sequence[bool] | None = None) -> Cells:
    empty = empty_rows(cells, counted)
    notes: list[tuple[int, int, str]] = _aside_notes(cells, unread, empty) if unread is not None and any(unread) \
        and cells.n else []
    if not empty.any():
        return replace(cells, notes=(*cells.notes, *notes)) if notes else cells
    assert cells.lines is not None
    for i in np.flatnonzero(empty & (cells.length > 0).any(axis=1)).tolist():  # text in a 序号 / 备注 column only
        text = " ".join(t for j in range(cells.length.shape[1]) if (t := cells.text(i, j).strip()))
        if maybe_note(text):
            notes.append((int(cells.rows[i]), int(cells.lines[i]), text))
    kept = keep_rows(cells, ~empty, blank=int(empty.sum()))
    return replace(kept, notes=(*cells.notes, *notes)) if notes else kept


def keep_rows(cells: Cells, keep: np.ndarray, blank: int = 0) -> Cells:
    """Only the rows ``keep`` (a bool mask) of ``cells``; ``blank`` more rows counted as blank."""
    assert cells.lines is not None
    return Cells(cells.buf, np.asfortranarray(cells.start[keep]), np.asfortranarray(cells.length[keep]),
                 cells.rows[keep], cells.problems, cells.lines[keep], cells.blank + blank,
                 cells.refused[keep] if cells.refused is not None else None, cells.short, cells.hidden, cells.notes)


def _original(text: str, enc: Encoding | None) -> bytes:
    """A cell's bytes as the file holds them: its text (decoded in the file's encoding, undecodable bytes kept
    as surrogates) encoded back the same way."""
    codec = enc.name if enc is not None and not enc.is_utf8 else "utf-8"
    return text.encode(codec, "surrogateescape")


def _common_hanzi(ch: str) -> bool:
    """Whether a CJK character is one of GB2312's (the hanzi of everyday text and nearly every company name)."""
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _looks_chinese(text: str) -> bool:
    """Whether a decoding reads as Chinese text: a guess at an encoding is offered only then (GB18030 decodes
    nearly any bytes into something: cp1252's Müller into 'M黮ler', François into 'Fran鏾is').

    Chinese text here means: nothing unprintable; CJK characters, most of them GB2312's everyday hanzi (a
    Latin-1 letter before an ASCII one decodes to a rare GBK extension character); and no CJK character inside
    a Latin word (Gößmann's 'öß' is the everyday 鲞, but between 'G' and 'mann').

    >>> [_looks_chinese(t) for t in ("甲公司", "王喆科技 Ltd", "小i机器人", "M黮ler", "舗gstr鰉", "G鲞mann", "abc")]
    [True, True, True, False, False, False, False]
    """
    if not all(ch.isprintable() or ch in "\t" for ch in text):
        return False
    hanzi = [k for k, ch in enumerate(text) if "\u4e00" <= ch <= "\u9fff"]
    if not hanzi or 2 * sum(_common_hanzi(text[k]) for k in hanzi) <= len(hanzi):
        return False
    return not any(0 < k < len(text) - 1 and all(c.isascii() and c.isalpha() for c in (text[k - 1], text[k + 1]))
                   for k in hanzi)


def _best_text(raw: bytes) -> str:
    """Bytes that did not decode in the file's encoding, for a message: as UTF-8 or GB18030 if either reads them
    (a row pasted in from a file saved the other way), else UTF-8 with replacement marks.

    >>> _best_text("甲公司".encode("gbk")), _best_text("乙".encode()), _best_text(bytes([255, 254]))
    ('甲公司', '乙', '��')
    """
    for codec in ("utf-8", "gb18030"):
        try:
            text = raw.decode(codec, CP936_EURO if codec == "gb18030" else "strict")
        except UnicodeDecodeError:
            continue
        if codec == "utf-8" or _looks_chinese(text):
            return text
    return raw.decode("utf-8", "replace")


def _encoding_message(raw: bytes, enc: Encoding | None) -> str:
    """Why a cell's bytes are refused, and what to do: which encoding they look like (a file with rows saved two
    ways, from a copy-paste between files), and --encoding only when it was not already given.

    >>> _encoding_message("甲".encode("gbk"), Encoding("utf-8"))[:93]
    'not UTF-8 text, which the rest of the file is (this cell reads as GBK: rows from a file saved'
    """
    if enc is None:
        return f"not valid text in the file's encoding; {ENCODING_HELP}"
    label = enc.label.split(" ")[0]
    looks = ""
    for codec, name in (("utf-8", "UTF-8"), ("gb18030", "GBK")):
        if name == label or (name == "GBK" and label in ("GB18030", "GBK")):
            continue
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec == "gb18030" and not _looks_chinese(text):
            continue
        looks = name
        break
    if not looks:  # a Western file (é, “ ”, €) saved as "ANSI" on a Western Windows: its header is ASCII
        try:
            western = raw.decode("cp1252")
        except UnicodeDecodeError:
            western = ""
        high = sum(not ch.isascii() for ch in western)  # a few accented letters among plain ones, not bytes
        if high and sum(ch.isascii() and ch.isalpha() for ch in western) >= 2 * high \
                and all(ch.isalpha() or ch in "“”‘’–—€" for ch in western if not ch.isascii()):
            looks = "Windows-1252"
    how = "which the rest of the file is" if enc.detected else "as --encoding says the file is"
    mixed = f" (this cell reads as {looks}: rows from a file saved another way were pasted in)" if looks else ""
    switch = f"pass --encoding {looks.lower()} if the whole file is {looks}, or " if looks else ""
    if enc.detected:
        if looks == "Windows-1252":  # (a file whose other rows are ASCII cannot tell its encoding: both said)
            return (f"not {label} text, {how} (this cell reads as Windows-1252: rows from a file saved another way "
                    f"were pasted in, or the whole file is Windows-1252, and then pass --encoding windows-1252); "
                    f"{SAVE_HELP} so that every row is in one encoding")
        return f"not {label} text, {how}{mixed}; {SAVE_HELP} so that every row is in one encoding"
    return f"not {label} text, {how}{mixed}; {switch}{SAVE_HELP}"


#: what a bad line with a carriage return alone inside it is told (the CR is read as part of the line, as
#: every reader of the file counts lines by their line feeds)
LONE_CR_HINT = ("; the line holds a lone carriage return (CR, as old Mac files end their lines), read as part of the "
                "line: if it ends a row, save the sheet again as CSV UTF-8")
#: a lone CR while the csv module reads a block: held as this character, so that csv does not end a record there
_HELD_CR = "\ue001"


def _loose_cells(text: str) -> list[str]:
    """The cells of one bad line, to name its company: as csv reads them, or split at commas where csv refuses
    the line (a lone CR inside an unquoted cell, as a Mac-era export or a pasted cell leaves: "new-line character
    seen in unquoted field" was a traceback, and nothing was written)."""
    try:
        return next(csv.reader([text]), [])
    except csv.Error:
        return text.split(",")


def _name_of(record: Sequence[str], header: Sequence[str]) -> str:
    """The name cell of a record that could not be read as a whole (best effort, for messages)."""
    j = list(header).index("name") if "name" in header else -1
    return _clip(record[j].strip(), 60) if 0 <= j < len(record) else ""


def _split_unterminated(block: Block, header: Sequence[str]) -> Cells:
    """The one line where a quote opens a cell and never closes: a problem, unless it reads as a row."""
    text = block.data.decode("utf-8", errors="surrogateescape")
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error:
        records = []
    if len(records) == 1:  # a quote inside a cell ('ab"c'), which the csv module reads literally
        return _split_with_csv(block, header)
    loose = next(csv.reader(io.StringIO(text.rstrip("\r\n"), newline=""), strict=False), [])
    k = len(header)
    problem = RowProblem(block.first_row, "", _clip(text.rstrip("\r\n").encode("utf-8", "surrogateescape")
                                                    .decode("utf-8", "replace")),
                         "a quote (\") opens a cell on this line and does not close where the row ends; the row is "
                         "skipped and reading resumes on the next line: remove the quote, or double it (\"\") inside "
                         "a quoted cell",
                         block.first_line, _name_of(_loose_cells(text.rstrip("\r\n").replace('"', "")),
                                                    header) or _name_of(loose, header))
    return Cells(np.zeros(1, np.uint8), np.zeros((0, k), np.int64, order="F"), np.zeros((0, k), np.int64, order="F"),
                 np.zeros(0, np.int64), [problem], np.zeros(0, np.int64))


#: a row with fewer cells than the header has its missing last cells read as empty, as Excel means them: its
#: "CSV (逗号分隔)" export leaves out the commas of empty cells at the end of a row in some blocks of rows (only
#: the first 16 rows of a block get them all). A row of one cell (a note under the table, a line broken by an
#: unquoted line break) still gets the message saying its cells do not line up.
MIN_SHORT_ROW = 2
IGNORED_PREFIX = "_ignored_"  # the name batch_table gives a sheet's own bookkeeping column (序号, 备注): never read
_EMPTY_BYTES = np.frombuffer(b', "\t\r\n', dtype=np.uint8)  # what a blank line of a CSV holds


def _count_message(got: int, want: int, sheet: bool = False) -> str:
    """Why a row's cells do not line up with the header, and the usual cause.

    >>> _count_message(5, 4)
    'the row has 5 cells, the header has 4 columns: a cell lies past the last column, or a cell with a comma in it (a name, 1,200,000) is not in double quotes'
    """
    if sheet:
        why = "a cell lies past the last column of the header: delete it or give its column a heading"
    elif got > want:
        why = "a cell lies past the last column, or a cell with a comma in it (a name, 1,200,000) is not in double quotes"
    else:
        why = "cells are missing (every row needs a cell, perhaps empty, for each column)"
    return f"the row has {got} cell{'s' if got != 1 else ''}, the header has {want} columns: {why}"


def joined(cells: Sequence[str]) -> str:
    """A row's cells as one CSV line, quoted where a cell needs it, so that a comma inside a cell is seen as one.

    >>> joined(["丙,公司", "100", "南昌"])
    '"丙,公司",100,南昌'
    """
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue()


def _split_plain(block: Block, header: Sequence[str]) -> Cells | None:
    """numpy tokeniser; None when the block's quoting is not the well-formed kind it reads.

    Separators inside quotes do not count (an even number of quote characters
    precedes a real separator).  Quoted cells are then unquoted one by one in
    Python, which is cheap because they are rare; a quote anywhere but around
    a whole cell sends the block to Python's ``csv`` module instead.
    """
    k = len(header)
    data = block.data if block.data.endswith(b"\n") else block.data + b"\n"
    buf = np.frombuffer(data, dtype=np.uint8)
    is_nl = buf == 10
    seps = np.flatnonzero(is_nl | (buf == 44)).astype(np.int32)  # blocks are far below 2 GB
    quotes = np.flatnonzero(buf == 34)
    if len(quotes):
        if len(quotes) % 2:
            return None
        # separators between an opening quote and its closing one are text ("" inside stays paired)
        lo = np.searchsorted(seps, quotes[0::2])
        hi = np.searchsorted(seps, quotes[1::2])
        depth = np.zeros(len(seps) + 1, dtype=np.int32)
        np.add.at(depth, lo, 1)
        np.add.at(depth, hi, -1)
        seps = seps[np.cumsum(depth[:-1]) == 0]
    nl_idx = np.flatnonzero(is_nl[seps])  # which separators end a line
    nlines = len(nl_idx)  # records (a quoted cell's line breaks are inside one)
    lines_all = block.first_line + np.arange(nlines, dtype=np.int64)
    del is_nl
    per_line = np.diff(nl_idx, prepend=-1)
    starts = np.empty(len(seps), dtype=np.int32)
    starts[0:1] = 0
    starts[1:] = seps[:-1] + 1
    ends = seps
    last = ends[nl_idx]  # a CR before the LF is not part of the last cell
    cr = (last > starts[nl_idx]) & (buf[np.maximum(last - 1, 0)] == 13)
    ends[nl_idx[cr]] -= 1
    rows_all = block.first_row + np.arange(nlines, dtype=np.int64)
    good_line = per_line == k
    problems: list[RowProblem] = []
    short: dict[int, int] = {}
    blank = 0
    if not good_line.all():
        first_sep = np.concatenate(([0], np.cumsum(per_line)))
        # Excel's short rows (often most rows of its CSV export): told apart from blank lines without Python per
        # line, by whether anything but separators, quotes and ASCII white space lies between their first and
        # last cell; the rest (blank, too many or too few cells) line by line below
        shorts = np.flatnonzero((per_line >= MIN_SHORT_ROW) & (per_line < k))
        if len(shorts):
            filled = np.concatenate(([0], np.cumsum(~np.isin(buf, _EMPTY_BYTES), dtype=np.int32)))
            first_at = starts[first_sep[shorts]]
            last_at = ends[first_sep[shorts] + per_line[shorts] - 1]
            # (a few bytes may be full-width spaces only: those lines are read by the loop below)
            shorts = shorts[filled[last_at] - filled[first_at] > 6]
            good_line[shorts] = True
            short.update(zip(rows_all[shorts].tolist(), per_line[shorts].tolist()))
        bad_lines = np.flatnonzero(~good_line)
        for ln in bad_lines.tolist():
            a = int(first_sep[ln])
            cnt = int(per_line[ln])
            s0, e0 = int(starts[a]), int(ends[a + cnt - 1])
            if not data[s0:e0].replace(b",", b"").decode("utf-8", errors="replace").strip():
                blank += 1
                continue  # a blank line (or only commas and spaces): skipped, but it keeps its row number
            if cnt > k and all(not data[int(starts[a + x]):int(ends[a + x])].decode("utf-8", "replace").strip()
                                for x in range(k, cnt)):
                good_line[ln] = True  # only empty cells after the last column (Excel does this)
                continue
            if MIN_SHORT_ROW <= cnt < k:  # Excel's short rows: the missing last cells are empty (padded below)
                good_line[ln] = True
                short[int(rows_all[ln])] = cnt
                continue
            text = data[s0:e0].decode("utf-8", errors="replace")
            cr = LONE_CR_HINT if "\r" in text.rstrip("\r\n") else ""
            problems.append(RowProblem(int(rows_all[ln]), "", _clip(text), _count_message(cnt, k) + cr,
                                       int(lines_all[ln]), _name_of(_loose_cells(text), header)))
        keep_sep = np.repeat(good_line, per_line)
        extra = good_line & (per_line > k)
        if extra.any():  # lines with extra empty cells: keep only their first k cells
            pos_in_line = np.arange(len(seps)) - np.repeat(first_sep[:-1], per_line)
            keep_sep &= ~(np.repeat(extra, per_line) & (pos_in_line >= k))
        starts, ends = starts[keep_sep], ends[keep_sep]
        if short:  # a row of each line's k cells; a short line's missing ones empty, where its last cell ends
            have = np.minimum(per_line[good_line], k)
            line_of = np.repeat(np.arange(len(have)), have)
            offset = np.concatenate(([0], np.cumsum(have)[:-1]))
            at = line_of * k + np.arange(len(starts)) - np.repeat(offset, have)
            padded_start = np.repeat(ends[np.cumsum(have) - 1], k)
            padded_end = padded_start.copy()
            padded_start[at], padded_end[at] = starts, ends
            starts, ends = padded_start, padded_end
        rows_all = rows_all[good_line]
        lines_all = lines_all[good_line]
    n = len(rows_all)
    lengths = ends - starts
    if len(quotes):
        unquoted = _unquote(buf, starts, lengths, quotes)
        if unquoted is None:
            return None
        buf = unquoted
    # column-major: the builder reads one column at a time
    start = np.asfortranarray(starts.reshape(n, k))
    length = np.asfortranarray(lengths.reshape(n, k))
    return Cells(buf, start, length, rows_all, problems, lines_all, blank, short=short)


def _unquote(buf: np.ndarray, flat_start: np.ndarray, flat_len: np.ndarray, quotes: np.ndarray) -> np.ndarray | None:
    """Replace each quoted cell by its text (appended to the buffer); None if a quote is out of place.

    ``flat_start`` and ``flat_len`` (the cells in buffer order) are rewritten in place.
    """
    at_quote = np.searchsorted(flat_start, quotes)  # the cells that start with a quote are the quoted ones
    hit = at_quote < len(flat_start)
    hit[hit] = flat_start[at_quote[hit]] == quotes[hit]
    quoted = at_quote[hit]
    quoted = quoted[flat_len[quoted] > 0]
    # every quote must lie inside a quoted cell
    qs, qe = flat_start[quoted], flat_start[quoted] + flat_len[quoted]
    cell = np.searchsorted(qs, quotes, side="right") - 1
    if (cell < 0).any() or not (quotes < qe[cell]).all():
        return None
    extra: list[bytes] = []
    at = len(buf)
    for c in quoted.tolist():
        s, n = int(flat_start[c]), int(flat_len[c])
        raw = buf[s:s + n].tobytes()
        if n < 2 or not raw.endswith(b'"') or raw[1:-1].replace(b'""', b"").count(b'"'):
            return None
        text = raw[1:-1].replace(b'""', b'"')
        flat_start[c] = at
        flat_len[c] = len(text)
        extra.append(text)
        at += len(text)
    return np.concatenate([buf, np.frombuffer(b"".join(extra), dtype=np.uint8)])


def _split_with_csv(block: Block, header: Sequence[str]) -> Cells:
    """Python's csv module for a block with quotes (or with bytes that did not decode)."""
    k = len(header)
    text = block.data.decode("utf-8", errors="surrogateescape")
    # a CR alone (not before a LF) is part of its line, as the fast path and the line numbers read it: csv would
    # end a record there, reporting the rest of the line as a row of its own and every later line one off
    held = "\r" in text and _HELD_CR not in text and re.search("\r(?!\n)", text) is not None
    if held:
        text = re.sub("\r(?!\n)", _HELD_CR, text)
    good = CellRows()
    problems: list[RowProblem] = []
    short: dict[int, int] = {}
    blank = 0
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    row = block.first_row - 1
    while True:
        line = block.first_line + row - (block.first_row - 1)  # the record's line in a spreadsheet
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # pragma: no cover - strict=False accepts nearly everything
            row += 1
            problems.append(RowProblem(row, "", "", f"not valid CSV: {exc}", line))
            continue
        row += 1
        if held:
            record = [c.replace(_HELD_CR, "\r") for c in record]
        if not any(c.strip() for c in record):  # no cell, or only empty and white-space cells
            blank += 1
            continue
        if len(record) > k and not any(c.strip() for c in record[k:]):
            record = record[:k]
        elif MIN_SHORT_ROW <= len(record) < k:
            short[row] = len(record)
            record += [""] * (k - len(record))
        name = _name_of(record, header).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        if len(record) != k:
            cr = LONE_CR_HINT if held and any("\r" in c.rstrip("\r") for c in record) else ""
            problems.append(RowProblem(row, "", _clip(joined(record).encode("utf-8", "surrogateescape")
                                                      .decode("utf-8", "replace")), _count_message(len(record), k) + cr,
                                       line, name))
            continue
        if any(_has_surrogate(c) for c in record):  # (first: a NUL cell's text may hold undecodable bytes too)
            j = next(j for j, c in enumerate(record) if _has_surrogate(c))
            raw = _original(record[j], block.encoding)
            problems.append(RowProblem(row, header[j], _clip(_best_text(raw).replace("\0", "\\0")),
                                       _encoding_message(raw, block.encoding), line,
                                       _best_text(_original(_name_of(record, header), block.encoding))
                                       .replace("\0", "\\0")))
            continue
        if any("\0" in c for j, c in enumerate(record) if not header[j].startswith(IGNORED_PREFIX)):
            j = next(j for j, c in enumerate(record) if "\0" in c and not header[j].startswith(IGNORED_PREFIX))
            problems.append(RowProblem(row, header[j], _clip(record[j].replace("\0", "\\0")),
                                       "contains a NUL byte: is this a text CSV file?", line,
                                       name.replace("\0", "\\0")))
            continue
        good.add(row, line, record)
    cells = good.cells(k, problems, blank)
    cells.short = short
    return cells


class CellRows:
    """Rows of cell texts laid end to end as UTF-8, for ``Cells`` (the CSV and the .xlsx readers)."""

    def __init__(self) -> None:
        self.pieces: list[bytes] = []
        self.lengths: list[int] = []
        self.rows: list[int] = []
        self.lines: list[int] = []
        self.refused: list[tuple[int, Sequence[int]]] = []  # (index of the row, its refused columns)
        self.hidden: list[int] = []  # the data rows hidden in the sheet (Cells.hidden)

    def add(self, row: int, line: int, texts: Sequence[str], refused: Sequence[int] = (), hidden: bool = False) -> None:
        """One row: its data row number, its spreadsheet line and its k cell texts (``refused``: the columns
        the reader refused and reported, whose texts are empty; see ``Cells.refused``; ``hidden``: the row is
        hidden in the sheet)."""
        if refused:
            self.refused.append((len(self.rows), refused))
        if hidden:
            self.hidden.append(row)
        self.rows.append(row)
        self.lines.append(line)
        for t in texts:
            b = t.encode("utf-8")
            self.pieces.append(b)
            self.lengths.append(len(b))

    def __len__(self) -> int:
        return len(self.rows)

    def cells(self, k: int, problems: list[RowProblem], blank: int = 0) -> Cells:
        buf = np.frombuffer(b"".join(self.pieces) or b"\0", dtype=np.uint8)
        n = len(self.rows)
        lengths = np.asarray(self.lengths, dtype=np.int64)
        starts = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        refused = None
        if self.refused:
            refused = np.zeros((n, k), dtype=bool)
            for i, cols in self.refused:
                refused[i, list(cols)] = True
        return Cells(buf, np.asfortranarray(starts.reshape(n, k)), np.asfortranarray(lengths.reshape(n, k)),
                     np.asarray(self.rows, dtype=np.int64), problems, np.asarray(self.lines, dtype=np.int64), blank,
                     refused, hidden=frozenset(self.hidden))


def _has_surrogate(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text) if not text.isascii() else False


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def gather(buf: np.ndarray, start: np.ndarray, length: np.ndarray, width: int | None = None) -> np.ndarray:
    """Cells as a left-aligned byte matrix (n, width), zero-padded (longer cells are cut).

    Each row is a ``width``-byte window of ``buf`` (a strided view: no index
    matrix is built), with the bytes past the cell's end zeroed.
    """
    n = len(start)
    w = int(length.max()) if width is None and n else (width or 0)
    if n == 0 or w == 0:
        return np.zeros((n, max(w, 0)), dtype=np.uint8)
    if int(start.max()) + w > len(buf):  # room for a whole window after every start
        buf = np.concatenate([buf, np.zeros(w, dtype=np.uint8)])
    m = np.lib.stride_tricks.sliding_window_view(buf, w)[start]
    m[np.arange(w)[None, :] >= length[:, None]] = 0
    return m


def unique_inverse(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)`` of 1-d integer keys, without a sort when they are few.

    Most columns of a block hold a handful of values (true/false, years,
    statuses): the distinct values of an evenly spread sample are looked up
    by binary search, and only if some key is not among them is the whole
    array sorted.  The result is exactly ``np.unique``'s.

    >>> u, inv = unique_inverse(np.array([7, 3, 7, 7, 3] * 500, dtype=np.uint64))
    >>> u.tolist(), inv[:5].tolist()
    ([3, 7], [1, 0, 1, 1, 0])
    """
    n = len(keys)
    if n >= 1024:
        probe = np.unique(keys[::n // 256])
        if len(probe) <= 64:
            at = np.searchsorted(probe, keys)
            np.minimum(at, len(probe) - 1, out=at)
            if (probe[at] == keys).all():
                return probe, at
    uniq, inverse = np.unique(keys, return_inverse=True)
    return uniq, inverse.reshape(-1)


def row_hash(matrix: np.ndarray) -> np.ndarray:
    """One 64-bit hash per row of an integer matrix (equal rows, equal hashes; a match must still be checked)."""
    h = np.zeros(len(matrix), dtype=np.uint64)
    for j in range(matrix.shape[1]):
        h = h * np.uint64(0x9E3779B97F4A7C15) ^ matrix[:, j].astype(np.uint64, copy=False)
    return h


def some_index(inverse: np.ndarray, count: int) -> np.ndarray:
    """For each of ``count`` values, the index of one of its occurrences in ``inverse``."""
    where = np.zeros(count, dtype=np.int64)
    where[inverse] = np.arange(len(inverse))
    return where


def distinct(buf: np.ndarray, start: np.ndarray, length: np.ndarray) -> tuple[list[bytes], np.ndarray]:
    """The distinct cells (as bytes) and, per cell, the index of its value among them.

    Cells of up to 8 bytes (true/false, 是/否, years, most codes) are packed
    into one integer each, longer ones hashed (and the result checked), which
    numpy de-duplicates much faster than text.  Cells never hold NUL bytes
    (``split_block`` rejects such rows), so the packing is one-to-one.
    """
    n = len(start)
    if n == 0:
        return [], np.zeros(0, dtype=np.int64)
    w = int(length.max())
    if 0 < w <= 8:
        last = len(buf) - 1
        key = np.zeros(n, dtype=np.uint64)
        for c in range(w):
            ch = np.where(length > c, buf[np.minimum(start + c, last)], 0).astype(np.uint64)
            key |= ch << np.uint64(8 * c)
        ukeys, inverse = unique_inverse(key)
        return [int(k).to_bytes(8, "little").rstrip(b"\0") for k in ukeys.tolist()], inverse
    matrix = gather(buf, start, length, (w + 7) // 8 * 8)
    s = as_bytes(matrix)  # trailing zero bytes are not part of a numpy bytes value
    uh, inverse = unique_inverse(row_hash(matrix.view(np.uint64)))
    reps = s[some_index(inverse, len(uh))]
    if (s == reps[inverse]).all():  # no two different cells share a hash
        return reps.tolist(), inverse
    uniq, inverse = np.unique(s, return_inverse=True)  # pragma: no cover - a 64-bit hash collision
    return uniq.tolist(), inverse.reshape(-1)


def as_bytes(matrix: np.ndarray) -> np.ndarray:
    """A zero-padded byte matrix as a numpy bytes array (``S<w>``)."""
    n, w = matrix.shape
    if w == 0:
        return np.zeros(n, dtype="S1")
    return np.ascontiguousarray(matrix).view(f"S{w}").reshape(n)


# ---------------------------------------------------------------- numbers

_POW10 = np.array([10**k for k in range(19)], dtype=np.int64)
_UNIT_WAN = (0xE4, 0xB8, 0x87)  # 万
_UNIT_YI = (0xE4, 0xBA, 0xBF)  # 亿
_UNIT_YUAN = (0xE5, 0x85, 0x83)  # 元


def _horner(buf: np.ndarray, start: np.ndarray, length: np.ndarray, width: int):
    """Digits of each cell read left to right: (value, digits, digits after the dot, dots, bad).

    ``buf`` must hold ``width`` bytes after every start (``parse_numbers``
    pads it); bytes past a cell's end are not looked at.  The cells are laid
    out as ``width`` contiguous rows of one byte per cell (from a strided
    window view of ``buf``), so each step reads one row.
    """
    n = len(start)
    value = np.zeros(n, dtype=np.int64)
    digits = np.zeros(n, dtype=np.int64)
    frac = np.zeros(n, dtype=np.int64)
    ndot = np.zeros(n, dtype=np.int64)
    bad = np.zeros(n, dtype=bool)
    seen_dot = np.zeros(n, dtype=bool)
    if n == 0 or width == 0:
        return value, digits, frac, ndot, bad
    columns = np.ascontiguousarray(np.lib.stride_tricks.sliding_window_view(buf, width)[start].T)
    for c in range(width):
        inside = length > c
        ch = columns[c]
        d = ch - np.uint8(48)
        isd = d < 10
        isd &= inside
        isdot = ch == 46
        isdot &= inside
        bad |= inside & ~(isd | isdot)
        ndot += isdot
        seen_dot |= isdot
        value *= np.where(isd, 10, 1)
        value += d * isd
        digits += isd
        frac += isd & seen_dot
    return value, digits, frac, ndot, bad


def _unit_suffix(buf: np.ndarray, start: np.ndarray, length: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Length without a 元 / 万 / 亿 / 万元 / 亿元 suffix, and the power of ten the unit adds."""
    last = len(buf) - 1

    def ends_with(lens: np.ndarray, code: tuple[int, int, int]) -> np.ndarray:
        hit = lens >= 4
        for d in range(3):
            hit &= buf[np.clip(start + lens - 3 + d, 0, last)] == code[d]
        return hit

    lens = length - 3 * ends_with(length, _UNIT_YUAN)
    wan = ends_with(lens, _UNIT_WAN)
    yi = ends_with(lens, _UNIT_YI)
    return lens - 3 * (wan | yi), np.where(wan, 4, np.where(yi, 8, 0))


def parse_numbers(buf: np.ndarray, start: np.ndarray, length: np.ndarray, *, scale: int, units: bool,
                  max_value: int, width: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised exact parse of plain decimal cells -> (integer value × 10**scale, ok).

    A cell is parsed here only when it is digits with at most one '.', at
    least one digit on each side of it, no more decimals than ``scale`` (plus
    the unit's), and (with ``units``) an optional 元 / 万 / 亿 / 万元 / 亿元
    suffix.  Every other cell has ``ok = False`` and must go to the general
    parser (``fields.Field.parse``), which also words the error messages.

    >>> buf = np.frombuffer("12.5万|7|3.25|1e5|2.5亿元".encode(), np.uint8)
    >>> v, ok = parse_numbers(buf, np.array([0, 8, 10, 15, 19]), np.array([7, 1, 4, 3, 9]), scale=4,
    ...                       units=True, max_value=10**17)
    >>> v.tolist()
    [1250000000, 70000, 32500, 0, 2500000000000]
    >>> ok.tolist()
    [True, True, True, False, True]
    """
    n = len(start)
    length = np.asarray(length, dtype=np.int64)
    ok = (length > 0) & (length <= width)
    if n == 0 or not ok.any():
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    w = int(length[ok].max())
    if int(start.max()) + w >= len(buf):  # room to read w bytes from every start
        buf = np.concatenate([buf, np.zeros(w + 1, dtype=np.uint8)])
    length = np.where(ok, length, 0)
    value, digits, frac, ndot, bad = _horner(buf, start, length, w)
    extra = np.zeros(n, dtype=np.int64)
    if units:  # a unit is a non-ASCII ending: read those cells again without it
        rows = np.flatnonzero(bad & ok)
        rows = rows[buf[start[rows] + length[rows] - 1] >= 0x80]
        if len(rows):
            lens, extra[rows] = _unit_suffix(buf, start[rows], length[rows])
            v2, g2, f2, d2, b2 = _horner(buf, start[rows], lens, w)
            value[rows], digits[rows], frac[rows], ndot[rows], bad[rows] = v2, g2, f2, d2, b2
    intd = digits - frac
    ok &= ~bad & (ndot <= 1) & (intd >= 1) & ((ndot == 0) | (frac >= 1))
    ok &= (frac <= scale + extra) & (intd + scale + extra <= 18)
    value = np.where(ok, value, 0) * _POW10[np.clip(scale + extra - frac, 0, 18)]
    ok &= value <= max_value
    value[~ok] = 0
    return value, ok


# ---------------------------------------------------------------- output


#: first characters that make Excel/WPS read a cell as a formula (OWASP "CSV injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


#: what may precede a formula's first character and still let a spreadsheet (or a later trim) run it: spaces of
#: every kind (no-break U+00A0, ideographic U+3000 …), zero-width characters and a stray BOM
_INVISIBLE_LEAD = "".join(chr(c) for c in range(0x3001) if chr(c).isspace() and chr(c) not in "\t\r") + \
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069" + \
    "\u061c\u2061\u2062\u2063\u2064\u034f"  # Arabic letter mark, invisible operators, combining grapheme joiner
#: the full-width forms of the formula characters (＝, ＋, －, ＠), which an IME or a half-width conversion turns
#: into the ASCII ones
_WIDE_STARTS = ("\uff1d", "\uff0b", "\uff0d", "\uff20")
#: the first UTF-8 bytes of those characters (U+00A0, U+1680 …, U+3000, U+FEFF, U+FF1D …): a name cell starting
#: with one goes through :func:`safe_text` (CJK names start with 0xE4-0xE9 and do not)
SUSPECT_LEAD_BYTES = bytes(sorted({ch.encode()[0] for ch in _INVISIBLE_LEAD + "".join(_WIDE_STARTS)} - {0x20}))


def safe_text(text: str) -> str:
    """A text cell that Excel will not run: a leading ``'`` when it starts (after spaces) like a formula.

    Spaces include the no-break and ideographic ones, zero-width characters and a BOM (a name copied from a web
    page or a PDF), and the formula characters their full-width forms.

    >>> safe_text("=HYPERLINK(1)"), safe_text("  +1"), safe_text("-5"), safe_text("南昌"), safe_text("")
    ("'=HYPERLINK(1)", "'  +1", "'-5", '南昌', '')
    >>> safe_text("\u00a0=1+1"), safe_text("\u3000=1"), safe_text("\u200b@SUM(A1)"), safe_text("＝1+1")
    ("'\xa0=1+1", "'\u3000=1", "'\u200b@SUM(A1)", "'＝1+1")
    """
    head = text.lstrip(_INVISIBLE_LEAD)
    return "'" + text if head and (head[0] in FORMULA_STARTS or head[0] in _WIDE_STARTS) else text


def quote_csv(text: str) -> str:
    """One CSV cell as Python's csv module writes it (quoted only when needed)."""
    if any(ch in text for ch in ',"\r\n') or text != text.strip(" "):
        return '"' + text.replace('"', '""') + '"'
    return text


def quote_json(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def vocab_table(vocab: Sequence[bytes]) -> np.ndarray:
    """A small vocabulary as one fixed-width item per entry (``V<w>``); the last entry is empty (code -1)."""
    w = max(max((len(v) for v in vocab), default=0), 1)
    table = np.zeros((len(vocab) + 1, w), dtype=np.uint8)
    for i, v in enumerate(vocab):
        table[i, :len(v)] = np.frombuffer(v, dtype=np.uint8)
    return table.view(f"V{w}").reshape(-1)


def vocab_text(codes: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Cells chosen by code (-1: empty) from a ``vocab_table``: shape ``codes.shape + (w,)``."""
    items = table[np.where(codes < 0, len(table) - 1, codes)]
    return items.view(np.uint8).reshape(codes.shape + (table.dtype.itemsize,))


def _groups_table() -> np.ndarray:
    full = [f"{g:03d}".encode() for g in range(1000)]  # a group after the first: leading zeros kept
    lead = [str(g).encode().rjust(3, b"\0") for g in range(1000)]  # the first group: none
    return vocab_table(full + lead)  # code 2000 (the extra last entry): an empty group


_GROUPS = _groups_table()
_CENTS = vocab_table([f".{c:02d}".encode() for c in range(100)])


def number_text(values: np.ndarray, present: np.ndarray | None = None, *, fen: bool = False) -> np.ndarray:
    r"""Non-negative integers as digits, three at a time from a lookup table: shape ``values.shape + (w,)``.

    With ``fen`` the value is fen and the text is yuan with two decimals
    ("1234.56", "0.00").  Digits are right-aligned in zero padding, which the
    final ``Lines.build`` drops.

    >>> cells = number_text(np.array([0, 5, 123456789, 100]), fen=True)
    >>> [bytes(c).replace(b"\0", b"").decode() for c in cells]
    ['0.00', '0.05', '1234567.89', '1.00']
    """
    values = np.asarray(values, dtype=np.int64)
    whole = values // 100 if fen else values
    top = int(whole.max()) if whole.size else 0
    ngroups = max(1, (len(str(max(top, 0))) + 2) // 3)
    codes = np.empty(values.shape + (ngroups + (1 if fen else 0),), dtype=np.int64)
    for k in range(ngroups):
        scale = 1000**k
        g = (whole // scale) % 1000 if k else whole % 1000
        above = whole >= scale * 1000
        lead = (whole >= scale) | (k == 0)
        codes[..., ngroups - 1 - k] = np.where(above, g, np.where(lead, 1000 + g, 2000))
    if present is not None:
        codes[~present] = 2000
    items = _GROUPS[codes[..., :ngroups]]
    if fen:
        cents = np.where(present, values % 100, 100) if present is not None else values % 100
        items = np.concatenate([items.view(np.uint8).reshape(values.shape + (3 * ngroups,)),
                                _CENTS[cents].view(np.uint8).reshape(values.shape + (3,))], axis=-1)
        return items
    return items.view(np.uint8).reshape(values.shape + (3 * ngroups,))


@functools.lru_cache(maxsize=256)
def _pair_table(key_amount: tuple[bytes, ...], key_status: tuple[bytes, ...], status_names: tuple[bytes, ...],
                wa: int) -> np.ndarray:
    """Per clause and status: ``key_amount, "0.00" (right-aligned in wa bytes), key_status, status``."""
    k, ns = len(key_amount), len(status_names)
    ka = max(len(x) for x in key_amount)
    ks = max(len(x) for x in key_status)
    width = ka + wa + ks + max(len(x) for x in status_names)
    table = np.zeros((k * (ns + 1), width), dtype=np.uint8)

    def put(row: np.ndarray, at: int, text: bytes) -> None:
        row[at:at + len(text)] = np.frombuffer(text, dtype=np.uint8)

    for c in range(k):
        for st in range(ns + 1):
            row = table[c * (ns + 1) + st]
            if st == ns:  # not this policy's clause: CSV keeps its separators, JSON drops its keys
                if key_amount[c] in (b",", b""):
                    put(row, 0, key_amount[c])
                    put(row, ka + wa, key_status[c])
                continue
            put(row, 0, key_amount[c])
            put(row, ka + wa - 4, b"0.00")
            put(row, ka + wa, key_status[c])
            put(row, ka + wa + ks, status_names[st])
    return table.view(f"V{width}").reshape(-1)


def amount_status_cells(amounts: np.ndarray, status: np.ndarray, key_amount: Sequence[bytes],
                        key_status: Sequence[bytes], status_names: Sequence[bytes]) -> np.ndarray:
    """The clause columns of the wide layout: per line and clause ``key_amount, amount, key_status, status``.

    ``amounts`` and ``status`` are ``(n, k)``; status -1 means the clause is
    not part of the line's policy (the cell pair is left empty, and in JSON
    its keys too).  Most amounts are zero, so each cell starts as one lookup
    of its (clause, status) entry, whose amount reads "0.00"; only the
    non-zero amounts are then written as digits.
    """
    n, k = amounts.shape
    ns = len(status_names)
    flat = amounts.reshape(-1)
    nz = np.flatnonzero(flat)
    digits = number_text(flat[nz], fen=True) if len(nz) else np.zeros((0, 4), np.uint8)
    wa = max(digits.shape[1], 4)
    ka = max(len(x) for x in key_amount)
    items = _pair_table(tuple(key_amount), tuple(key_status), tuple(status_names), wa)
    width = items.dtype.itemsize
    codes = np.arange(k)[None, :] * (ns + 1) + np.where(status < 0, ns, status)
    cells = items[codes.reshape(-1)].view(np.uint8).reshape(n * k, width)
    if len(nz):
        cells[nz, ka:ka + wa] = 0
        cells[nz, ka + wa - digits.shape[1]:ka + wa] = digits
    return cells.reshape(n, k * width)


class Lines:
    """``n`` output lines built from cell matrices laid side by side.

    Every piece is an ``(n, w)`` byte matrix (``(n, k, w)`` pieces are
    flattened): zero bytes are padding, dropped at the end in one C loop
    (``bytes.translate``), so a cell may sit anywhere in its piece.
    """

    def __init__(self, n: int):
        self.n = n
        self.pieces: list[np.ndarray] = []

    def add(self, cells: np.ndarray) -> None:
        self.pieces.append(cells.reshape(self.n, -1))

    def const(self, text: bytes, where: np.ndarray | None = None) -> None:
        """The same bytes on every line (or only on the lines ``where`` is true)."""
        if not text:
            return
        row = np.frombuffer(text, dtype=np.uint8)
        cells = np.broadcast_to(row, (self.n, len(row)))
        self.add(np.where(where[:, None], cells, 0).astype(np.uint8) if where is not None else cells)

    def matrix(self) -> np.ndarray:
        """The pieces side by side: ``(n, total width)``, zero-padded."""
        return np.concatenate(self.pieces, axis=1) if self.n else np.zeros((0, 0), np.uint8)

    def build(self) -> bytes:
        """The lines' bytes."""
        return self.matrix().tobytes().translate(None, b"\0")  # drop the padding
