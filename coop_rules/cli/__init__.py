"""The ``coop-rules`` command (``main``: check, extract, rules, schema, serve) and its
``ledger`` sub-commands; a thin shell over :mod:`coop_rules.api`.
"""

from coop_rules.cli.main import main

__all__ = ["main"]
