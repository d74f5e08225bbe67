"""OCR: words with boxes and confidences from scans and photos, with Tesseract 5, locally.

Pages without a usable text layer (a scanned PDF page) and image files (PNG, JPEG, TIFF with
all its pages, WebP, GIF, HEIC where Pillow opens it) become :class:`~.model.Page` objects like
a text PDF's: words in reading order with boxes in points (origin top-left), so the extractors,
the evidence pictures and the rules work on them unchanged. Each word carries Tesseract's
confidence (0–1) and the page its mean (``Page.ocr_confidence``), which marks the page as read
by OCR; :mod:`coop_rules.extraction.ocr` turns that into "OCR, confidence 0.87" in the evidence
and multiplies it into the extracted value's confidence.

Why Tesseract through tesserocr (its C API, in this process): measured on 30 scanned receipts
and on Japanese, Korean and Chinese pages (``bench/ocr_engines.py``; figures in the README),
RapidOCR on ONNX Runtime found more of the receipts' totals and dates in its raw text but took
16 times as long (7.4 s a page) and 1.1 GB of memory, beyond the reader workers' limits, and
its bundled model reads Japanese and Korean poorly; Tesseract took 0.45 s and under 200 MB,
reads all six languages from Debian's packages, and runs inside the reader worker, under its
memory and time limits, without a process per page. The engine is optional: the ``ocr`` extra
(``pip install 'coop-rules[ocr]'``) brings tesserocr, whose wheel carries libtesseract; the
language data comes from the system (``tesseract-ocr-eng deu fra jpn kor chi-sim chi-tra``
and ``osd`` on Debian) or ``TESSDATA_PREFIX``. Nothing is downloaded at run time.

Preparation (each step measured on the receipts with ``bench/ocr.py``): the EXIF orientation
is applied; the image is made greyscale and scaled so that small print is about Tesseract's
favourite size (narrow scans up to 1,200 px wide, huge ones down to 4,000 px on the long side);
a large scanned sheet is cut to its print (a till receipt on an A4 sheet: the blank paper costs
time and memory, see :func:`_print_box`); then it is scaled up until its text lines are about
LINE_HEIGHT pixels high. A tilted page is straightened. The page is read as it is first; only
when that reading is poor (see :func:`_legible`) does Tesseract's orientation and script
detection (OSD, on a reduced copy) turn a sideways or upside-down page upright and pick the
language data by script (Latin, Japanese, Korean, Chinese). A page shaped like a till receipt
is read as one block of text (PSM 6), anything else with Tesseract's automatic page
segmentation. Word boxes are mapped back to the whole page, turned and straightened as its
evidence pictures are drawn.

Tesseract's words are then repaired where OCR is known to break them: each number it was not
sure of is read a second time from a crop of its own box — by PP-OCRv4's text recogniser
(:mod:`.number_reader`, a neural engine whose mistakes are not Tesseract's) where the ``ocr``
extra brought it, else by Tesseract itself — and the two readings are voted (see
:func:`reread_numbers`: agreement marks the word ``confirmed``, disagreement makes it doubtful);
the words of one text line share its band (a bent receipt's amounts stay beside their labels),
an amount split at its decimal mark ("49. 39") is joined, a line of nothing but unsure one-
or two-letter specks (or of words all read as guesses) is dropped, vertical bars at a line's
ends (the paper's edge or a fold) are dropped, and a section sign between words is read as the
ampersand it was printed as.

Modes (``Limits.ocr``, ``--ocr``, ``COOP_RULES_OCR``): ``auto`` reads with OCR where the engine
is installed and a page has no usable text; ``on`` is the same but a missing engine is an error
(the CLI says so before reading anything); ``off`` never runs OCR. Costs stay inside the limits:
at most ``Limits.max_ocr_pages`` pages of a document are read (a note says how many), OCR stops
at a share of the document's time limit (the note says so too), and an image larger than
MAX_SIDE pixels a side is reported, not read.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path
from statistics import median_high
from typing import TYPE_CHECKING, Any, NamedTuple

from coop_rules.documents import number_reader
from coop_rules.documents.limits import Limits
from coop_rules.documents.model import Page, ProblemKind, ReadProblem, Word, visual_lines
from coop_rules.errors import CoopRulesError
from coop_rules.money import is_currency

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

ENV = "COOP_RULES_OCR"
INSTALL_HINT = "install the OCR extra (pip install 'coop-rules[ocr]') and Tesseract's language data"
# Where Debian and others keep Tesseract's language data, newest first; TESSDATA_PREFIX wins.
TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)
# Language data by the script OSD finds; English is added everywhere (numbers, URLs, brands).
LATIN = "eng+deu+fra"
SCRIPT_LANGS = {
    "Japanese": "jpn+eng",
    "Katakana": "jpn+eng",
    "Hiragana": "jpn+eng",
    "Korean": "kor+eng",
    "Hangul": "kor+eng",
    "Han": "chi_sim+chi_tra+eng",
}
MIN_WIDTH = 1200  # narrower images are scaled up to this many pixels (small receipt print)
# Text lines are scaled to about this height in pixels (ascenders to descenders): a receipt
# scanned with the whole A4 sheet around it has lines of 15-20 px at 1,200 px wide, too small
# for Tesseract; most receipt scans have 40-50 (bench/ocr.py).
LINE_HEIGHT = 40
MIN_LINES = 5  # fewer text lines than this give no reliable line height
# EXIF orientations that turn a picture a quarter (its width and height change places).
TURNED_ORIENTATIONS = frozenset({5, 6, 7, 8})
MAX_LONG_SIDE = 4000  # larger images are scaled down to this (a phone photo is ~4000 px)
MAX_SIDE = 12_000  # an image larger than this a side is not OCRed: a finding, not a stall
ASSUMED_DPI = 150.0  # an image without a plausible resolution is laid out as if at this
PDF_DPI = 300.0  # scanned PDF pages are drawn at this resolution for OCR
MAX_RENDER_PIXELS = 12_000_000  # ...but never to more pixels than this
MIN_OSD_CONFIDENCE = 0.5  # OSD's orientation confidence below which a page is left as it is
SURE_OSD = 6.0  # ...and from which only its turn is tried (beside the page as it is)
# OSD looks at a copy at most this large: it needs letters, not detail, and its time grows
# with the pixels (0.8 s of a receipt's 2.5 s at 1,200 × 3,500).
OSD_LONG_SIDE = 1600
# A page at least this much taller than wide is a till receipt (A4 is 1.41, Letter 1.29): one
# column of lines, read as one block of text (Tesseract's PSM 6), which on receipt scans finds
# more dates and totals than its automatic page segmentation (it keeps a label and its amount
# on one line, and does not drop short lines as noise).
RECEIPT_ASPECT = 1.6
# A page read as it is is taken as upright and Latin (OSD is not run, see _legible) when it has
# MIN_LEGIBLE words of three letters or more read at a mean LEGIBLE_CONFIDENCE, LEGIBLE_WIDE of
# them wider than high.
MIN_LEGIBLE, LEGIBLE_CONFIDENCE, LEGIBLE_WIDE = 5, 0.62, 0.75
# A scanned sheet is cut to its print (see _print_box): cells of CELL pixels, print when darker
# than the paper by INK_CONTRAST grey levels on average, a margin of CUT_MARGIN_CELLS cells or
# CUT_MARGIN of the long side; kept when it leaves out at least a third of the picture and at
# most MAX_LEFT_OUT of its print cells.
# Only a sheet of at least MIN_CUT_PIXELS is cut: on 40 scanned A4 receipts (2480 × 3508) the
# cut saved 30 % of the CPU time; on 8 small sheets (1080 × 1527) little, and lost 2 values.
MIN_CUT_PIXELS = 4_000_000
CELL = 16
INK_CONTRAST = 8
CUT_MARGIN_CELLS, CUT_MARGIN = 3, 0.02
CUT_GAP_CELLS = 4
MAX_CUT_SHARE = 0.67
MAX_LEFT_OUT = 0.03
MIN_SKEW, MAX_SKEW = 0.5, 15.0  # degrees of tilt that are straightened before reading
TIME_SHARE = 0.6
# Marks without a letter or digit read below this confidence are dropped as specks (a
# currency sign or a per cent sign is kept: amounts need them).
SPECK_CONFIDENCE = 0.6
NOISE_CONFIDENCE = 0.8  # a line of only one- or two-letter words read below this is dropped
# ...and a line of words all read below this, whatever their length: a stamp, a smudge or a
# torn edge read as letters ("ina N,Q, CO Ee" above a receipt's name); no value is ever taken
# from words this unsure (coop_rules.extraction.ocr.MIN_WORD_CONFIDENCE is 0.6).
GARBLE_CONFIDENCE = 0.35
MAX_BAND = 1.8  # words take their text line's band when it is at most this much taller
KEPT_SIGNS = frozenset("€$£¥₩%")
# Numbers are read a second time from a crop of their own box (see reread_numbers): scaled so
# that the digits are REREAD_HEIGHT pixels high, read as one line of nothing but digits and
# separators. An amount whose two readings differ, or that only one of them reads as a whole
# amount, is capped at DOUBTFUL: below what a date or amount read once needs
# (coop_rules.extraction.ocr.STRICT), above what one the page's sums back needs.
REREAD_HEIGHT = 40
# The margin around a number's box for its second reading (in units of 15 % of its height,
# across and up/down), and the narrow one for a reading that lost characters (see _reread).
WIDE_MARGIN, TIGHT_MARGIN = (3.0, 1.0), (1.0, 0.5)
NUMBER_CHARS = "0123456789.,-/:"
DOUBTFUL = 0.7
MIN_REREAD = 0.6  # a second reading less sure than this has no vote
# A number read at least this sure is not read again: on 30 receipt scans, where the second
# reading of such an amount differed or read none, the page was right 9 times of 11.
SURE_READ = 0.95
# A line's last words in the amounts' half read this unsure are read again as a number (see
# _garbled_tail): at most GARBLED_WORDS words of at most GARBLED_LENGTH characters.
GARBLED, GARBLED_WORDS, GARBLED_LENGTH = 0.8, 2, 4
# How Tesseract makes a picture black and white before it reads it (its thresholding_method):
# one threshold for the whole picture (Otsu's), or a threshold per tile (Leptonica's adaptive
# Otsu). A page that one threshold leaves illegible (see _legible) is read again by tiles, and
# the surer reading is kept: on paper photographed against a dark ground (a receipt on a
# table), one threshold falls between the ground and the paper, and faint print on the paper
# turns white with it (two of the 423 receipt scans of sroie-extra read no word at all, and
# several others only scraps). Reading every page by tiles lost far more than it found there
# (dates 61 % where one threshold gave 90 %): it is only the second reading of a page left
# nearly blank, fewer than BLANK_WORDS words of three characters or more. Of the 423 scans,
# six read 0–11 such words, then one 17; every other page 34 or more (5 % under 53, median
# 84). Faint print that one threshold does read, if poorly (34–128 such words), read by tiles
# gave more noise, less sure, and took up to 12 s more and 417 MB: it is not read again.
GLOBAL_OTSU, ADAPTIVE = "0", "1"
BLANK_WORDS = 20
# The preparation steps, each switchable for bench/ocr.py's measurements.
ADAPTIVE_RETRY = True
DESKEW = True
OSD = True
SCALE_TO_LINES = True
BLOCK_RECEIPTS = True
REREAD_NUMBERS = True


class OcrMode(StrEnum):
    """When to read pages with OCR (see the module docstring)."""

    AUTO = "auto"
    ON = "on"
    OFF = "off"


def tessdata() -> str | None:
    """The folder with Tesseract's language data (with at least English and OSD), or None."""
    prefix = os.environ.get("TESSDATA_PREFIX")
    for folder in (prefix, *TESSDATA_DIRS):
        if folder and Path(folder, "eng.traineddata").is_file():
            return folder
    return None


