"""Loading and validating policy tables (TOML) into frozen dataclasses.

A policy table is data written by people: every key is checked (unknown keys
get a did-you-mean), every expression is parsed by the safe language in
``expr`` and type-checked against the declared fields, and every problem is
reported with file, line, clause id and key.  See ``docs/authoring.md``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Iterable, Mapping

from . import expr
from . import fields as F
from .errors import ExpressionError, InputError, Location, PolicyError, ValueProblem
from .money import UNITS_PER_YUAN, parse_money
from .profile import read_toml
from .reference import ReferenceTable, load_reference

BASES = ("exact", "up_to", "discretionary")
ITEM = "item"
ENV_DIRS = "INCENTIVES_POLICIES_DIR"


@dataclass(frozen=True)
class Condition:
    expr: expr.Expression
    label: str = ""

    def __str__(self) -> str:
        return self.label or self.expr.text


@dataclass(frozen=True)
class Clause:
    id: str
    title_zh: str
    title_en: str
    section: str
    quote: str
    basis: str
    conditions: tuple[Condition, ...] = ()
    items: str | None = None  # a money_list field: evaluated per item
    item_label: str = "item"
    base: expr.Expression | None = None
    base_label: str = ""
    rate: expr.Expression | None = None
    fixed: int | None = None  # money units per unit of base (or in total)
    item_cap: int | None = None  # money units, per item
    cap: int | None = None  # money units, per company and year (clause level)
    cap_period: str = "year"
    group: str | None = None
    notes: tuple[str, ...] = ()
    line: int | None = None

    @property
    def computes_amount(self) -> bool:
        return self.basis != "discretionary"

    def names(self) -> frozenset[str]:
        """Every field the clause reads."""
        out: set[str] = set()
        for c in self.conditions:
            out |= c.expr.names
        for e in (self.base, self.rate):
            if e is not None:
                out |= e.names
        if self.items:
            out.add(self.items)
        out.discard(ITEM)
        return frozenset(out)


@dataclass(frozen=True)
class Group:
    id: str
    clauses: tuple[str, ...]
    section: str = ""
    quote: str = ""


@dataclass(frozen=True)
class CompanyCap:
    limit: expr.Expression
    section: str = ""
    quote: str = ""
    exempt_if: expr.Expression | None = None
    exempt_note: str = ""
    waived_if: expr.Expression | None = None
    waived_note: str = ""
    excludes: tuple[str, ...] = ()  # clause ids not counted under the cap


@dataclass(frozen=True)
class Notice:
    """A warning shown when at least ``min_clauses_with_amount`` clauses carry amounts."""

    text: str
    min_clauses_with_amount: int = 2


@dataclass(frozen=True)
class Policy:
    id: str
    title_zh: str
    title_en: str
    issuer: str
    document_number: str
    issued: dt.date | None
    valid_from: dt.date
    valid_until: dt.date | None
    validity_note: str
    jurisdiction: str
    industries: tuple[str, ...]
    source_file: str
    source_section: str
    notes: tuple[str, ...]
    fields: tuple[F.Field, ...]
    clauses: tuple[Clause, ...]
    groups: tuple[Group, ...]
    company_cap: CompanyCap | None
    notices: tuple[Notice, ...]
    path: str = ""

    def clause(self, cid: str) -> Clause:
        for c in self.clauses:
            if c.id == cid:
                return c
        raise KeyError(cid)

    def covers(self, year: int) -> bool:
        """Is a fiscal year covered (does it overlap the validity period)?"""
        if year < self.valid_from.year:
            return False
        return self.valid_until is None or year <= self.valid_until.year

    def status_on(self, day: dt.date) -> str:
        if day < self.valid_from:
            return "not yet in force"
        if self.valid_until is None:
            return "in force (end unknown)"
        return "in force" if day <= self.valid_until else "expired"


# ---------------------------------------------------------------- line index

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
_KEY = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_\-]+))\s*=""")


