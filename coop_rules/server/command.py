"""``coop-rules serve``: its options, and uvicorn started on the app (imported only when run).

The options lay themselves over the ``COOP_RULES_*`` environment the app factory reads
(:func:`.settings.settings_from_env`); an option not given keeps the environment's value. With
``--workers N`` uvicorn runs N processes of ``create_app`` as a factory, and this process hands
them the merged settings through those same variables, so each enforces the same keys and all
share one upload folder (a private temporary one, made here and removed at exit, if none is
configured).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from coop_rules.errors import CoopRulesError
from coop_rules.server.settings import (
    MIB,
    ServerSettings,
    keys_from_file,
    settings_from_env,
    settings_to_env,
)
from coop_rules.vocab import ENV_LEDGER

FACTORY = "coop_rules.server.app:create_app"


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add ``serve`` to the CLI's subcommands."""
    env = os.environ.get
    defaults = ServerSettings()  # shown in the help; run() takes the environment's values
    # Settings default to None here: run() takes them from the environment, else from
    # ServerSettings' defaults.
    serve = commands.add_parser(
        "serve",
        help="run the HTTP service and the partner self-check page",
        description="POST /v1/checks, /v1/extract and /v1/files; GET /v1/rules; the self-check "
        "page at /, the API documentation at /docs. Every option has a COOP_RULES_* variable "
        "(the README lists them), read as well by `uvicorn --factory {FACTORY}`; API keys "
        "come from COOP_RULES_API_KEYS (comma-separated) or COOP_RULES_API_KEYS_FILE.",
    )
    serve.add_argument(
        "--ledger",
        metavar="PATH|URL",
        default=None,
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
        "--workers",
        type=int,
        default=int(env("COOP_RULES_WORKERS", "1")),
        metavar="N",
        help="server processes sharing the port, the upload folder and the ledger (default 1); "
        "limits such as --max-concurrent hold for each",
    )
    serve.add_argument(
        "--max-concurrent",
        type=int,
        default=None,
        metavar="N",
        help="checks running at once in each worker (default: the cores divided among the workers)",
    )
    serve.add_argument(
        "--max-queued",
        type=int,
        default=None,
        metavar="N",
        help=f"checks waiting for a slot; past that a request gets 429 (default: "
        f"{defaults.max_queued})",
    )
    serve.add_argument(
        "--max-request-mb",
        type=int,
        default=None,
        metavar="MB",
        help="the largest request body; past it 413 (default: "
        f"{defaults.max_request_bytes // MIB})",
    )
    serve.add_argument(
        "--max-file-mb",
        type=int,
        default=None,
        metavar="MB",
        help=f"the largest uploaded file; past it 413 (default: {defaults.max_file_bytes // MIB})",
    )
    serve.add_argument(
        "--max-files",
        type=int,
        default=None,
        metavar="N",
        help=f"the most files in one request (default: {defaults.max_files})",
    )
    serve.add_argument(
        "--upload-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="where uploads live: files kept for later checks and each request's files while "
        "it runs; private to this user (mode 0700), may be shared by several workers "
        "(default: a private temporary folder, removed at shutdown)",
    )
    serve.add_argument(
        "--upload-timeout",
        type=float,
        default=None,
        metavar="S",
        help="seconds a request body may take to arrive; a slower one gets 408 (default: "
        f"{defaults.upload_timeout:g})",
    )
    serve.add_argument(
        "--max-upload-mb",
        type=int,
        default=None,
        metavar="MB",
        help="request bodies on disk at once, all requests together; past it 503 (default: "
        f"{defaults.max_upload_bytes // MIB})",
    )
    serve.add_argument(
        "--file-ttl",
        type=int,
        default=None,
        metavar="S",
        help=f"seconds a file uploaded with POST /v1/files is kept (default: "
        f"{defaults.stored_file_ttl})",
    )
    serve.add_argument(
        "--max-stored-mb",
        type=int,
        default=None,
        metavar="MB",
        help="all files kept for later checks together; past it POST /v1/files gets 507 "
        f"(default: {defaults.max_stored_bytes // MIB})",
    )
    serve.add_argument(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY",
        help="require this key on /v1/* (repeatable; adds to COOP_RULES_API_KEYS; a key on "
        "the command line is visible to other users of the machine: prefer --api-keys-file)",
    )
    serve.add_argument(
        "--api-keys-file",
        type=Path,
        default=None,
        metavar="FILE",
        help="require the keys in FILE (one or more a line, # comments; adds to "
        "COOP_RULES_API_KEYS_FILE); an unreadable or empty file stops the start",
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
    if args.workers < 1:
        raise CoopRulesError("--workers must be at least 1")
    given: dict[str, object] = {
        "max_request_bytes": _mib(args.max_request_mb),
        "max_file_bytes": _mib(args.max_file_mb),
        "max_files": args.max_files,
        "max_concurrent": args.max_concurrent,
        "max_queued": args.max_queued,
        "upload_dir": args.upload_dir,
        "upload_timeout": args.upload_timeout,
        "max_upload_bytes": _mib(args.max_upload_mb),
        "stored_file_ttl": args.file_ttl,
        "max_stored_bytes": _mib(args.max_stored_mb),
        "ledger": _ledger_location(args.ledger),
    }
    given = {name: value for name, value in given.items() if value is not None}
    if (
        args.workers > 1
        and "max_concurrent" not in given
        and not os.environ.get("COOP_RULES_MAX_CONCURRENT")
    ):
        given["max_concurrent"] = max(1, (os.cpu_count() or 1) // args.workers)
    settings = settings_from_env(given=given)  # CoopRulesError: an unusable variable or value
    keys = set(settings.api_keys) | set(args.api_key)
    if args.api_keys_file is not None:
        keys |= keys_from_file(args.api_keys_file, "--api-keys-file")
    settings = replace(
        settings,
        api_keys=frozenset(keys),
        cors_origins=settings.cors_origins + tuple(args.cors_origin),
        self_check_page=settings.self_check_page and not args.no_page,
    )
    if settings.ledger is not None:
        settings = replace(settings, ledger=_ledger_location(settings.ledger))
        from coop_rules.ledger.store import Ledger  # loaded to run, not to parse

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
    log_level = "debug" if args.verbose else "info"
    if args.workers == 1:
        app = create_app(settings)
        app.state.service.start()  # an unusable --upload-dir fails here, in one line
        # The body is streamed by the app itself; uvicorn's own limits stay as they are.
        uvicorn.run(app, host=args.host, port=args.port, log_level=log_level, server_header=False)
        return 0
    shared = None
    if settings.upload_dir is None:  # one folder for all the workers, removed at exit
        shared = Path(tempfile.mkdtemp(prefix="coop-rules-uploads-"))
        settings = replace(settings, upload_dir=shared)
    try:
        from coop_rules.server.app import check_usable

        check_usable(settings)  # an unusable upload folder or ledger fails here, in one line
        for name, value in settings_to_env(settings).items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        uvicorn.run(
            FACTORY,
            factory=True,
            workers=args.workers,
            host=args.host,
            port=args.port,
            log_level=log_level,
            server_header=False,
        )
    finally:
        if shared is not None:
            shutil.rmtree(shared, ignore_errors=True)
    return 0


def _mib(value: int | None) -> int | None:
    return None if value is None else value * MIB


def _ledger_location(location: str | None) -> str | None:
    """A URL as given, a file as an absolute path (the service's threads share no cwd notion)."""
    if not location:
        return None
    from coop_rules.ledger.store import is_url

    return location if is_url(location) else str(Path(location).expanduser().absolute())
