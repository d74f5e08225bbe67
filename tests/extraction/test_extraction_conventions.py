"""Conventions of invoices from vendors no one here has seen (issue 11), one rule per test:

* money under a label is its cell's value: a street number under "Attn: Accounts Payable" or a
  post code is none;
* a ship-to block (an event venue, a warehouse) is the buyer's side: a firm named there is never
  the vendor;
* a window recipient's block is an address block whatever its post code looks like ("London E14
  5AB", "Toronto ON M5J 0B8", an Eircode);
* yen and won are printed in whole units: there a bare integer on a tax line is money, while the
  pieces of a phone number, post code or registration number never are;
* a currency word inside an e-mail or web address ("co.kr") is no currency;
* an invoice printing several tax rates has no one rate.

Each document is written as text and placed on an A4 page word by word where the text puts it,
so each test shows the layout it is about.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from coop_rules.documents import Document, Page, Word
from coop_rules.extraction import ExtractedDocument, extract_document
from coop_rules.extraction.fields import Context
from coop_rules.extraction.parsing import find_amounts, find_currencies
from coop_rules.extraction.values import own_cell

LINE, CHAR, SIZE = 13.0, 4.8, 9.0  # points: a line's pitch, a character's width, type size


def page_of(body: str) -> Document:
    """An A4 PDF page whose words stand where the text puts them (one character = 4.8 pt,
    one line = 13 pt), so page geometry (top of the page, envelope window) is as printed."""
    words = []
    for row, text in enumerate(body.splitlines()):
        top = 40.0 + LINE * row
        for m in re.finditer(r"\S+", text):
            x0 = 40.0 + CHAR * m.start()
            words.append(Word(m.group(), x0, top, x0 + CHAR * len(m.group()), top + SIZE))
    page = Page(1, 595, 842, tuple(words), body)
    return Document("invoice.pdf", "application/pdf", pages=(page,))


def extract_text(body: str) -> ExtractedDocument:
    return extract_document(page_of(body), role="invoice", einvoice=False)


def context(body: str) -> Context:
    return Context(page_of(body), "invoice")


# --- money under a label stands in a cell of its own ------------------------------------------


@pytest.mark.parametrize(
    ("cell", "own"),
    [
        ("€1,234.00", True),
        ("1.234,00 EUR", True),
        ("12.800円", True),
        ("128,000", True),
        ("Friedrichstraße 123", False),  # a street under a label
        ("10117 Berlin", False),  # a post code and its town
        ("3 Stück", False),  # a quantity
        ("1.234,00 (netto)", True),  # money may carry a remark after it
    ],
)
def test_money_under_a_label_is_its_cells_value(cell: str, own: bool) -> None:
    text = f"Beschreibung\t{cell}"
    amount = find_amounts(text)[-1]
    assert own_cell(text, amount) is own


ATTENTION_LINE = """Emerald Reach Media Ltd                                  INVOICE
4 Grand Canal Square                                     Invoice No:    ERM-1
Dublin 2                                                 Invoice Date:  20 March 2024

Bill To
Contoso Marketing GmbH
Attn: Accounts Payable
Friedrichstraße 123
10117 Berlin

Description                                   Amount
Campaign setup                              €320.00

                                  Subtotal  €320.00
                                  VAT 23%    €73.60
                                  Total     €393.60
"""


def test_an_attention_line_naming_accounts_payable_gives_no_amount_due() -> None:
    """ "Payable" in a department's name labels nothing; the street number under it was read
    as the amount due (123.00)."""
    doc = extract_text(ATTENTION_LINE)
    assert "amount_due" not in doc.fields and "amount_due" not in doc.abstained
    assert doc.value("total") == Decimal("393.60")


# --- a ship-to block is the buyer's side --------------------------------------------------------

SHIP_TO_VENUE = """NORTHWIND GRAPHICS                                          INVOICE
Unit 9, Riverside Works, Leeds LS10 1AB                Invoice No.    NW-24-2207
                                                       Invoice Date   22/04/2024

Bill To                              Ship To
Contoso Marketing Ltd                ExCeL London Ltd
40 Bank Street                       Hall S7, Stand 42
London E14 5NR                       1 Western Gateway
                                     London E16 1XL

Description                                          Amount
Exhibition stand graphics, printed and fitted     £1,850.00

                                       Subtotal   £1,850.00
                                       VAT 20%      £370.00
                                       Total      £2,220.00




Northwind Graphics Ltd · Registered in England and Wales No. 08765432
VAT Reg. No. GB 765 4321 09
"""


def test_a_firm_in_the_ship_to_block_is_not_the_vendor() -> None:
    doc = extract_text(SHIP_TO_VENUE)
    assert doc.value("vendor") == "Northwind Graphics Ltd"
    assert doc.value("bill_to") == "Contoso Marketing Ltd"


def test_a_delivery_charge_is_no_ship_to_heading() -> None:
    """ "Livraison" heads a delivery address only alone over its block, not on an item row
    with its price: the seller's footer under such a row stays the vendor's."""
    body = (
        "FACTURE N° 12\nDate de facture : 05/06/2024\n\n"
        "Désignation                 Montant HT\n"
        "Livraison                      15,00 €\n"
        "Total TTC                      18,00 €\n\n"
        "Atelier Lumière SARL\n"
        "RCS Lyon 812 345 678 · TVA FR 40 812345678\n"
    )
    doc = extract_text(body)
    assert doc.value("vendor") == "Atelier Lumière SARL"


# --- window recipients whose post code is no run of digits ------------------------------------


def _window_letter(recipient: str) -> str:
    return f"""BRIGHTSIDE EVENTS                                              INVOICE
