"""Facts derived from program data: the claim against its program profile, its fiscal year's
activity matrix, its claiming calendar and the ledger (caps across claims), and an invoice's
content (arithmetic, line classification, core fields).

Everything a rule would otherwise have to aggregate or look up is computed here, so that rules
stay single-fact comparisons (``claim.period_cap_claimed > claim.cap``). A value that cannot be
derived is left out and its reason goes to the fact's gaps: the rule then says it could not be
checked, and why (an amount cap in USD against a claim in EUR is for a reviewer to convert).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from coop_rules.evidence import Evidence, Extracted
from coop_rules.extraction.model import ExtractedDocument
from coop_rules.facts import Value
from coop_rules.i18n.shown import Groups, Listing, Percent, Phrase, Term
from coop_rules.ledger.model import History
from coop_rules.manifest import Manifest
from coop_rules.programs import ActivitySpec, Cap, Catalogue, Lexicon, Profile

# Currencies without minor units: a "round" total there needs more zeros.
ZERO_DECIMAL = {"JPY", "KRW", "CLP", "ISK", "HUF", "VND", "TWD", "IDR"}
CORE_FIELDS = ("vendor", "invoice_number", "issue_date", "total", "currency")


@dataclass(frozen=True)
class ProofDocument:
    """What the matrix checks need of a claim document."""

    role: str
    subtype: str | None


@dataclass(frozen=True)
class ClaimContext:
    """What the program data says about one claim; documents use it for their own facts."""

    profile: Profile | None
    activity: ActivitySpec | None
    lexicon: Lexicon


def program_values(
    m: Manifest,
    source: str,
    catalogue: Catalogue,
    documents: Sequence[ProofDocument],
    history: History | None,
) -> tuple[dict[str, Value], dict[str, Phrase], ClaimContext]:
    """The claim's program, matrix, calendar and cap facts, the gaps, and the context."""
    values: dict[str, Value] = {}
    gaps: dict[str, Phrase] = {}
    stated = m.program.model_fields_set

    def manifest(path: str, value: object, text: str | None = None) -> Value:
        return Value(value, (Evidence(source, text=text or str(value), field=path),))  # type: ignore[arg-type]

    def data(file: str, key: str, value: object, text: str | None = None) -> Value:
        return Value(value, (Evidence(file, text=text or str(value), field=key),))  # type: ignore[arg-type]

    profile = catalogue.profile(m.program.code)
    values["claim.program_known"] = manifest(
        "program.code",
        profile is not None,
        f"{m.program.code}: {profile.name} ({profile.file})" if profile else m.program.code,
    )
    calendar = catalogue.calendars.get(profile.calendar if profile else "microsoft")
    if m.program.fiscal_year:
        values["claim.fiscal_year"] = manifest("program.fiscal_year", m.program.fiscal_year)
    elif calendar is not None:
        year = calendar.fiscal_year(m.usage_period.start)
        values["claim.fiscal_year"] = data(calendar.file, "fiscal_year_starts", year)
    if calendar is not None and (
        window := calendar.window(m.usage_period.start, m.usage_period.end)
    ):
        key = f"periods.{window.period}.window"
        values["claim.window_opens"] = data(
            window.file, key, window.opens, window.opens.isoformat()
        )
        values["claim.window_closes"] = data(
            window.file, key, window.closes, window.closes.isoformat()
        )

    surface = m.program.surface if "surface" in stated or profile is None else profile.surface
    values["claim.surface"] = (
        manifest("program.surface", surface)
        if "surface" in stated or profile is None
        else data(profile.file, "surface", surface)
    )
    tags = set(profile.tags if profile else ()) | ({"surface"} if surface else set())
    if m.program.threshold is not None:
        t = m.program.threshold
        values["claim.threshold"] = Value(
            (t.amount, t.currency), (Evidence(source, text=str(t), field="program.threshold"),)
        )
    elif profile is not None and profile.thresholds:
        same = [t for t in profile.thresholds if t[1] == m.funds.currency]
        if same:
            values["claim.threshold"] = data(
                profile.file, "thresholds", same[0], f"{same[0][0]} {same[0][1]}"
            )
        else:
            gaps["claim.threshold"] = Phrase.of(
                "gap.threshold_currency",
                thresholds=Listing(profile.thresholds),
                currency=m.funds.currency,
            )
    if "requires_tax_invoice" in stated or profile is None:
        values["claim.requires_tax_invoice"] = manifest(
            "program.requires_tax_invoice", m.program.requires_tax_invoice
        )
    else:
        values["claim.requires_tax_invoice"] = data(
            profile.file, "requires_tax_invoice", profile.requires_tax_invoice
        )
    if m.preapproval is not None:
        values["claim.preapproval_date"] = manifest(
            "preapproval.date", m.preapproval.date, m.preapproval.date.isoformat()
        )
        values["claim.preapproval_id"] = manifest("preapproval.id", m.preapproval.id)
    recorded = [
        c for c in (history.earlier_claims if history else ()) if c.currency == m.funds.currency
    ]
    if history is not None and recorded:  # R9 across claims (AM01 covers the claim alone)
        spent = sum((c.claimed for c in recorded), Decimal(0))
        values["claim.ledger_remaining"] = Value(
            (m.funds.earned - spent, m.funds.currency),
            (
                Evidence(source, text=f"{m.funds.earned} {m.funds.currency}", field="funds.earned"),
                *(
                    Evidence(history.source, text=f"{c.claim_id}: {c.claimed} {c.currency}")
                    for c in recorded
                ),
                Evidence(history.source, note=f"{len(recorded)} earlier claim(s) recorded"),
            ),
        )
    values["claim.attendee_count"] = manifest(
        "attendees", len(m.attendees), f"{len(m.attendees)} attendees"
    )

    year = values["claim.fiscal_year"].value if "claim.fiscal_year" in values else None
    family = profile.matrix if profile else "microsoft"
    matrix = catalogue.matrices.get((family, str(year)))
    activity = matrix.activities.get(m.activity.type) if matrix else None
    context = ClaimContext(profile, activity, catalogue.lexicon)
    if matrix is None:
        values["claim.matrix_found"] = manifest(
            "program.fiscal_year", False, f"no {family} activity matrix for {year}"
        )
        return values, gaps, context
    values["claim.matrix_found"] = data(matrix.file, "fiscal_year", True, matrix.fiscal_year)
    known = ", ".join(sorted(matrix.activities))
    values["claim.activity_known"] = Value(
        activity is not None,
        (
            Evidence(source, text=m.activity.type, field="activity.type"),
            Evidence(
                matrix.file, text=known if activity is None else activity.name, field="activities"
            ),
        ),
    )
    if activity is None:
        return values, gaps, context

    def row(key: str, value: object, text: str | None = None) -> Value:
        return data(activity.file, f"activities.{activity.id}.{key}", value, text)

    required = (
        ("program.requires_preapproval", m.program.requires_preapproval)
        if "requires_preapproval" in stated or profile is None
        else (f"{profile.file} requires_preapproval", profile.requires_preapproval)
    )
    needs = activity.preapproval or required[1]
    values["claim.preapproval_required"] = (
        row("preapproval", True)
        if activity.preapproval
        else Value(
            needs,
            (
                Evidence(
                    source if required[0].startswith("program.") else profile.file,
                    text=str(needs),
                    field=required[0],
                ),
            ),
        )  # type: ignore[union-attr]
    )
    excluded = sorted(tags & set(activity.excluded_for))
    values["claim.activity_excluded"] = row(
        "excluded_for", bool(excluded), ", ".join(activity.excluded_for) or "none"
    )
    if excluded:
        values["claim.exclusion"] = replace(
            row(
                "excluded_for",
                f"{activity.name} is not eligible in {', '.join(excluded)} programs",
            ),
            shown=Phrase.of(
                "phrase.excluded",
                activity=activity.title,
                programs=Listing(tuple(Term("tag", t) for t in excluded)),
            ),
        )
    if activity.review:
        values["claim.review_check"] = replace(
            row("review", activity.review), shown=activity.review_texts
        )

    proofs = {d.subtype for d in documents if d.role == "poe" and d.subtype}
    missing = [g for g in activity.proof if not proofs & set(g)]
    values["claim.missing_proof_count"] = row("proof", len(missing), _groups(activity.proof))
    if missing:
        values["claim.missing_proof"] = replace(
            row("proof", _groups(missing)), shown=_shown_groups("subtype", missing)
        )
    has_metrics_doc = activity.metrics_document and any(d.role == "metrics" for d in documents)
    stated_metrics = {k for k, v in m.metrics.items() if v is not None} | (
        {"attendees"} if m.attendees else set()
    )
    missing_metrics = (
        [] if has_metrics_doc else [g for g in activity.metrics if not stated_metrics & set(g)]
    )
    values["claim.missing_metric_count"] = row(
        "metrics", len(missing_metrics), _groups(activity.metrics) or "none"
    )
    if missing_metrics:
        values["claim.missing_metrics"] = replace(
            row("metrics", _groups(missing_metrics)),
            shown=_shown_groups("metric", missing_metrics),
        )

    cap = activity.surface_cap if surface and activity.surface_cap else activity.cap
    if cap is not None and not cap.unlimited:
        _cap_values(cap, m, source, activity, matrix.activities, history, values, gaps)
    return values, gaps, context


