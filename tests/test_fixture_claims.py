"""The sample claims: the compliant ones pass, and each broken one breaks exactly its rule."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from coop_rules import check_claim
from coop_rules.engines import durable_available
from coop_rules.report.schema import REPORT_SCHEMA

from .conftest import FIXTURES

TODAY = date(2024, 7, 20)  # the claims state their submission dates; this only pins "today"
EXPECTED = {
    "compliant": {"DC05"},  # an unlisted photo report: info only, the claim still passes
    "compliant-ja": set(),
    "compliant-ko": set(),
    "dt01-late-submission": {"DT01"},
    "dt02-before-window": {"DT02"},
    "dt03-activity-outside-period": {"DT03"},
    "dt04-invoice-date-outside-period": {"DT04"},
    # the proof is dated outside the activity too (DT06, R4)
    "dt05-proof-date-outside-period": {"DT05", "DT06"},
    # the entered date four weeks from the printed one (R6, issue 13 item 5)
    "dt08-entered-date-weeks-off": {"DT08"},
    "am01-exceeds-remaining-funds": {"AM01"},
    "am02-currency-differs-from-funds": {"AM02"},
    # the GBP invoice counts at the ECB rate of its date: AM04 is decided (no "could not check")
    "am03-document-in-other-currency": {"AM03"},
    "am04-claimed-not-supported": {"AM04"},
    "dc01-no-cost-document": {"DC01"},
    # the partner's own invoice is addressed to its customer (IN04, R23)
    "dc02-invoice-from-partner": {"DC02", "IN04"},
    # no proof at all: the matrix's proof for digital advertising is missing too (AC01, R21)
    "dc03-no-proof-of-execution": {"DC03", "AC01"},
    "dc04-proof-without-note": {"DC04"},
    "rd01-unreadable-document": {"RD01"},
    # alcohol named only on the line under an item's amount of a letter-style caterer's invoice
    # (no item table); the wine-red tablecloth, Weinberg-Saal and alcohol-free cocktails are not
    "in09-alcohol-in-letter-invoice": {"IN09", "AC03"},
    # The activity matrix: the same campaign claimed as other activities. The agency's and the
    # media vendor's invoice lines are media costs, not eligible for seminars, exams, conferences
    # or demo units: an error where certain words name them ("impressions", IN12), a warning
    # where the words may mean another cost ("banner", IN13); AC03 says what to look at (info).
    "ac-direct-mail": set(),
    # a registration weeks before the event it dates, a script dated by its version: no error
    "ac-proof-dates-in-context": set(),
    # 03/08/2024 on a proof: 3 August is after the submission, so 8 March (no "could not check")
    "ac-ambiguous-date-in-context": set(),
    # several unlabelled dates on a proof: a warning with the candidates, not an error (DT06)
    "dt09-proof-dates-unclear": {"DT09"},
    "ac01-seminar-without-photos": {"AC01", "AC03", "IN12", "IN13"},
    "ac02-exam-without-attendees": {"AC02", "AC03", "IN12", "IN13"},
    "cp01-demo-units-over-cap": {"CP01", "IN12", "IN13"},
    "cp02-conference-four-attendees": {"CP02", "AC03", "IN12", "IN13"},
    "cp03-conference-travel-over-cap": {"CP03", "AC03", "IN12", "IN13"},
    # the USD per-person cap converted at the ECB rate (issue 13, item 3)
    "cp03-travel-over-converted-cap": {"CP03", "AC03", "IN12", "IN13"},
}


def test_every_fixture_claim_has_an_expectation() -> None:
    assert {p.name for p in FIXTURES.iterdir() if p.is_dir()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_claim_breaks_exactly_its_rule(name: str, fixture_report) -> None:
    report = fixture_report(name, TODAY)
    violated = {f.code for f in report.findings if f.outcome == "violated"}
    assert violated == EXPECTED[name], [f.message for f in report.findings]
    if name.startswith("compliant"):
        assert report.verdict == "pass", [f.message for f in report.findings]
        assert not [f for f in report.findings if f.severity != "info"]
    for finding in report.findings:
        if finding.outcome == "violated":
            assert finding.evidence, f"{finding.code} has no evidence"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_reports_match_the_report_schema(name: str, fixture_report) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    report = fixture_report(name, TODAY)
    jsonschema.validate(report.to_json(), REPORT_SCHEMA)


@pytest.mark.skipif(not durable_available(), reason="durable-rules is not importable here")
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_both_engines_agree_on_fixture_claims(name: str, fixture_report) -> None:
    durable = fixture_report(name, TODAY, "durable")
    python = fixture_report(name, TODAY, "python")
    assert durable.engine == "durable" and python.engine == "python"
    assert [f.to_json() for f in durable.findings] == [f.to_json() for f in python.findings]


def test_late_claim_finding_names_values_and_evidence(fixture_report) -> None:
    report = fixture_report("dt01-late-submission", TODAY)
    (finding,) = [f for f in report.findings if f.code == "DT01"]
    assert finding.severity == "error" and report.verdict == "fail"
    assert finding.values["claim.submission_date"] == "2024-09-02"
    assert finding.values["claim.usage_end"] == "2024-06-30"
    # the program calendar's window closes on Aug 15 (the published +46 days), not end + 45
    assert "2024-08-15" in finding.message
    fields = {e.field for e in finding.evidence}
    assert {"submission_date", "usage_period.end", "periods.FY24-H2.window"} <= fields
    assert {e.file for e in finding.evidence} == {"claim.yaml", "rules/calendars/microsoft.yaml"}


def test_matrix_claims_name_what_is_missing_and_the_cap(fixture_report) -> None:
    seminar = fixture_report("ac01-seminar-without-photos", TODAY)
    (proof,) = [f for f in seminar.findings if f.code == "AC01"]
    assert proof.message.endswith("does not have: photo.")
    assert any(e.file == "rules/matrix/FY24.yaml" for e in proof.evidence)
    demo = fixture_report("cp01-demo-units-over-cap", TODAY)
    (cap,) = [f for f in demo.findings if f.code == "CP01"]
    # 10 % of 40,000.00 USD earned beats the 3,000.00 USD floor
    assert cap.values["claim.cap"] == "4000.00 USD" or "4,000.00 USD" in cap.message
    assert "no earlier claims recorded" in " ".join(e.note or "" for e in cap.evidence)
    conference = fixture_report("cp02-conference-four-attendees", TODAY)
    outcomes = {f.code: f.outcome for f in conference.findings}
    # caps in USD against a claim in EUR: the reviewer converts, the rules say they could not
    # the USD caps converted at the ECB rate: 27,077.60 EUR and 3,850.00 EUR are within them
    assert "CP01" not in outcomes and "CP03" not in outcomes


def test_unreadable_document_is_reported_and_the_rest_still_checked(fixture_report) -> None:
    report = fixture_report("rd01-unreadable-document", TODAY)
    (finding,) = [f for f in report.findings if f.code == "RD01"]
    assert finding.message.startswith("Could not read signed-contract.pdf:")
    assert "password" in finding.message
    unreadable = report.to_json()["unreadable"]
    assert [u["path"] for u in unreadable] == ["signed-contract.pdf"]
    assert unreadable[0]["kind"] == "encrypted"
    # the invoices were still read and their amounts support the claim
    assert not [f for f in report.findings if f.code == "AM04"]


def test_invoice_fields_carry_page_evidence(fixture_report) -> None:
    report = fixture_report("compliant", TODAY)
    invoices = [d for d in report.documents if report.roles[d.path] == "invoice"]
    assert len(invoices) >= 2
    for document in invoices:
        for name in ("vendor", "issue_date", "total", "currency", "invoice_number"):
            found = document.fields.get(name)
            assert found is not None, f"{document.path}: {name} not found"
            assert found.evidence.file == document.path and found.evidence.page
            assert found.evidence.text


def test_checking_never_modifies_the_claim(tmp_path: Path) -> None:
    import hashlib

    folder = FIXTURES / "compliant"

    def hashes() -> dict[Path, str]:
        return {
            p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()
        }

    before = hashes()
    check_claim(folder, today=TODAY)
    assert hashes() == before


def test_a_rule_that_could_not_be_checked_says_why(tmp_path: Path) -> None:
    # Rates without GBP: the GBP invoice cannot be converted, so the sum is unknown.
    rates = tmp_path / "eurofxref-hist.csv"
    rates.write_text("Date,USD,\n2024-07-19,1.0890,\n", encoding="utf-8")
    report = check_claim(FIXTURES / "am03-document-in-other-currency", today=TODAY, rates=rates)
    (finding,) = [f for f in report.findings if f.code == "AM04"]
    assert finding.outcome == "not-checked" and finding.severity == "warning"
    assert "invoice-emerald-reach-ERM-24-1093.pdf is in GBP, not EUR" in finding.message
    assert report.verdict == "review"
