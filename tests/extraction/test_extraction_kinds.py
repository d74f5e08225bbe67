"""Invoices of the kinds behind false alarms in whole claims (issue 11), generated at test time
by ``fixtures/kinds/generate.py``: Korean tax-invoice grids, Taiwanese uniform invoices with ROC
dates, two-page invoices with carried-forward rows and discount lines, third-party invoices
with the partner in the recipient block, place-and-date lines and currencies in a total's
label. Each file's truth is in the generator's ``KINDS``; every field it names must be read
exactly, and the item lines must be the items (no carried-forward row, every discount).
"""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from coop_rules.extraction import ExtractedDocument, extract_file

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
def test_carried_forward_rows_are_no_items_and_discounts_count(
    extracted: dict[str, ExtractedDocument], name: str
) -> None:
    doc = extracted[name]
    amounts = tuple(item.amount.value for item in doc.line_items if item.amount)
    assert amounts == GENERATOR.KINDS[name].lines
    assert sum(amounts, Decimal(0)) == doc.value("subtotal")
    assert all(item.amount and item.amount.confidence >= 0.9 for item in doc.line_items)
