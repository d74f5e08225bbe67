"""Decide what a file is from its first bytes, never from its extension."""

from __future__ import annotations

import zipfile
from pathlib import Path

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP = "application/zip"
CFB = "application/x-cfb"  # legacy Office, or an encrypted OOXML file
EMAIL = "message/rfc822"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
TIFF = "image/tiff"
WEBP = "image/webp"
HEIC = "image/heic"
TEXT = "text/plain"
UNKNOWN = "application/octet-stream"

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF8", GIF),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", CFB),
)

# ISO media "ftyp" brands of HEIF/HEIC pictures (what phones save photos as).
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif"}

_EMAIL_HEADERS = (
    b"from:",
    b"date:",
    b"subject:",
    b"to:",
    b"received:",
    b"return-path:",
    b"mime-version:",
    b"message-id:",
    b"delivered-to:",
)


def sniff(path: Path) -> str:
    """Return the media type of ``path`` from its content."""
    with path.open("rb") as handle:
        head = handle.read(2048)
    if b"%PDF-" in head[:1024]:  # the header may follow a little garbage, as readers allow
        return PDF
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return HEIC
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(path)
    first_line = head.lstrip().split(b"\n", 1)[0].lower()
    if first_line.startswith(_EMAIL_HEADERS):
        return EMAIL
    if head and _looks_like_text(head):
        return TEXT
    return UNKNOWN


def _sniff_zip(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return ZIP
    if "[Content_Types].xml" in names:
        if any(n.startswith("xl/") for n in names):
            return XLSX
        if any(n.startswith("word/") for n in names):
            return DOCX
    return ZIP


def _looks_like_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head
