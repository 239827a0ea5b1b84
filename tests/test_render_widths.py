"""Every figure reaches the reader: golden views at 80, 120 and 200 columns, and every amount in full.

The views are what a pipe of that width gets (``COLUMNS``), colour off. Regenerate after an intended
change with ``UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_render_widths.py`` and review the
diff figure by figure before committing.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nanchang_incentives.cli import app

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "widths"
WIDTHS = (80, 120, 200)
PROFILES = sorted([*ROOT.glob("samples/*.toml"), *ROOT.glob("samples/zh/*.toml"),
                   *ROOT.glob("tests/fixtures/compare/*.toml"), *ROOT.glob("tests/fixtures/nanchang/*.toml")])


def run(*args: str, width: int) -> str:
    env = {"NO_COLOR": "1", "FORCE_COLOR": None, "COLUMNS": str(width), "INCENTIVES_POLICIES_DIR": None}
    res = CliRunner().invoke(app, list(args), env=env)
    assert res.exit_code in (0, 1), res.output
    return "".join(line.rstrip() + "\n" for line in res.stdout.splitlines())


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def _key(p: Path) -> str:
    return p.relative_to(ROOT).with_suffix("").as_posix().replace("/", "_")


def plain(text: str) -> str:
    return re.sub(r"(?<=\d),(?=\d{3})", "", text)


def assert_budget_figures_whole(out: str, summary: dict, width: int) -> None:
    """Every figure of the budget view's --summary-json (totals, each clause's outlay, raw and savings) in full."""
    flat = plain(out)
    for pol in summary["policies"]:
        if not pol["companies"]:
            continue
        figures = [pol["total"], pol["total_exact"], pol["total_up_to"], pol["raw_amount"]]
        for c in pol["clauses"]:
            figures += [c["amount"], c["raw_amount"], c["saved_by"]["group"], c["saved_by"]["company_cap"]]
        for figure in figures:
            assert re.search(rf"(?<![\d.]){re.escape(figure)}(?![\d.])", flat), (pol["policy"], figure, width)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("profile", PROFILES, ids=_key)
def test_calc_table_shows_every_amount_and_id_in_full(profile: Path, width: int) -> None:
    doc = json.loads(run("calc", str(profile), "--format", "json", width=width))
    out = run("calc", str(profile), width=width)
    assert max(len(line) for line in out.splitlines()) <= width
    flat = plain(out)
    for res in doc["results"]:
        for c in res["clauses"]:
            if c["amount"] != "0.00":
                assert re.search(rf"(?<![\w]){c['id']}(?![\w])", out), (c["id"], width)
                assert re.search(rf"(?<![\d.]){re.escape(c['amount'])}(?!\d)", flat), (c["id"], c["amount"], width)
        assert re.search(rf"(?<![\d.]){re.escape(res['total'])}(?!\d)", flat), ("total", width)
    golden(f"calc-{_key(profile)}-{width}.txt", out)


@pytest.mark.parametrize("lang", ("en", "zh"))
@pytest.mark.parametrize("profile", [p for p in PROFILES if p.parent.name in ("samples", "zh")], ids=_key)
def test_calc_at_the_width_where_the_table_starts_keeps_every_amount(profile: Path, lang: str) -> None:
    # at 93-98 columns (the width the table's estimate allowed) Rich laid the table out a few cells too wide and
    # cropped the Amount column: "1,339,200.0", "up t" (a terminal review)
    from rich.cells import cell_len

    doc = json.loads(run("calc", str(profile), "--format", "json", width=120))
    for width in range(86, 106):
        out = run("calc", str(profile), "--all", "--lang", lang, width=width)
        assert max(cell_len(line) for line in out.splitlines()) <= width, width
        flat = plain(out)
        for res in doc["results"]:
            for c in res["clauses"]:
                if c["amount"] != "0.00":
                    assert re.search(rf"(?<![\d.]){re.escape(c['amount'])}(?!\d)", flat), (c["id"], width)


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_golden(width: int) -> None:
    profile = ROOT / "tests" / "fixtures" / "compare" / "tri-city.toml"
    out = run("compare", str(profile), width=width)
    doc = json.loads(run("compare", str(profile), "--format", "json", width=width))
    for res in doc["results"]:
        assert res["total"] == "0.00" or res["total"] in plain(out)
    golden(f"compare-tri-city-{width}.txt", out)


@pytest.mark.parametrize("width", (40, 50, 60, 70))
@pytest.mark.parametrize("name", ("samples/multi-industry.toml", "tests/fixtures/compare/tri-city.toml"))
def test_compare_narrow_shows_every_figure_uncut(name: str, width: int) -> None:
    # below the width the side-by-side table needs, each city is a block; the bars shorten so the totals beside
    # them stay whole; the top clauses and "what would unlock more" become blocks before an id or a figure splits
    # (at 60 columns the table cropped "Caps that bit" and the bars' totals to "15,900,00…"; at 40 it split
    # "1,500,000,000.00" over two lines)
    profile = ROOT / name
    out = run("compare", str(profile), width=width)
    doc = json.loads(run("compare", str(profile), "--format", "json", width=width))
    assert max(len(line) for line in out.splitlines()) <= width
    assert "…" not in out
    flat = plain(out)
    for res in doc["results"]:
        top = sorted((c for c in res["clauses"] if c["amount"] != "0.00"), key=lambda c: -float(c["amount"]))[:5]
        for figure in [res["total"], res["total_exact"], *(c["amount"] for c in top),
                       *(cap["limit"] for cap in res["caps"] if cap.get("kind") != "company_annual")]:
            if figure != "0.00":
                assert re.search(rf"(?<![\d.]){re.escape(figure)}(?!\d)", flat), (res["policy"], figure, width)
        for c in top:
            assert re.search(rf"(?<![\w]){c['id']}(?![\w])", out), (c["id"], width)
        for room in res["headroom"]:
            for m in room.get("moves", []):
                if isinstance(m["after"], str):
                    assert re.search(rf"(?<![\d.]){re.escape(m['after'])}(?!\d)", flat), (m, width)
    if "multi-industry" in name:
        assert re.search(r"^  up to +4,000,000\.00$", out, re.MULTILINE) or width >= 70  # the block: a figure a line
        assert re.search(r"^  total up to +15,900,000\.00$", out, re.MULTILINE) or width >= 70  # a total with ceilings


@pytest.mark.parametrize("width", WIDTHS)
def test_budget_view_golden(width: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = run("batch", str(ROOT / "samples" / "companies.csv"), "-o", "out.csv", "--summary-json", "s.json",
              width=width)
    summary = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    flat = plain(out)
    for pol in summary["policies"]:
        for c in pol["clauses"]:
            assert re.search(rf"(?<![\d.]){re.escape(c['amount'])}(?!\d)", flat), (pol["policy"], c["id"], width)
    assert max(len(line) for line in out.splitlines()) <= width
    golden(f"budget-companies-{width}.txt", out)


@pytest.mark.parametrize("width", WIDTHS)
def test_policies_show_and_list_golden(width: int) -> None:
    out = run("policies", "show", "nanchang", width=width)
    assert max(len(line) for line in out.splitlines()) <= width
    golden(f"policies-show-nanchang-{width}.txt", out)
    listing = run("policies", "list", "--on", "2026-12-01", width=width)
    assert max(len(line) for line in listing.splitlines()) <= width
    for pid in ("nanchang-electronic-information-2023", "wuhan-east-lake-software-2023", "beijing-robotics-2023"):
        assert re.search(rf"(?m)^{pid}\b", listing)
    golden(f"policies-list-{width}.txt", listing)


@pytest.mark.parametrize("width", (32, 36, 40, 41, 44, 50, 60, 70))
def test_budget_view_narrow_shows_every_figure_of_every_column_uncut(width: int, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # at 40-41 columns the clause column and one figure no longer fitted side by side: Rich cut the figures at the
    # edge ("7,384,200.", "204,525,000" for 204,525,000.00); below that width each clause is a block, a line a figure
    monkeypatch.chdir(tmp_path)
    big = tmp_path / "big.csv"
    big.write_text("name,jurisdiction,year,industries,revenue,sales_revenue,local_project_loans,lpr_1y,revenue_prev\n"
                   "巨型企业,nanchang,2024,electronic-information,9000亿,9000亿,90000亿,3.10%,100亿\n"
                   "小企业,nanchang,2024,electronic-information,800万,800万,300万,3.10%,500万\n", encoding="utf-8")
    for src in (ROOT / "samples" / "companies.csv", big):
        out = run("batch", str(src), "-o", "out.csv", "--summary-json", "s.json", width=width)
        assert "bad row" not in out
        summary = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
        assert max(len(line) for line in out.splitlines()) <= width
        assert_budget_figures_whole(out, summary, width)


@pytest.mark.parametrize("width", (100, 106, 120, 140, 160, 200))
@pytest.mark.parametrize("name", ("samples/multi-industry.toml", "tests/fixtures/compare/tri-city.toml",
                                  "samples/nanchang-vr-studio.toml"))
def test_compare_never_splits_a_policy_id_inside_a_word(name: str, width: int) -> None:
    # at 106-160 columns the side-by-side table folded 'nanchang-electronic-in' / 'formation-2023' and at 120
    # 'beijing-robotics-2' / '023': an id is now whole, or broken after one of its hyphens
    out = run("compare", str(ROOT / name), width=width)
    first = [line.strip("│┃").split("│")[0].strip() for line in out.splitlines() if line.startswith("│")]
    ids = ("nanchang-electronic-information-2023", "wuhan-east-lake-software-2023", "beijing-robotics-2023")
    seen = 0
    for cell in first:
        for pid in ids:
            if len(cell) >= 4 and cell in pid and cell not in ("nanchang", "wuhan-east-lake", "beijing"):
                pieces = re.findall(r"[^-]*-|[^-]+$", pid)
                whole_pieces = {"".join(pieces[i:j]) for i in range(len(pieces)) for j in range(i + 1, len(pieces) + 1)}
                assert cell in whole_pieces, (pid, cell, width)
                seen += 1
    assert seen or not first  # the table (not the blocks) was checked, or there is no table at this width


@pytest.mark.parametrize("width", (32, 40, 50, 60, 80, 120, 200))
def test_budget_view_in_chinese_keeps_every_figure_whole(width: int, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # batch --lang zh headed the output's columns in Chinese but left the budget view in English
    from rich.cells import cell_len

    monkeypatch.chdir(tmp_path)
    out = run("batch", str(ROOT / "samples" / "zh" / "companies.csv"), "-o", "out.csv", "--summary-json", "s.json",
              "--lang", "zh", width=width)
    assert max(cell_len(line) for line in out.splitlines()) <= width
    summary = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert_budget_figures_whole(out, summary, width)
    assert "最高限额合计" in out and "列入 5" in out
    assert "金额（封顶后）" in out and "total, up to" not in out and "outlay (final)" not in out
    # SPEC §3: an up-to clause's outlay is a sum of ceilings, marked 最高 (also as its basis), never bare; a
    # discretionary clause has no figure (—), as calc shows it, not 0.00
    flat = " ".join(out.split())
    assert "up to" not in flat.split("企业上限")[0].split("金额（封顶后）", 1)[1], out
    rows = " | ".join(ln for ln in out.splitlines() if ln.startswith(("equity_investment", "case_by_case")))
    if "equity_investment (最高)" not in out:  # a table (in parts when narrow): each part's row of the clause
        assert re.search(r"equity_investment +最高 ", rows) and re.search(r"case_by_case +酌情 ", rows), out
        assert re.search(r"equity_investment .*最高 4,666,666\.67", rows), out
        assert re.search(r"equity_investment .*最高 6,000,000\.00", rows), out
        assert re.search(r"case_by_case .*列入 5", rows) and rows.count("—") >= 2, out
    else:  # a block per clause
        assert "equity_investment (最高)" in out and "金额（封顶后）: 最高 4,666,666.67" in flat, out
        assert "case_by_case (酌情)" in out and "金额（封顶后）: —" in out, out


@pytest.mark.parametrize("width", (40, 60, 80, 100, 120, 160, 200))
def test_compare_in_chinese_heads_its_tables_in_chinese_and_keeps_every_figure_whole(width: int) -> None:
    # compare had no --lang: a Chinese user got calc in Chinese and the site comparison in English
    from rich.cells import cell_len

    profile = ROOT / "samples" / "multi-industry.toml"
    out = run("compare", str(profile), "--lang", "zh", width=width)
    doc = json.loads(run("compare", str(profile), "--format", "json", "--lang", "zh", width=width))
    assert max(cell_len(line) for line in out.splitlines()) <= width
    flat = plain(out)
    for res in doc["results"]:
        top = sorted((c for c in res["clauses"] if c["amount"] != "0.00"), key=lambda c: -float(c["amount"]))[:5]
        for figure in [res["total"], res["total_exact"], *(c["amount"] for c in top)]:
            if figure != "0.00":
                assert re.search(rf"(?<![\d.]){re.escape(figure)}(?!\d)", flat), (res["policy"], figure, width)
        assert all(c["status"] in ("granted", "capped", "excluded", "not_eligible", "missing_input",
                                   "discretionary", "expired") for c in res["clauses"])  # JSON keeps the codes
    assert "已封顶" in out and "capped" not in out.split("── 还可争取的补贴")[0]
    if width >= 120:  # (narrower, the side-by-side table is a block per city, as in English)
        assert "城市 / 政策" in out and "条款" in out
    flat = " ".join(out.split())
    if width < 120:
        assert "合计 最高 15,900,000.00" in flat and "确定金额 11,900,000.00" in flat and "最高限额 4,000,000.00" in flat
    # SPEC §3 in Chinese: every total that counts a ceiling, and every up-to clause, reads 最高 before its figure
    for figure in ("15,900,000.00", "4,300,000.00", "42,200,000.00"):
        assert f"最高 {figure}" in flat, (figure, width)
    # (the biggest-clause cell holds 最高 with its figure, on one line: "event_hosting" / "最高 3,000,000.00")
    assert re.search(r"event_hosting[^\n]*\n[^\n]*最高 3,000,000\.00", out) or "event_hosting 最高 3,000,000.00" in flat, out
    assert "up to" not in flat.split("── nanchang")[0], out
    assert "█ 确定金额 ░ 最高（上限）" in flat and "对比" in out


def test_compare_markdown_follows_lang_zh() -> None:
    """compare -f markdown ignored --lang zh: the headings, status and basis words, and 最高 on every ceiling."""
    profile = str(ROOT / "samples" / "multi-industry.toml")
    zh = run("compare", profile, "--lang", "zh", "-f", "markdown", width=100)
    en = run("compare", profile, "-f", "markdown", width=100)
    assert "| 城市 | 政策 | 合计 | 确定金额 | 最高限额 | 符合条件条款 | 最大条款 | 触及的上限 | 说明 |" in zh
    assert ("| beijing | beijing-robotics-2023 | 最高 42,200,000.00 | 0.00 | 42,200,000.00 | 3 | "
            "key_tech_breakthrough 最高 30,000,000.00 |") in zh
    assert "| `equity_investment` 引进股权投资奖励 | 三(一) | 符合条件 | 最高 | 最高 2,000,000.00 |" in zh
    assert "| `equity_investment` 引进股权投资奖励 | 三(一) | granted | up_to | up to 2,000,000.00 |" in en
    assert "## 对比" in zh and "## 合计" in zh and "## Side by side" in en
    figures = re.compile(r"\d[\d,]*\.\d\d")
    assert figures.findall(zh) == figures.findall(en)


def test_calc_never_folds_a_field_name_in_a_text_column() -> None:
    # at 93-106 columns the table's Cap / notes column folded "major_project_investme" / "nt = 0.00"
    profile = ROOT / "samples" / "nanchang-small-firm-capped.toml"
    for width in range(86, 121):
        out = run("calc", str(profile), width=width)
        for name in ("major_project_investment", "smart_factory_investments"):
            assert name in out, (name, width)


@pytest.mark.parametrize("width", (20, 22, 24, 26, 28, 30, 36, 41))
def test_compare_totals_at_the_narrowest_widths_keep_label_and_total_whole(width: int) -> None:
    # at 20-28 columns the Totals chart cut "up to 15,900,000.0" and lost or folded the city labels
    profile = ROOT / "samples" / "multi-industry.toml"
    out = run("compare", str(profile), width=width)
    totals = out.split("Totals\n", 1)[1]
    for city, total in (("nanchang", "15,900,000.00"), ("wuhan-east-lake", "4,300,000.00"),
                        ("beijing", "42,200,000.00")):
        assert re.search(rf"(?m)^{city}$", totals) and total in totals, (city, width)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_totals_chart_never_breaks_a_city_inside_its_name(lang: str) -> None:
    # at 41-59 columns the chart's label column was squeezed to a quarter of the width: "wuhan-east-l" / "ake"
    profile = str(ROOT / "samples" / "multi-industry.toml")
    for width in range(40, 80):
        out = run("compare", profile, "--lang", lang, width=width)
        chart = out.split("\nTotals\n" if lang == "en" else "\n合计\n", 1)[1].split("\n█ ", 1)[0]
        for city in ("nanchang", "wuhan-east-lake", "beijing"):
            assert re.search(rf"^{re.escape(city)}(?: |$)", chart, re.MULTILINE), (width, chart)
        assert not re.search(r"^(?:ake|ke|e|lake)\b", chart, re.MULTILINE), (width, chart)
