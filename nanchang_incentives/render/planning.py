"""The views of planning (``planning.py``): headroom, what-if and sweeps, as Rich, Markdown, JSON and CSV/JSONL.

Every sentence comes from ``explain`` (``unlock``, ``change``, ``move``, ``cliff`` …); this module lays
them out. Nothing is cropped at 80 columns: lines wrap, figures are never shortened.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from .. import explain
from ..money import format_fen, format_fen_grouped
from ..planning import (
    Axis,
    ClauseDelta,
    Cliff,
    Headroom,
    Move,
    MoveKind,
    PolicyDelta,
    Sweep,
    Unlock,
    UnlockKind,
    WhatIf,
)
from ..text import markdown_text, visible
from ..trace import STATUS_BY_CODE, ClauseResult, Kind, NoticeKind, PolicyResult
from .markdown import banner
from .wrap import Prose

HEADROOM_TITLE = "What would unlock more"
#: the section's title and its one-line answers, per output language (--lang; compare's Markdown says the same)
HEADROOM_WORDS = {
    "en": {"title": HEADROOM_TITLE, "not_targeted": "not targeted: the policy is for {industries} enterprises",
           "expired": "expired for this year",
           "nothing": "nothing: no threshold was missed and no clause waits for input",
           "out_of_reach": "nothing: the thresholds missed need a fact that only moves on with time to go back "
                           "(the year of a subsidy period), and no clause waits for input"},
    "zh": {"title": "还可争取的补贴", "not_targeted": "不适用：本政策适用于{industries}企业",
           "expired": "本年度不在政策有效期内",
           "nothing": "无：没有未达到的门槛，也没有等待补充数据的条款",
           "out_of_reach": "无：未达到的门槛只能靠回到过去的年份满足（如贴息期的第几年），也没有等待补充数据的条款"},
}


# ---------------------------------------------------------------- headroom


def _room_label(room: Headroom, several: bool) -> str:
    return room.policy.id if several else ""


def headroom_lines(room: Headroom, lang: str = "en") -> list[tuple[str, str]]:
    """(clause and section, what) per unlock, ranked; an empty list when there is nothing to unlock."""
    zh = lang == "zh"
    return [(("所有条款" if zh else "every clause") if u.clause == "*"  # (industries not given: JSON's "*")
             else f"{u.clause}（{explain.section(u.source, u.source_zh, lang)}）" if zh else f"{u.clause} ({u.source})",
             explain.unlock(u, lang)) for u in room.unlocks]


def _nothing(room: Headroom, lang: str = "en") -> str:
    words = HEADROOM_WORDS.get(lang, HEADROOM_WORDS["en"])
    if room.statement == "not_targeted":
        return words["not_targeted"].format(industries=explain.policy_industries(room.policy, lang))
    if room.statement == "expired":
        return words["expired"]
    if room.statement == "out_of_reach":
        return words["out_of_reach"]
    return words["nothing"]


def headroom_renderables(rooms: Sequence[Headroom], lang: str = "en") -> list[Text]:
    """The "What would unlock more" section of calc's table view (``lang``: 还可争取的补贴)."""
    out: list[Text] = [Prose(HEADROOM_WORDS.get(lang, HEADROOM_WORDS["en"])["title"], style="bold")]
    several = len(rooms) > 1
    colon = "：" if lang == "zh" else ": "
    for room in rooms:
        if several:
            out.append(Prose(room.policy.id, style="bold"))
        lines = headroom_lines(room, lang)
        if not lines:
            out.append(Prose(f"  {_nothing(room, lang)}", style="dim"))
        for k, (head, text) in enumerate(lines, 1):
            line = Prose(f"{k}. ")
            line.append(head, style="bold")
            line.append(f"{colon}{text}")
            out.append(line)
    return out


def print_headroom(rooms: Sequence[Headroom], console: Console, lang: str = "en") -> None:
    console.print()
    for part in headroom_renderables(rooms, lang):
        console.print(part)


def headroom_markdown(rooms: Sequence[Headroom], lang: str = "en") -> str:
    lines = [f"## {HEADROOM_WORDS.get(lang, HEADROOM_WORDS['en'])['title']}", ""]
    several = len(rooms) > 1
    colon = "：" if lang == "zh" else ": "
    for room in rooms:
        if several:
            lines += [f"### {room.policy.id}", ""]
        found = headroom_lines(room, lang)
        if not found:
            nothing = _nothing(room, lang)
            lines.append(nothing if lang == "zh" else nothing[0].upper() + nothing[1:] + ".")
        for k, (head, text) in enumerate(found, 1):
            lines.append(f"{k}. **{_md(head)}**{colon}{_md(text)}")
        lines.append("")
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _exact(v: object, kind: Kind) -> object:
    """A value for JSON: money and rates as exact decimal strings, counts as integers, yes/no as booleans."""
    if v is None or isinstance(v, bool):
        return v
    f = Fraction(v)  # type: ignore[arg-type,call-overload]
    if kind in (Kind.COUNT, Kind.YEAR) and f.denominator == 1:
        return f.numerator
    if kind == Kind.RATE:
        return explain.value(f, kind)
    return explain.yuan(f).replace(",", "")


