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

The page speaks the report's language (``Report.lang``): ``<html lang>``, every heading and label
through ``t(key)`` (:func:`coop_rules.i18n.translate`), and dates and amounts through the
``value`` and ``money`` filters, which read ``lang`` from the template context.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import jinja2
import markupsafe

from coop_rules.claim.manifest import MANIFEST_NAMES
from coop_rules.documents.model import ReadProblem
from coop_rules.documents.sniff import PDF, XLSX
from coop_rules.evidence import Evidence
from coop_rules.evidence_images import (
    DISPLAY_RATIO,
    CellWindow,
    PageImage,
    SourceLines,
    cell_windows,
    manifest_lines,
)
from coop_rules.extraction import ExtractedDocument
from coop_rules.i18n import (
    DEFAULT_LANG,
    format_date,
    format_share,
    note_text,
    problem_text,
    translate,
)
from coop_rules.i18n.shown import field_label, term
from coop_rules.isolation import render_pdf_regions
from coop_rules.money import Money
from coop_rules.report import Finding, Report, format_value
from coop_rules.rulebook import Severity


def _lang(context: jinja2.runtime.Context) -> str:
    return str(context.get("lang") or DEFAULT_LANG)


@jinja2.pass_context
def _t(context: jinja2.runtime.Context, key: str, **params: object) -> str:
    return translate(key, _lang(context), **params)


@jinja2.pass_context
def _value(context: jinja2.runtime.Context, value: object) -> str:
    return format_value(value, _lang(context))


@jinja2.pass_context
def _money(context: jinja2.runtime.Context, amount: str, currency: str) -> str:
    return format_value(Money(Decimal(amount), currency), _lang(context))


@jinja2.pass_context
def _share(context: jinja2.runtime.Context, share: str) -> str:
    return format_share(Decimal(share), _lang(context))


@jinja2.pass_context
def _date(context: jinja2.runtime.Context, value: date) -> str:
    return format_date(value, _lang(context))


@jinja2.pass_context
def _problem(context: jinja2.runtime.Context, problem: ReadProblem) -> tuple[str, str]:
    return problem_text(problem.kind, problem.reason, problem.advice, _lang(context))


@jinja2.pass_context
def _term(context: jinja2.runtime.Context, key: str, group: str) -> str:
    """A key of the vocabulary (``term.<group>.<key>``: a field, role, kind) in the language."""
    return term(group, str(key), _lang(context))


@jinja2.pass_context
def _field_label(context: jinja2.runtime.Context, name: str, group: str) -> str | None:
    return field_label(name, group, _lang(context))


@jinja2.pass_context
def _note(context: jinja2.runtime.Context, note: str) -> str:
    return note_text(note, _lang(context))


def _code_spans(text: str) -> markupsafe.Markup:
    """Markdown's code spans (`deadline_days`) as <code>, the rest escaped."""
    pieces = str(text).split("`")
    return markupsafe.Markup("").join(
        markupsafe.Markup('<code translate="no">{}</code>').format(piece)
        if odd
        else markupsafe.escape(piece)
        for odd, piece in ((i % 2 == 1 and i < len(pieces) - 1, p) for i, p in enumerate(pieces))
    )


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
    env.filters["value"] = _value
    env.filters["compared"] = _compared
    env.filters["money"] = _money
    env.filters["date"] = _date
    env.filters["share"] = _share
    env.filters["problem"] = _problem
    env.filters["term"] = _term
    env.filters["field_label"] = _field_label
    env.filters["note"] = _note
    env.filters["code_spans"] = _code_spans
    env.globals["t"] = _t
    return env


@dataclass(frozen=True)
class EvidenceView:
    """One piece of evidence as the page shows it: where, what, and a picture of it if any."""

    evidence: Evidence
    image: PageImage | None = None
    cells: CellWindow | None = None
    lines: SourceLines | None = None
    lang: str = DEFAULT_LANG
    entered: bool = False  # from a manifest built of what a person entered: no file to name

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
        what = f"“{self.text}”" if self.text else translate("evidence.the_evidence", self.lang)
        place = {"page": self.evidence.page or 1, "file": self.evidence.file}
        if self.evidence.box is None:
            key = "evidence.thumbnail_text" if self.text else "evidence.thumbnail"
            return translate(key, self.lang, what=what, **place)
        return translate("evidence.region", self.lang, what=what, **place)


