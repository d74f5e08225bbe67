"""``coop-rules serve``: its options, and uvicorn started on the app (imported only when run)."""

from __future__ import annotations

import argparse
import os

from coop_rules.errors import CoopRulesError
from coop_rules.server.settings import MIB, ServerSettings, keys_from_env


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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
    serve.add_argument("--host", default=env("COOP_RULES_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(env("COOP_RULES_PORT", "8000")))
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
        help="checks waiting for a slot; past that a request gets 429",
    )
    serve.add_argument(
        "--max-request-mb", type=int, default=defaults.max_request_bytes // MIB, metavar="MB"
    )
    serve.add_argument(
        "--max-file-mb", type=int, default=defaults.max_file_bytes // MIB, metavar="MB"
    )
    serve.add_argument("--max-files", type=int, default=defaults.max_files, metavar="N")
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
    try:
        settings = ServerSettings(
            max_request_bytes=args.max_request_mb * MIB,
            max_file_bytes=args.max_file_mb * MIB,
            max_files=args.max_files,
            max_concurrent=args.max_concurrent,
            max_queued=args.max_queued,
            api_keys=keys_from_env() | frozenset(args.api_key),
            cors_origins=tuple(args.cors_origin),
            self_check_page=not args.no_page,
        )
    except ValueError as exc:
        raise CoopRulesError(str(exc)) from None
    try:
        import uvicorn

        from coop_rules.server.app import create_app
    except ImportError as exc:
        raise CoopRulesError(
            f"serve needs the server extra ({exc.name} is missing): "
            "pip install 'coop-rules[server]'"
        ) from None
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level="debug" if args.verbose else "info",
        # The body is streamed by the app itself; uvicorn's own limits stay as they are.
        server_header=False,
    )
    return 0
