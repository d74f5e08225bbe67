"""coop-rules: check marketing co-op (MDF) claims against declarative rules, with evidence.

The Python API::

    from coop_rules import check_claim, extract
    report = check_claim("fixtures/claims/compliant")
    report.verdict, [f.message for f in report.findings]
    extract("invoice.pdf").fields["total"].value

The names below are loaded on first use (PEP 562): ``import coop_rules.cli`` for
``coop-rules --version`` must not load the rule book, the readers and their libraries.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from coop_rules.version import __version__

if TYPE_CHECKING:
    from coop_rules.api import check_claim, check_facts, extract, rulebook
    from coop_rules.errors import ConfigurationError, CoopRulesError, LedgerError
    from coop_rules.options import CheckOptions
    from coop_rules.report import Finding, Report, Verdict

# name -> the module that defines it
_LAZY = {
    "check_claim": "coop_rules.api",
    "check_facts": "coop_rules.api",
    "extract": "coop_rules.api",
    "rulebook": "coop_rules.api",
    "ConfigurationError": "coop_rules.errors",
    "CoopRulesError": "coop_rules.errors",
    "LedgerError": "coop_rules.errors",
    "CheckOptions": "coop_rules.options",
    "Finding": "coop_rules.report",
    "Report": "coop_rules.report",
    "Verdict": "coop_rules.report",
}

__all__ = [
    "CheckOptions",
    "ConfigurationError",
    "CoopRulesError",
    "Finding",
    "LedgerError",
    "Report",
    "Verdict",
    "__version__",
    "check_claim",
    "check_facts",
    "extract",
    "rulebook",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'coop_rules' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # once: later look-ups do not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
