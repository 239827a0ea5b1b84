"""`incentives policies list` and `show` for a terminal: ids and figures never cut, text wrapped.

The list is a table when every id fits beside the other columns at their narrowest, else one block
per policy; ``show`` wraps each line of its text at words, keeping the line's indentation.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..text import visible
from .wrap import wrap_unbroken

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
