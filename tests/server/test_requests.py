"""Malformed and hostile requests: every refusal names what is wrong; bad documents are findings."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from ..conftest import FIXTURES
from .conftest import claim_upload, client_for, manifest_of


def test_invalid_manifest_names_every_field(client: TestClient) -> None:
    manifest = manifest_of(FIXTURES / "compliant")
    manifest["funds"]["currency"] = "euro"
    manifest["documents"][1]["role"] = "photo"
    del manifest["activity"]["start"]
    response = client.post("/v1/checks", files={"manifest": (None, json.dumps(manifest))})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_manifest"
    problems = {p["location"]: p["message"] for p in body["problems"]}
    assert set(problems) == {"funds.currency", "documents[1].role", "activity.start"}
    assert "'euro'" in problems["funds.currency"]
    assert problems["activity.start"] == "required field is missing"
    assert "claim.json" not in response.text  # the client sent no file of that name


def test_manifest_that_is_not_json(client: TestClient) -> None:
    response = client.post("/v1/checks", files={"manifest": (None, '{"claim_id": ')})
    assert response.status_code == 422
    (problem,) = response.json()["problems"]
    assert problem["location"] == "manifest"
    assert problem["message"].startswith("invalid JSON at line 1")


def test_manifest_field_missing(client: TestClient) -> None:
    response = client.post("/v1/checks", files=[("files", ("a.pdf", b"%PDF-1.4"))])
    assert response.status_code == 422
    assert response.json()["problems"] == [
        {"location": "manifest", "message": "required field is missing"}
    ]


def _raw_upload(client: TestClient, path: str, name: str) -> Response:
    """A multipart body written by hand, so the file name arrives byte for byte as given."""
    fields, _ = claim_upload("compliant")
    manifest = b'Content-Disposition: form-data; name="manifest"\r\n\r\n%s\r\n--b\r\n' % (
        fields["manifest"].encode()
    )
    body = b"".join(
        [
            b"--b\r\n",
            manifest if path == "/v1/checks" else b"",
            b'Content-Disposition: form-data; name="files"; filename="ok.pdf"\r\n',
            b"\r\n%PDF\r\n--b\r\n",
            b'Content-Disposition: form-data; name="files"; filename="',
            name.encode(),
            b'"\r\n\r\nxx\r\n--b--\r\n',
        ]
    )
    headers = {"Content-Type": "multipart/form-data; boundary=b"}
    return client.post(path, content=body, headers=headers)


@pytest.mark.parametrize(
    "name",
    [
        "../escape.pdf",
        "sub/dir.pdf",
        "/etc/passwd",
        "..\\..\\evil.pdf",
        "..",
        ".hidden.pdf",
        "claim.yaml",
        "CLAIM.JSON",
        "bad\x07name.pdf",
        "invoice\u202efdp.exe",
        " invoice.pdf",
        "x" * 300 + ".pdf",
    ],
)
def test_file_names_never_become_paths(client: TestClient, name: str) -> None:
    response = _raw_upload(client, "/v1/checks", name)
    assert response.status_code == 422, response.text
    (problem,) = response.json()["problems"]
    assert problem["location"] == "files[1]"


def test_a_windows_full_path_keeps_only_its_name(client: TestClient) -> None:
    # Old browsers send the whole path; the multipart parser keeps its last part, as browsers do.
    response = _raw_upload(client, "/v1/files", "C:\\Users\\me\\invoice.pdf")
    assert response.status_code == 201
    assert [f["name"] for f in response.json()["files"]] == ["ok.pdf", "invoice.pdf"]


def test_duplicate_file_names_are_refused(client: TestClient) -> None:
    fields, _ = claim_upload("compliant")
    response = client.post(
        "/v1/checks",
        data=fields,
        files=[("files", ("a.pdf", b"1")), ("files", ("a.pdf", b"2")), ("files", ("b.pdf", b"3"))],
    )
    assert response.status_code == 422
    (problem,) = response.json()["problems"]
    assert problem == {
        "location": "files[1]",
        "message": "another file of this request has the same name (got 'a.pdf')",
    }


@pytest.mark.parametrize(
    "content",
    [b"", b"%PDF-1.7\n" + bytes(range(256)) * 40, b"PK\x03\x04garbage", b"\x00" * 1000],
    ids=["zero-bytes", "garbage-pdf", "broken-zip", "nul-bytes"],
)
def test_hostile_document_is_a_finding_not_an_error(client: TestClient, content: bytes) -> None:
    fields, files = claim_upload("compliant")
    victim = json.loads(fields["manifest"])["documents"][0]["path"]
    files = [(f, (n, content if n == victim else data)) for f, (n, data) in files]
    response = client.post("/v1/checks", data=fields, files=files)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["claim_id"] == "compliant"
    assert report["verdict"] != "pass"
    assert victim in {p["path"] for p in report["unreadable"]}


def test_not_multipart(client: TestClient) -> None:
    response = client.post("/v1/checks", content=b"a=b", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    broken = client.post(
        "/v1/checks",
        content=b'--x\r\nContent-Disposition: form-data; name="manifest"\r\n\r\n{}\r\n--y--',
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert broken.status_code in (400, 422)
    unknown = client.post("/v1/checks", files={"other": (None, "1")})
    assert unknown.status_code == 422 and "'other'" in unknown.json()["message"]


def test_api_keys() -> None:
    fields, files = claim_upload("compliant")
    with client_for(api_keys=frozenset({"s3cret", "other"})) as client:
        assert client.get("/v1/rules").status_code == 401
        assert client.get("/v1/rules", headers={"X-API-Key": "wrong"}).status_code == 401
        refused = client.post("/v1/checks", data=fields, files=files)
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert client.get("/v1/rules", headers={"X-API-Key": "s3cret"}).status_code == 200
        bearer = {"Authorization": "Bearer other"}
        assert (
            client.post("/v1/checks", data=fields, files=files, headers=bearer).status_code == 200
        )
        # The page, its files and the health check stay open; the page asks for the key.
        assert client.get("/healthz").status_code == 200
        assert 'id="f-key"' in client.get("/").text
    with client_for() as client:
        assert client.get("/v1/rules").status_code == 200
        assert 'id="f-key"' not in client.get("/").text


def test_cors_off_by_default_and_configurable() -> None:
    origin = {"Origin": "https://prm.example", "Access-Control-Request-Method": "POST"}
    with client_for() as client:
        preflight = client.options("/v1/checks", headers=origin)
        assert "access-control-allow-origin" not in preflight.headers
        assert "access-control-allow-origin" not in client.get("/v1/rules", headers=origin).headers
    with client_for(cors_origins=("https://prm.example",)) as client:
        preflight = client.options("/v1/checks", headers=origin)
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://prm.example"
        simple = client.get("/v1/rules", headers={"Origin": "https://prm.example"})
        assert simple.headers["access-control-allow-origin"] == "https://prm.example"
        assert "x-coop-verdict" in simple.headers["access-control-expose-headers"].lower()
        other = client.get("/v1/rules", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_no_document_content_in_logs(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    fields, files = claim_upload("compliant")
    files.append(("files", ("secret-note.pdf", b"%PDF-1.4 TOP-SECRET-MARKER garbage")))
    with caplog.at_level("DEBUG"):
        assert client.post("/v1/checks", data=fields, files=files).status_code == 200
    assert caplog.records  # the service did log the check
    assert "TOP-SECRET-MARKER" not in caplog.text
    assert "Contoso" not in caplog.text  # nor the manifest's or the documents' text


def test_pages_load_nothing_from_the_network(client: TestClient) -> None:
    for path in ("/", "/docs", "/?lang=ja"):
        response = client.get(path)
        assert response.status_code == 200
        assert "default-src 'none'" in response.headers["content-security-policy"]
        # Every src/href is local (or an in-page anchor).
        for url in re.findall(r'(?:src|href)="([^"]*)"', response.text):
            assert url.startswith(("/", "#", "?")), url
    assert client.get("/openapi.json").json()["paths"]["/v1/checks"]["post"]["requestBody"]
