"""An image's capture date: EXIF ``DateTimeOriginal`` (when the photo or screenshot was taken).

Only the metadata is read (Pillow parses the file's header and EXIF block; pixels are never
decoded). The values are kept as ``Document.headers`` entries named after their tag
(``EXIF DateTimeOriginal``), as written (``2024:03:15 10:22:01``); the PoE extractor turns them
into a date with that tag as evidence. An image without EXIF, or one Pillow cannot parse, has
no such header: a broken EXIF block is no reason to call the image unreadable.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

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
