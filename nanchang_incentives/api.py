"""The Python API behind every command (the CLI is a thin skin over this).

    catalog = load()
    profile = load_company("samples/nanchang-si-led-maker.toml", catalog)
    results = calculate(profile, policies_for(profile, catalog), catalog)
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from . import fields as F
from .engine import AmountOverflow, Options, PolicyResult, explain, run_policy
from .errors import InputError, Location, OptionError
from .money import YEAR_MAX, YEAR_MIN, format_units
from .policy import Catalog, Policy, load_catalog
from .profile import Profile, load_profile, table_of
from .trace import Notice, NoticeKind

#: calc with no --year and validity respected
DEFAULT_OPTIONS = Options()


def load(policies_dirs: Iterable[str | Path] = ()) -> Catalog:
    """Every bundled policy (plus extra directories)."""
    return load_catalog(policies_dirs)


def resolve_policies(names: Sequence[str], catalog: Catalog, option: str = "--policy") -> list[Policy]:
    """The policies named (ids, jurisdictions, Chinese names, prefixes: ``Catalog.resolve``), without repeats."""
    out: list[Policy] = []
    for name in names:
        if not name.strip():
            continue
        for p in catalog.resolve(name, option):
            if p not in out:
                out.append(p)
    if not out:
        what = "city" if option == "--cities" else "policy"
        raise OptionError(f"no {what} given; jurisdictions: {', '.join(catalog.jurisdictions())}",
                          Location(field=option))
    return out


def policies_for(profile: Profile, catalog: Catalog, policy_ids: Sequence[str] = ()) -> list[Policy]:
    """The policies to evaluate: the --policy names given (see ``resolve_policies``), else the profile's
    jurisdiction's."""
    if policy_ids:
        return resolve_policies(policy_ids, catalog)
    jurisdiction = profile.get("jurisdiction")
    loc = Location(file=profile.source, line=profile.lines.get("jurisdiction"), field="jurisdiction")
    if jurisdiction is None:
        raise InputError(_missing_jurisdiction(catalog), loc)
    unknown = _unknown_jurisdiction(jurisdiction, catalog)
    if unknown:
        raise InputError(unknown, loc)
    return catalog.for_jurisdiction(str(jurisdiction).strip().lower())


def _unknown_jurisdiction(jurisdiction: object, catalog: Catalog) -> str | None:
    """What to say of a jurisdiction no loaded policy is for (None when some policy is)."""
    if catalog.for_jurisdiction(str(jurisdiction).strip().lower()):
        return None
    known = catalog.jurisdictions()
    close = difflib.get_close_matches(str(jurisdiction).strip().lower(), known, n=1, cutoff=0.3)
    hint = f' (did you mean "{close[0]}"?)' if close else ""
    return (f"no policy for jurisdiction {jurisdiction!r}{hint}{F.district_hint(jurisdiction)}; known: "
            f"{', '.join(known)}")


def require_year(profile: Profile, options: Options) -> None:
    if options.year is not None and not YEAR_MIN <= options.year <= YEAR_MAX:
        raise OptionError(f"--year {options.year}: expected a fiscal year between {YEAR_MIN} and {YEAR_MAX}, "
                          f"e.g. --year 2024", Location(field="year"))
    if options.year is None and profile.get("year") is None:
        raise InputError(MISSING_YEAR, Location(file=profile.source, field="year"))


MISSING_YEAR = "missing; add year = 2024 (the fiscal year the figures describe) or pass --year"


def _missing_jurisdiction(catalog: Catalog) -> str:
    return (f"missing; add jurisdiction = \"{catalog.jurisdictions()[0]}\" "
            f"(one of {', '.join(catalog.jurisdictions())}) or pass --policy ID")


def calculate(profile: Profile, policies: Sequence[Policy], catalog: Catalog,
              options: Options = DEFAULT_OPTIONS, *, evaluated: Sequence[Policy] = ()) -> list[PolicyResult]:
    """Evaluate one company under each policy (a batch of one through the engine).

    ``evaluated``: the other policies the caller evaluates for the same company (``compare``): a field one of
    them reads is not reported as unread.
    """
    require_year(profile, options)
    table = table_of([profile], catalog.registry)
    try:
        results = [explain(run_policy(table, p, catalog, options), 0, catalog) for p in policies]
    except AmountOverflow as exc:
        raise overflow_error(exc, profile, catalog.registry) from None
    first = leading_notices(profile, [*policies, *evaluated], catalog)
    return [replace(r, notices=first + r.notices) for r in results] if first else results


