"""The core: check a claim, extract documents. The CLI (and any later service) only call these.

Nothing here prints or parses arguments; bad documents are findings, configuration mistakes
raise :class:`~coop_rules.errors.CoopRulesError`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, Literal, Protocol

from coop_rules.claim import Claim, load_claim
from coop_rules.documents.limits import DEFAULT_LIMITS, OCR_MODES, Limits
from coop_rules.documents.ocr import require as require_ocr
from coop_rules.engines import Engine, select_engine
from coop_rules.engines.readings import evaluate_readings
from coop_rules.errors import CoopRulesError
from coop_rules.extraction import ExtractedDocument
from coop_rules.facts import FactSet
from coop_rules.facts.build import claim_facts
from coop_rules.facts.money import rates_from
from coop_rules.i18n import DEFAULT_LANG, check_language
from coop_rules.isolation import extractor_for, parallel_reads
from coop_rules.ledger.entry import cost_documents
from coop_rules.ledger.model import History
from coop_rules.ledger.session import consult
from coop_rules.options import CheckOptions
from coop_rules.programs import ProgramData, load_program_data
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


def programs(rules_dirs: Iterable[Path] = ()) -> ProgramData:
    """The program data (profiles, activity matrices, calendars, word lists): the bundled files
    plus the ``programs/``, ``matrix/``, ``calendars/`` and ``lexicon/`` folders of ``rules_dirs``.
    """
    return load_program_data(tuple(Path(d).resolve() for d in rules_dirs))


def warm(rules_dirs: Iterable[Path] = (), engine: str = "auto") -> None:
    """Load the rules, compile their engine and read the program data now, not on the first
    check (for a process about to fork workers that should inherit them)."""
    rules = rulebook(rules_dirs)
    _engine(rules, engine)
    programs(rules_dirs)


def check_facts(
    facts: FactSet, rules: Rulebook, engine: str = "auto", lang: str = DEFAULT_LANG
) -> list[Finding]:
    """Evaluate ``rules`` on one claim's facts; findings most severe first, messages in ``lang``."""
    # Ambiguous values: each rule is decided when every reading gives it the same outcome.
    hits, read = evaluate_readings(_engine(rules, engine), facts)
    messages = rules.messages.get(lang, {})
    return findings_from_hits(hits, read, {r.code: r for r in rules}, lang, messages)


def check_claim(path: str | Path, options: CheckOptions | None = None, **changes: Any) -> Report:
    """Check the claim in folder ``path`` (with its ``claim.yaml``/``claim.json``).

    ``options`` (default: :class:`CheckOptions`' defaults) says how; keyword ``changes`` replace
    single options (``check_claim(path, lang="de", today=date(2024, 7, 1))``).

    Each document is read in a worker process within ``limits`` (time, memory, pages, cells):
    one that overruns them becomes a finding and the other documents are still checked. Safe
    to call from several threads at once.

    Raises:
        CoopRulesError: no or an invalid manifest, invalid rule files, an unknown ``lang``,
            ``ocr="on"`` without OCR installed; LedgerError: a ledger that cannot be opened.
    """
    o = replace(options or CheckOptions(), **changes)
    rules_dirs, lang, engine = o.rules_dirs, o.lang, o.engine
    check_language(lang)
    limits = _with_ocr(o.limits, o.ocr)
    parallel = parallel_reads(limits)  # starts the workers from this thread (see isolation)
    with ThreadPoolExecutor(1, thread_name_prefix="coop-rules-claim") as background:
        loading = background.submit(
            load_claim,
            Path(path),
            einvoice=o.einvoice,
            extract=extractor_for(limits),
            parallel=parallel,
        )
        # While the workers read the documents, this thread loads the rules, compiles their
        # engine and reads the program data (once per process: the first check no longer
        # waits for each in turn). A broken rule file is still reported before the manifest.
        rules = rulebook(rules_dirs)
        selected = _engine(rules, engine)
        program_data = programs(rules_dirs)
        claim = loading.result()
    today = o.today or date.today()
    # When recording, the ledger stays locked from the look-up to the record (see session).
    with _consult(o.ledger, o.record) as session:
        facts = claim_facts(
            claim,
            today,
            history=session.history(claim),
            program_data=program_data,
            rates=rates_from(str(o.rates)) if o.rates is not None else None,
        )
        findings = check_facts(facts, rules, engine, lang)
        documents = tuple(d.extracted for d in claim.documents)
        manifest = claim.manifest
        report = Report(
            claim_id=manifest.claim_id,
            checked_on=today,
            engine=selected.name,
            rules=tuple(r.code for r in rules),
            findings=tuple(findings),
            documents=documents,
            roles={d.path: str(d.role) for d in claim.documents},
            folder=claim.folder,
            claimed=manifest.claimed,
            retention_until=retention_date(manifest.activity.end),
            rule_set=rule_set(rules, program_data),
            used=fields_used(facts, rules, documents),
            lang=lang,
        )
        session.record(claim, report)  # only with record=True: a dry check never writes
    return report


class _Session(Protocol):
    def history(self, claim: Claim) -> History: ...
    def record(self, claim: Claim, report: Report) -> None: ...


class _NoLedger:
    """``ledger=False``: the history of a ledger with nothing recorded, and nothing recorded."""

    def history(self, claim: Claim) -> History:
        # The cost documents are listed as compared, so the duplicate rules find no duplicate
        # (as with an empty ledger) rather than "could not check".
        return History(source="", documents={d.path: d for d in cost_documents(claim)})

    def record(self, claim: Claim, report: Report) -> None:
        return None


@contextlib.contextmanager
def _consult(ledger: str | Path | Literal[False] | None, record: bool) -> Iterator[_Session]:
    if ledger is False:
        if record:
            raise CoopRulesError("cannot record a claim without a ledger")
        yield _NoLedger()
        return
    with consult(ledger, record=record) as session:
        yield session


def _with_ocr(limits: Limits, ocr: str | None) -> Limits:
    """``limits`` with the OCR mode ``ocr`` (None: as they are); ``on`` must be possible."""
    if ocr is not None:
        if ocr not in OCR_MODES:
            raise CoopRulesError(f"ocr must be one of {', '.join(OCR_MODES)}, not {ocr!r}")
        limits = replace(limits, ocr=ocr)
    require_ocr(limits.ocr)
    return limits


def extract(
    path: str | Path,
    *,
    einvoice: bool = True,
    name: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    ocr: str | None = None,
) -> ExtractedDocument:
    """Read one document and extract its kind and fields, each with evidence.

    ``name`` is how the document and its evidence are called (default: ``path`` as given); the
    HTTP service passes the uploaded file name so no temporary path reaches a client.
    """
    limits = _with_ocr(limits, ocr)
    # In a worker within ``limits``, like every document of a claim.
    return extractor_for(limits)(Path(path), name or str(path), einvoice=einvoice)
