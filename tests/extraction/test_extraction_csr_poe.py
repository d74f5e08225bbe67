"""CSR workbooks and proofs of execution (coop_rules.extraction.csr / poe)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from coop_rules.extraction import DocumentKind, extract_file

Row = list[object]


def write_xlsx(path: Path, rows: list[Row], sheet: str = "CSR") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


ENGLISH_CSR: list[Row] = [
    ["Certification Statement and Report"],
    ["Partner", "Contoso Marketing GmbH"],
    ["Period of work"],
    ["From", datetime(2024, 3, 1)],
    ["To", datetime(2024, 4, 30)],
    ["Name", "Role", "Hours", "Hourly rate", "Amount"],
    ["Anna Schneider", "Head of Marketing", 16, 95, 1520],
    ["Lukas Weber", "Content Manager", 26, 72.5, 1885],
    ["Total", None, 42, None, 3405],
    ["Currency", "EUR"],
    ["I certify that the work described in this report was performed by our employees."],
    ["Signed by", "Markus Hoffmann"],
    ["Title", "Managing Director"],
    ["Date", datetime(2024, 5, 2)],
]


def test_csr_workbook(tmp_path: Path) -> None:
    doc = extract_file(write_xlsx(tmp_path / "csr.xlsx", ENGLISH_CSR), "csr.xlsx", role="csr")
    assert doc.kind is DocumentKind.CSR
    assert doc.value("total") == Decimal("3405")  # money, not the 42 hours in the same row
    assert doc.value("currency") == "EUR"
    assert doc.value("period_start") == date(2024, 3, 1)
    assert doc.value("period_end") == date(2024, 4, 30)
    assert doc.value("signatory") == "Markus Hoffmann"  # "Signed by", not the "Name" column
    assert doc.value("signatory_title") == "Managing Director"
    assert doc.value("signature_date") == date(2024, 5, 2)
    assert doc.fields["total"].evidence.cell == "CSR!E9"
    assert doc.fields["signatory"].evidence.cell == "CSR!B12"
    assert doc.fields["period_end"].evidence.page is None  # cells, not pages


def test_csr_is_recognised_without_a_role(tmp_path: Path) -> None:
    doc = extract_file(write_xlsx(tmp_path / "csr.xlsx", ENGLISH_CSR))
    assert doc.kind is DocumentKind.CSR


def test_german_csr_with_text_values(tmp_path: Path) -> None:
    rows: list[Row] = [
        ["Bestätigung Eigenleistung"],
        ["Leistungszeitraum", "01.03.2024 – 30.04.2024"],
        ["Mitarbeiter", "Stunden", "Betrag"],
        ["Anna Schneider", "16", "1.520,00 €"],
        ["Gesamtbetrag", "", "5.595,00 €"],
        ["Unterzeichnet von", "Markus Hoffmann"],
        ["Funktion", "Geschäftsführer"],
        ["Ort, Datum", "Berlin, 02.05.2024"],
    ]
    doc = extract_file(write_xlsx(tmp_path / "csr.xlsx", rows, "Tabelle1"), role="csr")
    assert doc.value("total") == Decimal("5595.00")
    assert doc.value("currency") == "EUR"
    assert (doc.value("period_start"), doc.value("period_end")) == (
        date(2024, 3, 1),
        date(2024, 4, 30),
    )
    assert doc.value("signatory") == "Markus Hoffmann"
    assert doc.value("signatory_title") == "Geschäftsführer"
    assert doc.value("signature_date") == date(2024, 5, 2)


def test_email_proof_is_dated_by_its_header(tmp_path: Path) -> None:
    path = tmp_path / "newsletter.eml"
    path.write_text(
        "From: Contoso <news@contoso.example>\nTo: list@contoso.example\n"
        "Subject: Cloud-Wochen 2024\nDate: Tue, 05 Mar 2024 09:30:00 +0100\n"
        "Content-Type: text/plain; charset=utf-8\n\nGuten Tag,\nVeranstaltung am 12.03.2024.\n",
        encoding="utf-8",
    )
    doc = extract_file(path, "newsletter.eml")
    assert doc.kind is DocumentKind.POE
    assert doc.value("poe_subtype") == "email"
    assert doc.value("execution_date") == date(2024, 3, 5)
    assert doc.fields["execution_date"].evidence.field == "Date"


def test_pdf_proof_with_a_published_date_and_a_campaign_range(tmp_path: Path) -> None:
    path = tmp_path / "screenshot.pdf"
    page = canvas.Canvas(str(path), pagesize=A4)
    page.setFont("Helvetica", 10)
    for y, text in (
        (800, "https://www.contoso.example/cloud-wochen"),
        (760, "Screenshot of the landing page"),
        (120, "Screenshot taken: 04.03.2024 10:15"),
        (100, "Published: 01.03.2024"),
        (80, "Campaign live: 01.03.2024 – 30.04.2024"),
    ):
        page.drawString(50, y, text)
    page.save()
    doc = extract_file(path, role="poe")
    assert doc.kind is DocumentKind.POE
    assert doc.value("poe_subtype") == "screenshot"
    assert doc.value("execution_date") == date(2024, 3, 1)
    assert doc.value("execution_end") == date(2024, 4, 30)
    assert doc.fields["execution_date"].evidence.page == 1


def test_image_proof_without_exif_has_a_kind_and_no_fields(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    Image.new("RGB", (40, 30), "white").save(path)
    doc = extract_file(path, role="poe")
    assert doc.kind is DocumentKind.POE
    assert doc.fields == {}


@pytest.mark.parametrize(
    ("tags", "expected", "tag"),
    [
        ({0x9003: "2024:03:15 10:22:01"}, date(2024, 3, 15), "EXIF DateTimeOriginal"),
        ({0x9004: "2023:12:01 08:00:00"}, date(2023, 12, 1), "EXIF DateTimeDigitized"),
        ({0x9003: "0000:00:00 00:00:00"}, None, None),  # a camera without a clock
    ],
)
def test_photo_is_dated_by_its_exif_capture_date(
    tmp_path: Path, tags: dict[int, str], expected: date | None, tag: str | None
) -> None:
    path = tmp_path / "booth.jpg"
    exif = Image.Exif()
    for number, value in tags.items():
        exif.get_ifd(0x8769)[number] = value
    Image.new("RGB", (40, 30), "white").save(path, exif=exif)
    doc = extract_file(path, "booth.jpg")
    assert doc.kind is DocumentKind.POE
    if expected is None:
        assert "execution_date" not in doc.fields
        return
    found = doc.fields["execution_date"]
    assert found.value == expected
    assert found.evidence.field == tag and found.evidence.file == "booth.jpg"
    assert found.evidence.text == tags[next(iter(tags))]
