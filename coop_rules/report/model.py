"""The report model: one claim's findings, its verdict, the documents as read, and the rule set
that decided it, with the JSON form every renderer and client reads.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from coop_rules.engines import Outcome
from coop_rules.evidence import Evidence, json_value
from coop_rules.extraction import ExtractedDocument
from coop_rules.i18n import DEFAULT_LANG, translate
from coop_rules.i18n import translate_count as _count
from coop_rules.money import Money
from coop_rules.rulebook import Severity

# The report's JSON format. History:
#   1 — first version: verdict, findings (code, name, severity, outcome, message, hint, subject,
#       values, evidence), documents (extract contract), unreadable.
#       Added later as optional keys (a reader of the first version ignores them, so no bump):
#       claimed {amount, currency}, retention_until (R7), rule_set {coop_rules_version, digest};
#       lang (the language of the messages, en when absent) and each finding's title (the rule's
#       display title in that language; its name when the rule has no translation).
FORMAT_VERSION = 1
DOCS_URL = "https://github.com/coop-rules/coop-rules/blob/main/rules/{code}.yaml"


class Verdict(StrEnum):
    """A claim's outcome: fail with an error finding, review with an action or warning, else
    pass (info findings never change it)."""

    PASS = "pass"
    REVIEW = "review"
    FAIL = "fail"


@dataclass(frozen=True)
class Finding:
    """What one rule found on one fact (the claim or a document): the rule's code, name and
    severity, whether it was violated or could not be checked (``outcome``), the message and
    hint in the report's language, the values it compared and their evidence."""

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
    title: str = ""  # the rule's display title in the report's language ("" = its name)
    # The rule's documentation, in the report's language where a catalogue translates it.
    docs: dict[str, str] = field(default_factory=dict)
    docs_lang: str = "en"  # the language ``docs`` is in

    @property
    def display_title(self) -> str:
        return self.title or self.name

    @property
    def docs_url(self) -> str:
        return DOCS_URL.format(code=self.code)

    @property
    def shown_values(self) -> dict[str, Any]:
        """The values a person reads: all of them when the rule could not be checked (the
        unknown one is the point); when it was violated, the known ones only, since a rule that
        fired had every value it needed and an unknown one was an alternative it did not use
        (``first(claim.documented_total_tolerance, claim.documented_total)``)."""
        if self.outcome is not Outcome.VIOLATED:
            return self.values
        return {name: value for name, value in self.values.items() if value is not None}

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "title": self.display_title,
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
    claimed: Money | None = None
    retention_until: date | None = None
    rule_set: RuleSet | None = None
    used: dict[str, frozenset[str]] = field(default_factory=dict)
    lang: str = DEFAULT_LANG  # the language of the messages, and of the renderers' chrome

    @property
    def verdict(self) -> Verdict:
        ranks = [f.severity.rank for f in self.findings]
        if Severity.ERROR.rank in ranks:
            return Verdict.FAIL
        if any(r > Severity.INFO.rank for r in ranks):
            return Verdict.REVIEW
        return Verdict.PASS

    def summary(self, lang: str | None = None) -> str:
        """``2 errors, 1 warning``: the non-zero counts, most severe first (report's language)."""
        lang = lang or self.lang
        parts = [_count(f"count.{s}", n, lang) for s, n in self.counts().items() if n]
        return translate("count.separator", lang).join(parts) or translate("count.none", lang)

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
            "lang": self.lang,
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
            out["claimed"] = {"amount": str(self.claimed.amount), "currency": self.claimed.currency}
        if self.retention_until is not None:
            out["retention_until"] = self.retention_until.isoformat()
        if self.rule_set is not None:
            out["rule_set"] = self.rule_set.to_json()
        return out
