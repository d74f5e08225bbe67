"""An invoice's item table, read from its column headings and their x-positions.

A *header row* is a line whose words are mostly column headings (``data/*.yaml``, section
``lines``: description, quantity, unit price, amount, in every language) with an amount column
and at least one other, and no money on it. Each heading's box gives its column. The lines under
it, on the same page, are the table's rows until the totals block (a ``subtotal``, ``total``,
``tax`` or ``amount due`` label), a wide vertical gap, or the page's end:

* a row with an amount in the amount column starts an item; its description, quantity and unit
  price are read from the tokens under those headings;
* a row without an amount continues the description of the item above it (a description over
  several lines); text before the first item belongs to the first item.

A token belongs to a numeric column when its box overlaps the heading's, widened a little (right-
aligned numbers overhang a left-aligned heading); the description column runs from its heading to
the next heading. Workbook rows work the same way, every cell a token, typed cells used as they
are.

Two kinds of rows are read by what they say, not only where they stand:

* a *carried-forward* row (``Übertrag``, ``Carried forward`` / ``Brought forward``, ``À
  reporter`` / ``Report``, ``繰越``: lexicon field ``carried``) at the foot of a page or the head
  of the next carries the running sum: it is no item, and it is known by its words *and* its
  amount, which is the sum of the items above it;
* a *discount* row (``Rabatt``, ``Discount``, ``Remise``, ``할인``, ``折扣``: field ``discount``)
  is an item that lowers the sum, also where it starts with a word that elsewhere ends the
  table. Printed without a minus sign, it is subtracted only when the rows then add up to a
  printed total (a discount lowers a sum, and the arithmetic says it was meant so).

Amounts must be right rather than many (the rules check ``Σ lines = subtotal``): a row whose
quantity × unit price is not its amount keeps its values with a lower confidence and a note, and
a table's amounts are confident only when they add up to the printed subtotal or total.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal

from coop_rules.evidence import Extracted
from coop_rules.extraction.fields import Context
from coop_rules.extraction.layout import Line, Token
from coop_rules.extraction.lexicon import LabelMatcher, section_matcher
from coop_rules.extraction.model import LineItem
from coop_rules.extraction.parsing import find_amounts
from coop_rules.extraction.values import amount_candidates

COLUMNS = ("description", "quantity", "unit_price", "amount")
NUMERIC = ("quantity", "unit_price", "amount")
OTHER = ""  # a heading of a column we do not read ("Pos", "USt. %"): it bounds its neighbours
FOOTER = "footer"  # words of a page's footer (bank, registry) in the lines section
CARRIED, DISCOUNT = "carried", "discount"  # a running sum carried over a page; a discount row
INCLUDED, GROSS = "included", "gross"  # a part of the item above; an amount heading with tax
# Labels of the invoice section that end a table: the totals block.
TOTALS = frozenset({"subtotal", "subtotal_items", "total", "total_gross", "amount_due", "tax"})
LINE_START = frozenset({"not_total", "tax_id"})  # "Netto 87,39 €", "USt. (19 %) 16,61 €"
MAX_ROWS = 500
ROW_GAP = 4.0  # a vertical gap of more line heights than this ends the table …
# … but rows in small print (under 7 pt) are set with more air than their height suggests:
# for them the gap is four lines of 12 pt.
SMALL_PRINT, MIN_ROW_GAP = 7.0, 48.0
SLACK = 0.6  # how far (in line heights) a number may overhang its heading's box
MIN_HEADING_SHARE = 0.4  # of a header row's characters that are column headings
NEXT_PAGE_LINES = 6  # a table cut by a page's foot goes on within this many lines of the next
STACK, STACK_GAP = 2, 1.0  # a heading may run over this many lines above/below, this close
FONT_CHANGE = 0.15  # a line this much smaller or larger than the one above is set in another font
# A page number on a line of its own: "Page 1 of 3", "Seite 2 von 2", "1 / 1".
# What qualifies a money heading: its tax state or its currency ("HT", "netto", "(EUR)", "€").
_QUALIFIER = re.compile(
    r"^\(?(?:ht|ttc|net|netto|brutto|gross|excl|incl|exkl|inkl|excl\.|incl\.|exkl\.|inkl\.|"
    r"[A-Z]{3}|[€$£¥])\)?[.:]?$",
    re.IGNORECASE,
)
_PAGE_NUMBER = re.compile(
    r"^(?:[^\W\d]+\.?\s*)?\d{1,3}\s*(?:/|of|von|de|sur|di|van|da)\s*\d{1,3}$", re.IGNORECASE
)


@dataclass(frozen=True)
class Column:
    """A column of the table: its field, its heading's text and x-range."""

    field: str
    heading: str
    x0: float
    x1: float


