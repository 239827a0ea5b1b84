"""The dated LPR table (policies/reference/lpr.toml) and its use by loan_interest.

Expected values are transcribed from sources/research-notes.md §5 (the change
points of the 1-year and 5-year LPR, each "in force until the next release":
以上LPR在下一次发布LPR之前有效), not read back from the table under test.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction

import pytest

from nanchang_incentives import api, explain
from nanchang_incentives.engine import Options, PolicyResult
from nanchang_incentives.profile import Profile, parse_values

CATALOG = api.load()
LPR = CATALOG.references["lpr"]
POLICY = CATALOG.get("nanchang-electronic-information-2023")

#: research-notes §5: (effective date, 1Y %, 5Y+ %)
CHANGES = [
    ("2019-08-20", "4.25", "4.85"),
    ("2019-09-20", "4.20", "4.85"),
    ("2019-11-20", "4.15", "4.80"),
    ("2020-02-20", "4.05", "4.75"),
    ("2020-04-20", "3.85", "4.65"),
    ("2021-12-20", "3.80", "4.65"),
    ("2022-01-20", "3.70", "4.60"),
    ("2022-05-20", "3.70", "4.45"),
    ("2022-08-22", "3.65", "4.30"),
    ("2023-06-20", "3.55", "4.20"),
    ("2023-08-21", "3.45", "4.20"),
    ("2024-02-20", "3.45", "3.95"),
    ("2024-07-22", "3.35", "3.85"),
    ("2024-10-21", "3.10", "3.60"),
    ("2025-05-20", "3.00", "3.50"),
]


def pct(text: str) -> Fraction:
    return Fraction(Decimal(text)) / 100


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_table_holds_exactly_the_research_notes_change_points() -> None:
    got = [(q.date, q.rates["lpr_1y"], q.rates["lpr_5y"]) for q in LPR.quotes]
    assert got == [(day(d), pct(a), pct(b)) for d, a, b in CHANGES]
    assert LPR.confirmed_through == dt.date(2026, 2, 24)


@pytest.mark.parametrize("date,one_year,five_year", CHANGES)
def test_as_of_a_change_date_gives_the_new_rate(date: str, one_year: str, five_year: str) -> None:
    look = LPR.as_of("lpr_1y", day(date))
    assert look is not None
    assert (look.rate, look.effective, look.as_of, look.unconfirmed) == (pct(one_year), day(date), day(date), False)
    five = LPR.as_of("lpr_5y", day(date))
    assert five is not None and five.rate == pct(five_year)


@pytest.mark.parametrize("k", range(1, len(CHANGES)))
def test_as_of_the_day_before_a_change_gives_the_previous_rate(k: int) -> None:
    before = day(CHANGES[k][0]) - dt.timedelta(days=1)
    prev_date, prev_1y, prev_5y = CHANGES[k - 1]
    look = LPR.as_of("lpr_1y", before)
    assert look is not None
    assert (look.rate, look.effective) == (pct(prev_1y), day(prev_date))
    five = LPR.as_of("lpr_5y", before)
    assert five is not None and five.rate == pct(prev_5y)


@pytest.mark.parametrize("year,rate,published", [
    (2019, "4.15", "2019-11-20"),
    (2020, "3.85", "2020-04-20"),
    (2021, "3.80", "2021-12-20"),
    (2022, "3.65", "2022-08-22"),
    (2023, "3.45", "2023-08-21"),
    (2024, "3.10", "2024-10-21"),
    (2025, "3.00", "2025-05-20"),
])
def test_year_end_rate(year: int, rate: str, published: str) -> None:
    look = LPR.year_end("lpr_1y", year)
    assert look is not None
    assert (look.rate, look.effective, look.as_of) == (pct(rate), day(published), dt.date(year, 12, 31))
    assert look.unconfirmed is False


@pytest.mark.parametrize("date", ["2019-08-19", "2019-01-01", "2018-12-31"])
def test_before_the_first_quote_there_is_no_rate(date: str) -> None:
    assert LPR.as_of("lpr_1y", day(date)) is None
    assert LPR.year_end("lpr_1y", 2018) is None


def test_last_confirmed_day_is_confirmed() -> None:
    look = LPR.as_of("lpr_1y", dt.date(2026, 2, 24))
    assert look is not None
    assert (look.rate, look.effective, look.unconfirmed) == (pct("3.00"), dt.date(2025, 5, 20), False)


@pytest.mark.parametrize("date", ["2026-02-25", "2026-12-31", "2030-06-30"])
def test_after_confirmed_through_is_flagged_unconfirmed(date: str) -> None:
    look = LPR.as_of("lpr_1y", day(date))
    assert look is not None
    assert (look.rate, look.effective, look.unconfirmed) == (pct("3.00"), dt.date(2025, 5, 20), True)


# ---------------------------------------------------------------- loan_interest uses it


def loan(year: int, options: Options | None = None, **extra: object) -> PolicyResult:
    # growth 6亿 − 5亿 = 1亿 (eligible), loans 1亿; cap 5% × 100亿 never binds
    raw = {"name": "LPR Co.", "jurisdiction": "nanchang", "year": year, "industries": ["electronic-information"],
           "revenue": "6亿", "revenue_prev": "5亿", "local_project_loans": "1亿", "sales_revenue": "100亿",
           "is_new_entrant": False, **extra}
    return api.calculate(Profile(parse_values(raw, CATALOG.registry)), [POLICY], CATALOG, options or Options())[0]


def lpr_reference(r: PolicyResult) -> tuple[Decimal, str]:
    """The rate (in %) named by the references line, and the line."""
    line = next(ref for ref in explain.references(r) if ref.startswith("lpr_1y"))
    m = re.match(r"lpr_1y = ([\d.]+)%", line)
    assert m, line
    return Decimal(m.group(1)), line


@pytest.mark.parametrize("year,amount_fen,rate,published", [
    # 1亿 × 50% × 3.45% = 1,725,000.00
    (2023, 172_500_000, "3.45", "2023-08-21"),
    # 1亿 × 50% × 3.10% = 1,550,000.00
    (2024, 155_000_000, "3.10", "2024-10-21"),
    # 1亿 × 50% × 3.00% = 1,500,000.00
    (2025, 150_000_000, "3.00", "2025-05-20"),
])
def test_loan_interest_uses_the_year_end_lpr(year: int, amount_fen: int, rate: str, published: str) -> None:
    r = loan(year)
    c = r.clause("loan_interest")
    assert (c.status, c.amount) == ("granted", amount_fen)
    shown, line = lpr_reference(r)
    assert shown == Decimal(rate)
    assert f"{year}-12-31" in line
    assert published in line
    assert not any("unconfirmed" in w for w in explain.warnings(r))


def test_loan_interest_profile_lpr_wins_over_the_table() -> None:
    # lpr_1y = 3.65% given: 1亿 × 50% × 3.65% = 1,825,000.00 (not the table's 3.10% for 2024)
    r = loan(2024, lpr_1y="3.65%")
    assert r.clause("loan_interest").amount == 182_500_000
    shown, line = lpr_reference(r)
    assert shown == Decimal("3.65")
    assert "given in the profile" in line


def test_loan_interest_after_confirmed_through_warns() -> None:
    # 2026 (hypothetical): 2026-12-31 is after 2026-02-24: rate 3.00% used with a warning
    # 1亿 × 50% × 3.00% = 1,500,000.00
    r = loan(2026, Options(ignore_validity=True))
    assert r.clause("loan_interest").amount == 150_000_000
    assert r.hypothetical is True
    shown, line = lpr_reference(r)
    assert shown == Decimal("3.00")
    assert "2026-02-24" in line
    assert any("lpr_1y" in w and "unconfirmed" in w for w in explain.warnings(r))


def test_loan_interest_before_the_lpr_existed_is_missing_input() -> None:
    # 2018-12-31 precedes the first LPR quote (2019-08-20): no rate, never a silent zero
    r = loan(2018, Options(ignore_validity=True))
    c = r.clause("loan_interest")
    assert (c.status, c.amount) == ("missing_input", 0)
    assert c.missing == ("lpr_1y",)
