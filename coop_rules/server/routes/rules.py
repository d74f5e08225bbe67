"""``GET /v1/rules`` and ``GET /v1/rules/{code}``: the rule catalogue, as ``coop-rules rules``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from coop_rules import api
from coop_rules.renderers.json import rule_json
from coop_rules.server.deps import ApiKey, Language, ProducesJson
from coop_rules.server.errors import ApiError
from coop_rules.server.models import Rule, Rules
from coop_rules.server.openapi import NOT_FOUND, UNAUTHORIZED

router = APIRouter(prefix="/v1/rules", tags=["rules"], dependencies=[ApiKey, ProducesJson])


@router.get(
    "",
    summary="The rule catalogue",
    description="Every rule with its parameters (typed) and its title, message and hint in the "
    "request's language (`lang`, else `Accept-Language`), as `coop-rules rules --format json`.",
    response_model=Rules,
    responses={401: UNAUTHORIZED},
)
def list_rules(lang: Language) -> dict[str, Any]:
    book = api.rulebook()
    local = book.messages.get(lang, {})
    return {"rules": [rule_json(spec, lang, local.get(spec.code)) for spec in book]}


@router.get(
    "/{code}",
    summary="One rule and its documentation",
    response_model=Rule,
    responses={404: NOT_FOUND, 401: UNAUTHORIZED},
)
def get_rule(code: str, lang: Language) -> dict[str, Any]:
    book = api.rulebook()
    spec = book.get(code.upper())
    if spec is None:
        raise ApiError(404, "not_found", f"no rule {code!r}; GET /v1/rules lists them")
    return rule_json(spec, lang, book.messages.get(lang, {}).get(spec.code))
