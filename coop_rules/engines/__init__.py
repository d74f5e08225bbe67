"""Rule engines behind one interface; ``select_engine`` picks durable-rules where it imports.

Nothing outside ``coop_rules.engines.durable`` imports ``durable``.
"""

from __future__ import annotations

import logging

from coop_rules.engines.base import Engine, Hit, Outcome
from coop_rules.engines.python import PythonEngine
from coop_rules.errors import CoopRulesError
from coop_rules.rulebook import Rulebook
from coop_rules.vocab import ENGINES  # named there for the CLI's --engine

__all__ = ["ENGINES", "Engine", "Hit", "Outcome", "durable_available", "select_engine"]

log = logging.getLogger(__name__)


def durable_available() -> bool:
    try:
        import durable.engine  # noqa: F401
    except Exception:  # ImportError, or a build that fails to load (Python >= 3.13)
        return False
    return True


def select_engine(rulebook: Rulebook, name: str = "auto") -> Engine:
    """The engine called ``name``: ``auto`` (durable where it imports), ``durable``, ``python``."""
    if name not in ENGINES:
        raise CoopRulesError(f"unknown engine {name!r} (choose from {', '.join(ENGINES)})")
    if name == "python" or (name == "auto" and not durable_available()):
        if name == "auto":
            log.info("durable-rules is not importable; using the Python evaluator")
        return PythonEngine(rulebook)
    if not durable_available():
        raise CoopRulesError(
            "the durable engine was asked for, but durable-rules cannot be imported"
        )
    from coop_rules.engines.durable import DurableEngine

    return DurableEngine(rulebook)
