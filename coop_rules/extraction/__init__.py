"""Extraction: from a read Document to a kind and fields with evidence.

``extract_file`` reads and extracts one file; ``extract_document`` works on a Document already
read. Extractors are a registry by document kind.
"""

from __future__ import annotations

from pathlib import Path

from coop_rules.documents import Document, ReadProblem, read_document
from coop_rules.extraction.model import DocumentKind, ExtractedDocument

__all__ = ["DocumentKind", "ExtractedDocument", "extract_document", "extract_file"]


def extract_file(path: Path, display_path: str | None = None, *, einvoice: bool = True,
                 role: str | None = None) -> ExtractedDocument:
    """Read ``path`` and extract its fields; an unreadable file gives an UNREADABLE document."""
    read = read_document(path, display_path)
    if isinstance(read, ReadProblem):
        return ExtractedDocument(read.path, None, DocumentKind.UNREADABLE, problems=(read,))
    return extract_document(read, einvoice=einvoice, role=role)


def extract_document(document: Document, *, einvoice: bool = True,
                     role: str | None = None) -> ExtractedDocument:
    """Classify ``document`` (unless the manifest gave its ``role``) and extract its fields."""
    raise NotImplementedError  # filled in by the extractors
