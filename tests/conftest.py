"""Fixtures shared by test modules (a module's own fixture of the same name takes precedence)."""

from __future__ import annotations

import pytest

from nanchang_incentives import api


@pytest.fixture(scope="session")
def catalog():
    """The bundled policies, loaded once."""
    return api.load()
