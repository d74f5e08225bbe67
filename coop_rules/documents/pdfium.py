"""PDFium access: the characters of every page, with boxes in points, origin top-left.

Everything that calls into PDFium (through pypdfium2's ctypes bindings) lives here, behind one
lock: PDFium is not thread-safe, and a pypdfium2 object closed by the garbage collector in
another thread would call into it too, so every handle is opened and closed explicitly inside
the lock. The raw API is used rather than pypdfium2's helper classes: it is one ctypes call per
value (the helpers add a Python layer per character) and it lets us close exactly what we open.

Coordinates: PDFium reports characters in PDF user space (origin bottom-left of the MediaBox,
unrotated). :func:`_chars` maps them onto the page as it is displayed: relative to the top-left
corner of the visible box (CropBox ∩ MediaBox), with the page's /Rotate applied — what a viewer
shows. That is pdfplumber's convention on every page whose MediaBox starts at 0, 0 and has no
smaller CropBox (all the real invoices we have), so boxes stay comparable; where a box is offset
pdfplumber mixes MediaBox and page coordinates, and ours still match the rendered page.

Embedded files (the document's EmbeddedFiles name tree, where ZUGFeRD / Factur-X / XRechnung put
their XML) are read in the same pass: their names always, their bytes only when the caller wants
them (by name and MIME subtype) and they are not larger than the caller's cap. PDFium decodes an
embedded file's whole stream to report its size, so unwanted files (images, PDFs) are never
decoded at all.
"""

from __future__ import annotations

import ctypes
import itertools
import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pypdfium2  # noqa: F401  (importing it initialises the PDFium library once per process)
import pypdfium2.raw as pdfium_c

# PDFium is not thread-safe: hold this around every call into it.
LOCK = threading.Lock()

# A character as read: (text, x0, top, x1, bottom, font size, turn), in points on the displayed
# page; ``turn`` is how the glyph is turned as displayed, in quarter turns clockwise (0 upright,
# reading right; 1 reading down; 2 upside down, reading left; 3 reading up), -1 at another angle.
# Word breaks (spaces, PDFium's generated spaces and line breaks) come as BREAK, whose other
# fields mean nothing.
Char = tuple[str, float, float, float, float, float, int]
BREAK: Char = (" ", 0.0, 0.0, 0.0, 0.0, 0.0, -1)

# At most this many embedded files are looked at (a PDF may declare any number).
MAX_ATTACHMENTS = 100

# pdfplumber expands these presentation-form ligatures by default; do the same so words read
# "Zertifikat", not "Zertiﬁkat".
_LIGATURES = {
    0xFB00: "ff",
    0xFB01: "fi",
    0xFB02: "fl",
    0xFB03: "ffi",
    0xFB04: "ffl",
    0xFB05: "ſt",
    0xFB06: "st",
}
# PDFium reports a hyphen it takes for a line-end hyphenation as U+0002: it is a printed hyphen,
# keep it as one. So is a soft hyphen (U+00AD) that a content stream draws.
_HYPHENS = frozenset({0x02, 0xAD})
_WHITESPACE = frozenset(c for c in range(0x3000 + 1) if chr(c).isspace()) | {0xFEFF, 0x200B}


class PdfiumOpenError(Exception):
    """The document could not be opened; ``code`` is PDFium's FPDF_ERR_* value."""

    def __init__(self, code: int) -> None:
        super().__init__(f"PDFium error {code}")
        self.code = code


@dataclass(frozen=True)
class RawPage:
    """One page as PDFium reads it: size as displayed and its characters in stream order.

    ``image_cover`` is the share of the page the largest image covers, measured only on a page
    with fewer than SCAN_CHARS characters (0.0 otherwise): with no text, a large image is a scan.
    """

    width: float
    height: float
    chars: list[Char]
    image_cover: float = 0.0


@dataclass(frozen=True)
class RawAttachment:
    """One embedded file: its name and MIME subtype, and its bytes when they were read.

    ``data`` is None when the file was not wanted, was larger than the cap (``size`` still says
    how large), or has no stream PDFium can decode; ``skipped`` then says which, or is None for
    a file that was simply not wanted.
    """

    name: str
    subtype: str
    data: bytes | None
    size: int = 0
    skipped: str | None = None


