"""Untrusted reads in limited workers: each document is read (and each evidence picture drawn)
in a reused worker process with a time and a memory limit (``pool``; the worker side in
``worker``, the modules a worker starts with in ``preload``).
"""

from coop_rules.isolation.pool import (
    DocumentPool,
    ExtractFile,
    Limits,
    extractor_for,
    parallel_reads,
    render_pdf_regions,
    set_shared_pool_size,
    shared_pool,
)

__all__ = [
    "DocumentPool",
    "ExtractFile",
    "Limits",
    "extractor_for",
    "parallel_reads",
    "render_pdf_regions",
    "set_shared_pool_size",
    "shared_pool",
]
