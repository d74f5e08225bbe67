"""Pictures of evidence for reports: a PDF page region with the evidence box highlighted, the
cells around a workbook cell, the lines around a manifest field.

Best effort throughout: a file that cannot be opened, a page that is not there or a sheet that
is missing gives ``None``, never an exception, because a report must render even when one of
its documents cannot.

PDFium is not thread-safe, so every call into it holds one lock — the reader's, so that reading
a claim in one thread and rendering a report in another cannot meet inside PDFium. Each handle
is closed explicitly inside the lock: one left to the garbage collector could be freed later in
another thread. Drawing and encoding (Pillow) happen outside the lock.
"""

from __future__ import annotations

import base64
import io
import logging
import math
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pypdfium2 as pdfium
import yaml
from openpyxl.utils import column_index_from_string, get_column_letter
from PIL import Image, ImageDraw

from coop_rules.evidence import Box, Turn

try:  # one lock for every PDFium call in the process: the document reader's
    from coop_rules.documents.pdfium import LOCK as PDFIUM_LOCK
except ImportError:  # the reader no longer keeps one: then at least our own calls are serial
    PDFIUM_LOCK = threading.Lock()

log = logging.getLogger(__name__)

# Pixels per point: 144 dpi, sharp on a phone's dense screen and in print. Shown at CSS size
# pixels / DISPLAY_RATIO, small type reads at 1.25 times its printed size.
SCALE = 2.0
DISPLAY_RATIO = 1.2
THUMBNAIL_SCALE = 1.0  # a whole page (evidence without a box), at 5/6 of its printed size
MARGIN_X, MARGIN_Y = 72.0, 30.0  # points of context around the box
MIN_WIDTH = 300.0  # points: a box around "€" alone says nothing without its line
# A picture never has more pixels than this, whatever size a page declares (PDF allows 200 x
# 200 inches): a larger region is drawn at a smaller scale.
MAX_PIXELS = 4_000_000
HIGHLIGHT_FILL = (255, 214, 0, 96)  # translucent yellow, the marker pen
HIGHLIGHT_EDGE = (196, 0, 0, 255)  # a red frame that survives greyscale printing as dark


@dataclass(frozen=True)
class PageImage:
    """An encoded picture of (part of) a page, with its size in pixels."""

    data: bytes
    media_type: str
    width: int
    height: int

    def data_uri(self) -> str:
        return f"data:{self.media_type};base64,{base64.b64encode(self.data).decode('ascii')}"


def pdf_regions(
    path: Path,
    regions: Sequence[tuple[int, Box | None]],
    turns: Mapping[int, Turn] | None = None,
) -> list[PageImage | None]:
    """Render each ``(page, box)`` of the PDF at ``path``: the box with context, highlighted.

    A region without a box is a thumbnail of the whole page. Opening the document once for all
    the regions of a file is what keeps a report of many findings fast. An image file (a scan
    or photo read by OCR) is cut the same way (:func:`image_regions`). ``turns`` says how OCR
    turned a page before reading it (page number → :data:`~coop_rules.evidence.Turn`): the
    boxes on such a page are the turned page's, so it is drawn whole, turned, then cut.
    """
    turns = turns or {}
    with open(path, "rb") as handle:
        if b"%PDF-" not in handle.read(1024):
            return image_regions(path, regions, turns)
    rendered: list[tuple[Image.Image, Box | None] | None] = []
    whole: dict[int, tuple[Image.Image, float] | None] = {}
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(path)
        except (pdfium.PdfiumError, OSError) as exc:
            log.debug("cannot render %s: %s", path, exc)
            return [None] * len(regions)
        try:
            for page_number, box in regions:
                if page_number in turns:
                    if page_number not in whole:
                        whole[page_number] = _render_whole(document, page_number)
                    rendered.append(None)  # cut from the whole page, outside the lock
                else:
                    rendered.append(_render(document, page_number, box))
        finally:
            document.close()
    out: list[PageImage | None] = []
    for (page_number, box), item in zip(regions, rendered, strict=True):
        drawn = whole.get(page_number)
        if drawn is not None:
            picture, per_point = drawn
            out.append(_cut(turned(picture, turns[page_number]), per_point, box))
        else:
            out.append(_finish(*item) if item else None)
    return out


def _render(
    document: pdfium.PdfDocument, page_number: int, box: Box | None
) -> tuple[Image.Image, Box | None] | None:
    """The page region as an image, and the box in its pixels (called with the lock held)."""
    if not 1 <= page_number <= len(document):
        return None
    page = document[page_number - 1]
    try:
        width, height = page.get_size()  # as displayed: PDFium applies /Rotate to both
        if box is None:
            region, scale = (0.0, 0.0, width, height), THUMBNAIL_SCALE
        else:
            region, scale = _context(box, width, height), SCALE
        left, top, right, bottom = region
        scale = _capped(scale, right - left, bottom - top)
        # crop is (left, bottom, right, top) cut off the displayed page, in points
        image = _drawn(page, scale, crop=(left, height - bottom, width - right, top))
    except pdfium.PdfiumError as exc:
        log.debug("cannot render page %s: %s", page_number, exc)
        return None
    finally:
        page.close()
    if box is None:
        return image, None
    x0, y0, x1, y1 = box
    return image, ((x0 - left) * scale, (y0 - top) * scale, (x1 - left) * scale, (y1 - top) * scale)