@dataclass(frozen=True)
class RawPdf:
    """What one pass over a PDF gives: page count, pages (unless too many) and embedded files.

    ``too_many_chars`` is True when reading stopped because the pages held more characters
    than the caller's cap (``pages`` then holds what was read so far).
    """

    page_count: int
    pages: list[RawPage]
    attachments: list[RawAttachment]
    too_many_chars: bool = False


# Whether an embedded file's bytes are wanted, from its name and MIME subtype ("text/xml").
AttachmentFilter = Callable[[str, str], bool]


def read_raw(
    source: Path | bytes,
    max_pages: int,
    wanted: AttachmentFilter | None = None,
    max_attachment_bytes: int = 0,
    max_chars: int | None = None,
) -> RawPdf:
    """The document's page count and, if it is at most ``max_pages``, every page's characters
    (at most ``max_chars`` in all) and its embedded files (bytes only for those ``wanted`` and
    at most ``max_attachment_bytes``).

    Raises:
        PdfiumOpenError: PDFium cannot open the file (``code`` tells a password from damage).
    """
    # Read-only, and closed at once: PDFium parses the bytes in memory (``data`` stays alive,
    # and unchanged, until the document is closed below).
    data = source if isinstance(source, bytes) else source.read_bytes()
    with LOCK:
        doc = pdfium_c.FPDF_LoadMemDocument64(data, len(data), None)
        if not doc:
            raise PdfiumOpenError(pdfium_c.FPDF_GetLastError())
        try:
            count = pdfium_c.FPDF_GetPageCount(doc)
            if count > max_pages:
                return RawPdf(count, [], [])
            pages: list[RawPage] = []
            budget = max_chars if max_chars is not None else -1
            for index in range(count):
                # Stop at the cap, mid-page too: a page may draw millions of characters.
                pages.append(_read_page(doc, index, budget + 1 if budget >= 0 else None))
                if budget >= 0:
                    budget -= len(pages[-1].chars)
                    if budget < 0:
                        return RawPdf(count, pages, [], too_many_chars=True)
            attachments = _attachments(doc, wanted, max_attachment_bytes) if wanted else []
            return RawPdf(count, pages, attachments)
        finally:
            pdfium_c.FPDF_CloseDocument(doc)


def _wide_string(getter: Callable[..., int], handle: object) -> str:
    """A UTF-16LE string PDFium writes into a caller's buffer (length in bytes, NUL included)."""
    length = getter(handle, None, 0)
    if length <= 2:
        return ""
    buffer = ctypes.create_string_buffer(length)
    getter(handle, ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR)), length)
    return buffer.raw[:length].decode("utf-16-le", errors="replace").rstrip("\x00")


def _attachments(doc: object, wanted: AttachmentFilter, max_bytes: int) -> list[RawAttachment]:
    """The document's embedded files; call with LOCK held."""
    # FPDFAttachment_GetSubtype is recent (PDFium 2023); without it, names decide alone.
    get_subtype = getattr(pdfium_c, "FPDFAttachment_GetSubtype", None)
    found = []
    for index in range(min(pdfium_c.FPDFDoc_GetAttachmentCount(doc), MAX_ATTACHMENTS)):
        handle = pdfium_c.FPDFDoc_GetAttachment(doc, index)
        if not handle:
            continue
        # Attachment handles belong to the document: closing the document frees them.
        name = _wide_string(pdfium_c.FPDFAttachment_GetName, handle)[:200]
        subtype = _wide_string(get_subtype, handle)[:100] if get_subtype else ""
        if not wanted(name, subtype):
            found.append(RawAttachment(name, subtype, None))
            continue
        size = ctypes.c_ulong(0)
        if not pdfium_c.FPDFAttachment_GetFile(handle, None, 0, size):
            found.append(RawAttachment(name, subtype, None, 0, "its stream cannot be decoded"))
            continue
        if size.value > max_bytes:
            limit = f"{max_bytes / 2**20:g} MB"
            found.append(RawAttachment(name, subtype, None, size.value, f"larger than {limit}"))
            continue
        buffer = ctypes.create_string_buffer(max(size.value, 1))
        written = ctypes.c_ulong(0)
        if (
            not pdfium_c.FPDFAttachment_GetFile(handle, buffer, size.value, written)
            or written.value != size.value
        ):
            found.append(RawAttachment(name, subtype, None, 0, "its stream cannot be decoded"))
            continue
        found.append(RawAttachment(name, subtype, buffer.raw[: size.value], size.value))
    return found


