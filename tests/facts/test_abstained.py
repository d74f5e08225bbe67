"""A field extraction read but did not trust is unknown to the rules, and the finding says why.

Extraction keeps an uncertain value apart (``ExtractedDocument.abstained``) instead of guessing;
the facts step must neither use it nor call it "not found": the rule that needs it says it
could not check, with the readings a reviewer can look at.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from coop_rules.api import check_facts, programs, rulebook
from coop_rules.claim import load_claim
from coop_rules.engines.base import Outcome
from coop_rules.evidence import Evidence, Extracted
from coop_rules.extraction import extract_file
from coop_rules.extraction.model import Abstained
from coop_rules.facts.build import claim_facts

COMPLIANT = Path(__file__).resolve().parents[2] / "fixtures" / "claims" / "compliant"
TODAY = date(2024, 7, 20)


def _readings(found: Extracted, *values: Decimal) -> tuple[Extracted, ...]:
    return tuple(
        Extracted(v, Evidence(found.evidence.file, text=str(v), page=1), 0.4) for v in values
    )


def _uncertain(field: str, code: str = "candidates-disagree", *values: Decimal):
    """An extractor that reads the compliant claim but abstains on ``field`` of its invoices."""

    def extract(path: Path, *args, **kwargs):
        document = extract_file(path, *args, **kwargs)
        found = document.fields.get(field)
        if found is None or document.kind != "invoice":
            return document
        held = Abstained(field, _readings(found, *values), "uncertain", 0.6, code)
        fields = {k: v for k, v in document.fields.items() if k != field}
        return replace(document, fields=fields, abstained={field: held})

    return extract


def _findings(extract, lang: str = "en"):
    claim = load_claim(COMPLIANT, extract=extract)
    facts = claim_facts(claim, TODAY, history=None, program_data=programs())
    return check_facts(facts, rulebook(), "python", lang)


def test_an_uncertain_total_is_not_used_and_the_finding_names_its_readings() -> None:
    findings = _findings(_uncertain("total", "candidates-disagree", Decimal(220), Decimal(440)))
    unknown = [f for f in findings if f.outcome is Outcome.NOT_CHECKED]
    messages = " ".join(f.message for f in unknown)
    assert "is uncertain (220.00 or 440.00)" in messages or "is uncertain (220 or 440)" in messages
    assert "was not found" not in messages.split("uncertain")[0][-60:]
    # the documented total is unknown, never the sum of a guess
    # The value is named as people call it; its identifier stays in the finding's values.
    assert any("total of the invoices and CSRs" in f.message for f in unknown)
    assert any("claim.documented_total" in f.values for f in unknown)


def test_an_uncertain_total_reads_in_the_reports_language() -> None:
    findings = _findings(
        _uncertain("total", "candidates-disagree", Decimal(220), Decimal(440)), lang="de"
    )
    messages = " ".join(f.message for f in findings if f.outcome is Outcome.NOT_CHECKED)
    assert "ist unsicher" in messages
    assert "220,00 oder 440,00" in messages or "220 oder 440" in messages


def test_a_vendor_that_is_not_a_name_is_said_so() -> None:
    findings = _findings(_uncertain("vendor", "not-an-organisation"))
    messages = " ".join(f.message for f in findings if f.outcome is Outcome.NOT_CHECKED)
    assert "is not an organisation's name" in messages


def test_a_certain_claim_has_no_such_gap() -> None:
    findings = _findings(extract_file)
    assert not any("uncertain" in f.message for f in findings)
