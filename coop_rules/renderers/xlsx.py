"""XLSX report (openpyxl): Summary, Findings, Documents and Extracted-fields sheets.

Every sheet has a frozen, filterable header row; findings are coloured by severity. Text that
came from a document (or a manifest, or a message quoting either) is never written as something
a spreadsheet program would evaluate: :func:`spreadsheet_text` neutralises a leading ``= + - @``
(formula injection, OWASP's "CSV injection") and drops the control characters XLSX cannot hold.

Sheet names, headers and labels speak the report's language (``Report.lang``); values stay typed
(dates and amounts are cells a spreadsheet formats for its own locale), and the extraction
workbook is English.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from coop_rules.evidence import Evidence, Extracted
from coop_rules.extraction import ExtractedDocument
from coop_rules.i18n import DEFAULT_LANG, note_text, problem_text, translate
from coop_rules.i18n.shown import evidence_place, field_label, term
from coop_rules.report import Report, format_value
from coop_rules.rulebook import Severity

# A cell starting with one of these is a formula (or DDE) to Excel, LibreOffice or Sheets;
# full-width forms count too, since some programs fold them. Tab and CR start one after a paste.
_FORMULA_START = re.compile(r"^[=+\-@\t\r＝＋－＠]")
_SEVERITY_FILL = {
    Severity.ERROR: "A50E0E",
    Severity.ACTION: "6B2D8F",
    Severity.WARNING: "7A4A00",
    Severity.INFO: "0B4F8A",
}
_HEADER_FILL = PatternFill("solid", fgColor="E6E6E6")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")


def spreadsheet_text(text: str) -> str:
    """``text`` as a cell value no spreadsheet evaluates: a leading ``'`` before ``= + - @``."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return "'" + text if _FORMULA_START.match(text) else text


def _cell_value(value: Any) -> Any:
    """Numbers and dates stay typed (money as a number); everything else is safe text."""
    if value is None or isinstance(value, bool | int | float | Decimal | date):
        return value
    return spreadsheet_text(str(value))


