"""What the ``/docs`` page needs from the OpenAPI document: Markdown as HTML, schemas as tables.

The descriptions in the document are CommonMark (OpenAPI says so); the page renders the small
part of it they use — paragraphs, ``code`` spans and ``**strong**`` — after escaping everything
else, so no text of the document can reach the page as markup. A schema's properties are listed
with their types, each ``$ref`` a link to the schema it names.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

from coop_rules.server.openapi import REF

# A code span opens and closes with the same number of backticks (CommonMark; docstrings of
# pydantic models use the double ones of reStructuredText, which read the same).
_CODE = re.compile(r"(`+)(.+?)\1")
_STRONG = re.compile(r"\*\*([^*]+)\*\*")


def markdown(text: str | None) -> Markup:
    """The Markdown subset the descriptions use, as safe HTML (one ``<p>`` a paragraph)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    return Markup("\n").join(Markup("<p>{}</p>").format(_inline(p)) for p in paragraphs)


def inline(text: str | None) -> Markup:
    """One line of Markdown (a summary, a parameter's description) without a paragraph."""
    return _inline(" ".join((text or "").split()))


def _inline(text: str) -> Markup:
    html = str(escape(text))  # first: what follows only adds tags of its own
    html = _CODE.sub(r"<code>\2</code>", html)
    html = _STRONG.sub(r"<strong>\1</strong>", html)
    return Markup(html)


def type_of(schema: dict[str, Any]) -> Markup:
    """A schema's type as a reader wants it: ``array of <a>Finding</a>``, ``string or null``."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(REF)
        return Markup('<a href="#schema-{0}">{0}</a>').format(name)
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            joiner = " and " if combinator == "allOf" else " or "
            return Markup(joiner).join(type_of(s) for s in schema[combinator])
    if "const" in schema:
        return Markup("= <code>{}</code>").format(schema["const"])
    if "enum" in schema:
        values = Markup(", ").join(Markup("<code>{}</code>").format(v) for v in schema["enum"])
        return Markup("one of {}").format(values)
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        return Markup(" or ").join(type_of({**schema, "type": k}) for k in kind)
    if kind == "array":
        items = type_of(schema.get("items", {}))
        bounds = _bounds(schema.get("minItems"), schema.get("maxItems"))
        return Markup("array{} of {}").format(bounds, items)
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return Markup("map of string to {}").format(type_of(schema["additionalProperties"]))
    if "format" in schema:
        return Markup("{} ({})").format(kind, schema["format"])
    return Markup("{}").format(kind)


def _bounds(least: int | None, most: int | None) -> str:
    if least is None and most is None:
        return ""
    return f" [{least or 0}..{'' if most is None else most}]"


def properties(schema: dict[str, Any]) -> list[tuple[str, Markup, bool, Markup]]:
    """A schema's properties: name, type, required, description (Markdown rendered)."""
    required = set(schema.get("required", ()))
    return [
        (name, type_of(prop), name in required, inline(prop.get("description")))
        for name, prop in schema.get("properties", {}).items()
    ]
