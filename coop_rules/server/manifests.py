"""The manifest a check request carries: read from the body, validated early, written for the core.

The service validates the manifest itself before a check slot is taken, with the same pydantic
model the core uses (:class:`coop_rules.claim.manifest.Manifest`): an invalid manifest costs no
slot, and its problems keep pydantic's error type, so the common ones — a missing field, a
pattern, a date, an amount, a choice, an unknown field — can be said in the request's language
from the page's string catalogue (``page_strings.yaml``, keys ``problem_*``). The field path
stays as it is; a problem of any other type, and every problem when no language was asked for,
keeps the core's English text (the CLI's). The core validates again when it loads
``claim.json``; that second pass only ever agrees."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from coop_rules.claim.manifest import END_BEFORE_START, Manifest
from coop_rules.claim.manifest import _problems as english_problems
from coop_rules.errors import ConfigurationError, Problem
from coop_rules.i18n import format_date
from coop_rules.server.errors import TypedProblem, invalid, invalid_manifest
from coop_rules.server.i18n import DEFAULT, strings

MANIFEST_FILE = "claim.json"

# pydantic error type -> catalogue key of its message.
_MESSAGES = {
    "missing": "problem_missing",
    "string_pattern_mismatch": "problem_pattern",
    "date_parsing": "problem_date",
    "date_from_datetime_parsing": "problem_date",
    "date_from_datetime_inexact": "problem_date",
    "date_type": "problem_date",
    "decimal_parsing": "problem_decimal",
    "decimal_type": "problem_decimal",
    "enum": "problem_enum",
    "extra_forbidden": "problem_unknown_field",
    END_BEFORE_START: "problem_end_before_start",
}
# Types whose message does not quote the value given (as in the core's English).
_NO_INPUT = {"missing", "extra_forbidden", END_BEFORE_START}


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
    """Each validation error with its field path and type, its message in ``lang`` if mapped."""
    t = strings(lang) if lang not in (None, DEFAULT) else None
    problems = []
    # The core's English for the same errors, one per error and in the same order.
    for error, english in zip(exc.errors(), english_problems(exc), strict=True):
        message = _translated(error, t, str(lang)) if t is not None else None
        problems.append(TypedProblem(english.location, message or english.message, error["type"]))
    return problems


def _translated(error: Any, t: dict[str, str], lang: str) -> str | None:
    key = _MESSAGES.get(error["type"])
    if key is None:
        return None
    context = error.get("ctx") or {}
    if error["type"] == "enum":
        choices = re.findall(r"'([^']*)'", str(context.get("expected", "")))
        if not choices:
            return None
        message = t[key].format(expected=", ".join(choices))
    elif error["type"] == END_BEFORE_START:
        start, end = (dt.date.fromisoformat(context[k]) for k in ("start", "end"))
        message = t[key].format(start=format_date(start, lang), end=format_date(end, lang))
    else:
        message = t[key].format(pattern=context.get("pattern", ""))
    if error["type"] in _NO_INPUT or "input" not in error:
        return message
    return t["problem_got"].format(message=message, value=repr(error["input"]))