def line_index(text: str) -> dict[tuple[str, int], dict[str, int]]:
    """(table, index) -> {key: line}; '' is the root table, index counts [[arrays]]."""
    index: dict[tuple[str, int], dict[str, int]] = {("", 0): {}}
    counts: dict[str, int] = {}
    current = ("", 0)
    for number, line in enumerate(text.splitlines(), 1):
        h = _HEADER.match(line)
        if h and not _KEY.match(line):
            name = h.group(2).strip()
            if h.group(1) == "[[":
                counts[name] = counts.get(name, -1) + 1
                current = (name, counts[name])
            else:
                current = (name, 0)
            index.setdefault(current, {})["<header>"] = number
            continue
        k = _KEY.match(line)
        if k:
            index.setdefault(current, {}).setdefault(k.group(1) or k.group(2) or k.group(3), number)
    return index


# ---------------------------------------------------------------- loading

POLICY_KEYS = {"id", "title_zh", "title_en", "issuer", "document_number", "issued", "valid_from",
               "valid_until", "validity_note", "jurisdiction", "industries", "source_file",
               "source_section", "notes"}
CLAUSE_KEYS = {"id", "title_zh", "title_en", "section", "quote", "basis", "conditions", "items",
               "item_label", "base", "base_label", "rate", "fixed", "item_cap", "cap", "cap_period",
               "group", "notes"}
CAP_KEYS = {"limit", "section", "quote", "exempt_if", "exempt_note", "waived_if", "waived_note", "excludes"}
GROUP_KEYS = {"id", "clauses", "section", "quote"}
NOTICE_KEYS = {"text", "min_clauses_with_amount"}
FIELD_KEYS = {"type", "title", "description", "default", "choices"}
TOP_KEYS = {"policy", "fields", "clauses", "groups", "company_cap", "notices"}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_POLICY_ID = re.compile(r"^[a-z][a-z0-9\-]*$")


class _Reader:
    """Helpers that turn a raw TOML table into checked values, with locations."""

    def __init__(self, path: str, text: str):
        self.path = path
        self.lines = line_index(text)

    def loc(self, table: tuple[str, int], key: str | None = None, clause: str | None = None) -> Location:
        keys = self.lines.get(table, {})
        line = keys.get(key) if key else None
        if line is None:
            line = keys.get("<header>")
        return Location(file=self.path, line=line, field=key, clause=clause)

    def fail(self, message: str, table: tuple[str, int], key: str | None = None,
             clause: str | None = None) -> PolicyError:
        return PolicyError(message, self.loc(table, key, clause))

    def check_keys(self, raw: Mapping, allowed: set[str], table: tuple[str, int], clause: str | None = None,
                   what: str = "key") -> None:
        for key in raw:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), sorted(allowed), n=1, cutoff=0.6)
                hint = f' (did you mean "{close[0]}"?)' if close else f"; allowed: {', '.join(sorted(allowed))}"
                raise self.fail(f"unknown {what} {key!r}{hint}", table, key, clause)

    def text(self, raw: Mapping, key: str, table: tuple[str, int], *, required: bool = False,
             clause: str | None = None) -> str:
        value = raw.get(key)
        if value is None:
            if required:
                raise self.fail(f"missing required key {key!r}", table, key, clause)
            return ""
        if not isinstance(value, str):
            raise self.fail(f"{key} must be text, got {value!r}", table, key, clause)
        return value

    def texts(self, raw: Mapping, key: str, table: tuple[str, int], clause: str | None = None) -> tuple[str, ...]:
        value = raw.get(key, [])
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{key} must be a list of text", table, key, clause)
        return tuple(value)

    def date(self, raw: Mapping, key: str, table: tuple[str, int], *, required: bool = False) -> dt.date | None:
        value = raw.get(key)
        if value is None:
            if required:
                raise self.fail(f"missing required key {key!r} (a date such as 2023-10-10)", table, key)
            return None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise self.fail(f"{key} must be a date such as 2023-10-10 (no quotes), got {value!r}", table, key)
        return value

    def money(self, raw: Mapping, key: str, table: tuple[str, int], clause: str | None = None) -> int | None:
        value = raw.get(key)
        if value is None:
            return None
        try:
            return parse_money(value)
        except ValueProblem as exc:
            raise self.fail(f"{key}: {exc}", table, key, clause) from None

    def expression(self, raw: Mapping, key: str, table: tuple[str, int], kind_of, want: str,
                   clause: str | None = None) -> expr.Expression | None:
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        try:
            return expr.parse(value, kind_of, want=want)
        except ExpressionError as exc:
            raise self.fail(f"{key}: {exc}", table, key, clause) from None


