"""A 10,000-point sweep through the engine (issue 12): one batch, cliffs included; prints the time taken.

    python benchmarks/explore_bench.py

Not a timed test: the figure depends on the machine. The target is under a second.
"""

from __future__ import annotations

import time
from pathlib import Path

from nanchang_incentives import api

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    catalog = api.load()
    for sample, vary in (("nanchang-si-led-maker.toml", "rd_expense=1000万..5亿"),
                         ("nanchang-small-firm-capped.toml", "sales_revenue=1000万..10亿")):
        profile = api.load_company(ROOT / "samples" / sample, catalog)
        api.explore(profile, [vary], catalog, steps=50)  # warm up (imports, caches)
        start = time.perf_counter()
        sweep = api.explore(profile, [vary], catalog, steps=10_000)
        took = time.perf_counter() - start
        print(f"{sample}: --vary {vary} --steps 10000: {sweep.points.n:,} points, "
              f"{len(sweep.cliffs[0])} cliff(s), {took:.3f} s{'' if took < 1 else '  (over the 1 s target)'}")
    profile = api.load_company(ROOT / "samples" / "nanchang-si-led-maker.toml", catalog)
    start = time.perf_counter()
    grid = api.explore(profile, ["rd_staff=1..200", "rd_expense=1000万..3亿"], catalog, steps=100)
    print(f"grid rd_staff × rd_expense: {grid.points.n:,} points, {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    main()
