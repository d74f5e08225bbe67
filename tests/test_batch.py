"""Checking many claims: folders found, reports and index written, unchanged claims reused,
interruptions leaving only whole files."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from coop_rules.batch import ClaimResult, Options, find_claims, run_batch, write_atomic
from coop_rules.batch import run as batch
from coop_rules.cli import main
from coop_rules.errors import CoopRulesError
from coop_rules.report.schema import REPORT_SCHEMA

from .conftest import FIXTURES, REPO

TODAY = date(2024, 7, 20)
SOME = ["compliant", "dt01-late-submission", "am03-document-in-other-currency"]


def _copy(names: list[str], target: Path) -> Path:
    for name in names:
        shutil.copytree(FIXTURES / name, target / name)
    return target


@pytest.fixture(scope="module")
def all_fixtures_as_json(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    out = tmp_path_factory.mktemp("out")
    code = main(
        [
            "check",
            str(FIXTURES),
            "--out",
            str(out),
            "--format",
            "json",
            "--today",
            "2024-07-20",
            "--jobs",
            "2",
        ]
    )
    return code, out


def test_a_folder_of_claims_expands_to_its_claims(tmp_path: Path) -> None:
    claims = _copy(SOME, tmp_path / "claims")
    (claims / "not-a-claim").mkdir()
    assert [p.name for p in find_claims([claims])] == sorted(SOME)
    one = find_claims([claims / "compliant", claims])  # given twice: checked once
    assert [p.name for p in one] == ["compliant", *sorted(n for n in SOME if n != "compliant")]
    with pytest.raises(CoopRulesError, match="no claim manifest"):
        find_claims([claims / "not-a-claim"])


def test_every_fixture_report_matches_the_schema(all_fixtures_as_json: tuple[int, Path]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    code, out = all_fixtures_as_json
    assert code == 1  # some fixture claims fail
    reports = sorted(out.glob("*.json"))
    assert len(reports) == len([p for p in FIXTURES.iterdir() if p.is_dir()])
    jsonschema.Draft202012Validator.check_schema(REPORT_SCHEMA)
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    for path in reports:
        jsonschema.validate(json.loads(path.read_text()), REPORT_SCHEMA, format_checker=checker)


def test_the_index_is_a_triage_queue(all_fixtures_as_json: tuple[int, Path]) -> None:
    _, out = all_fixtures_as_json
    with (out / "index.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    verdicts = [r["verdict"] for r in rows]
    assert verdicts == sorted(verdicts, key=["fail", "review", "pass"].index)
    assert rows[0]["claim_id"] == "am04-claimed-not-supported"  # an error, and the most claimed
    assert all((out / r["report"]).is_file() for r in rows)
    html = (out / "index.html").read_text()
    assert html.index("am04-claimed-not-supported") < html.index('href="compliant.json"')
    assert not list(out.glob(".*"))  # no temporary file left


def test_unchanged_claims_are_not_checked_again(tmp_path: Path) -> None:
    claims, out = _copy(SOME, tmp_path / "claims"), tmp_path / "out"
    options = Options(format="html", today=TODAY)
    first = run_batch(find_claims([claims]), out, options, jobs=2)
    assert not any(r.reused for r in first.results)
    second = run_batch(find_claims([claims]), out, options, jobs=2)
    assert all(r.reused for r in second.results)
    assert {r.claim_id: r.verdict for r in second.results} == {
        r.claim_id: r.verdict for r in first.results
    }
    # A changed document, and a changed rule file, each make the claims they touch new.
    (claims / "compliant" / "claim.yaml").write_text(
        (claims / "compliant" / "claim.yaml").read_text().replace("2024-07-20", "2024-09-30")
    )
    third = {r.claim_id: r for r in run_batch(find_claims([claims]), out, options, jobs=1).results}
    assert not third["compliant"].reused and third["compliant"].verdict == "fail"
    assert third["dt01-late-submission"].reused
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(REPO / "rules" / "DT01.yaml", rules / "DT01.yaml")
    with (rules / "DT01.yaml").open("a") as handle:
        handle.write("# a comment changes the rule file, and so the key\n")
    changed = Options(format="html", today=TODAY, rules_dirs=(rules,))
    fourth = run_batch(find_claims([claims]), out, changed, jobs=1)
    assert not any(r.reused for r in fourth.results)


def test_an_invalid_manifest_is_an_error_row_not_a_crash(tmp_path: Path) -> None:
    claims = _copy(["compliant"], tmp_path / "claims")
    (claims / "broken").mkdir()
    (claims / "broken" / "claim.yaml").write_text("claim_id: broken\nfunds: {currency: euro}\n")
    code = main(["check", str(claims), "--out", str(tmp_path / "out"), "--today", "2024-07-20"])
    assert code == 2
    rows = list(csv.DictReader((tmp_path / "out" / "index.csv").open(newline="")))
    assert [r["verdict"] for r in rows] == ["error", "pass"]
    assert "funds.currency" in rows[0]["error"] and (tmp_path / "out" / "compliant.html").is_file()


def test_repeated_or_unsafe_claim_ids_get_distinct_safe_names(tmp_path: Path) -> None:
    claims = tmp_path / "claims"
    for folder, claim_id in [("a", "../x/y"), ("b", "../x/y"), ("c", "index")]:
        shutil.copytree(FIXTURES / "compliant", claims / folder)
        manifest = claims / folder / "claim.yaml"
        manifest.write_text(
            manifest.read_text().replace("claim_id: compliant", f"claim_id: '{claim_id}'")
        )
    result = run_batch(find_claims([claims]), tmp_path / "out", Options(today=TODAY), jobs=1)
    names = sorted(r.report or "" for r in result.results)
    assert names == ["index--c.html", "x_y--a.html", "x_y--b.html"]
    written = sorted(p.name for p in (tmp_path / "out").glob("*.html"))
    assert written == sorted(["index.html", *names])


def test_index_csv_neutralises_formulas_in_claim_ids(tmp_path: Path) -> None:
    claims = tmp_path / "claims"
    shutil.copytree(FIXTURES / "compliant", claims / "evil")
    manifest = claims / "evil" / "claim.yaml"
    manifest.write_text(
        manifest.read_text().replace("claim_id: compliant", "claim_id: '=cmd|\"/C calc\"!A0'")
    )
    run_batch(find_claims([claims]), tmp_path / "out", Options(format="json", today=TODAY))
    (row,) = csv.DictReader((tmp_path / "out" / "index.csv").open(newline=""))
    assert row["claim_id"] == '\'=cmd|"/C calc"!A0'


def test_triage_order() -> None:
    def result(claim_id: str, verdict: str, top: str | None, claimed: str) -> ClaimResult:
        return ClaimResult("f", claim_id, verdict, top_severity=top, claimed=claimed)

    queue = sorted(
        [
            result("p", "pass", None, "900"),
            result("r-small", "review", "warning", "10"),
            result("f-warn", "fail", "error", "5"),
            result("r-big", "review", "warning", "100"),
            result("f-big", "fail", "error", "50"),
            result("r-action", "review", "action", "1"),
            result("e", "error", None, ""),
        ],
        key=ClaimResult.triage_key,
    )
    assert [r.claim_id for r in queue] == [
        "e",
        "f-big",
        "f-warn",
        "r-action",
        "r-big",
        "r-small",
        "p",
    ]


def test_interrupted_batch_keeps_whole_reports_and_an_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    claims, out = _copy(SOME, tmp_path / "claims"), tmp_path / "out"
    real, calls = batch.check_one, []

    def interrupted_on_third(job: batch.Job) -> ClaimResult:
        calls.append(job)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(job)

    monkeypatch.setattr(batch, "check_one", interrupted_on_third)
    code = main(["check", str(claims), "--out", str(out), "--jobs", "1", "--today", "2024-07-20"])
    assert code == 130 and "interrupted" in capsys.readouterr().err
    rows = list(csv.DictReader((out / "index.csv").open(newline="")))
    assert len(rows) == 2 and all((out / r["report"]).is_file() for r in rows)
    assert not list(out.glob(".*"))


def test_atomic_write_leaves_nothing_when_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "report.html", "<p>half</p>")
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_on_a_parallel_batch(tmp_path: Path) -> None:
    """A real SIGINT to the whole process group, as a terminal sends it, mid-batch."""
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "coop_rules",
        "check",
        str(FIXTURES),
        "--out",
        str(out),
        "--jobs",
        "2",
        "--format",
        "json",
        "--today",
        "2024-07-20",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("*.json.stamp"))) < 3:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode in (130, 1), err  # 1: it had finished before the signal came
    assert b"Traceback" not in err
    rows = list(csv.DictReader((out / "index.csv").open(newline="")))
    assert rows and not list(out.glob(".*"))
    for row in rows:  # every report the index lists is whole
        json.loads((out / row["report"]).read_text())
    if process.returncode == 130:
        assert len(rows) < len([p for p in FIXTURES.iterdir() if p.is_dir()])


def test_several_claims_without_out_print_the_queue(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    claims = _copy(SOME, tmp_path / "claims")
    code = main(
        [
            "check",
            str(claims / "compliant"),
            str(claims / "dt01-late-submission"),
            "--today",
            "2024-07-20",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 1
    lines = out.splitlines()
    assert "fail" in lines[1] and "dt01-late-submission" in lines[1]
    assert "pass" in lines[2] and "\r" not in err  # no progress line when not a terminal
    # --format json prints the queue as JSON (issue 13, item 7); a report format needs --out
    assert main(["check", str(claims), "--format", "json", "--today", "2024-07-20"]) == 1
    queue = json.loads(capsys.readouterr().out)
    assert len(queue) == len(SOME) and queue[0]["claim_id"] == "dt01-late-submission"
    assert queue[0]["verdict"] == "fail" and queue[-1]["verdict"] == "pass"
    assert main(["check", str(claims), "--format", "html"]) == 2
    assert "--out" in capsys.readouterr().err


def test_a_changed_coop_rules_code_makes_every_report_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    claims, out = _copy(["compliant"], tmp_path / "claims"), tmp_path / "out"
    options = Options(format="json", today=TODAY)
    run_batch(find_claims([claims]), out, options, jobs=1)
    assert all(r.reused for r in run_batch(find_claims([claims]), out, options, jobs=1).results)
    digest = batch.code_digest()
    assert len(digest) == 16 and digest == batch.code_digest()
    monkeypatch.setattr(batch, "code_digest", lambda: "another-version")
    again = run_batch(find_claims([claims]), out, options, jobs=1)
    assert not any(r.reused for r in again.results)
