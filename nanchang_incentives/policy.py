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
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from . import expr
from . import fields as F
from .errors import ExpressionError, InputError, Location, OptionError, PolicyError, ValueProblem
from .money import MAX_COUNT, MAX_YUAN, UNITS_PER_YUAN, parse_money
from .reference import ReferenceTable, load_reference
from .text import compiled_later
from .tomlio import HEADER_LINE as _HEADER
from .tomlio import KEY_LINE as _KEY
from .tomlio import TomlKind, line_index, read_bytes, read_toml

BASES = ("exact", "up_to", "discretionary")
ITEM = "item"
ENV_DIRS = "INCENTIVES_POLICIES_DIR"


class CapScope(StrEnum):
    """What one cap limits, as its sentence gives it (SPEC 9.1).

    ``year``: a company's award for one year (每年, 年度); ``project``: one project
    (单个项目, 每项); ``event``: one event (每项活动); ``unit``: one unit of a product
    (单台（套）); ``once``: a one-off award, whatever the year. A sentence that names
    no period is ``project`` when the base is a project's investment, otherwise
    ``once``; never ``year`` by default.
    """

    YEAR = "year"
    PROJECT = "project"
    EVENT = "event"
    UNIT = "unit"
    ONCE = "once"


class Frequency(StrEnum):
    """How often a clause can be claimed (SPEC 9.1).

    ``annual``: on each year's figures, every year the conditions hold; ``once``: a
    one-off award (落地, 上市, 挂牌, 入驻, 新建, 剥离, 新入规, 首次, a project or event
    paid once), claimable in the fiscal year of the event, so its trigger fields mean
    "in the year".
    """

    ANNUAL = "annual"
    ONCE = "once"


@dataclass(frozen=True)
class Condition:
    expr: expr.Expression
    label: str = ""
    label_zh: str = ""  # the label in Chinese (--lang zh), "" when the table gives none (the label is shown)

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
    #: the labels, the caveat and the section in Chinese, for --lang zh ("" where the table gives none: the
    #: English is shown); the text's own words where it has them (base_label_zh = "实际用于在昌项目的银行贷款")
    item_label_zh: str = ""
    base_label_zh: str = ""
    caveat_zh: str = ""
    section_zh: str = ""
    rate: expr.Expression | None = None
    fixed: int | None = None  # money units per unit of base (or in total)
    #: an up_to clause's stated minimum (SPEC 9.2, "每项100-200万元"): money units on the footing of ``fixed``
    #: (per unit of base, or in total); None when the text states none
    minimum: int | None = None
    item_cap: int | None = None  # money units, per item
    cap: int | None = None  # money units, on the clause's sum (its scope: cap_scope)
    cap_scope: CapScope | None = None  # what ``cap`` limits; set exactly when cap is
    item_cap_scope: CapScope | None = None  # what ``item_cap`` limits; set exactly when item_cap is
    #: what the ceiling of an up_to clause whose amount is its own ceiling (``fixed``, no ``cap``) limits:
    #: "单个企业每年最高500万元" is per year, "每项给予100-200万元" per project (SPEC 9.1)
    ceiling_scope: CapScope | None = None
    #: that scope in the text's own words, for --lang zh ("单个产品": the Wuhan product award; "" gives the
    #: scope's usual words, 每年, 每个项目, 每台（套） …)
    ceiling_scope_zh: str = ""
    frequency: Frequency = Frequency.ANNUAL
    group: str | None = None
    notes: tuple[str, ...] = ()
    #: a sentence every output shows beside the clause's amount (an interpretation, an award by selection)
    caveat: str = ""
    line: int | None = None

    @property
    def computes_amount(self) -> bool:
        return self.basis != "discretionary"

    @property
    def cap_period(self) -> str:
        """The clause cap's scope as a word ("year", "project", "event", "unit", "once"); "" without a cap."""
        return self.cap_scope.value if self.cap_scope is not None else ""

    @property
    def main_cap_scope(self) -> CapScope | None:
        """The scope JSON's ``cap_scope`` names: the clause cap's, else the per-item cap's, else None.

        An up_to clause whose amount is a ceiling of its own (``fixed``) has no cap (SPEC 9.5: no ``cap_scope``);
        its sentence gives the ceiling a scope all the same (SPEC 9.1: 每年, 每项 …): ``ceiling_scope``.
        """
        return self.cap_scope if self.cap is not None else self.item_cap_scope

    @property
    def one_off(self) -> bool:
        """A one-off award (SPEC 9.1): claimable in the fiscal year of the event only."""
        return self.frequency is Frequency.ONCE

    def names(self) -> frozenset[str]:
        """Every field the clause reads (derived once; the clause is frozen)."""
        return self._names

    @cached_property
    def _names(self) -> frozenset[str]:
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
class Successor:
    """What is known of a policy's successor (SPEC 9.3), and when that was known.

    ``note`` is policy data (written in the table from the sources); ``as_of`` the
    date of that knowledge, as written ("2026-12" or "2026-12-15"); ``reported`` the
    day a successor (or a later text changing the measures) was reported, when one
    was: for a policy whose end is unknown, fiscal years from that year on carry a
    warning that the result may be superseded.
    """

    note: str
    as_of: str
    reported: dt.date | None = None


@dataclass(frozen=True)
class Group:
    id: str
    clauses: tuple[str, ...]
    section: str = ""
    quote: str = ""
    section_zh: str = ""  # the section in Chinese (--lang zh), "" when it is the same


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
    section_zh: str = ""  # the section in Chinese (--lang zh: "三（最后一段）"), "" when it is the same


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
    document_number_note: str = ""  # why there is no document_number (the sources state none)
    #: the bundled file this table replaces: it came from --policies-dir or $INCENTIVES_POLICIES_DIR with the id
    #: of a bundled policy (None for a bundled policy or a new id); every output of the policy must say so
    replaces_bundled: str | None = None
    #: other names of the jurisdiction a user may type (南昌, 武汉, 东湖 …): see Catalog.resolve
    jurisdiction_names: tuple[str, ...] = ()
    #: SPEC 9.3: what is known of the successor ([policy.successor]); None when the table says nothing
    successor: Successor | None = None
    #: tags that the text counts within ``industries`` (Nanchang's LED, VR …: 电子信息产业) and the sentence that
    #: says so: a profile with one of them but none of ``industries`` is still not targeted (SPEC §5), but is told
    #: that the text may count it in
    related_industries: tuple[str, ...] = ()
    related_industries_note: str = ""
    #: the Chinese names of ``industries`` and ``related_industries``, in the same order (the industries
    #: vocabulary's ``zh``; the tag itself where it gives none): what --lang zh output calls them (电子信息)
    industries_zh: tuple[str, ...] = ()
    related_industries_zh: tuple[str, ...] = ()

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

    def ended_before(self, year: int) -> bool:
        """Is a fiscal year after the policy's (known) end?"""
        return self.valid_until is not None and year > self.valid_until.year

    def may_be_superseded(self, year: int) -> bool:
        """An end unknown and a successor reported in or before ``year`` (SPEC 9.3)."""
        s = self.successor
        return self.valid_until is None and s is not None and s.reported is not None and year >= s.reported.year


# ---------------------------------------------------------------- loading

POLICY_KEYS = {"id", "title_zh", "title_en", "issuer", "document_number", "document_number_note", "issued",
               "valid_from", "valid_until", "validity_note", "jurisdiction", "jurisdiction_names", "industries",
               "source_file", "source_section", "notes", "successor", "related_industries",
               "related_industries_note"}
SUCCESSOR_KEYS = {"note", "as_of", "reported"}
_AS_OF = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?\Z")
CLAUSE_KEYS = {"id", "title_zh", "title_en", "section", "quote", "basis", "conditions", "items",
               "item_label", "base", "base_label", "rate", "fixed", "minimum", "item_cap", "cap", "cap_scope",
               "item_cap_scope", "ceiling_scope", "frequency", "group", "notes", "caveat",
               "item_label_zh", "base_label_zh", "caveat_zh", "section_zh",
               "ceiling_scope_zh"}
CAP_KEYS = {"limit", "section", "quote", "exempt_if", "exempt_note", "waived_if", "waived_note", "excludes",
            "section_zh"}
GROUP_KEYS = {"id", "clauses", "section", "quote", "section_zh"}
NOTICE_KEYS = {"text", "min_clauses_with_amount"}
FIELD_KEYS = {"type", "title", "description", "default", "choices", "aliases", "vocabulary", "plausibility",
              "grows_only"}
TOP_KEYS = {"policy", "fields", "clauses", "groups", "company_cap", "notices"}
_ID = re.compile(r"^[a-z][a-z0-9_]*\Z")  # \Z, not $: "$" also matches before a final newline
#: a policy id names files, URLs and CSV cells: 1 to MAX_POLICY_ID characters of [a-z0-9-], a letter first
MAX_POLICY_ID = 64
_POLICY_ID = re.compile(rf"^[a-z][a-z0-9\-]{{0,{MAX_POLICY_ID - 1}}}\Z")

