"""Reading TOML files written by people: policy tables, cases files, reference tables, company profiles.

Every TOML file the program reads goes through ``read_toml(path, kind)``, which

* opens only a **regular file**: a FIFO, a device (``/dev/zero``) or a directory
  is refused at once (the file is opened with ``O_NONBLOCK`` and checked with
  ``fstat`` before anything is read, so a FIFO never blocks);
* reads at most ``kind.max_bytes`` (a policy table or a profile is a few KB;
  the limits are far above any real file and far below what could hurt);
* scans the raw text, **before** the TOML parser sees it, and refuses key
  nesting deeper than ``MAX_NESTING`` levels with the file and line.  The
  standard parser recurses on nested arrays and inline tables and is quadratic
  in the length of a dotted key (``a.a.a…``: 40 KB takes seconds and gigabytes),
  so a small bound keeps loading linear in the size of the file and small in
  memory.  The scan itself is one linear pass (its regular expressions never
  backtrack over the text), stopping at the first level too deep.

Errors are ``InputError``s naming the file (and line), never a traceback.
``line_index`` gives the line of each key of each table, for the messages of
the policy validator.
"""

from __future__ import annotations

import enum
import math
import os
import re
import stat
import sys
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .errors import InputError, Location
from .filekinds import OLE2_MAGIC, PARQUET_MAGIC, ZIP_MAGIC
from .money import NumberText

if sys.version_info >= (3, 11):  # noqa: UP036 - tomli is the declared fallback for older Pythons
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: the deepest key nesting accepted: each part of a dotted key or of a [table.header] is a level, and so
#: is each array, array of tables ([[…]]) and inline table ({…}) opened.  The bundled files need at most 7
#: (the Nanchang cases file, like ``pyproject.toml``, reaches 7); a hostile file needs thousands.
MAX_NESTING = 10

_MB = 1_000_000


class TomlKind(enum.Enum):
    """What a TOML file is: names it in messages and sets its size limit."""

    POLICY = ("policy table", 1 * _MB)
    FIELDS = ("field registry", 1 * _MB)
    REFERENCE = ("reference table", 1 * _MB)
    CASES = ("cases file", 4 * _MB)
    PROFILE = ("company profile", 1 * _MB)

    def __init__(self, label: str, max_bytes: int):
        self.label = label
        self.max_bytes = max_bytes


_FILE_TYPES = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
               (stat.S_ISSOCK, "a socket"))


def _not_regular(mode: int) -> str:
    for test, what in _FILE_TYPES:
        if test(mode):
            return what
    return "not a regular file"


def read_bytes(path: Path, kind: TomlKind) -> bytes:
    """The bytes of a regular file of at most ``kind.max_bytes``; anything else is an InputError at once."""
    where = Location(file=str(path))
    expected = f"expected a {kind.label} saved as a .toml file"
    if str(path) == "-" and kind == TomlKind.PROFILE:  # `… | incentives calc -`: the profile on standard input
        if sys.stdin is None or sys.stdin.isatty():
            raise InputError(f"standard input is {'closed' if sys.stdin is None else 'the terminal'}: pipe a "
                             f"{kind.label} into it (incentives calc - < company.toml), or name the file", where)
        raw = sys.stdin.buffer.read(kind.max_bytes + 1)
        if len(raw) > kind.max_bytes:
            raise InputError(f"is larger than {kind.max_bytes:,} bytes, the limit for a {kind.label}; "
                             f"is it the right file?", where)
        return raw
    try:
        if path.is_dir():  # os.open cannot open a directory on Windows: say what it is first
            raise InputError(f"is a directory, {expected}", where)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise InputError("file not found", where) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(f"is {_not_regular(mode)}, not a regular file; {expected}", where)
        with os.fdopen(fd, "rb") as fh:
            fd = -1  # the file object owns it now
            raw = fh.read(kind.max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where) from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(raw) > kind.max_bytes:
        raise InputError(f"is larger than {kind.max_bytes:,} bytes, the limit for a {kind.label}; "
                         f"is it the right file?", where)
    return raw


# ---------------------------------------------------------------- the nesting scan

