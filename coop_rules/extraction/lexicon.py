"""Label words per language (``data/*.yaml``) and the fast matchers built from them.

Each language file holds month names, legal-form suffixes, document-kind keywords and, per
extractor (``invoice``, ``csr``, ``poe``), label words per field. Adding a language is one YAML
file. Labels are matched on *folded* text (lower case, ``.``/``-``/apostrophes dropped, a split
drop capital "F actuurnummer" re-joined) so that ``USt.-IdNr.`` and ``UStIdNr`` are one label,
and the match is mapped back to the original characters for evidence.

All labels of one section go into one trie-shaped regex: Python's ``re`` tries alternatives one
by one, so a flat alternation of a thousand labels would be slow on every line; a trie shares
prefixes and makes the longest label at a position win (``Total excl. VAT`` over ``Total``).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from coop_rules import compiled
from coop_rules.errors import ConfigurationError, Problem

DATA_DIR = Path(__file__).with_name("data")
BASE_LANGUAGE = "en"  # English labels appear on invoices in every language
# Short, generic labels taken only from the document's own language and English.
WEAK_FIELDS = frozenset({"issue_date_weak", "invoice_number_generic"})

# Label sections of a language file: one per extractor, the item table's column headings, and
# the words of payment terms.
SECTIONS = ("invoice", "csr", "poe", "lines", "terms", "adjustments")

_LATIN = "A-Za-zÀ-ÖØ-öø-ÿĀ-ſ"
_DROPPED = str.maketrans("", "", ".-'’")
_CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3"
_CJK = compiled.regex(f"[{_CJK_CHARS}]")  # wide ranges: slow to compile, so kept compiled
_HANGUL_CHAR = re.compile("[\uac00-\ud7a3]")


@dataclass(frozen=True)
class Language:
    """One language's data file."""

    code: str
    script: str  # "latin" or "cjk"
    decimal_comma: bool
    stopwords: frozenset[str]
    months: dict[str, int]
    legal_suffixes: tuple[str, ...]
    kinds: dict[str, tuple[str, ...]]
    poe_subtypes: dict[str, tuple[str, ...]]
    sections: dict[str, dict[str, tuple[str, ...]]]


def _words(value: Any, where: str) -> tuple[str, ...]:
    """A list of label words; YAML turns a bare ``no`` into False, which is an error here."""
    words = tuple(value or ())
    bad = [w for w in words if not isinstance(w, str)]
    if bad:
        raise ConfigurationError(where, [Problem(where, f"not a word (quote it): {bad[0]!r}")])
    return words


def _parse_yaml(text: bytes) -> Any:
    # PyYAML (libyaml's loader where it was built with it) only when the cache misses: a new or
    # changed label file, or no cache folder.
    from coop_rules.yamlfile import load

    return load(text.decode("utf-8"))


@lru_cache(maxsize=1)
def languages() -> dict[str, Language]:
    """Every language file, by code (``en``, ``de``, ``zh-Hant`` …)."""
    found: dict[str, Language] = {}
    for path in sorted(DATA_DIR.glob("*.yaml")):
        text = path.read_bytes()
        # Parsed once per machine (compiled.data: kept as JSON, keyed by the file's bytes).
        raw = compiled.data(b"label-yaml\0" + text, partial(_parse_yaml, text))
        src = f"extraction/data/{path.name}"
        months = {
            name.lower().rstrip("."): int(number)
            for number, names in (raw.get("months") or {}).items()
            for name in _words(names, f"{src}: months")
        }

        def table(key: str, raw_table: Any, src: str = src) -> dict[str, tuple[str, ...]]:
            return {k: _words(v, f"{src}: {key}.{k}") for k, v in (raw_table or {}).items()}

        found[raw["language"]] = Language(
            code=raw["language"],
            script=raw.get("script", "latin"),
            decimal_comma=bool(raw.get("decimal_comma")),
            stopwords=frozenset(_words(raw.get("stopwords"), f"{src}: stopwords")),
            months=months,
            legal_suffixes=_words(raw.get("legal_suffixes"), f"{src}: legal_suffixes"),
            kinds=table("kinds", raw.get("kinds")),
            poe_subtypes=table("poe_subtypes", raw.get("poe_subtypes")),
            sections={name: table(name, raw.get(name)) for name in SECTIONS},
        )
    return found


