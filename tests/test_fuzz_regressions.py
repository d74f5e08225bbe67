"""Inputs that once broke a reader (found by bench/fuzz_readers.py, kept in fuzz_regressions/)
are read within limits: each gives a Document or a problem, never an exception or a hang."""

from __future__ import annotations

from pathlib import Path

from coop_rules.documents import Limits
from coop_rules.isolation import DocumentPool

from .conftest import FIXTURES

HERE = Path(__file__).resolve().parent / "fuzz_regressions"
LIMITS = Limits(timeout=10.0, memory_mb=512, max_chars=500_000)


def test_every_fuzz_finding_reads_within_limits(tmp_path: Path) -> None:
    # The folder's findings, and one damaged fixture so that the replay always runs.
    cut = tmp_path / "cut.pdf"
    cut.write_bytes((FIXTURES / "compliant" / "event-photo-report.pdf").read_bytes()[:2000])
    inputs = [p for p in sorted(HERE.iterdir()) if p.name != "README.md"] + [cut]
    pool = DocumentPool(1)
    try:
        for path in inputs:
            document = pool.extract(path, path.name, limits=LIMITS)
            assert document.readable or document.problems, path.name
            reasons = [p.reason for p in document.problems]
            assert not any("crashed" in r or "reader failed" in r for r in reasons), path.name
    finally:
        pool.close()
    assert str(document.problems[0].kind) == "corrupt"  # the cut fixture
