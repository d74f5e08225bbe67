"""Invoice extraction on small PDFs generated here with reportlab (de, en, ja, ko), and on a
workbook.

Each layout puts labels and values the way real invoices do (value beside the label, value
under a column heading, a sender line over the address window) so the tests exercise the
layout search, not a template. The CJK ones use reportlab's built-in CID fonts, whose text
pdfplumber reads back (except U+20A9 ₩ in HYGothic-Medium: the font maps only the full-width
won sign U+FFE6, which is what Korean documents print anyway).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from coop_rules.documents import Document, Page, Word
from coop_rules.extraction import DocumentKind, extract_document, extract_file

Line = tuple[float, float, str, float]  # x, y from the top, text, font size


def write_pdf(path: Path, lines: list[Line], font: str = "Helvetica") -> Path:
    if font not in ("Helvetica",):
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    page = canvas.Canvas(str(path), pagesize=A4)
    height = A4[1]
    for x, y, text, size in lines:
        page.setFont(font, size)
        page.drawString(x, height - y, text)
    page.save()
    return path


GERMAN: list[Line] = [
    (50, 60, "Kreativwerk Hamburg GmbH · Elbchaussee 12 · 22763 Hamburg", 7),
    (50, 90, "Rechnungsempfänger", 9),
    (50, 104, "Contoso Marketing GmbH", 10),
    (50, 118, "Friedrichstraße 123", 10),
    (50, 132, "10117 Berlin", 10),
    (360, 90, "RECHNUNG", 18),
    (360, 120, "Rechnungsnummer:", 10),
    (460, 120, "RE-2024-0417", 10),
    (360, 134, "Rechnungsdatum:", 10),
    (460, 134, "15.03.2024", 10),
    (360, 148, "Fällig am:", 10),
    (460, 148, "14.04.2024", 10),
    (50, 220, "Pos.", 9),
    (90, 220, "Beschreibung", 9),
    (400, 220, "Menge", 9),
    (480, 220, "Betrag", 9),
    (50, 236, "1", 10),
    (90, 236, "Kampagnenkonzept und Key Visual", 10),
    (400, 236, "1", 10),
    (480, 236, "1.037,44 €", 10),
    (360, 280, "Zwischensumme", 10),
    (480, 280, "1.037,44 €", 10),
    (360, 294, "MwSt. 19 %", 10),
    (480, 294, "197,12 €", 10),
    (360, 310, "Gesamtbetrag", 11),
    (480, 310, "1.234,56 €", 11),
    (50, 780, "Kreativwerk Hamburg GmbH · USt-IdNr.: DE298765431 · HRB 12345 Hamburg", 7),
]


def test_german_invoice(tmp_path: Path) -> None:
    doc = extract_file(write_pdf(tmp_path / "rechnung.pdf", GERMAN), "rechnung.pdf")
    assert doc.kind is DocumentKind.INVOICE
    assert doc.value("invoice_number") == "RE-2024-0417"
    assert doc.value("issue_date") == date(2024, 3, 15)
    assert doc.value("total") == Decimal("1234.56")
    assert doc.value("currency") == "EUR"
    assert doc.value("vendor") == "Kreativwerk Hamburg GmbH"
    assert doc.value("vendor_tax_id") == "DE298765431"
    assert doc.value("bill_to") == "Contoso Marketing GmbH"
    total = doc.fields["total"]
    assert total.evidence.file == "rechnung.pdf" and total.evidence.page == 1
    assert "1.234,56" in total.evidence.text
    x0, top, x1, bottom = total.evidence.box  # type: ignore[misc]
    assert 475 < x0 < x1 < 560 and 295 < top < bottom < 315  # where the gross total was drawn
    # Zwischensumme + MwSt. printed between them give it.
    assert total.evidence.note == "label: Gesamtbetrag; lines above add up"
    assert not doc.fields["issue_date"].ambiguous


ENGLISH: list[Line] = [
    (50, 60, "Emerald Reach Media Ltd", 14),
    (50, 76, "4 Grand Canal Square, Dublin 2", 9),
    (420, 60, "INVOICE", 18),
    (360, 100, "Invoice No:", 10),
    (450, 100, "ERM-24-1093", 10),
    (360, 114, "Invoice Date:", 10),
    (450, 114, "{date}", 10),
    (360, 128, "Due Date:", 10),
    (450, 128, "{due}", 10),
    (50, 140, "Bill To", 9),
    (50, 154, "Contoso Ltd", 10),
    (50, 168, "1 Main Street", 10),
    (50, 230, "Description", 9),
    (470, 230, "Amount", 9),
    (50, 246, "Programmatic display", 10),
    (470, 246, "$8,226.10", 10),
    (360, 290, "Subtotal", 10),
    (470, 290, "$8,226.10", 10),
    (360, 304, "Tax", 10),
    (470, 304, "$1,892.00", 10),
    (360, 318, "Total", 11),
    (470, 318, "$10,118.10", 11),
    (360, 332, "Amount paid", 10),
    (470, 332, "($10,118.10)", 10),
    (360, 346, "Balance due", 10),
    (470, 346, "$0.00", 10),
]


def _english(date_text: str, due_text: str) -> list[Line]:
    return [(x, y, t.format(date=date_text, due=due_text), s) for x, y, t, s in ENGLISH]


def test_english_invoice_with_an_ambiguous_date(tmp_path: Path) -> None:
    doc = extract_file(write_pdf(tmp_path / "inv.pdf", _english("03/04/2024", "05/04/2024")))
    assert doc.value("invoice_number") == "ERM-24-1093"
    assert doc.value("total") == Decimal("10118.10")  # the total, not the paid or due amount
    assert doc.value("currency") == "USD"
    assert doc.value("vendor") == "Emerald Reach Media Ltd"
    assert doc.value("bill_to") == "Contoso Ltd"
    issued = doc.fields["issue_date"]
    assert issued.ambiguous  # 3 April or March 4: recorded, not chosen silently
    assert {issued.value, *issued.alternatives} == {date(2024, 4, 3), date(2024, 3, 4)}
    assert issued.confidence <= 0.5
    assert issued.to_json()["ambiguous"] is True


def test_english_invoice_date_order_taken_from_the_same_document(tmp_path: Path) -> None:
    doc = extract_file(write_pdf(tmp_path / "inv.pdf", _english("03/04/2024", "04/18/2024")))
    issued = doc.fields["issue_date"]
    assert issued.value == date(2024, 3, 4) and not issued.ambiguous
    assert "month-first" in (issued.evidence.note or "")


JAPANESE: list[Line] = [
    (250, 50, "請求書", 20),
    (50, 100, "株式会社コントソ 御中", 12),
    (360, 100, "株式会社サンプル商事", 11),
    (360, 116, "東京都港区芝公園1-2-3", 9),
    (360, 130, "登録番号: T1234567890123", 9),
    (50, 150, "請求書番号: INV-2024-001", 10),
    (50, 166, "請求日: 2024年3月15日", 10),
    (50, 182, "お支払期限: 2024年4月30日", 10),
    (50, 230, "品名", 9),
    (300, 230, "数量", 9),
    (450, 230, "金額", 9),
    (50, 246, "バナー広告制作", 10),
    (300, 246, "1", 10),
    (450, 246, "¥112,233", 10),
    (350, 290, "小計", 10),
    (450, 290, "¥112,233", 10),
    (350, 306, "消費税(10%)", 10),
    (450, 306, "¥11,223", 10),
    (350, 322, "合計金額", 11),
    (450, 322, "¥123,456", 11),
]


def test_japanese_invoice(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "seikyusho.pdf", JAPANESE, font="HeiseiKakuGo-W5")
    doc = extract_file(path)
    assert doc.kind is DocumentKind.INVOICE
    assert doc.value("invoice_number") == "INV-2024-001"
    assert doc.value("issue_date") == date(2024, 3, 15)
    assert doc.value("total") == Decimal("123456")
    assert doc.value("currency") == "JPY"
    assert doc.value("vendor") == "株式会社サンプル商事"
    assert doc.value("vendor_tax_id") == "T1234567890123"
    assert doc.value("bill_to") == "株式会社コントソ"  # the name before 御中


KOREAN: list[Line] = [
    (250, 50, "청구서", 20),
    (50, 100, "공급자", 9),
    (50, 114, "주식회사 한빛애드", 11),
    (50, 128, "사업자등록번호: 214-86-12345", 9),
    (330, 100, "공급받는자", 9),
    (330, 114, "주식회사 콘토소", 11),
    (50, 160, "청구서 번호: HB-2024-0415", 10),
    (50, 176, "작성일자: 2024. 4. 15.", 10),
    (50, 230, "품목", 9),
    (450, 230, "금액", 9),
    (50, 246, "디스플레이 광고 집행", 10),
    (450, 246, "￦12,575,000", 10),
    (350, 290, "공급가액", 10),
    (450, 290, "￦12,575,000", 10),
    (350, 306, "세액", 10),
    (450, 306, "￦1,257,500", 10),
    (350, 322, "합계금액", 11),
    (450, 322, "￦13,832,500", 11),
]


def test_korean_invoice(tmp_path: Path) -> None:
    doc = extract_file(write_pdf(tmp_path / "cheonggu.pdf", KOREAN, font="HYGothic-Medium"))
    assert doc.value("invoice_number") == "HB-2024-0415"
    assert doc.value("issue_date") == date(2024, 4, 15)
    assert doc.value("total") == Decimal("13832500")
    assert doc.value("currency") == "KRW"
    assert doc.value("vendor") == "주식회사 한빛애드"
    assert doc.value("bill_to") == "주식회사 콘토소"
    assert doc.value("vendor_tax_id") == "214-86-12345"


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("PROFORMA-RECHNUNG", DocumentKind.PROFORMA),
        ("ANGEBOT", DocumentKind.QUOTE),
        ("GUTSCHRIFT", DocumentKind.CREDIT_NOTE),
        ("AUFTRAGSBESTÄTIGUNG", DocumentKind.ORDER_CONFIRMATION),
    ],
)
def test_blocking_kinds_are_read_from_the_title_even_with_an_invoice_role(
    tmp_path: Path, title: str, kind: DocumentKind
) -> None:
    lines = [(x, y, title if t == "RECHNUNG" else t, s) for x, y, t, s in GERMAN]
    path = write_pdf(tmp_path / "doc.pdf", lines)
    assert extract_file(path, role="invoice").kind is kind
    assert extract_file(path).kind is kind


def test_a_devis_mentioned_in_the_terms_does_not_make_a_quote(tmp_path: Path) -> None:
    lines = [
        (50, 60, "Facture n° 2022089083", 14),
        (50, 80, "Date : 28/11/2022", 10),
        (300, 300, "Total TTC : 56,02 €", 10),
        (
            50,
            500,
            "Vous pouvez régler directement cette annonce en ligne en cliquant sur le lien "
            "fourni dans l'email d'envoi du devis.",
            7,
        ),
    ]
    doc = extract_file(write_pdf(tmp_path / "facture.pdf", lines))
    assert doc.kind is DocumentKind.INVOICE
    assert doc.value("invoice_number") == "2022089083"
    assert doc.value("issue_date") == date(2022, 11, 28)
    assert doc.value("total") == Decimal("56.02")


def test_value_under_its_column_heading(tmp_path: Path) -> None:
    lines = [
        (50, 60, "FACTURE N° : F20220031", 12),
        (330, 300, "TOTAL HT", 8),
        (400, 300, "TOTAL TVA", 8),
        (470, 300, "TOTAL TTC", 8),
        (50, 318, "Les règlements reçus avant l'échéance ne donnent pas lieu à escompte.", 7),
        (335, 318, "100,80", 8),
        (405, 318, "7,02", 8),
        (475, 318, "107,82", 8),
    ]
    doc = extract_file(write_pdf(tmp_path / "facture.pdf", lines))
    assert doc.value("total") == Decimal("107.82")
    assert doc.fields["total"].evidence.note == "label: TOTAL TTC; subtotal + tax"


def test_odd_documents_never_raise() -> None:
    empty = Document("empty.pdf", "application/pdf", pages=(Page(1, 595, 842, (), ""),))
    assert extract_document(empty).fields == {}
    noise = Document(
        "noise.pdf",
        "application/pdf",
        pages=(
            Page(
                1,
                595,
                842,
                tuple(
                    Word(t, 10.0 * i, 50.0, 10.0 * i + 8, 60.0)
                    for i, t in enumerate(
                        ["Total", ":", "€", "(", ")", "Rechnung", "Nr.", "vom", "年", "Date", "-"]
                    )
                ),
                "",
            ),
        ),
    )
    result = extract_document(noise, role="invoice")
    assert result.readable and not result.problems
    image = Document("photo.png", "image/png")
    assert extract_document(image).kind is DocumentKind.POE
    assert extract_document(image).fields == {}


def test_invoice_workbook_cells(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Rechnung"
    for row in (
        ["Muster Events GmbH"],
        ["Rechnung"],
        ["Rechnungsnummer", "R-77"],
        ["Rechnungsdatum", datetime(2024, 3, 15)],
        ["Rechnungsempfänger", "Contoso Marketing GmbH"],
        [],
        ["Pos", "Beschreibung", "Betrag"],
        [1, "Messestand", 1000],
        ["Nettobetrag", None, 1000],
        ["MwSt. 19 %", None, 190],
        ["Gesamtbetrag", None, 1190],
        ["Währung", "EUR"],
    ):
        sheet.append(row)
    book.save(tmp_path / "rechnung.xlsx")
    doc = extract_file(tmp_path / "rechnung.xlsx", "rechnung.xlsx", role="invoice")
    assert doc.kind is DocumentKind.INVOICE
    assert doc.value("invoice_number") == "R-77"
    assert doc.value("issue_date") == date(2024, 3, 15)
    assert doc.value("total") == Decimal("1190")
    assert doc.value("currency") == "EUR"
    assert doc.value("vendor") == "Muster Events GmbH"
    assert doc.value("bill_to") == "Contoso Marketing GmbH"
    assert doc.fields["total"].evidence.cell == "Rechnung!C11"
    assert doc.fields["issue_date"].evidence.cell == "Rechnung!B4"
