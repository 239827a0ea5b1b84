"""Parquet in and out of `batch`, and `api.evaluate_arrow` (run inside DuckDB for real).

The figures are worked out by hand from 洪府发〔2023〕30号 三(二):
si_led_rd "按照其年度实际研发费用的20%，给予每家企业每年不超过1000万元的补助" and si_led_sales
10% of the sales, capped at 1000万; the company cap is 5% of the revenue.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb  # the test extra installs pyarrow and duckdb (no skips: a missing one is a broken install)
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from nanchang_incentives import api, arrowio
from nanchang_incentives import fields as F
from nanchang_incentives.batch import BatchOptions, run_batch
from nanchang_incentives.batch_table import bind_header
from nanchang_incentives.cli import app
from nanchang_incentives.errors import InputError
from nanchang_incentives.profile import parse_values

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "companies.csv"
NANCHANG = "nanchang-electronic-information-2023"


@pytest.fixture(scope="module")
def catalog():
    return api.load()


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def typed_table(path: Path, catalog) -> pa.Table:
    """A batch CSV as a Parquet-typed table: amounts decimal128(20, 4), counts int64, years int16, flags bool,
    tags and amount lists as lists, the jurisdiction dictionary-encoded, rates as their percent text."""
    rows = read_csv(path)
    cols = {}
    for name in rows[0]:
        spec = catalog.registry[name]
        vals = [parse_values({name: r[name]}, F.Registry({name: spec}), csv=True).get(name) if r[name] else None
                for r in rows]
        if spec.type == F.MONEY:
            cols[name] = pa.array([None if v is None else Decimal(v).scaleb(-4) for v in vals], pa.decimal128(20, 4))
        elif spec.type == F.MONEY_LIST:
            cols[name] = pa.array([None if v is None else [Decimal(x).scaleb(-4) for x in v] for v in vals],
                                  pa.list_(pa.decimal128(20, 4)))
        elif spec.type == F.COUNT:
            cols[name] = pa.array(vals, pa.int64())
        elif spec.type == F.YEAR:
            cols[name] = pa.array(vals, pa.int16())
        elif spec.type == F.BOOL:
            cols[name] = pa.array(vals, pa.bool_())
        elif spec.type == F.TAGS:
            cols[name] = pa.array([None if v is None else list(v) for v in vals], pa.list_(pa.string()))
        elif name == "jurisdiction":
            cols[name] = pa.array([r[name] or None for r in rows], pa.string()).dictionary_encode()
        else:  # text, and rates as written ("3.45%")
            cols[name] = pa.array([r[name] or None for r in rows], pa.string())
    return pa.table(cols)


def batch(src: Path, dst: Path, catalog, **kw) -> api.Catalog:
    opts = {"bom": False, **kw}
    fmt = "parquet" if dst.suffix == ".parquet" else "csv"
    return run_batch(src, dst, catalog, BatchOptions(fmt=fmt, **opts), errors_path=dst.with_suffix(".errors.csv"))


def as_texts(table: pa.Table) -> list[dict[str, str]]:
    """Parquet results as the CSV cells they must equal (null -> empty, decimals as written)."""
    out = []
    for r in table.to_pylist():
        out.append({k: "" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for k, v in r.items()})
    return out


# ---------------------------------------------------------------- the same figures as the CSV path


def test_a_typed_parquet_register_gives_the_csv_results_byte_for_byte(catalog, tmp_path):
    register = tmp_path / "register.parquet"
    pq.write_table(typed_table(SAMPLE, catalog), register)
    batch(SAMPLE, tmp_path / "from-csv.csv", catalog)
    batch(register, tmp_path / "from-parquet.csv", catalog)
    assert (tmp_path / "from-parquet.csv").read_bytes() == (tmp_path / "from-csv.csv").read_bytes()
    for layout in ("wide", "long"):
        batch(SAMPLE, tmp_path / f"{layout}.csv", catalog, layout=layout)
        batch(register, tmp_path / f"{layout}.parquet", catalog, layout=layout)
        got = as_texts(pq.read_table(tmp_path / f"{layout}.parquet"))
        assert got == read_csv(tmp_path / f"{layout}.csv")


def test_parquet_results_hold_exact_decimals_and_dictionary_statuses(catalog, tmp_path):
    batch(SAMPLE, tmp_path / "r.parquet", catalog)
    t = pq.read_table(tmp_path / "r.parquet")
    out = arrowio.result_schema(__import__("nanchang_incentives.batch_output", fromlist=["Output"]).Output(
        api.resolve_policies(["nanchang", "wuhan", "beijing"], catalog), BatchOptions(fmt="parquet"), catalog))
    assert t.schema.names == out.names
    assert t.schema.field("total").type == pa.decimal128(18, 2)
    assert t.schema.field("si_led_rd").type == pa.decimal128(18, 2)
    assert pa.types.is_dictionary(t.schema.field("si_led_rd_status").type)
    assert pa.types.is_dictionary(t.schema.field("policy").type)
    rows = read_csv(ROOT / "samples" / "companies.csv")
    assert t.num_rows == len(rows)


def test_duckdb_reads_the_results_with_exact_decimals(catalog, tmp_path):
    batch(SAMPLE, tmp_path / "r.parquet", catalog)
    batch(SAMPLE, tmp_path / "r.csv", catalog)
    want = sum(Decimal(r["total"]) for r in read_csv(tmp_path / "r.csv"))
    con = duckdb.connect()
    kind, total = con.execute(f"select any_value(typeof(total)), sum(total) from '{tmp_path / 'r.parquet'}'").fetchone()
    assert kind == "DECIMAL(18,2)"
    assert isinstance(total, Decimal) and total == want


# ---------------------------------------------------------------- hand-worked figures, floats, bad rows


def nanchang_rows(expense: pa.Array) -> pa.Table:
    n = len(expense)
    return pa.table({
        "name": pa.array([f"洪城光电{i}号" for i in range(1, n + 1)]),
        "jurisdiction": pa.array(["nanchang"] * n),
        "year": pa.array([2024] * n, pa.int32()),
        "industries": pa.array([["electronic-information"]] * n, pa.list_(pa.string())),
        "revenue": pa.array([Decimal("1000000000.00")] * n, pa.decimal128(18, 2)),  # 10亿: company cap 5000万
        "si_led_sales": pa.array([Decimal("100000000.00")] * n, pa.decimal128(18, 2)),  # 10% = 1000万 = its cap
        "si_led_rd_expense": expense,
    })


def test_decimal_amounts_are_exact_to_the_fen(catalog, tmp_path):
    # 1,234,567.89 × 20% = 246,913.578 → 246,913.58 (half up); 50,000,000.05 × 20% = 10,000,000.01 → the
    # 1000万 cap, one fen over it; 50,000,000.00 × 20% is exactly the cap (granted, not capped)
    expense = pa.array([Decimal("1234567.89"), Decimal("50000000.05"), Decimal("50000000.00")], pa.decimal128(18, 2))
    pq.write_table(nanchang_rows(expense), tmp_path / "in.parquet")
    batch(tmp_path / "in.parquet", tmp_path / "r.parquet", catalog, policy_ids=(NANCHANG,))
    t = pq.read_table(tmp_path / "r.parquet").to_pylist()
    assert [(r["si_led_rd"], r["si_led_rd_status"]) for r in t] == [
        (Decimal("246913.58"), "granted"), (Decimal("10000000.00"), "capped"), (Decimal("10000000.00"), "granted")]
    assert [r["si_led_sales"] for r in t] == [Decimal("10000000.00")] * 3
    assert [r["total"] for r in t] == [Decimal("10246913.58"), Decimal("20000000.00"), Decimal("20000000.00")]


def test_a_float_column_is_read_by_its_shortest_decimal_and_inexact_floats_are_bad_rows(catalog, tmp_path):
    expense = pa.array([1234567.89, 0.1 + 0.2, None, float("nan")], pa.float64())
    pq.write_table(nanchang_rows(expense), tmp_path / "in.parquet")
    report = batch(tmp_path / "in.parquet", tmp_path / "r.csv", catalog, policy_ids=(NANCHANG,))
    assert (report.good_rows, report.bad_rows) == (2, 2)
    rows = read_csv(tmp_path / "r.csv")
    assert [(r["row"], r["si_led_rd"], r["si_led_rd_status"]) for r in rows] == [
        ("1", "246913.58", "granted"), ("3", "0.00", "missing_input")]
    errors = read_csv(tmp_path / "r.errors.csv")
    assert [(e["row"], e["line"], e["name"], e["field"], e["value"]) for e in errors] == [
        ("2", "3", "洪城光电2号", "si_led_rd_expense", "0.30000000000000004"),
        ("4", "5", "洪城光电4号", "si_led_rd_expense", "nan")]
    assert "more than 4 decimals" in errors[0]["message"] and "decimal(18, 2)" in errors[0]["message"]
    assert "not a number" in errors[1]["message"]


def test_bad_cells_in_parquet_get_the_csv_messages(catalog, tmp_path):
    t = nanchang_rows(pa.array(["1234567.89", "12x", "-5"]))
    pq.write_table(t, tmp_path / "in.parquet")
    with open(tmp_path / "in.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(t.column_names)
        for r in t.to_pylist():
            w.writerow([";".join(v) if isinstance(v, list) else v for v in r.values()])
    batch(tmp_path / "in.parquet", tmp_path / "p.csv", catalog)
    batch(tmp_path / "in.csv", tmp_path / "c.csv", catalog)
    assert read_csv(tmp_path / "p.errors.csv") == read_csv(tmp_path / "c.errors.csv")
    assert len(read_csv(tmp_path / "p.errors.csv")) == 2
    assert (tmp_path / "p.csv").read_bytes() == (tmp_path / "c.csv").read_bytes()


def test_an_unusable_column_type_is_refused_before_any_row(catalog, tmp_path):
    t = nanchang_rows(pa.array([Decimal(1)], pa.decimal128(18, 2))).append_column(
        "rd_staff", pa.array([{"a": 1}], pa.struct([("a", pa.int64())])))
    pq.write_table(t, tmp_path / "in.parquet")
    with pytest.raises(InputError, match="rd_staff.*cannot hold rd_staff"):
        batch(tmp_path / "in.parquet", tmp_path / "r.csv", catalog)
    assert not (tmp_path / "r.csv").exists()


def test_a_float32_money_column_is_refused_the_fen_are_already_lost(catalog, tmp_path):
    """3176843.26 written as float32 is 3176843.25: read as it is, one fen went missing with no word. A money or
    rate column of float32/float16 is refused before any row (a count in float32 is exact and is read)."""
    src = tmp_path / "f32.parquet"
    for col, t in (("rd_expense", pa.float32()), ("smart_factory_investments", pa.list_(pa.float32())),
                   ("lpr_1y", pa.float16())):
        value = [3176843.26] if not pa.types.is_list(t) else [[3176843.26]]
        pq.write_table(pa.table({"name": ["A"], "jurisdiction": ["nanchang"], "year": [2024],
                                 col: pa.array(value if col != "lpr_1y" else [None], t)}), src)
        with pytest.raises(InputError) as info:
            run_batch(src, tmp_path / "o.csv", catalog)
        assert info.value.location.field == col
        assert "an amount such as 3176843.26 is stored in it as 3176843.25" in info.value.message
        assert f"write {col} as decimal(18, 2), float64 (double) or text" in info.value.message
    pq.write_table(pa.table({"name": ["A"], "jurisdiction": ["nanchang"], "year": [2024],
                             "rd_staff": pa.array([12.0], pa.float32())}), src)
    assert run_batch(src, tmp_path / "o.csv", catalog).good_rows == 1
    assert read_csv(tmp_path / "o.csv")[0]["name"] == "A"


def test_not_a_parquet_file_is_a_message(catalog, tmp_path):
    (tmp_path / "in.parquet").write_bytes(b"PAR1 but not really")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        batch(tmp_path / "in.parquet", tmp_path / "r.csv", catalog)


def test_results_are_streamed_in_row_groups(catalog, tmp_path, monkeypatch):
    monkeypatch.setattr(arrowio, "ROW_GROUP_ROWS", 3)
    monkeypatch.setattr(arrowio, "ROWS_PER_BATCH", 2)
    pq.write_table(typed_table(SAMPLE, catalog), tmp_path / "in.parquet")
    batch(tmp_path / "in.parquet", tmp_path / "r.parquet", catalog)
    batch(SAMPLE, tmp_path / "r.csv", catalog)
    f = pq.ParquetFile(tmp_path / "r.parquet")
    assert f.metadata.num_row_groups >= 2
    assert as_texts(f.read()) == read_csv(tmp_path / "r.csv")


def test_without_pyarrow_the_message_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(InputError, match=r"needs pyarrow: pip install 'nanchang-incentives\[parquet\]'"):
        arrowio.pyarrow("--format parquet")


def test_without_pyarrow_parquet_output_is_refused_naming_neither_an_option_nor_a_temporary_file(tmp_path):
    # -o r.parquet (no --format) said "option --format: --format parquet needs pyarrow"; the checkout's form too
    fake = tmp_path / "nopa" / "pyarrow"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('raise ImportError("no pyarrow here")\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "nopa")}
    res = subprocess.run([sys.executable, "-m", "nanchang_incentives", "batch", str(SAMPLE), "-o",
                          str(tmp_path / "r.parquet")], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert res.returncode == 1, res.stderr
    assert res.stderr.strip().splitlines()[-1] == (
        "error: Parquet output (-o FILE.parquet or --format parquet) needs pyarrow: pip install "
        "'nanchang-incentives[parquet]' (from a checkout: pip install '.[parquet]')")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nopa"]


def test_the_cli_picks_parquet_by_suffix_and_by_format(tmp_path):
    from typer.testing import CliRunner

    r = CliRunner().invoke(app, ["batch", str(SAMPLE), "-o", str(tmp_path / "r.parquet"), "-q"])
    assert r.exit_code == 0, r.output
    assert pq.read_table(tmp_path / "r.parquet").num_rows == len(read_csv(SAMPLE))
    r = CliRunner().invoke(app, ["batch", str(SAMPLE), "-o", str(tmp_path / "r.bin"), "--format", "parquet", "-q"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "r.bin").read_bytes()[:4] == b"PAR1"
    r = CliRunner().invoke(app, ["batch", str(tmp_path / "r.bin"), "-o", str(tmp_path / "x.csv"), "--sheet", "a"])
    assert r.exit_code == 1 and "--sheet is for .xlsx input; this file is Parquet" in r.output


# ---------------------------------------------------------------- evaluate_arrow


def test_evaluate_arrow_equals_batch_on_the_same_rows(catalog, tmp_path):
    table = typed_table(SAMPLE, catalog)
    got = api.evaluate_arrow(table)
    batch(SAMPLE, tmp_path / "r.csv", catalog)
    want = read_csv(tmp_path / "r.csv")
    rows = as_texts(pa.Table.from_batches([got]))
    assert [{k: v for k, v in r.items() if k not in api.ERROR_COLUMNS} for r in rows] == want
    assert all(r[c] == "" for r in rows for c in api.ERROR_COLUMNS)
    assert got.schema == api.arrow_schema()


def test_evaluate_arrow_reports_bad_rows_and_keeps_an_id(catalog):
    t = nanchang_rows(pa.array([Decimal("1234567.89"), Decimal("50000000.05")], pa.decimal128(18, 2)))
    t = t.set_column(t.column_names.index("revenue"), "revenue", pa.array(["10亿", "lots"]))
    t = t.append_column("id", pa.array(["A-1", "A-2"]))
    out = api.evaluate_arrow(t, keep=["id"], policies="nanchang").to_pylist()
    assert [(r["row"], r["id"], r["si_led_rd"], r["error_field"]) for r in out] == [
        (1, "A-1", Decimal("246913.58"), None), (2, "A-2", None, "revenue")]
    assert out[1]["policy"] is None and out[1]["name"] == "洪城光电2号" and "lots" in out[1]["error_message"]


def test_evaluate_arrow_is_pure(catalog):
    t = typed_table(SAMPLE, catalog)
    first = api.evaluate_arrow(t.slice(0, 3))
    api.evaluate_arrow(t, year=2023)
    assert api.evaluate_arrow(t.slice(0, 3)).equals(first)
    assert api.evaluate_arrow(t.slice(0, 0)).num_rows == 0


def test_evaluate_arrow_inside_duckdb_equals_batch(catalog, tmp_path):
    """The docs/scale.md DuckDB example, on a generated Parquet register."""
    register = tmp_path / "register.parquet"
    pq.write_table(typed_table(SAMPLE, catalog), register, row_group_size=3)
    con = duckdb.connect()
    reader = con.sql(f"select * from '{register}'").to_arrow_reader(batch_size=4)
    batches = [api.evaluate_arrow(b) for b in reader]
    assert len(batches) > 1
    results = pa.Table.from_batches(batches, schema=api.arrow_schema())
    kind, total, n = con.execute("select any_value(typeof(total)), sum(total), count(*) from results").fetchone()
    batch(register, tmp_path / "r.csv", catalog)
    want = read_csv(tmp_path / "r.csv")
    assert kind == "DECIMAL(18,2)" and n == len(want)
    assert total == sum(Decimal(r["total"]) for r in want)
    # `row` counts within each Arrow batch; every other column is batch's
    assert all(b.column("row").to_pylist() == list(range(1, b.num_rows + 1)) for b in batches)
    rows = as_texts(results)
    assert [{k: v for k, v in r.items() if k not in (*api.ERROR_COLUMNS, "row")} for r in rows] == \
        [{k: v for k, v in r.items() if k != "row"} for r in want]


def test_the_duckdb_example_of_docs_scale_md_runs_and_equals_batch(catalog, tmp_path, monkeypatch):
    import re

    doc = (ROOT / "docs" / "scale.md").read_text(encoding="utf-8")
    section = doc.split("### DuckDB", 1)[1].split("\n### ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    pq.write_table(typed_table(SAMPLE, catalog), tmp_path / "register.parquet", row_group_size=2)
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec(compile(code, "docs/scale.md", "exec"), ns)  # noqa: S102 - the documented example, run as written
    batch(tmp_path / "register.parquet", tmp_path / "r.csv", catalog)
    want = read_csv(tmp_path / "r.csv")
    got = ns["con"].sql("select * exclude (row, error_field, error_value, error_message) from results")
    assert as_texts(got.to_arrow_table()) == [{k: v for k, v in r.items() if k != "row"} for r in want]
    sums = ns["con"].execute("select policy, sum(total) from results group by policy order by policy").fetchall()
    assert sums == sorted((p, sum(Decimal(r["total"]) for r in want if r["policy"] == p))
                          for p in {r["policy"] for r in want})


def test_calc_imports_only_what_it_needs():
    """`calc` starts fast: none of the batch machinery, the other commands, pyarrow, rich's progress bar or numpy.ma."""
    import subprocess

    code = ("import sys\nfrom nanchang_incentives.cli import main\nsys.argv = ['incentives', 'calc', sys.argv[1]]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write(' '.join(sorted(sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT / "samples" / "nanchang-si-led-maker.toml")],
                         capture_output=True, text=True, check=True)
    loaded = set(out.stderr.split())
    assert "nanchang_incentives.engine" in loaded and "rich.console" in loaded
    for heavy in ("nanchang_incentives.batch", "nanchang_incentives.csvio", "nanchang_incentives.batch_output",
                  "nanchang_incentives.arrowio", "pyarrow", "rich.progress", "numpy.ma",
                  # nor the other commands (each builds only when it runs) or their modules
                  "nanchang_incentives.commands.batch", "nanchang_incentives.commands.compare",
                  "nanchang_incentives.commands.explore", "nanchang_incentives.commands.policies",
                  "nanchang_incentives.cases", "nanchang_incentives.render.compare", "importlib.metadata"):
        assert heavy not in loaded, heavy


