"""Where a value came from, and a value that carries it.

Every value the rules compare (a date read off an invoice, an amount from a manifest) is an
:class:`Extracted` with its :class:`Evidence`, so a reviewer can check the machine in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in PDF points, origin top-left
# How OCR turned a page's picture before reading it, in counter-clockwise degrees: a quarter
# turn (0, 90, 180, 270), then a deskew of a few degrees. The boxes of its words are in the
# turned picture's points, so its evidence pictures are cut from the picture turned the same way.
Turn = tuple[int, float]


@dataclass(frozen=True)
class Evidence:
    """The place a value was read from.

    Attributes:
        file: the document (or manifest) path, relative to the claim folder where possible.
        text: the text the value was read from, as it stands in the source.
        page: 1-based page number in a PDF.
        box: the bounding box of ``text`` on ``page``.
        cell: a workbook cell as ``Sheet!B4``.
        field: a manifest field path (``usage_period.end``) or a header name (``Date``).
        note: how the value was derived when it was not read literally.
    """

    file: str
    text: str = ""
    page: int | None = None
    box: Box | None = None
    cell: str | None = None
    field: str | None = None
    note: str | None = None

    def locator(self) -> str:
        """A short human-readable place: ``invoice.pdf p.2``, ``csr.xlsx Sheet1!B4``."""
        parts = [self.file]
        if self.page is not None:
            parts.append(f"p.{self.page}")
        if self.cell:
            parts.append(self.cell)
        if self.field:
            parts.append(self.field)
        return " ".join(parts)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "text": self.text}
        if self.page is not None:
            out["page"] = self.page
        if self.box is not None:
            out["box"] = [round(v, 2) for v in self.box]
        for key in ("cell", "field", "note"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


Scalar = date | Decimal | str | int | bool


@dataclass(frozen=True)
class Extracted:
    """A value with its evidence.

    ``alternatives`` holds the other readings of an ambiguous value (``03/04/2024`` read
    day-first and month-first): the value is then flagged, never silently chosen.
    """

    value: Scalar
    evidence: Evidence
    confidence: float = 1.0
    alternatives: tuple[Scalar, ...] = field(default=())

    @property
    def ambiguous(self) -> bool:
        return bool(self.alternatives)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "value": json_value(self.value),
            "evidence": self.evidence.to_json(),
            "confidence": round(self.confidence, 2),
        }
        if self.alternatives:
            out["ambiguous"] = True
            out["alternatives"] = [json_value(v) for v in self.alternatives]
        return out


def json_value(value: Any) -> Any:
    """Dates as ``YYYY-MM-DD``, money as decimal strings; everything else as it is."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