def _groups(groups: Iterable[Iterable[str]]) -> str:
    return "; ".join(" or ".join(g) for g in groups)


def _shown_groups(vocabulary: str, groups: Iterable[Iterable[str]]) -> Groups:
    """Groups of keys as a message shows them: each group's terms joined with "or"."""
    return Groups(tuple(Listing(tuple(Term(vocabulary, k) for k in g), "or") for g in groups))


def _cap_values(
    cap: Cap,
    m: Manifest,
    source: str,
    activity: ActivitySpec,
    activities: dict[str, ActivitySpec],
    history: History | None,
    values: dict[str, Value],
    gaps: dict[str, Phrase],
) -> None:
    """``claim.cap`` and what the usage period's claims of the cap's group add up to."""
    where = Evidence(activity.file, text=_describe_cap(cap), field=f"activities.{activity.id}.cap")
    # A cap group is named like the activity it caps (another activity may share it).
    named = activities.get(cap.group)
    values["claim.cap_group"] = Value(cap.group, (where,), shown=named.title if named else None)
    currency = m.claimed.currency
    amount = _cap_amount(cap, m)
    if isinstance(amount, Phrase):
        gaps["claim.cap"] = amount
    elif amount[1] != currency:
        gaps["claim.cap"] = Phrase.of("gap.cap_currency", cap=amount, currency=currency)
    else:
        values["claim.cap"] = Value(
            amount,
            (
                where,
                Evidence(source, text=f"{m.funds.earned} {m.funds.currency}", field="funds.earned"),
            ),
        )
    group = {a for a, spec in activities.items() if spec.cap and spec.cap.group == cap.group} | {
        activity.id
    }
    earlier = [c for c in (history.earlier_claims if history else ()) if c.activity_type in group]
    others = [c for c in earlier if c.currency != currency]
    if others:
        gaps["claim.period_cap_claimed"] = Phrase.of(
            "gap.earlier_claim_currency",
            claim=others[0].claim_id,
            other=others[0].currency,
            currency=currency,
        )
    else:
        total = m.claimed.amount + sum((c.claimed for c in earlier), Decimal(0))
        evidence = [Evidence(source, text=f"{m.claimed.amount} {currency}", field="claimed.amount")]
        if earlier:
            evidence += [
                Evidence(
                    history.source,
                    text=f"{c.claim_id}: {c.claimed} {c.currency}",
                    note=f"earlier claim ({c.activity_type})",
                )
                for c in earlier
            ]  # type: ignore[union-attr]
        else:
            ledger = history.source if history else source
            evidence.append(
                Evidence(
                    ledger,
                    text="",
                    note="no earlier claims recorded in this cap group and usage period",
                )
            )
        values["claim.period_cap_claimed"] = Value((total, currency), tuple(evidence))
        values["claim.cap_group_claims"] = Value(len(earlier) + 1, tuple(evidence))
        if "claim.cap" in values and values["claim.cap"].value[0] > 0:  # type: ignore[index]
            limit = values["claim.cap"].value[0]  # type: ignore[index]
            headroom = ((limit - total) * 100 / limit).to_integral_value(ROUND_FLOOR)
            values["claim.cap_headroom_percent"] = Value(int(headroom), (where, *evidence))
    if cap.max_attendees is not None:
        values["claim.max_attendees"] = Value(cap.max_attendees, (where,))
    if cap.per_person is not None:
        costs = [a.cost for a in m.attendees if a.cost is not None]
        if costs:
            top = max(costs, key=lambda c: c.amount)
            found = Evidence(
                source, text=str(top), field="attendees", note="the highest cost per attendee"
            )
            if {c.currency for c in costs} != {top.currency}:
                gaps["claim.max_attendee_cost"] = Phrase.of("gap.attendee_currencies")
            else:
                values["claim.max_attendee_cost"] = Value((top.amount, top.currency), (found,))
            if cap.per_person[1] == top.currency:
                values["claim.attendee_cost_cap"] = Value(cap.per_person, (where,))
            else:
                gaps["claim.attendee_cost_cap"] = Phrase.of(
                    "gap.per_person_currency", cap=cap.per_person, currency=top.currency
                )


