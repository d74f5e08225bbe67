"""The FastAPI application: routers, error handlers, HTTP manners, CORS and the static files.

``create_app(settings)`` is the factory ``coop-rules serve`` runs under uvicorn and tests use
with TestClient. Without settings it reads them from the ``COOP_RULES_*`` environment
(:func:`.settings.settings_from_env`), so every way of starting the service enforces the same
keys and shares the same upload folder and ledger: ``uvicorn --factory
coop_rules.server.app:create_app``, ``gunicorn -k uvicorn.workers.UvicornWorker
'coop_rules.server.app:create_app()'``, ``coop-rules serve --workers N``. A configuration it
cannot use (keys set but unreadable, an unusable upload folder or ledger) raises here, at
start-up, and the server never answers.

FastAPI's own ``/docs`` page loads its scripts from a CDN, so it is off; the service serves
its own ``/docs`` page, rendered from the OpenAPI document, with nothing loaded from the
network. The OpenAPI document is FastAPI's, finished by :mod:`.openapi` for the
settings the service runs with; every refusal, FastAPI's own included, has the one error shape
of :mod:`.errors`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

import coop_rules
from coop_rules.ledger.store import Ledger
from coop_rules.server.errors import ApiError, from_http_exception, from_validation_error
from coop_rules.server.manners import HttpManners
from coop_rules.server.openapi import build_document
from coop_rules.server.routes import checks, files, health, page, rule_pages, rules
from coop_rules.server.service import CheckService
from coop_rules.server.settings import ServerSettings, settings_from_env
from coop_rules.server.storage import UploadRoot

log = logging.getLogger(__name__)


def create_app(
    settings: ServerSettings | None = None, *, service: CheckService | None = None
) -> FastAPI:
    """The service as an ASGI app; ``service`` lets tests put a slow check behind the routes.

    Raises:
        CoopRulesError: without ``settings``, the environment's cannot be used.
    """
    if settings is None and service is None:
        settings = settings_from_env()
        check_usable(settings)
    settings = settings or (service.settings if service else ServerSettings())
    service = service or CheckService(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        service.start()  # the upload folder, made (or checked) now rather than on first use
        yield
        service.close()  # the pool, and the private upload folder

    app = FastAPI(
        title="coop-rules",
        version=coop_rules.__version__,
        description="Check marketing co-op (MDF) claims: the documents read, the rules "
        "applied, the findings reported with their evidence.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served by page.docs_router, with HEAD and 406 like every route
        # operationId = the handler's name (create_check, list_rules): the names generated
        # clients give their functions.
        generate_unique_id_function=lambda route: route.name,
        lifespan=lifespan,
    )
    app.state.service = service

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_document(app, settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.to_json(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return await api_error(
            request, from_http_exception(exc.status_code, exc.detail, exc.headers)
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return await api_error(request, from_validation_error(exc.errors()))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        # The trace goes to the log (it names code, not document content); the client gets
        # one line.
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        body = {"error": "internal", "message": "internal error; the service log has details"}
        return JSONResponse(body, status_code=500)

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "Accept"],
            expose_headers=["X-Coop-Verdict", "X-Coop-Counts", "X-Coop-Recorded", "Retry-After"],
        )
    # Added last, so it is outermost: HEAD and the negotiation headers hold for every answer.
    app.add_middleware(HttpManners)
    routers = (health.router, checks.router, files.router, rules.router, rule_pages.router)
    for router in (*routers, page.docs_router):
        app.include_router(router)
    if settings.self_check_page:
        app.include_router(page.router)
    # The docs page uses the style sheet too, so the static files are there without the page.
    app.mount("/static", StaticFiles(packages=[("coop_rules.server", "static")]), "static")
    return app


def check_usable(settings: ServerSettings) -> None:
    """Open the ledger and prepare the upload folder now, so a bad one stops the start.

    Raises:
        CoopRulesError: in one line, naming what cannot be used.
    """
    if settings.ledger is not None:
        with Ledger.open(settings.ledger):
            pass  # fails now if it cannot be opened or has another schema
    if settings.upload_dir is not None:
        UploadRoot(settings.upload_dir).prepare()  # kept: a configured folder is never removed
    else:
        log.warning(
            "no upload folder configured (COOP_RULES_UPLOAD_DIR): this process keeps uploads "
            "in a private folder, so files uploaded to it cannot be used through another "
            "worker or replica"
        )