def load_fields(raw: Mapping, reader: _Reader, declared_by: str, table_name: str = "fields") -> list[F.Field]:
    out = []
    if not isinstance(raw, Mapping):
        raise reader.fail("[fields] must be a table of field definitions", ("", 0), table_name)
    for name, spec in raw.items():
        table = (f"{table_name}.{name}", 0)
        if not _ID.match(str(name)):
            raise reader.fail(f"field name {name!r} must be lower_snake_case", table)
        if not isinstance(spec, Mapping):
            raise reader.fail(f"field {name!r} must be a table with at least type = \"…\"", table)
        reader.check_keys(spec, FIELD_KEYS, table)
        ftype = spec.get("type")
        if ftype not in F.TYPES:
            close = difflib.get_close_matches(str(ftype), F.TYPES, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            raise reader.fail(f"field {name!r}: type {ftype!r} is not one of {', '.join(F.TYPES)}{hint}",
                              table, "type")
        out.append(F.Field(name=str(name), type=ftype, title=reader.text(spec, "title", table),
                           description=reader.text(spec, "description", table),
                           default=spec.get("default"), choices=reader.texts(spec, "choices", table),
                           declared_by=declared_by))
    return out


def load_policy(path: str | Path, general: F.Registry) -> Policy:
    """Read and validate one policy table; raise PolicyError on the first problem."""
    path = Path(path)
    try:
        data, text = read_toml(path)
    except InputError as exc:
        raise PolicyError(exc.message, exc.location) from None
    reader = _Reader(str(path), text)
    root = ("", 0)
    reader.check_keys(data, TOP_KEYS, root, what="table")
    meta = data.get("policy")
    if not isinstance(meta, Mapping):
        raise reader.fail("missing the [policy] table (id, titles, dates, jurisdiction…)", root)
    ptable = ("policy", 0)
    reader.check_keys(meta, POLICY_KEYS, ptable)
    pid = reader.text(meta, "id", ptable, required=True)
    if not _POLICY_ID.match(pid):
        raise reader.fail(f"policy id {pid!r} must be lower-case letters, digits and '-'", ptable, "id")

    own_fields = load_fields(data.get("fields", {}), reader, pid)
    for f in own_fields:
        known = general.get(f.name)
        if known is not None and known.type != f.type:
            raise reader.fail(f"field {f.name!r} is already declared as {known.type}, not {f.type}",
                              (f"fields.{f.name}", 0), "type")
    registry = general.merged(own_fields)
    for f in own_fields:
        if f.default and not str(f.default).startswith("reference:") and f.default not in registry:
            raise reader.fail(f"field {f.name!r}: default {f.default!r} is not a known field",
                              (f"fields.{f.name}", 0), "default")

    valid_from = reader.date(meta, "valid_from", ptable, required=True)
    valid_until = reader.date(meta, "valid_until", ptable)
    issued = reader.date(meta, "issued", ptable)
    assert valid_from is not None
    if valid_until is not None and valid_until < valid_from:
        raise reader.fail(f"valid_until {valid_until} is before valid_from {valid_from}", ptable, "valid_until")

    raw_clauses = data.get("clauses", [])
    if not isinstance(raw_clauses, list) or not raw_clauses:
        raise reader.fail("a policy needs at least one [[clauses]] entry", root, "clauses")
    clauses: list[Clause] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_clauses):
        clauses.append(_load_clause(raw, i, reader, registry, seen))

    ids = {c.id for c in clauses}
    groups: list[Group] = []
    for i, raw in enumerate(data.get("groups", [])):
        table = ("groups", i)
        reader.check_keys(raw, GROUP_KEYS, table)
        gid = reader.text(raw, "id", table, required=True)
        members = reader.texts(raw, "clauses", table)
        for m in members:
            if m not in ids:
                close = difflib.get_close_matches(m, sorted(ids), n=1)
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                raise reader.fail(f"group {gid!r} names the unknown clause {m!r}{hint}", table, "clauses")
        if len(members) < 2:
            raise reader.fail(f"group {gid!r} needs at least two clauses", table, "clauses")
        groups.append(Group(gid, members, reader.text(raw, "section", table), reader.text(raw, "quote", table)))
    group_ids = {g.id for g in groups}
    for c in clauses:
        if c.group is not None and c.group not in group_ids:
            raise reader.fail(f"clause {c.id!r} names the unknown group {c.group!r}", ("clauses", 0), "group", c.id)
    # a clause's `group` and the group's member list must agree
    for g in groups:
        for m in g.clauses:
            if next(c for c in clauses if c.id == m).group not in (None, g.id):
                raise reader.fail(f"clause {m!r} is in two groups", ("groups", 0), "clauses")
    clauses = [c if c.group or not any(c.id in g.clauses for g in groups)
               else _with_group(c, next(g.id for g in groups if c.id in g.clauses)) for c in clauses]

    cap = None
    if "company_cap" in data:
        raw = data["company_cap"]
        table = ("company_cap", 0)
        reader.check_keys(raw, CAP_KEYS, table)
        kind_of = registry.kind_of
        limit = reader.expression(raw, "limit", table, kind_of, expr.NUMBER)
        if limit is None:
            raise reader.fail("company_cap needs limit = \"…\" (e.g. \"5% * sales_revenue\" or \"1亿\")", table, "limit")
        excludes = reader.texts(raw, "excludes", table)
        for e in excludes:
            if e not in ids:
                raise reader.fail(f"company_cap excludes the unknown clause {e!r}", table, "excludes")
        cap = CompanyCap(limit, reader.text(raw, "section", table), reader.text(raw, "quote", table),
                         reader.expression(raw, "exempt_if", table, kind_of, expr.BOOL),
                         reader.text(raw, "exempt_note", table),
                         reader.expression(raw, "waived_if", table, kind_of, expr.BOOL),
                         reader.text(raw, "waived_note", table), excludes)

    notices = []
    for i, raw in enumerate(data.get("notices", [])):
        table = ("notices", i)
        reader.check_keys(raw, NOTICE_KEYS, table)
        n = raw.get("min_clauses_with_amount", 2)
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise reader.fail("min_clauses_with_amount must be a whole number ≥ 1", table, "min_clauses_with_amount")
        notices.append(Notice(reader.text(raw, "text", table, required=True), n))

    return Policy(
        id=pid,
        title_zh=reader.text(meta, "title_zh", ptable, required=True),
        title_en=reader.text(meta, "title_en", ptable),
        issuer=reader.text(meta, "issuer", ptable),
        document_number=reader.text(meta, "document_number", ptable),
        issued=issued,
        valid_from=valid_from,
        valid_until=valid_until,
        validity_note=reader.text(meta, "validity_note", ptable),
        jurisdiction=reader.text(meta, "jurisdiction", ptable, required=True),
        industries=tuple(t.lower() for t in reader.texts(meta, "industries", ptable)),
        source_file=reader.text(meta, "source_file", ptable),
        source_section=reader.text(meta, "source_section", ptable),
        notes=reader.texts(meta, "notes", ptable),
        fields=tuple(own_fields),
        clauses=tuple(clauses),
        groups=tuple(groups),
        company_cap=cap,
        notices=tuple(notices),
        path=str(path),
    )


