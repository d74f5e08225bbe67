"""The label → value search every extractor shares.

A :class:`Context` holds one document's layout, its language and number/date conventions, and
the label hits of one lexicon section on every line. A value belonging to a label is read in a
*window*: the rest of the label's line (up to the next label), or — when nothing useful is to the
right — the text under the label's column on the next few lines. Extractors turn windows into
:class:`Candidate` values with scores and keep the best one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from coop_rules.documents.model import Document
from coop_rules.evidence import Evidence, Extracted, Scalar
from coop_rules.extraction.country import Country, find_country
from coop_rules.extraction.dates import DAYFIRST_LANGS, DateReading, find_dates
from coop_rules.extraction.layout import Layout, Line, Token, build_layout
from coop_rules.extraction.lexicon import (
    LabelHit,
    all_stopwords,
    detect_language,
    duration_regex,
    languages,
    section_matcher,
)
from coop_rules.extraction.parsing import AmountMatch, find_amounts, find_currencies

_DEC_RE = re.compile(r"(?<![\d.,])\d{1,3}(?:[.,']\d{3})*([.,])\d{2}(?!\d)(?![.,]\d)")
_NUMERIC_DATE = re.compile(r"(?<![\d/.-])(\d{1,2})([/-])(\d{1,2})\2(\d{2,4})(?!\d)")
_PAREN = re.compile(r"\s*\(\w{1,6}\)")  # "Handelsrechnung (380) Nr. …": a type code
# A lower-case word right before a kind word makes it part of a sentence that refers to a
# document ("Gutschrift zur Rechnung RE-17", "credit for invoice #17"): a title opens its line
# or its column, or follows a capitalised word ("Ihre Rechnung", "Tax Invoice"), or stands in
# brackets that say what kind of document it is ("Gutschrift (selbst ausgestellte Rechnung)").
_REFERENCED = re.compile(r"(?:^|[\t ])[a-zß-öø-ÿ]+[ ]+$")
_TITLE_ID = re.compile(r"^[\s:#.]*[^\s]*\d")  # the next word holds a digit: an identifier
# A word that makes the label after it a qualifier of the label before it: "Total incl. GST",
# "Total (inclusive of GST)", "Summe inkl. MwSt": the tax word does not start a new label.
_QUALIFYING = (
    r"incl|inc|inclusive|including|excl|exclusive|excluding|ex|of|with|w/|inkl|inklusive|exkl|"
    r"zzgl|avec|hors|compris|con|sin|iva incl"
)
_QUALIFIER = re.compile(rf"(?:\b(?:{_QUALIFYING})\.?\s*|[(/]\s*)$", re.IGNORECASE)
# ...or a qualifier word with a few characters between it and the label it names: a rate
# ("Total incl. 19% MwSt") or a word OCR misread ("Total Incl.Qf GST").
_QUALIFIER_AHEAD = re.compile(rf"^\s*(?:{_QUALIFYING})\b\.?[^\t]{{0,10}}$", re.IGNORECASE)
_MONEY = re.compile(r"\d[.,]\d{2}(?!\d|\s*%)")  # an amount, not a rate ("7,75 %")


# Currencies without a minor unit (ISO 4217 exponent 0): their amounts are printed in whole
# units ("合計 ¥12,800", "세액 100,000"), so a number without decimals is how money is written.
WHOLE_UNIT_CURRENCIES = frozenset({"JPY", "KRW", "VND", "CLP", "ISK"})


@dataclass(frozen=True)
class Window:
    """Part of one line where a label's value may stand."""

    line: Line
    start: int
    end: int
    below: bool = False
    column: tuple[float, float] | None = None  # the label's x-range, for windows below it

    @property
    def text(self) -> str:
        return self.line.text[self.start : self.end]

    def tokens(self, start: int, end: int) -> list[Token]:
        """Tokens of the window-relative span ``[start, end)``."""
        return self.line.tokens_in(self.start + start, self.start + end)

    def in_column(self, start: int, end: int) -> bool:
        """Whether the span overlaps the label's column (always true on the label's line)."""
        if self.column is None:
            return True
        x0, x1 = self.column
        return any(t.x0 < x1 and t.x1 > x0 for t in self.tokens(start, end))


@dataclass(frozen=True)
class Candidate:
    """A possible value of a field, with the score that ranks it."""

    value: Scalar
    score: float
    evidence: Evidence
    order: int  # line index: earlier wins ties
    alternatives: tuple[Scalar, ...] = ()

    def extracted(self, confidence: float) -> Extracted:
        return Extracted(
            self.value, self.evidence, round(min(1.0, max(0.05, confidence)), 2), self.alternatives
        )


