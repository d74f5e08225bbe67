"""What stands between an invoice's items and its totals: the tax lines, one per VAT rate, and
the allowances and charges on the whole invoice.

**Tax lines.** An invoice with several VAT rates prints one tax line per rate ("TVA 20 % …",
"MwSt 7 %", "VAT @ 20%", or a row of a tax summary table with rate / base / tax columns); the
tax of the whole invoice ÷ its subtotal is then a blend of rates that no law knows. A line is a
tax line when it carries one rate (a percentage from 0 to 30, or a number in a column headed by
a tax-rate label) and either

* its own tax label ("TVA collectée 20,0 %  81,90  16,38", "19.01% VAT  USD 7.65"): with one
  amount that amount is the tax; with several, the pair with base × rate = tax; or
* no label, under a tax-rate heading ("Taux  Base TVA  Montant TVA" / "S  10,00%  100,00
  10,00"): only the pair with base × rate = tax (such a table's rows hold other numbers too).

The lines found are used only when their taxes add up to the invoice's tax (the tax field, else
total − subtotal): then each rate and each line's arithmetic can be checked on its own. When
several rates are printed and their lines cannot be read so, the rates are reported as read but
no tax line is: a check of the blended rate would be wrong.

**Allowances and charges** (``adjustments`` section of ``data/*.yaml``): a discount on the whole
invoice ("Rabatt", "Nachlass", "Gesamtbetrag der Abschläge", "Discount", "Remise") or a charge
("Versandkosten", "Shipping", "Frais de port", "Zuschläge") printed with one amount, outside
running text. Its sign is the printed one, else minus for an allowance and plus for a charge.
Which of them take the sum of the items to the subtotal is for the arithmetic to say (the facts
step); here they are only read.
"""

from __future__ import annotations

from decimal import Decimal

from coop_rules.evidence import Extracted
from coop_rules.extraction.fields import Context, Window, segment_bounds
from coop_rules.extraction.layout import Line
from coop_rules.extraction.lexicon import section_matcher
from coop_rules.extraction.model import Abstained, Breakdown, TaxLine
from coop_rules.extraction.parsing import AmountMatch, find_amounts

MAX_RATE = Decimal(30)  # no VAT or sales tax rate in the world is higher
HEADING_LINES = 8  # how far under a tax-rate heading its rows are looked for
SLACK = 1.5  # points a rate column's number may overhang its heading
TAX_LABELS = frozenset({"tax", "tax_id", "tax_rate"})
CONFIDENCE = 0.8


def tax_slack(base: Decimal) -> Decimal:
    """How far a tax may be off base × rate: half a cent of rounding, plus 0.05 points of the
    rate (a rate printed to one decimal, a tax summed from lines rounded one by one)."""
    return Decimal("0.005") + abs(base) * Decimal("0.0005")


def _rate_columns(ctx: Context) -> dict[int, tuple[float, float]]:
    """Line index → the x-range of the tax-rate heading above it (a summary table's column)."""
    columns: dict[int, tuple[float, float]] = {}
    for line, hit in ctx.labelled(["tax_rate"]):
        if ctx.amounts(line.text):
            continue  # a label with its value, not a column heading
        # The column runs from its heading to the next one: numbers are often right-aligned
        # past a short heading ("USt. %" over "19").
        tokens = line.tokens_in(hit.start, segment_bounds(line, hit.start)[1])
        after = [t.x0 for t in line.tokens if t.x0 > tokens[-1].x1]
        end = min(after) if after else tokens[-1].x1 + 2 * line.height
        span = (tokens[0].x0 - SLACK, end - SLACK)
        for other in ctx.layout.lines[line.index + 1 : line.index + 1 + HEADING_LINES]:
            if other.page == line.page:
                columns.setdefault(other.index, span)
    return columns


def _percent_rates(ctx: Context, line: Line) -> list[AmountMatch]:
    found = find_amounts(line.text, decimal_comma=ctx.decimal_comma)
    return [a for a in found if a.percent and Decimal(0) <= a.value <= MAX_RATE]


