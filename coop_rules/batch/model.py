"""What a batch is made of: its options, its jobs (one per claim) and their results."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Protocol

from coop_rules.options import CheckOptions
from coop_rules.rulebook import Severity

_VERDICT_ORDER = {"error": 0, "fail": 1, "review": 2, "pass": 3}


@dataclass(frozen=True)
class Options(CheckOptions):
    """How every claim of a batch is checked (:class:`~coop_rules.options.CheckOptions`) and
    rendered (``format``)."""

    format: str = "html"

    @classmethod
    def of(cls, check: CheckOptions, format: str) -> Options:
        """The batch options that check as ``check`` does and render as ``format``."""
        return cls(format=format, **{f.name: getattr(check, f.name) for f in fields(check)})


@dataclass(frozen=True)
class ClaimResult:
    """One claim's outcome as the index shows it (JSON-ready; kept in the stamp)."""

    folder: str
    claim_id: str
    verdict: str  # pass | review | fail | error (could not be checked)
    report: str | None = None  # file name in the output folder
    counts: dict[str, int] = field(default_factory=dict)
    top_severity: str | None = None
    claimed: str | None = None  # decimal amount as text
    currency: str | None = None
    summary: str = ""
    error: str | None = None
    reused: bool = False
    partner: str | None = None  # the partner's legal name
    submitted: str | None = None  # the manifest's submission_date (ISO), if it has one
    top_finding: str | None = None  # the code of the first finding of the top severity
    top_message: str | None = None  # and its message, in the report's language
    # claimed ÷ funds earned, as text with 4 places, where both are in the same currency: what
    # compares a claim in KRW with one in EUR
    funds_share: str | None = None

    def at_or_above(self, threshold: Severity) -> bool:
        return any(n and Severity(s).rank >= threshold.rank for s, n in self.counts.items())

    def triage_key(self) -> tuple[int, int, int, Decimal, str]:
        """Sort key of the queue: verdict, most severe finding, then the larger share of the
        partner's funds first (amounts in different currencies do not compare; shares do),
        claims whose share is not known last."""
        rank = Severity(self.top_severity).rank if self.top_severity else -1
        try:
            share = Decimal(self.funds_share) if self.funds_share else None
        except InvalidOperation:
            share = None
        return (
            _VERDICT_ORDER.get(self.verdict, 0),
            -rank,
            share is None,
            -(share or Decimal(0)),
            self.claim_id,
        )


@dataclass(frozen=True)
class ClaimJob:
    """What a worker needs to check one claim (picklable)."""

    folder: Path
    stem: str  # the report's file name without suffix
    out_dir: Path
    options: Options
    base_key: str  # version, rules and options; the worker adds the claim's files
    today: date  # the date a claim without submission_date is checked as
    claim_id: str
    partner: str | None = None
    submitted: date | None = None  # the manifest's submission_date
    funds: tuple[Decimal, str] | None = None  # the funds earned and their currency


@dataclass
class BatchResult:
    """The results of a batch so far, and whether it was interrupted."""

    results: list[ClaimResult]
    # Every claim the batch was given: its folder and its id (the folder's name until the
    # manifest is read), in the order given.
    claims: dict[str, str] = field(default_factory=dict)
    interrupted_by: int | None = None  # the signal that stopped it (SIGINT, SIGTERM)
    skipped: list[str] = field(default_factory=list)  # folders given without a manifest

    @property
    def interrupted(self) -> bool:
        return self.interrupted_by is not None

    @property
    def total(self) -> int:
        return len(self.claims)

    def not_checked(self) -> list[tuple[str, str]]:
        """The claims (folder, claim id) an interruption left unchecked."""
        done = {r.folder for r in self.results}
        return [(folder, claim) for folder, claim in self.claims.items() if folder not in done]

    def queue(self) -> list[ClaimResult]:
        return sorted(self.results, key=ClaimResult.triage_key)


Progress = Callable[[int, int, ClaimResult], None]


class Runner(Protocol):
    """Somewhere else to check a batch's claims (:class:`.cluster.DaskCluster`)."""

    def prepare(self, options: Options) -> None:
        """Refuse, before anything is written, what this runner cannot do with ``options``."""

    def __call__(
        self,
        pending: Sequence[ClaimJob],
        batch: BatchResult,
        total: int,
        progress: Progress | None,
        rules_digest: str,
    ) -> None:
        """Check ``pending``, appending each result to ``batch`` (and ``progress``) as it ends."""
