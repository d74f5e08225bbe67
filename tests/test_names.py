"""One comparison of company names and tax IDs: the same pair gets the same answer in every
place that compares them — "the vendor is the partner" (DC02), "billed to the partner"
(IN04), the ledger's duplicate keys (DU01/DU02) and the e-invoice's cross-check (AM05)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from coop_rules.claim import Claim, ClaimDocument, Role, find_manifest, load_manifest
from coop_rules.evidence import Evidence, Extracted
from coop_rules.extraction import einvoice_check
from coop_rules.extraction.model import DocumentKind, ExtractedDocument
from coop_rules.extraction.names import company_key, same_company, same_tax_id
from coop_rules.facts.build import claim_facts
from coop_rules.ledger.entry import partner_key, vendor_key

from .conftest import FIXTURES

SAME = [
    ("CONTOSO Deutschland GmbH", "Contoso-Deutschland"),
    ("Contoso Ltd.", "Contoso Limited"),
    ("Agentur Weber GmbH & Co. KG", "agentur weber"),
    ("Müller OHG", "MÜLLER"),
    ("Ｃｏｎｔｏｓｏ ＧｍｂＨ", "Contoso"),  # full-width
    ("Northwind B.V.", "Northwind BV"),
    ("Fabrikam S.r.l.", "FABRIKAM SRL"),
    ("Nordic Ads Oy", "Nordic Ads AB"),
    ("ヤマトメディア株式会社", "ヤマトメディア"),
    ("(주)한빛광고", "한빛광고 주식회사"),
    ("台灣廣告股份有限公司", "台灣廣告"),
]
DIFFERENT = [
    ("Contoso GmbH", "Fabrikam GmbH"),
    ("Agentur Weber GmbH", "Weber Druck GmbH"),
    ("ヤマトメディア株式会社", "サクラ広告株式会社"),
    ("Northwind Media Ltd", "Northwind Traders Ltd"),
]


def _claim(vendor: str, partner: str) -> Claim:
    manifest = load_manifest(find_manifest(FIXTURES / "compliant"))
    who = manifest.partner.model_copy(update={"legal_name": partner, "aliases": []})
    manifest = manifest.model_copy(update={"partner": who})

    def found(value: object) -> Extracted:
        return Extracted(value, Evidence("invoice.pdf", text=str(value), page=1))  # type: ignore[arg-type]

    extracted = ExtractedDocument(
        "invoice.pdf",
        "application/pdf",
        DocumentKind.INVOICE,
        {"vendor": found(vendor), "bill_to": found(vendor), "issue_date": found(date(2024, 3, 1))},
    )
    document = ClaimDocument(Role.INVOICE, True, None, None, extracted)
    return Claim(Path(FIXTURES / "compliant"), manifest, "claim.yaml", (document,))


def _answers(a: str, b: str) -> dict[str, bool]:
    facts = claim_facts(_claim(a, b), date(2024, 7, 20)).documents[0]
    return {
        "vendor is the partner": facts.lookup("doc.vendor_is_partner"),
        "billed to the partner": facts.lookup("doc.bill_to_is_partner"),
        "ledger vendor keys": vendor_key(a) is not None and vendor_key(a) == vendor_key(b),
        "ledger partner keys": bool(company_key(a))
        and partner_key(None, a) == partner_key(None, b),
        "e-invoice cross-check": einvoice_check._same_name(a, b),
        "same_company": same_company(a, b),
    }


@pytest.mark.parametrize(("a", "b"), SAME)
def test_the_same_company_is_the_same_everywhere(a: str, b: str) -> None:
    answers = _answers(a, b)
    assert all(answers.values()), answers


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_other_companies_are_other_everywhere(a: str, b: str) -> None:
    answers = _answers(a, b)
    assert not any(answers.values()), answers


def test_tax_ids_compare_one_way() -> None:
    assert same_tax_id("DE 123.456.789", "de123456789")
    assert same_tax_id("DE123456789", "123456789")  # with and without the country prefix
    assert not same_tax_id("DE123456789", "DE123456780")
    assert not same_tax_id("", "")
    # The partner check and the e-invoice cross-check use it.
    assert einvoice_check.same_tax_id is same_tax_id
