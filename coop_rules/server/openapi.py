"""The service's OpenAPI 3.1 document: what the routes read and write, for client generators.

The check and upload routes stream their bodies (so the limits hold while bytes arrive), which
FastAPI cannot describe by itself; the fragments here describe them by reference to named
schemas. :func:`build_document` then finishes what FastAPI produced:

- the manifest, report and extraction schemas (the ones ``coop-rules schema`` prints) are put in
  ``components/schemas`` with their own ``$defs`` hoisted beside them, every ``#/$defs/X``
  rewritten to ``#/components/schemas/X``: a generator resolves each reference in one document;
- every refusal is documented with the one error shape (FastAPI's ``HTTPValidationError`` is
  gone, as the service never answers it), including 406 and 422 on every operation;
- the file limits come from the service's settings (at least one file, ``max_files`` at most);
- security is declared only on a service that has API keys.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from coop_rules.claim.manifest import manifest_schema
from coop_rules.report.schema import EXTRACT_SCHEMA, REPORT_SCHEMA
from coop_rules.server.errors import ERROR_CODES
from coop_rules.server.settings import ServerSettings

REF = "#/components/schemas/"
# The report schema's own definitions are lower-case JSON names; as components they get the
# class names a generator makes of them (``problem`` is a document's reading problem).
_REPORT_NAMES = {
    "document": "Document",
    "evidence": "Evidence",
    "field": "Field",
    "finding": "Finding",
    "problem": "DocumentProblem",
}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every refusal: a code, one sentence, and the problems where there are several",
    "required": ["error", "message"],
    "properties": {
        "error": {
            "type": "string",
            "description": "a stable code: "
            + "; ".join(f"{code} ({meaning})" for code, meaning in ERROR_CODES.items()),
        },
        "message": {"type": "string"},
        "problems": {"type": "array", "items": {"$ref": REF + "Problem"}},
    },
}
PROBLEM_SCHEMA: dict[str, Any] = {
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
}


def refusal(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def _files_part(description: str, most: int | None = None) -> dict[str, Any]:
    """An array of files; ``most`` None: the service's ``max_files`` (set by build_document)."""
    part: dict[str, Any] = {
        "type": "array",
        "items": {"type": "string", "format": "binary"},
        "minItems": 1,
        "description": description,
    }
    if most is not None:
        part["maxItems"] = most
    return part


def check_request() -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["manifest", "files"],
                        "properties": {
                            "manifest": {
                                **_ref("Manifest"),
                                "description": "the claim manifest, a JSON part "
                                "(`coop-rules schema manifest`)",
                            },
                            "files": _files_part(
                                "the documents, named as the manifest's `documents[].path`"
                            ),
                        },
                        "additionalProperties": False,
                    },
                    # An object part is JSON (OpenAPI's default, said here for readers).
                    "encoding": {"manifest": {"contentType": "application/json"}},
                },
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["manifest", "files"],
                        "properties": {
                            "manifest": _ref("Manifest"),
                            "files": {
                                "type": "array",
                                "items": {"type": "string"},
                                "minItems": 1,
                                "description": "ids returned by `POST /v1/files`",
                            },
                        },
                        "additionalProperties": False,
                    }
                },
            },
        }
    }


def upload_request(description: str, most: int | None = None) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["files"],
                        "properties": {"files": _files_part(description, most)},
                        "additionalProperties": False,
                    }
                }
            },
        }
    }


UNAUTHORIZED = refusal("an API key is needed")
LIMIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: refusal("the body is not valid multipart"),
    401: UNAUTHORIZED,
    413: refusal("past a limit: request size, file count or file size"),
    415: refusal("not multipart/form-data (or JSON where documented)"),
    408: refusal("the body did not arrive within the service's upload timeout"),
    422: refusal("an invalid manifest or request: every problem with its field path"),
    429: refusal("every check slot is taken; Retry-After says when to try again"),
    503: refusal("the service holds as many uploads as it can; Retry-After says when to retry"),
}
NOT_FOUND = refusal("no such resource")