@cache
def unavailable() -> str | None:
    """Why OCR cannot run here (None when it can): the engine or its language data missing."""
    # Looked up, not imported: tesserocr loads Pillow, which a text PDF never needs.
    if importlib.util.find_spec("tesserocr") is None:
        return f"OCR is not installed: {INSTALL_HINT}"
    if tessdata() is None:
        return f"Tesseract's language data was not found: {INSTALL_HINT}"
    return None


def enabled(mode: str) -> bool:
    """Whether OCR runs under ``mode``: not off, and installed."""
    return mode != OcrMode.OFF and unavailable() is None


def require(mode: str) -> None:
    """Raise CoopRulesError when ``mode`` is ``on`` and OCR cannot run here."""
    if mode == OcrMode.ON and unavailable():
        raise CoopRulesError(f"OCR was asked for (--ocr on) but {unavailable()}")


def languages_available() -> set[str]:
    folder = tessdata()
    if folder is None:
        return set()
    return {p.name.split(".")[0] for p in Path(folder).glob("*.traineddata")}


_apis: dict[str, Any] = {}
# The picture each instance (by id) was last given, with its page segmentation (see _show).
_shown: dict[int, tuple[Image.Image, int]] = {}
# One page is read at a time in a process: the instances hold the page being read.
_reading_lock = threading.Lock()


def _api(lang: str, psm: int) -> Any:
    """The Tesseract instance for ``lang``, set to page segmentation ``psm``: one per language
    set, kept for reuse (loading language data costs 0.1–0.5 s and 50–80 MB; a reader worker
    keeps its instances)."""
    import tesserocr

    have = languages_available()
    lang = "+".join(part for part in lang.split("+") if part in have) or "eng"
    if lang not in _apis:
        _apis[lang] = tesserocr.PyTessBaseAPI(path=tessdata(), lang=lang, psm=psm)
    api = _apis[lang]
    api.SetPageSegMode(psm)
    return api


def _show(api: Any, pic: Image.Image) -> None:
    """Give ``api`` the picture ``pic`` to read with its page segmentation, unless it holds it
    already: Tesseract keeps a picture's layout until it is given another one, and reading
    the picture uses it. A receipt's layout, analysed to measure its lines (see
    :func:`_layout`), is then not analysed again to read it (0.15 s of a receipt's 2 s; the
    words read are the same)."""
    psm = int(api.GetPageSegMode())
    shown = _shown.get(id(api))
    if shown is not None and shown[0] is pic and shown[1] == psm:
        return
    api.SetImage(pic)
    _shown[id(api)] = (pic, psm)


@dataclass(frozen=True)
class Sheet:
    """A page's picture prepared for Tesseract: ``gray`` greyscale, sized and cut to its print
    (what OSD looks at); ``pic`` the same scaled to its text lines (what is read); ``skew`` the
    tilt of its lines that Tesseract's layout analysis found (counter-clockwise degrees, 0.0
    for none; None: to be measured on ``pic``); ``cut`` where ``gray`` lies on the whole
    picture sized as it (left, top, whole width, whole height; None: nothing was cut off)."""

    gray: Image.Image
    pic: Image.Image
    skew: float | None
    cut: tuple[int, int, int, int] | None = None

    @property
    def whole(self) -> tuple[int, int]:
        """The size of the whole picture, before it was cut to its print."""
        return (self.cut[2], self.cut[3]) if self.cut else self.gray.size


def prepare(image: Image.Image) -> Sheet:
    """``image`` greyscale, sized for Tesseract and measured (see :class:`Sheet`)."""
    from PIL import Image  # loaded with the first picture (see test_startup)

    gray = _upright(image.convert("L"), image)
    long_side = max(gray.size)
    if long_side > MAX_LONG_SIDE:
        factor = MAX_LONG_SIDE / long_side
        gray = gray.resize(_scaled(gray.size, factor), Image.Resampling.LANCZOS)
    elif gray.width < MIN_WIDTH:
        factor = min(MIN_WIDTH / gray.width, MAX_LONG_SIDE / long_side)
        gray = gray.resize(_scaled(gray.size, factor), Image.Resampling.LANCZOS)
    whole, cut = gray.size, None
    box = _print_box(gray) if gray.width * gray.height >= MIN_CUT_PIXELS else None
    if box is not None:
        cut = (box[0], box[1], *whole)
        gray = gray.crop(box)
    height, skew = _layout(gray, _segmentation(whole))
    pic = _scaled_to_lines(gray, height)
    # A picture scaled up is measured again when it is read: on the smaller one the tilt of
    # short lines is a guess (two of 14 scaled receipts: 1.95° against -0.28°, -0.73 against -1.33).
    return Sheet(gray, pic, skew if pic is gray else None, cut)


