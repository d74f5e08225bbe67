"""Readers, one per kind of file, behind one registry.

``read_document`` never raises for a bad file: every failure becomes a :class:`ReadProblem`
with a plain reason. Adding a format is one module and one line in ``READERS``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from coop_rules.documents import sniff as media
from coop_rules.documents.email import read_email
from coop_rules.documents.model import (
    Cell,
    Document,
    DocumentError,
    Page,
    ProblemKind,
    ReadProblem,
    Word,
)
from coop_rules.documents.pdf import read_pdf
from coop_rules.documents.xlsx import read_xlsx

__all__ = ["Cell", "Document", "Page", "ProblemKind", "ReadProblem", "Word", "read_document"]

log = logging.getLogger(__name__)

Reader = Callable[[Path, str], Document]

MAX_TEXT_BYTES = 5 * 1024 * 1024


def _read_image(path: Path, display_path: str) -> Document:
    # A screenshot or photo is valid proof of execution; without OCR it has no text to extract.
    return Document(path=display_path, media_type=media.sniff(path))


def _read_text(path: Path, display_path: str) -> Document:
    if path.stat().st_size > MAX_TEXT_BYTES:
        raise DocumentError(ProblemKind.TOO_LARGE, "text file larger than 5 MiB")
    return Document(
        path=display_path,
        media_type=media.TEXT,
        text=path.read_text(encoding="utf-8", errors="replace"),
    )


READERS: dict[str, Reader] = {
    media.PDF: read_pdf,
    media.XLSX: read_xlsx,
    media.EMAIL: read_email,
    media.PNG: _read_image,
    media.JPEG: _read_image,
    media.GIF: _read_image,
    media.TEXT: _read_text,
}

_UNSUPPORTED_REASONS = {
    media.CFB: "a legacy Office file or an encrypted (password-protected) Office document",
    media.DOCX: "a Word document (not read yet)",
    media.ZIP: "a ZIP archive",
}


def read_document(path: Path, display_path: str | None = None) -> Document | ReadProblem:
    """Read ``path`` with the reader its content calls for.

    Args:
        path: the file on disk (opened read-only, never modified).
        display_path: how reports name it (relative to the claim folder); defaults to ``path``.
    """
    shown = display_path or str(path)
    try:
        if not path.is_file():
            return ReadProblem(shown, ProblemKind.NOT_FOUND, "no such file")
        if path.stat().st_size == 0:
            return ReadProblem(shown, ProblemKind.EMPTY, "the file is empty (0 bytes)")
        media_type = media.sniff(path)
        reader = READERS.get(media_type)
        if reader is None:
            reason = _UNSUPPORTED_REASONS.get(media_type, "not a PDF, XLSX, e-mail or image file")
            return ReadProblem(shown, ProblemKind.UNSUPPORTED, reason)
        return reader(path, shown)
    except DocumentError as exc:
        return ReadProblem(shown, exc.kind, exc.reason)
    except RecursionError:
        return ReadProblem(shown, ProblemKind.CORRUPT, "structure nested too deeply")
    except MemoryError:
        return ReadProblem(shown, ProblemKind.TOO_LARGE, "needs too much memory to read")
    except Exception as exc:  # a parser library's own bug on a broken file is still a finding
        log.debug("reader failed on %s", path, exc_info=True)
        return ReadProblem(shown, ProblemKind.CORRUPT, f"{type(exc).__name__}: {exc}"[:300])