@lru_cache(maxsize=1)
def month_names() -> dict[str, int]:
    """Month names and abbreviations of every language → month number (no conflicts)."""
    merged: dict[str, int] = {}
    for language in languages().values():
        merged.update(language.months)
    return merged


@lru_cache(maxsize=1)
def all_stopwords() -> frozenset[str]:
    """The function words of every language ("the", "und", "pour" …)."""
    words: set[str] = set()
    for language in languages().values():
        words |= language.stopwords
    return frozenset(words)


@lru_cache(maxsize=1)
def duration_regex() -> re.Pattern[str]:
    """A unit of time at the start of a text, in any language ("days", "Tagen", "jours")."""
    words = {w for lang in languages().values() for w in lang.sections["terms"].get("duration", ())}
    ordered = sorted(words, key=lambda w: (-len(w), w))  # longest first; the same every run
    latin = "|".join(re.escape(w) for w in ordered if not _CJK.search(w)) or "(?!x)x"
    # Korean sets words apart, so a unit ends where no Hangul follows ("30일 이내", not "30
    # 일시불"); Chinese and Japanese run words together ("30天内付款"), but "日本" is no day.
    hangul = "|".join(re.escape(w) for w in ordered if _HANGUL_CHAR.search(w)) or "(?!x)x"
    han = "|".join(re.escape(w) for w in ordered if _CJK.search(w) and not _HANGUL_CHAR.search(w))
    return compiled.regex(  # compiled once per machine (the pattern is large)
        rf"\s*(?:(?:{latin})(?![{_LATIN}])|(?:{hangul})(?![\uac00-\ud7a3])"
        rf"|(?:{han or '(?!x)x'})(?!本))",
        re.IGNORECASE,
    )


