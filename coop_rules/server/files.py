"""Files uploaded ahead of a check (``POST /v1/files``), kept on disk for a while under random ids.

A claim system that sends documents as they arrive uploads each once, gets an id, and later posts
``{"manifest": ..., "files": [ids]}`` to ``/v1/checks``. The store is a folder, not process
memory, so several workers can share it and a restart keeps the files until they expire:

- ``<id>`` holds the bytes and ``<id>.json`` the uploaded name, size and expiry (epoch seconds);
  a file exists once its ``.json`` does (both are written under temporary names and renamed).
- An id is 22 random URL-safe characters (128 bits). An id from a request is checked against
  that form before it is joined to the folder, so it never becomes a path of its own; the
  uploaded name is data only, and checked again as a plain name before a check uses it.
- Files expire after ``ttl`` seconds; expired ones are removed when files are added. The store
  refuses new files past ``max_bytes`` in all (507); adding takes an exclusive ``flock`` on
  ``.lock`` so two workers cannot both fill the last room.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from coop_rules.errors import Problem
from coop_rules.server.errors import ApiError, fmt_bytes, invalid
from coop_rules.server.storage import UploadRoot
from coop_rules.server.uploads import UploadedFile, name_problem

log = logging.getLogger(__name__)

ID_FORM = re.compile(r"[A-Za-z0-9_-]{22}")
_META = ".json"


def new_id() -> str:
    return secrets.token_urlsafe(16)  # 16 bytes -> 22 characters of ID_FORM


def valid_id(file_id: str) -> bool:
    return ID_FORM.fullmatch(file_id) is not None


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
    """Uploaded files by id, in the ``files/`` folder of the upload folder ``uploads``."""

    def __init__(self, uploads: UploadRoot, ttl: int, max_bytes: int) -> None:
        self._uploads = uploads
        self.ttl = ttl
        self.max_bytes = max_bytes

    @property
    def root(self) -> Path:
        return self._uploads.files  # made on first use

    def add(self, folder: Path, files: list[UploadedFile]) -> list[StoredFile]:
        """Keep the ``files`` of an upload ``folder`` (moved out of it).

        Raises:
            ApiError: 507 when the files would take the store past ``max_bytes``.
        """
        with self._locked():
            self._expire()
            used = sum(entry.stat().st_size for entry in self._data_files())
            if used + sum(f.size for f in files) > self.max_bytes:
                raise ApiError(
                    507,
                    "storage_full",
                    f"the service keeps at most {fmt_bytes(self.max_bytes)} of uploaded files; "
                    "use them in a check or delete them first",
                )
            stored = []
            for item in files:
                entry = StoredFile(new_id(), item.name, item.size, time.time() + self.ttl)
                os.replace(folder / item.name, self.root / entry.id)
                meta = {"name": entry.name, "size": entry.size, "expires": entry.expires}
                staging = self.root / f".{entry.id}{_META}"
                staging.write_text(json.dumps(meta), encoding="utf-8")
                os.replace(staging, self.root / f"{entry.id}{_META}")
                stored.append(entry)
        log.info("kept %d uploaded file(s)", len(stored))
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        """The file ``file_id`` if it exists and has not expired (None for any other id)."""
        if not valid_id(file_id):
            return None
        try:
            meta = json.loads((self.root / f"{file_id}{_META}").read_text(encoding="utf-8"))
            entry = StoredFile(
                file_id, str(meta["name"]), int(meta["size"]), float(meta["expires"])
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if entry.expires <= time.time() or name_problem(entry.name) is not None:
            return None
        return entry

    def copy_into(self, ids: list[str], folder: Path) -> list[UploadedFile]:
        """Put the files ``ids`` into ``folder`` under their uploaded names.

        A hard link where it can (the store and the request folders share a file system, and
        neither side writes to a file once it is there), a copy otherwise.

        Raises:
            ApiError: 422 listing every unknown, expired or malformed id and every name given
                twice.
        """
        problems, chosen = [], []
        names: set[str] = set()
        for index, file_id in enumerate(ids):
            entry = self.get(file_id)
            if entry is None:
                problems.append(Problem(f"files[{index}]", "no such file (or it expired)"))
            elif entry.name in names:
                problems.append(
                    Problem(f"files[{index}]", f"another file is also named {entry.name!r}")
                )
            else:
                names.add(entry.name)
                chosen.append((index, entry))
        for index, entry in chosen:
            try:
                _link_or_copy(self.root / entry.id, folder / entry.name)
            except FileNotFoundError:  # expired (or deleted) since it was looked up
                problems.append(Problem(f"files[{index}]", "no such file (or it expired)"))
        if problems:
            raise invalid("some files cannot be used", problems)
        return [UploadedFile(e.name, e.size) for _, e in chosen]

    def delete(self, file_id: str) -> bool:
        """Remove the file ``file_id``; False if there is no such (unexpired) file."""
        if self.get(file_id) is None:
            return False
        self._remove(file_id)
        return True

    def expire(self) -> None:
        with self._locked():
            self._expire()

    def _expire(self) -> None:
        now = time.time()
        with os.scandir(self.root) as entries:
            metas = [e.name[: -len(_META)] for e in entries if e.name.endswith(_META)]
        for file_id in metas:
            if not valid_id(file_id):
                continue  # a staging name (".<id>.json"): being written
            try:
                meta = json.loads((self.root / f"{file_id}{_META}").read_text(encoding="utf-8"))
                expired = float(meta["expires"]) <= now
            except (OSError, ValueError, KeyError, TypeError):
                expired = True
            if expired:
                self._remove(file_id)
        # Bytes whose description never got written (a worker died in between) are orphans.
        for entry in self._data_files():
            if not (self.root / f"{entry.name}{_META}").exists():
                with contextlib.suppress(OSError):
                    if entry.stat().st_mtime < now - 60:
                        os.unlink(entry.path)

    def _remove(self, file_id: str) -> None:
        # The description first: from then on the file does not exist for anyone.
        (self.root / f"{file_id}{_META}").unlink(missing_ok=True)
        (self.root / file_id).unlink(missing_ok=True)

    def _data_files(self) -> list[os.DirEntry[str]]:
        with os.scandir(self.root) as entries:
            return [e for e in entries if valid_id(e.name)]

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.root / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target, follow_symlinks=False)
    except FileNotFoundError:
        raise
    except OSError:  # another file system, or links not allowed: copy
        with open(source, "rb") as src:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as dst:
                shutil.copyfileobj(src, dst)
