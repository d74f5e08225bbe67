"""Claim → facts: the typed values the rules read, each with its evidence (``model``), computed
one family per module — the claim's own values (``claim_values``), its program data
(``program_values``), each document's values (``document_values``) and the ledger's duplicates
(``duplicates``) — and joined by ``build.claim_facts``. What a rule may read is listed in
:mod:`coop_rules.rulebook.fields`.
"""

from coop_rules.facts.model import (
    CLAIM,
    DOCUMENT,
    Fact,
    FactSet,
    Value,
    document_fact,
    engine_key,
    facts_from_data,
    parse_typed,
)

__all__ = [
    "CLAIM",
    "DOCUMENT",
    "Fact",
    "FactSet",
    "Value",
    "document_fact",
    "engine_key",
    "facts_from_data",
    "parse_typed",
]
