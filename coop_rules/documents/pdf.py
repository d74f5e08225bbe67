"""Read a PDF's text layer with PDFium: positioned words per page, and the page's plain text.

PDFium (see :mod:`coop_rules.documents.pdfium`) gives every character with its box, in content
order, at C speed; this module makes words of them and lines of words:

* a word ends at whitespace (printed spaces, and the spaces and line breaks PDFium generates
  where text objects leave a gap) and where the next character does not follow on — a gap wider
  than a fraction of the font size, a jump back, or a move to another line;
* ``Page.words`` are the words in reading order (lines top to bottom, left to right); a line is
  a band of words that overlap vertically, as in :mod:`coop_rules.extraction.layout`;
* ``Page.text`` has one line per visual line, words joined by one space, and two or more spaces
  where a gap wider than a line height separates columns.

pdfplumber (pdfminer) is no longer used: it took 40–130 ms a page where this takes 2–5, and no
fallback to it is kept because PDFium opened every damaged file pdfminer could open when we
tried (files cut short at any point, without a trailer, with a broken or no cross-reference
table, with garbage before the header or zeroed blocks: both read the same files, and PDFium
read one more). Encryption comes from PDFium too: a file that needs a user password does not
open (FPDF_ERR_PASSWORD); one encrypted with only an owner password opens and is read.

Embedded files: only those that look like XML are kept, as ``Document.attachments`` (an
e-invoice — ZUGFeRD, Factur-X, XRechnung, UBL — is one XML file embedded in the PDF). A file is
decoded only when its name ends in ``.xml`` or its MIME subtype names XML, kept only when it is
at most MAX_ATTACHMENT_BYTES and its bytes start like XML; one that is too large or cannot be
decoded is kept without bytes, with the reason. Whether the XML is read at all is the
extractor's choice (``einvoice``); the reader does not parse it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pypdfium2.raw as pdfium_c

from coop_rules.documents import ocr
from coop_rules.documents.limits import DEFAULT_LIMITS, Limits
from coop_rules.documents.model import (
    MAX_ATTACHMENT_BYTES,
    Attachment,
    Document,
    DocumentError,
    Page,
    ProblemKind,
    ReadProblem,
    Word,
    visual_lines,
)
from coop_rules.documents.pdfium import BREAK, Char, PdfiumOpenError, RawAttachment, read_raw
from coop_rules.documents.preflight import check_pdf
from coop_rules.documents.quality import assess_page
from coop_rules.documents.sniff import PDF

# A gap between two characters wider than this many font sizes ends a word. Word spaces set by
# positioning rather than by a space character are 0.2–0.35 em; kerning and letter-spacing
# within a word stay under 0.1 em.
WORD_GAP = 0.15
# One word is set in one size: a character this many times larger or smaller than the one
# before it starts another word (two text boxes that touch, as OCR's boxes of a scanned receipt
# do: "TOTAL" + "RM21.85"). Small capitals are about 1.3 times smaller than capitals.
SIZE_JUMP = 1.5
# A gap between two words wider than this many line heights is a column break in Page.text
# (the same figure as layout.COLUMN_GAP).
COLUMN_GAP = 1.1

_OPEN_ERRORS = {
    pdfium_c.FPDF_ERR_PASSWORD: (
        ProblemKind.ENCRYPTED,
        "the PDF is protected by a password that is needed to open it (a copy saved without "
        "the password can be read)",
    ),
    pdfium_c.FPDF_ERR_SECURITY: (
        ProblemKind.ENCRYPTED,
        "the PDF is encrypted with a security handler that cannot be opened (password or "
        "certificate)",
    ),
    pdfium_c.FPDF_ERR_FILE: (ProblemKind.CORRUPT, "the file could not be read as a PDF"),
    pdfium_c.FPDF_ERR_PAGE: (ProblemKind.CORRUPT, "not a valid PDF (its pages cannot be found)"),
}


def read_pdf(path: Path, display_path: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Read every page's words and text; raise DocumentError for what cannot be read."""
    data = path.read_bytes()
    check_pdf(data, limits)  # a decompression bomb must never reach PDFium (it aborts)
    max_pages = limits.max_pages
    try:
        raw = read_raw(
            data, max_pages, _may_be_xml, MAX_ATTACHMENT_BYTES, max_chars=limits.max_chars
        )
    except PdfiumOpenError as exc:
        kind, reason = _OPEN_ERRORS.get(
            exc.code, (ProblemKind.CORRUPT, "not a valid PDF (damaged or truncated)")
        )
        raise DocumentError(kind, reason) from exc
    count = raw.page_count
    if count > max_pages:
        raise DocumentError(
            ProblemKind.TOO_LARGE, f"{count} pages; only documents up to {max_pages} pages are read"
        )
    if raw.too_many_chars:
        raise DocumentError(
            ProblemKind.TOO_LARGE,
            f"more than {limits.max_chars:,} characters of text "
            f"(in its first {len(raw.pages)} of {count} pages)",
        )
    if not raw.pages:
        raise DocumentError(ProblemKind.EMPTY, "the PDF has no pages")
    pages = []
    for number, raw_page in enumerate(raw.pages, start=1):
        lines = visual_lines(_words(raw_page.chars))
        pages.append(
            Page(
                number=number,
                width=raw_page.width,
                height=raw_page.height,
                words=tuple(word for line in lines for word in line),
                text="\n".join(_line_text(line) for line in lines),
                image_cover=raw_page.image_cover,
            )
        )
    notes: tuple[ReadProblem, ...] = ()
    if ocr.enabled(limits.ocr):
        pages, notes = _ocr_unreadable(data, pages, display_path, limits)
    if not any(p.has_text for p in pages):
        hint = "" if ocr.enabled(limits.ocr) else f"; {_ocr_hint(limits)}"
        raise DocumentError(
            ProblemKind.NO_TEXT,
            f"none of its {len(pages)} page(s) has a text layer (scanned?){hint}",
        )
    attachments = tuple(a for a in map(_attachment, raw.attachments) if a is not None)
    return Document(
        path=display_path,
        media_type=PDF,
        pages=tuple(pages),
        attachments=attachments,
        notes=notes,
    )


