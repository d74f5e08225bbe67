"""Uploaded claims: a multipart body streamed into a per-request folder, limits checked as it comes.

Nothing is buffered whole. Each chunk of the body is counted against the request limit before it
is parsed, each file part is written to disk as it arrives and counted against the file limit,
and the file count is checked when a part's headers end, so an oversized request is refused after
at most one chunk past the limit (a declared ``Content-Length`` over it is refused before reading).

An uploaded file name never becomes a path: it must be one plain name (no separator, no leading
dot, no control character, not the manifest's name), is unique within the request, and is
created with ``O_EXCL | O_NOFOLLOW`` inside the request's own folder, so it can neither leave the
folder nor replace another file. The documents' names matter because the manifest lists them.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from python_multipart import MultipartParser
from python_multipart.multipart import parse_options_header

from coop_rules.claim.manifest import MANIFEST_NAMES
from coop_rules.errors import Problem
from coop_rules.i18n import DEFAULT_LANG
from coop_rules.i18n.shown import Phrase
from coop_rules.server.errors import ApiError, TypedProblem, fmt_bytes, invalid, too_large
from coop_rules.server.settings import ServerSettings

# Characters that reorder what a reviewer reads (a "gpj.exe" trick), besides control characters.
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


@dataclass(frozen=True)
class UploadedFile:
    """One file of a request, saved as ``folder / name``."""

    name: str
    size: int


@dataclass
class Upload:
    """What a multipart request carried: its text fields and the files saved in ``folder``."""

    folder: Path
    fields: dict[str, str] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)


def name_problem(name: str) -> Phrase | None:
    """Why ``name`` cannot be the name of an uploaded document (``upload_problem.*``), or None
    if it can."""
    if not name.strip():
        key = "empty"
    elif name != name.strip():
        key = "spaces"
    elif "/" in name or "\\" in name:
        key = "path"
    elif name.startswith("."):
        key = "dot"
    elif any(unicodedata.category(c) == "Cc" or c in _BIDI_CONTROLS for c in name):
        key = "control"
    elif len(name.encode("utf-8")) > 255:
        key = "too_long"
    elif name.lower() in MANIFEST_NAMES:
        key = "manifest_name"
    else:
        return None
    return Phrase.of(f"upload_problem.{key}")


def _name_refused(location: str, problem: Phrase, filename: str, lang: str | None) -> Problem:
    """A refused file name: said in ``lang`` (English without one), the name quoted after it."""
    shown = Phrase.of("manifest_problem.got", problem=problem, value=repr(filename))
    return TypedProblem(location, shown.text(lang or DEFAULT_LANG), "file_name", shown=shown)


def create_file(folder: Path, name: str) -> BinaryIO:
    """Open a new file ``name`` in ``folder``; it must not exist and cannot be a link out."""
    target = folder / name
    if target.parent != folder:  # name_problem rules this out; belt and braces
        raise ValueError(f"not a plain file name: {name!r}")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    return os.fdopen(fd, "wb")


class _Reader:
    """The parser's callbacks: one part at a time, written to disk or kept as a short text."""

    def __init__(
        self,
        folder: Path,
        settings: ServerSettings,
        text_fields: frozenset[str],
        lang: str | None = None,
    ):
        self.folder = folder
        self.lang = lang
        self.settings = settings
        self.text_fields = text_fields
        self.upload = Upload(folder)
        self.names: set[str] = set()
        self.problems: list[Problem] = []
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._field: str | None = None
        self._text: bytearray | None = None
        self._file: BinaryIO | None = None
        self._file_name = ""
        self._size = 0
        self._skip = False

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }

    def part_begin(self) -> None:
        self._headers, self._header_name, self._header_value = {}, b"", b""
        self._field, self._text, self._file, self._size, self._skip = None, None, None, 0, False

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def header_end(self) -> None:
        self._headers[self._header_name.strip().lower()] = self._header_value.strip()
        self._header_name, self._header_value = b"", b""

    def headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        raw_filename = params.get(b"filename")
        if raw_filename is None:
            if name not in self.text_fields:
                expected = " or ".join(repr(f) for f in sorted(self.text_fields)) or "none"
                raise invalid(f"unknown form field {name!r} (text fields: {expected})")
            self._field, self._text = name, bytearray()
            return
        if raw_filename == b"":
            self._skip = True  # a browser's empty file input: no file chosen
            return
        location = f"files[{len(self.upload.files) + len(self.problems)}]"
        problem: Phrase | None
        try:
            filename = raw_filename.decode("utf-8")
        except UnicodeDecodeError:
            filename = raw_filename.decode("utf-8", "replace")
            problem = Phrase.of("upload_problem.not_utf8")
        else:
            problem = name_problem(filename)
        if problem is None and filename in self.names:
            problem = Phrase.of("upload_problem.same_name")
        if len(self.upload.files) + len(self.problems) >= self.settings.max_files:
            raise too_large(f"more than {self.settings.max_files} files in one request")
        self.names.add(filename)
        if problem is not None:
            # Keep reading to report every bad name at once; the bytes go nowhere.
            self.problems.append(_name_refused(location, problem, filename, self.lang))
            self._skip = True
            return
        self._file_name = filename
        self._file = create_file(self.folder, filename)

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self._skip:
            return
        chunk = data[start:end]
        self._size += len(chunk)
        if self._text is not None:
            if self._size > self.settings.max_manifest_bytes:
                limit = fmt_bytes(self.settings.max_manifest_bytes)
                raise too_large(f"the {self._field!r} field is larger than the {limit} limit")
            self._text += chunk
        elif self._file is not None:
            if self._size > self.settings.max_file_bytes:
                limit = fmt_bytes(self.settings.max_file_bytes)
                raise too_large(f"file {self._file_name!r} is larger than the {limit} limit")
            self._file.write(chunk)

    def part_end(self) -> None:
        if self._text is not None and self._field is not None:
            if self._field in self.upload.fields:
                raise invalid(f"the {self._field!r} field is given twice")
            try:
                self.upload.fields[self._field] = self._text.decode("utf-8")
            except UnicodeDecodeError:
                raise invalid(f"the {self._field!r} field is not valid UTF-8") from None
        elif self._file is not None:
            self._file.close()
            self.upload.files.append(UploadedFile(self._file_name, self._size))
        self._file, self._text = None, None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def boundary_of(content_type: str) -> bytes:
    """The multipart boundary of a ``Content-Type`` header (415 when it is not multipart)."""
    kind, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise ApiError(
            415, "unsupported_media_type", "send multipart/form-data (or JSON where documented)"
        )
    return boundary


