"""The limits a document is read within: one frozen value, passed from the shells to the readers.

Documents are untrusted input: a partner's upload, or a file made to hurt. Every cap a reader
applies, and every limit the isolating worker enforces (time, memory), is a field here, so that
the Python API (``check_claim(..., limits=)``), the CLI (``--doc-timeout``, ``--doc-memory``,
``--no-isolation``) and the HTTP service all set them the same way. The defaults suit a laptop:
a real claim document is read in well under a second and a few hundred MB; each cap is one or
two orders of magnitude above what a real invoice, CSR or proof needs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

MIB = 2**20


OCR_MODES = ("auto", "on", "off")


def _ocr_default() -> str:
    """``COOP_RULES_OCR`` (auto, on or off), else auto (the CLI rejects another value)."""
    value = os.environ.get("COOP_RULES_OCR", "").strip().lower()
    return value if value in OCR_MODES else "auto"


@dataclass(frozen=True)
class Limits:
    """What one document may cost to read.

    Attributes:
        isolate: read each document in a worker process that enforces ``timeout`` and
            ``memory_mb`` (False reads in this process without them: for debugging only).
        timeout: seconds of wall-clock time per document before its worker is killed.
        memory_mb: address space a document may add to its worker (RLIMIT_AS, MiB).
        recycle_after: documents a worker reads before it is replaced by a fresh one.
        max_file_mb: a larger file is not opened at all.
        max_pages: PDF pages (a longer document is reported, not read in part).
        max_chars: characters of text in one document.
        max_cells: non-empty workbook cells.
        max_rows / max_columns: the part of each sheet that is read (a declared dimension is
            never trusted).
        max_inflated_mb: what one compressed PDF stream or workbook part may inflate to.
        max_zip_entries: entries of a workbook's ZIP container.
        max_zip_ratio: inflated / compressed size of a workbook part larger than 1 MiB.
        max_xml_elements: XML elements in all of a workbook's parts together (what reading it
            costs in time: 5 to 30 microseconds each; 500,000 is about 150,000 cells).
        max_xml_held: XML elements that the workbook reader holds in memory at once: a whole
            part (the shared-strings table, the styles), or one row of a worksheet.
        max_xml_held_mb: MiB of XML held at once, in the same sense.
        max_image_pixels: pixels an image may declare.
        ocr: when pages without a usable text layer and images are read by OCR: ``auto``
            (where installed), ``on`` (required), ``off``; the default is ``COOP_RULES_OCR``'s,
            else ``auto`` (see :mod:`coop_rules.documents.ocr`).
        max_ocr_pages: pages of one document read by OCR (the rest are reported).
    """

    isolate: bool = True
    timeout: float = 20.0
    memory_mb: int = 1024
    recycle_after: int = 100
    max_file_mb: int = 100
    max_pages: int = 200
    max_chars: int = 2_000_000
    max_cells: int = 200_000
    max_rows: int = 10_000
    max_columns: int = 200
    max_inflated_mb: int = 256
    max_zip_entries: int = 2_000
    max_zip_ratio: int = 200
    max_xml_elements: int = 500_000
    max_xml_held: int = 200_000
    max_xml_held_mb: int = 32
    max_image_pixels: int = 100_000_000
    ocr: str = field(default_factory=_ocr_default)
    max_ocr_pages: int = 20

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if name == "ocr":
                if value not in OCR_MODES:
                    raise ValueError(f"Limits.ocr must be auto, on or off, not {value!r}")
            elif name != "isolate" and not value > 0:
                raise ValueError(f"Limits.{name} must be positive, not {value!r}")

    @property
    def memory_text(self) -> str:
        """The memory limit as people write it: ``1 GiB``, ``512 MiB``."""
        if self.memory_mb % 1024 == 0:
            return f"{self.memory_mb // 1024} GiB"
        return f"{self.memory_mb} MiB"

    @property
    def timeout_text(self) -> str:
        return f"{self.timeout:g} s"


DEFAULT_LIMITS = Limits()