# The scan reads only what decides nesting.  Every pattern matches without backtracking over the text: a
# string's closing quotes are an optional group, so an unterminated string is a match without them (and the
# scan stops there, where the parser stops with its own message), never a search to the end of the file.
_BARE = r"""[^ \t\r\n"'#\[\]{}=,.]+"""  # a bare key part (any such run counts, valid for TOML or not)
_BASIC = r'"(?:[^"\\\n]++|\\.)*+"'
_LITERAL = r"'[^'\n]*+'"
_PART = f"(?:{_BARE}|{_BASIC}|{_LITERAL})"
#: a key of up to MAX_NESTING + 1 parts at a key position; what follows it tells a key (=) from a longer one (.)
_DOTTED = re.compile(rf"[ \t]*+{_PART}(?:[ \t]*+\.[ \t]*+{_PART}){{0,{MAX_NESTING}}}[ \t]*+")
#: a [table] or [[array.of.tables]] header of up to MAX_NESTING parts (longer ones go the slow way, and fail)
_HEADER_FAST = re.compile(rf"[ \t]*+(\[\[?+)[ \t]*+({_PART}(?:[ \t]*+\.[ \t]*+{_PART}){{0,{MAX_NESTING - 1}}})[ \t]*+\]")
_PARTS = re.compile(_PART)
#: a run of lines "key = plain value # comment" (one-part key, no array, no table, no multi-line string) and
#: blank or comment lines: the bulk of a real file, read in one match
_ONE_LINE_STRING = r"""(?:"(?!"")(?:[^"\\\n]++|\\.)*+"|'(?!'')[^'\n]*+')"""
_SIMPLE_LINES = re.compile(
    rf"""(?:[ \t\r]*+(?:(?:{_BARE}|{_ONE_LINE_STRING})[ \t]*+=(?:[^\[\]{{}}"'#\n]++|{_ONE_LINE_STRING})*+)?"""
    r"(?:\#[^\n]*+)?\n)++")
#: the rest of a value that cannot open or close anything (in an inline table a comma ends the value)
_VALUE_RUN = re.compile(r"""[^\[\]{}"'#\n]++""")
_INLINE_VALUE_RUN = re.compile(r"""[^\[\]{}"'#\n,]++""")
_Q3, _A3 = '"' * 3, "'" * 3
_TOKEN = re.compile(
    r"(?P<nl>\n)"
    r"|(?P<ws>[ \t\r]++)"
    r"|(?P<comment>\#[^\n]*+)"
    rf'|(?P<mlbasic>{_Q3}(?:[^"\\]++|\\[\s\S]|"(?!""))*+(?P<mlbasic_end>{_Q3}(?:"{{1,2}})?)?)'
    rf"|(?P<mlliteral>{_A3}(?:[^']++|'(?!''))*+(?P<mlliteral_end>{_A3}(?:'{{1,2}})?)?)"
    r'|(?P<basic>"(?:[^"\\\n]++|\\.)*+(?P<basic_end>")?)'
    r"|(?P<literal>'[^'\n]*+(?P<literal_end>')?)"
    rf"|(?P<word>{_BARE})"
    r"|(?P<punct>[\s\S])"
)
_STRINGS = ("mlbasic", "mlliteral", "basic", "literal")

_ARRAY, _INLINE = "array", "inline table"


def _skip_line(text: str, pos: int, stack: list) -> int:
    """Where to go on after text that is not TOML at a key position: the next line (the end, in a {table})."""
    if stack:
        return len(text)
    nl = text.find("\n", pos)
    return len(text) if nl < 0 else nl


