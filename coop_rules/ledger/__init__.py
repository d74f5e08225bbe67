"""The ledger of recorded claims: duplicates across claims (R26) and the history caps need.

``model`` is the vocabulary, ``store`` the SQLite/PostgreSQL store, ``entry`` what a claim
becomes in it, ``facts`` the duplicate facts a check derives, ``session`` the ledger's part in
one check, ``importer`` earlier claims from CSV.
"""

from coop_rules.ledger.model import History, LedgerClaim, LedgerDocument, Match

__all__ = ["History", "LedgerClaim", "LedgerDocument", "Match"]
