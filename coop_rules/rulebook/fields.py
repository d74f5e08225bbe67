"""What a rule may read: every field with its type and meaning, by qualified name.

The rule loader type-checks conditions and message placeholders against ``FIELDS``; the facts
stage (:mod:`coop_rules.facts`) computes them. A new fact for a new rule is an entry here and
a value in the one module of ``coop_rules/facts/`` whose family it belongs to. A field of
``EXTRACTED`` is passed from a document's extracted fields to its fact as read.
"""

from __future__ import annotations

from coop_rules.rulebook.expr import Type

CLAIM = "claim"
DOCUMENT = "document"

PROGRAM_FIELDS: dict[str, tuple[Type, str]] = {
    "claim.program_known": (Type.BOOL, "whether a program profile matches program.code"),
    "claim.fiscal_year": (
        Type.STR,
        "the fiscal year whose matrix applies (manifest, else calendar)",
    ),
    "claim.matrix_found": (Type.BOOL, "whether an activity matrix exists for that fiscal year"),
    "claim.activity_known": (Type.BOOL, "whether the activity type is in that year's matrix"),
    "claim.surface": (Type.BOOL, "whether the program is a Surface program"),
    "claim.threshold": (Type.MONEY, "the program's co-op threshold in the funds' currency"),
    "claim.has_threshold": (
        Type.BOOL,
        "whether the program has a co-op threshold (stated, or in its profile)",
    ),
    "claim.threshold_tolerance": (
        Type.MONEY,
        "the threshold converted at the ECB rate, less the conversion tolerance (2 %)",
    ),
    "claim.threshold_rate": (
        Type.STR,
        "the ECB reference rate (and its day) the threshold was converted at",
    ),
    "claim.requires_tax_invoice": (Type.BOOL, "whether the program requires tax invoices"),
    "claim.preapproval_required": (Type.BOOL, "whether the program or activity needs pre-approval"),
    "claim.preapproval_date": (Type.DATE, "when the activity was pre-approved"),
    "claim.preapproval_id": (Type.STR, "the pre-approval's identifier"),
    "claim.activity_excluded": (Type.BOOL, "whether the activity is excluded in this program"),
    "claim.exclusion": (Type.STR, "why the activity is excluded"),
    "claim.review_check": (Type.STR, "what a reviewer must look at for this activity (matrix)"),
    "claim.missing_proof_count": (Type.INT, "proof-of-execution groups the matrix needs, unmet"),
    "claim.missing_proof": (Type.STR, "those groups, as PoE subtypes"),
    "claim.missing_metric_count": (Type.INT, "metric groups the matrix needs, unmet"),
    "claim.missing_metrics": (Type.STR, "those groups, as manifest metric keys"),
    "claim.cap_group": (Type.STR, "the activity's cap group (capped activities only)"),
    "claim.cap": (Type.MONEY, "the cap of that group per usage period, in the claim's currency"),
    "claim.cap_tolerance": (
        Type.MONEY,
        "the cap when converted at the ECB rate, widened by the conversion tolerance (2 %)",
    ),
    "claim.cap_rate": (
        Type.STR,
        "the ECB reference rate (and its day) the cap was converted at",
    ),
    "claim.period_cap_claimed": (
        Type.MONEY,
        "this claim plus the ledger's earlier claims of the cap group in the usage period",
    ),
    "claim.cap_group_claims": (Type.INT, "claims in the cap group and usage period, this one too"),
    "claim.cap_headroom_percent": (Type.INT, "how much of the cap is left, in whole percent"),
    "claim.attendee_count": (Type.INT, "attendees the manifest lists"),
    "claim.max_attendees": (Type.INT, "attendees the activity's cap allows"),
    "claim.max_attendee_cost": (Type.MONEY, "the highest cost of one attendee"),
    "claim.attendee_cost_cap": (Type.MONEY, "the per-person cap (conference travel)"),
    "claim.attendee_cost_cap_tolerance": (
        Type.MONEY,
        "the per-person cap converted at the ECB rate, plus the conversion tolerance (2 %)",
    ),
    "claim.attendee_cost_cap_rate": (
        Type.STR,
        "the ECB reference rate (and its day) the per-person cap was converted at",
    ),
    "claim.ledger_remaining": (
        Type.MONEY,
        "earned co-op minus the claims the ledger has recorded for the program and period",
    ),
    "claim.documented_surplus_percent": (
        Type.INT,
        "how far the cost documents exceed the claimed amount, in whole percent",
    ),
    "doc.stated_date": (Type.DATE, "the document's date as the manifest enters it"),
    "doc.stated_amount": (Type.MONEY, "the document's amount as the manifest enters it"),
    "doc.signatory_title": (Type.STR, "the CSR signatory's title"),
    "doc.subtotal": (Type.MONEY, "the invoice's net amount"),
    "doc.tax": (Type.MONEY, "the invoice's tax (VAT) amount"),
    "doc.amount_due": (Type.MONEY, "the amount due"),
    "doc.due_date": (Type.DATE, "the payment due date"),
    "doc.service_start": (Type.DATE, "start of the service period the invoice bills"),
    "doc.service_end": (Type.DATE, "end of the service period the invoice bills"),
    "doc.lines_total": (
        Type.MONEY,
        "the sum of the invoice's line amounts, plus the allowances and charges on the whole "
        "invoice that take it to the subtotal",
    ),
    "doc.lines_off_by": (Type.MONEY, "how far the lines' sum is from the subtotal (either way)"),
    "doc.lines_rounding": (
        Type.MONEY,
        "how far the lines' sum may differ from the subtotal by rounding (half a unit a line)",
    ),
    "doc.subtotal_plus_tax": (Type.MONEY, "subtotal + tax"),
    "doc.vat_rate": (
        Type.STR,
        "tax ÷ subtotal in percent; with a tax line per rate, the rates (or the one that fails)",
    ),
    "doc.vat_rate_plausible": (Type.BOOL, "whether that rate is a known VAT rate (lexicon)"),
    "doc.alcohol_line_count": (Type.INT, "invoice lines naming alcohol"),
    "doc.alcohol_lines": (Type.STR, "those lines"),
    "doc.drink_line_count": (Type.INT, "lines naming drinks that may include alcohol"),
    "doc.drink_lines": (Type.STR, "those lines"),
    "doc.extra_line_count": (
        Type.INT,
        "hotel folio or travel lines other than rate/fare and taxes",
    ),
    "doc.extra_lines": (Type.STR, "those lines"),
    "doc.ineligible_line_count": (
        Type.INT,
        "lines whose expense category is not eligible for the activity",
    ),
    "doc.ineligible_lines": (Type.STR, "those lines"),
    "doc.uncertain_ineligible_line_count": (
        Type.INT,
        "invoice lines named only by words that may mean another category (banner, notebook), "
        "none of them eligible for the activity",
    ),
    "doc.uncertain_ineligible_lines": (Type.STR, "those lines"),
    "doc.expense_categories": (Type.STR, "the expense categories the lines name"),
    "doc.missing_core_count": (Type.INT, "core invoice fields not found (R22)"),
    "doc.missing_core": (Type.STR, "those fields"),
    "doc.missing_detail_count": (Type.INT, "invoice details not found (R22)"),
    "doc.missing_details": (Type.STR, "those details"),
    "doc.bill_to_is_partner": (Type.BOOL, "whether the invoice is addressed to the partner"),
    "doc.round_total": (Type.BOOL, "whether the total is a round amount"),
    "doc.share_of_claim_percent": (Type.INT, "the total as a percent of the claimed amount"),
    "doc.issued_on_weekend": (Type.BOOL, "whether the issue date is a Saturday or Sunday"),
}

