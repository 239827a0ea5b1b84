"""SPEC 9.2 (ranges under the company cap) and 9.3 (years no policy covers, successors), worked out by hand.

Amounts are fen (1 yuan = 100 fen). The company-cap step (SPEC §3): limit; each counted clause's share
a × L / T rounded down to the fen; the fen left over to the largest remainders, equal remainders in table
order. SPEC 9.2 runs the same step again with every counted up_to clause at its stated minimum (0 unless the
text states one) and every other clause at its amount before the company cap: an exact clause's share in that
second run is its ``amount_max``.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import jsonschema
import pytest
from rich.console import Console
from typer.testing import CliRunner

from nanchang_incentives import api, explain
from nanchang_incentives.cli import app
from nanchang_incentives.engine import Options, PolicyResult
from nanchang_incentives.policy import (
    PolicyError,
    load_general_fields,
    load_policy,
    load_references,
    package_policies_dir,
)
from nanchang_incentives.profile import Profile, parse_values
from nanchang_incentives.render.json import document
from nanchang_incentives.render.markdown import render_results, report_of
from nanchang_incentives.render.table import print_report
from nanchang_incentives.trace import CapState, NoticeKind

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "nanchang-small-firm-capped.toml"
SCHEMA = json.loads((ROOT / "schema" / "result.schema.json").read_text(encoding="utf-8"))
CATALOG = api.load()
NANCHANG = CATALOG.get("nanchang-electronic-information-2023")
WUHAN = CATALOG.get("wuhan-east-lake-software-2023")
BEIJING = CATALOG.get("beijing-robotics-2023")
WAN = 10_000 * 100
GENERAL = load_general_fields(package_policies_dir())
REFERENCES = load_references(package_policies_dir())
ENV = {"NO_COLOR": "1", "FORCE_COLOR": None, "TTY_COMPATIBLE": None, "TTY_INTERACTIVE": None, "COLUMNS": "120",
       "INCENTIVES_POLICIES_DIR": None}


def sample(year: int | None = None) -> PolicyResult:
    profile = api.load_company(SAMPLE, CATALOG)
    return api.calculate(profile, [NANCHANG], CATALOG, Options(year=year))[0]


def nanchang(**fields: object) -> PolicyResult:
    raw = {"name": "t", "jurisdiction": "nanchang", "year": 2024, "industries": ["electronic-information"],
           "is_new_entrant": False, "key_support_area": False, **fields}
    return api.calculate(Profile(parse_values(raw, CATALOG.registry)), [NANCHANG], CATALOG)[0]


def wuhan(**fields: object) -> PolicyResult:
    raw = {"name": "t", "jurisdiction": "wuhan-east-lake", "year": 2024, "industries": ["software"], **fields}
    return api.calculate(Profile(parse_values(raw, CATALOG.registry)), [WUHAN], CATALOG)[0]


# ---------------------------------------------------------------- SPEC 9.2, the small-firm sample


def test_small_firm_sample_amount_max_worked_by_hand() -> None:
    # Before the company cap (fen): neeq_listing 100,000,000 (exact 100万); equity_investment 200,000,000 (up to
    # 200万, counted at its ceiling); smart_factory 3,176,843.26 × 50% = 158,842,163; event_hosting 376,500.20 × 50%
    # = 18,825,010. Limit L = 5% × 31,844,478.20 = 1,592,223.91 = 159,222,391 fen.
    # Second run: equity_investment at its minimum, 0 (the text states none). T = 100,000,000 + 158,842,163 +
    # 18,825,010 = 277,667,173 > L, so the cap still binds:
    #   neeq   100,000,000 × L / T = 57,342,893 rem 109,048,511
    #   smart  158,842,163 × L / T = 91,084,692 rem  53,256,017
    #   event   18,825,010 × L / T = 10,794,805 rem 115,362,645
    # floors sum to 159,222,390: one fen to the largest remainder, event_hosting -> 10,794,806.
    r = sample()
    assert r.company_cap is not None and r.company_cap.state == CapState.APPLIED
    assert [(c.id, c.amount, c.amount_max) for c in r.clauses if c.amount] == [
        ("neeq_listing", 33_333_333, 57_342_893),
        ("equity_investment", 66_666_667, None),  # an up-to figure under a binding cap: a ceiling only
        ("smart_factory", 52_947_388, 91_084_692),
        ("event_hosting", 6_275_003, 10_794_806),
    ]
    assert 57_342_893 + 91_084_692 + 10_794_806 == 159_222_391
    assert r.total_exact == 92_555_724
    assert r.total_exact_max == 159_222_391
    assert all(c.amount_min is None for c in r.clauses)


def test_small_firm_sample_in_words_json_and_markdown() -> None:
    r = sample()
    neeq = r.clause("neeq_listing")
    assert explain.amount_text(neeq) == ("at least 333,333.33 (up to 573,428.93 if the up-to awards are granted "
                                         "below their ceilings)")
    assert "this clause keeps 573,428.93" in explain.clause_explanation(neeq)
    doc = document("t", 2024, [r])
    jsonschema.validate(doc, SCHEMA)
    res = doc["results"][0]
    clauses = {c["id"]: c for c in res["clauses"]}
    assert clauses["neeq_listing"]["amount_max"] == "573428.93"
    assert clauses["smart_factory"]["amount_max"] == "910846.92"
    assert clauses["event_hosting"]["amount_max"] == "107948.06"
    assert "amount_max" not in clauses["equity_investment"]
    assert res["total_exact"] == "925557.24" and res["total_exact_max"] == "1592223.91"
    assert res["in_force"] is True
    md = render_results(api.load_company(SAMPLE, CATALOG), [r])
    assert ("| at least 333,333.33 (up to 573,428.93 if the up-to awards are granted below their ceilings) |"
            in md)
    assert ("- exact clauses: at least 925,557.24, up to 1,592,223.91 if the up-to awards are granted below their "
            "ceilings") in md


@pytest.mark.parametrize("width", [80, 120, 200])
def test_small_firm_table_keeps_every_figure_whole(width: int) -> None:
    import io

    buf = io.StringIO()
    console = Console(file=buf, width=width, no_color=True, highlight=False, emoji=False)
    print_report(report_of(sample()), console)
    text = buf.getvalue()
    for figure in ("333,333.33", "573,428.93", "529,473.88", "910,846.92", "62,750.03", "107,948.06",
                   "925,557.24", "1,592,223.91"):
        assert figure in text, (width, figure)
    flat = " ".join(text.split())
    assert "at least 925,557.24, up to 1,592,223.91 if the up-to awards are granted below their ceilings" in flat
    assert "neeq_listing: at least 333,333.33 (up to 573,428.93 if the up-to awards" in flat
    assert max(len(line) for line in text.splitlines()) <= width


def test_no_up_to_clause_counted_gives_no_range() -> None:
    # the sample without its equity round: neeq 100,000,000 + smart 158,842,163 + event 18,825,010 = 277,667,173
    # > L 159,222,391: the cap binds, but no up_to clause was counted, so every figure is exact as it stands
    r = nanchang(revenue="33,120,000", revenue_prev="2950万", sales_revenue="31,844,478.20", neeq_listed=True,
                 smart_factory_investments=["3,176,843.26"], hosted_event_expenses=["376,500.20"])
    assert r.company_cap is not None and r.company_cap.state == CapState.APPLIED
    assert r.clause("neeq_listing").amount == 57_342_893  # the second run of the sample test, now the only one
    assert r.clause("event_hosting").amount == 10_794_806
    assert all(c.amount_max is None and c.amount_min is None for c in r.clauses)
    assert r.total_exact_max is None
    res = document("t", 2024, [r])["results"][0]
    assert "total_exact_max" not in res and all("amount_max" not in c for c in res["clauses"])


def test_major_tech_project_amount_min() -> None:
    # 每项给予100-200万元: 2 projects -> up to 2 × 200万 = 4,000,000.00, at least 2 × 100万 = 2,000,000.00;
    # sales 10亿 -> limit 5000万: the cap does not cut it
    r = nanchang(sales_revenue="10亿", major_tech_projects=2)
    c = r.clause("major_tech_project")
    assert (c.status, c.amount, c.amount_min, c.amount_max) == ("granted", 400 * WAN, 200 * WAN, None)
    assert explain.amount_text(c) == "up to 4,000,000.00 (at least 2,000,000.00)"
    assert explain.amount_lines(c) == ("up to", "4,000,000.00", "(at least", "2,000,000.00)")
    res = document("t", 2024, [r])["results"][0]
    jsonschema.validate(document("t", 2024, [r]), SCHEMA)
    assert next(x for x in res["clauses"] if x["id"] == "major_tech_project")["amount_min"] == "2000000.00"
    assert "total_exact_max" not in res


def test_major_tech_project_under_a_binding_cap_is_a_ceiling_only_and_counts_at_its_minimum() -> None:
    # neeq 100万 exact + 1 project up to 200万 (at least 100万); sales 3000万 -> L = 150万 = 150,000,000 fen.
    # First run: T = 300万: neeq 100 × 150 / 300 = 50万, project 100万 (no remainders).
    # Second run: the project at its minimum 100万: T = 200万 > 150万: each 75万.
    r = nanchang(sales_revenue="3000万", neeq_listed=True, major_tech_projects=1)
    neeq, mtp = r.clause("neeq_listing"), r.clause("major_tech_project")
    assert (neeq.amount, neeq.amount_max) == (50 * WAN, 75 * WAN)
    assert (mtp.status, mtp.amount, mtp.amount_min) == ("capped", 100 * WAN, None)  # cut: no minimum shown
    assert r.total_exact_max == 75 * WAN


def test_second_run_exactly_at_the_limit_and_one_fen_over() -> None:
    # sales 4000万 -> L = 200万; second run: neeq 100万 + project minimum 100万 = 200万 = L: not over, so neeq
    # keeps its whole 100万
    r = nanchang(sales_revenue="4000万", neeq_listed=True, major_tech_projects=1)
    assert r.clause("neeq_listing").amount == 66_666_667  # 100 × 200 / 300 = 66.6666…万, + the leftover fen
    assert r.clause("neeq_listing").amount_max == 100 * WAN
    # sales 39,999,999.80 -> L = 1,999,999.99 = 199,999,999 fen, one fen under the second run's 200,000,000:
    # shares 99,999,999.5 each: floors 99,999,999 + 99,999,999, equal remainders, the fen to the first in table
    # order (neeq_listing) -> 100,000,000. First run: T = 300,000,000: neeq 66,666,666.33 -> 66,666,666, the
    # project 133,333,332.67 -> 133,333,332 + the leftover fen (larger remainder).
    r = nanchang(sales_revenue="39,999,999.80", neeq_listed=True, major_tech_projects=1)
    assert (r.clause("neeq_listing").amount, r.clause("major_tech_project").amount) == (66_666_666, 133_333_333)
    assert r.clause("neeq_listing").amount_max == 100_000_000
    assert r.total_exact_max == 100_000_000


def test_total_exact_max_counts_only_the_clauses_the_cap_cut_and_calc_and_batch_agree(tmp_path: Path) -> None:
    # SPEC 9.2: total_exact_max sums amount_max over the exact clauses the cap cut, and the amount of the others.
    # (a) L = 5% × 4亿 = 20,000,000.00; first run T = 20,000,000.00 (settlement, capped) + 20,000,000.00 (the
    # top-up) + 2,000,000.00 (a project's ceiling) + 0.01 (half of an event's 0.02): each share × 2000 / 4200.00001;
    # event_hosting keeps its 0.01 (floor 0 + the largest remainder). The second run (the project at its 100万
    # minimum): 19,000,000.00 for the rest, 9,756,097.56 each and the event squeezed to 0.00 — but the event
    # was not cut, so it counts its 0.01: 9,756,097.56 × 2 + 0.01 = 19,512,195.13 (batch said .12: it summed the
    # second run whole). (b) sales 26,612,900 -> L = 1,330,645.00; settlement 0.02 cut to 0.01 in the first run
    # and to 0.00 in the second: its upper bound counts 0.00, 283,115.96 + 1,047,529.04 = 1,330,645.00, never a
    # fen above the cap (calc said .01: it counted the 0.01 of a clause whose second share is lower)
    a = {"revenue": "4亿", "sales_revenue": "4亿", "is_listed": True, "settlement_sales": "40亿",
         "rd_expense": "2000万", "rd_post_subsidy_base": "2000万", "major_tech_projects": 1,
         "hosted_event_expenses": ["0.02"]}
    b = {"revenue": "26612900", "sales_revenue": "26612900", "neeq_listed": True, "equity_investment_raised": "500万",
         "is_listed": True, "settlement_sales": "4", "smart_factory_investments": ["740万"]}
    ra, rb = nanchang(**a), nanchang(**b)
    assert ra.clause("event_hosting").amount == 1 and ra.clause("event_hosting").amount_max is None
    assert ra.clause("settlement").amount_max == 975_609_756
    assert (ra.total_exact, ra.total_exact_max) == (1_904_761_905, 1_951_219_513)
    assert rb.clause("settlement").amount == 1 and rb.clause("settlement").amount_max is None
    assert (rb.clause("neeq_listing").amount_max, rb.clause("smart_factory").amount_max) == (28_311_596, 104_752_904)
    assert (rb.total_exact, rb.total_exact_max) == (93_343_754, 133_064_500)
    # batch gives the same figures for the same rows (calc is a batch of one)
    fields = sorted(set(a) | set(b))
    src = tmp_path / "r.csv"
    with src.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["name", "jurisdiction", "year", "industries", "is_new_entrant", "key_support_area", *fields])
        for name, p in (("a", a), ("b", b)):
            w.writerow([name, "nanchang", 2024, "electronic-information", "false", "false",
                        *[";".join(v) if isinstance(v := p.get(k, ""), list) else str(v).lower()
                          if isinstance(v, bool) else v for k in fields]])
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv"), "-q"], env=ENV)
    assert res.exit_code == 0, res.output
    with (tmp_path / "o.csv").open(encoding="utf-8-sig") as f:
        got = {r["name"]: (r["total_exact"], r["total_exact_max"]) for r in csv.DictReader(f)}
    assert got == {"a": ("19047619.05", "19512195.13"), "b": ("933437.54", "1330645.00")}


def test_wuhan_company_cap_range() -> None:
    # test_wuhan's binding case: hq_relocation 100万 × 10% = 10万 = 10,000,000 fen (exact); 9 open-source products
    # × 1000万 and the platform 3000万 (up to). L = 1亿; the first run cuts hq to 8,326,395 fen. Second run: the
    # up-to clauses at 0 (no stated minimum): T = 10,000,000 ≤ L, the cap does not bind: hq keeps 10,000,000.
    r = wuhan(open_source_products=9, open_source_platform_built=True, new_headquarters=True, paid_in_capital="100万")
    hq = r.clause("hq_relocation")
    assert (hq.amount, hq.amount_max) == (8_326_395, 10_000_000)
    assert r.total_exact == 8_326_395 and r.total_exact_max == 10_000_000
    assert r.clause("open_source_product").amount_max is None


# ---------------------------------------------------------------- the minimum key in a policy table


def _table_with(tmp_path: Path, old: str, new: str) -> Path:
    src = (ROOT / "policies" / "nanchang-electronic-information-2023.toml").read_text(encoding="utf-8")
    assert old in src
    path = tmp_path / "nanchang-electronic-information-2023.toml"
    path.write_text(src.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("new, message", [
    ('fixed = "200万"\nminimum = "300万"', "minimum '300万' is more than fixed '200万'"),
    ('fixed = "200万"\nminimum = "-1万"', "minimum"),
    ('fixed = "200万"\nminimum = "一百万"', "minimum"),
])
def test_minimum_is_validated_like_other_money_keys(tmp_path: Path, new: str, message: str) -> None:
    path = _table_with(tmp_path, 'fixed = "200万"\nminimum = "100万"', new)
    with pytest.raises(PolicyError) as exc:
        load_policy(path, GENERAL, REFERENCES)
    assert message in str(exc.value) and ":" in str(exc.value)


def test_minimum_only_on_an_up_to_clause(tmp_path: Path) -> None:
    path = _table_with(tmp_path, 'fixed = "100万"\n', 'fixed = "100万"\nminimum = "50万"\n')  # neeq_listing, exact
    with pytest.raises(PolicyError, match="up_to clause"):
        load_policy(path, GENERAL, REFERENCES)


# ---------------------------------------------------------------- SPEC 9.3: years no policy covers, successors


def test_successor_notes_are_dated() -> None:
    assert NANCHANG.successor is not None and NANCHANG.successor.as_of == "2026-12"
    assert NANCHANG.successor.note.startswith("no successor has been published")
    assert WUHAN.successor is not None and str(WUHAN.successor.reported) == "2025-03-20"
    assert "14-measure" in WUHAN.successor.note
    assert BEIJING.successor is not None and str(BEIJING.successor.reported) == "2026-01-23"
    assert "首试首用" in BEIJING.successor.note and "50%" in BEIJING.successor.note


NANCHANG_2026 = ("no clause of 洪府发〔2023〕30号 is in force for fiscal 2026: it ended on 2025-12-31; no successor has "
                 "been published, and none was found in the sources; the text says it will be evaluated and revised "
                 "when it expires (as of 2026-12)")


def test_fiscal_2026_in_nanchang_is_not_in_force_and_says_why() -> None:
    r = sample(2026)
    assert r.in_force is False and r.total == 0
    assert {c.status for c in r.clauses} == {"expired"}
    assert r.company_cap is not None and r.company_cap.state == CapState.NOT_APPLICABLE
    assert r.notices[0].kind == NoticeKind.POLICY_ENDED
    assert explain.warnings(r)[0].startswith(NANCHANG_2026)
    rep = report_of(r)
    assert rep.banner.startswith("NOT IN FORCE: " + NANCHANG_2026)
    assert not any(w.startswith("no clause of") for w in rep.warnings)  # in the banner, not repeated
    doc = document("t", 2026, [r])
    jsonschema.validate(doc, SCHEMA)
    assert doc["results"][0]["in_force"] is False
    assert doc["results"][0]["successor"] == explain.successor(NANCHANG.successor)


def test_fiscal_2022_is_before_the_start_not_after_the_end() -> None:
    r = sample(2022)
    assert [n.kind for n in r.notices if n.kind in (NoticeKind.POLICY_ENDED, NoticeKind.OUTSIDE_VALIDITY)] == [
        NoticeKind.OUTSIDE_VALIDITY]


def test_ignore_validity_still_computes_a_hypothetical_result() -> None:
    profile = api.load_company(SAMPLE, CATALOG)
    r = api.calculate(profile, [NANCHANG], CATALOG, Options(year=2026, ignore_validity=True))[0]
    assert r.hypothetical and r.total == 159_222_391
    assert r.company_cap is not None and r.company_cap.state == CapState.APPLIED
    kinds = [n.kind for n in r.notices]
    assert kinds[:2] == [NoticeKind.POLICY_ENDED, NoticeKind.HYPOTHETICAL]
    assert "--ignore-validity computes" not in explain.warnings(r)[0]


def test_calc_and_compare_say_it_in_words() -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["calc", str(SAMPLE), "--year", "2026"], env=ENV)
    assert out.exit_code == 0
    flat = " ".join(out.stdout.split())
    assert flat.startswith("NOT IN FORCE: " + NANCHANG_2026)
    md = runner.invoke(app, ["calc", str(SAMPLE), "--year", "2026", "--format", "markdown"], env=ENV)
    assert f"> **NOT IN FORCE: {NANCHANG_2026}" in md.stdout
    cmp = runner.invoke(app, ["compare", str(SAMPLE), "--year", "2026"], env=ENV)
    assert cmp.exit_code == 0
    assert f"! nanchang: {NANCHANG_2026}" in " ".join(cmp.stdout.split())


def test_compare_shows_a_city_whose_policy_is_not_in_force_without_figures() -> None:
    """compare --year 2026: Nanchang's row had totals of 0.00 and a "(none)" bar, as if computed to nothing; its
    totals are "—" and its bar says "(not in force)" (table at every layout, Markdown), while the other
    cities keep their figures."""
    runner = CliRunner()
    multi = ROOT / "samples" / "multi-industry.toml"
    for columns in ("200", "80"):
        out = runner.invoke(app, ["compare", str(multi), "--year", "2026"], env=dict(ENV, COLUMNS=columns)).stdout
        totals = out[out.index("\nTotals"):out.index("Not applicable as is")]
        nanchang = next(line for line in totals.splitlines() if line.startswith("nanchang"))
        assert nanchang.split() == ["nanchang", "(not", "in", "force)", "—"]
        assert "42,200,000.00" in totals and "4,300,000.00" in totals
        side = out[:out.index("\nTotals")]
        # the table's first row (200 columns), or the first city's block (80 columns)
        first_row = side[side.index("nanchang"):side.index("├" if columns == "200" else "wuhan-east-lake")]
        assert "0.00" not in first_row and "—" in first_row
    md = runner.invoke(app, ["compare", str(multi), "--year", "2026", "--format", "markdown"], env=ENV).stdout
    assert "| nanchang | nanchang-electronic-information-2023 | — | — | — | 0 | — | — | expired |" in md
    assert "(not in force)" in md and "| beijing | beijing-robotics-2023 | up to 42,200,000.00 |" in md


def test_calc_totals_of_a_year_no_clause_covers_are_not_a_zero() -> None:
    """The totals block said "total 0.00 (all exact)" under the NOT IN FORCE banner (SPEC 9.3: no silent 0.00);
    it says that nothing is computed. --ignore-validity still gives the hypothetical figures."""
    runner = CliRunner()
    table = runner.invoke(app, ["calc", str(SAMPLE), "--year", "2026"], env=ENV).stdout
    totals = table[table.index("[1] company annual cap"):table.index("What would unlock more")]
    assert " ".join(totals.split()).endswith(
        "total none: no clause is in force for fiscal 2026, nothing is computed")
    assert "0.00" not in totals and "exact clauses" not in totals
    md = runner.invoke(app, ["calc", str(SAMPLE), "--year", "2026", "--format", "markdown"], env=ENV).stdout
    assert "- total: none: no clause is in force for fiscal 2026, nothing is computed\n" in md
    hypothetical = runner.invoke(app, ["calc", str(SAMPLE), "--year", "2026", "--ignore-validity"], env=ENV).stdout
    assert "nothing is computed" not in hypothetical and "exact clauses" in hypothetical


def test_unknown_end_and_a_reported_successor_warn_from_its_year() -> None:
    before = wuhan(year=2024, software_spin_off=True)
    assert NoticeKind.MAY_BE_SUPERSEDED not in [n.kind for n in before.notices]
    after = wuhan(year=2025, software_spin_off=True)
    assert after.in_force
    text = next(explain.notice(n, after) for n in after.notices if n.kind == NoticeKind.MAY_BE_SUPERSEDED)
    assert text.startswith("the result may be superseded: the end of 加快促进软件和信息技术服务业创新发展的若干措施 is "
                           "unknown and a later text was reported on 2025-03-20 (fiscal 2025 is on or after it): "
                           "a 14-measure text")
    assert text.endswith("(as of 2026-12)")


def test_batch_counts_companies_not_in_force_and_never_claims_a_cap_outcome(tmp_path: Path) -> None:
    rows = [
        # the sample in 2024 (ranged), the same firm in 2026, and the firm without an equity round in 2024
        ("A", 2024, "800万"), ("B", 2026, "800万"), ("C", 2024, "0"),
    ]
    src = tmp_path / "in.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "jurisdiction", "year", "industries", "revenue", "revenue_prev", "sales_revenue",
                    "is_new_entrant", "key_support_area", "neeq_listed", "equity_investment_raised",
                    "smart_factory_investments", "hosted_event_expenses"])
        for name, year, equity in rows:
            w.writerow([name, "nanchang", year, "electronic-information", "33,120,000", "2950万", "31,844,478.20",
                        "false", "false", "true", equity, "3,176,843.26", "376,500.20"])
    out, summary = tmp_path / "out.csv", tmp_path / "s.json"
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(out), "--summary-json", str(summary)], env=ENV)
    assert res.exit_code == 0, res.output
    lines = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [(x["total_exact"], x["total_exact_max"], x["company_cap"]) for x in lines] == [
        ("925557.24", "1592223.91", "applied"), ("0.00", "", "not_applicable"), ("1592223.91", "", "applied")]
    pol = json.loads(summary.read_text(encoding="utf-8"))["policies"][0]
    assert pol["companies_not_in_force"] == 1 and pol["not_in_force_years"] == {"2026": 1}
    assert pol["company_cap"]["not_applicable"] == 1
    assert pol["total_exact"] == "2517781.15"  # 925,557.24 + 1,592,223.91
    assert pol["total_exact_max"] == "3184447.82"  # 1,592,223.91 twice
    view = " ".join(res.stdout.split())
    assert "1 company with fiscal 2026: no clause in force (the policy ended on 2025-12-31)" in view
    assert "exact outlay: at least 2,517,781.15, up to 3,184,447.82 if the up-to awards" in view
    assert re.search(r"total, exact \(at most\)\s+3,184,447\.82", view)


def test_policies_show_prints_the_successor() -> None:
    out = CliRunner().invoke(app, ["policies", "show", "nanchang-electronic-information-2023"], env=ENV)
    assert out.exit_code == 0
    assert "successor: no successor has been published" in " ".join(out.stdout.split())


SUCCESSOR_BLOCK = 'as_of = "2026-12"\n'


@pytest.mark.parametrize("new, message", [
    ('as_of = "2026-13"\n', 'as_of must be a month "2026-12" or a date 2026-12-15'),
    ('as_of = 2026\n', "as_of must be a month"),
    ('as_of = "2026-12"\nreported = 2027-01-05\n', "reported 2027-01-05 is after as_of 2026-12"),
    ('as_of = "2026-12"\nreportd = 2025-01-05\n', 'unknown key \'reportd\' (did you mean "reported"?)'),
    ("", "missing required key 'as_of'"),
])
def test_successor_is_validated(tmp_path: Path, new: str, message: str) -> None:
    path = _table_with(tmp_path, SUCCESSOR_BLOCK, new)
    with pytest.raises(PolicyError) as exc:
        load_policy(path, GENERAL, REFERENCES)
    assert message in str(exc.value)
    assert re.search(r"nanchang-electronic-information-2023\.toml:\d+", str(exc.value))  # file:line


def test_batch_budget_names_a_year_before_the_policy_as_such(tmp_path: Path) -> None:
    """洪府发〔2023〕30号 runs 2023-10-10 … 2025-12-31: fiscal 2022 is not covered because the policy had not yet
    taken effect, 2026 because it ended; the budget line must not say 'ended on 2025-12-31' of 2022."""
    src = tmp_path / "in.csv"
    src.write_text("name,jurisdiction,year,industries,revenue,revenue_prev,local_project_loans\n"
                   "A,nanchang,2022,electronic-information,3亿,2亿,1000万\n"
                   "B,nanchang,2026,electronic-information,3亿,2亿,1000万\n"
                   "C,nanchang,2025,electronic-information,3亿,2亿,1000万\n"
                   "D,wuhan-east-lake,2022,software,1亿,1亿,\n", encoding="utf-8")
    out, summary = tmp_path / "out.csv", tmp_path / "s.json"
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(out), "--summary-json", str(summary)], env=ENV)
    assert res.exit_code == 0, res.output
    view = " ".join(res.stdout.split())
    assert ("2 companies with fiscal 2022 (1), 2026 (1): no clause in force (2022: before the policy took effect; "
            "2026: the policy ended on 2025-12-31)") in view
    # the Wuhan measures (from 2023-08-17, end unknown): 2022 is before them
    assert "1 company with fiscal 2022: no clause in force (before the policy took effect)" in view
    lines = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    # C: 1000万 × 50% × 3.00% (LPR 1y in force on 2025-12-31) = 150,000.00
    assert [(x["name"], x["total"], x["company_cap"]) for x in lines] == [
        ("A", "0.00", "not_applicable"), ("B", "0.00", "not_applicable"), ("C", "150000.00", "not_reached"),
        ("D", "0.00", "not_applicable")]


def test_batch_budget_carries_the_warnings_calc_gives_each_result(tmp_path: Path) -> None:
    """SPEC 9.3 in batch: a fiscal year on or after a reported successor (Wuhan: 2025-03-20, Beijing: 2026-01-23)
    may be superseded; a policy with no known end says so; Beijing's 高精尖 notice (two or more clauses with an
    amount) counts its companies. The budget view, its xlsx sheet and --summary-json all say it, and the same
    rows through calc carry the same warnings."""
    with (ROOT / "samples" / "companies.csv").open(encoding="utf-8-sig", newline="") as f:
        sample_rows = list(csv.DictReader(f))
    beijing = next(r for r in sample_rows if r["jurisdiction"].startswith("beijing"))
    wuhan_row = next(r for r in sample_rows if r["jurisdiction"].startswith("wuhan"))
    rows = [{**wuhan_row, "name": f"W{y}", "year": str(y)} for y in (2024, 2025, 2026)]
    rows += [{**beijing, "name": f"B{y}", "year": str(y)} for y in (2025, 2026)]
    src = tmp_path / "in.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(sample_rows[0]))
        w.writeheader()
        w.writerows(rows)
    out, summary = tmp_path / "out.xlsx", tmp_path / "s.json"
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(out), "--summary-json", str(summary)], env=ENV)
    assert res.exit_code == 0, res.output
    pols = {p["policy"]: p for p in json.loads(summary.read_text(encoding="utf-8"))["policies"]}
    wh, bj = pols["wuhan-east-lake-software-2023"], pols["beijing-robotics-2023"]
    assert (wh["companies_may_be_superseded"], wh["may_be_superseded_years"]) == (2, {"2025": 1, "2026": 1})
    assert (bj["companies_may_be_superseded"], bj["may_be_superseded_years"]) == (1, {"2026": 1})
    assert wh["validity_end_unknown"] == WUHAN.validity_note and bj["validity_end_unknown"] == BEIJING.validity_note
    assert [n["companies"] for n in bj["notices"]] == [2] and bj["notices"][0]["text"].startswith("高精尖")
    # the table's one notice (东湖高新区 only) for the Wuhan companies with an amount
    assert [n["text"][:17] for n in wh["notices"]] == ["东湖高新区 only: these"]
    view = " ".join(res.stdout.split())
    assert ("2 companies with fiscal 2025 (1), 2026 (1): their results may be superseded (the policy's end is unknown; "
            "a later text was reported on 2025-03-20)") in view
    assert ("1 company with fiscal 2026: its result may be superseded (the policy's end is unknown; "
            "a later text was reported on 2026-01-23)") in view
    assert "2 companies: 高精尖产业发展资金" in view
    assert view.count("Validity end not confirmed") == 2
    import openpyxl

    sheet = [r[1] for r in openpyxl.load_workbook(out)["budget"].iter_rows(values_only=True) if r[1]]
    assert sum("may be superseded" in str(c) for c in sheet) == 2 and any("2 companies: 高精尖" in str(c) for c in sheet)
    # the same rows through calc's engine: the same results carry the same warnings
    for r in rows:
        values = {k: v for k, v in r.items() if v != ""}
        profile = Profile(parse_values(values, CATALOG.registry, csv=True))
        [result] = api.calculate(profile, api.policies_for(profile, CATALOG), CATALOG)
        kinds = {n.kind for n in result.notices}
        superseded = r["name"] in ("W2025", "W2026", "B2026")
        assert (NoticeKind.MAY_BE_SUPERSEDED in kinds) == superseded, r["name"]
        assert NoticeKind.VALIDITY_END_UNKNOWN in kinds
        # Beijing's one-direction notice (two clauses with amounts), Wuhan's 东湖高新区-only one (an amount)
        assert NoticeKind.POLICY_NOTICE in kinds, r["name"]


def test_calc_says_a_result_may_be_superseded_before_its_figures_not_after_them() -> None:
    """README: the first lines say what must be read before the figures; `calc … | head` lost this warning."""
    from typer.testing import CliRunner

    from nanchang_incentives.cli import app

    for fmt, table_start in (("table", "Clause"), ("markdown", "| Clause |")):
        out = CliRunner().invoke(app, ["calc", "samples/wuhan-software-firm.toml", "--year", "2026", "--format", fmt],
                                 env={"COLUMNS": "120", "NO_COLOR": "1"}).stdout
        warning = out.index("the result may be superseded: the end of 加快促进软件和信息技术服务业创新发展的若干措施")
        assert warning < out.index(table_start), fmt
        assert "fiscal year 2026 covered (the result may be superseded: see the warning)" in " ".join(out.split()), fmt
        assert out.count("the result may be superseded: the end of") == 1, fmt
        early = CliRunner().invoke(app, ["calc", "samples/wuhan-software-firm.toml", "--year", "2024",
                                         "--format", fmt], env={"COLUMNS": "120", "NO_COLOR": "1"}).stdout
        assert "superseded" not in early and "fiscal year 2024 covered\n" in early.replace("  \n", "\n"), fmt


def test_a_ceiling_cut_to_zero_is_not_an_all_exact_total(tmp_path):
    # sales_revenue 0: the 5% company cap is 0.00 and cuts ipo's 10,000,000.00 ceiling to 0.00; the total is then a
    # ceiling of 0.00, not "0.00 (all exact)"
    profile = tmp_path / "zero.toml"
    profile.write_text('name = "零收入"\njurisdiction = "nanchang"\nyear = 2024\nindustries = ["electronic-information"]\n'
                       'revenue = 0\nsales_revenue = 0\nis_new_entrant = false\nipo_completed = true\n', encoding="utf-8")
    runner = CliRunner()
    for fmt in ("table", "markdown"):
        out = runner.invoke(app, ["calc", str(profile), "--format", fmt], env=ENV)
        assert out.exit_code == 0, out.output
        assert "all exact" not in out.stdout
        assert "up to 0.00 (exact 0.00 + up to 0.00)" in out.stdout
    doc = json.loads(runner.invoke(app, ["calc", str(profile), "--format", "json"], env=ENV).stdout)
    ipo = next(c for c in doc["results"][0]["clauses"] if c["id"] == "ipo")
    assert (ipo["status"], ipo["basis"], ipo["amount"]) == ("capped", "up_to", "0.00")
    # compare says it as calc does (table, bars, Markdown): Nanchang's total is a ceiling of 0.00
    table = runner.invoke(app, ["compare", str(profile)], env=ENV).stdout
    assert "total up to 0.00" in " ".join(table.split()) or "│ up to 0.00 │" in table
    bars = table[table.index("\nTotals"):]
    assert next(line for line in bars.splitlines() if line.startswith("nanchang")).endswith("up to 0.00")
    md = runner.invoke(app, ["compare", str(profile), "--format", "markdown"], env=ENV).stdout
    assert "| nanchang | nanchang-electronic-information-2023 | up to 0.00 |" in md


def test_batch_says_on_every_line_whether_its_year_is_covered(tmp_path):
    # SPEC 9.3 on the row, as calc says it in its header and warnings: Wuhan East Lake (no known end; a successor
    # reported 2025-03-20) may be superseded from fiscal 2025, Beijing (successor guides 2026-01-23) from 2026;
    # Nanchang ended 2025-12-31, so fiscal 2026 is not covered
    src = tmp_path / "c.csv"
    src.write_text("name,jurisdiction,year,industries,revenue\n"
                   "W24,wuhan-east-lake,2024,software,1亿\nW25,wuhan-east-lake,2025,software,1亿\n"
                   "B25,beijing,2025,robotics,1亿\nB26,beijing,2026,robotics,1亿\n"
                   "N25,nanchang,2025,electronic-information,1亿\nN26,nanchang,2026,electronic-information,1亿\n",
                   encoding="utf-8")
    expected = {"W24": "covered", "W25": "may_be_superseded", "B25": "covered", "B26": "may_be_superseded",
                "N25": "covered", "N26": "not_covered"}
    runner = CliRunner()
    for suffix in ("csv", "jsonl", "parquet"):
        out = tmp_path / f"r.{suffix}"
        r = runner.invoke(app, ["batch", str(src), "-o", str(out), "-q"], env=ENV)
        assert r.exit_code == 0, r.output
        if suffix == "csv":
            got = {row["name"]: row["validity"] for row in csv.DictReader(out.open(encoding="utf-8-sig"))}
        elif suffix == "jsonl":
            got = {d["name"]: d["validity"] for d in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
        else:
            import pyarrow.parquet as pq  # a test dependency
            t = pq.read_table(out).to_pydict()
            got = dict(zip(t["name"], t["validity"]))
        assert got == expected, suffix
    # calc says the same of each company
    for name, word in expected.items():
        row = next(line for line in src.read_text(encoding="utf-8").splitlines() if line.startswith(name + ","))
        _, jur, year, tag, _ = row.split(",")
        profile = tmp_path / f"{name}.toml"
        profile.write_text(f'name = "{name}"\njurisdiction = "{jur}"\nyear = {year}\nindustries = ["{tag}"]\n'
                           f'revenue = "1亿"\n', encoding="utf-8")
        doc = json.loads(runner.invoke(app, ["calc", str(profile), "--format", "json"], env=ENV).stdout)
        res = doc["results"][0]
        superseded = any("may be superseded" in w for w in res["warnings"])
        assert (res["in_force"], superseded) == {"covered": (True, False), "may_be_superseded": (True, True),
                                                 "not_covered": (False, False)}[word], name


def test_batch_long_layout_names_the_end_and_the_successor_of_an_expired_clause(tmp_path):
    # SPEC 9.3: "say so in words, naming the end date and the successor note", on the row itself (with -q too)
    src = tmp_path / "c.csv"
    src.write_text("name,jurisdiction,year,industries,revenue\nN26,nanchang,2026,electronic-information,1亿\n",
                   encoding="utf-8")
    out = tmp_path / "long.csv"
    r = CliRunner().invoke(app, ["batch", str(src), "-o", str(out), "--layout", "long", "-q"], env=ENV)
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert rows and all(row["status"] == "expired" for row in rows)
    expl = {row["explanation"] for row in rows}
    assert len(expl) == 1
    text = expl.pop()
    assert text.startswith("not computed: no clause is in force for fiscal 2026: the policy ended on 2025-12-31; "
                           "successor: no successor has been published")
    assert text.endswith("(as of 2026-12)")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_under_ignore_validity_the_budget_says_what_the_out_of_period_companies_add(tmp_path, lang):
    # it said "nothing is counted for them" while their amounts were in the totals (41,726,581.44 of 4.9亿)
    from nanchang_incentives.batch import BatchOptions, run_batch

    src = tmp_path / "iv.csv"
    src.write_text("name,jurisdiction,year,industries,si_led_sales,major_tech_projects\n"
                   "A公司,nanchang,2026,electronic-information,1000万,1\n"
                   "B公司,nanchang,2024,electronic-information,1000万,0\n", encoding="utf-8")
    report = run_batch(src, tmp_path / "o.csv", api.load(), BatchOptions(ignore_validity=True, lang=lang))
    b = report.budgets["nanchang-electronic-information-2023"]
    # 三(三) 1000万 × 10% = 1,000,000.00 each; 三(四) 科技重大专项 1 × 最高200万 = up to 2,000,000.00 (A only)
    assert (b.total, b.not_in_force, b.not_in_force_amount, b.not_in_force_ceiling) == (400_000_000, 1, 300_000_000,
                                                                                         True)
    assert b.as_dict()["not_in_force_total"] == "3000000.00"
    from nanchang_incentives import explain

    text = explain.not_in_force(b.not_in_force, b.not_in_force_years, b.valid_until, None, lang,
                                b.not_in_force_amount, b.not_in_force_ceiling)
    assert text == ({"en": "1 company with fiscal 2026: no clause in force (the policy ended on 2025-12-31); computed "
                           "all the same under --ignore-validity (hypothetical): up to 3,000,000.00 of the totals is "
                           "theirs",
                     "zh": "1家企业（2026 财年）：没有条款在有效期内（政策已于 2025-12-31 终止），因 --ignore-validity 仍按"
                           "假设计算：合计中最高 3,000,000.00 属于这些企业"}[lang])
    plain = run_batch(src, tmp_path / "p.csv", api.load(), BatchOptions(lang=lang))
    assert plain.budgets["nanchang-electronic-information-2023"].not_in_force_amount == 0


def test_the_budget_view_gives_each_clause_cut_below_a_ceiling_as_at_least_with_its_top(tmp_path: Path) -> None:
    # SPEC 9.2 in the budget view, clause by clause (the policy line said "at least 272,727.27, up to 600,000.00",
    # but the clause rows printed 181,818.18 and 90,909.09 as certain). L = 5% × 2000万 = 1,000,000.00; counted:
    # neeq_listing 1,000,000.00 + equity_investment (up to) 2,000,000.00 + major_tech_project (up to) 2,000,000.00
    # + smart_factory 500,000.00 = 5,500,000.00: neeq 1,000,000 × 100/550 = 181,818.18, smart 90,909.09 (the
    # fen left over to the up-to clauses' larger remainders). Second run, the up-to clauses at their minimum
    # (equity_investment none: 0; major_tech_project 100万 a project): T = 2,500,000.00, neeq 400,000.00,
    # smart 200,000.00 — the two tops sum to the policy's 600,000.00.
    src = tmp_path / "min.csv"
    src.write_text("name,jurisdiction,year,industries,revenue,revenue_prev,sales_revenue,is_new_entrant,"
                   "key_support_area,neeq_listed,equity_investment_raised,major_tech_projects,"
                   "smart_factory_investments\n"
                   "A,nanchang,2024,electronic-information,3000万,2800万,2000万,false,false,true,500万,1,100万\n",
                   encoding="utf-8")
    summary = tmp_path / "s.json"
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv"), "--summary-json",
                                   str(summary)], env={**ENV, "COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    rows = {line.split()[0]: line for line in res.output.splitlines() if line.strip()}
    assert "at least 181,818.18" in rows["neeq_listing"] and "at least 90,909.09" in rows["smart_factory"]
    lines = res.output.splitlines()
    below = [lines[k + 1] for k, line in enumerate(lines) if line.startswith(("neeq_listing ", "smart_factory "))]
    assert [b.split("(")[1].strip() for b in below] == ["up to 400,000.00)", "up to 200,000.00)"]
    assert "exact outlay: at least 272,727.27, up to 600,000.00" in " ".join(res.output.split())
    (pol,) = [p for p in json.loads(summary.read_text(encoding="utf-8"))["policies"] if p["companies"]]
    clauses = {c["id"]: c for c in pol["clauses"]}
    assert (clauses["neeq_listing"]["amount"], clauses["neeq_listing"]["amount_max"]) == ("181818.18", "400000.00")
    assert (clauses["smart_factory"]["amount"], clauses["smart_factory"]["amount_max"]) == ("90909.09", "200000.00")
    assert all("amount_max" not in c for k, c in clauses.items() if k not in ("neeq_listing", "smart_factory"))
    assert (pol["total_exact"], pol["total_exact_max"]) == ("272727.27", "600000.00")
    # under --lang zh, 至少 … （至多 …）; in a terminal too narrow for the table, the range on one line
    zh = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "z.csv"), "--lang", "zh"],
                            env={**ENV, "COLUMNS": "200"})
    assert "至少 181,818.18" in zh.output and "（至多 400,000.00）" in zh.output
    narrow = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "n.csv")], env={**ENV, "COLUMNS": "30"})
    assert "outlay (final): at least 181,818.18 (up to 400,000.00)" in " ".join(narrow.output.split())


def test_what_stood_in_for_a_missing_field_is_counted_only_where_it_changes_something(tmp_path: Path) -> None:
    # 甲 is computed; 乙 (纺织) is not targeted and 丙's 2027 has no clause in force: "3 companies: sales_revenue
    # not given" sent a budget office after 销售收入 for companies whose figures cannot depend on it
    src = tmp_path / "sr.csv"
    src.write_text("企业名称,所在地,年度,行业,营业收入（万元）,新三板挂牌\n甲电子有限公司,南昌市,2024,电子信息,5000,是\n"
                   "乙纺织有限公司,南昌县,2024,纺织,6000,是\n丙电子有限公司,南昌市,2027,电子信息,7000,是\n",
                   encoding="utf-8")
    summary = tmp_path / "s.json"
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(tmp_path / "o.csv"), "--summary-json",
                                   str(summary)], env=ENV)
    assert res.exit_code == 0, res.output
    flat = " ".join(res.output.split())
    assert "1 company: sales_revenue not given: revenue is used in its place" in flat
    assert "1 company: is_new_entrant not given: treated as false" in flat
    with (tmp_path / "o.csv").open(encoding="utf-8-sig") as f:
        warned = {r["name"]: r["warnings"] for r in csv.DictReader(f)}
    assert "default:sales_revenue" in warned["甲电子有限公司"]
    assert "default:" not in warned["乙纺织有限公司"] and "default:" not in warned["丙电子有限公司"]
    # calc says the same of each (calc is a batch of one)
    for name, year, industry, says in (("乙", 2024, "纺织", False), ("丙", 2027, "电子信息", False),
                                       ("甲", 2024, "电子信息", True)):
        profile = Profile(parse_values({"name": name, "jurisdiction": "nanchang", "year": year,
                                        "industries": [industry], "revenue": "5000万", "neeq_listed": True},
                                       CATALOG.registry))
        (r,) = api.calculate(profile, [NANCHANG], CATALOG)
        assert any(n.kind == NoticeKind.DEFAULT_USED for n in r.notices) is says, name