def test_parquet_output_from_worker_processes_equals_one_process(catalog, tmp_path):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    big = tmp_path / "big.csv"
    big.write_text("\n".join([lines[0]] + lines[1:] * 100) + "\n", encoding="utf-8")
    for jobs in (1, 2):
        batch(big, tmp_path / f"j{jobs}.parquet", catalog, jobs=jobs, block_bytes=16 << 10)
    one, two = pq.read_table(tmp_path / "j1.parquet"), pq.read_table(tmp_path / "j2.parquet")
    assert one.num_rows == 100 * (len(lines) - 1) and one.equals(two)


def test_a_worker_hands_its_record_batch_over_compactly_and_unchanged():
    """Portable: the parent unpickles the very batch the worker built (amounts as their fen, nulls kept), in a
    fraction of the bytes pyarrow's own pickle takes when most amounts are zero."""
    import pickle

    money = pa.decimal128(18, 2)
    n = 1000
    sparse = [Decimal("0.00")] * n
    sparse[7], sparse[999] = Decimal("12345678901234.56"), Decimal("0.01")  # 1 fen, and ~1.2e16 fen
    dense = [Decimal(k) / 100 for k in range(1, n + 1)]
    nullable = [None if k % 3 else Decimal("1.00") for k in range(n)]
    status = pa.DictionaryArray.from_arrays(pa.array([k % 2 for k in range(n)], pa.int8()), pa.array(["a", "b"]))
    wide = pa.array([Decimal(10) ** 20] * n, pa.decimal128(38, 2))  # beyond 64 bits: goes as pyarrow pickles it
    batch = pa.RecordBatch.from_arrays(
        [pa.array(sparse, money), pa.array(dense, money), pa.array(nullable, money), status, wide,
         pa.array([f"公司{k}" for k in range(n)])],
        names=["sparse", "dense", "nullable", "status", "wide", "name"])
    data = pickle.dumps(arrowio.Portable(batch))
    back = pickle.loads(data)
    assert isinstance(back, pa.RecordBatch) and back.equals(batch) and back.schema == batch.schema
    assert back.column(0)[7].as_py() == Decimal("12345678901234.56") and back.column(0)[999].as_py() == Decimal("0.01")
    assert back.column(2).null_count == n - 334
    only_sparse = batch.select(["sparse"])
    assert len(pickle.dumps(arrowio.Portable(only_sparse))) * 10 < len(pickle.dumps(only_sparse))


