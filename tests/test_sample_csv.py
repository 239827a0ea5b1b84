"""samples/companies.csv (every TOML sample as one CSV row) through `batch` gives `calc`'s figures."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from nanchang_incentives import api
from nanchang_incentives.cli import app
from nanchang_incentives.money import format_fen

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def test_sample_csv_batch_equals_calc_of_each_toml_sample(tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    res = CliRunner().invoke(app, ["batch", str(SAMPLES / "companies.csv"), "-o", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    with out.open(encoding="utf-8") as f:
        rows = {r["name"]: r for r in csv.DictReader(f)}
    catalog = api.load()
    tomls = sorted(SAMPLES.glob("*.toml"))
    assert len(rows) == len(tomls) == 7
    for path in tomls:
        profile = api.load_company(path, catalog)
        (result,) = api.calculate(profile, api.policies_for(profile, catalog), catalog)
        row = rows[profile.name]
        assert row["policy"] == result.policy.id
        assert row["total"] == format_fen(result.total), path.name
        assert row["total_exact"] == format_fen(result.total_exact), path.name
        for c in result.clauses:
            assert row[c.id] == format_fen(c.amount), (path.name, c.id)
            assert row[f"{c.id}_status"] == c.status, (path.name, c.id)


def test_sample_totals_are_the_hand_worked_ones(tmp_path: Path) -> None:
    # Totals worked out clause by clause in tests/test_samples.py, test_wuhan.py and test_beijing.py.
    out = tmp_path / "results.csv"
    CliRunner().invoke(app, ["batch", str(SAMPLES / "companies.csv"), "-o", str(out), "--quiet"])
    with out.open(encoding="utf-8") as f:
        totals = {r["name"].split(" (")[0]: r["total"] for r in csv.DictReader(f)}
    assert totals["洪城硅衬底光电股份有限公司"] == "35339200.00"
    assert totals["青山湖微电子有限公司"] == "1592223.91"
    assert totals["光谷工业软件有限公司"] == "29123456.79"
    assert totals["京北协作机器人有限公司"] == "25200000.00"
    assert totals["三城科技集团"] == "15900000.00"
