"""The ledger's part in one check: look the claim up, and record it only when asked.

:func:`consult` opens the ledger read-only for a dry check (a missing ledger is an empty
history, and nothing is created) and for writing only with ``record=True``. When recording,
the write lock is held from the look-up to the record, so two workers recording claims that
duplicate each other serialise: the second one sees the first and gets the finding.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from coop_rules.claim import Claim
from coop_rules.ledger.entry import claim_entry, cost_documents
from coop_rules.ledger.model import History, LedgerDocument
from coop_rules.ledger.store import Ledger
from coop_rules.report import Report


class CheckSession:
    """A ledger opened for one check (see :func:`consult`)."""

    def __init__(self, ledger: Ledger, record: bool) -> None:
        self.ledger = ledger
        self.recording = record
        self._documents: tuple[LedgerDocument, ...] | None = None

    def history(self, claim: Claim) -> History:
        """What the ledger knows about ``claim``, the claim's own earlier record excluded."""
        self._documents = cost_documents(claim)
        return self.ledger.history(claim_entry(claim.manifest), self._documents)

    def record(self, claim: Claim, report: Report) -> None:
        """Record the checked claim with its verdict, when the session records (else nothing)."""
        if not self.recording:
            return
        documents = self._documents if self._documents is not None else cost_documents(claim)
        rule_set = report.rule_set
        entry = claim_entry(
            claim.manifest,
            verdict=str(report.verdict),
            rule_set=f"{rule_set.coop_rules_version} {rule_set.digest}" if rule_set else "",
        )
        self.ledger.record(replace(entry, origin="check"), documents)


@contextlib.contextmanager
def consult(location: str | Path | None, *, record: bool = False) -> Iterator[CheckSession]:
    """Open the ledger at ``location`` (None: the configured default) for one check.

    Raises:
        CoopRulesError: the ledger cannot be opened or has another schema version.
    """
    with Ledger.open(location, write=record) as ledger:
        lock = ledger.writing() if record else contextlib.nullcontext()
        with lock:
            yield CheckSession(ledger, record)