def test_a_row_refused_for_a_float_lists_its_other_problems_too(catalog, tmp_path):
    """Every problem at once: a NaN or a float finer than 1/10000 yuan is listed with the row's other bad cells,
    each with the message calc gives for it, instead of hiding them until it is fixed."""
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({
        "name": ["A", "B", "C"], "jurisdiction": ["nanchang", "nanchang", "上海"], "year": [2024, 2024, None],
        "industries": ["electronic-information"] * 3, "revenue": [float("nan"), 1_000_000.0, 1e8 + 0.123456],
        "rd_staff": ["-1", "1", "1"], "rd_expense": ["abc", "1万", "1万"], "revenue_prev": [0.1 + 0.2, 900_000.0, 1e8]}),
        src)
    report = run_batch(src, tmp_path / "o.csv", catalog, errors_path=tmp_path / "bad.csv")
    assert (report.good_rows, report.bad_rows) == (1, 2)
    with (tmp_path / "bad.csv").open(encoding="utf-8-sig") as f:
        found = list(csv.DictReader(f))
    assert [r["field"] for r in found if r["name"] == "C"] == ["jurisdiction", "year", "revenue"]
    got = [(r["name"], r["field"], r["message"][:30]) for r in found if r["name"] == "A"]
    assert got == [("A", "revenue", "the value is not a number (NaN"), ("A", "rd_staff", "'-1' is negative; a count must"),
                   ("A", "rd_expense", "'abc' is not an amount of mone"),
                   ("A", "revenue_prev", "the value is a binary float wi")]