def _render_whole(
    document: pdfium.PdfDocument, page_number: int
) -> tuple[Image.Image, float] | None:
    """The whole page at SCALE (fewer pixels for a huge page), and its pixels per point (called
    with the lock held): a page OCR turned, to be turned the same way and cut."""
    if not 1 <= page_number <= len(document):
        return None
    page = document[page_number - 1]
    try:
        width, height = page.get_size()
        scale = _capped(SCALE, width, height)
        return _drawn(page, scale), scale
    except pdfium.PdfiumError as exc:
        log.debug("cannot render page %s: %s", page_number, exc)
        return None
    finally:
        page.close()


def _drawn(
    page: pdfium.PdfPage, scale: float, crop: tuple[float, float, float, float] = (0, 0, 0, 0)
) -> Image.Image:
    """``page`` drawn at ``scale`` (``crop``: left, bottom, right, top cut off, in points), as
    a copy: the bitmap's buffer dies with it."""
    bitmap = page.render(scale=scale, crop=crop, may_draw_forms=False)
    try:
        return bitmap.to_pil().convert("RGB")
    finally:
        bitmap.close()


def _capped(scale: float, width: float, height: float) -> float:
    """``scale``, smaller where a region of ``width`` × ``height`` points would exceed
    MAX_PIXELS at it."""
    area = max(width, 1.0) * max(height, 1.0) * scale * scale
    return scale * math.sqrt(MAX_PIXELS / area) if area > MAX_PIXELS else scale


def image_regions(
    path: Path,
    regions: Sequence[tuple[int, Box | None]],
    turns: Mapping[int, Turn] | None = None,
) -> list[PageImage | None]:
    """Regions of an image file's pages (frames), in the points OCR laid them out in (the
    EXIF orientation applied, the image's resolution or ASSUMED_DPI, turned as OCR turned the
    page, see ``turns``): as :func:`pdf_regions`."""
    from PIL import ImageOps, ImageSequence

    from coop_rules.documents.ocr import image_points

    turns = turns or {}
    out: list[PageImage | None] = []
    try:
        with Image.open(path) as image:
            frames: dict[int, tuple[Image.Image, float] | None] = {}
            for page_number, box in regions:
                if page_number not in frames:
                    frames[page_number] = None
                    for number, item in enumerate(ImageSequence.Iterator(image), start=1):
                        if number == page_number:
                            upright = (ImageOps.exif_transpose(item) or item).convert("RGB")
                            picture = turned(upright, turns.get(page_number, (0, 0.0)))
                            frames[page_number] = (picture, 1 / image_points(item))
                            break
                frame = frames[page_number]
                out.append(_cut(*frame, box) if frame else None)
    except Exception as exc:  # best effort: a report renders without the picture
        log.debug("cannot cut regions of %s: %s", path, exc)
        return [None] * len(regions)
    return out


def turned(picture: Image.Image, turn: Turn) -> Image.Image:
    """``picture`` turned as OCR turned it before reading (a quarter turn, then its deskew),
    at the size OCR laid its words out in: a deskewed picture grows at its corners, and OCR
    maps the grown picture onto the page, so it is scaled back to the turned size here too."""
    quarter, skew = turn
    if quarter:
        picture = picture.rotate(quarter, expand=True)
    if skew:
        size = picture.size
        picture = picture.rotate(
            skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(255, 255, 255)
        ).resize(size, Image.Resampling.BICUBIC)
    return picture


def _cut(picture: Image.Image, per_point: float, box: Box | None) -> PageImage:
    """The region around ``box`` (points) of a whole page's ``picture`` with ``per_point``
    pixels per point, highlighted; the whole page as a thumbnail without a box."""
    width, height = picture.width / per_point, picture.height / per_point
    if box is None:
        region, scale = (0.0, 0.0, width, height), THUMBNAIL_SCALE
    else:
        region, scale = _context(box, width, height), SCALE
    left, top, right, bottom = region
    c0, c1, c2, c3 = (round(v * per_point) for v in (left, top, right, bottom))
    crop = picture.crop((c0, c1, c2, c3))
    factor = _capped(scale, right - left, bottom - top) / per_point
    crop = crop.resize((max(1, round(crop.width * factor)), max(1, round(crop.height * factor))))
    k = crop.width / max(right - left, 1e-6)
    shown = None
    if box is not None:
        x0, y0, x1, y1 = box
        shown = ((x0 - left) * k, (y0 - top) * k, (x1 - left) * k, (y1 - top) * k)
    return _finish(crop, shown)


