"""Rules as data: the condition language (``expr``) and the rule files (``spec``).

The names below are imported lazily: ``expr`` is a leaf that ``coop_rules.facts`` builds on,
while ``spec`` builds on ``facts``, so importing ``spec`` eagerly here would make a cycle.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coop_rules.rulebook.spec import (
        DEFAULT_RULES_DIR,
        Rulebook,
        RuleSpec,
        Severity,
        load_rulebook,
    )

__all__ = ["DEFAULT_RULES_DIR", "RuleSpec", "Rulebook", "Severity", "load_rulebook"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from coop_rules.rulebook import spec

        return getattr(spec, name)
    raise AttributeError(name)
