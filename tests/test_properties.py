"""Property-based tests of the engine over generated profiles, for every policy.

For any company (any mix of present and missing fields, values near every
threshold and cap of the policy), under every bundled policy and the
authoring guide's example:

* 0 ≤ amount ≤ raw for every clause, and amount ≤ every cap that applies;
* the company total is at most the company cap (exactly the cap when it
  binds) unless the company is exempt, the cap waived or not computable;
* an exclusive group pays exactly one member when any member qualifies;
* the totals are the sums of the clause amounts, to the fen;
* raising a clause's base field never lowers that clause's raw amount;
* a batch (many rows in one table) gives what calc (one row) gives;
* the JSON output round-trips exactly and matches the schema.

Bounded: a few dozen examples per property and policy, no deadline.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from random import Random

import jsonschema
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from nanchang_incentives import expr
from nanchang_incentives import fields as F
from nanchang_incentives.engine import (
    CAP_BINDING,
    CAP_NOT_BINDING,
    CAPPED,
    EXCLUDED,
    GRANTED,
    STATUS_NAMES,
    Options,
    explain,
    run_policy,
)
from nanchang_incentives.money import RATE_DENOMINATOR, UNITS_PER_FEN, UNITS_PER_YUAN, format_fen
from nanchang_incentives.policy import Clause, Policy, load_catalog
from nanchang_incentives.profile import from_values
from nanchang_incentives.render.json import document, dumps

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "schema" / "result.schema.json").read_text(encoding="utf-8"))
CATALOG = load_catalog([ROOT / "docs" / "example" / "policies"])
POLICIES = sorted(CATALOG.policies)
EXAMPLES = 30
#: counts (projects, events, staff) stay below this, so that count × fixed amounts stay far below the
#: 10万亿 yuan the engine refuses (an absurd count is an InputError, tested in test_fuzz.py)
MAX_PLAUSIBLE_COUNT = 10_000
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# ---------------------------------------------------------------- generating profiles


def _constants(node: expr.Node) -> list[Fraction]:
    if isinstance(node, expr.Const):
        return [node.value]
    children: list[expr.Node] = []
    for name in ("left", "right", "operand"):
        if hasattr(node, name):
            children.append(getattr(node, name))
    children += list(getattr(node, "operands", ())) + list(getattr(node, "args", ()))
    return [c for child in children for c in _constants(child)]


def interesting(policy: Policy) -> tuple[list[int], list[int]]:
    """Money (units) and counts near every threshold, cap and fixed amount of the policy, ± 1 unit and ± 1 fen."""
    yuan: set[Fraction] = set()
    for c in policy.clauses:
        for e in [cd.expr for cd in c.conditions] + [c.base, c.rate]:
            if e is not None:
                yuan.update(_constants(e.tree))
        for units in (c.cap, c.item_cap, c.fixed):
            if units is not None:
                yuan.add(Fraction(units, UNITS_PER_YUAN))
    if policy.company_cap is not None:
        yuan.update(_constants(policy.company_cap.limit.tree))
    money, counts = {0, 1, 100}, {0, 1, 2, 3}
    for y in yuan:
        units = y * UNITS_PER_YUAN
        if units.denominator == 1 and 0 <= units <= 10**16:
            money.update(max(0, int(units) + d) for d in (-UNITS_PER_FEN, -1, 0, 1, UNITS_PER_FEN))
            # a base that a 5%, 10%, 20%, 50% … rate turns into exactly this amount
            money.update(int(units * k) for k in (2, 5, 10, 20) if units * k <= 10**16)
        if y.denominator == 1 and 0 <= y <= MAX_PLAUSIBLE_COUNT:
            counts.update(max(0, int(y) + d) for d in (-1, 0, 1))
    return sorted(money), sorted(counts)


def value_strategy(spec: F.Field, money: list[int], counts: list[int], tags: list[str]) -> st.SearchStrategy:
    amount = st.one_of(st.sampled_from(money), st.integers(0, 10**14), st.integers(0, 10**9))
    if spec.type == F.MONEY:
        return amount
    if spec.type == F.MONEY_LIST:
        return st.lists(amount, max_size=4).map(tuple)
    if spec.type == F.COUNT:
        return st.one_of(st.sampled_from(counts), st.integers(0, 500))
    if spec.type == F.BOOL:
        return st.booleans()
    if spec.type == F.RATE:
        return st.integers(0, RATE_DENOMINATOR // 10)  # 0% … 10%
    if spec.type == F.YEAR:
        return st.integers(2022, 2027)
    if spec.type == F.TAGS:
        return st.lists(st.sampled_from(tags), max_size=3, unique=True).map(tuple)
    return st.sampled_from(["Example Co.", "示例公司"])


def field_names(policy: Policy) -> list[str]:
    names = {"name", "industries", "revenue", "revenue_prev", "sales_revenue", "rd_expense", "rd_staff",
             "is_new_entrant"}
    for c in policy.clauses:
        names |= c.names()
    cap = policy.company_cap
    if cap is not None:
        for e in (cap.limit, cap.exempt_if, cap.waived_if):
            if e is not None:
                names |= e.names
    return sorted(n for n in names if n in CATALOG.registry)


@st.composite
def records(draw, policy: Policy, min_rows: int = 1, max_rows: int = 6) -> list[dict]:
    """Typed profile records (as the engine stores them); each field is missing now and then."""
    money, counts = interesting(policy)
    tags = sorted(set(policy.industries) | {"other"})
    out = []
    for _ in range(draw(st.integers(min_rows, max_rows))):
        record: dict = {"year": draw(st.integers(2022, 2027))}
        for name in field_names(policy):
            if draw(st.integers(0, 9)) == 0:  # missing one time in ten
                continue
            record[name] = draw(value_strategy(CATALOG.registry[name], money, counts, tags))
        out.append(record)
    return out


def table(recs: list[dict], policy: Policy):
    types = {name: CATALOG.registry[name].type for name in ["year", *field_names(policy)]}
    return from_values(recs, types, list(range(1, len(recs) + 1)))


def policy_param():
    return pytest.mark.parametrize("pid", POLICIES)


# ---------------------------------------------------------------- amounts, caps, groups, totals


@policy_param()
@SETTINGS
@given(data=st.data())
def test_amounts_respect_raw_caps_groups_and_totals(pid: str, data: st.DataObject) -> None:
    policy = CATALOG.get(pid)
    recs = data.draw(records(policy))
    run = run_policy(table(recs, policy), policy, CATALOG, Options(ignore_validity=data.draw(st.booleans())))
    cap = policy.company_cap
    for i in range(run.n):
        for cr in run.clauses:
            c, amount, raw = cr.clause, int(cr.amount[i]), int(cr.raw[i])
            assert 0 <= amount <= raw, (c.id, amount, raw)
            assert int(cr.status[i]) in range(len(STATUS_NAMES))
            if c.cap is not None:
                assert amount <= c.cap // UNITS_PER_FEN, c.id
            if c.item_cap is not None and cr.items_count is not None:
                assert amount <= int(cr.items_count[i]) * (c.item_cap // UNITS_PER_FEN), c.id
            if not c.computes_amount:
                assert amount == raw == 0
        counted = sum(int(cr.amount[i]) for cr in run.clauses if cap is None or cr.clause.id not in cap.excludes)
        state = int(run.cap_state[i])
        if state in (CAP_NOT_BINDING, CAP_BINDING):
            assert counted <= int(run.cap_limit[i])
        if state == CAP_BINDING:
            assert counted == int(run.cap_limit[i]), "a binding cap is met to the fen"
        for g in policy.groups:
            members = [cr for cr in run.clauses if cr.clause.id in g.clauses]
            paid = [m for m in members if int(m.status[i]) in (GRANTED, CAPPED)]
            assert sum(1 for m in members if int(m.amount[i]) > 0) <= 1
            if any(int(m.status[i]) == EXCLUDED for m in members):
                assert len(paid) == 1, "an excluded member implies exactly one winner"
            assert len(paid) <= 1
        result = explain(run, i, CATALOG)
        assert result.total == sum(c.amount for c in result.clauses)
        assert result.total_exact == sum(c.amount for c in result.clauses if c.basis == "exact")
        assert result.total_up_to == sum(c.amount for c in result.clauses if c.basis == "up_to")
        total, exact = run.totals()
        assert (int(total[i]), int(exact[i])) == (result.total, result.total_exact)


# ---------------------------------------------------------------- monotonic in the base


def _monotone_conditions(clause: Clause, name: str) -> bool:
    """Raising ``name`` can only turn this clause's conditions from false to true (name >= c, name > c)."""
    for cond in clause.conditions:
        if name not in cond.expr.names:
            continue
        tree = cond.expr.tree
        if not (isinstance(tree, expr.Compare) and tree.op in (">=", ">") and tree.left == expr.Name(name)
                and name not in _names(tree.right)):
            return False
    return True


