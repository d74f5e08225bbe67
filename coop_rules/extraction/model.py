"""What extraction produces: a document's kind and its fields, each with evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from coop_rules.documents.model import ReadProblem
from coop_rules.evidence import Extracted


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit-note"
    PROFORMA = "proforma"
    QUOTE = "quote"
    ORDER_CONFIRMATION = "order-confirmation"
    RECEIPT = "receipt"
    CSR = "csr"
    POE = "poe"
    METRICS = "metrics"
    OTHER = "other"
    UNREADABLE = "unreadable"


# Field names other tools rely on (the ``extract --format json`` contract).
INVOICE_FIELDS = (
    "vendor",
    "vendor_tax_id",
    "bill_to",
    "invoice_number",
    "issue_date",
    "total",
    "currency",
)
CSR_FIELDS = (
    "total",
    "currency",
    "period_start",
    "period_end",
    "signatory",
    "signatory_title",
    "signature_date",
)
POE_FIELDS = ("execution_date", "execution_end", "poe_subtype")


@dataclass(frozen=True)
class ExtractedDocument:
    """One document as extraction saw it.

    Attributes:
        path: the path as reports show it.
        media_type: what the bytes are (None when the file could not be opened at all).
        kind: what the document is, from its content.
        fields: field name → value with evidence; a field that was not found is absent.
        problems: why the document (or a part of it) could not be read.
    """

    path: str
    media_type: str | None
    kind: DocumentKind
    fields: dict[str, Extracted] = field(default_factory=dict)
    problems: tuple[ReadProblem, ...] = ()

    @property
    def readable(self) -> bool:
        return self.kind is not DocumentKind.UNREADABLE

    def value(self, name: str) -> Any:
        found = self.fields.get(name)
        return found.value if found else None

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "media_type": self.media_type,
            "kind": str(self.kind),
            "fields": {name: value.to_json() for name, value in sorted(self.fields.items())},
            "problems": [p.to_json() for p in self.problems],
        }
