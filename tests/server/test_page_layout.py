"""The self-check page with a result, and the HTML report, at a phone's and a desktop's width.

Headless Chromium (Debian's, as in ``test_browser.py``, whose server and form-filling this
reuses) takes screenshots into ``test-artifacts/`` and measures what a person would notice:
the page never scrolls sideways, the report is part of the page (no box scrolling inside it),
field names wrap between words, and a workbook's cells scroll inside their own frame at most.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from coop_rules.server.i18n import strings

from ..conftest import FIXTURES
from ..english import english_in
from .test_browser import ARTIFACTS, CHROMIUM, _fill_claim, _submit, base_url

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no /usr/bin/chromium here (.ci/run installs Debian's chromium)"
)
__all__ = ["base_url"]  # the server fixture, shared with test_browser.py

WIDTHS = {"phone": 390, "desktop": 1280}
# A claim whose findings cite a PDF region, workbook cells (the CSR) and the manifest.
CLAIM = "am04-claimed-not-supported"

# Words split over two lines: a word's text with more than one line box.
_BROKEN_WORDS = """root => {
  const broken = [];
  for (const cell of root.querySelectorAll("table.fields tbody th")) {
    const text = cell.firstChild && cell.firstChild.nodeType === 3 ? cell.firstChild : null;
    if (!text) continue;
    for (const match of text.data.matchAll(/\\S+/g)) {
      const range = root.ownerDocument.createRange();
      range.setStart(text, match.index);
      range.setEnd(text, match.index + match[0].length);
      const tops = new Set(Array.from(range.getClientRects(), r => Math.round(r.top)));
      if (tops.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}"""

# Elements that stick out of the page's width, outside any wrapper that scrolls them.
_OVERFLOWING = """root => {
  const doc = root.ownerDocument, width = doc.documentElement.clientWidth;
  const out = [];
  for (const el of root.querySelectorAll("body *")) {
    if (el.closest(".scroll")) continue;
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1)
      out.push(`${el.tagName}.${el.className}#${el.id} ${el.parentElement.className} ${box.right}`);
  }
  return out.slice(0, 10);
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


def _layout(page: Page, frame: Any) -> dict[str, Any]:
    return page.evaluate(
        """([frame]) => {
          const doc = frame.contentDocument.documentElement;
          return {
            pageWidth: document.documentElement.scrollWidth,
            viewport: window.innerWidth,
            frameHeight: frame.clientHeight,
            reportHeight: doc.scrollHeight,
            frameWidth: frame.clientWidth,
            reportWidth: doc.scrollWidth,
          };
        }""",
        [frame],
    )


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("device", WIDTHS)
def test_result_on_the_page(browser: Any, base_url: str, device: str, lang: str) -> None:
    width = WIDTHS[device]
    page = browser.new_page(viewport={"width": width, "height": 844 if width < 600 else 900})
    folder = FIXTURES / CLAIM
    page.goto(f"{base_url}/?lang={lang}")
    _fill_claim(page, folder, lang)
    _submit(page)
    report = page.frame_locator("#report")
    expect(report.locator("#verdict")).to_be_visible()
    frame = page.locator("#report").element_handle()
    page.wait_for_function(
        "f => f.contentDocument.readyState === 'complete' && "
        "Math.abs(f.clientHeight - f.contentDocument.documentElement.scrollHeight) <= 2",
        arg=frame,
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page-{CLAIM}-{lang}-{device}.png"), full_page=True)
    layout = _layout(page, frame)
    assert layout["pageWidth"] <= layout["viewport"], page.evaluate(
        _OVERFLOWING, page.query_selector("body")
    )
    # The whole report is in the page: the frame is as tall as the report, as wide as it needs.
    assert layout["reportHeight"] <= layout["frameHeight"] + 2, layout
    assert layout["reportWidth"] <= layout["frameWidth"], layout
    inner = frame.content_frame()
    assert inner is not None
    body = inner.query_selector("body")
    assert inner.evaluate(_OVERFLOWING, body) == []
    assert inner.evaluate(_BROKEN_WORDS, body) == []
    # The rule documentation opens in a tab of its own, on this service, in this language.
    link = report.locator("article.finding a[target=_blank]").first
    assert link.get_attribute("rel") == "noopener"
    assert link.get_attribute("href").startswith("/rules/")
    assert link.get_attribute("href").endswith(f"lang={lang}")
    with page.context.expect_page() as opened:
        link.click()
    docs = opened.value
    docs.wait_for_load_state()
    expect(docs.locator("h1")).to_contain_text(link.get_attribute("href")[7:11])
    docs.close()
    if lang != "en":
        said = page.evaluate("document.body.innerText")
        assert english_in(page.content(), lang) == {}, said[:500]
        assert english_in(inner.content(), lang) == {}
    status = page.locator("#status")
    expect(status).to_contain_text(strings(lang)["verdict_fail"].split(":")[0])
    page.close()


@pytest.mark.parametrize("device", WIDTHS)
def test_report_file_on_its_own(browser: Any, device: str, tmp_path: Any) -> None:
    """The CLI's HTML report opened as a file: same layout facts, rule docs inside it."""
    from coop_rules import check_claim
    from coop_rules.renderers.html import HtmlRenderer

    width = WIDTHS[device]
    report = check_claim(FIXTURES / CLAIM, lang="ko")
    path = tmp_path / "report.html"
    path.write_text(HtmlRenderer().report(report), encoding="utf-8")
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(path.as_uri())
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"report-{CLAIM}-ko-{device}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    body = page.query_selector("body")
    assert page.evaluate(_OVERFLOWING, body) == []
    assert page.evaluate(_BROKEN_WORDS, body) == []
    # Every documentation link stays in the file: an anchor of a section that is there.
    hrefs = page.eval_on_selector_all("article.finding a", "els => els.map(a => a.href)")
    assert hrefs and all(h.startswith(path.as_uri() + "#rule-") for h in hrefs)
    for href in hrefs:
        assert page.locator(f"#{href.split('#')[1]}").count() == 1
    page.close()
