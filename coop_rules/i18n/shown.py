"""How a message shows a fact's value in each language, while the rules keep the machine value.

A fact's value is what the rules compare: ``demo-units``, ``distribution or email or photo``,
``quote``, ``13.7 %``. Where that value is a key, a list of keys or a sentence from the data,
the fact also carries how to *show* it (``Value.shown``): one of the small frozen objects
below, rendered when a message is filled in. The rules and both engines never see them, so a
translation cannot change what a rule decides; a value without one (rule cases, the API's
facts) shows as it is.

- :class:`Term` — a key of the shared vocabulary: PoE subtypes, metrics, document kinds and
  roles, invoice fields, program tags (``term.<group>.<key>`` in the UI catalogues; English
  holds every key, an unknown key shows as itself).
- :class:`Texts` — a text the data states per language (an activity's name or review text in
  the activity matrix: ``name: {en: …, de: …}``).
- :class:`Listing` — items joined as the language lists them (CLDR through Babel: ``a, b or c``,
  ``a、b、またはc``); :class:`Groups` — groups of alternatives, each needed.
- :class:`Phrase` — a UI catalogue sentence with parameters (the reasons a rule could not be
  checked, the exclusion of an activity from a program).
- :class:`Percent`, :class:`ReadReason` — a rate, and why a document could not be read.

``str()`` of each is its English form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal, Protocol, runtime_checkable

from coop_rules.i18n import (
    DEFAULT_LANG,
    LOCALES,
    catalogue,
    format_date,
    format_money,
    format_number,
    problem_text,
    translate,
)


@runtime_checkable
class Shown(Protocol):
    """Anything that writes itself in a language."""

    def text(self, lang: str) -> str: ...


def show(value: Any, lang: str = DEFAULT_LANG) -> str:
    """A value as a person reads it in ``lang``: shown forms, amounts, dates, numbers, text."""
    if isinstance(value, Shown):
        return value.text(lang)
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], Decimal):
        return format_money(value[0], value[1], lang)
    if isinstance(value, date):
        return format_date(value, lang)
    if isinstance(value, Decimal):
        return format_number(value, lang)
    return str(value)


def term_key(name: str) -> str:
    """A field path as the vocabulary names it: list items unnumbered
    (``documents[2].amount`` -> ``documents.amount``)."""
    head, bracket, rest = name.partition("[")
    return head + (rest.split("]", 1)[1] if bracket and "]" in rest else "")


def field_label(name: str, group: str, lang: str = DEFAULT_LANG) -> str | None:
    """The name people read for field ``name`` in the vocabulary ``group`` (``input``: the
    manifest's fields as the self-check page names them; ``field``: an invoice's); None when
    the vocabulary has none (the identifier is then shown as it is, as a quotation)."""
    key = term_key(name)
    return term(group, key, lang) if f"term.{group}.{key}" in catalogue(DEFAULT_LANG) else None


class _Place(Protocol):
    @property
    def page(self) -> int | None: ...
    @property
    def cell(self) -> str | None: ...
    @property
    def field(self) -> str | None: ...


def evidence_place(evidence: _Place, lang: str = DEFAULT_LANG) -> str:
    """Where in its file a piece of evidence is, in the report's words, as the HTML report says
    it: ``S. 2``, a cell as written (``Sheet1!B4``), a manifest field by its page name
    (``Beginn des Nutzungszeitraums``), else "(document)"."""
    parts = []
    if evidence.page is not None:
        parts.append(translate("evidence.page", lang, page=evidence.page))
    if evidence.cell:
        parts.append(evidence.cell)
    if evidence.field:
        parts.append(field_label(evidence.field, "input", lang) or evidence.field)
    return " ".join(parts) or translate("evidence.document", lang)


def format_value(value: Any, lang: str = DEFAULT_LANG) -> str:
    """A value as a person reads it in ``lang``: localised dates and amounts (see ``i18n``);
    a missing one as the catalogue's "unknown"."""
    if value is None:
        return translate("value.unknown", lang)
    return show(value, lang)


