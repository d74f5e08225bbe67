"""Where uploads live on disk, and how much of it the requests in flight may hold.

The upload folder (``serve --upload-dir``, else a private temporary folder made at start-up and
removed at shutdown) holds ``files/``, the documents kept for later checks (:mod:`.files`), and
``requests/``, one folder per request while its body arrives and its check runs. Both on one
file system, so a kept file reaches a check's folder as a hard link and an upload reaches the
kept files by a rename. The folder must be private to the service's user (no group or other
permissions): it holds partners' documents. Several workers of one service may share it.

:class:`UploadBudget` bounds the request bodies on disk: a request reserves its declared
``Content-Length`` (or, without one, each chunk as it arrives) and gives it back when its folder
is removed, after its check. A flood of slow uploads therefore runs into 503, not into a full
disk, and holds no check slot while it trickles in (see :mod:`.service`).
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
import threading
import time
from pathlib import Path

from coop_rules.errors import CoopRulesError
from coop_rules.server.errors import ApiError

log = logging.getLogger(__name__)

# A request folder older than this belongs to a process that died: no body takes that long to
# arrive and no check that long to run.
STALE_REQUEST_S = 60 * 60


class UploadRoot:
    """The upload folder: prepared on first use (or :meth:`prepare` at start-up)."""

    def __init__(self, configured: Path | None) -> None:
        self.configured = configured
        self._path: Path | None = None
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        """The folder, made (or checked) now if it was not yet."""
        with self._lock:
            if self._path is None:
                self._path = _prepare(self.configured)
            return self._path

    def prepare(self) -> Path:
        return self.path

    @property
    def files(self) -> Path:
        return self.path / "files"

    def request_folder(self) -> Path:
        """A new private folder for one request."""
        return Path(tempfile.mkdtemp(prefix="r-", dir=self.path / "requests"))

    def close(self) -> None:
        """Remove the folder if it is the private temporary one (a configured one stays)."""
        with self._lock:
            path, self._path = self._path, None
        if path is not None and self.configured is None:
            shutil.rmtree(path, ignore_errors=True)


def _prepare(configured: Path | None) -> Path:
    if configured is None:
        root = Path(tempfile.mkdtemp(prefix="coop-rules-uploads-"))  # mode 0700
    else:
        root = configured.expanduser().absolute()
        try:
            root.mkdir(mode=0o700, parents=True, exist_ok=True)
            info = root.stat()
        except OSError as exc:
            raise CoopRulesError(f"cannot use the upload folder {root}: {exc.strerror}") from None
        if not stat.S_ISDIR(info.st_mode):
            raise CoopRulesError(f"the upload folder {root} is not a folder")
        if info.st_uid != os.geteuid() or info.st_mode & 0o077:
            raise CoopRulesError(
                f"the upload folder {root} must belong to this user and be private to it "
                f"(chmod 700 {root}): it holds partners' documents"
            )
    for sub in ("files", "requests"):
        (root / sub).mkdir(mode=0o700, exist_ok=True)
    _sweep_stale_requests(root / "requests")
    return root


def _sweep_stale_requests(folder: Path) -> None:
    cutoff = time.time() - STALE_REQUEST_S
    for entry in os.scandir(folder):
        try:
            if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                shutil.rmtree(entry.path, ignore_errors=True)
        except OSError:
            continue  # another worker removed it first


class UploadBudget:
    """Bytes (and requests) of uploaded bodies on disk at once, over all requests; thread-safe."""

    def __init__(self, max_bytes: int, max_uploads: int, retry_after: int) -> None:
        self.max_bytes = max_bytes
        self.max_uploads = max_uploads
        self.retry_after = retry_after
        self.bytes = 0
        self.uploads = 0
        self._lock = threading.Lock()

    def reserve(self, declared: int) -> Reservation:
        """A reservation of ``declared`` bytes for a new request (503 when there is no room)."""
        with self._lock:
            if self.uploads >= self.max_uploads or self.bytes + declared > self.max_bytes:
                raise self._full()
            self.uploads += 1
            self.bytes += declared
        return Reservation(self, declared)

    def _grow(self, size: int) -> None:
        with self._lock:
            if self.bytes + size > self.max_bytes:
                raise self._full()
            self.bytes += size

    def _give_back(self, size: int) -> None:
        with self._lock:
            self.bytes -= size
            self.uploads -= 1

    def _full(self) -> ApiError:
        return ApiError(
            503,
            "uploads_full",
            "the service holds as many uploads as it can right now; try again in "
            f"{self.retry_after} seconds",
            headers={"Retry-After": str(self.retry_after)},
        )


class Reservation:
    """One request's share of the :class:`UploadBudget`, given back by :meth:`release`."""

    def __init__(self, budget: UploadBudget, reserved: int) -> None:
        self._budget = budget
        self.reserved = reserved
        self.received = 0
        self._released = False

    def take(self, size: int) -> None:
        """Count ``size`` more bytes received; past the reservation, reserve more (or 503)."""
        self.received += size
        if self.received > self.reserved:
            extra = self.received - self.reserved
            self._budget._grow(extra)
            self.reserved += extra

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._budget._give_back(self.reserved)
