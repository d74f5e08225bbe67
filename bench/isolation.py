"""Benchmark: what isolating each document costs, and what the hostile set costs.

Run as ``python bench/isolation.py [--repeat N]``. Prints:

* the end-to-end time to check every fixture claim in this process and with each document in
  a worker (``Limits(isolate=False)`` vs the default), as a fresh CLI process per claim (what
  a user sees: start-up and warm-up included) and warm in one process; the overhead target is
  under 15 %;
* every hostile file's time (fixtures/hostile/generate.py) with the default limits, checked as
  one claim beside the good documents of ``compliant``, and that check's peak memory (this
  process and the largest worker: targets 30 s per file and 1 GiB in all).

``python bench/isolation.py --tree [NAME ...]`` instead checks, for each hostile file (or those
named), a copy of ``compliant`` with that file added, as a fresh ``python -m coop_rules check``
process, and prints its time, the peak memory of the whole process tree (the CLI and its reader
workers, resident set sizes summed, sampled every 10 ms), the file's finding, and whether
anything on stderr looks like a traceback. Target: every file under 1 GiB and 30 s, no
traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from types import ModuleType

import psutil

from coop_rules import check_claim
from coop_rules.documents import Limits
from coop_rules.isolation import DocumentPool

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "claims"
TODAY = date(2024, 7, 20)


def _cli_seconds(folder: Path, isolate: bool) -> float:
    command = [sys.executable, "-m", "coop_rules", "check", str(folder), "--today", "2024-07-20"]
    command += [] if isolate else ["--no-isolation"]
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, check=False)
    return time.perf_counter() - started


def overhead(repeat: int) -> None:
    folders = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
    for isolate in (False, True):  # warm both paths once
        check_claim(folders[0], today=TODAY, limits=Limits(isolate=isolate))
    warm = {}
    for isolate in (False, True):
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            for folder in folders:
                check_claim(folder, today=TODAY, limits=Limits(isolate=isolate))
            best = min(best, time.perf_counter() - started)
        warm[isolate] = best
    cold = {
        isolate: min(sum(_cli_seconds(f, isolate) for f in folders[:5]) for _ in range(repeat))
        for isolate in (False, True)
    }
    print(f"{len(folders)} fixture claims, warm in one process (best of {repeat}):")
    print(
        f"  in process {warm[False]:.2f} s, isolated {warm[True]:.2f} s: "
        f"{100 * (warm[True] / warm[False] - 1):+.1f} %"
    )
    print("5 claims, one CLI process each (start-up included):")
    print(
        f"  in process {cold[False]:.2f} s, isolated {cold[True]:.2f} s: "
        f"{100 * (cold[True] / cold[False] - 1):+.1f} %"
    )


def hostile() -> None:
    generator = _generator()
    with tempfile.TemporaryDirectory() as scratch:
        files = Path(scratch) / "files"
        generator.generate(files)
        pool = DocumentPool(1)
        print("\nhostile file                    seconds  outcome")
        for path in sorted(files.iterdir()):
            started = time.perf_counter()
            document = pool.extract(path, path.name)
            seconds = time.perf_counter() - started
            outcome = ("; ".join(f"{p.kind}: {p.reason}" for p in document.problems) or "read")[:70]
            print(f"{path.name:<31} {seconds:7.2f}  {outcome}")
        pool.close()
        claim = Path(scratch) / "claim"
        shutil.copytree(FIXTURES / "compliant", claim)
        for path in files.iterdir():
            shutil.copy(path, claim / path.name)
        started = time.perf_counter()
        report = check_claim(claim, today=TODAY)
        seconds = time.perf_counter() - started
    unreadable = sum(not d.readable for d in report.documents)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"\nwhole check of compliant + {len(list(claim.parent.glob('files/*')) or [0]) and ''}"
        f"the hostile set: {len(report.documents)} documents ({unreadable} unreadable) in "
        f"{seconds:.1f} s; peak RSS {own:.0f} MiB here + {worker:.0f} MiB in the largest "
        f"worker = {own + worker:.0f} MiB"
    )


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


def tree(names: list[str]) -> None:
    generator = _generator()
    names = names or sorted(generator.HOSTILE)
    print("hostile file                        seconds  peak MiB  traceback  finding")
    with tempfile.TemporaryDirectory() as scratch:
        files = Path(scratch) / "files"
        generator.generate(files, names)
        for name in names:
            claim = Path(scratch) / "claim"
            shutil.rmtree(claim, ignore_errors=True)
            shutil.copytree(FIXTURES / "compliant", claim)
            shutil.copy(files / name, claim / name)
            command = [sys.executable, "-m", "coop_rules", "check", str(claim)]
            started = time.perf_counter()
            process = psutil.Popen(
                [*command, "--today", "2024-07-20"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            peak = 0
            while process.poll() is None:
                peak = max(peak, _tree_rss(process))
                time.sleep(0.01)
            seconds = time.perf_counter() - started
            out, err = (stream.read().decode() for stream in (process.stdout, process.stderr))
            finding = next(
                (line.strip() for line in out.splitlines() if f"Could not read {name}" in line),
                "read",
            )
            traceback = "yes" if "Traceback" in out + err else "no"
            print(f"{name:<35} {seconds:7.1f}  {peak / 2**20:8.0f}  {traceback:<9}  {finding}")


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "hostile_generate", REPO / "fixtures" / "hostile" / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    return generator


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tree", nargs="*", metavar="NAME", help="see the module docstring")
    args = parser.parse_args()
    if args.tree is not None:
        tree(args.tree)
        return
    overhead(args.repeat)
    hostile()


if __name__ == "__main__":
    main()
