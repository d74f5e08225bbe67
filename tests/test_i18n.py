"""Languages: the UI catalogues, English fallback, dates and amounts per language, and reports
in each language from the API, the renderers and the command line."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import jsonschema
import pytest
from openpyxl import load_workbook

from coop_rules import CoopRulesError, Report, check_claim, i18n
from coop_rules.batch import Options, find_claims, run_batch
from coop_rules.cli import main
from coop_rules.documents.model import ProblemKind
from coop_rules.renderers import get_renderer
from coop_rules.report.schema import REPORT_SCHEMA

from .conftest import FIXTURES
from .renderers.test_html import Page

TODAY = date(2024, 7, 20)
OTHERS = [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT_LANG]


@pytest.fixture(scope="module")
def late() -> dict[str, Report]:
    """The late-submission claim checked once per language (DT01: submitted 2024-09-02)."""
    return {
        lang: check_claim(FIXTURES / "dt01-late-submission", today=TODAY, lang=lang)
        for lang in i18n.LANGUAGES
    }


@pytest.mark.parametrize("lang", OTHERS)
def test_ui_catalogue_keys_and_placeholders_match_english(lang: str) -> None:
    english, ours = i18n.catalogue("en"), i18n.catalogue(lang)
    problem_keys = {
        f"problem.{part}.{kind}" for part in ("reason", "advice") for kind in ProblemKind
    }
    assert set(ours) - set(english) - problem_keys == set(), "keys English does not have"
    for key, text in ours.items():
        if key in english:
            assert i18n.placeholders(text) == i18n.placeholders(english[key]), key
    assert set(problem_keys) <= set(ours), "every read problem is explained"


def test_missing_translation_falls_back_to_english(monkeypatch: pytest.MonkeyPatch) -> None:
    german = {k: v for k, v in i18n.catalogue("de").items() if k != "report.findings"}
    real = i18n.catalogue
    monkeypatch.setattr(i18n, "catalogue", lambda lang: german if lang == "de" else real(lang))
    assert i18n.translate("report.findings", "de") == "Findings"
    assert i18n.translate("report.documents", "de") == "Dokumente"
    assert i18n.translate_count("count.warning", 2, "de") == "2 Warnungen"
    with pytest.raises(KeyError):
        i18n.translate("no.such.key", "de")


@pytest.mark.parametrize(
    ("lang", "day", "euros", "yen"),
    [
        ("en", "2024-12-31", "1,234.56 EUR", "1,234.56 JPY"),
        ("de", "31.12.2024", "1.234,56\xa0€", "1.235\xa0¥"),  # CLDR: a no-break space
        ("ko", "2024. 12. 31.", "€1,234.56", "JP¥1,235"),
        ("zh-Hant", "2024年12月31日", "€1,234.56", "¥1,235"),
        ("ja", "2024/12/31", "€1,234.56", "￥1,235"),
    ],
)
def test_dates_and_amounts_follow_the_language(lang: str, day: str, euros: str, yen: str) -> None:
    assert i18n.format_date(date(2024, 12, 31), lang) == day
    assert i18n.format_money(Decimal("1234.56"), "EUR", lang) == euros
    assert i18n.format_money(Decimal("1234.56"), "JPY", lang) == yen


def test_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(CoopRulesError, match=r"unknown language 'fr'.*zh-Hant"):
        check_claim(FIXTURES / "compliant", today=TODAY, lang="fr")


@pytest.mark.parametrize(
    ("lang", "submitted", "usage_end", "verdict"),
    [
        ("en", "2024-09-02", "2024-06-30", "FAIL"),
        ("de", "02.09.2024", "30.06.2024", "NICHT BESTANDEN"),
        ("ko", "2024. 9. 2.", "2024. 6. 30.", "반려"),
        ("zh-Hant", "2024年9月2日", "2024年6月30日", "不通過"),
        ("ja", "2024/09/02", "2024/06/30", "不合格"),
    ],
)
def test_a_claim_checked_in_each_language(
    late: dict[str, Report], lang: str, submitted: str, usage_end: str, verdict: str
) -> None:
    report = late[lang]
    (dt01,) = [f for f in report.findings if f.code == "DT01"]
    assert submitted in dt01.message and usage_end in dt01.message
    if lang != "en":  # translated, not English with local dates
        assert dt01.message != next(f.message for f in late["en"].findings if f.code == "DT01")
        assert dt01.title and dt01.title != dt01.name
        assert dt01.hint != next(f.hint for f in late["en"].findings if f.code == "DT01")
    # The machine-readable parts do not change with the language.
    data = report.to_json()
    jsonschema.validate(data, REPORT_SCHEMA)
    assert data["lang"] == lang
    (dt01_json,) = [f for f in data["findings"] if f["code"] == "DT01"]
    assert dt01_json["values"]["claim.submission_date"] == "2024-09-02"
    assert data["verdict"] == "fail" and dt01_json["name"] == dt01.name
    text = get_renderer("terminal").report(report)
    assert verdict in text and dt01.message in text


def test_amounts_in_messages_are_localised() -> None:
    report = check_claim(FIXTURES / "am01-exceeds-remaining-funds", today=TODAY, lang="de")
    (am01,) = [f for f in report.findings if f.code == "AM01"]
    assert "5.000,00\xa0€" in am01.message and am01.message.startswith("Beantragt sind ")
    assert report.findings[0].severity == "error"


def test_html_report_speaks_the_report_language(late: dict[str, Report]) -> None:
    for lang, heading in (("en", "Findings"), ("de", "Befunde"), ("ja", "指摘事項")):
        page = Page(get_renderer("html").report(late[lang]))
        (html,) = page.all("html")
        assert html["lang"] == lang
        assert heading in page.plain
        (dt01,) = [f for f in late[lang].findings if f.code == "DT01"]
        assert dt01.message in page.plain and dt01.display_title in page.plain
    german = Page(get_renderer("html").report(late["de"])).plain
    assert "Originale aufbewahren bis" in german and "Geprüft am 20.07.2024" in german
    assert "Keep the originals" not in german and "What to do" not in german


def test_xlsx_report_speaks_the_report_language(late: dict[str, Report]) -> None:
    workbook = load_workbook(BytesIO(get_renderer("xlsx").report(late["ko"])))
    assert workbook.sheetnames == ["요약", "발견 사항", "문서", "추출된 항목"]
    rows = list(workbook["발견 사항"].iter_rows(values_only=True))
    assert rows[0][:3] == ("심각도", "코드", "규칙")
    (dt01,) = [row for row in rows if row[1] == "DT01"]
    assert dt01[0] == "오류" and dt01[2] == "마감 후 제출된 청구" and "2024. 9. 2." in str(dt01[6])


def test_unreadable_documents_are_explained_in_the_language() -> None:
    report = check_claim(FIXTURES / "rd01-unreadable-document", today=TODAY, lang="zh-Hant")
    html = get_renderer("html").report(report)
    reason = i18n.translate("problem.reason.encrypted", "zh-Hant")
    assert reason == "檔案已加密或受密碼保護" and reason in html
    assert i18n.translate("problem.advice.encrypted", "zh-Hant") in html


def test_cli_lang(capsys: pytest.CaptureFixture[str]) -> None:
    claim = str(FIXTURES / "dt01-late-submission")
    code = main(["check", claim, "--today", "2024-07-20", "--lang", "de", "--format", "json"])
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert code == 1 and report["lang"] == "de"
    (dt01,) = [f for f in report["findings"] if f["code"] == "DT01"]
    assert "02.09.2024" in dt01["message"] and dt01["title"] == "Antrag nach Fristende eingereicht"
    assert "1 Fehler" in err  # the summary line speaks German too


def test_cli_unknown_lang_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["check", str(FIXTURES / "compliant"), "--lang", "fr"])
    assert raised.value.code == 2
    assert "--lang" in capsys.readouterr().err


def test_batch_reports_and_index_in_the_language(tmp_path: Path) -> None:
    claims = tmp_path / "claims"
    claims.mkdir()
    (claims / "late").symlink_to(FIXTURES / "dt01-late-submission")
    out = tmp_path / "out"
    options = Options(format="html", today=TODAY, lang="ja")
    result = run_batch(find_claims([claims]), out, options, jobs=1)
    (claim,) = result.results
    assert claim.summary.startswith("エラー 1 件") and claim.verdict == "fail"
    index = Page((out / "index.html").read_text(encoding="utf-8"))
    assert index.all("html")[0]["lang"] == "ja" and "審査キュー" in index.plain
    report = Page((out / "dt01-late-submission.html").read_text(encoding="utf-8"))
    assert report.all("html")[0]["lang"] == "ja" and "2024/09/02" in report.plain


def test_english_amounts_use_cldrs_minor_units_without_babel() -> None:
    from babel import Locale
    from babel.numbers import get_currency_precision

    from coop_rules.i18n import MINOR_UNITS

    for code in Locale("en").currencies:
        assert MINOR_UNITS.get(code, 2) == get_currency_precision(code), code