async def read_multipart(
    chunks: AsyncIterator[bytes],
    content_type: str,
    content_length: int | None,
    folder: Path,
    settings: ServerSettings,
    text_fields: frozenset[str] = frozenset(),
    lang: str | None = None,
) -> Upload:
    """Stream a multipart body into ``folder``, enforcing every limit of ``settings`` as it goes.
    A refused file name is said in ``lang`` (English without one), as manifest problems are.

    Raises:
        ApiError: 413 past a limit, 415 not multipart, 422 bad file names (all of them) or an
            unknown or repeated text field, 400 a body that is not valid multipart.
    """
    limit = settings.max_request_bytes
    if content_length is not None and content_length > limit:
        raise too_large(f"the request is larger than the {fmt_bytes(limit)} limit")
    reader = _Reader(folder, settings, text_fields, lang)
    parser = MultipartParser(boundary_of(content_type), reader.callbacks())  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in chunks:
            received += len(chunk)
            if received > limit:
                raise too_large(f"the request is larger than the {fmt_bytes(limit)} limit")
            parser.write(chunk)
        parser.finalize()
    except ApiError:
        raise
    except Exception:  # not echoed: a parser message can quote the body's bytes
        raise ApiError(
            400, "malformed_request", "the body is not valid multipart/form-data"
        ) from None
    finally:
        reader.close()
    if reader.problems:
        count = len(reader.problems)
        names = f"{count} uploaded file name{'s are' if count > 1 else ' is'}"
        raise invalid(f"{names} not accepted", reader.problems)
    return reader.upload
