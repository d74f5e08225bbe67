"""Every fixture claim's HTML report in every language coop-rules speaks besides English, and
the self-check page around it, hold no English words apart from names and values.

The check is :func:`tests.english.english_in`: a word that coop-rules's English texts (or
common English) use and the report's language does not, outside what the report quotes. It is
a real check: the English report itself, read as if it were German, is full of such words.
"""

from __future__ import annotations

import dataclasses
import html
from datetime import date

import pytest
from fastapi.testclient import TestClient

from coop_rules import Report, check_claim
from coop_rules.api import rulebook
from coop_rules.i18n import catalogue, note_text, placeholders, translate
from coop_rules.i18n.shown import field_label, term
from coop_rules.renderers.html import HtmlRenderer
from coop_rules.renderers.terminal import TerminalRenderer
from coop_rules.server.app import create_app
from coop_rules.server.i18n import PAGE_LANGUAGES, strings
from coop_rules.vocab import LANGUAGES

from ..conftest import FIXTURES
from ..english import english_in

TODAY = date(2024, 7, 20)
CLAIMS = sorted(p.name for p in FIXTURES.iterdir() if (p / "claim.yaml").is_file())
OTHERS = [lang for lang in LANGUAGES if lang != "en"]


@pytest.mark.parametrize("lang", OTHERS)
def test_reports_have_no_english(lang: str) -> None:
    """The HTML report and the terminal's, of every fixture claim."""
    found = {}
    for name in CLAIMS:
        report = check_claim(FIXTURES / name, today=TODAY, lang=lang)
        english = english_in(HtmlRenderer().report(report), lang)
        if english:
            found[name] = english
        english = english_in(terminal_page(report), lang, also_quoted=quoted_names(report))
        if english:
            found[f"{name} (terminal)"] = english
    assert found == {}


def terminal_page(report: Report) -> str:
    """The terminal report as a page of lines, for :func:`english_in`."""
    text = TerminalRenderer().report(report)
    return "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines())


def quoted_names(report: Report) -> list[str]:
    """What the terminal quotes, as the HTML report marks it ``translate="no"`` or ``<q>``: the
    claim's ID, file names, the values read, the evidence's text as written, and field paths that
    have no name for people (a rule file's ``periods.FY24-H2.window``)."""
    names = [report.claim_id]
    for document in report.documents:
        names += [document.path, *(str(found.value) for found in document.fields.values())]
    for finding in report.findings:
        names.append(finding.subject)
        for evidence in finding.evidence:
            names += [evidence.file, evidence.text]
            if evidence.field and field_label(evidence.field, "input") is None:
                names.append(evidence.field)
    return names


def test_the_terminal_check_finds_english() -> None:
    """The English terminal report, read as German, fails; its places are said in German."""
    report = check_claim(FIXTURES / "dt01-late-submission", today=TODAY)
    assert {"submitted", "rejected", "evidence", "hint"} <= english_in(
        terminal_page(report), "de", quoted_names(report)
    ).keys()
    german = TerminalRenderer().report(check_claim(FIXTURES / "dt01-late-submission", lang="de"))
    assert f"claim.yaml {term('input', 'usage_period.end', 'de')} " in german
    assert "usage_period.end" not in german


def test_the_check_finds_english() -> None:
    """The same test on the English report, read as German and as Korean, fails loudly."""
    html = HtmlRenderer().report(check_claim(FIXTURES / "am04-claimed-not-supported", today=TODAY))
    for lang in ("de", "ko"):
        found = english_in(html, lang)
        assert {"findings", "errors", "rejected", "below", "the"} <= found.keys(), found.keys()


def test_an_english_evidence_note_is_found() -> None:
    """A note the catalogues cannot translate shows, and is reported, as English."""
    page = '<html lang="de"><body><p>S. 1 <span class="note">(written by hand)</span></p>'
    assert set(english_in(page, "de")) == {"written", "by"}


