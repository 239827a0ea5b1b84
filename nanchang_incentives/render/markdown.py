"""The human-readable report of ``calc``: a plain view of each result, and its Markdown form.

``report_of`` decides *what* a person sees (which clauses are rows, the
footnotes for every cap and exclusive-group decision, the not-evaluated list,
the totals split into exact and up-to); ``render_results`` writes it as
Markdown for pasting into a report, and ``render.table`` draws the same view
with Rich. No Rich here.

Rules kept in one place:

- an ``up_to`` figure is always labelled "up to"; an exact one never is;
- a clause is a row when it is granted, capped, excluded, discretionary, or
  not eligible because a threshold was missed (``show_all``: every clause);
- a clause not evaluated for missing input is summarised below the table with
  the fields to add.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .. import explain
from ..explain import STATUS_TEXT, money, status_label
from ..money import format_fen_grouped
from ..profile import Profile
from ..text import markdown_text, visible
from ..trace import ClauseResult, ConditionResult, Notice, NoticeKind, PolicyResult, Status

DASH = "—"
__all__ = ["STATUS_TEXT", "Report", "Row", "failed_thresholds", "money", "render_results", "report_of"]


#: the totals block's labels and figures, per output language (--lang); "total" is the label of the grand total
TOTAL_WORDS = {
    "en": {"exact": "exact clauses", "up_to": "up-to clauses (ceilings)", "total": "total",
           "none": "none: no clause is in force for fiscal {year}, nothing is computed",
           "ceiling": "{total} (exact {exact} + up to {up_to})", "all_exact": "{total} (all exact)",
           "ceiling_least": "{total} (exact at least {exact} + up to {up_to})",
           "discretionary": "discretionary",
           "discretionary_n": "{n} clause(s) without an amount in the text, not in the totals"},
    "zh": {"exact": "确定金额条款", "up_to": "最高限额条款（上限）", "total": "合计",
           "none": "无：{year} 财年没有条款在有效期内，未计算",
           "ceiling": "{total}（确定 {exact} + 最高 {up_to}）", "all_exact": "{total}（全部为确定金额）",
           "ceiling_least": "{total}（确定部分至少 {exact} + 最高 {up_to}）",
           "discretionary": "酌情条款",
           "discretionary_n": "{n} 项条款文本无金额，不计入合计"},
}


#: the clause table's own words (its cells, header lines and lists), per output language (--lang); the
#: explanations they point to (conditions, calculations) stay in the policy table's English
TABLE_WORDS = {
    "en": {"excluded_in": "excluded in group '{group}'", "kept_in": "kept in group '{group}'",
           "company_cut": "company cap cut", "at_least": "at least: depends on the up-to awards", "note": "note",
           "no_amount": "no amount in the text", "not_evaluated": "not evaluated " + DASH + " add {fields}",
           "missing_input": "the missing input", "outside": "outside the policy's validity",
           "one_off": "one-off award", "title": "{company} " + DASH + " fiscal year {year}",
           "end_unknown": "end unknown", "covered": "covered", "not_covered": "NOT covered",
           "superseded": " (the result may be superseded: see the warning)",
           "validity": "policy {policy}: valid {start} to {until}; fiscal year {year} {covered}",
           "expired": "{n} of {all} clauses expired: fiscal year {year} is outside the policy's validity, "
                      "nothing is computed",
           "empty": "no clause applies (use --all to list every clause)",
           "hypothetical": "HYPOTHETICAL: fiscal year {year} is outside the policy's validity; computed only "
                           "because of --ignore-validity",
           "reference": "reference: {text}", "warning": "warning: {text}"},
    "zh": {"excluded_in": "同组就高不叠加 '{group}'", "kept_in": "同组就高保留 '{group}'",
           "company_cut": "企业年度上限核减", "at_least": "至少：取决于最高限额条款", "note": "注",
           "no_amount": "条文无金额", "not_evaluated": "未计算 " + DASH + " 需补充 {fields}",
           "missing_input": "缺少的数据", "outside": "不在政策有效期内",
           "one_off": "一次性奖励", "title": "{company} " + DASH + " {year} 财年",
           "end_unknown": "终止日期未知", "covered": "在有效期内", "not_covered": "不在有效期内",
           "superseded": "（结果可能已被新政策取代：见提示）",
           "validity": "政策 {policy}：有效期 {start} 至 {until}；{year} 财年{covered}",
           "expired": "{all} 项条款中 {n} 项不在有效期内：{year} 财年不在政策有效期内，未计算",
           "empty": "没有适用的条款（加 --all 列出全部条款）",
           "hypothetical": "假设计算：{year} 财年不在政策有效期内，仅因 --ignore-validity 而计算，所有金额均为假设",
           "reference": "参考利率：{text}", "warning": "提示：{text}"},
}


def table_words(lang: str) -> dict[str, str]:
    return TABLE_WORDS.get(lang, TABLE_WORDS["en"])


@dataclass(frozen=True)
class Row:
    """One clause as a table row (every cell already a string)."""

    clause: ClauseResult
    clause_text: str  # "loan_interest 贷款利息补贴"
    section: str
    status: Status
    calculation: str
    raw: str
    notes: tuple[str, ...]
    amount: str
    basis: str
    #: the amount cell as lines that never split a figure ("up to" / "at least" above the figure they qualify)
    amount_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    """Everything shown for one policy result."""

    result: PolicyResult
    title: str  # company — fiscal year
    validity_line: str
    references: tuple[str, ...]
    hypothetical: str  # banner text, "" when not hypothetical
    rows: tuple[Row, ...]
    footnotes: tuple[str, ...]  # footnote i is referred to as [i+1]
    not_evaluated: tuple[str, ...]
    expired: str  # "19 clauses expired …", "" when none hidden
    empty: str  # shown when there is no row at all
    totals: tuple[tuple[str, str], ...]  # (label, figure)
    warnings: tuple[str, ...]  # shown after the totals
    banner: str = ""  # first line: NOT TARGETED / industries unknown, "" when the policy applies
    first_warnings: tuple[str, ...] = ()  # shown before the figures: replaced table, implausible inputs


def failed_thresholds(c: ClauseResult) -> tuple[ConditionResult, ...]:
    """The conditions that failed on a numeric threshold (not a yes/no or a "> 0" test)."""
    return tuple(cd for cd in c.conditions if cd.held is False and cd.is_threshold)


def is_relevant(c: ClauseResult) -> bool:
    """Is the clause a row of the default (not ``--all``) table?"""
    if c.status in (Status.GRANTED, Status.CAPPED, Status.EXCLUDED, Status.DISCRETIONARY):
        return True
    return c.status == Status.NOT_ELIGIBLE and bool(failed_thresholds(c))


class _Notes:
    """Numbered footnotes, each text given a number once."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def ref(self, text: str) -> str:
        if text not in self.texts:
            self.texts.append(text)
        return f"[{self.texts.index(text) + 1}]"


