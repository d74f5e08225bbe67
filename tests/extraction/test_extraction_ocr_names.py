"""A receipt's name as OCR reads it: legal forms garbled by letter shapes, a registration
number whose hyphen became a dot, a title between stars, a title in wide letter spacing; and its
total label and its amounts' zeros garbled the same way.

The pages are made here as OCR gives them (words with boxes and confidences), no engine needed.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from coop_rules.documents.model import Document, Page, Word
from coop_rules.extraction import extract_document
from coop_rules.extraction.layout import build_layout
from coop_rules.extraction.ocr_words import read_legal_forms


def ocr_page(*lines: str, confidence: float | None = 0.93, space: float = 6) -> Document:
    """A page of OCR words, one line per string (``None`` confidence: a text layer)."""
    words = []
    for row, text in enumerate(lines):
        x = 10.0
        for token in text.split():
            words.append(Word(token, x, 14.0 * row, x + 6 * len(token), 14.0 * row + 9, 0.93))
            x += 6 * len(token) + space
    page = Page(1, 320, 14 * len(lines), tuple(words), "\n".join(lines), ocr_confidence=confidence)
    return Document(path="r.jpg", media_type="image/jpeg", pages=(page,))


def legal(line: str, confidence: float | None = 0.93) -> str:
    return read_legal_forms(ocr_page(line, confidence=confidence)).pages[0].text


def test_a_legal_form_garbled_by_letter_shapes_is_read_as_printed() -> None:
    assert legal("SUPER SEVEN CASH & CARRY SDN 3HD") == "SUPER SEVEN CASH & CARRY SDN BHD"
    assert legal("MR D.I.Y. (M) SON BHD (860671-D)") == "MR D.I.Y. (M) SDN BHD (860671-D)"
    assert legal("KING'S CONFECTIONERY $/B 273500-U") == "KING'S CONFECTIONERY S/B 273500-U"
    assert legal("Nando's Chickenland Sdn Bh0") == "Nando's Chickenland Sdn Bhd"
    assert legal("ACME C0RP.") == "ACME CORP."


def test_words_a_letter_from_a_legal_form_are_left_alone() -> None:
    for line in (
        "URBAN IDEA SDN BHD",  # read right
        "MR ITO",  # a name one letter from LTD
        "ANNA IDA",  # ... and one from LDA
        "FATHER & SON",  # SON alone is no legal form
        "3HD",  # no name before it
    ):
        assert legal(line) == line, line
    # A text layer is what was printed.
    assert legal("SUPER SEVEN SDN 3HD", confidence=None) == "SUPER SEVEN SDN 3HD"
    page = read_legal_forms(ocr_page("CASH & CARRY SDN 3HD")).pages[0]
    assert [w.text for w in page.words][-1] == "BHD"  # the words say what the text says


def test_a_total_label_garbled_by_letter_shapes_is_read_as_printed() -> None:
    assert legal("iotal Sales (Incl. GST 6%) RM367.10") == "Total Sales (Incl. GST 6%) RM367.10"
    assert legal("fotal: 12.50") == "Total: 12.50"
    assert legal("T0TAL 12.50") == "TOTAL 12.50"
    assert legal("Tota1 12.50") == "Total 12.50"
    assert legal("otal Sales 12.50") == "Total Sales 12.50"  # its T lost at the paper's edge
    assert legal("Tota RM 30.91") == "Total RM 30.91"  # its L lost


def test_an_amounts_zero_read_as_the_letter_o_is_read_as_printed() -> None:
    assert legal("Change : RMO.25") == "Change : RM0.25"
    assert legal("Discount: O.00 1O.50") == "Discount: 0.00 10.50"
    # Words that are no amount keep their O: a number's label, a name, a code.
    for line in ("NO.10 PO.12", "SOLO CO.25", "MO.12", "ROOM 1O"):
        assert legal(line) == line, line
    assert legal("Change RMO.25", confidence=None) == "Change RMO.25"  # a text layer as printed


def test_a_payment_whose_amount_ocr_could_not_read_takes_none_from_the_lines_under_it() -> None:
    # "CHANGE RM ‚on": the amount stands right of the label, unread. The tax summary's base
    # under it is no change given (it made 213.00 - 200.94 = 12.06, the tax, the total).
    rows = [
        [(30, "99"), (50, "SPEED"), (90, "MART"), (126, "S/B")],
        [(30, "CARLSBERG"), (100, "CAN"), (130, "4X6"), (270, "RM"), (290, "213.00")],
        [(30, "Total"), (66, "Sales"), (104, "incl."), (140, "GST"), (270, "RM"), (290, "213.00")],
        [(210, "CASH"), (270, "RM"), (290, "213,00")],
        [(210, "CHANGE"), (270, "RM"), (330, "‚on")],
        [(30, "6ST"), (60, "Summary"), (120, "Amount"), (170, "(RM)"), (300, "Tax"), (330, "(RM)")],
        [(30, "5"), (45, "="), (60, "Of"), (202, "200,94"), (320, "12,06")],
    ]
    words = [
        Word(text, x, 24.0 * row, x + 6 * len(text), 24.0 * row + 15, 0.93)
        for row, line in enumerate(rows)
        for x, text in line
    ]
    text = "\n".join(" ".join(t for _, t in line) for line in rows)
    page = Page(1, 380, 24 * len(rows), tuple(words), text, ocr_confidence=0.93)
    doc = Document(path="r.jpg", media_type="image/jpeg", pages=(page,))
    assert extract_document(doc, einvoice=False).value("total") == Decimal("213.00")


def unsure_total(document: Document) -> list[object]:
    """The readings of ``document``'s total, best first, asserting that none was used."""
    found = extract_document(document, einvoice=False)
    assert found.value("total") is None
    return [c.value for c in found.abstained["total"].candidates]