def move_dict(m: Move) -> dict:
    d: dict = {"field": m.field, "before": _exact(m.before, m.value_kind), "after": _exact(m.after, m.value_kind),
               "condition": m.condition}
    if m.kind == MoveKind.NUMBER and m.step is not None:
        d["step"] = _exact(m.step, m.value_kind)
    return d


def clause_delta_dict(d: ClauseDelta) -> dict:
    return {"clause": d.id, "status_before": str(d.before.status), "status_after": str(d.after.status),
            "amount_before": format_fen(d.before.amount), "amount_after": format_fen(d.after.amount),
            "basis_before": str(d.before.basis), "basis_after": str(d.after.basis),
            "difference": format_fen(d.diff), "difference_counts_ceiling": d.counts_ceiling,
            # SPEC 9.2: either amount a lower bound: the difference between the upper figures
            **({"difference_max": format_fen(d.diff_max)} if d.diff_max is not None and d.diff_max != d.diff else {}),
            "reasons": [str(ch.kind) for ch in d.changes],
            "why": [explain.change(ch, d) for ch in d.changes]}


def policy_delta_dict(pd: PolicyDelta, changed_only: bool = False) -> dict:
    return {"policy": pd.policy.id, "total_before": format_fen(pd.before.total), "total_after": format_fen(pd.after.total),
            "difference": format_fen(pd.diff), "difference_exact": format_fen(pd.diff_exact),
            "total_before_counts_ceiling": pd.before.counts_ceiling, "total_after_counts_ceiling": pd.after.counts_ceiling,
            "difference_counts_ceiling": pd.ceiling_moved,
            "company_cap": [str(ch.kind) for ch in pd.company],
            "clauses": [clause_delta_dict(d) for d in (pd.changed if changed_only else pd.clauses)]}


def unlock_dict(u: Unlock) -> dict:
    d: dict = {"clause": u.clause, "kind": str(u.kind), "source": u.source, "title_en": u.title_en,
               "text": explain.unlock(u)}
    if u.kind == UnlockKind.THRESHOLD:
        d["shortfalls"] = [{"label": cd.label, "shortfall": explain.shortfall(cd)} for cd in u.failed]
        d["moves"] = [move_dict(m) for m in u.moves]
        d["net_gain"] = format_fen(u.net) if u.net is not None else None
        d["net_gain_counts_ceiling"] = u.delta.ceiling_moved if u.delta is not None else False
        own = u.own
        d["clause_gain"] = format_fen(own.diff) if own is not None else None
        d["changes"] = [clause_delta_dict(x) for x in u.delta.changed] if u.delta is not None else []
    else:
        d["missing"] = list(u.missing)
        d["at_most"] = format_fen(u.most) if u.most is not None else None
        if u.most_each:
            d["at_most_per"] = u.most_each
    return d


def headroom_dicts(room: Headroom) -> list[dict]:
    """JSON ``headroom`` of one result: the unlocks, ranked."""
    return [unlock_dict(u) for u in room.unlocks]


# ---------------------------------------------------------------- what-if


#: the notices a what-if shows before its figures, as calc does: SPEC 9.3's (a policy not in force or perhaps
#: superseded for the year), a computation outside the validity, a replaced table, implausible or unread inputs
_WHAT_IF_NOTICES = (*explain.FIRST, NoticeKind.OUTSIDE_VALIDITY, NoticeKind.HYPOTHETICAL)


