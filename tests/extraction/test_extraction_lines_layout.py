"""Item tables: amount headings in other words, headings set apart from their column, a page's
footer under the last item, and units of time in CJK payment terms.

Documents are generated here: PDF pages built word by word (``Word`` boxes in points, each line
with its own font size), so that the geometry a rule depends on is explicit.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from coop_rules.documents import Document, Page, Word
from coop_rules.extraction import ExtractedDocument, extract_document
from coop_rules.extraction.fields import Context
from coop_rules.extraction.lexicon import duration_regex

# One placed line: (top, [(x0, text), …], font size).
Placed = tuple[float, list[tuple[float, str]], float]


def pdf_of(placed: list[Placed], char: float = 5.0) -> Document:
    words = [
        Word(text, x0, top, x0 + char * len(text), top + size)
        for top, line, size in placed
        for x0, text in line
    ]
    text = " ".join(w.text for w in words)
    return Document(
        "invoice.pdf", "application/pdf", pages=(Page(1, 595, 842, tuple(words), text),)
    )


def extract(placed: list[Placed]) -> ExtractedDocument:
    return extract_document(pdf_of(placed), role="invoice", einvoice=False)


def amounts(doc: ExtractedDocument) -> list[Decimal]:
    return [item.amount.value for item in doc.line_items if item.amount]


def descriptions(doc: ExtractedDocument) -> list[str]:
    return [item.description.value for item in doc.line_items if item.description]


HEAD = [
    (60.0, [(300, "INVOICE"), (360, "INV-7")], 10.0),
    (75.0, [(300, "Invoice"), (340, "date:"), (380, "2024-03-05")], 10.0),
]


def _table(heading: list[tuple[float, str]], rows: list[list[tuple[float, str]]]) -> list[Placed]:
    placed: list[Placed] = [*HEAD, (200.0, heading, 10.0)]
    placed += [(220.0 + 15 * i, row, 10.0) for i, row in enumerate(rows)]
    return placed


@pytest.mark.parametrize(
    ("heading", "price", "amount"),
    [
        ("Price w/o Tax", "Unit Price", "Amount w/o Tax"),
        ("Amount excl. VAT", "Price", "Amount excl. VAT"),
        ("Zeilenbetrag", "VK-Preis", "Zeilenbetrag"),
        ("Entgelt", "Einzelpreis", "Entgelt"),
        ("Prijs incl. BTW", "Prijs per stuk", "Prijs incl. BTW"),
        ("Montant TTC", "Prix HT", "Montant TTC"),
    ],
)
def test_amount_headings_in_other_words(heading: str, price: str, amount: str) -> None:
    rows = [
        [(60, "Widget"), (250, "2"), (330, "10.00"), (470, "20.00")],
        [(60, "Gadget"), (250, "1"), (330, "5.50"), (470, "5.50")],
    ]
    placed = _table([(60, "Description"), (250, "Qty"), (330, price), (470, amount)], rows)
    placed.append((270.0, [(330, "Total"), (470, "25.50")], 10.0))
    assert amounts(extract(placed)) == [Decimal("20.00"), Decimal("5.50")], heading


def test_a_centred_heading_and_an_amount_right_of_a_short_heading() -> None:
    # "Product" stands centred over a wide description column; "Total" is short and the
    # right-aligned amounts end far right of it; "Adjustment(s)" is a column not read.
    heading = [
        (30, "Qty"),
        (180, "Product"),
        (360, "Unit"),
        (385, "Price"),
        (430, "Adj."),
        (520, "Total"),
    ]
    rows = [
        [(35, "1"), (56, "Cloud"), (86, "Standard"), (131, "plan"), (380, "40.25"), (540, "40.25")],
        [(35, "2"), (56, "Extra"), (86, "seats"), (380, "5.00"), (540, "10.00")],
    ]
    placed = _table(heading, rows)
    placed.append((270.0, [(300, "Total"), (540, "50.25")], 10.0))
    doc = extract(placed)
    assert amounts(doc) == [Decimal("40.25"), Decimal("10.00")]
    assert descriptions(doc) == ["Cloud Standard plan", "Extra seats"]
    assert doc.line_items[0].amount.confidence >= 0.9


def test_a_column_without_a_heading_we_read_keeps_its_numbers_out_of_the_description() -> None:
    heading = [(30, "Pos"), (60, "Description"), (330, "Price"), (470, "Amount")]
    rows = [[(32, "1"), (60, "Widget"), (330, "20.00"), (470, "20.00")]]
    placed = _table(heading, rows)
    placed.append((270.0, [(300, "Total"), (470, "20.00")], 10.0))
    assert descriptions(extract(placed)) == ["Widget"]


def _footed(footer: list[Placed]) -> list[Placed]:
    heading = [(60, "Description"), (330, "Price"), (470, "Amount")]
    rows = [
        [(60, "Widget"), (330, "20.00"), (470, "20.00")],
        [(60, "Gadget"), (330, "5.50"), (470, "5.50")],
    ]
    placed = _table(heading, rows)
    placed.append((250.0, [(60, "blue,"), (90, "boxed")], 10.0))
    return placed + footer


@pytest.mark.parametrize(
    "footer",
    [
        [(263.0, [(60, "ACME"), (90, "Ltd"), (300, "IBAN"), (330, "GB00"), (360, "1234")], 10.0)],
        [
            (
                263.0,
                [(60, "Registered"), (110, "office:"), (150, "1"), (160, "Main"), (185, "St")],
                10.0,
            )
        ],
        [(263.0, [(60, "Bankverbindung:"), (140, "Hausbank")], 10.0)],
        [(263.0, [(280, "Page"), (310, "1"), (320, "of"), (335, "2")], 10.0)],
        [(263.0, [(290, "1"), (300, "/"), (310, "1")], 10.0)],
        # smaller print after a wider gap than any in the table
        [(300.0, [(60, "ACME"), (90, "Ltd"), (120, "Main"), (150, "Street")], 7.0)],
    ],
)
def test_a_page_footer_is_not_part_of_the_last_description(footer: list[Placed]) -> None:
    doc = extract(_footed(footer))
    assert descriptions(doc) == ["Widget", "Gadget blue, boxed"]


def test_smaller_print_close_under_an_item_stays_in_its_description() -> None:
    doc = extract(_footed([(263.0, [(60, "Serial"), (100, "no."), (120, "SN-1")], 8.0)]))
    assert descriptions(doc) == ["Widget", "Gadget blue, boxed Serial no. SN-1"]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("ja", "お支払い期限: 請求日から30日以内"),
        ("ja", "支払条件 30日"),
        ("ja", "納期 3ヶ月"),
        ("ko", "결제 조건: 30일 이내"),
        ("ko", "지급기한 30일"),
        ("ko", "기간 3개월"),
        ("zh-Hans", "付款条件：30天内付款"),
        ("zh-Hans", "账期 60天"),
        ("zh-Hans", "保修 3个月"),
        ("zh-Hant", "付款條件：30天內付款"),
        ("zh-Hant", "付款期限 30日內"),
        ("zh-Hant", "保固 3個月"),
    ],
)
def test_a_number_of_days_in_cjk_terms_is_no_amount(lang: str, text: str) -> None:
    ctx = Context(Document("t.txt", "text/plain", text=text), "invoice", lang=lang)
    assert ctx.amounts(text) == []


@pytest.mark.parametrize("text", ["30日本", "30 일시불", "30 주식회사", "30円", "30원"])
def test_a_cjk_word_that_starts_with_a_unit_of_time_is_not_one(text: str) -> None:
    assert duration_regex().match(text, 2) is None
