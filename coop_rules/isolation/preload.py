"""Imported once by the forkserver: load the readers and extractors and warm their caches.

The first extraction in a process costs about 0.3 s (label lexicons, compiled patterns, PDFium
start-up); every later one is milliseconds. Workers forked from a server that paid this once
start warm. Importing this module has that side effect on purpose; nothing else imports it.
"""

from __future__ import annotations

from coop_rules.documents import Document, Page, Word
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


warm()
