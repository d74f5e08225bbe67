"""The duplicate facts of one cost document, derived from the ledger's :class:`History`.

``doc.duplicate_count`` is known (0 or more) for every cost document the ledger was asked
about: a check that consulted an empty ledger has *checked* for duplicates and found none, so
DU01 passes instead of saying it could not check. The near-duplicate count is known only where
the document has what a near match compares (vendor, total, currency and issue date); without
one of them there is nothing to compare and DU02 stays out of the report (IN01 reports the
missing field). Every value's evidence names the ledger and
the earlier claim and document, so a reviewer can look the earlier claim up.
"""

from __future__ import annotations

from coop_rules.evidence import Evidence
from coop_rules.facts.model import Value
from coop_rules.ledger.model import History, LedgerDocument, Match

_HOW = {
    "same-file": "the same file",
    "same-invoice": "same vendor and invoice number",
    "near": "same vendor and amount",
}


def duplicate_values(path: str, history: History) -> dict[str, Value]:
    """``doc.duplicate_*`` and ``doc.near_duplicate_*`` for the document at ``path``.

    Empty for a document the ledger was not asked about (not a cost document, or missing).
    """
    probe = history.documents.get(path)
    if probe is None:
        return {}
    matches = history.matches.get(path, ())
    exact = [m for m in matches if m.how != "near"]
    near = [m for m in matches if m.how == "near"]
    values: dict[str, Value] = {}
    if exact:
        evidence = tuple(_evidence(history, m) for m in exact)
        values["doc.duplicate_count"] = Value(len(exact), evidence)
        values["doc.duplicate_of"] = Value("; ".join(describe(m) for m in exact), evidence)
    else:
        values["doc.duplicate_count"] = Value(
            0,
            (
                Evidence(
                    history.source,
                    text=path,
                    note="ledger: no other claim has this file or this vendor and invoice number",
                ),
            ),
        )
    missing = _near_missing(probe)
    if missing:  # nothing to compare: DU02 does not apply (see its where)
        return values
    if near:
        nearest = near[0]  # the store sorts near matches by days apart
        evidence = tuple(_evidence(history, m) for m in near)
        values["doc.near_duplicate_count"] = Value(len(near), evidence)
        values["doc.near_duplicate_days"] = Value(nearest.days_apart or 0, evidence[:1])
        values["doc.near_duplicate_of"] = Value(describe(nearest), evidence[:1])
    else:
        values["doc.near_duplicate_count"] = Value(
            0,
            (
                Evidence(
                    history.source,
                    text=path,
                    note=f"ledger: no other claim has an invoice of this vendor for this amount "
                    f"within {history.near_days} days",
                ),
            ),
        )
    return values


def describe(match: Match) -> str:
    """'claim Q3-017 (Contoso GmbH), invoice-1.pdf: same vendor and invoice number'."""
    document = match.document
    who = f" ({match.claim.partner_name})" if match.claim and match.claim.partner_name else ""
    how = _HOW.get(match.how, match.how)
    if match.how == "near" and match.days_apart is not None:
        how += f", issued {match.days_apart} day{'s' if match.days_apart != 1 else ''} apart"
    return f"claim {document.claim_id}{who}, {document.path}: {how}"


def _evidence(history: History, match: Match) -> Evidence:
    document = match.document
    recorded = f", recorded {match.claim.recorded_at.date().isoformat()}" if match.claim else ""
    return Evidence(
        history.source,
        text=f"claim {document.claim_id}, {document.path}",
        field=match.how,
        note=f"ledger: {_HOW.get(match.how, match.how)}{recorded}",
    )


def _near_missing(document: LedgerDocument) -> list[str]:
    """What a near match would compare that ``document`` lacks."""
    wanted = {
        "vendor": document.vendor_key,
        "total": document.total,
        "currency": document.currency,
        "issue date": document.issue_date,
    }
    return [name for name, value in wanted.items() if value is None]
