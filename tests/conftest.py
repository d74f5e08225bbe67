"""Shared test helpers: where the repository, its fixtures and the shared corpus are."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "claims"
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(autouse=True)
def _no_personal_ledger(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    """Checks read the ledger of recorded claims; never the user's own (~/.local/share)."""
    absent = tmp_path_factory.getbasetemp() / "no-ledger" / "ledger.sqlite3"
    monkeypatch.setenv("COOP_RULES_LEDGER", str(absent))
