"""The self-check page as a partner uses it: headless Chromium fills the form and uploads a claim.

Playwright drives Debian's Chromium (``/usr/bin/chromium``, installed by ``.ci/run``); nothing is
downloaded. The test skips, saying so, only where that browser is missing. The service runs in
a thread on a free loopback port. Screenshots are kept in ``test-artifacts/``.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Page, expect, sync_playwright

from coop_rules import Report
from coop_rules.i18n import translate
from coop_rules.server.app import create_app
from coop_rules.server.i18n import strings
from coop_rules.server.pageform import REQUIRED, page_programs

from ..conftest import FIXTURES, REPO
from .conftest import manifest_of
from .page_form import typed_form

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no /usr/bin/chromium here (.ci/run installs Debian's chromium)"
)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(30)


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser.new_page(viewport={"width": 1100, "height": 900})
        browser.close()


def _fill_claim(page: Page, folder: Path, lang: str) -> dict[str, Any]:
    """Type a fixture claim into the form as a partner would in ``lang`` (page_form.typed_form:
    amounts in the language's way, the sections the activity shows) and add its documents."""
    manifest = manifest_of(folder)
    form = typed_form(manifest, lang)
    for name, value in form.items():
        if name.startswith("documents["):
            continue
        row = re.match(r"^(attendees|metrics)\[(\d+)\]", name)
        if row:
            section = page.locator(f"#{row[1]}")
            expect(section).to_be_visible()  # the activity's matrix row asks for it
            while section.locator("li.row").count() <= int(row[2]):
                section.locator("button.add").click()
        if re.match(r"^metrics\[\d+\]\.key$", name):  # a result by its name, as the box shows it
            value = page_programs(lang)["metrics"].get(value, value)
        _type(page, name, value)
    documents = manifest["documents"]
    page.set_input_files("#f-files", [str(folder / d["path"]) for d in documents])
    rows = page.locator("#file-list li")
    expect(rows).to_have_count(len(documents))
    for index, document in enumerate(documents):
        expect(rows.nth(index).locator(".name")).to_have_text(document["path"])
        for name, value in form.items():
            if name.startswith(f"documents[{index}].") and not name.endswith(".path"):
                _type(page, name, value)
    return manifest


def _type(page: Page, name: str, value: str) -> None:
    control = page.locator(f'[name="{name}"]')
    if control.evaluate("e => e.tagName") == "SELECT":
        control.select_option(value)
    else:
        control.fill(value)


def _report_findings(page: Page, claim_id: str) -> list[tuple[str, str, str]]:
    """The findings the report in the page's frame shows: code, severity and subject."""
    found = (
        page.frame_locator("#report")
        .locator("article.finding")
        .evaluate_all(
            """articles => articles.map(a => [
            a.querySelector('.code').textContent.trim(),
            [...a.classList].find(c => c.startsWith('sev-')).slice(4),
            (a.querySelector('p.meta code') || {}).textContent || null,
        ])"""
        )
    )
    return sorted((code, severity, subject or claim_id) for code, severity, subject in found)


def _submit(page: Page) -> None:
    # Submitted from the keyboard, as a partner without a mouse would.
    page.focus("#submit")
    page.keyboard.press("Enter")
    expect(page.locator("#status[data-verdict]")).to_be_visible(timeout=60_000)


# Several fixture claims typed in English, German and Korean: an event with attendees and
# their costs (conference travel over the per-person cap), claims with results (metrics), a
# claimed currency that is not the funds', a document date as entered.
PARITY = [
    ("compliant", "en"),
    ("cp03-conference-travel-over-cap", "de"),
    ("compliant-ko", "ko"),
    ("ac02-exam-without-attendees", "ko"),
    ("am02-currency-differs-from-funds", "de"),
    ("dt08-entered-date-weeks-off", "en"),
    ("cp02-conference-four-attendees", "ko"),
]


@pytest.mark.parametrize(("name", "lang"), PARITY)
def test_partner_typing_a_claim_gets_the_cli_verdict_and_findings(
    page: Page, base_url: str, name: str, lang: str, fixture_report: Callable[..., Report]
) -> None:
    folder = FIXTURES / name
    page.goto(f"{base_url}/?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    manifest = _fill_claim(page, folder, lang)
    _submit(page)
    cli = fixture_report(name, date.today())
    status = page.locator("#status")
    expect(status).to_have_attribute("data-verdict", str(cli.verdict))
    expect(status).to_contain_text(strings(lang)[f"verdict_{cli.verdict}"])
    expected = sorted((f.code, str(f.severity), f.subject) for f in cli.findings)
    listed = {d["path"] for d in manifest["documents"]}
    # A file of the fixture's folder that the manifest does not list cannot be sent from the
    # page (every file added gets a row): the CLI's DC05 for it is the one difference.
    expected = [f for f in expected if not (f[0] == "DC05" and f[2] not in listed)]
    assert _report_findings(page, manifest["claim_id"]) == expected
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"self-check-{name}-{lang}.png"), full_page=True)
    # A full-page capture leaves the report's frame blank in headless Chromium: shoot it too.
    page.locator("#report").screenshot(path=str(ARTIFACTS / f"self-check-{name}-{lang}-report.png"))


