"""What a document is, from its words: invoice, credit note, pro-forma, quote, CSR, PoE …

Kind keywords (``kinds`` in ``data/*.yaml``) are weighed by where they stand: a title (a short
line, large type, near the top of the first page) counts many times more than a word in running
text, so a "devis" mentioned in a French invoice's payment terms does not make it a quote.
A page that settles a sale (a total, and money tendered, change or a rounding, each with an
amount) is a receipt even when no word calls it one. When keywords tie, the kinds that block a
claim win (pro-forma, quote, order confirmation, credit note before invoice), because calling a
quote an invoice is the costlier mistake.

A role given by the claim manifest decides the extractor; for invoices the kind is still read
from the content, so a "proforma" submitted as an invoice is reported as what it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import median

from coop_rules.documents.model import Document
from coop_rules.documents.sniff import EMAIL, TEXT
from coop_rules.evidence import Evidence
from coop_rules.extraction.layout import Layout, Line
from coop_rules.extraction.lexicon import fold, keyword_matcher, section_matcher
from coop_rules.extraction.model import DocumentKind
from coop_rules.extraction.parsing import find_amounts

INVOICE_FAMILY = (
    DocumentKind.PROFORMA,
    DocumentKind.QUOTE,
    DocumentKind.ORDER_CONFIRMATION,
    DocumentKind.CREDIT_NOTE,
    DocumentKind.INVOICE,
    DocumentKind.RECEIPT,
)
_PRECEDENCE = {
    kind: i
    for i, kind in enumerate(
        (*INVOICE_FAMILY, DocumentKind.CSR, DocumentKind.METRICS, DocumentKind.POE)
    )
}
ROLE_KINDS = {
    "csr": DocumentKind.CSR,
    "poe": DocumentKind.POE,
    "metrics": DocumentKind.METRICS,
    "other": DocumentKind.OTHER,
}
MIN_SCORE = 1.0  # below this, the words are no evidence of a kind
SUBTYPE_PRIORITY = {
    "screenshot": 1.5,
    "invitation": 1.3,
    "agenda": 1.3,
    "attendee-list": 1.3,
    "script": 1.2,
    "advertisement": 0.8,
    "photo": 0.8,
}


@dataclass(frozen=True)
class Classification:
    """The kind, the PoE subtype guess, and the keyword that decided it."""

    kind: DocumentKind
    poe_subtype: str | None = None
    evidence: Evidence | None = None
    subtype_evidence: Evidence | None = None


# The end of a sentence that ran onto this line ("is still a receipt."): it opens in lower case
# and closes with a stop. A title opens with a capital (or in a script without case) and
# carries no full stop after its last word.
_SENTENCE_END = re.compile(r"^\s*[a-zß-öø-ÿ].*[^\W\d_][.;,]\s*$")


def _weight(layout: Layout, line: Line, pos: int, typical: float, first_page: int | None) -> float:
    """How much a keyword at ``pos`` on ``line`` says about the whole document."""
    start = line.text.rfind("\t", 0, pos) + 1
    end = line.text.find("\t", pos)
    segment = line.text[start : end if end >= 0 else len(line.text)]
    words = len(fold(segment)[0].split())  # "R E C H N U N G" is one word
    weight = 0.3 if words > 8 else 1.0
    if words <= 4 and not _SENTENCE_END.match(segment):
        weight += 1.0  # a title stands alone
    if line.page == first_page and layout.relative_top(line) < 0.3:
        weight += 1.5
    if typical > 0:
        weight += max(0.0, min(2.0, line.height / typical - 1.0))  # larger type
    return weight


def _scores(
    layout: Layout, lang: str | None, table: str
) -> tuple[dict[str, float], dict[str, tuple[float, Evidence]]]:
    """Per keyword group: the summed weight, and the strongest single mention's evidence."""
    matcher = keyword_matcher(table, lang)
    heights = [line.height for line in layout.lines[:400]]
    typical = median(heights) if heights else 0.0
    first_page = layout.lines[0].page if layout.lines else None
    totals: dict[str, float] = {}
    strongest: dict[str, tuple[float, Evidence]] = {}
    for line in layout.lines:
        for hit in matcher.find(line.text):
            weight = _weight(layout, line, hit.start, typical, first_page)
            totals[hit.field] = totals.get(hit.field, 0.0) + weight
            if weight > strongest.get(hit.field, (0.0, None))[0]:
                tokens = line.tokens_in(hit.start, hit.end)
                strongest[hit.field] = (weight, layout.evidence(tokens, hit.text))
    return totals, strongest


def poe_subtype(
    layout: Layout, document: Document, lang: str | None
) -> tuple[str | None, Evidence | None]:
    """A guess at what kind of proof a document is (screenshot, invitation, agenda …)."""
    if document.media_type == EMAIL or "Date" in document.headers:
        return "email", Evidence(
            document.path, document.headers.get("Date", ""), field="Date", note="an e-mail message"
        )
    if not layout.lines:
        return None, None
    totals, strongest = _scores(layout, lang, "poe_subtypes")
    if not totals:
        return None, None
    # A document that calls itself a screenshot or an invitation is one, whatever ad or photo
    # it shows: kinds of proof weigh more than kinds of content.
    name, score = max(
        ((n, w * SUBTYPE_PRIORITY.get(n, 1.0)) for n, w in totals.items()), key=lambda item: item[1]
    )
    return (name, strongest[name][1]) if score >= MIN_SCORE else (None, None)


