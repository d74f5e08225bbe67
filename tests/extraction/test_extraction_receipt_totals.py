"""Receipt totals that hold on receipts in general: a scan's tilt taken out of its text layer,
and the payment lines of a till (what was handed over, the change) read as arithmetic, never as
the total.

Each test draws a small receipt of its own (the conventions of till receipts, not one shop's).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from coop_rules.documents import Word, read_document
from coop_rules.extraction import DocumentKind, ExtractedDocument, extract_file
from coop_rules.extraction.tilt import level

LEFT, RIGHT = 60.0, 300.0  # where a receipt's labels start and its amounts end
SPACING = 14.0  # between printed lines
SIZE = 9


def tilted_receipt(
    path: Path, rows: list[str], slope: float = 0.0, pagesize: tuple[float, float] = A4
) -> Path:
    """A till receipt, one printed line per row (``label|amount``, the amount right-aligned),
    scanned at ``slope`` (down per point right): a box's middle stands ``slope × x`` lower, x
    being the middle's distance from the page's left edge, as OCR boxes a tilted line."""
    page = canvas.Canvas(str(path), pagesize=pagesize)
    page.setFont("Helvetica", SIZE)
    for i, row in enumerate(rows):
        label, _, amount = row.partition("|")
        y = 60 + SPACING * i
        width = page.stringWidth(label, "Helvetica", SIZE)
        page.drawString(LEFT, pagesize[1] - (y + slope * (LEFT + width / 2)), label)
        if amount:
            width = page.stringWidth(amount, "Helvetica", SIZE)
            page.drawRightString(RIGHT, pagesize[1] - (y + slope * (RIGHT - width / 2)), amount)
    page.save()
    return path


def read_receipt(tmp_path: Path, rows: list[str], slope: float = 0.0) -> ExtractedDocument:
    """The fields of a till receipt of ``rows`` (see :func:`tilted_receipt`)."""
    return extract_file(tilted_receipt(tmp_path / "r.pdf", rows, slope), einvoice=False)


SALE = [
    "KEDAI MAJU TRADING SDN BHD",
    "NO 12, JALAN MERDEKA 3,",
    "43300 SERI KEMBANGAN, SELANGOR",
    "TAX INVOICE",
    "12/03/2018 18:19",
    "NASI LEMAK|7.50",
    "TEH TARIK|2.80",
    "MEE GORENG|6.50",
    "AIR SIRAP|2.20",
    "KUIH|1.05",
    "TOTAL INCL. GST :|20.05",
    "CASH :|50.00",
    "CHANGE :|29.95",
    "GST @6% INCLUDED IN TOTAL|1.13",
    "THANK YOU PLEASE COME AGAIN",
]


def test_a_tilted_scans_amounts_stay_with_their_labels(tmp_path: Path) -> None:
    # Tilted so that each amount stands 10 pt above its label, nearer the line above.
    path = tilted_receipt(tmp_path / "r.pdf", SALE, -0.05)
    doc = extract_file(path, einvoice=False)
    total = doc.fields["total"]
    assert total.value == Decimal("20.05")
    assert "tendered − change" in (total.evidence.note or "")
    # The evidence is the box on the page, where the amount is printed, not the levelled one.
    printed = [w.box for w in read_document(path).pages[0].words if w.text == "20.05"]
    assert printed == [total.evidence.box]


def _words(slope: float) -> list[Word]:
    """Label boxes at the left and amount boxes at the right, lines 14 apart, at ``slope``."""
    words = []
    for i in range(12):
        for x, text in ((LEFT, f"LABEL{i}"), (RIGHT, f"{i}.00")):
            top = 100 + SPACING * i + slope * x
            words.append(Word(text, x, top, x + 30, top + 9))
    return words


def test_the_tilt_is_found_and_a_level_page_is_left_alone() -> None:
    level_page = _words(0.0)
    assert level(level_page) == level_page
    levelled = level(_words(0.04))
    for label, amount in zip(levelled[::2], levelled[1::2], strict=True):
        assert abs((label.top + label.bottom) - (amount.top + amount.bottom)) / 2 < 1.5


# Receipts whose total only the payment or the sums printed around it decide: (rows, total,
# the heuristic that decides it).
DECIDED_BY_SUMS = {
    "paid amount less change": (
        [
            "PEN BLUE 12 @ 1.00|12.00",
            "TOTAL AMT INCL. GST @ 6% :|12.00",
            "ROUNDING ADJUSTMENT :",
            "GST SUMMARY    AMOUNT    TAX",
            "TOTAL|11.32     0.68",
            "PAID AMOUNT :|20.00",
            "CHANGE :|8.00",
        ],
        "12.00",
        "tendered − change",
    ),
    "change printed as money going out": (
        [
            "BUTA SHOGA YAKI SET|19.90",
            "ICED GREEN TEA|1.00",
            "SERV CHARGE 10%|2.09",
            "GST @ 6%|1.38",
            "ROUNDING ADJ :|0.03",
            "TOTAL AMOUNT :|24.40",
            "CASH|30.40",
            "CHANGE RM:|6.00-",
        ],
        "24.40",
        "tendered − change",
    ),
    "paid exactly, the net total": (
        ["APPALAM 3KG|45.00", "NET TOTAL :|45.00", "CASH :|45.00"],
        "45.00",
        "tendered − change",
    ),
    "a later total is the one above plus the charges between": (
        [
            "SABA SHIO YAKI SET|53.70",
            "SALMON SHIO SET|21.90",
            "ICED GREEN TEA|4.00",
            "SUBTOTAL|79.60",
            "DISCOUNT|-30.00",
            "TOTAL AMOUNT :|49.60",
            "SERV CHARGE 10%|4.96",
            "GST @ 6%|3.27",
            "ROUNDING ADJ :|-0.03",
            "TOTAL AMOUNT :|57.80",
            "THANK YOU ! PLEASE COME AGAIN !",
        ],
        "57.80",
        "lines above add up",
    ),
    "a discount printed without its minus is taken off": (
        [
            "6 HT (TE) FPP-FREE|12.80",
            "6 HT (BP) WTUE1A-E|12.80",
            "SUB-TOTAL :|25.60",
            "COUPON DISCOUNT :|21.70",
            "GRAND TOTAL :|3.90",
        ],
        "3.90",
        "lines above add up",
    ),
    "a restated sum adds nothing": (
        [
            "2032 ENERGIZER BATTERY|6.40",
            "9V ENERGIZER BATTERY|11.53",
            "2 ITEM(S) TOTAL(MYR) :|17.93",
            "GST @ 6% :|1.08",
            "NET TOTAL(MYR) :|19.01",
            "ROUNDING ADJ. :|-0.01",
            "NET TOTAL ROUNDED(MYR) :|19.00",
        ],
        "19.00",
        "lines above add up",
    ),
    "cash with no change is the amount printed above it": (
        [
            "MARIGOLD HL MILK 1L|RM13.58",
            "TIGER BEER BOTTLE 660ML|RM13.70",
            "TOTAL SALES (INCLUSIVE GST) RM|27.28",
            "ADJ RM|.02",
            "RM|27.30",
            "CASH RM|27.30",
            "CHANGE RM|.00",
        ],
        "27.30",
        "tendered − change",
    ),
}


@pytest.mark.parametrize("case", DECIDED_BY_SUMS)
def test_the_payment_and_the_sums_decide_the_total(tmp_path: Path, case: str) -> None:
    rows, total, heuristic = DECIDED_BY_SUMS[case]
    doc = read_receipt(tmp_path, [*SALE[:5], *rows])
    found = doc.fields["total"]
    assert found.value == Decimal(total)
    assert doc.decided_by["total"] == heuristic
    assert found.confidence >= 0.75


def test_an_amount_incl_tax_is_the_total_and_not_the_tax(tmp_path: Path) -> None:
    rows = ["PARKING TICKET|5.00 RM", "AMOUNT INCL. GST|5.00 RM", "ACCEPTED|10.00 RM"]
    doc = read_receipt(tmp_path, [*SALE[:5], *rows, "CHANGE|5.00 RM", "GST 6%|0.28 RM"])
    total = doc.fields["total"]
    assert total.value == Decimal("5.00")
    assert (total.evidence.note or "").startswith("label: AMOUNT INCL. GST")
    assert doc.value("tax") == Decimal("0.28")


def test_money_handed_over_less_change_finds_a_total_under_an_unknown_label(
    tmp_path: Path,
) -> None:
    rows = [*SALE[:5], "NASI LEMAK|7.50", "TEH TARIK|11.00", "TTL|18.50", "CASH|20.00"]
    doc = read_receipt(tmp_path, [*rows, "CHANGE|1.50", "THANK YOU"])
    total = doc.fields["total"]
    assert total.value == Decimal("18.50")
    assert doc.decided_by["total"] == "tendered − change"
    # The evidence is the amount printed on the TTL line.
    assert total.evidence.text == "18.50"
    assert total.evidence.box is not None and total.evidence.box[1] > 60 + SPACING * 7 - SIZE


def test_a_restaurants_guest_check_is_a_receipt(tmp_path: Path) -> None:
    rows = ["PANDAN SEAFOOD RESTAURANT", "12, JALAN 4/1A, 55100 KUALA LUMPUR", "* GUEST CHECK *"]
    rows += ["TABLE 6", "DATE : 30-04-2018 19:50:14", "1 TONG HOU|10.00", "1 TOM YUM|15.00"]
    doc = read_receipt(tmp_path, [*rows, "SUBTOTAL :|25.00", "TOTAL :|25.00"])
    assert doc.kind is DocumentKind.RECEIPT
    assert doc.value("total") == Decimal("25.00")


def test_the_tax_included_in_the_total_is_no_total(tmp_path: Path) -> None:
    rows = ["RUBBER BOOTS SIZE 8|9.90", "GARBAGE BAG 10S 4 X 9.50|38.00", "PLASTIC BAGS|0.20"]
    rows += ["TOTAL|RM 48.10", "GST @6% INCLUDED IN TOTAL|RM 2.72", "VISA CARD 4321"]
    doc = read_receipt(tmp_path, [*SALE[:5], *rows, "TOTAL INCLUDES 6% GST|2.72"])
    assert doc.value("total") == Decimal("48.10")
    assert doc.value("tax") == Decimal("2.72")


def test_a_printed_rounding_checks_the_total_like_any_other_sum(tmp_path: Path) -> None:
    rows = ["ANCHOR SERBUK CUCI 4KG|RM18.80", "DOVE CREAM BAR SOAP|RM26.50"]
    rows += ["TOTAL SALES (INCLUSIVE GST) RM|45.30", "ROUNDING ADJUSTMENT RM|-.02"]
    doc = read_receipt(tmp_path, [*SALE[:5], *rows, "ROUNDING RM|45.28", "CREDIT RM|45.28"])
    total = doc.fields["total"]
    assert total.value == Decimal("45.28")
    assert doc.decided_by["total"] == "total + rounding"
    assert total.confidence >= 0.75  # as sure as a total that the tendered money checks


def test_a_days_name_between_the_date_and_the_time_keeps_the_till_timestamp(
    tmp_path: Path,
) -> None:
    rows = ["PARKING PAY STATION", "LOT 5, JALAN MERDEKA", "TICKET NO|0123"]
    rows += ["ENTRY TIME|16/04/2018 (MON) 8:21", "PAID TIME|16/04/2018 (MON) 9:49"]
    doc = read_receipt(tmp_path, [*rows, "PARKING FEE|3.00", "CASH|5.00", "CHANGE|2.00"])
    assert doc.value("issue_date") == date(2018, 4, 16)
    assert doc.decided_by["issue_date"] == "date with a time"


def test_a_word_between_the_date_and_the_time_keeps_the_till_timestamp(tmp_path: Path) -> None:
    rows = ["RELAIS DU PORT", "12 RUE DE LA PAIX", "75002 PARIS", "TICKET 0042"]
    rows += ["Le 30/03/2018 à 12:36 CAISSE 1", "CAFE CREME 2 X 12.00|24.00", "TOTAL|24.00"]
    doc = read_receipt(tmp_path, [*rows, "ESPECES|30.00", "RENDU|6.00"])
    assert doc.value("issue_date") == date(2018, 3, 30)
    assert doc.decided_by["issue_date"] == "date with a time"


LONG_HEAD = [
    "KEDAI MAJU TRADING SDN BHD",
    "(123456-X)",
    "NO 12, JALAN MERDEKA 3,",
    "TAMAN SRI BINTANG,",
    "43300 SERI KEMBANGAN, SELANGOR",
    "TEL 03-1234 5678 FAX 03-1234 5679",
    "GST REG NO 001234567890",
    "TAX INVOICE",
    "INVOICE NO CS 24399 CASHIER 02",
]
LONG_ITEMS = [f"ITEM {n}|{n}.50" for n in range(1, 9)]
LONG_FOOT = ["TOTAL|40.00", "CASH|50.00", "CHANGE|10.00", "GOODS SOLD ARE NOT RETURNABLE"]


def test_a_date_without_label_in_a_long_receipts_head_is_its_date(tmp_path: Path) -> None:
    # A receipt scanned on its own is a tall page whose head reaches halfway down: its one
    # date, above the items, is the receipt's, though not near the page's top.
    rows = [*LONG_HEAD, "24-01-18", *LONG_ITEMS, *LONG_FOOT]
    size = (340.0, 60 + SPACING * len(rows) + 40)
    doc = extract_file(tilted_receipt(tmp_path / "r.pdf", rows, pagesize=size), einvoice=False)
    assert doc.value("issue_date") == date(2018, 1, 24)
    assert doc.decided_by["issue_date"] == "date above the items"
    # A date under the items is no receipt's date (a footer's offer, a printing date).
    rows = [*LONG_HEAD, *LONG_ITEMS, *LONG_FOOT, "OFFER ENDS 30/04/2018"]
    doc = extract_file(tilted_receipt(tmp_path / "f.pdf", rows, pagesize=size), einvoice=False)
    assert doc.value("issue_date") is None


def test_a_payment_that_says_the_sale_cost_otherwise_leaves_the_total_unsure(
    tmp_path: Path,
) -> None:
    # Subtotal and tax give 19.75, but the cash less the change is 9.75: an amount on the page
    # is misread (a scan's "1" before the subtotal and the total, or the cash's) and no sum
    # tells which. The total is left for a reviewer, with its reading.
    head = [*SALE[:5], "SUSHI 2 X 2.80|5.60", "SUSHI 2 X 1.80|3.60"]
    rows = [*head, "TOTAL EXCL GST|19.20", "GST 6%|0.55", "TOTAL SALES|19.75"]
    doc = read_receipt(tmp_path, [*rows, "CASH|10.00", "CHANGE|0.25"])
    assert doc.value("total") is None
    assert doc.abstained["total"].candidates[0].value == Decimal("19.75")
    # A cash rounding is no disagreement (Sweden rounds to the krona) ...
    rows = [*head, "TOTAL EXCL GST|79.68", "MOMS 25%|19.92", "TOTAL|99.60"]
    doc = read_receipt(tmp_path, [*rows, "CASH|150.00", "CHANGE|50.00"])
    assert doc.value("total") == Decimal("99.60")
    # ... nor is a change larger than the money handed over: that reading is the misread one.
    rows = [*head, "TOTAL EXCL GST|9.20", "GST 6%|0.55", "TOTAL SALES|9.75"]
    doc = read_receipt(tmp_path, [*rows, "CASH|10.00", "CHANGE|3430200"])
    assert doc.value("total") == Decimal("9.75")
    # ... nor money handed over that is the total itself: the change is the misread one.
    doc = read_receipt(tmp_path, [*rows, "CASH|9.75", "CHANGE|5.00"])
    assert doc.value("total") == Decimal("9.75")


@pytest.mark.parametrize("label", ["TOTAL INCL. 6% GST", "TOTAL INCL.QF GST", "TOTAL INC OF GST"])
def test_a_rate_or_a_misread_word_after_incl_keeps_the_tax_word_a_qualifier(
    tmp_path: Path, label: str
) -> None:
    rows = [*SALE[:5], "CANON CART PG-47BK 2 X 30.00|60.00", f"{label}|60.00"]
    doc = read_receipt(tmp_path, [*rows, "GST SUMMARY 6%|56.60   3.40", "THANK YOU"])
    total = doc.fields["total"]
    assert total.value == Decimal("60.00")
    assert (total.evidence.note or "").startswith("label: TOTAL")
    assert doc.value("tax") != Decimal("60.00")


def test_a_total_with_a_rounding_under_it_whose_rounded_amount_was_not_read_is_unsure(
    tmp_path: Path,
) -> None:
    head = [*SALE[:5], "MILO 1KG|30.48", "SUGAR 2KG|12.00", "SUB-TOTAL|42.48"]
    rows = [*head, "TOTAL SALES INCL GST|42.48", "ROUNDING ADJ|0.02", "TOTAL AFTER ADJ|42 60"]
    doc = read_receipt(tmp_path, [*rows, "CASH|50.00", "CHANGE|7.50 x"])
    assert doc.value("total") is None
    assert doc.abstained["total"].candidates[0].value == Decimal("42.48")
    # A rounding of nothing, or one that rounds the payment (among the payment lines), leaves
    # the total as printed; so does the total printed again under the rounding.
    for rounding, after in (("0.00", "42.48"), ("RM .", "42.48")):
        rows = [*head, "TOTAL SALES INCL GST|42.48", f"ROUNDING ADJ|{rounding}"]
        doc = read_receipt(tmp_path, [*rows, f"TOTAL PAYABLE|{after}", "CARD|42.48"])
        assert doc.value("total") == Decimal("42.48"), rounding
    rows = [*head, "TOTAL (GST INCL)|42.48", "CASH|50.50", "ROUNDING ADJUSTMENTS|0.02-"]
    doc = read_receipt(tmp_path, [*rows, "CHANGE DUE|8.00"])
    assert doc.value("total") == Decimal("42.48")
    # No total printed under the rounding: the printed total stands (the payment was rounded).
    rows = [*head, "TOTAL|RM 42.48", "ROUNDING ADJUSTMENTS|RM 0.02", "TENDERED-CASH|RM 50.00"]
    doc = read_receipt(tmp_path, [*rows, "CHANGE|RM 7.50"])
    assert doc.value("total") == Decimal("42.48")


def test_money_on_a_totals_line_beats_a_bare_number_by_its_label(tmp_path: Path) -> None:
    # A speck or a count read as a number by the label; the money stands at the line's end.
    rows = [*SALE[:5], "NASI LEMAK|40.50", "TEH TARIK|25.00", "TOTAL PAYABLE: 1 A|65.50"]
    doc = read_receipt(tmp_path, [*rows, "THANK YOU"])
    assert doc.value("total") == Decimal("65.50")
    # A line whose label has money of its own keeps it.
    rows = [*SALE[:5], "NASI LEMAK|40.50", "TEH TARIK|25.00", "TOTAL 65.50 ITEMS|2"]
    assert read_receipt(tmp_path, [*rows, "THANK YOU"]).value("total") == Decimal("65.50")


def test_a_total_its_line_calls_before_tax_plus_the_tax_finds_the_total_printed(
    tmp_path: Path,
) -> None:
    # The total's own label smudged: the amount before tax and the tax add up to an amount
    # printed with no label read, which is the total.
    rows = [*SALE[:5], "FOAM BOARD|63.60", "ROLL UP BUNTING|30.74"]
    totals = [
        "Total Sales (Excluding GST) :|94.34",
        "Total GST :|5.66",
        "Tota} Sales (i clusive)|100.00",
    ]
    doc = read_receipt(tmp_path, [*rows, *totals, "THANK YOU"])
    assert doc.value("total") == Decimal("100.00")
    assert doc.decided_by["total"] == "subtotal + tax"
