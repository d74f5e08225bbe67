"""Every limit of the service: request size, file count, file size, manifest size, busy pool.

The size limits must hold while the body streams: the tests send bodies from generators and
check how much of them the service read before it refused.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from coop_rules import api
from coop_rules.options import CheckOptions
from coop_rules.report import Report
from coop_rules.server.app import create_app
from coop_rules.server.service import CheckService
from coop_rules.server.settings import ServerSettings

from .conftest import claim_upload, client_for

KIB = 1024


def _multipart(parts: list[tuple[str, bytes]], boundary: str = "b0undary") -> list[bytes]:
    """A multipart body as chunks: (file name, content) per part, content sent in 8 KiB pieces."""
    chunks = []
    for name, content in parts:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        chunks.append(head.encode())
        chunks += [content[i : i + 8 * KIB] for i in range(0, len(content), 8 * KIB)]
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return chunks


def _post_streamed(
    settings: ServerSettings, path: str, chunks: list[bytes]
) -> tuple[int, str, int]:
    """POST ``chunks`` straight to the ASGI app, one message each; (status, body, bytes pulled).

    TestClient reads a request body whole before the app sees it, so it cannot show whether the
    app stops reading at a limit; this calls the app the way a server does.
    """
    app = create_app(settings)
    pending = iter(chunks)
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        chunk = next(pending, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"multipart/form-data; boundary=b0undary"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body.decode(), pulled


def test_too_large_file_is_refused_while_streaming() -> None:
    settings = ServerSettings(max_file_bytes=64 * KIB, max_request_bytes=10_000 * KIB)
    chunks = _multipart([("big.pdf", b"%PDF" + b"x" * (4_000 * KIB))])
    status, body, pulled = _post_streamed(settings, "/v1/extract", chunks)
    assert status == 413
    assert json.loads(body)["message"] == "file 'big.pdf' is larger than the 64 KiB limit"
    assert pulled < 100 * KIB  # stopped at the limit, not at the end of 4 MiB


def test_too_large_request_is_refused_while_streaming() -> None:
    settings = ServerSettings(max_file_bytes=10_000 * KIB, max_request_bytes=256 * KIB)
    chunks = _multipart([(f"f{i}.pdf", b"y" * (100 * KIB)) for i in range(40)])
    status, body, pulled = _post_streamed(settings, "/v1/files", chunks)
    assert status == 413
    assert json.loads(body)["message"] == "the request is larger than the 256 KiB limit"
    assert pulled < 280 * KIB


def test_declared_length_over_the_limit_is_refused_before_reading() -> None:
    with client_for(max_request_bytes=1 * KIB) as client:
        response = client.post(
            "/v1/files",
            content=b"".join(_multipart([("a.pdf", b"z" * (8 * KIB))])),
            headers={"Content-Type": "multipart/form-data; boundary=b0undary"},
        )
    assert response.status_code == 413
    assert "1 KiB" in response.json()["message"]


def test_too_many_files() -> None:
    fields, files = claim_upload("compliant")
    with client_for(max_files=3) as client:
        response = client.post("/v1/checks", data=fields, files=files)
    assert response.status_code == 413
    assert response.json()["message"] == "more than 3 files in one request"


def test_too_large_manifest_field() -> None:
    with client_for(max_manifest_bytes=2 * KIB) as client:
        response = client.post("/v1/checks", files={"manifest": (None, "{" + " " * 5000 + "}")})
    assert response.status_code == 413
    assert "'manifest' field" in response.json()["message"]


def test_json_body_limit() -> None:
    with client_for(max_manifest_bytes=2 * KIB) as client:
        response = client.post("/v1/checks", json={"manifest": {"claim_id": "x" * 5000}})
    assert response.status_code == 413


class _Blocking:
    """A check that waits until released, so a test can fill the pool."""

    def __init__(self) -> None:
        self.started = threading.Semaphore(0)
        self.release = threading.Event()

    def __call__(self, folder: Path, options: CheckOptions) -> Report:
        self.started.release()
        assert self.release.wait(30)
        return api.check_claim(folder, options)


def test_busy_pool_answers_429_with_retry_after() -> None:
    settings = ServerSettings(max_concurrent=1, max_queued=1, retry_after=7)
    blocking = _Blocking()
    service = CheckService(settings, check=blocking)
    fields, files = claim_upload("compliant")
    results: list[Any] = []
    with TestClient(create_app(settings, service=service)) as client:

        def send() -> None:
            results.append(client.post("/v1/checks", data=fields, files=files))

        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        assert blocking.started.acquire(timeout=30)  # one running ...
        deadline = time.monotonic() + 30
        while service.gate.inside < 2 and time.monotonic() < deadline:  # ... and one waiting
            time.sleep(0.01)
        refused = client.post("/v1/checks", data=fields, files=files)
        assert client.get("/healthz").json()["checks_inside"] == 2
        blocking.release.set()
        for thread in threads:
            thread.join(60)
        after = client.post("/v1/checks", data=fields, files=files)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "7"
    assert "try again in 7 seconds" in refused.json()["message"]
    assert [r.status_code for r in results] == [200, 200]
    assert after.status_code == 200  # the slots came back
    assert service.gate.inside == 0
