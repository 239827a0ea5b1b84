"""Fixtures shared by test modules (a module's own fixture of the same name takes precedence)."""

from __future__ import annotations

import pytest

from nanchang_incentives import api


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
