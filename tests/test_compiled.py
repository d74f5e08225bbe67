"""The on-disk cache of compiled patterns and parsed data (``coop_rules.compiled``): what comes
from it behaves exactly as what is computed anew, and a damaged or missing cache only costs
time."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from coop_rules import compiled
from coop_rules.extraction import lexicon

PATTERNS = [
    (r"(?P<label>rechnungs?nummer)\s*:?\s*(\S+)|(?P<other>invoice no)", re.IGNORECASE),
    (r"(?<![A-Za-zÀ-ÿ])(?:gmbh|b\.?v\.?)(?![A-Za-z])|株式会社", 0),
    (r"\s*(?:days?|tagen?)(?![a-z])|(?:일)(?![\uac00-\ud7a3])", re.IGNORECASE),
    ("[\x00-\x1f\ud800-\udfff\ufffd]", 0),  # lone surrogates in the pattern itself
]
TEXTS = [
    "broken \ud800 text \x07",
    "Rechnungsnummer: RE-1 / Invoice No 7",
    "Kreativwerk GmbH",
    "ACME B.V.",
    "30 Tagen",
    "30일 이내",
    "株式会社テスト",
    "10 DAYS",
    "",
]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(compiled.ENV_CACHE_DIR, str(tmp_path))
    folder = compiled.cache_dir()
    assert folder is not None and folder.is_relative_to(tmp_path)
    return folder


def _behaviour(pattern: re.Pattern[str]) -> list[object]:
    found: list[object] = [pattern.pattern, pattern.flags, pattern.groups, pattern.groupindex]
    for text in TEXTS:
        found.append([(m.span(), m.groups(), m.groupdict()) for m in pattern.finditer(text)])
    return found


@pytest.mark.parametrize(("pattern", "flags"), PATTERNS)
def test_a_cached_pattern_behaves_as_re_compile(cache, pattern, flags):
    first = compiled.regex(pattern, flags)  # compiled and stored
    assert len(list(cache.glob("*.bin"))) == 1
    second = compiled.regex(pattern, flags)  # from the file
    expected = _behaviour(re.compile(pattern, flags))
    assert _behaviour(first) == expected
    assert _behaviour(second) == expected


def test_a_built_pattern_is_not_built_again(cache):
    calls = []

    def build() -> str:
        calls.append(1)
        return PATTERNS[0][0]

    a = compiled.regex_built("labels v1", build, re.IGNORECASE)
    b = compiled.regex_built("labels v1", build, re.IGNORECASE)
    assert calls == [1]
    assert _behaviour(a) == _behaviour(b) == _behaviour(re.compile(*PATTERNS[0]))
    compiled.regex_built("labels v2", build, re.IGNORECASE)  # another key: built anew
    assert calls == [1, 1]


def test_a_damaged_cache_file_is_compiled_anew(cache):
    pattern, flags = PATTERNS[0]
    compiled.regex(pattern, flags)
    (stored,) = cache.glob("*.bin")
    head, _, body = stored.read_bytes().partition(b"\n")
    stored.write_bytes(head + b"\n" + body[: len(body) // 2] + b"\xff" * 13)  # bad opcodes
    assert _behaviour(compiled.regex(pattern, flags)) == _behaviour(re.compile(pattern, flags))
    stored.write_bytes(b"not json\n")
    assert _behaviour(compiled.regex(pattern, flags)) == _behaviour(re.compile(pattern, flags))


def test_no_cache_folder_means_no_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(compiled.ENV_CACHE_DIR, "")
    assert compiled.cache_dir() is None
    pattern, flags = PATTERNS[1]
    assert _behaviour(compiled.regex(pattern, flags)) == _behaviour(re.compile(pattern, flags))
    assert compiled.data(b"x", lambda: {1: ("a",)}) == {"1": ["a"]}
    # A folder that cannot be written is no cache either.
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv(compiled.ENV_CACHE_DIR, str(blocked))
    assert _behaviour(compiled.regex(pattern, flags)) == _behaviour(re.compile(pattern, flags))


def test_data_is_the_same_with_and_without_the_cache(cache):
    calls = []

    def build() -> object:
        calls.append(1)
        return {"months": {1: ["Januar", "Jan."]}, "decimal_comma": True, "no": False}

    fresh = compiled.data(b"de.yaml bytes", build)
    again = compiled.data(b"de.yaml bytes", build)
    assert calls == [1]
    assert (
        fresh == again == {"months": {"1": ["Januar", "Jan."]}, "decimal_comma": True, "no": False}
    )


def test_the_label_matchers_are_the_same_from_the_cache(cache):
    """The extraction's matchers (the reason for the cache) find the same labels either way."""
    lines = [
        "Rechnungsnummer RE-2024-0417",
        "Invoice date: 2024-04-15",
        "Gesamtbetrag 11.364,50 €",
        "請求書番号 123",
        "Total excl. VAT 100.00",
    ]

    def hits() -> list[object]:
        lexicon.section_matcher.cache_clear()
        lexicon.languages.cache_clear()
        matcher = lexicon.section_matcher("invoice", "de")
        return [matcher.find(line) for line in lines]

    cold = hits()
    assert list(cache.glob("*.bin")) and list(cache.glob("*.json"))
    warm = hits()
    lexicon.section_matcher.cache_clear()
    assert cold == warm
    assert any(h.field == "invoice_number" for h in cold[0])


def test_the_patterns_are_the_same_in_every_process():
    """A pattern is its own cache key: one built in a set's order would differ with the hash
    seed, miss the cache in every new process and leave a file behind each time."""
    probe = (
        "from coop_rules.extraction import lexicon as L\n"
        "print(L.legal_suffix_regex().pattern, L.duration_regex().pattern,"
        " L.section_matcher('invoice', 'de')._regex.pattern, sep='\\n---\\n')\n"
    )
    repo = str(Path(__file__).resolve().parents[1])
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed, compiled.ENV_CACHE_DIR: ""}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [repo, env.get("PYTHONPATH")]))
        done = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1
