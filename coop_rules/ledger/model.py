"""What the ledger of earlier claims tells a check: the shared vocabulary of the ledger
(:mod:`coop_rules.ledger`) and the rules that look beyond one claim (caps, funds, duplicates).

A check never writes the ledger; recording a claim is explicit (``check --record``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class LedgerClaim:
    """A claim recorded in the ledger (one row per claim id; re-recording replaces it)."""

    claim_id: str
    partner: str  # the partner's key: partner_id, else the normalised legal name
    program: str
    usage_start: date
    usage_end: date
    activity_type: str
    claimed: Decimal
    currency: str
    recorded_at: datetime
    rule_set: str = ""  # the rule-set version the claim was checked against
    verdict: str = ""  # pass | review | fail at the time it was recorded
    partner_name: str = ""  # the partner's legal name as the manifest states it
    origin: str = "check"  # "check" (check --record) or "import <file>" (ledger import)


@dataclass(frozen=True)
class LedgerDocument:
    """A cost document of a recorded claim, as the duplicate checks compare it."""

    claim_id: str
    path: str
    sha256: str
    vendor: str | None = None  # as printed
    vendor_key: str | None = None  # normalised: no legal suffix, case or punctuation
    invoice_number: str | None = None  # as printed
    invoice_key: str | None = None  # normalised: upper case, no spaces or separators
    issue_date: date | None = None
    total: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Match:
    """An earlier document that one of this claim's documents duplicates.

    ``how`` is ``same-file`` (identical bytes), ``same-invoice`` (same vendor and invoice
    number) or ``near`` (same vendor and amount, issue dates a few days apart).
    """

    document: LedgerDocument
    how: str
    claim: LedgerClaim | None = None  # the earlier document's claim, for the message
    days_apart: int | None = None  # near matches: days between the two issue dates


@dataclass(frozen=True)
class History:
    """What the ledger knows that is relevant to one claim (the claim itself excluded).

    Attributes:
        source: where the ledger lives, as evidence shows it (a file name or a redacted URL).
        earlier_claims: recorded claims of the same partner, program and usage period.
        matches: this claim's document path → the earlier documents it duplicates.
        documents: this claim's cost documents as they were compared (path → keys); a
            document not here was not compared (not a cost document, or its file is missing).
        near_days: near matches are issue dates at most this many days apart.
    """

    source: str
    earlier_claims: tuple[LedgerClaim, ...] = ()
    matches: dict[str, tuple[Match, ...]] = field(default_factory=dict)
    documents: dict[str, LedgerDocument] = field(default_factory=dict)
    near_days: int = 31
