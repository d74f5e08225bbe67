"""Differential test: the durable engine gives exactly the Python evaluator's hits.

Random claims (seeded, reproducible) with every field present, missing or ambiguous, 0-6
documents (sometimes two identical ones) in shuffled order, against the bundled rulebook plus
hand-written rules that use every node of the condition language and random generated rules.

``COOP_DIFF_CLAIMS`` sets how many claims (default 3,000); ``COOP_DIFF_SEED`` the seed.
"""

from __future__ import annotations

import os
import random
from datetime import date, timedelta
from typing import Any

import pytest

pytest.importorskip(
    "durable.engine",
    exc_type=ImportError,
    reason="durable-rules is not installed or does not import on this Python (>= 3.13)",
)

from coop_rules.engines.durable import DurableEngine, compile_rule
from coop_rules.engines.python import PythonEngine
from coop_rules.errors import CoopRulesError
from coop_rules.facts import CLAIM, DOCUMENT, FactSet, facts_from_data
from coop_rules.rulebook import Rulebook, RuleSpec, Severity, load_rulebook
from coop_rules.rulebook.expr import Type
from coop_rules.rulebook.fields import FIELD_TYPES, fields_for
from coop_rules.rulebook.spec import rule_from_text

CLAIMS = int(os.environ.get("COOP_DIFF_CLAIMS", "3000"))
SEED = int(os.environ.get("COOP_DIFF_SEED", "20240131"))
BASE = date(2024, 1, 1)
PARAMS = {
    "grace": 10,
    "cutoff": date(2024, 3, 31),
    "limit": "100.00 USD",
    "cap": "250.50 EUR",
    "kind": "invoice",
}

# Hand-written rules: every node type, both subjects, constants on either side, date and int
# arithmetic on both sides, nested first(), money constants in two currencies, in [...].
HAND_WRITTEN = [
    (
        CLAIM,
        None,
        "claim.submission_date > first(claim.window_closes, claim.usage_end + 45, "
        "claim.activity_end + grace)",
    ),
    (
        CLAIM,
        None,
        "claim.submission_date > first(claim.usage_end + first(claim.poe_count, "
        "claim.csr_count), claim.window_closes)",
    ),
    (
        CLAIM,
        "exists(claim.documented_total)",
        "not (claim.claimed > claim.earned or claim.claimed <= claim.remaining)",
    ),
    (CLAIM, None, "claim.claimed >= limit or claim.remaining < cap or claim.earned == limit"),
    (CLAIM, None, "claim.invoice_count + claim.csr_count != claim.cost_document_count"),
    (CLAIM, None, "5 < claim.poe_count + 3 and claim.usage_end - 1 >= claim.usage_start"),
    (
        CLAIM,
        None,
        'claim.currency in ["USD", "GBP"] and not exists(claim.funds_currency) '
        "or claim.currency == claim.funds_currency",
    ),
    (CLAIM, None, "claim.usage_end < cutoff and claim.usage_end == claim.usage_end"),
    (
        DOCUMENT,
        'doc.role in ["invoice", "csr"]',
        "(doc.total > claim.claimed or doc.currency != claim.currency)"
        " and not exists(doc.issue_date)"
        " or doc.issue_date - 30 < first(doc.period_start, claim.usage_start) + grace",
    ),
    (
        DOCUMENT,
        "doc.is_cost and doc.currency == claim.currency",
        "doc.listed == doc.readable or doc.vendor_is_partner != true",
    ),
    (
        DOCUMENT,
        None,
        "first(doc.execution_end, doc.execution_date, claim.activity_end) "
        "> claim.usage_end + grace or kind == doc.kind",
    ),
    (DOCUMENT, None, 'doc.vendor == claim.id or doc.vendor in ["", "Acme"] or not doc.has_note'),
]


def _spec(code: str, subject: str, where: str | None, when: str) -> RuleSpec:
    return rule_from_text(code, subject, when, where, PARAMS, Severity.INFO)


# --- random rules ------------------------------------------------------------------------------


def _value(rng: random.Random, kind: Type, fields: list[str], depth: int) -> str:
    """Text of a random value expression of type ``kind``."""
    names = [f for f in fields if FIELD_TYPES[f] is kind]
    roll = rng.random()
    if depth > 0 and kind in (Type.DATE, Type.INT, Type.MONEY) and roll < 0.25:
        items = [_value(rng, kind, fields, depth - 1) for _ in range(rng.randint(2, 3))]
        return f"first({', '.join(items)})"
    if depth > 0 and kind in (Type.DATE, Type.INT) and roll < 0.45:
        right = _value(rng, Type.INT, fields, depth - 1)
        return f"({_value(rng, kind, fields, depth - 1)} {rng.choice('+-')} {right})"
    if roll < 0.8 and names:
        return rng.choice(names)
    return rng.choice(
        {
            Type.DATE: ["cutoff"],
            Type.MONEY: ["limit", "cap"],
            Type.INT: ["0", "1", "2", "grace"],
            Type.STR: ['"USD"', '"invoice"', '""', "kind"],
            Type.BOOL: ["true", "false"],
        }[kind]
    )