def _names(node: expr.Node) -> set[str]:
    out = {node.name} if isinstance(node, expr.Name) else set()
    for attr in ("left", "right", "operand"):
        if hasattr(node, attr):
            out |= _names(getattr(node, attr))
    for child in list(getattr(node, "operands", ())) + list(getattr(node, "args", ())):
        out |= _names(child)
    return out


def _base_field(clause: Clause) -> str | None:
    if clause.items:
        return clause.items
    if clause.base is not None and isinstance(clause.base.tree, expr.Name):
        return clause.base.tree.name
    return None


MONOTONE = [(pid, c.id) for pid in POLICIES for c in CATALOG.get(pid).clauses
            if c.computes_amount and _base_field(c) and _monotone_conditions(c, _base_field(c))]


def test_every_policy_has_clauses_to_check_for_monotonicity() -> None:
    assert {pid for pid, _ in MONOTONE} == set(POLICIES)


@pytest.mark.parametrize(("pid", "cid"), MONOTONE)
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_raising_the_base_never_lowers_the_raw_amount(pid: str, cid: str, data: st.DataObject) -> None:
    policy = CATALOG.get(pid)
    clause = policy.clause(cid)
    name = _base_field(clause)
    assert name is not None
    [record] = data.draw(records(policy, 1, 1))
    raised = dict(record)
    big = 10 if CATALOG.registry[name].type == F.COUNT else 10**12  # money: units of 1/10000 yuan
    delta = data.draw(st.one_of(st.integers(1, 100), st.integers(1, big)))
    if clause.items:
        items = list(record.get(name, ()))
        k = data.draw(st.integers(0, len(items)))
        if k == len(items):
            items.append(delta)  # one more project / event / unit
        else:
            items[k] += delta
        raised[name] = tuple(items)
    else:
        raised[name] = record.get(name, 0) + delta
    run = run_policy(table([record, raised], policy), policy, CATALOG, Options(ignore_validity=True))
    cr = next(r for r in run.clauses if r.clause.id == cid)
    if name in record:  # from missing to present is not "raising"
        assert int(cr.raw[1]) >= int(cr.raw[0]), (record.get(name), raised[name])


