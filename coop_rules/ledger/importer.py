"""Earlier claims from another system, as CSV: one row per cost document.

The layout (``coop-rules ledger import --help`` and the README show it too): a header row, then
one row per cost document with the claim's columns repeated on each; a claim without cost
documents is one row with the document columns empty. UTF-8 (an Excel BOM is fine), comma
separated. Columns, * required:

========================  =================================================================
claim_id*                 the claim's id; re-importing an id replaces that claim
partner_name*             the partner's legal name
partner_id                the partner's id (preferred over the name to match claims)
program*                  the program code
usage_start*, usage_end*  the usage period, YYYY-MM-DD
activity_type*            the activity type (kebab-case)
claimed*, currency*       the amount claimed (1234.50) and its ISO 4217 currency
verdict, recorded_at      optional: the earlier outcome; when it was recorded (YYYY-MM-DD)
document                  the cost document's file name (empty: a claim without documents)
sha256                    the SHA-256 of the file's bytes, 64 hex digits (finds copies)
vendor, invoice_number    the issuer and its invoice number (finds re-submitted invoices)
issue_date, total         the invoice's date and gross total (finds near duplicates)
document_currency         the document's currency (default: the claim's)
========================  =================================================================

Every problem is reported at once, each with its line and column, and nothing is imported
while there is one: a half-imported file would be hard to repair.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from coop_rules.errors import ConfigurationError, Problem
from coop_rules.ledger.entry import invoice_key, partner_key, vendor_key
from coop_rules.ledger.model import LedgerClaim, LedgerDocument

REQUIRED = (
    "claim_id",
    "partner_name",
    "program",
    "usage_start",
    "usage_end",
    "activity_type",
    "claimed",
    "currency",
)
CLAIM_COLUMNS = (*REQUIRED, "partner_id", "verdict", "recorded_at")
DOCUMENT_COLUMNS = (
    "document",
    "sha256",
    "vendor",
    "invoice_number",
    "issue_date",
    "total",
    "document_currency",
)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_T = TypeVar("_T")
Complain = Callable[[str, str], None]  # (column, message)


@dataclass
class ImportedClaim:
    """One claim of the file with its cost documents, ready to record."""

    claim: LedgerClaim
    documents: list[LedgerDocument] = field(default_factory=list)
    line: int = 0  # where it first appears


def read_claims_csv(text: str, source: str) -> list[ImportedClaim]:
    """Parse the CSV ``text`` (named ``source`` in errors) into claims with their documents.

    Raises:
        ConfigurationError: every problem, each as ``line N, column C: what is wrong``.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), strict=True)
    problems: list[Problem] = []
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        problems.append(Problem("line 1", f"missing column(s): {', '.join(missing)}"))
    unknown = [h for h in header if h not in CLAIM_COLUMNS + DOCUMENT_COLUMNS]
    if unknown:
        problems.append(Problem("line 1", f"unknown column(s): {', '.join(unknown)}"))
    if problems:
        raise ConfigurationError(source, problems)
    reader.fieldnames = header
    claims: dict[str, ImportedClaim] = {}
    try:
        for row in reader:
            line = reader.line_num
            _add_row(claims, {k: (v or "").strip() for k, v in row.items() if k}, line, problems)
    except csv.Error as exc:
        problems.append(Problem(f"line {reader.line_num}", f"not valid CSV: {exc}"))
    if not claims and not problems:
        problems.append(Problem("line 2", "no rows: nothing to import"))
    if problems:
        raise ConfigurationError(source, problems)
    return list(claims.values())


def _add_row(
    claims: dict[str, ImportedClaim], row: Mapping[str, str], line: int, problems: list[Problem]
) -> None:
    found: list[Problem] = []

    def bad(column: str, message: str) -> None:
        found.append(Problem(f"line {line}, column {column}", message))

    for column in REQUIRED:
        if not row.get(column):
            bad(column, "required, but empty")
    usage_start = _parse(row, "usage_start", _date, bad)
    usage_end = _parse(row, "usage_end", _date, bad)
    claimed = _parse(row, "claimed", _amount, bad)
    currency = _parse(row, "currency", _currency, bad)
    recorded = _parse(row, "recorded_at", _date, bad)
    issue_date = _parse(row, "issue_date", _date, bad)
    total = _parse(row, "total", _amount, bad)
    doc_currency = _parse(row, "document_currency", _currency, bad)
    sha256 = row.get("sha256", "").lower()
    if sha256 and not _SHA256.match(sha256):
        bad("sha256", f"not a SHA-256 (64 hex digits): {row['sha256']!r}")
    if not row.get("document") and any(row.get(c) for c in DOCUMENT_COLUMNS[1:]):
        bad("document", "document values are given, but not the document's file name")
    if usage_start and usage_end and usage_end < usage_start:
        bad("usage_end", f"before usage_start ({usage_start.isoformat()})")
    if found:
        problems.extend(found)
        return
    claim = LedgerClaim(
        claim_id=row["claim_id"],
        partner=partner_key(row.get("partner_id"), row["partner_name"]),
        program=row["program"],
        usage_start=usage_start,  # type: ignore[arg-type]  # required: checked above
        usage_end=usage_end,  # type: ignore[arg-type]
        activity_type=row["activity_type"],
        claimed=claimed,  # type: ignore[arg-type]
        currency=currency,  # type: ignore[arg-type]
        recorded_at=datetime.combine(recorded, datetime.min.time(), UTC)
        if recorded
        else datetime.now(UTC),
        verdict=row.get("verdict", ""),
        partner_name=row["partner_name"],
        origin="import",
    )
    entry = claims.get(claim.claim_id)
    if entry is None:
        entry = claims[claim.claim_id] = ImportedClaim(claim, line=line)
    else:
        # The claim's columns repeat on each of its rows: they must say the same thing.
        for column in CLAIM_COLUMNS:
            if column != "recorded_at" and _claim_value(entry.claim, column) != _claim_value(
                claim, column
            ):
                problems.append(
                    Problem(
                        f"line {line}, column {column}",
                        f"claim {claim.claim_id} says otherwise on line {entry.line}",
                    )
                )
                return
    path = row.get("document")
    if not path:
        return
    if any(d.path == path for d in entry.documents):
        problems.append(
            Problem(f"line {line}, column document", f"{path} is listed twice for this claim")
        )
        return
    entry.documents.append(
        LedgerDocument(
            claim_id=claim.claim_id,
            path=path,
            sha256=sha256,
            vendor=row.get("vendor") or None,
            vendor_key=vendor_key(row.get("vendor")),
            invoice_number=row.get("invoice_number") or None,
            invoice_key=invoice_key(row.get("invoice_number")),
            issue_date=issue_date,
            total=total,
            currency=doc_currency or claim.currency,
        )
    )


def _claim_value(claim: LedgerClaim, column: str) -> object:
    """The claim's value for a CSV column (partner_id became the partner key)."""
    return getattr(claim, "partner" if column == "partner_id" else column)


def _parse(
    row: Mapping[str, str], column: str, parse: Callable[[str], _T], bad: Complain
) -> _T | None:
    text = row.get(column, "")
    if not text:
        return None
    try:
        return parse(text)
    except ValueError as exc:
        bad(column, str(exc))
        return None


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a date in YYYY-MM-DD form: {text!r}") from None


def _amount(text: str) -> Decimal:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite():
        raise ValueError(f"not an amount like 1234.50: {text!r}")
    return amount


def _currency(text: str) -> str:
    if not _CURRENCY.match(text):
        raise ValueError(f"not an ISO 4217 currency code like EUR: {text!r}")
    return text
