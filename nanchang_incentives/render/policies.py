"""`incentives policies list` and `show` for a terminal: ids and figures never cut, text wrapped.

The list is a table when every id fits beside the other columns at their narrowest, else one block
per policy; ``show`` wraps each line of its text at words, keeping the line's indentation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..text import visible

#: the narrowest a wrapping column of the list may get before the list stacks instead
TEXT_MIN = 10
TITLE_MIN = 20


def print_list(console: Console, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """The policy list: the ids (policy, jurisdiction), the document number (洪府发〔2023〕30号) and the clause
    count never wrap; the title keeps at least TITLE_MIN cells (ten Chinese characters a line)."""
    rows = [[visible(c) for c in r] for r in rows]
    keep = {0, 2, 3, 5}
    widths = [max(cell_len(r[k]) for r in [list(header), *rows]) for k in range(len(header))]
    least = [widths[k] if k in keep else min(widths[k], TITLE_MIN if k == 1 else TEXT_MIN) for k in range(len(header))]
    # two cells between columns, and one more each for what Rich itself reserves (checked at 100-200 columns)
    need = sum(least) + 3 * (len(header) - 1)
    if console.width >= need:
        t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True, header_style="bold")
        for k, h in enumerate(header):
            t.add_column(h, no_wrap=k in keep, min_width=least[k], justify="right" if k == 5 else "left",
                         overflow="fold")
        for r in rows:
            t.add_row(*r)
        console.print(t)
        return
    for r in rows:
        console.print(Text(r[0], style="bold"))
        for label, value in zip(header[1:], r[1:]):
            console.print(Padding(Text(f"{label.lower()}: {value}"), (0, 0, 0, 2), expand=False))


#: the pieces a word too long for a line is cut between: a figure with its sign, currency, digits, separators
#: and unit (最高1000万元, 50%, 1,200,000, 2023年), a run of Latin letters, digits and _-./ (an id), one character
#: of Chinese text; a closing mark (，。）” …) stays with what it closes, an opening one (（“) with what follows
_UNBROKEN = re.compile(
    r"[-+−]?[¥￥]?[0-9０-９][0-9０-９,，.．]*(?:[-~～—–至到][0-9０-９][0-9０-９,，.．]*)?"  # (a range, 100-200万元)
    r"\ue000?(?:[%％‰]|[万亿千百萬億]*[元人个项家台套年月日号次倍强名余多]?)"
    r"|[A-Za-z0-9_\-./:'@#&]+|.", re.DOTALL)
_HELD = "\ue000"
_UNIT_SPACE = re.compile(r"(?<=[0-9０-９]) (?=[万亿千百萬億元%％])")
_CLOSING = set("，。、；：！？）)]】」』”’》〉…,.;:!?%％")
_OPENING = set("（([【「『“‘《〈")


def _pieces(word: str) -> list[str]:
    out: list[str] = []
    for tok in _UNBROKEN.findall(word):
        if out and (tok[0] in _CLOSING or out[-1][-1] in _OPENING):
            out[-1] += tok
        else:
            out.append(tok)
    return out


def wrap_unbroken(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells: broken at spaces, and a word too long for a line of its own
    (Chinese text has no spaces) between its pieces (``_UNBROKEN``), never inside a figure or an id; only a
    piece wider than a whole line is folded.

    >>> wrap_unbroken("给予每家企业每年最高1000万元补助", 12)
    ['给予每家企业', '每年最高', '1000万元补助']
    >>> wrap_unbroken("给予最高不超过 200 万元奖励", 16)
    ['给予最高不超过', '200 万元奖励']
    >>> wrap_unbroken("section: 三(一)    basis: exact", 20)
    ['section: 三(一)', 'basis: exact']
    >>> wrap_unbroken("quote: “一年期贷款市场报价利率的50%，给予”", 20)
    ['quote: “一年期贷款市', '场报价利率的50%，给', '予”']
    """
    # a space between a figure and its unit (不超过 200 万元) holds them together: a private-use character of one
    # cell until the lines are made (one a table's text held itself would show as a space)
    text = _UNIT_SPACE.sub(_HELD, text)
    lines: list[str] = []
    line = ""

    def put(piece: str) -> None:
        nonlocal line
        if cell_len(line + piece) <= width:
            line += piece
            return
        if line.strip():
            lines.append(line.rstrip())
        line = ""
        while cell_len(piece) > width:  # wider than a line by itself: folded where it must be
            cut = 1
            while cell_len(piece[:cut + 1]) <= width:
                cut += 1
            lines.append(piece[:cut])
            piece = piece[cut:]
        line = piece

    for word in re.findall(r"\s+|\S+", text):
        if word.isspace():
            line += word if line else ""
        elif cell_len(line + word) <= width or cell_len(word) <= width:
            put(word)
        else:
            for piece in _pieces(word):
                put(piece)
    if line.strip():
        lines.append(line.rstrip())
    return [x.replace(_HELD, " ") for x in lines] or [""]


def print_text(console: Console, text: str) -> None:
    """Plain text, each line wrapped within the width (``wrap_unbroken``) and indented as it was."""
    for line in visible(text, allow="\n").split("\n"):
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        if not body:
            console.print()
            continue
        hang = min(indent, max(console.width - 20, 0))
        for part in wrap_unbroken(body, max(console.width - hang, 1)):
            console.print(Text(" " * hang + part), soft_wrap=True, no_wrap=True, overflow="ignore")