def _upright(gray: Image.Image, image: Image.Image) -> Image.Image:
    """``gray``, the greyscale of ``image``, turned as ``image``'s EXIF orientation says (a
    phone photo stored sideways): turned once it is grey, a third of the colour picture's
    memory, and not copied when it needs no turn."""
    from PIL import ExifTags, Image

    turn = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }.get(image.getexif().get(ExifTags.Base.Orientation, 1))
    return gray.transpose(turn) if turn is not None else gray


def _print_box(gray: Image.Image) -> tuple[int, int, int, int] | None:
    """The part of ``gray`` that holds its print, when that is clearly less than the whole
    (a till receipt on a scanned A4 sheet: reading the blank paper costs time and memory).

    The picture is looked at in cells of CELL pixels a side: a cell is print when it is darker
    on average than the paper (the picture's 90th percentile) by INK_CONTRAST, and counts when
    at least three of the nine cells around it (itself included) are print (a line of text is
    a run of such cells; a speck or the dust of a scan is not). The box around the richest band
    of them (see :func:`_print_cells`), with a margin, is kept when it covers less than
    MAX_CUT_SHARE of the picture and leaves out at most MAX_LEFT_OUT of the print cells.
    """
    from PIL import ImageFilter

    cells = gray.reduce(CELL)
    paper = _percentile(cells, 0.9)
    ink = cells.point(lambda v: 255 if v < paper - INK_CONTRAST else 0)
    ink = ink.filter(ImageFilter.RankFilter(3, 6))
    found = _print_cells(ink)
    if found is None:
        return None
    margin = max(CUT_MARGIN_CELLS * CELL, round(CUT_MARGIN * max(gray.size)))
    box = (
        max(0, found[0] * CELL - margin),
        max(0, found[1] * CELL - margin),
        min(gray.width, found[2] * CELL + margin),
        min(gray.height, found[3] * CELL + margin),
    )
    if (box[2] - box[0]) * (box[3] - box[1]) > MAX_CUT_SHARE * gray.width * gray.height:
        return None
    return box


def _print_cells(ink: Image.Image) -> tuple[int, int, int, int] | None:
    """The box (in cells) of the print cells of ``ink`` (255) in its richest band of columns,
    bands being parted by CUT_GAP_CELLS empty columns or more: a fold's line, the sheet's edge
    or a cluster of dust beside a receipt does not widen its box. None when the other bands
    hold more than MAX_LEFT_OUT of the print cells, not counting lines (bands at most
    CUT_GAP_CELLS wide with a column of print over half the picture's height: a fold, a
    ruler's edge) nor bands at the picture's edge (a scanner's shadow)."""
    width = ink.width
    counts = [0] * width
    for at, value in enumerate(ink.tobytes()):
        if value:
            counts[at % width] += 1
    bands: list[tuple[int, int, int]] = []  # (cells, first column, last column + 1)
    empty = CUT_GAP_CELLS
    for column, count in enumerate(counts):
        if not count:
            empty += 1
            continue
        if empty >= CUT_GAP_CELLS:
            bands.append((0, column, column + 1))
        cells, first, _ = bands[-1]
        bands[-1] = (cells + count, first, column + 1)
        empty = 0
    if not bands:
        return None
    richest = max(bands)
    _, left, right = richest

    def printed(first: int, last: int) -> bool:
        line = last - first <= CUT_GAP_CELLS and max(counts[first:last]) > ink.height / 2
        return not line and first > 0 and last < width

    left_out = sum(
        c for c, first, last in bands if (c, first, last) != richest and printed(first, last)
    )
    if left_out > MAX_LEFT_OUT * sum(counts):
        return None
    found = ink.crop((left, 0, right, ink.height)).getbbox()
    assert found is not None
    return left, found[1], right, found[3]


def _percentile(gray: Image.Image, share: float) -> int:
    """The grey level below which ``share`` of ``gray``'s pixels lie."""
    counts, below = gray.histogram(), share * gray.width * gray.height
    total = 0
    for level, count in enumerate(counts):
        total += count
        if total >= below:
            return level
    return 255


def _scaled_to_lines(gray: Image.Image, height: float | None) -> Image.Image:
    """``gray`` scaled up so that its text lines (``height`` pixels high) are about LINE_HEIGHT
    pixels high (a small receipt on a large scanned sheet); never beyond MAX_LONG_SIDE."""
    if not SCALE_TO_LINES or height is None:
        return gray
    factor = min(LINE_HEIGHT / height, MAX_LONG_SIDE / max(gray.size))
    if factor < 1.2:  # scaling by less changes little and costs time
        return gray
    from PIL import Image

    return gray.resize(_scaled(gray.size, factor), Image.Resampling.LANCZOS)


