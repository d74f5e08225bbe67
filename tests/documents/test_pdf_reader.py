"""The PDF reader (PDFium): words and boxes as pdfplumber sees them, rotation, CJK, problems."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from pypdf.generic import RectangleObject
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from coop_rules.documents import Document, Limits, ProblemKind, ReadProblem, Word, read_document

TOLERANCE = 1.5  # points: how far a box may sit from pdfplumber's for the same word

Draw = Callable[[canvas.Canvas], None]


def make_pdf(path: Path, *pages: Draw, pagesize: tuple[float, float] = A4) -> Path:
    pdf = canvas.Canvas(str(path), pagesize=pagesize, invariant=1)
    for draw in pages:
        draw(pdf)
        pdf.showPage()
    pdf.save()
    return path


def text_at(*lines: tuple[float, float, str, float], page_height: float = A4[1]) -> Draw:
    """Draw ``(x, y from the page top, text, font size)`` lines in Helvetica."""

    def draw(pdf: canvas.Canvas) -> None:
        for x, y, text, size in lines:
            pdf.setFont("Helvetica", size)
            pdf.drawString(x, page_height - y, text)

    return draw


def read(path: Path) -> Document:
    document = read_document(path, path.name)
    assert not isinstance(document, ReadProblem), document
    return document


def plumber_words(path: Path, page: int = 0) -> list[Word]:
    with pdfplumber.open(path) as pdf:
        return [
            Word(w["text"], w["x0"], w["top"], w["x1"], w["bottom"])
            for w in pdf.pages[page].extract_words()
        ]


def assert_same_boxes(ours: list[Word], theirs: list[Word]) -> None:
    """Every word of ``theirs`` is in ``ours`` with a box within TOLERANCE."""
    for want in theirs:
        candidates = [w for w in ours if w.text == want.text]
        assert candidates, f"{want.text!r} not read; got {[w.text for w in ours]}"
        got = min(candidates, key=lambda w: abs(w.x0 - want.x0) + abs(w.top - want.top))
        deviation = max(abs(a - b) for a, b in zip(got.box, want.box, strict=True))
        assert deviation <= TOLERANCE, (got, want)


def test_boxes_are_top_left_points_like_pdfplumber(tmp_path: Path) -> None:
    path = make_pdf(
        tmp_path / "invoice.pdf",
        text_at(
            (72, 60, "RECHNUNG", 24),
            (72, 100, "Invoice No: 4711", 10),
            (320, 100, "Date: 2024-03-01", 10),
            (72, 130, "Total EUR 1,234.56", 12),
            (72, 800, "Small print at the foot of the page", 7),
        ),
    )
    page = read(path).pages[0]
    assert (page.width, page.height) == pytest.approx(A4, abs=0.01)
    theirs = plumber_words(path)
    assert sorted(w.text for w in page.words) == sorted(w.text for w in theirs)
    assert_same_boxes(list(page.words), theirs)
    # Origin top-left: the heading is at the top, the small print at the bottom.
    heading = next(w for w in page.words if w.text == "RECHNUNG")
    foot = next(w for w in page.words if w.text == "Small")
    assert heading.top < 60 < heading.bottom and foot.top < 800 < foot.bottom
    assert heading.bottom - heading.top == pytest.approx(24, abs=0.5)  # one font size high


def test_page_text_is_lines_in_reading_order(tmp_path: Path) -> None:
    path = make_pdf(
        tmp_path / "columns.pdf",
        text_at(
            (320, 100, "Rechnungsdatum: 01.03.2024", 10),  # drawn first, printed right
            (72, 100, "Kunde GmbH", 10),
            (72, 120, "Gesamtbetrag", 10),
            (160, 120, "80,65", 10),
        ),
    )
    page = read(path).pages[0]
    lines = page.text.splitlines()
    assert len(lines) == 2
    left, right = lines[0].split("  ", 1)  # a column gap is kept as several spaces
    assert left == "Kunde GmbH" and right.strip() == "Rechnungsdatum: 01.03.2024"
    assert lines[1].split() == ["Gesamtbetrag", "80,65"]
    assert [w.text for w in page.words] == [
        "Kunde",
        "GmbH",
        "Rechnungsdatum:",
        "01.03.2024",
        "Gesamtbetrag",
        "80,65",
    ]


def test_words_split_on_gaps_and_join_touching_runs(tmp_path: Path) -> None:
    def draw(pdf: canvas.Canvas) -> None:
        pdf.setFont("Helvetica", 10)
        pdf.drawString(72, 700, "Total")  # no space character, only a gap of ~1 em
        pdf.drawString(72 + pdfmetrics.stringWidth("Total", "Helvetica", 10) + 10, 700, "99.50")
        # One word printed as two runs, the second starting where the first ends.
        pdf.drawString(72, 680, "F")
        pdf.drawString(72 + pdfmetrics.stringWidth("F", "Helvetica", 10), 680, "actuurnummer:")

    page = read(make_pdf(tmp_path / "gaps.pdf", draw)).pages[0]
    assert [w.text for w in page.words] == ["Total", "99.50", "Factuurnummer:"]


def test_touching_boxes_in_two_sizes_are_two_words(tmp_path: Path) -> None:
    # A text layer made of OCR boxes: the boxes touch, each set in the size that fills its box.
    def draw(pdf: canvas.Canvas) -> None:
        pdf.setFont("Helvetica", 10)
        pdf.drawString(72, 700, "TOTAL")
        pdf.setFont("Helvetica", 16)
        pdf.drawString(72 + pdfmetrics.stringWidth("TOTAL", "Helvetica", 10), 698, "RM21.85")
        # Small capitals (about 0.75 of the capitals' size) stay in their word.
        pdf.setFont("Helvetica", 10)
        pdf.drawString(72, 680, "I")
        pdf.setFont("Helvetica", 7.5)
        pdf.drawString(72 + pdfmetrics.stringWidth("I", "Helvetica", 10), 680, "NVOICE")

    page = read(make_pdf(tmp_path / "sizes.pdf", draw)).pages[0]
    assert [w.text for w in page.words] == ["TOTAL", "RM21.85", "INVOICE"]


def test_multi_page(tmp_path: Path) -> None:
    path = make_pdf(
        tmp_path / "three.pdf",
        text_at((72, 100, "Invoice 1 of 3", 10)),
        text_at((72, 100, "Line items", 10)),
        text_at((72, 300, "Total EUR 99.50", 10)),
    )
    document = read(path)
    assert [p.number for p in document.pages] == [1, 2, 3]
    assert [p.text for p in document.pages] == ["Invoice 1 of 3", "Line items", "Total EUR 99.50"]
    for index, page in enumerate(document.pages):
        assert_same_boxes(list(page.words), plumber_words(path, index))
    assert "Line items\nTotal EUR 99.50" in document.full_text


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotated_page_with_upright_text(tmp_path: Path, rotation: int) -> None:
    # A landscape scan or export: the page has /Rotate and its content is drawn turned the
    # other way, so that a viewer shows it upright.
    width, height = A4

    def draw(pdf: canvas.Canvas) -> None:
        def put(x: float, y: float, text: str) -> None:  # x, y as displayed, from the top left
            pdf.saveState()
            if rotation == 90:
                pdf.translate(y, x)
                pdf.rotate(90)
            elif rotation == 180:
                pdf.translate(width - x, y)
                pdf.rotate(180)
            else:
                pdf.translate(width - y, height - x)
                pdf.rotate(-90)
            pdf.setFont("Helvetica", 12)
            pdf.drawString(0, 0, text)
            pdf.restoreState()

        put(72, 100, "Invoice number 4711")
        put(72, 120, "Total EUR 99.50")

    path = make_pdf(tmp_path / "turned.pdf", draw)
    writer = pypdf.PdfWriter(clone_from=str(path))
    writer.pages[0].rotate(rotation)
    writer.write(path)

    page = read(path).pages[0]
    shown = (height, width) if rotation in (90, 270) else (width, height)
    assert (page.width, page.height) == pytest.approx(shown, abs=0.01)
    assert page.text.splitlines() == ["Invoice number 4711", "Total EUR 99.50"]
    assert_same_boxes(list(page.words), plumber_words(path))
    invoice = page.words[0]
    assert invoice.x0 == pytest.approx(72, abs=0.5) and invoice.top < 100 < invoice.bottom


def test_rotated_page_with_unturned_text_keeps_whole_words(tmp_path: Path) -> None:
    # Upright content on a page shown a quarter turn clockwise: the text reads downwards.
    path = make_pdf(tmp_path / "page.pdf", text_at((72, 100, "Invoice number 4711", 12)))
    writer = pypdf.PdfWriter(clone_from=str(path))
    writer.pages[0].rotate(90)
    writer.write(path)
    page = read(path).pages[0]
    assert [w.text for w in page.words] == ["Invoice", "number", "4711"]
    invoice = page.words[0]
    assert invoice.bottom - invoice.top > invoice.x1 - invoice.x0  # a tall, narrow word
    assert_same_boxes(list(page.words), plumber_words(path))


def test_crop_box_offsets_are_taken_off(tmp_path: Path) -> None:
    # Boxes are relative to the visible page (the CropBox), which is what a viewer shows.
    path = make_pdf(
        tmp_path / "big.pdf",
        text_at((100, 200, "Invoice 4711", 12), page_height=800),
        pagesize=(600, 800),
    )
    writer = pypdf.PdfWriter(clone_from=str(path))
    writer.pages[0].mediabox = RectangleObject((-50, -50, 600, 800))
    writer.pages[0].cropbox = RectangleObject((20, 30, 500, 700))
    writer.write(path)
    page = read(path).pages[0]
    assert (page.width, page.height) == pytest.approx((480, 670))
    word = page.words[0]
    assert word.text == "Invoice"
    assert word.x0 == pytest.approx(100 - 20, abs=0.1)
    # Baseline at y = 600 in user space, 100 under the CropBox top: the word straddles it.
    assert word.top < 100 < word.bottom and word.bottom - 100 < 3


def test_cjk_text_comes_back(tmp_path: Path) -> None:
    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiKakuGo-W5"))

    def draw(pdf: canvas.Canvas) -> None:
        pdf.setFont("HeiseiKakuGo-W5", 12)
        pdf.drawString(72, 760, "請求書番号 INV-2024-001")
        pdf.drawString(72, 740, "株式会社コントソ 御中")
        pdf.drawString(72, 720, "合計金額 ¥12,345")

    path = make_pdf(tmp_path / "ja.pdf", draw)
    page = read(path).pages[0]
    assert page.text.splitlines() == [
        "請求書番号 INV-2024-001",
        "株式会社コントソ 御中",
        "合計金額 ¥12,345",
    ]
    assert_same_boxes(list(page.words), plumber_words(path))


def test_ligatures_are_expanded(tmp_path: Path) -> None:
    pdfmetrics.registerFont(TTFont("Vera", "Vera.ttf"))  # shipped with reportlab; has U+FB01

    def draw(pdf: canvas.Canvas) -> None:
        pdf.setFont("Vera", 11)
        pdf.drawString(72, 760, "Zertiﬁkat ﬂach")

    page = read(make_pdf(tmp_path / "lig.pdf", draw)).pages[0]
    assert [w.text for w in page.words] == ["Zertifikat", "flach"]


def encrypted(tmp_path: Path, user_password: str) -> Path:
    source = make_pdf(tmp_path / "plain.pdf", text_at((72, 100, "Secret invoice 4711", 10)))
    writer = pypdf.PdfWriter(clone_from=str(source))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    target = tmp_path / f"encrypted-{len(user_password)}.pdf"
    writer.write(target)
    return target


def test_pdf_needing_a_password_is_encrypted(tmp_path: Path) -> None:
    result = read_document(encrypted(tmp_path, "secret"), "locked.pdf")
    assert isinstance(result, ReadProblem) and result.kind is ProblemKind.ENCRYPTED
    assert "password" in result.reason


def test_pdf_with_only_an_owner_password_is_read(tmp_path: Path) -> None:
    page = read(encrypted(tmp_path, "")).pages[0]
    assert page.text == "Secret invoice 4711"


def two_pages(tmp_path: Path) -> bytes:
    return make_pdf(
        tmp_path / "whole.pdf", text_at((72, 100, "Rechnung 1", 10)), text_at((72, 100, "2", 10))
    ).read_bytes()


@pytest.mark.parametrize("keep", [0.1, 1 / 3, 0.5, 0.9])
def test_truncated_pdf_is_corrupt(tmp_path: Path, keep: float) -> None:
    whole = two_pages(tmp_path)
    path = tmp_path / "cut.pdf"
    path.write_bytes(whole[: int(len(whole) * keep)])
    result = read_document(path, "cut.pdf")
    assert isinstance(result, ReadProblem) and result.kind is ProblemKind.CORRUPT, result
    assert result.reason == "not a valid PDF (damaged or truncated)"


def test_pdf_missing_only_its_trailer_is_read(tmp_path: Path) -> None:
    # PDFium rebuilds a lost cross-reference table from the objects, as viewers do.
    whole = two_pages(tmp_path)
    path = tmp_path / "cut.pdf"
    path.write_bytes(whole[: whole.rindex(b"xref")])
    assert [p.text for p in read(path).pages] == ["Rechnung 1", "2"]


def test_page_without_text_is_no_text(tmp_path: Path) -> None:
    def scan(pdf: canvas.Canvas) -> None:
        pdf.rect(72, 600, 200, 100, fill=1)

    result = read_document(make_pdf(tmp_path / "scan.pdf", scan, scan), "scan.pdf")
    assert isinstance(result, ReadProblem) and result.kind is ProblemKind.NO_TEXT
    assert "2 page(s)" in result.reason


def test_a_text_page_among_scans_is_read(tmp_path: Path) -> None:
    def scan(pdf: canvas.Canvas) -> None:
        pdf.rect(72, 600, 200, 100, fill=1)

    path = make_pdf(tmp_path / "mixed.pdf", scan, text_at((72, 100, "Total 5", 10)))
    document = read(path)
    assert [p.has_text for p in document.pages] == [False, True]
    assert document.pages[0].words == () and document.pages[0].text == ""


def test_page_cap(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "long.pdf", *[text_at((72, 100, f"Page {i}", 10)) for i in range(3)])
    result = read_document(path, "long.pdf", Limits(max_pages=2))
    assert isinstance(result, ReadProblem) and result.kind is ProblemKind.TOO_LARGE


def test_reading_from_threads_gives_the_same_result_and_leaves_files_alone(
    tmp_path: Path,
) -> None:
    paths = [
        make_pdf(tmp_path / f"{i}.pdf", text_at((72, 100, f"Invoice {i} Total {i}.00", 10)))
        for i in range(6)
    ]
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]
    expected = [read(p) for p in paths]
    with ThreadPoolExecutor(max_workers=6) as pool:
        for _ in range(3):
            assert list(pool.map(read, paths)) == expected
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths] == before