@dataclass
class _Row:
    """An item while it is read: its cells, as tokens, per column; ``discount`` when its words
    name a discount."""

    cells: dict[str, list[Token]]
    amount: Decimal | None
    discount: bool = False
    subtracted: bool = False  # a discount printed without its minus sign, subtracted


def _header(line: Line, matcher: LabelMatcher, ctx: Context) -> list[Column] | None:
    """The columns if ``line`` is an item table's header row, else None."""
    hits = [h for h in matcher.find(line.text) if h.field in COLUMNS]
    fields = {h.field for h in hits}
    if "amount" not in fields or len(fields) < 2:
        return None
    heading_chars = sum(len(h.text.replace(" ", "")) for h in hits)
    if heading_chars < MIN_HEADING_SHARE * len(line.text.replace(" ", "").replace("\t", "")):
        return None
    if any(a.decimals == 2 for a in ctx.amounts(line.text)):
        return None  # money on the line: a row, not a heading
    columns: dict[str, Column] = {}
    for hit in hits:
        tokens = line.tokens_in(hit.start, hit.end)
        if not tokens:
            continue
        column = Column(hit.field, hit.text, min(t.x0 for t in tokens), max(t.x1 for t in tokens))
        # The rightmost amount heading is the line's amount ("Preis … Gesamtpreis"); the first
        # description heading is the description.
        if hit.field not in columns or hit.field == "amount":
            columns[hit.field] = column
    ordered = sorted(columns.values(), key=lambda c: c.x0)
    if ordered[-1].field != "amount" and "amount" not in {c.field for c in ordered[-2:]}:
        return None  # the amount column stands at the right end of an item table
    return sorted(ordered + _other_columns(line, ordered), key=lambda c: c.x0)


def _other_columns(line: Line, named: list[Column]) -> list[Column]:
    """The header row's segments without a heading we read ("Pos", "Rabatt %")."""
    segments: list[list[Token]] = []
    for i, token in enumerate(line.tokens):
        if not segments or line.text[line.starts[i] - 1] == "\t":
            segments.append([])
        segments[-1].append(token)
    return [
        Column(OTHER, " ".join(t.text for t in seg), seg[0].x0, seg[-1].x1)
        for seg in segments
        if not any(c.x0 <= t.x0 and t.x1 <= c.x1 for t in seg for c in named)
    ]


def _block(ctx: Context, index: int) -> list[Line]:
    """The header row at ``index`` with the lines stacked right above and below it: close,
    on the same page, without money (headings written over two or more lines)."""
    lines = ctx.layout.lines
    line = lines[index]
    block = [line]
    for step in (-1, 1):
        near = line
        for other in (
            lines[index + step :: step][:STACK] if step > 0 else lines[:index][::-1][:STACK]
        ):
            gap = other.top - near.bottom if step > 0 else near.top - other.bottom
            if other.page != line.page or gap > STACK_GAP * line.height:
                break
            if any(a.decimals == 2 for a in ctx.amounts(other.text)):
                break
            block.append(other)
            near = other
    return sorted(block, key=lambda b: b.index)


