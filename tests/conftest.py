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