def test_a_total_over_a_rounding_ocr_could_not_read_is_unsure() -> None:
    # The adjustment may be anything: the amount paid may not be the total above it.
    lines = ["99 SPEED MART S/B", "MARIGOLD HL MILK 1L RM13.58", "Total Sales RM 13.58"]
    doc = ocr_page(*lines, "Rounding Adjustment RM U2", "Kounding RM 13.6", "CASH RM 14.00")
    assert unsure_total(doc)[0] == Decimal("13.58")
    read = ocr_page(*lines, "Rounding Adjustment RM 0.00", "Kounding RM 13.6", "CASH RM 14.00")
    assert extract_document(read, einvoice=False).value("total") == Decimal("13.58")


def test_a_rounded_total_under_an_unread_adjustment_is_the_total() -> None:
    # "Rounding RM 45.35" under "Total 45.34", the adjustment unread: 45.34 to the nearest
    # 0.05 is 45.35, the total after rounding; the two readings check each other.
    lines = ["99 SPEED MART S/B", "CAN DRINK 3 X RM 15.11 RM 45.34", "Total Sales RM 45.34"]
    doc = ocr_page(*lines, "Rounding Adjustment RM AU!", "Rounding RM 45.35 #", "THANK YOU")
    found = extract_document(doc, einvoice=False)
    assert found.value("total") == Decimal("45.35")
    assert found.decided_by["total"] == "total + rounding"
    # An amount a coin's fraction away that is not the total rounded is the likelier total,
    # but nothing backs it: it is not used, and a reviewer sees it first.
    doc = ocr_page(*lines, "Rounding Adjustment RM AU!", "Rounding RM 45.30 #", "THANK YOU")
    assert unsure_total(doc)[:2] == [Decimal("45.30"), Decimal("45.34")]


def test_words_near_total_are_left_alone() -> None:
    for line in (
        "TOTAL 12.50",  # read right
        "iota1 12.50",  # two letters off
        "Tidal Wave 2 12.50",  # another word
        "Net otal 12.50",  # a lost first letter only counts at a line's start
        "fotal",  # no number after it
    ):
        assert legal(line) == line, line
    assert legal("iotal 12.50", confidence=None) == "iotal 12.50"  # a text layer


def test_a_rounded_total_under_its_own_label_is_backed_by_the_rounding_above() -> None:
    # "TOTAL ROUNDED" wins by its label, and the total above plus the rounding gives the same
    # amount on the same line: the sum backs it, so OCR's reading needs no second print.
    lines = ["MR DIY SDN BHD", "INVOICE", "ITEM A 1X 4.50 4.50", "Tota RM 30.91"]
    doc = ocr_page(*lines, "ROUNDING ADJUSTMENT RM 0.01", "TOTAL ROUNDED RM 30.90")
    found = extract_document(doc, einvoice=False)
    assert found.value("total") == Decimal("30.90")
    assert found.decided_by["total"] == "total + rounding"


RECEIPT = [
    "(001451637.M)",
    "NO. 53, JALAN BESAR, 45600 BATANG BERJUNTAI",
    "TEL: 03-3271 9872",
    "CASH RECEIPT",
    "Date: 18/01/2018",
    "PENCIL 2B 1 3.50",
    "RULER 30CM 1 2.00",
    "TOTAL 5.50",
    "CASH 10.00",
    "CHANGE 4.50",
]