#: limits that keep loading any file fast and small (a real policy is far below them)
MAX_FILE_BYTES = TomlKind.POLICY.max_bytes  # the size limit of every TOML file read: see tomlio.TomlKind
MAX_CLAUSES = 300
MAX_CONDITIONS = 50
MAX_FIELDS = 300
MAX_ENTRIES = 100  # groups, notices, members of a group, excluded clauses
#: a constant rate above this is surely a missing "%" ("50" instead of "50%")
MAX_RATE = 10
#: the largest amount a clause's formula may reach for the largest inputs (before caps)
MAX_AMOUNT_YUAN = 100 * MAX_YUAN

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Problem:
    """One finding of the validator: an error (the table cannot be used) or a warning."""

    level: str
    message: str
    location: Location

    def __str__(self) -> str:
        loc = self.location
        where = (loc.file or "") + (f":{loc.line}" if loc.line is not None else "")
        what = ([f"clause {loc.clause!r}"] if loc.clause else []) + ([f"key {loc.field!r}"] if loc.field else [])
        head = f"{where}: {self.level}" if where else self.level
        return f"{head}: " + (", ".join(what) + ": " if what else "") + self.message


@dataclass(frozen=True)
class Report:
    """Everything ``validate_policy`` found in one file; ``policy`` is None when there are errors."""

    path: str
    policy: Policy | None
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.level == ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.level == WARNING)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Reader:
    """Turns raw TOML tables into checked values, with locations.

    Loading (``collect=False``) raises ``PolicyError`` at the first problem;
    validating (``collect=True``) records every problem and goes on, so that
    ``policies validate`` reports them all at once.
    """

    def __init__(self, path: str, text: str, collect: bool = False):
        self.path = path
        self.lines = line_index(text)
        self.text_lines = text.splitlines()
        self.collect = collect
        self.problems: list[Problem] = []

    def loc(self, table: tuple[str, int], key: str | None = None, clause: str | None = None) -> Location:
        keys = self.lines.get(table, {})
        line = keys.get(key) if key else None
        if line is None:
            line = keys.get("<header>")
        if line is None and "." in table[0]:  # an inline table: [fields] name = { type = "money" }
            parent, _, last = table[0].rpartition(".")
            line = self.lines.get((parent, 0), {}).get(last)
        return Location(file=self.path, line=line, field=key, clause=clause)

    def find_line(self, table: tuple[str, int], needle: str) -> int | None:
        """The first line of ``table`` that contains ``needle`` (e.g. one condition of a list)."""
        start = self.lines.get(table, {}).get("<header>")
        if start is None or not needle:
            return None
        for number in range(start, min(len(self.text_lines), start + 2000) + 1):
            line = self.text_lines[number - 1]
            if number > start and _HEADER.match(line) and not _KEY.match(line):
                break
            if needle in line:
                return number
        return None

    def fail(self, message: str, table: tuple[str, int], key: str | None = None,
             clause: str | None = None) -> PolicyError:
        return PolicyError(message, self.loc(table, key, clause))

    def error(self, message: str, table: tuple[str, int], key: str | None = None, clause: str | None = None,
              *, line: int | None = None) -> None:
        """A problem: raised at once when loading, recorded when validating."""
        loc = self.loc(table, key, clause)
        if line is not None:
            loc.line = line
        if not self.collect:
            raise PolicyError(message, loc)
        self.problems.append(Problem(ERROR, message, loc))

    def warn(self, message: str, table: tuple[str, int], key: str | None = None, clause: str | None = None) -> None:
        self.problems.append(Problem(WARNING, message, self.loc(table, key, clause)))

    def error_count(self) -> int:
        return sum(1 for p in self.problems if p.level == ERROR)

    def check_keys(self, raw: Mapping, allowed: set[str], table: tuple[str, int], clause: str | None = None,
                   what: str = "key") -> None:
        for key in raw:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), sorted(allowed), n=1, cutoff=0.6)
                hint = f' (did you mean "{close[0]}"?)' if close else f"; allowed: {', '.join(sorted(allowed))}"
                self.error(f"unknown {what} {str(key)[:80]!r}{hint}", table, str(key), clause)

    def text(self, raw: Mapping, key: str, table: tuple[str, int], *, required: bool = False,
             clause: str | None = None) -> str:
        value = raw.get(key)
        if value is None:
            if required:
                self.error(f"missing required key {key!r}", table, key, clause)
            return ""
        if not isinstance(value, str):
            self.error(f"{key} must be text (in quotes), got {_short(value)}", table, key, clause)
            return ""
        return value

    def texts(self, raw: Mapping, key: str, table: tuple[str, int], clause: str | None = None) -> tuple[str, ...]:
        value = raw.get(key, [])
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(f"{key} must be a list of text, such as [\"a\", \"b\"], got {_short(value)}",
                       table, key, clause)
            return ()
        return tuple(value)

    def date(self, raw: Mapping, key: str, table: tuple[str, int], *, required: bool = False) -> dt.date | None:
        value = raw.get(key)
        if value is None:
            if required:
                self.error(f"missing required key {key!r} (a date such as 2023-10-10)", table, key)
            return None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            self.error(f"{key} must be a date such as 2023-10-10 (no quotes), got {_short(value)}", table, key)
            return None
        return value

    def money(self, raw: Mapping, key: str, table: tuple[str, int], clause: str | None = None) -> int | None:
        value = raw.get(key)
        if value is None:
            return None
        try:
            return parse_money(value)
        except ValueProblem as exc:
            self.error(f"{key}: {exc}", table, key, clause)
            return None

    def expression(self, raw: Mapping, key: str, table: tuple[str, int], kind_of, want: str,
                   clause: str | None = None, registry: F.Registry | None = None) -> expr.Expression | None:
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        try:
            return expr.parse(value, kind_of, want=want)
        except ExpressionError as exc:
            self.error(f"{key}: {_with_hint(str(exc), registry)}", table, key, clause)
            return None


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _with_hint(message: str, registry: F.Registry | None) -> str:
    """Add a did-you-mean to an "unknown field" message."""
    m = re.search(r"unknown field '([^']+)'", message)
    if m and registry is not None:
        return message + registry.suggest(m.group(1))
    return message


def _read(path: Path) -> tuple[dict, str]:
    """Read a policy file (a regular file of at most MAX_FILE_BYTES, bounded nesting), errors as PolicyError."""
    try:
        return read_toml(path, TomlKind.POLICY)
    except InputError as exc:
        raise PolicyError(exc.message, exc.location) from None


