"""Text from outside (profile values, file names) made safe to show in a terminal or a report."""

from __future__ import annotations

import re

#: C0 and C1 controls, DEL, and the bidirectional overrides / isolates that reorder what a reader sees
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(m: re.Match[str]) -> str:
    ch = m.group(0)
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object, *, keep: str = "") -> str:
    r"""``text`` with every control or escape character written out, so it cannot act on a terminal.

    ``keep`` lists characters left as they are (e.g. ``"\n"`` for a multi-line message).

    >>> visible("Acme\x1b]0;pwned\x07 Ltd")
    'Acme\\x1b]0;pwned\\x07 Ltd'
    >>> visible("a\u202eb"), visible("line\nnext", keep="\n")
    ('a\\u202eb', 'line\nnext')
    """
    s = str(text)
    if keep:
        return "".join(ch if ch in keep else _CONTROL.sub(_escape, ch) for ch in s)
    return _CONTROL.sub(_escape, s)
