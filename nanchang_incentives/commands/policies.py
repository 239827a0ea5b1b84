"""`incentives policies list | show ID | validate FILE... | test [ID|FILE...]`

For consultants who read and write policy tables: what is loaded, what each
clause says and computes, whether a new table is well-formed, and whether it
still gives the hand-worked results of its cases file.  Plain text (no Rich),
so the output can be pasted into a review or diffed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import unicodedata
from pathlib import Path
from typing import Annotated

import typer

from .. import cases as C
from .. import explain
from ..cli_options import Format, PoliciesDir, format_option, parse_date, quiet_option
from ..errors import InputError, Location, OptionError, PolicyError
from ..money import format_units
from ..policy import (
    ERROR,
    Catalog,
    Clause,
    Policy,
    Problem,
    Report,
    load_catalog,
    load_general_fields,
    load_references,
    package_policies_dir,
    validate_policy,
)
from ..render.terminal import Terminal
from ..text import visible
from .common import guarded, terminal_of

HELP = "List, show, validate and test policy tables (policies/*.toml and --policies-dir)."

#: the group's own help (incentives policies --help): one example of each command
GROUP_EXAMPLES = """Examples:

  incentives policies list

  incentives policies show 南昌 --clause rd_center

  incentives policies test nanchang
"""

EXAMPLES = {
    "list": """Examples:

  incentives policies list

  incentives policies list --on 2026-06-30 --format json
""",
    "show": """Examples:

  incentives policies show nanchang

  incentives policies show 北京 --clause first_trial_product
""",
    "validate": """Examples:

  incentives policies validate docs/example/policies/example-city-software-2024.toml

  incentives policies validate my-policies/ --strict --format json
""",
    "test": """Examples:

  incentives policies test

  incentives policies test wuhan -v
