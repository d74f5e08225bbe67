"""Several server processes behave as one service, however they are started.

The settings come from the ``COOP_RULES_*`` environment for every way of starting the app
(``coop-rules serve``, ``uvicorn --factory``, gunicorn with uvicorn workers), fail closed when
the configured keys cannot be used, and replicas share the uploaded files (one upload folder)
and the ledger (PostgreSQL). The process tests start real servers on loopback.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from coop_rules.errors import CoopRulesError
from coop_rules.server.app import create_app
from coop_rules.server.settings import MIB, settings_from_env, settings_to_env

from ..ledger.conftest import ledger_location  # noqa: F401  (a fixture)
from .conftest import claim_upload

KEY = "k-0123456789abcdef"
REPO = Path(__file__).resolve().parents[2]


# -- the settings from the environment ----------------------------------------------------------


def test_the_environment_gives_every_setting(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys"
    keys_file.write_text("# the review team\nteam-key\n\nci-key, other-key\n", encoding="utf-8")
    env = {
        "COOP_RULES_API_KEYS": "a-key,b-key",
        "COOP_RULES_API_KEYS_FILE": str(keys_file),
        "COOP_RULES_UPLOAD_DIR": str(tmp_path / "up"),
        "COOP_RULES_LEDGER": "postgresql://db.example/claims",
        "COOP_RULES_MAX_CONCURRENT": "3",
        "COOP_RULES_MAX_REQUEST_MB": "10",
        "COOP_RULES_MAX_UPLOAD_MB": "100",
        "COOP_RULES_FILE_TTL": "60",
        "COOP_RULES_CORS_ORIGINS": "https://a.example, https://b.example",
        "COOP_RULES_NO_PAGE": "1",
    }
    settings = settings_from_env(env)
    assert settings.api_keys == {"a-key", "b-key", "team-key", "ci-key", "other-key"}
    assert settings.upload_dir == tmp_path / "up"
    assert settings.ledger == "postgresql://db.example/claims"
    assert (settings.max_concurrent, settings.max_request_bytes) == (3, 10 * MIB)
    assert (settings.max_upload_bytes, settings.stored_file_ttl) == (100 * MIB, 60)
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.self_check_page is False
    # What serve hands its worker processes reads back as the same settings.
    passed = {k: v for k, v in settings_to_env(settings).items() if v is not None}
    assert settings_from_env(passed) == settings
    assert settings_from_env({}).api_keys == frozenset()  # nothing set: an open service


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"COOP_RULES_API_KEYS": ""}, "COOP_RULES_API_KEYS is set but holds no API key"),
        ({"COOP_RULES_API_KEYS": " , "}, "holds no API key"),
        ({"COOP_RULES_API_KEYS_FILE": "/nonexistent/keys"}, "cannot read the API keys file"),
        ({"COOP_RULES_API_KEY": "k"}, "the service reads COOP_RULES_API_KEYS"),
        ({"COOP_RULES_API_KEYS": "kéy"}, "printable ASCII"),
        ({"COOP_RULES_MAX_CONCURRENT": "many"}, "must be a number"),
        ({"COOP_RULES_MAX_REQUEST_MB": "0"}, "max_request_bytes must be at least 1"),
    ],
)
def test_an_unusable_variable_stops_the_start(env: dict[str, str], message: str) -> None:
    with pytest.raises(CoopRulesError, match=message):
        settings_from_env(env)


def test_an_empty_keys_file_stops_the_start(tmp_path: Path) -> None:
    empty = tmp_path / "keys"
    empty.write_text("# nobody yet\n", encoding="utf-8")
    with pytest.raises(CoopRulesError, match="holds no API key"):
        settings_from_env({"COOP_RULES_API_KEYS_FILE": str(empty)})


def test_the_factory_enforces_the_keys_of_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    monkeypatch.setenv("COOP_RULES_API_KEYS", KEY)
    monkeypatch.setenv("COOP_RULES_UPLOAD_DIR", str(tmp_path / "up"))
    with TestClient(create_app()) as client:
        assert client.get("/v1/rules").status_code == 401
        assert client.get("/v1/rules", headers={"X-API-Key": "wrong"}).status_code == 401
        # A header with a non-ASCII character is a wrong key, not an internal error.
        assert client.get("/v1/rules", headers={"X-API-Key": "kéy".encode()}).status_code == 401
        assert client.get("/v1/rules", headers={"X-API-Key": KEY}).status_code == 200
    assert (tmp_path / "up" / "files").is_dir()


# -- real server processes ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOP_RULES_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


@contextlib.contextmanager
def _server(command: list[str], port: int, env: dict[str, str]) -> Iterator[str]:
    """A server process started with ``command``; its base URL once ``/healthz`` answers."""
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server exited ({process.returncode}): {process.stderr.read()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, "the server did not answer within 60 s"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()  # uvicorn and gunicorn stop their workers on SIGTERM
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()


def _serve(port: int, *options: str) -> list[str]:
    return [sys.executable, "-m", "coop_rules", "serve", "--port", str(port), *options]


def _uvicorn(port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "coop_rules.server.app:create_app",
        "--workers",
        str(workers),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]


def _private(folder: Path) -> Path:
    folder.mkdir(mode=0o700)
    return folder


def _upload(base: str, key: str = KEY) -> tuple[dict[str, object], list[str]]:
    fields, files = claim_upload("compliant")
    response = httpx.post(f"{base}/v1/files", files=files, headers={"X-API-Key": key}, timeout=60)
    assert response.status_code == 201, response.text
    return json.loads(fields["manifest"]), [f["id"] for f in response.json()["files"]]


@pytest.mark.slow  # real server processes: CI runs it (make test)
def test_uvicorn_factory_workers_enforce_the_keys_and_share_the_uploads(tmp_path: Path) -> None:
    port = _free_port()
    env = _environment(
        COOP_RULES_API_KEYS=KEY, COOP_RULES_UPLOAD_DIR=str(_private(tmp_path / "up"))
    )
    with _server(_uvicorn(port, workers=2), port, env) as base:
        # Many requests on fresh connections, so both worker processes answer some.
        for _ in range(12):
            response = httpx.get(f"{base}/v1/rules", timeout=30)
            assert response.status_code == 401, response.text
        manifest, ids = _upload(base)
        for _ in range(12):
            response = httpx.post(
                f"{base}/v1/checks",
                json={"manifest": manifest, "files": ids},
                headers={"X-API-Key": KEY},
                timeout=120,
            )
            assert response.status_code == 200, response.text
            assert response.json()["verdict"] == "pass"


@pytest.mark.slow  # real server processes: CI runs it (make test)
def test_uvicorn_factory_refuses_to_start_with_unreadable_keys(tmp_path: Path) -> None:
    env = _environment(COOP_RULES_API_KEYS_FILE=str(tmp_path / "missing-keys"))
    port = _free_port()
    done = subprocess.run(
        _uvicorn(port, workers=1), env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "cannot read the API keys file" in done.stderr
    assert "Uvicorn running" not in done.stderr  # it never listened


@pytest.mark.slow  # real server processes: CI runs it (make test)
def test_gunicorn_with_uvicorn_workers_enforces_the_keys(tmp_path: Path) -> None:
    pytest.importorskip("gunicorn", reason="gunicorn is in the dev extra")
    port = _free_port()
    env = _environment(
        COOP_RULES_API_KEYS=KEY, COOP_RULES_UPLOAD_DIR=str(_private(tmp_path / "up"))
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-k",
        "uvicorn.workers.UvicornWorker",
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        "coop_rules.server.app:create_app()",
    ]
    with _server(command, port, env) as base:
        for _ in range(6):
            assert httpx.get(f"{base}/v1/rules", timeout=30).status_code == 401
        assert httpx.get(f"{base}/v1/rules", headers={"X-API-Key": KEY}).status_code == 200


@pytest.mark.slow  # real server processes: CI runs it (make test)
def test_two_serve_processes_share_the_uploaded_files(tmp_path: Path) -> None:
    uploads = str(_private(tmp_path / "up"))
    one, two = _free_port(), _free_port()
    env = _environment(COOP_RULES_API_KEYS=KEY)
    with (
        _server(_serve(one, "--upload-dir", uploads), one, env) as first,
        _server(_serve(two, "--upload-dir", uploads, "--workers", "2"), two, env) as second,
    ):
        assert httpx.get(f"{second}/v1/rules").status_code == 401  # the keys, in every worker
        manifest, ids = _upload(first)
        for _ in range(4):
            response = httpx.post(
                f"{second}/v1/checks",
                json={"manifest": manifest, "files": ids},
                headers={"X-API-Key": KEY},
                timeout=120,
            )
            assert response.status_code == 200, response.text
        assert (
            httpx.delete(f"{second}/v1/files/{ids[0]}", headers={"X-API-Key": KEY}).status_code
            == 204
        )
        gone = httpx.post(
            f"{first}/v1/checks",
            json={"manifest": manifest, "files": ids},
            headers={"X-API-Key": KEY},
            timeout=120,
        )
        assert gone.status_code == 422  # deleted through one, gone for the other


# Replicas on several machines share a PostgreSQL ledger (CI starts one; see tests/ledger).
@pytest.mark.slow  # real server processes: CI runs it (make test)
@pytest.mark.parametrize("ledger_location", ["postgresql"], indirect=True)
def test_a_claim_recorded_through_one_replica_is_a_duplicate_through_another(
    ledger_location: str,  # noqa: F811
) -> None:
    one, two = _free_port(), _free_port()
    env = _environment(COOP_RULES_API_KEYS=KEY, COOP_RULES_LEDGER=ledger_location)
    headers = {"X-API-Key": KEY}
    with _server(_serve(one), one, env) as first, _server(_serve(two), two, env) as second:
        fields, files = claim_upload("compliant")
        recorded = httpx.post(
            f"{first}/v1/checks?record=true", data=fields, files=files, headers=headers, timeout=120
        )
        assert recorded.status_code == 200, recorded.text
        assert recorded.headers["x-coop-recorded"] == "true"
        manifest = json.loads(fields["manifest"])
        manifest["claim_id"] = "compliant-again"
        copy = httpx.post(
            f"{second}/v1/checks",
            data={"manifest": json.dumps(manifest)},
            files=files,
            headers=headers,
            timeout=120,
        )
        assert copy.status_code == 200, copy.text
        assert "DU01" in {f["code"] for f in copy.json()["findings"]}
