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
from coop_rules.i18n import DEFAULT_LANG, translate
from coop_rules.i18n import translate_count as _count
from coop_rules.i18n.shown import show
from coop_rules.rulebook import Rulebook, RuleSpec, Severity
from coop_rules.rulebook.expr import Field, Node, fields_of, needed_fields, value_of
from coop_rules.rulebook.spec import LocalText

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
    title: str = ""  # the rule's display title in the report's language ("" = its name)

    @property
    def display_title(self) -> str:
        return self.title or self.name

    @property
    def docs_url(self) -> str:
        return DOCS_URL.format(code=self.code)

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
    # The translated messages are part of what a report says (and of a batch's reuse key).
    for catalogue in rules.message_files:
        path = Path(catalogue)
        digest.update(path.name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    # So is the program data the claim's facts are derived from (matrix, profiles, calendars).
    for folder in rules.sources:
        for sub in ("matrix", "programs", "calendars", "lexicon"):
            for path in sorted((Path(folder) / sub).glob("*.yaml")):
                digest.update(f"{sub}/{path.name}".encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
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
            out["claimed"] = {"amount": str(self.claimed[0]), "currency": self.claimed[1]}
        if self.retention_until is not None:
            out["retention_until"] = self.retention_until.isoformat()
        if self.rule_set is not None:
            out["rule_set"] = self.rule_set.to_json()
        return out


def findings_from_hits(
    hits: list[Hit],
    facts: FactSet,
    rules: dict[str, RuleSpec],
    lang: str = DEFAULT_LANG,
    messages: dict[str, LocalText] | None = None,
) -> list[Finding]:
    """Turn engine hits into findings, most severe first, then by rule code and subject.

    ``messages`` holds the rules' translated texts in ``lang`` by code (a rulebook's
    ``messages[lang]``); a rule without one speaks English, its values still formatted for
    ``lang``.
    """
    local = messages or {}
    findings = [
        _finding(rules[h.code], facts.by_id(h.fact_id), h.outcome, lang, local.get(h.code))
        for h in hits
    ]
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


def _finding(
    rule: RuleSpec,
    fact: Fact,
    outcome: Outcome,
    lang: str = DEFAULT_LANG,
    local: LocalText | None = None,
) -> Finding:
    read = [f.name for f in fields_of(rule.when)]
    values = {name: json_value(_plain(fact.lookup(name))) for name in read}
    evidence: list[Evidence] = []
    for name in read:
        found = fact.values.get(name)
        for item in found.evidence if found else ():
            if item not in evidence:
                evidence.append(item)
    local = local or LocalText()
    title = local.title or rule.name
    if outcome is Outcome.VIOLATED:
        severity = rule.severity
        template = local.message or rule.message
        message = render(template.text, template.parts, fact, lang)
    else:
        # Not checked is never silent, but it is not the violation itself: a reviewer looks.
        severity = Severity.WARNING if rule.severity.rank >= Severity.ACTION.rank else Severity.INFO
        reason = _unknown_reason(rule.when, fact, lang)
        message = translate("unknown.could_not_check", lang, title=title, reason=reason)
    hint = local.hint or rule.hint
    return Finding(
        code=rule.code,
        name=rule.name,
        severity=severity,
        outcome=outcome,
        requirement=rule.requirement,
        subject=fact.label,
        message=message,
        hint=render(hint.text, hint.parts, fact, lang),
        values=values,
        evidence=tuple(evidence),
        params=rule.params,
        title=local.title or "",
    )


def render(
    text: str, parts: tuple[tuple[str, Node], ...], fact: Fact, lang: str = DEFAULT_LANG
) -> str:
    """Fill a template's ``{expression}`` placeholders with the fact's values, as ``lang``
    writes them.

    A placeholder naming a field whose value has a shown form (a key, a list of keys, a
    sentence of the matrix) writes that form in ``lang``: "Vorführgeräte", not ``demo-units``.
    """
    for placeholder, node in parts:
        found = fact.values.get(node.name) if isinstance(node, Field) else None
        if found is not None and found.known and found.shown is not None:
            value = found.shown.text(lang)
        else:
            value = format_value(value_of(node, fact.lookup), lang)
        text = text.replace("{" + placeholder + "}", value)
    return text


def format_value(value: Any, lang: str = DEFAULT_LANG) -> str:
    """A value as a person reads it in ``lang``: localised dates and amounts (see ``i18n``)."""
    if value is None:
        return translate("value.unknown", lang)
    return show(value, lang)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return f"{value[0]} {value[1]}"
    return value


def _unknown_reason(condition: Node, fact: Fact, lang: str = DEFAULT_LANG) -> str:
    """Why a rule could not be checked on ``fact``: each unknown value and what made it so."""
    reasons = []
    unreadable = fact.lookup("doc.readable") is False
    currencies: dict[str, tuple[str, str]] = {}  # field -> (currency, the amount as shown)
    for field_node in needed_fields(condition):
        name = field_node.name
        found = fact.values.get(name)
        if found is not None and found.alternatives:
            readings = translate("unknown.or", lang).join(
                format_value(v, lang) for v in (found.value, *found.alternatives)
            )
            reasons.append(translate("unknown.ambiguous", lang, name=name, readings=readings))
        elif found is None:
            if name.startswith("doc.") and unreadable:
                reasons.append(translate("unknown.unreadable", lang, name=name))
            elif name.startswith("doc."):
                reasons.append(translate("unknown.not_found", lang, name=name))
            elif name in fact.gaps:
                gap = show(fact.gaps[name], lang)
                reasons.append(translate("unknown.not_known_because", lang, name=name, gap=gap))
            else:
                reasons.append(translate("unknown.not_known", lang, name=name))
        elif isinstance(found.value, tuple):
            currencies[name] = (found.value[1], format_value(found.value, lang))
    if len({currency for currency, _ in currencies.values()}) > 1:
        compared = ", ".join(f"{k} = {shown}" for k, (_, shown) in currencies.items())
        reasons.append(translate("unknown.currencies", lang, compared=compared))
    separator = translate("unknown.separator", lang)
    return separator.join(dict.fromkeys(reasons)) or translate("unknown.fallback", lang)
