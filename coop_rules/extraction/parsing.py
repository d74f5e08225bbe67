"""Pure parsers for the values invoices carry: amounts and currencies (dates live in ``dates``).

Everything here works on plain strings and never raises on bad input: a string that is not an
amount gives ``None``. The finders (``find_amounts``) return character spans so the layout code
can map a value back to the words (and boxes) it was read from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from coop_rules.extraction.dates import DateReading, find_dates, parse_date

__all__ = [
    "AmountMatch",
    "DateReading",
    "find_amounts",
    "find_currencies",
    "find_currency",
    "find_dates",
    "normalize_text",
    "parse_amount",
    "parse_date",
]

# Full-width forms (U+FF01..FF5E) and the full-width currency signs map one-to-one to ASCII /
# the ordinary signs, so offsets stay valid after normalising (NFKC would change lengths).
_WIDE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDE.update({0x3000: 0x20, 0xFFE0: 0xA2, 0xFFE1: 0xA3, 0xFFE5: 0xA5, 0xFFE6: 0x20A9,
              0x2212: 0x2D, 0x2013: 0x2D, 0x00A0: 0x20, 0x202F: 0x20, 0x2009: 0x20})


def normalize_text(text: str) -> str:
    """Map full-width digits/letters, odd minus signs and odd spaces to ASCII, same length."""
    return text.translate(_WIDE)


# --- currencies -------------------------------------------------------------------------------

# Unambiguous symbols and words. Longer keys first in the regex, so "US$" wins over "$".
_SYMBOLS: dict[str, str] = {
    "€": "EUR", "£": "GBP", "₩": "KRW", "₹": "INR", "₺": "TRY", "₽": "RUB", "zł": "PLN",
    "US$": "USD", "U$S": "USD", "NT$": "TWD", "HK$": "HKD", "S$": "SGD", "A$": "AUD",
    "AU$": "AUD", "C$": "CAD", "CA$": "CAD", "NZ$": "NZD", "R$": "BRL", "MX$": "MXN",
    "円": "JPY", "원": "KRW", "人民币": "CNY", "人民幣": "CNY", "新台幣": "TWD", "新台币": "TWD",
    "Rs.": "INR", "Rs": "INR", "CHF": "CHF", "Fr.": "CHF", "RMB": "CNY", "euro": "EUR",
    "euros": "EUR", "Euro": "EUR", "EURO": "EUR",
}
# ISO codes we accept as currency mentions (a bare three-letter word is often something else).
_ISO = ("EUR USD GBP JPY KRW CNY TWD HKD SGD AUD CAD NZD CHF SEK NOK DKK PLN CZK HUF INR BRL "
        "MXN ZAR TRY RUB AED SAR ILS THB MYR IDR PHP VND RON BGN").split()

# Symbols whose meaning depends on the document's language (decided in ``_resolve``).
_AMBIGUOUS = ("$", "¥", "元", "kr")

_CUR_ALTS = sorted([*map(re.escape, _SYMBOLS), *_ISO, *map(re.escape, _AMBIGUOUS)],
                   key=len, reverse=True)
# ISO codes and letter symbols must stand alone ("EURO" is not "EUR" + "O", "DEUR" is nothing).
_CUR_RE = re.compile(r"(?<![A-Za-z])(?:" + "|".join(_CUR_ALTS) + r")(?![A-Za-z])")


def _resolve(symbol: str, lang: str | None) -> str:
    """The ISO code for an ambiguous symbol, decided by the document's language.

    ``¥`` is JPY in Japanese documents and CNY in Simplified Chinese ones; elsewhere (including
    Traditional Chinese, where Taiwan writes NT$ / 元 for its own money) a Western or Taiwanese
    invoice showing ``¥`` almost always bills yen, so JPY. ``$`` is USD unless the language
    points at a dollar of its own (zh-Hant → TWD). ``元`` is CNY in zh-Hans and TWD in zh-Hant.
    ``kr`` is SEK by default (NOK/DKK cannot be told apart without the country).
    """
    if symbol == "¥":
        return "CNY" if lang == "zh-Hans" else "JPY"
    if symbol == "$":
        return "TWD" if lang == "zh-Hant" else "USD"
    if symbol == "元":
        return "TWD" if lang == "zh-Hant" else "CNY"
    if symbol == "kr":
        return "SEK"
    return _SYMBOLS.get(symbol, symbol.upper())


def find_currencies(text: str, lang: str | None = None) -> list[tuple[str, str, int, int]]:
    """Every currency mention in ``text`` as ``(iso, matched text, start, end)``."""
    text = normalize_text(text)
    return [(_resolve(m.group(), lang), m.group(), m.start(), m.end())
            for m in _CUR_RE.finditer(text)]


def find_currency(text: str, lang: str | None = None) -> tuple[str, str] | None:
    """The first currency mention in ``text`` as ``(ISO code, matched text)``, or None."""
    found = find_currencies(text, lang)
    return (found[0][0], found[0][1]) if found else None


# --- amounts ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AmountMatch:
    """An amount found in a string.

    Attributes:
        value: the amount, negative for ``-12,00``, ``12,00-`` and ``(12.00)``.
        start, end: the span in the searched string (currency symbols next to it included).
        decimals: digits after the decimal separator (0 when there is none).
        currency: the currency symbol or code written next to it, if any.
        percent: the number is followed by ``%`` (a rate, not money).
    """

    value: Decimal
    start: int
    end: int
    decimals: int
    currency: str | None = None
    percent: bool = False


_SYM = r"(?:US\$|NT\$|HK\$|R\$|C\$|A\$|[€$£¥₩₹]|Rs\.?|[A-Z]{3}(?![A-Za-z]))"
# A number core: digits with separators, decided on below. Spaces are allowed between
# three-digit groups only (``1 234,56``); the core never crosses a tab (tabs join columns).
_AMOUNT_RE = re.compile(
    r"(?P<open>\()?(?P<pre>-\s?)?(?P<sym1>" + _SYM + r")?\s?(?P<neg>-\s?)?"
    r"(?P<num>(?<![\w.,])\d+(?:[.,'’]\d+|[ ]\d{3}(?=[ .,]\d|\b))*)"
    r"(?P<close>\))?(?P<post>-(?![\w]))?(?:\s?(?P<sym2>" + _SYM + r"|円|원|元))?(?P<pct>\s?%)?"
)


def _number(core: str, decimal_comma: bool | None) -> tuple[Decimal, int] | None:
    """Decide which separator is the decimal one and return ``(value, decimals)``."""
    core = core.replace("'", "").replace("’", "")
    if " " in core:
        # Space grouping is written with a decimal comma (fr, pl, cz: "1 234,56") or none.
        if "." in core and "," not in core:
            return None
        core = core.replace(" ", "")
    dots, commas = core.count("."), core.count(",")
    if dots and commas:
        dec = "." if core.rfind(".") > core.rfind(",") else ","
        thousands = "," if dec == "." else "."
        if core.count(dec) > 1:
            return None
        intpart, frac = core.split(dec)
        groups = intpart.split(thousands)
    elif dots + commas == 0:
        return _decimal(core, "")
    else:
        sep = "." if dots else ","
        parts = core.split(sep)
        if len(parts) > 2:  # 1.234.567: only thousands separators
            groups, frac = parts, ""
        else:
            intpart, tail = parts
            is_decimal = (len(tail) != 3 or intpart in ("0", "") or len(intpart) > 3
                          or (decimal_comma is True and sep == ",")
                          or (decimal_comma is False and sep == "."))
            if is_decimal:
                return _decimal(intpart, tail)
            groups, frac = parts, ""
    if not groups[0] or len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:]):
        return None
    return _decimal("".join(groups), frac)


def _decimal(intpart: str, frac: str) -> tuple[Decimal, int] | None:
    try:
        return Decimal(f"{intpart or '0'}.{frac}" if frac else intpart), len(frac)
    except InvalidOperation:
        return None


def find_amounts(text: str, *, decimal_comma: bool | None = None) -> list[AmountMatch]:
    """All numbers in ``text`` that read as amounts, with their spans.

    Args:
        text: one line (columns joined by tabs, so a number never spans two columns).
        decimal_comma: the document writes ``1.234,56`` (True), ``1,234.56`` (False), or
            unknown (None: a single separator before three digits is a thousands separator).
    """
    text = normalize_text(text)
    found: list[AmountMatch] = []
    for m in _AMOUNT_RE.finditer(text):
        parsed = _number(m.group("num"), decimal_comma)
        if parsed is None:
            continue
        value, decimals = parsed
        negative = bool(m.group("pre") or m.group("neg") or m.group("post")
                        or (m.group("open") and m.group("close")))
        symbol = m.group("sym1") or m.group("sym2")
        if symbol and symbol.isalpha() and symbol.isupper() and symbol not in _ISO:
            symbol = None  # a capitalised word before a number ("ID 123") is no currency
        start = m.start() if (m.group("open") and m.group("close")) or m.group("pre") or (
            symbol and symbol == m.group("sym1")) else m.start("num") - (
            len(m.group("neg") or "") if not m.group("sym1") else 0)
        found.append(AmountMatch(-value if negative else value, start, m.end(), decimals,
                                 symbol, bool(m.group("pct"))))
    return found


def parse_amount(text: str, *, decimal_comma: bool | None = None) -> Decimal | None:
    """Read ``text`` as one amount: ``"1.234,56 €"``, ``"(1,234.50)"``, ``"12,00-"``.

    Returns None unless the whole string (currency signs and spaces aside) is one amount.

    Args:
        text: the string.
        decimal_comma: see :func:`find_amounts`.
    """
    stripped = normalize_text(text).strip()
    if not stripped:
        return None
    found = find_amounts(stripped, decimal_comma=decimal_comma)
    if len(found) != 1 or found[0].percent:
        return None
    rest = (stripped[: found[0].start] + stripped[found[0].end:]).strip()
    if rest and _CUR_RE.fullmatch(rest) is None:
        return None
    return found[0].value