def leading_notices(profile: Profile, policies: Sequence[Policy], catalog: Catalog) -> tuple[Notice, ...]:
    """The notices about the profile itself, first in every result's (the table, JSON `warnings`): its
    plausibility warnings, then the fields given that only a policy not evaluated reads (a Nanchang profile
    with Beijing's breakthrough_investment: it changes nothing here, and the reader should know)."""
    first = tuple(Notice(NoticeKind.PLAUSIBILITY, fields=tuple(w.fields), text=w.message, text_zh=w.message_zh)
                  for w in profile.warnings)
    chosen = {p.id for p in policies}
    read = {name for p in policies for c in p.clauses for name in c.names()}
    unread = [(name, catalog.registry[name].declared_by) for name in profile.values
              if name in catalog.registry and name not in read
              and catalog.registry[name].declared_by in catalog.policies.keys() - chosen]
    if unread:
        first += (Notice(NoticeKind.UNREAD_FIELDS, fields=tuple(n for n, _ in unread),
                         policies=tuple(pid for _, pid in unread)),)
    return first


def overflow_error(exc: AmountOverflow, profile: Profile, registry: F.Registry | None = None) -> InputError:
    """An amount beyond 10万亿 yuan, located at the profile's file:line and the field that makes it (its value
    in yuan, as written: never the engine's units of 1/10000 yuan)."""
    given = [f for f in exc.fields if profile.get(f) is not None] or list(exc.fields)
    name = given[0] if given else None
    value = profile.get(name) if name else None
    spec = registry.get(name) if registry is not None and name else None
    if spec is not None and spec.type in (F.MONEY, F.MONEY_LIST) and value is not None:
        value = [format_units(int(v)) for v in value] if isinstance(value, (list, tuple)) else \
            format_units(int(value))  # type: ignore[call-overload]
    shown = f" ({name} = {_clip_value(value)})" if value is not None else ""
    return InputError(f"clause {exc.clause}: {exc.message}{shown}",
                      Location(file=profile.source, line=profile.lines.get(name) if name else None, field=name))


def _clip_value(value: object, limit: int = 80) -> str:
    """A value for a message, about ``limit`` characters at most: a list is cut between its items (never inside
    a figure), with how many more there are.

    >>> _clip_value(["3,000,000,000,000.00"] * 4)
    '3,000,000,000,000.00;3,000,000,000,000.00;3,000,000,000,000.00 (and 1 more)'
    """
    if not isinstance(value, (list, tuple)):
        text = str(value)
        return text if len(text) <= limit else text[:limit - 1] + "…"
    items = [str(v) for v in value]
    shown = items[:1]
    for item in items[1:]:
        if len(";".join(shown)) + 1 + len(item) > limit:
            break
        shown.append(item)
    rest = len(items) - len(shown)
    return ";".join(shown) + (f" (and {rest} more)" if rest else "")


def relocated(profile: Profile, jurisdiction: str) -> Profile:
    """The same company as if it were located in ``jurisdiction`` (site selection)."""
    return profile.with_values(jurisdiction=jurisdiction)


CITY_ORDER = ("nanchang", "wuhan-east-lake", "beijing")  # SPEC §2; other jurisdictions follow, sorted


def default_cities(catalog: Catalog) -> list[str]:
    """Every jurisdiction of the catalogue: nanchang, wuhan-east-lake, beijing first, then the others."""
    known = catalog.jurisdictions()
    return [c for c in CITY_ORDER if c in known] + [c for c in known if c not in CITY_ORDER]


def check_cities(cities: Sequence[str], catalog: Catalog) -> list[str]:
    """The jurisdictions asked for, without repeats, in the order given.

    Each name is matched as ``Catalog.resolve`` matches it (a jurisdiction, its Chinese name, a
    policy id, an unambiguous prefix: ``wuhan`` is wuhan-east-lake); an unknown or ambiguous one is
    an OptionError with a did-you-mean.
    """
    out: list[str] = []
    for p in resolve_policies(cities, catalog, "--cities"):
        if p.jurisdiction not in out:
            out.append(p.jurisdiction)
    return out


@dataclass(frozen=True)
class Comparison:
    profile: Profile
    cities: tuple[str, ...]
    results: tuple[PolicyResult, ...]
    #: "what would unlock more" of each result, in the same order (planning.headroom, the code calc uses)
    headroom: tuple = ()

    def for_city(self, city: str) -> tuple[PolicyResult, ...]:
        """The results of the policies of one city (a city may have several)."""
        return tuple(r for r in self.results if r.policy.jurisdiction == city)


