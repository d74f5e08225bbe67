"""Values inside messages speak the partner's language: activity names, proof subtypes, metrics,
document kinds and roles, invoice fields, review texts, exclusions, rates, read problems, the
reasons a rule could not be checked, and the command line's summary and rule listings.

The facts stay machine values (``demo-units``); only their shown form is localised."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from coop_rules import check_claim, i18n
from coop_rules.api import check_facts, programs, rulebook
from coop_rules.claim import load_claim
from coop_rules.claim.manifest import PoeSubtype, Role
from coop_rules.cli import main
from coop_rules.engines import Hit, Outcome
from coop_rules.errors import ConfigurationError
from coop_rules.extraction import extract_file
from coop_rules.extraction.model import DocumentKind
from coop_rules.facts import Value, facts_from_data
from coop_rules.facts.build import claim_facts
from coop_rules.facts.document_values import CORE_FIELDS
from coop_rules.i18n.shown import Listing, Percent, Phrase, Term, Texts
from coop_rules.programs import load_program_data
from coop_rules.report import findings_from_hits

from .conftest import FIXTURES

TODAY = date(2024, 7, 20)


def _message(code: str, report_or_findings: object) -> str:
    findings = getattr(report_or_findings, "findings", report_or_findings)
    (finding,) = [f for f in findings if f.code == code]  # type: ignore[attr-defined]
    return finding.message


def test_german_cap_names_the_activity_not_its_key() -> None:
    report = check_claim(FIXTURES / "cp01-demo-units-over-cap", today=TODAY, lang="de")
    message = _message("CP01", report)
    assert "Obergrenzengruppe „Produktmuster und Vorführgeräte“" in message
    assert "demo-units" not in message and "27.077,60" in message
    # the fact the rules compared is still the key
    (cp01,) = [f for f in report.findings if f.code == "CP01"]
    english = check_claim(FIXTURES / "cp01-demo-units-over-cap", today=TODAY)
    assert "cap group “Product seeding and demo units”" in _message("CP01", english)
    assert cp01.values == next(f.values for f in english.findings if f.code == "CP01")


def _direct_mail_without_proof(lang: str) -> str:
    """AC01 of a direct-mail claim with no proof at all: both proof groups are missing."""
    claim = load_claim(FIXTURES / "ac01-seminar-without-photos", extract=extract_file)
    manifest = claim.manifest.model_copy(
        update={"activity": claim.manifest.activity.model_copy(update={"type": "direct-mail"})}
    )
    documents = tuple(d for d in claim.documents if d.role is not Role.POE)
    claim = replace(claim, manifest=manifest, documents=documents)
    facts = claim_facts(claim, TODAY, program_data=programs())
    assert facts.claim.lookup("claim.missing_proof") == (
        "communication or email; distribution or email or photo"
    )
    return _message("AC01", check_facts(facts, rulebook(), "python", lang))


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "“Direct mail, e-mail or SMS” needs proof of execution it does not have: "
               "communication or e-mail; proof of distribution, e-mail, or photo."),
        ("de", "„Direktmailing, E-Mail oder SMS“ fehlen erforderliche Durchführungsnachweise: "
               "finales Werbemittel oder E-Mail; Versandnachweis, E-Mail oder Foto."),
        ("ko", "최종 홍보물 또는 이메일; 발송 증빙, 이메일 또는 사진."),
        ("zh-Hant", "「直效郵件、電子郵件或簡訊」活動的申請缺少必要的執行證明："
                    "最終宣傳物或電子郵件；寄送證明、電子郵件或照片。"),
        ("ja", "「ダイレクトメール、メールまたは SMS」の活動の申請に必要な実施証明がありません："
               "最終制作物またはメール；送付の証明、メール、または写真。"),
    ],
)  # fmt: skip
def test_missing_proof_is_listed_as_the_language_lists(lang: str, expected: str) -> None:
    assert expected in _direct_mail_without_proof(lang)


def test_review_text_and_metrics_come_from_the_matrix_in_the_language() -> None:
    report = check_claim(FIXTURES / "ac02-exam-without-attendees", today=TODAY, lang="zh-Hant")
    assert _message("AC02", report).endswith("申請中未填寫：出席人數。")
    assert "發票上須載明課程或考試代碼" in _message("AC03", report)
    assert "attendee" not in _message("AC03", report)


def test_could_not_check_reasons_are_translated(tmp_path: Path) -> None:
    # Rates with neither GBP nor USD: nothing converts, the gaps say why.
    rates = tmp_path / "eurofxref-hist.csv"
    rates.write_text("Date,JPY,\n2024-07-19,170.00,\n", encoding="utf-8")
    german = check_claim(
        FIXTURES / "am03-document-in-other-currency", today=TODAY, lang="de", rates=rates
    )
    assert "(invoice-emerald-reach-ERM-24-1093.pdf lautet auf GBP, nicht auf EUR)" in _message(
        "AM04", german
    )
    japanese = check_claim(
        FIXTURES / "cp02-conference-four-attendees", today=TODAY, lang="ja", rates=rates
    )
    cap = _message("CP01", japanese)
    assert "上限は $45,000.00 で、申請は EUR 建てです。換算は審査担当者が行います" in cap
    assert "reviewer" not in cap
    english = check_claim(FIXTURES / "cp02-conference-four-attendees", today=TODAY, rates=rates)
    assert "(the cap is 45,000.00 USD, the claim is in EUR: a reviewer converts)" in _message(
        "CP01", english
    )


def test_read_problem_is_explained_not_quoted() -> None:
    report = check_claim(FIXTURES / "rd01-unreadable-document", today=TODAY, lang="de")
    message = _message("RD01", report)
    assert message == (
        "signed-contract.pdf konnte nicht gelesen werden: "
        "die Datei ist verschlüsselt oder mit einem Passwort geschützt."
    )


def _render(code: str, lang: str, claim: dict, doc: dict, shown: dict[str, object]) -> str:
    """One rule's message on facts given as data, with shown forms as derived facts carry."""
    facts = facts_from_data({"id": "C-1", **claim}, [doc] if doc else [])
    fact = facts.documents[0] if doc else facts.claim
    values = dict(fact.values)
    for name, form in shown.items():
        values[name] = replace(values[name], shown=form)  # type: ignore[arg-type]
    fact = replace(fact, values=values)
    facts = replace(facts, documents=(fact,)) if doc else replace(facts, claim=fact)
    book = rulebook()
    hits = [Hit(code, fact.id, Outcome.VIOLATED)]
    findings = findings_from_hits(
        hits, facts, {r.code: r for r in book}, lang, book.messages.get(lang)
    )
    return findings[0].message


