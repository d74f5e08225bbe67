"""One document's values: what the manifest says of it, what was extracted from it (the
vendor, the dates, the total as money), whether its issuer is the partner, its embedded
e-invoice, and an invoice's content (core fields, arithmetic, classified lines).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from coop_rules.claim import COST_ROLES, ClaimDocument, DocumentEntry
from coop_rules.evidence import Evidence, Extracted, json_value
from coop_rules.extraction import ExtractedDocument
from coop_rules.extraction.model import Abstained
from coop_rules.extraction.names import company_key, same_tax_id
from coop_rules.facts.breakdown import to_subtotal, vat_rate_values
from coop_rules.facts.model import Value
from coop_rules.facts.program_values import ClaimContext
from coop_rules.i18n.shown import Listing, Phrase, ReadReason, Term
from coop_rules.money import Money
from coop_rules.programs import LineWords
from coop_rules.rulebook.fields import EXTRACTED

# Currencies without minor units: a "round" total there needs more zeros.
ZERO_DECIMAL = {"JPY", "KRW", "CLP", "ISK", "HUF", "VND", "TWD", "IDR"}
CORE_FIELDS = ("vendor", "invoice_number", "issue_date", "total", "currency")


def read_values(
    document: ClaimDocument, partner_names: set[str], partner_tax_id: str | None
) -> dict[str, Value]:
    """The document as listed and read: role, kind, problems, extracted fields, its issuer."""
    extracted = document.extracted
    here = Evidence(document.path, note="from the manifest" if document.listed else "classified")
    values: dict[str, Value] = {
        "doc.file": Value(document.path, (here,)),
        "doc.role": Value(str(document.role), (here,), shown=Term("role", str(document.role))),
        "doc.kind": Value(str(extracted.kind), (here,), shown=Term("kind", str(extracted.kind))),
        "doc.listed": Value(document.listed, (here,)),
        "doc.readable": Value(extracted.readable, (here,)),
        "doc.has_note": Value(bool(document.note and document.note.strip()), (here,)),
        "doc.is_cost": Value(document.role in COST_ROLES, (here,)),
    }
    if extracted.problems:
        values["doc.read_problem"] = Value(
            "; ".join(p.reason for p in extracted.problems),
            (here,),
            shown=Listing(
                tuple(ReadReason(str(p.kind), p.reason) for p in extracted.problems), "plain"
            ),
        )
    for name, found in extracted.fields.items():
        if f"doc.{name}" in EXTRACTED:  # the total becomes money with its currency, below
            values[f"doc.{name}"] = _from_extracted(found)
    values.update(_execution_values(document, here))
    total, currency = extracted.fields.get("total"), extracted.fields.get("currency")
    if total is not None and currency is not None:
        values["doc.total"] = Value(
            Money(total.value, currency.value),  # type: ignore[arg-type]  # (Decimal, code)
            (total.evidence, currency.evidence),
            tuple(Money(a, currency.value) for a in total.alternatives),  # type: ignore[arg-type]
        )
    is_partner = _vendor_is_partner(extracted, partner_names, partner_tax_id)
    if is_partner is not None:
        values["doc.vendor_is_partner"] = is_partner
    values.update(_einvoice_values(document, here))
    return values


def abstained_gaps(document: ClaimDocument) -> dict[str, Phrase]:
    """Why a field extraction read but did not trust is unknown to the rules.

    Extraction keeps such a field apart (``ExtractedDocument.abstained``): its readings
    disagree or are too uncertain, or a vendor is not an organisation's name. A rule that needs
    it says it could not check, and why, with the readings a reviewer can look at.
    """
    gaps: dict[str, Phrase] = {}
    for name, held in document.extracted.abstained.items():
        gaps[f"doc.{name}"] = abstained_phrase(document.path, name, held)
    for part in ("total", "currency"):  # the total as money needs both
        if f"doc.{part}" in gaps:
            gaps.setdefault("doc.total", gaps[f"doc.{part}"])
    if "doc.vendor" in gaps:  # who issued it is unknown unless its tax ID says so
        gaps["doc.vendor_is_partner"] = gaps["doc.vendor"]
    for name in CORE_FIELDS:  # shown but not read for sure: neither there nor missing (IN01)
        if f"doc.{name}" in gaps:
            gaps.setdefault("doc.missing_core_count", gaps[f"doc.{name}"])
    return gaps


def abstained_phrase(path: str, name: str, held: Abstained) -> Phrase:
    """``the total of invoice.pdf is uncertain (220.00 or 440.00)``, in the report's language."""
    if held.code == "not-an-organisation" or not held.candidates:
        return Phrase.of("gap.not_a_name", document=path, field=Term("field", name))
    readings = tuple(dict.fromkeys(c.value for c in held.candidates))
    return Phrase.of(
        "gap.uncertain", document=path, field=Term("field", name), readings=Listing(readings, "or")
    )


