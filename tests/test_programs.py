"""Program data: the bundled matrices, profiles and calendars load; mistakes are all reported
with file, line and key; a --rules folder describes another vendor's program without code; the
facts derived from it (caps across the ledger's claims, proof groups, invoice lines)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from coop_rules import check_claim
from coop_rules.claim import load_claim
from coop_rules.errors import ConfigurationError
from coop_rules.evidence import Evidence, Extracted
from coop_rules.extraction.model import DocumentKind, ExtractedDocument, LineItem
from coop_rules.facts.build import claim_facts
from coop_rules.ledger.model import History, LedgerClaim
from coop_rules.programs import load_program_data

from .conftest import FIXTURES

TODAY = date(2024, 7, 20)
ACTIVITIES = {
    "print-advertising", "digital-advertising", "direct-mail", "partner-website-seo",
    "syndicated-content", "multi-touch-digital-campaign", "telemarketing", "customer-seminars",
    "tradeshows", "customer-offers", "internal-incentives", "on-site-champ", "proof-of-concept",
    "employee-purchase-web-setup", "mpn-participation", "microsoft-exams", "internal-training",
    "microsoft-hosted-conferences", "demo-units", "tv-radio",
}  # fmt: skip


def test_bundled_matrix_covers_every_activity_of_every_year() -> None:
    program_data = load_program_data()
    for year in ("FY24", "FY25", "FY26"):
        matrix = program_data.matrices[("microsoft", year)]
        assert set(matrix.activities) == ACTIVITIES, year
    fy26 = program_data.matrices[("microsoft", "FY26")].activities
    demo = fy26["demo-units"]
    assert demo.cap is not None and demo.cap.percent_of_earned == 10
    assert demo.cap.at_least == (Decimal("3000.00"), "USD")
    assert demo.surface_cap is not None and demo.surface_cap.unlimited
    assert fy26["tv-radio"].preapproval
    assert fy26["employee-purchase-web-setup"].excluded_for == ("surface-add",)
    assert program_data.calendars["microsoft"].fiscal_year(date(2024, 7, 1)) == "FY25"
    assert program_data.calendars["microsoft"].fiscal_year(date(2024, 6, 30)) == "FY24"


def test_profile_is_chosen_by_code_or_prefix() -> None:
    program_data = load_program_data()
    assert program_data.profile("MCPP-CO-OP-FY24").code == "MCPP-CO-OP"  # type: ignore[union-attr]
    assert program_data.profile("SURFACE-ADD").surface  # type: ignore[union-attr]
    assert program_data.profile("MCPP-CO-OPX") is None


def test_every_mistake_in_program_data_is_reported(tmp_path: Path) -> None:
    (tmp_path / "matrix").mkdir()
    (tmp_path / "programs").mkdir()
    (tmp_path / "matrix" / "acme.yaml").write_text(
        "matrix: acme\n"
        "fiscal_year: 2025\n"
        "activities:\n"
        "  Webinar:\n"
        "    proof: [[screenshots]]\n"
        "    cap: {group: webinars, amount: 500}\n"
        "    colour: red\n",
        encoding="utf-8",
    )
    (tmp_path / "programs" / "acme.yaml").write_text(
        "code: ACME\nname: Acme MDF\nsurface: maybe\n", encoding="utf-8"
    )
    (tmp_path / "programs" / "beta.yaml").write_text(
        "code: BETA\nname: Beta MDF\ncalendar: nowhere\n", encoding="utf-8"
    )
    with pytest.raises(ConfigurationError) as raised:
        load_program_data([tmp_path])
    problems = [str(p) for p in raised.value.problems]
    matrix, profile = tmp_path / "matrix" / "acme.yaml", tmp_path / "programs" / "acme.yaml"
    expected = [
        f"{matrix}:2: fiscal_year: '2025' is not a fiscal year",
        f"{matrix}:4: activities.Webinar: 'Webinar' is not a kebab-case activity id",
        f"{matrix}:5: activities.Webinar.proof.0: 'screenshots' is not a PoE subtype",
        f"{matrix}:6: activities.Webinar.cap.amount: expected an amount with its currency",
        f"{matrix}:7: activities.Webinar.colour: unknown key",
        f"{profile}:3: surface: expected true or false",
        f"{tmp_path / 'programs' / 'beta.yaml'}: calendar: no calendar 'nowhere'",
    ]
    for text in expected:
        assert any(p.startswith(text) for p in problems), (text, problems)
    assert len(problems) == len(expected), problems


def _vendor_program(folder: Path) -> None:
    """Another vendor's co-op: a profile, a one-row matrix and a calendar year calendar."""
    for sub in ("programs", "matrix", "calendars"):
        (folder / sub).mkdir()
    (folder / "programs" / "acme.yaml").write_text(
        "code: ACME-MDF\nname: Acme MDF\nthresholds: ['50000.00 EUR']\n"
        "calendar: acme\nmatrix: acme\n",
        encoding="utf-8",
    )
    (folder / "matrix" / "acme-2024.yaml").write_text(
        "matrix: acme\nfiscal_year: FY24\nactivities:\n"
        "  digital-advertising:\n    proof: [[screenshot]]\n"
        "    categories: [media, creative, web]\n"
        "    cap: {group: digital, percent_of_earned: 50}\n",
        encoding="utf-8",
    )
    (folder / "calendars" / "acme.yaml").write_text(
        "calendar: acme\nfiscal_year_starts: 1\nperiods:\n"
        "  FY24-H1: {usage: [2024-01-01, 2024-06-30], window: [2024-07-01, 2024-07-10]}\n",
        encoding="utf-8",
    )