def vendor(document: Document) -> object:
    result = extract_document(document, einvoice=False)
    found = result.fields.get("vendor")
    return None if found is None else found.value


def test_a_registration_number_whose_hyphen_ocr_read_as_a_dot_still_heads_the_address() -> None:
    # The shop's name stands right above its address block, the number being part of it.
    assert (
        vendor(ocr_page("TEO HENG STATIONERY & BOOKS", *RECEIPT)) == "TEO HENG STATIONERY & BOOKS"
    )


def test_stars_around_a_receipts_title_are_decoration() -> None:
    assert (
        vendor(ocr_page("* THAI DELICIOUS RESTAURANT *", *RECEIPT)) == "THAI DELICIOUS RESTAURANT"
    )


def test_a_title_in_wide_letter_spacing_is_one_phrase_on_a_scan() -> None:
    # Gaps of 1.4 box heights: on a scan (boxes hug the capitals' ink) word spaces of a title
    # printed wide; in a text layer (boxes are the font's height) a column gap.
    scan = build_layout(ocr_page("FY EAGLE ENTERPRISE", space=12.6))
    text = build_layout(ocr_page("FY EAGLE ENTERPRISE", confidence=None, space=12.6))
    assert scan.lines[0].text == "FY EAGLE ENTERPRISE"
    assert "\t" in text.lines[0].text


def test_a_line_without_letters_between_the_name_and_the_address_keeps_them_together() -> None:
    # The registration number under the name, garbled by OCR into no number at all.
    head = ["FY EAGLE ENTERPRISE", "7:77 77", *RECEIPT[1:]]
    assert vendor(ocr_page(*head)) == "FY EAGLE ENTERPRISE"


def test_a_sole_proprietors_registration_number_with_its_state_letters_heads_the_address() -> None:
    # "JM" (Johor) before the digits; OCR read its closing bracket as a brace.
    for number in ("(JM0292487-D)", "(JM0292437-D}", "JM0325965-V"):
        head = ["YONG TAT HARDWARE TRADING", number, *RECEIPT[1:]]
        assert vendor(ocr_page(*head)) == "YONG TAT HARDWARE TRADING", number
        assert vendor(ocr_page(*head, confidence=None)) == "YONG TAT HARDWARE TRADING", number


def test_a_name_that_starts_inside_brackets_begins_on_the_line_that_opens_them() -> None:
    # "AIK HUAT HARDWARE / ENTERPRISE (SETIA / ALAM) SDN BHD": the legal form's line alone is
    # a name's tail; the line above, which opens its bracket, is where it begins.
    head = ["AIK HUAT HARDWARE", "ENTERPRISE (SETIA", "ALAM) SDN BHD", *RECEIPT]
    for confidence in (0.93, None):
        assert vendor(ocr_page(*head, confidence=confidence)) == "ENTERPRISE (SETIA ALAM) SDN BHD"
    # OCR read the opening bracket as a brace: still the bracket the tail closes.
    braced = ["AIK HUAT HARDWARE", "ENTERPRISE {SETIA", "ALAM) SDN BHD", *RECEIPT]
    assert vendor(ocr_page(*braced)) == "ENTERPRISE {SETIA ALAM) SDN BHD"
    # No line above opens it (OCR lost that line): no name, rather than its tail.
    assert vendor(ocr_page("ALAM) SDN BHD", *RECEIPT)) is None
    assert vendor(ocr_page("ALAM) SUN BHO", *RECEIPT)) is None  # ...as a shop's name too
    # A bracket closed further on whose opening OCR misread leaves the name whole.
    head = ["GARDENIA BAKERIES KL) SDN BHD", *RECEIPT]
    assert vendor(ocr_page(*head)) == "GARDENIA BAKERIES KL) SDN BHD"


def test_a_line_ending_in_a_comma_above_an_address_line_is_the_address_not_a_name() -> None:
    # The shop's name unreadable above; "Subang Perdana," goes on in the next line.
    head = ["BEMED", "Subang Perdana,", "40150 Shah Alam, Selangor", *RECEIPT[2:]]
    assert vendor(ocr_page(*head)) != "Subang Perdana"
    head = ["BEMED PHARMACY", "Subang Perdana,", "40150 Shah Alam, Selangor", *RECEIPT[2:]]
    assert vendor(ocr_page(*head)) == "BEMED PHARMACY"


