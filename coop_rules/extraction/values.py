"""Typed values next to labels: dates, amounts and the currency, for any extractor.

``labelled_date`` and ``labelled_amount`` take label *tiers* (field name → weight) so invoices,
CSRs and PoE share one search. A workbook cell with a typed value (a real date, a number) is used
as it is, never re-parsed from its text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from coop_rules.evidence import Evidence, Extracted
from coop_rules.extraction.country import DOLLARS
from coop_rules.extraction.dates import DateReading
from coop_rules.extraction.fields import Candidate, Context, Window, best
from coop_rules.extraction.layout import Line
from coop_rules.extraction.lexicon import LabelHit
from coop_rules.extraction.parsing import AmountMatch, find_currencies
from coop_rules.money import AMBIGUOUS_SYMBOLS

BELOW_PENALTY = 0.3  # a value under its label is a little less sure than one beside it
PROSE_PENALTY = 1.0  # "… bitte Ihre Belegnummer 2018092011804 angeben": a label in a sentence
# "Ort, Datum: Berlin, den 02.05.2024": a place may precede a signature's date.
_PLACE = re.compile(r"^[\s:.#-]*[^\W\d][^\d\t:]{0,30},\s*(?:den\s+|le\s+|am\s+)?$")
_NUMERIC = re.compile(r"\d{1,2}[/-]\d{1,2}[/-]\d{2,4}")
# What joins the two ends of a date range ("15.03.2024 – 17.03.2024", "1 March to 31 March").
RANGE_JOIN = re.compile(
    r"^\s*(?:-|–|—|~|～|〜|to|bis|au|al|à|a|hasta|until|till|through|tot|t/m|"
    r"까지|から|至)\s*",
    re.IGNORECASE,
)


def label_note(hit: LabelHit) -> str:
    return f"label: {hit.text.strip()}"


def _date_cell(window: Window) -> tuple[date, int, int] | None:
    """The date of the first cell in ``window`` when it is a real date (workbooks only)."""
    for token in window.tokens(0, len(window.text))[:1]:
        if isinstance(token.native, date):
            start = max(0, window.line.starts[window.line.tokens.index(token)] - window.start)
            return token.native, start, start + len(token.text)
    return None


def _typed_cells(window: Window) -> list[tuple[Decimal, int, int]]:
    """The numeric cells of ``window`` with their spans (workbooks only)."""
    out = []
    for token in window.tokens(0, len(window.text)):
        if isinstance(token.native, Decimal):
            start = window.line.starts[window.line.tokens.index(token)] - window.start
            out.append((token.native, max(0, start), max(0, start) + len(token.text)))
    return out


def date_windows(ctx: Context, line: Line, hit: LabelHit) -> list[Window]:
    """Where a date labelled by ``hit`` may stand: right of it, else under it or run on.

    Under it also when the label is a column heading: alone in its column segment, other
    headings to its right ("Beschreibung | Fälligkeit | Teilzahlung" over "05.03.2019").
    """
    windows: list[Window] = [ctx.right(line, hit)]
    rest = windows[0].text
    if not rest.split("\t")[0].strip(" :.#"):
        windows += list(ctx.below(line, hit, max_lines=2))
    at_end = hit.end >= len(line.text.rstrip()) and line.index + 1 < len(ctx.layout.lines)
    if at_end and not rest.strip(" \t:.#"):
        # "… Nr. 471102 vom" + line break + "05.03.2018": the sentence runs on.
        following = ctx.layout.lines[line.index + 1]
        if following.page == line.page:
            windows.append(Window(following, 0, len(following.text), True))
    return windows


def first_date(ctx: Context, window: Window) -> DateReading | None:
    """The date a window gives: at its start (right of a label) or in the label's column."""
    cell = _date_cell(window)
    if cell is not None:
        value, start, end = cell
        return DateReading(value, window.text[start:end], start, end)
    return next(
        (
            d
            for d in ctx.dates(window.text)
            if not window.text[: d.start].strip(" \t:.#,-")
            or _PLACE.match(window.text[: d.start])
            or (window.below and window.in_column(d.start, d.end))
        ),
        None,
    )


@dataclass(frozen=True)
class DateCandidate:
    candidate: Candidate
    reading: DateReading
    window: Window
    hit: LabelHit