Studio 4, 18 Leonard Street                         Invoice No.     BSE-2404
                                                    Invoice Date    4 April 2024

{recipient}

Description                                          Amount
Partner event: venue and staffing                 4,200.00

                                      Total       4,200.00




Brightside Events Ltd · Registered in England and Wales No. 10456321
VAT Reg. No. GB 318 4429 07
"""


@pytest.mark.parametrize(
    "recipient",
    [
        "Contoso Marketing Ltd\nAttn: Marketing Department\nLevel 3, One Canada Square\n"
        "London E14 5AB",
        "Contoso Marketing Ltd\nLevel 3, One Canada Square\nLONDON\nEC2A 4RH",
        "Contoso Canada Inc.\n88 Queens Quay West\nToronto ON M5J 0B8\nGST No: 812345678",
        "Contoso Ireland Limited\n2 Grand Canal Plaza\nDublin 4\nD04 KX33",
    ],
)
def test_a_window_recipient_with_a_lettered_post_code_is_the_buyer(recipient: str) -> None:
    doc = extract_text(_window_letter(recipient))
    assert doc.value("vendor") == "Brightside Events Ltd"
    assert doc.value("bill_to") == recipient.split("\n")[0]


# --- whole units: yen and won -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "whole"),
    [
        ("請求書\n合計  ¥12,800", True),
        ("청구서\n합계금액  1,408,000원", True),
        # No currency printed: a Korean business registration number places the issuer.
        ("청구서\n사업자등록번호  214-86-12345\n합계금액  1,408,000", True),
        ("INVOICE\nTotal  €1,280.00", False),
        ("INVOICE\nTotal  1,280", False),  # nothing says the currency has no minor unit
        ("請求書\n合計  ¥12,800\nUSD 85.00", False),  # yen and dollars: not all whole
    ],
)
def test_whole_units_where_the_currency_has_no_minor_unit(body: str, whole: bool) -> None:
    ctx = context(body)
    assert ctx.whole_units is whole
    bare = find_amounts("1,280")[0]
    assert ctx.money(bare) is whole


JA_SUMMARY = """請求書
株式会社コントソ 御中                             請求日      2024年4月25日
                                                 請求書番号  SA-2404-117
                                                 株式会社さくら広告
                                                 登録番号 T1234567890123
                                                 TEL 06-1234-5678

品名                                    数量       単価        金額
Web広告運用代行                            1    100,000     100,000
展示会ケータリング ※                      40        700      28,000

                                        小計               128,000
                                        消費税              12,240
                                        合計              ¥140,240

税率別内訳
10%対象        100,000      消費税     10,000
8%対象          28,000      消費税      2,240
"""


def test_a_yen_tax_summary_gives_a_tax_line_per_rate() -> None:
    doc = extract_text(JA_SUMMARY)
    read = [
        (line.rate.value, line.base.value if line.base else None, line.tax.value)
        for line in doc.breakdown.tax_lines
    ]
    assert read == [
        (Decimal(10), Decimal(100_000), Decimal(10_000)),
        (Decimal(8), Decimal(28_000), Decimal(2_240)),
    ]


def test_several_rates_leave_no_one_tax_rate() -> None:
    doc = extract_text(JA_SUMMARY.replace("税率別内訳", "税率別内訳 ※は軽減税率(8%)対象"))
    assert "tax_rate" not in doc.fields
    assert doc.abstained["tax_rate"].candidates[0].value == Decimal(8)


@pytest.mark.parametrize(
    "text",
    [
        "TEL 06-1234-5678",  # a phone number
        "〒530-0001 大阪府",  # a post code
        "사업자등록번호 214-86-12345",  # a registration number
        "50-249 employees",  # a range
    ],
)
def test_the_pieces_of_a_code_are_no_amounts(text: str) -> None:
    assert find_amounts(text) == []


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("Gutschrift 12,00-", ["-12.00"]),
        ("1.234,00-1.000,00", ["1234.00", "-1000.00"]),
        ("Total 5 -3", ["5", "-3"]),
    ],
)
def test_minus_signs_stay_minus_signs(text: str, values: list[str]) -> None:
    assert [str(a.value) for a in find_amounts(text, decimal_comma=True)] == values


# --- currencies and countries -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["tax@hanbit-ad.co.kr", "https://www.kr.example.com/RM"])
def test_a_currency_word_in_an_address_is_no_currency(text: str) -> None:
    assert find_currencies(text) == []


def test_a_korean_invoice_without_a_currency_sign_is_in_won() -> None:
    body = (
        "청 구 서\n주식회사 콘토소 귀하\n청구일자: 2024-04-30\n청구번호: HB-2404-022\n"
        "상호  주식회사 한빛애드\n사업자등록번호  214-86-12345\n이메일  tax@hanbit-ad.co.kr\n\n"
        "공급가액  1,280,000    세액  128,000    합계금액  1,408,000\n"
    )
    doc = extract_text(body)
    assert doc.value("currency") == "KRW"
    assert doc.value("invoice_number") == "HB-2404-022"
    assert doc.value("total") == Decimal(1_408_000)


def test_a_canadian_gst_hst_registration_number_is_the_vendors_tax_id() -> None:
    body = _window_letter("Contoso Canada Inc.\n88 Queens Quay West\nToronto ON M5J 0B8").replace(
        "VAT Reg. No. GB 318 4429 07", "GST/HST Registration No. 789456123 RT0001"
    )
    doc = extract_text(body)
    assert doc.value("vendor_tax_id") == "789456123 RT0001"