def _with_group(c: Clause, gid: str) -> Clause:
    from dataclasses import replace

    return replace(c, group=gid)


def _load_clause(raw: object, i: int, reader: _Reader, registry: F.Registry, seen: set[str]) -> Clause:
    table = ("clauses", i)
    if not isinstance(raw, Mapping):
        raise reader.fail("each [[clauses]] entry must be a table", table)
    cid = raw.get("id")
    if not isinstance(cid, str) or not _ID.match(cid):
        raise reader.fail(f"clause id {cid!r} must be lower_snake_case text", table, "id")
    if cid in seen:
        raise reader.fail(f"duplicate clause id {cid!r}", table, "id", cid)
    seen.add(cid)
    reader.check_keys(raw, CLAUSE_KEYS, table, cid)
    basis = raw.get("basis")
    if basis not in BASES:
        raise reader.fail(f"basis must be one of {', '.join(BASES)}, got {basis!r}", table, "basis", cid)

    items = raw.get("items")
    if items is not None:
        spec = registry.get(items) if isinstance(items, str) else None
        if spec is None or spec.type != F.MONEY_LIST:
            raise reader.fail(f"items must name a money_list field, got {items!r}{registry.suggest(str(items))}",
                              table, "items", cid)

    def kind_of(name: str) -> str | None:
        if name == ITEM:
            return expr.NUMBER if items else None
        return registry.kind_of(name)

    conditions = []
    raw_conditions = raw.get("conditions", [])
    if isinstance(raw_conditions, (str, Mapping)):
        raw_conditions = [raw_conditions]
    if not isinstance(raw_conditions, list):
        raise reader.fail("conditions must be a list of expressions", table, "conditions", cid)
    for c in raw_conditions:
        label = ""
        if isinstance(c, Mapping):
            reader.check_keys(c, {"test", "label"}, table, cid)
            label = c.get("label", "")
            c = c.get("test")
        try:
            conditions.append(Condition(expr.parse(c, registry.kind_of, want=expr.BOOL), str(label)))
        except ExpressionError as exc:
            raise reader.fail(f"conditions: {exc}", table, "conditions", cid) from None

    base = reader.expression(raw, "base", table, kind_of, expr.NUMBER, cid)
    rate = reader.expression(raw, "rate", table, kind_of, expr.NUMBER, cid)
    fixed = reader.money(raw, "fixed", table, cid)
    item_cap = reader.money(raw, "item_cap", table, cid)
    cap = reader.money(raw, "cap", table, cid)
    if basis == "discretionary":
        for key in ("base", "rate", "fixed", "item_cap", "cap", "items"):
            if raw.get(key) is not None:
                raise reader.fail(f"a discretionary clause has no amount: remove {key!r} (put the figure in notes)",
                                  table, key, cid)
    else:
        if base is None and fixed is None and rate is None:
            raise reader.fail("a clause with an amount needs base (with rate) or fixed", table, "base", cid)
        if rate is not None and fixed is not None:
            raise reader.fail("use either rate (a share of base) or fixed (an amount per unit), not both",
                              table, "fixed", cid)
        if rate is not None and base is None:
            raise reader.fail("rate needs a base to apply to", table, "rate", cid)
        if items and (base is None or ITEM not in base.names):
            raise reader.fail(f"a per-item clause needs a base that uses {ITEM!r}", table, "base", cid)
        if item_cap is not None and not items:
            raise reader.fail("item_cap needs items = \"<list field>\"", table, "item_cap", cid)
    for key, value in (("item_cap", item_cap), ("cap", cap), ("fixed", fixed)):
        if value is not None and value <= 0:
            raise reader.fail(f"{key} must be more than zero", table, key, cid)
    group = raw.get("group")
    if group is not None and not isinstance(group, str):
        raise reader.fail("group must be text", table, "group", cid)
    return Clause(
        id=cid,
        title_zh=reader.text(raw, "title_zh", table, clause=cid),
        title_en=reader.text(raw, "title_en", table, clause=cid),
        section=reader.text(raw, "section", table, required=True, clause=cid),
        quote=reader.text(raw, "quote", table, clause=cid),
        basis=basis,
        conditions=tuple(conditions),
        items=items,
        item_label=reader.text(raw, "item_label", table, clause=cid) or "item",
        base=base,
        base_label=reader.text(raw, "base_label", table, clause=cid),
        rate=rate,
        fixed=fixed,
        item_cap=item_cap,
        cap=cap,
        cap_period=reader.text(raw, "cap_period", table, clause=cid) or "year",
        group=group,
        notes=reader.texts(raw, "notes", table, cid),
        line=reader.lines.get(table, {}).get("<header>"),
    )