""",
}

POLICY_HELP = ("Policy id (see `policies list`), jurisdiction (nanchang) or its Chinese name (南昌), "
               "or a policy table file.")


# ---------------------------------------------------------------- plain-text helpers


def width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, cols: int) -> str:
    return text + " " * max(0, cols - width(text))


def columns(header: list[str], rows: list[list[str]]) -> str:
    """A plain aligned table."""
    widths = [max(width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(pad(c, w) for c, w in zip(row, widths)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def status_of(policy: Policy, day: dt.date) -> str:
    """in force / expired / in force, end unknown / not yet in force (on ``day``)."""
    if day < policy.valid_from:
        return "not yet in force"
    if policy.valid_until is None:
        return "in force, end unknown"
    return "in force" if day <= policy.valid_until else "expired"


def superseded_note(policy: Policy, day: dt.date) -> str:
    """For a policy whose end is unknown: on or after the day a successor was reported, that it may be superseded
    (SPEC 9.3: the figures may not be what the successor pays); else ""."""
    s = policy.successor
    if policy.valid_until is None and s is not None and s.reported is not None and day >= s.reported:
        return f"may be superseded (successor reported {s.reported.isoformat()})"
    return ""


def _status_text(policy: Policy, day: dt.date) -> str:
    note = superseded_note(policy, day)  # "in force; may be superseded (…)": the end is unknown, as it says
    return f"in force; {note}" if note else status_of(policy, day)


def validity(policy: Policy) -> str:
    return f"{policy.valid_from} … {policy.valid_until or 'end unknown'}"


# ---------------------------------------------------------------- list


LIST_HEADER = ["ID", "TITLE", "JURISDICTION", "DOCUMENT", "VALIDITY", "CLAUSES"]


def _list_rows(pols: list[Policy], day: dt.date) -> list[list[str]]:
    return [[p.id, p.title_zh, p.jurisdiction, p.document_number or "—", validity(p), str(len(p.clauses)),
             _status_text(p, day)] for p in pols]


def _list_table(term: Terminal, catalog: Catalog, pols: list[Policy], day: dt.date) -> None:
    from ..render.policies import print_list

    print_list(term.out, [*LIST_HEADER, f"STATUS ON {day}"], _list_rows(pols, day))


def _list_markdown(term: Terminal, catalog: Catalog, pols: list[Policy], day: dt.date) -> None:
    def cell(text: str) -> str:
        return visible(text).replace("|", "\\|")

    header = [*LIST_HEADER, f"STATUS ON {day}"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in _list_rows(pols, day)]
    term.write("\n".join(lines))


def _list_json(term: Terminal, catalog: Catalog, pols: list[Policy], day: dt.date) -> None:
    term.write(json.dumps([{
        "id": p.id, "title": p.title_zh, "title_en": p.title_en, "jurisdiction": p.jurisdiction,
        "document_number": p.document_number,
        **({"document_number_note": p.document_number_note} if p.document_number_note else {}),
        "valid_from": p.valid_from.isoformat(),
        "valid_until": p.valid_until.isoformat() if p.valid_until else None,
        "clauses": len(p.clauses), "status": status_of(p, day),
        "may_be_superseded": bool(superseded_note(p, day)), "path": catalog.sources.get(p.id, p.path),
    } for p in pols], ensure_ascii=False, indent=2))


LIST_RENDERERS = {Format.table: _list_table, Format.json: _list_json, Format.markdown: _list_markdown}


def list_(
    ctx: typer.Context,
    policies_dir: PoliciesDir = None,
    on: Annotated[dt.date | None, typer.Option(
        "--on", metavar="YYYY-MM-DD", parser=parse_date, help="Status on this date; default: today.")] = None,
    fmt: Annotated[Format, format_option(*LIST_RENDERERS)] = Format.table,
) -> None:
    """Every loaded policy: id, title, jurisdiction, document number, validity, clauses, status."""
    term = terminal_of(ctx)

    def run() -> None:
        day = on or dt.date.today()
        catalog = load_catalog(policies_dir or ())
        pols = sorted(catalog.policies.values(), key=lambda p: (p.jurisdiction, p.id))
        LIST_RENDERERS[fmt](term, catalog, pols, day)

    guarded(run, term)


# ---------------------------------------------------------------- show


def rule_lines(policy: Policy, clause: Clause) -> list[str]:
    """The clause's rule in words: when it applies and how much it gives."""
    out: list[str] = []
    if policy.industries:
        out.append(f"applies to: {', '.join(policy.industries)} enterprises (industries)")
    if clause.conditions:
        out.append("when: " + " and ".join(
            f"{c.label} [{c.expr.text}]" if c.label and c.label != c.expr.text else c.expr.text
            for c in clause.conditions))
    else:
        out.append("when: no condition beyond the policy's industries")
    out.append("frequency: " + ("once (a one-off award: claimed in the fiscal year of the event)" if clause.one_off
                                else "annual (claimable every year the conditions hold)"))
    if not clause.computes_amount:
        out.append("amount: none fixed by the text (discretionary): listed when the conditions hold")
        return out
    up_to = "at most " if clause.basis == "up_to" else ""
    if clause.items:
        each = clause.base.text if clause.base else ""
        if clause.rate is not None:
            each += f" × {clause.rate.text}"
        elif clause.fixed is not None:
            each += f" × {format_units(clause.fixed)} yuan"
        out.append(f"amount: for each {clause.item_label} in {clause.items} (item = its amount): {up_to}{each}, "
                   f"summed")
    else:
        parts = []
        if clause.base is not None:
            parts.append(clause.base_label + f" [{clause.base.text}]" if clause.base_label else clause.base.text)
        if clause.rate is not None:
            parts.append(clause.rate.text)
        if clause.fixed is not None:
            parts.append(f"{format_units(clause.fixed)} yuan")
        out.append(f"amount: {up_to}{' × '.join(parts)}")
        if clause.minimum is not None:  # SPEC 9.2: the stated minimum, on the footing of fixed
            low = [*parts[:-1], f"{format_units(clause.minimum)} yuan"]
            out.append(f"minimum: at least {' × '.join(low)} (stated in the text; amount_min)")
    caps = []
    if clause.item_cap is not None:
        caps.append(f"{format_units(clause.item_cap)} yuan per {clause.item_label} (cap scope: {clause.item_cap_scope})")
    if clause.cap is not None:
        per = "once" if clause.cap_period == "once" else f"per {clause.cap_period}"
        caps.append(f"{format_units(clause.cap)} yuan {per} (cap scope: {clause.cap_period})")
    if clause.ceiling_scope is not None and clause.fixed is not None:  # SPEC 9.1: the up-to ceiling's own scope
        per = "(a one-off award)" if clause.ceiling_scope == "once" else explain.scope_words(clause.ceiling_scope.value)
        caps.append(f"none; the amount is the ceiling {format_units(clause.fixed)} yuan {per} "
                    f"(ceiling scope: {clause.ceiling_scope})")
    out.append("caps: " + ("; ".join(caps) if caps else "none at clause level"))
    basis = {"exact": "exact: the text fixes the amount",
             "up_to": "up_to: the text fixes only a ceiling; the amount shown is the most that can be granted"}
    out.append(f"basis: {basis.get(clause.basis, clause.basis)}")
    return out