def _ei(industries: pa.Array, **columns: pa.Array) -> pa.Table:
    """Two Nanchang companies, 1000万 of Si-substrate LED sales each (三(三): × 10% = 1,000,000.00)."""
    base = {"name": pa.array(["甲", "乙"]), "jurisdiction": pa.array(["nanchang"] * 2), "year": pa.array([2024] * 2),
            "revenue": pa.array(["3亿"] * 2), "si_led_sales": pa.array(["1000万"] * 2)}
    return pa.table({**base, "industries": industries, **columns})


@pytest.mark.parametrize("industries", [
    pa.array([["electronic-information"], ["led"]], pa.large_list(pa.large_string())),  # Polars, DuckDB large
    pa.array([["electronic-information"], ["led"]], pa.list_(pa.dictionary(pa.int8(), pa.string()))),  # categoricals
    pa.array([["electronic-information"], ["led"]], pa.list_view(pa.string_view())),
    pa.array(["electronic-information", "led"], pa.string_view()),
    pa.array(["electronic-information", "led"], pa.large_string()),
], ids=["large_list<large_string>", "list<dictionary>", "list_view<string_view>", "string_view", "large_string"])
def test_the_string_and_list_types_other_engines_write_read_as_strings_and_lists(catalog, industries):
    # each was a raw pyarrow error (no kernel for binary_join) or "the type string_view cannot hold industries"
    out = api.evaluate_arrow(_ei(industries), catalog=catalog).to_pylist()
    assert [(r["name"], r["si_led_sales"], r["total"]) for r in out] == [
        ("甲", Decimal("1000000.00"), Decimal("1000000.00")), ("乙", Decimal("0.00"), Decimal("0.00"))]
    assert "not_targeted" in out[1]["warnings"].split(";")  # 乙 is tagged led only