def _read_page(doc: object, index: int, max_chars: int | None = None) -> RawPage:
    page = pdfium_c.FPDF_LoadPage(doc, index)
    if not page:  # a page object PDFium cannot load: keep the numbering, without text
        size = pdfium_c.FS_SIZEF()
        if not pdfium_c.FPDF_GetPageSizeByIndexF(doc, index, size):
            size.width, size.height = 0.0, 0.0
        return RawPage(size.width, size.height, [])
    try:
        width = pdfium_c.FPDF_GetPageWidthF(page)
        height = pdfium_c.FPDF_GetPageHeightF(page)
        bbox = pdfium_c.FS_RECTF()
        if not pdfium_c.FPDF_GetPageBoundingBox(page, bbox):
            bbox.left, bbox.bottom, bbox.right, bbox.top = 0.0, 0.0, width, height
        rotation = pdfium_c.FPDFPage_GetRotation(page) % 4  # quarter turns, clockwise
        text_page = pdfium_c.FPDFText_LoadPage(page)
        if not text_page:
            return RawPage(width, height, [])
        try:
            chars = list(itertools.islice(_chars(text_page, bbox, rotation), max_chars))
        finally:
            pdfium_c.FPDFText_ClosePage(text_page)
        cover = _image_cover(page, width * height) if len(chars) < SCAN_CHARS else 0.0
        return RawPage(width, height, chars, cover)
    finally:
        pdfium_c.FPDF_ClosePage(page)


# Pages with fewer characters than this are checked for a scanned image (text-quality check).
SCAN_CHARS = 200
MAX_PAGE_OBJECTS = 2000  # objects looked at per page for images (a scan has a handful)


def _image_cover(page: object, area: float) -> float:
    """The share of the page's ``area`` that its largest image covers (top-level images and
    those one form XObject down); call with LOCK held."""
    if area <= 0:
        return 0.0
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    largest = 0.0
    objects = [
        pdfium_c.FPDFPage_GetObject(page, i)
        for i in range(min(pdfium_c.FPDFPage_CountObjects(page), MAX_PAGE_OBJECTS))
    ]
    for obj in objects:
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            count = min(pdfium_c.FPDFFormObj_CountObjects(obj), MAX_PAGE_OBJECTS)
            inner = [pdfium_c.FPDFFormObj_GetObject(obj, i) for i in range(count)]
            kinds = [(o, pdfium_c.FPDFPageObj_GetType(o)) for o in inner]
        else:
            kinds = [(obj, kind)]
        for image, image_kind in kinds:
            if image_kind != pdfium_c.FPDF_PAGEOBJ_IMAGE:
                continue
            if pdfium_c.FPDFPageObj_GetBounds(image, left, bottom, right, top):
                size = max(0.0, right.value - left.value) * max(0.0, top.value - bottom.value)
                largest = max(largest, size)
    return min(1.0, largest / area)