def clause_text(policy: Policy, clause: Clause) -> str:
    head = f"{clause.id} — {clause.title_zh}" + (f" ({clause.title_en})" if clause.title_en else "")
    lines = [head, f"  section: {clause.section}" + (f"    basis: {clause.basis}" if clause.basis else "")]
    if clause.group:
        lines.append(f"  group: {clause.group} (exclusive: 就高不就低, only the highest member is paid)")
    if clause.quote:
        lines.append(f"  quote: “{clause.quote}”")
    lines += [f"  {line}" for line in rule_lines(policy, clause)]
    if clause.caveat:
        lines.append(f"  caveat (shown with the amount): {clause.caveat}")
    lines += [f"  note: {n}" for n in clause.notes]
    return "\n".join(lines)


def _table_path(policy: Policy) -> str:
    """Where the table was read: "bundled: <file>" for a policy that ships with the package, else its path
    (and, for a table that replaces a bundled one, that it does)."""
    from ..policy import package_policies_dir

    if Path(policy.path).parent == package_policies_dir():
        return f"bundled ({Path(policy.path).name})"
    if policy.replaces_bundled:
        return f"{policy.path} (REPLACES the bundled table {Path(policy.replaces_bundled).name})"
    return policy.path


def policy_text(policy: Policy, only: Clause | None = None) -> str:
    lines = [f"{policy.id}", f"  {policy.title_zh}"]
    if policy.title_en:
        lines.append(f"  {policy.title_en}")
    document = policy.document_number or (f"none ({policy.document_number_note})" if policy.document_number_note
                                          else "")
    for label, value in (("issuer", policy.issuer), ("document", document),
                         ("issued", str(policy.issued or "")), ("validity", validity(policy)),
                         ("validity note", policy.validity_note),
                         ("successor", explain.successor(policy.successor) if policy.successor else ""),
                         ("successor reported", str(policy.successor.reported or "") if policy.successor else ""),
                         ("jurisdiction", policy.jurisdiction),
                         ("industries", ", ".join(policy.industries) or "any"),
                         ("source", " ".join(x for x in (policy.source_file, policy.source_section) if x)),
                         ("table", _table_path(policy))):
        if value:
            lines.append(f"  {label}: {value}")
    if only is not None:
        return "\n".join(lines + ["", clause_text(policy, only)])
    lines += [f"  note: {n}" for n in policy.notes]
    if policy.fields:
        lines += ["", "Fields this policy reads (besides the general ones):"]
        # the Chinese name a profile or sheet may write instead (在昌项目银行贷款), beside the id
        lines += [f"  {f.name}" + (f" / {f.zh}" if f.zh != f.name else "") + f" ({f.type}): {f.title}"
                  + (f" [default: {f.default}]" if f.default else "") for f in policy.fields]
    lines += ["", f"Clauses ({len(policy.clauses)}):"]
    for c in policy.clauses:
        lines += ["", clause_text(policy, c)]
    lines += ["", "Policy-wide rules:"]
    for g in policy.groups:
        lines.append(f"  exclusive group {g.id} ({g.section}): {', '.join(g.clauses)}: only the highest is paid")
        if g.quote:
            lines.append(f"    quote: “{g.quote}”")
    cap = policy.company_cap
    if cap is not None:
        lines.append(f"  company annual cap ({cap.section}): the counted clauses sum to at most {cap.limit.text}; "
                     f"when they exceed it they are cut proportionally (largest remainder on the last fen)")
        if cap.excludes:
            lines.append(f"    not counted: {', '.join(cap.excludes)}")
        if cap.exempt_if is not None:
            lines.append(f"    not applied when {cap.exempt_if.text}: {cap.exempt_note}")
        if cap.waived_if is not None:
            lines.append(f"    waived when {cap.waived_if.text}: {cap.waived_note}")
        if cap.quote:
            lines.append(f"    quote: “{cap.quote}”")
    for n in policy.notices:
        lines.append(f"  notice when {n.min_clauses_with_amount} or more clauses carry amounts: {n.text}")
    if not policy.groups and cap is None and not policy.notices:
        lines.append("  none")
    return "\n".join(lines)