def test_half_float_years_and_counts_are_read_as_the_numbers_they_hold(catalog):
    t = _ei(pa.array(["electronic-information"] * 2), rd_staff=pa.array([120, 99], pa.float16()))
    t = t.set_column(t.column_names.index("year"), "year", pa.array([2024, 2024], pa.float16()))
    out = api.evaluate_arrow(t, catalog=catalog).to_pylist()
    assert [(r["year"], r["total"]) for r in out] == [(2024, Decimal("1000000.00"))] * 2


def test_the_items_behind_a_null_list_do_not_shift_the_next_lists(catalog):
    # a valid ListArray whose null entry spans items (its offsets do): flatten() dropped them, and the
    # offsets then pointed past its end (a raw "Length spanned by list offsets" error)
    lists = pa.ListArray.from_arrays(pa.array([0, 2, 3], pa.int32()),
                                     pa.array(["x", "y", "electronic-information"]), mask=pa.array([True, False]))
    out = api.evaluate_arrow(_ei(lists), catalog=catalog).to_pylist()
    assert [(r["name"], r["total"], r["si_led_sales_status"]) for r in out] == [
        ("甲", Decimal("0.00"), "missing_input"), ("乙", Decimal("1000000.00"), "granted")]


def test_a_kept_profile_column_is_still_read_and_a_result_column_name_cannot_be_kept(catalog):
    t = _ei(pa.array(["electronic-information"] * 2)).append_column("id", pa.array([7, 8]))
    out = api.evaluate_arrow(t, keep=["id", "revenue"], year=np.int64(2024), catalog=catalog)
    assert out.schema.names[-2:] == ["id", "revenue"] and out.schema.names.count("revenue") == 1
    # revenue kept and read: the company cap is 5% of it (sales_revenue defaults to revenue), not missing
    assert [(r["id"], r["revenue"], r["total"], r["company_cap"]) for r in out.to_pylist()] == [
        (7, "3亿", Decimal("1000000.00"), "not_reached"), (8, "3亿", Decimal("1000000.00"), "not_reached")]
    for clash in ("name", "year", "si_led_sales"):
        with pytest.raises(InputError, match=f"a keep column cannot be named as a column of the results \\('{clash}'"):
            api.evaluate_arrow(t, keep=[clash], catalog=catalog)


