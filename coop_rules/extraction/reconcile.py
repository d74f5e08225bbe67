"""Totals and dates checked against the rest of the document, not only against their labels.

A label says where a total *may* stand; arithmetic says which amount *is* the total. Each
candidate (one per total label, plus a total after a printed rounding) is scored from
independent signals, all of them statements about invoices and receipts in general:

* its label's tier (``Total incl. VAT`` beats ``Total`` beats ``Amount due``);
* **tendered − change**: what the customer handed over minus the change given back is what the
  sale cost (``CASH 100.10`` / ``CHANGE 15.00`` → 85.10); paid exactly (card) with no change;
* **subtotal + tax**: a printed net amount plus a printed tax gives it;
* **total + rounding**: a printed rounding adjustment turns the total into the payable amount
  (``TOTAL 60.31`` / ``ROUNDING -0.01`` → 60.30, printed under it): the rounded amount wins and
  the amount before rounding loses;
* it is the largest of the labelled totals (a tax summary's ``TOTAL 87.80 5.27`` is not);
* the same value under several labels.

The confidence grows with the support and drops when another value is nearly as good; the
heuristic that decided is named (``ExtractedDocument.decided_by``).

Dates without a label (receipts, DIN 5008 letters) are read from general conventions: a date
printed with a time of day is a till's timestamp; ``Zürich, 28.03.2024`` (place, comma, date)
is a letter's date line; a date on the document's title line is its date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal

from coop_rules.evidence import Extracted
from coop_rules.extraction.fields import Candidate, Context, Window
from coop_rules.extraction.totals import taxed_base
from coop_rules.extraction.values import AmountFound, amount_candidates

# Signals said in the evidence note (a reviewer can check the arithmetic).
_NOTED = ("tendered − change", "subtotal + tax", "total + rounding", "paid amount")
PAYMENT_FIELDS = {"tendered": 1.0, "change": 1.0, "rounding": 1.0}
PART_FIELDS = {"subtotal": 1.0, "subtotal_items": 1.0, "tax": 1.0}
# A total label qualified as before tax: "Total sales (excluding GST)", "Summe ohne MwSt".
_NET = re.compile(
    r"\b(?:excl|excluding|exclusive|exclusing|before|w/o|without|ohne|exkl|hors|net of|"
    r"sans|sin|senza|zonder|sem)\b",
    re.IGNORECASE,
)
# A time of day: "18:19", "03:30:27PM", "5:06 PM" (never "04.04", which is a date's start).
_TIME = re.compile(
    r"(?<![\d:])(?:[01]?\d|2[0-3]) ?: ?[0-5]\d(?: ?: ?[0-5]\d)?\s*(?:[AaPp][Mm])?(?![\d:])"
)
_PLACE_DATE = re.compile(r"^\s*[^\W\d][^\d\t:;]{1,40},\s*(?:den\s+|le\s+|am\s+|el\s+|il\s+)?$")
# Date labels of other dates: a date next to one of these is not the issue date.
OTHER_DATE_FIELDS = (
    "other_date",
    "due_date",
    "service_period",
    "service_date",
    "service_start",
    "service_end",
)


@dataclass(frozen=True)
class Decision:
    """A chosen value, the heuristic that chose it, and the other readings (best first)."""

    value: Extracted | None
    heuristic: str
    candidates: tuple[Extracted, ...] = ()
    amount: AmountFound | None = None  # a total's line and currency sign


def _money(value: object) -> Decimal:
    return Decimal(str(value))


def _amounts_of(ctx: Context, fields: dict[str, float]) -> dict[str, list[AmountFound]]:
    """The labelled amounts of each of ``fields``."""
    return {name: amount_candidates(ctx, {name: 1.0}) for name in fields}


def reconcile_total(
    ctx: Context, candidates: list[AmountFound], due: list[AmountFound] | None = None
) -> Decision:
    """The total among the labelled ``candidates`` (and a total after rounding).

    ``due`` are amounts under an amount-due label: candidates too, but one that differs from a
    total is no rival of it (a prepayment or a partial payment makes them differ)."""
    due = due or []
    due_ids = {id(d) for d in due}
    candidates = [*candidates, *due]
    pay = _amounts_of(ctx, PAYMENT_FIELDS)
    parts = _amounts_of(ctx, PART_FIELDS)
    # What the customer handed over is a positive amount, whether or not the till prints it
    # as a credit ("Cash -50.00").
    tendered = [abs(_money(a.value.value)) for a in pay["tendered"]]
    change = [_money(a.value.value) for a in pay["change"]]
    # An adjustment is less than a coin; a larger amount under "Rounding" is the rounded total.
    roundings = [a for a in pay["rounding"] if 0 < abs(_money(a.value.value)) < 1]
    rounded_totals = [a for a in pay["rounding"] if abs(_money(a.value.value)) >= 1]
    subtotals = [_money(a.value.value) for a in parts["subtotal"] + parts["subtotal_items"]]
    taxes = [_money(a.value.value) for a in parts["tax"]]

    # Candidates: one per label; a total after a printed rounding adjustment is one more, and
    # so is what tendered − change gives where a totals label shows it.
    pool: list[tuple[AmountFound, float, list[str]]] = [
        (c, c.candidate.score, [f"label ({c.candidate.evidence.note})"]) for c in candidates
    ]
    pool += [(r, 2.0, ["total after rounding"]) for r in rounded_totals]
    before_rounding: set[Decimal] = set()
    for r in roundings:
        for c in candidates:
            after = _rounded_after(ctx, r, _money(c.value.value))
            if after is not None:
                before_rounding.add(_money(c.value.value))
                pool.append((after, c.candidate.score + 0.5, ["total + rounding"]))
    labelled = {_money(c.value.value) for c, _, _ in pool}
    for t in [*tendered, *labelled]:
        for given in change:
            paid = t - given if given > 0 else t
            if paid > 0 and paid not in labelled:
                for found in parts["subtotal"] + parts["subtotal_items"] + parts["tax"]:
                    if _money(found.value.value) == paid:
                        pool.append((found, 1.5, ["paid amount"]))
                        labelled.add(paid)
    pool += _sums_printed(ctx, tendered, change, subtotals, taxes, labelled)
    if not pool:
        return Decision(None, "-")
    money_format = any(_cents(c) for c, _, _ in pool)
    printed: set[Decimal] = set()
    if any(c > 0 for c in change):
        printed = {a.value for line in ctx.layout.lines for a in ctx.amounts(line.text)}
    values = [_money(c.value.value) for c, _, _ in pool]
    money_values = [v for (c, _, _), v in zip(pool, values, strict=True) if _cents(c)]
    largest = max(abs(v) for v in (money_values or values))
    scored: list[tuple[float, AmountFound, list[str]]] = []
    for (found, score, signals), value in zip(pool, values, strict=True):
        signals = list(signals)
        if any(t - c == value for t in [*tendered, *values] for c in change if c > 0) or (
            value in tendered and not any(c > 0 for c in change)
        ):
            score += 1.5
            signals.append("tendered − change")
        if any(s + x == value for s in [*subtotals, *values] for x in taxes if x != 0):
            score += 1.0
            signals.append("subtotal + tax")
        if any(value + x in values for x in taxes if x > 0) or _before_tax(found):
            score -= 1.5  # a net amount: a printed tax added to it gives another total
            signals.append("before tax")
        if c_paid := [c for c in change if c > 0 and value - c in printed and value - c > 0]:
            score -= 2.0  # the amount handed over: the total is this minus the change
            signals.append(f"tendered (change {c_paid[0]})")
        if money_format and not _cents(found):
            score -= 1.0  # "TOTAL ITEM(S) : 10" among totals written with cents
            signals.append("not written as money")
        if value in before_rounding:
            score -= 1.5
            signals.append("before rounding")
        if abs(value) == largest:
            score += 0.2
            signals.append("largest")
        same = sum(1 for v in values if v == value) - 1
        if same:
            score += 0.2 * min(same, 2)
            signals.append("repeated")
        scored.append((score, found, signals))
    scored.sort(key=lambda s: (-s[0], s[1].candidate.order))
    top_score, top, signals = scored[0]
    top_value = _money(top.value.value)
    top_due = id(top) in due_ids
    rival = next(
        (
            s
            for s in scored[1:]
            if _money(s[1].value.value) != top_value and (top_due or id(s[1]) not in due_ids)
        ),
        None,
    )
    margin = top_score - rival[0] if rival else 2.0
    arithmetic = [s for s in signals if s in ("tendered − change", "subtotal + tax")]
    confidence = 0.35 + 0.12 * top.candidate.score + 0.1 * min(margin, 2.0)
    confidence += 0.15 * len(arithmetic)
    if rival is not None and margin < 0.5:
        confidence = min(confidence, 0.5)
    note = "; ".join(s for s in signals if s in _NOTED)
    evidence = top.value.evidence
    if note:
        evidence = replace(evidence, note=f"{evidence.note}; {note}" if evidence.note else note)
    chosen = replace(top.value, evidence=evidence, confidence=round(min(0.99, confidence), 2))
    heuristic = (
        arithmetic[0]
        if arithmetic
        else ("total + rounding" if "total + rounding" in signals else "label")
    )
    others = []
    seen = {top_value}
    for score, found, _ in scored[1:]:
        value = _money(found.value.value)
        if value not in seen:
            seen.add(value)
            conf = max(0.05, min(0.9, confidence - 0.2 * (top_score - score)))
            others.append(replace(found.value, confidence=round(conf, 2)))
    return Decision(chosen, heuristic, (chosen, *others), replace(top, value=chosen))


def _sums_printed(
    ctx: Context,
    tendered: list[Decimal],
    change: list[Decimal],
    subtotals: list[Decimal],
    taxes: list[Decimal],
    known: set[Decimal],
) -> list[tuple[AmountFound, float, list[str]]]:
    """Totals that only the page's sums find: an amount with cents printed on the page that is
    what was handed over less the change given back, or a subtotal plus its tax, where no
    label read names it (a total's label smudged or misread, "TL:RM 28.60"; a receipt whose
    total line says only "RM 73.00"); not one that a printed rate taxes (a tax summary's
    base). The arithmetic signals are added by the scoring."""
    sums = {t - c for t in tendered for c in change if c > 0 and t - c > 0}
    sums |= {s + x for s in subtotals for x in taxes if s > 0 and x > 0}
    found = []
    texts = [line.text for line in ctx.layout.lines]
    for value in sorted(sums - known):
        if taxed_base(texts, value):
            continue  # a subtotal and a service charge give the base of the tax, not the total
        printed = _printed_at(ctx, value, "total by the page's sums")
        if printed is not None:
            found.append((printed, 1.5, ["sum printed"]))
    return found


def _printed_at(ctx: Context, value: Decimal, note: str) -> AmountFound | None:
    """``value`` where the page last prints it as an amount with cents, as a total candidate."""
    for line in reversed(ctx.layout.lines):
        for amount in ctx.amounts(line.text):
            text = line.text[amount.start : amount.end]
            if amount.value == value and amount.decimals == 2 and _CENTS.search(text):
                window = Window(line, 0, len(line.text))
                evidence = ctx.evidence(window, amount.start, amount.end, note)
                cand = Candidate(value, 1.5, evidence, line.index)
                return AmountFound(cand.extracted(0.0), amount.currency, line, cand)
    return None


def _rounded_after(ctx: Context, rounding: AmountFound, total: Decimal) -> AmountFound | None:
    """The rounded total ``total`` gives with the adjustment ``rounding``, printed under it
    (see :func:`_printed_after`). The adjustment's sign is often lost (the till prints none,
    or OCR drops the minus), so either sign is tried; the printed amount tells which."""
    adj = _money(rounding.value.value)
    for rounded in (total + adj, total - adj):
        after = _printed_after(ctx, rounding, rounded)
        if after is not None:
            return after
    return None


def _before_tax(found: AmountFound) -> bool:
    """Whether the amount's own line calls it a before-tax figure ("(excluding GST)")."""
    text, line = found.value.evidence.text, found.line.text
    at = line.rfind(text) if text else -1
    return bool(_NET.search(line[: at if at > 0 else len(line)]))


