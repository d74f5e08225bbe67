"""Money is one value type: the manifest, the program data, rule constants, the facts of real
claims and the report all hold :class:`coop_rules.money.Money`, and it still behaves as the
``(amount, currency)`` pair the engines and renderers take apart."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from coop_rules.claim import load_claim
from coop_rules.facts.build import claim_facts
from coop_rules.facts.model import parse_typed
from coop_rules.ledger.model import History, LedgerClaim
from coop_rules.money import Money
from coop_rules.programs import load_program_data
from coop_rules.rulebook.expr import Type, param_const
from coop_rules.rulebook.fields import FIELD_TYPES

from .conftest import FIXTURES

TODAY = date(2024, 7, 20)


def test_money_is_the_pair_it_replaces() -> None:
    money = Money(Decimal("27077.60"), "USD")
    amount, currency = money
    assert (amount, currency) == (money.amount, money.currency) == (Decimal("27077.60"), "USD")
    assert money == (Decimal("27077.60"), "USD")
    assert hash(money) == hash((Decimal("27077.60"), "USD"))
    assert str(money) == "27,077.60 USD"
    assert str(Money(Decimal("5"), "JPY")) == "5.00 JPY"


def test_rule_constants_and_written_values_are_money() -> None:
    const = param_const("limit", "18750.00 USD")
    assert const.type is Type.MONEY
    assert isinstance(const.value, Money)
    assert const.value == Money(Decimal("18750.00"), "USD")
    assert isinstance(parse_typed("claim.claimed", "12.50 EUR").value, Money)
    assert not isinstance(param_const("id", "12.50 euros").value, Money)


def test_program_data_caps_and_thresholds_are_money() -> None:
    data = load_program_data()
    demo = data.matrices[("microsoft", "FY24")].activities["demo-units"]
    assert demo.cap is not None
    assert isinstance(demo.cap.at_least, Money)
    assert demo.cap.at_least == Money(Decimal("3000.00"), "USD")
    thresholds = [t for p in data.profiles for t in p.thresholds]
    assert thresholds
    assert all(isinstance(t, Money) for t in thresholds)


def test_every_money_fact_of_real_claims_is_money() -> None:
    """Every money field a rule reads, and each other reading of an ambiguous one, built from
    fixture claims (with an earlier claim in the ledger) that derive each kind of amount."""
    seen = set()
    for name in ("compliant", "cp01-demo-units-over-cap", "cp03-conference-travel-over-cap"):
        claim = load_claim(FIXTURES / name)
        manifest = claim.manifest
        assert isinstance(manifest.claimed, Money)
        assert all(isinstance(a.cost, Money) for a in manifest.attendees if a.cost is not None)
        earlier = LedgerClaim(
            "Q1",
            manifest.partner.partner_id or "",
            manifest.program.code,
            manifest.usage_period.start,
            manifest.usage_period.end,
            manifest.activity.type,
            Decimal("1000.00"),
            manifest.claimed.currency,
            datetime(2024, 7, 1),
        )
        for fact in claim_facts(claim, TODAY, history=History("ledger.sqlite", (earlier,))):
            for field_name, value in fact.values.items():
                if FIELD_TYPES.get(field_name) is not Type.MONEY:
                    continue
                seen.add(field_name)
                for reading in (value.value, *value.alternatives):
                    assert type(reading) is Money, (name, field_name, reading)
    derived = {
        "claim.claimed",
        "claim.earned",
        "claim.remaining",
        "claim.ledger_remaining",
        "claim.cap",
        "claim.period_cap_claimed",
        "claim.max_attendee_cost",
        "claim.attendee_cost_cap",
        "claim.documented_total",
        "doc.total",
    }
    assert derived <= seen, derived - seen
