"""Rules over ambiguous values: decided when every reading gives the same outcome.

A document value with several readings (``02/12/2024``) is unknown to an engine. Rather than
report every rule that reads it as "could not check", the claim is evaluated once per
combination of readings: each document fact with ambiguous values becomes one *reading* fact
per combination (``doc3~0``, ``doc3~1`` …), all evaluated together by the engine in use, so the
durable and Python engines stay interchangeable. For each rule and document:

- every reading gives the same outcome (violated, not checked, or nothing): that outcome, on the
  first reading that gives it, whose value's evidence says the date was ambiguous and that both
  readings agree;
- the readings disagree: not checked, on the original fact, whose message lists the readings.

At most :data:`MAX_READINGS` combinations per document; beyond that the values stay unknown.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

from coop_rules.engines.base import Engine, Hit, Outcome
from coop_rules.facts import Fact, FactSet
from coop_rules.facts.model import Value

MAX_READINGS = 8
SEPARATOR = "~"


def evaluate_readings(engine: Engine, facts: FactSet) -> tuple[list[Hit], FactSet]:
    """The engine's hits on ``facts`` with ambiguous values decided where the readings agree,
    and the facts the hits refer to (``facts`` plus the reading facts)."""
    variants: dict[str, tuple[Fact, ...]] = {}
    for document in facts.documents:
        found = _readings(document)
        if found:
            variants[document.id] = found
    if not variants:
        return engine.evaluate(facts), facts
    plain = tuple(d for d in facts.documents if d.id not in variants)
    expanded = FactSet(facts.claim, (*plain, *(v for vs in variants.values() for v in vs)))
    outcomes: dict[tuple[str, str], Outcome] = {}
    hits: list[Hit] = []
    for hit in engine.evaluate(expanded):
        base = hit.fact_id.split(SEPARATOR)[0]
        if base in variants:
            outcomes[(hit.code, hit.fact_id)] = hit.outcome
        else:
            hits.append(hit)
    codes = {code for code, _ in outcomes}
    for base, readings in variants.items():
        for code in sorted(codes):
            each = [outcomes.get((code, r.id)) for r in readings]
            if len(set(each)) == 1:
                if each[0] is not None:
                    hits.append(Hit(code, readings[0].id, each[0]))
            else:
                hits.append(Hit(code, base, Outcome.NOT_CHECKED))
    every = FactSet(facts.claim, (*facts.documents, *(v for vs in variants.values() for v in vs)))
    return sorted(hits), every


def _readings(document: Fact) -> tuple[Fact, ...]:
    """One fact per combination of the readings of ``document``'s ambiguous values."""
    ambiguous = [
        (name, found)
        for name, found in document.values.items()
        if name.startswith("doc.") and found.alternatives
    ]
    if not ambiguous:
        return ()
    choices = [(found.value, *found.alternatives) for _, found in ambiguous]
    combinations = list(itertools.islice(itertools.product(*choices), MAX_READINGS + 1))
    if len(combinations) > MAX_READINGS:
        return ()
    out = []
    for index, combination in enumerate(combinations):
        values = dict(document.values)
        for (name, found), reading in zip(ambiguous, combination, strict=True):
            values[name] = _one_reading(found, reading)
        out.append(replace(document, id=f"{document.id}{SEPARATOR}{index}", values=values))
    return tuple(out)


def _one_reading(found: Value, reading: object) -> Value:
    readings = ", ".join(str(_plain(r)) for r in (found.value, *found.alternatives))
    note = f"ambiguous ({readings}); every reading gives this rule the same result"
    evidence = tuple(
        replace(e, note=f"{e.note}; {note}" if e.note else note) for e in found.evidence
    )
    return Value(reading, evidence, (), found.shown)  # type: ignore[arg-type]


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return f"{value[0]} {value[1]}"
    return value
