"""The self-check page's form: what it offers (from the activity matrix), how the service reads
what a partner typed (amounts in the page's language, required fields, problems by field), and
every fixture claim typed into it getting the CLI's verdict and findings."""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from coop_rules import Report, check_claim
from coop_rules.claim.manifest import load_manifest
from coop_rules.errors import ConfigurationError
from coop_rules.i18n import catalogue, translate
from coop_rules.i18n.shown import term
from coop_rules.programs import load_program_data
from coop_rules.server.i18n import PAGE_LANGUAGES, strings
from coop_rules.server.pageform import (
    REQUIRED,
    FormProblems,
    manifest_from_form,
    page_programs,
    parse_amount,
)

from ..conftest import FIXTURES
from .conftest import client_for, manifest_of
from .page_form import findings_of, typed_amount, typed_form

CLAIMS = sorted(p.parent.name for p in FIXTURES.glob("*/claim.yaml"))


# -- what the form offers -------------------------------------------------------------------------


def test_activity_choices_are_the_matrix_of_each_fiscal_year_in_the_page_language() -> None:
    data = load_program_data()
    for lang in PAGE_LANGUAGES:
        offered = page_programs(lang)["matrices"]["microsoft"]
        assert set(offered) == {year for _, year in data.matrices}
        for year, activities in offered.items():
            matrix = data.matrices[("microsoft", year)]
            assert [a["id"] for a in activities] == list(matrix.activities)
            for activity in activities:
                # Named in every page language by the matrix itself (no English stand-in).
                assert lang in dict(matrix.activities[activity["id"]].title.items), activity
                assert activity["name"] == matrix.activities[activity["id"]].title.text(lang)
    german = {a["id"]: a["name"] for a in page_programs("de")["matrices"]["microsoft"]["FY25"]}
    assert german["microsoft-exams"] == "Microsoft-Prüfungen und Schulungsgebühren"
    korean = {a["id"]: a["name"] for a in page_programs("ko")["matrices"]["microsoft"]["FY25"]}
    assert korean["demo-units"] == "제품 시딩 및 데모 장비"
    # The old hard-coded suggestions that the matrix does not know are gone.
    for wrong in ("email", "partner-website", "customer-seminar", "tradeshow", "customer-offer"):
        assert wrong not in german


def test_what_an_activity_needs_comes_from_its_matrix_row() -> None:
    activities = {a["id"]: a for a in page_programs("en")["matrices"]["microsoft"]["FY24"]}
    # Per-person travel cap and a number of attendees; an exam counts its attendees.
    for needs_attendees in ("microsoft-hosted-conferences", "microsoft-exams", "internal-training"):
        assert activities[needs_attendees]["attendees"], needs_attendees
    assert not activities["digital-advertising"]["attendees"]
    assert activities["digital-advertising"]["metrics"] == [
        ["clicks", "ctr", "click_through_rate", "results"]
    ]
    assert activities["demo-units"]["metrics"] == []
    assert activities["tv-radio"]["preapproval"]
    assert not activities["print-advertising"]["preapproval"]
    assert page_programs("de")["metrics"]["clicks"] == term("metric", "clicks", "de")


def test_the_page_carries_the_programs_and_marks_every_required_field(client: TestClient) -> None:
    page = client.get("/?lang=ko").text
    carried = re.search(r'<script type="application/json" id="programs">(.*?)</script>', page)
    assert carried is not None and json.loads(carried[1]) == page_programs("ko")
    for name in REQUIRED:
        tag = page[page.index(f'id="f-{name}"') :].split(">", 1)[0]
        assert 'aria-required="true"' in tag, name
    claim_id = page[page.index('id="f-claim_id"') :].split(">", 1)[0]
    assert "required" not in claim_id
    assert strings("ko")["claim_id_help"] in html.unescape(page)


# -- amounts in the page's language -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("27.077,60", "de", "27077.60"),
        ("27077,60", "de", "27077.60"),
        ("27 077,60", "de", "27077.60"),
        ("1.500", "de", "1500"),
        ("1.284.530", "de", "1284530"),
        ("0,38", "de", "0.38"),
        ("27077.60", "de", "27077.60"),  # a dot before two digits is no grouping mark
        ("27,077.60", "de", "27077.60"),  # two marks: the last one is the decimal mark
        ("27,077.60", "en", "27077.60"),
        ("1,500", "en", "1500"),
        ("1.500", "en", "1.500"),
        ("27077,6", "en", "27077.6"),
        ("20,587,600", "ko", "20587600"),
        ("2633700", "ja", "2633700"),
        ("-5,00", "de", "-5.00"),
    ],
)
def test_amounts_as_typed(text: str, lang: str, expected: str) -> None:
    assert parse_amount(text, lang) == Decimal(expected)
    assert str(parse_amount(text, lang)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "12x",
        "1.2.3",
        "27.07,60",
        "1,2,3.4",
        ".5",
        "1..5",
        "1.500.5",
        "27,077,60",
        "€ 12",
        "12,",
        "1.000.",
    ],
)
def test_amounts_that_are_not_refused_never_guessed(text: str) -> None:
    for lang in ("en", "de"):
        with pytest.raises(ValueError):
            parse_amount(text, lang)