def _stacked_header(
    ctx: Context, matcher: LabelMatcher, index: int
) -> tuple[list[Column], Line] | None:
    """The columns of a header whose headings are written over several lines ("Positions-" /
    "betrag" over "Pos Beschreibung Nettopreis Menge"), and the block's last line; else None.

    Only a line that already has two kinds of headings and no amount heading is tried. The
    tokens of the block are grouped by the x-range they share; each group's words, top to
    bottom (a word broken with a hyphen joined again), are one heading.
    """
    line = ctx.layout.lines[index]
    fields = {h.field for h in matcher.find(line.text) if h.field in COLUMNS}
    if len(fields) < 2 or "amount" in fields:
        return None
    if any(a.decimals == 2 for a in ctx.amounts(line.text)):
        return None
    block = _block(ctx, index)
    if len(block) == 1:
        return None
    groups: list[list[Token]] = []
    # A heading's tax or currency qualifier stays with it in its cell ("Prix" + "HT"): it is
    # no column of its own.
    cell = {
        id(t): (b.index, b.text[: b.starts[i]].count("\t"))
        for b in block
        for i, t in enumerate(b.tokens)
    }
    for token in sorted((t for b in block for t in b.tokens), key=lambda t: t.x0):
        qualifier = groups and bool(_QUALIFIER.match(token.text))
        same_cell = qualifier and any(cell[id(t)] == cell[id(token)] for t in groups[-1])
        if groups and (same_cell or token.x0 < max(t.x1 for t in groups[-1])):
            groups[-1].append(token)
        else:
            groups.append([token])
    named: list[Column] = []
    others: list[Column] = []
    for group in groups:
        text = ""
        for token in sorted(group, key=lambda t: (t.top, t.x0)):
            if text.endswith("-") and token.text[:1].islower():
                text = text[:-1] + token.text  # "Positions-" + "betrag"
            else:
                text = f"{text} {token.text}".strip()
        hits = [h for h in matcher.find(text) if h.field in COLUMNS]
        if not hits:
            others.append(Column(OTHER, text, min(t.x0 for t in group), max(t.x1 for t in group)))
            continue
        named.append(
            Column(hits[0].field, text, min(t.x0 for t in group), max(t.x1 for t in group))
        )
    columns: dict[str, Column] = {}
    for column in _second_price_as_amount(named):
        if column.field not in columns or column.field == "amount":
            columns[column.field] = column
    ordered = sorted(columns.values(), key=lambda c: c.x0)
    if "amount" not in columns or len(ordered) < 2:
        return None
    if "amount" not in {c.field for c in ordered[-2:]}:
        return None  # the amount column stands at the right end of an item table
    return sorted(ordered + others, key=lambda c: c.x0), block[-1]


def _second_price_as_amount(named: list[Column]) -> list[Column]:
    """Headings left to right, where a table without an amount heading has two price headings
    ("Prix unitaire … Prix HT", "Price … Price (EUR)"): the right one is the line's amount
    (a unit price comes before the line's total, never twice)."""
    named = sorted(named, key=lambda c: c.x0)
    prices = [c for c in named if c.field == "unit_price"]
    if any(c.field == "amount" for c in named) or len(prices) < 2:
        return named
    last = prices[-1]
    amount = Column("amount", last.heading, last.x0, last.x1)
    return [amount if c is last else c for c in named]


def _cells(line: Line, columns: list[Column]) -> dict[str, list[Token]]:
    """The row's tokens by column (tokens under a column we do not read are dropped).

    A numeric column takes the tokens its widened heading overlaps, the rightmost one also
    those right of it (a right-aligned amount under a short heading: nothing else is there).
    The description takes the tokens between the column left of it and the one right of it:
    its heading may stand centred over a wider column.
    """
    slack = SLACK * line.height
    out: dict[str, list[Token]] = {c.field: [] for c in columns}
    last = columns[-1]
    for token in line.tokens:
        best, overlap = None, 0.0
        for column in columns:
            if column.field == "description":
                continue
            shared = min(token.x1, column.x1 + slack) - max(token.x0, column.x0 - slack)
            if shared > overlap:
                best, overlap = column, shared
        if best is None and last.field in NUMERIC and token.x0 > last.x1:
            best = last
        if best is not None:
            out[best.field].append(token)
            continue
        for i, column in enumerate(columns):
            if column.field != "description":
                continue
            left = min(column.x0, columns[i - 1].x1) + slack if i else float("-inf")
            right = columns[i + 1].x0 - slack if i + 1 < len(columns) else float("inf")
            if token.x0 >= min(left, column.x0 - slack) and token.x1 <= right:
                out[column.field].append(token)
    out.pop(OTHER, None)
    return out