_CENTS = re.compile(r"[.,]\d{2}(?!\d)")


def _cents(found: AmountFound) -> bool:
    """Whether the amount is written with two decimals, as money is."""
    return bool(_CENTS.search(found.value.evidence.text))


def _printed_after(ctx: Context, rounding: AmountFound, value: Decimal) -> AmountFound | None:
    """``value`` printed on the rounding line or on one of the next three lines."""
    line = rounding.line
    for other in ctx.layout.lines[line.index : line.index + 4]:
        if other.page != line.page:
            break
        for amount in ctx.amounts(other.text):
            if amount.value == value and (other is not line or amount.start > 0):
                window = Window(other, 0, len(other.text))
                evidence = ctx.evidence(window, amount.start, amount.end, "total after rounding")
                cand = Candidate(value, rounding.candidate.score, evidence, other.index)
                return AmountFound(cand.extracted(0.0), amount.currency, other, cand)
    return None


def unlabelled_date(ctx: Context) -> Decision:
    """The issue date when no label names it (see the module docstring)."""
    first_page = ctx.layout.lines[0].page if ctx.layout.lines else None
    found: list[tuple[float, str, Candidate]] = []
    all_dates: set[object] = set()
    for line in ctx.layout.lines:
        readings = ctx.dates(line.text)
        if not readings:
            continue
        all_dates.update(r.value for r in readings)
        if any(h.field in OTHER_DATE_FIELDS for h in ctx.hits[line.index]):
            continue
        for reading in readings:
            after = line.text[reading.end : reading.end + 14]
            before = line.text[: reading.start]
            if _TIME.match(after.lstrip(" \t,")) or _TIME.search(before):
                score, how = 2.0, "date with a time"
            elif _PLACE_DATE.match(before):
                score, how = 2.0, "place and date"
            elif ctx.title_line(line) and line.page == first_page:
                score, how = 1.8, "date on the title line"
            elif line.page == first_page and ctx.layout.relative_top(line) < 0.35:
                score, how = 1.0, "date near the top"
            else:
                continue
            window = Window(line, 0, len(line.text))
            evidence = ctx.evidence(window, reading.start, reading.end, how)
            found.append(
                (
                    score,
                    how,
                    Candidate(reading.value, score, evidence, line.index, reading.alternatives),
                )
            )
    if not found:
        return Decision(None, "-")
    found.sort(key=lambda f: (-f[0], f[2].order))
    score, how, best = found[0]
    rivals = {c.value for s, _, c in found if s >= score} - {best.value}
    confidence = 0.35 + 0.2 * score
    if len(all_dates) == 1:
        confidence += 0.1  # the only date anywhere in the document
    elif how == "date with a time":
        confidence -= 0.15  # other dates too: a printing or delivery timestamp is possible
    elif how != "place and date":
        confidence -= 0.1  # other dates too: an order or delivery date is possible
    if rivals:
        confidence = min(confidence, 0.4)
    if best.alternatives:
        confidence = min(confidence, 0.5)
    chosen = best.extracted(confidence)
    others = tuple(c.extracted(0.3) for _, _, c in found[1:] if c.value != best.value)
    return Decision(chosen, how, (chosen, *others))
