"""The claim against its program data: its program profile, its fiscal year's activity matrix,
its claiming calendar, and the ledger (funds and caps across claims).

Everything a rule would otherwise have to aggregate or look up is computed here, so that rules
stay single-fact comparisons (``claim.period_cap_claimed > claim.cap``). A value that cannot be
derived is left out and its reason goes to the fact's gaps: the rule then says it could not be
checked, and why (an amount cap in USD against a claim in EUR is for a reviewer to convert).
Each helper returns its ``(values, gaps)``; :func:`program_values` joins them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_FLOOR, Decimal

from coop_rules.claim import Manifest
from coop_rules.evidence import Evidence
from coop_rules.facts.model import Value
from coop_rules.facts.money import Exchange
from coop_rules.i18n.shown import Groups, Listing, Phrase, Term
from coop_rules.ledger.model import History
from coop_rules.money import Money
from coop_rules.programs import ActivitySpec, Calendar, Cap, LineWords, Matrix, Profile, ProgramData

Values = dict[str, Value]
Gaps = dict[str, Phrase]


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
    line_words: LineWords


def program_values(
    m: Manifest,
    source: str,
    program_data: ProgramData,
    documents: Sequence[ProofDocument],
    history: History | None,
    exchange: Exchange | None = None,
) -> tuple[Values, Gaps, ClaimContext]:
    """The claim's program, matrix, calendar and cap facts, the gaps, and the context."""
    profile = program_data.profile(m.program.code)
    calendar = program_data.calendars.get(profile.calendar if profile else "microsoft")
    values, gaps = _join(
        _profile_values(m, source, profile, calendar, exchange),
        _funds_values(m, source, history),
        (
            {
                "claim.attendee_count": _stated(
                    source, "attendees", len(m.attendees), f"{len(m.attendees)} attendees"
                )
            },
            {},
        ),
    )
    year = values["claim.fiscal_year"].value if "claim.fiscal_year" in values else None
    family = profile.matrix if profile else "microsoft"
    matrix = program_data.matrices.get((family, str(year)))
    activity = matrix.activities.get(m.activity.type) if matrix else None
    context = ClaimContext(profile, activity, program_data.line_words)
    if matrix is None:
        values["claim.matrix_found"] = _stated(
            source, "program.fiscal_year", False, f"no {family} activity matrix for {year}"
        )
        return values, gaps, context
    values.update(_activity_known(m, source, matrix, activity))
    if activity is None:
        return values, gaps, context
    surface = _surface(m, profile)
    matrix_values, matrix_gaps = _join(
        _activity_values(m, source, profile, activity, surface),
        _proof_values(m, activity, documents),
        _cap_values(m, source, activity, matrix.activities, surface, history, exchange),
    )
    values.update(matrix_values)
    gaps.update(matrix_gaps)
    return values, gaps, context


def _join(*parts: tuple[Values, Gaps]) -> tuple[Values, Gaps]:
    values: Values = {}
    gaps: Gaps = {}
    for part_values, part_gaps in parts:
        values.update(part_values)
        gaps.update(part_gaps)
    return values, gaps


def _stated(source: str, path: str, value: object, text: str | None = None) -> Value:
    """A value the manifest states at ``path``."""
    return Value(value, (Evidence(source, text=text or str(value), field=path),))  # type: ignore[arg-type]


def _data(file: str, key: str, value: object, text: str | None = None) -> Value:
    """A value a program data file gives at ``key``."""
    return Value(value, (Evidence(file, text=text or str(value), field=key),))  # type: ignore[arg-type]


def _surface(m: Manifest, profile: Profile | None) -> bool:
    """Whether the program is a Surface program (the manifest wins where it says so)."""
    stated = "surface" in m.program.model_fields_set or profile is None
    return m.program.surface if stated or profile is None else profile.surface