def _context(box: Box, width: float, height: float) -> Box:
    """The region to show around ``box``: margins, a minimum width, kept on the page."""
    x0, top, x1, bottom = box
    want_w = min(width, max(MIN_WIDTH, x1 - x0 + 2 * MARGIN_X))
    want_h = min(height, bottom - top + 2 * MARGIN_Y)
    left = min(max(0.0, (x0 + x1 - want_w) / 2), width - want_w)
    upper = min(max(0.0, (top + bottom - want_h) / 2), height - want_h)
    return (left, upper, left + want_w, upper + want_h)


def _finish(image: Image.Image, box: Box | None) -> PageImage:
    """Draw the highlight and encode: a 64-colour PNG keeps type crisp at a JPEG's size."""
    if box is not None:
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        x0, y0, x1, y1 = box
        ImageDraw.Draw(overlay).rectangle(
            (x0 - 3, y0 - 3, x1 + 3, y1 + 3), fill=HIGHLIGHT_FILL, outline=HIGHLIGHT_EDGE, width=2
        )
        image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    buffer = io.BytesIO()
    image.quantize(colors=64).save(buffer, format="PNG", optimize=True)
    return PageImage(buffer.getvalue(), "image/png", image.width, image.height)


@dataclass(frozen=True)
class CellWindow:
    """The cells around one workbook cell: column letters, and rows of (text, is the cell)."""

    file: str
    sheet: str
    target: str  # "B4"
    columns: tuple[str, ...]
    rows: tuple[tuple[int, tuple[tuple[str, bool], ...]], ...]


_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")


def cell_windows(path: Path, locators: Sequence[str]) -> list[CellWindow | None]:
    """For each ``Sheet!B4`` locator, the cells around it in the workbook at ``path``."""
    try:
        with path.open("rb") as handle:
            workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
            try:
                return [_window(workbook, path.name, locator) for locator in locators]
            finally:
                workbook.close()
    except Exception as exc:  # openpyxl raises many kinds; a picture is optional
        log.debug("cannot show cells of %s: %s", path, exc)
        return [None] * len(locators)


def _window(workbook: openpyxl.Workbook, name: str, locator: str) -> CellWindow | None:
    """Two rows above and one below; from column A when it is near (the row's label is there)."""
    sheet_name, _, ref = locator.rpartition("!")
    sheet_name = sheet_name.strip("'")
    match = _CELL.match(ref)
    if not match or sheet_name not in workbook.sheetnames:
        return None
    sheet = workbook[sheet_name]
    column, row = column_index_from_string(match[1]), int(match[2])
    first_row, last_row = max(1, row - 2), row + 1
    first_col = 1 if column <= 6 else column - 3
    grid = [
        list(values)
        for values in sheet.iter_rows(
            min_row=first_row,
            max_row=last_row,
            min_col=first_col,
            max_col=column + 1,
            values_only=True,
        )
    ]
    # Never show an empty column right of the cell: read-only sheets pad to the bounds asked.
    while grid and len(grid[0]) > column - first_col + 1 and all(r[-1] is None for r in grid):
        for r in grid:
            r.pop()
    rows = tuple(
        (
            number,
            tuple(
                (_cell_text(value), number == row and first_col + i == column)
                for i, value in enumerate(values)
            ),
        )
        for number, values in enumerate(grid, start=first_row)
    )
    width = len(grid[0]) if grid else 0
    columns = tuple(get_column_letter(c) for c in range(first_col, first_col + width))
    return CellWindow(name, sheet.title, f"{match[1]}{match[2]}", columns, rows)


def _cell_text(value: object, limit: int = 60) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value if len(value) <= limit else value[: limit - 1] + "…"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class SourceLines:
    """Lines of a text file around a field: (line number, text, is part of the field)."""

    file: str
    lines: tuple[tuple[int, str, bool], ...]


def manifest_lines(path: Path, field_path: str, *, context: int = 1) -> SourceLines | None:
    """The lines of a YAML (or JSON) manifest that hold ``field_path`` (``documents[1].role``)."""
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    key_line: int | None = None
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", field_path):
        if isinstance(node, yaml.MappingNode):
            found = next(((k, v) for k, v in node.value if k.value == part), None)
            if found is None:
                return None
            key_line, node = found[0].start_mark.line, found[1]
        elif isinstance(node, yaml.SequenceNode) and part.startswith("["):
            index = int(part[1:-1])
            if index >= len(node.value):
                return None
            node = node.value[index]
            key_line = node.start_mark.line
        else:
            return None
    if key_line is None or node is None:
        return None
    # A block value ends at the start of the next key: its end mark is the next line's column 0.
    end = node.end_mark.line - (node.end_mark.column == 0 and node.end_mark.line > key_line)
    end = min(end, key_line + 5)  # a long folded text: its start is enough
    all_lines = text.splitlines()
    first, last = max(0, key_line - context), min(len(all_lines) - 1, end + context)
    return SourceLines(
        path.name,
        tuple((n + 1, all_lines[n], key_line <= n <= end) for n in range(first, last + 1)),
    )