def check_nesting(text: str, file: str, kind: TomlKind) -> None:
    """Refuse key nesting deeper than ``MAX_NESTING``, naming the line; one linear pass, before parsing.

    The scan follows table headers, dotted keys, arrays and inline tables, and skips strings, comments and
    plain values.  It does not validate TOML: the parser does that afterwards, and the scan stops at an
    unterminated string, where the parser stops too.
    """
    limit = MAX_NESTING
    line = 1
    table_depth = 0  # levels of the current [table] / [[array.of.tables]] header
    stack: list[tuple[str, int]] = []  # open arrays and inline tables: (kind, depth of their contents)
    at_key = True  # a key may start here (line start at table level, or after "{" / "," in an inline table)
    header: str | None = None  # inside a "[a.b]" ("[") or "[[a.b]]" ("[[") header
    parts = 0  # parts of the header being read
    value_depth = 0  # depth of the value being read
    pos, end = 0, len(text)

    def too_deep(what: str) -> InputError:
        return InputError(
            f"nested too deeply: {what} goes more than {limit} levels deep; at most {limit} are allowed in a "
            f"{kind.label} (each part of a dotted key or [table.name], each array and each {{inline table}} is a "
            f"level); deeper nesting is refused before parsing, because the TOML parser slows down and runs out "
            f"of memory on it",
            Location(file=file, line=line))

    while pos < end:
        if header is None:
            if at_key and not stack and table_depth < limit and (r := _SIMPLE_LINES.match(text, pos)) is not None:
                line += text.count("\n", pos, r.end())
                pos = r.end()
                continue
            if at_key and not stack and (h := _HEADER_FAST.match(text, pos)) is not None:
                table_depth = len(_PARTS.findall(h.group(2))) + len(h.group(1)) - 1
                if h.group(1) == "[[" and not text.startswith("]", h.end()):
                    table_depth = 0  # "[[a]" is not TOML: the parser says so
                if table_depth > limit:
                    raise too_deep("this table header")
                at_key, pos = False, h.end() + len(h.group(1)) - 1
                continue
            if at_key:
                m = _DOTTED.match(text, pos)
                if m is not None:
                    after = text[m.end():m.end() + 1]
                    n = len(_PARTS.findall(m.group()))
                    base = stack[-1][1] if stack else table_depth
                    if base + n > limit or (after == "." and n > limit):
                        raise too_deep("this key")
                    if after != "=":  # not TOML ("a b = 1", "a. = 1"): the parser stops at this line
                        pos = _skip_line(text, pos, stack)
                        continue
                    value_depth, at_key, pos = base + n, False, m.end() + 1
                    continue
            else:
                run = _INLINE_VALUE_RUN if stack and stack[-1][0] == _INLINE else _VALUE_RUN
                m = run.match(text, pos)
                if m is not None:
                    pos = m.end()
                    if pos >= end:
                        break
        m = _TOKEN.match(text, pos)
        assert m is not None  # "punct" matches any character
        what = m.lastgroup
        pos = m.end()
        if what == "ws" or what == "comment":
            continue
        if what == "nl":
            line += 1
            header = None  # an unclosed header is the parser's error to report
            if not stack:
                at_key = True
            continue
        if what in _STRINGS:
            if m.group(f"{what}_end") is None:
                return  # unterminated: the parser stops here with its own message
            if what[:2] == "ml":
                line += m.group().count("\n")
        token = m.group() if what == "punct" else ""
        if header is not None:  # [a.b.c] or [[a.b.c]]: a part, a dot or the end
            if token == "]":
                if header == "[[" and text.startswith("]", pos):
                    pos += 1
                header, at_key = None, False
            elif token == ".":
                parts += 1
                table_depth = parts + (1 if header == "[[" else 0)
                if table_depth > limit:
                    raise too_deep("this table header")
            continue
        if at_key:  # not a plain key (those are read above)
            if token == "[" and not stack:
                header = "[[" if text.startswith("[", pos) else "["
                pos += len(header) - 1
                parts = 1
                table_depth = 1 + (1 if header == "[[" else 0)
            elif token in ("}", "]") and stack:  # "{}", or a trailing comma
                stack.pop()
                at_key = False
            elif what not in ("nl", "ws", "comment"):  # not a key ("= 1", ", x"): the parser stops at this line
                pos = _skip_line(text, pos, stack)
            continue
        if token == "[" or token == "{":  # a value opens an array or an inline table
            depth = (stack[-1][1] if stack and stack[-1][0] == _ARRAY else value_depth) + 1
            if depth > limit:
                raise too_deep("this array" if token == "[" else "this inline table")
            stack.append((_ARRAY if token == "[" else _INLINE, depth))
            at_key = token == "{"
        elif token in ("]", "}"):
            if stack:
                stack.pop()
        elif token == "," and stack and stack[-1][0] == _INLINE:
            at_key = True


# ---------------------------------------------------------------- reading


#: the first bytes of the spreadsheet files a profile is sometimes confused with
_SHEET_MAGIC = ((ZIP_MAGIC, "a workbook (.xlsx, a zip file)"), (PARQUET_MAGIC, "a Parquet file"),
                (OLE2_MAGIC, "an old Excel workbook (.xls)"))


