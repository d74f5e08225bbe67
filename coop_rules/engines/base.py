"""What every engine returns: which rule held or could not be decided, on which fact."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from coop_rules.facts import FactSet


class Outcome(StrEnum):
    VIOLATED = "violated"  # the rule's condition is true: the problem is there
    NOT_CHECKED = "not-checked"  # a value the condition needs is missing or ambiguous


@dataclass(frozen=True, order=True)
class Hit:
    code: str
    fact_id: str
    outcome: Outcome


class Engine(Protocol):
    """Evaluates a rulebook on the facts of one claim, in isolation from any other claim."""

    name: str

    def evaluate(self, facts: FactSet) -> list[Hit]:
        """Every (rule, fact) whose outcome is violated or not-checked, sorted."""
        ...
