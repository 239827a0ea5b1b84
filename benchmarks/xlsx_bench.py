"""Benchmark of ``batch --format xlsx``: rows/s of the .xlsx writer on wide result rows.

    python benchmarks/xlsx_bench.py                 # 20,000 companies through Nanchang
    python benchmarks/xlsx_bench.py --rows 50000

It computes the wide results of N synthetic companies once (as CSV lines),
then times only the writing of those lines into an .xlsx (``xlsxio.XlsxSink``:
streamed worksheet XML, typed cells), and the whole ``run_batch``
to .xlsx end to end.  A Nanchang line has 46 cells (8 + 2 × 19 clauses).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from nanchang_incentives import api, xlsxio
from nanchang_incentives.batch import BatchOptions, run_batch

POLICY = "nanchang-electronic-information-2023"


def make_input(path: Path, n: int) -> None:
    lines = [("name,jurisdiction,year,industries,revenue,revenue_prev,rd_expense,rd_staff,local_project_loans,"
             "smart_factory_investments")]
    for i in range(n):
        lines.append(f"企业{i},nanchang,2024,electronic-information,{(i % 997 + 1) * 100_000},"
                     f"{(i % 499 + 1) * 100_000},{(i % 97 + 1) * 10_000},{i % 150},{(i % 13) * 1_000_000},"
                     f"{'300万;150万' if i % 7 == 0 else ''}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=20_000)
    args = ap.parse_args()
    catalog = api.load()
    with tempfile.TemporaryDirectory() as d:
        src, csv_out, xlsx_out = Path(d, "in.csv"), Path(d, "out.csv"), Path(d, "out.xlsx")
        make_input(src, args.rows)
        options = BatchOptions(policy_ids=(POLICY,), bom=False)
        t = time.perf_counter()
        run_batch(src, csv_out, catalog, options)
        t_csv = time.perf_counter() - t
        data = csv_out.read_bytes()
        header, body = data.split(b"\n", 1)
        columns = header.decode().split(",")
        amounts = [c for c in columns if c in ("total", "total_exact", "total_up_to") or f"{c}_status" in columns]
        t = time.perf_counter()
        sink = xlsxio.XlsxSink(Path(d, "sink.xlsx"), columns, amounts)
        sink.write(body)
        sink.close()
        t_sink = time.perf_counter() - t
        t = time.perf_counter()
        run_batch(src, xlsx_out, catalog, BatchOptions(policy_ids=(POLICY,), fmt="xlsx"))
        t_xlsx = time.perf_counter() - t
    n = args.rows
    print(f"{n:,} wide rows of {len(columns)} cells")
    print(f"  batch -> csv  end to end: {t_csv:6.2f} s  {n / t_csv:10,.0f} rows/s")
    print(f"  xlsx writer only:         {t_sink:6.2f} s  {n / t_sink:10,.0f} rows/s")
    print(f"  batch -> xlsx end to end: {t_xlsx:6.2f} s  {n / t_xlsx:10,.0f} rows/s")


if __name__ == "__main__":
    main()