def term(group: str, key: str, lang: str = DEFAULT_LANG) -> str:
    """The display name of ``key`` in the vocabulary ``group``; English, else the key itself."""
    name = f"term.{group}.{key}"
    return catalogue(lang).get(name) or catalogue(DEFAULT_LANG).get(name) or key


ListStyle = Literal["standard", "or"]


def join(items: Iterable[str], style: ListStyle = "standard", lang: str = DEFAULT_LANG) -> str:
    """Items as ``lang`` lists them: ``standard`` (a, b and c) or ``or`` (a, b or c)."""
    items = list(items)
    if not items:
        return ""
    from babel.lists import format_list  # Babel on first use (a report's first listing)

    return str(format_list(items, style=style, locale=LOCALES.get(lang, "en")))


class _English:
    def text(self, lang: str) -> str:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def __str__(self) -> str:
        return self.text(DEFAULT_LANG)


@dataclass(frozen=True)
class Term(_English):
    group: str  # subtype, metric, kind, role, field, tag
    key: str

    def text(self, lang: str) -> str:
        return term(self.group, self.key, lang)


@dataclass(frozen=True)
class Texts(_English):
    """A text per language tag; English is always there and stands in for a missing language."""

    items: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, texts: Mapping[str, str] | str) -> Texts:
        if isinstance(texts, str):
            return cls(((DEFAULT_LANG, texts),))
        return cls(tuple(texts.items()))

    def text(self, lang: str) -> str:
        found = dict(self.items)
        return found.get(lang) or found.get(DEFAULT_LANG) or next(iter(found.values()), "")


@dataclass(frozen=True)
class Listing(_English):
    """Items joined as a list: ``standard``, ``or``, or ``plain`` (the catalogue's separator)."""

    items: tuple[Any, ...]
    style: str = "standard"

    def text(self, lang: str) -> str:
        shown = [show(item, lang) for item in self.items]
        if self.style == "plain":
            return translate("list.separator", lang).join(shown)
        return join(shown, "or" if self.style == "or" else "standard", lang)


@dataclass(frozen=True)
class Groups(_English):
    """Groups of alternatives, every group needed: ``communication or e-mail; photo``."""

    groups: tuple[Listing, ...]

    def text(self, lang: str) -> str:
        return translate("list.separator", lang).join(g.text(lang) for g in self.groups)


@dataclass(frozen=True)
class Phrase(_English):
    """A UI catalogue sentence (``key``) with its parameters, each shown in the language."""

    key: str
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, key: str, **params: Any) -> Phrase:
        return cls(key, tuple(params.items()))

    def text(self, lang: str) -> str:
        return translate(self.key, lang, **{k: show(v, lang) for k, v in self.params})


@dataclass(frozen=True)
class Percent(_English):
    """A percentage with one decimal (``13.7`` is 13.7 %): ``13,7 %`` in German, ``13.7%`` in
    Japanese; English keeps ``13.7 %``, as the rule's fact is written."""

    value: Decimal

    def text(self, lang: str) -> str:
        rate = self.value.quantize(Decimal("0.1"))
        if lang == DEFAULT_LANG or lang not in LOCALES:
            return f"{rate} %"
        from babel.numbers import format_percent  # Babel only for the other languages

        return str(
            format_percent(rate / 100, locale=LOCALES[lang], decimal_quantization=False)
        ).replace("\u202f", "\xa0")


@dataclass(frozen=True)
class ReadReason(_English):
    """Why a document could not be read: the reader's English reason, or its kind explained."""

    kind: str
    reason: str

    def text(self, lang: str) -> str:
        return problem_text(self.kind, self.reason, "", lang)[0]


__all__ = [
    "Groups",
    "Listing",
    "Percent",
    "Phrase",
    "ReadReason",
    "Shown",
    "Term",
    "Texts",
    "join",
    "show",
    "term",
]
