"""Embedded e-invoices: CII / ZUGFeRD 1.0 / UBL XML read from PDFs, cross-checked with the page,
hostile XML that never raises, and ``einvoice=False`` that ignores attachments."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from coop_rules import check_claim
from coop_rules.documents import Document, read_document
from coop_rules.documents.model import Attachment
from coop_rules.extraction import DocumentKind, extract_document, extract_file
from coop_rules.extraction.einvoice import EInvoiceError, parse_einvoice

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
XML_FOLDERS = ("ferd-zugferd-samples", "facturx-fr", "zugferd-misc")

# ---------------------------------------------------------------------------------------------
# Hand-made documents

PAGE = [
    "Northwind Media Ltd",
    "1 High Street, London EC1A 1AA",
    "VAT ID: GB123456789",
    "",
    "Bill to: Contoso Marketing GmbH",
    "",
    "INVOICE",
    "Invoice No.: INV-1001",
    "Invoice date: 05/03/2024",  # ambiguous on the page: 5 March or 3 May
    "",
    "Campaign design                     1,000.00",
    "VAT 19%                               190.00",
    "Total                        1,190.00 EUR",
]

CII_NS = (
    'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
    'xmlns:ram="urn:un:unece:uncefact:data:standard:'
    'ReusableAggregateBusinessInformationEntity:100" '
    'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"'
)


def cii(
    *,
    total: str = "1190.00",
    due: str | None = None,
    number: str = "INV-1001",
    issued: str = "20240305",
    seller: str = "Northwind Media Ltd",
    vat: str = "GB123456789",
    buyer: str = "Contoso Marketing GmbH",
    currency: str = "EUR",
    type_code: str = "380",
) -> bytes:
    """A minimal Factur-X / ZUGFeRD 2.x (CII) invoice."""
    due_element = f'<ram:DuePayableAmount currencyID="{currency}">{due}</ram:DuePayableAmount>'
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice {CII_NS}>
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter>
      <ram:ID>urn:cen.eu:en16931:2017</ram:ID>
    </ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>{number}</ram:ID>
    <ram:TypeCode>{type_code}</ram:TypeCode>
    <ram:IssueDateTime>
      <udt:DateTimeString format="102">{issued}</udt:DateTimeString>
    </ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty>
        <ram:Name>{seller}</ram:Name>
        <ram:SpecifiedTaxRegistration>
          <ram:ID schemeID="VA">{vat}</ram:ID>
        </ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:Name>{buyer}</ram:Name></ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>{currency}</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:TaxBasisTotalAmount>1000.00</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="{currency}">190.00</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>{total}</ram:GrandTotalAmount>
        {due_element if due else ""}
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
""".encode()


def ubl(root: str = "Invoice", total: str = "1190.00") -> bytes:
    """A minimal UBL 2.1 invoice or credit note (XRechnung UBL, Peppol BIS)."""
    type_element = "InvoiceTypeCode" if root == "Invoice" else "CreditNoteTypeCode"
    code = "380" if root == "Invoice" else "381"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</cbc:CustomizationID>
  <cbc:ID>INV-1001</cbc:ID>
  <cbc:IssueDate>2024-03-05</cbc:IssueDate>
  <cbc:{type_element}>{code}</cbc:{type_element}>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PartyName><cbc:Name>Northwind</cbc:Name></cac:PartyName>
    <cac:PartyTaxScheme><cbc:CompanyID>GB123456789</cbc:CompanyID>
      <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
    <cac:PartyLegalEntity><cbc:RegistrationName>Northwind Media Ltd</cbc:RegistrationName>
    </cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cac:PartyLegalEntity><cbc:RegistrationName>Contoso Marketing GmbH</cbc:RegistrationName>
    </cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:LegalMonetaryTotal>
    <cbc:TaxExclusiveAmount currencyID="EUR">1000.00</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">{total}</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">{total}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
