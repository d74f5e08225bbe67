"""A claim folder: its manifest and its documents, read and extracted, and the facts they give.

Documents the manifest lists keep its role and note; other files in the folder are classified
from their content. A listed file that is missing or unreadable stays in the claim as an
unreadable document, so the rules that needed it can say they could not be checked.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path

from coop_rules.derived import ProofDocument, document_values, program_values, surplus_value
from coop_rules.documents import ProblemKind, ReadProblem
from coop_rules.evidence import Evidence, Extracted, json_value
from coop_rules.extraction import DocumentKind, ExtractedDocument, extract_file
from coop_rules.facts import CLAIM, Fact, FactSet, Value, document_fact
from coop_rules.i18n.shown import Listing, Phrase, ReadReason, Term
from coop_rules.ledger.facts import duplicate_values
from coop_rules.ledger.model import History
from coop_rules.manifest import DocumentEntry, Manifest, Role, find_manifest, load_manifest
from coop_rules.programs import Catalogue, load_catalogue

log = logging.getLogger(__name__)

ROLE_OF_KIND = {
    DocumentKind.INVOICE: Role.INVOICE,
    DocumentKind.CREDIT_NOTE: Role.INVOICE,
    DocumentKind.PROFORMA: Role.INVOICE,
    DocumentKind.QUOTE: Role.INVOICE,
    DocumentKind.ORDER_CONFIRMATION: Role.INVOICE,
    DocumentKind.RECEIPT: Role.INVOICE,
    DocumentKind.CSR: Role.CSR,
    DocumentKind.POE: Role.POE,
    DocumentKind.METRICS: Role.METRICS,
}
COST_ROLES = (Role.INVOICE, Role.CSR)


@dataclass(frozen=True)
class ClaimDocument:
    """A document of a claim: what the manifest says of it and what extraction found."""

    role: Role
    listed: bool
    note: str | None
    subtype: str | None
    extracted: ExtractedDocument

    @property
    def path(self) -> str:
        return self.extracted.path


@dataclass(frozen=True)
class Claim:
    folder: Path
    manifest: Manifest
    manifest_name: str
    documents: tuple[ClaimDocument, ...]


def load_claim(
    folder: Path,
    *,
    einvoice: bool = True,
    extract: Callable[..., ExtractedDocument] = extract_file,
    parallel: int = 1,
) -> Claim:
    """Validate the manifest of ``folder`` and read every document in it.

    ``extract`` reads one document (``extract_file``'s signature): in this process by default;
    :func:`coop_rules.isolation.extractor_for` gives one that reads in a worker process within
    time and memory limits. ``parallel`` documents are read at once (for an extractor whose
    workers run beside each other; :func:`coop_rules.isolation.parallel_reads`).

    Raises:
        CoopRulesError: no manifest; ConfigurationError: an invalid one.
    """
    manifest_path = find_manifest(folder)
    manifest = load_manifest(manifest_path)
    listed = {Path(e.path) for e in manifest.documents} | {Path(manifest_path.name)}
    unlisted = [
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and (relative := path.relative_to(folder)) not in listed
        and not any(p.startswith(".") for p in relative.parts)
    ]

    inside = folder.resolve()

    def read(path: Path, display: str, role: Role | None = None) -> ExtractedDocument:
        # A claim folder from a partner may hold links; one that leads out of the folder
        # (to a key file, to /etc) is never read, and its target is never shown.
        if not path.resolve().is_relative_to(inside):
            problem = ReadProblem(display, ProblemKind.UNSUPPORTED, _OUTSIDE)
            return ExtractedDocument(display, None, DocumentKind.UNREADABLE, problems=(problem,))
        return extract(path, display, einvoice=einvoice, role=role)

    def read_listed(entry: DocumentEntry) -> ClaimDocument:
        extracted = read(folder / entry.path, entry.path, entry.role)
        subtype = entry.subtype.value if entry.subtype else None
        return ClaimDocument(entry.role, True, entry.note, subtype, extracted)

    def read_unlisted(path: Path) -> ClaimDocument:
        extracted = read(path, path.relative_to(folder).as_posix())
        role = ROLE_OF_KIND.get(extracted.kind, Role.OTHER)
        return ClaimDocument(role, False, None, extracted.value("poe_subtype"), extracted)

    jobs: list[Callable[[], ClaimDocument]] = [
        *(partial(read_listed, entry) for entry in manifest.documents),
        *(partial(read_unlisted, path) for path in unlisted),
    ]
    if parallel > 1 and len(jobs) > 1:
        with ThreadPoolExecutor(min(parallel, len(jobs)), "coop-rules-read") as threads:
            documents = list(threads.map(lambda job: job(), jobs))
    else:
        documents = [job() for job in jobs]
    return Claim(folder, manifest, manifest_path.name, tuple(documents))


_OUTSIDE = "it is a link to a file outside the claim folder, which is never read"


def claim_facts(
    claim: Claim,
    today: date,
    history: History | None = None,
    catalogue: Catalogue | None = None,
) -> FactSet:
    """The facts of a claim: the manifest's values, counts and sums, and each document's values.

    ``catalogue`` is the program data (profiles, activity matrices, calendars; default: the
    bundled one): the claim is checked against its fiscal year's matrix (see ``derived``).

    ``history`` is what the ledger knows of earlier claims (None: no ledger was consulted, so
    the duplicate facts are unknown and the rules that need them say they could not check).
    """
    m, source = claim.manifest, claim.manifest_name

    def stated(path: str, value: object) -> Value:
        text = value.isoformat() if isinstance(value, date) else str(value)
        return Value(value, (Evidence(source, text=text, field=path),))  # type: ignore[arg-type]

    def money(path: str, amount: Decimal, currency: str) -> Value:
        return Value(
            (amount, currency), (Evidence(source, text=f"{amount} {currency}", field=path),)
        )

    values: dict[str, Value] = {
        "claim.id": stated("claim_id", m.claim_id),
        "claim.usage_start": stated("usage_period.start", m.usage_period.start),
        "claim.usage_end": stated("usage_period.end", m.usage_period.end),
        "claim.activity_type": stated("activity.type", m.activity.type),
        "claim.activity_start": stated("activity.start", m.activity.start),
        "claim.activity_end": stated("activity.end", m.activity.end),
        "claim.claimed": money("claimed.amount", m.claimed.amount, m.claimed.currency),
        "claim.currency": stated("claimed.currency", m.claimed.currency),
        "claim.funds_currency": stated("funds.currency", m.funds.currency),
        "claim.earned": money("funds.earned", m.funds.earned, m.funds.currency),
    }
    if m.submission_date is not None:
        values["claim.submission_date"] = stated("submission_date", m.submission_date)
    else:
        values["claim.submission_date"] = Value(
            today, (Evidence(source, text=today.isoformat(), note="not stated: today's date"),)
        )
    if m.claiming_window is not None:
        if m.claiming_window.opens is not None:
            values["claim.window_opens"] = stated("claiming_window.opens", m.claiming_window.opens)
        if m.claiming_window.closes is not None:
            values["claim.window_closes"] = stated(
                "claiming_window.closes", m.claiming_window.closes
            )
    if m.funds.remaining is not None:
        values["claim.remaining"] = money("funds.remaining", m.funds.remaining, m.funds.currency)
    else:
        remaining = m.funds.earned - m.funds.already_claimed
        values["claim.remaining"] = Value(
            (remaining, m.funds.currency),
            (
                Evidence(
                    source,
                    text=f"{m.funds.earned} − {m.funds.already_claimed} {m.funds.currency}",
                    field="funds",
                    note="earned − already claimed",
                ),
            ),
        )
    values.update(_document_counts(claim))
    gaps: dict[str, Phrase] = {}
    documented = _documented_total(claim, m.claimed.currency)
    if isinstance(documented, Value):
        values["claim.documented_total"] = documented
    else:
        gaps["claim.documented_total"] = documented
    proofs = [ProofDocument(str(d.role), d.subtype) for d in claim.documents]
    catalogue = catalogue or load_catalogue()
    program, program_gaps, context = program_values(m, source, catalogue, proofs, history)
    for name, value in program.items():  # what the manifest states (a claiming window) wins
        values.setdefault(name, value)
    if context.activity is not None:  # messages name the activity, not its kebab-case id
        values["claim.activity_type"] = replace(
            values["claim.activity_type"], shown=context.activity.title
        )
    gaps.update({k: v for k, v in program_gaps.items() if k not in values})
    surplus = surplus_value(values["claim.claimed"], values.get("claim.documented_total"))
    if surplus is not None:
        values["claim.documented_surplus_percent"] = surplus
    claim_fact = Fact("claim", CLAIM, values, m.claim_id, gaps)
    entries = {e.path: e for e in m.documents}
    partner_names = {_normal_name(n) for n in (m.partner.legal_name, *m.partner.aliases)}
    partner_tax_id = _normal_tax_id(m.partner.tax_id) if m.partner.tax_id else None
    docs = tuple(
        document_fact(
            i,
            claim_fact,
            {
                **_document_values(d, partner_names, partner_tax_id),
                **(duplicate_values(d.path, history) if history is not None else {}),
                **document_values(
                    d.extracted,
                    str(d.role),
                    context,
                    (m.claimed.amount, m.claimed.currency),
                    partner_names,
                    _normal_name,
                    _stated(entries.get(d.path), source),
                ),
            },
            d.path,
        )
        for i, d in enumerate(claim.documents, start=1)
    )
    return FactSet(claim_fact, docs)


def _document_counts(claim: Claim) -> dict[str, Value]:
    def count(name: str, docs: list[ClaimDocument], what: str) -> tuple[str, Value]:
        listing = ", ".join(d.path for d in docs) or "none"
        return name, Value(
            len(docs), (Evidence(claim.manifest_name, text=listing, note=f"{len(docs)} {what}"),)
        )

    docs = list(claim.documents)
    return dict(
        [
            count("claim.document_count", docs, "documents"),
            count("claim.invoice_count", [d for d in docs if d.role is Role.INVOICE], "invoices"),
            count("claim.csr_count", [d for d in docs if d.role is Role.CSR], "CSRs"),
            count(
                "claim.cost_document_count",
                [d for d in docs if d.role in COST_ROLES],
                "invoices and CSRs",
            ),
            count(
                "claim.poe_count", [d for d in docs if d.role is Role.POE], "proofs of execution"
            ),
            count(
                "claim.unreadable_count",
                [d for d in docs if not d.extracted.readable],
                "unreadable documents",
            ),
        ]
    )


def _documented_total(claim: Claim, currency: str) -> Value | Phrase:
    """The sum of the cost documents' totals, or why it cannot be computed."""
    total, evidence = Decimal(0), []
    for document in claim.documents:
        if document.role not in COST_ROLES:
            continue
        amount = document.extracted.fields.get("total")
        found_currency = document.extracted.value("currency")
        path = document.path
        if not document.extracted.readable:
            return Phrase.of("gap.unreadable", document=path)
        if amount is None:
            return Phrase.of("gap.no_total", document=path)
        if amount.ambiguous:
            return Phrase.of("gap.total_ambiguous", document=path)
        if found_currency is None:
            return Phrase.of("gap.no_currency", document=path, currency=currency)
        if found_currency != currency:
            return Phrase.of(
                "gap.other_currency", document=path, found=found_currency, currency=currency
            )
        total += amount.value  # type: ignore[operator]
        evidence.append(amount.evidence)
    return Value((total, currency), tuple(evidence))


def _document_values(
    document: ClaimDocument, partner_names: set[str], partner_tax_id: str | None
) -> dict[str, Value]:
    extracted = document.extracted
    here = Evidence(document.path, note="from the manifest" if document.listed else "classified")
    values: dict[str, Value] = {
        "doc.file": Value(document.path, (here,)),
        "doc.role": Value(str(document.role), (here,), shown=Term("role", str(document.role))),
        "doc.kind": Value(str(extracted.kind), (here,), shown=Term("kind", str(extracted.kind))),
        "doc.listed": Value(document.listed, (here,)),
        "doc.readable": Value(extracted.readable, (here,)),
        "doc.has_note": Value(bool(document.note and document.note.strip()), (here,)),
        "doc.is_cost": Value(document.role in COST_ROLES, (here,)),
    }
    if extracted.problems:
        values["doc.read_problem"] = Value(
            "; ".join(p.reason for p in extracted.problems),
            (here,),
            shown=Listing(
                tuple(ReadReason(str(p.kind), p.reason) for p in extracted.problems), "plain"
            ),
        )
    for name, found in extracted.fields.items():
        if f"doc.{name}" in _DOC_FIELDS:  # the total becomes money with its currency, below
            values[f"doc.{name}"] = _from_extracted(found)
    total, currency = extracted.fields.get("total"), extracted.fields.get("currency")
    if total is not None and currency is not None:
        values["doc.total"] = Value(
            (total.value, currency.value),
            (total.evidence, currency.evidence),
            tuple((a, currency.value) for a in total.alternatives),
        )
    is_partner = _vendor_is_partner(extracted, partner_names, partner_tax_id)
    if is_partner is not None:
        values["doc.vendor_is_partner"] = is_partner
    values.update(_einvoice_values(document, here))
    return values


def _einvoice_values(document: ClaimDocument, here: Evidence) -> dict[str, Value]:
    """Whether an embedded e-invoice was read and whether it really differs from the page."""
    check = document.extracted.einvoice
    if check is None or not check.read:
        return {"doc.has_einvoice": Value(False, (here,))}
    attachment = Evidence(
        document.path,
        text=check.attachment or "",
        field=check.attachment,
        note="embedded e-invoice",
    )
    mismatches = check.mismatches
    evidence = tuple(e for d in mismatches for e in (d.page.evidence, d.xml.evidence))
    values = {
        "doc.has_einvoice": Value(True, (attachment,)),
        "doc.einvoice_disagrees": Value(bool(mismatches), evidence or (attachment,)),
    }
    if mismatches:
        text = "; ".join(
            f"{d.field}: XML {json_value(d.xml.value)}, page {json_value(d.page.value)}"
            for d in mismatches
        )
        values["doc.einvoice_mismatch"] = Value(text, evidence)
    return values


_DOC_FIELDS = {
    "doc.vendor",
    "doc.vendor_tax_id",
    "doc.bill_to",
    "doc.invoice_number",
    "doc.issue_date",
    "doc.currency",
    "doc.period_start",
    "doc.period_end",
    "doc.signatory",
    "doc.signatory_title",
    "doc.signature_date",
    "doc.due_date",
    "doc.service_start",
    "doc.service_end",
    "doc.execution_date",
    "doc.execution_end",
}


def _stated(
    entry: DocumentEntry | None, source: str
) -> tuple[date | None, tuple[Decimal, str] | None, Evidence]:
    """The date and amount the manifest enters for a document (R6), with their evidence."""
    if entry is None:
        return None, None, Evidence(source)
    amount = (entry.amount.amount, entry.amount.currency) if entry.amount else None
    text = " ".join(str(v) for v in (entry.date, entry.amount) if v is not None)
    return entry.date, amount, Evidence(source, text=text, field=f"documents[{entry.path}]")


def _from_extracted(found: Extracted) -> Value:
    return Value(found.value, (found.evidence,), found.alternatives)


def _vendor_is_partner(
    extracted: ExtractedDocument, partner_names: set[str], partner_tax_id: str | None
) -> Value | None:
    """True when the issuer's name or tax ID is the partner's; None when neither was read."""
    vendor, tax_id = extracted.fields.get("vendor"), extracted.fields.get("vendor_tax_id")
    if (
        tax_id is not None
        and partner_tax_id
        and _normal_tax_id(str(tax_id.value)) == partner_tax_id
    ):
        return Value(True, (tax_id.evidence,))
    if vendor is not None:
        return Value(_normal_name(str(vendor.value)) in partner_names, (vendor.evidence,))
    if tax_id is not None:
        return Value(False, (tax_id.evidence,))
    return None


_LEGAL_SUFFIX = re.compile(
    r"\b(gmbh|ag|kg|ug|se|ltd|limited|llc|inc|corp|corporation|co|plc|bv|b\.v|nv|sa|sas|sarl|"
    r"srl|spa|oy|ab|as|kk|pty)\b\.?|株式会社|有限会社|주식회사|\(주\)|㈜|股份有限公司|有限公司",
    re.IGNORECASE,
)


def _normal_name(name: str) -> str:
    """A company name without legal suffix, punctuation, case or spacing differences."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _LEGAL_SUFFIX.sub(" ", text)
    return re.sub(r"[\W_]+", "", text)


def _normal_tax_id(tax_id: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", tax_id.upper())
