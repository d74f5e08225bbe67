"""Every rule's own pass/fail cases (``rules/cases/<CODE>.yaml``), run by one generic test.

A case is facts in, findings out: the claim's and documents' values as data, and the exact
(outcome, subject) pairs the rule must produce — on every engine that is installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from coop_rules.api import rulebook
from coop_rules.bundled import RULES_DIR as DEFAULT_RULES_DIR
from coop_rules.engines import durable_available, select_engine
from coop_rules.engines.readings import evaluate_readings
from coop_rules.facts import facts_from_data
from coop_rules.facts.readings import in_context

CASES_DIR = DEFAULT_RULES_DIR / "cases"
ENGINES = [
    "python",
    pytest.param(
        "durable",
        marks=pytest.mark.skipif(
            not durable_available(), reason="durable-rules is not importable on this Python"
        ),
    ),
]


def _cases() -> list:
    params = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        base = data.get("base", {})
        for name, case in data["cases"].items():
            params.append(pytest.param(data["rule"], base, case, id=f"{data['rule']}_{name}"))
    return params


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("code", "base", "case"), _cases())
def test_rule_case(engine: str, code: str, base: dict, case: dict) -> None:
    claim = {"id": "CLAIM-1", **base.get("claim", {}), **case.get("claim", {})}
    # As a check does: ambiguous dates read in the claim's context, then decided where every
    # reading gives the rule the same outcome.
    facts = in_context(facts_from_data(claim, case.get("documents", base.get("documents", []))))
    hits, facts = evaluate_readings(select_engine(rulebook(), engine), facts)
    found = sorted((str(h.outcome), facts.by_id(h.fact_id).label) for h in hits if h.code == code)
    expected = sorted((e["outcome"], e.get("subject", "CLAIM-1")) for e in case["expect"])
    assert found == expected


def test_every_rule_has_passing_and_failing_cases() -> None:
    names: dict[str, list[str]] = {}
    for path in CASES_DIR.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert path.stem == data["rule"], f"{path.name} holds cases of {data['rule']}"
        names[data["rule"]] = list(data["cases"])
    for rule in rulebook():
        cases = names.get(rule.code, [])
        assert any(c.startswith("pass_") for c in cases), f"{rule.code} has no pass_ case"
        assert any(c.startswith("fail_") for c in cases), f"{rule.code} has no fail_ case"


def test_cases_name_only_known_rules() -> None:
    codes = {r.code for r in rulebook()}
    for path in Path(CASES_DIR).glob("*.yaml"):
        assert path.stem in codes, f"cases for unknown rule {path.stem}"