def _inside(line: Line, amount: AmountMatch, column: tuple[float, float]) -> bool:
    tokens = line.tokens_in(amount.start, amount.end)
    return all(t.x0 >= column[0] and t.x1 <= column[1] for t in tokens)


def _under(line: Line, amount: AmountMatch, column: tuple[float, float]) -> bool:
    """Whether ``amount`` stands under the column, if only in part (a rate centred under a
    short heading)."""
    tokens = line.tokens_in(amount.start, amount.end)
    return any(t.x1 > column[0] and t.x0 < column[1] for t in tokens)


def _column_rate(ctx: Context, line: Line, column: tuple[float, float]) -> AmountMatch | None:
    """A bare number in the rate column ("Steuersatz [%]" over "7")."""
    for amount in ctx.amounts(line.text):
        inside = _inside(line, amount, column)
        if inside and amount.currency is None and Decimal(0) <= amount.value <= MAX_RATE:
            return amount
    return None


def _rate_of(
    ctx: Context, line: Line, column: tuple[float, float] | None
) -> tuple[AmountMatch, bool] | None:
    """The line's one rate, and whether it was read in a rate column (a bare number)."""
    percents = {a.value.normalize(): a for a in _percent_rates(ctx, line)}
    if len(percents) == 1:
        return next(iter(percents.values())), False
    if not percents and column is not None:
        bare = _column_rate(ctx, line, column)
        if bare is not None:
            return bare, True
    return None


def _pair(rate: Decimal, money: list[AmountMatch]) -> tuple[AmountMatch, AmountMatch] | None:
    """The (base, tax) of ``money`` with base × rate = tax, the base printed first."""
    for i, base in enumerate(money):
        for tax in money[i + 1 :]:
            if base.value and abs(base.value * rate / 100 - tax.value) <= tax_slack(base.value):
                return base, tax
    return None


def _tax_line(
    ctx: Context, line: Line, column: tuple[float, float] | None
) -> tuple[TaxLine | None, Extracted | None]:
    """The tax line ``line`` holds (None when it holds none or cannot be read), and its rate
    (None when it shows no single rate where a tax line would)."""
    if column is None and "%" not in line.text:
        return None, None  # a rate is a percentage, or a number in a rate column
    hits = ctx.hits[line.index]
    labelled = any(h.field in TAX_LABELS and not ctx.prose(line, h.start) for h in hits)
    if not labelled and column is None:
        return None, None
    found = _rate_of(ctx, line, column)
    if found is None:
        return None, None
    match, bare = found
    if not labelled and column is not None and not _under(line, match, column):
        return None, None  # "3 % Skonto" in the terms under a summary: not in its rate column
    window = Window(line, 0, len(line.text))
    note = "tax rate in its column" if bare else "tax rate on a tax line"
    rate = Extracted(match.value, ctx.evidence(window, match.start, match.end, note), CONFIDENCE)
    money = [a for a in _money(ctx, line.text) if (a.start, a.end) != (match.start, match.end)]
    pair = _pair(match.value, money)
    if pair is not None:
        base, tax = pair
        note = f"base × {match.value.normalize()} % = tax"
        return TaxLine(
            rate,
            Extracted(tax.value, ctx.evidence(window, tax.start, tax.end, note), CONFIDENCE),
            Extracted(base.value, ctx.evidence(window, base.start, base.end, note), CONFIDENCE),
        ), rate
    if labelled and len(money) == 1 and money[0].start >= match.end:
        tax = money[0]  # an item's row names its rate too, but with a price before it
        evidence = ctx.evidence(window, tax.start, tax.end, "the amount on a tax line")
        return TaxLine(rate, Extracted(tax.value, evidence, CONFIDENCE)), rate
    return None, rate


def _money(ctx: Context, text: str) -> list[AmountMatch]:
    """Money in ``text`` (:meth:`~.fields.Context.money`: not a rate, a quantity or a code's
    digits; whole yen or won where the document's currency has no minor unit)."""
    return [a for a in ctx.amounts(text) if ctx.money(a)]


def _expected_tax(fields: dict[str, Extracted]) -> Decimal | None:
    tax, subtotal, total = fields.get("tax"), fields.get("subtotal"), fields.get("total")
    if tax is not None:
        return Decimal(str(tax.value))
    if subtotal is not None and total is not None:
        return Decimal(str(total.value)) - Decimal(str(subtotal.value))
    return None


