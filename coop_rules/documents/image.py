"""Image files (screenshots, photos, scans): their words by OCR, and their capture date.

:func:`read_image` is the reader of PNG, JPEG, GIF, TIFF, WebP (and HEIC where pillow-heif is
installed): the header is checked first, then, with OCR, the words are read with boxes as a
PDF's (:mod:`coop_rules.documents.ocr`); without it the picture has no text.

The capture date is EXIF ``DateTimeOriginal`` (when the photo or screenshot was taken).

Only the metadata is read (Pillow parses the file's header and EXIF block; pixels are never
decoded). The values are kept as ``Document.headers`` entries named after their tag
(``EXIF DateTimeOriginal``), as written (``2024:03:15 10:22:01``); the PoE extractor turns them
into a date with that tag as evidence. An image without EXIF, or one Pillow cannot parse, has
no such header: a broken EXIF block is no reason to call the image unreadable.
"""

from __future__ import annotations

import logging
from pathlib import Path

from coop_rules.documents import ocr, preflight
from coop_rules.documents import sniff as media
from coop_rules.documents.limits import DEFAULT_LIMITS, Limits
from coop_rules.documents.model import Document, DocumentError, Page, ProblemKind, ReadProblem

log = logging.getLogger(__name__)

HEIC_UNSUPPORTED = "a HEIC photo (export it as JPEG; pillow-heif would let it be read)"


def read_image(path: Path, display_path: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """A screenshot or photo (valid proof of execution): with OCR, its words with boxes."""
    preflight.check_image(path, limits)
    pages: tuple[Page, ...] = ()
    notes: tuple[ReadProblem, ...] = ()
    if ocr.enabled(limits.ocr):
        pages, notes = ocr.read_image(path, display_path, limits)
    return Document(
        path=display_path,
        media_type=media.sniff(path),
        pages=pages,
        headers=image_metadata(path),
        notes=notes,
    )


def read_heic(path: Path, display_path: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """An iPhone photo: read as any image where pillow-heif lets Pillow open it."""
    if not ocr.register_heif():
        raise DocumentError(ProblemKind.UNSUPPORTED, HEIC_UNSUPPORTED)
    return read_image(path, display_path, limits)


# EXIF tags, best first: when the picture was taken, else when it was digitised.
_EXIF_IFD = 0x8769
CAPTURE_TAGS = {0x9003: "EXIF DateTimeOriginal", 0x9004: "EXIF DateTimeDigitized"}


def image_metadata(path: Path) -> dict[str, str]:
    """The capture-date tags of the image at ``path`` (an empty dict when there are none)."""
    # Pillow when an image is read (the PoE extractor needs CAPTURE_TAGS for every document).
    from PIL import Image

    try:
        with Image.open(path) as image:
            exif = image.getexif()
            # The capture dates live in the EXIF sub-IFD; some writers put them in IFD0.
            found = {**dict(exif), **dict(exif.get_ifd(_EXIF_IFD))}
    except Exception:  # a malformed EXIF block: no metadata, the image itself stays valid
        log.debug("no EXIF read from %s", path, exc_info=True)
        return {}
    out = {}
    for tag, name in CAPTURE_TAGS.items():
        value = found.get(tag)
        if isinstance(value, bytes):
            value = value.decode("ascii", "replace")
        if isinstance(value, str) and value.strip(" \x00"):
            out[name] = value.strip(" \x00")[:40]
    return out
