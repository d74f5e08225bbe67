"""Which extracted values are certain enough to be used, and which are kept apart (abstained).

A wrong value is far worse than none: a rule that reads a wrong total fires (or passes) for the
wrong reason, while a missing total makes it say "could not check", which a reviewer can act
on. So every invoice field carries a confidence, and a value below its field's threshold is
moved out of ``ExtractedDocument.fields`` into ``ExtractedDocument.abstained``, with the
candidates that were found (best first) and the reason.

The thresholds were calibrated on the development folders (``bench/extraction.py`` prints the
reliability table: confidence bucket → share right) so that the values that are used are right
at least 99 % of the time there. A vendor must also look like an organisation's name: an address
line, a sentence, a date, a time, opening hours or a parenthesised remark is never a vendor.
"""

from __future__ import annotations

import re

from coop_rules.evidence import Extracted
from coop_rules.extraction.model import Abstained

# Calibrated on ../shared/corpus and ../shared/corpus-extra (development part): see module doc.
THRESHOLDS: dict[str, float] = {
    "issue_date": 0.55,
    "total": 0.6,
    "currency": 0.6,
    "invoice_number": 0.5,
    "vendor": 0.5,
}

_TIME = re.compile(r"\b(?:[01]?\d|2[0-3])[:.][0-5]\d\b|\b\d{3,4}\s*(?:hrs|h)\b", re.IGNORECASE)
_WEEKDAY = re.compile(
    r"\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|mo|di|mi|do|fr|sa|so|lun|mar|mer|jeu|ven|sam|dim)\b\.?\s*[-–—,&]",
    re.IGNORECASE,
)
_ADDRESS = re.compile(
    r"\b(?:street|st|road|rd|avenue|ave|boulevard|blvd|lane|ln|drive|dr|suite|floor|jalan|jln|"
    r"lorong|lot|taman|straße|strasse|str|weg|platz|allee|gasse|rue|avenue|chemin|via|calle|"
    r"straat|laan|po box|p\.o\. box)\b\.?",
    re.IGNORECASE,
)
# German and Dutch street names are compounds ending in the street word, then the number:
# "Kastanienallee 9", "Hauptstraße 5", "Lindenweg 4", "Keizersgracht 12".
_COMPOUND_STREET = re.compile(
    r"[^\W\d_](?:straße|strasse|str\.|weg|allee|gasse|platz|damm|ufer|chaussee|gracht|straat|"
    r"laan|plein|kade)\s+\d",
    re.IGNORECASE,
)
_OPENING = re.compile(r"\b(?:opening|hours|open|closed|öffnungszeiten|horaires)\b", re.IGNORECASE)


def tells_time(text: str) -> bool:
    """Whether ``text`` holds a time of day, a weekday or opening hours."""
    return bool(_TIME.search(text) or _WEEKDAY.search(text) or _OPENING.search(text))


def not_an_organisation(name: str) -> str | None:
    """Why ``name`` cannot be an organisation's name, or None when it may be one."""
    text = name.strip()
    if len(text) < 2 or not any(ch.isalpha() for ch in text):
        return "not a name"
    if text.startswith("(") and text.endswith(")"):
        return "a parenthesised remark"
    if re.match(r"(?:\(c\)|©|copyright\b)", text, re.IGNORECASE):
        return "a copyright notice (the maker of a form or software, not the issuer)"
    if tells_time(text):
        return "a time or opening hours"
    if any(ch.isdigit() for ch in text) and (
        _ADDRESS.search(text) or _COMPOUND_STREET.search(text)
    ):
        return "an address line"
    if re.search(r"\d{4,}", text) and sum(ch.isdigit() for ch in text) >= 4:
        return "a number, not a name"
    words = text.split()
    if len(words) > 8:
        return "a phrase, not a name"
    if text.endswith(("!", "?")):
        return "a sentence, not a name"
    return None


def settle(
    fields: dict[str, Extracted],
    readings: dict[str, tuple[Extracted, ...]],
    refused: dict[str, str] | None = None,
) -> tuple[dict[str, Extracted], dict[str, Abstained]]:
    """Split ``fields`` into the values to use and the abstained ones.

    Args:
        fields: every value found, each with its confidence.
        readings: per field, the candidates found (best first), kept with an abstention.
        refused: per field, a reason to abstain whatever the confidence (a vendor that is not
            a name).
    """
    used: dict[str, Extracted] = {}
    abstained: dict[str, Abstained] = {}
    for name, value in fields.items():
        threshold = THRESHOLDS.get(name)
        reason = (refused or {}).get(name)
        code = "not-an-organisation" if reason else "low-confidence"
        # A date that reads two ways (03/04/2024) is flagged by its alternatives, not dropped.
        weak = threshold is not None and value.confidence < threshold and not value.ambiguous
        if reason is None and weak:
            others = {str(c.value) for c in readings.get(name, ())} - {str(value.value)}
            if others:
                n = len(others) + 1
                reason, code = f"uncertain: {n} candidates disagree", "candidates-disagree"
            else:
                reason = f"uncertain (confidence {value.confidence:.2f} < {threshold:.2f})"
        if reason is None:
            used[name] = value
            continue
        candidates = readings.get(name) or (value,)
        if value not in candidates:
            candidates = (value, *candidates)
        abstained[name] = Abstained(name, tuple(candidates), reason, threshold or 0.0, code)
    return used, abstained