def test_another_vendors_program_is_data_in_a_rules_folder(tmp_path: Path) -> None:
    _vendor_program(tmp_path)
    claim = load_claim(FIXTURES / "compliant")
    claim = replace(
        claim,
        manifest=claim.manifest.model_copy(
            update={"program": claim.manifest.program.model_copy(update={"code": "ACME-MDF-2024"})}
        ),
    )
    facts = claim_facts(claim, TODAY, program_data=load_program_data([tmp_path])).claim
    assert facts.lookup("claim.program_known") is True
    assert facts.lookup("claim.threshold") == (Decimal("50000.00"), "EUR")
    assert facts.lookup("claim.window_closes") == date(2024, 7, 10)
    assert facts.lookup("claim.cap") == (Decimal("20000.00"), "EUR")  # 50 % of 40,000 earned
    # through the API, on a copy of the claim with the vendor's program code: the window
    # closed on Jul 10 (DT01), the earnings are below the threshold (PG01), above the cap (CP01)
    folder = tmp_path / "claim"
    shutil.copytree(FIXTURES / "compliant", folder)
    manifest = folder / "claim.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("MCPP-CO-OP-FY24", "ACME-MDF-2024"),
        encoding="utf-8",
    )
    report = check_claim(folder, today=TODAY, rules_dirs=[tmp_path])
    violated = {f.code for f in report.findings if f.outcome == "violated"}
    assert violated == {"DC05", "DT01", "PG01", "CP01"}
    assert {f.code for f in check_claim(folder, today=TODAY).findings} == {"DC05", "PG07"}


def _ledger(*claims: tuple[str, str, str]) -> History:
    return History(
        "ledger.sqlite",
        tuple(
            LedgerClaim(
                cid,
                "4412345",
                "MCPP-CO-OP-FY24",
                date(2024, 1, 1),
                date(2024, 6, 30),
                kind,
                Decimal(amount),
                "USD",
                datetime(2024, 7, 1),
            )
            for cid, kind, amount in claims
        ),
    )


