"""Findings and the report: what the engine's hits mean, with values, messages and evidence.

An engine says only *which* rule held on *which* fact (jsonschema's style: checks know their own
values, the caller adds context). This module adds the rest: severity, the rendered message and
hint, the values the rule compared and where each came from, and the claim's verdict.
"""

from __future__ import annotations

import calendar
import functools
import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from coop_rules.engines import Hit, Outcome
from coop_rules.evidence import Evidence, json_value
from coop_rules.extraction import ExtractedDocument
from coop_rules.facts import Fact, FactSet
from coop_rules.rulebook import Rulebook, RuleSpec, Severity
from coop_rules.rulebook.expr import Node, fields_of, needed_fields, value_of

# The report's JSON format. History:
#   1 — first version: verdict, findings (code, name, severity, outcome, message, hint, subject,
#       values, evidence), documents (extract contract), unreadable.
#       Added later as optional keys (a reader of the first version ignores them, so no bump):
#       claimed {amount, currency}, retention_until (R7), rule_set {coop_rules_version, digest}.
FORMAT_VERSION = 1
DOCS_URL = "https://github.com/coop-rules/coop-rules/blob/main/rules/{code}.yaml"


class Verdict(StrEnum):
    PASS = "pass"
    REVIEW = "review"
    FAIL = "fail"


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    severity: Severity
    outcome: Outcome
    requirement: str
    subject: str  # the claim id, or the document's path
    message: str
    hint: str
    values: dict[str, Any]  # field name -> the value compared (JSON-ready), None when unknown
    evidence: tuple[Evidence, ...]
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def docs_url(self) -> str:
        return DOCS_URL.format(code=self.code)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": str(self.severity),
            "outcome": str(self.outcome),
            "requirement": self.requirement,
            "subject": self.subject,
            "message": self.message,
            "hint": self.hint,
            "values": self.values,
            "params": {k: json_value(v) for k, v in self.params.items()},
            "evidence": [e.to_json() for e in self.evidence],
            "docs_url": self.docs_url,
        }


@dataclass(frozen=True)
class RuleSet:
    """Which rules decided a report: the coop-rules version and a digest of the rule files."""

    coop_rules_version: str
    digest: str  # "sha256:<hex>" over the codes and bytes of the rule files in force

    def to_json(self) -> dict[str, str]:
        return {"coop_rules_version": self.coop_rules_version, "digest": self.digest}


@functools.lru_cache(maxsize=8)
def rule_set(rules: Rulebook) -> RuleSet:
    """The rule set of ``rules`` (cached per rulebook: rulebooks are compared by identity)."""
    import coop_rules  # here, not at the top: the package imports this module first

    digest = hashlib.sha256()
    for spec in rules:
        digest.update(spec.code.encode() + b"\0")
        # A rule built in memory has no file: its condition text stands in for it.
        source = Path(spec.source) if spec.source else None
        body = source.read_bytes() if source and source.is_file() else spec.when_text.encode()
        digest.update(hashlib.sha256(body).digest())
    return RuleSet(coop_rules.__version__, "sha256:" + digest.hexdigest())


def retention_date(activity_end: date, months: int = 24) -> date:
    """R7: originals are kept until the activity's end plus ``months`` (Feb 29 → Feb 28)."""
    month0 = activity_end.month - 1 + months
    year, month = activity_end.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(activity_end.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Report:
    """One claim's result: the findings, the documents as read, and what the renderers need.

    ``folder`` (the claim folder on disk) lets a renderer show the page or cell a piece of
    evidence points to; ``used`` maps a document's path to the names of its extracted fields
    that a rule read (directly or through a derived value such as the documented total).
    """

    claim_id: str
    checked_on: date
    engine: str
    rules: tuple[str, ...]
    findings: tuple[Finding, ...]
    documents: tuple[ExtractedDocument, ...] = ()
    roles: dict[str, str] = field(default_factory=dict)  # document path -> role in the claim
    folder: Path | None = None
    claimed: tuple[Decimal, str] | None = None
    retention_until: date | None = None
    rule_set: RuleSet | None = None
    used: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def verdict(self) -> Verdict:
        ranks = [f.severity.rank for f in self.findings]
        if Severity.ERROR.rank in ranks:
            return Verdict.FAIL
        if any(r > Severity.INFO.rank for r in ranks):
            return Verdict.REVIEW
        return Verdict.PASS

    def summary(self) -> str:
        """``2 errors, 1 warning``: the non-zero counts, most severe first."""
        parts = [
            f"{n} {s}{'s' if n != 1 and s != 'info' else ''}" for s, n in self.counts().items() if n
        ]
        return ", ".join(parts) or "no findings"

    def counts(self) -> dict[str, int]:
        return {str(s): sum(f.severity is s for f in self.findings) for s in Severity}

    def at_or_above(self, threshold: Severity) -> list[Finding]:
        return [f for f in self.findings if f.severity.rank >= threshold.rank]

    @property
    def top_severity(self) -> Severity | None:
        """The most severe finding's severity; None without findings."""
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=None)

    def source_file(self, path: str) -> Path | None:
        """The file on disk behind a document path (or the manifest), if it lies in the folder."""
        if self.folder is None:
            return None
        folder = self.folder.resolve()
        candidate = (folder / path).resolve()
        # Paths come from the manifest and the folder listing; never follow one out of the claim.
        if not candidate.is_relative_to(folder) or not candidate.is_file():
            return None
        return candidate

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "claim_id": self.claim_id,
            "verdict": str(self.verdict),
            "checked_on": self.checked_on.isoformat(),
            "engine": self.engine,
            "rules": list(self.rules),
            "counts": self.counts(),
            "findings": [f.to_json() for f in self.findings],
            "documents": [{**d.to_json(), "role": self.roles.get(d.path)} for d in self.documents],
            "unreadable": [p.to_json() for d in self.documents for p in d.problems],
        }
        if self.claimed is not None:
            out["claimed"] = {"amount": str(self.claimed[0]), "currency": self.claimed[1]}
        if self.retention_until is not None:
            out["retention_until"] = self.retention_until.isoformat()
        if self.rule_set is not None:
            out["rule_set"] = self.rule_set.to_json()
        return out


