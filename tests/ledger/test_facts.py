"""The duplicate facts a check derives from the ledger's history."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from coop_rules.facts.duplicates import duplicate_values
from coop_rules.ledger.model import History, Match

from .test_store import CLAIM, INVOICE

PROBE = replace(INVOICE, claim_id="NEW", path="new.pdf", sha256="f" * 64)


def test_no_ledger_entry_for_a_document_means_no_facts() -> None:
    assert duplicate_values("photo.jpg", History("ledger.sqlite3")) == {}


def test_an_empty_ledger_gives_known_zero_counts_with_evidence() -> None:
    values = duplicate_values("new.pdf", History("team.sqlite3", documents={"new.pdf": PROBE}))
    assert values["doc.duplicate_count"].value == 0
    assert values["doc.near_duplicate_count"].value == 0
    assert values["doc.duplicate_count"].evidence[0].file == "team.sqlite3"
    assert "doc.duplicate_of" not in values and "doc.near_duplicate_days" not in values


def test_near_count_is_unknown_without_an_issue_date() -> None:
    undated = replace(PROBE, issue_date=None)
    values = duplicate_values("new.pdf", History("l", documents={"new.pdf": undated}))
    assert values["doc.duplicate_count"].value == 0
    assert "doc.near_duplicate_count" not in values  # DU02 then says it could not check


def test_matches_become_counts_descriptions_and_evidence() -> None:
    near = replace(INVOICE, path="near.pdf", issue_date=date(2024, 3, 3), total=Decimal("1190"))
    matches = (
        Match(INVOICE, "same-invoice", CLAIM),
        Match(near, "near", CLAIM, days_apart=1),
    )
    history = History("l", matches={"new.pdf": matches}, documents={"new.pdf": PROBE})
    values = duplicate_values("new.pdf", history)
    assert values["doc.duplicate_count"].value == 1
    assert values["doc.duplicate_of"].value == (
        "claim Q3-017 (Contoso Marketing GmbH), invoice-1.pdf: same vendor and invoice number"
    )
    assert values["doc.near_duplicate_count"].value == 1
    assert values["doc.near_duplicate_days"].value == 1
    assert values["doc.near_duplicate_of"].value.endswith(
        "near.pdf: same vendor and amount, issued 1 day apart"
    )
    evidence = values["doc.duplicate_of"].evidence[0]
    assert evidence.text == "claim Q3-017, invoice-1.pdf" and "recorded 2024-07-20" in evidence.note