def best(candidates: Iterable[Candidate]) -> Candidate | None:
    """The highest score; ties go to the earliest in the document."""
    ranked = sorted(candidates, key=lambda c: (-c.score, c.order))
    return ranked[0] if ranked else None


def segment_bounds(line: Line, pos: int) -> tuple[int, int]:
    """The column segment of ``line.text`` around character ``pos``."""
    start = line.text.rfind("\t", 0, pos) + 1
    end = line.text.find("\t", pos)
    return start, len(line.text) if end < 0 else end


class Context:
    """One document prepared for one lexicon section."""

    def __init__(
        self,
        document: Document,
        section: str,
        layout: Layout | None = None,
        lang: str | None = None,
    ) -> None:
        self.document = document
        self.layout = layout or build_layout(document)
        self.text = "\n".join(line.text for line in self.layout.lines)
        self.lang = lang or detect_language(self.text)
        self.matcher = section_matcher(section, self.lang)
        self.hits: list[list[LabelHit]] = [
            self.matcher.find(line.text) for line in self.layout.lines
        ]
        # Other readings of a field (best first), kept for an abstention's candidates.
        self.readings: dict[str, tuple[Extracted, ...]] = {}
        self._amounts: dict[str, list[AmountMatch]] = {}  # text → amounts (one document)

    @cached_property
    def decimal_comma(self) -> bool | None:
        """Whether amounts are written 1.234,56: by majority of the document, else by language."""
        seps = [m.group(1) for m in _DEC_RE.finditer(self.text)]
        commas, dots = seps.count(","), seps.count(".")
        if commas != dots:
            return commas > dots
        language = languages().get(self.lang or "")
        return language.decimal_comma if language else None

    @cached_property
    def dayfirst(self) -> tuple[bool | None, str | None]:
        """The day/month order of numeric dates and, when inferred, the date that showed it.

        Day-first languages fix it. Otherwise a date like 31/08/2022 elsewhere in the same
        document shows how that document's software writes dates.
        """
        if self.lang in DAYFIRST_LANGS:
            return True, None
        if self.lang in ("ja", "ko", "zh-Hans", "zh-Hant"):
            return None, None
        for m in _NUMERIC_DATE.finditer(self.text):
            first, second = int(m.group(1)), int(m.group(3))
            if first > 12 >= second:
                return True, f"day-first, as {m.group()} in the same document"
            if second > 12 >= first:
                return False, f"month-first, as {m.group()} in the same document"
        # Nothing in the document settles it: the issuer's country does (cues on the page).
        country = self.country
        if country is not None and country.dayfirst is not None:
            order = "day-first" if country.dayfirst else "month-first"
            return country.dayfirst, f"{order}, as dates are written in {country.note()}"
        return None, None

    @cached_property
    def country(self) -> Country | None:
        """The issuer's country when cues on the page place it (see :mod:`.country`)."""
        return find_country(self.layout)

    @cached_property
    def whole_units(self) -> bool:
        """Whether the document's money is printed in whole units: every currency it names
        has no minor unit (yen, won), or it names none and the issuer's country's has none."""
        named = {iso for iso, *_ in find_currencies(self.text, self.lang)}
        if named:
            return named <= WHOLE_UNIT_CURRENCIES
        return self.country is not None and self.country.currency in WHOLE_UNIT_CURRENCIES

    def money(self, amount: AmountMatch) -> bool:
        """Whether ``amount`` is written as money: with two decimals or a currency sign, or
        in whole units where the document's currency has no minor unit (a bare integer in a
        euro invoice is a quantity, a number or a post code)."""
        if amount.decimals == 2 or amount.currency is not None:
            return True
        return amount.decimals == 0 and self.whole_units

    def dates(self, text: str) -> list[DateReading]:
        return find_dates(text, lang=self.lang, dayfirst=self.dayfirst[0])

    def amounts(self, text: str) -> list[AmountMatch]:
        """Amounts in ``text``, dates masked (a date's day is no amount), percentages and
        numbers of days, weeks or months ("balance at 30 days") dropped."""
        cached = self._amounts.get(text)
        if cached is None:
            cached = self._amounts[text] = self._find_amounts(text)
        return list(cached)

    def _find_amounts(self, text: str) -> list[AmountMatch]:
        masked = list(text)
        for reading in find_dates(text, lang=self.lang, dayfirst=self.dayfirst[0]):
            masked[reading.start : reading.end] = " " * (reading.end - reading.start)
        plain = "".join(masked)
        duration = duration_regex()
        return [
            a
            for a in find_amounts(plain, decimal_comma=self.decimal_comma)
            if not a.percent and not (a.currency is None and duration.match(plain, a.end))
        ]

    def labelled(self, fields: Iterable[str]) -> Iterator[tuple[Line, LabelHit]]:
        """Every hit of ``fields`` in document order."""
        wanted = set(fields)
        for line, hits in zip(self.layout.lines, self.hits, strict=True):
            for hit in hits:
                if hit.field in wanted:
                    yield line, hit

    def right(self, line: Line, hit: LabelHit, passable: Iterable[str] = ()) -> Window:
        """The rest of ``line`` after ``hit``, up to the next label (``passable`` ones aside).

        A label inside a parenthesis opened after ``hit`` ("Total (incl. GST)") or right after
        a qualifier word ("Total incl. GST", "Summe inkl. MwSt") qualifies ``hit``: it does not
        end the window. A tab (a new column) ends the qualifier.
        """
        end = len(line.text)
        ok = set(passable)
        for other in self.hits[line.index]:
            if other.start < hit.end or other.field in ok:
                continue
            between = line.text[hit.end : other.start]
            if "\t" not in between and (
                between.count("(") > between.count(")")
                or _QUALIFIER.search(between)
                or (_QUALIFIER_AHEAD.match(between) and not _MONEY.search(between))
            ):
                continue
            end = other.start
            break
        return Window(line, hit.end, end)

    def below(self, line: Line, hit: LabelHit, max_lines: int = 4) -> Iterator[Window]:
        """Windows under the label's column, nearest first, until another label blocks it."""
        tokens = line.tokens_in(hit.start, hit.end)
        if not tokens:
            return
        x0, x1 = min(t.x0 for t in tokens) - 2, max(t.x1 for t in tokens) + 2
        for other, inside in self.layout.below(line, x0, x1, max_lines=max_lines):
            if not inside:
                continue
            first = other.tokens.index(inside[0])
            last = other.tokens.index(inside[-1])
            start = segment_bounds(other, other.starts[first])[0]
            end = segment_bounds(other, other.starts[last])[1]
            blocking = [
                h
                for h in self.hits[other.index]
                if h.start < end and h.end > start and not h.field.startswith("kind:")
            ]
            if blocking:
                # A label in the column starts the next field; text before it still counts.
                if blocking[0].start > start:
                    yield Window(other, start, blocking[0].start, True, (x0, x1))
                return
            yield Window(other, start, end, True, (x0, x1))

    def evidence(self, window: Window, start: int, end: int, note: str | None = None) -> Evidence:
        tokens = window.tokens(start, end)
        return self.layout.evidence(tokens, window.text[start:end].strip(), note=note)

    def title_line(self, line: Line) -> bool:
        """Whether ``line`` names the document: ``Rechnung Nr. 12 vom …``, ``Invoice # 12``.

        A kind word (or an invoice-number label) followed at once by a number label or an
        identifier: "Rechnung gemäß Bestellung Nr. 4 vom …" is a sentence, not a title.
        """
        hits = self.hits[line.index]
        for i, hit in enumerate(hits):
            if not (hit.field.startswith("kind:") or hit.field == "invoice_number"):
                continue
            before = line.text[: hit.start]
            if _REFERENCED.search(before) and before.count("(") <= before.count(")"):
                continue  # "zur Rechnung RE-17 vom …", "for invoice #17": another document
            rest = _PAREN.sub("", line.text[hit.end :], count=1)
            nxt = hits[i + 1] if i + 1 < len(hits) else None
            if nxt is not None and nxt.field == "invoice_number_generic":
                between = _PAREN.sub("", line.text[hit.end : nxt.start], count=1)
                if len(between.split()) <= 1:  # "Schlussrechnung Bau (877) Nr. …"
                    return True
            if _TITLE_ID.match(rest):
                return True
        return False

    def after_title(self, line: Line) -> bool:
        """Whether ``line`` continues a title broken over two lines: it follows a title line,
        or a line holding nothing but a kind word ("FACTURE" / "AFFACTUREE N° UC1_…")."""
        if line.index == 0:
            return False
        previous = self.layout.lines[line.index - 1]
        if previous.page != line.page:
            return False
        hits = self.hits[previous.index]
        alone = (
            len(hits) == 1
            and hits[0].field.startswith("kind:")
            and not previous.text.replace(hits[0].text, "").strip(" .:\t")
        )
        return alone or self.title_line(previous)

    def prose(self, line: Line, pos: int) -> bool:
        """Whether ``pos`` sits in running text (a sentence), where labels are weak.

        A sentence is long, or middling with function words ("bitte Ihre … und …").
        """
        start, end = segment_bounds(line, pos)
        words = line.text[start:end].lower().split()
        if len(words) >= 12:
            return True
        stop = all_stopwords()
        return len(words) >= 6 and sum(w in stop for w in words) >= 2
