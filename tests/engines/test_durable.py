"""The durable-rules engine: its compiled JSON, and the durable pitfalls it must not fall into.

Each test builds a small rulebook and small fact sets and holds the durable engine to the Python
reference evaluator (and to the expected hits, where they are worth spelling out).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip(
    "durable.engine",
    exc_type=ImportError,
    reason="durable-rules is not installed or does not import on this Python (>= 3.13)",
)

from coop_rules.engines import durable as durable_module
from coop_rules.engines.base import Hit, Outcome
from coop_rules.engines.durable import DurableEngine, compile_rule
from coop_rules.engines.python import PythonEngine
from coop_rules.errors import CoopRulesError
from coop_rules.facts import FactSet, facts_from_data
from coop_rules.rulebook import Rulebook, RuleSpec
from coop_rules.rulebook.spec import load_rule, rule_from_text

V, N = Outcome.VIOLATED, Outcome.NOT_CHECKED

RULE_YAML = """\
code: XX01
name: cost-document-in-another-currency
requirement: R9
severity: warning
subject: document
where: doc.is_cost == true
when: doc.currency != claim.currency
message: "{doc.file} is in {doc.currency}, the claim in {claim.currency}."
hint: Attach the conversion.
docs: {what: a, why: b, fail: c, pass: d}
"""

GOLDEN = {
    "XX01.violated.1": {
        "all": [
            {
                "m": {
                    "$and": [
                        {"subject": "document"},
                        {"$ex": {"claim__currency": 1}},
                        {"$ex": {"doc__currency": 1}},
                        {"$ex": {"doc__is_cost": 1}},
                        {"$neq": {"doc__currency": {"$m": "claim__currency"}}},
                        {"doc__is_cost": True},
                    ]
                }
            }
        ]
    },
    "XX01.not-checked.1": {
        "all": [
            {
                "m": {
                    "$and": [
                        {"subject": "document"},
                        {"$ex": {"doc__is_cost": 1}},
                        {"doc__is_cost": True},
                        {"$nex": {"doc__currency": 1}},
                    ]
                }
            }
        ]
    },
    "XX01.not-checked.2": {
        "all": [
            {
                "m": {
                    "$and": [
                        {"subject": "document"},
                        {"$ex": {"doc__currency": 1}},
                        {"$ex": {"doc__is_cost": 1}},
                        {"doc__is_cost": True},
                        {"$nex": {"claim__currency": 1}},
                    ]
                }
            }
        ]
    },
}


def rule(
    code: str,
    subject: str,
    when: str,
    where: str | None = None,
    params: dict[str, Any] | None = None,
) -> RuleSpec:
    return rule_from_text(code, subject, when, where, params)


def both(rulebook: Rulebook, facts: FactSet) -> list[Hit]:
    """The durable engine's hits, after checking that they are the Python engine's."""
    hits = DurableEngine(rulebook).evaluate(facts)
    assert hits == PythonEngine(rulebook).evaluate(facts)
    return hits


def test_compiled_json_of_one_rule(tmp_path: Path) -> None:
    path = tmp_path / "XX01.yaml"
    path.write_text(RULE_YAML, encoding="utf-8")
    problems: list = []
    spec = load_rule(path, problems)
    assert problems == [] and spec is not None
    assert compile_rule(spec) == GOLDEN
    engine = DurableEngine(Rulebook((spec,)))
    (definition,) = engine.definitions.values()
    assert definition == {
        **GOLDEN,
        "catch-all.document": {"pri": 1000, "all": [{"m": {"subject": "document"}}]},
        "evaluation-complete": {"pri": 1000, "all": [{"m": {"subject": "claim"}}]},
    }
    facts = facts_from_data(
        {"currency": "USD"},
        [
            {"is_cost": True, "currency": "EUR"},
            {"is_cost": True, "currency": "USD"},
            {"is_cost": True},
            {"is_cost": False, "currency": "EUR"},
            {"currency": "EUR"},
        ],
    )
    assert both(Rulebook((spec,)), facts) == [Hit("XX01", "doc1", V), Hit("XX01", "doc3", N)]


def test_arithmetic_is_moved_to_the_right_of_a_property() -> None:
    spec = rule("XX02", "claim", "claim.usage_end + 45 < claim.submission_date")
    violated = compile_rule(spec)["XX02.violated.1"]
    assert {
        "$lt": {"claim__usage_end": {"$sub": {"$l": {"$m": "claim__submission_date"}, "$r": 45}}}
    } in violated["all"][0]["m"]["$and"]
    rules = Rulebook(
        (
            spec,
            rule("XX03", "claim", "5 < claim.poe_count + 3"),
            rule("XX04", "claim", "claim.poe_count + claim.poe_count - claim.csr_count > 3"),
            rule("XX05", "claim", "claim.poe_count - claim.poe_count == 0"),
            rule("XX06", "claim", "claim.csr_count - 1 >= claim.poe_count + claim.poe_count"),
        )
    )
    for submission in ("2024-05-15", "2024-05-16", None):
        for poe, csr in ((1, 0), (2, 0), (3, 1), (0, 5), (None, 1)):
            claim = {
                "usage_end": "2024-03-31",
                "submission_date": submission,
                "poe_count": poe,
                "csr_count": csr,
            }
            both(rules, facts_from_data({k: v for k, v in claim.items() if v is not None}))


def test_two_identical_documents_are_two_facts() -> None:
    rules = Rulebook((rule("XX01", "document", 'doc.role == "invoice"'),))
    invoice = {"file": "a.pdf", "role": "invoice", "total": "10.00 USD"}
    facts = facts_from_data({"id": "C1"}, [invoice, dict(invoice)])
    assert both(rules, facts) == [Hit("XX01", "doc1", V), Hit("XX01", "doc2", V)]


def test_a_claim_on_which_no_rule_fires() -> None:
    rules = Rulebook(
        (
            rule("XX01", "claim", "claim.poe_count == 0"),
            rule("XX02", "document", "doc.readable == false"),
        )
    )
    assert both(rules, facts_from_data({"poe_count": 1})) == []
    assert both(rules, facts_from_data({"poe_count": 1}, [{"readable": True}] * 3)) == []
    assert both(Rulebook(()), facts_from_data({}, [{}])) == []


def test_conditions_that_are_constant() -> None:
    rules = Rulebook(
        (
            rule("XX01", "claim", "n == 1", params={"n": 1}),
            rule("XX02", "claim", "n == 2", params={"n": 1}),
            rule("XX03", "document", "exists(doc.file)", where="n == 2", params={"n": 1}),
            rule("XX04", "claim", '"a" != "a" or claim.usage_end == claim.usage_end'),
        )
    )
    assert compile_rule(rules.rules[1]) == {} and compile_rule(rules.rules[2]) == {}
    always = {"XX01.violated.1": {"all": [{"m": {"subject": "claim"}}]}}
    assert compile_rule(rules.rules[0]) == always
    hits = both(rules, facts_from_data({"usage_end": "2024-01-01"}, [{}]))
    assert hits == [Hit("XX01", "claim", V), Hit("XX04", "claim", V)]


def test_only_absence_tests_do_not_match_the_session_state() -> None:
    """A pattern of only $nex tests also matches durable's session state, and fires forever."""
    rules = Rulebook((rule("XX01", "claim", "not exists(claim.usage_end)"),))
    assert both(rules, facts_from_data({})) == [Hit("XX01", "claim", V)]


