"""Company profiles: one from a TOML file, and many as columns for the engine.

``load_profile`` reads ``company.toml`` and checks every value against the
field registry: unknown names get a did-you-mean, bad values an error naming
the file, line, field, what was expected and an example.

``Table`` holds any number of profiles as columns (numpy arrays plus a
``present`` mask per field), which is what the engine evaluates; ``calc`` is a
table of one row, ``batch`` a table per chunk of the CSV.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import fields as F
from .errors import InputError, Location, ValueProblem, raise_unheld
from .tomlio import TomlKind, read_toml


@dataclass(frozen=True)
class Profile:
    """One company's typed values (missing fields are simply absent)."""

    values: Mapping[str, object]
    source: str | None = None
    lines: Mapping[str, int] = field(default_factory=dict)
    row: int | None = None
    #: plausibility warnings (``plausibility.PlausibilityWarning``): values that parse but look like a slip
    warnings: tuple = ()

    @property
    def name(self) -> str:
        if self.values.get("name"):
            return str(self.values["name"])
        return "company" if not self.source or self.source == "-" else Path(self.source).stem  # ("-": stdin)

    def get(self, key: str, default: object = None) -> object:
        return self.values.get(key, default)

    def with_values(self, **changes: object) -> Profile:
        values = dict(self.values)
        for k, v in changes.items():
            if v is None:
                values.pop(k, None)
            else:
                values[k] = v
        return Profile(values, self.source, self.lines, self.row, self.warnings)


