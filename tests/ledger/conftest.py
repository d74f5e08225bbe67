"""The ledger's tests run on both backends: a SQLite file and a real PostgreSQL server.

PostgreSQL comes from ``COOP_RULES_TEST_POSTGRES_URL`` (``.ci/run`` starts a server on loopback
and sets it). Without it the PostgreSQL half skips locally, and fails under CI, which always
has it. Each test gets its own PostgreSQL schema (through the URL's ``search_path``), dropped
afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import re
import shutil
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import FIXTURES

POSTGRES_ENV = "COOP_RULES_TEST_POSTGRES_URL"


def _postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the PostgreSQL ledger tests")
    pytest.skip(f"no PostgreSQL server: set {POSTGRES_ENV} (as .ci/run does) to run these")


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty ledger: a SQLite file that does not exist yet, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield str(tmp_path / "ledger" / "ledger.sqlite3")
        return
    import psycopg

    base = _postgres_url()
    schema = f"ledger_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    parts = urllib.parse.urlsplit(base)
    query = [*urllib.parse.parse_qsl(parts.query), ("options", f"-csearch_path={schema}")]
    yield urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA {schema} CASCADE")


def copy_claim(source: str, target: Path, claim_id: str) -> Path:
    """A fixture claim copied to ``target`` under another claim id."""
    shutil.copytree(FIXTURES / source, target)
    manifest = target / "claim.yaml"
    text, count = re.subn(
        r"(?m)^claim_id: .*$", f"claim_id: {claim_id}", manifest.read_text(encoding="utf-8")
    )
    assert count == 1, f"{source}/claim.yaml has no top-level claim_id line"
    manifest.write_text(text, encoding="utf-8")
    return target
