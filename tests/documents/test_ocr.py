"""OCR of scans and photos (coop_rules.documents.ocr) on the committed fixtures/ocr/ pictures.

These need Tesseract (the ``ocr`` extra and Debian's language data, which .ci/run installs). On
a machine without it they are skipped with the reason; in CI (``CI`` set) they fail instead.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import sys
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageOps, ImageSequence, ImageStat
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from coop_rules.api import check_claim
from coop_rules.documents import ProblemKind, read_document
from coop_rules.documents import ocr as ocr_module
from coop_rules.documents.limits import Limits
from coop_rules.documents.model import Document, Page, Word
from coop_rules.documents.search import find
from coop_rules.errors import CoopRulesError
from coop_rules.evidence import Evidence, Extracted
from coop_rules.extraction import DocumentKind, ExtractedDocument, extract_file
from coop_rules.extraction.ocr import apply_ocr_confidence
from coop_rules.isolation import render_pdf_regions

ROOT = Path(__file__).resolve().parents[2]
OCR = ROOT / "fixtures" / "ocr"
COMPLIANT = ROOT / "fixtures" / "claims" / "compliant"
INVOICE = "rechnung-kreativwerk-RE-2024-0417.pdf"
SCAN = OCR / "rechnung-kreativwerk-RE-2024-0417-scan.pdf"
HERE = Limits(isolate=False, ocr="on", timeout=120.0)
DEJAVU_22 = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 22)

if ocr_module.unavailable() and not os.environ.get("CI"):
    pytestmark = pytest.mark.skip(reason=str(ocr_module.unavailable()))


def test_the_scanned_invoice_gives_the_text_pdfs_values_marked_as_ocr() -> None:
    text = extract_file(COMPLIANT / INVOICE, INVOICE, limits=HERE)
    scan = extract_file(SCAN, INVOICE, limits=HERE)
    assert scan.kind is DocumentKind.INVOICE and not scan.problems
    for name in (
        "issue_date",
        "total",
        "subtotal",
        "tax",
        "currency",
        "vendor",
        "vendor_tax_id",
        "invoice_number",
        "due_date",
        "service_start",
        "service_end",
    ):
        assert scan.value(name) == text.value(name), name
        found = scan.fields[name]
        assert "OCR, confidence 0." in (found.evidence.note or "")
        assert found.confidence < text.fields[name].confidence  # OCR's confidence counts
        assert found.evidence.page in (1, 2) and found.evidence.box is not None
    assert scan.line_items and all(
        "OCR, confidence" in (i.amount.evidence.note or "") for i in scan.line_items if i.amount
    )
    # The total's box is where the total is printed on page 2 (A4 in points).
    x0, top, x1, bottom = scan.fields["total"].evidence.box  # type: ignore[misc]
    assert scan.fields["total"].evidence.page == 2 and 0 < x0 < x1 <= 595 and 0 < top < bottom


def test_the_scanned_invoice_in_the_compliant_claim(tmp_path: Path) -> None:
    """In its workers (with their limits), the claim with the scan instead of the text PDF gives
    the same findings, but one: the scan's line amounts are read with one of 32 wrong (IN06)."""
    claim = tmp_path / "claim"
    shutil.copytree(COMPLIANT, claim)
    shutil.copy(SCAN, claim / INVOICE)
    limits = Limits(ocr="on", timeout=60.0)
    text = check_claim(COMPLIANT, ledger=False, limits=limits)
    scan = check_claim(claim, ledger=False, limits=limits)
    codes = sorted(f.code for f in text.findings)
    assert sorted(f.code for f in scan.findings if f.code != "IN06") == codes
    extra = [f for f in scan.findings if f.code == "IN06"]
    assert len(extra) <= 1
    assert scan.documents and any(d.path == INVOICE and d.readable for d in scan.documents)


def test_a_screenshot_is_searchable_with_boxes() -> None:
    doc = read_document(OCR / "landing-page.png", "landing-page.png", HERE)
    assert isinstance(doc, Document) and len(doc.pages) == 1
    page = doc.pages[0]
    assert page.ocr_confidence is not None and page.ocr_confidence > 0.8
    text = doc.full_text
    assert "NORTHWIND" in text and "northwind-cloud.example/cloud-wochen" in text
    assert "04.03.2024" in text and "01.03.2024" in text
    url = next(w for w in page.words if "northwind-cloud" in w.text)
    # 1000 x 420 px without a stated resolution: laid out at 150 dpi (480 x 201.6 points); the
    # URL is drawn from x = 40 px, y = 130 px (its letters start a few pixels lower).
    assert page.width == pytest.approx(480) and page.height == pytest.approx(201.6)
    assert url.x0 == pytest.approx(40 * 72 / 150, abs=4)
    assert url.top == pytest.approx(130 * 72 / 150, abs=4)
    assert 0.8 < url.confidence <= 1.0