def _cap_amount(cap: Cap, m: Manifest) -> tuple[Decimal, str] | Phrase:
    """The cap in money, or why it cannot be stated in one currency."""
    candidates = []
    if cap.amount is not None:
        candidates.append(cap.amount)
    if cap.percent_of_earned is not None:
        share = (m.funds.earned * cap.percent_of_earned / 100).quantize(Decimal("0.01"))
        candidates.append((share, m.funds.currency))
    if cap.at_least is not None:
        if candidates and candidates[0][1] != cap.at_least[1]:
            return Phrase.of("gap.cap_larger_of", share=candidates[0], floor=cap.at_least)
        candidates.append(cap.at_least)
        return max(candidates, key=lambda c: c[0])
    return candidates[0]


def _describe_cap(cap: Cap) -> str:
    parts = []
    if cap.amount:
        parts.append(f"{cap.amount[0]} {cap.amount[1]} per usage period")
    if cap.percent_of_earned is not None:
        parts.append(f"{cap.percent_of_earned} % of earned co-op")
    if cap.at_least:
        parts.append(f"at least {cap.at_least[0]} {cap.at_least[1]}")
    if cap.per_person:
        parts.append(f"travel {cap.per_person[0]} {cap.per_person[1]} per person")
    if cap.max_attendees is not None:
        parts.append(f"{cap.max_attendees} attendees")
    return f"{cap.group}: " + ", ".join(parts)