def fold(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` for label matching; return it with each folded char's original index."""
    folded, where = _fold_cached(text)
    return folded, list(where)


# Every line is matched by several matchers (document kind, invoice labels, item-table
# headings): folding it once saves a third of the label-matching time. The caches hold one
# document's lines (``forget_lines`` empties them between documents).
@lru_cache(maxsize=8192)
def _fold_cached(text: str) -> tuple[str, tuple[int, ...]]:
    folded, where = _fold(text)
    return folded, tuple(where)


def _fold(text: str) -> tuple[str, list[int]]:
    out: list[str] = []
    where: list[int] = []
    n = len(text)
    for i, ch in enumerate(text):
        if ch in ".-'’":
            continue
        if ch.isspace():
            if out and out[-1] == " ":
                continue
            # "F actuurnummer": a lone capital glued to a lower-case rest is one word whose drop
            # capital the PDF placed as its own glyph run.
            if _glued(text, i, n):
                continue
            out.append(" ")
            where.append(i)
            continue
        low = ch.lower()
        out.append(low if len(low) == 1 else ch)
        where.append(i)
    return "".join(out), where


def _lone_letter(text: str, i: int, n: int) -> bool:
    """``text[i]`` is a letter standing alone between non-letters."""
    return (
        0 <= i < n
        and text[i].isalpha()
        and (i == 0 or not text[i - 1].isalnum())
        and (i + 1 == n or not text[i + 1].isalnum())
    )


def _glued(text: str, i: int, n: int) -> bool:
    """Whether the space at ``text[i]`` splits one word (so folding drops it).

    Two layouts do this: a drop capital set as its own glyph run ("F actuurnummer"), and a
    letter-spaced title ("R E C H N U N G"). Both are whole words to a reader.
    """
    if i < 1 or i + 1 >= n:
        return False
    if text[i - 1].isupper() and (i < 2 or not text[i - 2].isalnum()):
        rest = text[i + 1 : i + 4]
        if len(rest) == 3 and rest.isalpha() and rest.islower():
            return True
    return _lone_letter(text, i - 1, n) and _lone_letter(text, i + 1, n)


def fold_label(label: str) -> str:
    return " ".join(label.lower().translate(_DROPPED).split())


@dataclass(frozen=True)
class LabelHit:
    """A label found in a string: its field and its span in the original string."""

    field: str
    start: int
    end: int
    text: str


def _trie_pattern(labels: list[str], latin: bool) -> str:
    # Spaces in labels are optional in the text ("USt-ID" / "USt ID"), so the trie is built
    # over the labels without spaces, and an edge remembers that some label had a space before
    # it. A separate branch for the space would let "ust id" end the match before the longer
    # "ustid des leistungsempfängers" was tried (the first alternative that matches wins).
    trie: dict[str, Any] = {}
    for label in labels:
        node, spaced = trie, False
        for ch in label:
            if ch == " ":
                spaced = True
                continue
            node = node.setdefault(ch, {})
            if spaced:
                node[" "] = {}  # marker: a space may come before this character
            spaced = False
        node[""] = {}
    # A Latin label must end at a word's end. One lookahead after the whole trie, not one per
    # label end: the engine backtracks into the trie when it fails, trying the same shorter
    # labels in the same order, and the pattern compiles several times faster (each copy of
    # the character class was optimised anew).
    end = f"(?![{_LATIN}_])" if latin else ""

    def build(node: dict[str, Any]) -> str:
        alts = [
            (" ?" if " " in child else "") + re.escape(ch) + build(child)
            for ch, child in sorted(node.items())
            if ch not in ("", " ")
        ]
        if "" in node:
            alts.append("")  # ending here is the last (shortest) choice
        if len(alts) == 1:
            return alts[0]
        return "(?:" + "|".join(alts) + ")"

    # Every label starts with a character of the trie's root: one look at the next character
    # spares the engine trying the root's branches one by one at every position of a line
    # (hundreds of them in the CJK trie).
    first = "".join(re.escape(ch) for ch in sorted(trie) if ch not in ("", " "))
    start = f"(?=[{first}])" if first and "" not in trie else ""
    return f"{start}(?:{build(trie)}){end}"


_MATCHERS: list[LabelMatcher] = []
_LINE_CACHES: list[Callable[[], None]] = []  # other caches of one document's lines


def forget_with_lines(clear: Callable[[], None]) -> None:
    """Have :func:`forget_lines` call ``clear`` too (it empties another per-line cache)."""
    _LINE_CACHES.append(clear)


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """A digest of this module: a cached pattern built by older code is not used."""
    try:
        return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    except OSError:  # no source to read (a frozen build): a key no other process shares
        return os.urandom(16).hex()


def forget_lines() -> None:
    """Empty the per-line caches (folded text, label hits): call between documents, so one
    document's lines never cost memory, or time, for the next."""
    _fold_cached.cache_clear()
    for matcher in _MATCHERS:
        matcher._found.clear()
    for clear in _LINE_CACHES:
        clear()


class LabelMatcher:
    """Finds labels of many fields in one pass over a line."""

    def __init__(self, labels: dict[str, str]) -> None:
        """``labels`` maps a folded label to its field.

        A label written ``*rechnung`` matches any word ending so (German compounds:
        ``Baurechnung``, ``Stornorechnung``); exact labels win over such endings.
        """
        exact = {lab: f for lab, f in labels.items() if not lab.startswith("*")}
        self._fields = {label.replace(" ", ""): field for label, field in exact.items()}
        self._endings = sorted(
            ((lab[1:], f) for lab, f in labels.items() if lab.startswith("*")),
            key=lambda item: -len(item[0]),
        )
        # Hundreds of labels: building the trie and compiling it is the slow part, so both are
        # kept on disk, keyed by the labels and this module's code (compiled.regex_built).
        key = f"{_code_digest()}\0{list(labels.items())!r}"
        self._regex = compiled.regex_built(key, lambda: self._pattern(exact))
        self._found: dict[str, tuple[LabelHit, ...]] = {}
        _MATCHERS.append(self)

    def _pattern(self, exact: dict[str, str]) -> str:
        starts_latin = re.compile(f"[{_LATIN}#]")
        latin = [lab for lab in exact if starts_latin.match(lab)]
        other = [lab for lab in exact if not starts_latin.match(lab)]
        parts = []
        if latin:
            # A label never starts inside a word or right after a digit ("42A5DE55" has no "DE").
            parts.append(f"(?<![{_LATIN}0-9_])" + _trie_pattern(latin, latin=True))
        if other:
            parts.append(_trie_pattern(other, latin=False))
        if self._endings:
            alts = "|".join(re.escape(e) for e, _ in self._endings)
            parts.append(f"(?<![{_LATIN}0-9_])[{_LATIN}]+(?:{alts})(?![{_LATIN}_])")
        return "|".join(parts) if parts else r"(?!x)x"

    def _field(self, matched: str) -> str | None:
        key = matched.replace(" ", "")
        if key in self._fields:
            return self._fields[key]
        return next((f for ending, f in self._endings if key.endswith(ending)), None)

    def find(self, text: str) -> list[LabelHit]:
        """Every label in ``text`` (leftmost-longest, not overlapping)."""
        # The classifier and the extractors ask about the same lines: remember the answers.
        cached = self._found.get(text)
        if cached is None:
            if len(self._found) >= 4096:
                self._found.clear()
            cached = self._found[text] = tuple(self._find(text))
        return list(cached)

    def _find(self, text: str) -> list[LabelHit]:
        folded, where = _fold_cached(text)
        hits: list[LabelHit] = []
        for m in self._regex.finditer(folded):
            if m.end() == m.start():
                continue
            field = self._field(m.group())
            if field is None:
                continue
            start, end = where[m.start()], where[m.end() - 1] + 1
            hits.append(LabelHit(field, start, end, text[start:end]))
        return hits


def _precedence(lang: str | None) -> list[Language]:
    """The document's language first, then English, then the rest: the first one wins a label."""
    table = languages()
    order = [c for c in (lang, BASE_LANGUAGE) if c in table]
    order += [c for c in table if c not in order]
    return [table[c] for c in order]


@lru_cache(maxsize=64)
def section_matcher(section: str, lang: str | None) -> LabelMatcher:
    """Labels of ``section`` (``invoice``/``csr``/``poe``) plus the kind keywords (``kind:*``)."""
    labels: dict[str, str] = {}
    main = {lang, BASE_LANGUAGE}
    for language in _precedence(lang):
        for field, words in language.sections.get(section, {}).items():
            if field in WEAK_FIELDS and language.code not in main:
                continue  # "de", "du", "no" are labels in one language, noise in the others
            for word in words:
                labels.setdefault(fold_label(word), field)
    for language in _precedence(lang):
        for kind, words in language.kinds.items():
            for word in words:
                labels.setdefault(fold_label(word), f"kind:{kind}")
    return LabelMatcher(labels)


@lru_cache(maxsize=16)
def keyword_matcher(table: str, lang: str | None) -> LabelMatcher:
    """Kind keywords (``table="kinds"``) or PoE subtype keywords (``"poe_subtypes"``)."""
    labels: dict[str, str] = {}
    for language in _precedence(lang):
        for name, words in getattr(language, table).items():
            for word in words:
                labels.setdefault(fold_label(word), name)
    return LabelMatcher(labels)


WORLD_ORGANISATIONS = DATA_DIR / "world" / "organisations.yaml"


def _world_legal_forms() -> tuple[str, ...]:
    """Legal forms of countries without a language file (``ApS``, ``sp. z o.o.``, ``Kft.``)."""
    text = WORLD_ORGANISATIONS.read_bytes()
    raw = compiled.data(b"organisations-yaml\0" + text, partial(_parse_yaml, text))
    return _words(raw.get("legal_forms"), "extraction/data/world/organisations.yaml: legal_forms")


@lru_cache(maxsize=1)
def legal_suffix_regex() -> re.Pattern[str]:
    """A legal form at the end of a company name (``GmbH``, ``B.V.``, ``株式会社`` …)."""
    latin: set[str] = set()
    cjk: set[str] = set()
    for language in languages().values():
        for suffix in (*language.legal_suffixes, *_world_legal_forms()):
            (latin if re.match(f"[{_LATIN}]", suffix) else cjk).add(suffix.casefold())

    def flexible(suffix: str) -> str:
        # "b.v." also matches "BV" and "B.V"; "gmbh & co. kg" tolerates spacing.
        parts = []
        for ch in suffix:
            if ch == ".":
                parts.append(r"\.?")
            elif ch == " ":
                parts.append(r"\s*")
            else:
                parts.append(re.escape(ch))
        return "".join(parts)

    # Longest first, ties in one order: the pattern (the key of its cached compilation) is the
    # same in every process, whatever the hash seed that orders the sets.
    latin_alts = "|".join(flexible(s) for s in sorted(latin, key=lambda s: (-len(s), s)))
    cjk_alts = "|".join(re.escape(s) for s in sorted(cjk, key=lambda s: (-len(s), s)))
    return compiled.regex(
        rf"(?<![{_LATIN}]){_starting(latin)}(?:{latin_alts})(?![{_LATIN}])"
        rf"|{_starting(cjk)}(?:{cjk_alts})",
        re.IGNORECASE,
    )


def _starting(forms: set[str]) -> str:
    """A look at the next character before ``forms``: the engine then skips a position without
    trying each form in turn. None when a form may start otherwise (empty, or with a dot or a
    space, which ``flexible`` makes optional)."""
    if not forms or any(not form or form[0] in ". " for form in forms):
        return ""
    return "(?=[" + "".join(sorted({re.escape(form[0]) for form in forms})) + "])"


# --- language detection -----------------------------------------------------------------------

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Characters that exist only in one of the two Chinese scripts (common on invoices).
_SIMPLIFIED = set("发国税单号额计购销买卖价开纳务电话间预业务应实际费总库区证")
_TRADITIONAL = set("發國稅單號額計購銷買賣價開納務電話間預業應實際費總庫區證")
_WORD = re.compile(rf"[{_LATIN}]+")


def detect_language(text: str) -> str | None:
    """The main language of ``text`` (a code of ``languages()``), or None for no clue."""
    sample = text[:20000]
    hangul, kana, han = (len(p.findall(sample)) for p in (_HANGUL, _KANA, _HAN))
    letters = len(_WORD.findall(sample))
    if hangul >= 5 and hangul >= kana:
        return "ko"
    if kana >= 3:
        return "ja"
    if han >= 5 and han >= letters:
        simplified = sum(ch in _SIMPLIFIED for ch in sample)
        traditional = sum(ch in _TRADITIONAL for ch in sample)
        return "zh-Hans" if simplified > traditional else "zh-Hant"
    counts: dict[str, int] = {}
    for word in _WORD.findall(fold(sample)[0]):
        if len(word) < 2:
            continue  # "a", "e", "o" are words in some languages and initials in all
        for language in languages().values():
            if word in language.stopwords:
                counts[language.code] = counts.get(language.code, 0) + 1
    if not counts:
        return None
    best = max(counts.values())
    winners = [code for code, n in counts.items() if n == best]
    return BASE_LANGUAGE if BASE_LANGUAGE in winners else sorted(winners)[0]