def what_if_notes(pd: PolicyDelta, unread: bool = True, lang: str = "en") -> list[tuple[str, bool]]:
    """What must be read before a policy's what-if figures: (text, is the headline), each once.

    The headline is calc's first line (NOT IN FORCE, NOT TARGETED, INDUSTRIES UNKNOWN); then the notices.
    A line that holds for only one side (``--set year=2026``, ``--set industries=…``) says which: "base:"
    or "new:". ``unread=False`` (compare, whose cities each read their own fields) leaves out the fields only
    another policy reads.
    """
    out: list[tuple[str, bool]] = []

    words = _words(lang)

    def side(before: list[str], after: list[str], headline: bool) -> None:
        for text in after:
            out.append((text if text in before else words["new:"].format(text=text), headline))
        out.extend((words["base:"].format(text=text), headline) for text in before if text not in after)

    side([t for t in [banner(pd.before, lang)] if t], [t for t in [banner(pd.after, lang)] if t], True)

    def notices(r: PolicyResult) -> list[str]:
        return list(dict.fromkeys(explain.notice(n, r, lang) for n in r.notices
                                  if n.kind in _WHAT_IF_NOTICES and (unread or n.kind != NoticeKind.UNREAD_FIELDS)))

    side(notices(pd.before), notices(pd.after), False)
    return out


#: the what-if view's words, per output language (--lang): the status words, qualifiers and totals as calc's
_WHAT_IF_WORDS = {
    "en": {"what if": "what if", "base": "base", "new": "new", "difference": "difference", "exact": "exact",
           "exact, at least": "exact, at least", "exact, at most": "exact, at most", "up-to clauses": "up-to clauses",
           "total": "total", "unchanged": "unchanged", "no change": "no clause changes",
           "split": "{exact} exact, {up_to} in up-to ceilings",
           "new:": "new: {text}", "base:": "base: {text}", "why": "  why: {text}", "unchanged:": "{words}: {ids}"},
    "zh": {"what if": "假设测算", "base": "原值", "new": "新值", "difference": "差额", "exact": "确定金额条款",
           "exact, at least": "确定金额条款（至少）", "exact, at most": "确定金额条款（至多）",
           "up-to clauses": "最高限额条款",
           "total": "合计", "unchanged": "未变", "no change": "没有条款变化",
           "split": "确定 {exact}，最高限额 {up_to}",
           "new:": "新值：{text}", "base:": "原值：{text}", "why": "  原因：{text}", "unchanged:": "{words}：{ids}"},
}


def _words(lang: str) -> dict[str, str]:
    return _WHAT_IF_WORDS.get(lang, _WHAT_IF_WORDS["en"])


def _figure(c: ClauseResult, lang: str) -> str:
    """A clause's amount as calc's table shows it: its figure where one is computed, "—" otherwise (not
    eligible, discretionary, missing input, expired)."""
    return explain.amount_text(c, lang) if c.status.computed else "—"


def what_if_renderables(w: WhatIf, unread: bool = True, lang: str = "en") -> list[Text]:
    """Per policy: what must be read first (as calc), each clause that changed, base → new (difference), and
    why; then the totals (``lang``: the status words, qualifiers and totals in that language, as calc's)."""
    words = _words(lang)
    out: list[Text] = [Prose(f"{visible(w.profile.name)}: {words['what if']}", style="bold")]
    out += [Prose(f"  {explain.setting(s, lang)}") for s in w.settings]
    for pd in w.deltas:
        out.append(Prose(""))
        out.append(Prose(f"{pd.policy.id}  {pd.policy.title_zh}", style="bold"))
        out += [Prose(text, style="bold red" if headline else "yellow")
                for text, headline in what_if_notes(pd, unread, lang)]
        changed = pd.changed
        if not changed:
            out.append(Prose(f"  {words['no change']}", style="dim"))
        for d in changed:
            head = Prose(f"{d.id}", style="bold")
            head.append(f"  {explain.status_label(d.before.status, lang)} → {explain.status_label(d.after.status, lang)}")
            out.append(head)
            sep = "，" if lang == "zh" else ", "
            out.append(Prose(f"  {words['base']} {_figure(d.before, lang)}{sep}{words['new']} "
                            f"{_figure(d.after, lang)}{sep}{words['difference']} "
                            f"{explain.clause_change(d, lang)}"))
            for ch in d.changes:
                out.append(Prose(words["why"].format(text=explain.change(ch, d, lang))))
        for ch in pd.company:
            out.append(Prose(f"{explain.change(ch, lang=lang)}", style="yellow"))
        same = [d.id for d in pd.clauses if not d.changed]
        if same and changed:
            out.append(Prose(words["unchanged:"].format(words=words["unchanged"], ids=", ".join(same)), style="dim"))
        out += _totals(pd, lang)
    return out


class _Totals:
    """The base / new / difference totals: aligned columns, or where they do not fit, one line per figure."""

    def __init__(self, pd: PolicyDelta, lang: str = "en"):
        self.pd = pd
        self.lang = lang

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = _totals_lines(self.pd, self.lang)
        if max(cell_len(line.plain) for line in lines) <= options.max_width:
            yield from lines
            return
        words = _words(self.lang)
        for label, b, a, d in _total_rows(self.pd, self.lang):
            yield Prose(label, style="bold" if label == words["total"] else "")
            yield Prose(f"  {words['base']} {b}")
            yield Prose(f"  {words['new']} {a}")
            yield Prose(f"  {words['difference']} {d}")


