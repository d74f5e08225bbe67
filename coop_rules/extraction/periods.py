"""Invoice dates other than the issue date: the due date and the service period.

Labels are in ``data/*.yaml``, section ``invoice``: ``due_date`` (``Due date``, ``Fällig am``,
``Échéance``, ``支払期限``), ``service_period`` (``Service period``, ``Leistungszeitraum``,
``Période``), ``service_start`` / ``service_end`` (``Leistungsbeginn``, ``Date de fin de
prestation``) and ``service_date`` (a single date of supply: ``Leistungsdatum``, ``Delivery
date``). The service period is, best first:

1. a range after a period label: ``Leistungszeitraum: 01.03.2024 – 31.03.2024``, ``Period:
   from 1 March 2024 to 31 March 2024``;
2. dates after start and end labels;
3. one date of supply, which is then both start and end (the evidence note says so).

A period label followed by a single date is not a period: nothing is reported rather than a
guessed end. Ambiguous dates keep both readings and a low confidence, as everywhere.

Without a due-date label, the due date may be stated in the payment terms (``data/*.yaml``,
section ``terms``): a sentence that opens with a payment phrase ("Zahlbar", "Please remit", "À
régler") and gives a date right after a word like "bis", "by", "avant le". A date in a clause
about an early-payment discount ("3 % Skonto innerhalb 10 Tagen bis 15.03.2013") is not the due
date; two different dates are no due date (instalments: not for us to choose). A term given as
an offset ("Zahlungsziel: 14 Tage", "Net 30") is not a printed date and gives none: the day it
counts from (issue, delivery or receipt) and how it counts are not on the page, and a rule that
compares dates must be given a date the reviewer can see.
"""

from __future__ import annotations

import re
from dataclasses import replace

from coop_rules.evidence import Extracted
from coop_rules.extraction.dates import DateReading
from coop_rules.extraction.fields import Candidate, Context, Window, segment_bounds
from coop_rules.extraction.lexicon import LabelHit, section_matcher
from coop_rules.extraction.values import date_windows, label_note, labelled_date, range_end

# What may stand between a period label and its first date: punctuation and one short word
# ("from", "vom", "du", "del", "dal").
_LEAD = re.compile(r"^[\s:.#(-]*(?:[^\W\d]{1,5}\s+)?$")
# Where a clause of payment terms starts: after a comma, a semicolon or a sentence's full stop.
_CLAUSE = re.compile(r"[,;]|\.\s")
_DIGIT = re.compile(r"\d")


def _discount_clause(text: str, hits: list[LabelHit], by: LabelHit) -> bool:
    """Whether ``by`` ends a clause about an early-payment discount ("3 % Skonto innerhalb 10
    Tagen bis"): its deadline is not the due date."""
    clause = max((m.end() for m in _CLAUSE.finditer(text, 0, by.start)), default=0)
    return any(h.field == "early" and clause <= h.start < by.start for h in hits)


def _due_in_terms(ctx: Context) -> Extracted | None:
    """A due date stated in the payment terms (see the module docstring), or None."""
    matcher = section_matcher("terms", ctx.lang)
    found: list[Candidate] = []
    lines = ctx.layout.lines
    for line in lines:
        nxt = lines[line.index + 1] if line.index + 1 < len(lines) else None
        if not _DIGIT.search(line.text) and (nxt is None or not _DIGIT.search(nxt.text)):
            continue  # no date here or just under: no need to look for the words
        hits = matcher.find(line.text)
        opener = next((h for h in hits if h.field == "opener"), None)
        if opener is None:
            continue
        end = segment_bounds(line, opener.start)[1]
        hits = [h for h in hits if h.start >= opener.end and h.end <= end]
        window = Window(line, opener.end, end)
        readings: list[tuple[Window, DateReading, LabelHit]] = []
        for reading in ctx.dates(window.text):
            at = window.start + reading.start
            by = next((h for h in reversed(hits) if h.end <= at), None)
            if by is not None and by.field == "by" and not line.text[by.end : at].strip(" :"):
                readings.append((window, reading, by))
        last = hits[-1] if hits else None
        if (
            last is not None
            and last.field == "by"
            and not line.text[last.end : end].strip()
            and nxt is not None
            and nxt.page == line.page
        ):
            # "… 3 % Skonto innerhalb 10 Tagen bis" + line break + "15.03.2013".
            after = Window(nxt, 0, len(nxt.text), True)
            first = next(iter(ctx.dates(after.text)), None)
            if first is not None and first.start == 0:
                readings.append((after, first, last))
        for win, reading, by in readings:
            if _discount_clause(line.text, hits, by):
                continue
            note = f"payment terms: {opener.text.strip()} … {by.text.strip()}"
            evidence = ctx.evidence(win, reading.start, reading.end, note)
            found.append(Candidate(reading.value, 1.0, evidence, line.index, reading.alternatives))
    if not found or len({c.value for c in found}) > 1:
        return None  # no date, or several (instalments, or terms we do not understand)
    chosen = found[0]
    return chosen.extracted(0.5 if chosen.alternatives else 0.6)


def _period(ctx: Context) -> tuple[Extracted, Extracted] | None:
    """A date range after a ``service_period`` label."""
    found: list[tuple[Candidate, Candidate]] = []
    for line, hit in ctx.labelled(["service_period"]):
        windows: list[Window] = date_windows(ctx, line, hit)
        for window in windows:
            readings = [d for d in ctx.dates(window.text) if _LEAD.match(window.text[: d.start])]
            if not readings:
                continue
            first = readings[0]
            end = range_end(ctx, window, first)
            if end is None:
                break  # one date after a period label is no period
            note = label_note(hit)
            score = 1.0 - (0.3 if window.below else 0.0)
            start_c = Candidate(
                first.value,
                score,
                ctx.evidence(window, first.start, first.end, note),
                line.index,
                first.alternatives,
            )
            end_c = Candidate(
                end.value,
                score,
                ctx.evidence(window, end.start, end.end, note),
                line.index,
                end.alternatives,
            )
            found.append((start_c, end_c))
            break
    if not found:
        return None
    start_c, end_c = min(found, key=lambda pair: (-pair[0].score, pair[0].order))
    start_conf = 0.5 if start_c.alternatives else 0.8
    end_conf = 0.5 if end_c.alternatives else 0.8
    return start_c.extracted(start_conf), end_c.extracted(end_conf)


def extract_periods(ctx: Context) -> dict[str, Extracted | None]:
    """``due_date``, ``service_start`` and ``service_end`` (None where not found)."""
    due = labelled_date(ctx, {"due_date": 1.0}) or _due_in_terms(ctx)
    fields: dict[str, Extracted | None] = {"due_date": due}
    period = _period(ctx)
    if period is not None:
        fields["service_start"], fields["service_end"] = period
        return fields
    start = labelled_date(ctx, {"service_start": 1.0})
    end = labelled_date(ctx, {"service_end": 1.0})
    if start is not None or end is not None:
        fields["service_start"], fields["service_end"] = start, end
        return fields
    single = labelled_date(ctx, {"service_date": 1.0})
    if single is not None:
        note = f"{single.evidence.note}; a single date of supply: the period's start and end"
        single = replace(single, evidence=replace(single.evidence, note=note))
        fields["service_start"] = fields["service_end"] = single
    return fields
