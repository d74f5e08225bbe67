"""Values read by OCR say so, and OCR's confidence counts in theirs.

A value whose evidence lies on a page read by OCR (``Page.ocr_confidence`` is set) gets the
confidence of the OCR words inside its evidence box — the lowest of them: a total is as sure as
its least sure digit group; a name, the mean of its words unless one was a guess — multiplied
into its own, and a note on its evidence, ``OCR, confidence 0.87``, which the reports show. A
value whose OCR words are less sure than MIN_WORD_CONFIDENCE (STRICT for dates and amounts), or
an amount read without its cents in a currency that has them, is dropped (the extraction
abstains) rather than reported as read.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

from coop_rules.documents.model import Document, Page, Word, visual_lines
from coop_rules.evidence import Box, Extracted
from coop_rules.extraction.dates import find_dates
from coop_rules.extraction.model import Abstained, LineItem
from coop_rules.extraction.parsing import find_amounts
from coop_rules.extraction.reconcile import ARITHMETIC, COIN, digits_with_cents
from coop_rules.extraction.totals import CENT, printed_tax, taxed_base

# Below this word confidence an OCR value is not used: a digit OCR was unsure of makes a wrong
# date or total, and a wrong value is worse than none (a reviewer reads the scan). On 30
# receipt scans (one per company) every right date and total was read from words at 0.86 or
# more, and 6 of the 9 wrong ones from words below 0.85. Names and numbers that the rules only
# show or compare loosely (an invoice number read at 0.80 on the scanned fixture invoice was
# right) need less.
MIN_WORD_CONFIDENCE = 0.6
STRICT = 0.85
STRICT_FIELDS = frozenset(
    {"issue_date", "total", "subtotal", "tax", "amount_due", "service_start", "service_end"}
)
NOTE = "OCR, confidence {:.2f}"
# A date or amount that OCR read the same on two lines of the page, or a total the page's sums
# back, needs less word confidence: a misread digit is a random error, and two readings (or a
# sum of other amounts) agreeing on the same wrong digits is far less likely than one reading
# being wrong. OCR's words below MIN_WORD_CONFIDENCE are not used even then. So does a date
# whose number a second reading of its own box repeated (``Word.confirmed``), but not a total:
# read right, the amount by a total's label may still be another one (the total before a
# rounding), which only the page's sums or a second print tell (of 46 receipt totals chosen by
# their label alone from text PDFs, 4 were the wrong amount).
CORROBORATED = MIN_WORD_CONFIDENCE
# Names count their words' mean confidence (see name_confidence), unless a word is below this.
NAME_FIELDS = frozenset({"vendor", "bill_to"})
GUESSED = 0.4


# Amounts OCR gives without their cents: a lost decimal point ("30 30"), or a count next to a
# "Total" label ("Total Qty 4"). In a currency with cents a printed total has them, so such
# a reading is not used; a currency without minor units (yen, won) keeps its whole amounts.
AMOUNT_FIELDS = frozenset({"total", "subtotal", "tax", "amount_due"})
WHOLE_CURRENCIES = frozenset({"JPY", "KRW", "CLP", "ISK", "VND", "TWD", "HUF", "IDR"})
_CENTS = re.compile(r"[.,]\s?\d{2}(?!\d)")
# How OCR may print an amount apart from the page's other readings of it: a gap after the
# decimal mark where the print has a narrow one ("RM367. 10"), and its currency glued on and
# misread ("RH367.10" for RM).
_SPACED_CENTS = re.compile(r"(\d[.,]) (\d{2})(?![\d.,])")
_GLUED_CURRENCY = re.compile(r"(?<=[^\W\d_])(?=\d)")


def _lost_cents(name: str, found: Extracted, fields: dict[str, Extracted]) -> bool:
    if name not in AMOUNT_FIELDS:
        return False
    currency = fields.get("currency")
    if currency is not None and str(currency.value) in WHOLE_CURRENCIES:
        return False
    text = found.evidence.text
    if _CENTS.search(text):
        return False
    # Its cents read and its decimal mark not, put back by the page's sums ("9280": 92.80).
    value = found.value
    return not isinstance(value, Decimal) or re.sub(r"\D", "", text) != digits_with_cents(value)


def _cents_cut(page: Page, found: Extracted) -> bool:
    """Whether OCR read an amount's whole part and its decimal mark, and only some of its
    cents ("TOTAL 12." for 12.00, "RM 13.6" for 13.60): where the page's sums back it, they
    give its cents. A count ("Total Qty 4") has no mark."""
    value, box = found.value, found.evidence.box
    if not isinstance(value, Decimal) or box is None:
        return False
    digits, whole = re.sub(r"\D", "", found.evidence.text), str(int(abs(value)))
    if not (digits.startswith(whole) and digits_with_cents(value).startswith(digits)):
        return False
    words = " ".join(w.text for w in _words_in(page, box))
    return bool(re.search(rf"(?<!\d){whole}[.,]", words))


def ocr_note(confidence: float) -> str:
    return NOTE.format(confidence)


def word_confidence(page: Page, box: Box, text: str | None = None) -> float:
    """The lowest confidence of the OCR words of ``page`` that lie mostly inside ``box``
    (the page's mean when none does). Given the value's ``text``, a mark without a letter or
    digit that is not in it does not count: a speck OCR read inside the box ("|" over a
    date) is not a word of the value."""
    found = [
        word.confidence
        for word in _words_in(page, box)
        if text is None or any(c.isalnum() for c in word.text) or word.text in text
    ]
    if found:
        return min(found)
    return page.ocr_confidence or 0.0


def _words_in(page: Page, box: Box) -> list[Word]:
    """The words of ``page`` that lie mostly inside ``box``."""
    x0, top, x1, bottom = box
    found = []
    for word in page.words:
        w = max(word.x1 - word.x0, 1e-6)
        h = max(word.bottom - word.top, 1e-6)
        ix = min(x1, word.x1) - max(x0, word.x0)
        iy = min(bottom, word.bottom) - max(top, word.top)
        if ix > 0 and iy > 0 and ix * iy >= 0.5 * w * h:
            found.append(word)
    return found


def _confirmed(page: Page, found: Extracted) -> bool:
    """Whether OCR read ``found``'s number twice alike: every word of its evidence with a
    digit was confirmed by a second reading of its own box (``Word.confirmed``)."""
    box = found.evidence.box
    numbers = [w for w in _words_in(page, box) if any(c.isdigit() for c in w.text)] if box else []
    return bool(numbers) and all(w.confirmed for w in numbers)


def _ocr_pages(document: Document) -> dict[int, Page]:
    return {p.number: p for p in document.pages if p.ocr_confidence is not None}


def name_confidence(page: Page, box: Box) -> float:
    """How sure OCR was of a name in ``box``: its words' mean confidence, or the lowest where
    one word is below GUESSED (read from specks, not letters).

    A name is not a number: one word OCR was unsure of ("URBAN IDEA[0.59] SDN BHD", "MR
    D.I.Y.[0.43] (M) SDN BHD", dots and brackets are what OCR is least sure of) still leaves the
    name readable, where one unsure digit makes another amount."""
    found = [word.confidence for word in _words_in(page, box)]
    if not found or min(found) < GUESSED:
        return word_confidence(page, box)
    return sum(found) / len(found)


def _marked(page: Page, found: Extracted, name: str = "") -> tuple[float, Extracted]:
    """How sure OCR was of ``found``'s words, and ``found`` with that counted and noted."""
    if found.evidence.box is not None and name in NAME_FIELDS:
        sure = name_confidence(page, found.evidence.box)
    elif found.evidence.box is not None:
        sure = word_confidence(page, found.evidence.box, found.evidence.text)
    else:
        sure = page.ocr_confidence or 0.0
    note = ocr_note(sure)
    if found.evidence.note:
        note = f"{found.evidence.note}; {note}"
    evidence = replace(found.evidence, note=note)
    return sure, replace(found, confidence=found.confidence * sure, evidence=evidence)


def apply_ocr_confidence(
    document: Document, fields: dict[str, Extracted], decided_by: dict[str, str] | None = None
) -> tuple[dict[str, Extracted], dict[str, Abstained]]:
    """``fields`` with each OCR-read value's confidence lowered and its evidence noted, and
    apart from them the values OCR was not sure enough of (abstained, with the reading).

    A total OCR read is used only when the document's arithmetic backs it (``decided_by``:
    tendered − change, subtotal + tax, total + rounding): a misread digit (``400.90`` for
    ``100.90``) keeps its label and its high word confidence, but breaks the arithmetic. On
    60 receipt scans every wrong OCR total was chosen by its label alone.
    """
    decided_by = decided_by or {}
    pages = _ocr_pages(document)
    if not pages:
        return fields, {}
    out: dict[str, Extracted] = {}
    doubts: dict[str, Abstained] = {}
    for name, found in fields.items():
        page = pages.get(found.evidence.page or 0)
        if page is None:
            out[name] = found
            continue
        sure, marked = _marked(page, found, name)
        backed = name == "total" and _backed(found, fields, decided_by)
        if name == "total":
            twice = (
                _printed_twice(page, found) or _items_add_up(page, found)
            ) and not _net_of_printed_tax(page, found.value, fields)
        else:
            twice = _printed_twice(page, found) or _confirmed(page, found)
        lost = _lost_cents(name, found, fields)
        cut = lost and backed and _cents_cut(page, found)  # the sums give its cents
        needed = STRICT if name in STRICT_FIELDS else MIN_WORD_CONFIDENCE
        if backed or twice:
            needed = CORROBORATED
        if sure < needed:
            reason = f"uncertain: OCR read its words with confidence {sure:.2f}"
            doubts[name] = Abstained(name, (marked,), reason, needed, "low-confidence")
        elif lost and not cut:
            reason = "uncertain: OCR read an amount without its cents"
            doubts[name] = Abstained(name, (marked,), reason, needed, "low-confidence")
        elif (
            name == "total"
            and isinstance(found.value, Decimal)
            and printed_tax(page.text.splitlines(), found.value)
        ):
            reason = "uncertain: the page prints it as the tax a rate gives of another amount"
            doubts[name] = Abstained(name, (marked,), reason, needed, "low-confidence")
        elif name == "total" and not (backed or twice):
            reason = "uncertain: OCR read it by its label once, and no sum on the page backs it"
            doubts[name] = Abstained(name, (marked,), reason, needed, "low-confidence")
        else:
            if cut:
                marked = replace(marked, value=Decimal(str(found.value)).quantize(CENT))
            out[name] = marked
    return out, doubts


def _printed_twice(page: Page, found: Extracted) -> bool:
    """Whether ``found``'s value (a date, or an amount with cents) is printed twice on ``page``.

    A date counts on any two lines. An amount counts where a line other than its own prints
    it as its one amount with cents ("HERBY PIPA GAO 47.70" over "TOTAL INCL. GST 6.00 RM
    47.70"), or as a count's price and amount ("89.00  1  89.00"): a tax summary ("SR 6%
    31.03  1.86") repeats the net amount beside its tax, which makes a net amount printed
    twice no more likely to be the total."""
    value = found.value
    if isinstance(value, date):
        lines = page.text.splitlines()
        return (
            sum(any(value in (r.value, *r.alternatives) for r in find_dates(x)) for x in lines) >= 2
        )
    if not isinstance(value, Decimal):
        return False
    box = found.evidence.box
    own = {id(word) for word in _words_in(page, box)} if box else set()
    needed = 1 if own else 2  # without its own line's words, two others
    for words, money in map(_money_of, visual_lines(page.words)):
        if own & words:
            continue
        needed -= {abs(m) for m in money} == {value}
        if not needed:
            return True
    return False


ITEM_LINES = 40  # how far above a total its items are added up


def _items_add_up(page: Page, found: Extracted) -> bool:
    """Whether the amounts of the lines right above ``found``'s own (each line's last amount
    with cents, up from it) add up to its amount, two lines or more: a receipt's items ("1
    HONEY SOFT TOAST 3.30" … "1 MINI BUN 3.10" over "TOTAL 26.50"). Many amounts adding up to
    the cent to a misread total is no more likely than a second print of the same misreading.
    Not where the next amount under it is less than a coin (:data:`~.reconcile.COIN`): the
    items add up to the total before a rounding (its label misread, "rnunding Adjustment
    -0.02")."""
    value = found.value
    box = found.evidence.box
    if not isinstance(value, Decimal) or value <= 0 or box is None:
        return False
    own = {id(word) for word in _words_in(page, box)}
    lines = [_money_of(line) for line in visual_lines(page.words)]
    at = next((i for i, (words, _) in enumerate(lines) if own & words), None)
    if at is None:
        return False
    under = next((money for _, money in lines[at + 1 :] if money), [])
    if under and 0 < abs(under[-1]) < COIN:
        return False
    total, count = Decimal(0), 0
    for _, money in reversed(lines[max(0, at - ITEM_LINES) : at]):
        if not money:
            continue
        total += money[-1]
        count += 1
        if total == value:
            return count >= 2
        if total > value:
            return False
    return False


def _money_of(line: list[Word]) -> tuple[set[int], list[Decimal]]:
    """A visual line's words (by id) and its amounts with cents, as OCR may write them."""
    text = " ".join(word.text for word in line)
    text = _GLUED_CURRENCY.sub(" ", _SPACED_CENTS.sub(r"\1\2", text))
    return {id(word) for word in line}, [a.value for a in find_amounts(text) if a.decimals == 2]


def _net_of_printed_tax(page: Page, value: object, fields: dict[str, Extracted]) -> bool:
    """Whether ``value`` is a net amount, the base a printed tax is computed on: the page
    prints it plus the tax read ("Gross Amount 40.00" / "GST 2.40" / "Sub Total 42.40"), or a
    line prints a rate and that rate of it ("GST 6%  1.98" under "Total Sales 33.00")."""
    if not isinstance(value, Decimal):
        return False
    tax = fields.get("tax")
    if tax is not None and Decimal(str(tax.value)) != 0:  # (no tax: net and gross are one)
        gross = abs(value + Decimal(str(tax.value)))
        if any(abs(a.value) == gross for a in find_amounts(page.text)):
            return True
    return taxed_base(page.text.splitlines(), value)


def _backed(total: Extracted, fields: dict[str, Extracted], decided_by: dict[str, str]) -> bool:
    """Whether the page's sums back a total: the heuristic that chose it was arithmetic
    (:data:`~.reconcile.ARITHMETIC`), or the subtotal and tax read beside it add up to it."""
    if decided_by.get("total", "label") in ARITHMETIC:
        return True
    subtotal, tax = fields.get("subtotal"), fields.get("tax")
    if subtotal is None or tax is None:
        return False
    try:
        return Decimal(str(subtotal.value)) + Decimal(str(tax.value)) == Decimal(str(total.value))
    except ArithmeticError:
        return False


def mark_ocr_items(document: Document, items: tuple[LineItem, ...]) -> tuple[LineItem, ...]:
    """Item-table cells read by OCR, noted and with OCR's confidence counted (all kept: a row
    without its amount would change what the rows add up to)."""
    pages = _ocr_pages(document)
    if not pages:
        return items
    out = []
    for item in items:
        cells = {}
        for name in ("description", "quantity", "unit_price", "amount"):
            found = getattr(item, name)
            page = pages.get(found.evidence.page or 0) if found is not None else None
            if found is not None and page is not None:
                cells[name] = _marked(page, found)[1]
        out.append(replace(item, **cells) if cells else item)
    return tuple(out)
