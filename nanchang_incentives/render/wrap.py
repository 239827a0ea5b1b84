"""Where a line of text may break: at spaces, between the characters of Chinese text, never inside a figure
or an id (a number with its separators, sign, currency and unit; a run of Latin letters and digits).

Rich breaks a word too long for its line wherever the line ends, and Chinese text has no spaces, so a
sentence is one "word" to it: at 44 columns ``2023—2025年`` came out as ``2023—202`` / ``5年``, and an amount
at a line's end could lose its last digits to the next line. :class:`Prose` is a ``rich.text.Text`` that
breaks only where :func:`break_offsets` allows; every note, warning and message of the terminal views is one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.containers import Lines
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

#: the pieces a word too long for a line is cut between: a figure with its sign, currency, digits, separators
#: and unit (最高1000万元, 50%, 1,200,000, 2023年, 2023—2025年), a run of Latin letters, digits and _-./ (an
#: id, a file name, an escape such as \x07 or \x1b[31m), one character of Chinese text; a closing mark (，。）” …) stays
#: with what it closes, an opening one (（“) with what follows
_UNBROKEN = re.compile(
    # (a ceiling or floor written against its figure, 最高3000万元, 不超过200万元, stays with it)
    r"(?:最高|至少|至多|不超过|不低于|最多)?"
    r"[-+−]?[¥￥]?[0-9０-９][0-9０-９,，.．]*(?:[-~～—–至到][0-9０-９][0-9０-９,，.．]*)?"  # (a range, 100-200万元)
    r"\ue000?(?:[%％‰]|[万亿千百萬億]*[元人个项家台套年月日号次倍强名余多]?)"
    r"|[A-Za-z0-9_\-./:@#&\\\[\];][A-Za-z0-9_\-./:'@#&\\\[\];]*|(?:最高|至少|至多|确定)\ue000|.", re.DOTALL)
_HELD = "\ue000"
#: the spaces a line never breaks at: between a figure and its unit (200 万元) or measure word (1 家, 7 行,
#: 2024 财年), and inside a qualifier with the
#: figure it qualifies ("up to 4,000,000.00", "at least …", "最高 5,000,000.00", "至少 …"): "= up" at a line's
#: end and "to 4,000,000.00" on the next read as two things
_UNIT_SPACE = re.compile(r"(?<=[0-9０-９]) (?=[万亿千百萬億元%％项家行个台套人名位场次件款年月日倍财])"
                         r"|(?<=\bup) (?=to [-+]?[0-9])|(?<=\bup to) (?=[-+]?[0-9])"
                         r"|(?<=\bat) (?=least [-+]?[0-9])|(?<=\bat least) (?=[-+]?[0-9])"
                         r"|(?<=最高|至少|至多|确定) (?=[-+]?[0-9])|(?<=\bexact) (?=[0-9])")
_CLOSING = set("，。、；：！？）)]】」』”’》〉…,.;:!?%％'\"")
_OPENING = set("（([【「『“‘《〈'\"")  # (a straight quote opens as often as it closes: it holds to both sides)
_WORDS = re.compile(r"\s+|\S+")


#: the first words of a qualifier ("up to", "at least"): held with what follows them when a word is cut; a
#: Chinese one (最高, 至少, 至多, 确定 and a held space) with the figure after it
_QUALIFIER_HEADS = ("up" + _HELD, "at" + _HELD, "(up" + _HELD, "(at" + _HELD,
                    "up" + _HELD + "to" + _HELD, "(up" + _HELD + "to" + _HELD,
                    "at" + _HELD + "least" + _HELD, "(at" + _HELD + "least" + _HELD)
_ZH_QUALIFIERS = frozenset({"最高", "至少", "至多", "确定"})


def _pieces(word: str) -> list[str]:
    out: list[str] = []
    for tok in _UNBROKEN.findall(word):
        if out and (tok[0] in _CLOSING or out[-1][-1] in _OPENING or tok == _HELD
                    or (out[-1].endswith(_HELD) and (out[-1] in _QUALIFIER_HEADS or out[-1][-3:-1] in _ZH_QUALIFIERS))):
            out[-1] += tok  # (a held space ends the piece before it: a line never starts with it)
        else:
            out.append(tok)
    return out


def _held_parts(piece: str, width: int) -> list[str]:
    """``piece`` cut at its held spaces, the last first, until each part fits in ``width`` (or has none left)."""
    body = piece.rstrip(_HELD)
    if cell_len(piece) <= width or _HELD not in body:
        return [piece]
    k = body.rindex(_HELD) + 1
    return [*_held_parts(piece[:k], width), piece[k:]]


def break_offsets(text: str, width: int) -> list[int]:
    """The offsets in ``text`` (one line) where its wrapped lines start, for lines of at most ``width`` cells
    once their trailing spaces are dropped: at spaces first; a word too long for a line of its own between
    its pieces (``_UNBROKEN``); only a piece wider than a whole line is folded where the line ends. A space
    between a figure and its unit (不超过 200 万元), and one inside "up to" / "at least" / 最高 and the figure it
    qualifies, holds them together (``_UNIT_SPACE``)."""
    width = max(width, 1)
    held = _UNIT_SPACE.sub(_HELD, text)  # one character for one: the offsets stay the text's
    offsets: list[int] = []
    used = 0  # cells on the current line, spaces after its last word included

    def put(start: int, piece: str) -> None:
        nonlocal used
        size = cell_len(piece)
        if used + size <= width:
            used += size
            return
        if used:
            offsets.append(start)
            used = 0
        while size > width:  # wider than a line by itself: folded where it must be
            cut = 1
            while cell_len(piece[:cut + 1]) <= width:
                cut += 1
            start += cut
            piece = piece[cut:]
            offsets.append(start)
            size = cell_len(piece)
        used = size

    for m in _WORDS.finditer(held):
        word = m.group()
        if word.isspace():  # (a line's leading spaces count too: they are shown)
            used += cell_len(word)
        elif used + cell_len(word) <= width or cell_len(word) <= width:
            put(m.start(), word)
        else:
            start = m.start()
            for piece in _pieces(word):
                # a qualifier with its figure wider than the line breaks before the figure first, and a
                # qualifier wider than the line by itself ("(at least " at 8 columns) at its spaces
                parts = _held_parts(piece, width)
                for part in parts:
                    put(start, part)
                    start += len(part)
    return offsets


def wrap_unbroken(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken where :func:`break_offsets` allows.

    >>> wrap_unbroken("给予每家企业每年最高1000万元补助", 12)
    ['给予每家企业', '每年', '最高1000万元', '补助']
    >>> wrap_unbroken("给予最高不超过 200 万元奖励", 16)
    ['给予最高不超过', '200 万元奖励']
    >>> wrap_unbroken("section: 三(一)    basis: exact", 20)
    ['section: 三(一)', 'basis: exact']
    >>> wrap_unbroken("quote: “一年期贷款市场报价利率的50%，给予”", 20)
    ['quote: “一年期贷款市', '场报价利率的50%，给', '予”']
    >>> wrap_unbroken("有效期为2023—2025年，届时根据实施情况评估修订", 14)
    ['有效期为', '2023—2025年，', '届时根据实施情', '况评估修订']
    """
    text = text.lstrip(" ")
    cuts = [0, *break_offsets(text, width), len(text)]
    lines = [text[a:b].rstrip() for a, b in pairwise(cuts)]
    return [x for x in lines if x] or [""]


