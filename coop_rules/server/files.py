"""Files uploaded ahead of a check (``POST /v1/files``), kept for a while under random ids.

A claim system that sends documents as they arrive uploads each once, gets an id, and later posts
``{"manifest": ..., "files": [ids]}`` to ``/v1/checks``. A stored file lives at ``root/<id>``:
the uploaded name is kept as data only, never as a path. Files expire after ``ttl`` seconds, and
the store refuses new files past ``max_bytes`` in all.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from coop_rules.errors import Problem
from coop_rules.server.errors import ApiError, fmt_bytes, invalid
from coop_rules.server.uploads import UploadedFile, create_file


@dataclass(frozen=True)
class StoredFile:
    """A kept upload: its id, its name as uploaded, its size and when it expires (epoch s)."""

    id: str
    name: str
    size: int
    expires: float

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "size": self.size,
            "expires_in": max(0, round(self.expires - time.time())),
        }


class FileStore:
    """Uploaded files by id, in a private temporary folder removed by :meth:`close`."""

    def __init__(self, ttl: int, max_bytes: int) -> None:
        self._root: Path | None = None
        self.ttl = ttl
        self.max_bytes = max_bytes
        self._files: dict[str, StoredFile] = {}
        self._lock = threading.RLock()  # root (taking it) is read under it too

    @property
    def root(self) -> Path:
        """The store's folder, made on first use (and again after :meth:`close`)."""
        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="coop-rules-files-"))
            return self._root

    def scratch(self) -> Path:
        """A new folder for one upload request, on the store's file system (for a cheap move)."""
        return Path(tempfile.mkdtemp(prefix="upload-", dir=self.root))

    def add(self, folder: Path, files: list[UploadedFile]) -> list[StoredFile]:
        """Keep the ``files`` of an upload ``folder`` (which this empties)."""
        self.expire()
        with self._lock:
            used = sum(f.size for f in self._files.values())
            incoming = sum(f.size for f in files)
            if used + incoming > self.max_bytes:
                raise ApiError(
                    507,
                    "storage_full",
                    f"the service keeps at most {fmt_bytes(self.max_bytes)} of uploaded files; "
                    "use them in a check or delete them first",
                )
            stored = []
            for item in files:
                file_id = secrets.token_urlsafe(16)
                os.replace(folder / item.name, self.root / file_id)
                entry = StoredFile(file_id, item.name, item.size, time.time() + self.ttl)
                self._files[file_id] = entry
                stored.append(entry)
            return stored

    def copy_into(self, ids: list[str], folder: Path) -> list[UploadedFile]:
        """Put the files ``ids`` into ``folder`` under their uploaded names.

        Raises:
            ApiError: 422 listing every unknown or expired id and every name given twice.
        """
        self.expire()
        problems, chosen = [], []
        with self._lock:
            names: set[str] = set()
            for index, file_id in enumerate(ids):
                entry = self._files.get(file_id)
                if entry is None:
                    problems.append(Problem(f"files[{index}]", "no such file (or it expired)"))
                elif entry.name in names:
                    problems.append(
                        Problem(f"files[{index}]", f"another file is also named {entry.name!r}")
                    )
                else:
                    names.add(entry.name)
                    chosen.append(entry)
            if problems:
                raise invalid("some files cannot be used", problems)
            for entry in chosen:
                with (
                    open(self.root / entry.id, "rb") as source,
                    create_file(folder, entry.name) as target,
                ):
                    shutil.copyfileobj(source, target)
        return [UploadedFile(e.name, e.size) for e in chosen]

    def delete(self, file_id: str) -> bool:
        with self._lock:
            entry = self._files.pop(file_id, None)
        if entry is not None:
            (self.root / file_id).unlink(missing_ok=True)
        return entry is not None

    def expire(self) -> None:
        now = time.time()
        with self._lock:
            gone = [i for i, f in self._files.items() if f.expires <= now]
            for file_id in gone:
                del self._files[file_id]
        for file_id in gone:
            (self.root / file_id).unlink(missing_ok=True)

    def close(self) -> None:
        with self._lock:
            self._files.clear()
            root, self._root = self._root, None
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)
