"""What OCR's words go through before extraction, and how OCR values are trusted: no engine
needed (the words are made here, as Tesseract gives them)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from PIL import Image, ImageDraw, ImageFont

from coop_rules.documents import ocr
from coop_rules.documents.model import Document, Page, Word
from coop_rules.evidence import Evidence, Extracted
from coop_rules.extraction import extract_document
from coop_rules.extraction.ocr import apply_ocr_confidence


def test_an_amount_split_at_its_decimal_mark_is_joined() -> None:
    line = [Word("Total", 0, 10, 40, 22), Word("49.", 100, 10, 120, 22, 0.9)]
    joined = ocr._joined_amounts([*line, Word("39", 124, 11, 138, 23, 0.8)])
    assert [w.text for w in joined] == ["Total", "49.39"]
    assert joined[1].box == (100, 10, 138, 23) and joined[1].confidence == 0.8
    # Far apart, they are two things (a count and a price), and so is a date's day.
    apart = ocr._joined_amounts([*line, Word("39", 160, 10, 174, 22)])
    assert [w.text for w in apart] == ["Total", "49.", "39"]
    minus = ocr._joined_amounts([Word("-0.", 0, 0, 20, 12), Word("83", 24, 0, 36, 12)])
    assert [w.text for w in minus] == ["-0.83"]
    assert len(ocr._joined_amounts([Word("12.", 0, 0, 20, 12), Word("2018", 24, 0, 50, 12)])) == 2
    # A second reading gave the integer part a box reaching over the cents: still one amount.
    over = ocr._joined_amounts([Word("100.", 280, 632, 319, 646), Word("60", 308, 631, 321, 648)])
    assert [w.text for w in over] == ["100.60"] and over[0].box == (280, 631, 321, 648)
    # Cents whose box lies inside the integer part's, or begins left of it, are no cents.
    inside = [Word("100.", 280, 632, 319, 646), Word("60", 300, 631, 315, 648)]
    assert len(ocr._joined_amounts(inside)) == 2
    # A number ending in a comma before a date or a time is no amount split at its mark.
    for after in ("25/05/2018", "18:12"):
        dated = [Word("304,", 100, 10, 130, 22), Word(after, 128, 10, 200, 22)]
        assert len(ocr._joined_amounts(dated)) == 2, after


def test_a_line_of_unsure_specks_is_noise_and_a_short_sure_word_is_not() -> None:
    assert ocr._noise_line([Word("we", 0, 0, 20, 12, 0.45), Word("i", 30, 0, 34, 12, 0.3)])
    assert not ocr._noise_line([Word("SR", 0, 0, 20, 12, 0.93)])
    assert not ocr._noise_line([Word("En", 0, 0, 20, 12, 0.2), Word("CAFE", 30, 0, 70, 12, 0.4)])


def test_words_of_one_curved_line_share_its_band() -> None:
    # The amount at the right edge of a bent receipt sits lower than its label.
    label, amount = Word("CASH", 10, 100, 60, 120), Word("40.00", 300, 112, 350, 132)
    banded = ocr._in_band([label, amount], (10, 100, 350, 132))
    assert {(w.top, w.bottom) for w in banded} == {(100, 132)}
    assert [(w.x0, w.x1) for w in banded] == [(10, 60), (300, 350)]
    # A line far taller than its words (a large logo on it) gives no band.
    assert ocr._in_band([label, amount], (10, 40, 350, 132)) == [label, amount]


def page_of(*lines: str, confidence: float = 0.8, confirmed: bool = False) -> Document:
    """An OCR page: one line of words per string, every word read at ``confidence`` (and its
    numbers ``confirmed`` by a second reading)."""
    words = []
    for row, text in enumerate(lines):
        x = 10.0
        for token in text.split():
            number = confirmed and any(c.isdigit() for c in token)
            words.append(
                Word(token, x, 20.0 * row, x + 8 * len(token), 20.0 * row + 12, confidence, number)
            )
            x += 8 * len(token) + 6
    page = Page(1, 300, 20 * len(lines), tuple(words), "\n".join(lines), ocr_confidence=confidence)
    return Document(path="r.jpg", media_type="image/jpeg", pages=(page,))


def read(document: Document, value: object, row: int, text: str) -> Extracted:
    word = next(w for w in document.pages[0].words if w.text == text and w.top == 20.0 * row)
    return Extracted(value, Evidence("r.jpg", text, page=1, box=word.box), 0.8)


def test_a_total_read_twice_needs_less_word_confidence() -> None:
    doc = page_of("TOTAL 13.10", "CASH 13.10", "CHANGE 9.00")
    total = read(doc, Decimal("13.10"), 0, "13.10")
    kept, _ = apply_ocr_confidence(doc, {"total": total}, {"total": "label"})
    assert kept["total"].value == Decimal("13.10")
    once = page_of("TOTAL 13.10", "CASH 20.10", "CHANGE 9.00")
    kept, doubts = apply_ocr_confidence(once, {"total": read(once, Decimal("13.10"), 0, "13.10")})
    assert kept == {} and doubts["total"].reason.endswith("confidence 0.80")


def test_a_total_printed_again_is_read_twice_as_ocr_writes_it_the_second_time() -> None:
    # The second print with its currency glued on and misread, and a gap after the decimal
    # mark: the same amount. Another amount so written is no second print.
    lines = ("RICE 10KG 53.50", "Total Sales (Incl. GST 6%) RM73.00")
    for again in ("Nett Total RH73. 00", "Nett Total RM73.00", "RH 73,00"):
        doc = page_of(*lines, again, "VISA CARD")
        total = read(doc, Decimal("73.00"), 1, "RM73.00")
        kept, _ = apply_ocr_confidence(doc, {"total": total}, {"total": "label"})
        assert kept["total"].value == Decimal("73.00"), again
    for other in ("Nett Total RH78. 00", "Nett Total RH73. 0", "Nett Total 73 00"):
        doc = page_of(*lines, other, "VISA CARD")
        total = read(doc, Decimal("73.00"), 1, "RM73.00")
        kept, _ = apply_ocr_confidence(doc, {"total": total}, {"total": "label"})
        assert kept == {}, other


def test_a_total_is_printed_again_on_a_line_that_prints_only_it() -> None:
    # Its own line prints a rate beside it ("GST 6.00", the sign lost); a one-item receipt
    # prints it again as the item's amount, or as the item's price and amount beside a count.
    for item in ("HERBY PIPA GAO CONCENTRATE-TCM 47.70", "47.70 1 47.70"):
        doc = page_of(item, "TOTAL INCL. GST 6.00 RM 47.70", "THANK YOU")
        total = read(doc, Decimal("47.70"), 1, "47.70")
        kept, _ = apply_ocr_confidence(doc, {"total": total}, {"total": "label"})
        assert kept["total"].value == Decimal("47.70"), item
    # Its own line is not a second print, nor a line with another amount beside it.
    for other in ("2 x 47.70 95.40", "SR 6% 45.00 47.70"):
        doc = page_of(other, "TOTAL INCL. GST 6.00 RM 47.70", "THANK YOU")
        total = read(doc, Decimal("47.70"), 1, "47.70")
        kept, doubts = apply_ocr_confidence(doc, {"total": total}, {"total": "label"})
        assert kept == {} and doubts["total"].threshold == 0.85, other


def test_a_total_the_sums_back_may_have_lost_its_cents_and_not_its_whole_part() -> None:
    # "TOTAL 12." (its cents smudged) over "CASH 12.00" / "CHANGE 0.00": the sums give 12.00.
    paid = {"total": "tendered − change"}
    for read_as in ("12.", "12.0"):
        doc = page_of(f"1 TOTAL {read_as}", "CASH 12.00", "CHANGE 0.00", confidence=0.9)
        total = read(doc, Decimal("12"), 0, read_as)
        kept, _ = apply_ocr_confidence(doc, {"total": total}, paid)
        assert str(kept["total"].value) == "12.00", read_as
    # Not backed by the sums; its whole part not read ("1." for 12.00); or no decimal mark
    # read (a count, "TOTAL QTY 12"): no total.
    doc = page_of("1 TOTAL 12.", "CASH 12.00", "CHANGE 0.00", confidence=0.9)
    kept, doubts = apply_ocr_confidence(doc, {"total": read(doc, Decimal("12"), 0, "12.")})
    assert kept == {} and "without its cents" in doubts["total"].reason
    for read_as in ("1.", "12"):
        doc = page_of(f"1 TOTAL {read_as}", "CASH 12.00", "CHANGE 0.00", confidence=0.9)
        kept, _ = apply_ocr_confidence(doc, {"total": read(doc, Decimal("12"), 0, read_as)}, paid)
        assert kept == {}, read_as


def test_an_amounts_currency_glued_on_is_a_word_of_its_own() -> None:
    word = Word("FM3.00", 100.0, 10.0, 160.0, 22.0, 0.99, True)
    letters, amount = ocr._currency_apart([word])
    assert (letters.text, amount.text) == ("FM", "3.00")
    assert letters.x0 == 100.0 and amount.x1 == 160.0 and letters.x1 < amount.x0
    assert letters.confirmed and amount.confirmed and amount.confidence == 0.99
    dollars = Word("$3.00", 100.0, 10.0, 150.0, 22.0, 0.99)
    assert ocr._currency_apart([dollars]) == [dollars]  # a sign the parser reads glued
    # A parking ticket whose "RM" OCR misread on the total's and the payment's lines.
    glued = page_of(
        "PARKING SDN BHD",
        "TAX INVOICE",
        "Paid Time 30/04/2017 23:14",
        "Type Rate A RM3.00",
        "Total! 5 \\ M3.00",
        "Paid FM3.00",
        confidence=0.95,
    )
    assert extract_document(glued, einvoice=False).value("total") is None
    page = glued.pages[0]
    lines = [ocr._currency_apart(line) for line in ocr._lines_of(list(page.words))]
    apart = replace(
        page,
        words=tuple(w for line in lines for w in line),
        text="\n".join(" ".join(w.text for w in line) for line in lines),
    )
    doc = extract_document(replace(glued, pages=(apart,)), einvoice=False)
    assert doc.value("total") == Decimal("3.00")


def test_a_total_printed_again_under_a_tax_of_nothing_is_no_net_amount() -> None:
    # Zero-rated goods: the gross amount plus a tax of 0.00 is the net amount, printed
    # again; that says nothing of which amount is the total.
    doc = page_of(
        "PASIR EMAS HARDWARE SDN BHD",
        "Tax Invoice",
        "Date : 23/06/18 12:46:33 PM",
        "WAAN34 3 8.00 24.00 SR",
        "ST00014 3 4.00 12.00 SR",
        "Gross Amt: 36.00",
        "GST (6%) : 0.00",
        "Net Amt: 36.00",
        confidence=0.95,
    )
    found = extract_document(doc, einvoice=False)
    assert found.value("total") == Decimal("36.00")
    assert (found.fields["total"].evidence.note or "").startswith("label: Gross Amt")


def test_a_total_its_items_add_up_to_is_used_unless_a_rounding_follows() -> None:
    items = ("1 HONEY SOFT TOAST 3.30", "2 XIAO GE GE 5.40", "1 EGG TART 5.10")
    label = {"total": "label"}
    doc = page_of("LAVENDER CONFECTIONERY", *items, "8 TOTAL. 13.80", "CASH 50,00", confidence=0.95)
    kept, _ = apply_ocr_confidence(doc, {"total": read(doc, Decimal("13.80"), 4, "13.80")}, label)
    assert kept["total"].value == Decimal("13.80")
    # A misread total the items do not add up to.
    doc = page_of("LAVENDER CONFECTIONERY", *items, "8 TOTAL. 18.80", "CASH 50,00", confidence=0.95)
    kept, _ = apply_ocr_confidence(doc, {"total": read(doc, Decimal("18.80"), 4, "18.80")}, label)
    assert kept == {}
    # An adjustment of less than a coin under it, its label misread: the total before rounding.
    rounded = ("LAVENDER CONFECTIONERY", *items, "Total Sales 13.80", "rnunding Adj -0.02")
    doc = page_of(*rounded, "Jotal After Rounding 13.78", confidence=0.95)
    kept, _ = apply_ocr_confidence(doc, {"total": read(doc, Decimal("13.80"), 4, "13.80")}, label)
    assert kept == {}


def test_a_net_amount_read_twice_is_no_total() -> None:
    # Repeated in the tax summary beside its tax: the base of the 6 % tax, not the total.
    doc = page_of("Total Sales 33.00", "GST 6% 1.98", "TOTAL 38.00", "SR 33.00")
    total = read(doc, Decimal("33.00"), 0, "33.00")
    kept, doubts = apply_ocr_confidence(doc, {"total": total}, {"total": "label"})
    assert kept == {} and "total" in doubts
    # ... and so is an amount the tax read beside it turns into another printed amount.
    doc = page_of("Gross Amount 40.00", "GST 2.40", "Sub Total 42.40", "40.00")
    total, tax = read(doc, Decimal("40.00"), 0, "40.00"), read(doc, Decimal("2.40"), 1, "2.40")
    kept, _ = apply_ocr_confidence(doc, {"total": total, "tax": tax}, {"total": "label"})
    assert "total" not in kept


def test_the_tax_a_printed_rate_gives_is_no_total() -> None:
    # A tax summary's row (rate, base, tax) and its total row read apart from the base; the
    # grand total's own line was misread. 8.68 is read alone on two lines, but it is 6 % of
    # 144.68: a tax.
    doc = page_of("SUB-TOTAL 144.68", "SR 6.00 144.68 8.68", "TOTAL: 8.68", "TAX 8.68")
    total = read(doc, Decimal("8.68"), 2, "8.68")
    kept, doubts = apply_ocr_confidence(doc, {"total": total}, {"total": "label"})
    assert kept == {} and "tax a rate gives" in doubts["total"].reason
    # ... also when OCR read the row's rate on a line of its own.
    doc = page_of("SUB-TOTAL 144.68", "SR 6.00", "144.68 8.68", "TOTAL: 8.68", "TAX 8.68")
    total = read(doc, Decimal("8.68"), 3, "8.68")
    assert "total" not in apply_ocr_confidence(doc, {"total": total}, {"total": "label"})[0]
    # A total that is no rate of anything printed beside it stays.
    doc = page_of("SR 6.00 144.68 8.68", "TOTAL 153.36", "CASH 160.00", "CHANGE 6.64")
    total = read(doc, Decimal("153.36"), 1, "153.36")
    kept, _ = apply_ocr_confidence(doc, {"total": total}, {"total": "tendered − change"})
    assert kept["total"].value == Decimal("153.36")
    # A tax's base is money, printed with its cents: an item's quantity and a price that lost
    # its decimal mark (10 × 0.70) are not a base and a rate (70 at 10 %).
    doc = page_of("BEG GUNI", "10.00 NOS x 070 7.00 SR", "Total 7.00", "Cash 7.00", "Change 0.00")
    total = read(doc, Decimal("7.00"), 2, "7.00")
    kept, _ = apply_ocr_confidence(doc, {"total": total}, {"total": "tendered − change"})
    assert kept["total"].value == Decimal("7.00")


def test_a_date_read_twice_needs_less_word_confidence() -> None:
    doc = page_of("Date: 29-10-2017 18:31:45", "Closed: 29-10-2017", confidence=0.7)
    found = read(doc, date(2017, 10, 29), 0, "29-10-2017")
    assert apply_ocr_confidence(doc, {"issue_date": found})[0]["issue_date"].value == found.value
    once = page_of("Date: 29-10-2017 18:31:45", "Closed: 18:40", confidence=0.7)
    found = read(once, date(2017, 10, 29), 0, "29-10-2017")
    assert apply_ocr_confidence(once, {"issue_date": found})[0] == {}


def test_a_speck_inside_a_values_box_is_not_one_of_its_words() -> None:
    doc = page_of("INV 304, 25/05/2018 18:12:50", confidence=0.99)
    found = read(doc, date(2018, 5, 25), 0, "25/05/2018")
    x0, top, _, _ = found.evidence.box or (0, 0, 0, 0)
    speck = Word("|", x0 + 40, top + 1, x0 + 41.5, top + 2.5, 0.84)  # a mark OCR read there
    page = doc.pages[0]
    specked = replace(doc, pages=(replace(page, words=(*page.words, speck)),))
    kept, _ = apply_ocr_confidence(specked, {"issue_date": found})
    assert "OCR, confidence 0.99" in (kept["issue_date"].evidence.note or "")
    # A letter or digit in the box counts, in the value's text or not (it may be its own).
    digit = replace(speck, text="3", confidence=0.56)
    doubted = replace(doc, pages=(replace(page, words=(*page.words, digit)),))
    assert apply_ocr_confidence(doubted, {"issue_date": found})[0] == {}


def test_a_date_two_readings_agree_on_needs_no_second_line_and_a_total_does() -> None:
    # Read once on the page, but a second reading of the number's own box gave the same.
    doc = page_of("Date: 29-10-2017", "TOTAL 60.31", confidence=0.7, confirmed=True)
    fields = {
        "issue_date": read(doc, date(2017, 10, 29), 0, "29-10-2017"),
        "total": read(doc, Decimal("60.31"), 1, "60.31"),
    }
    kept, doubts = apply_ocr_confidence(doc, fields, {"total": "label"})
    assert set(kept) == {"issue_date"}  # a total needs the page's sums (before rounding?)
    assert "total" in doubts
    unconfirmed = page_of("Date: 29-10-2017", "TOTAL 60.31", confidence=0.7)
    fields["issue_date"] = read(unconfirmed, date(2017, 10, 29), 0, "29-10-2017")
    kept, doubts = apply_ocr_confidence(unconfirmed, fields, {"total": "label"})
    assert "issue_date" not in kept and "issue_date" in doubts


def test_which_words_are_read_again_as_numbers() -> None:
    def group(*texts: str, x: float = 0) -> list[str]:
        line = [Word(t, x + 60 * i, 0, x + 60 * i + 50, 12, 0.9) for i, t in enumerate(texts)]
        return [w.text for w in ocr._number_group(line, 0, middle=300)]

    assert group("59.08") == ["59.08"]
    assert group("68,", "87") == ["68,", "87"]  # split at its decimal mark: one number
    assert group("17:75") == ["17:75"]  # a decimal mark read as a colon
    assert group("19/03/2018") == ["19/03/2018"]
    assert group("21-i1-16") == ["21-i1-16"]  # a digit read as a letter
    assert group("25-Q1-16") == ["25-Q1-16"]
    assert group("AB-CD-16") == []
    assert group("E/2/2OLT") == ["E/2/2OLT"]  # 6/2/2017: one mark twice, a year of this century
    for text in ("S/B", "A/C/NO", "1/2/ABCD", "1/2-2OLT", "AB/CD/2XYZ"):
        assert group(text) == [], text
    assert group("280", x=400) == ["280"]  # a whole number where the amounts stand
    assert group("280") == []  # ... not a quantity or code at the left
    assert group("RM30.91") == ["RM30.91"]  # an amount with its currency glued to it
    assert group("Dater11/03/18") == ["Dater11/03/18"]  # a date with its label glued to it
    assert group(":28/04/18") == [":28/04/18"]  # ...or the label's colon
    assert group("Invoice12/2018") == []
    for text in ("17:34:00", "07-386", "9555916500133", "RM30", "CASH", "7"):
        assert group(text, x=400) == [], text
    # Cents OCR read as letters, where the amounts stand: read again as one number.
    assert group("4.", "Ot", x=400) == ["4.", "Ot"]
    assert group("4.", "Ot") == []
    # An amount whose decimal mark OCR did not see: a whole number and two digits a narrow
    # gap apart, where the amounts stand; not two numbers a space apart, nor at the left.
    lost = [Word("3", 400, 0, 408, 12, 0.8), Word("08", 412, 0, 428, 12, 0.8)]
    assert ocr._number_group(lost, 0, middle=300) == lost
    assert ocr._number_group(lost, 0, middle=450) == []
    apart = [lost[0], Word("08", 424, 0, 440, 12, 0.8)]
    assert ocr._number_group(apart, 0, middle=300) == []
    # The year of a date written with its month's name, wherever it stands.
    dated = [Word(t, 10 + 40 * i, 0, 40 + 40 * i, 12, 0.9) for i, t in enumerate(["29", "Mar"])]
    year = Word("2013", 90, 0, 130, 12, 0.9)
    assert ocr._number_group([*dated, year], 2, middle=300) == [year]
    assert ocr._number_group([Word("Invoice", 10, 0, 60, 12), year], 1, middle=300) == []
    assert ocr._number_group([*dated, year], 0, middle=300) == dated[:1]  # ...and its day
    assert ocr._number_group([*dated, Word("Total", 90, 0, 130, 12)], 0, middle=300) == []
    sure = [Word("59.08", 400, 0, 450, 12, ocr.SURE_READ)]
    assert ocr._number_group(sure, 0, middle=300) == []  # read sure enough once
    # An amount garbled after its label ("TOTAL 7 on"): the line's last words, where the
    # amounts stand, short, one of them read unsure.
    label = Word("TOTAL", 10, 0, 60, 12, 0.96)
    garbled = [Word("7", 400, 0, 408, 12, 0.51), Word("on", 414, 0, 430, 12, 0.68)]
    assert ocr._number_group([label, *garbled], 1, middle=300) == garbled
    assert ocr._number_group(garbled, 0, middle=300) == []  # no label before it
    assert ocr._number_group([label, *garbled], 1, middle=405) == []  # not where amounts stand
    words = [Word(t, 300 + 60 * i, 0, 350 + 60 * i, 12, 0.7) for i, t in enumerate("abc")]
    assert ocr._number_group([label, *words], 1, middle=200) == []  # three words: a phrase
    again = [Word("Again", 400, 0, 440, 12, 0.7)]
    assert ocr._number_group([label, *again], 1, middle=300) == []  # a word, not garble
    read_sure = [replace(w, confidence=0.9) for w in garbled]
    assert ocr._number_group([label, *read_sure], 1, middle=300) == []  # nothing read unsure
    colon, amount = Word(":", 380, 0, 384, 12, 0.9), Word("719.008", 390, 0, 440, 12, 0.48)
    assert ocr._number_group([label, colon, amount], 1, middle=300) == []  # read alone
    currency = [Word("RM", 400, 0, 416, 12, 0.77), Word("U2", 420, 0, 436, 12, 0.74)]
    assert ocr._number_group([label, *currency], 1, middle=300) == []  # "RM" makes digits too
    assert ocr._number_group([label, *currency], 2, middle=300) == currency[1:]  # after it
    glued = [Word("RM7.", 400, 0, 430, 12, 0.77), Word("00", 434, 0, 450, 12, 0.57)]
    assert ocr._number_group([label, *glued], 1, middle=300) == glued  # a currency glued on


def test_two_readings_of_a_number_are_voted() -> None:
    page = [Word("59.08", 100, 10, 150, 22, 0.93)]
    agreed = ocr._voted(page, ("59.08", 0.7), False)
    assert agreed == [Word("59.08", 100, 10, 150, 22, 0.93, confirmed=True)]
    # Two amounts that differ: the page's stays, too doubtful to be used on its own.
    differ = ocr._voted(page, ("50.00", 0.9), False)
    assert [(w.text, w.confidence, w.confirmed) for w in differ] == [("59.08", ocr.DOUBTFUL, False)]
    # The page read no whole amount, the second reading one: it takes its place, doubtful too.
    split = [Word("68,", 100, 10, 130, 22, 0.9), Word("8", 134, 10, 140, 22, 0.5)]
    (taken,) = ocr._voted(split, ("68.87", 0.9), False)
    assert (taken.text, taken.box, taken.confidence) == ("68.87", (100, 10, 140, 22), ocr.DOUBTFUL)
    assert ocr._voted(split, ("68.87", 0.3), False) == split  # ... unless it was unsure of it
    lost = [Word("3", 100, 10, 108, 22, 0.8), Word("08", 112, 10, 128, 22, 0.8)]
    (taken,) = ocr._voted(lost, ("3.08", 0.9), False)  # ... and one whose decimal mark was lost
    assert (taken.text, taken.box, taken.confidence) == ("3.08", (100, 10, 128, 22), ocr.DOUBTFUL)
    # A date the second reading does not repeat keeps its page reading and confidence.
    day = [Word("15/03/2018", 100, 10, 180, 22, 0.96)]
    assert ocr._voted(day, ("18/03/2018", 0.86), False) == day
    assert ocr._voted(day, ("15/03/2018", 0.7), False)[0].confirmed
    assert ocr._voted(page, ("50.00", 0.3), False) == page  # an unsure second reading has no vote


def test_the_recognisers_reading_of_an_amount_replaces_the_pages() -> None:
    # A second engine's reading: where it differs from Tesseract's page, it is the likelier.
    page = [Word("66.30", 100, 10, 150, 22, 0.9)]
    (taken,) = ocr._voted(page, ("60.30", 0.97), True)
    assert (taken.text, taken.box, taken.confidence, taken.confirmed) == (
        "60.30",
        (100, 10, 150, 22),
        ocr.DOUBTFUL,
        False,
    )
    assert ocr._voted(page, ("60.30", 0.97), False)[0].text == "66.30"  # Tesseract's: not so
    # ... but only as an amount, read sure enough.
    assert [w.text for w in ocr._voted(page, ("6.6.30", 0.97), True)] == ["66.30"]
    assert ocr._voted(page, ("60.30", 0.4), True) == page
    # A date too: as sure as the recogniser where it is sure (SURE_READ), else doubtful (a
    # value read from it then needs a second print to be used).
    day = [Word("28/02/2014", 100, 10, 180, 22, 0.9)]
    (taken,) = ocr._voted(day, ("28/02/2016", 0.99), True)
    assert (taken.text, taken.box, taken.confidence) == ("28/02/2016", day[0].box, 0.99)
    (taken,) = ocr._voted(day, ("28/02/2016", 0.9), True)
    assert (taken.text, taken.confidence) == ("28/02/2016", ocr.DOUBTFUL)
    glued = [Word("Dater21/06/18", 100, 10, 200, 22, 0.8)]  # its label stays
    assert ocr._voted(glued, ("27/06/18", 0.99), True)[0].text == "Dater27/06/18"
    assert ocr._voted(day, ("28/02/2016", 0.5), True) == day  # unsure: no vote
    assert ocr._voted(day, ("2802.20", 0.99), True) == day  # no date: no vote
    lettered = [Word("E/2/2OLT", 100, 10, 180, 22, 0.11)]  # OCR's letters for 6/2/2017
    assert ocr._voted(lettered, ("6/2/2017", 0.99), True)[0].text == "6/2/2017"
    year = [Word("2013", 100, 10, 140, 22, 0.9)]  # a year of "29 Mar 2013"
    assert [(w.text, w.confidence) for w in ocr._voted(year, ("2018", 0.99), True)] == [
        ("2018", 0.99)
    ]
    assert ocr._voted(year, ("2018", 0.9), True)[0].confidence == ocr.DOUBTFUL
    assert ocr._voted(year, ("2018", 0.99), False) == year  # Tesseract's second reading: no
    split = [Word("4.", 100, 10, 110, 22, 0.9), Word("Ot", 112, 10, 124, 22, 0.5)]
    assert [(w.text, w.confidence) for w in ocr._voted(split, ("4.96", 0.9), True)] == [
        ("4.96", ocr.DOUBTFUL)
    ]


def test_the_recognisers_digits_replace_a_number_the_page_garbled() -> None:
    garbled = [Word("7", 400, 0, 408, 12, 0.51), Word("on", 414, 0, 430, 12, 0.68)]
    (taken,) = ocr._voted(garbled, ("700", 0.99), True)
    assert (taken.text, taken.box, taken.confidence) == ("700", (400, 0, 430, 12), ocr.DOUBTFUL)
    assert ocr._voted(garbled, ("700", 0.99), False) == garbled  # Tesseract's again: no
    assert ocr._voted(garbled, ("700", 0.4), True) == garbled  # unsure: no vote
    cents = [Word("U2", 400, 0, 416, 12, 0.74)]  # "Rounding Adjustment RM U2"
    assert [w.text for w in ocr._voted(cents, (".02", 0.95), True)] == [".02"]
    whole = [Word("280", 300, 0, 400, 12, 0.43)]  # read under a dashed rule
    assert ocr._voted(whole, ("9280", 0.88), True)[0].text == "9280"
    amount = [Word("7.00", 400, 0, 430, 12, 0.8)]  # an amount with its mark stays one
    assert [w.text for w in ocr._voted(amount, ("700", 0.99), True)] == ["7.00"]


def test_an_amount_with_its_currency_glued_on_is_read_again_from_its_first_digit() -> None:
    # "RM7.70" in proportional type: an "M" is wider than a digit, so the letters' share of
    # the word's width (2 of 6 characters) ends inside the "M", whose last stroke a reading of
    # digits takes for a "1" ("17.70").
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 40)
    pic = Image.new("L", (400, 80), 255)
    ImageDraw.Draw(pic).text((50, 10), "RM7.70", font=font, fill=0)
    x0, top, x1, bottom = pic.point(lambda v: 255 - v).getbbox() or (0, 0, 0, 0)
    letters = Image.new("L", (400, 80), 255)
    ImageDraw.Draw(letters).text((50, 10), "RM", font=font, fill=0)
    m_ends = (letters.point(lambda v: 255 - v).getbbox() or (0, 0, 0, 0))[2]
    digits = Image.new("L", (400, 80), 255)
    ImageDraw.Draw(digits).text((50 + font.getlength("RM"), 10), "7", font=font, fill=0)
    seven_starts = (digits.point(lambda v: 255 - v).getbbox() or (0, 0, 0, 0))[0]
    assert x0 + (x1 - x0) * 2 / 6 < m_ends  # the letters' share alone cuts into the "M"
    word = Word("RM7.70", x0, top, x1, bottom, 0.88)
    cut = ocr._digits_start(pic, word, 2)
    # In the middle of the gap between them: its edges hold the glyphs' faint outlines.
    assert abs(cut - (m_ends + seven_starts - 1) / 2) <= 1
    crop = ocr._crop(pic, [word], ocr.TIGHT_MARGIN)
    right = round(x1 + ocr.TIGHT_MARGIN[0] * 0.15 * (bottom - top))
    assert letters.crop((right - crop.width, 0, right, 80)).getextrema() == (255, 255)


def receipt_read_by_ocr(*lines: str, ocr_read: bool = True) -> Document:
    doc = page_of("KEDAI MAJU TRADING SDN BHD", "TAX INVOICE", "12/03/2018 18:19", *lines)
    return doc if ocr_read else replace(doc, pages=(replace(doc.pages[0], ocr_confidence=None),))


def test_a_totals_decimal_mark_ocr_lost_is_put_back_where_the_sums_print_its_digits() -> None:
    taxed = ("TAPE 2 3.30 6.60", "SUB-TOTAL 6.60", "GST 0.40", "TOTAL 700", "THANK YOU")
    found = extract_document(receipt_read_by_ocr(*taxed), einvoice=False).fields["total"]
    assert found.value == Decimal("7.00") and found.evidence.text == "700"
    assert "decimal mark not read: subtotal + tax give 7.00" in (found.evidence.note or "")
    paid = ("RICE 4 1.80 7.20", "Grand Total 9280", "Cash 100.00", "Change 7.20")
    found = extract_document(receipt_read_by_ocr(*paid), einvoice=False).fields["total"]
    assert found.value == Decimal("92.80")
    assert "tendered − change give 92.80" in (found.evidence.note or "")
    # Digits no sum gives are not placed (an amount read without its cents is not used); on a
    # text layer a decimal mark is never lost.
    other = ("TAPE 2 3.30 6.60", "SUB-TOTAL 6.60", "GST 0.40", "TOTAL 710", "THANK YOU")
    assert extract_document(receipt_read_by_ocr(*other), einvoice=False).value("total") is None
    text = extract_document(receipt_read_by_ocr(*taxed, ocr_read=False), einvoice=False)
    assert text.value("total") == Decimal(700)  # as printed


def test_two_readings_alike_confirm_a_number_however_unsure_the_second() -> None:
    day = [Word("27/09/2017", 100, 10, 180, 22, 0.7)]
    (again,) = ocr._voted(day, ("27/09/2017", 0.22), False)
    assert again.confirmed and again.confidence == 0.7
    glued = [Word("RM367.10", 100, 10, 180, 22, 0.46)]  # the digits were read again
    assert ocr._voted(glued, ("367.10", 0.9), False)[0].confirmed


def test_a_second_reading_that_lost_characters_is_read_again_closer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    margins: list[tuple[float, float]] = []

    def read_crop(pic: object, group: list[Word], margin: tuple[float, float]) -> tuple:
        margins.append(margin)
        wide = {"15/06/2017": ("", 0.0), "30.91": ("30.91", 0.8)}[group[0].text]
        return wide if margin == ocr.WIDE_MARGIN else (group[0].text, 0.5)

    monkeypatch.setattr(ocr, "_read_crop", read_crop)
    monkeypatch.setattr(ocr.number_reader, "available", lambda: False)  # Tesseract reads again
    day = [Word("15/06/2017", 100, 10, 180, 22, 0.72)]
    assert ocr._reread(None, day) == ("15/06/2017", 0.5, False)  # type: ignore[arg-type]
    assert margins == [ocr.WIDE_MARGIN, ocr.TIGHT_MARGIN]
    margins.clear()
    amount = [Word("30.91", 100, 10, 150, 22, 0.8)]
    assert ocr._reread(None, amount) == ("30.91", 0.8, False)  # type: ignore[arg-type]
    assert margins == [ocr.WIDE_MARGIN]  # read whole the first time: once


def test_a_dashed_rule_read_with_a_number_is_cut_off_and_the_number_read_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # "Grand Total 92.80" under a dashed rule that Tesseract's box of the amount took in.
    label = [Word("Grand", 170, 719, 209, 729, 0.97), Word("Total", 214, 719, 244, 729, 0.97)]
    amount = Word("280", 278, 713, 404, 730, 0.43)
    crops: list[tuple[float, float]] = []

    def reread(pic: object, group: list[Word]) -> tuple[str, float, bool]:
        crops.append((group[0].top, group[0].bottom))
        return ("..........2.80", 0.49, True) if group[0].top < 715 else ("9280", 0.88, True)

    monkeypatch.setattr(ocr, "_reread", reread)
    monkeypatch.setattr(ocr, "REREAD_NUMBERS", True)
    pic = Image.new("L", (450, 800), 255)
    read = ocr.reread_numbers(pic, [*label, amount])
    assert crops == [(713, 730), (720, 730)]  # cut to the label's height, at the bottom
    assert [w.text for w in read] == ["Grand", "Total", "9280"]
    # A reading without a run of dots (a larger total, no rule read) is read once.
    crops.clear()
    amount = replace(amount, top=716)
    assert [w.text for w in ocr.reread_numbers(pic, [*label, amount])][-1] == "9280"
    assert crops == [(716, 730)]


def test_a_year_no_document_can_have_is_read_again_never_guessed() -> None:
    misread = [Word("12-02-2618", 100, 10, 180, 22, 0.91)]
    (taken,) = ocr._voted(misread, ("12-02-2018", 0.88), False)
    assert (taken.text, taken.confidence, taken.confirmed) == ("12-02-2018", 0.88, False)
    before_2000 = [replace(misread[0], text="12-02-1918")]
    assert ocr._voted(before_2000, ("12-02-2018", 0.88), False)[0].text == "12-02-2018"
    # Another day or month, an unsure second reading, or a possible year: the page's stays.
    assert ocr._voted(misread, ("12-03-2018", 0.88), False) == misread
    assert ocr._voted(misread, ("12-02-2018", 0.4), False) == misread
    possible = [Word("12-02-2016", 100, 10, 180, 22, 0.91)]
    assert ocr._voted(possible, ("12-02-2018", 0.9), False) == possible
    # The recogniser's date stands as any of its dates does: as sure as it read it.
    unsure = [Word("09/03/2918", 100, 10, 180, 22, 0.67)]
    (taken,) = ocr._voted(unsure, ("09/03/2018", 0.9995), True)
    assert (taken.text, taken.confidence) == ("09/03/2018", 0.9995)


def test_the_papers_edge_read_as_bars_is_no_word() -> None:
    # A creased receipt: the fold beside the text is read as "|" at high confidence.
    line = [Word("|", 0, 0, 4, 12, 0.95), Word("Sdn", 10, 0, 40, 12), Word("Bhd", 46, 0, 76, 12)]
    assert [w.text for w in ocr._without_edges([*line, Word("|", 90, 0, 94, 12, 0.95)])] == [
        "Sdn",
        "Bhd",
    ]
    # Inside a line a bar is print (a separator between two columns), and stays.
    inner = [Word("A", 0, 0, 8, 12), Word("|", 12, 0, 14, 12), Word("B", 20, 0, 28, 12)]
    assert ocr._without_edges(inner) == inner
    assert ocr._lines_of([Word("|", 0, 0, 4, 12, 0.95)]) == []  # a line of nothing but the edge


def test_a_section_sign_between_words_is_an_ampersand() -> None:
    def marks(*texts: str) -> list[str]:
        line = [Word(t, 40 * i, 0, 40 * i + 30, 12) for i, t in enumerate(texts)]
        return [w.text for w in ocr._read_marks(line)]

    assert marks("STATIONERY", "§", "BOOKS") == ["STATIONERY", "&", "BOOKS"]
    assert marks("nach", "§", "14", "UStG") == ["nach", "§", "14", "UStG"]  # a section's number


def test_a_line_of_words_all_read_as_guesses_is_noise() -> None:
    specks = [("ina", 0.26), ("N,Q,", 0.12), ("CO", 0.22), ("Ee", 0.28)]
    assert ocr._noise_line(
        [Word(t, 40 * i, 0, 40 * i + 30, 12, c) for i, (t, c) in enumerate(specks)]
    )
    # One unsure word is a word, not a smudge: a shop name read at 0.46 stays.
    assert not ocr._noise_line([Word("SUNFISH", 0, 0, 80, 12, 0.46)])
    assert not ocr._noise_line([Word("ina", 0, 0, 30, 12, 0.3), Word("CAFE", 40, 0, 80, 12, 0.9)])


def test_a_name_counts_its_words_mean_confidence_unless_one_is_a_guess() -> None:
    doc = page_of("URBAN IDEA SDN BHD", "TOTAL 9.90", confidence=0.9)
    words = list(doc.pages[0].words)
    words[1] = replace(words[1], confidence=0.59)  # "IDEA", one unsure word of four
    page = replace(doc.pages[0], words=tuple(words))
    doc = replace(doc, pages=(page,))
    box = (words[0].x0, words[0].top, words[3].x1, words[3].bottom)
    vendor = Extracted("URBAN IDEA SDN BHD", Evidence("r.jpg", "", page=1, box=box), 0.8)
    kept, _ = apply_ocr_confidence(doc, {"vendor": vendor})
    assert kept["vendor"].confidence == pytest.approx(0.8 * (0.9 * 3 + 0.59) / 4)
    words[1] = replace(words[1], confidence=0.3)  # a word OCR guessed: the name is as unsure
    doc = replace(doc, pages=(replace(page, words=tuple(words)),))
    kept, doubts = apply_ocr_confidence(doc, {"vendor": vendor})
    assert kept == {} and doubts["vendor"].reason.endswith("confidence 0.30")


def text_block(sheet: Image.Image, left: int, top: int, lines: int, width: int) -> None:
    """Lines of print (runs of dark letter-sized marks) at ``left``, ``top`` on ``sheet``."""
    draw = ImageDraw.Draw(sheet)
    for line in range(lines):
        y = top + line * 60
        for x in range(left, left + width, 36):
            draw.rectangle((x, y, x + 24, y + 30), fill=30)


def test_a_receipt_on_a_scanned_sheet_is_cut_from_its_shadow_fold_and_dust() -> None:
    sheet = Image.new("L", (2480, 3508), 245)
    text_block(sheet, 800, 600, 30, 700)
    draw = ImageDraw.Draw(sheet)
    draw.rectangle((0, 0, 90, 3507), fill=150)  # the scanner's shadow along the sheet's edge
    draw.line((2000, 0, 2000, 3507), fill=60, width=3)  # a fold
    for n in range(200):  # dust
        x, y = (n * 397) % 2470, (n * 631) % 3498
        draw.ellipse((x, y, x + 4, y + 4), fill=60)
    box = ocr._print_box(sheet)
    assert box is not None
    left, top, right, bottom = box
    # The print (800–1508 across, 600–2370 down) and a margin of some 100 px, no more.
    assert 700 < left <= 800 and 500 < top <= 600
    assert 1508 <= right < 1650 and 2370 <= bottom < 2500


def test_a_sheet_whose_print_is_in_two_places_is_not_cut() -> None:
    # Two blocks of print far apart (an address on the left, amounts on the right): the cut
    # would lose one of them, so the sheet is read whole.
    sheet = Image.new("L", (2480, 3508), 245)
    text_block(sheet, 300, 600, 30, 500)
    text_block(sheet, 1600, 600, 20, 500)
    assert ocr._print_box(sheet) is None
    # ... and so is a sheet that is print all over (a page of an invoice).
    full = Image.new("L", (2480, 3508), 245)
    text_block(full, 150, 150, 52, 2100)
    assert ocr._print_box(full) is None
