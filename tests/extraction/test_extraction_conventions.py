"""Conventions of invoices from vendors no one here has seen (issue 11), one rule per test:

* money under a label is its cell's value: a street number under "Attn: Accounts Payable" or a
  post code is none;
* a ship-to block (an event venue, a warehouse) is the buyer's side: a firm named there is never
  the vendor; party headings side by side keep each column to their party, also when a word
  qualifies them ("Supplier details | Customer details");
* a window recipient's block is an address block whatever its post code looks like ("London E14
  5AB", "Toronto ON M5J 0B8", an Eircode);
* yen and won are printed in whole units: there a bare integer on a tax line is money, while the
  pieces of a phone number, post code or registration number never are;
* a party block's name row needs no colon after its label ("상호  주식회사 콘토소");
* a currency word inside an e-mail or web address ("co.kr") is no currency, and a Korean,
  Japanese or Taiwanese issuer printing no currency bills in its country's;
* an invoice printing several tax rates has no one rate; a percentage outside a rate column
  (an early-payment discount in the terms) is no tax rate.

Each document is written as text and placed on an A4 page word by word where the text puts it,
so each test shows the layout it is about.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from coop_rules.documents import Document, Page, Word
from coop_rules.extraction import ExtractedDocument, extract_document
from coop_rules.extraction.confidence import not_an_organisation
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


KO_SIDE_BY_SIDE = """                             거 래 명 세 서
작성일자: 2024-04-30                          번호: TS-2404-07

공급자                                        공급받는자
상호  주식회사 한빛애드                        상호  주식회사 콘토소
등록번호  214-86-12345                         등록번호  105-87-54321
주소  서울특별시 마포구 양화로 45              주소  서울특별시 강남구 테헤란로 152

품목                          수량        단가          공급가액
검색광고 운영 대행              1     1,000,000      1,000,000

공급가액  1,000,000     세액  100,000     합계금액  1,100,000
"""


def test_a_name_row_without_a_colon_gives_the_party_its_name() -> None:
    """Side-by-side headings, each block opening with a name row whose label has no colon
    ("상호  주식회사 콘토소"): the name is what follows the label, not the row."""
    doc = extract_text(KO_SIDE_BY_SIDE)
    assert doc.value("vendor") == "주식회사 한빛애드"
    assert doc.value("vendor_tax_id") == "214-86-12345"
    assert doc.value("bill_to") == "주식회사 콘토소"


SIDE_BY_SIDE_BUYER_VAT = """                                                       RECHNUNG
                                              Rechnungsnummer   WS-24-0457
                                              Rechnungsdatum    09.04.2024

{left:<40}{right}
{a[0]:<40}{b[0]}
{a[1]:<40}{b[1]}
{a[2]:<40}{b[2]}
{a[3]:<40}{b[3]}

Bezeichnung                                          Betrag
Messewand 3 x 2,5 m                              1.850,00 €
                              Nettobetrag        1.850,00 €
                              USt. 19 %            351,50 €
                              Rechnungsbetrag    2.201,50 €