def test_a_typed_amount_reads_back_in_every_language() -> None:
    for lang in PAGE_LANGUAGES:
        for value in ("27077.60", "1500", "0.38", "20587600", "1234567.5"):
            assert parse_amount(typed_amount(value, lang), lang) == Decimal(value), (lang, value)


# -- the form read as a manifest -----------------------------------------------------------------


def _problems(form: dict[str, str], lang: str, uploaded: tuple[str, ...] = ()) -> dict[str, str]:
    with pytest.raises(FormProblems) as caught:
        manifest_from_form(form, lang, uploaded)
    problems = {p.location: p.message for p in caught.value.problems}
    assert len(problems) == len(caught.value.problems), "one problem a field"
    return problems


def test_an_empty_form_marks_every_required_field_and_says_no_documents() -> None:
    problems = _problems({}, "de")
    t = strings("de")
    assert problems == {
        **{name: translate("manifest_problem.missing", "de") for name in REQUIRED},
        "files": t["problem_no_documents"],
    }


def test_end_before_start_is_said_in_the_page_language_on_the_end_field() -> None:
    form = typed_form(manifest_of(FIXTURES / "compliant"), "de")
    dates = {
        "usage_period.start": "2024-06-30",
        "usage_period.end": "2024-01-01",
        "activity.end": "2024-02-01",
    }
    form |= dates
    problems = _problems(form, "de", ("x.pdf",))
    assert problems == {
        "usage_period.end": "das Ende (01.01.2024) liegt vor dem Beginn (30.06.2024)",
        "activity.end": "das Ende (01.02.2024) liegt vor dem Beginn (01.03.2024)",
    }
    korean = _problems(
        typed_form(manifest_of(FIXTURES / "compliant"), "ko") | dates, "ko", ("x.pdf",)
    )
    assert set(korean) == {"usage_period.end", "activity.end"}
    assert all("{" not in m and "start" not in m for m in korean.values())


def test_german_amounts_and_a_draft_claim_id() -> None:
    manifest = manifest_of(FIXTURES / "cp03-conference-travel-over-cap")
    form = typed_form(manifest, "de")
    assert form["claimed.amount"] == "27.077,60"
    assert form["attendees[0].cost.amount"] == "5.800,00"
    del form["claim_id"]
    for index in range(len(manifest["documents"])):
        form.pop(f"documents[{index}].subtype", None)
    form["documents[0].subtype"] = "photo"  # an invoice: a proof type is not its to have
    del form["attendees[0].cost.currency"]  # the claimed currency
    read = manifest_from_form(form, "de", ["a.pdf"])
    assert read["claim_id"] == "Entwurf"
    assert read["claimed"] == {"amount": "27077.60", "currency": "USD"}
    assert read["funds"]["earned"] == "40000.00"
    assert read["attendees"][0] == {
        "name": "Markus Hoffmann",
        "cost": {"amount": "5800.00", "currency": "USD"},
    }
    assert "subtype" not in read["documents"][0]
    assert read["partner"]["aliases"] == ["Contoso Marketing", "Contoso"]
    assert read["metrics"]["impressions"] == 1284530 and read["metrics"]["ctr"] == "0.38"


def test_problems_name_the_form_field_of_each_row() -> None:
    form = typed_form(manifest_of(FIXTURES / "cp03-conference-travel-over-cap"), "en")
    # Row 0 left empty (skipped), so row 1 is the manifest's attendees[0].
    form = {k: v for k, v in form.items() if not k.startswith(("attendees[", "metrics["))}
    form |= {
        "attendees[1].cost.amount": "12",
        "attendees[3].name": "B",
        "attendees[3].cost.amount": "9,9,9",
    }
    form |= {"metrics[0].key": "clicks", "metrics[1].key": "clicks", "metrics[1].value": "3"}
    form |= {"metrics[7].value": "1", "documents[2].role": "photo", "colour": "blue"}
    problems = _problems(form, "en", ("a.pdf",))
    missing = translate("manifest_problem.missing", "en")
    assert problems["attendees[1].name"] == missing
    assert problems["attendees[3].cost.amount"].startswith(
        "should be an amount written like 27,077.60"
    )
    assert problems["metrics[0].value"] == missing
    assert problems["metrics[7].key"] == missing
    assert problems["metrics[1].key"] == "given twice (got 'clicks')"
    assert problems["documents[2].role"].startswith("Input should be")
    assert problems["colour"] == "unknown field"


