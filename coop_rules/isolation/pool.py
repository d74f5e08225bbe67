"""Read untrusted documents in worker processes, within a time and a memory limit.

No parser we use is safe on hostile input by itself (PDFium aborts the process when memory
runs out; a crafted file can keep any parser busy for minutes). So each document is read by a
worker process that has an address-space limit (RLIMIT_AS) and is killed when it overruns the
wall-clock limit; the document then becomes an UNREADABLE :class:`ExtractedDocument` with a
plain problem ("took longer than 20 s to read", "needed more than 1 GiB of memory") and the
claim's other documents are read as usual.

Workers are reused, so a document costs a pipe round trip, not a process start: a worker is
replaced after ``Limits.recycle_after`` documents, after a crash or kill, and when a document
left it bloated. A worker starts warm: by ``fork`` when this process has no other threads (the
CLI, a batch worker: instant, with this process's caches), otherwise from a forkserver that
preloaded the extraction modules (:mod:`~coop_rules.isolation.preload`), as forking a
multi-threaded process (the HTTP service) could copy a lock another thread holds.

:class:`DocumentPool` is safe to use from several threads: each call takes a worker of its own
(or waits for one). :func:`shared_pool` is the process-wide pool the API uses.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coop_rules.documents import ProblemKind, ReadProblem
from coop_rules.documents.limits import DEFAULT_LIMITS, MIB, Limits
from coop_rules.evidence import Box, Turn
from coop_rules.extraction import DocumentKind, ExtractedDocument, extract_file
from coop_rules.isolation.worker import Job, RenderJob, serve

if TYPE_CHECKING:  # evidence pictures (Pillow, openpyxl) are drawn by the workers only
    from coop_rules.evidence_images import PageImage

__all__ = [
    "DocumentPool",
    "ExtractFile",
    "Limits",
    "extractor_for",
    "parallel_reads",
    "render_pdf_regions",
    "shared_pool",
]

log = logging.getLogger(__name__)

# What load_claim calls for each document: extract_file's signature (path, display_path, *,
# einvoice, role), run in a worker. (An extraction.Extractor reads one kind of document.)
ExtractFile = Callable[..., ExtractedDocument]

# How often the parent looks at a busy worker's memory while it waits for the result.
_SAMPLE_SECONDS = 0.1
# A worker whose peak address space grew by this share of its allowance is replaced after the
# document, and a crash after such growth is reported as running out of memory.
_BLOATED = 0.5

_live_connections: weakref.WeakSet[Connection] = weakref.WeakSet()


class _Worker:
    """One worker process, its pipe and its private temporary folder."""

    def __init__(self, memory_mb: int, warm: bool = False) -> None:
        self.memory_mb = memory_mb
        self.scratch = tempfile.mkdtemp(prefix="coop-rules-worker-")
        self.done = 0
        context = _context(warm)
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(  # type: ignore[attr-defined]
            target=serve,
            args=(child, memory_mb, self.scratch, os.getpid()),
            name="coop-rules-reader",
            daemon=True,
        )
        try:
            self.process.start()
        finally:
            child.close()
        _live_connections.add(self.conn)
        self.limit: int | None = None
        self.ready = False

    def read(self, job: Job | RenderJob) -> Any:
        """Run one job; on a timeout or crash the worker is dead afterwards."""
        limits = job.limits
        deadline = time.monotonic() + limits.timeout
        if not self.ready:  # the worker reports the memory cap it set, once
            if not self.conn.poll(max(limits.timeout, 30.0)):
                raise _WorkerFailed("the reader process did not start")
            _, self.limit = self.conn.recv()
            self.ready = True
            deadline = time.monotonic() + limits.timeout
        self.conn.send(job)
        peak = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                return _failed(
                    job, ProblemKind.TOO_SLOW, f"took longer than {limits.timeout_text} to read"
                )
            try:
                if self.conn.poll(min(remaining, _SAMPLE_SECONDS)):
                    result = self.conn.recv()
                    self.done += 1
                    return result
            except (EOFError, OSError):
                pass  # it died: below
            else:
                peak = max(peak, _peak_address_space(self.process.pid) or 0)
                if self.process.is_alive():
                    continue
            self.kill()
            return self._crashed(job, peak)

    def _crashed(self, job: Job | RenderJob, peak: int) -> Any:
        code = self.process.exitcode
        how = f"signal {signal.Signals(-code).name}" if code and code < 0 else f"exit {code}"
        log.warning("reader process died on %s (%s)", job.display, how)
        if self.limit and peak >= self.limit - (1 - _BLOATED) * self.memory_mb * MIB:
            reason = f"needed more than {job.limits.memory_text} of memory"
            return _failed(job, ProblemKind.TOO_LARGE, reason)
        if self.limit and code == -signal.SIGABRT:
            # PDFium aborts when an allocation fails, and under the address-space limit that is
            # what an allocation failure means; the growth before it can be too quick for the
            # memory samples above to see.
            reason = f"ran out of its {job.limits.memory_text} of memory (or the file is damaged)"
            return _failed(job, ProblemKind.TOO_LARGE, reason)
        return _failed(
            job, ProblemKind.CORRUPT, f"the reader crashed on it ({how}); the file is damaged"
        )

    def bloated(self) -> bool:
        peak = _peak_address_space(self.process.pid)
        return bool(self.limit and peak and peak >= self.limit - _BLOATED * self.memory_mb * MIB)

    def stop(self) -> None:
        """Ask the worker to finish; kill it if it does not within a second."""
        with contextlib.suppress(OSError, ValueError):  # already gone
            self.conn.send(None)
        self.process.join(1.0)
        self.kill()

    def kill(self) -> None:
        """Kill the worker (if alive), reap it and remove its temporary folder."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5.0)
        self.conn.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    @property
    def alive(self) -> bool:
        return not self.conn.closed and self.process.is_alive()


