"""Text that is safe to show on a terminal.

A company name, a file name or any other text from a profile, a CSV or a
policy table may hold terminal escape sequences (``"\\x1b]0;title\\x07"``,
``"\\x1b[2J"``, OSC 52 clipboard writes) or Unicode bidi overrides that make a
line read differently from what it says. Everything that reaches the terminal
from user input goes through :func:`visible` first, which writes such
characters out as escapes, so that the reader sees them and the terminal
never acts on them. (JSON output needs none of this: JSON escapes control
characters itself.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

#: bidi embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069), and the
#: invisible direction marks LRM, RLM and ALM: the "Trojan Source" characters
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

#: characters that show as nothing (zero-width space, non-joiner, joiner, word joiner, a BOM inside a text): two
#: names that differ only by one looked the same on the screen
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")

#: C0 controls, DEL, C1 controls (U+0080–U+009F, among them CSI U+009B and OSC U+009D),
#: the Unicode line and paragraph separators, the bidi controls and the zero-width characters above
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029" + "".join(sorted(BIDI_CONTROLS | ZERO_WIDTH))
                     + "\ud800-\udfff]")
#: lone surrogates: a byte of a file name or argument that is not UTF-8 (Python's surrogateescape: 0x9B is
#: U+DC9B), which would reach the output as that raw byte (0x9B is the 8-bit CSI control)
SURROGATES = re.compile("[\ud800-\udfff]")


def compiled_later(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    r"""``re.compile(pattern, flags)`` as a function that compiles it at its first call, once.

    For a module's pattern that the common path never uses: ``re`` compiles a character class over the CJK
    block (``[\u4e00-\u9fff]``) by marking its 20,000 characters one by one, about a millisecond each time
    it is written, paid by every start of the console script (``calc``) that imports the module.

    >>> district = compiled_later(r"[\u4e00-\u9fff]+区")
    >>> district().fullmatch("青山湖区") is not None, district() is district()
    (True, True)
    """

    @cache
    def compiled() -> re.Pattern[str]:
        return re.compile(pattern, flags)

    return compiled


def _escape(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that did not decode: written as that byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def json_safe(text: str) -> str:
    r"""JSON (or any text written as is) with each lone surrogate written as its JSON escape, so the output is
    valid UTF-8 and a JSON reader gets the same string back, never the raw byte.

    >>> json_safe('{"name": "red\udc9b2J"}')
    '{"name": "red\\udc9b2J"}'
    """
    if not SURROGATES.search(text):
        return text
    return SURROGATES.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def visible(text: str, allow: str = "") -> str:
    r"""``text`` with every control, escape and bidi character written out as ``\xNN`` / ``\uNNNN``.

    ``allow`` names the characters the caller wants kept as they are: usually
    nothing (a one-line message), or ``"\n"`` / ``"\n\t"`` for a block of text.
    Backslashes are left alone (Windows paths stay readable).

    >>> visible("Evil\x1b]0;pwned\x07 Co")
    'Evil\\x1b]0;pwned\\x07 Co'
    >>> visible("a\nb\tc"), visible("a\nb\tc", allow="\n")
    ('a\\x0ab\\x09c', 'a\nb\\x09c')
    >>> visible("abc\u202edcba 南昌 C:\\data"), visible("red\udc9b2J")
    ('abc\\u202edcba 南昌 C:\\data', 'red\\x9b2J')
    """
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(lambda m: m.group() if m.group() in allow else _escape(m.group()), text)


def argument(text: str) -> str:
    r"""A path or value as it would be typed in a command to paste: in double quotes when it has a space or a
    character a shell (cmd, PowerShell, sh) would read; ``visible`` first.

    >>> argument("out/bad.csv"), argument("my dir/bad.csv"), argument("报表/bad.csv")
    ('out/bad.csv', '"my dir/bad.csv"', '报表/bad.csv')
    """
    shown = visible(text)
    if shown and not any(ch.isspace() or ch in "\"'&|<>^;()$`!*?[]{}#~%,=" for ch in shown):
        return shown
    return '"' + shown.replace('"', '\\"') + '"'


def quoted(text: str) -> str:
    r"""``text`` between quotes, as ``repr`` quotes a string but with its characters as they are (a message
    quotes a ``visible`` text: ``repr`` would write each of its backslashes twice).

    >>> quoted(visible("bad\x1b[2J")), quoted("it's"), quoted("C:\\data")
    ("'bad\\x1b[2J'", '"it\'s"', "'C:\\data'")
    """
    return f'"{text}"' if "'" in text and '"' not in text else f"'{text}'"


#: the characters that start Markdown markup inside a line: emphasis, code, links and
#: images, raw HTML and entities, table cells, strikethrough
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~&])")


def markdown_text(text: str) -> str:
    r"""User text (a company name, a value from a profile) as Markdown that shows exactly that text.

    Markup characters are backslash-escaped, so that ``*ST 康美`` or
    ``<img src=x>`` or ``[x](http://…)`` is read as those characters, not as
    emphasis, HTML or a link; control characters are written out as by
    :func:`visible`, and a line break becomes a space.

    >>> markdown_text("*ST 康美_A* | [x](y) <b>&amp;")
    '\\*ST 康美\\_A\\* \\| \\[x\\](y) \\<b\\>\\&amp;'
    >>> markdown_text("# 南昌\n甲")
    '\\# 南昌 甲'
    """
    shown = _MARKDOWN.sub(r"\\\1", visible(text.replace("\r\n", " ").replace("\n", " ")))
    return "\\" + shown if shown.startswith(("#", "+", "-", ">", "=")) else shown


def column_letter(c: int) -> str:
    """The letters of the 0-based column ``c`` as a spreadsheet heads it: 0 -> A, 25 -> Z, 26 -> AA.

    >>> column_letter(0), column_letter(25), column_letter(26)
    ('A', 'Z', 'AA')
    """
    s = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s


#: characters that reorder or hide text on a terminal (bidi controls, zero-width ones, line separators): JSON
#: writes them as \uXXXX escapes, the same data to any parser, so a name holding U+202E cannot turn the output
#: around where it is printed
_JSON_HIDDEN = {cp: f"\\u{cp:04x}" for cp in (0x00AD, 0x061C, 0x180E, *range(0x200B, 0x2010), 0x2028, 0x2029,
                                             *range(0x202A, 0x202F), *range(0x2060, 0x2065), *range(0x2066, 0x206A),
                                             0xFEFF)}


def json_text(data: object, indent: int | None = 2) -> str:
    """``json.dumps`` for what a reader sees: Chinese as it is (not escaped), the characters of ``_JSON_HIDDEN``
    escaped.

    >>> json_text({"company": "Evil\u202eCBA\u200b"}, indent=None)
    '{"company": "Evil\\\\u202eCBA\\\\u200b"}'
    """
    import json

    return json.dumps(data, ensure_ascii=False, indent=indent).translate(_JSON_HIDDEN)
