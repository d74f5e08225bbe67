"""Which rules decided a report: the coop-rules version and a digest of the rule book."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from coop_rules.report.model import RuleSet
from coop_rules.rulebook import Rulebook
from coop_rules.version import __version__


@functools.lru_cache(maxsize=8)
def rule_set(rules: Rulebook) -> RuleSet:
    """The rule set of ``rules`` (cached per rulebook: rulebooks are compared by identity)."""
    digest = hashlib.sha256()
    for spec in rules:
        digest.update(spec.code.encode() + b"\0")
        # A rule built in memory has no file: its condition text stands in for it.
        source = Path(spec.source) if spec.source else None
        body = source.read_bytes() if source and source.is_file() else spec.when_text.encode()
        digest.update(hashlib.sha256(body).digest())
    # The translated messages are part of what a report says (and of a batch's reuse key).
    for catalogue in rules.message_files:
        path = Path(catalogue)
        digest.update(path.name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    # So is the program data the claim's facts are derived from (matrix, profiles, calendars).
    for folder in rules.sources:
        for sub in ("matrix", "programs", "calendars", "lexicon"):
            for path in sorted((Path(folder) / sub).glob("*.yaml")):
                digest.update(f"{sub}/{path.name}".encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return RuleSet(__version__, "sha256:" + digest.hexdigest())
