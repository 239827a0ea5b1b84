"""Policy tests as data: worked cases (profile -> expected amounts and statuses) in TOML.

Each policy table may ship ``<policy-id>.cases.toml`` beside it (the idea of
OpenFisca's YAML tests).  A case is a company profile and what the policy
text says it gets, worked out by hand::

    policy = "nanchang-electronic-information-2023"

    [[cases]]
    name = "loan interest: growth of exactly 1亿 is eligible"
    # 5000万 × 50% × 3.10% (LPR 1y on 2024-12-31) = 775,000.00
    [cases.profile]
    year = 2024
    industries = ["electronic-information"]
    revenue = "11亿"
    revenue_prev = "10亿"
    local_project_loans = "5000万"
    [cases.expect]
    total = "775000.00"
    [cases.expect.clauses]
    loan_interest = { status = "granted", amount = "775000.00" }
    rd_center = "missing_input"          # a status alone

``incentives policies test`` runs them and prints a diff of every mismatch;
``tests/test_cases.py`` runs them under pytest.  Only what a case states is
checked, so a case can focus on one clause.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import api, explain
from .engine import STATUS_NAMES, Options, PolicyResult
from .errors import IncentivesError, InputError, Location, PolicyError, ValueProblem
from .fields import Registry
from .money import UNITS_PER_FEN, format_fen, parse_money
from .policy import Catalog, Policy, field_conflicts
from .profile import Profile, parse_values
from .tomlio import HEADER_LINE as _HEADER
from .tomlio import KEY_LINE as _KEY
from .tomlio import TomlKind, read_toml

SUFFIX = ".cases.toml"
CASE_KEYS = {"name", "profile", "options", "expect", "notes"}
OPTION_KEYS = {"year", "ignore_validity"}
EXPECT_KEYS = {"total", "total_exact", "total_up_to", "clauses", "warnings", "hypothetical", "targeted", "error"}
CLAUSE_EXPECT_KEYS = {"status", "amount", "raw_amount", "missing"}
TOTALS = ("total", "total_exact", "total_up_to")
MAX_CASES = 1000



@dataclass(frozen=True)
class ClauseExpect:
    """What one clause must show (None: not checked)."""

    status: str | None = None
    amount: int | None = None  # fen
    raw_amount: int | None = None  # fen
    missing: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Case:
    name: str
    policy: str
    profile: Mapping[str, object]  # raw TOML values, typed when the case runs
    year: int | None = None
    ignore_validity: bool = False
    totals: Mapping[str, int] = field(default_factory=dict)  # fen
    clauses: Mapping[str, ClauseExpect] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()  # each must appear in some warning
    hypothetical: bool | None = None
    targeted: bool | None = None
    error: str | None = None  # the case expects this error (a substring of the message)
    path: str = ""
    line: int | None = None
    lines: Mapping[str, int] = field(default_factory=dict)  # "profile.revenue" -> line


@dataclass(frozen=True)
class CasesFile:
    path: str
    policy: str
    cases: tuple[Case, ...]


@dataclass(frozen=True)
class Mismatch:
    what: str  # "loan_interest.amount", "total", "warnings"
    expected: str
    got: str


@dataclass(frozen=True)
class Outcome:
    case: Case
    mismatches: tuple[Mismatch, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.mismatches


# ---------------------------------------------------------------- reading


def _lines(text: str) -> list[dict[str, int]]:
    """Per [[cases]] entry: "<header>" and "sub.key" -> line number."""
    out: list[dict[str, int]] = []
    sub: str | None = ""
    for number, line in enumerate(text.splitlines(), 1):
        h = _HEADER.match(line)
        if h and not _KEY.match(line):
            name = h.group(2).strip()
            if h.group(1) == "[[" and name == "cases":
                out.append({"<header>": number})
                sub = ""
            elif name.startswith("cases.") and out:
                sub = name[len("cases."):]
                out[-1].setdefault(f"{sub}.<header>", number)
            else:
                sub = None
            continue
        k = _KEY.match(line)
        if k and out and sub is not None:
            key = k.group(1) or k.group(2) or k.group(3)
            out[-1].setdefault(f"{sub}.{key}" if sub else key, number)
    return out


class _Where:
    def __init__(self, path: str, lines: Mapping[str, int], header: int | None):
        self.path, self.lines, self.header = path, lines, header

    def fail(self, message: str, key: str | None = None) -> InputError:
        """An error at ``key`` ("expect.clauses.x.amount"), or at the nearest enclosing key or table."""
        line = None
        parts = key.split(".") if key else []
        for n in range(len(parts), 0, -1):
            prefix = ".".join(parts[:n])
            line = self.lines.get(prefix) or self.lines.get(prefix + ".<header>")
            if line:
                break
        return InputError(message, Location(file=self.path, line=line or self.header, field=key))


def _fen(value: object, where: _Where, key: str) -> int:
    try:
        units = parse_money(value)
    except ValueProblem as exc:
        raise where.fail(f"{exc}", key) from None
    if units % UNITS_PER_FEN:
        raise where.fail(f"{value!r} is not a whole number of fen (two decimal places at most)", key)
    return units // UNITS_PER_FEN


def _check_keys(raw: Mapping, allowed: set[str], where: _Where, prefix: str) -> None:
    import difflib

    for key in raw:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else f"; allowed: {', '.join(sorted(allowed))}"
            raise where.fail(f"unknown key {str(key)[:80]!r}{hint}", f"{prefix}{key}")


def _table(raw: Mapping, key: str, where: _Where, prefix: str = "") -> Mapping:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        raise where.fail(f"{key} must be a table ([cases.{prefix}{key}] or {{ … }})", f"{prefix}{key}")
    return value


def _bool(raw: Mapping, key: str, where: _Where, prefix: str) -> bool | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, bool):
        raise where.fail(f"{key} must be true or false", f"{prefix}{key}")
    return value


def load_cases(path: str | Path, policy: str | None = None) -> CasesFile:
    """Read a cases file; a malformed one is an InputError naming the file, line and key."""
    path = Path(path)
    data, text = read_toml(path, TomlKind.CASES)
    top = _Where(str(path), {}, None)
    for key in data:
        if key not in ("policy", "cases"):
            raise top.fail(f"unknown key {str(key)[:80]!r}; a cases file has policy = \"…\" and [[cases]]", key)
    default_id = policy or (path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else None)
    pid = data.get("policy", default_id)
    if not isinstance(pid, str) or not pid:
        raise top.fail("policy must be the policy id, e.g. policy = \"nanchang-electronic-information-2023\"",
                       "policy")
    raw_cases = data.get("cases", [])
    if not isinstance(raw_cases, list) or not raw_cases:
        raise top.fail("no cases: add [[cases]] entries with name, [cases.profile] and [cases.expect]", "cases")
    if len(raw_cases) > MAX_CASES:
        raise top.fail(f"{len(raw_cases)} cases; at most {MAX_CASES} per file", "cases")
    lines = _lines(text)
    cases = []
    for i, raw in enumerate(raw_cases):
        case_lines = lines[i] if i < len(lines) else {}
        cases.append(_load_case(raw, str(path), pid, case_lines))
    seen: set[str] = set()
    for c in cases:
        if c.name in seen:
            raise InputError(f"two cases are named {c.name!r}", Location(file=str(path), line=c.line, field="name"))
        seen.add(c.name)
    return CasesFile(str(path), pid, tuple(cases))


def _load_case(raw: object, path: str, pid: str, lines: dict[str, int]) -> Case:
    where = _Where(path, lines, lines.get("<header>"))
    if not isinstance(raw, Mapping):
        raise where.fail("each [[cases]] entry must be a table")
    _check_keys(raw, CASE_KEYS, where, "")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise where.fail("a case needs name = \"…\" (what it checks, e.g. \"loan interest at exactly 1亿\")", "name")
    profile = _table(raw, "profile", where)
    options = _table(raw, "options", where)
    _check_keys(options, OPTION_KEYS, where, "options.")
    year = options.get("year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool) or not 1990 <= year <= 2100):
        raise where.fail("options.year must be a fiscal year such as 2024", "options.year")
    expect = _table(raw, "expect", where)
    if not expect:
        raise where.fail("a case needs [cases.expect] (total, clauses, warnings…)", "expect")
    _check_keys(expect, EXPECT_KEYS, where, "expect.")
    totals = {k: _fen(expect[k], where, f"expect.{k}") for k in TOTALS if k in expect}
    clauses = {}
    for cid, spec in _table(expect, "clauses", where, "expect.").items():
        key = f"expect.clauses.{cid}"
        if isinstance(spec, str):
            spec = {"status": spec}
        if not isinstance(spec, Mapping):
            raise where.fail(f"expect for {cid!r} must be a status (\"granted\") or a table "
                             f"{{ status = …, amount = … }}", key)
        _check_keys(spec, CLAUSE_EXPECT_KEYS, where, f"{key}.")
        status = spec.get("status")
        if status is not None and status not in STATUS_NAMES:
            raise where.fail(f"status {status!r} is not one of {', '.join(STATUS_NAMES)}", key)
        missing = spec.get("missing")
        if missing is not None and (not isinstance(missing, list) or not all(isinstance(m, str) for m in missing)):
            raise where.fail("missing must be a list of field names", key)
        clauses[str(cid)] = ClauseExpect(
            status,
            _fen(spec["amount"], where, key) if "amount" in spec else None,
            _fen(spec["raw_amount"], where, key) if "raw_amount" in spec else None,
            tuple(missing) if missing is not None else None,
        )
    warnings = expect.get("warnings", [])
    if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
        raise where.fail("warnings must be a list of texts, each expected in some warning", "expect.warnings")
    error = expect.get("error")
    if error is not None and not isinstance(error, str):
        raise where.fail("error must be a text expected in the error message", "expect.error")
    return Case(name=name, policy=pid, profile=dict(profile), year=year,
                ignore_validity=bool(_bool(options, "ignore_validity", where, "options.")), totals=totals,
                clauses=clauses, warnings=tuple(warnings), hypothetical=_bool(expect, "hypothetical", where, "expect."),
                targeted=_bool(expect, "targeted", where, "expect."), error=error, path=path,
                line=lines.get("<header>"), lines={k.split(".", 1)[1]: v for k, v in lines.items()
                                                   if k.startswith("profile.") and not k.endswith("<header>")})


# ---------------------------------------------------------------- finding and running


def cases_path(policy: Policy) -> Path | None:
    """The cases file beside a policy table: <stem>.cases.toml or <policy-id>.cases.toml."""
    if not policy.path:
        return None
    table = Path(policy.path)
    for candidate in (table.with_name(table.stem + SUFFIX), table.with_name(policy.id + SUFFIX)):
        if candidate.is_file():
            return candidate
    return None


def catalog_with(catalog: Catalog, policy: Policy) -> Catalog:
    """The catalogue with ``policy`` added (or replacing the one with its id)."""
    policies = dict(catalog.policies)
    policies[policy.id] = policy
    for problem in field_conflicts(policy, policies.values()):
        raise PolicyError(problem.message, problem.location)
    sources = dict(catalog.sources)
    sources[policy.id] = policy.path
    registry = Registry({**catalog.registry.fields, **{f.name: f for f in policy.fields}})
    return Catalog(policies, registry, catalog.references, sources)


def run_case(case: Case, catalog: Catalog) -> Outcome:
    """Evaluate one case and compare with what it expects."""
    try:
        policy = catalog.get(case.policy)
        values = parse_values(case.profile, catalog.registry, where=Location(file=case.path), lines=case.lines)
        profile = Profile(values, case.path, case.lines)
        options = Options(year=case.year, ignore_validity=case.ignore_validity)
        result = api.calculate(profile, [policy], catalog, options)[0]
    except IncentivesError as exc:
        if case.error is not None and case.error in str(exc):
            return Outcome(case)
        return Outcome(case, (Mismatch("error", case.error or "no error", str(exc)),))
    if case.error is not None:
        return Outcome(case, (Mismatch("error", case.error, "no error"),))
    return Outcome(case, tuple(compare(case, result)))


def compare(case: Case, result: PolicyResult) -> list[Mismatch]:
    """Every difference between what the case expects and the result."""
    out: list[Mismatch] = []
    got_totals = {"total": result.total, "total_exact": result.total_exact, "total_up_to": result.total_up_to}
    for key, expected in case.totals.items():
        if got_totals[key] != expected:
            out.append(Mismatch(key, format_fen(expected), format_fen(got_totals[key])))
    by_id = {c.id: c for c in result.clauses}
    for cid, want in case.clauses.items():
        got = by_id.get(cid)
        if got is None:
            out.append(Mismatch(cid, "a clause of the policy", f"no clause {cid!r} in {result.policy.id}"))
            continue
        if want.status is not None and got.status != want.status:
            out.append(Mismatch(f"{cid}.status", want.status, got.status))
        if want.amount is not None and got.amount != want.amount:
            out.append(Mismatch(f"{cid}.amount", format_fen(want.amount), format_fen(got.amount)))
        if want.raw_amount is not None and got.raw_amount != want.raw_amount:
            out.append(Mismatch(f"{cid}.raw_amount", format_fen(want.raw_amount), format_fen(got.raw_amount)))
        if want.missing is not None and tuple(sorted(want.missing)) != tuple(sorted(got.missing)):
            out.append(Mismatch(f"{cid}.missing", ", ".join(sorted(want.missing)) or "(none)",
                                ", ".join(sorted(got.missing)) or "(none)"))
    worded = explain.warnings(result)
    for text in case.warnings:
        if not any(text in w for w in worded):
            out.append(Mismatch("warnings", f"a warning containing {text!r}",
                                " | ".join(worded) or "(no warnings)"))
    for key, want_flag, got_flag in (("hypothetical", case.hypothetical, result.hypothetical),
                                     ("targeted", case.targeted, result.targeted)):
        if want_flag is not None and want_flag != got_flag:
            out.append(Mismatch(key, str(want_flag).lower(), str(got_flag).lower()))
    return out


def run_file(cases: CasesFile, catalog: Catalog) -> list[Outcome]:
    return [run_case(c, catalog) for c in cases.cases]


def describe(outcome: Outcome) -> str:
    """A failed case as a readable diff: where the case is, then expected vs got per item."""
    case = outcome.case
    where = f"{case.path}:{case.line}" if case.line else case.path
    if outcome.passed:
        return f"PASS {case.name}"
    width = max(len(m.what) for m in outcome.mismatches)
    rows = [f"FAIL {case.name}  ({where})"]
    for m in outcome.mismatches:
        rows.append(f"  {m.what:<{width}}  expected: {m.expected}")
        rows.append(f"  {'':<{width}}       got: {m.got}")
    return "\n".join(rows)


def discover(catalog: Catalog, ids: Iterable[str] = ()) -> list[tuple[Policy, Path | None]]:
    """Each policy (all, or those named) with its cases file, if any."""
    chosen = [catalog.get(i) for i in ids] if ids else sorted(catalog.policies.values(), key=lambda p: p.id)
    return [(p, cases_path(p)) for p in chosen]
