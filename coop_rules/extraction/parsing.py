"""Pure parsers for the values invoices carry: amounts and currencies (dates live in ``dates``).

Everything here works on plain strings and never raises on bad input: a string that is not an
amount gives ``None``. The finders (``find_amounts``) return character spans so the layout code
can map a value back to the words (and boxes) it was read from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from coop_rules.extraction.dates import DateReading, find_dates, normalize_text, parse_date
from coop_rules.extraction.lexicon import forget_with_lines
from coop_rules.money import CURRENCY_MENTION, ISO_CODES, SYMBOLS

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

# --- currencies -------------------------------------------------------------------------------

# How currencies are written: coop_rules.money (the OCR reader needs them too).


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
    return SYMBOLS.get(symbol, symbol.upper())


def find_currencies(text: str, lang: str | None = None) -> list[tuple[str, str, int, int]]:
    """Every currency mention in ``text`` as ``(iso, matched text, start, end)``."""
    # Match on the normalised text (same length) but report the text as printed ("￦").
    return [
        (_resolve(m.group(), lang), text[m.start() : m.end()], m.start(), m.end())
        for m in CURRENCY_MENTION.finditer(normalize_text(text))
        if not _in_address(text, m)
    ]


def _in_address(text: str, m: re.Match[str]) -> bool:
    """Whether a currency word is part of an e-mail or web address ("hanbit-ad.co.kr",
    "shop.eu/eur/"): a letter symbol right after a dot, "@" or "/"."""
    return m.group()[:1].isalpha() and m.start() > 0 and text[m.start() - 1] in ".@/"


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


_NO_DECIMALS = frozenset({"¥", "₩", "円", "원", "JPY", "KRW"})
_SYM = r"(?:US\$|NT\$|HK\$|R\$|C\$|A\$|[€$£¥₩₹]|Rs\.?|RM(?![A-Za-z])|[A-Z]{3}(?![A-Za-z]))"
# A number core: digits with separators, decided on below. Spaces are allowed between
# three-digit groups only (``1 234,56``); the core never crosses a tab (tabs join columns).
_AMOUNT_RE = re.compile(
    r"(?P<open>\()?(?P<pre>-\s?)?(?P<sym1>" + _SYM + r")?\s?(?P<neg>-\s?)?"
    # "RM6.85" (a symbol glued to the number); ".57" (receipt printers drop a leading zero)
    r"(?:(?<=(?<![A-Za-z])RM)|(?<![\w.,]))"
    r"(?P<num>\d+(?:[.,'’]\d+|[ ]\d{3}(?![\d]))*|\.\d{2}(?!\d))(?![A-Za-z0-9_])"
    r"(?P<close>\))?(?P<post>-(?!\w))?(?:\s?(?P<sym2>" + _SYM + r"|円|원|元))?(?P<pct>\s?%)?"
)


def _number(core: str, decimal_comma: bool | None) -> tuple[Decimal, int] | None:
    """Decide which separator is the decimal one and return ``(value, decimals)``."""
    core = core.replace("'", "").replace("’", "")
    if " " in core:
        # Space grouping is written with a decimal comma (fr, pl, cz: "1 234,56") or none.
        if ("." in core and "," not in core) or decimal_comma is False:
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
            # One separator before exactly three digits is a thousands separator unless the
            # document's convention (or a zero / long integer part) says it is a decimal one.
            is_decimal = (
                len(tail) != 3
                or intpart in ("0", "")
                or len(intpart) > 3
                or (decimal_comma is True and sep == ",")
                or (decimal_comma is False and sep == ".")
            )
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
    return list(_amounts(text, decimal_comma))


# The extractors read the same line more than once (its amounts, its rates, a cell's number):
# each line's amounts are found once per document.
@lru_cache(maxsize=4096)
def _amounts(text: str, decimal_comma: bool | None) -> tuple[AmountMatch, ...]:
    text = normalize_text(text)
    found: list[AmountMatch] = []
    for m in _AMOUNT_RE.finditer(text):
        core = m.group("num")
        parsed = _number(core, decimal_comma)
        if parsed is None and " " in core:
            # "1 278.61" is a quantity and a price, not one number: read the pieces alone.
            offset = m.start("num")
            for piece in re.finditer(r"\S+", core):
                alone = _number(piece.group(), decimal_comma)
                if alone is not None:
                    found.append(
                        AmountMatch(
                            alone[0], offset + piece.start(), offset + piece.end(), alone[1]
                        )
                    )
            continue
        if parsed is None or (parsed[1] == 0 and _code_piece(text, m)):
            continue
        value, decimals = parsed
        symbol = m.group("sym1") or m.group("sym2")
        if decimals == 3 and symbol in _NO_DECIMALS:
            # Yen and won have no minor unit: "¥123,456" is 123456 whatever the document's
            # decimal separator is.
            parsed = _number(core, None)
            if parsed is not None:
                value, decimals = parsed
        sym1_kept = bool(m.group("sym1")) and _is_currency(m.group("sym1"))
        if symbol and not _is_currency(symbol):
            symbol = None  # a capitalised word before a number ("ID 123") is no currency
        bracketed = bool(m.group("open") and m.group("close"))
        negative = bool(m.group("pre") or m.group("neg") or m.group("post") or bracketed)
        # The span starts at the first part that belongs to the amount.
        starts = [m.start("num")]
        for name, keep in (("open", bracketed), ("pre", True), ("sym1", sym1_kept), ("neg", True)):
            if m.group(name) and keep:
                starts.append(m.start(name))
        end = m.end("num")
        for name in ("close", "post", "sym2", "pct"):
            if m.group(name) and (name != "close" or bracketed):
                end = m.end(name)
        found.append(
            AmountMatch(
                -value if negative else value,
                min(starts),
                end,
                decimals,
                symbol,
                bool(m.group("pct")),
            )
        )
    return tuple(found)


forget_with_lines(_amounts.cache_clear)  # one document's lines at a time


def _code_piece(text: str, m: re.Match[str]) -> bool:
    """Whether a whole number is a piece of a code or a range, not an amount: joined by a
    hyphen to more digits ("06-1234-5678", "〒530-0001", "214-86-12345", "50-249"). Money is
    never printed so."""
    start, end = m.start("num"), m.end("num")
    joined_before = m.group("pre") == "-" and start >= 2 and text[start - 2].isdigit()
    joined_after = text[end : end + 1] == "-" and text[end + 1 : end + 2].isdigit()
    return joined_before or joined_after


def _is_currency(symbol: str) -> bool:
    return not (
        symbol.isalpha() and symbol.isupper() and len(symbol) == 3 and symbol not in ISO_CODES
    )


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
    rest = (stripped[: found[0].start] + stripped[found[0].end :]).strip()
    if rest and CURRENCY_MENTION.fullmatch(rest) is None:
        return None
    return found[0].value