def _chars(text_page: object, bbox: pdfium_c.FS_RECTF, rotation: int) -> Iterator[Char]:
    """The text page's characters, whitespace folded into BREAK, boxes mapped to the display."""
    get_unicode = pdfium_c.FPDFText_GetUnicode
    get_box = pdfium_c.FPDFText_GetLooseCharBox
    get_origin = pdfium_c.FPDFText_GetCharOrigin
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    left, bottom, right, top = bbox.left, bbox.bottom, bbox.right, bbox.top
    rect = pdfium_c.FS_RECTF()
    matrix = pdfium_c.FS_MATRIX()
    last_height, size, up, turn = -1.0, 0.0, -1, -1  # see _size_and_up
    pending_high = 0  # a UTF-16 high surrogate waiting for its low half (PDFium counts both)
    for i in range(pdfium_c.FPDFText_CountChars(text_page)):
        code = get_unicode(text_page, i)
        if code in _WHITESPACE:
            pending_high = 0
            yield BREAK
            continue
        if 0xD800 <= code < 0xDC00:
            pending_high = code
            continue
        if 0xDC00 <= code < 0xE000:
            if not pending_high:
                continue  # a lone low surrogate: nothing printable
            code = 0x10000 + ((pending_high - 0xD800) << 10) + (code - 0xDC00)
            pending_high = 0
        if code in _HYPHENS:
            text = "-"
        elif code < 0x20 and code != 0:
            yield BREAK  # other control characters: nothing printed, treat as a break
            continue
        else:
            text = _LIGATURES.get(code) or chr(code)
        if not get_box(text_page, i, rect):
            continue
        x0, x1, y0, y1 = rect.left, rect.right, rect.bottom, rect.top
        if x0 > x1:
            x0, x1 = x1, x0
        if y0 > y1:
            y0, y1 = y1, y0
        # The loose box spans the font's descent to its ascent, which for many fonts is a third
        # taller than the font size: cut it to one font size from the descent line, as pdfminer
        # does, or a large heading would reach into the lines above and below it. Characters in
        # a run of the same font and size have the same box height: ask PDFium only on a change.
        if y1 - y0 != last_height:
            last_height = y1 - y0
            size, up = _size_and_up(text_page, i, matrix, last_height)
            turn = (up + rotation) % 4 if up >= 0 else -1
        if up < 0:
            pass  # text at an angle: PDFium's box as it is
        elif (y1 - y0 if up % 2 == 0 else x1 - x0) < 0.6 * size:
            # The font has no usable ascent and descent, and PDFium gave the glyph's own box (a
            # hyphen a line thick): put a font-size box on the baseline, 0.2 em below it.
            if get_origin(text_page, i, origin_x, origin_y):
                if up == 0:
                    y0 = origin_y.value - 0.2 * size
                    y1 = y0 + size
                elif up == 2:
                    y1 = origin_y.value + 0.2 * size
                    y0 = y1 - size
                elif up == 1:
                    x0 = origin_x.value - 0.2 * size
                    x1 = x0 + size
                else:
                    x1 = origin_x.value + 0.2 * size
                    x0 = x1 - size
        elif up == 0:
            y1 = y0 + size
        elif up == 2:
            y0 = y1 - size
        elif up == 1:
            x1 = x0 + size
        else:
            x0 = x1 - size
        # From PDF user space to the displayed page, origin top-left (see the module docstring).
        if rotation == 0:
            yield (text, x0 - left, top - y1, x1 - left, top - y0, size, turn)
        elif rotation == 1:
            yield (text, y0 - bottom, x0 - left, y1 - bottom, x1 - left, size, turn)
        elif rotation == 2:
            yield (text, right - x1, y0 - bottom, right - x0, y1 - bottom, size, turn)
        else:
            yield (text, top - y1, right - x1, top - y0, right - x0, size, turn)


def _size_and_up(
    text_page: object, index: int, matrix: pdfium_c.FS_MATRIX, height: float
) -> tuple[float, int]:
    """The character's font size in points, and how its glyph is turned in user space, in
    quarter turns clockwise (0 upright … 3), or -1 at another angle (its box is then left as
    PDFium gives it)."""
    font_size = pdfium_c.FPDFText_GetFontSize(text_page, index)
    if font_size <= 0 or not pdfium_c.FPDFText_GetMatrix(text_page, index, matrix):
        return height, -1
    # The matrix maps text space to user space: its second row is where the glyph's "up" goes,
    # and its length scales the font size (a page drawn at 0.75 "cm", a Tm that sets the size).
    c, d = matrix.c, matrix.d
    size = font_size * math.hypot(c, d)
    if size <= 0:
        return height, -1
    if abs(c) <= 1e-3 * abs(d):
        return size, 0 if d > 0 else 2
    if abs(d) <= 1e-3 * abs(c):
        return size, 1 if c > 0 else 3
    return size, -1
