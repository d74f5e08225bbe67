"""The service's error responses: one JSON shape for every refusal.

``{"error": "<code>", "message": "<one sentence>", "problems": [{"location", "message"}]}`` —
``problems`` only where there are several things to fix (a manifest, a set of uploads), each with
its field path, the way the CLI lists a manifest's problems.
"""

from __future__ import annotations

from collections.abc import Sequence

from coop_rules.errors import ConfigurationError, Problem


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
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.problems = tuple(problems)
        self.headers = headers or {}

    def to_json(self) -> dict[str, object]:
        body: dict[str, object] = {"error": self.code, "message": self.message}
        if self.problems:
            body["problems"] = [
                {"location": p.location, "message": p.message} for p in self.problems
            ]
        return body


def too_large(message: str) -> ApiError:
    return ApiError(413, "too_large", message)


def invalid(message: str, problems: Sequence[Problem] = ()) -> ApiError:
    return ApiError(422, "invalid_request", message, problems)


def invalid_manifest(exc: ConfigurationError) -> ApiError:
    """A manifest the core refused: every problem with its field path, as the CLI lists them."""
    count = len(exc.problems)
    return ApiError(
        422,
        "invalid_manifest",
        f"the manifest has {count} problem{'s' if count != 1 else ''}",
        exc.problems,
    )


def busy(retry_after: int) -> ApiError:
    return ApiError(
        429,
        "busy",
        f"every check slot is taken; try again in {retry_after} seconds",
        headers={"Retry-After": str(retry_after)},
    )


def fmt_bytes(size: int) -> str:
    """``20 MiB``, ``512 KiB``, ``100 bytes``: a limit as people read it."""
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} bytes"