def _policy_from(target: str, catalog: Catalog) -> Policy:
    """A policy id of the catalogue, or the path of a policy table."""
    if target.endswith(".toml") or "/" in target or "\\" in target:
        path = Path(target)
        report = _validate_one(path, catalog)
        if not report.ok or report.policy is None:
            first = report.errors[0]
            raise PolicyError(f"{first.message} (run: incentives policies validate {path})", first.location)
        return report.policy
    return _get(catalog, target)


def _get(catalog: Catalog, name: str) -> Policy:
    """The one policy a name stands for (``Catalog.resolve``)."""
    found = catalog.resolve(name, "POLICY")
    if len(found) > 1:
        raise OptionError(f"{name!r} stands for {len(found)} policies ({', '.join(p.id for p in found)}); "
                          f"name one of them", Location(field="POLICY"))
    return found[0]


def _policies_from(target: str, catalog: Catalog) -> list[Policy]:
    """A policy table file, or the catalogue's policies a name stands for (``Catalog.resolve``)."""
    if _is_file(target):
        return [_policy_from(target, catalog)]
    return list(catalog.resolve(target, "POLICY"))


def _is_file(target: str) -> bool:
    return target.endswith(".toml") or "/" in target or "\\" in target


def _clause_of(pol: Policy, clause: str) -> Clause:
    """A clause of the policy by its id (without regard to case) or its Chinese title (研发中心补贴); else an
    OptionError with a did-you-mean (an id, or for Chinese the clause whose title is nearest)."""
    ids = [c.id for c in pol.clauses]
    wanted = clause.strip()
    for cid in ids:
        if cid.lower() == wanted.lower():
            return pol.clause(cid)
    by_title = [c for c in pol.clauses if c.title_zh and c.title_zh == wanted]
    if len(by_title) == 1:
        return by_title[0]
    titles = {c.title_zh: c.id for c in pol.clauses if c.title_zh}
    close = difflib.get_close_matches(wanted.lower(), ids, n=1)
    hint = f' (did you mean "{close[0]}"?)' if close else ""
    if not close and not wanted.isascii():
        near = difflib.get_close_matches(wanted, list(titles), n=1, cutoff=0.5)
        hint = f' (did you mean "{near[0]}", that is {titles[near[0]]}?)' if near else ""
    raise OptionError(f"policy {pol.id!r} has no clause {clause!r}{hint}; clauses: {', '.join(ids)}",
                      Location(field="--clause"))