# ---------------------------------------------------------------- catalogue


def package_policies_dir() -> Path:
    """The policies shipped with the package (or the checkout's, in development)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "policies", here.parent / "policies"):
        if (candidate / "fields.toml").is_file():
            return candidate
    raise PolicyError(f"the bundled policies are missing (looked in {here / 'policies'})")  # pragma: no cover


@dataclass(frozen=True)
class Catalog:
    """Every loaded policy, the field registry and the reference tables."""

    policies: dict[str, Policy]
    registry: F.Registry
    references: dict[str, ReferenceTable]
    sources: dict[str, str] = field(default_factory=dict)

    def get(self, pid: str) -> Policy:
        if pid in self.policies:
            return self.policies[pid]
        close = difflib.get_close_matches(pid, list(self.policies), n=1, cutoff=0.4)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        raise InputError(f"unknown policy {pid!r}{hint}; known: {', '.join(sorted(self.policies))}",
                         Location(field="--policy"))

    def for_jurisdiction(self, jurisdiction: str) -> list[Policy]:
        return [p for p in self.policies.values() if p.jurisdiction == jurisdiction]

    def jurisdictions(self) -> list[str]:
        return sorted({p.jurisdiction for p in self.policies.values()})


def load_general_fields(directory: Path) -> F.Registry:
    path = directory / "fields.toml"
    try:
        data, text = read_toml(path)
    except InputError as exc:
        raise PolicyError(exc.message, exc.location) from None
    reader = _Reader(str(path), text)
    return F.Registry({f.name: f for f in load_fields(data.get("fields", {}), reader, "general")})


def extra_dirs(explicit: Iterable[str | Path] = ()) -> list[Path]:
    dirs = [Path(d) for d in explicit]
    env = os.environ.get(ENV_DIRS, "")
    dirs += [Path(d) for d in env.split(os.pathsep) if d.strip()]
    return dirs


def load_catalog(extra: Iterable[str | Path] = ()) -> Catalog:
    """The bundled policies plus any in ``extra`` directories (which may replace a bundled id)."""
    base = package_policies_dir()
    general = load_general_fields(base)
    references = {}
    for ref in sorted((base / "reference").glob("*.toml")):
        table = load_reference(ref)
        references[table.id] = table
    policies: dict[str, Policy] = {}
    sources: dict[str, str] = {}
    paths = sorted(base.glob("*.toml"))
    for d in extra_dirs(extra):
        if not d.is_dir():
            raise InputError("policies directory not found", Location(file=str(d)))
        paths += sorted(p for p in d.glob("*.toml") if p.name != "fields.toml")
    registry = general
    for p in paths:
        if p.name == "fields.toml" or p.name.endswith(".cases.toml"):
            continue
        pol = load_policy(p, general)
        policies[pol.id] = pol
        sources[pol.id] = str(p)
    for pol in policies.values():
        registry = registry.merged(pol.fields)
    return Catalog(policies, registry, references, sources)


def cap_yuan(units: int | None) -> Fraction | None:
    return None if units is None else Fraction(units, UNITS_PER_YUAN)
