"""Checks on a file's bytes before any parser library sees them.

The parsers we use are not safe on hostile input on their own: openpyxl holds a whole shared-
strings table in memory and inflates whatever a ZIP entry declares, PDFium inflates a stream
as far as it goes and aborts the process when memory runs out. These checks are cheap (the ZIP
central directory, a bounded inflate of each PDF stream that is thrown away, an image header)
and turn the classic attacks into a plain :class:`DocumentError` — too large, encrypted,
corrupt — before the parser runs. The worker's memory and time limits
(:mod:`coop_rules.isolation`) remain the backstop for whatever these do not foresee.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from coop_rules.documents.limits import MIB, Limits
from coop_rules.documents.model import DocumentError, ProblemKind

# Where a PDF stream's data starts: the keyword and its end of line (CRLF or LF, as the
# specification allows; a lone CR is tolerated, as readers do).
_STREAM = re.compile(rb"stream(?:\r\n|\n|\r)")
_CHUNK = MIB


def check_pdf(data: bytes, limits: Limits) -> None:
    """Refuse a PDF with a stream that inflates past ``limits.max_inflated_mb``.

    Every stream is tried as Flate data and inflated in bounded chunks that are thrown away;
    a stream that is not Flate (a JPEG, a font in another filter) fails at once and costs
    nothing. PDFium would inflate a 1 MB "bomb" to gigabytes and abort the process.
    """
    cap = limits.max_inflated_mb * MIB
    for match in _STREAM.finditer(data):
        inflated = _inflated_size(data, match.end(), cap)
        if inflated > cap:
            raise DocumentError(
                ProblemKind.TOO_LARGE,
                f"a compressed stream inflates to more than {limits.max_inflated_mb} MB "
                "(a decompression bomb?)",
            )


def _inflated_size(data: bytes, start: int, cap: int) -> int:
    """How far the zlib data at ``start`` inflates, stopping once past ``cap``; 0 if it is not
    zlib data."""
    inflater = zlib.decompressobj()
    pending: bytes | memoryview = memoryview(data)[start : start + _CHUNK]
    offset, total = start + len(pending), 0
    try:
        while pending and total <= cap:
            total += len(inflater.decompress(pending, _CHUNK))
            if inflater.eof:
                break
            pending = inflater.unconsumed_tail or memoryview(data)[offset : offset + _CHUNK]
            if not inflater.unconsumed_tail:
                offset += len(pending)
    except zlib.error:
        pass  # not Flate, or damaged: PDFium decides what to make of it
    return total


# What no part of an Office Open XML package has: a document type declaration, the only way
# to declare entities (billion laughs, external entities).
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_HEAD = 64 * 1024


def check_xlsx(path: Path, limits: Limits) -> None:
    """Refuse a workbook whose ZIP container is a bomb, odd, or has XML with a DTD, or more XML
    elements than openpyxl can parse within the limits.

    The sizes come from the central directory; zipfile never inflates an entry past the size
    it declares (and fails on a CRC mismatch), so the declared sizes bound what openpyxl gets.
    """
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
        if len(entries) > limits.max_zip_entries:
            raise DocumentError(
                ProblemKind.TOO_LARGE,
                f"the workbook's container has {len(entries)} entries "
                f"(at most {limits.max_zip_entries} are read)",
            )
        total = 0
        for entry in entries:
            name = PurePosixPath(entry.filename)
            if name.is_absolute() or ".." in name.parts or "\\" in entry.filename:
                raise DocumentError(
                    ProblemKind.CORRUPT,
                    f"the workbook has an entry with an unsafe name: {entry.filename[:80]!r}",
                )
            total += entry.file_size
            ratio = entry.file_size // max(entry.compress_size, 1)
            if entry.file_size > MIB and ratio > limits.max_zip_ratio:
                raise DocumentError(
                    ProblemKind.TOO_LARGE,
                    f"{entry.filename[:80]} inflates {ratio} times (a ZIP bomb?)",
                )
        if total > limits.max_inflated_mb * MIB:
            raise DocumentError(
                ProblemKind.TOO_LARGE,
                f"the workbook inflates to {total // MIB} MB "
                f"(at most {limits.max_inflated_mb} MB are read)",
            )
        elements = 0
        for entry in entries:
            elements += _check_xml_part(archive, entry, limits, limits.max_xml_elements - elements)


# The root element's name, and where a worksheet's row starts (openpyxl holds one row's
# elements at a time), with or without a namespace prefix.
_ROOT = re.compile(rb"<(?![?!])(?:[A-Za-z_][\w.-]{0,31}:)?([A-Za-z_][\w.-]*)")
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,31}:)?row\b")
# What may come before the first "<" of an XML part: byte order marks (and UTF-16's zeros) and
# whitespace.
_LEADING = b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n"


def _check_xml_part(
    archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limits: Limits, allowance: int
) -> int:
    """Count the XML elements of one part (inflated in chunks that are thrown away); refuse it
    if it declares a DTD, if the workbook's parts together pass ``limits.max_xml_elements``
    (``allowance`` is what is left of it), or if a piece that openpyxl holds at once — the
    whole part, or for a worksheet one row — passes ``limits.max_xml_held`` elements or
    ``limits.max_xml_held_mb``.

    A workbook costs what it has in elements, not in bytes: a shared-strings table of four
    million empty strings, a row of a million empty styled cells or one string of a million
    rich-text runs is a few MB of XML (100 KB zipped) that openpyxl takes a minute and more
    than a GB to parse. Every part is looked at, whatever its name: openpyxl reads the shared
    strings from whichever part the content types name. An element is counted at each ``<``
    that does not start an end tag; a tag split across two chunks may be counted once too
    often or a row start missed, which only ever errs on the side of refusing. A part that
    does not start as XML (a picture) is not parsed as XML and is skipped. Returns the part's
    elements.
    """
    elements = held = held_bytes = rows = 0
    with archive.open(entry) as part:
        chunk = part.read(_XML_HEAD)
        while chunk and not chunk.lstrip(_LEADING):  # XML may follow any amount of whitespace
            chunk = part.read(_CHUNK)
        if not chunk.lstrip(_LEADING).startswith(b"<"):
            return 0
        if _DTD.search(chunk):
            raise DocumentError(
                ProblemKind.CORRUPT,
                f"{entry.filename[:80]} declares a DTD or entities, which no workbook needs "
                "(an XML attack?)",
            )
        root = _ROOT.search(chunk)
        rowed = root is not None and root.group(1) == b"worksheet"
        while chunk:
            start = 0
            for row in _ROW.finditer(chunk) if rowed else ():
                held += _elements(chunk, start, row.start())
                held_bytes += row.start() - start
                _check_held(entry.filename, held, held_bytes, rows, limits)
                start, held, held_bytes, rows = row.start(), 0, 0, rows + 1
            held += _elements(chunk, start, len(chunk))
            held_bytes += len(chunk) - start
            _check_held(entry.filename, held, held_bytes, rows, limits)
            elements += _elements(chunk, 0, len(chunk))
            if elements > allowance:
                raise DocumentError(
                    ProblemKind.TOO_LARGE,
                    f"the workbook has more than {limits.max_xml_elements:,} XML elements "
                    "(at most that many are read)",
                )
            chunk = part.read(_CHUNK)
    return elements


def _elements(data: bytes, start: int, end: int) -> int:
    return data.count(b"<", start, end) - data.count(b"</", start, end)


def _check_held(name: str, held: int, held_bytes: int, rows: int, limits: Limits) -> None:
    if held <= limits.max_xml_held and held_bytes <= limits.max_xml_held_mb * MIB:
        return
    what = f"a row of {name[:80]}" if rows else name[:80]
    amount = (
        f"more than {limits.max_xml_held:,} XML elements"
        if held > limits.max_xml_held
        else f"more than {limits.max_xml_held_mb} MB of XML"
    )
    raise DocumentError(
        ProblemKind.TOO_LARGE,
        f"{what} has {amount}, which a reader would hold in memory at once "
        "(a bomb of strings, cells or rich-text runs?)",
    )


def cfb_problem(path: Path) -> DocumentError:
    """What a Compound File (CFB/OLE) container is, as a problem: an encrypted Office file
    (Excel and Word put a password-protected .xlsx/.docx in one), or a legacy .xls/.doc.

    The directory entries' names are UTF-16 strings; they are looked for in the first MiB
    rather than by walking the FAT, which is enough to tell these apart.
    """
    with path.open("rb") as handle:
        head = handle.read(MIB)

    def has(name: str) -> bool:
        return name.encode("utf-16-le") in head

    if has("EncryptedPackage") or has("EncryptionInfo"):
        return DocumentError(
            ProblemKind.ENCRYPTED,
            "an encrypted (password-protected) workbook or document: it opens only with its "
            "password",
        )
    if has("Workbook") or has("Book"):
        return DocumentError(
            ProblemKind.UNSUPPORTED, "a legacy Excel workbook (.xls); save it as .xlsx"
        )
    if has("WordDocument"):
        return DocumentError(ProblemKind.UNSUPPORTED, "a legacy Word document (.doc)")
    return DocumentError(
        ProblemKind.UNSUPPORTED, "a legacy Office file (Compound File), not a PDF or XLSX"
    )


def check_image(path: Path, limits: Limits) -> None:
    """An image must have a valid header, a sane size and intact chunks (without decoding
    its pixels: nothing is read from an image but that it is one)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > limits.max_image_pixels:
                raise DocumentError(
                    ProblemKind.TOO_LARGE,
                    f"the image declares {width} x {height} pixels",
                )
            image.verify()
    except Image.DecompressionBombError as exc:
        raise DocumentError(ProblemKind.TOO_LARGE, "the image declares too many pixels") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise DocumentError(ProblemKind.CORRUPT, "not a valid image (damaged?)") from exc
