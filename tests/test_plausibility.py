"""Plausibility warnings (issue 11 §3): computed, never errors, never silent; calc and batch alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nanchang_incentives import api, csvio
from nanchang_incentives.batch_table import bind_header, build_chunk
from nanchang_incentives.cli import app
from nanchang_incentives.plausibility import WarningKind, check_table
from nanchang_incentives.profile import Profile, load_profile, parse_values, table_of

CATALOG = api.load()
REG = CATALOG.registry
W = WarningKind

SLIP = """name = "万亿笔误"
jurisdiction = "nanchang"
year = 2024
industries = ["electronic-information"]
revenue = "25万"
revenue_prev = "22亿"
rd_expense = "12亿"
smart_factory_investments = ["1200亿"]
lpr_1y = "31%"
"""


def kinds(**raw: object) -> list[tuple[WarningKind, tuple[str, ...]]]:
    values = parse_values(raw, REG)
    return [(w.kind, w.fields) for w in check_table(table_of([Profile(values)], REG), REG).for_row(0)]


def test_the_issue_slip_profile_warns_naming_every_field_in_calc(tmp_path: Path) -> None:
    path = tmp_path / "slip.toml"
    path.write_text(SLIP, encoding="utf-8")
    p = load_profile(path, REG)
    assert [(w.kind, w.fields, w.values) for w in p.warnings] == [
        # 22亿 / 25万 = 8,800: a 万/亿 slip
        (W.UNIT_SLIP, ("revenue_prev", "revenue"), ("22亿", "25万")),
        # 12亿 / 25万 = 4,800
        (W.UNIT_SLIP, ("rd_expense", "revenue"), ("12亿", "25万")),
        (W.RATE_RANGE, ("lpr_1y",), ("31%",)),
        # 1200亿 / 25万 = 480,000: no unit slip window, far above 10×
        (W.PROJECT_SCALE, ("smart_factory_investments", "revenue"), ("1200亿", "25万")),
    ]
    res = CliRunner().invoke(app, ["calc", str(path), "--format", "json"])
    assert res.exit_code == 0  # warnings, never errors
    warnings = json.loads(res.output)["results"][0]["warnings"]
    assert warnings[:4] == [w.message for w in p.warnings]  # first in JSON warnings
    assert warnings[0] == ("revenue_prev (22亿) and revenue (25万) are about 10,000 times apart: was 万 written "
                           "for 亿, or 元 for 万? (1亿 = 10,000万)")


def test_the_issue_slip_profile_gets_the_same_codes_column_wise_in_batch(tmp_path: Path) -> None:
    src = tmp_path / "slip.csv"
    src.write_text("name,jurisdiction,year,industries,revenue,revenue_prev,rd_expense,smart_factory_investments,"
                   "lpr_1y\n万亿笔误,nanchang,2024,electronic-information,25万,22亿,12亿,1200亿,31%\n"
                   "正常,nanchang,2024,electronic-information,25亿,22亿,1.2亿,1200万,3.1%\n", encoding="utf-8")
    enc = csvio.detect_encoding(src)
    with src.open("rb") as f:
        names, start = csvio.read_header(f, enc, src)
        header = bind_header(names, CATALOG, str(src))
        (block,) = list(csvio.iter_blocks(f, enc, start))
        chunk = build_chunk(csvio.split_block(block, header.names), header, CATALOG, year_given=False,
                            policy_given=False)
    checks = check_table(chunk.table, REG)
    assert checks.codes() == [("unit_slip:revenue_prev+revenue;unit_slip:rd_expense+revenue;rate_range:lpr_1y;"
                              "project_scale:smart_factory_investments+revenue"), ""]
    assert checks.mask().tolist() == [True, False]
    path = tmp_path / "slip.toml"
    path.write_text(SLIP, encoding="utf-8")
    assert checks.for_row(0) == load_profile(path, REG).warnings


@pytest.mark.parametrize("prev,expected", [
    ("20亿", []),  # exactly 20× 1亿: not more than 20×
    ("2000000000.0001", [(W.REVENUE_CHANGE, ("revenue_prev", "revenue"))]),  # one unit over 20×
    ("500万", []),  # exactly 1/20
    ("4999999.9999", [(W.REVENUE_CHANGE, ("revenue_prev", "revenue"))]),  # just under 1/20
    ("10000亿", [(W.UNIT_SLIP, ("revenue_prev", "revenue"))]),  # 10,000×
])
def test_revenue_prev_against_revenue_edges(prev: str, expected: list) -> None:
    assert kinds(revenue="1亿", revenue_prev=prev) == expected


def test_rd_expense_exactly_revenue_is_fine_one_unit_above_warns() -> None:
    assert kinds(revenue="1亿", rd_expense="1亿") == []
    assert kinds(revenue="1亿", rd_expense="100000000.0001") == [(W.ABOVE_REVENUE, ("rd_expense", "revenue"))]


def test_project_edges_above_revenue_and_above_ten_times() -> None:
    assert kinds(revenue="1亿", smart_factory_investments=["1亿", "10万"]) == []
    assert kinds(revenue="1亿", smart_factory_investments=["10亿"]) == [
        (W.ABOVE_REVENUE, ("smart_factory_investments", "revenue"))]  # exactly 10×: above revenue only
    assert kinds(revenue="1亿", smart_factory_investments=["1000000000.0001"]) == [
        (W.PROJECT_SCALE, ("smart_factory_investments", "revenue"))]


def test_lpr_range_edges_are_inclusive() -> None:
    assert kinds(lpr_1y="0.5%") == [] and kinds(lpr_1y="15%") == []
    assert kinds(lpr_1y="0.4999%") == [(W.RATE_RANGE, ("lpr_1y",))]
    assert kinds(lpr_5y="15.0001%") == [(W.RATE_RANGE, ("lpr_5y",))]


def test_a_count_above_a_million_warns() -> None:
    assert kinds(rd_staff=1_000_000) == []
    assert kinds(rd_staff="1000001人") == [(W.LARGE_COUNT, ("rd_staff",))]


def test_no_bundled_sample_warns() -> None:
    for path in sorted((Path(__file__).resolve().parent.parent / "samples").glob("**/*.toml")):
        assert load_profile(path, REG).warnings == (), path


def test_sales_revenue_a_unit_below_revenue_is_a_slip() -> None:
    # 3万 for 3亿: the 5% company cap became 1,500.00 and cut loan_interest from 775,000.00 to it, without a word
    assert (WarningKind.UNIT_SLIP, ("sales_revenue", "revenue")) in kinds(revenue="3亿", sales_revenue="3万")
    assert (WarningKind.UNIT_SLIP, ("sales_revenue", "revenue")) in kinds(revenue="3亿", sales_revenue="3")
    assert not [k for k in kinds(revenue="3亿", sales_revenue="2.8亿") if k[0] is WarningKind.UNIT_SLIP]
    assert not [k for k in kinds(revenue="3亿", sales_revenue="300万") if k[0] is WarningKind.UNIT_SLIP]  # 100×
