"""Finding English in a page that should speak another language.

A page's visible text is split into words; a word is English when English text of coop-rules
uses it (the English UI catalogue, the rules' English titles, messages and hints, the
self-check page's English strings, the activity matrices' English names) or it is one of the
common English words below, and the page's own language does not use it too (its catalogues
hold "CSR", "Microsoft", "Screenshot", "Status" as well).

What a page quotes is not its language: text inside an element marked ``translate="no"`` (file
names, values, the text as a document prints it, a source listing), text between quotation
marks, and words the page quotes elsewhere in its text (a vendor's name in a message is the
name shown in the evidence; a source listing's words do not count for this) are left out. A
word in no catalogue and not a common English word (a name, an amount) is not counted either.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from coop_rules.i18n import catalogue

from .conftest import REPO

# Common English words: a text of the language would not use them.
STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how if in into is it its itself just
    me more most my no nor not now of off on once only or other our out over own same she
    should so some such than that the their them then there these they this those through to
    too under until up very was we were what when where which while who whom why will with
    would you your please must may might shall yes none unknown read found file page document
    documents claim claimed invoice invoices total date amount amounts field fields value values
    rule rules error errors warning warnings pass fail review checked check label column
    subtotal tax written line lines name names role roles proof proofs note notes""".split()  # noqa: SIM905 (a list of 160 quoted words reads worse)
)
_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z'-]*[A-Za-z](?![A-Za-z0-9])")
# Quotations: what a document or a person wrote, in any language's quotation marks.
_QUOTED = re.compile(r"“[^”]*”|„[^“”]*[“”]|‘[^’]*’|«[^»]*»|「[^」]*」|『[^』]*』|\"[^\"]*\"")
_HIDDEN = {"script", "style", "title", "template", "head"}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


def words(text: str) -> set[str]:
    """The words of ``text``, lower-cased; codes in capitals (USD, PDF, CSR) are not words."""
    return {w.lower() for w in _WORD.findall(text) if not (w.isupper() and len(w) <= 4)}


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, str):
        yield value


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _matrix_texts(lang: str) -> Iterator[str]:
    """The activity matrices' names and review texts in ``lang`` (English: the plain ones)."""
    for path in sorted((REPO / "rules" / "matrix").glob("*.yaml")):
        for activity in (_yaml(path).get("activities") or {}).values():
            for key in ("name", "review"):
                text = activity.get(key) if isinstance(activity, dict) else None
                if isinstance(text, dict):
                    text = text.get(lang)
                elif lang != "en":
                    text = None
                if text:
                    yield str(text)


@functools.cache
def vocabulary(lang: str) -> frozenset[str]:
    """The words coop-rules's own texts in ``lang`` use."""
    texts: list[str] = list(catalogue(lang).values())
    page = _yaml(REPO / "coop_rules" / "server" / "page_strings.yaml")
    texts += list(_texts(page.get(lang, {})))
    texts += _matrix_texts(lang)
    # The rules' titles, messages and hints; not their documentation: its examples name firms,
    # people and dates (Contoso Marketing GmbH, Jan 1) that a translation keeps, and a
    # translation's own words must not excuse an English sentence left in it. An English
    # sentence is still found by its common words and the words of coop-rules's other texts.
    if lang == "en":
        for path in sorted((REPO / "rules").glob("[A-Z][A-Z][0-9][0-9].yaml")):
            rule = _yaml(path)
            texts += [str(rule.get(k, "")) for k in ("title", "message", "hint")]
    else:
        rules = _yaml(REPO / "rules" / "messages" / f"{lang}.yaml")
        texts += [
            text
            for entry in rules.values()
            for key, value in entry.items()
            if key != "docs"
            for text in _texts(value)
        ]
    return frozenset(w for text in texts for w in words(_QUOTED.sub(" ", text)))


class _Visible(HTMLParser):
    """The page's text as a reader sees it, split into what it says and what it quotes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.said: list[str] = []
        self.quoted: list[str] = []  # what the page quotes in its text (values, names)
        self.listed: list[str] = []  # source listings (a manifest's lines): quoted, no more
        self._stack: list[tuple[str, bool, bool]] = []  # tag, hidden, quoted

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        hidden, quoted = self._stack[-1][1:] if self._stack else (False, False)
        values = dict(attrs)
        hidden = hidden or tag in _HIDDEN or "hidden" in values
        if values.get("translate") == "no" or tag in ("q", "pre"):
            quoted = True
        elif values.get("translate") == "yes":
            quoted = False
        if tag not in _VOID:
            self._stack.append((tag, hidden, quoted))

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        hidden, quoted = self._stack[-1][1:] if self._stack else (False, False)
        if hidden or not data.strip():
            return
        if any(tag == "pre" for tag, _, _ in self._stack):
            self.listed.append(data)
        else:
            (self.quoted if quoted else self.said).append(data)


def english_in(html: str, lang: str, also_quoted: Iterable[str] = ()) -> dict[str, list[str]]:
    """The English words of ``html`` (a page in ``lang``), each with the texts it appears in.

    ``also_quoted``: further text the page may quote (the values a person entered)."""
    visible = _Visible()
    visible.feed(html)
    quoted = {w for text in (*visible.quoted, *also_quoted) for w in words(text)}
    english = (vocabulary("en") | STOP_WORDS) - vocabulary(lang) - quoted
    found: dict[str, list[str]] = {}
    for text in visible.said:
        for word in words(_QUOTED.sub(" ", text)) & english:
            found.setdefault(word, []).append(" ".join(text.split())[:160])
    return found