def date_candidates(
    ctx: Context, tiers: dict[str, float], accept: Callable[[Line, LabelHit], bool] | None = None
) -> list[DateCandidate]:
    """Every labelled date, scored by its label's tier (lower when read below the label)."""
    out: list[DateCandidate] = []
    order_note = ctx.dayfirst[1]
    for line, hit in ctx.labelled(tiers):
        if accept is not None and not accept(line, hit):
            continue
        for window in date_windows(ctx, line, hit):
            found = first_date(ctx, window)
            if found is None:
                continue
            note = label_note(hit)
            if order_note and _NUMERIC.search(found.text):
                note += f"; read {order_note}"
            score = tiers[hit.field] - (BELOW_PENALTY if window.below else 0.0)
            if ctx.prose(line, hit.start):
                score -= PROSE_PENALTY
            cand = Candidate(
                found.value,
                score,
                ctx.evidence(window, found.start, found.end, note),
                line.index,
                found.alternatives,
            )
            out.append(DateCandidate(cand, found, window, hit))
            break
    return out


def labelled_date(
    ctx: Context, tiers: dict[str, float], accept: Callable[[Line, LabelHit], bool] | None = None
) -> Extracted | None:
    """The best labelled date; ambiguous readings keep their alternatives and low confidence."""
    candidates = [d.candidate for d in date_candidates(ctx, tiers, accept)]
    chosen = best(candidates)
    if chosen is None:
        return None
    agreeing = sum(c.value == chosen.value for c in candidates)
    confidence = 0.45 + 0.15 * chosen.score + 0.05 * min(agreeing - 1, 3)
    if chosen.alternatives:
        confidence = min(confidence, 0.5)  # ambiguous: a reviewer must look
    return chosen.extracted(confidence)


def own_cell(text: str, amount: AmountMatch) -> bool:
    """Whether ``amount`` is the value of its cell of ``text`` (columns split by tabs), as
    money under a label is: no words before it ("Friedrichstraße 123": a street under "Attn:
    Accounts Payable"), and a number without decimals or currency sign alone in it ("10117
    Berlin", "3 Stück" are a post code and a quantity)."""
    start = text.rfind("\t", 0, amount.start) + 1
    end = text.find("\t", amount.end)
    before, after = text[start : amount.start], text[amount.end : end if end >= 0 else None]
    if _words(before):
        return False
    return not (amount.decimals == 0 and amount.currency is None and _words(after))


def _words(text: str) -> bool:
    """Whether ``text`` holds a word other than a currency's ("EUR", "€", "円" are none)."""
    for _iso, _sign, start, end in reversed(find_currencies(text)):
        text = text[:start] + " " * (end - start) + text[end:]
    return any(ch.isalpha() for ch in text)


def amount_in(ctx: Context, window: Window) -> tuple[int, int, Decimal, str | None] | None:
    """The amount a label's window gives: the last one in the label's own column segment,
    else the last on the rest of the line (a totals row: net, tax, gross), else the first in
    the column below."""
    typed = _typed_cells(window)
    if typed:
        # A workbook totals row ("Total | 72.5 h | 5595"): money is the rightmost number.
        value, start, end = typed[-1] if not window.below else typed[0]
        return start, end, value, None
    found = ctx.amounts(window.text)
    if window.below:
        # Under a label, only money: "1.2012-0029" under "CASH SALES COUNTER" is an item's code.
        found = [
            a
            for a in found
            if window.in_column(a.start, a.end) and own_cell(window.text, a) and a.decimals <= 3
        ]
        if not found:
            return None
        pick = found[0]
    else:
        if not found:
            return None
        own_end = window.text.find("\t")
        own = [
            a
            for a in found
            if (own_end < 0 or a.end <= own_end) and not _in_qualifier(window.text, a.start, a.end)
        ]
        if not any(a.decimals == 2 for a in own):
            # A bare number by the label (a count, a speck OCR read as "5") and money further
            # on the line ("Total! 5 \  M3.00"): the money.
            later = [a for a in found if a.start >= own_end >= 0 and a.decimals == 2]
            own = later or own
        money = [a for a in (own or found) if a.decimals in (0, 2)]
        pick = (money or own or found)[-1]
    return pick.start, pick.end, pick.value, pick.currency


