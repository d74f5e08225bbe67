"""Languages of the report: UI strings by key, and dates and amounts as each language writes them.

Two kinds of text are localised, both by key and never by translating rule *logic* (DOMAIN.md):

- the report's chrome (headings, verdict words, severity labels, "could not check" reasons,
  read-problem advice): ``coop_rules/i18n/<lang>.yaml``, looked up with :func:`translate`;
- the rules' messages and hints: message catalogues beside the rule files
  (``rules/messages/<lang>.yaml``, see :mod:`coop_rules.rulebook.messages`).

Both fall back to English key by key, so a missing translation shows English, never a key.

Dates and amounts in messages follow CLDR through Babel, whose locale data ships inside the
package (nothing is fetched). English keeps ISO dates and ``1,234.56 EUR``: partners are
worldwide and ``12/31/24`` (US) versus ``31/12/24`` (UK) is exactly the ambiguity a reviewer
must not meet; the other languages have one unambiguous national form (``31.12.2024``,
``2024. 12. 31.``, ``2024年12月31日``, ``2024/12/31``).
"""

from __future__ import annotations

import functools
import re
import string
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from coop_rules.errors import CoopRulesError
from coop_rules.vocab import DEFAULT_LANG, LANGUAGES, LOCALES  # the CLI's --lang needs only these

