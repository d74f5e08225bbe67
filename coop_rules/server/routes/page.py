"""``GET /``: the partner self-check page; ``GET /docs``: the API described without a CDN.

Both are server-rendered Jinja templates (autoescaped) with a Content-Security-Policy that
allows only this service's own script and style files; the report the page shows arrives as
HTML from ``POST /v1/checks`` and is put in a sandboxed frame. ``/openapi.json`` and
``/favicon.ico`` are served here too (the icon from ``static/``, so browsers get no 404).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from coop_rules.claim.manifest import PoeSubtype
from coop_rules.server import apidocs
from coop_rules.server.deps import (
    ApiKey,
    Body,
    Language,
    ProducesHtml,
    ProducesJson,
    Service,
)
from coop_rules.server.i18n import NATIVE_NAMES, PAGE_LANGUAGES, strings
from coop_rules.server.negotiation import produces
from coop_rules.server.pageform import FLAGS, REQUIRED, page_programs
from coop_rules.server.routes.checks import ProducesReport

router = APIRouter(include_in_schema=False)
docs_router = APIRouter(include_in_schema=False)
ICON_TYPE = "image/x-icon"

# Inline styles are allowed for the report in the result frame (it is one self-contained
# file with a <style> element); scripts come only from /static.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
DOCS_POLICY = "default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'"
ROLES = ("invoice", "csr", "poe", "metrics", "other")


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("coop_rules.server", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _icon() -> bytes:
    return resources.files("coop_rules.server").joinpath("static/favicon.ico").read_bytes()


def _html(template: str, policy: str, **context: Any) -> HTMLResponse:
    body = _templates().get_template(template).render(**context)
    headers = {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    return HTMLResponse(body, headers=headers)


@router.get("/", dependencies=[ProducesHtml])
def self_check_page(service: Service, lang: Language) -> HTMLResponse:
    return _html(
        "page.html.j2",
        PAGE_POLICY,
        lang=lang,
        t=strings(lang),
        languages=[(code, NATIVE_NAMES[code]) for code in PAGE_LANGUAGES],
        roles=ROLES,
        subtypes=[str(s) for s in PoeSubtype],
        needs_key=bool(service.settings.api_keys),
        programs=page_programs(lang),
        required_fields=REQUIRED,
        flags=FLAGS,
    )


@router.post("/check", dependencies=[ApiKey, ProducesReport])
async def self_check(
    service: Service, body: Body, lang: Language, accept: Annotated[str | None, Header()] = None
) -> Response:
    """The page's form sent as typed (``form``) with its files: checked as ``POST /v1/checks``
    checks a manifest, never recorded."""
    rendered = await service.check(body, accept, lang, page_form=True)
    return Response(rendered.body, media_type=rendered.media_type, headers=rendered.headers)


@docs_router.get("/docs", dependencies=[ProducesHtml])
def api_docs(request: Request) -> HTMLResponse:
    schema = request.app.openapi()
    operations = [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]
    return _html(
        "docs.html.j2",
        DOCS_POLICY,
        schema=schema,
        operations=operations,
        schemas=sorted(schema.get("components", {}).get("schemas", {}).items()),
        md=apidocs,
    )


@docs_router.get("/openapi.json", dependencies=[ProducesJson])
def openapi_document(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@docs_router.get(
    "/favicon.ico", dependencies=[Depends(produces(ICON_TYPE, "image/vnd.microsoft.icon"))]
)
def favicon() -> Response:
    return Response(_icon(), media_type=ICON_TYPE, headers={"Cache-Control": "max-age=86400"})
