"""What an operator can set on the service: limits, keys, CORS, the ledger, upload storage."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

MIB = 1024 * 1024


@dataclass(frozen=True)
class ServerSettings:
    """The service's limits and access rules; the defaults suit a partner claim of a few files.

    Attributes:
        max_request_bytes: the whole request body, all files and fields together.
        max_file_bytes: one uploaded file.
        max_files: files in one request.
        max_manifest_bytes: the ``manifest`` form field (or a JSON request body).
        max_concurrent: checks running at once (threads calling ``api.check_claim``).
        max_queued: checks admitted to wait for a running slot; one more gets 429.
        retry_after: seconds a refused client is told to wait (``Retry-After``).
        api_keys: keys accepted for ``/v1/*``; empty means no key is needed.
        cors_origins: origins allowed to call the service from a browser; empty means no CORS.
        ledger: the ledger of recorded claims checks compare with (a SQLite file or a
            ``postgresql://`` URL); None: no ledger, every check sees an empty history and
            nothing can be recorded.
        upload_dir: where uploads live (``files/`` kept for later checks, ``requests/`` one
            folder per request); None: a private temporary folder made at start-up and removed
            at shutdown. Several workers may share one folder.
        upload_timeout: seconds a request body may take to arrive; a slower one gets 408.
        max_upload_bytes: request bodies on disk at once, all requests together (arriving,
            waiting for a check slot or being checked); past it a request gets 503.
        max_uploads: requests holding uploaded bodies at once; past it a request gets 503.
        stored_file_ttl: seconds a file uploaded with ``POST /v1/files`` is kept.
        max_stored_bytes: all files kept for later checks together.
        self_check_page: serve the partner self-check page at ``/``.
    """

    max_request_bytes: int = 64 * MIB
    max_file_bytes: int = 20 * MIB
    max_files: int = 20
    max_manifest_bytes: int = 1 * MIB
    max_concurrent: int = field(default_factory=lambda: os.cpu_count() or 1)
    max_queued: int = 16
    retry_after: int = 5
    api_keys: frozenset[str] = frozenset()
    cors_origins: tuple[str, ...] = ()
    ledger: str | None = None
    upload_dir: Path | None = None
    upload_timeout: float = 120.0
    max_upload_bytes: int = 512 * MIB
    max_uploads: int = 64
    stored_file_ttl: int = 60 * 60
    max_stored_bytes: int = 512 * MIB
    self_check_page: bool = True

    def __post_init__(self) -> None:
        for name in (
            "max_request_bytes",
            "max_file_bytes",
            "max_files",
            "max_concurrent",
            "max_uploads",
            "stored_file_ttl",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.max_queued < 0:
            raise ValueError("max_queued must not be negative")
        if self.upload_timeout <= 0:
            raise ValueError("upload_timeout must be positive")
        if self.max_upload_bytes < self.max_request_bytes:
            # Else a request within the size limit could never be admitted.
            raise ValueError("max_upload_bytes must be at least max_request_bytes")


def keys_from_env(value: str | None = None) -> frozenset[str]:
    """API keys from ``COOP_RULES_API_KEYS``: comma- or whitespace-separated."""
    text = os.environ.get("COOP_RULES_API_KEYS", "") if value is None else value
    return frozenset(k for k in text.replace(",", " ").split() if k)
