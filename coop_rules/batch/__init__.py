"""Many claims: run them in worker processes, reuse a report whose stamp still matches
(``run``), and write the triage index (``index``); ``model`` holds the options and results.

The names below are loaded on first use (PEP 562), as the package's own: a module of the
package that needs little (:mod:`.local_cluster`, which the CLI uses before it reads a claim)
does not load the batch runner, and the rule book and readers with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'coop_rules.batch' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # once: later look-ups do not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
