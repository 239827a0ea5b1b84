"""Dated reference tables (the LPR): which rate was in force on a given day."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from .errors import InputError, Location, PolicyError, ValueProblem
from .money import parse_rate
from .tomlio import TomlKind, read_toml


@dataclass(frozen=True)
class Quote:
    date: dt.date
    rates: dict[str, Fraction]
    source: str


@dataclass(frozen=True)
class Lookup:
    series: str
    rate: Fraction
    effective: dt.date
    as_of: dt.date
    unconfirmed: bool  # as_of is after the last confirmed release


@dataclass(frozen=True)
class ReferenceTable:
    id: str
    title: str
    confirmed_through: dt.date
    series: tuple[str, ...]
    quotes: tuple[Quote, ...]

    def as_of(self, series: str, day: dt.date) -> Lookup | None:
        """The quote in force on ``day`` (None before the first quote)."""
        dates = [q.date for q in self.quotes]
        i = bisect.bisect_right(dates, day) - 1
        if i < 0:
            return None
        q = self.quotes[i]
        return Lookup(series, q.rates[series], q.date, day, day > self.confirmed_through)

    def year_end(self, series: str, year: int) -> Lookup | None:
        """The rate in force on 31 December of ``year``."""
        return self.as_of(series, dt.date(year, 12, 31))


def load_reference(path: Path) -> ReferenceTable:
    try:
        data, _ = read_toml(path, TomlKind.REFERENCE)
    except InputError as exc:
        raise PolicyError(exc.message, exc.location) from None
    loc = Location(file=str(path))
    try:
        meta = data["reference"]
        series = tuple(meta["series"])
        quotes = []
        for raw in data["quotes"]:
            rates = {s: parse_rate(raw[s]) for s in series}
            if not isinstance(raw["date"], dt.date):
                raise PolicyError(f"quote date {raw['date']!r} is not a date such as 2024-02-20", loc)
            quotes.append(Quote(raw["date"], rates, str(raw.get("source", ""))))
    except (KeyError, TypeError) as exc:
        raise PolicyError(f"reference table is missing {exc}", loc) from None
    except ValueProblem as exc:
        raise PolicyError(str(exc), loc) from None
    quotes.sort(key=lambda q: q.date)
    for a, b in itertools.pairwise(quotes):
        if a.date == b.date:
            raise PolicyError(f"two quotes for {a.date}", loc)
    return ReferenceTable(str(meta["id"]), str(meta.get("title", "")), meta["confirmed_through"], series,
                          tuple(quotes))
