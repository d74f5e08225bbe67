"""Findings and the report: the engine's hits turned into findings (``findings``), the report
model and its verdict (``model``), the rule set that decided it (``rule_set``) and the JSON
Schema of its JSON form (``schema``).
"""

from coop_rules.report.findings import fields_used, findings_from_hits, format_value, render
from coop_rules.report.model import (
    DOCS_URL,
    FORMAT_VERSION,
    Finding,
    Report,
    RuleSet,
    Verdict,
    retention_date,
)
from coop_rules.report.rule_set import rule_set

__all__ = [
    "DOCS_URL",
    "FORMAT_VERSION",
    "Finding",
    "Report",
    "RuleSet",
    "Verdict",
    "fields_used",
    "findings_from_hits",
    "format_value",
    "render",
    "retention_date",
    "rule_set",
]
