"""One engine: `batch` and `calc` give identical statuses and amounts, for every sample and many generated profiles.

The profiles are written to a CSV (the way a user would), run through
`batch` (both layouts, one process and several), and each one is also
computed by `calc`'s code path (`api.calculate`, a table of one row); every
clause's status and amount, and every total, must be identical.
"""

from __future__ import annotations

import csv
import random
from decimal import Decimal
from pathlib import Path

import pytest

from nanchang_incentives import api
from nanchang_incentives import fields as F
from nanchang_incentives.batch import BatchOptions, run_batch, write_profiles_csv
from nanchang_incentives.engine import Options
from nanchang_incentives.profile import Profile

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ("nanchang-electronic-information-2023", "wuhan-east-lake-software-2023", "beijing-robotics-2023")
YUAN = 10_000  # money units per yuan


@pytest.fixture(scope="module")
def catalog():
    return api.load()


def _money(rng: random.Random) -> int:
    """Money in units of 1/10000 yuan: round thresholds, their neighbours, and arbitrary amounts."""
    pick = rng.random()
    if pick < 0.25:  # the thresholds of the texts, exactly and one fen either side
        base = rng.choice([10**8, 20 * 10**8, 2 * 10**7, 10**9, 5 * 10**6, 10**6, 0]) * YUAN
        return max(0, base + rng.choice([-100, 0, 0, 100]))
    if pick < 0.35:
        return 0
    return rng.randint(0, 10**11) * rng.choice([1, 100, 10_000])  # up to 1000亿, with fen or not


