"""The HTML report: self-contained, complete, escaped, with pictures of the evidence."""

from __future__ import annotations

import base64
import dataclasses
import re
import threading
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from coop_rules import Report
from coop_rules.evidence import Evidence, Extracted
from coop_rules.evidence_images import manifest_lines, pdf_regions
from coop_rules.extraction import DocumentKind, ExtractedDocument
from coop_rules.renderers import get_renderer
from coop_rules.renderers.html import HtmlRenderer

from ..conftest import FIXTURES

Reports = Callable[[str], Report]


class Page(HTMLParser):
    """The parts of a page the tests look at: tags with their attributes, and the text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


def test_compliant_report_is_complete_and_self_contained(fixture_report: Reports) -> None:
    report = fixture_report("compliant")
    started = time.perf_counter()
    html = HtmlRenderer().report(report)
    elapsed = time.perf_counter() - started
    page = Page(html)
    assert elapsed < 1.0 and len(html.encode()) < 3_000_000
    assert "PASS" in page.plain and "compliant" in page.plain
    for finding in report.findings:
        assert finding.code in page.plain and " ".join(finding.message.split()) in page.plain
    # Nothing is loaded from anywhere: no scripts, no stylesheets, images only as data: URIs,
    # and a policy that forbids the rest.
    assert not page.all("script") and not page.all("link") and not page.all("iframe")
    assert all((img["src"] or "").startswith("data:image/") for img in page.all("img"))
    (policy,) = [m for m in page.all("meta") if m.get("http-equiv") == "Content-Security-Policy"]
    assert "default-src 'none'" in (policy["content"] or "")
    # Retention (R7: activity end 2024-04-30 + 24 months) and the rule set are stated.
    assert "2026-04-30" in page.plain and report.rule_set is not None
    assert report.rule_set.digest in page.plain
    # The fields the rules used are marked, per document.
    assert "Used by the rules" in page.plain and page.plain.count("yes") >= 4


def test_every_kind_of_evidence_is_shown(fixture_report: Reports) -> None:
    # AM04's evidence: manifest fields, totals on two PDF invoices and a CSR workbook cell.
    html = HtmlRenderer().report(fixture_report("am04-claimed-not-supported"))
    page = Page(html)
    images = page.all("img")
    assert len(images) == 2
    for img in images:
        assert (img["alt"] or "").startswith("Part of page 2 of ")
        assert "highlighted" in (img["alt"] or "")
        data = base64.b64decode((img["src"] or "").split(",", 1)[1])
        assert data.startswith(b"\x89PNG") and len(data) < 60_000
        assert int(img["width"] or 0) > 0 and int(img["height"] or 0) > 0
    assert re.search(r'<td class="hit"><mark>5595</mark>', html)  # the CSR total, in its sheet
    assert "cell E21 highlighted" in page.plain
    assert re.search(r'<span class="line hit"><span class="ln">\d+</span>  amount:', html)


def test_a_violation_shows_the_values_it_used_not_an_unused_alternative(
    fixture_report: Reports,
) -> None:
    # AM04 compares the claim with first(total with conversion tolerance, total): on an
    # all-EUR claim the first is unknown, and the finding that fired did not use it.
    report = fixture_report("am04-claimed-not-supported")
    (am04,) = [f for f in report.findings if f.code == "AM04"]
    assert am04.values["claim.documented_total_tolerance"] is None  # the JSON keeps it
    plain = Page(HtmlRenderer().report(report)).plain
    assert "total of the invoices and CSRs" in plain
    assert "with the conversion tolerance" not in plain


def test_unreadable_documents_are_listed_with_the_reason(fixture_report: Reports) -> None:
    page = Page(HtmlRenderer().report(fixture_report("rd01-unreadable-document")))
    assert "Documents that could not be read" in page.plain
    assert "signed-contract.pdf" in page.plain and "password" in page.plain
    assert "REVIEW" in page.plain


def test_text_from_documents_is_escaped(fixture_report: Reports) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    evidence = Evidence("evil.pdf", text=hostile, page=1, box=(1, 2, 3, 4), note=hostile)
    document = ExtractedDocument(
        "evil.pdf",
        "application/pdf",
        DocumentKind.INVOICE,
        {"vendor": Extracted(hostile, evidence)},
    )
    base = fixture_report("dt01-late-submission")
    finding = dataclasses.replace(
        base.findings[0], message=hostile, hint=hostile, evidence=(evidence,)
    )
    report = dataclasses.replace(
        base, claim_id=hostile, findings=(finding,), documents=(document,), roles={}
    )
    html = HtmlRenderer().report(report)
    page = Page(html)
    assert not page.all("script") and all(
        (img.get("src") or "").startswith("data:") for img in page.all("img")
    )
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#34;x&#34;)" in html
    assert hostile in page.plain  # shown as text, intact


def test_evidence_on_a_page_ocr_turned_is_pictured_turned(fixture_report: Reports) -> None:
    # OCR read the picture a quarter turn upright: the date's box is the upright page's, so the
    # report draws the picture turned the same way before cutting it.
    name, box = "landing-page-turned.png", (88.2, 124.2, 158.4, 134.1)
    evidence = Evidence(name, text="01.03.2024", page=1, box=box)
    document = ExtractedDocument(name, "image/png", DocumentKind.POE, page_turns={1: (90, 0.0)})
    base = fixture_report("dt01-late-submission")
    finding = dataclasses.replace(base.findings[0], evidence=(evidence,))
    report = dataclasses.replace(
        base,
        findings=(finding,),
        documents=(document,),
        roles={},
        folder=FIXTURES.parent / "ocr",
    )
    shown = {img.get("src") for img in Page(HtmlRenderer().report(report)).all("img")}
    path = FIXTURES.parent / "ocr" / name
    (turned,) = pdf_regions(path, [(1, box)], {1: (90, 0.0)})
    (as_stored,) = pdf_regions(path, [(1, box)])
    assert turned is not None and as_stored is not None and turned != as_stored
    assert turned.data_uri() in shown and as_stored.data_uri() not in shown


def test_extraction_page_lists_fields() -> None:
    invoice = FIXTURES / "compliant" / "rechnung-kreativwerk-RE-2024-0417.pdf"
    from coop_rules import extract

    html = get_renderer("html").extraction([extract(invoice)])
    assert "RE-2024-0417" in html and "Kreativwerk" in html


def test_page_regions_are_safe_to_render_from_many_threads() -> None:
    pdf = FIXTURES / "compliant" / "invoice-emerald-reach-ERM-24-1093.pdf"
    regions = [(1, (380.0, 88.0, 440.0, 98.0)), (2, (480.0, 390.0, 540.0, 406.0)), (1, None)]
    expected = pdf_regions(pdf, regions)
    results: list[object] = []

    def work() -> None:
        for _ in range(5):
            results.append(pdf_regions(pdf, regions))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 20 and all(r == expected for r in results)
    assert all(image is not None for image in expected)


def test_missing_pages_and_broken_files_give_no_picture(tmp_path: Path) -> None:
    pdf = FIXTURES / "compliant" / "invoice-emerald-reach-ERM-24-1093.pdf"
    assert pdf_regions(pdf, [(99, None)]) == [None]
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7 nothing else")
    assert pdf_regions(broken, [(1, None)]) == [None]
    locked = FIXTURES / "rd01-unreadable-document" / "signed-contract.pdf"
    assert pdf_regions(locked, [(1, None)]) == [None]
    assert manifest_lines(FIXTURES / "compliant" / "claim.yaml", "no.such.field") is None