def test_vat_rate_kind_role_fields_and_exclusion_are_localised() -> None:
    rate = {"doc.vat_rate": Percent(Decimal("13.66"))}
    doc = {"file": "r.pdf", "vat_rate": "13.7 %"}
    assert "Höhe von 13,7\xa0% der Zwischensumme" in _render("IN08", "de", {}, doc, rate)
    assert "小計の 13.7% で" in _render("IN08", "ja", {}, doc, rate)
    assert "tax at 13.7 % of the subtotal" in _render("IN08", "en", {}, doc, rate)

    kind = {"doc.kind": Term("kind", "quote"), "doc.role": Term("role", "invoice")}
    doc = {"file": "q.pdf", "kind": "quote", "role": "invoice"}
    assert "als Angebot erkannt" in _render("IN05", "de", {}, doc, kind)
    assert "「見積書」と判定" in _render("IN05", "ja", {}, doc, kind)
    assert "「報價單」，因此視為「發票」文件" in _render("DC05", "zh-Hant", {}, doc, kind)

    missing = ["invoice_number", "issue_date", "total"]
    fields = {"doc.missing_core": Listing(tuple(Term("field", n) for n in missing))}
    doc = {"file": "i.pdf", "missing_core": ", ".join(missing)}
    assert "請求書番号、発行日、合計額" in _render("IN01", "ja", {}, doc, fields)
    assert "Rechnungsnummer, Rechnungsdatum und Summe" in _render("IN01", "de", {}, doc, fields)
    assert "invoice number, issue date, and total." in _render("IN01", "en", {}, doc, fields)

    activity = Texts.of({"en": "Employee purchase web setup", "de": "Website für Mitarbeiterkäufe"})
    tags = Listing((Term("tag", "surface-add"),))
    exclusion = {"claim.exclusion": Phrase.of("phrase.excluded", activity=activity, programs=tags)}
    claim = {"exclusion": "Employee purchase web setup is not eligible in surface-add programs"}
    german = _render("PG02", "de", claim, {}, exclusion)
    assert "„Website für Mitarbeiterkäufe“ ist in Programmen vom Typ Surface ADD" in german
    english = _render("PG02", "en", claim, {}, exclusion)
    assert english == "Employee purchase web setup is not eligible in Surface ADD programs."


def test_a_value_without_a_shown_form_shows_as_it_is() -> None:
    doc = {"file": "q.pdf", "kind": "quote", "role": "invoice"}
    assert "als quote erkannt" in _render("IN05", "de", {}, doc, {})


