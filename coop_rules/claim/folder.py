"""A claim folder: its manifest and its documents, read and extracted.

Documents the manifest lists keep its role and note; other files in the folder are classified
from their content. A listed file that is missing or unreadable stays in the claim as an
unreadable document, so the rules that needed it can say they could not be checked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from coop_rules.claim.manifest import (
    DocumentEntry,
    Manifest,
    Role,
    find_manifest,
    load_manifest,
)
from coop_rules.documents import ProblemKind, ReadProblem
from coop_rules.extraction import DocumentKind, ExtractedDocument, extract_file

log = logging.getLogger(__name__)

ROLE_OF_KIND = {
    DocumentKind.INVOICE: Role.INVOICE,
    DocumentKind.CREDIT_NOTE: Role.INVOICE,
    DocumentKind.PROFORMA: Role.INVOICE,
    DocumentKind.QUOTE: Role.INVOICE,
    DocumentKind.ORDER_CONFIRMATION: Role.INVOICE,
    DocumentKind.RECEIPT: Role.INVOICE,
    DocumentKind.CSR: Role.CSR,
    DocumentKind.POE: Role.POE,
    DocumentKind.METRICS: Role.METRICS,
}
COST_ROLES = (Role.INVOICE, Role.CSR)


@dataclass(frozen=True)
class ClaimDocument:
    """A document of a claim: what the manifest says of it and what extraction found."""

    role: Role
    listed: bool
    note: str | None
    subtype: str | None
    extracted: ExtractedDocument

    @property
    def path(self) -> str:
        return self.extracted.path


@dataclass(frozen=True)
class Claim:
    """A claim as read: its folder, its validated manifest (and the manifest's file name), and
    every document in the folder, listed or not, each with what extraction found."""

    folder: Path
    manifest: Manifest
    manifest_name: str
    documents: tuple[ClaimDocument, ...]


def load_claim(
    folder: Path,
    *,
    einvoice: bool = True,
    extract: Callable[..., ExtractedDocument] = extract_file,
    parallel: int = 1,
) -> Claim:
    """Validate the manifest of ``folder`` and read every document in it.

    ``extract`` reads one document (``extract_file``'s signature): in this process by default;
    :func:`coop_rules.isolation.extractor_for` gives one that reads in a worker process within
    time and memory limits. ``parallel`` documents are read at once (for an extractor whose
    workers run beside each other; :func:`coop_rules.isolation.parallel_reads`).

    Raises:
        CoopRulesError: no manifest; ConfigurationError: an invalid one.
    """
    manifest_path = find_manifest(folder)
    manifest = load_manifest(manifest_path)
    listed = {Path(e.path) for e in manifest.documents} | {Path(manifest_path.name)}
    unlisted = [
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and (relative := path.relative_to(folder)) not in listed
        and not any(p.startswith(".") for p in relative.parts)
    ]

    inside = folder.resolve()

    def read(path: Path, display: str, role: Role | None = None) -> ExtractedDocument:
        # A claim folder from a partner may hold links; one that leads out of the folder
        # (to a key file, to /etc) is never read, and its target is never shown.
        if not path.resolve().is_relative_to(inside):
            problem = ReadProblem(display, ProblemKind.UNSUPPORTED, _OUTSIDE)
            return ExtractedDocument(display, None, DocumentKind.UNREADABLE, problems=(problem,))
        return extract(path, display, einvoice=einvoice, role=role)

    def read_listed(entry: DocumentEntry) -> ClaimDocument:
        extracted = read(folder / entry.path, entry.path, entry.role)
        subtype = entry.subtype.value if entry.subtype else None
        return ClaimDocument(entry.role, True, entry.note, subtype, extracted)

    def read_unlisted(path: Path) -> ClaimDocument:
        extracted = read(path, path.relative_to(folder).as_posix())
        role = ROLE_OF_KIND.get(extracted.kind, Role.OTHER)
        return ClaimDocument(role, False, None, extracted.value("poe_subtype"), extracted)

    jobs: list[Callable[[], ClaimDocument]] = [
        *(partial(read_listed, entry) for entry in manifest.documents),
        *(partial(read_unlisted, path) for path in unlisted),
    ]
    if parallel > 1 and len(jobs) > 1:
        with ThreadPoolExecutor(min(parallel, len(jobs)), "coop-rules-read") as threads:
            documents = list(threads.map(lambda job: job(), jobs))
    else:
        documents = [job() for job in jobs]
    return Claim(folder, manifest, manifest_path.name, tuple(documents))


_OUTSIDE = "it is a link to a file outside the claim folder, which is never read"
