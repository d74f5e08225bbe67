"""Receiving bodies: a slow upload holds no check slot, a trickling one gets 408, and the bytes
on disk at once are bounded (503).

The requests go to the ASGI app through httpx's ASGI transport, which hands the app the body
chunk by chunk as the test's generator yields them, so an upload can be held half-way.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from coop_rules.server.app import create_app
from coop_rules.server.service import CheckService
from coop_rules.server.settings import ServerSettings

from .conftest import claim_upload

KIB = 1024
BOUNDARY = "b0undary"
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def _multipart(files: list[tuple[str, bytes]], manifest: str | None = None) -> bytes:
    parts = []
    if manifest is not None:
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="manifest"\r\n\r\n'.encode()
            + manifest.encode()
            + b"\r\n"
        )
    for name, data in files:
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


async def _held(body: bytes, at: int, go: asyncio.Event) -> AsyncIterator[bytes]:
    """``body`` up to ``at``, then nothing until ``go`` is set, then the rest."""
    yield body[:at]
    await go.wait()
    yield body[at:]


def _client(service: CheckService) -> httpx.AsyncClient:
    app = create_app(service.settings, service=service)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def _compliant_body() -> bytes:
    fields, files = claim_upload("compliant")
    return _multipart([(name, data) for _, (name, data) in files], fields["manifest"])


async def _wait_for(condition: object, seconds: float = 10) -> None:
    for _ in range(int(seconds * 100)):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


def test_a_slow_upload_holds_no_check_slot() -> None:
    # One check slot and no queue: while a slow upload trickles in, another check still runs.
    service = CheckService(ServerSettings(max_concurrent=1, max_queued=0))
    body = _compliant_body()

    async def scenario() -> tuple[int, int, int]:
        go = asyncio.Event()
        async with _client(service) as client:
            slow = asyncio.create_task(
                client.post(
                    "/v1/checks",
                    content=_held(body, len(body) // 2, go),
                    headers={**MULTIPART, "Content-Length": str(len(body))},
                )
            )
            await _wait_for(lambda: service.budget.uploads == 1)
            assert service.gate.inside == 0  # receiving takes no slot
            fast = await client.post("/v1/checks", content=body, headers=MULTIPART)
            assert not slow.done()  # the fast check ran while the slow upload was held
            go.set()
            finished = await slow
            return fast.status_code, finished.status_code, len(body)

    try:
        fast, slow, _ = asyncio.run(scenario())
    finally:
        service.close()
    assert (fast, slow) == (200, 200)
    assert service.gate.inside == 0 and service.budget.uploads == 0 and service.budget.bytes == 0


def test_a_trickling_body_gets_408_and_leaves_nothing() -> None:
    service = CheckService(ServerSettings(upload_timeout=0.3))
    body = _compliant_body()

    async def scenario() -> httpx.Response:
        never = asyncio.Event()
        async with _client(service) as client:
            return await client.post(
                "/v1/checks", content=_held(body, 1000, never), headers=MULTIPART
            )

    try:
        response = asyncio.run(scenario())
        requests = list((service.uploads.path / "requests").iterdir())
    finally:
        service.close()
    assert response.status_code == 408
    assert response.json()["error"] == "request_timeout"
    assert "0.3 seconds" in response.json()["message"]
    assert requests == []
    assert service.budget.uploads == 0 and service.budget.bytes == 0


def test_bytes_on_disk_at_once_are_bounded() -> None:
    settings = ServerSettings(max_request_bytes=64 * KIB, max_upload_bytes=100 * KIB)
    service = CheckService(settings)
    body = _multipart([("a.pdf", b"%PDF" + b"a" * (58 * KIB))])

    async def scenario() -> tuple[httpx.Response, ...]:
        go = asyncio.Event()
        async with _client(service) as client:
            held = asyncio.create_task(
                client.post(
                    "/v1/files",
                    content=_held(body, 1000, go),
                    headers={**MULTIPART, "Content-Length": str(len(body))},
                )
            )
            await _wait_for(lambda: service.budget.uploads == 1)
            # Declared: refused before a byte is read. Undeclared (chunked): once past the room.
            declared = await client.post("/v1/files", content=body, headers=MULTIPART)

            async def chunked() -> AsyncIterator[bytes]:
                for i in range(0, len(body), 4 * KIB):
                    yield body[i : i + 4 * KIB]

            streamed = await client.post("/v1/files", content=chunked(), headers=MULTIPART)
            go.set()
            first = await held
            after = await client.post("/v1/files", content=body, headers=MULTIPART)
            return declared, streamed, first, after

    try:
        declared, streamed, first, after = asyncio.run(scenario())
    finally:
        service.close()
    for refused in (declared, streamed):
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"] == "uploads_full"
        assert refused.headers["retry-after"] == "5"
    assert first.status_code == 201 and after.status_code == 201  # the room came back
    assert service.budget.uploads == 0 and service.budget.bytes == 0


def test_the_upload_budget_must_hold_one_request() -> None:
    try:
        ServerSettings(max_request_bytes=64 * KIB, max_upload_bytes=32 * KIB)
    except ValueError as exc:
        assert "max_upload_bytes" in str(exc)
    else:
        raise AssertionError("accepted a budget smaller than one request")


def test_invalid_manifest_takes_no_check_slot() -> None:
    # Validated while staging: a full service still answers 422 for a manifest it can see is bad.
    service = CheckService(ServerSettings(max_concurrent=1, max_queued=0))
    bad = json.dumps({"claim_id": "x"})

    async def scenario() -> httpx.Response:
        async with _client(service) as client:
            return await client.post("/v1/checks", content=_multipart([], bad), headers=MULTIPART)

    try:
        response = asyncio.run(scenario())
    finally:
        service.close()
    assert response.status_code == 422 and response.json()["error"] == "invalid_manifest"
    assert service.gate.inside == 0


def test_request_folders_live_in_the_upload_folder(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    service = CheckService(ServerSettings(upload_dir=uploads))
    try:
        folder = service.uploads.request_folder()
        assert folder.parent == uploads / "requests"
        assert uploads.stat().st_mode & 0o777 == 0o700
        assert folder.stat().st_mode & 0o777 == 0o700
    finally:
        service.close()
    assert uploads.is_dir()  # a configured folder stays
