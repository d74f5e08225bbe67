"""Message catalogues (``rules/messages/<lang>.yaml``): validated like rules; English fallback."""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path

import pytest

from coop_rules import api
from coop_rules.cli import main
from coop_rules.errors import ConfigurationError
from coop_rules.facts import facts_from_data
from coop_rules.i18n import DEFAULT_LANG, LANGUAGES
from coop_rules.rulebook import load_rulebook

CUSTOM_RULE = """\
code: XX01
name: claim-above-review-limit
requirement: R9
severity: warning
subject: claim
params:
  limit: "20000.00 EUR"
when: claim.claimed > limit
message: Claimed {claim.claimed} on {claim.submission_date}, above the review limit of {limit}.
hint: Large claims get a second reviewer.
docs:
  what: Flags claims above an internal review limit.
  why: House policy.
  fail: A claim of 27,077.60 EUR.
  pass: A claim of 12,000.00 EUR.
"""
GERMAN = """\
XX01:
  title: Antrag über der Prüfgrenze
  message: >-
    Beantragt sind {claim.claimed} am {claim.submission_date}, über der Prüfgrenze von {limit}.
"""


def test_bundled_catalogues_are_valid_and_missing_translations_are_listed() -> None:
    # Loading validates every catalogue (a malformed one raises); what is untranslated is listed.
    book = load_rulebook()
    assert set(book.messages) == set(LANGUAGES) - {DEFAULT_LANG}
    missing = {
        lang: [r.code for r in book if r.code not in book.messages.get(lang, {})]
        for lang in LANGUAGES
        if lang != DEFAULT_LANG
    }
    untranslated = {lang: codes for lang, codes in missing.items() if codes}
    if untranslated:  # informative: new rules show English until someone translates them
        warnings.warn(f"rules without a translation (English shows): {untranslated}", stacklevel=1)
    for lang, texts in book.messages.items():
        for code, text in texts.items():
            assert text.title and text.message and text.hint, f"{lang} {code} is incomplete"


def test_custom_rule_brings_its_own_translation(tmp_path: Path) -> None:
    (tmp_path / "XX01.yaml").write_text(CUSTOM_RULE, encoding="utf-8")
    (tmp_path / "messages").mkdir()
    (tmp_path / "messages" / "de.yaml").write_text(GERMAN, encoding="utf-8")
    book = api.rulebook([tmp_path])
    facts = facts_from_data({"claimed": "27077.60 EUR", "submission_date": "2024-08-14"})
    (german,) = [f for f in api.check_facts(facts, book, "python", "de") if f.code == "XX01"]
    assert german.message == (
        "Beantragt sind 27.077,60\xa0€ am 14.08.2024, über der Prüfgrenze von 20.000,00\xa0€."
    )
    assert german.title == "Antrag über der Prüfgrenze"
    # No German hint, and no Japanese at all: English, with the values written the language's way.
    assert german.hint == "Large claims get a second reviewer."
    (japanese,) = [f for f in api.check_facts(facts, book, "python", "ja") if f.code == "XX01"]
    assert japanese.message == (
        "Claimed €27,077.60 on 2024/08/14, above the review limit of €20,000.00."
    )
    assert japanese.title == "" and japanese.display_title == "claim-above-review-limit"


def test_overriding_a_rule_drops_the_translation_of_the_text_it_replaced(tmp_path: Path) -> None:
    bundled = load_rulebook()
    dt01 = bundled.get("DT01")
    assert dt01 is not None and dt01.source
    override = Path(dt01.source).read_text(encoding="utf-8")
    (tmp_path / "DT01.yaml").write_text(override, encoding="utf-8")
    book = load_rulebook([tmp_path])
    assert "DT01" in bundled.messages["de"]
    assert "DT01" not in book.messages["de"]  # English until the overriding folder translates it


def test_catalogue_mistakes_are_all_reported_with_file_line_and_key(tmp_path: Path) -> None:
    (tmp_path / "XX01.yaml").write_text(CUSTOM_RULE, encoding="utf-8")
    messages = tmp_path / "messages"
    messages.mkdir()
    (messages / "de.yaml").write_text(
        "XX01:\n"
        "  message: Beantragt {claim.claimed} am {claim.submision_date}, Grenze {limit}.\n"
        "  hint: Zweite Prüfung ab {limit}.\n"
        "  colour: rot\n"
        "ZZ99:\n"
        "  message: Gibt es nicht.\n",
        encoding="utf-8",
    )
    (messages / "fr.yaml").write_text("XX01:\n  message: Bonjour.\n", encoding="utf-8")
    with pytest.raises(ConfigurationError) as raised:
        load_rulebook([tmp_path])
    problems = [str(p) for p in raised.value.problems]
    german, french = messages / "de.yaml", messages / "fr.yaml"
    expected = [
        # an unknown field, and so the English placeholder it misspells is missing
        (f"{german}:2: XX01.message", "placeholder {claim.submision_date}"),
        (f"{german}:2: XX01.message", "placeholder {claim.submission_date} is missing"),
        (f"{german}:3: XX01.hint", "placeholder {limit} is not in the English hint"),
        (f"{german}:4: XX01.colour", "unknown key"),
        (f"{german}:5: ZZ99", "no rule has this code"),
        (str(french), "'fr' is not a language to translate into"),
    ]
    for location, text in expected:
        assert any(p.startswith(location) and text in p for p in problems), (location, problems)
    assert len(problems) == len(expected)


