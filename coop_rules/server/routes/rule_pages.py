"""``GET /rules/{code}``: a rule's documentation as a page, in the request's language.

The HTML reports the service renders link each finding here (opened in a new tab, so the
self-check page's result frame never navigates away). The page is the reports' own kind of
page: self-contained, inline style, a policy that loads nothing. The title, what the report
says and what to do are in the page's language; a rule's reference text (what it checks, why,
examples) is English, so the other languages say where to find it instead of showing it.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from coop_rules import api
from coop_rules.i18n.shown import term
from coop_rules.renderers.html import environment
from coop_rules.rulebook.expr import Field, fields_of
from coop_rules.rulebook.spec import Template
from coop_rules.server.deps import Language, ProducesHtml
from coop_rules.server.errors import ApiError

router = APIRouter(include_in_schema=False)
# The reports' own policy: nothing loads, the style is inline.
POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'"


def template_text(template: Template, lang: str) -> str:
    """A message template as a reader reads it: each value it will show by its name (an
    expression by the first value it reads: ``first(claim.window_closes, …)``)."""
    text = template.text
    for placeholder, node in template.parts:
        read = [node] if isinstance(node, Field) else list(fields_of(node))
        name = term("fact", read[0].name, lang) if read else "…"
        text = text.replace("{" + placeholder + "}", f"‹{name}›")
    return text


@router.get("/rules/{code}", dependencies=[ProducesHtml])
def rule_page(code: str, lang: Language) -> HTMLResponse:
    book = api.rulebook()
    spec = book.get(code.upper())
    if spec is None:
        raise ApiError(404, "not_found", f"no rule {code!r}; GET /v1/rules lists them")
    local = book.local(spec.code, lang)
    docs, docs_lang = book.docs(spec, lang)
    body = (
        environment()
        .get_template("rule.html.j2")
        .render(
            lang=lang,
            spec=spec,
            title=local.title or spec.display_title,
            message=template_text(local.message or spec.message, lang),
            hint=template_text(local.hint or spec.hint, lang),
            docs=docs,
            docs_lang=docs_lang,
        )
    )
    headers = {
        "Content-Security-Policy": POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    return HTMLResponse(body, headers=headers)
