"""Cap scopes and one-off awards (SPEC 9.1): the schema, the validator, the bundled tables, the fields.

Every cap of a policy table states what it limits (``cap_scope`` for the clause
cap, ``item_cap_scope`` for the per-item cap: year, project, event, unit, once)
and every clause how often it can be claimed (``frequency``: annual or once).
The validator refuses a cap without a scope, naming file, line, clause and key.
One-off awards are claimed in the fiscal year of the event, so the fields that
trigger them say "in the year", in the registry and in the README.
"""

from __future__ import annotations

import csv
import re
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nanchang_incentives import api
from nanchang_incentives.batch import BatchOptions, run_batch
from nanchang_incentives.cli import app
from nanchang_incentives.errors import PolicyError
from nanchang_incentives.policy import (
    CapScope,
    Frequency,
    load_general_fields,
    load_policy,
    load_references,
    package_policies_dir,
    validate_policy,
)
from nanchang_incentives.profile import Profile, parse_values

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
TABLES = sorted(p for p in POLICIES.glob("*.toml") if p.name != "fields.toml" and not p.name.endswith(".cases.toml"))
GENERAL = load_general_fields(package_policies_dir())
REFERENCES = load_references(package_policies_dir())
WAN = 10_000 * 100  # fen

HEAD = """[policy]
id = "scope-test"
title_zh = "测试"
title_en = "scope test"
document_number = "测试〔2024〕1号"
source_file = "none"
jurisdiction = "scope-test"
valid_from = 2024-01-01
valid_until = 2024-12-31
industries = ["x"]

[fields.things]
type = "money_list"
title = "each thing bought in the year"

"""


