"""Embedded e-invoices: the XML a ZUGFeRD / Factur-X / XRechnung or UBL PDF carries, read into
an :class:`EInvoice` (:mod:`coop_rules.extraction.einvoice_check` cross-checks it with the page).

Syntaxes, told apart by the root element's namespace:

* CII, ``rsm:CrossIndustryInvoice`` (UN/CEFACT D16B): ZUGFeRD 2.x, Factur-X, XRechnung CII;
* ZUGFeRD 1.0, ``rsm:CrossIndustryDocument`` (``urn:ferd:CrossIndustryDocument:invoice:1p0``);
* UBL 2.x ``Invoice`` and ``CreditNote`` (XRechnung UBL, Peppol BIS).

Anything else (a pre-release draft namespace, some other XML) is reported as not recognised,
never guessed at. Each value is read from one element path and keeps it as evidence
(``Evidence.field = "factur-x.xml: rsm:ExchangedDocument/ram:ID"``, the conventional prefixes
whatever the file's own are). The XML is parsed with defusedxml and DTDs forbidden: an e-invoice
never declares one, and without a DTD there are no entities to expand (billion laughs) and no
external references to fetch. Malformed, hostile or oversized XML never raises: it becomes a
problem on :class:`EInvoiceCheck` and the page values stand.

Sign convention. A credit note (type code 381 and the other credit-note codes of UNTDID 1001,
or a UBL ``CreditNote``) states its amounts as positive numbers; the type says they are owed to
the buyer. The XML value is kept as written, and a page that prints the same amount negated
(``-233,47 €``) agrees with it; the field then keeps the page's sign, as for any agreeing value.
Where the page has no total, a credit note's total is the XML's positive amount and its kind
(``credit-note``) says which way it goes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import fromstring

from coop_rules.documents.model import Attachment, Document
from coop_rules.evidence import Evidence, Extracted, Scalar
from coop_rules.extraction.model import (
    INVOICE_FIELDS,
    DocumentKind,
    LineItem,
)

log = logging.getLogger(__name__)

NOTE = "embedded e-invoice XML"
XML_CONFIDENCE = 0.95  # an XML value the page does not contradict
CENT = Decimal("0.01")

# The file names the standards give the XML; tried first when a PDF carries several XML files.
STANDARD_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "order-x.xml")

# UNTDID 1001 document types that are credit notes (EN 16931 code list).
CREDIT_NOTE_TYPES = frozenset(
    {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}
)
PROFORMA_TYPES = frozenset({"325"})

# The fields cross-checked and reported, in the extract contract's order.
FIELDS = INVOICE_FIELDS
MONEY_FIELDS = frozenset({"total", "amount_due", "subtotal", "tax"})
DATE_FIELDS = frozenset({"issue_date", "due_date"})

_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity"
_UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType"
_UBL = "urn:oasis:names:specification:ubl:schema:xsd"


@dataclass(frozen=True)
class Syntax:
    """Where one e-invoice syntax keeps each field.

    ``paths`` gives, per field, element paths relative to the root, best first: the first that
    holds a value gives the field; every one that holds a value counts when a page value is
    compared (a seller's trading name as well as its legal name; its tax number as well as its
    VAT ID).
    """

    name: str
    namespaces: dict[str, str]
    type_code: str
    profile: str
    paths: dict[str, tuple[str, ...]]
    line_item: str = ""  # the element of one invoice line, relative to the root
    line_paths: dict[str, str] = field(default_factory=dict)  # LineItem attribute → path


def _cii_paths(
    document: str, transaction: str, agreement: str, settlement: str, summation: str
) -> dict[str, tuple[str, ...]]:
    seller = f"{transaction}/ram:{agreement}/ram:SellerTradeParty"
    buyer = f"{transaction}/ram:{agreement}/ram:BuyerTradeParty"
    money = f"{transaction}/ram:{settlement}"
    return {
        "invoice_number": (f"{document}/ram:ID",),
        "issue_date": (f"{document}/ram:IssueDateTime/udt:DateTimeString",),
        "vendor": (
            f"{seller}/ram:Name",
            f"{seller}/ram:SpecifiedLegalOrganization/ram:TradingBusinessName",
        ),
        "vendor_tax_id": (
            f"{seller}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']",
            f"{seller}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='FC']",
            f"{seller}/ram:SpecifiedLegalOrganization/ram:ID",
        ),
        "bill_to": (f"{buyer}/ram:Name",),
        "currency": (f"{money}/ram:InvoiceCurrencyCode",),
        "total": (f"{money}/ram:{summation}/ram:GrandTotalAmount",),
        "amount_due": (f"{money}/ram:{summation}/ram:DuePayableAmount",),
        "subtotal": (f"{money}/ram:{summation}/ram:TaxBasisTotalAmount",),
        "tax": (f"{money}/ram:{summation}/ram:TaxTotalAmount",),
        "due_date": (
            f"{money}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString",
        ),
    }


def _cii_lines(line: str, agreement: str, delivery: str, settlement: str, summation: str) -> dict:
    return {
        "description": "ram:SpecifiedTradeProduct/ram:Name",
        "quantity": f"ram:{delivery}/ram:BilledQuantity",
        "unit_price": f"ram:{agreement}/ram:NetPriceProductTradePrice/ram:ChargeAmount",
        "amount": f"ram:{settlement}/ram:{summation}/ram:LineTotalAmount",
    }


CII = Syntax(
    "CII",
    {
        "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
        "ram": f"{_RAM}:100",
        "udt": f"{_UDT}:100",
    },
    "rsm:ExchangedDocument/ram:TypeCode",
    "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
    _cii_paths(
        "rsm:ExchangedDocument",
        "rsm:SupplyChainTradeTransaction",
        "ApplicableHeaderTradeAgreement",
        "ApplicableHeaderTradeSettlement",
        "SpecifiedTradeSettlementHeaderMonetarySummation",
    ),
    "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem",
    _cii_lines(
        "IncludedSupplyChainTradeLineItem",
        "SpecifiedLineTradeAgreement",
        "SpecifiedLineTradeDelivery",
        "SpecifiedLineTradeSettlement",
        "SpecifiedTradeSettlementLineMonetarySummation",
    ),
)

ZUGFERD1 = Syntax(
    "ZUGFeRD 1.0",
    {"rsm": "urn:ferd:CrossIndustryDocument:invoice:1p0", "ram": f"{_RAM}:12", "udt": f"{_UDT}:15"},
    "rsm:HeaderExchangedDocument/ram:TypeCode",
    "rsm:SpecifiedExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
    _cii_paths(
        "rsm:HeaderExchangedDocument",
        "rsm:SpecifiedSupplyChainTradeTransaction",
        "ApplicableSupplyChainTradeAgreement",
        "ApplicableSupplyChainTradeSettlement",
        "SpecifiedTradeSettlementMonetarySummation",
    ),
    "rsm:SpecifiedSupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem",
    _cii_lines(
        "IncludedSupplyChainTradeLineItem",
        "SpecifiedSupplyChainTradeAgreement",
        "SpecifiedSupplyChainTradeDelivery",
        "SpecifiedSupplyChainTradeSettlement",
        "SpecifiedTradeSettlementMonetarySummation",
    ),
)


def _ubl(root: str, type_code: str, line: str, quantity: str) -> Syntax:
    supplier = "cac:AccountingSupplierParty/cac:Party"
    customer = "cac:AccountingCustomerParty/cac:Party"
    return Syntax(
        "UBL",
        {
            "root": f"{_UBL}:{root}-2",
            "cac": f"{_UBL}:CommonAggregateComponents-2",
            "cbc": f"{_UBL}:CommonBasicComponents-2",
        },
        f"cbc:{type_code}",
        "cbc:CustomizationID",
        {
            "invoice_number": ("cbc:ID",),
            "issue_date": ("cbc:IssueDate",),
            "vendor": (
                f"{supplier}/cac:PartyLegalEntity/cbc:RegistrationName",
                f"{supplier}/cac:PartyName/cbc:Name",
            ),
            "vendor_tax_id": (
                f"{supplier}/cac:PartyTaxScheme/cbc:CompanyID",
                f"{supplier}/cac:PartyLegalEntity/cbc:CompanyID",
            ),
            "bill_to": (
                f"{customer}/cac:PartyLegalEntity/cbc:RegistrationName",
                f"{customer}/cac:PartyName/cbc:Name",
            ),
            "currency": ("cbc:DocumentCurrencyCode",),
            "total": ("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount",),
            "amount_due": ("cac:LegalMonetaryTotal/cbc:PayableAmount",),
            "subtotal": ("cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount",),
            "tax": ("cac:TaxTotal/cbc:TaxAmount",),
            "due_date": ("cbc:DueDate", "cac:PaymentMeans/cbc:PaymentDueDate"),
        },
        f"cac:{line}",
        {
            "description": "cac:Item/cbc:Name",
            "quantity": f"cbc:{quantity}",
            "unit_price": "cac:Price/cbc:PriceAmount",
            "amount": "cbc:LineExtensionAmount",
        },
    )


UBL_INVOICE = _ubl("Invoice", "InvoiceTypeCode", "InvoiceLine", "InvoicedQuantity")
UBL_CREDIT_NOTE = _ubl("CreditNote", "CreditNoteTypeCode", "CreditNoteLine", "CreditedQuantity")

SYNTAXES = {
    f"{{{CII.namespaces['rsm']}}}CrossIndustryInvoice": CII,
    f"{{{ZUGFERD1.namespaces['rsm']}}}CrossIndustryDocument": ZUGFERD1,
    f"{{{UBL_INVOICE.namespaces['root']}}}Invoice": UBL_INVOICE,
    f"{{{UBL_CREDIT_NOTE.namespaces['root']}}}CreditNote": UBL_CREDIT_NOTE,
}


class EInvoiceError(Exception):
    """The XML cannot be read as an e-invoice; the message says why, for a report."""


@dataclass(frozen=True)
class EInvoice:
    """The values of one embedded e-invoice.

    Attributes:
        attachment: the embedded file's name.
        syntax: ``CII``, ``ZUGFeRD 1.0`` or ``UBL``.
        profile: the guideline or customization ID the XML declares.
        type_code: UNTDID 1001 document type (380 invoice, 381 credit note …).
        fields: field → value with the element path as evidence.
        also: field → every value the XML gives for it (the first is ``fields[field]``), which
            a page value may match.
        problems: values the XML holds but that could not be read (a date in another format).
        line_items: the invoice lines, each value with its element path (``…LineItem[2]/…``).
    """

    attachment: str
    syntax: str
    profile: str | None
    type_code: str | None
    fields: dict[str, Extracted]
    also: dict[str, tuple[str, ...]]
    problems: tuple[str, ...] = ()
    line_items: tuple[LineItem, ...] = ()

    @property
    def credit_note(self) -> bool:
        return self.type_code in CREDIT_NOTE_TYPES

    @property
    def kind(self) -> DocumentKind:
        if self.type_code in CREDIT_NOTE_TYPES:
            return DocumentKind.CREDIT_NOTE
        if self.type_code in PROFORMA_TYPES:
            return DocumentKind.PROFORMA
        return DocumentKind.INVOICE


# ---------------------------------------------------------------------------------------------
# Reading the XML


def _text(element: Element | None) -> str:
    if element is None or element.text is None:
        return ""
    return " ".join(element.text.split())[:300]


def _date(text: str, element: Element) -> date:
    """A CII ``DateTimeString`` (format 102: ``20240131``) or an ISO date (UBL, some CII)."""
    fmt = element.get("format")
    if fmt not in (None, "102"):
        raise ValueError(f"date format {fmt} is not a calendar date")
    if re.fullmatch(r"\d{8}", text):
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    if re.match(r"\d{4}-\d{2}-\d{2}(?:$|[TZ+\-])", text):  # "2017-11-13", "2013-03-01T00:00:00"
        return date.fromisoformat(text[:10])
    raise ValueError(f"{text!r} is not a date")


def _amount(text: str) -> Decimal:
    """An XML decimal (``529.87``, ``300``, ``-90.00``), written to the cent at least."""
    if not re.fullmatch(r"[+-]?\d{1,15}(?:\.\d{1,6})?", text):
        raise ValueError(f"{text!r} is not an amount")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only decimals
        raise ValueError(f"{text!r} is not an amount") from exc
    exponent = value.as_tuple().exponent
    return value.quantize(CENT) if isinstance(exponent, int) and exponent > -2 else value


def _value(name: str, text: str, element: Element) -> Scalar:
    if name in DATE_FIELDS:
        return _date(text, element)
    if name in MONEY_FIELDS:
        return _amount(text)
    if name == "currency":
        if not re.fullmatch(r"[A-Za-z]{3}", text):
            raise ValueError(f"{text!r} is not an ISO 4217 code")
        return text.upper()
    return text


def _in_currency(elements: list[Element], currency: str | None) -> list[Element]:
    """Amount elements in the invoice's currency first (CII may repeat a total per currency)."""
    return sorted(elements, key=lambda e: e.get("currencyID") not in (None, currency))


