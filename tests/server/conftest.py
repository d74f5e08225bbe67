"""Helpers for the service tests: an app with small limits, and fixture claims as uploads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

pytest.importorskip("fastapi", reason="the server extra is not installed (pip install -e '.[dev]')")

from fastapi.testclient import TestClient

from coop_rules.server.app import create_app
from coop_rules.server.settings import ServerSettings

from ..conftest import FIXTURES

Files = list[tuple[str, tuple[str, bytes]]]


def manifest_of(folder: Path) -> dict[str, Any]:
    """A fixture claim's manifest as the JSON a client would send (dates as ISO strings)."""
    data = yaml.safe_load((folder / "claim.yaml").read_text(encoding="utf-8"))
    return json.loads(json.dumps(data, default=str))


def claim_upload(name: str = "compliant") -> tuple[dict[str, str], Files]:
    """The multipart fields and files of fixture claim ``name``: every file of its folder."""
    folder = FIXTURES / name
    manifest = manifest_of(folder)
    files = [
        ("files", (path.name, path.read_bytes()))
        for path in sorted(folder.iterdir())
        if path.name != "claim.yaml"
    ]
    return {"manifest": json.dumps(manifest)}, files


def client_for(settings: ServerSettings | None = None, **kwargs: Any) -> TestClient:
    return TestClient(create_app(settings or ServerSettings(**kwargs)))


@pytest.fixture
def client() -> Iterator[TestClient]:
    with client_for() as test_client:
        yield test_client
