"""Proof of execution: when the activity happened, and what kind of proof it is.

``execution_date`` is the earliest date next to an activity label (``published``, ``sent``,
``event date``, ``Datum``, ``配信日``, ``게재일`` — section ``poe`` of ``data/*.yaml``); an e-mail's
``Date`` header dates a mailing best of all. A range after the label (``15.–17.03.2024``,
``15/03/2024 – 17/03/2024``) or an end label gives ``execution_end``. Without any label the
earliest date in the document is reported with a low confidence and a note saying so.
An image has no text to read: its EXIF capture date (``DateTimeOriginal``, else
``DateTimeDigitized``) dates it, with the tag as evidence.
"""

from __future__ import annotations

import re
from datetime import date
from email.utils import parsedate_to_datetime

from coop_rules.documents.image import CAPTURE_TAGS
from coop_rules.evidence import Evidence, Extracted
from coop_rules.extraction.fields import Candidate, Context, best
from coop_rules.extraction.values import DateCandidate, date_candidates, label_note, range_end

_EXIF_DATE = re.compile(r"^(\d{4})[:\-](\d{2})[:\-](\d{2})")


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


def _earliest_date(ctx: Context) -> Extracted | None:
    """Without any activity label: the earliest date in the document, flagged as a guess."""
    everything = [(reading, line) for line in ctx.layout.lines for reading in ctx.dates(line.text)]
    if not everything:
        return None
    reading, line = min(everything, key=lambda item: item[0].value)
    evidence = ctx.layout.evidence(
        line.tokens_in(reading.start, reading.end),
        reading.text,
        "no activity-date label: the earliest date found",
    )
    return Extracted(reading.value, evidence, 0.3, reading.alternatives)


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
    labelled = date_candidates(ctx, {"execution_date": 1.0})
    start: Extracted | None = _header_date(ctx) or _exif_date(ctx)
    if start is None and labelled:
        earliest = min(labelled, key=lambda d: (d.reading.value, d.candidate.order))
        start = earliest.candidate.extracted(0.5 if earliest.reading.ambiguous else 0.8)
    start = start or _earliest_date(ctx)
    if start is not None:
        fields["execution_date"] = start
    first = start.value if start is not None and isinstance(start.value, date) else date.min
    # A range after an activity label ("Campaign live: 01.03.2024 – 30.04.2024") ends it;
    # else an end label ("End date", "bis").
    ends = [e for d in labelled if (e := _range_end(ctx, d)) is not None]
    labelled_end = best(d.candidate for d in date_candidates(ctx, {"execution_end": 1.0}))
    if not ends and labelled_end is not None:
        ends = [labelled_end.extracted(0.6)]
    ends = [e for e in ends if isinstance(e.value, date) and e.value >= first]
    if ends:
        fields["execution_end"] = max(ends, key=lambda e: str(e.value))
    return fields