def _native(tokens: list[Token]) -> Decimal | None:
    typed = [t.native for t in tokens if isinstance(t.native, Decimal)]
    return typed[-1] if len(typed) == 1 else None


def _number(ctx: Context, tokens: list[Token], money: bool) -> Decimal | None:
    """The one number in a cell (the last money amount for a price or an amount column)."""
    if not tokens:
        return None
    native = _native(tokens)
    if native is not None:
        return native
    text = " ".join(t.text for t in tokens)
    if money:
        found = [a for a in ctx.amounts(text) if a.decimals in (0, 2, 3, 4)]
        return found[-1].value if found else None
    found = [a for a in find_amounts(text, decimal_comma=ctx.decimal_comma) if not a.percent]
    return found[0].value if len(found) == 1 else None


def _ends_table(ctx: Context, line: Line, columns: list[Column]) -> bool:
    """Whether ``line`` starts the totals block: a totals label first in its column segment
    with money on the line, or a net/discount/VAT label first on the line with money in the
    amount column. "Tax: 0.2 %" or "Bruttopreis : 4,0000" under an item is part of it."""
    for hit in ctx.hits[line.index]:
        segment_start = not line.text[: hit.start].split("\t")[-1].strip()
        if hit.field in TOTALS and segment_start:
            return any(not a.percent for a in ctx.amounts(line.text))
        if hit.field in LINE_START and hit.start == 0:
            if _row_words(ctx, line, DISCOUNT):
                return False  # "Rabatt 5 %  -142,50": a discount row of the table
            return _number(ctx, _cells(line, columns).get("amount", []), money=True) is not None
    return False


def _row_words(ctx: Context, line: Line, field: str) -> bool:
    """Whether the first words of ``line`` (its first column segment) are a ``lines`` label of
    ``field`` ("Übertrag", "Carried forward", "Rabatt 5 %"), perhaps after a position number."""
    first = line.text.split("\t")
    text = first[1] if len(first) > 1 and first[0].strip().isdigit() else first[0]
    return any(
        h.field == field and h.start == 0 for h in section_matcher("lines", ctx.lang).find(text)
    )


def _another_header(ctx: Context, line: Line) -> bool:
    """Whether ``line`` heads another table: three or more columns, no money, and the last
    one nothing but an amount heading ("Art | % | Basisbetrag | Steuer | Betrag" over a table
    of charges and allowances under the items)."""
    segments = line.text.split("\t")
    if len(segments) < 3:
        return False
    last = segments[-1].strip()
    hits = section_matcher("lines", ctx.lang).find(last)
    if not (len(hits) == 1 and hits[0].field == "amount" and hits[0].text == last):
        return False
    return not any(a.decimals == 2 for a in ctx.amounts(line.text))


def _continues(ctx: Context, columns: list[Column], line: Line) -> Line | None:
    """The first row of a table that runs on from the foot of a page: within the first lines
    of the next page, a line with money in the amount column and nothing that ends a table
    or a column heading before it (a page's letterhead in between is skipped)."""
    lines = ctx.layout.lines
    for other in lines[line.index : line.index + NEXT_PAGE_LINES]:
        if other.page != line.page or _ends_table(ctx, other, columns):
            return None
        headings = {h.field for h in section_matcher("lines", ctx.lang).find(other.text)}
        if len(headings & set(COLUMNS)) >= 2:
            return None  # column headings: another table (or this one's, we do not know)
        if _number(ctx, _cells(other, columns).get("amount", []), money=True) is not None:
            return other
    return None


def _footer(ctx: Context, line: Line, last: Line, widest: float) -> bool:
    """Whether ``line``, under a row of the table and without an amount, is no part of an
    item's description but the page's footer: footer words (bank, IBAN, registered office),
    a page number, or a change of font size across a wider gap than any in the table."""
    if _PAGE_NUMBER.match(line.text.replace("\t", " ").strip()):
        return True
    if any(h.field == FOOTER for h in section_matcher("lines", ctx.lang).find(line.text)):
        return True
    resized = abs(line.height - last.height) > FONT_CHANGE * last.height
    return resized and line.top - last.bottom > widest


