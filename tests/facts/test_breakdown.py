"""R25 from an invoice's breakdown (issue 13): each VAT rate checked on its own line instead of
a blend of rates, and the items' sum taken to the subtotal through the allowances and charges
on the whole invoice (IN08, IN06).

The pure checks run on breakdowns written here; the rules run on the compliant fixture claim
with its German invoice's breakdown replaced, as an extractor would have read it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from coop_rules.api import check_facts, programs, rulebook
from coop_rules.claim import load_claim
from coop_rules.engines.base import Outcome
from coop_rules.evidence import Evidence, Extracted
from coop_rules.extraction import extract_file
from coop_rules.extraction.model import Breakdown, LineItem, TaxLine
from coop_rules.facts.breakdown import to_subtotal, vat_rate_values
from coop_rules.facts.build import claim_facts

COMPLIANT = Path(__file__).resolve().parents[2] / "fixtures" / "claims" / "compliant"
GERMAN_INVOICE = "rechnung-kreativwerk-RE-2024-0417.pdf"
TODAY = date(2024, 7, 20)
RATES = (Decimal(0), Decimal(7), Decimal(19), Decimal(20))


def _read(value: str, note: str = "read") -> Extracted:
    return Extracted(Decimal(value), Evidence("inv.pdf", text=value, page=1, note=note), 0.8)


def _line(rate: str, tax: str, base: str | None = None) -> TaxLine:
    return TaxLine(_read(rate), _read(tax), None if base is None else _read(base))


def _check(breakdown: Breakdown, subtotal: str, tax: str) -> dict[str, object]:
    values = vat_rate_values(breakdown, _read(subtotal), _read(tax), RATES)
    return {name: value.value for name, value in values.items()}


def test_two_rates_each_right_pass_where_their_blend_fails() -> None:
    lines = (_line("19", "211.85", "1115.00"), _line("7", "33.95", "485.00"))
    assert _check(Breakdown(), "1600.00", "245.80")["doc.vat_rate_plausible"] is False
    checked = _check(Breakdown(lines, tuple(line.rate for line in lines)), "1600.00", "245.80")
    assert checked == {"doc.vat_rate": "7.0 %, 19.0 %", "doc.vat_rate_plausible": True}


def test_a_line_whose_tax_is_not_its_base_times_its_rate_fails_with_what_it_charges() -> None:
    lines = (_line("19", "137.00", "1000.00"), _line("7", "35.00", "500.00"))
    checked = _check(Breakdown(lines), "1500.00", "172.00")
    assert checked == {"doc.vat_rate": "13.7 %", "doc.vat_rate_plausible": False}


def test_a_printed_rate_that_is_no_vat_rate_fails() -> None:
    lines = (_line("11", "110.00", "1000.00"), _line("7", "35.00", "500.00"))
    assert _check(Breakdown(lines), "1500.00", "145.00")["doc.vat_rate"] == "11.0 %"


def test_one_line_without_a_base_is_charged_on_the_subtotal() -> None:
    assert _check(Breakdown((_line("19", "190.00"),)), "1000.00", "190.00") == {
        "doc.vat_rate": "19.0 %",
        "doc.vat_rate_plausible": True,
    }
    assert _check(Breakdown((_line("19", "137.00"),)), "1000.00", "137.00") == {
        "doc.vat_rate": "13.7 %",
        "doc.vat_rate_plausible": False,
    }


def test_several_rates_without_their_lines_say_nothing() -> None:
    rates = (_read("19"), _read("7"))
    assert _check(Breakdown(rates=rates), "1400.00", "206.00") == {}
    assert _check(Breakdown(rates=rates[:1]), "1000.00", "190.00")["doc.vat_rate_plausible"]


@pytest.mark.parametrize(
    ("items", "subtotal", "printed", "chosen"),
    [
        ("202.70", "193.77", ("5.80", "-14.73", "-1.00", "-13.73", "5.80"), ("5.80", "-14.73")),
        ("95.00", "100.00", ("-5.00", "10.00"), ("-5.00", "10.00")),
        ("1640.00", "1640.00", ("-49.20", "9.20"), ()),  # adds up already: nothing is taken
        ("1000.00", "900.00", ("-50.00", "25.00"), ()),  # a real difference stays one
    ],
)
def test_the_fewest_allowances_and_charges_that_reach_the_subtotal(
    items: str, subtotal: str, printed: tuple[str, ...], chosen: tuple[str, ...]
) -> None:
    breakdown = Breakdown(adjustments=tuple(_read(a) for a in printed))
    found = to_subtotal(Decimal(items), Decimal(subtotal), Decimal("0.01"), breakdown)
    assert tuple(str(a.value) for a in found) == chosen


def _german(
    breakdown: Breakdown,
    tax: str | None = None,
    extra_item: str | None = None,
    only_item: str | None = None,
):
    """An extractor that reads the compliant claim with the German invoice's breakdown (and
    tax, and one more item, or one item only) replaced."""

    def extract(path: Path, *args, **kwargs):
        document = extract_file(path, *args, **kwargs)
        if path.name != GERMAN_INVOICE:
            return document
        fields = dict(document.fields)
        if tax is not None:
            fields["tax"] = replace(fields["tax"], value=Decimal(tax))
        items = document.line_items
        if extra_item is not None:
            items = (*items, LineItem(amount=_read(extra_item)))
        if only_item is not None:
            items = (LineItem(amount=_read(only_item)),)
        return replace(document, fields=fields, breakdown=breakdown, line_items=items)

    return extract


def _outcomes(extract, code: str) -> set[Outcome]:
    claim = load_claim(COMPLIANT, extract=extract)
    facts = claim_facts(claim, TODAY, history=None, program_data=programs())
    return {f.outcome for f in check_facts(facts, rulebook(), "python", "en") if f.code == code}


def test_in08_checks_each_rate_of_a_two_rate_invoice() -> None:
    # Subtotal 9,550.00: 7,000.00 at 19 % and 2,550.00 at 7 % (a blend of 15.8 %).
    right = (_line("19", "1330.00", "7000.00"), _line("7", "178.50", "2550.00"))
    assert Outcome.VIOLATED in _outcomes(_german(Breakdown(), "1508.50"), "IN08")
    assert Outcome.VIOLATED not in _outcomes(_german(Breakdown(right), "1508.50"), "IN08")
    wrong = (_line("19", "1430.00", "7000.00"), right[1])
    assert Outcome.VIOLATED in _outcomes(_german(Breakdown(wrong), "1608.50"), "IN08")


def test_in06_adds_an_invoice_discount_between_items_and_subtotal() -> None:
    discount = Breakdown(adjustments=(_read("-50.00", "allowance on the whole invoice"),))
    assert Outcome.VIOLATED in _outcomes(_german(Breakdown(), extra_item="50.00"), "IN06")
    assert Outcome.VIOLATED not in _outcomes(_german(discount, extra_item="50.00"), "IN06")
    assert Outcome.VIOLATED in _outcomes(_german(discount, extra_item="80.00"), "IN06")


def test_in06_takes_the_tax_off_items_priced_with_it() -> None:
    # The invoice's total is 11,364.50 with 1,814.50 of tax: one item priced with tax.
    gross = Breakdown(items_gross=True)
    assert Outcome.VIOLATED not in _outcomes(_german(gross, only_item="11364.50"), "IN06")
    assert Outcome.VIOLATED in _outcomes(_german(Breakdown(), only_item="11364.50"), "IN06")
    assert Outcome.VIOLATED in _outcomes(_german(gross, only_item="9550.00"), "IN06")
