"""Benchmark of ``incentives batch``: speed, memory and exactness at 10^5 … 10^6 companies.

    python benchmarks/batch_bench.py                      # 100k and 1M rows
    python benchmarks/batch_bench.py --rows 100000,1000000,5000000
    python benchmarks/batch_bench.py --rows 20000 --repeat 1   # a quick look

For each size it generates (once, deterministically, into ``bench-out/``) a
CSV of synthetic companies with realistic magnitudes, then measures

* a plain read + write of the same CSV with Python's ``csv`` module (the
  floor any Python tool pays), in this process;
* the compiled floor: ``pyarrow.csv`` reads the same file (every column as
  strings) and writes it back (``pyarrow.csv.write_csv``), in this process;
  every ``batch`` wall time is also given as a ratio to it (the targets:
  Nanchang wide CSV <= 2.2x, Nanchang to Parquet <= 1.5x, all three policies
  wide CSV <= 4x), measured in the same run, so that the machine's load
  weighs on both;
* ``incentives calc samples/nanchang-si-led-maker.toml`` against
  ``python -c pass`` (the interpreter's own start-up) and against
  ``python -c "import numpy, rich.console, typer"`` (the libraries calc
  cannot start without), best of 5;
* ``incentives batch`` end to end (a subprocess: start-up, policy loading,
  reading, computing, writing) with (a) the Nanchang policy, to CSV and to
  Parquet, and (b) all three policies for every row: wall time, rows/s and
  peak memory (of each process of the command, its high-water mark; summed
  over the command and its worker processes, sampled every 250 ms, as the
  proportional set size where the kernel reports it, so pages the workers
  share with their parent count once);
* exactness: the figures of every row (100k) or of an evenly spread sample
  (larger files) are recomputed here from the input cells with
  ``decimal.Decimal`` and ROUND_HALF_UP, from the policy texts' rules written
  out independently of the engine; the number of rows whose figures differ is
  reported and must be 0.

The synthetic data: 60% Nanchang, 25% Wuhan, 15% Beijing companies (the
jurisdiction column; (a) and (b) pass --policy), revenues log-normal around
5000万 yuan (1e5 … 5e10), R&D 1–8% of revenue, sparse programme fields (a
few per cent of companies each), amounts written as "1234567.89",
"1234.56万" or "12345678", a few names with commas or quotes (quoted CSV
cells), a few per 10 000 rows with a bad cell (they go to the errors file).
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import threading
import time
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = ROOT / "bench-out"
GENERATOR_VERSION = 4  # 4: has_rd_center, chain_first_included (SPEC [2026-12])
NANCHANG = "nanchang-electronic-information-2023"
WUHAN = "wuhan-east-lake-software-2023"
BEIJING = "beijing-robotics-2023"
ALL = (NANCHANG, WUHAN, BEIJING)

COLUMNS = [
    "name", "jurisdiction", "year", "industries", "revenue", "revenue_prev", "sales_revenue", "rd_expense",
    "rd_staff", "is_new_entrant", "key_support_area", "local_project_loans", "lpr_1y", "ipo_completed",
    "neeq_listed", "equity_investment_raised", "is_fortune500", "is_listed", "settlement_sales",
    "si_led_rd_expense", "si_led_sales", "rd_post_subsidy_base", "major_tech_projects",
    "smart_factory_investments", "hosted_event_expenses", "attracted_firms_scaled_up",
    "key_software_field", "scale_milestone", "software_spin_off", "new_headquarters", "paid_in_capital",
    "xinchuang_contract_non_hardware", "open_source_products", "newly_above_scale", "hosted_national_events",
    "breakthrough_investment", "platform_investment", "major_project_loans", "major_project_interest_year",
    "chain_contract_amount", "first_trial_unit_costs", "first_trial_prior_funding",
    "has_rd_center", "chain_first_included",
]


# ---------------------------------------------------------------- generator


def _money_text(rng: np.random.Generator, fen: np.ndarray) -> np.ndarray:
    """Amounts in fen as cells: "1234567.89" (80%), "1234.56万" (12%), whole yuan "1234567" (8%)."""
    kind = rng.random(len(fen))
    yuan = fen // 100
    cents = fen % 100
    plain = np.char.add(np.char.add(yuan.astype(str), "."), np.char.zfill(cents.astype(str), 2))
    wan_units = fen // 100 // 100  # a multiple of 100 yuan, written in 万 with two decimals
    wan = np.char.add(np.char.add(np.char.add((wan_units // 100).astype(str), "."),
                                  np.char.zfill((wan_units % 100).astype(str), 2)), "万")
    whole = yuan.astype(str)
    return np.where(kind < 0.8, plain, np.where(kind < 0.92, wan, whole))


def _sparse(rng: np.random.Generator, n: int, share: float, text: np.ndarray) -> np.ndarray:
    return np.where(rng.random(n) < share, text, "")


def _bool_text(rng: np.random.Generator, n: int, p_true: float, p_given: float = 1.0) -> np.ndarray:
    r = rng.random(n)
    words = rng.choice(np.array(["true", "false", "1", "0", "是", "否"]), n)
    val = np.where(r < p_true, np.where(np.isin(words, ["true", "1", "是"]), words, "true"),
                   np.where(np.isin(words, ["false", "0", "否"]), words, "false"))
    return np.where(rng.random(n) < p_given, val, "")


def _list_text(rng: np.random.Generator, n: int, share: float, lo: int, hi: int, max_items: int) -> np.ndarray:
    counts = np.where(rng.random(n) < share, rng.integers(1, max_items + 1, n), 0)
    out = np.full(n, "", dtype=object)
    rows = np.flatnonzero(counts)
    vals = _money_text(rng, rng.integers(lo, hi, int(counts.sum())) * 100)
    at = 0
    for r in rows.tolist():
        c = int(counts[r])
        out[r] = ";".join(vals[at:at + c].tolist())
        at += c
    return out.astype(str)


def generate_chunk(seed: int, start: int, n: int) -> list[list[str]]:
    """Rows start … start+n-1 (deterministic for a given seed), as columns of text."""
    rng = np.random.default_rng([seed, start])
    idx = np.arange(start, start + n)
    wan = 10_000 * 100  # one 万 in fen
    city = rng.random(n)
    jurisdiction = np.where(city < 0.6, "nanchang", np.where(city < 0.85, "wuhan-east-lake", "beijing"))
    ind_r = rng.random(n)
    industries = np.select(
        [ind_r < 0.45, ind_r < 0.52, ind_r < 0.75, ind_r < 0.88, ind_r < 0.96],
        ["electronic-information", "electronic-information;led", "software", "robotics",
         "electronic-information;software"], "")
    year = rng.choice(np.array(["2023", "2024", "2025", "2022"]), n, p=[0.3, 0.45, 0.24, 0.01])
    revenue = np.clip(np.exp(rng.normal(np.log(5e7), 1.5, n)), 1e5, 5e10).astype(np.int64) * 100
    growth = np.clip(rng.normal(0.1, 0.25, n), -0.5, 3.0)
    revenue_prev = (revenue / (1 + growth)).astype(np.int64)
    sales = (revenue * rng.uniform(0.8, 1.0, n)).astype(np.int64)
    rd = (revenue * rng.uniform(0.01, 0.08, n)).astype(np.int64)
    rd_staff = (rd // (30 * wan)).astype(np.int64)
    led = np.char.find(industries.astype(str), "led") >= 0
    listed = rng.random(n) < 0.03
    software = np.char.find(industries.astype(str), "software") >= 0
    robotics = industries == "robotics"
    names = np.char.add(np.char.add("企业", idx.astype(str)), "有限公司")
    special = rng.random(n)
    names = np.where(special < 0.003, np.char.add(names, ", 南昌分公司"),
                     np.where(special < 0.004, np.char.add(names, ' "星光"'), names))

    cols = {
        "name": names,
        "jurisdiction": jurisdiction,
        "year": year,
        "industries": industries,
        "revenue": _money_text(rng, revenue),
        "revenue_prev": _money_text(rng, revenue_prev),
        "sales_revenue": _sparse(rng, n, 0.3, _money_text(rng, sales)),
        "rd_expense": _money_text(rng, rd),
        "rd_staff": rd_staff.astype(str),
        "is_new_entrant": _bool_text(rng, n, 0.1, 0.9),
        "key_support_area": np.where(rng.random(n) < 0.02, "true", ""),
        "local_project_loans": _sparse(rng, n, 0.3, _money_text(rng, (revenue * rng.uniform(0.05, 0.5, n))
                                                                .astype(np.int64))),
        "lpr_1y": _sparse(rng, n, 0.03, rng.choice(np.array(["3.45%", "3.10%", "3.0%", "3.35%"]), n)),
        "ipo_completed": np.where(rng.random(n) < 0.002, "true", ""),
        "neeq_listed": np.where(rng.random(n) < 0.005, "1", ""),
        "equity_investment_raised": _sparse(rng, n, 0.03, _money_text(rng, rng.integers(500, 10_000, n) * wan)),
        "is_fortune500": np.where(rng.random(n) < 0.001, "true", ""),
        "is_listed": np.where(listed, "true", np.where(rng.random(n) < 0.5, "false", "")),
        "settlement_sales": np.where(listed, _money_text(rng, (revenue * rng.uniform(0.1, 0.5, n)).astype(np.int64)),
                                     ""),
        "si_led_rd_expense": np.where(led, _money_text(rng, (rd * rng.uniform(0.2, 0.6, n)).astype(np.int64)), ""),
        "si_led_sales": np.where(led, _money_text(rng, (revenue * rng.uniform(0.1, 0.4, n)).astype(np.int64)), ""),
        "rd_post_subsidy_base": _sparse(rng, n, 0.2, _money_text(rng, (rd * rng.uniform(0.01, 0.05, n))
                                                                 .astype(np.int64))),
        "major_tech_projects": _sparse(rng, n, 0.03, rng.integers(1, 4, n).astype(str)),
        "smart_factory_investments": _list_text(rng, n, 0.03, 200 * 10_000, 2000 * 10_000, 3),
        "hosted_event_expenses": _list_text(rng, n, 0.01, 20 * 10_000, 300 * 10_000, 2),
        "attracted_firms_scaled_up": _sparse(rng, n, 0.005, rng.integers(1, 4, n).astype(str)),
        "key_software_field": np.where(software, _bool_text(rng, n, 0.2), ""),
        "scale_milestone": np.where(software, _bool_text(rng, n, 0.1), ""),
        "software_spin_off": np.where(software & (rng.random(n) < 0.01), "true", ""),
        "new_headquarters": np.where(software & (rng.random(n) < 0.01), "true", ""),
        "paid_in_capital": _sparse(rng, n, 0.05, _money_text(rng, rng.integers(1000, 10_000, n) * wan)),
        "xinchuang_contract_non_hardware": np.where(software, _sparse(rng, n, 0.05, _money_text(
            rng, rng.integers(100, 10_000, n) * wan)), ""),
        "open_source_products": np.where(software, _sparse(rng, n, 0.01, rng.integers(1, 3, n).astype(str)), ""),
        "newly_above_scale": np.where(software & (rng.random(n) < 0.05), "true", ""),
        "hosted_national_events": np.where(software, _sparse(rng, n, 0.005, rng.integers(1, 3, n).astype(str)),
                                           ""),
        "breakthrough_investment": np.where(robotics, _sparse(rng, n, 0.03, _money_text(
            rng, rng.integers(500, 5000, n) * wan)), ""),
        "platform_investment": np.where(robotics, _sparse(rng, n, 0.01, _money_text(
            rng, rng.integers(1000, 20_000, n) * wan)), ""),
        "major_project_loans": np.where(robotics, _sparse(rng, n, 0.02, _money_text(
            rng, rng.integers(1000, 100_000, n) * wan)), ""),
        "major_project_interest_year": np.where(robotics, _sparse(rng, n, 0.02, rng.integers(1, 5, n).astype(str)),
                                                ""),
        "chain_contract_amount": np.where(robotics, _sparse(rng, n, 0.05, _money_text(
            rng, rng.integers(100, 100_000, n) * wan)), ""),
        "first_trial_unit_costs": np.where(robotics, _list_text(rng, n, 0.03, 10 * 10_000, 80 * 10_000, 5), ""),
        "first_trial_prior_funding": np.where(robotics, _bool_text(rng, n, 0.3), ""),
        # drawn last, so that the columns above stay as in version 3
        "has_rd_center": _bool_text(rng, n, 0.7, 0.9),
        "chain_first_included": np.where(robotics, _bool_text(rng, n, 0.6, 0.9), ""),
    }
    # a few bad cells per 10 000 rows, of different kinds
    bad = np.flatnonzero(rng.random(n) < 0.0004)
    kinds = [("revenue", "12x万"), ("revenue", "-500"), ("year", "20x4"), ("rd_staff", "3.5"),
             ("is_listed", "maybe"), ("smart_factory_investments", "300万;abc"), ("jurisdiction", "shanghai")]
    out = {k: v.astype(object) for k, v in cols.items()}
    for r in bad.tolist():
        field, value = kinds[r % len(kinds)]
        out[field][r] = value
    return [out[c].tolist() for c in COLUMNS]


def generate(path: Path, rows: int, seed: int = 20240101, chunk: int = 100_000) -> None:
    """Write the synthetic CSV (UTF-8) in chunks; deterministic for (rows, seed)."""
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for start in range(0, rows, chunk):
            cols = generate_chunk(seed, start, min(chunk, rows - start))
            w.writerows(zip(*cols))
    os.replace(tmp, path)


def dataset(rows: int) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"companies-{rows}-v{GENERATOR_VERSION}.csv"
    if not path.exists():
        t = time.perf_counter()
        generate(path, rows)
        print(f"  generated {path.name} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s",
              file=sys.stderr)
    return path


# ---------------------------------------------------------------- measuring


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def _status_kb(pid: int, keys: tuple[str, ...]) -> dict[str, int]:
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(keys):
                    out[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        pass
    return out


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemorySampler(threading.Thread):
    """Peak memory of a process tree: of each process (the kernel's high-water mark, VmHWM, read every 50 ms, so
    no peak between two looks is missed) and summed over them (proportional set size where the kernel reports
    it, so pages the workers share with their parent count once; sampled every 250 ms).

    Reading smaps_rollup walks a process's page tables: done every 10 ms for three processes it took a sixth
    of the run's wall time on the 2-core machine, so it is read less often than the cheap status file.
    """

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_total = 0
        self.peak_single = 0
        self.stop = threading.Event()

    def run(self) -> None:
        looks = 0
        while not self.stop.is_set():
            pids = [self.pid]
            for p in pids:
                pids += [c for c in _children(p) if c not in pids]
            total = 0
            for p in pids:
                st = _status_kb(p, ("VmHWM", "VmRSS"))
                self.peak_single = max(self.peak_single, st.get("VmHWM", 0))
                if looks % 5 == 0:
                    total += _pss_kb(p) or st.get("VmRSS", 0)
            self.peak_total = max(self.peak_total, total)
            looks += 1
            self.stop.wait(0.05)


def run_batch(src: Path, dst: Path, policies: tuple[str, ...],
              jobs: int | None) -> tuple[float, int, int, int, float]:
    """(wall s, peak summed kB, peak single-process kB, exit code, CPU s) of one `incentives batch` run.

    The CPU time (user + system, the command and its worker processes) does
    not depend on what else the machine is doing, unlike the wall time.
    """
    exe = Path(sys.executable).parent / "incentives"
    cmd = [str(exe), "batch", str(src), "-o", str(dst), "--quiet", "--errors", str(dst) + ".errors.csv"]
    for p in policies:
        cmd += ["--policy", p]
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = MemorySampler(proc.pid)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t
    sampler.stop.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"incentives batch failed ({proc.returncode}): {err.decode()[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, sampler.peak_total, sampler.peak_single, proc.returncode, cpu


def arrow_floor(src: Path, dst: Path) -> float:
    """pyarrow.csv reads the file (every column a string) and writes it back: a compiled read -> write."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    t = time.perf_counter()
    with open(src, "rb") as f:
        names = f.readline().decode("utf-8").strip().split(",")
    table = pacsv.read_csv(src, convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                                     strings_can_be_null=False))
    pacsv.write_csv(table, dst)
    return time.perf_counter() - t