def show(
    ctx: typer.Context,
    policy: Annotated[str, typer.Argument(metavar="POLICY", help=POLICY_HELP, show_default=False)],
    clause: Annotated[str | None, typer.Option("--clause", "-c", metavar="CLAUSE",
                                               help="Show only this clause (its id, or its Chinese title).")] = None,
    policies_dir: PoliciesDir = None,
) -> None:
    """Every clause with its section, quoted sentence, rule in words, caps, basis and group; then the policy-wide rules.

    A jurisdiction with several policies shows each of them.
    """
    term = terminal_of(ctx)

    def run() -> None:
        catalog = load_catalog(policies_dir or ())
        pols = _policies_from(policy, catalog)
        if clause is not None and len(pols) > 1:
            raise OptionError(f"{policy!r} stands for {len(pols)} policies ({', '.join(p.id for p in pols)}); "
                              f"name one of them with --clause", Location(field="POLICY"))
        texts = [policy_text(pol, _clause_of(pol, clause) if clause is not None else None) for pol in pols]
        from ..render.policies import print_text

        print_text(term.out, "\n\n".join(texts))

    guarded(run, term)


# ---------------------------------------------------------------- validate


def _context(catalog: Catalog | None) -> tuple:
    base = package_policies_dir()
    return load_general_fields(base), load_references(base), catalog


def _validate_one(path: Path, catalog: Catalog | None) -> Report:
    general, references, cat = _context(catalog)
    return validate_policy(path, general, references, cat)