@pytest.mark.parametrize("lang", [lang for lang in PAGE_LANGUAGES if lang != "en"])
def test_self_check_page_has_no_english(lang: str) -> None:
    client = TestClient(create_app())
    page = client.get(f"/?lang={lang}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert english_in(page.text, lang) == {}
    # The page's script shows the rest of its strings later (verdicts, errors): they count too.
    later = "".join(f"<p>{html.escape(text)}</p>" for text in strings(lang).values())
    assert english_in(later, lang) == {}
    rule = client.get(f"/rules/AM04?lang={lang}", headers={"Accept": "text/html"})
    assert rule.status_code == 200 and english_in(rule.text, lang) == {}


# Every language besides English translates every rule's documentation (what, why, examples).
DOCS_LANGUAGES = OTHERS


@pytest.mark.parametrize("lang", DOCS_LANGUAGES)
def test_every_rule_page_documents_the_rule_in_the_language(lang: str) -> None:
    client = TestClient(create_app())
    book = rulebook()
    found = {}
    for spec in book:
        docs, docs_lang = book.docs(spec, lang)
        assert docs_lang == lang and docs != spec.docs, spec.code
        page = client.get(f"/rules/{spec.code}?lang={lang}", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert translate("rule_doc.why", lang) in page.text, spec.code
        assert html.escape(docs["why"].split("`")[0][:40]) in page.text, spec.code
        english = english_in(page.text, lang)
        if english:
            found[spec.code] = english
    assert found == {}


@pytest.mark.parametrize("lang", DOCS_LANGUAGES)
def test_the_report_documents_its_findings_rules_in_the_language(lang: str) -> None:
    report = check_claim(FIXTURES / "dt01-late-submission", today=TODAY, lang=lang)
    (finding,) = [f for f in report.findings if f.code == "DT01"]
    assert finding.docs_lang == lang and finding.docs == rulebook().local("DT01", lang).docs
    page = HtmlRenderer().report(report)
    assert translate("rule_doc.english_only", lang) not in page
    assert html.escape(finding.docs["fail"]) in page


def test_documentation_not_translated_is_said_to_be_english_and_not_shown() -> None:
    """A rule of a ``--rules`` folder whose catalogue has no documentation in the language."""
    report = check_claim(FIXTURES / "dt01-late-submission", today=TODAY, lang="de")
    (finding,) = [f for f in report.findings if f.code == "DT01"]
    english = rulebook().get("DT01")
    assert english is not None
    untranslated = dataclasses.replace(finding, docs=english.docs, docs_lang="en")
    page = HtmlRenderer().report(dataclasses.replace(report, findings=(untranslated,)))
    assert translate("rule_doc.english_only", "de") in page
    assert html.escape(english.docs["fail"]) not in page and english_in(page, "de") == {}


@pytest.mark.parametrize("lang", PAGE_LANGUAGES)
def test_one_name_for_each_verdict(lang: str) -> None:
    """The page's verdict line starts with the report banner's word for that verdict."""
    for verdict in ("pass", "review", "fail"):
        word = translate(f"verdict.{verdict}", lang)
        line = strings(lang)[f"verdict_{verdict}"]
        assert line.casefold().startswith(word.casefold()), (lang, word, line)


def test_notes_are_said_part_by_part() -> None:
    note = "label: Zwischensumme; subtotal + tax = total; written by hand"
    assert note_text(note, "de") == (
        "Bezeichnung „Zwischensumme“; Zwischensumme + Steuer = Summe; written by hand"
    )
    assert note_text("3 invoices and CSRs", "ko") == "청구서와 CSR 3건"
    assert note_text(note, "en") == note


@pytest.mark.parametrize("lang", OTHERS)
def test_the_report_vocabulary_is_complete(lang: str) -> None:
    """Every name and note a report shows exists in each language, with the same placeholders."""
    groups = ("note.", "term.field.", "term.fact.", "term.input.", "term.role.", "term.kind.")
    english, local = catalogue("en"), catalogue(lang)
    for key, text in english.items():
        if key.startswith(groups):
            assert key in local, key
            assert placeholders(local[key]) == placeholders(text), key


@pytest.mark.parametrize("lang", PAGE_LANGUAGES)
def test_roles_are_named_as_the_page_names_them(lang: str) -> None:
    """A report calls a document's role what the page's role choice calls it."""
    for role in ("invoice", "csr", "poe", "metrics", "other"):
        name, choice = term("role", role, lang), strings(lang)[f"role_{role}"]
        assert choice.casefold().startswith(name.casefold()), (lang, name, choice)