def _layout(gray: Image.Image, psm: int) -> tuple[float | None, float]:
    """Tesseract's layout analysis of ``gray``: the median height in pixels of its text lines
    (None for fewer than MIN_LINES lines), and the tilt of its lines (degrees, see
    :func:`_deskew`). One analysis serves both: the tilt does not change with the scale."""
    import tesserocr

    api = _api(LATIN, psm)  # the instance that reads Latin pages like it
    _show(api, gray)
    layout = api.AnalyseLayout()
    if layout is None:
        return None, 0.0
    skew = math.degrees(layout.Orientation()[3])
    level = tesserocr.RIL.TEXTLINE
    heights = []
    for item in tesserocr.iterate_level(layout, level):
        box = item.BoundingBox(level)
        if box is not None and box[3] - box[1] > 4:
            heights.append(box[3] - box[1])
    if len(heights) < MIN_LINES:
        return None, skew
    heights.sort()
    return float(heights[len(heights) // 2]), skew


def _reduced(gray: Image.Image, long_side: int) -> Image.Image:
    """``gray`` scaled down to ``long_side`` pixels on its longer side (as it is when smaller)."""
    factor = long_side / max(gray.size)
    if factor >= 1:
        return gray
    from PIL import Image

    return gray.resize(_scaled(gray.size, factor), Image.Resampling.BILINEAR)


def _scaled(size: tuple[int, int], factor: float) -> tuple[int, int]:
    return max(1, round(size[0] * factor)), max(1, round(size[1] * factor))


def _orientation(gray: Image.Image) -> tuple[list[int], str]:
    """OSD: the turns to try (counter-clockwise degrees), and the language data by script.

    OSD is sure of a page of print (confidence 10–20), much less of a narrow receipt, where it
    proposes a wrong half turn at confidences up to 3.5 (measured on 40 upright receipts) but
    never a quarter turn. So a turn it is sure of is taken; a doubtful quarter turn is tried
    both ways, a doubtful half turn beside the page as it is, and the reading with the more
    confident words wins (see :func:`recognise`: OSD is asked only about a page that read
    poorly as it is, so a second reading is worth its time).
    """
    if not OSD or "osd" not in languages_available():
        return [0], LATIN
    import tesserocr

    api = _api("osd", tesserocr.PSM.OSD_ONLY)
    try:
        _show(api, _reduced(gray, OSD_LONG_SIDE))
        found = api.DetectOrientationScript()
    except RuntimeError:  # too little text to tell
        found = None
    if not found:
        return [0], LATIN
    turn = int(found.get("orient_deg") or 0) % 360
    sure = found.get("orient_conf", 0.0)
    langs = SCRIPT_LANGS.get(str(found.get("script_name")), LATIN)
    if turn == 0 or sure >= SURE_OSD:
        return [turn], langs
    if sure < MIN_OSD_CONFIDENCE:
        return [0], langs
    if turn in (90, 270):  # sideways for sure, less sure which way
        return [turn, (turn + 180) % 360], langs
    return [0, turn], langs


def recognise(
    image: Image.Image,
    number: int,
    width: float | None = None,
    height: float | None = None,
    *,
    scanned_page: bool = False,
) -> Page:
    """OCR one page image into a Page whose boxes are in points.

    ``width`` and ``height`` are the page's size in points (a PDF page); for an image file they
    come from its resolution (ASSUMED_DPI when it states none or an implausible one). A page
    turned upright by OCR has the upright page's size. ``scanned_page`` marks a PDF page (whose
    lack of text is a problem, where a photo's is not).
    """
    if width is None or height is None:
        from PIL import ExifTags

        across, down = image.size
        if image.getexif().get(ExifTags.Base.Orientation) in TURNED_ORIENTATIONS:
            across, down = down, across
        width, height = across * image_points(image), down * image_points(image)
    with _reading_lock:
        try:
            return _recognised(image, number, width, height, scanned_page)
        finally:
            _shown.clear()  # the pictures are not kept past their page


def _recognised(
    image: Image.Image, number: int, width: float, height: float, scanned_page: bool
) -> Page:
    """:func:`recognise`'s work, done holding the reading lock."""
    sheet = prepare(image)
    best = _reading(sheet, 0, LATIN, sheet.skew)
    langs = LATIN
    if not _legible(best.words):
        turns, langs = _orientation(sheet.gray)
        # Readings with another script's data score differently: OSD's script decides.
        readings = [best] if langs == LATIN else []
        for turn in turns:
            if not (turn == 0 and readings):
                readings.append(_reading(sheet, turn, langs, None if turn else sheet.skew))
        best = max(readings, key=lambda reading: reading.score)
    if ADAPTIVE_RETRY and not _legible(best.words) and len(_long_words(best.words)) < BLANK_WORDS:
        with _thresholding(ADAPTIVE):
            local = prepare(image)
            again = _reading(local, best.turn, langs, local.skew if best.turn == 0 else None)
        if again.score > best.score:
            sheet, best = local, again
    turn, skew = best.turn, best.skew
    if turn in (90, 270):
        width, height = height, width
    words = _on_page(best, sheet, width, height)
    lines = [_joined_amounts(_read_marks(_currency_apart(line))) for line in _lines_of(words)]
    ordered = tuple(word for line in lines for word in line)
    mean = sum(w.confidence for w in ordered) / len(ordered) if ordered else 0.0
    return Page(
        number=number,
        width=width,
        height=height,
        words=ordered,
        text="\n".join(" ".join(w.text for w in line) for line in lines),
        image_cover=1.0 if scanned_page else 0.0,
        ocr_confidence=round(mean, 3),
        turn=(turn, skew),
    )


@contextmanager
def _thresholding(method: str) -> Iterator[None]:
    """Tesseract's instances set to binarise pictures by ``method`` (``thresholding_method``)
    while the block runs, and the pictures they hold given again (they hold them binarised)."""
    for api in _apis.values():
        api.SetVariable("thresholding_method", method)
    _shown.clear()
    try:
        yield
    finally:
        for api in _apis.values():
            api.SetVariable("thresholding_method", GLOBAL_OTSU)
        _shown.clear()


def _on_page(reading: _Reading, sheet: Sheet, width: float, height: float) -> list[Word]:
    """The words of ``reading`` with their boxes in points of the upright page, ``width`` ×
    ``height``: the page as OCR read it, turned and straightened, which is also how the
    evidence pictures are drawn (:func:`coop_rules.evidence_images.turned`)."""
    pw, ph = reading.size
    if sheet.cut is None:
        sx, sy = width / pw, height / ph
        return [
            replace(w, x0=w.x0 * sx, top=w.top * sy, x1=w.x1 * sx, bottom=w.bottom * sy)
            for w in reading.words
        ]
    # The sheet was cut to its print: each word's centre goes back through the deskew onto the
    # turned cut, from there onto the whole turned picture, and forward through its deskew.
    factor = sheet.pic.width / sheet.gray.width
    left, top, whole_w, whole_h = (v * factor for v in sheet.cut)
    cut_w, cut_h = sheet.pic.size
    offset = _turned_origin(
        (left, top, left + cut_w, top + cut_h), (whole_w, whole_h), reading.turn
    )
    if reading.turn in (90, 270):
        cut_w, cut_h, whole_w, whole_h = cut_h, cut_w, whole_h, whole_w
    angle = math.radians(reading.skew)
    cos, sin = abs(math.cos(angle)), abs(math.sin(angle))
    grown_w, grown_h = whole_w * cos + whole_h * sin, whole_w * sin + whole_h * cos
    sx, sy = width / grown_w, height / grown_h
    out = []
    for w in reading.words:
        x, y = _turned_point(((w.x0 + w.x1) / 2 - pw / 2, (w.top + w.bottom) / 2 - ph / 2), -angle)
        x, y = x + cut_w / 2 + offset[0] - whole_w / 2, y + cut_h / 2 + offset[1] - whole_h / 2
        x, y = _turned_point((x, y), angle)
        x, y = (x + grown_w / 2) * sx, (y + grown_h / 2) * sy
        half_w, half_h = (w.x1 - w.x0) / 2 * sx, (w.bottom - w.top) / 2 * sy
        out.append(replace(w, x0=x - half_w, top=y - half_h, x1=x + half_w, bottom=y + half_h))
    return out


def _turned_point(point: tuple[float, float], angle: float) -> tuple[float, float]:
    """``point`` (from the picture's centre, y down) turned counter-clockwise by ``angle``
    radians, as Pillow's ``Image.rotate`` turns a picture."""
    dx, dy = point
    cos, sin = math.cos(angle), math.sin(angle)
    return dx * cos + dy * sin, -dx * sin + dy * cos


def _turned_origin(
    box: tuple[float, float, float, float], size: tuple[float, float], turn: int
) -> tuple[float, float]:
    """The top-left corner that ``box`` of a picture of ``size`` has once the picture is turned
    by a quarter turn ``turn`` (counter-clockwise degrees, 0, 90, 180 or 270)."""
    x0, y0, x1, y1 = box
    width, height = size
    return {0: (x0, y0), 90: (y0, width - x1), 180: (width - x1, height - y1)}.get(
        turn, (height - y1, x0)
    )


class _Reading(NamedTuple):
    score: float  # the confidences of its words of three letters or more, summed
    turn: int
    skew: float
    words: list[Word]
    size: tuple[int, int]


def _reading(sheet: Sheet, turn: int, langs: str, skew: float | None) -> _Reading:
    """The sheet's picture turned by ``turn`` (counter-clockwise degrees) and read with
    ``langs``; ``skew`` is its tilt when known (measured when None). It is segmented as the
    whole picture is shaped, turned: a sheet cut to its receipt is still read as a sheet."""
    pic = sheet.pic.rotate(turn, expand=True, fillcolor=255) if turn else sheet.pic
    width, height = sheet.whole
    psm = _segmentation((height, width) if turn in (90, 270) else (width, height))
    pic, skew, words = _words(pic, langs, skew, psm)
    score = sum(w.confidence for w in _long_words(words))
    return _Reading(score, turn, skew, words, pic.size)


def _legible(words: list[Word]) -> bool:
    """Whether a page read as it is was upright and in Latin script, judged from its words of
    three letters or more: at least MIN_LEGIBLE of them, read with a mean confidence of at least
    LEGIBLE_CONFIDENCE, and nearly all wider than high (Tesseract reads some sideways pages'
    lines turned, with confidence, but in boxes taller than wide).

    Measured on the 60 development receipt scans of ``bench/ocr.py``, each read as it is and
    turned by a quarter, a half and three quarters (none misjudged): upright pages read at
    0.72–0.94 with 91–100 % of their words wide; upside down at 0.27–0.55; sideways at
    0.31–0.54 with 0–8 % wide, or, turned the other way, at 0.71–0.93 but 0–6 % wide."""
    long = _long_words(words)
    if len(long) < MIN_LEGIBLE:
        return False
    wide = sum(w.x1 - w.x0 > w.bottom - w.top for w in long)
    mean = sum(w.confidence for w in long) / len(long)
    return mean >= LEGIBLE_CONFIDENCE and wide >= LEGIBLE_WIDE * len(long)


def _long_words(words: list[Word]) -> list[Word]:
    """The words of three letters or digits or more: what a reading is judged by."""
    return [w for w in words if sum(c.isalnum() for c in w.text) >= 3]


def _words(
    pic: Image.Image, langs: str, tilt: float | None, psm: int
) -> tuple[Image.Image, float, list[Word]]:
    """Tesseract's words on ``pic`` straightened (see :func:`_deskew`; its tilt when known:
    ``tilt``): the straightened picture, the angle it was turned by, and the words with
    boxes in its pixels, confidences 0–1."""
    import tesserocr

    api = _api(langs, psm)
    _show(api, pic)
    words: list[Word] = []
    skew = 0.0
    try:
        pic, skew = _deskew(api, pic, tilt)
        api.Recognize()
        iterator = api.GetIterator()
    except RuntimeError:  # nothing on the page to recognise
        return pic, skew, words
    if iterator is None:
        return pic, skew, words
    level = tesserocr.RIL.WORD
    lines: list[tuple[tuple[int, int, int, int] | None, list[Word]]] = []
    for item in tesserocr.iterate_level(iterator, level):
        if not lines or item.IsAtBeginningOf(tesserocr.RIL.TEXTLINE):
            lines.append((item.BoundingBox(tesserocr.RIL.TEXTLINE), []))
        try:
            text = (item.GetUTF8Text(level) or "").strip()
        except RuntimeError:  # an empty block
            continue
        box = item.BoundingBox(level)
        if not text or box is None:
            continue
        confidence = max(0.0, min(1.0, item.Confidence(level) / 100))
        if _speck(text, confidence):
            continue
        x0, y0, x1, y1 = box
        lines[-1][1].append(Word(text, x0, y0, x1, y1, confidence))
    for band, line in lines:
        words.extend(_in_band(reread_numbers(pic, line), band))
    return pic, skew, words


# Words re-read (see reread_numbers): an amount with a decimal mark (or a colon or space OCR
# read for it), a date, and a whole number of 2-5 digits in the right half of the page, where a
# receipt prints its amounts ("280" for "92.80"); not phone numbers, codes or times of day.
_AMOUNT_WORD = re.compile(r"^[-(]?\d{1,7}[.,:]\d{1,3}[)]?[.,:]?$")
_DATE_WORD = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}[.,]?$")
# ...also with a digit read as the letter it looks like ("21-i1-16", "25-Q1-16"; four digits;
# "E/2/2OLT" for 6/2/2017: two digits, one separator twice, a year of this century).
_LETTERED_DATE = re.compile(
    r"^(?:(?=(?:\D*\d){4})[^\W_]{1,2}[/.-][^\W_]{1,2}[/.-]\d{2,4}"
    r"|(?=(?:\D*\d){2})[^\W_]{1,2}(?P<mark>[/.-])[^\W_]{1,2}(?P=mark)2[^\W_]{3})[.,]?$"
)
_WHOLE_WORD = re.compile(r"^\d{2,5}[.,]?$")
# An amount with its currency glued to it ("RM367.10", "$12.50", OCR's "RH11.90"): only the
# digits are cropped for the second reading (the letters' share of the word's width).
_PREFIXED_AMOUNT = re.compile(r"^([A-Z]{1,3}|[$€£])(\d{1,7}[.,]\d{2})$")
# ...and a date with its label or the label's colon glued on ("Dater11/03/18",
# "Date:05/01/2018", ":28/04/18").
_PREFIXED_DATE = re.compile(r"^([^\W\d_]{1,8}[:.]?|:)(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})$")
_WHOLE_HEAD = re.compile(r"^-?\d{1,7}$")  # an amount's head whose decimal mark was lost
_RULE_READ = re.compile(r"\.{3,}|-{3,}")  # a dashed rule read with a number
_DIGITS = re.compile(r"^(?:\d{1,7}|[.,]\d{2})$")  # a whole number, or cents alone (".02")
_MARKED = re.compile(r"^[-(]?\d+[.,:/]\d")  # a number with a mark in it: an amount, a date
# ...and the year of a date written with its month's name ("29 Mar 2013"), after its day.
_YEAR, _DAY = re.compile(r"^(?:19|20)\d{2}[.,]?$"), re.compile(r"^\d{1,2}[.,]?$")
_SPLIT_HEAD, _CENTS = re.compile(r"^-?\d{1,7}[.,]$"), re.compile(r"^\d{2}$")  # "68," "87"
# ...and cents OCR read as letters ("4. Ot" for 4.96), in the amounts' half of the page: read
# again, the number may come out whole (a reading that is no amount changes nothing).
_GARBLED_CENTS = re.compile(r"^[^\W_]{2}$")
_TIME_OF_DAY = re.compile(r"^(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?$")
# A whole amount (with its cents), as the two readings are compared, and a date.
_AMOUNT = re.compile(r"^-?\d{1,7}\.\d{2}$")
_DATE = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}$")
_DATE_PARTS = re.compile(r"^(\d{1,2}[/.-])(\d{1,2}[/.-])(\d{4})$")  # day or month first
FIRST_YEAR = 2000  # a date on a claim's document before this is a misread year


