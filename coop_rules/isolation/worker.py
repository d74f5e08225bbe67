"""The worker process's side: set its limits, then read documents until told to stop.

Runs in a child process only. It reads each job's file itself (read-only), so no document
bytes cross the pipe; only the small, picklable :class:`ExtractedDocument` comes back.
"""

from __future__ import annotations

import faulthandler
import os
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from coop_rules.documents import ProblemKind, ReadProblem
from coop_rules.documents.limits import MIB, Limits
from coop_rules.evidence import Box, Turn
from coop_rules.extraction import DocumentKind, ExtractedDocument, extract_file

if TYPE_CHECKING:
    from coop_rules.evidence_images import PageImage

# How often an idle worker checks that the process that started it is still there.
_WATCHDOG_SECONDS = 2.0


@dataclass(frozen=True)
class Job:
    """One document to read (picklable)."""

    path: Path
    display: str
    einvoice: bool
    role: str | None
    limits: Limits


@dataclass(frozen=True)
class RenderJob:
    """Pictures of regions of a PDF's pages for a report (picklable): drawing a page runs its
    content stream, which a hostile file can make as slow or as large as it likes."""

    path: Path
    regions: tuple[tuple[int, Box | None], ...]
    limits: Limits
    turns: dict[int, Turn] = field(default_factory=dict)  # pages OCR turned (see pdf_regions)

    @property
    def display(self) -> str:
        return str(self.path)


def address_space() -> int | None:
    """This process's current virtual size in bytes (Linux), else None."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _limit_memory(memory_mb: int) -> int | None:
    """Cap the address space at what the worker has now plus ``memory_mb``; the cap set, or
    None where there is no RLIMIT_AS to set.

    The worker already maps the interpreter, libraries and warm caches (a few hundred MB of
    address space, most never touched); the limit is what a document may *add*, so that it
    means the same on every machine.
    """
    try:
        import resource
    except ImportError:  # Windows: the wall-clock limit still holds
        return None
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash leaves no core file behind
    base = address_space()
    if base is None or sys.platform != "linux":
        return None  # macOS does not enforce RLIMIT_AS
    limit = base + memory_mb * MIB
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return limit


def serve(conn: Connection, memory_mb: int, scratch: str, owner: int) -> None:
    """The worker's main loop: a Job in, an ExtractedDocument out; None ends it.

    Args:
        conn: this worker's end of the pipe.
        memory_mb: the address space a document may add (see :func:`_limit_memory`).
        scratch: a private temporary folder; the parent removes it, even after a kill.
        owner: the pid that started the worker (directly, or through the forkserver).
    """
    # Ctrl-C reaches the whole process group: the parent decides, a worker never dies of it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # SIGTERM ends a worker at once, whatever handler the process it was forked from had (the
    # CLI raises KeyboardInterrupt on it, which here would print a traceback).
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # A fault handler inherited from the parent (pytest enables one) would print the worker's
    # stack on the abort PDFium makes when memory runs out: the parent reports that instead.
    faulthandler.disable()
    os.environ["TMPDIR"] = scratch
    tempfile.tempdir = scratch
    parent = os.getppid()
    conn.send(("ready", _limit_memory(memory_mb)))
    try:
        while True:
            # Exit when the parent is gone (killed without closing the pipe): a worker must
            # not outlive the check that started it.
            while not conn.poll(_WATCHDOG_SECONDS):
                if os.getppid() != parent or not _alive(owner):
                    return
            job: Job | RenderJob | None = conn.recv()
            if job is None:
                return
            conn.send(_extract(job) if isinstance(job, Job) else _render(job))
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return  # the parent closed the pipe (it is exiting): nothing to report to anyone
    finally:
        # The parent removes the folder too (after a kill), but a parent that exits without
        # stopping its workers (a batch's pool worker runs no atexit) would leave it behind.
        shutil.rmtree(scratch, ignore_errors=True)


def _extract(job: Job) -> ExtractedDocument:
    try:
        return extract_file(
            job.path, job.display, einvoice=job.einvoice, role=job.role, limits=job.limits
        )
    except MemoryError:
        reason = f"needed more than {job.limits.memory_text} of memory"
        kind = ProblemKind.TOO_LARGE
    except Exception as exc:  # extract_file never raises for a document; this is our bug
        reason = f"the reader failed ({type(exc).__name__}: {exc})"[:300]
        kind = ProblemKind.CORRUPT
    problem = ReadProblem(job.display, kind, reason)
    return ExtractedDocument(job.display, None, DocumentKind.UNREADABLE, problems=(problem,))


def _render(job: RenderJob) -> list[PageImage | None]:
    # Pillow and openpyxl only in a worker that draws pictures for a report.
    from coop_rules.evidence_images import pdf_regions

    try:
        return pdf_regions(job.path, job.regions, job.turns)
    except Exception:  # pictures are best effort: a report renders without them
        return [None] * len(job.regions)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
