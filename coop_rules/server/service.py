"""The service behind the routes: receive a request, admit its check, run the core, render.

A request's body is first received into its own folder (under the upload folder, see
:mod:`.storage`) without holding a check slot: a slow upload trickling in keeps no check waiting.
Receiving is bounded on its own: the bodies on disk at once by :class:`.storage.UploadBudget`
(503 past it), and each body by ``upload_timeout`` (408 for a client that trickles). Only then
does the check take a slot: at most ``max_concurrent`` running plus ``max_queued`` waiting; one
more is refused with 429 and ``Retry-After`` (and at once, before its body is read, when the
service is full already). Checks run in a bounded thread pool calling
:func:`coop_rules.api.check_claim`, which isolates each document in a worker process. Once a
check is handed to the pool, the pool job owns the request's folder, its share of the upload
budget and its slot, and gives all three back when it ends, so a client that disconnects
mid-check leaks none of them.

The ledger (``settings.ledger``) is read by every check; a check records its claim only when the
request asks (``record=True``), which the routes allow only to a caller with an API key.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from coop_rules import api
from coop_rules.errors import ConfigurationError, CoopRulesError, LedgerError, Problem
from coop_rules.extraction import ExtractedDocument
from coop_rules.i18n import DEFAULT_LANG
from coop_rules.options import CheckOptions
from coop_rules.renderers import Renderer, get_renderer
from coop_rules.renderers.html import HtmlRenderer
from coop_rules.report import Report
from coop_rules.server.errors import ApiError, busy, fmt_bytes, invalid, invalid_manifest, too_large
from coop_rules.server.files import FileStore, StoredFile
from coop_rules.server.manifests import core_problems, json_check_request, stage_manifest
from coop_rules.server.negotiation import best_match, not_acceptable
from coop_rules.server.pageform import FormProblems, manifest_from_form, on_document_rows
from coop_rules.server.settings import ServerSettings
from coop_rules.server.storage import Reservation, UploadBudget, UploadRoot
from coop_rules.server.uploads import Upload, read_multipart

log = logging.getLogger(__name__)

# Formats a check can answer in, by the media type a client names in ``Accept``; JSON first
# (the default for */* or no Accept).
REPORT_FORMATS = ("json", "html", "xlsx")
EXTRACT_FORMATS = ("json", "html")
RULE_PAGE = "/rules/{code}?lang={lang}"  # a rule's page (routes/rule_pages.py), from HTML reports


# The OpenAPI document says a check needs at least one document; a claim without any is refused.
_NO_FILES = Problem("files", "at least one file is required")

T = TypeVar("T")


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


@dataclass
class Received:
    """A request's body on disk: its folder and its share of the upload budget."""

    folder: Path
    reservation: Reservation

    def discard(self) -> None:
        """Remove the folder and give the bytes back (idempotent)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self.reservation.release()


class Gate:
    """Admission: at most ``capacity`` checks inside the service (running or waiting)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.inside = 0
        self._lock = threading.Lock()

    def full(self) -> bool:
        return self.inside >= self.capacity

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
    """The format of ``formats`` that ``Accept`` prefers (JSON for ``*/*`` or none); else 406."""
    offered = {get_renderer(name).media_type: name for name in formats}
    media = best_match(accept, list(offered))
    if media is None:
        raise not_acceptable(accept, list(offered))
    return offered[media]


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
        self.uploads = UploadRoot(settings.upload_dir)
        self.budget = UploadBudget(
            settings.max_upload_bytes, settings.max_uploads, settings.retry_after
        )
        self.files = FileStore(self.uploads, settings.stored_file_ttl, settings.max_stored_bytes)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._check = check
        self._extract = extract

    def start(self) -> None:
        """Make (or check) the upload folder and drop expired files (at the app's start-up)."""
        self.uploads.prepare()
        self.files.expire()

    def pool(self) -> ThreadPoolExecutor:
        """The check threads, started on first use (again after :meth:`close`)."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    self.settings.max_concurrent, thread_name_prefix="coop-check"
                )
            return self._pool

    def close(self) -> None:
        """Stop the threads; remove the upload folder if it is the private temporary one."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        self.uploads.close()

    # -- checks ---------------------------------------------------------------------------

    async def check(
        self,
        body: Incoming,
        accept: str | None,
        lang: str | None,
        record: bool = False,
        *,
        page_form: bool = False,
    ) -> Rendered:
        """Check the claim a request carries: multipart (manifest + files) or JSON (file ids).

        ``record``: record the claim in the ledger after the check (the caller has checked
        that this request may). ``page_form``: the self-check page's multipart, its fields as
        typed in the field ``form`` (:mod:`.pageform`) instead of a manifest.

        Raises:
            ApiError: 429 when full, 503 no room for uploads or the ledger unavailable, 408 too
                slow a body, 413/415/422/400 for the request, 422 for the manifest.
        """
        fmt = negotiate(accept, REPORT_FORMATS)

        async def stage(incoming: Incoming, folder: Path) -> None:
            if page_form:
                await self._stage_page_form(incoming, folder, lang or DEFAULT_LANG)
            else:
                await self._stage_claim(incoming, folder, lang)

        return await self._admitted(
            body, stage, lambda folder: self._run_check(folder, fmt, lang, record)
        )

    async def _stage_claim(self, body: Incoming, folder: Path, lang: str | None) -> None:
        if body.content_type.split(";")[0].strip().lower() == "application/json":
            request = await _read_json(body, self.settings.max_manifest_bytes)
            manifest, ids = json_check_request(request)
            self.files.copy_into(ids, folder)
            documents = len(ids)
        else:
            upload = await self._read_upload(body, folder, frozenset({"manifest"}), lang)
            if "manifest" not in upload.fields:
                raise invalid(
                    "no 'manifest' field: send the claim manifest as JSON in it",
                    [Problem("manifest", "required field is missing")],
                )
            manifest, documents = upload.fields["manifest"], len(upload.files)
        stage_manifest(folder, manifest, lang)
        if not documents:
            raise invalid("no document: send the claim's documents in 'files'", [_NO_FILES])
        log.info("check staged: %d file(s)", sum(1 for _ in folder.iterdir()) - 1)

    async def _stage_page_form(self, body: Incoming, folder: Path, lang: str) -> None:
        try:
            upload = await self._read_upload(body, folder, frozenset({"form"}), lang)
        except ApiError as exc:
            raise on_document_rows(exc) from None
        try:
            form = json.loads(upload.fields.get("form", "{}"))
        except ValueError:
            form = None
        if not isinstance(form, dict):
            raise invalid("the 'form' field is not a JSON object of the page's fields")
        try:
            manifest = manifest_from_form(form, lang, [f.name for f in upload.files])
        except FormProblems as exc:
            raise invalid_manifest(exc.problems) from None
        stage_manifest(folder, manifest, lang)

    def _run_check(self, folder: Path, fmt: str, lang: str | None, record: bool) -> Rendered:
        """In a pool thread: the core check, then the report rendered while the files exist."""
        options = CheckOptions(
            ledger=self.settings.ledger or False, record=record, lang=lang or DEFAULT_LANG
        )
        started = time.perf_counter()
        try:
            report = self._check(folder, options)
        except ConfigurationError as exc:
            raise invalid_manifest(core_problems(exc)) from None
        except LedgerError as exc:
            # The service's trouble (a database down), not the request's: 503. The details
            # name the ledger's file or host: for the log, not the client.
            log.error("check refused: %s", str(exc).replace(str(folder), "claim"))
            raise ApiError(
                503,
                "ledger_unavailable",
                "the ledger of recorded claims cannot be used right now; try again later "
                "(the service log has details)",
                headers={"Retry-After": str(self.settings.retry_after)},
            ) from None
        except CoopRulesError as exc:
            raise invalid(str(exc).replace(str(folder), "claim")) from None
        renderer = _report_renderer(fmt)
        rendered = renderer.report(report)
        log.info(
            "check done: %s (%s) in %.2f s%s",
            report.verdict,
            report.summary(),
            time.perf_counter() - started,
            ", recorded in the ledger" if record else "",
        )
        headers = {
            "X-Coop-Verdict": str(report.verdict),
            "X-Coop-Counts": ",".join(f"{k}={v}" for k, v in report.counts().items()),
        }
        if record:
            # Not the claim id: it is in the report, and a header must be Latin-1.
            headers["X-Coop-Recorded"] = "true"
        if lang is not None:
            headers["Content-Language"] = lang
        if renderer.binary:
            headers["Content-Disposition"] = 'attachment; filename="report.xlsx"'
        return Rendered(rendered, _media_type(renderer.media_type, renderer.binary), headers)

    # -- single documents and stored files ----------------------------------------------------

    async def extract(self, body: Incoming, accept: str | None) -> Rendered:
        """Read the one document a multipart request carries and render what was found."""
        fmt = negotiate(accept, EXTRACT_FORMATS)

        async def stage(incoming: Incoming, folder: Path) -> None:
            upload = await self._read_upload(incoming, folder)
            if len(upload.files) != 1:
                raise invalid(f"send exactly one file (got {len(upload.files)})")

        def run(folder: Path) -> Rendered:
            (path,) = folder.iterdir()
            document = self._extract(path, name=path.name)
            renderer = get_renderer(fmt)
            return Rendered(renderer.extraction([document]), _media_type(renderer.media_type))

        return await self._admitted(body, stage, run)

    async def store(self, body: Incoming) -> list[StoredFile]:
        """Keep the files of a multipart request for later checks (``POST /v1/files``)."""

        async def stage(incoming: Incoming, folder: Path) -> Upload:
            upload = await self._read_upload(incoming, folder)
            if not upload.files:
                raise invalid("no file in the request")
            return upload

        received, upload = await self._receive(body, stage)
        try:
            # A file lock and a scan of the store: off the event loop.
            return await asyncio.to_thread(self.files.add, received.folder, upload.files)
        finally:
            received.discard()

    async def _read_upload(
        self,
        body: Incoming,
        folder: Path,
        text_fields: frozenset[str] = frozenset(),
        lang: str | None = None,
    ) -> Upload:
        return await read_multipart(
            body.chunks,
            body.content_type,
            body.content_length,
            folder,
            self.settings,
            text_fields,
            lang,
        )

    # -- receiving, admission and the pool -----------------------------------------------------

    async def _receive(
        self, body: Incoming, stage: Callable[[Incoming, Path], Awaitable[T]]
    ) -> tuple[Received, T]:
        """Receive a body into a fresh folder with ``stage``, within the budget and the timeout.

        Raises:
            ApiError: 503 no room in the upload budget, 408 the body took too long; and
                whatever ``stage`` raises. The folder is gone on every error.
        """
        declared = min(body.content_length or 0, self.settings.max_request_bytes)
        reservation = self.budget.reserve(declared)
        try:
            received = Received(self.uploads.request_folder(), reservation)
        except BaseException:
            reservation.release()
            raise
        counted = Incoming(
            body.content_type, body.content_length, _counted(body.chunks, reservation)
        )
        limit = self.settings.upload_timeout
        try:
            async with asyncio.timeout(limit):
                return received, await stage(counted, received.folder)
        except TimeoutError:
            received.discard()
            log.info("request body not received within %g s", limit)
            raise ApiError(
                408,
                "request_timeout",
                f"the request body did not arrive within {limit:g} seconds",
                headers={"Connection": "close"},
            ) from None
        except BaseException:
            received.discard()
            raise

    async def _admitted(
        self,
        body: Incoming,
        stage: Callable[[Incoming, Path], Awaitable[None]],
        run: Callable[[Path], Rendered],
    ) -> Rendered:
        """Receive the body, then take a check slot and run in the pool; clean up on every path."""
        if self.gate.full():
            # Full already: say so before the client sends its whole body for nothing.
            raise busy(self.settings.retry_after)
        received, _ = await self._receive(body, stage)
        if not self.gate.try_enter():
            received.discard()
            raise busy(self.settings.retry_after)

        def job() -> Rendered:
            try:
                return run(received.folder)
            finally:
                received.discard()
                self.gate.leave()

        try:
            future = self.pool().submit(job)
        except BaseException:
            received.discard()
            self.gate.leave()
            raise
        try:
            return await asyncio.shield(asyncio.wrap_future(future))
        except asyncio.CancelledError:
            # The client went away. A job not yet started never will: clean up for it.
            if future.cancel():
                received.discard()
                self.gate.leave()
            raise


async def _counted(chunks: AsyncIterator[bytes], reservation: Reservation) -> AsyncIterator[bytes]:
    """The chunks, each counted against the request's share of the upload budget."""
    async for chunk in chunks:
        reservation.take(len(chunk))
        yield chunk


def _report_renderer(fmt: str) -> Renderer:
    """The renderer of a report the service answers with: an HTML report links its rules to
    the service's rule pages and shows the manifest's fields as entered (the client sent
    them as data; the file the service wrote from them is no one's to read)."""
    if fmt != "html":
        return get_renderer(fmt)
    return HtmlRenderer(rule_docs=RULE_PAGE, manifest_entered=True)


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
        where = (
            f" at line {exc.lineno}, column {exc.colno}"
            if isinstance(exc, json.JSONDecodeError)
            else ""
        )
        raise invalid(f"the body is not valid JSON{where}") from None
