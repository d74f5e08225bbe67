"""HTTP manners every route gets: HEAD answered like GET without a body, and negotiation headers.

FastAPI routes answer only the methods they list, so ``HEAD /`` would be 405; HTTP says a
resource that answers GET answers HEAD with the same headers and no body (RFC 9110, 9.3.2).
:class:`HttpManners` runs a HEAD request as a GET and drops the body it produces (the
``Content-Length`` stays that of the GET). It also adds the headers the routes' negotiation
noted (:mod:`.negotiation`): ``Vary`` with the request headers the answer depended on, and
``Content-Language`` with the language the answer is in, unless the route set its own.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coop_rules.server.negotiation import CONTENT_LANGUAGE, VARY


class HttpManners:
    """ASGI middleware: HEAD as GET without a body; ``Vary`` and ``Content-Language``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        # The routes note their negotiation in request.state, which wraps this dict.
        state: dict[str, Any] = scope.setdefault("state", {})

        async def send_with_manners(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                varies = state.get(VARY)
                if varies:
                    known = [v.strip() for v in headers.get("vary", "").split(",") if v.strip()]
                    headers["Vary"] = ", ".join(
                        known + [v for v in varies if v.lower() not in map(str.lower, known)]
                    )
                language = state.get(CONTENT_LANGUAGE)
                if language and "content-language" not in headers:
                    headers["Content-Language"] = language
            elif message["type"] == "http.response.body" and head:
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, send_with_manners)