class HtmlRenderer:
    """The HTML report.

    Args:
        rule_docs: where a rule's documentation is, as a URL with ``{code}`` and ``{lang}``
            (the service's ``/rules/{code}?lang={lang}``, opened in a new tab); None: in the
            report itself, a section with the documentation of the rules that found something
            (a file read offline links nowhere else).
        manifest_entered: the manifest was built from what a person entered (the self-check
            page, an API client): its fields are shown by their name and value, not as lines
            of a file that person never saw.
    """

    name = "html"
    media_type = "text/html"
    suffix = ".html"
    binary = False

    def __init__(self, rule_docs: str | None = None, manifest_entered: bool = False) -> None:
        self.rule_docs = rule_docs
        self.manifest_entered = manifest_entered

    def report(self, report: Report) -> str:
        ids = _html_ids(report.findings)
        lang = report.lang
        groups = [
            (
                severity,
                translate(f"severity_title.{severity}", lang),
                [(f, ids[i]) for i, f in group],
            )
            for severity in Severity
            if (group := [(i, f) for i, f in enumerate(report.findings) if f.severity is severity])
        ]
        return (
            environment()
            .get_template("report.html.j2")
            .render(
                report=report,
                lang=lang,
                verdict=str(report.verdict),
                verdict_line=translate(f"verdict_line.{report.verdict}", lang),
                groups=groups,
                views=_evidence_views(report, self.manifest_entered),
                documents=[(d, report.roles.get(d.path, "")) for d in report.documents],
                unreadable=[(d, p) for d in report.documents for p in d.problems],
                used=report.used,
                rule_docs=self.rule_docs,
                documented=_documented(report.findings),
                manifest_entered=self.manifest_entered,
            )
        )

    def extraction(self, documents: list[ExtractedDocument]) -> str:
        return (
            environment()
            .get_template("extraction.html.j2")
            .render(documents=documents, used={}, title="Extracted fields", lang=DEFAULT_LANG)
        )


@jinja2.pass_context
def _compared(context: jinja2.runtime.Context, value: object) -> str:
    """A value of ``Finding.values`` (JSON-ready, so ISO dates) as a reviewer reads it."""
    lang = _lang(context)
    if value is None:
        return translate("value.unknown", lang)
    if isinstance(value, bool):
        return translate("value.yes_word" if value else "value.no_word", lang)
    text = str(value)
    if money := _MONEY.fullmatch(text):  # "27077.60 EUR", as the JSON report holds it
        return format_value(Money(Decimal(money[1]), money[2]), lang)
    if _ISO_DATE.fullmatch(text):
        try:
            return format_date(date.fromisoformat(text), lang)
        except ValueError:  # shaped like a date, but none (a document's "2024-02-30")
            return text
    return text


_MONEY = re.compile(r"(-?\d+(?:\.\d+)?) ([A-Z]{3})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _documented(findings: Sequence[Finding]) -> list[Finding]:
    """One finding per rule, in the report's order: whose documentation the report carries."""
    return list({f.code: f for f in findings}.values())


def _html_ids(findings: Sequence[Finding]) -> list[str]:
    """A stable HTML id per finding: its code, numbered when a code repeats (``DT04-2``)."""
    ids, seen = [], Counter[str]()
    for finding in findings:
        seen[finding.code] += 1
        ids.append(finding.code + (f"-{seen[finding.code]}" if seen[finding.code] > 1 else ""))
    return ids


def _evidence_views(report: Report, entered: bool = False) -> dict[Evidence, EvidenceView]:
    """Every finding's evidence with its picture; each file opened once for all its pieces.

    The manifest's lines are shown only when the manifest is a file someone wrote
    (``entered`` is False)."""
    items = list(dict.fromkeys(e for f in report.findings for e in f.evidence))
    media = {d.path: d.media_type for d in report.documents}  # from the bytes, not the name
    turns = {d.path: d.page_turns for d in report.documents}  # pages OCR turned upright
    lang = report.lang
    views = {e: EvidenceView(e, lang=lang) for e in items}
    by_file: dict[str, list[Evidence]] = {}
    for item in items:
        by_file.setdefault(item.file, []).append(item)
    for name, group in by_file.items():
        path = report.source_file(name)
        if path is None:
            continue
        if media.get(name) == PDF or (media.get(name) or "").startswith("image/"):
            # (an image's evidence was read by OCR: its boxes are cut from the picture)
            # Evidence about the whole document (unlisted, wrong kind) shows its first page.
            regions = [(e.page or 1, e.box if e.page else None) for e in group]
            images = render_pdf_regions(path, regions, turns.get(name))
            views.update(
                {e: EvidenceView(e, image=i, lang=lang) for e, i in zip(group, images, strict=True)}
            )
        elif media.get(name) == XLSX:
            with_cell = [e for e in group if e.cell]
            windows = cell_windows(path, [e.cell or "" for e in with_cell])
            views.update(
                {
                    e: EvidenceView(e, cells=w, lang=lang)
                    for e, w in zip(with_cell, windows, strict=True)
                }
            )
        elif name not in media and Path(name).name in MANIFEST_NAMES:
            for item in group:
                if entered:
                    views[item] = EvidenceView(item, lang=lang, entered=True)
                elif item.field:
                    lines = manifest_lines(path, item.field)
                    views[item] = EvidenceView(item, lines=lines, lang=lang)
    return views
