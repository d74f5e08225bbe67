"""Benchmark: batch throughput (claims/s) with 1 and 2 worker processes, and the HTML report.

Run as ``python bench/batch.py [--copies N] [--repeat R]``. Each batch is a fresh
``coop-rules check DIR --out OUT`` process, timed end to end (start-up and the first check's
warm-up included, as a user sees it), best of R. ``--copies N`` checks N copies of the fixture
claims, to show throughput once the per-process warm-up is spread over more claims. The
steady state is measured in this process after a warm-up batch (workers fork warm): what the
workers add once the one-off cost of the first checks (language data, patterns) is paid.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from coop_rules import check_claim
from coop_rules.batch import Options, find_claims, run_batch
from coop_rules.renderers.html import HtmlRenderer

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "claims"


def batch_seconds(claims: Path, jobs: int, report_format: str) -> float:
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "coop_rules", "check", str(claims), "--out", out]
        command += ["--jobs", str(jobs), "--format", report_format, "--today", "2024-07-20"]
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--format", default="html", choices=("html", "json", "xlsx"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        claims = Path(scratch)
        for copy in range(args.copies):
            for folder in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
                shutil.copytree(folder, claims / f"{folder.name}-{copy}")
        count = sum(1 for p in claims.iterdir())
        rates = {}
        for jobs in (1, 2):
            best = min(batch_seconds(claims, jobs, args.format) for _ in range(args.repeat))
            rates[jobs] = count / best
            print(f"--jobs {jobs}: {count} claims in {best:.2f} s = {rates[jobs]:.1f} claims/s")
        print(f"ratio 2 workers / 1: {rates[2] / rates[1]:.2f}x")
        folders, options = find_claims([claims]), Options(today=date(2024, 7, 20))
        with tempfile.TemporaryDirectory() as out:
            run_batch(folders, Path(out), options, jobs=1)  # warm every cache of this process
        steady = {}
        for jobs in (1, 2):
            with tempfile.TemporaryDirectory() as out:
                started = time.perf_counter()
                run_batch(folders, Path(out), options, jobs=jobs)
                steady[jobs] = count / (time.perf_counter() - started)
        print(
            f"steady state: {steady[1]:.1f} claims/s with 1 worker, {steady[2]:.1f} with 2: "
            f"{steady[2] / steady[1]:.2f}x"
        )
    report = check_claim(FIXTURES / "compliant", today=date(2024, 7, 20))
    renderer = HtmlRenderer()
    renderer.report(report)  # templates compiled once per process
    times = []
    for _ in range(5):
        started = time.perf_counter()
        html = renderer.report(report)
        times.append(time.perf_counter() - started)
    print(
        f"HTML report of 'compliant' ({len(report.documents)} documents): "
        f"{min(times) * 1000:.0f} ms, {len(html.encode()) / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
