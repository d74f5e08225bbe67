"""Facts: the typed values of one claim that the rules read, each with its evidence.

A claim gives one ``claim`` fact and one ``document`` fact per document. Facts are flat: a
document fact also carries the claim's values (``claim.usage_end``), so that every rule
condition reads a single fact. That keeps the engines simple and sidesteps durable-rules'
defects in cross-fact comparisons (see ENGINE-NOTES). Sums and counts are derived in this
package, before any engine sees the facts, because neither engine aggregates.

:data:`coop_rules.rulebook.fields.FIELDS` is the catalogue of every field a rule may name, with
its type and meaning.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from coop_rules.evidence import Evidence
from coop_rules.i18n.shown import Shown
from coop_rules.money import Money
from coop_rules.rulebook.expr import Type, param_const
from coop_rules.rulebook.fields import CLAIM, DOCUMENT, FIELD_TYPES


@dataclass(frozen=True)
class Value:
    """A typed fact value with its evidence.

    Money is :class:`~coop_rules.money.Money`. An ambiguous value keeps its other readings in
    ``alternatives`` and is *unknown* to the rules: it is flagged, never guessed.

    ``shown`` is how a message writes the value in each language where it is a key, a list of
    keys or a sentence of the data (``demo-units`` shows as "Vorführgeräte"; see
    :mod:`coop_rules.i18n.shown`). The rules only ever read ``value``.
    """

    value: date | Decimal | str | int | bool | Money
    evidence: tuple[Evidence, ...] = ()
    alternatives: tuple[Any, ...] = ()
    shown: Shown | None = None

    @property
    def known(self) -> bool:
        return not self.alternatives


@dataclass(frozen=True)
class Fact:
    """One claim or document fact: an id, a subject, and values by qualified field name."""

    id: str
    subject: str  # CLAIM | DOCUMENT
    values: Mapping[str, Value] = field(default_factory=dict)
    label: str = ""  # what a report calls it: the claim id or the document's path
    # Why a derived value is missing: a Phrase, shown in the report's language (or plain text).
    gaps: Mapping[str, Shown | str] = field(default_factory=dict)

    def lookup(self, name: str) -> Any:
        """The rule-visible value of a field: None when missing or ambiguous."""
        found = self.values.get(name)
        return found.value if found is not None and found.known else None


def engine_key(name: str) -> str:
    """The flat property name an engine uses for a qualified field name."""
    return name.replace(".", "__")


@dataclass(frozen=True)
class FactSet:
    """All facts of one claim: the claim fact and its documents' facts."""

    claim: Fact
    documents: tuple[Fact, ...] = ()

    def __iter__(self) -> Iterator[Fact]:
        yield self.claim
        yield from self.documents

    def by_id(self, fact_id: str) -> Fact:
        for fact in self:
            if fact.id == fact_id:
                return fact
        raise KeyError(fact_id)


def document_fact(
    index: int,
    claim: Fact,
    values: Mapping[str, Value],
    label: str,
    gaps: Mapping[str, Shown | str] | None = None,
) -> Fact:
    """A document fact that also carries the claim's values, as every document fact does;
    ``gaps`` says why some of the document's own values are unknown."""
    return Fact(
        f"doc{index}", DOCUMENT, {**claim.values, **values}, label, {**claim.gaps, **(gaps or {})}
    )


def parse_typed(name: str, raw: Any) -> Value:
    """A value written as data (test cases, the API): dates ISO, money ``"12.50 EUR"``.

    ``{"ambiguous": [a, b]}`` makes an ambiguous value with both readings.
    """
    if name not in FIELD_TYPES:
        raise KeyError(f"unknown field {name!r}")
    if isinstance(raw, Mapping) and "ambiguous" in raw:
        readings = [parse_typed(name, r).value for r in raw["ambiguous"]]
        return Value(readings[0], (Evidence("test", note="ambiguous"),), tuple(readings[1:]))
    expected = FIELD_TYPES[name]
    if expected is Type.DATE and isinstance(raw, str):
        raw = date.fromisoformat(raw)
    const = param_const(name, raw)
    if const.type is not expected:
        raise ValueError(f"{name}: expected a {expected} value, got {raw!r}")
    return Value(const.value, (Evidence("test", text=str(raw)),))


def facts_from_data(
    claim: Mapping[str, Any], documents: Sequence[Mapping[str, Any]] = ()
) -> FactSet:
    """Build a FactSet from plain data keyed by unqualified field names (rule test cases)."""
    claim_fact = Fact(
        "claim",
        CLAIM,
        {f"claim.{k}": parse_typed(f"claim.{k}", v) for k, v in claim.items()},
        str(claim.get("id", "claim")),
    )
    docs = tuple(
        document_fact(
            i,
            claim_fact,
            {f"doc.{k}": parse_typed(f"doc.{k}", v) for k, v in doc.items()},
            str(doc.get("file", f"document {i}")),
        )
        for i, doc in enumerate(documents, start=1)
    )
    return FactSet(claim_fact, docs)
