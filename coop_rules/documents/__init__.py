"""Readers, one per kind of file, behind one registry.

``read_document`` never raises for a bad file: every failure becomes a :class:`ReadProblem`
with a plain reason. Adding a format is one module and one line in ``READERS``. A reader's
module is imported when a file of its kind is first read: reading a PDF never loads openpyxl
or Pillow, and importing this package loads no parser at all.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from pathlib import Path

from coop_rules.documents import preflight
from coop_rules.documents import sniff as media
from coop_rules.documents.limits import DEFAULT_LIMITS, MIB, Limits
from coop_rules.documents.model import (
    Cell,
    Document,
    DocumentError,
    Page,
    ProblemKind,
    ReadProblem,
    Word,
)

__all__ = [
    "Cell",
    "Document",
    "Limits",
    "Page",
    "ProblemKind",
    "ReadProblem",
    "Word",
    "out_of_memory",
    "read_document",
]

log = logging.getLogger(__name__)

Reader = Callable[[Path, str, Limits], Document]

MAX_TEXT_BYTES = 5 * 1024 * 1024


def _read_text(path: Path, display_path: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    if path.stat().st_size > min(MAX_TEXT_BYTES, 4 * limits.max_chars):
        raise DocumentError(ProblemKind.TOO_LARGE, "text file larger than 5 MiB")
    return Document(
        path=display_path,
        media_type=media.TEXT,
        text=path.read_text(encoding="utf-8", errors="replace")[: limits.max_chars],
    )


# media type -> (module, function), or a reader of this module.
READERS: dict[str, tuple[str, str] | Reader] = {
    media.PDF: ("coop_rules.documents.pdf", "read_pdf"),
    media.XLSX: ("coop_rules.documents.xlsx", "read_xlsx"),
    media.EMAIL: ("coop_rules.documents.email", "read_email"),
    media.PNG: ("coop_rules.documents.image", "read_image"),
    media.JPEG: ("coop_rules.documents.image", "read_image"),
    media.GIF: ("coop_rules.documents.image", "read_image"),
    media.TIFF: ("coop_rules.documents.image", "read_image"),
    media.WEBP: ("coop_rules.documents.image", "read_image"),
    media.HEIC: ("coop_rules.documents.image", "read_heic"),
    media.TEXT: _read_text,
}


def reader_for(media_type: str) -> Reader | None:
    """The reader of ``media_type`` (its module imported now), or None for an unread type."""
    reader = READERS.get(media_type)
    if isinstance(reader, tuple):
        module, function = reader
        reader = READERS[media_type] = getattr(importlib.import_module(module), function)
    return reader


_UNSUPPORTED_REASONS = {
    media.CFB: "a legacy Office file or an encrypted (password-protected) Office document",
    media.DOCX: "a Word document (not read yet)",
    media.ZIP: "a ZIP archive",
}


def out_of_memory(shown: str, limits: Limits) -> ReadProblem:
    """The problem of a document whose reading or extraction raised MemoryError: too large, in
    plain words (the worker's address-space limit is what makes an allocation fail)."""
    limit = limits.memory_text if limits.isolate else "the available amount"
    return ReadProblem(shown, ProblemKind.TOO_LARGE, f"needed more than {limit} of memory")


def read_document(
    path: Path, display_path: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> Document | ReadProblem:
    """Read ``path`` with the reader its content calls for, within ``limits``' caps.

    The type comes from the bytes; :mod:`~coop_rules.documents.preflight` checks them before
    the reader's library sees them. Time and memory are not limited here: that is the
    isolating worker's job (:mod:`coop_rules.isolation`).

    Args:
        path: the file on disk (opened read-only, never modified).
        display_path: how reports name it (relative to the claim folder); defaults to ``path``.
        limits: the caps on size, pages, characters and cells.
    """
    shown = display_path or str(path)
    try:
        if not path.is_file():
            return ReadProblem(shown, ProblemKind.NOT_FOUND, "no such file")
        size = path.stat().st_size
        if size == 0:
            return ReadProblem(shown, ProblemKind.EMPTY, "the file is empty (0 bytes)")
        if size > limits.max_file_mb * MIB:
            return ReadProblem(
                shown,
                ProblemKind.TOO_LARGE,
                f"the file is {size / MIB:.0f} MB (at most {limits.max_file_mb} MB are read)",
            )
        media_type = media.sniff(path)
        if media_type == media.CFB:
            raise preflight.cfb_problem(path)
        reader = reader_for(media_type)
        if reader is None:
            reason = _UNSUPPORTED_REASONS.get(media_type, "not a PDF, XLSX, e-mail or image file")
            return ReadProblem(shown, ProblemKind.UNSUPPORTED, reason)
        if media_type == media.XLSX:
            preflight.check_xlsx(path, limits)
        return reader(path, shown, limits)
    except DocumentError as exc:
        return ReadProblem(shown, exc.kind, exc.reason)
    except RecursionError:
        return ReadProblem(shown, ProblemKind.CORRUPT, "structure nested too deeply")
    except MemoryError:
        return out_of_memory(shown, limits)
    except Exception as exc:  # a parser library's own bug on a broken file is still a finding
        log.debug("reader failed on %s", path, exc_info=True)
        return ReadProblem(shown, ProblemKind.CORRUPT, f"{type(exc).__name__}: {exc}"[:300])
