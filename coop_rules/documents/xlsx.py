"""Read an XLSX workbook's non-empty cells (openpyxl, read-only, values not formulas).

:func:`coop_rules.documents.preflight.check_xlsx` has checked the ZIP container first (sizes,
ratios, names, no DTD in any part). openpyxl parses with defusedxml when it is installed (it
is a dependency); external links are not loaded, and nothing is ever fetched.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from coop_rules.documents.limits import DEFAULT_LIMITS, Limits
from coop_rules.documents.model import Cell, Document, DocumentError, ProblemKind
from coop_rules.documents.sniff import XLSX


def read_xlsx(path: Path, display_path: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Read the cached values of every sheet, up to the caps of ``limits``."""
    # A file object, not the name: openpyxl refuses names whose extension it does not know, and
    # the type was already decided from the content.
    with path.open("rb") as handle:
        try:
            # read_only streams rows instead of building the whole tree; data_only takes the
            # values a spreadsheet program last computed instead of the formulas.
            workbook = openpyxl.load_workbook(
                handle, read_only=True, data_only=True, keep_links=False
            )
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise DocumentError(ProblemKind.CORRUPT, f"not a readable workbook ({exc})") from exc
        cells = _cells(workbook, limits)
    if not cells:
        raise DocumentError(ProblemKind.EMPTY, "the workbook has no values")
    return Document(path=display_path, media_type=XLSX, cells=tuple(cells))


def _cells(workbook: openpyxl.Workbook, limits: Limits) -> list[Cell]:
    cells: list[Cell] = []
    try:
        for sheet in workbook.worksheets:
            # Never trust the declared dimension (A1:XFD1048576 is 17 billion cells): iterate
            # with explicit bounds; openpyxl then pads only up to them.
            for row in sheet.iter_rows(max_row=limits.max_rows, max_col=limits.max_columns):
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
                    if len(cells) > limits.max_cells:
                        raise DocumentError(
                            ProblemKind.TOO_LARGE, f"more than {limits.max_cells} non-empty cells"
                        )
    finally:
        workbook.close()
    return cells
