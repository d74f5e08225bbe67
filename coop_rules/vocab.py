"""Names the command line offers, owned here so that building its parser imports nothing.

``coop-rules --version`` and ``--help`` must answer at once; their choices (languages, engines,
severities) and the ledger's environment variable used to come from the modules that work with
them, which load YAML, Babel or the rule book. Those modules re-export these names, and
``tests/test_startup.py`` checks that they still agree (``Severity`` with ``SEVERITIES``).
"""

from __future__ import annotations

DEFAULT_LANG = "en"
# Language tag (BCP 47, as in <html lang>) -> the CLDR locale its dates and numbers follow.
LOCALES = {"en": "en", "de": "de_DE", "ko": "ko_KR", "zh-Hant": "zh_Hant_TW", "ja": "ja_JP"}
LANGUAGES = tuple(LOCALES)

ENGINES = ("auto", "durable", "python")

# coop_rules.rulebook.Severity's values, most severe first.
SEVERITIES = ("error", "action", "warning", "info")

ENV_LEDGER = "COOP_RULES_LEDGER"
