"""Imported once by the forkserver (and by a process about to fork several workers): load the
PDF reader and the extractors and warm their caches.

The first extraction in a process costs about 0.1 s (label lexicons and patterns, mostly from
the cache of :mod:`coop_rules.compiled`; PDFium start-up); every later one is milliseconds.
Workers forked from a process that paid this once start warm. Importing this module has that
side effect on purpose; nothing else imports it.
"""

from __future__ import annotations

from coop_rules.documents import Document, Page, Word, reader_for
from coop_rules.documents.sniff import PDF
from coop_rules.extraction import extract_document


def warm() -> None:
    """Extract a tiny invoice, so that every lazily built table is built."""
    words = [
        Word(text, 72.0 + 60 * i, 100.0, 120.0 + 60 * i, 110.0)
        for i, text in enumerate(["Rechnung", "Datum", "01.02.2024", "Summe", "100,00", "EUR"])
    ]
    page = Page(1, 595.0, 842.0, tuple(words), " ".join(w.text for w in words))
    extract_document(Document(path="warm-up.pdf", media_type=PDF, pages=(page,)))


# The PDF reader (PDFium), which every claim needs; a worker imports the others (openpyxl for a
# workbook, Pillow for an image) when it meets such a file.
reader_for(PDF)
warm()
