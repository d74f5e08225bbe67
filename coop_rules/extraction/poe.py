"""Proof of execution: when the activity happened, and what kind of proof it is.

A proof's execution date depends on what the proof is (section ``poe`` of ``data/*.yaml``):

1. an e-mail's ``Date`` header dates a mailing (but an invitation e-mail that names its
   event's date is dated by the event: it was sent weeks before), an image's EXIF capture date
   (``DateTimeOriginal``, else ``DateTimeDigitized``) dates a photo;
2. else a date next to an activity label: an event's date (``Event date``,
   ``Veranstaltungsdatum``, ``開催日``) on an invitation, agenda or photo report, a publication
   or send date (``published``, ``sent``, ``配信日``, a postmark) on anything else — the other
   kind when the preferred one is absent; the earliest of them when several;
3. else a date next to a bare ``Date``/``Datum``/``日付``, or else any date in the document,
   but only when they all agree. Several different dates and none clearly the execution date
   give ``execution_candidates`` instead (the earliest, the others as its alternatives): a
   reviewer picks, the claim does not fail on a guess.

Dates next to a word that says they are something else (``Version``, ``registered on``,
``Stand``, ``登録日``, a registration deadline) never count: a telemarketing script's version
date is not the day of the calls, a conference registration is weeks before the event.
A range after the label (``15.–17.03.2024``) or an end label gives ``execution_end``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from email.utils import parsedate_to_datetime

from coop_rules.documents.image import CAPTURE_TAGS
from coop_rules.evidence import Evidence, Extracted, Scalar
from coop_rules.extraction.fields import Candidate, Context, best
from coop_rules.extraction.values import DateCandidate, date_candidates, label_note, range_end

_EXIF_DATE = re.compile(r"^(\d{4})[:\-](\d{2})[:\-](\d{2})")
# Proofs of an event: their execution date is the event's, not when the invitation went out.
EVENT_SUBTYPES = frozenset({"invitation", "agenda", "photo", "attendee-list"})


def _header_date(ctx: Context) -> Extracted | None:
    raw = ctx.document.headers.get("Date")
    if not raw:
        return None
    try:
        sent = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    # The date as the sender's clock showed it: the header keeps its own UTC offset.
    return Extracted(sent.date(), Evidence(ctx.document.path, raw, field="Date"), 0.95)


def _exif_date(ctx: Context) -> Extracted | None:
    """An image's capture date from its EXIF tags (``2024:03:15 10:22:01``), best tag first."""
    for tag in CAPTURE_TAGS.values():
        raw = ctx.document.headers.get(tag)
        if not raw:
            continue
        m = _EXIF_DATE.match(raw)
        if m is None:
            continue
        try:
            taken = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue  # "0000:00:00 00:00:00": a camera without a clock
        # The camera's clock may be wrong; the tag says when it believed the picture was taken.
        confidence = 0.85 if tag.endswith("Original") else 0.7
        return Extracted(taken, Evidence(ctx.document.path, raw, field=tag), confidence)
    return None


def _range_end(ctx: Context, found: DateCandidate) -> Extracted | None:
    """The second date of a range that starts with ``found`` ("15.03.2024 – 17.03.2024")."""
    end = range_end(ctx, found.window, found.reading)
    if end is None:
        return None
    return Candidate(
        end.value,
        1.0,
        ctx.evidence(found.window, end.start, end.end, label_note(found.hit)),
        found.candidate.order,
        end.alternatives,
    ).extracted(0.5 if end.ambiguous else 0.75)


def _earliest(found: list[DateCandidate]) -> DateCandidate:
    return min(found, key=lambda d: (d.reading.value, d.candidate.order))


_DATING = frozenset({"execution_event", "execution_date", "execution_generic"})


