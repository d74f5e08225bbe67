"""Readers: what they read, and that every bad file becomes a ReadProblem, never an exception."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import openpyxl
import pypdf
import pytest
from reportlab.pdfgen import canvas

from coop_rules.documents import ProblemKind, ReadProblem, read_document


def make_pdf(path: Path, pages: list[str], *, text: bool = True) -> Path:
    pdf = canvas.Canvas(str(path), invariant=1)
    for body in pages:
        if text:
            for i, line in enumerate(body.splitlines()):
                pdf.drawString(72, 760 - 14 * i, line)
        else:
            pdf.rect(72, 600, 200, 100, fill=1)  # a "scan": drawing, no text layer
        pdf.showPage()
    pdf.save()
    return path


def test_pdf_words_carry_page_and_box(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "inv.pdf", ["Invoice No: 4711", "Total EUR 1,234.56"])
    document = read_document(path, "inv.pdf")
    assert not isinstance(document, ReadProblem)
    assert [p.number for p in document.pages] == [1, 2]
    word = next(w for w in document.pages[1].words if w.text == "1,234.56")
    assert 72 < word.x0 < word.x1 < 300 and word.top < word.bottom
    assert "Invoice No: 4711" in document.pages[0].text


def test_xlsx_cells_keep_sheet_and_reference(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "CSR"
    sheet["A1"], sheet["B7"], sheet["C3"] = "Total", 1210.5, date(2024, 3, 1)
    workbook.save(tmp_path / "csr.xlsx")
    document = read_document(tmp_path / "csr.xlsx", "csr.xlsx")
    assert not isinstance(document, ReadProblem)
    cells = {c.locator: c.value for c in document.cells}
    assert cells["CSR!B7"] == 1210.5 and cells["CSR!A1"] == "Total"


def test_email_headers_are_read(tmp_path: Path) -> None:
    path = tmp_path / "mail.eml"
    path.write_text(
        "From: news@contoso.example\nDate: Fri, 01 Mar 2024 09:30:00 +0100\n"
        "Subject: Spring offers\n\nHello world\n",
        encoding="utf-8",
    )
    document = read_document(path, "mail.eml")
    assert not isinstance(document, ReadProblem)
    assert document.headers["Date"].startswith("Fri, 01 Mar 2024")
    assert "Hello world" in document.text


def encrypted(tmp_path: Path, user_password: str) -> Path:
    source = make_pdf(tmp_path / "plain.pdf", ["Secret invoice"])
    writer = pypdf.PdfWriter(clone_from=str(source))
    writer.encrypt(user_password=user_password, owner_password="owner")
    target = tmp_path / f"enc-{len(user_password)}.pdf"
    with target.open("wb") as handle:
        writer.write(handle)
    return target


def test_pdf_needing_a_password_is_an_encrypted_problem(tmp_path: Path) -> None:
    result = read_document(encrypted(tmp_path, "secret"), "locked.pdf")
    assert isinstance(result, ReadProblem) and result.kind is ProblemKind.ENCRYPTED
    assert "password" in result.reason and result.advice


def test_pdf_encrypted_without_user_password_still_reads(tmp_path: Path) -> None:
    result = read_document(encrypted(tmp_path, ""), "owner-only.pdf")
    assert not isinstance(result, ReadProblem)
    assert "Secret invoice" in result.pages[0].text


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"", ProblemKind.EMPTY),
        (b"%PDF-1.7\n1 0 obj <<", ProblemKind.CORRUPT),
        (b"PK\x03\x04not really a zip", ProblemKind.UNSUPPORTED),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ProblemKind.UNSUPPORTED),
        (bytes(range(256)) * 4, ProblemKind.UNSUPPORTED),
    ],
)
def test_bad_files_become_problems(tmp_path: Path, content: bytes, kind: ProblemKind) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(content)
    result = read_document(path, "bad.pdf")
    assert isinstance(result, ReadProblem), result
    assert result.kind is kind
    assert result.message.startswith("could not read bad.pdf: ")


def test_truncated_real_pdf_is_a_problem_or_partial_read(tmp_path: Path) -> None:
    whole = make_pdf(tmp_path / "whole.pdf", ["Rechnung 1", "Seite 2"]).read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(whole[: len(whole) // 3])
    result = read_document(path, "cut.pdf")
    assert isinstance(result, ReadProblem) and result.kind in (
        ProblemKind.CORRUPT,
        ProblemKind.NO_TEXT,
    )


def test_scanned_pdf_without_text_layer_is_reported(tmp_path: Path) -> None:
    result = read_document(make_pdf(tmp_path / "scan.pdf", ["x"], text=False), "scan.pdf")
    assert isinstance(result, ReadProblem) and result.kind is ProblemKind.NO_TEXT


def test_type_comes_from_content_not_extension(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Total"
    workbook.save(tmp_path / "really-a-workbook.pdf")
    document = read_document(tmp_path / "really-a-workbook.pdf")
    assert not isinstance(document, ReadProblem)
    assert document.media_type.endswith("spreadsheetml.sheet")


def test_missing_file(tmp_path: Path) -> None:
    result = read_document(tmp_path / "nope.pdf", "nope.pdf")
    assert isinstance(result, ReadProblem) and result.kind is ProblemKind.NOT_FOUND


def test_reading_never_modifies_the_file(tmp_path: Path) -> None:
    paths = [make_pdf(tmp_path / "a.pdf", ["Invoice"]), encrypted(tmp_path, "pw")]
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]
    for path in paths:
        read_document(path)
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths] == before
