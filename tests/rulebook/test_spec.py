"""Rule files: the bundled ones load; a broken one gets every problem, with file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from coop_rules.errors import ConfigurationError
from coop_rules.rulebook import load_rulebook
from coop_rules.rulebook.spec import DOCS_SECTIONS

GOOD = """\
code: XX01
name: claimed-above-ten-thousand
requirement: R9
severity: warning
subject: claim
params:
  limit: "10000.00 EUR"
when: claim.claimed > limit
message: Claimed {claim.claimed}, above {limit}.
hint: Look twice.
docs:
  what: Flags large claims.
  why: Because.
  fail: 12,000 EUR.
  pass: 9,000 EUR.
"""


def test_bundled_rules_load_with_full_docs() -> None:
    rules = load_rulebook()
    assert len(rules) >= 14
    for rule in rules:
        assert all(rule.docs[s] for s in DOCS_SECTIONS), rule.code
        assert rule.requirement.startswith("R") or rule.requirement == "general"
        # People read a title, never the kebab-case name: "Claim submitted after the deadline".
        assert rule.title[:1].isupper() and " " in rule.title, rule.code
        assert rule.display_title == rule.title


def test_extra_folder_adds_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "XX01.yaml").write_text(GOOD, encoding="utf-8")
    override = (Path(__file__).resolve().parents[2] / "rules" / "DT01.yaml").read_text()
    (tmp_path / "DT01.yaml").write_text(override.replace("deadline_days: 45", "deadline_days: 60"))
    rules = load_rulebook([tmp_path])
    assert rules.get("XX01") is not None
    assert rules.get("DT01").params["deadline_days"] == 60  # type: ignore[union-attr]


def test_every_mistake_is_reported_with_line_and_key(tmp_path: Path) -> None:
    broken = (
        GOOD.replace("severity: warning", "severity: fatal")
        .replace("when: claim.claimed > limit", "when: claim.claimed > claim.usage_end")
        .replace("name: claimed-above-ten-thousand", "name: Claimed Above")
        .replace("  pass: 9,000 EUR.\n", "")
        + "colour: red\n"
    )
    (tmp_path / "XX01.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        load_rulebook([tmp_path])
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "XX01.yaml:2: name" in text
    assert "XX01.yaml:4: severity: 'fatal' is not one of" in text
    assert "XX01.yaml:8: when: cannot compare money with date" in text
    assert "docs: the section 'pass' is missing" in text
    assert "colour: unknown key" in text
    assert len(caught.value.problems) == 5


def test_problems_across_files_are_collected(tmp_path: Path) -> None:
    (tmp_path / "XX01.yaml").write_text("code: [unclosed\n", encoding="utf-8")
    (tmp_path / "XX02.yaml").write_text(
        GOOD.replace("XX01", "XX02").replace("{claim.claimed}", "{claim.nothing}"), encoding="utf-8"
    )
    with pytest.raises(ConfigurationError) as caught:
        load_rulebook([tmp_path])
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "XX01.yaml:2: not valid YAML" in text or "XX01.yaml:1: not valid YAML" in text
    assert "placeholder {claim.nothing}: unknown field 'claim.nothing'" in text


def test_file_name_must_match_code(tmp_path: Path) -> None:
    (tmp_path / "XX09.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(ConfigurationError, match="does not match the file name"):
        load_rulebook([tmp_path])
