"""Extraction: from a read Document to a kind and fields with evidence.

``extract_file`` reads and extracts one file; ``extract_document`` works on a Document already
read. Extractors are a registry by document kind (``EXTRACTORS``): one function per kind of
document, one dict line to add one. Nothing here raises for a bad document: a failure becomes a
problem on the returned :class:`ExtractedDocument`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from coop_rules.documents import Document, ProblemKind, ReadProblem, out_of_memory, read_document
from coop_rules.documents.limits import DEFAULT_LIMITS, Limits
from coop_rules.documents.quality import readable_pages
from coop_rules.errors import CoopRulesError
from coop_rules.evidence import Extracted
from coop_rules.extraction.breakdown import extract_breakdown, rate_of_many
from coop_rules.extraction.classify import Classification, classify
from coop_rules.extraction.csr import extract_csr
from coop_rules.extraction.einvoice_check import apply_einvoice
from coop_rules.extraction.fields import Context
from coop_rules.extraction.invoice import extract_invoice
from coop_rules.extraction.layout import Layout, build_layout
from coop_rules.extraction.lexicon import detect_language, forget_lines
from coop_rules.extraction.lines import read_line_items
from coop_rules.extraction.model import (
    Abstained,
    Breakdown,
    DocumentKind,
    ExtractedDocument,
    LineItem,
)
from coop_rules.extraction.ocr import apply_ocr_confidence, mark_ocr_items
from coop_rules.extraction.ocr_words import read_legal_forms
from coop_rules.extraction.poe import extract_poe

__all__ = ["DocumentKind", "ExtractedDocument", "extract_document", "extract_file"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Trace:
    """Fields read but too uncertain to use, the heuristic that decided each field, and an
    invoice's breakdown (tax lines, allowances and charges)."""

    abstained: dict[str, Abstained] = field(default_factory=dict)
    decided_by: dict[str, str] = field(default_factory=dict)
    breakdown: Breakdown = field(default_factory=Breakdown)


# What an extractor gives: the fields, the item table's rows where it reads one, and the fields
# it abstained on with the heuristic that decided each field.
Extraction = tuple[dict[str, Extracted], tuple[LineItem, ...], Trace]
# An extractor reads one kind of document, given the shared layout and the classification.
Extractor = Callable[[Document, Layout, Classification, str | None], Extraction]


def _invoice(
    document: Document, layout: Layout, _found: Classification, lang: str | None
) -> Extraction:
    ctx = Context(document, "invoice", layout, lang)
    found = extract_invoice(ctx)
    items, gross = read_line_items(ctx, found.fields)
    breakdown = replace(extract_breakdown(ctx, found.fields), items_gross=gross)
    fields, abstained = found.fields, found.abstained
    several = rate_of_many(fields, breakdown)
    if several is not None:
        fields = {k: v for k, v in fields.items() if k != "tax_rate"}
        abstained = {**abstained, "tax_rate": several}
    return fields, items, Trace(abstained, found.decided_by, breakdown)


def _csr(
    document: Document, layout: Layout, _found: Classification, lang: str | None
) -> Extraction:
    return extract_csr(Context(document, "csr", layout, lang)), (), Trace()


def _poe(document: Document, layout: Layout, found: Classification, lang: str | None) -> Extraction:
    ctx = Context(document, "poe", layout, lang)
    return extract_poe(ctx, found.poe_subtype, found.subtype_evidence), (), Trace()


EXTRACTORS: dict[DocumentKind, Extractor] = {
    DocumentKind.INVOICE: _invoice,
    DocumentKind.CREDIT_NOTE: _invoice,
    DocumentKind.PROFORMA: _invoice,
    DocumentKind.QUOTE: _invoice,
    DocumentKind.ORDER_CONFIRMATION: _invoice,
    DocumentKind.RECEIPT: _invoice,
    DocumentKind.CSR: _csr,
    DocumentKind.POE: _poe,
}


