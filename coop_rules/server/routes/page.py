"""``GET /``: the partner self-check page; ``GET /docs``: the API described without a CDN.

Both are server-rendered Jinja templates (autoescaped) with a Content-Security-Policy that
allows only this service's own script and style files; the report the page shows arrives as
HTML from ``POST /v1/checks`` and is put in a sandboxed frame.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from coop_rules.claim.manifest import PoeSubtype
from coop_rules.server.deps import Language, Service
from coop_rules.server.i18n import DEFAULT, NATIVE_NAMES, PAGE_LANGUAGES, strings

router = APIRouter(include_in_schema=False)
docs_router = APIRouter(include_in_schema=False)

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


def _html(template: str, policy: str, **context: Any) -> HTMLResponse:
    body = _templates().get_template(template).render(**context)
    headers = {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    return HTMLResponse(body, headers=headers)


@router.get("/")
def self_check_page(service: Service, lang: Language) -> HTMLResponse:
    chosen = lang or DEFAULT
    return _html(
        "page.html.j2",
        PAGE_POLICY,
        lang=chosen,
        t=strings(chosen),
        languages=[(code, NATIVE_NAMES[code]) for code in PAGE_LANGUAGES],
        roles=ROLES,
        subtypes=[str(s) for s in PoeSubtype],
        needs_key=bool(service.settings.api_keys),
    )


@docs_router.get("/docs")
def api_docs(request: Request) -> HTMLResponse:
    schema = request.app.openapi()
    operations = [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]
    return _html("docs.html.j2", DOCS_POLICY, schema=schema, operations=operations)