IMPORTS = "import numpy, rich.console, typer"  # what calc cannot do without: its own floor


def bytecode() -> None:
    """Compile the package's modules to ``__pycache__`` first, as ``pip install`` does for a wheel.

    An editable install run with ``PYTHONDONTWRITEBYTECODE`` set (as on some
    CI machines) would otherwise compile every module again in every run:
    0.1-0.3 s of each measurement that no installed copy pays.
    """
    import compileall

    import nanchang_incentives

    package = Path(nanchang_incentives.__file__).parent
    if not compileall.compile_dir(package, quiet=1):
        print(f"  could not compile {package} (measured as it is)", file=sys.stderr)


def startup(repeat: int = 5) -> tuple[float, float, float]:
    """(wall s of `incentives calc` on a sample, of `python -c pass`, of importing numpy, Rich and Typer),
    best of ``repeat``."""
    exe = Path(sys.executable).parent / "incentives"
    sample = ROOT / "samples" / "nanchang-si-led-maker.toml"

    def best(cmd: list[str], env: dict[str, str] | None = None) -> float:
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
            times.append(time.perf_counter() - t)
        return min(times)

    # the imports' floor with one BLAS thread, as the console script starts numpy (cli.console)
    one_thread = {**os.environ, "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")}
    return (best([str(exe), "calc", str(sample)]), best([sys.executable, "-c", "pass"]),
            best([sys.executable, "-c", IMPORTS], one_thread))


