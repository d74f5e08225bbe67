"""The core: check a claim, extract documents. The CLI (and any later service) only call these.

Nothing here prints or parses arguments; bad documents are findings, configuration mistakes
raise :class:`~coop_rules.errors.CoopRulesError`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from coop_rules.claim import claim_facts, load_claim
from coop_rules.engines import Engine, select_engine
from coop_rules.extraction import ExtractedDocument, extract_file
from coop_rules.facts import FactSet
from coop_rules.report import (
    Finding,
    Report,
    fields_used,
    findings_from_hits,
    retention_date,
    rule_set,
)
from coop_rules.rulebook import Rulebook, load_rulebook


@functools.lru_cache(maxsize=8)
def _rulebook(extra_dirs: tuple[Path, ...]) -> Rulebook:
    return load_rulebook(list(extra_dirs))


@functools.lru_cache(maxsize=8)
def _engine(rulebook: Rulebook, name: str) -> Engine:
    # Compiled once per rulebook: durable rulesets are never freed (ENGINE-NOTES).
    return select_engine(rulebook, name)


def rulebook(rules_dirs: Iterable[Path] = ()) -> Rulebook:
    """The bundled rules, plus (overriding by code) the rule files of ``rules_dirs``."""
    return _rulebook(tuple(Path(d).resolve() for d in rules_dirs))


def check_facts(facts: FactSet, rules: Rulebook, engine: str = "auto") -> list[Finding]:
    """Evaluate ``rules`` on one claim's facts; findings most severe first."""
    hits = _engine(rules, engine).evaluate(facts)
    return findings_from_hits(hits, facts, {r.code: r for r in rules})


def check_claim(
    path: str | Path,
    *,
    today: date | None = None,
    rules_dirs: Iterable[Path] = (),
    engine: str = "auto",
    einvoice: bool = True,
) -> Report:
    """Check the claim in folder ``path`` (with its ``claim.yaml``/``claim.json``).

    Args:
        path: the claim folder.
        today: the date a claim without ``submission_date`` is taken to be submitted.
        rules_dirs: folders of extra rule files; a code there overrides the bundled rule.
        engine: ``auto`` (durable-rules where it imports), ``durable`` or ``python``.
        einvoice: read e-invoice XML embedded in PDFs.

    Raises:
        CoopRulesError: no or an invalid manifest, or invalid rule files.
    """
    rules = rulebook(rules_dirs)
    claim = load_claim(Path(path), einvoice=einvoice)
    today = today or date.today()
    facts = claim_facts(claim, today)
    selected = _engine(rules, engine)
    findings = check_facts(facts, rules, engine)
    documents = tuple(d.extracted for d in claim.documents)
    manifest = claim.manifest
    return Report(
        claim_id=manifest.claim_id,
        checked_on=today,
        engine=selected.name,
        rules=tuple(r.code for r in rules),
        findings=tuple(findings),
        documents=documents,
        roles={d.path: str(d.role) for d in claim.documents},
        folder=claim.folder,
        claimed=(manifest.claimed.amount, manifest.claimed.currency),
        retention_until=retention_date(manifest.activity.end),
        rule_set=rule_set(rules),
        used=fields_used(facts, rules, documents),
    )


def extract(path: str | Path, *, einvoice: bool = True) -> ExtractedDocument:
    """Read one document and extract its kind and fields, each with evidence."""
    return extract_file(Path(path), str(path), einvoice=einvoice)