def extract_file(
    path: Path,
    display_path: str | None = None,
    *,
    einvoice: bool = True,
    role: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ExtractedDocument:
    """Read ``path`` and extract its fields; an unreadable file gives an UNREADABLE document.

    In this process, within ``limits``' caps but not its time and memory limits: for those,
    read through :mod:`coop_rules.isolation`.
    """
    read = read_document(path, display_path, limits)
    if isinstance(read, ReadProblem):
        return ExtractedDocument(read.path, None, DocumentKind.UNREADABLE, problems=(read,))
    try:
        return extract_document(read, einvoice=einvoice, role=role)
    except MemoryError:
        # A document the reader's caps let through that still outgrows the memory limit while
        # its fields are found: too large, said plainly, never a traceback or "corrupt".
        problem = out_of_memory(read.path, limits)
        return ExtractedDocument(read.path, None, DocumentKind.UNREADABLE, problems=(problem,))


def extract_document(
    document: Document, *, einvoice: bool = True, role: str | None = None
) -> ExtractedDocument:
    """Classify ``document`` and extract its fields.

    Args:
        document: a document a reader produced.
        einvoice: read an embedded e-invoice (ZUGFeRD / Factur-X / XRechnung CII, or UBL XML)
            when the PDF carries one, cross-check it with the page text and record where they
            disagree (:mod:`coop_rules.extraction.einvoice` says which value wins). False
            ignores attachments entirely: every value comes from the text layer.
        role: the role the claim manifest gives the document (``invoice``, ``csr``, ``poe``,
            ``metrics``, ``other``); it picks the extractor, while the kind within the invoice
            family (pro-forma, quote, credit note …) is still read from the content.
    """
    forget_lines()  # label caches hold one document's lines
    # Scanned and garbled pages are reported and left out: values read from them are guesses.
    document, unread = readable_pages(document)
    document = read_legal_forms(document)  # "SDN 3HD" on a scan is SDN BHD
    unread = (*document.notes, *unread)  # what the reader itself read only in part (OCR)
    if unread and not document.pages:
        return ExtractedDocument(
            document.path, document.media_type, DocumentKind.UNREADABLE, problems=unread
        )
    kind = DocumentKind.OTHER
    try:
        layout = build_layout(document)
        lang = detect_language("\n".join(line.text for line in layout.lines[:300]))
        found = classify(document, layout, lang, role)
        kind = found.kind
        extractor = EXTRACTORS.get(kind)
        fields, items, trace = (
            extractor(document, layout, found, lang) if extractor else ({}, (), Trace())
        )
        fields, ocr_doubts = apply_ocr_confidence(document, fields, trace.decided_by)
        items = mark_ocr_items(document, items)
    except (CoopRulesError, MemoryError):
        raise  # a broken label file is our error; memory is the limits' (see extract_file)
    except Exception as exc:  # an extractor bug on one odd file must not stop a whole claim
        log.warning("extraction failed on %s", document.path, exc_info=True)
        problem = ReadProblem(
            document.path,
            ProblemKind.CORRUPT,
            f"fields could not be extracted ({type(exc).__name__}: {exc})"[:300],
        )
        return ExtractedDocument(
            document.path, document.media_type, kind, problems=(*unread, problem)
        )
    abstained = {**trace.abstained, **ocr_doubts}
    breakdown = trace.breakdown
    check = None
    if einvoice:  # embedded e-invoice XML: never raises; a bad attachment is a problem
        kind, fields, check = apply_einvoice(
            document, kind, fields, role, lambda: _invoice(document, layout, found, lang)[0]
        )
        if check is not None and check.line_items:
            items = check.line_items  # the XML's lines are exact where the page's are a reading
            breakdown = replace(breakdown, items_gross=False)  # and their amounts are net
        # A value the XML gives is no longer abstained: the XML settles it.
        abstained = {n: a for n, a in abstained.items() if n not in fields}
    return ExtractedDocument(
        document.path,
        document.media_type,
        kind,
        fields,
        unread,
        check,
        items,
        abstained,
        trace.decided_by,
        _text_lines(layout) if extractor is _invoice else (),
        breakdown,
        {p.number: p.turn for p in document.pages if p.turn != (0, 0.0)},
    )


def _text_lines(layout: Layout) -> tuple[Extracted, ...]:
    """Every visual line of text with its box (an invoice's words in any layout)."""
    return tuple(
        Extracted(line.text, layout.evidence(line.tokens, line.text, "text line"), 1.0)
        for line in layout.lines
        if line.tokens and line.text.strip()
    )
