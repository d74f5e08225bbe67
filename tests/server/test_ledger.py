"""The service and the ledger: checks read it, only ``record=true`` with an API key writes it."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from coop_rules import api
from coop_rules.errors import CoopRulesError, LedgerError
from coop_rules.ledger.store import Ledger
from coop_rules.options import CheckOptions
from coop_rules.report import Report
from coop_rules.server.app import create_app
from coop_rules.server.service import CheckService
from coop_rules.server.settings import ServerSettings

from ..conftest import FIXTURES
from .conftest import claim_upload, client_for

KEY = {"X-API-Key": "s3cret"}


def _copy_as(claim_id: str) -> tuple[dict[str, str], list]:
    fields, files = claim_upload("compliant")
    manifest = json.loads(fields["manifest"])
    manifest["claim_id"] = claim_id
    return {"manifest": json.dumps(manifest)}, files


def test_a_recorded_claim_makes_its_copy_a_duplicate(tmp_path: Path) -> None:
    ledger = tmp_path / "team.sqlite3"
    fields, files = claim_upload("compliant")
    with client_for(ledger=str(ledger), api_keys=frozenset({"s3cret"})) as client:
        first = client.post("/v1/checks?record=true", data=fields, files=files, headers=KEY)
        assert first.status_code == 200, first.text
        assert first.headers["x-coop-recorded"] == "true"
        assert "DU01" not in {f["code"] for f in first.json()["findings"]}

        copy_fields, copy_files = _copy_as("compliant-again")
        second = client.post("/v1/checks", data=copy_fields, files=copy_files, headers=KEY)
        assert second.status_code == 200, second.text
        report = second.json()
        assert "DU01" in {f["code"] for f in report["findings"]}
        assert report["verdict"] == "fail"
        assert "x-coop-recorded" not in second.headers
        # Re-checking the recorded claim itself is no duplicate of its own record.
        again = client.post("/v1/checks", data=fields, files=files, headers=KEY).json()
        assert "DU01" not in {f["code"] for f in again["findings"]}
    with Ledger.open(ledger) as opened:  # the dry checks recorded nothing
        assert [c.claim_id for c in opened.claims()] == ["compliant"]


def test_dry_checks_never_write_the_ledger(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger" / "team.sqlite3"
    fields, files = claim_upload("compliant")
    with client_for(ledger=str(ledger), api_keys=frozenset({"s3cret"})) as client:
        for _ in range(2):
            response = client.post("/v1/checks", data=fields, files=files, headers=KEY)
            assert response.status_code == 200
            assert not {"DU01", "DU02"} & {f["code"] for f in response.json()["findings"]}
        assert client.get("/healthz").json()["ledger"] == "sqlite"
    assert not ledger.exists() and not ledger.parent.exists()


def test_recording_needs_keys_and_a_ledger(tmp_path: Path) -> None:
    ledger = str(tmp_path / "team.sqlite3")
    fields, files = claim_upload("compliant")
    with client_for(ledger=ledger) as client:  # no keys: nobody may record
        refused = client.post("/v1/checks?record=true", data=fields, files=files)
        assert refused.status_code == 403
        assert "API key" in refused.json()["message"]
    with client_for(ledger=ledger, api_keys=frozenset({"s3cret"})) as client:
        assert client.post("/v1/checks?record=true", data=fields, files=files).status_code == 401
        wrong = {"X-API-Key": "guess"}
        assert (
            client.post("/v1/checks?record=true", data=fields, files=files, headers=wrong)
        ).status_code == 401
    with client_for(api_keys=frozenset({"s3cret"})) as client:  # keys, but no ledger
        refused = client.post("/v1/checks?record=true", data=fields, files=files, headers=KEY)
        assert refused.status_code == 403
        assert "--ledger" in refused.json()["message"]
        assert client.get("/healthz").json()["ledger"] is None
        # Without a ledger a check compares with nothing: the copy is not a duplicate.
        dry = client.post("/v1/checks", data=fields, files=files, headers=KEY)
        assert dry.status_code == 200
        assert dry.json()["verdict"] == str(api.check_claim(FIXTURES / "compliant").verdict)
    assert not Path(ledger).exists()


def test_a_ledger_that_cannot_be_opened_is_503(tmp_path: Path) -> None:
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    fields, files = claim_upload("compliant")
    with client_for(ledger=str(broken)) as client:
        response = client.post("/v1/checks", data=fields, files=files)
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "ledger_unavailable"
    assert "retry-after" in response.headers
    assert str(tmp_path) not in response.text


def test_openapi_documents_record() -> None:
    with client_for() as client:
        operation = client.get("/openapi.json").json()["paths"]["/v1/checks"]["post"]
    (record,) = [p for p in operation["parameters"] if p["name"] == "record"]
    assert record["in"] == "query" and "API key" in record["description"]
    assert "403" in operation["responses"]


def _failing_with(error: Exception):
    def check(folder: Path, options: CheckOptions) -> Report:
        raise error

    return check


def test_a_ledger_error_is_503_whatever_its_message_says() -> None:
    """The service decides an outage by the error's type, not by its first words."""
    settings = ServerSettings()
    fields, files = claim_upload("compliant")
    reworded = LedgerError("database unreachable; nothing here says 'ledger' first")
    with TestClient(
        create_app(settings, service=CheckService(settings, check=_failing_with(reworded)))
    ) as client:
        outage = client.post("/v1/checks", data=fields, files=files)
    assert outage.status_code == 503, outage.text
    assert outage.json()["error"] == "ledger_unavailable"
    assert "database unreachable" not in outage.text  # the details are for the log
    # A usage error that merely starts like a ledger message is the request's: 422.
    usage = CoopRulesError("the ledger option needs a claim id (a usage error)")
    with TestClient(
        create_app(settings, service=CheckService(settings, check=_failing_with(usage)))
    ) as client:
        refused = client.post("/v1/checks", data=fields, files=files)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"] == "invalid_request"
