"""Many claims: run them in worker processes, reuse a report whose stamp still matches
(``run``), and write the triage index (``index``); ``model`` holds the options and results.
"""

from coop_rules.batch.model import BatchResult, ClaimJob, ClaimResult, Options
from coop_rules.batch.run import find_claims, run_batch, scan_claims, write_atomic

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