def key_lines(text: str) -> dict[str, int]:
    """Line number of each top-level ``key = …`` in a TOML text (first occurrence)."""
    out: dict[str, int] = {}
    pattern = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_\-]+))\s*=""")
    # a "[revenue]" header makes a top-level key too (rejected as a table, with its line);
    # the keys under a header belong to that table, not to the profile
    header = re.compile(r"""^\s*\[\[?\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_\-]+))\s*(?:\.[^\]]*)?\]\]?\s*(?:#.*)?$""")
    in_table = False
    for number, line in enumerate(text.splitlines(), 1):
        h = header.match(line)
        if h:
            out.setdefault(h.group(1) or h.group(2) or h.group(3), number)
            in_table = True
            continue
        m = pattern.match(line)
        if m and not in_table:
            out.setdefault(m.group(1) or m.group(2) or m.group(3), number)
    return out


class ProfileProblems(InputError):
    """Several problems in one profile, all reported at once (like ``policies validate``)."""

    def __init__(self, problems: Sequence[InputError], where: Location):
        self.problems = tuple(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problems; fix them all before running again:\n{lines}", where)


#: a spreadsheet cell holding only a dash (after ¥/￥ or not): what Excel's 会计专用 (accounting) format shows for 0,
#: and so what its CSV export saves (" ￥-   "), and what a hand-typed "-" means, "none" or "not applicable".
#: Which of them is unknowable, so in a sheet (never in a TOML profile) it is read as an empty cell: no figure,
#: never a 0 that would pass or fail a condition (a revenue_prev of 0 is growth of the whole revenue).
#: The same for the other marks of "none" a Chinese table is typed with: a dash of any width (— and ——, the
#: usual one; –, ―, −), a slash (/ or ／, "not applicable").
ACCOUNTING_DASH = re.compile(r"(?:[¥￥]\s*)?(?:[-－–―‐−]|—{1,2}|[/／])")
DASH_IS_EMPTY = frozenset({F.MONEY, F.MONEY_LIST, F.COUNT, F.RATE, F.YEAR})


#: a key with a unit in brackets after a field's name, as a spreadsheet heading has it: 营业收入（万元）
_KEY_UNIT = re.compile(r"(.+?)\s*[（(【\[]\s*(万元|亿元|千元|百万元|元|万|亿|千|百万)\s*[）)】\]]")


def _example_value(value: object, unit: str) -> str:
    """The value with the key's unit, as the example of a message writes it ("35000万元" for 35000 under 万元; a
    text that has a unit already, "3.5亿", as it is)."""
    if isinstance(value, str) and re.search(r"[^\d.,\s]", value):
        return value
    number = str(value) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else "35000"
    return number + (unit if unit != "元" else "")


#: a profile's problems worded one by one; unknown fields beyond them are counted
PROBLEMS_SHOWN = 50


def parse_values(raw: Mapping[str, object], registry: F.Registry, *, csv: bool = False,
                 where: Location | None = None, lines: Mapping[str, int] | None = None,
                 required: Mapping[str, str] | None = None,
                 checks: Mapping[str, Callable[[object], str | None]] | None = None) -> dict[str, object]:
    """Check and type each raw value, under its name or any alias of it (营业收入 = revenue).

    Every problem is collected: one raises its InputError, several a
    ``ProfileProblems`` listing them all (file:line, field, value, expected, example).
    ``required``: field -> what to say when it is not given at all (listed after the other problems).
    ``checks``: field -> a test of its typed value (a message, or None when it is fine), listed with the others.
    """
    values: dict[str, object] = {}
    given_as: dict[str, str] = {}
    problems: list[InputError] = []
    nested: set[str] = set()  # fields written under a table heading: not also reported as missing
    unknown_more = 0  # unknown fields past the first PROBLEMS_SHOWN problems: counted, not worded
    for key, value in raw.items():
        loc = Location(file=where.file if where else None, row=where.row if where else None,
                       line=(lines or {}).get(key), field=key)
        name = registry.resolve(key)
        inner = {registry.resolve(str(k)) for k in value} - {None} if name is None and isinstance(value, dict) else set()
        if inner:
            # a [company] heading above the fields (as in other tools' config files): they are read inside it
            problems.append(InputError(f"a [{key}] table heading: a profile's fields are written at the top of the "
                                       f"file, with no heading above them; delete the line [{key}]", loc))
            nested.update(inner)  # type: ignore[arg-type]
            continue
        if name is None:
            if len(problems) >= PROBLEMS_SHOWN:  # (60,000 keys of nonsense: not 60,000 did-you-means)
                unknown_more += 1
                continue
            unit = _KEY_UNIT.fullmatch(str(key).strip())
            field = registry.resolve(unit.group(1).strip()) if unit else None
            if unit and field is not None:  # "营业收入（万元）" = 35000: the hint "营业收入" read 35000 as yuan
                problems.append(InputError(
                    f"the key names {field} with a unit ({unit.group(2)}), which a profile does not read from a key: "
                    f"write the field alone and the unit with the value, \"{unit.group(1).strip()}\" = "
                    f"\"{_example_value(value, unit.group(2))}\" (a bare number is yuan)", loc))
                continue
            problems.append(InputError(f"unknown field{registry.suggest(key)}; see the field reference in the README",
                                       loc))
            continue
        if name != key:
            loc = Location(file=loc.file, row=loc.row, line=loc.line, field=f"{key} ({name})")
        if name in given_as:
            first = given_as[name]
            at = f" (line {lines[first]})" if lines and first in lines else ""
            problems.append(InputError(f"{name} is given twice: as {first!r}{at} and as {key!r}; keep one", loc))
            continue
        given_as[name] = key
        spec = registry[name]
        if isinstance(value, dict):
            problems.append(InputError(f"expected a value, got a table; write {key} = <value>", loc))
            continue
        if csv and isinstance(value, str) and F.has_invisible(value):  # ("\u200b" alone is an empty cell)
            value = F.visible_part(value)
        if csv and isinstance(value, str) and (value.strip() == "" or (
                spec.type in DASH_IS_EMPTY and ACCOUNTING_DASH.fullmatch(value.strip()))):
            continue
        try:
            values[name] = spec.parse(value, csv=csv)
            check = (checks or {}).get(name)
            message = check(values[name]) if check is not None and values[name] is not None else None
            if message:
                problems.append(InputError(message, loc))
        except ValueProblem as exc:
            problems.append(InputError(value_message(exc, spec), loc))
    if unknown_more:
        problems.append(InputError(f"… and {unknown_more:,} more unknown field{'s' if unknown_more != 1 else ''}, not "
                                   f"listed one by one: is this a company profile?",
                                   Location(file=where.file if where else None, row=where.row if where else None)))
    for name, missing in (required or {}).items():
        if name not in given_as and name not in nested:
            problems.append(InputError(missing, Location(file=where.file if where else None,
                                                         row=where.row if where else None, field=name)))
    if problems:  # (not kept in a local: see raise_unheld)
        raise_unheld(problems.pop() if len(problems) == 1 else ProfileProblems(
            problems, Location(file=where.file if where else None, row=where.row if where else None)))
    return values


def value_message(exc: ValueProblem, spec: F.Field) -> str:
    """A refused value's message, saying once what is expected (the same words in calc and batch)."""
    text = str(exc)
    if not text.startswith("expected ") and "; expected " not in text and "(expected " not in text:
        text += f" (expected {F.EXAMPLES[spec.type]})"
    return text


def load_profile(path: str | Path, registry: F.Registry, required: Mapping[str, str] | None = None,
                 checks: Mapping[str, Callable[[object], str | None]] | None = None) -> Profile:
    """A TOML profile, typed and checked, with its plausibility warnings (``required``, ``checks``: see
    ``parse_values``)."""
    from .plausibility import check_table

    path = Path(path)
    data, text = read_toml(path, TomlKind.PROFILE)  # a regular file, bounded in size and nesting
    if not data:  # (it said "jurisdiction missing; year missing", as for a profile short of two fields)
        what = "only comments" if text.strip() else "empty"
        raise InputError(f"the profile is {what}: write the company's fields, one per line, e.g. name = \"甲公司\", "
                         f"jurisdiction = \"nanchang\", year = 2024, revenue = \"3亿\" (see samples/*.toml)",
                         Location(file=str(path)))
    raw_lines = key_lines(text)
    values = parse_values(data, registry, where=Location(file=str(path)), lines=raw_lines, required=required,
                          checks=checks)
    lines = {**raw_lines, **{registry.resolve(k) or k: n for k, n in raw_lines.items()}}
    profile = Profile(values, str(path), lines)
    warnings = check_table(table_of([profile], registry), registry).for_row(0)
    return Profile(values, str(path), lines, warnings=warnings)


# ---------------------------------------------------------------- columns


@dataclass
class Column:
    """A scalar field over many companies: integer (or bool) values + presence."""

    values: np.ndarray
    present: np.ndarray


@dataclass
class ListColumn:
    """A list field (per project / event / unit): CSR layout."""

    offsets: np.ndarray  # int64, n+1
    flat: np.ndarray  # int64 item values
    present: np.ndarray


@dataclass
class TagColumn:
    """A list of tags per company as a bit mask over a small vocabulary."""

    masks: np.ndarray  # int64
    vocab: dict[str, int]
    present: np.ndarray
    values: list[tuple[str, ...] | None]


@dataclass
class TextColumn:
    values: list[str | None]
    present: np.ndarray


@dataclass
class Table:
    """Many profiles as columns; ``rows[i]`` is the input row number (or None)."""

    n: int
    columns: dict[str, Column | ListColumn | TagColumn | TextColumn]
    rows: list[int | None]

    def present(self, name: str) -> np.ndarray:
        col = self.columns.get(name)
        return col.present if col is not None else np.zeros(self.n, dtype=bool)

    def scalar(self, name: str) -> Column | None:
        col = self.columns.get(name)
        return col if isinstance(col, Column) else None

    def text(self, name: str, i: int) -> str | None:
        col = self.columns.get(name)
        return col.values[i] if isinstance(col, TextColumn) else None

    def python_value(self, name: str, i: int) -> object:
        """The typed value of one cell (for explanations), None when missing."""
        col = self.columns.get(name)
        if col is None or not col.present[i]:
            return None
        if isinstance(col, Column):
            v = col.values[i]
            return bool(v) if col.values.dtype == bool else int(v)
        if isinstance(col, ListColumn):
            return tuple(int(x) for x in col.flat[col.offsets[i]:col.offsets[i + 1]])
        return col.values[i]

    def take(self, i: int) -> Table:
        """A one-row table (row i)."""
        return from_values([{k: self.python_value(k, i) for k in self.columns
                             if self.python_value(k, i) is not None}],
                           {k: _type_of(c) for k, c in self.columns.items()}, [self.rows[i]])


def _type_of(col: object) -> str:
    if isinstance(col, ListColumn):
        return F.MONEY_LIST
    if isinstance(col, TagColumn):
        return F.TAGS
    if isinstance(col, TextColumn):
        return F.TEXT
    assert isinstance(col, Column)
    return F.BOOL if col.values.dtype == bool else F.COUNT


def from_values(records: Sequence[Mapping[str, object]], types: Mapping[str, str],
                rows: Sequence[int | None] | None = None) -> Table:
    """Build columns from typed records (dicts of field -> parsed value)."""
    n = len(records)
    columns: dict[str, Column | ListColumn | TagColumn | TextColumn] = {}
    for name, ftype in types.items():
        present = np.fromiter((name in r for r in records), dtype=bool, count=n)
        if not present.any():
            continue
        if ftype == F.BOOL:
            vals = np.fromiter((bool(r.get(name, False)) for r in records), dtype=bool, count=n)
            columns[name] = Column(vals, present)
        elif ftype in (F.MONEY, F.COUNT, F.RATE, F.YEAR):
            vals = np.fromiter((int(r.get(name, 0)) for r in records), dtype=np.int64, count=n)  # type: ignore[call-overload]
            columns[name] = Column(vals, present)
        elif ftype == F.MONEY_LIST:
            lists: list[tuple] = [tuple(r.get(name, ())) for r in records]  # type: ignore[arg-type]
            offsets = np.zeros(n + 1, dtype=np.int64)
            offsets[1:] = np.cumsum([len(x) for x in lists])
            flat = np.fromiter((v for x in lists for v in x), dtype=np.int64, count=int(offsets[-1]))
            columns[name] = ListColumn(offsets, flat, present)
        elif ftype == F.TAGS:
            columns[name] = tag_column([r.get(name) for r in records])  # type: ignore[misc]
        else:
            columns[name] = TextColumn([r.get(name) for r in records], present)  # type: ignore[misc]
    return Table(n, columns, list(rows) if rows is not None else [None] * n)


def tag_column(values: Sequence[tuple[str, ...] | None]) -> TagColumn:
    vocab: dict[str, int] = {}
    masks = np.zeros(len(values), dtype=np.int64)
    present = np.zeros(len(values), dtype=bool)
    cache: dict[tuple[str, ...], int] = {}
    for i, tags in enumerate(values):
        if tags is None:
            continue
        present[i] = True
        m = cache.get(tags)
        if m is None:
            m = 0
            for t in tags:
                if t not in vocab:
                    vocab[t] = len(vocab)
                if vocab[t] < 62:
                    m |= 1 << vocab[t]
            cache[tags] = m
        masks[i] = m
    return TagColumn(masks, vocab, present, list(values))


def table_of(profiles: Sequence[Profile], registry: F.Registry) -> Table:
    types = {name: registry[name].type for p in profiles for name in p.values}
    return from_values([p.values for p in profiles], types, [p.row for p in profiles])
