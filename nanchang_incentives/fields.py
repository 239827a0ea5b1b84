"""Company-profile fields: their types, how to read them, and their defaults.

The general fields (SPEC §4) are declared in ``policies/fields.toml``; each
policy table declares the fields its clauses read in its own ``[fields]``
table, so a new city brings its fields with it and no code changes.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from . import expr
from .errors import ValueProblem
from .money import (
    RATE_DENOMINATOR,
    UNITS_PER_YUAN,
    parse_bool,
    parse_count,
    parse_money,
    parse_rate,
    parse_year,
)

MONEY = "money"
MONEY_LIST = "money_list"
COUNT = "count"
BOOL = "bool"
RATE = "rate"
YEAR = "year"
TEXT = "text"
TAGS = "tags"
TYPES = (MONEY, MONEY_LIST, COUNT, BOOL, RATE, YEAR, TEXT, TAGS)

#: denominator of a numeric field's stored integers (money in 1/10000 yuan)
DENOMINATOR = {MONEY: UNITS_PER_YUAN, MONEY_LIST: UNITS_PER_YUAN, COUNT: 1, YEAR: 1, RATE: RATE_DENOMINATOR}
#: largest stored integer of a numeric field (for overflow bounds)
BOUND = {MONEY: 10**17, MONEY_LIST: 10**17, COUNT: 10**7, YEAR: 2100, RATE: RATE_DENOMINATOR}

EXAMPLES = {
    MONEY: '1200000, "1,200,000", "120万", "2.5亿元"',
    MONEY_LIST: '["300万", "150万"], or one amount "300万" (in CSV: "300万;150万")',
    COUNT: "3",
    BOOL: "true or false (CSV also 1/0, yes/no, 是/否)",
    RATE: '"3.45%"',
    YEAR: "2024",
    TEXT: '"Example Co."',
    TAGS: '["electronic-information", "led"] (in CSV: "electronic-information;led")',
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    title: str = ""
    description: str = ""
    #: another field whose value stands in when this one is missing ("revenue"),
    #: or "reference:<series>" for a dated reference table (the LPR)
    default: str | None = None
    choices: tuple[str, ...] = ()
    declared_by: str = "general"

    @property
    def kind(self) -> str | None:
        """The expression kind of this field (None: not usable in expressions)."""
        if self.type in (MONEY, COUNT, RATE, YEAR):
            return expr.NUMBER
        if self.type == BOOL:
            return expr.BOOL
        if self.type == TAGS:
            return expr.TAGS
        return None

    def parse(self, value: object, *, csv: bool = False) -> object:
        """A raw TOML/CSV value -> the typed value the engine stores."""
        parser = _PARSERS[self.type]
        parsed = parser(value, csv)
        if self.choices and parsed not in self.choices:
            raise ValueProblem(f"expected one of {', '.join(self.choices)}, got {value!r}")
        return parsed


def _text(value: object, csv: bool) -> str:
    if not isinstance(value, str):
        raise ValueProblem(f"expected text, got {value!r}")
    text = value.strip()
    if len(text) > 500:
        raise ValueProblem("text longer than 500 characters")
    return text


def _split(value: object, csv: bool) -> list[object]:
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        return [part.strip() for part in text.replace("；", ";").split(";") if part.strip()]
    raise ValueProblem(f"expected a list, got {value!r}")


def _money_list(value: object, csv: bool) -> tuple[int, ...]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = [value]  # one amount is a list of one (one project); a text amount is split below
    items = _split(value, csv)
    if len(items) > 1000:
        raise ValueProblem("more than 1000 items in one list")
    out = []
    for i, item in enumerate(items, 1):
        try:
            out.append(parse_money(item))
        except ValueProblem as exc:
            raise ValueProblem(f"item {i}: {exc}") from None
    return tuple(out)


def _tags(value: object, csv: bool) -> tuple[str, ...]:
    items = _split(value, csv)
    if len(items) > 50:
        raise ValueProblem("more than 50 tags")
    out = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ValueProblem(f"expected tags as text, got {item!r}")
        out.append(item.strip().lower())
    return tuple(out)


def _rate_units(value: object, csv: bool) -> int:
    return int(parse_rate(value) * RATE_DENOMINATOR)


_PARSERS: dict[str, Callable[[object, bool], object]] = {
    MONEY: lambda v, csv: parse_money(v),
    MONEY_LIST: _money_list,
    COUNT: lambda v, csv: parse_count(v),
    BOOL: lambda v, csv: parse_bool(v),
    RATE: _rate_units,
    YEAR: lambda v, csv: parse_year(v),
    TEXT: _text,
    TAGS: _tags,
}


@dataclass(frozen=True)
class Registry:
    """All known fields: the general ones and every loaded policy's."""

    fields: dict[str, Field] = field(default_factory=dict)

    def __contains__(self, name: str) -> bool:
        return name in self.fields

    def __getitem__(self, name: str) -> Field:
        return self.fields[name]

    def get(self, name: str) -> Field | None:
        return self.fields.get(name)

    def kind_of(self, name: str) -> str | None:
        f = self.fields.get(name)
        return f.kind if f else None

    def suggest(self, name: str) -> str:
        """ ' (did you mean "revenue"?)' or '' """
        close = difflib.get_close_matches(name, list(self.fields), n=1, cutoff=0.6)
        if not close:
            lowered = {k.lower(): k for k in self.fields}
            if name.lower() in lowered:
                close = [lowered[name.lower()]]
        return f' (did you mean "{close[0]}"?)' if close else ""

    def merged(self, extra: Iterable[Field]) -> Registry:
        out = dict(self.fields)
        for f in extra:
            out.setdefault(f.name, f)
        return Registry(out)