</{root}>
""".encode()


def make_pdf(
    path: Path, lines: list[str] = PAGE, attachments: dict[str, bytes] | None = None
) -> Path:
    """A one-page PDF with ``lines`` of text and the given embedded files."""
    plain = path.with_suffix(".plain.pdf")
    pdf = canvas.Canvas(str(plain), pagesize=A4)
    y = 800.0
    for line in lines:
        pdf.drawString(72, y, line)
        y -= 18
    pdf.save()
    writer = PdfWriter(clone_from=plain)
    for name, data in (attachments or {}).items():
        writer.add_attachment(name, data)
    writer.write(path)
    return path


def with_xml(document: Document, data: bytes, name: str = "factur-x.xml") -> Document:
    return replace(document, attachments=(Attachment(name, data, len(data)),))


@pytest.fixture(scope="module")
def page_only(tmp_path_factory: pytest.TempPathFactory) -> Document:
    read = read_document(make_pdf(tmp_path_factory.mktemp("plain") / "invoice.pdf"))
    assert isinstance(read, Document)
    return read


def values(document: object) -> dict[str, object]:
    return {name: found.value for name, found in document.fields.items()}  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------
# Parsing each syntax


def test_cii_fields_with_element_paths_as_evidence() -> None:
    found = parse_einvoice(cii(due="1190.00"), "factur-x.xml", "a.pdf")
    assert found.syntax == "CII" and found.type_code == "380"
    assert found.profile == "urn:cen.eu:en16931:2017"
    assert {n: f.value for n, f in found.fields.items()} == {
        "invoice_number": "INV-1001",
        "issue_date": date(2024, 3, 5),
        "vendor": "Northwind Media Ltd",
        "vendor_tax_id": "GB123456789",
        "bill_to": "Contoso Marketing GmbH",
        "currency": "EUR",
        "total": Decimal("1190.00"),
        "amount_due": Decimal("1190.00"),
        "subtotal": Decimal("1000.00"),
        "tax": Decimal("190.00"),
    }
    number = found.fields["invoice_number"]
    assert number.evidence.file == "a.pdf"
    assert number.evidence.field == "factur-x.xml: rsm:ExchangedDocument/ram:ID"
    assert number.evidence.text == "INV-1001"
    assert number.evidence.note == "embedded e-invoice XML"
    assert number.confidence >= 0.9


@pytest.mark.parametrize("root", ["Invoice", "CreditNote"])
def test_ubl_invoice_and_credit_note(root: str) -> None:
    found = parse_einvoice(ubl(root), "xrechnung.xml", "a.pdf")
    assert found.syntax == "UBL"
    assert found.fields["vendor"].value == "Northwind Media Ltd"  # the legal name first
    assert found.also["vendor"] == ("Northwind Media Ltd", "Northwind")
    assert found.fields["total"].value == Decimal("1190.00")
    assert found.fields["issue_date"].value == date(2024, 3, 5)
    assert found.fields["total"].evidence.field == (
        "xrechnung.xml: cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount"
    )
    assert found.credit_note is (root == "CreditNote")


def test_xml_in_utf16_and_amounts_written_without_cents() -> None:
    data = cii(total="300").decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    found = parse_einvoice(data.encode("utf-16"), "factur-x.xml", "a.pdf")
    assert found.fields["total"].value == Decimal("300.00")


def test_a_bad_value_is_left_out_and_said() -> None:
    found = parse_einvoice(cii(issued="20241345"), "factur-x.xml", "a.pdf")
    assert "issue_date" not in found.fields
    assert found.fields["total"].value == Decimal("1190.00")
    assert any("DateTimeString" in p for p in found.problems)


# ---------------------------------------------------------------------------------------------
# Cross-check with the page


def test_agreeing_xml_keeps_the_page_value_and_settles_an_ambiguous_date(
    page_only: Document,
) -> None:
    alone = extract_document(page_only, einvoice=False)
    assert alone.fields["issue_date"].ambiguous  # 05/03/2024 on an English page
    merged = extract_document(with_xml(page_only, cii()))
    assert merged.einvoice is not None and merged.einvoice.read
    assert merged.disagreements == ()
    # The page prints no subtotal: the XML's fills it; every other value is the page's.
    expected = {**values(alone), "issue_date": date(2024, 3, 5), "subtotal": Decimal("1000.00")}
    assert values(merged) == expected
    date_field = merged.fields["issue_date"]
    assert not date_field.ambiguous and date_field.evidence.page == 1  # the page's evidence
    assert "XML" in (date_field.evidence.note or "")
    total = merged.fields["total"]
    assert total.evidence.page == 1 and total.evidence.box is not None
    assert total.confidence >= 0.99 > alone.fields["total"].confidence


def test_disagreeing_total_prefers_xml_and_records_both(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "invoice.pdf", attachments={"factur-x.xml": cii(total="1290.00")})
    result = extract_file(pdf)
    assert result.einvoice is not None
    (disagreement,) = result.disagreements
    assert disagreement.field == "total"
    assert disagreement.xml.value == Decimal("1290.00")
    assert disagreement.page.value == Decimal("1190.00")
    assert disagreement.page.evidence.page == 1
    assert "GrandTotalAmount" in (disagreement.xml.evidence.field or "")
    assert disagreement.chosen == "xml" and not disagreement.xml_on_page
    assert result.einvoice.mismatches == (disagreement,)
    assert result.fields["total"].value == Decimal("1290.00")
    assert result.fields["total"].confidence < 0.9  # disputed
    out = json.loads(json.dumps(result.to_json()))
    assert out["einvoice"]["disagreements"][0]["xml"]["value"] == "1290.00"
    assert out["einvoice"]["disagreements"][0]["page"]["value"] == "1190.00"
    assert out["fields"]["total"]["value"] == "1290.00"


def test_other_field_disagreements(page_only: Document) -> None:
    xml = cii(number="INV 1001", seller="NORTHWIND MEDIA LIMITED", buyer="Fabrikam Inc.")
    result = extract_document(with_xml(page_only, xml))
    # The number equal after normalising and the seller's name equal after dropping its legal
    # form agree; the buyer does not, and Fabrikam is printed nowhere on the page.
    assert [(d.field, d.xml_on_page) for d in result.disagreements] == [("bill_to", False)]
    assert result.fields["bill_to"].value == "Fabrikam Inc."


def test_a_disagreement_printed_elsewhere_on_the_page_is_no_mismatch(page_only: Document) -> None:
    # The XML's total is the page's subtotal: printed, so the page reader's choice, not the
    # document's inconsistency.
    result = extract_document(with_xml(page_only, cii(total="1000.00")))
    (disagreement,) = result.disagreements
    assert disagreement.xml_on_page
    assert result.einvoice is not None and result.einvoice.mismatches == ()


def test_page_total_that_is_the_amount_due_is_no_disagreement(page_only: Document) -> None:
    result = extract_document(with_xml(page_only, cii(total="1290.00", due="1190.00")))
    assert result.disagreements == ()
    assert result.fields["total"].value == Decimal("1290.00")
    assert result.fields["amount_due"].value == Decimal("1190.00")


def test_credit_note_printed_negative_agrees_with_its_positive_xml(tmp_path: Path) -> None:
    lines = [line.replace("1,190.00", "-1,190.00") for line in PAGE]
    lines[6] = "CREDIT NOTE"
    pdf = make_pdf(tmp_path / "credit.pdf", lines, {"factur-x.xml": cii(type_code="381")})
    result = extract_file(pdf)
    assert result.disagreements == ()
    assert result.fields["total"].value == Decimal("-1190.00")  # as printed
    assert result.einvoice is not None
    assert result.einvoice.fields["total"].value == Decimal("1190.00")  # as the XML states it


def test_xml_fills_what_the_page_lacks_and_makes_a_plain_page_an_invoice(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "note.pdf", ["Thank you for your order."], {"factur-x.xml": cii()})
    assert extract_file(pdf, einvoice=False).kind is not DocumentKind.INVOICE
    result = extract_file(pdf)
    assert result.kind is DocumentKind.INVOICE
    assert result.value("total") == Decimal("1190.00")
    assert result.fields["total"].evidence.field and result.fields["total"].evidence.page is None


def test_an_einvoice_in_a_document_the_manifest_calls_proof_is_not_used(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "note.pdf", ["Event agenda, 5 March 2024"], {"factur-x.xml": cii()})
    result = extract_file(pdf, role="poe")
    assert result.kind is DocumentKind.POE and "total" not in result.fields
    assert result.einvoice is not None and "role poe" in result.einvoice.problems[0]


def test_no_einvoice_ignores_attachments_entirely(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "invoice.pdf", attachments={"factur-x.xml": cii(total="1290.00")})
    plain = make_pdf(tmp_path / "plain.pdf")
    off = extract_file(pdf, "invoice.pdf", einvoice=False)
    assert off.einvoice is None and off.disagreements == ()
    assert "einvoice" not in off.to_json()
    assert off.to_json() == extract_file(plain, "invoice.pdf", einvoice=False).to_json()
    assert off.value("total") == Decimal("1190.00")


def test_only_xml_attachments_are_kept_and_large_ones_are_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    pdf = make_pdf(
        tmp_path / "invoice.pdf",
        attachments={"photo.png": png, "notes.xml": b"plain text, not XML", "factur-x.xml": cii()},
    )
    read = read_document(pdf)
    assert isinstance(read, Document)
    assert [(a.name, a.skipped) for a in read.attachments] == [("factur-x.xml", None)]
    assert read.attachments[0].data == cii()

    monkeypatch.setattr("coop_rules.documents.pdf.MAX_ATTACHMENT_BYTES", 100)
    read = read_document(pdf)
    assert isinstance(read, Document)
    (large,) = read.attachments
    assert large.data == b"" and large.size == len(cii()) and "larger than" in (large.skipped or "")
    result = extract_document(read)
    assert result.einvoice is not None and not result.einvoice.read
    assert "factur-x.xml was not read: larger than" in result.einvoice.problems[0]
    assert values(result) == values(extract_document(read, einvoice=False))


# ---------------------------------------------------------------------------------------------
# Hostile and broken XML: a problem on the document, never an exception; page values kept

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
>&lol9;</rsm:CrossIndustryInvoice>
"""
EXTERNAL_ENTITY = cii(number="&xxe;").replace(
    b"<rsm:CrossIndustryInvoice",
    b'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<rsm:CrossIndustryInvoice',
    1,
)
EXTERNAL_DTD = cii().replace(
    b"<rsm:CrossIndustryInvoice",
    b'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">\n<rsm:CrossIndustryInvoice',
    1,
)
HOSTILE = {
    "billion-laughs": (LAUGHS, "DTD"),
    "external-entity": (EXTERNAL_ENTITY, "DTD"),
    "external-dtd": (EXTERNAL_DTD, "DTD"),
    "truncated": (cii()[: len(cii()) // 2], "not well-formed"),
    "garbage": (b"<<<\x00\xff not xml", "not well-formed"),
    "unknown-encoding": (b'<?xml version="1.0" encoding="x-nonesuch"?><a/>', "XML"),
    "other-xml": (b"<html><body>hello</body></html>", "not a recognised e-invoice"),
    "draft-namespace": (
        b'<rsm:Invoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CBFBUY:5"/>',
        "not a recognised e-invoice",
    ),
    "empty-einvoice": (
        b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:'
        b'CrossIndustryInvoice:100"/>',
        "without any value",
    ),
    "deep-nesting": (b"<a>" * 200_000 + b"</a>" * 200_000, "not a recognised e-invoice"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_or_broken_xml_is_a_problem_not_an_exception(
    page_only: Document, name: str
) -> None:
    data, reason = HOSTILE[name]
    with pytest.raises(EInvoiceError):
        parse_einvoice(data, "factur-x.xml", "a.pdf")
    started = time.perf_counter()
    result = extract_document(with_xml(page_only, data))
    assert time.perf_counter() - started < 5
    assert result.einvoice is not None and not result.einvoice.read
    assert result.einvoice.attachment == "factur-x.xml"
    (problem,) = result.einvoice.problems
    assert reason in problem and problem.startswith("factur-x.xml")
    assert values(result) == values(extract_document(page_only, einvoice=False))
    assert result.problems == ()  # the document itself was read
    json.dumps(result.to_json())


def test_hostile_xml_embedded_in_a_real_pdf(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "invoice.pdf", attachments={"factur-x.xml": LAUGHS})
    result = extract_file(pdf)
    assert result.readable and result.value("total") == Decimal("1190.00")
    assert result.einvoice is not None and "DTD" in result.einvoice.problems[0]


def test_a_broken_xml_does_not_hide_a_good_one(page_only: Document) -> None:
    broken = Attachment("extra.xml", b"<broken", 7)
    good = Attachment("factur-x.xml", cii(), len(cii()))
    result = extract_document(replace(page_only, attachments=(broken, good)))
    assert result.einvoice is not None and result.einvoice.read
    assert result.einvoice.attachment == "factur-x.xml"  # the standard name is tried first
    assert result.einvoice.problems == ()


# ---------------------------------------------------------------------------------------------
# The rule: AM05 flags a real mismatch in a claim


def test_claim_with_a_mismatching_einvoice_gets_am05(tmp_path: Path) -> None:
    folder = tmp_path / "claim"
    folder.mkdir()
    make_pdf(folder / "invoice.pdf", attachments={"factur-x.xml": cii(total="1290.00")})
    (folder / "claim.yaml").write_text(
        """claim_id: einvoice
partner: {legal_name: Contoso Marketing GmbH, country: DE}
program: {code: X, fiscal_year: FY24}
usage_period: {start: 2024-01-01, end: 2024-06-30}
funds: {currency: EUR, earned: '40000.00', already_claimed: '0'}
activity: {type: digital-advertising, name: x, start: 2024-03-01, end: 2024-04-30, description: x}
claimed: {amount: '1000.00', currency: EUR}
submission_date: 2024-07-20
documents:
- {path: invoice.pdf, role: invoice, note: agency invoice}
""",
        encoding="utf-8",
    )
    report = check_claim(folder, today=date(2024, 7, 20))
    (finding,) = [f for f in report.findings if f.code == "AM05"]
    assert finding.outcome == "violated" and finding.severity == "warning"
    assert "total: XML 1290.00, page 1190.00" in finding.message
    assert {e.page for e in finding.evidence} >= {1, None}
    off = check_claim(folder, today=date(2024, 7, 20), einvoice=False)
    assert not [f for f in off.findings if f.code == "AM05"]


# ---------------------------------------------------------------------------------------------
# The shared corpus: the XML's values are the truth's, and the cross-check finds the real
# mismatches the truth file records


def _corpus_cases() -> list[object]:
    if not CORPUS.is_dir():
        reason = f"the shared corpus is not at {CORPUS} (it lives next to the repository)"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason))]
    cases = []
    for folder in XML_FOLDERS:
        truth_file = CORPUS / folder / "truth.jsonl"
        for line in truth_file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                truth = json.loads(line)
                truth["path"] = str(CORPUS / folder / truth["file"])
                cases.append(pytest.param(truth, id=f"{folder}/{truth['file']}"))
    return cases


TRUTH_KEYS = {
    "vendor": "vendor",
    "issue_date": "date",
    "total": "total",
    "currency": "currency",
    "invoice_number": "invoice_number",
}


def _as_truth(name: str, value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    return str(value)


@pytest.mark.corpus
@pytest.mark.parametrize("truth", _corpus_cases())
def test_corpus_xml_values_are_the_truth(truth: dict[str, object]) -> None:
    path = Path(str(truth["path"]))
    result = extract_file(path, path.name)
    page_only = extract_file(path, path.name, einvoice=False)
    source = str(truth["truth_from"])
    if not source.startswith("embedded"):
        # Truth read by hand: no XML, or XML that cannot stand for the page (a draft format).
        assert result.einvoice is None or not result.einvoice.read
        assert result.einvoice is None or result.einvoice.problems
        assert values(result) == values(page_only)
        return
    assert result.einvoice is not None and result.einvoice.read, result.einvoice
    xml = result.einvoice.fields
    corrected = set()
    if "corrected by hand" in source:  # "…; corrected by hand to match the visible PDF: total"
        corrected = {f.strip() for f in source.rsplit(":", 1)[1].split(",")}
    for name, key in TRUTH_KEYS.items():
        if name in corrected:
            continue
        assert name in xml, name
        assert _as_truth(name, xml[name].value) == str(truth[key]), name
        assert xml[name].evidence.field and xml[name].evidence.text
    # The XML differs from the page exactly where the truth says it was corrected (the truth
    # covers only some fields: a subtotal or tax the page also prints differently is no error).
    checked = [d for d in result.einvoice.mismatches if d.field in TRUTH_KEYS]
    assert {d.field for d in checked} == corrected
    for mismatch in checked:
        assert mismatch.page.evidence.page is not None
        assert _as_truth(mismatch.field, mismatch.page.value) == str(truth[mismatch.field])


@pytest.mark.corpus
def test_corpus_einvoice_counts() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS} (it lives next to the repository)")
    carrying = recognised = 0
    for pdf in sorted(p for folder in XML_FOLDERS for p in (CORPUS / folder).glob("*.pdf")):
        read = read_document(pdf)
        assert isinstance(read, Document)
        carrying += bool(read.attachments)
        result = extract_document(read)
        recognised += bool(result.einvoice and result.einvoice.read)
    assert carrying >= 45 and recognised >= carrying - 1
