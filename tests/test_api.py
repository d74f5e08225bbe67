"""The Python API as another program would use it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import coop_rules
from coop_rules import CoopRulesError, check_claim, extract

from .conftest import FIXTURES

CUSTOM_RULE = """\
code: XX01
name: claim-above-review-limit
requirement: R9
severity: warning
subject: claim
params:
  limit: "20000.00 EUR"
when: claim.claimed > limit
message: Claimed {claim.claimed}, above the review limit of {limit}.
hint: Large claims get a second reviewer.
docs:
  what: Flags claims above an internal review limit.
  why: House policy.
  fail: A claim of 27,077.60 EUR.
  pass: A claim of 12,000.00 EUR.
"""


def test_check_claim_returns_a_report() -> None:
    report = check_claim(FIXTURES / "compliant", today=date(2024, 7, 20))
    assert isinstance(report, coop_rules.Report)
    assert report.verdict is coop_rules.Verdict.PASS
    assert report.claim_id == "compliant" and "DT01" in report.rules


def test_a_rule_file_added_without_python(tmp_path: Path) -> None:
    (tmp_path / "XX01.yaml").write_text(CUSTOM_RULE, encoding="utf-8")
    report = check_claim(FIXTURES / "compliant", rules_dirs=[tmp_path])
    (finding,) = [f for f in report.findings if f.code == "XX01"]
    assert finding.message == "Claimed 27,077.60 EUR, above the review limit of 20,000.00 EUR."
    assert report.verdict == "review"


def test_extract_gives_typed_values_with_evidence() -> None:
    path = FIXTURES / "compliant" / "rechnung-kreativwerk-RE-2024-0417.pdf"
    document = extract(path)
    assert document.kind == "invoice"
    assert document.fields["total"].value == Decimal("11364.50")
    assert document.fields["issue_date"].value == date(2024, 4, 15)
    assert document.fields["total"].evidence.page == 2  # the totals block is on the last page


def test_unknown_engine_is_a_clear_error() -> None:
    with pytest.raises(CoopRulesError, match="unknown engine"):
        check_claim(FIXTURES / "compliant", engine="drools")
