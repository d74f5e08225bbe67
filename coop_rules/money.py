"""Money: an exact amount with its ISO 4217 currency, the one value type for money.

The manifest's amounts, the program data's caps and thresholds, the facts' money values, rule
constants (``"18750.00 USD"``) and the report's claimed amount are all :class:`Money`. It is a
``NamedTuple``: new code reads ``.amount`` and ``.currency``, and it is still the
``(amount, currency)`` pair the rules, the engines and the renderers took apart by position.

How currencies are written (symbols, words, ISO codes) is here too: the extraction reads them
beside amounts (:mod:`coop_rules.extraction.parsing`), and the OCR reader must not take a
currency standing alone for a garbled amount (:mod:`coop_rules.documents.ocr`).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import NamedTuple


class Money(NamedTuple):
    """An amount of money: a ``Decimal`` (never a float) in an ISO 4217 currency (``"EUR"``).

    Being a tuple, it unpacks (``amount, currency = money``) and equals the plain pair; code
    that compares or adds two amounts checks their currencies first.
    """

    amount: Decimal
    currency: str

    def __str__(self) -> str:
        """``27,077.60 EUR``: as an evidence line quotes an amount the manifest states."""
        return f"{self.amount:,.2f} {self.currency}"


# --- how currencies are written -----------------------------------------------------------

# Unambiguous symbols and words. Longer keys first in the regex, so "US$" wins over "$".
SYMBOLS: dict[str, str] = {
    "€": "EUR",
    "£": "GBP",
    "₩": "KRW",
    "₹": "INR",
    "₺": "TRY",
    "₽": "RUB",
    "zł": "PLN",
    "US$": "USD",
    "U$S": "USD",
    "NT$": "TWD",
    "HK$": "HKD",
    "S$": "SGD",
    "A$": "AUD",
    "AU$": "AUD",
    "C$": "CAD",
    "CA$": "CAD",
    "NZ$": "NZD",
    "R$": "BRL",
    "MX$": "MXN",
    "円": "JPY",
    "원": "KRW",
    "人民币": "CNY",
    "人民幣": "CNY",
    "新台幣": "TWD",
    "新台币": "TWD",
    "Rs.": "INR",
    "Rs": "INR",
    "CHF": "CHF",
    "Fr.": "CHF",
    "RMB": "CNY",
    "RM": "MYR",  # ringgit: "RM 60.30", "AMT(RM)"
    "euro": "EUR",
    "euros": "EUR",
    "Euro": "EUR",
    "EURO": "EUR",
}
# ISO codes we accept as currency mentions (a bare three-letter word is often something else).
ISO_CODES = (
    "EUR",
    "USD",
    "GBP",
    "JPY",
    "KRW",
    "CNY",
    "TWD",
    "HKD",
    "SGD",
    "AUD",
    "CAD",
    "NZD",
    "CHF",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "CZK",
    "HUF",
    "INR",
    "BRL",
    "MXN",
    "ZAR",
    "TRY",
    "RUB",
    "AED",
    "SAR",
    "ILS",
    "THB",
    "MYR",
    "IDR",
    "PHP",
    "VND",
    "RON",
    "BGN",
)

# Symbols whose meaning depends on the document's language (coop_rules.extraction.parsing decides).
AMBIGUOUS_SYMBOLS = ("$", "¥", "元", "kr")

_ALTERNATIVES = sorted(
    [*map(re.escape, SYMBOLS), *ISO_CODES, *map(re.escape, AMBIGUOUS_SYMBOLS)],
    key=len,
    reverse=True,
)
# ISO codes and letter symbols must stand alone ("EURO" is not "EUR" + "O", "DEUR" is nothing).
CURRENCY_MENTION = re.compile(r"(?<![A-Za-z])(?:" + "|".join(_ALTERNATIVES) + r")(?![A-Za-z])")


def is_currency(text: str) -> bool:
    """Whether ``text`` is nothing but a currency's symbol, word or code ("RM", "EUR", "$")."""
    return CURRENCY_MENTION.fullmatch(text.rstrip(".:")) is not None
