"""The ledger store on both backends: round trip, migrations, read-only use, history, locking."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from coop_rules.errors import CoopRulesError
from coop_rules.ledger.model import LedgerClaim, LedgerDocument
from coop_rules.ledger.store import SCHEMA_VERSION, Ledger, redact, resolve_location

CLAIM = LedgerClaim(
    claim_id="Q3-017",
    partner="id:4412345",
    program="MCPP-FY24",
    usage_start=date(2024, 1, 1),
    usage_end=date(2024, 6, 30),
    activity_type="seminar",
    claimed=Decimal("1190.00"),
    currency="EUR",
    recorded_at=datetime(2024, 7, 20, 9, 30, tzinfo=UTC),
    rule_set="0.1.0 sha256:abc",
    verdict="pass",
    partner_name="Contoso Marketing GmbH",
)
INVOICE = LedgerDocument(
    claim_id="Q3-017",
    path="invoice-1.pdf",
    sha256="a" * 64,
    vendor="Agentur Weber GmbH",
    vendor_key="agenturweber",
    invoice_number="RE-2024-0815",
    invoice_key="RE20240815",
    issue_date=date(2024, 3, 1),
    total=Decimal("1190.00"),
    currency="EUR",
)


def _probe(**changes: object) -> LedgerDocument:
    """A document of another claim (Q3-018), by default sharing nothing with INVOICE."""
    base = replace(
        INVOICE,
        claim_id="Q3-018",
        path="new.pdf",
        sha256="b" * 64,
        invoice_number="4711",
        invoice_key="4711",
        issue_date=date(2024, 5, 1),
        total=Decimal("99.00"),
    )
    return replace(base, **changes)


def _recorded(location: str) -> None:
    with Ledger.open(location, write=True) as ledger:
        ledger.record(CLAIM, [INVOICE])


def test_round_trip_keeps_types_and_values(ledger_location: str) -> None:
    _recorded(ledger_location)
    with Ledger.open(ledger_location) as ledger:
        assert ledger.claims() == [CLAIM]
        assert ledger.get("Q3-017") == CLAIM
        assert ledger.documents("Q3-017") == [INVOICE]
        assert ledger.get("nope") is None


def test_re_recording_replaces_the_claim_and_its_documents(ledger_location: str) -> None:
    _recorded(ledger_location)
    second = replace(INVOICE, path="invoice-2.pdf", sha256="c" * 64)
    with Ledger.open(ledger_location, write=True) as ledger:
        ledger.record(replace(CLAIM, verdict="fail"), [second])
    with Ledger.open(ledger_location) as ledger:
        assert [c.verdict for c in ledger.claims()] == ["fail"]
        assert [d.path for d in ledger.documents("Q3-017")] == ["invoice-2.pdf"]


def test_remove_forgets_claim_and_documents(ledger_location: str) -> None:
    _recorded(ledger_location)
    with Ledger.open(ledger_location, write=True) as ledger:
        assert ledger.remove("Q3-017") is True
        assert ledger.remove("Q3-017") is False
        assert ledger.claims() == [] and ledger.documents("Q3-017") == []


def test_migrations_are_idempotent(ledger_location: str) -> None:
    for _ in range(3):
        with Ledger.open(ledger_location, write=True) as ledger:
            assert ledger.schema_version() == SCHEMA_VERSION
    _recorded(ledger_location)
    with Ledger.open(ledger_location, write=True) as ledger:
        assert ledger.claims() == [CLAIM]  # migrating again kept the rows
        rows = ledger._run("SELECT version FROM ledger_schema").fetchall()
        assert [tuple(r) for r in rows] == [(SCHEMA_VERSION,)]


def test_a_newer_schema_is_refused(ledger_location: str) -> None:
    with Ledger.open(ledger_location, write=True) as ledger:
        ledger._run("UPDATE ledger_schema SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(CoopRulesError, match="newer than this coop-rules"):
        Ledger.open(ledger_location)
    with pytest.raises(CoopRulesError, match="newer than this coop-rules"):
        Ledger.open(ledger_location, write=True)


def test_reader_of_an_empty_ledger_creates_nothing(ledger_location: str, tmp_path: Path) -> None:
    with Ledger.open(ledger_location) as ledger:
        assert ledger.claims() == [] and ledger.schema_version() == 0
        history = ledger.history(CLAIM, [INVOICE])
        assert history.earlier_claims == () and history.matches == {}
        with pytest.raises(CoopRulesError, match="read-only"):
            ledger.record(CLAIM, [INVOICE])
    assert not (tmp_path / "ledger").exists()  # SQLite: no file, not even its folder
    with Ledger.open(ledger_location) as ledger:
        assert ledger.schema_version() == 0  # PostgreSQL: no tables either


def test_reader_cannot_write_an_existing_ledger(ledger_location: str) -> None:
    _recorded(ledger_location)
    with Ledger.open(ledger_location) as ledger, pytest.raises(CoopRulesError):
        ledger._run("DELETE FROM ledger_claims")
    with Ledger.open(ledger_location) as ledger:
        assert ledger.claims() == [CLAIM]


def test_history_keeps_same_partner_program_and_period_only(ledger_location: str) -> None:
    others = [
        replace(CLAIM, claim_id="same-period"),
        replace(CLAIM, claim_id="other-partner", partner="id:999"),
        replace(CLAIM, claim_id="other-program", program="SURFACE-FY24"),
        replace(CLAIM, claim_id="other-period", usage_start=date(2023, 7, 1)),
    ]
    with Ledger.open(ledger_location, write=True) as ledger:
        for claim in [CLAIM, *others]:
            ledger.record(claim, [])
    with Ledger.open(ledger_location) as ledger:
        history = ledger.history(CLAIM, [])
    assert [c.claim_id for c in history.earlier_claims] == ["same-period"]  # itself excluded


def test_history_matches_same_file_and_same_invoice(ledger_location: str) -> None:
    _recorded(ledger_location)
    checked = replace(CLAIM, claim_id="Q3-018")
    copy = _probe(path="copy.pdf", sha256=INVOICE.sha256)
    renamed = _probe(path="renamed.pdf", invoice_key=INVOICE.invoice_key)
    unrelated = _probe(path="other.pdf", vendor_key="someoneelse")
    with Ledger.open(ledger_location) as ledger:
        history = ledger.history(checked, [copy, renamed, unrelated])
    assert [(m.how, m.document.path) for m in history.matches["copy.pdf"]] == [
        ("same-file", "invoice-1.pdf")
    ]
    assert [m.how for m in history.matches["renamed.pdf"]] == ["same-invoice"]
    assert history.matches["renamed.pdf"][0].claim == CLAIM  # the earlier claim, for the message
    assert "other.pdf" not in history.matches
    assert set(history.documents) == {"copy.pdf", "renamed.pdf", "other.pdf"}


def test_history_never_matches_the_claim_itself(ledger_location: str) -> None:
    _recorded(ledger_location)
    with Ledger.open(ledger_location) as ledger:
        history = ledger.history(CLAIM, [INVOICE])
    assert history.matches == {} and history.earlier_claims == ()


@pytest.mark.parametrize(
    ("issued", "total", "currency", "expected"),
    [
        (date(2024, 3, 4), Decimal("1190"), "EUR", [("near", 3)]),  # 1190 == 1190.00
        (date(2024, 2, 28), Decimal("1190.00"), "EUR", [("near", 2)]),  # before works too
        (date(2024, 4, 15), Decimal("1190.00"), "EUR", []),  # 45 days: beyond the horizon
        (date(2024, 3, 2), Decimal("1190.01"), "EUR", []),
        (date(2024, 3, 2), Decimal("1190.00"), "USD", []),
    ],
)
def test_near_matches_need_vendor_amount_currency_and_close_dates(
    ledger_location: str, issued: date, total: Decimal, currency: str, expected: list
) -> None:
    _recorded(ledger_location)
    probe = _probe(issue_date=issued, total=total, currency=currency)
    with Ledger.open(ledger_location) as ledger:
        history = ledger.history(replace(CLAIM, claim_id="Q3-018"), [probe])
    found = [(m.how, m.days_apart) for m in history.matches.get("new.pdf", ())]
    assert found == expected


def test_concurrent_writers_all_land(ledger_location: str) -> None:
    with Ledger.open(ledger_location, write=True):
        pass  # created and migrated before the writers race, as batch does
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            with Ledger.open(ledger_location, write=True) as ledger:
                for n in range(10):
                    claim_id = f"w{worker}-{n}"
                    ledger.record(
                        replace(CLAIM, claim_id=claim_id), [replace(INVOICE, claim_id=claim_id)]
                    )
        except BaseException as exc:  # surfaced below: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Ledger.open(ledger_location) as ledger:
        assert len(ledger.claims()) == 40


def test_location_defaults_and_redaction(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("COOP_RULES_LEDGER", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert resolve_location(None) == tmp_path / "coop-rules" / "ledger.sqlite3"
    monkeypatch.setenv("COOP_RULES_LEDGER", str(tmp_path / "team.sqlite3"))
    assert resolve_location(None) == tmp_path / "team.sqlite3"
    assert resolve_location("postgresql://u@h/db") == "postgresql://u@h/db"
    assert redact("postgresql://coop:s3cret@db.example:5432/ledger") == (
        "postgresql://coop@db.example:5432/ledger"
    )


def test_unreachable_postgresql_is_one_clear_error() -> None:
    with pytest.raises(
        CoopRulesError, match=r"cannot open the ledger postgresql://u@127\.0\.0\.1:9/x"
    ):
        Ledger.open("postgresql://u:pw@127.0.0.1:9/x")


def test_schema_1_is_re_keyed_by_the_one_name_comparison(ledger_location: str) -> None:
    """Keys of schema 1 (the old suffix list) become the keys every rule compares names by."""
    partner = replace(CLAIM, claim_id="Q3-019", partner="mullerohg", partner_name="Müller OHG")
    with Ledger.open(ledger_location, write=True) as ledger:
        ledger.record(CLAIM, [replace(INVOICE, vendor="Weber KGaA", vendor_key="weberkgaa")])
        ledger.record(partner, [])
        ledger._run("UPDATE ledger_schema SET version = 1")
    with pytest.raises(CoopRulesError, match="schema version 1"):
        Ledger.open(ledger_location)  # a reader asks for the migration
    with Ledger.open(ledger_location, write=True) as ledger:
        with ledger.writing():
            pass  # migrates
        assert ledger.schema_version() == SCHEMA_VERSION
        keys = ledger._run("SELECT vendor_key FROM ledger_documents").fetchall()
        partners = ledger._run("SELECT claim_id, partner FROM ledger_claims").fetchall()
    assert [tuple(k) for k in keys] == [("weber",)]
    assert sorted(tuple(p) for p in partners) == [("Q3-017", "id:4412345"), ("Q3-019", "müller")]