def test_a_corrupt_page_is_the_inputs_fault_not_the_outputs(tmp_path):
    src = tmp_path / "corrupt.parquet"
    pq.write_table(_ei(pa.array(["electronic-information"] * 2)), src, row_group_size=1, compression="none")
    meta = pq.ParquetFile(src).metadata.row_group(1).column(0)
    data = bytearray(src.read_bytes())
    at = meta.data_page_offset
    data[at:at + 16] = b"\xff" * 16
    src.write_bytes(bytes(data))
    out = tmp_path / "o.parquet"
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(out), "-q"])
    flat = " ".join(res.output.split())
    assert res.exit_code == 1, flat
    assert f"{src}: cannot read the Parquet file after row " in flat and "cannot write" not in flat
    assert not out.exists()


def test_a_partitioned_dataset_directory_gets_advice(tmp_path):
    ds = tmp_path / "register.parquet" / "year=2024"
    ds.mkdir(parents=True)
    pq.write_table(_ei(pa.array(["electronic-information"] * 2)), ds / "part-0.parquet")
    res = CliRunner().invoke(app, ["batch", str(ds.parent), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 1
    assert "the input is a directory of Parquet files (a partitioned dataset" in " ".join(res.output.split())


def test_parquet_input_memory_stays_flat_over_row_groups(catalog, tmp_path):
    # pyarrow's default pre_buffer read every row group of the file ahead at the first batch (548 MB held at
    # 2M rows): the Arrow memory held while a batch is read is a row group's, not the file's
    import os

    n, groups = 5000, 12
    rows = n * groups
    t = pa.table({"name": pa.array([os.urandom(40).hex() for _ in range(rows)]),  # (incompressible)
                  "jurisdiction": pa.array(["nanchang"] * rows), "year": pa.array([2024] * rows),
                  "revenue": pa.array([str(int.from_bytes(os.urandom(5), "big")) for _ in range(rows)])})
    src = tmp_path / "big.parquet"
    pq.write_table(t, src, row_group_size=n, compression="none", use_dictionary=False)
    del t
    source = arrowio.ParquetSource(src)
    header = bind_header(source.names, catalog, str(src))
    base = pa.total_allocated_bytes()
    held = []
    for cells in source.chunks(header, size=n):
        held.append(pa.total_allocated_bytes() - base)
        del cells
    source.close()
    assert len(held) == groups
    assert max(held) < src.stat().st_size / 4, (held, src.stat().st_size)  # ~1/12 of it each
