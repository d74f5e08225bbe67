"""XLSX report (openpyxl): Summary, Findings, Documents and Extracted-fields sheets.

Every sheet has a frozen, filterable header row; findings are coloured by severity. Text that
came from a document (or a manifest, or a message quoting either) is never written as something
a spreadsheet program would evaluate: :func:`spreadsheet_text` neutralises a leading ``= + - @``
(formula injection, OWASP's "CSV injection") and drops the control characters XLSX cannot hold.
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
        workbook = Workbook()
        summary = workbook.active
        summary.title = "Summary"
        self._summary(summary, report)
        self._findings(workbook.create_sheet("Findings"), report)
        self._documents(workbook.create_sheet("Documents"), report.documents, report.roles)
        self._fields(workbook.create_sheet("Extracted fields"), report.documents, report.used)
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
        rows: list[tuple[str, Any]] = [
            ("Claim", report.claim_id),
            ("Verdict", str(report.verdict).upper()),
            ("Findings", report.summary()),
            ("Claimed amount", report.claimed[0] if report.claimed else None),
            ("Currency", report.claimed[1] if report.claimed else None),
            ("Checked on", report.checked_on),
            ("Keep originals until (R7)", report.retention_until),
            ("Engine", report.engine),
            ("coop-rules", rule_set.coop_rules_version if rule_set else None),
            ("Rule files", rule_set.digest if rule_set else None),
            ("Rules checked", ", ".join(report.rules)),
        ]
        _table(sheet, ("Item", "Value"), rows, widths=(26, 70))
        verdict_cell = sheet.cell(row=3, column=2)
        if report.top_severity is not None and report.verdict != "pass":
            _paint(verdict_cell, _SEVERITY_FILL[report.top_severity])
        elif report.verdict == "pass":
            _paint(verdict_cell, "1E6B34")

    def _findings(self, sheet: Worksheet, report: Report) -> None:
        header = (
            "Severity",
            "Code",
            "Rule",
            "Outcome",
            "Requirement",
            "Subject",
            "Message",
            "What to do",
            "Values compared",
            "Evidence",
            "Documentation",
        )
        rows = [
            (
                str(f.severity),
                f.code,
                f.name,
                str(f.outcome),
                f.requirement,
                f.subject,
                f.message,
                f.hint,
                "\n".join(f"{k} = {'(unknown)' if v is None else v}" for k, v in f.values.items()),
                "\n".join(_evidence_text(e) for e in f.evidence),
                f.docs_url,
            )
            for f in report.findings
        ]
        _table(sheet, header, rows, widths=(10, 7, 30, 12, 11, 30, 60, 50, 36, 60, 20))
        for index, finding in enumerate(report.findings, start=2):
            _paint(sheet.cell(row=index, column=1), _SEVERITY_FILL[finding.severity])
            link = sheet.cell(row=index, column=11)
            link.hyperlink, link.value = finding.docs_url, f"{finding.code} documentation"
            link.font = Font(color="0645AD", underline="single")

    def _documents(
        self,
        sheet: Worksheet,
        documents: Sequence[ExtractedDocument],
        roles: dict[str, str],
    ) -> None:
        header = ("File", "Role", "Read as", "Media type", "Readable", "Fields", "Problem")
        header += ("Advice",)
        rows = [
            (
                d.path,
                roles.get(d.path),
                str(d.kind),
                d.media_type,
                d.readable,
                len(d.fields),
                "; ".join(p.reason for p in d.problems) or None,
                "; ".join(p.advice for p in d.problems) or None,
            )
            for d in documents
        ]
        _table(sheet, header, rows, widths=(44, 10, 14, 24, 10, 8, 50, 50))

    def _fields(
        self,
        sheet: Worksheet,
        documents: Sequence[ExtractedDocument],
        used: dict[str, frozenset[str]],
    ) -> None:
        header = (
            "Document",
            "Field",
            "Value",
            "Used by the rules",
            "Other readings",
            "Page",
            "Cell",
            "Field or header",
            "Box (x0, top, x1, bottom)",
            "As written",
            "Note",
            "Confidence",
        )
        rows = [
            (
                d.path,
                name,
                _field_value(found),
                name in used.get(d.path, ()),
                ", ".join(format_value(a) for a in found.alternatives) or None,
                found.evidence.page,
                found.evidence.cell,
                found.evidence.field,
                ", ".join(f"{v:.1f}" for v in found.evidence.box) if found.evidence.box else None,
                found.evidence.text,
                found.evidence.note,
                round(found.confidence, 2),
            )
            for d in documents
            for name, found in sorted(d.fields.items())
        ]
        _table(sheet, header, rows, widths=(40, 16, 28, 10, 20, 6, 10, 16, 24, 40, 30, 10))
        for row in sheet.iter_rows(min_row=2, min_col=3, max_col=3):
            for cell in row:
                if isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
                elif isinstance(cell.value, Decimal):
                    cell.number_format = "#,##0.00"


def _field_value(found: Extracted) -> Any:
    value = found.value
    return value if isinstance(value, date | Decimal | int) else str(value)


def _evidence_text(evidence: Evidence) -> str:
    text = " ".join(evidence.text.split())
    shown = f'{evidence.locator()} "{text[:80]}"' if text else evidence.locator()
    return shown + (f" ({evidence.note})" if evidence.note else "")


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