def _spreadsheet_kind(path: Path, raw: bytes) -> str | None:
    """What spreadsheet ``raw`` is (by its first bytes, or a first line of cells and no ``=``: under a .csv/.tsv
    name, or of three cells or more under any name), or None."""
    for magic, what in _SHEET_MAGIC:
        if raw.startswith(magic):
            return what
    first = raw.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip()
    cells = first.count(b",") >= 2 or first.count(b"\t") >= 2  # (any name: a CSV renamed company.toml)
    if ((path.suffix.lower() in (".csv", ".tsv", ".txt") and (b"," in first or b"\t" in first)) or cells) \
            and b"=" not in first and not first.startswith((b"#", b"[")):  # (a TOML comment or table header)
        return "a CSV file (a spreadsheet)"
    return None


def _encoding_hint(raw: bytes) -> str:
    """What a profile that is not UTF-8 most likely is: UTF-16 (Notepad's "Unicode"), or GBK (the "ANSI" of a
    Chinese Windows); "" when neither reads it."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:200].count(b"\0") * 4 >= len(raw[:200]):
        return " but UTF-16 (Notepad's \"Unicode\")"  # (without its BOM: every other byte of ASCII text is 0)
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError:
        return ""
    return " but most likely GBK (the \"ANSI\" of a Chinese Windows)"


def _float_as_written(text: str) -> float | NumberText:
    """A profile's unquoted TOML float: the float when it is the number written, else the text as written, which
    the field parsers then read exactly, as a quoted value or a CSV cell (``rd_staff = 99.9999999999999999``
    was the binary float 100.0, a whole number of staff, where the CSV cell is refused; ``revenue =
    1999999999.99999999`` was 2e9).

    >>> _float_as_written("3.5"), _float_as_written("1e9"), _float_as_written("99.9999999999999999")
    (3.5, 1000000000.0, '99.9999999999999999')
    """
    number = float(text)
    if not math.isfinite(number):  # nan, inf: the parsers refuse them as numbers
        return number
    written = text.replace("_", "")
    try:
        if Decimal(written) == Decimal(repr(number)):
            return number
    except InvalidOperation:  # pragma: no cover - tomllib hands over valid float text only
        return number
    return NumberText(written)


def read_toml(path: str | Path, kind: TomlKind) -> tuple[dict, str]:
    """The parsed table and the text of a TOML file; every problem is an InputError naming the file and line."""
    path = Path(path)
    raw = read_bytes(path, kind)
    where = str(path)
    sheet = _spreadsheet_kind(path, raw) if kind == TomlKind.PROFILE else None
    if sheet is not None:
        raise InputError(f"is {sheet}, not a company profile: calc, compare and explore read one company from a TOML file "
                         f"(name = \"…\", revenue = \"3亿\" …, as in samples/*.toml); for a spreadsheet of companies "
                         f"run incentives batch {path.name} -o results.csv", Location(file=where))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"is not UTF-8 text{_encoding_hint(raw)}; save the TOML file as UTF-8 (Notepad: Save as, "
                         f"Encoding UTF-8)", Location(file=where)) from None
    if "\0" in text and _encoding_hint(raw).startswith(" but UTF-16"):  # (ASCII in UTF-16 without a BOM)
        raise InputError(f"is not UTF-8 text{_encoding_hint(raw)}; save the TOML file as UTF-8 (Notepad: Save as, "
                         f"Encoding UTF-8)", Location(file=where))
    if "\0" in text:
        nul_line = text.count("\n", 0, text.index("\0")) + 1
        raise InputError("holds a NUL character (\\x00), which no TOML file may: delete it (an editor or a copy "
                         "from another program left it there; it is invisible in most editors)",
                         Location(file=where, line=nul_line))
    check_nesting(text, where, kind)
    try:
        # a profile's floats, and a worked case's (its profile), as written; a policy table's as TOML reads them
        exact = kind in (TomlKind.PROFILE, TomlKind.CASES)
        data = tomllib.loads(text, parse_float=_float_as_written if exact else float)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"line (\d+)", msg)
        line = int(m.group(1)) if m else None
        hint = syntax_hint(text.splitlines(), line, msg, kind) if line is not None else None
        raise InputError(f"not valid TOML: {msg}" + (f"; {hint}" if hint else ""),
                         Location(file=where, line=line)) from None
    except RecursionError:  # not reachable past check_nesting; kept so that no parser recursion becomes a traceback
        raise InputError("not valid TOML: nested too deeply", Location(file=where)) from None
    except ValueError:  # e.g. an integer of more than 4300 digits
        raise InputError("not valid TOML: a number is too long", Location(file=where)) from None
    return data, text


# ---------------------------------------------------------------- what a syntax error most likely is

#: characters an input method or a word processor puts where TOML needs ASCII, and what to type instead
_WIDE = {"＝": "=", "：": "=", "，": ",", "；": "nothing", "\u3000": "a space",
         "“": '"', "”": '"', "‘": "'", "’": "'", "＂": '"', "［": "[", "］": "]"}
_BOOLEAN_WORDS = {"true", "false", "yes", "no", "y", "n", "是", "否", "对", "错", "有", "无", "√", "×"}
_NO_WORDS = {"false", "no", "n", "否", "错", "无", "×"}
_BARE_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=\s*(.*?)\s*$")
_STRAIGHT = str.maketrans("“”‘’＂", "\"\"''\"")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'')
_NUMBER = re.compile(r"^[+-]?(\d[\d_]*)(\.\d+)?([eE][+-]?\d+)?$")


#: a key as typed before "=", not quoted (营业收入 = …: a bare key must be ASCII)
_UNQUOTED_KEY = re.compile(r"\s*([^\s=\"'\[#]+)\s*=")


def syntax_hint(lines: list[str], line: int, message: str, kind: TomlKind | None = None) -> str | None:
    """What a person most likely meant on the line the TOML parser stopped at, in words ("text goes in double
    quotes: revenue = "3亿""); None when the line shows nothing familiar (the parser's message then stands alone).

    >>> syntax_hint(['revenue = 3亿'], 1, "Expected newline (at line 1, column 12)")
    'a value with a unit or any text goes in double quotes: revenue = "3亿"'
    >>> syntax_hint(['name = “甲”'], 1, "Invalid value (at line 1, column 8)")
    'the quotes are curly (“ ” ‘ ’, as Word or WPS type them): use straight ones, name = "甲"'
    """
    if not 1 <= line <= len(lines):
        return None
    text = lines[line - 1]
    heading = re.match(r"^\s*\[+\s*([^\]\"']+?)\s*\]", text)
    if heading and kind == TomlKind.PROFILE:
        return (f"a company profile has no [headings]: its fields are written at the top of the file; delete the "
                f"line {heading.group(0).strip()}")
    if heading and not heading.group(1).isascii():
        return f"a heading that is not plain ASCII must be quoted: [\"{heading.group(1)}\"]"
    wide_key = _UNQUOTED_KEY.match(text)
    if wide_key and not wide_key.group(1).isascii():
        if any(c in "“”‘’＂" for c in wide_key.group(1)):  # “营业收入” = "3亿": curly quotes, not a bare key
            return f"the quotes are curly (“ ” ‘ ’, as Word or WPS type them): use straight ones, " \
                   f"{text.translate(_STRAIGHT).strip()}"
        others = [(k + 1, m.group(1)) for k, ln in enumerate(lines) if k != line - 1
                  and (m := _UNQUOTED_KEY.match(ln)) and not m.group(1).isascii()
                  and not any(c in "“”‘’＂" for c in m.group(1))]
        also = "; so must " + ", ".join(f"line {n}'s \"{k}\"" for n, k in others[:5]) + \
            (f" and {len(others) - 5} more" if len(others) > 5 else "") if others else ""
        return f"a key that is not plain ASCII must be quoted: \"{wide_key.group(1)}\" = …{also}"
    if "Cannot overwrite a value" in message or "Cannot declare" in message:
        m = _BARE_KEY.match(text) or re.match(r"^\s*\[+\s*([^\]]+?)\s*\]", text)
        if m:
            key = m.group(1)
            for k in range(line - 1):
                earlier = _BARE_KEY.match(lines[k]) or re.match(r"^\s*\[+\s*([^\]]+?)\s*\]", lines[k])
                if earlier and earlier.group(1) == key:
                    return f"{key} is given twice (lines {k + 1} and {line}): keep one"
        return "a key is given twice: keep one"
    outside = _QUOTED.sub('""', text)  # the line without its quoted text, where a full-width character is an error
    wide = [c for c in _WIDE if c in outside]
    if any(c in "“”‘’＂" for c in wide):
        fixed = text.translate(_STRAIGHT).strip()
        return f"the quotes are curly (“ ” ‘ ’, as Word or WPS type them): use straight ones, {fixed}"
    m = _BARE_KEY.match(text)
    value = m.group(2).split(" #", 1)[0].strip() if m else ""
    bare = value.rstrip(",，;；").strip()
    if m and bare != value and bare and (_NUMBER.match(bare) or bare[0] in "\"'" or bare in ("true", "false")):
        return (f"remove the “{value[len(bare):].strip()}” after the value: one field per line, nothing between "
                f"them, e.g. {m.group(1)} = {bare}")
    if wide:
        # a full-width character outside a quoted value: the input method was left in Chinese mode
        named = ", ".join(f"“{c}” (type {_WIDE[c]})" if c != "\u3000" else "a full-width space (type a space)"
                          for c in wide)
        return f"full-width characters where TOML needs ASCII, as a Chinese input method types them: {named}"
    if m is None:
        if re.match(r"^\s*[A-Za-z0-9_\-]+\s*:", text):
            key = text.split(":", 1)[0].strip()
            return f"a key and its value are joined by = (not :), e.g. {key} = {text.split(':', 1)[1].strip()}"
        return None
    key = m.group(1)
    if not value:
        return f"{key} has no value: give one after =, e.g. {key} = \"…\" or {key} = 0"
    if value[0] in "=＝":
        return f"one = between a key and its value: {key} = {value.lstrip('=＝ ')}"
    if value[0] == "'" and value.count("'") > 2:
        return f"a ' inside text written in ' quotes ends it: use double quotes, {key} = \"{value[1:-1]}\""
    if value.lower() in _BOOLEAN_WORDS and value not in ("true", "false"):
        # (the value it means: "否" is false; "= true" for it flipped the fact, and the cap with it)
        meant = "false" if value.lower() in _NO_WORDS else "true"
        return f"yes or no is written true or false, in lower case: {key} = {meant}" + _also(lines, line)
    if value[0] not in "\"'[{" and not _NUMBER.match(value):
        return f"a value with a unit or any text goes in double quotes: {key} = \"{bare}\"" + _also(lines, line)
    return None


def _fixed_value(text: str) -> str | None:
    """A line's key = value written as it should be when its value is an unquoted amount or text (3亿) or a
    yes-or-no word (否), else None."""
    m = _BARE_KEY.match(text)
    if m is None:
        return None
    value = m.group(2).split(" #", 1)[0].strip()
    if not value or value[0] in "\"'[{" or value in ("true", "false") or _NUMBER.match(value) \
            or re.match(r"^\d{4}-\d{2}-\d{2}", value) or any(c in _WIDE for c in value):
        return None
    if value.lower() in _BOOLEAN_WORDS:
        return f"{m.group(1)} = {'false' if value.lower() in _NO_WORDS else 'true'}"
    return f"{m.group(1)} = \"{value}\""


def _also(lines: Sequence[str], line: int) -> str:
    """The other lines with the same slip, at once (a profile typed in Notepad had six, one a run)."""
    others = [(k + 1, fixed) for k, text in enumerate(lines) if k != line - 1 and (fixed := _fixed_value(text))]
    if not others:
        return ""
    shown = "; ".join(f"line {n}: {fixed}" for n, fixed in others[:6])
    return f"; likewise {shown}" + (f" and {len(others) - 6} more" if len(others) > 6 else "")


# ---------------------------------------------------------------- line index

HEADER_LINE = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
KEY_LINE = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_\-]+))\s*=""")


def line_index(text: str) -> dict[tuple[str, int], dict[str, int]]:
    """(table, index) -> {key: line}; '' is the root table, index counts [[arrays]]."""
    index: dict[tuple[str, int], dict[str, int]] = {("", 0): {}}
    counts: dict[str, int] = {}
    current = ("", 0)
    for number, line in enumerate(text.splitlines(), 1):
        h = HEADER_LINE.match(line)
        if h and not KEY_LINE.match(line):
            name = h.group(2).strip()
            if h.group(1) == "[[":
                counts[name] = counts.get(name, -1) + 1
                current = (name, counts[name])
            else:
                current = (name, 0)
            index.setdefault(current, {})["<header>"] = number
            continue
        k = KEY_LINE.match(line)
        if k:
            index.setdefault(current, {}).setdefault(k.group(1) or k.group(2) or k.group(3), number)
    return index
