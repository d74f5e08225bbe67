"""The totals block of an invoice: subtotal, tax (and its rate), amount due.

Labels are in ``data/*.yaml``, section ``invoice`` (``subtotal``, ``tax``, ``tax_rate``,
``amount_due``). The value is read as for the total (:func:`~.values.labelled_amount`): right
of the label, else under it. Three things are particular to these fields:

* In several languages the word for VAT also labels the VAT *number* (``VAT``, ``MwSt``,
  ``TVA``, ``IVA``, ``BTW``: field ``tax_id``). Such a label gives a tax amount only when its
  line shows money or a rate (``MwSt 19 %  19,00``), never an identifier, and it ranks below a
  real tax-amount label.
* An invoice with several VAT rates prints one tax line per rate. When the printed subtotal and
  total are known, the tax that makes ``subtotal + tax = total`` is chosen: one line's amount,
  or the sum of the lines (said in the evidence note). When that cannot be checked, the best
  labelled amount is reported with a confidence of at most 0.5, so nothing is silently summed.
* The subtotal is the tax basis: the net amount the tax is computed on. Pages with discounts or
  charges print a sum of the items first (``Zwischensumme``, ``Positionssumme``, ``Subtotal``:
  labels ``subtotal_items``) and the net total after them (``Rechnungssumme netto``, ``Total
  HT``: ``subtotal``). Where the total is known, the first net amount that with a printed tax
  gives the total is taken (said in the note); else a net-total label beats a sum of items.
* The amount due is money no larger than the total: a larger one includes other invoices'
  balances and is left out, as is a number of days ("balance at 30 days").
* The rate is a percentage on the tax line (or after a ``tax rate`` label), between 0 and 30 %.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from coop_rules.evidence import Extracted
from coop_rules.extraction.fields import Candidate, Context, Window
from coop_rules.extraction.layout import Line
from coop_rules.extraction.lexicon import LabelHit
from coop_rules.extraction.parsing import AmountMatch, find_amounts
from coop_rules.extraction.values import (
    BELOW_PENALTY,
    PROSE_PENALTY,
    amount_candidates,
    amount_in,
    chosen_amount,
    label_note,
)

TAX_TIERS = {"tax": 2.0, "tax_id": 1.0}
# A net total after discounts and charges beats a sum of the items before them.
SUBTOTAL_TIERS = {"subtotal": 2.0, "subtotal_items": 1.8}
MAX_RATE = Decimal(30)  # no VAT or sales tax rate in the world is higher
CENT = Decimal("0.01")


def tax_at(base: Decimal, rate: Decimal) -> Decimal:
    """The tax ``rate`` per cent gives of ``base``, to the cent (halves up)."""
    return (base * rate / 100).quantize(CENT, ROUND_HALF_UP)


def taxed_base(lines: Iterable[str], value: Decimal) -> bool:
    """Whether ``value`` is the base a printed tax is computed on: a line prints a rate and
    that rate of it ("GST 6%  165.00  9.90": 6 % of 165.00 is 9.90), as a tax summary does."""
    for line in lines:
        found = find_amounts(line)
        rates = [a.value for a in found if a.percent and 0 < a.value <= MAX_RATE]
        money = {abs(a.value) for a in found if not a.percent and a.decimals == 2}
        if any(tax_at(abs(value), r) in money for r in rates):
            return True
    return False


def printed_tax(lines: Iterable[str], value: Decimal) -> bool:
    """Whether ``value`` is a tax the page computes: a line prints a rate, an amount, and that
    rate of the amount as ``value``, as a tax summary's rows do ("SR 6.00  144.68  8.68": 6 %
    of 144.68; its rate column often without the sign). Three numbers in that relation to the
    cent are a rate, a base and its tax, not an item's quantity and price. OCR may read a
    row's rate apart from its amounts, on a line of its own ("SR 6.00" / "144.68 8.68"), so
    the line above may give the rate."""
    wanted = abs(value)
    above: list[Decimal] = []
    for line in lines:
        found = [a for a in find_amounts(line) if a.value > 0]
        rates = [a.value for a in found if a.value <= MAX_RATE and a.value != wanted]
        if any(a.value == wanted and not a.percent for a in found):
            # A base is money, printed with its cents: "10.00 x 070 7.00" is a quantity and
            # a price that lost its decimal point, not 10 % of 70.
            bases = [
                a.value for a in found if not a.percent and a.decimals == 2 and a.value > wanted
            ]
            if any(tax_at(b, r) == wanted for b in bases for r in [*rates, *above]):
                return True
        above = rates
    return False


def tax_summary_total(lines: Iterable[str]) -> Decimal | None:
    """What a tax summary says the sale cost: the sum of its rows' bases and taxes, each row
    printing a rate, a base and that rate of it ("SR 6%  165.00  9.90" → 174.90; "ZR 0%
    50.00  0.00" adds 50.00), its rate also read on the line above as in
    :func:`printed_tax`. A row printed again (its "Total" line) counts once; None without
    a row whose tax is more than nothing.

    Where no row's tax is read, rows of a rate written with its sign and one base ("S = 6%
    42.45", the tax column smudged) give the base plus that rate of it (45.00)."""
    rows: set[tuple[Decimal, Decimal]] = set()
    untaxed: set[tuple[Decimal, Decimal]] = set()
    above: list[Decimal] = []
    for line in lines:
        found = [a for a in find_amounts(line) if a.value >= 0]
        money = [a.value for a in found if not a.percent and a.decimals == 2]
        rates = [a.value for a in found if a.value <= MAX_RATE]
        if len(money) >= 2:
            base, tax = money[-2], money[-1]
            if any(tax_at(base, r) == tax for r in [*rates, *above] if r not in (base, tax)):
                rows.add((base, tax))
        signed = [a.value for a in found if a.percent and 0 < a.value <= MAX_RATE]
        if len(money) == 1 and len(signed) == 1:
            untaxed.add((money[0], tax_at(money[0], signed[0])))
        above = rates
    if not any(tax for _, tax in rows):
        rows = untaxed
        if not rows:
            return None
    return sum((base + tax for base, tax in rows), Decimal(0))


RATE_COLUMN_LINES = 8  # how far down a column of rates is looked at for a second rate


def _tax_windows(ctx: Context, line: Line, hit: LabelHit) -> list[Window]:
    """Right of the label, else under it; a VAT word that also names the VAT number
    ("VAT", "USt.") only on its own line: under it is an item table's column of rates. Two
    column headings read as one label ("Tax | Total") are the first heading's column."""
    right = ctx.right(line, hit)
    if ctx.amounts(right.text) or hit.field == "tax_id":
        return [right]
    if "\t" in hit.text:  # "Tax | Total", "USt. | Betrag": two column headings, the first ours
        first = hit.text.split("\t", 1)[0]
        found = [h for h in ctx.matcher.find(first) if (h.start, h.end) == (0, len(first))]
        if not found or found[0].field != "tax":
            return []
        hit = LabelHit("tax", hit.start, hit.start + len(first), first)
    return list(ctx.below(line, hit, 3))


def _looks_like_tax(ctx: Context, hit: LabelHit, window: Window) -> bool:
    """A ``tax_id`` label ("VAT", "MwSt") names a tax amount only next to money or a rate."""
    if hit.field != "tax_id":
        return True
    text = window.text
    if any(a.percent for a in _percents(text)):
        return True
    money = [a for a in ctx.amounts(text) if a.decimals == 2]
    # An identifier ("DE 123 456 789", "FR12345678901") has letters or long digit runs.
    return bool(money) and not any(ch.isalpha() for ch in text[: money[0].start])


def _percents(text: str) -> list[AmountMatch]:
    """Percentages in ``text`` that may be a tax rate."""
    return [a for a in find_amounts(text) if a.percent and Decimal(0) <= a.value <= MAX_RATE]


def _tax_amount(ctx: Context, window: Window) -> tuple[int, int, Decimal] | None:
    """The tax amount in a window: the last money amount on the rest of the line, because a
    tax line reads "VAT 19 % on 804.35   152.83" (rate, base, tax); under a label, the first
    amount in its column."""
    if window.below:
        read = amount_in(ctx, window)
        return None if read is None else read[:3]
    typed = [t.native for t in window.tokens(0, len(window.text)) if isinstance(t.native, Decimal)]
    if typed:
        read = amount_in(ctx, window)
        return None if read is None else read[:3]
    money = [a for a in ctx.amounts(window.text) if a.decimals in (0, 2)]
    if not money:
        return None
    last = money[-1]
    return last.start, last.end, last.value


def _tax_candidates(ctx: Context) -> list[tuple[Candidate, Window, LabelHit]]:
    found = []
    for line, hit in ctx.labelled(TAX_TIERS):
        for window in _tax_windows(ctx, line, hit):
            if not _looks_like_tax(ctx, hit, window):
                continue
            read = _tax_amount(ctx, window)
            if read is None:
                continue
            start, end, value = read
            score = TAX_TIERS[hit.field] - (PROSE_PENALTY if ctx.prose(line, hit.start) else 0)
            if window.below:
                score -= BELOW_PENALTY
            evidence = ctx.evidence(window, start, end, label_note(hit))
            found.append((Candidate(value, score, evidence, line.index), window, hit))
            break
    return found


def _matching(
    found: list[tuple[Candidate, Window, LabelHit]], wanted: Decimal
) -> tuple[Extracted, Window | None] | None:
    """The tax that is ``wanted`` (total − subtotal): one labelled amount, or the sum of the
    distinct lines of the best label tier (one line per rate)."""
    for cand, win, _hit in found:
        if Decimal(str(cand.value)) == wanted:
            note = f"{cand.evidence.note}; subtotal + tax = total"
            return replace(cand, evidence=replace(cand.evidence, note=note)).extracted(0.9), win
    top = max(c.score for c, _, _ in found)
    best = sorted((item for item in found if item[0].score == top), key=lambda i: i[0].order)
    lines: dict[int, Candidate] = {}
    for cand, _win, _hit in best:
        lines.setdefault(cand.order, cand)
    if len(lines) > 1 and sum(Decimal(str(c.value)) for c in lines.values()) == wanted:
        note = (
            f"sum of {len(lines)} tax lines "
            f"({' + '.join(str(c.value) for c in lines.values())}); subtotal + tax = total"
        )
        # Several rates: no one line's rate is the invoice's, so no window to read it in.
        return Extracted(wanted, replace(best[0][0].evidence, note=note), 0.8), None
    return None


def _tax(
    found: list[tuple[Candidate, Window, LabelHit]],
    subtotal: Extracted | None,
    total: Extracted | None,
) -> tuple[Extracted | None, Window | None]:
    """The tax amount (see the module docstring) and the window it was read in."""
    if not found:
        return None, None
    top = max(c.score for c, _, _ in found)
    best = [item for item in found if item[0].score == top]
    best.sort(key=lambda item: item[0].order)
    first, window, _ = best[0]
    distinct = {c.value for c, _, _ in best}
    if subtotal is None or total is None:
        if len(distinct) > 1:
            return None, None  # one line per rate, and nothing to check a sum against
        return first.extracted(min(0.5, 0.3 + 0.1 * first.score)), window
    matched = _matching(found, _money(total) - _money(subtotal))
    if matched is not None:
        return matched
    if len(distinct) > 1:
        return None, None  # several tax lines that add up to nothing printed: no guess
    note = f"{first.evidence.note}; subtotal + tax ≠ total"
    return replace(first, evidence=replace(first.evidence, note=note)).extracted(0.35), window


def _money(found: Extracted) -> Decimal:
    return Decimal(str(found.value))


def _subtotal(
    ctx: Context, total: Extracted | None, taxes: list[tuple[Candidate, Window, LabelHit]]
) -> Extracted | None:
    """The tax basis (see the module docstring)."""
    candidates = amount_candidates(ctx, SUBTOTAL_TIERS)
    if not candidates:
        return None
    if total is not None:
        ranked = sorted(candidates, key=lambda c: (-c.candidate.score, c.candidate.order))
        for cand in ranked:
            rest = _money(total) - _money(cand.value)
            if rest == 0 and not taxes:
                check = "subtotal = total, no tax printed"
            elif taxes and _matching(taxes, rest) is not None:
                check = "subtotal + tax = total"
            else:
                continue
            chosen = chosen_amount(candidates, cand).value
            evidence = replace(chosen.evidence, note=f"{chosen.evidence.note}; {check}")
            return replace(chosen, evidence=evidence, confidence=max(chosen.confidence, 0.85))
    sub = chosen_amount(candidates).value
    if total is not None and abs(_money(sub)) > abs(_money(total)):
        sub = replace(sub, confidence=min(sub.confidence, 0.3))  # a net above the gross
    return sub


def _amount_due(ctx: Context, total: Extracted | None) -> Extracted | None:
    """The amount due: an ``amount due`` label's money, never more than the total."""
    candidates = amount_candidates(ctx, {"amount_due": 1.0})
    if total is not None:
        # More than the invoice's total: other invoices' balances are in it, or it is no money.
        candidates = [c for c in candidates if abs(_money(c.value)) <= abs(_money(total))]
    return chosen_amount(candidates).value if candidates else None


def _rate(ctx: Context, tax_window: Window | None) -> Extracted | None:
    """The tax rate: a percentage on the tax line, else after a ``tax rate`` label."""
    windows: list[tuple[Window, str]] = []
    if tax_window is not None:
        line = tax_window.line
        windows.append((Window(line, 0, len(line.text), tax_window.below), "on the tax line"))
    for line, hit in ctx.labelled(["tax_rate"]):
        windows.append((ctx.right(line, hit), label_note(hit)))
        below = list(ctx.below(line, hit, RATE_COLUMN_LINES))
        column = {a.value.normalize() for w in below for a in _percents(w.text)}
        if len(column) <= 1:  # a column of several rates (a VAT breakdown): none is the rate
            windows.extend((w, label_note(hit)) for w in below if w.line.index <= line.index + 2)
    for window, note in windows:
        rates = {a.value.normalize(): a for a in _percents(window.text)}
        if len(rates) == 1:  # two rates on one line: which one is not for us to guess
            (value, match), *_ = rates.items()
            evidence = ctx.evidence(window, match.start, match.end, note)
            return Extracted(value, evidence, 0.8)
    return None


def extract_totals(ctx: Context, total: Extracted | None) -> dict[str, Extracted | None]:
    """``subtotal``, ``tax``, ``tax_rate`` and ``amount_due`` (None where not found)."""
    taxes = _tax_candidates(ctx)
    sub = _subtotal(ctx, total, taxes)
    tax, window = _tax(taxes, sub, total)
    return {
        "subtotal": sub,
        "tax": tax,
        "tax_rate": _rate(ctx, window),
        "amount_due": _amount_due(ctx, total),
    }