def test_a_screenshot_as_proof_gives_its_dates_with_ocr_evidence() -> None:
    doc = extract_file(OCR / "landing-page.png", "landing-page.png", role="poe", limits=HERE)
    assert doc.kind is DocumentKind.POE
    dates = {k: v for k, v in doc.fields.items() if "OCR, confidence" in (v.evidence.note or "")}
    assert dates, doc.fields
    assert all(v.evidence.page == 1 and v.evidence.box for v in dates.values())


@pytest.mark.parametrize("name", ["landing-page-sideways.jpg", "landing-page-turned.png"])
def test_a_picture_stored_sideways_is_read_upright(name: str) -> None:
    doc = read_document(OCR / name, name, HERE)
    assert isinstance(doc, Document)
    assert "NORTHWIND CLOUD WEEKS" in doc.full_text
    assert "northwind-cloud.example" in doc.full_text
    page = doc.pages[0]
    assert page.width > page.height  # the upright picture is landscape


def test_a_picture_stored_upside_down_is_read_upright(tmp_path: Path) -> None:
    Image.open(OCR / "landing-page.png").rotate(180).save(tmp_path / "upside-down.png")
    doc = read_document(tmp_path / "upside-down.png", "upside-down.png", HERE)
    assert isinstance(doc, Document) and doc.pages[0].turn[0] == 180
    assert "NORTHWIND CLOUD WEEKS" in doc.full_text
    assert "northwind-cloud.example" in doc.full_text


def evidence_cut(path: Path, doc: ExtractedDocument, name: str, turns: bool = True) -> Image.Image:
    """The evidence picture a report shows for ``doc``'s field ``name`` (drawn by a reader
    worker), cut with the page turns OCR recorded (``turns``) or from the page as stored."""
    evidence = doc.fields[name].evidence
    assert evidence.page is not None and evidence.box is not None
    (picture,) = render_pdf_regions(
        path, [(evidence.page, evidence.box)], doc.page_turns if turns else {}
    )
    assert picture is not None
    return Image.open(io.BytesIO(picture.data)).convert("RGB")


def mean_difference(upright: Image.Image, other: Image.Image) -> float:
    """The mean grey-level difference (0–255) of two pictures, ``other`` sized as ``upright``."""
    grey, other_grey = upright.convert("L"), other.convert("L").resize(upright.size)
    return float(ImageStat.Stat(ImageChops.difference(grey, other_grey)).mean[0])


def highlighted_text(picture: Image.Image) -> str:
    """What OCR reads inside the red frame of an evidence picture's highlight."""
    import tesserocr

    pixels = picture.load()
    assert pixels is not None
    frame = [
        (x, y)
        for x in range(picture.width)
        for y in range(picture.height)
        if (p := pixels[x, y]) and isinstance(p, tuple) and p[0] > 140 and p[1] < 90 and p[2] < 90
    ]
    xs, ys = [x for x, _ in frame], [y for _, y in frame]
    inside = picture.crop((min(xs) + 3, min(ys) + 3, max(xs) - 2, max(ys) - 2)).convert("L")
    text: str = tesserocr.image_to_text(inside, path=ocr_module.tessdata(), lang="eng", psm=7)
    return text.strip()


@pytest.mark.parametrize("stored", ["png", "pdf"])
def test_evidence_on_a_page_ocr_turned_is_cut_from_the_turned_page(
    tmp_path: Path, stored: str
) -> None:
    # The picture stored a quarter turn off (as a PNG, and as a scanned PDF page): OCR reads
    # it turned upright, so its boxes are the upright page's, and so must its pictures be.
    turned = OCR / "landing-page-turned.png"
    if stored == "pdf":
        turned = tmp_path / "landing-page-turned.pdf"
        Image.open(OCR / "landing-page-turned.png").save(turned, resolution=150)
    upright = extract_file(OCR / "landing-page.png", "upright.png", limits=HERE)
    doc = extract_file(turned, turned.name, limits=HERE)
    assert doc.page_turns == {1: (90, 0.0)} and not upright.page_turns
    for name in ("execution_date", "execution_end"):
        assert doc.value(name) == upright.value(name)
        expected = evidence_cut(OCR / "landing-page.png", upright, name)
        cut = evidence_cut(turned, doc, name)
        assert abs(cut.width - expected.width) <= 2 and abs(cut.height - expected.height) <= 2
        assert mean_difference(expected, cut) < 15, name
        # ... where the picture as stored, cut at the same box, shows something else
        assert mean_difference(expected, evidence_cut(turned, doc, name, turns=False)) > 40