# Proofs that show what was done, not when: a script's or contest's date is its version.
UNDATED_SUBTYPES = frozenset({"script", "terms", "specification", "sow", "url", "deliverable"})
# Proofs of an event taking place: an activity that asks for one of them is an event.
EVENT_PROOFS = frozenset({"invitation", "agenda"})


def _execution_values(document: ClaimDocument, here: Evidence) -> dict[str, Value]:
    """R4/R5: whether the proof's subtype dates the activity, and the candidate dates of a
    proof that shows several and none clearly the execution date."""
    if str(document.role) != "poe":
        return {}
    values = {"doc.proof_dated": Value(document.subtype not in UNDATED_SUBTYPES, (here,))}
    found = document.extracted.fields.get("execution_candidates")
    if found is None:
        return values
    dates = sorted(v for v in (found.value, *found.alternatives) if isinstance(v, date))
    if not dates:
        return values
    shown = ", ".join(d.isoformat() for d in dates)
    values["doc.execution_candidates"] = Value(shown, (found.evidence,))
    values["doc.execution_first"] = Value(dates[0], (found.evidence,))
    values["doc.execution_last"] = Value(dates[-1], (found.evidence,))
    return values


# Proofs that announce an event: sent or published before it happens.
ANNOUNCING_SUBTYPES = frozenset({"invitation", "email", "communication"})


def announcement_values(document: ClaimDocument, context: ClaimContext) -> dict[str, Value]:
    """R4/R5: ``doc.announces_event``, whether a proof is dated by announcing an event activity
    (a seminar's invitation e-mail by its sending, a mailing about it by its publication): such
    a date lies before the event, not outside it. An invitation that names the event's date is
    dated by the event (extraction), and is no announcement."""
    if str(document.role) != "poe":
        return {}
    here = Evidence(document.path, text=document.subtype or "", field="subtype")
    activity = context.activity
    event = activity is not None and any(
        s in EVENT_PROOFS for group in activity.proof for s in group
    )
    dated = document.extracted.fields.get("execution_date")
    by_sending = dated is not None and dated.evidence.field == "Date"  # the e-mail's header
    announces = (
        event
        and document.subtype in ANNOUNCING_SUBTYPES
        and (document.subtype != "invitation" or by_sending)
    )
    evidence = (here, dated.evidence) if dated is not None else (here,)
    return {"doc.announces_event": Value(bool(announces), evidence)}


def _einvoice_values(document: ClaimDocument, here: Evidence) -> dict[str, Value]:
    """Whether an embedded e-invoice was read and whether it really differs from the page."""
    check = document.extracted.einvoice
    if check is None or not check.read:
        return {"doc.has_einvoice": Value(False, (here,))}
    attachment = Evidence(
        document.path,
        text=check.attachment or "",
        field=check.attachment,
        note="embedded e-invoice",
    )
    mismatches = check.mismatches
    evidence = tuple(e for d in mismatches for e in (d.page.evidence, d.xml.evidence))
    values = {
        "doc.has_einvoice": Value(True, (attachment,)),
        "doc.einvoice_disagrees": Value(bool(mismatches), evidence or (attachment,)),
    }
    if mismatches:
        text = "; ".join(
            f"{d.field}: XML {json_value(d.xml.value)}, page {json_value(d.page.value)}"
            for d in mismatches
        )
        values["doc.einvoice_mismatch"] = Value(text, evidence)
    return values


