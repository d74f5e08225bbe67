"""Read an XLSX workbook's non-empty cells (openpyxl, read-only, values not formulas).

:func:`coop_rules.documents.preflight.check_xlsx` has checked the ZIP container first (sizes,
ratios, names, no DTD in any part, the number of XML elements). openpyxl parses with
defusedxml when it is installed (it is a dependency); external links are not loaded, and
nothing is ever fetched.

Cells are read within a text budget: openpyxl gives every cell that shows a shared string the
same string object, so a workbook of 110 KB can show a 1 MB string in 12,000 cells (the Apache
POI proof of concept for shared-strings exhaustion) and read in 0.1 s, and then 12 GB of text
would reach the extractors. A cell longer than a spreadsheet program allows, or more text in
all than ``Limits.max_chars``, is refused here as too large.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from coop_rules.documents.limits import DEFAULT_LIMITS, Limits
from coop_rules.documents.model import Cell, Document, DocumentError, ProblemKind
from coop_rules.documents.sniff import XLSX

# The most characters a cell can hold in Excel (and LibreOffice writes no more to an XLSX).
MAX_CELL_CHARS = 32_767


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
    chars = 0
    try:
        for sheet in workbook.worksheets:
            # Never trust the declared dimension (A1:XFD1048576 is 17 billion cells): iterate
            # with explicit bounds; openpyxl then pads only up to them. Rows come one per row
            # number from 1 and values one per column from A, so a position is a reference.
            # openpyxl pads every missing row (and after a value below the bounds, every row up
            # to them) with one and the same tuple of Nones: it is skipped by identity, as a
            # thousand sheets with a value in row 10,000 would be 10 million of them.
            rows = sheet.iter_rows(
                max_row=limits.max_rows, max_col=limits.max_columns, values_only=True
            )
            padding: tuple[object, ...] | None = None
            for row_idx, values in enumerate(rows, start=1):
                if values is padding:
                    continue
                if values.count(None) == len(values):
                    padding = values
                    continue
                for col_idx, value in enumerate(values, start=1):
                    if value is None:
                        continue
                    found = Cell(
                        sheet.title,
                        f"{get_column_letter(col_idx)}{row_idx}",
                        row_idx,
                        col_idx,
                        value,
                    )
                    # Measured before anything copies the text (strip() would, 12,000 times).
                    size = len(found.text)
                    if size > MAX_CELL_CHARS:
                        raise DocumentError(
                            ProblemKind.TOO_LARGE,
                            f"cell {found.locator} holds {size:,} characters (a spreadsheet "
                            f"cell holds at most {MAX_CELL_CHARS:,})",
                        )
                    if isinstance(value, str) and not value.strip():
                        continue
                    chars += size
                    if chars > limits.max_chars:
                        raise DocumentError(
                            ProblemKind.TOO_LARGE,
                            f"its cells hold more than {limits.max_chars:,} characters of text",
                        )
                    cells.append(found)
                    if len(cells) > limits.max_cells:
                        raise DocumentError(
                            ProblemKind.TOO_LARGE, f"more than {limits.max_cells} non-empty cells"
                        )
    finally:
        workbook.close()
    return cells