def parse_einvoice(data: bytes, attachment: str, file: str) -> EInvoice:
    """Read the e-invoice in ``data`` (the embedded file ``attachment`` of ``file``).

    Raises:
        EInvoiceError: the bytes are not well-formed XML, declare a DTD, or are not one of the
            syntaxes this module reads.
    """
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DTDForbidden as exc:
        raise EInvoiceError(
            f"{attachment} declares a DTD (<!DOCTYPE …>), which no e-invoice needs: not read "
            "(entities and external references are never resolved)"
        ) from exc
    except DefusedXmlException as exc:
        raise EInvoiceError(f"{attachment} uses forbidden XML ({type(exc).__name__})") from exc
    except ParseError as exc:
        raise EInvoiceError(f"{attachment} is not well-formed XML ({exc})") from exc
    except (ValueError, LookupError) as exc:  # an unknown or broken encoding declaration
        raise EInvoiceError(f"{attachment} cannot be decoded as XML ({exc})") from exc
    syntax = SYNTAXES.get(root.tag)
    if syntax is None:
        raise EInvoiceError(
            f"{attachment} is XML but not a recognised e-invoice (root element {root.tag[:200]})"
        )
    ns = syntax.namespaces
    type_code = _text(root.find(syntax.type_code, ns)) or None
    profile = _text(root.find(syntax.profile, ns)) or None
    currency = _text(root.find(syntax.paths["currency"][0], ns)).upper() or None
    fields: dict[str, Extracted] = {}
    also: dict[str, tuple[str, ...]] = {}
    problems: list[str] = []
    for name, paths in syntax.paths.items():
        texts: list[str] = []
        for path in paths:
            for element in _in_currency(root.findall(path, ns), currency):
                text = _text(element)
                if not text:
                    continue
                texts.append(text)
                if name in fields:
                    continue
                try:
                    value = _value(name, text, element)
                except ValueError as exc:
                    problems.append(f"{attachment}: {path}: {exc}")
                    continue
                evidence = Evidence(file, text=text, field=f"{attachment}: {path}", note=NOTE)
                fields[name] = Extracted(value, evidence, XML_CONFIDENCE)
        if texts:
            also[name] = tuple(dict.fromkeys(texts))
    if syntax.name == "UBL" and root.tag.endswith("}CreditNote") and type_code is None:
        type_code = "381"  # a UBL CreditNote is a credit note whatever its (optional) code
    if not fields:
        raise EInvoiceError(f"{attachment} is a {syntax.name} e-invoice without any value read")
    lines = _line_items(root, syntax, attachment, file, currency)
    return EInvoice(
        attachment, syntax.name, profile, type_code, fields, also, tuple(problems), lines
    )