def stated_values(
    entry: DocumentEntry | None, source: str
) -> tuple[date | None, Money | None, Evidence]:
    """The date and amount the manifest enters for a document (R6), with their evidence;
    :func:`invoice_values` takes them."""
    if entry is None:
        return None, None, Evidence(source)
    amount = entry.amount
    text = " ".join(str(v) for v in (entry.date, entry.amount) if v is not None)
    return entry.date, amount, Evidence(source, text=text, field=f"documents[{entry.path}]")


def _from_extracted(found: Extracted) -> Value:
    return Value(found.value, (found.evidence,), found.alternatives)


def _vendor_is_partner(
    extracted: ExtractedDocument, partner_names: set[str], partner_tax_id: str | None
) -> Value | None:
    """True when the issuer's name or tax ID is the partner's; None when neither was read."""
    vendor, tax_id = extracted.fields.get("vendor"), extracted.fields.get("vendor_tax_id")
    if tax_id is not None and partner_tax_id and same_tax_id(str(tax_id.value), partner_tax_id):
        return Value(True, (tax_id.evidence,))
    if vendor is not None:
        key = company_key(str(vendor.value))
        return Value(bool(key) and key in partner_names, (vendor.evidence,))
    if tax_id is not None:
        return Value(False, (tax_id.evidence,))
    return None


def invoice_values(
    extracted: ExtractedDocument,
    role: str,
    context: ClaimContext,
    claimed: Money,
    partner_names: set[str],
    stated: tuple[date | None, Money | None, Evidence],
) -> dict[str, Value]:
    """Invoice content facts of one document: arithmetic, lines, core fields, R6's stated values."""
    values: dict[str, Value] = {}
    stated_date, stated_amount, entry = stated
    if stated_date is not None:
        values["doc.stated_date"] = Value(stated_date, (entry,))
    if stated_amount is not None:
        values["doc.stated_amount"] = Value(stated_amount, (entry,))
    fields = extracted.fields
    currency = fields.get("currency")
    for name in ("subtotal", "tax", "amount_due"):
        found = fields.get(name)
        if found is not None and currency is not None:
            values[f"doc.{name}"] = _money(found, currency)
    if role != "invoice" or not extracted.readable:
        return values
    # A field read but abstained (``extracted.abstained``) is on the page, only uncertain: not
    # missing. When it is the only doubt, the count stays unknown (see ``abstained_gaps``).
    missing = [n for n in CORE_FIELDS if n not in fields and n not in extracted.abstained]
    here = Evidence(
        extracted.path, text=", ".join(sorted(fields)) or "no fields", note="fields read"
    )
    if missing or not any(n in extracted.abstained for n in CORE_FIELDS):
        values["doc.missing_core_count"] = Value(len(missing), (here,))
    if missing:
        values["doc.missing_core"] = Value(", ".join(missing), (here,), shown=_fields(missing))
    # A vendor address is not extracted yet; add "vendor_address" here once it is.
    details = [n for n in ("vendor_tax_id",) if n not in fields and _tax_registered(fields)]
    if not any(line.description for line in extracted.line_items) and not _itemised(extracted):
        details.insert(0, "line descriptions")
    values["doc.missing_detail_count"] = Value(len(details), (here,))
    if details:
        values["doc.missing_details"] = Value(", ".join(details), (here,), shown=_fields(details))
    bill_to = fields.get("bill_to")
    if bill_to is not None:
        name = company_key(str(bill_to.value))
        match = bool(name) and any(p and (p in name or name in p) for p in partner_names)
        values["doc.bill_to_is_partner"] = Value(match, (bill_to.evidence,))
    total, issued = fields.get("total"), fields.get("issue_date")
    if total is not None and currency is not None and not total.ambiguous:
        amount = Decimal(total.value)  # type: ignore[arg-type]
        unit = Decimal(100000) if currency.value in ZERO_DECIMAL else Decimal(1000)
        values["doc.round_total"] = Value(amount > 0 and amount % unit == 0, (total.evidence,))
        if currency.value == claimed[1] and claimed[0] > 0:
            share = (amount * 100 / claimed[0]).to_integral_value(ROUND_FLOOR)
            values["doc.share_of_claim_percent"] = Value(int(share), (total.evidence,))
    if issued is not None and not issued.ambiguous and isinstance(issued.value, date):
        values["doc.issued_on_weekend"] = Value(issued.value.weekday() >= 5, (issued.evidence,))
    values.update(_arithmetic(extracted, currency, context.line_words.vat_rates))
    values.update(_line_classes(extracted, context))
    return values