def reread_numbers(pic: Image.Image, line: list[Word]) -> list[Word]:
    """``line`` (one Tesseract text line, in ``pic``'s pixels) with each number read again
    from a crop of its box, and the two readings voted (see :func:`_voted`).

    A misread digit on a receipt (``59.08`` for ``50.00``) is as sure to Tesseract as a right
    one, so its confidence alone cannot tell it; but it comes from the page's segmentation and
    scale, and a second reading of the number alone, at a size Tesseract reads best and with
    nothing but digits allowed, mostly does not repeat it (measured on 30 receipt scans: of
    the amounts the two readings agreed on, 275 of 279 were right; of the page's amounts
    alone, 89 %). An amount split at its decimal mark (``68,`` ``87``) is read as one.
    """
    if not REREAD_NUMBERS:
        return line
    out: list[Word] = []
    i = 0
    while i < len(line):
        group = _number_group(line, i, pic.width / 2)
        if not group:
            out.append(line[i])
            i += 1
            continue
        text, sure, recognised = _reread(pic, group)
        if _RULE_READ.search(text) and (cut := _cut_to_line(group, line)) != group:
            text, sure, recognised = _reread(pic, cut)
        out.extend(_voted(group, (text, sure), recognised))
        i += len(group)
    return out


def _cut_to_line(group: list[Word], line: list[Word]) -> list[Word]:
    """``group`` cut to the height of its line's other words, keeping the end of its box that
    lines up with theirs: Tesseract's box of a number sometimes takes in a dashed rule above or
    below it, which a second reading then reads as a run of dots ("..........2.80" for 92.80).
    Only then: a total is often printed larger than its label, and cut to the label's height
    it loses its digits' tops."""
    others = [w for w in line if w not in group and sum(c.isalnum() for c in w.text) >= 2]
    if not others:
        return group
    top, bottom = min(w.top for w in group), max(w.bottom for w in group)
    height = median_high(w.bottom - w.top for w in others)
    if bottom - top <= height:
        return group
    if abs(bottom - median_high(w.bottom for w in others)) <= abs(
        top - median_high(w.top for w in others)
    ):
        top = bottom - height
    else:
        bottom = top + height
    return [replace(w, top=max(w.top, top), bottom=min(w.bottom, bottom)) for w in group]


def _number_group(line: list[Word], start: int, middle: float) -> list[Word]:
    """The words of ``line`` from ``start`` that make one number to re-read (an amount split
    after its decimal mark is two words; see _AMOUNT_WORD), or none (also for a number read
    at SURE_READ or more)."""
    word = line[start]
    text = word.text
    if word.confidence >= SURE_READ:
        return []
    if start + 1 < len(line) and _SPLIT_HEAD.match(text):
        cents = line[start + 1].text
        if _CENTS.match(cents) or (_GARBLED_CENTS.match(cents) and word.x0 > middle):
            return line[start : start + 2]
    if start + 1 < len(line) and _lost_mark(word, line[start + 1], middle):
        return line[start : start + 2]
    wanted = (
        _DATE_WORD.match(text)
        or _LETTERED_DATE.match(text)
        or _PREFIXED_DATE.match(text)
        or (_AMOUNT_WORD.match(text) and not _TIME_OF_DAY.match(text))
        or _PREFIXED_AMOUNT.match(text)
        or (_WHOLE_WORD.match(text) and word.x0 > middle)
        or _year_of_a_date(line, start)
        or _day_of_a_date(line, start)
    )
    if wanted:
        return [word]
    return line[start:] if _garbled_tail(line, start, middle) else []