def _carried(ctx: Context, line: Line, above: list[_Row], value: Decimal) -> bool:
    """Whether ``line`` carries the running sum over a page break: carried-forward words and
    the sum of the items ``above`` it (in this table and those before) as its amount."""
    if not above or not _row_words(ctx, line, CARRIED):
        return False
    return value == sum((row.amount or Decimal(0) for row in above), Decimal(0))


def _row_gap(line: Line) -> float:
    """The largest vertical gap (points) after ``line`` within a table."""
    return ROW_GAP * line.height if line.height >= SMALL_PRINT else MIN_ROW_GAP


def _rows(
    ctx: Context, columns: list[Column], header: Line, before: list[_Row]
) -> tuple[list[_Row], int]:
    """The table's items under ``header``, and the index of the first line after it
    (``before``: the items of the tables above, whose sum a carried-forward row repeats)."""
    rows: list[_Row] = []
    pending: list[Token] = []
    last = header
    widest = 0.0  # the widest vertical gap between lines of the table so far
    index = header.index + 1
    lines = ctx.layout.lines
    while index < len(lines) and len(rows) < MAX_ROWS:
        line = lines[index]
        if line.page != last.page and rows:
            # The page ended inside the table: it may go on at the top of the next page.
            first = _continues(ctx, columns, line)
            if first is None:
                break
            line, index = first, first.index
        elif line.page != last.page or line.top - last.bottom > _row_gap(last):
            break
        if _ends_table(ctx, line, columns) or _another_header(ctx, line):
            break
        cells = _cells(line, columns)
        amount_tokens = cells.get("amount", [])
        value = _number(ctx, amount_tokens, money=True)
        if value is None and rows and _footer(ctx, line, last, widest):
            break
        if line.page == last.page:
            widest = max(widest, line.top - last.bottom)
        if value is not None and _carried(ctx, line, before + rows, value):
            pass  # the running sum carried to or from another page: no item
        elif value is not None and rows and _row_words(ctx, line, INCLUDED):
            # "Incl. recycling fee  4,24": what the item above includes, no item of its own.
            rows[-1].cells.setdefault("description", []).extend(cells.get("description", []))
        elif value is not None:
            rows.append(_Row(cells, value, _row_words(ctx, line, DISCOUNT)))
            if pending and len(rows) == 1:
                rows[0].cells["description"] = pending + rows[0].cells.get("description", [])
            pending = []
        else:
            words = cells.get("description", [])
            if rows:
                rows[-1].cells.setdefault("description", []).extend(words)
            else:
                pending.extend(words)
        last = line
        index += 1
    return rows, index


def _item(
    ctx: Context,
    row: _Row,
    columns: dict[str, Column],
    confidence: float,
    doubt: str | None = None,
) -> LineItem:
    values: dict[str, Extracted] = {}
    for field in NUMERIC:
        tokens = row.cells.get(field, [])
        if field == "amount":
            number = row.amount
        else:
            number = _number(ctx, tokens, money=field == "unit_price")
        if number is None or not tokens:
            continue
        note = f"column: {columns[field].heading}"
        if field == "amount" and row.subtracted:
            note += "; a discount, subtracted: the rows then add up to the printed total"
        if doubt:
            note += f"; {doubt}"
        text = " ".join(t.text for t in tokens)
        values[field] = Extracted(number, ctx.layout.evidence(tokens, text, note), confidence)
    words = row.cells.get("description", [])
    if words and "description" in columns:
        text = " ".join(t.text for t in words)
        note = f"column: {columns['description'].heading}"
        values["description"] = Extracted(text, ctx.layout.evidence(words, text, note), 0.8)
    quantity, price, amount = (values.get(f) for f in NUMERIC)
    if quantity is not None and price is not None and amount is not None:
        product = Decimal(str(quantity.value)) * Decimal(str(price.value))
        if abs(product - Decimal(str(amount.value))) > max(
            Decimal("0.01") * abs(Decimal(str(amount.value))), Decimal("0.02")
        ):
            # A discount or a misread column: keep the values, say so, and trust them less.
            for field in NUMERIC:
                found = values[field]
                note = f"{found.evidence.note}; quantity × unit price ≠ amount"
                values[field] = Extracted(
                    found.value, replace(found.evidence, note=note), min(found.confidence, 0.5)
                )
    return LineItem(**values)


