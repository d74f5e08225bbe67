"""Benchmark: how long the ``coop-rules`` command takes to start and do one small thing.

Run as ``python bench/startup.py [--corpus DIR] [--runs N] [--importtime]`` from the repo root
(DIR: the shared corpus of real invoices, ``../shared/corpus``; without it the corpus line is
left out). Each figure is a fresh process, timed end to end as a user sees it (cold process,
warm disk cache, bytecode compiled: every command runs once before it is timed), the median
and the best of N runs, and the median CPU time (user + system, with the reader workers):

- ``python -c pass``: the interpreter's own start (the floor under everything else);
- ``coop-rules --version``: target <= 0.15 s;
- ``coop-rules extract ONE.pdf`` (the sample claim's one-page invoice): target <= 0.4 s;
- ``coop-rules check fixtures/claims/compliant`` (an empty ledger): target <= 0.8 s;
- one ``coop-rules extract`` call over every PDF of the corpus, against ``pdftotext -layout``
  run on each of the same files one after the other: target <= 1.5x.

The load average is printed with the figures: on a shared machine they mean little without it.
``--importtime`` adds, per command, the imports ``python -X importtime`` counts (less sensitive
to load than wall time): their total and the heaviest top-level packages.
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMPLIANT = REPO / "fixtures" / "claims" / "compliant"
ONE_PDF = COMPLIANT / "rechnung-kreativwerk-RE-2024-0417.pdf"
COMMAND = [sys.executable, "-m", "coop_rules"]


def _env(scratch: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["XDG_DATA_HOME"] = str(scratch)  # the default ledger: missing, so empty
    for name in [n for n in env if n.startswith("COOP_RULES_")]:
        del env[name]
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: bytecode compiled and used
    # This checkout first, whatever is installed.
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    return env


def seconds(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time, and CPU time (user + system, the process and the workers it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr.decode()}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return elapsed, cpu


def timed(command: list[str], env: dict[str, str], runs: int) -> tuple[float, float, float]:
    """Median and best wall time, and median CPU time, of ``runs`` runs after a warm-up."""
    seconds(command, env)  # warm the disk cache (and coop-rules' cache of compiled patterns)
    times = [seconds(command, env) for _ in range(runs)]
    walls = [wall for wall, _ in times]
    return statistics.median(walls), min(walls), statistics.median(cpu for _, cpu in times)


def pdftotext_seconds(pdfs: list[Path]) -> tuple[float, float]:
    """pdftotext -layout on each file, one process after the other: wall and CPU time."""
    tool = shutil.which("pdftotext")
    if tool is None:
        sys.exit("pdftotext (poppler-utils) is not installed")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    for pdf in pdfs:
        subprocess.run([tool, "-layout", str(pdf), "-"], capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def corpus_ratio(pdfs: list[Path], env: dict[str, str], runs: int) -> str:
    """Ours and pdftotext's, run by turns (a shared machine's load hits both alike)."""
    ours_command = [*COMMAND, "extract", *map(str, pdfs)]
    seconds(ours_command, env)
    pdftotext_seconds(pdfs)
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(seconds(ours_command, env))
        theirs.append(pdftotext_seconds(pdfs))
    wall = statistics.median(w for w, _ in ours), statistics.median(w for w, _ in theirs)
    cpu = statistics.median(c for _, c in ours), statistics.median(c for _, c in theirs)
    ratios = statistics.median(o[0] / t[0] for o, t in zip(ours, theirs, strict=True))
    return (
        f"corpus, {len(pdfs)} PDFs: coop-rules extract {wall[0]:.2f}s (CPU {cpu[0]:.2f}s), "
        f"pdftotext -layout on each {wall[1]:.2f}s (CPU {cpu[1]:.2f}s): {wall[0] / wall[1]:.2f}x "
        f"(median of the run-by-run ratios {ratios:.2f}x; CPU {cpu[0] / cpu[1]:.2f}x), "
        "target <= 1.5x"
    )


def import_times(command: list[str], env: dict[str, str]) -> tuple[float, list[tuple[str, float]]]:
    """The seconds ``-X importtime`` counts for ``command``, and the heaviest top-level
    packages (cumulative, each counted once where it was first imported)."""
    done = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]], env=env, capture_output=True, check=False
    )
    per_package: dict[str, float] = defaultdict(float)
    total = 0.0
    for line in done.stderr.decode(errors="replace").splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if not match:
            continue
        own, name = int(match[1]) / 1e6, match[4]
        total += own
        top = name.split(".")[0]
        if top == "coop_rules":
            top = ".".join(name.split(".")[:2])
        per_package[top] += own
    heaviest = sorted(per_package.items(), key=lambda item: -item[1])[:8]
    return total, heaviest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, help="the shared corpus (../shared/corpus)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--importtime", action="store_true")
    args = parser.parse_args()
    compileall.compile_dir(REPO / "coop_rules", quiet=1)  # as an installed package has it
    with tempfile.TemporaryDirectory() as scratch:
        env = _env(Path(scratch))
        cases = [
            ("python -c pass", [sys.executable, "-c", "pass"], None),
            ("coop-rules --version", [*COMMAND, "--version"], 0.15),
            ("coop-rules extract ONE.pdf", [*COMMAND, "extract", str(ONE_PDF)], 0.4),
            ("coop-rules check compliant", [*COMMAND, "check", str(COMPLIANT)], 0.8),
        ]
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"{'command':<30} {'median':>8} {'best':>8} {'CPU':>8} {'target':>8}")
        for name, command, target in cases:
            median, best, cpu = timed(command, env, args.runs)
            mark = "" if target is None else ("ok" if median <= target else "MISSED")
            shown = "" if target is None else f"{target:.2f}"
            print(f"{name:<30} {median:>7.3f}s {best:>7.3f}s {cpu:>7.3f}s {shown:>8} {mark}")
        if args.corpus:
            pdfs = sorted(args.corpus.rglob("*.pdf"))
            print(corpus_ratio(pdfs, env, max(3, args.runs // 2)))
        print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if args.importtime:
            for name, command, _ in cases[1:]:
                total, heaviest = import_times(command, env)
                parts = ", ".join(f"{p} {s * 1000:.0f}" for p, s in heaviest)
                print(f"imports of {name}: {total * 1000:.0f} ms ({parts})")


if __name__ == "__main__":
    main()
