"""Party blocks side by side: the seller's and the buyer's boxes of a form, each with its own
name row.

Tax-invoice forms (the Korean 세금계산서 above all, and many Japanese and Chinese forms) print
the supplier (공급자) and the buyer (공급받는자) as two boxes on the same rows, each headed by
its party word, and each with the same row labels (등록번호, 상호(법인명), 성명, 사업장 주소).
Read line by line, the two names share one line and one label word, so nothing but the
heading above or beside each box says whose name is whose. Here:

* a *heading* is a party label (lexicon fields ``vendor`` / ``bill_to``) written top to bottom
  in a narrow cell, one character a line (the way CJK forms head a box): single CJK characters
  stacked in one column, read top to bottom. (Horizontal headings side by side are left to the
  label search: on Western forms their boxes hold no name row, and "Nom" or "Name" under them
  is often a contact's.)
* a seller heading and a buyer heading on the same page whose vertical extents overlap head two
  boxes: each box runs from its heading to the other's (the right one to the page's edge), over
  the rows beside the headings;
* in each box, the value after the first ``name`` label (상호, 회사명, 名稱, Name; a second
  label glued to it, "상호(법인명)", is part of it) up to the box's edge is the party's name.

Nothing is read unless both headings are found.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from coop_rules.extraction.fields import Context, Window
from coop_rules.extraction.layout import Token

PARTIES = ("vendor", "bill_to")
STACK_GAP = 3.0  # glyph heights between two characters of a vertical word
BOX_MARGIN = 2.0  # points: a box starts this far left of its heading


@dataclass(frozen=True)
class Heading:
    """A party heading: its field, text and box on the page."""

    field: str
    text: str
    page: int | None
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass(frozen=True)
class PartyBox:
    """One party's box of a grid and the name read in it (None when none is)."""

    heading: Heading
    x0: float
    x1: float
    top: float
    bottom: float
    name: tuple[str, Window, int, int] | None

    def holds(self, token: Token) -> bool:
        centre = (token.x0 + token.x1) / 2
        return (
            token.page == self.heading.page
            and self.x0 <= centre < self.x1
            and self.top - 1 <= token.top
            and token.bottom <= self.bottom + 1
        )


def _cjk_letter(text: str) -> bool:
    return len(text) == 1 and not text.isascii() and unicodedata.category(text).startswith("Lo")


def _vertical_headings(ctx: Context) -> list[Heading]:
    """Party words written top to bottom, one CJK character a line."""
    stacks: list[list[Token]] = []
    for line in ctx.layout.lines:
        for token in line.tokens:
            if not _cjk_letter(token.text):
                continue
            centre, size = (token.x0 + token.x1) / 2, token.bottom - token.top
            for stack in stacks:
                last = stack[-1]
                if (
                    last.page == token.page
                    and abs((last.x0 + last.x1) / 2 - centre) < size / 2
                    and 0 <= token.top - last.bottom < STACK_GAP * size
                ):
                    stack.append(token)
                    break
            else:
                stacks.append([token])
    out = []
    for stack in stacks:
        text = "".join(t.text for t in stack)
        if len(stack) < 2:
            continue
        # The characters are spread over the box's height: it reaches a spacing beyond them.
        spacing = (stack[-1].top - stack[0].top) / (len(stack) - 1)
        hits = ctx.matcher.find(text)
        if hits and hits[0].field in PARTIES and (hits[0].start, hits[0].end) == (0, len(text)):
            out.append(
                Heading(
                    hits[0].field,
                    text,
                    stack[0].page,
                    min(t.x0 for t in stack),
                    max(t.x1 for t in stack),
                    stack[0].top - spacing,
                    stack[-1].bottom + spacing,
                )
            )
    return out


def _name_in(ctx: Context, box: PartyBox) -> tuple[str, Window, int, int] | None:
    """The value after the box's first ``name`` label, up to the box's edge."""
    for line in ctx.layout.lines:
        if line.page != box.heading.page or line.bottom < box.top or line.top > box.bottom:
            continue
        hits = [
            h
            for h in ctx.hits[line.index]
            if h.field == "name" and all(box.holds(t) for t in line.tokens_in(h.start, h.end))
        ]
        if not hits:
            continue
        end = hits[0].end
        for hit in hits[1:]:
            if hit.start - end <= 2:  # "상호(법인명)": one label written two ways
                end = hit.end
        while end < len(line.text) and line.text[end] in "):：） ":
            end += 1
        stop = next((h.start for h in hits if h.start >= end), len(line.text))
        for token, start in zip(line.tokens, line.starts, strict=True):
            if start >= end and not box.holds(token):
                stop = min(stop, start)
                break
        text = line.text[end:stop].split("\t")[0].strip()
        if not text:
            continue
        offset = line.text.index(text, end)
        window = Window(line, offset, offset + len(text))
        return text, window, 0, len(text)
    return None


def party_boxes(ctx: Context) -> dict[str, PartyBox]:
    """The seller's and the buyer's boxes of a grid, by field (empty when the page has none)."""
    headings = _vertical_headings(ctx)
    sellers = [h for h in headings if h.field == "vendor"]
    buyers = [h for h in headings if h.field == "bill_to"]
    for seller in sellers:
        for buyer in buyers:
            if seller.page != buyer.page or seller.bottom < buyer.top or buyer.bottom < seller.top:
                continue
            if abs(seller.x0 - buyer.x0) < max(seller.x1 - seller.x0, buyer.x1 - buyer.x0):
                continue  # one above the other: not side by side
            top, bottom = min(seller.top, buyer.top), max(seller.bottom, buyer.bottom)
            left, right = sorted((seller, buyer), key=lambda h: h.x0)
            bounds = {
                left.field: (left.x0 - BOX_MARGIN, right.x0 - BOX_MARGIN),
                right.field: (right.x0 - BOX_MARGIN, float("inf")),
            }
            boxes = {}
            for heading in (seller, buyer):
                x0, x1 = bounds[heading.field]
                box = PartyBox(heading, x0, x1, top, bottom, None)
                boxes[heading.field] = PartyBox(heading, x0, x1, top, bottom, _name_in(ctx, box))
            return boxes
    return {}