def _tax_registered(fields: dict[str, Extracted]) -> bool:
    """Whether an invoice's vendor is expected to print a tax ID: not a dollar invoice that
    charges no tax (a US vendor: sales tax has no ID to show, and B2B services carry none)."""
    currency, tax = fields.get("currency"), fields.get("tax")
    charged = tax is not None and not tax.ambiguous and Decimal(tax.value) != 0  # type: ignore[arg-type]
    return charged or currency is None or currency.value != "USD"


def _fields(names: list[str]) -> Listing:
    """Invoice field names as a message lists them ("line descriptions" is a field too)."""
    return Listing(tuple(Term("field", n.replace(" ", "_")) for n in names))


def _money(found: Extracted, currency: Extracted) -> Value:
    return Value(
        Money(found.value, currency.value),  # type: ignore[arg-type]
        (found.evidence, currency.evidence),
        tuple(Money(a, currency.value) for a in found.alternatives),  # type: ignore[arg-type]
    )


def _arithmetic(
    extracted: ExtractedDocument, currency: Extracted | None, rates: tuple[Decimal, ...]
) -> dict[str, Value]:
    """R25: the lines' sum, subtotal + tax, and whether the VAT rate is a plausible one."""
    values: dict[str, Value] = {}
    if currency is None:
        return values
    code = str(currency.value)
    amounts = [line.amount for line in extracted.line_items]
    if amounts and all(a is not None and not a.ambiguous for a in amounts):
        net_amounts = _net_amounts(extracted, [a for a in amounts if a is not None])
        if net_amounts:
            values.update(_lines_sum(extracted, net_amounts, code))
    subtotal, tax = extracted.fields.get("subtotal"), extracted.fields.get("tax")
    if subtotal is None or tax is None or subtotal.ambiguous or tax.ambiguous:
        return values
    net, vat = Decimal(subtotal.value), Decimal(tax.value)  # type: ignore[arg-type]
    evidence = (subtotal.evidence, tax.evidence)
    values["doc.subtotal_plus_tax"] = Value(Money(net + vat, code), evidence)
    values.update(vat_rate_values(extracted.breakdown, subtotal, tax, rates))
    return values


def _net_amounts(extracted: ExtractedDocument, amounts: list[Extracted]) -> list[Extracted]:
    """The items' amounts as net amounts: items priced with tax ("Prijs incl. BTW") less the
    invoice's tax, as one more amount with the tax's evidence; none when that tax is unknown."""
    if not extracted.breakdown.items_gross:
        return amounts
    tax = extracted.fields.get("tax")
    if tax is None or tax.ambiguous:
        return []
    less = Extracted(-Decimal(tax.value), tax.evidence, tax.confidence)  # type: ignore[arg-type]
    return [*amounts, less]


