"""The command line as a user drives it: exit codes, formats, output files, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from coop_rules.cli import main

from .conftest import CORPUS, FIXTURES


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_compliant_claim_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", str(FIXTURES / "compliant"))
    assert code == 0
    assert "PASS" in out and "Documents" in out
    assert "pass" in err  # the summary goes to stderr


def test_late_claim_as_json_exits_1_with_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", str(FIXTURES / "dt01-late-submission"), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["format_version"] == 1 and report["verdict"] == "fail"
    (finding,) = [f for f in report["findings"] if f["code"] == "DT01"]
    assert finding["evidence"] and finding["values"]["claim.submission_date"] == "2024-09-02"


def test_fail_on_warning_turns_a_review_into_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    claim = str(FIXTURES / "dt04-invoice-date-outside-period")
    assert run(capsys, "check", claim)[0] == 0  # only a warning
    assert run(capsys, "check", claim, "--fail-on", "warning")[0] == 1


def test_output_file_is_written(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, out, err = run(
        capsys, "check", str(FIXTURES / "compliant"), "--format", "json", "-o", str(target)
    )
    assert code == 0 and out == "" and str(target) in err
    assert json.loads(target.read_text())["verdict"] == "pass"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary left


def test_today_decides_an_unstated_submission_date(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "claim"
    folder.mkdir()
    source = FIXTURES / "compliant"
    manifest = yaml.safe_load((source / "claim.yaml").read_text(encoding="utf-8"))
    del manifest["submission_date"]
    for entry in manifest["documents"]:
        (folder / entry["path"]).write_bytes((source / entry["path"]).read_bytes())
    (folder / "claim.yaml").write_text(
        yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8"
    )
    assert run(capsys, "check", str(folder), "--today", "2024-07-20")[0] == 0
    code, out, _ = run(capsys, "check", str(folder), "--today", "2024-09-30")
    assert code == 1 and "DT01" in out


def test_bad_manifest_is_one_clear_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "claim.yaml").write_text("claim_id: x\nfunds: {currency: euro}\n", encoding="utf-8")
    code, out, err = run(capsys, "check", str(tmp_path))
    assert code == 2 and out == ""
    assert "funds.currency" in err and "partner: required field is missing" in err
    assert "Traceback" not in err


def test_missing_folder_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "check", str(tmp_path / "nowhere"))
    assert code == 2 and "no claim manifest" in err


def test_bad_rules_folder_lists_problems(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "XX01.yaml").write_text("code: XX01\nname: bad\n", encoding="utf-8")
    code, _, err = run(capsys, "check", str(FIXTURES / "compliant"), "--rules", str(tmp_path))
    assert code == 2 and "XX01.yaml: requirement: required key is missing" in err


def test_rules_catalogue_and_one_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "--format", "json")
    rules = json.loads(out)["rules"]
    assert code == 0 and {r["code"] for r in rules} >= {"DT01", "AM01", "DC01", "RD01"}
    assert all(r["requirement"] and r["severity"] for r in rules)
    # Parameters keep their types, as GET /v1/rules gives them (the same rule_json).
    assert {r["code"]: r["params"] for r in rules}["DT01"] == {"deadline_days": 45}
    code, out, _ = run(capsys, "rule", "DT01")
    assert code == 0 and "What it checks" in out and "deadline_days = 45" in out
    assert run(capsys, "rule", "ZZ99")[0] == 2


@pytest.mark.parametrize("which", ["manifest", "report"])
def test_schemas_are_json(capsys: pytest.CaptureFixture[str], which: str) -> None:
    code, out, _ = run(capsys, "schema", which)
    assert code == 0 and json.loads(out)["type"] == "object"


def test_extract_contract(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "empty.pdf").write_bytes(b"")
    invoice = next((FIXTURES / "compliant").glob("*.pdf"))
    code, out, _ = run(
        capsys,
        "extract",
        str(invoice),
        str(tmp_path / "empty.pdf"),
        "--format",
        "json",
        "--no-einvoice",
    )
    assert code == 0  # it ran, even though one file could not be read
    payload = json.loads(out)
    assert payload["format_version"] == 1
    first, broken = payload["documents"]
    assert first["path"] == str(invoice) and first["problems"] == []
    assert broken["kind"] == "unreadable" and broken["problems"][0]["kind"] == "empty"
    jsonschema = pytest.importorskip("jsonschema")
    from coop_rules.report.schema import EXTRACT_SCHEMA

    jsonschema.validate(payload, EXTRACT_SCHEMA)


@pytest.mark.corpus
def test_extract_a_real_invoice(capsys: pytest.CaptureFixture[str]) -> None:
    path = CORPUS / "invoice2data" / "coolblue1.pdf"
    if not path.exists():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    code, out, _ = run(capsys, "extract", str(path), "--format", "json")
    fields = json.loads(out)["documents"][0]["fields"]
    assert code == 0
    assert fields["total"]["value"] == "717.97" and fields["currency"]["value"] == "EUR"
    assert fields["issue_date"]["value"] == "2014-04-19"
    assert fields["total"]["evidence"]["page"] == 1 and fields["total"]["evidence"]["box"]


def test_python_m_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "coop_rules", "rules"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "DT01" in result.stdout
