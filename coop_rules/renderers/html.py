"""HTML report: one self-contained page a reviewer (or the partner) reads at a glance.

No network, ever: the CSS is inline, every picture a ``data:`` URI, and a Content-Security-Policy
forbids anything else, so the file can be mailed, archived and opened offline. Everything read
from documents is escaped by Jinja's autoescaping; nothing from a document reaches the page
unescaped.

The page: verdict banner; findings grouped by severity, each with message, hint, the values
compared, the rule's documentation link and its evidence — the page region with the box
highlighted (rendered by :mod:`coop_rules.evidence_images`), the cells around a workbook cell or
the manifest lines of a field; the documents and why any could not be read; the extracted fields
per document with those the rules used marked; the rule set and the retention date (R7).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import jinja2

from coop_rules.documents.sniff import PDF, XLSX
from coop_rules.evidence import Evidence
from coop_rules.evidence_images import (
    DISPLAY_RATIO,
    CellWindow,
    PageImage,
    SourceLines,
    cell_windows,
    manifest_lines,
    pdf_regions,
)
from coop_rules.extraction import ExtractedDocument
from coop_rules.manifest import MANIFEST_NAMES
from coop_rules.report import DOCS_URL, Finding, Report, Verdict, format_value
from coop_rules.rulebook import Severity

SEVERITY_TITLES = {
    Severity.ERROR: "Errors: the claim would be rejected",
    Severity.ACTION: "Action required: the reviewer will ask for more",
    Severity.WARNING: "Warnings: a reviewer should look",
    Severity.INFO: "Information",
}
VERDICT_LINES = {
    Verdict.PASS: "No finding stands in the way of this claim.",
    Verdict.REVIEW: "A reviewer should look at the findings below before deciding.",
    Verdict.FAIL: "The claim would be rejected as it stands: see the errors below.",
}


@cache
def environment() -> jinja2.Environment:
    """The template environment: autoescaping on for every template, undefined names fail."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("coop_rules.renderers", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["value"] = format_value
    env.filters["compared"] = _compared
    env.filters["money"] = lambda amount, currency: format_value((Decimal(amount), currency))
    env.globals["docs_url"] = lambda code: DOCS_URL.format(code=code)
    return env


@dataclass(frozen=True)
class EvidenceView:
    """One piece of evidence as the page shows it: where, what, and a picture of it if any."""

    evidence: Evidence
    image: PageImage | None = None
    cells: CellWindow | None = None
    lines: SourceLines | None = None

    @property
    def locator(self) -> str:
        return self.evidence.locator()

    @property
    def text(self) -> str:
        return " ".join(self.evidence.text.split())

    @property
    def css_width(self) -> int:
        return round(self.image.width / DISPLAY_RATIO) if self.image else 0

    @property
    def css_height(self) -> int:
        return round(self.image.height / DISPLAY_RATIO) if self.image else 0

    @property
    def alt(self) -> str:
        what = f"“{self.text}”" if self.text else "the evidence"
        place = f"page {self.evidence.page or 1} of {self.evidence.file}"
        if self.evidence.box is None:
            return f"Thumbnail of {place}" + (f", where {what} was read." if self.text else ".")
        return f"Part of {place}, with {what} highlighted."


class HtmlRenderer:
    name = "html"
    media_type = "text/html"
    suffix = ".html"
    binary = False

    def report(self, report: Report) -> str:
        ids = _html_ids(report.findings)
        groups = [
            (severity, SEVERITY_TITLES[severity], [(f, ids[i]) for i, f in group])
            for severity in Severity
            if (group := [(i, f) for i, f in enumerate(report.findings) if f.severity is severity])
        ]
        return (
            environment()
            .get_template("report.html.j2")
            .render(
                report=report,
                verdict=str(report.verdict),
                verdict_line=VERDICT_LINES[report.verdict],
                groups=groups,
                views=_evidence_views(report),
                documents=[(d, report.roles.get(d.path, "")) for d in report.documents],
                unreadable=[(d, p) for d in report.documents for p in d.problems],
                used=report.used,
            )
        )

    def extraction(self, documents: list[ExtractedDocument]) -> str:
        return (
            environment()
            .get_template("extraction.html.j2")
            .render(documents=documents, used={}, title="Extracted fields")
        )


def _compared(value: object) -> str:
    """A value of ``Finding.values`` (JSON-ready) as a reviewer reads it."""
    if value is None:
        return "(unknown)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _html_ids(findings: Sequence[Finding]) -> list[str]:
    """A stable HTML id per finding: its code, numbered when a code repeats (``DT04-2``)."""
    ids, seen = [], Counter[str]()
    for finding in findings:
        seen[finding.code] += 1
        ids.append(finding.code + (f"-{seen[finding.code]}" if seen[finding.code] > 1 else ""))
    return ids


def _evidence_views(report: Report) -> dict[Evidence, EvidenceView]:
    """Every finding's evidence with its picture; each file opened once for all its pieces."""
    items = list(dict.fromkeys(e for f in report.findings for e in f.evidence))
    media = {d.path: d.media_type for d in report.documents}  # from the bytes, not the name
    views = {e: EvidenceView(e) for e in items}
    by_file: dict[str, list[Evidence]] = {}
    for item in items:
        by_file.setdefault(item.file, []).append(item)
    for name, group in by_file.items():
        path = report.source_file(name)
        if path is None:
            continue
        if media.get(name) == PDF:
            # Evidence about the whole document (unlisted, wrong kind) shows its first page.
            images = pdf_regions(path, [(e.page or 1, e.box if e.page else None) for e in group])
            views.update({e: EvidenceView(e, image=i) for e, i in zip(group, images, strict=True)})
        elif media.get(name) == XLSX:
            with_cell = [e for e in group if e.cell]
            windows = cell_windows(path, [e.cell or "" for e in with_cell])
            views.update(
                {e: EvidenceView(e, cells=w) for e, w in zip(with_cell, windows, strict=True)}
            )
        elif name not in media and Path(name).name in MANIFEST_NAMES:
            for item in group:
                if item.field:
                    views[item] = EvidenceView(item, lines=manifest_lines(path, item.field))
    return views
