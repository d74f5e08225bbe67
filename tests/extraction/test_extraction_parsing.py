"""Amount and currency parsing (coop_rules.extraction.parsing)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coop_rules.extraction.parsing import find_amounts, find_currency, parse_amount


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),  # no-break space
        ("1'234.50", "1234.50"),
        ("(1,234.50)", "-1234.50"),
        ("-12,00", "-12.00"),
        ("12,00-", "-12.00"),
        ("1.234,56 €", "1234.56"),
        ("€ 1.234,56", "1234.56"),
        ("-€ 9,32", "-9.32"),
        ("€ -9,32", "-9.32"),
        ("-USD 47.90", "-47.90"),
        ("US$ 1,000.00", "1000.00"),
        ("123.456.789,00", "123456789.00"),
        ("17808,00", "17808.00"),
        ("0,875", "0.875"),
        ("₩1,234,000", "1234000"),
        ("1,234,000원", "1234000"),
        ("¥123,456", "123456"),
        ("１２３，４５６円", "123456"),  # full-width digits
    ],
)
def test_parse_amount(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "10 %", "12.34.56,7,8", "1,23,4", "Total"])
def test_parse_amount_rejects_non_amounts(text: str) -> None:
    assert parse_amount(text) is None


def test_single_separator_before_three_digits_follows_the_document() -> None:
    assert parse_amount("1.234") == Decimal("1234")  # unknown: a thousands separator
    assert parse_amount("1,234", decimal_comma=True) == Decimal("1.234")
    assert parse_amount("1.234", decimal_comma=False) == Decimal("1.234")
    # Yen and won have no minor unit, whatever the document's decimal separator.
    assert parse_amount("¥123,456", decimal_comma=True) == Decimal("123456")


def test_find_amounts_reads_a_totals_row_column_by_column() -> None:
    found = find_amounts("Total\t1\t278.61\t40.39\t319.00")
    assert [a.value for a in found] == [Decimal(v) for v in ("1", "278.61", "40.39", "319.00")]
    # A quantity before a price is two numbers, not "1 278.61".
    assert [a.value for a in find_amounts("1 278.61")] == [Decimal("1"), Decimal("278.61")]


def test_find_amounts_spans_cover_the_currency_and_flag_rates() -> None:
    text = "MwSt. 19 % 197,12 €"
    found = find_amounts(text, decimal_comma=True)
    assert found[0].percent and not found[1].percent
    assert text[found[1].start : found[1].end] == "197,12 €"
    assert found[1].currency == "€"


@pytest.mark.parametrize(
    ("text", "lang", "iso"),
    [
        ("1.234,56 €", None, "EUR"),
        ("USD 47.90", None, "USD"),
        ("US$ 5", None, "USD"),
        ("£ 12", "en", "GBP"),
        ("₩1,234,000", "ko", "KRW"),
        ("1,234,000원", "ko", "KRW"),
        ("NT$ 3,000", None, "TWD"),
        ("¥1,000", "ja", "JPY"),
        ("¥1,000", "zh-Hans", "CNY"),
        ("¥1,000", "de", "JPY"),
        ("$5", "en", "USD"),
        ("$5", "zh-Hant", "TWD"),
        ("500元", "zh-Hant", "TWD"),
        ("500元", "zh-Hans", "CNY"),
        ("Rs. 40", "en", "INR"),
        ("DEVISE : EURO (EUR)", "fr", "EUR"),
    ],
)
def test_find_currency(text: str, lang: str | None, iso: str) -> None:
    found = find_currency(text, lang)
    assert found is not None and found[0] == iso


def test_find_currency_ignores_words_that_contain_a_code() -> None:
    assert find_currency("DEUR 5") is None
    assert find_currency("Total 5") is None


money = st.decimals(
    min_value=Decimal("-9999999.99"),
    max_value=Decimal("9999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


def _format(value: Decimal, thousands: str, decimal: str) -> str:
    text = f"{abs(value):,.2f}".replace(",", "\x00").replace(".", decimal)
    return ("-" if value < 0 else "") + text.replace("\x00", thousands)


@given(money)
def test_german_formatting_round_trips(value: Decimal) -> None:
    assert parse_amount(_format(value, ".", ",") + " €", decimal_comma=True) == value


@given(money)
def test_english_formatting_round_trips(value: Decimal) -> None:
    assert parse_amount("$" + _format(value, ",", "."), decimal_comma=False) == value


@given(money)
def test_french_and_swiss_formatting_round_trip(value: Decimal) -> None:
    assert parse_amount(_format(value, " ", ",")) == value
    assert parse_amount(_format(value, "'", ".")) == value


@given(st.text(max_size=60))
def test_parsers_never_raise(text: str) -> None:
    parse_amount(text)
    find_amounts(text)
    find_currency(text, "ja")
