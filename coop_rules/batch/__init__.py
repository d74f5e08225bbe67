"""Many claims: run them in worker processes, reuse a report whose stamp still matches
(``run``), and write the triage index (``index``); ``model`` holds the options and results.

The names below are loaded on first use (PEP 562), as the package's own: a module of the
package that needs little (:mod:`.local_cluster`, which the CLI uses before it reads a claim)
does not load the batch runner, and the rule book and readers with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from coop_rules.lazy import exports

if TYPE_CHECKING:
    from coop_rules.batch.model import BatchResult, ClaimJob, ClaimResult, Options
    from coop_rules.batch.run import find_claims, run_batch, scan_claims, write_atomic

_LAZY = {
    "BatchResult": "coop_rules.batch.model",
    "ClaimJob": "coop_rules.batch.model",
    "ClaimResult": "coop_rules.batch.model",
    "Options": "coop_rules.batch.model",
    "find_claims": "coop_rules.batch.run",
    "run_batch": "coop_rules.batch.run",
    "scan_claims": "coop_rules.batch.run",
    "write_atomic": "coop_rules.batch.run",
}

__all__ = [
    "BatchResult",
    "ClaimJob",
    "ClaimResult",
    "Options",
    "find_claims",
    "run_batch",
    "scan_claims",
    "write_atomic",
]


__getattr__, __dir__ = exports(__name__, _LAZY, __all__)