def compare(profile: Profile, cities: Sequence[str], catalog: Catalog, options: Options = DEFAULT_OPTIONS) -> Comparison:
    """Evaluate the same profile as if located in each city, side by side (default: every city)."""
    cities = check_cities(cities, catalog) if cities else default_cities(catalog)
    from . import planning

    results: list[PolicyResult] = []
    rooms: list = []
    for city in cities:
        moved = relocated(profile, city)
        found = calculate(moved, policies_for(moved, catalog), catalog, options,
                          evaluated=[p for c in cities for p in catalog.for_jurisdiction(c)])
        results.extend(found)
        rooms.extend(planning.headroom(moved, found, catalog, options))
    return Comparison(profile, tuple(cities), tuple(results), tuple(rooms))


def load_company(path: str | Path, catalog: Catalog, *, policy_given: bool = True,
                 year_given: bool = True) -> Profile:
    """The company profile at ``path``, every value checked.

    A command says what it has from elsewhere: without a policy given (``--policy``) the profile needs its
    ``jurisdiction``, without a year (``--year``) its ``year``; when they are missing, that is reported with
    every other problem of the file, all at once.
    """
    required = {}
    checks = {}
    if not policy_given:  # missing, or one no policy is for: listed with the file's other problems
        required["jurisdiction"] = _missing_jurisdiction(catalog)
        checks["jurisdiction"] = lambda v: _unknown_jurisdiction(v, catalog)
    if not year_given:
        required["year"] = MISSING_YEAR
    return load_profile(path, catalog.registry, required, checks)


# ---------------------------------------------------------------- planning (planning.py): what-if, headroom, sweeps


def what_if(profile: Profile, settings: Sequence[str] | dict[str, object], catalog: Catalog,
            policies: Sequence[Policy] | None = None, options: Options = DEFAULT_OPTIONS):
    """The profile beside the profile with ``settings`` changed (``["rd_staff=99"]`` or ``{"rd_staff": 99}``).

    >>> cat = load()
    >>> p = load_company("samples/nanchang-si-led-maker.toml", cat)
    >>> w = what_if(p, ["rd_staff=99"], cat)
    >>> [(d.id, d.diff / 100) for d in w.deltas[0].changed]
    [('si_led_rd', 10000000.0), ('rd_center', -20000000.0)]
    >>> [str(ch.kind) for ch in w.deltas[0].clause("rd_center").changes]
    ['condition_now_failed', 'group_winner_changed']
    >>> w.diff / 100
    -10000000.0
    """
    from . import planning

    require_year(profile, options)
    changes = planning.parse_settings(settings, catalog.registry)
    if "jurisdiction" in changes:
        # the policies are chosen from the profile before the what-if: a new jurisdiction would change nothing
        raise OptionError("--set jurisdiction: a what-if keeps the policies it started from (calc: the profile's "
                          "jurisdiction or --policy; compare: each city); to see another city use incentives compare "
                          "--cities NAME or calc --policy NAME", Location())
    if "year" in changes and changes["year"] is None and options.year is None:
        raise OptionError("--set year=: every company needs a year; give one (--set year=2025) or pass --year",
                          Location())
    if "year" in changes and options.year is not None:
        # --year 2026 --set year=2024: the base is fiscal 2026 (--year), the what-if 2024 (--set); --year would
        # otherwise override both sides, and the view said "year 2024 → 2024" of a result computed for 2026
        profile = profile.with_values(year=options.year)
        if changes["year"] is not None:  # (--set year= removes the year: the what-if falls back to --year)
            options = replace(options, year=None)
    return planning.what_if(profile, changes, policies or policies_for(profile, catalog), catalog, options)


def headroom(profile: Profile, catalog: Catalog, policies: Sequence[Policy] | None = None,
             options: Options = DEFAULT_OPTIONS, results: Sequence[PolicyResult] | None = None):
    """What would unlock more, per policy: thresholds missed (with the exact gain) and inputs missing.

    >>> cat = load()
    >>> p = load_company("samples/nanchang-si-led-maker.toml", cat).with_values(rd_staff=92)
    >>> (room,) = headroom(p, cat)
    >>> u = room.thresholds[0]
    >>> u.clause, [(m.field, m.before, m.after) for m in u.moves]
    ('rd_center', [('rd_staff', Fraction(92, 1), Fraction(100, 1))])
    >>> u.own.diff / 100, u.net / 100
    (20000000.0, 10000000.0)
    """
    from . import planning

    chosen = list(policies or policies_for(profile, catalog))
    if results is None:
        results = calculate(profile, chosen, catalog, options)
    require_year(profile, options)
    return planning.headroom(profile, results, catalog, options)