def _group_notes(result: PolicyResult, lang: str = "en") -> dict[str, str]:
    """Exclusive group id -> the footnote of its decision (only groups where a clause was excluded)."""
    out: dict[str, str] = {}
    for c in result.clauses:
        d = c.group_decision
        if c.status.counted and d is not None and d.forgone and c.group:
            out[c.group] = explain.group_footnote(c, d, lang)
    return out


def _banner_notice(result: PolicyResult) -> Notice | None:
    """The notice that is the report's first line (SPEC 9.3: no clause in force for the year)."""
    return next((n for n in result.notices if n.kind == NoticeKind.POLICY_ENDED), None)


def banner(result: PolicyResult, lang: str = "en") -> str:
    """The first line of a result that does not apply as is ("" when it does): ``explain.banner``."""
    return explain.banner(result, lang)


def _fields(c: ClauseResult, lang: str) -> str:
    """The fields a clause waits for, as the advice names them: ``neeq_listed``, or under --lang zh with the
    Chinese name a Chinese profile or sheet writes (``neeq_listed（新三板挂牌）``)."""
    if lang != "zh" or not c.missing_zh:
        return ", ".join(c.missing)
    return "、".join(f"{f}（{zh}）" if zh else f for f, zh in zip(c.missing, c.missing_zh))