def test_a_speck_read_before_an_address_line_does_not_hide_it() -> None:
    # "=  No.49, Jalan Dinar G U3/G,": a speck a column's gap before the address line.
    head = ["BEMED PHARMACY", "= No.49, Jalan Dinar G U3/G,", "Subang Perdana,", *RECEIPT[2:]]
    page = ocr_page(*head).pages[0]
    shift = {w: 40 for w in page.words if 14 <= w.top < 28 and w.text != "="}  # the address
    words = tuple(
        replace(w, x0=w.x0 + shift.get(w, 0), x1=w.x1 + shift.get(w, 0)) for w in page.words
    )
    document = Document(path="r.jpg", media_type="image/jpeg", pages=(replace(page, words=words),))
    assert "\t" in build_layout(document).lines[1].text
    assert vendor(document) == "BEMED PHARMACY"


def ocr_receipt(*rows: str, confidence: float = 0.96) -> Document:
    """A receipt read by OCR, one line per row: a label left, its amount (after "|") right."""
    words = []
    for row, text in enumerate(rows):
        label, _, amount = text.partition("|")
        x = 10.0
        for token in label.split():
            words.append(Word(token, x, 14.0 * row, x + 6 * len(token), 14.0 * row + 9, confidence))
            x += 6 * len(token) + 6
        if amount:
            x0 = 300.0 - 6 * len(amount)
            words.append(Word(amount, x0, 14.0 * row, 300.0, 14.0 * row + 9, confidence))
    lines = [row.replace("|", " ") for row in rows]
    page = Page(1, 320, 14 * len(rows), tuple(words), "\n".join(lines), ocr_confidence=0.9)
    return Document(path="r.jpg", media_type="image/jpeg", pages=(page,))


BANH_MI = [
    "BANH MI CAFE SDN BHD",
    "(1082331-U)",
    "NO. 5, JALAN MERDEKA 3, 43300 SERI KEMBANGAN",
    "TAX INVOICE",
    "Date: 29-10-2017 18:19",
    "1 SUONG NON RAM CHUA|9.90",
    "1 TAU HU GOM THIT|9.90",
    "1 TRA DA|1.50",
    "Total (Excluding 681):|21.30",  # OCR read GST as 681
    "Serv. Charge (3%):|0.65",
    "GST payable (6%):|1.31",
    "Total (Inclusive of GST):|23.26",
]


def test_a_number_in_brackets_with_words_after_a_label_is_no_amount() -> None:
    doc = extract_document(ocr_receipt(*BANH_MI, "THANK YOU"), einvoice=False)
    # 21.30 under "Total (Excluding 681)" plus the charge and the tax give 23.26.
    assert doc.value("total") == Decimal("23.26")
    assert doc.decided_by["total"] == "lines above add up"


def test_a_total_the_sums_back_rounded_to_a_cash_step_under_an_unread_rounding() -> None:
    # "Rounding Adj: -0.0]": the adjustment unread; 23.26 to the nearest 0.05 is 23.25.
    doc = extract_document(
        ocr_receipt(*BANH_MI, "Rounding Adj:|-0.0]", "TOTAL:|23.25"), einvoice=False
    )
    assert doc.value("total") == Decimal("23.25")
    assert doc.decided_by["total"] == "total + rounding"
    assert "the total above rounded to a cash step" in doc.fields["total"].evidence.note
    # An amount that is not the backed total rounded (a misread 23.20) is not backed by it.
    doc = extract_document(
        ocr_receipt(*BANH_MI, "Rounding Adj:|-0.0]", "TOTAL:|23.20"), einvoice=False
    )
    assert doc.value("total") != Decimal("23.20")
    # Without a rounding printed between them, two totals a cent apart are not explained.
    doc = extract_document(ocr_receipt(*BANH_MI, "TOTAL:|23.25"), einvoice=False)
    assert doc.decided_by.get("total") != "total + rounding"


def test_a_tax_summarys_base_and_tax_back_the_total_they_add_up_to() -> None:
    # The subtotal's decimal mark lost ("10 94"); the tax summary prints 6 % of 10.94.
    head = ["RESTORAN DE COFFEE", "NO. 5, JALAN MERDEKA 3, 43300 SERI KEMBANGAN", "TAX INVOICE"]
    sale = ["Date: 12/03/2018 18:19", "KOPI O 2|4.00", "NASI LEMAK|6.94", "Sub Total|10 94"]
    rows = [*head, *sale, "Total GST|0.66", "TOTAL|11.60", "GST SUMMARY", "SR 6|10.94 0.66"]
    doc = extract_document(ocr_receipt(*rows), einvoice=False)
    assert doc.value("total") == Decimal("11.60")
    assert doc.decided_by["total"] == "subtotal + tax"
    # A rate its tax is not (7 % of 10.94 is 0.77): no summary row, nothing backs the total.
    wrong_rate = [*rows[:-1], "SR 7|10.94 0.66"]
    assert extract_document(ocr_receipt(*wrong_rate), einvoice=False).value("total") is None
    # A rounding under the total: the summary adds up to the total before rounding.
    rounded = [*rows[:-3], "TOTAL|11.60", "Rounding Adj|", "GST SUMMARY", "SR 6|10.94 0.66"]
    assert extract_document(ocr_receipt(*rounded), einvoice=False).value("total") is None