def explore(profile: Profile, vary: Sequence[str], catalog: Catalog, policies: Sequence[Policy] | None = None,
            steps: int = 200, options: Options = DEFAULT_OPTIONS):
    """The profile with one field (``["rd_expense=5000万..3亿"]``) or two (a grid) varied, and the cliffs.

    >>> cat = load()
    >>> p = load_company("samples/nanchang-small-firm-capped.toml", cat)
    >>> sweep = explore(p, ["sales_revenue=1000万..10亿"], cat)
    >>> len(sweep.points.total)
    200
    >>> [(str(c.kind), c.at / 10**4, c.total_below / 100, c.total_at / 100) for c in sweep.cliffs[0]]
    [('company_cap_released', 95533434.6, 4776671.72, 4776671.73)]
    """
    from . import planning

    require_year(profile, options)
    axes = [planning.parse_axis(v, steps, catalog.registry) for v in vary]
    chosen = list(policies or policies_for(profile, catalog))
    sweep = planning.explore(profile, axes, chosen, catalog, options)
    by_year = []
    for a in axes:  # a sweep of the year: each year's figures carry what calc would say of that year
        if a.field == "year":
            own = options.year or profile.values.get("year")
            for y in [int(v) for v in a.values()][:planning.YEAR_NOTES_MAX]:
                if y != own:
                    by_year.append((y, tuple(calculate(profile.with_values(year=y), chosen, catalog,
                                                       replace(options, year=None)))))
    return replace(sweep, base=tuple(calculate(profile, chosen, catalog, options)), by_year=tuple(by_year))


# ---------------------------------------------------------------- Arrow: a batch function for other engines

ERROR_COLUMNS = ("error_field", "error_value", "error_message")  # set on the rows of evaluate_arrow that are bad

_CATALOGS: dict[tuple[str, ...], Catalog] = {}


def _catalog_for(policies_dirs: Sequence[str | Path]) -> Catalog:
    """The catalogue, loaded once per process (a worker of DuckDB, Spark or Ray loads it on its first batch)."""
    key = tuple(str(d) for d in policies_dirs)
    if key not in _CATALOGS:
        _CATALOGS[key] = load(policies_dirs)
    return _CATALOGS[key]


def _arrow_setup(policies: str | Sequence[str] | None, year: int | None, ignore_validity: bool,
                 catalog: Catalog | None):
    from .batch import BatchOptions, policies_for_batch
    from .batch_output import Output

    if isinstance(year, numbers.Integral) and not isinstance(year, bool):
        year = int(year)  # (numpy's int64 from a DataFrame cell: a year all the same)
    if year is not None and not (isinstance(year, int) and YEAR_MIN <= year <= YEAR_MAX):
        raise OptionError(f"year {year!r}: expected a fiscal year between {YEAR_MIN} and {YEAR_MAX}, e.g. 2024",
                          Location(field="year"))
    catalog = catalog if catalog is not None else _catalog_for(())
    names = [policies] if isinstance(policies, str) else list(policies or ())
    ids = tuple(p.id for p in resolve_policies(names, catalog, "policies")) if names else ()
    options = BatchOptions(policy_ids=ids, year=year, ignore_validity=ignore_validity, fmt="parquet")
    pols = policies_for_batch(catalog, options)
    return catalog, options, Output(pols, options, catalog)


def arrow_schema(policies: str | Sequence[str] | None = None, *, ignore_validity: bool = False,
                 catalog: Catalog | None = None):
    """The schema of what ``evaluate_arrow`` returns (before any ``keep`` columns), e.g. for Spark's
    ``mapInArrow(f, schema)``: the wide layout (amounts ``decimal128(18, 2)``, statuses strings) and the
    error columns."""
    from . import arrowio

    pa = arrowio.pyarrow("arrow_schema")
    _, _, output = _arrow_setup(policies, None, ignore_validity, catalog)
    return arrowio.result_schema(output, dictionary=False,
                                 extra=[pa.field(c, pa.string()) for c in ERROR_COLUMNS])


