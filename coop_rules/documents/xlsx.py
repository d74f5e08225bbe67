"""Read an XLSX workbook's non-empty cells (openpyxl, read-only, values not formulas)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from coop_rules.documents.model import Cell, Document, DocumentError, ProblemKind
from coop_rules.documents.sniff import XLSX

MAX_CELLS = 200_000
MAX_ROWS = 10_000
MAX_COLUMNS = 200


def read_xlsx(path: Path, display_path: str) -> Document:
    """Read the cached values of every sheet, up to the caps above."""
    # A file object, not the name: openpyxl refuses names whose extension it does not know, and
    # the type was already decided from the content.
    with path.open("rb") as handle:
        try:
            # read_only streams rows instead of building the whole tree; data_only takes the
            # values a spreadsheet program last computed instead of the formulas.
            workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise DocumentError(ProblemKind.CORRUPT, f"not a readable workbook ({exc})") from exc
        cells = _cells(workbook)
    if not cells:
        raise DocumentError(ProblemKind.EMPTY, "the workbook has no values")
    return Document(path=display_path, media_type=XLSX, cells=tuple(cells))


def _cells(workbook: openpyxl.Workbook) -> list[Cell]:
    cells: list[Cell] = []
    try:
        for sheet in workbook.worksheets:
            # Never trust the declared dimension: iterate with explicit bounds.
            for row in sheet.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLUMNS):
                for cell in row:
                    value = getattr(cell, "value", None)
                    if value is None or (isinstance(value, str) and not value.strip()):
                        continue
                    row_idx, col_idx = cell.row, cell.column
                    cells.append(
                        Cell(
                            sheet.title,
                            f"{get_column_letter(col_idx)}{row_idx}",
                            row_idx,
                            col_idx,
                            value,
                        )
                    )
                    if len(cells) > MAX_CELLS:
                        raise DocumentError(
                            ProblemKind.TOO_LARGE, f"more than {MAX_CELLS} non-empty cells"
                        )
    finally:
        workbook.close()
    return cells
