"""Content negotiation: which of a route's media types an ``Accept`` header asks for, or 406.

Every route declares what it produces (:func:`produces`, a dependency); a request whose
``Accept`` admits none of it is refused with 406 in the error shape before anything else is
done, and every answer of the route carries ``Vary: Accept``. The language a route answers in is
recorded the same way (:func:`record_language`), for ``Content-Language`` and
``Vary: Accept-Language``; :class:`coop_rules.server.manners.HttpManners` writes both headers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fastapi import Request

from coop_rules.server.errors import ApiError

# Where a request's negotiation is noted (in ``scope["state"]``, which request.state wraps).
VARY = "coop_vary"
CONTENT_LANGUAGE = "coop_content_language"


@dataclass(frozen=True)
class MediaRange:
    """One item of an Accept header: ``text/*;q=0.5`` → type, subtype, q, its position."""

    type: str
    subtype: str
    q: float
    position: int

    def matches(self, media_type: str) -> bool:
        kind, _, sub = media_type.partition("/")
        return self.type in ("*", kind) and self.subtype in ("*", sub)

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")


def parse_accept(accept: str) -> list[MediaRange]:
    """The media ranges of an Accept header; malformed items are left out (as if unsent)."""
    ranges = []
    for position, item in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in item.split(";"))
        kind, slash, sub = media.lower().partition("/")
        if not slash or not kind or not sub or (kind == "*" and sub != "*"):
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(kind, sub, q, position))
    return ranges


def best_match(accept: str | None, offered: Sequence[str]) -> str | None:
    """The type of ``offered`` that ``accept`` prefers; None if it admits none of them.

    Each offered type takes the q of the most specific range that matches it (RFC 9110: an
    exact type over ``text/*`` over ``*/*``); the highest q wins, ties go to the range the
    client named first, then to ``offered``'s order. No Accept header (or one with nothing
    parseable in it) admits anything: the first offered type.
    """
    ranges = parse_accept(accept or "")
    if not ranges:
        return offered[0] if offered else None
    best: tuple[tuple[float, int, int], str] | None = None
    for index, media_type in enumerate(offered):
        matching = [r for r in ranges if r.matches(media_type.lower())]
        if not matching:
            continue
        chosen = max(matching, key=lambda r: (r.specificity, -r.position))
        if chosen.q <= 0:
            continue
        key = (chosen.q, -chosen.position, -index)
        if best is None or key > best[0]:
            best = (key, media_type)
    return best[1] if best else None


def not_acceptable(accept: str | None, offered: Sequence[str]) -> ApiError:
    return ApiError(
        406,
        "not_acceptable",
        # The header as sent, cut short: it is the client's text, of any length.
        f"cannot answer in any type of Accept: {(accept or '')[:200]}; this operation answers in "
        + ", ".join(offered),
    )


def vary(request: Request, header: str) -> None:
    """Note that the answer to ``request`` depends on request header ``header``."""
    varies = getattr(request.state, VARY, None)
    if varies is None:
        varies = []
        setattr(request.state, VARY, varies)
    if header not in varies:
        varies.append(header)


def record_language(request: Request, lang: str) -> None:
    """Note the language the answer to ``request`` is in (for ``Content-Language``)."""
    vary(request, "Accept-Language")
    setattr(request.state, CONTENT_LANGUAGE, lang)


def produces(*media_types: str) -> Callable[[Request], str]:
    """A dependency: 406 unless ``Accept`` admits one of ``media_types``; returns the chosen."""

    def negotiate(request: Request) -> str:
        vary(request, "Accept")
        accept = request.headers.get("accept")
        chosen = best_match(accept, media_types)
        if chosen is None:
            raise not_acceptable(accept, media_types)
        return chosen

    return negotiate