def read_line_items(
    ctx: Context, fields: dict[str, Extracted]
) -> tuple[tuple[LineItem, ...], bool]:
    """The rows of every item table in ``ctx``, and whether their amounts include tax (every
    table's amount heading says so)."""
    matcher = section_matcher("lines", ctx.lang)
    tables: list[tuple[list[_Row], dict[str, Column]]] = []
    index = 0
    lines = ctx.layout.lines
    while index < len(lines):
        header = lines[index]
        columns = _header(header, matcher, ctx)
        if columns is None:
            stacked = _stacked_header(ctx, matcher, index)
            if stacked is None:
                index += 1
                continue
            columns, header = stacked
        rows, index = _rows(ctx, columns, header, [r for table, _ in tables for r in table])
        if rows:
            tables.append((rows, {c.field: c for c in columns}))
    if not tables:
        return (), False
    rows = [row for rows, _ in tables for row in rows]
    kept, note = _checked(rows, _targets(ctx, fields))
    items = []
    for row, by_field in ((row, cols) for table, cols in tables for row in table):
        if kept is not None and not any(row is r for r in kept):
            continue
        items.append(_item(ctx, row, by_field, 0.9 if kept is not None else 0.5, note))
    gross = all(_gross(matcher, columns) for _rows, columns in tables)
    return tuple(items), gross


def _gross(matcher: LabelMatcher, columns: dict[str, Column]) -> bool:
    """Whether the amount column's heading says its amounts include tax ("Prijs incl. BTW",
    "Montant TTC", "Betrag brutto")."""
    amount = columns.get("amount")
    if amount is None:
        return False
    text = amount.heading
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == " "]
    # The gross words are inside the amount heading's own label ("prijs incl. btw").
    return any(h.field == GROSS for i in starts for h in matcher.find(text[i:]))


def _targets(ctx: Context, fields: dict[str, Extracted]) -> list[Decimal]:
    """What the lines may add up to: the printed subtotal, total, amount due, total − tax, and
    a printed sum of the items before discounts and charges ("Positionssumme")."""
    values = {
        name: Decimal(str(found.value))
        for name in ("subtotal", "total", "amount_due", "tax")
        if (found := fields.get(name)) is not None and isinstance(found.value, Decimal)
    }
    out = [values[n] for n in ("subtotal", "total", "amount_due") if n in values]
    if "total" in values and "tax" in values:
        out.append(values["total"] - values["tax"])
    out += [Decimal(str(c.value.value)) for c in amount_candidates(ctx, {"subtotal_items": 1.0})]
    return out


def _checked(rows: list[_Row], targets: list[Decimal]) -> tuple[list[_Row] | None, str | None]:
    """The rows that add up to a printed total, or (None, why) when no run of them does.

    The longest run from the first row whose amounts add up to a target is kept: rows after
    it are a totals block the table's end was not recognised in ("390.00  0.00  390.00" under
    a summary heading). Trailing rows of zero without a quantity add nothing and are dropped.
    Discount rows printed without a minus sign are subtracted when that makes a longer run
    add up (see the module docstring).
    """
    best = _longest_run(rows, targets, subtract_discounts=False)
    if any(row.discount and (row.amount or 0) > 0 for row in rows):
        subtracted = _longest_run(rows, targets, subtract_discounts=True)
        if subtracted and subtracted > (best or 0):
            best = subtracted
            for row in rows[:best]:
                if row.discount and row.amount is not None and row.amount > 0:
                    row.amount, row.subtracted = -row.amount, True
    if best is None:
        return None, "the lines do not add up to the printed subtotal or total"
    kept = rows[:best]
    while len(kept) > 1 and kept[-1].amount == 0 and not kept[-1].cells.get("quantity"):
        kept.pop()
    return kept, None


def _longest_run(rows: list[_Row], targets: list[Decimal], subtract_discounts: bool) -> int | None:
    """The number of rows from the first whose amounts add up to a target (the most such)."""
    running = Decimal(0)
    best: int | None = None
    for i, row in enumerate(rows):
        amount = row.amount or Decimal(0)
        running += -abs(amount) if subtract_discounts and row.discount else amount
        if running in targets:
            best = i + 1
    return best
