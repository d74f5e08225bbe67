"""The command line as a user drives it: exit codes, formats, output files, errors."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from coop_rules.cli import main

from .conftest import CORPUS, FIXTURES, REPO


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
    assert code == 2 and "nowhere: no such folder" in err and "manifest" not in err
    code, _, err = run(capsys, "check", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o"))
    assert code == 2 and "nowhere: no such folder" in err
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, "check", str(tmp_path / "empty"))
    assert code == 2 and "empty: no claim manifest" in err


def test_a_manifest_path_stands_for_its_claim(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", str(FIXTURES / "compliant" / "claim.yaml"))
    assert code == 0 and "PASS" in out and "compliant" in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from coop_rules.version import __version__

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"coop-rules {__version__}"


def test_extract_a_missing_file_is_a_plain_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "extract", str(tmp_path / "nothing.pdf"))
    assert code == 2 and out == ""
    assert err.strip() == f"coop-rules: error: {tmp_path / 'nothing.pdf'}: no such file"
    code, _, err = run(capsys, "extract", str(tmp_path))
    assert code == 2 and "is a folder" in err


def test_extract_does_not_take_markdown_for_an_invoice(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """This repository's README talks about invoices throughout; it is not one. A plain-text
    invoice still is."""
    invoice = tmp_path / "invoice.txt"
    invoice.write_text(
        "Kreativwerk GmbH\nInvoice no. 2024-17\nDate: 2024-03-01\nTotal: 1,190.00 EUR\n"
    )
    code, out, _ = run(capsys, "extract", str(REPO / "README.md"), str(invoice), "--format", "json")
    assert code == 0
    readme, text_invoice = json.loads(out)["documents"]
    assert readme["kind"] == "other" and text_invoice["kind"] == "invoice"


def _options(parser: argparse.ArgumentParser, path: str = "coop-rules") -> Iterator[tuple]:
    """Every option of every (sub)command: (command path, action)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _options(sub, f"{path} {name}")
        elif action.option_strings and not isinstance(
            action, (argparse._HelpAction, argparse._VersionAction)
        ):
            yield path, action


def test_every_option_says_what_it_does_and_its_default() -> None:
    from coop_rules.cli.main import _parser

    missing = []
    for command, action in _options(_parser()):
        name = f"{command} {action.option_strings[-1]}"
        takes_value = action.nargs != 0
        has_default = action.default not in (None, [], False, argparse.SUPPRESS)
        has_default |= "--format" in action.option_strings  # its default depends on --out
        if not action.help:
            missing.append(f"{name}: no help")
        elif takes_value and has_default and "default" not in action.help:
            missing.append(f"{name}: no default in its help")
    assert missing == []


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
