"""Checking many claims: folders found, reports and index written, unchanged claims reused,
interruptions leaving only whole files."""

from __future__ import annotations

import csv
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
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
    # Within a verdict and a top severity, the larger share of the partner's funds first.
    for a, b in itertools.pairwise(rows):
        if (a["verdict"], a["top_severity"]) == (b["verdict"], b["top_severity"]):
            assert Decimal(a["funds_share"] or "-1") >= Decimal(b["funds_share"] or "-1")
    assert rows[0]["claim_id"] == "am01-exceeds-remaining-funds"  # 180% of its funds earned
    assert rows[0]["funds_share"] == "1.8052"  # 27,077.60 of 15,000.00 EUR
    assert all((out / r["report"]).is_file() for r in rows)
    html = (out / "index.html").read_text()
    assert html.index("am01-exceeds-remaining-funds") < html.index('href="compliant.json"')
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


def test_the_index_shows_what_a_reviewer_decides_on(
    all_fixtures_as_json: tuple[int, Path],
) -> None:
    """Partner, submission date, the top finding and the share of the funds, per claim; KRW
    and JPY in their own minor units (none)."""
    _, out = all_fixtures_as_json
    with (out / "index.csv").open(newline="") as handle:
        rows = {r["claim_id"]: r for r in csv.DictReader(handle)}
    late = rows["dt01-late-submission"]
    assert late["partner"] == "Contoso Marketing GmbH" and late["submitted"] == "2024-09-02"
    assert late["top_finding"] == "DT01" and "2024-09-02" in late["top_message"]
    korean = rows["compliant-ko"]
    # 20,587,600 of 60,000,000 KRW earned
    assert korean["top_finding"] == "" and korean["funds_share"] == "0.3431"
    html = (out / "index.html").read_text()
    assert "20,587,600 KRW" in html and "2,633,700 JPY" in html and ".00 KRW" not in html
    assert "34%" in html and "2024-09-02" in html and "Contoso Marketing GmbH" in html


def test_folders_without_a_manifest_are_listed_as_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claims, out = _copy(["compliant"], tmp_path / "claims"), tmp_path / "out"
    (claims / "notes").mkdir()
    (claims / ".git").mkdir()  # hidden: not a claim anyone meant
    code = main(["check", str(claims), "--out", str(out), "--today", "2024-07-20"])
    assert code == 0
    err = capsys.readouterr().err
    assert "skipped 1 folder(s) without a claim manifest" in err and "notes" in err
    rows = list(csv.DictReader((out / "index.csv").open(newline="")))
    assert [(r["verdict"], Path(r["folder"]).name) for r in rows] == [
        ("pass", "compliant"),
        ("skipped", "notes"),
    ]
    html = (out / "index.html").read_text()
    assert "Folders skipped (no claim manifest)" in html and ".git" not in html


def test_triage_order() -> None:
    def result(claim_id: str, verdict: str, top: str | None, share: str | None) -> ClaimResult:
        # The amounts in different currencies: only the share of the funds compares them.
        amount = {"r-big": "1000000", "r-small": "200"}.get(claim_id, "10")
        currency = "KRW" if claim_id == "r-big" else "EUR"
        return ClaimResult(
            "f",
            claim_id,
            verdict,
            top_severity=top,
            claimed=amount,
            currency=currency,
            funds_share=share,
        )

    queue = sorted(
        [
            result("p", "pass", None, "0.9"),
            result("r-small", "review", "warning", "0.5"),
            result("f-warn", "fail", "error", "0.05"),
            result("r-big", "review", "warning", "0.1"),
            result("r-unknown", "review", "warning", None),
            result("f-big", "fail", "error", "0.5"),
            result("r-action", "review", "action", "0.01"),
            result("e", "error", None, None),
        ],
        key=ClaimResult.triage_key,
    )
    assert [r.claim_id for r in queue] == [
        "e",
        "f-big",
        "f-warn",
        "r-action",
        "r-small",  # 200 EUR, half its funds, before 1,000,000 KRW, a tenth of them
        "r-big",
        "r-unknown",
        "p",
    ]


def test_interrupted_batch_keeps_whole_reports_and_an_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    claims, out = _copy(SOME, tmp_path / "claims"), tmp_path / "out"
    real, calls = batch.check_one, []

    def interrupted_on_third(job: batch.ClaimJob) -> ClaimResult:
        calls.append(job)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(job)

    monkeypatch.setattr(batch, "check_one", interrupted_on_third)
    code = main(["check", str(claims), "--out", str(out), "--jobs", "1", "--today", "2024-07-20"])
    err = capsys.readouterr().err
    assert code == 130 and "interrupted" in err and "1 claim(s) were not checked" in err
    rows = list(csv.DictReader((out / "index.csv").open(newline="")))
    checked = [r for r in rows if r["verdict"] != "unchecked"]
    assert len(checked) == 2 and all((out / r["report"]).is_file() for r in checked)
    # The claim the interruption left is in the index too, unranked, without a report.
    (unchecked,) = [r for r in rows if r["verdict"] == "unchecked"]
    assert rows[-1] == unchecked and unchecked["rank"] == unchecked["report"] == ""
    assert unchecked["claim_id"] == calls[2].claim_id and "interrupted" in unchecked["error"]
    assert unchecked["folder"] == str(calls[2].folder)
    html = (out / "index.html").read_text()
    assert "Interrupted: 1 of 3 claims was not checked" in html
    listed = html.index("Claims not checked")
    assert html.index(f'<li translate="no">{calls[2].claim_id} ') > listed
    assert all(html.index(f'href="{r["report"]}"') < listed for r in checked)
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
    checked = [r for r in rows if r["verdict"] != "unchecked"]
    assert checked and not list(out.glob(".*"))
    for row in checked:  # every report the index lists is whole
        json.loads((out / row["report"]).read_text())
    total = len([p for p in FIXTURES.iterdir() if p.is_dir()])
    assert len(rows) == total  # the claims not checked are rows too
    if process.returncode == 130:
        assert len(checked) < total


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
    assert "fail" in lines[1] and "dt01-late-submission" in lines[1] and "first DT01" in lines[1]
    assert "27,077.60 EUR" in lines[2]  # the currency's minor units, thousands separated
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
