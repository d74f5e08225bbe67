"""Subtotal, tax, amount due, due date and service period; item tables; unreadable pages.

Documents are generated here: plain-text invoices (laid out like a text export, columns set
apart by two or more spaces), PDFs drawn with reportlab, a workbook with openpyxl, and a PDF
whose only font is a Type 3 font without a Unicode map (written by hand: reportlab always adds
one).
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from coop_rules.documents import Document, ProblemKind
from coop_rules.documents.limits import Limits
from coop_rules.extraction import DocumentKind, extract_document, extract_file


def text_invoice(body: str, path: str = "invoice.txt") -> Document:
    return Document(path=path, media_type="text/plain", text=body)


# (language, invoice text, subtotal, tax, tax rate or None)
TOTALS = [
    (
        "de",
        "RECHNUNG Nr. 2024-17\nRechnungsdatum: 15.03.2024\n\n"
        "Zwischensumme      1.000,00 €\nMwSt. 19 %         190,00 €\nGesamtbetrag       1.190,00 €",
        "1000.00",
        "190.00",
        "19",
    ),
    (
        "fr",
        "FACTURE N° F-2024-09\nDate de facture : 15/03/2024\n\n"
        "Total HT      500,00 €\nTVA 20 %      100,00 €\nTotal TTC     600,00 €",
        "500.00",
        "100.00",
        "20",
    ),
    (
        "ja",
        "請求書\n請求番号: A-100\n請求日: 2024年3月15日\n\n"
        "小計      ¥10,000\n消費税（10%）      ¥1,000\n合計金額      ¥11,000",
        "10000",
        "1000",
        "10",
    ),
    (
        "ko",
        "세금계산서\n번호: 2024-001\n작성일자: 2024년 3월 15일\n\n"
        "공급가액      1,000,000원\n세액      100,000원\n합계금액      1,100,000원",
        "1000000",
        "100000",
        None,
    ),
    (
        "zh-Hant",
        "統一發票\n發票號碼: AB-12345678\n日期: 2024年3月15日\n\n"
        "銷售額      NT$10,000\n營業稅      NT$500\n總計      NT$10,500",
        "10000",
        "500",
        None,
    ),
    (
        "zh-Hans",
        "增值税普通发票\n发票号码: 12345678\n开票日期: 2024年3月15日\n\n"
        "不含税金额      ¥1,000.00\n税额      ¥130.00\n价税合计      ¥1,130.00",
        "1000.00",
        "130.00",
        None,
    ),
]


@pytest.mark.parametrize(
    ("lang", "body", "subtotal", "tax", "rate"), TOTALS, ids=[t[0] for t in TOTALS]
)
def test_subtotal_and_tax_labels_per_language(
    lang: str, body: str, subtotal: str, tax: str, rate: str | None
) -> None:
    doc = extract_document(text_invoice(body), role="invoice", einvoice=False)
    assert doc.value("subtotal") == Decimal(subtotal), doc.fields.get("subtotal")
    assert doc.value("tax") == Decimal(tax), doc.fields.get("tax")
    # subtotal + tax = total is what made the tax sure
    assert doc.value("subtotal") + doc.value("tax") == doc.value("total")
    assert doc.fields["tax"].confidence >= 0.9
    assert "label" in (doc.fields["subtotal"].evidence.note or "")
    if rate is not None:
        assert doc.value("tax_rate") == Decimal(rate)


def test_several_tax_lines_are_summed_only_when_they_add_up() -> None:
    body = (
        "INVOICE # 77\nInvoice date: 2024-03-15\n\n"
        "Subtotal      300.00\nVAT 19 %      38.00\nVAT 7 %      7.00\nTotal      345.00"
    )
    doc = extract_document(text_invoice(body), role="invoice", einvoice=False)
    assert doc.value("tax") == Decimal("45.00")
    assert "sum of 2 tax lines" in (doc.fields["tax"].evidence.note or "")
    wrong = body.replace("345.00", "350.00")
    doc = extract_document(text_invoice(wrong), role="invoice", einvoice=False)
    assert "tax" not in doc.fields  # two rates adding up to nothing printed: no guess


def test_a_vat_number_is_no_tax_amount() -> None:
    body = "INVOICE # 78\nInvoice date: 2024-03-15\nVAT: GB123456789\n\nTotal      120.00"
    doc = extract_document(text_invoice(body), role="invoice", einvoice=False)
    assert "tax" not in doc.fields


def test_due_date_and_service_period() -> None:
    body = (
        "RECHNUNG Nr. 5\nRechnungsdatum: 01.04.2024\nFällig am: 15.04.2024\n"
        "Leistungszeitraum: 01.03.2024 – 31.03.2024\n\nGesamtbetrag      100,00 €"
    )
    doc = extract_document(text_invoice(body), role="invoice", einvoice=False)
    assert doc.value("due_date") == date(2024, 4, 15)
    assert doc.value("service_start") == date(2024, 3, 1)
    assert doc.value("service_end") == date(2024, 3, 31)
    assert doc.fields["service_end"].evidence.text == "31.03.2024"


def test_a_single_date_of_supply_is_start_and_end_and_one_period_date_is_none() -> None:
    body = "INVOICE # 9\nInvoice date: 2024-04-02\nDelivery date: 2024-03-28\n\nTotal   10.00"
    doc = extract_document(text_invoice(body), role="invoice", einvoice=False)
    assert doc.value("service_start") == doc.value("service_end") == date(2024, 3, 28)
    assert "single date" in (doc.fields["service_start"].evidence.note or "")
    body = "INVOICE # 9\nInvoice date: 2024-04-02\nService period: 2024-03-01\n\nTotal   10.00"
    doc = extract_document(text_invoice(body), role="invoice", einvoice=False)
    assert "service_start" not in doc.fields and "service_end" not in doc.fields


# --- item tables ------------------------------------------------------------------------------

ROWS = [
    ("Concept and key visual", "1", "1.200,00", "1.200,00"),
    ("Banner set, 12 formats", "12", "85,00", "1.020,00"),
    ("Landing page", "1", "980,00", "980,00"),
]


def draw_invoice(path: Path, rows: list[tuple[str, str, str, str]], subtotal: str) -> Path:
    page = canvas.Canvas(str(path), pagesize=A4)
    top = A4[1]

    def text(x: float, y: float, value: str, size: float = 10, right: bool = False) -> None:
        page.setFont("Helvetica", size)
        (page.drawRightString if right else page.drawString)(x, top - y, value)

    text(50, 60, "Kreativwerk GmbH · Elbchaussee 12 · Hamburg", 8)
    text(360, 90, "RECHNUNG", 16)
    text(360, 120, "Rechnungsnummer: RE-7")
    text(360, 134, "Rechnungsdatum: 15.03.2024")
    for x, label, right in (
        (50, "Beschreibung", False),
        (330, "Menge", True),
        (420, "Einzelpreis", True),
        (520, "Betrag", True),
    ):
        text(x, 220, label, 9, right)
    y = 240
    for i, (description, quantity, price, amount) in enumerate(rows):
        text(50, y, description)
        text(330, y, quantity, right=True)
        text(420, y, price, right=True)
        text(520, y, amount, right=True)
        if i == 0:  # a description over two lines
            y += 13
            text(50, y, "incl. two rounds of changes")
        y += 18
    y += 20
    text(420, y, "Zwischensumme", right=True)
    text(520, y, subtotal, right=True)
    text(420, y + 14, "MwSt. 19 %", right=True)
    text(520, y + 14, "608,00", right=True)
    text(420, y + 28, "Gesamtbetrag", right=True)
    text(520, y + 28, "3.808,00", right=True)
    page.save()
    return path


def test_item_table_on_a_generated_invoice(tmp_path: Path) -> None:
    doc = extract_file(draw_invoice(tmp_path / "r.pdf", ROWS, "3.200,00"), "r.pdf")
    assert doc.kind is DocumentKind.INVOICE
    assert doc.value("subtotal") == Decimal("3200.00")
    items = doc.line_items
    assert [i.amount.value for i in items if i.amount] == [
        Decimal("1200.00"),
        Decimal("1020.00"),
        Decimal("980.00"),
    ]
    assert [i.quantity.value for i in items if i.quantity] == [1, 12, 1]
    assert items[1].unit_price is not None and items[1].unit_price.value == Decimal("85.00")
    assert items[0].description is not None
    assert items[0].description.value == "Concept and key visual incl. two rounds of changes"
    amount = items[2].amount
    assert amount is not None and amount.evidence.page == 1 and amount.evidence.box is not None
    assert amount.evidence.text == "980,00" and amount.confidence >= 0.9  # Σ = subtotal
    assert doc.to_json()["line_items"][2]["amount"]["value"] == "980.00"


def test_lines_that_do_not_add_up_are_reported_with_doubt(tmp_path: Path) -> None:
    misread = [*ROWS[:2], ("Landing page", "1", "980,00", "990,00")]
    doc = extract_file(draw_invoice(tmp_path / "r.pdf", misread, "3.200,00"), "r.pdf")
    assert len(doc.line_items) == 3
    amount = doc.line_items[0].amount
    assert amount is not None and amount.confidence <= 0.5
    assert "do not add up" in (amount.evidence.note or "")
    odd = doc.line_items[2].amount
    assert odd is not None and "quantity × unit price ≠ amount" in (odd.evidence.note or "")


def test_item_table_in_a_workbook(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Invoice"
    sheet.append(["Invoice", "INV-55"])
    sheet.append(["Invoice date", "2024-03-15"])
    sheet.append([])
    sheet.append(["Description", "Qty", "Unit price", "Amount"])
    sheet.append(["Booth rental", 1, 1500, 1500])
    sheet.append(["Catering", 40, 12.5, 500])
    sheet.append([])
    sheet.append(["", "", "Subtotal", 2000])
    sheet.append(["", "", "Total", 2000])
    path = tmp_path / "inv.xlsx"
    book.save(path)
    doc = extract_file(path, "inv.xlsx", role="invoice")
    assert [(i.description.value, i.amount.value) for i in doc.line_items] == [  # type: ignore[union-attr]
        ("Booth rental", Decimal("1500")),
        ("Catering", Decimal("500")),
    ]
    assert doc.line_items[1].unit_price.value == Decimal("12.5")  # type: ignore[union-attr]
    assert doc.line_items[1].amount.evidence.cell == "Invoice!D6"  # type: ignore[union-attr]


# --- pages that cannot be read -----------------------------------------------------------------


def test_a_scanned_page_is_reported_and_not_read(tmp_path: Path) -> None:
    picture = tmp_path / "scan.png"
    Image.new("RGB", (600, 800), (240, 240, 240)).save(picture)
    path = tmp_path / "mixed.pdf"
    page = canvas.Canvas(str(path), pagesize=A4)
    page.setFont("Helvetica", 10)
    page.drawString(50, 780, "INVOICE # 2024-88")
    page.drawString(50, 760, "Invoice date: 2024-03-15")
    page.drawString(50, 740, "Total: 450.00 EUR")
    page.showPage()
    page.drawImage(str(picture), 20, 20, A4[0] - 40, A4[1] - 40)
    page.save()
    doc = extract_file(path, "mixed.pdf", limits=Limits(ocr="off"))
    assert doc.readable and doc.value("total") == Decimal("450.00")
    (problem,) = doc.problems
    assert problem.kind is ProblemKind.NO_TEXT
    # (with the OCR engine missing, a hint to install it follows)
    assert problem.reason.startswith("page 2 is a scanned image; its text could not be read")


def type3_pdf(codes: bytes) -> bytes:
    """A one-page PDF whose only font is a Type 3 font with meaningless glyph names and no
    ToUnicode map, showing ``codes``: a text layer that cannot be mapped to characters."""
    names = " ".join(f"/g{i}" for i in range(256))
    procs = " ".join(f"/g{i} 6 0 R" for i in range(256))
    widths = " ".join(["500"] * 256)
    glyph = b"500 0 0 0 400 600 d1 0 0 400 600 re f"
    shown = b"\n".join(
        b"BT /F1 12 Tf 50 %d Td <%s> Tj ET" % (780 - 16 * n, codes[i : i + 40].hex().encode())
        for n, i in enumerate(range(0, len(codes), 40))
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        (
            "<< /Type /Font /Subtype /Type3 /FontBBox [0 0 500 600] "
            f"/FontMatrix [0.001 0 0 0.001 0 0] /CharProcs << {procs} >> "
            f"/Encoding << /Type /Encoding /Differences [0 {names}] >> "
            f"/FirstChar 0 /LastChar 255 /Widths [{widths}] >>"
        ).encode(),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(shown), shown),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(glyph), glyph),
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def test_a_font_without_unicode_map_gives_a_garbled_page_not_values(tmp_path: Path) -> None:
    rng = random.Random(7)
    path = tmp_path / "garbled.pdf"
    path.write_bytes(type3_pdf(bytes(rng.randrange(1, 200) for _ in range(400))))
    doc = extract_file(path, "garbled.pdf", limits=Limits(ocr="off"))
    assert doc.kind is DocumentKind.UNREADABLE and doc.fields == {}
    (problem,) = doc.problems
    assert problem.kind is ProblemKind.GARBLED
    assert problem.reason.startswith("page 1 has a garbled text layer")
