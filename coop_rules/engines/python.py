"""The pure-Python evaluator: the reference semantics, and the engine where durable is absent.

It evaluates each rule's condition on each fact with three-valued logic (``expr.evaluate``). The
differential tests hold the durable engine to exactly its results.
"""

from __future__ import annotations

from coop_rules.engines.base import Hit, Outcome
from coop_rules.facts import FactSet
from coop_rules.rulebook import Rulebook
from coop_rules.rulebook.expr import evaluate


class PythonEngine:
    name = "python"

    def __init__(self, rulebook: Rulebook) -> None:
        self.rulebook = rulebook

    def evaluate(self, facts: FactSet) -> list[Hit]:
        hits = []
        for rule in self.rulebook:
            for fact in facts:
                if fact.subject != rule.subject:
                    continue
                if rule.where is not None and evaluate(rule.where, fact.lookup) is not True:
                    continue
                result = evaluate(rule.when, fact.lookup)
                if result is True:
                    hits.append(Hit(rule.code, fact.id, Outcome.VIOLATED))
                elif result is None:
                    hits.append(Hit(rule.code, fact.id, Outcome.NOT_CHECKED))
        return sorted(hits)