def test_caps_add_up_the_ledgers_earlier_claims_of_the_group() -> None:
    claim = load_claim(FIXTURES / "cp01-demo-units-over-cap")
    alone = claim_facts(claim, TODAY).claim
    assert alone.lookup("claim.cap") == (Decimal("4000.00"), "USD")
    assert alone.lookup("claim.period_cap_claimed") == (Decimal("27077.60"), "USD")
    notes = [e.note for e in alone.values["claim.period_cap_claimed"].evidence]
    assert "no earlier claims recorded in this cap group and usage period" in notes
    history = _ledger(("Q1", "demo-units", "1000.00"), ("Q2", "tv-radio", "9000.00"))
    seen = claim_facts(claim, TODAY, history=history).claim
    assert seen.lookup("claim.period_cap_claimed") == (Decimal("28077.60"), "USD")
    assert seen.lookup("claim.cap_group_claims") == 2
    assert seen.lookup("claim.ledger_remaining") == (Decimal("30000.00"), "USD")


def test_an_earlier_claim_in_another_currency_counts_at_the_ecb_rate() -> None:
    claim = load_claim(FIXTURES / "cp01-demo-units-over-cap")  # USD, submitted 2024-07-20
    earlier = _ledger(("Q1", "demo-units", "1000.00"))
    in_eur = History(
        earlier.source, tuple(replace(c, currency="EUR") for c in earlier.earlier_claims)
    )
    seen = claim_facts(claim, TODAY, history=in_eur).claim
    total = seen.lookup("claim.period_cap_claimed")
    # 1,000.00 EUR at the ECB rate of Friday 2024-07-19 (1 EUR = 1.0890 USD)
    assert total == (Decimal("27077.60") + Decimal("1089.00"), "USD")
    rates = [e for e in seen.values["claim.period_cap_claimed"].evidence if "ECB" in e.file]
    assert rates and rates[0].field == "2024-07-19"


def _invoice(*lines: tuple[str, str], subtotal: str, tax: str, total: str) -> ExtractedDocument:
    def found(value: object) -> Extracted:
        return Extracted(value, Evidence("folio.pdf", text=str(value), page=1))  # type: ignore[arg-type]

    return ExtractedDocument(
        "folio.pdf",
        "application/pdf",
        DocumentKind.INVOICE,
        {
            "vendor": found("Hotel Adlon"),
            "invoice_number": found("F-1"),
            "issue_date": found(date(2024, 3, 16)),  # a Saturday
            "currency": found("EUR"),
            "subtotal": found(Decimal(subtotal)),
            "tax": found(Decimal(tax)),
            "total": found(Decimal(total)),
        },
        line_items=tuple(
            LineItem(description=found(text), amount=found(Decimal(amount)))
            for text, amount in lines
        ),
    )


def test_invoice_lines_are_classified_and_checked() -> None:
    from coop_rules.facts.document_values import invoice_values
    from coop_rules.facts.program_values import ClaimContext

    program_data = load_program_data()
    conference = program_data.matrices[("microsoft", "FY24")].activities[
        "microsoft-hosted-conferences"
    ]
    invoice = _invoice(
        ("Room rate 2 nights", "300.00"),
        ("Minibar", "38.00"),
        ("Dinner with wine", "62.00"),
        ("Getränke", "20.00"),
        subtotal="420.00",
        tax="29.40",
        total="459.40",
    )
    values = invoice_values(
        invoice,
        "invoice",
        ClaimContext(None, conference, program_data.line_words),
        (Decimal("500.00"), "EUR"),
        {"contoso"},
        (None, None, Evidence("claim.yaml")),
    )

    def get(name: str) -> object:
        return values[name].value

    assert get("doc.extra_lines") == "Minibar"
    assert get("doc.alcohol_lines") == "Dinner with wine"
    assert get("doc.drink_lines") == "Getränke"
    assert get("doc.ineligible_lines") == "Dinner with wine"  # catering: not a conference cost
    assert get("doc.lines_total") == (Decimal("420.00"), "EUR")
    assert get("doc.subtotal_plus_tax") == (Decimal("449.40"), "EUR")  # total says 459.40
    assert get("doc.vat_rate") == "7.0 %" and get("doc.vat_rate_plausible") is True
    assert get("doc.issued_on_weekend") is True and get("doc.share_of_claim_percent") == 91
    assert get("doc.missing_core_count") == 0
