"""The self-check page's languages: its string catalogue and the choice of language per request.

The page speaks English, German, Korean, Traditional Chinese and Japanese (``page_strings.yaml``,
English complete, every other language holding every English key). A request's language is its
``?lang=`` if the page speaks it, else the best match of ``Accept-Language``, else English (an
unspoken ``?lang=fr`` falls back like that too, and ``Content-Language`` says what was used). The
same choice is passed to the core for the report, where the core takes a language.
"""

from __future__ import annotations

import functools
from importlib import resources

import yaml

PAGE_LANGUAGES = ("en", "de", "ko", "zh-Hant", "ja")
DEFAULT = "en"
# How each language names itself in the switcher.
NATIVE_NAMES = {
    "en": "English",
    "de": "Deutsch",
    "ko": "한국어",
    "zh-Hant": "繁體中文",
    "ja": "日本語",
}
# Accept-Language tags that mean Traditional Chinese though they do not say "Hant".
_HANT_REGIONS = ("zh-tw", "zh-hk", "zh-mo")


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every page string by language, then key; English fills any gap."""
    text = resources.files("coop_rules.server").joinpath("page_strings.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    english = {k: " ".join(str(v).split()) for k, v in data[DEFAULT].items()}
    return {
        lang: english | {k: " ".join(str(v).split()) for k, v in data.get(lang, {}).items()}
        for lang in PAGE_LANGUAGES
    }


def strings(lang: str) -> dict[str, str]:
    return catalogue()[lang if lang in PAGE_LANGUAGES else DEFAULT]


def match_language(tag: str) -> str | None:
    """The page language a BCP 47 tag asks for (``de-AT`` → ``de``, ``zh-TW`` → ``zh-Hant``)."""
    tag = tag.strip().lower().replace("_", "-")
    if tag.startswith("zh"):
        return "zh-Hant" if tag.startswith(("zh-hant", *_HANT_REGIONS)) else None
    primary = tag.split("-")[0]
    return next((lang for lang in PAGE_LANGUAGES if lang.lower() == primary), None)


def choose_language(query: str | None, accept_language: str | None) -> str | None:
    """``?lang=`` if spoken, else the best ``Accept-Language`` match; None when neither says."""
    if query and match_language(query):
        return match_language(query)
    ranked = []
    for index, item in enumerate((accept_language or "").split(",")):
        tag, _, param = item.partition(";")
        q = 1.0
        if param.strip().startswith("q="):
            try:
                q = float(param.strip()[2:])
            except ValueError:
                q = 0.0
        found = match_language(tag) if tag.strip() and q > 0 else None
        if found:
            ranked.append((-q, index, found))
    return min(ranked)[2] if ranked else None