def load_fields(raw: object, reader: _Reader, declared_by: str, table_name: str = "fields",
                vocabularies: Mapping[str, F.Vocabulary] | None = None) -> list[F.Field]:
    """The [fields] table: name -> {type, title, description, default, choices, aliases, vocabulary, plausibility}."""
    out: list[F.Field] = []
    if not isinstance(raw, Mapping):
        reader.error("[fields] must be a table of field definitions", ("", 0), table_name)
        return out
    if len(raw) > MAX_FIELDS:
        reader.error(f"{len(raw)} fields; at most {MAX_FIELDS} are allowed", (table_name, 0))
        return out
    for name, spec in raw.items():
        table = (f"{table_name}.{name}", 0)
        if not _ID.match(str(name)):
            reader.error(f"field name {str(name)[:80]!r} must be lower_snake_case (e.g. local_project_loans)", table)
            continue
        if not isinstance(spec, Mapping):
            reader.error(f"field {name!r} must be a table with at least type = \"…\"", table)
            continue
        reader.check_keys(spec, FIELD_KEYS, table)
        ftype = spec.get("type")
        if not isinstance(ftype, str) or ftype not in F.TYPES:
            close = difflib.get_close_matches(str(ftype), F.TYPES, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            reader.error(f"field {name!r}: type {_short(ftype)} is not one of {', '.join(F.TYPES)}{hint}",
                         table, "type")
            continue
        default = spec.get("default")
        if default is not None and not isinstance(default, str):
            reader.error(f"field {name!r}: default must be text naming another field (\"revenue\") or "
                         f"\"reference:<series>\", got {_short(default)}", table, "default")
            default = None
        if default is not None and ftype in (F.MONEY_LIST, F.TAGS, F.TEXT):
            reader.error(f"field {name!r}: a default is only for money, count, rate, year and bool fields",
                         table, "default")
            default = None
        choices = reader.texts(spec, "choices", table)
        if choices and ftype != F.TEXT:
            reader.error(f"field {name!r}: choices are only for text fields", table, "choices")
            choices = ()
        aliases, vocabulary, scale = _field_extras(str(name), ftype, spec, reader, table, vocabularies or {})
        grows_only = spec.get("grows_only", False)
        if not isinstance(grows_only, bool) or (grows_only and ftype not in (F.COUNT, F.YEAR)):
            reader.error(f"field {name!r}: grows_only is true or false, and only for count and year fields (which "
                         f"year of a subsidy period: a fact that only moves on with time), got {_short(grows_only)}",
                         table, "grows_only")
            grows_only = False
        out.append(F.Field(name=str(name), type=ftype, title=reader.text(spec, "title", table),
                           description=reader.text(spec, "description", table),
                           default=default, choices=choices, declared_by=declared_by,
                           aliases=aliases, vocabulary=vocabulary, scale=scale, grows_only=grows_only))
    _check_aliases(out, reader, table_name)
    return out


def _field_extras(name: str, ftype: str, spec: Mapping, reader: _Reader, table: tuple[str, int],
                  vocabularies: Mapping[str, F.Vocabulary]) -> tuple[tuple[str, ...], F.Vocabulary | None,
                                                                     F.Scale | None]:
    """A field's ``aliases`` (its Chinese names), ``vocabulary`` and ``plausibility`` keys."""
    aliases = tuple(a.strip() for a in reader.texts(spec, "aliases", table) if a.strip())
    vocabulary = None
    vname = reader.text(spec, "vocabulary", table)
    if vname:
        vocabulary = vocabularies.get(vname)
        if vocabulary is None:
            reader.error(f"field {name!r}: unknown vocabulary {vname!r}; known: {', '.join(sorted(vocabularies))}",
                         table, "vocabulary")
        elif ftype not in (F.TAGS, F.TEXT):
            reader.error(f"field {name!r}: a vocabulary is only for tags and text fields", table, "vocabulary")
            vocabulary = None
    scale = None
    sname = reader.text(spec, "plausibility", table)
    if sname:
        try:
            scale = F.Scale(sname)
        except ValueError:
            reader.error(f"field {name!r}: plausibility {sname[:40]!r} is not one of "
                         f"{', '.join(s.value for s in F.Scale)}", table, "plausibility")
        else:
            wanted = (F.RATE,) if scale is F.Scale.INTEREST_RATE else (F.MONEY, F.MONEY_LIST)
            if ftype not in wanted:
                reader.error(f"field {name!r}: plausibility {sname!r} is for {' or '.join(wanted)} fields",
                             table, "plausibility")
                scale = None
    return aliases, vocabulary, scale


def _check_aliases(fields: Sequence[F.Field], reader: _Reader, table_name: str,
                   known: F.Registry | None = None) -> None:
    """No alias names two fields (nor another field's own name)."""
    owner: dict[str, str] = dict(known.aliases) if known is not None else {}
    for f in fields:
        owner.setdefault(f.name, f.name)
    for f in fields:
        for alias in f.aliases:
            key = F._fold(alias)
            if owner.setdefault(key, f.name) != f.name:
                reader.error(f"field {f.name!r}: alias {alias!r} already names field {owner[key]!r}",
                             (f"{table_name}.{f.name}", 0), "aliases")


def _check_defaults(own: list[F.Field], registry: F.Registry, references: Mapping[str, ReferenceTable] | None,
                    reader: _Reader) -> None:
    """Defaults name a field of the same type, or a known reference series; no loops."""
    for f in own:
        if not f.default:
            continue
        table = (f"fields.{f.name}", 0)
        if f.default.startswith("reference:"):
            series = f.default.split(":", 1)[1]
            if f.type != F.RATE:
                reader.error(f"field {f.name!r}: a reference default is for rate fields, not {f.type}", table, "default")
            elif references is not None:
                known = sorted({s for t in references.values() for s in t.series})
                if series not in known:
                    reader.error(f"field {f.name!r}: unknown reference series {series!r}; known: {', '.join(known)}",
                                 table, "default")
            continue
        target = registry.get(f.default)
        if target is None:
            reader.error(f"field {f.name!r}: default {f.default!r} is not a known field{registry.suggest(f.default)}",
                         table, "default")
        elif target.type != f.type:
            reader.error(f"field {f.name!r} is {f.type} but its default {f.default!r} is {target.type}",
                         table, "default")
        # follow the chain: a -> b -> a would make the engine loop
        chain, name = [f.name], f.default
        while name and not name.startswith("reference:") and name in registry and len(chain) <= len(registry.fields):
            if name in chain:
                reader.error(f"field {f.name!r}: defaults go round in a loop: {' -> '.join(chain + [name])}",
                             table, "default")
                break
            chain.append(name)
            name = registry[name].default or ""


# ---------------------------------------------------------------- units: money or a plain number

MONEY_DIM, PLAIN_DIM = 1, 0


class _DimensionError(Exception):
    pass


def _dimension(node: expr.Node, dim_of) -> int | None:
    """1 for money, 0 for a plain number (count, rate, year), None for a constant (fits either)."""
    if isinstance(node, expr.Const):
        return None
    if isinstance(node, expr.Name):
        return dim_of(node.name)
    if isinstance(node, expr.Neg):
        return _dimension(node.operand, dim_of)
    if isinstance(node, expr.BinOp):
        left = _dimension(node.left, dim_of)
        if node.op == "/":
            return left
        right = _dimension(node.right, dim_of)
        if node.op == "*":
            if left is None and right is None:
                return None
            dim = (left or 0) + (right or 0)
            if dim > MONEY_DIM:
                raise _DimensionError("multiplies money by money")
            return dim
        return _same(left, right, "adds or subtracts money and a plain number (a count, rate or year)")
    if isinstance(node, expr.Call):
        dims = [_dimension(a, dim_of) for a in node.args]
        out: int | None = None
        for d in dims:
            out = _same(out, d, f"{node.func}() mixes money and plain numbers")
        return out
    if isinstance(node, expr.Compare):
        _same(_dimension(node.left, dim_of), _dimension(node.right, dim_of),
              "compares money with a plain number (a count, rate or year)")
        return None
    if isinstance(node, expr.BoolOp):
        for operand in node.operands:
            _dimension(operand, dim_of)
        return None
    if isinstance(node, expr.Not):
        _dimension(node.operand, dim_of)
    return None


def _same(a: int | None, b: int | None, message: str) -> int | None:
    if a is None:
        return b
    if b is None or a == b:
        return a
    raise _DimensionError(message)


def _bound(node: expr.Node, bound_of) -> Fraction:
    """An upper bound of the absolute value of a numeric expression, from each field's largest value."""
    if isinstance(node, expr.Const):
        return abs(node.value)
    if isinstance(node, expr.Name):
        return bound_of(node.name)
    if isinstance(node, expr.Neg):
        return _bound(node.operand, bound_of)
    if isinstance(node, expr.BinOp):
        left = _bound(node.left, bound_of)
        if node.op == "/":
            return left / abs(node.right.value)  # type: ignore[attr-defined]
        right = _bound(node.right, bound_of)
        return left * right if node.op == "*" else left + right
    if isinstance(node, expr.Call):
        return max(_bound(a, bound_of) for a in node.args)
    return Fraction(0)


def _bound_of(registry: F.Registry):
    largest = {F.MONEY: MAX_YUAN, F.MONEY_LIST: MAX_YUAN, F.COUNT: MAX_COUNT, F.RATE: 1, F.YEAR: 2100}

    def bound_of(name: str) -> Fraction:
        spec = registry.get(name)
        return Fraction(MAX_YUAN if spec is None else largest.get(spec.type, 1))
    return bound_of


def _dim_of(registry: F.Registry, items: bool):
    def dim_of(name: str) -> int:
        if name == ITEM and items:
            return MONEY_DIM
        spec = registry.get(name)
        return MONEY_DIM if spec is not None and spec.type in (F.MONEY, F.MONEY_LIST) else PLAIN_DIM
    return dim_of


# ---------------------------------------------------------------- a whole table


def load_policy(path: str | Path, general: F.Registry,
                references: Mapping[str, ReferenceTable] | None = None) -> Policy:
    """Read and validate one policy table; raise PolicyError on the first problem."""
    policy, _ = _load(Path(path), general, references, collect=False)
    assert policy is not None
    return policy


def validate_policy(path: str | Path, general: F.Registry,
                    references: Mapping[str, ReferenceTable] | None = None,
                    catalog: Catalog | None = None) -> Report:
    """Every problem of one policy table (errors and warnings), never raising for a bad file.

    With ``catalog``, also the conflicts with the other loaded policies (a field
    declared with another type).
    """
    path = Path(path)
    try:
        policy, problems = _load(path, general, references, collect=True)
    except PolicyError as exc:  # unreadable, not TOML, too large: nothing more can be checked
        return Report(str(path), None, (Problem(ERROR, exc.message, exc.location),))
    if policy is not None and catalog is not None:
        problems += field_conflicts(policy, catalog.policies.values())
        bundled = _bundled_of(policy.id, catalog)
        if bundled is not None and not _same_file(bundled, path) and not _same_bytes(bundled, path):
            # (a byte-identical copy, e.g. a checkout's policies/ beside the installed package, replaces nothing)
            problems.append(Problem(WARNING, f"policy id {policy.id!r} is the id of the bundled policy {bundled}: "
                                    f"in --policies-dir or ${ENV_DIRS} this table replaces it",
                                    Location(file=str(path), line=_id_line(path), field="id")))
    if any(p.level == ERROR for p in problems):
        policy = None
    return Report(str(path), policy, tuple(problems))


def field_conflicts(policy: Policy, others: Iterable[Policy]) -> list[Problem]:
    """Fields this policy declares with another type than a different policy does."""
    out = []
    for other in others:
        if other.id == policy.id:
            continue
        theirs = {f.name: f for f in other.fields}
        for f in policy.fields:
            if f.name in theirs and theirs[f.name].type != f.type:
                out.append(Problem(ERROR, f"field {f.name!r} is {f.type} here but {theirs[f.name].type} in policy "
                                   f"{other.id!r} ({other.path}); use another name",
                                   Location(file=policy.path, field=f.name)))
    return out


def _load(path: Path, general: F.Registry, references: Mapping[str, ReferenceTable] | None,
          collect: bool) -> tuple[Policy | None, list[Problem]]:
    data, text = _read(path)
    reader = _Reader(str(path), text, collect)
    root = ("", 0)
    profile_keys = [k for k in data if k not in TOP_KEYS and general.resolve(str(k)) is not None]
    if "policy" not in data and len(profile_keys) >= 2:  # (--policies-dir naming a folder of profiles)
        raise PolicyError(f"this is a company profile (its keys {', '.join(map(str, profile_keys[:3]))} are profile "
                          f"fields), not a policy table (--policies-dir and policies validate read policy tables: "
                          f"see docs/authoring.md); compute a profile with incentives calc {path.name}",
                          Location(file=str(path)))
    reader.check_keys(data, TOP_KEYS, root, what="table")
    meta = data.get("policy")
    if not isinstance(meta, Mapping):
        reader.error("missing the [policy] table (id, titles, dates, jurisdiction…)", root)
        meta = {}
    ptable = ("policy", 0)
    reader.check_keys(meta, POLICY_KEYS, ptable)
    pid = reader.text(meta, "id", ptable, required=True)
    if pid and not _POLICY_ID.match(pid):
        length = f" (this one has {len(pid):,})" if len(pid) > MAX_POLICY_ID else ""
        reader.error(f"policy id {pid[:80]!r} must be at most {MAX_POLICY_ID} characters{length} of lower-case "
                     f"letters, digits and '-', starting with a letter (e.g. nanchang-electronic-information-2023)",
                     ptable, "id")

    own_fields = load_fields(data.get("fields", {}), reader, pid or "?", vocabularies=general.vocabularies)
    _check_aliases(own_fields, reader, "fields", general)
    for f in own_fields:
        known = general.get(f.name)
        if known is not None and known.type != f.type:
            reader.error(f"field {f.name!r} is already declared as {known.type}, not {f.type}",
                         (f"fields.{f.name}", 0), "type")
    registry = general.merged(own_fields)
    _check_defaults(own_fields, registry, references, reader)

    valid_from = reader.date(meta, "valid_from", ptable, required=True)
    valid_until = reader.date(meta, "valid_until", ptable)
    issued = reader.date(meta, "issued", ptable)
    if valid_from is not None and valid_until is not None and valid_until < valid_from:
        reader.error(f"valid_until {valid_until} is before valid_from {valid_from}", ptable, "valid_until")
    if issued is not None and valid_until is not None and issued > valid_until:
        reader.error(f"issued {issued} is after valid_until {valid_until}", ptable, "issued")
    title_zh = reader.text(meta, "title_zh", ptable, required=True)
    jurisdiction = reader.text(meta, "jurisdiction", ptable, required=True)
    # (in the form a profile's tags are looked up in: 電子商務 is 电子商务, as the profile's own tag is folded)
    industries = tuple(F._fold(t) for t in reader.texts(meta, "industries", ptable))
    related = tuple(F._fold(t) for t in reader.texts(meta, "related_industries", ptable))
    related_note = reader.text(meta, "related_industries_note", ptable)
    names = general.vocabularies.get("industries")
    industries_zh = tuple(names.name_zh(t) for t in industries) if names is not None else industries
    related_zh = tuple(names.name_zh(t) for t in related) if names is not None else related
    if related and not related_note:
        reader.error("related_industries without related_industries_note: quote the sentence that counts them in",
                     ptable, "related_industries_note")
    jurisdiction_names = reader.texts(meta, "jurisdiction_names", ptable)
    validity_note = reader.text(meta, "validity_note", ptable)
    meta_text = {k: reader.text(meta, k, ptable) for k in ("title_en", "issuer", "document_number",
                                                           "document_number_note", "source_file", "source_section")}
    notes = reader.texts(meta, "notes", ptable)
    successor = _load_successor(meta.get("successor"), reader, valid_until)
    if jurisdiction and not _POLICY_ID.match(jurisdiction):
        reader.warn(f"jurisdiction {jurisdiction[:80]!r} is not lower-case with '-' (profiles write it as "
                    f"jurisdiction = \"…\" exactly)", ptable, "jurisdiction")
    if not industries:
        reader.warn("no industries: the policy applies to every company, whatever its industries", ptable, "industries")
    if valid_until is None and not validity_note:
        reader.warn("no valid_until and no validity_note: say what the sources give about the end of validity",
                    ptable, "validity_note")
    for key, what in (("document_number", "document number (文号)"), ("source_file", "source file"),
                      ("title_en", "English title")):
        if not meta_text[key] and not (key == "document_number" and meta_text["document_number_note"]):
            hint = (": give it, or say why there is none in document_number_note (e.g. \"the sources state no "
                    "文号\")") if key == "document_number" else ""
            reader.warn(f"no {what}{hint}", ptable, key)
    if meta_text["document_number"] and meta_text["document_number_note"]:
        reader.warn("document_number_note is for a policy without a document number: delete one of the two",
                    ptable, "document_number_note")

    raw_clauses = data.get("clauses", [])
    if not isinstance(raw_clauses, list) or not raw_clauses:
        reader.error("a policy needs at least one [[clauses]] entry", root, "clauses")
        raw_clauses = []
    if len(raw_clauses) > MAX_CLAUSES:
        reader.error(f"{len(raw_clauses)} clauses; at most {MAX_CLAUSES} are allowed", root, "clauses")
        raw_clauses = raw_clauses[:MAX_CLAUSES]
    clauses: list[Clause] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_clauses):
        c = _load_clause(raw, i, reader, registry, seen)
        if c is not None:
            clauses.append(c)

    groups = _load_groups(data.get("groups", []), reader, seen, clauses)
    group_ids = {g.id for g in groups}
    membership: dict[str, list[str]] = {}
    for g in groups:
        for m in g.clauses:
            membership.setdefault(m, []).append(g.id)
    for c in clauses:
        table = ("clauses", _index_of(reader, c))
        if c.group is not None and c.group not in group_ids:
            close = difflib.get_close_matches(c.group, sorted(group_ids), n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            reader.error(f"clause {c.id!r} names the unknown group {c.group!r}{hint}; declare it with [[groups]]",
                         table, "group", c.id)
        elif c.group is not None and c.group not in membership.get(c.id, []):
            reader.error(f"clause {c.id!r} says group = {c.group!r} but that [[groups]] entry does not list it",
                         table, "group", c.id)
    for m, gs in membership.items():
        if len(gs) > 1:
            reader.error(f"clause {m!r} is in two groups: {', '.join(gs)}", ("groups", 0), "clauses")
    clauses = [c if c.group or c.id not in membership else _with_group(c, membership[c.id][0]) for c in clauses]

    cap = _load_company_cap(data, reader, registry, seen)
    notices = _load_notices(data.get("notices", []), reader)

    # fields nobody reads are usually a typo in a clause or a leftover
    used: set[str] = set()
    for c in clauses:
        used |= c.names()
    if cap is not None:
        for e in (cap.limit, cap.exempt_if, cap.waived_if):
            if e is not None:
                used |= e.names
    for name in list(used):
        spec = registry.get(name)
        while spec is not None and spec.default and not spec.default.startswith("reference:") \
                and spec.default not in used:
            used.add(spec.default)
            spec = registry.get(spec.default)
    for f in own_fields if not reader.error_count() else ():
        if f.name not in used:
            reader.warn(f"field {f.name!r} is declared but no clause or cap reads it", (f"fields.{f.name}", 0))

    if reader.error_count():
        return None, reader.problems
    assert valid_from is not None
    return Policy(
        id=pid,
        title_zh=title_zh,
        title_en=meta_text["title_en"],
        issuer=meta_text["issuer"],
        document_number=meta_text["document_number"],
        document_number_note=meta_text["document_number_note"],
        issued=issued,
        valid_from=valid_from,
        valid_until=valid_until,
        validity_note=validity_note,
        jurisdiction=jurisdiction,
        industries=industries, related_industries=related, related_industries_note=related_note,
        industries_zh=industries_zh, related_industries_zh=related_zh,
        source_file=meta_text["source_file"],
        source_section=meta_text["source_section"],
        notes=notes,
        fields=tuple(own_fields),
        clauses=tuple(clauses),
        groups=tuple(groups),
        company_cap=cap,
        notices=tuple(notices),
        path=str(path),
        jurisdiction_names=jurisdiction_names,
        successor=successor,
    ), reader.problems


def _index_of(reader: _Reader, c: Clause) -> int:
    """The [[clauses]] index of a loaded clause (from its header line)."""
    for (name, index), keys in reader.lines.items():
        if name == "clauses" and keys.get("<header>") == c.line:
            return index
    return 0


def _load_groups(raw_groups: object, reader: _Reader, seen: set[str], clauses: list[Clause]) -> list[Group]:
    groups: list[Group] = []
    if not isinstance(raw_groups, list):
        reader.error("groups must be [[groups]] tables", ("", 0), "groups")
        return groups
    if len(raw_groups) > MAX_ENTRIES:
        reader.error(f"{len(raw_groups)} groups; at most {MAX_ENTRIES} are allowed", ("groups", 0))
        return groups
    by_id = {c.id: c for c in clauses}
    for i, raw in enumerate(raw_groups):
        table = ("groups", i)
        if not isinstance(raw, Mapping):
            reader.error("each [[groups]] entry must be a table with id and clauses", table)
            continue
        before = reader.error_count()
        reader.check_keys(raw, GROUP_KEYS, table)
        gid = reader.text(raw, "id", table, required=True)
        if gid and not _ID.match(gid):
            reader.error(f"group id {gid[:80]!r} must be lower_snake_case", table, "id")
        if gid and any(g.id == gid for g in groups):
            reader.error(f"duplicate group id {gid!r}", table, "id")
        members = reader.texts(raw, "clauses", table)
        for m in members:
            if m not in seen:
                close = difflib.get_close_matches(m, sorted(seen), n=1)
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                reader.error(f"group {gid!r} names the unknown clause {m[:80]!r}{hint}", table, "clauses")
            elif m in by_id and not by_id[m].computes_amount:
                reader.warn(f"group {gid!r}: {m!r} is discretionary (no amount), so it never wins the group",
                            table, "clauses")
        if len(set(members)) != len(members):
            reader.error(f"group {gid!r} names a clause twice", table, "clauses")
        if len(members) < 2:
            reader.error(f"group {gid!r} needs at least two clauses", table, "clauses")
        if reader.error_count() == before:
            groups.append(Group(gid, members, reader.text(raw, "section", table), reader.text(raw, "quote", table),
                                reader.text(raw, "section_zh", table)))
    return groups


def _load_company_cap(data: Mapping, reader: _Reader, registry: F.Registry, ids: set[str]) -> CompanyCap | None:
    if "company_cap" not in data:
        return None
    raw = data["company_cap"]
    table = ("company_cap", 0)
    if not isinstance(raw, Mapping):
        reader.error("company_cap must be a table: [company_cap] with limit = \"…\"", ("", 0), "company_cap")
        return None
    before = reader.error_count()
    reader.check_keys(raw, CAP_KEYS, table)
    kind_of = registry.kind_of
    limit = reader.expression(raw, "limit", table, kind_of, expr.NUMBER, registry=registry)
    if "limit" not in raw:
        reader.error("company_cap needs limit = \"…\" (e.g. \"5% * sales_revenue\" or \"1亿\")", table, "limit")
    elif limit is not None:
        try:
            if _dimension(limit.tree, _dim_of(registry, False)) == PLAIN_DIM:
                raise _DimensionError("is a plain number, not money (e.g. \"5% * sales_revenue\" or \"1亿\")")
        except _DimensionError as exc:
            reader.error(f"limit {limit.text!r} {exc}", table, "limit")
    excludes = reader.texts(raw, "excludes", table)
    for e in excludes:
        if e not in ids:
            close = difflib.get_close_matches(e, sorted(ids), n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            reader.error(f"company_cap excludes the unknown clause {e[:80]!r}{hint}", table, "excludes")
    exempt_if = reader.expression(raw, "exempt_if", table, kind_of, expr.BOOL, registry=registry)
    waived_if = reader.expression(raw, "waived_if", table, kind_of, expr.BOOL, registry=registry)
    texts = {k: reader.text(raw, k, table) for k in ("section", "quote", "exempt_note", "waived_note", "section_zh")}
    if not texts["quote"]:
        reader.warn("no quote for the company cap", table, "quote")
    if reader.error_count() > before or limit is None:
        return None
    return CompanyCap(limit, texts["section"], texts["quote"], exempt_if, texts["exempt_note"], waived_if,
                      texts["waived_note"], excludes, texts["section_zh"])


def _load_notices(raw_notices: object, reader: _Reader) -> list[Notice]:
    notices: list[Notice] = []
    if not isinstance(raw_notices, list) or len(raw_notices) > MAX_ENTRIES:
        reader.error(f"notices must be at most {MAX_ENTRIES} [[notices]] tables", ("", 0), "notices")
        return notices
    for i, raw in enumerate(raw_notices):
        table = ("notices", i)
        if not isinstance(raw, Mapping):
            reader.error("each [[notices]] entry must be a table with text = \"…\"", table)
            continue
        before = reader.error_count()
        reader.check_keys(raw, NOTICE_KEYS, table)
        n = raw.get("min_clauses_with_amount", 2)
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            reader.error("min_clauses_with_amount must be a whole number ≥ 1", table, "min_clauses_with_amount")
        text = reader.text(raw, "text", table, required=True)
        if reader.error_count() == before:
            notices.append(Notice(text, n))
    return notices


def _load_successor(raw: object, reader: _Reader, valid_until: dt.date | None) -> Successor | None:
    """[policy.successor]: note (text), as_of (the date of that knowledge), reported (optional date)."""
    table = ("policy.successor", 0)
    if raw is None:  # optional: the bundled tables all state one (SPEC 9.3); outputs then say nothing of it
        return None
    if not isinstance(raw, Mapping):
        reader.error(f"successor must be a table ([policy.successor] with note and as_of), got {_short(raw)}",
                     ("policy", 0), "successor")
        return None
    before = reader.error_count()
    reader.check_keys(raw, SUCCESSOR_KEYS, table)
    note = reader.text(raw, "note", table, required=True)
    if "note" in raw and isinstance(raw.get("note"), str) and not note.strip():
        reader.error("successor note is empty: say what the sources give (e.g. \"no successor has been "
                     "published\")", table, "note")
    value = raw.get("as_of")
    as_of = ""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        as_of = value.isoformat()
    elif isinstance(value, str) and _AS_OF.match(value):
        as_of = value
    elif value is None:
        reader.error("missing required key 'as_of': the date of what the note says (\"2026-12\" or 2026-12-15)",
                     table, "as_of")
    else:
        reader.error(f"as_of must be a month \"2026-12\" or a date 2026-12-15, got {_short(value)}", table, "as_of")
    reported = reader.date(raw, "reported", table)
    if reported is not None and as_of and reported.isoformat()[:len(as_of)] > as_of:
        reader.error(f"reported {reported} is after as_of {as_of}: a successor cannot be reported after the date "
                     f"of the note", table, "reported")
    if reported is not None and valid_until is not None:
        reader.warn("reported is used only for a policy whose end is unknown (the year-aware warning); "
                    "this policy has valid_until", table, "reported")
    if reader.error_count() > before:
        return None
    return Successor(note, as_of, reported)


def _with_group(c: Clause, gid: str) -> Clause:
    from dataclasses import replace

    return replace(c, group=gid)


def _load_clause(raw: object, i: int, reader: _Reader, registry: F.Registry, seen: set[str]) -> Clause | None:
    """One [[clauses]] entry; None (validating) when it has errors."""
    table = ("clauses", i)
    if not isinstance(raw, Mapping):
        reader.error("each [[clauses]] entry must be a table", table)
        return None
    before = reader.error_count()
    raw_id = raw.get("id")
    cid: str | None = raw_id if isinstance(raw_id, str) and _ID.match(raw_id) else None
    if cid is None:
        reader.error(f"clause id {_short(raw_id)} must be lower_snake_case text (e.g. \"loan_interest\")",
                     table, "id")
    elif cid in seen:
        reader.error(f"duplicate clause id {cid!r}", table, "id", cid)
    else:
        seen.add(cid)
    reader.check_keys(raw, CLAUSE_KEYS, table, cid)
    basis = raw.get("basis")
    if not isinstance(basis, str) or basis not in BASES:
        close = difflib.get_close_matches(str(basis), BASES, n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        reader.error(f"basis must be one of {', '.join(BASES)}, got {_short(basis)}{hint}", table, "basis", cid)
        basis = None

    items = raw.get("items")
    if items is not None:
        spec = registry.get(items) if isinstance(items, str) else None
        if spec is None or spec.type != F.MONEY_LIST:
            hint = registry.suggest(items) if isinstance(items, str) else ""
            reader.error(f"items must name a money_list field, got {_short(items)}{hint}", table, "items", cid)
            items = None

    def kind_of(name: str) -> str | None:
        if name == ITEM:
            return expr.NUMBER if items else None
        return registry.kind_of(name)

    dim_of = _dim_of(registry, bool(items))
    conditions = []
    raw_conditions = raw.get("conditions", [])
    if isinstance(raw_conditions, (str, Mapping)):
        raw_conditions = [raw_conditions]
    if not isinstance(raw_conditions, list):
        reader.error("conditions must be a list of expressions", table, "conditions", cid)
        raw_conditions = []
    if len(raw_conditions) > MAX_CONDITIONS:
        reader.error(f"{len(raw_conditions)} conditions; at most {MAX_CONDITIONS} are allowed",
                     table, "conditions", cid)
        raw_conditions = []
    for c in raw_conditions:
        label: object = ""
        label_zh: object = ""
        if isinstance(c, Mapping):
            reader.check_keys(c, {"test", "label", "label_zh"}, table, cid)
            label, label_zh = c.get("label", ""), c.get("label_zh", "")
            if not isinstance(label, str):
                reader.error(f"a condition's label must be text, got {_short(label)}", table, "conditions", cid)
            if not isinstance(label_zh, str):
                reader.error(f"a condition's label_zh must be text, got {_short(label_zh)}", table, "conditions",
                             cid)
            c = c.get("test")
            if c is None:
                reader.error("a condition table needs test = \"…\" (and optionally label = \"…\")",
                             table, "conditions", cid)
                continue
        line = reader.find_line(table, c) if isinstance(c, str) else None
        try:
            parsed = expr.parse(c, registry.kind_of, want=expr.BOOL)  # type: ignore[arg-type]
            _dimension(parsed.tree, dim_of)
            conditions.append(Condition(parsed, str(label), str(label_zh)))
        except ExpressionError as exc:
            reader.error(f"conditions: {_with_hint(str(exc), registry)}", table, "conditions", cid, line=line)
        except _DimensionError as exc:
            reader.error(f"conditions: {c!r} {exc}", table, "conditions", cid, line=line)

    amount_before = reader.error_count()
    base = reader.expression(raw, "base", table, kind_of, expr.NUMBER, cid, registry)
    rate = reader.expression(raw, "rate", table, kind_of, expr.NUMBER, cid, registry)
    fixed = reader.money(raw, "fixed", table, cid)
    minimum = reader.money(raw, "minimum", table, cid)
    item_cap = reader.money(raw, "item_cap", table, cid)
    cap = reader.money(raw, "cap", table, cid)
    for key, value in (("item_cap", item_cap), ("cap", cap), ("fixed", fixed), ("minimum", minimum)):
        if value is not None and value <= 0:
            reader.error(f"{key} must be more than zero", table, key, cid)
    _check_minimum(raw, basis, minimum, fixed, reader, table, cid)
    if basis == "discretionary":
        for key in ("base", "rate", "fixed", "minimum", "item_cap", "cap", "items"):
            if raw.get(key) is not None:
                reader.error(f"a discretionary clause has no amount: remove {key!r} (put the figure in notes)",
                             table, key, cid)
    elif basis is not None and reader.error_count() == amount_before:
        if base is None and fixed is None and rate is None:
            reader.error("a clause with an amount needs base (with rate) or fixed", table, "base", cid)
        elif rate is not None and fixed is not None:
            reader.error("use either rate (a share of base) or fixed (an amount per unit), not both",
                         table, "fixed", cid)
        elif rate is not None and base is None:
            reader.error("rate needs a base to apply to", table, "rate", cid)
        elif items and (base is None or ITEM not in base.names):
            reader.error(f"a per-item clause needs a base that uses {ITEM!r}", table, "base", cid)
        elif item_cap is not None and not items:
            reader.error("item_cap needs items = \"<list field>\"", table, "item_cap", cid)
        else:
            if _check_amount(base, rate, fixed, dim_of, reader, table, cid):
                _check_magnitude(base, rate, fixed, item_cap if items else cap, registry, reader, table, cid)
        if not conditions and fixed is not None and base is None:
            reader.warn("no conditions and a fixed amount: every company of the targeted industries gets it",
                        table, "conditions", cid)
    group = raw.get("group")
    if group is not None and not isinstance(group, str):
        reader.error(f"group must be text, got {_short(group)}", table, "group", cid)
        group = None
    cap_scope = _enum(raw, "cap_scope", CapScope, reader, table, cid)
    item_cap_scope = _enum(raw, "item_cap_scope", CapScope, reader, table, cid)
    ceiling_scope = _enum(raw, "ceiling_scope", CapScope, reader, table, cid)
    frequency = _enum(raw, "frequency", Frequency, reader, table, cid)
    _check_scopes(raw, reader, table, cid)
    if raw.get("ceiling_scope_zh") is not None and ceiling_scope is None:
        reader.error("ceiling_scope_zh words the scope of the clause's ceiling in Chinese: give ceiling_scope too",
                     table, "ceiling_scope_zh", cid)
    if ceiling_scope is not None and not (basis == "up_to" and fixed is not None and cap is None
                                          and raw.get("items") is None):
        reader.error('ceiling_scope is the scope of an up_to clause\'s own ceiling (basis = "up_to", a fixed amount, '
                     'no cap, no items; "单个企业每年最高500万元": ceiling_scope = "year"): a cap states its scope in '
                     'cap_scope', table, "ceiling_scope", cid)
    if "frequency" not in raw:
        reader.warn('no frequency: say whether the clause pays on every year\'s figures (frequency = "annual") '
                    'or is a one-off award (frequency = "once"); annual assumed', table, "frequency", cid)
    texts = {k: reader.text(raw, k, table, clause=cid) for k in ("title_zh", "title_en", "quote", "item_label",
                                                                  "base_label", "caveat", "item_label_zh",
                                                                  "base_label_zh", "caveat_zh", "section_zh",
                                                                  "ceiling_scope_zh")}
    section = reader.text(raw, "section", table, required=True, clause=cid)
    notes = reader.texts(raw, "notes", table, cid)
    if not texts["quote"]:
        reader.warn("no quote: quote the sentence of the policy text this clause encodes", table, "quote", cid)
    if not texts["title_zh"]:
        reader.warn("no title_zh", table, "title_zh", cid)
    if not texts["title_en"]:
        reader.warn("no title_en", table, "title_en", cid)
    if basis == "discretionary" and not notes:
        reader.warn("a discretionary clause should say in notes why the text fixes no amount", table, "notes", cid)
    for message, key in _legal_words(texts["quote"] or "", basis, rate is not None, raw.get("conditions")):
        reader.warn(message, table, key, cid)
    if reader.error_count() > before or cid is None or basis is None:
        return None
    return Clause(
        id=cid,
        title_zh=texts["title_zh"],
        title_en=texts["title_en"],
        section=section,
        quote=texts["quote"],
        basis=basis,
        conditions=tuple(conditions),
        items=items,
        item_label=texts["item_label"] or "item",
        base=base,
        base_label=texts["base_label"],
        item_label_zh=texts["item_label_zh"],
        base_label_zh=texts["base_label_zh"],
        caveat_zh=texts["caveat_zh"],
        section_zh=texts["section_zh"],
        rate=rate,
        fixed=fixed,
        minimum=minimum,
        item_cap=item_cap,
        cap=cap,
        cap_scope=cap_scope,
        item_cap_scope=item_cap_scope,
        ceiling_scope=ceiling_scope,
        ceiling_scope_zh=texts["ceiling_scope_zh"],
        frequency=frequency or Frequency.ANNUAL,
        group=group,
        notes=notes,
        caveat=texts["caveat"],
        line=reader.lines.get(table, {}).get("<header>"),
    )


def _check_minimum(raw: Mapping, basis: object, minimum: int | None, fixed: int | None, reader: _Reader,
                   table: tuple[str, int], cid: str | None) -> None:
    """``minimum`` (SPEC 9.2): an up_to clause's stated minimum, on the footing of its ``fixed`` ceiling."""
    if minimum is None or basis == "discretionary":
        return
    if basis != "up_to":
        reader.error("minimum is the stated minimum of an up_to clause (\"每项给予100-200万元\"); an exact clause's "
                     "amount is already certain: remove it", table, "minimum", cid)
    elif raw.get("items") is not None:
        reader.error("minimum is not supported on a per-item clause (items = …): state it per unit of a count base "
                     "(base = \"<count field>\", fixed = ceiling, minimum = floor)", table, "minimum", cid)
    elif fixed is None:
        reader.error("minimum needs fixed beside it (the ceiling, per unit of base or in total, on the same "
                     "footing): e.g. fixed = \"200万\" with minimum = \"100万\"", table, "minimum", cid)
    elif minimum > fixed:
        reader.error(f"minimum {raw.get('minimum')!r} is more than fixed {raw.get('fixed')!r}: the minimum must not "
                     f"exceed the ceiling", table, "minimum", cid)
    elif not raw.get("quote"):
        reader.error("minimum needs the quote of the sentence that states it", table, "minimum", cid)


_E = TypeVar("_E", bound=StrEnum)


def _enum(raw: Mapping, key: str, kind: type[_E], reader: _Reader, table: tuple[str, int],
          cid: str | None) -> _E | None:
    """An enum-valued key (cap_scope, item_cap_scope, frequency): None when absent or wrong."""
    value = raw.get(key)
    if value is None:
        return None
    allowed = [m.value for m in kind]
    if not isinstance(value, str) or value not in allowed:
        close = difflib.get_close_matches(str(value), allowed, n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        reader.error(f"{key} must be one of {', '.join(allowed)}, got {_short(value)}{hint}", table, key, cid)
        return None
    return kind(value)


_SCOPE_HINT = ('as its sentence gives it: 每年/年度 -> "year", 单个项目/每项 -> "project", 每项活动 -> "event", '
               '单台（套） -> "unit", a one-off award -> "once"; a sentence that names no period is "project" when '
               'the base is a project\'s investment, otherwise "once" (never "year" by default)')


#: a ceiling on an amount of money (最高1000万元, 不超过200万元, 最高给予500万元 …): not 最多3个项目, not 最高等级
_CEILING_WORDS = compiled_later(r"(?:最高|不超过|最多)(?:给予|支持|奖励|补助|补贴|资助|可获)?\s*[0-9０-９][0-9０-９,.．]*\s*"
                            r"[万亿千百]*元")
#: a rate that is itself a ceiling, of what is given (不超过5%的补贴): not a condition (资产负债率不超过70%)
_RATE_CEILING = compiled_later(r"(?:不超过|最高)\s*\d+(?:\.\d+)?\s*[%％][^，。；,;]{0,12}?(?:补助|补贴|奖励|资助|给予|贴息)")
_INCLUSIVE = re.compile(r"以上|达到|不低于|不少于")
_EXCLUSIVE = re.compile(r"(?<!不)(?<!不得)(?<!不能)(?<!不会)超过|高于|大于")
_STRICT_TEST = re.compile(r"(?<![<>=!])>(?!=)\s*(?!0(?![\d.]))[\d.]+")  # "> 1亿", never "> 0" (any amount at all)
_INCLUSIVE_TEST = re.compile(r">=\s*[\d.]+")


_CEILING_CODED_EXACT = ("the quote fixes a ceiling (最高 / 不超过) and the clause has no rate: SPEC §3 makes its amount an "
                        "up_to figure, never certain (basis = \"up_to\")")
_RATE_CEILING_CODED_EXACT = ("the quote's rate is itself a ceiling (不超过 r% / 最高 r%): SPEC §3 makes the amount an up_to "
                             "figure (basis = \"up_to\")")
_INCLUSIVE_CODED_STRICT = ("the quote says 以上 / 达到 (the number itself included, SPEC §3) and a condition compares "
                           "with '>': write '>='")
_EXCLUSIVE_CODED_INCLUSIVE = ("the quote says 超过 (the number itself excluded, SPEC §3) and a condition compares with "
                              "'>=': write '>'")


def _legal_words(quote: str, basis: object, has_rate: bool, conditions: object) -> list[tuple[str, str]]:
    """SPEC §3 read against a clause's quote, as warnings (--strict fails on them): a ceiling coded as an exact
    amount, and a threshold whose comparison contradicts its words (以上 includes the number, 超过 excludes it).

    >>> _legal_words("对完成首发上市的，给予最高1000万元奖励", "exact", False, ["ipo_completed"])[0][1]
    'basis'
    >>> _legal_words("营业收入增加1亿元以上的", "exact", True, [{"test": "revenue - revenue_prev > 1亿"}])[0][1]
    'conditions'
    >>> _legal_words("按照研发费用的10%给予补助，每年不超过100万元", "exact", True, [])
    []
    >>> _legal_words("每家企业最多支持3个项目，每个项目奖励50万元；资产负债率不超过70%", "exact", True, [])
    []
    >>> _legal_words("营业收入不得超过5亿元、增加1亿元以上的", "exact", True, [{"test": "growth > 1亿"}])[0][1]
    'conditions'
    """
    out: list[tuple[str, str]] = []
    if basis == "exact" and not has_rate and _CEILING_WORDS().search(quote):
        out.append((_CEILING_CODED_EXACT, "basis"))
    elif basis == "exact" and _RATE_CEILING().search(quote):
        out.append((_RATE_CEILING_CODED_EXACT, "basis"))
    tests = [c if isinstance(c, str) else c.get("test", "") if isinstance(c, dict) else ""
             for c in (conditions if isinstance(conditions, list) else [])]
    tests = [t for t in tests if isinstance(t, str)]
    if _INCLUSIVE.search(quote) and not _EXCLUSIVE.search(quote) and any(_STRICT_TEST.search(t) for t in tests):
        out.append((_INCLUSIVE_CODED_STRICT, "conditions"))
    if _EXCLUSIVE.search(quote) and not _INCLUSIVE.search(quote) and any(_INCLUSIVE_TEST.search(t) for t in tests):
        out.append((_EXCLUSIVE_CODED_INCLUSIVE, "conditions"))
    return out


def _check_scopes(raw: Mapping, reader: _Reader, table: tuple[str, int], cid: str | None) -> None:
    """Every cap states its scope (SPEC 9.1), and a scope belongs to a cap."""
    for cap_key, scope_key in (("cap", "cap_scope"), ("item_cap", "item_cap_scope")):
        if raw.get(cap_key) is not None and raw.get(scope_key) is None:
            reader.error(f'{cap_key} needs {scope_key} = "year", "project", "event", "unit" or "once", '
                         f"{_SCOPE_HINT}", table, cap_key, cid)
        elif raw.get(cap_key) is None and raw.get(scope_key) is not None:
            reader.error(f"{scope_key} without {cap_key}: remove it, or add the {cap_key} it describes",
                         table, scope_key, cid)


def _check_magnitude(base: expr.Expression | None, rate: expr.Expression | None, fixed: int | None,
                     cap: int | None, registry: F.Registry, reader: _Reader, table: tuple[str, int],
                     cid: str | None) -> None:
    """Refuse a formula that can turn the largest inputs into an absurd amount ("revenue * 1e16")."""
    bound_of = _bound_of(registry)
    amount = Fraction(1)
    for e in (base, rate):
        if e is not None:
            amount *= _bound(e.tree, bound_of)
    if fixed is not None:
        amount *= Fraction(fixed, UNITS_PER_YUAN)
    if cap is not None:
        amount = min(amount, Fraction(cap, UNITS_PER_YUAN))
    if amount > MAX_AMOUNT_YUAN:
        digits = len(str(int(amount))) - 1  # integer digits only: the bound may exceed any binary float
        reader.error(f"the amount can reach about 1e+{digits} yuan for the largest inputs (money up to "
                     f"{MAX_YUAN:.0e} yuan, counts up to {MAX_COUNT:,}); at most {MAX_AMOUNT_YUAN:.0e} is allowed: "
                     f"check the constants in base and rate", table, "base" if base is not None else "fixed", cid)


def _check_amount(base: expr.Expression | None, rate: expr.Expression | None, fixed: int | None, dim_of,
                  reader: _Reader, table: tuple[str, int], cid: str | None) -> bool:
    """The amount base × rate (or base × fixed, or fixed) must be money, and a constant rate plausible."""
    before = reader.error_count()
    dims: list[int | None] = []
    for key, e in (("base", base), ("rate", rate)):
        if e is None:
            continue
        try:
            dims.append(_dimension(e.tree, dim_of))
        except _DimensionError as exc:
            reader.error(f"{key} {e.text!r} {exc}", table, key, cid)
            return False
    if fixed is not None:
        dims.append(MONEY_DIM)
    total = sum(d for d in dims if d is not None)
    if total > MONEY_DIM:
        key = "fixed" if fixed is not None else "rate"
        reader.error("the amount multiplies money by money: with a money base use rate = \"x%\"; fixed is an "
                     "amount per unit of a count base", table, key, cid)
    elif total < MONEY_DIM and None not in dims:
        reader.error("the amount is a plain number, not money: base × rate needs a money field (or use "
                     "fixed = \"50万\" per unit of a count)", table, "base", cid)
    if rate is not None:
        value = expr.constant_value(rate)
        if value is not None and value < 0:
            reader.error(f"rate {rate.text!r} is negative", table, "rate", cid)
        elif value is not None and value > MAX_RATE:
            plain = re.fullmatch(r"\s*\d+(\.\d+)?\s*", rate.text) is not None
            hint = f'write a share with % (e.g. "{rate.text.strip()}%")' if plain else "a rate is a share of the base"
            reader.error(f"rate {rate.text[:60]!r} is more than {MAX_RATE * 100}%: {hint}", table, "rate", cid)
        elif value is not None and value > 1:
            reader.warn(f"rate {rate.text!r} is more than 100%", table, "rate", cid)
    return reader.error_count() == before


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

    def resolve(self, name: str, option: str = "--policy") -> tuple[Policy, ...]:
        """The policies a name given by a user stands for (every command matches names this way).

        Without regard to case (and full-width letters, ``_`` for ``-``): a policy id gives that
        policy; a jurisdiction (``nanchang``) or one of its ``jurisdiction_names`` (``南昌``, ``武汉``,
        ``东湖``, ``北京``) gives every policy of that jurisdiction; otherwise a prefix of two or more
        characters that fits exactly one jurisdiction (``wuhan`` -> wuhan-east-lake), else exactly one
        policy id, stands for it. Anything else is an OptionError naming ``option``, with a
        did-you-mean and what is known.
        """
        want = _name_key(name)
        by_id = {_name_key(pid): p for pid, p in self.policies.items()}
        if want in by_id:
            return (by_id[want],)
        places: dict[str, str] = {}  # a key a user may type -> jurisdiction
        for p in sorted(self.policies.values(), key=lambda p: p.id):
            for key in (p.jurisdiction, *p.jurisdiction_names):
                places.setdefault(_name_key(key), p.jurisdiction)
        if want in places:
            return tuple(self.for_jurisdiction(places[want]))
        try:  # a place as a profile's jurisdiction reads it (南昌县, 江西省南昌市, 北京市海淀区, 武汉东湖新技术开发区)
            place = self.registry["jurisdiction"].parse(name) if "jurisdiction" in self.registry else None
        except ValueProblem:
            place = None
        if isinstance(place, str) and self.for_jurisdiction(place):
            return tuple(self.for_jurisdiction(place))
        shown = name.strip()[:80]
        if len(want) >= 2:
            regions = sorted({j for key, j in places.items() if key.startswith(want)})
            if len(regions) == 1:
                return tuple(self.for_jurisdiction(regions[0]))
            ids = sorted(p.id for key, p in by_id.items() if key.startswith(want))
            if not regions and len(ids) == 1:
                return (self.policies[ids[0]],)
            if len(regions) > 1 or len(ids) > 1:
                raise OptionError(f"{shown!r} is ambiguous: it could be {', '.join(regions or ids)}; "
                                  f"write one of them", Location(field=option))
        targets: dict[str, str] = {}  # every key and each of its leading "-" segments -> what to suggest
        for key, target in [*places.items(), *((k, p.id) for k, p in by_id.items())]:
            parts = key.split("-")
            for n in range(len(parts), 0, -1):
                targets.setdefault("-".join(parts[:n]), target)
        close = difflib.get_close_matches(want, list(targets), n=1, cutoff=0.6)
        district = F.district_hint(name)  # 武汉市江汉区: not East Lake, said so (no "did you mean" it)
        hint = district or (f' (did you mean "{targets[close[0]]}"?)' if close else "")
        raise OptionError(f"unknown policy or jurisdiction {shown!r}{hint}; jurisdictions: "
                          f"{', '.join(self.jurisdictions())}; policies: {', '.join(sorted(self.policies))}",
                          Location(field=option))


def _name_key(name: str) -> str:
    """How names are compared: NFKC (full-width letters), case-folded, "_" and spaces as "-"."""
    return re.sub(r"[\s_]+", "-", unicodedata.normalize("NFKC", name).strip().casefold())


#: industry tags, jurisdiction names and output headings (words, not a policy), in a folder of their own
#: so that no glob for policy tables picks them up
VOCABULARY_FILE = "vocabulary/vocabulary.toml"


def load_general_fields(directory: Path) -> F.Registry:
    path = directory / "fields.toml"
    try:
        data, text = read_toml(path, TomlKind.FIELDS)
    except InputError as exc:
        raise PolicyError(exc.message, exc.location) from None
    reader = _Reader(str(path), text)
    words, _ = _read(directory / VOCABULARY_FILE) if (directory / VOCABULARY_FILE).is_file() else ({}, "")
    vocabularies = {name: F.vocabulary_from(name, words.get(name, {})) for name in ("industries", "jurisdictions")}
    fields = load_fields(data.get("fields", {}), reader, "general", vocabularies=vocabularies)
    return F.Registry({f.name: f for f in fields}, dict(words.get("columns", {})), vocabularies)


def extra_dirs(explicit: Iterable[str | Path] = ()) -> list[Path]:
    dirs = [Path(d) for d in explicit]
    env = os.environ.get(ENV_DIRS, "")
    dirs += [Path(d) for d in env.split(os.pathsep) if d.strip()]
    return dirs


def load_references(directory: Path) -> dict[str, ReferenceTable]:
    """The dated reference tables (the LPR) in ``directory/reference``."""
    references = {}
    for ref in sorted((directory / "reference").glob("*.toml")):
        table = load_reference(ref)
        references[table.id] = table
    return references


def load_catalog(extra: Iterable[str | Path] = ()) -> Catalog:
    """The bundled policies plus any in ``extra`` directories (which may replace a bundled id).

    Within one directory two files may not share a policy id, and no two
    policies may declare the same field with different types. The bundled
    catalogue alone (no ``extra`` directory) is kept between runs
    (:mod:`.catalog_cache`).
    """
    base = package_policies_dir()
    dirs = extra_dirs(extra)
    if not dirs:
        from .catalog_cache import cached

        return cached(base, lambda: _load_catalog(base, []))
    return _load_catalog(base, dirs)


def _load_catalog(base: Path, extra: list[Path]) -> Catalog:
    """The catalogue read from the files: the bundled directory ``base``, then each of ``extra`` in order."""
    general = load_general_fields(base)
    references = load_references(base)
    policies: dict[str, Policy] = {}
    sources: dict[str, str] = {}
    dirs = [base, *extra]
    for d in dirs[1:]:
        if not d.is_dir():
            raise InputError("policies directory not found", Location(file=str(d)))
    for d in dirs:
        here: dict[str, str] = {}
        for p in sorted(d.glob("*.toml")):
            if p.name == "fields.toml" or p.name.endswith(".cases.toml"):
                continue
            pol = load_policy(p, general, references)
            if pol.id in here and here[pol.id] != str(p):
                raise PolicyError(f"policy id {pol.id!r} is already used by {here[pol.id]}",
                                  Location(file=str(p), field="id"))
            if d is not base and pol.id in policies:  # an added directory replaces a bundled (or earlier) table
                earlier = policies[pol.id]
                bundled = earlier.replaces_bundled or (earlier.path if Path(earlier.path).parent == base else None)
                if bundled is not None:
                    pol = replace(pol, replaces_bundled=bundled)
            here[pol.id] = str(p)
            policies[pol.id] = pol
            sources[pol.id] = str(p)
    for pol in policies.values():
        for problem in field_conflicts(pol, policies.values()):
            raise PolicyError(problem.message, problem.location)
    registry = general
    for pol in policies.values():
        registry = registry.merged(pol.fields)
    registry = registry.with_known_tags(t for pol in policies.values() for t in pol.industries)
    return Catalog(policies, registry, references, sources)


def _bundled_of(pid: str, catalog: Catalog) -> str | None:
    """The path of the bundled policy ``pid`` in ``catalog`` (whether or not an added table replaced it)."""
    loaded = catalog.policies.get(pid)
    if loaded is None:
        return None
    if loaded.replaces_bundled is not None:
        return loaded.replaces_bundled
    return loaded.path if Path(loaded.path).parent == package_policies_dir() else None


def _id_line(path: Path) -> int | None:
    """The line of ``id = …`` in the [policy] table of a file that has just been read."""
    try:
        text = read_bytes(path, TomlKind.POLICY).decode("utf-8-sig")
    except (InputError, UnicodeDecodeError):  # pragma: no cover - it was read a moment ago
        return None
    return line_index(text).get(("policy", 0), {}).get("id")


def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:  # pragma: no cover - an unresolvable path is not the same file
        return False


def _same_bytes(a: str | Path, b: str | Path) -> bool:
    try:
        return Path(a).read_bytes() == Path(b).read_bytes()
    except OSError:
        return False


def cap_yuan(units: int | None) -> Fraction | None:
    return None if units is None else Fraction(units, UNITS_PER_YUAN)