CHECK_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the report (X-Coop-Verdict: pass, review or fail)",
        "content": {
            "application/json": {"schema": _ref("Report")},
            "text/html": {"schema": {"type": "string"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    },
    **LIMIT_RESPONSES,
    403: refusal("record=true without the right to record: no API keys configured, or no ledger"),
    503: refusal(
        "the service holds as many uploads as it can, or its ledger cannot be used now; "
        "Retry-After says when to retry"
    ),
}

EXTRACT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the document's kind and fields, each with its evidence",
        "content": {
            "application/json": {"schema": _ref("Extraction")},
            "text/html": {"schema": {"type": "string"}},
        },
    },
    **LIMIT_RESPONSES,
}

# Answers any operation may give: an Accept it cannot produce, a bad parameter.
_COMMON = {
    "406": refusal("the Accept header names no media type this operation produces"),
    "422": refusal("an invalid request: every problem with its field path"),
}


@functools.cache
def named_schemas() -> dict[str, dict[str, Any]]:
    """Manifest, Report, Extraction, Error and every definition they use, as components."""
    schemas: dict[str, dict[str, Any]] = {"Error": ERROR_SCHEMA, "Problem": PROBLEM_SCHEMA}
    _hoist(schemas, "Manifest", manifest_schema(), lambda name: name)
    _hoist(schemas, "Report", REPORT_SCHEMA, lambda name: _REPORT_NAMES.get(name, name))
    _hoist(schemas, "Extraction", EXTRACT_SCHEMA, lambda name: _REPORT_NAMES.get(name, name))
    return schemas


def _hoist(
    into: dict[str, dict[str, Any]], name: str, schema: dict[str, Any], rename: Callable
) -> None:
    """Put ``schema`` and its ``$defs`` in ``into``, with references rewritten to components."""
    schema = copy.deepcopy(schema)
    defs = schema.pop("$defs", {})
    # The dialect is the document's (OpenAPI 3.1 is JSON Schema 2020-12 already); the title
    # would name the generated class instead of the component's name.
    schema.pop("$schema", None)
    schema.pop("title", None)
    names = {f"#/$defs/{key}": REF + rename(key) for key in defs}
    for key, definition in [(name, schema), *((rename(k), v) for k, v in defs.items())]:
        _rewrite_refs(definition, names)
        if key in into and into[key] != definition:
            raise ValueError(f"two different schemas named {key!r}")
        into[key] = definition


def _rewrite_refs(node: Any, names: dict[str, str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            node["$ref"] = names[ref]
        for value in node.values():
            _rewrite_refs(value, names)
    elif isinstance(node, list):
        for value in node:
            _rewrite_refs(value, names)


def build_document(app: FastAPI, settings: ServerSettings) -> dict[str, Any]:
    """The OpenAPI document of ``app`` as served with ``settings`` (see the module docstring)."""
    doc = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for fastapi_only in ("HTTPValidationError", "ValidationError"):
        schemas.pop(fastapi_only, None)
    schemas.update(copy.deepcopy(named_schemas()))
    for operation in _operations(doc):
        responses = operation.setdefault("responses", {})
        # FastAPI's own 422 (HTTPValidationError) is replaced; a route's own is kept; an
        # operation without parameters or body cannot be invalid.
        if "HTTPValidationError" in str(responses.get("422", "")):
            del responses["422"]
        for status, common in _COMMON.items():
            takes_input = "parameters" in operation or "requestBody" in operation
            if status not in responses and (status != "422" or takes_input):
                responses[status] = copy.deepcopy(common)
        for status, response in responses.items():
            if status.startswith(("4", "5")) and "content" not in response:
                response["content"] = {"application/json": {"schema": _ref("Error")}}
        operation["responses"] = dict(sorted(responses.items()))
        _limit_files(operation, settings.max_files)
        if not settings.api_keys:
            # Nothing needs a key: declaring security would send generators and fuzzers
            # looking for credentials the service never asks for.
            operation.pop("security", None)
            responses.pop("401", None)
    if not settings.api_keys:
        components.pop("securitySchemes", None)
    return doc


def _operations(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in doc["paths"].values():
        yield from item.values()


def _limit_files(operation: dict[str, Any], max_files: int) -> None:
    """Every files array of a multipart body: at most ``max_files`` (or its own smaller limit)."""
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("multipart/form-data", {}).get("schema", {})
    files = schema.get("properties", {}).get("files")
    if files is not None:
        files["maxItems"] = min(files.get("maxItems", max_files), max_files)