def generate_profiles(catalog, n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    fields = sorted({f.name for p in POLICIES for f in catalog.get(p).fields}
                    | {"revenue", "revenue_prev", "sales_revenue", "rd_expense", "rd_staff", "is_new_entrant"})
    out = []
    for i in range(n):
        v: dict[str, object] = {
            "name": f"公司{i}" + ("，有限" if i % 7 == 0 else "") + (' "引号"' if i % 11 == 0 else ""),
            "jurisdiction": rng.choice(["nanchang", "wuhan-east-lake", "beijing"]),
            "year": rng.choice([2022, 2023, 2024, 2024, 2025, 2026]),
        }
        if rng.random() < 0.9:
            v["industries"] = tuple(rng.sample(["electronic-information", "led", "software", "robotics", "biotech"],
                                               rng.randint(0, 3)))
        for name in fields:
            if rng.random() < 0.45:
                continue
            spec = catalog.registry[name]
            if spec.type == F.MONEY:
                v[name] = _money(rng)
            elif spec.type == F.MONEY_LIST:
                v[name] = tuple(_money(rng) for _ in range(rng.randint(0, 4)))
            elif spec.type == F.BOOL:
                v[name] = rng.random() < 0.5
            elif spec.type == F.COUNT:
                v[name] = rng.choice([0, 1, 2, 3, 4, 99, 100, 101])
            elif spec.type == F.RATE:
                v[name] = rng.choice([34_500, 31_000, 30_000, 42_000, 0])  # 3.45% … in millionths
        out.append(v)
    return out


def fen(text: str) -> int:
    return int(Decimal(text) * 100)


def compare(catalog, profiles: list[dict], out_wide: Path, policy_ids: tuple[str, ...] = ()) -> int:
    """Assert batch == calc for every profile; return the number of clause results compared."""
    with open(out_wide, newline="", encoding="utf-8") as f:
        rows = {(int(r["row"]), r["policy"]): r for r in csv.DictReader(f)}
    n = 0
    for i, values in enumerate(profiles, 1):
        profile = Profile(values)
        policies = [catalog.get(p) for p in policy_ids] if policy_ids else api.policies_for(profile, catalog)
        for res in api.calculate(profile, policies, catalog, Options()):
            got = rows[(i, res.policy.id)]
            assert fen(got["total"]) == res.total, (i, res.policy.id)
            assert fen(got["total_exact"]) == res.total_exact
            assert fen(got["total_up_to"]) == res.total_up_to
            for c in res.clauses:
                assert (got[c.id + "_status"], fen(got[c.id])) == (c.status, c.amount), (i, c.id)
                n += 1
    return n


def test_every_sample_batch_equals_calc(catalog, tmp_path):
    paths = sorted((ROOT / "samples").glob("*.toml"))
    assert paths, "the samples are part of the product"
    profiles = [dict(api.load_company(p, catalog).values) for p in paths]
    src = tmp_path / "samples.csv"
    write_profiles_csv(profiles, catalog, src)
    report = run_batch(src, tmp_path / "out.csv", catalog)
    assert report.bad_rows == 0 and report.good_rows == len(profiles)
    assert compare(catalog, profiles, tmp_path / "out.csv") > 0


def test_generated_profiles_batch_equals_calc_under_every_policy(catalog, tmp_path):
    profiles = generate_profiles(catalog, 150)
    src = tmp_path / "gen.csv"
    write_profiles_csv(profiles, catalog, src)
    report = run_batch(src, tmp_path / "out.csv", catalog, BatchOptions(policy_ids=POLICIES))
    assert report.bad_rows == 0
    n = compare(catalog, profiles, tmp_path / "out.csv", POLICIES)
    assert n == 150 * sum(len(catalog.get(p).clauses) for p in POLICIES)
    # the long layout carries the same statuses and amounts
    run_batch(src, tmp_path / "long.csv", catalog, BatchOptions(policy_ids=POLICIES, layout="long"))
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as f:
        wide = {(r["row"], r["policy"]): r for r in csv.DictReader(f)}
    with open(tmp_path / "long.csv", newline="", encoding="utf-8") as f:
        long_rows = list(csv.DictReader(f))
    assert len(long_rows) == n
    for r in long_rows:
        w = wide[(r["row"], r["policy"])]
        assert (r["status"], r["amount"]) == (w[r["clause"] + "_status"], w[r["clause"]])


def test_generated_profiles_by_jurisdiction(catalog, tmp_path):
    profiles = generate_profiles(catalog, 120, seed=11)
    src = tmp_path / "gen.csv"
    write_profiles_csv(profiles, catalog, src)
    run_batch(src, tmp_path / "out.csv", catalog)
    assert compare(catalog, profiles, tmp_path / "out.csv") > 0


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_worker_processes_and_small_blocks_give_the_same_bytes(catalog, tmp_path, encoding):
    profiles = generate_profiles(catalog, 400, seed=3)
    src = tmp_path / "gen.csv"
    write_profiles_csv(profiles, catalog, src, encoding=encoding)
    for layout in ("wide", "long"):
        one = tmp_path / f"one-{layout}.csv"
        many = tmp_path / f"many-{layout}.csv"
        a = run_batch(src, one, catalog, BatchOptions(policy_ids=POLICIES, layout=layout))
        b = run_batch(src, many, catalog, BatchOptions(policy_ids=POLICIES, layout=layout, jobs=2,
                                                       block_bytes=4096))
        assert one.read_bytes() == many.read_bytes()
        assert a.output_rows == b.output_rows
        for pid in POLICIES:
            assert a.budgets[pid].as_dict() == b.budgets[pid].as_dict()


def test_companies_alternating_between_two_policies_keep_their_own_lines(catalog, tmp_path):
    """Nanchang, Wuhan, Nanchang, Wuhan …: the lines alternate between two runs exactly as when every company has
    a line of each, but each line is a different company. The wide layout lays side by side only the lines of
    one company (batch_output._wide), so every line keeps its own row, name and figures."""
    profiles = [dict(p, jurisdiction=("nanchang", "wuhan-east-lake")[i % 2])
                for i, p in enumerate(generate_profiles(catalog, 60, seed=23))]
    src = tmp_path / "gen.csv"
    write_profiles_csv(profiles, catalog, src)
    out = tmp_path / "out.csv"
    run_batch(src, out, catalog)
    assert compare(catalog, profiles, out) > 0
    with open(out, newline="", encoding="utf-8-sig") as f:
        got = [(g["row"], g["name"], g["policy"]) for g in csv.DictReader(f)]
    assert got == [(str(i + 1), p["name"], POLICIES[i % 2]) for i, p in enumerate(profiles)]