def plain_csv(src: Path, dst: Path) -> float:
    """Read every row with csv.reader and write it back with csv.writer."""
    t = time.perf_counter()
    with open(src, newline="", encoding="utf-8") as f, open(dst, "w", newline="", encoding="utf-8") as g:
        w = csv.writer(g, lineterminator="\n")
        w.writerows(csv.reader(f))
    return time.perf_counter() - t


# ---------------------------------------------------------------- the reference (Decimal, half-up)

WAN = Decimal(10_000)
LPR_1Y = {2023: Decimal("0.0345"), 2024: Decimal("0.0310"), 2025: Decimal("0.0300")}  # on 31 December
LPR_5Y = {2023: Decimal("0.0420"), 2024: Decimal("0.0360"), 2025: Decimal("0.0350")}
TRUE, FALSE = {"true", "1", "是", "yes", "y", "t"}, {"false", "0", "否", "no", "n", "f"}


def _d(text: str) -> Decimal | None:
    if not text:
        return None
    factor = Decimal(1)
    text = text.removesuffix("元")
    if text.endswith("万"):
        text, factor = text[:-1], WAN
    elif text.endswith("亿"):
        text, factor = text[:-1], WAN * WAN
    return Decimal(text) * factor


def _b(text: str) -> bool | None:
    t = text.strip().lower()
    return True if t in TRUE else False if t in FALSE else None


