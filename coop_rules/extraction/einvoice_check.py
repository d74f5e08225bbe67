"""Embedded e-invoices against the page: the XML read by :mod:`coop_rules.extraction.einvoice`,
cross-checked with the values extracted from the page text.

A document whose page text did not read as an invoice (and that the manifest gives no role)
takes its kind from the XML's type code; one the manifest calls a CSR or a proof keeps its role
and the XML is only noted.

Which value wins, per field:

* the page and the XML agree (dates equal, amounts equal to the cent, invoice numbers equal
  after dropping case, spaces and punctuation, tax IDs equal after the same, names equal after
  dropping legal forms or nearly so): the **page value** stays, with its page and box, because
  the page is what a reviewer reads and can find; its confidence rises and its note says the
  XML agrees. An ambiguous page date that the XML settles takes the XML's reading.
* the page has no value: the **XML value** fills the field.
* they disagree: the **XML value** wins, because it is machine-exact where page extraction is a
  reading of positioned words that can pick the wrong one — but the disagreement is recorded
  (field, both values, both evidences) so a report shows it and a rule can flag it. Each
  disagreement also says whether the XML's value is printed anywhere on the page
  (``xml_on_page``): if it is, the page reader merely took another printed value (a footer's
  VAT ID, a contact line for the buyer); if not, the two halves of the invoice really differ —
  the mismatch rule (AM05) looks only at those.
* the page's total is the XML's amount due rather than its grand total (prepayments, partial
  invoices): the document is consistent, the page reader took the payable line; ``total`` takes
  the XML's grand total and nothing is flagged.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal

from coop_rules.documents.model import Document
from coop_rules.evidence import Extracted, Scalar
from coop_rules.extraction.classify import INVOICE_FAMILY
from coop_rules.extraction.dates import find_dates
from coop_rules.extraction.einvoice import (
    CENT,
    DATE_FIELDS,
    FIELDS,
    MONEY_FIELDS,
    EInvoice,
    read_einvoice,
)
from coop_rules.extraction.model import Disagreement, DocumentKind, EInvoiceCheck
from coop_rules.extraction.names import name_key, same_company, same_tax_id
from coop_rules.extraction.parsing import find_amounts

log = logging.getLogger(__name__)

AGREED_CONFIDENCE = 0.99  # a page value the XML confirms
DISPUTED_CONFIDENCE = 0.8  # an XML value the page contradicts
NAME_RATIO = 0.85  # difflib ratio at which two normalised names are the same name


def _normal_id(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).casefold()


def _same_name(page: str, xml: str) -> bool:
    """The same company (as every rule compares names), or a name read with a little noise."""
    if same_company(page, xml):
        return True
    a, b = name_key(page), name_key(xml)
    if not a or not b:
        a, b = _normal_id(page), _normal_id(xml)
    if not a or not b:
        return False
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= NAME_RATIO


def _agrees(name: str, page: Scalar, einvoice: EInvoice) -> bool:
    """Whether the page value ``page`` of field ``name`` is what the XML says."""
    xml = einvoice.fields[name].value
    if name in MONEY_FIELDS:
        if not isinstance(xml, Decimal) or not isinstance(page, Decimal):
            return False
        # Equal to the cent; a credit note's page may print the positive XML amount negated.
        cents = {xml.quantize(CENT)}
        if einvoice.credit_note:
            cents.add(-xml.quantize(CENT))
        return page.quantize(CENT) in cents
    if name in DATE_FIELDS:
        return page == xml
    texts = einvoice.also.get(name, (str(xml),))
    if name in ("vendor", "bill_to"):
        return any(_same_name(str(page), text) for text in texts)
    if name == "vendor_tax_id":
        return any(same_tax_id(str(page), text) for text in texts)
    if name == "currency":
        return str(page).upper() == str(xml).upper()
    return any(_normal_id(str(page)) == _normal_id(text) for text in texts)  # invoice_number


def _on_page(value: Scalar, text: str) -> bool:
    """Whether ``value`` (from the XML) is printed anywhere in the page ``text``."""
    if isinstance(value, Decimal):
        wanted = abs(value).quantize(CENT)
        return any(
            abs(a.value).quantize(CENT) == wanted
            for comma in (True, False)
            for line in text.splitlines()
            for a in find_amounts(line, decimal_comma=comma)
        )
    if isinstance(value, date):
        return any(
            value in (d.value, *d.alternatives)
            for line in text.splitlines()
            for d in find_dates(line)
        )
    key = _normal_id(str(value))
    # Too short a string is found anywhere: "AB" would prove nothing.
    return len(key) >= 4 and key in _normal_id(text)


def _confirmed(page: Extracted, value: Scalar, why: str) -> Extracted:
    note = f"{page.evidence.note}; {why}" if page.evidence.note else why
    return Extracted(
        value,
        replace(page.evidence, note=note),
        max(page.confidence, AGREED_CONFIDENCE),
    )


def cross_check(
    page: dict[str, Extracted], einvoice: EInvoice, page_text: str = ""
) -> tuple[dict[str, Extracted], tuple[Disagreement, ...]]:
    """The document's fields once the XML is taken into account, and the disagreements.

    See the module docstring for which value wins. ``page_text`` (the document's text) tells
    whether a disagreeing XML value is printed on the page all the same.
    """
    fields = dict(page)
    disagreements = []
    for name in FIELDS:
        xml = einvoice.fields.get(name)
        if xml is None:
            continue
        seen = page.get(name)
        if seen is None:
            fields[name] = xml
            continue
        readings = (seen.value, *seen.alternatives)
        agreeing = [r for r in readings if _agrees(name, r, einvoice)]
        if agreeing:
            why = "the embedded e-invoice XML agrees"
            if seen.alternatives:
                why = f"ambiguous on the page; the embedded e-invoice XML reads {xml.value}"
            elif agreeing[0] != xml.value and name in MONEY_FIELDS:
                why = f"the embedded e-invoice XML states {xml.value} (credit note, positive)"
            fields[name] = _confirmed(seen, agreeing[0], why)
            continue
        if (
            name == "total"
            and "amount_due" in einvoice.fields
            and _agrees("amount_due", seen.value, einvoice)
        ):
            # The page reader took the payable line: the document itself is consistent.
            fields[name] = xml
            continue
        printed = _on_page(xml.value, page_text)
        disagreements.append(Disagreement(name, xml, seen, "xml", printed))
        fields[name] = replace(xml, confidence=DISPUTED_CONFIDENCE)
    return fields, tuple(disagreements)


def apply_einvoice(
    document: Document,
    kind: DocumentKind,
    fields: dict[str, Extracted],
    role: str | None,
    invoice_fields: Callable[[], dict[str, Extracted]],
) -> tuple[DocumentKind, dict[str, Extracted], EInvoiceCheck | None]:
    """Read ``document``'s embedded e-invoice, if any, and merge it with the page ``fields``.

    A document the page text did not show to be an invoice (and that the manifest gives no
    role) takes its kind from the XML's type code, and its page fields from
    ``invoice_fields``. Never raises: whatever goes wrong is a problem on the returned check,
    and the page fields stand.
    """
    if not document.attachments:
        return kind, fields, None
    try:
        einvoice, attachment, problems = read_einvoice(document)
        if einvoice is None:
            return kind, fields, EInvoiceCheck(attachment=attachment, problems=problems)
        if kind not in INVOICE_FAMILY:
            if role is not None and role != "invoice":
                problem = (
                    f"{einvoice.attachment} is an e-invoice, but the manifest gives the "
                    f"document the role {role}: its values are not used"
                )
                return kind, fields, _check(einvoice, (), (*problems, problem))
            kind = einvoice.kind
            fields = invoice_fields()
        merged, disagreements = cross_check(fields, einvoice, document.full_text)
        return kind, merged, _check(einvoice, disagreements, problems)
    except Exception as exc:  # never lose the page values to a bug here
        log.warning("e-invoice cross-check failed on %s", document.path, exc_info=True)
        problem = f"the embedded XML could not be used ({type(exc).__name__}: {exc})"[:300]
        return kind, fields, EInvoiceCheck(problems=(problem,))


def _check(
    einvoice: EInvoice, disagreements: tuple[Disagreement, ...], problems: tuple[str, ...]
) -> EInvoiceCheck:
    return EInvoiceCheck(
        attachment=einvoice.attachment,
        syntax=einvoice.syntax,
        profile=einvoice.profile,
        type_code=einvoice.type_code,
        fields=einvoice.fields,
        disagreements=disagreements,
        problems=problems,
        line_items=einvoice.line_items,
    )