def _lines_sum(
    extracted: ExtractedDocument, amounts: list[Extracted], code: str
) -> dict[str, Value]:
    """The items' sum, taken to the subtotal through the allowances and charges on the whole
    invoice that lead there (see :func:`~coop_rules.facts.breakdown.to_subtotal`)."""
    total = sum((Decimal(a.value) for a in amounts), Decimal(0))  # type: ignore[arg-type]
    evidence = tuple(a.evidence for a in amounts)
    subtotal = extracted.fields.get("subtotal")
    unit = Decimal(1) if code in ZERO_DECIMAL else Decimal("0.01")
    slack = (unit * len(amounts) / 2).quantize(unit, ROUND_CEILING)
    if subtotal is not None and not subtotal.ambiguous:
        net = Decimal(subtotal.value)  # type: ignore[arg-type]
        adjusted = to_subtotal(total, net, slack, extracted.breakdown)
        total += sum((Decimal(a.value) for a in adjusted), Decimal(0))  # type: ignore[arg-type]
        evidence += tuple(a.evidence for a in adjusted)
    values = {"doc.lines_total": Value(Money(total, code), evidence)}
    values.update(_lines_off(total, slack, code, extracted, evidence))
    return values


def _lines_off(
    total: Decimal,
    slack: Decimal,
    code: str,
    extracted: ExtractedDocument,
    evidence: tuple[Evidence, ...],
) -> dict[str, Value]:
    """How far the lines' sum is off the subtotal, and how far rounding may put it: each line
    is rounded to the minor unit while the subtotal may be rounded once, so half a unit a line
    (rounded up to whole units) is rounding, not a difference."""
    subtotal = extracted.fields.get("subtotal")
    if subtotal is None or subtotal.ambiguous:
        return {}
    off = abs(total - Decimal(subtotal.value))  # type: ignore[arg-type]
    both = (*evidence, subtotal.evidence)
    return {
        "doc.lines_off_by": Value(Money(off, code), both),
        "doc.lines_rounding": Value(Money(slack, code), evidence),
    }


# An amount as invoices print it: decimals after a comma or point (12,50 · 1.234,00 ·
# 1,234.00), or thousands groups without decimals (¥12,000 · 1.250.000 ₩).
_AMOUNT = re.compile(
    r"(?<![\d.,])(?:\d{1,3}(?:[.,' \u202f]\d{3})+(?:[.,]\d{2})?|\d+[.,]\d{2})(?![\d.,])"
)


def _itemised(extracted: ExtractedDocument) -> bool:
    """Whether an invoice without an item table itemises in its text: a line carries an amount
    that is none of its totals (subtotal, tax, total, amount due) - an item's price."""
    totals = set()
    for name in ("subtotal", "tax", "total", "amount_due"):
        found = extracted.fields.get(name)
        if found is not None and not found.ambiguous:
            totals.add(abs(Decimal(found.value)))  # type: ignore[arg-type]
    for line in extracted.text_lines:
        for match in _AMOUNT.finditer(str(line.value)):
            amount = _decimal(match.group())
            if amount is not None and amount not in totals:
                return True
    return False


def _decimal(text: str) -> Decimal | None:
    """``2.160,00`` / ``2,160.00`` / ``12,000`` as a number (the last separator followed by
    two digits is the decimal one)."""
    digits = re.sub(r"[' \u202f]", "", text)
    if re.search(r"[.,]\d{2}$", digits):
        digits = re.sub(r"[.,]", "", digits[:-3]) + "." + digits[-2:]
    else:
        digits = re.sub(r"[.,]", "", digits)
    try:
        return Decimal(digits)
    except ArithmeticError:
        return None


def billed_text(extracted: ExtractedDocument) -> list[Extracted]:
    """An invoice's lines of text that bill something, in any layout: a line with an amount,
    and the lines just above and below it (a description over several lines); lines an item
    of the table already describes are left out."""
    lines = extracted.text_lines
    priced = {i for i, line in enumerate(lines) if _AMOUNT.search(str(line.value))}
    near = sorted({j for i in priced for j in (i - 1, i, i + 1) if 0 <= j < len(lines)})
    described = [
        _fold(str(item.description.value))
        for item in extracted.line_items
        if item.description is not None
    ]
    out = []
    for j in near:
        text = _fold(str(lines[j].value))
        if not any(text in d or d in text for d in described):
            out.append(lines[j])
    return out


