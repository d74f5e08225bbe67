"""Which rules decided a report: the coop-rules version and a digest of the rule book."""

from __future__ import annotations

import functools
import hashlib

from coop_rules.programs import ProgramData
from coop_rules.report.model import RuleSet
from coop_rules.rulebook import Rulebook
from coop_rules.version import __version__


@functools.lru_cache(maxsize=8)
def rule_set(rules: Rulebook, program_data: ProgramData) -> RuleSet:
    """The rule set of ``rules`` and the program data ``program_data``: a digest over the bytes
    their loaders read (cached: rulebooks and program data are compared by identity)."""
    digest = hashlib.sha256()
    for spec in rules:
        digest.update(spec.code.encode() + b"\0")
        # A rule built in memory has no file: its condition text stands in for it.
        body = (
            bytes.fromhex(spec.source_sha256)
            if spec.source_sha256
            else hashlib.sha256(spec.when_text.encode()).digest()
        )
        digest.update(body)
    # The translated messages are part of what a report says (and of a batch's reuse key).
    for name, sha256 in rules.message_files:
        digest.update(name.encode() + b"\0")
        digest.update(bytes.fromhex(sha256))
    # So is the program data the claim's facts are derived from (matrix, profiles, calendars).
    for name, sha256 in program_data.files:
        digest.update(name.encode() + b"\0")
        digest.update(bytes.fromhex(sha256))
    return RuleSet(__version__, "sha256:" + digest.hexdigest())