def test_partner_sees_the_result_announced(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/?lang=de")
    expect(page.locator("h1")).to_have_text(strings("de")["title"])
    _fill_claim(page, FIXTURES / "dt01-late-submission", "de")
    _submit(page)
    expect(page.locator("#status")).to_have_attribute("data-verdict", "fail")
    expect(page.locator("#status")).to_contain_text(strings("de")["verdict_fail"])
    assert page.get_attribute("#status", "aria-live") == "polite"
    assert page.evaluate("document.activeElement.id") == "result-heading"
    expect(page.frame_locator("#report").locator("body")).to_contain_text("DT01")


def test_form_problems_point_at_the_fields(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/?lang=ja")
    page.fill('[name="claim_id"]', "x-1")
    page.fill('[name="funds.currency"]', "E1")
    page.click("#submit")
    problems = page.locator("#problems")
    expect(problems).to_be_visible(timeout=30_000)
    assert page.evaluate("document.activeElement.id") == "problems"
    expect(problems).to_contain_text(strings("ja")["legal_name"])
    assert page.get_attribute('[name="funds.currency"]', "aria-invalid") == "true"
    # Each problem links to its field.
    problems.locator('a[href="#f-partner.legal_name"]').click()
    assert page.evaluate("document.activeElement.name") == "partner.legal_name"


def test_an_empty_form_marks_every_required_field_and_asks_for_documents(
    page: Page, base_url: str
) -> None:
    page.goto(f"{base_url}/?lang=de")
    page.click("#submit")
    problems = page.locator("#problems")
    expect(problems).to_be_visible(timeout=30_000)
    t = strings("de")
    links = problems.locator("a")
    expect(links).to_have_count(len(REQUIRED) + 1)
    for name in (*REQUIRED, "files"):
        assert page.get_attribute(f'[name="{name}"]', "aria-invalid") == "true", name
    expect(problems).to_contain_text(f"{t['fs_documents']}: {t['problem_no_documents']}")
    expect(problems).to_contain_text(
        f"{t['usage_end']}: {translate('manifest_problem.missing', 'de')}"
    )
    assert page.get_attribute('[name="claim_id"]', "aria-invalid") is None


def test_end_before_start_is_said_in_german_on_the_end_field(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/?lang=de")
    _fill_claim(page, FIXTURES / "compliant", "de")
    page.fill('[name="usage_period.start"]', "2024-06-30")
    page.fill('[name="usage_period.end"]', "2024-01-01")
    page.click("#submit")
    problems = page.locator("#problems")
    expect(problems).to_be_visible(timeout=30_000)
    link = problems.locator("a")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", "#f-usage_period.end")
    expect(link).to_have_text(
        f"{strings('de')['usage_end']}: das Ende (01.01.2024) liegt vor dem Beginn (30.06.2024)"
    )
    assert page.get_attribute('[name="usage_period.end"]', "aria-invalid") == "true"


def test_two_files_of_one_name_are_both_kept(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/?lang=en")
    first = {"name": "Rechnung.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 one"}
    second = {"name": "Rechnung.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 two"}
    page.set_input_files("#f-files", [first])
    page.set_input_files("#f-files", [second])
    names = page.locator("#file-list .name")
    expect(names).to_have_text(["Rechnung.pdf", "Rechnung (2).pdf"])
    expect(page.locator("#file-notices")).to_have_text(
        strings("en")["file_renamed"].format(name="Rechnung.pdf", renamed="Rechnung (2).pdf")
    )
    assert page.input_value('[name="documents[1].path"]') == "Rechnung (2).pdf"


def test_a_proof_type_only_for_proofs(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/?lang=en")
    page.set_input_files(
        "#f-files", [str(FIXTURES / "compliant" / "poe-landing-page-screenshot.pdf")]
    )
    row = page.locator("#file-list li").first
    row.locator("select.role").select_option("invoice")
    expect(row.locator("select.subtype")).to_be_hidden()
    expect(row.locator('[data-part="date"]')).to_be_visible()
    row.locator("select.role").select_option("poe")
    expect(row.locator("select.subtype")).to_be_visible()
    expect(row.locator('[data-part="date"]')).to_be_hidden()


def test_activity_choices_follow_the_fiscal_year_and_show_what_the_activity_needs(
    page: Page, base_url: str
) -> None:
    page.goto(f"{base_url}/?lang=de")
    page.fill('[name="program.code"]', "MCPP-CO-OP")
    page.fill('[name="usage_period.start"]', "2024-07-01")  # FY25
    options = page.locator('[name="activity.type"] option')
    fy25 = page_programs("de")["matrices"]["microsoft"]["FY25"]
    expect(options).to_have_text([strings("de")["activity_choose"], *[a["name"] for a in fy25]])
    for section in ("#attendees", "#metrics", "#preapproval"):
        expect(page.locator(section)).to_be_hidden()
    page.select_option('[name="activity.type"]', "microsoft-hosted-conferences")
    expect(page.locator("#attendees")).to_be_visible()
    expect(page.locator("#metrics")).to_be_visible()
    page.select_option('[name="activity.type"]', "tv-radio")
    expect(page.locator("#attendees")).to_be_hidden()
    expect(page.locator("#preapproval")).to_be_visible()
    suggestions = page.locator("#metric-keys option")
    expect(suggestions).to_have_count(2)
    reach = page_programs("de")["metrics"]["reach"]
    expect(suggestions.first).to_have_attribute("value", reach)  # what fills the box


def test_a_result_shows_its_name_in_the_box_and_sends_its_key(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/?lang=ko")
    page.fill('[name="program.code"]', "MCPP-CO-OP")
    page.fill('[name="usage_period.start"]', "2024-07-01")
    page.select_option('[name="activity.type"]', "tv-radio")
    names = page_programs("ko")["metrics"]
    box = page.locator('[name="metrics[0].key"]')
    box.fill(names["reach"])  # as a choice of the suggestions fills it
    expect(box).to_have_value(names["reach"])
    page.route("**/check?*", lambda route: route.fulfill(status=503, json={"error": "busy"}))
    try:
        with page.expect_request("**/check?*") as sent:
            page.click("#submit")
        body = sent.value.post_data or ""
    finally:
        page.unroute("**/check?*")
    assert '"metrics[0].key":"reach"' in body
    assert names["reach"] not in body


@pytest.mark.parametrize(
    ("lang", "code"), [("de", "storage_full"), ("ko", "a_code_of_a_later_service")]
)
def test_a_service_error_is_said_in_the_page_language_never_in_english(
    page: Page, base_url: str, lang: str, code: str
) -> None:
    english = "the service's own English sentence"
    page.goto(f"{base_url}/?lang={lang}")
    page.route(
        "**/check?*",
        lambda route: route.fulfill(status=500, json={"error": code, "message": english}),
    )
    try:
        page.click("#submit")
        t = strings(lang)
        expect(page.locator("#status")).to_have_text(t.get(f"error_{code}", t["error_generic"]))
    finally:
        page.unroute("**/check?*")


def test_problems_are_listed_in_the_order_of_the_form(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/?lang=en")
    page.fill('[name="funds.earned"]', "12x")
    page.click("#submit")
    expect(page.locator("#problems")).to_be_visible(timeout=30_000)
    hrefs = page.locator("#problems a").evaluate_all("links => links.map(a => a.hash)")
    order = page.locator("#claim [name]").evaluate_all("inputs => inputs.map(i => '#' + i.id)")
    assert hrefs == sorted(hrefs, key=order.index)
    assert hrefs[-1] == "#f-files"