def _line_classes(extracted: ExtractedDocument, context: ClaimContext) -> dict[str, Value]:
    """R14/R15: lines naming alcohol (in the item table or any line that bills), ambiguous
    drinks, folio/travel extras, and categories."""
    lines = [line.description for line in extracted.line_items if line.description is not None]
    billing = [*lines, *billed_text(extracted)]
    if not billing:
        return {}
    words = context.line_words
    alcohol = [d for d in billing if names_alcohol(str(d.value), words)]
    drinks = [d for d in billing if d not in alcohol and _names(d.value, words.drinks)]
    values = {
        **_listing("doc.alcohol", alcohol, extracted),
        **_listing("doc.drink", drinks, extracted),
    }
    if not lines:
        return values
    extras = [d for d in lines if _names(d.value, (*words.folio_extras, *words.travel_extras))]
    values.update(_listing("doc.extra", extras, extracted))
    if context.activity is not None:
        eligible = set(context.activity.categories)
        found: set[str] = set()
        ineligible: list[Extracted] = []
        uncertain: list[Extracted] = []
        for line in lines:
            kinds = _categories(str(line.value), words.categories)
            found |= kinds
            if kinds and not kinds & eligible:
                weak = _categories(str(line.value), words.categories, words.uncertain)
                (ineligible if weak else uncertain).append(line)
        values.update(_listing("doc.ineligible", ineligible, extracted))
        values.update(_listing("doc.uncertain_ineligible", uncertain, extracted))
        if found:
            values["doc.expense_categories"] = Value(
                ", ".join(sorted(found)), tuple(d.evidence for d in lines)
            )
    return values


def _categories(
    text: str, categories: Mapping[str, Iterable[str]], leaving: Iterable[str] = ()
) -> set[str]:
    """The expense categories a line names; a word inside a longer word that another category
    names does not count ("roll-up banner" is event material, not a media "banner"). Words in
    ``leaving`` are left out (the categories a line names by certain words only)."""
    left = {_fold(w) for w in leaving}
    folded = _fold(text)
    runs = set(_RUN.findall(folded))
    found = [
        (name, fold)
        for name, words in categories.items()
        for word in words
        if _named(folded, runs, word) and (fold := _folded_word(word)[0])
    ]
    if left:
        every = found
        found = [(n, w) for n, w in found if w not in left]
        # a word inside a longer, uncertain word still does not count
        found = [
            (n, w) for n, w in found if not any(w != o and w in o and m != n for m, o in every)
        ]
    return {
        name
        for name, word in found
        if not any(word != other and word in other and n != name for n, other in found)
    }


def _listing(prefix: str, lines: list[Extracted], extracted: ExtractedDocument) -> dict[str, Value]:
    evidence = tuple(d.evidence for d in lines) or (Evidence(extracted.path, note="invoice lines"),)
    values = {f"{prefix}_line_count": Value(len(lines), evidence)}
    if lines:
        values[f"{prefix}_lines"] = Value("; ".join(str(d.value) for d in lines), evidence)
    return values


# A negation that follows the drink it negates ("Cocktails ohne Alkohol"): the word before it
# is negated too.
_NEGATED_BEFORE = ("without", "ohne", "sans", "sin", "sem", "senza", "zonder")
_CJK = r"\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af"
_RUN = re.compile(r"\w+")  # a run of word characters: a Latin word stands whole as one
# Phrases and their patterns: a pattern that cannot match where its phrase is not in the text.
_Phrases = list[tuple[str, re.Pattern[str]]]


