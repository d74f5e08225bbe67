"""Lines of positioned tokens, built once per document, for every extractor.

A PDF page's words become lines (words sharing a vertical band), each line split into
*segments* where a wide horizontal gap separates columns. A line's ``text`` joins the words of a
segment with a space and segments with a tab, so a regex never reads across two columns
("Rechnung an: Kunde GmbH <gap> Gesamtbetrag: 80,65" stays two phrases). Workbook rows and
e-mail/plain-text lines are laid out the same way with synthetic boxes, so the label→value
search works on all three; evidence is mapped back to a page box, a cell or the text.

Everything is O(n log n) in the number of words: one sort per page, one pass to group.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property

from coop_rules.documents.model import Document, Word, visual_lines
from coop_rules.evidence import Evidence
from coop_rules.extraction.tilt import level

# A horizontal gap wider than this many line heights separates two columns (word spaces are
# about a quarter of the font size, table columns one or more).
COLUMN_GAP = 1.1
# OCR's word boxes hug the ink: a line of capitals is its cap height high, about 0.7 of the
# font's size that a text layer's boxes span, so the same gap measures more of a box height.
OCR_COLUMN_GAP = 1.6
# A word of three or more characters whose box is this many times taller than wide is printed
# sideways; when at most this share of a page's words is, they are kept apart (see _bands).
TURNED_RATIO, MAX_TURNED_SHARE = 2.0, 0.2
# Synthetic geometry for workbook cells and text lines (points per column / row / character).
CELL_WIDTH, CELL_HEIGHT, CHAR_WIDTH = 100.0, 20.0, 6.0


@dataclass(frozen=True)
class Token:
    """A word (PDF), a cell (workbook) or a word of a text line, with its box.

    ``page`` groups tokens that can be above/below each other: the PDF page, or the sheet's
    ordinal for cells. ``cell`` is the workbook locator; ``native`` the cell's typed value.
    """

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    page: int | None
    cell: str | None = None
    native: date | Decimal | None = None


@dataclass
class Line:
    """Tokens on one visual line, left to right, with the joined text and token offsets."""

    index: int
    page: int | None
    tokens: list[Token]
    text: str = ""
    starts: list[int] = field(default_factory=list)

    # Cached: a line's tokens never change once it is built, and these are asked often.
    @cached_property
    def top(self) -> float:
        return min(t.top for t in self.tokens)

    @cached_property
    def bottom(self) -> float:
        return max(t.bottom for t in self.tokens)

    @cached_property
    def height(self) -> float:
        return max(1.0, min(t.bottom - t.top for t in self.tokens))

    def tokens_in(self, start: int, end: int) -> list[Token]:
        """The tokens that the character span ``[start, end)`` touches."""
        first = max(0, bisect_right(self.starts, start) - 1)
        out = []
        for i in range(first, len(self.tokens)):
            if self.starts[i] >= end:
                break
            if self.starts[i] + len(self.tokens[i].text) > start:
                out.append(self.tokens[i])
        return out


def _join(line: Line, breaks: set[int]) -> Line:
    parts: list[str] = []
    pos = 0
    for i, token in enumerate(line.tokens):
        if i:
            sep = "\t" if i in breaks else " "
            parts.append(sep)
            pos += 1
        line.starts.append(pos)
        parts.append(token.text)
        pos += len(token.text)
    line.text = "".join(parts)
    return line


@dataclass
class Layout:
    """A document's lines in reading order, and how to cite them."""

    path: str
    lines: list[Line]
    page_heights: dict[int, float] = field(default_factory=dict)

    def evidence(
        self, tokens: Sequence[Token], text: str | None = None, note: str | None = None
    ) -> Evidence:
        """Evidence for a value read from ``tokens`` (box = union of their boxes)."""
        shown = text if text is not None else " ".join(t.text for t in tokens)
        first = tokens[0]
        if first.cell is not None:
            return Evidence(self.path, shown, cell=first.cell, note=note)
        if first.page is None:
            return Evidence(self.path, shown, note=note)
        same = [t for t in tokens if t.page == first.page]
        box = (
            min(t.x0 for t in same),
            min(t.top for t in same),
            max(t.x1 for t in same),
            max(t.bottom for t in same),
        )
        return Evidence(self.path, shown, page=first.page, box=box, note=note)

    def below(
        self, line: Line, x0: float, x1: float, max_lines: int = 4, max_gap: float = 4.0
    ) -> Iterator[tuple[Line, list[Token]]]:
        """Lines under ``line`` on the same page with the tokens overlapping ``[x0, x1]``.

        Stops after ``max_lines`` lines or when the vertical gap exceeds ``max_gap`` line
        heights; lines with nothing in the column are skipped but count.
        """
        limit = line.bottom + max_gap * line.height
        for other in self.lines[line.index + 1 : line.index + 1 + max_lines]:
            if other.page != line.page or other.top > limit:
                return
            inside = [t for t in other.tokens if t.x0 < x1 and t.x1 > x0]
            yield other, inside

    def relative_top(self, line: Line) -> float:
        """Where ``line`` sits on its page, 0.0 (top) … 1.0 (bottom)."""
        height = self.page_heights.get(line.page or 0)
        return line.top / height if height else 0.5