class _WorkerFailed(Exception):
    pass


class DocumentPool:
    """Reader processes shared by the threads of this process.

    Args:
        size: at most this many workers (and documents read at once); default: the cores.
    """

    def __init__(self, size: int | None = None) -> None:
        self.size = max(1, size or os.cpu_count() or 1)
        self._idle: list[_Worker] = []
        self._count = 0  # workers alive: idle ones and those in use
        self._changed = threading.Condition()
        self._closed = False

    def extract(
        self,
        path: Path,
        display_path: str | None = None,
        *,
        einvoice: bool = True,
        role: str | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> ExtractedDocument:
        """Read and extract ``path`` in a worker; never raises for a bad document."""
        job = Job(Path(path), display_path or str(path), einvoice, role, limits)
        result: ExtractedDocument = self._run(job)
        return result

    def render(
        self,
        path: Path,
        regions: Sequence[tuple[int, Box | None]],
        limits: Limits = DEFAULT_LIMITS,
        turns: Mapping[int, Turn] | None = None,
    ) -> list[PageImage | None]:
        """Pictures of ``regions`` of the PDF at ``path`` (see
        :func:`coop_rules.evidence_images.pdf_regions`, also for ``turns``), drawn in a worker;
        None for each region when drawing overran the limits."""
        job = RenderJob(Path(path), tuple(regions), limits, dict(turns or {}))
        result: list[PageImage | None] = self._run(job)
        return result

    def _run(self, job: Job | RenderJob) -> Any:
        worker = self._take(job.limits.memory_mb)
        healthy = False
        try:
            result = worker.read(job)
            healthy = worker.alive
            return result
        except _WorkerFailed as exc:
            return _failed(job, ProblemKind.CORRUPT, f"could not be read: {exc}")
        finally:
            # Also on KeyboardInterrupt mid-job: a worker in an unknown state is killed.
            self._give_back(worker, healthy and worker.done < job.limits.recycle_after)

    def warm(self, limits: Limits = DEFAULT_LIMITS) -> None:
        """Start the missing workers now, from this thread.

        While this process has one thread, workers are forked from it and start warm at once;
        started later from the threads that read a claim's documents in parallel, they would
        come from the forkserver instead.
        """
        with self._changed:
            if self._closed or any(w.memory_mb != limits.memory_mb for w in self._idle):
                return
            missing = self.size - self._count
            self._count += missing
        started: list[_Worker] = []
        try:
            for _ in range(missing):
                started.append(_Worker(limits.memory_mb, warm=True))
        finally:
            with self._changed:
                self._count -= missing - len(started)
                self._idle.extend(started)
                self._changed.notify_all()

    def extractor(self, limits: Limits = DEFAULT_LIMITS) -> ExtractFile:
        """An extractor for :func:`coop_rules.claim.load_claim` that reads within ``limits``."""
        return partial(self.extract, limits=limits)

    def _take(self, memory_mb: int) -> _Worker:
        with self._changed:
            while True:
                if self._closed:
                    raise RuntimeError("the document pool is closed")
                for worker in self._idle:
                    if worker.memory_mb == memory_mb:
                        self._idle.remove(worker)
                        return worker
                if self._idle:  # another memory limit: replace an idle worker
                    self._idle.pop().stop()
                    break
                if self._count < self.size:
                    self._count += 1
                    break
                self._changed.wait()
        try:
            return _Worker(memory_mb)  # outside the lock: a start may take a moment
        except BaseException:
            with self._changed:
                self._count -= 1
                self._changed.notify()
            raise

    def _give_back(self, worker: _Worker, keep: bool) -> None:
        if keep and worker.bloated():
            keep = False  # what a document left behind must not count against the next one
        if not keep:
            worker.stop()
        with self._changed:
            if keep and not self._closed:
                self._idle.append(worker)
            else:
                self._count -= 1
                if keep:
                    worker.stop()
            self._changed.notify()

    def close(self) -> None:
        """Stop the idle workers; those in use stop when their document is done."""
        with self._changed:
            self._closed = True
            idle, self._idle = self._idle, []
            self._changed.notify_all()
        for worker in idle:
            worker.stop()

    def _abandon(self) -> None:
        """In a forked child: forget the parent's workers without touching them."""
        self._idle = []
        self._count = 0
        self._changed = threading.Condition()


def _failed(job: Job | RenderJob, kind: ProblemKind, reason: str) -> Any:
    """What a job gives when its worker overran or died: an unreadable document, or no
    pictures (a report renders without them)."""
    if isinstance(job, RenderJob):
        log.warning("no evidence pictures of %s: %s", job.display, reason)
        return [None] * len(job.regions)
    problem = ReadProblem(job.display, kind, reason)
    return ExtractedDocument(job.display, None, DocumentKind.UNREADABLE, problems=(problem,))


def _peak_address_space(pid: int | None) -> int | None:
    """A process's peak virtual size in bytes (Linux), None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmPeak:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


_forkserver_ready = False
_context_lock = threading.Lock()


def _context(warm: bool = False) -> BaseContext:
    """``fork`` while this process has one thread; else a forkserver with warm modules."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1 and os.name == "posix":
        if warm:
            # Warm this process once (what the forkserver's preload does) before it starts
            # several workers (DocumentPool.warm: a claim's documents, many files): each of
            # them, and every replacement after a recycle or a kill, then starts warm. One
            # worker for one document (`coop-rules extract ONE.pdf`) is not worth it: the
            # warm-up reads a German sample, the worker then does what its document needs.
            import coop_rules.isolation.preload  # noqa: F401

        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        global _forkserver_ready
        with _context_lock:
            context = multiprocessing.get_context("forkserver")
            if not _forkserver_ready:
                # Ignored if something else started the forkserver already: then workers pay
                # the imports once each, still not once per document.
                context.set_forkserver_preload(["coop_rules.isolation.preload"])
                _forkserver_ready = True
        return context
    return multiprocessing.get_context("spawn")


_shared: DocumentPool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> DocumentPool:
    """The process's pool, started on first use and closed at exit."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = DocumentPool()
            atexit.register(_shared.close)
        return _shared


def set_shared_pool_size(size: int) -> None:
    """Size the process's pool (a batch worker reads one document at a time: size 1)."""
    global _shared
    with _shared_lock:
        if _shared is not None:
            _shared.close()
        _shared = DocumentPool(size)
        atexit.register(_shared.close)


def extractor_for(limits: Limits) -> ExtractFile:
    """The extractor ``limits`` call for: isolated in the shared pool, or in this process."""
    if not limits.isolate:
        return partial(extract_file, limits=limits)
    return shared_pool().extractor(limits)


def render_pdf_regions(
    path: Path,
    regions: Sequence[tuple[int, Box | None]],
    turns: Mapping[int, Turn] | None = None,
) -> list[PageImage | None]:
    """Evidence pictures drawn by the shared pool's workers: a report never runs a document's
    drawing operators in this process. A picture is not worth the wait a document is: 5 s.
    ``turns``: the pages OCR turned before reading them (see ``pdf_regions``)."""
    return shared_pool().render(path, regions, _RENDER_LIMITS, turns)


_RENDER_LIMITS = replace(DEFAULT_LIMITS, timeout=min(DEFAULT_LIMITS.timeout, 5.0))


def parallel_reads(limits: Limits) -> int:
    """How many documents of one claim to read at once under ``limits``: the shared pool's
    workers (started now, so that they start warm), or one when reading in this process."""
    if not limits.isolate:
        return 1
    pool = shared_pool()
    pool.warm(limits)
    return pool.size


def _after_fork_in_child() -> None:
    # A forked child (a worker, a batch process) must not use or keep the parent's workers:
    # forget them and close its copies of their pipes, so that a worker sees the end of its
    # pipe when its parent goes.
    global _shared
    if _shared is not None:
        _shared._abandon()
        _shared = None
    for conn in list(_live_connections):
        with contextlib.suppress(OSError):
            conn.close()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