def surplus_value(claimed: Value, documented: Value | None) -> Value | None:
    """``claim.documented_surplus_percent``: how far the documents exceed the claimed amount."""
    if documented is None:
        return None
    (amount, currency), (total, other) = claimed.value, documented.value  # type: ignore[misc]
    if currency != other or amount <= 0:
        return None
    percent = ((total - amount) * 100 / amount).to_integral_value(ROUND_FLOOR)
    return Value(int(percent), (*claimed.evidence, *documented.evidence))


# --- one document ----------------------------------------------------------------------------


def document_values(
    extracted: ExtractedDocument,
    role: str,
    context: ClaimContext,
    claimed: tuple[Decimal, str],
    partner_names: set[str],
    normal_name: Callable[[str], str],
    stated: tuple[date | None, tuple[Decimal, str] | None, Evidence],
) -> dict[str, Value]:
    """Invoice content facts of one document: arithmetic, lines, core fields, R6's stated values."""
    values: dict[str, Value] = {}
    stated_date, stated_amount, entry = stated
    if stated_date is not None:
        values["doc.stated_date"] = Value(stated_date, (entry,))
    if stated_amount is not None:
        values["doc.stated_amount"] = Value(stated_amount, (entry,))
    fields = extracted.fields
    currency = fields.get("currency")
    for name in ("subtotal", "tax", "amount_due"):
        found = fields.get(name)
        if found is not None and currency is not None:
            values[f"doc.{name}"] = _money(found, currency)
    if role != "invoice" or not extracted.readable:
        return values
    missing = [n for n in CORE_FIELDS if n not in fields]
    here = Evidence(
        extracted.path, text=", ".join(sorted(fields)) or "no fields", note="fields read"
    )
    values["doc.missing_core_count"] = Value(len(missing), (here,))
    if missing:
        values["doc.missing_core"] = Value(", ".join(missing), (here,), shown=_fields(missing))
    # A vendor address is not extracted yet; add "vendor_address" here once it is.
    details = [n for n in ("vendor_tax_id",) if n not in fields]
    if not any(line.description for line in extracted.line_items):
        details.insert(0, "line descriptions")
    values["doc.missing_detail_count"] = Value(len(details), (here,))
    if details:
        values["doc.missing_details"] = Value(", ".join(details), (here,), shown=_fields(details))
    bill_to = fields.get("bill_to")
    if bill_to is not None:
        name = normal_name(str(bill_to.value))
        match = bool(name) and any(p and (p in name or name in p) for p in partner_names)
        values["doc.bill_to_is_partner"] = Value(match, (bill_to.evidence,))
    total, issued = fields.get("total"), fields.get("issue_date")
    if total is not None and currency is not None and not total.ambiguous:
        amount = Decimal(total.value)  # type: ignore[arg-type]
        unit = Decimal(100000) if currency.value in ZERO_DECIMAL else Decimal(1000)
        values["doc.round_total"] = Value(amount > 0 and amount % unit == 0, (total.evidence,))
        if currency.value == claimed[1] and claimed[0] > 0:
            share = (amount * 100 / claimed[0]).to_integral_value(ROUND_FLOOR)
            values["doc.share_of_claim_percent"] = Value(int(share), (total.evidence,))
    if issued is not None and not issued.ambiguous and isinstance(issued.value, date):
        values["doc.issued_on_weekend"] = Value(issued.value.weekday() >= 5, (issued.evidence,))
    values.update(_arithmetic(extracted, currency, context.lexicon.vat_rates))
    values.update(_line_classes(extracted, context))
    return values


