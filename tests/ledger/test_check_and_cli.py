"""The ledger end to end: check --record, dry checks, batches, and the ledger commands.

The claims are copies of the compliant fixture claim under other claim ids, so their cost
documents are byte-for-byte the same files: exactly what DU01 must find across claims.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from coop_rules.api import check_claim
from coop_rules.cli import main
from coop_rules.ledger.store import Ledger
from coop_rules.report import Report

from ..conftest import FIXTURES
from .conftest import copy_claim

INVOICES = {"rechnung-kreativwerk-RE-2024-0417.pdf", "invoice-emerald-reach-ERM-24-1093.pdf"}
COST_DOCUMENTS = INVOICES | {"csr-inhouse-cloud-wochen.xlsx"}


def _duplicates(report: Report, code: str = "DU01") -> dict[str, str]:
    """document → message of the ``code`` findings that were decided (not 'could not check')."""
    return {
        f.subject: f.message
        for f in report.findings
        if f.code == code and str(f.outcome) == "violated"
    }


def _unchecked(report: Report, code: str) -> set[str]:
    return {f.subject for f in report.findings if f.code == code and str(f.outcome) != "violated"}


def test_claim_checked_twice_is_a_duplicate_only_of_other_claims(
    ledger_location: str, tmp_path: Path
) -> None:
    first = copy_claim("compliant", tmp_path / "first", "LEDGER-A")
    second = copy_claim("compliant", tmp_path / "second", "LEDGER-B")
    for _ in range(2):  # the same claim recorded twice is not its own duplicate
        report = check_claim(first, ledger=ledger_location, record=True)
        assert _duplicates(report) == {} and _unchecked(report, "DU01") == set()
    report = check_claim(second, ledger=ledger_location, record=True)
    found = _duplicates(report)
    assert set(found) == COST_DOCUMENTS
    assert all("claim LEDGER-A" in m and "LEDGER-B" not in m for m in found.values())
    with Ledger.open(ledger_location) as ledger:
        assert [c.claim_id for c in ledger.claims()] == ["LEDGER-A", "LEDGER-B"]
        assert ledger.get("LEDGER-B").verdict == "fail"  # type: ignore[union-attr]
        assert {d.path for d in ledger.documents("LEDGER-A")} == COST_DOCUMENTS


def test_dry_check_reads_but_never_creates_the_ledger(tmp_path: Path, capsys) -> None:
    ledger = tmp_path / "nowhere" / "ledger.sqlite3"
    claim = copy_claim("compliant", tmp_path / "claim", "DRY-1")
    code = main(["check", str(claim), "--ledger", str(ledger), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and not ledger.exists() and not ledger.parent.exists()
    # An empty ledger was consulted: no duplicates, rather than "could not check".
    assert [f for f in report["findings"] if f["code"] in ("DU01", "DU02")] == []


def test_dry_check_does_not_record(tmp_path: Path) -> None:
    ledger = str(tmp_path / "ledger.sqlite3")
    check_claim(copy_claim("compliant", tmp_path / "a", "A"), ledger=ledger, record=True)
    check_claim(copy_claim("compliant", tmp_path / "b", "B"), ledger=ledger)  # dry
    with Ledger.open(ledger) as store:
        assert [c.claim_id for c in store.claims()] == ["A"]


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _row(claim_id: str, **document: str) -> dict[str, str]:
    row = {
        "claim_id": claim_id,
        "partner_name": "Fabrikam AG",
        "partner_id": "",
        "program": "OTHER-FY24",
        "usage_start": "2024-01-01",
        "usage_end": "2024-06-30",
        "activity_type": "seminar",
        "claimed": "11364.50",
        "currency": "EUR",
        "document": "",
        "vendor": "",
        "invoice_number": "",
        "issue_date": "",
        "total": "",
    }
    return {**row, **document}


def test_imported_claims_find_same_invoice_and_near_duplicates(tmp_path: Path) -> None:
    ledger = str(tmp_path / "ledger.sqlite3")
    rows = [
        # The same Kreativwerk invoice, its number written differently, in another system.
        _row(
            "OLD-1",
            document="scan.pdf",
            vendor="KREATIVWERK HAMBURG",
            invoice_number="re 2024 0417",
        ),
        # Emerald Reach, same amount, another number, two days before the fixture's 2024-03-20.
        _row(
            "OLD-2",
            document="emerald.pdf",
            vendor="Emerald Reach Media Limited",
            invoice_number="ERM-24-0999",
            issue_date="2024-03-18",
            total="10118.10",
        ),
        _row("OLD-2", document="other.pdf", vendor="Someone Else", total="10118.10"),
    ]
    csv_file = _write_csv(tmp_path / "earlier.csv", rows)
    assert main(["ledger", "import", str(csv_file), "--ledger", ledger]) == 0
    report = check_claim(copy_claim("compliant", tmp_path / "claim", "NEW-1"), ledger=ledger)
    exact = _duplicates(report)
    assert list(exact) == ["rechnung-kreativwerk-RE-2024-0417.pdf"]
    assert (
        "claim OLD-1 (Fabrikam AG), scan.pdf: same vendor and invoice number"
        in exact["rechnung-kreativwerk-RE-2024-0417.pdf"]
    )
    near = _duplicates(report, "DU02")
    assert list(near) == ["invoice-emerald-reach-ERM-24-1093.pdf"]
    assert "claim OLD-2 (Fabrikam AG), emerald.pdf" in near["invoice-emerald-reach-ERM-24-1093.pdf"]
    assert "2 days apart" in near["invoice-emerald-reach-ERM-24-1093.pdf"]


def test_bad_csv_names_every_bad_row_and_imports_nothing(tmp_path: Path, capsys) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    rows = [
        _row("OK-1", document="a.pdf"),
        _row("BAD-1", usage_end="2024-13-01"),
        _row("BAD-2", claimed="lots", currency="euro"),
        _row("OK-1", program="CHANGED", document="b.pdf"),
    ]
    csv_file = _write_csv(tmp_path / "earlier.csv", rows)
    assert main(["ledger", "import", str(csv_file), "--ledger", str(ledger)]) == 2
    err = capsys.readouterr().err
    assert "earlier.csv: 4 problems" in err
    assert "line 3, column usage_end: not a date in YYYY-MM-DD form: '2024-13-01'" in err
    assert "line 4, column claimed: not an amount like 1234.50: 'lots'" in err
    assert "line 4, column currency: not an ISO 4217 currency code like EUR: 'euro'" in err
    assert "line 5, column program: claim OK-1 says otherwise on line 2" in err
    assert not ledger.exists()  # nothing imported, not even the good row


def test_csv_without_required_columns_is_refused(tmp_path: Path, capsys) -> None:
    csv_file = tmp_path / "x.csv"
    csv_file.write_text("claim_id,colour\nA,red\n", encoding="utf-8")
    assert main(["ledger", "import", str(csv_file), "--ledger", str(tmp_path / "l")]) == 2
    err = capsys.readouterr().err
    assert "line 1: missing column(s): partner_name, program" in err
    assert "unknown column(s): colour" in err


def test_ledger_commands_list_show_remove(tmp_path: Path, capsys) -> None:
    ledger = str(tmp_path / "ledger.sqlite3")
    claim = copy_claim("compliant", tmp_path / "claim", "CLI-1")
    assert main(["check", str(claim), "--record", "--ledger", ledger]) == 0
    capsys.readouterr()

    assert main(["ledger", "list", "--format", "json", "--ledger", ledger]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(c["claim_id"], c["verdict"], c["claimed"]) for c in listed["claims"]] == [
        ("CLI-1", "pass", "27077.60")
    ]
    assert main(["ledger", "list", "--ledger", ledger]) == 0
    table = capsys.readouterr().out
    assert "CLI-1" in table and "Contoso Marketing GmbH" in table and "1 claim(s)" in table

    assert main(["ledger", "show", "CLI-1", "--format", "json", "--ledger", ledger]) == 0
    shown = json.loads(capsys.readouterr().out)
    by_path = {d["path"]: d for d in shown["documents"]}
    assert set(by_path) == COST_DOCUMENTS
    kreativwerk = by_path["rechnung-kreativwerk-RE-2024-0417.pdf"]
    assert kreativwerk["invoice_number"] == "RE-2024-0417" and len(kreativwerk["sha256"]) == 64

    assert main(["ledger", "remove", "CLI-1", "--ledger", ledger]) == 0
    assert main(["ledger", "show", "CLI-1", "--ledger", ledger]) == 2
    assert "no claim 'CLI-1' in the ledger" in capsys.readouterr().err
    assert main(["ledger", "remove", "CLI-1", "--ledger", ledger]) == 2


def test_environment_chooses_the_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = tmp_path / "env.sqlite3"
    monkeypatch.setenv("COOP_RULES_LEDGER", str(ledger))
    assert main(["check", str(copy_claim("compliant", tmp_path / "c", "ENV-1")), "--record"]) == 0
    assert ledger.is_file()


def test_batch_records_every_claim_and_flags_the_later_copy(tmp_path: Path, capsys) -> None:
    claims = tmp_path / "claims"
    copy_claim("compliant", claims / "one", "BATCH-1")
    copy_claim("compliant", claims / "two", "BATCH-2")
    ledger = str(tmp_path / "ledger.sqlite3")
    out = tmp_path / "out"
    args = ["check", str(claims), "--out", str(out), "--format", "json", "--jobs", "2"]
    main([*args, "--record", "--ledger", ledger])
    reports = [json.loads((out / f"BATCH-{n}.json").read_text()) for n in (1, 2)]
    flagged = [r["claim_id"] for r in reports if any(f["code"] == "DU01" for f in r["findings"])]
    assert len(flagged) == 1  # whichever was recorded second; never both, never none
    with Ledger.open(ledger) as store:
        assert sorted(c.claim_id for c in store.claims()) == ["BATCH-1", "BATCH-2"]
    # A dry re-run must not reuse reports made before the ledger changed.
    capsys.readouterr()
    main([*args, "--ledger", ledger])
    assert "unchanged" not in capsys.readouterr().err
    reports = [json.loads((out / f"BATCH-{n}.json").read_text()) for n in (1, 2)]
    assert all(any(f["code"] == "DU01" for f in r["findings"]) for r in reports)


def test_the_bundled_earlier_claims_flag_the_compliant_claim(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # fixtures/ledger/earlier-claims.csv: another partner claimed the same Kreativwerk invoice,
    # and an Emerald Reach invoice of the same amount two days earlier.
    ledger = str(tmp_path / "demo.sqlite3")
    csv_file = FIXTURES.parent / "ledger" / "earlier-claims.csv"
    assert main(["ledger", "import", str(csv_file), "--ledger", ledger]) == 0
    report = check_claim(FIXTURES / "compliant", ledger=ledger)
    assert set(_duplicates(report)) == {"rechnung-kreativwerk-RE-2024-0417.pdf"}
    assert "FAB-2024-H2-003" in _duplicates(report)["rechnung-kreativwerk-RE-2024-0417.pdf"]
    near = _duplicates(report, "DU02")
    assert set(near) == {"invoice-emerald-reach-ERM-24-1093.pdf"}
    assert "2 days apart" in near["invoice-emerald-reach-ERM-24-1093.pdf"]
    assert str(report.verdict) == "fail"
    # Without the ledger the same claim has no duplicate: the ledger alone made the difference.
    dry = check_claim(FIXTURES / "compliant", ledger=str(tmp_path / "empty.sqlite3"))
    assert not _duplicates(dry) and not _duplicates(dry, "DU02")