def _not_execution(ctx: Context) -> set[tuple[int, date]]:
    """(line, date) of every date a label says is no execution date ("Version 2.1 of
    15.01.2024", "Registered on: …"): after such a label on its line, up to the next label that
    dates the activity, or in the column below it."""
    out = {
        (d.window.line.index, d.reading.value) for d in date_candidates(ctx, {"not_execution": 1.0})
    }
    for line, hit in ctx.labelled({"not_execution"}):
        stops = [h.start for h in ctx.hits[line.index] if h.field in _DATING and h.start >= hit.end]
        stop = min(stops, default=len(line.text))
        for reading in ctx.dates(line.text):
            if hit.end <= reading.start < stop:
                out.add((line.index, reading.value))
    return out


def _unlabelled(ctx: Context, excluded: set[tuple[int, date]]) -> list[Extracted]:
    """Every date in the document that no label says is something else, in reading order."""
    out = []
    for line in ctx.layout.lines:
        for reading in ctx.dates(line.text):
            if (line.index, reading.value) in excluded:
                continue
            evidence = ctx.layout.evidence(
                line.tokens_in(reading.start, reading.end),
                reading.text,
                "no activity-date label",
            )
            out.append(Extracted(reading.value, evidence, 0.3, reading.alternatives))
    return out


def _agreed_or_candidates(found: list[Extracted], confidence: float) -> dict[str, Extracted]:
    """One date when every date found agrees; else the candidates, earliest first."""
    if not found:
        return {}
    by_value: dict[Scalar, Extracted] = {}
    for item in sorted(found, key=lambda e: str(e.value)):
        by_value.setdefault(item.value, item)
    first = next(iter(by_value.values()))
    if len(by_value) == 1:
        # A single date: the execution date, with a low confidence and its own readings.
        return {
            "execution_date": Extracted(first.value, first.evidence, confidence, first.alternatives)
        }
    others = tuple(v for v in by_value if v != first.value)
    note = "several dates and none labelled as the execution date"
    evidence = replace(first.evidence, note=note)
    return {"execution_candidates": Extracted(first.value, evidence, 0.3, others)}


def extract_poe(
    ctx: Context, subtype: str | None = None, subtype_evidence: Evidence | None = None
) -> dict[str, Extracted]:
    """PoE fields found in ``ctx`` (absent when not found)."""
    fields: dict[str, Extracted] = {}
    if subtype:
        fields["poe_subtype"] = Extracted(
            subtype,
            subtype_evidence
            or Evidence(ctx.document.path, subtype, note="guessed from the document's words"),
            0.6,
        )
    excluded = _not_execution(ctx)
    events = date_candidates(ctx, {"execution_event": 1.0})
    activity = date_candidates(ctx, {"execution_date": 1.0})
    preferred, other = (events, activity) if subtype in EVENT_SUBTYPES else (activity, events)
    labelled = preferred or other
    # An invitation e-mail is sent before its event: the event date it names is the
    # execution date, its Date header only when it names none.
    start: Extracted | None = None if subtype in EVENT_SUBTYPES and events else _header_date(ctx)
    start = start or _exif_date(ctx)
    if start is None and labelled:
        earliest = _earliest(labelled)
        start = earliest.candidate.extracted(0.5 if earliest.reading.ambiguous else 0.8)
    if start is None:
        generic = [
            d.candidate.extracted(0.5)
            for d in date_candidates(ctx, {"execution_generic": 1.0})
            if (d.window.line.index, d.reading.value) not in excluded
        ]
        found = _agreed_or_candidates(generic, 0.5) or _agreed_or_candidates(
            _unlabelled(ctx, excluded), 0.3
        )
        fields.update(found)
        start = found.get("execution_date")
    if start is not None:
        fields["execution_date"] = start
    first = start.value if start is not None and isinstance(start.value, date) else date.min
    # A range after an activity label ("Campaign live: 01.03.2024 – 30.04.2024") ends it;
    # else an end label ("End date", "bis").
    ends = [e for d in labelled if (e := _range_end(ctx, d)) is not None]
    labelled_end = best(d.candidate for d in date_candidates(ctx, {"execution_end": 1.0}))
    if not ends and labelled_end is not None and start is not None:
        ends = [labelled_end.extracted(0.6)]
    ends = [e for e in ends if isinstance(e.value, date) and e.value >= first]
    if ends:
        fields["execution_end"] = max(ends, key=lambda e: str(e.value))
    return fields
