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

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..engine import ClauseResult, ConditionResult, PolicyResult
from ..money import format_fen_grouped
from ..profile import Profile

DASH = "—"
#: a comparison against a non-zero number: a threshold the company can miss ("rd_expense >= 2000万")
_THRESHOLD = re.compile(r"(?:>=|<=|>|<|==)\s*(?P<num>[0-9][0-9,]*(?:\.[0-9]+)?)\s*(?:万|亿|%)?")

STATUS_TEXT = {
    "granted": "granted",
    "capped": "capped",
    "excluded": "excluded",
    "not_eligible": "not eligible",
    "missing_input": "missing input",
    "discretionary": "discretionary",
    "expired": "expired",
}


@dataclass(frozen=True)
class Row:
    """One clause as a table row (every cell already a string)."""

    clause: ClauseResult
    clause_text: str  # "loan_interest 贷款利息补贴"
    section: str
    status: str  # the SPEC status token
    calculation: str
    raw: str
    notes: tuple[str, ...]
    amount: str
    basis: str


@dataclass(frozen=True)
class Report:
    """Everything shown for one policy result."""

    result: PolicyResult
    title: str  # company — fiscal year
    policy_line: str  # title, document number, issuer
    validity_line: str
    references: tuple[str, ...]
    hypothetical: str  # banner text, "" when not hypothetical
    rows: tuple[Row, ...]
    footnotes: tuple[str, ...]  # footnote i is referred to as [i+1]
    not_evaluated: tuple[str, ...]
    expired: str  # "19 clauses expired …", "" when none hidden
    empty: str  # shown when there is no row at all
    totals: tuple[tuple[str, str], ...]  # (label, figure)
    warnings: tuple[str, ...]


def money(fen: int, basis: str) -> str:
    """A clause or total figure: up-to ceilings say so, exact figures never do.

    >>> money(123456789, "exact"), money(200000000, "up_to")
    ('1,234,567.89', 'up to 2,000,000.00')
    """
    text = format_fen_grouped(fen)
    return f"up to {text}" if basis == "up_to" else text


def failed_thresholds(c: ClauseResult) -> tuple[ConditionResult, ...]:
    """The conditions that failed on a numeric threshold (not a yes/no or a "> 0" test).

    >>> ok = ConditionResult("growth", "revenue - revenue_prev >= 1亿", False, "d")
    >>> trivial = ConditionResult("raised", "equity_investment_raised > 0", False, "d")
    >>> flag = ConditionResult("listed", "neeq_listed", False, "d")
    >>> [cd.label for cd in failed_thresholds_of((ok, trivial, flag))]
    ['growth']
    """
    return failed_thresholds_of(c.conditions)


def failed_thresholds_of(conditions: Sequence[ConditionResult]) -> tuple[ConditionResult, ...]:
    out = []
    for cd in conditions:
        if cd.held is not False:
            continue
        if any(Decimal(m.group("num").replace(",", "")) != 0 for m in _THRESHOLD.finditer(cd.text)):
            out.append(cd)
    return tuple(out)


def is_relevant(c: ClauseResult) -> bool:
    """Is the clause a row of the default (not ``--all``) table?"""
    if c.status in ("granted", "capped", "excluded", "discretionary"):
        return True
    return c.status == "not_eligible" and bool(failed_thresholds(c))


def _not_met(cd: ConditionResult) -> str:
    """ "not met: annual revenue ≥ 20亿 (1,835,000,000.00 short of 2,000,000,000.00)"; else the engine's detail."""
    if cd.shortfall:
        return f"not met: {cd.label or cd.text} ({cd.shortfall})"
    return f"not met: {cd.detail or cd.label or cd.text}"