def _turned(word: Word) -> bool:
    """Whether ``word`` reads up or down the page: a box much taller than wide for its text."""
    return len(word.text) >= 3 and word.bottom - word.top > TURNED_RATIO * (word.x1 - word.x0)


def _bands(words: Sequence[Word]) -> list[list[Word]]:
    """The page's visual lines; turned words (a margin note printed sideways) last, one each.

    A sideways word is as tall as a few lines of upright text, so grouped with them it would
    merge those lines into one ("Rechnungssumme Steuerbasisbetrag USt. Netto 7% 19%"). A page
    that is mostly sideways is left as it is: its words are its text.
    """
    shown = [w for w in words if w.text.strip()]
    turned = [w for w in shown if _turned(w)]
    if not turned or len(turned) > MAX_TURNED_SHARE * len(shown):
        return _level_lines(shown)
    upright = [w for w in shown if not _turned(w)]
    return _level_lines(upright) + [[w] for w in sorted(turned, key=lambda w: (w.top, w.x0))]


def _level_lines(words: list[Word]) -> list[list[Word]]:
    """The visual lines of ``words`` once a scan's tilt is taken out (:func:`~.tilt.level`),
    each word with its box as on the page."""
    levelled = level(words)
    if all(a is b for a, b in zip(levelled, words, strict=True)):
        return visual_lines(words)
    page_word = {id(lw): w for lw, w in zip(levelled, words, strict=True)}
    return [[page_word[id(lw)] for lw in band] for band in visual_lines(levelled)]


def _pdf_lines(
    words: Sequence[Word], page: int, first_index: int, column_gap: float = COLUMN_GAP
) -> list[Line]:
    """Group a page's words into lines and split them into column segments."""
    lines: list[Line] = []
    for band in _bands(words):
        tokens: list[Token] = []
        breaks: set[int] = set()
        for word in band:
            if tokens:
                prev = tokens[-1]
                gap = word.x0 - prev.x1
                height = min(prev.bottom - prev.top, word.bottom - word.top) or 1.0
                if word.text == prev.text and abs(gap + (word.x1 - word.x0)) < 1.0:
                    continue  # the same word printed twice (fake bold)
                if -0.5 <= gap <= 0.3 and not prev.text.endswith(":"):
                    # Touching glyph runs are one word ("F" + "actuurnummer:").
                    glued = prev.text + word.text.replace("\x00", "\ufffd")
                    tokens[-1] = Token(
                        glued,
                        prev.x0,
                        min(prev.top, word.top),
                        word.x1,
                        max(prev.bottom, word.bottom),
                        page,
                    )
                    continue
                if gap > column_gap * height:
                    breaks.add(len(tokens))
            # A glyph without a Unicode mapping comes out as NUL ("42A5DE55\x000071", a
            # hyphen): keep it visible as the replacement character rather than guess it.
            text = word.text.replace("\x00", "\ufffd")
            tokens.append(Token(text, word.x0, word.top, word.x1, word.bottom, page))
        lines.append(_join(Line(first_index + len(lines), page, tokens), breaks))
    return lines


def _cell_native(value: object) -> date | Decimal | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    return None


def build_layout(document: Document) -> Layout:
    """Lines of ``document``: PDF pages, workbook rows, or the lines of an e-mail/text body."""
    lines: list[Line] = []
    heights: dict[int, float] = {}
    if document.pages:
        for page in document.pages:
            heights[page.number] = page.height
            gap = COLUMN_GAP if page.ocr_confidence is None else OCR_COLUMN_GAP
            lines.extend(_pdf_lines(page.words, page.number, len(lines), gap))
    elif document.cells:
        sheets: dict[str, int] = {}
        rows: dict[tuple[int, int], list[Token]] = {}
        for cell in document.cells:
            sheet = sheets.setdefault(cell.sheet, len(sheets) + 1)
            x0, top = (cell.column - 1) * CELL_WIDTH, (cell.row - 1) * CELL_HEIGHT
            token = Token(
                " ".join(cell.text.split()),
                x0,
                top,
                x0 + 0.9 * CELL_WIDTH,
                top + 0.8 * CELL_HEIGHT,
                sheet,
                cell.locator,
                _cell_native(cell.value),
            )
            rows.setdefault((sheet, cell.row), []).append(token)
        for (sheet, _row), tokens in sorted(rows.items()):
            tokens.sort(key=lambda t: t.x0)
            # Every cell is its own column: a regex never reads across two cells.
            lines.append(_join(Line(len(lines), sheet, tokens), set(range(1, len(tokens)))))
    else:
        for row, raw in enumerate(document.text.splitlines()):
            tokens, breaks, col = [], set(), 0
            for piece in raw.expandtabs(4).split(" "):
                if piece:
                    if tokens and col - (tokens[-1].x1 / CHAR_WIDTH) >= 2:
                        breaks.add(len(tokens))  # two or more spaces: a column gap
                    tokens.append(
                        Token(
                            piece,
                            col * CHAR_WIDTH,
                            row * 12.0,
                            (col + len(piece)) * CHAR_WIDTH,
                            row * 12.0 + 10,
                            None,
                        )
                    )
                col += len(piece) + 1
            if tokens:
                lines.append(_join(Line(len(lines), None, tokens), breaks))
    return Layout(document.path, lines, heights)
