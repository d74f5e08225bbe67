"""The claim's own values: what the manifest states, the documents counted, the cost documents'
total, and how far that total exceeds the claimed amount.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_FLOOR, Decimal

from coop_rules.claim import COST_ROLES, Claim, ClaimDocument, Role
from coop_rules.evidence import Evidence
from coop_rules.facts.document_values import abstained_phrase
from coop_rules.facts.model import Value
from coop_rules.facts.money import TOLERANCE_PERCENT, Exchange
from coop_rules.i18n.shown import Phrase
from coop_rules.money import Money


def manifest_values(claim: Claim, today: date) -> dict[str, Value]:
    """``claim.*`` as the manifest states them (the submission date defaults to ``today``)."""
    m, source = claim.manifest, claim.manifest_name

    def stated(path: str, value: object) -> Value:
        text = value.isoformat() if isinstance(value, date) else str(value)
        return Value(value, (Evidence(source, text=text, field=path),))  # type: ignore[arg-type]

    def money(path: str, amount: Decimal, currency: str) -> Value:
        return Value(
            Money(amount, currency), (Evidence(source, text=f"{amount} {currency}", field=path),)
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
            Money(remaining, m.funds.currency),
            (
                Evidence(
                    source,
                    text=f"{m.funds.earned} − {m.funds.already_claimed} {m.funds.currency}",
                    field="funds",
                    note="earned − already claimed",
                ),
            ),
        )
    return values


def document_counts(claim: Claim) -> dict[str, Value]:
    """``claim.*_count``: the claim's documents counted by role (and the unreadable ones)."""

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


def remaining_in_claim_currency(values: dict[str, Value], exchange: Exchange) -> dict[str, Value]:
    """``claim.remaining`` in the claim's currency when the funds are held in another (at the
    ECB rate, its evidence beside the manifest's), with ``claim.remaining_tolerance``."""
    remaining, claimed = values["claim.remaining"], values["claim.claimed"]
    money, currency = remaining.value, claimed.value[1]  # type: ignore[index]
    if money[1] == currency:  # type: ignore[index]
        return {}
    return exchange.limit("claim.remaining", money, currency, remaining.evidence)  # type: ignore[arg-type]


def documented_total(
    claim: Claim, exchange: Exchange | None = None
) -> tuple[dict[str, Value], dict[str, Phrase]]:
    """``claim.documented_total``: the sum of the cost documents' totals, or why it is unknown.

    A document in another currency counts at the ECB rate of its issue date (else of the
    exchange's day); then ``claim.documented_total_tolerance`` widens the sum by the tolerance.
    """
    currency = claim.manifest.claimed.currency
    total, evidence = Decimal(0), []
    rates: list[str] = []
    for document in claim.documents:
        if document.role not in COST_ROLES:
            continue
        amount = document.extracted.fields.get("total")
        found_currency = document.extracted.value("currency")
        path = document.path
        gap = None
        if not document.extracted.readable:
            gap = Phrase.of("gap.unreadable", document=path)
        elif amount is None and "total" in document.extracted.abstained:
            gap = abstained_phrase(path, "total", document.extracted.abstained["total"])
        elif amount is None:
            gap = Phrase.of("gap.no_total", document=path)
        elif amount.ambiguous:
            gap = Phrase.of("gap.total_ambiguous", document=path)
        elif found_currency is None and "currency" in document.extracted.abstained:
            gap = abstained_phrase(path, "currency", document.extracted.abstained["currency"])
        elif found_currency is None:
            gap = Phrase.of("gap.no_currency", document=path, currency=currency)
        elif found_currency != currency:
            issued = document.extracted.fields.get("issue_date")
            day = (
                issued.value
                if issued is not None and not issued.ambiguous and isinstance(issued.value, date)
                else None
            )
            conversion = (
                exchange.rates.convert(
                    (Decimal(amount.value), str(found_currency)),  # type: ignore[arg-type]
                    currency,
                    day or exchange.day,
                )
                if exchange is not None
                else None
            )
            if conversion is None:
                gap = Phrase.of(
                    "gap.other_currency", document=path, found=found_currency, currency=currency
                )
            else:
                total += conversion.amount[0]
                evidence += [amount.evidence, conversion.evidence()]
                rates.append(conversion.shown)
                continue
        if gap is not None:
            return {}, {"claim.documented_total": gap}
        total += amount.value  # type: ignore[operator,union-attr]
        evidence.append(amount.evidence)  # type: ignore[union-attr]
    values = {"claim.documented_total": Value(Money(total, currency), tuple(evidence))}
    if rates:
        widened = (total * (100 + TOLERANCE_PERCENT) / 100).quantize(Decimal("0.01"))
        values["claim.documented_total_tolerance"] = Value(
            Money(widened, currency), tuple(evidence)
        )
        values["claim.documented_total_rate"] = Value("; ".join(rates), tuple(evidence))
    return values, {}


def surplus_value(claimed: Value, documented: Value | None) -> dict[str, Value]:
    """``claim.documented_surplus_percent``: how far the documents exceed the claimed amount."""
    if documented is None:
        return {}
    if not (isinstance(claimed.value, tuple) and isinstance(documented.value, tuple)):
        return {}
    (amount, currency), (total, other) = claimed.value, documented.value
    if currency != other or amount <= 0:
        return {}
    percent = ((total - amount) * 100 / amount).to_integral_value(ROUND_FLOOR)
    value = Value(int(percent), (*claimed.evidence, *documented.evidence))
    return {"claim.documented_surplus_percent": value}