"""
SELLER = ("Werbetechnik Sommer", "Industriestraße 7", "04229 Leipzig", "")
BUYER = ("Contoso Marketing GmbH", "Friedrichstraße 123", "10117 Berlin", "USt-IdNr.: DE123456789")


@pytest.mark.parametrize("seller_left", [True, False])
def test_side_by_side_the_buyers_vat_id_is_never_the_vendors(seller_left: bool) -> None:
    """(A guard: the label search already keeps each column to its heading's party.)"""
    columns = [("Lieferant", SELLER), ("Rechnungsempfänger", BUYER)]
    (left, a), (right, b) = columns if seller_left else columns[::-1]
    doc = extract_text(SIDE_BY_SIDE_BUYER_VAT.format(left=left, right=right, a=a, b=b))
    assert doc.value("vendor") == "Werbetechnik Sommer"
    assert doc.value("bill_to") == "Contoso Marketing GmbH"
    assert doc.value("vendor_tax_id") is None


QUALIFIED_HEADINGS = """                                                          INVOICE
                                             Invoice No.     PX-2024-118
                                             Invoice Date    16/04/2024

{left:<40}{right}
Studio Lumen                            Contoso Marketing Ltd
22 Mercer Street                        40 Bank Street
Manchester M1 4AB                       London E14 5NR
                                        VAT No: GB 246 8135 79

Description                                          Amount
Stand graphics                                    £1,200.00
                              Subtotal            £1,200.00
                              VAT 20%               £240.00
                              Total               £1,440.00
"""


@pytest.mark.parametrize(
    ("left", "right"),
    [
        # headings naming the party with a word for its data (labels in the lexicon)
        ("Supplier details", "Customer details"),
        ("Seller information", "Billing information"),
        ("From", "Billing details"),
        # a row of party headings whatever word qualifies them
        ("Supplier particulars", "Customer particulars"),
        ("Lieferant (Auftragnehmer)", "Kunde (Auftraggeber)"),
    ],
)
def test_qualified_party_headings_side_by_side_keep_each_column_to_its_party(
    left: str, right: str
) -> None:
    """The buyer's firm and VAT ID in its column were read as the vendor's when the headings
    were not bare party words."""
    doc = extract_text(QUALIFIED_HEADINGS.format(left=left, right=right))
    assert doc.value("vendor") == "Studio Lumen"
    assert doc.value("bill_to") == "Contoso Marketing Ltd"
    assert doc.value("vendor_tax_id") is None


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


RATE_COLUMN_AND_TERMS = """RECHNUNG Nr. 471102
Rechnungsdatum: 05.03.2013

Art.Nr.     Artikelbeschreibung              Menge       Betrag    USt. %
TB100A4     Trennblätter A4                     20       198,00        19

Rechnungssumme Netto                                      198,00
Steuerbasisbetrag USt. 19%                      198,00     37,62
Rechnungssumme Brutto                                     235,62
Zahlbar innerhalb 30 Tagen netto bis 04.04.2013, 3% Skonto
"""


def test_a_percentage_outside_the_rate_column_is_no_tax_rate() -> None:
    """Under a rate heading ("USt. %") only the column's numbers are rates: the early-payment
    discount in the terms below ("3% Skonto") is none, so the one rate stays the invoice's."""
    doc = extract_text(RATE_COLUMN_AND_TERMS)
    assert {r.value for r in doc.breakdown.rates} == {Decimal(19)}
    assert doc.value("tax_rate") == Decimal(19)


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


def test_a_taiwanese_invoice_without_a_currency_sign_is_in_new_taiwan_dollars() -> None:
    body = (
        "統一發票\n發票號碼: PX-35810264      開立日期: 113/03/28\n"
        "賣方: 光華數位行銷股份有限公司    統一編號: 24536806\n"
        "地址: 台北市中山區南京東路二段100號\n"
        "銷售額合計     80,000\n營業稅          4,000\n總計           84,000\n"
    )
    doc = extract_text(body)
    assert doc.value("currency") == "TWD"
    assert doc.value("total") == Decimal(84_000)


def test_a_canadian_gst_hst_registration_number_is_the_vendors_tax_id() -> None:
    body = _window_letter("Contoso Canada Inc.\n88 Queens Quay West\nToronto ON M5J 0B8").replace(
        "VAT Reg. No. GB 318 4429 07", "GST/HST Registration No. 789456123 RT0001"
    )
    doc = extract_text(body)
    assert doc.value("vendor_tax_id") == "789456123 RT0001"


# --- legal forms of countries without a language file -----------------------------------------


@pytest.mark.parametrize(
    "seller",
    ["Nordlys Reklame ApS", "Kampanja Oy", "Agencja Nowa Sp. z o.o.", "Hirdetés Kft."],
)
def test_a_seller_named_only_in_the_footer_with_a_foreign_legal_form_is_the_vendor(
    seller: str,
) -> None:
    """The window holds the buyer ("Contoso Partner Ltd", a form every file knows); the seller
    prints its name, with its own country's legal form, only in the footer. Without that form
    the buyer was the vendor (a third-party invoice that looks issued by the partner)."""
    body = f"""
                                                   INVOICE
Contoso Partner Ltd
Hauptstraße 5
10115 Berlin

Invoice no: 2024-117
Invoice date: 2024-03-05

Description                               Amount
Campaign banners                       1,000.00
Total EUR                              1,000.00




{seller} · Storgatan 12 · 111 22 Stockholm · VAT SE556677889901
"""
    vendor = extract_text(body).fields["vendor"]
    assert vendor.value == seller


# --- where the payment goes names the seller ---------------------------------------------------


def test_a_remit_to_block_beside_the_bill_to_is_the_sellers() -> None:
    """US invoices print "Bill To" and "Remit To" side by side: the remit-to party is paid, so it
    is the seller; before, its "To" read as a bill-to label and the seller became the buyer."""
    document = extract_text("""
                                                   INVOICE
Invoice #: 10442                       Invoice Date: Mar 5, 2024

Bill To:                               Remit To:
Contoso Partner Inc.                   Northwind Media LLC
200 Main St                            PO Box 8812
Austin TX 78701                        Chicago IL 60680

Description                               Amount
Campaign banners                       1,000.00
Total USD                              1,000.00
""")
    assert document.fields["vendor"].value == "Northwind Media LLC"
    assert document.fields["bill_to"].value == "Contoso Partner Inc."


def test_a_name_under_a_remittance_line_ends_at_its_legal_form() -> None:
    """ "Please remit payment to:" over "Northwind Media LLC, PO Box 8812, Chicago IL 60680": the
    comma after the legal form starts the address, the name is the firm's; the buyer in the
    window is not the vendor."""
    document = extract_text("""
                                                   INVOICE



Contoso Partner Inc.
200 Main St
Austin TX 78701

Invoice #: 10442
Invoice Date: Mar 5, 2024
Description                               Amount
Campaign banners                       1,000.00
Total USD                              1,000.00

Please remit payment to:
Northwind Media LLC, PO Box 8812, Chicago IL 60680
""")
    assert document.fields["vendor"].value == "Northwind Media LLC"


@pytest.mark.parametrize("label", ["Payment to:", "Cheques payable to:", "Pay to:"])
def test_the_party_payment_goes_to_is_the_seller_not_an_addressee(label: str) -> None:
    """ "Payment to: Pixel & Co Photography Ltd, Sort code …" names the seller (it is paid); its
    "to" is no addressee label, which made the seller the buyer and left no vendor at all."""
    document = extract_text(f"""INVOICE

To: Contoso UK Ltd
    10 Fleet Street
    London EC4Y 1AA

Invoice number: INV-0099
Date: 5th March 2024

Services                                     £
Event photography                       1,200.00
VAT @ 20%                                 240.00
TOTAL                                   1,440.00

{label} Pixel & Co Photography Ltd, Sort code 12-34-56, Account 12345678
Pixel & Co Photography Ltd · 4 Mill Lane · Leeds LS1 4AP · Company No. 09876543
""")
    assert document.fields["vendor"].value == "Pixel & Co Photography Ltd"


# --- German letters: the sender line, a credit note's reference, premium invoices -------------


def test_a_sender_line_with_a_post_code_names_the_seller_over_the_window() -> None:
    """DIN 5008: "Allgemeine Versicherungs-AG · Postfach 10 10 10 · 80001 München" over the window
    is the sender. The whole line was refused as "a number, not a name" (its post code), so the
    buyer in the window, whose legal form is known, became the vendor. The premium to pay now
    is the total, not the quarterly instalment under it."""
    document = extract_text("""Allgemeine Versicherungs-AG · Postfach 10 10 10 · 80001 München



Contoso Partner GmbH
Hauptstraße 5
10115 Berlin

Beitragsrechnung                                    Datum: 02.01.2024
Versicherungsschein-Nr. 55-123456

Versicherungszeitraum 01.01.2024 - 31.12.2024
Jahresbeitrag                                       1.200,00 EUR
Versicherungsteuer 19 %                               228,00 EUR
zu zahlender Beitrag                                1.428,00 EUR
Zahlweise vierteljährlich: je Quartal                 357,00 EUR
""")
    assert document.fields["vendor"].value == "Allgemeine Versicherungs-AG"
    assert str(document.fields["total"].value) == "1428.00"


def test_a_credit_note_is_dated_by_its_letter_not_by_the_invoice_it_corrects() -> None:
    """ "zur Rechnung RE-2024-0417 vom 15.04.2024" refers to another document (a lower-case word
    before the kind word): its "vom" date is not the credit note's, which stands on the title
    line after the place. The amount credited is the total."""
    document = extract_text("""Kreativwerk Hamburg GmbH · Elbchaussee 12 · 22763 Hamburg



Contoso Partner GmbH
Hauptstraße 5
10115 Berlin

Gutschrift Nr. GS-2024-003                                    Hamburg, 12.04.2024
zur Rechnung RE-2024-0417 vom 15.04.2024

Pos  Bezeichnung                              Betrag
1    Rabatt Messestand                      -500,00 €
     Nettobetrag                            -500,00 €
     USt 19 %                                -95,00 €
     Gutschriftsbetrag                      -595,00 €

Kreativwerk Hamburg GmbH · USt-IdNr. DE298765431 · Amtsgericht Hamburg HRB 12345
""")
    assert str(document.fields["issue_date"].value) == "2024-04-12"
    assert document.fields["invoice_number"].value == "GS-2024-003"
    assert str(document.fields["total"].value) == "-595.00"


@pytest.mark.parametrize(
    ("text", "firm"),
    [
        ("Kastanienallee 9", False),
        ("Hauptstraße 5", False),
        ("Keizersgracht 12", False),
        ("Allgemeine Versicherungs-AG", True),
        ("1&1 Internet SE", True),
    ],
)
def test_a_compound_street_name_with_its_number_is_no_firm(text: str, firm: bool) -> None:
    """German and Dutch street names end in their street word ("…allee", "…straße", "…gracht"):
    with a number after it the line is an address, so a sender line that opens with the
    street gives no vendor."""
    assert (not_an_organisation(text) is None) is firm


def test_a_marketplace_invoice_names_its_seller_after_sold_by() -> None:
    """A marketplace prints its brand at the top and the seller after "Verkauft von" (sold by),
    in the letterhead and again in the details column: the label is no part of the name."""
    document = extract_text("""amazon.de
                                                      Rechnung
                                                      Zahlung erhalten
Verkauft von Tech Handel GmbH                          Rechnungsdatum / Lieferdatum   05.03.2024
Musterweg 3, 12345 Musterstadt                         Rechnungsnummer               DE4A1B2C3D
USt-IdNr. DE987654321                                  Zahlungsreferenznummer        2Abc123
                                                       Verkauft von             Tech Handel GmbH
Rechnungsadresse                Lieferadresse          USt-IdNr.                     DE987654321
Contoso Partner GmbH            Contoso Partner GmbH
Hauptstraße 5                   Lager 2
10115 Berlin                    10115 Berlin

Bestellinformationen
Bestelldatum 03.03.2024
Bestellnummer 302-1234567-1234567

Beschreibung               Menge   Preis (ohne USt.)   USt. %   Preis (inkl. USt.)   Summe
Roll-up Display 85x200      2       84,03 €            19%      100,00 €             200,00 €
                                                           Rechnungsbetrag      200,00 €
USt. %     Zwischensumme (ohne USt.)     USt.
19%        168,07 €                      31,93 €
Gesamt     168,07 €                      31,93 €
""")
    assert document.fields["vendor"].value == "Tech Handel GmbH"


# --- a balance after payments is no total; Indian GST labels -----------------------------------


SUMMIT_EVENTS = """\
Summit Events LLC
400 Pine St, Seattle, WA 98101

INVOICE
Invoice Date      Invoice #      Due Date       Terms
03/05/2024        SE-2291        04/04/2024     Net 30

Bill To
Contoso Partner Inc.

Description                                   Amount
Booth rental                                2,500.00
"""


@pytest.mark.parametrize("paid", ["Payments/Credits", "Payment received", "Less deposit paid"])
def test_the_balance_left_after_a_payment_is_not_the_invoices_total(paid: str) -> None:
    """ "Total 2,250.00 / Payments -1,000.00 / Balance Due 1,250.00": the total plus the lines
    under it gives the balance, but what is left to pay is no total (the running sum of a
    receipt's charges, taxes and rounding applies to totals, not to amounts due)."""
    document = extract_text(
        SUMMIT_EVENTS
        + f"""Discount                                     -250.00
Total                                       2,250.00
{paid:<20}                        -1,000.00
Balance Due                                $1,250.00
"""
    )
    assert str(document.fields["total"].value) == "2250.00"


@pytest.mark.parametrize(
    ("subtotal", "paid", "due", "expected"),
    [
        ("Subtotal", "Payments/Credits", "Balance Due", None),
        ("Sub Total", "Less deposit paid", "Amount Due", None),
        ("Zwischensumme", "Anzahlung", "Restbetrag", None),
        ("Subtotal", "Discount", "Amount Due", "2250.00"),  # a discount: the amount due is all
    ],
)
def test_an_amount_due_under_a_payment_already_made_is_no_total(
    subtotal: str, paid: str, due: str, expected: str | None
) -> None:
    """With no total label at all, the amount due is the invoice's total, unless a payment
    already made (a deposit, a prepayment, payments received) stands right above it: what is
    left to pay is then less than the invoice's total, which is not printed: no total."""
    document = extract_text(
        SUMMIT_EVENTS
        + f"""{subtotal:<20}                        2,500.00
{paid:<20}                          -250.00
{due:<20}                        $2,250.00
"""
    )
    total = document.fields.get("total")
    assert (str(total.value) if total else None) == expected
    assert str(document.fields["amount_due"].value) == "2250.00"


def test_an_indian_gst_invoice_total_after_tax() -> None:
    """ "Taxable Value" is the net amount the CGST and SGST rates apply to; "Total Amount After
    Tax" the invoice's total."""
    document = extract_text("""TAX INVOICE
Sharma Creative Pvt. Ltd.
12 MG Road, Bengaluru 560001, Karnataka
GSTIN: 29ABCDE1234F1Z5

Invoice No: SCP/2023-24/118                      Date: 05-03-2024
Buyer: Contoso Partner India Pvt Ltd, Mumbai

Description          HSN     Qty    Rate       Amount
Event standees       4911    10     1,500.00   15,000.00
                               Taxable Value   15,000.00
                               CGST @ 9%        1,350.00
                               SGST @ 9%        1,350.00
                               Total Amount After Tax  ₹ 17,700.00
""")
    assert str(document.fields["total"].value) == "17700.00"
    assert str(document.fields["subtotal"].value) == "15000.00"
    assert document.fields["currency"].value == "INR"


def test_a_seller_in_the_right_column_with_its_tax_number_under_it_is_the_vendor() -> None:
    """Xero's layout: the buyer's block at the left, the invoice's data in the middle, the seller
    with its address and GST number in the right column. The GST number signs the name in its
    own column; the buyer's name at the left, two lines above it, is not "beside" it."""
    document = extract_text("""\
TAX INVOICE                         Invoice Date          Bright Media Limited
                                    5 Mar 2024            Level 2, 10 Queen St
Contoso Partner Ltd                                       Auckland 1010
PO Box 123                          Invoice Number        NEW ZEALAND
Wellington 6011                     INV-0042              GST Number 123-456-789

Description                     Quantity     Unit Price     GST      Amount NZD
Social media ads                    1.00       2,000.00     15%        2,000.00
                                                         Subtotal      2,000.00
                                                     TOTAL GST 15%       300.00
                                                        TOTAL NZD      2,300.00
""")
    assert document.fields["vendor"].value == "Bright Media Limited"