def findings_from_hits(
    hits: list[Hit], facts: FactSet, rules: dict[str, RuleSpec]
) -> list[Finding]:
    """Turn engine hits into findings, most severe first, then by rule code and subject."""
    findings = [_finding(rules[h.code], facts.by_id(h.fact_id), h.outcome) for h in hits]
    return sorted(findings, key=lambda f: (-f.severity.rank, f.code, f.subject))


def fields_used(
    facts: FactSet, rules: Rulebook, documents: tuple[ExtractedDocument, ...]
) -> dict[str, frozenset[str]]:
    """Per document path, the extracted fields whose evidence backs a value some rule reads.

    Matching on evidence rather than on names follows derived values too: ``doc.total`` is the
    document's total and currency, ``claim.documented_total`` the totals of every cost document.
    """
    read = {f.name for r in rules for c in (r.when, r.where) if c is not None for f in fields_of(c)}
    backing = {
        item
        for fact in facts
        for name in read
        if (found := fact.values.get(name)) is not None
        for item in found.evidence
    }
    used = {
        d.path: frozenset(n for n, found in d.fields.items() if found.evidence in backing)
        for d in documents
    }
    return {path: names for path, names in used.items() if names}


def _finding(rule: RuleSpec, fact: Fact, outcome: Outcome) -> Finding:
    read = [f.name for f in fields_of(rule.when)]
    values = {name: json_value(_plain(fact.lookup(name))) for name in read}
    evidence: list[Evidence] = []
    for name in read:
        found = fact.values.get(name)
        for item in found.evidence if found else ():
            if item not in evidence:
                evidence.append(item)
    if outcome is Outcome.VIOLATED:
        severity = rule.severity
        message = render(rule.message.text, rule.message.parts, fact)
    else:
        # Not checked is never silent, but it is not the violation itself: a reviewer looks.
        severity = Severity.WARNING if rule.severity.rank >= Severity.ACTION.rank else Severity.INFO
        message = f"Could not check {rule.name}: {_unknown_reason(rule.when, fact)}."
    return Finding(
        code=rule.code,
        name=rule.name,
        severity=severity,
        outcome=outcome,
        requirement=rule.requirement,
        subject=fact.label,
        message=message,
        hint=render(rule.hint.text, rule.hint.parts, fact),
        values=values,
        evidence=tuple(evidence),
        params=rule.params,
    )


def render(text: str, parts: tuple[tuple[str, Node], ...], fact: Fact) -> str:
    """Fill a template's ``{expression}`` placeholders with the fact's formatted values."""
    for placeholder, node in parts:
        text = text.replace("{" + placeholder + "}", format_value(value_of(node, fact.lookup)))
    return text


def format_value(value: Any) -> str:
    if value is None:
        return "(unknown)"
    if isinstance(value, tuple):  # money
        amount, currency = value
        return f"{amount:,.2f} {currency}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return f"{value[0]} {value[1]}"
    return value


def _unknown_reason(condition: Node, fact: Fact) -> str:
    reasons = []
    unreadable = fact.lookup("doc.readable") is False
    currencies: dict[str, str] = {}
    for field_node in needed_fields(condition):
        name = field_node.name
        found = fact.values.get(name)
        if found is not None and found.alternatives:
            readings = " or ".join(format_value(v) for v in (found.value, *found.alternatives))
            reasons.append(f"{name} is ambiguous ({readings})")
        elif found is None:
            if name.startswith("doc.") and unreadable:
                reasons.append(f"{name} unknown because the document could not be read")
            elif name.startswith("doc."):
                reasons.append(f"{name} was not found in the document")
            else:
                reasons.append(
                    f"{name} is not known" + (f" ({fact.gaps[name]})" if name in fact.gaps else "")
                )
        elif isinstance(found.value, tuple):
            currencies[name] = format_value(found.value)
    if len({c.rsplit(" ", 1)[1] for c in currencies.values()}) > 1:
        compared = ", ".join(f"{k} = {v}" for k, v in currencies.items())
        reasons.append(f"amounts in different currencies cannot be compared ({compared})")
    return "; ".join(dict.fromkeys(reasons)) or "a value it needs is unknown"