def test_evidence_on_a_deskewed_scan_is_cut_from_the_straightened_page() -> None:
    scan = extract_file(SCAN, INVOICE, limits=HERE)
    quarter, skew = scan.page_turns[1]
    assert quarter == 0 and 0.5 <= abs(skew) <= 3  # the fixture's scan is printed askew
    for name in ("issue_date", "total", "vendor_tax_id"):
        printed = scan.fields[name].evidence.text
        assert highlighted_text(evidence_cut(SCAN, scan, name)) == printed, name
        # Cut from the page as stored, the box misses the printed value.
        assert highlighted_text(evidence_cut(SCAN, scan, name, turns=False)) != printed, name


def receipt_on_a_sheet(path: Path, tilt: float = 0.0) -> Path:
    """The two receipts of ``receipt-pages.tiff`` (150 dpi), one under the other, on a dusty A4
    sheet scanned at 300 dpi (tilted by ``tilt`` degrees): small print on a large sheet, the
    first receipt at RECEIPT_AT pixels from the sheet's top-left corner."""
    sheet = Image.new("L", (2480, 3508), 250)
    with Image.open(OCR / "receipt-pages.tiff") as pages:
        for n, page in enumerate(ImageSequence.Iterator(pages)):
            sheet.paste(page.convert("L"), (RECEIPT_AT[0], RECEIPT_AT[1] + n * page.height))
    draw = ImageDraw.Draw(sheet)
    for n in range(120):  # the dust of a scanner's glass (on the blank paper)
        x, y = (n * 397) % 2470, (n * 631) % 3498
        if not (RECEIPT_AT[0] - 18 < x < RECEIPT_AT[0] + 540 and RECEIPT_AT[1] - 18 < y):
            draw.ellipse((x, y, x + 4, y + 4), fill=90)
    if tilt:
        sheet = sheet.rotate(tilt, resample=Image.Resampling.BICUBIC, fillcolor=250)
    sheet.save(path, dpi=(300, 300))
    return path


RECEIPT_AT = (720, 1040)


def test_a_receipt_on_a_scanned_sheet_is_read_from_its_print(tmp_path: Path) -> None:
    path = receipt_on_a_sheet(tmp_path / "sheet.png")
    with Image.open(path) as sheet:
        cut = ocr_module.prepare(sheet).cut
    assert cut is not None and cut[:2] > (600, 900)  # the blank paper around it is cut off
    alone = read_document(OCR / "receipt-pages.tiff", "r.tiff", replace(HERE, max_ocr_pages=1))
    on_sheet = read_document(path, "sheet.png", HERE)
    assert isinstance(alone, Document) and isinstance(on_sheet, Document)
    assert (on_sheet.pages[0].width, on_sheet.pages[0].height) == pytest.approx(
        (595.2, 841.9), 0.01
    )
    texts = [w.text for w in on_sheet.pages[0].words]
    mine = {w.text: w for w in on_sheet.pages[0].words if texts.count(w.text) == 1}
    theirs = {w.text: w for w in alone.pages[0].words}
    numbers = {"14.03.2024", "7,80", "2,90", "10,70"}
    assert numbers | {"KAFFEEHAUS", "SUMME"} <= mine.keys() & theirs.keys()
    assert {"PAPETERIE", "22/03/2024", "10,50"} <= mine.keys()  # the receipt under it too
    # Each word's box is where the word is on the sheet: the receipt's box (150 dpi) halved
    # (300 dpi) and moved by its place.
    dx, dy = (v * 72 / 300 for v in RECEIPT_AT)
    for text in mine.keys() & theirs.keys():
        a, b = mine[text], theirs[text]
        assert abs(a.x0 - b.x0 / 2 - dx) < 1 and abs(a.top - b.top / 2 - dy) < 1, text
        assert abs(a.x1 - b.x1 / 2 - dx) < 1 and abs(a.bottom - b.bottom / 2 - dy) < 1, text