def test_booleans() -> None:
    rules = Rulebook(
        (
            rule("XX01", "document", "doc.listed == doc.readable"),
            rule("XX02", "document", "not doc.vendor_is_partner"),
            rule("XX03", "document", "doc.has_note != false", where="doc.is_cost"),
        )
    )
    docs = [
        {"listed": a, "readable": b, "vendor_is_partner": b, "has_note": a, "is_cost": c}
        for a in (True, False)
        for b in (True, False)
        for c in (True, False)
    ]
    docs += [{}, {"listed": {"ambiguous": [True, False]}, "readable": True, "is_cost": True}]
    hits = both(rules, facts_from_data({}, docs))
    assert Hit("XX01", "doc1", V) in hits and Hit("XX01", "doc3", N) not in hits
    assert Hit("XX01", "doc10", N) in hits and Hit("XX03", "doc10", N) in hits


def test_strings() -> None:
    rules = Rulebook(
        (
            rule("XX01", "document", "doc.vendor == claim.id"),
            rule("XX02", "document", 'doc.vendor in ["", "Acme \\"Ltd\\"", "Müller & Søn"]'),
        )
    )
    long = "x" * 70_000  # durable alone compares strings of 64 KiB or more wrongly
    cases = ["", 'Acme "Ltd"', "Müller & Søn", "12", "C-1", long + "y", long + "z", "c-1"]
    hits = both(rules, facts_from_data({"id": long + "y"}, [{"vendor": v} for v in cases]))
    assert [h for h in hits if h.code == "XX01"] == [Hit("XX01", "doc6", V)]
    assert [h.fact_id for h in hits if h.code == "XX02"] == ["doc1", "doc2", "doc3"]


def test_money_in_two_currencies_and_below_a_cent() -> None:
    rules = Rulebook(
        (
            rule("XX01", "claim", "claim.claimed > claim.remaining"),
            rule("XX02", "claim", "claim.claimed >= limit", params={"limit": "100.005 USD"}),
        )
    )
    cases = [
        ("100.00 USD", "50.00 USD", [Hit("XX01", "claim", V)]),
        ("100.00 USD", "50.00 EUR", [Hit("XX01", "claim", N)]),
        ("100.01 EUR", "200.00 EUR", [Hit("XX02", "claim", N)]),
        ("100.005 USD", "100.004 USD", [Hit("XX01", "claim", V), Hit("XX02", "claim", V)]),
        ("100.004 USD", "100.004 USD", []),  # in rounded cents, XX02 would hold (100.00 ≥ 100.00)
        ("-5 USD", {"ambiguous": ["1.00 USD", "2.00 USD"]}, [Hit("XX01", "claim", N)]),
    ]
    for claimed, remaining, expected in cases:
        facts = facts_from_data({"claimed": claimed, "remaining": remaining})
        assert both(rules, facts) == expected, (claimed, remaining)
    with pytest.raises(CoopRulesError, match="finer than a millionth"):
        DurableEngine(rules).evaluate(facts_from_data({"claimed": "1.0000001 USD"}))


