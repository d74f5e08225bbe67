"""Money: an exact amount with its ISO 4217 currency, the one value type for money.

The manifest's amounts, the program data's caps and thresholds, the facts' money values, rule
constants (``"18750.00 USD"``) and the report's claimed amount are all :class:`Money`. It is a
``NamedTuple``: new code reads ``.amount`` and ``.currency``, and it is still the
``(amount, currency)`` pair the rules, the engines and the renderers took apart by position.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple


class Money(NamedTuple):
    """An amount of money: a ``Decimal`` (never a float) in an ISO 4217 currency (``"EUR"``).

    Being a tuple, it unpacks (``amount, currency = money``) and equals the plain pair; code
    that compares or adds two amounts checks their currencies first.
    """

    amount: Decimal
    currency: str

    def __str__(self) -> str:
        """``27,077.60 EUR``: as an evidence line quotes an amount the manifest states."""
        return f"{self.amount:,.2f} {self.currency}"