def test_a_rule_without_translation_is_english_in_every_language(tmp_path: Path) -> None:
    (tmp_path / "XX01.yaml").write_text(CUSTOM_RULE, encoding="utf-8")
    book = api.rulebook([tmp_path])
    facts = facts_from_data({"claimed": "27077.60 EUR", "submission_date": "2024-08-14"})
    for lang in LANGUAGES:
        (finding,) = [f for f in api.check_facts(facts, book, "python", lang) if f.code == "XX01"]
        assert finding.message.startswith("Claimed ") and finding.hint.startswith("Large claims")
        assert (date(2024, 8, 14).isoformat() in finding.message) is (lang == "en")


def test_a_catalogue_translates_the_documentation_with_every_section_and_identifier(
    tmp_path: Path,
) -> None:
    rule = CUSTOM_RULE.replace("House policy.", "House policy (`limit`).")
    (tmp_path / "XX01.yaml").write_text(rule, encoding="utf-8")
    messages = tmp_path / "messages"
    messages.mkdir()
    docs = (
        "  docs:\n"
        "    what: Meldet Anträge über einer internen Prüfgrenze.\n"
        "    why: Hausregel (`limit`).\n"
        "    fail: Ein Antrag über 27.077,60 EUR.\n"
        "    pass: Ein Antrag über 12.000,00 EUR.\n"
    )
    (messages / "de.yaml").write_text(GERMAN + docs, encoding="utf-8")
    book = api.rulebook([tmp_path])
    spec = book.get("XX01")
    assert spec is not None
    assert book.docs(spec, "de") == (
        {
            "what": "Meldet Anträge über einer internen Prüfgrenze.",
            "why": "Hausregel (`limit`).",
            "fail": "Ein Antrag über 27.077,60 EUR.",
            "pass": "Ein Antrag über 12.000,00 EUR.",
        },
        "de",
    )
    assert book.docs(spec, "ja") == (spec.docs, "en")  # no Japanese: English, said to be


def test_documentation_mistakes_are_all_reported(tmp_path: Path) -> None:
    rule = CUSTOM_RULE.replace("House policy.", "House policy (`limit`).")
    (tmp_path / "XX01.yaml").write_text(rule, encoding="utf-8")
    messages = tmp_path / "messages"
    messages.mkdir()
    (messages / "de.yaml").write_text(
        GERMAN + "  docs:\n"
        "    what: Meldet Anträge über `review_limit`.\n"
        "    why: Hausregel.\n"
        "    fail: Ein Antrag über 27.077,60 EUR.\n"
        "    colour: rot\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigurationError) as raised:
        load_rulebook([tmp_path])
    problems = [str(p) for p in raised.value.problems]
    where = f"{messages / 'de.yaml'}:5: XX01.docs"
    expected = [
        (f"{where}.colour", "unknown section"),
        (f"{where}.pass", "the section is missing"),
        (f"{where}.what", "`review_limit` is not in the English text"),
        (f"{where}.why", "the English text's `limit` is missing"),
    ]
    for location, text in expected:
        assert any(p.startswith(location) and text in p for p in problems), (location, problems)
    assert len(problems) == len(expected)


def test_the_cli_says_untranslated_documentation_is_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "XX01.yaml").write_text(CUSTOM_RULE, encoding="utf-8")
    (tmp_path / "messages").mkdir()
    (tmp_path / "messages" / "de.yaml").write_text(GERMAN, encoding="utf-8")
    assert main(["rule", "XX01", "--rules", str(tmp_path), "--lang", "de"]) == 0
    out = capsys.readouterr().out
    assert "nur auf Englisch" in out and "What it checks\n  Flags claims above" in out
    assert main(["rule", "DT01", "--lang", "de"]) == 0
    out = capsys.readouterr().out
    assert "nur auf Englisch" not in out and "Was die Regel prüft\n  Prüft" in out
