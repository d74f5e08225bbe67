"""Find a phrase in a document's words, each hit with its page and box.

A proof of execution is checked by what it shows: the brand on a banner, the landing page's URL
in a screenshot, a date. :func:`find` looks for a phrase in the positioned words of any document
with pages — a text PDF's, or those OCR read from a scan or photo — and gives each occurrence
as :class:`~coop_rules.evidence.Evidence` with the box of its words (and, for OCR, the
confidence of its least sure word in the note), so a rule or a reviewer can point at it.

Matching is case-insensitive after Unicode NFKC folding, on whole words: the phrase's words
must be consecutive words of a visual line (a URL or a date is one word), and punctuation that
the page glues to a word's ends (``Northwind,`` ``(Northwind)``) does not count.
"""

from __future__ import annotations

import unicodedata

from coop_rules.documents.model import Document, Word, visual_lines
from coop_rules.evidence import Evidence

_TRAILING = ".,;:!?)]}»\"'”’"
_LEADING = "([{«\"'“‘"


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _same(word: Word, want: str) -> bool:
    got = _fold(word.text).strip(_LEADING).rstrip(_TRAILING)
    return got == want


def find(document: Document, phrase: str, limit: int = 50) -> list[Evidence]:
    """Where ``phrase`` occurs in ``document``'s pages (at most ``limit`` hits, in page order)."""
    wanted = [_fold(part).strip(_LEADING).rstrip(_TRAILING) for part in phrase.split()]
    wanted = [w for w in wanted if w]
    if not wanted:
        return []
    hits: list[Evidence] = []
    for page in document.pages:
        for line in visual_lines(page.words):
            for i in range(len(line) - len(wanted) + 1):
                run = line[i : i + len(wanted)]
                if not all(_same(w, want) for w, want in zip(run, wanted, strict=True)):
                    continue
                box = (
                    min(w.x0 for w in run),
                    min(w.top for w in run),
                    max(w.x1 for w in run),
                    max(w.bottom for w in run),
                )
                note = None
                if page.ocr_confidence is not None:
                    note = f"OCR, confidence {min(w.confidence for w in run):.2f}"
                text = " ".join(w.text for w in run)
                hits.append(Evidence(document.path, text, page=page.number, box=box, note=note))
                if len(hits) >= limit:
                    return hits
    return hits