# ---------------------------------------------------------------- batch == calc, JSON


@policy_param()
@SETTINGS
@given(data=st.data())
def test_a_batch_gives_what_calc_gives_row_by_row(pid: str, data: st.DataObject) -> None:
    policy = CATALOG.get(pid)
    recs = data.draw(records(policy, 2, 6))
    options = Options(ignore_validity=data.draw(st.booleans()))
    batch = run_policy(table(recs, policy), policy, CATALOG, options)
    for i, record in enumerate(recs):
        one = from_values([record], {n: CATALOG.registry[n].type for n in ["year", *field_names(policy)]}, [i + 1])
        single = run_policy(one, policy, CATALOG, options)
        for b, s in zip(batch.clauses, single.clauses):
            assert (int(b.status[i]), int(b.raw[i]), int(b.amount[i])) == \
                   (int(s.status[0]), int(s.raw[0]), int(s.amount[0])), b.clause.id
        assert explain(batch, i, CATALOG) == explain(single, 0, CATALOG)


def _fen_of(text: str) -> int:
    value = Decimal(text) * 100
    assert value == value.to_integral_value()
    return int(value)


@policy_param()
@SETTINGS
@given(data=st.data())
def test_json_round_trips_exactly_and_matches_the_schema(pid: str, data: st.DataObject) -> None:
    policy = CATALOG.get(pid)
    recs = data.draw(records(policy, 1, 3))
    run = run_policy(table(recs, policy), policy, CATALOG, Options(ignore_validity=data.draw(st.booleans())))
    results = [explain(run, i, CATALOG) for i in range(run.n)]
    for r in results:
        text = dumps(r.company, r.year, [r])
        loaded = json.loads(text)
        assert loaded == json.loads(json.dumps(document(r.company, r.year, [r])))
        jsonschema.validate(loaded, SCHEMA)
        [out] = loaded["results"]
        assert _fen_of(out["total"]) == r.total and _fen_of(out["total_exact"]) == r.total_exact
        assert [(c["id"], c["status"], _fen_of(c["amount"]), _fen_of(c["raw_amount"])) for c in out["clauses"]] == \
               [(c.id, c.status, c.amount, c.raw_amount) for c in r.clauses]
        assert sum(_fen_of(c["amount"]) for c in out["clauses"]) == _fen_of(out["total"])
        assert format_fen(r.total) == out["total"]


@pytest.mark.parametrize("status", STATUS_NAMES)
def test_the_generator_reaches_every_status(status: str) -> None:
    """The properties above are only as good as the profiles: each outcome must be reachable."""
    any_policy = st.sampled_from(POLICIES).flatmap(
        lambda pid: st.tuples(st.just(pid), records(CATALOG.get(pid)), st.booleans()))

    def reaches(example: tuple) -> bool:
        pid, recs, ignore = example
        policy = CATALOG.get(pid)
        run = run_policy(table(recs, policy), policy, CATALOG, Options(ignore_validity=ignore))
        return any(STATUS_NAMES[int(s)] == status for cr in run.clauses for s in cr.status)

    # one derandomized search is one fixed draw, and Hypothesis mixes the package's literals into what it draws:
    # a new string or number anywhere in nanchang_incentives could make the rarest status ("excluded", found in
    # about 7 searches of 8) unreached. A few fixed seeds, each deterministic; the first that finds it is enough
    for seed in range(5):
        try:
            find(any_policy, reaches, random=Random(seed),
                 settings=settings(max_examples=300, deadline=None, database=None,
                                   phases=[Phase.generate]))  # found is enough: no shrinking
            return
        except NoSuchExample:
            continue
    pytest.fail(f"no generated profile reaches the status {status!r} (5 searches of 300 examples)")