def test_a_sheet_fed_in_sideways_is_cut_and_its_words_placed_on_the_upright_page(
    tmp_path: Path,
) -> None:
    level = receipt_on_a_sheet(tmp_path / "level.png")
    with Image.open(level) as picture:
        sideways = picture.rotate(-90, expand=True)
    sideways.save(tmp_path / "sideways.png", dpi=(300, 300))
    assert ocr_module.prepare(sideways).cut is not None
    upright = read_document(level, "level.png", HERE)
    turned = read_document(tmp_path / "sideways.png", "sideways.png", HERE)
    assert isinstance(upright, Document) and isinstance(turned, Document)
    assert turned.pages[0].turn[0] == 90
    words = {w.text: w for w in turned.pages[0].words}
    for word in upright.pages[0].words:
        if word.text in ("14.03.2024", "10,70", "22/03/2024", "10,50"):
            other = words[word.text]
            assert abs(other.x0 - word.x0) < 1 and abs(other.top - word.top) < 1, word.text


def test_a_tilted_sheet_cut_to_its_receipt_keeps_each_word_where_it_is_drawn(
    tmp_path: Path,
) -> None:
    level = receipt_on_a_sheet(tmp_path / "level.png")
    tilted = receipt_on_a_sheet(tmp_path / "tilted.png", tilt=2.0)
    upright = extract_file(level, level.name, role="invoice", limits=HERE)
    doc = extract_file(tilted, tilted.name, role="invoice", limits=HERE)
    quarter, skew = doc.page_turns[1]
    assert quarter == 0 and 1.5 <= abs(skew) <= 2.5 and not upright.page_turns
    # Where a value's box must be: its place on the level sheet, tilted with the sheet, then
    # straightened as OCR straightened the page (and as its evidence picture is drawn:
    # turned by ``skew`` on a grown canvas, shrunk back to the page's size).
    width, height = 2480 * 72 / 300, 3508 * 72 / 300
    grown = (
        width * math.cos(math.radians(skew)) + height * abs(math.sin(math.radians(skew))),
        width * abs(math.sin(math.radians(skew))) + height * math.cos(math.radians(skew)),
    )

    def turned(x: float, y: float, angle: float) -> tuple[float, float]:
        a = math.radians(angle)
        return x * math.cos(a) + y * math.sin(a), -x * math.sin(a) + y * math.cos(a)

    for name in ("issue_date", "vendor"):
        assert doc.value(name) == upright.value(name)
        box, found = upright.fields[name].evidence.box, doc.fields[name].evidence.box
        assert box is not None and found is not None
        x, y = turned((box[0] + box[2]) / 2 - width / 2, (box[1] + box[3]) / 2 - height / 2, 2.0)
        x, y = turned(x, y, skew)
        x, y = (x + grown[0] / 2) * width / grown[0], (y + grown[1] / 2) * height / grown[1]
        assert abs((found[0] + found[2]) / 2 - x) < 1.5, name
        assert abs((found[1] + found[3]) / 2 - y) < 1.5, name


def test_a_page_in_another_script_is_read_with_its_language_data(tmp_path: Path) -> None:
    # Read first as Latin, the page is illegible; OSD names its script (Han), whose language
    # data then reads it, and that reading stands (its words do not compare with Latin ones).
    font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 26)
    receipt = Image.new("L", (520, 420), 255)
    draw = ImageDraw.Draw(receipt)
    for i, line in enumerate(["株式会社さくら商事", "東京都千代田区丸の内1-1", "合計   1,650円"]):
        draw.text((24, 24 + 62 * i), line, font=font, fill=0)
    receipt.save(tmp_path / "jp.png", dpi=(150, 150))
    doc = read_document(tmp_path / "jp.png", "jp.png", HERE)
    assert isinstance(doc, Document)
    text = doc.full_text.replace(" ", "")  # Tesseract spaces some CJK characters apart
    assert "株式会社" in text and "東京都" in text and "合計" in text and "650円" in text