def _profile_values(
    m: Manifest,
    source: str,
    profile: Profile | None,
    calendar: Calendar | None,
    exchange: Exchange | None = None,
) -> tuple[Values, Gaps]:
    """The program profile and calendar: known program, fiscal year, claiming window, Surface,
    threshold, tax invoices, pre-approval (what the manifest states wins)."""
    values: Values = {}
    gaps: Gaps = {}
    stated = m.program.model_fields_set
    values["claim.program_known"] = _stated(
        source,
        "program.code",
        profile is not None,
        f"{m.program.code}: {profile.name} ({profile.file})" if profile else m.program.code,
    )
    if m.program.fiscal_year:
        values["claim.fiscal_year"] = _stated(source, "program.fiscal_year", m.program.fiscal_year)
    elif calendar is not None:
        year = calendar.fiscal_year(m.usage_period.start)
        values["claim.fiscal_year"] = _data(calendar.file, "fiscal_year_starts", year)
    if calendar is not None and (
        window := calendar.window(m.usage_period.start, m.usage_period.end)
    ):
        key = f"periods.{window.period}.window"
        values["claim.window_opens"] = _data(
            window.file, key, window.opens, window.opens.isoformat()
        )
        values["claim.window_closes"] = _data(
            window.file, key, window.closes, window.closes.isoformat()
        )
    surface = _surface(m, profile)
    values["claim.surface"] = (
        _stated(source, "program.surface", surface)
        if "surface" in stated or profile is None
        else _data(profile.file, "surface", surface)
    )
    has_threshold = m.program.threshold is not None or bool(profile and profile.thresholds)
    values["claim.has_threshold"] = (
        _stated(source, "program.threshold", has_threshold, str(m.program.threshold))
        if m.program.threshold is not None or profile is None
        else _data(profile.file, "thresholds", has_threshold)
    )
    if m.program.threshold is not None:
        t = m.program.threshold
        values["claim.threshold"] = Value(
            t, (Evidence(source, text=str(t), field="program.threshold"),)
        )
    elif profile is not None and profile.thresholds:
        same = [t for t in profile.thresholds if t[1] == m.funds.currency]
        if same:
            values["claim.threshold"] = _data(
                profile.file, "thresholds", same[0], f"{same[0][0]} {same[0][1]}"
            )
        else:
            # The first threshold the profile states, at the ECB rate (below it by less than
            # the tolerance is no error: the program may convert otherwise).
            first = profile.thresholds[0]
            where = (Evidence(profile.file, text=f"{first[0]} {first[1]}", field="thresholds"),)
            found = (
                exchange.limit("claim.threshold", first, m.funds.currency, where, up=False)
                if exchange is not None
                else {}
            )
            values.update(found)
            if not found:
                gaps["claim.threshold"] = Phrase.of(
                    "gap.threshold_currency",
                    thresholds=Listing(profile.thresholds),
                    currency=m.funds.currency,
                )
    if "requires_tax_invoice" in stated or profile is None:
        values["claim.requires_tax_invoice"] = _stated(
            source, "program.requires_tax_invoice", m.program.requires_tax_invoice
        )
    else:
        values["claim.requires_tax_invoice"] = _data(
            profile.file, "requires_tax_invoice", profile.requires_tax_invoice
        )
    if m.preapproval is not None:
        values["claim.preapproval_date"] = _stated(
            source, "preapproval.date", m.preapproval.date, m.preapproval.date.isoformat()
        )
        values["claim.preapproval_id"] = _stated(source, "preapproval.id", m.preapproval.id)
    return values, gaps


def _funds_values(m: Manifest, source: str, history: History | None) -> tuple[Values, Gaps]:
    """``claim.ledger_remaining``: earned co-op minus the claims the ledger recorded (R9)."""
    recorded = [
        c for c in (history.earlier_claims if history else ()) if c.currency == m.funds.currency
    ]
    if history is None or not recorded:  # AM01 covers the claim alone
        return {}, {}
    spent = sum((c.claimed for c in recorded), Decimal(0))
    value = Value(
        Money(m.funds.earned - spent, m.funds.currency),
        (
            Evidence(source, text=f"{m.funds.earned} {m.funds.currency}", field="funds.earned"),
            *(
                Evidence(history.source, text=f"{c.claim_id}: {c.claimed} {c.currency}")
                for c in recorded
            ),
            Evidence(history.source, note=f"{len(recorded)} earlier claim(s) recorded"),
        ),
    )
    return {"claim.ledger_remaining": value}, {}