class XlsxRenderer:
    name = "xlsx"
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    suffix = ".xlsx"
    binary = True

    def report(self, report: Report) -> bytes:
        lang = report.lang
        workbook = Workbook()
        summary = workbook.active
        summary.title = translate("xlsx.summary", lang)
        self._summary(summary, report)
        self._findings(workbook.create_sheet(translate("xlsx.findings", lang)), report)
        documents = workbook.create_sheet(translate("xlsx.documents", lang))
        self._documents(documents, report.documents, report.roles, lang)
        fields = workbook.create_sheet(translate("xlsx.fields", lang))
        self._fields(fields, report.documents, report.used, lang)
        return _bytes(workbook)

    def extraction(self, documents: list[ExtractedDocument]) -> bytes:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Documents"
        self._documents(sheet, documents, {})
        self._fields(workbook.create_sheet("Extracted fields"), documents, {})
        return _bytes(workbook)

    def _summary(self, sheet: Worksheet, report: Report) -> None:
        rule_set = report.rule_set
        lang = report.lang

        def t(key: str) -> str:
            return translate(f"xlsx.{key}", lang)

        rows: list[tuple[str, Any]] = [
            (t("claim"), report.claim_id),
            (t("verdict"), translate(f"verdict.{report.verdict}", lang)),
            (t("findings_count"), report.summary()),
            (t("claimed_amount"), report.claimed[0] if report.claimed else None),
            (t("currency"), report.claimed[1] if report.claimed else None),
            (t("checked_on"), report.checked_on),
            (t("keep_until"), report.retention_until),
            (t("engine"), report.engine),
            (t("coop_rules"), rule_set.coop_rules_version if rule_set else None),
            (t("rule_files"), rule_set.digest if rule_set else None),
            (t("rules_checked"), ", ".join(report.rules)),
        ]
        _table(sheet, (t("item"), t("value")), rows, widths=(26, 70))
        verdict_cell = sheet.cell(row=3, column=2)
        if report.top_severity is not None and report.verdict != "pass":
            _paint(verdict_cell, _SEVERITY_FILL[report.top_severity])
        elif report.verdict == "pass":
            _paint(verdict_cell, "1E6B34")

    def _findings(self, sheet: Worksheet, report: Report) -> None:
        lang = report.lang
        header = tuple(
            translate(f"xlsx.{key}", lang)
            for key in (
                "severity",
                "code",
                "rule",
                "outcome",
                "requirement",
                "subject",
                "message",
                "what_to_do",
                "values_compared",
                "evidence",
                "documentation",
            )
        )
        unknown = translate("value.unknown", lang)
        rows = [
            (
                translate(f"severity.{f.severity}", lang),
                f.code,
                f.display_title,
                translate(f"outcome.{f.outcome}", lang),
                f.requirement,
                f.subject,
                f.message,
                f.hint,
                "\n".join(
                    f"{k} = {unknown if v is None else v}" for k, v in f.shown_values.items()
                ),
                "\n".join(_evidence_text(e, lang) for e in f.evidence),
                f.docs_url,
            )
            for f in report.findings
        ]
        _table(sheet, header, rows, widths=(10, 7, 30, 12, 11, 30, 60, 50, 36, 60, 20))
        for index, finding in enumerate(report.findings, start=2):
            _paint(sheet.cell(row=index, column=1), _SEVERITY_FILL[finding.severity])
            link = sheet.cell(row=index, column=11)
            link.hyperlink = finding.docs_url
            link.value = translate("xlsx.documentation_link", lang, code=finding.code)
            link.font = Font(color="0645AD", underline="single")

    def _documents(
        self,
        sheet: Worksheet,
        documents: Sequence[ExtractedDocument],
        roles: dict[str, str],
        lang: str = DEFAULT_LANG,
    ) -> None:
        keys = ("file", "role", "read_as", "media_type", "readable", "field_count", "problem")
        header = tuple(translate(f"xlsx.{key}", lang) for key in (*keys, "advice"))
        rows = []
        for d in documents:
            texts = [problem_text(p.kind, p.reason, p.advice, lang) for p in d.problems]
            rows.append(
                (
                    d.path,
                    term("role", roles[d.path], lang) if roles.get(d.path) else None,
                    term("kind", str(d.kind), lang),
                    d.media_type,
                    d.readable,
                    len(d.fields),
                    "; ".join(reason for reason, _ in texts) or None,
                    "; ".join(advice for _, advice in texts) or None,
                )
            )
        _table(sheet, header, rows, widths=(44, 10, 14, 24, 10, 8, 50, 50))

    def _fields(
        self,
        sheet: Worksheet,
        documents: Sequence[ExtractedDocument],
        used: dict[str, frozenset[str]],
        lang: str = DEFAULT_LANG,
    ) -> None:
        header = tuple(
            translate(f"xlsx.{key}", lang)
            for key in (
                "document",
                "field",
                "value",
                "used",
                "other_readings",
                "page",
                "cell",
                "field_or_header",
                "box",
                "as_written",
                "note",
                "confidence",
                "field_key",
            )
        )
        rows = [
            (
                d.path,
                field_label(name, "field", lang) or name,
                _field_value(found),
                name in used.get(d.path, ()),
                ", ".join(format_value(a, lang) for a in found.alternatives) or None,
                found.evidence.page,
                found.evidence.cell,
                _header(found.evidence.field, lang),
                ", ".join(f"{v:.1f}" for v in found.evidence.box) if found.evidence.box else None,
                found.evidence.text,
                note_text(found.evidence.note or "", lang) or None,
                round(found.confidence, 2),
                name,  # the identifier, for machines
            )
            for d in documents
            for name, found in sorted(d.fields.items())
        ]
        _table(sheet, header, rows, widths=(40, 22, 28, 10, 20, 6, 10, 16, 24, 40, 30, 10, 18))
        for row in sheet.iter_rows(min_row=2, min_col=3, max_col=3):
            for cell in row:
                if isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
                elif isinstance(cell.value, Decimal):
                    cell.number_format = "#,##0.00"


def _field_value(found: Extracted) -> Any:
    value = found.value
    return value if isinstance(value, date | Decimal | int) else str(value)


def _header(field: str | None, lang: str) -> str | None:
    """A manifest field by its page name; a workbook's header as it is written."""
    return field and (field_label(field, "input", lang) or field)


def _evidence_text(evidence: Evidence, lang: str = DEFAULT_LANG) -> str:
    """As the HTML report says it: the file, the place in the report's words, the text."""
    place = f"{evidence.file} {evidence_place(evidence, lang)}"
    text = " ".join(evidence.text.split())
    shown = f'{place} "{text[:80]}"' if text else place
    return shown + (f" ({note_text(evidence.note, lang)})" if evidence.note else "")


def _table(
    sheet: Worksheet,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    widths: Sequence[int],
) -> None:
    """Header row (bold, grey, frozen, with filters), typed and safe values, column widths."""
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), _HEADER_FILL
    for row in rows:
        sheet.append([_cell_value(v) for v in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = _WRAP if isinstance(cell.value, str) else _TOP
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never "f", whatever openpyxl guessed from the text
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(header))
    sheet.auto_filter.ref = f"A1:{last}{max(1, sheet.max_row)}"


def _paint(cell: Any, rgb: str) -> None:
    cell.fill = PatternFill("solid", fgColor=rgb)
    cell.font = Font(bold=True, color="FFFFFF")


def _bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
