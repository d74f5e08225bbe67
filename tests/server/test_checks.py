"""POST /v1/checks end to end: fixture claims in, the same report out as the core gives."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import openpyxl
from fastapi.testclient import TestClient

from coop_rules import api

from ..conftest import FIXTURES
from .conftest import claim_upload, manifest_of


def _request_dirs(client: TestClient) -> list[Path]:
    return list((client.app.state.service.uploads.path / "requests").iterdir())  # type: ignore[attr-defined]


def test_compliant_claim_passes_as_json(client: TestClient) -> None:
    fields, files = claim_upload("compliant")
    response = client.post("/v1/checks", data=fields, files=files)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    report = response.json()
    expected = api.check_claim(FIXTURES / "compliant")
    assert report["claim_id"] == "compliant"
    assert report["verdict"] == str(expected.verdict) == "pass"
    assert response.headers["x-coop-verdict"] == "pass"
    assert [f["code"] for f in report["findings"]] == [f.code for f in expected.findings]
    assert sorted(d["path"] for d in report["documents"]) == sorted(name for _, (name, _) in files)
    # No temporary path reaches the client, and the request's folder is gone.
    assert tempfile.gettempdir() not in response.text
    assert _request_dirs(client) == []


def test_failing_claim_reports_its_rule(client: TestClient) -> None:
    fields, files = claim_upload("dt01-late-submission")
    report = client.post("/v1/checks", data=fields, files=files).json()
    assert report["verdict"] == "fail"
    assert "DT01" in {f["code"] for f in report["findings"]}


def test_html_report_when_accept_asks(client: TestClient) -> None:
    fields, files = claim_upload("dt04-invoice-date-outside-period")
    response = client.post(
        "/v1/checks", data=fields, files=files, headers={"Accept": "text/html,*/*;q=0.8"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert page.lstrip().lower().startswith("<!doctype html")
    assert "DT04" in page
    assert "data:image/png;base64," in page  # the evidence picture, rendered before cleanup
    assert response.headers["x-coop-verdict"] in ("review", "fail")


def test_xlsx_report_when_accept_asks(client: TestClient) -> None:
    fields, files = claim_upload("compliant")
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = client.post("/v1/checks", data=fields, files=files, headers={"Accept": xlsx})
    assert response.headers["content-type"] == xlsx
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert "Summary" in book.sheetnames


def test_files_uploaded_first_then_a_json_check(client: TestClient) -> None:
    fields, files = claim_upload("compliant")
    uploaded = client.post("/v1/files", files=files)
    assert uploaded.status_code == 201, uploaded.text
    stored = uploaded.json()["files"]
    assert [f["name"] for f in stored] == [name for _, (name, _) in files]
    assert all(f["size"] > 0 and f["expires_in"] > 0 for f in stored)
    body = {"manifest": json.loads(fields["manifest"]), "files": [f["id"] for f in stored]}
    report = client.post("/v1/checks", json=body).json()
    assert report["claim_id"] == "compliant" and report["verdict"] == "pass"
    # Deleted files are gone for the next check.
    assert client.delete(f"/v1/files/{stored[0]['id']}").status_code == 204
    again = client.post("/v1/checks", json=body)
    assert again.status_code == 422
    assert again.json()["problems"][0]["location"] == "files[0]"


def test_json_check_names_unknown_ids_and_fields(client: TestClient) -> None:
    manifest = manifest_of(FIXTURES / "compliant")
    response = client.post(
        "/v1/checks", json={"manifest": manifest, "files": ["nope", "../etc"], "x": 1}
    )
    assert response.status_code == 422
    locations = {p["location"] for p in response.json()["problems"]}
    assert locations == {"x"}
    response = client.post("/v1/checks", json={"manifest": manifest, "files": ["nope", "../x"]})
    assert {p["location"] for p in response.json()["problems"]} == {"files[0]", "files[1]"}


def test_missing_document_is_a_finding(client: TestClient) -> None:
    fields, files = claim_upload("compliant")
    missing = json.loads(fields["manifest"])["documents"][0]["path"]
    files = [f for f in files if f[1][0] != missing]
    report = client.post("/v1/checks", data=fields, files=files).json()
    assert report["verdict"] != "pass"
    assert missing in {p["path"] for p in report["unreadable"]}


def test_language_reaches_the_report(client: TestClient) -> None:
    fields, files = claim_upload("dt01-late-submission")
    response = client.post("/v1/checks?lang=de", data=fields, files=files)
    assert response.status_code == 200
    assert response.headers["content-language"] == "de"
    english = client.post("/v1/checks", data=fields, files=files).json()
    german = response.json()
    assert [f["code"] for f in german["findings"]] == [f["code"] for f in english["findings"]]
    assert [f["message"] for f in german["findings"]] != [f["message"] for f in english["findings"]]
    # Accept-Language picks it too; a language the service does not speak gives English.
    by_header = client.post(
        "/v1/checks", data=fields, files=files, headers={"Accept-Language": "de-AT, en;q=0.5"}
    )
    assert by_header.headers["content-language"] == "de"
    other = client.post("/v1/checks", data=fields, files=files, headers={"Accept-Language": "fi"})
    assert other.headers["content-language"] == "en"  # says which language it fell back to
    assert other.json()["findings"][0]["message"] == english["findings"][0]["message"]


def test_extract_one_document(client: TestClient) -> None:
    pdf = FIXTURES / "compliant" / "rechnung-kreativwerk-RE-2024-0417.pdf"
    response = client.post("/v1/extract", files=[("files", (pdf.name, pdf.read_bytes()))])
    assert response.status_code == 200
    document = response.json()["documents"][0]
    assert document["path"] == pdf.name
    assert (
        document["fields"]["total"]["value"]
        == api.extract(pdf).to_json()["fields"]["total"]["value"]
    )
    assert tempfile.gettempdir() not in response.text
    two = client.post("/v1/extract", files=[("files", ("a.pdf", b"x")), ("files", ("b.pdf", b"y"))])
    assert two.status_code == 422


def test_rules_and_health(client: TestClient) -> None:
    rules = client.get("/v1/rules").json()["rules"]
    assert {r["code"] for r in rules} == {r.code for r in api.rulebook()}
    assert client.get("/v1/rules/dt01").json()["code"] == "DT01"
    missing = client.get("/v1/rules/ZZ99")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["checks_inside"] == 0
