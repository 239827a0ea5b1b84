"""Fixtures shared by test modules (a module's own fixture of the same name takes precedence)."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from nanchang_incentives import api
from nanchang_incentives.catalog_cache import ENV_CACHE_DIR

# The catalogue cache stays on, as users run it (every CLI run after the first answers from it), but in a
# directory of this test run's own, never the user's ~/.cache; processes the tests start inherit it.
_CACHE = tempfile.mkdtemp(prefix="incentives-test-cache-")
os.environ[ENV_CACHE_DIR] = _CACHE


def pytest_unconfigure(config):
    shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def catalog():
    """The bundled policies, loaded once."""
    return api.load()


@pytest.fixture
def header_problems(catalog, tmp_path):
    """The message batch stops with for a CSV of ``text`` (a header it refuses before reading any row)."""
    from nanchang_incentives.batch import run_batch
    from nanchang_incentives.errors import InputError

    def run(text: str) -> str:
        src = tmp_path / "h.csv"
        src.write_text(text, encoding="utf-8")
        with pytest.raises(InputError) as exc:
            run_batch(src, tmp_path / "o.csv", catalog)
        return str(exc.value)

    return run


def _write_sheet(path, header, rows) -> None:
    """``rows`` under ``header`` as the file ``path`` names: .csv (UTF-8), .xlsx (openpyxl), .parquet (strings)."""
    if path.suffix == ".csv":
        import csv

        with open(path, "w", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\r\n").writerows([header, *rows])
    elif path.suffix == ".xlsx":
        openpyxl = pytest.importorskip("openpyxl")
        wb = openpyxl.Workbook()
        for r in [header, *rows]:
            wb.active.append(r)
        wb.save(path)
    else:
        pa = pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        pq.write_table(pa.table({h: [str(r[j]) for r in rows] for j, h in enumerate(header)}), path)


@pytest.fixture
def write_sheet():
    """A function writing a header and rows as a CSV, .xlsx or Parquet file, by the path's suffix."""
    return _write_sheet