def test_a_number_that_is_no_money_under_a_payment_label_is_not_its_amount() -> None:
    # "CASH SALES COUNTER" heads the items; under it "1.2012-0029" is an item's code, not the
    # money handed over (which would say the sale cost something else than its total).
    rows = [
        "SANYU STATIONERY SHOP",
        "NO. 31G, JALAN SETIA INDAH, 40170 SETIA ALAM",
        "TAX INVOICE",
        "CASH SALES COUNTER",
        "1.2012-0029 RESTAURANT ORDER CHIT",
        "2 X 2.9000|5.80",
        "Total Sales Inclusive GST @6%|5.80",
        "Total|5.80",
        "CASH #|6.00",
        "CHANGE|0.20",
        "INV NO: CS-SA-0086778 Date: 24/05/2017",
    ]
    assert extract_document(ocr_receipt(*rows), einvoice=False).value("total") == Decimal("5.80")


def test_a_tax_summary_row_without_its_tax_gives_the_total_printed_under_a_subtotal_label() -> None:
    # No total label read; the net total restates what was paid. The summary's tax column is
    # smudged: its row's rate (with its sign) and base give 42.45 + 6 % = 45.00.
    head = ["FIVE STAR CASH & CARRY", "G.23, PLAZA SERI SETIA, 47300 PETALING JAYA", "RECEIPT"]
    sale = ["Date: 19/06/17 11:33", "TAKSTAPPALAR 3KG|45.00", "NET TOTAL :|45.00"]
    rows = [*head, *sale, "GST Summary Amount(RM) Tax(RM)", "S = 6%|42,45 Fu"]
    doc = extract_document(ocr_receipt(*rows), einvoice=False)
    assert doc.value("total") == Decimal("45.00")
    assert doc.decided_by["total"] == "subtotal + tax"
    # Another rate gives another sum: the net total is not backed, and nothing is the total.
    other = [*rows[:-1], "S = 7%|42,45 Fu"]
    assert extract_document(ocr_receipt(*other), einvoice=False).value("total") is None


def test_change_read_without_its_cents_does_not_make_the_payment_disagree() -> None:
    # "CHANGE 13 15": the decimal mark lost, read as whole numbers. The rounding backs 6.85.
    head = ["ECONSAVE CASH & CARRY (ECSB) SDN BHD", "NO. 1, JALAN KLANG LAMA, 58000 KUALA LUMPUR"]
    sale = ["Date: 02/05/2018", "SIEW PAK CHOY|3.78", "CUCUMBER|3.05", "Total with GST @ 6%|6.83"]
    rows = [*head, *sale, "ROUNDING|0.02", "TOTAL|6.85", "Cash|20.00", "CHANGE|13 15"]
    doc = extract_document(ocr_receipt(*rows), einvoice=False)
    assert doc.value("total") == Decimal("6.85")
    # Change read as money that the total does not explain: some amount was misread.
    other = [*rows[:-1], "CHANGE|14.15"]
    assert extract_document(ocr_receipt(*other), einvoice=False).value("total") is None


def test_a_number_stamped_above_a_shops_name_is_no_address() -> None:
    # A scan's file number stamped at the top: a registration number belongs under a name, so
    # a number alone above every name does not start the header's address block.
    rows = [
        "3180404",
        "BERRY'S CAKE HOUSE",
        "(Co No. 315481-T) GST No. 001287233536",
        "No.1, Jln Puteri 1/6, Bandar Puteri,",
        "47100 Puchong, Selangor",
        "TAX INVOICE",
        "Date: 01/02/2018 12:00",
        "BUTTER CAKE|10.00",
        "TOTAL|10.00",
    ]
    doc = extract_document(ocr_receipt(*rows), einvoice=False)
    assert doc.value("vendor") == "BERRY'S CAKE HOUSE"
    # A registration number under the name still ends the name block.
    rows = ["BERRY'S CAKE HOUSE", "(315481-T)", *rows[3:]]
    assert extract_document(ocr_receipt(*rows), einvoice=False).value("vendor") == (
        "BERRY'S CAKE HOUSE"
    )
