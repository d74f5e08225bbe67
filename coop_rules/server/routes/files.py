"""``POST /v1/files`` and ``DELETE /v1/files/{id}``: documents uploaded ahead of a check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from coop_rules.server.deps import ApiKey, Body, ProducesJson, Service
from coop_rules.server.errors import ApiError
from coop_rules.server.models import StoredFiles
from coop_rules.server.openapi import (
    LIMIT_RESPONSES,
    NOT_FOUND,
    UNAUTHORIZED,
    refusal,
    upload_request,
)

router = APIRouter(prefix="/v1/files", tags=["files"], dependencies=[ApiKey, ProducesJson])


@router.post(
    "",
    status_code=201,
    summary="Upload documents for a later check",
    description="Multipart, one or more files. Answers with an id per file, to list in the "
    "`files` of a JSON `POST /v1/checks`. Files expire after a while (`expires_in` seconds).",
    openapi_extra=upload_request("the documents to keep"),
    response_model=StoredFiles,
    responses={
        507: refusal("the service keeps no more uploaded files now"),
        **LIMIT_RESPONSES,
    },
)
async def upload_files(service: Service, body: Body) -> dict[str, Any]:
    stored = await service.store(body)
    return {"files": [f.to_json() for f in stored]}


@router.delete(
    "/{file_id}",
    status_code=204,
    summary="Delete an uploaded document",
    response_class=Response,
    responses={404: NOT_FOUND, 401: UNAUTHORIZED},
)
def delete_file(service: Service, file_id: str) -> Response:
    if not service.files.delete(file_id):
        raise ApiError(404, "not_found", "no such file (or it expired)")
    return Response(status_code=204)