def evaluate_arrow(batch, *, policies: str | Sequence[str] | None = None, year: int | None = None,
                   keep: Sequence[str] = (), ignore_validity: bool = False, catalog: Catalog | None = None):
    """Evaluate every row of an Arrow ``RecordBatch`` (or ``Table``) of company profiles -> a ``RecordBatch``.

    The input's columns are profile fields (as the columns of a ``batch`` CSV; strings, integers, decimals,
    booleans, lists; a float only with at most 4 decimals), plus the ``keep`` columns, which are copied to
    the output unchanged (an id to join the results back on).  The output is ``batch``'s wide layout (a row
    per company and policy: row, name, policy, year, totals, company_cap, then each clause's amount and
    status; amounts exact ``decimal128(18, 2)``) with the columns ``error_field``, ``error_value`` and
    ``error_message``: a bad row gets one output row per problem, with those set and no policy; ``row`` is
    the row's 1-based position in the batch.  ``policies``: ids or names (default: each row's
    jurisdiction's policies); ``year`` overrides every row's.

    Pure: the same batch gives the same result, whatever ran before; the only state is the catalogue,
    loaded once per process.  So it runs inside DuckDB, Spark (``mapInArrow``), Ray Data
    (``map_batches``) and Dask (see docs/scale.md).
    """
    from . import arrowio
    from .batch import evaluate_chunk
    from .batch_table import bind_header, build_chunk, field_of

    pa = arrowio.pyarrow("evaluate_arrow")
    pc = pa.compute
    catalog, options, output = _arrow_setup(policies, year, ignore_validity, catalog)
    if isinstance(batch, pa.Table):
        batch = batch.combine_chunks()
        batch = batch.to_batches()[0] if batch.num_rows else pa.RecordBatch.from_pylist([], schema=batch.schema)
    if not isinstance(batch, pa.RecordBatch):
        raise TypeError(f"evaluate_arrow takes a pyarrow RecordBatch or Table, not {type(batch).__name__}")
    schema = arrow_schema(policies, ignore_validity=ignore_validity, catalog=catalog)
    for k in keep:
        if k not in batch.schema.names:
            raise InputError("a keep column is not in the batch", Location(file="<arrow>", field=k))
        if k in schema.names:  # (row, name, year …: two columns of one name, which DuckDB renames name_1)
            raise InputError(f"a keep column cannot be named as a column of the results ({k!r} is one; it is "
                             f"there already): keep an id column to join on instead", Location(file="<arrow>", field=k))
    # a keep column that is also a profile field is read as well (keep=["revenue"]: copied, and still used)
    columns = [n for n in batch.schema.names if not n.startswith(arrowio.PANDAS_INDEX)
               and (n not in keep or field_of(n, catalog) is not None)]
    header = bind_header(columns, catalog, "<arrow>")
    if year is None and "year" not in header.names:
        raise InputError("the batch has no year column: add one (the fiscal year, e.g. 2024) or pass year=",
                         Location(file="<arrow>"))
    if not options.policy_ids and "jurisdiction" not in header.names:
        raise InputError(f"the batch has no jurisdiction column: add one ({', '.join(catalog.jurisdictions())}) or "
                         f"pass policies=", Location(file="<arrow>"))
    for name, spec in zip(columns, header.fields):
        arrowio.check_type(batch.schema.field(name).type, spec, name, "<arrow>")
    cells = arrowio.batch_cells(batch, header, 0, columns)
    chunk = build_chunk(cells, header, catalog, year_given=year is not None, policy_given=bool(options.policy_ids))
    evaluated, chunk = evaluate_chunk(chunk, catalog, output.policies, options)
    good, _ = arrowio.wide_batch(output, chunk, evaluated, dictionary=False)
    n_good = good.num_rows
    arrays = list(good.columns) + [pa.nulls(n_good, pa.string())] * len(ERROR_COLUMNS)
    good = pa.RecordBatch.from_arrays(arrays, schema=schema)
    problems = chunk.problems
    parts = [good]
    if problems:
        cols = {f.name: pa.nulls(len(problems), f.type) for f in schema}
        cols["row"] = pa.array([p.row for p in problems], pa.int64())
        cols["name"] = pa.array([p.name or None for p in problems], pa.string())
        cols["error_field"] = pa.array([p.field for p in problems], pa.string())
        cols["error_value"] = pa.array([p.value for p in problems], pa.string())
        cols["error_message"] = pa.array([p.message for p in problems], pa.string())
        parts.append(pa.RecordBatch.from_arrays([cols[f.name] for f in schema], schema=schema))
    table = pa.Table.from_batches(parts, schema=schema)
    if problems:
        table = table.take(pc.sort_indices(table, [("row", "ascending")]))
    if keep:
        at = pc.subtract(table.column("row"), 1)
        for k in keep:
            table = table.append_column(batch.schema.field(k), pc.take(batch.column(k), at))
    table = table.combine_chunks()
    return table.to_batches()[0] if table.num_rows else pa.RecordBatch.from_pylist([], schema=table.schema)
