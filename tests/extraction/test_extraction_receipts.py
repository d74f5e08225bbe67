"""Receipts and the general rules of issue 11: totals checked by arithmetic, unlabelled dates,
country cues, qualifiers inside labels, vendors that must look like names, and abstention.

Each test draws a small document of its own (the layout conventions, not one vendor's file).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from coop_rules.evidence import Evidence, Extracted
from coop_rules.extraction import DocumentKind, extract_file
from coop_rules.extraction.confidence import not_an_organisation, settle
from coop_rules.extraction.dates import find_dates
from coop_rules.extraction.model import Abstained
from coop_rules.extraction.parsing import find_amounts, find_currencies
from coop_rules.extraction.parties import _in_domain

Line = tuple[float, float, str, float]  # x, y from the top, text, font size


def write_pdf(path: Path, lines: list[Line]) -> Path:
    page = canvas.Canvas(str(path), pagesize=A4)
    for x, y, text, size in lines:
        page.setFont("Helvetica", size)
        page.drawString(x, A4[1] - y, text)
    page.save()
    return path


def receipt(tmp_path: Path, rows: list[str], name: str = "r.pdf") -> Path:
    """A till receipt: one text line per row, label left, amount right after a wide gap."""
    lines: list[Line] = []
    for i, row in enumerate(rows):
        label, _, amount = row.partition("|")
        lines.append((60, 60 + 14 * i, label, 9))
        if amount:
            lines.append((260, 60 + 14 * i, amount, 9))
    return write_pdf(tmp_path / name, lines)


MALAYSIAN = [
    "KEDAI MAJU TRADING SDN BHD",
    "(123456-X)",
    "NO 12, JALAN MERDEKA 3,",
    "43300 SERI KEMBANGAN, SELANGOR",
    "TAX INVOICE",
    "12/03/2018 18:19",
    "ITEM A|10.00",
    "ITEM B|50.00",
    "TOTAL SALES (INCLUSIVE OF GST) :|60.31",
    "ROUNDING ADJ :|-0.01",
    "TOTAL AFTER ROUNDING :|60.30",
    "CASH :|70.30",
    "CHANGE :|10.00",
    "GST SUMMARY|AMOUNT(RM)   TAX(RM)",
    "TOTAL :|56.89   3.41",
]


def test_receipt_total_is_what_was_paid_not_a_tax_summary_row(tmp_path: Path) -> None:
    doc = extract_file(receipt(tmp_path, MALAYSIAN), einvoice=False)
    total = doc.fields["total"]
    assert total.value == Decimal("60.30")
    assert "tendered − change" in (total.evidence.note or "")
    assert total.confidence >= 0.6
    assert doc.decided_by["total"] in ("tendered − change", "total + rounding")


def test_receipt_currency_date_and_vendor_from_general_cues(tmp_path: Path) -> None:
    doc = extract_file(receipt(tmp_path, MALAYSIAN), einvoice=False)
    assert doc.value("currency") == "MYR"  # "AMT(RM)" / Malaysian cues
    assert doc.value("issue_date") == date(2018, 3, 12)  # day-first: a Malaysian receipt
    assert doc.decided_by["issue_date"] == "date with a time"
    assert doc.value("vendor") == "KEDAI MAJU TRADING SDN BHD"


def test_rounding_adjustment_gives_the_payable_total(tmp_path: Path) -> None:
    rows = [
        "KEDAI MAJU SDN BHD",
        "RECEIPT",
        "19/10/2018 20:49",
        "TOTAL AMT ....... RM|60.31",
        "ROUNDING ADJ.......|-0.01",
        "RM|60.30",
    ]
    doc = extract_file(receipt(tmp_path, rows), einvoice=False)
    assert doc.value("total") == Decimal("60.30")
    assert doc.decided_by["total"] == "total + rounding"


def test_amount_tendered_is_never_the_total(tmp_path: Path) -> None:
    rows = [
        "MOONLIGHT BAKERY SDN BHD",
        "04/06/2018 12:00",
        "SUBTOTAL|21.85",
        "TOTAL PAID|50.00",
        "CHANGE|28.15",
    ]
    doc = extract_file(receipt(tmp_path, rows), einvoice=False)
    assert doc.value("total") != Decimal("50.00")


def test_a_count_is_not_a_total_among_money(tmp_path: Path) -> None:
    rows = ["HARDWARE TRADING SDN BHD", "RECEIPT", "TOTAL ITEM(S) :|10", "TOTAL INCL OF GST :|7.00"]
    doc = extract_file(receipt(tmp_path, rows), einvoice=False)
    best = doc.fields.get("total") or doc.abstained["total"].candidates[0]
    assert best.value == Decimal("7.00")


def test_place_and_date_line_is_the_issue_date(tmp_path: Path) -> None:
    lines: list[Line] = [
        (50, 60, "Muster Beratung AG", 12),
        (50, 74, "Bahnhofstrasse 1, 8001 Zürich", 9),
        (350, 150, "Zürich, 28.03.2024", 10),
        (50, 190, "Rechnung 2024-117", 14),
        (50, 230, "Beratung März", 10),
        (400, 230, "1'200.00", 10),
        (50, 250, "Total CHF", 10),
        (400, 250, "1'200.00", 10),
    ]
    doc = extract_file(write_pdf(tmp_path / "brief.pdf", lines), einvoice=False)
    assert doc.value("issue_date") == date(2024, 3, 28)
    assert doc.decided_by["issue_date"] in ("place and date", "date on the title line")


def test_iso_code_in_the_total_label_beats_the_dollar_sign(tmp_path: Path) -> None:
    lines: list[Line] = [
        (50, 60, "Maple Software Inc.", 12),
        (50, 90, "Invoice # 4411", 10),
        (50, 104, "Invoice Date Sep 13, 2022", 10),
        (300, 200, "Total (CAD) $", 10),
        (450, 200, "220.00", 10),
    ]
    doc = extract_file(write_pdf(tmp_path / "cad.pdf", lines), einvoice=False)
    assert doc.value("total") == Decimal("220.00")
    assert doc.value("currency") == "CAD"


def test_a_dollar_placed_outside_the_us_is_abstained_with_candidates(tmp_path: Path) -> None:
    lines: list[Line] = [
        (50, 60, "Northern Voice Ltd", 12),
        (50, 74, "1200 Main St, Vancouver, British Columbia, Canada", 9),
        (50, 90, "Invoice # 4412", 10),
        (50, 104, "Invoice Date Sep 13, 2022", 10),
        (300, 200, "Total", 10),
        (450, 200, "$220.00", 10),
    ]
    doc = extract_file(write_pdf(tmp_path / "usd-or-cad.pdf", lines), einvoice=False)
    assert "currency" not in doc.fields  # CAD or USD: a Canadian firm may bill in USD
    held = doc.abstained["currency"]
    assert held.candidates[0].value == "CAD" and held.reason.startswith("uncertain")
    assert doc.value("total") == Decimal("220.00")  # the amount itself is certain


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("SUN - THU: 1000 HRS - 2200 HRS", "a time or opening hours"),
        ("(Not to be used for payment remittance)", "a parenthesised remark"),
        ("(c) AWV e.V.", "a copyright notice"),
        ("NO 290, JALAN AIR PANAS,", "an address line"),
        ("12 Main Street", "an address line"),
        ("THANK YOU & COME AGAIN!", "a sentence"),
        ("Please pay the amount shown above within thirty days of receipt", "a phrase"),
    ],
)
def test_what_is_not_an_organisation_name(text: str, why: str) -> None:
    reason = not_an_organisation(text)
    assert reason is not None and reason.startswith(why)


@pytest.mark.parametrize(
    "name",
    ["AEON CO. (M) BHD.", "Hetzner Online GmbH", "99 SPEED MART S/B", "Free", "株式会社コントソ"],
)
def test_organisation_names_pass(name: str) -> None:
    assert not_an_organisation(name) is None


def test_opening_hours_are_never_the_sender_line(tmp_path: Path) -> None:
    rows = [
        "AEON CO. (M) BHD. (126926-H)",
        "3 FLOOR, AEON TAMAN MALURI SC",
        "SHOPPING HOURS",
        "SUN - THU: 1000 HRS - 2200 HRS",
        "FRI - SAT: 1000 HRS - 2300 HRS",
        "TAX INVOICE",
        "TOTAL SALES INCL GST|5.90",
    ]
    doc = extract_file(receipt(tmp_path, rows), einvoice=False)
    assert doc.value("vendor").rstrip(".") == "AEON CO. (M) BHD"


def _value(value: object, confidence: float) -> Extracted:
    return Extracted(value, Evidence("x.pdf", str(value), 1), confidence)  # type: ignore[arg-type]


def test_settle_keeps_uncertain_values_apart_with_their_candidates() -> None:
    best, other = _value(Decimal("220.00"), 0.45), _value(Decimal("440.00"), 0.3)
    sure = _value(date(2024, 1, 2), 0.9)
    used, abstained = settle(
        {"total": best, "issue_date": sure, "vendor": _value("SUN", 0.9)},
        {"total": (best, other)},
        {"vendor": "not an organisation's name: a time or opening hours"},
    )
    assert set(used) == {"issue_date"}
    assert abstained["total"].candidates == (best, other)
    assert abstained["total"].summary() == "2 candidates: 220.00, 440.00"
    assert abstained["total"].reason == "uncertain: 2 candidates disagree"
    assert abstained["total"].code == "candidates-disagree"
    assert abstained["vendor"].reason.startswith("not an organisation's name")
    assert abstained["vendor"].code == "not-an-organisation"


def test_an_ambiguous_date_stays_used_and_flagged() -> None:
    flagged = Extracted(date(2024, 4, 3), Evidence("x.pdf", "03/04/2024"), 0.5, (date(2024, 3, 4),))
    used, abstained = settle({"issue_date": flagged}, {})
    assert used["issue_date"].ambiguous and not abstained


def test_abstained_fields_are_in_the_json_but_not_in_fields(tmp_path: Path) -> None:
    rows = ["THANK YOU FOR SHOPPING", "TOTAL|12.00", "TOTAL|14.00"]
    doc = extract_file(receipt(tmp_path, rows), einvoice=False)
    out = doc.to_json()
    assert set(out.get("abstained", {})) == set(doc.abstained)
    assert not set(doc.abstained) & set(doc.fields)
    for name, held in doc.abstained.items():
        assert isinstance(held, Abstained) and held.field == name
        assert all(c.evidence.page == 1 for c in held.candidates)


def test_receipt_printer_number_and_date_forms() -> None:
    assert [a.value for a in find_amounts("RM6.85 S")] == [Decimal("6.85")]
    assert [a.value for a in find_amounts("S = 6%\t10.85\t.65")][-1] == Decimal("0.65")
    assert find_currencies("AMT(RM)")[0][0] == "MYR"
    assert [d.value for d in find_dates("CB# : 8367\t15/APR/2017 04:56:46")] == [date(2017, 4, 15)]


def test_din_5008_letter_date_right_of_the_title_and_sender_in_the_footer(tmp_path: Path) -> None:
    lines: list[Line] = [
        (50, 120, "Contoso Marketing GmbH", 10),
        (50, 134, "Friedrichstraße 123", 10),
        (50, 148, "10117 Berlin", 10),
        (50, 250, "Rechnung 2024-117", 13),
        (430, 250, "12.03.2024", 10),
        (50, 290, "Konzeption Messestand", 10),
        (450, 290, "1.000,00 €", 10),
        (50, 310, "zzgl. 19 % USt.", 10),
        (450, 310, "190,00 €", 10),
        (50, 330, "Gesamtbetrag", 10),
        (450, 330, "1.190,00 €", 10),
        (50, 780, "Kreativwerk Hamburg GmbH · Elbchaussee 12 · 22763 Hamburg", 7),
        (50, 790, "Geschäftsführer: Max Muster · HRB 12345 · USt-IdNr. DE123456789", 7),
    ]
    doc = extract_file(write_pdf(tmp_path / "din.pdf", lines), einvoice=False)
    assert doc.value("issue_date") == date(2024, 3, 12)
    assert doc.value("total") == Decimal("1190.00")
    assert doc.value("vendor") == "Kreativwerk Hamburg GmbH"  # not the recipient in the window


def test_us_saas_right_aligned_label_value_block(tmp_path: Path) -> None:
    lines: list[Line] = [
        (50, 60, "Invoice", 20),
        (50, 100, "Invoice number", 9),
        (150, 100, "5340DF53-0001", 9),
        (50, 114, "Date of issue", 9),
        (150, 114, "September 13, 2022", 9),
        (50, 128, "Date due", 9),
        (150, 128, "September 13, 2022", 9),
        (50, 160, "Userpilot, Inc.", 9),
        (50, 174, "2810 N Church St", 9),
        (50, 188, "Wilmington, DE 19802", 9),
        (50, 202, "United States", 9),
        (300, 160, "Bill to", 9),
        (300, 174, "Example GmbH", 9),
        (50, 240, "$249.00 USD due September 13, 2022", 14),
        (50, 300, "Growth plan", 9),
        (480, 300, "$249.00", 9),
        (380, 340, "Subtotal", 9),
        (480, 340, "$249.00", 9),
        (380, 354, "Total", 9),
        (480, 354, "$249.00", 9),
        (380, 368, "Amount due", 9),
        (480, 368, "$249.00 USD", 9),
    ]
    doc = extract_file(write_pdf(tmp_path / "saas.pdf", lines), einvoice=False)
    assert doc.value("invoice_number") == "5340DF53-0001"
    assert doc.value("issue_date") == date(2022, 9, 13)
    assert doc.value("total") == Decimal("249.00")
    assert doc.value("currency") == "USD"
    assert doc.value("vendor") == "Userpilot, Inc."


def test_the_page_domain_backs_the_vendor_and_not_the_buyer() -> None:
    assert _in_domain("Hetzner Online GmbH", {"hetzner"})
    assert _in_domain("Kreativ Werk GmbH", {"kreativwerk"})
    assert not _in_domain("Contoso Marketing GmbH", {"hetzner", "online"})


def test_one_stray_currency_code_on_a_placed_page_is_not_used(tmp_path: Path) -> None:
    rows = [
        "KEDAI MAJU TRADING SDN BHD",
        "NO 12, JALAN MERDEKA 3, 43300 SELANGOR",
        "RECEIPT",
        "12/03/2018 18:19",
        "SAR ITEM 1|10.00",
        "TOTAL|10.00",
        "CASH|20.00",
        "CHANGE|10.00",
    ]
    doc = extract_file(receipt(tmp_path, rows), einvoice=False)
    assert doc.value("currency") is None  # kept apart: one "SAR" against a Malaysian page
    assert doc.abstained["currency"].candidates[0].value == "SAR"
    assert doc.value("total") == Decimal("10.00")


def test_a_label_broken_by_the_text_layer_is_read_whole(tmp_path: Path) -> None:
    lines: list[Line] = [
        (50, 60, "Handelsrechnung Nr. 471102 vom 13.11.2019", 12),
        (50, 100, "Ver käufer:", 9),
        (50, 114, "Lieferant GmbH", 9),
        (50, 128, "Lieferantenstraße 20", 9),
        (300, 100, "Käufer:", 9),
        (300, 114, "Kunden AG Mitte", 9),
        (300, 128, "Kundenstraße 15", 9),
        (50, 200, "Gesamtbetrag", 9),
        (450, 200, "529,87 €", 9),
    ]
    doc = extract_file(write_pdf(tmp_path / "broken.pdf", lines), einvoice=False)
    assert doc.value("vendor") == "Lieferant GmbH"
    assert doc.value("bill_to") == "Kunden AG Mitte"


PIZZA_HEAD = ["TAX INVOICE", "NORTHWIND PIZZA", "NO 12, JALAN MERDEKA 3,", "43300 SERI KEMBANGAN"]
PIZZA_SALE = [
    "12/03/2018 18:19",
    "1 PEPPERONI LARGE|32.00",
    "1 GARLIC BREAD|8.00",
    "TOTAL :|40.00",
    "CASH :|50.00",
    "CHANGE :|10.00",
    "THANK YOU, PLEASE COME AGAIN",
]


def test_a_receipts_shop_name_at_the_head_beats_its_operator_further_down(
    tmp_path: Path,
) -> None:
    rows = [*PIZZA_HEAD, *PIZZA_SALE, "", "", "", "", "", "", "", "", "NORTHWIND FOODS SDN BHD"]
    doc = extract_file(receipt(tmp_path, rows), einvoice=False)
    assert doc.value("vendor") == "NORTHWIND PIZZA"
    assert doc.decided_by["vendor"] == "shop name at the head"
    assert doc.fields["vendor"].evidence.note == "shop name at the head of the receipt"


def test_a_company_with_its_legal_form_at_the_head_stays_the_vendor(tmp_path: Path) -> None:
    # A brand or a stamp above it does not displace the company the head names.
    rows = ["NORTHWIND", "NORTHWIND FOODS SDN BHD (123456-X)", *PIZZA_HEAD[2:], *PIZZA_SALE]
    doc = extract_file(receipt(tmp_path, rows), einvoice=False)
    assert doc.value("vendor") == "NORTHWIND FOODS SDN BHD"
    assert doc.decided_by["vendor"] == "name with a legal form"


def test_an_invoice_keeps_its_company_with_a_legal_form(tmp_path: Path) -> None:
    # Not a till receipt (no money tendered, no change): the shop-name convention is not used.
    rows = [
        "INVOICE",
        "NORTHWIND PIZZA",
        *PIZZA_HEAD[2:],
        "Invoice date: 12/03/2018",
        "Catering, 40 persons|400.00",
        "TOTAL :|400.00",
        *[""] * 8,
        "NORTHWIND FOODS SDN BHD",
    ]
    doc = extract_file(receipt(tmp_path, rows), einvoice=False)
    assert doc.value("vendor") == "NORTHWIND FOODS SDN BHD"


def test_a_till_receipt_whose_ocr_garbled_one_amount_is_still_a_receipt(tmp_path: Path) -> None:
    # OCR of a faded receipt: the rounding's amount lost its decimal point and the change's
    # its digits, but a total with money and a short till line still settle a sale.
    rows = ["BANH MI CAFE", "NO 1 JALAN PUTERI 7/10", "29-10-2017 18:31:45", "TOTAL :|23.25"]
    doc = extract_file(receipt(tmp_path, [*rows, "Rounding Adj:|-0 0]"]), einvoice=False)
    assert doc.kind is DocumentKind.RECEIPT
    assert doc.value("total") == Decimal("23.25")
    # A sentence that mentions a card beside a total is no till line.
    letter = [*rows[:3], "Total|23.25", "Thank you, you may also pay by credit card at the desk"]
    doc = extract_file(receipt(tmp_path, letter, "letter.pdf"), einvoice=False)
    assert doc.kind is not DocumentKind.RECEIPT


def test_cash_handed_over_and_change_given_settle_a_sale_whatever_became_of_the_total(
    tmp_path: Path,
) -> None:
    rows = ["POPULAR BOOK CO. (M) SDN BHD", "56000 KUALA LUMPUR", "11/03/18 18:30 Slip No.: 90602"]
    rows += ["DOCUMENT HOLDER A4|5.75", "Total RM Incl. of GST IR)", "Cash|-50.00", "CHANGE|44.25"]
    doc = extract_file(receipt(tmp_path, rows), einvoice=False)
    assert doc.kind is DocumentKind.RECEIPT
    assert doc.value("issue_date") == date(2018, 3, 11)
    # Prose that mentions cash and change is no till.
    prose = [*rows[:4], "We accept cash of 50.00 or more and give change of 44.25 at the desk"]
    doc = extract_file(receipt(tmp_path, [*prose, "Thank you"], "prose.pdf"), einvoice=False)
    assert doc.kind is not DocumentKind.RECEIPT


HEAD = ["KEDAI MAJU TRADING", "NO 12, JALAN MERDEKA 3,", "TAX INVOICE", "12/03/2018 18:19"]


def test_a_total_whose_label_was_not_read_is_found_by_what_was_paid(tmp_path: Path) -> None:
    # "TOTAL" smudged into "TL": no total label, but cash − change is printed on the page.
    rows = [*HEAD, "VEGETABLES|20.10", "FISH BALL|8.50", "TL:|RM 28.60", "CASH|100.00"]
    rows.append("CHANGE|71.40")
    doc = extract_file(receipt(tmp_path, rows), einvoice=False)
    assert doc.value("total") == Decimal("28.60")
    assert doc.decided_by["total"] == "tendered − change"


def test_a_subtotal_and_its_tax_give_an_unlabelled_total_but_not_a_tax_base(
    tmp_path: Path,
) -> None:
    rows = [*HEAD, "LED LIGHT|68.87", "SUB TOTAL :|RM 68.87", "GST 6% :|RM 4.13", ":|RM 73.00"]
    doc = extract_file(receipt(tmp_path, rows), einvoice=False)
    assert doc.value("total") == Decimal("73.00")
    assert doc.decided_by["total"] == "subtotal + tax"
    # A subtotal plus a service charge read as a tax gives the base a printed rate taxes
    # (6 % of 165.00 is 9.90): that is no total.
    rows = [*HEAD, "BEER|150.00", "SUB TOTAL|150.00", "SERVICE TAX|15.00", "CHANGE|25.10"]
    rows += ["TAX SUMMARY", "SR GST 6%|165.00   9.90"]
    doc = extract_file(receipt(tmp_path, rows, "base.pdf"), einvoice=False)
    assert doc.value("total") != Decimal("165.00")


def test_a_rounding_printed_without_its_sign_still_gives_the_rounded_total(
    tmp_path: Path,
) -> None:
    rows = [*HEAD, "ITEM A|30.91", "TOTAL|RM 30.91", "ROUNDING ADJUSTMENT|RM 0.01"]
    rows += ["|RM 30.90", "CASH|51.00", "CHANGE|20.10"]
    doc = extract_file(receipt(tmp_path, rows), einvoice=False)
    assert doc.value("total") == Decimal("30.90")
    assert "total + rounding" in (doc.fields["total"].evidence.note or "")


def test_cash_printed_as_a_credit_and_savings_are_not_totals(tmp_path: Path) -> None:
    rows = [*HEAD, "FILE|20.90", "TOTAL RM INCL. OF GST|49.39", "ROUNDING ADJ|0.01"]
    rows += ["TOTAL RM|49.40", "CASH|-50.00", "CHANGE|0.60", "TOTAL SAVINGS|-3.29"]
    doc = extract_file(receipt(tmp_path, rows), einvoice=False)
    assert doc.value("total") == Decimal("49.40")
    assert "tendered − change" in (doc.fields["total"].evidence.note or "")


def test_a_payment_less_the_change_due_backs_the_total(tmp_path: Path) -> None:
    rows = [*HEAD, "ITEM|15.90", "TOTAL INCL. OF GST|15.90", "TOTAL AMT ROUNDED|15.90"]
    rows += ["PAYMENT :|50.00", "CHANGE DUE :|34.10"]
    doc = extract_file(receipt(tmp_path, rows), einvoice=False)
    assert doc.value("total") == Decimal("15.90")
    assert doc.decided_by["total"] == "tendered − change"


def test_a_sentence_ending_on_a_line_of_its_own_is_no_receipt_title(tmp_path: Path) -> None:
    """Notes whose sentence wraps so that "… is still a receipt." stands alone on a line talk
    about receipts; a till slip titled "RECEIPT" is one."""
    notes = tmp_path / "notes.txt"
    notes.write_text(
        "How the till slips were checked\n\n"
        "A slip whose total line was misread by the scanner, but which shows cash and change,\n"
        "is still a receipt.\n"
        "The total is then taken from the payment lines.\n"
    )
    slip = tmp_path / "slip.txt"
    slip.write_text(
        "Corner Cafe\nRECEIPT\n2024-03-01 12:30\nTotal 12.50\nCash 20.00\nChange 7.50\n"
    )
    assert extract_file(notes).kind is DocumentKind.OTHER
    assert extract_file(slip).kind is DocumentKind.RECEIPT
