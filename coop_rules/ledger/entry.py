"""What the ledger keeps of a claim: its key values and its cost documents, with match keys.

The same functions make the entry that ``check --record`` writes and the *probe* documents a
check compares against the ledger, so a recorded document and the same document checked again
always get the same keys. Vendor names are compared without legal suffix, case or punctuation
(:func:`coop_rules.extraction.names.company_key`, as every rule compares names), invoice numbers
without case, spaces or separators ("INV-2024/001" = "inv 2024 001").
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal

from coop_rules.claim import COST_ROLES, Claim, ClaimDocument, Manifest
from coop_rules.extraction.names import company_key
from coop_rules.ledger.model import LedgerClaim, LedgerDocument


def vendor_key(vendor: str | None) -> str | None:
    """The vendor's name as the duplicate checks compare it (None when there is none)."""
    key = company_key(vendor) if vendor else ""
    return key or None


def invoice_key(number: str | None) -> str | None:
    """An invoice number without case, spaces or separators (None when there is none)."""
    if not number:
        return None
    text = unicodedata.normalize("NFKC", number).upper()
    return re.sub(r"[\W_]+", "", text) or None


def partner_key(partner_id: str | None, legal_name: str) -> str:
    """Whose claim it is: the partner ID where the manifest gives one, else the normal name."""
    return (
        f"id:{partner_id.strip()}" if partner_id and partner_id.strip() else company_key(legal_name)
    )


def claim_entry(
    manifest: Manifest,
    *,
    verdict: str = "",
    rule_set: str = "",
    recorded_at: datetime | None = None,
) -> LedgerClaim:
    """The ledger row of a claim (the verdict and rule set are known only after checking)."""
    return LedgerClaim(
        claim_id=manifest.claim_id,
        partner=partner_key(manifest.partner.partner_id, manifest.partner.legal_name),
        program=manifest.program.code,
        usage_start=manifest.usage_period.start,
        usage_end=manifest.usage_period.end,
        activity_type=manifest.activity.type,
        claimed=manifest.claimed.amount,
        currency=manifest.claimed.currency,
        recorded_at=recorded_at or datetime.now(UTC),
        rule_set=rule_set,
        verdict=verdict,
        partner_name=manifest.partner.legal_name,
    )


def cost_documents(claim: Claim) -> tuple[LedgerDocument, ...]:
    """The claim's invoices and CSRs with their file hashes and keys (missing files left out)."""
    documents = []
    for document in claim.documents:
        if document.role not in COST_ROLES:
            continue
        try:
            data = (claim.folder / document.path).read_bytes()
        except OSError:  # listed but missing: nothing to hash; the read rules report it
            continue
        documents.append(ledger_document(claim.manifest.claim_id, document, data))
    return tuple(documents)


def ledger_document(claim_id: str, document: ClaimDocument, data: bytes) -> LedgerDocument:
    """One cost document's ledger row: only unambiguous values become match keys."""
    extracted = document.extracted

    def clear(name: str) -> object | None:
        found = extracted.fields.get(name)
        return None if found is None or found.ambiguous else found.value

    vendor, number = clear("vendor"), clear("invoice_number")
    issue_date, total, currency = clear("issue_date"), clear("total"), clear("currency")
    return LedgerDocument(
        claim_id=claim_id,
        path=document.path,
        sha256=hashlib.sha256(data).hexdigest(),
        vendor=str(vendor) if vendor else None,
        vendor_key=vendor_key(str(vendor)) if vendor else None,
        invoice_number=str(number) if number else None,
        invoice_key=invoice_key(str(number)) if number else None,
        issue_date=issue_date if isinstance(issue_date, date) else None,
        total=total if isinstance(total, Decimal) else None,
        currency=str(currency) if currency else None,
    )
