"""What a reader makes of a file: pages of positioned words, or workbook cells.

Readers know nothing of invoices; extractors know nothing of file formats. This module is the
contract between them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from coop_rules.evidence import Box, Turn


@dataclass(frozen=True)
class Word:
    """One word of a PDF text layer or of OCR, with its box in points (origin top-left).

    ``confidence`` is OCR's for the word (0–1); a text layer's words are certain (1.0).
    ``confirmed`` marks a number OCR read twice, the second time from its own box, with the
    same result (see :func:`coop_rules.documents.ocr.reread_numbers`).
    """

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float = 1.0
    confirmed: bool = False

    @property
    def box(self) -> Box:
        return (self.x0, self.top, self.x1, self.bottom)


@dataclass(frozen=True)
class Page:
    """One page: its words in reading order and their plain text.

    ``ocr_confidence`` is set on a page read by OCR (the mean of its words' confidences); it is
    None on a page read from its text layer. ``turn`` is how OCR turned the page's picture
    upright before reading it (see :data:`~coop_rules.evidence.Turn`): ``width``, ``height``
    and the words' boxes are the turned page's.
    """

    number: int  # 1-based
    width: float
    height: float
    words: tuple[Word, ...]
    text: str
    image_cover: float = 0.0  # share of a page with (almost) no text that an image covers
    ocr_confidence: float | None = None
    turn: Turn = (0, 0.0)

    @property
    def has_text(self) -> bool:
        return any(w.text.strip() for w in self.words)


def visual_lines(words: Sequence[Word]) -> list[list[Word]]:
    """Words grouped into visual lines, top to bottom, each left to right.

    A word joins a line when it overlaps the line's first word vertically by at least half the
    smaller height; only the latest few lines are candidates, which keeps this linear.
    """
    bands: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.top, w.x0)):
        for band in reversed(bands[-3:]):
            ref = band[0]
            overlap = min(ref.bottom, word.bottom) - max(ref.top, word.top)
            if overlap >= 0.5 * min(ref.bottom - ref.top, word.bottom - word.top):
                band.append(word)
                break
        else:
            bands.append([word])
    bands.sort(key=lambda b: b[0].top)
    for band in bands:
        band.sort(key=lambda w: w.x0)
    return bands


CellValue = str | int | float | Decimal | date | datetime | bool

# An embedded file larger than this is not kept: e-invoice XML is kilobytes (an XRechnung with
# its supporting documents inlined as base64 reaches a megabyte or two).
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Attachment:
    """A file embedded in a document (a PDF's EmbeddedFiles), kept when it may be e-invoice XML.

    Attributes:
        name: the embedded file's name (``factur-x.xml``), as the PDF states it.
        data: its bytes; empty when it was not kept (see ``skipped``).
        size: its decoded size in bytes.
        skipped: why ``data`` is empty (too large, its stream could not be decoded), else None.
    """

    name: str
    data: bytes = field(default=b"", repr=False)
    size: int = 0
    skipped: str | None = None


@dataclass(frozen=True)
class Cell:
    """One non-empty workbook cell."""

    sheet: str
    ref: str  # "B4"
    row: int  # 1-based
    column: int  # 1-based
    value: CellValue

    @property
    def locator(self) -> str:
        return f"{self.sheet}!{self.ref}"

    @property
    def text(self) -> str:
        if isinstance(self.value, datetime):
            return (
                self.value.date().isoformat()
                if self.value.time() == datetime.min.time()
                else self.value.isoformat()
            )
        if isinstance(self.value, date):
            return self.value.isoformat()
        return str(self.value)


@dataclass(frozen=True)
class Document:
    """A readable document.

    Attributes:
        path: the path as the caller named it (relative to the claim folder in a claim).
        media_type: what the bytes are, decided from their magic bytes.
        pages: PDF pages (empty for workbooks and emails).
        cells: workbook cells (empty for PDFs).
        headers: e-mail headers or document metadata worth keeping (``Date``, ``Subject``).
        text: the plain text for documents without pages (an e-mail body).
        attachments: embedded files that may be e-invoice XML (PDFs only; others are not kept).
        notes: what the reader read only in part (OCR's page cap, an image too large for OCR);
            extraction adds them to the document's problems.
    """

    path: str
    media_type: str
    pages: tuple[Page, ...] = ()
    cells: tuple[Cell, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    notes: tuple[ReadProblem, ...] = ()

    @property
    def ocr(self) -> bool:
        """Whether any page was read by OCR."""
        return any(p.ocr_confidence is not None for p in self.pages)

    @property
    def full_text(self) -> str:
        if self.pages:
            return "\n".join(p.text for p in self.pages)
        if self.cells:
            return "\n".join(c.text for c in self.cells)
        return self.text


class ProblemKind(StrEnum):
    """Why a document could not be read (or read only in part)."""

    NOT_FOUND = "not-found"
    EMPTY = "empty"
    UNSUPPORTED = "unsupported"
    ENCRYPTED = "encrypted"
    CORRUPT = "corrupt"
    TOO_LARGE = "too-large"
    TOO_SLOW = "too-slow"
    NO_TEXT = "no-text"
    GARBLED = "garbled-text"
    OCR_PARTIAL = "ocr-partial"


ADVICE = {
    ProblemKind.NOT_FOUND: "Add the file to the claim folder or correct its path in the manifest.",
    ProblemKind.EMPTY: "The file has no content; upload the real document.",
    ProblemKind.UNSUPPORTED: "Submit the document as PDF or XLSX.",
    ProblemKind.ENCRYPTED: "Submit a copy without a password or encryption.",
    ProblemKind.CORRUPT: "Export or scan the document again and resubmit it.",
    ProblemKind.TOO_LARGE: "Submit only the relevant pages, or a smaller export.",
    ProblemKind.TOO_SLOW: "Reading it took too long: submit only the relevant pages, or export "
    "or print it to PDF again.",
    ProblemKind.NO_TEXT: "The pages are images without text: a reviewer must read them, "
    "or submit a PDF with a text layer.",
    ProblemKind.OCR_PARTIAL: "Only some of the scanned pages were read by OCR: a reviewer must "
    "read the others, or submit only the relevant pages, or a PDF with a text layer.",
    ProblemKind.GARBLED: "The text layer does not map to readable characters (a font without "
    "a Unicode map): a reviewer must read the page, or submit a PDF exported again.",
}


@dataclass(frozen=True)
class ReadProblem:
    """A document that could not be read, and what the partner should do about it."""

    path: str
    kind: ProblemKind
    reason: str

    @property
    def advice(self) -> str:
        return ADVICE[self.kind]

    @property
    def message(self) -> str:
        return f"could not read {self.path}: {self.reason}"

    def to_json(self) -> dict[str, str]:
        return {
            "path": self.path,
            "kind": str(self.kind),
            "reason": self.reason,
            "advice": self.advice,
        }


class DocumentError(Exception):
    """Raised by a reader for a file it cannot read; the registry turns it into a ReadProblem."""

    def __init__(self, kind: ProblemKind, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
