"""Shared test helpers: where the repository, its fixtures and the shared corpus are."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from coop_rules import Report, check_claim
from coop_rules.engines import durable_available

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "claims"
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


_REPORTS: dict[tuple[str, date, str], Report] = {}


@pytest.fixture(scope="session")
def fixture_report() -> Callable[..., Report]:
    """A fixture claim's report, checked once per test run (per claim, date and engine).

    Reports are frozen; ``auto`` shares the report of the engine it picks.
    """

    def report(name: str, today: date, engine: str = "auto") -> Report:
        if engine == "auto":
            engine = "durable" if durable_available() else "python"
        key = (name, today, engine)
        if key not in _REPORTS:
            _REPORTS[key] = check_claim(FIXTURES / name, today=today, engine=engine)
        return _REPORTS[key]

    return report


@pytest.fixture(autouse=True)
def _no_personal_ledger(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    """Checks read the ledger of recorded claims; never the user's own (~/.local/share)."""
    absent = tmp_path_factory.getbasetemp() / "no-ledger" / "ledger.sqlite3"
    monkeypatch.setenv("COOP_RULES_LEDGER", str(absent))
