"""Where a document comes from, from words printed on it: its country's currency and date order.

A document does not always say everything: a "$" may be any of a dozen dollars, a shop receipt
often prints no currency at all, and ``03/04/2024`` is 3 April or 4 March depending on the
country. Addresses and legal forms settle it: ``SDN BHD`` and ``Selangor`` place a receipt in
Malaysia (ringgit, day-first dates), ``Pty Ltd`` and ``NSW 2000`` in Australia, a US state with a
ZIP code in the United States. The cues are data (``data/world/countries.yaml``).

A country is only taken when its cues clearly outnumber every other country's (an invoice from
a US vendor to an Australian customer shows both, and then neither is taken); what it gives is
used only where the document leaves the value open, and says so in the evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path

from coop_rules import compiled, yamlfile
from coop_rules.evidence import Evidence
from coop_rules.extraction.layout import Layout

DATA = Path(__file__).with_name("data") / "world" / "countries.yaml"
DOLLARS = frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "TWD"})
MIN_LEAD = 2.0  # the country's cue count must be at least twice the runner-up's


@dataclass(frozen=True)
class Country:
    """A country placed by cues on the page."""

    code: str
    name: str
    currency: str
    dayfirst: bool | None
    cues: int  # how many distinct cues were found
    evidence: Evidence  # the first cue, where it stands
    dollar_sign: bool = False  # a "$" there means the country's own currency

    def note(self) -> str:
        return f"{self.name}, from {self.evidence.text!r} on the page"


@lru_cache(maxsize=1)
def _table() -> list[tuple[str, str, str, bool | None, re.Pattern[str], bool]]:
    text = DATA.read_text(encoding="utf-8")
    # Parsed once per machine, like the label files (coop_rules.compiled: keyed by the bytes).
    raw = compiled.data(b"countries-yaml\0" + text.encode(), partial(yamlfile.load, text))
    out = []
    for code, spec in raw["countries"].items():
        words = sorted((str(w) for w in spec.get("cues") or ()), key=len, reverse=True)
        parts = [r"(?<![\w/])" + re.escape(w) + r"(?![\w/])" for w in words]
        parts += [f"(?-i:{p})" for p in spec.get("patterns") or ()]
        regex = re.compile("|".join(parts), re.IGNORECASE)
        dollar = bool(spec.get("dollar_sign"))
        out.append((code, spec["name"], spec["currency"], spec.get("dayfirst"), regex, dollar))
    return out


def find_country(layout: Layout) -> Country | None:
    """The country the page's cues point at, or None when they are absent or disagree."""
    found: list[tuple[int, str, str, str, bool | None, Evidence, bool]] = []
    for code, name, currency, dayfirst, regex, dollar in _table():
        distinct: set[str] = set()
        first: Evidence | None = None
        for line in layout.lines:
            for m in regex.finditer(line.text):
                distinct.add(m.group().casefold())
                if first is None:
                    first = layout.evidence(
                        line.tokens_in(m.start(), m.end()), m.group(), "country cue"
                    )
        if distinct and first is not None:
            found.append((len(distinct), code, name, currency, dayfirst, first, dollar))
    if not found:
        return None
    found.sort(key=lambda f: -f[0])
    best = found[0]
    if len(found) > 1 and best[0] < MIN_LEAD * found[1][0]:
        return None
    count, code, name, currency, dayfirst, evidence, dollar = best
    return Country(code, name, currency, dayfirst, count, evidence, dollar)
