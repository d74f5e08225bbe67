"""The one exception root of coop-rules.

Configuration and programmer errors raise a subclass of :class:`CoopRulesError`; the CLI turns
them into one line and exit code 2. Bad *documents* never raise to the caller: they become
:class:`~coop_rules.documents.model.ReadProblem` values and findings in the report.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, field
from typing import Any


class CoopRulesError(Exception):
    """A configuration or usage error the user can fix (exit code 2)."""


class LedgerError(CoopRulesError):
    """The ledger of recorded claims cannot be opened or used: a missing or broken file, a
    database that is down, another schema version. The HTTP service answers it with 503 (the
    service's trouble, not the request's), whatever its message says."""


class Stopped(KeyboardInterrupt):
    """A stop signal (SIGTERM, as a supervisor or ``kill PID`` sends it) raised where Ctrl-C
    raises KeyboardInterrupt: every path that cleans up after Ctrl-C cleans up after it too.

    Attributes:
        signum: the signal's number; the CLI exits with 128 + it, as a shell reports it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a configuration file, located by its field path."""

    location: str  # "activity.start", "documents[2].role", "rules/DT01.yaml: when"
    message: str
    # The message in other languages: anything with ``text(lang)`` (an i18n Phrase); None
    # where the message is English only.
    shown: Any = field(default=None, compare=False, kw_only=True)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` where it has one, else as written (English)."""
        return self.message if self.shown is None or lang == "en" else str(self.shown.text(lang))


class ConfigurationError(CoopRulesError):
    """A manifest or rule file with one or more problems, all reported at once."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        count = len(problems)
        listing = "; ".join(str(p) for p in problems)
        super().__init__(f"{source}: {count} problem{'s' if count != 1 else ''}: {listing}")