def _totals(pd: PolicyDelta, lang: str = "en") -> list:
    return [_Totals(pd, lang)]


def _total_rows(pd: PolicyDelta, lang: str = "en") -> list[tuple[str, str, str, str]]:
    """(label, base, new, difference) for the exact, up-to and whole totals, as words.

    When either side's exact total is a range (SPEC 9.2: a binding company cap counted up-to awards at
    their ceilings), the exact row is its lower bound and a second row gives the upper bound, as in calc.
    A figure that counts an up-to ceiling says "up to", and so does a difference of two such figures (SPEC §3).
    """
    b, a = pd.before, pd.after
    rows = [("exact", b.total_exact, a.total_exact, False, False)]
    if b.total_exact_max is not None or a.total_exact_max is not None:
        b_max = b.total_exact if b.total_exact_max is None else b.total_exact_max
        a_max = a.total_exact if a.total_exact_max is None else a.total_exact_max
        rows = [("exact, at least", b.total_exact, a.total_exact, False, False),
                ("exact, at most", b_max, a_max, False, False)]
    up_to = pd.counts_ceiling
    rows += [("up-to clauses", b.total_up_to, a.total_up_to, up_to, up_to),
             ("total", b.total, a.total, b.counts_ceiling, a.counts_ceiling)]
    words = _words(lang)

    def difference(label: str, bf: int, af: int, bc: bool, ac: bool) -> str:
        exact, ceilings = a.total_exact - b.total_exact, a.total_up_to - b.total_up_to
        ranged = b.total_exact_max is not None or a.total_exact_max is not None  # (then no exact part is certain)
        if label == "total" and pd.ceiling_moved and exact and ceilings and not ranged:
            # "up to -8,339,200.00" read as a ceiling of a loss; of it, -4,339,200.00 is certain and the rest the
            # change of the ceilings: each said as what it is (SPEC §3)
            return words["split"].format(exact=explain.signed(exact), up_to=explain.signed(ceilings))
        return explain.signed(af - bf, pd.ceiling_moved if label == "total" else bc or ac, lang)

    return [(words[label], explain.total_figure(bf, bc, lang), explain.total_figure(af, ac, lang),
             difference(label, bf, af, bc, ac)) for label, bf, af, bc, ac in rows]


def _totals_lines(pd: PolicyDelta, lang: str = "en") -> list[Text]:
    words = _words(lang)
    rows = [("", words["base"], words["new"], words["difference"])] + _total_rows(pd, lang)
    widths = [max(cell_len(r[k]) for r in rows) for k in range(4)]
    out: list[Text] = []
    for r in rows:
        cells = [r[0] + " " * (widths[0] - cell_len(r[0]))] + [" " * (widths[k] - cell_len(r[k])) + r[k]
                                                              for k in (1, 2, 3)]
        out.append(Prose("  ".join(cells), style="bold" if r[0] in ("", words["total"]) else ""))
    return out


def print_what_if(w: WhatIf, console: Console, unread: bool = True, lang: str = "en") -> None:
    for part in what_if_renderables(w, unread, lang):
        console.print(part)


def what_if_markdown(w: WhatIf, unread: bool = True, lang: str = "en") -> str:
    words = _words(lang)
    head = ("| 条款 | 状态 | 原值 | 新值 | 差额 | 原因 |" if lang == "zh" else
            "| Clause | Status | Base | New | Difference | Why |")
    sep = "；" if lang == "zh" else "; "
    lines = [f"# {markdown_text(w.profile.name)}: {words['what if']}", ""] + \
        [f"- {markdown_text(explain.setting(s, lang))}" for s in w.settings]
    for pd in w.deltas:
        lines += ["", f"## {pd.policy.id}: {pd.policy.title_zh}", ""]
        notes = what_if_notes(pd, unread, lang)
        lines += [f"> {'**' if headline else ''}{markdown_text(text)}{'**' if headline else ''}" for text, headline in notes]
        lines += [""] if notes else []
        lines += [head, "|---|---|---:|---:|---:|---|"]
        for d in pd.changed:
            lines.append(f"| `{d.id}` | {explain.status_label(d.before.status, lang)} → "
                         f"{explain.status_label(d.after.status, lang)} | "
                         f"{explain.amount_text(d.before, lang)} | "
                         f"{explain.amount_text(d.after, lang)} | {explain.signed(d.diff, d.counts_ceiling, lang)} | "
                         f"{_md(sep.join(explain.change(ch, d, lang) for ch in d.changes))} |")
        for label, b, a, diff in _total_rows(pd, lang):
            why = _md(sep.join(explain.change(ch, lang=lang) for ch in pd.company)) if label == words["total"] else ""
            lines.append(f"| **{label}** | | {b} | {a} | {diff} | {why} |")
    return "\n".join(lines) + "\n"