def _activity_known(
    m: Manifest, source: str, matrix: Matrix, activity: ActivitySpec | None
) -> Values:
    """``claim.matrix_found`` and ``claim.activity_known``: the year's matrix lists it?"""
    known = ", ".join(sorted(matrix.activities))
    return {
        "claim.matrix_found": _data(matrix.file, "fiscal_year", True, matrix.fiscal_year),
        "claim.activity_known": Value(
            activity is not None,
            (
                Evidence(source, text=m.activity.type, field="activity.type"),
                Evidence(
                    matrix.file,
                    text=known if activity is None else activity.name,
                    field="activities",
                ),
            ),
        ),
    }


def _row(activity: ActivitySpec, key: str, value: object, text: str | None = None) -> Value:
    """A value of the activity's row in the matrix."""
    return _data(activity.file, f"activities.{activity.id}.{key}", value, text)


def _activity_values(
    m: Manifest, source: str, profile: Profile | None, activity: ActivitySpec, surface: bool
) -> tuple[Values, Gaps]:
    """The activity's row: pre-approval, exclusion from the program, what a reviewer checks."""
    values: Values = {}
    stated = m.program.model_fields_set
    required = (
        ("program.requires_preapproval", m.program.requires_preapproval)
        if "requires_preapproval" in stated or profile is None
        else (f"{profile.file} requires_preapproval", profile.requires_preapproval)
    )
    needs = activity.preapproval or required[1]
    values["claim.preapproval_required"] = (
        _row(activity, "preapproval", True)
        if activity.preapproval
        else Value(
            needs,
            (
                Evidence(
                    source if required[0].startswith("program.") else profile.file,  # type: ignore[union-attr]
                    text=str(needs),
                    field=required[0],
                ),
            ),
        )
    )
    tags = set(profile.tags if profile else ()) | ({"surface"} if surface else set())
    excluded = sorted(tags & set(activity.excluded_for))
    values["claim.activity_excluded"] = _row(
        activity, "excluded_for", bool(excluded), ", ".join(activity.excluded_for) or "none"
    )
    if excluded:
        values["claim.exclusion"] = replace(
            _row(
                activity,
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
            _row(activity, "review", activity.review), shown=activity.review_texts
        )
    return values, {}


def _proof_values(
    m: Manifest, activity: ActivitySpec, documents: Sequence[ProofDocument]
) -> tuple[Values, Gaps]:
    """The proofs of execution and metrics the activity's row asks for, and which are missing."""
    values: Values = {}
    proofs = {d.subtype for d in documents if d.role == "poe" and d.subtype}
    missing = [g for g in activity.proof if not proofs & set(g)]
    values["claim.missing_proof_count"] = _row(
        activity, "proof", len(missing), _groups(activity.proof)
    )
    if missing:
        values["claim.missing_proof"] = replace(
            _row(activity, "proof", _groups(missing)), shown=_shown_groups("subtype", missing)
        )
    has_metrics_doc = activity.metrics_document and any(d.role == "metrics" for d in documents)
    stated_metrics = {k for k, v in m.metrics.items() if v is not None} | (
        {"attendees"} if m.attendees else set()
    )
    missing_metrics = (
        [] if has_metrics_doc else [g for g in activity.metrics if not stated_metrics & set(g)]
    )
    values["claim.missing_metric_count"] = _row(
        activity, "metrics", len(missing_metrics), _groups(activity.metrics) or "none"
    )
    if missing_metrics:
        values["claim.missing_metrics"] = replace(
            _row(activity, "metrics", _groups(missing_metrics)),
            shown=_shown_groups("metric", missing_metrics),
        )
    return values, {}


def _groups(groups: Iterable[Iterable[str]]) -> str:
    return "; ".join(" or ".join(g) for g in groups)


def _shown_groups(vocabulary: str, groups: Iterable[Iterable[str]]) -> Groups:
    """Groups of keys as a message shows them: each group's terms joined with "or"."""
    return Groups(tuple(Listing(tuple(Term(vocabulary, k) for k in g), "or") for g in groups))


def _cap_values(
    m: Manifest,
    source: str,
    activity: ActivitySpec,
    activities: dict[str, ActivitySpec],
    surface: bool,
    history: History | None,
    exchange: Exchange | None = None,
) -> tuple[Values, Gaps]:
    """``claim.cap`` and what the usage period's claims of the cap's group add up to."""
    cap = activity.surface_cap if surface and activity.surface_cap else activity.cap
    if cap is None or cap.unlimited:
        return {}, {}
    where = Evidence(activity.file, text=_describe_cap(cap), field=f"activities.{activity.id}.cap")
    # A cap group is named like the activity it caps (another activity may share it).
    named = activities.get(cap.group)
    values: Values = {
        "claim.cap_group": Value(cap.group, (where,), shown=named.title if named else None)
    }
    currency = m.claimed.currency
    earned = Evidence(source, text=f"{m.funds.earned} {m.funds.currency}", field="funds.earned")
    found_cap = _cap_amount(cap, m, exchange)
    gaps: Gaps = {}
    if isinstance(found_cap, Phrase):
        gaps["claim.cap"] = found_cap
    else:
        amount, floor = found_cap
        evidence = (where, earned, *floor.evidence) if floor else (where, earned)
        if amount[1] != currency:
            found = exchange.limit("claim.cap", amount, currency, evidence) if exchange else {}
            values.update(found)
            if not found:
                gaps["claim.cap"] = Phrase.of("gap.cap_currency", cap=amount, currency=currency)
        else:
            values["claim.cap"] = Value(amount, evidence)
            if floor is not None and floor.value == amount:
                # the converted floor is the cap: the conversion's tolerance applies to it
                values["claim.cap_tolerance"] = Value(floor.tolerance, evidence)
                values["claim.cap_rate"] = Value(floor.rate, floor.evidence)
    period_values, period_gaps = _period_values(
        m, source, cap, activity, activities, history, exchange
    )
    values.update(period_values)
    gaps.update(period_gaps)
    limit, claimed = values.get("claim.cap"), values.get("claim.period_cap_claimed")
    if (
        limit is not None
        and claimed is not None
        and isinstance(limit.value, tuple)
        and isinstance(claimed.value, tuple)
        and limit.value[0] > 0
    ):
        (cap_amount, _), (total, _) = limit.value, claimed.value
        headroom = ((cap_amount - total) * 100 / cap_amount).to_integral_value(ROUND_FLOOR)
        values["claim.cap_headroom_percent"] = Value(int(headroom), (where, *claimed.evidence))
    attendee_values, attendee_gaps = _attendee_values(m, source, cap, where, exchange)
    values.update(attendee_values)
    gaps.update(attendee_gaps)
    return values, gaps


def _period_values(
    m: Manifest,
    source: str,
    cap: Cap,
    activity: ActivitySpec,
    activities: dict[str, ActivitySpec],
    history: History | None,
    exchange: Exchange | None = None,
) -> tuple[Values, Gaps]:
    """This claim plus the ledger's earlier claims of the cap group in the usage period (one
    in another currency at the ECB rate of the exchange's day)."""
    currency = m.claimed.currency
    group = {a for a, spec in activities.items() if spec.cap and spec.cap.group == cap.group} | {
        activity.id
    }
    earlier = [c for c in (history.earlier_claims if history else ()) if c.activity_type in group]
    evidence = [Evidence(source, text=f"{m.claimed.amount} {currency}", field="claimed.amount")]
    total = m.claimed.amount
    for c in earlier:
        if c.currency == currency:
            total += c.claimed
            continue
        conversion = (
            exchange.rates.convert(Money(c.claimed, c.currency), currency, exchange.day)
            if exchange is not None
            else None
        )
        if conversion is None:
            gap = Phrase.of(
                "gap.earlier_claim_currency",
                claim=c.claim_id,
                other=c.currency,
                currency=currency,
            )
            return {}, {"claim.period_cap_claimed": gap}
        total += conversion.amount[0]
        evidence.append(conversion.evidence())
    if earlier and history is not None:
        evidence += [
            Evidence(
                history.source,
                text=f"{c.claim_id}: {c.claimed} {c.currency}",
                note=f"earlier claim ({c.activity_type})",
            )
            for c in earlier
        ]
    else:
        ledger = history.source if history else source
        evidence.append(
            Evidence(
                ledger,
                text="",
                note="no earlier claims recorded in this cap group and usage period",
            )
        )
    return {
        "claim.period_cap_claimed": Value(Money(total, currency), tuple(evidence)),
        "claim.cap_group_claims": Value(len(earlier) + 1, tuple(evidence)),
    }, {}


def _attendee_values(
    m: Manifest, source: str, cap: Cap, where: Evidence, exchange: Exchange | None = None
) -> tuple[Values, Gaps]:
    """How many attendees the cap allows, the highest cost of one, and the per-person cap."""
    values: Values = {}
    gaps: Gaps = {}
    if cap.max_attendees is not None:
        values["claim.max_attendees"] = Value(cap.max_attendees, (where,))
    if cap.per_person is None:
        return values, gaps
    costs = [a.cost for a in m.attendees if a.cost is not None]
    if not costs:
        return values, gaps
    top = max(costs, key=lambda c: c.amount)
    found = Evidence(source, text=str(top), field="attendees", note="the highest cost per attendee")
    if {c.currency for c in costs} != {top.currency}:
        gaps["claim.max_attendee_cost"] = Phrase.of("gap.attendee_currencies")
    else:
        values["claim.max_attendee_cost"] = Value(top, (found,))
    if cap.per_person[1] == top.currency:
        values["claim.attendee_cost_cap"] = Value(cap.per_person, (where,))
    elif found_cap := (
        exchange.limit("claim.attendee_cost_cap", cap.per_person, top.currency, (where,))
        if exchange
        else {}
    ):
        values.update(found_cap)
    else:
        gaps["claim.attendee_cost_cap"] = Phrase.of(
            "gap.per_person_currency", cap=cap.per_person, currency=top.currency
        )
    return values, gaps


@dataclass(frozen=True)
class _Floor:
    """A cap's floor (``at_least``) converted into the currency of the share it is compared
    with, and that amount widened by the conversion tolerance."""

    value: Money
    tolerance: Money
    evidence: tuple[Evidence, ...]
    rate: str  # the rate and its day, as a message shows them


def _cap_amount(
    cap: Cap, m: Manifest, exchange: Exchange | None = None
) -> tuple[Money, _Floor | None] | Phrase:
    """The cap in money (with its floor when that was converted), or why it cannot be stated
    in one currency. "The larger of 10 % of earned co-op and USD 3,000" in EUR funds converts
    the floor at the ECB rate of the exchange's day."""
    candidates = []
    if cap.amount is not None:
        candidates.append(cap.amount)
    if cap.percent_of_earned is not None:
        share = (m.funds.earned * cap.percent_of_earned / 100).quantize(Decimal("0.01"))
        candidates.append(Money(share, m.funds.currency))
    if cap.at_least is None:
        return candidates[0], None
    if not candidates or candidates[0][1] == cap.at_least[1]:
        return max([*candidates, cap.at_least], key=lambda c: c[0]), None
    conversion = (
        exchange.rates.convert(cap.at_least, candidates[0][1], exchange.day) if exchange else None
    )
    if conversion is None:
        return Phrase.of("gap.cap_larger_of", share=candidates[0], floor=cap.at_least)
    floor = _Floor(
        conversion.amount, conversion.tolerance(), (conversion.evidence(),), conversion.shown
    )
    return max([*candidates, floor.value], key=lambda c: c[0]), floor


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
