"""What extraction produces: a document's kind and its fields, each with evidence, and what an
embedded e-invoice said about them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from coop_rules.documents.model import ReadProblem
from coop_rules.evidence import Extracted, Turn, json_value


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
    "subtotal",
    "tax",
    "tax_rate",
    "amount_due",
    "due_date",
    "service_start",
    "service_end",
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
POE_FIELDS = ("execution_date", "execution_end", "execution_candidates", "poe_subtype")


@dataclass(frozen=True)
class Disagreement:
    """A field on which the embedded e-invoice XML and the page text say different things.

    Attributes:
        field: the field name (``total``).
        xml: the value read from the XML, with its element path as evidence.
        page: the value read from the page, with its page and box.
        chosen: which of the two the document's field holds: ``"xml"`` or ``"page"``.
        xml_on_page: whether the XML's value is also printed somewhere on the page. Then the
            document is consistent and the page reader took another printed value (a footer's
            VAT ID, a contact line for the buyer); otherwise the two halves of the invoice
            really differ, which a reviewer must see.
    """

    field: str
    xml: Extracted
    page: Extracted
    chosen: str = "xml"
    xml_on_page: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "xml": self.xml.to_json(),
            "page": self.page.to_json(),
            "chosen": self.chosen,
            "xml_on_page": self.xml_on_page,
        }


@dataclass(frozen=True)
class EInvoiceCheck:
    """An embedded e-invoice (ZUGFeRD / Factur-X / XRechnung CII, or UBL): what was read from it
    and how it compares with the page. See :mod:`coop_rules.extraction.einvoice`.

    Attributes:
        attachment: the embedded file's name (``factur-x.xml``); None when none could be read.
        syntax: ``CII``, ``ZUGFeRD 1.0`` or ``UBL``; None when no e-invoice was recognised.
        profile: the guideline the XML declares (``urn:cen.eu:en16931:2017``), if any.
        type_code: the document type code (UNTDID 1001: 380 invoice, 381 credit note …).
        fields: the values read from the XML, each with its element path as evidence.
        disagreements: fields on which the XML and the page text differ.
        problems: why XML could not be read or used (malformed, hostile, too large …).
        line_items: the XML's invoice lines (the document's ``line_items`` when there are any).
    """

    attachment: str | None = None
    syntax: str | None = None
    profile: str | None = None
    type_code: str | None = None
    fields: dict[str, Extracted] = field(default_factory=dict)
    disagreements: tuple[Disagreement, ...] = ()
    problems: tuple[str, ...] = ()
    line_items: tuple[LineItem, ...] = ()

    @property
    def read(self) -> bool:
        """Whether an e-invoice was recognised and read."""
        return self.syntax is not None

    @property
    def mismatches(self) -> tuple[Disagreement, ...]:
        """The disagreements whose XML value the page does not show anywhere: the document's
        XML and its page really differ (not merely the page reader's choice)."""
        return tuple(d for d in self.disagreements if not d.xml_on_page)

    def to_json(self) -> dict[str, Any]:
        return {
            "attachment": self.attachment,
            "syntax": self.syntax,
            "profile": self.profile,
            "type_code": self.type_code,
            "fields": {name: value.to_json() for name, value in sorted(self.fields.items())},
            "disagreements": [d.to_json() for d in self.disagreements],
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class LineItem:
    """One line of an invoice's item table; a cell that is not there is None.

    ``amount`` is the line's net amount in the document's currency (its gross amount where
    ``Breakdown.items_gross`` says so); ``quantity`` and ``unit_price`` are Decimals. Each value
    keeps the evidence of the cell it was read from.
    """

    description: Extracted | None = None
    quantity: Extracted | None = None
    unit_price: Extracted | None = None
    amount: Extracted | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            name: value.to_json()
            for name in ("description", "quantity", "unit_price", "amount")
            if (value := getattr(self, name)) is not None
        }


@dataclass(frozen=True)
class TaxLine:
    """One VAT rate's line of an invoice: the rate (a Decimal percentage), the tax charged at
    it, and the net amount it was charged on where the line prints one."""

    rate: Extracted
    tax: Extracted
    base: Extracted | None = None

    def to_json(self) -> dict[str, Any]:
        out = {"rate": self.rate.to_json(), "tax": self.tax.to_json()}
        if self.base is not None:
            out["base"] = self.base.to_json()
        return out


@dataclass(frozen=True)
class Breakdown:
    """What stands between an invoice's items and its totals (see
    :mod:`coop_rules.extraction.breakdown`).

    Attributes:
        tax_lines: one line per VAT rate, read only when their taxes add up to the invoice's.
        rates: every distinct rate printed where a tax line would be: several rates and no
            tax lines means the tax cannot be checked against one rate.
        adjustments: allowances (negative) and charges (positive) on the whole invoice, as
            printed; which of them lead from the items to the subtotal is for the arithmetic.
        items_gross: the item amounts include tax (their column's heading says so: "Prijs
            incl. BTW", "Montant TTC"): their sum is the total, not the subtotal.
    """

    tax_lines: tuple[TaxLine, ...] = ()
    rates: tuple[Extracted, ...] = ()
    adjustments: tuple[Extracted, ...] = ()
    items_gross: bool = False


@dataclass(frozen=True)
class Abstained:
    """A field whose value was not certain enough to be used: kept apart, with its readings.

    Attributes:
        field: the field name (``total``).
        candidates: the readings found, best first, each with its evidence and confidence
            (``220.00`` and ``440.00``); empty when nothing readable was found but the field was
            looked for and refused (a vendor that is not a name).
        reason: why it was not used, in plain words (``uncertain: 2 candidates disagree``).
        threshold: the confidence a value of this field needs to be used.
        code: the reason as a stable key for translated messages: ``candidates-disagree``,
            ``low-confidence`` or ``not-an-organisation``.
    """

    field: str
    candidates: tuple[Extracted, ...]
    reason: str
    threshold: float
    code: str = "low-confidence"

    def summary(self, limit: int = 3) -> str:
        """``2 candidates: 220.00, 440.00`` for a could-not-check message."""
        values = []
        for found in self.candidates:
            text = json_text(found.value)
            if text not in values:
                values.append(text)
        shown = ", ".join(values[:limit]) + (", …" if len(values) > limit else "")
        if not values:
            return self.reason
        noun = "candidate" if len(values) == 1 else "candidates"
        return f"{len(values)} {noun}: {shown}"

    def to_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "code": self.code,
            "threshold": self.threshold,
            "candidates": [c.to_json() for c in self.candidates],
        }