def test_the_page_and_the_cli_say_a_manifest_problem_in_the_same_sentence(
    tmp_path: Path,
) -> None:
    """One catalogue (``manifest_problem.*``): the page names the form field, the CLI the
    manifest path, and both say the same words after it, in every language."""
    manifest = manifest_of(FIXTURES / "compliant")
    manifest["usage_period"]["end"] = "2023-12-31"  # before its start
    manifest["funds"]["currency"] = "12"  # not an ISO code
    (tmp_path / "claim.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        load_manifest(tmp_path / "claim.json")
    english = {p.location: p.message for p in caught.value.problems}
    assert set(english) == {"usage_period.end", "funds.currency"}
    wrong = {"usage_period.end": "2023-12-31", "funds.currency": "12"}
    for lang in PAGE_LANGUAGES:
        cli = {p.location: p.text(lang) for p in caught.value.problems}
        typed = typed_form(manifest_of(FIXTURES / "compliant"), lang) | wrong
        page = _problems(typed, lang, ("x.pdf",))  # and claimed.currency: the funds' copied
        assert {k: page[k] for k in cli} == cli, lang
        if lang != "en":
            assert not set(cli.values()) & set(english.values()), lang


def test_the_page_catalogue_keeps_no_copy_of_the_manifest_problems() -> None:
    for lang in PAGE_LANGUAGES:
        sentences = {v for k, v in catalogue(lang).items() if k.startswith("manifest_problem.")}
        copies = {k for k, v in strings(lang).items() if v in sentences}
        assert not copies, (lang, copies)


# -- every fixture claim through the page's form: the CLI's verdict and findings -----------------


def _cli_report(
    folder: Path, manifest: dict[str, Any], tmp_path: Path, fixture_report: Callable[..., Report]
) -> Report:
    """The CLI's report of the claim the page sends: the manifest and the files it lists. A
    file in the fixture's folder that the manifest does not list (DC05) cannot be sent from
    the page, where every file gets a row and a role: the CLI then checks the folder without it.
    """
    listed = {d["path"] for d in manifest["documents"]} | {"claim.yaml"}
    if {p.name for p in folder.iterdir()} == listed:
        return fixture_report(folder.name, date.today())
    claim = tmp_path / folder.name
    claim.mkdir()
    for name in listed:
        shutil.copy(folder / name, claim / name)
    return check_claim(claim, today=date.today())


@pytest.mark.parametrize("name", CLAIMS)
def test_every_fixture_claim_typed_into_the_page_gets_the_cli_verdict_and_findings(
    name: str, client: TestClient, fixture_report: Callable[..., Report], tmp_path: Path
) -> None:
    """Typed in a language of the page (the claims take turns), with the documents the manifest
    lists, as a partner adds them."""
    folder = FIXTURES / name
    manifest = manifest_of(folder)
    lang = PAGE_LANGUAGES[CLAIMS.index(name) % len(PAGE_LANGUAGES)]
    form = typed_form(manifest, lang)
    files = [
        ("files", (d["path"], (folder / d["path"]).read_bytes())) for d in manifest["documents"]
    ]
    response = client.post(
        f"/check?lang={lang}",
        files=[("form", (None, json.dumps(form))), *files],
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    cli = _cli_report(folder, manifest, tmp_path, fixture_report).to_json()
    assert page["lang"] == lang
    assert (page["verdict"], findings_of(page)) == (cli["verdict"], findings_of(cli))


def test_the_page_route_needs_the_key_where_keys_are_set_and_a_form_object() -> None:
    files = [("form", (None, "{}")), ("files", ("a.pdf", b"%PDF-1.4"))]
    with client_for(api_keys=("k1",)) as keyed:
        assert keyed.post("/check", files=files).status_code == 401
        answer = keyed.post("/check?lang=de", files=files, headers={"X-API-Key": "k1"})
        assert answer.status_code == 422
        assert {p["location"] for p in answer.json()["problems"]} == set(REQUIRED)
    with client_for() as client:
        refused = client.post("/check", files=[("form", (None, "[1]"))])
        assert refused.status_code == 422
        assert "JSON object" in refused.json()["message"]


def test_a_refused_file_name_is_said_on_its_document_row_in_the_page_language(
    client: TestClient,
) -> None:
    """The page sends its files in the order of its rows: a name the service cannot keep (a
    hidden file's leading dot, the manifest's name) is a problem of that row, in German."""
    form = typed_form(manifest_of(FIXTURES / "compliant"), "de")
    files = [("a.pdf", b"%PDF-1.4"), (".versteckt.pdf", b"%PDF-1.4"), ("claim.json", b"{}")]
    response = client.post(
        "/check?lang=de",
        files=[("form", (None, json.dumps(form))), *(("files", f) for f in files)],
    )
    assert response.status_code == 422
    problems = {p["location"]: p["message"] for p in response.json()["problems"]}
    got = "manifest_problem.got"
    assert problems == {
        "documents[1].role": translate(
            got, "de", problem=translate("upload_problem.dot", "de"), value="'.versteckt.pdf'"
        ),
        "documents[2].role": translate(
            got, "de", problem=translate("upload_problem.manifest_name", "de"), value="'claim.json'"
        ),
    }
    assert problems["documents[1].role"].startswith("der Dateiname darf nicht mit einem Punkt")
