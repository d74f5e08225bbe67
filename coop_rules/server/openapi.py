"""What the OpenAPI document says of the bodies and answers the routes read and write by hand.

The check and upload routes stream their bodies (so the limits hold while bytes arrive), which
FastAPI cannot describe by itself; these fragments describe them, from the same manifest and
report schemas the CLI prints.
"""

from __future__ import annotations

from typing import Any

from coop_rules.claim.manifest import manifest_schema
from coop_rules.report.schema import REPORT_SCHEMA

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "problems": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["location", "message"],
                "properties": {
                    "location": {"type": "string", "description": "the field path"},
                    "message": {"type": "string"},
                    "type": {
                        "type": "string",
                        "description": "a manifest problem's kind (pydantic's error type)",
                    },
                },
            },
        },
    },
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}


def _files_part(description: str) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"type": "string", "format": "binary"},
        "description": description,
    }


def check_request() -> dict[str, Any]:
    manifest = manifest_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["manifest"],
                        "properties": {
                            "manifest": {
                                "type": "string",
                                "description": "the claim manifest as JSON "
                                "(coop-rules schema manifest)",
                            },
                            "files": _files_part(
                                "the documents, named as the manifest's documents[].path"
                            ),
                        },
                    }
                },
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["manifest"],
                        "properties": {
                            "manifest": manifest,
                            "files": {
                                "type": "array",
                                "items": {"type": "string"},
                                "description": "ids returned by POST /v1/files",
                            },
                        },
                    }
                },
            },
        }
    }


def upload_request(description: str) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"files": _files_part(description)},
                    }
                }
            },
        }
    }


LIMIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _error("the body is not valid multipart"),
    401: _error("an API key is needed"),
    413: _error("past a limit: request size, file count or file size"),
    415: _error("not multipart/form-data (or JSON where documented)"),
    408: _error("the body did not arrive within the service's upload timeout"),
    422: _error("an invalid manifest or request: every problem with its field path"),
    429: _error("every check slot is taken; Retry-After says when to try again"),
    503: _error("the service holds as many uploads as it can; Retry-After says when to retry"),
}

CHECK_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the report (X-Coop-Verdict: pass, review or fail)",
        "content": {
            "application/json": {"schema": REPORT_SCHEMA},
            "text/html": {"schema": {"type": "string"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    },
    **LIMIT_RESPONSES,
    403: _error("record=true without the right to record: no API keys configured, or no ledger"),
    503: _error(
        "the service holds as many uploads as it can, or its ledger cannot be used now; "
        "Retry-After says when to retry"
    ),
}