def table(tmp_path: Path, clause: str) -> Path:
    path = tmp_path / "scope-test.toml"
    path.write_text(HEAD + "[[clauses]]\nid = \"c\"\ntitle_zh = \"甲\"\ntitle_en = \"a\"\nsection = \"一\"\n"
                    "quote = \"按照研发费用的10%给予补助，每年不超过100万元\"\n" + clause, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    return [str(p) for p in validate_policy(path, GENERAL, REFERENCES).problems]


# ---------------------------------------------------------------- the validator


def test_a_clause_cap_without_a_scope_is_refused_with_file_line_clause_and_key(tmp_path: Path) -> None:
    path = table(tmp_path, 'basis = "exact"\nfrequency = "annual"\nbase = "rd_expense"\nrate = "10%"\n'
                           'cap = "100万"\n')
    cap_line = path.read_text(encoding="utf-8").splitlines().index('cap = "100万"') + 1
    [error] = [p for p in problems(path) if ": error: " in p]
    assert error.startswith(f"{path}:{cap_line}: error: clause 'c', key 'cap': cap needs cap_scope = ")
    assert '每年/年度 -> "year"' in error and "never \"year\" by default" in error
    # loading refuses it too (the first problem, as a PolicyError)
    with pytest.raises(PolicyError) as info:
        load_policy(path, GENERAL, REFERENCES)
    assert info.value.location.line == cap_line and info.value.location.field == "cap"
    # `policies validate` exits 1 and prints the same line
    result = CliRunner().invoke(app, ["policies", "validate", str(path)], env={"INCENTIVES_POLICIES_DIR": ""})
    assert result.exit_code == 1 and f"{path}:{cap_line}: error: clause 'c', key 'cap'" in result.output


def test_a_per_item_cap_without_a_scope_is_refused(tmp_path: Path) -> None:
    path = table(tmp_path, 'basis = "exact"\nfrequency = "once"\nitems = "things"\nbase = "item"\nrate = "50%"\n'
                           'item_cap = "10万"\n')
    [error] = [p for p in problems(path) if ": error: " in p]
    assert "clause 'c', key 'item_cap': item_cap needs item_cap_scope = " in error


def test_a_scope_that_is_not_one_of_the_five_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = table(tmp_path, 'basis = "exact"\nfrequency = "annual"\nbase = "rd_expense"\nrate = "10%"\n'
                           'cap = "100万"\ncap_scope = "yearly"\n')
    [error] = [p for p in problems(path) if ": error: " in p]
    assert "key 'cap_scope': cap_scope must be one of year, project, event, unit, once, got 'yearly' " \
           "(did you mean \"year\"?)" in error


def test_a_scope_without_a_cap_is_refused(tmp_path: Path) -> None:
    path = table(tmp_path, 'basis = "exact"\nfrequency = "annual"\nbase = "rd_expense"\nrate = "10%"\n'
                           'cap_scope = "year"\n')
    [error] = [p for p in problems(path) if ": error: " in p]
    assert "key 'cap_scope': cap_scope without cap" in error


def test_frequency_must_be_annual_or_once_and_its_absence_is_a_warning(tmp_path: Path) -> None:
    path = table(tmp_path, 'basis = "exact"\nfrequency = "yearly"\nbase = "rd_expense"\nrate = "10%"\n'
                           'cap = "100万"\ncap_scope = "year"\n')
    [error] = [p for p in problems(path) if ": error: " in p]
    assert "key 'frequency': frequency must be one of annual, once, got 'yearly'" in error
    path = table(tmp_path, 'basis = "exact"\nbase = "rd_expense"\nrate = "10%"\ncap = "100万"\ncap_scope = "year"\n')
    found = problems(path)
    assert not [p for p in found if ": error: " in p]
    assert any("warning: clause 'c', key 'frequency': no frequency" in p and "annual assumed" in p for p in found)
    assert load_policy(path, GENERAL, REFERENCES).clause("c").frequency is Frequency.ANNUAL


def test_the_old_free_text_cap_period_key_points_to_cap_scope(tmp_path: Path) -> None:
    path = table(tmp_path, 'basis = "exact"\nfrequency = "annual"\nbase = "rd_expense"\nrate = "10%"\n'
                           'cap = "100万"\ncap_scope = "year"\ncap_period = "year"\n')
    errors = [p for p in problems(path) if ": error: " in p]
    assert any("unknown key 'cap_period'" in p and 'did you mean "cap_scope"' in p for p in errors)


def test_a_loaded_clause_carries_enums_and_the_words_renderers_use(tmp_path: Path) -> None:
    path = table(tmp_path, 'basis = "exact"\nfrequency = "once"\nitems = "things"\nbase = "item"\nrate = "50%"\n'
                           'item_cap = "10万"\nitem_cap_scope = "project"\ncap = "100万"\ncap_scope = "once"\n')
    c = load_policy(path, GENERAL, REFERENCES).clause("c")
    assert (c.cap_scope, c.item_cap_scope, c.frequency) == (CapScope.ONCE, CapScope.PROJECT, Frequency.ONCE)
    assert c.cap_period == "once" and c.one_off and c.main_cap_scope is CapScope.ONCE


def test_ceiling_scope_belongs_to_an_up_to_clause_whose_amount_is_its_own_ceiling(tmp_path: Path) -> None:
    ok = table(tmp_path, 'basis = "up_to"\nfrequency = "annual"\nfixed = "500万"\nceiling_scope = "year"\n')
    assert not [p for p in problems(ok) if ": error: " in p]
    for clause in ('basis = "exact"\nfrequency = "annual"\nfixed = "500万"\nceiling_scope = "year"\n',
                   'basis = "up_to"\nfrequency = "annual"\nbase = "rd_expense"\nrate = "10%"\nceiling_scope = "year"\n',
                   ('basis = "up_to"\nfrequency = "annual"\nfixed = "500万"\ncap = "100万"\ncap_scope = "year"\n'
                    'ceiling_scope = "year"\n')):
        [error] = [p for p in problems(table(tmp_path, clause)) if ": error: " in p]
        assert "key 'ceiling_scope': ceiling_scope is the scope of an up_to clause's own ceiling" in error, error
    [error] = [p for p in problems(table(tmp_path, 'basis = "up_to"\nfrequency = "annual"\nfixed = "500万"\n'
                                                   'ceiling_scope = "yearly"\n')) if ": error: " in p]
    assert "ceiling_scope must be one of year, project, event, unit, once, got 'yearly'" in error


# ---------------------------------------------------------------- the bundled tables


@pytest.mark.parametrize("path", TABLES, ids=lambda p: p.stem)
def test_every_bundled_clause_states_its_frequency_and_every_cap_its_scope(path: Path) -> None:
    with path.open("rb") as f:
        clauses = tomllib.load(f)["clauses"]
    for c in clauses:
        assert c.get("frequency") in ("annual", "once"), c["id"]  # stated, never the default
        for cap, scope in (("cap", "cap_scope"), ("item_cap", "item_cap_scope")):
            assert (cap in c) == (scope in c), (c["id"], cap)
        own_ceiling = c["basis"] == "up_to" and "fixed" in c and "cap" not in c and "items" not in c
        assert own_ceiling == ("ceiling_scope" in c), c["id"]  # SPEC 9.1: an up-to ceiling states its scope too
    report = validate_policy(path, GENERAL, REFERENCES)
    assert report.ok and not [p for p in report.warnings if p.location.field in ("frequency", "cap_scope")]


def test_no_cap_reads_per_year_unless_its_sentence_says_so() -> None:
    # SPEC 9.1: "never 'per year' by default": a year-scoped cap's sentence says 每年 or 年度
    for policy in api.load().policies.values():
        for c in policy.clauses:
            if CapScope.YEAR in (c.cap_scope, c.ceiling_scope):
                assert "每年" in c.quote or "年度" in c.quote, (policy.id, c.id)


# ---------------------------------------------------------------- one amount or a list (Beijing's project clauses)


def test_a_list_field_takes_one_amount_in_toml_and_in_csv(tmp_path: Path) -> None:
    catalog = api.load()
    beijing = catalog.get("beijing-robotics-2023")
    for raw, want in ((80_000_000, (800_000_000_000,)), (80_000_000.5, (800_000_005_000,)),
                      ("8000万", (800_000_000_000,)), (["8000万", "1.2亿"], (800_000_000_000, 1_200_000_000_000)),
                      ([], ())):
        profile = Profile(parse_values({"platform_investment": raw}, catalog.registry))
        assert profile.get("platform_investment") == want, raw
    # CSV: one amount, or ';'-separated: 8000万 × 30% = 2400万; + min(1.2亿 × 30%, 3000万) = 5400万
    src = tmp_path / "b.csv"
    src.write_text("name,jurisdiction,year,industries,platform_investment\n"
                   "one,beijing,2024,robotics,8000万\ntwo,beijing,2024,robotics,8000万;1.2亿\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    report = run_batch(src, out, catalog, BatchOptions(policy_ids=(beijing.id,)))
    assert report.bad_rows == 0
    with out.open(encoding="utf-8", newline="") as f:
        rows = {r["name"]: r for r in csv.DictReader(f)}
    assert (rows["one"]["public_platform"], rows["one"]["public_platform_status"]) == ("24000000.00", "granted")
    assert (rows["two"]["public_platform"], rows["two"]["public_platform_status"]) == ("54000000.00", "capped")


# ---------------------------------------------------------------- trigger fields of one-off awards say "in the year"

#: fields read by one-off clauses that are not triggers: statuses (SPEC 9.1) and amounts of a stock
NOT_TRIGGERS = {"is_specialized", "first_trial_prior_funding", "paid_in_capital", "revenue"}


def one_off_trigger_fields() -> dict[str, str]:
    """field -> the one-off clause that reads it, over the bundled policies."""
    out = {}
    for policy in api.load().policies.values():
        for c in policy.clauses:
            if c.one_off:
                out.update({name: f"{policy.id}:{c.id}" for name in c.names() if name not in NOT_TRIGGERS})
    return out


def test_trigger_fields_of_one_off_awards_say_in_the_year() -> None:
    registry = api.load().registry
    fields = one_off_trigger_fields()
    # SPEC 9.1's own examples are among them
    assert {"new_headquarters", "core_park_enterprise", "open_source_platform_built", "chain_first_included",
            "platform_investment", "benchmark_factory_investment", "attracted_firms_scaled_up"} <= set(fields)
    for name, where in fields.items():
        assert "in the year" in registry[name].title, (name, where)


def test_readme_field_reference_has_every_field_with_its_title() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    # | `field` | 中文名 (also accepted) | type | meaning |
    rows = dict(re.findall(r"(?m)^\| `([a-z0-9_]+)` \| [^|]+ \| [^|]+ \| (.+) \|$", readme))
    catalog = api.load()
    for name, spec in catalog.registry.fields.items():
        assert rows.get(name) == spec.title, name


def test_json_names_a_per_unit_cap_under_a_yearly_one() -> None:
    """首试首用: 单台（套）产品最高50万元，每家企业年度奖励最高200万元. cap_scope names the 200万 yearly cap; the 50万 per
    unit was only in the explanation, now ``item_cap`` / ``item_cap_scope`` (SPEC 9.1: the output names every cap's
    scope)."""
    import json

    res = CliRunner().invoke(app, ["calc", str(ROOT / "samples" / "beijing-robot-maker.toml"), "--format", "json"])
    assert res.exit_code == 0, res.output
    clauses = {c["id"]: c for c in json.loads(res.stdout)["results"][0]["clauses"]}
    trial = clauses["first_trial_product"]
    assert (trial["cap_scope"], trial["item_cap"], trial["item_cap_scope"]) == ("year", "500000.00", "unit")
    # a clause whose only cap is per project keeps it as cap_scope, with no item_cap beside it
    assert "item_cap" not in clauses["public_platform"] and clauses["public_platform"]["cap_scope"] == "project"
