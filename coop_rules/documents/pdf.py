"""Read a PDF's text layer: positioned words per page (pdfplumber), encryption via pypdf."""

from __future__ import annotations

import logging
from pathlib import Path

import pdfplumber
import pypdf
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError

from coop_rules.documents.model import Document, DocumentError, Page, ProblemKind, Word
from coop_rules.documents.sniff import PDF

log = logging.getLogger(__name__)

MAX_PAGES = 200  # a claim document longer than this is not read past it (see the problem text)


def read_pdf(path: Path, display_path: str) -> Document:
    """Read every page's words and text; raise DocumentError for what cannot be read."""
    _check_encryption(path)
    pages: list[Page] = []
    try:
        with pdfplumber.open(path) as pdf:  # never repair=True: that runs Ghostscript on the file
            if len(pdf.pages) > MAX_PAGES:
                raise DocumentError(
                    ProblemKind.TOO_LARGE,
                    f"{len(pdf.pages)} pages; only documents up to {MAX_PAGES} pages are read",
                )
            for number, page in enumerate(pdf.pages, start=1):
                words = page.extract_words(keep_blank_chars=False, use_text_flow=False)
                pages.append(
                    Page(
                        number=number,
                        width=float(page.width),
                        height=float(page.height),
                        words=tuple(
                            Word(
                                w["text"],
                                float(w["x0"]),
                                float(w["top"]),
                                float(w["x1"]),
                                float(w["bottom"]),
                            )
                            for w in words
                        ),
                        text=page.extract_text() or "",
                    )
                )
                page.flush_cache()  # keep memory flat on long documents
    except DocumentError:
        raise
    except PDFPasswordIncorrect as exc:
        raise DocumentError(ProblemKind.ENCRYPTED, "the PDF needs a password to open") from exc
    except PDFSyntaxError as exc:
        raise DocumentError(ProblemKind.CORRUPT, f"not a valid PDF ({exc})") from exc
    if not pages:
        raise DocumentError(ProblemKind.EMPTY, "the PDF has no pages")
    if not any(p.has_text for p in pages):
        raise DocumentError(
            ProblemKind.NO_TEXT, f"none of its {len(pages)} page(s) has a text layer (scanned?)"
        )
    return Document(path=display_path, media_type=PDF, pages=tuple(pages))


def _check_encryption(path: Path) -> None:
    """Tell 'needs a password' apart from 'encrypted but opens without one'."""
    try:
        reader = pypdf.PdfReader(path, strict=False)
        if reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
            raise DocumentError(ProblemKind.ENCRYPTED, "the PDF is protected by a password")
    except DocumentError:
        raise
    except Exception as exc:  # pypdf raises many types on broken files; pdfplumber decides below
        log.debug("pypdf could not inspect %s: %s", path, exc)
