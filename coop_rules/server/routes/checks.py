"""``POST /v1/checks`` and ``POST /v1/extract``: a claim or one document in, a report out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response

from coop_rules.renderers import get_renderer
from coop_rules.server.deps import ApiKey, Body, Language, Record, Service
from coop_rules.server.negotiation import produces
from coop_rules.server.openapi import (
    CHECK_RESPONSES,
    EXTRACT_RESPONSES,
    check_request,
    upload_request,
)
from coop_rules.server.service import EXTRACT_FORMATS, REPORT_FORMATS

router = APIRouter(prefix="/v1", tags=["checks"], dependencies=[ApiKey])

# 406 before the body is read, where Accept admits none of the formats (the service then
# picks the one Accept prefers).
ProducesReport = Depends(produces(*(get_renderer(f).media_type for f in REPORT_FORMATS)))
ProducesExtraction = Depends(produces(*(get_renderer(f).media_type for f in EXTRACT_FORMATS)))

AcceptHeader = Annotated[
    str | None,
    Header(description="application/json (default), text/html or the XLSX media type"),
]
ExtractAcceptHeader = Annotated[
    str | None, Header(description="application/json (default) or text/html")
]


@router.post(
    "/checks",
    summary="Check a claim",
    description="Multipart: the manifest as JSON in the field `manifest` and the documents as "
    "files named like the manifest's `documents[].path`. Or JSON: `{manifest, files}` with the "
    "ids of files uploaded before with `POST /v1/files`. Answers with the report in the format "
    "`Accept` asks for; documents that cannot be read are findings in it. The check compares "
    "the claim with the service's ledger of recorded claims (duplicates, caps) and never "
    "writes it, unless `record=true` (API key required).",
    openapi_extra=check_request(),
    responses=CHECK_RESPONSES,
    response_class=Response,
    dependencies=[ProducesReport],
)
async def create_check(
    service: Service, body: Body, lang: Language, record: Record, accept: AcceptHeader = None
) -> Response:
    rendered = await service.check(body, accept, lang, record)
    return Response(rendered.body, media_type=rendered.media_type, headers=rendered.headers)


@router.post(
    "/extract",
    summary="Read one document",
    description="Multipart with exactly one file: its kind and fields, each with its evidence "
    "(the `coop-rules extract --format json` contract, or HTML when `Accept` asks for it).",
    openapi_extra=upload_request("exactly one document", most=1),
    responses=EXTRACT_RESPONSES,
    response_class=Response,
    dependencies=[ProducesExtraction],
)
async def extract_document(
    service: Service, body: Body, accept: ExtractAcceptHeader = None
) -> Response:
    rendered = await service.extract(body, accept)
    return Response(rendered.body, media_type=rendered.media_type, headers=rendered.headers)