def _fen(yuan: Decimal) -> int:
    return int((yuan * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _cap_fen(amount: int, cap_yuan: Decimal) -> int:
    return min(amount, int(cap_yuan * 100))


def _company_cap(amounts: dict[str, int], limit: int | None, order: list[str]) -> dict[str, int]:
    """Proportional cut to ``limit`` with the largest remainder on the last fen (ties in clause order)."""
    total = sum(amounts.values())
    if limit is None or total <= limit:
        return amounts
    shares = {k: amounts[k] * limit // total for k in order}
    rems = {k: amounts[k] * limit - shares[k] * total for k in order}
    extra = limit - sum(shares.values())
    for k in sorted(order, key=lambda k: (-rems[k], order.index(k)))[:extra]:
        shares[k] += 1
    return shares


def ref_nanchang(r: dict[str, str]) -> dict[str, int] | None:
    """Clause amounts in fen (None: every clause expired or not computed)."""
    year = int(r["year"])
    tags = r["industries"].split(";") if r["industries"] else None
    ids = ["loan_interest", "ipo", "neeq_listing", "equity_investment", "equity_refinancing", "settlement",
           "si_led_rd", "si_led_sales", "rd_post_subsidy_topup", "rd_center", "major_tech_project", "smart_factory",
           "event_hosting", "event_attraction"]
    a = dict.fromkeys(ids, 0)
    if not 2023 <= year <= 2025 or tags is None or "electronic-information" not in tags:
        return a
    rev, prev, rd = _d(r["revenue"]), _d(r["revenue_prev"]), _d(r["rd_expense"])
    staff = int(r["rd_staff"]) if r["rd_staff"] else None
    loans = _d(r["local_project_loans"])
    lpr = Decimal(r["lpr_1y"][:-1]) / 100 if r["lpr_1y"] else LPR_1Y[year]
    if rev is not None and prev is not None and rev - prev >= 100_000_000 and loans is not None:
        a["loan_interest"] = _cap_fen(_fen(loans * lpr / 2), 200 * WAN)
    if _b(r["ipo_completed"]):
        a["ipo"] = _fen(1000 * WAN)
    if _b(r["neeq_listed"]):
        a["neeq_listing"] = _fen(100 * WAN)
    eq = _d(r["equity_investment_raised"])
    if eq is not None and eq > 0:
        a["equity_investment"] = _fen(200 * WAN)
    flags = [_b(r["is_fortune500"]), _b(r.get("is_china_top100_electronics", "")), _b(r["is_listed"])]
    settlement = _d(r["settlement_sales"])
    if True in flags and settlement is not None:
        a["settlement"] = _cap_fen(_fen(settlement * Decimal("0.005")), 2000 * WAN)
    si_rd, si_sales = _d(r["si_led_rd_expense"]), _d(r["si_led_sales"])
    if si_rd is not None:
        a["si_led_rd"] = _cap_fen(_fen(si_rd * Decimal("0.2")), 1000 * WAN)
    if si_sales is not None:
        a["si_led_sales"] = _cap_fen(_fen(si_sales * Decimal("0.1")), 1000 * WAN)
    base = _d(r["rd_post_subsidy_base"])
    if rd is not None and rd >= 20_000_000 and base is not None:
        a["rd_post_subsidy_topup"] = _cap_fen(_fen(base), 2000 * WAN)
    if _b(r["has_rd_center"]) is True and None not in (rev, rd, staff) and rev >= 2_000_000_000 \
            and rd >= 100_000_000 and staff >= 100:
        a["rd_center"] = _cap_fen(_fen(rd * Decimal("0.15")), 2000 * WAN)
    if r["major_tech_projects"] and int(r["major_tech_projects"]) > 0:
        a["major_tech_project"] = int(r["major_tech_projects"]) * _fen(200 * WAN)
    if r["smart_factory_investments"]:
        a["smart_factory"] = sum(_cap_fen(_fen(_d(x) / 2), 500 * WAN) for x in r["smart_factory_investments"].split(";"))
    if r["hosted_event_expenses"]:
        a["event_hosting"] = sum(_cap_fen(_fen(_d(x) / 2), 100 * WAN) for x in r["hosted_event_expenses"].split(";"))
    if r["attracted_firms_scaled_up"] and int(r["attracted_firms_scaled_up"]) > 0:
        a["event_attraction"] = int(r["attracted_firms_scaled_up"]) * _fen(50 * WAN)
    group = ["si_led_rd", "rd_post_subsidy_topup", "rd_center"]  # 就高不就低: the first highest wins
    best = max(group, key=lambda k: (a[k], -group.index(k)))
    for k in group:
        if k != best:
            a[k] = 0
    sales = _d(r["sales_revenue"]) if r["sales_revenue"] else rev
    exempt = _b(r["is_new_entrant"]) is True or _b(r["key_support_area"]) is True
    # 不得超过 5% (SPEC ≤): the limit is rounded down to the fen
    limit = None if exempt or sales is None else int((sales * Decimal("0.05") * 100).to_integral_value(ROUND_FLOOR))
    return _company_cap(a, limit, ids)


def ref_wuhan(r: dict[str, str]) -> dict[str, int]:
    year = int(r["year"])
    tags = r["industries"].split(";") if r["industries"] else None
    ids = ["scale_up_award", "software_spin_off", "hq_relocation", "open_source_product", "open_source_platform",
           "xinchuang_solution", "software_park_core", "park_operator", "new_scale_employment", "event_hosting",
           "student_contest"]
    a = dict.fromkeys(ids, 0)
    if year < 2023 or tags is None or "software" not in tags:
        return a
    if _b(r["key_software_field"]) and _b(r["scale_milestone"]):
        a["scale_up_award"] = _fen(500 * WAN)
    if _b(r["software_spin_off"]):
        a["software_spin_off"] = _fen(200 * WAN)
    capital = _d(r["paid_in_capital"])
    if _b(r["new_headquarters"]) and capital is not None:
        a["hq_relocation"] = _cap_fen(_fen(capital / 10), 500 * WAN)
    if r["open_source_products"] and int(r["open_source_products"]) > 0:
        a["open_source_product"] = int(r["open_source_products"]) * _fen(1000 * WAN)
    xc = _d(r["xinchuang_contract_non_hardware"])
    if xc is not None and xc > 0:
        a["xinchuang_solution"] = _cap_fen(_fen(xc / 10), 500 * WAN)
    if _b(r["newly_above_scale"]):
        a["new_scale_employment"] = _fen(50 * WAN)
    if r["hosted_national_events"] and int(r["hosted_national_events"]) > 0:
        a["event_hosting"] = int(r["hosted_national_events"]) * _fen(300 * WAN)
    return _company_cap(a, _fen(WAN * WAN), ids)


def ref_beijing(r: dict[str, str]) -> dict[str, int]:
    year = int(r["year"])
    tags = r["industries"].split(";") if r["industries"] else None
    ids = ["key_tech_breakthrough", "public_platform", "benchmark_factory", "major_project_interest",
           "chain_strengthening", "first_trial_product"]
    a = dict.fromkeys(ids, 0)
    if year < 2023 or tags is None or "robotics" not in tags:
        return a
    cap = 3000 * WAN
    inv = _d(r["breakthrough_investment"])
    if inv is not None and inv > 0:
        a["key_tech_breakthrough"] = _cap_fen(_fen(inv), cap)
    plat = _d(r["platform_investment"])
    if plat is not None and plat > 0:
        a["public_platform"] = _cap_fen(_fen(plat * Decimal("0.3")), cap)
    loans = _d(r["major_project_loans"])
    k = int(r["major_project_interest_year"]) if r["major_project_interest_year"] else None
    if k is not None and 1 <= k <= 3 and loans is not None:
        a["major_project_interest"] = _cap_fen(_fen(loans * LPR_5Y[year]), cap)
    chain = _d(r["chain_contract_amount"])
    if chain is not None and chain > 0 and _b(r["chain_first_included"]) is True:
        a["chain_strengthening"] = _cap_fen(_fen(chain * Decimal("0.05")), cap)
    if r["first_trial_unit_costs"] and _b(r["first_trial_prior_funding"]) is False:
        units = sum(_cap_fen(_fen(_d(x)), 50 * WAN) for x in r["first_trial_unit_costs"].split(";"))
        a["first_trial_product"] = _cap_fen(units, 200 * WAN)
    return a


REFERENCE = {NANCHANG: ref_nanchang, WUHAN: ref_wuhan, BEIJING: ref_beijing}


def _output_rows(out: Path):
    """The result rows as text cells (a Parquet file's decimals as their text: the CSV's cells)."""
    if out.suffix == ".parquet":
        import pyarrow.parquet as pq

        f = pq.ParquetFile(out)
        for batch in f.iter_batches(batch_size=65536):
            for r in batch.to_pylist():
                yield {k: "" if v is None else str(v) for k, v in r.items()}
        return
    with open(out, newline="", encoding="utf-8") as f:
        yield from csv.DictReader(f)


def check(src: Path, out: Path, every: int) -> tuple[int, int]:
    """(rows checked, rows whose figures differ) comparing the output with the Decimal reference."""
    bad_rows = set()
    errors = Path(str(out) + ".errors.csv")
    if errors.exists():
        with open(errors, newline="", encoding="utf-8") as f:
            bad_rows = {int(r["row"]) for r in csv.DictReader(f)}
    wanted: dict[int, dict[str, str]] = {}
    with open(src, newline="", encoding="utf-8") as f:
        for i, r in enumerate(csv.DictReader(f), 1):
            if i % every == 0 and i not in bad_rows:
                wanted[i] = r
    checked = differ = 0
    seen: set[int] = set()
    for o in _output_rows(out):
        row = int(o["row"])
        if row not in wanted:
            continue
        seen.add(row)
        checked += 1
        expected = REFERENCE[o["policy"]](wanted[row])
        got = {k: int(Decimal(o[k]) * 100) for k in expected}
        total = int(Decimal(o["total"]) * 100)
        if got != expected or total != sum(expected.values()):
            differ += 1
            if differ <= 3:
                print(f"  DIFFERS row {row} {o['policy']}: "
                      f"{ {k: (got[k], expected[k]) for k in expected if got[k] != expected[k]} }",
                      file=sys.stderr)
    missing = set(wanted) - seen
    return checked + len(missing), differ + len(missing)


# ---------------------------------------------------------------- main


TARGETS = {"Nanchang": 2.2, "Nanchang → Parquet": 1.5, "all three": 4.0}  # x the pyarrow floor
CALC_TARGET = 0.2  # s
MEMORY_TARGET = 200  # MB per process


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", default="100000,1000000", help="comma-separated sizes (default 100000,1000000)")
    ap.add_argument("--repeat", type=int, default=2, help="runs per measurement; the fastest is reported")
    ap.add_argument("--jobs", type=int, default=None, help="pass --jobs to incentives batch (default: its own)")
    ap.add_argument("--sample", type=int, default=20_000, help="rows checked with Decimal above 100k rows")
    ap.add_argument("--no-check", action="store_true", help="skip the Decimal check")
    ap.add_argument("--policies", choices=("both", "nanchang", "all"), default="both",
                    help="(a) the Nanchang policy (CSV and Parquet output), (b) all three, or both (default)")
    args = ap.parse_args()
    sizes = [int(x) for x in args.rows.split(",")]
    load_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    bytecode()
    calc, python, imports = startup()
    print(f"  calc {calc:.3f} s, python -c pass {python:.3f} s, {IMPORTS} {imports:.3f} s", file=sys.stderr)
    results = []
    for n in sizes:
        src = dataset(n)
        base = min(plain_csv(src, OUT / "plain-copy.csv") for _ in range(args.repeat))
        (OUT / "plain-copy.csv").unlink()
        floor = min(arrow_floor(src, OUT / "arrow-copy.csv") for _ in range(args.repeat))
        (OUT / "arrow-copy.csv").unlink()
        sets = [("Nanchang", (NANCHANG,), "csv"), ("Nanchang → Parquet", (NANCHANG,), "parquet"),
                ("all three", ALL, "csv")]
        if args.policies != "both":
            sets = sets[:2] if args.policies == "nanchang" else sets[2:]
        for label, pols, ext in sets:
            dst = OUT / f"results-{n}-{len(pols)}.{ext}"
            runs = [run_batch(src, dst, pols, args.jobs) for _ in range(args.repeat)]
            wall = min(r[0] for r in runs)
            peak = max(r[1] for r in runs)
            single = max(r[2] for r in runs)
            cpu = min(r[4] for r in runs)
            checked = differ = None
            if not args.no_check:
                every = 1 if n <= 100_000 else max(1, n // args.sample)
                checked, differ = check(src, dst, every)
            results.append((n, label, wall, n / wall, cpu, peak / 1024, single / 1024, base, floor, checked, differ))
            print(f"  {n:>9,} {label:<18} {wall:6.2f} s  {n / wall:>10,.0f} rows/s  {wall / floor:4.2f}x floor  "
                  f"cpu {cpu:.2f} s  peak {peak / 1024:5.0f} MB (largest process {single / 1024:.0f} MB)  "
                  f"csv r+w {base:.2f} s  pyarrow r+w {floor:.2f} s  differ {differ}/{checked}", file=sys.stderr)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    import pyarrow

    print(f"\n`incentives batch` on {cores} cores, Python {sys.version.split()[0]}, numpy {np.__version__}, "
          f"pyarrow {pyarrow.__version__} (best of {args.repeat}; load average {load_start:.1f} at the start, "
          f"{load:.1f} at the end; CPU = user + system time of the command and its workers; peak memory summed "
          f"over them; floor = pyarrow.csv read (all strings) + write of the same file)\n")
    print("| companies | policies, output | wall time | rows/s | × floor | CPU time | peak memory | largest process "
          "| pyarrow floor | plain csv read+write | Decimal check: rows differing / checked |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, label, wall, rate, cpu, peak, single, base, floor, checked, differ in results:
        chk = "not run" if checked is None else f"{differ} / {checked:,}"
        shown = label if "Parquet" in label else f"{label} → CSV"
        print(f"| {n:,} | {shown} | {wall:.2f} s | {rate:,.0f} | {wall / floor:.2f}× | {cpu:.2f} s | {peak:.0f} MB "
              f"| {single:.0f} MB | {floor:.2f} s | {base:.2f} s | {chk} |")
    print(f"\n`incentives calc samples/nanchang-si-led-maker.toml`: {calc:.3f} s wall (best of 5); "
          f"`python -c pass`: {python:.3f} s; `python -c \"{IMPORTS}\"`: {imports:.3f} s (calc less that: "
          f"{calc - imports:.3f} s)\n")
    print("Targets:")
    largest = max(sizes)
    for label, target in TARGETS.items():
        got = [r[2] / r[8] for r in results if r[1] == label and r[0] == largest]
        if got:
            verdict = "met" if got[0] <= target else "NOT met"
            print(f"- {label} at {largest:,} rows: {got[0]:.2f}× the floor (target ≤ {target}×): {verdict}")
    worst = max((r[6] for r in results), default=0)
    print(f"- peak memory per process: at most {worst:.0f} MB (target ≤ {MEMORY_TARGET} MB): "
          f"{'met' if worst <= MEMORY_TARGET else 'NOT met'}; by size: "
          + ", ".join(f"{n:,}: {max(r[6] for r in results if r[0] == n):.0f} MB" for n in sizes))
    print(f"- calc: {calc:.3f} s (target ≤ {CALC_TARGET} s; python -c pass {python:.3f} s, "
          f"the bare imports {imports:.3f} s): "
          f"{'met' if calc <= CALC_TARGET else 'NOT met'}")
    if not args.no_check:
        total = sum(r[10] or 0 for r in results)
        print(f"- exactness: {total} rows differ from the Decimal recomputation: {'met' if total == 0 else 'NOT met'}")


if __name__ == "__main__":
    main()