def widest_piece(text: str) -> int:
    """The widest run of ``text`` a line may not break (a figure, an id, a word that fits, a qualifier with its
    figure: "up to 1,999,998,000,000.00"): the narrowest a column showing it can be without folding it."""
    held = _UNIT_SPACE.sub(_HELD, text)  # (before the split: a held space joins its words)
    return max((cell_len(p.replace(_HELD, " ")) for word in held.split() for p in _pieces(word)), default=0)


class Prose(Text):
    """A Rich ``Text`` that wraps at :func:`break_offsets` (spaces, and between the characters of Chinese
    text) instead of folding a long word where the line ends; styles and spans are kept, and the lines an
    indented line wraps into keep its indentation. Its narrowest
    width is its widest unbroken piece, so a table column of prose never cuts a figure either.

    ``hang``: the lines a line wraps into start that many cells in, under its text after a label of that width
    (``合计                  最高 35,339,200.00（确定 …`` goes on under ``最高``), where the width leaves half a
    line for the text; narrower, they start at the margin.
    """

    def __init__(self, *args, hang: int = 0, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.hang = hang

    def wrap(self, console: Console, width: int, *, justify=None, overflow=None,  # type: ignore[no-untyped-def]
             tab_size: int = 8, no_wrap: bool | None = None) -> Lines:
        if no_wrap or self.no_wrap or overflow == "ignore":
            return super().wrap(console, width, justify=justify, overflow=overflow, tab_size=tab_size,
                                no_wrap=no_wrap)
        lines = Lines()
        for line in self.split(allow_blank=True):
            if "\t" in line:
                line.expand_tabs(tab_size)
            plain = line.plain
            indent = len(plain) - len(plain.lstrip(" "))  # (spaces: as many characters as cells)
            cells, hang = indent, getattr(self, "hang", 0)
            if hang > indent:  # the characters of a label that takes ``hang`` cells (合计 is two, four cells)
                indent = next((k for k in range(len(plain) + 1) if cell_len(plain[:k]) >= hang), len(plain))
                cells = cell_len(plain[:indent])
            if cells > width // 2:  # an indented line's continuation lines keep it, where there is room
                indent = cells = 0
            parts = line.divide([indent + k for k in break_offsets(plain[indent:], width - cells)])
            for k, part in enumerate(parts):
                part.rstrip()
                if k:
                    part.pad_left(cells)
            lines.extend(parts)
        return lines

    def __rich__(self) -> _Printed:
        # Console.print joins the Text objects it is given into one plain Text, which would wrap as Rich's
        # own; what it gets instead is not a Text, and renders this one
        return _Printed(self)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        rows = self.plain.splitlines()
        widest = max((cell_len(x) for x in rows), default=0)
        return Measurement(widest_piece(self.plain) or widest, widest)


class _Printed:
    """A :class:`Prose` as ``Console.print`` and tables render it (see ``Prose.__rich__``)."""

    def __init__(self, text: Prose):
        self.text = text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        return Text.__rich_console__(self.text, console, options)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return self.text.__rich_measure__(console, options)


def table_fits(table: Table, console: Console, options: ConsoleOptions, need: Sequence[int]) -> bool:
    """Whether Rich, laying ``table`` out for this width, gives every column at least ``need`` cells of content
    (else it would split an id or a figure, or crop a column). Uses the layout Rich itself computes."""
    room = options.max_width - table._extra_width
    widths = table._calculate_column_widths(console, options.update_width(room))
    return sum(widths) <= room and all(w - table._get_padding_width(k) >= n for k, (w, n) in enumerate(zip(widths, need)))