def test_every_key_the_data_uses_has_an_english_display_name() -> None:
    english = i18n.catalogue("en")
    program_data = load_program_data()
    used: set[str] = set()
    used |= {f"term.subtype.{s}" for s in PoeSubtype}
    used |= {f"term.kind.{k}" for k in DocumentKind}
    used |= {f"term.role.{r}" for r in Role}
    used |= {f"term.field.{f}" for f in (*CORE_FIELDS, "vendor_tax_id", "line_descriptions")}
    used |= {f"term.tag.{t}" for p in program_data.profiles for t in p.tags}
    for matrix in program_data.matrices.values():
        for activity in matrix.activities.values():
            used |= {f"term.subtype.{s}" for group in activity.proof for s in group}
            used |= {f"term.metric.{m}" for group in activity.metrics for m in group}
            used |= {f"term.tag.{t}" for t in activity.excluded_for}
            # a cap group shows as the activity of the same id
            for cap in (activity.cap, activity.surface_cap):
                assert cap is None or cap.group in matrix.activities, cap
    missing = sorted(key for key in used if not english.get(key))
    assert missing == [], f"no English display name for {missing}"


def test_every_bundled_activity_is_named_in_every_language() -> None:
    for matrix in load_program_data().matrices.values():
        for activity in matrix.activities.values():
            names = dict(activity.title.items)
            assert set(names) == set(i18n.LANGUAGES), (matrix.fiscal_year, activity.id)
            if activity.review_texts is not None:
                assert set(dict(activity.review_texts.items)) == set(i18n.LANGUAGES), activity.id


def test_matrix_texts_per_language_are_validated(tmp_path: Path) -> None:
    (tmp_path / "matrix").mkdir()
    path = tmp_path / "matrix" / "acme.yaml"
    path.write_text(
        "matrix: acme\n"
        "fiscal_year: FY25\n"
        "activities:\n"
        "  webinar:\n"
        "    name: {de: Webinar}\n"
        "    review: {en: The recording shows the product., fr: L'enregistrement}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigurationError) as raised:
        load_program_data([tmp_path])
    problems = [str(p) for p in raised.value.problems]
    assert any(
        p.startswith(f"{path}:5: activities.webinar.name: the en text is required")
        for p in problems
    ), problems
    assert any(
        p.startswith(f"{path}:6: activities.webinar.review.fr: not a language") for p in problems
    ), problems


def test_cli_summary_and_rule_listings_speak_the_language(
    capsys: pytest.CaptureFixture[str],
) -> None:
    claim = str(FIXTURES / "dt01-late-submission")
    main(["check", claim, "--today", "2024-07-20", "--lang", "de", "--format", "json"])
    err = capsys.readouterr().err
    assert "dt01-late-submission: nicht bestanden (1 Fehler" in err and "fail" not in err
    main(["check", claim, "--today", "2024-07-20", "--lang", "ja", "--format", "json"])
    assert "dt01-late-submission：不合格（エラー 1 件" in capsys.readouterr().err

    assert main(["rules", "--lang", "ja"]) == 0
    out = capsys.readouterr().out
    assert "DT01  エラー" in out and "締め切り後に提出された申請" in out
    assert f"ルール {len(list(rulebook()))} 件" in out

    assert main(["rule", "DT01", "--lang", "de"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("DT01 Antrag nach Fristende eingereicht (claim-submitted-after-deadline)")
    assert "Schweregrad: Fehler" in out and "Meldung:" in out and "Eingereicht am" in out
    # The documentation in German too, its identifiers as they are.
    assert "nur auf Englisch" not in out and "What it checks" not in out
    assert "Was die Regel prüft\n  Prüft, ob der Antrag" in out and "`deadline_days` (45)" in out
    assert main(["rule", "DT01", "--lang", "zh-Hant"]) == 0
    assert "檢查申請是否在申請期間結束前提交" in capsys.readouterr().out

    assert main(["rule", "AC01", "--lang", "ko", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["lang"] == "ko" and data["title"] == "필수 실행 증빙 없음"
    assert "실행 증빙" in data["message"] and data["name"] == "required-proof-missing"


def test_english_listings_show_titles(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("code  severity req.    title\n")
    assert "DT01  error    R1      Claim submitted after the deadline" in out
    main(["check", str(FIXTURES / "dt01-late-submission"), "--today", "2024-07-20"])
    assert "dt01-late-submission: fail (1 error" in capsys.readouterr().err


def test_value_keeps_the_machine_value() -> None:
    value = Value("demo-units", shown=Texts.of({"en": "Demo units", "de": "Vorführgeräte"}))
    assert value.value == "demo-units" and str(value.shown) == "Demo units"
