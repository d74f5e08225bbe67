"""Fuzz the document readers: mutate the fixture documents' bytes, read them, keep what breaks.

Run as ``python bench/fuzz_readers.py --minutes N`` (outside CI). Each input is a fixture
document (PDF, XLSX, e-mail) with random bytes flipped, runs inserted or deleted, or cut short,
read with ``read_document`` in this process under tight caps. Reading must return a Document or
a ReadProblem: an exception, or a read slower than ``--slow`` seconds, is a finding, and the
input is written to ``tests/fuzz_regressions/`` where ``tests/test_fuzz_regressions.py``
replays it on every run (in a worker, within limits). PDFium aborting the process is found by
running each input in a child process (``--isolated``, slower).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import time
from pathlib import Path

from coop_rules.documents import Limits, read_document
from coop_rules.isolation import DocumentPool

REPO = Path(__file__).resolve().parents[1]
SEEDS = sorted(
    p for p in (REPO / "fixtures" / "claims").rglob("*") if p.suffix in (".pdf", ".xlsx", ".eml")
)
REGRESSIONS = REPO / "tests" / "fuzz_regressions"
LIMITS = Limits(timeout=10.0, memory_mb=512, max_chars=500_000)


def mutate(data: bytes, rng: random.Random) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        choice = rng.random()
        at = rng.randrange(len(buffer) or 1)
        if choice < 0.4 and buffer:
            buffer[at] = rng.randrange(256)
        elif choice < 0.6:
            buffer[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        elif choice < 0.8:
            del buffer[at : at + rng.randint(1, 256)]
        elif choice < 0.9:
            buffer[at:at] = buffer[at : at + rng.randint(1, 512)] * rng.randint(2, 50)
        else:
            del buffer[at:]
    return bytes(buffer)


def keep(data: bytes, suffix: str, why: str) -> Path:
    REGRESSIONS.mkdir(exist_ok=True)
    path = REGRESSIONS / f"{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    path.write_bytes(data)
    print(f"finding: {why} -> {path.relative_to(REPO)}")
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--slow", type=float, default=5.0)
    parser.add_argument("--isolated", action="store_true", help="read in a worker process")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pool = DocumentPool(1) if args.isolated else None
    deadline, count, found = time.monotonic() + 60 * args.minutes, 0, 0
    scratch = REGRESSIONS.parent / ".fuzz-scratch"
    scratch.mkdir(exist_ok=True)
    try:
        while time.monotonic() < deadline:
            seed = rng.choice(SEEDS)
            data = mutate(seed.read_bytes(), rng)
            path = scratch / f"input{seed.suffix}"
            path.write_bytes(data)
            started = time.monotonic()
            try:
                if pool is not None:
                    document = pool.extract(path, path.name, limits=LIMITS)
                    crashed = [p for p in document.problems if "crashed" in p.reason]
                    if crashed:
                        keep(data, seed.suffix, crashed[0].reason)
                        found += 1
                else:
                    read_document(path, path.name, LIMITS)
            except Exception as exc:  # the finding: read_document must never raise
                keep(data, seed.suffix, f"{type(exc).__name__}: {exc}")
                found += 1
            if time.monotonic() - started > args.slow:
                keep(data, seed.suffix, f"took {time.monotonic() - started:.1f} s")
                found += 1
            count += 1
    finally:
        if pool is not None:
            pool.close()
        for leftover in scratch.iterdir():
            leftover.unlink()
        scratch.rmdir()
    print(f"{count} inputs in {args.minutes:g} min, {found} finding(s)")


if __name__ == "__main__":
    main()
