"""Totals and dates checked against the rest of the document, not only against their labels.

A label says where a total *may* stand; arithmetic says which amount *is* the total. Each
candidate (one per total label, plus a total after a printed rounding) is scored from
independent signals, all of them statements about invoices and receipts in general:

* its label's tier (``Total incl. VAT`` beats ``Total`` beats ``Amount due``);
* **tendered − change**: what the customer handed over minus the change given back is what the
  sale cost (``CASH 100.10`` / ``CHANGE 15.00`` → 85.10); paid exactly (card) with no change.
  Change is money going out, whatever its printed sign (``CHANGE 6.00-``). Where no total
  label shows that amount, it is taken where it is printed: under a subtotal or tax label
  (``NET TOTAL 45.00`` / ``CASH 45.00``) or, where change was given, nearest above the payment
  lines (a total whose label was not read); and an amount printed that is tendered less
  change, or a subtotal plus its tax, is a candidate even with no label read on its line
  (``TL:RM 28.60`` smudged by the scan), unless a printed rate taxes it (a tax summary's base);
  a total its own line calls a before-tax figure (``Total Sales (Excluding GST) 94.34``) is a
  subtotal to those sums;
* **subtotal + tax**: a printed net amount plus a printed tax gives it, or a tax summary's
  rows (each a rate, a base and that rate of it; where no row's tax was read, a rate with its
  sign and a base: the base plus that rate of it) add up to it — unless a rounding is printed
  under it: the summary adds up to the total before rounding. Where no total label shows
  what the summary adds up to, it is taken under a subtotal label (``NET TOTAL 45.00`` over
  ``S = 6%  42.45``);
* **lines above add up**: a total printed above it plus the amounts on the lines between gives
  it (``SUBTOTAL 79.60`` / ``DISCOUNT -30.00`` / ``TOTAL 49.60`` / ``SERV CHARGE 4.96`` / ``GST
  3.27`` / ``ROUNDING -0.03`` / ``TOTAL 57.80``): the later total wins and the one above loses,
  being a total before the charges under it;
* **total + rounding**: a printed rounding adjustment turns the total into the payable amount
  (``TOTAL 60.31`` / ``ROUNDING -0.01`` → 60.30, printed under it): the rounded amount wins and
  the amount before rounding loses; where the rounded amount has a total label of its own
  (``TOTAL ROUNDED 30.90``), the sum backs the labelled amount on that line; a whole amount
  under a rounding label less than a coin from a total above it (``Rounding RM 45.35`` under
  ``Total 45.34``, the adjustment unread) makes that total one before rounding too; and where
  the adjustment was not read, an amount under a total or rounding label, a rounding label
  above it, that is the total above rounded to the cash step (``Total 23.26`` / ``Rounding
  Adj -0.0]`` / ``TOTAL 23.25``, 0.05) is the total plus the rounding;
* it is the largest of the labelled totals (a tax summary's ``TOTAL 87.80 5.27`` is not);
* the same value under several labels;
* **the payment disagrees**: the one payment printed, less its change, differs from the total
  by a coin or more (``TOTAL 19.75`` / ``CASH 10.00`` / ``CHANGE 0.25``): some amount was
  misread and no sum tells which, so the total is left unsure, whatever backs it (unless the
  money handed over is the total itself: then the change was misread; change read without its
  cents, ``CHANGE 13 15``, says nothing);
* **a rounding under it**: a rounding adjustment printed under the total, before the payment
  lines, that is not read as nothing, with the total's amount not printed again under it
  (``Total Sales 42.48`` / ``Rounding Adj 0.02`` / ``Total After Adj 42 60``): the rounded
  amount was paid and was not read, so the total is left unsure too (unless the money handed
  over less the change is the total as printed); so it is under an adjustment OCR could not
  read (``Rounding Adjustment RM U2``).
* **a decimal mark OCR lost**: on a page read by OCR, a total label's whole amount whose digits
  are those of a sum the page gives (``TOTAL 700`` under ``SUB-TOTAL 6.60`` / ``GST 0.40``) is
  that sum, its point not read (the evidence says so).

The confidence grows with the support and drops when another value is nearly as good; the
heuristic that decided is named (``ExtractedDocument.decided_by``).

Dates without a label (receipts, DIN 5008 letters) are read from general conventions: a date
printed with a time of day (a day's name or a short word may stand between: ``16/04/2018 (MON)
8:21``, ``le 30/03/2018 à 12:36``) is a till's timestamp; ``Zürich, 28.03.2024`` (place, comma,
date) is a letter's date line; a date on the document's title line is its date; so, less
surely, is a date in its head: near the page's top, or above the first line that prints money
(a receipt scanned on its own is a tall page whose head reaches far down).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from coop_rules.evidence import Extracted
from coop_rules.extraction.fields import Candidate, Context, Window
from coop_rules.extraction.lexicon import section_matcher
from coop_rules.extraction.totals import tax_summary_total, taxed_base
from coop_rules.extraction.values import (
    AmountFound,
    amount_candidates,
    on_ocr_page,
    unread_amount,
)

CASH_ROUNDED = "the total above rounded to a cash step"  # its adjustment not read
# Signals said in the evidence note (a reviewer can check the arithmetic).
_NOTED = (
    "tendered − change",
    "subtotal + tax",
    "lines above add up",
    "total + rounding",
    CASH_ROUNDED,
    "paid amount",
)
# Signals that check a total by arithmetic, in the order they name the deciding heuristic.
ARITHMETIC = ("tendered − change", "subtotal + tax", "lines above add up", "total + rounding")
PAYMENT_FIELDS = {"tendered": 1.0, "change": 1.0, "rounding": 1.0}
PART_FIELDS = {"subtotal": 1.0, "subtotal_items": 1.0, "tax": 1.0}
ABOVE_LINES = 12  # how far above the payment lines the amount paid is looked for
RUN_LINES = 8  # how many lines a running total may add up (charges, taxes, rounding)
PAID_LINES = 3  # how far above an amount due a payment already made is looked for
COIN = Decimal(1)  # a cash rounding is less than this (Sweden rounds to the krona)
ROUNDING_LINES = 3  # how far under a total a rounding adjustment makes it the amount before it
# Signals that leave the chosen total unsure, whatever backs it (see the module docstring).
_UNSURE = frozenset({"payment disagrees", "rounding under it"})
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
# What may stand between a date and its time: a day's name in brackets ("16/04/2018 (MON)
# 8:21") or a short word, a day's name or the language's "at" ("le 30/03/2018 à 12:36", "am
# 12.03.2024 um 9:15", "Tue", "at").
_DAY_NAME = re.compile(r"^[ \t,]*(?:\([^\W\d_]{2,4}\.?\)|[^\W\d_]{1,4}\.?(?=[ \t]))")
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


Pool = list[tuple[AmountFound, float, list[str]]]  # candidate, score, signals so far
Scored = tuple[float, AmountFound, list[str]]


def reconcile_total(
    ctx: Context, candidates: list[AmountFound], due: list[AmountFound] | None = None
) -> Decision:
    """The total among the labelled ``candidates`` (and a total after rounding).

    ``due`` are amounts under an amount-due label: candidates too, but one that differs from a
    total is no rival of it (a prepayment or a partial payment makes them differ)."""
    due = [d for d in due or [] if not _after_a_payment(ctx, d)]
    pay = _amounts_of(ctx, PAYMENT_FIELDS)
    parts = _amounts_of(ctx, PART_FIELDS)
    candidates = _marks_restored(ctx, candidates, _page_sums(pay, parts))
    pool, before_rounding = _pool(ctx, [*candidates, *due], pay)
    pool += _paid_amounts(ctx, pool, pay, parts)
    # A total its own line calls a before-tax figure is a subtotal to the sums printed.
    net = [c for c in candidates if _before_tax(c)]
    pool += _sums_printed(ctx, pool, pay, {**parts, "subtotal": [*parts["subtotal"], *net]})
    summary = tax_summary_total(line.text for line in ctx.layout.lines)
    pool += _summarised(summary, pool, parts)
    if not pool:
        return Decision(None, "-")
    due_ids = {id(d) for d in due}
    sums = _Sums.of(ctx, pool, pay, parts, before_rounding, due_ids, summary)
    scored = [_scored(found, score, list(signals), sums) for found, score, signals in pool]
    scored = _cash_rounded(scored, sums)
    scored.sort(key=lambda s: (-s[0], s[1].candidate.order))
    return _decision(scored, due_ids)


# The step to which cash payments are rounded in most countries that round them (Malaysia,
# Switzerland, Canada, Australia, the Netherlands, Finland, Ireland, Belgium). New Zealand's
# 0.10 is left out: with two steps, an amount a misread digit away from the total (45.30
# under 45.34) would pass for it rounded.
CASH_STEPS = (Decimal("0.05"),)


def _cash_rounded(scored: list[Scored], sums: _Sums) -> list[Scored]:
    """``scored`` with a rounding whose adjustment was not read worked out: a total, a rounding
    label under it, and on that line or under it a total or rounding label whose amount is the
    total rounded to a cash step (``Total (Inclusive of GST) 23.26`` / ``Rounding Adj -0.0]``
    / ``TOTAL 23.25``; ``Total Sales 45.34`` / ``Rounding Adjustment RM U2`` / ``Rounding RM
    45.35``): the rounded amount is the total plus the rounding (its adjustment is the
    difference, less than a step), and the other the total before rounding. Two amounts
    misread so that one is exactly the other rounded is far less likely than both being read
    right, so the relation checks both as a sum does."""
    if not sums.roundings:
        return scored
    out = list(scored)
    summed = {_money(f.value.value) for _, f, signals in scored if "total + rounding" in signals}
    for base_score, base, _ in scored:
        value = _money(base.value.value)
        # (A rounding read gives the rounded total already: nothing to work out.)
        steps = {_nearest(value, step) for step in CASH_STEPS} - {value} - summed
        for i, (score, found, signals) in enumerate(out):
            line, top = found.line, base.line
            if (
                _money(found.value.value) not in steps
                or "total + rounding" in signals
                or line.page != top.page
                or not 0 < line.index - top.index <= ROUNDING_LINES + 1
                or not any(
                    page == line.page and top.index < index <= line.index
                    for page, index in sums.roundings
                )
            ):
                continue
            signals = [*signals, "total + rounding", CASH_ROUNDED]
            out[i] = (max(score, base_score) + 0.5, found, signals)
            out = [
                (s - 1.5, f, [*sig, "before rounding"]) if f is base else (s, f, sig)
                for s, f, sig in out
            ]
    return out


def _nearest(value: Decimal, step: Decimal) -> Decimal:
    """``value`` rounded to the nearest multiple of ``step`` (halves up)."""
    return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def _after_a_payment(ctx: Context, due: AmountFound) -> bool:
    """Whether a payment already made is printed with its amount on the lines right above the
    amount due (``Payments/Credits -1,000.00`` / ``Balance Due 1,250.00``, ``Anzahlung``,
    ``acompte``): what is left to pay then, not the invoice's total, also where no total label
    is printed above it."""
    paid = section_matcher("adjustments", ctx.lang)
    lines = ctx.layout.lines
    for line in lines[max(0, due.line.index - PAID_LINES) : due.line.index]:
        if line.page != due.line.page or not ctx.amounts(line.text):
            continue
        if any(h.field == "paid" and not ctx.prose(line, h.start) for h in paid.find(line.text)):
            return True
    return False


def _pool(
    ctx: Context, candidates: list[AmountFound], pay: dict[str, list[AmountFound]]
) -> tuple[Pool, set[Decimal]]:
    """The candidates: one per label, and a total after a printed rounding adjustment for each
    that one turns into an amount printed under it; with the totals before rounding."""
    # An adjustment is less than a coin; a larger amount under "Rounding" is the rounded total.
    roundings = [a for a in pay["rounding"] if 0 < abs(_money(a.value.value)) < 1]
    rounded_totals = [a for a in pay["rounding"] if abs(_money(a.value.value)) >= 1]
    pool: Pool = [
        (c, c.candidate.score, [f"label ({c.candidate.evidence.note})"]) for c in candidates
    ]
    pool += [(r, 2.0, ["total after rounding"]) for r in rounded_totals]
    before_rounding: set[Decimal] = set()
    for r in rounded_totals:  # "Total 45.34" / "Rounding Adjustment" unread / "Rounding 45.35"
        for c in candidates:
            gap = abs(_money(r.value.value) - _money(c.value.value))
            under = r.line.page == c.line.page and r.line.index > c.line.index
            if under and r.line.index - c.line.index <= ROUNDING_LINES and 0 < gap < COIN:
                before_rounding.add(_money(c.value.value))
    for r in roundings:
        for c in candidates:
            after = _rounded_after(ctx, r, _money(c.value.value))
            if after is not None:
                before_rounding.add(_money(c.value.value))
                pool.append((after, c.candidate.score + 0.5, ["total + rounding"]))
    return pool, before_rounding


@dataclass(frozen=True)
class _Sums:
    """What the rest of the page says about the candidates (see the module docstring)."""

    tendered: list[Decimal]
    change: list[Decimal]  # given back (> 0)
    change_money: list[Decimal]  # of them, those written as money (with cents)
    subtotals: list[Decimal]
    taxes: list[Decimal]
    values: list[Decimal]  # of the candidates
    printed: set[Decimal]  # every amount on the page, where change was given
    running: dict[int, Decimal]  # see _running_totals
    before_rounding: set[Decimal]
    largest: Decimal
    money_format: bool  # some candidate is written with cents
    summarised: Decimal | None  # what the tax summary's rows add up to
    roundings: frozenset[tuple[int | None, int]]  # (page, line index) of rounding labels
    unrounded: set[int]  # candidates (by id) a rounding under them leaves unpaid as printed

    @classmethod
    def of(
        cls,
        ctx: Context,
        pool: Pool,
        pay: dict[str, list[AmountFound]],
        parts: dict[str, list[AmountFound]],
        before_rounding: set[Decimal],
        due_ids: set[int],
        summarised: Decimal | None,
    ) -> _Sums:
        # Change is money going out: some tills print it negative ("CHANGE 6.00-").
        given = [(abs(_money(a.value.value)), _cents(a)) for a in pay["change"]]
        change = [c for c, _ in given if c > 0]
        printed: set[Decimal] = set()
        if change:
            printed = {a.value for line in ctx.layout.lines for a in ctx.amounts(line.text)}
        values = [_money(c.value.value) for c, _, _ in pool]
        money_values = [v for (c, _, _), v in zip(pool, values, strict=True) if _cents(c)]
        subtotals = parts["subtotal"] + parts["subtotal_items"]
        return cls(
            tendered=_tendered(pay),
            change=change,
            change_money=[c for c, cents in given if c > 0 and cents],
            subtotals=[_money(a.value.value) for a in subtotals],
            taxes=[_money(a.value.value) for a in parts["tax"]],
            values=values,
            printed=printed,
            running=_running_totals(ctx, pool, subtotals, pay, due_ids),
            before_rounding=before_rounding,
            largest=max(abs(v) for v in (money_values or values)),
            money_format=bool(money_values),
            unrounded=_unrounded(ctx, pool, pay),
            summarised=summarised,
            roundings=frozenset((line.page, line.index) for line, _ in ctx.labelled({"rounding"})),
        )


def _scored(
    found: AmountFound, score: float, signals: list[str], sums: _Sums
) -> tuple[float, AmountFound, list[str]]:
    """``found``'s score and signals with what the page's sums say of it."""
    value = _money(found.value.value)
    values, change = sums.values, sums.change
    if any(t - c == value for t in [*sums.tendered, *values] for c in change) or (
        value in sums.tendered and not change
    ):
        score += 1.5
        signals.append("tendered − change")
    if any(s + x == value for s in [*sums.subtotals, *values] for x in sums.taxes if x != 0) or (
        value == sums.summarised and not _rounded_under(found, sums)
    ):
        score += 1.0
        signals.append("subtotal + tax")
    if id(found) in sums.running and not {"subtotal + tax", "total + rounding"} & set(signals):
        score += 1.0  # (only a tax or a rounding between: the same check, counted once)
        signals.append("lines above add up")
    if value in sums.running.values():
        score -= 1.5  # a total before the charges, taxes or rounding printed under it
        signals.append("before charges")
    if any(value + x in values for x in sums.taxes if x > 0) or _before_tax(found):
        score -= 1.5  # a net amount: a printed tax added to it gives another total
        signals.append("before tax")
    if c_paid := [c for c in change if value - c in sums.printed and value - c > 0]:
        score -= 2.0  # the amount handed over: the total is this minus the change
        signals.append(f"tendered (change {c_paid[0]})")
    if sums.money_format and not _cents(found):
        score -= 1.0  # "TOTAL ITEM(S) : 10" among totals written with cents
        signals.append("not written as money")
    if value in sums.before_rounding:
        score -= 1.5
        signals.append("before rounding")
    if abs(value) == sums.largest:
        score += 0.2
        signals.append("largest")
    if _paid_otherwise(value, sums):
        signals.append("payment disagrees")
    if id(found) in sums.unrounded and "tendered − change" not in signals:
        signals.append("rounding under it")  # (unless what was paid is this amount)
    same = sum(1 for v in values if v == value) - 1
    if same:
        score += 0.2 * min(same, 2)
        signals.append("repeated")
    return score, found, signals


def _rounded_under(found: AmountFound, sums: _Sums) -> bool:
    """Whether a rounding label is printed under ``found``: what the tax summary adds up to
    is the total before rounding, which is then not what was paid, whatever the adjustment
    (read or not: "rnunding Adjustment -0.02" / "Jotal After Rounding 100. 60")."""
    line = found.line
    return any(page == line.page and index > line.index for page, index in sums.roundings)


def _unrounded(ctx: Context, pool: Pool, pay: dict[str, list[AmountFound]]) -> set[int]:
    """The candidates (by ``id``) with a rounding adjustment under them that is not read as
    nothing ("ROUNDING ADJ 0.02", OCR's "Rounding Adjustment RM U2"), and under that a total
    label whose amount is not theirs: the rounded total is printed but was not read ("Total
    After Adj 42 60"). Without a total under the rounding (``TOTAL 12.37`` / ``ROUNDING
    -0.02`` / ``CASH 50.00``) the printed total stands, and the rounding is the payment's; so
    it is among the payment lines (``CASH 40.35`` / ``ROUNDING 0.02`` / ``CHANGE 2.00``). A
    rounding label that prints a whole amount (``TOTAL ROUNDED 30.90``) is a total itself.
    Where OCR could not read the adjustment ("Rounding Adjustment RM U2") it may be anything:
    no total under it is needed then."""
    adjusted, unread = [], set()
    for line, hit in ctx.labelled({"rounding"}):
        right = ctx.right(line, hit)
        amounts = [abs(a.value) for a in ctx.amounts(right.text)]
        if not amounts or 0 < amounts[-1] < 1:
            adjusted.append(line)
        if not amounts and unread_amount(ctx, right):
            unread.add(line.index)
    if not adjusted:
        return set()
    paying = {a.line.index for a in pay["tendered"] + pay["change"]}
    found = set()
    for cand, _, _ in pool:
        at, value = cand.line.index, _money(cand.value.value)
        for rounding in adjusted:
            if rounding.page != cand.line.page or not 0 < rounding.index - at <= ROUNDING_LINES:
                continue
            if paying & set(range(at + 1, rounding.index)):
                continue
            end = rounding.index + ROUNDING_LINES
            totals = [c for c, _, _ in pool if rounding.index <= c.line.index <= end]
            under = ctx.layout.lines[rounding.index : end + 1]
            if (totals or rounding.index in unread) and not any(
                a.value == value for u in under for a in ctx.amounts(u.text)
            ):
                found.add(id(cand))
    return found


def _paid_otherwise(value: Decimal, sums: _Sums) -> bool:
    """Whether the one payment printed says the sale cost something else: the money handed
    over less the change given differs from ``value`` by a coin or more (a cash rounding is
    less). Then an amount on the page was misread (``19.75`` for 9.75 when ``CASH 10.00`` /
    ``CHANGE 0.25`` — or the payment was) and no sum can tell which; with two payments (a
    voucher and cash) each is only part of the price. Money handed over that is the total
    itself (``TOTAL 52.00`` / ``CASH 52.00`` / ``CHANGE 5.00``) says the change was misread:
    the total misread as exactly the money handed over would be a second coincidence. Change
    read without its cents ("CHANGE 13 15", the decimal mark lost) says nothing."""
    if len(sums.tendered) != 1 or len(sums.change) != 1 or sums.tendered[0] == value:
        return False
    if sums.change_money != sums.change:
        return False
    paid = sums.tendered[0] - sums.change[0]
    return paid > 0 and abs(paid - value) >= COIN  # (more change than money: a misread)


def _decision(scored: list[tuple[float, AmountFound, list[str]]], due_ids: set[int]) -> Decision:
    """The best-scored candidate, its confidence from its support and its margin over the
    best other value, and the other values as its rivals."""
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
    # The same amount may be in the pool twice: by its own label ("TOTAL ROUNDED 30.90") and
    # as what a sum gives (the total above plus its rounding); the sum backs the label's.
    backing = {
        s
        for _, found, sigs in scored[1:]
        if _money(found.value.value) == top_value and found.line.index == top.line.index
        for s in sigs
        if s in ARITHMETIC
    }
    arithmetic = [s for s in ARITHMETIC if s in signals]  # its own first: they name it
    arithmetic += [s for s in ARITHMETIC if s in backing and s not in signals]
    confidence = 0.35 + 0.12 * top.candidate.score + 0.1 * min(margin, 2.0)
    confidence += 0.15 * len(arithmetic)
    if (rival is not None and margin < 0.5) or _UNSURE & set(signals):
        confidence = min(confidence, 0.5)
    note = "; ".join(s for s in [*signals, *backing] if s in _NOTED)
    evidence = top.value.evidence
    if note:
        evidence = replace(evidence, note=f"{evidence.note}; {note}" if evidence.note else note)
    chosen = replace(top.value, evidence=evidence, confidence=round(min(0.99, confidence), 2))
    heuristic = arithmetic[0] if arithmetic else "label"
    others = []
    seen = {top_value}
    for score, found, _ in scored[1:]:
        value = _money(found.value.value)
        if value not in seen:
            seen.add(value)
            conf = max(0.05, min(0.9, confidence - 0.2 * (top_score - score)))
            others.append(replace(found.value, confidence=round(conf, 2)))
    return Decision(chosen, heuristic, (chosen, *others), replace(top, value=chosen))


def _running_totals(
    ctx: Context,
    pool: Pool,
    subtotals: list[AmountFound],
    pay: dict[str, list[AmountFound]],
    due_ids: set[int],
) -> dict[int, Decimal]:
    """The candidates that a total printed above them plus the amounts on the lines between
    gives (``SUBTOTAL 79.60 / DISCOUNT -30.00 / SERV CHARGE 10% 4.96 / GST 3.27 / ROUNDING
    -0.03 / TOTAL 57.80``), by ``id``, each with the total above it (see :func:`_sum_down`).
    Not an amount under an amount-due label (``due_ids``): a total less a payment or
    deposit printed under it (``Total 2,250.00 / Payments -1,000.00 / Balance Due 1,250.00``)
    is what is left to pay, not the invoice's total."""
    bases = [c for c, _, _ in pool] + subtotals
    payment_lines = {a.line.index for a in pay["tendered"] + pay["change"]}
    found: dict[int, Decimal] = {}
    for cand, _, _ in pool:
        if id(cand) in due_ids:
            continue
        value, line = _money(cand.value.value), cand.line
        for base in bases:
            start = base.line.index
            if base.line.page != line.page or not 1 < line.index - start <= RUN_LINES:
                continue
            above = _money(base.value.value)
            if above != value and _sum_down(ctx, start, line.index, above, payment_lines) == value:
                found[id(cand)] = above
                break
    return found


def _sum_down(
    ctx: Context, start: int, end: int, total: Decimal, stops: set[int]
) -> Decimal | None:
    """``total`` (printed on line ``start``) plus the money on each line down to line ``end``:
    a line's last amount, taken off under an allowance label ("COUPON DISCOUNT 21.70"); a line
    that restates the sum so far ("NET TOTAL 19.01" between the tax and the rounding) adds
    nothing. None where nothing is added, or where one of ``stops`` (a payment line) lies
    between."""
    allowances = section_matcher("adjustments", ctx.lang)
    added = False
    for line in ctx.layout.lines[start + 1 : end]:
        if line.index in stops:
            return None
        money = [a for a in ctx.amounts(line.text) if a.decimals == 2]
        if not money or money[-1].value == total:
            continue
        value = money[-1].value
        if value > 0 and any(h.field == "allowance" for h in allowances.find(line.text)):
            value = -value
        total += value
        added = True
    return total if added else None


def _paid_amounts(
    ctx: Context,
    pool: Pool,
    pay: dict[str, list[AmountFound]],
    parts: dict[str, list[AmountFound]],
) -> Pool:
    """What the customer paid, where no total label shows it: money tendered less the change
    given (or tendered with nothing back), printed under a subtotal or tax label ("NET TOTAL
    45.00", "AMOUNT INCL. GST 5.00") or, where a change line is printed, nearest above the
    payment lines ("TOTAL AMOUNT" whose amount OCR read apart from it, a rounded total under a
    label not read)."""
    labelled = {_money(c.value.value) for c, _, _ in pool}
    change = [abs(_money(a.value.value)) for a in pay["change"]]
    handed = list(zip(_tendered(pay), (a.line.index for a in pay["tendered"]), strict=True))
    handed += [(_money(c.value.value), c.line.index) for c, _, _ in pool]
    labelled_parts = parts["subtotal"] + parts["subtotal_items"] + parts["tax"]
    payment_lines = {a.line.index for a in pay["tendered"] + pay["change"]}
    found: Pool = []
    for t, where in handed:
        for given in change or ([Decimal(0)] if not pool else []):
            paid = t - given if given > 0 else t
            if paid <= 0 or paid in labelled:
                continue
            shown = [f for f in labelled_parts if _money(f.value.value) == paid]
            if not shown and change:  # a change line printed, even "CHANGE 0.00"
                shown = _printed_above(ctx, paid, where, payment_lines)
            found += [(f, 1.5, ["paid amount"]) for f in shown]
            if shown:
                labelled.add(paid)
    return found


def _summarised(total: Decimal | None, pool: Pool, parts: dict[str, list[AmountFound]]) -> Pool:
    """What the tax summary's rows add up to (``total``), where no total label shows it:
    printed under a subtotal label ("NET TOTAL 45.00" over "S = 6%  42.45", with or without its
    tax read). The scoring adds the sum's signal."""
    if total is None or total in {_money(c.value.value) for c, _, _ in pool}:
        return []
    shown = [
        f for f in parts["subtotal"] + parts["subtotal_items"] if _money(f.value.value) == total
    ]
    return [(f, 1.5, ["tax summary"]) for f in shown[-1:]]


def _tendered(pay: dict[str, list[AmountFound]]) -> list[Decimal]:
    """What the customer handed over: a positive amount, whether or not the till prints it as
    a credit ("Cash -50.00")."""
    return [abs(_money(a.value.value)) for a in pay["tendered"]]


def _sums_printed(
    ctx: Context, pool: Pool, pay: dict[str, list[AmountFound]], parts: dict[str, list[AmountFound]]
) -> Pool:
    """Totals that only the page's sums find: an amount with cents printed on the page that is
    what was handed over less the change given back, or a subtotal plus its tax, where no
    label read names it (a total's label smudged or misread, "TL:RM 28.60"; a receipt whose
    total line says only "RM 73.00"); not one that a printed rate taxes (a tax summary's
    base). The arithmetic signals are added by the scoring."""
    known = {_money(c.value.value) for c, _, _ in pool}
    found: Pool = []
    texts = [line.text for line in ctx.layout.lines]
    for value in sorted(set(_page_sums(pay, parts)) - known):
        if taxed_base(texts, value):
            continue  # a subtotal and a service charge give the base of the tax, not the total
        printed = _printed_at(ctx, value, "total by the page's sums")
        if printed is not None:
            found.append((printed, 1.5, ["sum printed"]))
    return found


def _page_sums(
    pay: dict[str, list[AmountFound]], parts: dict[str, list[AmountFound]]
) -> dict[Decimal, str]:
    """The totals the page's sums give: what was handed over less the change given back, a
    subtotal plus its tax; each with how it was found."""
    change = [c for c in (abs(_money(a.value.value)) for a in pay["change"]) if c > 0]
    subtotals = [_money(a.value.value) for a in parts["subtotal"] + parts["subtotal_items"]]
    taxes = [_money(a.value.value) for a in parts["tax"]]
    sums = {s + x: "subtotal + tax" for s in subtotals for x in taxes if s > 0 and x > 0}
    sums |= {t - c: "tendered − change" for t in _tendered(pay) for c in change if t - c > 0}
    return sums


def _marks_restored(
    ctx: Context, candidates: list[AmountFound], sums: dict[Decimal, str]
) -> list[AmountFound]:
    """``candidates`` with the decimal mark OCR did not read put back where one of the page's
    ``sums`` has the same digits with it: "TOTAL 700" under "SUB-TOTAL 6.60" / "GST 0.40" is
    7.00; "Grand Total 9280" over "Cash 100.00" / "Change 7.20" is 92.80. The point is the
    smallest mark on a receipt and the one OCR loses most; the digits and a sum agreeing place
    it. On a page read by OCR only (a text layer does not lose marks)."""
    by_digits = {digits_with_cents(value): value for value in sums if value >= 1}
    out = []
    for found in candidates:
        value = _money(found.value.value)
        whole = value == value.to_integral_value()
        restored = by_digits.get(str(value)) if whole else None
        if restored is None or not on_ocr_page(ctx, found.line.page):
            out.append(found)
            continue
        why = f"decimal mark not read: {sums[restored]} give {restored}"
        note = f"{found.candidate.evidence.note}; {why}"
        cand = replace(
            found.candidate,
            value=restored,
            evidence=replace(found.candidate.evidence, note=note),
        )
        out.append(replace(found, value=cand.extracted(0.0), candidate=cand))
    return out


def digits_with_cents(value: Decimal) -> str:
    """The digits of ``value`` written with its cents, without the mark ("9280" for 92.80)."""
    return f"{value:.2f}".replace(".", "")


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


def _printed_above(
    ctx: Context, value: Decimal, line_index: int, skip: set[int]
) -> list[AmountFound]:
    """``value`` printed nearest above line ``line_index`` on its page (``skip`` aside)."""
    line = ctx.layout.lines[line_index]
    for other in reversed(ctx.layout.lines[max(0, line_index - ABOVE_LINES) : line_index + 1]):
        if other.page != line.page or other.index in skip:
            continue
        for amount in reversed(ctx.amounts(other.text)):
            if amount.value == value and amount.decimals == 2:
                window = Window(other, 0, len(other.text))
                evidence = ctx.evidence(window, amount.start, amount.end, "above the payment")
                cand = Candidate(value, 1.0, evidence, other.index)
                return [AmountFound(cand.extracted(0.0), amount.currency, other, cand)]
    return []


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
    items = _first_money_line(ctx, first_page)
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
            after = _DAY_NAME.sub("", line.text[reading.end : reading.end + 24], count=1)
            before = line.text[: reading.start]
            if _TIME.match(after.lstrip(" \t,")) or _TIME.search(before):
                score, how = 2.0, "date with a time"
            elif _PLACE_DATE.match(before):
                score, how = 2.0, "place and date"
            elif ctx.title_line(line) and line.page == first_page:
                score, how = 1.8, "date on the title line"
            elif line.page == first_page and ctx.layout.relative_top(line) < 0.35:
                score, how = 1.0, "date near the top"
            elif line.page == first_page and line.index < items:
                score, how = 1.0, "date above the items"
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


def _first_money_line(ctx: Context, page: int | None) -> int:
    """The index of the first line of ``page`` that prints money (an amount with cents): where
    an invoice's or a receipt's items begin. A date above it is in the document's head, where
    its date stands; one under the items (a footer's printing date, an offer's validity) is
    not. A long receipt's head reaches further down its page than an A4 invoice's."""
    for line in ctx.layout.lines:
        if line.page != page:
            continue
        if any(a.decimals == 2 and not a.percent for a in ctx.amounts(line.text)):
            return line.index
    return 0