_DIR = Path(__file__).resolve().parent
# Minor units where they are not 2, as CLDR gives them (Babel's get_currency_precision; a test
# holds the two equal): English amounts are written without loading Babel.
MINOR_UNITS = {
    **dict.fromkeys(
        [
            "ADP",
            "AFN",
            "ALL",
            "BIF",
            "BYR",
            "CLP",
            "COP",
            "DJF",
            "ESP",
            "GNF",
            "HUF",
            "IDR",
            "IQD",
            "IRR",
            "ISK",
            "ITL",
            "JPY",
            "KMF",
            "KPW",
            "KRW",
            "LAK",
            "LBP",
            "LUF",
            "MGA",
            "MGF",
            "MMK",
            "MRO",
            "PYG",
            "RWF",
            "SLL",
            "SOS",
            "STD",
            "SYP",
            "TMM",
            "TRL",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
            "YER",
            "ZMK",
            "ZWD",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}


def check_language(lang: str) -> str:
    """``lang`` if coop-rules speaks it.

    Raises:
        CoopRulesError: an unknown language tag (the message lists the known ones).
    """
    if lang not in LOCALES:
        raise CoopRulesError(f"unknown language {lang!r} (choose from {', '.join(LANGUAGES)})")
    return lang


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """The UI strings of ``lang`` as flat dotted keys (``verdict.pass``); {} when it has none."""
    path = _DIR / f"{lang}.yaml"
    if not path.is_file():
        return {}
    from coop_rules.yamlfile import load  # PyYAML when a catalogue is first shown

    data = load(path.read_text(encoding="utf-8")) or {}
    return _flatten(data)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            # Runs of spaces and line breaks become one space; edges stay (", " is a separator).
            flat[f"{prefix}{key}"] = re.sub(r"\s+", " ", str(value))
    return flat


def translate(key: str, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
    """The UI string ``key`` in ``lang`` (English where ``lang`` lacks it), ``{name}`` filled in.

    Raises:
        KeyError: English has no such key (a programmer error: every key is English first).
    """
    text = catalogue(lang).get(key) or catalogue(DEFAULT_LANG)[key]
    return text.format_map(params) if params else text


def translate_count(key: str, count: int, lang: str = DEFAULT_LANG) -> str:
    """``2 errors``: ``key.one`` for one, ``key.other`` otherwise (enough for these languages)."""
    return translate(f"{key}.{'one' if count == 1 else 'other'}", lang, n=count)


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders of a UI string (for the catalogue consistency test)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def format_date(value: date, lang: str = DEFAULT_LANG) -> str:
    """A date as ``lang`` writes it: ISO in English, CLDR's medium form otherwise."""
    if lang == DEFAULT_LANG or lang not in LOCALES:
        return value.isoformat()
    # Babel (and its CLDR data) only for the languages that need it: English is written above.
    from babel.dates import format_date as babel_date

    return str(babel_date(value, "medium", locale=LOCALES[lang]))


def format_money(amount: Decimal, currency: str, lang: str = DEFAULT_LANG) -> str:
    """An amount with its currency: ``1,234.56 EUR`` in English, CLDR's form otherwise.

    Both use the currency's own minor units (``20,587,600 KRW``, ``￥1,235``; CLDR's digits,
    two for an unknown code); English never drops a digit the amount has (``1,234.5 JPY``,
    which is worth a reviewer's look). CLDR's form uses the currency's symbol where that is
    the local convention (``1.234,56 €``); an unknown currency code is written as the code.
    """
    if lang == DEFAULT_LANG or lang not in LOCALES:
        exponent = amount.normalize().as_tuple().exponent
        shown = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        digits = max(MINOR_UNITS.get(currency, 2), shown)
        return f"{amount:,.{digits}f} {currency}"
    from babel.numbers import format_currency

    return str(format_currency(amount, currency, locale=LOCALES[lang]))


def format_share(share: Decimal, lang: str = DEFAULT_LANG) -> str:
    """A share (0.3431) as a whole percentage in ``lang``'s form: ``34%``, ``34 %``."""
    from babel.numbers import format_percent

    return str(format_percent(share, locale=LOCALES.get(lang, "en")))


def format_number(amount: Decimal, lang: str = DEFAULT_LANG) -> str:
    """A decimal with two places and the language's separators (``1.234,50`` in German)."""
    if lang == DEFAULT_LANG or lang not in LOCALES:
        return f"{amount:,.2f}"
    from babel.numbers import format_decimal

    return str(format_decimal(amount, "#,##0.00", locale=LOCALES[lang]))


@functools.cache
def _note_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The English ``note.*`` templates as patterns, the most literal text first (so
    ``{n} invoices and CSRs`` is tried before ``{n} CSRs``); ``{n}`` is a number."""
    patterns = []
    for key, text in catalogue(DEFAULT_LANG).items():
        if not key.startswith("note."):
            continue
        regex, literal = "", 0
        for text_part, name, _, _ in string.Formatter().parse(text):
            regex += re.escape(text_part)
            literal += len(text_part)
            if name:
                regex += rf"(?P<{name}>\d+)" if name == "n" else f"(?P<{name}>.+?)"
        patterns.append((literal, re.compile(regex + r"\Z"), key))
    patterns.sort(key=lambda item: -item[0])
    return tuple((pattern, key) for _, pattern, key in patterns)


def note_text(note: str, lang: str = DEFAULT_LANG) -> str:
    """An evidence note (``label: Total; subtotal + tax = total``) in ``lang``.

    The extraction writes its notes in English, each a ``; ``-separated part; a part that
    matches a ``note.*`` template is written from that template in ``lang`` with the same
    values (a label stays as the document prints it), any other part stays as it is.
    """
    if lang == DEFAULT_LANG or not note:
        return note
    parts = []
    for part in note.split("; "):
        for pattern, key in _note_patterns():
            if found := pattern.match(part):
                part = translate(key, lang, **found.groupdict())
                break
        parts.append(part)
    return translate("list.separator", lang).join(parts)


def problem_text(kind: str, reason: str, advice: str, lang: str = DEFAULT_LANG) -> tuple[str, str]:
    """Why a document could not be read and what to do, in ``lang``.

    A reader states its reason in English with details (``PDF needs a password``); the other
    languages explain the problem's kind instead (``problem.reason.<kind>``), and fall back to
    the reader's own English texts where they have no translation.
    """
    if lang == DEFAULT_LANG:
        return reason, advice
    texts = catalogue(lang)
    return (
        texts.get(f"problem.reason.{kind}", reason),
        texts.get(f"problem.advice.{kind}", advice),
    )
