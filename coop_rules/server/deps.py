"""Dependencies of the routes as ``Annotated`` aliases: service, body, key, language, record.

``Produces*``: what a route answers in, refused with 406 where ``Accept`` admits none of it.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Query, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from coop_rules.server.errors import ApiError, forbidden
from coop_rules.server.i18n import DEFAULT, choose_language
from coop_rules.server.negotiation import produces, record_language
from coop_rules.server.service import CheckService, Incoming

_bearer = HTTPBearer(auto_error=False, description="an API key as a bearer token")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="an API key")


def get_service(request: Request) -> CheckService:
    return request.app.state.service


Service = Annotated[CheckService, Depends(get_service)]


def require_key(
    service: Service,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
    header: Annotated[str | None, Security(_header)] = None,
) -> None:
    """Where keys are configured, ``/v1/*`` needs one (as a bearer token or ``X-API-Key``)."""
    keys = service.settings.api_keys
    if not keys:
        return
    given = header or (bearer.credentials if bearer else None)
    # Compare with every key in constant time: a wrong key's timing tells nothing.
    # As bytes: compare_digest refuses str with non-ASCII characters, which a header may carry.
    if given is None or not any(hmac.compare_digest(given.encode(), k.encode()) for k in keys):
        raise ApiError(
            401,
            "unauthorized",
            "a valid API key is needed (Authorization: Bearer KEY, or X-API-Key: KEY)",
            headers={"WWW-Authenticate": "Bearer"},
        )


ApiKey = Depends(require_key)


def incoming(request: Request) -> Incoming:
    """The request body as a stream, with its declared type and length."""
    try:
        length: int | None = int(request.headers.get("content-length", ""))
    except ValueError:
        length = None
    return Incoming(request.headers.get("content-type", ""), length, request.stream())


Body = Annotated[Incoming, Depends(incoming)]


def language(
    request: Request,
    lang: Annotated[
        str | None,
        Query(
            description="en, de, ko, zh-Hant or ja; otherwise (or unsent) the best match of "
            "`Accept-Language`, else English. `Content-Language` says which was used."
        ),
    ] = None,
) -> str:
    chosen = choose_language(lang, request.headers.get("accept-language")) or DEFAULT
    record_language(request, chosen)
    return chosen


Language = Annotated[str, Depends(language)]


def recording(
    service: Service,
    record: Annotated[
        bool,
        Query(
            description="after the check, record the claim in the service's ledger (a claim id "
            "recorded before is replaced), so later checks see its documents as duplicates. "
            "Only with an API key, on a service with a ledger; otherwise 403."
        ),
    ] = False,
) -> bool:
    """``?record=true``: allowed only to a caller with a valid key, on a service with a ledger.

    The key itself is checked by :func:`require_key` (401 without a valid one); a service with
    no keys configured lets nobody record, since anyone could then fill its ledger.
    """
    if not record:
        return False
    if not service.settings.api_keys:
        raise forbidden(
            "recording needs an API key, and this service has none configured "
            "(serve --api-key): checks here only read the ledger"
        )
    if service.settings.ledger is None:
        raise forbidden("this service has no ledger to record in (serve --ledger PATH|URL)")
    return True


Record = Annotated[bool, Depends(recording)]


JSON = "application/json"
HTML = "text/html"
ProducesJson = Depends(produces(JSON))
ProducesHtml = Depends(produces(HTML))