class _Notes:
    """Numbered footnotes, each text given a number once."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def ref(self, text: str) -> str:
        if text not in self.texts:
            self.texts.append(text)
        return f"[{self.texts.index(text) + 1}]"


def _group_notes(result: PolicyResult) -> dict[str, str]:
    """Exclusive group id -> the footnote text of its decision (only groups where a clause was excluded)."""
    out: dict[str, str] = {}
    sections = {g.id: g.section for g in result.policy.groups}
    for c in result.clauses:
        if c.status != "excluded" or not c.group or c.group in out:
            continue
        members = [m for m in result.clauses if m.group == c.group]
        winner = next((m for m in members if m.status in ("granted", "capped")), None)
        where = f", {sections[c.group]}" if sections.get(c.group) else ""
        if winner is not None:
            said = next((n for n in winner.caps if n.startswith("exclusive group")), "")
            kept = said.split("): ", 1)[1] if "): " in said else "kept over " + ", ".join(
                m.id for m in members if m.status == "excluded")
            out[c.group] = (f"exclusive group '{c.group}' (就高不就低{where}): {winner.id} "
                            f"{money(winner.amount, winner.basis)} {kept}; the others are excluded")
        else:  # pragma: no cover - the engine always keeps one member when it excludes another
            out[c.group] = f"exclusive group '{c.group}' (就高不就低{where}): " + "; ".join(
                n for n in c.caps if n.startswith("exclusive group"))
    return out


def _clause_cap_notes(result: PolicyResult) -> dict[str, list[tuple[str, str]]]:
    """Clause id -> (short label, footnote text) of each item or clause cap that bit."""
    out: dict[str, list[tuple[str, str]]] = {}
    for cap in result.caps:
        if cap.kind in ("item", "clause") and cap.applied and cap.clause:
            if cap.kind == "item":
                label = f"per-{result.policy.clause(cap.clause).item_label} cap"
            else:
                label = "clause cap"
            basis = result.clause(cap.clause).basis
            out.setdefault(cap.clause, []).append((label, (
                f"{cap.clause}: {cap.note or label} ({money(cap.before, basis)} → {money(cap.after, basis)})")))
    return out


def _company_cap(result: PolicyResult) -> str:
    for cap in result.caps:
        if cap.kind == "company_annual":
            return cap.note or "company annual cap"
    return ""


def report_of(result: PolicyResult, show_all: bool = False, company: str | None = None) -> Report:
    """The plain view of one policy result shared by the Markdown and Rich renderers."""
    pol = result.policy
    notes = _Notes()
    groups = _group_notes(result)
    clause_caps = _clause_cap_notes(result)
    company_note = _company_cap(result)
    company_binding = any(cap.kind == "company_annual" and cap.applied for cap in result.caps)

    rows: list[Row] = []
    for c in result.clauses:
        if not (show_all or is_relevant(c)):
            continue
        cells: list[str] = []
        counted = c.status in ("granted", "capped", "excluded")
        if counted:
            for label, text in clause_caps.get(c.id, []):
                cells.append(f"{label} {notes.ref(text)}")
            if c.group in groups:
                word = "excluded in" if c.status == "excluded" else "kept in"
                cells.append(f"{word} group '{c.group}' {notes.ref(groups[c.group])}")
            if company_binding and any(n.startswith("company annual cap: cut") for n in c.caps):
                cells.append(f"company cap cut {notes.ref(company_note)}")
        elif c.status == "discretionary":
            cells.append("no amount in the text")
        elif c.status == "not_eligible":
            failed = [cd for cd in c.conditions if cd.held is False]
            cells.extend(_not_met(cd) for cd in failed)
            if not failed and c.explanation:
                cells.append(c.explanation)
        elif c.status == "missing_input":
            cells.append(f"not evaluated {DASH} add {', '.join(c.missing) or 'the missing input'}")
        elif c.status == "expired":
            cells.append("outside the policy's validity")

        if counted:
            raw, amount, calculation = money(c.raw_amount, c.basis), money(c.amount, c.basis), c.calculation
            if c.basis == "up_to" and calculation:
                calculation = f"ceiling, up to: {calculation}"
        else:
            raw, amount, calculation = DASH, DASH, ""
        rows.append(Row(c, f"{c.id} {c.title_zh}", c.source, c.status, calculation, raw, tuple(cells), amount,
                        c.basis))

    # the company cap line is always a footnote, whether binding, not reached, exempt, waived or unknown
    if company_note:
        notes.ref(company_note)

    missing: dict[tuple[str, ...], list[ClauseResult]] = {}
    if not show_all:
        for c in result.clauses:
            if c.status == "missing_input":
                missing.setdefault(c.missing, []).append(c)
    not_evaluated = tuple(
        f"not evaluated {DASH} add {', '.join(fields) or 'the missing input'}: "
        + ", ".join(f"{c.id} ({c.title_zh}, {c.source})" for c in clauses)
        for fields, clauses in missing.items())

    expired = ""
    n_expired = sum(1 for c in result.clauses if c.status == "expired")
    if n_expired and not show_all:
        expired = (f"{n_expired} of {len(result.clauses)} clauses expired: fiscal year {result.year} is outside "
                   f"the policy's validity, nothing is computed")
    empty = "" if rows or expired else "no clause applies (use --all to list every clause)"

    discretionary = sum(1 for c in result.clauses if c.status == "discretionary")
    totals: list[tuple[str, str]] = [
        ("exact clauses", format_fen_grouped(result.total_exact)),
        ("up-to clauses (ceilings)", money(result.total_up_to, "up_to")),
    ]
    if result.total_up_to:
        grand = (f"{money(result.total, 'up_to')} (exact {format_fen_grouped(result.total_exact)} "
                 f"+ up to {format_fen_grouped(result.total_up_to)})")
        totals.append(("total", grand))
    else:
        totals.append(("total", f"{format_fen_grouped(result.total)} (all exact)"))
    if discretionary:
        totals.append(("discretionary", f"{discretionary} clause(s) without an amount in the text, not in the totals"))

    until = pol.valid_until.isoformat() if pol.valid_until else "end unknown"
    covered = "covered" if pol.covers(result.year) else "NOT covered"
    banner = ""
    if result.hypothetical:
        banner = (f"HYPOTHETICAL: fiscal year {result.year} is outside the policy's validity; computed only "
                  f"because of --ignore-validity")
    return Report(
        result=result,
        title=f"{company or result.company} {DASH} fiscal year {result.year}",
        policy_line=f"{pol.title_zh} ({pol.document_number}), {pol.issuer}",
        validity_line=f"policy {pol.id}: valid {pol.valid_from.isoformat()} to {until}; "
                      f"fiscal year {result.year} {covered}",
        references=tuple(result.references),
        hypothetical=banner,
        rows=tuple(rows),
        footnotes=tuple(notes.texts),
        not_evaluated=not_evaluated,
        expired=expired,
        empty=empty,
        totals=tuple(totals),
        warnings=tuple(result.warnings),
    )


# ---------------------------------------------------------------- Markdown

HEADERS = ("Clause", "Section", "Status", "Calculation", "Raw", "Cap / notes", "Amount", "Basis")


def _cell(text: str) -> str:
    """Escape a table cell: pipes, newlines.

    >>> _cell("a | b\\nc"), _cell("")
    ('a \\\\| b<br>c', ' ')
    """
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>") or " "


def _markdown_report(rep: Report) -> list[str]:
    pol = rep.result.policy
    number = f" ({pol.document_number})" if pol.document_number else ""
    out = [f"## {pol.title_zh}{number}", "", f"{pol.issuer}  "]
    out.append(rep.validity_line.replace(f"policy {pol.id}", f"Policy `{pol.id}`") + "  ")
    for ref in rep.references:
        out.append(f"Reference: {ref}  ")
    out.append("")
    if rep.hypothetical:
        out += [f"> **{rep.hypothetical}**", ""]
    if rep.rows:
        out.append("| " + " | ".join(HEADERS) + " |")
        out.append("|---|---|---|---|---:|---|---:|---|")
        for r in rep.rows:
            cells = (f"`{r.clause.id}` {r.clause.title_zh}", r.section, STATUS_TEXT.get(r.status, r.status),
                     r.calculation, r.raw, "; ".join(r.notes), r.amount, r.basis)
            out.append("| " + " | ".join(_cell(x) for x in cells) + " |")
        out.append("")
    for line in (rep.expired, rep.empty):
        if line:
            out += [f"*{line}*", ""]
    if rep.footnotes:
        out.append("**Caps and exclusive groups**")
        out.append("")
        out += [f"{i}. {text}" for i, text in enumerate(rep.footnotes, 1)]
        out.append("")
    if rep.not_evaluated:
        out += [f"- {line}" for line in rep.not_evaluated]
        out.append("")
    out.append("**Totals**")
    out.append("")
    out += [f"- {label}: {figure}" for label, figure in rep.totals]
    out.append("")
    if rep.warnings:
        out.append("**Warnings**")
        out.append("")
        out += [f"- {w}" for w in rep.warnings]
        out.append("")
    return out


def render_results(profile: Profile, results: Sequence[PolicyResult], show_all: bool = False) -> str:
    """The Markdown report of ``calc``: one section per policy."""
    year = results[0].year if results else profile.get("year")
    lines = [f"# Subsidies for {profile.name} (fiscal year {year})", ""]
    for result in results:
        lines += _markdown_report(report_of(result, show_all, profile.name))
    return "\n".join(lines).rstrip() + "\n"
