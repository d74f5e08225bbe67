"""``GET /v1/rules`` and ``GET /v1/rules/{code}``: the rule catalogue, as ``coop-rules rules``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from coop_rules import api
from coop_rules.renderers.json import rule_json
from coop_rules.server.deps import ApiKey
from coop_rules.server.errors import ApiError
from coop_rules.server.openapi import LIMIT_RESPONSES

router = APIRouter(prefix="/v1/rules", tags=["rules"], dependencies=[ApiKey])


@router.get("", summary="The rule catalogue", responses={401: LIMIT_RESPONSES[401]})
def list_rules() -> dict[str, Any]:
    return {"rules": [rule_json(spec) for spec in api.rulebook()]}


@router.get(
    "/{code}",
    summary="One rule and its documentation",
    responses={404: {"description": "no such rule"}, 401: LIMIT_RESPONSES[401]},
)
def get_rule(code: str) -> dict[str, Any]:
    spec = api.rulebook().get(code.upper())
    if spec is None:
        raise ApiError(404, "not_found", f"no rule {code!r}; GET /v1/rules lists them")
    return rule_json(spec)
