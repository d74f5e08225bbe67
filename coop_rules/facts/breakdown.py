"""R25 facts from an invoice's breakdown: its VAT rates, and its items' sum taken to the subtotal
through its allowances and charges.

* **VAT rate** (IN08): an invoice with tax lines (one per rate, see
  :mod:`coop_rules.extraction.breakdown`) has each line checked on its own: its printed rate is
  a known VAT rate and its tax is its base × its rate. A single line without a base has its
  printed rate checked, and tax ÷ subtotal as without tax lines: then tax ÷ subtotal is the
  rate, unless the invoice prints several rates: a blend of rates is no rate, nothing is said.
* **Items to subtotal** (IN06): when the items' sum is not the subtotal, the smallest set of the
  printed allowances and charges on the whole invoice that takes it there (within rounding) is
  added to it, with their evidence; when none does, the items' sum is compared as it is.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import combinations

from coop_rules.evidence import Evidence, Extracted
from coop_rules.extraction.model import Breakdown, TaxLine
from coop_rules.facts.model import Value
from coop_rules.i18n.shown import Listing, Percent

PRINTED_SLACK = Decimal("0.05")  # a printed rate is a known one up to this (19.01 % for 19 %)
MAX_ADJUSTMENTS = 4  # allowances and charges taken together at most


def _dec(found: Extracted) -> Decimal:
    return Decimal(str(found.value))


def rate_slack(base: Decimal) -> Decimal:
    """How far tax ÷ base may be off a rate, in points: 0.05, plus half a unit of rounding."""
    return Decimal("0.05") + Decimal("0.5") * 100 / base


def _known(rate: Decimal, rates: tuple[Decimal, ...], slack: Decimal) -> bool:
    return any(abs(rate - r) <= slack for r in rates) if rates else True


def _rate_value(rate: Decimal, evidence: tuple[Evidence, ...], plausible: bool) -> dict[str, Value]:
    return {
        "doc.vat_rate": Value(f"{rate.quantize(Decimal('0.1'))} %", evidence, shown=Percent(rate)),
        "doc.vat_rate_plausible": Value(plausible, evidence),
    }


def _line_failure(
    line: TaxLine, base: Extracted | None, rates: tuple[Decimal, ...]
) -> tuple[Decimal, tuple[Evidence, ...]] | None:
    """The rate a tax line really charges when it is not a known rate or not its printed
    one (with the evidence), else None."""
    printed, tax = _dec(line.rate), _dec(line.tax)
    evidence = (line.rate.evidence, line.tax.evidence)
    if not _known(printed, rates, PRINTED_SLACK):
        return printed, evidence
    if base is None or _dec(base) <= 0:
        return None
    charged = tax * 100 / _dec(base)
    if abs(charged - printed) > rate_slack(_dec(base)):
        return charged, (*evidence, base.evidence)
    return None


def _each_line(lines: tuple[TaxLine, ...], rates: tuple[Decimal, ...]) -> dict[str, Value]:
    """The first line that fails, else every printed rate as plausible."""
    for line in lines:
        failure = _line_failure(line, line.base, rates)
        if failure is not None:
            return _rate_value(*failure, plausible=False)
    evidence = tuple(e for line in lines for e in (line.rate.evidence, line.tax.evidence))
    printed = sorted({_dec(line.rate).normalize() for line in lines})
    text = ", ".join(f"{r.quantize(Decimal('0.1'))} %" for r in printed)
    return {
        "doc.vat_rate": Value(text, evidence, shown=Listing(tuple(Percent(r) for r in printed))),
        "doc.vat_rate_plausible": Value(True, evidence),
    }


def vat_rate_values(
    breakdown: Breakdown, subtotal: Extracted, tax: Extracted, rates: tuple[Decimal, ...]
) -> dict[str, Value]:
    """``doc.vat_rate`` and ``doc.vat_rate_plausible`` (see the module docstring)."""
    lines = breakdown.tax_lines
    if len(lines) == 1 and lines[0].base is None:
        printed = _dec(lines[0].rate)
        if not _known(printed, rates, PRINTED_SLACK):
            return _rate_value(printed, (lines[0].rate.evidence,), plausible=False)
    elif lines:
        return _each_line(lines, rates)
    elif len({_dec(r).normalize() for r in breakdown.rates}) > 1:
        return {}  # several rates and no line per rate: tax ÷ subtotal would be a blend
    net, vat = _dec(subtotal), _dec(tax)
    if net <= 0:
        return {}
    rate = vat * 100 / net
    plausible = _known(rate, rates, rate_slack(net))
    return _rate_value(rate, (subtotal.evidence, tax.evidence), plausible)


def to_subtotal(
    items: Decimal, subtotal: Decimal, slack: Decimal, breakdown: Breakdown
) -> tuple[Extracted, ...]:
    """The fewest allowances and charges that take the items' sum to the subtotal (earliest
    first on a tie); none when the sum is the subtotal already or none does."""
    if abs(items - subtotal) <= slack:
        return ()
    printed = breakdown.adjustments[:12]
    for size in range(1, min(MAX_ADJUSTMENTS, len(printed)) + 1):
        for chosen in combinations(printed, size):
            if abs(items + sum(_dec(a) for a in chosen) - subtotal) <= slack:
                return chosen
    return ()