def _fields(names: list[str]) -> Listing:
    """Invoice field names as a message lists them ("line descriptions" is a field too)."""
    return Listing(tuple(Term("field", n.replace(" ", "_")) for n in names))


def _money(found: Extracted, currency: Extracted) -> Value:
    return Value(
        (found.value, currency.value),  # type: ignore[arg-type]
        (found.evidence, currency.evidence),
        tuple((a, currency.value) for a in found.alternatives),
    )


def _arithmetic(
    extracted: ExtractedDocument, currency: Extracted | None, rates: tuple[Decimal, ...]
) -> dict[str, Value]:
    """R25: the lines' sum, subtotal + tax, and whether the VAT rate is a plausible one."""
    values: dict[str, Value] = {}
    if currency is None:
        return values
    code = str(currency.value)
    amounts = [line.amount for line in extracted.line_items]
    if amounts and all(a is not None and not a.ambiguous for a in amounts):
        total = sum((Decimal(a.value) for a in amounts), Decimal(0))  # type: ignore[union-attr,arg-type]
        values["doc.lines_total"] = Value((total, code), tuple(a.evidence for a in amounts))  # type: ignore[union-attr]
    subtotal, tax = extracted.fields.get("subtotal"), extracted.fields.get("tax")
    if subtotal is None or tax is None or subtotal.ambiguous or tax.ambiguous:
        return values
    net, vat = Decimal(subtotal.value), Decimal(tax.value)  # type: ignore[arg-type]
    evidence = (subtotal.evidence, tax.evidence)
    values["doc.subtotal_plus_tax"] = Value((net + vat, code), evidence)
    if net > 0:
        rate = vat * 100 / net
        slack = Decimal("0.05") + Decimal("0.5") * 100 / net  # half a minor unit of rounding
        plausible = any(abs(rate - r) <= slack for r in rates) if rates else True
        values["doc.vat_rate"] = Value(
            f"{rate.quantize(Decimal('0.1'))} %", evidence, shown=Percent(rate)
        )
        values["doc.vat_rate_plausible"] = Value(plausible, evidence)
    return values


def _line_classes(extracted: ExtractedDocument, context: ClaimContext) -> dict[str, Value]:
    """R14/R15: lines naming alcohol, ambiguous drinks, folio/travel extras, and categories."""
    lines = [line.description for line in extracted.line_items if line.description is not None]
    if not lines:
        return {}
    lexicon = context.lexicon
    alcohol = [d for d in lines if _names(d.value, lexicon.alcohol)]
    drinks = [d for d in lines if d not in alcohol and _names(d.value, lexicon.drinks)]
    extras = [d for d in lines if _names(d.value, (*lexicon.folio_extras, *lexicon.travel_extras))]
    values = {
        **_listing("doc.alcohol", alcohol, extracted),
        **_listing("doc.drink", drinks, extracted),
        **_listing("doc.extra", extras, extracted),
    }
    if context.activity is not None:
        eligible = set(context.activity.categories)
        found, ineligible = set(), []
        for line in lines:
            kinds = {k for k, words in lexicon.categories.items() if _names(line.value, words)}
            found |= kinds
            if kinds and not kinds & eligible:
                ineligible.append(line)
        values.update(_listing("doc.ineligible", ineligible, extracted))
        if found:
            values["doc.expense_categories"] = Value(
                ", ".join(sorted(found)), tuple(d.evidence for d in lines)
            )
    return values


def _listing(prefix: str, lines: list[Extracted], extracted: ExtractedDocument) -> dict[str, Value]:
    evidence = tuple(d.evidence for d in lines) or (Evidence(extracted.path, note="invoice lines"),)
    values = {f"{prefix}_line_count": Value(len(lines), evidence)}
    if lines:
        values[f"{prefix}_lines"] = Value("; ".join(str(d.value) for d in lines), evidence)
    return values


def _names(text: object, words: Iterable[str]) -> bool:
    """Whether ``text`` names one of ``words`` (Latin words whole, CJK words anywhere)."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    for word in words:
        w = unicodedata.normalize("NFKC", word).casefold()
        if w.isascii() or (
            re.fullmatch(r"[\w\s\-'.]+", w) and not re.search(r"[\u3000-\u9fff\uac00-\ud7af]", w)
        ):
            if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", folded):
                return True
        elif w in folded:
            return True
    return False
