"""The self-check page as a partner uses it: headless Chromium fills the form and uploads a claim.

Playwright drives Debian's Chromium (``/usr/bin/chromium``, installed by ``.ci/run``); nothing is
downloaded. The test skips, saying so, only where that browser is missing. The service runs in
a thread on a free loopback port. Screenshots are kept in ``test-artifacts/``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Page, expect, sync_playwright

from coop_rules import api
from coop_rules.server.app import create_app
from coop_rules.server.i18n import strings

from ..conftest import FIXTURES, REPO
from .conftest import manifest_of

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


def _fill_claim(page: Page, manifest: dict[str, Any], folder: Path) -> None:
    """Type the manifest's values into the form and add its documents with their roles."""
    values = {
        "claim_id": manifest["claim_id"],
        "partner.legal_name": manifest["partner"]["legal_name"],
        "program.code": manifest["program"]["code"],
        "usage_period.start": manifest["usage_period"]["start"],
        "usage_period.end": manifest["usage_period"]["end"],
        "funds.earned": manifest["funds"]["earned"],
        "funds.already_claimed": manifest["funds"].get("already_claimed", ""),
        "funds.currency": manifest["funds"]["currency"],
        "claimed.amount": manifest["claimed"]["amount"],
        "activity.type": manifest["activity"]["type"],
        "activity.start": manifest["activity"]["start"],
        "activity.end": manifest["activity"]["end"],
        "submission_date": manifest.get("submission_date", ""),
    }
    for name, value in values.items():
        page.fill(f'[name="{name}"]', str(value))
    documents = manifest["documents"]
    page.set_input_files("#f-files", [str(folder / d["path"]) for d in documents])
    rows = page.locator("#file-list li")
    expect(rows).to_have_count(len(documents))
    for index, document in enumerate(documents):
        row = rows.nth(index)
        expect(row.locator(".name")).to_have_text(document["path"])
        row.locator("select.role").select_option(document["role"])
        if document.get("subtype"):
            row.locator("select.subtype").select_option(document["subtype"])
        if document.get("note"):
            row.locator("input.note").fill(document["note"])


def _submit(page: Page) -> None:
    # Submitted from the keyboard, as a partner without a mouse would.
    page.focus("#submit")
    page.keyboard.press("Enter")
    expect(page.locator("#status[data-verdict]")).to_be_visible(timeout=60_000)


def test_partner_checks_a_compliant_claim(page: Page, base_url: str) -> None:
    folder = FIXTURES / "compliant"
    manifest = manifest_of(folder)
    page.goto(f"{base_url}/?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    _fill_claim(page, manifest, folder)
    _submit(page)
    status = page.locator("#status")
    expected = str(api.check_claim(folder).verdict)
    assert expected == "pass"
    expect(status).to_have_attribute("data-verdict", expected)
    expect(status).to_contain_text(strings("en")["verdict_pass"])
    assert page.get_attribute("#status", "aria-live") == "polite"
    assert page.evaluate("document.activeElement.id") == "result-heading"
    report = page.frame_locator("#report")
    expect(report.locator("body")).to_contain_text(manifest["claim_id"])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "self-check-compliant.png"), full_page=True)
    # A full-page capture leaves the report's frame blank in headless Chromium: shoot it too.
    page.locator("#report").screenshot(path=str(ARTIFACTS / "self-check-compliant-report.png"))


def test_partner_sees_a_rejection_in_german(page: Page, base_url: str) -> None:
    folder = FIXTURES / "dt01-late-submission"
    manifest = manifest_of(folder)
    page.goto(f"{base_url}/?lang=de")
    expect(page.locator("h1")).to_have_text(strings("de")["title"])
    _fill_claim(page, manifest, folder)
    _submit(page)
    expect(page.locator("#status")).to_have_attribute("data-verdict", "fail")
    expect(page.locator("#status")).to_contain_text(strings("de")["verdict_fail"])
    expect(page.frame_locator("#report").locator("body")).to_contain_text("DT01")
    page.screenshot(path=str(ARTIFACTS / "self-check-dt01-de.png"), full_page=True)
    page.locator("#report").screenshot(path=str(ARTIFACTS / "self-check-dt01-de-report.png"))


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