FIELDS: dict[str, tuple[Type, str]] = {
    # The claim, from the manifest (and derived from its documents).
    "claim.id": (Type.STR, "the claim's identifier"),
    "claim.submission_date": (Type.DATE, "the date the claim is (to be) submitted"),
    "claim.usage_start": (Type.DATE, "first day of the usage period"),
    "claim.usage_end": (Type.DATE, "last day of the usage period"),
    "claim.window_opens": (
        Type.DATE,
        "first day of the claiming window, where the program states it",
    ),
    "claim.window_closes": (
        Type.DATE,
        "last day of the claiming window, where the program states it",
    ),
    "claim.activity_type": (Type.STR, "the activity type (kebab-case, from the activity matrix)"),
    "claim.activity_start": (Type.DATE, "first day of the activity"),
    "claim.activity_end": (Type.DATE, "last day of the activity"),
    "claim.claimed": (Type.MONEY, "the amount claimed"),
    "claim.currency": (Type.STR, "the claim's currency (ISO 4217)"),
    "claim.funds_currency": (Type.STR, "the currency of the co-op fund balance"),
    "claim.earned": (Type.MONEY, "co-op funds earned for the program and usage period"),
    "claim.remaining": (
        Type.MONEY,
        "co-op funds still available (earned − already claimed), in the claim's currency "
        "at the ECB rate when the funds are held in another",
    ),
    "claim.remaining_tolerance": (
        Type.MONEY,
        "the remaining funds converted at the ECB rate, plus the conversion tolerance (2 %)",
    ),
    "claim.remaining_rate": (
        Type.STR,
        "the ECB reference rate (and its day) the remaining funds were converted at",
    ),
    "claim.document_count": (Type.INT, "documents in the claim"),
    "claim.invoice_count": (Type.INT, "documents with the role invoice"),
    "claim.csr_count": (Type.INT, "documents with the role csr"),
    "claim.cost_document_count": (Type.INT, "invoices and CSRs"),
    "claim.poe_count": (Type.INT, "proof-of-execution documents (role poe)"),
    "claim.unreadable_count": (Type.INT, "documents that could not be read"),
    "claim.documented_total": (
        Type.MONEY,
        "sum of the totals of all invoices and CSRs, when every one of them has a total in the "
        "claim's currency (unknown otherwise)",
    ),
    # One document.
    "claim.documented_total_tolerance": (
        Type.MONEY,
        "the documented total with a converted total, plus the conversion tolerance (2 %)",
    ),
    "claim.documented_total_rate": (
        Type.STR,
        "the ECB reference rates (and days) of the documents in other currencies",
    ),
    "doc.file": (Type.STR, "the document's path in the claim folder"),
    "doc.role": (Type.STR, "invoice, csr, poe, metrics or other (manifest, else classified)"),
    "doc.kind": (Type.STR, "what the content says it is: invoice, credit-note, proforma, quote, …"),
    "doc.listed": (Type.BOOL, "whether the manifest lists the document"),
    "doc.readable": (Type.BOOL, "whether the document could be read"),
    "doc.read_problem": (Type.STR, "why the document could not be read"),
    "doc.has_note": (Type.BOOL, "whether the manifest gives the partner's note for it"),
    "doc.is_cost": (Type.BOOL, "whether it is a cost document (invoice or csr)"),
    "doc.vendor": (Type.STR, "the issuer's name"),
    "doc.vendor_tax_id": (Type.STR, "the issuer's VAT / tax ID"),
    "doc.vendor_is_partner": (
        Type.BOOL,
        "whether the issuer is the claiming partner (legal name, alias or tax ID)",
    ),
    "doc.bill_to": (Type.STR, "the name the invoice is addressed to"),
    "doc.invoice_number": (Type.STR, "the invoice number as printed"),
    "doc.issue_date": (Type.DATE, "the invoice's issue date"),
    "doc.total": (Type.MONEY, "the document's gross total"),
    "doc.currency": (Type.STR, "the document's currency (ISO 4217)"),
    "doc.total_usd": (
        Type.MONEY,
        "the document's total in USD (at the ECB rate of its issue date when in another currency)",
    ),
    "doc.period_start": (Type.DATE, "start of the period of work (CSR)"),
    "doc.period_end": (Type.DATE, "end of the period of work (CSR)"),
    "doc.signatory": (Type.STR, "who signed the CSR"),
    "doc.signature_date": (Type.DATE, "when the CSR was signed"),
    "doc.execution_date": (Type.DATE, "the first date of execution a proof shows"),
    "doc.execution_end": (Type.DATE, "the last date of execution a proof shows"),
    "doc.execution_candidates": (
        Type.STR,
        "the dates a proof shows when none is clearly its execution date (no execution_date then)",
    ),
    "doc.execution_first": (Type.DATE, "the earliest of those candidate dates"),
    "doc.execution_last": (Type.DATE, "the latest of those candidate dates"),
    "doc.announces_event": (
        Type.BOOL,
        "the proof announces an event activity (its invitation e-mail by the sending date, a "
        "mailing about it): dated before the event by nature",
    ),
    "doc.proof_dated": (
        Type.BOOL,
        "whether a proof of its subtype shows when the activity ran (not a script, terms, "
        "specification, statement of work, URL list or deliverable sample)",
    ),
    "doc.has_einvoice": (
        Type.BOOL,
        "whether an embedded e-invoice (ZUGFeRD, Factur-X, XRechnung or UBL XML) was read",
    ),
    "doc.einvoice_disagrees": (
        Type.BOOL,
        "whether the embedded e-invoice states a value (total, date, number, parties, currency) "
        "that the page shows nowhere",
    ),
    "doc.einvoice_mismatch": (
        Type.STR,
        "the fields on which the embedded e-invoice and the page differ, with both values",
    ),
    # One cost document against the ledger of recorded claims (coop_rules/facts/duplicates.py);
    # known only when a ledger was consulted, the claim's own earlier record never counts.
    "doc.duplicate_count": (
        Type.INT,
        "cost documents of other recorded claims with the same file (sha256) or the same "
        "vendor and invoice number",
    ),
    "doc.duplicate_of": (
        Type.STR,
        "those documents: 'claim Q3-017 (partner), invoice-1.pdf: same vendor and invoice number'",
    ),
    "doc.near_duplicate_count": (
        Type.INT,
        "invoices of other recorded claims from the same vendor for the same total and currency, "
        "issued within 31 days of this one (unknown without vendor, total, currency or date)",
    ),
    "doc.near_duplicate_days": (
        Type.INT,
        "days between this document's issue date and the nearest of those",
    ),
    "doc.near_duplicate_of": (Type.STR, "the nearest of those, as doc.duplicate_of names it"),
    # The claim against its program profile, activity matrix and calendar
    # (coop_rules/facts/program_values.py, data in rules/programs, rules/matrix, rules/calendars).
    **PROGRAM_FIELDS,
}

FIELD_TYPES: dict[str, Type] = {name: spec[0] for name, spec in FIELDS.items()}
CLAIM_FIELDS = {n: t for n, t in FIELD_TYPES.items() if n.startswith("claim.")}


def fields_for(subject: str) -> dict[str, Type]:
    """The fields a rule about ``subject`` may read (document rules see the claim too)."""
    return dict(CLAIM_FIELDS) if subject == CLAIM else dict(FIELD_TYPES)


# A document's extracted fields that its fact carries as read (the total, subtotal, tax and
# amount due become money with the document's currency instead: facts/document_values.py).
EXTRACTED = {
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