def _condition(rng: random.Random, fields: list[str], depth: int) -> str:
    roll = rng.random()
    if depth > 0 and roll < 0.35:
        word = rng.choice(["and", "or"])
        return f"({_condition(rng, fields, depth - 1)} {word} {_condition(rng, fields, depth - 1)})"
    if depth > 0 and roll < 0.45:
        return f"not {_condition(rng, fields, depth - 1)}"
    if roll < 0.55:
        return f"exists({rng.choice(fields)})"
    kind = rng.choice(list(Type))
    left, right = _value(rng, kind, fields, 2), _value(rng, kind, fields, 2)
    if kind is Type.STR and roll < 0.7:
        return f'{left} in [{right}, "EUR"]'
    ordered = kind in (Type.DATE, Type.MONEY, Type.INT)
    op = rng.choice(["<", "<=", ">", ">=", "==", "!="] if ordered else ["==", "!="])
    return f"{left} {op} {right}"


def rulebook(seed: int = SEED, generated: int = 16) -> Rulebook:
    rng = random.Random(seed)
    rules = list(load_rulebook())
    rules += [_spec(f"HW{i:02d}", *r) for i, r in enumerate(HAND_WRITTEN, start=1)]
    for i in range(1, generated + 1):
        while True:  # a random condition whose disjoint DNF durable refuses is drawn again
            subject = rng.choice([CLAIM, DOCUMENT])
            fields = sorted(fields_for(subject))
            where = _condition(rng, fields, 1) if rng.random() < 0.3 else None
            spec = _spec(f"RG{i:02d}", subject, where, _condition(rng, fields, 3))
            try:
                compile_rule(spec)
            except CoopRulesError:
                continue
            rules.append(spec)
            break
    return Rulebook(tuple(rules))


# --- random claims -----------------------------------------------------------------------------

STRINGS = {
    "role": ["invoice", "csr", "poe", "metrics", "other"],
    "kind": ["invoice", "credit-note", "proforma", "quote"],
    "currency": ["USD", "USD", "EUR", "GBP"],
    "funds_currency": ["USD", "EUR"],
    "activity_type": ["webinar", "event"],
}
OTHER_STRINGS = ["", "Acme", "acme", 'ACME "GmbH"', "Müller", "C-1", "x" * 1500]


def _raw(rng: random.Random, name: str, kind: Type) -> Any:
    if kind is Type.DATE:
        return (BASE + timedelta(days=rng.randint(-40, 160))).isoformat()
    if kind is Type.MONEY:
        amount = rng.choice(["0.00", "50.00", "99.99", "100.00", "100.005", "250.50", "1000"])
        return f"{amount} {rng.choice(['USD', 'USD', 'EUR'])}"
    if kind is Type.INT:
        return rng.randint(0, 3)
    if kind is Type.BOOL:
        return rng.random() < 0.5
    return rng.choice(STRINGS.get(name.partition(".")[2], OTHER_STRINGS))


def _values(rng: random.Random, prefix: str) -> dict[str, Any]:
    values = {}
    for name, kind in FIELD_TYPES.items():
        if not name.startswith(prefix):
            continue
        roll = rng.random()
        if roll < 0.25:
            continue  # missing
        value = _raw(rng, name, kind)
        if roll < 0.33:
            value = {"ambiguous": [value, _raw(rng, name, kind)]}
        values[name.partition(".")[2]] = value
    return values


def random_claim(rng: random.Random) -> FactSet:
    documents = [_values(rng, "doc.") for _ in range(rng.randint(0, 6))]
    if documents and rng.random() < 0.2:
        documents.append(dict(rng.choice(documents)))  # the same document uploaded twice
    facts = facts_from_data(_values(rng, "claim."), documents)
    shuffled = list(facts.documents)
    rng.shuffle(shuffled)
    return FactSet(facts.claim, tuple(shuffled))


@pytest.mark.slow  # a third of the suite: CI runs it (make test), a default pytest does not
def test_durable_agrees_with_python_on_random_claims() -> None:
    rules = rulebook()
    durable, python = DurableEngine(rules), PythonEngine(rules)
    rng = random.Random(SEED)
    mismatches, hits = [], 0
    for n in range(CLAIMS):
        facts = random_claim(rng)
        expected = python.evaluate(facts)
        hits += len(expected)
        found = durable.evaluate(facts)
        if found != expected:
            mismatches.append((n, sorted(set(found) ^ set(expected))))
    print(f"{CLAIMS} claims, {len(rules)} rules, {hits} hits, {len(mismatches)} mismatches")
    assert not mismatches, mismatches[:5]
    assert hits > CLAIMS  # the claims do trip rules, of both outcomes


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_other_random_rulebooks(seed: int) -> None:
    rules = rulebook(seed=SEED + 1 + seed, generated=30)
    durable, python = DurableEngine(rules), PythonEngine(rules)
    rng = random.Random(seed)
    for _ in range(max(CLAIMS // 10, 50)):
        facts = random_claim(rng)
        assert durable.evaluate(facts) == python.evaluate(facts)
