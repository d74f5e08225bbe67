"""Date parsing that says when it is unsure.

Formats: ISO and year-first numeric (``2024-03-15``, ``2024/3/15``, ``2024. 3. 15.``), numeric
day/month/year with ``.``, ``/`` or ``-`` (two- or four-digit years), month names in the
languages of ``data/*.yaml`` (``19 april 2014``, ``April 19, 2014``, ``19. April 2014``,
``15 de marzo de 2024``, ``28-Dec-2022``), CJK (``2024年3月15日``, ``2024년 3월 15일``),
Japanese eras (``令和6年3月15日``) and Taiwan's ROC era (``民國113年3月15日``; a bare
``113年3月15日`` or ``113/03/15`` only with ``roc=True``).

``03/04/2024`` is ambiguous: without a day-first hint the reading carries both dates
(``alternatives``), so the caller can record it instead of guessing. Dots (``03.04.2024``) are
day-first everywhere they are used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from coop_rules import compiled
from coop_rules.extraction.lexicon import forget_with_lines, month_names

__all__ = ["DAYFIRST_LANGS", "DateReading", "find_dates", "normalize_text", "parse_date"]

# Full-width forms (U+FF01..FF5E) and the full-width currency signs map one-to-one to ASCII /
# the ordinary signs, so offsets stay valid after normalising (NFKC would change lengths).
_WIDE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDE.update(
    {
        0x3000: 0x20,
        0xFFE0: 0xA2,
        0xFFE1: 0xA3,
        0xFFE5: 0xA5,
        0xFFE6: 0x20A9,
        0x2212: 0x2D,
        0x2013: 0x2D,
        0x00A0: 0x20,
        0x202F: 0x20,
        0x2009: 0x20,
    }
)


def normalize_text(text: str) -> str:
    """Map full-width digits/letters, odd minus signs and odd spaces to ASCII, same length.

    Lives here, the leaf module, because amounts and dates both need it.
    """
    return text.translate(_WIDE)


# Languages whose numeric dates are day-first (the others are year-first or ambiguous: en).
DAYFIRST_LANGS = frozenset({"de", "fr", "nl", "es", "it", "pt"})

ROC_OFFSET = 1911  # 民國1年 = 1912
_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}  # first year of the era - 1


@dataclass(frozen=True)
class DateReading:
    """A date read from text.

    Attributes:
        value: the preferred reading.
        alternatives: other possible readings (day/month swapped); empty when certain.
        text: the matched text; start/end its span in the searched string.
    """

    value: date
    text: str
    start: int
    end: int
    alternatives: tuple[date, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return bool(self.alternatives)


_SEP = r"[./\-]"
_NUM_YMD = re.compile(r"(?<![\d.,/-])(\d{4})\s?([./\-])\s?(\d{1,2})\s?\2\s?(\d{1,2})\.?(?![\d])")
_NUM_DMY = re.compile(r"(?<![\d.,/])(\d{1,2})([./\-])(\d{1,2})\2(\d{4}|\d{2})(?![\d]|[.,/]\d)")
_CJK = re.compile(
    r"(?:(民國|民国|令和|平成|昭和)\s*)?(\d{1,4}|元)\s*[年년]\s*(\d{1,2})\s*[月월]"
    r"\s*(\d{1,2})\s*[日일]"
)
_ROC_NUM = re.compile(r"(?<![\d.,/-])(\d{2,3})([./\-])(\d{1,2})\2(\d{1,2})(?![\d])")


@lru_cache(maxsize=1)
def _month_patterns() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, int]]:
    names = month_names()
    alts = "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))
    month = rf"(?P<month>{alts})\.?"
    # Every month name of every language: compiled once per machine (coop_rules.compiled).
    # 19 april 2014 / 19. April 2014 / 1er mars 2024 / 15 de marzo de 2024 / 28-Dec-2022 /
    # 15/APR/2017 (receipt printers)
    day_first = compiled.regex(
        rf"(?<![\w/])(?P<day>\d{{1,2}})(?:\.|er|st|nd|rd|th)?(?:[\s\-]*|/)(?:de\s+)?{month}"
        rf"(?![^\W\d_])(?:[\s\-,]*|/)(?:de\s+|del\s+)?(?P<year>\d{{4}}|\d{{2}}(?![\d:.,]))"
        rf"(?!\d)",
        re.IGNORECASE,
    )
    # April 19, 2014 / Dec 28, 2022 / Mar. 4 2023
    month_first = compiled.regex(
        rf"(?<![\w]){month}(?![^\W\d_])\s*(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})"
        rf"(?!\d)",
        re.IGNORECASE,
    )
    return day_first, month_first, names


# A date of a business document outside these years is a misread ("2618", OCR's 2 for 20)
# or not a date at all (a reference number that looks like one).
YEARS = range(1950, 2151)


def _make(year: int, month: int, day: int) -> date | None:
    if year not in YEARS:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _year(text: str) -> int:
    value = int(text)
    if len(text) == 2:  # 22 → 2022, 98 → 1998: invoices are recent
        return 2000 + value if value < 70 else 1900 + value
    return value


def find_dates(
    text: str, *, lang: str | None = None, dayfirst: bool | None = None, roc: bool | None = None
) -> list[DateReading]:
    """Every date in ``text``, in order of position.

    Args:
        text: any string (never raises).
        lang: the document's language; day-first languages fix ``03/04/2024`` as 3 April.
        dayfirst: an explicit order hint, stronger than ``lang``.
        roc: the document uses Taiwan's ROC era (defaults to True for ``zh-Hant``).
    """
    return list(_dates(text, lang, dayfirst, roc))


# The extractors read the same line more than once (its dates, its amounts with the dates
# masked, the dates of a label's value): each line's dates are found once per document.
@lru_cache(maxsize=4096)
def _dates(
    text: str, lang: str | None, dayfirst: bool | None, roc: bool | None
) -> tuple[DateReading, ...]:
    text = normalize_text(text)
    if dayfirst is None and lang in DAYFIRST_LANGS:
        dayfirst = True
    if roc is None:
        roc = lang == "zh-Hant"
    found: list[DateReading] = []
    taken: list[tuple[int, int]] = []

    def add(value: date | None, m: re.Match[str], alternatives: tuple[date, ...] = ()) -> None:
        if value is None or any(s < m.end() and m.start() < e for s, e in taken):
            return
        taken.append((m.start(), m.end()))
        found.append(DateReading(value, m.group().strip(), m.start(), m.end(), alternatives))

    for m in _CJK.finditer(text):
        era, year_text = m.group(1), m.group(2)
        year = 1 if year_text == "元" else int(year_text)
        if era in ("民國", "民国") or (era is None and roc and year < 200):
            year += ROC_OFFSET
        elif era in _ERAS:
            year += _ERAS[era]
        elif year < 1000:
            continue  # "113年" without ROC context is not a year we can place
        add(_make(year, int(m.group(3)), int(m.group(4))), m)
    day_first, month_first, names = _month_patterns()
    for pattern in (day_first, month_first):
        for m in pattern.finditer(text):
            month = names.get(m.group("month").lower().rstrip("."))
            if month is not None:
                add(_make(_year(m.group("year")), month, int(m.group("day"))), m)
    for m in _NUM_YMD.finditer(text):
        add(_make(int(m.group(1)), int(m.group(3)), int(m.group(4))), m)
    for m in _NUM_DMY.finditer(text):
        first, sep, second, year = int(m.group(1)), m.group(2), int(m.group(3)), _year(m.group(4))
        day_month = _make(year, second, first)
        month_day = _make(year, first, second)
        if sep == "." or dayfirst is True:
            add(day_month, m)  # dotted dates are day-first wherever they are written
        elif dayfirst is False:
            add(month_day, m)
        elif day_month and month_day and day_month != month_day:
            add(day_month, m, (month_day,))  # 03/04/2024: both readings, flagged
        else:
            add(day_month or month_day, m)
    if roc:
        for m in _ROC_NUM.finditer(text):
            add(_make(int(m.group(1)) + ROC_OFFSET, int(m.group(3)), int(m.group(4))), m)
    found.sort(key=lambda r: r.start)
    return tuple(found)


forget_with_lines(_dates.cache_clear)  # one document's lines at a time


def parse_date(
    text: str, *, lang: str | None = None, dayfirst: bool | None = None, roc: bool | None = None
) -> DateReading | None:
    """The first date in ``text`` (see :func:`find_dates`), or None. Never raises."""
    found = find_dates(text, lang=lang, dayfirst=dayfirst, roc=roc)
    return found[0] if found else None
