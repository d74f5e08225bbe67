"""Benchmark: end-to-end claim checks on the fixture claims, and rule evaluation alone.

Run as ``python bench/check.py [CLAIMS_DIR] [--repeat N]``. Prints, per claim and in total, the
time to check a claim end to end (reading + extraction + rules), the share of rule evaluation,
claims per second of rule evaluation for each engine, and the process's peak memory.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from datetime import date
from pathlib import Path

from coop_rules.api import check_facts, rulebook
from coop_rules.claim import load_claim
from coop_rules.engines import durable_available
from coop_rules.facts.build import claim_facts

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("claims", nargs="?", type=Path, default=REPO / "fixtures" / "claims")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folders = sorted(p for p in args.claims.iterdir() if p.is_dir())
    rules = rulebook()
    engines = ["python"] + (["durable"] if durable_available() else [])
    today = date(2024, 7, 20)
    print(
        f"{'claim':<36} {'docs':>4} {'read':>5} {'load ms':>8} "
        + " ".join(f"{e + ' ms':>10}" for e in engines)
    )
    load_times, rule_times = [], {e: [] for e in engines}
    for folder in folders:
        loads = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            claim = load_claim(folder)
            loads.append(time.perf_counter() - started)
        facts = claim_facts(claim, today)
        readable = sum(d.extracted.readable for d in claim.documents)
        per_engine = {}
        for engine in engines:
            check_facts(facts, rules, engine)  # warm: compile once
            started = time.perf_counter()
            for _ in range(200):
                check_facts(facts, rules, engine)
            per_engine[engine] = (time.perf_counter() - started) / 200
            rule_times[engine].append(per_engine[engine])
        load_times.append(min(loads))
        print(
            f"{folder.name:<36} {len(claim.documents):>4} {readable:>5} {min(loads) * 1000:>8.1f} "
            + " ".join(f"{per_engine[e] * 1000:>10.3f}" for e in engines)
        )
    mean_load = statistics.mean(load_times)
    print(
        f"\nclaims: {len(folders)}; mean end-to-end load+extract: {mean_load * 1000:.1f} ms/claim"
    )
    for engine in engines:
        mean_rules = statistics.mean(rule_times[engine])
        print(
            f"{engine:>8}: rule evaluation {mean_rules * 1000:.3f} ms/claim = "
            f"{1 / mean_rules:,.0f} claims/s; {100 * mean_rules / (mean_load + mean_rules):.2f} % "
            "of a whole check"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
