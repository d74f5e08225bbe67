"""Files kept for later checks (``POST /v1/files``): on disk, shared, expiring, bounded, and ids
that never become paths."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from coop_rules import api
from coop_rules.errors import CoopRulesError
from coop_rules.server.files import ID_FORM
from coop_rules.server.service import CheckService
from coop_rules.server.settings import ServerSettings

from ..conftest import FIXTURES
from .conftest import claim_upload, client_for


def _upload_compliant(client) -> tuple[dict, list[str]]:  # type: ignore[no-untyped-def]
    fields, files = claim_upload("compliant")
    response = client.post("/v1/files", files=files)
    assert response.status_code == 201, response.text
    return json.loads(fields["manifest"]), [f["id"] for f in response.json()["files"]]


def test_files_are_shared_by_workers_and_survive_a_restart(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    with client_for(upload_dir=uploads) as first:
        manifest, ids = _upload_compliant(first)
        assert all(ID_FORM.fullmatch(i) for i in ids)
        stored = sorted(p.name for p in (uploads / "files").iterdir() if not p.name.startswith("."))
        assert stored == sorted([*ids, *(f"{i}.json" for i in ids)])
        with client_for(upload_dir=uploads) as second:  # another worker on the same folder
            report = second.post("/v1/checks", json={"manifest": manifest, "files": ids})
            assert report.status_code == 200
            assert report.json()["verdict"] == str(api.check_claim(FIXTURES / "compliant").verdict)
            assert second.delete(f"/v1/files/{ids[0]}").status_code == 204
        assert first.delete(f"/v1/files/{ids[0]}").status_code == 404  # gone for both
    # A restart: the folder and the files (until they expire) are still there.
    with client_for(upload_dir=uploads) as restarted:
        response = restarted.post("/v1/checks", json={"manifest": manifest, "files": ids[1:]})
        assert response.status_code == 200, response.text
        # Checking never consumed or changed the kept files (the check got hard links).
        assert (uploads / "files" / ids[1]).stat().st_nlink == 1
        assert list((uploads / "requests").iterdir()) == []


def test_files_expire(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    with client_for(upload_dir=uploads, stored_file_ttl=1) as client:
        manifest, ids = _upload_compliant(client)
        assert (
            client.post("/v1/files", files=[("files", ("x.pdf", b"%PDF-1.4"))]).status_code == 201
        )
        time.sleep(1.2)
        response = client.post("/v1/checks", json={"manifest": manifest, "files": ids})
        assert response.status_code == 422
        assert {p["message"] for p in response.json()["problems"]} == {
            "no such file (or it expired)"
        }
        # The next upload sweeps the expired ones off the disk.
        assert (
            client.post("/v1/files", files=[("files", ("y.pdf", b"%PDF-1.4"))]).status_code == 201
        )
    left = [p for p in (uploads / "files").iterdir() if not p.name.startswith(".")]
    assert len(left) == 2  # y.pdf and its description


def test_the_store_has_a_quota(tmp_path: Path) -> None:
    with client_for(upload_dir=tmp_path / "u", max_stored_bytes=10_000) as client:
        ok = client.post("/v1/files", files=[("files", ("a.pdf", b"a" * 6_000))])
        assert ok.status_code == 201
        full = client.post("/v1/files", files=[("files", ("b.pdf", b"b" * 6_000))])
        assert full.status_code == 507 and full.json()["error"] == "storage_full"
        assert client.delete(f"/v1/files/{ok.json()['files'][0]['id']}").status_code == 204
        assert (
            client.post("/v1/files", files=[("files", ("b.pdf", b"b" * 6_000))]).status_code == 201
        )


@pytest.mark.parametrize(
    "file_id",
    ["..", "../files/.lock", ".lock", "a" * 21, "a" * 23, "a/b" + "c" * 19, "%2e%2e", "x.json"],
)
def test_ids_never_become_paths(tmp_path: Path, file_id: str) -> None:
    uploads = tmp_path / "uploads"
    with client_for(upload_dir=uploads) as client:
        manifest, _ = _upload_compliant(client)
        response = client.post("/v1/checks", json={"manifest": manifest, "files": [file_id]})
        assert response.status_code == 422
        assert response.json()["problems"] == [
            {"location": "files[0]", "message": "no such file (or it expired)"}
        ]
        assert client.delete(f"/v1/files/{file_id}").status_code in (404, 405)
        assert client.app.state.service.files.get(file_id) is None  # type: ignore[attr-defined]


def test_a_description_naming_a_path_is_ignored(tmp_path: Path) -> None:
    # Even a tampered description cannot turn a stored file's name into a path.
    uploads = tmp_path / "uploads"
    with client_for(upload_dir=uploads) as client:
        manifest, ids = _upload_compliant(client)
        meta = uploads / "files" / f"{ids[0]}.json"
        data = json.loads(meta.read_text())
        meta.write_text(json.dumps(dict(data, name="../../escape.pdf")))
        response = client.post("/v1/checks", json={"manifest": manifest, "files": ids[:1]})
        assert response.status_code == 422
    assert not (tmp_path / "escape.pdf").exists()


def test_the_default_folder_is_private_and_removed_at_shutdown() -> None:
    with client_for() as client:
        root = client.app.state.service.uploads.path  # type: ignore[attr-defined]
        assert root.stat().st_mode & 0o777 == 0o700
        _upload_compliant(client)
    assert not root.exists()


def test_an_upload_folder_open_to_others_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o755)
    service = CheckService(ServerSettings(upload_dir=shared))
    with pytest.raises(CoopRulesError, match="chmod 700"):
        service.start()
