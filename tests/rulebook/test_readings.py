"""Ambiguous dates: read in the claim's context, and rules decided when all readings agree."""

from __future__ import annotations

from datetime import date

import pytest

from coop_rules.api import check_facts, rulebook
from coop_rules.engines import Outcome, durable_available, select_engine
from coop_rules.engines.readings import evaluate_readings
from coop_rules.facts import facts_from_data
from coop_rules.facts.readings import in_context

ENGINES = [
    "python",
    pytest.param(
        "durable",
        marks=pytest.mark.skipif(not durable_available(), reason="durable-rules not importable"),
    ),
]
CLAIM = {
    "usage_start": "2024-01-01",
    "usage_end": "2024-06-30",
    "submission_date": "2024-07-20",
}


def test_a_reading_after_the_submission_is_dropped_and_the_evidence_says_why() -> None:
    facts = in_context(
        facts_from_data(
            CLAIM,
            [
                {
                    "file": "a.pdf",
                    "role": "invoice",
                    "issue_date": {"ambiguous": ["2024-12-02", "2024-02-12"]},
                }
            ],
        )
    )
    found = facts.documents[0].values["doc.issue_date"]
    assert found.value == date(2024, 2, 12) and found.known
    note = found.evidence[0].note or ""
    assert "not 2024-12-02: after the claim's submission date 2024-07-20" in note


def test_a_reading_years_from_the_usage_period_is_dropped() -> None:
    facts = in_context(
        facts_from_data(
            CLAIM,
            [
                {
                    "file": "a.pdf",
                    "role": "invoice",
                    "issue_date": {"ambiguous": ["2024-05-01", "2021-01-05"]},
                }
            ],
        )
    )
    found = facts.documents[0].values["doc.issue_date"]
    assert found.value == date(2024, 5, 1)
    assert "more than a year before the usage period" in (found.evidence[0].note or "")


def test_two_fitting_readings_stay_ambiguous() -> None:
    facts = in_context(
        facts_from_data(
            CLAIM,
            [
                {
                    "file": "a.pdf",
                    "role": "invoice",
                    "issue_date": {"ambiguous": ["2024-03-04", "2024-04-03"]},
                }
            ],
        )
    )
    assert not facts.documents[0].values["doc.issue_date"].known


@pytest.mark.parametrize("engine", ENGINES)
def test_rules_are_decided_when_every_reading_agrees(engine: str) -> None:
    facts = facts_from_data(
        {"usage_start": "2024-01-01", "usage_end": "2024-06-30"},
        [
            {
                "file": "both-before.pdf",
                "role": "invoice",
                "issue_date": {"ambiguous": ["2023-11-12", "2023-12-11"]},
            },
            {
                "file": "both-inside.pdf",
                "role": "invoice",
                "issue_date": {"ambiguous": ["2024-03-04", "2024-04-03"]},
            },
            {
                "file": "disagree.pdf",
                "role": "invoice",
                "issue_date": {"ambiguous": ["2024-06-07", "2024-07-06"]},
            },
        ],
    )
    hits, read = evaluate_readings(select_engine(rulebook(), engine), facts)
    dt04 = {read.by_id(h.fact_id).label: h.outcome for h in hits if h.code == "DT04"}
    assert dt04 == {"both-before.pdf": Outcome.VIOLATED, "disagree.pdf": Outcome.NOT_CHECKED}


def test_a_decided_finding_shows_the_ambiguity_in_its_evidence() -> None:
    facts = facts_from_data(
        {"usage_start": "2024-01-01", "usage_end": "2024-06-30"},
        [
            {
                "file": "a.pdf",
                "role": "invoice",
                "issue_date": {"ambiguous": ["2023-11-12", "2023-12-11"]},
            }
        ],
    )
    findings = [f for f in check_facts(facts, rulebook(), "python") if f.code == "DT04"]
    assert [f.outcome for f in findings] == [Outcome.VIOLATED]
    notes = [e.note or "" for e in findings[0].evidence]
    assert any("every reading gives this rule the same result" in n for n in notes)
    assert findings[0].subject == "a.pdf"
