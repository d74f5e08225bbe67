"""Ambiguous dates read in the claim's context (``02/12/2024``: 2 December or 12 February).

A document's date that can be read two ways stays unknown to the rules (it is flagged, never
guessed) unless the claim itself rules one reading out: a date after the claim's submission
date cannot be on a document the partner submitted, and a date more than a year away from the
usage period belongs to no activity of it. When every reading but one is ruled out, that one
is taken, and its evidence says which readings were dropped and why. When more than one
reading fits, the value stays ambiguous; the rules then decide it if all readings give the same
outcome (:mod:`coop_rules.engines.readings`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta

from coop_rules.facts.model import Fact, FactSet, Value

# How far from the usage period a document date may plausibly lie (an invoice booked in
# advance, a CSR signed after the period): beyond it, a reading is taken as wrong.
PLAUSIBLE_MARGIN = timedelta(days=366)


def in_context(facts: FactSet) -> FactSet:
    """``facts`` with the ambiguous dates of each document resolved where the claim allows."""
    claim = facts.claim.values
    return FactSet(
        facts.claim,
        tuple(
            Fact(d.id, d.subject, resolve_in_context(d.values, claim), d.label, d.gaps)
            for d in facts.documents
        ),
    )


def resolve_in_context(values: Mapping[str, Value], claim: Mapping[str, Value]) -> dict[str, Value]:
    """``values`` with each ambiguous ``doc.*`` date resolved where the claim rules out all
    readings but one; the others unchanged."""
    submitted = _known_date(claim.get("claim.submission_date"))
    start = _known_date(claim.get("claim.usage_start"))
    end = _known_date(claim.get("claim.usage_end"))
    out = dict(values)
    for name, found in values.items():
        if not name.startswith("doc.") or not found.alternatives:
            continue
        readings = (found.value, *found.alternatives)
        if not all(isinstance(r, date) for r in readings):
            continue
        reasons = {r: _why_not(r, submitted, start, end) for r in readings}
        fitting = [r for r, why in reasons.items() if why is None]
        if len(fitting) != 1:
            continue
        taken = fitting[0]
        dropped = "; ".join(
            f"not {r.isoformat()}: {why}" for r, why in reasons.items() if why is not None
        )
        note = f"ambiguous, read as {taken.isoformat()} ({dropped})"
        evidence = tuple(
            replace(e, note=f"{e.note}; {note}" if e.note else note) for e in found.evidence
        )
        out[name] = Value(taken, evidence, (), found.shown)
    return out


def _known_date(found: Value | None) -> date | None:
    if found is None or not found.known or not isinstance(found.value, date):
        return None
    return found.value


def _why_not(
    reading: date, submitted: date | None, start: date | None, end: date | None
) -> str | None:
    """Why the claim rules ``reading`` out, or None when it fits."""
    if submitted is not None and reading > submitted:
        return f"after the claim's submission date {submitted.isoformat()}"
    if start is not None and reading < start - PLAUSIBLE_MARGIN:
        return f"more than a year before the usage period starts ({start.isoformat()})"
    if end is not None and reading > end + PLAUSIBLE_MARGIN:
        return f"more than a year after the usage period ends ({end.isoformat()})"
    return None