def what_if_dict(w: WhatIf) -> dict:
    """JSON: both results (SPEC §8 form) and the per-clause delta."""
    from .json import document

    new = document(w.changed.name, w.new[0].year, w.new)["results"] if w.new else []
    # ``results`` is ``new``: the document is also the SPEC §8 object of the changed profile (the schema's
    # required keys), so a script reading calc's JSON reads a what-if's the same way
    return {"company": w.changed.name, "year": w.new[0].year if w.new else None, "results": new,
            "set": [{"field": s.field, "before": _typed_json(s.before, s.kind), "after": _typed_json(s.after, s.kind)}
                    for s in w.settings],
            "base": document(w.profile.name, w.base[0].year, w.base)["results"] if w.base else [],
            "new": new,
            "delta": [policy_delta_dict(pd) for pd in w.deltas]}


def _typed_json(v: object, kind: Kind) -> object:
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, tuple):
        return [_typed_json(x, kind) for x in v] if kind != Kind.MONEY_LIST else \
            [_exact(Fraction(int(x), 10_000), Kind.MONEY) for x in v]
    if kind in (Kind.MONEY, Kind.MONEY_LIST):
        return _exact(Fraction(int(v), 10_000), Kind.MONEY)  # type: ignore[call-overload]
    if kind == Kind.RATE:
        return _exact(Fraction(int(v), 1_000_000), Kind.RATE)  # type: ignore[call-overload]
    return v


# ---------------------------------------------------------------- sweeps


EXACT_MARK = "█"
UP_TO_MARK = "░"
CHART_HEIGHT = 14


def _compact(fen: int) -> str:
    """A y-axis label, exact to the fen like every figure shown ("4,776,671.73"): the top and 0 only, the
    figures the chart's rows are measured against (a row in between stands for no figure to the fen)."""
    return format_fen_grouped(fen)