def _poe(
    kind: DocumentKind,
    layout: Layout,
    document: Document,
    lang: str | None,
    evidence: Evidence | None = None,
) -> Classification:
    subtype, where = poe_subtype(layout, document, lang)
    return Classification(kind, subtype, evidence, where)


def _invoice_labels(layout: Layout, lang: str | None) -> float:
    """Extra weight for the invoice family from invoice-only labels (``Rechnungsnummer``,
    ``Invoice date``): an invoice whose title is a logo or letter-spaced still says so."""
    matcher = section_matcher("invoice", lang)
    found = sum(
        1
        for line in layout.lines[:200]
        for hit in matcher.find(line.text)
        if hit.field in ("invoice_number", "issue_date")
    )
    return min(found, 2) * 1.0


_TILL_FIELDS = frozenset({"tendered", "change", "rounding"})
_TOTAL_FIELDS = frozenset({"total", "total_gross", "subtotal", "subtotal_items"})
MAX_TILL_WORDS = 5


def till_receipt(layout: Layout, lang: str | None) -> bool:
    """Whether the page settles a sale: a total and money tendered, change or a rounding (a
    till receipt that names itself nowhere), each on a line of its own, at least one of them
    with money next to it. The other may show its amount garbled (OCR of a faded receipt reads
    "Change 0 00" or "Total 9280"), but then it must be a short line, label and amount only,
    not a sentence that mentions a card or a change. Money handed over and change given back,
    each with its amount on a short line of its own, settle a sale too, whatever became of
    the total's line ("Total RM Incl. of GST IR)" / "Cash 50.00" / "Change 44.25")."""
    matcher = section_matcher("invoice", lang)
    with_money: set[str] = set()
    short: set[str] = set()
    paid: set[str] = set()
    for line in layout.lines[:300]:
        hits = {h.field for h in matcher.find(line.text)}
        fields = hits & (_TILL_FIELDS | _TOTAL_FIELDS)
        if not fields:
            continue
        kind = "total" if fields & _TOTAL_FIELDS else "till"
        money = any(a.decimals == 2 for a in find_amounts(line.text))
        brief = len(line.text.split()) <= MAX_TILL_WORDS
        if money:
            with_money.add(kind)
            if brief and kind == "till":
                paid |= hits & {"tendered", "change"}
        elif brief:
            short.add(kind)
        if len(with_money) == 2 or (with_money and len(with_money | short) == 2):
            return True
        if len(paid) == 2:
            return True
    return False


def classify(
    document: Document, layout: Layout, lang: str | None, role: str | None = None
) -> Classification:
    """Decide the document's kind (see the module docstring for the rules)."""
    if role in ROLE_KINDS:
        kind = ROLE_KINDS[role]
        return (
            _poe(kind, layout, document, lang)
            if kind is DocumentKind.POE
            else (Classification(kind))
        )
    if not layout.lines:
        # An image or an empty body: without OCR it can only be a photo or screenshot of proof.
        return Classification(DocumentKind.POE if role is None else DocumentKind.INVOICE)
    _, strongest = _scores(layout, lang, "kinds")
    weights = {DocumentKind(name): weight for name, (weight, _) in strongest.items()}
    family = sorted(
        (kind for kind in INVOICE_FAMILY if weights.get(kind, 0.0) >= MIN_SCORE),
        key=lambda kind: (-round(weights[kind], 1), _PRECEDENCE[kind]),
    )
    labels = _invoice_labels(layout, lang)
    till = not family and till_receipt(layout, lang)
    if till:
        labels += 4.0  # settling a sale is structure, stronger than any stray keyword
    if role == "invoice" or (family or labels):
        kind = family[0] if family else (DocumentKind.RECEIPT if till else DocumentKind.INVOICE)
        evidence = strongest[str(kind)][1] if family else None
        if role == "invoice":
            return Classification(kind, evidence=evidence)
        family_score = (weights[kind] if family else 0.0) + labels
    else:
        kind, evidence, family_score = DocumentKind.OTHER, None, 0.0
    others = sorted(
        ((k, w) for k, w in weights.items() if k not in INVOICE_FAMILY and w >= MIN_SCORE),
        key=lambda item: (-item[1], _PRECEDENCE[item[0]]),
    )
    if document.media_type == EMAIL and family_score < 3.0:
        return _poe(DocumentKind.POE, layout, document, lang)
    if document.media_type == TEXT and kind in INVOICE_FAMILY and weights.get(kind, 0.0) < 2.0:
        # Plain text (a README, notes) that talks about invoices, even of their numbers and
        # dates, is not one: a text invoice names its kind on a line of its own ("INVOICE",
        # "Invoice no. 17"), not only in sentences.
        kind, evidence = DocumentKind.OTHER, None
    if others and others[0][1] > family_score:
        kind, evidence = others[0][0], strongest[str(others[0][0])][1]
    if kind is DocumentKind.POE:
        return _poe(kind, layout, document, lang, evidence)
    return Classification(kind, evidence=evidence)
