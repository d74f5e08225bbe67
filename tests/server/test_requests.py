"""Malformed and hostile requests: every refusal names what is wrong; bad documents are findings."""

from __future__ import annotations

import ast
import json
import re
from importlib import resources
from string import Formatter

import pytest
import yaml
from fastapi.testclient import TestClient
from httpx import Response

from coop_rules.server.errors import ERROR_CODES, ApiError, from_http_exception
from coop_rules.server.i18n import PAGE_LANGUAGES, strings

from ..conftest import FIXTURES, REPO
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
    body = {"manifest": (None, '{"claim_id": '), "files": ("a.pdf", b"%PDF-1.4")}
    response = client.post("/v1/checks", files=body)
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
        "type": "file_name",
    }


def test_a_refused_file_name_is_said_in_the_language_asked_for(client: TestClient) -> None:
    fields, _ = claim_upload("compliant")
    response = client.post(
        "/v1/checks?lang=ko", data=fields, files=[("files", (".hidden.pdf", b"1"))]
    )
    assert response.status_code == 422
    (problem,) = response.json()["problems"]
    assert problem["location"] == "files[0]"
    assert (
        problem["message"] == "파일 이름은 마침표(.)로 시작할 수 없습니다 (입력값: '.hidden.pdf')"
    )


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


def _broken_manifest() -> dict:
    manifest = manifest_of(FIXTURES / "compliant")
    manifest["funds"]["currency"] = "euro"  # pattern
    manifest["documents"][1]["role"] = "photo"  # enum
    del manifest["activity"]["start"]  # missing
    manifest["activity"]["end"] = "2024-13-45"  # date
    manifest["funds"]["earned"] = "12,5x"  # decimal
    manifest["claimed"]["amount"] = 1.005  # a custom check: no catalogue entry
    manifest["colour"] = "blue"  # unknown field
    return manifest


def test_manifest_problems_in_the_page_languages(client: TestClient) -> None:
    body = {"manifest": (None, json.dumps(_broken_manifest()))}
    english = client.post("/v1/checks", files=body).json()["problems"]
    german = client.post("/v1/checks?lang=de", files=body).json()["problems"]
    japanese = client.post("/v1/checks", files=body, headers={"Accept-Language": "ja"}).json()
    by_location = {p["location"]: p for p in german}
    # The field paths and types stay; the common types speak German, the rest stays English.
    assert [p["location"] for p in german] == [p["location"] for p in english]
    assert [p["type"] for p in german] == [p["type"] for p in english]
    assert by_location["activity.start"]["message"] == "Pflichtfeld fehlt"
    assert by_location["funds.currency"]["message"] == (
        "muss dem Muster ^[A-Z]{3}$ entsprechen (angegeben: 'euro')"
    )
    assert by_location["documents[1].role"]["message"].startswith(
        "muss einer dieser Werte sein: invoice, csr, poe, metrics, other"
    )
    assert "JJJJ-MM-TT" in by_location["activity.end"]["message"]
    assert "'2024-13-45'" in by_location["activity.end"]["message"]
    assert "1234.50" in by_location["funds.earned"]["message"]
    assert by_location["colour"]["message"] == "unbekanntes Feld"
    english_by_location = {p["location"]: p for p in english}
    assert by_location["claimed.amount"] == english_by_location["claimed.amount"]
    assert english_by_location["activity.start"]["message"] == "required field is missing"
    assert {p["location"]: p["message"] for p in japanese["problems"]}["activity.start"] == (
        "必須項目が入力されていません"
    )


def test_every_page_language_has_the_problem_messages() -> None:
    text = resources.files("coop_rules.server").joinpath("page_strings.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    keys = [k for k in raw["en"] if k.startswith("problem_")]
    assert len(keys) == 3  # what only the form gets wrong; a manifest's are manifest_problem.*
    for lang in PAGE_LANGUAGES:
        for key in keys:
            fields = {f for _, f, _, _ in Formatter().parse(raw[lang][key]) if f}
            assert fields == {f for _, f, _, _ in Formatter().parse(raw["en"][key]) if f}, (
                lang,
                key,
            )


def _codes_in_source() -> set[str]:
    """The codes the service's source gives an ApiError (its second argument) or an error
    body (``{"error": ...}``) literally."""
    found = set()
    for path in (REPO / "coop_rules" / "server").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "ApiError"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
            ):
                found.add(node.args[1].value)
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    said = isinstance(key, ast.Constant) and key.value == "error"
                    if said and isinstance(value, ast.Constant):
                        found.add(value.value)
    return found


def test_every_error_code_of_the_service_has_a_page_sentence_in_every_language() -> None:
    in_source = _codes_in_source()
    assert {"too_large", "uploads_full", "internal", "not_found"} <= in_source
    assert in_source <= set(ERROR_CODES), in_source - set(ERROR_CODES)
    english = strings("en")
    for lang in PAGE_LANGUAGES:
        t = strings(lang)
        for code in (*ERROR_CODES, "generic"):
            assert f"error_{code}" in t, (lang, code)
            if lang != "en":
                assert t[f"error_{code}"] != english[f"error_{code}"], (lang, code)


def test_an_error_code_outside_the_list_is_refused_and_http_errors_map_onto_it() -> None:
    with pytest.raises(ValueError, match="not an error code"):
        ApiError(400, "teapot", "short and stout")
    for status in (400, 401, 404, 405, 408, 413, 418, 429, 431, 500, 502):
        assert from_http_exception(status, None, None).code in ERROR_CODES, status
    assert from_http_exception(418, None, None).code == "bad_request"
    assert from_http_exception(502, None, None).code == "internal"