def names_alcohol(text: str, words: LineWords) -> bool:
    """Whether an invoice line names alcohol (R15), in any language: whole Latin words,
    compounds ending in a ``*`` word (``Rotwein`` for ``*wein``, but not ``Wildschwein``, whose
    ending ``*schwein`` is in ``not_alcohol``), CJK words anywhere. A negation
    (``alkoholfreies Bier``, ``non-alcoholic beer``, ``ノンアルコールビール``) or a colour
    (``wine-red tablecloth``) takes itself and the word it qualifies out first."""
    negations, endings, compounds, plain = _alcohol_patterns(
        tuple(words.alcohol), tuple(words.not_alcohol)
    )
    folded = _fold(text)
    for phrase, negation in negations:
        if phrase in folded:  # else nothing to take out (the most common case by far)
            folded = negation.sub(" ", folded)
    for ending, compound in compounds:
        if ending in folded and any(not f.endswith(endings) for f in compound.findall(folded)):
            return True
    return _names(folded, plain)


@functools.cache
def _alcohol_patterns(
    alcohol: tuple[str, ...], not_alcohol: tuple[str, ...]
) -> tuple[_Phrases, tuple[str, ...], _Phrases, tuple[str, ...]]:
    """What :func:`names_alcohol` looks for, compiled once per process (a claim's lines are
    many): the negations to take out (in order), the endings that make a compound no alcohol,
    the compounds' patterns and the plain alcohol words. A negation's and a compound's pattern
    come with the text they cannot match without."""
    negations: _Phrases = []
    endings = []
    for phrase in (_fold(w) for w in not_alcohol):
        if phrase.startswith("*"):
            endings.append(phrase[1:])
        elif _latin(phrase):
            before = r"(?:[\w-]+[\s,]+)?" if phrase.startswith(_NEGATED_BEFORE) else ""
            pattern = rf"{before}(?<!\w){re.escape(phrase)}\w*(?:[\s-]+[\w-]+)?"
            negations.append((phrase, re.compile(pattern)))
        else:
            negations.append((phrase, re.compile(rf"{re.escape(phrase)}\s?[{_CJK}]{{0,4}}")))
    words = [_fold(w) for w in alcohol]
    compounds = [
        (w[1:], re.compile(rf"(?<!\w)\w*{re.escape(w[1:])}(?!\w)")) for w in words if w[:1] == "*"
    ]
    plain = tuple(w for w in words if w[:1] != "*")
    return negations, tuple(endings), compounds, plain


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).casefold()


def _latin(word: str) -> bool:
    return word.isascii() or (
        re.fullmatch(r"[\w\s\-'.]+", word) is not None
        and not re.search(r"[\u3000-\u9fff\uac00-\ud7af]", word)
    )


@functools.cache
def _folded_word(word: str) -> tuple[str, re.Pattern[str] | None, bool]:
    """A word folded; for a Latin word the pattern of it standing whole (compiled once per
    process: a rule book's category words outnumber the ``re`` module's own cache), and
    whether it is one run of word characters: such a word stands whole exactly where it is one
    of the text's runs (a set look-up, see :func:`_named`)."""
    folded = _fold(word)
    if not _latin(folded):
        return folded, None, False
    whole = re.compile(rf"(?<!\w){re.escape(folded)}(?!\w)")
    return folded, whole, _RUN.fullmatch(folded) is not None


def _named(folded: str, runs: set[str], word: str) -> bool:
    """Whether folded text names ``word`` (a Latin word whole, a CJK word anywhere); ``runs``:
    the text's runs of word characters."""
    w, whole, run = _folded_word(word)
    if run:
        return w in runs
    return whole.search(folded) is not None if whole is not None else w in folded


def _names(text: object, words: Iterable[str]) -> bool:
    """Whether ``text`` names one of ``words`` (Latin words whole, CJK words anywhere)."""
    folded = _fold(str(text))
    runs = set(_RUN.findall(folded))
    return any(_named(folded, runs, word) for word in words)
