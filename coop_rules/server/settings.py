"""What an operator can set on the service: limits, keys, CORS, the ledger, upload storage.

Every way of starting the service reads the same settings: :func:`settings_from_env` turns the
``COOP_RULES_*`` environment variables into :class:`ServerSettings`; ``create_app()`` without
settings (``uvicorn --factory coop_rules.server.app:create_app``, gunicorn with uvicorn workers)
uses it, and ``coop-rules serve`` starts from it and lays its options over it. It fails closed:
a variable that is set but cannot be used (``COOP_RULES_API_KEYS`` holding no key, a keys file
that cannot be read or holds none, a number that is not one) stops the start with one line,
so a service meant to need keys never comes up open.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from coop_rules.errors import CoopRulesError

MIB = 1024 * 1024

ENV_KEYS = "COOP_RULES_API_KEYS"
ENV_KEYS_FILE = "COOP_RULES_API_KEYS_FILE"
ENV_UPLOAD_DIR = "COOP_RULES_UPLOAD_DIR"
ENV_LEDGER = "COOP_RULES_LEDGER"  # the same variable as the CLI's ledger (ledger.store)
ENV_CORS = "COOP_RULES_CORS_ORIGINS"
ENV_NO_PAGE = "COOP_RULES_NO_PAGE"
# Numeric settings: variable -> (field, unit the variable is given in, type).
_NUMBERS: dict[str, tuple[str, int, type]] = {
    "COOP_RULES_MAX_CONCURRENT": ("max_concurrent", 1, int),
    "COOP_RULES_MAX_QUEUED": ("max_queued", 1, int),
    "COOP_RULES_MAX_REQUEST_MB": ("max_request_bytes", MIB, int),
    "COOP_RULES_MAX_FILE_MB": ("max_file_bytes", MIB, int),
    "COOP_RULES_MAX_FILES": ("max_files", 1, int),
    "COOP_RULES_UPLOAD_TIMEOUT": ("upload_timeout", 1, float),
    "COOP_RULES_MAX_UPLOAD_MB": ("max_upload_bytes", MIB, int),
    "COOP_RULES_MAX_UPLOADS": ("max_uploads", 1, int),
    "COOP_RULES_FILE_TTL": ("stored_file_ttl", 1, int),
    "COOP_RULES_MAX_STORED_MB": ("max_stored_bytes", MIB, int),
}
# Mistyped names that would otherwise leave a service open without a word.
_MISTYPED = {"COOP_RULES_API_KEY": ENV_KEYS, "COOP_RULES_APIKEYS": ENV_KEYS}


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


def parse_keys(text: str, source: str) -> frozenset[str]:
    """API keys from ``text`` (comma- or whitespace-separated; ``#`` starts a comment line).

    Raises:
        CoopRulesError: ``text`` holds no key, or a key a header cannot carry (``source``
            names where it came from; the message never shows a key).
    """
    lines = (line for line in text.splitlines() if not line.lstrip().startswith("#"))
    keys = frozenset(k for line in lines for k in line.replace(",", " ").split() if k)
    if not keys:
        raise CoopRulesError(
            f"{source} is set but holds no API key: refusing to serve without the keys it "
            "should require (unset it to serve without keys)"
        )
    for key in keys:
        if not key.isascii() or not key.isprintable() or len(key) > 256:
            raise CoopRulesError(
                f"{source} holds a key with a character an HTTP header cannot carry, or longer "
                "than 256 characters: use printable ASCII"
            )
    return keys


def keys_from_env(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """The API keys ``COOP_RULES_API_KEYS`` and ``COOP_RULES_API_KEYS_FILE`` name together.

    Neither set: no keys. Either set but unusable (no key in it, a file that cannot be read):
    :class:`CoopRulesError`, never an empty set.
    """
    env = os.environ if environ is None else environ
    for wrong, right in _MISTYPED.items():
        if wrong in env and right not in env:
            raise CoopRulesError(f"{wrong} is set: the service reads {right}")
    keys: frozenset[str] = frozenset()
    if ENV_KEYS in env:
        keys |= parse_keys(env[ENV_KEYS], ENV_KEYS)
    if ENV_KEYS_FILE in env:
        keys |= keys_from_file(Path(env[ENV_KEYS_FILE]), ENV_KEYS_FILE)
    return keys


def keys_from_file(path: Path, source: str) -> frozenset[str]:
    """The keys in ``path`` (one or more a line); :class:`CoopRulesError` if unusable."""
    try:
        text = path.expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise CoopRulesError(
            f"cannot read the API keys file {path} ({source}): {reason}; refusing to serve "
            "without the keys it should require"
        ) from None
    return parse_keys(text, f"the API keys file {path}")


def settings_from_env(
    environ: Mapping[str, str] | None = None, given: Mapping[str, object] | None = None
) -> ServerSettings:
    """The settings the ``COOP_RULES_*`` variables give, with the ``given`` fields over them.

    Raises:
        CoopRulesError: a variable is set but unusable, or the settings contradict each other.
    """
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for name, (attribute, unit, kind) in _NUMBERS.items():
        text = env.get(name, "").strip()
        if not text:
            continue
        try:
            values[attribute] = kind(text) * unit
        except ValueError:
            raise CoopRulesError(f"{name} must be a number, not {text!r}") from None
    values["api_keys"] = keys_from_env(env)
    if env.get(ENV_UPLOAD_DIR):
        values["upload_dir"] = Path(env[ENV_UPLOAD_DIR])
    if env.get(ENV_LEDGER):
        values["ledger"] = env[ENV_LEDGER]
    if env.get(ENV_CORS):
        values["cors_origins"] = tuple(env[ENV_CORS].replace(",", " ").split())
    if env.get(ENV_NO_PAGE, "").strip().lower() in {"1", "true", "yes"}:
        values["self_check_page"] = False
    values.update(given or {})
    try:
        return ServerSettings(**values)  # type: ignore[arg-type]
    except ValueError as exc:
        raise CoopRulesError(str(exc)) from None


def settings_to_env(settings: ServerSettings) -> dict[str, str | None]:
    """The variables :func:`settings_from_env` reads back as ``settings`` (for worker processes).

    None: the variable must be unset. ``retry_after`` and ``max_manifest_bytes`` have no
    variable and stay at their defaults.
    """
    env: dict[str, str | None] = {}
    for name, (attribute, unit, kind) in _NUMBERS.items():
        value = getattr(settings, attribute)
        env[name] = str(value // unit if kind is int else value)
    env[ENV_KEYS] = ",".join(sorted(settings.api_keys)) if settings.api_keys else None
    env[ENV_KEYS_FILE] = None  # its keys are in ENV_KEYS now
    env[ENV_UPLOAD_DIR] = str(settings.upload_dir) if settings.upload_dir else None
    env[ENV_LEDGER] = settings.ledger
    env[ENV_CORS] = ",".join(settings.cors_origins) or None
    env[ENV_NO_PAGE] = None if settings.self_check_page else "1"
    return env
