"""The service behind the routes: admit a check, stage its files, run the core, render the report.

Checks run in a bounded thread pool that calls :func:`coop_rules.api.check_claim` (which isolates
each document in its own worker process where the core does so). A gate admits at most
``max_concurrent`` running plus ``max_queued`` waiting checks; one more is refused at once with
429 and ``Retry-After``, before its body is read. Each request's files live in their own temporary
folder; once a check is handed to the pool, the pool job owns that folder and the admission and
releases both when it ends, so a client that disconnects mid-check leaks neither.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coop_rules import api
from coop_rules.errors import ConfigurationError, CoopRulesError, Problem
from coop_rules.extraction import ExtractedDocument
from coop_rules.renderers import get_renderer
from coop_rules.report import Report
from coop_rules.server.errors import busy, fmt_bytes, invalid, invalid_manifest, too_large
from coop_rules.server.files import FileStore, StoredFile
from coop_rules.server.settings import ServerSettings
from coop_rules.server.uploads import read_multipart

log = logging.getLogger(__name__)

MANIFEST_FILE = "claim.json"
# Formats a check can answer in, by the media type a client names in ``Accept``; JSON first
# (the default for */* or no Accept).
REPORT_FORMATS = ("json", "html", "xlsx")
EXTRACT_FORMATS = ("json", "html")

# Fallback until every core in use takes ``lang`` (localised messages): pass the language only
# where ``api.check_claim`` accepts it, so the service runs on either side of that change.
_CHECK_TAKES_LANG = "lang" in inspect.signature(api.check_claim).parameters


@dataclass(frozen=True)
class Incoming:
    """A request body as the service needs it: its type, declared length and its chunks."""

    content_type: str
    content_length: int | None
    chunks: AsyncIterator[bytes]


@dataclass(frozen=True)
class Rendered:
    """A rendered answer: body, media type and headers (the verdict for a check)."""

    body: str | bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)


class Gate:
    """Admission: at most ``capacity`` checks inside the service (running or waiting)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.inside = 0
        self._lock = threading.Lock()

    def try_enter(self) -> bool:
        with self._lock:
            if self.inside >= self.capacity:
                return False
            self.inside += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self.inside -= 1