def _expand(paths: list[Path]) -> list[Path]:
    """Files as given; a directory stands for its *.toml policy tables and cases files."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(x for x in p.glob("*.toml") if x.name != "fields.toml")
        else:
            out.append(p)
    return out


def _validate_cases_file(path: Path, catalog: Catalog | None) -> Report:
    """A cases file is checked for form (and that its policy and clause ids exist)."""
    try:
        cf = C.load_cases(path)
    except InputError as exc:
        return Report(str(path), None, (Problem(ERROR, exc.message, exc.location),))
    problems: list[Problem] = []
    if catalog is not None:
        sibling = path.with_name(path.name[: -len(C.SUFFIX)] + ".toml")
        pol = catalog.policies.get(cf.policy)
        if sibling.is_file():
            report = _validate_one(sibling, catalog)
            pol = report.policy or pol
        if pol is None:
            problems.append(Problem(ERROR, f"unknown policy {cf.policy!r} (and no {sibling.name} beside it)",
                                    Location(file=str(path), field="policy")))
        else:
            ids = {c.id for c in pol.clauses}
            for case in cf.cases:
                for cid in case.clauses:
                    if cid not in ids:
                        close = difflib.get_close_matches(cid, sorted(ids), n=1)
                        hint = f' (did you mean "{close[0]}"?)' if close else ""
                        problems.append(Problem(ERROR, f"case {case.name!r}: unknown clause {cid!r}{hint}",
                                                Location(file=str(path), line=case.line, field="expect.clauses")))
    return Report(str(path), None, tuple(problems))


def validate(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(metavar="FILE|DIR...", show_default=False,
                                                help="Policy tables (or directories, or .cases.toml files).")],
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors (exit 1).")] = False,
    quiet: Annotated[bool, quiet_option(
        "Errors only: leave out the warning lines (in JSON, the warnings); each file's line still counts them, and "
        "--strict still fails on them.")] = False,
    fmt: Annotated[Format, format_option(Format.table, Format.json)] = Format.table,
    policies_dir: PoliciesDir = None,
) -> None:
    """Check policy tables: keys, types, fields, expressions, ids, groups, caps, dates. Exit 1 on any error.

    --quiet: errors only, no warnings.
    """
    term = terminal_of(ctx, quiet)

    def run() -> None:
        try:
            catalog: Catalog | None = load_catalog(policies_dir or ())
        except PolicyError:
            catalog = None  # a broken table in --policies-dir: still validate the files given
        reports: list[Report] = []
        ids: dict[str, str] = {}
        for path in _expand(files):
            if path.name.endswith(C.SUFFIX):
                reports.append(_validate_cases_file(path, catalog))
                continue
            report = _validate_one(path, catalog)
            pol = report.policy
            if pol is not None:
                if pol.id in ids:
                    report = Report(report.path, None, report.problems + (Problem(
                        ERROR, f"policy id {pol.id!r} is also used by {ids[pol.id]}",
                        Location(file=str(path), field="id")),))
                else:
                    ids[pol.id] = str(path)
            reports.append(report)
        failed = any(r.errors or (strict and r.warnings) for r in reports)
        if fmt == Format.json:
            term.write(json.dumps([{
                "file": r.path, "ok": not (r.errors or (strict and r.warnings)),
                "policy": r.policy.id if r.policy else None,
                "problems": [{"level": p.level, "message": p.message, "line": p.location.line,
                              "clause": p.location.clause, "key": p.location.field}
                             for p in r.problems if not (quiet and p.level != ERROR)],
            } for r in reports], ensure_ascii=False, indent=2))
        else:
            for r in reports:
                shown = sorted((p for p in r.problems if not (quiet and p.level != ERROR)),
                               key=lambda p: (p.location.line or 0, p.level != ERROR))
                for p in shown:
                    term.say(visible(str(p)))
                what = f"policy {r.policy.id!r}" if r.policy else ("cases" if r.path.endswith(C.SUFFIX) else "")
                verdict = "FAILED" if r.errors or (strict and r.warnings) else "OK"
                term.say(visible(f"{r.path}: {verdict}{' (' + what + ')' if what else ''}: "
                                   f"{len(r.errors)} error(s), {len(r.warnings)} warning(s)"))
        if failed:
            raise typer.Exit(1)

    guarded(run, term)


# ---------------------------------------------------------------- test


def test(
    ctx: typer.Context,
    targets: Annotated[list[str] | None, typer.Argument(
        metavar="POLICY|FILE...", show_default=False,
        help="Policy ids or jurisdictions (as for `policies show`), policy tables or .cases.toml files; "
             "default: every loaded policy's cases.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List passing cases too.")] = False,
    policies_dir: PoliciesDir = None,
) -> None:
    """Run the worked cases (policies/ID.cases.toml) and print a diff for every mismatch. Exit 1 on a failure."""
    term = terminal_of(ctx)

    def run() -> None:
        catalog = load_catalog(policies_dir or ())
        jobs: list[tuple[C.CasesFile, Catalog]] = []
        without: list[str] = []
        for target in targets or []:
            jobs += _jobs(target, catalog)
        if not targets:
            for pol, path in C.discover(catalog):
                if path is None:
                    without.append(pol.id)
                else:
                    jobs.append((C.load_cases(path, pol.id), catalog))
        total = failed = 0
        for cf, cat in jobs:
            outcomes = C.run_file(cf, cat)
            bad = [o for o in outcomes if not o.passed]
            total += len(outcomes)
            failed += len(bad)
            term.say(visible(f"{cf.policy}: {len(outcomes) - len(bad)}/{len(outcomes)} cases pass ({cf.path})"))
            for o in outcomes:
                if verbose or not o.passed:
                    term.say(visible("  " + C.describe(o).replace("\n", "\n  "), allow="\n"))
        for pid in without:
            term.say(f"{pid}: no cases file (write {pid}{C.SUFFIX} beside its table)")
        term.say(f"{total - failed} passed, {failed} failed")
        if failed or not jobs:
            raise typer.Exit(1)

    guarded(run, term)


def _jobs(target: str, catalog: Catalog) -> list[tuple[C.CasesFile, Catalog]]:
    """What to run for one target: a cases file, a policy table, or the policies a name stands for."""
    path = Path(target)
    if target.endswith(C.SUFFIX):
        cf = C.load_cases(path)
        sibling = path.with_name(path.name[: -len(C.SUFFIX)] + ".toml")
        if sibling.is_file():
            return [(cf, C.catalog_with(catalog, _policy_from(str(sibling), catalog)))]
        return [(cf, catalog)]
    if _is_file(target):
        pol = _policy_from(target, catalog)
        return [_cases_of(pol, C.catalog_with(catalog, pol))]
    return [_cases_of(pol, catalog) for pol in catalog.resolve(target, "POLICY")]


def _cases_of(pol: Policy, cat: Catalog) -> tuple[C.CasesFile, Catalog]:
    found = C.cases_path(pol)
    if found is None:
        raise InputError(f"policy {pol.id!r} has no cases file: write {pol.id}{C.SUFFIX} beside {pol.path}",
                         Location(file=pol.path))
    return C.load_cases(found, pol.id), cat
