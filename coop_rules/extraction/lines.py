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

Amounts must be right rather than many (the rules check ``Σ lines = subtotal``): a row whose
quantity × unit price is not its amount keeps its values with a lower confidence and a note, and
a table's amounts are confident only when they add up to the printed subtotal or total.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from coop_rules.evidence import Extracted
from coop_rules.extraction.fields import Context
from coop_rules.extraction.layout import Line, Token
from coop_rules.extraction.lexicon import LabelMatcher, section_matcher
from coop_rules.extraction.model import LineItem
from coop_rules.extraction.parsing import find_amounts

COLUMNS = ("description", "quantity", "unit_price", "amount")
NUMERIC = ("quantity", "unit_price", "amount")
# Labels of the invoice section that end a table: the totals block.
TOTALS = frozenset({"subtotal", "total", "total_gross", "amount_due", "tax"})
LINE_START = frozenset({"not_total", "tax_id"})  # "Netto 87,39 €", "USt. (19 %) 16,61 €"
MAX_ROWS = 500
ROW_GAP = 4.0  # a vertical gap of more line heights than this ends the table
SLACK = 0.6  # how far (in line heights) a number may overhang its heading's box
MIN_HEADING_SHARE = 0.4  # of a header row's characters that are column headings


@dataclass(frozen=True)
class Column:
    """A column of the table: its field, its heading's text and x-range."""

    field: str
    heading: str
    x0: float
    x1: float


@dataclass
class _Row:
    """An item while it is read: its cells, as tokens, per column."""

    cells: dict[str, list[Token]]
    amount: Decimal | None


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
    return ordered


def _cells(line: Line, columns: list[Column]) -> dict[str, list[Token]]:
    """The row's tokens by column."""
    slack = SLACK * line.height
    out: dict[str, list[Token]] = {c.field: [] for c in columns}
    for token in line.tokens:
        best, overlap = None, 0.0
        for column in columns:
            if column.field == "description":
                continue
            shared = min(token.x1, column.x1 + slack) - max(token.x0, column.x0 - slack)
            if shared > overlap:
                best, overlap = column, shared
        if best is not None:
            out[best.field].append(token)
            continue
        for i, column in enumerate(columns):
            if column.field != "description":
                continue
            right = columns[i + 1].x0 - slack if i + 1 < len(columns) else float("inf")
            if token.x0 >= column.x0 - slack and token.x1 <= right:
                out[column.field].append(token)
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


def _ends_table(ctx: Context, line: Line) -> bool:
    """Whether ``line`` starts the totals block: a totals label first in its column segment
    (or a net/discount/VAT label first on the line) with money on the line. "Tax: 0.2 %" under
    an item is part of its description."""
    ends = False
    for hit in ctx.hits[line.index]:
        segment_start = not line.text[: hit.start].split("\t")[-1].strip()
        if (hit.field in TOTALS and segment_start) or (hit.field in LINE_START and hit.start == 0):
            ends = True
            break
    return ends and any(not a.percent for a in ctx.amounts(line.text))


def _rows(ctx: Context, columns: list[Column], header: Line) -> tuple[list[_Row], int]:
    """The table's items under ``header``, and the index of the first line after it."""
    rows: list[_Row] = []
    pending: list[Token] = []
    last = header
    index = header.index + 1
    lines = ctx.layout.lines
    while index < len(lines) and len(rows) < MAX_ROWS:
        line = lines[index]
        if line.page != header.page or line.top - last.bottom > ROW_GAP * last.height:
            break
        if _ends_table(ctx, line):
            break
        cells = _cells(line, columns)
        amount_tokens = cells.get("amount", [])
        value = _number(ctx, amount_tokens, money=True)
        if value is not None:
            rows.append(_Row(cells, value))
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


def extract_line_items(ctx: Context, fields: dict[str, Extracted]) -> tuple[LineItem, ...]:
    """The rows of every item table in ``ctx`` (see the module docstring)."""
    matcher = section_matcher("lines", ctx.lang)
    tables: list[tuple[list[_Row], dict[str, Column]]] = []
    index = 0
    lines = ctx.layout.lines
    while index < len(lines):
        columns = _header(lines[index], matcher, ctx)
        if columns is None:
            index += 1
            continue
        rows, index = _rows(ctx, columns, lines[index])
        if rows:
            tables.append((rows, {c.field: c for c in columns}))
    if not tables:
        return ()
    rows = [row for rows, _ in tables for row in rows]
    kept, note = _checked(rows, _targets(fields))
    items = []
    for row, columns in ((row, cols) for table, cols in tables for row in table):
        if kept is not None and not any(row is r for r in kept):
            continue
        items.append(_item(ctx, row, columns, 0.9 if kept is not None else 0.5, note))
    return tuple(items)


def _targets(fields: dict[str, Extracted]) -> list[Decimal]:
    """What the lines may add up to: the printed subtotal, total, amount due, total − tax."""
    values = {
        name: Decimal(str(found.value))
        for name in ("subtotal", "total", "amount_due", "tax")
        if (found := fields.get(name)) is not None and isinstance(found.value, Decimal)
    }
    out = [values[n] for n in ("subtotal", "total", "amount_due") if n in values]
    if "total" in values and "tax" in values:
        out.append(values["total"] - values["tax"])
    return out


def _checked(rows: list[_Row], targets: list[Decimal]) -> tuple[list[_Row] | None, str | None]:
    """The rows that add up to a printed total, or (None, why) when no run of them does.

    The longest run from the first row whose amounts add up to a target is kept: rows after
    it are a totals block the table's end was not recognised in ("390.00  0.00  390.00" under
    a summary heading). Trailing rows of zero without a quantity add nothing and are dropped.
    """
    running = Decimal(0)
    best: int | None = None
    for i, row in enumerate(rows):
        running += row.amount or Decimal(0)
        if running in targets:
            best = i + 1
    if best is None:
        return None, "the lines do not add up to the printed subtotal or total"
    kept = rows[:best]
    while len(kept) > 1 and kept[-1].amount == 0 and not kept[-1].cells.get("quantity"):
        kept.pop()
    return kept, None