def _ocr_unreadable(
    data: bytes, pages: list[Page], display_path: str, limits: Limits
) -> tuple[list[Page], tuple[ReadProblem, ...]]:
    """Pages without a usable text layer (scanned, or garbled: see
    :mod:`coop_rules.documents.quality`) read again by OCR, within its page cap and time."""
    unread = [p.number for p in pages if assess_page(display_path, p).problem is not None]
    if not unread:
        return pages, ()
    budget = ocr.budget_for(display_path, limits)
    read = ocr.read_pdf_pages(data, unread, budget)
    return [read.get(p.number, p) for p in pages], budget.notes()


def _ocr_hint(limits: Limits) -> str:
    if limits.ocr == "off":
        return "OCR is off"
    return ocr.unavailable() or "OCR is off"


def _may_be_xml(name: str, subtype: str) -> bool:
    """Whether an embedded file is worth decoding: named ``*.xml`` or typed as XML."""
    return name.lower().endswith(".xml") or "xml" in subtype.lower()


# What XML may start with: a byte-order mark, whitespace, then "<" (in UTF-8 or UTF-16).
_XML_START = (b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def _attachment(raw: RawAttachment) -> Attachment | None:
    """The embedded file as a document keeps it, or None when it is not XML."""
    if raw.skipped is not None:
        return Attachment(raw.name, size=raw.size, skipped=raw.skipped)
    if raw.data is None or not raw.data.lstrip().startswith(_XML_START):
        return None
    return Attachment(raw.name, raw.data, raw.size)


def _frame(char: Char) -> tuple[float, float, float, float]:
    """The box of ``char`` in its own line's frame: (start, top, end, bottom) along and across
    its reading direction, so that turned text is cut into words like upright text."""
    _, x0, top, x1, bottom, _, turn = char
    if turn == 1:  # reading down
        return top, -x1, bottom, -x0
    if turn == 2:  # upside down, reading left
        return -x1, -bottom, -x0, -top
    if turn == 3:  # reading up
        return -bottom, x0, -top, x1
    return x0, top, x1, bottom


def _follows(prev: Char, char: Char) -> bool:
    """Whether ``char`` continues the word that ``prev`` ends."""
    if prev[6] != char[6]:
        return False  # turned differently: another run of text
    if char[6] > 0:
        px0, ptop, px1, pbottom = _frame(prev)
        cx0, ctop, _, cbottom = _frame(char)
    else:  # upright (or at an odd angle): the box as it is, without a call in this hot loop
        _, px0, ptop, px1, pbottom, _, _ = prev
        _, cx0, ctop, _, cbottom, _, _ = char
    if min(pbottom, cbottom) - max(ptop, ctop) < 0.5 * min(pbottom - ptop, cbottom - ctop):
        return False  # another line (or a super-/subscript): a word of its own
    # On: no wider gap than a word space, no jump back past the previous character's start
    # (a combining accent or kerning may overlap it, a repeated "fake bold" run jumps back).
    size = max(prev[5], char[5], 1.0)
    if size > SIZE_JUMP * max(min(prev[5], char[5]), 1.0):
        return False  # another size: another text box
    return cx0 - px1 <= WORD_GAP * size and cx0 >= px0 - 0.25 * size


def _words(chars: Sequence[Char]) -> list[Word]:
    """Characters in content order → words (see the module docstring for where a word ends)."""
    runs: list[list[Char]] = []
    run: list[Char] = []
    for char in chars:
        if run and (char is BREAK or not _follows(run[-1], char)):
            runs.append(run)
            run = []
        if char is not BREAK:
            run.append(char)
    if run:
        runs.append(run)
    return [
        Word(
            "".join(c[0] for c in run),
            min(c[1] for c in run),
            min(c[2] for c in run),
            max(c[3] for c in run),
            max(c[4] for c in run),
        )
        for run in runs
    ]


def _line_text(line: Sequence[Word]) -> str:
    parts: list[str] = []
    for i, word in enumerate(line):
        if i:
            prev = line[i - 1]
            height = min(prev.bottom - prev.top, word.bottom - word.top) or 1.0
            parts.append("   " if word.x0 - prev.x1 > COLUMN_GAP * height else " ")
        parts.append(word.text)
    return "".join(parts)
