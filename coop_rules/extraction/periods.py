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
"""

from __future__ import annotations

import re
from dataclasses import replace

from coop_rules.evidence import Extracted
from coop_rules.extraction.fields import Candidate, Context, Window
from coop_rules.extraction.values import date_windows, label_note, labelled_date, range_end

# What may stand between a period label and its first date: punctuation and one short word
# ("from", "vom", "du", "del", "dal").
_LEAD = re.compile(r"^[\s:.#(-]*(?:[^\W\d]{1,5}\s+)?$")


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
    fields: dict[str, Extracted | None] = {"due_date": labelled_date(ctx, {"due_date": 1.0})}
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
