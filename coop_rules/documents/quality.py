"""Pages whose text cannot be trusted: scanned images without a text layer, and garbled layers.

A page is *scanned* when it has (almost) no characters but an image covers a good part of it
(the reader measures the largest image, :attr:`~coop_rules.documents.model.Page.image_cover`).
A page is *garbled* when its characters are not text: many of them have no Unicode meaning
(control characters — PDFium passes a font's raw codes through when the font has no usable
``ToUnicode`` map —, private-use code points, U+FFFD for a glyph without any mapping), or too few
are letters or digits of any script. Real pages, in any language, are mostly letters and digits.

Such pages are reported as problems ("page 2 is a scanned image; its text could not be read") and
left out of extraction: a value read from them would be a guess. The PDF reader reads such
pages by OCR where it can (:mod:`coop_rules.documents.ocr`), with this same test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from coop_rules import compiled
from coop_rules.documents import ocr
from coop_rules.documents.model import Document, Page, ProblemKind, ReadProblem

MIN_CHARS = 20  # fewer characters than this on a page say nothing about its text layer
SCAN_COVER = 0.3  # an image over this share of the page, with no text, is a scan
MAX_BAD_SHARE = 0.15  # characters without a Unicode meaning
MIN_TEXT_SHARE = 0.5  # letters and digits among the characters
# Control characters (C0, DEL, C1), private-use code points (BMP and planes 15–16), lone
# surrogates and U+FFFD: characters that carry no text. Regexes, because a page has thousands
# (this one's wide ranges take re a while to compile: kept compiled, coop_rules.compiled).
_BAD = compiled.regex("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff\ufffd\U000f0000-\U0010ffff]")
_TEXT = re.compile(r"[^\W_]")  # a letter or digit of any script
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class PageQuality:
    """What was found on one page: ``problem`` is None for a page whose text can be read."""

    page: int
    chars: int
    bad_share: float
    text_share: float
    problem: ReadProblem | None = None


def assess_page(path: str, page: Page) -> PageQuality:
    """Whether ``page`` of the document ``path`` has a text layer that can be read."""
    text = _SPACE.sub("", "".join(word.text for word in page.words))
    n = len(text)
    if n < MIN_CHARS:
        if page.image_cover >= SCAN_COVER:
            reason = f"page {page.number} is a scanned image; its text could not be read"
            if page.ocr_confidence is not None:
                reason = f"page {page.number} is a scanned image; OCR found no text on it"
            elif ocr.unavailable():
                reason = f"{reason} ({ocr.unavailable()})"
            return PageQuality(
                page.number, n, 0.0, 0.0, ReadProblem(path, ProblemKind.NO_TEXT, reason)
            )
        return PageQuality(page.number, n, 0.0, 1.0)
    bad_share = len(_BAD.findall(text)) / n
    text_share = len(_TEXT.findall(text)) / n
    problem = None
    if bad_share > MAX_BAD_SHARE or text_share < MIN_TEXT_SHARE:
        reason = (
            f"page {page.number} has a garbled text layer ({bad_share:.0%} of its characters "
            f"have no meaning, {text_share:.0%} are letters or digits); its text could not be "
            "read"
        )
        problem = ReadProblem(path, ProblemKind.GARBLED, reason)
    return PageQuality(page.number, n, bad_share, text_share, problem)


def readable_pages(document: Document) -> tuple[Document, tuple[ReadProblem, ...]]:
    """``document`` without the pages whose text cannot be read, and a problem for each."""
    if not document.pages:
        return document, ()
    kept: list[Page] = []
    problems: list[ReadProblem] = []
    for page in document.pages:
        found = assess_page(document.path, page)
        if found.problem is None:
            kept.append(page)
        else:
            problems.append(found.problem)
    if not problems:
        return document, ()
    return replace(document, pages=tuple(kept)), tuple(problems)
