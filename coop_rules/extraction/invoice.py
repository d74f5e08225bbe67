"""Invoice fields without templates: number, issue date, total and currency.

Each field is found next to its label words (``data/*.yaml``, section ``invoice``), in any of
the languages, either to the right of the label on the same line or under it. Labels come in
tiers: ``Invoice date`` beats ``Date`` beats ``vom`` on a title line; ``Total TTC`` /
``Gesamtbetrag`` (gross) beat a bare ``Total``, which beats ``Amount due``; labels of other
things (``Total HT``, ``Due date``, ``Kundennummer``) only stop a value. Parties (vendor,
bill-to, tax id) are in :mod:`coop_rules.extraction.parties`; subtotal, tax and amount due in
:mod:`~coop_rules.extraction.totals`; due date and service period in
:mod:`~coop_rules.extraction.periods`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coop_rules.evidence import Extracted
from coop_rules.extraction.confidence import not_an_organisation, settle
from coop_rules.extraction.fields import Candidate, Context, Window, best
from coop_rules.extraction.layout import Line
from coop_rules.extraction.lexicon import LabelHit
from coop_rules.extraction.model import Abstained
from coop_rules.extraction.parties import extract_parties
from coop_rules.extraction.periods import extract_periods
from coop_rules.extraction.receipts import shop_name
from coop_rules.extraction.reconcile import reconcile_total, unlabelled_date
from coop_rules.extraction.totals import extract_totals
from coop_rules.extraction.values import (
    BELOW_PENALTY,
    PROSE_PENALTY,
    amount_candidates,
    currency,
    label_note,
    labelled_date,
)

DATE_TIERS = {"issue_date": 3.0, "issue_date_generic": 2.0, "issue_date_weak": 1.0}
TOTAL_TIERS = {"total_gross": 3.0, "total": 2.0, "amount_due": 1.0}
NUMBER_TIERS = {"invoice_number": 3.0, "invoice_number_generic": 2.5}

# What may stand between a label and its value ("Nr.:", "#", "n°", "No.").
_LEAD = re.compile(r"^[\s:;#.\-–=]*(?:(?:n[°º]|no|nr|num)(?:[.:\s#]+|(?=\d))|#\s*)?", re.IGNORECASE)
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_/.\-\ufffd]*[A-Za-z0-9]|[0-9]")


def _on_title_line(ctx: Context, line: Line, hit: LabelHit) -> bool:
    """ "vom", "du", "of" name the invoice date only in the document's title line (or at the
    start of the line after it: "Gutschrift Nr. 471102" + line break + "vom 05.03.2018")."""
    if hit.field != "issue_date_weak":
        return True
    return ctx.title_line(line) or (hit.start == 0 and ctx.after_title(line))


def _id_after(window: Window) -> tuple[int, int] | None:
    """The span of the identifier at the start of ``window`` (after "Nr.:", "#" …)."""
    text = window.text
    lead = _LEAD.match(text)
    pos = lead.end() if lead else 0
    if pos < len(text) and text[pos] == "\t":
        pos += 1  # the value sits in the next column
    m = _ID.match(text, pos)
    if m is None:
        return None
    end = m.end()
    # "B172FB37 0003": a second, digit-only part set apart by a missing hyphen glyph.
    more = re.match(r" (\d{3,})(?=\s|$)", text[end:])
    if more and re.search(r"[A-Za-z]", m.group()):
        end += more.end()
    value = text[m.start() : end]
    if not re.search(r"\d", value) or len(value) > 40:
        return None
    return m.start(), end


def _is_not_an_id(ctx: Context, value: str) -> bool:
    """Dates, money and percentages are not invoice numbers."""
    if any(d.start == 0 and d.end == len(value) for d in ctx.dates(value)):
        return True
    return bool(re.fullmatch(r"[-\d.,]+[.,]\d{2}", value))


def _invoice_number(ctx: Context) -> Extracted | None:
    candidates: list[Candidate] = []
    kinds = [f"kind:{k}" for k in ("invoice", "credit-note", "proforma", "receipt")]
    for line, hit in ctx.labelled([*NUMBER_TIERS, *kinds]):
        if hit.field == "invoice_number_generic":
            at_start = hit.start == 0 and hit.text == "#"
            if not (at_start or ctx.title_line(line) or ctx.after_title(line)):
                continue  # "Nr." names the invoice only on its title line; "# 123" alone
        elif hit.field.startswith("kind:") and not ctx.title_line(line):
            continue
        tier = NUMBER_TIERS.get(hit.field, 1.0)
        if hit.field == "invoice_number_generic" and hit.start == 0:
            tier = 2.0  # "# 12345" alone on a line, not on a title
        if ctx.prose(line, hit.start):
            tier -= PROSE_PENALTY
        right = ctx.right(line, hit, passable=["invoice_number_generic"])
        windows = [right]
        if hit.field == "invoice_number" and not right.text.strip(" \t:#.-"):
            windows += list(ctx.below(line, hit, max_lines=2))
        for window in windows:
            span = _id_after(window)
            if span is None:
                continue
            value = window.text[span[0] : span[1]]
            if _is_not_an_id(ctx, value):
                continue
            score = tier - (BELOW_PENALTY if window.below else 0.0)
            candidates.append(
                Candidate(
                    value,
                    score,
                    ctx.evidence(window, span[0], span[1], label_note(hit)),
                    line.index,
                )
            )
            break
    chosen = best(candidates)
    if chosen is None:
        return None
    agreeing = sum(c.value == chosen.value for c in candidates)
    return chosen.extracted(0.4 + 0.15 * chosen.score + 0.05 * min(agreeing - 1, 3))


_VENDOR_HEURISTICS = (
    ("label", "label"),
    ("sender line", "sender line"),
    ("name with a legal form", "name with a legal form"),
    ("name at the head", "header name"),
)


def _vendor_heuristic(found: Extracted | None) -> str:
    note = (found.evidence.note or "") if found else ""
    return next((name for prefix, name in _VENDOR_HEURISTICS if note.startswith(prefix)), "-")


def extract_invoice(ctx: Context) -> InvoiceFields:
    """All invoice fields found in ``ctx``: the values to use, and those abstained (too
    uncertain: see :mod:`~coop_rules.extraction.confidence`), with the heuristic that decided
    each field."""
    fields: dict[str, Extracted | None] = {}
    decided: dict[str, str] = {}
    readings: dict[str, tuple[Extracted, ...]] = {}
    fields["invoice_number"] = _invoice_number(ctx)
    decided["invoice_number"] = "label" if fields["invoice_number"] else "-"
    fields["issue_date"] = labelled_date(
        ctx, DATE_TIERS, lambda line, hit: _on_title_line(ctx, line, hit)
    )
    decided["issue_date"] = "label"
    if fields["issue_date"] is None:
        date_found = unlabelled_date(ctx)
        fields["issue_date"], decided["issue_date"] = date_found.value, date_found.heuristic
        readings["issue_date"] = date_found.candidates
    due_tiers = {"amount_due": TOTAL_TIERS["amount_due"]}
    total_tiers = {k: v for k, v in TOTAL_TIERS.items() if k not in due_tiers}
    total = reconcile_total(
        ctx, amount_candidates(ctx, total_tiers), amount_candidates(ctx, due_tiers)
    )
    fields["total"], decided["total"] = total.value, total.heuristic
    readings["total"] = total.candidates
    found_currency = currency(ctx, total.amount)
    fields["currency"] = found_currency
    if found_currency is not None:
        how = (found_currency.evidence.note or "label").split(";")[0]
        decided["currency"] = "label" if how.startswith("label:") else how
    fields.update(extract_totals(ctx, fields["total"]))
    fields.update(extract_periods(ctx))
    fields.update(extract_parties(ctx))
    decided["vendor"] = _vendor_heuristic(fields["vendor"])
    shop = shop_name(ctx, fields["vendor"])
    if shop is not None:
        fields["vendor"], decided["vendor"] = shop, "shop name at the head"
    readings.update({k: v for k, v in ctx.readings.items() if k not in readings})
    refused = {}
    if fields["vendor"] is not None:
        why = not_an_organisation(str(fields["vendor"].value))
        if why:
            refused["vendor"] = f"not an organisation's name: {why}"
    found = {name: value for name, value in fields.items() if value is not None}
    used, abstained = settle(found, readings, refused)
    for name in abstained:
        decided[name] = f"abstained ({decided.get(name, '-')})"
    return InvoiceFields(used, abstained, {k: v for k, v in decided.items() if v != "-"})


@dataclass(frozen=True)
class InvoiceFields:
    """What :func:`extract_invoice` found."""

    fields: dict[str, Extracted]
    abstained: dict[str, Abstained]
    decided_by: dict[str, str]