def test_missing_and_ambiguous_values_are_not_checked() -> None:
    rules = Rulebook(
        (
            rule(
                "XX01",
                "document",
                "doc.issue_date < claim.usage_start",
                where='doc.role == "invoice"',
            ),
        )
    )
    docs = [
        {"role": "invoice", "issue_date": "2023-12-31"},
        {"role": "invoice", "issue_date": {"ambiguous": ["2024-01-02", "2024-02-01"]}},
        {"role": "invoice"},
        {"role": {"ambiguous": ["invoice", "poe"]}},
        {"role": "poe"},
    ]
    hits = both(rules, facts_from_data({"usage_start": "2024-01-01"}, docs))
    assert hits == [Hit("XX01", "doc1", V), Hit("XX01", "doc2", N), Hit("XX01", "doc3", N)]


def test_two_thousand_claims_do_not_leak_sessions() -> None:
    """A ruleset holds at most 1,024 live sessions: each claim's is deleted after evaluation."""
    engine = DurableEngine(
        Rulebook(
            (
                rule("XX01", "claim", "claim.poe_count == 0"),
                rule("XX02", "document", "doc.readable == false"),
            )
        )
    )
    for i in range(2000):
        facts = facts_from_data({"poe_count": i % 2}, [{"readable": i % 3 == 0}])
        expected = [Hit("XX01", "claim", V)] if i % 2 == 0 else []
        expected += [] if i % 3 == 0 else [Hit("XX02", "doc1", V)]
        assert engine.evaluate(facts) == expected


def test_more_rules_than_one_ruleset_takes() -> None:
    """One fact may match at most 64 rules in durable: rules are split across rulesets."""
    rules = Rulebook(
        tuple(rule(f"X{i:03d}", "claim", f"claim.poe_count >= {i % 7}") for i in range(130))
    )
    engine = DurableEngine(rules)
    assert len(engine.definitions) == 3
    facts = facts_from_data({"poe_count": 9})
    assert both(rules, facts) == [Hit(r.code, "claim", V) for r in rules]


def test_rulebooks_compile_once() -> None:
    rules = Rulebook((rule("XX01", "claim", "claim.poe_count == 0"),))
    first, again = DurableEngine(rules), DurableEngine(rules)
    other = DurableEngine(Rulebook(rules.rules))
    assert first.definitions is again.definitions
    assert set(first.definitions).isdisjoint(other.definitions)


def test_errors_inside_actions_name_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    class Exploding(set):
        def add(self, item: Any) -> None:
            raise RuntimeError("boom")

    class BadSession(durable_module._Session):
        def __init__(self, sid: str) -> None:
            super().__init__(sid)
            self.found = Exploding()

    engine = DurableEngine(Rulebook((rule("XX01", "claim", "claim.poe_count == 0"),)))
    facts = facts_from_data({"poe_count": 0})
    with monkeypatch.context() as patch:
        patch.setattr(durable_module, "_Session", BadSession)
        with pytest.raises(CoopRulesError, match=r"rule XX01: .*boom"):
            engine.evaluate(facts)
    assert engine.evaluate(facts) == [Hit("XX01", "claim", V)]  # the session was cleaned up


def test_facts_durable_cannot_take_are_refused() -> None:
    engine = DurableEngine(Rulebook((rule("XX01", "document", "doc.total > claim.claimed"),)))
    facts = facts_from_data({"claimed": "1.00 USD"}, [{"total": "2.00 USD"}, {"total": "1 USD"}])
    twins = FactSet(facts.claim, (facts.documents[0], facts.documents[0]))
    with pytest.raises(CoopRulesError, match="same id"):
        engine.evaluate(twins)
    with pytest.raises(CoopRulesError, match="64 bits"):
        engine.evaluate(facts_from_data({"claimed": "99999999999999.00 USD"}))
    assert engine.evaluate(facts) == [Hit("XX01", "doc1", V)]


def test_threads_share_one_engine() -> None:
    rules = Rulebook((rule("XX01", "document", "doc.total > claim.claimed"),))
    engine, results, errors = DurableEngine(rules), {}, []

    def work(n: int) -> None:
        try:
            for i in range(100):
                facts = facts_from_data({"claimed": f"{i}.00 USD"}, [{"total": f"{n}.00 USD"}])
                results[n, i] = engine.evaluate(facts) == PythonEngine(rules).evaluate(facts)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in (10, 50, 90, 150)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 400 and all(results.values())
