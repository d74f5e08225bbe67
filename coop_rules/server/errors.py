"""The service's error responses: one JSON shape for every refusal.

``{"error": "<code>", "message": "<one sentence>", "problems": [{"location", "message"}]}`` —
``problems`` only where there are several things to fix (a manifest, a set of uploads), each with
its field path, the way the CLI lists a manifest's problems; a manifest's problems also carry
their ``type`` (pydantic's: ``missing``, ``enum``, ...), and their message is in the request's
language where the page's catalogue has one for that type.

Every code the service answers with is in :data:`ERROR_CODES` (an ApiError with another code
is a programming error); the self-check page has a sentence for each in every language.

The refusals FastAPI and Starlette make themselves — an unknown route (404), a method the route
does not take (405, with ``Allow``), a query parameter of the wrong type (422) — are put in the
same shape by :func:`from_http_exception` and :func:`from_validation_error`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from coop_rules.errors import Problem

# Every error code, with what it means (the API documentation lists them).
ERROR_CODES = {
    "bad_request": "a request the HTTP layer could not take",
    "busy": "every check slot is taken (429, Retry-After)",
    "forbidden": "the API key does not allow this operation",
    "internal": "a fault of the service (500)",
    "invalid_manifest": "the claim manifest has problems (each with its field path)",
    "invalid_request": "the request has problems (each with its field path, where several)",
    "ledger_unavailable": "the ledger of recorded claims cannot be used right now (503)",
    "malformed_request": "the body is not valid multipart/form-data",
    "method_not_allowed": "the resource does not answer this method (Allow)",
    "not_acceptable": "no type of the Accept header can be answered",
    "not_found": "no such resource, rule or file",
    "request_timeout": "the request body did not arrive in time",
    "storage_full": "the service keeps no more uploaded files (507)",
    "too_large": "a file, a field or the request is larger than the limit",
    "unauthorized": "a valid API key is needed",
    "unsupported_media_type": "the body is not of a type this operation takes",
    "uploads_full": "the service holds as many uploads as it can right now (503, Retry-After)",
}


@dataclass(frozen=True)
class TypedProblem(Problem):
    """A problem with the kind of mistake it is (pydantic's error type, e.g. ``missing``)."""

    type: str = ""


class ApiError(Exception):
    """A request the service refuses, with the HTTP status and error code to answer with."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        problems: Sequence[Problem] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"{code!r} is not an error code of the service (ERROR_CODES)")
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.problems = tuple(problems)
        self.headers = headers or {}

    def to_json(self) -> dict[str, object]:
        body: dict[str, object] = {"error": self.code, "message": self.message}
        if self.problems:
            body["problems"] = [_problem_json(p) for p in self.problems]
        return body


def _problem_json(problem: Problem) -> dict[str, str]:
    body = {"location": problem.location, "message": problem.message}
    if isinstance(problem, TypedProblem) and problem.type:
        body["type"] = problem.type
    return body


def too_large(message: str) -> ApiError:
    return ApiError(413, "too_large", message)


def invalid(message: str, problems: Sequence[Problem] = ()) -> ApiError:
    return ApiError(422, "invalid_request", message, problems)


def invalid_manifest(problems: Sequence[Problem]) -> ApiError:
    """A manifest with problems: every one with its field path, as the CLI lists them."""
    count = len(problems)
    return ApiError(
        422,
        "invalid_manifest",
        f"the manifest has {count} problem{'s' if count != 1 else ''}",
        problems,
    )


def busy(retry_after: int) -> ApiError:
    return ApiError(
        429,
        "busy",
        f"every check slot is taken; try again in {retry_after} seconds",
        headers={"Retry-After": str(retry_after)},
    )


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def fmt_bytes(size: int) -> str:
    """``20 MiB``, ``512 KiB``, ``100 bytes``: a limit as people read it."""
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} bytes"


# Codes for the statuses Starlette raises itself; any other is a bad request (4xx) or a fault.
_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    400: "bad_request",
    406: "not_acceptable",
    408: "request_timeout",
    413: "too_large",
    415: "unsupported_media_type",
    401: "unauthorized",
    403: "forbidden",
    429: "busy",
}


def from_http_exception(status: int, detail: Any, headers: Mapping[str, str] | None) -> ApiError:
    """Starlette's HTTPException (unknown route, wrong method, ...) as the one error shape."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "error"
    code = _HTTP_CODES.get(status, "bad_request" if status < 500 else "internal")
    message = detail if isinstance(detail, str) and detail != phrase else phrase.lower()
    headers = dict(headers or {})
    if status == 405:
        allowed = [m.strip() for m in headers.get("Allow", "").split(",") if m.strip()]
        if "GET" in allowed and "HEAD" not in allowed:
            allowed.append("HEAD")  # HttpManners answers HEAD wherever GET is answered
        headers["Allow"] = ", ".join(allowed)
        message = f"this resource answers {', '.join(allowed)} only"
    elif status == 404 and message == "not found":
        message = "no such resource; GET /docs lists the API"
    return ApiError(status, code, message, headers=headers)


def from_validation_error(errors: Sequence[dict[str, Any]]) -> ApiError:
    """FastAPI's request validation errors (``?record=null``) as 422 with every problem."""
    problems = [
        Problem(".".join(str(part) for part in error.get("loc", ())), str(error.get("msg", "")))
        for error in errors
    ]
    count = len(problems)
    return invalid(f"the request has {count} problem{'s' if count != 1 else ''}", problems)