MAX_LINES = 2000  # an invoice with more lines than this is read without them


def _line_items(
    root: Element, syntax: Syntax, attachment: str, file: str, currency: str | None
) -> tuple[LineItem, ...]:
    """The XML's invoice lines; a value that does not parse is left out of its line."""
    if not syntax.line_item:
        return ()
    elements = root.findall(syntax.line_item, syntax.namespaces)
    if len(elements) > MAX_LINES:
        return ()
    items = []
    for number, element in enumerate(elements, start=1):
        values: dict[str, Extracted] = {}
        for name, path in syntax.line_paths.items():
            found = _in_currency(element.findall(path, syntax.namespaces), currency)
            text = _text(found[0]) if found else ""
            if not text:
                continue
            try:
                value: Scalar = text if name == "description" else _amount(text)
            except ValueError:
                continue
            where = f"{attachment}: {syntax.line_item}[{number}]/{path}"
            evidence = Evidence(file, text=text, field=where, note=NOTE)
            values[name] = Extracted(value, evidence, XML_CONFIDENCE)
        if values:
            items.append(LineItem(**values))
    return tuple(items)


def _candidates(attachments: tuple[Attachment, ...]) -> list[Attachment]:
    """XML attachments, the standard e-invoice names first."""
    return sorted(
        attachments,
        key=lambda a: a.name.lower() not in STANDARD_NAMES,
    )


def read_einvoice(document: Document) -> tuple[EInvoice | None, str | None, tuple[str, ...]]:
    """The first embedded e-invoice of ``document`` that can be read, and the problems met.

    Returns ``(einvoice, attachment name, problems)``; never raises.
    """
    problems: list[str] = []
    tried: str | None = None
    for attachment in _candidates(document.attachments):
        tried = tried or attachment.name
        if attachment.skipped is not None:
            problems.append(f"{attachment.name} was not read: {attachment.skipped}")
            continue
        try:
            found = parse_einvoice(attachment.data, attachment.name, document.path)
        except EInvoiceError as exc:
            problems.append(str(exc))
            continue
        except RecursionError:
            problems.append(f"{attachment.name} is nested too deeply to be read")
            continue
        except MemoryError:
            problems.append(f"{attachment.name} needs too much memory to be read")
            continue
        except Exception as exc:  # a parser bug on a hostile file must not stop extraction
            log.warning("e-invoice XML failed on %s", document.path, exc_info=True)
            problems.append(f"{attachment.name} could not be read ({type(exc).__name__})"[:300])
            continue
        return found, attachment.name, (*problems, *found.problems)
    return None, tried, tuple(problems)
