"""Planning (issue 12): what-if, headroom and sweeps, with figures worked out by hand from the policy texts.

Nanchang 洪府发〔2023〕30号: loan_interest needs revenue − revenue_prev ≥ 1亿 (增加1亿元以上) and pays
local_project_loans × 50% × LPR (3.10% at 2024-12-31) up to 200万; rd_center needs an R&D centre,
revenue ≥ 20亿, rd_expense ≥ 1亿 and rd_staff ≥ 100 (达到……以上) and pays 15% of rd_expense up to 2000万;
si_led_rd, rd_post_subsidy_topup and rd_center are one 就高不就低 group; the company cap is 5% of sales.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nanchang_incentives import api, explain, expr, planning
from nanchang_incentives.cli import app
from nanchang_incentives.planning import ChangeKind, CliffKind
from nanchang_incentives.profile import Profile

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SI_LED = SAMPLES / "nanchang-si-led-maker.toml"
SMALL = SAMPLES / "nanchang-small-firm-capped.toml"
WUHAN = SAMPLES / "wuhan-software-firm.toml"
BEIJING = SAMPLES / "beijing-robot-maker.toml"
YUAN = 10_000  # money units per yuan
FEN = 100  # fen per yuan


@pytest.fixture(scope="module")
def catalog():
    return api.load()


def _cliffs(catalog, path, vary, steps=200, **changes):
    profile = api.load_company(path, catalog).with_values(**changes)
    return api.explore(profile, [vary], catalog, steps=steps).cliffs[0]


def _one(cliffs, kind, clause=""):
    found = [c for c in cliffs if c.kind == kind and (not clause or c.clause == clause)]
    assert len(found) == 1, cliffs
    return found[0]


# ---------------------------------------------------------------- cliffs


def test_loan_interest_switches_on_at_exactly_1e8_growth(catalog):
    # revenue_prev 29.5亿: growth ≥ 1亿 from revenue = 30.5亿 exactly (以上 includes it).
    # loans 8640万 × 50% × 3.10% = 1,339,200.00; the rest of the sample is 20,000,000 (rd_center) + 10,000,000
    # (si_led_sales) + up to 4,000,000 (major_tech_project) = 34,000,000.00
    c = _one(_cliffs(catalog, SI_LED, "revenue=29亿..32亿"), CliffKind.CLAUSE_ON, "loan_interest")
    assert (c.at, c.below) == (30_5000_0000 * YUAN, 30_5000_0000 * YUAN - 1)
    assert (c.total_below, c.total_at) == (34_000_000 * FEN, 35_339_200 * FEN)
    assert c.amount_at == 1_339_200 * FEN


def test_rd_center_revenue_threshold(catalog):
    # revenue 20亿 (达到20亿元以上): below it si_led_rd wins the rd group (7500万 × 20% = 1500万, capped at 1000万);
    # at it rd_center (2.6亿 × 15% = 3900万, capped at 2000万). Growth stays under 1亿 (no loan interest):
    # below 10M + 10M + 4M = 24,000,000.00; at 20M + 10M + 4M = 34,000,000.00
    cliffs = _cliffs(catalog, SI_LED, "revenue=10亿..25亿")
    c = _one(cliffs, CliffKind.CLAUSE_ON, "rd_center")
    assert c.at == 20_0000_0000 * YUAN
    assert (c.total_below, c.total_at) == (24_000_000 * FEN, 34_000_000 * FEN)
    assert c.conditions == ("annual revenue ≥ 20亿",)
    g = _one(cliffs, CliffKind.GROUP_WINNER)
    assert (g.group, g.before, g.after, g.at) == ("rd", "si_led_rd", "rd_center", 20_0000_0000 * YUAN)


def test_rd_center_rd_expense_threshold_group_change_and_cap_break_even(catalog):
    cliffs = _cliffs(catalog, SI_LED, "rd_expense=5000万..3亿")
    # at 1亿: rd_center 1亿 × 15% = 15,000,000.00 replaces si_led_rd's 10,000,000.00: +5,000,000.00
    on = _one(cliffs, CliffKind.CLAUSE_ON, "rd_center")
    assert on.at == 1_0000_0000 * YUAN
    assert (on.total_below, on.total_at) == (25_339_200 * FEN, 30_339_200 * FEN)
    winner = _one(cliffs, CliffKind.GROUP_WINNER)
    assert (winner.before, winner.after, winner.at) == ("si_led_rd", "rd_center", 1_0000_0000 * YUAN)
    # the 2000万 cap is reached where 15% of rd_expense rounds half-up to 20,000,000.00: 0.15 x ≥ 19,999,999.995,
    # x ≥ 133,333,333.30 exactly; one unit below (133,333,333.2999) it is 19,999,999.994985 -> 19,999,999.99
    cap = _one(cliffs, CliffKind.CAP_REACHED, "rd_center")
    assert cap.at == 133_333_333_3000
    assert (cap.amount_below, cap.amount_at, cap.limit) == (19_999_999_99, 20_000_000_00, 20_000_000_00)
    assert (cap.total_below, cap.total_at) == (35_339_199_99, 35_339_200_00)


def test_rd_center_rd_staff_threshold(catalog):
    # 99 staff: si_led_rd 10,000,000 wins; 100 (达到100人以上): rd_center 20,000,000: +10,000,000.00
    cliffs = _cliffs(catalog, SI_LED, "rd_staff=50..150")
    c = _one(cliffs, CliffKind.CLAUSE_ON, "rd_center")
    assert (c.below, c.at) == (99, 100)
    assert (c.total_below, c.total_at) == (25_339_200 * FEN, 35_339_200 * FEN)


def test_a_clause_switching_on_at_its_cap_is_one_cliff_not_two(catalog):
    # rd_staff 100: rd_center becomes eligible with 2.6亿 × 15% = 39,000,000.00, at once at its 2000万 cap; the
    # cap is not a second cliff "(0.00 one unit below)" with the same +10,000,000.00 jump
    cliffs = _cliffs(catalog, SI_LED, "rd_staff=90..110")
    assert [c.kind for c in cliffs] == [CliffKind.CLAUSE_ON, CliffKind.GROUP_WINNER]
    on = cliffs[0]
    assert (on.at, on.limit, on.amount_at) == (100, 20_000_000 * FEN, 20_000_000 * FEN)
    axis = planning.parse_axis("rd_staff=90..110", 200, catalog.registry)
    assert "at rd_staff = 100 rd_center becomes eligible (full-time R&D staff ≥ 100 now met), already at its " \
           "20,000,000.00 cap: total up to 25,339,200.00 just below, up to 35,339,200.00 at it (+10,000,000.00)" in \
           explain.cliff(on, axis.field, axis.kind, axis.denominator)


@pytest.mark.parametrize("span", ["1亿..5亿", "1亿...5亿", "1亿…5亿"])
def test_three_dots_or_an_ellipsis_are_the_range_separator_too(catalog, span):
    """'1亿...5亿' was read as 1亿 to '.5亿' (5000万) and refused as 'FROM is above TO'."""
    axis = planning.parse_axis(f"revenue={span}", 5, catalog.registry)
    assert (axis.field, axis.start, axis.stop) == ("revenue", 100_000_000 * 10_000, 500_000_000 * 10_000)
    assert planning.parse_axis("revenue=1.5亿..2亿", 5, catalog.registry).start == 150_000_000 * 10_000


def test_cap_cliff_names_the_clause_own_amount_under_a_binding_company_cap(catalog):
    # the small firm with growth 1.3亿 − 2950万 ≥ 1亿: loan_interest = loans × 50% × 3.10% reaches its 200万 cap
    # where 0.0155 x ≥ 1,999,999.995: x = 129,032,257.7420 (129,032,257.7419 gives 1,999,999.99); the company
    # cap (5% × 31,844,478.20 = 1,592,223.91) binds throughout, so the total does not move, but the cliff says
    # the clause's own 1,999,999.99 below, not its share after the company cap
    cliffs = _cliffs(catalog, SMALL, "local_project_loans=1亿..2亿", revenue=1_3000_0000 * YUAN)
    cap = _one(cliffs, CliffKind.CAP_REACHED, "loan_interest")
    assert (cap.at, cap.below) == (129_032_257_7420, 129_032_257_7419)
    assert (cap.amount_below, cap.amount_at, cap.limit) == (1_999_999_99, 2_000_000_00, 2_000_000_00)
    assert cap.total_below == cap.total_at == 1_592_223_91


def test_small_firm_company_cap_stops_binding_to_the_fen(catalog):
    # counted clauses 4,776,671.73 before the cap; the limit floor(5% × sales) (never a fen above 5%) reaches it
    # where 0.05 x ≥ 4,776,671.73: x = 95,533,434.60. One unit below, 0.05 x = 4,776,671.729995: the limit is
    # 4,776,671.72 (still binding)
    c = _one(_cliffs(catalog, SMALL, "sales_revenue=1000万..10亿"), CliffKind.COMPANY_CAP_RELEASED)
    assert (c.at, c.below) == (95_533_434_6000, 95_533_434_5999)
    assert (c.total_below, c.total_at, c.limit) == (4_776_671_72, 4_776_671_73, 4_776_671_73)


def test_company_cap_starts_to_bind(catalog):
    # sales 7亿: limit 35,000,000.00; the rest of the sample is 34,000,000.00, so the cap binds once the loan
    # interest (loans × 1.55%, rounded to the fen) exceeds 1,000,000.00: 1.55% x ≥ 1,000,000.005,
    # x ≥ 64,516,129.35483… -> 64,516,129.3549 (at 64,516,129.3548 it is 1,000,000.00: equal, not binding)
    c = _one(_cliffs(catalog, SI_LED, "local_project_loans=5000万..8000万", sales_revenue=7_0000_0000 * YUAN),
             CliffKind.COMPANY_CAP_BINDS)
    assert c.at == 64_516_129_3549
    assert (c.total_below, c.total_at, c.limit) == (35_000_000 * FEN, 35_000_000 * FEN, 35_000_000 * FEN)
    assert c.amount_at == 35_000_000_01  # the counted clauses before the cap


def test_beijing_per_unit_and_yearly_caps_with_rounding_per_unit(catalog):
    # 首试首用: 5 units, 100% of each unit's cost, at most 50万 per unit and 200万 a year; every unit costs x.
    # Each unit is rounded half-up to the fen first: 5 units reach 2,000,000.00 once x ≥ 399,999.995
    # (399,999.9949 -> 399,999.99 each, 1,999,999.95); the other Beijing clauses are 23,200,000.00
    cliffs = _cliffs(catalog, BEIJING, "first_trial_unit_costs=10万..100万")
    cap = _one(cliffs, CliffKind.CAP_REACHED, "first_trial_product")
    assert cap.at == 399_999_9950
    assert (cap.amount_below, cap.amount_at) == (1_999_999_95, 2_000_000_00)
    assert (cap.total_below, cap.total_at) == (25_199_999_95, 25_200_000_00)
    # per unit: every unit reaches its 500,000.00 cap at x ≥ 499,999.995, the total no longer moves
    unit = _one(cliffs, CliffKind.ITEM_CAP, "first_trial_product")
    assert (unit.at, unit.count_below, unit.count_at, unit.limit) == (499_999_9950, 0, 5, 500_000_00)
    assert unit.total_below == unit.total_at == 25_200_000_00


def test_wuhan_company_cap_of_1e8(catalog):
    # 单个企业每年最高可获1亿元: the sample's other clauses are 19,123,456.79; each open-source product up to
    # 1000万: 8 products 99,123,456.79 (under), 9 products 109,123,456.79 -> cut to 100,000,000.00
    c = _one(_cliffs(catalog, WUHAN, "open_source_products=0..20"), CliffKind.COMPANY_CAP_BINDS)
    assert (c.below, c.at) == (8, 9)
    assert (c.total_below, c.total_at) == (99_123_456_79, 100_000_000_00)


def test_sweep_is_one_batch_of_exact_evenly_spaced_values(catalog):
    profile = api.load_company(SMALL, catalog)
    sweep = api.explore(profile, ["sales_revenue=1000万..10亿"], catalog, steps=200)
    xs = sweep.points.xs[0]
    # 990,000,000 / 199 = 4,974,874.371859…: each value rounded half-up to 0.0001 yuan
    assert (xs[0], xs[1], xs[-1]) == (1000_0000 * YUAN, 1000_0000 * YUAN + 49_748_743_719, 10_0000_0000 * YUAN)
    assert len(xs) == 200 and sweep.points.runs[0].n == 200
    # at 1000万 the cap is 500,000.00 and binds
    assert sweep.points.total[0] == 500_000 * FEN


def test_count_sweep_has_no_repeated_values(catalog):
    sweep = api.explore(api.load_company(SI_LED, catalog), ["rd_staff=95..105"], catalog, steps=200)
    assert list(sweep.points.xs[0]) == list(range(95, 106))


def test_grid_is_capped_at_10000_points(catalog):
    profile = api.load_company(SI_LED, catalog)
    grid = api.explore(profile, ["rd_staff=1..100", "rd_expense=5000万..2亿"], catalog, steps=100)
    assert grid.points.n == 10_000
    with pytest.raises(planning.OptionError, match="40,000 points; at most 10,000"):
        api.explore(profile, ["rd_staff=1..200", "rd_expense=5000万..2亿"], catalog, steps=200)


# ---------------------------------------------------------------- headroom


def test_headroom_rd_staff_92_names_the_winner_change_and_net_gain(catalog):
    # rd_staff 92 -> 100 (+8): rd_center 20,000,000.00 replaces si_led_rd 10,000,000.00: net +10,000,000.00
    profile = api.load_company(SI_LED, catalog).with_values(rd_staff=92)
    (room,) = api.headroom(profile, catalog)
    (u,) = room.thresholds
    assert [(m.field, m.before, m.after) for m in u.moves] == [("rd_staff", 92, 100)]
    assert (u.own.diff, u.net) == (20_000_000 * FEN, 10_000_000 * FEN)
    from nanchang_incentives import explain

    assert explain.unlock(u) == ("rd_staff 92 → 100 (+8): si_led_rd -10,000,000.00, rd_center +20,000,000.00; "
                                 "group 'rd' winner changes from si_led_rd to rd_center; net +10,000,000.00")


def test_headroom_boolean_condition_is_named_as_such(catalog):
    # without an R&D centre and with 99 staff, meeting rd_center needs both: has_rd_center false -> true
    profile = api.load_company(SI_LED, catalog).with_values(rd_staff=99, has_rd_center=False)
    (room,) = api.headroom(profile, catalog)
    (u,) = room.thresholds
    from nanchang_incentives import explain

    assert explain.move(u.moves[0]) == "has_rd_center: false → true"
    assert explain.move(u.moves[1]) == "rd_staff 99 → 100 (+1)"
    assert u.net == 10_000_000 * FEN


def test_headroom_growth_moves_revenue_and_the_company_cap_takes_it_back(catalog):
    # small firm: revenue_prev 2950万, so revenue must reach 2950万 + 1亿 = 129,500,000.00; the company cap
    # still binds (1,592,223.91), so the net gain is 0.00
    (room,) = api.headroom(api.load_company(SMALL, catalog), catalog)
    loan = next(u for u in room.thresholds if u.clause == "loan_interest")
    assert [(m.field, m.after) for m in loan.moves] == [("revenue", 129_500_000)]
    assert loan.net == 0
    assert loan.delta.after.total == 1_592_223_91


def test_headroom_says_why_meeting_a_threshold_gains_nothing_when_the_base_is_zero(catalog):
    # loan_interest: revenue 1亿 → 2亿 meets the growth of 1亿 (exactly: ≥), but local_project_loans is 0, so
    # 0.00 × 50% × LPR 3.10% = 0.00: the hint says so instead of a bare "would still be not eligible"
    profile = api.load_company(SMALL, catalog).with_values(revenue=1_0000_0000 * YUAN, revenue_prev=1_0000_0000 * YUAN,
                                                          local_project_loans=0)
    (room,) = api.headroom(profile, catalog)
    loan = next(u for u in room.thresholds if u.clause == "loan_interest")
    assert [(m.field, m.after) for m in loan.moves] == [("revenue", 2_0000_0000)]
    assert loan.net == 0
    assert explain.unlock(loan) == (
        "revenue 100,000,000.00 → 200,000,000.00 (+100,000,000.00): no amount changes; the company annual cap still "
        "binds; loan_interest would still be not eligible: its conditions met, but loans used for projects in Nanchang 0.00 × 50% × LPR 1y 3.10% = "
        "0.00: amount is zero; net 0.00")


def test_headroom_ranks_by_net_gain(catalog):
    profile = api.load_company(SI_LED, catalog).with_values(rd_staff=92, revenue=30_0000_0000 * YUAN)
    (room,) = api.headroom(profile, catalog)
    # rd_center (+10,000,000.00) before loan_interest (revenue 29.5亿 + 1亿 = 30.5亿: +1,339,200.00)
    assert [(u.clause, u.net) for u in room.thresholds] == [("rd_center", 10_000_000 * FEN),
                                                            ("loan_interest", 1_339_200 * FEN)]


def test_headroom_ranks_a_move_that_unlocks_its_own_clause_before_one_that_does_not(catalog):
    # revenue 1,999,999,999.99 (one fen under rd_center's 20亿, 达到……以上), no project loans. Raising revenue to
    # 21亿 for loan_interest's growth of 1亿 also meets rd_center's 20亿, so both moves net +3,000,000.00
    # (rd_center 15% × 1亿 = 15,000,000.00 replaces the top-up's 12,000,000.00 in the 'rd' group); but the
    # loan move leaves loan_interest itself not eligible (0.00 of loans), so the one-fen move comes first
    profile = api.load_company(SI_LED, catalog).with_values(
        revenue=1_999_999_999_99 * YUAN // FEN, revenue_prev=20_0000_0000 * YUAN, sales_revenue=20_0000_0000 * YUAN,
        rd_expense=1_0000_0000 * YUAN, rd_staff=100, si_led_rd_expense=6000_0000 * YUAN,
        rd_post_subsidy_base=1200_0000 * YUAN, local_project_loans=0, si_led_sales=None,
        major_tech_projects=None)
    (room,) = api.headroom(profile, catalog)
    ranked = [(u.clause, u.net, u.unlocks_own) for u in room.thresholds]
    assert ranked[:2] == [("rd_center", 3_000_000 * FEN, True), ("loan_interest", 3_000_000 * FEN, False)], ranked
    assert [(m.field, m.after) for m in room.thresholds[0].moves] == [("revenue", 20_0000_0000)]


def test_strict_comparison_moves_one_unit_past_the_threshold(catalog):
    reg = catalog.registry
    empty = Profile({})
    tree = expr.parse("revenue > 1亿", reg.kind_of).tree
    assert planning.solve_comparison(tree, empty, reg) == ("revenue", 1_0000_0000 * YUAN + 1)  # + 0.0001 yuan
    tree = expr.parse("rd_staff > 100", reg.kind_of).tree
    assert planning.solve_comparison(tree, empty, reg) == ("rd_staff", 101)
    tree = expr.parse("rd_staff >= 100", reg.kind_of).tree
    assert planning.solve_comparison(tree, empty, reg) == ("rd_staff", 100)


def test_missing_input_lists_fields_and_the_most_it_could_bring(catalog):
    profile = api.load_company(SI_LED, catalog).with_values(settlement_sales=None, is_listed=None,
                                                            is_fortune500=None, is_china_top100_electronics=None)
    (room,) = api.headroom(profile, catalog)
    (u,) = [u for u in room.missing if u.clause == "settlement"]
    assert u.most == 20_000_000 * FEN and u.most_scope == "year"
    assert "settlement_sales" in u.missing


def test_missing_input_under_a_binding_company_cap_says_the_total_would_not_rise(catalog):
    # the small firm without ipo_completed: "add ipo_completed (at most 10,000,000.00)" promised money the 5%
    # cap (1,592,223.91, binding) takes back: with ipo_completed = true the total stays 1,592,223.91
    profile = api.load_company(SMALL, catalog).with_values(ipo_completed=None)
    (room,) = api.headroom(profile, catalog)
    (u,) = [u for u in room.missing if u.clause == "ipo"]
    assert u.cap_binds and u.most == 10_000_000 * FEN
    assert explain.unlock(u) == ("add ipo_completed (at most 10,000,000.00 once; the company annual cap already "
                                 "binds: the total would not rise)")
    assert explain.unlock(u, "zh") == ("需补充 ipo_completed（首发上市）（一次性最高 10,000,000.00；企业年度上限已适用，"
                                       "合计不会增加）")
    before = api.calculate(profile, api.policies_for(profile, catalog), catalog)[0]
    after = api.calculate(profile.with_values(ipo_completed=True), api.policies_for(profile, catalog), catalog)[0]
    assert before.total == after.total == 1_592_223_91
    # the si-led maker's cap does not bind: no such words
    (room,) = api.headroom(api.load_company(SI_LED, catalog).with_values(
        settlement_sales=None, is_listed=None, is_fortune500=None, is_china_top100_electronics=None), catalog)
    (u,) = [u for u in room.missing if u.clause == "settlement"]
    assert not u.cap_binds and "would not rise" not in explain.unlock(u)


def test_a_clause_gain_that_is_a_lower_bound_gives_the_upper_figure_too(catalog, tmp_path):
    # SPEC 9.2. sales 1亿: L = 5,000,000.00. Unlocking rd_center (15% × rd_expense 1亿 = 15,000,000.00, exact)
    # with two major tech projects counted at their 200万 ceilings (4,000,000.00): rd_center's share
    # 5,000,000 × 1500/1900 = 3,947,368.42; with the projects at their 100万 minimum (2,000,000.00):
    # 5,000,000 × 1500/1700 = 4,411,764.70588 -> 4,411,764.70 + the fen left over (its remainder .588 beats
    # the projects' .41) = 4,411,764.71
    path = tmp_path / "u.toml"
    path.write_text('name = "U"\njurisdiction = "nanchang"\nyear = 2024\nindustries = ["electronic-information"]\n'
                    'revenue = "3000万"\nrevenue_prev = "2800万"\nsales_revenue = "1亿"\nrd_expense = "100万"\n'
                    'rd_staff = 5\nhas_rd_center = false\nis_new_entrant = false\nkey_support_area = false\n'
                    'major_tech_projects = 2\n', encoding="utf-8")
    profile = api.load_company(path, catalog)
    (room,) = api.headroom(profile, catalog)
    u = next(u for u in room.thresholds if u.clause == "rd_center")
    own = u.own
    assert (own.diff, own.diff_max) == (3_947_368_42, 4_411_764_71)
    assert ("rd_center +3,947,368.42 (+4,411,764.71 if the up-to awards are granted below their ceilings)"
            in explain.unlock(u))
    assert "rd_center +3,947,368.42（若最高限额条款低于上限给予，+4,411,764.71）" in explain.unlock(u, "zh")
    res = CliRunner().invoke(app, ["calc", str(path), "--format", "json", "--set", "has_rd_center=true",
                                   "--set", "revenue=20亿", "--set", "rd_expense=1亿", "--set", "rd_staff=100"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    (change,) = [c for p in doc["delta"] for c in p["clauses"] if c["clause"] == "rd_center"]
    assert (change["difference"], change["difference_max"]) == ("3947368.42", "4411764.71")


# ---------------------------------------------------------------- what-if


def test_what_if_deltas_equal_two_separate_calculations(catalog):
    profile = api.load_company(SI_LED, catalog)
    w = api.what_if(profile, ["rd_staff=99", "研发费用=1.2亿"], catalog)
    changed = profile.with_values(rd_staff=99, rd_expense=1_2000_0000 * YUAN)
    pols = api.policies_for(profile, catalog)
    (before,), (after,) = api.calculate(profile, pols, catalog), api.calculate(changed, pols, catalog)
    (pd,) = w.deltas
    assert pd.diff == after.total - before.total
    assert [d.diff for d in pd.clauses] == [a.amount - b.amount for a, b in zip(after.clauses, before.clauses)]
    assert [d.after.status for d in pd.clauses] == [c.status for c in after.clauses]


def test_what_if_reasons(catalog):
    profile = api.load_company(SI_LED, catalog)
    (pd,) = api.what_if(profile, ["rd_staff=99"], catalog).deltas
    kinds = {d.id: [ch.kind for ch in d.changes] for d in pd.changed}
    assert kinds == {"si_led_rd": [ChangeKind.GROUP_WINNER],
                     "rd_center": [ChangeKind.CONDITION_FAILED, ChangeKind.GROUP_WINNER]}
    # the cap now binds: rd_expense 1亿 -> 2亿 (15% = 3000万 > 2000万)
    small = profile.with_values(rd_expense=1_0000_0000 * YUAN)
    (pd,) = api.what_if(small, {"rd_expense": "2亿"}, catalog).deltas
    assert ChangeKind.CAP_BINDING in [ch.kind for ch in pd.clause("rd_center").changes]
    # the company cap now binds: sales 1亿 -> limit 5,000,000.00
    (pd,) = api.what_if(profile, {"sales_revenue": "1亿"}, catalog).deltas
    assert [ch.kind for ch in pd.company] == [ChangeKind.COMPANY_CAP_BINDING]
    assert pd.after.total == 5_000_000 * FEN


def test_bad_set_is_an_option_error_with_the_profile_message(catalog):
    profile = api.load_company(SI_LED, catalog)
    with pytest.raises(planning.OptionError, match=r"--set rd_staff=abc: 'abc' is not a number"):
        api.what_if(profile, ["rd_staff=abc"], catalog)
    with pytest.raises(planning.OptionError, match=r'unknown field \(did you mean "rd_staff"\?\)'):
        api.what_if(profile, ["rd_stuff=1"], catalog)


def test_a_field_set_twice_is_refused_as_in_a_profile(catalog):
    """--set revenue=2亿 --set 营业收入=3亿 (the same field under its Chinese name) kept the last one silently."""
    profile = api.load_company(SI_LED, catalog)
    with pytest.raises(planning.OptionError,
                       match=r"^--set 营业收入=3亿: revenue is already set by --set revenue=2亿; give it once$"):
        api.what_if(profile, ["revenue=2亿", "营业收入=3亿"], catalog)
    with pytest.raises(planning.OptionError, match=r"rd_staff is already set by --set rd_staff=99"):
        api.what_if(profile, ["rd_staff=99", "rd_staff="], catalog)


# ---------------------------------------------------------------- the command line


runner = CliRunner()


def _run(*args):
    return runner.invoke(app, list(args), env={"COLUMNS": "80", "NO_COLOR": "1"})


def test_calc_set_shows_each_clause_and_why():
    r = _run("calc", str(SI_LED), "--set", "rd_staff=99")
    assert r.exit_code == 0, r.output
    flat = " ".join(r.stdout.split())
    assert "rd_staff 420 → 99" in flat
    assert "rd_center capped → not eligible" in flat
    assert "base 20,000,000.00, new —, difference -20,000,000.00" in flat
    assert "why: condition now failed: full-time R&D staff ≥ 100" in flat
    assert "why: group 'rd' (就高不就低) winner changed from rd_center to si_led_rd" in flat
    # both totals count up-to ceilings, so both say "up to"; the difference is certain: only exact clauses moved
    assert "total up to 35,339,200.00 up to 25,339,200.00 -10,000,000.00" in flat


def test_calc_set_json_has_both_results_and_the_delta():
    r = _run("calc", str(SI_LED), "--set", "rd_staff=99", "--format", "json")
    doc = json.loads(r.stdout)
    assert doc["base"][0]["total"] == "35339200.00" and doc["new"][0]["total"] == "25339200.00"
    rd = next(c for c in doc["delta"][0]["clauses"] if c["clause"] == "rd_center")
    assert (rd["difference"], rd["reasons"]) == ("-20000000.00", ["condition_now_failed", "group_winner_changed"])


def test_bad_set_exits_2_on_one_line():
    r = _run("calc", str(SI_LED), "--set", "rd_staff=abc")
    assert r.exit_code == 2
    assert r.stderr.strip().count("\n") == 0 and "--set rd_staff=abc" in r.stderr


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.toml")))
def test_calc_shows_headroom_where_a_threshold_is_missed(path, catalog):
    profile = api.load_company(path, catalog)
    results = api.calculate(profile, api.policies_for(profile, catalog), catalog)
    missed = [c.id for r in results for c in r.clauses if planning.is_threshold_miss(c)]
    r = _run("calc", str(path))
    assert r.exit_code == 0, r.output
    flat = " ".join(r.stdout.split())
    assert "What would unlock more" in flat
    for cid in missed:
        assert f"{cid} (" in flat.split("What would unlock more", 1)[1]


def test_calc_json_headroom():
    doc = json.loads(_run("calc", str(SMALL), "--format", "json").stdout)
    room = doc["results"][0]["headroom"]
    loan = next(u for u in room if u["clause"] == "loan_interest")
    assert loan["moves"] == [{"field": "revenue", "before": "33120000.00", "after": "129500000.00",
                              "condition": "revenue growth (revenue − revenue_prev) ≥ 1亿", "step": "96380000.00"}]
    assert loan["net_gain"] == "0.00"


def test_explore_done_when(tmp_path):
    out = tmp_path / "sweep.csv"
    r = _run("explore", str(SMALL), "--vary", "sales_revenue=1000万..10亿", "--output", str(out))
    assert r.exit_code == 0, r.output
    flat = " ".join(r.stdout.split())
    assert "from sales_revenue = 95,533,434.60 the company annual cap stops binding" in flat
    # the released cap moves the up-to part too, so the jump is a change of ceilings (SPEC §3)
    assert "total up to 4,776,671.72 just below, up to 4,776,671.73 at it (up to +0.01)" in flat
    assert all(len(line) <= 80 for line in r.stdout.splitlines())
    assert "█" in r.stdout and "░" in r.stdout
    # the y axis is labelled with the exact figures its rows are measured against only: the top and 0 (a
    # mid-height "2,388,335.86" was half of 4,776,671.73 cut to the fen, and no row's threshold at that)
    labels = [line.split("┤")[0].strip() for line in r.stdout.splitlines() if "┤" in line]
    assert [x for x in labels if x] == ["4,776,671.73"]
    assert any(line.strip().startswith("0.00 └") for line in r.stdout.splitlines())
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 200
    assert (rows[0]["sales_revenue"], rows[0]["total"], rows[0]["neeq_listing_status"]) == \
        ("10000000.00", "500000.00", "capped")


def test_explore_jsonl_and_bad_vary(tmp_path):
    out = tmp_path / "sweep.jsonl"
    r = _run("explore", str(SI_LED), "--vary", "研发人员=90..110", "-o", str(out))
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 21 and lines[10]["rd_staff"] == 100 and lines[10]["rd_center"] == "20000000.00"
    for bad in ("rd_staff", "rd_staff=10..", "name=1..2", "rd_staff=20..10", "rd_stuff=1..2"):
        r = _run("explore", str(SI_LED), "--vary", bad)
        assert r.exit_code == 2, bad
        assert "--vary" in r.stderr


def test_set_year_removed_or_jurisdiction_is_a_usage_error_not_a_traceback():
    for cmd in ("calc", "compare"):
        r = _run(cmd, str(SI_LED), "--set", "year=")
        assert r.exit_code == 2, r.output
        assert r.stderr.strip() == "error: --set year=: every company needs a year; give one (--set year=2025) " \
                                   "or pass --year"
        # the policies are chosen before the what-if: a new jurisdiction would silently change nothing
        r = _run(cmd, str(SI_LED), "--set", "所在地=武汉")
        assert r.exit_code == 2, r.output
        assert r.stderr.startswith("error: --set jurisdiction: a what-if keeps the policies it started from")
        assert r.stderr.strip().count("\n") == 0
    r = _run("calc", str(SI_LED), "--set", "year=", "--year", "2025")  # --year stands in
    assert r.exit_code == 0, r.output


def test_explore_output_that_cannot_be_written_is_one_line_and_leaves_nothing(tmp_path):
    for target, message in ((tmp_path / "missing" / "s.csv", "the directory"),
                            (tmp_path / "d.csv", "not a regular file")):
        if target.name == "d.csv":
            target.mkdir()
        r = _run("explore", str(SI_LED), "--vary", "rd_staff=90..110", "-o", str(target))
        assert r.exit_code == 1, r.output
        assert r.stderr.startswith(f"error: --output {target}: {message}") and r.stderr.count("\n") == 1
    out = tmp_path / "s.jsonl"
    r = _run("explore", str(SI_LED), "--vary", "rd_staff=90..110", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 21
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "s.jsonl"]  # no temporary file left


def test_explore_output_that_is_a_read_only_file_is_not_replaced(tmp_path):
    # mode 444 (Windows: 只读): renamed over all the same, as root or as its owner
    out = tmp_path / "s.csv"
    out.write_bytes(b"keep me\n")
    out.chmod(0o444)
    r = _run("explore", str(SI_LED), "--vary", "rd_staff=90..110", "-o", str(out))
    assert r.exit_code == 1, r.output
    assert r.stderr == (f"error: --output {out} is a read-only file; explore does not replace it: make it writable "
                        f"(chmod u+w {out}; on Windows clear its Read-only (只读) attribute) or choose another name\n")
    assert out.read_bytes() == b"keep me\n" and sorted(p.name for p in tmp_path.iterdir()) == ["s.csv"]


def test_explore_output_through_a_link_writes_the_file_it_points_to_never_the_profile(tmp_path):
    import shutil

    profile = tmp_path / "co.toml"
    shutil.copy(SI_LED, profile)
    before = profile.read_bytes()
    (tmp_path / "to-profile.csv").symlink_to(profile)
    r = _run("explore", str(profile), "--vary", "rd_staff=90..110", "-o", str(tmp_path / "to-profile.csv"))
    assert r.exit_code == 2 and f"(a link to {profile}): expected a .csv or .jsonl file" in r.stderr
    shutil.copy(SI_LED, tmp_path / "co.csv")  # a profile named .csv, given as its own output
    r = _run("explore", str(tmp_path / "co.csv"), "--vary", "rd_staff=90..110", "-o", str(tmp_path / "co.csv"))
    assert r.exit_code == 1 and "would overwrite the company profile" in r.stderr
    assert profile.read_bytes() == before and (tmp_path / "co.csv").read_bytes() == before
    (tmp_path / "sweeps").mkdir()
    (tmp_path / "sweep.csv").symlink_to(tmp_path / "sweeps" / "latest.csv")
    r = _run("explore", str(profile), "--vary", "rd_staff=90..110", "-o", str(tmp_path / "sweep.csv"))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "sweep.csv").is_symlink()
    assert len((tmp_path / "sweeps" / "latest.csv").read_text(encoding="utf-8").splitlines()) == 22


def test_what_if_json_validates_against_the_result_schema():
    import jsonschema

    schema = json.loads((ROOT / "schema" / "result.schema.json").read_text(encoding="utf-8"))
    doc = json.loads(_run("calc", str(SI_LED), "--set", "rd_staff=99", "--format", "json").stdout)
    jsonschema.validate(doc, schema)
    assert doc["results"] == doc["new"] and doc["results"][0]["total"] == "25339200.00"
    assert doc["results"][0]["headroom"][0]["clause"] == "rd_center"
    jsonschema.validate(dict(doc, results=doc["base"]), schema)
    doc = json.loads(_run("compare", str(SI_LED), "--set", "年度=2025", "--cities", "南昌,北京", "--format",
                          "json").stdout)
    jsonschema.validate(doc, schema)
    assert doc["year"] == 2025 and [r["policy"] for r in doc["results"]] == \
        ["nanchang-electronic-information-2023", "beijing-robotics-2023"]
    assert [w["city"] for w in doc["what_if"]] == ["nanchang", "beijing"]


def test_what_if_totals_and_sweep_axis_at_40_columns():
    # the base / new / difference columns need 51 columns: at 40 each figure gets a line instead of wrapping out
    # of its column; the sweep's axis ends (10,000,000.00 and 1,000,000,000.00) no longer run into one line
    env = {"COLUMNS": "40", "NO_COLOR": "1"}
    r = runner.invoke(app, ["calc", str(SI_LED), "--set", "rd_staff=92"], env=env)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    k = lines.index("total")
    assert lines[k + 1:k + 4] == ["  base up to 35,339,200.00", "  new up to 25,339,200.00",
                                  "  difference -10,000,000.00"]
    r = runner.invoke(app, ["explore", str(SMALL), "--vary", "sales_revenue=1000万..10亿"], env=env)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    axis = next(i for i, line in enumerate(lines) if "└" in line)
    assert lines[axis + 1].strip() == "10,000,000.00" and lines[axis + 2].strip() == "1,000,000,000.00"
    assert all(len(line) <= 40 for line in lines[:axis + 3])
    assert lines[axis + 2].rstrip().endswith("0") and len(lines[axis + 2].rstrip()) == len(lines[axis].rstrip())


def test_what_if_keeps_the_range_of_an_exact_clause_cut_by_a_cap_counting_up_to_ceilings() -> None:
    """SPEC 9.2 in the what-if: with 2 科技重大专项 (up to 200万 each) the company cap binds, so each exact clause it
    cuts is a lower bound (it showed '935,508.39' as a certain figure, and the Markdown had only a total row)."""
    args = ["calc", "samples/nanchang-vr-studio.toml", "--set", "equity_investment_raised=0",
            "--set", "major_tech_projects=2"]
    env = {"COLUMNS": "200", "NO_COLOR": "1"}
    res = CliRunner().invoke(app, args, env=env)
    assert res.exit_code == 0, res.output
    assert ("base 1,000,000.00, new at least 935,508.39 (up to 1,000,000.00 if the up-to awards are granted below "
            "their ceilings), difference -64,491.61") in res.stdout
    assert "base —, new up to 3,742,033.56" in res.stdout
    lines = [" ".join(line.split()) for line in res.stdout.splitlines()]
    assert "exact, at least 4,551,500.00 4,257,966.44 -293,533.56" in lines
    assert "exact, at most 4,551,500.00 4,551,500.00 0.00" in lines  # 1,000,000 + 840,000 + … as without the cap
    assert "up-to clauses up to 2,000,000.00 up to 3,742,033.56 up to +1,742,033.56" in lines
    # the total counts the ceilings on both sides, and its difference moves with them
    assert "total up to 6,551,500.00 up to 8,000,000.00 up to +1,448,500.00" in lines
    md = CliRunner().invoke(app, [*args, "--format", "markdown"], env=env).stdout
    assert "| at least 935,508.39 (up to 1,000,000.00 if the up-to awards" in md
    assert "| **exact, at least** | | 4,551,500.00 | 4,257,966.44 | -293,533.56 |" in md
    assert "| **exact, at most** | | 4,551,500.00 | 4,551,500.00 | 0.00 |" in md
    assert "| **up-to clauses** | | up to 2,000,000.00 | up to 3,742,033.56 | up to +1,742,033.56 |" in md
    plain = CliRunner().invoke(app, ["calc", "samples/nanchang-vr-studio.toml", "--set", "rd_staff=70"], env=env)
    assert "exact, at least" not in plain.stdout and "exact " in plain.stdout  # no range: one exact row


def test_explore_totals_with_ceilings_say_up_to():
    # samples/multi-industry.toml: equity_investment up to 2,000,000.00 and major_tech_project up to 2 × 1,000,000
    # (at least 1,000,000.00 each) are ceilings in every point, so no total of the grid is certain (SPEC §3)
    multi = Path(__file__).resolve().parent.parent / "samples" / "multi-industry.toml"
    r = _run("explore", str(multi), "--vary", "revenue=1000万..1亿", "--vary", "rd_expense=0..3000万", "-n", "4")
    assert r.exit_code == 0, r.output
    flat = " ".join(r.stdout.split())
    # calc gives up to 15,900,000.00 (exact 11,900,000.00 + up to 4,000,000.00); at revenue 1000万 the growth over
    # revenue_prev 3.8亿 is no longer ≥ 1亿, so loan_interest's 2,000,000.00 goes (13,900,000.00), and below
    # rd_expense 2000万 the rd top-up's 1,500,000.00 too (12,400,000.00)
    assert "highest total up to 13,900,000.00 at revenue = 10,000,000.00, rd_expense = 20,000,000.00" in flat
    assert "lowest total up to 12,400,000.00 at revenue = 10,000,000.00, rd_expense = 0.00" in flat
    assert "just below, up to" in flat


def test_what_if_of_an_up_to_ceiling_says_up_to_in_every_difference() -> None:
    """SPEC §3 in the what-if: key_tech_breakthrough is min(investment, 3000万), a ceiling. Raising the investment
    from 1200万 to 2000万 raises the ceiling by 800万; that difference, and the totals counting it, are never shown
    as certain (they were '+8,000,000.00' and 'total 25,200,000.00')."""
    args = ["calc", str(BEIJING), "--set", "breakthrough_investment=2000万"]
    env = {"COLUMNS": "200", "NO_COLOR": "1"}
    r = runner.invoke(app, args, env=env)
    assert r.exit_code == 0, r.output
    assert "base up to 12,000,000.00, new up to 20,000,000.00, difference up to +8,000,000.00" in r.stdout
    lines = [" ".join(line.split()) for line in r.stdout.splitlines()]
    assert "exact 0.00 0.00 0.00" in lines
    assert "total up to 25,200,000.00 up to 33,200,000.00 up to +8,000,000.00" in lines
    md = runner.invoke(app, [*args, "--format", "markdown"], env=env).stdout
    assert "| up to 12,000,000.00 | up to 20,000,000.00 | up to +8,000,000.00 |" in md
    assert "| **total** | | up to 25,200,000.00 | up to 33,200,000.00 | up to +8,000,000.00 |" in md
    doc = json.loads(runner.invoke(app, [*args, "--format", "json"], env=env).stdout)
    delta = doc["delta"][0]
    assert (delta["difference"], delta["difference_counts_ceiling"]) == ("8000000.00", True)
    assert delta["total_before_counts_ceiling"] and delta["total_after_counts_ceiling"]
    key = next(c for c in delta["clauses"] if c["clause"] == "key_tech_breakthrough")
    assert (key["basis_after"], key["difference"], key["difference_counts_ceiling"]) == ("up_to", "8000000.00", True)


def test_what_if_of_the_name_is_the_new_name_in_json_and_plain_text_in_markdown() -> None:
    args = ["calc", str(BEIJING), "--set", "name=甲|乙`丙"]
    doc = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    assert doc["company"] == "甲|乙`丙"  # it kept the old name
    md = runner.invoke(app, [*args, "--format", "markdown"]).stdout
    # a list item, not a code span: in a code span the backslashes before | and ` would show
    assert "- name 京北协作机器人有限公司 (Jingbei Cobots) → 甲\\|乙\\`丙" in md.splitlines()


def test_a_sweep_of_the_year_gives_one_cliff_where_the_policy_starts_and_one_where_it_ends() -> None:
    """洪府发〔2023〕30号 runs 2023-01-01 to 2025-12-31: along the year, every clause switches at once at 2023 and at
    2026, one cliff each (it was seven, one per clause and one for the group), and the heading names no one year."""
    r = runner.invoke(app, ["explore", str(SI_LED), "--vary", "year=2022..2027"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0].endswith(": sweep")
    flat = " ".join(r.stdout.split())
    assert flat.count(". at year = ") == 2
    assert "1. at year = 2023 nanchang-electronic-information-2023 comes into force: " in flat
    assert "2. at year = 2026 nanchang-electronic-information-2023 is no longer in force: " in flat
    assert flat.endswith("stop being eligible: total up to 35,296,000.00 just below, 0.00 at it (up to -35,296,000.00)")
    doc = json.loads(runner.invoke(app, ["explore", str(SI_LED), "--vary", "year=2022..2027", "-f", "json"]).stdout)
    assert doc["year"] is None
    ended = doc["cliffs"][0][1]
    assert (ended["kind"], ended["at"], ended["below"]) == ("policy_ended", 2026, 2025)
    assert "rd_center" in ended["clauses"] and "si_led_rd" in ended["clauses"]
    assert (ended["total_below_counts_ceiling"], ended["total_at_counts_ceiling"]) == (True, False)


def test_headroom_says_up_to_where_an_unlock_moves_an_up_to_ceiling() -> None:
    """The VR studio's rd_center unlock makes the 800万 company cap (5% of 1.6亿 sales) bind: the total goes from up to
    6,551,500.00 (exact 4,551,500.00 + equity_investment's ceiling 2,000,000.00) to up to 8,000,000.00, and
    equity_investment's ceiling is cut to make room; neither change is certain (SPEC §3)."""
    r = runner.invoke(app, ["calc", str(SAMPLES / "nanchang-vr-studio.toml")], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    flat = " ".join(r.stdout.split())
    assert "equity_investment up to -1,236,058.06, rd_post_subsidy_topup -840,000.00" in flat
    assert "company annual cap now binding (limit 8,000,000.00); net up to +1,448,500.00" in flat
    # the small firm's unlocks leave the capped total where it is: no difference is 0.00, not "up to 0.00"
    small = " ".join(runner.invoke(app, ["calc", str(SMALL)], env={"COLUMNS": "200"}).stdout.split())
    assert "cut to make room; net 0.00" in small and "up to 0.00" not in small
    doc = json.loads(runner.invoke(app, ["calc", str(SAMPLES / "nanchang-vr-studio.toml"), "-f", "json"]).stdout)
    unlock = next(u for u in doc["results"][0]["headroom"] if u["clause"] == "rd_center")
    assert (unlock["net_gain"], unlock["net_gain_counts_ceiling"]) == ("1448500.00", True)


VR = SAMPLES / "nanchang-vr-studio.toml"  # an electronic-information / VR company; not software


def test_what_if_says_first_what_calc_says_first_not_in_force_superseded_not_targeted():
    """SPEC 9.3: a what-if of a year no clause is in force for states it in words, as calc does, before its
    0.00 figures; a result a later text may supersede says so; a policy that does not target the company says
    NOT TARGETED. A line that holds for only one side of the what-if says which."""
    ended = _run("calc", str(VR), "--year", "2026", "--set", "rd_staff=99")
    flat = " ".join(ended.stdout.split())
    assert ended.exit_code == 0, ended.output
    assert ("NOT IN FORCE: no clause of 洪府发〔2023〕30号 is in force for fiscal 2026: it ended on 2025-12-31"
            in flat and flat.index("NOT IN FORCE") < flat.index("no clause changes"))
    moved = " ".join(_run("calc", str(VR), "--set", "year=2026").stdout.split())
    assert "new: NOT IN FORCE: no clause of 洪府发〔2023〕30号 is in force for fiscal 2026" in moved
    # --year is the base's year and --set year the what-if's (--year overrode both: "year 2024 → 2024" of 2026)
    back = " ".join(_run("calc", str(VR), "--year", "2026", "--set", "year=2024").stdout.split())
    assert "year 2026 → 2024" in back
    assert "base: NOT IN FORCE: no clause of 洪府发〔2023〕30号 is in force for fiscal 2026" in back
    assert "new: NOT IN FORCE" not in back and "loan_interest expired → not eligible" in back
    later = " ".join(_run("calc", str(WUHAN), "--set", "year=2025").stdout.split())
    assert "new: the result may be superseded: the end of 加快促进软件和信息技术服务业创新发展的若干措施 is unknown" in later
    both = " ".join(_run("calc", str(WUHAN), "--year", "2025", "--set", "rd_staff=99").stdout.split())
    assert "the result may be superseded" in both and "new: the result may be superseded" not in both
    other = " ".join(_run("calc", str(VR), "-p", "wuhan", "--set", "rd_staff=99").stdout.split())
    assert "NOT TARGETED: applies to software enterprises; this profile's industries: electronic-information, vr" \
        in other
    md = _run("calc", str(VR), "--year", "2026", "--set", "rd_staff=99", "--format", "markdown").stdout
    assert "> **NOT IN FORCE: no clause of 洪府发〔2023〕30号 is in force for fiscal 2026" in md
    cities = " ".join(_run("compare", str(SAMPLES / "multi-industry.toml"), "--year", "2026", "--set",
                           "rd_staff=99").stdout.split())
    assert "NOT IN FORCE: no clause of 洪府发〔2023〕30号 is in force for fiscal 2026" in cities
    assert cities.count("the result may be superseded") == 2  # Wuhan (end unknown, 2025-03-20) and Beijing
    assert "not read by" not in cities  # compare's cities each read their own fields (as compare without --set)


# ---------------------------------------------------------------- explore: a user's review (2026-12-07)


def test_explore_refuses_year_twice_rather_than_labelling_every_point_with_a_year_it_did_not_use():
    # --year 2025 --vary year=2022..2027 labelled six years and computed 2025 six times (loan_interest granted
    # in 2022 and 2026, outside 2023-10-10 … 2025-12-31)
    r = _run("explore", str(SI_LED), "--year", "2025", "--vary", "year=2022..2027")
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == ("error: --year 2025 and --vary year both set the fiscal year; drop --year (the sweep "
                                "gives the years)")


@pytest.mark.parametrize("span", ["1000万....5亿", "1000万……5亿", "1000万~5亿", "1000万～5亿", "1000万至5亿",
                                  "1000万。。5亿", "1000万...5亿"])
def test_explore_reads_every_way_of_writing_a_range_to_the_same_ends(span):
    # four dots swept up to 0.5亿 ("....5亿" read as ".5亿") without a word; the Chinese ellipsis was an error
    r = _run("explore", str(SI_LED), "--vary", f"rd_expense={span}", "-n", "3", "-f", "json")
    assert r.exit_code == 0, r.output
    axis = json.loads(r.stdout)["axes"][0]
    assert (axis["from"], axis["to"], axis["values"]) == ("10000000.00", "500000000.00", 3)


@pytest.mark.parametrize("bad, says", [
    ("rd_expense=5000..20000万", ("FROM 5000 has no unit and would be read as yuan, while TO is in 万: write the "
                                  "unit on both, e.g. --vary rd_expense=5000万..20000万 (or 5000元 for yuan)")),
    # the advice gives FROM a unit that keeps it below TO: 5000万..2亿, never 5000亿..2亿 (then "FROM is above TO")
    ("revenue=5000..2亿", ("FROM 5000 has no unit and would be read as yuan, while TO is in 亿: write the unit on "
                          "both, e.g. --vary revenue=5000万..2亿 (or 5000元 for yuan)")),
    ("revenue=3..5亿", "e.g. --vary revenue=3亿..5亿 (or 3元 for yuan)"),
    ("revenue=50..2亿元", "e.g. --vary revenue=50万元..2亿元 (or 50元 for yuan)"),
    ("rd_expense=1亿..2亿..3亿", "expected FIELD=FROM..TO with two dots between FROM and TO"),
])
def test_explore_refuses_a_range_it_would_read_otherwise_than_meant(bad, says):
    r = _run("explore", str(SI_LED), "--vary", bad)
    assert r.exit_code == 2, r.output
    assert says in " ".join(r.stderr.split())


def test_explore_takes_a_full_width_equals_sign_and_zero_without_a_unit():
    r = _run("explore", str(SI_LED), "--vary", "研发费用＝0..2亿", "-n", "2", "-f", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["axes"][0] == {"field": "rd_expense", "from": "0.00", "to": "200000000.00",
                                               "values": 2}


@pytest.mark.parametrize("steps", ["1", "3.5", "1e3", "0"])
def test_explore_needs_at_least_from_and_to(steps):
    # --steps 1 evaluated FROM only, said "1 values" and missed the cliffs inside the range
    r = _run("explore", str(SI_LED), "--vary", "rd_expense=1亿..2亿", "--steps", steps)
    assert r.exit_code == 2, r.output
    assert f"--steps {steps}: expected a whole number of values from 2 (FROM and TO) to 10,000, e.g. --steps 200" \
        in " ".join(r.stderr.split())


def test_explore_refuses_to_add_up_the_totals_of_two_places():
    # -p nanchang,武汉 gave one "total" that was Nanchang's plus Wuhan's, for a company that is in one of them
    r = _run("explore", str(ROOT / "samples" / "multi-industry.toml"), "-p", "nanchang,武汉", "--vary",
             "revenue=1亿..25亿", "-n", "3")
    assert r.exit_code == 2, r.output
    assert "are policies of 2 places (nanchang, wuhan-east-lake); a company is in one, so their totals do not add " \
           "up" in " ".join(r.stderr.split())


def test_explore_opens_with_what_calc_opens_with():
    # NOT IN FORCE, NOT TARGETED and the unread fields were missing: an all-zero sweep read as "no clause switches"
    r = _run("explore", str(SI_LED), "--vary", "rd_expense=0..3亿", "-n", "3", "--year", "2026")
    assert r.exit_code == 0, r.output
    flat = " ".join(r.stdout.split())
    assert "NOT IN FORCE: no clause of 洪府发〔2023〕30号 is in force for fiscal 2026" in flat
    doc = json.loads(_run("explore", str(SI_LED), "--vary", "rd_expense=0..3亿", "-n", "3", "--year", "2026",
                          "-f", "json").stdout)
    assert doc["warnings"][0]["headline"] is True and doc["warnings"][0]["text"].startswith("NOT IN FORCE")
    r = _run("explore", str(SI_LED), "-p", "beijing", "--vary", "rd_expense=0..3亿", "-n", "3")
    assert "NOT TARGETED: applies to robotics enterprises" in " ".join(r.stdout.split())
    r = _run("explore", str(SI_LED), "--vary", "paid_in_capital=0..1亿", "-n", "3", "-f", "markdown")
    assert ("> warning: paid_in_capital is not read by nanchang-electronic-information-2023: nothing changes along "
            "it") in r.stdout
    r = _run("explore", str(SI_LED), "--vary", "year=2022..2027")  # the years are the axis: no banner
    assert r.exit_code == 0 and "NOT IN FORCE" not in r.stdout
    # sales_revenue is read by the company cap (5% of it), not by a clause: it was said not to be read, above a
    # company-cap cliff at 95,533,434.60 (the counted clauses' 4,776,671.73 ÷ 5%: the cap stops binding there)
    r = _run("explore", str(SMALL), "--vary", "sales_revenue=1000万..10亿")
    assert r.exit_code == 0 and "is not read by" not in r.stdout and "company annual cap" in r.stdout


def test_a_what_if_that_leaves_the_validity_says_so_as_the_reason():
    # --set year=2026: si_led_rd and rd_post_subsidy_topup were "group 'rd' winner changed from rd_center to none"
    r = _run("calc", str(SI_LED), "--set", "year=2026")
    assert r.exit_code == 0, r.output
    flat = " ".join(r.stdout.split())
    assert "group 'rd' (就高不就低) winner changed" not in flat
    assert flat.count("why: the policy is not in force for the new fiscal year (outside its validity)") >= 10
    r = _run("calc", str(SI_LED), "--year", "2026", "--set", "year=2025")
    assert "why: the policy is in force for the new fiscal year" in " ".join(r.stdout.split())


def test_explore_too_narrow_for_its_chart_gives_the_highest_and_lowest_totals_instead():
    # at 20-27 columns the chart cut its axis ("50,000,00", "rd_expens")
    r = runner.invoke(app, ["explore", str(SI_LED), "--vary", "rd_expense=5000万..9000亿", "--steps", "50"],
                      env={"COLUMNS": "24", "NO_COLOR": "1"})
    assert r.exit_code == 0, r.output
    flat = " ".join(r.stdout.split())
    assert "┤" not in r.stdout and "highest total up to 35,339,200.00 at rd_expense =" in flat
    wide = runner.invoke(app, ["explore", str(SI_LED), "--vary", "rd_expense=5000万..9000亿", "--steps", "50"],
                         env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert "┤" in wide.stdout


def test_every_bad_set_is_reported_at_once(catalog):
    # only the first bad --set was said: the user fixed it, ran again, met the next
    with pytest.raises(planning.OptionError) as info:
        planning.parse_settings(["rd_expense=-5万", "rd_staff=3.5", "foo=1", "rd_staff=99"], catalog.registry)
    lines = info.value.message.splitlines()
    assert lines[0] == "4 problems; fix them all before running again:"
    assert lines[1].startswith("  --set rd_expense=-5万: '-5万' is negative")
    assert lines[2].startswith("  --set rd_staff=3.5: expected a whole number")
    assert lines[3] == "  --set foo=1: unknown field; see the field reference in the README"
    assert lines[4] == "  --set rd_staff=99: rd_staff is already set by --set rd_staff=3.5; give it once"
    with pytest.raises(planning.OptionError, match=r"^--set foo=1: unknown field"):  # one: one line, as before
        planning.parse_settings(["foo=1"], catalog.registry)


def test_what_if_total_difference_says_which_part_is_certain_and_which_is_the_ceilings() -> None:
    """科技重大专项 2 -> 0 and 研发费用 1亿: the total's difference read 'up to -8,339,200.00', a ceiling of a loss; of
    it, 31,339,200.00 - 27,000,000.00 = -4,339,200.00 is certain and -4,000,000.00 is the ceilings (2 × 200万)."""
    args = ["calc", "samples/zh/nanchang-si-led-maker.toml", "--set", "研发费用=1亿", "--set", "科技重大专项=0",
            "--set", "在昌项目银行贷款=2亿"]
    env = {"COLUMNS": "200", "NO_COLOR": "1", "INCENTIVES_LANG": ""}
    en = [" ".join(x.split()) for x in CliRunner().invoke(app, args, env=env).stdout.splitlines()]
    assert ("total up to 35,339,200.00 27,000,000.00 -4,339,200.00 exact, -4,000,000.00 in up-to ceilings"
            in en), en
    assert "up-to clauses up to 4,000,000.00 up to 0.00 up to -4,000,000.00" in en
    zh = [" ".join(x.split()) for x in CliRunner().invoke(app, [*args, "--lang", "zh"], env=env).stdout.splitlines()]
    assert "合计 最高 35,339,200.00 27,000,000.00 确定 -4,339,200.00，最高限额 -4,000,000.00" in zh, zh


def test_headroom_never_advises_going_back_in_a_subsidy_period(tmp_path) -> None:
    # 贴息期限不超过3年: a project in its 4th year was advised "major_project_interest_year 4 → 3 (-1):
    # major_project_interest up to +18,000,000.00", ranked first; the year only moves on (grows_only)
    profile = tmp_path / "b.toml"
    profile.write_text('name = "B"\njurisdiction = "beijing"\nyear = 2024\nindustries = ["robotics"]\n'
                       'revenue = "5亿"\nmajor_project_loans = "5亿"\nmajor_project_interest_year = 4\n'
                       'breakthrough_investment = 0\nplatform_investment = []\nis_specialized = false\n'
                       'first_time_above_scale = false\noutput_first_over_100m = false\n'
                       'benchmark_factory_investment = []\nchain_first_included = false\nchain_contract_amount = 0\n'
                       'first_trial_unit_costs = []\nfirst_trial_prior_funding = false\n', encoding="utf-8")
    env = {"COLUMNS": "200", "INCENTIVES_LANG": ""}
    out = CliRunner().invoke(app, ["calc", str(profile)], env=env).stdout
    assert "major_project_interest_year 4 → 3" not in out
    assert "nothing: the thresholds missed need a fact that only moves on with time to go back" in out
    # in its 2nd year (eligible) nothing changes; in year 0 the advice to reach year 1 stays
    year0 = CliRunner().invoke(app, ["calc", str(profile), "--set", "major_project_interest_year=0"], env=env).stdout
    assert "major_project_interest_year 0 → 1 (+1)" in year0


def test_headroom_ranks_a_move_that_gains_nothing_after_one_that_gains(tmp_path) -> None:
    # rd_expense 1999万 → 2000万 unlocked rd_post_subsidy_topup only for the binding company cap (5% of a
    # defaulted sales_revenue) to take it all back, net 0.00; it came before revenue → 1.1亿, which lifts the
    # cap itself: net up to +2,000,000.00
    profile = tmp_path / "n.toml"
    profile.write_text('name = "N"\njurisdiction = "nanchang"\nyear = 2024\nindustries = ["electronic-information"]\n'
                       'revenue = "4000万"\nrevenue_prev = "1000万"\nrd_expense = "1999万"\nrd_staff = 10\n'
                       'rd_post_subsidy_base = "1万"\nneeq_listed = true\nequity_investment_raised = "200万"\n'
                       'hosted_event_expenses = ["300万"]\nlocal_project_loans = 0\n', encoding="utf-8")
    doc = json.loads(CliRunner().invoke(app, ["calc", str(profile), "-f", "json"]).stdout)
    nets = [u["net_gain"] for u in doc["results"][0]["headroom"] if u["kind"] == "threshold"]
    gains = [n is not None and float(n) > 0 for n in nets]
    assert len(nets) >= 2 and gains == sorted(gains, reverse=True), nets  # every gain before every 0.00
    zh = CliRunner().invoke(app, ["calc", str(profile), "--lang", "zh"], env={"COLUMNS": "200"}).stdout
    assert "企业年度上限不再适用（上限 2,000,000.00）" in zh and "company annual cap no longer binding" not in zh


def test_set_takes_a_full_width_equals_sign_and_names_a_colon():
    # --set 研发费用＝1.2亿 (a Chinese input method) was "expected FIELD=VALUE" where --vary reads it
    from nanchang_incentives.errors import OptionError
    from nanchang_incentives.planning import parse_settings

    registry = api.load().registry
    assert parse_settings(["研发费用＝1.2亿"], registry) == {"rd_expense": 120_000_000 * 10_000}  # 1/10000 yuan
    with pytest.raises(OptionError, match="expected FIELD=VALUE with '=' \\(not '：'\\)"):
        parse_settings(["研发费用：1.2亿"], registry)


def test_missing_input_names_the_scope_of_a_ceiling_that_is_the_clause_own_figure(catalog, tmp_path):
    # "单个企业每年最高500万元" (scale_up_award) and "园区运营公司每年给予最高100万元" (park_operator): the ceiling is the
    # clause's own figure (no cap), per year; the hint said "at most 5,000,000.00" where xinchuang_solution's said
    # "per year"
    path = tmp_path / "w.toml"
    path.write_text('name = "W"\njurisdiction = "wuhan-east-lake"\nyear = 2024\nindustries = ["software"]\n'
                    'key_software_field = true\n', encoding="utf-8")
    (room,) = api.headroom(api.load_company(path, catalog), catalog)
    said = {u.clause: explain.unlock(u) for u in room.missing}
    assert said["scale_up_award"] == "add scale_milestone (at most 5,000,000.00 per year)"
    assert said["park_operator"] == "add is_park_operator (at most 1,000,000.00 per year)"
    assert said["xinchuang_solution"] == "add xinchuang_contract_non_hardware (at most 5,000,000.00 per year)"
    zh = {u.clause: explain.unlock(u, "zh") for u in room.missing}
    assert zh["scale_up_award"].endswith("（每年最高 5,000,000.00）")


def test_a_threshold_met_that_leaves_the_clause_waiting_for_input_is_said_once(catalog, tmp_path):
    # rd_expense 1200万 → 2000万 meets the top-up's threshold, but rd_post_subsidy_base is not given: the hint
    # said "rd_post_subsidy_topup becomes missing input; rd_post_subsidy_topup would still be missing input"
    path = tmp_path / "h.toml"
    path.write_text('"所在地" = "南昌"\n"年度" = 2024\n"行业" = ["电子信息"]\n"营业收入" = "3.5亿"\n'
                    '"研发费用" = "1200万元"\n', encoding="utf-8")
    (room,) = api.headroom(api.load_company(path, catalog), catalog)
    u = next(u for u in room.thresholds if u.clause == "rd_post_subsidy_topup")
    assert explain.unlock(u) == ("rd_expense 12,000,000.00 → 20,000,000.00 (+8,000,000.00): no amount changes; "
                                 "rd_post_subsidy_topup would then be missing input (add rd_post_subsidy_base); "
                                 "net 0.00")
    assert "将为缺少数据（需补充 rd_post_subsidy_base）" in explain.unlock(u, "zh")
    assert "仍为" not in explain.unlock(u, "zh")


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_discretionary_clause_switching_on_is_a_cliff(catalog, tmp_path):
    # 三(二) major_project_award: a project of 10亿 or more in production is listed for a decision; explore said
    # "no clause switches" over 9亿..11亿, while headroom named exactly that move
    path = _write(tmp_path, "c.toml", 'name = "C"\njurisdiction = "nanchang"\nyear = 2024\n'
                  'industries = ["electronic-information"]\nrevenue = "30亿"\nrevenue_prev = "30亿"\n'
                  'is_new_entrant = false\nis_fortune500 = false\nmajor_project_investment = "9.9亿"\n'
                  'project_in_production = true\n')
    sweep = api.explore(api.load_company(path, catalog), ["major_project_investment=9亿..11亿"], catalog)
    (cliff,) = sweep.cliffs[0]
    assert (cliff.kind, cliff.clause, cliff.before, cliff.after) == (
        CliffKind.CLAUSE_MISSING, "major_project_award", "not_eligible", "discretionary")
    assert (cliff.at, cliff.below) == (1_000_000_000 * YUAN, 1_000_000_000 * YUAN - 1)
    assert (cliff.total_below, cliff.total_at) == (0, 0)


def test_a_year_cliff_lists_only_the_clauses_that_come_into_force_with_an_amount_or_a_decision(catalog, tmp_path):
    # 2023: of the Nanchang clauses only loan_interest has what it needs (growth 1亿, loans 5000万: 5000万 × 50% ×
    # LPR 3.45% = 862,500.00) and seven are discretionary; the other thirteen wait for input and were listed as
    # "become eligible"
    path = _write(tmp_path, "a.toml", 'name = "A"\njurisdiction = "nanchang"\nyear = 2024\n'
                  'industries = ["electronic-information"]\nrevenue = "3亿"\nrevenue_prev = "2亿"\n'
                  'is_new_entrant = false\nlocal_project_loans = "5000万"\n')
    sweep = api.explore(api.load_company(path, catalog), ["year=2022..2026"], catalog)
    on, off = (c for c in sweep.cliffs[0] if c.kind in (CliffKind.POLICY_IN_FORCE, CliffKind.POLICY_ENDED))
    assert (on.kind, on.at, on.total_at) == (CliffKind.POLICY_IN_FORCE, 2023, 862_500_00)
    assert set(on.clauses) == {"loan_interest", "one_firm_one_policy", "case_by_case", "innovation_platform",
                               "supply_chain_platform", "talent_and_jobs", "industry_fund"}
    assert set(off.clauses) == set(on.clauses) and off.at == 2026


def test_a_sweep_of_the_year_carries_what_calc_says_of_each_year(catalog, tmp_path):
    # SPEC 9.3 / §5: calc --year 2027 says the result may be superseded (Beijing: a later text reported on
    # 2026-01-23) and that the 5-year LPR after 2026-02-24 is unconfirmed; explore over 2024..2027 printed the
    # 2026 and 2027 figures with neither. With --ignore-validity, Nanchang's 2026 / 2027 points are HYPOTHETICAL.
    from nanchang_incentives.render.planning import sweep_notices

    b = _write(tmp_path, "b.toml", 'name = "B"\njurisdiction = "beijing"\nyear = 2024\nindustries = ["robotics"]\n'
               'revenue = "5亿"\nmajor_project_loans = "8亿"\nmajor_project_interest_year = 3\n')
    texts = [t for _, t, _ in sweep_notices(api.explore(api.load_company(b, catalog), ["year=2024..2027"],
                                                        catalog))]
    assert sum("may be superseded" in t and "(fiscal 2026 is on or after it)" in t for t in texts) == 1
    assert sum(t.endswith("(likewise fiscal 2027)") for t in texts if "may be superseded" in t) == 1
    assert any(t.startswith("lpr_5y: reference rate after 2026-02-24 is unconfirmed") for t in texts)
    base = [t for _, t, _ in sweep_notices(api.explore(api.load_company(b, catalog), ["revenue=1亿..9亿"], catalog))]
    assert not any("may be superseded" in t for t in base)  # 2024 itself: nothing of the kind
    a = _write(tmp_path, "a.toml", 'name = "A"\njurisdiction = "nanchang"\nyear = 2024\n'
               'industries = ["electronic-information"]\nrevenue = "3亿"\nrevenue_prev = "2亿"\n'
               'is_new_entrant = false\nlocal_project_loans = "5000万"\n')
    from nanchang_incentives.engine import Options

    sweep = api.explore(api.load_company(a, catalog), ["year=2022..2027"], catalog,
                        options=Options(ignore_validity=True))
    hypothetical = [t for _, t, _ in sweep_notices(sweep) if "HYPOTHETICAL" in t]
    assert len(hypothetical) == 1 and hypothetical[0].startswith("2022 is outside the policy's validity")
    assert hypothetical[0].endswith("(likewise fiscal 2026–2027)")  # once, with the years it is true of
    # a long sweep: every year said, once per notice (it was a paragraph per year, and none past the 40th)
    long = sweep_notices(api.explore(api.load_company(b, catalog), ["year=2020..2060"], catalog, steps=41))
    superseded = [t for _, t, _ in long if "may be superseded" in t]
    assert len(superseded) == 1 and superseded[0].endswith("(likewise fiscal 2027–2060)")


def test_an_amount_beyond_the_largest_is_said_with_whole_figures(catalog, tmp_path):
    # four units of 3万亿 sum to 12万亿 before the 50万-per-unit cap: refused, and the message gave
    # "3,000,000,000,00…" (a figure cut) in calc and "10050251256281407/2000" (a fraction) in explore
    path = _write(tmp_path, "d.toml", 'name = "D"\njurisdiction = "beijing"\nyear = 2024\nindustries = ["robotics"]\n'
                  'first_trial_unit_costs = ["40万", "40万"]\nfirst_trial_prior_funding = false\n')
    res = CliRunner().invoke(app, ["calc", str(path), "--set", "first_trial_unit_costs=3万亿;3万亿;3万亿;3万亿"])
    assert res.exit_code == 1
    said = " ".join(res.output.split())
    assert ("(first_trial_unit_costs = 3,000,000,000,000.00;3,000,000,000,000.00;3,000,000,000,000.00 "
            "(and 1 more))") in said and "…" not in said
    res = CliRunner().invoke(app, ["explore", str(path), "--vary", "first_trial_unit_costs=0..10万亿"])
    said = " ".join(res.output.split())
    assert "at first_trial_unit_costs = 5,025,125,628,140.7035 an amount of beijing-robotics-2023 goes beyond" in said
    assert "Traceback" not in said and "/" not in said.split("goes beyond")[0].split("=")[-1]


def test_a_sweep_from_a_value_to_itself_is_a_usage_error_pointing_at_calc_set(catalog, tmp_path):
    # revenue=3亿..3亿 was swept as "1 values", its one label drawn twice
    path = _write(tmp_path, "a.toml", 'name = "A"\njurisdiction = "nanchang"\nyear = 2024\n'
                  'industries = ["electronic-information"]\nrevenue = "3亿"\n')
    res = CliRunner().invoke(app, ["explore", str(path), "--vary", "revenue=3亿..3亿"])
    assert res.exit_code == 2
    assert ("--vary revenue=3亿..3亿: FROM and TO are the same value, so there is nothing to sweep; for that one "
            "value use calc --set revenue=3亿") in " ".join(res.output.split())


def test_set_takes_a_list_written_as_the_toml_profile_writes_it(catalog):
    # --set smart_factory_investments='["300万","200万"]' was refused, though --set values are written "as in a
    # TOML profile"; 三(四) 50% of each project: 1,500,000.00 + 1,000,000.00
    res = CliRunner().invoke(app, ["calc", str(SI_LED), "--format", "json", "--set",
                                   'smart_factory_investments=["300万", "200万"]'])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    (change,) = [c for p in doc["delta"] for c in p["clauses"] if c["clause"] == "smart_factory"]
    assert change["amount_after"] == "2500000.00"
    same = CliRunner().invoke(app, ["calc", str(SI_LED), "--format", "json", "--set",
                                    "smart_factory_investments=300万;200万"])
    assert json.loads(same.output)["delta"] == doc["delta"]