def _garbled_tail(line: list[Word], start: int, middle: float) -> bool:
    """Whether the words of ``line`` from ``start`` to its end are an amount OCR garbled
    ("TOTAL 7 on" for 7.00, "CHANGE aloe"): after a label, in the amounts' half of the page, at
    most GARBLED_WORDS short words (GARBLED_LENGTH characters at most, or holding a digit), none
    read sure and one read below GARBLED; none of them an amount or a date, which are read
    again alone, nor a currency standing alone ("RM U2": read as digits, its letters make
    digits too). Read again as a number, a reading that is a number replaces them, doubtful (see
    :func:`_voted`); any other reading changes nothing."""
    tail = line[start:]
    return (
        start > 0
        and any(c.isalpha() for c in line[start - 1].text)
        and len(tail) <= GARBLED_WORDS
        and all(w.x0 > middle and w.confidence < SURE_READ for w in tail)
        and all(len(w.text) <= GARBLED_LENGTH or any(c.isdigit() for c in w.text) for w in tail)
        and all(any(c.isalnum() for c in w.text) for w in tail)  # not a colon before an amount
        and not any(_AMOUNT_WORD.match(w.text) or _DATE_WORD.match(w.text) for w in tail)
        and min(w.confidence for w in tail) < GARBLED
        and not any(is_currency(w.text) for w in tail)
    )


def _year_of_a_date(line: list[Word], start: int) -> bool:
    """Whether ``line[start]`` is the year of a date written with its month's name (``29 Mar
    2013``: a day, a word of letters, a year)."""
    return (
        start >= 2
        and bool(_YEAR.match(line[start].text))
        and line[start - 1].text.rstrip(".,").isalpha()
        and 3 <= len(line[start - 1].text.rstrip(".,")) <= 9
        and bool(_DAY.match(line[start - 2].text))
    )


def _day_of_a_date(line: list[Word], start: int) -> bool:
    """Whether ``line[start]`` is the day of a date written with its month's name (``05 Jan
    2017``: a day, a word of letters, a year)."""
    return start + 2 < len(line) and _year_of_a_date(line, start + 2)


def _lost_mark(word: Word, cents: Word, middle: float) -> bool:
    """Whether ``word`` and ``cents`` are one amount whose decimal mark OCR did not see
    (``3 08`` for 3.08): a whole number and two digits a narrow gap apart, in the amounts'
    half of the page."""
    gap = cents.x0 - word.x1
    return (
        word.x0 > middle
        and bool(_WHOLE_HEAD.match(word.text) and _CENTS.match(cents.text))
        and 0 <= gap < 0.5 * (word.bottom - word.top)
    )


def _reread(pic: Image.Image, group: list[Word]) -> tuple[str, float, bool]:
    """The text and confidence (0–1) of a second reading of ``group``'s box in ``pic``, and
    whether the recogniser read it.

    By the recogniser of :mod:`.number_reader` where it is installed: the box with a narrow
    margin (TIGHT_MARGIN), nothing but NUMBER_CHARS allowed. Else by Tesseract: the box with a
    margin, scaled to REREAD_HEIGHT, read as one line of digits and separators; a reading that
    lost characters the page read (nothing, ``.00`` for ``15.00``, ``30.9`` for ``30.91``) is
    mostly the margin's doing: it took in the ink of a neighbouring word or line, and
    Tesseract's line finding made that the line. The box is then read once more with the
    narrow margin, and that reading counts instead."""
    if number_reader.available():
        recognised = number_reader.read(_crop(pic, group, TIGHT_MARGIN), NUMBER_CHARS)
        if recognised is not None:
            return (*recognised, True)
    text, sure = _read_crop(pic, group, WIDE_MARGIN)
    if len(_number_key(text)) < len(_number_key("".join(w.text for w in group))):
        text, sure = _read_crop(pic, group, TIGHT_MARGIN)
    return text, sure, False


def _prefixed(text: str) -> re.Match[str] | None:
    """An amount or a date with letters glued before it (see _PREFIXED_AMOUNT), or None."""
    return _PREFIXED_AMOUNT.match(text) or _PREFIXED_DATE.match(text)


def _crop(pic: Image.Image, group: list[Word], margin: tuple[float, float]) -> Image.Image:
    """``group``'s box in ``pic`` with ``margin`` (across, up and down, in units of 15 % of its
    height); for an amount with its currency glued on, its digits only."""
    x0, top = min(w.x0 for w in group), min(w.top for w in group)
    x1, bottom = max(w.x1 for w in group), max(w.bottom for w in group)
    pad = max(2.0, 0.15 * max(bottom - top, 1.0))
    across, down = margin
    left = x0 - across * pad
    prefixed = _prefixed(group[0].text) if len(group) == 1 else None
    if prefixed:  # the digits only, and no margin before them
        left = _digits_start(pic, group[0], len(prefixed.group(1)))
    return pic.crop(
        (
            round(max(0.0, left)),
            round(max(0.0, top - down * pad)),
            round(min(pic.width, x1 + across * pad)),
            round(min(pic.height, bottom + down * pad)),
        )
    )


def _digits_start(pic: Image.Image, word: Word, letters: int) -> float:
    """Where the digits of ``word`` begin, its first ``letters`` characters being letters glued
    before them ("RM7.70"): the middle of the gap between glyphs nearest the letters' share of
    its width, from half a character before it to a character after. Glyphs are not all as
    wide (digits are, and most capitals are wider: an "M" by a third), so a cut at the share
    alone can take in a letter's last stroke, which a reading of digits reads as a "1"
    ("17.70"); print leaves blank columns between two glyphs (where none is, the palest), whose
    edges still hold the glyphs' faint outlines (a cut there: "19.75" for RM9.75)."""
    share = (word.x1 - word.x0) / len(word.text)
    guess = word.x0 + share * letters
    lo, hi = round(max(word.x0, guess - share / 2)), round(min(word.x1, guess + share))
    if hi - lo < 2 or word.bottom - word.top < 2:
        return guess
    strip = pic.crop((lo, round(word.top), hi, round(word.bottom))).convert("L")
    values = strip.tobytes()
    middle = (min(values) + max(values)) / 2
    ink = [sum(v < middle for v in values[x :: strip.width]) for x in range(strip.width)]
    runs: list[list[int]] = []  # runs of blank columns
    for x, dark in enumerate(ink):
        if dark > min(ink):
            continue
        if runs and runs[-1][-1] == x - 1:
            runs[-1].append(x)
        else:
            runs.append([x])
    # The middle of the gap nearest the guess: its edges hold the glyphs' faint outlines.
    gap = min(runs, key=lambda run: min(abs(lo + x - guess) for x in run))
    return lo + (gap[0] + gap[-1]) / 2


def _read_crop(
    pic: Image.Image, group: list[Word], margin: tuple[float, float]
) -> tuple[str, float]:
    """One Tesseract reading of ``group``'s box with ``margin`` (see :func:`_crop`)."""
    from PIL import Image, ImageOps

    height = max(max(w.bottom for w in group) - min(w.top for w in group), 1.0)
    crop = _crop(pic, group, margin)
    crop = crop.resize(_scaled(crop.size, REREAD_HEIGHT / height), Image.Resampling.LANCZOS)
    api = _digits_api()
    api.SetImage(ImageOps.expand(crop, 10, fill=255))
    try:
        text = (api.GetUTF8Text() or "").strip()
    except RuntimeError:  # nothing to read in the crop
        return "", 0.0
    return text, max(0.0, min(1.0, api.MeanTextConf() / 100))


def _digits_api() -> Any:
    """The Tesseract instance that re-reads numbers: English data, one line of text, nothing
    but NUMBER_CHARS allowed (kept for reuse like the page's instances)."""
    import tesserocr

    if "digits" not in _apis:  # tessdata() holds English wherever OCR runs
        api = tesserocr.PyTessBaseAPI(path=tessdata(), lang="eng", psm=tesserocr.PSM.SINGLE_LINE)
        api.SetVariable("tessedit_char_whitelist", NUMBER_CHARS)
        _apis["digits"] = api
    return _apis["digits"]


