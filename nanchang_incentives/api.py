"""The Python API behind every command (the CLI is a thin skin over this).

>>> from nanchang_incentives.api import load, calculate   # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from .engine import Options, PolicyResult, explain, run_policy
from .errors import InputError, Location
from .policy import Catalog, Policy, load_catalog
from .profile import Profile, load_profile, table_of


def load(policies_dirs: Iterable[str | Path] = ()) -> Catalog:
    """Every bundled policy (plus extra directories)."""
    return load_catalog(policies_dirs)


def policies_for(profile: Profile, catalog: Catalog, policy_ids: Sequence[str] = ()) -> list[Policy]:
    """The policies to evaluate: the --policy ids given, else the profile's jurisdiction's."""
    if policy_ids:
        return [catalog.get(pid) for pid in policy_ids]
    jurisdiction = profile.get("jurisdiction")
    loc = Location(file=profile.source, line=profile.lines.get("jurisdiction"), field="jurisdiction")
    if jurisdiction is None:
        raise InputError(f"missing; add jurisdiction = \"{catalog.jurisdictions()[0]}\" "
                         f"(one of {', '.join(catalog.jurisdictions())}) or pass --policy ID", loc)
    found = catalog.for_jurisdiction(str(jurisdiction))
    if not found:
        raise InputError(f"no policy for jurisdiction {jurisdiction!r}; known: {', '.join(catalog.jurisdictions())}",
                         loc)
    return found


def require_year(profile: Profile, options: Options) -> None:
    if options.year is None and profile.get("year") is None:
        raise InputError("missing; add year = 2024 (the fiscal year the figures describe) or pass --year",
                         Location(file=profile.source, field="year"))


def calculate(profile: Profile, policies: Sequence[Policy], catalog: Catalog,
              options: Options = Options()) -> list[PolicyResult]:
    """Evaluate one company under each policy (a batch of one through the engine)."""
    require_year(profile, options)
    table = table_of([profile], catalog.registry)
    return [explain(run_policy(table, p, catalog, options), 0, catalog) for p in policies]


def relocated(profile: Profile, jurisdiction: str) -> Profile:
    """The same company as if it were located in ``jurisdiction`` (site selection)."""
    return profile.with_values(jurisdiction=jurisdiction)


@dataclass(frozen=True)
class Comparison:
    profile: Profile
    cities: tuple[str, ...]
    results: tuple[PolicyResult, ...]


def compare(profile: Profile, cities: Sequence[str], catalog: Catalog, options: Options = Options()) -> Comparison:
    """Evaluate the same profile as if located in each city, side by side."""
    results: list[PolicyResult] = []
    for city in cities:
        moved = relocated(profile, city)
        results.extend(calculate(moved, policies_for(moved, catalog), catalog, options))
    return Comparison(profile, tuple(cities), tuple(results))


def load_company(path: str | Path, catalog: Catalog) -> Profile:
    return load_profile(path, catalog.registry)