def test_faint_print_on_paper_photographed_against_a_dark_ground_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One threshold for the whole picture falls between the dark table and the paper, and the
    # light print on the paper turns white with it; a threshold per tile keeps it.
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 22)
    photo = Image.new("L", (900, 1300), 25)
    draw = ImageDraw.Draw(photo)
    draw.rectangle((150, 60, 750, 1240), fill=246)
    lines = ["KEDAI MAJU TRADING SDN BHD", "NO 12, JALAN MERDEKA 3,", "TAX INVOICE",
             "Date: 12/03/2018 18:19", "PENCIL 2B      3.50", "TOTAL          5.50",
             "CASH          10.00", "CHANGE         4.50", "THANK YOU"]  # fmt: skip
    for i, line in enumerate(lines):
        draw.text((190, 120 + 60 * i), line, font=font, fill=185)
    page = ocr_module.recognise(photo, 1)
    assert "TAX INVOICE" in page.text and "12/03/2018" in page.text and "CHANGE 4.50" in page.text
    monkeypatch.setattr(ocr_module, "ADAPTIVE_RETRY", False)
    assert "TOTAL" not in ocr_module.recognise(photo, 1).text
    # Only a page left nearly blank is read again (faint print one threshold reads poorly
    # gives more noise by tiles, and takes seconds more).
    monkeypatch.setattr(ocr_module, "ADAPTIVE_RETRY", True)
    monkeypatch.setattr(ocr_module, "BLANK_WORDS", 0)
    assert "TOTAL" not in ocr_module.recognise(photo, 1).text
    # The instances are back to one threshold for what they read next.
    assert all(
        api.GetVariableAsString("thresholding_method") == ocr_module.GLOBAL_OTSU
        for api in ocr_module._apis.values()
    )


def test_every_page_of_a_tiff_is_read_within_the_page_cap() -> None:
    doc = read_document(OCR / "receipt-pages.tiff", "r.tiff", HERE)
    assert isinstance(doc, Document) and [p.number for p in doc.pages] == [1, 2]
    assert "KAFFEEHAUS" in doc.pages[0].text and "PAPETERIE" in doc.pages[1].text
    assert not doc.notes
    capped = read_document(OCR / "receipt-pages.tiff", "r.tiff", replace(HERE, max_ocr_pages=1))
    assert isinstance(capped, Document) and len(capped.pages) == 1
    (note,) = capped.notes
    assert note.kind is ProblemKind.OCR_PARTIAL
    assert note.reason == (
        "OCR read 1 of its 2 scanned pages (at most 1 pages of a document are read by OCR)"
    )
    extracted = extract_file(
        OCR / "receipt-pages.tiff", "r.tiff", limits=replace(HERE, max_ocr_pages=1)
    )
    assert note in extracted.problems


class CountedPictures:
    """A Tesseract instance that counts the pictures it is given."""

    def __init__(self, api: object) -> None:
        self.api, self.given = api, 0

    def SetImage(self, picture: Image.Image) -> None:  # Tesseract's name
        self.given += 1
        self.api.SetImage(picture)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self.api, name)


def test_a_pages_layout_measured_to_scale_it_is_the_one_it_is_read_with(monkeypatch) -> None:
    counted: dict[int, CountedPictures] = {}
    api = ocr_module._api

    def counting(lang: str, psm: int) -> CountedPictures:
        real = api(lang, psm)
        return counted.setdefault(id(real), CountedPictures(real))

    monkeypatch.setattr(ocr_module, "_api", counting)
    receipt = Image.open(OCR / "receipt-pages.tiff")  # its first page: upright, not rescaled
    once = ocr_module.recognise(receipt, 1)
    (page_api,) = counted.values()  # no orientation detection: the page read legibly
    assert page_api.given == 1  # laid out to measure its lines, then read: one picture

    monkeypatch.setattr(ocr_module, "_show", lambda api, pic: api.SetImage(pic))
    again = ocr_module.recognise(receipt, 1)
    assert page_api.given == 3  # laid out twice
    assert once.words == again.words and "KAFFEEHAUS" in once.text


def test_a_receipts_amounts_and_date_are_confirmed_by_a_second_reading(monkeypatch) -> None:
    # Tesseract reads this clean print at 0.95 or more, where nothing is read again: every
    # number is read again here, to see the second reading agree.
    monkeypatch.setattr(ocr_module, "SURE_READ", 1.01)
    doc = read_document(OCR / "receipt-pages.tiff", "r.tiff", HERE)
    assert isinstance(doc, Document)
    words = {w.text: w for w in doc.pages[0].words}
    for number in ("14.03.2024", "7,80", "2,90", "10,70"):
        assert words[number].confirmed, number
    assert not any(w.confirmed for w in doc.pages[0].words if not any(c.isdigit() for c in w.text))
    assert not words["12,"].confirmed  # a street number is no amount to read again


