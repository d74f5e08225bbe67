"""Several claims with ``--format json`` and no ``--out`` print the triage queue as JSON."""

from __future__ import annotations

import json

import pytest

from coop_rules.cli import main

from .conftest import FIXTURES


def test_several_claims_as_json_print_the_queue(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "check",
            str(FIXTURES / "compliant-ko"),
            str(FIXTURES / "dt01-late-submission"),
            "--format",
            "json",
            "--today",
            "2024-07-20",
            "--jobs",
            "1",
        ]
    )
    queue = json.loads(capsys.readouterr().out)
    assert code == 1  # the late claim has an error
    assert [c["claim_id"] for c in queue] == ["dt01-late-submission", "compliant-ko"]
    assert [c["verdict"] for c in queue] == ["fail", "pass"]
    assert queue[0]["counts"]["error"] == 1 and queue[0]["currency"] == "EUR"


def test_several_claims_as_html_without_out_is_still_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        [
            "check",
            str(FIXTURES / "compliant-ko"),
            str(FIXTURES / "dt01-late-submission"),
            "--format",
            "html",
        ]
    )
    assert code == 2
    assert "--out" in capsys.readouterr().err
