"""The tax basis, amount due, due dates in payment terms, sideways text and harder item tables.

Documents are generated here: plain-text invoices (columns set apart by two or more spaces) and
PDF pages built word by word (``Word`` boxes in points), so that the geometry a rule depends on
(a heading over two lines, a table cut by a page's foot, a word printed sideways) is explicit.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from coop_rules.documents import Document, Page, Word
from coop_rules.extraction import ExtractedDocument, extract_document

# One placed line of a generated PDF page: (page, top, [(x0, text), …]).
Placed = tuple[int, float, list[tuple[float, str]]]


def text_invoice(body: str) -> Document:
    return Document(path="invoice.txt", media_type="text/plain", text=body)


def extract_text(body: str) -> ExtractedDocument:
    return extract_document(text_invoice(body), role="invoice", einvoice=False)


def pdf_of(placed: list[Placed], size: float = 10.0, char: float = 5.0) -> Document:
    """A PDF-like document of words at the given places (``size`` high, ``char`` per letter)."""
    pages: dict[int, list[Word]] = {}
    for page, top, words in placed:
        for x0, text in words:
            pages.setdefault(page, []).append(
                Word(text, x0, top, x0 + char * len(text), top + size)
            )
    return Document(
        "invoice.pdf",
        "application/pdf",
        pages=tuple(
            Page(n, 595, 842, tuple(words), " ".join(w.text for w in words))
            for n, words in sorted(pages.items())
        ),
    )


def amounts(doc: ExtractedDocument) -> list[Decimal]:
    return [item.amount.value for item in doc.line_items if item.amount]


# --- subtotal: the tax basis ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "subtotal"),
    [
        # A sum of the items, a discount and a charge, then the net total the tax is on.
        (
            "RECHNUNG Nr. 7\nRechnungsdatum: 05.06.2024\n\n"
            "Zwischensumme                 202,76\nabzgl. Sondernachlass         -14,73\n"
            "zzgl. Versandkosten             5,80\nRechnungssumme netto          193,83\n"
            "Summe Umsatzsteuer             21,31\nGesamtbetrag                  215,14",
            "193.83",
        ),
        # The same in English, the labels in the other order of strength.
        (
            "INVOICE # 7\nInvoice date: 2024-06-05\n\nSubtotal      100.00\n"
            "Discount      -10.00\nNet total      90.00\nVAT 20 %       18.00\n"
            "Total         108.00",
            "90.00",
        ),
        # Only a sum of the items: it is the subtotal.
        (
            "INVOICE # 8\nInvoice date: 2024-06-05\n\n"
            "Subtotal   100.00\nVAT   20.00\nTotal   120.00",
            "100.00",
        ),
    ],
)
def test_the_subtotal_is_the_net_amount_the_tax_is_on(body: str, subtotal: str) -> None:
    doc = extract_text(body)
    assert doc.value("subtotal") == Decimal(subtotal)
    assert "subtotal + tax = total" in (doc.fields["subtotal"].evidence.note or "")


def test_a_net_total_beats_a_sum_of_items_when_nothing_checks() -> None:
    body = (
        "INVOICE # 9\nInvoice date: 2024-06-05\n\nSubtotal      100.00\n"
        "Net total      90.00\nTotal         120.00"
    )
    assert extract_text(body).value("subtotal") == Decimal("90.00")


def test_several_rates_give_the_summed_tax_and_no_rate() -> None:
    body = (
        "RECHNUNG Nr. 3\nRechnungsdatum: 05.03.2024\n\n"
        "Rechnungssumme netto           473,00\nUSt. 7 %     275,00      19,25\n"
        "USt. 19 %    198,00      37,62\nGesamtbetrag                   529,87"
    )
    doc = extract_text(body)
    assert doc.value("subtotal") == Decimal("473.00")
    assert doc.value("tax") == Decimal("56.87")
    assert "tax_rate" not in doc.fields  # 7 % or 19 %: not one rate


# --- amount due -------------------------------------------------------------------------------


def test_a_number_of_days_is_no_amount_due() -> None:
    body = (
        "INVOICE FA-1\nInvoice date: 2024-03-11\nPayment terms   30% advance, balance at 30 days\n"
        "\nTotal      2,076.76 €\nPaid        623.00 €\nResidual   1,453.76 €"
    )
    doc = extract_text(body)
    assert doc.value("amount_due") == Decimal("1453.76")
    body = "INVOICE FA-2\nInvoice date: 2024-03-11\nBalance: 30 days net\n\nTotal   100.00 €"
    assert "amount_due" not in extract_text(body).fields


def test_an_amount_due_above_the_total_is_left_out() -> None:
    body = "INVOICE 12\nInvoice date: 2024-03-11\n\nTotal        100.00\nAmount due   250.00"
    assert "amount_due" not in extract_text(body).fields
    body = "INVOICE 12\nInvoice date: 2024-03-11\n\nTotal        100.00\nAmount due    60.00"
    assert extract_text(body).value("amount_due") == Decimal("60.00")


def test_an_amount_due_label_in_capitals_without_its_accent() -> None:
    body = "FACTURE N° 5\nDate : 31/01/2022\n\nTOTAL TTC     120,00\nNET A PAYER   100,00 EUR"
    assert extract_text(body).value("amount_due") == Decimal("100.00")


# --- due date ---------------------------------------------------------------------------------

HEAD = "RECHNUNG Nr. 4\nRechnungsdatum: 05.03.2024\n\nGesamtbetrag   100,00 €\n"


@pytest.mark.parametrize(
    ("terms", "due"),
    [
        (
            "Zahlbar innerhalb 30 Tagen netto bis 04.04.2024, 3% Skonto innerhalb 10 Tagen "
            "bis 15.03.2024",
            date(2024, 4, 4),
        ),
        ("Zahlbar mit 3 % Skonto bis 15.03.2024, netto bis 04.04.2024", date(2024, 4, 4)),
        ("Bitte überweisen Sie bis zum 04.07.2024.", date(2024, 7, 4)),
        ("Zahlbar innerhalb 30 Tagen netto bis\n04.04.2024", date(2024, 4, 4)),
        ("Please remit until 2024-12-12.", date(2024, 12, 12)),
        ("À régler avant le 15/04/2024.", date(2024, 4, 15)),
        # An offset is no printed date; two dates are instalments; a discount's date alone.
        ("Zahlungsziel: 14 Tage netto", None),
        ("Zahlbar innerhalb 14 Tagen", None),
        ("Payable by 01/03/2024 and by 01/04/2024", None),
        ("Zahlbar innerhalb 10 Tagen mit 2 % Skonto bis 15.03.2024", None),
    ],
)
def test_due_date_in_the_payment_terms(terms: str, due: date | None) -> None:
    doc = extract_text(HEAD + terms)
    assert doc.value("due_date") == due
    if due is not None:
        assert "payment terms" in (doc.fields["due_date"].evidence.note or "")


def test_a_labelled_due_date_beats_the_terms() -> None:
    doc = extract_text(HEAD + "Fällig am: 20.03.2024\nZahlbar bis zum 04.04.2024")
    assert doc.value("due_date") == date(2024, 3, 20)


def test_due_date_under_a_column_heading() -> None:
    body = (
        HEAD
        + "Zahlungsbedingungen\nBeschreibung   Fälligkeit    Teilzahlung\n               05.03.2025"
    )
    assert extract_text(body).value("due_date") == date(2025, 3, 5)


# --- sideways text ----------------------------------------------------------------------------


def test_a_word_printed_sideways_does_not_merge_lines() -> None:
    placed: list[Placed] = [
        (1, 100.0, [(300, "RECHNUNG"), (350, "Nr."), (370, "471102")]),
        (1, 115.0, [(300, "Rechnungsdatum:"), (400, "05.03.2024")]),
        (1, 300.0, [(100, "Rechnungssumme"), (180, "netto"), (450, "473,00")]),
        (1, 314.0, [(100, "USt."), (125, "19"), (140, "%"), (450, "89,87")]),
        (1, 328.0, [(100, "Gesamtbetrag"), (450, "562,87")]),
    ]
    doc = pdf_of(placed)
    # A margin note reading upwards, as tall as the three lines of the totals block.
    sideways = Word("Beispielrechnung", 18.0, 295.0, 23.0, 340.0)
    page = doc.pages[0]
    doc = Document(
        doc.path,
        doc.media_type,
        pages=(Page(1, 595, 842, (*page.words, sideways), page.text),),
    )
    found = extract_document(doc, role="invoice", einvoice=False)
    assert found.value("subtotal") == Decimal("473.00")
    assert found.value("tax") == Decimal("89.87")
    assert found.value("total") == Decimal("562.87")


# --- item tables ------------------------------------------------------------------------------


def test_an_amount_heading_written_over_two_lines() -> None:
    body = (
        "RECHNUNG Nr. 11\nRechnungsdatum: 05.03.2024\n\n"
        "                                        Positions-\n"
        "Pos  Beschreibung        Menge  Preis\n"
        "                                        betrag\n"
        "1    Trennblätter        20     9,90    198,00\n"
        "2    Joghurt Banane      50     5,50    275,00\n"
        "Rechnungssumme netto                    473,00\n"
        "Gesamtbetrag                            473,00"
    )
    doc = extract_text(body)
    assert amounts(doc) == [Decimal("198.00"), Decimal("275.00")]
    assert doc.line_items[0].amount.confidence >= 0.9


def _table_page(rows: list[tuple[float, str, str]], page: int = 1) -> list[Placed]:
    return [(page, top, [(60, "1"), (100, text), (450, amount)]) for top, text, amount in rows]


def test_a_table_cut_by_the_page_foot_goes_on_at_the_next_page_top() -> None:
    placed: list[Placed] = [
        (1, 80.0, [(300, "RECHNUNG"), (360, "Nr."), (380, "5")]),
        (1, 95.0, [(300, "Rechnungsdatum:"), (400, "05.03.2024")]),
        (1, 700.0, [(60, "Pos"), (100, "Beschreibung"), (450, "Betrag")]),
        *_table_page([(720.0, "Trennblätter", "198,00"), (735.0, "Artikel A4", "")]),
        (2, 40.0, [(60, "Seite"), (90, "2")]),  # the next page's letterhead
        *_table_page([(60.0, "Joghurt", "275,00")], page=2),
        (2, 90.0, [(100, "Summe"), (130, "netto"), (450, "473,00")]),
        (2, 105.0, [(100, "Gesamtbetrag"), (450, "473,00")]),
    ]
    doc = extract_document(pdf_of(placed), role="invoice", einvoice=False)
    assert amounts(doc) == [Decimal("198.00"), Decimal("275.00")]


def test_a_second_table_under_the_items_is_not_read_as_items() -> None:
    body = (
        "RECHNUNG Nr. 12\nRechnungsdatum: 05.03.2024\n\n"
        "Pos  Beschreibung        Menge          Betrag\n"
        "1    Kunstrasen          3              10,00\n"
        "     Bruttopreis : 4,0000\n"
        "2    Schweinesteak       5              27,50\n"
        "Zu- und Abschläge:\n"
        "Art                 %     Basisbetrag   Betrag\n"
        "Abschlag            10    10,00         -1,00\n\n\n\n\n\n"
        "Summe netto                             36,50\n"
        "Gesamtbetrag                            36,50"
    )
    assert amounts(extract_text(body)) == [Decimal("10.00"), Decimal("27.50")]


def test_rows_far_apart_in_small_print_are_one_table() -> None:
    placed: list[Placed] = [
        (1, 80.0, [(300, "INVOICE"), (360, "#"), (370, "5")]),
        (1, 95.0, [(300, "Invoice"), (340, "date:"), (400, "2024-03-05")]),
        (1, 300.0, [(100, "Description"), (300, "Qty"), (450, "Amount")]),
        (1, 320.0, [(100, "Support"), (300, "1"), (450, "60.00")]),
        (1, 360.0, [(100, "Supplies"), (300, "3"), (450, "30.00")]),
        (1, 400.0, [(100, "Call"), (300, "1"), (450, "5.00")]),
        (1, 430.0, [(100, "Total"), (450, "95.00")]),
    ]
    doc = extract_document(pdf_of(placed, size=5.0, char=2.5), role="invoice", einvoice=False)
    assert amounts(doc) == [Decimal("60.00"), Decimal("30.00"), Decimal("5.00")]