def _number_key(text: str) -> str:
    """A number as the two readings are compared: its digits and separators, a decimal comma
    as a point, without the punctuation around it (``(0.17)``, ``73.00:``)."""
    kept = re.sub(r"[^\d.,/:-]", "", text).replace(",", ".")
    return kept.strip(".:")


def _voted(group: list[Word], reread: tuple[str, float], recognised: bool) -> list[Word]:
    """The words of one number after its second reading (see :func:`reread_numbers`).

    Both readings the same: the number is as sure as the surer reading. An amount with its cents
    that the second reading does not repeat: the page's words stay, capped at DOUBTFUL (a
    misread digit is likely; a value read from them needs the page's sums to back it) — unless
    the second reading is the recogniser's (``recognised``, see :mod:`.number_reader`) and an
    amount too: then it replaces the page's, capped the same (where the two engines differed on
    a receipt's total, the recogniser was right 19 times of 22, the page once). A whole amount
    only the second reading gives (``1700`` read again as ``17.00``) replaces the page's words,
    capped at DOUBTFUL too; so do the recogniser's digits where the page read a whole number or
    garble (``7 on`` read again as ``700``: a decimal mark neither engine saw, which the page's
    sums may put back, see :mod:`coop_rules.extraction.reconcile`). A second reading below
    MIN_REREAD has no vote, but one that repeats the page's number still confirms it. A date
    Tesseract's second reading does not repeat keeps its page confidence: read alone, with
    nothing but digits allowed, it misread dates more often than the page did (3 of 7 receipts'
    dates read again differed, every one right on the page); only a year that cannot be a
    document's is taken from it (see :func:`_year_reread`). The recogniser's date replaces the
    page's: with its own confidence where it read it at SURE_READ or more, else capped at
    DOUBTFUL like an amount. On 239 receipt scans the two engines read a date differently 19
    times: the recogniser was right 17 times, each read at 0.97 or more (``28/02/2014`` for
    2016, ``24-01-14`` for 2016, ``35-06-16`` for 30), and wrong twice, read at 0.88 and 0.90;
    the page was right twice (once with the recogniser, the day and month read the other way
    round). A label glued before the date stays. So does the year of a date written with its
    month's name (``29 Mar 2013``), where the recogniser is sure of it.
    """
    text, sure = reread
    page_text = "".join(w.text for w in group)
    page_key = _number_key(page_text)
    key = _number_key(text)
    if key == page_key and key:
        # Two readings alike confirm the number however unsure the second was of its
        # glyphs: the same misread digits in both are what is unlikely.
        return [replace(w, confidence=max(w.confidence, sure), confirmed=True) for w in group]
    if sure < MIN_REREAD:
        return group  # a second reading this unsure has no vote
    year = None if recognised else _year_reread(page_key, key)  # (the recogniser's: below)
    if year is not None:
        return [Word(year, *_box(group), min(sure, *(w.confidence for w in group)))]
    dated = bool(_DATE.match(key) and (_DATE.match(page_key) or _LETTERED_DATE.match(page_text)))
    if recognised and (dated or bool(_YEAR.match(page_key) and _YEAR.match(key))):
        glued = _PREFIXED_DATE.match(group[0].text) if len(group) == 1 else None
        label = glued.group(1) if glued else ""
        return [Word(label + key, *_box(group), sure if sure >= SURE_READ else min(sure, DOUBTFUL))]
    if _AMOUNT.match(page_key) and not (recognised and _AMOUNT.match(key)):
        return [replace(w, confidence=min(w.confidence, DOUBTFUL)) for w in group]
    if _AMOUNT.match(key) and not _DATE.match(page_key):
        return [Word(re.sub(r"\s+", "", text).strip(".:"), *_box(group), min(sure, DOUBTFUL))]
    digits = re.sub(r"\s+", "", text).strip(":").rstrip(".")
    if recognised and _DIGITS.match(digits) and not _MARKED.match(page_text):
        # A number the page read garbled ("7 on", "RM U2") or as other digits ("280" under a
        # dashed rule): the recogniser's digits ("700", ".02", "9280"), doubtful like an amount.
        return [Word(digits, *_box(group), min(sure, DOUBTFUL))]
    return group


def _box(group: list[Word]) -> tuple[float, float, float, float]:
    """The box around ``group``'s words."""
    return (
        min(w.x0 for w in group),
        min(w.top for w in group),
        max(w.x1 for w in group),
        max(w.bottom for w in group),
    )


def _year_reread(page_key: str, key: str) -> str | None:
    """The second reading of a date whose year as the page read it cannot be a document's
    (``12-02-2618``: before FIRST_YEAR or after next year) when the second reading is the same
    day and month in a possible year (``12-02-2018``); else None. The year is read again,
    never guessed: a date the second reading does not give stays as the page read it."""
    page, again = _DATE_PARTS.match(page_key), _DATE_PARTS.match(key)
    if page is None or again is None or len(page.group(3)) != 4 or len(again.group(3)) != 4:
        return None
    if page.group(1, 2) != again.group(1, 2):
        return None
    last = date.today().year + 1
    if FIRST_YEAR <= int(page.group(3)) <= last or not FIRST_YEAR <= int(again.group(3)) <= last:
        return None
    return key


def _lines_of(words: list[Word]) -> list[list[Word]]:
    """The visual lines of ``words`` that hold more than specks and the paper's edges."""
    lines = (_without_edges(line) for line in visual_lines(words) if not _noise_line(line))
    return [line for line in lines if line]


# Marks OCR reads from the paper rather than the print: the edge of a receipt, a fold or a
# scanner's shadow beside the text comes out as a vertical bar, often at high confidence
# (0.9 and more on half the lines of a creased receipt: "| Sdn Bhd |").
EDGE_MARKS = frozenset({"|", "||", "|||", "¦", "‖"})


def _without_edges(line: list[Word]) -> list[Word]:
    """``line`` without the vertical bars at its ends (see EDGE_MARKS): printed text never
    begins or ends a line with a bar alone, and left there it joins the shop's name line
    ("THAI DELICIOUS RESTAURANT |") and breaks a name from its legal form on the next line."""
    start, end = 0, len(line)
    while start < end and line[start].text in EDGE_MARKS:
        start += 1
    while end > start and line[end - 1].text in EDGE_MARKS:
        end -= 1
    return line[start:end]


def _read_marks(line: list[Word]) -> list[Word]:
    """``line`` with the section sign OCR reads for an ampersand read as one: a "§" standing
    alone between words ("STATIONERY § BOOKS"); printed, a section sign is followed by its
    number ("§ 14")."""
    out = list(line)
    for i in range(1, len(out) - 1):
        after = out[i + 1].text
        if out[i].text == "§" and not after[:1].isdigit() and out[i - 1].text[-1:].isalpha():
            out[i] = replace(out[i], text="&")
    return out


APART = 0.5  # points between two words cut apart (touching boxes are one word again)


def _currency_apart(line: list[Word]) -> list[Word]:
    """``line`` with an amount's currency OCR glued to it ("RM3.00", misread "RH73.00",
    "FM3.00") made a word of its own, as printed: the letters are no digits of the amount.
    The letters' box is their share of the word's width."""
    out = []
    for word in line:
        glued = _PREFIXED_AMOUNT.match(word.text)
        if glued is None or not glued.group(1).isalpha():
            out.append(word)
            continue
        cut = word.x0 + (word.x1 - word.x0) * len(glued.group(1)) / len(word.text)
        letters = replace(word, text=glued.group(1), x1=cut - APART)
        out += [letters, replace(word, text=glued.group(2), x0=cut)]
    return out


def _noise_line(line: list[Word]) -> bool:
    """Whether a line is specks read as letters: nothing but words of one or two characters,
    all unsure ("we", "En" from a torn edge or a stamp above a receipt's shop name)."""
    short = all(len(w.text) <= 2 and w.confidence < NOISE_CONFIDENCE for w in line)
    return short or all(w.confidence < GARBLE_CONFIDENCE for w in line)


