"""``coop-rules serve``: its options, and uvicorn started on the app (imported only when run)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from coop_rules.errors import CoopRulesError
from coop_rules.server.settings import MIB, ServerSettings, keys_from_env
from coop_rules.vocab import ENV_LEDGER


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add ``serve`` to the CLI's subcommands."""
    env = os.environ.get
    defaults = ServerSettings()
    serve = commands.add_parser(
        "serve",
        help="run the HTTP service and the partner self-check page",
        description="POST /v1/checks, /v1/extract and /v1/files; GET /v1/rules; the self-check "
        "page at /, the API documentation at /docs. API keys also from COOP_RULES_API_KEYS "
        "(comma-separated).",
    )
    serve.add_argument(
        "--ledger",
        metavar="PATH|URL",
        default=env(ENV_LEDGER) or None,
        help="the ledger of recorded claims checks compare with (duplicates, caps): a SQLite "
        f"file or a postgresql:// URL (default: ${ENV_LEDGER}, else none: checks compare with "
        "nothing and nothing can be recorded). Checks only read it; POST /v1/checks?record=true "
        "records, and only with an API key",
    )
    serve.add_argument(
        "--host",
        default=env("COOP_RULES_HOST", "127.0.0.1"),
        help="the address to listen on; 0.0.0.0 for every interface (default: %(default)s; "
        "$COOP_RULES_HOST)",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=int(env("COOP_RULES_PORT", "8000")),
        help="the TCP port to listen on (default: %(default)s; $COOP_RULES_PORT)",
    )
    serve.add_argument(
        "--max-concurrent",
        type=int,
        default=int(env("COOP_RULES_MAX_CONCURRENT", str(defaults.max_concurrent))),
        metavar="N",
        help="checks running at once (default: one per core)",
    )
    serve.add_argument(
        "--max-queued",
        type=int,
        default=defaults.max_queued,
        metavar="N",
        help="checks waiting for a slot; past that a request gets 429 (default: %(default)s)",
    )
    serve.add_argument(
        "--max-request-mb",
        type=int,
        default=defaults.max_request_bytes // MIB,
        metavar="MB",
        help="the largest request body; past it 413 (default: %(default)s)",
    )
    serve.add_argument(
        "--max-file-mb",
        type=int,
        default=defaults.max_file_bytes // MIB,
        metavar="MB",
        help="the largest uploaded file; past it 413 (default: %(default)s)",
    )
    serve.add_argument(
        "--max-files",
        type=int,
        default=defaults.max_files,
        metavar="N",
        help="the most files in one request (default: %(default)s)",
    )
    serve.add_argument(
        "--upload-dir",
        type=Path,
        default=env("COOP_RULES_UPLOAD_DIR") or None,
        metavar="DIR",
        help="where uploads live: files kept for later checks and each request's files while "
        "it runs; private to this user (mode 0700), may be shared by several workers "
        "(default: a private temporary folder, removed at shutdown)",
    )
    serve.add_argument(
        "--upload-timeout",
        type=float,
        default=defaults.upload_timeout,
        metavar="S",
        help="seconds a request body may take to arrive; a slower one gets 408 (default: "
        "%(default)g)",
    )
    serve.add_argument(
        "--max-upload-mb",
        type=int,
        default=defaults.max_upload_bytes // MIB,
        metavar="MB",
        help="request bodies on disk at once, all requests together; past it 503 (default: "
        "%(default)s)",
    )
    serve.add_argument(
        "--file-ttl",
        type=int,
        default=defaults.stored_file_ttl,
        metavar="S",
        help="seconds a file uploaded with POST /v1/files is kept (default: %(default)s)",
    )
    serve.add_argument(
        "--max-stored-mb",
        type=int,
        default=defaults.max_stored_bytes // MIB,
        metavar="MB",
        help="all files kept for later checks together; past it POST /v1/files gets 507 "
        "(default: %(default)s)",
    )
    serve.add_argument(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY",
        help="require this key on /v1/* (repeatable; adds to COOP_RULES_API_KEYS)",
    )
    serve.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="allow browser calls from this origin (repeatable; default: none)",
    )
    serve.add_argument(
        "--no-page", action="store_true", help="serve the API only, not the self-check page"
    )
    serve.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Start uvicorn on the app; returns when the server stops (Ctrl-C)."""
    # The ledger is loaded here, not when the CLI builds its parser (which adds `serve`).
    from coop_rules.ledger.store import Ledger

    try:
        settings = ServerSettings(
            max_request_bytes=args.max_request_mb * MIB,
            max_file_bytes=args.max_file_mb * MIB,
            max_files=args.max_files,
            max_concurrent=args.max_concurrent,
            max_queued=args.max_queued,
            upload_dir=args.upload_dir,
            upload_timeout=args.upload_timeout,
            max_upload_bytes=args.max_upload_mb * MIB,
            stored_file_ttl=args.file_ttl,
            max_stored_bytes=args.max_stored_mb * MIB,
            ledger=_ledger_location(args.ledger),
            api_keys=keys_from_env() | frozenset(args.api_key),
            cors_origins=tuple(args.cors_origin),
            self_check_page=not args.no_page,
        )
    except ValueError as exc:
        raise CoopRulesError(str(exc)) from None
    if settings.ledger is not None:
        with Ledger.open(settings.ledger):
            pass  # fails now, in one line, if it cannot be opened or has another schema
    try:
        import uvicorn

        from coop_rules.server.app import create_app
    except ImportError as exc:
        raise CoopRulesError(
            f"serve needs the server extra ({exc.name} is missing): "
            "pip install 'coop-rules[server]'"
        ) from None
    app = create_app(settings)
    app.state.service.start()  # an unusable --upload-dir fails here, in one line
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="debug" if args.verbose else "info",
        # The body is streamed by the app itself; uvicorn's own limits stay as they are.
        server_header=False,
    )
    return 0


def _ledger_location(location: str | None) -> str | None:
    """A URL as given, a file as an absolute path (the service's threads share no cwd notion)."""
    if not location:
        return None
    from coop_rules.ledger.store import is_url

    return location if is_url(location) else str(Path(location).expanduser().absolute())