class Chart:
    """Total (exact part █, up-to part ░ above it) against the swept field, one column per slice of values.

    Each column shows the point nearest the slice's middle; it fits any console of 40 columns or more and
    reads the same with colour off.
    """

    def __init__(self, sweep: Sweep, height: int = CHART_HEIGHT, lang: str = "en"):
        self.sweep = sweep
        self.height = height
        self.lang = lang

    def lines(self, width: int) -> list[str]:
        sw = self.sweep
        axis = sw.axes[0]
        xs = sw.points.xs[0]
        total, exact = sw.points.total, sw.points.total_exact
        top = int(total.max()) if len(total) else 0
        label_w = max(len(_compact(top)), len(_compact(0)))
        cols = max(10, min(width - label_w - 3, len(xs)))
        idx = [min(len(xs) - 1, (2 * k + 1) * len(xs) // (2 * cols)) for k in range(cols)]
        out: list[str] = []
        for row in range(self.height, 0, -1):
            cells = []
            for i in idx:
                need = (2 * row - 1) * top  # a cell is filled when the value reaches its middle
                if top and 2 * self.height * int(exact[i]) >= need:
                    cells.append(EXACT_MARK)
                elif top and 2 * self.height * int(total[i]) >= need:
                    cells.append(UP_TO_MARK)
                else:
                    cells.append(" ")
            label = _compact(top) if row == self.height else ""  # (a mid-height label would be no exact figure)
            out.append(f"{label.rjust(label_w)} ┤{''.join(cells)}")
        out.append(f"{_compact(0).rjust(label_w)} └{'─' * cols}")
        left = explain.value(axis.exact(int(xs[0])), axis.kind)
        right = explain.value(axis.exact(int(xs[-1])), axis.kind)
        if len(left) + 1 + len(right) <= cols:
            out.append(" " * (label_w + 2) + left + " " * (cols - len(left) - len(right)) + right)
        else:  # a narrow chart: each end of the axis on its own line, the right one under the axis's end
            out.append(" " * (label_w + 2) + left)
            out.append(" " * max(0, label_w + 2 + cols - len(right)) + right)
        legend = explain.CHART_LEGEND.get(self.lang, explain.CHART_LEGEND["en"]).format(exact=EXACT_MARK,
                                                                                          up_to=UP_TO_MARK)
        out.append(" " * (label_w + 2) + f"{axis.field} →   {legend}")
        return out

    def needs(self) -> int:
        """The narrowest console the chart fits: its value labels, ten columns, and each end of the axis."""
        sw = self.sweep
        axis, xs, total = sw.axes[0], sw.points.xs[0], sw.points.total
        label_w = max(len(_compact(int(total.max()) if len(total) else 0)), len(_compact(0)))
        ends = [len(explain.value(axis.exact(int(xs[k])), axis.kind)) for k in (0, -1)] if len(xs) else [0]
        return max(label_w + 3 + 10, label_w + 2 + max(*ends, len(axis.field) + 2))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if options.max_width < self.needs():  # (at 20-27 columns it cut the axis's figures and the field name)
            yield from _grid_summary(self.sweep, self.lang)
            return
        for line in self.lines(options.max_width):
            yield Prose(line, no_wrap=False)


def cliff_text(c: Cliff, axis: Axis, lang: str = "en") -> str:
    return explain.cliff(c, axis.field, axis.kind, axis.denominator, lang)


#: the sweep view's own words, per output language (--lang)
SWEEP_WORDS = {
    "en": {"axis": "{field} from {first} to {last}, {n} values", "held": " ({field} held at {value})",
           "year": ", fiscal year {year}", "title": "{name}: sweep{year}", "policies": "policies: {ids}",
           "points": "{n:,} points evaluated as one batch", "cliffs": "Cliffs along {field}{held}",
           "none": "  none in this range: no clause switches, no cap starts to bind",
           "highest": "highest total {total} at {where}", "lowest": "lowest total {total} at {where}",
           "warning": "warning: {text}"},
    "zh": {"axis": "{field} 从 {first} 到 {last}，共 {n} 个取值", "held": "（{field} 固定为 {value}）",
           "year": "，{year} 财年", "title": "{name}：敏感性测算{year}", "policies": "政策：{ids}",
           "points": "共计算 {n:,} 个取值点（一次批量计算）", "cliffs": "{field} 的跳变点{held}",
           "none": "  此范围内没有跳变：没有条款变化，也没有上限开始适用",
           "highest": "合计最大值：{total}，在 {where}", "lowest": "合计最小值：{total}，在 {where}",
           "warning": "提示：{text}"},
}


def _sweep_words(lang: str) -> dict[str, str]:
    return SWEEP_WORDS.get(lang, SWEEP_WORDS["en"])


def _axis_line(sw: Sweep, k: int, lang: str = "en") -> str:
    axis = sw.axes[k]
    first, last = axis.exact(axis.start), axis.exact(axis.stop)
    return _sweep_words(lang)["axis"].format(field=axis.field, first=explain.value(first, axis.kind),
                                             last=explain.value(last, axis.kind), n=len(axis.values()))


def _held_note(sw: Sweep, k: int, lang: str = "en") -> str:
    from ..planning import held_units

    others = [a for j, a in enumerate(sw.axes) if j != k]
    return "".join(_sweep_words(lang)["held"].format(
        field=a.field, value=explain.value(a.exact(held_units(a, sw.profile)), a.kind)) for a in others)


def _year(sw: Sweep, lang: str = "en") -> str:
    """", fiscal year 2024" in a heading; nothing when the sweep varies the year."""
    return _sweep_words(lang)["year"].format(year=sw.year) if sw.year else ""


#: the notices of a result that depend on its fiscal year (a sweep of the year gives those of every year swept)
_YEAR_NOTICES = frozenset({NoticeKind.HYPOTHETICAL, NoticeKind.MAY_BE_SUPERSEDED, NoticeKind.REFERENCE_UNCONFIRMED,
                           NoticeKind.VALIDITY_END_UNKNOWN})


def sweep_notices(sw: Sweep, lang: str = "en") -> list[tuple[str, str, bool]]:
    """What must be read with a sweep, as calc's first lines of the profile as given: (policy, text, headline):
    NOT IN FORCE (not when the sweep varies the year: the points say it), NOT TARGETED, the plausibility and
    unread-field warnings, the table's notices (may be superseded, end unknown …)."""
    from .markdown import report_of

    out: list[tuple[str, str, bool]] = []
    for r in sw.base:
        rep = report_of(r, lang=lang)
        if rep.banner and not (sw.year == 0 and not r.in_force and r.targeted is not False):
            out.append((r.policy.id, rep.banner, True))
        out += [(r.policy.id, w, False) for w in rep.first_warnings if (r.policy.id, w, False) not in out]
        out += [(r.policy.id, w, False) for w in rep.warnings]
    # a sweep of the year: what calc says of each other year swept (SPEC 9.3: may be superseded; --ignore-validity:
    # hypothetical; a reference rate not yet confirmed), once per wording
    first: dict[tuple[str, NoticeKind], int] = {}  # (policy, kind) -> its entry in ``out``, the first year's text
    years: dict[tuple[str, NoticeKind], list[int]] = {}  # the later years whose text differs only by the year
    for y, results in sw.by_year:
        for r in results:
            for n in r.notices:
                if n.kind not in _YEAR_NOTICES:
                    continue
                text = explain.notice(n, r, lang)
                key = (r.policy.id, n.kind)
                if (r.policy.id, text, False) in out:
                    continue
                if key in first:  # one notice, the years it is true of: never one paragraph per year
                    years[key].append(y)
                    continue
                first[key] = len(out)
                years[key] = []
                out.append((r.policy.id, text, False))
    for key, k in first.items():
        if years[key]:
            pid, text, headline = out[k]
            out[k] = (pid, text + explain.likewise_years(years[key], lang), headline)
    read = {name for p in sw.policies for c in p.clauses for name in c.names()}
    for p in sw.policies:  # the company cap reads its own fields (Nanchang's 5% of sales_revenue)
        cap = p.company_cap
        if cap is not None:
            read |= {n for e in (cap.limit, cap.exempt_if, cap.waived_if) if e is not None for n in e.names}
    moved = len(sw.axes) > 1 or _anything_moves(sw)  # (a field read through another's default moves it)
    for a in sw.axes:
        if a.field not in read and a.field != "year" and not moved:
            text = f"{a.field} is not read by {', '.join(p.id for p in sw.policies)}: nothing changes along it"
            out.append(("", text, False))
    return out


def _anything_moves(sw: Sweep) -> bool:
    """Whether any total, clause status or amount differs between the sweep's points."""
    pts = sw.points
    if pts.n < 2:
        return False
    same = bool((pts.total == pts.total[0]).all() and (pts.total_exact == pts.total_exact[0]).all())
    for run in pts.runs:
        for cr in run.clauses:
            same = same and bool((cr.status == cr.status[0]).all())
    return not same


def sweep_renderables(sw: Sweep, lang: str = "en") -> list:
    """Heading, what must be read first, chart (a single field), the cliffs of each axis, the range of totals
    (``lang``: the qualifiers 最高 / 至少, the legend and the first line's verdict in that language, as calc's)."""
    w = _sweep_words(lang)
    out: list = [Prose(w["title"].format(name=visible(sw.profile.name), year=_year(sw, lang)), style="bold"),
                 Prose(w["policies"].format(ids=", ".join(p.id for p in sw.policies)))]
    several = len(sw.policies) > 1
    for pid, text, headline in sweep_notices(sw, lang):
        where = f"{pid}: " if several and pid else ""
        out.append(Prose(f"{where}{text}" if headline else w["warning"].format(text=f"{where}{text}"),
                         style="bold red" if headline else "yellow"))
    out += [Prose(_axis_line(sw, k, lang)) for k in range(len(sw.axes))]
    out.append(Prose(w["points"].format(n=sw.points.n), style="dim"))
    if len(sw.axes) == 1:
        out.append(Prose(""))
        out.append(Chart(sw, lang=lang))
    else:
        out.append(Prose(""))
        out += _grid_summary(sw, lang)
    for k, axis in enumerate(sw.axes):
        out.append(Prose(""))
        out.append(Prose(w["cliffs"].format(field=axis.field, held=_held_note(sw, k, lang)), style="bold"))
        if not sw.cliffs[k]:
            out.append(Prose(w["none"], style="dim"))
        for n, c in enumerate(sw.cliffs[k], 1):
            out.append(Prose(f"{n}. {cliff_text(c, axis, lang)}"))
    return out


def _grid_summary(sw: Sweep, lang: str = "en") -> list[Text]:
    total, ceiling = sw.points.total, sw.points.ceiling
    lo, hi = int(total.argmin()), int(total.argmax())

    def where(i: int) -> str:
        return ", ".join(f"{a.field} = {explain.value(a.exact(int(xs[i])), a.kind)}"
                         for a, xs in zip(sw.axes, sw.points.xs))

    w = _sweep_words(lang)
    return [Prose(w["highest"].format(total=explain.total_figure(int(total[hi]), bool(ceiling[hi]), lang),
                                      where=where(hi))),
            Prose(w["lowest"].format(total=explain.total_figure(int(total[lo]), bool(ceiling[lo]), lang),
                                     where=where(lo)))]


def print_sweep(sw: Sweep, console: Console, lang: str = "en") -> None:
    for part in sweep_renderables(sw, lang):
        console.print(part)


def sweep_markdown(sw: Sweep, lang: str = "en") -> str:
    w = _sweep_words(lang)
    lines = [f"# {w['title'].format(name=markdown_text(sw.profile.name), year=_year(sw, lang))}", "",
             ("政策：" if lang == "zh" else "Policies: ") + ", ".join(f"`{p.id}`" for p in sw.policies), ""]
    lines += [f"- {_axis_line(sw, k, lang)}" for k in range(len(sw.axes))]
    notices = sweep_notices(sw, lang)
    if notices:
        lines.append("")
        lines += [f"> **{_md(text)}**" if headline else f"> {w['warning'].format(text=_md(text))}"
                  for _, text, headline in notices]
    if len(sw.axes) == 1:
        lines += ["", "```"] + Chart(sw, lang=lang).lines(80) + ["```"]
    for k, axis in enumerate(sw.axes):
        lines += ["", f"## {w['cliffs'].format(field=axis.field, held=_held_note(sw, k, lang))}", ""]
        lines += [f"{n}. {_md(cliff_text(c, axis, lang))}" for n, c in enumerate(sw.cliffs[k], 1)] or \
            [w["none"].strip() if lang == "zh" else "None in this range."]
    return "\n".join(lines) + "\n"


def sweep_records(sw: Sweep) -> tuple[list[str], list[list[object]]]:
    """The header and one row per point: each field's value, total, total_exact, each clause's amount and status."""
    several = len(sw.policies) > 1
    names = [f"{pid}.{cid}" if several else cid for pid, cid in sw.clause_ids]
    header = [a.field for a in sw.axes] + ["total", "total_exact"]
    for n in names:
        header += [n, f"{n}_status"]
    amounts = [(cr.amount, cr.status) for run in sw.points.runs for cr in run.clauses]
    rows: list[list[object]] = []
    for i in range(sw.points.n):
        row: list[object] = [_exact(a.exact(int(xs[i])), a.kind) for a, xs in zip(sw.axes, sw.points.xs)]
        row += [format_fen(int(sw.points.total[i])), format_fen(int(sw.points.total_exact[i]))]
        for amount, status in amounts:
            row += [format_fen(int(amount[i])), str(STATUS_BY_CODE[int(status[i])])]
        rows.append(row)
    return header, rows


def sweep_csv(sw: Sweep) -> str:
    import csv  # here, not at the top: calc imports this module for its headroom
    import io

    header, rows = sweep_records(sw)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def sweep_jsonl(sw: Sweep) -> str:
    import json

    header, rows = sweep_records(sw)
    return "".join(json.dumps(dict(zip(header, row)), ensure_ascii=False) + "\n" for row in rows)


def sweep_dict(sw: Sweep) -> dict:
    """JSON of a sweep: the axes, the cliffs (each worded too) and the points."""
    header, rows = sweep_records(sw)
    return {"company": sw.profile.name, "year": sw.year or None, "policies": [p.id for p in sw.policies],
            "axes": [{"field": a.field, "from": _exact(a.exact(a.start), a.kind), "to": _exact(a.exact(a.stop), a.kind),
                      "values": len(a.values())} for a in sw.axes],
            "warnings": [{"policy": pid, "text": text, "headline": headline} for pid, text, headline in sweep_notices(sw)],
            "cliffs": [[cliff_dict(c, a) for c in cl] for cl, a in zip(sw.cliffs, sw.axes)],
            "points": [dict(zip(header, row)) for row in rows]}


def cliff_dict(c: Cliff, axis: Axis) -> dict:
    d: dict = {"kind": str(c.kind), "policy": c.policy, "at": _exact(axis.exact(c.at), axis.kind),
               "below": _exact(axis.exact(c.below), axis.kind), "total_below": format_fen(c.total_below),
               "total_at": format_fen(c.total_at), "total_exact_below": format_fen(c.exact_below),
               "total_exact_at": format_fen(c.exact_at), "text": cliff_text(c, axis)}
    if c.clause:
        d |= {"clause": c.clause, "amount_below": format_fen(c.amount_below), "amount_at": format_fen(c.amount_at)}
    if c.group:
        d |= {"group": c.group, "winner_before": c.before or None, "winner_after": c.after or None}
    if c.limit is not None:
        d["limit"] = format_fen(c.limit)
    if c.clauses:
        d["clauses"] = list(c.clauses)
    d |= {"total_below_counts_ceiling": c.ceiling_below, "total_at_counts_ceiling": c.ceiling_at}
    return d