def negotiate(accept: str | None, formats: tuple[str, ...]) -> str:
    """The format of ``formats`` that ``Accept`` prefers (highest q, then our order); JSON else."""
    offered = {get_renderer(name).media_type: name for name in formats}
    best, best_q = formats[0], 0.0
    for rank, item in enumerate((accept or "").split(",")):
        media, *params = (p.strip() for p in item.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        name = offered.get(media.lower())
        if name is not None and q > best_q:
            best, best_q = name, q - rank * 1e-6  # ties: the client's order
    return best


class CheckService:
    """Checks and extractions for the routes, within the limits of ``settings``.

    ``check`` and ``extract`` default to the core API; tests pass a slow stand-in to fill the
    pool.
    """

    def __init__(
        self,
        settings: ServerSettings,
        *,
        check: Callable[..., Report] = api.check_claim,
        extract: Callable[..., ExtractedDocument] = api.extract,
    ) -> None:
        self.settings = settings
        self.gate = Gate(settings.max_concurrent + settings.max_queued)
        self.files = FileStore(settings.stored_file_ttl, settings.max_stored_bytes)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._check = check
        self._extract = extract

    def pool(self) -> ThreadPoolExecutor:
        """The check threads, started on first use (again after :meth:`close`)."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    self.settings.max_concurrent, thread_name_prefix="coop-check"
                )
            return self._pool

    def close(self) -> None:
        """Stop the threads and drop the kept files (at the app's shutdown)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        self.files.close()

    # -- checks ---------------------------------------------------------------------------

    async def check(self, body: Incoming, accept: str | None, lang: str | None) -> Rendered:
        """Check the claim a request carries: multipart (manifest + files) or JSON (file ids).

        Raises:
            ApiError: 429 when full, 413/415/422/400 for the request, 422 for the manifest.
        """
        fmt = negotiate(accept, REPORT_FORMATS)
        return await self._admitted(
            lambda folder: self._stage_claim(body, folder),
            lambda folder: self._run_check(folder, fmt, lang),
        )

    async def _stage_claim(self, body: Incoming, folder: Path) -> None:
        if body.content_type.split(";")[0].strip().lower() == "application/json":
            request = await _read_json(body, self.settings.max_manifest_bytes)
            manifest, ids = _json_check_request(request)
            self.files.copy_into(ids, folder)
        else:
            upload = await read_multipart(
                body.chunks,
                body.content_type,
                body.content_length,
                folder,
                self.settings,
                frozenset({"manifest"}),
            )
            if "manifest" not in upload.fields:
                raise invalid(
                    "no 'manifest' field: send the claim manifest as JSON in it",
                    [Problem("manifest", "required field is missing")],
                )
            manifest = upload.fields["manifest"]
        _write_manifest(folder, manifest)
        log.info("check staged: %d file(s)", sum(1 for _ in folder.iterdir()) - 1)

    def _run_check(self, folder: Path, fmt: str, lang: str | None) -> Rendered:
        """In a pool thread: the core check, then the report rendered while the files exist."""
        options: dict[str, Any] = {}
        if lang is not None and _CHECK_TAKES_LANG:
            options["lang"] = lang
        started = time.perf_counter()
        try:
            report = self._check(folder, **options)
        except ConfigurationError as exc:
            raise invalid_manifest(_manifest_problems(exc)) from None
        except CoopRulesError as exc:
            raise invalid(str(exc).replace(str(folder), "claim")) from None
        renderer = get_renderer(fmt)
        rendered = renderer.report(report)
        log.info(
            "check done: %s (%s) in %.2f s",
            report.verdict,
            report.summary(),
            time.perf_counter() - started,
        )
        headers = {
            "X-Coop-Verdict": str(report.verdict),
            "X-Coop-Counts": ",".join(f"{k}={v}" for k, v in report.counts().items()),
        }
        if lang is not None and _CHECK_TAKES_LANG:
            headers["Content-Language"] = lang
        if renderer.binary:
            headers["Content-Disposition"] = 'attachment; filename="report.xlsx"'
        return Rendered(rendered, _media_type(renderer.media_type, renderer.binary), headers)

    # -- single documents and stored files ----------------------------------------------------

    async def extract(self, body: Incoming, accept: str | None) -> Rendered:
        """Read the one document a multipart request carries and render what was found."""
        fmt = negotiate(accept, EXTRACT_FORMATS)

        async def stage(folder: Path) -> None:
            upload = await read_multipart(
                body.chunks, body.content_type, body.content_length, folder, self.settings
            )
            if len(upload.files) != 1:
                raise invalid(f"send exactly one file (got {len(upload.files)})")

        def run(folder: Path) -> Rendered:
            (path,) = folder.iterdir()
            document = self._extract(path, name=path.name)
            renderer = get_renderer(fmt)
            return Rendered(renderer.extraction([document]), _media_type(renderer.media_type))

        return await self._admitted(stage, run)

    async def store(self, body: Incoming) -> list[StoredFile]:
        """Keep the files of a multipart request for later checks (``POST /v1/files``)."""
        folder = self.files.scratch()
        try:
            upload = await read_multipart(
                body.chunks, body.content_type, body.content_length, folder, self.settings
            )
            if not upload.files:
                raise invalid("no file in the request")
            return self.files.add(folder, upload.files)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    # -- admission and the pool -------------------------------------------------------------

    async def _admitted(
        self,
        stage: Callable[[Path], Any],
        run: Callable[[Path], Rendered],
    ) -> Rendered:
        """Admit, stage the files in a fresh folder, run in the pool; clean up on every path."""
        if not self.gate.try_enter():
            raise busy(self.settings.retry_after)
        folder = Path(tempfile.mkdtemp(prefix="coop-rules-request-"))
        handed_over = False
        try:
            await stage(folder)

            def job() -> Rendered:
                try:
                    return run(folder)
                finally:
                    shutil.rmtree(folder, ignore_errors=True)
                    self.gate.leave()

            future = self.pool().submit(job)
            handed_over = True
            try:
                return await asyncio.shield(asyncio.wrap_future(future))
            except asyncio.CancelledError:
                # The client went away. A job not yet started never will: clean up for it.
                if future.cancel():
                    shutil.rmtree(folder, ignore_errors=True)
                    self.gate.leave()
                raise
        finally:
            if not handed_over:
                shutil.rmtree(folder, ignore_errors=True)
                self.gate.leave()


def _media_type(media_type: str, binary: bool = False) -> str:
    return media_type if binary else f"{media_type}; charset=utf-8"


async def _read_json(body: Incoming, limit: int) -> Any:
    """A JSON body of at most ``limit`` bytes, refused as soon as it passes the limit."""
    if body.content_length is not None and body.content_length > limit:
        raise too_large(f"a JSON request is limited to {fmt_bytes(limit)}")
    data = bytearray()
    async for chunk in body.chunks:
        data += chunk
        if len(data) > limit:
            raise too_large(f"a JSON request is limited to {fmt_bytes(limit)}")
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        where = f" at line {exc.lineno}, column {exc.colno}" if hasattr(exc, "lineno") else ""
        raise invalid(f"the body is not valid JSON{where}") from None


def _json_check_request(request: Any) -> tuple[Any, list[str]]:
    """``{"manifest": {...}, "files": [ids]}`` → the manifest and the file ids (422 otherwise)."""
    problems = []
    if not isinstance(request, dict):
        raise invalid("expected a JSON object {manifest, files}")
    for key in request.keys() - {"manifest", "files"}:
        problems.append(Problem(str(key), "unknown field"))
    if "manifest" not in request:
        problems.append(Problem("manifest", "required field is missing"))
    ids = request.get("files", [])
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        problems.append(Problem("files", "expected a list of file ids (strings)"))
    if problems:
        raise invalid("the request has problems", problems)
    return request["manifest"], ids


def _write_manifest(folder: Path, manifest: Any) -> None:
    """The manifest as ``claim.json``: the core reads and validates it as it would a folder's.

    Valid JSON is written indented, so the report's manifest evidence shows one field a line;
    text that is not JSON is written as it came, and the core reports where its syntax breaks.
    """
    if isinstance(manifest, str):
        try:
            manifest = json.loads(manifest)
        except (ValueError, RecursionError):
            (folder / MANIFEST_FILE).write_text(manifest, encoding="utf-8")
            return
    text = json.dumps(manifest, indent=2, ensure_ascii=False)
    (folder / MANIFEST_FILE).write_text(text + "\n", encoding="utf-8")


def _manifest_problems(exc: ConfigurationError) -> ConfigurationError:
    """The core's problems, with the temporary file named for what the client sent."""
    problems = [
        Problem("manifest" if p.location == "(file)" else p.location, p.message)
        for p in exc.problems
    ]
    return ConfigurationError("manifest", problems)
