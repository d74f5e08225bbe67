"""Every DOMAIN requirement R1–R28 is implemented by a rule or explained in the rules' README."""

from __future__ import annotations

import re

from coop_rules.api import rulebook
from coop_rules.bundled import RULES_DIR as DEFAULT_RULES_DIR

REQUIREMENTS = {f"R{n}" for n in range(1, 29)}  # DOMAIN.md "Checkable rules" 1–28


def _not_decided() -> set[str]:
    """The requirements of the README's table 'Requirements no rule decides'."""
    text = (DEFAULT_RULES_DIR / "README.md").read_text(encoding="utf-8")
    section = text.split("## Requirements no rule decides", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| (R\d+) \|", section, flags=re.MULTILINE))


def test_every_requirement_has_a_rule_or_a_reason() -> None:
    covered = {rule.requirement for rule in rulebook()}
    explained = _not_decided()
    assert explained, "the README's table of requirements no rule decides is missing"
    assert not covered & explained, f"both a rule and a reason: {covered & explained}"
    assert REQUIREMENTS - covered - explained == set()


def test_rule_codes_use_the_documented_prefixes() -> None:
    text = (DEFAULT_RULES_DIR / "README.md").read_text(encoding="utf-8")
    prefixes = set(re.findall(r"^\| ([A-Z]{2}) \|", text, flags=re.MULTILINE))
    for rule in rulebook():
        assert rule.code[:2] in prefixes, rule.code
