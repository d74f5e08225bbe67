"""The claim folder: its manifest (``manifest``: the models partners write, validated) and its
documents, each read and extracted (``folder``).
"""

from coop_rules.claim.folder import COST_ROLES, Claim, ClaimDocument, load_claim
from coop_rules.claim.manifest import (
    MANIFEST_NAMES,
    DocumentEntry,
    Manifest,
    Role,
    find_manifest,
    load_manifest,
)

__all__ = [
    "COST_ROLES",
    "MANIFEST_NAMES",
    "Claim",
    "ClaimDocument",
    "DocumentEntry",
    "Manifest",
    "Role",
    "find_manifest",
    "load_claim",
    "load_manifest",
]
