"""Findings: what the engine's hits mean, with values, messages and evidence.

An engine says only *which* rule held on *which* fact (jsonschema's style: checks know their own
values, the caller adds context). This module adds the rest: severity, the rendered message and
hint, the values the rule compared and where each came from.
"""

from __future__ import annotations

from typing import Any

from coop_rules.engines import Hit, Outcome
from coop_rules.evidence import Evidence, json_value
from coop_rules.extraction import ExtractedDocument
from coop_rules.facts import Fact, FactSet
from coop_rules.i18n import DEFAULT_LANG, translate
from coop_rules.i18n.shown import format_value, show, term
from coop_rules.report.model import Finding
from coop_rules.rulebook import Rulebook, RuleSpec, Severity
from coop_rules.rulebook.expr import Field, Node, fields_of, needed_fields, value_of
from coop_rules.rulebook.spec import LocalText


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
    title = local.title or rule.display_title
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
        title=local.title or rule.title,
        docs=local.docs or rule.docs,
        docs_lang=lang if local.docs else DEFAULT_LANG,
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
        shown = term("fact", name, lang)  # the field as people call it; the code keeps its id
        found = fact.values.get(name)
        if found is not None and found.alternatives:
            readings = translate("unknown.or", lang).join(
                format_value(v, lang) for v in (found.value, *found.alternatives)
            )
            reasons.append(translate("unknown.ambiguous", lang, name=shown, readings=readings))
        elif found is None:
            if name.startswith("doc.") and unreadable:
                reasons.append(translate("unknown.unreadable", lang, name=shown))
            elif name.startswith("doc.") and name not in fact.gaps:
                reasons.append(translate("unknown.not_found", lang, name=shown))
            elif name in fact.gaps:
                gap = show(fact.gaps[name], lang)
                reasons.append(translate("unknown.not_known_because", lang, name=shown, gap=gap))
            else:
                reasons.append(translate("unknown.not_known", lang, name=shown))
        elif isinstance(found.value, tuple):
            currencies[name] = (found.value[1], format_value(found.value, lang))
    if len({currency for currency, _ in currencies.values()}) > 1:
        compared = ", ".join(
            f"{term('fact', k, lang)} = {amount}" for k, (_, amount) in currencies.items()
        )
        reasons.append(translate("unknown.currencies", lang, compared=compared))
    separator = translate("unknown.separator", lang)
    return separator.join(dict.fromkeys(reasons)) or translate("unknown.fallback", lang)