def report_of(result: PolicyResult, show_all: bool = False, company: str | None = None, lang: str = "en") -> Report:
    """The plain view of one policy result shared by the Markdown and Rich renderers.

    ``lang`` (--lang): the amount cells' "up to" / "at least", the table's own words (caps, groups, header lines)
    and the totals block in that language (最高 / 至少, 条款上限, 合计); the conditions and calculations the policy
    table words stay English (README).
    """
    pol = result.policy
    notes = _Notes()
    groups = _group_notes(result, lang)
    company_note = explain.company_cap(result.company_cap, lang) if result.company_cap is not None else ""
    tw = table_words(lang)

    rows: list[Row] = []
    for c in result.clauses:
        if not (show_all or is_relevant(c)):
            continue
        cells: list[str] = []
        if c.status.computed:
            for e in c.caps:
                sep = "：" if lang == "zh" else ": "
                cap_note = f"{c.id}{sep}{explain.cap_event(e, c.basis, lang)}"
                cells.append(f"{explain.cap_short(e, lang=lang)} {notes.ref(cap_note)}")
            if c.group in groups:
                word = tw["excluded_in"] if c.status == Status.EXCLUDED else tw["kept_in"]
                cells.append(f"{word.format(group=c.group)} {notes.ref(groups[c.group])}")
            if c.company_cut is not None:
                cells.append(f"{tw['company_cut']} {notes.ref(company_note)}")
            if c.amount_max is not None:  # SPEC 9.2 (a stated minimum is in the amount cell itself)
                sep = "：" if lang == "zh" else ": "
                cells.append(f"{tw['at_least']} {notes.ref(f'{c.id}{sep}{explain.range_note(c, lang)}')}")
            if c.caveat and c.status.counted:
                caveat = f"{c.id}：{c.caveat_zh}" if lang == "zh" and c.caveat_zh else f"{c.id}: {c.caveat}"
                cells.append(f"{tw['note']} {notes.ref(caveat)}")
        elif c.status == Status.DISCRETIONARY:
            cells.append(tw["no_amount"])
        elif c.status == Status.NOT_ELIGIBLE:
            failed = [cd for cd in c.conditions if cd.held is False]
            cells.extend(explain.not_met(cd, lang) for cd in failed)
            if not failed:
                cells.append(explain.clause_explanation(c, lang))
        elif c.status == Status.MISSING_INPUT:
            cells.append(tw["not_evaluated"].format(fields=_fields(c, lang) or tw["missing_input"]))
        elif c.status == Status.EXPIRED:
            cells.append(tw["outside"])

        if c.status.computed:
            raw, amount = money(c.raw_amount, c.basis, lang), explain.amount_text(c, lang)
            calculation, lines = explain.calculation(c, lang), explain.amount_lines(c, lang)
        else:
            raw, amount, calculation, lines = DASH, DASH, "", (DASH,)
        source = explain.section(c.source, c.source_zh, lang)
        section = f"{source} · {tw['one_off']}" if c.one_off else source
        rows.append(Row(c, f"{c.id} {c.title_zh}", section, c.status, calculation, raw, tuple(cells), amount,
                        c.basis, lines))

    # the company cap line is always a footnote, whether binding, not reached, exempt, waived or unknown
    if company_note:
        notes.ref(company_note)

    missing: dict[tuple[str, ...], list[ClauseResult]] = {}
    if not show_all:
        for c in result.clauses:
            if c.status == Status.MISSING_INPUT:
                missing.setdefault(c.missing, []).append(c)
    zh = lang == "zh"
    not_evaluated = tuple(
        tw["not_evaluated"].format(fields=_fields(clauses[0], lang) or tw["missing_input"])
        + ("：" + "；".join(f"{c.id}（{c.title_zh}，{explain.section(c.source, c.source_zh, lang)}）" for c in clauses) if zh else
           ": " + ", ".join(f"{c.id} ({c.title_zh}, {c.source})" for c in clauses))
        for clauses in missing.values())

    expired = ""
    n_expired = sum(1 for c in result.clauses if c.status == Status.EXPIRED)
    if n_expired and not show_all:
        expired = tw["expired"].format(n=n_expired, all=len(result.clauses), year=result.year)
    empty = "" if rows or expired else tw["empty"]

    discretionary = sum(1 for c in result.clauses if c.status == Status.DISCRETIONARY)
    exact_figure = format_fen_grouped(result.total_exact)
    if result.total_exact_max is not None:  # SPEC 9.2: the exact clauses' total is a range
        exact_figure = explain.exact_total_range(result.total_exact, result.total_exact_max, lang)
    words = TOTAL_WORDS.get(lang, TOTAL_WORDS["en"])
    totals: list[tuple[str, str]] = [
        (words["exact"], exact_figure),
        (words["up_to"], money(result.total_up_to, "up_to", lang)),
    ]
    if not result.in_force and not result.hypothetical:  # SPEC 9.3: no silent 0.00 for a year no clause covers
        totals = [(words["total"], words["none"].format(year=result.year))]
    elif result.counts_ceiling:  # a ceiling cut to 0.00 (by the company cap) is still one: not "all exact"
        # SPEC 9.2: where the exact clauses' total is a range, its figure here is its least
        shape = words["ceiling"] if result.total_exact_max is None else words["ceiling_least"]
        totals.append((words["total"], shape.format(total=money(result.total, "up_to", lang),
                                                               exact=format_fen_grouped(result.total_exact),
                                                               up_to=format_fen_grouped(result.total_up_to))))
    elif any(c.status.counted for c in result.clauses):
        totals.append((words["total"], words["all_exact"].format(total=format_fen_grouped(result.total))))
    else:  # nothing counted (every clause waits for input, or none is met): nothing to call exact
        totals.append((words["total"], format_fen_grouped(result.total)))
    if discretionary:
        totals.append((words["discretionary"], words["discretionary_n"].format(n=discretionary)))

    until = pol.valid_until.isoformat() if pol.valid_until else tw["end_unknown"]
    covered = tw["covered"] if pol.covers(result.year) else tw["not_covered"]
    if pol.may_be_superseded(result.year):  # SPEC 9.3; the warning itself is among the first lines
        covered += tw["superseded"]
    hypothetical = tw["hypothetical"].format(year=result.year) if result.hypothetical else ""
    return Report(
        result=result,
        title=tw["title"].format(company=visible(company or result.company), year=result.year),
        validity_line=tw["validity"].format(policy=pol.id, start=pol.valid_from.isoformat(), until=until,
                                            year=result.year, covered=covered),
        references=tuple(explain.reference(ref) for ref in result.references),
        hypothetical=hypothetical,
        rows=tuple(rows),
        footnotes=tuple(notes.texts),
        not_evaluated=not_evaluated,
        expired=expired,
        empty=empty,
        totals=tuple(totals),
        warnings=tuple(explain.notice(n, result, lang) for n in result.notices
                       if n is not _banner_notice(result) and n.kind not in explain.FIRST),
        banner=banner(result, lang),
        first_warnings=explain.first_notices(result, lang),
    )


