"""Reports of the fixture claims, checked once per test session (reading PDFs is the slow part)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from coop_rules import Report, check_claim

from ..conftest import FIXTURES

TODAY = date(2024, 7, 20)


@pytest.fixture(scope="session")
def fixture_report() -> Callable[[str], Report]:
    cache: dict[str, Report] = {}

    def get(name: str) -> Report:
        if name not in cache:
            cache[name] = check_claim(FIXTURES / name, today=TODAY)
        return cache[name]

    return get
