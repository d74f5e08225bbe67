"""The manifest a check request carries: read from the body, validated early, written for the core.

The service validates the manifest itself before a check slot is taken, with the same pydantic
model the core uses (:class:`coop_rules.claim.manifest.Manifest`): an invalid manifest costs no
slot, and its problems keep pydantic's error type, so the common ones — a missing field, a
pattern, a date, an amount, a choice, an unknown field, an end before its start — are said in
the request's language in the same sentences as the CLI's ``--lang`` (the i18n catalogues'
``manifest_problem.*``). The field path stays as it is (the page turns it into its form field);
a problem of any other type, and every problem when no language was asked for, keeps the core's
English text. The core validates again when it loads
``claim.json``; that second pass only ever agrees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from coop_rules.claim.manifest import Manifest
from coop_rules.claim.manifest import _problems as english_problems
from coop_rules.errors import ConfigurationError, Problem
from coop_rules.i18n import DEFAULT_LANG
from coop_rules.server.errors import TypedProblem, invalid, invalid_manifest

MANIFEST_FILE = "claim.json"


def json_check_request(request: Any) -> tuple[Any, list[str]]:
    """``{"manifest": {...}, "files": [ids]}`` → the manifest and the file ids (422 otherwise)."""
    problems = []
    if not isinstance(request, dict):
        raise invalid("expected a JSON object {manifest, files}")
    for key in request.keys() - {"manifest", "files"}:
        problems.append(Problem(str(key), "unknown field"))
    if "manifest" not in request:
        problems.append(Problem("manifest", "required field is missing"))
    ids = request.get("files", [])
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        problems.append(Problem("files", "expected a list of file ids (strings)"))
    if problems:
        raise invalid("the request has problems", problems)
    return request["manifest"], ids


def stage_manifest(folder: Path, manifest: Any, lang: str | None) -> None:
    """Validate ``manifest`` (422 with every problem) and write it to ``folder`` for the core.

    Valid JSON is written indented, so the report's manifest evidence shows one field a line;
    text that is not JSON is written as it came, and the core reports where its syntax breaks.
    """
    if isinstance(manifest, str):
        try:
            manifest = json.loads(manifest)
        except (ValueError, RecursionError):
            (folder / MANIFEST_FILE).write_text(manifest, encoding="utf-8")
            return
    if isinstance(manifest, dict):
        try:
            Manifest.model_validate(manifest)
        except ValidationError as exc:
            raise invalid_manifest(localised_problems(exc, lang)) from None
    text = json.dumps(manifest, indent=2, ensure_ascii=False)
    (folder / MANIFEST_FILE).write_text(text + "\n", encoding="utf-8")


def core_problems(exc: ConfigurationError) -> list[Problem]:
    """The core's problems, with the temporary file named for what the client sent."""
    return [
        Problem("manifest" if p.location == "(file)" else p.location, p.message)
        for p in exc.problems
    ]


def localised_problems(exc: ValidationError, lang: str | None) -> list[TypedProblem]:
    """Each validation error with its field path and type, its message in ``lang`` where the
    catalogues have it (the CLI's sentences: :func:`coop_rules.claim.manifest._problems`)."""
    return [
        TypedProblem(problem.location, problem.text(lang or DEFAULT_LANG), error["type"])
        for error, problem in zip(exc.errors(), english_problems(exc), strict=True)
    ]