def tax_lines(
    ctx: Context, fields: dict[str, Extracted], adjusted: set[int]
) -> tuple[tuple[TaxLine, ...], tuple[Extracted, ...]]:
    """The invoice's tax lines (only when their taxes add up to its tax) and every distinct
    rate printed where a tax line would be. A rate's tax printed twice (in the totals and in
    a summary table, or on every page) is one line, the one with its base kept; an allowance
    or charge taxed at a rate (on the lines ``adjusted``: "Abschlag  10,00  19 % USt  -1,00")
    is none."""
    columns = _rate_columns(ctx)
    lines: dict[tuple[Decimal, Decimal], TaxLine] = {}
    rates: dict[Decimal, Extracted] = {}
    for line in ctx.layout.lines:
        if line.index in adjusted:
            continue
        found, rate = _tax_line(ctx, line, columns.get(line.index))
        if rate is not None:
            rates.setdefault(Decimal(str(rate.value)).normalize(), rate)
        if found is not None:
            key = (Decimal(str(found.rate.value)).normalize(), Decimal(str(found.tax.value)))
            if key not in lines or lines[key].base is None:
                lines[key] = found
    expected = _expected_tax(fields)
    total = sum((key[1] for key in lines), Decimal(0))
    if lines and expected is not None and total == expected:
        return tuple(lines.values()), tuple(rates.values())
    return (), tuple(rates.values())


def _adjustment_hits(ctx: Context) -> list[tuple[Line, str, int]]:
    """Lines with an allowance or charge label outside running text: (line, kind, label end)."""
    matcher = section_matcher("adjustments", ctx.lang)
    found = []
    for line in ctx.layout.lines:
        if not any(map(str.isdigit, line.text)):
            continue  # no amount on the line
        for hit in matcher.find(line.text):
            if hit.field in ("allowance", "charge") and not ctx.prose(line, hit.start):
                found.append((line, hit.field, hit.end))
                break
    return found


def adjustments(ctx: Context, hits: list[tuple[Line, str, int]]) -> tuple[Extracted, ...]:
    """Allowances (negative) and charges (positive) on the whole invoice, as printed."""
    found = []
    for line, kind, end in hits:
        rest = line.text[end:]
        money = _money(ctx, rest)
        if not money:
            continue
        last = money[-1]  # "Abschlag Sondernachlass  10,00  19 %  -1,00": base, rate, amount
        value = last.value
        if value > 0 and (kind == "allowance" or rest[: last.start].rstrip().endswith("-")):
            value = -value  # "- 5,00": a minus set apart from its number
        window = Window(line, end, len(line.text))
        evidence = ctx.evidence(window, last.start, last.end, f"{kind} on the whole invoice")
        found.append(Extracted(value, evidence, CONFIDENCE))
    return tuple(found)


def rate_of_many(fields: dict[str, Extracted], breakdown: Breakdown) -> Abstained | None:
    """The ``tax_rate`` read, set apart when the invoice prints several rates: on its tax lines,
    or, where none was read, where tax lines would be. None of them is the invoice's rate
    ("※は軽減税率(8%)対象" on an invoice with items at 10 % and at 8 %)."""
    found = fields.get("tax_rate")
    lines = breakdown.tax_lines
    printed = [line.rate for line in lines] if lines else breakdown.rates
    rates = sorted({Decimal(str(r.value)).normalize() for r in printed})
    if found is None or len(rates) < 2:
        return None
    reason = f"several tax rates printed ({', '.join(f'{r} %' for r in rates)}), none the invoice's"
    return Abstained("tax_rate", (found,), reason, 0.0, "candidates-disagree")


def extract_breakdown(ctx: Context, fields: dict[str, Extracted]) -> Breakdown:
    """The tax lines, the rates printed and the allowances and charges of an invoice."""
    hits = _adjustment_hits(ctx)
    lines, rates = tax_lines(ctx, fields, {line.index for line, _kind, _end in hits})
    return Breakdown(lines, rates, adjustments(ctx, hits))
