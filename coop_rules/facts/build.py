"""A claim's facts: one ``claim`` fact and one ``document`` fact per document, each value
computed by the module of its family (``claim_values``, ``program_values``,
``document_values``, ``duplicates``) and named in :mod:`coop_rules.rulebook.fields`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from coop_rules.claim import Claim
from coop_rules.extraction.names import company_key
from coop_rules.facts.claim_values import (
    document_counts,
    documented_total,
    manifest_values,
    remaining_in_claim_currency,
    surplus_value,
)
from coop_rules.facts.document_values import (
    abstained_gaps,
    announcement_values,
    invoice_values,
    read_values,
    stated_values,
)
from coop_rules.facts.duplicates import duplicate_values
from coop_rules.facts.model import CLAIM, Fact, FactSet, document_fact
from coop_rules.facts.money import Exchange, Rates, default_rates, total_in_usd
from coop_rules.facts.program_values import ProofDocument, program_values
from coop_rules.facts.readings import in_context
from coop_rules.ledger.model import History
from coop_rules.programs import ProgramData, load_program_data


def claim_facts(
    claim: Claim,
    today: date,
    history: History | None = None,
    program_data: ProgramData | None = None,
    rates: Rates | None = None,
) -> FactSet:
    """The facts of a claim: the manifest's values, counts and sums, and each document's values.

    ``program_data`` is the program data (profiles, activity matrices, calendars; default: the
    bundled one): the claim is checked against its fiscal year's matrix (see ``program_values``).

    ``history`` is what the ledger knows of earlier claims (None: no ledger was consulted, so
    the duplicate facts are unknown and the rules that need them say they could not check).
    """
    m, source = claim.manifest, claim.manifest_name
    # Money in another currency: the ECB rate of the submission date (documents: their date).
    exchange = Exchange(rates or default_rates(), m.submission_date or today)
    values = {**manifest_values(claim, today), **document_counts(claim)}
    values.update(remaining_in_claim_currency(values, exchange))
    total, gaps = documented_total(claim, exchange)
    values.update(total)
    proofs = [ProofDocument(str(d.role), d.subtype) for d in claim.documents]
    program_data = program_data or load_program_data()
    program, program_gaps, context = program_values(
        m, source, program_data, proofs, history, exchange
    )
    for name, value in program.items():  # what the manifest states (a claiming window) wins
        values.setdefault(name, value)
    if context.activity is not None:  # messages name the activity, not its kebab-case id
        values["claim.activity_type"] = replace(
            values["claim.activity_type"], shown=context.activity.title
        )
    gaps.update({k: v for k, v in program_gaps.items() if k not in values})
    values.update(surplus_value(values["claim.claimed"], values.get("claim.documented_total")))
    claim_fact = Fact("claim", CLAIM, values, m.claim_id, gaps)
    entries = {e.path: e for e in m.documents}
    partner_names = {company_key(n) for n in (m.partner.legal_name, *m.partner.aliases)}
    partner_tax_id = m.partner.tax_id or None
    claimed = m.claimed
    docs = tuple(
        document_fact(
            i,
            claim_fact,
            {
                **read_values(d, partner_names, partner_tax_id),
                **announcement_values(d, context),
                **(duplicate_values(d.path, history) if history is not None else {}),
                **invoice_values(
                    d.extracted,
                    str(d.role),
                    context,
                    claimed,
                    partner_names,
                    stated_values(entries.get(d.path), source),
                ),
            },
            d.path,
            abstained_gaps(d),
        )
        for i, d in enumerate(claim.documents, start=1)
    )
    # A document's total in USD, for heuristics that need "large" in absolute terms (FR04).
    docs = tuple(
        replace(d, values={**d.values, **total_in_usd(dict(d.values), exchange)}) for d in docs
    )
    return in_context(FactSet(claim_fact, docs))
