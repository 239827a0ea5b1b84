"""The wheel: it carries the policy tables and works outside the checkout.

Builds the wheel with pip (the hatchling backend comes from PyPI), checks the
bundled TOML files are inside, unzips it into a temporary directory and runs
``python -m nanchang_incentives calc`` from another working directory with
only that directory on PYTHONPATH. Nothing is skipped: if the build fails, the
test fails with pip's output.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "nanchang-small-firm-capped.toml"


def _env(site: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "INCENTIVES_POLICIES_DIR", "FORCE_COLOR", "PYTHONSTARTUP")}
    env["PYTHONPATH"] = str(site)
    env["NO_COLOR"] = "1"
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 120):
    """Run a command, capturing its output (the caller checks the exit code)."""
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def test_wheel_bundles_the_policies_and_runs_from_an_unzipped_copy(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = _run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-q", "-w", str(dist)], ROOT, timeout=600)
    assert build.returncode == 0, f"pip wheel failed:\n{build.stdout}\n{build.stderr}"
    [wheel] = list(dist.glob("nanchang_incentives-*.whl"))

    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        expected = {f"nanchang_incentives/policies/{p.name}" for p in (ROOT / "policies").glob("*.toml")}
        assert "nanchang_incentives/policies/nanchang-electronic-information-2023.toml" in expected
        assert expected <= names, sorted(expected - names)
        assert "nanchang_incentives/policies/fields.toml" in names
        assert "nanchang_incentives/policies/reference/lpr.toml" in names
        assert "nanchang_incentives/__main__.py" in names
        site = tmp_path / "site"
        zf.extractall(site)

    work = tmp_path / "elsewhere"
    work.mkdir()
    shutil.copy(SAMPLE, work / "company.toml")
    env = _env(site)

    # the package and its policy tables are the unzipped copy, not the checkout
    probe = ("import nanchang_incentives, nanchang_incentives.policy as p; "
             "print(nanchang_incentives.__file__); print(p.package_policies_dir())")
    where = _run([sys.executable, "-c", probe], work, env)
    assert where.returncode == 0, where.stderr
    module_file, policies_dir = (Path(line) for line in where.stdout.splitlines())
    assert module_file.resolve() == (site / "nanchang_incentives" / "__init__.py").resolve()
    assert policies_dir.resolve() == (site / "nanchang_incentives" / "policies").resolve()

    # python -m nanchang_incentives calc: the small firm's capped total, worked out in test_samples.py:
    # 5% × 31,844,478.20 = 1,592,223.91 (exact at least 925,557.24 + up to 666,666.67: SPEC 9.2, a range)
    res = _run([sys.executable, "-m", "nanchang_incentives", "calc", "company.toml", "--format", "json"], work, env)
    assert res.returncode == 0, res.stderr
    [result] = [r for r in json.loads(res.stdout)["results"] if r["policy"] == "nanchang-electronic-information-2023"]
    assert (result["total"], result["total_exact"], result["total_up_to"]) == ("1592223.91", "925557.24", "666666.67")

    table = _run([sys.executable, "-m", "nanchang_incentives", "calc", "company.toml"], work, env)
    assert table.returncode == 0, table.stderr
    assert "up to 1,592,223.91 (exact at least 925,557.24 + up to 666,666.67)" in table.stdout