@pytest.mark.parametrize("recogniser", [True, False], ids=["pp-ocr", "tesseract"])
def test_a_second_reading_of_a_numbers_box_reads_only_digits(
    recogniser: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coop_rules.documents import number_reader

    if recogniser:
        if sys.version_info >= (3, 13):
            pytest.skip("rapidocr-onnxruntime (the ocr extra's recogniser) supports Python < 3.13")
        assert number_reader.available()  # the ocr extra brings it
    else:
        monkeypatch.setattr(number_reader, "available", lambda: False)

    image = Image.new("L", (420, 60), 255)
    ImageDraw.Draw(image).text((20, 16), "CASH", font=DEJAVU_22, fill=0)
    ImageDraw.Draw(image).text((250, 16), "59.08", font=DEJAVU_22, fill=0)
    box = ImageOps.invert(image.crop((200, 0, 420, 60))).getbbox()  # the amount's ink
    assert box is not None
    word = Word("59.O8", box[0] + 200, box[1], box[2] + 200, box[3], 0.5)
    text, sure, recognised = ocr_module._reread(image, [word])
    assert (text, sure >= ocr_module.MIN_REREAD, recognised) == ("59.08", True, recogniser)


def test_a_recogniser_that_cannot_load_leaves_the_numbers_to_tesseract(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from coop_rules.documents import number_reader

    def fail(*args: object) -> None:
        raise MemoryError("std::bad_alloc")  # as under a worker's address-space limit

    monkeypatch.setattr(number_reader, "_readers", {})
    monkeypatch.setattr(number_reader, "_broken", None)
    monkeypatch.setattr(number_reader, "_Recogniser", fail)
    monkeypatch.setattr(number_reader, "_installed", lambda: True)
    image = Image.new("L", (200, 60), 255)
    ImageDraw.Draw(image).text((40, 16), "59.08", font=DEJAVU_22, fill=0)
    box = ImageOps.invert(image).getbbox()
    assert box is not None
    text, _, recognised = ocr_module._reread(image, [Word("59.O8", *box, 0.5)])
    assert (text, recognised) == ("59.08", False)
    assert not number_reader.available() and "MemoryError" in (number_reader._broken or "")


def test_a_very_wide_image_is_a_finding_not_a_stall(tmp_path: Path) -> None:
    path = tmp_path / "wide.png"
    Image.new("L", (20_000, 60), 255).save(path)
    start = time.monotonic()
    doc = extract_file(path, "wide.png", role="poe", limits=HERE)
    assert time.monotonic() - start < 10
    (problem,) = doc.problems
    assert problem.kind is ProblemKind.TOO_LARGE
    assert "20,000 × 60 pixels" in problem.reason


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_pictures_exif_orientation_turns_its_greyscale_as_pillow_turns_it(
    orientation: int,
) -> None:
    # Turned once grey (a third of the colour picture's memory), never copied in colour.
    picture = Image.open(OCR / "landing-page.png").convert("RGB").resize((90, 40))
    ImageDraw.Draw(picture).rectangle((0, 0, 20, 10), fill=(200, 30, 30))  # not symmetric
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = io.BytesIO()
    picture.save(data, "PNG", exif=exif.tobytes())
    stored = Image.open(data)
    expected = (ImageOps.exif_transpose(stored) or stored).convert("L")
    got = ocr_module._upright(stored.convert("L"), stored)
    assert got.size == expected.size and ImageChops.difference(got, expected).getbbox() is None
    across, down = (40, 90) if orientation >= 5 else (90, 40)
    page = ocr_module.recognise(stored, 1)
    assert page.width / page.height == pytest.approx(across / down)


def scanned_pdf(path: Path, pages: int, picture: Path) -> Path:
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(pages):
        pdf.drawImage(str(picture), 20, 20, A4[0] - 40, A4[1] - 40)
        pdf.showPage()
    pdf.save()
    return path


def test_a_500_page_scan_is_a_finding_and_a_long_one_is_read_in_part(tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    Image.new("L", (60, 80), 250).save(blank)
    start = time.monotonic()
    huge = extract_file(scanned_pdf(tmp_path / "huge.pdf", 500, blank), "huge.pdf", limits=HERE)
    assert huge.kind is DocumentKind.UNREADABLE
    assert huge.problems[0].reason == "500 pages; only documents up to 200 pages are read"
    assert time.monotonic() - start < 30
    long = scanned_pdf(tmp_path / "long.pdf", 3, OCR / "landing-page.png")
    doc = extract_file(long, "long.pdf", role="poe", limits=replace(HERE, max_ocr_pages=2))
    assert doc.readable
    assert [p.reason for p in doc.problems] == [
        "OCR read 2 of its 3 scanned pages (at most 2 pages of a document are read by OCR)",
        "page 3 is a scanned image; its text could not be read",
    ]


def test_ocr_stops_at_its_share_of_the_time_limit(tmp_path: Path) -> None:
    long = scanned_pdf(tmp_path / "long.pdf", 4, OCR / "landing-page.png")
    budget = ocr_module.Budget("long.pdf", 20, 0.0)  # no time at all: nothing is read
    assert ocr_module.read_pdf_pages(long.read_bytes(), [1, 2, 3, 4], budget) == {}
    assert budget.notes()[0].reason == "OCR read 0 of its 4 scanned pages (OCR stopped after 0 s)"


def test_a_scanned_page_read_by_ocr_or_reported(tmp_path: Path) -> None:
    off = extract_file(SCAN, INVOICE, limits=replace(HERE, ocr="off"))
    assert off.kind is DocumentKind.UNREADABLE
    (problem,) = off.problems
    assert problem.kind is ProblemKind.NO_TEXT
    assert problem.reason == "none of its 2 page(s) has a text layer (scanned?); OCR is off"


def test_without_the_engine_the_finding_says_how_to_install_it(monkeypatch) -> None:
    reason = ocr_module.unavailable()
    monkeypatch.setattr(ocr_module, "unavailable", lambda: "OCR is not installed: install it")
    doc = extract_file(SCAN, INVOICE, limits=replace(HERE, ocr="auto"))
    assert doc.problems[0].reason.endswith("(scanned?); OCR is not installed: install it")
    with pytest.raises(CoopRulesError, match="--ocr on"):
        check_claim(COMPLIANT, ledger=False, ocr="on")
    monkeypatch.setattr(ocr_module, "unavailable", lambda: reason)


def test_limits_take_only_known_ocr_modes(monkeypatch) -> None:
    with pytest.raises(ValueError, match="auto, on or off"):
        Limits(ocr="maybe")
    monkeypatch.setenv("COOP_RULES_OCR", "off")
    assert Limits().ocr == "off"


def ocr_page(confidence: float) -> Document:
    words = (
        Word("Total", 10, 10, 40, 20, 0.99),
        Word("123.45", 50, 10, 90, 20, confidence),
    )
    page = Page(1, 200, 100, words, "Total 123.45", ocr_confidence=0.9)
    return Document(path="r.png", media_type="image/png", pages=(page,))


BACKED = {"total": "subtotal + tax"}  # the page's arithmetic chose the total


def test_ocr_confidence_multiplies_and_an_unsure_amount_is_dropped() -> None:
    found = Extracted(
        Decimal("123.45"), Evidence("r.png", "123.45", page=1, box=(50, 10, 90, 20)), 0.8
    )
    sure = apply_ocr_confidence(ocr_page(0.95), {"total": found}, BACKED)[0]["total"]
    assert sure.confidence == pytest.approx(0.8 * 0.95)
    assert sure.evidence.note == "OCR, confidence 0.95"
    kept, doubts = apply_ocr_confidence(ocr_page(0.7), {"total": found})
    assert kept == {}  # abstained, with its reading for the reviewer
    assert doubts["total"].candidates[0].value == Decimal("123.45")
    assert doubts["total"].reason == "uncertain: OCR read its words with confidence 0.70"
    vendor = replace(found, value="ACME")
    kept = apply_ocr_confidence(ocr_page(0.7), {"vendor": vendor})[0]["vendor"]
    assert kept.confidence == pytest.approx(0.8 * 0.7)


def test_a_screenshots_brand_url_and_date_are_found_with_boxes() -> None:
    doc = read_document(OCR / "landing-page.png", "landing-page.png", HERE)
    assert isinstance(doc, Document)
    (brand,) = find(doc, "northwind cloud weeks")
    assert brand.text == "NORTHWIND CLOUD WEEKS" and brand.page == 1
    assert brand.note is not None and brand.note.startswith("OCR, confidence 0.")
    (url,) = find(doc, "www.northwind-cloud.example/cloud-wochen")
    (date,) = find(doc, "01.03.2024")
    assert brand.box and url.box and date.box
    assert brand.box[3] <= url.box[1] < url.box[3] <= date.box[1]  # top to bottom
    assert find(doc, "Contoso") == []


def test_find_works_the_same_on_a_text_pdf() -> None:
    doc = read_document(COMPLIANT / INVOICE, INVOICE, HERE)
    assert isinstance(doc, Document)
    hits = find(doc, "Kreativwerk Hamburg GmbH")
    assert hits and all(h.note is None and h.box for h in hits)
    assert {h.page for h in hits} == {1, 2}


def test_an_ocr_amount_without_its_cents_is_not_used() -> None:
    box = (50, 10, 90, 20)
    count = Extracted(Decimal("4"), Evidence("r.png", "4", page=1, box=box), 0.8)
    assert apply_ocr_confidence(ocr_page(0.97), {"total": count}, BACKED)[0] == {}
    yen = Extracted("JPY", Evidence("r.png", "¥", page=1, box=box), 0.9)
    kept, _ = apply_ocr_confidence(ocr_page(0.97), {"total": count, "currency": yen}, BACKED)
    assert kept["total"].value == Decimal("4")
    cents = replace(count, value=Decimal("30.30"), evidence=replace(count.evidence, text="30.30"))
    kept, _ = apply_ocr_confidence(ocr_page(0.97), {"total": cents}, BACKED)
    assert kept["total"].value == Decimal("30.30")


def test_an_ocr_total_no_sum_backs_is_not_used() -> None:
    # A misread digit keeps its label and a high word confidence ("400.90" for "100.90"),
    # but breaks the page's arithmetic: only a total the sums back is used.
    box = (50, 10, 90, 20)
    total = Extracted(Decimal("400.90"), Evidence("r.png", "400.90", page=1, box=box), 0.9)
    kept, doubts = apply_ocr_confidence(ocr_page(0.97), {"total": total}, {"total": "label"})
    assert kept == {} and "no sum on the page backs it" in doubts["total"].reason
    subtotal = replace(total, value=Decimal("380.00"))
    tax = replace(total, value=Decimal("20.90"))
    fields = {"total": total, "subtotal": subtotal, "tax": tax}
    kept, _ = apply_ocr_confidence(ocr_page(0.97), fields, {"total": "label"})
    assert kept["total"].value == Decimal("400.90")  # subtotal + tax = total


@pytest.mark.parametrize(("fmt", "media"), [("WEBP", "image/webp"), ("GIF", "image/gif")])
def test_webp_and_gif_pictures_are_read(tmp_path: Path, fmt: str, media: str) -> None:
    path = tmp_path / "picture"
    with Image.open(OCR / "landing-page.png") as image:
        (image.convert("P") if fmt == "GIF" else image).save(path, fmt)
    doc = read_document(path, "picture", HERE)
    assert isinstance(doc, Document) and doc.media_type == media
    assert "NORTHWIND CLOUD WEEKS" in doc.full_text


def test_an_iphone_photo_in_heic_is_read_with_its_capture_date(tmp_path: Path) -> None:
    import pillow_heif  # the ocr extra's: iPhone photos

    path = tmp_path / "IMG_0412.HEIC"
    with Image.open(OCR / "landing-page.png") as image:
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9003] = "2024:03:14 18:05:09"  # DateTimeOriginal
        pillow_heif.from_pillow(image.convert("RGB")).save(path, quality=90, exif=exif.tobytes())
    doc = read_document(path, "IMG_0412.HEIC", HERE)
    assert isinstance(doc, Document) and doc.media_type == "image/heic"
    assert "NORTHWIND CLOUD WEEKS" in doc.full_text
    assert doc.headers["EXIF DateTimeOriginal"] == "2024:03:14 18:05:09"


def test_without_pillow_heif_a_heic_photo_is_a_clear_finding(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "IMG_0412.HEIC"
    path.write_bytes(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + bytes(64))
    monkeypatch.setattr(ocr_module, "register_heif", lambda: False)
    doc = read_document(path, "IMG_0412.HEIC", HERE)
    assert not isinstance(doc, Document)
    assert doc.kind is ProblemKind.UNSUPPORTED and "JPEG" in doc.message
