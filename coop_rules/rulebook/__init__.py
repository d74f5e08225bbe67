"""Rules as data: the condition language (``expr``), what a rule may read (``fields``), one rule
file (``spec``), the message catalogues (``messages``) and the rule book they make (``loading``).
"""

from coop_rules.rulebook.loading import load_rulebook
from coop_rules.rulebook.spec import Rulebook, RuleSpec, Severity

__all__ = ["RuleSpec", "Rulebook", "Severity", "load_rulebook"]
