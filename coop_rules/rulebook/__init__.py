"""Rules as data: the condition language (``expr``) and the rule files (``spec``)."""

from coop_rules.rulebook.spec import DEFAULT_RULES_DIR, Rulebook, RuleSpec, Severity, load_rulebook

__all__ = ["DEFAULT_RULES_DIR", "RuleSpec", "Rulebook", "Severity", "load_rulebook"]
