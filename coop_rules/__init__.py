"""coop-rules: check marketing co-op (MDF) claims against declarative rules, with evidence.

The Python API::

    from coop_rules import check_claim, extract
    report = check_claim("fixtures/claims/compliant")
    report.verdict, [f.message for f in report.findings]
    extract("invoice.pdf").fields["total"].value
"""

from coop_rules.api import check_claim, check_facts, extract, rulebook
from coop_rules.errors import ConfigurationError, CoopRulesError, LedgerError
from coop_rules.options import CheckOptions
from coop_rules.report import Finding, Report, Verdict
from coop_rules.version import __version__

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