def json_text(value: Any) -> str:
    out = json_value(value)
    return out if isinstance(out, str) else str(out)


@dataclass(frozen=True)
class ExtractedDocument:
    """One document as extraction saw it.

    Attributes:
        path: the path as reports show it.
        media_type: what the bytes are (None when the file could not be opened at all).
        kind: what the document is, from its content.
        fields: field name → value with evidence; a field that was not found is absent.
        problems: why the document (or a part of it) could not be read.
        einvoice: the embedded e-invoice XML and its cross-check with the page; None when the
            document has no XML attachment or e-invoices were switched off.
        line_items: the rows of the item table, where the document has one.
        abstained: fields that were read but are too uncertain to be used (the facts step
            says "could not check" for them); they are NOT in ``fields``.
        decided_by: field name → the named heuristic that chose its value (or abstained):
            ``label``, ``cash − change``, ``receipt header`` … (for benchmarks and debugging).
        text_lines: an invoice's visual lines of text, each with its box: what it bills in
            any layout (a table, free text, a description over several lines), for the rules
            that look for words (alcohol) where no item table was read. Not in the JSON.
        breakdown: an invoice's tax lines per rate, and its allowances and charges.
        page_turns: page number → how OCR turned that page's picture before reading it, for
            the pages it turned: their evidence boxes are the turned page's, and a picture of
            the evidence is cut from the page turned the same way. Not in the JSON.
    """

    path: str
    media_type: str | None
    kind: DocumentKind
    fields: dict[str, Extracted] = field(default_factory=dict)
    problems: tuple[ReadProblem, ...] = ()
    einvoice: EInvoiceCheck | None = None
    line_items: tuple[LineItem, ...] = ()
    abstained: dict[str, Abstained] = field(default_factory=dict)
    decided_by: dict[str, str] = field(default_factory=dict)
    text_lines: tuple[Extracted, ...] = ()
    breakdown: Breakdown = field(default_factory=Breakdown)
    page_turns: dict[int, Turn] = field(default_factory=dict)

    @property
    def disagreements(self) -> tuple[Disagreement, ...]:
        """Fields on which an embedded e-invoice and the page text differ."""
        return self.einvoice.disagreements if self.einvoice else ()

    @property
    def readable(self) -> bool:
        return self.kind is not DocumentKind.UNREADABLE

    def value(self, name: str) -> Any:
        found = self.fields.get(name)
        return found.value if found else None

    def to_json(self) -> dict[str, Any]:
        out = {
            "path": self.path,
            "media_type": self.media_type,
            "kind": str(self.kind),
            "fields": {name: value.to_json() for name, value in sorted(self.fields.items())},
            "problems": [p.to_json() for p in self.problems],
        }
        if self.einvoice is not None:  # optional key: only where a PDF carries XML
            out["einvoice"] = self.einvoice.to_json()
        if self.line_items:  # optional key: only where the document has an item table
            out["line_items"] = [item.to_json() for item in self.line_items]
        if self.breakdown.tax_lines:  # optional key: one line per VAT rate, where read
            out["tax_lines"] = [line.to_json() for line in self.breakdown.tax_lines]
        if self.breakdown.adjustments:  # optional key: allowances and charges, where printed
            out["adjustments"] = [a.to_json() for a in self.breakdown.adjustments]
        if self.abstained:  # optional key: values read but too uncertain to be used
            out["abstained"] = {n: a.to_json() for n, a in sorted(self.abstained.items())}
        return out
