"""Policy tests as data: every worked case of every ``*.cases.toml`` runs under pytest.

The expected figures live in the cases files, each worked out by hand from the
policy text with the arithmetic in a comment there. This module also checks the
runner itself: a wrong expectation is reported as a diff, a malformed cases
file is an error with file, line and key.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nanchang_incentives import cases as C
from nanchang_incentives.errors import InputError
from nanchang_incentives.policy import load_catalog, load_general_fields, load_policy, package_policies_dir

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "policies"
EXAMPLE = ROOT / "docs" / "example" / "policies"
BUNDLED = ("nanchang-electronic-information-2023", "wuhan-east-lake-software-2023", "beijing-robotics-2023")

CATALOG = load_catalog()
EXAMPLE_CATALOG = load_catalog([EXAMPLE])


def _all_cases() -> list:
    params = []
    for path in sorted((ROOT / "policies").glob("*.cases.toml")):
        for case in C.load_cases(path).cases:
            params.append(pytest.param(case, CATALOG, id=f"{case.policy}: {case.name}"))
    for path in sorted(EXAMPLE.glob("*.cases.toml")):
        for case in C.load_cases(path).cases:
            params.append(pytest.param(case, EXAMPLE_CATALOG, id=f"{case.policy}: {case.name}"))
    return params


@pytest.mark.parametrize(("case", "catalog"), _all_cases())
def test_worked_case(case: C.Case, catalog) -> None:
    outcome = C.run_case(case, catalog)
    assert outcome.passed, "\n" + C.describe(outcome)


@pytest.mark.parametrize("pid", BUNDLED)
def test_every_bundled_policy_ships_worked_cases(pid: str) -> None:
    path = C.cases_path(CATALOG.get(pid))
    assert path is not None and path.name == f"{pid}.cases.toml"
    loaded = C.load_cases(path)
    assert loaded.policy == pid
    assert len(loaded.cases) >= 8


def test_nanchang_cases_touch_every_clause_that_computes_an_amount() -> None:
    policy = CATALOG.get("nanchang-electronic-information-2023")
    loaded = C.load_cases(C.cases_path(policy))  # type: ignore[arg-type]
    checked = {cid for case in loaded.cases for cid, want in case.clauses.items() if want.amount is not None}
    with_amount = {c.id for c in policy.clauses if c.computes_amount}
    assert with_amount - checked == set()


def test_a_wrong_expectation_is_reported_item_by_item() -> None:
    loaded = C.load_cases(FIXTURES / "wrong-expectations.cases.toml")
    wrong, right = C.run_file(loaded, CATALOG)
    assert right.passed
    assert not wrong.passed
    # the text gives 100万 for a NEEQ listing; the fixture claims 90万 and "capped" on purpose
    assert {(m.what, m.expected, m.got) for m in wrong.mismatches if m.what != "warnings"} == {
        ("total", "900000.00", "1000000.00"),
        ("neeq_listing.status", "capped", "granted"),
        ("neeq_listing.amount", "900000.00", "1000000.00"),
    }
    text = C.describe(wrong)
    assert text.startswith("FAIL neeq listing expected at a wrong amount and status")
    assert "wrong-expectations.cases.toml:4" in text
    assert "expected: a warning containing 'no such warning'" in text


def test_an_expected_error_must_happen() -> None:
    case = C.Case(name="x", policy="nanchang-electronic-information-2023",
                  profile={"year": 2024, "revenue": "1亿"}, error="negative")
    outcome = C.run_case(case, CATALOG)
    assert [(m.what, m.expected, m.got) for m in outcome.mismatches] == [("error", "negative", "no error")]


def test_an_unexpected_error_is_a_mismatch_not_an_exception() -> None:
    case = C.Case(name="x", policy="nanchang-electronic-information-2023", profile={"revenu": "1亿"})
    outcome = C.run_case(case, CATALOG)
    assert len(outcome.mismatches) == 1 and outcome.mismatches[0].what == "error"
    assert 'did you mean "revenue"' in outcome.mismatches[0].got


@pytest.mark.parametrize(("text", "message", "line"), [
    ("policy = 'p'\n[[cases]]\nname = 'a'\n[cases.expect]\ntotl = '1'\n", 'unknown key \'totl\' (did you mean "total"?)', 5),
    ("policy = 'p'\n[[cases]]\nname = 'a'\n[cases.expect]\ntotal = '1.001'\n", "not a whole number of fen", 5),
    ("policy = 'p'\n[[cases]]\nname = 'a'\n[cases.expect.clauses]\nx = 'granted!'\n", "is not one of granted", 5),
    ("policy = 'p'\n[[cases]]\nname = 'a'\n", "a case needs [cases.expect]", 2),
    ("policy = 'p'\n[[cases]]\n[cases.expect]\ntotal = '1'\n", "a case needs name", 2),
    ("policy = 'p'\n", "no cases", None),
    ("policy = 'p'\ncases = 3\n", "no cases", None),
    ("polcy = 'p'\n", "unknown key 'polcy'", None),
    (("policy = 'p'\n[[cases]]\nname = 'a'\n[cases.expect]\ntotal = 1\n[[cases]]\nname = 'a'\n"
     "[cases.expect]\ntotal = 1\n"), "two cases are named 'a'", 6),
    ("policy = 'p'\n[[cases]]\nname = 'a'\n[cases.options]\nyear = 'x'\n[cases.expect]\ntotal = 1\n",
     "options.year must be a fiscal year", 5),
])
def test_malformed_cases_files_are_input_errors_with_a_line(tmp_path: Path, text: str, message: str,
                                                             line: int | None) -> None:
    path = tmp_path / "p.cases.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        C.load_cases(path)
    assert message in info.value.message
    assert info.value.location.file == str(path)
    assert info.value.location.line == line


def test_a_cases_file_beside_a_table_outside_the_catalogue_runs_against_it() -> None:
    general = load_general_fields(package_policies_dir())
    policy = load_policy(EXAMPLE / "example-city-software-2024.toml", general)
    catalog = C.catalog_with(CATALOG, policy)
    loaded = C.load_cases(C.cases_path(policy))  # type: ignore[arg-type]
    assert all(o.passed for o in C.run_file(loaded, catalog))
    assert "example-city-software-2024" not in CATALOG.policies  # the bundled catalogue is untouched
