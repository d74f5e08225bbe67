"""A workbook costs what it holds in XML elements and in text, not what it weighs zipped: the
pre-flight counts elements (in all, and what the reader holds at once), the reader keeps a text
budget, and a MemoryError while a document is read or extracted is "too large", said plainly."""

from __future__ import annotations

import datetime
import logging
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from coop_rules.documents import Limits, ProblemKind, ReadProblem, preflight, read_document
from coop_rules.documents.model import DocumentError
from coop_rules.documents.xlsx import MAX_CELL_CHARS
from coop_rules.extraction import DocumentKind, extract_file

from ..conftest import FIXTURES

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SMALL = Limits(isolate=False, max_xml_elements=5_000, max_xml_held=1_000, max_xml_held_mb=1)


def workbook(tmp_path: Path, rows: str, *, prefix: str = "", lead: str = "") -> Path:
    """The fixture CSR with its sheet replaced by ``rows`` (under ``prefix`` if given)."""
    source = FIXTURES / "compliant" / "csr-inhouse-cloud-wochen.xlsx"
    target = tmp_path / "book.xlsx"
    p = f"{prefix}:" if prefix else ""
    xmlns = f"xmlns:{prefix}" if prefix else "xmlns"
    sheet = f'{lead}<{p}worksheet {xmlns}="{NS}"><{p}sheetData>{rows}</{p}sheetData></{p}worksheet>'
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                new.writestr(item, old.read(item.filename))
        new.writestr("xl/worksheets/sheet1.xml", sheet)
    return target


def empty_cells(row: int, count: int, prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    return f'<{p}row r="{row}"><{p}c r="A{row}"><{p}v>{row}</{p}v></{p}c>' + (
        f'<{p}c s="1"/>' * count + f"</{p}row>"
    )


def problem(path: Path, limits: Limits = SMALL) -> ReadProblem:
    found = read_document(path, "book.xlsx", limits)
    assert isinstance(found, ReadProblem), found
    return found


@pytest.mark.parametrize("prefix", ["", "x"])
def test_rows_are_held_one_at_a_time(tmp_path: Path, prefix: str) -> None:
    # Four rows of 900 elements: 3,600 in all, but never more than 1,000 held at once.
    rows = "".join(empty_cells(r, 900, prefix) for r in range(1, 5))
    document = read_document(workbook(tmp_path, rows, prefix=prefix), "book.xlsx", SMALL)
    assert not isinstance(document, ReadProblem), document
    assert [c.value for c in document.cells] == [1, 2, 3, 4]


def test_a_row_with_too_many_elements_is_too_large(tmp_path: Path) -> None:
    found = problem(workbook(tmp_path, empty_cells(1, 1_100)))
    assert found.kind is ProblemKind.TOO_LARGE
    assert found.reason.startswith(
        "a row of xl/worksheets/sheet1.xml has more than 1,000 XML elements, which a reader "
        "would hold in memory at once"
    )


def test_whitespace_before_the_xml_does_not_hide_it(tmp_path: Path) -> None:
    # XML without a declaration may start with any amount of whitespace (expat accepts it).
    found = problem(workbook(tmp_path, empty_cells(1, 1_100), lead=" \n" * 200_000))
    assert found.kind is ProblemKind.TOO_LARGE
    assert found.reason.startswith("a row of xl/worksheets/sheet1.xml has more than 1,000 XML")


def test_the_workbook_has_a_budget_of_elements_in_all(tmp_path: Path) -> None:
    rows = "".join(empty_cells(r, 900) for r in range(1, 7))
    found = problem(workbook(tmp_path, rows))
    assert found.kind is ProblemKind.TOO_LARGE
    assert (
        found.reason == "the workbook has more than 5,000 XML elements (at most that many are read)"
    )


def test_a_row_larger_than_the_held_bytes_is_too_large(tmp_path: Path) -> None:
    # Few elements, but 1.5 MB of formula in one row (a value is read, the formula never); its
    # numbers vary, so that it does not compress like a bomb.
    formula = "+".join(str(n) for n in range(300_000))[:1_500_000]
    row = f'<row r="1"><c r="A1"><f>{formula}</f><v>7</v></c></row>'
    found = problem(workbook(tmp_path, row))
    assert found.kind is ProblemKind.TOO_LARGE
    assert "a row of xl/worksheets/sheet1.xml has more than 1 MB of XML" in found.reason
    bigger = replace(SMALL, max_xml_held_mb=2)
    document = read_document(workbook(tmp_path, row), "book.xlsx", bigger)
    assert not isinstance(document, ReadProblem) and document.cells[0].value == 7


def inline(row: int, text: str) -> str:
    return f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>{text}</t></is></c></row>'


def test_a_cell_may_hold_what_a_spreadsheet_allows_and_no_more(tmp_path: Path) -> None:
    limits = Limits(isolate=False)
    document = read_document(
        workbook(tmp_path, inline(1, "a" * MAX_CELL_CHARS)), "book.xlsx", limits
    )
    assert not isinstance(document, ReadProblem) and len(document.cells[0].text) == 32_767
    found = problem(workbook(tmp_path, inline(1, "a" * (MAX_CELL_CHARS + 1))), limits)
    assert found.kind is ProblemKind.TOO_LARGE
    assert found.reason == (
        "cell CSR!A1 holds 32,768 characters (a spreadsheet cell holds at most 32,767)"
    )


def test_the_cells_share_one_text_budget(tmp_path: Path) -> None:
    rows = "".join(inline(r, "b" * 30_000) for r in range(1, 11))  # 300,000 characters
    found = problem(workbook(tmp_path, rows), Limits(isolate=False, max_chars=200_000))
    assert found.kind is ProblemKind.TOO_LARGE
    assert found.reason == "its cells hold more than 200,000 characters of text"
    document = read_document(workbook(tmp_path, rows), "book.xlsx", Limits(isolate=False))
    assert not isinstance(document, ReadProblem) and len(document.cells) == 10


def test_running_out_of_memory_while_extracting_is_too_large_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def exhausted(*_: object) -> None:
        raise MemoryError

    monkeypatch.setattr("coop_rules.extraction.build_layout", exhausted)
    csr = FIXTURES / "compliant" / "csr-inhouse-cloud-wochen.xlsx"
    with caplog.at_level(logging.DEBUG):
        document = extract_file(csr, "csr.xlsx", limits=Limits(isolate=False))
    assert document.kind is DocumentKind.UNREADABLE
    (found,) = document.problems
    assert found.kind is ProblemKind.TOO_LARGE
    assert found.reason == "needed more than the available amount of memory"
    assert not any(record.exc_info for record in caplog.records)


def test_an_ordinary_large_workbook_passes_the_preflight(tmp_path: Path) -> None:
    # 5,000 rows of 20 cells (shared strings, numbers, dates) as openpyxl writes them: 100,000
    # cells, far more than a claim document has, are within the default element budgets.
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Ledger")
    for r in range(5_000):
        sheet.append(
            [f"item {r % 700}", r * 1.5, datetime.date(2024, 1, 1 + r % 28)]
            + [f"c{c}" for c in range(17)]
        )
    path = tmp_path / "ledger.xlsx"
    book.save(path)
    preflight.check_xlsx(path, Limits())  # raises DocumentError if refused
    with pytest.raises(DocumentError, match="more than 100,000 XML elements"):
        preflight.check_xlsx(path, Limits(max_xml_elements=100_000))