def _in_qualifier(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` stands in brackets with words, a qualifier of the label
    ("Total (Excluding 681):" where OCR read GST as 681, "(6%)" aside): not its amount. An
    amount alone in brackets ("(12.50)") is a negative one."""
    opened, closed = text.rfind("(", 0, start), text.find(")", end)
    if opened < 0 or closed < 0 or ")" in text[opened:start] or "(" in text[end:closed]:
        return False
    return any(ch.isalpha() for ch in text[opened + 1 : start] + text[end:closed])


def _column_continues(ctx: Context, window: Window) -> bool:
    """Whether more amounts follow in the same column: a line-item column, not a total."""
    if window.column is None:
        return False
    x0, x1 = window.column
    for other in ctx.layout.lines[window.line.index + 1 : window.line.index + 3]:
        if other.page != window.line.page:
            break
        inside = [t for t in other.tokens if t.x0 < x1 and t.x1 > x0]
        if inside and ctx.amounts(" ".join(t.text for t in inside)):
            return True
    return False


@dataclass(frozen=True)
class AmountFound:
    """The chosen amount, the currency sign written with it and the line it stands on."""

    value: Extracted
    symbol: str | None
    line: Line
    candidate: Candidate  # how it ranked among the other labelled amounts


def amount_candidates(ctx: Context, tiers: dict[str, float]) -> list[AmountFound]:
    """Every labelled amount (one per label), scored by its label's tier; lower when read
    below the label, much lower in a column that goes on (a line-item column) or in prose."""
    found: list[AmountFound] = []
    for line, hit in ctx.labelled(tiers):
        right = ctx.right(line, hit)
        has_right = bool(ctx.amounts(right.text)) or bool(_typed_cells(right))
        if has_right:
            windows = [right]
        else:
            windows = [] if unread_amount(ctx, right) else list(ctx.below(line, hit, 3))
        for window in windows:
            read = amount_in(ctx, window)
            if read is None:
                continue
            start, end, value, symbol = read
            score = tiers[hit.field] - (PROSE_PENALTY if ctx.prose(line, hit.start) else 0.0)
            if window.below:
                score -= BELOW_PENALTY + (1.5 if _column_continues(ctx, window) else 0.0)
            cand = Candidate(
                value, score, ctx.evidence(window, start, end, label_note(hit)), line.index
            )
            found.append(AmountFound(cand.extracted(0.0), symbol, window.line, cand))
            break
    return found


def on_ocr_page(ctx: Context, number: int | None) -> bool:
    """Whether the document's page ``number`` was read by OCR."""
    page = next((p for p in ctx.document.pages if p.number == number), None)
    return page is not None and page.ocr_confidence is not None


def unread_amount(ctx: Context, right: Window) -> bool:
    """Whether, on a page read by OCR, the label's amount stands right of it but was not read:
    a currency there with characters after it ("CHANGE RM ‚on"). The amount is on the label's
    line, and one under it (a tax summary's base) is not the label's."""
    if not on_ocr_page(ctx, right.line.page):
        return False
    found = find_currencies(right.text, ctx.lang)
    return bool(found) and any(ch.isalnum() for ch in right.text[found[-1][3] :])


def chosen_amount(candidates: list[AmountFound], pick: AmountFound | None = None) -> AmountFound:
    """``pick`` (else the best of ``candidates``: the top score, among equals the largest, gross
    ≥ net) with its confidence: its score, and how many other labels give the same value."""
    if pick is None:
        top = max(c.candidate.score for c in candidates)
        pick = max(
            (c for c in candidates if c.candidate.score == top),
            key=lambda c: (abs(Decimal(str(c.candidate.value))), -c.candidate.order),
        )
    chosen = pick.candidate
    agreeing = sum(c.candidate.value == chosen.value for c in candidates)
    confidence = 0.4 + 0.15 * chosen.score + 0.05 * min(agreeing - 1, 3)
    return replace(pick, value=chosen.extracted(confidence))


def labelled_amount(ctx: Context, tiers: dict[str, float]) -> AmountFound | None:
    """The best labelled amount; among equally good labels the largest (gross ≥ net)."""
    candidates = amount_candidates(ctx, tiers)
    return chosen_amount(candidates) if candidates else None


def _dollar(ctx: Context, iso: str, text: str) -> tuple[str, float, str | None]:
    """A "$" is the dollar of the issuer's country when cues on the page place it in a dollar
    country; else the language's default (USD) with less confidence."""
    if text != "$":
        return iso, (0.75 if text in AMBIGUOUS_SYMBOLS else 0.95), None
    country = ctx.country
    if country is not None and country.currency == iso:
        return iso, 0.85, f"$ of {country.note()}"
    if country is not None and country.currency in DOLLARS:
        # Firms outside the US often bill in US dollars: the page's "$" alone cannot tell.
        return country.currency, 0.5, f"uncertain: a $ of {country.note()}, or US dollars"
    if country is not None and country.dollar_sign:
        return country.currency, 0.75, f"$ for the currency of {country.note()}"
    if country is not None:  # a "$" on a page placed in a country without a dollar
        return iso, 0.4, f"uncertain: a $ sign in {country.note()}"
    return iso, 0.7, None


def currency(
    ctx: Context, amount: AmountFound | None, label_fields: Iterable[str] = ("currency",)
) -> Extracted | None:
    """The currency: written with the amount (an ISO code in the label, "Total (CAD) $",
    beats an ambiguous symbol), else labelled, else the most frequent one, else the currency
    of the country the page's cues place the issuer in."""
    if amount is not None:
        mentions = find_currencies(amount.line.text, ctx.lang)
        codes = [m for m in mentions if m[1].isalpha() and m[1].isupper() and len(m[1]) == 3]
        if amount.symbol is not None:
            mentions = [m for m in mentions if m[1] == amount.symbol] or mentions
        if codes and (not mentions or mentions[0][1] in AMBIGUOUS_SYMBOLS):
            mentions = codes
        if mentions:
            iso, text, start, end = mentions[0]
            tokens = amount.line.tokens_in(start, end)
            iso, confidence, why = _dollar(ctx, iso, text)
            note = "written with the amount" + (f"; {why}" if why else "")
            return Extracted(iso, ctx.layout.evidence(tokens, text, note), confidence)
    for line, hit in ctx.labelled(label_fields):
        window = ctx.right(line, hit)
        mentions = find_currencies(window.text, ctx.lang)
        if mentions:
            iso, text, start, end = mentions[-1]  # "EURO (EUR)": the code is the last
            return Extracted(iso, ctx.evidence(window, start, end, label_note(hit)), 0.9)
    counts: Counter[str] = Counter()
    first: dict[str, tuple[Evidence, str]] = {}
    for line in ctx.layout.lines:
        for iso, text, start, end in find_currencies(line.text, ctx.lang):
            counts[iso] += 1
            first.setdefault(
                iso,
                (
                    ctx.layout.evidence(
                        line.tokens_in(start, end), text, "most frequent currency in the document"
                    ),
                    text,
                ),
            )
    if not counts:
        country = ctx.country
        if country is None:
            return None
        note = f"no currency printed; the currency of {country.note()}"
        evidence = replace(country.evidence, note=note)
        return Extracted(country.currency, evidence, 0.8 if country.cues >= 2 else 0.6)
    (iso, n), *rest = counts.most_common(2)
    evidence, text = first[iso]
    iso, sign_confidence, why = _dollar(ctx, iso, text)
    if why:
        evidence = replace(evidence, note=f"{evidence.note}; {why}")
    confidence = 0.7 if not rest or rest[0][1] * 2 <= n else 0.45
    confidence = min(confidence, sign_confidence)
    country = ctx.country
    if n == 1 and country is not None and country.currency != iso:
        # One stray mention against the country the page is placed in ("SAR" in OCR noise).
        confidence = min(confidence, 0.4)
        evidence = replace(
            evidence, note=f"{evidence.note}; once only, on a page from {country.note()}"
        )
    return Extracted(iso, evidence, confidence)


def range_end(ctx: Context, window: Window, reading: DateReading) -> DateReading | None:
    """The second date of a range in ``window`` whose first date is ``reading``, if any.

    The span of the returned reading is relative to ``window.text``; a range that ends before
    it starts is no range.
    """
    rest = window.text[reading.end :]
    join = RANGE_JOIN.match(rest)
    if not join:
        return None
    after = ctx.dates(rest[join.end() :])
    if not after or after[0].start != 0 or after[0].value < reading.value:
        return None
    offset = reading.end + join.end()
    end = after[0]
    return DateReading(end.value, end.text, offset + end.start, offset + end.end, end.alternatives)
