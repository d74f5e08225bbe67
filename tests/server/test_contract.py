"""The OpenAPI document as a contract: valid OpenAPI 3.1, and a client generated from it works.

The service runs under uvicorn on a loopback port (as ``coop-rules serve`` runs it); the test
reads ``/openapi.json`` from it, validates it with openapi-spec-validator, resolves every
``$ref``, generates a Python client with openapi-python-client (what an integrator would run)
and checks claims, uploads files and reads rules with that client, parsing every answer into the
generated models. Generation takes about a second; the module about five.
"""

from __future__ import annotations

import importlib
import io
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import uvicorn
from openapi_spec_validator import validate

from coop_rules import api
from coop_rules.server.app import create_app
from coop_rules.server.settings import ServerSettings

from ..conftest import FIXTURES
from .conftest import manifest_of

PACKAGE = "coop_client"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The service under uvicorn on a free loopback port, for the whole module."""
    config = uvicorn.Config(
        create_app(ServerSettings(max_concurrent=2)),
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    (port,) = {s.getsockname()[1] for srv in server.servers for s in srv.sockets}
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=20)
    assert not thread.is_alive()


@pytest.fixture(scope="module")
def document(base_url: str) -> dict[str, Any]:
    response = httpx.get(f"{base_url}/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def client_package(
    document: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ModuleType]:
    """The client openapi-python-client generates from the served document, imported."""
    folder = tmp_path_factory.mktemp("generated")
    spec = folder / "openapi.json"
    spec.write_text(json.dumps(document), encoding="utf-8")
    # No post hooks: the generator would format its output with ruff, which adds nothing here.
    config = folder / "config.yaml"
    config.write_text("post_hooks: []\n", encoding="utf-8")
    done = subprocess.run(
        [
            *(sys.executable, "-m", "openapi_python_client", "generate"),
            *("--path", str(spec), "--config", str(config), "--meta", "none"),
            *("--output-path", str(folder / PACKAGE), "--fail-on-warning"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def generated(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.fixture
def client(client_package: ModuleType, base_url: str) -> Any:
    return client_package.Client(base_url=base_url, raise_on_unexpected_status=True)


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on any violation, an unresolvable $ref included


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert len(refs) > 20
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.removeprefix("#/components/schemas/") in document["components"]["schemas"]
    assert "$defs" not in json.dumps(document)


def _files(folder: Path) -> list[Any]:
    types = generated("types")
    return [
        types.File(payload=io.BytesIO(path.read_bytes()), file_name=path.name)
        for path in sorted(folder.iterdir())
        if path.name != "claim.yaml"
    ]


def test_the_generated_client_checks_a_claim(client: Any) -> None:
    create_check = generated("api.checks.create_check")
    models = generated("models")
    body = models.CreateCheckFilesBody(
        # The manifest part is JSON, written by the generated Manifest model.
        manifest=models.Manifest.from_dict(manifest_of(FIXTURES / "compliant")),
        files=_files(FIXTURES / "compliant"),
    )
    answer = create_check.sync_detailed(client=client, body=body, lang="de")
    report = answer.parsed
    assert type(report).__name__ == "Report", answer.content[:300]
    assert report.verdict.value == str(api.check_claim(FIXTURES / "compliant").verdict)
    assert report.claim_id == manifest_of(FIXTURES / "compliant")["claim_id"]
    assert answer.headers["content-language"] == "de"
    assert all(type(f).__name__ == "Finding" for f in report.findings)
    assert {d.path for d in report.documents} == {f.file_name for f in body.files}


def test_the_generated_client_uploads_then_checks_by_id(client: Any) -> None:
    models = generated("models")
    folder = FIXTURES / "dt01-late-submission"
    stored = generated("api.files.upload_files").sync(
        client=client, body=models.UploadFilesBody(files=_files(folder))
    )
    assert type(stored).__name__ == "StoredFiles"
    ids = [f.id for f in stored.files]
    assert ids and all(f.expires_in > 0 for f in stored.files)
    # The manifest goes through the generated Manifest model and back.
    manifest = models.Manifest.from_dict(manifest_of(folder))
    body = models.CreateCheckJsonBody(manifest=manifest, files=ids)
    report = generated("api.checks.create_check").sync(client=client, body=body)
    assert type(report).__name__ == "Report"
    assert "DT01" in {f.code for f in report.findings}
    deleted = generated("api.files.delete_file").sync_detailed(client=client, file_id=ids[0])
    assert deleted.status_code == 204


def test_the_generated_client_reads_rules_and_errors(client: Any) -> None:
    rules = generated("api.rules.list_rules").sync(client=client, lang="de")
    by_code = {r.code: r for r in rules.rules}
    assert set(by_code) == {spec.code for spec in api.rulebook()}
    assert by_code["DT01"].params.additional_properties == {"deadline_days": 45}
    assert by_code["DT01"].lang.value == "de"
    missing = generated("api.rules.get_rule").sync(client=client, code="ZZ99")
    assert type(missing).__name__ == "Error"
    assert missing.error == "not_found"
    health = generated("api.service.health").sync(client=client)
    assert health.status == "ok" and health.capacity >= 2


def test_the_generated_client_extracts_a_document(client: Any) -> None:
    pdf = FIXTURES / "compliant" / "rechnung-kreativwerk-RE-2024-0417.pdf"
    body = generated("models").ExtractDocumentBody(
        files=[generated("types").File(payload=io.BytesIO(pdf.read_bytes()), file_name=pdf.name)]
    )
    extraction = generated("api.checks.extract_document").sync(client=client, body=body)
    assert type(extraction).__name__ == "Extraction"
    (document,) = extraction.documents
    expected = api.extract(pdf).to_json()["fields"]["total"]["value"]
    assert document.fields.additional_properties["total"].value == expected
