"""Invoices of the kinds behind false alarms in whole claims (issue 11), generated at test time
by ``fixtures/kinds/generate.py``: Korean tax-invoice grids, Taiwanese uniform invoices with ROC
dates, two-page invoices with carried-forward rows and discount lines, third-party invoices
with the partner in the recipient block, place-and-date lines and currencies in a total's
label; invoices with two VAT rates (a tax line per rate, or none readable), allowances and
charges on the whole invoice, item headings over two lines, a contact person over the
addressee's company and a seller named only over its legal statement (issue 13); party
headings side by side and ship-to blocks naming another firm, envelope windows whose post code
is no run of digits, yen and won invoices without decimals or currency sign. Each file's
truth is in the generator's ``KINDS``; every field it names must be read exactly, the item
lines must be the items (no carried-forward row, every discount), and the tax lines and the
allowances and charges must be the printed ones.
"""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from coop_rules.extraction import ExtractedDocument, extract_file
from coop_rules.facts.breakdown import to_subtotal, vat_rate_values

REPO = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "kinds_generate", REPO / "fixtures" / "kinds" / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


GENERATOR = _generator()
# Standard and reduced rates of the countries the generated invoices come from.
VAT_RATES = tuple(Decimal(r) for r in (0, 5, 7, 8, 10, 19, 20))


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ExtractedDocument]:
    folder = tmp_path_factory.mktemp("kinds")
    GENERATOR.generate(folder)
    return {name: extract_file(folder / name, name, einvoice=False) for name in GENERATOR.KINDS}


@pytest.mark.parametrize(
    ("name", "field"),
    [(name, field) for name, kind in GENERATOR.KINDS.items() for field in kind.truth],
)
def test_each_field_of_each_kind_is_read(
    extracted: dict[str, ExtractedDocument], name: str, field: str
) -> None:
    doc = extracted[name]
    assert doc.value(field) == GENERATOR.KINDS[name].truth[field], doc.decided_by.get(field)
    assert doc.fields[field].evidence.page is not None


@pytest.mark.parametrize("name", [name for name, kind in GENERATOR.KINDS.items() if kind.lines])
def test_item_lines_are_the_items_and_lead_to_the_subtotal(
    extracted: dict[str, ExtractedDocument], name: str
) -> None:
    """No carried-forward row, every discount row, no row of what an item includes; the
    items' sum plus the allowances and charges on the whole invoice is the subtotal (the
    total for items priced with tax)."""
    doc, kind = extracted[name], GENERATOR.KINDS[name]
    amounts = tuple(item.amount.value for item in doc.line_items if item.amount)
    assert amounts == kind.lines
    assert doc.breakdown.items_gross is kind.gross
    target = doc.value("total") if kind.gross else doc.value("subtotal")
    assert sum(amounts, Decimal(0)) + sum(kind.adjustments, Decimal(0)) == target
    assert all(item.amount and item.amount.confidence >= 0.9 for item in doc.line_items)


@pytest.mark.parametrize("name", [n for n, kind in GENERATOR.KINDS.items() if kind.tax_lines])
def test_a_tax_line_per_rate_is_read_with_evidence(
    extracted: dict[str, ExtractedDocument], name: str
) -> None:
    doc = extracted[name]
    read = tuple(
        (line.rate.value, line.base.value if line.base else None, line.tax.value)
        for line in doc.breakdown.tax_lines
    )
    assert read == GENERATOR.KINDS[name].tax_lines
    for line in doc.breakdown.tax_lines:
        assert line.rate.evidence.page == line.tax.evidence.page == 1
        assert line.tax.evidence.box is not None


@pytest.mark.parametrize("name", [n for n, kind in GENERATOR.KINDS.items() if kind.tax_lines])
def test_each_rate_is_checked_not_a_blend(
    extracted: dict[str, ExtractedDocument], name: str
) -> None:
    """tax ÷ subtotal of a two-rate invoice is no VAT rate (the false alarm of issue 13);
    each line's rate and arithmetic is one."""
    doc = extracted[name]
    subtotal, tax = doc.fields["subtotal"], doc.fields["tax"]
    blended = vat_rate_values(type(doc.breakdown)(), subtotal, tax, VAT_RATES)
    assert blended["doc.vat_rate_plausible"].value is False
    checked = vat_rate_values(doc.breakdown, subtotal, tax, VAT_RATES)
    assert checked["doc.vat_rate_plausible"].value is True
    assert len(checked["doc.vat_rate_plausible"].evidence) == 2 * len(doc.breakdown.tax_lines)


def test_several_rates_without_their_lines_are_not_blended(
    extracted: dict[str, ExtractedDocument],
) -> None:
    doc = extracted["de-two-rates-unread.pdf"]
    assert doc.breakdown.tax_lines == ()
    assert {r.value for r in doc.breakdown.rates} == {Decimal(19), Decimal(7)}
    subtotal, tax = doc.fields["subtotal"], doc.fields["tax"]
    assert vat_rate_values(type(doc.breakdown)(), subtotal, tax, VAT_RATES)  # a blend: 14.7 %
    assert vat_rate_values(doc.breakdown, subtotal, tax, VAT_RATES) == {}


@pytest.mark.parametrize("name", [n for n, kind in GENERATOR.KINDS.items() if kind.adjustments])
def test_allowances_and_charges_take_the_items_to_the_subtotal(
    extracted: dict[str, ExtractedDocument], name: str
) -> None:
    doc, kind = extracted[name], GENERATOR.KINDS[name]
    assert tuple(a.value for a in doc.breakdown.adjustments) == kind.adjustments
    items = sum((Decimal(str(i.amount.value)) for i in doc.line_items if i.amount), Decimal(0))
    chosen = to_subtotal(items, doc.value("subtotal"), Decimal("0.01"), doc.breakdown)
    assert tuple(a.value for a in chosen) == kind.adjustments
    assert all(a.evidence.page == 1 and a.evidence.box for a in chosen)


def test_a_letter_whose_only_legal_name_is_in_its_address_window_has_no_vendor(
    extracted: dict[str, ExtractedDocument],
) -> None:
    """A DIN letter whose sender prints only a letterhead name: the partner's name in the
    window is never the vendor; both are offered to the reviewer."""
    doc = extracted["de-place-date.pdf"]
    assert "vendor" not in doc.fields
    held = doc.abstained["vendor"]
    assert [c.value for c in held.candidates] == ["Contoso Marketing GmbH", "Agentur Sonnenschein"]