# ---------------------------------------------------------------- Markdown

#: the clause table's headings, per output language (--lang; the Chinese ones are batch's column names)
HEADERS = {"en": ("Clause", "Section", "Status", "Calculation", "Raw", "Cap / notes", "Amount", "Basis"),
           "zh": ("条款", "章节", "状态", "计算", "封顶前金额", "封顶与说明", "金额", "金额性质")}
#: the sections' headings, per output language
SECTIONS = {"en": {"caps": "Caps and exclusive groups", "totals": "Totals", "warnings": "Warnings"},
            "zh": {"caps": "封顶与就高不就低", "totals": "合计", "warnings": "提示"}}


def _cell(text: str) -> str:
    """Escape a table cell: pipes, newlines.

    >>> _cell("a | b\\nc"), _cell("")
    ('a \\\\| b<br>c', ' ')
    """
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>") or " "


def _markdown_report(rep: Report, lang: str = "en") -> list[str]:
    pol = rep.result.policy
    sections = SECTIONS.get(lang, SECTIONS["en"])
    number = f" ({pol.document_number})" if pol.document_number else ""
    out = [f"## {pol.title_zh}{number}", ""]
    if rep.banner:
        out += [f"> **{rep.banner}**", ""]
    if rep.first_warnings:
        out += [f"> {table_words(lang)['warning'].format(text=w)}  " for w in rep.first_warnings] + [""]
    out.append(f"{pol.issuer}  ")
    policy = "政策" if lang == "zh" else "policy"
    out.append(rep.validity_line.replace(f"{policy} {pol.id}", f"{policy.capitalize()} `{pol.id}`", 1) + "  ")
    for ref in rep.references:
        line = table_words(lang)["reference"].format(text=ref)
        out.append(line[:1].upper() + line[1:] + "  ")  # ("Reference: …"; capitalize() lowercased a WARNING in it)
    out.append("")
    if rep.hypothetical:
        out += [f"> **{rep.hypothetical}**", ""]
    if rep.rows:
        out.append("| " + " | ".join(HEADERS.get(lang, HEADERS["en"])) + " |")
        out.append("|---|---|---|---|---:|---|---:|---|")
        for r in rep.rows:
            cells = (f"`{r.clause.id}` {r.clause.title_zh}", r.section, status_label(r.status, lang),
                     r.calculation, r.raw, "; ".join(r.notes), r.amount, explain.basis_label(r.basis, lang))
            out.append("| " + " | ".join(_cell(x) for x in cells) + " |")
        out.append("")
    for line in (rep.expired, rep.empty):
        if line:
            out += [f"*{line}*", ""]
    if rep.footnotes:
        out.append(f"**{sections['caps']}**")
        out.append("")
        out += [f"{i}. {text}" for i, text in enumerate(rep.footnotes, 1)]
        out.append("")
    if rep.not_evaluated:
        out += [f"- {line}" for line in rep.not_evaluated]
        out.append("")
    out.append(f"**{sections['totals']}**")
    out.append("")
    colon = "：" if lang == "zh" else ": "
    out += [f"- {label}{colon}{figure}" for label, figure in rep.totals]
    out.append("")
    if rep.warnings:
        out.append(f"**{sections['warnings']}**")
        out.append("")
        out += [f"- {w}" for w in rep.warnings]
        out.append("")
    return out


def render_results(profile: Profile, results: Sequence[PolicyResult], show_all: bool = False,
                   lang: str = "en") -> str:
    """The Markdown report of ``calc``: one section per policy; ``lang`` (en, zh) sets the table's headings."""
    year = results[0].year if results else profile.get("year")
    title = "{name}：{year} 财年可获补贴" if lang == "zh" else "Subsidies for {name} (fiscal year {year})"
    lines = [f"# {title.format(name=markdown_text(profile.name), year=year)}", ""]
    for result in results:
        lines += _markdown_report(report_of(result, show_all, profile.name, lang), lang)
    return "\n".join(lines).rstrip() + "\n"