def _in_band(line: list[Word], band: tuple[int, int, int, int] | None) -> list[Word]:
    """The words of one text line Tesseract read, each stretched to the line's height.

    A photographed receipt's paper bends: an amount at the right edge sits half a line below
    its label ("CASH :" ... "40.00"), and boxes alone would put them on two lines, where
    Tesseract's line finding, which follows the baseline, keeps them on one. Giving all the
    line's words its band keeps them together in every later step (each box still holds its
    word). A line much taller than its smallest word (a large title beside small print, where
    the band would reach into the next line of small print) is left as it is.
    """
    heights = [w.bottom - w.top for w in line if sum(c.isalnum() for c in w.text) >= 2]
    if band is None or not heights or band[3] - band[1] > MAX_BAND * min(heights):
        return line
    return [replace(w, top=min(w.top, band[1]), bottom=max(w.bottom, band[3])) for w in line]


# OCR splits an amount at its decimal mark when the print leaves a gap there ("49. 39",
# "-0. 83", "-50, 00"): the integer part ending in the mark, then exactly two digits.
_AMOUNT_HEAD = re.compile(r"^[-(]?(?:[A-Z]{1,3})?\d{1,7}[.,]$")
_AMOUNT_CENTS = re.compile(r"^\d{2}(?![\d/:]|[.,-]\d)")  # not a date, a time
MAX_MARK_GAP = 0.8  # the widest gap after a decimal mark, in the word's heights
# The cents' box may begin inside the integer part's: a second reading of the amount's box
# ("100." over "100. 60") can give the integer part a box reaching over the cents.


def _joined_amounts(line: list[Word]) -> list[Word]:
    """``line`` (one visual line, left to right) with amounts split at the decimal mark joined
    into one word (see _AMOUNT_HEAD), with the joined box and the less sure confidence. The
    cents stand right of the integer part: their box ends further right, and may begin inside
    the integer part's (see MAX_MARK_GAP)."""
    out: list[Word] = []
    for word in line:
        head = out[-1] if out else None
        if (
            head is not None
            and _AMOUNT_HEAD.match(head.text)
            and _AMOUNT_CENTS.match(word.text)
            and head.x0 < word.x0
            and head.x1 < word.x1
            and word.x0 - head.x1 <= MAX_MARK_GAP * (head.bottom - head.top)
        ):
            out[-1] = Word(
                head.text + word.text,
                head.x0,
                min(head.top, word.top),
                word.x1,
                max(head.bottom, word.bottom),
                min(head.confidence, word.confidence),
                head.confirmed and word.confirmed,
            )
        else:
            out.append(word)
    return out


def _segmentation(size: tuple[int, int]) -> int:
    """Tesseract's page segmentation mode for a picture of ``size``: one block of text for a
    till receipt's single column (RECEIPT_ASPECT), its automatic analysis for anything else."""
    import tesserocr

    width, height = size
    if BLOCK_RECEIPTS and height >= RECEIPT_ASPECT * width:
        return int(tesserocr.PSM.SINGLE_BLOCK)
    return int(tesserocr.PSM.AUTO)


def _speck(text: str, confidence: float) -> bool:
    """Whether a "word" is dust or a scanner speck read as a mark: punctuation alone that OCR is
    unsure of (``:``, ``»``, ``\\`` beside the words of a noisy scan), or a sign or two it is
    all but sure is nothing."""
    if not any(c.isalnum() for c in text):
        return confidence < SPECK_CONFIDENCE and text not in KEPT_SIGNS
    return len(text) <= 2 and confidence < 0.1


def _deskew(api: Any, pic: Image.Image, angle: float | None) -> tuple[Image.Image, float]:
    """``pic`` turned straight when its lines are askew by ``angle`` (counter-clockwise degrees;
    None: as Tesseract's layout analysis finds them), and the angle it was turned by (0.0 when
    it was left as it is).

    Tesseract reads askew lines well, but its word boxes stay askew: across an A4 page a tilt
    of 1° moves a line's right end by a line height, so words of one table row would fall into
    two lines of the layout. Straightened, a row's words share a band again.
    """
    if not DESKEW:
        return pic, 0.0
    if angle is None:
        layout = api.AnalyseLayout()
        if layout is None:
            return pic, 0.0
        angle = math.degrees(layout.Orientation()[3])
    if not MIN_SKEW <= abs(angle) <= MAX_SKEW:
        return pic, 0.0
    from PIL import Image

    straight = pic.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    _show(api, straight)
    return straight, angle


def image_points(image: Image.Image) -> float:
    """Points per pixel of an image file's page: 72 / its resolution (or ASSUMED_DPI)."""
    return 72 / _dpi(image)


def _dpi(image: Image.Image) -> float:
    dpi = image.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    return value if 50 <= value <= 1200 else ASSUMED_DPI


class Budget:
    """The pages and the time one document's OCR may take, and notes on what it skipped."""

    def __init__(self, path: str, max_pages: int, seconds: float) -> None:
        self.path = path
        self.max_pages = max_pages
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds
        self.read = 0
        self.wanted = 0
        self.out_of_time = False

    def allow(self) -> bool:
        """Whether one more page may be read (count every page that wanted OCR)."""
        self.wanted += 1
        if self.read >= self.max_pages:
            return False
        if time.monotonic() > self.deadline:
            self.out_of_time = True
            return False
        self.read += 1
        return True

    def notes(self) -> tuple[ReadProblem, ...]:
        if self.read >= self.wanted:
            return ()
        why = (
            f"OCR stopped after {self.seconds:.0f} s"
            if self.out_of_time
            else f"at most {self.max_pages} pages of a document are read by OCR"
        )
        reason = f"OCR read {self.read} of its {self.wanted} scanned pages ({why})"
        return (ReadProblem(self.path, ProblemKind.OCR_PARTIAL, reason),)


def budget_for(path: str, limits: Limits) -> Budget:
    return Budget(path, limits.max_ocr_pages, TIME_SHARE * limits.timeout)


def read_image(path: Path, display_path: str, limits: Limits) -> tuple[tuple[Page, ...], tuple]:
    """OCR every page of an image file (one, or each frame of a multi-page TIFF), within the
    page cap and time share of ``limits``: the pages, and notes on what was not read."""
    budget = budget_for(display_path, limits)
    pages: list[Page] = []
    from PIL import Image, ImageSequence

    with Image.open(path) as image:
        reason = too_large(image)
        if reason is not None:
            return (), (ReadProblem(display_path, ProblemKind.TOO_LARGE, reason),)
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
            if not budget.allow():
                budget.wanted += getattr(image, "n_frames", number) - number
                break
            _draft(frame)
            frame.load()
            pages.append(recognise(frame, number))
    return tuple(pages), budget.notes()


def _draft(image: Image.Image) -> None:
    """Let a JPEG decoder skip detail OCR would throw away (a 4x reduction at most)."""
    if image.format == "JPEG" and max(image.size) > 2 * MAX_LONG_SIDE:
        image.draft("RGB", (image.width // 2, image.height // 2))


def read_pdf_pages(data: bytes, numbers: list[int], budget: Budget) -> dict[int, Page]:
    """OCR the pages ``numbers`` (1-based) of the PDF ``data``: each drawn at PDF_DPI (fewer
    pixels for a huge page) under the PDFium lock, then read."""
    import pypdfium2 as pdfium

    from coop_rules.documents.pdfium import LOCK

    out: dict[int, Page] = {}
    for number in numbers:
        if not budget.allow():
            continue
        with LOCK:
            document = pdfium.PdfDocument(data)
            try:
                page = document[number - 1]
                width, height = page.get_size()
                scale = PDF_DPI / 72
                pixels = width * height * scale * scale
                if pixels > MAX_RENDER_PIXELS:
                    scale *= (MAX_RENDER_PIXELS / pixels) ** 0.5
                image = page.render(scale=scale, grayscale=True, may_draw_forms=False).to_pil()
                page.close()
            finally:
                document.close()
        out[number] = recognise(image, number, width, height, scanned_page=True)
    return out


def too_large(image: Image.Image) -> str | None:
    """Why an image is too large to OCR, or None."""
    if max(image.size) > MAX_SIDE:
        return (
            f"the image is {image.width:,} × {image.height:,} pixels; images up to "
            f"{MAX_SIDE:,} pixels a side are read by OCR"
        )
    return None


def register_heif() -> bool:
    """Let Pillow open HEIC/HEIF (iPhone photos) when pillow-heif is installed; whether it can."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return False
    register_heif_opener()
    return True
